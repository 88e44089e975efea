/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the forwarding modes and the egress decision (bpf_fib_lookup). */
#ifndef XDPLB_FORWARD_H
#define XDPLB_FORWARD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "defs.h"
#include "encap.h"
#include "maps.h"

/* Map a bpf_fib_lookup() failure to the reason the packet is dropped for. */
static __always_inline int fib_error(int rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_FWD_DISABLED:
		return -XDPLB_R_DROP_FWD_DISABLED;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return -XDPLB_R_DROP_TOO_BIG;
	default:
		return -XDPLB_R_DROP_NO_ROUTE;
	}
}

/**
 * forward_tun4() - TUN mode for an IPv4 packet to an IPv4 backend.
 *
 * The kernel's routing and neighbour tables give the next hop, its MAC and the egress
 * interface (and check the egress MTU against the encapsulated length).  When the neighbour
 * is not resolved yet, the encapsulated packet goes to the kernel, which resolves it and
 * forwards this packet itself; later packets take the fast path.
 *
 * Returns: a non-negative enum xdplb_reason (TX, REDIRECT, PASS_NO_NEIGH) or -reason.
 */
static __always_inline int forward_tun4(struct xdp_md *ctx, const struct packet *p,
					const struct xdplb_real *real)
{
	struct bpf_fib_lookup fib = {};
	struct xdplb_config *cfg;
	__u32 zero = 0;
	int rc, err;

	cfg = bpf_map_lookup_elem(&xdplb_config, &zero);
	if (!cfg || !cfg->tun_src4)
		return -XDPLB_R_DROP_NO_SOURCE;

	fib.family = AF_INET;
	fib.l4_protocol = IPPROTO_IPIP;
	fib.tot_len = p->l3_len + sizeof(struct iphdr);
	fib.ipv4_src = cfg->tun_src4;
	fib.ipv4_dst = real->addr[0];
	fib.ifindex = ctx->ingress_ifindex;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return fib_error(rc);

	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* Keep the MACs the frame arrived with: it is addressed to this host, so the
		 * stack accepts it and routes the encapsulated packet. */
		struct ethhdr *eth = (void *)(long)ctx->data;
		__u8 dmac[ETH_ALEN], smac[ETH_ALEN];

		if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
			return -XDPLB_R_DROP_INTERNAL;
		__builtin_memcpy(dmac, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(smac, eth->h_source, ETH_ALEN);
		err = encap_v4(ctx, p, cfg->tun_src4, real->addr[0], smac, dmac);
		return err ? err : XDPLB_R_PASS_NO_NEIGH;
	}

	err = encap_v4(ctx, p, cfg->tun_src4, real->addr[0], fib.smac, fib.dmac);
	if (err)
		return err;
	if (fib.ifindex == ctx->ingress_ifindex)
		return XDPLB_R_TX;
	bpf_redirect(fib.ifindex, 0);
	return XDPLB_R_REDIRECT;
}

#endif /* XDPLB_FORWARD_H */
