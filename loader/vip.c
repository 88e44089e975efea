// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb vip` and `xdplb real`: services and their backends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "common.h"
#include "dev.h"
#include "lb.h"
#include "state.h"

#define HELP_VIP_OPTS                                                                              \
	"[ sched { mh | sh | rr | wrr | lc | wlc } ] [ mode { tun | dr | nat } ] [ persist SECS ]"
#define HELP_VIP_ADD "vip add SERVICE " HELP_VIP_OPTS
#define HELP_REAL    "real { add | set | del } SERVICE ADDR[:PORT] [ weight N ]"

static int vip_help(int argc, char **argv)
{
	if (json_output) {
		puts("null");
		return 0;
	}
	printf(
	    "Usage: %1$s " HELP_VIP_ADD "\n"
	    "       %1$s vip set SERVICE " HELP_VIP_OPTS "\n"
	    "       %1$s vip del SERVICE\n"
	    "       %1$s vip show [ SERVICE ]\n"
	    "SERVICE := { tcp | udp } ADDR:PORT   (IPv6: [ADDR]:PORT; port 0 = all ports)\n"
	    "\n"
	    "  sched    mh  Maglev consistent hashing of the 5-tuple (default)\n"
	    "           sh  consistent hashing of the client address\n"
	    "           rr, wrr  (weighted) round robin;  lc, wlc  (weighted) least connections\n"
	    "  mode     tun  IP-in-IP to the backend, which answers the client directly (default)\n"
	    "           dr   direct routing: only the MAC changes (backends on the same L2)\n"
	    "           nat  destination rewritten to the backend; replies come back through\n"
	    "                the balancer (attach it to the backend-facing interface too)\n"
	    "  persist  SECS: a client sticks to its backend while seen within SECS (0 = off)\n",
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
	       "  PORT    nat mode can map the VIP's port to another; tun and dr keep it\n",
	       bin_name, XDPLB_MAX_WEIGHT);
	return 0;
}

/* [ sched S ] [ mode M ] after SERVICE (save.c prints them: keep it in step). */
int parse_vip_opts(int argc, char **argv, struct xdplb_vip *v)
{
	int i;

	while (argc > 0) {
		if (!strcmp(*argv, "sched")) {
			REQ_ARG("a scheduler");
			i = name_index(sched_names, XDPLB_SCHED_MAX, *argv);
			if (i < 0)
				return bad_arg(*argv,
					       "sched must be one of mh, sh, rr, wrr, lc, wlc");
			v->sched = i;
		} else if (!strcmp(*argv, "mode")) {
			REQ_ARG("a forwarding mode");
			i = name_index(mode_names, XDPLB_MODE_MAX, *argv);
			if (i < 0)
				return bad_arg(*argv, "mode must be one of tun, dr, nat");
			v->mode = i;
		} else if (!strcmp(*argv, "persist")) {
			REQ_ARG("SECS");
			if (parse_u32(*argv, 0, XDPLB_MAX_PERSIST, &v->persist))
				return bad_arg(*argv, "persist must be 0..%u seconds",
					       XDPLB_MAX_PERSIST);
		} else {
			return bad_arg(*argv, "unknown keyword (expected sched, mode or persist)");
		}
		NEXT_ARG();
	}
	return 0;
}

