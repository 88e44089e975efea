// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdplb import ipvsadm [FILE|-]`: an LVS configuration, as `ipvsadm-save -n` (or
 * `ipvsadm -S -n`) prints it, applied through the batch machinery (all or nothing).
 *
 * Each ipvsadm line becomes one batch command with the same line number, so that every error
 * names the line of the dump:
 *   -A -t|-u ADDR:PORT [-s SCHED] [-p [SECS]]    vip add PROTO ADDR:PORT sched S [persist P]
 *   -E (same options)                            vip set ...
 *   -D -t|-u ADDR:PORT                           vip del ...
 *   -a -t|-u ADDR:PORT -r ADDR[:PORT] [-g|-i|-m] [-w N]    real add ... weight N
 *   -e (same options), -d                        real set, real del
 *   -C                                           vip del of every VIP
 *   --set TCP TCPFIN UDP                         flow timeout tcp .. tcpfin .. udp ..
 * ipvsadm's defaults apply: scheduler wlc, forwarding -g (dr), weight 1, -p 300 seconds.
 * LVS chooses the forwarding method per real server, xdplb per VIP: a VIP's mode comes from
 * its real servers, and they must agree.  DR and TUN keep the service's port, as LVS does.
 * Whatever xdplb lacks (fwmark services, SCTP, other schedulers, scheduler flags, one-packet
 * scheduling, persistence engines and netmasks, connection thresholds, tunnel types other
 * than ipip) is an error naming the line, never silently dropped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "cli/cli.h"
#include "util/common.h"
#include "lib/conf.h"

/* The ipvsadm commands and options understood, short and long spellings. */
enum ipvs_cmd {
	C_NONE,
	C_ADD_SVC,
	C_EDIT_SVC,
	C_DEL_SVC,
	C_ADD_RS,
	C_EDIT_RS,
	C_DEL_RS,
	C_CLEAR,
	C_SET
};

static const struct {
	const char *s, *l;
	enum ipvs_cmd cmd;
} ipvs_cmds[] = {
	{ "-A", "--add-service", C_ADD_SVC },
	{ "-E", "--edit-service", C_EDIT_SVC },
	{ "-D", "--delete-service", C_DEL_SVC },
	{ "-a", "--add-server", C_ADD_RS },
	{ "-e", "--edit-server", C_EDIT_RS },
	{ "-d", "--delete-server", C_DEL_RS },
	{ "-C", "--clear", C_CLEAR },
	{ NULL, "--set", C_SET },
};

/* One parsed ipvsadm line. */
struct ipvs_line {
	enum ipvs_cmd cmd;
	const char *proto; /* "tcp" or "udp" */
	const char *service;
	const char *sched;
	const char *persist; /* NULL: not given; "300" when -p has no value */
	const char *real;
	const char *weight;
	int method; /* XDPLB_MODE_* or -1 */
	const char *set[3];
	char svcbuf[80], realbuf[80]; /* service and real server with names resolved */
};

/* The translation: one output line per input line, and what it needs to know. */
struct imp {
	struct batch_line *out;
	int nout, cap;
	char **texts;
	/* VIPs as the dump leaves them so far: for -C, and for the VIP modes.  A VIP that the dump
	 * adds has line = its output line + 1 and mark set once a real server fixed its mode. */
	struct conf c;
};

static const char *const method_flag[XDPLB_MODE_MAX] = {
	[XDPLB_MODE_TUN] = "-i",
	[XDPLB_MODE_DR] = "-g",
	[XDPLB_MODE_NAT] = "-m",
};

static int unsupported(const char *what, const char *hint)
{
	p_err("%s: not supported by xdplb%s", what, hint ? hint : "");
	return -XDPLB_EUSAGE;
}

static bool opt_is(const char *a, const char *s, const char *l)
{
	return (s && !strcmp(a, s)) || (l && !strcmp(a, l));
}

