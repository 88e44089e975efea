/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains L2-L4 parsing: Ethernet, one 802.1Q/802.1ad tag, IPv4 with options,
 * TCP and UDP ports, into a struct packet that the rest of the program works on. */
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
	struct xdplb_flow_key key;   /* 5-tuple, network order */
	struct xdplb_flow_key4 fkey; /* the same, as the flow tables' key (IPv4) */
	__u16 l3_off;		     /* offset of the IP header from data */
	__u16 l3_len;		     /* IP total length (header + payload) */
	__u8 tcp_flags;
	__u8 frag; /* 1 when the IPv4 packet is a fragment */
	__u8 pad[2];
};

/* l3_off of a parsed packet, re-bounded for the verifier: a value reloaded from the stack
 * is only known to fit its type, and a packet pointer plus up to 0xffff has no range. */
static __always_inline __u32 l3_offset(const struct packet *p)
{
	return p->l3_off & 0x1f; /* 14 or 18, unchanged */
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
	p->frag = (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) != 0;
	return 0;
}

/**
 * parse_l4() - ports (and TCP flags) of the TCP or UDP header at @l4_off.
 *
 * Only called for packets to a VIP address, so that garbage behind a non-VIP header is the
 * kernel's business.  The full fixed header must be inside the IP packet.
 *
 * Returns: 0 or -XDPLB_R_DROP_MALFORMED_L4.
 */
static __always_inline int parse_l4(void *data, void *data_end, struct packet *p, __u32 l4_off)
{
	__u32 room = p->l3_len - (l4_off - p->l3_off); /* bytes of L4 inside the IP packet */

	if (p->key.proto == IPPROTO_TCP) {
		struct tcphdr *th = data + l4_off;

		if ((void *)(th + 1) > data_end || room < sizeof(*th))
			return -XDPLB_R_DROP_MALFORMED_L4;
		p->key.sport = th->source;
		p->key.dport = th->dest;
		p->fkey.sport = th->source;
		p->fkey.dport = th->dest;
		/* flags live in the 14th byte of the header */
		p->tcp_flags = ((__u8 *)th)[13];
	} else {
		struct udphdr *uh = data + l4_off;

		if ((void *)(uh + 1) > data_end || room < sizeof(*uh))
			return -XDPLB_R_DROP_MALFORMED_L4;
		p->key.sport = uh->source;
		p->key.dport = uh->dest;
		p->fkey.sport = uh->source;
		p->fkey.dport = uh->dest;
	}
	return 0;
}

#endif /* XDPLB_PARSE_H */
