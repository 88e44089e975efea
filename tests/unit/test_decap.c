/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file tests the real-server decap program (bpf/decap.bpf.c) and pkt.h itself. */
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "sandbox.h"
#include "pkt.h"
#include "xdplb_abi.h"
#include "decap.skel.h"

#define HOST_ADDR   "10.0.2.11"	 /* the real server: in xdplb_decap_ip */
#define OTHER_ADDR  "10.0.2.12"	 /* another real server behind the same switch */
#define LB_ADDR	    "10.0.0.100" /* the balancer's tunnel source */
#define VIP_ADDR    "10.0.0.10"
#define CLIENT_ADDR "192.0.2.1"

#define HOST_ADDR6   "2001:db8:2::11" /* the real server's IPv6 address: in xdplb_decap_ip */
#define OTHER_ADDR6  "2001:db8:2::12"
#define LB_ADDR6     "2001:db8:2::1" /* the balancer's IPv6 tunnel source */
#define VIP_ADDR6    "2001:db8::10"
#define CLIENT_ADDR6 "2001:db8:1::2"
/* The IPv6 address whose first four bytes are HOST_ADDR: must not match its IPv4 entry. */
#define HOST_ADDR_AS6 "a00:20b::"

#define MAC_HOST ((const __u8[ETH_ALEN]){ 0x02, 0x00, 0x00, 0x00, 0x02, 0x0b })
#define MAC_LB	 ((const __u8[ETH_ALEN]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x64 })

static const char *const reason_names[XDPLB_DECAP_MAX] = {
	[XDPLB_DECAP_DONE] = "DONE",
	[XDPLB_DECAP_PASS] = "PASS",
	[XDPLB_DECAP_DROP_MALFORMED] = "DROP_MALFORMED",
};

static struct decap_bpf *skel;

/* --- packets ----------------------------------------------------------------------------- */

static const char payload[] = "GET / HTTP/1.0\r\n\r\n";

/*
 * The client's packet as the balancer received it, addressed to our MAC by the switch, over
 * IPv4 or IPv6 (@v6): a TCP segment with data (PUSH), a UDP datagram (DNS) or a SYN in an
 * 802.1Q-tagged frame (SYN_VLAN).
 */
enum client_pkt { PUSH, DNS, SYN_VLAN };

static void client_pkt(struct pkt_buf *b, bool v6, enum client_pkt kind)
{
	struct pkt_spec s = { .dmac = MAC_HOST, .smac = MAC_LB, .sport = 40000, .dport = 80 };

	switch (kind) {
	case PUSH:
		if (v6)
			s.ip = (struct pkt_ip_opt){ .tos = 0x28, .ttl = 57 };
		else
			s.ip = (struct pkt_ip_opt){ .id = 0x1234, .frag_off = PKT_IP_DF };
		s.seq = 1000;
		s.ack = 2000;
		s.tcp_flags = PKT_TCP_ACK | PKT_TCP_PSH;
		s.payload = payload;
		s.payload_len = sizeof(payload) - 1;
		break;
	case DNS:
		s.sport = 5353;
		s.dport = 53;
		s.payload = v6 ? "query6" : "query";
		s.payload_len = strlen(s.payload);
		break;
	case SYN_VLAN:
		s.vlan = true;
		s.vid = v6 ? 200 : 100;
		s.sport = v6 ? 40002 : 40001;
		s.tcp_flags = PKT_TCP_SYN;
		break;
	}
	pkt_build_addrs(b, &s, kind == DNS ? IPPROTO_UDP : IPPROTO_TCP,
			v6 ? CLIENT_ADDR6 : CLIENT_ADDR, v6 ? VIP_ADDR6 : VIP_ADDR);
}

static void inner_tcp(struct pkt_buf *b)
{
	client_pkt(b, false, PUSH);
}

static void inner_udp(struct pkt_buf *b)
{
	client_pkt(b, false, DNS);
}

static void inner_tcp_vlan(struct pkt_buf *b)
{
	client_pkt(b, false, SYN_VLAN);
}

