// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `import keepalived`, the health checkers: TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK
 * blocks as xdplb checks, and a real server's check with its timing (cli/keepalived.c has the
 * whole picture). */
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

/* lb_kind / lvs_method: NAT, DR or TUN (ipip only). */
int ka_get_method(const struct knode *n, int *mode)
{
	if (n->nargs < 1 || n->block)
		return ka_err(n->w, "%s takes NAT, DR or TUN", n->key);
	if (!strcmp(n->args[0], "NAT"))
		*mode = XDPLB_MODE_NAT;
	else if (!strcmp(n->args[0], "DR"))
		*mode = XDPLB_MODE_DR;
	else if (!strcmp(n->args[0], "TUN"))
		*mode = XDPLB_MODE_TUN;
	else
		return ka_err(n->w, "%s %s: expected NAT, DR or TUN", n->key, n->args[0]);
	if (n->nargs == 1)
		return 0;
	if (*mode == XDPLB_MODE_TUN && n->nargs == 3 && !strcmp(n->args[1], "type") &&
	    !strcmp(n->args[2], "ipip"))
		return 0;
	return ka_err(n->w, "%s %s: only ipip tunnels are supported (xdplb sends IP-in-IP)", n->key,
		      n->args[n->nargs > 2 ? 2 : 1]);
}

static int url_block(const struct knode *u, struct kcheck *k, bool *have_url)
{
	int err = 0;

	if (*have_url)
		return ka_err(u->w, "url: a second url: xdplb checks one path per backend "
				    "(keepalived wants every url to pass)");
	*have_url = true;
	if (!u->block || u->nargs)
		return ka_err(u->w, "url takes a block { path ...; status_code ...; }");
	for (int i = 0; i < u->nkids && !err; i++) {
		const struct knode *n = u->kids[i];

		if (ka_is_key(n, "path")) {
			err = ka_want_args(n, 1, 1);
			if (!err && (n->args[0][0] != '/' || strpbrk(n->args[0], " \r\n") ||
				     strlen(n->args[0]) >= sizeof(k->c.arg) - 1))
				err = ka_err(n->w, "path %s: must start with / (no spaces)",
					     n->args[0]);
			if (!err)
				snprintf(k->c.arg, sizeof(k->c.arg), "%s", n->args[0]);
		} else if (ka_is_key(n, "status_code")) {
			unsigned long v;
			char *end;

			err = ka_want_args(n, 1, 64);
			if (err)
				break;
			v = strtoul(n->args[0], &end, 10);
			if (*end || v < 100 || v > 599 || n->nargs > 1)
				err = ka_err(
				    n->w,
				    "status_code %s: xdplb checks one status code (100..599), "
				    "or any 2xx or 3xx without status_code",
				    n->args[0]);
			k->c.status = v;
		} else if (ka_is_key(n, "digest")) {
			err =
			    ka_err(n->w, "digest: not supported: xdplb's http check compares the "
					 "status and a text in the body, not an MD5 digest of the "
					 "body (use status_code, or a MISC_CHECK)");
		} else if (!strncmp(n->key, "regex", 5)) {
			err = ka_err(n->w,
				     "%s: not supported: xdplb's http check looks for a fixed "
				     "text in the body (xdplb check set ... expect TEXT), not a "
				     "regular expression",
				     n->key);
		} else if (ka_is_key(n, "virtualhost")) {
			err = ka_want_args(n, 1, 1);
			k->p.vhost = err ? NULL : n->args[0];
		} else if (ka_is_key(n, "tls_compliant")) {
			ka_note(n->w, "tls_compliant: the https check closes with a RST after the "
				      "reply, as all probes");
		} else {
			err = ka_err(n->w, "%s: unknown in url", n->key);
		}
	}
	return err;
}

