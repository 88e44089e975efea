// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the packet policies about who sent a packet and whether it
 * arrived intact (xdplb(8), PACKET POLICIES):
 * - a VIP's packet (a forward, an alldown answer, an echo request, an ICMP error about a
 *   VIP's flow, a NAT reply) that came to a broadcast or multicast MAC goes to the kernel
 *   untouched, counted pass_l2_multicast (RFC 1812 5.3.4, RFC 1122 3.3.6); other traffic to
 *   such a MAC keeps its reason (ARP: pass_not_ip);
 * - a frame from a broadcast or multicast MAC is dropped, whatever it carries, counted
 *   drop_malformed_l2 (IEEE 802: no group source);
 * - a VIP's packet from a source no single host has (0/8, 127/8, 224/4, 240/4,
 *   255.255.255.255, ::, ::1, ff00::/8) is dropped, counted drop_martian (RFC 1812 5.3.7);
 * - before answering (RST, port unreachable, echo reply) the balancer verifies the IPv4
 *   header checksum and the TCP/UDP/ICMP checksum (an IPv4 UDP checksum 0 is none); before
 *   fragmentation needed, the IPv4 header checksum only (a router's answer); a packet that
 *   fails is dropped, untouched, counted drop_bad_csum.  A forward is not checked;
 * - an all-zero echo request is answered with checksum 0xffff (0x0000 does not verify).
 * Checksums are corrupted by hand on frames pkt.h built right; outputs are verified with
 * pkt.h's own checksum code.
 */
#include "fixture.h"

static struct fixture fx;

#define CLIENT	"192.0.2.1"	 /* via the router on lb1 */
#define CLIENT6 "2001:db8:c::1"	 /* via the router on lb1 */
#define VIP_TUN "10.0.0.70"	 /* tcp :80 -> 10.0.1.11 (lb0) */
#define VIP_NAT "10.0.0.72"	 /* tcp :80 -> 10.0.1.12:8080 (lb0) */
#define VIP_REJ "10.0.0.90"	 /* tcp and udp :80, no backend, alldown reject */
#define VIP_BIG "10.0.0.40"	 /* tcp :80 -> 10.0.2.11 (lb2, MTU 1300), TUN */
#define VIP6	"2001:db8:f::10" /* tcp :80 -> fd00:1::12 (lb0) */
#define VIP6REJ "2001:db8:f::90" /* tcp and udp :80, no backend, alldown reject */
#define NAT_BE	"10.0.1.12"

static const __u8 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const __u8 mcast4[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const __u8 mcast6[ETH_ALEN] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

static char big[1401]; /* odd: the last byte is summed alone */

/* A TCP or UDP frame @src:@sport -> @dst:80 from @smac to @dmac (NULL: the defaults), DF,
 * with @len bytes of payload. */
static void frame(struct pkt_buf *b, __u8 proto, const char *src, const char *dst, __u16 sport,
		  __u8 flags, const __u8 *dmac, const __u8 *smac, size_t len)
{
	struct pkt_spec s = { .dmac = dmac,
			      .smac = smac,
			      .sport = sport,
			      .dport = 80,
			      .seq = 1000,
			      .ack = 2000,
			      .tcp_flags = flags,
			      .payload = big,
			      .payload_len = len,
			      .ip = { .frag_off = PKT_IP_DF } };

	pkt_build_addrs(b, &s, proto, src, dst);
}

/* An echo request @src -> @dst (identifier 0x1234, sequence 7, 37 bytes of data). */
static void echo_req(struct pkt_buf *b, const char *src, const char *dst, const __u8 *dmac)
{
	bool v6 = strchr(dst, ':');

	pkt_reset(b);
	pkt_eth(b, dmac, NULL, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6) {
		struct in6_addr f = ipv6_addr(src), t = ipv6_addr(dst);

		pkt_ipv6(b, &f, &t, IPPROTO_ICMPV6, &(struct pkt_ip_opt){ .ttl = 55 });
		pkt_icmp(b, 128, 0, 0x1234 << 16 | 7, big, 37);
	} else {
		pkt_ipv4(b, ipv4_addr(src), ipv4_addr(dst), IPPROTO_ICMP,
			 &(struct pkt_ip_opt){ .ttl = 55 });
		pkt_icmp(b, 8, 0, 0x1234 << 16 | 7, big, 37);
	}
	pkt_finish(b);
}

/* Fragmentation needed from @router to @vip about what @vip:80 sent @client:40000. */
static void frag_needed(struct pkt_buf *b, const char *router, const char *vip, const char *client,
			const __u8 *dmac)
{
	struct pkt_buf q;
	size_t l3;

	frame(&q, IPPROTO_TCP, vip, client, 80, PKT_TCP_ACK, NULL, NULL, 0);
	/* the quoted segment went from vip:80 to client:40000 */
	l3 = pkt_l3_off(&q);
	pkt_w16(q.data + l3 + 20, 80);
	pkt_w16(q.data + l3 + 22, 40000);
	pkt_reset(b);
	pkt_eth(b, dmac, NULL, ETH_P_IP);
	pkt_ipv4(b, ipv4_addr(router), ipv4_addr(vip), IPPROTO_ICMP, NULL);
	pkt_icmp(b, 3, 4, 1200, q.data + l3, 28);
	pkt_finish(b);
}

/* Run @in on lb0: its verdict, with reason @reason's increase in *@d. */
static int run(const struct pkt_buf *in, int reason, __u64 *d, struct fx_run *r)
{
	__u64 c0 = fx_reason(&fx, reason);

	if (fx_run(&fx, in, fx.lb0, r))
		return -1;
	*d = fx_reason(&fx, reason) - c0;
	return r->retval;
}

/* @in is forwarded or answered (TX or REDIRECT). */
static void expect_sent(const struct pkt_buf *in, const char *what)
{
	struct fx_run r;
	__u64 d;
	int v = run(in, XDPLB_R_TX, &d, &r);

	ASSERT_TRUE(v == XDP_TX || v == XDP_REDIRECT, what);
}

static void case_l2_group_dst(void)
{
	const __u8 *macs[] = { bcast, mcast4 };
	struct pkt_buf in;
	struct fx_run r;
	__u64 d;

	for (int i = 0; i < 2; i++) {
		frame(&in, IPPROTO_TCP, CLIENT, VIP_TUN, 41000, PKT_TCP_SYN, macs[i], NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST,
				    "vip forward to a group mac: to the kernel, untouched");
		frame(&in, IPPROTO_TCP, CLIENT, VIP_REJ, 41001, PKT_TCP_SYN, macs[i], NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST,
				    "alldown reject, tcp: no rst");
		frame(&in, IPPROTO_UDP, CLIENT, VIP_REJ, 41002, 0, macs[i], NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST,
				    "alldown reject, udp: no port unreachable");
		echo_req(&in, CLIENT, VIP_TUN, macs[i]);
		fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST,
				    "echo request: no reply");
		frag_needed(&in, "192.0.2.254", VIP_TUN, CLIENT, macs[i]);
		fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST,
				    "icmp error about a vip flow: not forwarded");
	}
	frame(&in, IPPROTO_TCP, CLIENT6, VIP6, 41003, PKT_TCP_SYN, mcast6, NULL, 10);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST, "ipv6 forward");
	frame(&in, IPPROTO_UDP, CLIENT6, VIP6REJ, 41004, 0, mcast6, NULL, 10);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST,
			    "ipv6 alldown reject: no port unreachable");
	echo_req(&in, CLIENT6, VIP6, mcast6);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST, "icmpv6 echo request");

	/* a NAT reply: its flow first, then the backend's answer to a group MAC */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_NAT, 41005, PKT_TCP_SYN, NULL, NULL, 0);
	ASSERT_EQ(run(&in, XDPLB_R_TX, &d, &r), XDP_TX, "nat flow forwarded");
	frame(&in, IPPROTO_TCP, NAT_BE, CLIENT, 8080, PKT_TCP_ACK, bcast, NULL, 0);
	pkt_w16(in.data + 14 + 22, 41005);
	pkt_finish(&in);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_L2_MULTICAST,
			    "nat reply to a group mac: not translated");
	pkt_set_eth(&in, PKT_MAC_DST, PKT_MAC_SRC);
	expect_sent(&in, "... the same reply to the balancer's mac: translated");

	/* the controls: unicast is forwarded; what is no VIP's keeps its reason */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_TUN, 41006, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "vip forward to the balancer's mac");
	frame(&in, IPPROTO_TCP, CLIENT, "10.0.0.99", 41007, PKT_TCP_SYN, bcast, NULL, 10);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "no vip's: pass_not_vip");
	pkt_reset(&in);
	pkt_eth(&in, bcast, NULL, ETH_P_ARP);
	pkt_arp(&in, 1, PKT_MAC_SRC, ipv4_addr(CLIENT), (const __u8[ETH_ALEN]){ 0 },
		ipv4_addr(VIP_TUN));
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_IP, "arp request: pass_not_ip");
}

