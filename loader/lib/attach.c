// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `dev attach`: the maps created (or the pinned ones reused, of this pin layout only), the
 * balancer loaded and attached, settings written, the GC program pinned.  An attach that
 * fails after creating maps removes every pin it made.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <xdp/libxdp.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"
#include "util/common.h"
#include "xdplb.skel.h"

static __be32 first_ipv4(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	__be32 addr = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    !strcmp(i->ifa_name, ifname)) {
			addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			break;
		}
	}
	freeifaddrs(ifa);
	return addr;
}

static bool addr_is_zero(const __be32 a[4])
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

/* The first IPv6 address of @ifname that is not link-local (nor loopback), or false. */
static bool first_ipv6(const char *ifname, __be32 out[4])
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		const struct in6_addr *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(i->ifa_name, ifname))
			continue;
		a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_MULTICAST(a))
			continue;
		memcpy(out, a, 16);
		found = true;
	}
	freeifaddrs(ifa);
	return found;
}

static int read_sysctl(const char *path, char *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fread(v, 1, 1, f) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

/*
 * The kernel settings the data plane depends on.  Forwarding must be on for the ingress
 * interface, or bpf_fib_lookup() refuses to route (drop_fwd_disabled): that is a routing
 * decision for the operator, so only reported.  accept_local is switched on: when a
 * backend's MAC is not known yet, the encapsulated packet goes to the kernel so that it
 * resolves the neighbour and forwards it, and that packet's source is our own tunnel
 * address, which the kernel drops as martian unless accept_local is set.
 */
static void check_sysctls(const char *ifname, struct lb_attach_info *info)
{
	char path[PATH_MAX], v = '0';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", ifname);
	info->forwarding_off = !read_sysctl(path, &v) && v == '0';
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/accept_local", ifname);
	if (read_sysctl(path, &v) || v != '0')
		return;
	f = fopen(path, "w");
	info->accept_local = f && fputs("1", f) >= 0 ? 1 : -1;
	if (f && fclose(f))
		info->accept_local = -1;
}

/*
 * The pin directory's layout: 0 when it holds this build's (or nothing: *@fresh), -EPROTO
 * with @info->why when it holds another's.
 */
static int layout_check(const char *dir, bool *fresh, struct lb_attach_info *info)
{
	__u32 layout = 0;
	int err = lb_pin_layout(dir, &layout);

	*fresh = err == -ENOENT;
	if (*fresh || (!err && layout == XDPLB_LAYOUT))
		return 0;
	if (err) {
		snprintf(info->why, sizeof(info->why), "state in %.400s: %s%s", dir, strerror(-err),
			 perm_hint(err));
		return err;
	}
	lb_layout_hint(dir, layout, info->why, sizeof(info->why));
	return -EPROTO;
}

/* Maps already pinned keep their size: libbpf reuses a pinned map only if they match. */
static void size_maps(struct xdplb_bpf *skel, const struct lb_attach_opts *o, bool fresh)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, skel->obj)
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (fresh)
			break;
		snprintf(path, sizeof(path), "%s/%s", o->dir, bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			bpf_map__set_max_entries(map, info.max_entries);
			bpf_map__set_map_flags(map, info.map_flags);
		}
		close(fd);
	}
	if (fresh) {
		/* ids start at 1 (0 = none): one entry more than the limit */
		__u32 vips = (o->vips ?: XDPLB_DEF_MAX_VIPS) + 1;
		__u32 reals = (o->reals ?: XDPLB_DEF_MAX_REALS) + 1;
		__u32 flows = o->flows ?: XDPLB_DEF_MAX_FLOWS;
		__u32 flows6 = o->flows6 ?: (flows / 4 > 1024 ? flows / 4 : 1024);

		/* a VIP and at most one address entry each (addr.c) */
		bpf_map__set_max_entries(skel->maps.xdplb_vips, 2 * vips);
		bpf_map__set_max_entries(skel->maps.xdplb_tables, vips);
		bpf_map__set_max_entries(skel->maps.xdplb_rr, vips);
		bpf_map__set_max_entries(skel->maps.xdplb_vip_stats, vips);
		bpf_map__set_max_entries(skel->maps.xdplb_reals, reals);
		bpf_map__set_max_entries(skel->maps.xdplb_conns, reals);
		bpf_map__set_max_entries(skel->maps.xdplb_lc_conns, reals);
		bpf_map__set_max_entries(skel->maps.xdplb_real_stats, reals);
		bpf_map__set_max_entries(skel->maps.xdplb_real_vip, reals);
		lb_size_flows(skel->obj, flows, flows6, o->lru_percpu == 1);
	}
	lb_size_flow_cache(skel->obj);
}

