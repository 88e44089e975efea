// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdplb import keepalived { FILE | - } [ print | check ]`: the LVS part of a keepalived.conf
 * (virtual_server blocks, their real servers and health checkers) as xdplb commands, applied
 * all or nothing through the batch checker, or printed.
 *
 * Three steps.  The lexer reads the file and what it includes (glob patterns, relative to the
 * including file's directory, as keepalived does) into words and braces, each with its file
 * and line; '#' and '!' start comments, quotes group words.  The parser makes a tree of
 * statements (a keyword, its words up to the end of the line, and a block in braces).  The
 * translator walks virtual_server blocks and writes batch lines (vip add, real add, check set,
 * every option spelled out as save does); each line keeps the file and line of the directive
 * it comes from, so that the batch checker's errors name them too.
 *
 * Nothing is dropped silently: a directive xdplb has no equivalent for is an error when it
 * changes where traffic goes or when a backend counts as healthy, a warning when the
 * translation only approximates it, and a note when it is skipped by design (global_defs,
 * vrrp_* blocks: xdplb nodes announce VIPs over BGP instead of VRRP).  The mapping is in
 * xdplb(8), import keepalived.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "cli/check.h"
#include "cli/cli.h"
#include "health/health.h"
#include "lib/conf.h"
#include "util/common.h"
#include "cli/keepalived.h"

/* ---- the translation ---- */

struct kout {
	struct batch_line *out;
	int n, cap;
	bool flow_timeout_done;
};

__attribute__((format(printf, 3, 4))) static int emit(struct kout *o, struct where w,
						      const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (o->n == o->cap) {
		int cap = o->cap ? 2 * o->cap : 64;
		struct batch_line *n = realloc(o->out, cap * sizeof(*n));

		if (!n)
			return ka_no_memory();
		o->out = n;
		o->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!ka_keep(s))
		return ka_no_memory();
	o->out[o->n++] = (struct batch_line){ .text = s, .line = w.line, .file = w.file };
	return 0;
}

static int addr_port(const struct knode *n, int first, __be32 addr[4], __u8 *family, __u16 *port,
		     bool port_needed)
{
	unsigned long v;
	char *end;

	if (n->nargs < first + 1 || n->nargs > first + 2)
		return ka_err(n->w, "%s takes an IP address%s", n->key,
			      port_needed ? " and a port" : " and an optional port");
	if (parse_addr(n->args[first], addr, family))
		return ka_err(n->w, "%s %s: not an IP address", n->key, n->args[first]);
	*port = 0;
	if (n->nargs == first + 2) {
		v = strtoul(n->args[first + 1], &end, 10);
		if (*end || !n->args[first + 1][0] || v > 65535)
			return ka_err(n->w, "%s: port %s: expected 0..65535", n->key,
				      n->args[first + 1]);
		*port = v;
	} else if (port_needed) {
		return ka_err(n->w, "%s %s: a port is needed", n->key, n->args[first]);
	}
	return 0;
}

static int real_server(const struct knode *b, struct kreal *r, const struct kparams *vs)
{
	int err;

	r->w = b->w;
	r->weight = 1;
	r->mode = -1;
	r->p = *vs;
	err = addr_port(b, 0, r->addr, &r->family, &r->port, false);
	if (err)
		return err;
	if (!b->block)
		return ka_err(b->w, "real_server takes a block");
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];

		if (ka_param_common(n, &r->p, &err))
			continue;
		if (ka_is_key(n, "weight")) {
			err = ka_get_uint(n, 65535, &r->weight);
		} else if (ka_is_key(n, "lb_kind") || ka_is_key(n, "lvs_method")) {
			err = ka_get_method(n, &r->mode);
			r->mode_w = n->w;
		} else if (ka_is_key(n, "TCP_CHECK") || ka_is_key(n, "HTTP_GET") ||
			   ka_is_key(n, "SSL_GET") || ka_is_key(n, "MISC_CHECK")) {
			/* below: the real server's settings are its defaults, wherever they are */
		} else if (!strcmp(n->key + strlen(n->key) - (strlen(n->key) > 6 ? 6 : 0),
				   "_CHECK")) {
			err = ka_err(n->w,
				     "%s: not supported: xdplb checks are TCP_CHECK, HTTP_GET, "
				     "SSL_GET and MISC_CHECK (xdplb check set ... tcp, http, "
				     "https, exec)",
				     n->key);
		} else if (ka_is_key(n, "notify_up") || ka_is_key(n, "notify_down")) {
			ka_warn(n->w,
				"%s: not supported: xdplb daemon logs state changes, it runs "
				"no script",
				n->key);
		} else if (ka_is_key(n, "uthreshold") || ka_is_key(n, "lthreshold")) {
			err = ka_err(n->w, "%s: not supported: xdplb has no connection thresholds",
				     n->key);
		} else {
			err = ka_err(n->w, "%s: unknown in real_server", n->key);
		}
	}
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];

		if (ka_is_key(n, "TCP_CHECK") || ka_is_key(n, "HTTP_GET") ||
		    ka_is_key(n, "SSL_GET") || ka_is_key(n, "MISC_CHECK")) {
			if (!r->check.set)
				r->check.p = r->p;
			err = ka_checker(n, r->addr, r->family, &r->check);
		}
	}
	return err;
}

