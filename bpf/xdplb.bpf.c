// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Entry point of the balancer's XDP program: one verdict and one counter per packet. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "process.h"
#include "gc.h"

SEC("xdp")
int xdplb_xdp_ingress(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	int reason = process_packet(ctx, bytes);
	int action;

	if (reason == PROCESS_ICMP)
		reason = process_icmp(ctx, bytes);
	if (reason < 0) {
		reason = -reason;
		action = XDP_DROP;
	} else if (reason == XDPLB_R_TX) {
		action = XDP_TX;
	} else if (reason == XDPLB_R_REDIRECT || reason == XDPLB_R_TX_REJECT ||
		   reason == XDPLB_R_TX_ECHO || reason == XDPLB_R_TX_TOO_BIG) {
		action = XDP_REDIRECT;
	} else {
		action = XDP_PASS;
	}
	count_reason(reason, bytes);
	return action;
}

/* Never attached: userspace runs it with BPF_PROG_TEST_RUN on a struct xdplb_gc_args. */
SEC("xdp")
int xdplb_gc(struct xdp_md *ctx)
{
	return gc_flows(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
