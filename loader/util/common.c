// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Messages, argument helpers, address parsing/printing and the command dispatcher. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "util/common.h"

bool json_output;
bool pretty_output;
bool debug_output;
const char *pin_dir = XDPLB_PIN_DIR;
const char *bin_name = "xdplb";

/* Keep in the order of enum xdplb_reason. */
const char *const reason_names[XDPLB_R_MAX] = {
	[XDPLB_R_TX] = "tx",
	[XDPLB_R_REDIRECT] = "redirect",
	[XDPLB_R_TX_REJECT] = "tx_reject",
	[XDPLB_R_TX_ECHO] = "tx_echo",
	[XDPLB_R_TX_TOO_BIG] = "tx_too_big",
	[XDPLB_R_PASS_NOT_IP] = "pass_not_ip",
	[XDPLB_R_PASS_NOT_VIP] = "pass_not_vip",
	[XDPLB_R_PASS_IPV6_EXT] = "pass_ipv6_ext",
	[XDPLB_R_PASS_FRAGMENT] = "pass_fragment",
	[XDPLB_R_PASS_TOO_BIG] = "pass_too_big",
	[XDPLB_R_PASS_NO_NEIGH] = "pass_no_neigh",
	[XDPLB_R_PASS_TTL] = "pass_ttl",
	[XDPLB_R_PASS_L2_MULTICAST] = "pass_l2_multicast",
	[XDPLB_R_PASS_SOURCE_ROUTE] = "pass_source_route",
	[XDPLB_R_DROP_MALFORMED_L2] = "drop_malformed_l2",
	[XDPLB_R_DROP_MALFORMED_L3] = "drop_malformed_l3",
	[XDPLB_R_DROP_MALFORMED_L4] = "drop_malformed_l4",
	[XDPLB_R_DROP_NO_BACKEND] = "drop_no_backend",
	[XDPLB_R_DROP_NO_ROUTE] = "drop_no_route",
	[XDPLB_R_DROP_FWD_DISABLED] = "drop_fwd_disabled",
	[XDPLB_R_DROP_NO_SOURCE] = "drop_no_source",
	[XDPLB_R_DROP_NO_NEIGH] = "drop_no_neigh",
	[XDPLB_R_DROP_TOO_BIG] = "drop_too_big",
	[XDPLB_R_DROP_FRAGMENT] = "drop_fragment",
	[XDPLB_R_DROP_ICMP] = "drop_icmp",
	[XDPLB_R_DROP_MARTIAN] = "drop_martian",
	[XDPLB_R_DROP_BAD_CSUM] = "drop_bad_csum",
	[XDPLB_R_DROP_INTERNAL] = "drop_internal",
};

/* Keep in the order of enum xdplb_flow_event. */
const char *const flow_event_names[XDPLB_FE_MAX] = {
	[XDPLB_FE_DISPLACED] = "displaced",
	[XDPLB_FE_UNRECORDED] = "unrecorded",
};

const char *const mode_names[XDPLB_MODE_MAX] = {
	[XDPLB_MODE_TUN] = "tun",
	[XDPLB_MODE_DR] = "dr",
	[XDPLB_MODE_NAT] = "nat",
};

const char *const sched_names[XDPLB_SCHED_MAX] = {
	[XDPLB_SCHED_MH] = "mh",   [XDPLB_SCHED_SH] = "sh", [XDPLB_SCHED_RR] = "rr",
	[XDPLB_SCHED_WRR] = "wrr", [XDPLB_SCHED_LC] = "lc", [XDPLB_SCHED_WLC] = "wlc",
};

int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

static char err_ctx[512];
static int err_ctx_line;

void err_ctx_set(const char *file, int line)
{
	err_ctx_set_text(file, line, NULL);
}

void err_ctx_set_text(const char *file, int line, const char *text)
{
	err_ctx_line = line;
	if (file && text)
		snprintf(err_ctx, sizeof(err_ctx), "%s line %d (%s): ", file, line, text);
	else if (file)
		snprintf(err_ctx, sizeof(err_ctx), "%s line %d: ", file, line);
	else
		err_ctx[0] = 0;
}

bool msg_timestamps;

/* Messages held while this process holds the state lock (msg_hold()): each one complete, for
 * its stream. */
static struct held {
	FILE *f;
	char *text;
} * held;
static size_t nheld;
static bool holding;

