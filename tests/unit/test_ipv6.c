// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of IPv6 (issue #7): header and extension-header parsing, every
 * forwarding mode (IPv6-in-IPv6, IPv4-in-IPv6, DR, NAT66 and its return path), the IPv6 flow
 * table.  Expected frames are built independently (pkt.h), checksums recomputed there. */
#include <sched.h>
#include <time.h>
#include "fixture.h"

static struct fixture fx;

#define CLIENT	   "2001:db8:c::1"
#define VIP_TUN	   "2001:db8:f::10" /* tcp :80, mh, fd00:1::11..13 */
#define VIP_TUNU   "2001:db8:f::20" /* udp :53, fd00:1::14 */
#define VIP_4IN6   "10.0.0.90"	    /* IPv4 VIP, tcp :80, backend fd00:1::12 */
#define VIP_DR	   "2001:db8:f::60" /* tcp :80, fd00:1::12 */
#define VIP_DR_UNR "2001:db8:f::61" /* tcp :80, fd00:1::99 (no neighbour) */
#define VIP_NAT	   "2001:db8:f::80" /* tcp :80 -> fd00:1::13 :8080 */
#define VIP_NATU   "2001:db8:f::81" /* udp :53 -> fd00:1::13, same port */
#define VIP_HOLE   "2001:db8:f::70" /* tcp :80 -> fd00:9::1 (blackhole) */
#define VIP_STICK  "2001:db8:f::90" /* udp :4000, mh, fd00:1::11..13 (+14 later) */

static const char *const tun_backends[] = { "fd00:1::11", "fd00:1::12", "fd00:1::13" };
static const char payload[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";

static struct in6_addr a6(const char *s)
{
	return ipv6_addr(s);
}

static struct pkt_spec spec6(const char *vip, __u16 sport, __u16 dport, __u8 flags)
{
	return (struct pkt_spec){ .saddr6 = a6(CLIENT),
				  .daddr6 = a6(vip),
				  .sport = sport,
				  .dport = dport,
				  .seq = 7,
				  .ack = 9,
				  .tcp_flags = flags,
				  .payload = payload,
				  .payload_len = sizeof(payload) - 1,
				  .ip = { .tos = 0x28, .ttl = 61 } };
}

static int run(const struct pkt_buf *in, int ifindex, struct fx_run *r)
{
	return fx_run(&fx, in, ifindex, r);
}

/* Run @in on lb0: verdict @verdict (@vwhat), then exactly the frame @exp (@what). */
static void expect_frame(const struct pkt_buf *in, int verdict, const struct pkt_buf *exp,
			 const char *vwhat, const char *what)
{
	struct fx_run r;

	if (!run(in, fx.lb0, &r) && ASSERT_EQ(r.retval, verdict, vwhat))
		ASSERT_BYTES(r.out, r.out_len, exp->data, exp->len, what);
}

static void case_tun6(void)
{
	struct pkt_spec s = spec6(VIP_TUN, 40000, 80, PKT_TCP_SYN);
	__u32 vid = fx_vip_id(&fx, VIP_TUN, 80, IPPROTO_TCP), label, label2, labels[16];
	__u64 tx0 = fx_reason(&fx, XDPLB_R_TX);
	struct xdplb_traffic t0, t1;
	struct xdplb_flow f;
	struct pkt_buf in;
	int be, be2, distinct = 0;

	lb_read_vip_traffic(&fx.lb, vid, &t0);
	pkt_v6_tcp(&in, &s);
	be = fx_expect_tun_to(&fx, &in, XDP_TX, tun_backends, 3, &label,
			      "ipv6-in-ipv6 to a backend");
	if (be < 0)
		return;
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX) - tx0, 1, "tx +1");
	lb_read_vip_traffic(&fx.lb, vid, &t1);
	ASSERT_EQ(t1.packets - t0.packets, 1, "vip packets +1");
	ASSERT_EQ(t1.flows - t0.flows, 1, "vip flows +1");
	ASSERT_EQ(t1.bytes - t0.bytes, in.len, "vip bytes = frame length");
	if (ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT, 40000, VIP_TUN, 80, &f), 0,
		      "xdplb_flows6 holds the client's 5-tuple")) {
		ASSERT_EQ(f.vip_id, vid, "flow's vip");
		ASSERT_EQ(f.real_id,
			  fx_backend_id(&fx, VIP_TUN, 80, IPPROTO_TCP, tun_backends[be], 0),
			  "flow's backend = the one that got the packet");
		ASSERT_EQ(f.state, XDPLB_FLOW_SYN, "tcp flow half-open after its SYN");
	}

	/* the next packet of the flow: same backend, same flow label, no new flow */
	s = spec6(VIP_TUN, 40000, 80, PKT_TCP_ACK);
	pkt_v6_tcp(&in, &s);
	be2 = fx_expect_tun_to(&fx, &in, XDP_TX, tun_backends, 3, &label2, "established");
	ASSERT_EQ(be2, be, "same backend");
	ASSERT_EQ(label2, label, "same flow label for every packet of a flow");
	lb_read_vip_traffic(&fx.lb, vid, &t0);
	ASSERT_EQ(t0.flows, t1.flows, "no new flow");

	/* other flows: flow labels vary */
	for (int i = 0; i < 16; i++) {
		s = spec6(VIP_TUN, 41000 + i, 80, PKT_TCP_SYN);
		pkt_v6_tcp(&in, &s);
		if (fx_expect_tun_to(&fx, &in, XDP_TX, tun_backends, 3, &labels[i], "other flows") <
		    0)
			return;
		distinct += i == 0 || labels[i] != labels[0];
	}
	ASSERT_TRUE(distinct > 1, "flow labels differ between flows");
}

