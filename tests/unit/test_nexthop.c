// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the next-hop cache (bpf/nexthop.h, next_hop_v4()): each CPU keeps
 * bpf_fib_lookup()'s answer per backend, and for NAT replies per client, for cfg_nh_ttl_ns.  What
 * must hold: a change of the kernel's neighbour or routing tables reaches the data plane within
 * that time (the tests change the sandbox's real tables and wait for it), and a different question
 * (another backend address under the same id, another tunnel source, ingress interface, a longer
 * packet, forwarding switched off) is answered afresh at once, without waiting.  NAT66 replies
 * (next_hop_v6() with xdplb_nhclient6) follow the same rules and have the same cases.
 */
#include <sched.h>
#include "fixture.h"

static struct fixture fx;

#define CLIENT	 "192.0.2.1"
#define VIP_TUN	 "10.0.0.10" /* TCP :80, TUN, backend BE_TUN only */
#define VIP_DR	 "10.0.0.60" /* TCP :80, DR, backend BE_DR only */
#define BE_TUN	 "10.0.1.11"
#define BE_DR	 "10.0.1.12"
#define BE_NEW	 "10.0.1.13"
#define VIP_NAT1 "10.0.0.80" /* TCP :80, NAT, backend BE_NAT:8080 */
#define VIP_NAT2 "10.0.0.81" /* the same */
#define BE_NAT	 "10.0.1.14"

#define CLIENT6	  "2001:db8:c::1"  /* via fd00:3::fe on lb1 (router_mac) */
#define VIP6_NAT1 "2001:db8:f::80" /* TCP :80, NAT, backend BE6_NAT:8080 */
#define VIP6_NAT2 "2001:db8:f::81" /* the same */
#define BE6_NAT	  "fd00:1::14"
#define ROUTER6_2 "fd00:3::fd" /* router2_mac */

static const __u8 router_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x03, 0xfe }; /* 10.0.3.254 */
static const __u8 moved_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0xaa, 0x11 };
static const __u8 router2_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x03, 0xfd }; /* 10.0.3.253 */

static __u16 next_sport = 30000;

/* A TCP ACK from the client to @vip:80 on a port of its own (a new flow each time, so the
 * flow table never hides what the next hop does), run through the program on @ifindex. */
static int send_pkt(const char *vip, int ifindex, size_t payload_len, struct fx_run *r)
{
	static const char payload[1500];
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT),
			      .daddr = ipv4_addr(vip),
			      .sport = next_sport++,
			      .dport = 80,
			      .seq = 1,
			      .ack = 1,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = payload,
			      .payload_len = payload_len,
			      .ip = { .frag_off = PKT_IP_DF } };
	struct pkt_buf in;

	pkt_v4_tcp(&in, &s);
	return fx_run(&fx, &in, ifindex, r);
}

/* Expect a forwarded frame with these MACs (and, for TUN, outer destination @be). */
static bool expect_fwd(const struct fx_run *r, int verdict, const __u8 *dmac, const __u8 *smac,
		       const char *what)
{
	char w[160];

	snprintf(w, sizeof(w), "%s: verdict", what);
	if (!ASSERT_EQ(r->retval, verdict, w) || !ASSERT_TRUE(r->out_len >= 14, "frame"))
		return false;
	snprintf(w, sizeof(w), "%s: destination MAC", what);
	ASSERT_BYTES(r->out, ETH_ALEN, dmac, ETH_ALEN, w);
	snprintf(w, sizeof(w), "%s: source MAC", what);
	ASSERT_BYTES(r->out + ETH_ALEN, ETH_ALEN, smac, ETH_ALEN, w);
	return !case_failed;
}

/* send_pkt() and expect_fwd(): true when the frame went out as expected. */
static bool send_expect(const char *vip, int ifindex, size_t payload_len, int verdict,
			const __u8 *dmac, const __u8 *smac, const char *what)
{
	struct fx_run r;

	return !send_pkt(vip, ifindex, payload_len, &r) &&
	       expect_fwd(&r, verdict, dmac, smac, what);
}

static void backend_mac(const char *be, __u8 mac[ETH_ALEN])
{
	fx_backend_mac(ipv4_addr(be), mac);
}

/* Long enough for any answer cached before now to have expired: the TTL plus a margin for
 * the coarse clock's tick. */
static void wait_ttl(void)
{
	fx_sleep_coarse(fx.skel->rodata->cfg_nh_ttl_ns + 30000000ull);
}

static int real_id(const char *vip, const char *be)
{
	return fx_backend_id(&fx, vip, 80, IPPROTO_TCP, be, 0);
}

/* Every CPU's cache entry of backend @id. */
static int nh_read(__u32 id, struct xdplb_nh *out)
{
	return bpf_map_lookup_elem(bpf_map__fd(fx.skel->maps.xdplb_nexthop), &id, out) ? -errno : 0;
}

static int nh_write(__u32 id, const struct xdplb_nh *v)
{
	return bpf_map_update_elem(bpf_map__fd(fx.skel->maps.xdplb_nexthop), &id, v, BPF_ANY)
		   ? -errno
		   : 0;
}

/*
 * Make backend @be's cached next hops (every CPU's) last an hour: an "at once" case then
 * proves that the question changed, not that the slow shell commands outlasted the TTL.
 */
static bool nh_extend(const char *vip, const char *be)
{
	int ncpu = libbpf_num_possible_cpus(), id = real_id(vip, be), n = 0;
	struct xdplb_nh nh[ncpu > 0 ? ncpu : 1];

	if (!ASSERT_TRUE(id > 0, "backend id") || !ASSERT_EQ(nh_read(id, nh), 0, "read the cache"))
		return false;
	for (int c = 0; c < ncpu; c++) {
		if (nh[c].expires) {
			nh[c].expires = fx_coarse_now() + 3600ull * 1000000000ull;
			n++;
		}
	}
	return ASSERT_TRUE(n > 0, "an entry to extend") &&
	       ASSERT_EQ(nh_write(id, nh), 0, "write the cache");
}

