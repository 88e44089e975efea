// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of the balancer in TUN mode: verdicts, exact output bytes with
 * checksums recomputed here, counters, flow stickiness across backend changes. */
#include "fixture.h"

static struct fixture fx;

#define IPPROTO_IPIP_ 4
#define VIP_TCP	      "10.0.0.10"
#define VIP_UDP	      "10.0.0.20"
#define VIP_ALL	      "10.0.0.30" /* udp, port 0 = every port */
#define VIP_EMPTY     "10.0.0.40" /* no backends */
#define VIP_FAR	      "10.0.0.50" /* backend behind lb1 (redirect) */
#define VIP_UNRES     "10.0.0.60" /* backend without neighbour entry */
#define VIP_HOLE      "10.0.0.70" /* backend in a blackhole route */
#define CLIENT	      "192.0.2.1"

static const char *const backends[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };

/* The frame the balancer must emit for @in_spec towards @backend: Ethernet from the
 * next hop (@dmac) and egress interface (@smac; a VLAN tag of the input kept out of lb0,
 * where it came in), outer IPv4 per RFC 2003 as documented in bpf/encap.h, then the inner IP
 * packet unchanged.  @l4_proto picks the inner builder. */
static void expect_encap(struct pkt_buf *exp, const struct pkt_spec *in_spec, __u8 l4_proto,
			 __be32 backend, const __u8 *dmac, const __u8 *smac)
{
	struct pkt_spec s = *in_spec;
	struct pkt_buf inner;
	struct pkt_ip_opt o = {
		.tos = in_spec->ip.tos,
		.ttl = 64,
		.id = in_spec->ip.id,
		.frag_off = in_spec->ip.frag_off & PKT_IP_DF,
	};

	s.vlan = s.vlan && smac == fx_lb0_mac;
	s.dmac = dmac;
	s.smac = smac;
	pkt_build(&inner, &s, false, l4_proto);
	pkt_ipip_wrap(exp, &inner, ipv4_addr(FX_TUNSRC), backend, &o);
}

/* Outer destination of an encapsulated output frame (Ethernet, tagged or not, + IPv4). */
static __be32 out_backend(const struct fx_run *r)
{
	__be32 a = 0;

	if (r->out_len >= fx_out_l3(r) + 20)
		memcpy(&a, r->out + fx_out_l3(r) + 16, 4);
	return a;
}

static bool is_backend(__be32 a)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (a == ipv4_addr(backends[i]))
			return true;
	return a == ipv4_addr("10.0.1.14");
}

/* Send @spec as TCP or UDP to the balancer, expect an encapsulated XDP_TX to a backend of
 * the VIP with exact bytes and valid checksums; returns the backend (0 on failure). */
static __be32 send_expect_tx(const struct pkt_spec *spec, __u8 proto)
{
	struct pkt_buf in, exp;
	struct fx_run r;
	__u8 dmac[ETH_ALEN];
	__be32 be;

	pkt_build(&in, spec, false, proto);
	if (fx_run(&fx, &in, fx.lb0, &r))
		return 0;
	if (!ASSERT_EQ(r.retval, XDP_TX, "verdict XDP_TX"))
		return 0;
	be = out_backend(&r);
	if (!ASSERT_TRUE(is_backend(be), "outer destination is a backend"))
		return 0;
	fx_backend_mac(be, dmac);
	expect_encap(&exp, spec, proto, be, dmac, fx_lb0_mac);
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "encapsulated frame");
	ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + fx_out_l3(&r)), "outer IPv4 checksum");
	ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + fx_out_l3(&r) + 20), "inner IPv4 checksum");
	ASSERT_TRUE(csum_l4_ok(r.out + fx_out_l3(&r) + 20), "inner L4 checksum");
	return be;
}

static struct pkt_spec tcp_spec(const char *vip, __u16 sport, __u16 dport, __u8 flags)
{
	return (struct pkt_spec){ .saddr = ipv4_addr(CLIENT),
				  .daddr = ipv4_addr(vip),
				  .sport = sport,
				  .dport = dport,
				  .seq = 1000,
				  .tcp_flags = flags,
				  .ip = { .id = 0x1234, .frag_off = PKT_IP_DF } };
}

