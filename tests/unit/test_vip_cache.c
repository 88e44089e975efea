// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the per-CPU VIP cache (bpf/vip_cache.h): answers, "no VIP"
 * included, are kept per {destination, port, protocol} while xdplb_config.vip_gen stays, and
 * every VIP change through the state API (loader/lib) bumps it.  So a packet right after vip add,
 * set or del must see the change, never a cached answer.  IPv4 (xdplb_vipcache) and IPv6
 * (xdplb_vipcache6) alike.  The process is pinned to one CPU, so that each packet finds what
 * the previous one cached.
 */
#include <sched.h>
#include "fixture.h"

static struct fixture fx;

#define CLIENT	 "192.0.2.1"
#define VIP	 "10.0.0.10"
#define BACKEND	 "10.0.1.11"
#define BACKEND2 "10.0.1.12"

#define CLIENT6	  "2001:db8:c::1"
#define VIP6	  "2001:db8:f::10"
#define BACKEND6  "fd00:1::11"
#define BACKEND62 "fd00:1::12"

static __u16 next_sport = 20000;

static int send_pkt(const char *vip, __u16 sport, __u16 dport, struct fx_run *r)
{
	struct pkt_spec s = { .saddr = ipv4_addr(CLIENT),
			      .daddr = ipv4_addr(vip),
			      .sport = sport,
			      .dport = dport,
			      .seq = 1,
			      .ack = 1,
			      .tcp_flags = PKT_TCP_ACK };
	struct pkt_buf in;

	pkt_v4_tcp(&in, &s);
	return fx_run(&fx, &in, fx.lb0, r);
}

/* Outer destination of an IPIP frame, or 0 when the frame is not one. */
static __be32 tun_backend(const struct fx_run *r)
{
	__be32 a = 0;

	if (r->out_len >= 14 + 20 && r->out[14 + 9] == 4)
		memcpy(&a, r->out + 14 + 16, 4);
	return a;
}

static __u32 vip_gen(void)
{
	struct xdplb_config cfg = {};

	lb_config_get(&fx.lb, &cfg);
	return cfg.vip_gen;
}

static int vip_add(__u16 port, __u8 mode, const char *backend)
{
	int id = fx_vip_add_sched(&fx, VIP, port, IPPROTO_TCP, XDPLB_SCHED_MH, mode, 0);

	if (id < 0)
		return id;
	return fx_real_add(&fx, VIP, port, IPPROTO_TCP, backend, 1);
}

static int vip_del(__u16 port)
{
	struct xdplb_vip_key k = fx_vip_key(VIP, port, IPPROTO_TCP);

	return lb_vip_del(&fx.lb, &k);
}

static void case_gen_bumped(void)
{
	struct xdplb_vip_key k = fx_vip_key(VIP, 80, IPPROTO_TCP);
	struct xdplb_vip v = { .mode = XDPLB_MODE_DR };
	__u32 g0 = vip_gen();

	if (!ASSERT_EQ(vip_add(80, XDPLB_MODE_TUN, BACKEND), 0, "vip add"))
		return;
	ASSERT_TRUE(vip_gen() != g0, "vip add bumps vip_gen");
	g0 = vip_gen();
	if (!ASSERT_EQ(lb_vip_set(&fx.lb, &k, &v), 0, "vip set"))
		return;
	ASSERT_TRUE(vip_gen() != g0, "vip set bumps vip_gen");
	g0 = vip_gen();
	ASSERT_EQ(vip_del(80), 0, "vip del");
	ASSERT_TRUE(vip_gen() != g0, "vip del bumps vip_gen");
}

/* "No VIP here" is cached too; adding the VIP must end it at once. */
static void case_add_after_miss(void)
{
	__u64 pass0 = fx_reason(&fx, XDPLB_R_PASS_NOT_VIP);
	__u16 sport = next_sport++;
	struct fx_run r;

	if (send_pkt(VIP, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_PASS, "before: no VIP") ||
	    !ASSERT_EQ(send_pkt(VIP, sport, 80, &r), 0, "run") ||
	    !ASSERT_EQ(r.retval, XDP_PASS, "again (now from the cache)"))
		return;
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NOT_VIP) - pass0, 2, "pass_not_vip +2");
	if (!ASSERT_EQ(vip_add(80, XDPLB_MODE_TUN, BACKEND), 0, "vip add"))
		return;
	if (!send_pkt(VIP, sport, 80, &r)) {
		ASSERT_EQ(r.retval, XDP_TX, "after vip add: forwarded at once");
		ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND), "to the backend");
	}
}