static void case_filled(void)
{
	int ncpu = libbpf_num_possible_cpus(), id = real_id(VIP_TUN, BE_TUN), found = 0;
	struct xdplb_nh nh[ncpu > 0 ? ncpu : 1];
	__u8 mac[ETH_ALEN];
	__u64 t0 = fx_coarse_now(), t1;

	backend_mac(BE_TUN, mac);
	if (!ASSERT_TRUE(id > 0 && ncpu > 0, "backend id") ||
	    !send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "tun"))
		return;
	t1 = fx_coarse_now();
	if (!ASSERT_EQ(nh_read(id, nh), 0, "read the cache"))
		return;
	for (int c = 0; c < ncpu; c++) {
		if (!nh[c].expires)
			continue;
		found++;
		ASSERT_EQ(nh[c].dst, ipv4_addr(BE_TUN), "cached: backend address");
		ASSERT_EQ(nh[c].src, ipv4_addr(FX_TUNSRC), "cached: tunnel source");
		ASSERT_EQ(nh[c].in_ifindex, fx.lb0, "cached: ingress interface");
		ASSERT_EQ(nh[c].ifindex, fx.lb0, "cached: egress interface");
		ASSERT_EQ(nh[c].proto, 4, "cached: protocol IPIP");
		ASSERT_EQ(nh[c].max_len, 20 + 20 + 20, "cached: checked length (outer IP)");
		ASSERT_BYTES(nh[c].dmac, ETH_ALEN, mac, ETH_ALEN, "cached: backend MAC");
		ASSERT_BYTES(nh[c].smac, ETH_ALEN, fx_lb0_mac, ETH_ALEN, "cached: lb0 MAC");
		ASSERT_TRUE(nh[c].expires >= t0 + fx.skel->rodata->cfg_nh_ttl_ns &&
				nh[c].expires <= t1 + fx.skel->rodata->cfg_nh_ttl_ns,
			    "cached: expires TTL after the packet");
	}
	ASSERT_EQ(found, 1, "one CPU's entry filled");
}

/* White box: an entry that has not expired is what the frame gets; one that has is asked
 * again.  (Written into every CPU's copy: the test may run on any.) */
static void case_used_until_expiry(void)
{
	int ncpu = libbpf_num_possible_cpus(), id = real_id(VIP_TUN, BE_TUN);
	struct xdplb_nh nh[ncpu > 0 ? ncpu : 1];
	const __u8 fake[ETH_ALEN] = { 0x02, 0xde, 0xad, 0xbe, 0xef, 0x01 };
	__u8 mac[ETH_ALEN];
	struct fx_run r;

	backend_mac(BE_TUN, mac);
	if (!ASSERT_TRUE(id > 0, "backend id") || send_pkt(VIP_TUN, fx.lb0, 0, &r) ||
	    !ASSERT_EQ(nh_read(id, nh), 0, "read the cache"))
		return;
	for (int c = 0; c < ncpu; c++) {
		nh[c].expires = fx_coarse_now() + 3600ull * 1000000000ull;
		nh[c].dst = ipv4_addr(BE_TUN);
		nh[c].src = ipv4_addr(FX_TUNSRC);
		nh[c].in_ifindex = fx.lb0;
		nh[c].ifindex = fx.lb0;
		nh[c].proto = 4;
		nh[c].max_len = 1500;
		memcpy(nh[c].dmac, fake, ETH_ALEN);
		memcpy(nh[c].smac, fx_lb0_mac, ETH_ALEN);
	}
	if (!ASSERT_EQ(nh_write(id, nh), 0, "write the cache"))
		return;
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, fake, fx_lb0_mac, "valid"))
		return;
	for (int c = 0; c < ncpu; c++)
		nh[c].expires = fx_coarse_now() - 1;
	if (!ASSERT_EQ(nh_write(id, nh), 0, "write the cache"))
		return;
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "expired: looked up again");
}

static void case_neigh_mac_change(void)
{
	__u8 tun_mac[ETH_ALEN], dr_mac[ETH_ALEN];

	backend_mac(BE_TUN, tun_mac);
	backend_mac(BE_DR, dr_mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, tun_mac, fx_lb0_mac, "tun") ||
	    !send_expect(VIP_DR, fx.lb0, 0, XDP_TX, dr_mac, fx_lb0_mac, "dr"))
		return;
	if (sandbox_sh("ip neigh replace %s lladdr 02:00:00:00:aa:11 nud permanent dev lb0 && "
		       "ip neigh replace %s lladdr 02:00:00:00:aa:11 nud permanent dev lb0",
		       BE_TUN, BE_DR))
		return;
	wait_ttl();
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, moved_mac, fx_lb0_mac, "tun: new MAC");
	send_expect(VIP_DR, fx.lb0, 0, XDP_TX, moved_mac, fx_lb0_mac, "dr: new MAC");
	sandbox_sh("ip neigh replace %s lladdr 02:00:00:00:01:0b nud permanent dev lb0 && "
		   "ip neigh replace %s lladdr 02:00:00:00:01:0c nud permanent dev lb0",
		   BE_TUN, BE_DR);
	wait_ttl();
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, tun_mac, fx_lb0_mac, "tun: MAC back");
}

static void case_route_change(void)
{
	__u8 mac[ETH_ALEN];

	backend_mac(BE_TUN, mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "direct"))
		return;
	/* a host route sends the backend through the router behind lb1 */
	if (sandbox_sh("ip route add %s/32 via 10.0.3.254 dev lb1", BE_TUN))
		return;
	wait_ttl();
	send_expect(VIP_TUN, fx.lb0, 0, XDP_REDIRECT, router_mac, fx_lb1_mac, "rerouted via lb1");
	sandbox_sh("ip route del %s/32", BE_TUN);
	wait_ttl();
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "route removed: direct again");
}

