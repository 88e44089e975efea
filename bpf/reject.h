/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains the answers for a VIP whose backends are all down (alldown reject):
 * a TCP segment gets a RST (RFC 9293 3.10.7.1, "connection does not exist") and a UDP
 * datagram an ICMP port unreachable (RFC 1122 3.2.2.1; RFC 792 type 3 code 3; ICMPv6 type 1
 * code 4), all sent
 * back out of the ingress interface with the MACs swapped (a VLAN tag kept: the client is on
 * that VLAN), so clients fail at once instead
 * of retrying into silence.  They leave by a redirect to the ingress interface, not XDP_TX:
 * a veth delivers an XDP_TX frame only when its peer has an XDP program too (it does not
 * wake the peer otherwise), while a redirect works everywhere; this path is not hot.  A reply is
 * never larger than what it answers (no amplification) and a RST is never answered, nor a
 * packet whose checksums do not verify (answer_csum_ok(): drop_bad_csum).
 */
#ifndef XDPLB_REJECT_H
#define XDPLB_REJECT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "csum.h"
#include "parse.h"
#include "icmp.h"

/*
 * RST for a TCP segment to a VIP without backends, in place: the headers are rewritten and
 * the payload cut.  A segment with ACK gets <SEQ=SEG.ACK><CTL=RST>, one without gets
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (SYN and FIN count one each in SEG.LEN).
 */
static __always_inline int reject_tcp(struct xdp_md *ctx, const struct packet *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	bool v6 = p->key.family == XDPLB_AF_INET6;
	__u32 l3 = l3_offset(p), iplen, seglen, sum;
	struct tcphdr *th;
	__u32 seq, ack;
	__be16 port;
	__u8 fl = p->tcp_flags, hl;

	if (fl & TCP_FLAG_RST)
		return -XDPLB_R_DROP_NO_BACKEND;
	/* IPv4 options or IPv6 extension headers: not worth an answer, a plain drop */
	iplen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	if (l4_offset(p) != l3 + iplen)
		return -XDPLB_R_DROP_NO_BACKEND;
	th = data + l3 + iplen;
	if ((void *)(th + 1) > data_end || data + ETH_HLEN > data_end)
		return -XDPLB_R_DROP_MALFORMED_L4;
	hl = th->doff * 4;
	if (hl < sizeof(*th) || p->l3_len < iplen + hl)
		return -XDPLB_R_DROP_MALFORMED_L4;
	if (!answer_csum_ok(ctx, p, true))
		return -XDPLB_R_DROP_BAD_CSUM;
	th = data + l3 + iplen;
	if ((void *)(th + 1) > data_end || data + ETH_HLEN > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	seglen = p->l3_len - iplen - hl + !!(fl & TCP_FLAG_SYN) + !!(fl & TCP_FLAG_FIN);

	if (fl & TCP_FLAG_ACK) {
		seq = bpf_ntohl(th->ack_seq);
		ack = 0;
	} else {
		seq = 0;
		ack = bpf_ntohl(th->seq) + seglen;
	}
	swap_macs(data);
	/* pseudo-header (RFC 9293 3.1; RFC 8200 8.1): addresses, protocol, TCP length 20 */
	if (v6) {
		struct ipv6hdr *ip6 = data + l3;
		__be32 a[4];

		if ((void *)(ip6 + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		__builtin_memcpy(a, &ip6->saddr, 16);
		__builtin_memcpy(&ip6->saddr, &ip6->daddr, 16);
		__builtin_memcpy(&ip6->daddr, a, 16);
		*(__be32 *)ip6 = bpf_htonl(6u << 28);
		ip6->payload_len = bpf_htons(sizeof(*th));
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = ICMP_OWN_TTL;
		sum = bpf_csum_diff(NULL, 0, (void *)&ip6->saddr, 32,
				    bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(*th)));
	} else {
		struct iphdr *iph = data + l3;
		__be32 saddr;

		if ((void *)(iph + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		saddr = iph->saddr;
		own_ipv4(iph, iph->daddr, saddr, IPPROTO_TCP, sizeof(*iph) + sizeof(*th),
			 bpf_htons(IP_DF));
		sum = (iph->saddr & 0xffff) + (iph->saddr >> 16) + (iph->daddr & 0xffff) +
		      (iph->daddr >> 16) + bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(*th));
	}
	th = data + l3 + iplen;
	if ((void *)(th + 1) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	port = th->source;
	th->source = th->dest;
	th->dest = port;
	th->seq = bpf_htonl(seq);
	th->ack_seq = bpf_htonl(ack);
	((__u8 *)th)[12] = (sizeof(*th) / 4) << 4; /* data offset 5, reserved bits 0 */
	((__u8 *)th)[13] = (fl & TCP_FLAG_ACK) ? TCP_FLAG_RST : TCP_FLAG_RST | TCP_FLAG_ACK;
	th->window = 0;
	th->urg_ptr = 0;
	th->check = 0;
	th->check = csum_fold(bpf_csum_diff(NULL, 0, (void *)th, sizeof(*th), sum));
	if (bpf_xdp_adjust_tail(ctx, (int)(l3 + iplen + sizeof(*th)) - (int)(data_end - data)))
		return -XDPLB_R_DROP_INTERNAL;
	return XDPLB_R_TX_REJECT;
}

/*
 * ICMP port unreachable for a UDP datagram to a VIP without backends (ICMPv6: destination
 * unreachable, code 4 port unreachable, RFC 4443 3.1).  IPv4 with options: not worth an
 * answer, counted as a plain drop.
 */
static __always_inline int reject_udp(struct xdp_md *ctx, const struct packet *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + l3_offset(p);
	int err;

	if (p->key.family == XDPLB_AF_INET6) {
		if (!answer_csum_ok(ctx, p, true))
			return -XDPLB_R_DROP_BAD_CSUM;
		err = icmp6_error(ctx, p, ICMPV6_DEST_UNREACH, 4, 0);
	} else {
		if ((void *)(iph + 1) > data_end)
			return -XDPLB_R_DROP_MALFORMED_L4;
		if (iph->ihl != 5)
			return -XDPLB_R_DROP_NO_BACKEND;
		if (!answer_csum_ok(ctx, p, true))
			return -XDPLB_R_DROP_BAD_CSUM;
		err = icmp4_error(ctx, p, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
	}
	return err ?: XDPLB_R_TX_REJECT;
}

/* The answer of a VIP with alldown reject (redirected back where it came from), or a drop. */
static __always_inline int reject_packet(struct xdp_md *ctx, const struct packet *p)
{
	int r;

	r = p->key.proto == IPPROTO_TCP ? reject_tcp(ctx, p) : reject_udp(ctx, p);

	if (r == XDPLB_R_TX_REJECT)
		bpf_redirect(ctx->ingress_ifindex, 0);
	return r;
}

#endif /* XDPLB_REJECT_H */
