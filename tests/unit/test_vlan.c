// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the VLAN policy (xdplb(8), PACKET POLICIES): a frame that came
 * in with an 802.1Q or 802.1ad tag and leaves by the interface it came in on (XDP_TX, and
 * every answer to the sender) keeps the tag, TPID and TCI (priority bits included) as they
 * came; one redirected to another interface leaves untagged; one handed to the kernel keeps
 * it, as it came.  Every mode (TUN, DR, NAT both ways) and every answer the balancer builds
 * (RST, port unreachable, packet too big).  Expected frames are built independently (pkt.h),
 * checksums recomputed there and verified on the output at the tagged offset.
 */
#include "fixture.h"

static struct fixture fx;

#define CLIENT	   "192.0.2.1"	    /* via the router on lb1 */
#define CLIENT_L0  "198.51.100.7"   /* via a router on lb0 (added below) */
#define CLIENT6	   "2001:db8:c::1"  /* via the router on lb1 */
#define VIP_NAT	   "10.0.0.80"	    /* tcp :80 -> 10.0.1.11:8080 (lb0) */
#define VIP_TUN	   "10.0.0.10"	    /* tcp :80 -> 10.0.1.12 (lb0) */
#define VIP_TUN_L1 "10.0.0.11"	    /* tcp :80 -> 10.0.3.21 (lb1: redirect) */
#define VIP_TUN_NN "10.0.0.13"	    /* tcp :80 -> 10.0.1.99 (no neighbour) */
#define VIP_4IN6   "10.0.0.12"	    /* tcp :80 -> fd00:1::13 (lb0) */
#define VIP_TUN6   "2001:db8:f::10" /* tcp :80 -> fd00:1::12 (lb0) */
#define VIP_DR_L1  "10.0.0.60"	    /* tcp :80 -> 10.0.3.21 (lb1: redirect) */
#define VIP_REJ	   "10.0.0.90"	    /* tcp and udp :80, no backend, alldown reject */
#define VIP_REJ6   "2001:db8:f::90" /* udp :80, the same */
#define VIP_MTU6   "2001:db8:f::20" /* tcp :80 -> fd00:2::11 (lb2, MTU 1300), DR */

static const __u8 router0_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x01, 0xfe };

/* Give the tagged frame @b the tag @tpid / @tci (pkt_vlan() writes 802.1Q, priority 0). */
static void set_tag(struct pkt_buf *b, __u16 tpid, __u16 tci)
{
	pkt_w16(b->data + 12, tpid);
	pkt_w16(b->data + 14, tci);
}

/* The tag of the output frame is @in's, byte for byte. */
static void assert_tag_of(const struct fx_run *r, const struct pkt_buf *in, const char *what)
{
	if (ASSERT_TRUE(r->out_len >= ETH_HLEN + 4 && fx_out_l3(r) == ETH_HLEN + 4, what))
		ASSERT_BYTES(r->out + 12, 4, in->data + 12, 4, what);
}

/* Run @in on lb0: @verdict and exactly @exp; the IPv4 header and TCP/UDP checksums of the
 * output, found behind its tag if it has one, verified here (IPv4 only: @l4 when the packet
 * is whole TCP/UDP). */
static bool run_expect(const struct pkt_buf *in, int verdict, const struct pkt_buf *exp, bool l4,
		       const char *what)
{
	struct fx_run r;

	if (fx_run(&fx, in, fx.lb0, &r) || !ASSERT_EQ(r.retval, verdict, what))
		return false;
	ASSERT_BYTES(r.out, r.out_len, exp->data, exp->len, what);
	if (pkt_l3_type(exp) == ETH_P_IP) {
		ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + fx_out_l3(&r)), "ipv4 header checksum");
		if (l4)
			ASSERT_TRUE(csum_l4_ok(r.out + fx_out_l3(&r)), "tcp/udp checksum");
	}
	return !case_failed;
}

