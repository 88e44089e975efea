// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the per-CPU flow cache (bpf/flow_cache.h).  First that it is
 * used at all: a flow removed from the flow table behind the data plane's back (as the LRU
 * evicts) keeps its backend from the cache, without a new flow.  Then that it never answers
 * where the flow table's answer has changed: a GC pass or a flush, TCP flags that move the
 * flow, a backend that goes down or away, the 1-second life of a slot against a flow
 * timeout, colliding slots, and IPv6.  The process is pinned to one CPU, so that each
 * packet finds what the previous one cached.
 */
#include <sched.h>
#include <time.h>
#include "fixture.h"

static struct fixture fx;

#define CLIENT	"192.0.2.7"
#define VIP	"10.0.0.40" /* tcp :80 and udp :53, mh, tun, BES */
#define CLIENT6 "2001:db8:c::7"
#define VIP6	"2001:db8:f::40" /* tcp :80, mh, tun, BES6 */

static const char *const bes[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };
static const char *const bes6[] = { "fd00:1::11", "fd00:1::12", "fd00:1::13" };
static __u32 vip_tcp, vip_udp, vip6;

static int send4(const char *src, __u8 proto, __u16 sport, __u8 flags)
{
	struct pkt_spec s = { .sport = sport,
			      .dport = proto == IPPROTO_UDP ? 53 : 80,
			      .seq = 1,
			      .ack = flags & PKT_TCP_ACK ? 1 : 0,
			      .tcp_flags = flags };
	struct pkt_buf in;

	pkt_build_addrs(&in, &s, proto, src, VIP);
	return fx_tun_index(&fx, &in, bes, 3);
}

/* Backend index of a TCP segment from CLIENT:@sport, -1 if not forwarded to one of bes. */
static int tcp(__u16 sport, __u8 flags)
{
	return send4(CLIENT, IPPROTO_TCP, sport, flags);
}

static int send6(__u16 sport, __u8 flags)
{
	struct pkt_spec s = { .sport = sport, .dport = 80, .seq = 1, .ack = 1, .tcp_flags = flags };
	struct pkt_buf in;

	pkt_build_addrs(&in, &s, IPPROTO_TCP, CLIENT6, VIP6);
	return fx_tun_index(&fx, &in, bes6, 3);
}

static __u64 vip_flows(__u32 id)
{
	return fx_vip_traffic(&fx, id).flows;
}

static __u64 vip_resched(__u32 id)
{
	return fx_vip_traffic(&fx, id).resched;
}

static __u32 real_of(__u32 vid, int i)
{
	__be32 a[4];
	__u8 fam = fx_addr(vid == vip6 ? bes6[i] : bes[i], a);
	int id = lb_real_find(&fx.lb, vid, a, fam, 0);

	return id < 0 ? 0 : (__u32)id;
}

static int set_state(__u32 vid, int i, __u8 state)
{
	__u32 id = real_of(vid, i);
	struct xdplb_real r = {};

	if (!id || bpf_map_lookup_elem(FX_FD(&fx, reals), &id, &r))
		return -ENOENT;
	return lb_real_set_state(&fx.lb, id, r.gen, state);
}

/* The cache is used: a flow deleted from the table (as the LRU would) keeps its backend
 * without a new flow, until a GC pass bumps the flow generation. */
