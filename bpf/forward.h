/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the forwarding modes (TUN, DR and NAT) for both families: what a VIP
 * packet becomes on its way to its backend, through nexthop.h's next hop and, in NAT mode,
 * nat.h's rewrite. */
#ifndef XDPLB_FORWARD_H
#define XDPLB_FORWARD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "defs.h"
#include "encap.h"
#include "maps.h"
#include "select.h"
#include "nexthop.h"
#include "nat.h"

/* Is an IPv6 address (tunnel source) configured? */
static __always_inline bool addr6_set(const __be32 *a)
{
	return a[0] | a[1] | a[2] | a[3];
}

/*
 * TUN towards an IPv4 backend: IPv4-in-IPv4 (encap_v4()).  When the next hop's MAC is not
 * known yet, the packet goes to the kernel already encapsulated (it resolves the neighbour
 * and forwards it; later packets take the fast path); so does a packet without DF that is
 * too big (the kernel fragments the outer packet).  A VLAN tag stays on a frame that leaves
 * by the interface it came in on or goes to the kernel, goes on a redirect (set_l2()).
 */
static __always_inline int tun_v4(struct xdp_md *ctx, const struct packet *p,
				  const struct xdplb_real *real, const struct xdplb_config *cfg,
				  __u32 real_id, __u64 now)
{
	struct xdplb_nh tmp, *nh = &tmp;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	__be32 dst = real->addr[0];
	struct nh_query q;
	int rc, err, pass;
	__u32 mtu;

	if (!cfg->tun_src4)
		return -XDPLB_R_DROP_NO_SOURCE;
	q = (struct nh_query){ .src = cfg->tun_src4,
			       .key_src = cfg->tun_src4,
			       .dst = dst,
			       .tot_len = p->l3_len + sizeof(struct iphdr),
			       .proto = IPPROTO_IPIP,
			       .in_ifindex = ctx->ingress_ifindex,
			       .now = now };
	if (over_cfg_mtu(cfg, q.tot_len)) {
		rc = BPF_FIB_LKUP_RET_FRAG_NEEDED;
		mtu = cfg->mtu;
	} else {
		rc = next_hop_v4(ctx, bpf_map_lookup_elem(&xdplb_nexthop, &real_id), &q, &tmp, &nh);
		mtu = nh->max_len;
	}
	pass = XDPLB_R_PASS_NO_NEIGH;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		pass = too_big(ctx, p, mtu, sizeof(struct iphdr), true);
		if (pass != XDPLB_R_PASS_TOO_BIG)
			return pass;
		rc = BPF_FIB_LKUP_RET_NO_NEIGH;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		err = arrived_macs(ctx, smac, dmac);
		err = err ?: encap_v4(ctx, p, cfg->tun_src4, dst, smac, dmac, true);
		return err ?: pass;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return fib_error(rc);
	err =
	    encap_v4(ctx, p, cfg->tun_src4, dst, nh->smac, nh->dmac, nh->ifindex == nh->in_ifindex);
	return err ?: fib_out(nh->ifindex, nh->in_ifindex);
}

/*
 * TUN towards an IPv6 backend: IPv6-in-IPv6 or IPv4-in-IPv6 (encap_v6()).  The kernel does
 * not fragment IPv6 on the way: a packet too big is answered (IPv4 without DF: dropped).
 */
static __always_inline int tun_v6(struct xdp_md *ctx, const struct packet *p,
				  const struct xdplb_real *real, const struct xdplb_config *cfg,
				  __u32 real_id, __u64 now)
{
	struct nh6_query q = { .in_ifindex = ctx->ingress_ifindex, .now = now };
	struct xdplb_nh nh = {};
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	__u32 len = p->l3_len + sizeof(struct ipv6hdr);
	__u32 label = flow_label(&p->key);
	int rc, err;

	if (!addr6_set(cfg->tun_src6))
		return -XDPLB_R_DROP_NO_SOURCE;
	if (over_cfg_mtu(cfg, len))
		return too_big(ctx, p, cfg->mtu, sizeof(struct ipv6hdr), false);
	__builtin_memcpy(q.src, cfg->tun_src6, 16);
	__builtin_memcpy(q.key_src, cfg->tun_src6, 16);
	__builtin_memcpy(q.dst, real->addr, 16);
	q.tot_len = len;
	q.proto = p->key.family == XDPLB_AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	rc = next_hop_v6(ctx, bpf_map_lookup_elem(&xdplb_nexthop6, &real_id), &q, &nh);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return too_big(ctx, p, nh.max_len, sizeof(struct ipv6hdr), false);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		err = arrived_macs(ctx, smac, dmac);
		err = err ?: encap_v6(ctx, p, cfg->tun_src6, real->addr, smac, dmac, label, true);
		return err ?: XDPLB_R_PASS_NO_NEIGH;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return fib_error(rc);
	err = encap_v6(ctx, p, cfg->tun_src6, real->addr, nh.smac, nh.dmac, label,
		       nh.ifindex == nh.in_ifindex);
	return err ?: fib_out(nh.ifindex, nh.in_ifindex);
}

