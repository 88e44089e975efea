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

#define MAX_INCLUDE_DEPTH 16
#define DEF_DELAY_LOOP	  60.0 /* keepalived's defaults */
#define DEF_CONNECT_TO	  5.0
#define DEF_PERSIST	  360

/* Everything allocated for one import, freed at the end. */
static void **arena;
static size_t narena, carena;

static void *ka_keep(void *p)
{
	if (!p)
		return NULL;
	if (narena == carena) {
		size_t cap = carena ? 2 * carena : 256;
		void **n = realloc(arena, cap * sizeof(*n));

		if (!n) {
			free(p);
			return NULL;
		}
		arena = n;
		carena = cap;
	}
	arena[narena++] = p;
	return p;
}

static void *ka(size_t len)
{
	return ka_keep(calloc(1, len ?: 1));
}

static char *ka_strdup(const char *s)
{
	return ka_keep(strdup(s));
}

static void ka_free_all(void)
{
	for (size_t i = 0; i < narena; i++)
		free(arena[i]);
	free(arena);
	arena = NULL;
	narena = carena = 0;
}

static int no_memory(void)
{
	p_err("import keepalived: %s", strerror(ENOMEM));
	return -ENOMEM;
}

/* Messages about a place in the input: "FILE line N: ..." through the error context. */
struct where {
	const char *file;
	int line;
};

__attribute__((format(printf, 3, 0))) static void k_vmsg(struct where w, bool warn, const char *fmt,
							 va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	err_ctx_set(w.file, w.line);
	if (warn)
		p_warn("%s", buf);
	else
		p_err("%s", buf);
	err_ctx_set(NULL, 0);
}

__attribute__((format(printf, 2, 3))) static int k_err(struct where w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	k_vmsg(w, false, fmt, ap);
	va_end(ap);
	return -XDPLB_EUSAGE;
}

__attribute__((format(printf, 2, 3))) static void k_warn(struct where w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	k_vmsg(w, true, fmt, ap);
	va_end(ap);
}