static void case_neigh_gone(void)
{
	__u64 pass0 = fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH);
	__u64 drop0 = fx_reason(&fx, XDPLB_R_DROP_NO_NEIGH);
	__u8 tun_mac[ETH_ALEN], dr_mac[ETH_ALEN];
	struct fx_run r;

	backend_mac(BE_TUN, tun_mac);
	backend_mac(BE_DR, dr_mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, tun_mac, fx_lb0_mac, "tun") ||
	    !send_expect(VIP_DR, fx.lb0, 0, XDP_TX, dr_mac, fx_lb0_mac, "dr"))
		return;
	if (sandbox_sh("ip neigh del %s dev lb0 && ip neigh del %s dev lb0", BE_TUN, BE_DR))
		return;
	wait_ttl();
	if (!send_pkt(VIP_TUN, fx.lb0, 0, &r))
		ASSERT_EQ(r.retval, XDP_PASS, "tun: encapsulated frame to the kernel");
	if (!send_pkt(VIP_DR, fx.lb0, 0, &r))
		ASSERT_EQ(r.retval, XDP_DROP, "dr: counted drop");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH) - pass0, 1, "pass_no_neigh +1");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_NEIGH) - drop0, 1, "drop_no_neigh +1");
	/* a failed lookup leaves nothing behind: once resolved, the next packet goes out */
	sandbox_sh("ip neigh replace %s lladdr 02:00:00:00:01:0b nud permanent dev lb0 && "
		   "ip neigh replace %s lladdr 02:00:00:00:01:0c nud permanent dev lb0",
		   BE_TUN, BE_DR);
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, tun_mac, fx_lb0_mac,
		    "tun: resolved again, at once");
	send_expect(VIP_DR, fx.lb0, 0, XDP_TX, dr_mac, fx_lb0_mac, "dr: resolved again, at once");
}

static void case_route_gone(void)
{
	__u64 drop0 = fx_reason(&fx, XDPLB_R_DROP_NO_ROUTE);
	__u8 mac[ETH_ALEN];
	struct fx_run r;

	backend_mac(BE_TUN, mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "tun"))
		return;
	if (sandbox_sh("ip route add blackhole %s/32", BE_TUN))
		return;
	wait_ttl();
	if (!send_pkt(VIP_TUN, fx.lb0, 0, &r))
		ASSERT_EQ(r.retval, XDP_DROP, "blackholed backend: dropped");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_ROUTE) - drop0, 1, "drop_no_route +1");
	sandbox_sh("ip route del blackhole %s/32", BE_TUN);
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "route back, at once");
}

/* The cache is per backend id; an id given to another backend must not inherit the old
 * backend's next hop, not even for a moment. */
static void case_id_reused(void)
{
	int id = real_id(VIP_TUN, BE_TUN), id2;
	__u8 mac[ETH_ALEN], mac2[ETH_ALEN];

	backend_mac(BE_TUN, mac);
	backend_mac(BE_NEW, mac2);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "old") ||
	    !nh_extend(VIP_TUN, BE_TUN) ||
	    !ASSERT_EQ(fx_real_del(&fx, VIP_TUN, 80, IPPROTO_TCP, BE_TUN), 0, "real del") ||
	    !ASSERT_EQ(fx_real_add(&fx, VIP_TUN, 80, IPPROTO_TCP, BE_NEW, 1), 0, "real add"))
		return;
	id2 = real_id(VIP_TUN, BE_NEW);
	ASSERT_EQ(id2, id, "the new backend got the old id (what this case is about)");
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac2, fx_lb0_mac, "new backend's MAC at once");
	/* put things back for the other cases */
	fx_real_del(&fx, VIP_TUN, 80, IPPROTO_TCP, BE_NEW);
	fx_real_add(&fx, VIP_TUN, 80, IPPROTO_TCP, BE_TUN, 1);
}

/* Source-based policy routing: a new tunnel source is a new question. */
static void case_tunnel_source(void)
{
	struct xdplb_config cfg;
	__u8 mac[ETH_ALEN];

	backend_mac(BE_TUN, mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "tun") ||
	    !nh_extend(VIP_TUN, BE_TUN) ||
	    sandbox_sh("ip route add 10.0.1.0/24 via 10.0.3.254 dev lb1 table 100 && "
		       "ip rule add from 10.0.1.2 lookup 100") ||
	    !ASSERT_EQ(lb_config_get(&fx.lb, &cfg), 0, "config"))
		return;
	cfg.tun_src4 = ipv4_addr("10.0.1.2");
	if (!ASSERT_EQ(lb_config_set(&fx.lb, &cfg), 0, "tunnel source 10.0.1.2"))
		return;
	send_expect(VIP_TUN, fx.lb0, 0, XDP_REDIRECT, router_mac, fx_lb1_mac,
		    "policy route at once");
	cfg.tun_src4 = ipv4_addr(FX_TUNSRC);
	lb_config_set(&fx.lb, &cfg);
	sandbox_sh("ip rule del from 10.0.1.2 lookup 100 && ip route flush table 100");
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "old source: main table again");
}

/* Policy routing by ingress interface: a packet from another interface is a new question. */
static void case_ingress_interface(void)
{
	__u8 mac[ETH_ALEN];

	backend_mac(BE_TUN, mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "from lb0") ||
	    !nh_extend(VIP_TUN, BE_TUN) ||
	    sandbox_sh("ip route add 10.0.1.0/24 via 10.0.3.254 dev lb1 table 101 && "
		       "ip rule add iif lb1 lookup 101"))
		return;
	send_expect(VIP_TUN, fx.lb1, 0, XDP_TX, router_mac, fx_lb1_mac,
		    "from lb1: its own route at once");
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "from lb0: unchanged");
	sandbox_sh("ip rule del iif lb1 lookup 101 && ip route flush table 101");
}

static void case_forwarding_off(void)
{
	__u64 drop0 = fx_reason(&fx, XDPLB_R_DROP_FWD_DISABLED);
	__u8 mac[ETH_ALEN];
	struct fx_run r;

	backend_mac(BE_TUN, mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "on") ||
	    !nh_extend(VIP_TUN, BE_TUN) || sandbox_sh("sysctl -qw net.ipv4.conf.lb0.forwarding=0"))
		return;
	if (!send_pkt(VIP_TUN, fx.lb0, 0, &r))
		ASSERT_EQ(r.retval, XDP_DROP, "off: dropped at once");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_FWD_DISABLED) - drop0, 1, "drop_fwd_disabled +1");
	sandbox_sh("sysctl -qw net.ipv4.conf.lb0.forwarding=1");
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "on again, at once");
}

