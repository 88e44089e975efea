/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the egress decision through the kernel's routing and neighbour tables
 * (bpf_fib_lookup), whose answers each CPU caches for a short time, the checks that forwarding
 * is on, the verdict and Ethernet header of a packet on its way out, and what happens to a
 * packet too big for the way out. */
#ifndef XDPLB_NEXTHOP_H
#define XDPLB_NEXTHOP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "xdplb_abi.h"
#include "parse.h"
#include "icmp.h"

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

/* The same for IPv6 (the lookup also checks net.ipv6.conf.IFNAME.forwarding). */
static __always_inline int fib_v6(struct xdp_md *ctx, struct bpf_fib_lookup *fib, const __be32 *src,
				  const __be32 *dst, __u8 proto, __u16 tot_len)
{
	fib->family = AF_INET6;
	fib->l4_protocol = proto;
	fib->tot_len = tot_len;
	__builtin_memcpy(fib->ipv6_src, src, 16);
	__builtin_memcpy(fib->ipv6_dst, dst, 16);
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
		c->max_len = fib.mtu_result; /* FRAG_NEEDED: the route's MTU */
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
 *	of the packet as it will leave, for the route's MTU.  now is coarse_now() (clock.h),
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
 * Returns: a BPF_FIB_LKUP_RET_*; on BPF_FIB_LKUP_RET_FRAG_NEEDED (*nh)->max_len is the
 * route's MTU.
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

/* Is IPv6 forwarding on for the ingress interface (net.ipv6.conf.IFNAME.forwarding)? */
static __always_inline bool ingress_forwarding6(struct xdp_md *ctx)
{
	struct xdp_buff *xdp = bpf_cast_to_kern_ctx(ctx);
	struct inet6_dev *idev = xdp->rxq->dev->ip6_ptr;

	return idev && idev->cnf.forwarding;
}

static __always_inline bool addr6_eq(const __be32 *a, const __be32 *b)
{
	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]));
}

/* What an IPv6 next hop is looked up for (see next_hop_v6()). */
struct nh6_query {
	__be32 src[4], key_src[4], dst[4];
	__u32 in_ifindex;
	__u16 tot_len;
	__u8 proto;
	__u8 pad;
	__u64 now;
};

/* next_hop_v6()'s miss: ask the kernel; fill @nh (and the cache entry @c, if any) with the
 * answer.  Out of line, like next_hop_refresh(). */
static __noinline int next_hop6_refresh(struct xdp_md *ctx, struct xdplb_nh6 *c,
					const struct nh6_query *q, struct xdplb_nh *nh)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	if (!ctx || !q || !nh) /* for the verifier: a subprogram's pointers may be NULL */
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	rc = fib_v6(ctx, &fib, q->src, q->dst, q->proto, q->tot_len);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		if (c)
			c->expires = 0;
		nh->max_len = fib.mtu_result; /* FRAG_NEEDED: the route's MTU */
		return rc;
	}
	nh->ifindex = fib.ifindex;
	nh->in_ifindex = q->in_ifindex;
	__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
	if (!c)
		return rc;
	c->expires = q->now + cfg_nh_ttl_ns;
	__builtin_memcpy(c->dst, q->dst, 16);
	__builtin_memcpy(c->src, q->key_src, 16);
	c->in_ifindex = q->in_ifindex;
	c->ifindex = fib.ifindex;
	__builtin_memcpy(c->smac, fib.smac, ETH_ALEN);
	__builtin_memcpy(c->dmac, fib.dmac, ETH_ALEN);
	c->max_len = q->tot_len;
	c->proto = q->proto;
	return rc;
}

/**
 * next_hop_v6() - next_hop_v4() for an IPv6 destination: the same per-CPU cache rules
 * (xdplb_nexthop6 per backend, xdplb_nhclient6 per client for NAT66 replies; @c NULL: no
 * cache entry), the same question (destination, key_src, ingress interface, protocol,
 * length) and IPv6 forwarding still on.
 * @nh: receives the egress interface and MACs on success, the route's MTU in max_len on
 *	BPF_FIB_LKUP_RET_FRAG_NEEDED.
 *
 * Returns: a BPF_FIB_LKUP_RET_*.
 */
