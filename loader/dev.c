// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb dev`: attach the XDP program to interfaces (libxdp), detach it, show where it runs. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "common.h"
#include "dev.h"
#include "lb.h"
#include "maglev.h"
#include "xdplb.skel.h"

#define XDPLB_PROG_NAME "xdplb_xdp_ingress"

#define HELP_DEV_ATTACH                                                                            \
	"dev attach dev IFNAME [ mode { native | generic } ] [ tunsrc ADDR ]... [ vips N ]\n"      \
	"                [ reals N ] [ flows N ] [ lru { shared | percpu } ] [ ring M ]"

/* Upper bounds of the attach options vips and reals: the loader reads every backend for
 * each change, so the backend array stays small enough to read in a few milliseconds. */
#define MAX_VIPS  65536
#define MAX_REALS (1u << 20)

static int do_help(int argc, char **argv)
{
	if (json_output) {
		puts("null");
		return 0;
	}
	printf(
	    "Usage: %1$s " HELP_DEV_ATTACH "\n"
	    "       %1$s dev detach dev IFNAME\n"
	    "       %1$s dev show [ dev IFNAME ]\n"
	    "\n"
	    "  mode    native (default; the driver runs XDP) or generic (any interface, slower)\n"
	    "  tunsrc  outer source address of TUN-mode packets: an IPv4 one for IPv4 backends,\n"
	    "          an IPv6 one for IPv6 backends (give both if needed; default: IFNAME's\n"
	    "          first IPv4 and first global IPv6 address)\n"
	    "  vips    most VIPs (default %4$u, at most %6$u), reals most backends of all VIPs\n"
	    "          (default %5$u, at most %7$u); a VIP has at most ring - 1 backends\n"
	    "  flows   IPv4 flows the tables are sized for (default %2$u; IPv6: a quarter, at\n"
	    "          least 1024); lru the flavour of the persistence table (default shared),\n"
	    "  ring    Maglev table size, a prime (default %3$u); these five are fixed when\n"
	    "          the first interface is attached and the maps are created\n",
	    bin_name, XDPLB_DEF_MAX_FLOWS, XDPLB_DEF_RING_SIZE, XDPLB_DEF_MAX_VIPS,
	    XDPLB_DEF_MAX_REALS, MAX_VIPS, MAX_REALS);
	return 0;
}

/* Make sure @pin_dir exists on a bpffs. */
int ensure_pin_dir(const char *dir)
{
	char parent[PATH_MAX], *slash;
	struct statfs st;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (statfs(parent, &st) || st.f_type != BPF_FS_MAGIC) {
		p_err("bpffs %s: not mounted (mount -t bpf bpf %s)", parent, parent);
		return -ENOENT;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		p_err("mkdir %s: %s%s", dir, strerror(errno), perm_hint(err));
		return err;
	}
	return 0;
}

bool pinned(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	return access(path, F_OK) == 0;
}

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
 * decision for the operator, so only a warning.  accept_local is switched on: when a
 * backend's MAC is not known yet, the encapsulated packet goes to the kernel so that it
 * resolves the neighbour and forwards it, and that packet's source is our own tunnel
 * address, which the kernel drops as martian unless accept_local is set.
 */
static void check_sysctls(const char *ifname)
{
	char path[PATH_MAX], v = '0';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", ifname);
	if (!read_sysctl(path, &v) && v == '0')
		p_warn("forwarding is off on %s: packets for VIPs are dropped (drop_fwd_disabled) "
		       "until 'sysctl -w net.ipv4.conf.%s.forwarding=1'",
		       ifname, ifname);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/accept_local", ifname);
	if (!read_sysctl(path, &v) && v == '0') {
		f = fopen(path, "w");
		if (!f || fputs("1", f) < 0)
			p_warn(
			    "cannot set net.ipv4.conf.%s.accept_local=1: first packets towards a "
			    "backend with an unresolved MAC will be lost",
			    ifname);
		else
			p_info("set net.ipv4.conf.%s.accept_local=1 (see xdplb(8), pass_no_neigh)",
			       ifname);
		if (f)
			fclose(f);
	}
}

