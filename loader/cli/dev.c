// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb dev`: attach the XDP program to interfaces (libxdp), detach it, show where it runs. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "sched/maglev.h"
#include "util/common.h"

#define HELP_DEV_ATTACH                                                                            \
	"dev attach dev IFNAME [ mode { native | generic } ] [ tunsrc ADDR ]... [ vips N ]\n"      \
	"                [ reals N ] [ flows N ] [ flows6 N ] [ lru { shared | percpu } ]\n"       \
	"                [ ring M ]"

/* Upper bounds of the attach options vips and reals: the loader reads every backend for
 * each change, so the backend array stays small enough to read in a few milliseconds. */
#define MAX_VIPS  65535 /* VIP ids are 16 bits in a flow (struct xdplb_flow) */
#define MAX_REALS (1u << 20)

static int do_help(int argc, char **argv)
{
	if (json_help())
		return 0;
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
	    "  flows   IPv4 flows the flow table is sized for (default %2$u, 110 bytes each);\n"
	    "  flows6  IPv6 flows its IPv6 table is sized for (default a quarter of flows, at\n"
	    "          least 1024; 256 bytes each); lru the flavour of the persistence table\n"
	    "          (default shared),\n"
	    "  ring    Maglev table size, a prime (default %3$u); these six are fixed when\n"
	    "          the first interface is attached and the maps are created\n",
	    bin_name, XDPLB_DEF_MAX_FLOWS, XDPLB_DEF_RING_SIZE, XDPLB_DEF_MAX_VIPS,
	    XDPLB_DEF_MAX_REALS, MAX_VIPS, MAX_REALS);
	return 0;
}

int parse_xdp_mode(const char *s, bool *generic)
{
	if (!strcmp(s, "native"))
		*generic = false;
	else if (!strcmp(s, "generic"))
		*generic = true;
	else
		return bad_arg(s, "mode must be native or generic");
	return 0;
}

static int parse_attach(int argc, char **argv, struct lb_attach_opts *o)
{
	__u8 family;
	__be32 a[4];

	memset(o, 0, sizeof(*o));
	o->dir = pin_dir;
	o->lru_percpu = -1;
	while (argc > 0) {
		if (!strcmp(*argv, "dev")) {
			REQ_ARG("IFNAME");
			o->ifname = *argv;
		} else if (!strcmp(*argv, "mode")) {
			REQ_ARG("native or generic");
			if (parse_xdp_mode(*argv, &o->generic))
				return -XDPLB_EUSAGE;
			o->mode_given = true;
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
		} else if (!strcmp(*argv, "flows6")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 1024, 1u << 26, &o->flows6))
				return bad_arg(*argv, "flows6 must be 1024..67108864");
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
					      "reals, flows, flows6, lru or ring)");
		}
		NEXT_ARG();
	}
	if (!o->ifname) {
		p_err("dev attach: missing \"dev IFNAME\"");
		return -XDPLB_EUSAGE;
	}
	return 0;
}

static int do_attach(int argc, char **argv)
{
	struct lb_attach_opts o;
	struct lb_attach_info info;
	int err;

	err = parse_attach(argc, argv, &o);
	if (err)
		return err;
	err = lb_attach(&o, &info);
	if (err) {
		p_err("%s", info.why);
		return err;
	}
	if (info.sizes_kept)
		p_warn("maps exist under %s: vips, reals, flows, flows6, lru and ring keep their "
		       "current values",
		       pin_dir);
	if (info.no_tunsrc4)
		p_warn("%s has no IPv4 address: set one with 'tunsrc ADDR' before TUN-mode VIPs "
		       "can forward",
		       o.ifname);
	if (info.forwarding_off)
		p_warn("forwarding is off on %s: packets for VIPs are dropped (drop_fwd_disabled) "
		       "until 'sysctl -w net.ipv4.conf.%s.forwarding=1'",
		       o.ifname, o.ifname);
	if (info.accept_local > 0)
		p_info("set net.ipv4.conf.%s.accept_local=1 (see xdplb(8), pass_no_neigh)",
		       o.ifname);
	else if (info.accept_local < 0)
		p_warn("cannot set net.ipv4.conf.%s.accept_local=1: first packets towards a "
		       "backend with an unresolved MAC will be lost",
		       o.ifname);
	if (info.replaced)
		p_info(
		    "replaced xdplb on %s (%s mode, program %u took over from %u without a gap), "
		    "state in %s",
		    o.ifname, info.generic ? "generic" : "native", info.new_id, info.old_id,
		    pin_dir);
	else
		p_info("attached to %s (%s mode), state in %s", o.ifname,
		       info.generic ? "generic" : "native", pin_dir);
	return 0;
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

static int do_detach(int argc, char **argv)
{
	const char *ifname;
	char why[256];
	int err;

	err = parse_dev(argc, argv, &ifname, true);
	if (err)
		return err;
	err = lb_detach(ifname, XDPLB_PROG, why, sizeof(why));
	if (err)
		p_err("%s", why);
	else
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
		static const char *const modes[] = { "?", "native", "generic", "hw" };
		int mode;
		const char *m;

		if (ifname && strcmp(ifname, i->if_name))
			continue;
		mode = lb_attached_mode(i->if_index, XDPLB_PROG);
		if (mode < 0) {
			p_err("show %s: %s%s", i->if_name, strerror(-mode), perm_hint(mode));
			err = mode;
			break;
		}
		if (!mode)
			continue;
		m = mode < 4 ? modes[mode] : "?";
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
	if (json_output && !err)
		json_print(arr);
	else
		json_object_put(arr);
	return err;
}

int do_dev(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "attach", do_attach }, { "detach", do_detach }, { "show", do_show },
		{ "help", do_help },	 { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, do_help);
}