static void case_l2_group_src(void)
{
	struct pkt_buf in;

	frame(&in, IPPROTO_TCP, CLIENT, VIP_TUN, 42000, PKT_TCP_SYN, NULL, mcast4, 10);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L2,
			    "multicast source mac, vip forward: dropped");
	frame(&in, IPPROTO_TCP, CLIENT, VIP_REJ, 42001, PKT_TCP_SYN, NULL, bcast, 10);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L2,
			    "broadcast source mac, alldown reject: dropped, no rst");
	frame(&in, IPPROTO_TCP, CLIENT6, VIP6, 42002, PKT_TCP_SYN, NULL, mcast6, 10);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L2, "ipv6: dropped");
	frame(&in, IPPROTO_TCP, CLIENT, "10.0.0.99", 42003, PKT_TCP_SYN, NULL, mcast4, 10);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L2,
			    "no vip's: dropped too (an invalid frame)");
	echo_req(&in, CLIENT, VIP_TUN, NULL);
	memcpy(in.data + 6, bcast, ETH_ALEN);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L2, "echo request");
}

static void case_martian(void)
{
	static const char *const bad4[] = { "0.0.0.0",	      "0.1.2.3",     "127.0.0.1",
					    "224.0.0.1",      "239.255.0.1", "240.0.0.1",
					    "255.255.255.255" };
	static const char *const bad6[] = { "::", "::1", "ff02::1", "ff0e::abcd" };
	struct pkt_buf in;

	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		frame(&in, IPPROTO_TCP, bad4[i], VIP_TUN, 43000, PKT_TCP_SYN, NULL, NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN, bad4[i]);
		frame(&in, IPPROTO_TCP, bad4[i], VIP_REJ, 43001, PKT_TCP_SYN, NULL, NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN, "... no rst");
		frame(&in, IPPROTO_UDP, bad4[i], VIP_REJ, 43002, 0, NULL, NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN,
				    "... no port unreachable");
		echo_req(&in, bad4[i], VIP_TUN, NULL);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN, "... no echo reply");
		frag_needed(&in, bad4[i], VIP_TUN, CLIENT, NULL);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN,
				    "... icmp error not forwarded");
	}
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		frame(&in, IPPROTO_TCP, bad6[i], VIP6, 43003, PKT_TCP_SYN, NULL, NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN, bad6[i]);
		frame(&in, IPPROTO_UDP, bad6[i], VIP6REJ, 43004, 0, NULL, NULL, 10);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN,
				    "... no port unreachable");
		echo_req(&in, bad6[i], VIP6, NULL);
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MARTIAN, "... no echo reply");
	}
	/* the edges that are sources */
	frame(&in, IPPROTO_TCP, "1.0.0.1", VIP_TUN, 43005, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "1.0.0.1 forwarded");
	frame(&in, IPPROTO_TCP, "223.255.255.254", VIP_TUN, 43006, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "223.255.255.254 forwarded");
	frame(&in, IPPROTO_TCP, "128.0.0.1", VIP_TUN, 43007, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "128.0.0.1 forwarded");
	frame(&in, IPPROTO_TCP, "::2", VIP6, 43008, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "::2 forwarded");
	frame(&in, IPPROTO_TCP, "fe00::1", VIP6, 43009, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "fe00::1 forwarded");
	/* what is no VIP's is the kernel's, whatever its source */
	frame(&in, IPPROTO_TCP, "127.0.0.1", "10.0.0.99", 43010, PKT_TCP_SYN, NULL, NULL, 10);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "no vip's: pass_not_vip");
}