static void case_tcp_syn(void)
{
	struct pkt_spec s = tcp_spec(VIP_TCP, 40000, 80, PKT_TCP_SYN);
	__u64 tx0 = fx_reason(&fx, XDPLB_R_TX);
	struct xdplb_vip_key k = fx_vip_key(VIP_TCP, 80, IPPROTO_TCP);
	struct xdplb_traffic t0, t1;
	struct xdplb_flow_key fk = {};
	struct xdplb_flow flow;
	struct xdplb_real real;
	struct xdplb_vip vip;
	__be32 be;

	lb_vip_get(&fx.lb, &k, &vip);
	lb_read_vip_traffic(&fx.lb, vip.id, &t0);
	be = send_expect_tx(&s, IPPROTO_TCP);
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX) - tx0, 1, "tx counter +1");
	lb_read_vip_traffic(&fx.lb, vip.id, &t1);
	ASSERT_EQ(t1.packets - t0.packets, 1, "vip packets +1");
	ASSERT_EQ(t1.flows - t0.flows, 1, "vip new flows +1");
	ASSERT_EQ(t1.bytes - t0.bytes, 14 + 20 + 20, "vip bytes = frame length");

	/* The flow table now holds the 5-tuple with that backend. */
	fk.src[0] = s.saddr;
	fk.dst[0] = s.daddr;
	fk.sport = htons(s.sport);
	fk.dport = htons(s.dport);
	fk.proto = IPPROTO_TCP;
	fk.family = XDPLB_AF_INET;
	if (ASSERT_EQ(lb_flow_get(&fx.lb, &fk, &flow), 0, "flow entry exists")) {
		ASSERT_EQ(flow.vip_id, vip.id, "flow's vip id");
		bpf_map_lookup_elem(FX_FD(&fx, reals), &flow.real_id, &real);
		ASSERT_EQ(real.addr[0], be, "flow's backend = the one that got the packet");
	}
	/* Same packet again: established, same backend, no new flow. */
	ASSERT_EQ(send_expect_tx(&s, IPPROTO_TCP), be, "same backend for the next packet");
	lb_read_vip_traffic(&fx.lb, vip.id, &t0);
	ASSERT_EQ(t0.flows, t1.flows, "no new flow for an established one");
}

static void case_udp(void)
{
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT),
			      .daddr = ipv4_addr(VIP_UDP),
			      .sport = 5353,
			      .dport = 53,
			      .payload = "hello, udp",
			      .payload_len = 10,
			      .ip = { .tos = 0x2e, .id = 77 } };

	send_expect_tx(&s, IPPROTO_UDP);
}

static void case_tos_df(void)
{
	struct pkt_spec s = tcp_spec(VIP_TCP, 40001, 80, PKT_TCP_ACK);

	s.ip.tos = 0xb8; /* EF: copied to the outer header */
	s.ip.frag_off = 0;
	send_expect_tx(&s, IPPROTO_TCP); /* expect_encap: outer DF clear like the inner one */
	s.ip.frag_off = PKT_IP_DF;
	s.sport = 40002;
	send_expect_tx(&s, IPPROTO_TCP);
}

static void case_ip_options(void)
{
	static const __u8 opts[8] = { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 };
	struct pkt_spec s = tcp_spec(VIP_TCP, 40003, 80, PKT_TCP_SYN);

	/* Router alert + NOPs + EOL: the inner header keeps its options byte for byte. */
	s.ip.opts = opts;
	s.ip.opts_len = sizeof(opts);
	send_expect_tx(&s, IPPROTO_TCP);
}

static void case_vlan(void)
{
	struct pkt_spec s = tcp_spec(VIP_TCP, 40004, 80, PKT_TCP_SYN);

	s.vlan = true;
	s.vid = 42;
	send_expect_tx(&s, IPPROTO_TCP); /* out of lb0, where it came in: tagged as it came */
}

