// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of NAT reply entries, which live in the flow tables (xdplb_flows,
 * xdplb_flows6) in the set of their forward flow: a new NAT flow's reply entry stays in its
 * set while other sets fill; a set full of NAT flows gives the slots used longest ago, the
 * oldest flow and its reply entry, to a new flow (that flow's replies are then no replies:
 * passed untouched; the flow is counted out as displaced, the entry counts for nothing); and
 * an entry whose backend id was freed and given to another backend translates nothing.
 * Tuples that share a set are found with the tables' own set functions
 * (include/xdplb_abi.h); frames are built independently (pkt.h). */
#include "fixture.h"

static struct fixture fx;

#define FLOWS	1024 /* the tables' size: few sets, so that ports sharing one are found fast */
#define CLIENT	"192.0.2.7"
#define CLIENT6 "2001:db8:c::7"
#define VIP	"10.0.0.80"	 /* tcp :80, nat, mh, one backend: BE :8080 */
#define VIP6	"2001:db8:f::80" /* tcp :80, nat, mh, one backend: BE6 :8080 */
#define VIP_B	"10.0.0.81"	 /* tcp :80, nat, BE :8080 too (keeps BE a NAT backend) */
#define BE	"10.0.1.11"
#define BE6	"fd00:1::13"
#define BE_NEW	"10.0.1.12"
#define RPORT	8080

/* A TCP ACK @src:@sport -> @dst:@dport, either family. */
static void frame(struct pkt_buf *b, const char *src, __u16 sport, const char *dst, __u16 dport)
{
	struct pkt_spec s = { .sport = sport,
			      .dport = dport,
			      .seq = 1000,
			      .ack = 2000,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = "data",
			      .payload_len = 4,
			      .ip = { .id = 7, .ttl = 64 } };

	pkt_build_addrs(b, &s, IPPROTO_TCP, src, dst);
}

/* The client's packet to @vip:80 from @cport must go to backend @be :RPORT, one hop less: the
 * flow (and its reply entry) is made. */
static bool forward(const char *client, __u16 cport, const char *vip, const char *be)
{
	struct pkt_buf in, exp;

	frame(&in, client, cport, vip, 80);
	frame(&exp, client, cport, be, RPORT);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, be);
	return fx_expect_frame(&fx, &in, XDP_TX, &exp, "forward: to the backend :8080");
}

/* The backend's reply to @client:@cport leaves from @vip:80, one hop less, towards the clients'
 * router. */
static bool translated(const char *be, const char *client, __u16 cport, const char *vip,
		       const char *what)
{
	struct pkt_buf in, exp;

	frame(&in, be, RPORT, client, cport);
	frame(&exp, vip, 80, client, cport);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	return fx_expect_frame(&fx, &in, XDP_REDIRECT, &exp, what);
}

/* ... or is no reply: passed untouched, counted as for no VIP. */
static void not_a_reply(const char *be, const char *client, __u16 cport, const char *what)
{
	struct pkt_buf in;

	frame(&in, be, RPORT, client, cport);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, what);
}

/* The reply tuple @be:RPORT -> @client:@cport (TCP). */
static struct xdplb_flow_key reply_key(const char *be, const char *client, __u16 cport)
{
	struct xdplb_flow_key k = { .sport = htons(RPORT),
				    .dport = htons(cport),
				    .proto = IPPROTO_TCP };

	k.family = fx_addr(be, k.src);
	fx_addr(client, k.dst);
	return k;
}

/* The set of that reply tuple's entry (XDPLB_KEY_REPLY) in its flow table, computed here as
 * the data plane does. */
static __u32 reply_set(const char *be, const char *client, __u16 cport)
{
	struct xdplb_flow_key k = reply_key(be, client, cport);
	bool v6 = k.family == XDPLB_AF_INET6;
	struct xdplb_flow_key4 k4 = { .src = k.src[0],
				      .dst = k.dst[0],
				      .sport = k.sport,
				      .dport = k.dport,
				      .proto = k.proto,
				      .pad = { XDPLB_KEY_REPLY } };

	k.pad[0] = XDPLB_KEY_REPLY;
	return v6 ? xdplb_key_set6(&k, true, bpf_map__max_entries(fx.skel->maps.xdplb_flows6))
		  : xdplb_key_set4(&k4, true, bpf_map__max_entries(fx.skel->maps.xdplb_flows));
}

