// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of fragments (issue #7), IPv4 and IPv6: an l3hash VIP keeps every
 * fragment of a client's datagrams on the backend of its unfragmented ones; other VIPs drop
 * them, fragments to no VIP pass; NAT with l3hash translates fragments both ways.  Expected
 * frames are built independently (pkt.h): a fragment is cut from a whole datagram built with
 * its final addresses, so its checksums are the datagram's own. */
#include "fixture.h"

static struct fixture fx;

#define VIP_L3	   "10.0.0.100" /* udp :5000, l3hash, tun, mh: 10.0.1.11..13 */
#define VIP_NOL3   "10.0.0.101" /* udp :5000, tun, 10.0.1.11 */
#define VIP_TWO	   "10.0.0.102" /* udp :5000 (10.0.1.11) and :5001 (10.0.1.12), l3hash */
#define VIP_NAT	   "10.0.0.110" /* udp :5000, l3hash, nat, mh: 10.0.1.13, 10.0.1.14 */
#define VIP6_L3	   "2001:db8:f::100"
#define VIP6_NOL3  "2001:db8:f::101"
#define VIP6_TWO   "2001:db8:f::102"
#define VIP6_NAT   "2001:db8:f::110"
#define NO_VIP	   "10.0.0.199"
#define NO_VIP6	   "2001:db8:f::199"
#define VPORT	   5000
#define NFRAG	   3
#define DGRAM_DATA 1000 /* UDP payload: 1008 bytes cut at 400 and 800 */

static const char *const bes4[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };
static const char *const bes6[] = { "fd00:1::11", "fd00:1::12", "fd00:1::13" };
static const char *const nat4[] = { "10.0.1.13", "10.0.1.14" };
static const char *const nat6[] = { "fd00:1::13", "fd00:1::14" };

struct dgram {
	struct pkt_buf whole, frag[NFRAG];
};

static bool is_v6(const char *a)
{
	return strchr(a, ':') != NULL;
}

/* A UDP datagram @src:@sport -> @dst:@dport of DGRAM_DATA bytes, whole and in three
 * fragments (IPv4 ID or IPv6 fragment identification @id). */
static void make_dgram(struct dgram *d, const char *src, __u16 sport, const char *dst, __u16 dport,
		       __u32 id)
{
	static const size_t cut[NFRAG + 1] = { 0, 400, 800, PKT_UDP_HLEN + DGRAM_DATA };
	unsigned char data[DGRAM_DATA];
	struct pkt_spec s = { .sport = sport,
			      .dport = dport,
			      .payload = data,
			      .payload_len = sizeof(data),
			      .ip = { .id = (__u16)id, .ttl = 60 } };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (__u8)(i * 7 + id);
	pkt_build_addrs(&d->whole, &s, IPPROTO_UDP, src, dst);
	for (int i = 0; i < NFRAG; i++) {
		if (is_v6(src))
			pkt_frag_v6(&d->frag[i], &d->whole, cut[i], cut[i + 1] - cut[i],
				    i + 1 < NFRAG, id);
		else
			pkt_frag_v4(&d->frag[i], &d->whole, cut[i], cut[i + 1] - cut[i],
				    i + 1 < NFRAG);
	}
}

/* A small unfragmented UDP datagram. */
static void make_small(struct pkt_buf *b, const char *src, __u16 sport, const char *dst,
		       __u16 dport)
{
	struct pkt_spec s = { .sport = sport,
			      .dport = dport,
			      .payload = "small one",
			      .payload_len = 9,
			      .ip = { .id = 1, .ttl = 60 } };

	pkt_build_addrs(b, &s, IPPROTO_UDP, src, dst);
}

/*
 * Several clients: each one's unfragmented datagrams and every fragment of its fragmented
 * datagram (other source port) go to one backend, whatever the order they come in; the flow
 * is keyed with ports 0; the clients spread over the backends.
 */
