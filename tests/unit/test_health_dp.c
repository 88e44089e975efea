// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of what health state does to the data plane: a down backend leaves
 * the table and loses its flows (or keeps them), sorry servers, and the alldown answers (TCP
 * RST, ICMP port unreachable) with exact bytes built independently (pkt.h). */
#include "fixture.h"

static struct fixture fx;

#define CLIENT "192.0.2.1"
#define VIP    "10.0.0.90"
static const __u8 router_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x03, 0xfe };
static char msg[160];
#define WHAT(...) (snprintf(msg, sizeof(msg), __VA_ARGS__), msg)

static __u32 vip_flags;

/* VIP :80 (tcp or udp), DR mode (the backend shows in the destination MAC), @n backends
 * 10.0.1.11.. of weight 1; backend 10.0.1.14 is added as a sorry server when @sorry. */
static int setup(__u8 proto, int n, bool sorry, __u32 flags)
{
	struct xdplb_vip_key k = fx_vip_key(VIP, 80, proto);
	struct xdplb_vip v = { .mode = XDPLB_MODE_DR, .sched = XDPLB_SCHED_MH, .flags = flags };
	static const char *const a[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14" };

	__u64 flushed;

	lb_vip_del(&fx.lb, &k);
	lb_flow_flush(&fx.lb, 0, &flushed); /* each case starts without flows */
	if (lb_vip_add(&fx.lb, &k, &v))
		return -1;
	for (int i = 0; i < n + sorry; i++) {
		struct xdplb_real r = { .family = 2, .weight = 1 };

		r.addr[0] = ipv4_addr(i < n ? a[i] : a[3]);
		if (i == n)
			r.flags = XDPLB_REAL_F_SORRY;
		if (lb_real_add(&fx.lb, &k, &r))
			return -1;
	}
	return 0;
}

/* The id and generation of backend 10.0.1.@last of the VIP. */
static int backend(__u8 proto, int last, __u16 *gen)
{
	struct xdplb_vip_key k = fx_vip_key(VIP, 80, proto);
	struct xdplb_vip v;
	struct xdplb_real r;
	__be32 a[4] = { htonl(0x0a000100u + last) };
	__u32 id;
	int found;

	if (lb_vip_get(&fx.lb, &k, &v))
		return -1;
	found = lb_real_find(&fx.lb, v.id, a, 2, 0);
	if (found < 0)
		return -1;
	id = found;
	if (bpf_map_lookup_elem(FX_FD(&fx, reals), &id, &r))
		return -1;
	*gen = r.gen;
	return found;
}

static int set_state(__u8 proto, int last, __u8 state)
{
	__u16 gen;
	int id = backend(proto, last, &gen);

	return id < 0 ? id : lb_real_set_state(&fx.lb, id, gen, state);
}

/* Send a TCP segment from CLIENT:@sport; returns the last octet of the backend it went to
 * (DR: the destination MAC is 02:00:00:00:01:<octet>), 0 for a drop, -1 on a failure. */
static int send_tcp(__u16 sport, __u8 flags)
{
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT),
			      .daddr = ipv4_addr(VIP),
			      .sport = sport,
			      .dport = 80,
			      .tcp_flags = flags };
	struct pkt_buf in;
	struct fx_run r;

	pkt_v4_tcp(&in, &s);
	if (fx_run(&fx, &in, fx.lb0, &r))
		return -1;
	if (r.retval == XDP_DROP)
		return 0;
	if (r.retval != XDP_TX || r.out_len < ETH_HLEN)
		return -1;
	return r.out[5];
}

/* Connections counted on backend 10.0.1.@last: established and half-open (a SYN's). */
static __s64 conns(__u8 proto, int last)
{
	struct xdplb_conns c = {};
	__u16 gen;
	int id = backend(proto, last, &gen);

	if (id >= 0)
		lb_read_conns(&fx.lb, id, &c);
	return c.active + c.inactive;
}

static __u64 vip_resched(__u8 proto)
{
	struct xdplb_vip_key k = fx_vip_key(VIP, 80, proto);
	struct xdplb_traffic t = {};
	struct xdplb_vip v;

	if (!lb_vip_get(&fx.lb, &k, &v))
		lb_read_vip_traffic(&fx.lb, v.id, &t);
	return t.resched;
}

