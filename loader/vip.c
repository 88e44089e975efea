// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb vip` and `xdplb real`: services and their backends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "common.h"
#include "dev.h"
#include "lb.h"
#include "state.h"

#define HELP_VIP_ADD "vip add SERVICE [ sched mh ] [ mode tun ]"
#define HELP_REAL "real { add | set | del } SERVICE ADDR[:PORT] [ weight N ]"

static int vip_help(int argc, char **argv)
{
	if (json_output) {
		puts("null");
		return 0;
	}
	printf("Usage: %1$s " HELP_VIP_ADD "\n"
	       "       %1$s vip set SERVICE [ sched mh ] [ mode tun ]\n"
	       "       %1$s vip del SERVICE\n"
	       "       %1$s vip show [ SERVICE ]\n"
	       "SERVICE := { tcp | udp } ADDR:PORT   (IPv6: [ADDR]:PORT; port 0 = all ports)\n"
	       "\n"
	       "  sched  mh = Maglev consistent hashing (default)\n"
	       "  mode   tun = IP-in-IP to the backend, which answers the client directly\n",
	       bin_name);
	return 0;
}

static int real_help(int argc, char **argv)
{
	if (json_output) {
		puts("null");
		return 0;
	}
	printf("Usage: %1$s " HELP_REAL "\n"
	       "\n"
	       "  weight  0..%2$u (default 1); 0 drains: no new flows, existing flows stay\n"
	       "  PORT    tun mode keeps the VIP's port; omit it or give the same\n",
	       bin_name, XDPLB_MAX_WEIGHT);
	return 0;
}

/* [ sched S ] [ mode M ] after SERVICE. */
static int parse_vip_opts(int argc, char **argv, struct xdplb_vip *v)
{
	int i;

	while (argc > 0) {
		if (!strcmp(*argv, "sched")) {
			REQ_ARG("a scheduler");
			i = name_index(sched_names, XDPLB_SCHED_MAX, *argv);
			if (i < 0)
				return bad_arg(*argv, "sched must be one of mh, sh, rr, wrr, lc, wlc");
			if (i != XDPLB_SCHED_MH)
				return bad_arg(*argv, "scheduler not implemented yet (only mh)");
			v->sched = i;
		} else if (!strcmp(*argv, "mode")) {
			REQ_ARG("a forwarding mode");
			i = name_index(mode_names, XDPLB_MODE_MAX, *argv);
			if (i < 0)
				return bad_arg(*argv, "mode must be one of tun, dr, nat");
			if (i != XDPLB_MODE_TUN)
				return bad_arg(*argv, "mode not implemented yet (only tun)");
			v->mode = i;
		} else {
			return bad_arg(*argv, "unknown keyword (expected sched or mode)");
		}
		NEXT_ARG();
	}
	return 0;
}

static int vip_add_or_set(int argc, char **argv, bool add)
{
	struct xdplb_vip_key key;
	struct xdplb_vip v = { .mode = XDPLB_MODE_TUN, .sched = XDPLB_SCHED_MH };
	char svc[80];
	struct lb lb;
	int err;

	err = parse_service(argc, argv, &key);
	if (err)
		return err;
	if (key.family != XDPLB_AF_INET)
		return bad_arg(argv[1], "IPv6 VIPs are not supported yet");
	err = parse_vip_opts(argc - 2, argv + 2, &v);
	if (err)
		return err;
	err = state_open(&lb, true);
	if (err)
		return err;
	fmt_service(&key, svc, sizeof(svc));
	err = add ? lb_vip_add(&lb, &key, &v) : lb_vip_set(&lb, &key, &v);
	if (err == -EEXIST)
		p_err("vip %s: already exists", svc);
	else if (err == -ENOENT)
		p_err("vip %s: not found", svc);
	else if (err == -ENOSPC)
		p_err("vip %s: no room: all %u VIPs in use", svc, lb.max_vips - 1);
	else if (err)
		p_err("vip %s: %s", svc, strerror(-err));
	lb_close(&lb);
	return err;
}

static int vip_add(int argc, char **argv)
{
	return vip_add_or_set(argc, argv, true);
}

static int vip_set(int argc, char **argv)
{
	return vip_add_or_set(argc, argv, false);
}

