// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of NAT state around packets that do not reach their backend: a new
 * NAT flow whose first packet is answered with fragmentation needed / packet too big, or
 * dropped after its backend was chosen (too big with IPv4 options, no route), leaves neither
 * a flow nor a reply entry nor a connection count behind; its next packet is a new flow,
 * which writes the reply entry, so the backend's replies and ICMP errors are translated to
 * its VIP (not to the VIP of an l3hash entry of the same addresses).  Frames are built
 * independently (pkt.h): addresses, ports, TTL and every checksum are computed from scratch.
 */
#include "fixture.h"

static struct fixture fx;

/* UDP :80, nat, mh: BE (behind lb2, MTU 1300; port 0: the client's port kept) */
#define VIP4 "10.0.0.50"
#define VIP6 "2001:db8:f::50"
/* UDP :80, nat, mh, l3hash: the same backend BE; its reply entries have no ports */
#define L3VIP4 "10.0.0.51"
#define L3VIP6 "2001:db8:f::51"
/* TCP :80, nat, mh: BE :8080 */
#define TVIP4 "10.0.0.52"
#define TVIP6 "2001:db8:f::52"
/* UDP :80, nat, mh: a backend behind a blackhole route */
#define NRVIP4 "10.0.0.53"
#define NRVIP6 "2001:db8:f::53"
#define BE4    "10.0.2.11"
#define BE6    "fd00:2::11"
#define NRBE4  "10.9.9.1"
#define NRBE6  "fd00:9::1"
#define TPORT  8080

static bool is_v6(const char *a)
{
	return strchr(a, ':') != NULL;
}

static unsigned char payload[1500];

/* A UDP (or TCP, flags @tcp_flags) frame @src:@sport -> @dst:@dport with @plen payload bytes;
 * IPv4 with DF, and with four NOP options when @opts. */
static void frame(struct pkt_buf *b, __u8 proto, const char *src, __u16 sport, const char *dst,
		  __u16 dport, size_t plen, __u8 tcp_flags, bool opts)
{
	static const __u8 nops[4] = { 1, 1, 1, 1 };
	struct pkt_spec s = { .sport = sport,
			      .dport = dport,
			      .seq = 1000,
			      .ack = tcp_flags & PKT_TCP_ACK ? 2000 : 0,
			      .tcp_flags = tcp_flags,
			      .payload = payload,
			      .payload_len = plen,
			      .ip = { .id = 0x4242,
				      .ttl = 60,
				      .frag_off = PKT_IP_DF,
				      .opts = opts ? nops : NULL,
				      .opts_len = opts ? sizeof(nops) : 0 } };

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)(i * 7 + 3);
	pkt_build_addrs(b, &s, proto, src, dst);
}

/* The reply tuple @be:@bport -> @client:@cport as the data plane keys it (as parsed). */
static struct xdplb_flow_key reply_key(__u8 proto, const char *be, __u16 bport, const char *client,
				       __u16 cport)
{
	struct xdplb_flow_key k = { .sport = htons(bport), .dport = htons(cport), .proto = proto };

	k.family = fx_addr(be, k.src);
	fx_addr(client, k.dst);
	return k;
}

/* Nothing of the flow @client:@cport -> @vip:80 is left: no flow, no reply entry from @be:@bport,
 * backend @rid's connections as they were before (@c0). */
static void nothing_left(__u8 proto, const char *client, __u16 cport, const char *vip,
			 const char *be, __u16 bport, int rid, struct xdplb_conns c0,
			 const char *what)
{
	struct xdplb_flow_key rk = reply_key(proto, be, bport, client, cport);
	struct xdplb_conns c = fx_conns(&fx, rid);
	struct xdplb_flow f;
	char msg[160];

	snprintf(msg, sizeof(msg), "%s: no flow left", what);
	ASSERT_EQ(fx_flow(&fx, proto, client, cport, vip, 80, &f), -ENOENT, msg);
	snprintf(msg, sizeof(msg), "%s: no reply entry left", what);
	ASSERT_EQ(lb_nat_get(&fx.lb, &rk, NULL, NULL), -ENOENT, msg);
	snprintf(msg, sizeof(msg), "%s: no connection counted (active)", what);
	ASSERT_EQ(c.active, c0.active, msg);
	snprintf(msg, sizeof(msg), "%s: no connection counted (inactive)", what);
	ASSERT_EQ(c.inactive, c0.inactive, msg);
}

