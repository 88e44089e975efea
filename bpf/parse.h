/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains L2-L4 parsing: Ethernet, one 802.1Q/802.1ad tag, IPv4 with options,
 * IPv6 with extension headers, TCP and UDP ports, into a struct packet that the rest of the
 * program works on. */
#ifndef XDPLB_PARSE_H
#define XDPLB_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "xdplb_abi.h"

/*
 * What parsing learned.  Only offsets are kept, never pointers: any bpf_xdp_adjust_head()
 * invalidates pointers into the frame, and the verifier makes every user re-derive them.
 */
struct packet {
	struct xdplb_flow_key key;   /* 5-tuple, network order (ports 0 for an l3hash VIP) */
	struct xdplb_flow_key4 fkey; /* the same, as the IPv4 flow tables' key */
	__u16 l3_off;		     /* offset of the IP header from data */
	__u16 l3_len;		     /* IP packet length (IPv6: 40 + payload length) */
	__u16 l4_off;		     /* offset of what follows the IP header(s) from data */
	__u8 tcp_flags;
	__u8 frag;	    /* 0, or PKT_FRAG_FIRST / PKT_FRAG_MORE for a fragment */
	__u8 df;	    /* IPv4 with DF set; always 1 for IPv6 (routers never fragment it) */
	__u8 icmp_err;	    /* an ICMP error being forwarded (never answered with another) */
	__u16 sport, dport; /* the ports as they are in the packet, whatever the flow key */
};

#define PKT_FRAG_FIRST 1 /* offset 0, more fragments: carries the L4 header */
#define PKT_FRAG_MORE  2 /* offset > 0: no L4 header */

/* Largest l4_off accepted (an IPv6 header chain longer than this is passed on). */
#define PKT_MAX_L4_OFF 1023

/* l3_off of a parsed packet, re-bounded for the verifier: a value reloaded from the stack
 * is only known to fit its type, and a packet pointer plus up to 0xffff has no range. */
static __always_inline __u32 l3_offset(const struct packet *p)
{
	return p->l3_off & 0x1f; /* 14 or 18, unchanged */
}

/* l4_off, re-bounded the same way. */
static __always_inline __u32 l4_offset(const struct packet *p)
{
	return p->l4_off & PKT_MAX_L4_OFF;
}

/* The TTL (IPv4) or hop limit (IPv6) of the packet's IP header (0 out of reach). */
static __always_inline __u32 ip_ttl(void *data, void *data_end, const struct packet *p)
{
	__u8 *h = data + l3_offset(p);

	if ((void *)(h + 9) > data_end)
		return 0;
	return p->key.family == XDPLB_AF_INET6 ? h[7] : h[8];
}

/**
 * parse_eth() - Ethernet and at most one VLAN tag.
 * @p: l3_off is set to the offset of the network header.
 *
 * Returns: the EtherType in network order, or -XDPLB_R_DROP_MALFORMED_L2.
 */
static __always_inline int parse_eth(void *data, void *data_end, struct packet *p)
{
	struct ethhdr *eth = data;
	struct vlan_hdr *vlan;
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return -XDPLB_R_DROP_MALFORMED_L2;
	proto = eth->h_proto;
	p->l3_off = sizeof(*eth);
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		vlan = (void *)(eth + 1);
		if ((void *)(vlan + 1) > data_end)
			return -XDPLB_R_DROP_MALFORMED_L2;
		proto = vlan->h_vlan_encapsulated_proto;
		p->l3_off += sizeof(*vlan);
	}
	return proto;
}

/**
 * parse_ipv4() - validate the IPv4 header and fill addresses, protocol and lengths.
 *
 * Checks what a router checks before trusting the header (RFC 1812 5.2.2): version 4,
 * IHL >= 5, the header and the total length inside the frame.  Trailing Ethernet padding is
 * allowed (frame longer than tot_len).
 *
 * Returns: 0 or -XDPLB_R_DROP_MALFORMED_L3.
 */
