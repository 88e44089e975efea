// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb decap`: the real-server side of TUN mode (strip the outer IP header in XDP). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "dev.h"
#include "decap.skel.h"

#define DECAP_PROG_NAME "xdplb_decap"

static int decap_help(int argc, char **argv)
{
	if (json_output) {
		puts("null");
		return 0;
	}
	printf(
	    "Usage: %1$s decap attach dev IFNAME [ mode { native | generic } ] [ addr ADDR ]...\n"
	    "       %1$s decap detach dev IFNAME\n"
	    "       %1$s decap { add | del } ADDR...\n"
	    "       %1$s decap show\n"
	    "\n"
	    "  On a TUN-mode real server: IPv4-in-IPv4, IPv6-in-IPv6 and IPv4-in-IPv6 packets\n"
	    "  whose outer destination is one of the addresses lose their outer header and\n"
	    "  reach the stack as the client sent them (the VIP must be configured locally,\n"
	    "  e.g. on lo).  Default addresses: the IPv4 and IPv6 addresses of IFNAME.  The\n"
	    "  address set is shared by every interface decap is attached to; add and del\n"
	    "  change it, show lists it with the counters.\n",
	    bin_name);
	return 0;
}

struct decap_addr {
	__be32 a[4];
	__u8 family;
};

static int add_addr(int fd, const struct decap_addr *d)
{
	struct xdplb_decap_key k = { .family = d->family };
	__u32 one = 1;

	memcpy(k.addr, d->a, sizeof(k.addr));
	return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
}

/* The IPv4 and IPv6 addresses of @ifname, at most @max. */
static int if_addrs(const char *ifname, struct decap_addr *out, int max)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			out[n] = (struct decap_addr){ .family = XDPLB_AF_INET };
			out[n++].a[0] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			out[n] = (struct decap_addr){ .family = XDPLB_AF_INET6 };
			memcpy(out[n++].a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		}
	}
	freeifaddrs(ifa);
	return n;
}

static int decap_attach(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = pin_dir);
	enum xdp_attach_mode mode = XDP_MODE_NATIVE;
	struct decap_bpf *skel = NULL;
	struct decap_addr addrs[64];
	int naddr = 0, ifindex, fd, err;
	const char *ifname = NULL;

	while (argc > 0) {
		if (!strcmp(*argv, "dev")) {
			REQ_ARG("IFNAME");
			ifname = *argv;
		} else if (!strcmp(*argv, "mode")) {
			REQ_ARG("native or generic");
			if (parse_xdp_mode(*argv, &mode))
				return -XDPLB_EUSAGE;
		} else if (!strcmp(*argv, "addr")) {
			REQ_ARG("ADDR");
			if (naddr == (int)(sizeof(addrs) / sizeof(addrs[0])))
				return bad_arg(*argv, "at most 64 addresses");
			if (parse_addr(*argv, addrs[naddr].a, &addrs[naddr].family))
				return bad_arg(*argv, "addr must be an IPv4 or IPv6 address");
			naddr++;
		} else {
			return bad_arg(*argv, "unknown keyword (expected dev, mode or addr)");
		}
		NEXT_ARG();
	}
	if (!ifname) {
		p_err("decap attach: missing \"dev IFNAME\"");
		return -XDPLB_EUSAGE;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		p_err("attach %s: no such interface", ifname);
		return -ENODEV;
	}
	if (!naddr) {
		naddr = if_addrs(ifname, addrs, sizeof(addrs) / sizeof(addrs[0]));
		if (!naddr) {
			p_err("decap attach %s: no address on it: give 'addr ADDR'", ifname);
			return -XDPLB_EUSAGE;
		}
	}
	if (dev_attached_mode(ifindex, DECAP_PROG_NAME)) {
		p_err("attach %s: decap is already attached (detach first)", ifname);
		return -EEXIST;
	}
	err = ensure_pin_dir(pin_dir);
	if (err)
		return err;
	skel = decap_bpf__open_opts(&oopts);
	if (!skel) {
		err = -errno;
		p_err("open BPF object: %s", strerror(errno));
		return err;
	}
	err = xdp_attach_obj(skel->obj, DECAP_PROG_NAME, ifindex, ifname, mode);
	if (err)
		goto out;
	fd = bpf_map__fd(skel->maps.xdplb_decap_ip);
	for (int i = 0; i < naddr && !err; i++)
		err = add_addr(fd, &addrs[i]);
	if (err) {
		p_err("decap %s: write addresses: %s", ifname, strerror(-err));
		goto out;
	}
	p_info("decap attached to %s (%d address%s)", ifname, naddr, naddr == 1 ? "" : "es");
out:
	decap_bpf__destroy(skel);
	return err;
}

static int decap_detach(int argc, char **argv)
{
	const char *ifname;
	int err = parse_dev(argc, argv, &ifname, true);

	return err ? err : xdp_detach_named(ifname, DECAP_PROG_NAME);
}