/* Flows of the backend that goes down move (counted), new flows never pick it. */
static void case_down_moves(void)
{
	int on[64], moved = 0;

	if (!ASSERT_EQ(setup(IPPROTO_TCP, 2, false, vip_flags), 0, "setup"))
		return;
	for (int i = 0; i < 64; i++) {
		on[i] = send_tcp(20000 + i, PKT_TCP_SYN);
		ASSERT_TRUE(on[i] == 11 || on[i] == 12,
			    WHAT("flow %d to a backend (%d)", i, on[i]));
	}
	if (!ASSERT_TRUE(conns(IPPROTO_TCP, 11) > 0 && conns(IPPROTO_TCP, 12) > 0,
			 "64 flows spread over both backends"))
		return;
	ASSERT_EQ(set_state(IPPROTO_TCP, 11, XDPLB_REAL_DOWN), 0, "10.0.1.11 down");
	for (int i = 0; i < 64; i++) {
		int b = send_tcp(20000 + i, PKT_TCP_ACK);
		int want = (vip_flags & XDPLB_VIP_F_ONDOWN_KEEP) ? on[i] : 12;

		ASSERT_EQ(b, want, WHAT("flow %d after the backend went down", i));
		moved += on[i] == 11;
	}
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(send_tcp(30000 + i, PKT_TCP_SYN), 12, WHAT("new flow %d", i));
	if (vip_flags & XDPLB_VIP_F_ONDOWN_KEEP) {
		ASSERT_EQ(conns(IPPROTO_TCP, 11), moved, "kept flows stay counted on the down one");
		ASSERT_EQ(vip_resched(IPPROTO_TCP), 0, "nothing rescheduled");
	} else {
		ASSERT_EQ(conns(IPPROTO_TCP, 11), 0, "the down backend's flows counted out");
		ASSERT_EQ(conns(IPPROTO_TCP, 12), 128, "all 128 flows on the live backend");
		ASSERT_EQ(vip_resched(IPPROTO_TCP), moved, "each moved flow counted as resched");
	}
	/* back up: rejoins the table (Maglev: it gets its share of new flows again) */
	ASSERT_EQ(set_state(IPPROTO_TCP, 11, XDPLB_REAL_UP), 0, "10.0.1.11 up");
	moved = 0;
	for (int i = 0; i < 64; i++)
		moved += send_tcp(40000 + i, PKT_TCP_SYN) == 11;
	ASSERT_TRUE(moved > 10, WHAT("new flows reach the backend that came back (%d/64)", moved));
}

static void case_down_keeps(void)
{
	vip_flags = XDPLB_VIP_F_ONDOWN_KEEP;
	case_down_moves();
	vip_flags = 0;
}

/* A stale generation (the id went to another backend) is refused. */
static void case_state_gen(void)
{
	__u16 gen;
	int id;

	if (!ASSERT_EQ(setup(IPPROTO_TCP, 1, false, 0), 0, "setup"))
		return;
	id = backend(IPPROTO_TCP, 11, &gen);
	ASSERT_EQ(lb_real_set_state(&fx.lb, id, gen + 1, XDPLB_REAL_DOWN), -ENOENT,
		  "another generation: -ENOENT");
	ASSERT_EQ(send_tcp(1000, PKT_TCP_SYN), 11, "backend still up");
}

/* The sorry server takes new flows only while no backend is up. */
static void case_sorry(void)
{
	if (!ASSERT_EQ(setup(IPPROTO_TCP, 2, true, 0), 0, "setup"))
		return;
	for (int i = 0; i < 32; i++) {
		int b = send_tcp(21000 + i, PKT_TCP_SYN);

		ASSERT_TRUE(b == 11 || b == 12, WHAT("flow %d not on the sorry server (%d)", i, b));
	}
	ASSERT_EQ(set_state(IPPROTO_TCP, 11, XDPLB_REAL_DOWN), 0, "11 down");
	ASSERT_EQ(send_tcp(22000, PKT_TCP_SYN), 12, "one backend left: not the sorry server");
	ASSERT_EQ(set_state(IPPROTO_TCP, 12, XDPLB_REAL_DOWN), 0, "12 down");
	for (int i = 0; i < 16; i++)
		ASSERT_EQ(send_tcp(23000 + i, PKT_TCP_SYN), 14,
			  WHAT("all down: flow %d to sorry", i));
	ASSERT_EQ(send_tcp(21000, PKT_TCP_ACK), 14, "a flow of a down backend moves to sorry");
	ASSERT_EQ(set_state(IPPROTO_TCP, 12, XDPLB_REAL_UP), 0, "12 up");
	ASSERT_EQ(send_tcp(24000, PKT_TCP_SYN), 12, "backend back: new flows leave sorry");
	ASSERT_EQ(send_tcp(23000, PKT_TCP_ACK), 14, "a flow on the sorry server stays there");
}

