// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of ICMP (issue #7): errors about a VIP's flow routed to the backend
 * that owns it in every mode (NAT translating outer and quoted headers), NAT errors from a
 * backend translated back, echo replies, and generated "fragmentation needed" / "packet too
 * big" answers with the MTU that fits.  Expected frames are built independently (pkt.h). */
#include "fixture.h"

static struct fixture fx;

#define VIP_T4	  "10.0.0.10" /* tcp :80, tun, mh, 10.0.1.11..13 */
#define VIP_U4	  "10.0.0.20" /* udp :53, tun, mh, 10.0.1.11..13 */
#define VIP_RR4	  "10.0.0.30" /* tcp :80, tun, rr, 10.0.1.11..12 */
#define VIP_BIG4  "10.0.0.40" /* tcp :80, tun, 10.0.2.11 (lb2, MTU 1300) */
#define VIP_BIG46 "10.0.0.41" /* tcp :80, tun, fd00:1::11 (ipv4-in-ipv6) */
#define VIP_DR4	  "10.0.0.60" /* tcp :80, dr, 10.0.1.12 */
#define VIP_DRB4  "10.0.0.61" /* tcp :80, dr, 10.0.2.11 (lb2) */
#define VIP_NAT4  "10.0.0.80" /* tcp :80, nat, 10.0.1.13 :8080 */
#define VIP_NATU4 "10.0.0.81" /* udp :53, nat, 10.0.1.13 :5353 */
#define VIP_NATB4 "10.0.0.82" /* tcp :80, nat, 10.0.2.11 :8080 (lb2) */
#define VIP_T6	  "2001:db8:f::10"
#define VIP_U6	  "2001:db8:f::20"
#define VIP_RR6	  "2001:db8:f::30"
#define VIP_BIG6  "2001:db8:f::40" /* tun, fd00:2::11 (lb2, MTU 1300) */
#define VIP_DR6	  "2001:db8:f::60"
#define VIP_DRB6  "2001:db8:f::61" /* dr, fd00:2::11 (lb2) */
#define VIP_NAT6  "2001:db8:f::80"
#define VIP_NATU6 "2001:db8:f::81"
#define VIP_L34	  "10.0.0.70" /* udp :4789, tun, mh, l3hash, 10.0.1.11..13 */
#define VIP_DN4	  "10.0.0.71" /* tcp :80, tun, mh, 10.0.1.11..13 (ondown drop) */
#define VIP_DNK4  "10.0.0.72" /* tcp :80, tun, mh, 10.0.1.11..13, ondown keep */
#define VIP_DN6	  "2001:db8:f::71"
#define VIP_DNK6  "2001:db8:f::72"
#define ROUTER4	  "192.0.2.254" /* a router on the way to the clients, sending errors */
#define ROUTER6	  "2001:db8:c::fe"

static const char *const bes4[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };
static const char *const bes6[] = { "fd00:1::11", "fd00:1::12", "fd00:1::13" };
static const char reply_data[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

static bool is_v6(const char *a)
{
	return strchr(a, ':') != NULL;
}

/* A TCP or UDP frame @src:@sport -> @dst:@dport (either family) with @plen payload bytes. */
static void l4_frame(struct pkt_buf *b, __u8 proto, const char *src, __u16 sport, const char *dst,
		     __u16 dport, const void *payload, size_t plen, __u16 frag_off)
{
	struct pkt_spec s = { .sport = sport,
			      .dport = dport,
			      .seq = 1000,
			      .ack = 2000,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = payload,
			      .payload_len = plen,
			      .ip = { .id = 0x2222, .frag_off = frag_off, .ttl = 57 } };

	pkt_build_addrs(b, &s, proto, src, dst);
}

/* An ICMP or ICMPv6 error frame @from -> @to: @type/@code/@rest quoting the first @qlen bytes
 * of the IP packet in the frame @q. */
static void icmp_err(struct pkt_buf *b, const char *from, const char *to, __u8 type, __u8 code,
		     __u32 rest, const struct pkt_buf *q, size_t qlen)
{
	size_t l3 = pkt_l3_off(q);

	if (qlen > q->len - l3)
		pkt_die("quote of %zu bytes from a %zu-byte packet", qlen, q->len - l3);
	pkt_reset(b);
	if (is_v6(from)) {
		struct in6_addr f = ipv6_addr(from), t = ipv6_addr(to);

		pkt_eth(b, NULL, NULL, ETH_P_IPV6);
		pkt_ipv6(b, &f, &t, IPPROTO_ICMPV6, &(struct pkt_ip_opt){ .ttl = 250 });
	} else {
		pkt_eth(b, NULL, NULL, ETH_P_IP);
		pkt_ipv4(b, ipv4_addr(from), ipv4_addr(to), IPPROTO_ICMP,
			 &(struct pkt_ip_opt){ .ttl = 250, .id = 0x0bad, .tos = 0xc0 });
	}
	pkt_icmp(b, type, code, rest, q->data + l3, qlen);
	pkt_finish(b);
}

/*
 * TUN: a client's flow goes to backend B; errors about it (types @types, quoting the packet
 * the VIP sent the client, @qlen bytes) go to B encapsulated byte for byte, counted as
 * forwarded, and change nothing about the flow.
 */
static void tun_owner(__u8 proto, const char *vip, __u16 vport, const char *client,
		      const char *const *bes, const __u8 (*types)[2], int ntypes, size_t qlen)
{
	const char *router = is_v6(vip) ? ROUTER6 : ROUTER4;
	__u32 vid = fx_vip_id(&fx, vip, vport, proto), label, l2;
	struct xdplb_traffic v0, v1, r0, r1;
	struct xdplb_flow f0, f1;
	struct xdplb_conns c0, c1;
	struct pkt_buf in, sent, err;
	__u64 tx0;
	int be, b, rid;

	l4_frame(&in, proto, client, 40000, vip, vport, "hi", 2, 0);
	be = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 3, &label, "client's packet");
	if (be < 0 || !ASSERT_EQ(fx_flow(&fx, proto, client, 40000, vip, vport, &f0), 0, "flow"))
		return;
	rid = fx_backend_id(&fx, vip, vport, proto, bes[be], 0);
	c0 = fx_conns(&fx, rid);
	for (int t = 0; t < ntypes; t++) {
		char what[96];

		snprintf(what, sizeof(what), "icmp type %u code %u to the flow's backend",
			 types[t][0], types[t][1]);
		l4_frame(&sent, proto, vip, vport, client, 40000, reply_data,
			 sizeof(reply_data) - 1, PKT_IP_DF);
		/* frag needed (3/4) and packet too big (2) carry an MTU */
		icmp_err(&err, router, vip, types[t][0], types[t][1],
			 types[t][0] == 2 || (types[t][0] == 3 && types[t][1] == 4) ? 1400 : 0,
			 &sent, qlen);
		tx0 = fx_reason(&fx, XDPLB_R_TX);
		lb_read_vip_traffic(&fx.lb, vid, &v0);
		lb_read_real_traffic(&fx.lb, rid, &r0);
		b = fx_expect_tun_to(&fx, &err, XDP_TX, bes, 3, &l2, what);
		ASSERT_EQ(b, be, "the backend that owns the flow");
		if (is_v6(vip))
			ASSERT_EQ(l2, label, "the flow's flow label");
		ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX) - tx0, 1, "counted tx");
		lb_read_vip_traffic(&fx.lb, vid, &v1);
		lb_read_real_traffic(&fx.lb, rid, &r1);
		ASSERT_EQ(v1.packets - v0.packets, 1, "vip packets +1");
		ASSERT_EQ(v1.bytes - v0.bytes, err.len, "vip bytes + frame");
		ASSERT_EQ(v1.flows, v0.flows, "no new flow");
		ASSERT_EQ(r1.packets - r0.packets, 1, "backend packets +1");
	}
	c1 = fx_conns(&fx, rid);
	ASSERT_EQ(c1.active, c0.active, "conns.active unchanged");
	ASSERT_EQ(c1.inactive, c0.inactive, "conns.inactive unchanged");
	if (ASSERT_EQ(fx_flow(&fx, proto, client, 40000, vip, vport, &f1), 0, "flow still there")) {
		ASSERT_EQ(f1.real_id, f0.real_id, "flow's backend unchanged");
		ASSERT_EQ(f1.state, f0.state, "flow's state unchanged");
	}
}

