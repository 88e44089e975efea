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
#include "nexthop.h"
#include "nat.h"
#include "forward.h"
#include "stats.h"
#include "reject.h"

/* The address entry of the packet's destination for @proto (XDPLB_AF_ADDR, see
 * include/xdplb_consts.h): any VIP on the address; a usable VIP for non-first fragments. */
static __always_inline struct xdplb_vip *lookup_addr_entry(const struct packet *p, __u8 proto)
{
	struct xdplb_vip_key vk = {};

	__builtin_memcpy(vk.addr, p->key.dst, sizeof(vk.addr));
	vk.proto = proto;
	vk.family = p->key.family | XDPLB_AF_ADDR;
	return bpf_map_lookup_elem(&xdplb_vips, &vk);
}

/* An l3hash VIP keys and schedules its flows on the addresses alone. */
static __always_inline void l3hash_key(struct packet *p)
{
	p->key.sport = p->key.dport = 0;
	p->fkey.sport = p->fkey.dport = 0;
}

/*
 * May @p, a packet for no VIP (or the reply tuple of an ICMP error's quote), be a NAT reply?
 * Only when its source is the address of a NAT-mode backend, i.e. its bit in xdplb_nat_src
 * is set: a cheap test that spares every other packet a (cold) miss in the large flow
 * tables.
 */
static __always_inline bool nat_src_maybe(const struct packet *p)
{
	const struct xdplb_nat_filter *f;
	__u32 zero = 0, bit;

	f = bpf_map_lookup_elem(&xdplb_nat_src, &zero);
	if (!f)
		return true;
	if (p->key.family == XDPLB_AF_INET6)
		bit = xdplb_nat_filter_bit(p->key.src[0] ^ p->key.src[1] ^ p->key.src[2] ^
					   p->key.src[3]);
	else
		bit = xdplb_nat_filter_bit(p->fkey.src);
	return (f->bits[bit / 64] >> (bit % 64)) & 1;
}

/* The backend that owns the flow an ICMP error is about: the flow table's, or for a
 * hash-scheduled VIP the one a new flow would get, past a down or drained backend's slot as
 * select_real() goes (nothing is inserted: an error does not make a flow).  A flow whose backend is
 * down, on a VIP without ondown keep, has none: select_real() moves its next packet to another
 * backend, where the connection does not exist, so the error goes nowhere (NULL: drop_icmp). */
static __always_inline struct xdplb_real *icmp_flow_real(const struct xdplb_vip *vip,
							 const struct packet *q, void *flows,
							 void *fkey, bool v6, __u32 *real_id)
{
	struct xdplb_flow *f = flow_table_lookup(flows, fkey, v6);
	struct xdplb_real *r;

	if (f && f->vip_id == vip->id && (r = flow_real(f))) {
		if (!real_keeps_flows(vip, r))
			return NULL;
		*real_id = f->real_id;
		return r;
	}
	if (vip->sched != XDPLB_SCHED_MH && vip->sched != XDPLB_SCHED_SH)
		return NULL;
	*real_id = xdplb_schedule(vip, &q->key);
	r = lookup_real(*real_id, vip->id);
	/* a slot whose backend takes no new flows (table not rebuilt yet): where the flow's
	 * first packet will go, as select_real() walks on */
	if (r && !real_takes_new(r)) {
		struct sched_skipped sk;

		*real_id = xdplb_sched_skip(vip, &q->key, &sk);
		r = lookup_real(*real_id, vip->id);
	}
	return r;
}

/**
 * process_icmp() - ICMP and ICMPv6: echo requests to VIP addresses, and errors about VIP
 * flows (routed to the flow's backend, so that path MTU discovery and unreachables reach the
 * server that holds the connection; NAT mode translates them both ways).
 *
 * Returns: an enum xdplb_reason as process_packet() does.  @p (zeroed by the caller) gets the
 * outer packet, @sel the VIP and backend of the flow it is about, for the trace.
 *
 * Runs in its own program (xdplb_icmp), which the entry point tail-calls after
 * process_packet() said PROCESS_ICMP: the two never share a stack (together they need more
 * than 512 bytes), and the hot path needs no function call.  The packet is parsed again
 * (this path is not hot).
 */