static void l3hash_clients(const char *vip, const char *const *bes, const char *client_fmt)
{
	int seen[3] = { 0 }, spread = 0;

	for (int c = 1; c <= 8; c++) {
		char client[64], what[128];
		struct pkt_buf small;
		struct dgram d;
		struct xdplb_flow f;
		__u32 label, l2;
		int be, b;

		snprintf(client, sizeof(client), client_fmt, c);
		make_dgram(&d, client, 7000 + c, vip, VPORT, 0x100 + c);
		make_small(&small, client, 6000 + c, vip, VPORT);
		snprintf(what, sizeof(what), "client %s, %s", client,
			 c % 2 ? "unfragmented datagram first" : "last fragment first");
		if (c % 2) {
			be = fx_expect_tun_to(&fx, &small, XDP_TX, bes, 3, &label, what);
			for (int i = 0; i < NFRAG && be >= 0; i++) {
				b = fx_expect_tun_to(&fx, &d.frag[i], XDP_TX, bes, 3, &l2, what);
				ASSERT_EQ(b, be, "fragment goes to the datagrams' backend");
				if (is_v6(vip))
					ASSERT_EQ(l2, label, "one flow: one flow label");
			}
		} else {
			be =
			    fx_expect_tun_to(&fx, &d.frag[NFRAG - 1], XDP_TX, bes, 3, &label, what);
			for (int i = 0; i < NFRAG - 1 && be >= 0; i++) {
				b = fx_expect_tun_to(&fx, &d.frag[i], XDP_TX, bes, 3, &l2, what);
				ASSERT_EQ(b, be, "fragment goes to the first one's backend");
			}
			b = fx_expect_tun_to(&fx, &small, XDP_TX, bes, 3, &l2, what);
			ASSERT_EQ(b, be, "unfragmented datagram follows the fragments");
		}
		if (be < 0)
			return;
		seen[be]++;
		if (ASSERT_EQ(fx_flow(&fx, IPPROTO_UDP, client, 0, vip, 0, &f), 0,
			      "flow keyed with ports 0"))
			ASSERT_EQ(f.real_id,
				  fx_backend_id(&fx, vip, VPORT, IPPROTO_UDP, bes[be], 0),
				  "flow's backend");
		ASSERT_TRUE(fx_flow(&fx, IPPROTO_UDP, client, 6000 + c, vip, VPORT, &f) == -ENOENT,
			    "no flow keyed with the ports");
	}
	for (int i = 0; i < 3; i++)
		spread += seen[i] > 0;
	ASSERT_TRUE(spread >= 2, "8 clients use several backends");
}

static void case_l3hash_v4(void)
{
	l3hash_clients(VIP_L3, bes4, "192.0.2.%d");
}

static void case_l3hash_v6(void)
{
	l3hash_clients(VIP6_L3, bes6, "2001:db8:c::%d");
}

static void drop_or_pass(const char *vip, __u16 port, int first_reason, int rest_reason,
			 const char *what)
{
	const char *client = is_v6(vip) ? "2001:db8:c::1" : "192.0.2.1";
	int first_verdict = first_reason == XDPLB_R_PASS_FRAGMENT ? XDP_PASS : XDP_DROP;
	int rest_verdict = rest_reason == XDPLB_R_PASS_FRAGMENT ? XDP_PASS : XDP_DROP;
	char w[160];
	struct dgram d;

	make_dgram(&d, client, 7777, vip, port, 0x4321);
	snprintf(w, sizeof(w), "%s: first fragment", what);
	fx_expect_untouched(&fx, &d.frag[0], first_verdict, first_reason, w);
	snprintf(w, sizeof(w), "%s: non-first fragment", what);
	fx_expect_untouched(&fx, &d.frag[1], rest_verdict, rest_reason, w);
	snprintf(w, sizeof(w), "%s: last fragment", what);
	fx_expect_untouched(&fx, &d.frag[2], rest_verdict, rest_reason, w);
}