/* @in (arriving on lb0) goes to backend @be, destination port @bport, one hop less, through lb2. */
static bool to_backend(const struct pkt_buf *in, __u8 proto, const char *client, __u16 cport,
		       const char *be, __u16 bport, size_t plen, __u8 tcp_flags, const char *what)
{
	struct pkt_buf exp;

	frame(&exp, proto, client, cport, be, bport, plen, tcp_flags, false);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, be);
	return fx_expect_frame(&fx, in, XDP_REDIRECT, &exp, what);
}

/* The backend's reply @be:@bport -> @client:@cport leaves from @vip:80, one hop less, towards
 * the clients' router. */
static void reply_translated(__u8 proto, const char *be, __u16 bport, const char *client,
			     __u16 cport, const char *vip, __u8 tcp_flags, const char *what)
{
	struct pkt_buf in, exp;

	frame(&in, proto, be, bport, client, cport, 32, tcp_flags, false);
	frame(&exp, proto, vip, 80, client, cport, 32, tcp_flags, false);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &in, XDP_REDIRECT, &exp, what);
}

/* An ICMP or ICMPv6 error frame @from -> @to: @type/@code quoting the whole IP packet of @q. */
static void icmp_err(struct pkt_buf *b, const char *from, const char *to, __u8 type, __u8 code,
		     const struct pkt_buf *q)
{
	size_t l3 = pkt_l3_off(q);

	pkt_reset(b);
	if (is_v6(from)) {
		struct in6_addr f = ipv6_addr(from), t = ipv6_addr(to);

		pkt_eth(b, NULL, NULL, ETH_P_IPV6);
		pkt_ipv6(b, &f, &t, IPPROTO_ICMPV6, &(struct pkt_ip_opt){ .ttl = 64 });
	} else {
		pkt_eth(b, NULL, NULL, ETH_P_IP);
		pkt_ipv4(b, ipv4_addr(from), ipv4_addr(to), IPPROTO_ICMP,
			 &(struct pkt_ip_opt){ .ttl = 64, .id = 0x0bad });
	}
	pkt_icmp(b, type, code, 0, q->data + l3, q->len - l3);
	pkt_finish(b);
}

/* The backend's port unreachable about the client's datagram it got goes back to the client
 * from @vip, about client:cport -> @vip:80: outer source and quote translated. */
static void icmp_back_translated(const char *be, const char *client, __u16 cport, const char *vip,
				 const char *what)
{
	bool v6 = is_v6(be);
	struct pkt_buf got, orig, err, exp;

	frame(&got, IPPROTO_UDP, client, cport, be, 80, 16, 0, false);
	frame(&orig, IPPROTO_UDP, client, cport, vip, 80, 16, 0, false);
	icmp_err(&err, be, client, v6 ? 1 : 3, v6 ? 4 : 3, &got);
	icmp_err(&exp, vip, client, v6 ? 1 : 3, v6 ? 4 : 3, &orig);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &err, XDP_REDIRECT, &exp, what);
}

/*
 * A client of both UDP VIPs (@vip and the l3hash @l3vip, one backend @be): its flow to @l3vip
 * leaves an entry for the addresses alone.  Its first datagram to @vip does not fit lb2 (1400
 * bytes): answered (@verdict XDP_REDIRECT, reason TX_TOO_BIG) or, IPv4 with options, dropped
 * (XDP_DROP, DROP_TOO_BIG).  Nothing of that flow may stay; the next, smaller datagram is a new
 * flow to @be; the backend's reply and its port unreachable leave as @vip's, not @l3vip's.
 */