static void case_used_until_gc(void)
{
	struct xdplb_flow f;
	__u64 n0;
	int b;

	b = tcp(30000, PKT_TCP_SYN);
	if (!ASSERT_TRUE(b >= 0, "SYN forwarded") ||
	    !ASSERT_EQ(tcp(30000, PKT_TCP_ACK), b, "ACK: same backend"))
		return;
	n0 = vip_flows(vip_tcp);
	if (!ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT, 30000, VIP, 80, NULL), 0,
		       "flow deleted behind the cache"))
		return;
	ASSERT_EQ(tcp(30000, PKT_TCP_ACK), b, "ACK after the deletion: same backend (cache)");
	ASSERT_EQ(tcp(30000, PKT_TCP_ACK | PKT_TCP_PSH), b, "and again");
	ASSERT_EQ(vip_flows(vip_tcp) - n0, 0, "no new flow: the flow table was not asked");
	ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT, 30000, VIP, 80, &f), -ENOENT,
		  "and the flow table still has no entry");

	ASSERT_EQ(lb_gc(&fx.lb, 0, NULL, NULL), 0, "a GC pass");
	ASSERT_EQ(tcp(30000, PKT_TCP_ACK), b, "ACK after the GC pass: mh picks the same backend");
	ASSERT_EQ(vip_flows(vip_tcp) - n0, 1, "as a new flow: the cache was not used");
	if (ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT, 30000, VIP, 80, &f), 0,
		      "the flow is back in the table"))
		ASSERT_EQ(f.real_id, real_of(vip_tcp, b), "on that backend");
}

/* A flush reaches the next packet of a cached flow. */
static void case_flush(void)
{
	__u64 flushed = 0, n0;
	int b = tcp(30100, PKT_TCP_SYN);

	if (!ASSERT_TRUE(b >= 0, "SYN") || !ASSERT_EQ(tcp(30100, PKT_TCP_ACK), b, "ACK (cached)"))
		return;
	n0 = vip_flows(vip_tcp);
	ASSERT_EQ(lb_flow_flush(&fx.lb, vip_tcp, &flushed), 0, "flow flush");
	ASSERT_TRUE(flushed >= 1, "flushed the flow");
	ASSERT_EQ(tcp(30100, PKT_TCP_ACK), b, "next ACK");
	ASSERT_EQ(vip_flows(vip_tcp) - n0, 1, "is a new flow after the flush");
}

/* FIN, RST and SYN take the flow table (they move the flow and its counts). */
static void case_flags(void)
{
	struct xdplb_conns c0, c1;
	__u32 id;
	int b = tcp(30200, PKT_TCP_SYN);

	if (!ASSERT_TRUE(b >= 0, "SYN") || !ASSERT_EQ(tcp(30200, PKT_TCP_ACK), b, "ACK (cached)"))
		return;
	id = real_of(vip_tcp, b);
	c0 = fx_conns(&fx, id);
	ASSERT_EQ(tcp(30200, PKT_TCP_FIN | PKT_TCP_ACK), b, "FIN");
	c1 = fx_conns(&fx, id);
	ASSERT_EQ(c1.active - c0.active, -1, "FIN of a cached flow: active -1");
	ASSERT_EQ(c1.inactive - c0.inactive, 1, "and inactive +1");
	ASSERT_EQ(tcp(30200, PKT_TCP_ACK), b, "last ACK");
	ASSERT_EQ(tcp(30200, PKT_TCP_SYN), b, "a SYN on the closed tuple (port reuse)");
	c0 = fx_conns(&fx, id);
	ASSERT_EQ(c0.active - c1.active, 0, "reopens it half-open: active +0");
	ASSERT_EQ(c0.inactive - c1.inactive, 0, "still counted inactive");
	/* the ACK reaches the table once the slot cached while the flow was established runs
	 * out (1 s after the flow's atime at most): a half-open flow is never cached again */
	fx_sleep_coarse(1100 * 1000 * 1000ull);
	ASSERT_EQ(tcp(30200, PKT_TCP_ACK), b, "the new connection's ACK");
	c1 = fx_conns(&fx, id);
	ASSERT_EQ(c1.active - c0.active, 1, "establishes it: active +1");
	ASSERT_EQ(c1.inactive - c0.inactive, -1, "inactive -1");
	ASSERT_EQ(tcp(30200, PKT_TCP_RST), b, "RST");
	c0 = fx_conns(&fx, id);
	ASSERT_EQ(c0.active - c1.active, -1, "RST: active -1");
}