/* The set of the forward flow @client:@cport -> @vip:80 (TCP), as the data plane does. */
static __u32 flow_set(const char *client, __u16 cport, const char *vip)
{
	struct xdplb_flow_key k = { .sport = htons(cport),
				    .dport = htons(80),
				    .proto = IPPROTO_TCP };
	bool v6 = fx_addr(client, k.src) == XDPLB_AF_INET6;
	struct xdplb_flow_key4 k4 = {
		.src = k.src[0], .sport = k.sport, .dport = k.dport, .proto = k.proto
	};

	fx_addr(vip, k.dst);
	k4.dst = k.dst[0];
	return v6 ? xdplb_key_set6(&k, false, bpf_map__max_entries(fx.skel->maps.xdplb_flows6))
		  : xdplb_key_set4(&k4, false, bpf_map__max_entries(fx.skel->maps.xdplb_flows));
}

/* @n client ports from @from on whose replies share one set: 0, or -1 if none were found. */
static int same_set_ports(const char *be, const char *client, __u16 from, __u16 *ports, int n)
{
	__u32 set = reply_set(be, client, from);
	int got = 0;

	for (__u32 p = from; p < 65536 && got < n; p++)
		if (reply_set(be, client, p) == set)
			ports[got++] = p;
	return got == n ? 0 : -1;
}

static __u64 displaced(void)
{
	__u64 n = 0;

	lb_read_flow_event(&fx.lb, XDPLB_FE_DISPLACED, &n);
	return n;
}

/* A set full of NAT flows (@ways / 2: each flow and its reply entry take a slot), a
 * coarse-clock tick or more apart (atimes are bpf_ktime_get_coarse_ns()), the first oldest.
 * One more NAT flow takes the two slots used longest ago: the first flow's and its reply
 * entry's.  That flow is counted out as displaced, once (the entry counts for nothing); its
 * replies are then no replies; the others' entries stay. */
static void full_set(const char *vip, const char *be, const char *client, int ways)
{
	__u16 ports[XDPLB_FLOW_WAYS4 / 2 + 1];
	int n = ways / 2, id;
	__u64 displaced0;
	struct xdplb_flow_key k;
	struct xdplb_conns c0, c1;
	struct xdplb_flow f;
	char what[96];

	if (!ASSERT_EQ(same_set_ports(be, client, 20000, ports, n + 1), 0,
		       "client ports whose replies share a set"))
		return;
	for (int i = 0; i <= n; i++) {
		snprintf(what, sizeof(what), "flow %d: its reply entry in its own set", i);
		ASSERT_EQ(flow_set(client, ports[i], vip), reply_set(be, client, ports[i]), what);
	}
	for (int i = 0; i < n; i++) {
		if (!forward(client, ports[i], vip, be))
			return;
		fx_sleep_coarse(20 * 1000 * 1000);
	}
	for (int i = 0; i < n; i++) {
		k = reply_key(be, client, ports[i]);
		snprintf(what, sizeof(what), "reply entry %d of a full set written", i);
		ASSERT_EQ(lb_nat_get(&fx.lb, &k, NULL, NULL), 0, what);
		snprintf(what, sizeof(what), "reply %d (set full): from the VIP", i);
		translated(be, client, ports[i], vip, what);
	}
	k = reply_key(be, client, ports[0]);
	if (!ASSERT_EQ(lb_nat_get(&fx.lb, &k, &f, NULL), 0, "the first entry") ||
	    !ASSERT_EQ(lb_read_conns(&fx.lb, f.real_id, &c0), 0, "the backend's connections"))
		return;
	id = f.real_id;
	displaced0 = displaced();

	/* one more flow into the full set: the first flow and its entry, the oldest, go */
	if (!forward(client, ports[n], vip, be))
		return;
	k = reply_key(be, client, ports[n]);
	if (ASSERT_EQ(lb_nat_get(&fx.lb, &k, &f, NULL), 0, "the new flow's reply entry")) {
		ASSERT_EQ(f.state, XDPLB_FLOW_ACTIVE, "new entry: state active");
		ASSERT_EQ(f.real_id,
			  (__u32)lb_real_find(&fx.lb, f.vip_id, k.src, k.family, htons(RPORT)),
			  "new entry: the backend's id");
	}
	translated(be, client, ports[n], vip, "the new flow's reply: from the VIP");
	k = reply_key(be, client, ports[0]);
	ASSERT_EQ(lb_nat_get(&fx.lb, &k, NULL, NULL), -ENOENT, "the oldest entry was displaced");
	ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, client, ports[0], vip, 80, &f), -ENOENT,
		  "... and the oldest flow");
	ASSERT_EQ(displaced() - displaced0, 1,
		  "one displaced flow counted (the entry counts for nothing)");
	if (ASSERT_EQ(lb_read_conns(&fx.lb, id, &c1), 0, "the backend's connections"))
		ASSERT_EQ(c1.active, c0.active, "active connections: one in, one out");
	not_a_reply(be, client, ports[0], "the displaced entry's reply: no reply, untouched");
	for (int i = 1; i <= n; i++) {
		snprintf(what, sizeof(what), "reply %d: its entry stayed, from the VIP", i);
		translated(be, client, ports[i], vip, what);
		snprintf(what, sizeof(what), "flow %d stayed", i);
		ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, client, ports[i], vip, 80, &f), 0, what);
	}
}