static __always_inline int next_hop_v6(struct xdp_md *ctx, struct xdplb_nh6 *c,
				       const struct nh6_query *q, struct xdplb_nh *nh)
{
	if (c && q->now < c->expires && addr6_eq(c->dst, q->dst) && addr6_eq(c->src, q->key_src) &&
	    c->in_ifindex == q->in_ifindex && c->proto == q->proto && q->tot_len <= c->max_len &&
	    ingress_forwarding6(ctx)) {
		nh->ifindex = c->ifindex;
		nh->in_ifindex = c->in_ifindex;
		__builtin_memcpy(nh->smac, c->smac, ETH_ALEN);
		__builtin_memcpy(nh->dmac, c->dmac, ETH_ALEN);
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	return next_hop6_refresh(ctx, c, q, nh);
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
 * The Ethernet header of a frame on its way out: the next hop's MACs.  VLAN policy: a tag
 * that came in stays when @keep_tag, i.e. the frame leaves by the interface it came in on
 * (XDP_TX): the backend or client is on that VLAN, and untagged the frame would land on the
 * native one.  Redirected to another interface it leaves untagged: the tag belongs to the
 * ingress link and means nothing on another.  Returns 0 or -DROP_INTERNAL.
 */
static __always_inline int set_l2(struct xdp_md *ctx, const struct packet *p, const __u8 *smac,
				  const __u8 *dmac, bool keep_tag)
{
	bool untag = l3_offset(p) != ETH_HLEN && !keep_tag;
	struct ethhdr *eth;

	/* only dropping a tag makes the header shrink (no helper call for the common case) */
	if (untag && bpf_xdp_adjust_head(ctx, (int)l3_offset(p) - ETH_HLEN))
		return -XDPLB_R_DROP_INTERNAL;
	eth = (void *)(long)ctx->data;
	if ((void *)(eth + 1) > (void *)(long)ctx->data_end)
		return -XDPLB_R_DROP_INTERNAL;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	/* a tag kept keeps its TPID here and the packet's EtherType behind it; an untagged
	 * header already names the family, unless a tag was just dropped */
	if (untag)
		eth->h_proto =
		    p->key.family == XDPLB_AF_INET6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP);
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

/*
 * too_big() - what becomes of a packet larger than @mtu on its way out.
 * @overhead: the tunnel header the packet gets (0 in DR and NAT mode).
 * @can_pass: the kernel may fragment it (IPv4 without DF, leaving as IPv4).
 *
 * IPv4 with DF and IPv6 are answered with ICMP (icmp_too_big()) carrying @mtu - @overhead, so
 * that the client's path MTU discovery works through the balancer; IPv4 without DF is handed
 * to the kernel when @can_pass (XDPLB_R_PASS_TOO_BIG: the caller rewrites it first), else
 * dropped.  An ICMP error is never answered with another (RFC 1122 3.2.2), nor an IPv4 packet
 * with options (their quote would not be the packet's first 28 bytes' worth), nor one whose
 * IPv4 header checksum is wrong (answer_csum_ok(): drop_bad_csum).
 */
static __always_inline int too_big(struct xdp_md *ctx, const struct packet *p, __u32 mtu,
				   __u32 overhead, bool can_pass)
{
	if (p->icmp_err || mtu <= overhead)
		return -XDPLB_R_DROP_TOO_BIG;
	if (p->key.family == XDPLB_AF_INET) {
		if (!p->df)
			return can_pass ? XDPLB_R_PASS_TOO_BIG : -XDPLB_R_DROP_TOO_BIG;
		if (l4_offset(p) - l3_offset(p) != sizeof(struct iphdr))
			return -XDPLB_R_DROP_TOO_BIG;
		if (!answer_csum_ok(ctx, p, false))
			return -XDPLB_R_DROP_BAD_CSUM;
	}
	return icmp_too_big(ctx, p, mtu - overhead);
}

/* Over the configured MTU (xdplb_config.mtu, 0 = none)?  Then @rc becomes FRAG_NEEDED. */
static __always_inline bool over_cfg_mtu(const struct xdplb_config *cfg, __u32 len)
{
	return cfg->mtu && len > cfg->mtu;
}

#endif /* XDPLB_NEXTHOP_H */
