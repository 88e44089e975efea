/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains what the command files (loader/cli, one per CLI object) share: the
 * objects' entry points, how a command reaches the pinned state, and the parsers of the
 * commands that change the configuration, one grammar for the command line, batch files and
 * imports.  Commands parse, call the state library (lib/lb.h) and print; none touches a map.
 */
#ifndef XDPLB_CLI_H
#define XDPLB_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "xdplb_abi.h"
#include "lib/lb.h"

/* The objects (one file each). */
int do_dev(int argc, char **argv);
int do_vip(int argc, char **argv);
int do_real(int argc, char **argv);
int do_check(int argc, char **argv);
int do_daemon(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_flow(int argc, char **argv);
int do_config(int argc, char **argv);
int do_save(int argc, char **argv);
int do_batch(int argc, char **argv);
int do_import(int argc, char **argv);
int do_decap(int argc, char **argv);
int do_node(int argc, char **argv);
int do_metrics(int argc, char **argv);
int do_explain(int argc, char **argv);
int do_trace(int argc, char **argv);

/* state.c.  Open the pinned maps under pin_dir (and lock them when @lock); prints the error
 * itself (not attached, no bpffs, another pin layout, permissions). */
int state_open(struct lb *lb, bool lock);
/* A warning that lb_lock() rolled back a change whose process died (lb->rolled_back). */
void say_rolled_back(const struct lb *lb);
struct conf;
struct conf_vip;
/* state_open(), then the configuration read into @c (lib/conf.h); prints the error itself
 * (and closes @lb) on failure. */
int state_conf(struct lb *lb, struct conf *c, bool lock);
/* The VIP @key of @c, or NULL with "vip SERVICE: not found" printed. */
struct conf_vip *conf_vip_must(struct conf *c, const struct xdplb_vip_key *key);

/* dev.c.  [ dev IFNAME ]; "native" or "generic" (prints the error itself). */
int parse_dev(int argc, char **argv, const char **ifname, bool required);
int parse_xdp_mode(const char *s, bool *generic);

/* vip.c.  [ sched S ] [ mode M ] [ persist SECS ] ... onto @v (what is not given stays).
 * save.c prints these options: keep the two in step. */
int parse_vip_opts(int argc, char **argv, struct xdplb_vip *v);
/* The flags a new VIP gets (vip add): alldown reject, as an LVS director answers. */
#define VIP_DEF_FLAGS XDPLB_VIP_F_ALLDOWN_REJECT
/* The options of VIP @v as parse_vip_opts() reads them (" persist N" with @persist as its
 * keyword, " alldown drop", ...): those that are not defaults, or with @all every one. */
void vip_opts_print(FILE *f, const struct xdplb_vip *v, const char *persist, bool all);
/* A VIP's key and options as a JSON object (vip show and save share the fields). */
struct json_object *vip_json(const struct xdplb_vip_key *k, const struct xdplb_vip *v);
/* A warning when @key is an IPv6 VIP and IPv6 forwarding is off. */
void warn_ipv6_forwarding(const struct xdplb_vip_key *key);

/* real.c.  SERVICE ADDR[:PORT] [ weight N ] [ sorry ]; the port is 0 when it is the VIP's. */
int parse_real(int argc, char **argv, struct xdplb_vip_key *key, struct xdplb_real *r,
	       bool *have_weight);
/* Have the kernel resolve a new backend's MAC. */
void neigh_kick(const struct xdplb_real *r);

/* flow.c.  [ tcp SECS ] [ tcpfin SECS ] [ udp SECS ]: 0 for what is not given. */
int parse_timeouts(int argc, char **argv, __u32 *tcp, __u32 *tcpfin, __u32 *udp, __u32 *synrecv);

/* config.c.  config set [ tunsrc ADDR ] ... onto @cfg; *given = something was set. */
int parse_config_set(int argc, char **argv, struct xdplb_config *cfg, bool *given);
/* The settings as a JSON object (config show and save share the fields). */
struct json_object *settings_json(const struct xdplb_config *cfg);

/* batch.c.  A line of input for batch_run(): a command of the batch grammar and where it
 * came from. */
struct batch_line {
	char *text; /* modified (split into words) by batch_run() */
	int line;
	const char *file; /* where the line is, when not batch_input.file (an included file) */
	char **argv;	  /* or the words themselves (a command line's) */
	int argc;
};

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
/* Checking lines that are not applied here (import ... print, against an empty balancer):
 * no warnings about this host's settings or the configuration's tunnel sources. */
extern bool batch_offline;
/* Only the checking, against configuration @c instead of the maps' (a test or a fuzzer needs no
 * balancer): 0, -XDPLB_EUSAGE or -errno, the error printed; @c is not changed. */
int batch_check_conf(struct batch_input *in, const struct conf *c);
/* One command that changes the configuration, as typed (@argv from the object on: "vip add
 * SERVICE ..."), checked and applied as a batch of one line: the command line and batch files
 * share one checker and one way to apply. */
int batch_cli(int argc, char **argv);
/* The entry of vip/real add|set|del, config set and flow timeout SECS...: the object and the
 * verb precede @argv (cmd_select() passed them), so the whole command is argv - 2. */
static inline int change_cmd(int argc, char **argv)
{
	return batch_cli(argc + 2, argv - 2);
}
/* The batch and import commands: [ FILE | - ] [ check ] in @argv (FILE required unless
 * in->file gives a default), the file read and run through batch_run() with @in's prepare;
 * @what names the command in errors. */
int batch_file_cmd(int argc, char **argv, const char *what, struct batch_input *in);
/* Is the file open as @f a directory (then reading it fails obscurely)? */
bool input_is_dir(FILE *f);
/* Read FILE (or "-" for stdin) into lines (pointing into *buf); prints the error itself. */
int batch_read(const char *path, struct batch_line **lines, int *n, char **buf);
/* Split @s into words in place, at most @max: blanks separate, '...' and "..." quote (a
 * backslash escapes the next character outside single quotes), a word starting with '#'
 * starts a comment.  Returns the number of words, or -1 for more than @max words or an
 * unterminated quote. */
int split_words(char *s, char **argv, int max);
/* import.c.  What `import ipvsadm FILE check` does, against configuration @c instead of the
 * maps' (a test or a fuzzer): @lines of an ipvsadm-save dump (as batch_read() reads them; their
 * text is modified) translated into batch lines and checked with batch_check_conf(). */
int import_ipvsadm_check_conf(const char *file, struct batch_line *lines, int n,
			      const struct conf *c);
/* import.c.  import ipvsadm [ FILE | - ] [ check ]: a dump's lines; and one ipvsadm command
 * line's words (after "ipvsadm"), translated and run as a batch. */
int import_ipvsadm(int argc, char **argv);
int import_ipvsadm_argv(int argc, char **argv);
/* Host and service names in ipvsadm's commands and dumps are looked up (getaddrinfo(),
 * /etc/services); off, every name is unknown (the fuzzers: no resolver on their path). */
extern bool ipvs_lookup_names;
/* ipvsadm's HOST[:PORT] (names as ipvsadm resolves them) in numbers; prints the error. */
int ipvsadm_service(const char *proto, const char *s, char *out, size_t len);
/* keepalived.c, ipvsadm.c: the commands. */
int import_keepalived(int argc, char **argv);
int do_ipvsadm(int argc, char **argv);

/* save.c.  Print @c (sorted by conf_sort()) as batch commands. */
void save_conf(FILE *f, const struct conf *c);

#endif /* XDPLB_CLI_H */
