// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdplb: global options and dispatch to the objects. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "cli/cli.h"
#include "util/common.h"
#include "cli/check.h"

#define HELP_OPTIONS "OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | --bpffs DIR }"

static int do_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %s [OPTIONS] OBJECT { COMMAND | help }\n"
	    "OBJECT  := { dev | vip | real | check | daemon | stats | metrics | flow | explain |\n"
	    "             config | save | batch | import | ipvsadm | decap | node | trace |\n"
	    "             version }\n" HELP_OPTIONS "\n"
	    "SERVICE := { tcp | udp } ADDR:PORT   (IPv6: [ADDR]:PORT; port 0 = all ports)\n"
	    "'%s OBJECT help' shows an object's commands.\n",
	    bin_name, bin_name);
	return 0;
}

static int do_version(int argc, char **argv)
{
	if (argc > 0 && is_prefix(*argv, "help")) {
		if (json_output)
			puts("null");
		else
			printf("Usage: %s version\n", bin_name);
		return 0;
	}
	if (argc > 0)
		return bad_arg(*argv, "version takes no argument");
	if (json_output) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "version", json_object_new_string(XDPLB_VERSION));
		json_print(o);
	} else {
		printf("%s %s (libbpf %s)\n", bin_name, XDPLB_VERSION, libbpf_version_string());
	}
	return 0;
}

/* libbpf's and libxdp's own messages (verifier logs included) only with -d: without it,
 * each failure is reported once, by us, as "Error: ..."; libxdp's fallback from its
 * dispatcher to a single program is a normal event, not something to alarm users with. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return debug_output ? vfprintf(stderr, fmt, ap) : 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return debug_output ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },  { "pretty", no_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' }, { "bpffs", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },  { 0 },
	};
	/* in columns, whatever the count (clang-format goes one a line for a partial row) */
	/* clang-format off */
	static const struct cmd cmds[] = {
		{ "dev", do_dev },         { "vip", do_vip },         { "real", do_real },
		{ "check", do_check },     { "daemon", do_daemon },   { "stats", do_stats },
		{ "decap", do_decap },     { "flow", do_flow },       { "config", do_config },
		{ "save", do_save },       { "batch", do_batch },     { "import", do_import },
		{ "metrics", do_metrics }, { "node", do_node },       { "version", do_version },
		{ "help", do_help },       { "ipvsadm", do_ipvsadm }, { "explain", do_explain },
		{ "trace", do_trace },     { NULL, NULL },
	};
	/* clang-format on */
	const char *base = strrchr(argv[0], '/');
	int opt, err;

	/* run as "ipvsadm" (make install IPVSADM=1 links it): ipvsadm's own command line; the
	 * pin directory from XDPLB_BPFFS, if set */
	if (!strcmp(base ? base + 1 : argv[0], "ipvsadm")) {
		bin_name = "ipvsadm";
		if (getenv("XDPLB_BPFFS"))
			pin_dir = getenv("XDPLB_BPFFS");
		libbpf_set_print(libbpf_print);
		libxdp_set_print(libxdp_print);
		err = do_ipvsadm(argc - 1, argv + 1);
		msg_hold(false); /* what was held while the state lock was */
		return err == -XDPLB_EUSAGE ? 2 : err ? 1 : 0;
	}

	while ((opt = getopt_long(argc, argv, "+jpdh", opts, NULL)) >= 0) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = pretty_output = true;
			break;
		case 'd':
			debug_output = true;
			break;
		case 'b':
			pin_dir = optarg;
			break;
		case 'h':
			return do_help(0, NULL);
		default:
			fprintf(stderr, "Usage: %s [OPTIONS] OBJECT { COMMAND | help }\n",
				bin_name);
			return 2;
		}
	}
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		p_err("missing OBJECT: try \"%s help\"", bin_name);
		if (!json_output)
			fprintf(stderr, "Usage: %s [OPTIONS] OBJECT { COMMAND | help }\n",
				bin_name);
		return 2;
	}
	err = cmd_select(cmds, argc, argv, do_help);
	msg_hold(false); /* what was held while the state lock was (every command has let go) */
	if (err == -XDPLB_EUSAGE)
		return 2;
	return err ? 1 : 0;
}
