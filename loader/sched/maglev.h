/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file declares the weighted Maglev lookup-table builder used for the MH scheduler. */
#ifndef XDPLB_MAGLEV_H
#define XDPLB_MAGLEV_H

#include <linux/types.h>
#include <stddef.h>

struct maglev_backend {
	__u32 id;     /* value written into the table (backend id, never 0) */
	__u32 weight; /* 0 = takes no slots (drain); up to XDPLB_MAX_WEIGHT (65535) */
	__u64 key;    /* stable identity of the backend, from maglev_backend_key() */
};

/* 64-bit identity of a backend from its address (16 bytes, network order; IPv4 in addr[0], the
 * rest 0) and port (network order).  It depends only on those bytes, not on host byte order or
 * local ids, so several balancers with the same backends compute the same table.
 */
__u64 maglev_backend_key(const __u32 addr[4], __u16 port);

/* Fill table[0..m-1] with backend ids by the population algorithm of the Maglev paper
 * (Eisenbud et al., NSDI 2016), extended with weights: each backend's slot count is
 * proportional to its weight (within about one slot).  Backends with weight 0 get no slots and
 * do not influence the table at all.  If no backend has weight > 0 the table is filled with 0.
 *
 * Returns 0, -EINVAL (m not prime, m <= number of backends with weight > 0, a weight above
 * 65535, id 0 on a backend with weight > 0, or NULL pointers) or -ENOMEM; on error the table
 * is left untouched.  Deterministic: the same set of backends gives the same table whatever
 * the order of the array.
 */
int maglev_build(const struct maglev_backend *b, size_t n, __u32 *table, __u32 m);

/* 1 if m is prime, else 0. */
int maglev_is_prime(__u32 m);

#endif /* XDPLB_MAGLEV_H */
