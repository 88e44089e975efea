// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of the NAT reply filter (xdplb_nat_src): a packet for no VIP is
 * looked up in the flow tables' reply entries only when its source is a NAT-mode backend's address,
 * as the control plane (loader/lib/nat.c) keeps it through backend and VIP changes and bulk mode.
 * Whether the
 * lookup happened is seen in the bytes: a planted reply entry for a source that is no
 * backend would translate the packet if it were used.  Expected frames are built
 * independently (pkt.h). */
#include <sys/stat.h>
#include "fixture.h"

static struct fixture fx;

#define CLIENT	 "192.0.2.1"
#define CLIENT6	 "2001:db8:c::1"
#define VIP_NAT	 "10.0.0.80"	  /* tcp :80, nat, 10.0.1.11 :8080 */
#define VIP_NATU "10.0.0.81"	  /* udp :53, nat, 10.0.1.11 */
#define VIP_TUN	 "10.0.0.10"	  /* tcp :80, tun, 10.0.1.13 */
#define VIP_NAT6 "2001:db8:f::80" /* tcp :80, nat, fd00:1::13 :8080 */
#define BE	 "10.0.1.11"
#define BE_TUN	 "10.0.1.13"
#define OTHER	 "10.0.1.12" /* no backend, until a case makes it one */
#define BE6	 "fd00:1::13"
#define OTHER6	 "fd00:1::14"

/* The bit of address @a in the filter map: 1, 0, or -1 when the map cannot be read. */
static int filter_bit(const char *a)
{
	struct xdplb_nat_filter f;
	__u32 zero = 0, bit;
	__be32 w[4];

	fx_addr(a, w);
	bit = xdplb_nat_filter_bit(w[0] ^ w[1] ^ w[2] ^ w[3]);
	if (bpf_map_lookup_elem(FX_FD(&fx, nat_src), &zero, &f))
		return -1;
	return (f.bits[bit / 64] >> (bit % 64)) & 1;
}

/* Set bits in the filter map, or -1. */
static int filter_popcount(void)
{
	struct xdplb_nat_filter f;
	__u32 zero = 0;
	int n = 0;

	if (bpf_map_lookup_elem(FX_FD(&fx, nat_src), &zero, &f))
		return -1;
	for (size_t i = 0; i < sizeof(f.bits) / sizeof(f.bits[0]); i++)
		n += __builtin_popcountll(f.bits[i]);
	return n;
}

/* A frame @src:@sport -> @dst:@dport, TCP (ACK) or UDP, either family. */
static void frame(struct pkt_buf *b, __u8 proto, const char *src, __u16 sport, const char *dst,
		  __u16 dport)
{
	struct pkt_spec s = { .sport = sport,
			      .dport = dport,
			      .seq = 77,
			      .ack = 88,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = "answer",
			      .payload_len = 6,
			      .ip = { .id = 99, .ttl = 64 } };

	pkt_build_addrs(b, &s, proto, src, dst);
}

/* Plant a reply entry (xdplb_nat / xdplb_nat6) @src:@sport -> @dst:@dport for the first
 * backend of VIP @vip:@vport (its replies get the VIP back), as the data plane writes for a
 * NAT flow.  The key need not hold the backend's address: the entry is what counts. */
static int plant(__u8 proto, const char *src, __u16 sport, const char *dst, __u16 dport,
		 const char *vip, __u16 vport)
{
	struct xdplb_vip_key vk = fx_key(vip, vport, proto);
	struct xdplb_flow_key k = { .sport = htons(sport), .dport = htons(dport), .proto = proto };
	struct lb_real_entry e;
	struct xdplb_vip v;
	int err = lb_vip_get(&fx.lb, &vk, &v);

	if (err)
		return err;
	if (lb_real_list(&fx.lb, v.id, &e, 1) < 1)
		return -ENOENT;
	k.family = fx_addr(src, k.src);
	fx_addr(dst, k.dst);
	return lb_nat_put(&fx.lb, &k, e.id, 0);
}

