// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Health check engine: state machine, probes, event loop (see health.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include "util/common.h"
#include "health/health.h"

enum phase { PH_IDLE, PH_CONNECT, PH_TLS, PH_READ, PH_EXEC };

struct hc_engine {
	int epfd, tfd;
	unsigned int tick_ms;
	struct hc_target **t;
	size_t n, cap;
	struct hc_callbacks cb;
};

/* epoll data: targets by pointer; the timer and caller fds by these tags */
#define TAG_TIMER ((void *)1)
#define TAG_OTHER ((void *)2)

__u64 hc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool hc_feed(struct hc_run *run, __u8 rise, __u8 fall, enum hc_result r)
{
	if (r == HC_LOCAL)
		return false;
	if (r == HC_OK) {
		run->fail = 0;
		if (run->ok < 255)
			run->ok++;
		if (!run->up && run->ok >= (rise ?: 1)) {
			run->up = true;
			return true;
		}
		return false;
	}
	run->ok = 0;
	if (run->fail < 255)
		run->fail++;
	if (run->up && run->fail >= (fall ?: 1)) {
		run->up = false;
		return true;
	}
	return false;
}

enum hc_result hc_classify_errno(int err)
{
	switch (err) {
	case EADDRNOTAVAIL: /* out of local ports */
	case EADDRINUSE:
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
	case EAGAIN:
	case EPERM: /* our own firewall or policy */
	case EACCES:
	case EAFNOSUPPORT:
		return HC_LOCAL;
	default: /* ECONNREFUSED, ECONNRESET, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, ... */
		return HC_FAIL;
	}
}

static const char *memmem_str(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle));
}

enum hc_result hc_http_eval(const char *buf, size_t len, bool complete, __u16 status,
			    const char *expect, char *why, size_t wlen)
{
	const char *eol = memchr(buf, '\n', len), *body;
	char line[64], proto[16];
	unsigned int code;

	if (!eol) {
		if (!complete && len < 1024)
			return HC_LOCAL; /* read more */
		snprintf(why, wlen, "http: no status line in the reply");
		return HC_FAIL;
	}
	/* the status line alone, as a string: sscanf() must not read on past @len */
	snprintf(line, sizeof(line), "%.*s", (int)(eol - buf), buf);
	if (sscanf(line, "%15s %3u", proto, &code) != 2 || strncmp(proto, "HTTP/", 5)) {
		snprintf(why, wlen, "http: malformed status line");
		return HC_FAIL;
	}
	if (status ? code != status : (code < 200 || code > 399)) {
		snprintf(why, wlen, "http: status %u", code);
		return HC_FAIL;
	}
	if (!expect[0])
		return HC_OK;
	body = memmem(buf, len, "\r\n\r\n", 4);
	if (body && memmem_str(body + 4, len - (body + 4 - buf), expect))
		return HC_OK;
	if (!complete)
		return HC_LOCAL;
	snprintf(why, wlen, "http: body lacks \"%s\"", expect);
	return HC_FAIL;
}

enum hc_result hc_udp_eval(const char *buf, size_t len, const char *expect, char *why, size_t wlen)
{
	if (!expect[0] || memmem_str(buf, len, expect))
		return HC_OK;
	snprintf(why, wlen, "udp: reply lacks \"%s\"", expect);
	return HC_FAIL;
}

void hc_target_init(struct hc_target *t, const struct xdplb_vip_key *vk, const struct xdplb_real *r,
		    const struct xdplb_check *c)
{
	static const char *const types[XDPLB_CHECK_MAX] = { "none", "tcp",  "http",
							    "udp",  "exec", "https" };
	__be16 port = c->port ?: r->port ?: vk->port;
	char svc[80], ra[80];

	t->check = *c;
	memset(&t->addr, 0, sizeof(t->addr));
	if (r->family == XDPLB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->addr;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = port;
		memcpy(&s6->sin6_addr, r->addr, 16);
		t->addr_len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&t->addr;

		s4->sin_family = AF_INET;
		s4->sin_port = port;
		s4->sin_addr.s_addr = r->addr[0];
		t->addr_len = sizeof(*s4);
	}
	fmt_service(vk, svc, sizeof(svc));
	fmt_addr_port(r->addr, r->family, port, ra, sizeof(ra));
	snprintf(t->name, sizeof(t->name), "%s backend %s (%s)", svc, ra,
		 types[c->type < XDPLB_CHECK_MAX ? c->type : 0]);
	fmt_addr_port(vk->addr, vk->family, vk->port, t->env_vip, sizeof(t->env_vip));
	fmt_addr_port(r->addr, r->family, port, t->env_real, sizeof(t->env_real));
}

