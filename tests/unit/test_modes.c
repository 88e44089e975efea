// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of the DR and NAT forwarding modes and NAT's return path: exact
 * output bytes built independently (pkt.h), checksums verified independently. */
#include "fixture.h"

static struct fixture fx;

#define CLIENT	      "192.0.2.1"
#define VIP_DR	      "10.0.0.60"
#define VIP_NAT	      "10.0.0.80" /* tcp :80 -> backend :8080 */
#define VIP_NATU      "10.0.0.81" /* udp :53, same port */
#define VIP_DR_UNRES  "10.0.0.61" /* backend without neighbour */
#define VIP_NAT_UNRES "10.0.0.82" /* backend without neighbour */
#define BACKEND	      "10.0.1.11"
static const char payload[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";

static struct pkt_spec client_spec(const char *vip, __u16 sport, __u16 dport, __u8 flags)
{
	return (struct pkt_spec){ .saddr = ipv4_addr(CLIENT),
				  .daddr = ipv4_addr(vip),
				  .sport = sport,
				  .dport = dport,
				  .seq = 7,
				  .ack = 9,
				  .tcp_flags = flags,
				  .payload = payload,
				  .payload_len = sizeof(payload) - 1,
				  .ip = { .id = 4242, .frag_off = PKT_IP_DF, .ttl = 61 } };
}

static bool run_expect(const struct pkt_buf *in, int verdict, const struct pkt_buf *exp,
		       const char *what)
{
	struct fx_run r;

	if (fx_run(&fx, in, fx.lb0, &r))
		return false;
	ASSERT_EQ(r.retval, verdict, what);
	if (exp)
		ASSERT_BYTES(r.out, r.out_len, exp->data, exp->len, what);
	if (r.retval == XDP_TX || r.retval == XDP_REDIRECT) {
		size_t l3 = fx_out_l3(&r);

		ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + l3), "IPv4 checksum of the output");
		ASSERT_TRUE(csum_l4_ok(r.out + l3), "L4 checksum of the output");
	}
	return !case_failed;
}

static void case_dr(void)
{
	struct pkt_spec s = client_spec(VIP_DR, 40000, 80, PKT_TCP_ACK);
	struct pkt_buf in, exp;

	/* only the Ethernet header changes: to the backend's MAC, from lb0's */
	pkt_v4_tcp(&in, &s);
	exp = in;
	fx_to_backend(&exp, BACKEND);
	run_expect(&in, XDP_TX, &exp, "dr: frame to the backend's MAC, IP untouched");

	/* tagged on the way in, out of the same interface (XDP_TX): the tag stays, the backend
	 * is on that VLAN */
	s = client_spec(VIP_DR, 40001, 80, PKT_TCP_SYN);
	s.vlan = true;
	s.vid = 7;
	pkt_v4_tcp(&in, &s);
	exp = in;
	fx_to_backend_from(&exp, BACKEND, &in);
	run_expect(&in, XDP_TX, &exp, "dr: vlan tag kept out of the ingress interface");
}

static void case_dr_no_neigh(void)
{
	struct pkt_spec s = client_spec(VIP_DR_UNRES, 40000, 80, PKT_TCP_SYN);
	__u64 c0 = fx_reason(&fx, XDPLB_R_DROP_NO_NEIGH);
	struct pkt_buf in;

	pkt_v4_tcp(&in, &s);
	run_expect(&in, XDP_DROP, &in, "dr, unresolved backend: dropped untouched");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_NEIGH) - c0, 1, "drop_no_neigh +1");
}

static void case_nat_tcp(void)
{
	struct pkt_spec s = client_spec(VIP_NAT, 40000, 80, PKT_TCP_SYN | PKT_TCP_ACK);
	struct pkt_buf in, exp;

	/* client -> VIP:80 becomes client -> backend:8080, one hop less, every checksum
	 * recomputed here */
	pkt_v4_tcp(&in, &s);
	s.daddr = ipv4_addr(BACKEND);
	s.dport = 8080;
	pkt_v4_tcp(&exp, &s);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, BACKEND);
	run_expect(&in, XDP_TX, &exp, "nat: destination and port rewritten");
}

static void case_nat_reply(void)
{
	struct pkt_spec s = client_spec(VIP_NAT, 40002, 80, PKT_TCP_SYN);
	struct pkt_buf in, exp;
	struct fx_run r;

	/* forward first: that writes the return-path entry */
	pkt_v4_tcp(&in, &s);
	if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "forward"))
		return;
	/* backend:8080 -> client arrives (on lb0, the backend side) */
	s = (struct pkt_spec){ .saddr = ipv4_addr(BACKEND),
			       .daddr = ipv4_addr(CLIENT),
			       .sport = 8080,
			       .dport = 40002,
			       .seq = 100,
			       .ack = 8,
			       .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK,
			       .payload = "hello",
			       .payload_len = 5,
			       .ip = { .id = 1, .ttl = 64 } };
	pkt_v4_tcp(&in, &s);
	s.saddr = ipv4_addr(VIP_NAT);
	s.sport = 80;
	s.dmac = fx_router_mac;
	s.smac = fx_lb1_mac;
	pkt_v4_tcp(&exp, &s);
	pkt_ttl_dec(&exp);
	run_expect(&in, XDP_REDIRECT, &exp,
		   "nat reply: source is the VIP again, towards the client");

	/* a reply-looking packet of no known flow passes untouched */
	s = (struct pkt_spec){ .saddr = ipv4_addr(BACKEND),
			       .daddr = ipv4_addr(CLIENT),
			       .sport = 8080,
			       .dport = 40999,
			       .tcp_flags = PKT_TCP_ACK };
	pkt_v4_tcp(&in, &s);
	run_expect(&in, XDP_PASS, &in, "no NAT entry: untouched");
}

