// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark harness programs: the wrapper that BPF_PROG_TEST_RUN repeats, and the floor.
 *
 * Repetitions of one test run share one packet buffer and the kernel does not reset the data
 * pointers between them, while the balancer grows the head by 20 bytes (IPIP) or 40 (IPv6-in-IPv6).
 * So the wrapper first puts the original frame back, then tail-calls the program under test in
 * bench_progs[BENCH_SLOT]: xdplb_xdp_ingress, or bench_swap_mac for the floor.  bench_wrap
 * handles the IPv4 frames, bench_wrap6 the IPv6 ones (a longer frame).  The frame and
 * the settings are globals (.bss) that bench.c writes through the skeleton before each run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "bench.h"

_Static_assert(BENCH_FRAME_LEN % 8 == 4, "the IPv4 copy is N x 8 + 4 bytes");
_Static_assert(BENCH_FRAME6_LEN % 8 == 2, "the IPv6 copy is N x 8 + 2 bytes");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_progs SEC(".maps");

/* The frame as bench.c built it: bench_frame for bench_wrap (IPv4), bench_frame6 for
 * bench_wrap6 (IPv6). */
__u64 bench_frame[(BENCH_FRAME_LEN + 7) / 8];
__u64 bench_frame6[(BENCH_FRAME6_LEN + 7) / 8];
/* 1: write a new source address into every repetition. */
__u32 bench_new_src;
/* Next source address - BENCH_SRC_BASE.  Plain increment: bench.c runs on one CPU. */
__u32 bench_src_seq;

/*
 * Put the @len-byte frame @frame back at the start of the packet, with 8-byte stores (x86,
 * like most JIT targets, allows unaligned packet access) and a 4- or 2-byte tail; *@pkt = the
 * packet's start.  Returns 0, or -1 when the packet cannot hold the frame.
 *
 * data_end never moves, so the surplus over the original length is what the previous
 * repetition pushed in front (20 or 40 bytes after an encap, else 0).  Adjusted by 0 as well,
 * so that the wrapper costs the same whatever the program under test did.
 */
static __always_inline int restore(struct xdp_md *ctx, const __u64 *frame, const int len,
				   void **pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *w;

	if (bpf_xdp_adjust_head(ctx, (int)(data_end - data) - len))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	w = data;
	if ((void *)w + len > data_end)
		return -1;
#pragma clang loop unroll(full)
	for (int i = 0; i < len / 8; i++)
		w[i] = frame[i];
	if (len % 8 == 4)
		*(__u32 *)&w[len / 8] = *(__u32 *)&frame[len / 8];
	else
		*(__u16 *)&w[len / 8] = *(__u16 *)&frame[len / 8];
	*pkt = data;
	return 0;
}

SEC("xdp")
int bench_wrap(struct xdp_md *ctx)
{
	struct iphdr *iph;
	void *data;

	if (restore(ctx, bench_frame, BENCH_FRAME_LEN, &data))
		return XDP_ABORTED;
	if (bench_new_src) {
		/* the balancer checks neither the IPv4 nor the TCP checksum: no fix-up */
		iph = data + ETH_HLEN;
		iph->saddr = bpf_htonl(BENCH_SRC_BASE + bench_src_seq++);
	}
	bpf_tail_call(ctx, &bench_progs, BENCH_SLOT);
	return XDP_ABORTED; /* empty slot */
}

/* The same for the IPv6 frames (BENCH_FRAME6_LEN); a new source is written into the last 32
 * bits of the source address. */
SEC("xdp")
int bench_wrap6(struct xdp_md *ctx)
{
	struct ipv6hdr *ip6h;
	void *data;

	if (restore(ctx, bench_frame6, BENCH_FRAME6_LEN, &data))
		return XDP_ABORTED;
	if (bench_new_src) {
		/* the balancer verifies no TCP checksum (NAT66 updates it incrementally, right or
		 * wrong): no fix-up */
		ip6h = data + ETH_HLEN;
		ip6h->saddr.in6_u.u6_addr32[3] = bpf_htonl(BENCH_SRC_BASE + bench_src_seq++);
	}
	bpf_tail_call(ctx, &bench_progs, BENCH_SLOT);
	return XDP_ABORTED; /* empty slot */
}

/* The floor: the least an XDP forwarder does (cf. xdp-bench tx's swap_macs). */
SEC("xdp")
int bench_swap_mac(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