static const __u8 types4[][2] = { { 3, 4 }, { 3, 1 }, { 3, 13 }, { 11, 0 }, { 12, 0 } };
static const __u8 types6[][2] = { { 2, 0 }, { 1, 4 }, { 3, 0 }, { 4, 0 } };

static void case_tun_owner_v4(void)
{
	tun_owner(IPPROTO_TCP, VIP_T4, 80, "192.0.2.1", bes4, types4, 5, 28);
	tun_owner(IPPROTO_UDP, VIP_U4, 53, "192.0.2.2", bes4, types4, 2, 20 + 8 + 20);
}

static void case_tun_owner_v6(void)
{
	tun_owner(IPPROTO_TCP, VIP_T6, 80, "2001:db8:c::1", bes6, types6, 4, 40 + 8);
	tun_owner(IPPROTO_UDP, VIP_U6, 53, "2001:db8:c::2", bes6, types6, 2,
		  40 + 8 + sizeof(reply_data) - 1);
}

/* No flow: an mh VIP's error goes where the client's first packet will go; nothing is
 * inserted; an rr VIP has nowhere to send it. */
static void no_flow(const char *vip, const char *rr_vip, const char *const *bes,
		    const char *client_fmt)
{
	const char *router = is_v6(vip) ? ROUTER6 : ROUTER4;
	__u8 type = is_v6(vip) ? 2 : 3, code = is_v6(vip) ? 0 : 4;
	int seen[3] = { 0 }, spread = 0;
	struct xdplb_traffic v0, v1;
	struct pkt_buf sent, err, in;
	struct xdplb_flow f;
	__u32 vid = fx_vip_id(&fx, vip, 80, IPPROTO_TCP);

	for (int c = 101; c <= 108; c++) {
		char client[64];
		int be, b;

		snprintf(client, sizeof(client), client_fmt, c);
		l4_frame(&sent, IPPROTO_TCP, vip, 80, client, 41000, NULL, 0, PKT_IP_DF);
		icmp_err(&err, router, vip, type, code, 1400, &sent, sent.len - pkt_l3_off(&sent));
		lb_read_vip_traffic(&fx.lb, vid, &v0);
		be = fx_expect_tun_to(&fx, &err, XDP_TX, bes, 3, NULL, "no flow: scheduled");
		lb_read_vip_traffic(&fx.lb, vid, &v1);
		ASSERT_EQ(v1.flows, v0.flows, "no new flow counted");
		ASSERT_TRUE(fx_flow(&fx, IPPROTO_TCP, client, 41000, vip, 80, &f) == -ENOENT,
			    "no flow inserted");
		if (be < 0)
			return;
		seen[be]++;
		l4_frame(&in, IPPROTO_TCP, client, 41000, vip, 80, NULL, 0, 0);
		b = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 3, NULL, "the client's first packet");
		ASSERT_EQ(b, be, "the error went where the new flow goes");
	}
	for (int i = 0; i < 3; i++)
		spread += seen[i] > 0;
	ASSERT_TRUE(spread >= 2, "several clients, several backends");

	/* rr: no flow -> drop_icmp; once the flow exists -> its backend */
	{
		char client[64];
		int be;

		snprintf(client, sizeof(client), client_fmt, 200);
		l4_frame(&sent, IPPROTO_TCP, rr_vip, 80, client, 42000, NULL, 0, PKT_IP_DF);
		icmp_err(&err, router, rr_vip, type, code, 1400, &sent,
			 sent.len - pkt_l3_off(&sent));
		fx_expect_untouched(&fx, &err, XDP_DROP, XDPLB_R_DROP_ICMP, "rr vip, no flow");
		l4_frame(&in, IPPROTO_TCP, client, 42000, rr_vip, 80, NULL, 0, 0);
		be = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 2, NULL, "rr: the client's packet");
		ASSERT_EQ(fx_expect_tun_to(&fx, &err, XDP_TX, bes, 2, NULL, "rr: with a flow"), be,
			  "rr vip with a flow: its backend");
	}
}

/*
 * No flow, and the slot of an mh VIP's table names a backend that is down in xdplb_reals
 * (the table not rebuilt yet): the error goes where the client's first packet will go, past
 * that slot (select_real() walks on: xdplb_sched_skip()), never to the down backend.
 */
static void no_flow_stale(const char *vip, const char *const *bes, const char *client_fmt)
{
	const char *router = is_v6(vip) ? ROUTER6 : ROUTER4;
	__u8 type = is_v6(vip) ? 2 : 3, code = is_v6(vip) ? 0 : 4;
	struct pkt_buf sent[24], err[24], in;
	int before[24], down_id, moved = 0;
	struct xdplb_real r;
	__u32 k;

	for (int c = 0; c < 24; c++) {
		char client[64];

		snprintf(client, sizeof(client), client_fmt, 150 + c);
		l4_frame(&sent[c], IPPROTO_TCP, vip, 80, client, 43000, NULL, 0, PKT_IP_DF);
		icmp_err(&err[c], router, vip, type, code, 1400, &sent[c],
			 sent[c].len - pkt_l3_off(&sent[c]));
		before[c] = fx_expect_tun_to(&fx, &err[c], XDP_TX, bes, 3, NULL, "all up: error");
		if (before[c] < 0)
			return;
	}
	down_id = fx_backend_id(&fx, vip, 80, IPPROTO_TCP, bes[before[0]], 0);
	k = down_id;
	if (!ASSERT_TRUE(down_id > 0 && !bpf_map_lookup_elem(FX_FD(&fx, reals), &k, &r),
			 "read the backend"))
		return;
	r.state = XDPLB_REAL_DOWN;
	if (!ASSERT_EQ(bpf_map_update_elem(FX_FD(&fx, reals), &k, &r, BPF_EXIST), 0,
		       "backend down in xdplb_reals alone (no table rebuild)"))
		return;
	for (int c = 0; c < 24; c++) {
		char client[64];
		int be, b;

		be = fx_expect_tun_to(&fx, &err[c], XDP_TX, bes, 3, NULL, "stale slot: error");
		if (be < 0)
			break;
		ASSERT_TRUE(be != before[0], "not to the down backend");
		if (before[c] != before[0])
			ASSERT_EQ(be, before[c], "another backend's tuple keeps its backend");
		moved += before[c] == before[0];
		snprintf(client, sizeof(client), client_fmt, 150 + c);
		l4_frame(&in, IPPROTO_TCP, client, 43000, vip, 80, NULL, 0, 0);
		b = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 3, NULL, "the client's first packet");
		ASSERT_EQ(b, be, "the error went where the new flow goes");
	}
	ASSERT_TRUE(moved > 0, "some tuples were the down backend's");
	r.state = XDPLB_REAL_UP;
	bpf_map_update_elem(FX_FD(&fx, reals), &k, &r, BPF_EXIST);
}

