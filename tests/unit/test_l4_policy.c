// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of two packet policies (xdplb(8), PACKET POLICIES):
 * - a VIP's packet with a malformed TCP or UDP header is dropped, counted drop_malformed_l4
 *   (TCP data offset below 5 or past the segment, UDP length below 8 or other than the IP
 *   payload's, IPv6 UDP checksum 0), in every mode; a packet for no VIP goes to the kernel
 *   whatever its TCP/UDP header holds, a truncated one included;
 * - NAT forwards as a router: the TTL or hop limit goes down by one both ways (IPv4 header
 *   checksum verified independently), and a packet with 1 or 0 left goes to the kernel
 *   untouched, counted pass_ttl.
 */
#include "fixture.h"

static struct fixture fx;

#define CLIENT	 "192.0.2.1"
#define CLIENT6	 "2001:db8:c::1"
#define VIP_TUN	 "10.0.0.70"
#define VIP_DR	 "10.0.0.71"
#define VIP_NAT	 "10.0.0.72"
#define VIP6_NAT "2001:db8:0:1::72"
#define BACKEND	 "10.0.1.11"
#define BACKEND6 "fd00:1::11"
#define NOT_VIP	 "10.0.0.99"

static const char data[] = "0123456789abcdef";

/* The L4 header of the untagged frame @b (IPv4 without options or IPv6 without extensions). */
static unsigned char *l4_of(struct pkt_buf *b)
{
	return b->data + 14 + (pkt_l3_type(b) == ETH_P_IPV6 ? 40 : 20);
}

/* A frame @client:@sport -> @dst:@dport of @proto with a 16-byte payload. */
static void frame(struct pkt_buf *b, __u8 proto, const char *client, const char *dst, __u16 sport,
		  __u16 dport, __u8 ttl)
{
	struct pkt_spec s = { .sport = sport,
			      .dport = dport,
			      .seq = 1,
			      .ack = 1,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = data,
			      .payload_len = sizeof(data) - 1,
			      .ip = { .ttl = ttl } };

	pkt_build_addrs(b, &s, proto, client, dst);
}

/* Run @in; its verdict, the reason counter @reason's increase in *@d, the output in @r. */
static int run(const struct pkt_buf *in, int reason, __u64 *d, struct fx_run *r)
{
	__u64 c0 = fx_reason(&fx, reason);

	if (fx_run(&fx, in, fx.lb0, r))
		return -1;
	*d = fx_reason(&fx, reason) - c0;
	return r->retval;
}

/* @in must be dropped as malformed, counted once. */
static void expect_malformed(const struct pkt_buf *in, const char *what)
{
	struct fx_run r;
	__u64 d = 0;

	ASSERT_EQ(run(in, XDPLB_R_DROP_MALFORMED_L4, &d, &r), XDP_DROP, what);
	ASSERT_EQ(d, 1, "... counted drop_malformed_l4");
}

/* @in must be forwarded (TX or REDIRECT). */
static void expect_forwarded(const struct pkt_buf *in, const char *what)
{
	struct fx_run r;
	__u64 d = 0;
	int v = run(in, XDPLB_R_DROP_MALFORMED_L4, &d, &r);

	ASSERT_TRUE(v == XDP_TX || v == XDP_REDIRECT, what);
	ASSERT_EQ(d, 0, "... not counted malformed");
}

static void case_tcp_doff(void)
{
	const char *vips[] = { VIP_TUN, VIP_DR, VIP_NAT };
	struct pkt_buf in;

	for (int i = 0; i < 3; i++) {
		frame(&in, IPPROTO_TCP, CLIENT, vips[i], 41000 + i, 80, 0);
		expect_forwarded(&in, "a well-formed segment is forwarded");
		/* the checksum does not matter to the policy: the header's shape does */
		frame(&in, IPPROTO_TCP, CLIENT, vips[i], 41010 + i, 80, 0);
		l4_of(&in)[12] = 4 << 4;
		expect_malformed(&in, "tcp data offset 4: dropped");
		frame(&in, IPPROTO_TCP, CLIENT, vips[i], 41020 + i, 80, 0);
		l4_of(&in)[12] = 10 << 4; /* 40 bytes of header in a 36-byte segment */
		expect_malformed(&in, "tcp data offset past the segment: dropped");
		frame(&in, IPPROTO_TCP, CLIENT, vips[i], 41030 + i, 80, 0);
		l4_of(&in)[12] = 9 << 4; /* 36 bytes of header: exactly the segment */
		expect_forwarded(&in, "tcp data offset at the segment's end: forwarded");
	}
}

static void case_udp_len(void)
{
	const char *vips[] = { VIP_TUN, VIP_DR, VIP_NAT };
	struct pkt_buf in;

	for (int i = 0; i < 3; i++) {
		__u16 len;

		frame(&in, IPPROTO_UDP, CLIENT, vips[i], 42000 + i, 53, 0);
		expect_forwarded(&in, "a well-formed datagram is forwarded");
		len = pkt_r16(l4_of(&in) + 4);
		frame(&in, IPPROTO_UDP, CLIENT, vips[i], 42010 + i, 53, 0);
		pkt_w16(l4_of(&in) + 4, 7);
		expect_malformed(&in, "udp length 7: dropped");
		frame(&in, IPPROTO_UDP, CLIENT, vips[i], 42020 + i, 53, 0);
		pkt_w16(l4_of(&in) + 4, len + 1);
		expect_malformed(&in, "udp length past the ip payload: dropped");
		frame(&in, IPPROTO_UDP, CLIENT, vips[i], 42030 + i, 53, 0);
		pkt_w16(l4_of(&in) + 4, len - 1);
		expect_malformed(&in, "udp length short of the ip payload: dropped");
	}
}

static void case_udp6_csum0(void)
{
	struct pkt_buf in;

	frame(&in, IPPROTO_UDP, CLIENT6, VIP6_NAT, 43000, 53, 0);
	expect_forwarded(&in, "ipv6 udp with a checksum: forwarded");
	frame(&in, IPPROTO_UDP, CLIENT6, VIP6_NAT, 43001, 53, 0);
	pkt_w16(l4_of(&in) + 6, 0);
	expect_malformed(&in, "ipv6 udp checksum 0: dropped (RFC 8200 8.1)");
}

static void case_not_vip(void)
{
	struct pkt_buf in, cut;
	struct fx_run r;
	__u64 d = 0;

	/* malformed, for no VIP: the kernel's, untouched */
	frame(&in, IPPROTO_TCP, CLIENT, NOT_VIP, 44000, 80, 0);
	l4_of(&in)[12] = 4 << 4;
	ASSERT_EQ(run(&in, XDPLB_R_PASS_NOT_VIP, &d, &r), XDP_PASS, "non-vip, data offset 4");
	ASSERT_EQ(d, 1, "... counted pass_not_vip");
	ASSERT_BYTES(r.out, r.out_len, in.data, in.len, "... untouched");

	/* a TCP header cut to 12 bytes (total length and checksum fixed), for no VIP: passed */
	frame(&in, IPPROTO_TCP, CLIENT, NOT_VIP, 44001, 80, 0);
	cut = in;
	cut.len = 14 + 20 + 12;
	pkt_ipv4_fix_hdr(&cut, 14, 20 + 12);
	ASSERT_EQ(run(&cut, XDPLB_R_PASS_NOT_VIP, &d, &r), XDP_PASS, "non-vip, truncated tcp");
	ASSERT_EQ(d, 1, "... counted pass_not_vip");
	ASSERT_BYTES(r.out, r.out_len, cut.data, cut.len, "... untouched");

	/* the same cut to a VIP address: dropped */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_NAT, 44002, 80, 0);
	cut = in;
	cut.len = 14 + 20 + 12;
	pkt_ipv4_fix_hdr(&cut, 14, 20 + 12);
	expect_malformed(&cut, "vip, truncated tcp: dropped");
}