static void first_not_sent(const char *client, const char *vip, const char *l3vip, const char *be,
			   bool opts, int verdict, int reason)
{
	__u32 vid = fx_vip_id(&fx, vip, 80, IPPROTO_UDP);
	int rid = fx_backend_id(&fx, vip, 80, IPPROTO_UDP, be, 0);
	const __u16 cport = 41000;
	struct xdplb_traffic t0, t1;
	struct xdplb_conns conns;
	struct pkt_buf in;
	struct fx_run r;
	__u64 c0;

	if (!ASSERT_TRUE(vid && rid > 0, "the VIP and its backend"))
		return;
	frame(&in, IPPROTO_UDP, client, cport, l3vip, 80, 16, 0, false);
	if (!to_backend(&in, IPPROTO_UDP, client, cport, be, 80, 16, 0, "l3hash VIP: forwarded"))
		return;

	c0 = fx_reason(&fx, reason);
	conns = fx_conns(&fx, rid);
	frame(&in, IPPROTO_UDP, client, cport, vip, 80, 1400 - (is_v6(vip) ? 48 : 28) - 4 * opts, 0,
	      opts);
	if (fx_run(&fx, &in, fx.lb0, &r))
		return;
	ASSERT_EQ(r.retval, verdict, "first datagram: too big for lb2");
	ASSERT_EQ(fx_reason(&fx, reason) - c0, 1, "counted under its reason");
	nothing_left(IPPROTO_UDP, client, cport, vip, be, 80, rid, conns, "too big");

	lb_read_vip_traffic(&fx.lb, vid, &t0);
	frame(&in, IPPROTO_UDP, client, cport, vip, 80, 16, 0, false);
	if (!to_backend(&in, IPPROTO_UDP, client, cport, be, 80, 16, 0, "next datagram: forwarded"))
		return;
	lb_read_vip_traffic(&fx.lb, vid, &t1);
	ASSERT_EQ(t1.flows - t0.flows, 1, "next datagram: a new flow");
	ASSERT_EQ(fx_flow(&fx, IPPROTO_UDP, client, cport, vip, 80, &(struct xdplb_flow){ 0 }), 0,
		  "next datagram: its flow");
	{
		struct xdplb_flow_key rk = reply_key(IPPROTO_UDP, be, 80, client, cport);
		struct xdplb_flow f = {};

		ASSERT_EQ(lb_nat_get(&fx.lb, &rk, &f, NULL), 0, "next datagram: its reply entry");
		ASSERT_EQ(f.real_id, (__u32)rid, "the reply entry is the flow's backend's");
	}
	reply_translated(IPPROTO_UDP, be, 80, client, cport, vip, 0,
			 "the backend's reply: from the VIP it was sent to");
	icmp_back_translated(be, client, cport, vip,
			     "the backend's port unreachable: from the VIP it was sent to");
}

static void case_too_big_answered_v4(void)
{
	first_not_sent("192.0.2.31", VIP4, L3VIP4, BE4, false, XDP_REDIRECT, XDPLB_R_TX_TOO_BIG);
}

static void case_too_big_answered_v6(void)
{
	first_not_sent("2001:db8:c::31", VIP6, L3VIP6, BE6, false, XDP_REDIRECT,
		       XDPLB_R_TX_TOO_BIG);
}

static void case_too_big_dropped_v4(void)
{
	/* with options the packet is not quoted whole in 28 bytes: not answered, dropped */
	first_not_sent("192.0.2.32", VIP4, L3VIP4, BE4, true, XDP_DROP, XDPLB_R_DROP_TOO_BIG);
}

/* A TCP SYN with data too big for lb2: answered and forgotten; the smaller SYN that follows
 * writes the reply entry, and the backend's SYN-ACK leaves from the VIP. */
static void syn_too_big(const char *client, const char *vip, const char *be)
{
	int rid = fx_backend_id(&fx, vip, 80, IPPROTO_TCP, be, TPORT);
	const __u16 cport = 42000;
	struct pkt_buf in;
	__u64 c0 = fx_reason(&fx, XDPLB_R_TX_TOO_BIG);
	struct xdplb_conns conns = fx_conns(&fx, rid);
	struct fx_run r;

	if (!ASSERT_TRUE(rid > 0, "the backend"))
		return;
	frame(&in, IPPROTO_TCP, client, cport, vip, 80, 1400, PKT_TCP_SYN, false);
	if (fx_run(&fx, &in, fx.lb0, &r))
		return;
	ASSERT_EQ(r.retval, XDP_REDIRECT, "SYN too big: answered");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX_TOO_BIG) - c0, 1, "tx_too_big +1");
	nothing_left(IPPROTO_TCP, client, cport, vip, be, TPORT, rid, conns, "SYN too big");

	frame(&in, IPPROTO_TCP, client, cport, vip, 80, 0, PKT_TCP_SYN, false);
	if (!to_backend(&in, IPPROTO_TCP, client, cport, be, TPORT, 0, PKT_TCP_SYN,
			"smaller SYN: to the backend :8080"))
		return;
	reply_translated(IPPROTO_TCP, be, TPORT, client, cport, vip, PKT_TCP_SYN | PKT_TCP_ACK,
			 "the backend's SYN-ACK: from the VIP :80");
}