static void case_padding(void)
{
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT),
			      .daddr = ipv4_addr(VIP_UDP),
			      .sport = 5000,
			      .dport = 53,
			      .payload = "x",
			      .payload_len = 1 };
	struct pkt_buf in, exp;
	struct fx_run r;
	__u8 dmac[ETH_ALEN];
	__be32 be;

	/* 43-byte frame padded to the Ethernet minimum of 60 with zeros. */
	pkt_v4_udp(&in, &s);
	memset(in.data + in.len, 0, 60 - in.len);
	in.len = 60;
	if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "verdict"))
		return;
	be = out_backend(&r);
	fx_backend_mac(be, dmac);
	expect_encap(&exp, &s, IPPROTO_UDP, be, dmac, fx_lb0_mac);
	/* outer total length counts the IP packet only; the padding trails unchanged */
	memset(exp.data + exp.len, 0, 17);
	exp.len += 17;
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "padded frame");
}

static void case_port0_vip(void)
{
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT), .daddr = ipv4_addr(VIP_ALL) };

	for (__u16 port = 1; port < 60000; port += 6007) {
		s.sport = 1000 + port;
		s.dport = port;
		send_expect_tx(&s, IPPROTO_UDP);
	}
}

static void case_pass(void)
{
	struct pkt_spec s = tcp_spec(VIP_TCP, 40000, 81, PKT_TCP_SYN);
	struct pkt_buf in;

	pkt_v4_tcp(&in, &s); /* VIP address, other port */
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "VIP address, wrong port");
	s = tcp_spec(VIP_UDP, 40000, 53, PKT_TCP_SYN);
	pkt_v4_tcp(&in, &s); /* UDP VIP address and port, but TCP */
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
			    "VIP address and port, other protocol");
	s = tcp_spec("10.0.1.1", 40000, 22, PKT_TCP_SYN);
	pkt_v4_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
			    "non-VIP TCP (to the balancer itself)");
	pkt_reset(&in);
	pkt_eth(&in, PKT_MAC_DST, PKT_MAC_SRC, ETH_P_ARP);
	pkt_arp(&in, 1, PKT_MAC_SRC, ipv4_addr("10.0.1.2"), (const __u8[ETH_ALEN]){ 0 },
		ipv4_addr("10.0.1.1"));
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_IP, "ARP");
	pkt_reset(&in);
	pkt_eth(&in, PKT_MAC_DST, PKT_MAC_SRC, ETH_P_IP);
	pkt_ipv4(&in, ipv4_addr(CLIENT), ipv4_addr(VIP_TCP), 1 /* ICMP */, NULL);
	pkt_put(&in, "\x08\x00\xf7\xff\x00\x00\x00\x00", 8);
	pkt_finish(&in);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
			    "ICMP echo to the VIP address");
	s = tcp_spec(VIP_TCP, 40000, 80, PKT_TCP_SYN);
	s.ip.frag_off = PKT_IP_MF;
	pkt_v4_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_FRAGMENT,
			    "first fragment to a VIP without l3hash");
	s = tcp_spec("10.0.1.1", 40000, 80, PKT_TCP_SYN);
	s.ip.frag_off = PKT_IP_MF;
	pkt_v4_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_FRAGMENT, "first fragment to no VIP");
	s.ip.frag_off = 100;
	pkt_v4_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_FRAGMENT,
			    "non-first fragment to no VIP");
	pkt_v6_tcp(&in, &(struct pkt_spec){ .saddr6 = ipv6_addr("2001:db8::1"),
					    .daddr6 = ipv6_addr("2001:db8::10"),
					    .sport = 1,
					    .dport = 80 });
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "IPv6 to no VIP");
}