static void inner_tcp6(struct pkt_buf *b)
{
	client_pkt(b, true, PUSH);
}

static void inner_udp6(struct pkt_buf *b)
{
	client_pkt(b, true, DNS);
}

static void inner_tcp6_vlan(struct pkt_buf *b)
{
	client_pkt(b, true, SYN_VLAN);
}

/* Frames for the host itself, not in a tunnel. */
static void tcp_to_host(struct pkt_buf *b)
{
	pkt_v4_tcp(b, &(struct pkt_spec){ .dmac = MAC_HOST,
					  .saddr = ipv4_addr(CLIENT_ADDR),
					  .daddr = ipv4_addr(HOST_ADDR),
					  .sport = 50000,
					  .dport = 22,
					  .tcp_flags = PKT_TCP_SYN });
}

static void udp6_to_host(struct pkt_buf *b)
{
	pkt_v6_udp(b, &(struct pkt_spec){ .dmac = MAC_HOST,
					  .saddr6 = ipv6_addr("2001:db8::1"),
					  .daddr6 = ipv6_addr(HOST_ADDR6),
					  .sport = 5353,
					  .dport = 53,
					  .payload = "q6",
					  .payload_len = 2 });
}

static void arp_request(struct pkt_buf *b)
{
	static const __u8 zero[ETH_ALEN];

	pkt_reset(b);
	pkt_eth(b, (const __u8[ETH_ALEN]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, MAC_LB, ETH_P_ARP);
	pkt_arp(b, 1, MAC_LB, ipv4_addr(LB_ADDR), zero, ipv4_addr(HOST_ADDR));
}

/* --- IPv4 outer headers: @out = the frame @in in a tunnel -------------------------------- */

/* Outer header as encap_v4() on the balancer writes it, to @dst, with @o's fields. */
static void ipip_to(struct pkt_buf *out, const struct pkt_buf *in, const char *dst,
		    const struct pkt_ip_opt *o)
{
	pkt_ipip_wrap(out, in, ipv4_addr(LB_ADDR), ipv4_addr(dst), o);
}

static void ipip(struct pkt_buf *out, const struct pkt_buf *in)
{
	ipip_to(out, in, HOST_ADDR, NULL);
}

static void ipip_other(struct pkt_buf *out, const struct pkt_buf *in)
{
	ipip_to(out, in, OTHER_ADDR, NULL);
}

/* IPv4 options: router alert (RFC 2113) is 4 bytes, IHL 6. */
static void ipip_ra(struct pkt_buf *out, const struct pkt_buf *in)
{
	static const __u8 ra[4] = { 0x94, 0x04, 0x00, 0x00 };

	ipip_to(out, in, HOST_ADDR, &(struct pkt_ip_opt){ .opts = ra, .opts_len = sizeof(ra) });
}

/* 7 NOPs and an end of list: IHL 7. */
static void ipip_nops8(struct pkt_buf *out, const struct pkt_buf *in)
{
	static const __u8 nops[8] = { 1, 1, 1, 1, 1, 1, 1, 0 };

	ipip_to(out, in, HOST_ADDR, &(struct pkt_ip_opt){ .opts = nops, .opts_len = sizeof(nops) });
}

/* The largest header: 40 bytes of options, IHL 15. */
static void ipip_nops40(struct pkt_buf *out, const struct pkt_buf *in)
{
	__u8 nops[40];

	memset(nops, 1, sizeof(nops));
	nops[39] = 0;
	ipip_to(out, in, HOST_ADDR, &(struct pkt_ip_opt){ .opts = nops, .opts_len = sizeof(nops) });
}

/* A first fragment of a tunnel packet: the inner packet is incomplete. */
static void ipip_fragment(struct pkt_buf *out, const struct pkt_buf *in)
{
	ipip_to(out, in, HOST_ADDR, &(struct pkt_ip_opt){ .frag_off = PKT_IP_MF });
}

/* Outer IPv4 header cut after 12 bytes: not even the addresses are there. */
static void ipip_outer_cut(struct pkt_buf *out, const struct pkt_buf *in)
{
	ipip(out, in);
	out->len = ETH_HLEN + 12;
}

/* Outer total length runs one byte past the end of the frame. */
static void ipip_outer_short(struct pkt_buf *out, const struct pkt_buf *in)
{
	ipip(out, in);
	out->len--;
}

/* Only 10 bytes of the inner IPv4 header made it into the tunnel. */
static void ipip_inner_cut(struct pkt_buf *out, const struct pkt_buf *in)
{
	struct pkt_buf cut = *in;

	cut.len = pkt_l3_off(in) + 10;
	ipip(out, &cut);
}

/* IPv6-in-IPv4 (protocol 41 in an IPv4 header) is not something the balancer sends. */
static void ip6ip4(struct pkt_buf *out, const struct pkt_buf *in)
{
	ipip(out, in);
	out->data[ETH_HLEN + 9] = IPPROTO_IPV6;
	pkt_ipv4_fix_hdr(out, ETH_HLEN, out->len - ETH_HLEN);
}

/* --- IPv6 outer headers (RFC 2473) ----------------------------------------------------------- */

/*
 * @out = @in behind an outer IPv6 header the way the balancer writes one: the L2 header
 * (and a VLAN tag) of @in kept with type IPv6, next header @nexthdr (WRAP6_AUTO: 41 or 4
 * after the inner version), traffic class and flow label set (the decapsulator ignores
 * them), hop limit 64, payload length = the bytes behind the header.  The inner bytes are
 * copied unchecked, so that a bogus inner packet can be wrapped on purpose.
 */
#define WRAP6_AUTO 255 /* reserved (RFC 8200 4.7), never a real next header here */

static void wrap6_raw(struct pkt_buf *out, const struct pkt_buf *in, const char *dst, __u8 nexthdr,
		      size_t inner_len)
{
	struct in6_addr src6 = ipv6_addr(LB_ADDR6), dst6 = ipv6_addr(dst);
	size_t l3 = pkt_l3_off(in), off;

	if (nexthdr == WRAP6_AUTO)
		nexthdr = in->data[l3] >> 4 == 6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	pkt_reset(out);
	pkt_put(out, in->data, l3);
	pkt_w16(out->data + l3 - 2, ETH_P_IPV6);
	off = pkt_ipv6(out, &src6, &dst6, nexthdr, &(struct pkt_ip_opt){ .tos = 0x28 });
	pkt_w32(out->data + off, pkt_r16(out->data + off) << 16 | 0xb5a5c); /* flow label */
	pkt_put(out, in->data + l3, inner_len);
	pkt_w16(out->data + off + 4, out->len - off - PKT_IPV6_HLEN);
}

/* The whole IP packet of @in, to @dst. */
static void ip6_to(struct pkt_buf *out, const struct pkt_buf *in, const char *dst)
{
	wrap6_raw(out, in, dst, WRAP6_AUTO, in->len - pkt_l3_off(in));
}

static void ip6(struct pkt_buf *out, const struct pkt_buf *in)
{
	ip6_to(out, in, HOST_ADDR6);
}

static void ip6_other(struct pkt_buf *out, const struct pkt_buf *in)
{
	ip6_to(out, in, OTHER_ADDR6);
}

/* Only the IPv4 entry has these 4 bytes: an IPv6 key never matches an IPv4 one. */
static void ip6_v4_lookalike(struct pkt_buf *out, const struct pkt_buf *in)
{
	ip6_to(out, in, HOST_ADDR_AS6);
}

/* The 8-byte extension header @ext between the outer header (next header @nexthdr) and the
 * inner packet. */
static void ip6_ext(struct pkt_buf *out, const struct pkt_buf *in, const __u8 ext[8], __u8 nexthdr)
{
	size_t l3 = pkt_l3_off(in);
	struct pkt_buf in2;

	pkt_reset(&in2);
	pkt_put(&in2, in->data, l3);
	pkt_put(&in2, ext, 8);
	pkt_put(&in2, in->data + l3, in->len - l3);
	wrap6_raw(out, &in2, HOST_ADDR6, nexthdr, in2.len - l3);
}

/*
 * An outer fragment: a fragment header (next header 44; RFC 8200 4.5: next header 41,
 * offset 0, M set, identification) between the outer header and the inner packet.
 */
static void ip6_fragment(struct pkt_buf *out, const struct pkt_buf *in)
{
	static const __u8 frag[8] = { IPPROTO_IPV6, 0, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78 };

	ip6_ext(out, in, frag, 44);
}

/* A hop-by-hop options header (next header 0) in front of the inner packet: not ours. */
static void ip6_hopopts(struct pkt_buf *out, const struct pkt_buf *in)
{
	static const __u8 hbh[8] = { IPPROTO_IPV6, 0, 1, 4, 0, 0, 0, 0 }; /* PadN */

	ip6_ext(out, in, hbh, 0);
}

/* Outer IPv6 header cut after 30 bytes: the destination is not there. */
static void ip6_outer_cut(struct pkt_buf *out, const struct pkt_buf *in)
{
	ip6(out, in);
	out->len = ETH_HLEN + 30;
}

/* Outer payload length runs one byte past the end of the frame. */
static void ip6_outer_short(struct pkt_buf *out, const struct pkt_buf *in)
{
	ip6(out, in);
	out->len--;
}

/* Outer header says version 4 although the EtherType is IPv6. */
static void ip6_outer_version(struct pkt_buf *out, const struct pkt_buf *in)
{
	ip6(out, in);
	out->data[ETH_HLEN] = (out->data[ETH_HLEN] & 0x0f) | 0x40;
}

/* The whole inner header is in the frame, but the outer payload length says 39 bytes. */
static void ip6_inner_past_plen(struct pkt_buf *out, const struct pkt_buf *in)
{
	ip6(out, in);
	pkt_w16(out->data + ETH_HLEN + 4, PKT_IPV6_HLEN - 1);
}

/* All but the last byte of the inner header (39 bytes of IPv6, 19 of IPv4) in the tunnel. */
static void ip6_inner_cut(struct pkt_buf *out, const struct pkt_buf *in)
{
	bool v6 = in->data[pkt_l3_off(in)] >> 4 == 6;

	wrap6_raw(out, in, HOST_ADDR6, WRAP6_AUTO, (v6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN) - 1);
}

/* An empty tunnel: next header 41 or 4, payload length 0. */
static void ip6_empty(struct pkt_buf *out, const struct pkt_buf *in)
{
	wrap6_raw(out, in, HOST_ADDR6, WRAP6_AUTO, 0);
}

/* Next header 41 with an IPv4 packet behind it, or 4 with an IPv6 one. */
static void ip6_wrong_nexthdr(struct pkt_buf *out, const struct pkt_buf *in)
{
	size_t l3 = pkt_l3_off(in);

	wrap6_raw(out, in, HOST_ADDR6, in->data[l3] >> 4 == 6 ? IPPROTO_IPIP : IPPROTO_IPV6,
		  in->len - l3);
}

/* --- BPF_PROG_TEST_RUN cases --------------------------------------------------------------- */

/*
 * A case: the frame @inner, in the tunnel @tunnel (NULL: as it is), then @trailer (Ethernet
 * padding, a trailer).  It must give verdict @retval and count one packet as @reason; its
 * output is the frame @inner followed by @trailer when the reason is XDPLB_DECAP_DONE, else
 * the input untouched.
 */
struct decap_case {
	const char *name;
	void (*inner)(struct pkt_buf *b);
	void (*tunnel)(struct pkt_buf *out, const struct pkt_buf *in);
	int retval;
	enum xdplb_decap_reason reason;
	const char *trailer;
	size_t trailer_len;
};

/* Verdict, reason and trailer of each outcome. */
#define DECAPPED		 XDP_PASS, XDPLB_DECAP_DONE, NULL, 0
#define DECAPPED_WITH_TRAILER(s) XDP_PASS, XDPLB_DECAP_DONE, s, sizeof(s) - 1
#define UNTOUCHED		 XDP_PASS, XDPLB_DECAP_PASS, NULL, 0
#define DROPPED			 XDP_DROP, XDPLB_DECAP_DROP_MALFORMED, NULL, 0

static const struct decap_case cases[] = {
	{ "ipip tcp to us: inner packet passed", inner_tcp, ipip, DECAPPED },
	{ "ipip udp to us: inner packet passed", inner_udp, ipip, DECAPPED },
	{ "ipip outer options ihl 6", inner_tcp, ipip_ra, DECAPPED },
	{ "ipip outer options ihl 7", inner_udp, ipip_nops8, DECAPPED },
	{ "ipip outer options ihl 15", inner_tcp, ipip_nops40, DECAPPED },
	{ "ipip vlan: tag kept", inner_tcp_vlan, ipip, DECAPPED },
	/* options and a VLAN tag at once: both variable parts of the L2/L3 offsets */
	{ "ipip vlan and outer options", inner_tcp_vlan, ipip_ra, DECAPPED },
	/* short frames are padded to 60 bytes on the wire; the padding moves with the frame */
	{ "ipip with ethernet padding", inner_udp, ipip, DECAPPED_WITH_TRAILER("\0\0\0\0\0\0") },
	{ "ipip to another address: untouched", inner_tcp, ipip_other, UNTOUCHED },
	{ "ipip outer fragment: untouched", inner_tcp, ipip_fragment, UNTOUCHED },
	{ "plain tcp to us: untouched", tcp_to_host, NULL, UNTOUCHED },
	{ "ipv6 udp to us: untouched", udp6_to_host, NULL, UNTOUCHED },
	{ "arp: untouched", arp_request, NULL, UNTOUCHED },
	{ "ipip outer header truncated: untouched", inner_tcp, ipip_outer_cut, UNTOUCHED },
	{ "ipip outer tot_len past frame: untouched", inner_tcp, ipip_outer_short, UNTOUCHED },
	{ "ipip inner truncated: dropped", inner_tcp, ipip_inner_cut, DROPPED },
	/* protocol 4 says IPv4 inside, but an IPv6 packet follows */
	{ "ipip inner not ipv4: dropped", udp6_to_host, ipip, DROPPED },
	{ "ip6ip6 tcp to us: inner packet passed", inner_tcp6, ip6, DECAPPED },
	{ "ip6ip6 udp to us: inner packet passed", inner_udp6, ip6, DECAPPED },
	{ "ip6ip6 vlan: tag kept", inner_tcp6_vlan, ip6, DECAPPED },
	/* bytes behind the outer payload (padding, trailer) stay behind the inner packet */
	{ "ip6ip6 trailing bytes move with the frame", inner_udp6, ip6,
	  DECAPPED_WITH_TRAILER("\xde\xad\xbe\xef") },
	{ "ipv4 in ipv6 tcp: inner packet passed, type ipv4", inner_tcp, ip6, DECAPPED },
	{ "ipv4 in ipv6 udp: inner packet passed", inner_udp, ip6, DECAPPED },
	/* IPv4 inside, a VLAN tag outside: the tag's type changes from IPv6 to IPv4 */
	{ "ipv4 in ipv6 vlan: tag kept, type ipv4", inner_tcp_vlan, ip6, DECAPPED },
	{ "ip6ip6 to another address: untouched", inner_tcp6, ip6_other, UNTOUCHED },
	{ "ipv4 in ipv6 to another address: untouched", inner_tcp, ip6_other, UNTOUCHED },
	{ "ip6ip6 to the ipv4 entry's bytes: untouched", inner_tcp6, ip6_v4_lookalike, UNTOUCHED },
	{ "ip6ip6 outer fragment: untouched", inner_tcp6, ip6_fragment, UNTOUCHED },
	{ "ip6ip6 behind hop-by-hop options: untouched", inner_tcp6, ip6_hopopts, UNTOUCHED },
	{ "ipv6 in ipv4 (proto 41): untouched", inner_tcp6, ip6ip4, UNTOUCHED },
	{ "ip6ip6 outer header truncated: untouched", inner_tcp6, ip6_outer_cut, UNTOUCHED },
	{ "ip6ip6 outer payload past frame: untouched", inner_tcp6, ip6_outer_short, UNTOUCHED },
	{ "ip6ip6 outer version 4: untouched", inner_tcp6, ip6_outer_version, UNTOUCHED },
	{ "ip6ip6 inner truncated: dropped", inner_tcp6, ip6_inner_cut, DROPPED },
	{ "ip6ip6 inner past outer payload length: dropped", inner_tcp6, ip6_inner_past_plen,
	  DROPPED },
	{ "ip6ip6 empty payload: dropped", inner_tcp6, ip6_empty, DROPPED },
	{ "ipv4 in ipv6 inner truncated: dropped", inner_tcp, ip6_inner_cut, DROPPED },
	{ "ip6ip6 inner not ipv6: dropped", inner_tcp, ip6_wrong_nexthdr, DROPPED },
	{ "ipv4 in ipv6 inner not ipv4: dropped", inner_tcp6, ip6_wrong_nexthdr, DROPPED },
};

/* Per-CPU counters summed over every possible CPU. */
static int read_counters(struct xdplb_counter sum[XDPLB_DECAP_MAX])
{
	int fd = bpf_map__fd(skel->maps.xdplb_decap_st);
	int ncpus = libbpf_num_possible_cpus();
	struct xdplb_counter *v;
	__u32 r;
	int i, err = 0;

	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (r = 0; r < XDPLB_DECAP_MAX; r++) {
		sum[r] = (struct xdplb_counter){};
		if (bpf_map_lookup_elem(fd, &r, v)) {
			err = -errno;
			break;
		}
		for (i = 0; i < ncpus; i++) {
			sum[r].packets += v[i].packets;
			sum[r].bytes += v[i].bytes;
		}
	}
	free(v);
	return err;
}

static void run_case(const struct decap_case *c)
{
	struct xdplb_counter before[XDPLB_DECAP_MAX], after[XDPLB_DECAP_MAX];
	struct pkt_buf inner, in, exp;
	unsigned char out[sizeof(in.data) + 256];
	char what[96];
	__u32 r;
	int err;

	c->inner(&inner);
	if (c->tunnel)
		c->tunnel(&in, &inner);
	else
		in = inner;
	pkt_put(&in, c->trailer, c->trailer_len);
	if (c->reason == XDPLB_DECAP_DONE) {
		exp = inner;
		pkt_put(&exp, c->trailer, c->trailer_len);
	} else {
		exp = in;
	}

	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in.data, .data_size_in = in.len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (!ASSERT_EQ(read_counters(before), 0, "read counters"))
		return;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdplb_decap), &topts);
	if (!ASSERT_EQ(err, 0, "bpf_prog_test_run_opts"))
		return;
	ASSERT_EQ(topts.retval, c->retval, "verdict");
	ASSERT_BYTES(out, topts.data_size_out, exp.data, exp.len, "output frame");
	if (!ASSERT_EQ(read_counters(after), 0, "read counters"))
		return;
	for (r = 0; r < XDPLB_DECAP_MAX; r++) {
		snprintf(what, sizeof(what), "%s packets", reason_names[r]);
		ASSERT_EQ(after[r].packets - before[r].packets, r == c->reason, what);
		snprintf(what, sizeof(what), "%s bytes", reason_names[r]);
		ASSERT_EQ(after[r].bytes - before[r].bytes, r == c->reason ? in.len : 0, what);
	}
}

