// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Opening the pinned state for a CLI command. */
#include <errno.h>
#include <string.h>
#include "common.h"
#include "state.h"

int state_open(struct lb *lb, bool lock)
{
	int err = lb_open(lb, pin_dir);

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