/* The IPv4 header checksum of @b made wrong. */
static void bad_ip_csum(struct pkt_buf *b)
{
	b->data[pkt_l3_off(b) + 10] ^= 0x40;
}

/* The last byte of @b changed: its TCP/UDP/ICMP checksum no longer verifies. */
static void bad_l4_csum(struct pkt_buf *b)
{
	b->data[b->len - 1] ^= 0x01;
}

static void case_answer_csum(void)
{
	struct pkt_buf in;
	struct fx_run r;
	__u64 d;

	/* RST */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_REJ, 44000, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "a syn to alldown reject: rst");
	bad_ip_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM,
			    "bad ip header checksum: no rst");
	frame(&in, IPPROTO_TCP, CLIENT, VIP_REJ, 44001, PKT_TCP_SYN, NULL, NULL, 10);
	bad_l4_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM, "bad tcp checksum: no rst");
	frame(&in, IPPROTO_TCP, CLIENT6, VIP6REJ, 44002, PKT_TCP_SYN, NULL, NULL, 10);
	expect_sent(&in, "ipv6 syn: rst");
	bad_l4_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM,
			    "ipv6 bad tcp checksum: no rst");

	/* port unreachable; long and odd, to sum chunks, halves and a last byte */
	frame(&in, IPPROTO_UDP, CLIENT, VIP_REJ, 44003, 0, NULL, NULL, sizeof(big));
	expect_sent(&in, "1401 bytes of udp: port unreachable");
	bad_l4_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM,
			    "its last byte changed: dropped");
	frame(&in, IPPROTO_UDP, CLIENT, VIP_REJ, 44004, 0, NULL, NULL, 1000);
	in.data[14 + 20 + 8 + 600] ^= 0x10; /* inside a 512-byte chunk */
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM, "a middle byte changed");
	frame(&in, IPPROTO_UDP, CLIENT, VIP_REJ, 44005, 0, NULL, NULL, 10);
	bad_ip_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM, "bad ip header checksum");
	frame(&in, IPPROTO_UDP, CLIENT, VIP_REJ, 44006, 0, NULL, NULL, 10);
	bad_l4_csum(&in);
	pkt_w16(in.data + 14 + 20 + 6, 0); /* no checksum at all (RFC 768) */
	expect_sent(&in, "udp checksum 0 over ipv4: none, answered");
	frame(&in, IPPROTO_UDP, CLIENT6, VIP6REJ, 44007, 0, NULL, NULL, 333);
	expect_sent(&in, "ipv6 udp: port unreachable");
	bad_l4_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM, "ipv6 bad udp checksum");

	/* echo reply */
	echo_req(&in, CLIENT, VIP_TUN, NULL);
	ASSERT_EQ(run(&in, XDPLB_R_TX_ECHO, &d, &r), XDP_REDIRECT, "echo request: reply");
	bad_l4_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM,
			    "echo request, its data changed: no reply");
	echo_req(&in, CLIENT, VIP_TUN, NULL);
	bad_ip_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM,
			    "echo request, bad ip header checksum: no reply");
	echo_req(&in, CLIENT6, VIP6, NULL);
	ASSERT_EQ(run(&in, XDPLB_R_TX_ECHO, &d, &r), XDP_REDIRECT, "icmpv6 echo request: reply");
	bad_l4_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM,
			    "icmpv6 echo request, its data changed: no reply");

	/* fragmentation needed: a router's answer, the IP header checked only */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_BIG, 44008, PKT_TCP_ACK, NULL, NULL, 1300);
	ASSERT_EQ(run(&in, XDPLB_R_TX_TOO_BIG, &d, &r), XDP_REDIRECT, "too big: answered");
	ASSERT_EQ(d, 1, "... tx_too_big");
	bad_l4_csum(&in);
	ASSERT_EQ(run(&in, XDPLB_R_TX_TOO_BIG, &d, &r), XDP_REDIRECT,
		  "too big, bad tcp checksum: answered all the same");
	ASSERT_EQ(d, 1, "... tx_too_big");
	bad_ip_csum(&in);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_BAD_CSUM,
			    "too big, bad ip header checksum: not answered");

	/* a forward is not checked: the backend does */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_TUN, 44009, PKT_TCP_SYN, NULL, NULL, 10);
	bad_l4_csum(&in);
	bad_ip_csum(&in);
	ASSERT_EQ(run(&in, XDPLB_R_DROP_BAD_CSUM, &d, &r), XDP_TX,
		  "forward with bad checksums: forwarded as it is");
	ASSERT_EQ(d, 0, "... not counted drop_bad_csum");
}