static __always_inline int process_icmp(struct xdp_md *ctx, __u64 bytes, struct packet *p,
					struct selection *sel)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xdplb_config *cfg;
	struct xdplb_real *real;
	struct xdplb_vip *vip;
	struct icmp_quote iq;
	struct packet q;
	__u32 real_id = 0, zero = 0;
	int proto, err;
	__u8 *icmp;

	proto = parse_eth(data, data_end, p);
	if (proto == bpf_htons(ETH_P_IP))
		err = parse_ipv4(data, data_end, p);
	else
		err = parse_ipv6(data, data_end, p);
	if (err)
		return err;
	cfg = bpf_map_lookup_elem(&xdplb_config, &zero);
	if (!cfg)
		return -XDPLB_R_DROP_INTERNAL;
	icmp = data + l4_offset(p);
	if ((void *)(icmp + ICMP_HDR_LEN) > data_end ||
	    l4_offset(p) + ICMP_HDR_LEN > l3_offset(p) + p->l3_len)
		return XDPLB_R_PASS_NOT_VIP;
	if (p->frag)
		return XDPLB_R_PASS_FRAGMENT;
	if (icmp[0] == (p->key.family == XDPLB_AF_INET6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO)) {
		if (!(cfg->flags & XDPLB_CFG_F_ECHO) || icmp[1] ||
		    (p->key.family == XDPLB_AF_INET &&
		     l4_offset(p) - l3_offset(p) != sizeof(struct iphdr)))
			return XDPLB_R_PASS_NOT_VIP;
		if (!lookup_addr_entry(p, IPPROTO_TCP) && !lookup_addr_entry(p, IPPROTO_UDP))
			return XDPLB_R_PASS_NOT_VIP;
		err = sender_policy(data, data_end, p->key.family, p->key.src);
		if (err)
			return err;
		return icmp_echo_reply(ctx, p);
	}
	if (!icmp_is_error(p->key.family, icmp[0]) || !icmp_parse_quote(data, data_end, p, &q, &iq))
		return XDPLB_R_PASS_NOT_VIP;

	/* An error goes to the source of the packet it quotes (RFC 792; RFC 4443 3.1-3.4: the
	 * invoking packet's source address): one addressed elsewhere is about no packet of a
	 * flow here, neither one the VIP sent nor a NAT flow's datagram a backend got (whose
	 * source is the client), and is the kernel's, untouched (xdplb(8), PACKET POLICIES). */
	if (!addr6_eq(q.key.dst, p->key.dst))
		return XDPLB_R_PASS_NOT_VIP;
	/* about a packet the VIP sent? */
	if (!q.frag) {
		vip = lookup_vip(&q.key, cfg->flags);
	} else {
		/* a non-first fragment names no ports, so no flow: it is placed as the
		 * fragment itself was (process_packet()), by an l3hash VIP alone on its
		 * address and protocol; any other VIP address drops it */
		vip = lookup_addr_entry(&q, q.key.proto);
		if (vip && !vip->id)
			return -XDPLB_R_DROP_ICMP;
	}
	if (!vip) {
		/* the reply tuple's source is the backend, whoever sent the error */
		if ((cfg->flags & XDPLB_CFG_F_NAT) && nat_src_maybe(&q)) {
			err = nat_reply(ctx, &q, cfg, &iq, sel, bytes);
			if (err != NAT_NOT_A_REPLY)
				return err;
		}
		return XDPLB_R_PASS_NOT_VIP;
	}
	sel->vip_id = vip->id;
	err = sender_policy(data, data_end, p->key.family, p->key.src);
	if (err)
		return err;
	if (vip->flags & XDPLB_VIP_F_L3HASH)
		l3hash_key(&q);
	if (q.key.family == XDPLB_AF_INET6)
		real = icmp_flow_real(vip, &q, &xdplb_flows6, &q.key, true, &real_id);
	else
		real = icmp_flow_real(vip, &q, &xdplb_flows, &q.fkey, false, &real_id);
	sel->reply = 1;
	if (!real)
		return -XDPLB_R_DROP_ICMP;
	sel->real_id = real_id;
	if (vip->mode == XDPLB_MODE_NAT && ip_ttl(data, data_end, p) <= 1)
		return XDPLB_R_PASS_TTL; /* as any NAT packet (nat_hop() decrements) */
	count_traffic(&xdplb_vip_stats, vip->id, bytes, 0, 0);
	count_traffic(&xdplb_real_stats, real_id, bytes, 0, 0);
	if (vip->mode == XDPLB_MODE_NAT) {
		err = icmp_nat_rewrite(ctx, &q, &iq, true, real->addr, real->port);
		if (err)
			return err;
	}
	return forward(ctx, &q, vip, real, cfg, real_id, 0, coarse_now());
}

/* process_packet()'s answer for ICMP: the entry point hands the packet to xdplb_icmp. */
#define PROCESS_ICMP (XDPLB_R_MAX + 1)