/* A failed attach that created the maps: every pin of the object goes again. */
static void unpin_all(struct xdplb_bpf *skel, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, skel->obj)
	{
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/xdplb_gc", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/xdplb_explain", dir);
	unlink(path);
}

/* Settings: defaults on a fresh attach, explicit values always. */
static int write_config(struct lb *lb, const struct lb_attach_opts *o, bool fresh,
			struct lb_attach_info *info)
{
	struct xdplb_config cfg;
	int err = lb_config_get(lb, &cfg);

	if (!err && fresh) {
		lb_config_defaults(&cfg);
		if (o->ring)
			cfg.ring_size = o->ring;
		cfg.flags |= XDPLB_CFG_F_ECHO; /* on by default; 'config set echo' decides after */
	}
	if (o->tunsrc)
		cfg.tun_src4 = o->tunsrc;
	if (!cfg.tun_src4)
		cfg.tun_src4 = first_ipv4(o->ifname);
	if (!addr_is_zero(o->tunsrc6))
		memcpy(cfg.tun_src6, o->tunsrc6, sizeof(cfg.tun_src6));
	if (addr_is_zero(cfg.tun_src6))
		first_ipv6(o->ifname, cfg.tun_src6);
	info->no_tunsrc4 = !cfg.tun_src4;
	err = err ?: lb_config_set(lb, &cfg);
	if (err) {
		snprintf(info->why, sizeof(info->why), "write config: %s", strerror(-err));
		return err;
	}
	if (!fresh)
		return 0;
	err = lb_nat_filter_sync(lb);
	if (err)
		snprintf(info->why, sizeof(info->why), "NAT reply filter: %s", strerror(-err));
	return err;
}

/* A program that is run, not attached (GC, explain): pinned so that any xdplb process can run
 * it.  The newest load's replaces an older one (an older GC would not bump xdplb_flowgen,
 * which this load's flow cache relies on; explain must answer with the attached code). */
static int pin_prog(struct bpf_program *prog, const char *dir, const char *name,
		    struct lb_attach_info *info)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		snprintf(info->why, sizeof(info->why), "replace %.400s: %s", path, strerror(errno));
		return err;
	}
	err = bpf_program__pin(prog, path);
	if (err)
		snprintf(info->why, sizeof(info->why), "pin %.400s: %s", path, strerror(-err));
	return err;
}

static int pin_run_progs(struct xdplb_bpf *skel, const char *dir, struct lb_attach_info *info)
{
	return pin_prog(skel->progs.xdplb_gc, dir, "xdplb_gc", info)
		   ?: pin_prog(skel->progs.xdplb_explain, dir, "xdplb_explain", info);
}

/* Is program @id using the maps pinned under @dir?  (A program attached with another pin
 * directory must not be replaced by one with this directory's state.) */
static bool uses_pinned_maps(__u32 id, const char *dir)
{
	struct bpf_prog_info pi = {};
	__u32 ids[64], len = sizeof(pi), i;
	struct bpf_map_info mi = {};
	__u32 mlen = sizeof(mi);
	char path[PATH_MAX];
	int pfd, mfd, err;

	snprintf(path, sizeof(path), "%s/xdplb_config", dir);
	mfd = bpf_obj_get(path);
	pfd = bpf_prog_get_fd_by_id(id);
	pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pi.map_ids = (__u64)(unsigned long)ids;
	err = mfd < 0 || pfd < 0 || bpf_obj_get_info_by_fd(mfd, &mi, &mlen) ||
	      bpf_obj_get_info_by_fd(pfd, &pi, &len);
	if (mfd >= 0)
		close(mfd);
	if (pfd >= 0)
		close(pfd);
	for (i = 0; !err && i < pi.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] == mi.id)
			return true;
	return false;
}

/* Where xdplb runs already on @ifindex: may this attach take over from it?  0 (yes, or not
 * attached: info->replaced says which), or -EEXIST with info->why. */
static int can_replace(const struct lb_attach_opts *o, int ifindex, bool fresh,
		       struct lb_attach_info *info, bool *legacy)
{
	int mode = xdp_attached(ifindex, XDPLB_PROG, &info->old_id, legacy);
	const char *now;

