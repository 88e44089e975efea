// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The health check engine alone (no BPF): the rise/fall state machine, the HTTP judge, and
 * real probes in a private network namespace against servers run by this test: tcp, http,
 * udp and exec successes and failures (IPv4 and IPv6 backends), timeouts, and local errors
 * that change nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include "test.h"
#include "sandbox.h"
#include "health/health.h"

static char msg[512];
#define WHAT(...) (snprintf(msg, sizeof(msg), __VA_ARGS__), msg)

static void case_feed(void)
{
	struct hc_run r = { .up = true };
	int changes = 0;

	/* fall 3: two failures change nothing, a success resets, three in a row go down */
	changes += hc_feed(&r, 2, 3, HC_FAIL);
	changes += hc_feed(&r, 2, 3, HC_FAIL);
	changes += hc_feed(&r, 2, 3, HC_OK);
	changes += hc_feed(&r, 2, 3, HC_FAIL);
	changes += hc_feed(&r, 2, 3, HC_FAIL);
	ASSERT_TRUE(r.up && !changes, "up after FF S FF (fall 3)");
	/* a local error neither counts nor resets */
	ASSERT_TRUE(!hc_feed(&r, 2, 3, HC_LOCAL) && r.up && r.fail == 2, "local error: no change");
	ASSERT_TRUE(hc_feed(&r, 2, 3, HC_FAIL) && !r.up, "third failure in a row: down");
	ASSERT_TRUE(!hc_feed(&r, 2, 3, HC_FAIL) && !r.up, "more failures: no change");
	/* rise 2 */
	ASSERT_TRUE(!hc_feed(&r, 2, 3, HC_OK) && !r.up, "one success: still down");
	ASSERT_TRUE(!hc_feed(&r, 2, 3, HC_FAIL), "a failure resets the run");
	ASSERT_TRUE(!hc_feed(&r, 2, 3, HC_OK), "success 1");
	ASSERT_TRUE(!hc_feed(&r, 2, 3, HC_LOCAL), "local error between successes");
	ASSERT_TRUE(hc_feed(&r, 2, 3, HC_OK) && r.up, "success 2: up");
	/* rise/fall 1 */
	ASSERT_TRUE(hc_feed(&r, 1, 1, HC_FAIL) && !r.up, "fall 1");
	ASSERT_TRUE(hc_feed(&r, 1, 1, HC_OK) && r.up, "rise 1");
}

static enum hc_result http(const char *reply, bool complete, __u16 status, const char *expect,
			   char *why)
{
	why[0] = 0;
	return hc_http_eval(reply, strlen(reply), complete, status, expect, why, 100);
}

static void case_http_eval(void)
{
	char why[100];

	ASSERT_EQ(http("HTTP/1.1 200 OK\r\n\r\nhi", true, 0, "", why), HC_OK, "200, any 2xx/3xx");
	ASSERT_EQ(http("HTTP/1.0 302 Found\r\n\r\n", true, 0, "", why), HC_OK, "302, any 2xx/3xx");
	ASSERT_EQ(http("HTTP/1.1 503 Busy\r\n\r\n", true, 0, "", why), HC_FAIL, "503");
	ASSERT_TRUE(!strcmp(why, "http: status 503"), WHAT("why: '%s'", why));
	ASSERT_EQ(http("HTTP/1.1 200 OK\r\n\r\n", true, 204, "", why), HC_FAIL, "200, want 204");
	ASSERT_EQ(http("HTTP/1.1 204 No\r\n\r\n", true, 204, "", why), HC_OK, "204, want 204");
	ASSERT_EQ(http("HTTP/1.1 200 OK\r\nX: ok\r\n\r\nall good", true, 0, "good", why), HC_OK,
		  "body has the text");
	ASSERT_EQ(http("HTTP/1.1 200 OK\r\nX: good\r\n\r\nbad", true, 0, "good", why), HC_FAIL,
		  "the text in a header only does not count");
	ASSERT_TRUE(!strcmp(why, "http: body lacks \"good\""), WHAT("why: '%s'", why));
	ASSERT_EQ(http("HTTP/1.1 200 OK\r\n\r\nba", false, 0, "good", why), HC_LOCAL,
		  "body incomplete: read more");
	ASSERT_EQ(http("HTTP/1.1 20", false, 0, "", why), HC_LOCAL, "status line incomplete");
	ASSERT_EQ(http("SSH-2.0-OpenSSH\r\n", true, 0, "", why), HC_FAIL, "not HTTP");
	ASSERT_EQ(http("", true, 0, "", why), HC_FAIL, "closed without a reply");
}