static void case_policy(void)
{
	const char *const one4[] = { "10.0.1.11" }, *const one6[] = { "fd00:1::11" };
	const char *const two4[] = { "10.0.1.12" }, *const two6[] = { "fd00:1::12" };
	struct pkt_buf small;
	struct dgram d;

	/* without l3hash: fragments have nowhere to go */
	drop_or_pass(VIP_NOL3, VPORT, XDPLB_R_DROP_FRAGMENT, XDPLB_R_DROP_FRAGMENT,
		     "vip without l3hash");
	drop_or_pass(VIP6_NOL3, VPORT, XDPLB_R_DROP_FRAGMENT, XDPLB_R_DROP_FRAGMENT,
		     "ipv6 vip without l3hash");
	make_small(&small, "192.0.2.1", 6000, VIP_NOL3, VPORT);
	fx_expect_tun_to(&fx, &small, XDP_TX, one4, 1, NULL, "its unfragmented datagrams go");
	make_small(&small, "2001:db8:c::1", 6000, VIP6_NOL3, VPORT);
	fx_expect_tun_to(&fx, &small, XDP_TX, one6, 1, NULL, "its unfragmented datagrams go");

	/* no VIP on the address, or on the address for that protocol */
	drop_or_pass(NO_VIP, VPORT, XDPLB_R_PASS_FRAGMENT, XDPLB_R_PASS_FRAGMENT, "no vip");
	drop_or_pass(NO_VIP6, VPORT, XDPLB_R_PASS_FRAGMENT, XDPLB_R_PASS_FRAGMENT, "no ipv6 vip");
	/* a first fragment has ports: to a port without a VIP it is not ours (a non-first one
	 * cannot tell, and goes to the address's l3hash VIP) */
	make_dgram(&d, "192.0.2.1", 7000, VIP_L3, 5999, 78);
	fx_expect_untouched(&fx, &d.frag[0], XDP_PASS, XDPLB_R_PASS_FRAGMENT,
			    "l3hash vip address, other port: first fragment");
	make_dgram(&d, "2001:db8:c::1", 7000, VIP6_L3, 5999, 78);
	fx_expect_untouched(&fx, &d.frag[0], XDP_PASS, XDPLB_R_PASS_FRAGMENT,
			    "ipv6 l3hash vip address, other port: first fragment");

	/* two VIPs on one address and protocol: a non-first fragment cannot be placed, a first
	 * one (it has ports) goes to its VIP */
	make_dgram(&d, "192.0.2.1", 7000, VIP_TWO, 5001, 77);
	fx_expect_tun_to(&fx, &d.frag[0], XDP_TX, two4, 1, NULL, "two vips: first fragment");
	fx_expect_untouched(&fx, &d.frag[1], XDP_DROP, XDPLB_R_DROP_FRAGMENT,
			    "two vips: non-first fragment");
	make_dgram(&d, "2001:db8:c::1", 7000, VIP6_TWO, 5001, 77);
	fx_expect_tun_to(&fx, &d.frag[0], XDP_TX, two6, 1, NULL, "two ipv6 vips: first fragment");
	fx_expect_untouched(&fx, &d.frag[1], XDP_DROP, XDPLB_R_DROP_FRAGMENT,
			    "two ipv6 vips: non-first fragment");
}

static void tcp_frag(struct pkt_buf *out, const char *dst, bool first)
{
	struct pkt_buf whole;
	struct pkt_spec s = { .sport = 1234,
			      .dport = VPORT,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = "0123456789abcdef0123456789abcdef",
			      .payload_len = 32,
			      .ip = { .id = 9 } };

	pkt_build_addrs(&whole, &s, IPPROTO_TCP, is_v6(dst) ? "2001:db8:c::1" : "192.0.2.1", dst);
	if (is_v6(dst))
		pkt_frag_v6(out, &whole, first ? 0 : 24, first ? 24 : 28, first, 9);
	else
		pkt_frag_v4(out, &whole, first ? 0 : 24, first ? 24 : 28, first);
}

static void case_other_proto(void)
{
	struct pkt_buf b;

	/* the l3hash VIPs are UDP: TCP fragments to their address are not theirs */
	tcp_frag(&b, VIP_L3, true);
	fx_expect_untouched(&fx, &b, XDP_PASS, XDPLB_R_PASS_FRAGMENT, "tcp first fragment");
	tcp_frag(&b, VIP_L3, false);
	fx_expect_untouched(&fx, &b, XDP_PASS, XDPLB_R_PASS_FRAGMENT, "tcp non-first fragment");
	tcp_frag(&b, VIP6_L3, true);
	fx_expect_untouched(&fx, &b, XDP_PASS, XDPLB_R_PASS_FRAGMENT, "ipv6 tcp first fragment");
	tcp_frag(&b, VIP6_L3, false);
	fx_expect_untouched(&fx, &b, XDP_PASS, XDPLB_R_PASS_FRAGMENT,
			    "ipv6 tcp non-first fragment");
}