static void case_echo_zero(void)
{
	struct pkt_buf in, exp;
	struct fx_run r;
	__u64 d;

	pkt_reset(&in);
	pkt_eth(&in, NULL, NULL, ETH_P_IP);
	pkt_ipv4(&in, ipv4_addr(CLIENT), ipv4_addr(VIP_TUN), IPPROTO_ICMP,
		 &(struct pkt_ip_opt){ .ttl = 55 });
	pkt_icmp(&in, 8, 0, 0, NULL, 0);
	pkt_finish(&in);
	ASSERT_EQ(pkt_r16(in.data + 14 + 20 + 2), 0xf7ff, "the request's checksum");
	if (!ASSERT_EQ(run(&in, XDPLB_R_TX_ECHO, &d, &r), XDP_REDIRECT, "answered"))
		return;
	pkt_reset(&exp);
	pkt_eth(&exp, PKT_MAC_SRC, PKT_MAC_DST, ETH_P_IP);
	pkt_ipv4(&exp, ipv4_addr(VIP_TUN), ipv4_addr(CLIENT), IPPROTO_ICMP,
		 &(struct pkt_ip_opt){ .ttl = 64 });
	pkt_icmp(&exp, 0, 0, 0, NULL, 0);
	pkt_finish(&exp);
	ASSERT_EQ(pkt_r16(exp.data + 14 + 20 + 2), 0xffff, "pkt.h computes 0xffff");
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "echo reply, checksum 0xffff");
	ASSERT_TRUE(csum_icmp_ok(r.out + 14), "... and it verifies");
}

