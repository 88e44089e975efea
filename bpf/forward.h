/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the forwarding modes (TUN, DR, NAT and NAT's return path) and the
 * egress decision through the kernel's routing and neighbour tables (bpf_fib_lookup), whose
 * answers each CPU caches for a short time. */
#ifndef XDPLB_FORWARD_H
#define XDPLB_FORWARD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "csum.h"
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

/* Next hop for @dst (src, tot_len for the MTU check).  Returns a BPF_FIB_LKUP_RET_*. */
static __always_inline int fib_v4(struct xdp_md *ctx, struct bpf_fib_lookup *fib, __be32 src,
				  __be32 dst, __u8 proto, __u16 tot_len)
{
	fib->family = AF_INET;
	fib->l4_protocol = proto;
	fib->tot_len = tot_len;
	fib->ipv4_src = src;
	fib->ipv4_dst = dst;
	fib->ifindex = ctx->ingress_ifindex;
	return bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
}

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/*
 * Is IPv4 forwarding on for the interface the packet came in on (sysctl
 * net.ipv4.conf.IFNAME.forwarding)?  bpf_fib_lookup() checks it first; a cached next hop
 * checks it too, so that switching forwarding off stops the balancer at once.  Four loads
 * from kernel memory that the packet path has just touched: struct xdp_buff -> rxq -> dev
 * -> ip_ptr -> cnf.
 */
static __always_inline bool ingress_forwarding(struct xdp_md *ctx)
{
	struct xdp_buff *xdp = bpf_cast_to_kern_ctx(ctx);
	struct in_device *in_dev = xdp->rxq->dev->ip_ptr;

	return in_dev && in_dev->cnf.data[IPV4_DEVCONF_FORWARDING - 1];
}

/*
 * How long a next hop that bpf_fib_lookup() gave is used without asking again (coarse ns).
 * A neighbour's new MAC, a route change or a neighbour that goes away reach the data plane
 * within this time; the unit tests read it to know how long to wait.
 */
const volatile __u64 cfg_nh_ttl_ns = 100000000ull; /* 100 ms */

/* What a next hop is looked up for (see next_hop_v4()). */
struct nh_query {
	__be32 src, key_src, dst;
	__u32 in_ifindex; /* ctx->ingress_ifindex */
	__u16 tot_len;
	__u8 proto;
	__u8 pad;
	__u64 now;
};

/*
 * The cache miss: ask the kernel, and keep the answer in @c if it is a next hop (a failure
 * empties @c).  Out of line, so that the hit path does not carry the 64-byte lookup struct.
 */
static __noinline int next_hop_refresh(struct xdp_md *ctx, struct xdplb_nh *c,
				       const struct nh_query *q)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	if (!ctx || !c || !q) /* for the verifier: a subprogram's pointers may be NULL */
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	rc = fib_v4(ctx, &fib, q->src, q->dst, q->proto, q->tot_len);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		c->expires = 0;
		return rc;
	}
	c->expires = q->now + cfg_nh_ttl_ns;
	c->dst = q->dst;
	c->src = q->key_src;
	c->in_ifindex = q->in_ifindex;
	c->ifindex = fib.ifindex;
	__builtin_memcpy(c->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(c->dmac, fib.dmac, ETH_ALEN);
	c->max_len = q->tot_len;
	c->proto = q->proto;
	return rc;
}

/**
 * next_hop_v4() - egress interface and MACs towards a destination, cached.
 * @c: the cache entry for the destination (this CPU's), or NULL when there is none.
 * @q: the question.  src is the source address for the lookup; key_src is what the answer
 *	depends on of it: the tunnel source in TUN mode and the VIP for NAT replies (both
 *	fixed per entry), 0 towards a backend in DR and NAT mode, where src is the client and
 *	the backend's next hop is taken to be the same for every client (source-based policy
 *	routing towards backends is not honoured per client).  tot_len is the IP total length
 *	of the packet as it will leave, for the route's MTU.  now is bpf_ktime_get_coarse_ns(),
 *	in_ifindex the interface the packet came in on.
 * @tmp: where the answer goes when @c is NULL.
 * @nh: set to the answer on BPF_FIB_LKUP_RET_SUCCESS.
 *
 * bpf_fib_lookup() was about 40% of an established flow's cost, and its answer for one
 * destination changes rarely.  So each CPU keeps the last successful answer per backend (and
 * for NAT replies per client, in a direct-mapped table) and uses it for cfg_nh_ttl_ns, as
 * long as the question is the same one: same destination, key_src, ingress interface and
 * protocol, a packet no longer than one the route's MTU was checked for, and forwarding
 * still on for the ingress interface.  Anything else asks the kernel again; a failed lookup
 * empties the entry, so that the next packet asks again too.
 *
 * Returns: a BPF_FIB_LKUP_RET_*.
 */
