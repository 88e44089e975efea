// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb flow`: the flow table's timeouts and its garbage collection. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "dev.h"
#include "lb.h"
#include "state.h"

static int flow_help(int argc, char **argv)
{
	if (json_output) {
		puts("null");
		return 0;
	}
	printf("Usage: %1$s flow timeout [ tcp SECS ] [ tcpfin SECS ] [ udp SECS ]\n"
	       "       %1$s flow gc\n"
	       "\n"
	       "  timeout  idle time after which a flow is forgotten (and rescheduled if it comes\n"
	       "           back): tcp = established TCP (default %2$u), tcpfin = TCP after FIN or\n"
	       "           RST (default %3$u), udp (default %4$u); without arguments: show them\n"
	       "  gc       count out and delete the flows that have expired; `xdplb daemon` does\n"
	       "           this every second, run it from cron or a timer without the daemon\n",
	       bin_name, XDPLB_DEF_TCP_TIMEOUT, XDPLB_DEF_TCPFIN_TIMEOUT, XDPLB_DEF_UDP_TIMEOUT);
	return 0;
}

static int flow_timeout(int argc, char **argv)
{
	struct xdplb_config cfg;
	__u32 tcp = 0, fin = 0, udp = 0, *which;
	bool change = argc > 0;
	struct lb lb;
	int err;

	while (argc > 0) {
		if (!strcmp(*argv, "tcp"))
			which = &tcp;
		else if (!strcmp(*argv, "tcpfin"))
			which = &fin;
		else if (!strcmp(*argv, "udp"))
			which = &udp;
		else
			return bad_arg(*argv, "unknown keyword (expected tcp, tcpfin or udp)");
		REQ_ARG("SECS");
		if (parse_u32(*argv, 1, XDPLB_MAX_TIMEOUT, which))
			return bad_arg(*argv, "timeout must be 1..%u seconds", XDPLB_MAX_TIMEOUT);
		NEXT_ARG();
	}
	err = state_open(&lb, change);
	if (err)
		return err;
	err = lb_config_get(&lb, &cfg);
	if (!err && change) {
		cfg.tcp_timeout = tcp ?: cfg.tcp_timeout;
		cfg.tcpfin_timeout = fin ?: cfg.tcpfin_timeout;
		cfg.udp_timeout = udp ?: cfg.udp_timeout;
		err = lb_config_set(&lb, &cfg);
	}
	if (err) {
		p_err("flow timeouts: %s", strerror(-err));
	} else if (!change && json_output) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "tcp", json_object_new_int64(cfg.tcp_timeout));
		json_object_object_add(o, "tcpfin", json_object_new_int64(cfg.tcpfin_timeout));
		json_object_object_add(o, "udp", json_object_new_int64(cfg.udp_timeout));
		json_print(o);
	} else if (!change) {
		printf("Timeout (tcp tcpfin udp): %u %u %u\n", cfg.tcp_timeout, cfg.tcpfin_timeout,
		       cfg.udp_timeout);
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

int do_flow(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "timeout", flow_timeout },
		{ "gc", flow_gc },
		{ "help", flow_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, flow_help);
}