static struct pkt_spec tcp4(const char *src, const char *dst, __u16 sport, __u16 dport, __u8 flags)
{
	return (
	    struct pkt_spec){ .saddr = ipv4_addr(src),
			      .daddr = ipv4_addr(dst),
			      .sport = sport,
			      .dport = dport,
			      .seq = 1000,
			      .ack = 2000,
			      .tcp_flags = flags,
			      .payload = "0123456789",
			      .payload_len = 10,
			      .vlan = true,
			      .vid = 100,
			      .ip = { .id = 77, .frag_off = PKT_IP_DF, .ttl = 60, .tos = 0x28 } };
}

/* NAT both ways: to a backend on lb0 (XDP_TX) tagged; the reply to a client behind lb1
 * (redirect) untagged, to one behind lb0 (XDP_TX) tagged.  Translated, one hop less, every
 * checksum recomputed. */
static void case_nat(void)
{
	struct pkt_spec s = tcp4(CLIENT, VIP_NAT, 40000, 80, PKT_TCP_SYN);
	struct pkt_buf in, exp;

	pkt_v4_tcp(&in, &s);
	set_tag(&in, ETH_P_8021Q, 0xa064); /* priority 5, vid 100 */
	s.daddr = ipv4_addr("10.0.1.11");
	s.dport = 8080;
	s.dmac = (const __u8[ETH_ALEN]){ 0x02, 0, 0, 0, 0x01, 0x0b };
	s.smac = fx_lb0_mac;
	pkt_v4_tcp(&exp, &s);
	set_tag(&exp, ETH_P_8021Q, 0xa064);
	pkt_ttl_dec(&exp);
	run_expect(&in, XDP_TX, &exp, true, "nat forward out of lb0: tag and priority kept");

	/* backend:8080 -> client, tagged on lb0; the client is behind lb1 */
	s = tcp4("10.0.1.11", CLIENT, 8080, 40000, PKT_TCP_SYN | PKT_TCP_ACK);
	pkt_v4_tcp(&in, &s);
	s.saddr = ipv4_addr(VIP_NAT);
	s.sport = 80;
	s.vlan = false;
	s.dmac = fx_router_mac;
	s.smac = fx_lb1_mac;
	pkt_v4_tcp(&exp, &s);
	pkt_ttl_dec(&exp);
	run_expect(&in, XDP_REDIRECT, &exp, true, "nat reply redirected to lb1: untagged");

	/* a client behind lb0: forward and reply both leave by lb0, tagged */
	s = tcp4(CLIENT_L0, VIP_NAT, 40001, 80, PKT_TCP_SYN);
	s.vid = 200;
	pkt_v4_tcp(&in, &s);
	s.daddr = ipv4_addr("10.0.1.11");
	s.dport = 8080;
	s.dmac = (const __u8[ETH_ALEN]){ 0x02, 0, 0, 0, 0x01, 0x0b };
	s.smac = fx_lb0_mac;
	pkt_v4_tcp(&exp, &s);
	pkt_ttl_dec(&exp);
	if (!run_expect(&in, XDP_TX, &exp, true, "nat forward, client behind lb0"))
		return;
	s = tcp4("10.0.1.11", CLIENT_L0, 8080, 40001, PKT_TCP_SYN | PKT_TCP_ACK);
	s.vid = 200;
	pkt_v4_tcp(&in, &s);
	s.saddr = ipv4_addr(VIP_NAT);
	s.sport = 80;
	s.dmac = router0_mac;
	s.smac = fx_lb0_mac;
	pkt_v4_tcp(&exp, &s);
	pkt_ttl_dec(&exp);
	run_expect(&in, XDP_TX, &exp, true, "nat reply out of lb0: tag kept");
}

/* TUN: IPv4-in-IPv4 out of lb0 with an 802.1ad tag kept as it came (TPID 0x88a8), its
 * EtherType IPv4; to a backend behind lb1 untagged; IPv6-in-IPv6 and IPv4-in-IPv6 out of
 * lb0 tagged, the EtherType behind the tag IPv6. */