static void case_malformed(void)
{
	struct pkt_spec s = tcp_spec(VIP_TCP, 40100, 80, PKT_TCP_SYN);
	struct pkt_buf in;

	/* BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header (so do drivers);
	 * the shortest L2 truncation it can feed is a VLAN tag cut short. */
	s.vlan = true;
	pkt_v4_tcp(&in, &s);
	in.len = 16;
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L2, "truncated VLAN tag");
	s.vlan = false;
	pkt_v4_tcp(&in, &s);
	in.len = 14 + 12;
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3, "truncated IPv4 header");
	pkt_v4_tcp(&in, &s);
	in.data[14] = 0x44; /* IHL 4 */
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3, "IHL < 5");
	pkt_v4_tcp(&in, &s);
	in.data[14] = 0x65; /* version 6 in an IPv4 EtherType */
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3, "bad version");
	pkt_v4_tcp(&in, &s);
	in.data[14] = 0x4f; /* IHL 15 = 60 bytes of header in a 40-byte packet */
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3,
			    "options beyond total length");
	pkt_v4_tcp(&in, &s);
	in.len -= 4; /* total length says 4 more bytes than the frame has */
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3, "total length > frame");
	{
		static const __u8 opts[4] = { 1, 1, 1, 0 };

		s.ip.opts = opts;
		s.ip.opts_len = 4;
		pkt_v4_tcp(&in, &s);
		in.len = 14 + 22; /* options cut in the middle */
		fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3,
				    "truncated IP options");
		s.ip.opts = NULL;
		s.ip.opts_len = 0;
	}
	/* L4: IP header says the packet ends 10 bytes into TCP. */
	pkt_reset(&in);
	pkt_eth(&in, PKT_MAC_DST, PKT_MAC_SRC, ETH_P_IP);
	pkt_ipv4(&in, s.saddr, s.daddr, IPPROTO_TCP, NULL);
	pkt_put(&in, "\x9c\x40\x00\x50\x00\x00\x00\x00\x00\x00", 10);
	pkt_ipv4_fix_hdr(&in, 14, 30);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L4, "truncated TCP header");
	pkt_reset(&in);
	pkt_eth(&in, PKT_MAC_DST, PKT_MAC_SRC, ETH_P_IP);
	pkt_ipv4(&in, s.saddr, ipv4_addr(VIP_UDP), IPPROTO_UDP, NULL);
	pkt_put(&in, "\x13\x88\x00\x35", 4);
	pkt_ipv4_fix_hdr(&in, 14, 24);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L4, "truncated UDP header");
	/* Frame long enough, but total length ends inside the TCP header. */
	pkt_v4_tcp(&in, &s);
	pkt_ipv4_fix_hdr(&in, 14, 30);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L4,
			    "TCP header beyond total length");
}

static void case_no_backend(void)
{
	struct pkt_spec s = tcp_spec(VIP_EMPTY, 40000, 80, PKT_TCP_SYN);
	struct pkt_buf in;

	pkt_v4_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_BACKEND, "VIP without backends");
	ASSERT_EQ(fx_real_add(&fx, VIP_EMPTY, 80, IPPROTO_TCP, "10.0.1.11", 0), 0, "add w=0");
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_BACKEND,
			    "VIP with only a weight-0 backend");
}

static void case_redirect(void)
{
	struct pkt_spec s = tcp_spec(VIP_FAR, 40000, 80, PKT_TCP_SYN);
	const __u8 far_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x03, 0x15 };
	__u64 c0 = fx_reason(&fx, XDPLB_R_REDIRECT);
	struct pkt_buf in, exp;
	struct fx_run r;

	pkt_v4_tcp(&in, &s);
	if (fx_run(&fx, &in, fx.lb0, &r))
		return;
	ASSERT_EQ(r.retval, XDP_REDIRECT, "verdict XDP_REDIRECT");
	expect_encap(&exp, &s, IPPROTO_TCP, ipv4_addr("10.0.3.21"), far_mac, fx_lb1_mac);
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "frame for lb1");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_REDIRECT) - c0, 1, "redirect counter +1");
}

static void case_no_neigh(void)
{
	struct pkt_spec s = tcp_spec(VIP_UNRES, 40000, 80, PKT_TCP_SYN);
	__u64 c0 = fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH);
	struct pkt_buf in, exp;
	struct fx_run r;

	pkt_v4_tcp(&in, &s);
	if (fx_run(&fx, &in, fx.lb0, &r))
		return;
	ASSERT_EQ(r.retval, XDP_PASS, "verdict XDP_PASS to resolve the neighbour");
	/* encapsulated, with the MACs it arrived with, for the kernel to route */
	expect_encap(&exp, &s, IPPROTO_TCP, ipv4_addr("10.0.1.99"), PKT_MAC_DST, PKT_MAC_SRC);
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "encapsulated frame for the stack");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH) - c0, 1, "pass_no_neigh +1");
}

