/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the backends the table-builder tests (Maglev, schedulers) build on. */
#ifndef XDPLB_BACKENDS_H
#define XDPLB_BACKENDS_H

#include <arpa/inet.h>
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

#endif /* XDPLB_BACKENDS_H */
