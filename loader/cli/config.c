// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb config`: global settings, limits and the memory the maps take. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "cli/cli.h"
#include "util/common.h"
#include "lib/conf.h"

#define HELP_CONFIG_SET                                                                            \
	"config set [ tunsrc ADDR ]... [ mtu { N | auto } ] [ echo { on | off } ]"                 \
	" [ flowcache { on | off } ]\n"                                                            \
	"                  [ announce { off | table N [ proto N ] } ]"

/* Sanity bounds of config set mtu (IPv4's minimum datagram that every host must accept, and
 * the largest IP packet). */
#define MIN_MTU 576
#define MAX_MTU 65535

static int config_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %1$s config show\n"
	    "       %1$s " HELP_CONFIG_SET "\n"
	    "\n"
	    "  show    settings, limits (used and maximum), and the memory of the maps\n"
	    "  tunsrc  outer source address of TUN-mode packets: an IPv4 address for IPv4\n"
	    "          backends, an IPv6 address for IPv6 backends (give it twice for both)\n"
	    "  mtu     largest packet sent towards a backend, outer header included (%2$u..%3$u);\n"
	    "          auto (default): the egress route's MTU, which applies in any case.\n"
	    "          Larger packets get ICMP fragmentation needed / packet too big\n"
	    "  echo    on (default): answer ICMP/ICMPv6 echo requests to VIP addresses\n"
	    "  flowcache  on (default): established flows take their backend from a per-CPU\n"
	    "          cache (16,384 IPv4 and 8,192 IPv6 flows per CPU); off: from the flow\n"
	    "          table on every packet (for far more busy flows per CPU than that)\n"
	    "  announce  table N: '%1$s daemon' puts a host route for each VIP address this\n"
	    "          node announces into kernel routing table N (proto %4$u unless given),\n"
	    "          for BIRD to export (docs/bird.conf); off (default): none\n"
	    "  Flow timeouts: '%1$s flow timeout'.  Map sizes: 'dev attach' options.\n",
	    bin_name, MIN_MTU, MAX_MTU, XDPLB_DEF_ANNOUNCE_PROTO);
	return 0;
}

int parse_config_set(int argc, char **argv, struct xdplb_config *cfg, bool *given)
{
	__be32 a[4];
	__u8 family;

	*given = false;
	while (argc > 0) {
		if (!strcmp(*argv, "tunsrc")) {
			REQ_ARG("ADDR");
			if (parse_addr(*argv, a, &family))
				return bad_arg(*argv, "tunsrc must be an IPv4 or IPv6 address");
			if (family == XDPLB_AF_INET)
				cfg->tun_src4 = a[0];
			else
				memcpy(cfg->tun_src6, a, sizeof(cfg->tun_src6));
		} else if (!strcmp(*argv, "mtu")) {
			REQ_ARG("N or auto");
			if (!strcmp(*argv, "auto"))
				cfg->mtu = 0;
			else if (parse_u32(*argv, MIN_MTU, MAX_MTU, &cfg->mtu))
				return bad_arg(*argv, "mtu must be %u..%u or auto", MIN_MTU,
					       MAX_MTU);
		} else if (!strcmp(*argv, "echo") || !strcmp(*argv, "flowcache")) {
			bool echo = !strcmp(*argv, "echo"), off;
			int err;

			REQ_ARG("on or off");
			err = parse_choice(argv[-1], *argv, "on", "off", &off);
			if (err)
				return err;
			if (echo)
				cfg->flags = off ? cfg->flags & ~XDPLB_CFG_F_ECHO
						 : cfg->flags | XDPLB_CFG_F_ECHO;
			else
				cfg->flags = off ? cfg->flags | XDPLB_CFG_F_NO_FLOWCACHE
						 : cfg->flags & ~XDPLB_CFG_F_NO_FLOWCACHE;
		} else if (!strcmp(*argv, "announce")) {
			REQ_ARG("off or table N");
			if (!strcmp(*argv, "off")) {
				cfg->announce_table = cfg->announce_proto = 0;
			} else if (!strcmp(*argv, "table")) {
				REQ_ARG("N");
				/* not the kernel's own tables: routes there would route */
				if (parse_u32(*argv, 1, UINT32_MAX, &cfg->announce_table) ||
				    (cfg->announce_table >= 253 && cfg->announce_table <= 255))
					return bad_arg(*argv,
						       "table must be 1..4294967295 but not "
						       "253, 254 or 255 (default, main, local)");
				cfg->announce_proto =
				    cfg->announce_proto ?: XDPLB_DEF_ANNOUNCE_PROTO;
				if (argc > 1 && !strcmp(argv[1], "proto")) {
					NEXT_ARG();
					REQ_ARG("N");
					/* BIRD ignores routes of proto kernel (2) */
					if (parse_u32(*argv, 3, 255, &cfg->announce_proto))
						return bad_arg(*argv, "proto must be 3..255");
				}
			} else {
				return bad_arg(*argv, "announce must be off or table N");
			}
		} else {
			return bad_arg(*argv,
				       "unknown keyword (expected tunsrc, mtu, echo, flowcache "
				       "or announce)");
		}
		*given = true;
		NEXT_ARG();
	}
	return 0;
}