static void case_no_route(void)
{
	struct pkt_spec s = tcp_spec(VIP_HOLE, 40000, 80, PKT_TCP_SYN);
	struct pkt_buf in;

	pkt_v4_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_ROUTE,
			    "backend in a blackhole route");
}

static void case_fwd_disabled(void)
{
	struct pkt_spec s = tcp_spec(VIP_TCP, 40200, 80, PKT_TCP_SYN);
	struct pkt_buf in;

	pkt_v4_tcp(&in, &s);
	sandbox_sh("sysctl -qw net.ipv4.conf.lb0.forwarding=0");
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_FWD_DISABLED,
			    "forwarding off on the ingress interface");
	sandbox_sh("sysctl -qw net.ipv4.conf.lb0.forwarding=1");
}

#define NFLOWS 300

/* Backend of a flow from CLIENT:sport to VIP_TCP:80, via the program. */
static __be32 flow_backend(__u16 sport)
{
	struct pkt_spec s = tcp_spec(VIP_TCP, sport, 80, PKT_TCP_ACK);
	struct pkt_buf in;
	struct fx_run r;

	pkt_v4_tcp(&in, &s);
	if (fx_run(&fx, &in, fx.lb0, &r) || r.retval != XDP_TX)
		return 0;
	return out_backend(&r);
}

static void case_sticky(void)
{
	__be32 before[NFLOWS], b;
	__be32 b12 = ipv4_addr("10.0.1.12"), b13 = ipv4_addr("10.0.1.13");
	int moved = 0, to12 = 0, to13 = 0, seen[4] = {};

	for (int i = 0; i < NFLOWS; i++) {
		before[i] = flow_backend(20000 + i);
		if (!ASSERT_TRUE(is_backend(before[i]), "initial backend"))
			return;
		seen[(ntohl(before[i]) & 0xff) - 11]++;
	}
	ASSERT_TRUE(seen[0] && seen[1] && seen[2], "all three backends get flows");

	/* Add a backend, re-weight one, rebuild: established flows stay put. */
	ASSERT_EQ(fx_real_add(&fx, VIP_TCP, 80, IPPROTO_TCP, "10.0.1.14", 1), 0, "add .14");
	ASSERT_EQ(fx_real_weight(&fx, VIP_TCP, 80, IPPROTO_TCP, "10.0.1.11", 5), 0, "w .11=5");
	for (int i = 0; i < NFLOWS; i++)
		moved += flow_backend(20000 + i) != before[i];
	ASSERT_EQ(moved, 0, "flows moved after add + re-weight");

	/* Drain .12 (weight 0), remove .13. */
	ASSERT_EQ(fx_real_weight(&fx, VIP_TCP, 80, IPPROTO_TCP, "10.0.1.12", 0), 0, "w .12=0");
	ASSERT_EQ(fx_real_del(&fx, VIP_TCP, 80, IPPROTO_TCP, "10.0.1.13"), 0, "del .13");
	moved = 0;
	for (int i = 0; i < NFLOWS; i++) {
		b = flow_backend(20000 + i);
		if (before[i] == b13) {
			/* its backend is gone: scheduled again on a live one */
			ASSERT_TRUE(b && b != b13 && b != b12, "flow of removed backend moves to a "
							       "live one");
			continue;
		}
		moved += b != before[i];
	}
	ASSERT_EQ(moved, 0, "flows of remaining backends (incl. draining .12) stay");

	/* New flows: never the removed or the draining backend. */
	for (int i = 0; i < 2000; i++) {
		b = flow_backend(30000 + i);
		to12 += b == b12;
		to13 += b == b13;
		if (!ASSERT_TRUE(b, "new flow forwarded"))
			return;
	}
	ASSERT_EQ(to12, 0, "new flows to the weight-0 backend");
	ASSERT_EQ(to13, 0, "new flows to the removed backend");
}