/* Is the planted IPv4 entry still there (not used up, not evicted)? */
static bool planted4(__u8 proto, const char *src, __u16 sport, const char *dst, __u16 dport)
{
	struct xdplb_flow_key k = { .sport = htons(sport), .dport = htons(dport), .proto = proto };

	k.family = fx_addr(src, k.src);
	fx_addr(dst, k.dst);
	return !lb_nat_get(&fx.lb, &k, NULL, NULL);
}

/* The reply @src:@sport -> client @dst:@dport must leave translated: from @vip:@vport, one hop
 * less, towards the client's router (lb1). */
static void expect_translated(__u8 proto, const char *src, __u16 sport, const char *dst,
			      __u16 dport, const char *vip, __u16 vport, const char *what)
{
	struct pkt_buf in, exp;
	struct fx_run r;
	size_t l3;

	frame(&in, proto, src, sport, dst, dport);
	frame(&exp, proto, vip, vport, dst, dport);
	pkt_ttl_dec(&exp);
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_REDIRECT, what))
		return;
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, what);
	l3 = pkt_l3_off(&exp);
	if (pkt_l3_type(&exp) == ETH_P_IP)
		ASSERT_TRUE(csum_ipv4_hdr_ok(r.out + l3), "IPv4 header checksum of the output");
	ASSERT_TRUE(csum_l4_ok(r.out + l3), "L4 checksum of the output");
}

/* The packet @src:@sport -> @dst:@dport must pass untouched, counted as pass_not_vip. */
static void expect_passed(__u8 proto, const char *src, __u16 sport, const char *dst, __u16 dport,
			  const char *what)
{
	struct pkt_buf in;

	frame(&in, proto, src, sport, dst, dport);
	fx_expect_untouched(&fx, &in, XDP_PASS, XDPLB_R_PASS_NOT_VIP, what);
}

static int vip_add(const char *addr, __u16 port, __u8 proto, __u8 mode)
{
	int id = fx_vip_new(&fx, addr, port, proto, mode, XDPLB_SCHED_MH, 0);

	return id < 0 ? id : 0;
}

static int real_add(const char *vip, __u16 port, __u8 proto, const char *be, __u16 bport)
{
	int id = fx_real_new(&fx, vip, port, proto, be, bport);

	return id < 0 ? id : 0;
}

static int real_del(const char *vip, __u16 port, __u8 proto, const char *be, __u16 bport)
{
	struct xdplb_vip_key k = fx_key(vip, port, proto);
	__be32 a[4];
	__u8 fam = fx_addr(be, a);

	return lb_real_del(&fx.lb, &k, a, fam, htons(bport));
}

static int vip_mode(const char *vip, __u16 port, __u8 proto, __u8 mode)
{
	struct xdplb_vip_key k = fx_key(vip, port, proto);
	struct xdplb_vip v;
	int err = lb_vip_get(&fx.lb, &k, &v);

	if (err)
		return err;
	v.mode = mode;
	return lb_vip_set(&fx.lb, &k, &v);
}

/* The client's SYN @client:40000 -> @vip:80 goes to the backend @be :8080, one hop less, and
 * makes the reply entry.  false when it was not forwarded. */
static bool forward(const char *client, const char *vip, const char *be)
{
	struct pkt_buf in, exp;
	struct fx_run r;

	frame(&in, IPPROTO_TCP, client, 40000, vip, 80);
	frame(&exp, IPPROTO_TCP, client, 40000, be, 8080);
	pkt_ttl_dec(&exp);
	fx_to_backend(&exp, be);
	if (fx_run(&fx, &in, fx.lb0, &r) || !ASSERT_EQ(r.retval, XDP_TX, "forward"))
		return false;
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, "forward: to the backend :8080");
	return true;
}

