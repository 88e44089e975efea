/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the entry of `xdplb daemon`: health checks run against the pinned maps,
 * backend states written back, the flow-table GC every second. */
#ifndef XDPLB_DAEMON_H
#define XDPLB_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include "xdplb_abi.h"

struct daemon_opts {
	const char *conf_path; /* `check set` lines applied at start and on SIGHUP; NULL = none */
	const char *pid_path;  /* its pid is written there, removed at a clean stop; NULL = none */
	const char *metrics;   /* metrics listen address (daemon/http.h); NULL = off */
};

/* Runs until SIGTERM or SIGINT; 0 or -errno (prints its errors). */
int daemon_run(const struct daemon_opts *o);

/* conffile.c: the config file's checks, resolved to ids. */
struct lb;
struct conf_entry {
	__u32 vip_id, real_id;
	struct xdplb_check check;
	int line;
};
/* Read and resolve the whole file: 0 and the checks (*@out, to free), or -errno with the
 * error printed (file, line, text).  @reload: a file with no check line and no comment is
 * refused (an empty or truncated file must not remove every check). */
int conffile_load(struct lb *lb, const char *path, bool reload, struct conf_entry **out,
		  size_t *nout);
bool conffile_has(const struct conf_entry *c, size_t n, __u32 vip_id, __u32 real_id);

#endif /* XDPLB_DAEMON_H */