/*
 * DR and NAT: the packet keeps its IP header (NAT: rewritten) and goes to the backend's next
 * hop.  When the next hop's MAC is not known yet, a NAT packet goes to the kernel already
 * rewritten (it resolves the neighbour and forwards it), as does a NAT packet without DF
 * that is too big (the kernel fragments it); a DR packet still carries the VIP as
 * destination, so the kernel could not deliver it: counted drop, and the control plane keeps
 * backends' neighbours resolved.
 */
static __always_inline int direct(struct xdp_md *ctx, const struct packet *p,
				  const struct xdplb_vip *vip, const struct xdplb_real *real,
				  const struct xdplb_config *cfg, __u32 real_id, __u32 nat_state,
				  __u64 now)
{
	struct xdplb_nh tmp, *nh = &tmp; /* filled by the lookup before it is read */
	bool nat = vip->mode == XDPLB_MODE_NAT;
	int rc, err, pass = XDPLB_R_PASS_NO_NEIGH;
	__u32 mtu;

	if (over_cfg_mtu(cfg, p->l3_len)) {
		rc = BPF_FIB_LKUP_RET_FRAG_NEEDED;
		mtu = cfg->mtu;
	} else if (p->key.family == XDPLB_AF_INET6) {
		/* the client is the source, but not part of the key (as for IPv4) */
		struct nh6_query q = { .tot_len = p->l3_len,
				       .proto = p->key.proto,
				       .in_ifindex = ctx->ingress_ifindex,
				       .now = now };

		__builtin_memcpy(q.src, p->key.src, 16);
		__builtin_memcpy(q.dst, real->addr, 16);
		rc = next_hop_v6(ctx, bpf_map_lookup_elem(&xdplb_nexthop6, &real_id), &q, nh);
		mtu = nh->max_len;
	} else {
		struct nh_query q = { .src = p->key.src[0],
				      .dst = real->addr[0],
				      .tot_len = p->l3_len,
				      .proto = p->key.proto,
				      .in_ifindex = ctx->ingress_ifindex,
				      .now = now };

		rc = next_hop_v4(ctx, bpf_map_lookup_elem(&xdplb_nexthop, &real_id), &q, &tmp, &nh);
		mtu = nh->max_len;
	}
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		pass = too_big(ctx, p, mtu, 0, nat);
		if (pass != XDPLB_R_PASS_TOO_BIG)
			return nat ? nat_unsent(p, vip->id, real_id, nat_state, now, pass) : pass;
		rc = BPF_FIB_LKUP_RET_NO_NEIGH;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH && !nat)
		return -XDPLB_R_DROP_NO_NEIGH;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return nat ? nat_unsent(p, vip->id, real_id, nat_state, now, fib_error(rc))
			   : fib_error(rc);
	if (nat) {
		err = nat_to_backend(ctx, p, real, real_id, vip->id, nat_state & NAT_WRITE, now);
		if (err)
			return err;
		if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
			return pass; /* MACs as they came: the kernel routes it */
		err = nat_hop(ctx, p);
		if (err)
			return err;
	}
	err = set_l2(ctx, p, nh->smac, nh->dmac, nh->ifindex == nh->in_ifindex);
	return err ?: fib_out(nh->ifindex, nh->in_ifindex);
}

/**
 * forward() - send a VIP packet to its backend in the VIP's mode.
 * @p: the packet (for an ICMP error, the flow it is about with the ICMP packet's layout).
 * @nat_state: NAT mode only: NAT_WRITE to write the return-path entry (a new or moved flow,
 * or one whose state this packet moved), NAT_NEW for a new flow, which is forgotten when the
 * packet does not go to the backend (nat_unsent()).
 * @now: coarse_now() of this packet (clock.h).
 *
 * TUN: encapsulated towards the backend, in IPv4 or IPv6 after the backend's family (an
 * IPv4 VIP may have IPv6 backends; the control plane refuses the reverse, dropped here as
 * no route).  DR: only the Ethernet header changes, to the backend's MAC.  NAT: destination
 * address and port become the backend's.  The kernel's routing and neighbour tables give the
 * next hop and egress interface and check the egress MTU; xdplb_config.mtu can lower it.
 *
 * Returns: a non-negative enum xdplb_reason (TX, REDIRECT, PASS_NO_NEIGH, PASS_TOO_BIG,
 * TX_TOO_BIG) or -reason.
 */
static __always_inline int forward(struct xdp_md *ctx, const struct packet *p,
				   const struct xdplb_vip *vip, const struct xdplb_real *real,
				   const struct xdplb_config *cfg, __u32 real_id, __u32 nat_state,
				   __u64 now)
{
	if (vip->mode == XDPLB_MODE_TUN) {
		if (real->family == XDPLB_AF_INET6)
			return tun_v6(ctx, p, real, cfg, real_id, now);
		if (p->key.family != XDPLB_AF_INET)
			return -XDPLB_R_DROP_NO_ROUTE;
		return tun_v4(ctx, p, real, cfg, real_id, now);
	}
	if (real->family != p->key.family) /* the control plane refuses it in NAT mode */
		return -XDPLB_R_DROP_NO_ROUTE;
	return direct(ctx, p, vip, real, cfg, real_id, nat_state, now);
}

#endif /* XDPLB_FORWARD_H */