/* Options that take a value and that xdplb cannot honour. */
static const struct {
	const char *s, *l, *why;
} refused[] = {
	{ "-f", "--fwmark-service", "fwmark services (-f)" },
	{ NULL, "--sctp-service", "SCTP services (--sctp-service)" },
	{ "-b", "--sched-flags", "scheduler flags (-b)" },
	{ NULL, "--pe", "persistence engines (--pe)" },
	{ NULL, "--tun-port", "tunnel ports (--tun-port)" },
	{ NULL, "--tun-nocsum", "tunnel checksum options (--tun-nocsum)" },
	{ NULL, "--tun-csum", "tunnel checksum options (--tun-csum)" },
	{ NULL, "--tun-remcsum", "tunnel checksum options (--tun-remcsum)" },
	{ "-o", "--ops", "one-packet scheduling (-o)" },
	{ "-6", "--ipv6", "IPv6 fwmark services (-6)" },
	{ "-Z", "--zero", "-Z (zero counters): not a configuration command" },
	{ "-L", "--list", "-L (list): not a configuration command" },
	{ NULL, "--start-daemon", "connection synchronisation (--start-daemon)" },
	{ NULL, "--stop-daemon", "connection synchronisation (--stop-daemon)" },
};

static bool is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/*
 * Host and service names, as ipvsadm resolves them (ipvsadm-save without -n writes them):
 * HOST[:PORT] or [ADDR6][:PORT] into numbers in @out.  A host name is looked up for an IPv4
 * address (getaddrinfo(), ipvsadm takes the first), a port name in /etc/services for @proto.
 */
bool ipvs_lookup_names = true;

static int ipvs_numeric(const char *s, const char *proto, char *out, size_t len)
{
	char host[256], a[INET6_ADDRSTRLEN];
	const char *port = NULL, *close;
	unsigned char bin[16];

	if (s[0] == '[') { /* [ADDR6][:PORT]: the address must be numeric (as in ipvsadm) */
		close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':')) {
			snprintf(out, len, "%s", s); /* parse_service() says what is wrong */
			return 0;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - s + 1), s);
		port = close[1] ? close + 2 : NULL;
	} else if (inet_pton(AF_INET6, s, bin) == 1) {
		snprintf(out, len, "%s", s);
		return 0;
	} else {
		const char *colon = strrchr(s, ':');

		snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
		port = colon ? colon + 1 : NULL;
		if (inet_pton(AF_INET, host, bin) != 1) {
			struct addrinfo hints = { .ai_family = AF_INET }, *res = NULL;
			int rc =
			    ipvs_lookup_names ? getaddrinfo(host, NULL, &hints, &res) : EAI_NONAME;

			if (rc || !res) {
				p_err("host \"%s\": %s (ipvsadm-save -n and ipvsadm -S -n write "
				      "numeric addresses)",
				      host, rc ? gai_strerror(rc) : "no IPv4 address");
				return -XDPLB_EUSAGE;
			}
			inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, a,
				  sizeof(a));
			freeaddrinfo(res);
			snprintf(host, sizeof(host), "%s", a);
		}
	}
	if (port && *port && !is_number(port)) {
		struct servent *se = ipvs_lookup_names ? getservbyname(port, proto) : NULL;

		if (!se) {
			p_err("service \"%s\": not a %s port in /etc/services (ipvsadm-save -n and "
			      "ipvsadm -S -n write numeric ports)",
			      port, proto);
			return -XDPLB_EUSAGE;
		}
		if (snprintf(out, len, "%s:%u", host, ntohs(se->s_port)) >= (int)len)
			return bad_arg(s, "too long");
		return 0;
	}
	if (snprintf(out, len, "%s%s%s", host, port ? ":" : "", port ? port : "") >= (int)len)
		return bad_arg(s, "too long");
	return 0;
}

int ipvsadm_service(const char *proto, const char *s, char *out, size_t len)
{
	return ipvs_numeric(s, proto, out, len);
}