static void case_backend_reply(void)
{
	ASSERT_EQ(filter_bit(BE), 1, "a NAT backend's bit is set");
	ASSERT_EQ(filter_bit(BE_TUN), 0, "a TUN backend's bit is clear");
	ASSERT_EQ(filter_bit(OTHER), 0, "no backend: bit clear");
	ASSERT_EQ(filter_popcount(), 2, "two bits: " BE " and " BE6);

	/* the client's SYN goes to the backend and makes the reply entry */
	if (!forward(CLIENT, VIP_NAT, BE))
		return;
	expect_translated(IPPROTO_TCP, BE, 8080, CLIENT, 40000, VIP_NAT, 80,
			  "reply of a NAT backend: from the VIP :80 again");
	/* the backend's reply of no flow is looked up and found nowhere */
	expect_passed(IPPROTO_TCP, BE, 8080, CLIENT, 40001, "NAT backend, no reply entry: passed");
}

static void case_not_a_backend(void)
{
	/* a reply entry exists, but its source is no NAT backend: never looked up */
	if (!ASSERT_EQ(plant(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000, VIP_NAT, 80), 0,
		       "plant a reply entry for " OTHER))
		return;
	ASSERT_EQ(filter_bit(OTHER), 0, OTHER " is no backend: bit clear");
	expect_passed(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000,
		      "source is no NAT backend: untouched, its entry not used");
	ASSERT_TRUE(planted4(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000), "the entry is still there");

	/* the same address as a NAT backend: the same packet is looked up and translated */
	if (!ASSERT_EQ(real_add(VIP_NAT, 80, IPPROTO_TCP, OTHER, 8080), 0, "add " OTHER))
		return;
	ASSERT_EQ(filter_bit(OTHER), 1, "a NAT backend now: bit set");
	expect_translated(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000, VIP_NAT, 80,
			  "source is a NAT backend now: its entry is used");

	/* removed: the bit goes, the entry is not used any more */
	ASSERT_EQ(real_del(VIP_NAT, 80, IPPROTO_TCP, OTHER, 8080), 0, "delete " OTHER);
	ASSERT_EQ(filter_bit(OTHER), 0, "backend removed: bit cleared");
	ASSERT_EQ(filter_bit(BE), 1, "the other backend's bit stays");
	expect_passed(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000, "removed backend: untouched");
	ASSERT_TRUE(planted4(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000), "the entry is still there");
}

static void case_shared_address(void)
{
	/* one address, backend of two NAT VIPs: its bit stays until the last goes */
	if (!ASSERT_EQ(real_add(VIP_NAT, 80, IPPROTO_TCP, OTHER, 8080), 0, "add to tcp VIP") ||
	    !ASSERT_EQ(real_add(VIP_NATU, 53, IPPROTO_UDP, OTHER, 0), 0, "add to udp VIP"))
		return;
	ASSERT_EQ(real_del(VIP_NAT, 80, IPPROTO_TCP, OTHER, 8080), 0, "delete from tcp VIP");
	ASSERT_EQ(filter_bit(OTHER), 1, "still a backend of the udp VIP: bit set");
	expect_translated(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000, VIP_NAT, 80,
			  "still a NAT backend: looked up");
	ASSERT_EQ(real_del(VIP_NATU, 53, IPPROTO_UDP, OTHER, 0), 0, "delete from udp VIP");
	ASSERT_EQ(filter_bit(OTHER), 0, "no NAT backend any more: bit cleared");
	expect_passed(IPPROTO_TCP, OTHER, 8080, CLIENT, 41000, "no NAT backend any more");
}