static int ep_set(struct hc_engine *e, int op, int fd, __u32 events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(e->epfd, op, fd, &ev) ? -errno : 0;
}

/* End the probe in flight: close its socket (RST, no TIME_WAIT), reap its command. */
static void probe_stop(struct hc_engine *e, struct hc_target *t)
{
	if (t->tls)
		hc_tls_free(t);
	if (t->fd >= 0) {
		if (t->phase != PH_EXEC) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(t->fd); /* its last reference: epoll forgets it too */
		t->fd = -1;
	}
	if (t->pid > 0) {
		/* the command's process group: what it started in the background too */
		kill(-t->pid, SIGKILL);
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
	t->phase = PH_IDLE;
}

/* Keep in the order of enum hc_fail. */
const char *const hc_fail_names[HC_F_MAX] = {
	[HC_F_TIMEOUT] = "timeout", [HC_F_REFUSED] = "refused",
	[HC_F_RESET] = "reset",	    [HC_F_UNREACHABLE] = "unreachable",
	[HC_F_ERROR] = "error",	    [HC_F_REPLY] = "reply",
	[HC_F_TLS] = "tls",	    [HC_F_EXEC] = "exec",
};

const double hc_duration_bounds[HC_DURATION_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5,
};

enum hc_fail hc_fail_of_errno(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return HC_F_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return HC_F_RESET;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		return HC_F_UNREACHABLE;
	case ETIMEDOUT:
		return HC_F_TIMEOUT;
	default:
		return HC_F_ERROR;
	}
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A probe with a result (not a local error): its duration, and why it failed. */
static void stats_count(struct hc_stats *s, __u64 started_ns, enum hc_result r, enum hc_fail f)
{
	__u64 ns = now_ns();
	double secs = ns > started_ns ? (ns - started_ns) / 1e9 : 0;
	int b = 0;

	while (b < HC_DURATION_BUCKETS && secs > hc_duration_bounds[b])
		b++;
	s->duration[b]++;
	s->count++;
	s->sum += secs;
	if (r == HC_FAIL && f < HC_F_MAX)
		s->fail[f]++;
}

/* @f: why it failed, when @r is HC_FAIL (ignored otherwise). */
static void probe_done(struct hc_engine *e, struct hc_target *t, enum hc_result r, enum hc_fail f,
		       const char *why)
{
	__u64 now = hc_now_ms();

	probe_stop(e, t);
	if (r != HC_LOCAL)
		stats_count(&t->stats, t->started_ns, r, f);
	t->next_ms = t->started_ms + t->check.interval_ms;
	if (t->next_ms < now)
		t->next_ms = now;
	if (r == HC_LOCAL) {
		if (!t->local_said && e->cb.local)
			e->cb.local(t, why, e->cb.arg);
		t->local_said = true;
		return;
	}
	t->local_said = false;
	if (r == HC_FAIL)
		snprintf(t->why, sizeof(t->why), "%s", why);
	if (hc_feed(&t->run, t->check.rise, t->check.fall, r) && e->cb.changed)
		e->cb.changed(t, r == HC_OK ? "check passed" : t->why, e->cb.arg);
}

static void probe_errno(struct hc_engine *e, struct hc_target *t, const char *what, int err)
{
	char why[160];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(err));
	probe_done(e, t, hc_classify_errno(err), hc_fail_of_errno(err), why);
}

static void http_send(struct hc_engine *e, struct hc_target *t)
{
	const char *sni = hc_check_arg2(&t->check);
	char req[768], why[160];
	int n =
	    snprintf(req, sizeof(req),
		     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: xdplb-health\r\n"
		     "Connection: close\r\n\r\n",
		     t->check.arg[0] ? t->check.arg : "/", t->tls && sni[0] ? sni : t->env_real);

	if (n >= (int)sizeof(req)) {
		probe_done(e, t, HC_LOCAL, HC_F_ERROR, "http: request too long");
		return;
	}
	if (t->tls) {
		if (hc_tls_send(t, req, n, why, sizeof(why)) != n) {
			probe_done(e, t, HC_FAIL, HC_F_TLS, why);
			return;
		}
	} else if (send(t->fd, req, n, MSG_NOSIGNAL) != n) {
		probe_errno(e, t, "http: send", errno ?: EMSGSIZE);
		return;
	}
	t->phase = PH_READ; /* the reply's edge comes on the same registration */
	t->blen = 0;
}

