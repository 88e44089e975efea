/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains what the benchmark wrapper (bench.bpf.c) and its driver (bench.c) share. */
#ifndef XDPLB_BENCH_H
#define XDPLB_BENCH_H

/*
 * Every IPv4 benchmark frame has this length: a TCP segment without options or payload
 * (54 bytes) padded to the Ethernet minimum, as a NIC delivers it.  A constant lets the
 * wrapper restore the frame with a fixed run of 8-byte stores that the verifier checks once.
 */
#define BENCH_FRAME_LEN 60

/* Every IPv6 benchmark frame: Ethernet + IPv6 + TCP without options or payload (74 bytes);
 * UDP frames (62 bytes) are padded to it, so that one wrapper serves both. */
#define BENCH_FRAME6_LEN 74

/* The PROG_ARRAY slot the wrapper tail-calls: the program under test. */
#define BENCH_SLOT 0

/* First source address (host order) that the wrapper writes in "new source" mode: 11.0.0.0,
 * counting up by one per packet. */
#define BENCH_SRC_BASE 0x0b000000u

/* IPv6 "new source" mode: the wrapper writes the same counter (BENCH_SRC_BASE + n) into the
 * last 32 bits of the frame's source address; bench.c gives the new-flow frames a source
 * prefix of their own (BENCH_SRC6_PREFIX in bench.c) so that no client repeats. */

#endif /* XDPLB_BENCH_H */