static __always_inline int parse_ipv4(void *data, void *data_end, struct packet *p)
{
	struct iphdr *iph = data + p->l3_off;
	__u32 hlen, tot;

	if ((void *)(iph + 1) > data_end)
		return -XDPLB_R_DROP_MALFORMED_L3;
	if (iph->version != 4 || iph->ihl < 5)
		return -XDPLB_R_DROP_MALFORMED_L3;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	if (tot < hlen || (void *)iph + tot > data_end)
		return -XDPLB_R_DROP_MALFORMED_L3;
	p->l3_len = tot;
	p->key.family = XDPLB_AF_INET;
	p->key.proto = iph->protocol;
	p->key.src[0] = iph->saddr;
	p->key.dst[0] = iph->daddr;
	p->fkey.src = iph->saddr;
	p->fkey.dst = iph->daddr;
	p->fkey.proto = iph->protocol;
	p->l4_off = p->l3_off + hlen;
	p->df = (iph->frag_off & bpf_htons(IP_DF)) != 0;
	if (iph->frag_off & bpf_htons(IP_OFFSET))
		p->frag = PKT_FRAG_MORE;
	else if (iph->frag_off & bpf_htons(IP_MF))
		p->frag = PKT_FRAG_FIRST;
	return 0;
}

#define IPOPT_END  0
#define IPOPT_NOOP 1
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137

/*
 * xdplb_ipv4_route_pending() - is there a hop to go in an IPv4 source route?  Walks the
 * @len bytes of options at @off in the frame (RFC 791 3.1: end of list, no-operation, else
 * type, length, data) for a loose or strict source route whose pointer is not past the
 * option: its next address, not this node, is where the packet goes now.  Options that do
 * not parse stop the walk (they are not the balancer's to judge: carried as they are).
 *
 * A global function: the verifier checks its walk once, not on every path that reaches it,
 * and only a packet with options (IHL > 5) calls it.  It uses no stack.
 *
 * Returns: 1 when a source route has hops to go, else 0.
 */
__noinline int xdplb_ipv4_route_pending(struct xdp_md *ctx, __u32 off, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 i, l;
	__u8 *o;

	if (len > 40 || off > 64)
		return 0;
	/* i = 0, but a 0 the verifier does not know: a known offset would make every mix of
	 * one-byte and longer options a state of its own (some 3^40 of them); a range keeps
	 * them few */
	i = len;
	barrier_var(i);
	i -= len;
	while (i < len) {
		o = data + ((off + i) & 0x7f);
		if ((void *)(o + 2) > data_end)
			return 0;
		if (o[0] == IPOPT_END)
			return 0;
		if (o[0] == IPOPT_NOOP) {
			i++;
			continue;
		}
		l = o[1];
		if (l < 2 || i + l > len)
			return 0;
		if ((o[0] == IPOPT_LSRR || o[0] == IPOPT_SSRR) && l >= 3) {
			if ((void *)(o + 3) > data_end)
				return 0;
			if (o[2] <= l) /* RFC 791: a pointer past the length is a route done */
				return 1;
		}
		i += l;
	}
	return 0;
}

#define IPV6_HOPOPTS  0
#define IPV6_ROUTING  43
#define IPV6_FRAGMENT 44
#define IPV6_ESP      50
#define IPV6_AH	      51
#define IPV6_DSTOPTS  60

/* One extension header at @off: its length, 0 when the chain is not followed (*@nh is left
 * as it was: IPV6_ROUTING for a routing header with segments left, XDPLB_R_PASS_SOURCE_ROUTE;
 * anything else XDPLB_R_PASS_IPV6_EXT), or -XDPLB_R_DROP_MALFORMED_L3. */
static __always_inline int ipv6_ext(void *data, void *data_end, struct packet *p, __u32 off,
				    __u8 *nh)
{
	__u8 *h = data + (off & PKT_MAX_L4_OFF);
	__u16 fo;

	if ((void *)(h + 8) > data_end) /* every extension header is at least 8 bytes */
		return -XDPLB_R_DROP_MALFORMED_L3;
	switch (*nh) {
	case IPV6_FRAGMENT:
		/* RFC 8200 4.5: offset in 8-byte units in the top 13 bits, M in the lowest */
		fo = bpf_ntohs(*(__be16 *)(h + 2));
		if (fo & 0xfff8)
			p->frag = PKT_FRAG_MORE;
		else if (fo & 1)
			p->frag = PKT_FRAG_FIRST;
		*nh = h[0];
		return 8;
	case IPV6_ROUTING:
		if (h[3]) /* segments left: we are not the final destination (RFC 8200 4.4) */
			return 0;
		/* fall through */
	case IPV6_HOPOPTS:
	case IPV6_DSTOPTS:
		*nh = h[0];
		return (h[1] + 1) * 8;
	default: /* AH, ESP, or what a caller should not have asked about */
		return 0;
	}
}