/* A packet longer than any the route's MTU was checked for is checked. */
/* A packet longer than any the route's MTU was checked for is checked; a failed lookup
 * empties the entry, so the next packet asks again too. */
static void case_longer_packet(void)
{
	__u64 big0 = fx_reason(&fx, XDPLB_R_TX_TOO_BIG);
	__u8 mac[ETH_ALEN];
	struct fx_run r;

	backend_mac(BE_TUN, mac);
	if (!send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, mac, fx_lb0_mac, "short") ||
	    !nh_extend(VIP_TUN, BE_TUN) ||
	    sandbox_sh("ip route add %s/32 dev lb0 mtu lock 1000 && "
		       "ip neigh replace %s lladdr 02:00:00:00:aa:11 nud permanent dev lb0",
		       BE_TUN, BE_TUN))
		return;
	/* 20 + 20 + 960 = 1000 bytes inside, 1020 with the outer header: too big at once (a
	 * locked route MTU is what forwarding checks, without ip_forward_use_pmtu) */
	if (!send_pkt(VIP_TUN, fx.lb0, 960, &r)) {
		/* DF set: answered with fragmentation needed, next-hop MTU 1000 - 20 (tunnel) */
		ASSERT_EQ(r.retval, XDP_REDIRECT, "long: answered at once");
		ASSERT_EQ(r.out_len, 14 + 56, "ICMP answer length");
		if (r.out_len >= 14 + 28) {
			ASSERT_EQ(r.out[14 + 20], 3, "ICMP type destination unreachable");
			ASSERT_EQ(r.out[14 + 21], 4, "code fragmentation needed");
			ASSERT_EQ(r.out[14 + 26] << 8 | r.out[14 + 27], 980, "next-hop MTU");
		}
	}
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX_TOO_BIG) - big0, 1, "tx_too_big +1");
	/* the failure emptied the entry: the short packet sees the neighbour's new MAC */
	send_expect(VIP_TUN, fx.lb0, 0, XDP_TX, moved_mac, fx_lb0_mac,
		    "short after the failure: asked again");
	/* 980 + 20 fits */
	send_expect(VIP_TUN, fx.lb0, 940, XDP_TX, moved_mac, fx_lb0_mac, "fits the MTU");
	sandbox_sh("ip route del %s/32 && "
		   "ip neigh replace %s lladdr 02:00:00:00:01:0b nud permanent dev lb0",
		   BE_TUN, BE_TUN);
}

static int nat_vip(const char *vip)
{
	struct xdplb_vip_key k = fx_vip_key(vip, 80, IPPROTO_TCP);
	struct xdplb_vip v = { .mode = XDPLB_MODE_NAT };
	struct xdplb_real rl = { .family = 2, .weight = 1, .port = htons(8080) };

	rl.addr[0] = ipv4_addr(BE_NAT);
	return lb_vip_add(&fx.lb, &k, &v) ?: lb_real_add(&fx.lb, &k, &rl);
}

/* A NAT flow from @client:@sport to @vip:80 (its first packet writes the reply entry), then
 * the backend's reply, arriving on lb0. */
static int nat_reply(const char *vip, __be32 client, __u16 sport, struct fx_run *r)
{
	struct pkt_spec s = { .saddr = client,
			      .daddr = ipv4_addr(vip),
			      .sport = sport,
			      .dport = 80,
			      .seq = 1,
			      .tcp_flags = PKT_TCP_SYN };
	struct pkt_buf in;
	int err;

	pkt_v4_tcp(&in, &s);
	err = fx_run(&fx, &in, fx.lb0, r);
	if (err || !ASSERT_EQ(r->retval, XDP_TX, "nat: forward packet"))
		return err ?: -1;
	s = (struct pkt_spec){ .saddr = ipv4_addr(BE_NAT),
			       .daddr = client,
			       .sport = 8080,
			       .dport = sport,
			       .seq = 1,
			       .ack = 2,
			       .tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK };
	pkt_v4_tcp(&in, &s);
	return fx_run(&fx, &in, fx.lb0, r);
}

/* nat_reply() of CLIENT on a port of its own, and expect_fwd(): to @dmac from lb1. */
static bool nat_expect(const char *vip, const __u8 *dmac, const char *what)
{
	struct fx_run r;

	return !nat_reply(vip, ipv4_addr(CLIENT), next_sport++, &r) &&
	       expect_fwd(&r, XDP_REDIRECT, dmac, fx_lb1_mac, what);
}

/* White box, like nh_extend(): the client's slot (bpf/nat.h's index) lasts an hour. */
static bool nh_extend_client(__be32 client)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(fx.skel->maps.xdplb_nh_client);
	__u32 slot = (client * 0x9e3779b1u) >> 20;
	struct xdplb_nh nh[ncpu > 0 ? ncpu : 1];
	int n = 0;

	if (!ASSERT_EQ(bpf_map_lookup_elem(fd, &slot, nh), 0, "read the client's slot"))
		return false;
	for (int c = 0; c < ncpu; c++) {
		if (nh[c].expires && nh[c].dst == client) {
			nh[c].expires = fx_coarse_now() + 3600ull * 1000000000ull;
			n++;
		}
	}
	return ASSERT_TRUE(n > 0, "the client's entry") &&
	       ASSERT_EQ(bpf_map_update_elem(fd, &slot, nh, BPF_ANY), 0, "write the slot");
}

static void case_nat_reply_router_change(void)
{

	if (!nat_expect(VIP_NAT1, router_mac, "reply via the router"))
		return;
	if (sandbox_sh("ip neigh replace 10.0.3.254 lladdr 02:00:00:00:aa:11 nud permanent "
		       "dev lb1"))
		return;
	wait_ttl();
	nat_expect(VIP_NAT1, moved_mac, "router's new MAC");
	sandbox_sh("ip neigh replace 10.0.3.254 lladdr 02:00:00:00:03:fe nud permanent dev lb1");
	wait_ttl();
}

