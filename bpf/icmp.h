/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains the ICMP the balancer speaks itself: the errors it sends (packet too
 * big, port unreachable), echo replies for VIP addresses, and what it needs to route and
 * translate ICMP errors about VIP flows: the quoted packet and its rewriting.
 */
#ifndef XDPLB_ICMP_H
#define XDPLB_ICMP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "csum.h"
#include "parse.h"

#define ICMP_ECHOREPLY	    0
#define ICMP_DEST_UNREACH   3
#define ICMP_PORT_UNREACH   3
#define ICMP_FRAG_NEEDED    4
#define ICMP_ECHO	    8
#define ICMP_TIME_EXCEEDED  11
#define ICMP_PARAMETERPROB  12
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG   2
#define ICMPV6_TIME_EXCEED  3
#define ICMPV6_PARAMPROB    4
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY   129
#define ICMP_OWN_TTL	    64	 /* TTL / hop limit of what the balancer sends itself */
#define IPV6_MIN_MTU	    1280 /* RFC 8200 5 */
#define ICMP_HDR_LEN	    8	 /* type, code, checksum, 4 bytes (both families) */

static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* A fresh IPv4 header (no options) from @src to @dst; checksum included. */
static __always_inline void own_ipv4(struct iphdr *iph, __be32 src, __be32 dst, __u8 proto,
				     __u16 tot_len, __be16 frag_off)
{
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = 0;
	iph->tot_len = bpf_htons(tot_len);
	iph->id = 0;
	iph->frag_off = frag_off;
	iph->ttl = ICMP_OWN_TTL;
	iph->protocol = proto;
	iph->saddr = src;
	iph->daddr = dst;
	iph->check = 0;
	iph->check = csum_fold(bpf_csum_diff(NULL, 0, (void *)iph, sizeof(*iph), 0));
}

/**
 * answer_csum_ok() - do the packet's checksums allow the balancer to answer it itself?
 * @l4: the upper-layer checksum too (RST, port unreachable, echo reply); not for too big.
 *
 * A host silently discards a datagram whose IPv4 header checksum is wrong (RFC 1122
 * 3.2.1.2) and a segment, datagram or ICMP message whose own checksum is (RFC 9293 3.1, RFC
 * 1122 4.1.3.4, 3.2.2; an IPv4 UDP checksum 0 is none, RFC 768): the balancer, answering
 * for the VIP, does the same.  Fragmentation needed / packet too big is a router's answer,
 * and a router checks the IP header only (RFC 1812 5.2.2, 4.3.2).  Forwarding never comes
 * here: the backend checks what it gets, and every packet would pay.
 *
 * The caller has made sure the packet is whole (no fragment) and, IPv4, has no options.
 */
static __always_inline bool answer_csum_ok(struct xdp_md *ctx, const struct packet *p, bool l4)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l3 = l3_offset(p), off = l4_offset(p), len, sum;
	__u8 proto = p->key.proto;

	len = p->l3_len - (off - l3); /* the upper-layer packet */
	if (p->key.family == XDPLB_AF_INET6) {
		struct ipv6hdr *ip6 = data + l3;

		if (!l4)
			return true;
		if ((void *)(ip6 + 1) > data_end)
			return false;
		/* pseudo-header (RFC 8200 8.1): both addresses, the length, the next header */
		sum = bpf_csum_diff(NULL, 0, (void *)&ip6->saddr, 32,
				    bpf_htons(len) + bpf_htons(proto));
	} else {
		struct iphdr *iph = data + l3;
		__u16 *uc = data + off + 6;

		if ((void *)(iph + 1) > data_end)
			return false;
		if (csum_fold(bpf_csum_diff(NULL, 0, (void *)iph, sizeof(*iph), 0)))
			return false;
		if (!l4)
			return true;
		if (proto == IPPROTO_UDP) {
			if ((void *)(uc + 1) > data_end)
				return false;
			if (!*uc)
				return true; /* no checksum (RFC 768) */
		}
		sum = proto == IPPROTO_ICMP
			  ? 0
			  : (iph->saddr & 0xffff) + (iph->saddr >> 16) + (iph->daddr & 0xffff) +
				(iph->daddr >> 16) + bpf_htons(len) + bpf_htons(proto);
	}
	return xdplb_csum_span_ok(ctx, off, len, sum);
}

/* What an ICMP error quotes: IPv4 header (no options) + 8 bytes (RFC 792); IPv6 header + 8
 * bytes (RFC 4443 asks for as much as fits; these 48 are what any stack needs to find the
 * socket, and keep the answer smaller than what it answers). */