static __always_inline bool ipv6_is_ext(__u8 nh)
{
	return nh == IPV6_HOPOPTS || nh == IPV6_ROUTING || nh == IPV6_FRAGMENT ||
	       nh == IPV6_DSTOPTS || nh == IPV6_AH || nh == IPV6_ESP;
}

/**
 * parse_ipv6() - validate the IPv6 header, follow its extension headers, fill the packet.
 *
 * Hop-by-hop (first only), destination options, routing (with no segments left) and fragment
 * headers are skipped, at most XDPLB_MAX_EXT_HDRS of them; key.proto is the next header after
 * them.  A hop-by-hop header anywhere but right after the IPv6 header is not followed: RFC
 * 8200 4.1 has the receiver discard the packet with a parameter problem, which the kernel
 * sends.  A routing header with segments left names a later hop as the destination (RFC 8200
 * 4.4): the kernel's routing-header policy decides, the balancer neither forwards nor answers.
 *
 * Returns: 0, XDPLB_R_PASS_IPV6_EXT (a chain not followed: too long, AH/ESP, a hop-by-hop
 * header not first, a jumbogram), XDPLB_R_PASS_SOURCE_ROUTE (a routing header with segments
 * left), or -XDPLB_R_DROP_MALFORMED_L3.
 */
static __always_inline int parse_ipv6(void *data, void *data_end, struct packet *p)
{
	struct ipv6hdr *ip6 = data + p->l3_off;
	__u32 off, plen, end;
	__u8 nh;
	int len;

	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return -XDPLB_R_DROP_MALFORMED_L3;
	plen = bpf_ntohs(ip6->payload_len);
	if (!plen)
		return XDPLB_R_PASS_IPV6_EXT; /* jumbogram (RFC 2675) or nothing at all */
	if ((void *)(ip6 + 1) + plen > data_end)
		return -XDPLB_R_DROP_MALFORMED_L3;
	p->l3_len = sizeof(*ip6) + plen;
	p->df = 1;
	p->key.family = XDPLB_AF_INET6;
	__builtin_memcpy(p->key.src, &ip6->saddr, 16);
	__builtin_memcpy(p->key.dst, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	off = p->l3_off + sizeof(*ip6);
	end = p->l3_off + p->l3_len;
#pragma unroll
	for (int i = 0; i < XDPLB_MAX_EXT_HDRS; i++) {
		if (!ipv6_is_ext(nh))
			break;
		if (i && nh == IPV6_HOPOPTS) /* not first (RFC 8200 4.1) */
			return XDPLB_R_PASS_IPV6_EXT;
		len = ipv6_ext(data, data_end, p, off, &nh);
		if (len <= 0)
			return len
				   ?: nh == IPV6_ROUTING ? XDPLB_R_PASS_SOURCE_ROUTE
							 : XDPLB_R_PASS_IPV6_EXT;
		off += len;
		if (off > end)
			return -XDPLB_R_DROP_MALFORMED_L3;
		if (off > PKT_MAX_L4_OFF)
			return XDPLB_R_PASS_IPV6_EXT;
	}
	if (ipv6_is_ext(nh))
		return XDPLB_R_PASS_IPV6_EXT;
	p->key.proto = nh;
	p->l4_off = off;
	return 0;
}

/* parse_l4()'s answers besides 0 (see there). */
#define PKT_L4_BAD     1 /* the ports are there, the header is malformed */
#define PKT_L4_NOPORTS 2 /* not even the ports are there */

/**
 * parse_l4() - ports (and TCP flags) of the TCP or UDP header at @l4_off.
 *
 * A header that holds its ports but is malformed returns PKT_L4_BAD, for its caller to drop
 * once it knows the packet is a VIP's (a packet for no VIP is the kernel's, whatever its
 * TCP/UDP header holds): a header shorter than 20 (TCP) or 8 (UDP) bytes, a TCP data offset
 * below 5 or past the segment (RFC 9293 3.1; a first fragment must hold the whole TCP
 * header, RFC 1858), a UDP length below 8 or other than the IP payload's (RFC 768: the
 * kernel trims a longer payload, but a tunnel would carry it on; not checked in a fragment,
 * which holds part of the datagram), an IPv6 UDP checksum of 0 (RFC 8200 8.1).
 *
 * Returns: 0, PKT_L4_BAD or PKT_L4_NOPORTS.
 */
static __always_inline int parse_l4(void *data, void *data_end, struct packet *p)
{
	__u32 l4_off = l4_offset(p);
	__u32 room = p->l3_len - (l4_off - p->l3_off); /* bytes of L4 inside the IP packet */
	__be16 *ports = data + l4_off;

	if ((void *)(ports + 2) > data_end || room < 4)
		return PKT_L4_NOPORTS;
	p->key.sport = ports[0];
	p->key.dport = ports[1];
	p->fkey.sport = ports[0];
	p->fkey.dport = ports[1];
	p->sport = ports[0];
	p->dport = ports[1];
	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = data + l4_off;
		__u32 doff;

		if ((void *)(th + 1) > data_end || room < sizeof(*th))
			return PKT_L4_BAD;
		/* flags live in the 14th byte of the header, the data offset in the 13th */
		p->tcp_flags = ((__u8 *)th)[13];
		doff = ((__u8 *)th)[12] >> 4;
		if (doff < 5 || doff * 4 > room)
			return PKT_L4_BAD;
	} else {
		struct udphdr *uh = data + l4_off;
		__u32 len;

		if ((void *)(uh + 1) > data_end || room < sizeof(*uh))
			return PKT_L4_BAD;
		len = bpf_ntohs(uh->len);
		if ((!p->frag && (len < sizeof(*uh) || len != room)) ||
		    (p->key.family == XDPLB_AF_INET6 && !uh->check))
			return PKT_L4_BAD;
	}
	return 0;
}