static void case_classify(void)
{
	ASSERT_EQ(hc_classify_errno(ECONNREFUSED), HC_FAIL, "refused: the backend");
	ASSERT_EQ(hc_classify_errno(EHOSTUNREACH), HC_FAIL, "unreachable: the backend");
	ASSERT_EQ(hc_classify_errno(ECONNRESET), HC_FAIL, "reset: the backend");
	ASSERT_EQ(hc_classify_errno(EADDRNOTAVAIL), HC_LOCAL, "no local port: ours");
	ASSERT_EQ(hc_classify_errno(EMFILE), HC_LOCAL, "no fd: ours");
	ASSERT_EQ(hc_classify_errno(ENFILE), HC_LOCAL, "no fd system-wide: ours");
	ASSERT_EQ(hc_classify_errno(ENOBUFS), HC_LOCAL, "no buffers: ours");
}

/* Servers: TCP ports answering a fixed HTTP reply, a UDP echo, a TLS port answering with the
 * server name and Host header it was sent. */
struct server {
	int fd;
	const char *reply; /* TCP: written after the request; NULL = close at once */
	bool udp;
	SSL_CTX *tls;
};

/* One TLS connection: handshake, the request, "sni=NAME host=HOST" (or "-"). */
static void serve_tls(struct server *s, int c)
{
	SSL *ssl = SSL_new(s->tls);
	char req[1024], out[600], host[256] = "-", *h;
	struct timeval tv = { .tv_sec = 1 };
	const char *sni;
	int n = 0, m;

	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) != 1)
		goto out;
	while (n < (int)sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
		m = SSL_read(ssl, req + n, sizeof(req) - 1 - n);
		if (m <= 0)
			goto out;
		n += m;
		req[n] = 0;
	}
	h = strstr(req, "\r\nHost: ");
	if (h)
		sscanf(h + 8, "%255[^\r]", host);
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	m = snprintf(out, sizeof(out), "HTTP/1.0 200 OK\r\n\r\nsni=%s host=%s\n", sni ?: "-", host);
	SSL_write(ssl, out, m);
	SSL_shutdown(ssl);
	/* a lingering close, as web servers do: closing with records of the client unread
	 * would reset the connection and lose the reply on its way */
	shutdown(c, SHUT_WR);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (read(c, req, sizeof(req)) > 0)
		;
out:
	SSL_free(ssl);
}

static void *serve(void *arg)
{
	struct server *s = arg;
	char buf[512];

	for (;;) {
		if (s->udp) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(s->fd, buf, sizeof(buf), 0, (void *)&from, &fl);

			if (n >= 0) {
				char out[600];
				int m = snprintf(out, sizeof(out), "echo:%.*s", (int)n, buf);

				sendto(s->fd, out, m, 0, (void *)&from, fl);
			}
			continue;
		}
		int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC); /* exec probes must not hold it */

		if (c < 0)
			continue;
		if (s->tls)
			serve_tls(s, c);
		else if (s->reply) {
			if (recv(c, buf, sizeof(buf), 0) > 0)
				send(c, s->reply, strlen(s->reply), MSG_NOSIGNAL);
		}
		close(c);
	}
	return NULL;
}

/* A server on 127.0.0.1:@port, or on [::1]:@port with @v6. */
static int listen_on(bool v6, __u16 port, bool udp, const char *reply)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct server *s = calloc(1, sizeof(*s));
	pthread_t th;
	int one = 1;

	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a6.sin6_addr = in6addr_loopback;
	s->fd = socket(v6 ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	s->reply = reply;
	s->udp = udp;
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, v6 ? (void *)&a6 : (void *)&a4, v6 ? sizeof(a6) : sizeof(a4)) ||
	    (!udp && listen(s->fd, 4096)))
		return -1;
	return pthread_create(&th, NULL, serve, s);
}