/* lb_algo / lvs_sched: xdplb's schedulers, a few mapped onto wlc, the others refused. */
static int get_sched(const struct knode *n, int *sched)
{
	static const char *const as_wlc[] = { "sed", "nq", "twos" };
	int err = ka_want_args(n, 1, 1), i;

	if (err)
		return err;
	i = name_index(sched_names, XDPLB_SCHED_MAX, n->args[0]);
	if (i >= 0) {
		*sched = i;
		return 0;
	}
	for (size_t k = 0; k < sizeof(as_wlc) / sizeof(as_wlc[0]); k++) {
		if (!strcmp(n->args[0], as_wlc[k])) {
			ka_warn(n->w,
				"%s %s: mapped to wlc (weighted least connections, LVS's "
				"overhead), the closest xdplb has",
				n->key, n->args[0]);
			*sched = XDPLB_SCHED_WLC;
			return 0;
		}
	}
	return ka_err(n->w,
		      "%s %s: not supported by xdplb (rr, wrr, lc, wlc, sh, mh; sed, nq and "
		      "twos map to wlc)",
		      n->key, n->args[0]);
}

static const char *real_text(const struct kreal *r, const struct xdplb_vip_key *key, int mode,
			     char *buf, size_t len)
{
	__be16 port = mode == XDPLB_MODE_NAT && r->port ? htons(r->port) : key->port;

	if (!key->port)
		return fmt_addr(r->addr, r->family, buf, len);
	return fmt_addr_port(r->addr, r->family, port, buf, len);
}