/* The reply's source (the VIP) is part of the question: source-based policy routing. */
static void case_nat_reply_vip_source(void)
{
	__be32 client = ipv4_addr(CLIENT);

	if (!nat_expect(VIP_NAT1, router_mac, "VIP 1: main table") || !nh_extend_client(client) ||
	    sandbox_sh("ip route add 192.0.2.0/24 via 10.0.3.253 dev lb1 table 102 && "
		       "ip rule add from %s lookup 102",
		       VIP_NAT2))
		return;
	nat_expect(VIP_NAT2, router2_mac, "VIP 2: its policy route at once");
	nat_expect(VIP_NAT1, router_mac, "VIP 1: unchanged");
	sandbox_sh("ip rule del from %s lookup 102 && ip route flush table 102", VIP_NAT2);
}

/* 5000 clients over 4096 slots: slots are shared, each reply must go to its own router. */
static void case_nat_reply_many_clients(void)
{
	struct fx_run r;
	int bad = 0;

	if (sandbox_sh("ip route add 100.64.0.0/16 via 10.0.3.254 dev lb1 && "
		       "ip route add 100.65.0.0/16 via 10.0.3.253 dev lb1"))
		return;
	for (int i = 0; i < 5000 && bad < 10; i++) {
		__be32 client = htonl((100u << 24) | ((64u + i % 2) << 16) | (i / 2 + 1));
		const __u8 *want = i % 2 ? router2_mac : router_mac;

		if (nat_reply(VIP_NAT1, client, 1000, &r) || r.retval != XDP_REDIRECT ||
		    memcmp(r.out, want, ETH_ALEN))
			bad++;
	}
	ASSERT_EQ(bad, 0, "replies to the right router");
	sandbox_sh("ip route del 100.64.0.0/16 && ip route del 100.65.0.0/16");
}

/* NAT66 replies: the client next-hop cache for IPv6 (xdplb_nhclient6). */

static int nat6_vip(const char *vip)
{
	if (fx_vip_new(&fx, vip, 80, IPPROTO_TCP, XDPLB_MODE_NAT, XDPLB_SCHED_MH, 0) < 0)
		return -1;
	return fx_real_new(&fx, vip, 80, IPPROTO_TCP, BE6_NAT, 8080) < 0 ? -1 : 0;
}

/* A NAT66 flow from @client:@sport to @vip:80: its first packet, arriving on lb0, writes
 * the reply entry. */
static int nat6_flow(const char *vip, const char *client, __u16 sport)
{
	struct pkt_spec s = { .saddr6 = ipv6_addr(client),
			      .daddr6 = ipv6_addr(vip),
			      .sport = sport,
			      .dport = 80,
			      .seq = 1,
			      .tcp_flags = PKT_TCP_SYN };
	struct pkt_buf in;
	struct fx_run r;
	int err;

	pkt_v6_tcp(&in, &s);
	err = fx_run(&fx, &in, fx.lb0, &r);
	if (err || !ASSERT_EQ(r.retval, XDP_TX, "nat66: forward packet"))
		return err ?: -1;
	return 0;
}

/* The backend's reply on that flow (@payload_len bytes of data), arriving on @ifindex. */
static int reply6(const char *client, __u16 sport, int ifindex, size_t payload_len,
		  struct fx_run *r)
{
	static const char payload[1500];
	struct pkt_spec s = { .saddr6 = ipv6_addr(BE6_NAT),
			      .daddr6 = ipv6_addr(client),
			      .sport = 8080,
			      .dport = sport,
			      .seq = 1,
			      .ack = 2,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = payload,
			      .payload_len = payload_len };
	struct pkt_buf in;

	pkt_v6_tcp(&in, &s);
	return fx_run(&fx, &in, ifindex, r);
}

/* Flow and reply in one: the reply arrives on lb0. */
static int nat6_reply(const char *vip, const char *client, struct fx_run *r)
{
	__u16 sport = next_sport++;

	return nat6_flow(vip, client, sport) ?: reply6(client, sport, fx.lb0, 0, r);
}

/* expect_fwd(), and the reply is the VIP's again (source address and port). */
static bool expect_reply6(const struct fx_run *r, int verdict, const __u8 *dmac, const __u8 *smac,
			  const char *vip, const char *what)
{
	struct in6_addr v = ipv6_addr(vip);
	char w[160];

	if (!expect_fwd(r, verdict, dmac, smac, what) ||
	    !ASSERT_TRUE(r->out_len >= 14 + 40 + 20, "reply frame"))
		return false;
	snprintf(w, sizeof(w), "%s: source is the VIP", what);
	ASSERT_BYTES(r->out + 14 + 8, 16, &v, 16, w);
	snprintf(w, sizeof(w), "%s: source port 80", what);
	ASSERT_EQ(pkt_r16(r->out + 14 + 40), 80, w);
	return !case_failed;
}

/* nat6_reply() of CLIENT6 and expect_reply6(): redirected to @dmac from lb1, from @vip. */
static bool nat6_expect(const char *vip, const __u8 *dmac, const char *what)
{
	struct fx_run r;

	return !nat6_reply(vip, CLIENT6, &r) &&
	       expect_reply6(&r, XDP_REDIRECT, dmac, fx_lb1_mac, vip, what);
}

/* reply6() on CLIENT6's flow from @sport to VIP6_NAT1, and expect_reply6() from lb1. */
static bool reply6_expect(__u16 sport, int ifindex, size_t payload_len, int verdict,
			  const __u8 *dmac, const char *what)
{
	struct fx_run r;

	return !reply6(CLIENT6, sport, ifindex, payload_len, &r) &&
	       expect_reply6(&r, verdict, dmac, fx_lb1_mac, VIP6_NAT1, what);
}

/* bpf/nat.h's client6_slot(), mirrored (white box). */
static __u32 client6_slot(const char *client, __be32 c[4])
{
	fx_addr(client, c);
	return ((((c[0] ^ c[1]) * 0x9e3779b1u ^ c[2]) * 0x85ebca6bu ^ c[3]) * 0x9e3779b1u) >> 20;
}