static void case_tun6_udp_vlan(void)
{
	struct pkt_spec s = { .saddr6 = a6(CLIENT),
			      .daddr6 = a6(VIP_TUNU),
			      .sport = 5353,
			      .dport = 53,
			      .payload = "hello, udp over ipv6",
			      .payload_len = 20,
			      .ip = { .tos = 0xb8 } };
	const char *const be[] = { "fd00:1::14" };
	struct pkt_buf in;
	__u32 label;

	pkt_v6_udp(&in, &s);
	fx_expect_tun_to(&fx, &in, XDP_TX, be, 1, &label, "udp, traffic class 0xb8 copied");
	/* tagged on the way in, out of the same interface (XDP_TX): the tag is kept */
	s.vlan = true;
	s.vid = 42;
	s.sport = 5354;
	pkt_v6_udp(&in, &s);
	fx_expect_tun_to(&fx, &in, XDP_TX, be, 1, &label, "vlan-tagged ipv6 frame, sent tagged");
}

static void case_tun_4in6(void)
{
	struct pkt_spec s = { .saddr = ipv4_addr("192.0.2.1"),
			      .daddr = ipv4_addr(VIP_4IN6),
			      .sport = 40000,
			      .dport = 80,
			      .seq = 5,
			      .tcp_flags = PKT_TCP_SYN,
			      .ip = {
				  .tos = 0x2e, .id = 0x4242, .frag_off = PKT_IP_DF, .ttl = 50 } };
	const char *const be[] = { "fd00:1::12" };
	struct pkt_buf in;
	struct fx_run r;
	__u32 label, label2;

	pkt_v4_tcp(&in, &s);
	if (fx_expect_tun_to(&fx, &in, XDP_TX, be, 1, &label,
			     "ipv4-in-ipv6: next header 4, tc = tos") < 0)
		return;
	run(&in, fx.lb0, &r);
	ASSERT_EQ(r.out[ETH_HLEN + 6], IPPROTO_IPIP, "next header 4");
	ASSERT_EQ((r.out[ETH_HLEN] & 0x0f) << 4 | r.out[ETH_HLEN + 1] >> 4, 0x2e, "tc = tos");
	s.tcp_flags = PKT_TCP_ACK;
	pkt_v4_tcp(&in, &s);
	fx_expect_tun_to(&fx, &in, XDP_TX, be, 1, &label2, "ipv4-in-ipv6, next packet");
	ASSERT_EQ(label2, label, "same flow label");
}

static void no_src6(struct xdplb_config *c, long on)
{
	struct in6_addr a = a6(FX_TUNSRC6);

	if (on)
		memcpy(c->tun_src6, &a, 16);
	else
		memset(c->tun_src6, 0, 16);
}

static void case_no_source(void)
{
	struct pkt_spec s = spec6(VIP_TUN, 40100, 80, PKT_TCP_SYN);
	struct pkt_buf in;
	__u32 label;

	if (!ASSERT_EQ(fx_config(&fx, no_src6, 0), 0, "clear tun_src6"))
		return;
	pkt_v6_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_SOURCE,
			    "no tun_src6: drop_no_source");
	/* the IPv4-in-IPv6 path needs it too */
	pkt_v4_tcp(&in, &(struct pkt_spec){ .saddr = ipv4_addr("192.0.2.1"),
					    .daddr = ipv4_addr(VIP_4IN6),
					    .sport = 40100,
					    .dport = 80,
					    .tcp_flags = PKT_TCP_SYN });
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_SOURCE,
			    "ipv4 vip to ipv6 backend, no tun_src6: drop_no_source");
	fx_config(&fx, no_src6, 1);
	pkt_v6_tcp(&in, &s);
	fx_expect_tun_to(&fx, &in, XDP_TX, tun_backends, 3, &label, "tun_src6 back: forwarded");
}

