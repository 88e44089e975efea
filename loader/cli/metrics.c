// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb metrics`: the Prometheus text exposition, once, to stdout (lib/metrics.c builds it;
 * the daemon serves the same over HTTP with its own families added). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "lib/metrics.h"
#include "util/common.h"

static int metrics_help(void)
{
	if (json_help())
		return 0;
	printf("Usage: %1$s metrics\n"
	       "\n"
	       "  Prints the counters and states of the balancer in the Prometheus text format\n"
	       "  (VIPs, backends, verdicts, the flow table), once, for a node without the\n"
	       "  daemon (a node_exporter textfile, a cron job).  '%1$s daemon metrics ADDR:PORT'\n"
	       "  serves the same over HTTP, with the health checks' and the GC's metrics.\n",
	       bin_name);
	return 0;
}

int do_metrics(int argc, char **argv)
{
	struct lb lb;
	size_t len;
	char *text;
	int err;

	if (argc > 0) {
		if (is_prefix(*argv, "help"))
			return metrics_help();
		return bad_arg(*argv, "metrics takes no argument");
	}
	if (json_output)
		return bad_arg("-j", "metrics prints the Prometheus text format only");
	err = state_open(&lb, false);
	if (err)
		return err;
	err = metrics_build(&lb, NULL, NULL, &text, &len);
	lb_close(&lb);
	if (err) {
		p_err("metrics: %s", strerror(-err));
		return err;
	}
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout)) {
		err = -errno;
		p_err("metrics: %s", strerror(errno));
	}
	free(text);
	return err;
}
