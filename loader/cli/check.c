// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb check`: health check settings of VIPs and backends, run by `xdplb daemon`. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <arpa/inet.h>
#include "cli/check.h"
#include "health/health.h"
#include "util/common.h"
#include "lib/lb.h"
#include "cli/cli.h"

const char *const check_type_names[XDPLB_CHECK_MAX] = {
	[XDPLB_CHECK_NONE] = "none", [XDPLB_CHECK_TCP] = "tcp",	  [XDPLB_CHECK_HTTP] = "http",
	[XDPLB_CHECK_UDP] = "udp",   [XDPLB_CHECK_EXEC] = "exec", [XDPLB_CHECK_HTTPS] = "https",
};

#define HELP_CHECK_SET                                                                             \
	"check set SERVICE [ real ADDR[:PORT] ] TYPE [ port N ] [ interval SECS ]\n"               \
	"                 [ timeout SECS ] [ rise N ] [ fall N ]"

static int check_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf("Usage: %s " HELP_CHECK_SET "\n"
	       "       %s check del SERVICE [ real ADDR[:PORT] ]\n"
	       "       %s check show [ SERVICE ]\n"
	       "TYPE := { tcp | http [ path PATH ] [ status CODE ] [ expect TEXT ] |\n"
	       "          https [ path PATH ] [ status CODE ] [ expect TEXT ] [ sni NAME ] |\n"
	       "          udp [ payload TEXT ] [ expect TEXT ] | exec COMMAND [ user NAME ] }\n"
	       "\n"
	       "A VIP's check applies to each of its backends that has none of its own.\n"
	       "  tcp       connect() succeeds\n"
	       "  http      GET PATH (default /): status CODE (default any 2xx or 3xx), and the\n"
	       "            body contains TEXT if given\n"
	       "  https     the same over TLS (the certificate is not verified); sni NAME: the\n"
	       "            server name sent in the handshake and as the Host header\n"
	       "  udp       a datagram with TEXT (default empty) gets a reply (containing TEXT)\n"
	       "  exec      sh -c COMMAND exits 0, in its own process group (killed whole at\n"
	       "            the timeout), in /, with PATH, HOME, XDPLB_VIP and XDPLB_REAL\n"
	       "            (ADDR:PORT) only; as root, or as user NAME\n"
	       "  port      probe this port (default: the backend's, else the VIP's)\n"
	       "  interval  seconds between probes (default %.1f), timeout per probe (%.1f)\n"
	       "  rise      successes in a row that bring a backend up (default %u)\n"
	       "  fall      failures in a row that take it down (default %u)\n"
	       "Checks run in `%s daemon`; a backend without a check is up.\n",
	       /* no positional arguments: cppcheck matches them to the wrong ones */
	       bin_name, bin_name, bin_name, XDPLB_DEF_CHECK_INTERVAL_MS / 1000.0,
	       XDPLB_DEF_CHECK_TIMEOUT_MS / 1000.0, XDPLB_DEF_CHECK_RISE, XDPLB_DEF_CHECK_FALL,
	       bin_name);
	return 0;
}

/* Seconds with up to three decimals, 0.01 .. XDPLB_MAX_CHECK_MS/1000, into ms. */
static int parse_secs_ms(const char *s, __u32 *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !*s || v != v || v < 0.01 || v * 1000 > XDPLB_MAX_CHECK_MS)
		return -ERANGE;
	*ms = (__u32)(v * 1000 + 0.5);
	return 0;
}

static int copy_text(const char *arg, char *dst, size_t len, const char *what)
{
	size_t n = strlen(arg);

	if (n >= len)
		return bad_arg(arg, "%s is longer than %zu bytes", what, len - 1);
	/* zero-filled: a keyword given twice leaves nothing of its first value behind (the
	 * daemon compares checks byte for byte) */
	memset(dst, 0, len);
	memcpy(dst, arg, n);
	return 0;
}

static bool is_http(int type)
{
	return type == XDPLB_CHECK_HTTP || type == XDPLB_CHECK_HTTPS;
}