static void set_echo(struct xdplb_config *c, long flag)
{
	c->flags |= flag;
}

int main(void)
{
	REQUIRE_ROOT();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (fx_vip_be(&fx, VIP_TUN, IPPROTO_TCP, XDPLB_MODE_TUN, "10.0.1.11", 0, 0) ||
	    fx_vip_be(&fx, VIP_NAT, IPPROTO_TCP, XDPLB_MODE_NAT, NAT_BE, 8080, 0) ||
	    fx_vip_be(&fx, VIP_REJ, IPPROTO_TCP, XDPLB_MODE_TUN, NULL, 0,
		      XDPLB_VIP_F_ALLDOWN_REJECT) ||
	    fx_vip_be(&fx, VIP_REJ, IPPROTO_UDP, XDPLB_MODE_TUN, NULL, 0,
		      XDPLB_VIP_F_ALLDOWN_REJECT) ||
	    fx_vip_be(&fx, VIP_BIG, IPPROTO_TCP, XDPLB_MODE_TUN, "10.0.2.11", 0, 0) ||
	    fx_vip_be(&fx, VIP6, IPPROTO_TCP, XDPLB_MODE_TUN, "fd00:1::12", 0, 0) ||
	    fx_vip_be(&fx, VIP6REJ, IPPROTO_TCP, XDPLB_MODE_TUN, NULL, 0,
		      XDPLB_VIP_F_ALLDOWN_REJECT) ||
	    fx_vip_be(&fx, VIP6REJ, IPPROTO_UDP, XDPLB_MODE_TUN, NULL, 0,
		      XDPLB_VIP_F_ALLDOWN_REJECT) ||
	    fx_config(&fx, set_echo, XDPLB_CFG_F_ECHO)) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("broadcast or multicast destination mac: a vip's packet to the kernel",
		 case_l2_group_dst);
	RUN_CASE("broadcast or multicast source mac: dropped, drop_malformed_l2",
		 case_l2_group_src);
	RUN_CASE("no unicast source: a vip's packet dropped, drop_martian", case_martian);
	RUN_CASE("answers verify checksums first: drop_bad_csum", case_answer_csum);
	RUN_CASE("an all-zero echo request: reply checksum 0xffff", case_echo_zero);
	return TEST_MAIN_END();
}