/* Skipped by design: said, not warned about. */
__attribute__((format(printf, 2, 3))) static void k_note(struct where w, const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	fprintf(stderr, "Note: %s line %d: ", w.file, w.line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- the lexer: words and braces with their file and line ---- */

enum { T_WORD, T_OPEN, T_CLOSE };

struct ktok {
	char *s;
	const char *file;
	int line;
	int kind;
};

struct klex {
	struct ktok *t;
	int n, cap;
};

static int tok_push(struct klex *lx, int kind, char *s, const char *file, int line)
{
	if (lx->n == lx->cap) {
		int cap = lx->cap ? 2 * lx->cap : 256;
		struct ktok *n = realloc(lx->t, cap * sizeof(*n));

		if (!n)
			return no_memory();
		lx->t = n;
		lx->cap = cap;
	}
	lx->t[lx->n++] = (struct ktok){ .s = s, .file = file, .line = line, .kind = kind };
	return 0;
}

static int lex_file(struct klex *lx, const char *path, const char *shown, int depth,
		    struct where from);

/* include PATTERN: every file it matches (glob, braces too), relative to @dir. */
static int lex_include(struct klex *lx, const char *pattern, const char *dir, int depth,
		       struct where w)
{
	char full[PATH_MAX];
	glob_t g = {};
	int rc, err = 0;

	if (depth >= MAX_INCLUDE_DEPTH)
		return k_err(w, "include %s: more than %d levels of includes (a loop?)", pattern,
			     MAX_INCLUDE_DEPTH);
	if (pattern[0] == '/' || !strcmp(dir, "."))
		snprintf(full, sizeof(full), "%s", pattern);
	else
		snprintf(full, sizeof(full), "%s/%s", dir, pattern);
	rc = glob(full, GLOB_BRACE, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		k_warn(w, "include %s: no file matches", pattern);
		globfree(&g);
		return 0;
	}
	if (rc) {
		globfree(&g);
		return k_err(w, "include %s: %s", pattern,
			     rc == GLOB_NOSPACE ? "no memory" : "cannot read the directory");
	}
	for (size_t i = 0; i < g.gl_pathc && !err; i++) {
		char *shown = ka_strdup(g.gl_pathv[i]);

		err = shown ? lex_file(lx, g.gl_pathv[i], shown, depth + 1, w) : no_memory();
	}
	globfree(&g);
	return err;
}

/* Split one line into tokens: quotes group (a backslash escapes inside double quotes), '#'
 * and '!' outside quotes start a comment, braces are tokens of their own. */
static int lex_line(struct klex *lx, const char *s, const char *file, int line)
{
	for (;;) {
		char *w, *p, q = 0;
		int err;

		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (!*s || *s == '#' || *s == '!')
			return 0;
		if (*s == '{' || *s == '}') {
			err = tok_push(lx, *s == '{' ? T_OPEN : T_CLOSE, NULL, file, line);
			if (err)
				return err;
			s++;
			continue;
		}
		w = p = ka(strlen(s) + 1);
		if (!w)
			return no_memory();
		while (*s) {
			if (q) {
				if (*s == q) {
					q = 0;
					s++;
					continue;
				}
				if (q == '"' && *s == '\\' && s[1])
					s++;
				*p++ = *s++;
				continue;
			}
			if (*s == '"' || *s == '\'') {
				q = *s++;
				continue;
			}
			if (strchr(" \t\r\n{}#!", *s))
				break;
			*p++ = *s++;
		}
		if (q)
			return k_err((struct where){ file, line }, "unterminated quote");
		*p = 0;
		err = tok_push(lx, T_WORD, w, file, line);
		if (err)
			return err;
	}
}

static int lex_file(struct klex *lx, const char *path, const char *shown, int depth,
		    struct where from)
{
	char *buf = NULL, *dir, dirbuf[PATH_MAX];
	size_t len = 0;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int lineno = 0, err = 0;

	if (!f) {
		if (from.file)
			return k_err(from, "include %s: %s", path, strerror(errno));
		p_err("keepalived config %s: %s", path, strerror(errno));
		return -errno;
	}
	/* relative includes are relative to this file's directory (stdin: the current one) */
	snprintf(dirbuf, sizeof(dirbuf), "%s", strcmp(path, "-") ? path : "./-");
	dir = ka_strdup(dirname(dirbuf));
	if (!dir) {
		if (f != stdin)
			fclose(f);
		return no_memory();
	}
	while (!err && getline(&buf, &len, f) >= 0) {
		int first = lx->n;

		lineno++;
		err = lex_line(lx, buf, shown, lineno);
		if (err || lx->n == first)
			continue;
		/* what keepalived would do before parsing: not done here */
		if (lx->t[first].kind == T_WORD &&
		    (lx->t[first].s[0] == '@' || lx->t[first].s[0] == '$')) {
			err =
			    k_err((struct where){ shown, lineno },
				  "%s: conditional configuration (@) and parameter definitions ($) "
				  "are not supported: expand them first",
				  lx->t[first].s);
			break;
		}
		for (int i = first; i < lx->n; i++) {
			if (lx->t[i].kind == T_WORD && strstr(lx->t[i].s, "${")) {
				err =
				    k_err((struct where){ shown, lineno },
					  "%s: parameter substitution is not supported: expand it "
					  "first",
					  lx->t[i].s);
				break;
			}
		}
		if (err)
			break;
		if (lx->t[first].kind == T_WORD && !strncmp(lx->t[first].s, "include", 7) &&
		    strspn(lx->t[first].s + 7, "rmwba") == strlen(lx->t[first].s + 7)) {
			struct where w = { shown, lineno };

			if (lx->n - first != 2 || lx->t[first + 1].kind != T_WORD) {
				err = k_err(w, "%s takes one file name or pattern", lx->t[first].s);
				break;
			}
			lx->n = first; /* the include line itself is not a statement */
			err = lex_include(lx, lx->t[first + 1].s, dir, depth, w);
		}
	}
	free(buf);
	if (f != stdin)
		fclose(f);
	return err;
}

/* ---- the parser: statements and blocks ---- */

struct knode {
	const char *key;
	char **args;
	int nargs;
	struct where w;
	bool block;
	struct knode **kids;
	int nkids, cap;
};

static int parse_block(struct klex *lx, int *i, struct knode *parent, struct where open)
{
	while (*i < lx->n) {
		struct ktok *t = &lx->t[*i];
		struct knode *n;
		int j;

		if (t->kind == T_CLOSE) {
			if (!open.file)
				return k_err((struct where){ t->file, t->line },
					     "'}' without a block to close");
			(*i)++;
			return 0;
		}
		if (t->kind == T_OPEN)
			return k_err((struct where){ t->file, t->line },
				     "'{' without a keyword before it");
		n = ka(sizeof(*n));
		if (!n)
			return no_memory();
		n->key = t->s;
		n->w = (struct where){ t->file, t->line };
		for (j = *i + 1; j < lx->n && lx->t[j].kind == T_WORD && lx->t[j].line == t->line &&
				 lx->t[j].file == t->file;
		     j++)
			;
		n->nargs = j - *i - 1;
		n->args = ka((n->nargs + 1) * sizeof(*n->args));
		if (!n->args)
			return no_memory();
		for (int k = 0; k < n->nargs; k++)
			n->args[k] = lx->t[*i + 1 + k].s;
		*i = j;
		if (*i < lx->n && lx->t[*i].kind == T_OPEN) {
			int err;

			n->block = true;
			(*i)++;
			err = parse_block(lx, i, n, n->w);
			if (err)
				return err;
		}
		if (parent->nkids == parent->cap) {
			int cap = parent->cap ? 2 * parent->cap : 8;
			struct knode **k = ka(cap * sizeof(*k));

			if (!k)
				return no_memory();
			memcpy(k, parent->kids, parent->nkids * sizeof(*k));
			parent->kids = k;
			parent->cap = cap;
		}
		parent->kids[parent->nkids++] = n;
	}
	if (open.file)
		return k_err(open, "%s: block not closed (a '}' is missing)", parent->key);
	return 0;
}

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
			return no_memory();
		o->out = n;
		o->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!ka_keep(s))
		return no_memory();
	o->out[o->n++] = (struct batch_line){ .text = s, .line = w.line, .file = w.file };
	return 0;
}

