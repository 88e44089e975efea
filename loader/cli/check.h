/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the health check grammar, shared by `xdplb check` and the daemon's
 * config file. */
#ifndef XDPLB_CHECK_H
#define XDPLB_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include "xdplb_abi.h"

struct lb;

extern const char *const check_type_names[XDPLB_CHECK_MAX];

/* SERVICE [ real ADDR[:PORT] ] [ TYPE ... ] parsed. */
struct check_spec {
	bool want_type; /* set by the caller: TYPE and options follow (check set) */
	struct xdplb_vip_key vip;
	bool has_real;
	__be32 addr[4];
	__u8 family;
	__be16 port;
	struct xdplb_check check;
};

/* Parse argv; usage errors are printed and returned as -XDPLB_EUSAGE.  Keeps want_type. */
int check_parse(int argc, char **argv, struct check_spec *cs);
/* The VIP id and backend id (0 = the VIP's default) a spec names; -ENOENT, silently. */
int check_ids(struct lb *lb, const struct check_spec *cs, __u32 *vip_id, __u32 *real_id);
/* The same, printing what is not found. */
int check_resolve(struct lb *lb, const struct check_spec *cs, __u32 *vip_id, __u32 *real_id);
/* Rules beyond the grammar (timeout within the interval, a port to probe); prints. */
int check_validate(const struct check_spec *cs);
/* "TYPE [ARGS] interval ... fall N", in the grammar check_parse() reads; @len should be
 * CHECK_FORMAT_LEN, room for the longest (every byte of the texts a quote, written '\''). */
const char *check_format(const struct xdplb_check *c, char *buf, size_t len);
#define CHECK_FORMAT_LEN (4 * (XDPLB_CHECK_ARG_LEN + XDPLB_CHECK_EXPECT_LEN) + 256)

/* The check as a JSON object (json-c). */
struct json_object *check_json(const struct xdplb_check *c);

int do_check(int argc, char **argv);
int do_daemon(int argc, char **argv);

#endif /* XDPLB_CHECK_H */
