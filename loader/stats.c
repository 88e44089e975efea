// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb stats`: verdict counters by reason, and traffic per VIP. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "dev.h"
#include "lb.h"
#include "state.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

static int stats_help(int argc, char **argv)
{
	if (json_output) {
		puts("null");
		return 0;
	}
	printf(
	    "Usage: %1$s stats show [ interval SECS ]\n"
	    "\n"
	    "  Packets and bytes per verdict reason (tx, redirect, pass_*, drop_*) and per VIP.\n"
	    "  interval  print again every SECS seconds with per-second rates, until Ctrl-C\n",
	    bin_name);
	return 0;
}

static void print_once(struct lb *lb, struct xdplb_counter *prev, double secs)
{
	struct lb_vip_entry *vips = calloc(lb->max_vips, sizeof(*vips));
	json_object *doc = json_output ? json_object_new_object() : NULL;
	json_object *jr = doc ? json_object_new_object() : NULL;
	json_object *jv = doc ? json_object_new_array() : NULL;
	char svc[80];
	int n;

	if (!json_output)
		printf("%-20s %14s %16s%s\n", "reason", "packets", "bytes",
		       secs ? "         pps" : "");
	for (int r = 0; r < XDPLB_R_MAX; r++) {
		struct xdplb_counter c = {};

		lb_read_counter(lb->stats, r, &c);
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "packets", json_object_new_uint64(c.packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(c.bytes));
			json_object_object_add(jr, reason_names[r], o);
		} else if (secs) {
			printf("%-20s %14llu %16llu %12.0f\n", reason_names[r],
			       (unsigned long long)c.packets, (unsigned long long)c.bytes,
			       (c.packets - prev[r].packets) / secs);
		} else {
			printf("%-20s %14llu %16llu\n", reason_names[r],
			       (unsigned long long)c.packets, (unsigned long long)c.bytes);
		}
		prev[r] = c;
	}
	n = vips ? lb_vip_list(lb, vips, lb->max_vips) : 0;
	if (!json_output && n > 0)
		printf("\n%-30s %14s %16s %12s %10s\n", "vip", "packets", "bytes", "flows",
		       "resched");
	for (int i = 0; i < n && i < (int)lb->max_vips; i++) {
		struct xdplb_traffic t = {};

		lb_read_traffic(lb->vip_stats, vips[i].vip.id, &t);
		fmt_service(&vips[i].key, svc, sizeof(svc));
		if (json_output) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "service", json_object_new_string(svc));
			json_object_object_add(o, "packets", json_object_new_uint64(t.packets));
			json_object_object_add(o, "bytes", json_object_new_uint64(t.bytes));
			json_object_object_add(o, "flows", json_object_new_uint64(t.flows));
			json_object_object_add(o, "resched", json_object_new_uint64(t.resched));
			json_object_array_add(jv, o);
		} else {
			printf("%-30s %14llu %16llu %12llu %10llu\n", svc,
			       (unsigned long long)t.packets, (unsigned long long)t.bytes,
			       (unsigned long long)t.flows, (unsigned long long)t.resched);
		}
	}
	free(vips);
	if (doc) {
		json_object_object_add(doc, "reasons", jr);
		json_object_object_add(doc, "vips", jv);
		json_print(doc);
	}
	fflush(stdout);
}

static int stats_show(int argc, char **argv)
{
	struct xdplb_counter prev[XDPLB_R_MAX] = {};
	struct sigaction sa = { .sa_handler = on_signal };
	__u32 interval = 0;
	struct lb lb;
	int err;

	while (argc > 0) {
		if (!strcmp(*argv, "interval")) {
			REQ_ARG("SECS");
			if (parse_u32(*argv, 1, 3600, &interval))
				return bad_arg(*argv, "interval must be 1..3600 seconds");
		} else {
			return bad_arg(*argv, "unknown keyword (expected interval)");
		}
		NEXT_ARG();
	}
	err = state_open(&lb, false);
	if (err)
		return err;
	print_once(&lb, prev, 0);
	if (interval) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		while (!exiting) {
			struct timespec ts = { .tv_sec = interval };

			if (nanosleep(&ts, NULL) && exiting)
				break;
			if (!json_output)
				printf("\033[H\033[2J"); /* refresh in place */
			print_once(&lb, prev, interval);
		}
	}
	lb_close(&lb);
	return 0;
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