static void case_full_set4(void)
{
	full_set(VIP, BE, CLIENT, XDPLB_FLOW_WAYS4);
}

static void case_full_set6(void)
{
	full_set(VIP6, BE6, CLIENT6, XDPLB_FLOW_WAYS6);
}

/* An entry stays in its set while hundreds of new flows fill other sets (an LRU of that many
 * entries would have evicted it). */
static void case_survives(void)
{
	__u32 set = reply_set(BE, CLIENT, 30000);
	struct xdplb_flow_key k = reply_key(BE, CLIENT, 30000);
	int others = 0;

	if (!forward(CLIENT, 30000, VIP, BE))
		return;
	for (__u32 p = 30001; p < 40000 && others < 2 * FLOWS; p++) {
		struct pkt_buf in;
		struct fx_run r;

		if (reply_set(BE, CLIENT, p) == set)
			continue; /* other sets only */
		frame(&in, CLIENT, p, VIP, 80);
		if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "other flow"))
			return;
		others++;
	}
	ASSERT_EQ(others, 2 * FLOWS, "twice as many flows as the tables are sized for");
	ASSERT_EQ(lb_nat_get(&fx.lb, &k, NULL, NULL), 0, "the entry is still in its set");
	translated(BE, CLIENT, 30000, VIP, "its reply is still translated");
}

/* A backend id freed and given to another backend of the same VIP (its gen bumped): the old
 * entries of the id translate nothing, though their source is still a NAT backend's. */
static void case_id_reused(void)
{
	struct xdplb_vip_key vk = fx_key(VIP, 80, IPPROTO_TCP);
	struct xdplb_flow_key k = reply_key(BE, CLIENT, 50000);
	struct xdplb_flow f;
	__be32 a[4];
	int id;

	if (!forward(CLIENT, 50000, VIP, BE) ||
	    !translated(BE, CLIENT, 50000, VIP, "reply before: from the VIP") ||
	    !ASSERT_EQ(lb_nat_get(&fx.lb, &k, &f, NULL), 0, "the reply entry"))
		return;
	fx_addr(BE, a);
	if (!ASSERT_EQ(lb_real_del(&fx.lb, &vk, a, XDPLB_AF_INET, htons(RPORT)), 0,
		       "delete " BE " from the VIP"))
		return;
	id = fx_real_new(&fx, VIP, 80, IPPROTO_TCP, BE_NEW, RPORT);
	if (!ASSERT_EQ(id, (int)f.real_id, BE_NEW " gets the freed id"))
		return;
	ASSERT_EQ(lb_nat_get(&fx.lb, &k, NULL, NULL), 0, "the old entry is still in its set");
	not_a_reply(BE, CLIENT, 50000, "reply of the old entry: no reply, untouched");

	/* the new holder's own flows are translated */
	if (forward(CLIENT, 50001, VIP, BE_NEW))
		translated(BE_NEW, CLIENT, 50001, VIP, "the new backend's reply: from the VIP");
}

/* A TCP segment with @flags (no payload) from @client:@cport to @vip:80, forwarded: true. */
static bool seg(const char *client, __u16 cport, const char *vip, __u8 flags)
{
	struct pkt_spec s = { .sport = cport, .dport = 80, .seq = 1000, .tcp_flags = flags };
	struct pkt_buf in;
	struct fx_run r;

	pkt_build_addrs(&in, &s, IPPROTO_TCP, client, vip);
	return !fx_run(&fx, &in, fx.lb0, &r) && r.retval == XDP_TX;
}

static __u32 entry_state(const char *be, const char *client, __u16 cport)
{
	struct xdplb_flow_key k = reply_key(be, client, cport);
	struct xdplb_flow f = {};

	return lb_nat_get(&fx.lb, &k, &f, NULL) ? XDPLB_FLOW_FREE : f.state;
}

/*
 * A NAT flow's reply entry is in its flow's state: a SYN makes both half-open, the client's
 * ACK establishes both (the entry written again), a FIN closes both.  So in a set that a SYN flood
 * fills, the flood's flows and entries displace each other, never an established
 * connection's flow or reply entry, though that connection was quiet longest.
 */