static int want_args(const struct knode *n, int min, int max)
{
	if (n->nargs < min || n->nargs > max) {
		if (min == max)
			return k_err(n->w, "%s takes %d value%s", n->key, min, min == 1 ? "" : "s");
		return k_err(n->w, "%s takes %d to %d values", n->key, min, max);
	}
	if (n->block)
		return k_err(n->w, "%s takes no block", n->key);
	return 0;
}

static int get_uint(const struct knode *n, unsigned long max, unsigned long *v)
{
	char *end;
	int err = want_args(n, 1, 1);

	if (err)
		return err;
	errno = 0;
	*v = strtoul(n->args[0], &end, 10);
	if (errno || *end || !n->args[0][0] || n->args[0][0] == '-' || *v > max)
		return k_err(n->w, "%s %s: expected a whole number 0..%lu", n->key, n->args[0],
			     max);
	return 0;
}

/* <TIMER>: seconds, decimals allowed. */
static int get_secs(const struct knode *n, double *v)
{
	char *end;
	int err = want_args(n, 1, 1);

	if (err)
		return err;
	errno = 0;
	*v = strtod(n->args[0], &end);
	if (errno || *end || !n->args[0][0] || !(*v >= 0) || *v > XDPLB_MAX_CHECK_MS / 1000)
		return k_err(n->w, "%s %s: expected seconds 0..%u", n->key, n->args[0],
			     XDPLB_MAX_CHECK_MS / 1000);
	return 0;
}

/* [<BOOL>]: absent means on. */
static int get_bool(const struct knode *n, bool *v)
{
	static const char *const on[] = { "on", "true", "yes" }, *const off[] = { "off", "false",
										  "no" };
	int err = want_args(n, 0, 1);

	if (err)
		return err;
	*v = true;
	if (!n->nargs)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(n->args[0], on[i]))
			return 0;
		if (!strcmp(n->args[0], off[i])) {
			*v = false;
			return 0;
		}
	}
	return k_err(n->w, "%s %s: expected on, off, true, false, yes or no", n->key, n->args[0]);
}

/* What a virtual server passes to its real servers and they to their checkers. */
struct kparams {
	double delay_loop, connect_timeout, dbr; /* < 0: not set */
	long retry;				 /* < 0: not set */
	int inhibit;				 /* -1: not set */
	const char *vhost;
	struct where dbr_w;
};

static bool is_key(const struct knode *n, const char *k)
{
	return !strcmp(n->key, k);
}

/* A directive that does not change what is balanced or how health is judged here. */
static bool param_common(const struct knode *n, struct kparams *p, int *err)
{
	bool b;

	*err = 0;
	if (is_key(n, "delay_loop")) {
		*err = get_secs(n, &p->delay_loop);
	} else if (is_key(n, "connect_timeout")) {
		*err = get_secs(n, &p->connect_timeout);
	} else if (is_key(n, "retry") || is_key(n, "nb_get_retry")) {
		unsigned long v;

		*err = get_uint(n, XDPLB_MAX_CHECK_RUN - 1, &v);
		p->retry = v;
	} else if (is_key(n, "delay_before_retry")) {
		*err = get_secs(n, &p->dbr);
		p->dbr_w = n->w;
	} else if (is_key(n, "inhibit_on_failure")) {
		*err = get_bool(n, &b);
		p->inhibit = b;
	} else if (is_key(n, "virtualhost")) {
		*err = want_args(n, 1, 1);
		p->vhost = n->nargs ? n->args[0] : NULL;
	} else if (is_key(n, "warmup")) {
		k_note(n->w, "warmup: xdplb spreads a check's first probes over one interval");
	} else if (is_key(n, "alpha")) {
		k_warn(n->w, "alpha: not supported: a new backend starts up, and goes down after "
			     "its check fails 'fall' times");
	} else if (is_key(n, "smtp_alert") || is_key(n, "snmp_name") ||
		   is_key(n, "log_all_failures")) {
		k_note(n->w, "%s: skipped: xdplb daemon logs every state change (stderr, journal)",
		       n->key);
	} else {
		return false;
	}
	return true;
}