static int nh6_client_rw(const char *client, struct xdplb_nh6 *nh, bool write)
{
	int fd = bpf_map__fd(fx.skel->maps.xdplb_nhclient6);
	__be32 c[4];
	__u32 slot = client6_slot(client, c);
	int err = write ? bpf_map_update_elem(fd, &slot, nh, BPF_ANY)
			: bpf_map_lookup_elem(fd, &slot, nh);

	return err ? -errno : 0;
}

/* Like nh_extend_client(): the client's cached next hops last an hour. */
static bool nh6_extend_client(const char *client)
{
	int ncpu = libbpf_num_possible_cpus(), n = 0;
	struct xdplb_nh6 nh[ncpu > 0 ? ncpu : 1];
	__be32 c[4];

	fx_addr(client, c);
	if (!ASSERT_EQ(nh6_client_rw(client, nh, false), 0, "read the client's slot"))
		return false;
	for (int i = 0; i < ncpu; i++) {
		if (nh[i].expires && !memcmp(nh[i].dst, c, 16)) {
			nh[i].expires = fx_coarse_now() + 3600ull * 1000000000ull;
			n++;
		}
	}
	return ASSERT_TRUE(n > 0, "the client's entry") &&
	       ASSERT_EQ(nh6_client_rw(client, nh, true), 0, "write the slot");
}

static void case_nat66_filled(void)
{
	int ncpu = libbpf_num_possible_cpus(), found = 0;
	struct xdplb_nh6 nh[ncpu > 0 ? ncpu : 1];
	__u64 t0 = fx_coarse_now(), t1, ttl = fx.skel->rodata->cfg_nh_ttl_ns;
	__be32 c[4], v[4];

	fx_addr(CLIENT6, c);
	fx_addr(VIP6_NAT1, v);
	if (!nat6_expect(VIP6_NAT1, router_mac, "reply"))
		return;
	t1 = fx_coarse_now();
	if (!ASSERT_EQ(nh6_client_rw(CLIENT6, nh, false), 0, "read the client's slot"))
		return;
	for (int i = 0; i < ncpu; i++) {
		if (!nh[i].expires)
			continue;
		found++;
		ASSERT_BYTES(nh[i].dst, 16, c, 16, "cached: the client");
		ASSERT_BYTES(nh[i].src, 16, v, 16, "cached: the VIP as source");
		ASSERT_EQ(nh[i].in_ifindex, fx.lb0, "cached: ingress interface");
		ASSERT_EQ(nh[i].ifindex, fx.lb1, "cached: egress interface");
		ASSERT_EQ(nh[i].proto, IPPROTO_TCP, "cached: protocol");
		ASSERT_EQ(nh[i].max_len, 40 + 20, "cached: checked length");
		ASSERT_BYTES(nh[i].dmac, ETH_ALEN, router_mac, ETH_ALEN, "cached: router MAC");
		ASSERT_BYTES(nh[i].smac, ETH_ALEN, fx_lb1_mac, ETH_ALEN, "cached: lb1 MAC");
		ASSERT_TRUE(nh[i].expires >= t0 + ttl && nh[i].expires <= t1 + ttl,
			    "cached: expires TTL after the packet");
	}
	ASSERT_EQ(found, 1, "one CPU's entry filled");
}

/* White box: a valid entry is what the reply gets; an expired one is asked again. */
static void case_nat66_used_until_expiry(void)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xdplb_nh6 nh[ncpu > 0 ? ncpu : 1];
	const __u8 fake[ETH_ALEN] = { 0x02, 0xde, 0xad, 0xbe, 0xef, 0x06 };
	__be32 c[4], v[4];

	fx_addr(CLIENT6, c);
	fx_addr(VIP6_NAT1, v);
	for (int i = 0; i < ncpu; i++) {
		memset(&nh[i], 0, sizeof(nh[i]));
		nh[i].expires = fx_coarse_now() + 3600ull * 1000000000ull;
		memcpy(nh[i].dst, c, 16);
		memcpy(nh[i].src, v, 16);
		nh[i].in_ifindex = fx.lb0;
		nh[i].ifindex = fx.lb1;
		nh[i].proto = IPPROTO_TCP;
		nh[i].max_len = 1500;
		memcpy(nh[i].dmac, fake, ETH_ALEN);
		memcpy(nh[i].smac, fx_lb1_mac, ETH_ALEN);
	}
	if (!ASSERT_EQ(nh6_client_rw(CLIENT6, nh, true), 0, "write the slot"))
		return;
	if (!nat6_expect(VIP6_NAT1, fake, "valid: the entry's MAC"))
		return;
	for (int i = 0; i < ncpu; i++)
		nh[i].expires = fx_coarse_now() - 1;
	if (!ASSERT_EQ(nh6_client_rw(CLIENT6, nh, true), 0, "write the slot"))
		return;
	nat6_expect(VIP6_NAT1, router_mac, "expired: looked up again");
}

static void case_nat66_router_change(void)
{

	if (!nat6_expect(VIP6_NAT1, router_mac, "via the router"))
		return;
	if (sandbox_sh("ip -6 neigh replace fd00:3::fe lladdr 02:00:00:00:aa:11 nud permanent "
		       "dev lb1"))
		return;
	wait_ttl();
	nat6_expect(VIP6_NAT1, moved_mac, "router's new MAC");
	sandbox_sh("ip -6 neigh replace fd00:3::fe lladdr 02:00:00:00:03:fe nud permanent dev lb1");
	wait_ttl();
	nat6_expect(VIP6_NAT1, router_mac, "MAC back");
}

static void case_nat66_route_change(void)
{

	if (!nat6_expect(VIP6_NAT1, router_mac, "via the router"))
		return;
	if (sandbox_sh("ip -6 route add %s/128 via %s dev lb1", CLIENT6, ROUTER6_2))
		return;
	wait_ttl();
	nat6_expect(VIP6_NAT1, router2_mac, "host route: the other router");
	sandbox_sh("ip -6 route del %s/128", CLIENT6);
	wait_ttl();
	nat6_expect(VIP6_NAT1, router_mac, "route removed: the first router again");
}