static void case_dr6(void)
{
	struct pkt_spec s = spec6(VIP_DR, 40000, 80, PKT_TCP_ACK);
	struct pkt_buf in, exp;

	pkt_v6_tcp(&in, &s);
	exp = in;
	fx_to_backend(&exp, "fd00:1::12");
	expect_frame(&in, XDP_TX, &exp, "dr6 verdict",
		     "dr6: only the MACs change, hop limit untouched");
	s = spec6(VIP_DR, 40001, 80, PKT_TCP_SYN);
	s.vlan = true;
	s.vid = 7;
	pkt_v6_tcp(&in, &s);
	exp = in;
	fx_to_backend_from(&exp, "fd00:1::12", &in);
	expect_frame(&in, XDP_TX, &exp, "dr6 vlan verdict",
		     "dr6: out of the ingress interface, tag kept");

	s = spec6(VIP_DR_UNR, 40000, 80, PKT_TCP_SYN);
	pkt_v6_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_NEIGH,
			    "dr6, unresolved: drop_no_neigh");
	s = spec6(VIP_HOLE, 40000, 80, PKT_TCP_SYN);
	pkt_v6_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_NO_ROUTE,
			    "backend in a blackhole route");
}

/*
 * The IPv6 next-hop cache (xdplb_nexthop6): a second packet towards a backend is answered
 * from this CPU's entry, so a neighbour's new MAC shows only after cfg_nh_ttl_ns; switching
 * IPv6 forwarding off on the ingress interface stops the balancer at once.
 */
static void case_nexthop6(void)
{
	static const __u8 moved[ETH_ALEN] = { 0x02, 0, 0, 0, 0xaa, 0x12 };
	__u64 ttl = fx.skel->rodata->cfg_nh_ttl_ns + 30000000ull, drop0;
	struct in6_addr be = a6("fd00:1::12");
	int ncpu = libbpf_num_possible_cpus(), id, cached = 0;
	struct xdplb_nh6 nh[ncpu > 0 ? ncpu : 1], saved[ncpu > 0 ? ncpu : 1];
	int nh_fd = bpf_map__fd(fx.skel->maps.xdplb_nexthop6);
	struct pkt_spec s;
	struct pkt_buf in;
	struct fx_run r;
	__u8 mac[ETH_ALEN];

	fx_backend_mac6(&be, mac);
	s = spec6(VIP_DR, 41000, 80, PKT_TCP_SYN);
	pkt_v6_tcp(&in, &s);
	if (run(&in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "first packet"))
		return;
	ASSERT_BYTES(r.out, ETH_ALEN, mac, ETH_ALEN, "first packet: the neighbour's MAC");
	id = fx_backend_id(&fx, VIP_DR, 80, IPPROTO_TCP, "fd00:1::12", 0);
	if (!ASSERT_TRUE(id > 0, "backend id") ||
	    !ASSERT_EQ(bpf_map_lookup_elem(nh_fd, &id, nh), 0, "read xdplb_nexthop6"))
		return;
	for (int c = 0; c < ncpu; c++)
		cached += nh[c].expires && !memcmp(nh[c].dst, &be, 16) &&
			  !memcmp(nh[c].dmac, mac, ETH_ALEN) && nh[c].ifindex == (__u32)fx.lb0;
	ASSERT_EQ(cached, 1, "one CPU's entry holds the answer");

	/* "within the TTL" must not depend on how fast the shell below runs (a loaded VM can
	 * take longer than the TTL): the entries last an hour until the check is made, then get
	 * their own expiry back, which the sleep then outlasts */
	memcpy(saved, nh, sizeof(nh));
	for (int c = 0; c < ncpu; c++)
		if (nh[c].expires)
			nh[c].expires = fx_coarse_now() + 3600ull * 1000000000ull;
	if (!ASSERT_EQ(bpf_map_update_elem(nh_fd, &id, nh, BPF_ANY), 0, "extend the entries") ||
	    sandbox_sh("ip -6 neigh replace fd00:1::12 lladdr 02:00:00:00:aa:12 nud permanent "
		       "dev lb0"))
		return;
	s.sport = 41001;
	pkt_v6_tcp(&in, &s);
	if (!run(&in, fx.lb0, &r) && ASSERT_EQ(r.retval, XDP_TX, "within the TTL"))
		ASSERT_BYTES(r.out, ETH_ALEN, mac, ETH_ALEN, "within the TTL: the cached MAC");
	if (!ASSERT_EQ(bpf_map_update_elem(nh_fd, &id, saved, BPF_ANY), 0, "restore the expiry"))
		return;
	fx_sleep_coarse(ttl);
	s.sport = 41002;
	pkt_v6_tcp(&in, &s);
	if (!run(&in, fx.lb0, &r) && ASSERT_EQ(r.retval, XDP_TX, "after the TTL"))
		ASSERT_BYTES(r.out, ETH_ALEN, moved, ETH_ALEN, "after the TTL: the new MAC");

	drop0 = fx_reason(&fx, XDPLB_R_DROP_FWD_DISABLED);
	sandbox_sh("sysctl -qw net.ipv6.conf.lb0.forwarding=0");
	s.sport = 41003;
	pkt_v6_tcp(&in, &s);
	if (!run(&in, fx.lb0, &r))
		ASSERT_EQ(r.retval, XDP_DROP, "forwarding off: dropped at once");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_FWD_DISABLED) - drop0, 1, "drop_fwd_disabled +1");
	sandbox_sh("sysctl -qw net.ipv6.conf.lb0.forwarding=1 && ip -6 neigh replace fd00:1::12 "
		   "lladdr 02:00:00:00:06:12 nud permanent dev lb0");
}