/* A TLS server on 127.0.0.1:@port with a self-signed certificate made in @dir. */
static int listen_tls(__u16 port, const char *dir)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct server *s = calloc(1, sizeof(*s));
	char cert[256], key[256];
	pthread_t th;
	int one = 1;

	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	if (sandbox_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
		       "-nodes -days 1 -subj /CN=xdplb-test -keyout %s -out %s 2>/dev/null",
		       key, cert))
		return -1;
	s->tls = SSL_CTX_new(TLS_server_method());
	if (!s->tls || SSL_CTX_use_certificate_file(s->tls, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(s->tls, key, SSL_FILETYPE_PEM) != 1)
		return -1;
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (void *)&a4, sizeof(a4)) || listen(s->fd, 4096))
		return -1;
	return pthread_create(&th, NULL, serve, s);
}

/* What the engine said, per target. */
struct seen {
	int ups, downs, locals;
	char why[200], local_why[200];
};
static struct seen seen[16];

static void cb_changed(struct hc_target *t, const char *why, void *arg)
{
	struct seen *s = &seen[t->real_id];

	if (t->run.up)
		s->ups++;
	else
		s->downs++;
	snprintf(s->why, sizeof(s->why), "%s", why);
}

static void cb_local(struct hc_target *t, const char *why, void *arg)
{
	seen[t->real_id].locals++;
	snprintf(seen[t->real_id].local_why, sizeof(seen[0].local_why), "%s", why);
}

/*
 * A target on 127.0.0.1:@port (or @addr) of the VIP 10.0.0.1:80, or for an IPv6 @addr of the
 * VIP [2001:db8::1]:80; id @id, starting @up, rise 1, fall 2, every 300 ms.
 */
static struct hc_target *target(int id, const char *addr, __u16 port, int type, const char *arg,
				const char *expect, bool up)
{
	bool v6 = addr && strchr(addr, ':');
	__u8 family = v6 ? XDPLB_AF_INET6 : XDPLB_AF_INET;
	struct hc_target *t = calloc(1, sizeof(*t));
	struct xdplb_vip_key vk = { .port = htons(80), .proto = 6, .family = family };
	struct xdplb_real r = { .family = family, .port = htons(port) };
	struct xdplb_check c = { .type = type, .rise = 1, .fall = 2 };

	/* generous for loaded CI machines: a late answer must not look like a timeout, and
	 * fall 2: one probe that a stalled VM (steal time) made late does not take a target
	 * down (seen in CI: a listening backend down once in 1,000) */
	c.interval_ms = 300;
	c.timeout_ms = 200;
	snprintf(c.arg, sizeof(c.arg), "%s", arg ?: "");
	snprintf(c.expect, sizeof(c.expect), "%s", expect ?: "");
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "2001:db8::1" : "10.0.0.1", vk.addr);
	inet_pton(v6 ? AF_INET6 : AF_INET, addr ?: "127.0.0.1", r.addr);
	t->real_id = id;
	hc_target_init(t, &vk, &r, &c);
	t->run.up = up;
	return t;
}

/* A new engine reporting into seen[] (cleared). */
static struct hc_engine *engine(void)
{
	static const struct hc_callbacks cb = { .changed = cb_changed, .local = cb_local };
	struct hc_engine *e = NULL;

	if (!ASSERT_EQ(hc_engine_new(&e, 10, &cb), 0, "engine"))
		return NULL;
	memset(seen, 0, sizeof(seen));
	return e;
}

static void run_for(struct hc_engine *e, int ms)
{
	__u64 end = hc_now_ms() + ms;

	while (hc_now_ms() < end)
		hc_engine_run(e, 20, NULL);
}

/* A probe and what must come of it. */
struct probe {
	int type;
	__u16 port; /* PORT_SILENT: probed at 10.5.0.2, a neighbour that never answers */
	const char *arg, *expect, *why; /* why: NULL = must go up */
};

#define PORT_SILENT 7006

/* The failure reason a message of a failed probe stands for (the metrics' label), as the
 * test reads it; -1 when it has no rule here. */
static int want_fail(const char *why)
{
	static const struct {
		const char *prefix;
		int fail;
	} rules[] = {
		{ "connect: Connection refused", HC_F_REFUSED },
		{ "udp: Connection refused", HC_F_REFUSED },
		{ "timeout after", HC_F_TIMEOUT },
		{ "http: ", HC_F_REPLY },
		{ "udp: reply lacks", HC_F_REPLY },
		{ "exec: exit status", HC_F_EXEC },
		{ "https: handshake", HC_F_TLS },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strncmp(why, rules[i].prefix, strlen(rules[i].prefix)))
			return rules[i].fail;
	return -1;
}