/* One checker, as an xdplb check. */
struct kcheck {
	bool set;
	struct where w;
	struct xdplb_check c;
	char user[64], sni[256];
	double misc_timeout; /* < 0: not set */
	bool connect_port;
	struct kparams p;
};

/* lb_kind / lvs_method: NAT, DR or TUN (ipip only). */
static int get_method(const struct knode *n, int *mode)
{
	if (n->nargs < 1 || n->block)
		return k_err(n->w, "%s takes NAT, DR or TUN", n->key);
	if (!strcmp(n->args[0], "NAT"))
		*mode = XDPLB_MODE_NAT;
	else if (!strcmp(n->args[0], "DR"))
		*mode = XDPLB_MODE_DR;
	else if (!strcmp(n->args[0], "TUN"))
		*mode = XDPLB_MODE_TUN;
	else
		return k_err(n->w, "%s %s: expected NAT, DR or TUN", n->key, n->args[0]);
	if (n->nargs == 1)
		return 0;
	if (*mode == XDPLB_MODE_TUN && n->nargs == 3 && !strcmp(n->args[1], "type") &&
	    !strcmp(n->args[2], "ipip"))
		return 0;
	return k_err(n->w, "%s %s: only ipip tunnels are supported (xdplb sends IP-in-IP)", n->key,
		     n->args[n->nargs > 2 ? 2 : 1]);
}

static int url_block(const struct knode *u, struct kcheck *k, bool *have_url)
{
	int err = 0;

	if (*have_url)
		return k_err(u->w, "url: a second url: xdplb checks one path per backend "
				   "(keepalived wants every url to pass)");
	*have_url = true;
	if (!u->block || u->nargs)
		return k_err(u->w, "url takes a block { path ...; status_code ...; }");
	for (int i = 0; i < u->nkids && !err; i++) {
		const struct knode *n = u->kids[i];

		if (is_key(n, "path")) {
			err = want_args(n, 1, 1);
			if (!err && (n->args[0][0] != '/' || strpbrk(n->args[0], " \r\n") ||
				     strlen(n->args[0]) >= sizeof(k->c.arg) - 1))
				err = k_err(n->w, "path %s: must start with / (no spaces)",
					    n->args[0]);
			if (!err)
				snprintf(k->c.arg, sizeof(k->c.arg), "%s", n->args[0]);
		} else if (is_key(n, "status_code")) {
			unsigned long v;
			char *end;

			err = want_args(n, 1, 64);
			if (err)
				break;
			v = strtoul(n->args[0], &end, 10);
			if (*end || v < 100 || v > 599 || n->nargs > 1)
				err = k_err(
				    n->w,
				    "status_code %s: xdplb checks one status code (100..599), "
				    "or any 2xx or 3xx without status_code",
				    n->args[0]);
			k->c.status = v;
		} else if (is_key(n, "digest")) {
			err = k_err(n->w, "digest: not supported: xdplb's http check compares the "
					  "status and a text in the body, not an MD5 digest of the "
					  "body (use status_code, or a MISC_CHECK)");
		} else if (!strncmp(n->key, "regex", 5)) {
			err = k_err(n->w,
				    "%s: not supported: xdplb's http check looks for a fixed "
				    "text in the body (xdplb check set ... expect TEXT), not a "
				    "regular expression",
				    n->key);
		} else if (is_key(n, "virtualhost")) {
			err = want_args(n, 1, 1);
			k->p.vhost = err ? NULL : n->args[0];
		} else if (is_key(n, "tls_compliant")) {
			k_note(n->w, "tls_compliant: the https check closes with a RST after the "
				     "reply, as all probes");
		} else {
			err = k_err(n->w, "%s: unknown in url", n->key);
		}
	}
	return err;
}

