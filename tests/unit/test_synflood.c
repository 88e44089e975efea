// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BPF_PROG_TEST_RUN tests of the flow table under a SYN flood: established connections must
 * keep their backend however many half-open flows arrive (bpf/flow_table.h's eviction
 * order), under every scheduler, while backends are added and drained.
 *
 * A flow table sized for 1,024 flows (3,520 slots in 440 sets of eight) holds 105 established
 * connections, 15 on each of seven VIPs (rr, wrr, lc, wlc, mh, sh in TUN mode; rr in NAT
 * mode, whose flows take a second slot for their reply entries), then takes 102,400 SYNs (100
 * times its size) from random clients; a fourth backend is added to every VIP after a third of
 * them, the first backend drained (weight 0) after two thirds.  Then each established
 * connection sends an ACK: it must reach the backend it had, and its flow must still be in
 * the table, established.  With the plain least-recently-used eviction of before, every
 * established connection was displaced and most schedulers sent its next packet elsewhere
 * (a reset).  What the order cannot save: a set whose eight slots all hold established flows
 * (or seven, for a NAT flow's two) gives one of them up to each new flow; with more
 * established flows than about a third of the table's flows that starts to happen.
 */
#include "fixture.h"

static struct fixture fx;

#define FLOWS	   1024
#define FLOOD	   (100 * FLOWS)
#define NCONN	   15 /* per VIP: 105 in all, 120 slots with the NAT entries */
#define NVIP	   7
#define MAX_B	   4 /* backends 10.0.1.11 + i, with static neighbours */
#define CLIENT	   "192.0.2.1"
#define CONN_PORT0 40000
/* connection i of VIP v: client port CONN_PORT0 + v * NCONN + i (a set is chosen by the client's
 * side of the tuple: one port for all the VIPs would put seven established flows in one set) */
#define CONN_PORT(v, i) (CONN_PORT0 + (v)*NCONN + (i))

static char msg[200];
#define WHAT(...) (snprintf(msg, sizeof(msg), __VA_ARGS__), msg)

static const struct {
	const char *addr;
	__u8 sched;
	__u32 w[3];
	__u8 mode;
} vips[NVIP] = {
	{ "10.0.0.201", XDPLB_SCHED_RR, { 1, 1, 1 }, XDPLB_MODE_TUN },
	{ "10.0.0.202", XDPLB_SCHED_WRR, { 1, 2, 3 }, XDPLB_MODE_TUN },
	{ "10.0.0.203", XDPLB_SCHED_LC, { 1, 1, 1 }, XDPLB_MODE_TUN },
	{ "10.0.0.204", XDPLB_SCHED_WLC, { 1, 2, 3 }, XDPLB_MODE_TUN },
	{ "10.0.0.205", XDPLB_SCHED_MH, { 1, 1, 1 }, XDPLB_MODE_TUN },
	{ "10.0.0.206", XDPLB_SCHED_SH, { 1, 1, 1 }, XDPLB_MODE_TUN },
	/* NAT: each flow and its reply entry, two slots */
	{ "10.0.0.207", XDPLB_SCHED_RR, { 1, 1, 1 }, XDPLB_MODE_NAT },
};

static const char *const backends[MAX_B] = { "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14" };

/* One TCP segment @saddr:@sport -> VIP @v:80 with @flags: the index in backends[] of the
 * backend it was encapsulated to, or -1 (not forwarded to one of them). */
static int xmit(int v, __be32 saddr, __u16 sport, __u8 flags)
{
	struct xdp_md ctx = { .ingress_ifindex = fx.lb0 };
	struct pkt_spec s = { .saddr = saddr,
			      .daddr = ipv4_addr(vips[v].addr),
			      .sport = sport,
			      .dport = 80,
			      .tcp_flags = flags };
	unsigned char out[256];
	struct pkt_buf in;
	__be32 outer_dst, inner_dst;
	__u32 a;
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in.data, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);

	pkt_build(&in, &s, false, IPPROTO_TCP);
	topts.data_size_in = in.len;
	ctx.data_end = in.len;
	if (bpf_prog_test_run_opts(fx.prog_fd, &topts) || topts.retval != XDP_TX)
		return -1;
	if (vips[v].mode == XDPLB_MODE_NAT) {
		/* the destination rewritten to the backend's */
		memcpy(&outer_dst, out + 14 + 16, 4);
		a = ntohl(outer_dst) - 0x0a00010b;
		return out[14 + 9] == IPPROTO_TCP && a < MAX_B ? (int)a : -1;
	}
	if (topts.data_size_out < in.len + 20 || out[14 + 9] != 4)
		return -1;
	memcpy(&outer_dst, out + 14 + 16, 4);
	memcpy(&inner_dst, out + 34 + 16, 4);
	a = ntohl(outer_dst) - 0x0a00010b; /* 10.0.1.11 */
	return inner_dst == s.daddr && a < MAX_B ? (int)a : -1;
}

