/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the live trace: each packet's decision on a ring buffer (xdplb trace). */
#ifndef XDPLB_TRACE_H
#define XDPLB_TRACE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "parse.h"
#include "select.h"

/* Is the trace on?  All that the packet path pays while it is off: one array read. */
static __always_inline bool trace_on(void)
{
	__u32 zero = 0;
	struct xdplb_trace_ctl *t = bpf_map_lookup_elem(&xdplb_trace_ctl, &zero);

	return t && t->on;
}

static __always_inline bool trace_addr_in(const __be32 *a, const struct xdplb_trace_ctl *t)
{
	return (a[0] & t->mask[0]) == t->client[0] && (a[1] & t->mask[1]) == t->client[1] &&
	       (a[2] & t->mask[2]) == t->client[2] && (a[3] & t->mask[3]) == t->client[3];
}

/* What the packet's flow was (enum xdplb_trace_flow). */
static __always_inline __u8 trace_flow(const struct selection *sel)
{
	if (sel->reply)
		return XDPLB_TRACE_REPLY;
	if (sel->resched)
		return XDPLB_TRACE_RESCHED;
	if (sel->new_flow)
		return XDPLB_TRACE_NEW;
	return sel->real_id ? XDPLB_TRACE_FOUND : XDPLB_TRACE_NONE;
}

/**
 * xdplb_trace_packet() - report a packet's decision, if it passes the trace's filters.
 * @p, @sel: what process_packet() or process_icmp() parsed and selected.
 * @reason: its verdict's reason (negative: a drop).
 * @len: its length as it arrived.
 *
 * The event carries the first bytes of the frame as the program leaves it (rewritten or
 * encapsulated if it is forwarded).  A full ring loses the event, counted in
 * xdplb_trace_ctl.lost; the packet's fate never depends on the trace.  A function of its own
 * (verified once), called only while the trace is on.
 */
__noinline int xdplb_trace_packet(struct xdp_md *ctx, const struct packet *p,
				  const struct selection *sel, int reason, __u32 len)
{
	struct xdplb_trace_event *e;
	struct xdplb_trace_ctl *t;
	__u32 zero = 0, r, snap;

	if (!ctx || !p || !sel)
		return 0;
	t = bpf_map_lookup_elem(&xdplb_trace_ctl, &zero);
	if (!t || !t->on)
		return 0;
	r = reason < 0 ? -reason : reason;
	if (t->vip_id && t->vip_id != sel->vip_id)
		return 0;
	if (t->reasons && !((t->reasons >> (r & 31)) & 1))
		return 0;
	if (t->family && (p->key.family != t->family ||
			  (!trace_addr_in(p->key.src, t) && !trace_addr_in(p->key.dst, t))))
		return 0;
	e = bpf_ringbuf_reserve(&xdplb_trace, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&t->lost, 1);
		return 0;
	}
	e->time = bpf_ktime_get_ns();
	e->ifindex = ctx->ingress_ifindex;
	e->len = len;
	e->vip_id = sel->vip_id;
	e->real_id = sel->real_id;
	e->reason = r;
	e->flow = trace_flow(sel);
	e->pad = 0;
	e->key = p->key;
	e->key.sport = p->sport;
	e->key.dport = p->dport;
	snap = ctx->data_end - ctx->data;
	if (snap > t->snap)
		snap = t->snap;
	if (snap > XDPLB_TRACE_SNAP)
		snap = XDPLB_TRACE_SNAP;
	e->snap = 0;
	if (snap && !bpf_xdp_load_bytes(ctx, 0, e->data, snap))
		e->snap = snap;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* XDPLB_TRACE_H */
