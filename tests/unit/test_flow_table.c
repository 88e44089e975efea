// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the set-associative flow tables (bpf/flow_table.h) where they
 * differ from a hash table: a set holds XDPLB_FLOW_WAYS4 IPv4 (XDPLB_FLOW_WAYS6 IPv6) flows,
 * and one more new flow of that set displaces the least recently used one.  The tests pick
 * client ports whose flows share one set (xdplb_key_set4/6(), the functions the data path
 * uses), and check what the data path did: which flow went, that it was counted out of its
 * backend's connections and counted as displaced, and that its next packet is a new flow.
 * SYNs only: they neither read nor fill the per-CPU flow cache, so every packet asks the
 * table.
 */
#include <time.h>
#include "fixture.h"

static struct fixture fx;

#define CLIENT	"192.0.2.9"
#define VIP	"10.0.0.50" /* tcp :80, mh, tun, bes */
#define CLIENT6 "2001:db8:c::9"
#define VIP6	"2001:db8:f::50" /* tcp :80, mh, tun, bes6 */
#define NPORTS	(XDPLB_FLOW_WAYS4 + 2)

static const char *const bes[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };
static const char *const bes6[] = { "fd00:1::11", "fd00:1::12", "fd00:1::13" };
static __u32 vip4, vip6, ids4[3], ids6[3];

/* The flow-table key of the TCP flow CLIENT(6):@sport -> VIP(6):80: *@k6 or *@k4. */
static void key_of(bool v6, __u16 sport, struct xdplb_flow_key *k6, struct xdplb_flow_key4 *k4)
{
	memset(k6, 0, sizeof(*k6));
	memset(k4, 0, sizeof(*k4));
	if (v6) {
		k6->family = fx_addr(CLIENT6, k6->src);
		fx_addr(VIP6, k6->dst);
		k6->sport = htons(sport);
		k6->dport = htons(80);
		k6->proto = IPPROTO_TCP;
		return;
	}
	k4->src = ipv4_addr(CLIENT);
	k4->dst = ipv4_addr(VIP);
	k4->sport = htons(sport);
	k4->dport = htons(80);
	k4->proto = IPPROTO_TCP;
}

/* The set of the TCP flow CLIENT(6):@sport -> VIP(6):80 in its family's table. */
static __u32 set_of(bool v6, __u16 sport)
{
	struct xdplb_flow_key k;
	struct xdplb_flow_key4 k4;

	key_of(v6, sport, &k, &k4);
	if (v6)
		return xdplb_key_set6(&k, false, bpf_map__max_entries(fx.skel->maps.xdplb_flows6));
	return xdplb_key_set4(&k4, false, bpf_map__max_entries(fx.skel->maps.xdplb_flows));
}

/* @n client ports from @first on whose flows all fall into one set: 0, or -1 if none found. */
static int same_set_ports(bool v6, __u16 first, __u16 *ports, int n)
{
	__u32 set = set_of(v6, first);
	int got = 0;

	for (__u32 p = first; p < 65536 && got < n; p++)
		if (set_of(v6, p) == set)
			ports[got++] = p;
	return got == n ? 0 : -1;
}

/* A SYN from the client's @sport: the index in bes(6) of the backend it went to, or -1. */
static int syn(bool v6, __u16 sport)
{
	struct pkt_spec s = { .sport = sport, .dport = 80, .seq = 1, .tcp_flags = PKT_TCP_SYN };
	struct pkt_buf in;

	pkt_build_addrs(&in, &s, IPPROTO_TCP, v6 ? CLIENT6 : CLIENT, v6 ? VIP6 : VIP);
	return fx_tun_index(&fx, &in, v6 ? bes6 : bes, 3);
}

static bool in_table(bool v6, __u16 sport)
{
	struct xdplb_flow f;

	return !fx_flow(&fx, IPPROTO_TCP, v6 ? CLIENT6 : CLIENT, sport, v6 ? VIP6 : VIP, 80, &f);
}

static __u64 displaced(void)
{
	__u64 n = 0;

	lb_read_flow_event(&fx.lb, XDPLB_FE_DISPLACED, &n);
	return n;
}

/* Connections counted on the VIP's backends (SYNs only here: half-open, in .inactive). */
static long counted(bool v6)
{
	long n = 0;

	for (int i = 0; i < 3; i++)
		n += fx_conns(&fx, v6 ? ids6[i] : ids4[i]).inactive;
	return n;
}