/* A DNS query @sport -> @dst:53 (the VIP, or as translated to the backend), or with @reply
 * the answer 53 -> CLIENT:@sport from @dst. */
static void dns(struct pkt_buf *b, const char *dst, __u16 sport, bool reply)
{
	struct pkt_spec s = { .sport = sport, .dport = 53, .payload = "query", .payload_len = 5 };

	if (reply) {
		s = (struct pkt_spec){
			.sport = 53, .dport = sport, .payload = "answer", .payload_len = 6
		};
		pkt_build_addrs(b, &s, IPPROTO_UDP, dst, CLIENT);
	} else {
		pkt_build_addrs(b, &s, IPPROTO_UDP, CLIENT, dst);
	}
}

/* Clear the UDP checksum (0: none, RFC 768) of the untagged IPv4 frame @b. */
static void no_udp_csum(struct pkt_buf *b)
{
	b->data[14 + 20 + 6] = b->data[14 + 20 + 7] = 0;
}

static void case_nat_udp(void)
{
	struct pkt_buf in, exp;

	dns(&in, VIP_NATU, 5353, false);
	dns(&exp, BACKEND, 5353, false);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, BACKEND);
	run_expect(&in, XDP_TX, &exp, "nat udp: address rewritten, checksum updated");

	/* checksum 0 = none: stays 0 (RFC 768) */
	dns(&in, VIP_NATU, 5354, false);
	no_udp_csum(&in);
	dns(&exp, BACKEND, 5354, false);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, BACKEND);
	no_udp_csum(&exp);
	run_expect(&in, XDP_TX, &exp, "nat udp without checksum: stays 0");

	/* and its reply, also without checksum */
	dns(&in, BACKEND, 5354, true);
	no_udp_csum(&in);
	dns(&exp, VIP_NATU, 5354, true);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	no_udp_csum(&exp);
	run_expect(&in, XDP_REDIRECT, &exp, "nat udp reply without checksum");
}

static void case_nat_no_neigh(void)
{
	struct pkt_spec s = client_spec(VIP_NAT_UNRES, 40000, 80, PKT_TCP_SYN);
	__u64 c0 = fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH);
	struct pkt_buf in, exp;

	/* translated, with the MACs it came with, for the kernel to route and resolve */
	pkt_v4_tcp(&in, &s);
	s.daddr = ipv4_addr("10.0.1.99");
	pkt_v4_tcp(&exp, &s);
	run_expect(&in, XDP_PASS, &exp, "nat, unresolved backend: translated, to the stack");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH) - c0, 1, "pass_no_neigh +1");
}

/* A VIP in @mode with one backend @be (port @bport, 0: the VIP's). */
static int vip(const char *addr, __u16 port, __u8 proto, __u8 mode, const char *be, __u16 bport)
{
	if (fx_vip_new(&fx, addr, port, proto, mode, XDPLB_SCHED_MH, 0) < 0)
		return -1;
	return fx_real_new(&fx, addr, port, proto, be, bport) < 0 ? -1 : 0;
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (vip(VIP_DR, 80, IPPROTO_TCP, XDPLB_MODE_DR, BACKEND, 0) ||
	    vip(VIP_DR_UNRES, 80, IPPROTO_TCP, XDPLB_MODE_DR, "10.0.1.99", 0) ||
	    vip(VIP_NAT, 80, IPPROTO_TCP, XDPLB_MODE_NAT, BACKEND, 8080) ||
	    vip(VIP_NATU, 53, IPPROTO_UDP, XDPLB_MODE_NAT, BACKEND, 0) ||
	    vip(VIP_NAT_UNRES, 80, IPPROTO_TCP, XDPLB_MODE_NAT, "10.0.1.99", 0)) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("dr: only the ethernet header changes", case_dr);
	RUN_CASE("dr: unresolved backend mac is a counted drop", case_dr_no_neigh);
	RUN_CASE("nat: tcp destination and port rewritten", case_nat_tcp);
	RUN_CASE("nat: reply rewritten back to the vip", case_nat_reply);
	RUN_CASE("nat: udp with and without checksum", case_nat_udp);
	RUN_CASE("nat: unresolved backend goes to the stack translated", case_nat_no_neigh);
	return TEST_MAIN_END();
}