static void case_no_flow_stale(void)
{
	no_flow_stale(VIP_T4, bes4, "192.0.2.%d");
	no_flow_stale(VIP_T6, bes6, "2001:db8:c::%d");
}

static void case_no_flow_v4(void)
{
	no_flow(VIP_T4, VIP_RR4, bes4, "192.0.2.%d");
}

static void case_no_flow_v6(void)
{
	no_flow(VIP_T6, VIP_RR6, bes6, "2001:db8:c::%d");
}

static void case_dr(void)
{
	static const struct {
		const char *vip, *client, *router, *be;
		__u8 type, code;
	} c[] = { { VIP_DR4, "192.0.2.1", ROUTER4, "10.0.1.12", 3, 4 },
		  { VIP_DR6, "2001:db8:c::1", ROUTER6, "fd00:1::12", 2, 0 } };

	for (int i = 0; i < 2; i++) {
		struct pkt_buf in, sent, err, exp;

		l4_frame(&in, IPPROTO_TCP, c[i].client, 40000, c[i].vip, 80, NULL, 0, 0);
		exp = in;
		fx_to_backend(&exp, c[i].be);
		fx_expect_frame(&fx, &in, XDP_TX, &exp, "dr: the client's packet");
		l4_frame(&sent, IPPROTO_TCP, c[i].vip, 80, c[i].client, 40000, reply_data,
			 sizeof(reply_data) - 1, PKT_IP_DF);
		icmp_err(&err, c[i].router, c[i].vip, c[i].type, c[i].code, 1400, &sent,
			 sent.len - pkt_l3_off(&sent));
		exp = err;
		fx_to_backend(&exp, c[i].be);
		fx_expect_frame(&fx, &err, XDP_TX, &exp, "dr: the error, only the MACs change");
	}
}

/*
 * NAT: the error from a router about the VIP's reply (VIP:vport -> client) goes to the
 * backend: outer destination -> backend, outer TTL or hop limit one lower; quoted source ->
 * backend, quoted source port -> backend port; every checksum recomputed here from the whole
 * translated packet, so a quote that holds the TCP/UDP checksum holds the translated
 * datagram's.
 */
static void nat_error(__u8 proto, const char *vip, __u16 vport, const char *be, __u16 bport,
		      const char *client, __u16 cport, size_t qlen, bool udp_csum0)
{
	const char *router = is_v6(vip) ? ROUTER6 : ROUTER4;
	__u8 type = is_v6(vip) ? 2 : 3, code = is_v6(vip) ? 0 : 4;
	struct pkt_buf in, sent, tsent, err, exp;
	size_t l4;

	l4_frame(&in, proto, client, cport, vip, vport, "q", 1, 0);
	l4_frame(&exp, proto, client, cport, be, bport, "q", 1, 0);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, be);
	if (!fx_expect_frame(&fx, &in, XDP_TX, &exp, "nat: the client's packet"))
		return;

	l4_frame(&sent, proto, vip, vport, client, cport, reply_data, sizeof(reply_data) - 1,
		 PKT_IP_DF);
	l4_frame(&tsent, proto, be, bport, client, cport, reply_data, sizeof(reply_data) - 1,
		 PKT_IP_DF);
	if (udp_csum0) {
		l4 = ETH_HLEN + (is_v6(vip) ? 40 : 20);
		sent.data[l4 + 6] = sent.data[l4 + 7] = 0;
		tsent.data[l4 + 6] = tsent.data[l4 + 7] = 0;
	}
	icmp_err(&err, router, vip, type, code, 1400, &sent, qlen);
	icmp_err(&exp, router, be, type, code, 1400, &tsent, qlen);
	pkt_ttl_dec(&exp); /* the outer header's only */
	fx_to_backend(&exp, be);
	if (fx_expect_frame(&fx, &err, XDP_TX, &exp,
			    "nat: outer and quoted headers translated, checksums recomputed")) {
		ASSERT_TRUE(csum_icmp_ok(exp.data + pkt_l3_off(&exp)),
			    "expectation's icmp checksum");
		if (!is_v6(vip))
			ASSERT_TRUE(csum_ipv4_hdr_ok(exp.data + ETH_HLEN + 28),
				    "expectation's quoted ipv4 checksum");
	}
}

static void case_nat_v4(void)
{
	nat_error(IPPROTO_TCP, VIP_NAT4, 80, "10.0.1.13", 8080, "192.0.2.1", 40000, 28, false);
	nat_error(IPPROTO_TCP, VIP_NAT4, 80, "10.0.1.13", 8080, "192.0.2.1", 40001,
		  40 + sizeof(reply_data) - 1, false);
	nat_error(IPPROTO_UDP, VIP_NATU4, 53, "10.0.1.13", 5353, "192.0.2.1", 40002, 28, false);
	nat_error(IPPROTO_UDP, VIP_NATU4, 53, "10.0.1.13", 5353, "192.0.2.1", 40003, 28, true);
}

static void case_nat_v6(void)
{
	nat_error(IPPROTO_TCP, VIP_NAT6, 80, "fd00:1::13", 8080, "2001:db8:c::1", 40000, 48, false);
	nat_error(IPPROTO_TCP, VIP_NAT6, 80, "fd00:1::13", 8080, "2001:db8:c::1", 40001,
		  60 + sizeof(reply_data) - 1, false);
	nat_error(IPPROTO_UDP, VIP_NATU6, 53, "fd00:1::13", 5353, "2001:db8:c::1", 40002, 48,
		  false);
}

/* NAT: a backend's port unreachable about the client's datagram it got (client:cport ->
 * backend:bport) goes back to the client about client:cport -> VIP:vport, from the VIP, the
 * outer TTL or hop limit one lower. */
static void nat_back(const char *vip, const char *be, const char *client, __u16 cport)
{
	bool v6 = is_v6(vip);
	__u8 type = v6 ? 1 : 3, code = v6 ? 4 : 3;
	struct pkt_buf in, got, orig, err, exp;
	struct fx_run r;

	l4_frame(&in, IPPROTO_UDP, client, cport, vip, 53, "query", 5, 0);
	if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "nat: the datagram"))
		return;
	l4_frame(&got, IPPROTO_UDP, client, cport, be, 5353, "query", 5, 0);
	l4_frame(&orig, IPPROTO_UDP, client, cport, vip, 53, "query", 5, 0);
	icmp_err(&err, be, client, type, code, 0, &got, got.len - pkt_l3_off(&got));
	icmp_err(&exp, vip, client, type, code, 0, &orig, orig.len - pkt_l3_off(&orig));
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &err, XDP_REDIRECT, &exp,
			"port unreachable from the backend, translated back to the client");
	/* about a datagram of no NAT flow: not ours */
	l4_frame(&got, IPPROTO_UDP, client, cport + 1, be, 5353, "query", 5, 0);
	icmp_err(&err, be, client, type, code, 0, &got, got.len - pkt_l3_off(&got));
	fx_expect_untouched(&fx, &err, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "no nat entry: passed");
}