static __u64 vip_flows(__u32 vip_id)
{
	return fx_vip_traffic(&fx, vip_id).flows;
}

/* The coarse clock the data path stamps flows with moves at least every 10 ms: flows sent
 * this far apart have distinct ages. */
static void next_tick(void)
{
	fx_sleep_coarse(20 * 1000 * 1000);
}

static void case_displace(bool v6, __u16 first)
{
	int ways = v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;
	__u32 vip = v6 ? vip6 : vip4;
	__u16 ports[NPORTS];
	__u64 d0 = displaced(), f0 = vip_flows(vip);
	long a0 = counted(v6);
	int i;

	if (!ASSERT_EQ(same_set_ports(v6, first, ports, ways + 2), 0, "ports sharing one set"))
		return;
	/* fill the set: nothing displaced */
	for (i = 0; i < ways; i++) {
		if (!ASSERT_TRUE(syn(v6, ports[i]) >= 0, "SYN forwarded"))
			return;
		next_tick();
	}
	ASSERT_EQ(displaced() - d0, 0, "a full set: nothing displaced");
	ASSERT_EQ(vip_flows(vip) - f0, ways, "one new flow per port");
	ASSERT_EQ(counted(v6) - a0, ways, "... each counted on its backend");
	for (i = 0; i < ways; i++)
		ASSERT_TRUE(in_table(v6, ports[i]), "each flow in the table");

	/* one more: the least recently used (the first) goes */
	ASSERT_TRUE(syn(v6, ports[ways]) >= 0, "one more SYN forwarded");
	next_tick();
	ASSERT_EQ(displaced() - d0, 1, "one flow displaced");
	ASSERT_TRUE(!in_table(v6, ports[0]), "the least recently used flow is gone");
	for (i = 1; i <= ways; i++)
		ASSERT_TRUE(in_table(v6, ports[i]), "the others and the new one are there");
	ASSERT_EQ(counted(v6) - a0, ways, "the displaced flow counted out, the new one in");

	/* a packet of a remaining flow refreshes it (atime is written at most once a second):
	 * the next victim is the oldest of the others */
	fx_sleep_coarse(1100 * 1000 * 1000ull);
	ASSERT_TRUE(syn(v6, ports[1]) >= 0, "SYN of the oldest remaining flow");
	ASSERT_EQ(vip_flows(vip) - f0, ways + 1, "... is no new flow");
	next_tick();
	/* the displaced flow's next packet is a new flow, displacing the least recently used */
	ASSERT_TRUE(syn(v6, ports[0]) >= 0, "the displaced flow's next SYN forwarded");
	ASSERT_EQ(vip_flows(vip) - f0, ways + 2, "... as a new flow");
	ASSERT_EQ(displaced() - d0, 2, "displacing another one");
	ASSERT_TRUE(in_table(v6, ports[1]), "not the refreshed flow");
	ASSERT_TRUE(!in_table(v6, ports[2]), "but the least recently used one");
	ASSERT_TRUE(in_table(v6, ports[0]), "the returning flow is in the table again");
	ASSERT_EQ(counted(v6) - a0, ways, "connections: still one per flow in the table");
	ASSERT_EQ(lb_flow_flush(&fx.lb, vip, NULL), 0, "flow flush");
}

/* A packet from the client's @sport with TCP @flags: the backend index, or -1. */
static int seg(bool v6, __u16 sport, __u8 flags)
{
	struct pkt_spec s = { .sport = sport, .dport = 80, .seq = 1, .tcp_flags = flags };
	struct pkt_buf in;

	pkt_build_addrs(&in, &s, IPPROTO_TCP, v6 ? CLIENT6 : CLIENT, v6 ? VIP6 : VIP);
	return fx_tun_index(&fx, &in, v6 ? bes6 : bes, 3);
}

static __u32 state_of(bool v6, __u16 sport)
{
	struct xdplb_flow f = {};

	if (fx_flow(&fx, IPPROTO_TCP, v6 ? CLIENT6 : CLIENT, sport, v6 ? VIP6 : VIP, 80, &f))
		return XDPLB_FLOW_FREE;
	return f.state;
}