/* What target @id's statistics say (struct hc_stats): probes counted, each in one duration
 * bucket, and its failures under @why's reason only (none when @why is NULL). */
static void check_stats(struct hc_engine *e, __u32 id, const char *why, const char *label)
{
	const struct hc_stats *st = NULL;
	__u64 in_buckets = 0, fails = 0;
	int want = why ? want_fail(why) : -1;

	for (size_t i = 0; i < hc_engine_count(e); i++)
		if (hc_engine_target(e, i)->real_id == id)
			st = &hc_engine_target(e, i)->stats;
	if (!ASSERT_TRUE(st != NULL, WHAT("%s %u: a target", label, id)))
		return;
	for (int b = 0; b <= HC_DURATION_BUCKETS; b++)
		in_buckets += st->duration[b];
	for (int f = 0; f < HC_F_MAX; f++)
		fails += st->fail[f];
	ASSERT_TRUE(st->count >= 1 && in_buckets == st->count,
		    WHAT("%s %u: %llu probes counted, %llu in the duration buckets", label, id,
			 (unsigned long long)st->count, (unsigned long long)in_buckets));
	ASSERT_TRUE(st->sum >= 0 && st->sum < st->count * 1.0,
		    WHAT("%s %u: %.3f s over %llu probes", label, id, st->sum,
			 (unsigned long long)st->count));
	if (!why) {
		ASSERT_EQ(fails, 0, WHAT("%s %u: no failure counted", label, id));
		return;
	}
	ASSERT_TRUE(want >= 0, WHAT("%s %u: a reason for '%s'", label, id, why));
	if (want >= 0)
		ASSERT_TRUE(st->fail[want] >= 2 && st->fail[want] == fails,
			    WHAT("%s %u: failures all '%s' (%llu of %llu)", label, id,
				 hc_fail_names[want], (unsigned long long)st->fail[want],
				 (unsigned long long)fails));
}

/* Probes @t of backends at @addr, one target each: each must go up or down once, with the
 * reason, and say no local error.  @label names them in the messages. */
static void run_probes(const struct probe *t, int n, const char *addr, const char *label)
{
	struct hc_engine *e = engine();

	if (!e)
		return;
	for (int i = 0; i < n; i++) {
		/* the ones that must go up start down, and the other way round */
		bool up = t[i].why != NULL;

		hc_engine_add(e,
			      target(i + 1, t[i].port == PORT_SILENT ? "10.5.0.2" : addr, t[i].port,
				     t[i].type, t[i].arg, t[i].expect, up),
			      0);
	}
	run_for(e, 1600);
	for (int i = 0; i < n; i++) {
		struct seen *s = &seen[i + 1];

		if (!t[i].why) {
			ASSERT_TRUE(s->ups == 1 && !s->downs,
				    WHAT("%s %d (type %d) up once (%d up, %d down, '%s')", label, i,
					 t[i].type, s->ups, s->downs, s->why));
		} else {
			ASSERT_TRUE(s->downs == 1 && !s->ups,
				    WHAT("%s %d (type %d) down once (%d up, %d down)", label, i,
					 t[i].type, s->ups, s->downs));
			ASSERT_TRUE(!strcmp(s->why, t[i].why),
				    WHAT("%s %d: why '%s', want '%s'", label, i, s->why, t[i].why));
		}
		ASSERT_EQ(s->locals, 0, WHAT("%s %d: no local error", label, i));
		check_stats(e, i + 1, t[i].why, label);
	}
	hc_engine_free(e); /* kills a sleeping command */
}

/* Each probe type against a server that passes and one that fails, with the reason. */
static void case_probes(void)
{
	static const struct probe t[] = {
		{ XDPLB_CHECK_TCP, 7001, NULL, NULL, NULL },
		{ XDPLB_CHECK_TCP, 7999, NULL, NULL, "connect: Connection refused" },
		{ XDPLB_CHECK_HTTP, 7002, "/", "alive", NULL },
		{ XDPLB_CHECK_HTTP, 7003, "/", NULL, "http: status 503" },
		{ XDPLB_CHECK_HTTP, 7002, "/", "dead", "http: body lacks \"dead\"" },
		{ XDPLB_CHECK_HTTP, 7004, "/", NULL, "http: no status line in the reply" },
		{ XDPLB_CHECK_UDP, 7005, "ping", "echo:ping", NULL },
		{ XDPLB_CHECK_UDP, 7998, "ping", NULL, "udp: Connection refused" },
		{ XDPLB_CHECK_UDP, 7005, "ping", "pong", "udp: reply lacks \"pong\"" },
		{ XDPLB_CHECK_EXEC, 0, "test \"$XDPLB_REAL\" = 127.0.0.1:80", NULL, NULL },
		{ XDPLB_CHECK_EXEC, 0, "exit 2", NULL, "exec: exit status 2" },
		{ XDPLB_CHECK_EXEC, 0, "sleep 5", NULL, "timeout after 0.2s" },
		{ XDPLB_CHECK_TCP, PORT_SILENT, NULL, NULL, "timeout after 0.2s" },
	};

	run_probes(t, sizeof(t) / sizeof(t[0]), NULL, "probe");
}

