/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the flow-table GC: expired flows are counted out and deleted outside the
 * packet path, by a program that userspace runs with BPF_PROG_TEST_RUN. */
#ifndef XDPLB_GC_H
#define XDPLB_GC_H

#include "select.h"

struct gc_ctx {
	struct xdplb_config cfg;
	__u64 now, scanned, expired;
	__u32 flush, flush_vip;
};

/* A flow, or a NAT reply entry (@reply): freed alike when idle for its timeout, of a backend
 * gone or flushed; an entry counts for nothing (bpf/flow_table.h), a flow is counted out. */
static __always_inline void gc_flow(__u8 proto, bool reply, struct xdplb_flow *f, struct gc_ctx *g)
{
	__u32 state = f->state;
	bool gone;

	if (!flow_slot_live(state))
		return; /* free, being filled, or its deleter is freeing it */
	gone = !flow_real(f);
	if (reply) {
		if (gone || flow_expired(f, &g->cfg, proto, g->now) ||
		    (g->flush && (!g->flush_vip || g->flush_vip == f->vip_id)))
			flow_expire(f, true); /* to DEAD and FREE, nothing counted */
		return;
	}
	g->scanned++;
	if (gone || flow_expired(f, &g->cfg, proto, g->now) ||
	    (g->flush && (!g->flush_vip || g->flush_vip == f->vip_id))) {
		flow_expire(f, gone);
		g->expired++;
	}
}

static long gc_set4(void *map, __u32 *idx, struct xdplb_flow_set4 *set, struct gc_ctx *g)
{
#pragma unroll
	for (int i = 0; i < XDPLB_FLOW_WAYS4; i++)
		gc_flow(set->s[i].key.proto, set->s[i].key.pad[0] & XDPLB_KEY_REPLY, &set->s[i].f,
			g);
	return 0;
}

static long gc_set6(void *map, __u32 *idx, struct xdplb_flow_set6 *set, struct gc_ctx *g)
{
#pragma unroll
	for (int i = 0; i < XDPLB_FLOW_WAYS6; i++)
		gc_flow(set->s[i].key.proto, set->s[i].key.pad[0] & XDPLB_KEY_REPLY, &set->s[i].f,
			g);
	return 0;
}

/**
 * gc_flows() - one pass over the flow tables (IPv4, then IPv6).
 *
 * The same state transitions as the packet path (compare-and-swap to DEAD, then delete), so
 * a flow is counted out exactly once whoever sees it expire first.  Without this pass an
 * idle flow would stay counted as active until its tuple came back or the LRU evicted it.
 */
static __always_inline int gc_flows(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct xdplb_gc_args *args = data;
	struct xdplb_config *cfg;
	struct gc_ctx g = {};
	__u32 zero = 0;

	if ((void *)(args + 1) > data_end)
		return XDP_ABORTED;
	cfg = bpf_map_lookup_elem(&xdplb_config, &zero);
	if (!cfg)
		return XDP_ABORTED;
	g.cfg = *cfg;
	g.now = args->now;
	g.flush = args->flush;
	g.flush_vip = args->flush_vip;
	bpf_for_each_map_elem(&xdplb_flows, gc_set4, &g, 0);
	bpf_for_each_map_elem(&xdplb_flows6, gc_set6, &g, 0);
	args->scanned = g.scanned;
	args->expired = g.expired;
	/* After the deletions: see bpf/flow_cache.h.  Every pass, not only those that
	 * deleted something: a branch on the count here makes the verifier give up on the
	 * callbacks above ("sequence of jumps is too complex"), and a pass a second costs the
	 * caches one more flow-table lookup per flow and second at most. */
	{
		__u32 *gen = bpf_map_lookup_elem(&xdplb_flowgen, &zero);

		if (gen)
			__sync_fetch_and_add(gen, 1);
	}
	return XDP_PASS;
}

#endif /* XDPLB_GC_H */