/* Our program among the ones libxdp reports on @ifindex, or NULL. */
static struct xdp_program *find_ours(struct xdp_multiprog *mp, const char *name)
{
	struct xdp_program *p;

	if (!mp)
		return NULL;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		return p && !strcmp(xdp_program__name(p), name) ? p : NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
		if (!strcmp(xdp_program__name(p), name))
			return p;
	p = xdp_multiprog__hw_prog(mp);
	return p && !strcmp(xdp_program__name(p), name) ? p : NULL;
}

/* Is program @name attached to @ifindex?  Returns the mode or XDP_MODE_UNSPEC (0) if not. */
enum xdp_attach_mode dev_attached_mode(int ifindex, const char *name)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;

	if (libxdp_get_error(mp))
		return XDP_MODE_UNSPEC;
	if (find_ours(mp, name))
		mode = xdp_multiprog__attach_mode(mp);
	xdp_multiprog__close(mp);
	return mode;
}

int xdp_attach_obj(struct bpf_object *obj, const char *prog_name, int ifindex, const char *ifname,
		   enum xdp_attach_mode mode)
{
	struct xdp_program *prog;
	int err;

	DECLARE_LIBXDP_OPTS(xdp_program_opts, popts, .obj = obj, .prog_name = prog_name);
	prog = xdp_program__create(&popts);
	err = libxdp_get_error(prog);
	if (err) {
		p_err("attach %s: load program: %s", ifname, strerror(-err));
		return err;
	}
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (err == -EACCES) {
		/* libxdp loads the program on attach: this is the verifier saying no */
		p_err("attach %s: the kernel's verifier rejected %s (-d shows its log)", ifname,
		      prog_name);
	} else if (err) {
		char buf[256];

		libxdp_strerror(err, buf, sizeof(buf));
		p_err("attach %s mode %s: %s%s", ifname,
		      mode == XDP_MODE_SKB ? "generic" : "native", buf,
		      *perm_hint(err)		? perm_hint(err)
		      : mode == XDP_MODE_NATIVE ? " (try mode generic)"
						: "");
	}
	/* Closing our handle does not detach: libxdp pinned the dispatcher. */
	xdp_program__close(prog);
	return err;
}

int parse_xdp_mode(const char *s, enum xdp_attach_mode *mode)
{
	if (!strcmp(s, "native"))
		*mode = XDP_MODE_NATIVE;
	else if (!strcmp(s, "generic"))
		*mode = XDP_MODE_SKB;
	else
		return bad_arg(s, "mode must be native or generic");
	return 0;
}

struct attach_opts {
	const char *ifname;
	enum xdp_attach_mode mode;
	__be32 tunsrc;	   /* IPv4 tunnel source; 0 = not given */
	__be32 tunsrc6[4]; /* IPv6; all zero = not given */
	__u32 flows, ring, vips, reals;
	int lru_percpu; /* -1 = not given */
};