/* Address entries the control plane keeps for fragments: {addr, 0, proto, family | 0x80}. */
static void case_addr_entries(void)
{
	struct {
		const char *addr;
		__u16 vport; /* the VIP it must copy; 0 = id 0 */
	} e[] = { { VIP_L3, VPORT }, { VIP6_L3, VPORT }, { VIP_NOL3, 0 },    { VIP6_NOL3, 0 },
		  { VIP_TWO, 0 },    { VIP6_TWO, 0 },	 { VIP_NAT, VPORT }, { VIP6_NAT, VPORT } };

	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		struct xdplb_vip_key k = fx_key(e[i].addr, 0, IPPROTO_UDP);
		struct xdplb_vip v, want = {};

		k.family |= XDPLB_AF_ADDR;
		if (!ASSERT_EQ(bpf_map_lookup_elem(FX_FD(&fx, vips), &k, &v), 0, e[i].addr))
			continue;
		if (e[i].vport) {
			struct xdplb_vip_key vk = fx_key(e[i].addr, e[i].vport, IPPROTO_UDP);

			lb_vip_get(&fx.lb, &vk, &want);
			ASSERT_BYTES(&v, sizeof(v), &want, sizeof(want),
				     "a copy of the l3hash vip");
		} else {
			ASSERT_EQ(v.id, 0, "several vips or no l3hash: id 0");
		}
	}
}

/* @exp = @in with its IP source (@dst false) or destination address replaced by @addr, the
 * TTL or hop limit one lower, the IPv4 header checksum recomputed, Ethernet @dmac/@smac: a
 * translated non-first fragment. */
static void readdress(struct pkt_buf *exp, const struct pkt_buf *in, bool dst, const char *addr,
		      const __u8 *dmac, const __u8 *smac)
{
	__be32 a[4];

	*exp = *in;
	if (fx_addr(addr, a) == XDPLB_AF_INET6) {
		memcpy(exp->data + ETH_HLEN + (dst ? 24 : 8), a, 16);
	} else {
		memcpy(exp->data + ETH_HLEN + (dst ? 16 : 12), a, 4);
		pkt_ipv4_fix_hdr(exp, ETH_HLEN, exp->len - ETH_HLEN);
	}
	pkt_ttl_dec(exp);
	pkt_set_eth(exp, dmac, smac);
}

static void set_nat_l3(struct xdplb_config *c, long on)
{
	c->flags |= XDPLB_CFG_F_NAT_L3;
}

static void nat_l3(const char *vip, const char *const *bes, const char *client)
{
	struct dgram d, t, reply, rt;
	struct pkt_buf small, exp;
	struct xdplb_config cfg;
	struct xdplb_real_vip nv;
	struct xdplb_flow n;
	struct fx_run r;
	__u8 mac[ETH_ALEN];
	__be32 a[4], va[4];
	const char *be = NULL;
	bool v6 = is_v6(vip);
	int rc;

	make_dgram(&d, client, 7100, vip, VPORT, 0x55);
	/* the first fragment picks the backend; it is translated like a whole datagram */
	if (fx_run(&fx, &d.frag[0], fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "first fragment"))
		return;
	for (int i = 0; i < 2; i++)
		if (fx_addr(bes[i], a) &&
		    !memcmp(r.out + ETH_HLEN + (v6 ? 24 : 16), a, v6 ? 16 : 4))
			be = bes[i];
	if (!ASSERT_TRUE(be != NULL, "translated to a backend of the vip"))
		return;
	fx_mac_of(be, mac);
	make_dgram(&t, client, 7100, be, VPORT, 0x55);
	exp = t.frag[0];
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, mac, fx_lb0_mac);
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len,
		     "first fragment: address translated, udp checksum of the datagram updated");
	/* non-first fragments: the address and the TTL (and IPv4 header checksum) only */
	for (int i = 1; i < NFRAG; i++) {
		readdress(&exp, &d.frag[i], true, be, mac, fx_lb0_mac);
		fx_expect_frame(&fx, &d.frag[i], XDP_TX, &exp, "non-first fragment translated");
	}
	/* the client's unfragmented datagrams go there too */
	make_small(&small, client, 7101, vip, VPORT);
	make_small(&exp, client, 7101, be, VPORT);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, mac, fx_lb0_mac);
	fx_expect_frame(&fx, &small, XDP_TX, &exp, "unfragmented datagram of the client");

	/* the reply entry: ports 0, vip_port 0 */
	fx_addr(vip, va);
	{
		struct xdplb_flow_key k = { .proto = IPPROTO_UDP };

		k.family = fx_addr(be, k.src);
		fx_addr(client, k.dst);
		rc = lb_nat_get(&fx.lb, &k, &n, &nv);
	}
	/* ports 0 in the key: the reply's ports are left alone (the VIP's port is VPORT) */
	if (ASSERT_EQ(rc, 0, "reply entry with ports 0")) {
		ASSERT_BYTES(nv.vip_addr, v6 ? 16 : 4, va, v6 ? 16 : 4, "reply entry: vip");
		ASSERT_EQ(n.real_id, (__u32)fx_backend_id(&fx, vip, VPORT, IPPROTO_UDP, be, 0),
			  "reply entry: the backend");
	}

	/* fragmented reply: looked up again with ports 0 */
	lb_config_get(&fx.lb, &cfg);
	ASSERT_TRUE(cfg.flags & XDPLB_CFG_F_NAT_L3, "control plane set XDPLB_CFG_F_NAT_L3");
	fx_config(&fx, set_nat_l3, 1);
	make_dgram(&reply, be, VPORT, client, 7100, 0x66);
	make_dgram(&rt, vip, VPORT, client, 7100, 0x66);
	exp = rt.frag[0];
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &reply.frag[0], XDP_REDIRECT, &exp,
			"reply first fragment: source is the vip, checksum updated");
	for (int i = 1; i < NFRAG; i++) {
		readdress(&exp, &reply.frag[i], false, vip, fx_router_mac, fx_lb1_mac);
		fx_expect_frame(&fx, &reply.frag[i], XDP_REDIRECT, &exp,
				"reply non-first fragment: source address and TTL only");
	}
	make_small(&small, be, VPORT, client, 7101);
	make_small(&exp, vip, VPORT, client, 7101);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &small, XDP_REDIRECT, &exp, "unfragmented reply");
}