/*
 * NAT: an error from the backend about the client's datagram of a live NAT flow, but
 * addressed to someone else than that datagram's source (another host, the VIP, the
 * backend itself): an error goes to the source of what it quotes, so this one is no error
 * about the flow.  Handed to the kernel untouched (pass_not_vip), not translated, and the
 * flow's replies still are.
 */
static void nat_back_elsewhere(const char *vip, const char *be, const char *client,
			       const char *other, __u16 cport)
{
	bool v6 = is_v6(vip);
	__u8 type = v6 ? 1 : 3, code = v6 ? 4 : 3;
	const char *const to[] = { other, vip, be };
	struct pkt_buf in, got, orig, err, exp;
	struct xdplb_traffic t0, t1;
	__u32 vid = fx_vip_id(&fx, vip, 53, IPPROTO_UDP);
	struct fx_run r;

	l4_frame(&in, IPPROTO_UDP, client, cport, vip, 53, "query", 5, 0);
	if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "nat: the datagram"))
		return;
	l4_frame(&got, IPPROTO_UDP, client, cport, be, 5353, "query", 5, 0);
	for (size_t i = 0; i < sizeof(to) / sizeof(to[0]); i++) {
		char what[96];

		snprintf(what, sizeof(what), "error about the flow's datagram to %s: passed",
			 to[i]);
		icmp_err(&err, be, to[i], type, code, 0, &got, got.len - pkt_l3_off(&got));
		lb_read_vip_traffic(&fx.lb, vid, &t0);
		fx_expect_untouched(&fx, &err, XDP_PASS, XDPLB_R_PASS_NOT_VIP, what);
		lb_read_vip_traffic(&fx.lb, vid, &t1);
		ASSERT_EQ(t1.out_packets - t0.out_packets, 0, "not counted as a translated reply");
	}
	/* the same error to the client is the flow's, translated */
	l4_frame(&orig, IPPROTO_UDP, client, cport, vip, 53, "query", 5, 0);
	icmp_err(&err, be, client, type, code, 0, &got, got.len - pkt_l3_off(&got));
	icmp_err(&exp, vip, client, type, code, 0, &orig, orig.len - pkt_l3_off(&orig));
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &err, XDP_REDIRECT, &exp, "to the client: translated");
}

static void case_nat_back_elsewhere(void)
{
	nat_back_elsewhere(VIP_NATU4, "10.0.1.13", "192.0.2.9", "192.0.2.10", 45100);
	nat_back_elsewhere(VIP_NATU6, "fd00:1::13", "2001:db8:c::9", "2001:db8:c::10", 45100);
}

static void case_nat_back(void)
{
	nat_back(VIP_NATU4, "10.0.1.13", "192.0.2.9", 45000);
	nat_back(VIP_NATU6, "fd00:1::13", "2001:db8:c::9", 45000);
}

static void case_not_ours(void)
{
	/* errors from a router about a TCP packet the VIP side sent (@src:@sport -> client), none
	 * of them a VIP's: passed untouched */
	static const struct {
		const char *src, *client, *router, *to;
		__u16 sport;
		__u8 type, code;
		__u32 rest;
		size_t qlen;
		const char *what;
	} e[] = {
		{ VIP_T4, "192.0.2.1", ROUTER4, VIP_T4, 80, 3, 4, 1400, 24,
		  "quote of ip + 4 bytes" },
		{ VIP_U4, "192.0.2.1", ROUTER4, VIP_T4, 80, 3, 4, 1400, 28,
		  "quoted src != outer dst" },
		{ "10.0.0.199", "192.0.2.1", ROUTER4, "10.0.0.199", 80, 3, 4, 1400, 28,
		  "error to no vip address" },
		/* not an error type: redirect (5) */
		{ VIP_T4, "192.0.2.1", ROUTER4, VIP_T4, 80, 5, 1, 0, 28, "icmp redirect" },
		{ VIP_T4, "192.0.2.1", ROUTER4, VIP_T4, 81, 3, 4, 1400, 28, "quoted port: no vip" },
		{ VIP_T6, "2001:db8:c::1", ROUTER6, VIP_T6, 80, 2, 0, 1400, 44,
		  "ipv6 quote of 44 bytes" },
	};
	struct pkt_buf sent, err;

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		l4_frame(&sent, IPPROTO_TCP, e[i].src, e[i].sport, e[i].client, 40000, NULL, 0, 0);
		icmp_err(&err, e[i].router, e[i].to, e[i].type, e[i].code, e[i].rest, &sent,
			 e[i].qlen);
		fx_expect_untouched(&fx, &err, XDP_PASS, XDPLB_R_PASS_NOT_VIP, e[i].what);
	}
	/* ipv6: an extension header before TCP */
	{
		struct in6_addr v = ipv6_addr(VIP_T6), c = ipv6_addr("2001:db8:c::1");

		pkt_reset(&sent);
		pkt_eth(&sent, NULL, NULL, ETH_P_IPV6);
		pkt_ipv6(&sent, &v, &c, PKT_NH_DEST, NULL);
		pkt_ipv6_ext(&sent, IPPROTO_TCP, 8);
		pkt_tcp(&sent, 80, 40000, 1, 1, PKT_TCP_ACK, NULL, 0);
		pkt_finish(&sent);
		icmp_err(&err, ROUTER6, VIP_T6, 2, 0, 1400, &sent, 40 + 8 + 20);
		fx_expect_untouched(&fx, &err, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
				    "ipv6 quote with an extension header");
	}
}

/*
 * Errors quoting an IPv4 fragment.  A non-first fragment (offset > 0) carries no TCP/UDP
 * header: the bytes where the ports would be are data, and name no flow.  To a VIP address
 * it is dropped, drop_icmp, even when those bytes equal the ports of a live flow; an l3hash
 * VIP alone on its address and protocol keys its flows on the addresses and routes it as it
 * routes the fragments themselves.  A first fragment (offset 0, MF) holds the ports: routed.
 */
