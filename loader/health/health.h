/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains the health check engine of `xdplb daemon`: the rise/fall state machine
 * and the probes (tcp, http, https, udp, exec), all in one thread on epoll.  A periodic timerfd
 * tick starts the probes that are due and ends the ones past their timeout; sockets and
 * pidfds report completion.  Nothing here knows about the maps: the daemon adds targets and
 * is told of state changes through callbacks, so the tests can drive the engine alone.
 */
#ifndef XDPLB_HEALTH_H
#define XDPLB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "xdplb_abi.h"

/* What one probe said. */
enum hc_result {
	HC_OK,	  /* the backend answered as expected */
	HC_FAIL,  /* the backend refused, timed out or answered wrong */
	HC_LOCAL, /* the balancer could not probe (no ports, no fds, no memory): says
		   * nothing about the backend, so it changes nothing */
};

/* The rise/fall state machine of one backend. */
struct hc_run {
	bool up;
	__u8 ok;   /* consecutive successes */
	__u8 fail; /* consecutive failures */
};

/* Feed one result; true when .up changed (rise successes while down, fall failures while up). */
bool hc_feed(struct hc_run *run, __u8 rise, __u8 fall, enum hc_result r);

/* Judge an HTTP reply (status line, then headers and body) against @status (0 = any 2xx or
 * 3xx) and @expect (a substring of the body, "" = none).  @complete: the whole reply is in
 * @buf (the peer closed); before that, HC_LOCAL means "read more".  @why says what failed. */
enum hc_result hc_http_eval(const char *buf, size_t len, bool complete, __u16 status,
			    const char *expect, char *why, size_t wlen);

/* Judge a UDP reply, one datagram: HC_OK when it contains @expect ("" = any reply), else
 * HC_FAIL with @why. */
enum hc_result hc_udp_eval(const char *buf, size_t len, const char *expect, char *why, size_t wlen);

/* errno of a failed socket call -> the backend's failure or our own (local) error. */
enum hc_result hc_classify_errno(int err);

/* A check's second string, after the first's NUL in arg (the ABI's packing, xdplb_abi.h):
 * exec: the user it runs as; https: the SNI name; "" when none. */
static inline const char *hc_check_arg2(const struct xdplb_check *c)
{
	size_t n = strnlen(c->arg, sizeof(c->arg));

	return n + 1 < sizeof(c->arg) ? c->arg + n + 1 : "";
}

/* Why a probe failed, as the daemon's metrics count it (names in hc_fail_names). */
enum hc_fail {
	HC_F_TIMEOUT,	  /* no (complete) answer within the timeout */
	HC_F_REFUSED,	  /* connection refused (ECONNREFUSED; UDP: ICMP port unreachable) */
	HC_F_RESET,	  /* connection reset (ECONNRESET, EPIPE) */
	HC_F_UNREACHABLE, /* host or network unreachable or down */
	HC_F_ERROR,	  /* another socket error */
	HC_F_REPLY,	  /* an answer, but the wrong one: http status, body, udp reply */
	HC_F_TLS,	  /* https: the handshake or the session failed */
	HC_F_EXEC,	  /* exec: the command exited non-zero or was killed */
	HC_F_MAX,
};
extern const char *const hc_fail_names[HC_F_MAX];
enum hc_fail hc_fail_of_errno(int err);

/* What a target's probes did since the daemon began checking it: the duration of each
 * probe with a result (local errors are not counted) in buckets with upper bounds
 * hc_duration_bounds (seconds; the last bucket is +Inf; not cumulative), and failures by
 * reason. */
#define HC_DURATION_BUCKETS 10
extern const double hc_duration_bounds[HC_DURATION_BUCKETS];
struct hc_stats {
	__u64 duration[HC_DURATION_BUCKETS + 1];
	__u64 count;
	double sum; /* seconds */
	__u64 fail[HC_F_MAX];
};

struct hc_engine;