/* A backend that goes down, or away, loses its cached flows at the next packet. */
static void case_backend_down_and_gone(void)
{
	__u64 r0;
	int b = tcp(30300, PKT_TCP_SYN), b2;

	if (!ASSERT_TRUE(b >= 0, "SYN") || !ASSERT_EQ(tcp(30300, PKT_TCP_ACK), b, "ACK (cached)"))
		return;
	r0 = vip_resched(vip_tcp);
	if (!ASSERT_EQ(set_state(vip_tcp, b, XDPLB_REAL_DOWN), 0, "backend down"))
		return;
	b2 = tcp(30300, PKT_TCP_ACK);
	ASSERT_TRUE(b2 >= 0 && b2 != b, "next ACK: another backend");
	ASSERT_EQ(vip_resched(vip_tcp) - r0, 1, "counted as rescheduled");
	ASSERT_EQ(set_state(vip_tcp, b, XDPLB_REAL_UP), 0, "backend up again");

	/* now cached on b2; remove b2 */
	if (!ASSERT_EQ(tcp(30300, PKT_TCP_ACK), b2, "stays on the new backend") ||
	    !ASSERT_EQ(fx_real_del(&fx, VIP, 80, IPPROTO_TCP, bes[b2]), 0, "del that backend"))
		return;
	r0 = vip_resched(vip_tcp);
	b = tcp(30300, PKT_TCP_ACK);
	ASSERT_TRUE(b >= 0 && b != b2, "next ACK: away from the removed backend");
	ASSERT_EQ(vip_resched(vip_tcp) - r0, 1, "counted as rescheduled");
	ASSERT_EQ(fx_real_add(&fx, VIP, 80, IPPROTO_TCP, bes[b2], 1), 0, "re-add it");
}

static void set_udp_timeout(struct xdplb_config *c, long secs)
{
	c->udp_timeout = secs;
}

/* A slot lives 1 s after the flow's atime: a flow that times out meanwhile is not served
 * from it.  (UDP timeout 0: the flow expires after 1 s idle.) */
static void case_slot_life(void)
{
	struct xdplb_config cfg;
	__u64 n0;
	int b;

	if (lb_config_get(&fx.lb, &cfg) ||
	    !ASSERT_EQ(fx_config(&fx, set_udp_timeout, 0), 0, "udp timeout 0"))
		return;
	n0 = vip_flows(vip_udp);
	b = send4(CLIENT, IPPROTO_UDP, 30400, 0);
	ASSERT_TRUE(b >= 0, "UDP datagram forwarded");
	ASSERT_EQ(send4(CLIENT, IPPROTO_UDP, 30400, 0), b, "the next: same backend (cached)");
	ASSERT_EQ(vip_flows(vip_udp) - n0, 1, "one flow");
	fx_sleep_coarse(1300 * 1000 * 1000ull); /* 1.3 s idle: expired */
	ASSERT_EQ(send4(CLIENT, IPPROTO_UDP, 30400, 0), b, "after 1.3 s idle (mh: same backend)");
	ASSERT_EQ(vip_flows(vip_udp) - n0, 2, "a new flow: the expired one was not served");
	fx_config(&fx, set_udp_timeout, cfg.udp_timeout);
}

/* 16,384 slots per CPU: 40,000 flows collide; in a second round every packet still goes
 * to its own flow's backend, and none becomes a new flow. */
static void case_collisions(void)
{
	enum { N = 40000 };
	static signed char first[N];
	char src[32];
	int bad = 0, wrong = 0;
	__u64 n0;

	for (int i = 0; i < N; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		first[i] = (signed char)send4(src, IPPROTO_TCP, 31000 + i % 7, PKT_TCP_SYN);
		bad += first[i] < 0;
	}
	n0 = vip_flows(vip_tcp);
	for (int i = 0; i < N; i++) {
		struct xdplb_flow f;
		int b;

		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		b = send4(src, IPPROTO_TCP, 31000 + i % 7, PKT_TCP_ACK);
		if (b != first[i] || fx_flow(&fx, IPPROTO_TCP, src, 31000 + i % 7, VIP, 80, &f) ||
		    f.real_id != real_of(vip_tcp, b))
			wrong++;
	}
	ASSERT_EQ(bad, 0, "40,000 SYNs forwarded");
	ASSERT_EQ(wrong, 0, "every ACK to its flow's backend, the one in the flow table");
	ASSERT_EQ(vip_flows(vip_tcp) - n0, 0, "no new flow in the second round");
	lb_flow_flush(&fx.lb, vip_tcp, NULL);
}

