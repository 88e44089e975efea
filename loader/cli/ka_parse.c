// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `import keepalived`, the reader: what one import allocates, its messages (FILE line N), the lexer
 * (words and braces, includes), the parser (statements and blocks) and the value helpers
 * the translation uses (cli/keepalived.c has the whole picture). */
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

/* Everything allocated for one import, freed at the end. */
static void **arena;
static size_t narena, carena;

void *ka_keep(void *p)
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

void *ka_alloc(size_t len)
{
	return ka_keep(calloc(1, len ?: 1));
}

char *ka_strdup(const char *s)
{
	return ka_keep(strdup(s));
}

void ka_free_all(void)
{
	for (size_t i = 0; i < narena; i++)
		free(arena[i]);
	free(arena);
	arena = NULL;
	narena = carena = 0;
}

int ka_no_memory(void)
{
	p_err("import keepalived: %s", strerror(ENOMEM));
	return -ENOMEM;
}

__attribute__((format(printf, 3, 0))) static void ka_vmsg(struct where w, bool warn,
							  const char *fmt, va_list ap)
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

__attribute__((format(printf, 2, 3))) int ka_err(struct where w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ka_vmsg(w, false, fmt, ap);
	va_end(ap);
	return -XDPLB_EUSAGE;
}

__attribute__((format(printf, 2, 3))) void ka_warn(struct where w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ka_vmsg(w, true, fmt, ap);
	va_end(ap);
}

/* Skipped by design: said, not warned about. */
__attribute__((format(printf, 2, 3))) void ka_note(struct where w, const char *fmt, ...)
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

static int tok_push(struct klex *lx, int kind, char *s, const char *file, int line)
{
	if (lx->n == lx->cap) {
		int cap = lx->cap ? 2 * lx->cap : 256;
		struct ktok *n = realloc(lx->t, cap * sizeof(*n));

		if (!n)
			return ka_no_memory();
		lx->t = n;
		lx->cap = cap;
	}
	lx->t[lx->n++] = (struct ktok){ .s = s, .file = file, .line = line, .kind = kind };
	return 0;
}

int ka_lex_file(struct klex *lx, const char *path, const char *shown, int depth, struct where from);

/* include PATTERN: every file it matches (glob, braces too), relative to @dir. */
static int lex_include(struct klex *lx, const char *pattern, const char *dir, int depth,
		       struct where w)
{
	char full[PATH_MAX];
	glob_t g = {};
	int rc, err = 0;

	if (depth >= MAX_INCLUDE_DEPTH)
		return ka_err(w, "include %s: more than %d levels of includes (a loop?)", pattern,
			      MAX_INCLUDE_DEPTH);
	if (pattern[0] == '/' || !strcmp(dir, "."))
		snprintf(full, sizeof(full), "%s", pattern);
	else
		snprintf(full, sizeof(full), "%s/%s", dir, pattern);
	rc = glob(full, GLOB_BRACE, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		ka_warn(w, "include %s: no file matches", pattern);
		globfree(&g);
		return 0;
	}
	if (rc) {
		globfree(&g);
		return ka_err(w, "include %s: %s", pattern,
			      rc == GLOB_NOSPACE ? "no memory" : "cannot read the directory");
	}
	for (size_t i = 0; i < g.gl_pathc && !err; i++) {
		char *shown = ka_strdup(g.gl_pathv[i]);

		err = shown ? ka_lex_file(lx, g.gl_pathv[i], shown, depth + 1, w) : ka_no_memory();
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
		w = p = ka_alloc(strlen(s) + 1);
		if (!w)
			return ka_no_memory();
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
			return ka_err((struct where){ file, line }, "unterminated quote");
		*p = 0;
		err = tok_push(lx, T_WORD, w, file, line);
		if (err)
			return err;
	}
}

