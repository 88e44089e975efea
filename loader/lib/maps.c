// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Opening the balancer's pinned maps (or a loaded skeleton's), the pin layout they must have,
 * the state lock, and the clocks the maps keep time in.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"
#include "xdplb.skel.h"

/* Every pinned object a balancer has, and where its fd goes in struct lb_fds. */
static const struct {
	const char *name;
	size_t off;
} pins[] = {
	{ "xdplb_config", offsetof(struct lb_fds, config) }, /* first: it holds the layout */
	{ "xdplb_vips", offsetof(struct lb_fds, vips) },
	{ "xdplb_reals", offsetof(struct lb_fds, reals) },
	{ "xdplb_tables", offsetof(struct lb_fds, tables) },
	{ "xdplb_flows", offsetof(struct lb_fds, flows) },
	{ "xdplb_flows6", offsetof(struct lb_fds, flows6) },
	{ "xdplb_stats", offsetof(struct lb_fds, stats) },
	{ "xdplb_vip_stats", offsetof(struct lb_fds, vip_stats) },
	{ "xdplb_real_stats", offsetof(struct lb_fds, real_stats) },
	{ "xdplb_persist", offsetof(struct lb_fds, persist) },
	{ "xdplb_conns", offsetof(struct lb_fds, conns) },
	{ "xdplb_lc_conns", offsetof(struct lb_fds, lc_conns) },
	{ "xdplb_rr", offsetof(struct lb_fds, rr) },
	{ "xdplb_gc", offsetof(struct lb_fds, gc_prog) },
	{ "xdplb_checks", offsetof(struct lb_fds, checks) },
	{ "xdplb_nat_src", offsetof(struct lb_fds, nat_src) },
	{ "xdplb_flow_events", offsetof(struct lb_fds, flow_events) },
	{ "xdplb_real_vip", offsetof(struct lb_fds, real_vip) },
	{ "xdplb_journal", offsetof(struct lb_fds, journal) },
	{ "xdplb_trace_ctl", offsetof(struct lb_fds, trace_ctl) },
	{ "xdplb_trace", offsetof(struct lb_fds, trace) },
	{ "xdplb_explain", offsetof(struct lb_fds, explain_prog) },
};
#define NPINS (sizeof(pins) / sizeof(pins[0]))

static int *fd_slot(struct lb *lb, size_t i)
{
	return (int *)((char *)&lb->fd + pins[i].off);
}

__u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

static void lb_init(struct lb *lb)
{
	memset(lb, 0, sizeof(*lb));
	for (size_t i = 0; i < NPINS; i++)
		*fd_slot(lb, i) = -1;
	lb->lock_fd = -1;
}

static void lb_fill_sizes(struct lb *lb)
{
	/* VIP ids index xdplb_tables; xdplb_vips also holds the address entries (twice as big) */
	lb->max_vips = map_max_entries(lb->fd.tables);
	lb->vip_keys = map_max_entries(lb->fd.vips);
	lb->max_reals = map_max_entries(lb->fd.reals);
	lb->max_flows = xdplb_flow_capacity(map_max_entries(lb->fd.flows), false);
	lb->max_flows6 = xdplb_flow_capacity(map_max_entries(lb->fd.flows6), true);
}

/*
 * The layout stamp of a pinned xdplb_config (its fd): 0 and *@layout, or -errno.  A map whose
 * value is not a struct xdplb_config of this build's size was made with another layout
 * (reading it into one would overrun it): *@layout = 0 for it, as for a map never stamped.
 */
static int config_layout(int fd, __u32 *layout)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	struct xdplb_config cfg;

	*layout = 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(cfg))
		return 0;
	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		return -errno;
	*layout = cfg.layout;
	return 0;
}

/* Does @dir hold any pin of ours (xdplb_*)? */
static bool have_pins(const char *dir)
{
	struct dirent *e = NULL;
	DIR *d = opendir(dir);

	for (e = d ? readdir(d) : NULL; e; e = readdir(d))
		if (!strncmp(e->d_name, "xdplb_", 6))
			break;
	if (d)
		closedir(d);
	return e != NULL;
}

int lb_pin_layout(const char *dir, __u32 *layout)
{
	char path[PATH_MAX];
	int fd, err;

	*layout = 0;
	snprintf(path, sizeof(path), "%s/xdplb_config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		/* pins without a config map: a build from before the stamp */
		return err == -ENOENT && have_pins(dir) ? 0 : err;
	}
	err = config_layout(fd, layout);
	close(fd);
	return err;
}

