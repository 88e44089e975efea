// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's metrics endpoint: libmicrohttpd in "external" epoll mode (MHD_USE_EPOLL, no
 * thread of its own).  The daemon's loop waits on its epoll fd and calls MHD_run(), which
 * never blocks; a request for /metrics builds the exposition there and then, in the daemon's
 * one thread.  We make the listening socket ourselves so that a bad address or a port in use
 * is one clear error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "daemon/http.h"
#include "util/common.h"

struct metrics_http {
	struct MHD_Daemon *mhd;
	int listen_fd;
	metrics_http_build_fn build;
	void *arg;
	metrics_http_log_fn log;
	char url[96]; /* http://ADDR:PORT/metrics */
};

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

int metrics_http_parse(const char *s, struct sockaddr_storage *out, unsigned int *len)
{
	const char *what = "expected ADDR:PORT, [ADDR6]:PORT, PORT or on";
	char host[INET6_ADDRSTRLEN + 8];
	const char *portstr;
	__be32 addr[4];
	__u8 family;
	__u32 port;

	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "on")) {
		snprintf(host, sizeof(host), "%s", METRICS_HTTP_ADDR);
		portstr = NULL;
		port = METRICS_HTTP_PORT;
	} else if (*s >= '0' && *s <= '9' && !strchr(s, ':') && !strchr(s, '.')) {
		snprintf(host, sizeof(host), "%s", METRICS_HTTP_ADDR); /* PORT alone */
		portstr = s;
	} else if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return bad_arg(s, "%s", what);
		snprintf(host, sizeof(host), "%.*s", (int)(close - s - 1), s + 1);
		portstr = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon || strchr(s, ':') != colon || (size_t)(colon - s) >= sizeof(host))
			return bad_arg(s, "%s", what);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		portstr = colon + 1;
	}
	if (parse_addr(host, addr, &family))
		return bad_arg(s, "not an IPv4 or IPv6 address with a port");
	if (portstr && parse_u32(portstr, 1, 65535, &port))
		return bad_arg(s, "the port must be 1..65535");
	if (family == XDPLB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)out;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = addr[0];
		*len = sizeof(*s4);
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	static char not_found[] = "Not found: the metrics are at /metrics\n";
	static char not_allowed[] = "Method not allowed\n";
	static char failed[] = "The metrics could not be read: see the daemon's log\n";
	struct metrics_http *h = cls;
	size_t len;
	char *text;
	int err;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found),
			     MHD_RESPMEM_PERSISTENT);
	err = h->build(&text, &len, h->arg);
	if (err) {
		h->log("metrics: %s", strerror(-err));
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed,
			     strlen(failed), MHD_RESPMEM_PERSISTENT);
	}
	return reply(c, MHD_HTTP_OK, CONTENT_TYPE, text, len, MHD_RESPMEM_MUST_FREE);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics_http *h = cls;
	char line[256];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = 0;
	h->log("metrics: %s", line);
}

int metrics_http_new(struct metrics_http **out, const char *s, metrics_http_build_fn build,
		     void *arg, metrics_http_log_fn log, char *why, size_t wlen)
{
	struct sockaddr_storage sa;
	struct metrics_http *h;
	char a[INET6_ADDRSTRLEN], where[INET6_ADDRSTRLEN + 8];
	unsigned int salen;
	int one = 1, err;

	*out = NULL;
	err = metrics_http_parse(s, &sa, &salen);
	if (err) {
		snprintf(why, wlen, "%s: not a listen address", s);
		return err;
	}
	if (sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(where, sizeof(where), "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(where, sizeof(where), "%s:%u", a, ntohs(s4->sin_port));
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(why, wlen, "%s: %s", where, strerror(ENOMEM));
		return -ENOMEM;
	}
	snprintf(h->url, sizeof(h->url), "http://%s/metrics", where);
	h->build = build;
	h->arg = arg;
	h->log = log;
	h->listen_fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0 ||
	    setsockopt(h->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (sa.ss_family == AF_INET6 &&
	     setsockopt(h->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(h->listen_fd, (struct sockaddr *)&sa, salen) || listen(h->listen_fd, 64)) {
		err = -errno;
		snprintf(why, wlen, "%s: %s", where, strerror(errno));
		metrics_http_free(h);
		return err;
	}
	/* no thread: MHD_run() from the daemon's loop; 64 connections at a time, idle ones
	 * closed after 10 s */
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_EXTERNAL_LOGGER, on_log, h, MHD_OPTION_LISTEN_SOCKET,
				  h->listen_fd, MHD_OPTION_CONNECTION_LIMIT, 64u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->mhd) {
		snprintf(why, wlen, "%s: libmicrohttpd did not start", where);
		metrics_http_free(h);
		return -EIO;
	}
	*out = h;
	return 0;
}

int metrics_http_fd(const struct metrics_http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

const char *metrics_http_url(const struct metrics_http *h)
{
	return h->url;
}

int metrics_http_timeout_ms(struct metrics_http *h, int max)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (!h || MHD_get_timeout(h->mhd, &t) != MHD_YES || t > (MHD_UNSIGNED_LONG_LONG)max)
		return max;
	return (int)t;
}

void metrics_http_run(struct metrics_http *h)
{
	if (h)
		MHD_run(h->mhd);
}

void metrics_http_free(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->mhd) {
		MHD_stop_daemon(h->mhd); /* it closes the listening socket it was given */
		h->listen_fd = -1;
	}
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	free(h);
}