/* All down, no reject: dropped and counted. */
static void case_alldown_drop(void)
{
	__u64 before;

	if (!ASSERT_EQ(setup(IPPROTO_TCP, 1, false, 0), 0, "setup"))
		return;
	ASSERT_EQ(set_state(IPPROTO_TCP, 11, XDPLB_REAL_DOWN), 0, "down");
	before = fx_reason(&fx, XDPLB_R_DROP_NO_BACKEND);
	ASSERT_EQ(send_tcp(1234, PKT_TCP_SYN), 0, "dropped");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_BACKEND) - before, 1, "drop_no_backend");
}

/* The RST the balancer must send for @in: built field by field (RFC 9293 3.10.7.1). */
static void expect_rst(struct pkt_buf *exp, __u16 sport, __u32 seq, __u32 ack, __u8 flags)
{
	size_t l4;

	pkt_reset(exp);
	pkt_eth(exp, PKT_MAC_SRC, PKT_MAC_DST, ETH_P_IP);
	pkt_ipv4(exp, ipv4_addr(VIP), ipv4_addr(CLIENT), IPPROTO_TCP,
		 &(struct pkt_ip_opt){ .frag_off = PKT_IP_DF, .ttl = 64 });
	l4 = pkt_tcp(exp, 80, sport, seq, ack, flags, NULL, 0);
	pkt_w16(exp->data + l4 + 14, 0); /* window 0 */
	pkt_finish(exp);
}

static void case_reject_tcp(void)
{
	static const char data[] = "GET / HTTP/1.0\r\n\r\n";
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT),
			      .daddr = ipv4_addr(VIP),
			      .sport = 5555,
			      .dport = 80,
			      .seq = 1000,
			      .ack = 777,
			      .tcp_flags = PKT_TCP_SYN,
			      .ip = { .id = 99, .ttl = 50 } };
	struct pkt_buf in, exp;
	struct fx_run r;
	__u64 before;

	if (!ASSERT_EQ(setup(IPPROTO_TCP, 1, false, XDPLB_VIP_F_ALLDOWN_REJECT), 0, "setup"))
		return;
	ASSERT_EQ(set_state(IPPROTO_TCP, 11, XDPLB_REAL_DOWN), 0, "down");
	before = fx_reason(&fx, XDPLB_R_TX_REJECT);

	/* SYN (no ACK): <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> */
	pkt_v4_tcp(&in, &s);
	expect_rst(&exp, 5555, 0, 1001, PKT_TCP_RST | PKT_TCP_ACK);
	if (!fx_run(&fx, &in, fx.lb0, &r)) {
		ASSERT_EQ(r.retval, XDP_REDIRECT, "SYN answered (redirected back)");
		ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "RST,ACK for a SYN");
		ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + 14) && csum_l4_ok(r.out + 14), "checksums");
	}
	/* data with ACK: <SEQ=SEG.ACK><CTL=RST> */
	s.tcp_flags = PKT_TCP_ACK | PKT_TCP_PSH;
	s.payload = data;
	s.payload_len = sizeof(data) - 1;
	pkt_v4_tcp(&in, &s);
	expect_rst(&exp, 5555, 777, 0, PKT_TCP_RST);
	if (!fx_run(&fx, &in, fx.lb0, &r)) {
		ASSERT_EQ(r.retval, XDP_REDIRECT, "data segment answered");
		ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "RST for a segment with ACK");
	}
	/* FIN without ACK and with data: ACK = SEQ + len + 1 */
	s.tcp_flags = PKT_TCP_FIN;
	pkt_v4_tcp(&in, &s);
	expect_rst(&exp, 5555, 0, 1000 + sizeof(data) - 1 + 1, PKT_TCP_RST | PKT_TCP_ACK);
	if (!fx_run(&fx, &in, fx.lb0, &r))
		ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "RST,ACK for FIN+data");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX_REJECT) - before, 3, "tx_reject counted 3 times");

	/* a SYN with 20 bytes of options (as every stack sends): same answer, options gone */
	s.tcp_flags = PKT_TCP_SYN;
	s.payload =
	    (const __u8[20]){ 2, 4, 5, 0xb4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
	s.payload_len = 20;
	pkt_v4_tcp(&in, &s);
	in.data[14 + 20 + 12] = 10 << 4; /* data offset 10: the "payload" is options */
	pkt_finish(&in);
	expect_rst(&exp, 5555, 0, 1001, PKT_TCP_RST | PKT_TCP_ACK);
	if (!fx_run(&fx, &in, fx.lb0, &r))
		ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "RST,ACK for a SYN with options");

	/* a RST is never answered */
	s.tcp_flags = PKT_TCP_RST;
	s.payload_len = 0;
	pkt_v4_tcp(&in, &s);
	before = fx_reason(&fx, XDPLB_R_DROP_NO_BACKEND);
	if (!fx_run(&fx, &in, fx.lb0, &r))
		ASSERT_EQ(r.retval, XDP_DROP, "RST dropped");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_BACKEND) - before, 1, "as drop_no_backend");

	/* up again: served, not rejected */
	ASSERT_EQ(set_state(IPPROTO_TCP, 11, XDPLB_REAL_UP), 0, "up");
	ASSERT_EQ(send_tcp(5556, PKT_TCP_SYN), 11, "served once a backend is up");
}