/* Ethernet, then the IP header it carries: 0, XDPLB_R_PASS_NOT_IP for a frame of neither
 * family, or what parse_eth(), parse_ipv4() or parse_ipv6() refused it with.  A broadcast or
 * multicast source MAC (the I/G bit set) is no sender's (IEEE 802): the frame is dropped as
 * malformed, whatever it carries, as a bridge drops it (xdplb(8), PACKET POLICIES). */
static __always_inline int parse_frame(void *data, void *data_end, struct packet *p)
{
	int proto = parse_eth(data, data_end, p);

	if (proto < 0)
		return proto;
	if (((struct ethhdr *)data)->h_source[0] & 1)
		return -XDPLB_R_DROP_MALFORMED_L2;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, data_end, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, data_end, p);
	return XDPLB_R_PASS_NOT_IP;
}

/*
 * A source address no single host has (RFC 1122 3.2.1.3, RFC 1812 5.3.7, RFC 4291 2.5.2,
 * 2.5.3, 2.7): IPv4 0/8, 127/8, 224/4 (multicast) and 240/4 (reserved, RFC 1812 4.2.2.11;
 * 255.255.255.255 with it); IPv6 ::, ::1 and ff00::/8.  @a in network order.
 */
static __always_inline bool src_martian(__u8 family, const __be32 *a)
{
	__u32 top = bpf_ntohl(a[0]) >> 24;

	if (family == XDPLB_AF_INET6)
		return top == 0xff || !(a[0] | a[1] | a[2] | (a[3] & ~bpf_htonl(1)));
	return top == 0 || top == 127 || top >= 224;
}

/**
 * sender_policy() - may the balancer forward or answer a VIP's packet (an echo request or
 * ICMP error to a VIP, a NAT reply) from source @src?
 *
 * Not when it came as a link-layer broadcast or multicast (the I/G bit of the destination
 * MAC: RFC 1812 5.3.4, RFC 1122 3.3.6): such a frame is nobody's flow to balance, and the
 * kernel, which forwards none either, gets it untouched to deal with as its settings say
 * (XDPLB_R_PASS_L2_MULTICAST).  Not from a source no single host has (src_martian()):
 * dropped, -XDPLB_R_DROP_MARTIAN.
 *
 * Returns: 0 (go on), XDPLB_R_PASS_L2_MULTICAST or -XDPLB_R_DROP_MARTIAN.
 */
static __always_inline int sender_policy(void *data, void *data_end, __u8 family, const __be32 *src)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -XDPLB_R_DROP_MALFORMED_L2;
	if (eth->h_dest[0] & 1)
		return XDPLB_R_PASS_L2_MULTICAST;
	if (src_martian(family, src))
		return -XDPLB_R_DROP_MARTIAN;
	return 0;
}

#endif /* XDPLB_PARSE_H */