static void case_frag_quote(void)
{
	const char *client = "192.0.2.31";
	struct pkt_buf in, sent, err;
	__u64 d0;
	int be;

	l4_frame(&in, IPPROTO_TCP, client, 40000, VIP_T4, 80, "hi", 2, 0);
	be = fx_expect_tun_to(&fx, &in, XDP_TX, bes4, 3, NULL, "client's packet");
	if (be < 0)
		return;
	/* the VIP's reply, fragmented: the second fragment's first 8 bytes look like its ports */
	l4_frame(&sent, IPPROTO_TCP, VIP_T4, 80, client, 40000, reply_data, sizeof(reply_data) - 1,
		 PKT_IP_MF | 3);
	icmp_err(&err, ROUTER4, VIP_T4, 11, 1, 0, &sent, 28);
	d0 = fx_reason(&fx, XDPLB_R_DROP_ICMP);
	fx_expect_untouched(&fx, &err, XDP_DROP, XDPLB_R_DROP_ICMP,
			    "non-first fragment quoted, its data equal to the flow's ports");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_ICMP) - d0, 1, "drop_icmp +1");
	/* the last fragment (MF clear), and one whose "ports" are nobody's */
	l4_frame(&sent, IPPROTO_TCP, VIP_T4, 80, client, 40000, NULL, 0, 185);
	icmp_err(&err, ROUTER4, VIP_T4, 3, 4, 1400, &sent, 28);
	fx_expect_untouched(&fx, &err, XDP_DROP, XDPLB_R_DROP_ICMP, "last fragment quoted");
	l4_frame(&sent, IPPROTO_UDP, VIP_U4, 5555, client, 6666, NULL, 0, PKT_IP_MF | 1);
	icmp_err(&err, ROUTER4, VIP_U4, 3, 4, 1400, &sent, 28);
	fx_expect_untouched(&fx, &err, XDP_DROP, XDPLB_R_DROP_ICMP,
			    "non-first fragment quoted, data matching no vip port");
	/* no VIP on the quoted source: not the balancer's */
	l4_frame(&sent, IPPROTO_TCP, "10.0.0.199", 80, client, 40000, NULL, 0, PKT_IP_MF | 3);
	icmp_err(&err, ROUTER4, "10.0.0.199", 3, 4, 1400, &sent, 28);
	fx_expect_untouched(&fx, &err, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
			    "non-first fragment quoted, no vip address");
	/* the first fragment holds the ports: to the flow's backend */
	l4_frame(&sent, IPPROTO_TCP, VIP_T4, 80, client, 40000, reply_data, sizeof(reply_data) - 1,
		 PKT_IP_MF);
	icmp_err(&err, ROUTER4, VIP_T4, 3, 4, 1400, &sent, 28);
	ASSERT_EQ(fx_expect_tun_to(&fx, &err, XDP_TX, bes4, 3, NULL, "first fragment quoted"), be,
		  "first fragment: the flow's backend");

	/* l3hash: the flow is the addresses; whatever the fragment's data */
	l4_frame(&in, IPPROTO_UDP, client, 40001, VIP_L34, 4789, "hi", 2, 0);
	be = fx_expect_tun_to(&fx, &in, XDP_TX, bes4, 3, NULL, "client's packet, l3hash");
	if (be < 0)
		return;
	l4_frame(&sent, IPPROTO_UDP, VIP_L34, 1234, client, 5678, NULL, 0, PKT_IP_MF | 3);
	icmp_err(&err, ROUTER4, VIP_L34, 3, 4, 1400, &sent, 28);
	ASSERT_EQ(
	    fx_expect_tun_to(&fx, &err, XDP_TX, bes4, 3, NULL, "l3hash: non-first fragment quoted"),
	    be, "l3hash: the flow's backend");
}

/* Set backend @raddr of VIP @vaddr:80/tcp to @state. */
static int set_state(const char *vaddr, const char *raddr, __u8 state)
{
	int id = fx_backend_id(&fx, vaddr, 80, IPPROTO_TCP, raddr, 0);
	struct xdplb_real r = {};
	__u32 k = id;

	if (id < 0 || bpf_map_lookup_elem(FX_FD(&fx, reals), &k, &r))
		return -ENOENT;
	return lb_real_set_state(&fx.lb, k, r.gen, state);
}

/*
 * An error about a flow whose backend is down.  Without ondown keep the flow's next packet
 * goes to another backend (select_real()), where the connection does not exist: the error
 * goes nowhere, drop_icmp, and once the flow has moved, errors follow it.  With ondown keep
 * the flow stays, and its errors go to its backend, down or not.
 */
static void down_backend(const char *vip, bool keep, const char *const *bes, const char *client)
{
	const char *router = is_v6(vip) ? ROUTER6 : ROUTER4;
	__u8 type = is_v6(vip) ? 2 : 3, code = is_v6(vip) ? 0 : 4;
	struct pkt_buf in, sent, err;
	int be, b;

	l4_frame(&in, IPPROTO_TCP, client, 40000, vip, 80, "hi", 2, 0);
	be = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 3, NULL, "client's packet");
	if (be < 0)
		return;
	l4_frame(&sent, IPPROTO_TCP, vip, 80, client, 40000, reply_data, sizeof(reply_data) - 1,
		 PKT_IP_DF);
	icmp_err(&err, router, vip, type, code, 1400, &sent, sent.len - pkt_l3_off(&sent));
	if (!ASSERT_EQ(set_state(vip, bes[be], XDPLB_REAL_DOWN), 0, "backend down"))
		return;
	if (keep) {
		ASSERT_EQ(fx_expect_tun_to(&fx, &err, XDP_TX, bes, 3, NULL, "ondown keep: error"),
			  be, "ondown keep: the flow's (down) backend");
		ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, bes, 3, NULL, "ondown keep: next"), be,
			  "ondown keep: the flow stays");
	} else {
		__u64 d0 = fx_reason(&fx, XDPLB_R_DROP_ICMP);

		fx_expect_untouched(&fx, &err, XDP_DROP, XDPLB_R_DROP_ICMP,
				    "error about a flow on a down backend");
		ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_ICMP) - d0, 1, "drop_icmp +1");
		b = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 3, NULL, "the flow's next packet");
		ASSERT_TRUE(b >= 0 && b != be, "the flow moved off the down backend");
		ASSERT_EQ(fx_expect_tun_to(&fx, &err, XDP_TX, bes, 3, NULL, "error, flow moved"), b,
			  "the error follows the moved flow");
	}
	set_state(vip, bes[be], XDPLB_REAL_UP);
}

static void case_down_backend(void)
{
	down_backend(VIP_DN4, false, bes4, "192.0.2.41");
	down_backend(VIP_DNK4, true, bes4, "192.0.2.42");
	down_backend(VIP_DN6, false, bes6, "2001:db8:c::41");
	down_backend(VIP_DNK6, true, bes6, "2001:db8:c::42");
}

/* ---- echo ---- */

static void set_flag(struct xdplb_config *c, long flag)
{
	c->flags |= flag;
}

static void clear_flag(struct xdplb_config *c, long flag)
{
	c->flags &= ~flag;
}

static void echo_req(struct pkt_buf *b, const char *from, const char *to, bool vlan,
		     size_t ihl_opts)
{
	static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	static const __u8 nops[4] = { 1, 1, 1, 0 };

	pkt_reset(b);
	if (vlan) {
		pkt_eth(b, NULL, NULL, ETH_P_8021Q);
		pkt_vlan(b, 99, is_v6(to) ? ETH_P_IPV6 : ETH_P_IP);
	} else {
		pkt_eth(b, NULL, NULL, is_v6(to) ? ETH_P_IPV6 : ETH_P_IP);
	}
	if (is_v6(to)) {
		struct in6_addr f = ipv6_addr(from), t = ipv6_addr(to);

		pkt_ipv6(b, &f, &t, IPPROTO_ICMPV6, &(struct pkt_ip_opt){ .ttl = 55, .tos = 0x20 });
		pkt_icmp(b, 128, 0, 0x1234 << 16 | 7, data, sizeof(data) - 1);
	} else {
		pkt_ipv4(b, ipv4_addr(from), ipv4_addr(to), IPPROTO_ICMP,
			 &(struct pkt_ip_opt){ .ttl = 55,
					       .tos = 0x20,
					       .id = 0x4567,
					       .frag_off = PKT_IP_DF,
					       .opts = nops,
					       .opts_len = ihl_opts });
		pkt_icmp(b, 8, 0, 0x1234 << 16 | 7, data, sizeof(data) - 1);
	}
	pkt_finish(b);
}

