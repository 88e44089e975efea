/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the balancer's configuration as a value in memory: global settings,
 * VIPs with their options and backends.  It is read from the maps (conf_load), changed and
 * checked line by line by batch files before anything is written, printed by save, and
 * written back into the maps by conf_sync (a batch's rollback). */
#ifndef XDPLB_CONF_H
#define XDPLB_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "lib/lb.h"

struct conf_real {
	/* addr, port (0 = the VIP's), family, weight, flags are configuration; state, since,
	 * gen, vip_id are the data plane's and not compared */
	struct xdplb_real r;
	__u32 id;  /* backend id in the maps; 0 = not there yet */
	int line;  /* batch line that added it; 0 = it was in the maps */
	bool gone; /* deleted (the slot stays for the index) */
};

struct conf_vip {
	struct xdplb_vip_key key;
	struct xdplb_vip vip; /* vip.id: 0 = not in the maps yet */
	struct conf_real *reals;
	int nreals, cap; /* entries, deleted ones included */
	int live;	 /* backends not deleted */
	int line;	 /* batch line that added it; 0 = it was in the maps */
	bool gone;
	bool mark; /* the caller's own (import: its mode is fixed by a real server) */
};

struct conf {
	struct xdplb_config cfg;
	struct conf_vip *vips;
	int nvips, cap; /* entries, deleted ones included */
	int live;	/* VIPs not deleted */
	__u32 reals_live;
	/* Limits, as counts: VIPs, backends (all VIPs), backends of one VIP. */
	__u32 max_vips, max_reals, max_reals_per_vip;
	/* Open-addressing indexes: VIP key -> vips[], {VIP, backend} -> (vip << 32 | real). */
	__u32 *vidx, vidx_size;
	__u64 *ridx;
	__u32 ridx_size, ridx_used;
};

/* An empty configuration with @lb's limits and current global settings. */
int conf_init(struct conf *c, struct lb *lb);
/* The same without a balancer (tests, fuzzers): settings @cfg (its ring_size sets the backends
 * a VIP may have), limits as the maps' sizes (@max_vips, @max_reals: ids 1..max-1). */
int conf_init_empty(struct conf *c, const struct xdplb_config *cfg, __u32 max_vips,
		    __u32 max_reals);
/* The configuration in @lb's maps. */
int conf_load(struct conf *c, struct lb *lb);
void conf_free(struct conf *c);
int conf_copy(struct conf *dst, const struct conf *src);

/* Live VIP / backend lookups; NULL when absent (or deleted). */
struct conf_vip *conf_vip_find(struct conf *c, const struct xdplb_vip_key *key);
struct conf_real *conf_real_find(struct conf *c, struct conf_vip *v, const __be32 addr[4],
				 __u8 family, __be16 port);
/* Add (or revive) an entry; the caller has checked for duplicates and limits. */
struct conf_vip *conf_vip_add(struct conf *c, const struct xdplb_vip_key *key,
			      const struct xdplb_vip *vip, int line);
int conf_vip_del(struct conf *c, struct conf_vip *v);
struct conf_real *conf_real_add(struct conf *c, struct conf_vip *v, const struct xdplb_real *r,
				int line);
void conf_real_del(struct conf *c, struct conf_vip *v, struct conf_real *r);

/* Sort VIPs (family, address, port, protocol) and each VIP's backends (family, address,
 * port): the canonical order of save.  Invalidates pointers into @c. */
void conf_sort(struct conf *c);

/* The flags of xdplb_config that are settings (config set); the library keeps the others
 * (lib/config.c). */
#define CONF_SETTING_FLAGS (XDPLB_CFG_F_ECHO | XDPLB_CFG_F_NO_FLOWCACHE)
/* Copy the settings (tunnel sources, flow timeouts, mtu, echo, flowcache, announce) of @src
 * into @dst, leaving what the library keeps (flags of the VIPs, drained, counters, ring size)
 * alone. */
void conf_settings_copy(struct xdplb_config *dst, const struct xdplb_config *src);

/* Make the maps hold @target: VIPs, options, backends and global settings are deleted,
 * added or changed where they differ; what is equal is left alone (ids, counters, flows).
 * Goes on after a failure and returns the first error. */
int conf_sync(struct lb *lb, const struct conf *target);

/*
 * The rules a VIP's settings and a backend must meet together, beyond port mapping (callers
 * check that themselves): an IPv6 VIP takes no IPv4 backend; an IPv4 VIP takes IPv6 backends
 * in tun mode only (IPv4-in-IPv6), dr and nat need the VIP's family; an l3hash NAT VIP's
 * backends keep the VIP's port.  NULL when @r may belong to @key, @vip; else why not, in
 * @buf.
 */
const char *conf_real_refusal(const struct xdplb_vip_key *key, const struct xdplb_vip *vip,
			      const struct xdplb_real *r, char *buf, size_t len);
/* Would an IPv6 backend in tun mode have no tunnel source (config tun_src6 unset)? */
bool conf_no_tunsrc6(const struct xdplb_config *cfg, const struct xdplb_vip *vip,
		     const struct xdplb_real *r);

/* Are two backend records the same configuration? */
bool conf_real_same(const struct xdplb_real *a, const struct xdplb_real *b);
/* Are two VIP records the same configuration? */
bool conf_vip_same(const struct xdplb_vip *a, const struct xdplb_vip *b);

/* A digest of VIP @v's configuration that balancers with the same configuration compute
 * alike, whatever order of commands built it: its key, options (not its id) and the ring
 * size @ring, and its backends (address, port, weight, sorry) in address order; not health
 * states.  0 only when memory ran out. */
__u64 conf_vip_digest(const struct conf_vip *v, __u32 ring);

/* The traffic counters of @c's VIPs (indexed like c->vips[]) and backends (by backend id),
 * read at one time: 0 or -errno.  The arrays are allocated by the first read; free them with
 * conf_traffic_free(). */
struct conf_traffic {
	struct xdplb_traffic *vip, *real;
};
int conf_traffic_read(struct lb *lb, const struct conf *c, struct conf_traffic *t);
void conf_traffic_free(struct conf_traffic *t);

#endif /* XDPLB_CONF_H */
