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
#include "cli/cli.h"
#include "util/common.h"
#include "lib/conf.h"
#include "lib/lb.h"

#define HELP_VIP_OPTS                                                                              \
	"[ sched { mh | sh | rr | wrr | lc | wlc } ] [ mode { tun | dr | nat } ]\n"                \
	"                [ persist SECS ] [ ondown { move | keep } ] [ alldown { drop | reject } " \
	"]\n"                                                                                      \
	"                [ hash { l4 | l3 } ] [ quorum N ] [ hysteresis N ]"
#define HELP_VIP_ADD "vip add SERVICE " HELP_VIP_OPTS

static int vip_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %1$s " HELP_VIP_ADD "\n"
	    "       %1$s vip set SERVICE " HELP_VIP_OPTS "\n"
	    "       %1$s vip del SERVICE\n"
	    "       %1$s vip show [ SERVICE ] [ stats | rate | table ]\n"
	    "SERVICE := { tcp | udp } ADDR:PORT   (IPv6: [ADDR]:PORT; port 0 = all ports)\n"
	    "\n"
	    "  sched    mh  Maglev consistent hashing of the 5-tuple (default)\n"
	    "           sh  consistent hashing of the client address\n"
	    "           rr, wrr  (weighted) round robin;  lc, wlc  (weighted) least connections\n"
	    "  mode     tun  IP-in-IP to the backend, which answers the client directly (default)\n"
	    "           dr   direct routing: only the MAC changes (backends on the same L2)\n"
	    "           nat  destination rewritten to the backend; replies come back through\n"
	    "                the balancer (attach it to the backend-facing interface too)\n"
	    "  persist  SECS: a client sticks to its backend while seen within SECS (0 = off)\n"
	    "  ondown   what happens to the flows of a backend its health check takes down:\n"
	    "           move (default): their next packet goes to a live backend (a TCP client\n"
	    "           gets a RST there and reconnects); keep: they stay\n"
	    "  alldown  when no backend is up: reject (default): answer TCP with a RST and UDP\n"
	    "           with ICMP port unreachable, so clients fail at once, as an LVS director\n"
	    "           does; drop: drop the packets (counted, drop_no_backend)\n"
	    "  hash     l4 (default): flows are 5-tuples, and fragments are dropped (counted,\n"
	    "           drop_fragment); l3: flows and scheduling use the addresses only, so\n"
	    "           every fragment of a datagram goes where its flow goes (UDP services\n"
	    "           that fragment; non-first fragments only reach a VIP that is alone on\n"
	    "           its address and protocol; nat: backends keep the VIP's port)\n"
	    "  quorum   backends up (weight > 0) the VIP needs for this node to announce its\n"
	    "           address (config set announce; default 1); hysteresis N: announced\n"
	    "           from quorum + N up, withdrawn below quorum - N (default 0)\n"
	    "  Backends: an IPv6 VIP takes IPv6 backends; an IPv4 VIP takes IPv4 backends, and\n"
	    "  IPv6 ones in tun mode (IPv4-in-IPv6); dr and nat need the VIP's family.\n"
	    "  show     stats: Conns InPkts OutPkts InBytes OutBytes; rate: CPS InPPS OutPPS\n"
	    "           InBPS OutBPS over 1 s (Out: NAT replies); table: each backend's slots in\n"
	    "           the scheduler table\n",
	    bin_name);
	return 0;
}

/* The VIP options that choose between two words, each a flag of xdplb_vip.flags (the second
 * word sets it); VIP_DEF_FLAGS are set on a new VIP (vip add). */
static const struct {
	const char *keyword, *off, *on;
	__u16 flag;
} vip_flag_opts[] = {
	{ "ondown", "move", "keep", XDPLB_VIP_F_ONDOWN_KEEP },
	{ "alldown", "drop", "reject", XDPLB_VIP_F_ALLDOWN_REJECT },
	{ "hash", "l4", "l3", XDPLB_VIP_F_L3HASH },
};
#define NFLAG_OPTS (int)(sizeof(vip_flag_opts) / sizeof(vip_flag_opts[0]))

static int vip_flag_opt(const char *keyword)
{
	for (int i = 0; i < NFLAG_OPTS; i++)
		if (!strcmp(keyword, vip_flag_opts[i].keyword))
			return i;
	return -1;
}

