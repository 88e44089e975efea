// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Tests of the state API's bookkeeping (loader/lib): bulk mode, backend ids handed out from
 * the library's index and checked against the maps, an index forgotten with the lock, VIP listing,
 * table installation into an outer map that refuses mmapable inner arrays, the address
 * entries of xdplb_vips.  Tables are read back from the maps. */
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

		if (bpf_map_lookup_elem(FX_FD(&fx, reals), &ids[s], &r) || r.vip_id != vid)
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
	/* its slot holds no table or the empty one (length 0): it names no backend */
	ASSERT_EQ(lb_table_read(&fx.lb, bid, &inner, 1), 0, "no table left for B's id");
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
	bpf_map_lookup_elem(FX_FD(&fx, reals), &id[1], &before);
	ASSERT_EQ(fx_real_del(&fx, VIP_C, 80, IPPROTO_TCP, c[1]), 0, "remove c2");
	ASSERT_EQ(fx_real_id(&fx, cid, c[1]), -ENOENT, "c2 is gone");
	ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, c[3], 1), 0, "add c4");
	id[3] = fx_real_id(&fx, cid, c[3]);
	ASSERT_EQ(id[3], id[1], "c4 takes the lowest free id, c2's");
	bpf_map_lookup_elem(FX_FD(&fx, reals), &id[3], &after);
	ASSERT_EQ(after.gen, before.gen + 1, "the reused id's gen grew by one");
	ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, c[0], 1), -EEXIST, "duplicate refused");
}

/* Another writer changed the backend array behind lb's back: what the library remembers is checked
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
	ASSERT_EQ(bpf_map_update_elem(FX_FD(&fx, reals), &slot, &foreign, BPF_ANY), 0,
		  "foreign write");

	ASSERT_EQ(fx_real_add(&fx, VIP_C, 80, IPPROTO_TCP, "10.0.2.6", 1), 0, "add c6");
	id = fx_real_id(&fx, cid, "10.0.2.6");
	ASSERT_TRUE(id > 0 && (__u32)id != slot, "c6 did not get the foreign writer's slot");
	bpf_map_lookup_elem(FX_FD(&fx, reals), &slot, &r);
	ASSERT_TRUE(r.addr[0] == foreign.addr[0] && r.gen == 7, "the foreign backend is intact");
	n = lb_real_list(&fx.lb, cid, rs, 8);
	ASSERT_EQ(n, 5, "C lists c1, c3, c4, the foreign one and c6");
	ASSERT_EQ(fx_real_id(&fx, cid, "10.0.2.9"), (int)slot, "the foreign backend is found");

	/* the foreign writer frees its slot again: the library must not list it */
	empty.gen = 7;
	ASSERT_EQ(bpf_map_update_elem(FX_FD(&fx, reals), &slot, &empty, BPF_ANY), 0,
		  "foreign free");
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
	bpf_program__pin(fx.skel->progs.xdplb_explain, "/sys/fs/bpf/xdplb_explain");
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
	unlink("/sys/fs/bpf/xdplb_explain");
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

/* Address entries (lib/lb.h): keys and lookups. */
static struct xdplb_vip_key key6(const char *addr, __u16 port, __u8 proto)
{
	struct xdplb_vip_key k = {};
	struct in6_addr a = ipv6_addr(addr);

	memcpy(k.addr, &a, 16);
	k.port = htons(port);
	k.proto = proto;
	k.family = XDPLB_AF_INET6;
	return k;
}

static struct xdplb_vip_key akey_of(struct xdplb_vip_key k)
{
	k.port = 0;
	k.family |= XDPLB_AF_ADDR;
	return k;
}

/* The address entry of @k's address and protocol: 1 and *v, or 0 when there is none. */
static int addr_entry(struct xdplb_vip_key k, struct xdplb_vip *v)
{
	struct xdplb_vip_key a = akey_of(k);

	memset(v, 0, sizeof(*v));
	return bpf_map_lookup_elem(FX_FD(&fx, vips), &a, v) == 0;
}

/* Is the address entry of @k a copy of VIP @k's record? */
static bool entry_is_copy_of(struct xdplb_vip_key k)
{
	struct xdplb_vip e, v;

	return addr_entry(k, &e) && !lb_vip_get(&fx.lb, &k, &v) && v.id &&
	       !memcmp(&e, &v, sizeof(e));
}

