// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Opening the pinned state for a CLI command. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include "common.h"
#include "state.h"

/* Is @dir, or the directory it would be created in, on a bpffs? */
static bool on_bpffs(const char *dir)
{
	char parent[PATH_MAX], *slash;
	struct statfs st;

	if (!statfs(dir, &st))
		return st.f_type == BPF_FS_MAGIC;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	return !statfs(parent, &st) && st.f_type == BPF_FS_MAGIC;
}

int state_open(struct lb *lb, bool lock)
{
	int err = lb_open(lb, pin_dir);

	if (err == -ENOENT && !on_bpffs(pin_dir)) {
		p_err("state in %s: no bpffs mounted there (mount -t bpf bpf DIR; the default is "
		      "/sys/fs/bpf)",
		      pin_dir);
		return err;
	}
	if (err == -ENOENT) {
		p_err("state in %s: not found (attach first: %s dev attach dev IFNAME)", pin_dir,
		      bin_name);
		return err;
	}
	if (err == -EPERM || err == -EACCES) {
		p_err("state in %s: %s (run as root)", pin_dir, strerror(-err));
		return err;
	}
	if (err) {
		p_err("state in %s: %s", pin_dir, strerror(-err));
		return err;
	}
	if (lock) {
		err = lb_lock(lb, pin_dir);
		if (err) {
			p_err("lock %s: %s", pin_dir, strerror(-err));
			lb_close(lb);
		}
	}
	return err;
}