int check_parse(int argc, char **argv, struct check_spec *cs)
{
	struct xdplb_check *c = &cs->check;
	char path[XDPLB_CHECK_ARG_LEN] = "", arg2[XDPLB_CHECK_ARG_LEN] = "";
	__u32 v;
	int err = 0, i;
	bool want_type = cs->want_type;

	memset(cs, 0, sizeof(*cs));
	cs->want_type = want_type;
	lb_check_defaults(c);
	err = parse_service(argc, argv, &cs->vip);
	if (err)
		return err;
	argc -= 2;
	argv += 2;
	if (argc > 0 && !strcmp(*argv, "real")) {
		REQ_ARG("ADDR[:PORT]");
		err = parse_addr_port(*argv, cs->addr, &cs->family, &cs->port, false);
		if (err)
			return err;
		/* an IPv4 VIP may have IPv6 backends (tun): a backend is found or not */
		if (cs->port == cs->vip.port)
			cs->port = 0;
		cs->has_real = true;
		NEXT_ARG();
	}
	if (!cs->want_type)
		return argc ? bad_arg(*argv, "unexpected argument") : 0;
	if (argc < 1) {
		p_err("missing check type: expected tcp, http, https, udp or exec");
		return -XDPLB_EUSAGE;
	}
	i = name_index(check_type_names, XDPLB_CHECK_MAX, *argv);
	if (i <= XDPLB_CHECK_NONE)
		return bad_arg(*argv, "check type must be one of tcp, http, https, udp, exec");
	c->type = i;
	if (i == XDPLB_CHECK_EXEC) {
		REQ_ARG("a COMMAND");
		err = copy_text(*argv, c->arg, sizeof(c->arg), "the command");
		if (err)
			return err;
	}
	NEXT_ARG();
	while (argc > 0) {
		const char *kw = *argv;

		if (!strcmp(kw, "path") && is_http(c->type)) {
			REQ_ARG("a PATH");
			if (**argv != '/' || strpbrk(*argv, " \r\n"))
				return bad_arg(*argv, "path must start with / and hold no spaces");
			err = copy_text(*argv, path, sizeof(path), "path");
		} else if (!strcmp(kw, "sni") && c->type == XDPLB_CHECK_HTTPS) {
			REQ_ARG("a server NAME");
			if (!**argv || strpbrk(*argv, " \t\r\n/:"))
				return bad_arg(*argv, "sni must be a host name");
			err = copy_text(*argv, arg2, sizeof(arg2), "sni");
		} else if (!strcmp(kw, "user") && c->type == XDPLB_CHECK_EXEC) {
			REQ_ARG("a user NAME");
			err = copy_text(*argv, arg2, sizeof(arg2), "user");
			if (!err && !getpwnam(*argv))
				return bad_arg(*argv, "user: no such user");
		} else if (!strcmp(kw, "payload") && c->type == XDPLB_CHECK_UDP) {
			REQ_ARG("TEXT");
			err = copy_text(*argv, c->arg, sizeof(c->arg), "payload");
		} else if (!strcmp(kw, "expect") &&
			   (is_http(c->type) || c->type == XDPLB_CHECK_UDP)) {
			REQ_ARG("TEXT");
			err = copy_text(*argv, c->expect, sizeof(c->expect), "expect");
		} else if (!strcmp(kw, "status") && is_http(c->type)) {
			REQ_ARG("a status CODE");
			if (parse_u32(*argv, 100, 599, &v))
				return bad_arg(*argv, "status must be 100..599");
			c->status = v;
		} else if (!strcmp(kw, "port")) {
			REQ_ARG("a PORT");
			if (parse_u32(*argv, 1, 65535, &v))
				return bad_arg(*argv, "port must be 1..65535");
			c->port = htons(v);
		} else if (!strcmp(kw, "interval") || !strcmp(kw, "timeout")) {
			REQ_ARG("SECS");
			if (parse_secs_ms(*argv, kw[0] == 'i' ? &c->interval_ms : &c->timeout_ms))
				return bad_arg(*argv, "%s must be 0.01..%u seconds", kw,
					       XDPLB_MAX_CHECK_MS / 1000);
		} else if (!strcmp(kw, "rise") || !strcmp(kw, "fall")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 1, XDPLB_MAX_CHECK_RUN, &v))
				return bad_arg(*argv, "%s must be 1..%u", kw, XDPLB_MAX_CHECK_RUN);
			*(kw[0] == 'r' ? &c->rise : &c->fall) = v;
		} else {
			return bad_arg(kw, "unknown keyword for a %s check",
				       check_type_names[c->type]);
		}
		if (err)
			return err;
		NEXT_ARG();
	}
	if (is_http(c->type) && path[0])
		snprintf(c->arg, sizeof(c->arg), "%s", path);
	/* the second string after the first's NUL (xdplb_abi.h) */
	if (arg2[0]) {
		size_t n = strlen(c->arg);

		if (n + 1 + strlen(arg2) + 1 > sizeof(c->arg))
			return bad_arg(arg2, "the %s and the %s together are longer than %zu bytes",
				       c->type == XDPLB_CHECK_EXEC ? "command" : "path",
				       c->type == XDPLB_CHECK_EXEC ? "user" : "sni",
				       sizeof(c->arg) - 2);
		memcpy(c->arg + n + 1, arg2, strlen(arg2) + 1);
	}
	return 0;
}

