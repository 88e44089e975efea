// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb decap`: the real-server side of TUN mode (strip the outer IP header in XDP). */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "util/common.h"

#define MAX_ADDRS 64

static int decap_help(int argc, char **argv)
{
	if (json_help())
		return 0;
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

/* The IPv4 and IPv6 addresses of @ifname, at most @max. */
static int if_addrs(const char *ifname, struct lb_decap_addr *out, int max)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i && n < max; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			out[n] = (struct lb_decap_addr){ .family = XDPLB_AF_INET };
			out[n++].a[0] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			out[n] = (struct lb_decap_addr){ .family = XDPLB_AF_INET6 };
			memcpy(out[n++].a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		}
	}
	freeifaddrs(ifa);
	return n;
}

/* One more ADDR into @addrs (at most MAX_ADDRS). */
static int parse_one_addr(const char *arg, struct lb_decap_addr *addrs, int *n)
{
	if (*n == MAX_ADDRS)
		return bad_arg(arg, "at most %d addresses", MAX_ADDRS);
	if (parse_addr(arg, addrs[*n].a, &addrs[*n].family))
		return bad_arg(arg, "not an IPv4 or IPv6 address");
	(*n)++;
	return 0;
}

static int decap_attach(int argc, char **argv)
{
	struct lb_decap_addr addrs[MAX_ADDRS];
	const char *ifname = NULL;
	bool generic = false;
	char why[512];
	int naddr = 0, err;

	while (argc > 0) {
		if (!strcmp(*argv, "dev")) {
			REQ_ARG("IFNAME");
			ifname = *argv;
		} else if (!strcmp(*argv, "mode")) {
			REQ_ARG("native or generic");
			if (parse_xdp_mode(*argv, &generic))
				return -XDPLB_EUSAGE;
		} else if (!strcmp(*argv, "addr")) {
			REQ_ARG("ADDR");
			err = parse_one_addr(*argv, addrs, &naddr);
			if (err)
				return err;
		} else {
			return bad_arg(*argv, "unknown keyword (expected dev, mode or addr)");
		}
		NEXT_ARG();
	}
	if (!ifname) {
		p_err("decap attach: missing \"dev IFNAME\"");
		return -XDPLB_EUSAGE;
	}
	if (!naddr) {
		naddr = if_addrs(ifname, addrs, MAX_ADDRS);
		if (!naddr) {
			p_err("decap attach %s: no address on it: give 'addr ADDR'", ifname);
			return -XDPLB_EUSAGE;
		}
	}
	err = lb_decap_attach(pin_dir, ifname, generic, addrs, naddr, why, sizeof(why));
	if (err)
		p_err("%s", why);
	else
		p_info("decap attached to %s (%d address%s)", ifname, naddr,
		       naddr == 1 ? "" : "es");
	return err;
}

static int decap_detach(int argc, char **argv)
{
	const char *ifname;
	char why[256];
	int err = parse_dev(argc, argv, &ifname, true);

	if (!err && (err = lb_detach(ifname, XDPLB_DECAP_PROG, why, sizeof(why))))
		p_err("%s", why);
	return err;
}

static int not_attached(int err)
{
	if (err == -ENOENT)
		p_err("decap is not attached (no %s/xdplb_decap_ip)", pin_dir);
	else
		p_err("decap: %s%s", strerror(-err), perm_hint(err));
	return err;
}

/* decap add|del ADDR...: every address is parsed before the set changes. */
static int decap_addrs(int argc, char **argv, bool add)
{
	struct lb_decap_addr addrs[MAX_ADDRS];
	struct xdplb_counter c[XDPLB_DECAP_MAX];
	int naddr = 0, err = 0;

	if (argc < 1) {
		p_err("decap %s: expected ADDR...", add ? "add" : "del");
		return -XDPLB_EUSAGE;
	}
	for (; argc > 0; NEXT_ARG()) {
		err = parse_one_addr(*argv, addrs, &naddr);
		if (err)
			return err;
	}
	err = lb_decap_read(pin_dir, NULL, 0, c);
	if (err < 0)
		return not_attached(err);
	for (int i = 0; i < naddr; i++) {
		char buf[INET6_ADDRSTRLEN];

		err = lb_decap_addr(pin_dir, &addrs[i], add);
		if (err) {
			p_err("decap %s %s: %s", add ? "add" : "del",
			      fmt_addr(addrs[i].a, addrs[i].family, buf, sizeof(buf)),
			      err == -ENOENT ? "not in the set" : strerror(-err));
			return err;
		}
	}
	return 0;
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

/* decap show: the addresses (one "address ADDR" line each), then one line per counter. */
static int decap_show(int argc, char **argv)
{
	struct xdplb_counter c[XDPLB_DECAP_MAX];
	struct lb_decap_addr *addrs = NULL;
	json_object *root = NULL, *jaddrs = NULL, *jstats = NULL;
	char buf[INET6_ADDRSTRLEN];
	int n;

	if (argc > 0)
		return bad_arg(*argv, "decap show takes no argument");
	n = lb_decap_read(pin_dir, NULL, 0, c);
	if (n >= 0 && !(addrs = calloc(n + 1, sizeof(*addrs))))
		n = -ENOMEM;
	if (n >= 0)
		n = lb_decap_read(pin_dir, addrs, n, c);
	if (n < 0) {
		free(addrs);
		return not_attached(n);
	}
	if (json_output) {
		root = json_object_new_object();
		jaddrs = json_object_new_array();
		jstats = json_object_new_object();
		json_object_object_add(root, "addresses", jaddrs);
		json_object_object_add(root, "stats", jstats);
	}
	for (int i = 0; i < n; i++) {
		fmt_addr(addrs[i].a, addrs[i].family, buf, sizeof(buf));
		if (json_output)
			json_object_array_add(jaddrs, json_object_new_string(buf));
		else
			printf("address %s\n", buf);
	}
	for (__u32 r = 0; r < XDPLB_DECAP_MAX; r++) {
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "packets", json_object_new_uint64(c[r].packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(c[r].bytes));
			json_object_object_add(jstats, decap_reason_names[r], o);
		} else {
			printf("%s %llu packets %llu bytes\n", decap_reason_names[r],
			       (unsigned long long)c[r].packets, (unsigned long long)c[r].bytes);
		}
	}
	if (root)
		json_print(root);
	free(addrs);
	return 0;
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