static void echo_expect(struct pkt_buf *exp, const char *client, const char *vip, bool vlan)
{
	size_t l3;

	echo_req(exp, vip, client, vlan, 0);
	l3 = pkt_l3_off(exp);
	/* MACs swapped: the request came from PKT_MAC_SRC to PKT_MAC_DST */
	memcpy(exp->data, PKT_MAC_SRC, ETH_ALEN);
	memcpy(exp->data + 6, PKT_MAC_DST, ETH_ALEN);
	if (is_v6(vip)) {
		exp->data[l3 + 7] = 64;
		exp->data[l3 + 40] = 129;
	} else {
		exp->data[l3 + 8] = 64;
		exp->data[l3 + 20] = 0;
	}
	pkt_finish(exp);
}

static void echo(const char *vip, const char *client, const char *other)
{
	struct pkt_buf in, exp;
	__u64 c0;

	fx_config(&fx, set_flag, XDPLB_CFG_F_ECHO);
	for (int vlan = 0; vlan < 2; vlan++) {
		echo_req(&in, client, vip, vlan, 0);
		echo_expect(&exp, client, vip, vlan);
		c0 = fx_reason(&fx, XDPLB_R_TX_ECHO);
		if (fx_expect_frame(&fx, &in, XDP_REDIRECT, &exp,
				    vlan ? "echo reply, vlan tag kept" : "echo reply")) {
			size_t l3 = pkt_l3_off(&exp);

			ASSERT_TRUE(csum_icmp_ok(exp.data + l3), "expectation's icmp checksum");
		}
		ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX_ECHO) - c0, 1, "tx_echo +1");
	}
	echo_req(&in, client, other, false, 0);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "echo to a non-vip address");
	if (!is_v6(vip)) {
		echo_req(&in, client, vip, false, 4);
		fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "echo with ihl 6");
	}
	fx_config(&fx, clear_flag, XDPLB_CFG_F_ECHO);
	echo_req(&in, client, vip, false, 0);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "echo flag off");
}

static void case_echo_v4(void)
{
	echo(VIP_T4, "192.0.2.1", "10.0.0.199");
	echo(VIP_U4, "192.0.2.1", "10.0.0.199"); /* a UDP-only VIP address answers too */
}

static void case_echo_v6(void)
{
	echo(VIP_T6, "2001:db8:c::1", "2001:db8:f::199");
	echo(VIP_U6, "2001:db8:c::1", "2001:db8:f::199");
}

/* ---- too big ---- */

static unsigned char big[1600];

/* A TCP frame client -> @vip:80 whose IP packet is @len bytes long, DF as @df. */
static void big_frame(struct pkt_buf *b, const char *client, __u16 cport, const char *vip,
		      size_t len, bool df, bool vlan)
{
	size_t hdrs = (is_v6(vip) ? 40 : 20) + 20;
	struct pkt_spec s = { .sport = cport,
			      .dport = 80,
			      .seq = 1,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = big,
			      .payload_len = len - hdrs,
			      .vlan = vlan,
			      .vid = 5,
			      .ip = { .id = 0x3333, .frag_off = df ? PKT_IP_DF : 0, .tos = 0x10 } };

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 13);
	pkt_build_addrs(b, &s, IPPROTO_TCP, client, vip);
}

/* The ICMP "fragmentation needed" (RFC 1191) or ICMPv6 "packet too big" (RFC 4443 3.2) the
 * balancer must answer @in with, as the #7 spec has it. */
static void too_big_answer(struct pkt_buf *exp, const struct pkt_buf *in, __u32 mtu)
{
	size_t l3 = pkt_l3_off(in);
	const unsigned char *ih = in->data + l3;

	pkt_reset(exp);
	if ((ih[0] >> 4) == 6) {
		struct in6_addr s, d;

		memcpy(&s, ih + 24, 16);
		memcpy(&d, ih + 8, 16);
		pkt_eth(exp, in->data + 6, in->data, ETH_P_IPV6);
		pkt_ipv6(exp, &s, &d, IPPROTO_ICMPV6, &(struct pkt_ip_opt){ .ttl = 64 });
		pkt_icmp(exp, 2, 0, mtu, ih, 48);
	} else {
		__be32 s, d;

		memcpy(&s, ih + 16, 4);
		memcpy(&d, ih + 12, 4);
		pkt_eth(exp, in->data + 6, in->data, ETH_P_IP);
		pkt_ipv4(exp, s, d, IPPROTO_ICMP, &(struct pkt_ip_opt){ .ttl = 64 });
		pkt_icmp(exp, 3, 4, mtu & 0xffff, ih, 28);
	}
	pkt_finish(exp);
	pkt_tag_as(exp, in); /* back out of the interface it came in on, on its VLAN */
}

static void expect_too_big(const struct pkt_buf *in, __u32 mtu, const char *what)
{
	struct pkt_buf exp;
	__u64 c0 = fx_reason(&fx, XDPLB_R_TX_TOO_BIG);

	too_big_answer(&exp, in, mtu);
	if (fx_expect_frame(&fx, in, XDP_REDIRECT, &exp, what))
		ASSERT_TRUE(csum_icmp_ok(exp.data + pkt_l3_off(&exp)),
			    "expectation's icmp checksum");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX_TOO_BIG) - c0, 1, "tx_too_big +1");
}

static void set_mtu(struct xdplb_config *c, long mtu)
{
	c->mtu = mtu;
}

