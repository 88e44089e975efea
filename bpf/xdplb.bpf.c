// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Entry point of the balancer's XDP program: one verdict and one counter per packet. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "process.h"
#include "gc.h"

/* The verdict of a reason (negative: a drop), with the reason counted. */
static __always_inline int verdict(int reason, __u64 bytes)
{
	int action;

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

int xdplb_icmp(struct xdp_md *ctx);

/*
 * [0] = xdplb_icmp, filled when the object is loaded (the latest load's ICMP program serves
 * every attached copy: they share all maps).  Pinned: the kernel empties a program array
 * when no process holds it any more, and the CLI exits after `dev attach`.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32)); /* no BTF: the kernel takes none for a program array */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, int(void *));
} xdplb_progs SEC(".maps") = {
	.values = { [0] = (void *)&xdplb_icmp },
};

SEC("xdp")
int xdplb_xdp_ingress(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	int reason = process_packet(ctx, bytes);

	if (reason == PROCESS_ICMP) {
		bpf_tail_call(ctx, &xdplb_progs, 0);
		reason = XDPLB_R_PASS_NOT_VIP; /* only if the program array is empty */
	}
	return verdict(reason, bytes);
}

/* ICMP and ICMPv6 (process_icmp()), tail-called by xdplb_xdp_ingress. */
SEC("xdp")
int xdplb_icmp(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;

	return verdict(process_icmp(ctx, bytes), bytes);
}

/* Never attached: userspace runs it with BPF_PROG_TEST_RUN on a struct xdplb_gc_args. */
SEC("xdp")
int xdplb_gc(struct xdp_md *ctx)
{
	return gc_flows(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