/* IPv6 backends: the same probes over IPv6 (an IPv6 VIP's, or a tun IPv4 VIP's backends). */
static void case_probes6(void)
{
	static const struct probe t[] = {
		{ XDPLB_CHECK_TCP, 7101, NULL, NULL, NULL },
		{ XDPLB_CHECK_TCP, 7001, NULL, NULL, "connect: Connection refused" }, /* v4 only */
		{ XDPLB_CHECK_HTTP, 7102, "/", "alive", NULL },
		{ XDPLB_CHECK_HTTP, 7102, "/", "dead", "http: body lacks \"dead\"" },
		{ XDPLB_CHECK_UDP, 7103, "ping", "echo:ping", NULL },
		{ XDPLB_CHECK_UDP, 7005, "ping", NULL, "udp: Connection refused" }, /* v4 only */
		{ XDPLB_CHECK_EXEC, 0,
		  "test \"$XDPLB_REAL\" = '[::1]:80' && "
		  "test \"$XDPLB_VIP\" = '[2001:db8::1]:80'",
		  NULL, NULL },
	};

	run_probes(t, sizeof(t) / sizeof(t[0]), "::1", "IPv6 probe");
}

/* Out of file descriptors: logged once, and no state changes while it lasts. */
static void case_local_error(void)
{
	struct hc_engine *e = engine();
	struct rlimit old, low;

	if (!e)
		return;
	/* a refused port: it would go down at once if the probe could run */
	hc_engine_add(e, target(1, NULL, 7999, XDPLB_CHECK_TCP, NULL, NULL, true), 0);
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 3; /* every new fd fails with EMFILE; the open ones stay usable */
	setrlimit(RLIMIT_NOFILE, &low);
	run_for(e, 1600);
	setrlimit(RLIMIT_NOFILE, &old);
	ASSERT_EQ(seen[1].downs, 0, "no state change while probes cannot run");
	ASSERT_EQ(seen[1].locals, 1, "the local error said once");
	ASSERT_TRUE(!strcmp(seen[1].local_why, "socket: Too many open files"),
		    WHAT("local error: '%s'", seen[1].local_why));
	run_for(e, 1300);
	ASSERT_EQ(seen[1].downs, 1, "fds back: the refused port goes down");
	hc_engine_free(e);
}

/* https: the handshake, SNI and Host from the check, the reply judged as http's; a plain
 * HTTP port fails the handshake. */
