/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the counter updates: per reason, per VIP and per backend. */
#ifndef XDPLB_STATS_H
#define XDPLB_STATS_H

#include "maps.h"

static __always_inline void count_reason(__u32 reason, __u64 bytes)
{
	struct xdplb_counter *c = bpf_map_lookup_elem(&xdplb_stats, &reason);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void count_flow_event(__u32 ev)
{
	__u64 *n = bpf_map_lookup_elem(&xdplb_flow_events, &ev);

	if (n)
		(*n)++;
}

/* Per-CPU values: plain increments are safe, no other CPU writes this copy. */
static __always_inline void count_traffic(void *map, __u32 id, __u64 bytes, int new_flow,
					  int resched)
{
	struct xdplb_traffic *t = bpf_map_lookup_elem(map, &id);

	if (t) {
		t->packets++;
		t->bytes += bytes;
		t->flows += new_flow;
		t->resched += resched;
	}
}

/* The other direction (NAT replies): ipvsadm's OutPkts and OutBytes. */
static __always_inline void count_out(void *map, __u32 id, __u64 bytes)
{
	struct xdplb_traffic *t = bpf_map_lookup_elem(map, &id);

	if (t) {
		t->out_packets++;
		t->out_bytes += bytes;
	}
}

#endif /* XDPLB_STATS_H */