static void case_nat_v4(void)
{
	nat_l3(VIP_NAT, nat4, "192.0.2.50");
}

static void case_nat_v6(void)
{
	nat_l3(VIP6_NAT, nat6, "2001:db8:c::50");
}

static int vip(const char *addr, __u16 port, __u8 mode, __u16 flags, const char *const *bes, int n)
{
	int err = fx_vip_new(&fx, addr, port, IPPROTO_UDP, mode, XDPLB_SCHED_MH, flags) < 0;

	for (int i = 0; i < n; i++)
		err |= fx_real_new(&fx, addr, port, IPPROTO_UDP, bes[i], 0) < 0;
	if (err)
		fprintf(stderr, "setup: vip %s:%u failed\n", addr, port);
	return err;
}

int main(void)
{
	const __u16 L3 = XDPLB_VIP_F_L3HASH;
	int err = 0;

	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	err |= vip(VIP_L3, VPORT, XDPLB_MODE_TUN, L3, bes4, 3);
	err |= vip(VIP6_L3, VPORT, XDPLB_MODE_TUN, L3, bes6, 3);
	err |= vip(VIP_NOL3, VPORT, XDPLB_MODE_TUN, 0, bes4, 1);
	err |= vip(VIP6_NOL3, VPORT, XDPLB_MODE_TUN, 0, bes6, 1);
	err |= vip(VIP_TWO, VPORT, XDPLB_MODE_TUN, L3, bes4, 1);
	err |= vip(VIP_TWO, 5001, XDPLB_MODE_TUN, L3, bes4 + 1, 1);
	err |= vip(VIP6_TWO, VPORT, XDPLB_MODE_TUN, L3, bes6, 1);
	err |= vip(VIP6_TWO, 5001, XDPLB_MODE_TUN, L3, bes6 + 1, 1);
	err |= vip(VIP_NAT, VPORT, XDPLB_MODE_NAT, L3, nat4, 2);
	err |= vip(VIP6_NAT, VPORT, XDPLB_MODE_NAT, L3, nat6, 2);
	if (err) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("control plane: address entries for fragments", case_addr_entries);
	RUN_CASE("l3hash ipv4: fragments follow the client's datagrams", case_l3hash_v4);
	RUN_CASE("l3hash ipv6: fragments follow the client's datagrams", case_l3hash_v6);
	RUN_CASE("policy: no l3hash drops, no vip passes, two vips drop", case_policy);
	RUN_CASE("policy: fragments of another protocol pass", case_other_proto);
	RUN_CASE("nat l3hash ipv4: fragments and fragmented replies translated", case_nat_v4);
	RUN_CASE("nat l3hash ipv6: fragments and fragmented replies translated", case_nat_v6);
	return TEST_MAIN_END();
}