/* One backend under a check. */
struct hc_target {
	__u32 vip_id, real_id;
	__u16 gen;
	struct xdplb_check check;
	struct sockaddr_storage addr; /* what the probe connects to */
	socklen_t addr_len;
	char name[256];			/* "tcp 10.0.0.1:80 backend 10.0.1.11:80", for the log */
	char env_vip[64], env_real[64]; /* exec: XDPLB_VIP and XDPLB_REAL */
	struct hc_run run;
	char why[160]; /* what the last failure said */
	struct hc_stats stats;
	bool local_said; /* a local error was logged: say it once until a real result */
	bool seen;	 /* daemon bookkeeping: found in the last sync */
	bool decided;	 /* ... its state is the daemon's own result, not adopted */
	/* the probe in flight */
	__u64 next_ms, deadline_ms, started_ms;
	__u64 started_ns; /* CLOCK_MONOTONIC, for the probe's duration */
	int fd;		  /* socket or pidfd; -1 when idle */
	void *tls;	  /* https: the TLS session (tls.c) */
	pid_t pid;
	int phase;
	char buf[4096];
	size_t blen;
};

/* tls.c: the https probe's TLS session on t->fd, non-blocking. */
enum hc_tls_step { HC_TLS_DONE, HC_TLS_AGAIN, HC_TLS_FAIL };
int hc_tls_start(struct hc_target *t, char *why, size_t wlen);
void hc_tls_free(struct hc_target *t);
enum hc_tls_step hc_tls_handshake(struct hc_target *t, char *why, size_t wlen);
/* Bytes sent or -1; bytes read, 0 at the end of the reply, -EAGAIN or -EIO; @why on failure. */
ssize_t hc_tls_send(struct hc_target *t, const void *buf, size_t len, char *why, size_t wlen);
ssize_t hc_tls_recv(struct hc_target *t, void *buf, size_t len, char *why, size_t wlen);

struct hc_callbacks {
	/* .up changed: @why is the result that decided it */
	void (*changed)(struct hc_target *t, const char *why, void *arg);
	/* a probe could not run (HC_LOCAL), once until the next real result */
	void (*local)(struct hc_target *t, const char *why, void *arg);
	void *arg;
};

/* 0 or -errno.  @tick_ms: how often due probes and timeouts are looked at. */
int hc_engine_new(struct hc_engine **e, unsigned int tick_ms, const struct hc_callbacks *cb);
void hc_engine_free(struct hc_engine *e);
/* The epoll fd, for callers that wait on more (signals). */
int hc_engine_fd(struct hc_engine *e);
/* Add a target (the engine owns it from now on); its first probe starts within @delay_ms. */
int hc_engine_add(struct hc_engine *e, struct hc_target *t, unsigned int delay_ms);
/* Stop a target's probe and free it. */
void hc_engine_del(struct hc_engine *e, struct hc_target *t);
/* New settings for a target: its probe in flight is dropped, the next starts now; the
 * rise/fall state stays. */
void hc_engine_update(struct hc_engine *e, struct hc_target *t, const struct xdplb_vip_key *vk,
		      const struct xdplb_real *r, const struct xdplb_check *c);
size_t hc_engine_count(struct hc_engine *e);
struct hc_target *hc_engine_target(struct hc_engine *e, size_t i);
/* Wait up to @timeout_ms for events and handle them; returns the events of other fds
 * (registered by the caller with hc_engine_watch) through @other, or -errno. */
int hc_engine_run(struct hc_engine *e, int timeout_ms, int *other_fd);
/* Have hc_engine_run() report @fd when it is readable. */
int hc_engine_watch(struct hc_engine *e, int fd);
/* Fill a target's address and names from the VIP key, backend and check. */
void hc_target_init(struct hc_target *t, const struct xdplb_vip_key *vk, const struct xdplb_real *r,
		    const struct xdplb_check *c);
__u64 hc_now_ms(void);

#endif /* XDPLB_HEALTH_H */
