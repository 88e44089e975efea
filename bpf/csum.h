/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains Internet checksum helpers (RFC 1071). */
#ifndef XDPLB_CSUM_H
#define XDPLB_CSUM_H

#include "vmlinux.h"

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

#endif /* XDPLB_CSUM_H */