void vip_opts_print(FILE *f, const struct xdplb_vip *v, const char *persist, bool all)
{
	if (v->persist || all)
		fprintf(f, " %s %u", persist, v->persist);
	for (int i = 0; i < NFLAG_OPTS; i++) {
		bool on = v->flags & vip_flag_opts[i].flag;

		if (all || on != !!(VIP_DEF_FLAGS & vip_flag_opts[i].flag))
			fprintf(f, " %s %s", vip_flag_opts[i].keyword,
				on ? vip_flag_opts[i].on : vip_flag_opts[i].off);
	}
	if (v->quorum > 1 || all)
		fprintf(f, " quorum %u", v->quorum ?: 1);
	if (v->hysteresis || all)
		fprintf(f, " hysteresis %u", v->hysteresis);
}

json_object *vip_json(const struct xdplb_vip_key *k, const struct xdplb_vip *v)
{
	json_object *o = json_object_new_object();
	char a[INET6_ADDRSTRLEN];

	json_object_object_add(o, "protocol", json_object_new_string(proto_name(k->proto)));
	json_object_object_add(o, "address",
			       json_object_new_string(fmt_addr(k->addr, k->family, a, sizeof(a))));
	json_object_object_add(o, "port", json_object_new_int(ntohs(k->port)));
	json_object_object_add(o, "sched", json_object_new_string(sched_names[v->sched]));
	json_object_object_add(o, "mode", json_object_new_string(mode_names[v->mode]));
	json_object_object_add(o, "persist", json_object_new_int64(v->persist));
	json_object_object_add(o, "quorum", json_object_new_int64(v->quorum ?: 1));
	json_object_object_add(o, "hysteresis", json_object_new_int64(v->hysteresis));
	for (int i = 0; i < NFLAG_OPTS; i++)
		json_object_object_add(o, vip_flag_opts[i].keyword,
				       json_object_new_string(v->flags & vip_flag_opts[i].flag
								  ? vip_flag_opts[i].on
								  : vip_flag_opts[i].off));
	return o;
}

/* [ sched S ] [ mode M ] after SERVICE (vip_opts_print() prints them: keep it in step). */
int parse_vip_opts(int argc, char **argv, struct xdplb_vip *v)
{
	bool second;
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
		} else if (!strcmp(*argv, "quorum") || !strcmp(*argv, "hysteresis")) {
			bool q = !strcmp(*argv, "quorum");
			__u32 n;

			REQ_ARG("N");
			if (parse_u32(*argv, q ? 1 : 0, XDPLB_MAX_QUORUM, &n))
				return bad_arg(*argv, "%s must be %u..%u", argv[-1], q ? 1 : 0,
					       XDPLB_MAX_QUORUM);
			if (q) /* 1, the default, is stored as 0: the same VIP whether said or not
				*/
				v->quorum = n == 1 ? 0 : n;
			else
				v->hysteresis = n;
		} else if ((i = vip_flag_opt(*argv)) >= 0) {
			char what[32];
			int err;

			snprintf(what, sizeof(what), "%s or %s", vip_flag_opts[i].off,
				 vip_flag_opts[i].on);
			REQ_ARG(what);
			err = parse_choice(argv[-1], *argv, vip_flag_opts[i].off,
					   vip_flag_opts[i].on, &second);
			if (err)
				return err;
			v->flags = second ? v->flags | vip_flag_opts[i].flag
					  : v->flags & ~vip_flag_opts[i].flag;
		} else {
			return bad_arg(*argv,
				       "unknown keyword (expected sched, mode, persist, ondown, "
				       "alldown, hash, quorum or hysteresis)");
		}
		NEXT_ARG();
	}
	return 0;
}

/*
 * bpf_fib_lookup() routes IPv6 only while net.ipv6.conf.all.forwarding is on (IPv4 asks the
 * ingress interface's setting, which dev attach checks): say so when an IPv6 VIP is added
 * without it.
 */