static void set_flowcache_off(struct xdplb_config *c, long off)
{
	c->flags &= ~XDPLB_CFG_F_NO_FLOWCACHE;
	if (off)
		c->flags |= XDPLB_CFG_F_NO_FLOWCACHE;
}

/* config set flowcache off: the flow table answers every packet (a flow deleted behind the
 * data plane's back is a new flow at once); on again: the cache is back. */
static void case_off(void)
{
	__u64 n0;
	int b = tcp(30600, PKT_TCP_SYN);

	if (!ASSERT_TRUE(b >= 0, "SYN") || !ASSERT_EQ(tcp(30600, PKT_TCP_ACK), b, "ACK (cached)") ||
	    !ASSERT_EQ(fx_config(&fx, set_flowcache_off, 1), 0, "flowcache off"))
		return;
	n0 = vip_flows(vip_tcp);
	ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT, 30600, VIP, 80, NULL), 0,
		  "flow deleted behind the cache");
	ASSERT_EQ(tcp(30600, PKT_TCP_ACK), b, "next ACK (mh: same backend)");
	ASSERT_EQ(vip_flows(vip_tcp) - n0, 1, "a new flow: the slot was not used");
	ASSERT_EQ(tcp(30600, PKT_TCP_ACK), b, "and the next");
	ASSERT_EQ(vip_flows(vip_tcp) - n0, 1, "from the flow table");
	if (!ASSERT_EQ(fx_config(&fx, set_flowcache_off, 0), 0, "flowcache on"))
		return;
	ASSERT_EQ(tcp(30600, PKT_TCP_ACK), b, "ACK: fills a slot");
	ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT, 30600, VIP, 80, NULL), 0,
		  "flow deleted behind the cache");
	ASSERT_EQ(tcp(30600, PKT_TCP_ACK), b, "next ACK from the cache");
	ASSERT_EQ(vip_flows(vip_tcp) - n0, 1, "no new flow");
}

/* IPv6: the same cache for xdplb_flows6 (40-byte keys). */
static void case_ipv6(void)
{
	__u64 n0;
	int b = send6(30500, PKT_TCP_SYN);

	if (!ASSERT_TRUE(b >= 0, "IPv6 SYN forwarded") ||
	    !ASSERT_EQ(send6(30500, PKT_TCP_ACK), b, "ACK: same backend"))
		return;
	n0 = vip_flows(vip6);
	if (!ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT6, 30500, VIP6, 80, NULL), 0,
		       "flow deleted behind the cache"))
		return;
	ASSERT_EQ(send6(30500, PKT_TCP_ACK), b, "ACK after the deletion: same backend (cache)");
	ASSERT_EQ(vip_flows(vip6) - n0, 0, "no new flow");
	ASSERT_EQ(lb_gc(&fx.lb, 0, NULL, NULL), 0, "a GC pass");
	ASSERT_EQ(send6(30500, PKT_TCP_ACK), b, "after it (mh: same backend)");
	ASSERT_EQ(vip_flows(vip6) - n0, 1, "as a new flow");
	if (!ASSERT_EQ(set_state(vip6, b, XDPLB_REAL_DOWN), 0, "backend down"))
		return;
	ASSERT_TRUE(send6(30500, PKT_TCP_ACK) != b, "next ACK: another backend");
	set_state(vip6, b, XDPLB_REAL_UP);
}

static int set_weight(const char *vip, const char *be, __u32 w)
{
	struct xdplb_vip_key k = fx_key(vip, 80, IPPROTO_TCP);
	__be32 a[4];
	__u8 fam = fx_addr(be, a);

	return lb_real_set_weight(&fx.lb, &k, a, fam, 0, w);
}