static void case_tun(void)
{
	const char *const be[] = { "10.0.1.12" }, *const be_l1[] = { "10.0.3.21" };
	const char *const be6[] = { "fd00:1::12" }, *const be46[] = { "fd00:1::13" };
	struct pkt_spec s = tcp4(CLIENT, VIP_TUN, 40010, 80, PKT_TCP_ACK);
	struct fx_run r;
	struct pkt_buf in;
	__u32 label;

	pkt_v4_tcp(&in, &s);
	set_tag(&in, ETH_P_8021AD, 0x3fff); /* priority 1, DEI, vid 4095 */
	if (fx_expect_tun_to(&fx, &in, XDP_TX, be, 1, NULL, "ipip out of lb0: 802.1ad tag kept") >=
	    0) {
		fx_run(&fx, &in, fx.lb0, &r);
		assert_tag_of(&r, &in, "the output's tag is the input's");
		ASSERT_EQ(pkt_r16(r.out + 16), ETH_P_IP, "ipv4 behind the tag");
		ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + 18), "outer ipv4 checksum");
		ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + 38) && csum_l4_ok(r.out + 38),
			    "inner packet's checksums");
	}

	s = tcp4(CLIENT, VIP_TUN_L1, 40011, 80, PKT_TCP_ACK);
	pkt_v4_tcp(&in, &s);
	if (fx_expect_tun_to(&fx, &in, XDP_REDIRECT, be_l1, 1, NULL,
			     "ipip redirected to lb1: untagged") >= 0) {
		fx_run(&fx, &in, fx.lb0, &r);
		ASSERT_EQ(pkt_r16(r.out + 12), ETH_P_IP, "no tag out of lb1");
	}

	s = (struct pkt_spec){ .saddr6 = ipv6_addr(CLIENT6),
			       .daddr6 = ipv6_addr(VIP_TUN6),
			       .sport = 40012,
			       .dport = 80,
			       .tcp_flags = PKT_TCP_SYN,
			       .vlan = true,
			       .vid = 6,
			       .ip = { .tos = 0xb8 } };
	pkt_v6_tcp(&in, &s);
	if (fx_expect_tun_to(&fx, &in, XDP_TX, be6, 1, &label, "ip6ip6 out of lb0: tag kept") >=
	    0) {
		fx_run(&fx, &in, fx.lb0, &r);
		assert_tag_of(&r, &in, "the output's tag is the input's");
		ASSERT_TRUE(csum_l4_ok(r.out + 18 + 40), "inner tcp checksum");
	}

	s = tcp4(CLIENT, VIP_4IN6, 40013, 80, PKT_TCP_SYN);
	pkt_v4_tcp(&in, &s);
	if (fx_expect_tun_to(&fx, &in, XDP_TX, be46, 1, &label, "ipv4 in ipv6 out of lb0") >= 0) {
		fx_run(&fx, &in, fx.lb0, &r);
		assert_tag_of(&r, &in, "the output's tag is the input's");
		ASSERT_EQ(pkt_r16(r.out + 16), ETH_P_IPV6, "ipv6 behind the tag (ipv4 came)");
	}
}

/* A TUN packet whose backend's neighbour is not known goes to the kernel encapsulated, with
 * the MACs and the tag it came with (as a packet passed untouched keeps them). */
static void case_tun_kernel(void)
{
	struct pkt_spec s = tcp4(CLIENT, VIP_TUN_NN, 40020, 80, PKT_TCP_SYN);
	struct pkt_buf in, exp;
	__u64 c0 = fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH);

	pkt_v4_tcp(&in, &s);
	pkt_ipip_wrap(
	    &exp, &in, ipv4_addr(FX_TUNSRC), ipv4_addr("10.0.1.99"),
	    &(struct pkt_ip_opt){ .tos = 0x28, .ttl = 64, .id = 77, .frag_off = PKT_IP_DF });
	run_expect(&in, XDP_PASS, &exp, false, "ipip to the kernel: tag and MACs as they came");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH) - c0, 1, "pass_no_neigh +1");
}

/* DR to a backend behind another interface: only the MACs change, and the tag goes. */
static void case_dr_redirect(void)
{
	struct pkt_spec s = tcp4(CLIENT, VIP_DR_L1, 40030, 80, PKT_TCP_SYN);
	struct pkt_buf in, exp;

	pkt_v4_tcp(&in, &s);
	s.vlan = false;
	s.dmac = (const __u8[ETH_ALEN]){ 0x02, 0, 0, 0, 0x03, 0x15 };
	s.smac = fx_lb1_mac;
	pkt_v4_tcp(&exp, &s);
	run_expect(&in, XDP_REDIRECT, &exp, true, "dr redirected to lb1: untagged");
}