void warn_ipv6_forwarding(const struct xdplb_vip_key *key)
{
	FILE *f = fopen("/proc/sys/net/ipv6/conf/all/forwarding", "r");
	char svc[80];
	int c;

	if (key->family != XDPLB_AF_INET6 || !f)
		goto out;
	c = fgetc(f);
	if (c == '0')
		p_warn("vip %s: IPv6 forwarding is off: its packets are dropped "
		       "(drop_fwd_disabled) until 'sysctl -w net.ipv6.conf.all.forwarding=1'",
		       fmt_service(key, svc, sizeof(svc)));
out:
	if (f)
		fclose(f);
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

/* One VIP and its backends; @ring for its digest. */
static void show_one(struct lb *lb, const struct conf_vip *v, __u32 ring, json_object *arr)
{
	char svc[80], a[80], dg[24];
	json_object *jv = NULL, *jr = NULL;
	struct xdplb_traffic t = {};

	lb_read_vip_traffic(lb, v->vip.id, &t);
	snprintf(dg, sizeof(dg), "%016llx", (unsigned long long)conf_vip_digest(v, ring));
	if (json_output) {
		jv = vip_json(&v->key, &v->vip);
		json_object_object_add(jv, "digest", json_object_new_string(dg));
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
		vip_opts_print(stdout, &v->vip, "persistent", false);
		printf(" digest %.8s\n", dg);
	}
	for (int i = 0; i < v->nreals; i++) {
		const struct xdplb_real *r = &v->reals[i].r;
		__u32 id = v->reals[i].id;
		__u64 now = lb_mono_ns();
		long long since = now > r->since ? (now - r->since) / 1000000000ull : 0;
		struct xdplb_conns c = {};
		char age[16];

		lb_read_real_traffic(lb, id, &t);
		lb_read_conns(lb, id, &c);
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
			/* the moment, not the age: the same document until something changes */
			json_object_object_add(o, "changed_at",
					       json_object_new_int64(r->since / 1000000000ull));
			json_object_object_add(
			    o, "sorry", json_object_new_boolean(r->flags & XDPLB_REAL_F_SORRY));
			json_object_object_add(o, "id", json_object_new_int(id));
			json_object_object_add(o, "packets", json_object_new_uint64(t.packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(t.bytes));
			json_object_object_add(o, "flows", json_object_new_uint64(t.flows));
			json_object_object_add(o, "active_conns", json_object_new_int64(c.active));
			json_object_object_add(o, "inactive_conns",
					       json_object_new_int64(c.inactive));
			json_object_array_add(jr, o);
		} else {
			char st[32];

			snprintf(st, sizeof(st), "%s%s %s", real_state_name(r),
				 r->flags & XDPLB_REAL_F_SORRY ? "/sorry" : "",
				 fmt_age(since, age, sizeof(age)));
			printf("  -> %-28s %-7s %-6u %-10lld %-10lld %-14s %llu\n", a,
			       forward_names[v->vip.mode], r->weight, (long long)c.active,
			       (long long)c.inactive, st, (unsigned long long)t.flows);
		}
	}
}

/* The VIP's table as a new array of backend ids (*@ids, to free): its length or -errno. */
static int table_read_alloc(struct lb *lb, __u32 vip_id, __u32 **ids)
{
	struct xdplb_config cfg;
	int len = lb_config_get(lb, &cfg);

	*ids = len ? NULL : calloc(cfg.ring_size + 1, sizeof(**ids));
	if (len || !*ids)
		return len ?: -ENOMEM;
	len = lb_table_read(lb, vip_id, *ids, cfg.ring_size + 1);
	return len;
}

/* What vip show prints besides the configuration (ipvsadm -L --stats, --rate). */
enum show_what {
	SHOW_CONF,
	SHOW_STATS, /* Conns InPkts OutPkts InBytes OutBytes */
	SHOW_RATE,  /* CPS InPPS OutPPS InBPS OutBPS over RATE_SECS */
	SHOW_TABLE, /* the scheduler table: slots per backend */
};

#define RATE_SECS 1

static void add_u64(json_object *o, const char *k, __u64 v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_rate(json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_uint64((__u64)(v + 0.5)));
}

/* One VIP or backend row of the stats, rate and table variants: the columns, or the JSON
 * fields added to @o. */
static void show_counters(enum show_what what, const struct xdplb_traffic *t0,
			  const struct xdplb_traffic *t1, __u64 slots, __u64 len, json_object *o)
{
	double cps = (t1->flows - t0->flows) / (double)RATE_SECS;
	double pps = (t1->packets - t0->packets) / (double)RATE_SECS;
	double bps = (t1->bytes - t0->bytes) / (double)RATE_SECS;
	double opps = (t1->out_packets - t0->out_packets) / (double)RATE_SECS;
	double obps = (t1->out_bytes - t0->out_bytes) / (double)RATE_SECS;

	if (o && what == SHOW_RATE) {
		add_rate(o, "cps", cps);
		add_rate(o, "pps", pps);
		add_rate(o, "bps", bps);
		add_rate(o, "out_pps", opps);
		add_rate(o, "out_bps", obps);
	} else if (o && what == SHOW_TABLE) {
		add_u64(o, "slots", slots);
	} else if (what == SHOW_STATS) {
		printf(" %10llu %12llu %12llu %14llu %14llu\n", (unsigned long long)t1->flows,
		       (unsigned long long)t1->packets, (unsigned long long)t1->out_packets,
		       (unsigned long long)t1->bytes, (unsigned long long)t1->out_bytes);
	} else if (what == SHOW_RATE) {
		printf(" %10.0f %12.0f %12.0f %14.0f %14.0f\n", cps, pps, opps, bps, obps);
	} else if (what == SHOW_TABLE) {
		printf(" %10llu %7.2f%%\n", (unsigned long long)slots,
		       len ? 100.0 * slots / len : 0.0);
	}
}

/* vip show stats | rate | table: ipvsadm -L --stats / --rate columns, or the table. */
static int show_variant(struct lb *lb, const struct conf *c, enum show_what what, json_object *arr)
{
	struct conf_traffic s0 = {}, s1 = {};
	__u32 *slots_of = calloc(lb->max_reals, sizeof(*slots_of)); /* by backend id */
	static const char *const heads[][5] = {
		[SHOW_STATS] = { "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes" },
		[SHOW_RATE] = { "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS" },
		[SHOW_TABLE] = { "Slots", "Share", "", "", "" },
	};
	int err;

	err = slots_of ? conf_traffic_read(lb, c, &s0) : -ENOMEM;
	if (!err && what == SHOW_RATE) {
		sleep(RATE_SECS);
		err = conf_traffic_read(lb, c, &s1);
	}
	if (err)
		goto out;
	if (!json_output && what == SHOW_TABLE)
		printf("%-4s %-30s %10s %8s\n  -> RemoteAddress:Port\n", "Prot",
		       "LocalAddress:Port", heads[what][0], heads[what][1]);
	else if (!json_output)
		printf("%-4s %-30s %10s %12s %12s %14s %14s\n  -> RemoteAddress:Port\n", "Prot",
		       "LocalAddress:Port", heads[what][0], heads[what][1], heads[what][2],
		       heads[what][3], heads[what][4]);
	for (int i = 0; i < c->nvips; i++) {
		const struct conf_vip *v = &c->vips[i];
		const struct conf_traffic *last = what == SHOW_RATE ? &s1 : &s0;
		json_object *jv = NULL, *jr = NULL;
		__u32 *ids = NULL;
		__u64 foreign = 0;
		char a[80];
		int len = 0;

		if (what == SHOW_TABLE) {
			len = table_read_alloc(lb, v->vip.id, &ids);
			if (len < 0) {
				p_err("vip %s: table: %s", fmt_service(&v->key, a, sizeof(a)),
				      strerror(-len));
				err = len;
				goto out;
			}
		}
		if (json_output) {
			jv = json_object_new_object();
			json_object_object_add(jv, "protocol",
					       json_object_new_string(proto_name(v->key.proto)));
			json_object_object_add(jv, "address",
					       json_object_new_string(fmt_addr(
						   v->key.addr, v->key.family, a, sizeof(a))));
			json_object_object_add(jv, "port", json_object_new_int(ntohs(v->key.port)));
			json_object_object_add(jv, "id", json_object_new_int64(v->vip.id));
			add_u64(jv, "flows", last->vip[i].flows);
			add_u64(jv, "packets", last->vip[i].packets);
			add_u64(jv, "bytes", last->vip[i].bytes);
			add_u64(jv, "out_packets", last->vip[i].out_packets);
			add_u64(jv, "out_bytes", last->vip[i].out_bytes);
			if (what == SHOW_TABLE)
				add_u64(jv, "table_length", len);
			else
				show_counters(what, &s0.vip[i], &last->vip[i], len, len, jv);
			jr = json_object_new_array();
			json_object_object_add(jv, "reals", jr);
			json_object_array_add(arr, jv);
		} else {
			printf(
			    "%-4s %-30s", v->key.proto == 6 ? "TCP" : "UDP",
			    fmt_addr_port(v->key.addr, v->key.family, v->key.port, a, sizeof(a)));
			show_counters(what, &s0.vip[i], &last->vip[i], len, len, NULL);
		}
		/* slots per backend id; what the VIP's backends do not own is foreign */
		for (int k = 0; k < len; k++)
			if (ids[k] < lb->max_reals)
				slots_of[ids[k]]++;
		foreign = len;
		for (int j = 0; j < v->nreals; j++)
			foreign -= slots_of[v->reals[j].id];
		for (int j = 0; j < v->nreals; j++) {
			const struct conf_real *r = &v->reals[j];
			__u64 slots = slots_of[r->id];
			fmt_addr_port(r->r.addr, r->r.family, r->r.port ?: v->key.port, a,
				      sizeof(a));
			if (json_output) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "address",
						       json_object_new_string(fmt_addr(
							   r->r.addr, r->r.family, a, sizeof(a))));
				json_object_object_add(
				    o, "port",
				    json_object_new_int(ntohs(r->r.port ?: v->key.port)));
				json_object_object_add(o, "id", json_object_new_int64(r->id));
				add_u64(o, "flows", last->real[r->id].flows);
				add_u64(o, "packets", last->real[r->id].packets);
				add_u64(o, "bytes", last->real[r->id].bytes);
				add_u64(o, "out_packets", last->real[r->id].out_packets);
				add_u64(o, "out_bytes", last->real[r->id].out_bytes);
				show_counters(what, &s0.real[r->id], &last->real[r->id], slots, len,
					      o);
				json_object_array_add(jr, o);
			} else {
				printf("  -> %-30s", a);
				show_counters(what, &s0.real[r->id], &last->real[r->id], slots, len,
					      NULL);
			}
		}
		for (int k = 0; k < len; k++)
			if (ids[k] < lb->max_reals)
				slots_of[ids[k]] = 0;
		/* slots naming no backend of the VIP: a table out of step with its backends */
		if (what == SHOW_TABLE && json_output)
			add_u64(jv, "foreign_slots", foreign);
		else if (what == SHOW_TABLE && foreign)
			printf("  -> %-30s %10llu\n", "(not a backend of the VIP)",
			       (unsigned long long)foreign);
		free(ids);
	}