static int virtual_server(const struct knode *b, struct kout *o)
{
	struct kparams p = { -1, -1, -1, -1, -1, NULL, {} };
	struct xdplb_vip_key key = {};
	struct kreal *reals = NULL, sorry = {};
	int nreals = 0, mode = XDPLB_MODE_NAT, sched = XDPLB_SCHED_WLC, err = 0;
	unsigned long persist = 0, quorum = 1, hyst = 0, v;
	bool have_sorry = false, quorum_set = false, inhibit_mixed = false;
	int sorry_mode = -1, inhibit_all = 1;
	const struct knode *quorum_node = NULL;
	char svc[80], a[80], cf[600];
	__u16 port;

	if (b->nargs >= 1 && (ka_is_key(b, "virtual_server") &&
			      (!strcmp(b->args[0], "fwmark") || !strcmp(b->args[0], "group"))))
		return ka_err(b->w,
			      "virtual_server %s: not supported: xdplb balances protocol, "
			      "address and port (write one virtual_server per address)",
			      b->args[0]);
	err = addr_port(b, 0, key.addr, &key.family, &port, false);
	if (err)
		return err;
	if (!b->block)
		return ka_err(b->w, "virtual_server takes a block");
	key.port = htons(port);
	key.proto = 6;
	reals = ka_alloc((b->nkids + 1) * sizeof(*reals));
	if (!reals)
		return ka_no_memory();
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];

		if (ka_param_common(n, &p, &err))
			continue;
		if (ka_is_key(n, "lb_algo") || ka_is_key(n, "lvs_sched")) {
			err = get_sched(n, &sched);
		} else if (ka_is_key(n, "lb_kind") || ka_is_key(n, "lvs_method")) {
			err = ka_get_method(n, &mode);
		} else if (ka_is_key(n, "protocol")) {
			err = ka_want_args(n, 1, 1);
			if (!err && !strcmp(n->args[0], "TCP"))
				key.proto = 6;
			else if (!err && !strcmp(n->args[0], "UDP"))
				key.proto = 17;
			else if (!err)
				err = ka_err(n->w, "protocol %s: not supported (TCP, UDP)",
					     n->args[0]);
		} else if (ka_is_key(n, "persistence_timeout")) {
			persist = DEF_PERSIST;
			if (n->nargs)
				err = ka_get_uint(n, XDPLB_MAX_PERSIST, &persist);
		} else if (ka_is_key(n, "persistence_granularity")) {
			err = ka_want_args(n, 1, 1);
			if (!err && strcmp(n->args[0], "255.255.255.255") &&
			    strcmp(n->args[0], "128"))
				err = ka_err(n->w,
					     "persistence_granularity %s: not supported: xdplb "
					     "persists per client address",
					     n->args[0]);
		} else if (ka_is_key(n, "persistence_engine")) {
			err = ka_err(n->w, "persistence_engine: not supported (persistence is per "
					   "client address)");
		} else if (ka_is_key(n, "quorum") || ka_is_key(n, "hysteresis")) {
			err = ka_get_uint(n, 1u << 30, &v);
			if (ka_is_key(n, "quorum"))
				quorum = v ?: 1;
			else
				hyst = v;
			quorum_set = true;
			quorum_node = n;
		} else if (ka_is_key(n, "quorum_up") || ka_is_key(n, "quorum_down")) {
			ka_warn(n->w,
				"%s: not supported: xdplb runs no script; with 'config set "
				"announce', the VIP's route follows its quorum",
				n->key);
		} else if (ka_is_key(n, "sorry_server")) {
			err = addr_port(n, 0, sorry.addr, &sorry.family, &sorry.port, false);
			sorry.w = n->w;
			sorry.weight = 1;
			sorry.sorry = true;
			have_sorry = true;
		} else if (ka_is_key(n, "sorry_server_lvs_method")) {
			err = ka_get_method(n, &sorry_mode);
		} else if (ka_is_key(n, "sorry_server_inhibit")) {
			ka_warn(n->w,
				"sorry_server_inhibit: not supported: the sorry server has no "
				"check in xdplb");
		} else if (ka_is_key(n, "real_server")) {
			/* below: the virtual server's settings are the real servers' defaults,
			 * wherever they are in the block */
		} else if (ka_is_key(n, "ha_suspend")) {
			ka_note(n->w,
				"ha_suspend: skipped: xdplb checks backends whether or not this "
				"node holds the VIP");
		} else if (ka_is_key(n, "omega")) {
			ka_note(n->w, "omega: skipped: xdplb daemon's stop changes no state");
		} else if (ka_is_key(n, "ip_family")) {
			ka_note(n->w, "ip_family: skipped: the family is the address's");
		} else if (ka_is_key(n, "nat_mask")) {
			ka_note(n->w, "nat_mask: skipped (not used by LVS either)");
		} else if (ka_is_key(n, "ops") || !strncmp(n->key, "flag-", 5) ||
			   !strcmp(n->key, "sh-port") || !strcmp(n->key, "sh-fallback") ||
			   !strcmp(n->key, "mh-port") || !strcmp(n->key, "mh-fallback")) {
			err = ka_err(n->w,
				     "%s: not supported (scheduler flags, one-packet "
				     "scheduling): xdplb's sh hashes the client address, its mh "
				     "the 5-tuple",
				     n->key);
		} else {
			err = ka_err(n->w, "%s: unknown in virtual_server", n->key);
		}
	}
	for (int i = 0; i < b->nkids && !err; i++)
		if (ka_is_key(b->kids[i], "real_server"))
			err = real_server(b->kids[i], &reals[nreals++], &p);
	if (err)
		return err;
	fmt_service(&key, svc, sizeof(svc));
	/* one forwarding mode per VIP */
	for (int i = 0; i < nreals; i++)
		if (reals[i].mode >= 0 && reals[i].mode != mode)
			return ka_err(reals[i].mode_w,
				      "real_server: forwarding %s differs from the "
				      "virtual server's %s: xdplb has one forwarding mode "
				      "per VIP",
				      mode_names[reals[i].mode], mode_names[mode]);
	if (have_sorry && sorry_mode >= 0 && sorry_mode != mode)
		return ka_err(sorry.w,
			      "sorry_server_lvs_method: differs from the virtual server's "
			      "%s: xdplb has one forwarding mode per VIP",
			      mode_names[mode]);
	/* inhibit_on_failure: the backend stays with weight 0 and keeps its connections */
	for (int i = 0; i < nreals; i++) {
		if (reals[i].p.inhibit == 1)
			inhibit_mixed = true;
		else
			inhibit_all = 0;
	}
	if (!nreals)
		inhibit_all = p.inhibit == 1;
	if (inhibit_mixed && !inhibit_all)
		ka_warn(b->w, "inhibit_on_failure on some real servers only: xdplb decides per VIP "
			      "(ondown move): their flows move to live backends when they go down");
	/* quorum and hysteresis: keepalived sums weights, xdplb counts backends up */
	if (quorum_set && (quorum > 1 || hyst)) {
		unsigned long sum = 0, q = quorum, h = hyst;
		bool all1 = true;
		int nw = 0;

		for (int i = 0; i < nreals; i++) {
			sum += reals[i].weight;
			nw += reals[i].weight > 0;
			all1 &= reals[i].weight == 1;
		}
		if (!all1) {
			double w = nw ? (double)sum / nw : 1;

			q = (unsigned long)ceil(quorum / w - 1e-9);
			h = (unsigned long)floor(hyst / w + 0.5);
			ka_warn(
			    quorum_node->w,
			    "quorum %lu, hysteresis %lu: keepalived sums the weights of the real "
			    "servers up, xdplb counts backends up: quorum %lu hysteresis %lu (at "
			    "the average weight, %g)",
			    quorum, hyst, q ?: 1, h, w);
		}
		quorum = q ?: 1;
		hyst = h;
		if (quorum > XDPLB_MAX_QUORUM || hyst > XDPLB_MAX_QUORUM)
			return ka_err(quorum_node->w,
				      "quorum and hysteresis are at most %u backends",
				      XDPLB_MAX_QUORUM);
	}
	err = emit(o, b->w,
		   "vip add %s sched %s mode %s persist %lu ondown %s alldown reject hash l4 "
		   "quorum %lu hysteresis %lu",
		   svc, sched_names[sched], mode_names[mode], persist,
		   inhibit_all && (nreals || p.inhibit == 1) ? "keep" : "move", quorum, hyst);
	for (int i = 0; !err && i < nreals; i++)
		err = emit(o, reals[i].w, "real add %s %s weight %lu", svc,
			   real_text(&reals[i], &key, mode, a, sizeof(a)), reals[i].weight);
	if (!err && have_sorry)
		err = emit(o, sorry.w, "real add %s %s weight 1 sorry", svc,
			   real_text(&sorry, &key, mode, a, sizeof(a)));
	/* checks: one for the VIP when every real server has the same, else each its own */
	{
		struct xdplb_check *cs = ka_alloc((nreals + 1) * sizeof(*cs));
		bool same = nreals > 0;

		if (!cs)
			return ka_no_memory();
		for (int i = 0; !err && i < nreals; i++) {
			if (!reals[i].check.set) {
				same = false;
				continue;
			}
			err = ka_check_of(&reals[i], mode, port, &cs[i]);
			if (!err && memcmp(&cs[i], &cs[0], sizeof(cs[0])))
				same = false;
		}
		if (!err && same)
			return emit(o, reals[0].check.w, "check set %s %s", svc,
				    check_format(&cs[0], cf, sizeof(cf)));
		for (int i = 0; !err && i < nreals; i++)
			if (reals[i].check.set)
				err = emit(o, reals[i].check.w, "check set %s real %s %s", svc,
					   real_text(&reals[i], &key, mode, a, sizeof(a)),
					   check_format(&cs[i], cf, sizeof(cf)));
	}
	return err;
}

