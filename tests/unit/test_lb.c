// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Tests of the state API's bookkeeping (loader/lb.c): bulk mode, backend ids handed out from
 * lb.c's index and checked against the maps, an index forgotten with the lock, VIP listing,
 * table installation into an outer map that refuses mmapable inner arrays.  Tables are read
 * back from the maps. */
#include "fixture.h"

static struct fixture fx;

#define VIP_A "10.0.0.10"
#define VIP_B "10.0.0.20"
#define VIP_C "10.0.0.30"

static __u32 vip_id(const char *addr)
{
	struct xdplb_vip_key k = fx_vip_key(addr, 80, IPPROTO_TCP);
	struct xdplb_vip v = {};

	return lb_vip_get(&fx.lb, &k, &v) ? 0 : v.id;
}

/* Which of the backends @addrs[0..n-1] of VIP @addr its table holds: bit i for addrs[i];
 * -1 if the table holds anything else; 0 without a table.  *len = the table's length. */
static int table_members(struct lb *lb, const char *addr, const char *const *addrs, int n, int *len)
{
	static __u32 ids[XDPLB_DEF_RING_SIZE];
	__u32 vid = vip_id(addr);
	int got = lb_table_read(lb, vid, ids, XDPLB_DEF_RING_SIZE), mask = 0;

	*len = got;
	for (int s = 0; s < got; s++) {
		struct xdplb_real r = {};
		int i;

		if (bpf_map_lookup_elem(fx.lb.reals, &ids[s], &r) || r.vip_id != vid)
			return -1;
		for (i = 0; i < n && r.addr[0] != ipv4_addr(addrs[i]); i++)
			;
		if (i == n)
			return -1;
		mask |= 1 << i;
	}
	return mask;
}

static const char *const a_reals[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };
static const char *const b_reals[] = { "10.0.1.21", "10.0.1.22" };

static void case_bulk_defers_tables(void)
{
	int len;

	ASSERT_EQ(fx_vip_add(&fx, VIP_A, 80, IPPROTO_TCP), 0, "add VIP A");
	ASSERT_EQ(fx_real_add(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[0], 1), 0, "add a1");
	ASSERT_EQ(fx_real_add(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[1], 1), 0, "add a2");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 3, "A's table: a1, a2");
	ASSERT_EQ(len, XDPLB_DEF_RING_SIZE, "A's Maglev table fills the ring");

	ASSERT_EQ(lb_bulk_begin(&fx.lb), 0, "bulk mode begins");
	ASSERT_EQ(lb_bulk_begin(&fx.lb), -EBUSY, "not twice");
	ASSERT_EQ(fx_real_add(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[2], 1), 0, "add a3");
	ASSERT_EQ(fx_real_weight(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[0], 0), 0, "drain a1");
	ASSERT_EQ(fx_vip_add(&fx, VIP_B, 80, IPPROTO_TCP), 0, "add VIP B");
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(fx_real_add(&fx, VIP_B, 80, IPPROTO_TCP, b_reals[i], 1), 0, "add b");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 3,
		  "before the flush, A's table is still a1, a2");
	ASSERT_EQ(table_members(&fx.lb, VIP_B, b_reals, 2, &len), 0, "before the flush, B: none");

	ASSERT_EQ(lb_bulk_flush(&fx.lb), 0, "flush");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 6,
		  "after the flush, A's table: a2, a3 (a1 drained)");
	ASSERT_EQ(table_members(&fx.lb, VIP_B, b_reals, 2, &len), 3, "after the flush, B: b1, b2");
	ASSERT_EQ(len, XDPLB_DEF_RING_SIZE, "B's Maglev table fills the ring");
	/* still in bulk mode after a flush */
	ASSERT_EQ(fx_real_weight(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[0], 1), 0, "undrain a1");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 6, "deferred again: a2, a3");
	ASSERT_EQ(lb_bulk_end(&fx.lb), 0, "bulk mode ends");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 7, "A's table: a1, a2, a3");
	ASSERT_EQ(lb_bulk_end(&fx.lb), 0, "ending again: nothing to do");
	/* outside bulk mode, changes rebuild at once again */
	ASSERT_EQ(fx_real_weight(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[2], 0), 0, "drain a3");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 3, "A's table: a1, a2");
	ASSERT_EQ(fx_real_weight(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[2], 1), 0, "undrain a3");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 7, "A's table: a1, a2, a3");
}