static void nat_reply_key(struct xdplb_flow_key *k, const char *be, __u16 bport, const char *cl,
			  __u16 cport, __u8 proto)
{
	struct in6_addr b = a6(be), c = a6(cl);

	memset(k, 0, sizeof(*k));
	memcpy(k->src, &b, 16);
	memcpy(k->dst, &c, 16);
	k->sport = htons(bport);
	k->dport = htons(cport);
	k->proto = proto;
	k->family = XDPLB_AF_INET6;
}

static void case_nat66_tcp(void)
{
	struct pkt_spec s = spec6(VIP_NAT, 40000, 80, PKT_TCP_SYN);
	struct in6_addr be = a6("fd00:1::13"), vip = a6(VIP_NAT);
	struct xdplb_flow_key k;
	struct xdplb_real_vip nv;
	struct xdplb_flow n;
	struct pkt_buf in, exp;
	struct fx_run r;

	pkt_v6_tcp(&in, &s);
	s.daddr6 = be;
	s.dport = 8080;
	pkt_v6_tcp(&exp, &s);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, "fd00:1::13");
	if (run(&in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "nat66 verdict"))
		return;
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len,
		     "nat66: destination and port rewritten, checksum updated");
	ASSERT_TRUE(csum_l4_ok(r.out + ETH_HLEN), "tcp checksum of the output");

	nat_reply_key(&k, "fd00:1::13", 8080, CLIENT, 40000, IPPROTO_TCP);
	if (ASSERT_EQ(lb_nat_get(&fx.lb, &k, &n, &nv), 0, "xdplb_nat6 entry written")) {
		ASSERT_BYTES(nv.vip_addr, 16, &vip, 16, "nat6 entry: vip address");
		ASSERT_EQ(ntohs(nv.vip_port), 80, "nat6 entry: vip port");
		ASSERT_EQ(n.real_id,
			  fx_backend_id(&fx, VIP_NAT, 80, IPPROTO_TCP, "fd00:1::13", 8080),
			  "nat6 entry: backend id");
	}

	/* the reply, backend :8080 -> client, arrives on lb0 */
	s = (struct pkt_spec){ .saddr6 = be,
			       .daddr6 = a6(CLIENT),
			       .sport = 8080,
			       .dport = 40000,
			       .seq = 100,
			       .ack = 8,
			       .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK,
			       .payload = "hello",
			       .payload_len = 5,
			       .ip = { .ttl = 63, .tos = 0x10 } };
	pkt_v6_tcp(&in, &s);
	s.saddr6 = vip;
	s.sport = 80;
	s.dmac = fx_router_mac;
	s.smac = fx_lb1_mac;
	pkt_v6_tcp(&exp, &s);
	pkt_ttl_dec(&exp);
	if (!run(&in, fx.lb0, &r) && ASSERT_EQ(r.retval, XDP_REDIRECT, "nat66 reply verdict")) {
		ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len,
			     "nat66 reply: source is the vip :80 again, towards the client");
		ASSERT_TRUE(csum_l4_ok(r.out + ETH_HLEN), "reply tcp checksum");
	}

	/* a reply-looking packet of no flow is not ours */
	s = (struct pkt_spec){ .saddr6 = be,
			       .daddr6 = a6(CLIENT),
			       .sport = 8080,
			       .dport = 40999,
			       .tcp_flags = PKT_TCP_ACK };
	pkt_v6_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
			    "no nat6 entry: pass_not_vip");
}

