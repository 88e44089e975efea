// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Opening the pinned state for a CLI command. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include "util/common.h"
#include "cli/cli.h"
#include "lib/conf.h"

/* Why nothing is pinned at @dir: its parent does not exist, or is not a bpffs; NULL when the
 * bpffs is there (nothing was attached). */
static const char *why_absent(const char *dir, char *buf, size_t len)
{
	char parent[PATH_MAX], *slash;
	struct statfs st;

	if (!statfs(dir, &st) && st.f_type == BPF_FS_MAGIC)
		return NULL;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (statfs(parent, &st))
		snprintf(buf, len, "%s does not exist", parent);
	else if (st.f_type != BPF_FS_MAGIC)
		snprintf(buf, len,
			 "%s is not a bpffs (mount -t bpf -o mode=0700 bpf DIR; the default is "
			 "/sys/fs/bpf)",
			 parent);
	else
		return NULL;
	return buf;
}

int state_open(struct lb *lb, bool lock)
{
	int err = lb_open(lb, pin_dir);
	char why[PATH_MAX + 128];
	struct xdplb_config cfg;
	__u32 layout = 0;

	if (err == -ENOENT && why_absent(pin_dir, why, sizeof(why))) {
		p_err("state in %s: %s", pin_dir, why);
		return err;
	}
	if (err == -ENOENT) {
		p_err("state in %s: not found (attach first: %s dev attach dev IFNAME)", pin_dir,
		      bin_name);
		return err;
	}
	if (err == -EPROTO) {
		lb_pin_layout(pin_dir, &layout);
		p_err("%s", lb_layout_hint(pin_dir, layout, why, sizeof(why)));
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
		/* nothing goes to a pipe while the lock is held (written when main() returns) */
		msg_hold(true);
		err = lb_lock(lb, pin_dir);
	} else if (!lb_config_get(lb, &cfg) && cfg.journal) {
		/* a change being applied, or left half-way by a process that died: the latter is
		 * rolled back before anything is read (the former holds the lock) */
		err = lb_trylock(lb, pin_dir);
		lb_unlock(lb);
		err = err == -EAGAIN ? 0 : err;
	}
	if (err) {
		p_err("lock %s: %s", pin_dir, strerror(-err));
		lb_close(lb);
	} else if (lb->rolled_back || lb->rb_err) {
		say_rolled_back(lb);
	}
	return err;
}

void say_rolled_back(const struct lb *lb)
{
	char when[64] = "?";
	time_t t = lb->rb_started;
	struct tm tm;

	if (lb->rb_err) {
		p_warn(
		    "a configuration change did not complete (its process died), and its journal "
		    "is unreadable: the configuration may be partly changed, compare '%s save' "
		    "with what you expect",
		    bin_name);
		return;
	}
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	p_warn("a configuration change begun by process %d at %s did not complete (the "
	       "process died): rolled back, the configuration is as before it",
	       lb->rb_pid, when);
}

int state_conf(struct lb *lb, struct conf *c, bool lock)
{
	int err = state_open(lb, lock);

	if (err)
		return err;
	err = conf_load(c, lb);
	if (err) {
		p_err("read configuration: %s", strerror(-err));
		lb_close(lb);
	}
	return err;
}

struct conf_vip *conf_vip_must(struct conf *c, const struct xdplb_vip_key *key)
{
	struct conf_vip *v = conf_vip_find(c, key);
	char svc[80];

	if (!v)
		p_err("vip %s: not found", fmt_service(key, svc, sizeof(svc)));
	return v;
}
