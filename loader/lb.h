/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the balancer state API: VIPs, backends and tables, read from and written
 * to the (pinned) maps.  The CLI, the tests and the benchmarks all change state through it. */
#ifndef XDPLB_LB_H
#define XDPLB_LB_H

#include <stdbool.h>
#include <linux/types.h>
#include "xdplb_abi.h"

struct xdplb_bpf;
struct lb_index;

/* File descriptors of the balancer's maps, and their sizes. */
struct lb {
	int vips, reals, tables, flows, stats, vip_stats, real_stats, config;
	int nat, persist, conns, rr;
	int gc_prog; /* the flow-table GC program */
	__u32 max_vips, max_reals, max_flows;
	int lock_fd;	      /* flock()ed pin directory while a command changes state */
	struct lb_index *idx; /* lb.c's own: what it knows of the maps, batch state */
};

/* Open the maps pinned under @dir.  Returns 0, or -ENOENT when nothing is attached there. */
int lb_open(struct lb *lb, const char *dir);
/* Use the maps of a loaded skeleton (tests, benchmarks). */
int lb_from_skel(struct lb *lb, struct xdplb_bpf *skel);
void lb_close(struct lb *lb);
/* Serialise state changes between concurrent xdplb processes. */
int lb_lock(struct lb *lb, const char *dir);

int lb_config_get(struct lb *lb, struct xdplb_config *cfg);
int lb_config_set(struct lb *lb, const struct xdplb_config *cfg);

/* 0 and the record, or -ENOENT. */
int lb_vip_get(struct lb *lb, const struct xdplb_vip_key *key, struct xdplb_vip *vip);
/* -EEXIST when the VIP exists, -ENOSPC when max_vips are in use. */
int lb_vip_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params);
/* Change mode/scheduler/persistence of an existing VIP (id kept), rebuilding its table. */
int lb_vip_set(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params);
/* Removes the VIP, its backends and its table. */
int lb_vip_del(struct lb *lb, const struct xdplb_vip_key *key);

/* Iterate VIPs in a stable order (sorted by id).  Returns the count, fills at most max. */
struct lb_vip_entry {
	struct xdplb_vip_key key;
	struct xdplb_vip vip;
};
int lb_vip_list(struct lb *lb, struct lb_vip_entry *out, int max);

/* Backends of one VIP, sorted by id.  Returns the count (at most max) or -errno. */
struct lb_real_entry {
	__u32 id;
	struct xdplb_real real;
};
int lb_real_list(struct lb *lb, __u32 vip_id, struct lb_real_entry *out, int max);
/* Find the backend {addr, port} of a VIP: its id, or -ENOENT. */
int lb_real_find(struct lb *lb, __u32 vip_id, const __be32 addr[4], __u8 family, __be16 port);
int lb_real_add(struct lb *lb, const struct xdplb_vip_key *vkey, const struct xdplb_real *real);
int lb_real_set_weight(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4],
		       __u8 family, __be16 port, __u32 weight);
int lb_real_del(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4], __u8 family,
		__be16 port);

/* Rebuild a VIP's scheduler table from its backends and swap it in atomically. */
int lb_table_rebuild(struct lb *lb, const struct xdplb_vip *vip);

/*
 * Batches of changes.  Between lb_batch_begin() and lb_batch_end(), lb_real_add() and
 * lb_real_set_weight() write the backends at once but leave the VIP's table as it is;
 * lb_batch_end() builds the table of every VIP they touched, once.  Until then new backends
 * get no new flows and weights keep their old shares; everything else (removals, VIP
 * changes) takes effect at once, as outside a batch.  lb_batch_end() returns the first error
 * but builds every table it can.  Holding the lock (lb_lock()) is the caller's business.
 */
int lb_batch_begin(struct lb *lb);
int lb_batch_end(struct lb *lb);
/* Read the VIP's current table: returns its length L and fills up to max ids (slots 1..L). */
int lb_table_read(struct lb *lb, __u32 vip_id, __u32 *ids, __u32 max);

/* Run the flow-table GC with @now (coarse monotonic ns; 0 = the current time). */
int lb_gc(struct lb *lb, __u64 now, __u64 *scanned, __u64 *expired);
/* Forget every flow (of @vip_id, or all with 0), counting them out; *flushed = how many. */
int lb_flow_flush(struct lb *lb, __u32 vip_id, __u64 *flushed);
/* CLOCK_MONOTONIC_COARSE in ns: the data plane's clock for flow ages. */
__u64 lb_coarse_now_ns(void);
int lb_read_conns(struct lb *lb, __u32 real_id, struct xdplb_conns *out);
/* Settings written on a fresh attach: ring size and flow timeouts. */
void lb_config_defaults(struct xdplb_config *cfg);

/* Sum of per-CPU counters. */
int lb_read_counter(int map_fd, __u32 key, struct xdplb_counter *out);
int lb_read_traffic(int map_fd, __u32 key, struct xdplb_traffic *out);

#endif /* XDPLB_LB_H */