static void case_nat66_udp(void)
{
	struct pkt_spec s = { .saddr6 = a6(CLIENT),
			      .daddr6 = a6(VIP_NATU),
			      .sport = 5353,
			      .dport = 53,
			      .payload = "query",
			      .payload_len = 5,
			      .ip = { .ttl = 9 } };
	struct in6_addr be = a6("fd00:1::13");
	struct pkt_buf in, exp;

	pkt_v6_udp(&in, &s);
	s.daddr6 = be;
	pkt_v6_udp(&exp, &s);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, "fd00:1::13");
	expect_frame(&in, XDP_TX, &exp, "nat66 udp verdict",
		     "nat66 udp: address rewritten, port kept, checksum updated");

	s = (struct pkt_spec){ .saddr6 = be,
			       .daddr6 = a6(CLIENT),
			       .sport = 53,
			       .dport = 5353,
			       .payload = "answer",
			       .payload_len = 6 };
	pkt_v6_udp(&in, &s);
	s.saddr6 = a6(VIP_NATU);
	s.dmac = fx_router_mac;
	s.smac = fx_lb1_mac;
	pkt_v6_udp(&exp, &s);
	pkt_ttl_dec(&exp);
	expect_frame(&in, XDP_REDIRECT, &exp, "nat66 udp reply verdict", "nat66 udp reply");

	/* UDP over IPv6 must have a checksum (RFC 8200 8.1) */
	s = (struct pkt_spec){ .saddr6 = a6(CLIENT),
			       .daddr6 = a6(VIP_NATU),
			       .sport = 5999,
			       .dport = 53,
			       .payload = "query",
			       .payload_len = 5 };
	pkt_v6_udp(&in, &s);
	in.data[ETH_HLEN + PKT_IPV6_HLEN + 6] = in.data[ETH_HLEN + PKT_IPV6_HLEN + 7] = 0;
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L4,
			    "udp checksum 0 over ipv6: drop_malformed_l4");
}

/* A TCP frame to @vip with the extension headers @types (next header values, in order) before
 * the TCP header; routing headers get segments left @sl (an SRH with one segment, the
 * destination). */
static void build_ext(struct pkt_buf *b, const char *vip, __u16 sport, const __u8 *types, int n,
		      __u8 sl)
{
	struct in6_addr c = a6(CLIENT), v = a6(vip);

	pkt_reset(b);
	pkt_eth(b, NULL, NULL, ETH_P_IPV6);
	pkt_ipv6(b, &c, &v, n ? types[0] : IPPROTO_TCP,
		 &(struct pkt_ip_opt){ .tos = 0x04, .ttl = 33 });
	for (int i = 0; i < n; i++) {
		__u8 next = i + 1 < n ? types[i + 1] : IPPROTO_TCP;
		size_t h;

		if (types[i] == PKT_NH_ROUTE) {
			h = pkt_ipv6_ext(b, next, 24);
			b->data[h + 2] = 4; /* segment routing header (RFC 8754) */
			b->data[h + 3] = sl;
			b->data[h + 4] = 0; /* last entry */
			memset(b->data + h + 5, 0, 3);
			memcpy(b->data + h + 8, &v, 16);
		} else if (types[i] == PKT_NH_AH) {
			h = pkt_ipv6_ext(b, next, 24); /* RFC 4302: length in 4-byte units - 2 */
			b->data[h + 1] = 24 / 4 - 2;
			memset(b->data + h + 2, 0, 22);
			pkt_w32(b->data + h + 4, 0x100); /* SPI */
		} else {
			h = pkt_ipv6_ext(b, next, i % 2 ? 16 : 8);
		}
	}
	pkt_tcp(b, sport, 80, 1, 0, PKT_TCP_SYN, "ext", 3);
	pkt_finish(b);
}

