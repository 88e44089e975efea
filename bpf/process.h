/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the balancer's packet path: parse -> VIP -> flow -> backend -> forward. */
#ifndef XDPLB_PROCESS_H
#define XDPLB_PROCESS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "parse.h"
#include "select.h"
#include "vip_cache.h"
#include "forward.h"
#include "stats.h"
#include "reject.h"

/**
 * process_packet() - decide one packet's fate.
 * @bytes: the frame length as it arrived (for the counters).
 *
 * Returns: the enum xdplb_reason that names the verdict, non-negative for TX/REDIRECT/PASS_*,
 * negative (-reason) for drops.  Nothing is written to the frame before the verdict is known
 * to be a forward, so every PASS leaves the packet untouched.
 */
static __always_inline int process_packet(struct xdp_md *ctx, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct selection sel = {};
	struct packet p = {};
	struct xdplb_config *cfg;
	struct xdplb_real *real;
	struct xdplb_vip *vip;
	struct iphdr *iph;
	__u32 l4_off, zero = 0;
	int proto, err;

	proto = parse_eth(data, data_end, &p);
	if (proto < 0)
		return proto;
	if (proto == bpf_htons(ETH_P_IPV6))
		return XDPLB_R_PASS_IPV6_EXT;
	if (proto != bpf_htons(ETH_P_IP))
		return XDPLB_R_PASS_NOT_IP;
	err = parse_ipv4(data, data_end, &p);
	if (err)
		return err;
	if (p.key.proto != IPPROTO_TCP && p.key.proto != IPPROTO_UDP)
		return XDPLB_R_PASS_NOT_VIP;
	if (p.frag)
		return XDPLB_R_PASS_FRAGMENT;

	iph = data + l3_offset(&p);
	if ((void *)(iph + 1) > data_end)
		return -XDPLB_R_DROP_MALFORMED_L3;
	l4_off = l3_offset(&p) + iph->ihl * 4;
	err = parse_l4(data, data_end, &p, l4_off);
	if (err)
		return err;

	cfg = bpf_map_lookup_elem(&xdplb_config, &zero);
	if (!cfg)
		return -XDPLB_R_DROP_INTERNAL;
	vip = lookup_vip_cached(&p, cfg);
	if (!vip) {
		if (cfg->flags & XDPLB_CFG_F_NAT) {
			err = nat_reply_v4(ctx, &p);
			if (err != NAT_NOT_A_REPLY)
				return err;
		}
		return XDPLB_R_PASS_NOT_VIP;
	}

	real = select_real(vip, &p, cfg, &sel);
	count_traffic(&xdplb_vip_stats, vip->id, bytes, sel.new_flow, sel.resched);
	if (!real)
		return vip->flags & XDPLB_VIP_F_ALLDOWN_REJECT ? reject_packet(ctx, &p)
							       : -XDPLB_R_DROP_NO_BACKEND;
	count_traffic(&xdplb_real_stats, sel.real_id, bytes, sel.new_flow, 0);
	return forward_v4(ctx, &p, vip, real, cfg, sel.real_id, sel.new_flow, sel.now);
}

#endif /* XDPLB_PROCESS_H */