/* The VIP in the cache is a copy: a mode change must reach the next packet of a flow. */
static void case_set(void)
{
	struct xdplb_vip_key k = fx_vip_key(VIP, 80, IPPROTO_TCP);
	struct xdplb_vip v = { .mode = XDPLB_MODE_DR };
	__u16 sport = next_sport++;
	struct fx_run r;

	if (send_pkt(VIP, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_TX, "tun") ||
	    !ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND), "encapsulated") ||
	    send_pkt(VIP, sport, 80, &r) ||
	    !ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND), "again"))
		return;
	if (!ASSERT_EQ(lb_vip_set(&fx.lb, &k, &v), 0, "vip set mode dr"))
		return;
	if (send_pkt(VIP, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_TX, "dr: forwarded"))
		return;
	ASSERT_EQ(r.out_len, 14 + 20 + 20, "dr: not encapsulated (same length)");
	ASSERT_EQ(tun_backend(&r), 0, "dr: no outer header");
	v.mode = XDPLB_MODE_TUN;
	ASSERT_EQ(lb_vip_set(&fx.lb, &k, &v), 0, "vip set mode tun");
}

static void case_del(void)
{
	__u64 pass0 = fx_reason(&fx, XDPLB_R_PASS_NOT_VIP);
	__u16 sport = next_sport++;
	struct fx_run r;

	if (send_pkt(VIP, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_TX, "forwarded") ||
	    send_pkt(VIP, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_TX, "again"))
		return;
	if (!ASSERT_EQ(vip_del(80), 0, "vip del"))
		return;
	if (send_pkt(VIP, sport, 80, &r))
		return;
	ASSERT_EQ(r.retval, XDP_PASS, "after vip del: no VIP at once");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NOT_VIP) - pass0, 1, "pass_not_vip +1");
}

/* A port-0 VIP answered for port 80 (cached under port 80); a port-80 VIP added next to it
 * takes port 80 over at once, and the port-0 VIP keeps the other ports. */
static void case_port_vip_over_port0(void)
{
	__u16 sport = next_sport++;
	struct fx_run r;

	if (!ASSERT_EQ(vip_add(0, XDPLB_MODE_TUN, BACKEND), 0, "port-0 vip add") ||
	    send_pkt(VIP, sport, 80, &r) ||
	    !ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND), "port 80 via the port-0 VIP") ||
	    send_pkt(VIP, sport, 80, &r) ||
	    !ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND), "again"))
		return;
	if (!ASSERT_EQ(vip_add(80, XDPLB_MODE_TUN, BACKEND2), 0, "port-80 vip add"))
		return;
	if (!send_pkt(VIP, sport, 80, &r))
		ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND2), "port 80: the port-80 VIP at once");
	if (!send_pkt(VIP, sport, 443, &r))
		ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND), "port 443: still the port-0 VIP");
	vip_del(80);
	if (!send_pkt(VIP, sport, 80, &r))
		ASSERT_EQ(tun_backend(&r), ipv4_addr(BACKEND), "port-80 vip del: port-0 VIP again");
	vip_del(0);
}

/* Slots collide (1024 per CPU): many destinations in turn must each get their own answer. */
static void case_many_destinations(void)
{
	char addr[32];
	struct fx_run r;
	int bad = 0;

	if (!ASSERT_EQ(vip_add(80, XDPLB_MODE_TUN, BACKEND), 0, "vip add"))
		return;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3000; i++) {
			snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 250, i % 250 + 1);
			if (send_pkt(addr, 1000, 80, &r) || r.retval != XDP_PASS)
				bad++;
			if (i % 100 == 0 &&
			    (send_pkt(VIP, 1000, 80, &r) || tun_backend(&r) != ipv4_addr(BACKEND)))
				bad++;
		}
	}
	ASSERT_EQ(bad, 0, "non-VIP destinations pass, the VIP forwards, between them");
	vip_del(80);
}