/* global_defs: lvs_timeouts becomes flow timeout; the rest is not load balancing. */
static int global_defs(const struct knode *b, struct kout *o)
{
	int err = 0, skipped = 0;

	for (int i = 0; i < b->nkids; i++)
		skipped += !ka_is_key(b->kids[i], "lvs_timeouts");
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];
		char line[128] = "flow timeout";

		if (!ka_is_key(n, "lvs_timeouts")) {
			if (skipped)
				ka_note(n->w,
					"global_defs: %s%s: skipped (notification, identity "
					"and VRRP settings are not load balancing)",
					n->key, skipped > 1 ? " and the rest" : "");
			skipped = 0;
			continue;
		}
		if (n->nargs < 2 || n->nargs % 2 || n->block)
			return ka_err(n->w,
				      "lvs_timeouts takes [tcp SECS] [tcpfin SECS] [udp SECS]");
		for (int k = 0; k < n->nargs; k += 2) {
			unsigned long v;
			char *end;

			v = strtoul(n->args[k + 1], &end, 10);
			if ((strcmp(n->args[k], "tcp") && strcmp(n->args[k], "tcpfin") &&
			     strcmp(n->args[k], "udp")) ||
			    *end || !v || v > 31536000)
				return ka_err(n->w,
					      "lvs_timeouts %s %s: expected tcp, tcpfin or udp "
					      "and 1..31536000 seconds",
					      n->args[k], n->args[k + 1]);
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s %lu",
				 n->args[k], v);
		}
		err = emit(o, n->w, "%s", line);
	}
	return err;
}