static void case_too_big_cfg(void)
{
	const char *const be46[] = { "fd00:1::11" };
	struct pkt_buf in;

	if (!ASSERT_EQ(fx_config(&fx, set_mtu, 1400), 0, "config mtu 1400"))
		return;
	/* IPv4 in IPv4: 20 bytes of overhead */
	big_frame(&in, "192.0.2.1", 50000, VIP_T4, 1380, true, false);
	fx_expect_tun_to(&fx, &in, XDP_TX, bes4, 3, NULL, "ipv4 1380 + 20 = mtu: forwarded");
	big_frame(&in, "192.0.2.1", 50000, VIP_T4, 1381, true, false);
	expect_too_big(&in, 1380, "ipv4 1381 + 20 > mtu, DF: frag needed, mtu 1380");
	big_frame(&in, "192.0.2.1", 50001, VIP_T4, 1400, true, true);
	expect_too_big(&in, 1380, "the same from a vlan: answer tagged as the packet was");
	/* IPv4 in IPv6: 40 */
	big_frame(&in, "192.0.2.1", 50002, VIP_BIG46, 1360, true, false);
	fx_expect_tun_to(&fx, &in, XDP_TX, be46, 1, NULL, "ipv4-in-ipv6 1360 + 40: forwarded");
	big_frame(&in, "192.0.2.1", 50002, VIP_BIG46, 1361, true, false);
	expect_too_big(&in, 1360, "ipv4-in-ipv6 1361 + 40 > mtu: frag needed, mtu 1360");
	/* IPv6 in IPv6: 40 */
	big_frame(&in, "2001:db8:c::1", 50003, VIP_T6, 1360, true, false);
	fx_expect_tun_to(&fx, &in, XDP_TX, bes6, 3, NULL, "ipv6 1360 + 40: forwarded");
	big_frame(&in, "2001:db8:c::1", 50003, VIP_T6, 1361, true, false);
	expect_too_big(&in, 1360, "ipv6 1361 + 40 > mtu: packet too big, mtu 1360");

	/* IPv4 without DF, TUN: encapsulated for the kernel to fragment */
	{
		struct pkt_buf exp;
		struct fx_run r;
		__u64 c0 = fx_reason(&fx, XDPLB_R_PASS_TOO_BIG);
		int be;

		big_frame(&in, "192.0.2.1", 50004, VIP_T4, 1381, false, false);
		if (!fx_run(&fx, &in, fx.lb0, &r) && ASSERT_EQ(r.retval, XDP_PASS, "no DF: pass")) {
			be = fx_tun_backend(&r, bes4, 3);
			if (ASSERT_TRUE(be >= 0, "encapsulated to a backend")) {
				fx_expect_tun(&exp, &in, bes4[be], 0);
				/* the MACs are the kernel's business: from the IP header on */
				ASSERT_EQ(pkt_r16(r.out + 12), ETH_P_IP, "ipv4 ethertype");
				ASSERT_BYTES(r.out + ETH_HLEN, r.out_len - ETH_HLEN,
					     exp.data + ETH_HLEN, exp.len - ETH_HLEN,
					     "no DF: encapsulated, handed to the kernel");
			}
		}
		ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_TOO_BIG) - c0, 1, "pass_too_big +1");
	}
	/* IPv4 with options and DF: no answer */
	{
		static const __u8 nops[4] = { 1, 1, 1, 0 };
		struct pkt_spec s = { .saddr = ipv4_addr("192.0.2.1"),
				      .daddr = ipv4_addr(VIP_T4),
				      .sport = 50005,
				      .dport = 80,
				      .tcp_flags = PKT_TCP_ACK,
				      .payload = big,
				      .payload_len = 1381 - 44,
				      .ip = {
					  .frag_off = PKT_IP_DF, .opts = nops, .opts_len = 4 } };

		pkt_v4_tcp(&in, &s);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_TOO_BIG,
				    "ipv4 options and DF, too big");
	}
	/* IPv6 where the MTU to report is below 1280 */
	fx_config(&fx, set_mtu, 1300);
	/* an ICMP error being forwarded is never answered */
	{
		struct pkt_buf sent, err;

		l4_frame(&sent, IPPROTO_TCP, VIP_T6, 80, "2001:db8:c::1", 50003, big, 1300, 0);
		icmp_err(&err, ROUTER6, VIP_T6, 2, 0, 1300, &sent, 1232);
		fx_expect_untouched(&fx, &err, XDP_DROP, XDPLB_R_DROP_TOO_BIG,
				    "icmpv6 error of 1280 bytes + 40 > mtu 1300");
	}
	big_frame(&in, "2001:db8:c::1", 50006, VIP_T6, 1261, true, false);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_TOO_BIG,
			    "ipv6, mtu 1300 - 40 < 1280: drop_too_big");
	fx_config(&fx, set_mtu, 0);
}

/*
 * NAT replies too big for the way to the client: the backend gets the ICMP answer (from the
 * client's address, quoting the reply), so that its path MTU towards the client drops; IPv4
 * without DF is translated and handed to the kernel to fragment.
 */
static void nat_reply_too_big(const char *vip, const char *be, const char *client, __u16 cport)
{
	size_t hdrs = (is_v6(vip) ? 40 : 20) + 20;
	struct pkt_buf in, rep, exp;
	struct fx_run r;

	l4_frame(&in, IPPROTO_TCP, client, cport, vip, 80, "GET", 3, 0);
	if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "nat: the request"))
		return;
	l4_frame(&rep, IPPROTO_TCP, be, 8080, client, cport, big, 1400 - hdrs, PKT_IP_DF);
	l4_frame(&exp, IPPROTO_TCP, vip, 80, client, cport, big, 1400 - hdrs, PKT_IP_DF);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &rep, XDP_REDIRECT, &exp, "reply of 1400 = mtu: translated");
	l4_frame(&rep, IPPROTO_TCP, be, 8080, client, cport, big, 1401 - hdrs, PKT_IP_DF);
	expect_too_big(&rep, 1400, "reply of 1401 > mtu: the backend is told, mtu 1400");
	if (is_v6(vip))
		return;
	l4_frame(&rep, IPPROTO_TCP, be, 8080, client, cport, big, 1401 - hdrs, 0);
	l4_frame(&exp, IPPROTO_TCP, vip, 80, client, cport, big, 1401 - hdrs, 0);
	{
		__u64 c0 = fx_reason(&fx, XDPLB_R_PASS_TOO_BIG);

		if (!fx_run(&fx, &rep, fx.lb0, &r) && ASSERT_EQ(r.retval, XDP_PASS, "no DF: pass"))
			ASSERT_BYTES(r.out + ETH_HLEN, r.out_len - ETH_HLEN, exp.data + ETH_HLEN,
				     exp.len - ETH_HLEN, "no DF: translated back, for the kernel");
		ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_TOO_BIG) - c0, 1, "pass_too_big +1");
	}
}

static void case_too_big_nat_reply(void)
{
	if (!ASSERT_EQ(fx_config(&fx, set_mtu, 1400), 0, "config mtu 1400"))
		return;
	nat_reply_too_big(VIP_NAT4, "10.0.1.13", "192.0.2.1", 51000);
	nat_reply_too_big(VIP_NAT6, "fd00:1::13", "2001:db8:c::1", 51000);
	fx_config(&fx, set_mtu, 0);
}

static void case_too_big_route(void)
{
	const char *const lb2_4[] = { "10.0.2.11" }, *const lb2_6[] = { "fd00:2::11" };
	struct pkt_buf in, exp;

	fx_config(&fx, set_mtu, 0);
	/* lb2's MTU is 1300: tun ipv4 */
	big_frame(&in, "192.0.2.1", 51000, VIP_BIG4, 1280, true, false);
	fx_expect_tun_to(&fx, &in, XDP_REDIRECT, lb2_4, 1, NULL, "1280 + 20 fits lb2");
	big_frame(&in, "192.0.2.1", 51000, VIP_BIG4, 1281, true, false);
	expect_too_big(&in, 1280, "route mtu 1300: 1281 + 20 too big, mtu 1280");
	/* tun ipv6: 1300 - 40 = 1260 cannot be reported */
	big_frame(&in, "2001:db8:c::1", 51001, VIP_BIG6, 1260, true, false);
	fx_expect_tun_to(&fx, &in, XDP_REDIRECT, lb2_6, 1, NULL, "ipv6 1260 + 40 fits lb2");
	big_frame(&in, "2001:db8:c::1", 51001, VIP_BIG6, 1261, true, false);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_TOO_BIG,
			    "ipv6 to lb2 through a tunnel: mtu 1260 < 1280, drop_too_big");
	/* dr: no overhead */
	big_frame(&in, "192.0.2.1", 51002, VIP_DRB4, 1301, true, false);
	expect_too_big(&in, 1300, "dr ipv4 with DF: frag needed, mtu 1300");
	big_frame(&in, "192.0.2.1", 51003, VIP_DRB4, 1301, false, false);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_TOO_BIG, "dr ipv4 without DF");
	big_frame(&in, "192.0.2.1", 51004, VIP_DRB4, 1300, false, false);
	exp = in;
	fx_to_backend(&exp, "10.0.2.11");
	fx_expect_frame(&fx, &in, XDP_REDIRECT, &exp, "dr ipv4 of 1300: fits");
	big_frame(&in, "2001:db8:c::1", 51005, VIP_DRB6, 1301, true, false);
	expect_too_big(&in, 1300, "dr ipv6: packet too big, mtu 1300");
	/* nat: translated; DF answered, no DF handed to the kernel */
	big_frame(&in, "192.0.2.1", 51006, VIP_NATB4, 1301, true, false);
	expect_too_big(&in, 1300, "nat ipv4 with DF: frag needed, mtu 1300");
	{
		struct fx_run r;
		__u64 c0 = fx_reason(&fx, XDPLB_R_PASS_TOO_BIG);
		struct pkt_spec s;

		big_frame(&in, "192.0.2.1", 51007, VIP_NATB4, 1301, false, false);
		/* the translated packet: destination port 8080 */
		s = (struct pkt_spec){ .saddr = ipv4_addr("192.0.2.1"),
				       .daddr = ipv4_addr("10.0.2.11"),
				       .sport = 51007,
				       .dport = 8080,
				       .seq = 1,
				       .tcp_flags = PKT_TCP_ACK,
				       .payload = big,
				       .payload_len = 1301 - 40,
				       .ip = { .id = 0x3333, .tos = 0x10 } };
		pkt_v4_tcp(&exp, &s);
		if (!fx_run(&fx, &in, fx.lb0, &r) &&
		    ASSERT_EQ(r.retval, XDP_PASS, "nat without DF: to the kernel")) {
			ASSERT_EQ(pkt_r16(r.out + 12), ETH_P_IP, "ipv4 ethertype");
			ASSERT_BYTES(r.out + ETH_HLEN, r.out_len - ETH_HLEN, exp.data + ETH_HLEN,
				     exp.len - ETH_HLEN, "nat without DF: translated");
		}
		ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_TOO_BIG) - c0, 1, "pass_too_big +1");
	}
}

