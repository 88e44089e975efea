// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The decapsulator of real servers in TUN mode (bpf/decap.bpf.c): attaching it, its pinned
 * set of tunnel addresses, its counters. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"
#include "decap.skel.h"

static int add_addr(int fd, const struct lb_decap_addr *d)
{
	struct xdplb_decap_key k = { .family = d->family };
	__u32 one = 1;

	memcpy(k.addr, d->a, sizeof(k.addr));
	return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
}

int lb_decap_attach(const char *dir, const char *ifname, bool generic,
		    const struct lb_decap_addr *addrs, int n, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = dir);
	struct decap_bpf *skel = NULL;
	int ifindex, fd, err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		snprintf(why, len, "attach %s: no such interface", ifname);
		return -ENODEV;
	}
	if (lb_attached_mode(ifindex, XDPLB_DECAP_PROG) > 0) {
		snprintf(why, len, "attach %s: decap is already attached (detach first)", ifname);
		return -EEXIST;
	}
	err = lb_pin_dir_make(dir, why, len);
	if (err)
		return err;
	skel = decap_bpf__open_opts(&oopts);
	if (!skel) {
		err = -errno;
		snprintf(why, len, "open BPF object: %s", strerror(errno));
		return err;
	}
	err = xdp_attach_obj(skel->obj, XDPLB_DECAP_PROG, ifindex, ifname, generic, NULL, why, len);
	if (err)
		goto out;
	fd = bpf_map__fd(skel->maps.xdplb_decap_ip);
	for (int i = 0; i < n && !err; i++)
		err = add_addr(fd, &addrs[i]);
	if (err)
		snprintf(why, len, "decap %s: write addresses: %s", ifname, strerror(-err));
out:
	decap_bpf__destroy(skel);
	return err;
}

/* A pinned map of an attached decapsulator: its fd, or -errno (-ENOENT: not attached). */
static int open_pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int lb_decap_addr(const char *dir, const struct lb_decap_addr *a, bool add)
{
	struct xdplb_decap_key k = { .family = a->family };
	int fd = open_pinned(dir, "xdplb_decap_ip"), err;

	if (fd < 0)
		return fd;
	memcpy(k.addr, a->a, sizeof(k.addr));
	if (add)
		err = add_addr(fd, a);
	else
		err = bpf_map_delete_elem(fd, &k) ? -errno : 0;
	close(fd);
	return err;
}

int lb_decap_read(const char *dir, struct lb_decap_addr *out, int max,
		  struct xdplb_counter *counters)
{
	struct xdplb_decap_key key, next, *prev = NULL;
	int fd = open_pinned(dir, "xdplb_decap_ip"), st, n = 0, err = 0;

	if (fd < 0)
		return fd;
	st = open_pinned(dir, "xdplb_decap_st");
	if (st < 0) {
		close(fd);
		return st;
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (n < max) {
			memcpy(out[n].a, key.addr, sizeof(out[n].a));
			out[n].family = key.family;
		}
		n++;
	}
	for (__u32 r = 0; r < XDPLB_DECAP_MAX && !err; r++)
		err = percpu_sum(st, r, (__u64 *)&counters[r], sizeof(counters[r]) / sizeof(__u64));
	close(st);
	close(fd);
	return err ?: n;
}
