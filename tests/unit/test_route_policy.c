// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of two header policies (xdplb(8), PACKET POLICIES):
 * - an IPv6 hop-by-hop options header anywhere but right after the IPv6 header (RFC 8200
 *   4.1: the receiver discards it with a parameter problem, which the kernel sends) is
 *   neither forwarded nor answered: the kernel gets it untouched, counted pass_ipv6_ext,
 *   even when its TCP header is malformed too;
 * - a packet for which this node is not the final destination (an IPv4 loose or strict
 *   source route with hops to go, RFC 791 3.1; an IPv6 routing header with segments left,
 *   RFC 8200 4.4) is neither forwarded nor answered: the kernel gets it untouched, counted
 *   pass_source_route, and its source-route policy decides.  A source route that is done
 *   (pointer past the option) is forwarded as before.
 */
#include "fixture.h"

static struct fixture fx;

#define CLIENT	"192.0.2.1"
#define CLIENT6 "2001:db8:c::1"
#define VIP_TUN "10.0.0.70"	 /* tcp :80 -> 10.0.1.11 (lb0) */
#define VIP6	"2001:db8:f::10" /* tcp :80 -> fd00:1::12 (lb0) */
#define NOT_VIP "10.0.0.99"

/* A TCP SYN @CLIENT6:@sport -> VIP6:80 behind the extension headers @types (in order). */
static void ext6(struct pkt_buf *b, __u16 sport, const __u8 *types, int n, __u8 last)
{
	struct in6_addr c = ipv6_addr(CLIENT6), v = ipv6_addr(VIP6);

	pkt_reset(b);
	pkt_eth(b, NULL, NULL, ETH_P_IPV6);
	pkt_ipv6(b, &c, &v, n ? types[0] : last, &(struct pkt_ip_opt){ .ttl = 40 });
	for (int i = 0; i < n; i++)
		pkt_ipv6_ext(b, i + 1 < n ? types[i + 1] : last, 8);
	if (last == IPPROTO_TCP)
		pkt_tcp(b, sport, 80, 1, 0, PKT_TCP_SYN, "ext", 3);
	else
		pkt_icmp(b, 128, 0, 0x1234 << 16 | 7, "ping", 4);
	pkt_finish(b);
}

/* A TCP SYN @CLIENT:@sport -> @dst:80 with the IPv4 options @opts. */
static void opts4(struct pkt_buf *b, const char *dst, __u16 sport, const __u8 *opts, size_t n)
{
	pkt_reset(b);
	pkt_eth(b, NULL, NULL, ETH_P_IP);
	pkt_ipv4(b, ipv4_addr(CLIENT), ipv4_addr(dst), IPPROTO_TCP,
		 &(struct pkt_ip_opt){ .ttl = 40, .opts = opts, .opts_len = n });
	pkt_tcp(b, sport, 80, 1, 0, PKT_TCP_SYN, "opt", 3);
	pkt_finish(b);
}

/* @in is forwarded (TX or REDIRECT), counted neither way of passing it. */
static void expect_forwarded(const struct pkt_buf *in, const char *what)
{
	__u64 a = fx_reason(&fx, XDPLB_R_PASS_IPV6_EXT),
	      s = fx_reason(&fx, XDPLB_R_PASS_SOURCE_ROUTE);
	struct fx_run r;

	if (fx_run(&fx, in, fx.lb0, &r))
		return;
	ASSERT_TRUE(r.retval == XDP_TX || r.retval == XDP_REDIRECT, what);
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_IPV6_EXT) - a, 0, "... not counted pass_ipv6_ext");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_SOURCE_ROUTE) - s, 0,
		  "... not counted pass_source_route");
}

static void case_hbh_not_first(void)
{
	static const __u8 first[] = { PKT_NH_HOP, PKT_NH_DEST };
	static const __u8 late[] = { PKT_NH_DEST, PKT_NH_HOP };
	static const __u8 late2[] = { PKT_NH_HOP, PKT_NH_DEST, PKT_NH_HOP };
	struct pkt_buf in;

	ext6(&in, 41000, first, 2, IPPROTO_TCP);
	expect_forwarded(&in, "hop-by-hop first, then destination options: forwarded");

	ext6(&in, 41001, late, 2, IPPROTO_TCP);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT,
			    "hop-by-hop after destination options: to the kernel, pass_ipv6_ext");
	ext6(&in, 41002, late2, 3, IPPROTO_TCP);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT,
			    "hop-by-hop first and again third: to the kernel, pass_ipv6_ext");

	/* a TCP data offset below 5 too: the header chain decides first, not drop_malformed_l4 */
	ext6(&in, 41003, late, 2, IPPROTO_TCP);
	in.data[ETH_HLEN + PKT_IPV6_HLEN + 16 + 12] = 4 << 4;
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT,
			    "hop-by-hop not first, tcp data offset 4: to the kernel");

	/* an echo request (config echo on) is not answered */
	ext6(&in, 0, late, 2, IPPROTO_ICMPV6);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT,
			    "echo request, hop-by-hop not first: not answered, pass_ipv6_ext");
}