/* Seconds as the shortest decimal that reads back the same ms. */
static const char *fmt_secs(__u32 ms, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%u.%03u", ms / 1000, ms % 1000);
	n = strlen(buf);
	while (buf[n - 1] == '0')
		buf[--n] = 0;
	if (buf[n - 1] == '.')
		buf[n - 1] = 0;
	return buf;
}

/* Append to the text that ends at *p (before @end): cut short when the buffer is full, *p
 * then at its last byte, the terminating NUL. */
static void put_fmt(char **p, char *end, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put_fmt(char **p, char *end, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*p, end - *p, fmt, ap);
	va_end(ap);
	*p = n >= 0 && n < end - *p ? *p + n : end - 1;
}

/* A word as the shell and the batch reader read it back: quoted when needed. */
static void put_word(char **p, char *end, const char *w)
{
	bool q = !*w || strpbrk(w, " \t\r\n\"'#\\$`"); /* split_words() splits at \r too */

	if (!q) {
		put_fmt(p, end, " %s", w);
		return;
	}
	put_fmt(p, end, " '");
	for (; *w; w++) {
		if (*w == '\'')
			put_fmt(p, end, "'\\''");
		else
			put_fmt(p, end, "%c", *w);
	}
	put_fmt(p, end, "'");
}

const char *check_format(const struct xdplb_check *c, char *buf, size_t len)
{
	char *p = buf, *end = buf + len, n[32];

	*p = 0;
	put_word(&p, end, check_type_names[c->type < XDPLB_CHECK_MAX ? c->type : 0]);
	if (c->type == XDPLB_CHECK_EXEC) {
		put_word(&p, end, c->arg);
	} else if (c->arg[0]) {
		put_word(&p, end, is_http(c->type) ? "path" : "payload");
		put_word(&p, end, c->arg);
	}
	if (c->status)
		put_fmt(&p, end, " status %u", c->status);
	if (c->expect[0]) {
		put_word(&p, end, "expect");
		put_word(&p, end, c->expect);
	}
	if (hc_check_arg2(c)[0]) {
		put_word(&p, end, c->type == XDPLB_CHECK_EXEC ? "user" : "sni");
		put_word(&p, end, hc_check_arg2(c));
	}
	if (c->port)
		put_fmt(&p, end, " port %u", ntohs(c->port));
	put_fmt(&p, end, " interval %s", fmt_secs(c->interval_ms, n, sizeof(n)));
	put_fmt(&p, end, " timeout %s", fmt_secs(c->timeout_ms, n, sizeof(n)));
	put_fmt(&p, end, " rise %u fall %u", c->rise, c->fall);
	return buf[0] == ' ' ? buf + 1 : buf;
}

int check_ids(struct lb *lb, const struct check_spec *cs, __u32 *vip_id, __u32 *real_id)
{
	struct xdplb_vip v;
	int id;

	if (lb_vip_get(lb, &cs->vip, &v))
		return -ENOENT;
	*vip_id = v.id;
	*real_id = 0;
	if (!cs->has_real)
		return 0;
	id = lb_real_find(lb, v.id, cs->addr, cs->family, cs->port);
	if (id < 0)
		return id;
	*real_id = id;
	return 0;
}

int check_resolve(struct lb *lb, const struct check_spec *cs, __u32 *vip_id, __u32 *real_id)
{
	char svc[80], a[80];
	struct xdplb_vip v;
	int err = check_ids(lb, cs, vip_id, real_id);

	if (err != -ENOENT)
		return err;
	fmt_service(&cs->vip, svc, sizeof(svc));
	if (lb_vip_get(lb, &cs->vip, &v))
		p_err("vip %s: not found", svc);
	else
		p_err("real %s in vip %s: not found", fmt_addr(cs->addr, cs->family, a, sizeof(a)),
		      svc);
	return err;
}

int check_validate(const struct check_spec *cs)
{
	if (cs->check.timeout_ms > cs->check.interval_ms)
		return bad_arg("timeout", "the timeout must not exceed the interval");
	if (cs->check.type != XDPLB_CHECK_EXEC && !cs->check.port && !cs->vip.port && !cs->port) {
		p_err("check: a port-0 VIP needs a port to probe (add \"port N\")");
		return -XDPLB_EUSAGE;
	}
	return 0;
}