/* Is the address entry of @k there with id 0? */
static bool entry_is_none(struct xdplb_vip_key k)
{
	struct xdplb_vip e;

	return addr_entry(k, &e) && e.id == 0;
}

static int vip_add_k(struct xdplb_vip_key k, __u8 mode, __u16 flags)
{
	struct xdplb_vip v = { .mode = mode, .flags = flags };

	return lb_vip_add(&fx.lb, &k, &v);
}

static int vip_set_k(struct xdplb_vip_key k, __u8 mode, __u16 flags)
{
	struct xdplb_vip v = {};

	if (lb_vip_get(&fx.lb, &k, &v))
		return -ENOENT;
	v.mode = mode;
	v.flags = flags;
	return lb_vip_set(&fx.lb, &k, &v);
}

/* Entries in xdplb_vips with the address flag, and whether a listing ever shows one. */
static int count_addr_entries(void)
{
	struct xdplb_vip_key key, next, *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(FX_FD(&fx, vips), prev, &next)) {
		key = next;
		prev = &key;
		n += !!(key.family & XDPLB_AF_ADDR);
	}
	return n;
}

static bool listing_has_addr_entry(void)
{
	static struct lb_vip_entry out[XDPLB_DEF_MAX_VIPS];
	int n = lb_vip_list(&fx.lb, out, XDPLB_DEF_MAX_VIPS);

	for (int i = 0; i < n && i < XDPLB_DEF_MAX_VIPS; i++)
		if (out[i].key.family & XDPLB_AF_ADDR || !out[i].vip.id)
			return true;
	return false;
}

static __u32 cfg_flags(void)
{
	struct xdplb_config cfg = {};

	lb_config_get(&fx.lb, &cfg);
	return cfg.flags;
}

#define L3 XDPLB_VIP_F_L3HASH

/* VIPs come and go on one address: the entry is a copy of a lone l3hash VIP, id 0 otherwise,
 * gone with the last VIP; other protocols and families have entries of their own. */