/* IPv6: the same cases through xdplb_vipcache6. */

static int send6(const char *vip, __u8 proto, __u16 sport, __u16 dport, struct fx_run *r)
{
	struct pkt_spec s = { .saddr6 = ipv6_addr(CLIENT6),
			      .daddr6 = ipv6_addr(vip),
			      .sport = sport,
			      .dport = dport,
			      .seq = 1,
			      .ack = 1,
			      .tcp_flags = PKT_TCP_ACK,
			      .payload = "x",
			      .payload_len = 1 };
	struct pkt_buf in;

	if (proto == IPPROTO_UDP)
		pkt_v6_udp(&in, &s);
	else
		pkt_v6_tcp(&in, &s);
	return fx_run(&fx, &in, fx.lb0, r);
}

/* The TUN backend (BACKEND6 = 0, BACKEND62 = 1) an output frame is encapsulated to, or -1:
 * fx_tun_backend() checks the outer destination, and the frame must carry the packet's
 * IPv6 header after an outer one (next header 41). */
static int tun6(const struct fx_run *r)
{
	static const char *const bes[] = { BACKEND6, BACKEND62 };

	if (r->retval != XDP_TX || r->out_len < 14 + 40 + 40 || r->out[14 + 6] != 41)
		return -1;
	return fx_tun_backend(r, bes, 2);
}

static int vip6_add(__u16 port, __u8 proto, __u8 mode, const char *backend)
{
	int id = fx_vip_new(&fx, VIP6, port, proto, mode, XDPLB_SCHED_MH, 0);

	if (id < 0)
		return id;
	return fx_real_new(&fx, VIP6, port, proto, backend, 0) < 0 ? -1 : 0;
}

static int vip6_del(__u16 port, __u8 proto)
{
	struct xdplb_vip_key k = fx_key(VIP6, port, proto);

	return lb_vip_del(&fx.lb, &k);
}

/* bpf/vip_cache.h's IPv6 slot and its index, mirrored (white box). */
struct vip_cache6_slot {
	__be32 dst[4];
	__u32 pp;
	__u32 gen;
	__u32 found;
	__u32 pad;
	struct xdplb_vip vip;
};

static __u32 vip6_slot_index(const __be32 *d, __u16 port, __u8 proto, __u32 *pp)
{
	__u32 h;

	*pp = htons(port) | (__u32)proto << 16 | 1u << 24;
	h = ((d[0] ^ d[1]) * 0x9e3779b1u ^ d[2]) * 0x85ebca6bu ^ d[3] ^ *pp;
	return (h * 0x9e3779b1u) >> 22;
}

/*
 * White box: after a packet, this CPU's slot holds the VIP's answer under the current vip_gen,
 * and the next packet takes that copy, not the map's record (a copy changed behind the
 * program's back shows); a vip_gen bump ends it.
 */
