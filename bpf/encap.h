/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the TUN mode: IPv4-in-IPv4 encapsulation (RFC 2003) towards a backend. */
#ifndef XDPLB_ENCAP_H
#define XDPLB_ENCAP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "csum.h"
#include "parse.h"

/**
 * encap_v4() - put an outer IPv4 header (and a new Ethernet header) in front of the packet.
 * @src: outer source, the balancer's tunnel address.  @dst: the backend.
 * @smac, @dmac: from bpf_fib_lookup() towards @dst.
 *
 * The inner IP packet stays byte-identical to what arrived.  Outer header (RFC 2003 3.1):
 * TTL 64, protocol 4, TOS copied from the inner header, DF copied from the inner header (a
 * DF packet must not be fragmented on the tunnel either), IP ID copied from the inner header
 * (unique enough per flow; RFC 6864 lets atomic DF datagrams carry any ID).  A VLAN tag on
 * the way in is not carried over: the frame leaves untagged on the interface the routing
 * table chose.  Outer total length = inner total length + 20, so Ethernet padding behind a
 * short frame is not counted as payload.
 *
 * Returns: 0 or -XDPLB_R_DROP_INTERNAL.
 */
static __always_inline int encap_v4(struct xdp_md *ctx, const struct packet *p, __be32 src,
				    __be32 dst, const __u8 *smac, const __u8 *dmac)
{
	struct iphdr *inner, *outer;
	struct ethhdr *eth;
	void *data, *data_end;
	__be16 frag_off, id, tot_len;
	__u32 sum;
	__u8 tos;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	inner = data + l3_offset(p);
	if ((void *)(inner + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	tos = inner->tos;
	id = inner->id;
	frag_off = inner->frag_off & bpf_htons(IP_DF);

	/* Grow the head so that Ethernet + outer IP end where the inner IP header starts:
	 * 20 bytes without a VLAN tag, 16 with one (the tag's 4 bytes are reused). */
	if (bpf_xdp_adjust_head(ctx, (int)l3_offset(p) - (int)(ETH_HLEN + sizeof(struct iphdr))))
		return -XDPLB_R_DROP_INTERNAL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	outer = data + ETH_HLEN;
	if ((void *)(outer + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;

	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

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

#endif /* XDPLB_ENCAP_H */
