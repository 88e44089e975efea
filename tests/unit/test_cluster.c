// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Tests of what several balancers must agree on and decide alike (loader/lib): the quorum
 * rule of route announcement and the plan from the maps, the VIP digest, and Maglev tables
 * that do not depend on the order of the commands that built them. */
#include "fixture.h"
#include "lib/conf.h"

static struct fixture fx;

/* lb_vip_quorum(): announced from quorum + hysteresis up, kept down to quorum - hysteresis,
 * never with none up; quorum 0 means 1. */
static void case_quorum_rule(void)
{
	static const struct {
		__u16 q, h;
		__u32 up;
		bool before, want;
	} t[] = {
		{ 0, 0, 0, false, false }, { 0, 0, 1, false, true },  { 0, 0, 0, true, false },
		{ 1, 0, 1, true, true },   { 3, 1, 3, false, false }, { 3, 1, 4, false, true },
		{ 3, 1, 2, true, true },   { 3, 1, 1, true, false },  { 1, 5, 5, false, false },
		{ 1, 5, 6, false, true },  { 1, 5, 1, true, true },   { 1, 5, 0, true, false },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct xdplb_vip v = { .quorum = t[i].q, .hysteresis = t[i].h };
		char what[96];

		snprintf(what, sizeof(what), "quorum %u hysteresis %u, %u up, %s before", t[i].q,
			 t[i].h, t[i].up, t[i].before ? "announced" : "not announced");
		ASSERT_EQ(lb_vip_quorum(&v, t[i].up, t[i].before), t[i].want, what);
	}
}

static const struct lb_announce *plan_of(const struct lb_announce *p, int n, __u32 vip_id)
{
	for (int i = 0; i < n; i++)
		if (p[i].vip_id == vip_id)
			return &p[i];
	return NULL;
}

/* The plan counts backends up with weight > 0, not sorry servers; a node that may not announce
 * wants nothing. */
static void case_plan(void)
{
	struct xdplb_vip_key k = fx_vip_key("10.0.5.1", 80, IPPROTO_TCP);
	struct xdplb_vip v = { .sched = XDPLB_SCHED_MH, .mode = XDPLB_MODE_TUN, .quorum = 2 };
	struct xdplb_real sorry = { .weight = 1,
				    .family = XDPLB_AF_INET,
				    .flags = XDPLB_REAL_F_SORRY };
	const struct lb_announce *a;
	struct lb_announce *p;
	__u8 was[8] = {};
	int n, id[3];

	if (!ASSERT_EQ(lb_vip_add(&fx.lb, &k, &v), 0, "VIP with quorum 2") ||
	    !ASSERT_EQ(lb_vip_get(&fx.lb, &k, &v), 0, "its id"))
		return;
	for (int i = 0; i < 3; i++) {
		char addr[16];

		snprintf(addr, sizeof(addr), "10.0.1.%d", 11 + i);
		ASSERT_EQ(fx_real_add(&fx, "10.0.5.1", 80, IPPROTO_TCP, addr, 1), 0, "backend");
		id[i] = fx_real_id(&fx, v.id, addr);
	}
	sorry.addr[0] = ipv4_addr("10.0.1.99");
	ASSERT_EQ(lb_real_add(&fx.lb, &k, &sorry), 0, "a sorry server");
	n = lb_announce_plan(&fx.lb, true, NULL, &p);
	a = plan_of(p, n, v.id);
	if (!ASSERT_TRUE(a, "the VIP is in the plan"))
		goto out;
	ASSERT_EQ(a->up, 3, "three up (the sorry server does not count)");
	ASSERT_TRUE(a->want, "announced");
	free(p);
	ASSERT_EQ(fx_real_weight(&fx, "10.0.5.1", 80, IPPROTO_TCP, "10.0.1.11", 0), 0, "drain one");
	ASSERT_EQ(lb_real_set_state(&fx.lb, id[1], 1, XDPLB_REAL_DOWN), 0, "one down");
	n = lb_announce_plan(&fx.lb, true, NULL, &p);
	a = plan_of(p, n, v.id);
	ASSERT_EQ(a ? a->up : 99, 1, "one left up (weight 0 and down do not count)");
	ASSERT_TRUE(a && !a->want && !a->quorum_ok, "below quorum 2: not announced");
	free(p);
	n = lb_announce_plan(&fx.lb, false, NULL, &p);
	ASSERT_EQ(lb_real_set_state(&fx.lb, id[1], 1, XDPLB_REAL_UP), 0, "back up");
	free(p);
	n = lb_announce_plan(&fx.lb, false, NULL, &p);
	a = plan_of(p, n, v.id);
	ASSERT_TRUE(a && a->quorum_ok && !a->want, "quorum, but the node may not announce");
	free(p);
	/* hysteresis 1: announced from 3 up, kept at 2 */
	v.hysteresis = 1;
	ASSERT_EQ(lb_vip_set(&fx.lb, &k, &v), 0, "hysteresis 1");
	if (v.id < sizeof(was))
		was[v.id] = 0;
	n = lb_announce_plan(&fx.lb, true, was, &p);
	a = plan_of(p, n, v.id);
	ASSERT_TRUE(a && a->up == 2 && !a->want, "2 up, not announced before: not yet");
	free(p);
	if (v.id < sizeof(was))
		was[v.id] = 1;
	n = lb_announce_plan(&fx.lb, true, was, &p);
	a = plan_of(p, n, v.id);
	ASSERT_TRUE(a && a->want, "2 up, announced before: stays");
out:
	free(p);
	lb_vip_del(&fx.lb, &k);
}