/* Frame of a TCP segment @client:@sport -> @vip:80 with @flags. */
static void seg(struct pkt_buf *b, const char *client, const char *vip, __u16 sport, __u8 flags)
{
	struct pkt_spec s = { .sport = sport,
			      .dport = 80,
			      .seq = 7000,
			      .ack = flags & PKT_TCP_ACK ? 9000 : 0,
			      .tcp_flags = flags,
			      .payload = flags & PKT_TCP_PSH ? "GET /" : NULL,
			      .payload_len = flags & PKT_TCP_PSH ? 5 : 0 };

	pkt_build_addrs(b, &s, IPPROTO_TCP, client, vip);
}

/* A router's fragmentation needed / packet too big about what the VIP sent the client:
 * @vip:80 -> @client:@sport, its IP header and 8 bytes quoted. */
static void too_big(struct pkt_buf *b, const char *client, const char *vip, __u16 sport)
{
	bool v6 = strchr(vip, ':');
	const char *router = v6 ? "2001:db8:c::fe" : "192.0.2.254";
	struct pkt_spec s = { .sport = 80,
			      .dport = sport,
			      .seq = 9000,
			      .ack = 7005,
			      .tcp_flags = PKT_TCP_ACK,
			      .ip = { .frag_off = PKT_IP_DF } };
	struct pkt_buf sent;
	size_t l3;

	pkt_build_addrs(&sent, &s, IPPROTO_TCP, vip, client);
	l3 = pkt_l3_off(&sent);
	pkt_reset(b);
	if (v6) {
		struct in6_addr f = ipv6_addr(router), t = ipv6_addr(vip);

		pkt_eth(b, NULL, NULL, ETH_P_IPV6);
		pkt_ipv6(b, &f, &t, IPPROTO_ICMPV6, &(struct pkt_ip_opt){ .ttl = 250 });
		pkt_icmp(b, 2, 0, 1400, sent.data + l3, 48);
	} else {
		pkt_eth(b, NULL, NULL, ETH_P_IP);
		pkt_ipv4(b, ipv4_addr(router), ipv4_addr(vip), IPPROTO_ICMP,
			 &(struct pkt_ip_opt){ .ttl = 250 });
		pkt_icmp(b, 3, 4, 1400, sent.data + l3, 28);
	}
	pkt_finish(b);
}

/*
 * A closed TCP tuple of a drained backend, reopened by a bare SYN, is scheduled anew
 * (reuse_refused()): the new connection's packets and the errors about it go to its new
 * backend, on this CPU and on another one that cached the old connection too, although the
 * old slots (filled while it was established, within the second) still name a backend that
 * keeps its flows.
 */
