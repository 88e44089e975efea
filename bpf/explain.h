/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains xdplb explain's dry run: which backend a tuple gets now, and why. */
#ifndef XDPLB_EXPLAIN_H
#define XDPLB_EXPLAIN_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"
#include "select.h"
#include "process.h"

/* The client's persistence entry, whatever its age (select_real() judges it). */
static __always_inline void explain_persist(const struct xdplb_vip *vip, const struct packet *p,
					    struct xdplb_explain_args *ex)
{
	struct xdplb_persist_key pk = {};
	struct xdplb_persist *pe;

	__builtin_memcpy(pk.src, p->key.src, sizeof(pk.src));
	pk.vip_id = vip->id;
	pe = bpf_map_lookup_elem(&xdplb_persist, &pk);
	if (pe) {
		ex->persist_real = pe->real_id;
		ex->persist_atime = pe->atime;
	}
}

/* The packet path up to the choice of a backend (process_packet()), on the frame at @data,
 * with select_real() in its dry-run form.  Returns the reason the packet would get, XDPLB_R_TX
 * standing for every forward (the next hop is not looked up). */
static __always_inline int explain_select(void *data, void *data_end, struct packet *p,
					  struct xdplb_explain_args *ex)
{
	struct selection sel = {};
	struct xdplb_config *cfg;
	struct xdplb_real *real;
	struct xdplb_vip *vip;
	__u32 zero = 0;
	int err;

	err = parse_frame(data, data_end, p);
	if (err)
		return err;
	cfg = bpf_map_lookup_elem(&xdplb_config, &zero);
	if (!cfg)
		return -XDPLB_R_DROP_INTERNAL;
	if ((p->key.proto != IPPROTO_TCP && p->key.proto != IPPROTO_UDP) || p->frag)
		return XDPLB_R_PASS_NOT_VIP;
	err = parse_l4(data, data_end, p);
	if (err == PKT_L4_NOPORTS)
		return XDPLB_R_PASS_NOT_VIP;
	vip = lookup_vip(&p->key, cfg->flags);
	if (!vip)
		return XDPLB_R_PASS_NOT_VIP;
	if (err == PKT_L4_BAD)
		return -XDPLB_R_DROP_MALFORMED_L4;
	ex->vip_id = vip->id;
	if (vip->flags & XDPLB_VIP_F_L3HASH)
		l3hash_key(p);
	if (vip->persist)
		explain_persist(vip, p, ex);
	if (p->key.family == XDPLB_AF_INET6)
		real = select_real(vip, p, cfg, &sel, &xdplb_flows6, &p->key, true, ex);
	else
		real = select_real(vip, p, cfg, &sel, &xdplb_flows, &p->fkey, false, ex);
	ex->now = sel.now;
	ex->real_id = sel.real_id;
	if (!real) {
		ex->source = XDPLB_EXPLAIN_NONE;
		return vip->flags & XDPLB_VIP_F_ALLDOWN_REJECT ? XDPLB_R_TX_REJECT
							       : -XDPLB_R_DROP_NO_BACKEND;
	}
	return XDPLB_R_TX;
}

/* The explain program's body: a struct xdplb_explain_args, then the frame; the answer is
 * written over the args.  XDP_PASS when answered. */
static __always_inline int explain_packet(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xdplb_explain_args ex = {}, *out;
	struct packet p = {};

	if (data + sizeof(ex) > data_end)
		return XDP_DROP;
	ex.reason = explain_select(data + sizeof(ex), data_end, &p, &ex);
	out = (void *)(long)ctx->data;
	if ((void *)(out + 1) > (void *)(long)ctx->data_end)
		return XDP_DROP;
	__builtin_memcpy(out, &ex, sizeof(ex));
	return XDP_PASS;
}

#endif /* XDPLB_EXPLAIN_H */