static __u64 unrecorded(void)
{
	__u64 n = 0;

	lb_read_flow_event(&fx.lb, XDPLB_FE_UNRECORDED, &n);
	return n;
}

/*
 * The eviction order of a full set: half-open flows first, then closed ones, then
 * established ones, each the least recently used first.  The set: the oldest flow
 * established, a closed one, the rest established.  New SYNs then displace the closed flow
 * (not the older established one), then each other, never an established flow.  Once the
 * set holds nothing but established flows, a SYN is forwarded unrecorded and displaces
 * nothing; its ACK (a flow that completed its handshake) displaces the least recently used
 * established flow (a table that full of live connections has no better choice).
 */
static void case_order(bool v6, __u16 first)
{
	int ways = v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;
	__u16 ports[NPORTS + 4];
	__u64 d0 = displaced();
	int i;

	if (!ASSERT_EQ(same_set_ports(v6, first, ports, ways + 4), 0, "ports sharing one set"))
		return;
	for (i = 0; i < ways; i++) {
		int b = seg(v6, ports[i], PKT_TCP_SYN);

		if (!ASSERT_TRUE(b >= 0, "SYN forwarded") ||
		    !ASSERT_EQ(state_of(v6, ports[i]), XDPLB_FLOW_SYN, "half-open after its SYN") ||
		    !ASSERT_EQ(seg(v6, ports[i], PKT_TCP_ACK), b, "its ACK, same backend") ||
		    !ASSERT_EQ(state_of(v6, ports[i]), XDPLB_FLOW_ACTIVE, "established by the ACK"))
			return;
		if (i == 1 && (!ASSERT_EQ(seg(v6, ports[i], PKT_TCP_FIN | PKT_TCP_ACK), b, "FIN") ||
			       !ASSERT_EQ(state_of(v6, ports[i]), XDPLB_FLOW_INACTIVE, "closed")))
			return;
		next_tick();
	}
	ASSERT_TRUE(seg(v6, ports[ways], PKT_TCP_SYN) >= 0, "a new SYN in the full set");
	ASSERT_EQ(displaced() - d0, 1, "one flow displaced");
	ASSERT_EQ(state_of(v6, ports[1]), XDPLB_FLOW_FREE, "the closed one");
	ASSERT_EQ(state_of(v6, ports[0]), XDPLB_FLOW_ACTIVE, "not the older established one");
	next_tick();
	for (i = ways + 1; i < ways + 3; i++) {
		ASSERT_TRUE(seg(v6, ports[i], PKT_TCP_SYN) >= 0, "another SYN");
		ASSERT_EQ(state_of(v6, ports[i - 1]), XDPLB_FLOW_FREE,
			  "displaces the half-open one before it");
		next_tick();
	}
	for (i = 0; i < ways; i++)
		if (i != 1)
			ASSERT_EQ(state_of(v6, ports[i]), XDPLB_FLOW_ACTIVE,
				  "every established flow is still there");
	/* the half-open one establishes: a set of established flows only.  The next SYN takes
	 * no slot; its ACK takes the least recently used one (the first) */
	ASSERT_TRUE(seg(v6, ports[ways + 2], PKT_TCP_ACK) >= 0, "the last SYN's ACK");
	next_tick();
	{
		__u64 u0 = unrecorded();
		int b = seg(v6, ports[ways + 3], PKT_TCP_SYN);

		ASSERT_TRUE(b >= 0, "a SYN into a set of established flows: forwarded");
		ASSERT_EQ(unrecorded() - u0, 1, "... unrecorded");
		ASSERT_EQ(state_of(v6, ports[ways + 3]), XDPLB_FLOW_FREE, "... not in the table");
		ASSERT_EQ(displaced() - d0, 3, "... displacing nothing");
		for (i = 0; i < ways; i++)
			if (i != 1)
				ASSERT_EQ(state_of(v6, ports[i]), XDPLB_FLOW_ACTIVE,
					  "every established flow is still there");
		ASSERT_EQ(seg(v6, ports[ways + 3], PKT_TCP_ACK), b, "its ACK: the same backend");
	}
	ASSERT_EQ(state_of(v6, ports[ways + 3]), XDPLB_FLOW_ACTIVE, "recorded, established");
	ASSERT_EQ(state_of(v6, ports[0]), XDPLB_FLOW_FREE,
		  "all established: the least recently used goes");
	ASSERT_EQ(displaced() - d0, 4, "four displaced in all");
	ASSERT_EQ(lb_flow_flush(&fx.lb, v6 ? vip6 : vip4, NULL), 0, "flow flush");
}