json_object *settings_json(const struct xdplb_config *cfg)
{
	json_object *o = json_object_new_object(), *t = json_object_new_object(), *an = NULL;
	bool have6 = cfg->tun_src6[0] | cfg->tun_src6[1] | cfg->tun_src6[2] | cfg->tun_src6[3];
	char a[INET6_ADDRSTRLEN];

	json_object_object_add(
	    o, "tunsrc",
	    cfg->tun_src4 ? json_object_new_string(inet_ntop(AF_INET, &cfg->tun_src4, a, sizeof(a)))
			  : NULL);
	json_object_object_add(
	    o, "tunsrc6",
	    have6 ? json_object_new_string(inet_ntop(AF_INET6, cfg->tun_src6, a, sizeof(a)))
		  : NULL);
	json_object_object_add(o, "mtu", json_object_new_int64(cfg->mtu)); /* 0 = auto */
	json_object_object_add(o, "echo",
			       json_object_new_boolean(!!(cfg->flags & XDPLB_CFG_F_ECHO)));
	json_object_object_add(o, "flowcache",
			       json_object_new_boolean(!(cfg->flags & XDPLB_CFG_F_NO_FLOWCACHE)));
	json_object_object_add(t, "tcp", json_object_new_int64(cfg->tcp_timeout));
	json_object_object_add(t, "tcpfin", json_object_new_int64(cfg->tcpfin_timeout));
	json_object_object_add(t, "udp", json_object_new_int64(cfg->udp_timeout));
	json_object_object_add(t, "synrecv", json_object_new_int64(cfg->synrecv_timeout));
	json_object_object_add(o, "flow_timeout", t);
	if (cfg->announce_table) {
		an = json_object_new_object();
		json_object_object_add(an, "table", json_object_new_int64(cfg->announce_table));
		json_object_object_add(an, "proto", json_object_new_int64(cfg->announce_proto));
	}
	json_object_object_add(o, "announce", an);
	return o;
}

