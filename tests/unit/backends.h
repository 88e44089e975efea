/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the backends the table-builder tests (Maglev, schedulers) build on, and
 * how they count a table's entries per backend. */
#ifndef XDPLB_BACKENDS_H
#define XDPLB_BACKENDS_H

#include <arpa/inet.h>
#include <string.h>
#include "sched/maglev.h"

/* Backend i (1-based) is 10.0.2.0 + i, port 0, id i; weights cycle through @weights. */
static inline void make_backends(struct maglev_backend *b, int n, const __u32 *weights,
				 int nweights)
{
	__u32 addr[4] = {};

	for (int i = 0; i < n; i++) {
		addr[0] = htonl(0x0a000200u + i + 1);
		b[i].id = i + 1;
		b[i].weight = weights[i % nweights];
		b[i].key = maglev_backend_key(addr, htons(0));
	}
}

/*
 * Count the entries of each id in t[0..len-1] into counts[] (all @ncounts zeroed first);
 * returns the number holding an id outside 1..n.
 */
static inline unsigned int count_ids(const __u32 *t, __u32 len, int n, unsigned int *counts,
				     size_t ncounts)
{
	unsigned int bad = 0;

	memset(counts, 0, ncounts * sizeof(*counts));
	for (__u32 s = 0; s < len; s++) {
		if (t[s] >= 1 && t[s] <= (__u32)n)
			counts[t[s]]++;
		else
			bad++;
	}
	return bad;
}

#endif /* XDPLB_BACKENDS_H */