static __u32 rnd_state = 0x2545f491;

static __u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static __u64 flow_event(int ev)
{
	__u64 n = 0;

	lb_read_flow_event(&fx.lb, ev, &n);
	return n;
}

static int on[NVIP][NCONN]; /* each established connection's backend */

static bool establish(void)
{
	__be32 c = ipv4_addr(CLIENT);

	for (int v = 0; v < NVIP; v++) {
		int id = fx_vip_add_sched(&fx, vips[v].addr, 80, IPPROTO_TCP, vips[v].sched,
					  vips[v].mode, 0);

		if (!ASSERT_TRUE(id > 0, WHAT("vip %s add", vips[v].addr)))
			return false;
		for (int i = 0; i < 3; i++)
			if (!ASSERT_EQ(fx_real_add(&fx, vips[v].addr, 80, IPPROTO_TCP, backends[i],
						   vips[v].w[i]),
				       0, "backend add"))
				return false;
		for (int i = 0; i < NCONN; i++) {
			on[v][i] = xmit(v, c, CONN_PORT(v, i), PKT_TCP_SYN);
			if (!ASSERT_TRUE(on[v][i] >= 0,
					 WHAT("%s: SYN %d forwarded", vips[v].addr, i)) ||
			    !ASSERT_EQ(
				xmit(v, c, CONN_PORT(v, i), PKT_TCP_ACK), on[v][i],
				WHAT("%s: connection %d's ACK, same backend", vips[v].addr, i)))
				return false;
		}
	}
	return true;
}

/* @n SYNs from random clients to the VIPs in turn; false if one was not forwarded. */
static bool flood(int n)
{
	for (int i = 0; i < n; i++) {
		/* 198.18.0.0/15, random ports: every SYN a new flow in a random set */
		__be32 src = htonl(0xc6120000 | (rnd() & 0x1ffff));

		if (xmit(i % NVIP, src, 1024 + rnd() % 60000, PKT_TCP_SYN) < 0)
			return ASSERT_TRUE(false, WHAT("flood SYN %d forwarded", i));
	}
	return true;
}

static void case_flood(void)
{
	__u64 d0 = flow_event(XDPLB_FE_DISPLACED);
	__be32 c = ipv4_addr(CLIENT);
	int lost_all = 0, gone_all = 0;

	if (!establish() || !flood(FLOOD / 3))
		return;
	for (int v = 0; v < NVIP; v++)
		ASSERT_EQ(fx_real_add(&fx, vips[v].addr, 80, IPPROTO_TCP, backends[3], 1), 0,
			  WHAT("%s: a backend added during the flood", vips[v].addr));
	if (!flood(FLOOD / 3))
		return;
	for (int v = 0; v < NVIP; v++)
		ASSERT_EQ(fx_real_weight(&fx, vips[v].addr, 80, IPPROTO_TCP, backends[0], 0), 0,
			  WHAT("%s: a backend drained during the flood", vips[v].addr));
	if (!flood(FLOOD - 2 * (FLOOD / 3)))
		return;
	/* the table was full: the flood displaced flows (its own) */
	ASSERT_TRUE(flow_event(XDPLB_FE_DISPLACED) - d0 > FLOOD / 2,
		    WHAT("the flood filled the table (%llu displaced)",
			 (unsigned long long)(flow_event(XDPLB_FE_DISPLACED) - d0)));
	for (int v = 0; v < NVIP; v++) {
		int moved = 0, gone = 0;

		for (int i = 0; i < NCONN; i++) {
			struct xdplb_flow f;

			if (fx_flow(&fx, IPPROTO_TCP, CLIENT, CONN_PORT(v, i), vips[v].addr, 80,
				    &f) ||
			    f.state != XDPLB_FLOW_ACTIVE)
				gone++;
			moved += xmit(v, c, CONN_PORT(v, i), PKT_TCP_ACK) != on[v][i];
		}
		lost_all += moved;
		gone_all += gone;
		ASSERT_EQ(gone, 0,
			  WHAT("%s: established flows still in the table after %d SYNs",
			       vips[v].addr, FLOOD));
		ASSERT_EQ(moved, 0,
			  WHAT("%s: established connections on their backend after %d SYNs, a "
			       "backend added and one drained",
			       vips[v].addr, FLOOD));
	}
	printf("   # %d SYNs (100x a %d-flow table): of %d established connections %d lost their "
	       "flow, %d moved; %llu flows displaced\n",
	       FLOOD, FLOWS, NVIP * NCONN, gone_all, lost_all,
	       (unsigned long long)(flow_event(XDPLB_FE_DISPLACED) - d0));
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup_sized(&fx, FLOWS, false)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("SYN flood of 100x the table: established connections stay, every scheduler, "
		 "backends added and drained",
		 case_flood);
	return TEST_MAIN_END();
}