static void case_vip_mode(void)
{
	ASSERT_EQ(filter_bit(BE_TUN), 0, "tun backend: bit clear");
	if (!ASSERT_EQ(vip_mode(VIP_TUN, 80, IPPROTO_TCP, XDPLB_MODE_NAT), 0, "tun -> nat"))
		return;
	ASSERT_EQ(filter_bit(BE_TUN), 1, "its VIP became NAT: bit set");
	ASSERT_EQ(vip_mode(VIP_TUN, 80, IPPROTO_TCP, XDPLB_MODE_TUN), 0, "nat -> tun");
	ASSERT_EQ(filter_bit(BE_TUN), 0, "its VIP left NAT: bit cleared");
	ASSERT_EQ(filter_bit(BE), 1, "other NAT backends keep theirs");

	/* a NAT VIP deleted: its backends' bits go */
	if (!ASSERT_EQ(vip_add("10.0.0.90", 80, IPPROTO_TCP, XDPLB_MODE_NAT), 0, "add a NAT VIP") ||
	    !ASSERT_EQ(real_add("10.0.0.90", 80, IPPROTO_TCP, OTHER, 0), 0, "its backend"))
		return;
	ASSERT_EQ(filter_bit(OTHER), 1, "backend of the new VIP: bit set");
	{
		struct xdplb_vip_key k = fx_key("10.0.0.90", 80, IPPROTO_TCP);

		ASSERT_EQ(lb_vip_del(&fx.lb, &k), 0, "delete the VIP");
	}
	ASSERT_EQ(filter_bit(OTHER), 0, "VIP deleted: bit cleared");
}

static void case_ipv6(void)
{
	ASSERT_EQ(filter_bit(BE6), 1, "IPv6 NAT backend: bit set");
	ASSERT_EQ(filter_bit(OTHER6), 0, "IPv6 address of no backend: bit clear");
	if (!forward(CLIENT6, VIP_NAT6, BE6))
		return;
	expect_translated(IPPROTO_TCP, BE6, 8080, CLIENT6, 40000, VIP_NAT6, 80,
			  "IPv6 reply of a NAT backend: from the VIP :80 again");

	if (!ASSERT_EQ(plant(IPPROTO_TCP, OTHER6, 8080, CLIENT6, 41000, VIP_NAT6, 80), 0,
		       "plant a reply entry for " OTHER6))
		return;
	expect_passed(IPPROTO_TCP, OTHER6, 8080, CLIENT6, 41000,
		      "IPv6 source of no NAT backend: untouched, its entry not used");
	if (!ASSERT_EQ(real_add(VIP_NAT6, 80, IPPROTO_TCP, OTHER6, 8080), 0, "add " OTHER6))
		return;
	ASSERT_EQ(filter_bit(OTHER6), 1, "IPv6 NAT backend now: bit set");
	expect_translated(IPPROTO_TCP, OTHER6, 8080, CLIENT6, 41000, VIP_NAT6, 80,
			  "IPv6 source is a NAT backend now: its entry is used");
	ASSERT_EQ(real_del(VIP_NAT6, 80, IPPROTO_TCP, OTHER6, 8080), 0, "delete " OTHER6);
	ASSERT_EQ(filter_bit(OTHER6), 0, "IPv6 backend removed: bit cleared");
	expect_passed(IPPROTO_TCP, OTHER6, 8080, CLIENT6, 41000, "removed IPv6 backend: untouched");
}

/* An ICMP error frame @from -> @to quoting the whole IP packet of the frame @q. */
static void icmp_err(struct pkt_buf *b, const char *from, const char *to, const struct pkt_buf *q)
{
	size_t l3 = pkt_l3_off(q);

	pkt_reset(b);
	pkt_eth(b, NULL, NULL, ETH_P_IP);
	pkt_ipv4(b, ipv4_addr(from), ipv4_addr(to), IPPROTO_ICMP,
		 &(struct pkt_ip_opt){ .ttl = 64 });
	pkt_icmp(b, 3, 3, 0, q->data + l3, q->len - l3); /* port unreachable */
	pkt_finish(b);
}