/* --- pkt.h self-tests ---------------------------------------------------------------------- */

/*
 * The IPv4 header of the checksum example in Wikipedia's "Internet checksum" article:
 * 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.  A UDP datagram of 0x73 - 20 - 8 =
 * 87 payload bytes gives the same total length.
 */
static void pkt_selftest_ipv4_reference(void)
{
	static const __u8 ref[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				      0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	unsigned char body[87] = { 0 };
	struct pkt_buf b;

	pkt_v4_udp(&b, &(struct pkt_spec){ .saddr = ipv4_addr("192.168.0.1"),
					   .daddr = ipv4_addr("192.168.0.199"),
					   .ip = { .frag_off = PKT_IP_DF },
					   .payload = body,
					   .payload_len = sizeof(body) });
	ASSERT_BYTES(b.data + ETH_HLEN, PKT_IPV4_HLEN, ref, sizeof(ref), "IPv4 header");
	ASSERT_TRUE(csum_ipv4_hdr_ok(b.data + ETH_HLEN), "csum_ipv4_hdr_ok");
	ASSERT_TRUE(csum_l4_ok(b.data + ETH_HLEN), "csum_l4_ok");
}

/*
 * TCP SYN 10.0.0.1:1234 -> 10.0.0.2:80, seq 1, ID 1, TTL 64, window 65535, computed by hand
 * (and cross-checked with a few lines of Python's struct module):
 *   IP:  4500 + 0028 + 0001 + 0000 + 4006 + 0a00 + 0001 + 0a00 + 0002 = 9932 -> ~ = 66cd
 *   TCP: pseudo 0a00 + 0001 + 0a00 + 0002 + 0006 + 0014 = 141d;
 *        04d2 + 0050 + 0000 + 0001 + 0000 + 0000 + 5002 + ffff = 1_5524 -> 5525;
 *        141d + 5525 = 6942 -> ~ = 96bd
 */
static void pkt_selftest_tcp_by_hand(void)
{
	static const __u8 ref[40] = {
		0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x66, 0xcd, 0x0a, 0x00,
		0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x96, 0xbd, 0x00, 0x00,
	};
	struct pkt_buf b;

	pkt_v4_tcp(&b, &(struct pkt_spec){ .saddr = ipv4_addr("10.0.0.1"),
					   .daddr = ipv4_addr("10.0.0.2"),
					   .ip = { .id = 1 },
					   .sport = 1234,
					   .dport = 80,
					   .seq = 1,
					   .tcp_flags = PKT_TCP_SYN });
	ASSERT_EQ(b.len, ETH_HLEN + sizeof(ref), "frame length");
	ASSERT_BYTES(b.data + ETH_HLEN, b.len - ETH_HLEN, ref, sizeof(ref), "IPv4 + TCP");
}

/* RFC 1071 section 3 example: 0001 f203 f4f5 f6f7 sums to ddf2 (checksum 220d). */
static void pkt_selftest_rfc1071(void)
{
	static const __u8 words[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	ASSERT_EQ(pkt_csum_fold(pkt_csum_add(0, words, sizeof(words))), 0x220d, "checksum");
}

/* Every builder's output verifies, and one damaged byte is noticed. */
static void pkt_selftest_verifiers(void)
{
	struct pkt_buf b, ipip;
	size_t l3;

	inner_tcp(&b);
	ASSERT_TRUE(csum_ipv4_hdr_ok(b.data + ETH_HLEN), "v4 tcp header");
	ASSERT_TRUE(csum_l4_ok(b.data + ETH_HLEN), "v4 tcp l4");
	b.data[b.len - 1] ^= 1;
	ASSERT_TRUE(!csum_l4_ok(b.data + ETH_HLEN), "v4 tcp l4 damaged");
	b.data[ETH_HLEN + 8] ^= 1;
	ASSERT_TRUE(!csum_ipv4_hdr_ok(b.data + ETH_HLEN), "v4 header damaged");

	inner_udp(&b);
	ASSERT_TRUE(csum_l4_ok(b.data + ETH_HLEN), "v4 udp l4");

	inner_tcp_vlan(&b);
	ASSERT_EQ(pkt_l3_off(&b), ETH_HLEN + 4, "vlan l3 offset");
	ASSERT_TRUE(csum_ipv4_hdr_ok(b.data + ETH_HLEN + 4), "vlan v4 header");
	ASSERT_TRUE(csum_l4_ok(b.data + ETH_HLEN + 4), "vlan v4 tcp l4");

	udp6_to_host(&b);
	ASSERT_EQ(pkt_l3_type(&b), ETH_P_IPV6, "v6 ethertype");
	ASSERT_TRUE(csum_l4_ok(b.data + ETH_HLEN), "v6 udp l4");
	pkt_v6_tcp(&b, &(struct pkt_spec){ .saddr6 = ipv6_addr("2001:db8::1"),
					   .daddr6 = ipv6_addr("2001:db8::2"),
					   .sport = 1,
					   .dport = 2,
					   .tcp_flags = PKT_TCP_SYN,
					   .payload = "x",
					   .payload_len = 1 });
	ASSERT_TRUE(csum_l4_ok(b.data + ETH_HLEN), "v6 tcp l4");
	ASSERT_EQ(pkt_r16(b.data + ETH_HLEN + 4), PKT_TCP_HLEN + 1, "v6 payload length");

	/* Nested: outer and inner headers both verify, whichever way the frame was built. */
	inner_tcp(&b);
	ipip_ra(&ipip, &b);
	ASSERT_TRUE(csum_ipv4_hdr_ok(ipip.data + ETH_HLEN), "ipip outer header");
	ASSERT_TRUE(csum_ipv4_hdr_ok(ipip.data + ETH_HLEN + 24), "ipip inner header");
	ASSERT_TRUE(csum_l4_ok(ipip.data + ETH_HLEN + 24), "ipip inner l4");
	ASSERT_EQ(pkt_r16(ipip.data + ETH_HLEN + 2), ipip.len - ETH_HLEN, "ipip outer tot_len");

	pkt_reset(&b);
	pkt_eth(&b, NULL, NULL, ETH_P_IP);
	pkt_ipv4(&b, ipv4_addr(LB_ADDR), ipv4_addr(HOST_ADDR), IPPROTO_IPIP, NULL);
	l3 = pkt_ipv4(&b, ipv4_addr(CLIENT_ADDR), ipv4_addr(VIP_ADDR), IPPROTO_UDP, NULL);
	pkt_udp(&b, 1, 2, "abc", 3);
	pkt_finish(&b);
	ASSERT_TRUE(csum_ipv4_hdr_ok(b.data + ETH_HLEN), "nested outer header");
	ASSERT_TRUE(csum_ipv4_hdr_ok(b.data + l3), "nested inner header");
	ASSERT_TRUE(csum_l4_ok(b.data + l3), "nested inner l4");
	ASSERT_EQ(pkt_r16(b.data + ETH_HLEN + 2), 20 + 20 + 8 + 3, "nested outer tot_len");
	ASSERT_EQ(pkt_r16(b.data + l3 + 2), 20 + 8 + 3, "nested inner tot_len");
}

/* Put @addr (IPv4 or IPv6) in xdplb_decap_ip: the decapsulator takes tunnels to it. */
static int decap_ip_add(const char *addr)
{
	struct xdplb_decap_key key = { .family = XDPLB_AF_INET };
	__u32 one = 1;

	if (strchr(addr, ':')) {
		key.family = XDPLB_AF_INET6;
		inet_pton(AF_INET6, addr, key.addr);
	} else {
		key.addr[0] = ipv4_addr(addr);
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.xdplb_decap_ip), &key, &one, BPF_ANY)) {
		fprintf(stderr, "Failed to add %s to xdplb_decap_ip: %s\n", addr, strerror(errno));
		return -1;
	}
	return 0;
}

int main(void)
{
	size_t i;

	REQUIRE_ROOT();

	RUN_CASE("pkt.h: RFC 1071 example", pkt_selftest_rfc1071);
	RUN_CASE("pkt.h: IPv4 header checksum reference", pkt_selftest_ipv4_reference);
	RUN_CASE("pkt.h: TCP SYN computed by hand", pkt_selftest_tcp_by_hand);
	RUN_CASE("pkt.h: checksum verifiers", pkt_selftest_verifiers);

	if (sandbox_enter())
		return 1;
	skel = decap_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "Failed to open and load the decap skeleton: %s\n",
			strerror(errno));
		return 1;
	}
	if (decap_ip_add(HOST_ADDR) || decap_ip_add(HOST_ADDR6)) {
		decap_bpf__destroy(skel);
		return 1;
	}

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		RUN_CASE(cases[i].name, run_case, &cases[i]);

	decap_bpf__destroy(skel);
	return TEST_MAIN_END();
}