static int vip_flags(const char *addr, __u16 port, __u8 proto, __u8 mode, __u8 sched, __u16 flags,
		     const char *const *bes, int n, __u16 rport)
{
	int err = fx_vip_new(&fx, addr, port, proto, mode, sched, flags) < 0;

	for (int i = 0; i < n; i++)
		err |= fx_real_new(&fx, addr, port, proto, bes[i], rport) < 0;
	if (err)
		fprintf(stderr, "setup: vip %s:%u failed\n", addr, port);
	return err;
}

static int vip(const char *addr, __u16 port, __u8 proto, __u8 mode, __u8 sched,
	       const char *const *bes, int n, __u16 rport)
{
	return vip_flags(addr, port, proto, mode, sched, 0, bes, n, rport);
}

int main(void)
{
	const char *const b4_12[] = { "10.0.1.12" }, *const b4_13[] = { "10.0.1.13" };
	const char *const b6_12[] = { "fd00:1::12" }, *const b6_13[] = { "fd00:1::13" };
	const char *const lb2_4[] = { "10.0.2.11" }, *const lb2_6[] = { "fd00:2::11" };
	const char *const b46[] = { "fd00:1::11" };
	const __u8 T = XDPLB_MODE_TUN, D = XDPLB_MODE_DR, N = XDPLB_MODE_NAT;
	const __u8 MH = XDPLB_SCHED_MH, RR = XDPLB_SCHED_RR, TCP = IPPROTO_TCP, UDP = IPPROTO_UDP;
	int err = 0;

	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	err |= vip(VIP_T4, 80, TCP, T, MH, bes4, 3, 0);
	err |= vip(VIP_U4, 53, UDP, T, MH, bes4, 3, 0);
	err |= vip(VIP_RR4, 80, TCP, T, RR, bes4, 2, 0);
	err |= vip(VIP_BIG4, 80, TCP, T, MH, lb2_4, 1, 0);
	err |= vip(VIP_BIG46, 80, TCP, T, MH, b46, 1, 0);
	err |= vip(VIP_DR4, 80, TCP, D, MH, b4_12, 1, 0);
	err |= vip(VIP_DRB4, 80, TCP, D, MH, lb2_4, 1, 0);
	err |= vip(VIP_NAT4, 80, TCP, N, MH, b4_13, 1, 8080);
	err |= vip(VIP_NATU4, 53, UDP, N, MH, b4_13, 1, 5353);
	err |= vip(VIP_NATB4, 80, TCP, N, MH, lb2_4, 1, 8080);
	err |= vip(VIP_T6, 80, TCP, T, MH, bes6, 3, 0);
	err |= vip(VIP_U6, 53, UDP, T, MH, bes6, 3, 0);
	err |= vip(VIP_RR6, 80, TCP, T, RR, bes6, 2, 0);
	err |= vip(VIP_BIG6, 80, TCP, T, MH, lb2_6, 1, 0);
	err |= vip(VIP_DR6, 80, TCP, D, MH, b6_12, 1, 0);
	err |= vip(VIP_DRB6, 80, TCP, D, MH, lb2_6, 1, 0);
	err |= vip(VIP_NAT6, 80, TCP, N, MH, b6_13, 1, 8080);
	err |= vip(VIP_NATU6, 53, UDP, N, MH, b6_13, 1, 5353);
	err |= vip_flags(VIP_L34, 4789, UDP, T, MH, XDPLB_VIP_F_L3HASH, bes4, 3, 0);
	err |= vip(VIP_DN4, 80, TCP, T, MH, bes4, 3, 0);
	err |= vip_flags(VIP_DNK4, 80, TCP, T, MH, XDPLB_VIP_F_ONDOWN_KEEP, bes4, 3, 0);
	err |= vip(VIP_DN6, 80, TCP, T, MH, bes6, 3, 0);
	err |= vip_flags(VIP_DNK6, 80, TCP, T, MH, XDPLB_VIP_F_ONDOWN_KEEP, bes6, 3, 0);
	if (err) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("tun ipv4: errors go to the flow's backend, encapsulated", case_tun_owner_v4);
	RUN_CASE("tun ipv6: errors go to the flow's backend, encapsulated", case_tun_owner_v6);
	RUN_CASE("no flow ipv4: mh schedules (nothing inserted), rr drops", case_no_flow_v4);
	RUN_CASE("no flow ipv6: mh schedules (nothing inserted), rr drops", case_no_flow_v6);
	RUN_CASE("no flow, mh slot of a down backend (no rebuild yet): where the flow goes",
		 case_no_flow_stale);
	RUN_CASE("dr: errors to the backend, MACs only", case_dr);
	RUN_CASE("nat ipv4: outer and quoted headers translated", case_nat_v4);
	RUN_CASE("nat ipv6: outer and quoted headers translated", case_nat_v6);
	RUN_CASE("nat: backend's port unreachable translated back to the client", case_nat_back);
	RUN_CASE("nat: a backend's error to another address than the client passes",
		 case_nat_back_elsewhere);
	RUN_CASE("errors that are not about a vip's flow pass", case_not_ours);
	RUN_CASE("quoted non-first fragment: no ports, no flow (l3hash: addresses)",
		 case_frag_quote);
	RUN_CASE("error about a flow on a down backend: dropped, unless ondown keep",
		 case_down_backend);
	RUN_CASE("echo ipv4: answered when enabled", case_echo_v4);
	RUN_CASE("echo ipv6: answered when enabled", case_echo_v6);
	RUN_CASE("too big: config mtu, tunnel overhead, DF, options, icmp", case_too_big_cfg);
	RUN_CASE("too big: route mtu of the egress link, dr, nat", case_too_big_route);
	RUN_CASE("too big: nat replies, the backend is told", case_too_big_nat_reply);
	return TEST_MAIN_END();
}