static void case_nat66_neigh_gone(void)
{
	__u64 pass0 = fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH);
	struct fx_run r;

	if (!nat6_expect(VIP6_NAT1, router_mac, "via the router"))
		return;
	if (sandbox_sh("ip -6 neigh del fd00:3::fe dev lb1"))
		return;
	wait_ttl();
	if (!nat6_reply(VIP6_NAT1, CLIENT6, &r) &&
	    ASSERT_EQ(r.retval, XDP_PASS, "no neighbour: translated, to the kernel") &&
	    ASSERT_TRUE(r.out_len >= 14 + 40 + 20, "frame")) {
		struct in6_addr v = ipv6_addr(VIP6_NAT1);

		ASSERT_BYTES(r.out + 14 + 8, 16, &v, 16, "to the kernel: source is the VIP");
	}
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NO_NEIGH) - pass0, 1, "pass_no_neigh +1");
	/* a failed lookup leaves nothing behind: once resolved, the next reply goes out */
	sandbox_sh("ip -6 neigh replace fd00:3::fe lladdr 02:00:00:00:03:fe nud permanent dev lb1");
	nat6_expect(VIP6_NAT1, router_mac, "resolved again, at once");
}

static void case_nat66_route_gone(void)
{
	__u64 drop0 = fx_reason(&fx, XDPLB_R_DROP_NO_ROUTE);
	struct fx_run r;

	if (!nat6_expect(VIP6_NAT1, router_mac, "via the router"))
		return;
	if (sandbox_sh("ip -6 route add blackhole %s/128", CLIENT6))
		return;
	wait_ttl();
	if (!nat6_reply(VIP6_NAT1, CLIENT6, &r))
		ASSERT_EQ(r.retval, XDP_DROP, "blackholed client: dropped");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_ROUTE) - drop0, 1, "drop_no_route +1");
	sandbox_sh("ip -6 route del blackhole %s/128", CLIENT6);
	nat6_expect(VIP6_NAT1, router_mac, "route back, at once");
}

/* The reply's source (the VIP) is part of the question: source-based policy routing. */
static void case_nat66_vip_source(void)
{

	if (!nat6_expect(VIP6_NAT1, router_mac, "VIP 1: main table") ||
	    !nh6_extend_client(CLIENT6) ||
	    sandbox_sh("ip -6 route add 2001:db8:c::/64 via %s dev lb1 table 103 && "
		       "ip -6 rule add from %s lookup 103",
		       ROUTER6_2, VIP6_NAT2))
		return;
	nat6_expect(VIP6_NAT2, router2_mac, "VIP 2: its policy route at once");
	nat6_expect(VIP6_NAT1, router_mac, "VIP 1: unchanged");
	sandbox_sh("ip -6 rule del from %s lookup 103 && ip -6 route flush table 103", VIP6_NAT2);
}

/* Policy routing by ingress interface: a reply from another interface is a new question. */
static void case_nat66_ingress_interface(void)
{
	__u16 sport = next_sport++;

	if (nat6_flow(VIP6_NAT1, CLIENT6, sport) ||
	    !reply6_expect(sport, fx.lb0, 0, XDP_REDIRECT, router_mac, "from lb0") ||
	    !nh6_extend_client(CLIENT6) ||
	    sandbox_sh("ip -6 route add 2001:db8:c::/64 via %s dev lb1 table 104 && "
		       "ip -6 rule add iif lb1 lookup 104",
		       ROUTER6_2))
		return;
	reply6_expect(sport, fx.lb1, 0, XDP_TX, router2_mac, "from lb1: its own route at once");
	reply6_expect(sport, fx.lb0, 0, XDP_REDIRECT, router_mac, "from lb0: unchanged");
	sandbox_sh("ip -6 rule del iif lb1 lookup 104 && ip -6 route flush table 104");
}

static void case_nat66_forwarding_off(void)
{
	__u64 drop0 = fx_reason(&fx, XDPLB_R_DROP_FWD_DISABLED);
	__u16 sport = next_sport++;
	struct fx_run r;

	if (nat6_flow(VIP6_NAT1, CLIENT6, sport) ||
	    !reply6_expect(sport, fx.lb0, 0, XDP_REDIRECT, router_mac, "on") ||
	    !nh6_extend_client(CLIENT6) || sandbox_sh("sysctl -qw net.ipv6.conf.lb0.forwarding=0"))
		return;
	if (!reply6(CLIENT6, sport, fx.lb0, 0, &r))
		ASSERT_EQ(r.retval, XDP_DROP, "off: dropped at once");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_FWD_DISABLED) - drop0, 1, "drop_fwd_disabled +1");
	sandbox_sh("sysctl -qw net.ipv6.conf.lb0.forwarding=1");
	reply6_expect(sport, fx.lb0, 0, XDP_REDIRECT, router_mac, "on again, at once");
}

/* A reply longer than any the route's MTU was checked for is checked at once (the backend is
 * told the client's path MTU); the failed lookup empties the slot. */