/* A checker block: TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK. */
int ka_checker(const struct knode *b, const __be32 raddr[4], __u8 rfamily, struct kcheck *k)
{
	bool have_url = false, sni = false;
	int err = 0;

	if (k->set)
		return ka_err(b->w,
			      "%s: a second checker on this real server: xdplb runs one check "
			      "per backend (keepalived wants all of them to pass)",
			      b->key);
	if (!b->block || b->nargs)
		return ka_err(b->w, "%s takes a block", b->key);
	k->set = true;
	k->w = b->w;
	k->misc_timeout = -1;
	if (ka_is_key(b, "TCP_CHECK"))
		k->c.type = XDPLB_CHECK_TCP;
	else if (ka_is_key(b, "HTTP_GET"))
		k->c.type = XDPLB_CHECK_HTTP;
	else if (ka_is_key(b, "SSL_GET"))
		k->c.type = XDPLB_CHECK_HTTPS;
	else
		k->c.type = XDPLB_CHECK_EXEC;
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];
		unsigned long v;
		__be32 a[4];
		__u8 fam;
		bool on;

		if (k->c.type != XDPLB_CHECK_EXEC && ka_param_common(n, &k->p, &err)) {
			continue;
		} else if (k->c.type == XDPLB_CHECK_EXEC &&
			   (ka_is_key(n, "delay_loop") || ka_is_key(n, "retry") ||
			    ka_is_key(n, "delay_before_retry") || ka_is_key(n, "warmup") ||
			    ka_is_key(n, "alpha") || ka_is_key(n, "log_all_failures"))) {
			ka_param_common(n, &k->p, &err);
		} else if (k->c.type != XDPLB_CHECK_EXEC && ka_is_key(n, "connect_port")) {
			err = ka_get_uint(n, 65535, &v);
			if (!err && !v)
				err = ka_err(n->w, "connect_port 0: expected 1..65535");
			k->c.port = htons(v);
			k->connect_port = true;
		} else if (k->c.type != XDPLB_CHECK_EXEC && ka_is_key(n, "connect_ip")) {
			err = ka_want_args(n, 1, 1);
			if (!err && parse_addr(n->args[0], a, &fam))
				err = ka_err(n->w, "connect_ip %s: not an IP address", n->args[0]);
			if (!err && (fam != rfamily || memcmp(a, raddr, 16)))
				err = ka_err(n->w,
					     "connect_ip %s: not supported: xdplb probes the "
					     "backend's own address",
					     n->args[0]);
		} else if (k->c.type != XDPLB_CHECK_EXEC &&
			   (ka_is_key(n, "bindto") || ka_is_key(n, "bind_port") ||
			    ka_is_key(n, "bind_if") || ka_is_key(n, "fwmark"))) {
			ka_warn(n->w,
				"%s: not supported: probes leave from the address and port the "
				"kernel chooses, unmarked",
				n->key);
		} else if ((k->c.type == XDPLB_CHECK_HTTP || k->c.type == XDPLB_CHECK_HTTPS) &&
			   ka_is_key(n, "url")) {
			err = url_block(n, k, &have_url);
		} else if ((k->c.type == XDPLB_CHECK_HTTP || k->c.type == XDPLB_CHECK_HTTPS) &&
			   (ka_is_key(n, "http_protocol") || ka_is_key(n, "fast_recovery"))) {
			ka_note(n->w, "%s: the http checks send HTTP/1.0 with Connection: close",
				n->key);
		} else if (k->c.type == XDPLB_CHECK_HTTPS && ka_is_key(n, "enable_sni")) {
			err = ka_get_bool(n, &on);
			sni = on;
		} else if (k->c.type == XDPLB_CHECK_HTTPS && ka_is_key(n, "sni_name")) {
			err = ka_want_args(n, 1, 1);
			if (!err)
				snprintf(k->sni, sizeof(k->sni), "%s", n->args[0]);
		} else if (k->c.type == XDPLB_CHECK_HTTPS && ka_is_key(n, "tls_compliant")) {
			ka_note(n->w, "tls_compliant: the https check closes with a RST after the "
				      "reply, as all probes");
		} else if (k->c.type == XDPLB_CHECK_EXEC && ka_is_key(n, "misc_path")) {
			err = ka_want_args(n, 1, 1);
			if (!err && strlen(n->args[0]) >= sizeof(k->c.arg) - 1)
				err = ka_err(n->w, "misc_path: longer than %zu bytes",
					     sizeof(k->c.arg) - 2);
			if (!err)
				snprintf(k->c.arg, sizeof(k->c.arg), "%s", n->args[0]);
		} else if (k->c.type == XDPLB_CHECK_EXEC && ka_is_key(n, "misc_timeout")) {
			err = ka_get_secs(n, &k->misc_timeout);
		} else if (k->c.type == XDPLB_CHECK_EXEC && ka_is_key(n, "misc_dynamic")) {
			err =
			    ka_err(n->w, "misc_dynamic: not supported: xdplb's health checks set a "
					 "backend up or down, never its weight (weights are "
					 "configuration, saved and compared across balancers); "
					 "without it, exit 0 is up and any other status down");
		} else if (k->c.type == XDPLB_CHECK_EXEC && ka_is_key(n, "user")) {
			err = ka_want_args(n, 1, 2);
			if (!err)
				snprintf(k->user, sizeof(k->user), "%s", n->args[0]);
			if (!err && n->nargs == 2)
				ka_warn(n->w,
					"user %s %s: the check runs with the groups of user %s",
					n->args[0], n->args[1], n->args[0]);
		} else {
			err = ka_err(n->w, "%s: unknown in %s", n->key, b->key);
		}
	}
	if (err)
		return err;
	if (k->c.type == XDPLB_CHECK_EXEC && !k->c.arg[0])
		return ka_err(b->w, "MISC_CHECK without misc_path");
	if (k->c.type == XDPLB_CHECK_HTTPS && sni && !k->sni[0] && k->p.vhost)
		snprintf(k->sni, sizeof(k->sni), "%s", k->p.vhost);
	if (k->c.type == XDPLB_CHECK_HTTPS && sni && !k->sni[0])
		return ka_err(b->w, "enable_sni without sni_name or virtualhost: no name to send");
	if (k->c.type == XDPLB_CHECK_HTTP && k->p.vhost)
		ka_warn(b->w,
			"virtualhost %s: not supported by the http check, which sends the "
			"backend's ADDR:PORT as Host (an https check sends its sni)",
			k->p.vhost);
	return 0;
}