/* https: the handshake's next step; once done, the request. */
static void on_tls(struct hc_engine *e, struct hc_target *t)
{
	char why[160];

	switch (hc_tls_handshake(t, why, sizeof(why))) {
	case HC_TLS_DONE:
		http_send(e, t);
		break;
	case HC_TLS_AGAIN: /* the socket's next edge resumes it */
		break;
	case HC_TLS_FAIL:
		probe_done(e, t, HC_FAIL, HC_F_TLS, why);
		break;
	}
}

/* What an exec check runs as: root, or the user named after the command (getpwnam_r()). */
struct exec_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	char home[256];
};

static int exec_user_get(const char *name, struct exec_user *u, char *why, size_t wlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int err;

	u->uid = 0;
	u->gid = 0;
	u->ngroups = 0;
	snprintf(u->home, sizeof(u->home), "/");
	if (!name[0])
		return 0;
	err = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (err || !res) {
		snprintf(why, wlen, "exec: user %s: %s", name, err ? strerror(err) : "unknown");
		return -1;
	}
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	u->ngroups = sizeof(u->groups) / sizeof(u->groups[0]);
	if (getgrouplist(name, pw.pw_gid, u->groups, &u->ngroups) < 0)
		u->ngroups = 1; /* more than 64 groups: the primary one only */
	u->groups[0] = pw.pw_gid;
	snprintf(u->home, sizeof(u->home), "%s", pw.pw_dir);
	return 0;
}

/*
 * The command runs as `sh -c COMMAND` in a session and process group of its own (so a timeout
 * kills everything it started, background children included), in /, with stdin, stdout and
 * stderr on /dev/null, and a clean environment: PATH, HOME, XDPLB_VIP and XDPLB_REAL; as
 * root, or as the check's user (its groups, its home).
 */
static void exec_start(struct hc_engine *e, struct hc_target *t)
{
	char ev[3][320], *envp[5], *argv[] = { "sh", "-c", t->check.arg, NULL };
	const char *user = hc_check_arg2(&t->check);
	struct exec_user u;
	char why[160];
	int pfd, fd;
	pid_t pid;

	if (exec_user_get(user, &u, why, sizeof(why))) {
		probe_done(e, t, HC_LOCAL, HC_F_ERROR, why);
		return;
	}
	snprintf(ev[0], sizeof(ev[0]), "XDPLB_VIP=%s", t->env_vip);
	snprintf(ev[1], sizeof(ev[1]), "XDPLB_REAL=%s", t->env_real);
	snprintf(ev[2], sizeof(ev[2]), "HOME=%s", u.home);
	envp[0] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	envp[1] = ev[0];
	envp[2] = ev[1];
	envp[3] = ev[2];
	envp[4] = NULL;
	pid = fork();
	if (pid < 0) {
		probe_errno(e, t, "exec: fork", errno);
		return;
	}
	if (pid == 0) {
		/* the child: only async-signal-safe calls from here on */
		sigset_t none;

		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* the daemon blocks some for signalfd */
		sigaction(SIGPIPE, &dfl, NULL);	       /* and ignores this one */
		fd = open("/dev/null", O_RDWR);
		if (setsid() < 0 || fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0 || chdir("/"))
			_exit(126);
		if (u.uid && (setgroups(u.ngroups, u.groups) || setgid(u.gid) || setuid(u.uid)))
			_exit(126);
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	t->pid = pid;
	t->phase = PH_EXEC;
	pfd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0) {
		probe_errno(e, t, "exec: pidfd_open", errno);
		return;
	}
	t->fd = pfd;
	if (ep_set(e, EPOLL_CTL_ADD, pfd, EPOLLIN, t))
		probe_done(e, t, HC_LOCAL, HC_F_ERROR, "exec: epoll");
}

