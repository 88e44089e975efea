/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the daemon's metrics endpoint (http.c): libmicrohttpd without a thread
 * of its own, its epoll fd watched by the daemon's loop, so that the exposition is built in
 * the daemon's one thread (the state library is not thread-safe). */
#ifndef XDPLB_HTTP_H
#define XDPLB_HTTP_H

#include <stddef.h>

struct metrics_http;
struct sockaddr_storage;

/* The exposition, built for each request: 0 and a malloc()ed text, or -errno. */
typedef int (*metrics_http_build_fn)(char **text, size_t *len, void *arg);
/* Log lines (the daemon's, with time stamps). */
typedef void (*metrics_http_log_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The address of "metrics PORT", and the address and port of "metrics on". */
#define METRICS_HTTP_ADDR "127.0.0.1"
#define METRICS_HTTP_PORT 9124

/* Parse @s (ADDR:PORT, [ADDR6]:PORT, PORT alone on 127.0.0.1, or "on": 127.0.0.1:9124) into
 * @out (socket address, *@len): 0, or -XDPLB_EUSAGE with the error printed. */
int metrics_http_parse(const char *s, struct sockaddr_storage *out, unsigned int *len);

/* Listen on @s (as metrics_http_parse() reads it) and serve GET /metrics: 0, or -errno with
 * why in @why ("127.0.0.1:9124: Address already in use", ...). */
int metrics_http_new(struct metrics_http **out, const char *s, metrics_http_build_fn build,
		     void *arg, metrics_http_log_fn log, char *why, size_t wlen);
/* Where it serves: "http://ADDR:PORT/metrics". */
const char *metrics_http_url(const struct metrics_http *h);
/* The fd to wait on for readability (an epoll fd); then call metrics_http_run(). */
int metrics_http_fd(const struct metrics_http *h);
/* How long the caller may wait for the fd before calling metrics_http_run() anyway: 0 when it
 * has work pending (a reply that filled the socket's buffer), at most @max ms; @max without
 * an endpoint (@h NULL). */
int metrics_http_timeout_ms(struct metrics_http *h, int max);
/* Handle what is ready (never blocks); also ends idle connections: call it every second. */
void metrics_http_run(struct metrics_http *h);
void metrics_http_free(struct metrics_http *h);

#endif /* XDPLB_HTTP_H */
