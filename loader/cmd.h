/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains what the command line and batch files share: the parsers of the commands
 * that change the configuration (one grammar for both), and the entry points of save, batch,
 * import and config. */
#ifndef XDPLB_CMD_H
#define XDPLB_CMD_H

#include <stdbool.h>
#include <linux/types.h>
#include "xdplb_abi.h"

/* vip.c.  [ sched S ] [ mode M ] [ persist SECS ] onto @v (what is not given stays).  save.c
 * prints these options: keep the two in step. */
int parse_vip_opts(int argc, char **argv, struct xdplb_vip *v);
/* SERVICE ADDR[:PORT] [ weight N ]; the port is 0 when it is the VIP's. */
int parse_real(int argc, char **argv, struct xdplb_vip_key *key, struct xdplb_real *r,
	       bool *have_weight);
/* Have the kernel resolve a new backend's MAC. */
void neigh_kick(const struct xdplb_real *r);
/* A warning when @key is an IPv6 VIP and IPv6 forwarding is off. */
void warn_ipv6_forwarding(const struct xdplb_vip_key *key);

/* flow.c.  [ tcp SECS ] [ tcpfin SECS ] [ udp SECS ]: 0 for what is not given. */
int parse_timeouts(int argc, char **argv, __u32 *tcp, __u32 *tcpfin, __u32 *udp);

/* config.c.  config set [ tunsrc ADDR ] onto @cfg; *given = something was set. */
int parse_config_set(int argc, char **argv, struct xdplb_config *cfg, bool *given);

/* A line of input for batch_run(): a command of the batch grammar and where it came from. */
struct batch_line {
	char *text; /* modified (split into words) by batch_run() */
	int line;
};

struct conf;

/* What batch_run() reads: lines, or a function that makes them from another format under the
 * state lock, knowing the configuration they will apply to (ipvsadm import). */
struct batch_input {
	const char *file; /* names the input in errors */
	struct batch_line *lines;
	int n;
	int (*prepare)(struct batch_input *in, const struct conf *c);
	void *ctx;
};

/* Check every line against the current configuration, then apply them all, or nothing (rolled
 * back) if one fails.  With @check_only, stop after checking.  Holds the state lock
 * throughout.  Returns 0, -XDPLB_EUSAGE or -errno; prints the error itself. */
int batch_run(struct batch_input *in, bool check_only);
/* Read FILE (or "-" for stdin) into lines (pointing into *buf); prints the error itself. */
int batch_read(const char *path, struct batch_line **lines, int *n, char **buf);
/* Split @s into words in place, at most @max: blanks separate, '...' and "..." quote (a
 * backslash escapes the next character outside single quotes), a word starting with '#'
 * starts a comment.  Returns the number of words, or -1 for more than @max words or an
 * unterminated quote. */
int split_words(char *s, char **argv, int max);

int do_save(int argc, char **argv);
int do_batch(int argc, char **argv);
int do_import(int argc, char **argv);
int do_config(int argc, char **argv);

#endif /* XDPLB_CMD_H */
