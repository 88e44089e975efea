// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb flow`: the flow table's timeouts and its garbage collection. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "util/common.h"

static int flow_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %1$s flow show [ SERVICE ] [ limit N ]\n"
	    "       %1$s flow flush [ SERVICE ]\n"
	    "       %1$s flow timeout [ tcp SECS ] [ tcpfin SECS ] [ udp SECS ] [ synrecv SECS ]\n"
	    "       %1$s flow gc\n"
	    "\n"
	    "  show     flow-table entries: client, VIP, backend, state, idle seconds\n"
	    "           (default limit 100; 0 = all)\n"
	    "  flush    forget the flows (of SERVICE): their next packets are scheduled anew\n"
	    "  timeout  idle time after which a flow is forgotten (and rescheduled if it comes\n"
	    "           back): tcp = established TCP (default %2$u), tcpfin = TCP after FIN or\n"
	    "           RST (default %3$u), udp (default %4$u), synrecv = TCP opened by a SYN\n"
	    "           whose client has not sent its ACK yet (default %5$u); without arguments:\n"
	    "           show them\n"
	    "  gc       count out and delete the flows that have expired; `xdplb daemon` does\n"
	    "           this every second, run it from cron or a timer without the daemon\n",
	    bin_name, XDPLB_DEF_TCP_TIMEOUT, XDPLB_DEF_TCPFIN_TIMEOUT, XDPLB_DEF_UDP_TIMEOUT,
	    XDPLB_DEF_SYNRECV_TIMEOUT);
	return 0;
}

int parse_timeouts(int argc, char **argv, __u32 *tcp, __u32 *tcpfin, __u32 *udp, __u32 *synrecv)
{
	__u32 *which;

	*tcp = *tcpfin = *udp = *synrecv = 0;
	while (argc > 0) {
		if (!strcmp(*argv, "tcp"))
			which = tcp;
		else if (!strcmp(*argv, "tcpfin"))
			which = tcpfin;
		else if (!strcmp(*argv, "udp"))
			which = udp;
		else if (!strcmp(*argv, "synrecv"))
			which = synrecv;
		else
			return bad_arg(*argv,
				       "unknown keyword (expected tcp, tcpfin, udp or synrecv)");
		REQ_ARG("SECS");
		if (parse_u32(*argv, 1, XDPLB_MAX_TIMEOUT, which))
			return bad_arg(*argv, "timeout must be 1..%u seconds", XDPLB_MAX_TIMEOUT);
		NEXT_ARG();
	}
	return 0;
}

/* flow timeout: with SECS, a change (checked and applied as batch lines are); without, show. */
static int flow_timeout(int argc, char **argv)
{
	struct xdplb_config cfg;
	struct lb lb;
	int err;

	if (argc > 0)
		return change_cmd(argc, argv);
	err = state_open(&lb, false);
	if (err)
		return err;
	err = lb_config_get(&lb, &cfg);
	if (err) {
		p_err("flow timeouts: %s", strerror(-err));
	} else if (json_output) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "tcp", json_object_new_int64(cfg.tcp_timeout));
		json_object_object_add(o, "tcpfin", json_object_new_int64(cfg.tcpfin_timeout));
		json_object_object_add(o, "udp", json_object_new_int64(cfg.udp_timeout));
		json_object_object_add(o, "synrecv", json_object_new_int64(cfg.synrecv_timeout));
		json_print(o);
	} else {
		printf("Timeout (tcp tcpfin udp): %u %u %u\n", cfg.tcp_timeout, cfg.tcpfin_timeout,
		       cfg.udp_timeout);
		printf("Timeout (synrecv): %u\n", cfg.synrecv_timeout);
	}
	lb_close(&lb);
	return err;
}

static int flow_gc(int argc, char **argv)
{
	__u64 scanned = 0, expired = 0;
	struct lb lb;
	int err;

	if (argc > 0)
		return bad_arg(*argv, "flow gc takes no argument");
	err = state_open(&lb, false);
	if (err)
		return err;
	err = lb_gc(&lb, 0, &scanned, &expired);
	if (err)
		p_err("flow gc: %s", strerror(-err));
	else if (json_output) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "scanned", json_object_new_uint64(scanned));
		json_object_object_add(o, "expired", json_object_new_uint64(expired));
		json_print(o);
	} else {
		printf("%llu flows scanned, %llu expired\n", (unsigned long long)scanned,
		       (unsigned long long)expired);
	}
	lb_close(&lb);
	return err;
}

/* [ SERVICE ] at the start of argv: the VIP's id in *vip_id (0 = none given). */
static int parse_opt_service(int *argc, char ***argv, struct lb *lb, __u32 *vip_id)
{
	struct xdplb_vip_key key;
	struct xdplb_vip vip;
	char svc[80];
	int err;

	*vip_id = 0;
	if (*argc < 1 || (strcmp(**argv, "tcp") && strcmp(**argv, "udp")))
		return 0;
	err = parse_service(*argc, *argv, &key);
	if (err)
		return err;
	if (lb_vip_get(lb, &key, &vip)) {
		p_err("vip %s: not found", fmt_service(&key, svc, sizeof(svc)));
		return -ENOENT;
	}
	*vip_id = vip.id;
	*argc -= 2;
	*argv += 2;
	return 0;
}