/* An ICMP error the balancer sends about @in (arriving on lb0, tagged): MACs swapped, @in's
 * tag, from the packet's destination to its source, TTL 64, @type/@code/@rest, quoting the
 * first 28 (IPv4) or 48 (IPv6) bytes of @in's IP packet. */
static void icmp_answer(struct pkt_buf *exp, const struct pkt_buf *in, __u8 type, __u8 code,
			__u32 rest)
{
	const unsigned char *ih = in->data + pkt_l3_off(in);

	pkt_reset(exp);
	pkt_eth(exp, in->data + 6, in->data, ETH_P_8021Q);
	if ((ih[0] >> 4) == 6) {
		struct in6_addr src, dst;

		memcpy(&src, ih + 24, 16);
		memcpy(&dst, ih + 8, 16);
		pkt_vlan(exp, 0, ETH_P_IPV6);
		pkt_ipv6(exp, &src, &dst, IPPROTO_ICMPV6, &(struct pkt_ip_opt){ .ttl = 64 });
		pkt_icmp(exp, type, code, rest, ih, 48);
	} else {
		__be32 src, dst;

		memcpy(&src, ih + 16, 4);
		memcpy(&dst, ih + 12, 4);
		pkt_vlan(exp, 0, ETH_P_IP);
		pkt_ipv4(exp, src, dst, IPPROTO_ICMP, &(struct pkt_ip_opt){ .ttl = 64 });
		pkt_icmp(exp, type, code, rest, ih, 28);
	}
	pkt_finish(exp);
	memcpy(exp->data + 12, in->data + 12, 4); /* the tag as it came */
}

/* The answers to the sender: RST, ICMP and ICMPv6 port unreachable, packet too big (IPv6,
 * towards a backend behind lb2's MTU of 1300): all back out of lb0 with the tag. */