static void case_addr_entries(void)
{
	struct xdplb_vip_key u1 = fx_vip_key("10.0.7.1", 53, IPPROTO_UDP);
	struct xdplb_vip_key u2 = fx_vip_key("10.0.7.1", 54, IPPROTO_UDP);
	struct xdplb_vip_key t1 = fx_vip_key("10.0.7.1", 53, IPPROTO_TCP);
	struct xdplb_vip_key s1 = key6("2001:db8::7", 53, IPPROTO_UDP);
	struct xdplb_vip_key s2 = key6("2001:db8::7", 0, IPPROTO_UDP);
	int before = count_addr_entries(), nvips = lb_vip_list(&fx.lb, NULL, 0);
	__u32 gen0, gen1;
	struct xdplb_config cfg;
	struct xdplb_vip e;

	ASSERT_EQ(addr_entry(u1, &e), 0, "no entry before a VIP");
	ASSERT_EQ(vip_add_k(u1, XDPLB_MODE_TUN, 0), 0, "add udp :53 (hash l4)");
	ASSERT_TRUE(entry_is_none(u1), "one VIP without l3hash: entry with id 0");
	ASSERT_EQ(vip_set_k(u1, XDPLB_MODE_TUN, L3), 0, "set hash l3");
	ASSERT_TRUE(entry_is_copy_of(u1), "one l3hash VIP: entry = its record");
	ASSERT_EQ(vip_set_k(u1, XDPLB_MODE_DR, L3), 0, "set mode dr");
	ASSERT_TRUE(entry_is_copy_of(u1), "the copy follows the record (mode dr)");
	ASSERT_TRUE(addr_entry(u1, &e) && e.mode == XDPLB_MODE_DR, "entry says dr");

	ASSERT_EQ(vip_add_k(t1, XDPLB_MODE_TUN, L3), 0, "add tcp :53 on the address (l3hash)");
	ASSERT_TRUE(entry_is_copy_of(t1), "tcp has an entry of its own: its copy");
	ASSERT_TRUE(entry_is_copy_of(u1), "udp's entry unchanged");

	lb_config_get(&fx.lb, &cfg);
	gen0 = cfg.vip_gen;
	ASSERT_EQ(vip_add_k(u2, XDPLB_MODE_TUN, L3), 0, "add udp :54 on the address");
	ASSERT_TRUE(entry_is_none(u1), "two udp VIPs on the address: id 0");
	lb_config_get(&fx.lb, &cfg);
	gen1 = cfg.vip_gen;
	ASSERT_TRUE(gen1 != gen0, "vip_gen bumped");
	ASSERT_EQ(vip_set_k(u2, XDPLB_MODE_NAT, L3), 0, "set udp :54 nat");
	ASSERT_TRUE(entry_is_none(u1), "still two: id 0");
	ASSERT_TRUE(cfg_flags() & XDPLB_CFG_F_NAT_L3, "an l3hash NAT VIP: NAT_L3 set");
	ASSERT_EQ(lb_vip_del(&fx.lb, &u1), 0, "remove udp :53");
	ASSERT_TRUE(entry_is_copy_of(u2), "udp :54 alone again: its copy");
	ASSERT_EQ(vip_set_k(u2, XDPLB_MODE_NAT, 0), 0, "udp :54 hash l4");
	ASSERT_TRUE(entry_is_none(u2), "alone without l3hash: id 0");
	ASSERT_EQ(cfg_flags() & XDPLB_CFG_F_NAT_L3, 0, "no l3hash NAT VIP: NAT_L3 clear");
	ASSERT_TRUE(cfg_flags() & XDPLB_CFG_F_NAT, "NAT still set");
	ASSERT_EQ(vip_set_k(u2, XDPLB_MODE_NAT, L3), 0, "udp :54 hash l3 again");
	ASSERT_TRUE(entry_is_copy_of(u2), "alone with l3hash: its copy (from id 0)");
	ASSERT_TRUE(cfg_flags() & XDPLB_CFG_F_NAT_L3, "NAT_L3 set again");
	ASSERT_EQ(lb_vip_del(&fx.lb, &u2), 0, "remove udp :54");
	ASSERT_EQ(addr_entry(u2, &e), 0, "last udp VIP gone: no udp entry");
	ASSERT_TRUE(entry_is_copy_of(t1), "tcp's entry stays");
	ASSERT_EQ(cfg_flags() & (XDPLB_CFG_F_NAT_L3 | XDPLB_CFG_F_NAT), 0, "no NAT VIP left");

	/* IPv6, a port-0 VIP next to a port VIP */
	ASSERT_EQ(vip_add_k(s2, XDPLB_MODE_TUN, L3), 0, "add [2001:db8::7]:0 udp");
	ASSERT_TRUE(entry_is_copy_of(s2), "IPv6 entry (family 10 | 0x80): its copy");
	ASSERT_EQ(addr_entry(s2, &e) && akey_of(s2).family == (XDPLB_AF_INET6 | XDPLB_AF_ADDR), 1,
		  "keyed by family 0x8a");
	ASSERT_EQ(vip_add_k(s1, XDPLB_MODE_TUN, L3), 0, "add [2001:db8::7]:53 udp");
	ASSERT_TRUE(entry_is_none(s1), "two: id 0");
	ASSERT_EQ(count_addr_entries(), before + 2, "entries: tcp 10.0.7.1, udp 2001:db8::7");
	ASSERT_EQ(lb_vip_list(&fx.lb, NULL, 0), nvips + 3, "listing counts the VIPs only");
	ASSERT_TRUE(!listing_has_addr_entry(), "listing shows no address entry");
	ASSERT_EQ(lb_vip_del(&fx.lb, &s2), 0, "remove port 0");
	ASSERT_TRUE(entry_is_copy_of(s1), ":53 alone: its copy");
	ASSERT_EQ(lb_vip_del(&fx.lb, &s1), 0, "remove :53");
	ASSERT_EQ(lb_vip_del(&fx.lb, &t1), 0, "remove tcp");
	ASSERT_EQ(count_addr_entries(), before, "no entries left of these");
	ASSERT_EQ(lb_vip_list(&fx.lb, NULL, 0), nvips, "VIPs as before");
}

/* In bulk mode an entry is never a copy of a VIP other than the only one on its address (id 0
 * meanwhile at most), and the flush makes them all right. */
