// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The veth benchmark's XDP programs (driven by trafficgen.c):
 *
 * gen_tx     the traffic source, run with BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES: each
 *            repetition writes a whole frame from the template, with the next flow's source
 *            address and port and both checksums updated for them, and returns XDP_TX, which
 *            live-frames mode turns into a transmit on the ingress interface.  Frames come
 *            from a page pool and are recycled after the receiver is done with them, so a
 *            frame holds whatever the last hop (a balancer encapsulating, NAT rewriting) left
 *            in it: hence the complete rewrite, never an update in place.
 * gen_count  on each backend's interface: counts the frames and drops them; in verify mode it
 *            first checks addresses and every checksum (struct gen_count_cfg).
 * gen_fwd    the trivial forwarder, the limit: picks a backend from a hash of the source
 *            address and port, writes the MACs and redirects, nothing else.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "trafficgen.h"

_Static_assert(GEN_TCP_FRAME_LEN == 60 && GEN_UDP_FRAME_LEN == 62, "the copy in gen_tx()");

struct gen_cfg gen_cfg;
/* next packet; a plain increment: each source (CPU) of trafficgen.c loads a copy of its own */
__u64 gen_seq;

struct gen_count_cfg count_cfg;
/* verify mode: the first frame that failed a check, for the error message */
__u8 bad_frame[GEN_FRAME_MAX];
__u32 bad_len;
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_counts);
} gen_counts SEC(".maps");

struct gen_fwd_port fwd_ports[GEN_MAX_OUT];
__u32 fwd_n;

/* Fold a 32-bit ones'-complement sum to 16 bits. */
static __always_inline __u16 fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* A checksum computed over zeros at the place of @w32 and @w16, updated for their real
 * values (RFC 1624, eqn. 3 with m = 0: HC' = ~(~HC + m')).  All in network-order words. */
static __always_inline __u16 csum_fill(__u16 check, __be32 w32, __be16 w16)
{
	__u32 s = (__u16)~check;

	s += (w32 & 0xffff) + (w32 >> 16) + w16;
	return ~fold(s);
}

SEC("xdp")
int gen_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *w = data;
	struct iphdr *iph = data + ETH_HLEN;
	__u32 f = gen_seq++, a;
	__be32 saddr;
	__be16 sport;

	/* 60 or 62 bytes: 7 words, 4 bytes, maybe 2 more */
	if (data + GEN_TCP_FRAME_LEN > data_end)
		return XDP_ABORTED;
	for (int i = 0; i < 7; i++)
		w[i] = gen_cfg.frame[i];
	__builtin_memcpy(data + 56, (void *)gen_cfg.frame + 56, 4);
	if (data + GEN_UDP_FRAME_LEN <= data_end)
		__builtin_memcpy(data + 60, (void *)gen_cfg.frame + 60, 2);
	if (gen_cfg.flows)
		f %= gen_cfg.flows;
	f += gen_cfg.flow_base;
	a = gen_cfg.src_base + ((f >> 23) << 8 | (f & 0xff));
	saddr = bpf_htonl(a);
	sport = bpf_htons(GEN_SPORT_BASE + ((f >> 8) & 0x7fff));

	if ((void *)(iph + 1) > data_end)
		return XDP_ABORTED;
	iph->saddr = saddr;
	iph->check = csum_fill(iph->check, saddr, 0);
	if (gen_cfg.proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(iph + 1);

		if ((void *)(th + 1) > data_end)
			return XDP_ABORTED;
		th->source = sport;
		th->check = csum_fill(th->check, saddr, sport); /* pseudo-header + port */
	} else {
		struct udphdr *uh = (void *)(iph + 1);

		if ((void *)(uh + 1) > data_end)
			return XDP_ABORTED;
		uh->source = sport;
		uh->check = csum_fill(uh->check, saddr, sport);
		if (!uh->check)
			uh->check = 0xffff; /* 0 means "no checksum" (RFC 768) */
	}
	return XDP_TX;
}

/* Ones'-complement sum of the pseudo-header and @len bytes of the L4 segment at @l4 (a
 * multiple of 4, constant); 0xffff when the checksum in it is right. */
static __always_inline __u16 l4_sum(struct iphdr *iph, void *l4, __u32 len)
{
	__u32 s = (iph->saddr & 0xffff) + (iph->saddr >> 16) + (iph->daddr & 0xffff) +
		  (iph->daddr >> 16) + bpf_htons(iph->protocol) + bpf_htons(len);

	return fold(bpf_csum_diff(NULL, 0, l4, len, s));
}