/* A checker block: TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK. */
static int checker(const struct knode *b, const __be32 raddr[4], __u8 rfamily, struct kcheck *k)
{
	bool have_url = false, sni = false;
	int err = 0;

	if (k->set)
		return k_err(b->w,
			     "%s: a second checker on this real server: xdplb runs one check "
			     "per backend (keepalived wants all of them to pass)",
			     b->key);
	if (!b->block || b->nargs)
		return k_err(b->w, "%s takes a block", b->key);
	k->set = true;
	k->w = b->w;
	k->misc_timeout = -1;
	if (is_key(b, "TCP_CHECK"))
		k->c.type = XDPLB_CHECK_TCP;
	else if (is_key(b, "HTTP_GET"))
		k->c.type = XDPLB_CHECK_HTTP;
	else if (is_key(b, "SSL_GET"))
		k->c.type = XDPLB_CHECK_HTTPS;
	else
		k->c.type = XDPLB_CHECK_EXEC;
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];
		unsigned long v;
		__be32 a[4];
		__u8 fam;
		bool on;

		if (k->c.type != XDPLB_CHECK_EXEC && param_common(n, &k->p, &err)) {
			continue;
		} else if (k->c.type == XDPLB_CHECK_EXEC &&
			   (is_key(n, "delay_loop") || is_key(n, "retry") ||
			    is_key(n, "delay_before_retry") || is_key(n, "warmup") ||
			    is_key(n, "alpha") || is_key(n, "log_all_failures"))) {
			param_common(n, &k->p, &err);
		} else if (k->c.type != XDPLB_CHECK_EXEC && is_key(n, "connect_port")) {
			err = get_uint(n, 65535, &v);
			if (!err && !v)
				err = k_err(n->w, "connect_port 0: expected 1..65535");
			k->c.port = htons(v);
			k->connect_port = true;
		} else if (k->c.type != XDPLB_CHECK_EXEC && is_key(n, "connect_ip")) {
			err = want_args(n, 1, 1);
			if (!err && parse_addr(n->args[0], a, &fam))
				err = k_err(n->w, "connect_ip %s: not an IP address", n->args[0]);
			if (!err && (fam != rfamily || memcmp(a, raddr, 16)))
				err = k_err(n->w,
					    "connect_ip %s: not supported: xdplb probes the "
					    "backend's own address",
					    n->args[0]);
		} else if (k->c.type != XDPLB_CHECK_EXEC &&
			   (is_key(n, "bindto") || is_key(n, "bind_port") || is_key(n, "bind_if") ||
			    is_key(n, "fwmark"))) {
			k_warn(n->w,
			       "%s: not supported: probes leave from the address and port the "
			       "kernel chooses, unmarked",
			       n->key);
		} else if ((k->c.type == XDPLB_CHECK_HTTP || k->c.type == XDPLB_CHECK_HTTPS) &&
			   is_key(n, "url")) {
			err = url_block(n, k, &have_url);
		} else if ((k->c.type == XDPLB_CHECK_HTTP || k->c.type == XDPLB_CHECK_HTTPS) &&
			   (is_key(n, "http_protocol") || is_key(n, "fast_recovery"))) {
			k_note(n->w, "%s: the http checks send HTTP/1.0 with Connection: close",
			       n->key);
		} else if (k->c.type == XDPLB_CHECK_HTTPS && is_key(n, "enable_sni")) {
			err = get_bool(n, &on);
			sni = on;
		} else if (k->c.type == XDPLB_CHECK_HTTPS && is_key(n, "sni_name")) {
			err = want_args(n, 1, 1);
			if (!err)
				snprintf(k->sni, sizeof(k->sni), "%s", n->args[0]);
		} else if (k->c.type == XDPLB_CHECK_HTTPS && is_key(n, "tls_compliant")) {
			k_note(n->w, "tls_compliant: the https check closes with a RST after the "
				     "reply, as all probes");
		} else if (k->c.type == XDPLB_CHECK_EXEC && is_key(n, "misc_path")) {
			err = want_args(n, 1, 1);
			if (!err && strlen(n->args[0]) >= sizeof(k->c.arg) - 1)
				err = k_err(n->w, "misc_path: longer than %zu bytes",
					    sizeof(k->c.arg) - 2);
			if (!err)
				snprintf(k->c.arg, sizeof(k->c.arg), "%s", n->args[0]);
		} else if (k->c.type == XDPLB_CHECK_EXEC && is_key(n, "misc_timeout")) {
			err = get_secs(n, &k->misc_timeout);
		} else if (k->c.type == XDPLB_CHECK_EXEC && is_key(n, "misc_dynamic")) {
			err =
			    k_err(n->w, "misc_dynamic: not supported: xdplb's health checks set a "
					"backend up or down, never its weight (weights are "
					"configuration, saved and compared across balancers); "
					"without it, exit 0 is up and any other status down");
		} else if (k->c.type == XDPLB_CHECK_EXEC && is_key(n, "user")) {
			err = want_args(n, 1, 2);
			if (!err)
				snprintf(k->user, sizeof(k->user), "%s", n->args[0]);
			if (!err && n->nargs == 2)
				k_warn(n->w,
				       "user %s %s: the check runs with the groups of user %s",
				       n->args[0], n->args[1], n->args[0]);
		} else {
			err = k_err(n->w, "%s: unknown in %s", n->key, b->key);
		}
	}
	if (err)
		return err;
	if (k->c.type == XDPLB_CHECK_EXEC && !k->c.arg[0])
		return k_err(b->w, "MISC_CHECK without misc_path");
	if (k->c.type == XDPLB_CHECK_HTTPS && sni && !k->sni[0] && k->p.vhost)
		snprintf(k->sni, sizeof(k->sni), "%s", k->p.vhost);
	if (k->c.type == XDPLB_CHECK_HTTPS && sni && !k->sni[0])
		return k_err(b->w, "enable_sni without sni_name or virtualhost: no name to send");
	if (k->c.type == XDPLB_CHECK_HTTP && k->p.vhost)
		k_warn(b->w,
		       "virtualhost %s: not supported by the http check, which sends the "
		       "backend's ADDR:PORT as Host (an https check sends its sni)",
		       k->p.vhost);
	return 0;
}