	info->generic = o->generic;
	if (mode <= 0)
		return 0; /* not attached (or not allowed to look: the attach says why) */
	info->generic = mode == XDP_MODE_SKB;
	now = info->generic ? "generic" : "native";
	if (o->mode_given && o->generic != info->generic)
		snprintf(info->why, sizeof(info->why),
			 "attach %s: xdplb runs there in %s mode; a new mode needs 'dev detach' "
			 "first (forwarding stops in between)",
			 o->ifname, now);
	else if (mode == XDP_MODE_HW)
		snprintf(info->why, sizeof(info->why),
			 "attach %s: xdplb runs there offloaded and cannot be replaced in place: "
			 "'dev detach' first (forwarding stops in between)",
			 o->ifname);
	else if (fresh || !uses_pinned_maps(info->old_id, o->dir))
		snprintf(info->why, sizeof(info->why),
			 "attach %s: the xdplb running there does not use the maps under %s "
			 "(another --bpffs?): 'dev detach' it with its own pin directory first",
			 o->ifname, o->dir);
	else {
		info->replaced = true;
		return 0;
	}
	return -EEXIST;
}

/* Replacing a program attached without libxdp's dispatcher (the kernel refuses the
 * dispatcher's extension programs, or LIBXDP_SKIP_DISPATCHER): everything is ready before
 * the one atomic swap, so a failure leaves the old program running untouched. */
static int replace_legacy(struct xdplb_bpf *skel, const struct lb_attach_opts *o, int ifindex,
			  struct lb_attach_info *info)
{
	struct lb lb;
	int err = xdplb_bpf__load(skel);

	if (err) {
		snprintf(info->why, sizeof(info->why),
			 err == -EACCES ? "attach %s: the kernel's verifier rejected %s (-d shows "
					  "its log)"
					: "attach %s: load %s: %s",
			 o->ifname, XDPLB_PROG, strerror(-err));
		return err;
	}
	lb_from_skel(&lb, skel);
	return write_config(&lb, o, false, info) ?: pin_run_progs(skel, o->dir, info)
		   ?: xdp_replace_legacy(skel->obj, XDPLB_PROG, ifindex, o->ifname, info->generic,
					 info->old_id, &info->new_id, info->why,
					 sizeof(info->why));
}

int lb_attach(const struct lb_attach_opts *o, struct lb_attach_info *info)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = o->dir);
	struct xdplb_bpf *skel = NULL;
	bool attached = false, legacy = false;
	int ifindex, err;
	struct lb lb;

	memset(info, 0, sizeof(*info));
	ifindex = if_nametoindex(o->ifname);
	if (!ifindex) {
		snprintf(info->why, sizeof(info->why), "attach %s: no such interface", o->ifname);
		return -ENODEV;
	}
	err = lb_pin_dir_make(o->dir, info->why, sizeof(info->why));
	err = err ?: layout_check(o->dir, &info->fresh, info);
	err = err ?: can_replace(o, ifindex, info->fresh, info, &legacy);
	if (err)
		return err;
	info->sizes_kept = !info->fresh && (o->flows || o->flows6 || o->lru_percpu >= 0 ||
					    o->ring || o->vips || o->reals);

	skel = xdplb_bpf__open_opts(&oopts);
	if (!skel) {
		err = -errno;
		snprintf(info->why, sizeof(info->why), "open BPF object: %s", strerror(errno));
		return err;
	}
	size_maps(skel, o, info->fresh);
	if (info->replaced && legacy) {
		err = replace_legacy(skel, o, ifindex, info);
		goto out;
	}
	/* Through libxdp's dispatcher, replacing: the new program runs next to the old one
	 * (after it, for what the old one passes: the same verdict, as they share every map)
	 * until the old one goes. */
	err = xdp_attach_obj(skel->obj, XDPLB_PROG, ifindex, o->ifname, info->generic,
			     &info->new_id, info->why, sizeof(info->why));
	if (err)
		goto out;
	attached = true;
	lb_from_skel(&lb, skel);
	err = write_config(&lb, o, info->fresh, info) ?: pin_run_progs(skel, o->dir, info);
	if (!err && info->replaced) {
		err = xdp_detach_id(o->ifname, XDPLB_PROG, info->old_id, info->why,
				    sizeof(info->why));
		if (err)
			snprintf(info->why + strlen(info->why),
				 sizeof(info->why) - strlen(info->why),
				 " (removing the program replaced, id %u)", info->old_id);
	}
out:
	if (!err)
		check_sysctls(o->ifname, info);
	if (err && attached)
		xdp_detach_id(o->ifname, XDPLB_PROG, info->new_id, (char[256]){}, 256);
	if (err && info->fresh)
		unpin_all(skel, o->dir);
	/* Closing our handles does not detach: libxdp pinned the dispatcher (or the program is
	 * attached directly), and the maps are pinned under o->dir. */
	xdplb_bpf__destroy(skel);
	return err;
}