static void case_bulk_removals_at_once(void)
{
	struct xdplb_vip_key kb = fx_vip_key(VIP_B, 80, IPPROTO_TCP);
	__u32 bid = vip_id(VIP_B), inner;
	int len;

	ASSERT_EQ(lb_bulk_begin(&fx.lb), 0, "bulk mode begins");
	ASSERT_EQ(fx_real_del(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[1]), 0, "remove a2");
	ASSERT_EQ(table_members(&fx.lb, VIP_A, a_reals, 3, &len), 5,
		  "in bulk mode, a removed backend leaves A's table at once");
	ASSERT_EQ(fx_real_add(&fx, VIP_B, 80, IPPROTO_TCP, "10.0.1.23", 1), 0, "add b3");
	ASSERT_EQ(lb_vip_del(&fx.lb, &kb), 0, "remove VIP B (its table goes at the flush)");
	ASSERT_EQ(vip_id(VIP_B), 0, "VIP B is gone at once");
	ASSERT_EQ(lb_bulk_end(&fx.lb), 0, "bulk mode ends");
	ASSERT_EQ(vip_id(VIP_B), 0, "VIP B stays removed");
	ASSERT_TRUE(bpf_map_lookup_elem(fx.lb.tables, &bid, &inner) && errno == ENOENT,
		    "no table left for B's id");
	ASSERT_EQ(fx_real_add(&fx, VIP_A, 80, IPPROTO_TCP, a_reals[1], 1), 0, "a2 back");
}

/* Ids come lowest first; a reused id's gen grows (flows of its previous holder do not
 * follow the new one); duplicates are refused. */
static void case_ids_and_gen(void)
{
	static const char *const c[] = { "10.0.2.1", "10.0.2.2", "10.0.2.3", "10.0.2.4" };
	struct xdplb_real before, after;
	__u32 cid;
	int id[4];

	ASSERT_EQ(fx_vip_add(&fx, VIP_C, 80, IPPROTO_TCP), 0, "add VIP C");
	cid = vip_id(VIP_C);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, c[i], 1), 0, "add c");
		id[i] = fx_real_id(&fx, cid, c[i]);
	}
	ASSERT_TRUE(id[0] > 0 && id[1] == id[0] + 1 && id[2] == id[1] + 1, "consecutive ids");
	bpf_map_lookup_elem(fx.lb.reals, &id[1], &before);
	ASSERT_EQ(fx_real_del(&fx, VIP_C, 80, IPPROTO_TCP, c[1]), 0, "remove c2");
	ASSERT_EQ(fx_real_id(&fx, cid, c[1]), -ENOENT, "c2 is gone");
	ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, c[3], 1), 0, "add c4");
	id[3] = fx_real_id(&fx, cid, c[3]);
	ASSERT_EQ(id[3], id[1], "c4 takes the lowest free id, c2's");
	bpf_map_lookup_elem(fx.lb.reals, &id[3], &after);
	ASSERT_EQ(after.gen, before.gen + 1, "the reused id's gen grew by one");
	ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, c[0], 1), -EEXIST, "duplicate refused");
}

/* Another writer changed the backend array behind lb's back: what lb.c remembers is checked
 * against the map before it is used. */