/* One real server (or the sorry server). */
struct kreal {
	struct where w;
	__be32 addr[4];
	__u8 family;
	__u16 port; /* host order; 0 = none */
	unsigned long weight;
	int mode; /* -1: the virtual server's */
	struct where mode_w;
	bool sorry;
	struct kparams p;
	struct kcheck check;
};

static int addr_port(const struct knode *n, int first, __be32 addr[4], __u8 *family, __u16 *port,
		     bool port_needed)
{
	unsigned long v;
	char *end;

	if (n->nargs < first + 1 || n->nargs > first + 2)
		return k_err(n->w, "%s takes an IP address%s", n->key,
			     port_needed ? " and a port" : " and an optional port");
	if (parse_addr(n->args[first], addr, family))
		return k_err(n->w, "%s %s: not an IP address", n->key, n->args[first]);
	*port = 0;
	if (n->nargs == first + 2) {
		v = strtoul(n->args[first + 1], &end, 10);
		if (*end || !n->args[first + 1][0] || v > 65535)
			return k_err(n->w, "%s: port %s: expected 0..65535", n->key,
				     n->args[first + 1]);
		*port = v;
	} else if (port_needed) {
		return k_err(n->w, "%s %s: a port is needed", n->key, n->args[first]);
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
		return k_err(b->w, "real_server takes a block");
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];

		if (param_common(n, &r->p, &err))
			continue;
		if (is_key(n, "weight")) {
			err = get_uint(n, 65535, &r->weight);
		} else if (is_key(n, "lb_kind") || is_key(n, "lvs_method")) {
			err = get_method(n, &r->mode);
			r->mode_w = n->w;
		} else if (is_key(n, "TCP_CHECK") || is_key(n, "HTTP_GET") ||
			   is_key(n, "SSL_GET") || is_key(n, "MISC_CHECK")) {
			/* below: the real server's settings are its defaults, wherever they are */
		} else if (!strcmp(n->key + strlen(n->key) - (strlen(n->key) > 6 ? 6 : 0),
				   "_CHECK")) {
			err = k_err(n->w,
				    "%s: not supported: xdplb checks are TCP_CHECK, HTTP_GET, "
				    "SSL_GET and MISC_CHECK (xdplb check set ... tcp, http, "
				    "https, exec)",
				    n->key);
		} else if (is_key(n, "notify_up") || is_key(n, "notify_down")) {
			k_warn(n->w,
			       "%s: not supported: xdplb daemon logs state changes, it runs "
			       "no script",
			       n->key);
		} else if (is_key(n, "uthreshold") || is_key(n, "lthreshold")) {
			err = k_err(n->w, "%s: not supported: xdplb has no connection thresholds",
				    n->key);
		} else {
			err = k_err(n->w, "%s: unknown in real_server", n->key);
		}
	}
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];

		if (is_key(n, "TCP_CHECK") || is_key(n, "HTTP_GET") || is_key(n, "SSL_GET") ||
		    is_key(n, "MISC_CHECK")) {
			if (!r->check.set)
				r->check.p = r->p;
			err = checker(n, r->addr, r->family, &r->check);
		}
	}
	return err;
}

/* Checks of the real servers: their settings as xdplb's, the timing mapped. */
static int check_of(struct kreal *r, int vs_mode, __u16 vport, struct xdplb_check *out)
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
		k_warn(k->w,
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
		k_warn(p->dbr_w.file ? p->dbr_w : k->w,
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
			return k_err(k->w,
				     "the path and sni_name together are longer than %zu "
				     "bytes",
				     sizeof(out->arg) - 2);
		snprintf(out->arg + n + 1, sizeof(out->arg) - n - 1, "%s", k->sni);
	}
	return 0;
}