static int vip_del(int argc, char **argv)
{
	struct xdplb_vip_key key;
	char svc[80];
	struct lb lb;
	int err;

	err = parse_service(argc, argv, &key);
	if (err)
		return err;
	if (argc > 2)
		return bad_arg(argv[2], "unexpected argument after SERVICE");
	err = state_open(&lb, true);
	if (err)
		return err;
	err = lb_vip_del(&lb, &key);
	if (err)
		p_err("vip %s: %s", fmt_service(&key, svc, sizeof(svc)),
		      err == -ENOENT ? "not found" : strerror(-err));
	lb_close(&lb);
	return err;
}

static const char *real_state_name(const struct xdplb_real *r)
{
	if (r->state == XDPLB_REAL_DOWN)
		return "down";
	return r->weight ? "up" : "drain";
}

static void show_one(struct lb *lb, const struct lb_vip_entry *v, json_object *arr,
		     struct lb_real_entry *rs)
{
	char svc[80], a[80];
	int n = lb_real_list(lb, v->vip.id, rs, lb->max_reals);
	json_object *jv = NULL, *jr = NULL;
	struct xdplb_traffic t = {};

	lb_read_traffic(lb->vip_stats, v->vip.id, &t);
	if (json_output) {
		jv = json_object_new_object();
		json_object_object_add(jv, "protocol",
				       json_object_new_string(proto_name(v->key.proto)));
		json_object_object_add(
			jv, "address",
			json_object_new_string(fmt_addr(v->key.addr, v->key.family, a, sizeof(a))));
		json_object_object_add(jv, "port", json_object_new_int(ntohs(v->key.port)));
		json_object_object_add(jv, "sched",
				       json_object_new_string(sched_names[v->vip.sched]));
		json_object_object_add(jv, "mode", json_object_new_string(mode_names[v->vip.mode]));
		json_object_object_add(jv, "id", json_object_new_int(v->vip.id));
		json_object_object_add(jv, "packets", json_object_new_uint64(t.packets));
		json_object_object_add(jv, "bytes", json_object_new_uint64(t.bytes));
		json_object_object_add(jv, "flows", json_object_new_uint64(t.flows));
		jr = json_object_new_array();
		json_object_object_add(jv, "reals", jr);
		json_object_array_add(arr, jv);
	} else {
		snprintf(svc, sizeof(svc), "%s",
			 fmt_addr_port(v->key.addr, v->key.family, v->key.port, a, sizeof(a)));
		printf("%-4s %-30s %-9s %s\n", v->key.proto == 6 ? "TCP" : "UDP", svc,
		       sched_names[v->vip.sched], mode_names[v->vip.mode]);
	}
	for (int i = 0; i < n && i < (int)lb->max_reals; i++) {
		const struct xdplb_real *r = &rs[i].real;

		lb_read_traffic(lb->real_stats, rs[i].id, &t);
		fmt_addr_port(r->addr, r->family, r->port ? r->port : v->key.port, a, sizeof(a));
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "address",
					       json_object_new_string(fmt_addr(r->addr, r->family,
									       svc, sizeof(svc))));
			json_object_object_add(o, "port",
					       json_object_new_int(ntohs(r->port ?: v->key.port)));
			json_object_object_add(o, "weight", json_object_new_int(r->weight));
			json_object_object_add(o, "state",
					       json_object_new_string(real_state_name(r)));
			json_object_object_add(o, "id", json_object_new_int(rs[i].id));
			json_object_object_add(o, "packets", json_object_new_uint64(t.packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(t.bytes));
			json_object_object_add(o, "flows", json_object_new_uint64(t.flows));
			json_object_array_add(jr, o);
		} else {
			printf("  -> %-28s %-7s %-6u %-6s %-10llu %llu\n", a, "Tunnel", r->weight,
			       real_state_name(r), (unsigned long long)t.flows,
			       (unsigned long long)t.packets);
		}
	}
}