static void exec_reap(struct hc_engine *e, struct hc_target *t)
{
	char why[64];
	int st;

	siginfo_t si = {};

	/* exited, not reaped yet: its pid still names its process group, and what it left
	 * running there ends with it */
	if (waitid(P_PID, t->pid, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
		return;
	kill(-t->pid, SIGKILL);
	if (waitpid(t->pid, &st, WNOHANG) <= 0)
		return;
	t->pid = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		probe_done(e, t, HC_OK, HC_F_ERROR, "");
		return;
	}
	if (WIFEXITED(st))
		snprintf(why, sizeof(why), "exec: exit status %d", WEXITSTATUS(st));
	else
		snprintf(why, sizeof(why), "exec: killed by signal %d", WTERMSIG(st));
	probe_done(e, t, HC_FAIL, HC_F_EXEC, why);
}

static void probe_start(struct hc_engine *e, struct hc_target *t)
{
	int type = t->check.type, fd;

	t->started_ms = hc_now_ms();
	t->started_ns = now_ns();
	t->deadline_ms = t->started_ms + t->check.timeout_ms;
	if (type == XDPLB_CHECK_EXEC) {
		exec_start(e, t);
		return;
	}
	fd = socket(
	    t->addr.ss_family,
	    (type == XDPLB_CHECK_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_errno(e, t, "socket", errno);
		return;
	}
	t->fd = fd;
	t->phase = PH_CONNECT;
	/* the kernel picks the source address and port (connect() binds); running out of
	 * ports shows as EADDRNOTAVAIL, a local error */
	if (connect(fd, (struct sockaddr *)&t->addr, t->addr_len) && errno != EINPROGRESS) {
		probe_errno(e, t, "connect", errno);
		return;
	}
	if (type == XDPLB_CHECK_UDP) {
		size_t len = strlen(t->check.arg);

		if (send(fd, t->check.arg, len, 0) != (ssize_t)len) {
			probe_errno(e, t, "udp: send", errno);
			return;
		}
		t->phase = PH_READ;
		if (ep_set(e, EPOLL_CTL_ADD, fd, EPOLLIN, t))
			probe_done(e, t, HC_LOCAL, HC_F_ERROR, "epoll");
		return;
	}
	/* edge-triggered, in and out at once: connected, then the reply, with one epoll_ctl
	 * per probe (the daemon's cost is in its syscalls) */
	if (ep_set(e, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLOUT | EPOLLET, t))
		probe_done(e, t, HC_LOCAL, HC_F_ERROR, "epoll");
}

static void on_connect(struct hc_engine *e, struct hc_target *t, __u32 events)
{
	socklen_t len = sizeof(int);
	int err = 0;

	/* writable without an error event: connected (one syscall less per probe) */
	if ((events & (EPOLLERR | EPOLLHUP)) && getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if ((events & (EPOLLERR | EPOLLHUP)) && !err)
		err = ECONNRESET;
	if (err) {
		probe_errno(e, t, "connect", err);
		return;
	}
	if (t->check.type == XDPLB_CHECK_TCP) {
		probe_done(e, t, HC_OK, HC_F_ERROR, "");
	} else if (t->check.type == XDPLB_CHECK_HTTPS) {
		char why[160];

		if (hc_tls_start(t, why, sizeof(why))) {
			probe_done(e, t, HC_LOCAL, HC_F_ERROR, why);
			return;
		}
		t->phase = PH_TLS;
		on_tls(e, t);
	} else {
		http_send(e, t);
	}
}

static void on_read(struct hc_engine *e, struct hc_target *t)
{
	char why[160] = "";
	enum hc_result r;
	ssize_t n;

	for (;;) { /* until EAGAIN: TCP probes are edge-triggered */
		if (t->tls) {
			n = hc_tls_recv(t, t->buf + t->blen, sizeof(t->buf) - 1 - t->blen, why,
					sizeof(why));
			if (n == -EAGAIN)
				return;
			if (n < 0) {
				probe_done(e, t, HC_FAIL, HC_F_TLS, why);
				return;
			}
		} else {
			n = recv(t->fd, t->buf + t->blen, sizeof(t->buf) - 1 - t->blen, 0);
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			probe_errno(e, t, t->check.type == XDPLB_CHECK_UDP ? "udp" : "http: recv",
				    errno);
			return;
		}
		if (t->check.type == XDPLB_CHECK_UDP) {
			r = hc_udp_eval(t->buf, n, t->check.expect, why, sizeof(why));
			probe_done(e, t, r, HC_F_REPLY, why);
			return;
		}
		t->blen += n;
		t->buf[t->blen] = 0;
		r = hc_http_eval(t->buf, t->blen, n == 0 || t->blen == sizeof(t->buf) - 1,
				 t->check.status, t->check.expect, why, sizeof(why));
		if (r != HC_LOCAL) {
			probe_done(e, t, r, HC_F_REPLY, why);
			return;
		}
	}
}

static void on_event(struct hc_engine *e, struct hc_target *t, __u32 events)
{
	switch (t->phase) {
	case PH_CONNECT:
		on_connect(e, t, events);
		break;
	case PH_TLS:
		on_tls(e, t);
		break;
	case PH_READ:
		on_read(e, t);
		break;
	case PH_EXEC:
		exec_reap(e, t);
		break;
	default:
		break;
	}
}

/* The tick: start what is due, end what is late. */
static void on_tick(struct hc_engine *e)
{
	__u64 now = hc_now_ms(), exp;
	char why[64];

	if (read(e->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		return;
	for (size_t i = 0; i < e->n; i++) {
		struct hc_target *t = e->t[i];

		if (t->phase != PH_IDLE && now >= t->deadline_ms) {
			snprintf(why, sizeof(why), "timeout after %.1fs",
				 t->check.timeout_ms / 1000.0);
			probe_done(e, t, HC_FAIL, HC_F_TIMEOUT, why);
		} else if (t->phase == PH_IDLE && now >= t->next_ms) {
			probe_start(e, t);
		}
	}
}

int hc_engine_new(struct hc_engine **out, unsigned int tick_ms, const struct hc_callbacks *cb)
{
	struct itimerspec its = { .it_interval = { .tv_nsec = tick_ms * 1000000L },
				  .it_value = { .tv_nsec = tick_ms * 1000000L } };
	struct hc_engine *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	e->tick_ms = tick_ms;
	if (cb)
		e->cb = *cb;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (e->epfd < 0 || e->tfd < 0 || timerfd_settime(e->tfd, 0, &its, NULL)) {
		err = -errno;
		hc_engine_free(e);
		return err;
	}
	err = ep_set(e, EPOLL_CTL_ADD, e->tfd, EPOLLIN, TAG_TIMER);
	if (err) {
		hc_engine_free(e);
		return err;
	}
	*out = e;
	return 0;
}

void hc_engine_free(struct hc_engine *e)
{
	if (!e)
		return;
	while (e->n)
		hc_engine_del(e, e->t[e->n - 1]);
	free(e->t);
	if (e->epfd >= 0)
		close(e->epfd);
	if (e->tfd >= 0)
		close(e->tfd);
	free(e);
}

int hc_engine_fd(struct hc_engine *e)
{
	return e->epfd;
}

int hc_engine_add(struct hc_engine *e, struct hc_target *t, unsigned int delay_ms)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		struct hc_target **nt = realloc(e->t, cap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		e->t = nt;
		e->cap = cap;
	}
	t->fd = -1;
	t->pid = 0;
	t->tls = NULL;
	t->phase = PH_IDLE;
	t->next_ms = hc_now_ms() + delay_ms;
	e->t[e->n++] = t;
	return 0;
}

void hc_engine_del(struct hc_engine *e, struct hc_target *t)
{
	for (size_t i = 0; i < e->n; i++) {
		if (e->t[i] != t)
			continue;
		probe_stop(e, t);
		e->t[i] = e->t[--e->n];
		free(t);
		return;
	}
}

void hc_engine_update(struct hc_engine *e, struct hc_target *t, const struct xdplb_vip_key *vk,
		      const struct xdplb_real *r, const struct xdplb_check *c)
{
	probe_stop(e, t); /* a probe in flight was started under the old settings */
	hc_target_init(t, vk, r, c);
	t->next_ms = hc_now_ms();
}

size_t hc_engine_count(struct hc_engine *e)
{
	return e->n;
}

struct hc_target *hc_engine_target(struct hc_engine *e, size_t i)
{
	return i < e->n ? e->t[i] : NULL;
}

int hc_engine_watch(struct hc_engine *e, int fd)
{
	return ep_set(e, EPOLL_CTL_ADD, fd, EPOLLIN, TAG_OTHER);
}

int hc_engine_run(struct hc_engine *e, int timeout_ms, int *other)
{
	struct epoll_event evs[64];
	int n = epoll_wait(e->epfd, evs, 64, timeout_ms);

	if (other)
		*other = 0;
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	bool tick = false;

	/* probes first, the tick last: a probe the tick starts must not get an event that was
	 * meant for the socket of the probe before it */
	for (int i = 0; i < n; i++) {
		if (evs[i].data.ptr == TAG_TIMER)
			tick = true;
		else if (evs[i].data.ptr == TAG_OTHER)
			*other = 1;
		else
			on_event(e, evs[i].data.ptr, evs[i].events);
	}
	if (tick)
		on_tick(e);
	return n;
}