static void case_syn_too_big_v4(void)
{
	syn_too_big("192.0.2.33", TVIP4, BE4);
}

static void case_syn_too_big_v6(void)
{
	syn_too_big("2001:db8:c::33", TVIP6, BE6);
}

/* No route to the backend: dropped, and nothing of the flow stays. */
static void no_route(const char *client, const char *vip, const char *be)
{
	int rid = fx_backend_id(&fx, vip, 80, IPPROTO_UDP, be, 0);
	__u64 c0 = fx_reason(&fx, XDPLB_R_DROP_NO_ROUTE);
	struct xdplb_conns conns = fx_conns(&fx, rid);
	struct pkt_buf in;

	if (!ASSERT_TRUE(rid > 0, "the backend"))
		return;
	for (int i = 0; i < 2; i++) {
		frame(&in, IPPROTO_UDP, client, 43000, vip, 80, 16, 0, false);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_ROUTE,
				    "blackhole route to the backend: drop_no_route");
		nothing_left(IPPROTO_UDP, client, 43000, vip, be, 80, rid, conns, "no route");
	}
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_ROUTE) - c0, 2, "drop_no_route +2");
}

static void case_no_route_v4(void)
{
	no_route("192.0.2.34", NRVIP4, NRBE4);
}

static void case_no_route_v6(void)
{
	no_route("2001:db8:c::34", NRVIP6, NRBE6);
}

int main(void)
{
	const __u8 N = XDPLB_MODE_NAT, UDP = IPPROTO_UDP, TCP = IPPROTO_TCP;
	const __u16 L3 = XDPLB_VIP_F_L3HASH;
	int err = 0;

	REQUIRE_ROOT();
	if (fx_setup(&fx) || fx_pin_cpu(0)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	err |= fx_vip_be(&fx, VIP4, UDP, N, BE4, 0, 0);
	err |= fx_vip_be(&fx, VIP6, UDP, N, BE6, 0, 0);
	err |= fx_vip_be(&fx, L3VIP4, UDP, N, BE4, 0, L3);
	err |= fx_vip_be(&fx, L3VIP6, UDP, N, BE6, 0, L3);
	err |= fx_vip_be(&fx, TVIP4, TCP, N, BE4, TPORT, 0);
	err |= fx_vip_be(&fx, TVIP6, TCP, N, BE6, TPORT, 0);
	err |= fx_vip_be(&fx, NRVIP4, UDP, N, NRBE4, 0, 0);
	err |= fx_vip_be(&fx, NRVIP6, UDP, N, NRBE6, 0, 0);
	if (err) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("ipv4 first datagram too big: answered, forgotten; replies from its VIP",
		 case_too_big_answered_v4);
	RUN_CASE("ipv6 first datagram too big: answered, forgotten; replies from its VIP",
		 case_too_big_answered_v6);
	RUN_CASE("ipv4 first datagram too big, options: dropped, forgotten; replies from its VIP",
		 case_too_big_dropped_v4);
	RUN_CASE("ipv4 SYN too big: forgotten; the SYN-ACK from the VIP", case_syn_too_big_v4);
	RUN_CASE("ipv6 SYN too big: forgotten; the SYN-ACK from the VIP", case_syn_too_big_v6);
	RUN_CASE("ipv4 no route to the backend: dropped, nothing left", case_no_route_v4);
	RUN_CASE("ipv6 no route to the backend: dropped, nothing left", case_no_route_v6);
	return TEST_MAIN_END();
}
