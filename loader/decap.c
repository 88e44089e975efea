// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb decap`: the real-server side of TUN mode (strip the outer IP header in XDP). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
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
	    "\n"
	    "  On a TUN-mode real server: IPv4-in-IPv4 packets whose outer destination is one of\n"
	    "  the addresses lose their outer header and reach the stack as the client sent\n"
	    "  them (the VIP must be configured locally, e.g. on lo).  Default addresses: the\n"
	    "  IPv4 addresses of IFNAME.\n",
	    bin_name);
	return 0;
}

static int add_addr(int fd, __be32 a)
{
	struct xdplb_decap_key k = { .family = XDPLB_AF_INET };
	__u32 one = 1;

	k.addr[0] = a;
	return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
}

static int decap_attach(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = pin_dir);
	enum xdp_attach_mode mode = XDP_MODE_NATIVE;
	struct decap_bpf *skel = NULL;
	__be32 addrs[64];
	int naddr = 0, ifindex, fd, err;
	const char *ifname = NULL;

	while (argc > 0) {
		__be32 a[4];
		__u8 family;

		if (!strcmp(*argv, "dev")) {
			REQ_ARG("IFNAME");
			ifname = *argv;
		} else if (!strcmp(*argv, "mode")) {
			REQ_ARG("native or generic");
			if (parse_xdp_mode(*argv, &mode))
				return -XDPLB_EUSAGE;
		} else if (!strcmp(*argv, "addr")) {
			REQ_ARG("ADDR");
			if (parse_addr(*argv, a, &family) || family != XDPLB_AF_INET)
				return bad_arg(*argv, "addr must be an IPv4 address");
			if (naddr == (int)(sizeof(addrs) / sizeof(addrs[0])))
				return bad_arg(*argv, "at most 64 addresses");
			addrs[naddr++] = a[0];
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
		struct ifaddrs *ifa, *i;

		if (!getifaddrs(&ifa)) {
			for (i = ifa; i && naddr < 64; i = i->ifa_next)
				if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
				    !strcmp(i->ifa_name, ifname))
					addrs[naddr++] =
					    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			freeifaddrs(ifa);
		}
		if (!naddr) {
			p_err("decap attach %s: no IPv4 address on it: give 'addr ADDR'", ifname);
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
		err = add_addr(fd, addrs[i]);
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

int do_decap(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "attach", decap_attach },
		{ "detach", decap_detach },
		{ "help", decap_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, decap_help);
}