static void case_table_shares(void)
{
	struct xdplb_vip_key k = fx_vip_key(VIP_UDP, 53, IPPROTO_UDP);
	static __u32 ids[65537];
	struct xdplb_vip vip;
	int len, n11 = 0, n12 = 0;

	/* VIP_UDP has .11 (w 1) and .12 (w 3): the table the data plane reads says so. */
	lb_vip_get(&fx.lb, &k, &vip);
	len = lb_table_read(&fx.lb, vip.id, ids, 65537);
	ASSERT_EQ(len, 65537, "table length = ring size");
	for (int i = 0; i < len; i++) {
		struct xdplb_real r;

		bpf_map_lookup_elem(FX_FD(&fx, reals), &ids[i], &r);
		n11 += r.addr[0] == ipv4_addr("10.0.1.11");
		n12 += r.addr[0] == ipv4_addr("10.0.1.12");
	}
	ASSERT_EQ(n11 + n12, len, "every slot is a backend of the VIP");
	ASSERT_TRUE(abs(n12 - 3 * n11) < len / 100, "slots follow weights 1:3");
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	fx_vip_add(&fx, VIP_TCP, 80, IPPROTO_TCP);
	fx_vip_add(&fx, VIP_UDP, 53, IPPROTO_UDP);
	fx_vip_add(&fx, VIP_ALL, 0, IPPROTO_UDP);
	fx_vip_add(&fx, VIP_EMPTY, 80, IPPROTO_TCP);
	fx_vip_add(&fx, VIP_FAR, 80, IPPROTO_TCP);
	fx_vip_add(&fx, VIP_UNRES, 80, IPPROTO_TCP);
	fx_vip_add(&fx, VIP_HOLE, 80, IPPROTO_TCP);
	for (int i = 0; i < 3; i++) {
		fx_real_add(&fx, VIP_TCP, 80, IPPROTO_TCP, backends[i], 1);
		fx_real_add(&fx, VIP_ALL, 0, IPPROTO_UDP, backends[i], 1);
	}
	fx_real_add(&fx, VIP_UDP, 53, IPPROTO_UDP, "10.0.1.11", 1);
	fx_real_add(&fx, VIP_UDP, 53, IPPROTO_UDP, "10.0.1.12", 3);
	fx_real_add(&fx, VIP_FAR, 80, IPPROTO_TCP, "10.0.3.21", 1);
	fx_real_add(&fx, VIP_UNRES, 80, IPPROTO_TCP, "10.0.1.99", 1);
	fx_real_add(&fx, VIP_HOLE, 80, IPPROTO_TCP, "10.9.9.9", 1);

	RUN_CASE("tcp syn to vip: encapsulated XDP_TX, flow recorded", case_tcp_syn);
	RUN_CASE("udp datagram to vip: encapsulated XDP_TX", case_udp);
	RUN_CASE("outer tos and df copied from the inner header", case_tos_df);
	RUN_CASE("inner ip options kept byte for byte", case_ip_options);
	RUN_CASE("vlan-tagged packet to vip: tag kept out of the ingress interface", case_vlan);
	RUN_CASE("ethernet padding is not payload", case_padding);
	RUN_CASE("port-0 vip takes every port", case_port0_vip);
	RUN_CASE("non-vip traffic passes untouched", case_pass);
	RUN_CASE("malformed packets: counted drop, no change", case_malformed);
	RUN_CASE("vip without usable backend: counted drop", case_no_backend);
	RUN_CASE("backend behind another interface: XDP_REDIRECT", case_redirect);
	RUN_CASE("unresolved neighbour: encapsulated packet to the stack", case_no_neigh);
	RUN_CASE("no route to backend: counted drop", case_no_route);
	RUN_CASE("forwarding disabled: counted drop", case_fwd_disabled);
	RUN_CASE("maglev table follows weights", case_table_shares);
	RUN_CASE("flows stick across add/re-weight/drain/remove", case_sticky);
	return TEST_MAIN_END();
}