static void case_https(void)
{
	static const struct {
		__u16 port;
		const char *sni, *expect;
		bool up;
	} t[] = {
		{ 7007, "", "sni=- host=127.0.0.1:7007", true },
		{ 7007, "www.example.test", "sni=www.example.test host=www.example.test", true },
		{ 7007, "", "wrong", false },
		{ 7002, "", "", false },
		{ 7999, "", "", false },
	};
	struct hc_engine *e = engine();
	int n = sizeof(t) / sizeof(t[0]);

	if (!e)
		return;
	for (int i = 0; i < n; i++) {
		struct hc_target *x =
		    target(i + 1, NULL, t[i].port, XDPLB_CHECK_HTTPS, "/", t[i].expect, !t[i].up);

		memcpy(x->check.arg + 2, t[i].sni, strlen(t[i].sni) + 1); /* after "/" NUL */
		hc_engine_add(e, x, 0);
	}
	run_for(e, 1600);

	for (int i = 0; i < n; i++) {
		struct seen *s = &seen[i + 1];

		if (t[i].up)
			ASSERT_TRUE(s->ups == 1 && !s->downs,
				    WHAT("https %d up (%d up, %d down: '%s')", i, s->ups, s->downs,
					 s->why));
		else
			ASSERT_TRUE(s->downs == 1 && !s->ups,
				    WHAT("https %d down (%d up, %d down)", i, s->ups, s->downs));
		ASSERT_EQ(s->locals, 0, WHAT("https %d: no local error ('%s')", i, s->local_why));
	}
	ASSERT_TRUE(!strcmp(seen[3].why, "http: body lacks \"wrong\""),
		    WHAT("the reply judged as http's: '%s'", seen[3].why));
	ASSERT_TRUE(!strncmp(seen[4].why, "https: handshake: ", 18),
		    WHAT("a plain HTTP port: '%s'", seen[4].why));
	ASSERT_TRUE(!strcmp(seen[5].why, "connect: Connection refused"),
		    WHAT("a closed port: '%s'", seen[5].why));
	/* the failing ones only: a target that goes up here may have failed a probe or two
	 * on the way (one server thread answers every probe, lingering after each) */
	for (int i = 0; i < n; i++)
		if (!t[i].up)
			check_stats(e, i + 1, seen[i + 1].why, "https");
	hc_engine_free(e);
}

/* A scratch directory every user may write to (an exec check as nobody writes there). */
static char *scratch_dir(void)
{
	static char dir[32];

	snprintf(dir, sizeof(dir), "/tmp/xdplb-hc.XXXXXX");
	if (!mkdtemp(dir) || chmod(dir, 0777))
		return NULL;
	return dir;
}

static char *read_text(const char *dir, const char *name, char *buf, size_t len)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = 0;
	f = fopen(path, "r");
	if (!f)
		return buf;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/*
 * An exec check past its timeout, whose command started children in the background: the
 * whole process group is killed, nothing is left running (this test is the subreaper of
 * what the command orphans, so it can tell a killed child from a running one).
 */
static void case_exec_group(void)
{
	struct hc_engine *e = engine();
	char cmd[256], pids[1024], *dir = scratch_dir(), *p;
	int n = 0, alive = 0;

	if (!e || !ASSERT_TRUE(dir != NULL, "scratch directory"))
		return;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(cmd, sizeof(cmd),
		 "sleep 100 & echo $! >>%s/pids; (sleep 100 & echo $! >>%s/pids; wait) & "
		 "sleep 100",
		 dir, dir);
	hc_engine_add(e, target(1, NULL, 0, XDPLB_CHECK_EXEC, cmd, NULL, true), 0);
	run_for(e, 700); /* two probes, each timed out after 200 ms */
	hc_engine_free(e);
	usleep(100 * 1000);
	while (waitpid(-1, NULL, WNOHANG) > 0) /* the killed orphans, now ours */
		;
	read_text(dir, "pids", pids, sizeof(pids));
	for (p = strtok(pids, "\n"); p; p = strtok(NULL, "\n")) {
		n++;
		alive += !kill(atoi(p), 0);
	}
	ASSERT_TRUE(n >= 4, WHAT("the command started its children (%d)", n));
	ASSERT_EQ(alive, 0, WHAT("none of the %d children is left running", n));
	ASSERT_TRUE(!strcmp(seen[1].why, "timeout after 0.2s"), WHAT("why '%s'", seen[1].why));
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	sandbox_sh("rm -rf %s", dir);
}