static void case_ext_headers(void)
{
	static const __u8 three[] = { PKT_NH_HOP, PKT_NH_DEST, PKT_NH_ROUTE };
	static const __u8 four[] = { PKT_NH_HOP, PKT_NH_DEST, PKT_NH_ROUTE, PKT_NH_DEST };
	static const __u8 five[] = { PKT_NH_HOP, PKT_NH_DEST, PKT_NH_ROUTE, PKT_NH_DEST,
				     PKT_NH_DEST };
	static const __u8 rh[] = { PKT_NH_ROUTE };
	static const __u8 ah[] = { PKT_NH_AH };
	static const __u8 hop[] = { PKT_NH_HOP };
	struct xdplb_flow f;
	struct pkt_buf in;
	__u32 label;
	int be;

	build_ext(&in, VIP_TUN, 42000, three, 3, 0);
	ASSERT_TRUE(csum_l4_ok(in.data + ETH_HLEN), "builder: tcp checksum behind extensions");
	be = fx_expect_tun_to(&fx, &in, XDP_TX, tun_backends, 3, &label,
			      "hop-by-hop, dest options, routing (segments left 0): forwarded with "
			      "the extension headers byte for byte");
	ASSERT_TRUE(be >= 0 && !fx_flow(&fx, IPPROTO_TCP, CLIENT, 42000, VIP_TUN, 80, &f),
		    "flow of the tcp ports behind the extension headers");
	build_ext(&in, VIP_TUN, 42001, four, 4, 0);
	fx_expect_tun_to(&fx, &in, XDP_TX, tun_backends, 3, &label,
			 "four extension headers: forwarded");

	build_ext(&in, VIP_TUN, 42002, five, 5, 0);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT, "five extension headers");
	build_ext(&in, VIP_TUN, 42003, rh, 1, 1);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_SOURCE_ROUTE,
			    "routing, segments left 1");
	build_ext(&in, VIP_TUN, 42004, ah, 1, 0);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT, "AH");
	/* ESP: opaque after SPI and sequence number */
	{
		struct in6_addr c = a6(CLIENT), v = a6(VIP_TUN);

		pkt_reset(&in);
		pkt_eth(&in, NULL, NULL, ETH_P_IPV6);
		pkt_ipv6(&in, &c, &v, PKT_NH_ESP, NULL);
		pkt_put(&in, "\0\0\1\0\0\0\0\1encrypted....", 21);
		pkt_finish(&in);
		fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT, "ESP");
	}

	/* an extension header that runs past the packet */
	build_ext(&in, VIP_TUN, 42005, hop, 1, 0);
	in.data[ETH_HLEN + PKT_IPV6_HLEN + 1] = 8; /* 72 bytes, the packet has 8 + 23 */
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3,
			    "truncated extension header");
	/* the packet ends within an extension header: payload length 4 */
	build_ext(&in, VIP_TUN, 42006, hop, 1, 0);
	in.len = ETH_HLEN + PKT_IPV6_HLEN + 4;
	pkt_w16(in.data + ETH_HLEN + 4, 4);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3,
			    "cut in an extension header");
}

static void case_ext_nat(void)
{
	static const __u8 dst[] = { PKT_NH_DEST };
	struct in6_addr be = a6("fd00:1::13");
	struct pkt_buf in, exp;
	size_t l4 = ETH_HLEN + PKT_IPV6_HLEN + 8;

	/* NAT66 behind a destination options header: the port and checksum found behind it (and
	 * the hop limit one lower) */
	build_ext(&in, VIP_NAT, 42100, dst, 1, 0);
	exp = in;
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, "fd00:1::13");
	memcpy(exp.data + ETH_HLEN + 24, &be, 16);
	pkt_w16(exp.data + l4 + 2, 8080);
	pkt_finish(&exp);
	expect_frame(&in, XDP_TX, &exp, "nat66 with dest options",
		     "nat66 behind a destination options header");
}

