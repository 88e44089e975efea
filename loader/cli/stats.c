// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb stats`: verdict counters by reason, traffic per VIP or per backend of one VIP, and
 * per-second rates refreshed in place. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "util/common.h"
#include "lib/conf.h"
#include "cli/cli.h"

#define HELP_STATS_SHOW "stats show [ SERVICE ] [ interval SECS ]"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

static int stats_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %1$s " HELP_STATS_SHOW "\n"
	    "\n"
	    "  Packets and bytes per verdict reason (tx, redirect, pass_*, drop_*) and per VIP;\n"
	    "  with SERVICE, that VIP and each of its backends (new flows, moved flows,\n"
	    "  ActiveConn, InActConn).\n"
	    "  interval  refresh every SECS seconds (1..3600) with per-second rates, until\n"
	    "            Ctrl-C; in place on a terminal, one block (-j: one document) each\n",
	    bin_name);
	return 0;
}

/* One reading of every counter shown. */
struct sample {
	struct xdplb_counter reason[XDPLB_R_MAX];
	__u64 flow_event[XDPLB_FE_MAX];
	struct conf_traffic t; /* VIPs like conf.vips[], backends by id */
	struct timespec at;
};

static int sample_take(struct lb *lb, const struct conf *c, struct sample *s)
{
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	for (int r = 0; r < XDPLB_R_MAX; r++)
		lb_read_reason(lb, r, &s->reason[r]);
	for (int e = 0; e < XDPLB_FE_MAX; e++)
		lb_read_flow_event(lb, e, &s->flow_event[e]);
	return conf_traffic_read(lb, c, &s->t);
}

/* Per-second rate of a counter between two samples; < 0 when there is no earlier one. */
static double rate(__u64 now, __u64 before, double secs)
{
	return secs > 0 ? (now - before) / secs : -1;
}

static void print_rate(double r)
{
	if (r < 0)
		printf(" %12s", "-");
	else
		printf(" %12.0f", r);
}

static void json_rate(json_object *o, const char *k, double r)
{
	if (r >= 0)
		json_object_object_add(o, k, json_object_new_uint64((__u64)(r + 0.5)));
}

static void json_traffic(json_object *o, const struct xdplb_traffic *t,
			 const struct xdplb_traffic *p, double secs)
{
	json_object_object_add(o, "packets", json_object_new_uint64(t->packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(t->bytes));
	json_object_object_add(o, "flows", json_object_new_uint64(t->flows));
	json_object_object_add(o, "resched", json_object_new_uint64(t->resched));
	json_rate(o, "pps", rate(t->packets, p->packets, secs));
	json_rate(o, "bps", rate(t->bytes, p->bytes, secs));
	json_rate(o, "cps", rate(t->flows, p->flows, secs));
}

static void print_traffic(const char *name, const struct xdplb_traffic *t,
			  const struct xdplb_traffic *p, double secs, bool rates)
{
	printf("%-32s %14llu %16llu %10llu %8llu", name, (unsigned long long)t->packets,
	       (unsigned long long)t->bytes, (unsigned long long)t->flows,
	       (unsigned long long)t->resched);
	if (rates) {
		print_rate(rate(t->packets, p->packets, secs));
		print_rate(rate(t->bytes, p->bytes, secs));
		print_rate(rate(t->flows, p->flows, secs));
	}
}

/* @one: the index of SERVICE in c->vips, or -1 for every VIP (and the reasons). */
static void print_sample(struct lb *lb, const struct conf *c, int one, const struct sample *s,
			 const struct sample *prev, __u32 interval)
{
	bool rates = interval > 0;
	double secs =
	    prev ? (s->at.tv_sec - prev->at.tv_sec) + (s->at.tv_nsec - prev->at.tv_nsec) / 1e9 : 0;
	json_object *doc = json_output ? json_object_new_object() : NULL;
	json_object *jr = doc ? json_object_new_object() : NULL;
	json_object *jv = doc ? json_object_new_array() : NULL;
	json_object *jf = NULL;
	const char *rate_head = rates ? "          pps          bps" : "";
	char name[80];

	if (one < 0 && !json_output)
		printf("%-32s %14s %16s%s\n", "reason", "packets", "bytes", rate_head);
	for (int r = 0; one < 0 && r < XDPLB_R_MAX; r++) {
		const struct xdplb_counter *k = &s->reason[r], *pk = &prev->reason[r];

		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "packets", json_object_new_uint64(k->packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(k->bytes));
			json_rate(o, "pps", rate(k->packets, pk->packets, secs));
			json_rate(o, "bps", rate(k->bytes, pk->bytes, secs));
			json_object_object_add(jr, reason_names[r], o);
			continue;
		}
		printf("%-32s %14llu %16llu", reason_names[r], (unsigned long long)k->packets,
		       (unsigned long long)k->bytes);
		if (rates) {
			print_rate(rate(k->packets, pk->packets, secs));
			print_rate(rate(k->bytes, pk->bytes, secs));
		}
		putchar('\n');
	}
	/* what the flow tables did besides forwarding (enum xdplb_flow_event) */
	for (int e = 0; one < 0 && e < XDPLB_FE_MAX; e++) {
		if (json_output) {
			if (!e)
				jf = json_object_new_object();
			json_object_object_add(jf, flow_event_names[e],
					       json_object_new_uint64(s->flow_event[e]));
			continue;
		}
		if (!e)
			printf("\n%-32s %14s\n", "flow table", "flows");
		printf("%-32s %14llu\n", flow_event_names[e], (unsigned long long)s->flow_event[e]);
	}
	if (!json_output && c->nvips)
		printf("%s%-32s %14s %16s %10s %8s%s%s\n", one < 0 ? "\n" : "", "vip", "packets",
		       "bytes", "flows", "resched", rate_head, rates ? "          cps" : "");
	for (int i = 0; i < c->nvips; i++) {
		const struct conf_vip *v = &c->vips[i];
		json_object *o = NULL, *ra = NULL;

		if (one >= 0 && i != one)
			continue;
		fmt_service(&v->key, name, sizeof(name));
		if (json_output) {
			o = json_object_new_object();
			json_object_object_add(o, "service", json_object_new_string(name));
			json_traffic(o, &s->t.vip[i], &prev->t.vip[i], secs);
			json_object_array_add(jv, o);
		} else {
			print_traffic(name, &s->t.vip[i], &prev->t.vip[i], secs, rates);
			putchar('\n');
		}
		if (one < 0)
			continue;
		/* one VIP: its backends too, with ipvsadm's connection counts */
		if (json_output) {
			ra = json_object_new_array();
			json_object_object_add(o, "reals", ra);
		} else {
			printf("  -> %-27s %14s %16s %10s %8s%s%s %10s %10s\n", "backend",
			       "packets", "bytes", "flows", "resched", rate_head,
			       rates ? "          cps" : "", "ActiveConn", "InActConn");
		}
		for (int j = 0; j < v->nreals; j++) {
			const struct conf_real *r = &v->reals[j];
			struct xdplb_conns cn = {};
			char a[80], row[90];

			lb_read_conns(lb, r->id, &cn);
			fmt_addr_port(r->r.addr, r->r.family, r->r.port ?: v->key.port, a,
				      sizeof(a));
			if (json_output) {
				json_object *jb = json_object_new_object();

				json_object_object_add(jb, "address", json_object_new_string(a));
				json_traffic(jb, &s->t.real[r->id], &prev->t.real[r->id], secs);
				json_object_object_add(jb, "active_conns",
						       json_object_new_int64(cn.active));
				json_object_object_add(jb, "inactive_conns",
						       json_object_new_int64(cn.inactive));
				json_object_array_add(ra, jb);
				continue;
			}
			snprintf(row, sizeof(row), "  -> %s", a);
			print_traffic(row, &s->t.real[r->id], &prev->t.real[r->id], secs, rates);
			printf(" %10lld %10lld\n", (long long)cn.active, (long long)cn.inactive);
		}
	}
	if (doc) {
		if (one < 0) {
			json_object_object_add(doc, "reasons", jr);
			json_object_object_add(doc, "flow_table", jf);
		} else {
			json_object_put(jr);
		}
		json_object_object_add(doc, "vips", jv);
		if (rates) /* the rates divide by the time measured between the samples */
			json_object_object_add(doc, "interval", json_object_new_int64(interval));
		json_print(doc);
	}
	fflush(stdout);
}