static int parse_attach(int argc, char **argv, struct attach_opts *o)
{
	__u8 family;
	__be32 a[4];

	memset(o, 0, sizeof(*o));
	o->mode = XDP_MODE_NATIVE;
	o->lru_percpu = -1;
	while (argc > 0) {
		if (!strcmp(*argv, "dev")) {
			REQ_ARG("IFNAME");
			o->ifname = *argv;
		} else if (!strcmp(*argv, "mode")) {
			REQ_ARG("native or generic");
			if (parse_xdp_mode(*argv, &o->mode))
				return -XDPLB_EUSAGE;
		} else if (!strcmp(*argv, "tunsrc")) {
			REQ_ARG("ADDR");
			if (parse_addr(*argv, a, &family))
				return bad_arg(*argv, "tunsrc must be an IPv4 or IPv6 address");
			if (family == XDPLB_AF_INET)
				o->tunsrc = a[0];
			else
				memcpy(o->tunsrc6, a, sizeof(o->tunsrc6));
		} else if (!strcmp(*argv, "vips")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 1, MAX_VIPS, &o->vips))
				return bad_arg(*argv, "vips must be 1..%u", MAX_VIPS);
		} else if (!strcmp(*argv, "reals")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 1, MAX_REALS, &o->reals))
				return bad_arg(*argv, "reals must be 1..%u", MAX_REALS);
		} else if (!strcmp(*argv, "flows")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 1024, 1u << 28, &o->flows))
				return bad_arg(*argv, "flows must be 1024..268435456");
		} else if (!strcmp(*argv, "lru")) {
			REQ_ARG("shared or percpu");
			if (!strcmp(*argv, "shared"))
				o->lru_percpu = 0;
			else if (!strcmp(*argv, "percpu"))
				o->lru_percpu = 1;
			else
				return bad_arg(*argv, "lru must be shared or percpu");
		} else if (!strcmp(*argv, "ring")) {
			REQ_ARG("M");
			if (parse_u32(*argv, XDPLB_MIN_RING_SIZE, XDPLB_MAX_RING_SIZE, &o->ring) ||
			    !maglev_is_prime(o->ring))
				return bad_arg(*argv, "ring must be a prime in %u..%u (e.g. 65537)",
					       XDPLB_MIN_RING_SIZE, XDPLB_MAX_RING_SIZE);
		} else {
			return bad_arg(*argv, "unknown keyword (expected dev, mode, tunsrc, vips, "
					      "reals, flows, lru or ring)");
		}
		NEXT_ARG();
	}
	if (!o->ifname) {
		p_err("dev attach: missing \"dev IFNAME\"");
		return -XDPLB_EUSAGE;
	}
	return 0;
}

/* Maps already pinned keep their size: libbpf can reuse a pinned map only if they match. */
static int size_maps_like_pinned(struct xdplb_bpf *skel, const struct attach_opts *o)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	bool have_pins = pinned("xdplb_flows");

	/* NAT reply tables of their own (xdplb_nat, xdplb_nat6): an xdplb before reply entries
	 * moved into the flow tables, whose flows sit in other sets than this one looks in */
	for (int i = 0; i < 2 && have_pins; i++) {
		const char *old = i ? "xdplb_nat6" : "xdplb_nat";

		if (pinned(old)) {
			p_err("%s/%s was made by an older xdplb with another layout: detach xdplb "
			      "from every interface, delete %s and attach again",
			      pin_dir, old, pin_dir);
			return -EINVAL;
		}
	}
	if (have_pins && (o->flows || o->lru_percpu >= 0 || o->ring || o->vips || o->reals))
		p_warn("maps exist under %s: vips, reals, flows, lru and ring keep their current "
		       "values",
		       pin_dir);
	bpf_object__for_each_map(map, skel->obj)
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (!have_pins)
			break;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			/* e.g. the flow tables of an xdplb before they were set arrays (LRU
			 * hashes): libbpf would refuse them with a less helpful message */
			if (info.type != bpf_map__type(map) ||
			    info.value_size != bpf_map__value_size(map)) {
				p_err(
				    "%s/%s was made by an older xdplb with another layout: detach "
				    "xdplb from every interface, delete %s and attach again",
				    pin_dir, bpf_map__name(map), pin_dir);
				close(fd);
				return -EINVAL;
			}
			bpf_map__set_max_entries(map, info.max_entries);
			bpf_map__set_map_flags(map, info.map_flags);
			/* pinned by an older xdplb: the IPv6 tables (new) follow the IPv4 ones */
			if (map == skel->maps.xdplb_flows && !pinned("xdplb_flows6")) {
				__u32 f4 = xdplb_flow_capacity(info.max_entries, XDPLB_FLOW_WAYS4);
				__u32 f6 = f4 / 4 > 1024 ? f4 / 4 : 1024;

				lb_size_flows(skel->obj, f4, f6, false);
			}
		}
		close(fd);
	}
	if (have_pins && bpf_map__max_entries(skel->maps.xdplb_vips) <
			     2 * bpf_map__max_entries(skel->maps.xdplb_tables))
		p_warn("%s/xdplb_vips was made by an older xdplb: it may lack room for the "
		       "address entries of its VIPs (detach, delete %s and attach again for it)",
		       pin_dir, pin_dir);
	if (!have_pins) {
		/* ids start at 1 (0 = none): one entry more than the limit */
		__u32 vips = (o->vips ?: XDPLB_DEF_MAX_VIPS) + 1;
		__u32 reals = (o->reals ?: XDPLB_DEF_MAX_REALS) + 1;
		__u32 flows = o->flows ?: XDPLB_DEF_MAX_FLOWS;
		__u32 flows6 = flows / 4 > 1024 ? flows / 4 : 1024;

		/* a VIP and at most one address entry each (lb.h, lb_addr_sync()) */
		bpf_map__set_max_entries(skel->maps.xdplb_vips, 2 * vips);
		bpf_map__set_max_entries(skel->maps.xdplb_tables, vips);
		bpf_map__set_max_entries(skel->maps.xdplb_rr, vips);
		bpf_map__set_max_entries(skel->maps.xdplb_vip_stats, vips);
		bpf_map__set_max_entries(skel->maps.xdplb_reals, reals);
		bpf_map__set_max_entries(skel->maps.xdplb_conns, reals);
		bpf_map__set_max_entries(skel->maps.xdplb_real_stats, reals);
		bpf_map__set_max_entries(skel->maps.xdplb_real_vip, reals);
		lb_size_flows(skel->obj, flows, flows6, o->lru_percpu == 1);
	}
	return 0;
}

