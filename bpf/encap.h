/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the TUN mode's encapsulations towards a backend: IPv4-in-IPv4 (RFC 2003),
 * and IPv6-in-IPv6 or IPv4-in-IPv6 (RFC 2473) towards an IPv6 backend. */
#ifndef XDPLB_ENCAP_H
#define XDPLB_ENCAP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "csum.h"
#include "parse.h"

/*
 * Grow the head so that a new Ethernet header and an outer header of @hlen bytes end where
 * the packet's IP header starts, and write the Ethernet header (EtherType @eth_proto).  A
 * VLAN tag that came in (TPID and TCI as they are) stays in it when @keep_tag: the frame
 * leaves by the interface it came in on, or goes to the kernel, as the packet came (see
 * set_l2()); else its 4 bytes are reused and the frame leaves untagged.  Returns: the outer
 * header's offset from data (ETH_HLEN, or ETH_HLEN + VLAN_HLEN with the tag), or
 * -DROP_INTERNAL.
 */
static __always_inline int encap_head(struct xdp_md *ctx, const struct packet *p, __u32 hlen,
				      __u16 eth_proto, const __u8 *smac, const __u8 *dmac,
				      bool keep_tag)
{
	__u32 l2 = keep_tag && l3_offset(p) != ETH_HLEN ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
	void *data, *data_end;
	struct ethhdr *eth;

	if (bpf_xdp_adjust_head(ctx, (int)l3_offset(p) - (int)(l2 + hlen)))
		return -XDPLB_R_DROP_INTERNAL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	/* a tag kept is still where it came, @hlen bytes on (nothing kept on the stack) */
	if (data + hlen + ETH_HLEN + VLAN_HLEN > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	if (l2 != ETH_HLEN) {
		*(__be32 *)(data + 12) = *(__be32 *)(data + hlen + 12); /* TPID and TCI */
		*(__be16 *)(data + 16) = bpf_htons(eth_proto);
	} else {
		eth->h_proto = bpf_htons(eth_proto);
	}
	return l2;
}

/**
 * encap_v4() - put an outer IPv4 header (and a new Ethernet header) in front of the packet.
 * @src: outer source, the balancer's tunnel address.  @dst: the backend.
 * @smac, @dmac: from bpf_fib_lookup() towards @dst.
 *
 * The inner IP packet stays byte-identical to what arrived.  Outer header (RFC 2003 3.1):
 * TTL 64, protocol 4, TOS copied from the inner header, DF copied from the inner header (a
 * DF packet must not be fragmented on the tunnel either), IP ID copied from the inner header
 * (unique enough per flow; RFC 6864 lets atomic DF datagrams carry any ID).  A VLAN tag on
 * the way in is kept when @keep_tag (encap_head()).  Outer total length = inner total length
 * + 20, so Ethernet padding behind a short frame is not counted as payload.
 *
 * Returns: 0 or -XDPLB_R_DROP_INTERNAL.
 */
static __always_inline int encap_v4(struct xdp_md *ctx, const struct packet *p, __be32 src,
				    __be32 dst, const __u8 *smac, const __u8 *dmac, bool keep_tag)
{
	struct iphdr *inner, *outer;
	void *data, *data_end;
	__be16 frag_off, id, tot_len;
	__u32 sum;
	__u8 tos;
	int err;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	inner = data + l3_offset(p);
	if ((void *)(inner + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	tos = inner->tos;
	id = inner->id;
	frag_off = inner->frag_off & bpf_htons(IP_DF);

	err = encap_head(ctx, p, sizeof(*outer), ETH_P_IP, smac, dmac, keep_tag);
	if (err < 0)
		return err;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	outer = data + (err & 0x1f);
	if ((void *)(outer + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;

	tot_len = bpf_htons(p->l3_len + sizeof(*outer));
	outer->version = 4;
	outer->ihl = sizeof(*outer) / 4;
	outer->tos = tos;
	outer->tot_len = tot_len;
	outer->id = id;
	outer->frag_off = frag_off;
	outer->ttl = IPIP_TTL;
	outer->protocol = IPPROTO_IPIP;
	outer->saddr = src;
	outer->daddr = dst;
	/* the header checksum from the values just written, without reading them back: the
	 * ten 16-bit words as they lie in memory (check = 0) */
	sum = bpf_htons(0x4500 | tos) + tot_len + id + frag_off +
	      bpf_htons((IPIP_TTL << 8) | IPPROTO_IPIP) + (src & 0xffff) + (src >> 16) +
	      (dst & 0xffff) + (dst >> 16);
	outer->check = csum_fold(sum);
	return 0;
}

#define IP6_TUN_HOPLIMIT 64
#define IPPROTO_IPV6	 41

/**
 * encap_v6() - put an outer IPv6 header (and a new Ethernet header) in front of the packet.
 * @src: outer source, the balancer's IPv6 tunnel address.  @dst: the backend.
 * @label: the outer flow label (RFC 6438: the inner flow's hash, so that ECMP between the
 *	balancer and the backends keeps a flow on one path); only its low 20 bits are used.
 *
 * The inner packet (IPv6, extension headers included, or IPv4) stays byte-identical.  Outer
 * header: traffic class copied from the inner packet (IPv6 traffic class or IPv4 TOS), payload
 * length = the inner packet's length, next header 41 (IPv6) or 4 (IPv4), hop limit 64.  No
 * extension headers, so the real server's decapsulator finds the inner packet at +40.  A
 * VLAN tag on the way in is kept when @keep_tag (encap_head()), its EtherType IPv6.
 *
 * Returns: 0 or -XDPLB_R_DROP_INTERNAL.
 */
static __always_inline int encap_v6(struct xdp_md *ctx, const struct packet *p, const __be32 *src,
				    const __be32 *dst, const __u8 *smac, const __u8 *dmac,
				    __u32 label, bool keep_tag)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	bool v6 = p->key.family == XDPLB_AF_INET6;
	__u8 *inner = data + l3_offset(p);
	struct ipv6hdr *outer;
	__u32 tc;
	int err;

	if ((void *)(inner + 2) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	/* IPv6: version(4) traffic class(8) flow label(20); IPv4: version(4) IHL(4) TOS(8) */
	tc = v6 ? (__u32)((inner[0] & 0x0f) << 4 | inner[1] >> 4) : inner[1];

	err = encap_head(ctx, p, sizeof(*outer), ETH_P_IPV6, smac, dmac, keep_tag);
	if (err < 0)
		return err;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	outer = data + (err & 0x1f);
	if ((void *)(outer + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	*(__be32 *)outer = bpf_htonl(6u << 28 | tc << 20 | (label & 0xfffff));
	outer->payload_len = bpf_htons(p->l3_len);
	outer->nexthdr = v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	outer->hop_limit = IP6_TUN_HOPLIMIT;
	__builtin_memcpy(&outer->saddr, src, 16);
	__builtin_memcpy(&outer->daddr, dst, 16);
	return 0;
}

#endif /* XDPLB_ENCAP_H */