static int vip_show(int argc, char **argv)
{
	struct lb_vip_entry *vips = NULL;
	struct lb_real_entry *rs = NULL;
	struct xdplb_vip_key key;
	json_object *arr = NULL;
	bool one = false;
	struct lb lb;
	int n, err;

	if (argc > 0) {
		err = parse_service(argc, argv, &key);
		if (err)
			return err;
		if (argc > 2)
			return bad_arg(argv[2], "unexpected argument after SERVICE");
		one = true;
	}
	err = state_open(&lb, false);
	if (err)
		return err;
	vips = calloc(lb.max_vips, sizeof(*vips));
	rs = calloc(lb.max_reals, sizeof(*rs));
	if (!vips || !rs) {
		err = -ENOMEM;
		goto out;
	}
	n = lb_vip_list(&lb, vips, lb.max_vips);
	if (one) {
		int k;

		for (k = 0; k < n; k++)
			if (!memcmp(&vips[k].key, &key, sizeof(key)))
				break;
		if (k == n) {
			char svc[80];

			p_err("vip %s: not found", fmt_service(&key, svc, sizeof(svc)));
			err = -ENOENT;
			goto out;
		}
		vips[0] = vips[k];
		n = 1;
	}
	if (json_output)
		arr = json_object_new_array();
	else
		printf("%-4s %-30s %-9s %s\n  -> %-28s %-7s %-6s %-6s %-10s %s\n", "Prot",
		       "LocalAddress:Port", "Scheduler", "Forward", "RemoteAddress:Port", "Forward",
		       "Weight", "State", "Flows", "Packets");
	for (int i = 0; i < n; i++)
		show_one(&lb, &vips[i], arr, rs);
	if (json_output)
		json_print(arr);
out:
	free(vips);
	free(rs);
	lb_close(&lb);
	return err;
}

int do_vip(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", vip_add },   { "set", vip_set },   { "del", vip_del },
		{ "show", vip_show }, { "help", vip_help }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, vip_help);
}

/* SERVICE ADDR[:PORT] [ weight N ] */
static int parse_real(int argc, char **argv, struct xdplb_vip_key *key, struct xdplb_real *r,
		      bool *have_weight)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->weight = 1;
	*have_weight = false;
	err = parse_service(argc, argv, key);
	if (err)
		return err;
	if (argc < 3) {
		p_err("missing backend: expected SERVICE ADDR[:PORT]");
		return -XDPLB_EUSAGE;
	}
	err = parse_addr_port(argv[2], r->addr, &r->family, &r->port, false);
	if (err)
		return err;
	if (r->family != key->family)
		return bad_arg(argv[2], "backend and VIP must be of the same address family");
	if (r->port && r->port != key->port)
		return bad_arg(argv[2], "tun mode keeps the VIP's port: omit the port or give %u",
			       ntohs(key->port));
	r->port = 0;
	argc -= 3;
	argv += 3;
	while (argc > 0) {
		if (!strcmp(*argv, "weight")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 0, XDPLB_MAX_WEIGHT, &r->weight))
				return bad_arg(*argv, "weight must be 0..%u", XDPLB_MAX_WEIGHT);
			*have_weight = true;
		} else {
			return bad_arg(*argv, "unknown keyword (expected weight)");
		}
		NEXT_ARG();
	}
	return 0;
}

static int real_cmd(int argc, char **argv, int op)
{
	struct xdplb_vip_key key;
	struct xdplb_real r;
	char svc[80], a[80];
	bool have_weight;
	struct lb lb;
	int err;

	err = parse_real(argc, argv, &key, &r, &have_weight);
	if (err)
		return err;
	if (op == 1 && !have_weight) {
		p_err("real set: nothing to change (expected weight N)");
		return -XDPLB_EUSAGE;
	}
	if (op == 2 && have_weight)
		return bad_arg("weight", "real del takes no weight");
	err = state_open(&lb, true);
	if (err)
		return err;
	if (op == 0)
		err = lb_real_add(&lb, &key, &r);
	else if (op == 1)
		err = lb_real_set_weight(&lb, &key, r.addr, r.family, r.port, r.weight);
	else
		err = lb_real_del(&lb, &key, r.addr, r.family, r.port);
	fmt_service(&key, svc, sizeof(svc));
	fmt_addr(r.addr, r.family, a, sizeof(a));
	if (err == -ENOENT) {
		struct xdplb_vip v;

		if (lb_vip_get(&lb, &key, &v))
			p_err("vip %s: not found", svc);
		else
			p_err("real %s in vip %s: not found", a, svc);
	} else if (err == -EEXIST) {
		p_err("real %s in vip %s: already exists", a, svc);
	} else if (err == -ENOSPC) {
		p_err("real %s in vip %s: no room: all %u backends in use", a, svc,
		      lb.max_reals - 1);
	} else if (err) {
		p_err("real %s in vip %s: %s", a, svc, strerror(-err));
	}
	lb_close(&lb);
	return err;
}

static int real_add(int argc, char **argv)
{
	return real_cmd(argc, argv, 0);
}

static int real_set(int argc, char **argv)
{
	return real_cmd(argc, argv, 1);
}

static int real_del(int argc, char **argv)
{
	return real_cmd(argc, argv, 2);
}

int do_real(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", real_add }, { "set", real_set },   { "del", real_del },
		{ "help", real_help }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, real_help);
}
