/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file declares the builders of the per-VIP scheduler tables that the XDP program indexes. */
#ifndef XDPLB_SCHED_H
#define XDPLB_SCHED_H

#include <linux/types.h>
#include <stddef.h>

#include "sched/maglev.h"

/* Build the table of scheduler @sched (enum xdplb_sched) from the backends b[0..n-1] into
 * table[0..L-1] (the caller puts L into the slot XDPLB_TABLE_LEN_SLOT in front of it).  Backends
 * with weight 0 take no part.  The data plane only computes an index into the table:
 *
 *   mh, sh   maglev_build(b, n, table, ring), L = ring; the data plane indexes it with a hash
 *            of the 5-tuple (mh) or of the client address (sh).
 *   rr       the ids of the backends with weight > 0 in (key, id) order, L = their number;
 *            the data plane picks table[counter++ % L].
 *   wrr      a smooth weighted round-robin sequence of length L = sum of the weights divided by
 *            their gcd: over any L consecutive picks (cyclically) each backend appears exactly
 *            its reduced weight times, spread out rather than in bursts.  If that sum exceeds
 *            @ring, the weights are scaled down proportionally (each at least 1) so that L <=
 *            ring; shares are then approximate (see sched.c).
 *   lc, wlc  the ids of the backends with weight > 0 in (key, id) order, L = their number;
 *            the data plane scans them for the least (weighted) connections.
 *
 * @ring is the Maglev table size, a prime no larger than XDPLB_MAX_RING_SIZE, and @table has
 * room for @ring entries; entries L..ring-1 are set to 0.  The result depends only on the set
 * of backends, not on the order of the array.
 *
 * Returns L (0 if no backend has weight > 0) or -EINVAL (unknown @sched, @ring not prime or too
 * large, a weight above XDPLB_MAX_WEIGHT, id 0 on a backend with weight > 0, more backends with
 * weight > 0 than fit (ring - 1 for mh/sh, ring for the others), NULL pointers) or -ENOMEM; on
 * error the table is left untouched.
 */
int sched_build(int sched, const struct maglev_backend *b, size_t n, __u32 ring, __u32 *table);

#endif /* XDPLB_SCHED_H */