static int do_attach(int argc, char **argv)
{
	struct xdplb_bpf *skel = NULL;
	struct attach_opts o;
	struct xdplb_config cfg;
	struct lb lb;
	int ifindex, err;
	bool fresh;
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = pin_dir);

	err = parse_attach(argc, argv, &o);
	if (err)
		return err;
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex) {
		p_err("attach %s: no such interface", o.ifname);
		return -ENODEV;
	}
	if (dev_attached_mode(ifindex, XDPLB_PROG_NAME)) {
		p_err("attach %s: xdplb is already attached (detach first)", o.ifname);
		return -EEXIST;
	}
	err = ensure_pin_dir(pin_dir);
	if (err)
		return err;
	fresh = !pinned("xdplb_flows");

	skel = xdplb_bpf__open_opts(&oopts);
	if (!skel) {
		err = -errno;
		p_err("open BPF object: %s", strerror(errno));
		goto out;
	}
	err = size_maps_like_pinned(skel, &o);
	if (err)
		goto out;
	lb_size_flow_cache(skel->obj);

	err = xdp_attach_obj(skel->obj, XDPLB_PROG_NAME, ifindex, o.ifname, o.mode);
	if (err)
		goto out;

	/* Settings: defaults on a fresh attach, explicit values always. */
	lb_from_skel(&lb, skel);
	err = lb_config_get(&lb, &cfg);
	if (err)
		goto out;
	if (fresh) {
		lb_config_defaults(&cfg);
		if (o.ring)
			cfg.ring_size = o.ring;
		cfg.flags |= XDPLB_CFG_F_ECHO; /* on by default; 'config set echo' decides after */
	}
	if (o.tunsrc)
		cfg.tun_src4 = o.tunsrc;
	if (!cfg.tun_src4)
		cfg.tun_src4 = first_ipv4(o.ifname);
	if (!addr_is_zero(o.tunsrc6))
		memcpy(cfg.tun_src6, o.tunsrc6, sizeof(cfg.tun_src6));
	if (addr_is_zero(cfg.tun_src6))
		first_ipv6(o.ifname, cfg.tun_src6);
	/* VIPs an older xdplb added have no address entries yet */
	if (!fresh) {
		err = lb_addr_sync(&lb);
		if (err) {
			p_err("address entries of the VIPs: %s", strerror(-err));
			goto out;
		}
		cfg.vip_gen++;
	}
	err = lb_config_set(&lb, &cfg);
	if (err) {
		p_err("write config: %s", strerror(-err));
		goto out;
	}
	/* the NAT reply filter: on a fresh attach, and over maps of an xdplb without it */
	err = lb_nat_filter_sync(&lb);
	if (err) {
		p_err("NAT reply filter: %s", strerror(-err));
		goto out;
	}
	/* The GC program is run, not attached: pinned so that any xdplb process can run it.
	 * The newest load's replaces an older one (an older GC would not bump xdplb_flowgen,
	 * which this load's flow cache relies on). */
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/xdplb_gc", pin_dir);
		if (pinned("xdplb_gc") && unlink(path) && errno != ENOENT) {
			err = -errno;
			p_err("replace %s: %s", path, strerror(errno));
			goto out;
		}
		err = bpf_program__pin(skel->progs.xdplb_gc, path);
		if (err) {
			p_err("pin %s: %s", path, strerror(-err));
			goto out;
		}
	}
	if (!cfg.tun_src4)
		p_warn("%s has no IPv4 address: set one with 'tunsrc ADDR' before TUN-mode VIPs "
		       "can forward",
		       o.ifname);
	check_sysctls(o.ifname);
	p_info("attached to %s (%s mode), state in %s", o.ifname,
	       o.mode == XDP_MODE_SKB ? "generic" : "native", pin_dir);
