/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the forwarding modes (TUN, DR, NAT and NAT's return path) for both
 * families, the egress decision through the kernel's routing and neighbour tables
 * (bpf_fib_lookup), whose answers each CPU caches for a short time, and what happens to a
 * packet too big for the way out. */
#ifndef XDPLB_FORWARD_H
#define XDPLB_FORWARD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "csum.h"
#include "encap.h"
#include "icmp.h"
#include "maps.h"
#include "select.h"

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

/**
 * nat_rewrite() - rewrite one address and port of the packet, checksums updated.
 * @dst: true to rewrite the destination (towards a backend), false for the source (reply).
 * @addr: the new address (IPv4 in addr[0]).  @port: the new port; 0 = leave it.
 *
 * IPv4 header checksum for the address; TCP/UDP checksum for the address (pseudo-header) and
 * the port.  A UDP checksum of 0 means "none" over IPv4 and stays 0; a computed 0 is sent as
 * 0xffff (RFC 768).  Over IPv6 a UDP checksum of 0 is not allowed (RFC 8200 8.1): dropped
 * before anything is written.  A non-first fragment has no TCP/UDP header: only the address
 * changes (the first fragment's checksum update covers the whole datagram).
 */
static __always_inline int nat_rewrite(struct xdp_md *ctx, const struct packet *p, bool dst,
				       const __be32 *addr, __be16 port)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u32 l4_off = l4_offset(p), acc = 0;
	bool v6 = p->key.family == XDPLB_AF_INET6;
	__be16 *ports = NULL, *check = NULL, old_port;

	if (p->frag != PKT_FRAG_MORE) {
		ports = data + l4_off;
		if ((void *)(ports + 4) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		if (p->key.proto == IPPROTO_TCP) {
			check = data + l4_off + 16;
			if ((void *)(check + 1) > data_end)
				return -XDPLB_R_DROP_INTERNAL;
		} else if (ports[3]) {
			check = &ports[3];
		} else if (v6) {
			return -XDPLB_R_DROP_MALFORMED_L4;
		}
	}

	if (v6) {
		struct ipv6hdr *ip6 = data + l3_offset(p);
		__be32 *a, old[4];

		if ((void *)(ip6 + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		a = dst ? (__be32 *)&ip6->daddr : (__be32 *)&ip6->saddr;
		__builtin_memcpy(old, a, 16);
		__builtin_memcpy(a, addr, 16);
		acc = csum_acc_addr6(acc, old, addr);
	} else {
		struct iphdr *iph = data + l3_offset(p);
		__be32 old;

		if ((void *)(iph + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		old = dst ? iph->daddr : iph->saddr;
		if (dst)
			iph->daddr = addr[0];
		else
			iph->saddr = addr[0];
		csum_replace4(&iph->check, old, addr[0]);
		acc = csum_sub_add(acc, old, addr[0]);
	}
	if (!ports)
		return 0;
	old_port = dst ? ports[1] : ports[0];
	if (port) {
		if (dst)
			ports[1] = port;
		else
			ports[0] = port;
		acc += (__u16)~old_port + port;
	}
	if (check) {
		*check = csum_fold((__u16) ~*check + acc);
		if (p->key.proto == IPPROTO_UDP && !*check)
			*check = 0xffff;
	}
	return 0;
}

/* Is an IPv6 address (tunnel source) configured? */
static __always_inline bool addr6_set(const __be32 *a)
{
	return a[0] | a[1] | a[2] | a[3];
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
 * with options (their quote would not be the packet's first 28 bytes' worth).
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
	}
	return icmp_too_big(ctx, p, mtu - overhead);
}

/* Over the configured MTU (xdplb_config.mtu, 0 = none)?  Then @rc becomes FRAG_NEEDED. */
static __always_inline bool over_cfg_mtu(const struct xdplb_config *cfg, __u32 len)
{
	return cfg->mtu && len > cfg->mtu;
}

/*
 * TUN towards an IPv4 backend: IPv4-in-IPv4 (encap_v4()).  When the next hop's MAC is not
 * known yet, the packet goes to the kernel already encapsulated (it resolves the neighbour
 * and forwards it; later packets take the fast path); so does a packet without DF that is
 * too big (the kernel fragments the outer packet).
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
		err = err ?: encap_v4(ctx, p, cfg->tun_src4, dst, smac, dmac);
		return err ?: pass;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return fib_error(rc);
	err = encap_v4(ctx, p, cfg->tun_src4, dst, nh->smac, nh->dmac);
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
		err = err ?: encap_v6(ctx, p, cfg->tun_src6, real->addr, smac, dmac, label);
		return err ?: XDPLB_R_PASS_NO_NEIGH;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return fib_error(rc);
	err = encap_v6(ctx, p, cfg->tun_src6, real->addr, nh.smac, nh.dmac, label);
	return err ?: fib_out(nh.ifindex, nh.in_ifindex);
}

/*
 * The reply entry of a new NAT flow: @nf in @set, reply tuple @key's set of the flow table
 * (the forward flow's: the same client side), in the key's slot if it has one already, else
 * a free slot, else the slot used longest ago (bpf/flow_table.h's claim and fill, as a new
 * flow's).  The entry itself is counted nowhere; a flow it displaces is counted out as any
 * displaced flow, and a reply entry it displaces just stops translating the replies of a
 * flow that has been quiet longest in its set.
 */
static __always_inline void nat_insert(void *set, const void *key, const struct xdplb_flow *nf,
				       bool v6)
{
	struct xdplb_flow evicted, *f;
	struct flow_ref r;
	void *skey;
	__u32 slot;

	flow_set_find(&r, set, key, v6);
	slot = r.slot;
	if (!r.set || slot >= (v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4))
		return;
	f = flow_slot(r.set, slot, &skey, v6);
	if (!flow_slot_fill(f, skey, key, r.seen, nf, &evicted, v6))
		flow_evicted(&evicted);
}

/* As functions of their own (global functions, verified once), like xdplb_flow_insert4/6(). */
__noinline int xdplb_nat_insert4(const struct xdplb_flow_key4 *key, const struct xdplb_flow *nf)
{
	if (!key || !nf)
		return -1;
	nat_insert(flow_table_set(&xdplb_flows, key, false, true), key, nf, false);
	return 0;
}

__noinline int xdplb_nat_insert6(const struct xdplb_flow_key *key, const struct xdplb_flow *nf)
{
	if (!key || !nf)
		return -1;
	nat_insert(flow_table_set(&xdplb_flows6, key, true, true), key, nf, true);
	return 0;
}

/*
 * NAT towards a backend: remember the reply tuple (a new or moved flow of VIP @vip_id, at
 * @now) and rewrite the destination.  An ICMP error (p->icmp_err) was translated by its
 * caller already.
 */
static __always_inline int nat_to_backend(struct xdp_md *ctx, const struct packet *p,
					  const struct xdplb_real *real, __u32 real_id,
					  __u32 vip_id, bool nat_new, __u64 now)
{
	if (p->icmp_err)
		return 0;
	if (nat_new) {
		struct xdplb_flow nf = { .real_id = real_id,
					 .vip_id = vip_id,
					 .state = XDPLB_FLOW_ACTIVE,
					 .gen = real->gen,
					 .atime = now };

		if (p->key.family == XDPLB_AF_INET6) {
			struct xdplb_flow_key rk = { .family = XDPLB_AF_INET6,
						     .pad = { XDPLB_KEY_REPLY } };

			__builtin_memcpy(rk.src, real->addr, 16);
			__builtin_memcpy(rk.dst, p->key.src, 16);
			rk.sport = real->port ? real->port : p->key.dport;
			rk.dport = p->key.sport;
			rk.proto = p->key.proto;
			xdplb_nat_insert6(&rk, &nf);
		} else {
			struct xdplb_flow_key4 rk = { .pad = { XDPLB_KEY_REPLY } };

			rk.src = real->addr[0];
			rk.dst = p->fkey.src;
			rk.sport = real->port ? real->port : p->fkey.dport;
			rk.dport = p->fkey.sport;
			rk.proto = p->fkey.proto;
			xdplb_nat_insert4(&rk, &nf);
		}
	}
	return nat_rewrite(ctx, p, true, real->addr, real->port);
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
				  const struct xdplb_config *cfg, __u32 real_id, bool nat_new,
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
			return pass;
		rc = BPF_FIB_LKUP_RET_NO_NEIGH;
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH && !nat)
		return -XDPLB_R_DROP_NO_NEIGH;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return fib_error(rc);
	if (nat) {
		err = nat_to_backend(ctx, p, real, real_id, vip->id, nat_new, now);
		if (err)
			return err;
		if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
			return pass; /* MACs as they came: the kernel routes it */
	}
	err = set_l2(ctx, p, nh->smac, nh->dmac);
	return err ?: fib_out(nh->ifindex, nh->in_ifindex);
}

/**
 * forward() - send a VIP packet to its backend in the VIP's mode.
 * @p: the packet (for an ICMP error, the flow it is about with the ICMP packet's layout).
 * @nat_new: NAT mode only: write the return-path entry (a new or moved flow).
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
				   const struct xdplb_config *cfg, __u32 real_id, bool nat_new,
				   __u64 now)
{
	if (vip->mode == XDPLB_MODE_TUN) {
		if (real->family == XDPLB_AF_INET6)
			return tun_v6(ctx, p, real, cfg, real_id, now);
		if (p->key.family != XDPLB_AF_INET)
			return -XDPLB_R_DROP_NO_ROUTE;
		return tun_v4(ctx, p, real, cfg, real_id, now);
	}
	if (real->family != p->key.family)
		return -XDPLB_R_DROP_NO_ROUTE;
	return direct(ctx, p, vip, real, cfg, real_id, nat_new, now);
}

/*
 * Slot of an IPv6 client in xdplb_nhclient6 (12 bits: XDPLB_NH_CLIENT_SLOTS).  Clients of one
 * prefix differ in the interface identifier, the last two words: those are mixed in last.
 * The unit tests compute it too (test_nexthop.c).
 */
static __always_inline __u32 client6_slot(const __be32 *c)
{
	return ((((c[0] ^ c[1]) * 0x9e3779b1u ^ c[2]) * 0x85ebca6bu ^ c[3]) * 0x9e3779b1u) >> 20;
}

/*
 * The backend id of reply tuple @key's entry in @set (the key's set of the flow table) if the
 * entry is still its backend's (the id neither freed nor given to another backend since:
 * flow_real(), which also wants the backend still of the entry's VIP), else 0.  Refreshes
 * the entry's atime at most once a second, as a flow's.
 */
static __always_inline __u32 nat_find(void *set, const void *key, bool v6, __u64 now)
{
	struct xdplb_flow *f;
	struct flow_ref r;

	flow_set_find(&r, set, key, v6);
	f = r.f;
	if (!f || !flow_real(f))
		return 0;
	if (now > f->atime + 1000000000ull)
		f->atime = now;
	return f->real_id;
}

/* As functions of their own (verified once): inlined, the exact and the l3hash lookup of
 * both families in both programs cost the verifier 9,000 more instructions.  @key: the
 * reply's tuple as parsed; looked up as a reply entry's (XDPLB_KEY_REPLY). */
__noinline __u32 xdplb_nat_find4(const struct xdplb_flow_key4 *key, __u64 now)
{
	struct xdplb_flow_key4 k;

	if (!key)
		return 0;
	k = *key;
	k.pad[0] = XDPLB_KEY_REPLY;
	return nat_find(flow_table_set(&xdplb_flows, &k, false, true), &k, false, now);
}

__noinline __u32 xdplb_nat_find6(const struct xdplb_flow_key *key, __u64 now)
{
	struct xdplb_flow_key k;

	if (!key)
		return 0;
	k = *key;
	k.pad[0] = XDPLB_KEY_REPLY;
	return nat_find(flow_table_set(&xdplb_flows6, &k, true, true), &k, true, now);
}

/* What replies of backend @id (0: none) get back, if it is of @family. */
static __always_inline const struct xdplb_real_vip *nat_vip(__u32 id, __u8 family)
{
	const struct xdplb_real_vip *rv;

	if (!id)
		return NULL;
	rv = bpf_map_lookup_elem(&xdplb_real_vip, &id);
	return rv && rv->family == family ? rv : NULL;
}

/* What a reply's NAT entry gives back: its VIP's address and port. */
struct nat_hit {
	const struct xdplb_real_vip *rv;
	__be16 port; /* 0: leave the reply's port alone */
};

/* The reply entry of a NAT flow for @p (a backend -> client tuple): exact, else (some NAT VIP
 * has l3hash) the entry of the addresses alone, whose replies keep their ports.  Returns
 * whether there is one that translates. */
static __always_inline bool nat_entry(const struct packet *p, __u32 cfg_flags, __u64 now,
				      struct nat_hit *h)
{
	bool v6 = p->key.family == XDPLB_AF_INET6;
	bool ports = v6 ? p->key.sport | p->key.dport : p->fkey.sport | p->fkey.dport;
	__u32 id;

	h->port = 0;
	id = v6 ? xdplb_nat_find6(&p->key, now) : xdplb_nat_find4(&p->fkey, now);
	h->rv = nat_vip(id, p->key.family);
	if (h->rv) {
		if (ports)
			h->port = h->rv->vip_port;
		return true;
	}
	if (!(cfg_flags & XDPLB_CFG_F_NAT_L3) || !ports)
		return false;
	if (v6) {
		struct xdplb_flow_key k = p->key;

		k.sport = k.dport = 0;
		id = xdplb_nat_find6(&k, now);
	} else {
		struct xdplb_flow_key4 k = p->fkey;

		k.sport = k.dport = 0;
		id = xdplb_nat_find4(&k, now);
	}
	h->rv = nat_vip(id, p->key.family);
	return h->rv;
}

/**
 * nat_reply() - NAT mode's return path: a backend's reply becomes the VIP's again.
 * @iq: NULL for a reply; for an ICMP error a backend sent about what it received, where the
 *	quoted packet lies (@p is then the quoted tuple reversed, i.e. the reply tuple).
 *
 * Called for packets that are for no VIP, when some VIP is in NAT mode: a packet whose
 * 5-tuple is a known reply (backend:port -> client:port, a reply entry of xdplb_flows(6), its
 * backend id still the entry's backend) gets the VIP's address and port (xdplb_real_vip; a
 * port-0 or l3hash VIP's replies keep theirs) as its source and goes towards the client.  An ICMP
 *error gets the VIP put back in its outer source and in the packet it quotes (icmp_nat_rewrite()).
 *
 * Returns: a non-negative enum xdplb_reason, -reason, or -1 - XDPLB_R_MAX when the packet
 * is no reply (the caller passes it on untouched).
 */
#define NAT_NOT_A_REPLY (-1 - XDPLB_R_MAX)
static __always_inline int nat_reply(struct xdp_md *ctx, const struct packet *p,
				     const struct xdplb_config *cfg, const struct icmp_quote *iq)
{
	struct xdplb_nh tmp, *nh = &tmp; /* filled by the lookup before it is read */
	__u64 now = coarse_now();
	struct nat_hit h;
	__be32 vip[4];
	__be16 vip_port;
	int rc, err, pass = XDPLB_R_PASS_NO_NEIGH;
	__u32 mtu;

	if (!nat_entry(p, cfg->flags, now, &h))
		return NAT_NOT_A_REPLY;
	vip_port = h.port;
	__builtin_memcpy(vip, h.rv->vip_addr, sizeof(vip));
	if (over_cfg_mtu(cfg, p->l3_len)) {
		rc = BPF_FIB_LKUP_RET_FRAG_NEEDED;
		mtu = cfg->mtu;
	} else if (p->key.family == XDPLB_AF_INET6) {
		__u32 slot = client6_slot(p->key.dst);
		/* the VIP is the source and in the key, as for IPv4 */
		struct nh6_query q = { .tot_len = p->l3_len,
				       .proto = p->key.proto,
				       .in_ifindex = ctx->ingress_ifindex,
				       .now = now };

		__builtin_memcpy(q.src, vip, 16);
		__builtin_memcpy(q.key_src, vip, 16);
		__builtin_memcpy(q.dst, p->key.dst, 16);
		rc = next_hop_v6(ctx, bpf_map_lookup_elem(&xdplb_nhclient6, &slot), &q, nh);
		mtu = nh->max_len;
	} else {
		__be32 client = p->fkey.dst;
		__u32 slot = (client * 0x9e3779b1u) >> 20; /* 12 bits: XDPLB_NH_CLIENT_SLOTS */
		/* the VIP is the source: policy routing may depend on it, so it is in the key */
		struct nh_query q = { .src = vip[0],
				      .key_src = vip[0],
				      .dst = client,
				      .tot_len = p->l3_len,
				      .proto = p->fkey.proto,
				      .in_ifindex = ctx->ingress_ifindex,
				      .now = now };

		rc = next_hop_v4(ctx, bpf_map_lookup_elem(&xdplb_nh_client, &slot), &q, &tmp, &nh);
		mtu = nh->max_len;
	}
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		/* the backend learns the path MTU towards the client from the answer */
		pass = too_big(ctx, p, mtu, 0, true);
		if (pass != XDPLB_R_PASS_TOO_BIG)
			return pass;
		rc = BPF_FIB_LKUP_RET_NO_NEIGH;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return fib_error(rc);
	err = iq ? icmp_nat_rewrite(ctx, p, iq, false, vip, vip_port)
		 : nat_rewrite(ctx, p, false, vip, vip_port);
	if (err)
		return err;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return pass;
	err = set_l2(ctx, p, nh->smac, nh->dmac);
	return err ?: fib_out(nh->ifindex, nh->in_ifindex);
}

#endif /* XDPLB_FORWARD_H */