static void case6_cached_used(void)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(fx.skel->maps.xdplb_vipcache6);
	struct vip_cache6_slot sl[ncpu > 0 ? ncpu : 1];
	struct xdplb_vip_key k = fx_key(VIP6, 80, IPPROTO_TCP);
	struct xdplb_vip v;
	__u16 sport = next_sport++;
	__u32 idx, pp, id;
	__be32 d[4];
	__u8 mac[ETH_ALEN];
	struct in6_addr be = ipv6_addr(BACKEND6);
	struct fx_run r;
	int found = 0;

	fx_addr(VIP6, d);
	idx = vip6_slot_index(d, 80, IPPROTO_TCP, &pp);
	if (!ASSERT_EQ(bpf_map__value_size(fx.skel->maps.xdplb_vipcache6), sizeof(sl[0]),
		       "slot layout as mirrored here") ||
	    !ASSERT_EQ(vip6_add(80, IPPROTO_TCP, XDPLB_MODE_TUN, BACKEND6), 0, "vip add") ||
	    !ASSERT_EQ(lb_vip_get(&fx.lb, &k, &v), 0, "vip get") || send6(VIP6, 6, sport, 80, &r) ||
	    !ASSERT_EQ(tun6(&r), 0, "tun to the backend"))
		return;
	id = v.id;
	if (!ASSERT_EQ(bpf_map_lookup_elem(fd, &idx, sl), 0, "read the slot"))
		return;
	for (int c = 0; c < ncpu; c++) {
		if (memcmp(sl[c].dst, d, 16) || sl[c].pp != pp)
			continue;
		found++;
		ASSERT_EQ(sl[c].gen, vip_gen(), "slot: current vip_gen");
		ASSERT_EQ(sl[c].found, 1, "slot: a VIP");
		ASSERT_EQ(sl[c].vip.id, id, "slot: its id");
		ASSERT_EQ(sl[c].vip.mode, XDPLB_MODE_TUN, "slot: its mode");
		sl[c].vip.mode = XDPLB_MODE_DR;
	}
	if (!ASSERT_EQ(found, 1, "one CPU's slot holds the destination") ||
	    !ASSERT_EQ(bpf_map_update_elem(fd, &idx, sl, BPF_ANY), 0, "write the slot"))
		return;
	fx_backend_mac6(&be, mac);
	if (send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_TX, "from the slot"))
		return;
	ASSERT_EQ(r.out_len, 14 + 40 + 20 + 1, "the slot's copy (dr): not encapsulated");
	ASSERT_BYTES(r.out, ETH_ALEN, mac, ETH_ALEN, "dr: to the backend's MAC");
	/* any VIP change ends every cached answer: a set that changes nothing will do */
	if (!ASSERT_EQ(lb_vip_set(&fx.lb, &k, &v), 0, "vip set (same)"))
		return;
	if (!send6(VIP6, 6, sport, 80, &r))
		ASSERT_EQ(tun6(&r), 0, "after the bump: the map's record (tun) again");
	vip6_del(80, IPPROTO_TCP);
}

static void case6_add_after_miss(void)
{
	__u64 pass0 = fx_reason(&fx, XDPLB_R_PASS_NOT_VIP);
	__u16 sport = next_sport++;
	struct fx_run r;

	if (send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_PASS, "before: no VIP") ||
	    !ASSERT_EQ(send6(VIP6, 6, sport, 80, &r), 0, "run") ||
	    !ASSERT_EQ(r.retval, XDP_PASS, "again (now from the cache)"))
		return;
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NOT_VIP) - pass0, 2, "pass_not_vip +2");
	if (!ASSERT_EQ(vip6_add(80, IPPROTO_TCP, XDPLB_MODE_TUN, BACKEND6), 0, "vip add"))
		return;
	if (!send6(VIP6, 6, sport, 80, &r))
		ASSERT_EQ(tun6(&r), 0, "after vip add: forwarded to the backend at once");
}

static void case6_set(void)
{
	struct xdplb_vip_key k = fx_key(VIP6, 80, IPPROTO_TCP);
	struct xdplb_vip v = { .mode = XDPLB_MODE_DR };
	struct in6_addr be = ipv6_addr(BACKEND6);
	__u16 sport = next_sport++;
	__u8 mac[ETH_ALEN];
	struct fx_run r;

	fx_backend_mac6(&be, mac);
	if (send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(tun6(&r), 0, "tun") ||
	    send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(tun6(&r), 0, "again"))
		return;
	if (!ASSERT_EQ(lb_vip_set(&fx.lb, &k, &v), 0, "vip set mode dr"))
		return;
	if (send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(r.retval, XDP_TX, "dr: forwarded"))
		return;
	ASSERT_EQ(r.out_len, 14 + 40 + 20 + 1, "dr: not encapsulated (same length)");
	ASSERT_BYTES(r.out, ETH_ALEN, mac, ETH_ALEN, "dr: the backend's MAC");
	v.mode = XDPLB_MODE_TUN;
	ASSERT_EQ(lb_vip_set(&fx.lb, &k, &v), 0, "vip set mode tun");
}

static void case6_del(void)
{
	__u64 pass0 = fx_reason(&fx, XDPLB_R_PASS_NOT_VIP);
	__u16 sport = next_sport++;
	struct fx_run r;

	if (send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(tun6(&r), 0, "forwarded") ||
	    send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(tun6(&r), 0, "again"))
		return;
	if (!ASSERT_EQ(vip6_del(80, IPPROTO_TCP), 0, "vip del"))
		return;
	if (send6(VIP6, 6, sport, 80, &r))
		return;
	ASSERT_EQ(r.retval, XDP_PASS, "after vip del: no VIP at once");
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_PASS_NOT_VIP) - pass0, 1, "pass_not_vip +1");
}