static void case_malformed(void)
{
	struct pkt_spec s = spec6(VIP_TUN, 43000, 80, PKT_TCP_SYN);
	struct pkt_buf in;

	pkt_v6_tcp(&in, &s);
	in.len = ETH_HLEN + 39;
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3,
			    "39 bytes of ipv6 header");
	pkt_v6_tcp(&in, &s);
	in.data[ETH_HLEN] = 0x40 | (in.data[ETH_HLEN] & 0x0f); /* version 4 */
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3,
			    "version 4 in an ipv6 frame");
	pkt_v6_tcp(&in, &s);
	pkt_w16(in.data + ETH_HLEN + 4, pkt_r16(in.data + ETH_HLEN + 4) + 1);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L3,
			    "payload length one more than the frame");
	pkt_v6_tcp(&in, &s);
	pkt_w16(in.data + ETH_HLEN + 4, 0);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_IPV6_EXT,
			    "payload length 0 (jumbogram)");
	pkt_v6_tcp(&in, &s);
	in.len = ETH_HLEN + PKT_IPV6_HLEN + 10;
	pkt_w16(in.data + ETH_HLEN + 4, 10);
	fx_expect_untouched(&fx, &in, XDP_DROP, XDPLB_R_DROP_MALFORMED_L4,
			    "truncated tcp header to a vip");

	/* ethernet padding behind a short packet is fine: payload length rules */
	{
		struct pkt_spec u = {
			.saddr6 = a6(CLIENT), .daddr6 = a6(VIP_TUNU), .sport = 5400, .dport = 53
		};
		const char *const be[] = { "fd00:1::14" };
		struct pkt_buf exp;
		struct fx_run r;
		struct in6_addr src = a6(FX_TUNSRC6), b = a6(be[0]);
		__u8 mac[ETH_ALEN];
		size_t len;

		pkt_v6_udp(&in, &u);
		len = in.len;
		memset(in.data + in.len, 0xee, 8);
		in.len += 8;
		if (!run(&in, fx.lb0, &r) &&
		    ASSERT_EQ(r.retval, XDP_TX, "padded frame forwarded")) {
			in.len = len;
			fx_backend_mac6(&b, mac);
			pkt_encap6(&exp, mac, fx_lb0_mac, &in, &src, &b, fx_out_label(&r));
			/* the padding may or may not follow the packet: compare the packet */
			ASSERT_TRUE(r.out_len >= exp.len, "output holds the packet");
			ASSERT_BYTES(r.out, exp.len, exp.data, exp.len,
				     "padded frame: the packet encapsulated");
		}
	}
}

static void case_not_vip(void)
{
	struct pkt_spec s = spec6("2001:db8:f::1", 43000, 80, PKT_TCP_SYN);
	struct in6_addr c = a6(CLIENT), v = a6(VIP_TUN);
	struct pkt_buf in;

	pkt_v6_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "tcp to no vip");
	s = spec6(VIP_TUN, 43000, 81, PKT_TCP_SYN);
	pkt_v6_tcp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "vip address, other port");
	pkt_v6_udp(&in, &s);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "vip address, udp");
	pkt_reset(&in);
	pkt_eth(&in, NULL, NULL, ETH_P_IPV6);
	pkt_ipv6(&in, &c, &v, PKT_NH_NONE, NULL);
	pkt_put(&in, "nothing", 7);
	pkt_finish(&in);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "no next header (59)");
	pkt_reset(&in);
	pkt_eth(&in, NULL, NULL, ETH_P_IPV6);
	pkt_ipv6(&in, &c, &v, 47 /* GRE */, NULL);
	pkt_put(&in, "\0\0\x08\0", 4);
	pkt_finish(&in);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, "gre");
}

static void case_sticky(void)
{
	const char *const bes[] = { "fd00:1::11", "fd00:1::12", "fd00:1::13", "fd00:1::14" };
	struct pkt_spec s = { .saddr6 = a6(CLIENT), .daddr6 = a6(VIP_STICK), .dport = 4000 };
	int first[24], seen[4] = { 0 }, moved = 0;
	struct xdplb_flow f;
	struct pkt_buf in;
	__u32 label;

	for (int i = 0; i < 24; i++) {
		s.sport = 30000 + i;
		pkt_v6_udp(&in, &s);
		first[i] = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 3, &label, "new udp flow");
		if (first[i] < 0)
			return;
		seen[first[i]]++;
		if (ASSERT_EQ(fx_flow(&fx, IPPROTO_UDP, CLIENT, s.sport, VIP_STICK, 4000, &f), 0,
			      "xdplb_flows6 entry"))
			ASSERT_EQ(
			    f.real_id,
			    fx_backend_id(&fx, VIP_STICK, 4000, IPPROTO_UDP, bes[first[i]], 0),
			    "flow entry names the backend that got the packet");
	}
	ASSERT_TRUE(seen[0] && seen[1] && seen[2], "mh spreads 24 flows over all 3 backends");

	/* a fourth backend changes the table; established flows stay */
	if (!ASSERT_TRUE(fx_real_new(&fx, VIP_STICK, 4000, IPPROTO_UDP, bes[3], 0) > 0,
			 "add a fourth backend"))
		return;
	for (int i = 0; i < 24; i++) {
		s.sport = 30000 + i;
		pkt_v6_udp(&in, &s);
		ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, bes, 4, &label, "established flow"),
			  first[i], "established flow stays on its backend");
	}
	/* new flows do reach it */
	for (int i = 0; i < 32 && !moved; i++) {
		s.sport = 31000 + i;
		pkt_v6_udp(&in, &s);
		moved = fx_expect_tun_to(&fx, &in, XDP_TX, bes, 4, &label, "new flow") == 3;
	}
	ASSERT_TRUE(moved, "new flows reach the new backend");
}