/* The digest depends on the configuration, not on the order that built it, nor on states. */
static void case_digest(void)
{
	struct xdplb_vip_key k = fx_vip_key("10.0.6.1", 80, IPPROTO_TCP);
	struct xdplb_vip v = { .sched = XDPLB_SCHED_MH, .mode = XDPLB_MODE_TUN };
	struct xdplb_real r = { .weight = 1, .family = XDPLB_AF_INET };
	struct conf a, b;
	struct conf_vip *va, *vb;
	const char *addrs[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };
	__u64 d;

	if (!ASSERT_EQ(conf_init(&a, &fx.lb), 0, "conf a") ||
	    !ASSERT_EQ(conf_init(&b, &fx.lb), 0, "conf b"))
		return;
	va = conf_vip_add(&a, &k, &v, 0);
	for (int i = 0; i < 3; i++) {
		r.addr[0] = ipv4_addr(addrs[i]);
		conf_real_add(&a, va, &r, 0);
	}
	v.id = 77; /* another node's id */
	vb = conf_vip_add(&b, &k, &v, 0);
	for (int i = 2; i >= 0; i--) {
		r.addr[0] = ipv4_addr(addrs[i]);
		r.state = i == 1 ? XDPLB_REAL_DOWN : XDPLB_REAL_UP;
		conf_real_add(&b, vb, &r, 0)->id = 40 + i;
	}
	d = conf_vip_digest(va, 4093);
	ASSERT_TRUE(d != 0, "a digest");
	ASSERT_EQ(conf_vip_digest(vb, 4093), d, "same backends in another order, ids, states");
	ASSERT_TRUE(conf_vip_digest(vb, 65537) != d, "another ring size: another digest");
	vb->reals[0].r.weight = 2;
	ASSERT_TRUE(conf_vip_digest(vb, 4093) != d, "another weight: another digest");
	vb->reals[0].r.weight = 1;
	vb->vip.quorum = 2;
	ASSERT_TRUE(conf_vip_digest(vb, 4093) != d, "another quorum: another digest");
	vb->vip.quorum = 0;
	conf_real_del(&b, vb, &vb->reals[1]);
	ASSERT_TRUE(conf_vip_digest(vb, 4093) != d, "a backend less: another digest");
	conf_free(&a);
	conf_free(&b);
}

/* Maglev: two VIPs with the same backends, added in opposite orders (so with other ids),
 * have tables that name the same backend in every slot. */
static void case_tables_agree(void)
{
	const char *addrs[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14" };
	static __u32 ta[XDPLB_DEF_RING_SIZE], tb[XDPLB_DEF_RING_SIZE];
	int ida, idb, la, lb_, same = 0;

	for (int s = 0; s < 2; s++) {
		__u8 sched = s ? XDPLB_SCHED_SH : XDPLB_SCHED_MH;
		struct xdplb_vip_key ka = fx_vip_key("10.0.7.1", 80, IPPROTO_TCP);
		struct xdplb_vip_key kb = fx_vip_key("10.0.7.2", 80, IPPROTO_TCP);

		ida = fx_vip_add_sched(&fx, "10.0.7.1", 80, IPPROTO_TCP, sched, XDPLB_MODE_TUN, 0);
		idb = fx_vip_add_sched(&fx, "10.0.7.2", 80, IPPROTO_TCP, sched, XDPLB_MODE_TUN, 0);
		if (!ASSERT_TRUE(ida > 0 && idb > 0, "two VIPs"))
			return;
		for (int i = 0; i < 4; i++) {
			ASSERT_EQ(fx_real_add(&fx, "10.0.7.1", 80, IPPROTO_TCP, addrs[i], i + 1), 0,
				  "a: forwards");
			ASSERT_EQ(
			    fx_real_add(&fx, "10.0.7.2", 80, IPPROTO_TCP, addrs[3 - i], 4 - i), 0,
			    "b: backwards");
		}
		la = lb_table_read(&fx.lb, ida, ta, XDPLB_DEF_RING_SIZE);
		lb_ = lb_table_read(&fx.lb, idb, tb, XDPLB_DEF_RING_SIZE);
		ASSERT_EQ(la, XDPLB_DEF_RING_SIZE, "a's table: the whole ring");
		ASSERT_EQ(lb_, la, "b's as long");
		same = 0;
		for (int j = 0; j < la && j < lb_; j++) {
			struct xdplb_real ra = {}, rb = {};

			lb_real_get(&fx.lb, ta[j], &ra);
			lb_real_get(&fx.lb, tb[j], &rb);
			same += ra.addr[0] == rb.addr[0] && ra.addr[0];
		}
		ASSERT_EQ(same, la,
			  s ? "sh: every slot the same backend"
			    : "mh: every slot the same backend");
		lb_vip_del(&fx.lb, &ka);
		lb_vip_del(&fx.lb, &kb);
	}
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("quorum: announced from q+h, kept down to q-h, never with none", case_quorum_rule);
	RUN_CASE("announce plan: up, weight > 0, no sorry server; node state", case_plan);
	RUN_CASE("digest: order, ids and states do not count; options do", case_digest);
	RUN_CASE("maglev: backends added in other orders, the same table", case_tables_agree);
	return TEST_MAIN_END();
}