/* Protocol and port are in the slot's key: a TCP answer is not a UDP one, nor port 80's
 * port 81's; a VIP added for UDP next to the TCP one takes UDP at once. */
static void case6_proto_port(void)
{
	__u16 sport = next_sport++;
	struct fx_run r;

	if (!ASSERT_EQ(vip6_add(80, IPPROTO_TCP, XDPLB_MODE_TUN, BACKEND6), 0, "tcp vip add") ||
	    send6(VIP6, IPPROTO_TCP, sport, 80, &r) || !ASSERT_EQ(tun6(&r), 0, "tcp :80"))
		return;
	if (!send6(VIP6, IPPROTO_UDP, sport, 80, &r))
		ASSERT_EQ(r.retval, XDP_PASS, "udp :80: no VIP");
	if (!send6(VIP6, IPPROTO_TCP, sport, 81, &r))
		ASSERT_EQ(r.retval, XDP_PASS, "tcp :81: no VIP");
	if (!ASSERT_EQ(vip6_add(80, IPPROTO_UDP, XDPLB_MODE_TUN, BACKEND62), 0, "udp vip add"))
		return;
	if (!send6(VIP6, IPPROTO_UDP, sport, 80, &r))
		ASSERT_EQ(tun6(&r), 1, "udp :80: its VIP at once");
	if (!send6(VIP6, IPPROTO_TCP, sport, 80, &r))
		ASSERT_EQ(tun6(&r), 0, "tcp :80: still its own");
	vip6_del(80, IPPROTO_UDP);
	vip6_del(80, IPPROTO_TCP);
}

static void case6_port_vip_over_port0(void)
{
	__u16 sport = next_sport++;
	struct fx_run r;

	if (!ASSERT_EQ(vip6_add(0, IPPROTO_TCP, XDPLB_MODE_TUN, BACKEND6), 0, "port-0 vip add") ||
	    send6(VIP6, 6, sport, 80, &r) ||
	    !ASSERT_EQ(tun6(&r), 0, "port 80 via the port-0 VIP") ||
	    send6(VIP6, 6, sport, 80, &r) || !ASSERT_EQ(tun6(&r), 0, "again"))
		return;
	if (!ASSERT_EQ(vip6_add(80, IPPROTO_TCP, XDPLB_MODE_TUN, BACKEND62), 0, "port-80 vip add"))
		return;
	if (!send6(VIP6, 6, sport, 80, &r))
		ASSERT_EQ(tun6(&r), 1, "port 80: the port-80 VIP at once");
	if (!send6(VIP6, 6, sport, 443, &r))
		ASSERT_EQ(tun6(&r), 0, "port 443: still the port-0 VIP");
	vip6_del(80, IPPROTO_TCP);
	if (!send6(VIP6, 6, sport, 80, &r))
		ASSERT_EQ(tun6(&r), 0, "port-80 vip del: port-0 VIP again");
	vip6_del(0, IPPROTO_TCP);
	if (!send6(VIP6, 6, sport, 80, &r))
		ASSERT_EQ(r.retval, XDP_PASS, "port-0 vip del: no VIP");
}

/* 3000 destinations over 1024 slots, differing in one word or another of the address. */
static void case6_many_destinations(void)
{
	char addr[64];
	struct fx_run r;
	int bad = 0;

	if (!ASSERT_EQ(vip6_add(80, IPPROTO_TCP, XDPLB_MODE_TUN, BACKEND6), 0, "vip add"))
		return;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3000; i++) {
			if (i % 3 == 0)
				snprintf(addr, sizeof(addr), "2001:db8:f::%x", i + 0x100);
			else if (i % 3 == 1)
				snprintf(addr, sizeof(addr), "2001:db8:f:%x::10", i);
			else
				snprintf(addr, sizeof(addr), "2001:db8:%x::10", i + 0x100);
			if (send6(addr, 6, 1000, 80, &r) || r.retval != XDP_PASS)
				bad++;
			if (i % 100 == 0 && (send6(VIP6, 6, 1000, 80, &r) || tun6(&r) != 0))
				bad++;
		}
	}
	ASSERT_EQ(bad, 0, "non-VIP destinations pass, the VIP forwards, between them");
	vip6_del(80, IPPROTO_TCP);
}

