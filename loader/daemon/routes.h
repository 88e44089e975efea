/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the daemon's host routes of announced VIP addresses (routes.c), and the
 * announcer that decides them (announce.c). */
#ifndef XDPLB_ROUTES_H
#define XDPLB_ROUTES_H

#include <stdbool.h>
#include <linux/types.h>
#include "xdplb_abi.h"

struct lb;

/* An announced address: 16 bytes, network order (IPv4 in addr[0]); XDPLB_AF_*. */
struct route_addr {
	__be32 addr[4];
	__u8 family;
};

struct routes;

/* A netlink socket for the routes: 0 or -errno. */
int routes_open(struct routes **r);
void routes_close(struct routes *r);
/* Put (@add) or take away the host route of @a in @table with protocol @proto: 0 or -errno
 * (taking away one that is not there is 0). */
int routes_set(struct routes *r, const struct route_addr *a, __u32 table, __u32 proto, bool add);
/* The host routes of @table with @proto now in the kernel: the count, the first @max in
 * @out; or -errno. */
int routes_list(struct routes *r, __u32 table, __u32 proto, struct route_addr *out, int max);

/* ---- announce.c ---- */

struct announcer;

/* Log lines go through @log (the daemon's, with time stamps). */
typedef void (*announce_log_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int announcer_new(struct announcer **a, announce_log_fn log);
/* Bring the routes in line with the maps: the table and protocol of xdplb_config, the node's
 * state (@attached: xdplb runs on some interface; drained: XDPLB_CFG_F_DRAINED) and each
 * VIP's quorum.  @reassert: put every wanted route again (repairs routes someone deleted).
 * 0 or -errno (logged). */
int announcer_sync(struct announcer *a, struct lb *lb, bool attached, bool reassert);
/* Withdraw every route announced (a clean stop). */
void announcer_withdraw_all(struct announcer *a);
void announcer_free(struct announcer *a);

#endif /* XDPLB_ROUTES_H */