static int setup(void)
{
	int err = 0;

	err |= fx_vip_new(&fx, VIP_TUN, 80, IPPROTO_TCP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0) < 0;
	for (int i = 0; i < 3; i++)
		err |= fx_real_new(&fx, VIP_TUN, 80, IPPROTO_TCP, tun_backends[i], 0) < 0;
	err |= fx_vip_new(&fx, VIP_TUNU, 53, IPPROTO_UDP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0) < 0;
	err |= fx_real_new(&fx, VIP_TUNU, 53, IPPROTO_UDP, "fd00:1::14", 0) < 0;
	err |= fx_vip_new(&fx, VIP_4IN6, 80, IPPROTO_TCP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0) < 0;
	err |= fx_real_new(&fx, VIP_4IN6, 80, IPPROTO_TCP, "fd00:1::12", 0) < 0;
	err |= fx_vip_new(&fx, VIP_DR, 80, IPPROTO_TCP, XDPLB_MODE_DR, XDPLB_SCHED_MH, 0) < 0;
	err |= fx_real_new(&fx, VIP_DR, 80, IPPROTO_TCP, "fd00:1::12", 0) < 0;
	err |= fx_vip_new(&fx, VIP_DR_UNR, 80, IPPROTO_TCP, XDPLB_MODE_DR, XDPLB_SCHED_MH, 0) < 0;
	err |= fx_real_new(&fx, VIP_DR_UNR, 80, IPPROTO_TCP, "fd00:1::99", 0) < 0;
	err |= fx_vip_new(&fx, VIP_NAT, 80, IPPROTO_TCP, XDPLB_MODE_NAT, XDPLB_SCHED_MH, 0) < 0;
	err |= fx_real_new(&fx, VIP_NAT, 80, IPPROTO_TCP, "fd00:1::13", 8080) < 0;
	err |= fx_vip_new(&fx, VIP_NATU, 53, IPPROTO_UDP, XDPLB_MODE_NAT, XDPLB_SCHED_MH, 0) < 0;
	err |= fx_real_new(&fx, VIP_NATU, 53, IPPROTO_UDP, "fd00:1::13", 0) < 0;
	err |= fx_vip_new(&fx, VIP_HOLE, 80, IPPROTO_TCP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0) < 0;
	err |= fx_real_new(&fx, VIP_HOLE, 80, IPPROTO_TCP, "fd00:9::1", 0) < 0;
	err |= fx_vip_new(&fx, VIP_STICK, 4000, IPPROTO_UDP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0) < 0;
	for (int i = 0; i < 3; i++)
		err |= fx_real_new(&fx, VIP_STICK, 4000, IPPROTO_UDP, tun_backends[i], 0) < 0;
	return err;
}

int main(void)
{
	REQUIRE_ROOT();
	/* one CPU: the per-CPU caches (next hops, flows) hold what the previous packet left */
	if (fx_pin_cpu(0)) {
		printf("pin to CPU 0 failed\n0 passed, 1 failed\n");
		return 1;
	}
	if (fx_setup(&fx) || setup()) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("tun: ipv6-in-ipv6, flow label per flow, xdplb_flows6", case_tun6);
	RUN_CASE("tun: udp over ipv6, traffic class, vlan tag kept", case_tun6_udp_vlan);
	RUN_CASE("tun: ipv4 vip to an ipv6 backend (ipv4-in-ipv6)", case_tun_4in6);
	RUN_CASE("tun: no tun_src6 is drop_no_source", case_no_source);
	RUN_CASE("dr: only the ethernet header changes; no neighbour, no route", case_dr6);
	RUN_CASE("nat66: tcp with port mapping, xdplb_nat6 and the reply", case_nat66_tcp);
	RUN_CASE("nat66: udp and its reply, checksum 0 refused", case_nat66_udp);
	RUN_CASE("parse: extension headers skipped, passed or dropped", case_ext_headers);
	RUN_CASE("parse: nat66 behind a destination options header", case_ext_nat);
	RUN_CASE("parse: malformed ipv6 headers", case_malformed);
	RUN_CASE("parse: ipv6 to no vip passes", case_not_vip);
	RUN_CASE("flows6: established flows stick when a backend is added", case_sticky);
	RUN_CASE("next hop: cached per cpu for ipv6 backends, forwarding off at once",
		 case_nexthop6);
	return TEST_MAIN_END();
}