void msg_hold(bool on)
{
	holding = on;
	if (!on)
		msg_flush();
}

void msg_flush(void)
{
	for (size_t i = 0; i < nheld; i++) {
		fputs(held[i].text, held[i].f);
		free(held[i].text);
	}
	free(held);
	held = NULL;
	nheld = 0;
	fflush(stdout);
}

/* Out to @f now, or held (a copy) while holding. */
static void msg_out(FILE *f, const char *text)
{
	struct held *h;

	if (holding && (h = realloc(held, (nheld + 1) * sizeof(*h)))) {
		held = h;
		held[nheld].f = f;
		held[nheld].text = strdup(text);
		if (held[nheld].text) {
			nheld++;
			return;
		}
	}
	fputs(text, f);
	if (f == stdout)
		fflush(f);
}

/* One message: the prefix, the batch line's context, the text (at most MSG_MAX bytes: an
 * argument of a megabyte is not echoed back whole), a newline; or a JSON error object. */
#define MSG_MAX 1024
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[MSG_MAX + 8], when[48] = "", line[MSG_MAX + 128];
	int n = snprintf(buf, MSG_MAX, "%s", err_ctx);

	if (n < MSG_MAX && vsnprintf(buf + n, MSG_MAX - n, fmt, ap) >= MSG_MAX - n)
		strcpy(buf + MSG_MAX - 1, "...");
	if (json_output && !strcmp(prefix, "Error: ")) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(buf));
		if (err_ctx[0])
			json_object_object_add(o, "line", json_object_new_int(err_ctx_line));
		snprintf(line, sizeof(line), "%s\n",
			 json_object_to_json_string_ext(
			     o, (pretty_output ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
				    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		msg_out(stdout, line);
		return;
	}
	if (msg_timestamps) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + n, sizeof(when) - n, ".%03ld ", ts.tv_nsec / 1000000);
	}
	snprintf(line, sizeof(line), "%s%s%s\n", when, prefix, buf);
	msg_out(stderr, line);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("Error: ", fmt, ap);
	va_end(ap);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("Warning: ", fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (json_output)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void p_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!debug_output)
		return;
	va_start(ap, fmt);
	vmsg("Debug: ", fmt, ap);
	va_end(ap);
}

int bad_arg(const char *arg, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* an argument of any length is named, not echoed whole */
	if (strlen(arg) > 64)
		p_err("argument \"%.60s...\" (%zu bytes) is wrong: %s", arg, strlen(arg), why);
	else
		p_err("argument \"%s\" is wrong: %s", arg, why);
	return -XDPLB_EUSAGE;
}

int parse_choice(const char *keyword, const char *arg, const char *w0, const char *w1, bool *second)
{
	if (strcmp(arg, w0) && strcmp(arg, w1))
		return bad_arg(arg, "%s must be %s or %s", keyword, w0, w1);
	*second = !strcmp(arg, w1);
	return 0;
}

const char *perm_hint(int err)
{
	return err == -EPERM || err == -EACCES ? " (run as root)" : "";
}

bool json_help(void)
{
	if (json_output)
		puts("null");
	return json_output;
}

void json_print(json_object *obj)
{
	int flags = pretty_output ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;

	puts(json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

bool is_prefix(const char *pfx, const char *str)
{
	return *pfx && !strncmp(str, pfx, strlen(pfx));
}

int cmd_select(const struct cmd *cmds, int argc, char **argv, int (*help)(int, char **))
{
	const struct cmd *found = NULL;

	if (argc < 1) {
		/* a mistake: the usage goes to stderr */
		int out = dup(STDOUT_FILENO);

		if (json_output || out < 0) {
			p_err("missing command: try \"%s help\"", bin_name);
		} else {
			fflush(stdout);
			dup2(STDERR_FILENO, STDOUT_FILENO);
			help(argc, argv);
			fflush(stdout);
			dup2(out, STDOUT_FILENO);
		}
		if (out >= 0)
			close(out);
		return -XDPLB_EUSAGE;
	}
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, argv[0]))
			return c->func(argc - 1, argv + 1);
		if (is_prefix(argv[0], c->name)) {
			if (found) {
				p_err("command \"%.64s\" is ambiguous: try \"%s help\"", argv[0],
				      bin_name);
				return -XDPLB_EUSAGE;
			}
			found = c;
		}
	}
	if (found)
		return found->func(argc - 1, argv + 1);
	p_err("unknown command \"%.64s\": try \"%s help\"", argv[0], bin_name);
	return -XDPLB_EUSAGE;
}