/* ICMP port unreachable quoting the IP header and 8 bytes (RFC 792, RFC 1122 3.2.2). */
static void expect_icmp(struct pkt_buf *exp, const struct pkt_buf *in)
{
	size_t l3 = pkt_l3_off(in), ip, icmp;

	pkt_reset(exp);
	pkt_eth(exp, PKT_MAC_SRC, PKT_MAC_DST, ETH_P_IP);
	ip = pkt_ipv4(exp, ipv4_addr(VIP), ipv4_addr(CLIENT), 1, &(struct pkt_ip_opt){ .ttl = 64 });
	icmp = exp->len;
	pkt_put(exp, (const __u8[]){ 3, 3, 0, 0, 0, 0, 0, 0 }, 8);
	pkt_put(exp, in->data + l3, 28);
	pkt_w16(exp->data + icmp + 2, pkt_csum_fold(pkt_csum_add(0, exp->data + icmp, 36)));
	pkt_ipv4_fix_hdr(exp, ip, exp->len - ip);
	pkt_tag_as(exp, in); /* back out of the interface it came in on, on its VLAN */
}

static void case_reject_udp(void)
{
	static const char q[] = "a DNS question, or anything";
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT),
			      .daddr = ipv4_addr(VIP),
			      .sport = 5353,
			      .dport = 80,
			      .payload = q,
			      .payload_len = sizeof(q) - 1,
			      .ip = { .id = 7, .ttl = 33 } };
	struct pkt_buf in, exp;
	struct fx_run r;

	if (!ASSERT_EQ(setup(IPPROTO_UDP, 1, false, XDPLB_VIP_F_ALLDOWN_REJECT), 0, "setup"))
		return;
	ASSERT_EQ(set_state(IPPROTO_UDP, 11, XDPLB_REAL_DOWN), 0, "down");
	for (int vlan = 0; vlan < 2; vlan++) {
		s.vlan = vlan;
		s.vid = 12;
		pkt_v4_udp(&in, &s);
		expect_icmp(&exp, &in);
		if (fx_run(&fx, &in, fx.lb0, &r))
			continue;
		ASSERT_EQ(r.retval, XDP_REDIRECT, vlan ? "tagged datagram answered" : "answered");
		ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len,
			     vlan ? "ICMP port unreachable (tag kept)" : "ICMP port unreachable");
		ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + fx_out_l3(&r)), "IP checksum");
		ASSERT_EQ(pkt_csum_fold(pkt_csum_add(0, r.out + fx_out_l3(&r) + 20,
						     r.out_len - fx_out_l3(&r) - 20)),
			  0, "ICMP checksum");
	}
	(void)router_mac;
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("down: flows move (counted out, resched), new flows skip it, up rejoins",
		 case_down_moves);
	RUN_CASE("down with ondown keep: flows stay, new flows skip it", case_down_keeps);
	RUN_CASE("set_state with a stale generation is refused", case_state_gen);
	RUN_CASE("sorry server only while no backend is up", case_sorry);
	RUN_CASE("all down, default: dropped and counted", case_alldown_drop);
	RUN_CASE("all down, reject: TCP RST by RFC 9293 rules, RST not answered", case_reject_tcp);
	RUN_CASE("all down, reject: UDP gets ICMP port unreachable (with and without VLAN)",
		 case_reject_udp);
	return TEST_MAIN_END();
}
