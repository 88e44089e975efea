/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the entry of `xdplb daemon`: health checks run against the pinned maps,
 * backend states written back, the flow-table GC every second. */
#ifndef XDPLB_DAEMON_H
#define XDPLB_DAEMON_H

struct daemon_opts {
	const char *conf_path; /* `check set` lines applied at start and on SIGHUP; NULL = none */
	const char *pid_path;  /* its pid is written there, removed at a clean stop; NULL = none */
};

/* Runs until SIGTERM or SIGINT; 0 or -errno (prints its errors). */
int daemon_run(const struct daemon_opts *o);

#endif /* XDPLB_DAEMON_H */