static void case_answers(void)
{
	static unsigned char big[1400];
	struct pkt_spec s = tcp4(CLIENT, VIP_REJ, 40040, 80, PKT_TCP_SYN);
	struct pkt_buf in, exp;
	struct fx_run r;
	size_t l4;

	/* RST for a SYN: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> (reject.h); no payload */
	s.payload_len = 0;
	pkt_v4_tcp(&in, &s);
	set_tag(&in, ETH_P_8021Q, 0xe07b); /* priority 7, vid 123 */
	pkt_reset(&exp);
	pkt_eth(&exp, PKT_MAC_SRC, PKT_MAC_DST, ETH_P_8021Q);
	pkt_vlan(&exp, 0, ETH_P_IP);
	pkt_ipv4(&exp, ipv4_addr(VIP_REJ), ipv4_addr(CLIENT), IPPROTO_TCP,
		 &(struct pkt_ip_opt){ .frag_off = PKT_IP_DF, .ttl = 64 });
	l4 = pkt_tcp(&exp, 80, 40040, 0, 1001, PKT_TCP_RST | PKT_TCP_ACK, NULL, 0);
	pkt_w16(exp.data + l4 + 14, 0); /* window 0 */
	pkt_finish(&exp);
	set_tag(&exp, ETH_P_8021Q, 0xe07b);
	run_expect(&in, XDP_REDIRECT, &exp, true, "rst: tag kept");

	s.payload_len = 10;
	pkt_v4_udp(&in, &s);
	icmp_answer(&exp, &in, 3, 3, 0);
	if (run_expect(&in, XDP_REDIRECT, &exp, false, "port unreachable: tag kept")) {
		fx_run(&fx, &in, fx.lb0, &r);
		ASSERT_TRUE(csum_icmp_ok(r.out + 18), "icmp checksum");
	}

	s = (struct pkt_spec){ .saddr6 = ipv6_addr(CLIENT6),
			       .daddr6 = ipv6_addr(VIP_REJ6),
			       .sport = 40041,
			       .dport = 80,
			       .payload = "a datagram",
			       .payload_len = 10,
			       .vlan = true,
			       .vid = 9 };
	pkt_v6_udp(&in, &s);
	icmp_answer(&exp, &in, 1, 4, 0);
	if (run_expect(&in, XDP_REDIRECT, &exp, false, "icmpv6 port unreachable: tag kept")) {
		fx_run(&fx, &in, fx.lb0, &r);
		ASSERT_TRUE(csum_icmp_ok(r.out + 18), "icmpv6 checksum (pseudo-header)");
	}

	s = (struct pkt_spec){ .saddr6 = ipv6_addr(CLIENT6),
			       .daddr6 = ipv6_addr(VIP_MTU6),
			       .sport = 40042,
			       .dport = 80,
			       .tcp_flags = PKT_TCP_ACK,
			       .payload = big,
			       .payload_len = sizeof(big) - 60,
			       .vlan = true,
			       .vid = 10 };
	pkt_v6_tcp(&in, &s);
	set_tag(&in, ETH_P_8021AD, 0x200a);
	icmp_answer(&exp, &in, 2, 0, 1300);
	if (run_expect(&in, XDP_REDIRECT, &exp, false, "packet too big: 802.1ad tag kept")) {
		fx_run(&fx, &in, fx.lb0, &r);
		ASSERT_TRUE(csum_icmp_ok(r.out + 18), "icmpv6 checksum (pseudo-header)");
	}
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (sandbox_sh("ip neigh replace 10.0.1.254 lladdr 02:00:00:00:01:fe nud permanent dev "
		       "lb0 && ip route add 198.51.100.0/24 via 10.0.1.254") ||
	    fx_vip_be(&fx, VIP_NAT, IPPROTO_TCP, XDPLB_MODE_NAT, "10.0.1.11", 8080, 0) ||
	    fx_vip_be(&fx, VIP_TUN, IPPROTO_TCP, XDPLB_MODE_TUN, "10.0.1.12", 0, 0) ||
	    fx_vip_be(&fx, VIP_TUN_L1, IPPROTO_TCP, XDPLB_MODE_TUN, "10.0.3.21", 0, 0) ||
	    fx_vip_be(&fx, VIP_TUN_NN, IPPROTO_TCP, XDPLB_MODE_TUN, "10.0.1.99", 0, 0) ||
	    fx_vip_be(&fx, VIP_4IN6, IPPROTO_TCP, XDPLB_MODE_TUN, "fd00:1::13", 0, 0) ||
	    fx_vip_be(&fx, VIP_TUN6, IPPROTO_TCP, XDPLB_MODE_TUN, "fd00:1::12", 0, 0) ||
	    fx_vip_be(&fx, VIP_DR_L1, IPPROTO_TCP, XDPLB_MODE_DR, "10.0.3.21", 0, 0) ||
	    fx_vip_be(&fx, VIP_REJ, IPPROTO_TCP, XDPLB_MODE_TUN, NULL, 0,
		      XDPLB_VIP_F_ALLDOWN_REJECT) ||
	    fx_vip_be(&fx, VIP_REJ, IPPROTO_UDP, XDPLB_MODE_TUN, NULL, 0,
		      XDPLB_VIP_F_ALLDOWN_REJECT) ||
	    fx_vip_be(&fx, VIP_REJ6, IPPROTO_UDP, XDPLB_MODE_TUN, NULL, 0,
		      XDPLB_VIP_F_ALLDOWN_REJECT) ||
	    fx_vip_be(&fx, VIP_MTU6, IPPROTO_TCP, XDPLB_MODE_DR, "fd00:2::11", 0, 0)) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("nat: tag kept out of the ingress interface, both ways; none on a redirect",
		 case_nat);
	RUN_CASE("tun: ipip, ip6ip6, ipv4 in ipv6 keep the tag out of lb0, none out of lb1",
		 case_tun);
	RUN_CASE("tun: to the kernel (no neighbour) with the tag it came with", case_tun_kernel);
	RUN_CASE("dr: redirected to another interface, untagged", case_dr_redirect);
	RUN_CASE("answers (rst, port unreachable, packet too big) keep the tag", case_answers);
	return TEST_MAIN_END();
}