#define ICMP4_QUOTE (sizeof(struct iphdr) + 8)
#define ICMP6_QUOTE (sizeof(struct ipv6hdr) + 8)
#define ICMP4_LEN   (sizeof(struct iphdr) + ICMP_HDR_LEN + ICMP4_QUOTE)
#define ICMP6_LEN   (sizeof(struct ipv6hdr) + ICMP_HDR_LEN + ICMP6_QUOTE)

/*
 * Turn the frame into an ICMP error about the IP packet it holds: room for a new IP header
 * of @iphlen bytes and an ICMP header is made in front of the packet's IP header, the frame
 * is cut to @iplen bytes of IP (what stays of the packet is the quote), and the L2 header
 * goes back where the frame came from: MACs swapped, a VLAN tag kept (the answer leaves by
 * the interface the packet came in on, to the sender on its VLAN), the EtherType the
 * packet's.  The new IP header starts at l3_offset(p), as the packet's did.
 *
 * Returns: 0 or -XDPLB_R_DROP_INTERNAL.
 */
static __always_inline int icmp_error_frame(struct xdp_md *ctx, const struct packet *p,
					    __u32 iphlen, __u32 iplen)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l3 = l3_offset(p), len;
	__u8 *old;

	/* the packet must hold what is quoted of it (nothing is written before this) */
	if (data + l3 + (iplen - iphlen - ICMP_HDR_LEN) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	if (bpf_xdp_adjust_head(ctx, -(int)(iphlen + ICMP_HDR_LEN)))
		return -XDPLB_R_DROP_INTERNAL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	/* the L2 header as it came is still there, where the new headers go: copied to the
	 * front from there (nothing kept on the stack), MACs swapped; the EtherType, or the
	 * tag and the EtherType, as they are (untagged, the last 4 bytes land where the new IP
	 * header goes, written next) */
	old = data + iphlen + ICMP_HDR_LEN;
	if ((void *)(old + ETH_HLEN + VLAN_HLEN) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	__builtin_memcpy(data, old + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(data + ETH_ALEN, old, ETH_ALEN);
	__builtin_memcpy(data + 2 * ETH_ALEN, old + 2 * ETH_ALEN, 2 + VLAN_HLEN);
	len = data_end - data;
	barrier_var(len); /* else the compiler adds l3 to a pointer in 32 bits */
	if (bpf_xdp_adjust_tail(ctx, (int)(l3 + iplen) - (int)len))
		return -XDPLB_R_DROP_INTERNAL;
	return 0;
}

/*
 * An ICMP error about the IPv4 packet in the frame, from that packet's destination to its
 * source, quoting its first 28 bytes (icmp_error_frame()).  @rest is the ICMP header's
 * second word (the MTU for fragmentation needed).  The caller makes sure the packet has no
 * IP options and holds at least the 28 bytes.
 *
 * Returns: 0 or -XDPLB_R_DROP_INTERNAL.
 */
static __always_inline int icmp4_error(struct xdp_md *ctx, const struct packet *p, __u8 type,
				       __u8 code, __be32 rest)
{
	struct icmphdr *icmp;
	struct iphdr *iph, *quoted;
	void *data, *data_end;
	int err;

	err = icmp_error_frame(ctx, p, sizeof(*iph), ICMP4_LEN);
	if (err)
		return err;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	iph = data + l3_offset(p);
	icmp = (void *)(iph + 1);
	quoted = (void *)icmp + ICMP_HDR_LEN;
	if ((void *)quoted + ICMP4_QUOTE > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	own_ipv4(iph, quoted->daddr, quoted->saddr, IPPROTO_ICMP, ICMP4_LEN, 0);
	icmp->type = type;
	icmp->code = code;
	icmp->checksum = 0;
	icmp->un.gateway = rest;
	icmp->checksum =
	    csum_fold(bpf_csum_diff(NULL, 0, (void *)icmp, ICMP_HDR_LEN + ICMP4_QUOTE, 0));
	return 0;
}

/* The same for an IPv6 packet: an ICMPv6 error quoting its first 48 bytes; the checksum
 * covers the pseudo-header (RFC 4443 2.3). */
static __always_inline int icmp6_error(struct xdp_md *ctx, const struct packet *p, __u8 type,
				       __u8 code, __be32 rest)
{
	struct ipv6hdr *ip6, *quoted;
	void *data, *data_end;
	__u32 sum;
	__u8 *icmp;
	int err;

	err = icmp_error_frame(ctx, p, sizeof(*ip6), ICMP6_LEN);
	if (err)
		return err;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ip6 = data + l3_offset(p);
	icmp = (void *)(ip6 + 1);
	quoted = (void *)(icmp + ICMP_HDR_LEN);
	if ((void *)quoted + ICMP6_QUOTE > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	*(__be32 *)ip6 = bpf_htonl(6u << 28);
	ip6->payload_len = bpf_htons(ICMP_HDR_LEN + ICMP6_QUOTE);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = ICMP_OWN_TTL;
	ip6->saddr = quoted->daddr;
	ip6->daddr = quoted->saddr;
	icmp[0] = type;
	icmp[1] = code;
	*(__u16 *)(icmp + 2) = 0;
	*(__be32 *)(icmp + 4) = rest;
	/* pseudo-header: both addresses, the 32-bit length and the next header */
	sum = bpf_csum_diff(NULL, 0, (void *)&ip6->saddr, 32,
			    bpf_htons(ICMP_HDR_LEN + ICMP6_QUOTE) + bpf_htons(IPPROTO_ICMPV6));
	sum = bpf_csum_diff(NULL, 0, (void *)icmp, ICMP_HDR_LEN + ICMP6_QUOTE, sum);
	*(__u16 *)(icmp + 2) = csum_fold(sum);
	return 0;
}

/**
 * icmp_too_big() - answer a packet that does not fit the way to its backend.
 * @mtu: the largest packet the client may send (the egress MTU less the tunnel header).
 *
 * IPv4 gets "fragmentation needed" (RFC 792, RFC 1191: the next-hop MTU in the low 16 bits),
 * IPv6 "packet too big" (RFC 4443 3.2).  The caller has checked that an answer is due (DF
 * set, not an ICMP error, no IPv4 options).  An IPv6 MTU below the minimum cannot be asked
 * of a client: dropped.
 *
 * Returns: XDPLB_R_TX_TOO_BIG (redirect to the ingress interface set) or -reason.
 */
static __always_inline int icmp_too_big(struct xdp_md *ctx, const struct packet *p, __u32 mtu)
{
	int err;

	if (p->key.family == XDPLB_AF_INET6) {
		if (mtu < IPV6_MIN_MTU)
			return -XDPLB_R_DROP_TOO_BIG;
		err = icmp6_error(ctx, p, ICMPV6_PKT_TOOBIG, 0, bpf_htonl(mtu));
	} else {
		if (mtu > 0xffff)
			mtu = 0xffff;
		err = icmp4_error(ctx, p, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, bpf_htonl(mtu));
	}
	if (err)
		return err;
	bpf_redirect(ctx->ingress_ifindex, 0);
	return XDPLB_R_TX_TOO_BIG;
}

/**
 * icmp_echo_reply() - answer an echo request to a VIP address, in place.
 *
 * Addresses and MACs swapped (a VLAN tag stays), TTL / hop limit 64, type echo reply;
 * identifier, sequence number and data unchanged, so the ICMP checksum changes by the type
 * only (the ICMPv6 pseudo-header sum does not change when the addresses swap).  The IPv4
 * header (no options: the caller checks) gets a fresh checksum.  A request whose IPv4
 * header or ICMP checksum is wrong is not answered (answer_csum_ok()): a host would have
 * discarded it, and its data may be what was corrupted.
 *
 * Returns: XDPLB_R_TX_ECHO (redirect to the ingress interface set) or -reason.
 */
static __always_inline int icmp_echo_reply(struct xdp_md *ctx, const struct packet *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u16 *icmp = data + l4_offset(p), old;
	__be32 a[4];

	if ((void *)(icmp + 4) > data_end || data + ETH_HLEN > data_end)
		return -XDPLB_R_DROP_MALFORMED_L4;
	if (!answer_csum_ok(ctx, p, true))
		return -XDPLB_R_DROP_BAD_CSUM;
	icmp = data + l4_offset(p);
	if ((void *)(icmp + 4) > data_end || data + ETH_HLEN > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	old = icmp[0];
	if (p->key.family == XDPLB_AF_INET6) {
		struct ipv6hdr *ip6 = data + l3_offset(p);

		if ((void *)(ip6 + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		__builtin_memcpy(a, &ip6->saddr, 16);
		__builtin_memcpy(&ip6->saddr, &ip6->daddr, 16);
		__builtin_memcpy(&ip6->daddr, a, 16);
		ip6->hop_limit = ICMP_OWN_TTL;
		((__u8 *)icmp)[0] = ICMPV6_ECHO_REPLY;
	} else {
		struct iphdr *iph = data + l3_offset(p);

		if ((void *)(iph + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		a[0] = iph->saddr;
		iph->saddr = iph->daddr;
		iph->daddr = a[0];
		iph->ttl = ICMP_OWN_TTL;
		iph->check = 0;
		iph->check = csum_fold(bpf_csum_diff(NULL, 0, (void *)iph, sizeof(*iph), 0));
		((__u8 *)icmp)[0] = ICMP_ECHOREPLY;
	}
	csum_replace2(&icmp[1], old, icmp[0]);
	/* +0 and -0 are one number, but only 0xffff verifies an all-zero message (RFC 1624 3:
	 * eqn. 3 gives 0x0000 for an echo request of nothing but zeros) */
	if (!icmp[1])
		icmp[1] = 0xffff;
	swap_macs(data);
	bpf_redirect(ctx->ingress_ifindex, 0);
	return XDPLB_R_TX_ECHO;
}

/* Where the packet an ICMP error quotes lies in the frame. */
struct icmp_quote {
	__u16 ip_off; /* the quoted IP header */
	__u16 l4_off; /* its TCP/UDP header (8 bytes of it at least are in the frame) */
};

/* Is this ICMP / ICMPv6 type an error that concerns a flow (and quotes its packet)? */
static __always_inline bool icmp_is_error(__u8 family, __u8 type)
{
	if (family == XDPLB_AF_INET6)
		return type >= ICMPV6_DEST_UNREACH && type <= ICMPV6_PARAMPROB;
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/**
 * icmp_parse_quote() - the packet an ICMP error is about, as the flow it belongs to.
 * @q: filled with the quoted packet's tuple reversed (a reply's error gives the client's
 *	flow; an error about what a backend received gives the backend's reply tuple), and
 *	with @p's frame layout, so that the forwarding code treats the whole ICMP packet as
 *	the flow's packet.  q->frag is PKT_FRAG_MORE when the quote is an IPv4 non-first
 *	fragment (its ports are then the fragment's data), else 0.  An IPv6 quote with an
 *	extension header (a fragment header too) is not used.
 *
 * The quote must hold the IP header (IPv6: next header TCP or UDP at once) and 8 bytes of
 * TCP or UDP, inside the frame and inside the ICMP packet.
 *
 * Returns: true when the quote is usable.
 */
static __always_inline bool icmp_parse_quote(void *data, void *data_end, const struct packet *p,
					     struct packet *q, struct icmp_quote *iq)
{
	__u32 off = l4_offset(p) + ICMP_HDR_LEN, end = l3_offset(p) + p->l3_len, l4;
	__be16 *ports;

	*q = *p;
	q->icmp_err = 1;
	q->frag = 0;
	q->tcp_flags = 0;
	if (p->key.family == XDPLB_AF_INET6) {
		struct ipv6hdr *ip6 = data + (off & 0x7ff);

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return false;
		if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
			return false;
		q->key.proto = ip6->nexthdr;
		__builtin_memcpy(q->key.src, &ip6->daddr, 16);
		__builtin_memcpy(q->key.dst, &ip6->saddr, 16);
		l4 = off + sizeof(*ip6);
	} else {
		struct iphdr *iph = data + (off & 0x7ff);

		if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
			return false;
		if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
			return false;
		q->key.proto = iph->protocol;
		/* a non-first fragment holds no TCP/UDP header: its "ports" are data */
		if (iph->frag_off & bpf_htons(IP_OFFSET))
			q->frag = PKT_FRAG_MORE;
		q->key.src[0] = iph->daddr;
		q->key.dst[0] = iph->saddr;
		l4 = off + iph->ihl * 4;
	}
	l4 &= 0x7ff;
	ports = data + l4;
	if ((void *)(ports + 4) > data_end || l4 + 8 > end)
		return false;
	q->key.sport = ports[1];
	q->key.dport = ports[0];
	q->sport = ports[1];
	q->dport = ports[0];
	q->fkey.src = q->key.src[0];
	q->fkey.dst = q->key.dst[0];
	q->fkey.sport = q->key.sport;
	q->fkey.dport = q->key.dport;
	q->fkey.proto = q->key.proto;
	iq->ip_off = off;
	iq->l4_off = l4;
	return true;
}

/* Sum of the changes of a 16-byte address, for incremental checksum updates. */
static __always_inline __u32 csum_acc_addr6(__u32 acc, const __be32 *from, const __be32 *to)
{
#pragma unroll
	for (int i = 0; i < 4; i++)
		acc = csum_sub_add(acc, from[i], to[i]);
	return acc;
}

/**
 * icmp_nat_rewrite() - translate an ICMP error for NAT mode, checksums included.
 * @to_backend: true for an error about a reply the client was sent (it arrives for the VIP):
 *	the outer destination, the quoted source and the quoted source port become @addr and
 *	@port.  false for an error a backend sends about what it received: the outer source,
 *	the quoted destination and destination port become @addr (the VIP) and @port.
 * @port: 0 = leave the port alone.
 *
 * The outer TTL is nat_hop()'s (bpf/nat.h), when the error is sent on.
 *
 * Checksums: the outer IPv4 header's, the quoted IPv4 header's, the quoted TCP/UDP checksum
 * when the quote holds it (a UDP checksum of 0 stays 0), and the ICMP checksum over all of
 * these changes (ICMPv6: its pseudo-header too, RFC 4443 2.3).
 *
 * Returns: 0 or -XDPLB_R_DROP_INTERNAL.
 */
static __always_inline int icmp_nat_rewrite(struct xdp_md *ctx, const struct packet *p,
					    const struct icmp_quote *iq, bool to_backend,
					    const __be32 *addr, __be16 port)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 il4 = iq->l4_off & 0x7ff, end = l3_offset(p) + p->l3_len, acc = 0;
	__u16 *icheck, *l4check = NULL, *icmp_check, oldc;
	__be16 *ports = data + il4, *pp, pold;
	bool tcp = p->key.proto == IPPROTO_TCP;

	icmp_check = data + l4_offset(p) + 2;
	if ((void *)(ports + 4) > data_end || (void *)(icmp_check + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	/* the quoted TCP/UDP checksum, when the quote reaches it */
	if (tcp) {
		__u16 *c = data + il4 + 16;

		if ((void *)(c + 1) <= data_end && il4 + 18 <= end)
			l4check = c;
	} else if (ports[3]) {
		l4check = &ports[3];
	}
	pp = to_backend ? &ports[0] : &ports[1];
	pold = *pp;
	if (!port)
		port = pold;
	*pp = port;
	acc = csum_sub_add(acc, pold, port);

	if (p->key.family == XDPLB_AF_INET6) {
		struct ipv6hdr *outer = data + l3_offset(p);
		struct ipv6hdr *inner = data + (iq->ip_off & 0x7ff);
		__be32 *o, *in, old[4];

		if ((void *)(outer + 1) > data_end || (void *)(inner + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		o = to_backend ? (__be32 *)&outer->daddr : (__be32 *)&outer->saddr;
		in = to_backend ? (__be32 *)&inner->saddr : (__be32 *)&inner->daddr;
		__builtin_memcpy(old, o, 16);
		acc = csum_acc_addr6(acc, old, addr); /* pseudo-header of the ICMPv6 checksum */
		__builtin_memcpy(o, addr, 16);
		__builtin_memcpy(old, in, 16);
		acc = csum_acc_addr6(acc, old, addr);
		__builtin_memcpy(in, addr, 16);
		if (l4check) {
			oldc = *l4check;
			*l4check = csum_fold(
			    csum_acc_addr6(csum_sub_add((__u16)~oldc, pold, port), old, addr));
			if (!tcp && !*l4check)
				*l4check = 0xffff;
			acc = csum_sub_add(acc, oldc, *l4check);
		}
	} else {
		struct iphdr *outer = data + l3_offset(p);
		struct iphdr *inner = data + (iq->ip_off & 0x7ff);
		__be32 oold, iold;

		if ((void *)(outer + 1) > data_end || (void *)(inner + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		oold = to_backend ? outer->daddr : outer->saddr;
		if (to_backend)
			outer->daddr = addr[0];
		else
			outer->saddr = addr[0];
		csum_replace4(&outer->check, oold, addr[0]);
		iold = to_backend ? inner->saddr : inner->daddr;
		if (to_backend)
			inner->saddr = addr[0];
		else
			inner->daddr = addr[0];
		icheck = &inner->check;
		oldc = *icheck;
		csum_replace4(icheck, iold, addr[0]);
		acc = csum_sub_add(acc, iold, addr[0]);
		acc = csum_sub_add(acc, oldc, *icheck);
		if (l4check) {
			oldc = *l4check;
			csum_replace4_2(l4check, iold, addr[0], pold, port);
			if (!tcp && !*l4check)
				*l4check = 0xffff;
			acc = csum_sub_add(acc, oldc, *l4check);
		}
	}
	*icmp_check = csum_fold((__u16) ~*icmp_check + acc);
	return 0;
}

#endif /* XDPLB_ICMP_H */