static void case_index_checked_against_map(void)
{
	struct xdplb_real foreign = {}, r = {}, empty = {};
	struct lb_real_entry rs[8];
	__u32 cid = vip_id(VIP_C), slot, got;
	int n, id;

	/* the next free id is past c4; a foreign writer takes it for VIP C */
	ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, "10.0.2.5", 1), 0, "add c5");
	slot = fx_real_id(&fx, cid, "10.0.2.5");
	ASSERT_EQ(fx_real_del(&fx, VIP_C, 80, IPPROTO_TCP, "10.0.2.5"), 0, "remove c5");
	foreign.addr[0] = ipv4_addr("10.0.2.9");
	foreign.family = 2;
	foreign.vip_id = cid;
	foreign.weight = 1;
	foreign.flags = XDPLB_REAL_F_USED;
	foreign.gen = 7;
	ASSERT_EQ(bpf_map_update_elem(fx.lb.reals, &slot, &foreign, BPF_ANY), 0, "foreign write");

	ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, "10.0.2.6", 1), 0, "add c6");
	id = fx_real_id(&fx, cid, "10.0.2.6");
	ASSERT_TRUE(id > 0 && (__u32)id != slot, "c6 did not get the foreign writer's slot");
	bpf_map_lookup_elem(fx.lb.reals, &slot, &r);
	ASSERT_TRUE(r.addr[0] == foreign.addr[0] && r.gen == 7, "the foreign backend is intact");
	n = lb_real_list(&fx.lb, cid, rs, 8);
	ASSERT_EQ(n, 5, "C lists c1, c3, c4, the foreign one and c6");
	ASSERT_EQ(fx_real_id(&fx, cid, "10.0.2.9"), (int)slot, "the foreign backend is found");

	/* the foreign writer frees its slot again: lb.c must not list it */
	empty.gen = 7;
	ASSERT_EQ(bpf_map_update_elem(fx.lb.reals, &slot, &empty, BPF_ANY), 0, "foreign free");
	n = lb_real_list(&fx.lb, cid, rs, 8);
	ASSERT_EQ(n, 4, "C lists c1, c3, c4 and c6");
	got = 0;
	for (int i = 0; i < n && i < 8; i++) {
		got |= rs[i].id == slot;
		ASSERT_TRUE(i == 0 || rs[i].id > rs[i - 1].id, "listed by id");
	}
	ASSERT_EQ(got, 0, "the freed slot is not listed");
}

/* A struct lb that takes and drops the lock again and again (as the daemon does) forgets what
 * it knew each time: someone else may have added backends meanwhile, and a table built from a
 * stale index would leave them out. */
static void case_index_forgotten_with_lock(void)
{
	struct xdplb_vip_key kc = fx_vip_key(VIP_C, 80, IPPROTO_TCP);
	struct xdplb_real r7 = {}, r8 = {};
	struct lb_real_entry rs[8];
	struct xdplb_vip vc;
	struct lb d;
	static __u32 t[XDPLB_DEF_RING_SIZE];
	__u32 cid = vip_id(VIP_C);
	int n, id8, len, seen = 0;

	bpf_program__pin(fx.skel->progs.xdplb_gc, "/sys/fs/bpf/xdplb_gc");
	if (!ASSERT_EQ(lb_open(&d, "/sys/fs/bpf"), 0, "open the pinned maps"))
		return;
	r7.addr[0] = ipv4_addr("10.0.2.7");
	r8.addr[0] = ipv4_addr("10.0.2.8");
	r7.family = r8.family = 2;
	r7.weight = r8.weight = 1;
	ASSERT_EQ(lb_lock(&d, "/sys/fs/bpf"), 0, "lock");
	ASSERT_EQ(lb_real_add(&d, &kc, &r7), 0, "add c7 under the lock");
	ASSERT_EQ(lb_real_list(&d, cid, rs, 8), 5, "C: c1, c3, c4, c6, c7");
	lb_unlock(&d);

	ASSERT_EQ(lb_real_add(&fx.lb, &kc, &r8), 0, "someone else adds c8");
	id8 = fx_real_id(&fx, cid, "10.0.2.8");
	ASSERT_TRUE(id8 > 0, "c8 has an id");

	ASSERT_EQ(lb_lock(&d, "/sys/fs/bpf"), 0, "lock again");
	n = lb_real_list(&d, cid, rs, 8);
	ASSERT_EQ(n, 6, "C lists c8 too");
	ASSERT_EQ(lb_vip_get(&d, &kc, &vc), 0, "VIP C");
	ASSERT_EQ(lb_table_rebuild(&d, &vc), 0, "rebuild C's table");
	len = lb_table_read(&d, cid, t, XDPLB_DEF_RING_SIZE);
	for (int s = 0; s < len; s++)
		seen |= t[s] == (__u32)id8;
	ASSERT_TRUE(seen, "c8 is in C's table");
	lb_close(&d);
	unlink("/sys/fs/bpf/xdplb_gc");
}

