/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the unit tests' packet builder: Ethernet, 802.1Q, ARP, IPv4 (options,
 * IPv4-in-IPv4, fragments), IPv6 (extension headers, fragments, IPv6 tunnels), TCP, UDP,
 * ICMP and ICMPv6 frames with every length and checksum filled in.
 *
 * Checksums come from the RFC 1071 code below and nothing here includes bpf/: an error in
 * the data plane's checksum code must not be copied into the expectation it is tested
 * against.  Headers are written byte by byte at their RFC offsets for the same reason, and
 * so that no kernel UAPI header (linux/tcp.h, linux/ipv6.h) clashes with libc's.
 *
 * Conventions:
 * - Addresses are in network order (ipv4_addr(), ipv6_addr()); ports, IDs, sequence numbers,
 *   fragment fields, VLAN ids and EtherTypes are in host order and converted here.
 * - Builders append to a struct pkt_buf and return the offset of the header they wrote.
 * - pkt_finish() (or pkt_finish_ipv4()/pkt_finish_ipv6() on one header) then fills lengths
 *   and checksums, innermost packet first, taking the end of the buffer as the end of the
 *   packet.  Ethernet padding or damage (cut b->len, poke a byte) goes in afterwards.
 * - Misuse (overflow, finishing a header that is not there) is a bug in the test: abort().
 *
 *	struct pkt_buf in, out;
 *
 *	pkt_v4_tcp(&in, &(struct pkt_spec){ .saddr = ipv4_addr("192.0.2.1"),
 *					     .daddr = ipv4_addr("10.0.0.10"),
 *					     .sport = 40000, .dport = 80,
 *					     .tcp_flags = PKT_TCP_SYN });
 *	pkt_ipip_wrap(&out, &in, ipv4_addr("10.0.0.100"), ipv4_addr("10.0.2.11"), NULL);
 */
#ifndef XDPLB_PKT_H
#define XDPLB_PKT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <linux/if_ether.h>

#define PKT_IP_MF     0x2000
#define PKT_IP_DF     0x4000
#define PKT_IP_OFFSET 0x1fff

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

#define PKT_TTL	       64    /* default IPv4 TTL and IPv6 hop limit */
#define PKT_TCP_WINDOW 65535 /* every TCP header pkt_tcp() writes has this window */

#define PKT_IPV4_HLEN 20
#define PKT_IPV6_HLEN 40
#define PKT_TCP_HLEN  20
#define PKT_UDP_HLEN  8
#define PKT_ICMP_HLEN 8 /* type, code, checksum and 4 bytes (ICMP and ICMPv6 alike) */

/* IPv6 next header values (RFC 8200 4); libc has them, spelt out for clarity */
#define PKT_NH_HOP   0
#define PKT_NH_ROUTE 43
#define PKT_NH_FRAG  44
#define PKT_NH_ESP   50
#define PKT_NH_AH    51
#define PKT_NH_NONE  59
#define PKT_NH_DEST  60

/* Compound literals rather than static const arrays: unused ones would trip -Wall. */
#define PKT_MAC_DST ((const __u8[ETH_ALEN]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 })
#define PKT_MAC_SRC ((const __u8[ETH_ALEN]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 })

struct pkt_buf {
	unsigned char data[2048];
	size_t len;
};

/* Optional IP header fields; all zero gives TOS 0, TTL PKT_TTL, ID 0, no fragment bits. */
struct pkt_ip_opt {
	__u8 tos;	  /* IPv4 TOS, IPv6 traffic class */
	__u8 ttl;	  /* IPv4 TTL, IPv6 hop limit; 0 = PKT_TTL */
	__u16 id;	  /* IPv4 only */
	__u16 frag_off;	  /* IPv4 only: PKT_IP_DF | PKT_IP_MF | offset in 8-byte units */
	const void *opts; /* IPv4 options, copied as given */
	size_t opts_len;  /* a multiple of 4, at most 40 */
};

/* A whole frame for pkt_v4_tcp() and friends; unset fields are zero or the default. */
struct pkt_spec {
	const __u8 *dmac, *smac; /* NULL = PKT_MAC_DST, PKT_MAC_SRC */
	bool vlan;		 /* insert an 802.1Q tag carrying vid */
	__u16 vid;
	__be32 saddr, daddr;		/* pkt_v4_*() */
	struct in6_addr saddr6, daddr6; /* pkt_v6_*() */
	struct pkt_ip_opt ip;
	__u16 sport, dport;
	__u32 seq, ack; /* TCP only */
	__u8 tcp_flags; /* TCP only: PKT_TCP_* */
	const void *payload;
	size_t payload_len;
};