static void case_routing_segments_left(void)
{
	static const __u8 rh[] = { PKT_NH_ROUTE };
	struct pkt_buf in;
	size_t h = ETH_HLEN + PKT_IPV6_HLEN;

	/* type 0 layout is not looked at: segments left (byte 3) is what says "not here" */
	ext6(&in, 42000, rh, 1, IPPROTO_TCP);
	in.data[h + 2] = 4; /* segment routing header */
	in.data[h + 3] = 0;
	pkt_finish(&in);
	expect_forwarded(&in, "routing header, segments left 0: forwarded");

	ext6(&in, 42001, rh, 1, IPPROTO_TCP);
	in.data[h + 2] = 4;
	in.data[h + 3] = 1;
	pkt_finish(&in);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_SOURCE_ROUTE,
			    "routing header, segments left 1: to the kernel, pass_source_route");
}

static void case_ipv4_source_route(void)
{
	/* loose source route, one address to go (pointer 4, length 7), behind a no-op */
	static const __u8 lsrr[] = { 1, 131, 7, 4, 198, 51, 100, 1 };
	/* ... and done: pointer 8, past the length */
	static const __u8 lsrr_done[] = { 1, 131, 7, 8, 198, 51, 100, 1 };
	/* strict source route with hops to go behind a record route and no-ops, end of list */
	static const __u8 ssrr[] = { 7, 7, 4, 0, 0, 0, 0, 1, 1, 137, 7, 4, 198, 51, 100, 1 };
	/* a pointer below 4 (malformed: the kernel sends the parameter problem) */
	static const __u8 lsrr_bad[] = { 131, 7, 3, 198, 51, 100, 1, 0 };
	/* a source route behind the end of the option list is no option */
	static const __u8 after_end[] = { 0, 131, 7, 4, 198, 51, 100, 1 };
	/* router alert only (RFC 2113) */
	static const __u8 ra[] = { 148, 4, 0, 0 };
	struct pkt_buf in;

	opts4(&in, VIP_TUN, 43000, lsrr, sizeof(lsrr));
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_SOURCE_ROUTE,
			    "lsrr with a hop to go: to the kernel, pass_source_route");
	opts4(&in, VIP_TUN, 43001, ssrr, sizeof(ssrr));
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_SOURCE_ROUTE,
			    "ssrr with a hop to go behind record route: pass_source_route");
	opts4(&in, VIP_TUN, 43002, lsrr_bad, sizeof(lsrr_bad));
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_SOURCE_ROUTE,
			    "lsrr pointer 3: to the kernel, pass_source_route");
	opts4(&in, NOT_VIP, 43003, lsrr, sizeof(lsrr));
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_SOURCE_ROUTE,
			    "lsrr to no vip: to the kernel, pass_source_route");

	opts4(&in, VIP_TUN, 43004, lsrr_done, sizeof(lsrr_done));
	expect_forwarded(&in, "lsrr done (pointer past the option): forwarded");
	opts4(&in, VIP_TUN, 43005, after_end, sizeof(after_end));
	expect_forwarded(&in, "lsrr bytes after end of option list: forwarded");
	opts4(&in, VIP_TUN, 43006, ra, sizeof(ra));
	expect_forwarded(&in, "router alert: forwarded");
}

static void set_echo(struct xdplb_config *c, long flag)
{
	c->flags |= flag;
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (fx_vip_be(&fx, VIP_TUN, IPPROTO_TCP, XDPLB_MODE_TUN, "10.0.1.11", 0, 0) ||
	    fx_vip_be(&fx, VIP6, IPPROTO_TCP, XDPLB_MODE_TUN, "fd00:1::12", 0, 0) ||
	    fx_config(&fx, set_echo, XDPLB_CFG_F_ECHO)) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("ipv6 hop-by-hop header not first: to the kernel, pass_ipv6_ext",
		 case_hbh_not_first);
	RUN_CASE("ipv6 routing header with segments left: to the kernel, pass_source_route",
		 case_routing_segments_left);
	RUN_CASE("ipv4 source route with hops to go: to the kernel, pass_source_route",
		 case_ipv4_source_route);
	return TEST_MAIN_END();
}