static int translate(const struct knode *root, struct kout *o)
{
	int err = 0;

	for (int i = 0; i < root->nkids && !err; i++) {
		const struct knode *n = root->kids[i];

		if (ka_is_key(n, "virtual_server")) {
			err = virtual_server(n, o);
		} else if (ka_is_key(n, "global_defs")) {
			err = global_defs(n, o);
		} else if (!strncmp(n->key, "vrrp_", 5)) {
			ka_note(n->w,
				"%s%s%s: skipped: xdplb nodes announce their VIPs over BGP "
				"instead of VRRP (README \"Several balancers\", xdplb(8) "
				"CLUSTER)",
				n->key, n->nargs ? " " : "", n->nargs ? n->args[0] : "");
		} else if (ka_is_key(n, "virtual_server_group")) {
			ka_warn(n->w,
				"virtual_server_group %s: skipped: not supported (one "
				"virtual_server per address)",
				n->nargs ? n->args[0] : "");
		} else if (ka_is_key(n, "SSL")) {
			ka_warn(n->w, "SSL: skipped: the https check verifies no certificate and "
				      "presents none");
		} else {
			ka_note(n->w, "%s: skipped (not part of the LVS configuration)", n->key);
		}
	}
	return err;
}

static int keepalived_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %1$s import keepalived { FILE | - } [ print | check ]\n"
	    "\n"
	    "  The LVS part of a keepalived.conf (virtual_server blocks, real servers, their\n"
	    "  TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK checkers; include) as %1$s commands,\n"
	    "  applied all or nothing as 'batch file' does.  What has no equivalent is an\n"
	    "  error or a warning naming its file and line; vrrp_* and global_defs are\n"
	    "  skipped with a note.  The mapping: %1$s(8), import keepalived.\n"
	    "  print  print the commands (checked against an empty balancer), change nothing\n"
	    "  check  only check them against this balancer, change nothing\n",
	    bin_name);
	return 0;
}

int import_keepalived(int argc, char **argv)
{
	struct klex lx = {};
	struct knode root = { .key = "(top)" };
	struct kout o = {};
	const char *path;
	bool print = false, check_only = false;
	int err, i = 0;

	if (argc < 1 || !strcmp(*argv, "help"))
		return argc < 1 ? (p_err("import keepalived: missing FILE (or - for stdin)"),
				   -XDPLB_EUSAGE)
				: keepalived_help(argc, argv);
	path = *argv;
	NEXT_ARG();
	for (; argc > 0; NEXT_ARG()) {
		if (!strcmp(*argv, "print"))
			print = true;
		else if (!strcmp(*argv, "check"))
			check_only = true;
		else
			return bad_arg(*argv, "unknown keyword (expected print or check)");
	}
	if (print && check_only)
		return bad_arg("check", "print already checks (against an empty balancer)");
	err = ka_lex_file(&lx, path, strcmp(path, "-") ? path : "stdin", 0, (struct where){});
	if (!err)
		err = ka_parse_block(&lx, &i, &root, (struct where){});
	if (!err)
		err = translate(&root, &o);
	if (!err && !print) {
		struct batch_input in = { .file = strcmp(path, "-") ? path : "stdin",
					  .lines = o.out,
					  .n = o.n };

		err = batch_run(&in, check_only);
	} else if (!err) {
		struct batch_input in = { .file = strcmp(path, "-") ? path : "stdin",
					  .lines = o.out,
					  .n = o.n };
		struct conf empty;
		char **texts = ka_alloc((o.n + 1) * sizeof(*texts));

		/* the batch splits lines in place: print copies */
		for (int k = 0; texts && k < o.n; k++)
			texts[k] = ka_strdup(o.out[k].text);
		struct xdplb_config cfg = {};

		/* a first attach's settings and sizes */
		lb_config_defaults(&cfg);
		cfg.flags |= XDPLB_CFG_F_ECHO;
		err = !texts
			  ? ka_no_memory()
			  : conf_init_empty(&empty, &cfg, XDPLB_DEF_MAX_VIPS, XDPLB_DEF_MAX_REALS);
		if (err == -ENOMEM)
			ka_no_memory();
		if (!err) {
			batch_offline = true;
			err = batch_check_conf(&in, &empty);
			batch_offline = false;
			conf_free(&empty);
		}
		if (!err && json_output) {
			json_object *arr = json_object_new_array();

			for (int k = 0; k < o.n; k++)
				json_object_array_add(arr, json_object_new_string(texts[k]));
			json_print(arr);
		}
		for (int k = 0; !err && !json_output && k < o.n; k++)
			printf("%s\n", texts[k]);
	}
	free(lx.t);
	free(o.out);
	ka_free_all();
	return err;
}
