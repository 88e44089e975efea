// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Entry point of the balancer's XDP program: one verdict and one counter per packet. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "process.h"
#include "trace.h"
#include "explain.h"
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
	struct selection sel = {};
	struct packet p = {};
	int reason = process_packet(ctx, bytes, &p, &sel);

	if (reason == PROCESS_ICMP) {
		bpf_tail_call(ctx, &xdplb_progs, 0);
		reason = XDPLB_R_PASS_NOT_VIP; /* only if the program array is empty */
	}
	if (trace_on())
		xdplb_trace_packet(ctx, &p, &sel, reason, bytes);
	return verdict(reason, bytes);
}

/* [0] -> what the ICMP program parsed and selected, for the trace (per CPU, scratch: not
 * pinned). */
struct icmp_scratch {
	struct packet p;
	struct selection sel;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct icmp_scratch);
} xdplb_icmp_scratch SEC(".maps");

/* ICMP and ICMPv6 (process_icmp()), tail-called by xdplb_xdp_ingress. */
SEC("xdp")
int xdplb_icmp(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	struct icmp_scratch *s;
	__u32 zero = 0;
	int reason;

	/* not on the stack: process_icmp() needs nearly all of its 512 bytes */
	s = bpf_map_lookup_elem(&xdplb_icmp_scratch, &zero);
	if (!s)
		return verdict(-XDPLB_R_DROP_INTERNAL, bytes);
	__builtin_memset(s, 0, sizeof(*s));
	reason = process_icmp(ctx, bytes, &s->p, &s->sel);
	if (trace_on())
		xdplb_trace_packet(ctx, &s->p, &s->sel, reason, bytes);
	return verdict(reason, bytes);
}

/* Never attached: xdplb explain runs it with BPF_PROG_TEST_RUN on a struct
 * xdplb_explain_args followed by a frame (bpf/explain.h). */
SEC("xdp")
int xdplb_explain(struct xdp_md *ctx)
{
	return explain_packet(ctx);
}

/* Never attached: userspace runs it with BPF_PROG_TEST_RUN on a struct xdplb_gc_args. */
SEC("xdp")
int xdplb_gc(struct xdp_md *ctx)
{
	return gc_flows(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
