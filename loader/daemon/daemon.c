// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdplb daemon`: runs the health checks kept in the maps and writes backend states back,
 * and runs the flow-table GC every second.  One thread, one epoll loop (health.c).
 *
 * The maps are the truth: on start the daemon adopts each backend's current state (no
 * flapping after a restart or a crash), every second it picks up checks and backends added
 * or removed by other xdplb commands, and when it stops the data plane keeps forwarding with
 * the last states it wrote.  With `config FILE`, the file's `check set` lines are applied at
 * start and again on SIGHUP; checks that a reload drops from the file are deleted.
 *
 * With `config set announce table N`, it also keeps the host routes of the VIPs this node
 * announces (announce.c, routes.c): after every state change at once, and every second for
 * what other commands changed (drain, VIPs, quorum) and whether xdplb is still attached.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <bpf/bpf.h>
#include "cli/check.h"
#include "cli/cli.h"
#include "daemon/daemon.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "util/common.h"
#include "health/health.h"
#include "lib/lb.h"
#include "lib/metrics.h"

#define TICK_MS	     20
#define HOUSEKEEP_MS 1000
#define RESYNC_MS    30000

struct daemon {
	struct lb lb;
	struct hc_engine *eng;
	const char *conf_path;
	struct conf_entry *conf; /* the checks the config file set */
	size_t nconf;
	bool loaded;		  /* the config file was applied once */
	struct hc_target **by_id; /* target of each backend id */
	__u32 max_reals;
	struct announcer *ann;	   /* the VIP routes */
	bool attached;		   /* xdplb is attached somewhere (checked every second) */
	struct metrics_http *http; /* the metrics endpoint (metrics ADDR:PORT), or NULL */
	__u64 gc_runs, gc_expired; /* what the GC did, for the metrics */
};