static int check_del(int argc, char **argv)
{
	struct check_spec cs;
	__u32 vip_id, real_id;
	struct lb lb;
	int err;

	cs.want_type = false;
	err = check_parse(argc, argv, &cs);
	if (err)
		return err;
	err = state_open(&lb, true);
	if (err)
		return err;
	err = check_resolve(&lb, &cs, &vip_id, &real_id);
	if (!err) {
		err = lb_check_del(&lb, vip_id, real_id);
		if (err == -ENOENT)
			p_err("check: none is set there");
		else if (err)
			p_err("check: %s", strerror(-err));
	}
	lb_close(&lb);
	return err;
}

json_object *check_json(const struct xdplb_check *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(check_type_names[c->type]));
	if (c->arg[0])
		json_object_object_add(o,
				       is_http(c->type)		    ? "path"
				       : c->type == XDPLB_CHECK_UDP ? "payload"
								    : "command",
				       json_object_new_string(c->arg));
	if (hc_check_arg2(c)[0])
		json_object_object_add(o, c->type == XDPLB_CHECK_EXEC ? "user" : "sni",
				       json_object_new_string(hc_check_arg2(c)));
	if (c->expect[0])
		json_object_object_add(o, "expect", json_object_new_string(c->expect));
	if (c->status)
		json_object_object_add(o, "status", json_object_new_int(c->status));
	if (c->port)
		json_object_object_add(o, "port", json_object_new_int(ntohs(c->port)));
	json_object_object_add(o, "interval", json_object_new_double(c->interval_ms / 1000.0));
	json_object_object_add(o, "timeout", json_object_new_double(c->timeout_ms / 1000.0));
	json_object_object_add(o, "rise", json_object_new_int(c->rise));
	json_object_object_add(o, "fall", json_object_new_int(c->fall));
	return o;
}

static int check_show(int argc, char **argv)
{
	struct lb_vip_entry *vips = NULL;
	struct lb_real_entry *rs = NULL;
	struct xdplb_vip_key key;
	json_object *arr = NULL;
	char svc[80], a[80], cf[CHECK_FORMAT_LEN];
	struct lb lb;
	int n, err;

	if (argc > 0) {
		err = parse_service(argc, argv, &key);
		if (err)
			return err;
		if (argc > 2)
			return bad_arg(argv[2], "unexpected argument after SERVICE");
	}
	err = state_open(&lb, false);
	if (err)
		return err;
	vips = calloc(lb.max_vips, sizeof(*vips));
	rs = calloc(lb.max_reals, sizeof(*rs));
	if (!vips || !rs) {
		err = -ENOMEM;
		goto out;
	}
	n = lb_vip_list(&lb, vips, lb.max_vips);
	if (json_output)
		arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		struct xdplb_check vc, c;
		bool has_vc;
		int nr;

		if (argc > 0 && memcmp(&vips[i].key, &key, sizeof(key)))
			continue;
		has_vc = !lb_check_get(&lb, vips[i].vip.id, 0, &vc);
		fmt_service(&vips[i].key, svc, sizeof(svc));
		nr = lb_real_list(&lb, vips[i].vip.id, rs, lb.max_reals);
		json_object *jv = NULL, *jr = NULL;

		if (json_output) {
			jv = json_object_new_object();
			json_object_object_add(jv, "service", json_object_new_string(svc));
			json_object_object_add(jv, "check", has_vc ? check_json(&vc) : NULL);
			jr = json_object_new_array();
			json_object_object_add(jv, "reals", jr);
			json_object_array_add(arr, jv);
		} else {
			printf("%s  %s\n", svc, has_vc ? check_format(&vc, cf, sizeof(cf)) : "-");
		}
		for (int k = 0; k < nr && k < (int)lb.max_reals; k++) {
			const struct xdplb_real *r = &rs[k].real;
			bool own = !lb_check_get(&lb, vips[i].vip.id, rs[k].id, &c);

			fmt_addr_port(r->addr, r->family, r->port ?: vips[i].key.port, a,
				      sizeof(a));
			if (json_output) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "address", json_object_new_string(a));
				json_object_object_add(o, "check", own ? check_json(&c) : NULL);
				json_object_object_add(
				    o, "state",
				    json_object_new_string(r->state == XDPLB_REAL_UP ? "up"
										     : "down"));
				json_object_array_add(jr, o);
			} else {
				printf("  -> %-28s %-5s %s\n", a,
				       r->state == XDPLB_REAL_UP ? "up" : "down",
				       own	? check_format(&c, cf, sizeof(cf))
				       : has_vc ? "(the VIP's)"
						: "(none)");
			}
		}
	}
	if (json_output)
		json_print(arr);
out:
	free(vips);
	free(rs);
	lb_close(&lb);
	return err;
}

int do_check(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "set", change_cmd },	{ "del", check_del }, { "show", check_show },
		{ "help", check_help }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, check_help);
}
