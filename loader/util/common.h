/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains what every loader file uses: messages, options, argument helpers,
 * address parsing and printing, and the command dispatcher. */
#ifndef XDPLB_COMMON_H
#define XDPLB_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "xdplb_abi.h"

/* Usage errors (bad keyword, bad value, missing argument) are returned as -XDPLB_EUSAGE so
 * that main() can exit 2 for them and 1 for runtime failures. */
#define XDPLB_EUSAGE 4096

extern bool json_output;
extern bool pretty_output;
extern bool debug_output;
extern const char *pin_dir;
extern const char *bin_name;

/* While a batch file is read: "FILE line N: " in front of every error and warning (and
 * "line": N in the JSON error).  err_ctx_set(NULL, 0) clears it. */
void err_ctx_set(const char *file, int line);
/* The same with the line's text: "FILE line N (TEXT): " (the daemon's config file). */
void err_ctx_set_text(const char *file, int line, const char *text);

/* Messages start with the time of day (the daemon's log lines). */
extern bool msg_timestamps;
/* While on, messages (errors, warnings, -j errors) are kept, and written when it goes off or
 * at msg_flush(): a process that holds the state lock writes to no pipe meanwhile, however
 * slowly the other end reads. */
void msg_hold(bool on);
void msg_flush(void);

void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "Error: argument "ARG" is wrong: WHY" and return -XDPLB_EUSAGE. */
int bad_arg(const char *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* KEYWORD's value @arg, one of two words: *@second = (@arg is @w1).  0, or bad_arg()'s error
 * "KEYWORD must be W0 or W1". */
int parse_choice(const char *keyword, const char *arg, const char *w0, const char *w1,
		 bool *second);

/* " (run as root)" after a permission error, "" after any other. */
const char *perm_hint(int err);

/* A help text's first step: with -j, help is "null" (printed here, and true returned). */
bool json_help(void);
/* Print a JSON document (to stdout, as one line or pretty) and free it. */
void json_print(json_object *obj);

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};
/* Run the command named by argv[0] (a unique prefix is enough), or help with no argument. */
int cmd_select(const struct cmd *cmds, int argc, char **argv, int (*help)(int, char **));
bool is_prefix(const char *pfx, const char *str);

#define NEXT_ARG()                                                                                 \
	({                                                                                         \
		argc--;                                                                            \
		argv++;                                                                            \
	})
#define REQ_ARG(what)                                                                              \
	do {                                                                                       \
		if (argc < 2) {                                                                    \
			p_err("missing argument after \"%s\": expected %s", *argv, what);          \
			return -XDPLB_EUSAGE;                                                      \
		}                                                                                  \
		NEXT_ARG();                                                                        \
	} while (0)

/* Numbers: decimal, whole string, within [min, max]. */
int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out);

/* Addresses.  family is XDPLB_AF_INET or XDPLB_AF_INET6; addr is 16 bytes network order. */
int parse_addr(const char *s, __be32 addr[4], __u8 *family);
/* "ADDR[:PORT]" or "[ADDR6][:PORT]"; *port = 0 when absent (port_required = false). */
int parse_addr_port(const char *s, __be32 addr[4], __u8 *family, __be16 *port, bool port_required);
/* "ADDR[/LEN]" (no LEN: the host): the address masked to the prefix in @addr, the mask in
 * @mask; -EINVAL (not an address) or -ERANGE (LEN beyond 32 or 128). */
int parse_prefix(const char *s, __be32 addr[4], __be32 mask[4], __u8 *family);
/* SERVICE := { tcp | udp } ADDR:PORT ; consumes two arguments. */
int parse_service(int argc, char **argv, struct xdplb_vip_key *key);
const char *fmt_addr(const __be32 addr[4], __u8 family, char *buf, size_t len);
const char *fmt_addr_port(const __be32 addr[4], __u8 family, __be16 port, char *buf, size_t len);
const char *fmt_service(const struct xdplb_vip_key *key, char *buf, size_t len);
const char *proto_name(__u8 proto);
/* "42s", "5m", "3h", "2d": how long ago, for state columns. */
const char *fmt_age(long long secs, char *buf, size_t len);

extern const char *const reason_names[XDPLB_R_MAX];
extern const char *const flow_event_names[XDPLB_FE_MAX];
extern const char *const mode_names[XDPLB_MODE_MAX];
extern const char *const sched_names[XDPLB_SCHED_MAX];
int name_index(const char *const *names, int n, const char *s);

#endif /* XDPLB_COMMON_H */