static void case_order4(void)
{
	case_order(false, 23000);
}

static void case_order6(void)
{
	case_order(true, 33000);
}

union flow_set {
	struct xdplb_flow_set4 s4;
	struct xdplb_flow_set6 s6;
};

/* Read @sport's set (its index in *@idx) and that flow's key: the table's fd, or -1. */
static int set_read(bool v6, __u16 sport, __u32 *idx, union flow_set *set, struct xdplb_flow_key *k,
		    struct xdplb_flow_key4 *k4)
{
	int fd = bpf_map__fd(v6 ? fx.skel->maps.xdplb_flows6 : fx.skel->maps.xdplb_flows);

	*idx = set_of(v6, sport);
	key_of(v6, sport, k, k4);
	return bpf_map_lookup_elem(fd, idx, set) ? -1 : fd;
}

/* Slot 0 of @sport's set: made BUSY with that flow's key (as a CPU that claimed it and stopped
 * in the middle of filling it leaves it), or FREE again.  Returns 0 or -1. */
static int slot0_set(bool v6, __u16 sport, bool busy)
{
	union flow_set set;
	struct xdplb_flow_key k;
	struct xdplb_flow_key4 k4;
	struct xdplb_flow *f = v6 ? &set.s6.s[0].f : &set.s4.s[0].f;
	__u32 idx;
	int fd = set_read(v6, sport, &idx, &set, &k, &k4);

	if (fd < 0)
		return -1;
	if (v6)
		set.s6.s[0].key = busy ? k : (struct xdplb_flow_key){};
	else
		set.s4.s[0].key = busy ? k4 : (struct xdplb_flow_key4){};
	memset(f, 0, sizeof(*f));
	f->state = busy ? XDPLB_FLOW_BUSY : XDPLB_FLOW_FREE;
	return bpf_map_update_elem(fd, &idx, &set, 0) ? -1 : 0;
}

/* How many slots of @sport's set hold that flow's key, whatever their state (-1: no set). */
static int slots_with_key(bool v6, __u16 sport)
{
	union flow_set set;
	struct xdplb_flow_key k;
	struct xdplb_flow_key4 k4;
	__u32 idx;
	int n = 0;

	if (set_read(v6, sport, &idx, &set, &k, &k4) < 0)
		return -1;
	for (int i = 0; i < (v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4); i++)
		n += v6 ? !memcmp(&set.s6.s[i].key, &k, sizeof(k))
			: !memcmp(&set.s4.s[i].key, &k4, sizeof(k4));
	return n;
}

/*
 * A slot that another CPU claimed (BUSY) and never finishes filling, with this very flow's
 * key in it: the new flow's scan waits for it, scans again, and in the end forwards the
 * packet without remembering it (counted unrecorded); it must not put the flow into a
 * second slot, where it would be counted twice once the other CPU finishes.  Once the slot
 * is free the flow is remembered as usual.
 */
static void case_busy(bool v6, __u16 sport)
{
	__u32 vip = v6 ? vip6 : vip4;
	__u64 u0 = unrecorded(), f0 = vip_flows(vip);
	long a0 = counted(v6);

	if (!ASSERT_EQ(slot0_set(v6, sport, true), 0, "slot 0 made busy with the flow's key"))
		return;
	ASSERT_TRUE(syn(v6, sport) >= 0, "SYN forwarded");
	ASSERT_EQ(unrecorded() - u0, 1, "counted unrecorded");
	ASSERT_EQ(vip_flows(vip) - f0, 1, "as a new flow");
	ASSERT_EQ(slots_with_key(v6, sport), 1, "no second slot for the flow");
	ASSERT_EQ(counted(v6) - a0, 0, "nothing counted on a backend");
	ASSERT_TRUE(!in_table(v6, sport), "no live flow in the table");

	ASSERT_EQ(slot0_set(v6, sport, false), 0, "slot 0 free again");
	ASSERT_TRUE(syn(v6, sport) >= 0, "the next SYN forwarded");
	ASSERT_TRUE(in_table(v6, sport), "and remembered");
	ASSERT_EQ(unrecorded() - u0, 1, "no more unrecorded");
	ASSERT_EQ(counted(v6) - a0, 1, "counted on its backend");
	ASSERT_EQ(lb_flow_flush(&fx.lb, vip, NULL), 0, "flow flush");
}