static int parse_ipvs_line(int argc, char **argv, struct ipvs_line *l)
{
	memset(l, 0, sizeof(*l));
	l->method = -1;
	if (argc > 0 && !strcmp(argv[0], "ipvsadm"))
		NEXT_ARG();
	for (; argc > 0; NEXT_ARG()) {
		const char *a = *argv;
		size_t i;

		for (i = 0; i < sizeof(ipvs_cmds) / sizeof(ipvs_cmds[0]); i++)
			if (opt_is(a, ipvs_cmds[i].s, ipvs_cmds[i].l))
				break;
		if (i < sizeof(ipvs_cmds) / sizeof(ipvs_cmds[0])) {
			if (l->cmd) {
				p_err("%s: one command per line", a);
				return -XDPLB_EUSAGE;
			}
			l->cmd = ipvs_cmds[i].cmd;
			if (l->cmd == C_SET) {
				for (int k = 0; k < 3; k++) {
					REQ_ARG("TCP TCPFIN UDP timeouts");
					l->set[k] = *argv;
				}
			}
			continue;
		}
		for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
			if (opt_is(a, refused[i].s, refused[i].l))
				return unsupported(refused[i].why,
						   refused[i].s && !strcmp(refused[i].s, "-f")
						       ? " (it balances protocol, address, port)"
						       : NULL);
		if (opt_is(a, "-t", "--tcp-service") || opt_is(a, "-u", "--udp-service")) {
			REQ_ARG("ADDR:PORT");
			l->proto = a[1] == 't' || a[2] == 't' ? "tcp" : "udp";
			l->service = *argv;
		} else if (opt_is(a, "-s", "--scheduler")) {
			REQ_ARG("a scheduler");
			l->sched = *argv;
		} else if (opt_is(a, "-p", "--persistent")) {
			/* the timeout is optional: ipvsadm's default is 300 seconds */
			l->persist = "300";
			if (argc > 1 && is_number(argv[1])) {
				NEXT_ARG();
				l->persist = *argv;
			}
		} else if (opt_is(a, "-M", "--netmask")) {
			REQ_ARG("a netmask");
			if (strcmp(*argv, "255.255.255.255") && strcmp(*argv, "128"))
				return unsupported(
				    "persistence netmasks other than 255.255.255.255 "
				    "(-M)",
				    " (it persists per client address)");
		} else if (opt_is(a, "-r", "--real-server")) {
			REQ_ARG("ADDR[:PORT]");
			l->real = *argv;
		} else if (opt_is(a, "-g", "--gatewaying")) {
			l->method = XDPLB_MODE_DR;
		} else if (opt_is(a, "-i", "--ipip")) {
			l->method = XDPLB_MODE_TUN;
		} else if (opt_is(a, "-m", "--masquerading")) {
			l->method = XDPLB_MODE_NAT;
		} else if (opt_is(a, "-w", "--weight")) {
			REQ_ARG("a weight");
			l->weight = *argv;
		} else if (opt_is(a, "-x", "--u-threshold") || opt_is(a, "-y", "--l-threshold")) {
			REQ_ARG("a connection threshold");
			if (strcmp(*argv, "0"))
				return unsupported("connection thresholds (-x, -y)", NULL);
		} else if (opt_is(a, NULL, "--tun-type")) {
			REQ_ARG("a tunnel type");
			if (strcmp(*argv, "ipip"))
				return unsupported("tunnel types other than ipip (--tun-type)",
						   NULL);
		} else if (a[0] == '-') {
			p_err("ipvsadm option \"%s\": unknown", a);
			return -XDPLB_EUSAGE;
		} else {
			p_err("ipvsadm: unexpected \"%s\" (expected an option)", a);
			return -XDPLB_EUSAGE;
		}
	}
	if (!l->cmd) {
		p_err("ipvsadm: missing command (expected -A, -E, -D, -a, -e, -d, -C or --set)");
		return -XDPLB_EUSAGE;
	}
	if (l->cmd != C_CLEAR && l->cmd != C_SET && !l->service) {
		p_err("ipvsadm: missing service (expected -t or -u ADDR:PORT)");
		return -XDPLB_EUSAGE;
	}
	if ((l->cmd == C_ADD_RS || l->cmd == C_EDIT_RS || l->cmd == C_DEL_RS) && !l->real) {
		p_err("ipvsadm: missing real server (expected -r ADDR[:PORT])");
		return -XDPLB_EUSAGE;
	}
	if (l->service) {
		int err = ipvs_numeric(l->service, l->proto, l->svcbuf, sizeof(l->svcbuf));

		if (err)
			return err;
		l->service = l->svcbuf;
	}
	if (l->real) {
		int err = ipvs_numeric(l->real, l->proto ? l->proto : "tcp", l->realbuf,
				       sizeof(l->realbuf));

		if (err)
			return err;
		l->real = l->realbuf;
	}
	return 0;
}