/* The IPv4 header at @iph (no options) has a right checksum. */
static __always_inline bool ip_ok(struct iphdr *iph)
{
	return iph->version == 4 && iph->ihl == 5 &&
	       fold(bpf_csum_diff(NULL, 0, (void *)iph, sizeof(*iph), 0)) == 0xffff;
}

/* An IPv4 packet to @daddr:@dport from the generator, every checksum right. */
static __always_inline bool l4_ok(struct iphdr *iph, void *data_end, __be32 daddr, __be16 dport)
{
	if ((void *)(iph + 1) > data_end || !ip_ok(iph) || iph->daddr != daddr)
		return false;
	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(iph + 1);

		if ((void *)th + 20 > data_end || bpf_ntohs(iph->tot_len) != 40)
			return false;
		return th->dest == dport && l4_sum(iph, th, 20) == 0xffff;
	}
	if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)(iph + 1);
		__u32 ulen = 8 + GEN_UDP_PAYLOAD;

		if ((void *)uh + ulen > data_end || bpf_ntohs(uh->len) != ulen)
			return false;
		return uh->dest == dport && uh->check && l4_sum(iph, uh, ulen) == 0xffff;
	}
	return false;
}

/* The IPv4 frame @eth (IPv4 header @iph) is the one expected (struct gen_count_cfg). */
static __always_inline bool frame_ok(struct ethhdr *eth, struct iphdr *iph, void *data_end)
{
	for (int i = 0; i < ETH_ALEN; i++)
		if (eth->h_dest[i] != count_cfg.mac[i])
			return false;
	switch (count_cfg.expect) {
	case GEN_EXPECT_VIP:
		return l4_ok(iph, data_end, count_cfg.vip, count_cfg.vport);
	case GEN_EXPECT_REAL:
		return l4_ok(iph, data_end, count_cfg.addr, count_cfg.vport);
	case GEN_EXPECT_IPIP:
		return ip_ok(iph) && iph->protocol == IPPROTO_IPIP &&
		       iph->daddr == count_cfg.addr &&
		       l4_ok(iph + 1, data_end, count_cfg.vip, count_cfg.vport);
	}
	return false;
}

/* Does the IPv4 packet @iph come from the source (from its /15, maybe inside IPIP)? */
static __always_inline bool from_source(struct iphdr *iph, void *data_end)
{
	if (iph->protocol == IPPROTO_IPIP) {
		iph++;
		if ((void *)(iph + 1) > data_end)
			return false;
	}
	return (bpf_ntohl(iph->saddr) & GEN_SRC_MASK) == GEN_SRC_BASE;
}

/*
 * Verify mode: check the frame in @ctx.  One that fails the checks counts as bad when it
 * carries a packet of the source, else as foreign: something else on the link, not a balancer
 * fault.  The first one is kept for the error message.
 */
static __always_inline void verify(struct xdp_md *ctx, struct gen_counts *c)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + ETH_HLEN;
	bool ipv4 = (void *)(iph + 1) <= data_end && eth->h_proto == bpf_htons(ETH_P_IP);

	if (ipv4 && frame_ok(eth, iph, data_end))
		return;
	if (ipv4 && from_source(iph, data_end))
		c->bad++;
	else
		c->foreign++;
	if (!bad_len) {
		bad_len = data_end - data;
		if (data + GEN_FRAME_MAX <= data_end)
			__builtin_memcpy(bad_frame, data, GEN_FRAME_MAX);
		else if (data + 42 <= data_end) /* Ethernet + IPv4 + 8 bytes */
			__builtin_memcpy(bad_frame, data, 42);
	}
}

SEC("xdp")
int gen_count(struct xdp_md *ctx)
{
	struct gen_counts *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&gen_counts, &zero);
	if (!c)
		return XDP_DROP;
	c->packets++;
	c->bytes += ctx->data_end - ctx->data;
	if (count_cfg.verify)
		verify(ctx, c);
	return XDP_DROP;
}

SEC("xdp")
int gen_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + ETH_HLEN;
	struct gen_fwd_port *out;
	__u32 h, n = fwd_n;
	__be16 *ports;

	ports = (void *)(iph + 1);
	if ((void *)(ports + 1) > data_end || !n || n > GEN_MAX_OUT)
		return XDP_DROP;
	h = iph->saddr ^ ((__u32)*ports << 16);
	h ^= h >> 16;
	h ^= h >> 8;
	h = (h & 0xff) % n;
	asm volatile("" : "+r"(h)); /* keep the bound check: the verifier cannot see h < n */
	if (h >= GEN_MAX_OUT)
		return XDP_DROP;
	out = &fwd_ports[h];
	__builtin_memcpy(eth->h_dest, out->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, out->smac, ETH_ALEN);
	return bpf_redirect(out->ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