out:
	if (err == -ENOMEM)
		p_err("vip show: %s", strerror(ENOMEM));
	free(slots_of);
	conf_traffic_free(&s0);
	conf_traffic_free(&s1);
	return err;
}

static int vip_show(int argc, char **argv)
{
	enum show_what what = SHOW_CONF;
	struct xdplb_vip_key key;
	json_object *arr = NULL;
	struct conf c = {};
	bool one = false;
	struct lb lb;
	int err, nall = 0;

	if (argc > 1 && (!strcmp(argv[0], "tcp") || !strcmp(argv[0], "udp"))) {
		err = parse_service(argc, argv, &key);
		if (err)
			return err;
		one = true;
		argc -= 2;
		argv += 2;
	}
	if (argc > 0) {
		/* ipvsadm's spellings too */
		if (!strcmp(*argv, "stats") || !strcmp(*argv, "--stats"))
			what = SHOW_STATS;
		else if (!strcmp(*argv, "rate") || !strcmp(*argv, "--rate"))
			what = SHOW_RATE;
		else if (!strcmp(*argv, "table"))
			what = SHOW_TABLE;
		else if (!one && (!strcmp(*argv, "tcp") || !strcmp(*argv, "udp")))
			return parse_service(argc, argv, &key);
		else
			return bad_arg(*argv, "unknown keyword (expected SERVICE, stats, rate or "
					      "table)");
		NEXT_ARG();
	}
	if (argc > 0)
		return bad_arg(*argv, "unexpected argument");
	err = state_conf(&lb, &c, false);
	if (err)
		return err;
	if (one) {
		struct conf_vip *v = conf_vip_must(&c, &key);

		if (!v) {
			err = -ENOENT;
			goto out;
		}
		/* the one VIP, alone (all of them freed at the end) */
		nall = c.nvips;
		if (v != c.vips) {
			struct conf_vip tmp = c.vips[0];

			c.vips[0] = *v;
			*v = tmp;
		}
		c.nvips = 1;
	}
	if (json_output)
		arr = json_object_new_array();
	if (what != SHOW_CONF) {
		err = show_variant(&lb, &c, what, arr);
		goto print;
	}
	if (!json_output)
		printf("%-4s %-30s %-9s %s\n  -> %-28s %-7s %-6s %-10s %-10s %-14s %s\n", "Prot",
		       "LocalAddress:Port", "Scheduler", "Flags", "RemoteAddress:Port", "Forward",
		       "Weight", "ActiveConn", "InActConn", "State Since", "Flows");
	for (int i = 0; i < c.nvips; i++)
		show_one(&lb, &c.vips[i], c.cfg.ring_size, arr);
print:
	if (json_output && !err)
		json_print(arr);
	else if (arr)
		json_object_put(arr);
out:
	if (nall)
		c.nvips = nall;
	conf_free(&c);
	lb_close(&lb);
	return err;
}

int do_vip(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", change_cmd }, { "set", change_cmd }, { "del", change_cmd },
		{ "show", vip_show },  { "help", vip_help },  { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, vip_help);
}
