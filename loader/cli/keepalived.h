/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains what the three parts of `import keepalived` share: the reader
 * (cli/ka_parse.c: lexer, parser, messages, value helpers), the checkers (cli/ka_check.c) and the
 * translation (cli/keepalived.c). */
#ifndef XDPLB_CLI_KEEPALIVED_H
#define XDPLB_CLI_KEEPALIVED_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "cli/check.h"
#include "cli/cli.h"
#include "health/health.h"
#include "lib/conf.h"

#define MAX_INCLUDE_DEPTH 16
#define DEF_DELAY_LOOP	  60.0 /* keepalived's defaults */
#define DEF_CONNECT_TO	  5.0
#define DEF_PERSIST	  360

enum { T_WORD, T_OPEN, T_CLOSE };

/* Messages about a place in the input: "FILE line N: ..." through the error context. */
struct where {
	const char *file;
	int line;
};

/* The lexer's words and braces, each with its file and line. */
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

/* A statement: a keyword, its words up to the end of its line, and a block in braces. */
struct knode {
	const char *key;
	char **args;
	int nargs;
	struct where w;
	bool block;
	struct knode **kids;
	int nkids, cap;
};

/* What a virtual server passes to its real servers and they to their checkers. */
struct kparams {
	double delay_loop, connect_timeout, dbr; /* < 0: not set */
	long retry;				 /* < 0: not set */
	int inhibit;				 /* -1: not set */
	const char *vhost;
	struct where dbr_w;
};

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

/* cli/ka_parse.c: what one import allocates (freed by ka_free_all()), messages, the reader */
void *ka_keep(void *p);
void *ka_alloc(size_t len);
char *ka_strdup(const char *s);
void ka_free_all(void);
int ka_no_memory(void);
__attribute__((format(printf, 2, 3))) int ka_err(struct where w, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void ka_warn(struct where w, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void ka_note(struct where w, const char *fmt, ...);
int ka_lex_file(struct klex *lx, const char *path, const char *shown, int depth, struct where from);
int ka_parse_block(struct klex *lx, int *i, struct knode *parent, struct where open);
int ka_want_args(const struct knode *n, int min, int max);
int ka_get_uint(const struct knode *n, unsigned long max, unsigned long *v);
int ka_get_secs(const struct knode *n, double *v);
int ka_get_bool(const struct knode *n, bool *v);
bool ka_is_key(const struct knode *n, const char *k);
bool ka_param_common(const struct knode *n, struct kparams *p, int *err);
/* cli/ka_check.c */
int ka_get_method(const struct knode *n, int *mode);
int ka_checker(const struct knode *b, const __be32 raddr[4], __u8 rfamily, struct kcheck *k);
int ka_check_of(struct kreal *r, int vs_mode, __u16 vport, struct xdplb_check *out);
#endif /* XDPLB_CLI_KEEPALIVED_H */