/* lb_algo / lvs_sched: xdplb's schedulers, a few mapped onto wlc, the others refused. */
static int get_sched(const struct knode *n, int *sched)
{
	static const char *const as_wlc[] = { "sed", "nq", "twos" };
	int err = want_args(n, 1, 1), i;

	if (err)
		return err;
	i = name_index(sched_names, XDPLB_SCHED_MAX, n->args[0]);
	if (i >= 0) {
		*sched = i;
		return 0;
	}
	for (size_t k = 0; k < sizeof(as_wlc) / sizeof(as_wlc[0]); k++) {
		if (!strcmp(n->args[0], as_wlc[k])) {
			k_warn(n->w,
			       "%s %s: mapped to wlc (weighted least connections, LVS's "
			       "overhead), the closest xdplb has",
			       n->key, n->args[0]);
			*sched = XDPLB_SCHED_WLC;
			return 0;
		}
	}
	return k_err(n->w,
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

	if (b->nargs >= 1 && (is_key(b, "virtual_server") &&
			      (!strcmp(b->args[0], "fwmark") || !strcmp(b->args[0], "group"))))
		return k_err(b->w,
			     "virtual_server %s: not supported: xdplb balances protocol, "
			     "address and port (write one virtual_server per address)",
			     b->args[0]);
	err = addr_port(b, 0, key.addr, &key.family, &port, false);
	if (err)
		return err;
	if (!b->block)
		return k_err(b->w, "virtual_server takes a block");
	key.port = htons(port);
	key.proto = 6;
	reals = ka((b->nkids + 1) * sizeof(*reals));
	if (!reals)
		return no_memory();
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];

		if (param_common(n, &p, &err))
			continue;
		if (is_key(n, "lb_algo") || is_key(n, "lvs_sched")) {
			err = get_sched(n, &sched);
		} else if (is_key(n, "lb_kind") || is_key(n, "lvs_method")) {
			err = get_method(n, &mode);
		} else if (is_key(n, "protocol")) {
			err = want_args(n, 1, 1);
			if (!err && !strcmp(n->args[0], "TCP"))
				key.proto = 6;
			else if (!err && !strcmp(n->args[0], "UDP"))
				key.proto = 17;
			else if (!err)
				err = k_err(n->w, "protocol %s: not supported (TCP, UDP)",
					    n->args[0]);
		} else if (is_key(n, "persistence_timeout")) {
			persist = DEF_PERSIST;
			if (n->nargs)
				err = get_uint(n, XDPLB_MAX_PERSIST, &persist);
		} else if (is_key(n, "persistence_granularity")) {
			err = want_args(n, 1, 1);
			if (!err && strcmp(n->args[0], "255.255.255.255") &&
			    strcmp(n->args[0], "128"))
				err = k_err(n->w,
					    "persistence_granularity %s: not supported: xdplb "
					    "persists per client address",
					    n->args[0]);
		} else if (is_key(n, "persistence_engine")) {
			err = k_err(n->w, "persistence_engine: not supported (persistence is per "
					  "client address)");
		} else if (is_key(n, "quorum") || is_key(n, "hysteresis")) {
			err = get_uint(n, 1u << 30, &v);
			if (is_key(n, "quorum"))
				quorum = v ?: 1;
			else
				hyst = v;
			quorum_set = true;
			quorum_node = n;
		} else if (is_key(n, "quorum_up") || is_key(n, "quorum_down")) {
			k_warn(n->w,
			       "%s: not supported: xdplb runs no script; with 'config set "
			       "announce', the VIP's route follows its quorum",
			       n->key);
		} else if (is_key(n, "sorry_server")) {
			err = addr_port(n, 0, sorry.addr, &sorry.family, &sorry.port, false);
			sorry.w = n->w;
			sorry.weight = 1;
			sorry.sorry = true;
			have_sorry = true;
		} else if (is_key(n, "sorry_server_lvs_method")) {
			err = get_method(n, &sorry_mode);
		} else if (is_key(n, "sorry_server_inhibit")) {
			k_warn(n->w, "sorry_server_inhibit: not supported: the sorry server has no "
				     "check in xdplb");
		} else if (is_key(n, "real_server")) {
			/* below: the virtual server's settings are the real servers' defaults,
			 * wherever they are in the block */
		} else if (is_key(n, "ha_suspend")) {
			k_note(n->w,
			       "ha_suspend: skipped: xdplb checks backends whether or not this "
			       "node holds the VIP");
		} else if (is_key(n, "omega")) {
			k_note(n->w, "omega: skipped: xdplb daemon's stop changes no state");
		} else if (is_key(n, "ip_family")) {
			k_note(n->w, "ip_family: skipped: the family is the address's");
		} else if (is_key(n, "nat_mask")) {
			k_note(n->w, "nat_mask: skipped (not used by LVS either)");
		} else if (is_key(n, "ops") || !strncmp(n->key, "flag-", 5) ||
			   !strcmp(n->key, "sh-port") || !strcmp(n->key, "sh-fallback") ||
			   !strcmp(n->key, "mh-port") || !strcmp(n->key, "mh-fallback")) {
			err = k_err(n->w,
				    "%s: not supported (scheduler flags, one-packet "
				    "scheduling): xdplb's sh hashes the client address, its mh "
				    "the 5-tuple",
				    n->key);
		} else {
			err = k_err(n->w, "%s: unknown in virtual_server", n->key);
		}
	}
	for (int i = 0; i < b->nkids && !err; i++)
		if (is_key(b->kids[i], "real_server"))
			err = real_server(b->kids[i], &reals[nreals++], &p);
	if (err)
		return err;
	fmt_service(&key, svc, sizeof(svc));
	/* one forwarding mode per VIP */
	for (int i = 0; i < nreals; i++)
		if (reals[i].mode >= 0 && reals[i].mode != mode)
			return k_err(reals[i].mode_w,
				     "real_server: forwarding %s differs from the "
				     "virtual server's %s: xdplb has one forwarding mode "
				     "per VIP",
				     mode_names[reals[i].mode], mode_names[mode]);
	if (have_sorry && sorry_mode >= 0 && sorry_mode != mode)
		return k_err(sorry.w,
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
		k_warn(b->w, "inhibit_on_failure on some real servers only: xdplb decides per VIP "
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
			k_warn(
			    quorum_node->w,
			    "quorum %lu, hysteresis %lu: keepalived sums the weights of the real "
			    "servers up, xdplb counts backends up: quorum %lu hysteresis %lu (at "
			    "the average weight, %g)",
			    quorum, hyst, q ?: 1, h, w);
		}
		quorum = q ?: 1;
		hyst = h;
		if (quorum > XDPLB_MAX_QUORUM || hyst > XDPLB_MAX_QUORUM)
			return k_err(quorum_node->w,
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
		struct xdplb_check *cs = ka((nreals + 1) * sizeof(*cs));
		bool same = nreals > 0;

		if (!cs)
			return no_memory();
		for (int i = 0; !err && i < nreals; i++) {
			if (!reals[i].check.set) {
				same = false;
				continue;
			}
			err = check_of(&reals[i], mode, port, &cs[i]);
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
		skipped += !is_key(b->kids[i], "lvs_timeouts");
	for (int i = 0; i < b->nkids && !err; i++) {
		const struct knode *n = b->kids[i];
		char line[128] = "flow timeout";

		if (!is_key(n, "lvs_timeouts")) {
			if (skipped)
				k_note(n->w,
				       "global_defs: %s%s: skipped (notification, identity "
				       "and VRRP settings are not load balancing)",
				       n->key, skipped > 1 ? " and the rest" : "");
			skipped = 0;
			continue;
		}
		if (n->nargs < 2 || n->nargs % 2 || n->block)
			return k_err(n->w,
				     "lvs_timeouts takes [tcp SECS] [tcpfin SECS] [udp SECS]");
		for (int k = 0; k < n->nargs; k += 2) {
			unsigned long v;
			char *end;

			v = strtoul(n->args[k + 1], &end, 10);
			if ((strcmp(n->args[k], "tcp") && strcmp(n->args[k], "tcpfin") &&
			     strcmp(n->args[k], "udp")) ||
			    *end || !v || v > 31536000)
				return k_err(n->w,
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

		if (is_key(n, "virtual_server")) {
			err = virtual_server(n, o);
		} else if (is_key(n, "global_defs")) {
			err = global_defs(n, o);
		} else if (!strncmp(n->key, "vrrp_", 5)) {
			k_note(n->w,
			       "%s%s%s: skipped: xdplb nodes announce their VIPs over BGP "
			       "instead of VRRP (README \"Several balancers\", xdplb(8) "
			       "CLUSTER)",
			       n->key, n->nargs ? " " : "", n->nargs ? n->args[0] : "");
		} else if (is_key(n, "virtual_server_group")) {
			k_warn(n->w,
			       "virtual_server_group %s: skipped: not supported (one "
			       "virtual_server per address)",
			       n->nargs ? n->args[0] : "");
		} else if (is_key(n, "SSL")) {
			k_warn(n->w, "SSL: skipped: the https check verifies no certificate and "
				     "presents none");
		} else {
			k_note(n->w, "%s: skipped (not part of the LVS configuration)", n->key);
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
	err = lex_file(&lx, path, strcmp(path, "-") ? path : "stdin", 0, (struct where){});
	if (!err)
		err = parse_block(&lx, &i, &root, (struct where){});
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
		char **texts = ka((o.n + 1) * sizeof(*texts));

		/* the batch splits lines in place: print copies */
		for (int k = 0; texts && k < o.n; k++)
			texts[k] = ka_strdup(o.out[k].text);
		struct xdplb_config cfg = {};

		/* a first attach's settings and sizes */
		lb_config_defaults(&cfg);
		cfg.flags |= XDPLB_CFG_F_ECHO;
		err = !texts
			  ? no_memory()
			  : conf_init_empty(&empty, &cfg, XDPLB_DEF_MAX_VIPS, XDPLB_DEF_MAX_REALS);
		if (err == -ENOMEM)
			no_memory();
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