/* Checks of the real servers: their settings as xdplb's, the timing mapped. */
int ka_check_of(struct kreal *r, int vs_mode, __u16 vport, struct xdplb_check *out)
{
	struct kcheck *k = &r->check;
	struct kparams *p = &k->p;
	double interval = p->delay_loop >= 0 ? p->delay_loop : DEF_DELAY_LOOP;
	double timeout = k->c.type == XDPLB_CHECK_EXEC
			     ? (k->misc_timeout >= 0 ? k->misc_timeout : interval)
			 : p->connect_timeout >= 0 ? p->connect_timeout
						   : DEF_CONNECT_TO;
	long retry = p->retry >= 0 ? p->retry : k->c.type == XDPLB_CHECK_EXEC ? 0 : 1;
	size_t n;

	*out = k->c;
	if (interval < 0.01)
		interval = 0.01;
	if (timeout < 0.01)
		timeout = 0.01;
	if (timeout > interval) {
		ka_warn(k->w,
			"the timeout (%gs) is longer than the interval (delay_loop %gs): "
			"xdplb ends a probe by the next one, timeout %gs",
			timeout, interval, interval);
		timeout = interval;
	}
	out->interval_ms = (__u32)(interval * 1000 + 0.5);
	out->timeout_ms = (__u32)(timeout * 1000 + 0.5);
	out->rise = 1;
	out->fall = retry + 1;
	if (p->dbr >= 0 && retry > 0 && fabs(p->dbr - interval) > 0.0005)
		ka_warn(p->dbr_w.file ? p->dbr_w : k->w,
			"delay_before_retry %g: xdplb probes every interval (%g s), failing or "
			"not: down after %ld failures in a row, in about %g s rather than %g s",
			p->dbr, interval, retry + 1, interval * (retry + 1),
			interval + retry * p->dbr);
	/* DR and TUN backends keep the VIP's port: a real server's own port is the check's */
	if (!k->connect_port && vs_mode != XDPLB_MODE_NAT && r->port && r->port != vport &&
	    k->c.type != XDPLB_CHECK_EXEC)
		out->port = htons(r->port);
	n = strlen(out->arg);
	if (k->c.type == XDPLB_CHECK_EXEC && k->user[0])
		snprintf(out->arg + n + 1, sizeof(out->arg) - n - 1, "%s", k->user);
	if (k->c.type == XDPLB_CHECK_HTTPS && k->sni[0]) {
		if (n + 1 + strlen(k->sni) + 1 > sizeof(out->arg))
			return ka_err(k->w,
				      "the path and sni_name together are longer than %zu "
				      "bytes",
				      sizeof(out->arg) - 2);
		snprintf(out->arg + n + 1, sizeof(out->arg) - n - 1, "%s", k->sni);
	}
	return 0;
}
