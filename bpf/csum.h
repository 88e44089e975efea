/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains Internet checksum helpers (RFC 1071). */
#ifndef XDPLB_CSUM_H
#define XDPLB_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Incremental update of a checksum field when 16-bit words of the data it covers change
 * (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).  Words are taken as they lie in memory:
 * one's complement sums do not depend on byte order.  XDP has no csum_replace helper
 * (bpf_l3/l4_csum_replace are for skbs), so this is done here.
 */
static __always_inline __u32 csum_sub_add(__u32 sum, __u32 from, __u32 to)
{
	sum += (__u16) ~(from & 0xffff) + (__u16) ~(from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	return sum;
}

/* A 4-byte field changed from @from to @to (address). */
static __always_inline void csum_replace4(__u16 *check, __be32 from, __be32 to)
{
	*check = csum_fold(csum_sub_add((__u16) ~*check, from, to));
}

/* A 2-byte field changed. */
static __always_inline void csum_replace2(__u16 *check, __u16 from, __u16 to)
{
	*check = csum_fold((__u16) ~*check + (__u16)~from + to);
}

/* A 4-byte and a 2-byte field changed (address and port, for TCP/UDP checksums). */
static __always_inline void csum_replace4_2(__u16 *check, __be32 from, __be32 to, __be16 pfrom,
					    __be16 pto)
{
	__u32 sum = csum_sub_add((__u16) ~*check, from, to);

	sum += (__u16)~pfrom + pto;
	*check = csum_fold(sum);
}

/* Longest span xdplb_csum_span_ok() sums: more than any linear XDP frame holds. */
#define CSUM_SPAN_MAX (16 * 512 + 511)

/* The frame at @off, and its end, read from ctx at each use: holding them across the helper
 * calls would take a stack slot (see xdplb_csum_span_ok()). */
#define CSUM_SPAN_AT(off) ((__u8 *)(long)ctx->data + ((off)&0x3fff))
#define CSUM_SPAN_END	  ((void *)(long)ctx->data_end)

/* One step of xdplb_csum_span_ok(): the @n bytes at @off (n a power of two, 4..256) when
 * @len has that bit. */
#define CSUM_SPAN_STEP(n)                                                                          \
	do {                                                                                       \
		if (len & (n)) {                                                                   \
			ptr = CSUM_SPAN_AT(off);                                                   \
			if ((void *)(ptr + (n)) > CSUM_SPAN_END)                                   \
				return 0;                                                          \
			s = bpf_csum_diff(NULL, 0, (void *)ptr, (n), s);                           \
			off += (n);                                                                \
		}                                                                                  \
	} while (0)

/*
 * xdplb_csum_span_ok() - does a checksum verify?  The one's complement sum of the @len bytes
 * at @off in the frame (checksum field included) and @seed (a pseudo-header's sum, as
 * bpf_csum_diff() returns one) must be all ones (RFC 1071).  Summed in 512-byte chunks
 * (bpf_csum_diff()'s most) and the rest by halves; a last odd byte is the high byte of a
 * word padded with zero.  Only the answer paths call it: its cost is the packet's length.
 *
 * A global function: the verifier checks it once, not on every path that reaches it (inlined,
 * its steps multiplied the ingress program's paths past the verifier's limit).  It uses no
 * stack (ctx, the offset, the length and the result are what lives across a helper call:
 * callee-saved registers are four).
 *
 * Returns: 1 when it verifies; 0 when it does not, or the span is not all in the frame, or
 * is longer than CSUM_SPAN_MAX.
 */
__noinline int xdplb_csum_span_ok(struct xdp_md *ctx, __u32 off, __u32 len, __u32 seed)
{
	__u32 s = seed;
	__u8 *ptr;

	if (len > CSUM_SPAN_MAX)
		return 0;
	while (len >= 512) {
		ptr = CSUM_SPAN_AT(off);
		if ((void *)(ptr + 512) > CSUM_SPAN_END)
			return 0;
		s = bpf_csum_diff(NULL, 0, (void *)ptr, 512, s);
		off += 512;
		len -= 512;
	}
	CSUM_SPAN_STEP(256);
	CSUM_SPAN_STEP(128);
	CSUM_SPAN_STEP(64);
	CSUM_SPAN_STEP(32);
	CSUM_SPAN_STEP(16);
	CSUM_SPAN_STEP(8);
	CSUM_SPAN_STEP(4);
	s = (s & 0xffff) + (s >> 16);
	if (len & 2) {
		ptr = CSUM_SPAN_AT(off);
		if ((void *)(ptr + 2) > CSUM_SPAN_END)
			return 0;
		s += *(__u16 *)ptr;
		off += 2;
	}
	if (len & 1) {
		ptr = CSUM_SPAN_AT(off);
		if ((void *)(ptr + 1) > CSUM_SPAN_END)
			return 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		s += *ptr;
#else
		s += (__u32)*ptr << 8;
#endif
	}
	return csum_fold(s) == 0;
}

#endif /* XDPLB_CSUM_H */