int lb_open(struct lb *lb, const char *dir)
{
	char path[PATH_MAX];
	__u32 layout;
	int err;

	lb_init(lb);
	for (size_t i = 0; i < NPINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pins[i].name);
		*fd_slot(lb, i) = bpf_obj_get(path);
		if (*fd_slot(lb, i) >= 0)
			continue;
		/* some pins missing: another layout, unless none is there */
		err = errno == ENOENT && (i || have_pins(dir)) ? -EPROTO : -errno;
		goto fail;
	}
	err = config_layout(lb->fd.config, &layout);
	if (!err && layout != XDPLB_LAYOUT)
		err = -EPROTO;
	if (err)
		goto fail;
	lb_fill_sizes(lb);
	return 0;
fail:
	lb_close(lb);
	return err;
}

int lb_from_skel(struct lb *lb, struct xdplb_bpf *skel)
{
	struct bpf_map *map;

	lb_init(lb);
	for (size_t i = 0; i < NPINS; i++) {
		if (!strcmp(pins[i].name, "xdplb_gc")) {
			*fd_slot(lb, i) = bpf_program__fd(skel->progs.xdplb_gc);
			continue;
		}
		if (!strcmp(pins[i].name, "xdplb_explain")) {
			*fd_slot(lb, i) = bpf_program__fd(skel->progs.xdplb_explain);
			continue;
		}
		map = bpf_object__find_map_by_name(skel->obj, pins[i].name);
		*fd_slot(lb, i) = map ? bpf_map__fd(map) : -1;
		if (*fd_slot(lb, i) < 0)
			return -ENOENT;
	}
	lb_fill_sizes(lb);
	lb->owned = true; /* the skeleton's fds: lb_close() leaves them alone */
	return 0;
}

static void lb_config_bump(struct lb *lb);

void lb_close(struct lb *lb)
{
	if (lb->lock_fd >= 0)
		lb_config_bump(lb); /* as lb_unlock() does */
	idx_free(lb);
	for (size_t i = 0; !lb->owned && i < NPINS; i++) {
		if (*fd_slot(lb, i) >= 0)
			close(*fd_slot(lb, i));
		*fd_slot(lb, i) = -1;
	}
	if (lb->lock_fd >= 0)
		close(lb->lock_fd); /* releases the flock */
	lb->lock_fd = -1;
}

/* Tell readers that cache (the daemon) to look again: a state change may follow. */
static void lb_config_bump(struct lb *lb)
{
	struct xdplb_config cfg;

	if (!lb_config_get(lb, &cfg)) {
		cfg.changes++;
		lb_config_set(lb, &cfg);
	}
}

static int lock_how(struct lb *lb, const char *dir, int how)
{
	int fd, err;

	if (lb->owned)
		return 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, how)) {
		err = -errno;
		close(fd);
		return err;
	}
	lb->lock_fd = fd;
	idx_forget(lb); /* others may have changed the maps since it was last held */
	lb_config_bump(lb);
	/* the last holder died in the middle of a change: it goes back first */
	lb->rolled_back = false;
	lb->rb_err = 0;
	err = lb_journal_recover(lb);
	if (err) {
		lb_unlock(lb);
		return err;
	}
	return 0;
}

int lb_lock(struct lb *lb, const char *dir)
{
	return lock_how(lb, dir, LOCK_EX);
}

int lb_trylock(struct lb *lb, const char *dir)
{
	int err = lock_how(lb, dir, LOCK_EX | LOCK_NB);

	return err == -EWOULDBLOCK ? -EAGAIN : err;
}

void lb_unlock(struct lb *lb)
{
	if (lb->lock_fd < 0)
		return;
	/* again when done: a reader that looked after the bump of lb_lock() and before the
	 * change (the daemon, every second) would otherwise keep the old picture */
	lb_config_bump(lb);
	close(lb->lock_fd); /* releases the flock */
	lb->lock_fd = -1;
	idx_forget(lb);
}

bool lb_locked(const struct lb *lb)
{
	return lb->owned || lb->lock_fd >= 0;
}

static __u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

__u64 lb_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

__u64 lb_coarse_now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

const char *lb_layout_hint(const char *dir, __u32 layout, char *buf, size_t len)
{
	char made[48];

	if (layout)
		snprintf(made, sizeof(made), "layout %u", layout);
	else
		snprintf(made, sizeof(made), "an older layout");
	snprintf(buf, len,
		 "%s holds maps of %s, this xdplb uses layout %u: to move the configuration, "
		 "run 'xdplb save > FILE' with the xdplb that made them, detach it from every "
		 "interface, remove %s, attach with this xdplb, then 'xdplb batch file FILE'",
		 dir, made, XDPLB_LAYOUT, dir);
	return buf;
}