static __always_inline int next_hop_v4(struct xdp_md *ctx, struct xdplb_nh *c,
				       const struct nh_query *q, struct xdplb_nh *tmp,
				       struct xdplb_nh **nh)
{
	if (c && q->now < c->expires && c->dst == q->dst && c->src == q->key_src &&
	    c->in_ifindex == q->in_ifindex && c->proto == q->proto && q->tot_len <= c->max_len &&
	    ingress_forwarding(ctx)) {
		*nh = c;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	if (!c)
		c = tmp;
	*nh = c;
	return next_hop_refresh(ctx, c, q);
}

/* Egress verdict once the frame is ready for @ifindex; @in_ifindex: where it came in. */
static __always_inline int fib_out(__u32 ifindex, __u32 in_ifindex)
{
	if (ifindex == in_ifindex)
		return XDPLB_R_TX;
	bpf_redirect(ifindex, 0);
	return XDPLB_R_REDIRECT;
}

/*
 * Replace the L2 header by a plain Ethernet header (a VLAN tag that came in is dropped: the
 * frame leaves on the interface the routing table chose).  Returns 0 or -DROP_INTERNAL.
 */
static __always_inline int set_l2(struct xdp_md *ctx, const struct packet *p, const __u8 *smac,
				  const __u8 *dmac)
{
	struct ethhdr *eth;

	/* only a VLAN tag makes the header shrink (no helper call for the common case) */
	if (l3_offset(p) != ETH_HLEN && bpf_xdp_adjust_head(ctx, (int)l3_offset(p) - ETH_HLEN))
		return -XDPLB_R_DROP_INTERNAL;
	eth = (void *)(long)ctx->data;
	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return -XDPLB_R_DROP_INTERNAL;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	return 0;
}

/* The MACs the frame arrived with (for packets handed to the kernel). */
static __always_inline int arrived_macs(struct xdp_md *ctx, __u8 *smac, __u8 *dmac)
{
	struct ethhdr *eth = (void *)(long)ctx->data;

	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return -XDPLB_R_DROP_INTERNAL;
	__builtin_memcpy(dmac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(smac, eth->h_source, ETH_ALEN);
	return 0;
}

/**
 * nat_rewrite() - rewrite one address and port of the packet, checksums updated.
 * @dst: true to rewrite the destination (towards a backend), false for the source (reply).
 *
 * IPv4 header checksum for the address; TCP/UDP checksum for the address (pseudo-header) and
 * the port.  A UDP checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff
 * (RFC 768).
 */
static __always_inline int nat_rewrite(struct xdp_md *ctx, const struct packet *p, bool dst,
				       __be32 addr, __be16 port)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + l3_offset(p);
	__be32 old_addr;
	__be16 old_port;
	__u32 l4_off;

	if ((void *)(iph + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	l4_off = l3_offset(p) + (iph->ihl & 0xf) * 4;
	old_addr = dst ? iph->daddr : iph->saddr;
	if (dst)
		iph->daddr = addr;
	else
		iph->saddr = addr;
	csum_replace4(&iph->check, old_addr, addr);

	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = data + l4_off;

		if ((void *)(th + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		old_port = dst ? th->dest : th->source;
		if (dst)
			th->dest = port;
		else
			th->source = port;
		csum_replace4_2(&th->check, old_addr, addr, old_port, port);
	} else {
		struct udphdr *uh = data + l4_off;

		if ((void *)(uh + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		old_port = dst ? uh->dest : uh->source;
		if (dst)
			uh->dest = port;
		else
			uh->source = port;
		if (uh->check) {
			csum_replace4_2(&uh->check, old_addr, addr, old_port, port);
			if (!uh->check)
				uh->check = 0xffff;
		}
	}
	return 0;
}

/* The reply tuple of a NAT flow (backend -> client), as the return path will see it. */
static __always_inline void nat_reply_key(const struct packet *p, const struct xdplb_real *real,
					  struct xdplb_flow_key4 *rk)
{
	rk->src = real->addr[0];
	rk->dst = p->fkey.src;
	rk->sport = real->port ? real->port : p->fkey.dport;
	rk->dport = p->fkey.sport;
	rk->proto = p->fkey.proto;
}

/**
 * forward_v4() - send a VIP packet to its backend in the VIP's mode.
 * @nat_new: NAT mode only: write the return-path entry (a new or moved flow).
 * @now: bpf_ktime_get_coarse_ns() of this packet.
 *
 * TUN: IPv4-in-IPv4 (encap_v4()).  DR: only the Ethernet header changes, to the backend's
 * MAC.  NAT: destination address and port become the backend's.  The kernel's routing and
 * neighbour tables give the next hop and egress interface, and check the egress MTU
 * (through next_hop_v4()'s per-CPU cache).  When
 * the next hop's MAC is not known yet, TUN and NAT packets go to the kernel already
 * rewritten (it resolves the neighbour and forwards them; later packets take the fast
 * path); a DR packet still carries the VIP as destination, so the kernel could not deliver
 * it: counted drop, and the control plane keeps backends' neighbours resolved.
 *
 * Returns: a non-negative enum xdplb_reason (TX, REDIRECT, PASS_NO_NEIGH) or -reason.
 */
static __always_inline int forward_v4(struct xdp_md *ctx, const struct packet *p,
				      const struct xdplb_vip *vip, const struct xdplb_real *real,
				      const struct xdplb_config *cfg, __u32 real_id, bool nat_new,
				      __u64 now)
{
	struct xdplb_nh tmp, *nh = &tmp;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	struct nh_query q;
	__be32 dst = real->addr[0];
	int rc, err;

	if (vip->mode == XDPLB_MODE_TUN) {
		if (!cfg->tun_src4)
			return -XDPLB_R_DROP_NO_SOURCE;
		q = (struct nh_query){ .src = cfg->tun_src4,
				       .key_src = cfg->tun_src4,
				       .dst = dst,
				       .tot_len = p->l3_len + sizeof(struct iphdr),
				       .proto = IPPROTO_IPIP,
				       .in_ifindex = ctx->ingress_ifindex,
				       .now = now };
		rc = next_hop_v4(ctx, bpf_map_lookup_elem(&xdplb_nexthop, &real_id), &q, &tmp, &nh);
		if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
			err = arrived_macs(ctx, smac, dmac);
			err = err ?: encap_v4(ctx, p, cfg->tun_src4, dst, smac, dmac);
			return err ?: XDPLB_R_PASS_NO_NEIGH;
		}
		if (rc != BPF_FIB_LKUP_RET_SUCCESS)
			return fib_error(rc);
		err = encap_v4(ctx, p, cfg->tun_src4, dst, nh->smac, nh->dmac);
		return err ?: fib_out(nh->ifindex, nh->in_ifindex);
	}

	q = (struct nh_query){ .src = p->key.src[0],
			       .dst = dst,
			       .tot_len = p->l3_len,
			       .proto = p->key.proto,
			       .in_ifindex = ctx->ingress_ifindex,
			       .now = now };
	rc = next_hop_v4(ctx, bpf_map_lookup_elem(&xdplb_nexthop, &real_id), &q, &tmp, &nh);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH && vip->mode == XDPLB_MODE_DR)
		return -XDPLB_R_DROP_NO_NEIGH;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return fib_error(rc);

	if (vip->mode == XDPLB_MODE_NAT) {
		if (nat_new) {
			struct xdplb_nat nv = { .vip_port = p->key.dport, .real_id = real_id };
			struct xdplb_flow_key4 rk = {};

			__builtin_memcpy(nv.vip_addr, p->key.dst, sizeof(nv.vip_addr));
			nat_reply_key(p, real, &rk);
			bpf_map_update_elem(&xdplb_nat, &rk, &nv, BPF_ANY);
		}
		err = nat_rewrite(ctx, p, true, dst, real->port ? real->port : p->key.dport);
		if (err)
			return err;
		if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
			return XDPLB_R_PASS_NO_NEIGH; /* MACs as they came: the kernel routes it */
	}
	err = set_l2(ctx, p, nh->smac, nh->dmac);
	return err ?: fib_out(nh->ifindex, nh->in_ifindex);
}

/**
 * nat_reply_v4() - NAT mode's return path: a backend's reply becomes the VIP's again.
 *
 * Called for packets that are for no VIP, when some VIP is in NAT mode: a packet whose
 * 5-tuple is a known reply (backend:port -> client:port) gets the VIP's address and port as
 * its source and goes towards the client.
 *
 * Returns: a non-negative enum xdplb_reason, -reason, or -1 - XDPLB_R_MAX when the packet
 * is no reply (the caller passes it on untouched).
 */
#define NAT_NOT_A_REPLY (-1 - XDPLB_R_MAX)
static __always_inline int nat_reply_v4(struct xdp_md *ctx, const struct packet *p)
{
	__be32 client = p->fkey.dst;
	__u32 slot = (client * 0x9e3779b1u) >> 20; /* 12 bits: XDPLB_NH_CLIENT_SLOTS */
	struct xdplb_nh tmp, *nh = &tmp;
	struct nh_query q = {};
	struct xdplb_nat *nv;
	__be16 vip_port;
	int rc, err;

	nv = bpf_map_lookup_elem(&xdplb_nat, &p->fkey);
	if (!nv)
		return NAT_NOT_A_REPLY;
	vip_port = nv->vip_port;
	/* the VIP is the source: policy routing may depend on it, so it is part of the key */
	q.src = q.key_src = nv->vip_addr[0];
	q.dst = client;
	q.tot_len = p->l3_len;
	q.proto = p->fkey.proto;
	q.in_ifindex = ctx->ingress_ifindex;
	q.now = bpf_ktime_get_coarse_ns();
	rc = next_hop_v4(ctx, bpf_map_lookup_elem(&xdplb_nh_client, &slot), &q, &tmp, &nh);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return fib_error(rc);
	err = nat_rewrite(ctx, p, false, q.src, vip_port);
	if (err)
		return err;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XDPLB_R_PASS_NO_NEIGH;
	err = set_l2(ctx, p, nh->smac, nh->dmac);
	return err ?: fib_out(nh->ifindex, nh->in_ifindex);
}

#endif /* XDPLB_FORWARD_H */