/* What an exec check runs with: a clean environment, /, and its user. */
static void case_exec_env(void)
{
	struct hc_engine *e = engine();
	char cmd[256], buf[2048], *dir = scratch_dir();
	struct hc_target *t;
	struct passwd *pw = getpwnam("nobody");

	if (!e || !ASSERT_TRUE(dir != NULL && pw, "scratch directory, user nobody"))
		return;
	setenv("XDPLB_LEAK_TEST", "1", 1);
	setenv("LEAK_TEST", "1", 1);
	snprintf(cmd, sizeof(cmd), "env >%s/env; pwd >%s/pwd; id -u >%s/uid", dir, dir, dir);
	t = target(1, NULL, 0, XDPLB_CHECK_EXEC, cmd, NULL, false);
	memcpy(t->check.arg + strlen(cmd) + 1, "nobody", 7); /* exec ... user nobody */
	hc_engine_add(e, t, 0);
	run_for(e, 500);
	hc_engine_free(e);
	unsetenv("XDPLB_LEAK_TEST");
	unsetenv("LEAK_TEST");
	ASSERT_EQ(seen[1].ups, 1, WHAT("the command ran and passed ('%s')", seen[1].local_why));
	read_text(dir, "env", buf, sizeof(buf));
	ASSERT_TRUE(
	    strstr(buf, "XDPLB_REAL=127.0.0.1:80\n") && strstr(buf, "XDPLB_VIP=10.0.0.1:80\n") &&
		strstr(buf, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"),
	    WHAT("XDPLB_VIP, XDPLB_REAL and PATH set: '%.400s'", buf));
	ASSERT_TRUE(!strstr(buf, "LEAK_TEST"),
		    WHAT("nothing of the daemon's environment: '%.400s'", buf));
	ASSERT_TRUE(!strcmp(read_text(dir, "pwd", buf, sizeof(buf)), "/\n"),
		    WHAT("working directory / ('%.40s')", buf));
	snprintf(cmd, sizeof(cmd), "%u\n", (unsigned)pw->pw_uid);
	ASSERT_TRUE(!strcmp(read_text(dir, "uid", buf, sizeof(buf)), cmd),
		    WHAT("runs as nobody (uid '%.40s')", buf));
	sandbox_sh("rm -rf %s", dir);
}

/* 1,000 targets on one engine (an interval of 300 ms: 3,300 probes/s). */
static void case_many(void)
{
	struct hc_engine *e = engine();
	int downs = 0;

	if (!e)
		return;
	for (int i = 0; i < 1000; i++)
		hc_engine_add(e,
			      target(i % 2 ? 2 : 1, NULL, i % 2 ? 7999 : 7001, XDPLB_CHECK_TCP,
				     NULL, NULL, true),
			      i % 300);
	run_for(e, 2500);
	downs = seen[2].downs;
	ASSERT_EQ(downs, 500, "each of the 500 refused targets went down once");
	ASSERT_EQ(seen[1].downs, 0, "none of the 500 listening ones");
	ASSERT_EQ(seen[1].locals + seen[2].locals, 0, "no local error");
	hc_engine_free(e);
}

int main(void)
{
	char *tls_dir = NULL;

	REQUIRE_ROOT();
	signal(SIGPIPE, SIG_IGN);
	if (sandbox_enter() ||
	    sandbox_sh("ip link add hc0 type veth peer name hc1 && ip link set hc0 up && "
		       "ip link set hc1 up && ip addr add 10.5.0.1/24 dev hc0 && "
		       "ip neigh add 10.5.0.2 lladdr 02:00:00:00:05:02 nud permanent dev hc0") ||
	    listen_on(false, 7001, false, NULL) ||
	    listen_on(false, 7002, false, "HTTP/1.0 200 OK\r\nServer: t\r\n\r\nI am alive\n") ||
	    listen_on(false, 7003, false, "HTTP/1.1 503 Service Unavailable\r\n\r\n") ||
	    listen_on(false, 7004, false, "") || listen_on(false, 7005, true, NULL) ||
	    listen_on(true, 7101, false, NULL) ||
	    listen_on(true, 7102, false, "HTTP/1.0 200 OK\r\nServer: t\r\n\r\nI am alive\n") ||
	    listen_on(true, 7103, true, NULL) || !(tls_dir = strdup(scratch_dir() ?: "")) ||
	    listen_tls(7007, tls_dir)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("rise/fall: runs, resets, local errors neither count nor reset", case_feed);
	RUN_CASE("http judge: status classes, exact status, body text, partial replies",
		 case_http_eval);
	RUN_CASE("errno classes: the backend's or ours", case_classify);
	RUN_CASE("tcp, http, udp, exec probes: pass, fail with the reason, timeouts; their "
		 "durations and failures by reason counted",
		 case_probes);
	RUN_CASE("the probes to an IPv6 backend", case_probes6);
	RUN_CASE("EMFILE is a local error: said once, no state change, then judged again",
		 case_local_error);
	RUN_CASE("https: TLS handshake, SNI and Host, the reply as http's", case_https);
	RUN_CASE("an exec check past its timeout leaves no process behind", case_exec_group);
	RUN_CASE("exec: clean environment, working directory /, user", case_exec_env);
	RUN_CASE("1000 targets at 300 ms on one engine", case_many);
	sandbox_sh("rm -rf %s", tls_dir);
	return TEST_MAIN_END();
}