static int stats_show(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sample s[2] = {};
	struct xdplb_vip_key key;
	__u32 interval = 0;
	bool have_key = false;
	struct conf c = {};
	int err, one = -1;
	struct lb lb;

	if (argc > 0 && (!strcmp(*argv, "tcp") || !strcmp(*argv, "udp"))) {
		err = parse_service(argc, argv, &key);
		if (err)
			return err;
		have_key = true;
		argc -= 2;
		argv += 2;
	}
	while (argc > 0) {
		if (!strcmp(*argv, "interval")) {
			REQ_ARG("SECS");
			if (parse_u32(*argv, 1, 3600, &interval))
				return bad_arg(*argv, "interval must be 1..3600 seconds");
		} else {
			return bad_arg(*argv, "unknown keyword (expected SERVICE or interval)");
		}
		NEXT_ARG();
	}
	/* the VIPs and backends as they are now; a refresh does not pick up new ones */
	err = state_conf(&lb, &c, false);
	if (err)
		return err;
	if (have_key) {
		struct conf_vip *v = conf_vip_must(&c, &key);

		if (!v) {
			err = -ENOENT;
			goto out;
		}
		one = v - c.vips;
	}
	err = sample_take(&lb, &c, &s[0]);
	if (err)
		goto out;
	print_sample(&lb, &c, one, &s[0], &s[0], interval);
	if (!interval)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int k = 1; !exiting; k ^= 1) {
		struct timespec ts = { .tv_sec = interval };

		if (nanosleep(&ts, NULL) && exiting)
			break;
		err = sample_take(&lb, &c, &s[k]);
		if (err)
			break;
		if (!json_output && isatty(STDOUT_FILENO))
			printf("\033[H\033[2J"); /* refresh in place */
		else if (!json_output)
			putchar('\n');
		print_sample(&lb, &c, one, &s[k], &s[k ^ 1], interval);
	}
	err = 0;
out:
	if (err == -ENOMEM)
		p_err("stats: %s", strerror(ENOMEM));
	for (int k = 0; k < 2; k++) {
		conf_traffic_free(&s[k].t);
	}
	conf_free(&c);
	lb_close(&lb);
	return err;
}

int do_stats(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", stats_show },
		{ "help", stats_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, stats_help);
}