static void case_addr_entries_bulk(void)
{
	struct xdplb_vip_key a = fx_vip_key("10.0.8.1", 100, IPPROTO_UDP);
	struct xdplb_vip_key b = fx_vip_key("10.0.8.1", 200, IPPROTO_UDP);
	struct xdplb_vip_key c = fx_vip_key("10.0.8.2", 100, IPPROTO_UDP);
	int before = count_addr_entries();
	struct xdplb_vip e;

	ASSERT_EQ(lb_bulk_begin(&fx.lb), 0, "bulk mode begins");
	ASSERT_EQ(vip_add_k(a, XDPLB_MODE_TUN, L3), 0, "add a (l3hash)");
	ASSERT_TRUE(entry_is_copy_of(a), "a alone: its copy at once");
	ASSERT_EQ(vip_add_k(b, XDPLB_MODE_TUN, L3), 0, "add b on a's address");
	ASSERT_TRUE(entry_is_none(a), "two: id 0 at once");
	ASSERT_EQ(lb_vip_del(&fx.lb, &a), 0, "remove a");
	ASSERT_TRUE(entry_is_none(b) || entry_is_copy_of(b), "b alone: id 0 or b's copy");
	ASSERT_EQ(vip_add_k(c, XDPLB_MODE_TUN, 0), 0, "add c (hash l4)");
	ASSERT_TRUE(entry_is_none(c), "c: id 0");
	ASSERT_EQ(vip_set_k(c, XDPLB_MODE_TUN, L3), 0, "c hash l3");
	ASSERT_TRUE(entry_is_none(c) || entry_is_copy_of(c), "c: id 0 or its copy");
	ASSERT_EQ(lb_vip_del(&fx.lb, &b), 0, "remove b");
	ASSERT_TRUE(!addr_entry(b, &e) || e.id == 0, "b's address: none or id 0");
	ASSERT_EQ(lb_bulk_end(&fx.lb), 0, "bulk mode ends (flush)");
	ASSERT_EQ(addr_entry(b, &e), 0, "after the flush: no entry for b's address");
	ASSERT_TRUE(entry_is_copy_of(c), "after the flush: c's copy");
	ASSERT_EQ(count_addr_entries(), before + 1, "one new entry (c's)");
	ASSERT_EQ(lb_vip_del(&fx.lb, &c), 0, "remove c");
	ASSERT_EQ(count_addr_entries(), before, "and its entry");
}

/* lb_addr_sync() rebuilds entries that are missing, wrong or left over. */
static void case_addr_sync(void)
{
	struct xdplb_vip_key a = fx_vip_key("10.0.8.5", 100, IPPROTO_UDP);
	struct xdplb_vip_key b = fx_vip_key("10.0.8.6", 100, IPPROTO_UDP);
	struct xdplb_vip_key stale = akey_of(fx_vip_key("10.0.8.7", 0, IPPROTO_UDP));
	struct xdplb_vip_key ka = akey_of(a), kb = akey_of(b);
	struct xdplb_vip bogus = { .id = 77 }, e;
	int before = count_addr_entries();

	ASSERT_EQ(vip_add_k(a, XDPLB_MODE_TUN, L3), 0, "add a (l3hash)");
	ASSERT_EQ(vip_add_k(b, XDPLB_MODE_TUN, 0), 0, "add b");
	/* one missing, one wrong, one without VIPs */
	bpf_map_delete_elem(FX_FD(&fx, vips), &ka);
	bpf_map_update_elem(FX_FD(&fx, vips), &kb, &bogus, BPF_ANY);
	bpf_map_update_elem(FX_FD(&fx, vips), &stale, &bogus, BPF_ANY);
	ASSERT_EQ(lb_addr_sync(&fx.lb), 0, "sync");
	ASSERT_TRUE(entry_is_copy_of(a), "a's copy is back");
	ASSERT_TRUE(entry_is_none(b), "b's entry: id 0 again");
	ASSERT_TRUE(bpf_map_lookup_elem(FX_FD(&fx, vips), &stale, &e) && errno == ENOENT,
		    "an entry without VIPs is gone");
	ASSERT_EQ(lb_vip_del(&fx.lb, &a), 0, "remove a");
	ASSERT_EQ(lb_vip_del(&fx.lb, &b), 0, "remove b");
	ASSERT_EQ(count_addr_entries(), before, "entries as before");
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
	RUN_CASE("what the library remembers is checked against the maps",
		 case_index_checked_against_map);
	RUN_CASE("the index is forgotten with the lock", case_index_forgotten_with_lock);
	RUN_CASE("vip list: sorted by id, all counted, at most max filled", case_vip_list);
	RUN_CASE("address entries follow VIPs, listing skips them", case_addr_entries);
	RUN_CASE("address entries in bulk mode: never a wrong copy, right after the flush",
		 case_addr_entries_bulk);
	RUN_CASE("lb_addr_sync() repairs address entries", case_addr_sync);
	return TEST_MAIN_END();
}