int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9') /* strtoull() would take blanks and a sign first */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = (__u32)v;
	return 0;
}

int parse_addr(const char *s, __be32 addr[4], __u8 *family)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, &addr[0]) == 1) {
		*family = XDPLB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = XDPLB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int parse_prefix(const char *s, __be32 addr[4], __be32 mask[4], __u8 *family)
{
	char a[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	__u32 len, max;

	if (alen >= sizeof(a))
		return -EINVAL;
	memcpy(a, s, alen);
	a[alen] = 0;
	if (parse_addr(a, addr, family))
		return -EINVAL;
	max = *family == XDPLB_AF_INET6 ? 128 : 32;
	len = max;
	if (slash && parse_u32(slash + 1, 0, max, &len))
		return -ERANGE;
	memset(mask, 0, 16);
	for (__u32 i = 0; i < 4; i++) {
		__u32 bits = len > 32 * i ? len - 32 * i : 0;

		if (bits)
			mask[i] = htonl(bits >= 32 ? 0xffffffffu : ~(0xffffffffu >> bits));
		addr[i] &= mask[i];
	}
	return 0;
}

int parse_addr_port(const char *s, __be32 addr[4], __u8 *family, __be16 *port, bool port_required)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = NULL, *portstr = NULL;
	size_t hlen;
	__u32 p;

	*port = 0;
	if (*s == '[') { /* [v6]:port */
		const char *close = strchr(s, ']');

		if (!close)
			return bad_arg(s, "missing ']' after an IPv6 address");
		hlen = close - s - 1;
		if (close[1] == ':')
			portstr = close + 2;
		else if (close[1])
			return bad_arg(s, "expected \":PORT\" after ']'");
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon) /* bare IPv6: no port possible */
			colon = NULL;
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		portstr = colon ? colon + 1 : NULL;
	}
	if (hlen >= sizeof(host))
		return bad_arg(s, "not an IPv4 or IPv6 address");
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (parse_addr(host, addr, family))
		return bad_arg(host, "not an IPv4 or IPv6 address");
	if (!portstr) {
		if (port_required)
			return bad_arg(s, "a port is required (ADDR:PORT, [ADDR6]:PORT; 0 = all)");
		return 0;
	}
	if (parse_u32(portstr, 0, 65535, &p))
		return bad_arg(portstr, "port must be 0..65535");
	*port = htons((__u16)p);
	return 0;
}

int parse_service(int argc, char **argv, struct xdplb_vip_key *key)
{
	memset(key, 0, sizeof(*key));
	if (argc < 2) {
		p_err("missing SERVICE: expected { tcp | udp } ADDR:PORT");
		return -XDPLB_EUSAGE;
	}
	if (!strcmp(argv[0], "tcp"))
		key->proto = 6;
	else if (!strcmp(argv[0], "udp"))
		key->proto = 17;
	else
		return bad_arg(argv[0], "protocol must be tcp or udp");
	return parse_addr_port(argv[1], key->addr, &key->family, &key->port, true);
}

const char *fmt_addr(const __be32 addr[4], __u8 family, char *buf, size_t len)
{
	if (!inet_ntop(family == XDPLB_AF_INET6 ? AF_INET6 : AF_INET, addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *fmt_addr_port(const __be32 addr[4], __u8 family, __be16 port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	fmt_addr(addr, family, a, sizeof(a));
	if (family == XDPLB_AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, ntohs(port));
	else
		snprintf(buf, len, "%s:%u", a, ntohs(port));
	return buf;
}

const char *proto_name(__u8 proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : "?";
}

const char *fmt_service(const struct xdplb_vip_key *key, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 10];

	snprintf(buf, len, "%s %s", proto_name(key->proto),
		 fmt_addr_port(key->addr, key->family, key->port, a, sizeof(a)));
	return buf;
}

const char *fmt_age(long long secs, char *buf, size_t len)
{
	if (secs < 120)
		snprintf(buf, len, "%llds", secs);
	else if (secs < 7200)
		snprintf(buf, len, "%lldm", secs / 60);
	else if (secs < 172800)
		snprintf(buf, len, "%lldh", secs / 3600);
	else
		snprintf(buf, len, "%lldd", secs / 86400);
	return buf;
}