static void case_halfopen_entry(const char *vip, const char *be, const char *client)
{
	int ways = strchr(client, ':') ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;
	__u16 ports[3 * XDPLB_FLOW_WAYS4];
	struct xdplb_flow f;

	/* the case before overfilled every set with established flows */
	if (!ASSERT_EQ(lb_flow_flush(&fx.lb, 0, NULL), 0, "flow flush") ||
	    !ASSERT_EQ(same_set_ports(be, client, 41000, ports, 3 * ways), 0,
		       "client ports whose flows and replies share a set"))
		return;
	if (!ASSERT_TRUE(seg(client, ports[0], vip, PKT_TCP_SYN), "SYN forwarded"))
		return;
	ASSERT_EQ(entry_state(be, client, ports[0]), XDPLB_FLOW_SYN, "the entry is half-open");
	translated(be, client, ports[0], vip, "the backend's answer (translated)");
	ASSERT_EQ(entry_state(be, client, ports[0]), XDPLB_FLOW_SYN,
		  "the backend's answer does not establish it");
	if (!ASSERT_TRUE(seg(client, ports[0], vip, PKT_TCP_ACK), "the client's ACK"))
		return;
	ASSERT_EQ(entry_state(be, client, ports[0]), XDPLB_FLOW_ACTIVE,
		  "the client's ACK establishes the entry");
	fx_sleep_coarse(20 * 1000 * 1000);
	/* a flood: three sets' worth of SYNs into this one */
	for (int i = 1; i < 3 * ways; i++) {
		if (!ASSERT_TRUE(seg(client, ports[i], vip, PKT_TCP_SYN), "flood SYN forwarded"))
			return;
		fx_sleep_coarse(10 * 1000 * 1000);
	}
	ASSERT_EQ(entry_state(be, client, ports[0]), XDPLB_FLOW_ACTIVE,
		  "the established connection's entry stayed");
	ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, client, ports[0], vip, 80, &f), 0,
		  "and its flow, established");
	ASSERT_EQ(f.state, XDPLB_FLOW_ACTIVE, "established");
	translated(be, client, ports[0], vip, "its replies are still translated");
	ASSERT_EQ(entry_state(be, client, ports[1]), XDPLB_FLOW_FREE,
		  "the flood's first entry was displaced");
	/* closed: the entry follows (the closed class, the flow's shorter timeout) */
	ASSERT_TRUE(seg(client, ports[0], vip, PKT_TCP_FIN | PKT_TCP_ACK), "the client's FIN");
	ASSERT_EQ(entry_state(be, client, ports[0]), XDPLB_FLOW_INACTIVE,
		  "the FIN closes the entry with its flow");
	translated(be, client, ports[0], vip, "the backend's last segments still translated");
}

static void case_halfopen_entry4(void)
{
	case_halfopen_entry(VIP, BE, CLIENT);
}

static void case_halfopen_entry6(void)
{
	case_halfopen_entry(VIP6, BE6, CLIENT6);
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup_sized(&fx, FLOWS, false)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (fx_vip_new(&fx, VIP, 80, IPPROTO_TCP, XDPLB_MODE_NAT, XDPLB_SCHED_MH, 0) < 0 ||
	    fx_real_new(&fx, VIP, 80, IPPROTO_TCP, BE, RPORT) < 0 ||
	    fx_vip_new(&fx, VIP_B, 80, IPPROTO_TCP, XDPLB_MODE_NAT, XDPLB_SCHED_MH, 0) < 0 ||
	    fx_real_new(&fx, VIP_B, 80, IPPROTO_TCP, BE, RPORT) < 0 ||
	    fx_vip_new(&fx, VIP6, 80, IPPROTO_TCP, XDPLB_MODE_NAT, XDPLB_SCHED_MH, 0) < 0 ||
	    fx_real_new(&fx, VIP6, 80, IPPROTO_TCP, BE6, RPORT) < 0) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	/* the full sets first, on empty tables */
	RUN_CASE("full ipv4 set: the oldest flow and its reply entry make room, its replies pass",
		 case_full_set4);
	RUN_CASE("full ipv6 set: the oldest flow and its reply entry make room, its replies pass",
		 case_full_set6);
	RUN_CASE("a reply entry stays in its set while other sets fill", case_survives);
	RUN_CASE("ipv4: entries half-open with their flows; a flood displaces its own",
		 case_halfopen_entry4);
	RUN_CASE("ipv6: entries half-open with their flows; a flood displaces its own",
		 case_halfopen_entry6);
	/* last: it gives the IPv4 VIP another backend */
	RUN_CASE("backend id freed and reused: its old reply entries translate nothing",
		 case_id_reused);
	return TEST_MAIN_END();
}