static int config_show(int argc, char **argv)
{
	struct lb_map_memory mem[32];
	__u64 total = 0;
	int nmem;
	char a[INET6_ADDRSTRLEN] = "-", a6[INET6_ADDRSTRLEN] = "-", mtu[16] = "auto";
	bool percpu = false, have6;
	struct conf c;
	struct lb lb;
	int err;

	if (argc > 0)
		return bad_arg(*argv, "config show takes no argument");
	err = state_conf(&lb, &c, false);
	if (err)
		return err;
	/* the LRU flavour of the one LRU hash left, the persistence table */
	percpu = lb_persist_percpu(&lb);
	nmem = lb_memory(&lb, mem, sizeof(mem) / sizeof(mem[0]));
	for (int i = 0; i < nmem; i++)
		total += mem[i].bytes;
	if (c.cfg.tun_src4)
		inet_ntop(AF_INET, &c.cfg.tun_src4, a, sizeof(a));
	have6 = c.cfg.tun_src6[0] | c.cfg.tun_src6[1] | c.cfg.tun_src6[2] | c.cfg.tun_src6[3];
	if (have6)
		inet_ntop(AF_INET6, c.cfg.tun_src6, a6, sizeof(a6));
	if (c.cfg.mtu)
		snprintf(mtu, sizeof(mtu), "%u", c.cfg.mtu);
	if (json_output) {
		json_object *o = settings_json(&c.cfg), *j, *m = json_object_new_object();

		j = json_object_new_object();
		json_object_object_add(j, "vips", json_object_new_int64(c.live));
		json_object_object_add(j, "reals", json_object_new_int64(c.reals_live));
		json_object_object_add(o, "used", j);
		j = json_object_new_object();
		json_object_object_add(j, "vips", json_object_new_int64(c.max_vips));
		json_object_object_add(j, "reals", json_object_new_int64(c.max_reals));
		json_object_object_add(j, "reals_per_vip",
				       json_object_new_int64(c.max_reals_per_vip));
		json_object_object_add(j, "flows", json_object_new_int64(lb.max_flows));
		json_object_object_add(j, "flows6", json_object_new_int64(lb.max_flows6));
		json_object_object_add(o, "limits", j);
		json_object_object_add(o, "lru",
				       json_object_new_string(percpu ? "percpu" : "shared"));
		json_object_object_add(o, "ring", json_object_new_int64(c.cfg.ring_size));
		for (int i = 0; i < nmem; i++)
			json_object_object_add(m, mem[i].name,
					       json_object_new_uint64(mem[i].bytes));
		json_object_object_add(m, "total", json_object_new_uint64(total));
		json_object_object_add(o, "memory", m);
		json_print(o);
	} else {
		printf("tunsrc         %s\n", a);
		printf("tunsrc6        %s\n", a6);
		printf("mtu            %s\n", mtu);
		printf("echo           %s\n", c.cfg.flags & XDPLB_CFG_F_ECHO ? "on" : "off");
		printf("flowcache      %s\n",
		       c.cfg.flags & XDPLB_CFG_F_NO_FLOWCACHE ? "off" : "on");
		printf("flow timeout   tcp %u tcpfin %u udp %u synrecv %u\n", c.cfg.tcp_timeout,
		       c.cfg.tcpfin_timeout, c.cfg.udp_timeout, c.cfg.synrecv_timeout);
		if (c.cfg.announce_table)
			printf("announce       table %u proto %u\n", c.cfg.announce_table,
			       c.cfg.announce_proto);
		else
			printf("announce       off\n");
		printf("vips           %d of %u\n", c.live, c.max_vips);
		printf("reals          %u of %u (at most %u per VIP)\n", c.reals_live, c.max_reals,
		       c.max_reals_per_vip);
		printf("flows          %u entries, IPv6 %u; persistence table lru %s\n",
		       lb.max_flows, lb.max_flows6, percpu ? "percpu" : "shared");
		printf("ring           %u\n", c.cfg.ring_size);
		printf("memory         %.1f MiB:", total / 1048576.0);
		for (int i = 0; i < nmem; i++)
			if (mem[i].bytes >= 1024 * 1024 / 10)
				printf(" %s %.1f", mem[i].name, mem[i].bytes / 1048576.0);
		printf(" (maps over 0.1 MiB)\n");
	}
	conf_free(&c);
	lb_close(&lb);
	return 0;
}

int do_config(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", config_show },
		{ "set", change_cmd },
		{ "help", config_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, config_help);
}