/* Does a backend of the VIP use another port than the VIP's? */
static bool has_mapped_port(struct lb *lb, __u32 vip_id, __be16 vport)
{
	struct lb_real_entry *rs = calloc(lb->max_reals, sizeof(*rs));
	bool mapped = false;
	int n;

	if (!rs)
		return false;
	n = lb_real_list(lb, vip_id, rs, lb->max_reals);
	for (int i = 0; i < n && i < (int)lb->max_reals; i++)
		mapped |= rs[i].real.port && rs[i].real.port != vport;
	free(rs);
	return mapped;
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
	err = state_open(&lb, true);
	if (err)
		return err;
	/* vip set: what is not given stays as it is */
	if (!add)
		lb_vip_get(&lb, &key, &v);
	err = parse_vip_opts(argc - 2, argv + 2, &v);
	if (err) {
		lb_close(&lb);
		return err;
	}
	fmt_service(&key, svc, sizeof(svc));
	if (!add && v.mode != XDPLB_MODE_NAT && has_mapped_port(&lb, v.id, key.port)) {
		p_err("vip %s: mode %s: a backend maps the VIP's port to another (only nat can)",
		      svc, mode_names[v.mode]);
		lb_close(&lb);
		return -XDPLB_EUSAGE;
	}
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

/* ipvsadm's names of the forwarding methods */
static const char *const forward_names[XDPLB_MODE_MAX] = {
	[XDPLB_MODE_TUN] = "Tunnel",
	[XDPLB_MODE_DR] = "Route",
	[XDPLB_MODE_NAT] = "Masq",
};

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
		json_object_object_add(jv, "persist", json_object_new_int64(v->vip.persist));
		json_object_object_add(jv, "id", json_object_new_int(v->vip.id));
		json_object_object_add(jv, "packets", json_object_new_uint64(t.packets));
		json_object_object_add(jv, "bytes", json_object_new_uint64(t.bytes));
		json_object_object_add(jv, "flows", json_object_new_uint64(t.flows));
		json_object_object_add(jv, "resched", json_object_new_uint64(t.resched));
		jr = json_object_new_array();
		json_object_object_add(jv, "reals", jr);
		json_object_array_add(arr, jv);
	} else {
		snprintf(svc, sizeof(svc), "%s",
			 fmt_addr_port(v->key.addr, v->key.family, v->key.port, a, sizeof(a)));
		printf("%-4s %-30s %-9s %s", v->key.proto == 6 ? "TCP" : "UDP", svc,
		       sched_names[v->vip.sched], mode_names[v->vip.mode]);
		if (v->vip.persist)
			printf(" persistent %u", v->vip.persist);
		printf("\n");
	}
	for (int i = 0; i < n && i < (int)lb->max_reals; i++) {
		const struct xdplb_real *r = &rs[i].real;

		struct xdplb_conns c = {};

		lb_read_traffic(lb->real_stats, rs[i].id, &t);
		lb_read_conns(lb, rs[i].id, &c);
		fmt_addr_port(r->addr, r->family, r->port ? r->port : v->key.port, a, sizeof(a));
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(
			    o, "address",
			    json_object_new_string(fmt_addr(r->addr, r->family, svc, sizeof(svc))));
			json_object_object_add(o, "port",
					       json_object_new_int(ntohs(r->port ?: v->key.port)));
			json_object_object_add(o, "weight", json_object_new_int(r->weight));
			json_object_object_add(o, "state",
					       json_object_new_string(real_state_name(r)));
			json_object_object_add(o, "id", json_object_new_int(rs[i].id));
			json_object_object_add(o, "packets", json_object_new_uint64(t.packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(t.bytes));
			json_object_object_add(o, "flows", json_object_new_uint64(t.flows));
			json_object_object_add(o, "active_conns", json_object_new_int64(c.active));
			json_object_object_add(o, "inactive_conns",
					       json_object_new_int64(c.inactive));
			json_object_array_add(jr, o);
		} else {
			printf("  -> %-28s %-7s %-6u %-10lld %-10lld %-6s %llu\n", a,
			       forward_names[v->vip.mode], r->weight, (long long)c.active,
			       (long long)c.inactive, real_state_name(r),
			       (unsigned long long)t.flows);
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
		printf("%-4s %-30s %-9s %s\n  -> %-28s %-7s %-6s %-10s %-10s %-6s %s\n", "Prot",
		       "LocalAddress:Port", "Scheduler", "Flags", "RemoteAddress:Port", "Forward",
		       "Weight", "ActiveConn", "InActConn", "State", "Flows");
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
int parse_real(int argc, char **argv, struct xdplb_vip_key *key, struct xdplb_real *r,
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
	if (r->port == key->port)
		r->port = 0; /* 0 = the packet's own port */
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

/*
 * Have the kernel resolve the backend's MAC now: the data plane forwards with
 * bpf_fib_lookup(), which only reads the neighbour table.  TUN and NAT packets could go
 * through the kernel to resolve it, a DR packet (still addressed to the VIP) cannot.  An
 * empty UDP datagram to the discard port makes the kernel ARP for the next hop.
 */
void neigh_kick(const struct xdplb_real *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd;

	if (r->family != XDPLB_AF_INET)
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sin.sin_addr.s_addr = r->addr[0];
	if (sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		p_dbg("neighbour of %s: %s", inet_ntoa(sin.sin_addr), strerror(errno));
	close(fd);
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
	if (r.port) {
		struct xdplb_vip v;

		/* only NAT rewrites ports; a port-0 VIP keeps each packet's */
		if (!lb_vip_get(&lb, &key, &v) && (v.mode != XDPLB_MODE_NAT || !key.port)) {
			lb_close(&lb);
			return bad_arg(argv[2], "%s",
				       key.port ? "only nat mode can map the port: "
						  "omit it or give the VIP's"
						: "a port-0 VIP keeps each packet's port");
		}
	}
	if (op == 0) {
		err = lb_real_add(&lb, &key, &r);
		if (!err)
			neigh_kick(&r);
	} else if (op == 1) {
		err = lb_real_set_weight(&lb, &key, r.addr, r.family, r.port, r.weight);
	} else {
		err = lb_real_del(&lb, &key, r.addr, r.family, r.port);
	}
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
	} else if (err == -E2BIG) {
		struct xdplb_config cfg = {};

		lb_config_get(&lb, &cfg);
		p_err("real %s in vip %s: no room: a VIP has at most %u backends (ring size - 1)",
		      a, svc, lb_max_reals_per_vip(&cfg));
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
		{ "add", real_add },   { "set", real_set }, { "del", real_del },
		{ "help", real_help }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, real_help);
}