static const char *const state_names[] = {
	[XDPLB_FLOW_ACTIVE] = "active",
	[XDPLB_FLOW_INACTIVE] = "inactive",
	[XDPLB_FLOW_DEAD] = "dead",
	[XDPLB_FLOW_SYN] = "syn",
};

static const char *state_name(__u32 st)
{
	if (st >= sizeof(state_names) / sizeof(state_names[0]) || !state_names[st])
		return "?";
	return state_names[st];
}

/* One flow-table entry, either family (IPv4 in src[0], dst[0]). */
static void show_flow(struct lb *lb, const struct xdplb_flow_key *key, const struct xdplb_flow *f,
		      __u64 now, json_object *arr)
{
	char c[80], v[80], b[80];
	struct xdplb_real r = {};
	double idle;

	lb_real_get(lb, f->real_id, &r);
	fmt_addr_port(key->src, key->family, key->sport, c, sizeof(c));
	fmt_addr_port(key->dst, key->family, key->dport, v, sizeof(v));
	/* the backend's port: its own where nat maps it, else the packet's */
	fmt_addr_port(r.addr, r.family ?: key->family, r.port ?: key->dport, b, sizeof(b));
	idle = xdplb_ticks_since(f->atime, now) / 1e9;
	if (json_output) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "protocol",
				       json_object_new_string(proto_name(key->proto)));
		json_object_object_add(o, "client", json_object_new_string(c));
		json_object_object_add(o, "vip", json_object_new_string(v));
		json_object_object_add(o, "backend", json_object_new_string(b));
		json_object_object_add(o, "backend_id", json_object_new_int64(f->real_id));
		json_object_object_add(o, "state", json_object_new_string(state_name(f->state)));
		json_object_object_add(o, "idle", json_object_new_double(idle));
		json_object_array_add(arr, o);
	} else {
		printf("%-4s %-30s %-30s %-30s %-8s %.0f\n", key->proto == 6 ? "TCP" : "UDP", c, v,
		       b, state_name(f->state), idle);
	}
}

struct show_ctx {
	struct lb *lb;
	__u32 vip_id, limit, shown;
	__u64 now;
	json_object *arr;
};

static int show_one(const struct xdplb_flow_key *key, const struct xdplb_flow *f, void *ctx)
{
	struct show_ctx *c = ctx;

	if (c->vip_id && f->vip_id != c->vip_id)
		return 0;
	show_flow(c->lb, key, f, c->now, c->arr);
	return c->limit && ++c->shown >= c->limit ? 1 : 0; /* 1: enough */
}

static int flow_show(int argc, char **argv)
{
	json_object *arr = json_output ? json_object_new_array() : NULL;
	struct show_ctx c = { .limit = 100, .now = lb_coarse_now_ns() };
	struct lb lb;
	int err;

	err = state_open(&lb, false);
	if (err)
		goto out_nolb;
	err = parse_opt_service(&argc, &argv, &lb, &c.vip_id);
	while (!err && argc > 0) {
		if (strcmp(*argv, "limit")) {
			err = bad_arg(*argv, "unknown keyword (expected limit)");
			break;
		}
		if (argc < 2) {
			p_err("missing argument after \"limit\": expected N");
			err = -XDPLB_EUSAGE;
			break;
		}
		NEXT_ARG();
		if (parse_u32(*argv, 0, 1u << 30, &c.limit))
			err = bad_arg(*argv, "limit must be 0..%u", 1u << 30);
		NEXT_ARG();
	}
	if (err)
		goto out;
	if (!json_output)
		printf("%-4s %-30s %-30s %-30s %-8s %s\n", "Prot", "Client", "VIP", "Backend",
		       "State", "Idle");
	c.lb = &lb;
	c.arr = arr;
	/* IPv4 flows, then IPv6 ones */
	err = lb_flow_foreach(&lb, show_one, &c);
	if (err > 0)
		err = 0;
	if (err) {
		p_err("read the flow tables: %s", strerror(-err));
		goto out;
	}
	if (json_output) {
		json_print(arr);
		arr = NULL;
	}
out:
	lb_close(&lb);
out_nolb:
	if (arr)
		json_object_put(arr);
	return err;
}

static int flow_flush(int argc, char **argv)
{
	__u64 flushed = 0;
	__u32 vip_id;
	struct lb lb;
	int err;

	err = state_open(&lb, true);
	if (err)
		return err;
	err = parse_opt_service(&argc, &argv, &lb, &vip_id);
	if (!err && argc > 0)
		err = bad_arg(*argv, "unexpected argument (expected [ SERVICE ])");
	if (!err) {
		err = lb_flow_flush(&lb, vip_id, &flushed);
		if (err)
			p_err("flow flush: %s", strerror(-err));
	}
	lb_close(&lb); /* the lock goes before anything is printed */
	if (!err && json_output) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "flushed", json_object_new_uint64(flushed));
		json_print(o);
	} else if (!err) {
		printf("%llu flows flushed\n", (unsigned long long)flushed);
	}
	return err;
}

int do_flow(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", flow_show }, { "flush", flow_flush }, { "timeout", flow_timeout },
		{ "gc", flow_gc },     { "help", flow_help },	{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, flow_help);
}