/* The pinned address set (or counters) of an attached decap program. */
static int open_pinned(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		int err = -errno;

		if (err == -ENOENT)
			p_err("decap is not attached (no %s)", path);
		else
			p_err("open %s: %s%s", path, strerror(-err), perm_hint(err));
		return err;
	}
	return fd;
}

/* decap add|del ADDR...: every address is parsed before the set changes. */
static int decap_addrs(int argc, char **argv, bool add)
{
	struct decap_addr addrs[64];
	int naddr = 0, fd, err = 0;

	if (argc < 1) {
		p_err("decap %s: expected ADDR...", add ? "add" : "del");
		return -XDPLB_EUSAGE;
	}
	for (; argc > 0; NEXT_ARG()) {
		if (naddr == (int)(sizeof(addrs) / sizeof(addrs[0])))
			return bad_arg(*argv, "at most 64 addresses");
		if (parse_addr(*argv, addrs[naddr].a, &addrs[naddr].family))
			return bad_arg(*argv, "not an IPv4 or IPv6 address");
		naddr++;
	}
	fd = open_pinned("xdplb_decap_ip");
	if (fd < 0)
		return fd;
	for (int i = 0; i < naddr && !err; i++) {
		struct xdplb_decap_key k = { .family = addrs[i].family };
		char buf[INET6_ADDRSTRLEN];

		if (add) {
			err = add_addr(fd, &addrs[i]);
		} else {
			memcpy(k.addr, addrs[i].a, sizeof(k.addr));
			err = bpf_map_delete_elem(fd, &k) ? -errno : 0;
		}
		if (err)
			p_err("decap %s %s: %s", add ? "add" : "del",
			      fmt_addr(addrs[i].a, addrs[i].family, buf, sizeof(buf)),
			      err == -ENOENT ? "not in the set" : strerror(-err));
	}
	close(fd);
	return err;
}

static int decap_add(int argc, char **argv)
{
	return decap_addrs(argc, argv, true);
}

static int decap_del(int argc, char **argv)
{
	return decap_addrs(argc, argv, false);
}

static const char *const decap_reason_names[XDPLB_DECAP_MAX] = {
	[XDPLB_DECAP_DONE] = "done",
	[XDPLB_DECAP_PASS] = "pass",
	[XDPLB_DECAP_DROP_MALFORMED] = "drop_malformed",
};

/* Per-CPU counters of @reason summed. */
static int read_counter(int fd, __u32 reason, struct xdplb_counter *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct xdplb_counter *v;
	int err = 0;

	*sum = (struct xdplb_counter){};
	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &reason, v))
		err = -errno;
	for (int i = 0; !err && i < ncpus; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
	}
	free(v);
	return err;
}

/* decap show: the addresses (one "address ADDR" line each), then one line per counter. */
static int decap_show(int argc, char **argv)
{
	struct xdplb_decap_key key, next, *prev = NULL;
	json_object *root = NULL, *jaddrs = NULL, *jstats = NULL;
	char buf[INET6_ADDRSTRLEN];
	int fd, st, err = 0;

	if (argc > 0)
		return bad_arg(*argv, "decap show takes no argument");
	fd = open_pinned("xdplb_decap_ip");
	if (fd < 0)
		return fd;
	st = open_pinned("xdplb_decap_st");
	if (st < 0) {
		close(fd);
		return st;
	}
	if (json_output) {
		root = json_object_new_object();
		jaddrs = json_object_new_array();
		jstats = json_object_new_object();
		json_object_object_add(root, "addresses", jaddrs);
		json_object_object_add(root, "stats", jstats);
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		fmt_addr(key.addr, key.family, buf, sizeof(buf));
		if (json_output)
			json_object_array_add(jaddrs, json_object_new_string(buf));
		else
			printf("address %s\n", buf);
	}
	for (__u32 r = 0; r < XDPLB_DECAP_MAX && !err; r++) {
		struct xdplb_counter c;

		err = read_counter(st, r, &c);
		if (err) {
			p_err("read xdplb_decap_st: %s", strerror(-err));
			break;
		}
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "packets", json_object_new_uint64(c.packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(c.bytes));
			json_object_object_add(jstats, decap_reason_names[r], o);
		} else {
			printf("%s %llu packets %llu bytes\n", decap_reason_names[r],
			       (unsigned long long)c.packets, (unsigned long long)c.bytes);
		}
	}
	if (root) {
		if (err)
			json_object_put(root);
		else
			json_print(root);
	}
	close(st);
	close(fd);
	return err;
}

int do_decap(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "attach", decap_attach },
		{ "detach", decap_detach },
		{ "add", decap_add },
		{ "del", decap_del },
		{ "show", decap_show },
		{ "help", decap_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, decap_help);
}