/**
 * process_packet() - decide one packet's fate.
 * @bytes: the frame length as it arrived (for the counters).
 * @p, @sel: zeroed by the caller; what was parsed and selected, for the trace.
 *
 * Returns: the enum xdplb_reason that names the verdict, non-negative for TX/REDIRECT/PASS_*,
 * negative (-reason) for drops.  Nothing is written to the frame before the verdict is known
 * to be a forward, so every PASS leaves the packet untouched (except PASS_NO_NEIGH and
 * PASS_TOO_BIG, whose packets the kernel forwards already rewritten).  PROCESS_ICMP for ICMP
 * and ICMPv6.
 */
static __always_inline int process_packet(struct xdp_md *ctx, __u64 bytes, struct packet *p,
					  struct selection *sel)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xdplb_config *cfg;
	struct xdplb_real *real;
	struct xdplb_vip *vip;
	__u32 zero = 0;
	int err;
	bool v6;

	err = parse_frame(data, data_end, p);
	if (err)
		return err;
	v6 = p->key.family == XDPLB_AF_INET6;
	/* IPv4 options: a source route with hops to go (RFC 791 3.1) makes the VIP a hop on the
	 * way, not the destination: the kernel's source-route policy decides (an ICMP error
	 * about the packet comes this way too: the ICMP program never sees it) */
	if (!v6 && p->l4_off - p->l3_off > sizeof(struct iphdr) &&
	    xdplb_ipv4_route_pending(ctx, l3_offset(p) + sizeof(struct iphdr),
				     p->l4_off - p->l3_off - sizeof(struct iphdr)))
		return XDPLB_R_PASS_SOURCE_ROUTE;

	cfg = bpf_map_lookup_elem(&xdplb_config, &zero);
	if (!cfg)
		return -XDPLB_R_DROP_INTERNAL;
	if (p->key.proto == (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
		return PROCESS_ICMP;
	if (p->key.proto != IPPROTO_TCP && p->key.proto != IPPROTO_UDP)
		return XDPLB_R_PASS_NOT_VIP;

	if (p->frag == PKT_FRAG_MORE) {
		/* no ports: only an l3hash VIP alone on its address and protocol takes it */
		vip = lookup_addr_entry(p, p->key.proto);
		if (vip && !vip->id)
			return -XDPLB_R_DROP_FRAGMENT;
	} else {
		err = parse_l4(data, data_end, p);
		if (err == PKT_L4_NOPORTS) /* no VIP to match: the kernel's */
			return XDPLB_R_PASS_NOT_VIP;
		vip = v6 ? lookup_vip6_cached(p, cfg) : lookup_vip_cached(p, cfg);
		if (vip && p->frag && !(vip->flags & XDPLB_VIP_F_L3HASH))
			return -XDPLB_R_DROP_FRAGMENT;
		if (vip && err == PKT_L4_BAD)
			return -XDPLB_R_DROP_MALFORMED_L4;
	}
	if (!vip) {
		/* a malformed header is the kernel's, even from a NAT backend */
		if ((cfg->flags & XDPLB_CFG_F_NAT) && err != PKT_L4_BAD && nat_src_maybe(p)) {
			err = nat_reply(ctx, p, cfg, NULL, sel, bytes);
			if (err != NAT_NOT_A_REPLY)
				return err;
		}
		return p->frag ? XDPLB_R_PASS_FRAGMENT : XDPLB_R_PASS_NOT_VIP;
	}
	sel->vip_id = vip->id;
	err = sender_policy(data, data_end, p->key.family, p->key.src);
	if (err)
		return err;
	/* NAT forwards as a router does (RFC 1812 5.3.1, RFC 8200 3): nat_hop() decrements */
	if (vip->mode == XDPLB_MODE_NAT && ip_ttl(data, data_end, p) <= 1)
		return XDPLB_R_PASS_TTL;
	if (vip->flags & XDPLB_VIP_F_L3HASH)
		l3hash_key(p);

	if (v6)
		real = select_real(vip, p, cfg, sel, &xdplb_flows6, &p->key, true, NULL);
	else
		real = select_real(vip, p, cfg, sel, &xdplb_flows, &p->fkey, false, NULL);
	count_traffic(&xdplb_vip_stats, vip->id, bytes, sel->new_flow, sel->resched);
	if (!real)
		return vip->flags & XDPLB_VIP_F_ALLDOWN_REJECT && !p->frag
			   ? reject_packet(ctx, p)
			   : -XDPLB_R_DROP_NO_BACKEND;
	count_traffic(&xdplb_real_stats, sel->real_id, bytes, sel->new_flow, 0);
	return forward(ctx, p, vip, real, cfg, sel->real_id,
		       sel->new_flow  ? NAT_NEW | NAT_WRITE
		       : sel->restate ? NAT_WRITE
				      : 0,
		       sel->now);
}

#endif /* XDPLB_PROCESS_H */
