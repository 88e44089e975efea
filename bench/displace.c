// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * How often a new flow displaces a live one before the flow table is full.
 *
 * A flow lives in one set of its table (bpf/flow_table.h): a set that more flows share than
 * it has slots displaces its least recently used, even while other sets have room.  This
 * fills an empty table with new flows (a TCP ACK from a new client address and port each,
 * through the real program with BPF_PROG_TEST_RUN) to 50%, 90% and 100% of the flows it is
 * sized for, for IPv4 and IPv6, tun (a flow takes one slot) and nat (two: its reply entry's),
 * and prints the flows the data plane counted as displaced, beside what the Poisson model of
 * the layout predicts.  It uses the library and the test fixture only, so the same file
 * builds against an older tree: that is how layouts are compared (bench/RESULTS.md).
 *
 * Usage: displace [-f FLOWS] (the table's size in flows, default 262144)
 */
#include <getopt.h>
#include <math.h>
#include "fixture.h"

static struct fixture fx;

static __u64 mix64(__u64 x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The Poisson model: the share of flows that find their set full when @lambda flows land in
 * a set on average and a set holds @cap of them. */
static double model(double lambda, int cap)
{
	double p = exp(-lambda), excess = 0;

	for (int k = 1; k < 200; k++) {
		p *= lambda / k;
		if (k > cap)
			excess += (k - cap) * p;
	}
	return lambda > 0 ? excess / lambda : 0;
}

static __u64 displaced(void)
{
	__u64 n = 0;

	lb_read_flow_event(&fx.lb, XDPLB_FE_DISPLACED, &n);
	return n;
}

static __u64 unrecorded(void)
{
	__u64 n = 0;

	lb_read_flow_event(&fx.lb, XDPLB_FE_UNRECORDED, &n);
	return n;
}

/* One new flow, client @i, to @vip: 0 when forwarded. */
static int new_flow(bool v6, const char *vip, __u64 i)
{
	__u64 r = mix64(i);
	struct pkt_spec s = { .dport = 80, .seq = 1, .ack = 1, .tcp_flags = PKT_TCP_ACK };
	struct pkt_buf in;
	struct fx_run out;

	s.sport = 1024 + (__u16)(r % 64512);
	if (v6) {
		s.saddr6 = ipv6_addr("2001:db8:c::");
		memcpy(&s.saddr6.s6_addr[8], &r, 8);
		s.daddr6 = ipv6_addr(vip);
	} else {
		s.saddr = htonl(0x0b000000 | (__u32)(r >> 40)); /* 11.0.0.0/8 */
		s.daddr = ipv4_addr(vip);
	}
	pkt_build(&in, &s, v6, IPPROTO_TCP);
	if (fx_run(&fx, &in, fx.lb0, &out))
		return -1;
	return out.retval == XDP_TX ? 0 : -1;
}

static int run(bool v6, bool nat, __u64 *seq)
{
	static const double loads[] = { 0.5, 0.9, 1.0 };
	const char *vip = v6 ? (nat ? "fd00:5::2" : "fd00:5::1") : (nat ? "10.0.5.2" : "10.0.5.1");
	int fd = v6 ? FX_FD(&fx, flows6) : FX_FD(&fx, flows);
	__u32 cap = v6 ? fx.lb.max_flows6 : fx.lb.max_flows;
	int ways = v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	__u64 d0, u0, sent = 0;
	int id;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	id = fx_vip_new(&fx, vip, 80, IPPROTO_TCP, nat ? XDPLB_MODE_NAT : XDPLB_MODE_TUN,
			XDPLB_SCHED_MH, 0);
	if (id < 0)
		return -1;
	for (int b = 0; b < 4; b++) {
		char a[40];

		snprintf(a, sizeof(a), v6 ? "fd00:1::%d" : "10.0.1.%d", 11 + b);
		if (fx_real_new(&fx, vip, 80, IPPROTO_TCP, a, nat ? 8080 : 0) < 0)
			return -1;
	}
	if (lb_flow_flush(&fx.lb, 0, NULL))
		return -1;
	d0 = displaced();
	u0 = unrecorded();
	for (size_t l = 0; l < sizeof(loads) / sizeof(loads[0]); l++) {
		__u64 want = (__u64)(loads[l] * cap), d, u;
		double lambda = (double)want / info.max_entries, m;

		for (; sent < want; sent++)
			if (new_flow(v6, vip, (*seq)++)) {
				fprintf(stderr, "Error: a new flow was not forwarded\n");
				return -1;
			}
		d = displaced() - d0;
		u = unrecorded() - u0;
		m = model(lambda, nat ? ways / 2 : ways);
		printf("%s %-3s %3.0f%%  %9llu flows  displaced %7llu (1 in %8.0f)  unrecorded "
		       "%llu  model 1 in %8.0f\n",
		       v6 ? "ipv6" : "ipv4", nat ? "nat" : "tun", loads[l] * 100,
		       (unsigned long long)sent, (unsigned long long)d, d ? (double)sent / d : 0,
		       (unsigned long long)u, m > 0 ? 1 / m : 0);
	}
	return lb_flow_flush(&fx.lb, 0, NULL);
}

int main(int argc, char **argv)
{
	__u32 flows = 262144;
	__u64 seq = 0;
	int c;

	while ((c = getopt(argc, argv, "f:h")) != -1) {
		if (c == 'f' && atoi(optarg) > 0) {
			flows = atoi(optarg);
		} else {
			fprintf(stderr, "Usage: %s [-f FLOWS]\n", argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	REQUIRE_ROOT();
	if (fx_setup_sized(&fx, flows, false)) {
		fprintf(stderr, "Error: fixture\n");
		return 1;
	}
	printf("flow tables sized for %u IPv4 flows (%u sets of %d slots) and %u IPv6 flows "
	       "(%u sets of %d slots)\n",
	       fx.lb.max_flows, bpf_map__max_entries(fx.skel->maps.xdplb_flows), XDPLB_FLOW_WAYS4,
	       fx.lb.max_flows6, bpf_map__max_entries(fx.skel->maps.xdplb_flows6),
	       XDPLB_FLOW_WAYS6);
	printf("bytes per flow: IPv4 %.1f, IPv6 %.1f\n",
	       256.0 * bpf_map__max_entries(fx.skel->maps.xdplb_flows) / fx.lb.max_flows,
	       256.0 * bpf_map__max_entries(fx.skel->maps.xdplb_flows6) / fx.lb.max_flows6);
	for (int v6 = 0; v6 < 2; v6++)
		for (int nat = 0; nat < 2; nat++)
			if (run(v6, nat, &seq))
				return 1;
	return 0;
}