static void case_icmp(void)
{
	struct pkt_buf got, orig, err, exp;

	/* OTHER's port unreachable about a client's datagram it got: the quote reversed is a
	 * reply tuple with a planted entry; OTHER is no backend, so it is not looked up */
	if (!ASSERT_EQ(plant(IPPROTO_UDP, OTHER, 5353, CLIENT, 45000, VIP_NATU, 53), 0,
		       "plant a udp reply entry for " OTHER))
		return;
	frame(&got, IPPROTO_UDP, CLIENT, 45000, OTHER, 5353);
	icmp_err(&err, OTHER, CLIENT, &got);
	fx_expect_untouched(&fx, &err, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
			    "icmp error from no NAT backend: untouched");

	if (!ASSERT_EQ(real_add(VIP_NATU, 53, IPPROTO_UDP, OTHER, 5353), 0, "add " OTHER))
		return;
	frame(&orig, IPPROTO_UDP, CLIENT, 45000, VIP_NATU, 53);
	icmp_err(&exp, VIP_NATU, CLIENT, &orig);
	pkt_ttl_dec(&exp); /* the outer header's: the quote is only translated */
	pkt_set_eth(&exp, fx_router_mac, fx_lb1_mac);
	fx_expect_frame(&fx, &err, XDP_REDIRECT, &exp,
			"icmp error from a NAT backend: translated back to the client");
	ASSERT_EQ(real_del(VIP_NATU, 53, IPPROTO_UDP, OTHER, 5353), 0, "delete " OTHER);
	fx_expect_untouched(&fx, &err, XDP_PASS, XDPLB_R_PASS_NOT_VIP,
			    "icmp error from a removed backend: untouched");
}

static void case_bulk(void)
{
	if (!ASSERT_EQ(lb_bulk_begin(&fx.lb), 0, "bulk mode begins"))
		return;
	ASSERT_EQ(real_add(VIP_NAT, 80, IPPROTO_TCP, OTHER, 8080), 0, "add in bulk mode");
	ASSERT_EQ(filter_bit(OTHER), 1, "bit set at once, before any table can name it");
	ASSERT_EQ(real_del(VIP_NAT, 80, IPPROTO_TCP, OTHER, 8080), 0, "delete in bulk mode");
	ASSERT_EQ(filter_bit(OTHER), 1, "cleared only at the flush (a stale bit is harmless)");
	ASSERT_EQ(lb_bulk_end(&fx.lb), 0, "bulk mode ends");
	ASSERT_EQ(filter_bit(OTHER), 0, "after the flush: bit cleared");
	ASSERT_EQ(filter_bit(BE), 1, "the others' bits stay");
	ASSERT_EQ(filter_popcount(), 2, "two bits again");
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (vip_add(VIP_NAT, 80, IPPROTO_TCP, XDPLB_MODE_NAT) ||
	    real_add(VIP_NAT, 80, IPPROTO_TCP, BE, 8080) ||
	    vip_add(VIP_NATU, 53, IPPROTO_UDP, XDPLB_MODE_NAT) ||
	    real_add(VIP_NATU, 53, IPPROTO_UDP, BE, 0) ||
	    vip_add(VIP_TUN, 80, IPPROTO_TCP, XDPLB_MODE_TUN) ||
	    real_add(VIP_TUN, 80, IPPROTO_TCP, BE_TUN, 0) ||
	    vip_add(VIP_NAT6, 80, IPPROTO_TCP, XDPLB_MODE_NAT) ||
	    real_add(VIP_NAT6, 80, IPPROTO_TCP, BE6, 8080)) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("nat backend's reply translated, bits of nat backends only", case_backend_reply);
	RUN_CASE("source of no nat backend: its nat entry not used until it is one",
		 case_not_a_backend);
	RUN_CASE("address shared by two nat vips: bit kept until the last goes",
		 case_shared_address);
	RUN_CASE("vip mode changes and vip delete move the bits", case_vip_mode);
	RUN_CASE("ipv6: translated, not looked up, added, removed", case_ipv6);
	RUN_CASE("icmp error from a backend: filtered on the quote's source", case_icmp);
	RUN_CASE("bulk mode: set at once, cleared at the flush", case_bulk);
	return TEST_MAIN_END();
}