static void case_busy4(void)
{
	case_busy(false, 21000);
}

static void case_busy6(void)
{
	case_busy(true, 31000);
}

/* A new flow's atime from the data path's clock (bpf/clock.h, read once per tick per CPU). */
static __u64 atime_of(bool v6, __u16 sport)
{
	struct xdplb_flow f = {};

	fx_flow(&fx, IPPROTO_TCP, v6 ? CLIENT6 : CLIENT, sport, v6 ? VIP6 : VIP, 80, &f);
	return (__u64)f.atime << XDPLB_TICK_SHIFT; /* the start of its tick */
}

/*
 * The data path stamps flows with CLOCK_MONOTONIC_COARSE's time (what the control plane's
 * GC and `flow show` compare with), at most one tick (10 ms here: HZ >= 100) behind it, and
 * its per-CPU copy of that clock moves on: flows 100 ms apart get stamps 100 ms apart, give or
 * take a clock tick and a stamp's tick (2^XDPLB_TICK_SHIFT ns).
 */
static void case_clock(void)
{
	const __u64 tick = 10 * 1000 * 1000;
	__u64 t0 = fx_coarse_now(), a1, a2, t1;

	fx_pin_cpu(0);
	ASSERT_TRUE(syn(false, 22001) >= 0, "first SYN forwarded");
	a1 = atime_of(false, 22001);
	fx_sleep_coarse(100 * 1000 * 1000);
	ASSERT_TRUE(syn(false, 22002) >= 0, "second SYN forwarded");
	a2 = atime_of(false, 22002);
	t1 = fx_coarse_now();
	/* stamps are ticks of 2^XDPLB_TICK_SHIFT ns: the start of the stamp's tick is up to one
	 * tick of those before the time */
	ASSERT_TRUE(a1 + tick + (1ull << XDPLB_TICK_SHIFT) >= t0 && a1 <= t1,
		    "first stamp: the coarse clock's time");
	ASSERT_TRUE(a2 + tick + (1ull << XDPLB_TICK_SHIFT) >= t0 && a2 <= t1,
		    "second stamp: the coarse clock's time");
	ASSERT_TRUE(a2 >= a1 + 70 * 1000 * 1000, "the data path's clock moved on with it");
	ASSERT_EQ(lb_flow_flush(&fx.lb, vip4, NULL), 0, "flow flush");
}

static void case_displace4(void)
{
	case_displace(false, 20000);
}

static void case_displace6(void)
{
	case_displace(true, 30000);
}

static int setup_vips(void)
{
	int id;

	id = fx_vip_new(&fx, VIP, 80, IPPROTO_TCP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0);
	if (id < 0)
		return id;
	vip4 = id;
	id = fx_vip_new(&fx, VIP6, 80, IPPROTO_TCP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0);
	if (id < 0)
		return id;
	vip6 = id;
	for (int i = 0; i < 3; i++) {
		id = fx_real_new(&fx, VIP, 80, IPPROTO_TCP, bes[i], 0);
		if (id < 0)
			return id;
		ids4[i] = id;
		id = fx_real_new(&fx, VIP6, 80, IPPROTO_TCP, bes6[i], 0);
		if (id < 0)
			return id;
		ids6[i] = id;
	}
	return 0;
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup_sized(&fx, 4096, false) || !ASSERT_EQ(setup_vips(), 0, "VIPs and backends")) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("IPv4: a full set's least recently used flow makes room, counted", case_displace4);
	RUN_CASE("IPv6: a full set's least recently used flow makes room, counted", case_displace6);
	RUN_CASE("IPv4: a slot left busy with the flow: no second slot, unrecorded", case_busy4);
	RUN_CASE("IPv6: a slot left busy with the flow: no second slot, unrecorded", case_busy6);
	RUN_CASE("flows stamped with the coarse clock's time, which moves on", case_clock);
	RUN_CASE("IPv4: half-open flows go first, then closed, then established", case_order4);
	RUN_CASE("IPv6: half-open flows go first, then closed, then established", case_order6);
	return TEST_MAIN_END();
}