/* The IPv4 TTL / IPv6 hop limit of the untagged frame @p. */
static __u8 ttl_of(const unsigned char *p)
{
	return pkt_r16(p + 12) == ETH_P_IPV6 ? p[14 + 7] : p[14 + 8];
}

static void case_nat_ttl(void)
{
	struct pkt_buf in, exp;
	struct fx_run r;
	__u64 d = 0;

	/* TTL 61 -> 60 towards the backend, checksums right */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_NAT, 45000, 80, 61);
	if (!ASSERT_EQ(run(&in, XDPLB_R_PASS_TTL, &d, &r), XDP_TX, "nat forward"))
		return;
	ASSERT_EQ(ttl_of(r.out), 60, "... ttl 61 -> 60");
	ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + 14), "... ip header checksum");
	ASSERT_TRUE(csum_l4_ok(r.out + 14), "... tcp checksum");
	/* the whole expected frame, built independently */
	{
		struct pkt_spec s = { .sport = 45000,
				      .dport = 8080,
				      .seq = 1,
				      .ack = 1,
				      .tcp_flags = PKT_TCP_ACK,
				      .payload = data,
				      .payload_len = sizeof(data) - 1,
				      .ip = { .ttl = 60 } };

		pkt_build_addrs(&exp, &s, IPPROTO_TCP, CLIENT, BACKEND);
		fx_to_backend(&exp, BACKEND);
		ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "... the frame as a router's");
	}

	/* its reply: 64 -> 63 towards the client */
	frame(&in, IPPROTO_TCP, BACKEND, CLIENT, 8080, 45000, 64);
	if (!ASSERT_EQ(run(&in, XDPLB_R_PASS_TTL, &d, &r), XDP_REDIRECT, "nat reply"))
		return;
	ASSERT_EQ(ttl_of(r.out), 63, "... ttl 64 -> 63");
	ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + 14), "... ip header checksum");
	ASSERT_TRUE(csum_l4_ok(r.out + 14), "... tcp checksum");

	/* TTL 1 and 0: the kernel's, untouched, counted */
	for (__u8 t = 0; t <= 1; t++) {
		frame(&in, IPPROTO_TCP, CLIENT, VIP_NAT, 45001 + t, 80, 0);
		in.data[14 + 8] = t;
		pkt_ipv4_fix_hdr(&in, 14, in.len - 14);
		ASSERT_EQ(run(&in, XDPLB_R_PASS_TTL, &d, &r), XDP_PASS, "nat forward, ttl <= 1");
		ASSERT_EQ(d, 1, "... counted pass_ttl");
		ASSERT_BYTES(r.out, r.out_len, in.data, in.len, "... untouched");
	}
	frame(&in, IPPROTO_TCP, BACKEND, CLIENT, 8080, 45000, 1);
	ASSERT_EQ(run(&in, XDPLB_R_PASS_TTL, &d, &r), XDP_PASS, "nat reply, ttl 1");
	ASSERT_EQ(d, 1, "... counted pass_ttl");
	ASSERT_BYTES(r.out, r.out_len, in.data, in.len, "... untouched");

	/* TUN and DR carry the packet as it came: TTL 1 too */
	frame(&in, IPPROTO_TCP, CLIENT, VIP_DR, 45010, 80, 1);
	ASSERT_EQ(run(&in, XDPLB_R_PASS_TTL, &d, &r), XDP_TX, "dr, ttl 1: forwarded");
	ASSERT_EQ(ttl_of(r.out), 1, "... ttl untouched");
}

