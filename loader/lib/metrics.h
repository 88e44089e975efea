/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains the builder of the Prometheus text exposition (version 0.0.4) of a
 * balancer: what `xdplb metrics` prints and `xdplb daemon ... metrics ADDR:PORT` serves.
 * Everything comes through lb.h and conf.h, at a bounded cost: the configuration (two batch
 * reads), the global counters, and per VIP one read, per backend two; never the flow table.
 * The daemon adds its own families (health checks, GC) through a callback.
 */
#ifndef XDPLB_METRICS_H
#define XDPLB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/conf.h"

/* A growing text buffer; a failed allocation sets .oom and stops further writes. */
struct metrics_buf {
	char *p;
	size_t len, cap;
	bool oom;
};
__attribute__((format(printf, 2, 3))) void mb_printf(struct metrics_buf *b, const char *fmt, ...);
/* A family's # HELP and # TYPE lines (@type: counter, gauge, histogram). */
void metrics_family(struct metrics_buf *b, const char *name, const char *type, const char *help);

/* What one scrape read from the maps: the configuration (VIPs in address order, their
 * backends in address order), their counters and connection counts, and their labels. */
struct metrics_snap {
	struct conf c;
	struct conf_traffic t;
	struct xdplb_conns *conns; /* by backend id */
	__u64 now_ns;		   /* CLOCK_MONOTONIC when it was read (lb_mono_ns()) */
	char **vlab;		   /* by VIP index: proto="tcp",vip="ADDR:PORT" */
	char ***rlab;		   /* by VIP and backend index: the VIP's, backend="ADDR:PORT" */
};
/* The labels of VIP @vi of the snapshot and of backend @ri of it. */
static inline const char *metrics_vip_labels(const struct metrics_snap *s, int vi)
{
	return s->vlab[vi];
}
static inline const char *metrics_backend_labels(const struct metrics_snap *s, int vi, int ri)
{
	return s->rlab[vi][ri];
}

/* More families after the maps' own (the daemon's). */
typedef void (*metrics_extra_fn)(struct metrics_buf *b, const struct metrics_snap *s, void *arg);

/* The whole exposition into *@out (malloc()ed, NUL-terminated, *@len bytes): 0 or -errno. */
int metrics_build(struct lb *lb, metrics_extra_fn extra, void *arg, char **out, size_t *len);

#endif /* XDPLB_METRICS_H */