static void reuse_refused(const char *client, const char *vip, const char *const *b3, __u16 sport,
			  int other_cpu)
{
	__u32 vid = fx_vip_id(&fx, vip, 80, IPPROTO_TCP);
	struct pkt_buf in;
	struct xdplb_flow f;
	int b, b2;

	seg(&in, client, vip, sport, PKT_TCP_SYN);
	b = fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "first connection's SYN");
	seg(&in, client, vip, sport, PKT_TCP_ACK);
	if (b < 0 || !ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "its ACK"), b,
				"ACK: same backend (establishes it, fills this CPU's slot)"))
		return;
	seg(&in, client, vip, sport, PKT_TCP_ACK | PKT_TCP_PSH);
	if (other_cpu >= 0) {
		/* the same flow's packet on another CPU fills that CPU's slot too */
		if (!ASSERT_EQ(fx_pin_cpu(other_cpu), 0, "to the other CPU"))
			return;
		ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "data on the other CPU"),
			  b, "same backend");
		fx_pin_cpu(0);
	}
	ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "data"), b, "same backend");
	seg(&in, client, vip, sport, PKT_TCP_FIN | PKT_TCP_ACK);
	ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "FIN"), b, "same backend");
	if (!ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, client, sport, vip, 80, &f), 0, "flow") ||
	    !ASSERT_EQ(f.state, XDPLB_FLOW_INACTIVE, "closed") ||
	    !ASSERT_EQ(set_weight(vip, b3[b], 0), 0, "drain its backend"))
		return;

	seg(&in, client, vip, sport, PKT_TCP_SYN);
	b2 = fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "SYN reopening the tuple");
	if (!ASSERT_TRUE(b2 >= 0 && b2 != b, "goes to another backend (drained: reuse refused)"))
		goto out;
	if (ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, client, sport, vip, 80, &f), 0, "new flow")) {
		ASSERT_EQ(f.real_id, real_of(vid, b2), "on the new backend");
		ASSERT_EQ(f.state, XDPLB_FLOW_SYN, "half-open");
	}
	seg(&in, client, vip, sport, PKT_TCP_ACK);
	ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "the new connection's ACK"), b2,
		  "to the new backend, not the old slot's");
	if (ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, client, sport, vip, 80, &f), 0, "flow"))
		ASSERT_EQ(f.state, XDPLB_FLOW_ACTIVE, "established: the ACK reached the table");
	seg(&in, client, vip, sport, PKT_TCP_ACK | PKT_TCP_PSH);
	ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "its data"), b2,
		  "to the new backend");
	too_big(&in, client, vip, sport);
	ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "error about the connection"), b2,
		  "to the new backend, with the connection's packets");
	if (other_cpu >= 0 && ASSERT_EQ(fx_pin_cpu(other_cpu), 0, "to the other CPU")) {
		seg(&in, client, vip, sport, PKT_TCP_ACK | PKT_TCP_PSH);
		ASSERT_EQ(fx_expect_tun_to(&fx, &in, XDP_TX, b3, 3, NULL, "data, other CPU"), b2,
			  "other CPU: to the new backend too (its old slot went)");
		fx_pin_cpu(0);
	}
out:
	set_weight(vip, b3[b], 1);
}

static void case_reuse_refused(void)
{
	int other = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : -1;

	if (other < 0)
		printf("  (one CPU: the other CPU's slot is not tested)\n");
	reuse_refused(CLIENT, VIP, bes, 30700, other);
	reuse_refused(CLIENT6, VIP6, bes6, 30700, other);
}

static int setup_vips(void)
{
	int id;

	id = fx_vip_new(&fx, VIP, 80, IPPROTO_TCP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0);
	if (id < 0)
		return id;
	vip_tcp = id;
	id = fx_vip_new(&fx, VIP, 53, IPPROTO_UDP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0);
	if (id < 0)
		return id;
	vip_udp = id;
	id = fx_vip_new(&fx, VIP6, 80, IPPROTO_TCP, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0);
	if (id < 0)
		return id;
	vip6 = id;
	for (int i = 0; i < 3; i++)
		if (fx_real_new(&fx, VIP, 80, IPPROTO_TCP, bes[i], 0) < 0 ||
		    fx_real_new(&fx, VIP, 53, IPPROTO_UDP, bes[i], 0) < 0 ||
		    fx_real_new(&fx, VIP6, 80, IPPROTO_TCP, bes6[i], 0) < 0)
			return -1;
	return 0;
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_pin_cpu(0)) {
		printf("pin to CPU 0 failed\n0 passed, 1 failed\n");
		return 1;
	}
	/* room for the collision case's 40,000 flows: no flow-table set overflows */
	if (fx_setup_sized(&fx, 262144, false) ||
	    !ASSERT_EQ(setup_vips(), 0, "VIPs and backends")) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("used: a flow deleted behind it keeps its backend until a GC pass",
		 case_used_until_gc);
	RUN_CASE("flow flush reaches the next packet", case_flush);
	RUN_CASE("FIN, SYN and RST take the flow table (counts move)", case_flags);
	RUN_CASE("backend down or removed: the next packet moves", case_backend_down_and_gone);
	RUN_CASE("a slot never outlives the flow's timeout", case_slot_life);
	RUN_CASE("colliding slots: every flow keeps its own backend", case_collisions);
	RUN_CASE("IPv6 flows", case_ipv6);
	RUN_CASE("config set flowcache off: the flow table for every packet", case_off);
	RUN_CASE("a tuple reopened off a drained backend leaves its old slots", case_reuse_refused);
	return TEST_MAIN_END();
}