static void case_nat66_hop_limit(void)
{
	struct pkt_buf in;
	struct fx_run r;
	__u64 d = 0;

	frame(&in, IPPROTO_TCP, CLIENT6, VIP6_NAT, 46000, 80, 40);
	if (!ASSERT_EQ(run(&in, XDPLB_R_PASS_TTL, &d, &r), XDP_TX, "nat66 forward"))
		return;
	ASSERT_EQ(ttl_of(r.out), 39, "... hop limit 40 -> 39");
	ASSERT_TRUE(csum_l4_ok(r.out + 14), "... tcp checksum");
	frame(&in, IPPROTO_TCP, CLIENT6, VIP6_NAT, 46001, 80, 1);
	ASSERT_EQ(run(&in, XDPLB_R_PASS_TTL, &d, &r), XDP_PASS, "nat66, hop limit 1");
	ASSERT_EQ(d, 1, "... counted pass_ttl");
	ASSERT_BYTES(r.out, r.out_len, in.data, in.len, "... untouched");
}

/* A VIP in @mode with one backend @be (port @bport, 0: the VIP's), TCP and UDP. */
static int vip(const char *addr, __u8 mode, const char *be, __u16 bport)
{
	if (fx_vip_new(&fx, addr, 80, IPPROTO_TCP, mode, XDPLB_SCHED_MH, 0) < 0 ||
	    fx_real_new(&fx, addr, 80, IPPROTO_TCP, be, bport) < 0 ||
	    fx_vip_new(&fx, addr, 53, IPPROTO_UDP, mode, XDPLB_SCHED_MH, 0) < 0 ||
	    fx_real_new(&fx, addr, 53, IPPROTO_UDP, be, 0) < 0)
		return -1;
	return 0;
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (vip(VIP_TUN, XDPLB_MODE_TUN, BACKEND, 0) || vip(VIP_DR, XDPLB_MODE_DR, BACKEND, 0) ||
	    vip(VIP_NAT, XDPLB_MODE_NAT, BACKEND, 8080) ||
	    vip(VIP6_NAT, XDPLB_MODE_NAT, BACKEND6, 8080)) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("tcp data offset below 5 or past the segment: dropped, every mode", case_tcp_doff);
	RUN_CASE("udp length below 8 or not the ip payload's: dropped, every mode", case_udp_len);
	RUN_CASE("ipv6 udp checksum 0: dropped", case_udp6_csum0);
	RUN_CASE("no vip: the kernel's, malformed or truncated", case_not_vip);
	RUN_CASE("nat: ttl down by one both ways, 1 or 0 to the kernel", case_nat_ttl);
	RUN_CASE("nat66: hop limit down by one, 1 to the kernel", case_nat66_hop_limit);
	return TEST_MAIN_END();
}