/*
 * White box: questions picked to land in the VIP's own slot (bpf/vip_cache.h's index, as
 * mirrored above): another address, another port, the other protocol.  Each must get its
 * own answer right after the VIP's was cached there, and the VIP its own after them.
 */
static void case6_same_slot(void)
{
	__u32 vidx, pp, n_addr = 0, n_port = 0, n_udp = 0;
	__be32 v[4], d[4];
	char addr[64];
	struct fx_run r;
	int bad = 0;

	fx_addr(VIP6, v);
	vidx = vip6_slot_index(v, 80, IPPROTO_TCP, &pp);
	if (!ASSERT_EQ(vip6_add(80, IPPROTO_TCP, XDPLB_MODE_TUN, BACKEND6), 0, "vip add"))
		return;
	for (__u32 i = 0x100; i < 0x100000 && (n_addr < 3 || n_port < 3 || n_udp < 3); i++) {
		snprintf(addr, sizeof(addr), "2001:db8:f::%x:%x", i >> 16, i & 0xffff);
		fx_addr(addr, d);
		if (n_addr < 3 && vip6_slot_index(d, 80, IPPROTO_TCP, &pp) == vidx) {
			n_addr++;
			if (send6(VIP6, 6, 1000, 80, &r) || tun6(&r) != 0 ||
			    send6(addr, 6, 1000, 80, &r) || r.retval != XDP_PASS)
				bad++;
		}
		if (i > 0xffff)
			continue;
		if (n_port < 3 && i != 80 && vip6_slot_index(v, i, IPPROTO_TCP, &pp) == vidx) {
			n_port++;
			if (send6(VIP6, 6, 1000, 80, &r) || tun6(&r) != 0 ||
			    send6(VIP6, 6, 1000, i, &r) || r.retval != XDP_PASS)
				bad++;
		}
		if (n_udp < 3 && vip6_slot_index(v, i, IPPROTO_UDP, &pp) == vidx) {
			n_udp++;
			if (send6(VIP6, 6, 1000, 80, &r) || tun6(&r) != 0 ||
			    send6(VIP6, IPPROTO_UDP, 1000, i, &r) || r.retval != XDP_PASS)
				bad++;
		}
	}
	ASSERT_TRUE(n_addr == 3 && n_port == 3 && n_udp == 3, "found colliding questions");
	ASSERT_EQ(bad, 0, "each question in the VIP's slot gets its own answer");
	if (!send6(VIP6, 6, 1000, 80, &r))
		ASSERT_EQ(tun6(&r), 0, "and the VIP its own");
	vip6_del(80, IPPROTO_TCP);
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_pin_cpu(0)) {
		printf("pin to CPU 0 failed\n0 passed, 1 failed\n");
		return 1;
	}
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("vip add, set and del bump vip_gen", case_gen_bumped);
	RUN_CASE("cached 'no VIP' ends at vip add", case_add_after_miss);
	RUN_CASE("vip set: the next packet in the new mode", case_set);
	RUN_CASE("vip del: the next packet passes", case_del);
	RUN_CASE("port VIP added next to a port-0 one takes its port at once",
		 case_port_vip_over_port0);
	RUN_CASE("colliding destinations each get their own answer", case_many_destinations);
	RUN_CASE("ipv6: the slot holds the answer, the next packet takes it", case6_cached_used);
	RUN_CASE("ipv6: cached 'no VIP' ends at vip add", case6_add_after_miss);
	RUN_CASE("ipv6: vip set: the next packet in the new mode", case6_set);
	RUN_CASE("ipv6: vip del: the next packet passes", case6_del);
	RUN_CASE("ipv6: protocol and port are part of the cached question", case6_proto_port);
	RUN_CASE("ipv6: port VIP added next to a port-0 one takes its port at once",
		 case6_port_vip_over_port0);
	RUN_CASE("ipv6: colliding destinations each get their own answer", case6_many_destinations);
	RUN_CASE("ipv6: address, port, protocol sharing the VIP's slot: their own answers",
		 case6_same_slot);
	return TEST_MAIN_END();
}