__attribute__((noreturn, format(printf, 1, 2))) static inline void pkt_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pkt.h: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static inline __be32 ipv4_addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		pkt_die("bad IPv4 address '%s'", s);
	return a.s_addr;
}

static inline struct in6_addr ipv6_addr(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		pkt_die("bad IPv6 address '%s'", s);
	return a;
}

static inline void pkt_w16(unsigned char *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void pkt_w32(unsigned char *p, __u32 v)
{
	pkt_w16(p, v >> 16);
	pkt_w16(p + 2, v & 0xffff);
}

static inline __u16 pkt_r16(const unsigned char *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/*
 * RFC 1071 4.1: add up 16-bit big-endian words, an odd last byte padded with a zero byte.
 * Returns the unfolded sum, so that pieces (pseudo-header, header, payload) can be chained;
 * 64 bits cannot overflow for any frame that fits a pkt_buf.
 */
static inline __u64 pkt_csum_add(__u64 sum, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += pkt_r16(p);
	if (len)
		sum += (__u64)p[0] << 8;
	return sum;
}

/* Fold the carries back in and complement: the value that goes into a checksum field. */
static inline __u16 pkt_csum_fold(__u64 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Pseudo-header of RFC 793 / RFC 768 (IPv4) or RFC 8200 8.1 (IPv6), picked by version. */
static inline __u64 pkt_pseudo_sum(const unsigned char *iph, __u8 proto, __u32 l4_len)
{
	__u64 sum;

	if ((iph[0] >> 4) == 4)
		sum = pkt_csum_add(0, iph + 12, 8); /* saddr, daddr */
	else
		sum = pkt_csum_add(0, iph + 8, 32); /* saddr, daddr */
	return sum + proto + (l4_len >> 16) + (l4_len & 0xffff);
}

/* Fill the TCP or UDP checksum (and the UDP length) of the @l4_len bytes at @l4. */
static inline void pkt_fill_l4(const unsigned char *iph, unsigned char *l4, __u8 proto,
			       size_t l4_len)
{
	size_t at;
	__u16 c;

	if (proto == IPPROTO_TCP && l4_len >= PKT_TCP_HLEN) {
		at = 16;
	} else if (proto == IPPROTO_UDP && l4_len >= PKT_UDP_HLEN) {
		at = 6;
		pkt_w16(l4 + 4, l4_len);
	} else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && l4_len >= PKT_ICMP_HLEN) {
		/* RFC 792: ICMP sums the message only; RFC 4443 2.3: ICMPv6 adds the
		 * pseudo-header */
		pkt_w16(l4 + 2, 0);
		c = pkt_csum_fold(
		    (proto == IPPROTO_ICMPV6 ? pkt_pseudo_sum(iph, proto, l4_len) : 0) +
		    pkt_csum_add(0, l4, l4_len));
		pkt_w16(l4 + 2, c);
		return;
	} else {
		return; /* other protocols, or a header cut on purpose */
	}
	pkt_w16(l4 + at, 0);
	c = pkt_csum_fold(pkt_pseudo_sum(iph, proto, l4_len) + pkt_csum_add(0, l4, l4_len));
	/* RFC 768: a computed 0 is sent as all ones, 0 means "no checksum" (IPv4) */
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	pkt_w16(l4 + at, c);
}

/* Append @len bytes (zeros when @src is NULL); returns where they went. */
static inline unsigned char *pkt_put(struct pkt_buf *b, const void *src, size_t len)
{
	unsigned char *p;

	if (len > sizeof(b->data) - b->len)
		pkt_die("%zu more bytes do not fit after %zu", len, b->len);
	p = b->data + b->len;
	if (src)
		memcpy(p, src, len);
	else
		memset(p, 0, len);
	b->len += len;
	return p;
}

static inline void pkt_reset(struct pkt_buf *b)
{
	b->len = 0;
}

/* Ethernet header; NULL MACs give PKT_MAC_DST/PKT_MAC_SRC.  Returns its offset. */
static inline size_t pkt_eth(struct pkt_buf *b, const __u8 *dmac, const __u8 *smac, __u16 ethertype)
{
	size_t off = b->len;
	unsigned char *h = pkt_put(b, NULL, ETH_HLEN);

	memcpy(h, dmac ? dmac : PKT_MAC_DST, ETH_ALEN);
	memcpy(h + 6, smac ? smac : PKT_MAC_SRC, ETH_ALEN);
	pkt_w16(h + 12, ethertype);
	return off;
}

/* 802.1Q tag body (TCI, then the inner EtherType); pkt_eth() wrote ETH_P_8021Q before it. */
static inline size_t pkt_vlan(struct pkt_buf *b, __u16 vid, __u16 inner_ethertype)
{
	size_t off = b->len;
	unsigned char *h = pkt_put(b, NULL, 4);

	pkt_w16(h, vid & 0x0fff); /* PCP 0, DEI 0 */
	pkt_w16(h + 2, inner_ethertype);
	return off;
}

/* ARP for IPv4 over Ethernet (RFC 826); @op 1 = request, 2 = reply. */
static inline size_t pkt_arp(struct pkt_buf *b, __u16 op, const __u8 *sha, __be32 spa,
			     const __u8 *tha, __be32 tpa)
{
	size_t off = b->len;
	unsigned char *h = pkt_put(b, NULL, 28);

	pkt_w16(h, 1); /* hardware type Ethernet */
	pkt_w16(h + 2, ETH_P_IP);
	h[4] = ETH_ALEN;
	h[5] = 4;
	pkt_w16(h + 6, op);
	memcpy(h + 8, sha, ETH_ALEN);
	memcpy(h + 14, &spa, 4);
	memcpy(h + 18, tha, ETH_ALEN);
	memcpy(h + 24, &tpa, 4);
	return off;
}

/* IPv4 header (RFC 791) with @o's fields and options; total length and checksum stay 0
 * until pkt_finish*().  Returns its offset. */
static inline size_t pkt_ipv4(struct pkt_buf *b, __be32 saddr, __be32 daddr, __u8 proto,
			      const struct pkt_ip_opt *o)
{
	static const struct pkt_ip_opt none;
	size_t off = b->len;
	unsigned char *h;

	if (!o)
		o = &none;
	if (o->opts_len % 4 || o->opts_len > 40)
		pkt_die("IPv4 options of %zu bytes", o->opts_len);
	h = pkt_put(b, NULL, PKT_IPV4_HLEN + o->opts_len);
	h[0] = 0x40 | (PKT_IPV4_HLEN + o->opts_len) / 4; /* version, IHL */
	h[1] = o->tos;
	pkt_w16(h + 4, o->id);
	pkt_w16(h + 6, o->frag_off);
	h[8] = o->ttl ? o->ttl : PKT_TTL;
	h[9] = proto;
	memcpy(h + 12, &saddr, 4);
	memcpy(h + 16, &daddr, 4);
	if (o->opts_len)
		memcpy(h + PKT_IPV4_HLEN, o->opts, o->opts_len);
	return off;
}

/* IPv6 header (RFC 8200), no extension headers; payload length is set by pkt_finish*(). */
static inline size_t pkt_ipv6(struct pkt_buf *b, const struct in6_addr *saddr,
			      const struct in6_addr *daddr, __u8 nexthdr,
			      const struct pkt_ip_opt *o)
{
	size_t off = b->len;
	unsigned char *h = pkt_put(b, NULL, PKT_IPV6_HLEN);
	__u8 tc = o ? o->tos : 0, hop = o && o->ttl ? o->ttl : PKT_TTL;

	pkt_w32(h, 6u << 28 | (__u32)tc << 20); /* version, traffic class, flow label 0 */
	h[6] = nexthdr;
	h[7] = hop;
	memcpy(h + 8, saddr, 16);
	memcpy(h + 24, daddr, 16);
	return off;
}

/* TCP header without options (data offset 5) and its payload; checksum by pkt_finish*(). */
static inline size_t pkt_tcp(struct pkt_buf *b, __u16 sport, __u16 dport, __u32 seq, __u32 ack,
			     __u8 flags, const void *payload, size_t len)
{
	size_t off = b->len;
	unsigned char *h = pkt_put(b, NULL, PKT_TCP_HLEN);

	pkt_w16(h, sport);
	pkt_w16(h + 2, dport);
	pkt_w32(h + 4, seq);
	pkt_w32(h + 8, ack);
	h[12] = (PKT_TCP_HLEN / 4) << 4;
	h[13] = flags;
	pkt_w16(h + 14, PKT_TCP_WINDOW);
	if (len)
		pkt_put(b, payload, len);
	return off;
}

/* UDP header and payload; length set here, checksum by pkt_finish*(). */
static inline size_t pkt_udp(struct pkt_buf *b, __u16 sport, __u16 dport, const void *payload,
			     size_t len)
{
	size_t off = b->len;
	unsigned char *h = pkt_put(b, NULL, PKT_UDP_HLEN);

	pkt_w16(h, sport);
	pkt_w16(h + 2, dport);
	pkt_w16(h + 4, PKT_UDP_HLEN + len);
	if (len)
		pkt_put(b, payload, len);
	return off;
}

/* Set an IPv4 header's total length and header checksum, leaving its payload alone. */
static inline void pkt_ipv4_fix_hdr(struct pkt_buf *b, size_t off, size_t tot_len)
{
	unsigned char *h = b->data + off;
	size_t hlen = (h[0] & 0x0f) * 4;

	pkt_w16(h + 2, tot_len);
	pkt_w16(h + 10, 0);
	pkt_w16(h + 10, pkt_csum_fold(pkt_csum_add(0, h, hlen)));
}

static inline void pkt_finish_ipv6(struct pkt_buf *b, size_t off);

/**
 * pkt_finish_ipv4() - fill lengths and checksums of the IPv4 packet at @off.
 *
 * The packet runs to the end of the buffer.  An encapsulated packet (protocol 4 or 41 with
 * a header of the right version inside) is finished first, since the outer checksums
 * depend on nothing inside but its length; then TCP/UDP; then the header.  Fragments get
 * no L4 checksum: it covers the whole datagram, which one fragment does not hold.
 */
static inline void pkt_finish_ipv4(struct pkt_buf *b, size_t off)
{
	unsigned char *h = b->data + off;
	size_t hlen, tot;
	__u8 proto;

	if (off + PKT_IPV4_HLEN > b->len || (h[0] >> 4) != 4)
		pkt_die("no IPv4 header at offset %zu", off);
	hlen = (h[0] & 0x0f) * 4;
	tot = b->len - off;
	if (hlen < PKT_IPV4_HLEN || hlen > tot || tot > 0xffff)
		pkt_die("IPv4 header length %zu, packet length %zu", hlen, tot);
	proto = h[9];
	if (!(pkt_r16(h + 6) & (PKT_IP_MF | PKT_IP_OFFSET))) {
		if (proto == IPPROTO_IPIP && tot - hlen >= PKT_IPV4_HLEN && h[hlen] >> 4 == 4)
			pkt_finish_ipv4(b, off + hlen);
		else if (proto == IPPROTO_IPV6 && tot - hlen >= PKT_IPV6_HLEN && h[hlen] >> 4 == 6)
			pkt_finish_ipv6(b, off + hlen);
		else
			pkt_fill_l4(h, h + hlen, proto, tot - hlen);
	}
	pkt_ipv4_fix_hdr(b, off, tot);
}

/*
 * Follow the extension headers (RFC 8200 4: hop-by-hop, routing, destination options,
 * fragment; AH per RFC 4302) of the IPv6 header at @h with @plen bytes of payload.  Sets the
 * upper-layer protocol, its offset from @h and whether a fragment header makes this a
 * fragment (offset or M set).  Returns false when an extension header runs past the payload.
 */
static inline bool pkt_ipv6_upper(const unsigned char *h, size_t plen, __u8 *proto, size_t *at,
				  bool *frag)
{
	size_t pos = PKT_IPV6_HLEN, end = PKT_IPV6_HLEN + plen, len;
	__u8 nh = h[6];

	*frag = false;
	while (nh == PKT_NH_HOP || nh == PKT_NH_ROUTE || nh == PKT_NH_DEST || nh == PKT_NH_FRAG ||
	       nh == PKT_NH_AH) {
		if (pos + 8 > end)
			return false;
		if (nh == PKT_NH_FRAG) {
			len = 8;
			*frag |= (pkt_r16(h + pos + 2) & 0xfff9) != 0; /* offset, M */
		} else if (nh == PKT_NH_AH) {
			len = (h[pos + 1] + 2) * 4;
		} else {
			len = (h[pos + 1] + 1) * 8;
		}
		if (pos + len > end)
			return false;
		nh = h[pos];
		pos += len;
	}
	*proto = nh;
	*at = pos;
	return true;
}

/* Same for the IPv6 packet at @off: payload length, then the TCP/UDP/ICMPv6 checksum behind
 * any extension headers (none for a fragment), or the inner packet. */
static inline void pkt_finish_ipv6(struct pkt_buf *b, size_t off)
{
	unsigned char *h = b->data + off;
	size_t plen, at;
	bool frag;
	__u8 proto;

	if (off + PKT_IPV6_HLEN > b->len || (h[0] >> 4) != 6)
		pkt_die("no IPv6 header at offset %zu", off);
	plen = b->len - off - PKT_IPV6_HLEN;
	if (plen > 0xffff)
		pkt_die("IPv6 payload length %zu", plen);
	pkt_w16(h + 4, plen);
	proto = h[6];
	if (proto == IPPROTO_IPIP && plen >= PKT_IPV4_HLEN && h[PKT_IPV6_HLEN] >> 4 == 4)
		pkt_finish_ipv4(b, off + PKT_IPV6_HLEN);
	else if (proto == IPPROTO_IPV6 && plen >= PKT_IPV6_HLEN && h[PKT_IPV6_HLEN] >> 4 == 6)
		pkt_finish_ipv6(b, off + PKT_IPV6_HLEN);
	else if (pkt_ipv6_upper(h, plen, &proto, &at, &frag) && !frag)
		pkt_fill_l4(h, h + at, proto, PKT_IPV6_HLEN + plen - at);
}

/* Offset of the network header: after Ethernet and one 802.1Q/802.1ad tag, if any. */
static inline size_t pkt_l3_off(const struct pkt_buf *b)
{
	__u16 type;

	if (b->len < ETH_HLEN)
		pkt_die("no Ethernet header in %zu bytes", b->len);
	type = pkt_r16(b->data + 12);
	return type == ETH_P_8021Q || type == ETH_P_8021AD ? ETH_HLEN + 4 : ETH_HLEN;
}

/* EtherType of the network header (the tag's inner type on a tagged frame). */
static inline __u16 pkt_l3_type(const struct pkt_buf *b)
{
	return pkt_r16(b->data + pkt_l3_off(b) - 2);
}

/* Finish a whole Ethernet frame: its IPv4 or IPv6 packet, nested ones included. */
static inline void pkt_finish(struct pkt_buf *b)
{
	size_t off = pkt_l3_off(b);

	if (pkt_l3_type(b) == ETH_P_IP)
		pkt_finish_ipv4(b, off);
	else if (pkt_l3_type(b) == ETH_P_IPV6)
		pkt_finish_ipv6(b, off);
}

/* Build a finished frame from @s: Ethernet [802.1Q] IPv4|IPv6 TCP|UDP payload. */
static inline size_t pkt_build(struct pkt_buf *b, const struct pkt_spec *s, bool v6, __u8 proto)
{
	__u16 type = v6 ? ETH_P_IPV6 : ETH_P_IP;

	pkt_reset(b);
	if (s->vlan) {
		pkt_eth(b, s->dmac, s->smac, ETH_P_8021Q);
		pkt_vlan(b, s->vid, type);
	} else {
		pkt_eth(b, s->dmac, s->smac, type);
	}
	if (v6)
		pkt_ipv6(b, &s->saddr6, &s->daddr6, proto, &s->ip);
	else
		pkt_ipv4(b, s->saddr, s->daddr, proto, &s->ip);
	if (proto == IPPROTO_TCP)
		pkt_tcp(b, s->sport, s->dport, s->seq, s->ack, s->tcp_flags, s->payload,
			s->payload_len);
	else
		pkt_udp(b, s->sport, s->dport, s->payload, s->payload_len);
	pkt_finish(b);
	return b->len;
}

/* The usual frames; each resets @b and returns the frame length. */
static inline size_t pkt_v4_tcp(struct pkt_buf *b, const struct pkt_spec *s)
{
	return pkt_build(b, s, false, IPPROTO_TCP);
}

static inline size_t pkt_v4_udp(struct pkt_buf *b, const struct pkt_spec *s)
{
	return pkt_build(b, s, false, IPPROTO_UDP);
}

static inline size_t pkt_v6_tcp(struct pkt_buf *b, const struct pkt_spec *s)
{
	return pkt_build(b, s, true, IPPROTO_TCP);
}

static inline size_t pkt_v6_udp(struct pkt_buf *b, const struct pkt_spec *s)
{
	return pkt_build(b, s, true, IPPROTO_UDP);
}

/*
 * pkt_build() with the addresses given as strings of either family, the way test cases name
 * them: @s's source and destination are set from @saddr and @daddr, IPv6 when @saddr has a
 * ':'.  Returns the frame length.
 */
static inline size_t pkt_build_addrs(struct pkt_buf *b, struct pkt_spec *s, __u8 proto,
				     const char *saddr, const char *daddr)
{
	bool v6 = strchr(saddr, ':') != NULL;

	if (v6) {
		s->saddr6 = ipv6_addr(saddr);
		s->daddr6 = ipv6_addr(daddr);
	} else {
		s->saddr = ipv4_addr(saddr);
		s->daddr = ipv4_addr(daddr);
	}
	return pkt_build(b, s, v6, proto);
}

/**
 * pkt_ipip_wrap() - @out = @in with an outer IPv4 header (protocol 4) after its L2 header.
 *
 * Ethernet addresses and any VLAN tag are kept and the L2 type becomes IPv4, i.e. what a
 * tunnel endpoint that stripped the outer header would get back.  Everything behind the L2
 * header is copied unchanged and unchecked, so a truncated or bogus inner packet can be
 * wrapped on purpose.  Outer total length and checksum are filled.  @out must not be @in.
 *
 * Returns: the offset of the outer IPv4 header.
 */
static inline size_t pkt_ipip_wrap(struct pkt_buf *out, const struct pkt_buf *in, __be32 saddr,
				   __be32 daddr, const struct pkt_ip_opt *o)
{
	size_t l3 = pkt_l3_off(in), off;

	if (out == in)
		pkt_die("pkt_ipip_wrap() in place");
	pkt_reset(out);
	pkt_put(out, in->data, l3);
	pkt_w16(out->data + l3 - 2, ETH_P_IP);
	off = pkt_ipv4(out, saddr, daddr, IPPROTO_IPIP, o);
	pkt_put(out, in->data + l3, in->len - l3);
	pkt_ipv4_fix_hdr(out, off, out->len - off);
	return off;
}

/*
 * pkt_ipv6_ext() - an IPv6 extension header of @len bytes (a multiple of 8, at least 8):
 * next header @nexthdr, length field (len / 8 - 1), the rest a PadN option (RFC 8200 4.2)
 * so that hop-by-hop and destination options headers are well formed.  Whoever writes a
 * routing header fills its type, segments left and addresses in afterwards.  The previous
 * header's next header field names this one: that is the caller's.  Returns its offset.
 */
static inline size_t pkt_ipv6_ext(struct pkt_buf *b, __u8 nexthdr, size_t len)
{
	size_t off = b->len;
	unsigned char *h;

	if (len < 8 || len % 8 || len > 2048)
		pkt_die("IPv6 extension header of %zu bytes", len);
	h = pkt_put(b, NULL, len);
	h[0] = nexthdr;
	h[1] = len / 8 - 1;
	h[2] = 1; /* PadN */
	h[3] = len - 4;
	return off;
}

/* ICMP (RFC 792) or ICMPv6 (RFC 4443) message: type, code, checksum (by pkt_finish*()), the
 * 32-bit word @rest (unused / MTU / identifier and sequence) and @len bytes of @body. */
static inline size_t pkt_icmp(struct pkt_buf *b, __u8 type, __u8 code, __u32 rest, const void *body,
			      size_t len)
{
	size_t off = b->len;
	unsigned char *h = pkt_put(b, NULL, PKT_ICMP_HLEN);

	h[0] = type;
	h[1] = code;
	pkt_w32(h + 4, rest);
	if (len)
		pkt_put(b, body, len);
	return off;
}

/*
 * pkt_frag_v4() - @out = the IPv4 fragment of the finished frame @whole that carries the
 * @len bytes of its payload from byte @start (a multiple of 8) on, with MF if @more (RFC 791
 * 3.2).  L2 header, IPv4 header and options are copied, DF kept; length and header checksum
 * are filled.  Returns the offset of the IPv4 header.
 */
static inline size_t pkt_frag_v4(struct pkt_buf *out, const struct pkt_buf *whole, size_t start,
				 size_t len, bool more)
{
	size_t l3 = pkt_l3_off(whole), hlen = (whole->data[l3] & 0x0f) * 4;
	unsigned char *h;

	if (start % 8 || l3 + hlen + start + len > whole->len)
		pkt_die("fragment %zu+%zu of a %zu-byte frame", start, len, whole->len);
	pkt_reset(out);
	pkt_put(out, whole->data, l3 + hlen);
	h = out->data + l3;
	pkt_w16(h + 6, (pkt_r16(h + 6) & PKT_IP_DF) | (more ? PKT_IP_MF : 0) | start / 8);
	pkt_put(out, whole->data + l3 + hlen + start, len);
	pkt_ipv4_fix_hdr(out, l3, out->len - l3);
	return l3;
}

/*
 * pkt_frag_v6() - the same for IPv6 (RFC 8200 4.5): the finished frame @whole (no extension
 * headers) gets a fragment header (identification @id) between its IPv6 header and the
 * @len bytes of payload from @start.  Returns the offset of the IPv6 header.
 */
static inline size_t pkt_frag_v6(struct pkt_buf *out, const struct pkt_buf *whole, size_t start,
				 size_t len, bool more, __u32 id)
{
	size_t l3 = pkt_l3_off(whole);
	unsigned char *f;

	if (start % 8 || l3 + PKT_IPV6_HLEN + start + len > whole->len)
		pkt_die("fragment %zu+%zu of a %zu-byte frame", start, len, whole->len);
	pkt_reset(out);
	pkt_put(out, whole->data, l3 + PKT_IPV6_HLEN);
	f = pkt_put(out, NULL, 8);
	f[0] = out->data[l3 + 6];
	out->data[l3 + 6] = PKT_NH_FRAG;
	pkt_w16(f + 2, (start / 8) << 3 | (more ? 1 : 0));
	pkt_w32(f + 4, id);
	pkt_put(out, whole->data + l3 + PKT_IPV6_HLEN + start, len);
	pkt_w16(out->data + l3 + 4, out->len - l3 - PKT_IPV6_HLEN);
	return l3;
}

/*
 * pkt_encap6() - @out = Ethernet (@dmac, @smac, IPv6; no tag) + an outer IPv6 header (RFC
 * 2473) + the IP packet of the frame @in, byte for byte: traffic class = the inner packet's
 * TOS / traffic class, flow label @label, next header 4 or 41 by the inner version, hop
 * limit 64, payload length = the inner packet's length.  Returns the outer header's offset.
 */
static inline size_t pkt_encap6(struct pkt_buf *out, const __u8 *dmac, const __u8 *smac,
				const struct pkt_buf *in, const struct in6_addr *saddr,
				const struct in6_addr *daddr, __u32 label)
{
	size_t l3 = pkt_l3_off(in), off;
	const unsigned char *ih = in->data + l3;
	__u8 tc = (ih[0] >> 4) == 4 ? ih[1] : (__u8)(pkt_r16(ih) >> 4);
	unsigned char *h;

	pkt_reset(out);
	pkt_eth(out, dmac, smac, ETH_P_IPV6);
	off = pkt_ipv6(out, saddr, daddr, (ih[0] >> 4) == 4 ? IPPROTO_IPIP : IPPROTO_IPV6,
		       &(struct pkt_ip_opt){ .tos = tc, .ttl = 64 });
	h = out->data + off;
	pkt_w32(h, pkt_r16(h) << 16 | (label & 0xfffff));
	pkt_put(out, ih, in->len - l3);
	pkt_w16(h + 4, in->len - l3);
	return off;
}

/* NAT forwards as a router: what a translated frame's TTL becomes (outer header only). */
static inline void pkt_ttl_dec(struct pkt_buf *b)
{
	size_t off = pkt_l3_off(b);
	unsigned char *h = b->data + off;
	__u16 type = pkt_l3_type(b);

	if (type == ETH_P_IP && off + PKT_IPV4_HLEN <= b->len && h[0] >> 4 == 4) {
		h[8]--;
		pkt_ipv4_fix_hdr(b, off, pkt_r16(h + 2));
	} else if (type == ETH_P_IPV6 && off + PKT_IPV6_HLEN <= b->len && h[0] >> 4 == 6) {
		h[7]--;
	} else {
		pkt_die("no IP header at offset %zu to decrement the TTL of", off);
	}
}

/* Replace the L2 header of @b (tagged or not) by an untagged Ethernet header. */
static inline void pkt_set_eth(struct pkt_buf *b, const __u8 *dmac, const __u8 *smac)
{
	size_t l3 = pkt_l3_off(b);
	__u16 type = pkt_l3_type(b);

	memmove(b->data + ETH_HLEN, b->data + l3, b->len - l3);
	b->len -= l3 - ETH_HLEN;
	memcpy(b->data, dmac, ETH_ALEN);
	memcpy(b->data + 6, smac, ETH_ALEN);
	pkt_w16(b->data + 12, type);
}

/* Give the untagged frame @b the 802.1Q/802.1ad tag of the frame @in, if it has one (TPID
 * and TCI as they are, @b's EtherType after them): what a frame sent back out of the
 * interface @in came in on carries. */
static inline void pkt_tag_as(struct pkt_buf *b, const struct pkt_buf *in)
{
	if (pkt_l3_off(in) == ETH_HLEN)
		return;
	if (pkt_l3_off(b) != ETH_HLEN || b->len + 4 > sizeof(b->data))
		pkt_die("tagging a tagged frame, or one of %zu bytes", b->len);
	memmove(b->data + 16, b->data + 12, b->len - 12);
	memcpy(b->data + 12, in->data + 12, 4);
	b->len += 4;
}

/* True when the ICMP (IPv4) or ICMPv6 checksum behind the IP header at @iph is correct. */
static inline bool csum_icmp_ok(const void *iph)
{
	const unsigned char *h = iph;

	if ((h[0] >> 4) == 4) {
		size_t hlen = (h[0] & 0x0f) * 4;

		return h[9] == IPPROTO_ICMP && pkt_r16(h + 2) >= hlen + PKT_ICMP_HLEN &&
		       pkt_csum_fold(pkt_csum_add(0, h + hlen, pkt_r16(h + 2) - hlen)) == 0;
	}
	if ((h[0] >> 4) == 6) {
		size_t len = pkt_r16(h + 4);

		return h[6] == IPPROTO_ICMPV6 && len >= PKT_ICMP_HLEN &&
		       pkt_csum_fold(pkt_pseudo_sum(h, IPPROTO_ICMPV6, len) +
				     pkt_csum_add(0, h + PKT_IPV6_HLEN, len)) == 0;
	}
	return false;
}

/* True when the IPv4 header at @iph (IHL*4 bytes) has a correct checksum. */
static inline bool csum_ipv4_hdr_ok(const void *iph)
{
	const unsigned char *h = iph;
	size_t hlen = (h[0] & 0x0f) * 4;

	return (h[0] >> 4) == 4 && hlen >= PKT_IPV4_HLEN &&
	       pkt_csum_fold(pkt_csum_add(0, h, hlen)) == 0;
}

/*
 * True when the TCP or UDP checksum behind the IPv4 or IPv6 header at @iph is correct, the
 * L4 length taken from the IP header.  IPv4 UDP without checksum (0) counts as correct; any
 * other protocol, or an L4 header shorter than its fixed part, as wrong.
 */
static inline bool csum_l4_ok(const void *iph)
{
	const unsigned char *h = iph, *l4;
	size_t len;
	__u8 proto;

	if ((h[0] >> 4) == 4) {
		size_t hlen = (h[0] & 0x0f) * 4;

		if (pkt_r16(h + 2) < hlen)
			return false;
		proto = h[9];
		l4 = h + hlen;
		len = pkt_r16(h + 2) - hlen;
		if (proto == IPPROTO_UDP && len >= PKT_UDP_HLEN && pkt_r16(l4 + 6) == 0)
			return true;
	} else if ((h[0] >> 4) == 6) {
		size_t at;
		bool frag;

		if (!pkt_ipv6_upper(h, pkt_r16(h + 4), &proto, &at, &frag) || frag)
			return false;
		l4 = h + at;
		len = PKT_IPV6_HLEN + pkt_r16(h + 4) - at;
	} else {
		return false;
	}
	if (!(proto == IPPROTO_TCP && len >= PKT_TCP_HLEN) &&
	    !(proto == IPPROTO_UDP && len >= PKT_UDP_HLEN))
		return false;
	return pkt_csum_fold(pkt_pseudo_sum(h, proto, len) + pkt_csum_add(0, l4, len)) == 0;
}

#endif /* XDPLB_PKT_H */
