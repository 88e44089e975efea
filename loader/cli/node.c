// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb node`: this balancer as one node of several behind a router: drain it (withdraw every
 * VIP route, keep forwarding), resume, and show what it announces and why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "daemon/routes.h"
#include "util/common.h"

static int node_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf("Usage: %1$s node { drain | resume | show }\n"
	       "\n"
	       "  drain   withdraw the routes of every VIP ('%1$s daemon' does it within a\n"
	       "          second); the data plane keeps forwarding what still comes, so flows\n"
	       "          move to the other nodes as the router learns it\n"
	       "  resume  announce again the VIPs that have quorum\n"
	       "  show    the node's state and, per VIP, its backends up, quorum, whether it is\n"
	       "          to be announced and whether its route is in the announce table\n",
	       bin_name);
	return 0;
}

static int node_drain_or_resume(int argc, char **argv, bool drain)
{
	struct lb lb;
	int err;

	if (argc > 0)
		return bad_arg(*argv, "node %s takes no argument", drain ? "drain" : "resume");
	err = state_open(&lb, true);
	if (err)
		return err;
	err = lb_node_drain(&lb, drain);
	if (err)
		p_err("node %s: %s", drain ? "drain" : "resume", strerror(-err));
	lb_close(&lb);
	return err;
}

static int node_drain(int argc, char **argv)
{
	return node_drain_or_resume(argc, argv, true);
}

static int node_resume(int argc, char **argv)
{
	return node_drain_or_resume(argc, argv, false);
}

/* Is @a's address among @rs (the routes in the announce table)? */
static bool routed(const struct lb_announce *a, const struct route_addr *rs, int n)
{
	for (int i = 0; i < n; i++)
		if (rs[i].family == a->key.family && !memcmp(rs[i].addr, a->key.addr, 16))
			return true;
	return false;
}

static int node_show(int argc, char **argv)
{
	struct route_addr *rs = NULL;
	struct lb_announce *plan = NULL;
	struct routes *rt = NULL;
	struct xdplb_config cfg;
	json_object *doc = NULL, *jv = NULL;
	bool attached, drained;
	__u8 *was = NULL;
	int n, nr = 0, err;
	struct lb lb;

	if (argc > 0)
		return bad_arg(*argv, "node show takes no argument");
	err = state_open(&lb, false);
	if (err)
		return err;
	err = lb_config_get(&lb, &cfg);
	if (err)
		goto out;
	attached = lb_attached_anywhere(XDPLB_PROG);
	drained = cfg.flags & XDPLB_CFG_F_DRAINED;
	/* the routes there now: what the daemon announces (and the hysteresis' "before") */
	if (cfg.announce_table) {
		err = routes_open(&rt);
		nr = err ? err : routes_list(rt, cfg.announce_table, cfg.announce_proto, NULL, 0);
		rs = nr >= 0 ? calloc(nr + 1, sizeof(*rs)) : NULL;
		nr = rs ? routes_list(rt, cfg.announce_table, cfg.announce_proto, rs, nr) : nr;
		if (nr < 0) {
			err = nr;
			p_err("node show: routes of table %u: %s", cfg.announce_table,
			      strerror(-err));
			goto out;
		}
	}
	was = calloc(lb.max_vips, 1);
	n = was ? lb_announce_plan(&lb, false, NULL, &plan) : -ENOMEM;
	for (int i = 0; i < n; i++)
		if (plan[i].vip_id < lb.max_vips)
			was[plan[i].vip_id] = routed(&plan[i], rs, nr);
	free(plan);
	plan = NULL;
	n = n < 0 ? n : lb_announce_plan(&lb, attached && !drained, was, &plan);
	if (n < 0) {
		err = n;
		p_err("node show: %s", strerror(-err));
		goto out;
	}
	if (json_output) {
		json_object *an = NULL;

		doc = json_object_new_object();
		json_object_object_add(doc, "attached", json_object_new_boolean(attached));
		json_object_object_add(doc, "drained", json_object_new_boolean(drained));
		if (cfg.announce_table) {
			an = json_object_new_object();
			json_object_object_add(an, "table",
					       json_object_new_int64(cfg.announce_table));
			json_object_object_add(an, "proto",
					       json_object_new_int64(cfg.announce_proto));
		}
		json_object_object_add(doc, "announce", an);
		jv = json_object_new_array();
		json_object_object_add(doc, "vips", jv);
	} else {
		printf("node: %s, %s, ", attached ? "attached" : "not attached",
		       drained ? "drained" : "not drained");
		if (cfg.announce_table)
			printf("announcing into table %u (proto %u)\n", cfg.announce_table,
			       cfg.announce_proto);
		else
			printf("announcing off (config set announce table N)\n");
		printf("%-36s %6s %8s %10s %9s %s\n", "VIP", "Up", "Quorum", "Hysteresis",
		       "Announce", "Route");
	}
	for (int i = 0; i < n; i++) {
		const struct lb_announce *a = &plan[i];
		bool route = routed(a, rs, nr);
		char svc[80];

		fmt_service(&a->key, svc, sizeof(svc));
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "service", json_object_new_string(svc));
			json_object_object_add(o, "up", json_object_new_int64(a->up));
			json_object_object_add(o, "quorum", json_object_new_int64(a->quorum));
			json_object_object_add(o, "hysteresis",
					       json_object_new_int64(a->hysteresis));
			json_object_object_add(o, "quorum_ok",
					       json_object_new_boolean(a->quorum_ok));
			json_object_object_add(o, "announce", json_object_new_boolean(a->want));
			json_object_object_add(o, "route", json_object_new_boolean(route));
			json_object_array_add(jv, o);
		} else {
			printf("%-36s %6u %8u %10u %9s %s\n", svc, a->up, a->quorum, a->hysteresis,
			       a->want ? "yes" : "no", route ? "in table" : "-");
		}
	}
	if (doc) {
		json_print(doc);
		doc = NULL;
	}
out:
	if (doc)
		json_object_put(doc);
	free(plan);
	free(was);
	free(rs);
	routes_close(rt);
	lb_close(&lb);
	return err;
}

int do_node(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "drain", node_drain }, { "resume", node_resume },
		{ "show", node_show },	 { "help", node_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, node_help);
}
