// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the per-CPU VIP cache (bpf/vip_cache.h): answers, "no VIP"
 * included, are kept per {destination, port, protocol} while xdplb_config.vip_gen stays, and
 * every VIP change through the state API (lb.c) bumps it.  So a packet right after vip add,
 * set or del must see the change, never a cached answer.  The process is pinned to one CPU,
 * so that each packet finds what the previous one cached.
 */
#include <sched.h>
#include "fixture.h"

static struct fixture fx;

#define CLIENT	 "192.0.2.1"
#define VIP	 "10.0.0.10"
#define BACKEND	 "10.0.1.11"
#define BACKEND2 "10.0.1.12"

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

int main(void)
{
	cpu_set_t cpus;

	REQUIRE_ROOT();
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
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
	return TEST_MAIN_END();
}
