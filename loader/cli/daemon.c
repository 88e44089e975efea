// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb daemon`: its options; the daemon itself is loader/daemon. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "cli/cli.h"
#include "daemon/daemon.h"
#include "daemon/http.h"
#include "util/common.h"

static int daemon_help(void)
{
	if (json_help())
		return 0;
	printf("Usage: %1$s daemon [ config FILE ] [ pidfile FILE ]\n"
	       "                    [ metrics { ADDR:PORT | PORT | on | off } ]\n"
	       "\n"
	       "Runs the health checks (see \"%1$s check help\") in the foreground, writes each\n"
	       "backend's state (up/down) into the maps, and expires idle flows every second.\n"
	       "With 'config set announce table N', keeps a host route for each VIP address this\n"
	       "node announces in that table (see \"%1$s node help\"), for BIRD to export.\n"
	       "Logs one line per change to stderr.  config FILE holds \"check set ...\" lines\n"
	       "(# comments), applied at start and on SIGHUP; pidfile FILE gets its pid.  SIGTERM\n"
	       "stops it: it withdraws its routes, and the data plane keeps the last states.\n"
	       "metrics serves the Prometheus metrics (\"%1$s metrics\", plus the checks' and\n"
	       "the GC's) at http://ADDR:PORT/metrics; PORT alone listens on 127.0.0.1, on\n"
	       "means 127.0.0.1:9124; off (the default) serves nothing.\n",
	       bin_name);
	return 0;
}

int do_daemon(int argc, char **argv)
{
	struct daemon_opts o = {};

	while (argc > 0) {
		if (!strcmp(*argv, "help"))
			return daemon_help();
		if (!strcmp(*argv, "config")) {
			REQ_ARG("a FILE");
			o.conf_path = *argv;
		} else if (!strcmp(*argv, "pidfile")) {
			REQ_ARG("a FILE");
			o.pid_path = *argv;
		} else if (!strcmp(*argv, "metrics")) {
			struct sockaddr_storage sa;
			unsigned int len;

			REQ_ARG("ADDR:PORT, PORT, on or off");
			if (!strcmp(*argv, "off"))
				o.metrics = NULL;
			else if (metrics_http_parse(*argv, &sa, &len))
				return -XDPLB_EUSAGE;
			else
				o.metrics = *argv;
		} else {
			return bad_arg(*argv,
				       "unknown keyword (expected config, pidfile or metrics)");
		}
		NEXT_ARG();
	}
	return daemon_run(&o);
}
