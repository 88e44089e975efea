/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the unit tests' isolation: a private network and mount namespace with
 * its own bpffs, so that a test never touches the host's interfaces or pinned maps. */
#ifndef XDPLB_SANDBOX_H
#define XDPLB_SANDBOX_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>

/* Run a shell command inside the sandbox; returns its exit status (or -1). */
static inline int sandbox_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "sandbox: '%s' failed (status %d)\n", cmd, rc);
	return rc;
}

/*
 * Enter fresh network and mount namespaces: bpffs mounted privately at /sys/fs/bpf (libbpf
 * pins LIBBPF_PIN_BY_NAME maps there by default), loopback up.  Everything created after
 * this vanishes when the process exits, also on a crash.
 */
static inline int sandbox_enter(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		fprintf(stderr, "sandbox: unshare: %s\n", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "sandbox: make / private: %s\n", strerror(errno));
		return -1;
	}
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		fprintf(stderr, "sandbox: mount bpffs: %s\n", strerror(errno));
		return -1;
	}
	return sandbox_sh("ip link set lo up");
}

#endif /* XDPLB_SANDBOX_H */