out:
	/* Closing our handles does not detach: libxdp pinned the dispatcher, and the maps are
	 * pinned under pin_dir. */
	xdplb_bpf__destroy(skel);
	return err;
}

int parse_dev(int argc, char **argv, const char **ifname, bool required)
{
	*ifname = NULL;
	while (argc > 0) {
		if (strcmp(*argv, "dev"))
			return bad_arg(*argv, "unknown keyword (expected dev)");
		REQ_ARG("IFNAME");
		*ifname = *argv;
		NEXT_ARG();
	}
	if (required && !*ifname) {
		p_err("missing \"dev IFNAME\"");
		return -XDPLB_EUSAGE;
	}
	return 0;
}

int xdp_detach_named(const char *ifname, const char *prog_name)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int ifindex, err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		p_err("detach %s: no such interface", ifname);
		return -ENODEV;
	}
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (*perm_hint(err)) {
		p_err("detach %s: %s%s", ifname, strerror(-err), perm_hint(err));
		return err;
	}
	if (err)
		mp = NULL;
	p = find_ours(mp, prog_name);
	if (!p) {
		xdp_multiprog__close(mp);
		p_err("detach %s: %s is not attached", ifname, prog_name);
		return -ENOENT;
	}
	err = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	if (err)
		p_err("detach %s: %s", ifname, strerror(-err));
	return err;
}

static int do_detach(int argc, char **argv)
{
	const char *ifname;
	int err;

	err = parse_dev(argc, argv, &ifname, true);
	if (err)
		return err;
	err = xdp_detach_named(ifname, XDPLB_PROG_NAME);
	if (!err)
		p_info("detached from %s; VIPs and backends stay in %s", ifname, pin_dir);
	return err;
}

static int do_show(int argc, char **argv)
{
	struct if_nameindex *ifs, *i;
	json_object *arr = json_object_new_array();
	const char *ifname;
	int err;

	err = parse_dev(argc, argv, &ifname, false);
	if (err) {
		json_object_put(arr);
		return err;
	}
	if (ifname && !if_nametoindex(ifname)) {
		json_object_put(arr);
		p_err("show %s: no such interface", ifname);
		return -ENODEV;
	}
	ifs = if_nameindex();
	for (i = ifs; i && i->if_index; i++) {
		enum xdp_attach_mode mode;
		const char *m;

		if (ifname && strcmp(ifname, i->if_name))
			continue;
		mode = dev_attached_mode(i->if_index, XDPLB_PROG_NAME);
		if (!mode)
			continue;
		m = mode == XDP_MODE_SKB ? "generic" : mode == XDP_MODE_HW ? "hw" : "native";
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "dev", json_object_new_string(i->if_name));
			json_object_object_add(o, "ifindex", json_object_new_int(i->if_index));
			json_object_object_add(o, "mode", json_object_new_string(m));
			json_object_array_add(arr, o);
		} else {
			printf("%s ifindex %u mode %s\n", i->if_name, i->if_index, m);
		}
	}
	if_freenameindex(ifs);
	if (json_output)
		json_print(arr);
	else
		json_object_put(arr);
	return 0;
}

int do_dev(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "attach", do_attach }, { "detach", do_detach }, { "show", do_show },
		{ "help", do_help },	 { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, do_help);
}