static int emit(struct imp *im, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int emit(struct imp *im, int line, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (im->nout == im->cap) {
		int cap = im->cap ? 2 * im->cap : 64;
		struct batch_line *o = realloc(im->out, cap * sizeof(*o));
		char **t = o ? realloc(im->texts, cap * sizeof(*t)) : NULL;

		if (o)
			im->out = o;
		if (!t) {
			p_err("import: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		im->texts = t;
		im->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		p_err("import: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	im->texts[im->nout] = s;
	im->out[im->nout++] = (struct batch_line){ .text = s, .line = line };
	return 0;
}

/* Append " mode M" to the vip add line of a VIP this dump adds. */
static int fix_mode(struct imp *im, struct conf_vip *v, int mode)
{
	char *s;

	if (asprintf(&s, "%s mode %s", im->texts[v->line - 1], mode_names[mode]) < 0) {
		p_err("import: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	free(im->texts[v->line - 1]);
	im->texts[v->line - 1] = s;
	im->out[v->line - 1].text = s;
	v->vip.mode = mode;
	v->mark = true;
	return 0;
}

/* ADDR:PORT of a service, checked (the errors name the ipvsadm option). */
static int service_key(const struct ipvs_line *l, struct xdplb_vip_key *key)
{
	char *argv[2] = { (char *)l->proto, (char *)l->service };

	return parse_service(2, argv, key);
}

static int translate_one(struct imp *im, int line, const struct ipvs_line *l)
{
	struct xdplb_vip_key key;
	struct conf_vip *v = NULL;
	char svc[80];
	int err, sched;

	if (l->cmd == C_SET) {
		bool set[3];

		for (int k = 0; k < 3; k++) {
			if (!is_number(l->set[k]))
				return bad_arg(l->set[k], "--set takes three timeouts in seconds");
			/* ipvsadm: 0 (00, ...) leaves a timeout as it is */
			set[k] = strspn(l->set[k], "0") < strlen(l->set[k]);
		}
		if (!set[0] && !set[1] && !set[2])
			return 0; /* --set 0 0 0: nothing to change */
		return emit(im, line, "flow timeout%s%s%s%s%s%s", set[0] ? " tcp " : "",
			    set[0] ? l->set[0] : "", set[1] ? " tcpfin " : "",
			    set[1] ? l->set[1] : "", set[2] ? " udp " : "",
			    set[2] ? l->set[2] : "");
	}
	if (l->cmd == C_CLEAR) {
		for (int i = 0; i < im->c.nvips; i++) {
			v = &im->c.vips[i];
			if (v->gone)
				continue;
			err = emit(im, line, "vip del %s", fmt_service(&v->key, svc, sizeof(svc)));
			if (err)
				return err;
			conf_vip_del(&im->c, v);
		}
		return 0;
	}
	err = service_key(l, &key);
	if (err)
		return err;
	fmt_service(&key, svc, sizeof(svc));
	v = conf_vip_find(&im->c, &key);

	if (l->cmd == C_ADD_SVC || l->cmd == C_EDIT_SVC) {
		const char *s = l->sched ? l->sched : "wlc"; /* ipvsadm's default */
		struct xdplb_vip p = {};

		if (l->real || l->weight || l->method >= 0)
			return unsupported("real-server options on a service line", NULL);
		sched = name_index(sched_names, XDPLB_SCHED_MAX, s);
		if (sched < 0) {
			p_err("scheduler \"%s\": not supported by xdplb (rr, wrr, lc, wlc, sh, mh)",
			      s);
			return -XDPLB_EUSAGE;
		}
		if (l->cmd == C_EDIT_SVC)
			return emit(im, line, "vip set %s sched %s persist %s", svc, s,
				    l->persist ? l->persist : "0");
		err = emit(im, line, "vip add %s sched %s%s%s", svc, s,
			   l->persist ? " persist " : "", l->persist ? l->persist : "");
		/* remember it, mode not known yet; a duplicate is the batch's error to report */
		if (!err && !v && !conf_vip_add(&im->c, &key, &p, im->nout))
			err = -ENOMEM;
		return err;
	}
	if (l->cmd == C_DEL_SVC) {
		if (v)
			conf_vip_del(&im->c, v);
		return emit(im, line, "vip del %s", svc);
	}

	/* real servers */
	if (l->sched || l->persist)
		return unsupported("service options on a real-server line", NULL);
	if (l->cmd == C_DEL_RS)
		return emit(im, line, "real del %s %s", svc, l->real);
	{
		int method = l->method >= 0 ? l->method : XDPLB_MODE_DR; /* ipvsadm's default */
		char addr[80];

		if (v && v->line && !v->mark && l->cmd == C_ADD_RS) {
			err = fix_mode(im, v, method);
			if (err)
				return err;
		} else if (v && !v->line && !v->mark && l->cmd == C_ADD_RS) {
			/* a VIP already there without backends: its first real server sets its
			 * mode, as in a dump */
			err = emit(im, line, "vip set %s mode %s", svc, mode_names[method]);
			if (err)
				return err;
			v->vip.mode = method;
			v->mark = true;
		} else if (v && v->mark && (l->method >= 0 || l->cmd == C_ADD_RS) &&
			   v->vip.mode != method) {
			p_err("real server %s: forwarding %s (%s) differs from the other real "
			      "servers' "
			      "of %s (%s): xdplb has one forwarding mode per VIP",
			      l->real, method_flag[method], mode_names[method], svc,
			      mode_names[v->vip.mode]);
			return -XDPLB_EUSAGE;
		}
		snprintf(addr, sizeof(addr), "%s", l->real);
		if (method != XDPLB_MODE_NAT) {
			/* LVS gives DR and TUN real servers the service's port */
			char *colon = strrchr(addr, ':');

			if (addr[0] == '[') {
				char *close = strchr(addr, ']');

				if (close)
					close[1] = 0;
			} else if (colon && strchr(addr, ':') == colon) {
				*colon = 0;
			}
		}
		return emit(im, line, "real %s %s %s weight %s", l->cmd == C_ADD_RS ? "add" : "set",
			    svc, addr, l->weight ? l->weight : "1");
	}
}

static int import_prepare(struct batch_input *in, const struct conf *c)
{
	struct imp *im = in->ctx;
	char *argv[64];
	int err = conf_copy(&im->c, c);

	if (err) {
		p_err("import: %s", strerror(-err));
		return err;
	}
	/* existing VIPs with backends have their mode; the first real server of one without
	 * sets it */
	for (int i = 0; i < im->c.nvips; i++)
		im->c.vips[i].mark = im->c.vips[i].live > 0;
	/* the dump's lines in, batch lines out */
	for (int i = 0; i < in->n; i++) {
		struct ipvs_line l;
		int argc;

		err_ctx_set(in->file, in->lines[i].line);
		if (in->lines[i].argv) { /* a command line's own words (xdplb ipvsadm) */
			argc = in->lines[i].argc <= 64 ? in->lines[i].argc : -1;
			if (argc > 0)
				memcpy(argv, in->lines[i].argv, argc * sizeof(*argv));
		} else {
			argc = split_words(in->lines[i].text, argv, sizeof(argv) / sizeof(argv[0]));
		}
		if (argc == 0)
			continue;
		if (argc < 0) {
			p_err("more than %zu words, or an unterminated quote",
			      sizeof(argv) / sizeof(argv[0]));
			return -XDPLB_EUSAGE;
		}
		err = parse_ipvs_line(argc, argv, &l);
		if (!err)
			err = translate_one(im, in->lines[i].line, &l);
		if (err)
			return err;
	}
	err_ctx_set(NULL, 0);
	in->lines = im->out;
	in->n = im->nout;
	if (debug_output)
		for (int i = 0; i < im->nout; i++)
			p_dbg("%s line %d: %s", in->file, im->out[i].line, im->out[i].text);
	return 0;
}

static int import_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf("Usage: %1$s import ipvsadm [ FILE | - ] [ check ]\n"
	       "       %1$s import keepalived { FILE | - } [ print | check ]\n"
	       "\n"
	       "  Applies an LVS configuration as 'ipvsadm-save -n' or 'ipvsadm -S -n' prints it\n"
	       "  (default: stdin), all of it or nothing, as 'batch file' does: -A/-E/-D services\n"
	       "  (-t, -u; -s rr|wrr|lc|wlc|sh|mh, default wlc; -p [SECS]), -a/-e/-d real servers\n"
	       "  (-r ADDR[:PORT]; -g dr, -i tun, -m nat, default -g; -w N), -C, --set.  All real\n"
	       "  servers of a service must use the same forwarding method.  What xdplb lacks\n"
	       "  (-f fwmark, other schedulers, -b, -o, --pe, thresholds) is an error naming the "
	       "line.\n"
	       "  Host and service names are resolved as ipvsadm does (IPv4, /etc/services).\n"
	       "  check  only check, change nothing ('-d' prints the translated commands)\n"
	       "\n"
	       "  keepalived: the LVS part of a keepalived.conf (virtual_server blocks, their\n"
	       "  real servers and checkers, include), applied the same way; print prints the\n"
	       "  commands instead ('%1$s import keepalived help' says more).\n",
	       bin_name);
	return 0;
}

static void imp_free(struct imp *im)
{
	for (int i = 0; i < im->nout; i++)
		free(im->texts[i]);
	free(im->texts);
	free(im->out);
	conf_free(&im->c);
}

int import_ipvsadm(int argc, char **argv)
{
	/* stdin unless FILE is given */
	struct imp im = {};
	struct batch_input in = { .file = "-", .prepare = import_prepare, .ctx = &im };
	int err = batch_file_cmd(argc, argv, "import ipvsadm", &in);

	imp_free(&im);
	return err;
}

int import_ipvsadm_argv(int argc, char **argv)
{
	struct batch_line line = { .argc = argc, .argv = argv };
	struct imp im = {};
	struct batch_input in = { .lines = &line, .n = 1, .prepare = import_prepare, .ctx = &im };
	int err = batch_run(&in, false);

	imp_free(&im);
	return err;
}

int import_ipvsadm_check_conf(const char *file, struct batch_line *lines, int n,
			      const struct conf *c)
{
	struct imp im = {};
	struct batch_input in = {
		.file = file, .lines = lines, .n = n, .prepare = import_prepare, .ctx = &im
	};
	int err = batch_check_conf(&in, c);

	imp_free(&im);
	return err;
}

int do_import(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "ipvsadm", import_ipvsadm },
		{ "keepalived", import_keepalived },
		{ "help", import_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, import_help);
}