static void case_nat66_longer_packet(void)
{
	__u64 big0 = fx_reason(&fx, XDPLB_R_TX_TOO_BIG);
	__u16 sport = next_sport++;
	struct fx_run r;

	if (nat6_flow(VIP6_NAT1, CLIENT6, sport) ||
	    !reply6_expect(sport, fx.lb0, 0, XDP_REDIRECT, router_mac, "short") ||
	    !nh6_extend_client(CLIENT6) ||
	    sandbox_sh("ip -6 route add %s/128 via %s dev lb1 mtu lock 1300", CLIENT6, ROUTER6_2))
		return;
	/* 40 + 20 + 1340 = 1400 > 1300 */
	if (!reply6(CLIENT6, sport, fx.lb0, 1340, &r)) {
		ASSERT_EQ(r.retval, XDP_REDIRECT, "long: answered at once");
		if (ASSERT_TRUE(r.out_len >= 14 + 40 + 8, "ICMPv6 answer")) {
			struct in6_addr be = ipv6_addr(BE6_NAT);

			ASSERT_EQ(r.out[14 + 6], IPPROTO_ICMPV6, "next header ICMPv6");
			ASSERT_BYTES(r.out + 14 + 24, 16, &be, 16, "to the backend");
			ASSERT_EQ(r.out[14 + 40], 2, "type packet too big");
			ASSERT_EQ(pkt_r16(r.out + 14 + 46), 1300, "MTU 1300");
		}
	}
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_TX_TOO_BIG) - big0, 1, "tx_too_big +1");
	/* the failure emptied the slot: the short reply sees the new route's router */
	reply6_expect(sport, fx.lb0, 0, XDP_REDIRECT, router2_mac,
		      "short after the failure: asked again");
	/* 40 + 20 + 1240 = 1300 fits */
	reply6_expect(sport, fx.lb0, 1240, XDP_REDIRECT, router2_mac, "fits the MTU");
	sandbox_sh("ip -6 route del %s/128", CLIENT6);
}

/* 5000 clients over 4096 slots: slots are shared, each reply must go to its own router. */
static void case_nat66_many_clients(void)
{
	char client[64];
	struct fx_run r;
	int bad = 0;

	if (sandbox_sh("ip -6 route add 2001:db8:d:1::/64 via fd00:3::fe dev lb1 && "
		       "ip -6 route add 2001:db8:d:2::/64 via %s dev lb1",
		       ROUTER6_2))
		return;
	for (int i = 0; i < 5000 && bad < 10; i++) {
		const __u8 *want = i % 2 ? router2_mac : router_mac;

		snprintf(client, sizeof(client), "2001:db8:d:%d::%x:%x", 1 + i % 2, i / 512,
			 i % 512 + 1);
		if (nat6_flow(VIP6_NAT1, client, 1000) || reply6(client, 1000, fx.lb0, 0, &r) ||
		    r.retval != XDP_REDIRECT || memcmp(r.out, want, ETH_ALEN))
			bad++;
	}
	ASSERT_EQ(bad, 0, "replies to the right router");
	sandbox_sh("ip -6 route del 2001:db8:d:1::/64 && ip -6 route del 2001:db8:d:2::/64");
}

int main(void)
{
	REQUIRE_ROOT();
	/* one CPU: the white-box cases read "the" entry; the others hold on any CPU */
	if (fx_pin_cpu(0) || fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (fx_vip_add_sched(&fx, VIP_TUN, 80, IPPROTO_TCP, XDPLB_SCHED_MH, XDPLB_MODE_TUN, 0) <
		0 ||
	    fx_real_add(&fx, VIP_TUN, 80, IPPROTO_TCP, BE_TUN, 1) ||
	    fx_vip_add_sched(&fx, VIP_DR, 80, IPPROTO_TCP, XDPLB_SCHED_MH, XDPLB_MODE_DR, 0) < 0 ||
	    fx_real_add(&fx, VIP_DR, 80, IPPROTO_TCP, BE_DR, 1) || nat_vip(VIP_NAT1) ||
	    nat_vip(VIP_NAT2) || nat6_vip(VIP6_NAT1) || nat6_vip(VIP6_NAT2) ||
	    sandbox_sh("ip neigh replace 10.0.3.253 lladdr 02:00:00:00:03:fd nud permanent "
		       "dev lb1 && ip -6 neigh replace %s lladdr 02:00:00:00:03:fd nud permanent "
		       "dev lb1",
		       ROUTER6_2)) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("next hop cached per backend after a packet", case_filled);
	RUN_CASE("cached next hop used until it expires, then looked up", case_used_until_expiry);
	RUN_CASE("neighbour MAC change reaches the frames within the TTL", case_neigh_mac_change);
	RUN_CASE("route change reaches the frames within the TTL", case_route_change);
	RUN_CASE("neighbour gone: no neigh path within the TTL", case_neigh_gone);
	RUN_CASE("route gone: counted drop within the TTL", case_route_gone);
	RUN_CASE("backend id given to another address: its own next hop at once", case_id_reused);
	RUN_CASE("another tunnel source: looked up at once", case_tunnel_source);
	RUN_CASE("another ingress interface: looked up at once", case_ingress_interface);
	RUN_CASE("forwarding switched off: dropped at once", case_forwarding_off);
	RUN_CASE("packet longer than any checked: MTU checked at once", case_longer_packet);
	RUN_CASE("nat reply: the client's router MAC change within the TTL",
		 case_nat_reply_router_change);
	RUN_CASE("nat reply: another VIP as source: looked up at once", case_nat_reply_vip_source);
	RUN_CASE("nat reply: clients sharing a slot each get their own next hop",
		 case_nat_reply_many_clients);
	RUN_CASE("nat66 reply: next hop cached per client after a reply", case_nat66_filled);
	RUN_CASE("nat66 reply: cached next hop used until it expires, then looked up",
		 case_nat66_used_until_expiry);
	RUN_CASE("nat66 reply: the client's router MAC change within the TTL",
		 case_nat66_router_change);
	RUN_CASE("nat66 reply: route change within the TTL", case_nat66_route_change);
	RUN_CASE("nat66 reply: neighbour gone: no neigh path within the TTL",
		 case_nat66_neigh_gone);
	RUN_CASE("nat66 reply: route gone: counted drop within the TTL", case_nat66_route_gone);
	RUN_CASE("nat66 reply: another VIP as source: looked up at once", case_nat66_vip_source);
	RUN_CASE("nat66 reply: another ingress interface: looked up at once",
		 case_nat66_ingress_interface);
	RUN_CASE("nat66 reply: forwarding switched off: dropped at once",
		 case_nat66_forwarding_off);
	RUN_CASE("nat66 reply: longer than any checked: MTU checked at once",
		 case_nat66_longer_packet);
	RUN_CASE("nat66 reply: clients sharing a slot each get their own next hop",
		 case_nat66_many_clients);
	return TEST_MAIN_END();
}
