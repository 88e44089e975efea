/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the packet path's clock: bpf_ktime_get_coarse_ns(), asked once per tick. */
#ifndef XDPLB_CLOCK_H
#define XDPLB_CLOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Why: the packet path stamps flows, and checks the flow cache's and the next-hop cache's
 * lifetimes, with bpf_ktime_get_coarse_ns(), the clock the control plane reads as
 * CLOCK_MONOTONIC_COARSE.  That clock moves only at the timer tick, yet the helper call cost
 * an established flow 15-19% of its time here (a call and a seqcount read; bench -x with a
 * build that read jiffies instead).  bpf_jiffies64() is not a call (the verifier inlines it
 * as a load), and jiffies move with the same tick: each CPU keeps the coarse time it read and
 * the jiffies it read it at, and asks the helper again only when jiffies have moved on.
 *
 * What it returns: the coarse time of this tick, or, if this CPU read jiffies just after the
 * tick moved them but before the tick updated the coarse time, that of the tick before: at
 * most one tick older than bpf_ktime_get_coarse_ns(), never newer, never going back.
 */
struct clock_cache {
	__u64 jiffies; /* bpf_jiffies64() when ns was read */
	__u64 ns;      /* bpf_ktime_get_coarse_ns() then */
};

/* Not pinned: each loaded program keeps its own. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_cache);
} xdplb_clock SEC(".maps");

static __always_inline __u64 coarse_now(void)
{
	__u32 zero = 0;
	struct clock_cache *c = bpf_map_lookup_elem(&xdplb_clock, &zero);
	__u64 j = bpf_jiffies64();

	if (!c)
		return bpf_ktime_get_coarse_ns();
	if (c->jiffies != j) {
		c->ns = bpf_ktime_get_coarse_ns();
		c->jiffies = j;
	}
	return c->ns;
}

#endif /* XDPLB_CLOCK_H */