int ka_lex_file(struct klex *lx, const char *path, const char *shown, int depth, struct where from)
{
	char *buf = NULL, *dir, dirbuf[PATH_MAX];
	size_t len = 0;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int lineno = 0, err = 0;

	if (!f) {
		if (from.file)
			return ka_err(from, "include %s: %s", path, strerror(errno));
		p_err("keepalived config %s: %s", path, strerror(errno));
		return -errno;
	}
	/* relative includes are relative to this file's directory (stdin: the current one) */
	snprintf(dirbuf, sizeof(dirbuf), "%s", strcmp(path, "-") ? path : "./-");
	dir = ka_strdup(dirname(dirbuf));
	if (!dir) {
		if (f != stdin)
			fclose(f);
		return ka_no_memory();
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
			err = ka_err(
			    (struct where){ shown, lineno },
			    "%s: conditional configuration (@) and parameter definitions ($) "
			    "are not supported: expand them first",
			    lx->t[first].s);
			break;
		}
		for (int i = first; i < lx->n; i++) {
			if (lx->t[i].kind == T_WORD && strstr(lx->t[i].s, "${")) {
				err =
				    ka_err((struct where){ shown, lineno },
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
				err =
				    ka_err(w, "%s takes one file name or pattern", lx->t[first].s);
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

int ka_parse_block(struct klex *lx, int *i, struct knode *parent, struct where open)
{
	while (*i < lx->n) {
		struct ktok *t = &lx->t[*i];
		struct knode *n;
		int j;

		if (t->kind == T_CLOSE) {
			if (!open.file)
				return ka_err((struct where){ t->file, t->line },
					      "'}' without a block to close");
			(*i)++;
			return 0;
		}
		if (t->kind == T_OPEN)
			return ka_err((struct where){ t->file, t->line },
				      "'{' without a keyword before it");
		n = ka_alloc(sizeof(*n));
		if (!n)
			return ka_no_memory();
		n->key = t->s;
		n->w = (struct where){ t->file, t->line };
		for (j = *i + 1; j < lx->n && lx->t[j].kind == T_WORD && lx->t[j].line == t->line &&
				 lx->t[j].file == t->file;
		     j++)
			;
		n->nargs = j - *i - 1;
		n->args = ka_alloc((n->nargs + 1) * sizeof(*n->args));
		if (!n->args)
			return ka_no_memory();
		for (int k = 0; k < n->nargs; k++)
			n->args[k] = lx->t[*i + 1 + k].s;
		*i = j;
		if (*i < lx->n && lx->t[*i].kind == T_OPEN) {
			int err;

			n->block = true;
			(*i)++;
			err = ka_parse_block(lx, i, n, n->w);
			if (err)
				return err;
		}
		if (parent->nkids == parent->cap) {
			int cap = parent->cap ? 2 * parent->cap : 8;
			struct knode **k = ka_alloc(cap * sizeof(*k));

			if (!k)
				return ka_no_memory();
			memcpy(k, parent->kids, parent->nkids * sizeof(*k));
			parent->kids = k;
			parent->cap = cap;
		}
		parent->kids[parent->nkids++] = n;
	}
	if (open.file)
		return ka_err(open, "%s: block not closed (a '}' is missing)", parent->key);
	return 0;
}

int ka_want_args(const struct knode *n, int min, int max)
{
	if (n->nargs < min || n->nargs > max) {
		if (min == max)
			return ka_err(n->w, "%s takes %d value%s", n->key, min,
				      min == 1 ? "" : "s");
		return ka_err(n->w, "%s takes %d to %d values", n->key, min, max);
	}
	if (n->block)
		return ka_err(n->w, "%s takes no block", n->key);
	return 0;
}

int ka_get_uint(const struct knode *n, unsigned long max, unsigned long *v)
{
	char *end;
	int err = ka_want_args(n, 1, 1);

	if (err)
		return err;
	errno = 0;
	*v = strtoul(n->args[0], &end, 10);
	if (errno || *end || !n->args[0][0] || n->args[0][0] == '-' || *v > max)
		return ka_err(n->w, "%s %s: expected a whole number 0..%lu", n->key, n->args[0],
			      max);
	return 0;
}

/* <TIMER>: seconds, decimals allowed. */
int ka_get_secs(const struct knode *n, double *v)
{
	char *end;
	int err = ka_want_args(n, 1, 1);

	if (err)
		return err;
	errno = 0;
	*v = strtod(n->args[0], &end);
	if (errno || *end || !n->args[0][0] || !(*v >= 0) || *v > XDPLB_MAX_CHECK_MS / 1000)
		return ka_err(n->w, "%s %s: expected seconds 0..%u", n->key, n->args[0],
			      XDPLB_MAX_CHECK_MS / 1000);
	return 0;
}

/* [<BOOL>]: absent means on. */
int ka_get_bool(const struct knode *n, bool *v)
{
	static const char *const on[] = { "on", "true", "yes" }, *const off[] = { "off", "false",
										  "no" };
	int err = ka_want_args(n, 0, 1);

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
	return ka_err(n->w, "%s %s: expected on, off, true, false, yes or no", n->key, n->args[0]);
}

bool ka_is_key(const struct knode *n, const char *k)
{
	return !strcmp(n->key, k);
}

/* A directive that does not change what is balanced or how health is judged here. */
bool ka_param_common(const struct knode *n, struct kparams *p, int *err)
{
	bool b;

	*err = 0;
	if (ka_is_key(n, "delay_loop")) {
		*err = ka_get_secs(n, &p->delay_loop);
	} else if (ka_is_key(n, "connect_timeout")) {
		*err = ka_get_secs(n, &p->connect_timeout);
	} else if (ka_is_key(n, "retry") || ka_is_key(n, "nb_get_retry")) {
		unsigned long v;

		*err = ka_get_uint(n, XDPLB_MAX_CHECK_RUN - 1, &v);
		p->retry = v;
	} else if (ka_is_key(n, "delay_before_retry")) {
		*err = ka_get_secs(n, &p->dbr);
		p->dbr_w = n->w;
	} else if (ka_is_key(n, "inhibit_on_failure")) {
		*err = ka_get_bool(n, &b);
		p->inhibit = b;
	} else if (ka_is_key(n, "virtualhost")) {
		*err = ka_want_args(n, 1, 1);
		p->vhost = n->nargs ? n->args[0] : NULL;
	} else if (ka_is_key(n, "warmup")) {
		ka_note(n->w, "warmup: xdplb spreads a check's first probes over one interval");
	} else if (ka_is_key(n, "alpha")) {
		ka_warn(n->w, "alpha: not supported: a new backend starts up, and goes down after "
			      "its check fails 'fall' times");
	} else if (ka_is_key(n, "smtp_alert") || ka_is_key(n, "snmp_name") ||
		   ka_is_key(n, "log_all_failures")) {
		ka_note(n->w, "%s: skipped: xdplb daemon logs every state change (stderr, journal)",
			n->key);
	} else {
		return false;
	}
	return true;
}