static void case_vip_list(void)
{
	struct lb_vip_entry out[10];
	__u32 free_id;
	char addr[32];
	int n;

	for (int i = 0; i < 40; i++) {
		snprintf(addr, sizeof(addr), "10.0.9.%d", i + 1);
		ASSERT_EQ(fx_vip_add(&fx, addr, 80, IPPROTO_TCP), 0, "add a VIP");
	}
	n = lb_vip_list(&fx.lb, out, 10);
	ASSERT_EQ(n, 42, "every VIP counted (A, C and 40 more)");
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(out[i].vip.id, i + 1, "the lowest ids first, in order");
	for (int i = 0; i < 40; i++) {
		struct xdplb_vip_key k;

		snprintf(addr, sizeof(addr), "10.0.9.%d", i + 1);
		k = fx_vip_key(addr, 80, IPPROTO_TCP);
		ASSERT_EQ(lb_vip_del(&fx.lb, &k), 0, "remove the VIP");
	}
	ASSERT_EQ(lb_vip_list(&fx.lb, NULL, 0), 2, "A and C are left");
	ASSERT_EQ(fx_vip_add(&fx, VIP_B, 80, IPPROTO_TCP), 0, "add VIP B again");
	for (free_id = 1; free_id == vip_id(VIP_A) || free_id == vip_id(VIP_C); free_id++)
		;
	ASSERT_EQ(vip_id(VIP_B), free_id, "it takes the lowest free VIP id");
}

/* An outer map whose inner template is not mmapable (as pinned by an older xdplb): tables are
 * built again without BPF_F_MMAPABLE and installed. */
static void case_plain_outer_map(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, iopts, .map_flags = BPF_F_INNER_MAP);
	struct xdplb_vip_key ka = fx_vip_key(VIP_A, 80, IPPROTO_TCP);
	struct lb l2 = fx.lb;
	struct xdplb_vip va;
	__u32 aid = vip_id(VIP_A), inner_id;
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	int tmpl, outer, fd, len;

	tmpl = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tmpl", 4, 4, 1, &iopts);
	LIBBPF_OPTS(bpf_map_create_opts, oopts, .inner_map_fd = tmpl);
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "outer", 4, 4, fx.lb.max_vips, &oopts);
	ASSERT_TRUE(tmpl >= 0 && outer >= 0, "plain outer map created");
	l2.idx = NULL;
	l2.tables = outer;
	lb_vip_get(&fx.lb, &ka, &va);
	ASSERT_EQ(lb_table_rebuild(&l2, &va), 0, "rebuild into the plain outer map");
	ASSERT_EQ(table_members(&l2, VIP_A, a_reals, 3, &len), 7, "its table: a1, a2, a3");
	ASSERT_EQ(len, XDPLB_DEF_RING_SIZE, "the whole ring");
	ASSERT_EQ(bpf_map_lookup_elem(outer, &aid, &inner_id), 0, "outer slot set");
	fd = bpf_map_get_fd_by_id(inner_id);
	bpf_obj_get_info_by_fd(fd, &info, &ilen);
	ASSERT_EQ(info.map_flags & BPF_F_MMAPABLE, 0, "a plain inner array");
	ASSERT_EQ(lb_table_rebuild(&l2, &va), 0, "again, knowing it");
	close(fd);
	lb_close(&l2); /* skeleton-owned maps: frees only what lb.c allocated */
	close(outer);
	close(tmpl);
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("bulk: tables built at the flush, not before", case_bulk_defers_tables);
	RUN_CASE("bulk: removals take effect at once", case_bulk_removals_at_once);
	RUN_CASE("backend ids: lowest free first, gen grows on reuse", case_ids_and_gen);
	RUN_CASE("what lb.c remembers is checked against the maps", case_index_checked_against_map);
	RUN_CASE("the index is forgotten with the lock", case_index_forgotten_with_lock);
	RUN_CASE("vip list: sorted by id, all counted, at most max filled", case_vip_list);
	RUN_CASE("outer map without mmapable inner arrays", case_plain_outer_map);
	return TEST_MAIN_END();
}
