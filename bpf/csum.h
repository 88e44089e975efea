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
 * Checksum of a 20-byte IPv4 header that this program built itself (no options).  Ten
 * 16-bit loads unrolled: cheaper than a bpf_csum_diff() helper call for a fixed size, and
 * the header is fully under our control.  iph->check must be 0 on entry.
 */
static __always_inline __u16 ipv4_hdr_csum(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	return csum_fold(sum);
}

#endif /* XDPLB_CSUM_H */