/* One log line: local time with ms, then the message (journald adds nothing to parse). */
__attribute__((format(printf, 1, 2))) static void logf_(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[40];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld ", when, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* (Re)load the config file: set its checks, drop the ones an earlier version had set. */
static int conf_apply(struct daemon *d, bool wait)
{
	struct conf_entry *ents;
	size_t n;
	int err;

	if (!d->conf_path)
		return 0;
	err = conffile_load(&d->lb, d->conf_path, d->nconf > 0 || d->loaded, &ents, &n);
	if (err)
		return err;
	d->loaded = true;
	/* a command holds the lock: reload later, health checks go on meanwhile */
	err = wait ? lb_lock(&d->lb, pin_dir) : lb_trylock(&d->lb, pin_dir);
	if (err == -EAGAIN) {
		free(ents);
		return err;
	}
	for (size_t i = 0; !err && i < n; i++)
		err = lb_check_set(&d->lb, ents[i].vip_id, ents[i].real_id, &ents[i].check);
	for (size_t i = 0; !err && i < d->nconf; i++)
		if (!conffile_has(ents, n, d->conf[i].vip_id, d->conf[i].real_id))
			lb_check_del(&d->lb, d->conf[i].vip_id, d->conf[i].real_id);
	lb_unlock(&d->lb);
	if (err) {
		p_err("config %s: %s", d->conf_path, strerror(-err));
		free(ents);
		return err;
	}
	free(d->conf);
	d->conf = ents;
	d->nconf = n;
	logf_("config %s: %zu checks", d->conf_path, n);
	return 0;
}

static const char *state_word(bool up)
{
	return up ? "up" : "down";
}

static void on_changed(struct hc_target *t, const char *why, void *arg)
{
	struct daemon *d = arg;
	int err;

	logf_("%s: %s -> %s: %s", t->name, state_word(!t->run.up), state_word(t->run.up), why);
	/*
	 * Without the state lock, so that no command (a long batch, a save into a pager) delays
	 * a state change: the record's state field is the daemon's alone, a batch's flush builds
	 * tables with the states in the map (lib/tables.c), and should another write carry an
	 * old state back, the next sync rewrites the daemon's (sync_targets()).
	 */
	t->decided = true;
	err = lb_real_set_state(&d->lb, t->real_id, t->gen,
				t->run.up ? XDPLB_REAL_UP : XDPLB_REAL_DOWN);
	if (err && err != -ENOENT)
		logf_("%s: cannot write the state: %s", t->name, strerror(-err));
	else if (d->ann) /* quorum may have changed with it */
		announcer_sync(d->ann, &d->lb, d->attached, false);
}

static void on_local(struct hc_target *t, const char *why, void *arg)
{
	logf_("%s: local error, state unchanged: %s", t->name, why);
}

/* Every check in the map, by VIP (default) and by backend. */
struct check_index {
	struct xdplb_check **vip, **real;
	struct xdplb_check *all;
	size_t n;
};

static void check_index_free(struct check_index *ci)
{
	free(ci->vip);
	free(ci->real);
	free(ci->all);
}

static int check_index_read(struct daemon *d, struct check_index *ci)
{
	struct lb_check_entry *e;
	size_t n;

	memset(ci, 0, sizeof(*ci));
	ci->vip = calloc(d->lb.max_vips, sizeof(*ci->vip));
	ci->real = calloc(d->max_reals, sizeof(*ci->real));
	e = lb_checks_snapshot(&d->lb, &n);
	ci->all = calloc(n + 1, sizeof(*ci->all));
	if (!ci->vip || !ci->real || !e || !ci->all) {
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct xdplb_check *c = &ci->all[ci->n++];
		const struct xdplb_check_key *k = &e[i].key;

		*c = e[i].check;
		if (k->real_id && k->real_id < d->max_reals)
			ci->real[k->real_id] = c;
		else if (!k->real_id && k->vip_id < d->lb.max_vips)
			ci->vip[k->vip_id] = c;
	}
	free(e);
	return 0;
}

/* Bring the targets in line with the maps. */
static int sync_targets(struct daemon *d)
{
	struct lb_vip_entry *vips = calloc(d->lb.max_vips, sizeof(*vips));
	struct lb_vip_entry **vip_by_id = calloc(d->lb.max_vips, sizeof(*vip_by_id));
	struct xdplb_real *reals = lb_reals_snapshot(&d->lb);
	struct check_index ci = {};
	int n, err = -ENOMEM;

	if (!vips || !vip_by_id || !reals || (err = check_index_read(d, &ci)))
		goto out;
	n = lb_vip_list(&d->lb, vips, d->lb.max_vips);
	for (int i = 0; i < n; i++)
		if (vips[i].vip.id < d->lb.max_vips)
			vip_by_id[vips[i].vip.id] = &vips[i];
	for (size_t i = 0; i < hc_engine_count(d->eng); i++)
		hc_engine_target(d->eng, i)->seen = false;

	for (__u32 id = 1; id < d->max_reals; id++) {
		const struct xdplb_real *r = &reals[id];
		struct hc_target *t = d->by_id[id];
		const struct xdplb_check *c;
		struct lb_vip_entry *v;
		bool up = r->state == XDPLB_REAL_UP;

		if (!(r->flags & XDPLB_REAL_F_USED) || r->vip_id >= d->lb.max_vips ||
		    !(v = vip_by_id[r->vip_id]))
			continue;
		c = ci.real[id] ?: ci.vip[r->vip_id];
		if (!c || c->type == XDPLB_CHECK_NONE)
			continue;
		if (t && (t->gen != r->gen || t->vip_id != r->vip_id))
			t = NULL; /* another backend holds the id now: the old target goes below */
		if (!t) {
			t = calloc(1, sizeof(*t));
			if (!t)
				break;
			t->vip_id = r->vip_id;
			t->real_id = id;
			t->gen = r->gen;
			hc_target_init(t, &v->key, r, c);
			t->run.up = up; /* adopt: a restart changes nothing */
			/* spread the first probes over one interval */
			if (hc_engine_add(d->eng, t, random() % (c->interval_ms ?: 1))) {
				free(t);
				break;
			}
			if (d->by_id[id])
				d->by_id[id]->seen = false;
			d->by_id[id] = t;
		} else if (memcmp(&t->check, c, sizeof(*c))) {
			hc_engine_update(d->eng, t, &v->key, r, c); /* new settings, same state */
		}
		if (t->run.up != up && t->decided) {
			/* our write was lost (or failed): the daemon's result wins */
			logf_("%s: the map says %s: %s written again", t->name, state_word(up),
			      state_word(t->run.up));
			lb_real_set_state(&d->lb, t->real_id, t->gen,
					  t->run.up ? XDPLB_REAL_UP : XDPLB_REAL_DOWN);
		} else if (t->run.up != up) {
			t->run.up = up; /* not judged yet: the map's state is adopted */
			t->run.ok = t->run.fail = 0;
		}
		t->seen = true;
	}
	/* targets whose check or backend went away */
	for (size_t i = hc_engine_count(d->eng); i-- > 0;) {
		struct hc_target *t = hc_engine_target(d->eng, i);
		const struct xdplb_real *r = &reals[t->real_id];

		if (t->seen)
			continue;
		if ((r->flags & XDPLB_REAL_F_USED) && r->gen == t->gen &&
		    r->state != XDPLB_REAL_UP) {
			/* the backend stays, unchecked: without a check a backend is up */
			logf_("%s: down -> up: check removed", t->name);
			lb_real_set_state(&d->lb, t->real_id, t->gen, XDPLB_REAL_UP);
		}
		if (d->by_id[t->real_id] == t)
			d->by_id[t->real_id] = NULL;
		hc_engine_del(d->eng, t);
	}
	err = 0;
out:
	check_index_free(&ci);
	free(vips);
	free(vip_by_id);
	free(reals);
	return err;
}

/* The daemon's own families in the exposition: its health checks and its GC. */
static void daemon_families(struct metrics_buf *b, const struct metrics_snap *s, void *arg)
{
	struct daemon *d = arg;
	const char *lab;

	metrics_family(b, "xdplb_flow_gc_runs_total", "counter",
		       "Runs of the flow-table GC by this daemon (one a second).");
	mb_printf(b, "xdplb_flow_gc_runs_total %llu\n", (unsigned long long)d->gc_runs);
	metrics_family(b, "xdplb_flow_gc_expired_total", "counter",
		       "Idle flows the daemon's GC runs counted out.");
	mb_printf(b, "xdplb_flow_gc_expired_total %llu\n", (unsigned long long)d->gc_expired);
	metrics_family(b, "xdplb_backend_check_duration_seconds", "histogram",
		       "How long the backend's health checks took (those with a result; a "
		       "timeout counts its timeout).");
	for (int i = 0; i < s->c.nvips; i++)
		for (int j = 0; j < s->c.vips[i].nreals; j++) {
			const struct conf_real *r = &s->c.vips[i].reals[j];
			const struct hc_target *t = r->id < d->max_reals ? d->by_id[r->id] : NULL;
			__u64 cum = 0;

			if (!t || t->gen != r->r.gen)
				continue;
			lab = metrics_backend_labels(s, i, j);
			for (int k = 0; k < HC_DURATION_BUCKETS; k++) {
				cum += t->stats.duration[k];
				mb_printf(
				    b,
				    "xdplb_backend_check_duration_seconds_bucket{%s,le=\"%g\"} "
				    "%llu\n",
				    lab, hc_duration_bounds[k], (unsigned long long)cum);
			}
			mb_printf(
			    b,
			    "xdplb_backend_check_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n"
			    "xdplb_backend_check_duration_seconds_sum{%s} %.6f\n"
			    "xdplb_backend_check_duration_seconds_count{%s} %llu\n",
			    lab, (unsigned long long)t->stats.count, lab, t->stats.sum, lab,
			    (unsigned long long)t->stats.count);
		}
	metrics_family(b, "xdplb_backend_check_failures_total", "counter",
		       "Failed health checks of the backend, by reason (reasons that happened).");
	for (int i = 0; i < s->c.nvips; i++)
		for (int j = 0; j < s->c.vips[i].nreals; j++) {
			const struct conf_real *r = &s->c.vips[i].reals[j];
			const struct hc_target *t = r->id < d->max_reals ? d->by_id[r->id] : NULL;

			if (!t || t->gen != r->r.gen)
				continue;
			lab = metrics_backend_labels(s, i, j);
			for (int k = 0; k < HC_F_MAX; k++)
				if (t->stats.fail[k])
					mb_printf(
					    b,
					    "xdplb_backend_check_failures_total{%s,reason=\"%s\"} "
					    "%llu\n",
					    lab, hc_fail_names[k],
					    (unsigned long long)t->stats.fail[k]);
		}
}

static int build_metrics(char **text, size_t *len, void *arg)
{
	struct daemon *d = arg;

	return metrics_build(&d->lb, daemon_families, d, text, len);
}

/* One daemon per pin directory (per network namespace): an abstract socket holds the name. */
static int single_instance(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), n;

	if (fd < 0)
		return -errno;
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "xdplb-daemon:%s", pin_dir);
	if (bind(fd, (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 1 + n)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd; /* held until exit */
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon d = { .conf_path = o->conf_path };
	struct signalfd_siginfo si;
	__u64 last = 0, synced = 0, reasserted = 0, scanned, expired;
	__u32 changes = 0;
	int sfd, lockfd, err, other, wait_ms;
	sigset_t mask;
	bool stop = false, reload = false;

	msg_timestamps = true; /* its errors are log lines too */
	err = state_open(&d.lb, false);
	if (err)
		return err;
	lockfd = single_instance();
	if (lockfd < 0) {
		p_err("daemon: another xdplb daemon serves %s", pin_dir);
		lb_close(&d.lb);
		return -EBUSY;
	}
	d.max_reals = d.lb.max_reals;
	d.by_id = calloc(d.max_reals, sizeof(*d.by_id));
	struct hc_callbacks cb = { .changed = on_changed, .local = on_local, .arg = &d };

	err = d.by_id ? hc_engine_new(&d.eng, TICK_MS, &cb) : -ENOMEM;
	if (err) {
		p_err("daemon: %s", strerror(-err));
		goto out;
	}
	err = conf_apply(&d, true);
	if (err)
		goto out;
	if (o->pid_path) {
		FILE *pf = fopen(o->pid_path, "w");

		if (!pf || fprintf(pf, "%d\n", (int)getpid()) < 0 || fclose(pf)) {
			err = -errno;
			p_err("daemon: pidfile %s: %s", o->pid_path, strerror(errno));
			goto out;
		}
	}
	err = announcer_new(&d.ann, logf_);
	if (err) {
		p_err("daemon: netlink for the VIP routes: %s", strerror(-err));
		goto out;
	}
	if (o->metrics) {
		char why[128];

		err = metrics_http_new(&d.http, o->metrics, build_metrics, &d, logf_, why,
				       sizeof(why));
		if (!err) {
			err = hc_engine_watch(d.eng, metrics_http_fd(d.http));
			if (err)
				snprintf(why, sizeof(why), "%s: epoll: %s", o->metrics,
					 strerror(-err));
		}
		if (err) {
			p_err("daemon: metrics %s", why);
			goto out;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || hc_engine_watch(d.eng, sfd)) {
		err = -errno;
		p_err("daemon: signalfd: %s", strerror(errno));
		goto out;
	}
	srandom(getpid());
	if (d.http)
		logf_("metrics on %s", metrics_http_url(d.http));
	logf_("xdplb daemon: serving %s", pin_dir);
	while (!stop) {
		__u64 now = hc_now_ms();

		if (now - last >= HOUSEKEEP_MS) {
			struct xdplb_config cfg = {};

			/* re-read backends and checks after any xdplb command (they bump
			 * cfg.changes), and every RESYNC_MS whatever happens */
			lb_config_get(&d.lb, &cfg);
			if (cfg.journal && !lb_trylock(&d.lb, pin_dir)) {
				/* its process died half-way: lb_lock() rolled it back */
				if (d.lb.rolled_back)
					logf_("a configuration change begun by process %d did not "
					      "complete: rolled back",
					      d.lb.rb_pid);
				lb_unlock(&d.lb);
				lb_config_get(&d.lb, &cfg);
			}
			if (!synced || cfg.changes != changes || now - synced >= RESYNC_MS) {
				changes = cfg.changes;
				synced = now;
				sync_targets(&d);
			}
			last = now;
			if (reload) {
				err = conf_apply(&d, false);
				if (err == -EAGAIN)
					logf_("config %s: the state lock is busy: again in a "
					      "second",
					      d.conf_path);
				else if (err)
					logf_("config %s: kept the previous checks", d.conf_path);
				reload = err == -EAGAIN;
				synced = 0;
				err = 0;
			}
			if (!lb_gc(&d.lb, 0, &scanned, &expired)) {
				d.gc_runs++;
				d.gc_expired += expired;
			}
			metrics_http_run(d.http); /* ends idle connections */
			d.attached = lb_attached_anywhere(XDPLB_PROG);
			announcer_sync(d.ann, &d.lb, d.attached, now - reasserted >= RESYNC_MS);
			if (now - reasserted >= RESYNC_MS)
				reasserted = now;
		}
		/* no longer than the metrics endpoint may wait: a reply larger than a socket
		 * buffer goes on at once, not at its next event */
		wait_ms = metrics_http_timeout_ms(d.http, HOUSEKEEP_MS);
		err = hc_engine_run(d.eng, wait_ms, &other);
		if (err < 0) {
			p_err("daemon: epoll: %s", strerror(-err));
			break;
		}
		err = 0;
		/* the signalfd or the metrics endpoint: neither blocks */
		if (other || (d.http && !metrics_http_timeout_ms(d.http, 1)))
			metrics_http_run(d.http);
		while (other && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				logf_("SIGHUP: reloading");
				reload = true;
				last = 0;
			} else {
				logf_("signal %d: exiting; the data plane keeps the last states",
				      si.ssi_signo);
				stop = true;
			}
		}
	}
out:
	metrics_http_free(d.http);
	if (d.ann)
		announcer_withdraw_all(d.ann);
	announcer_free(d.ann);
	if (o->pid_path && err != -EBUSY)
		unlink(o->pid_path);
	hc_engine_free(d.eng);
	free(d.by_id);
	free(d.conf);
	close(lockfd);
	lb_close(&d.lb);
	return err;
}
