// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The Prometheus text exposition of a balancer (see metrics.h): the families the maps give,
 * then the caller's. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/metrics.h"
#include "util/common.h"

void mb_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + n < b->cap) {
			b->len += n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 65536;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

void metrics_family(struct metrics_buf *b, const char *name, const char *type, const char *help)
{
	mb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the exposition format quotes it: backslash, double quote and newline
 * escaped. */
static const char *label_esc(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = 0;
	return buf;
}

/* Every VIP's and backend's labels, formatted once a scrape: 0 or -ENOMEM. */
static int labels_make(struct metrics_snap *s)
{
	char a[80], buf[256];

	s->vlab = calloc(s->c.nvips + 1, sizeof(*s->vlab));
	s->rlab = calloc(s->c.nvips + 1, sizeof(*s->rlab));
	if (!s->vlab || !s->rlab)
		return -ENOMEM;
	for (int i = 0; i < s->c.nvips; i++) {
		const struct conf_vip *v = &s->c.vips[i];

		fmt_addr_port(v->key.addr, v->key.family, v->key.port, a, sizeof(a));
		snprintf(buf, sizeof(buf), "proto=\"%s\",vip=\"%s\"",
			 v->key.proto == 17 ? "udp" : "tcp", a);
		s->vlab[i] = strdup(buf);
		s->rlab[i] = calloc(v->nreals + 1, sizeof(**s->rlab));
		if (!s->vlab[i] || !s->rlab[i])
			return -ENOMEM;
		for (int j = 0; j < v->nreals; j++) {
			const struct xdplb_real *r = &v->reals[j].r;

			fmt_addr_port(r->addr, r->family, r->port ?: v->key.port, a, sizeof(a));
			snprintf(buf, sizeof(buf), "%s,backend=\"%s\"", s->vlab[i], a);
			s->rlab[i][j] = strdup(buf);
			if (!s->rlab[i][j])
				return -ENOMEM;
		}
	}
	return 0;
}

static void labels_free(struct metrics_snap *s)
{
	for (int i = 0; s->vlab && s->rlab && i < s->c.nvips; i++) {
		free(s->vlab[i]);
		for (int j = 0; s->rlab[i] && j < s->c.vips[i].nreals; j++)
			free(s->rlab[i][j]);
		free(s->rlab[i]);
	}
	free(s->vlab);
	free(s->rlab);
}

/* What a verdict reason is: the prefix of its name (tx, redirect, pass, drop). */
static const char *reason_action(const char *name)
{
	static const char *const actions[] = { "redirect", "pass", "drop", "tx" };

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strncmp(name, actions[i], strlen(actions[i])))
			return actions[i];
	return "other";
}

static void globals(struct metrics_buf *b, struct lb *lb, const struct metrics_snap *s)
{
	struct xdplb_counter k[XDPLB_R_MAX] = {};
	__u64 ev[XDPLB_FE_MAX] = {};
	__s64 act = 0, inact = 0;
	char esc[64];

	for (int r = 0; r < XDPLB_R_MAX; r++)
		lb_read_reason(lb, r, &k[r]);
	for (int e = 0; e < XDPLB_FE_MAX; e++)
		lb_read_flow_event(lb, e, &ev[e]);
	metrics_family(b, "xdplb_build_info", "gauge", "The xdplb build that answers.");
	mb_printf(b, "xdplb_build_info{version=\"%s\"} 1\n",
		  label_esc(XDPLB_VERSION, esc, sizeof(esc)));
	metrics_family(b, "xdplb_config_generation", "gauge",
		       "The configuration's change counter: bumped by every xdplb command that "
		       "changes state.");
	mb_printf(b, "xdplb_config_generation %u\n", s->c.cfg.changes);

	metrics_family(b, "xdplb_verdict_packets_total", "counter",
		       "Packets the XDP program handled, by verdict reason (as stats show).");
	for (int r = 0; r < XDPLB_R_MAX; r++)
		mb_printf(b, "xdplb_verdict_packets_total{action=\"%s\",reason=\"%s\"} %llu\n",
			  reason_action(reason_names[r]), reason_names[r],
			  (unsigned long long)k[r].packets);
	metrics_family(b, "xdplb_verdict_bytes_total", "counter",
		       "Bytes the XDP program handled, by verdict reason (as stats show).");
	for (int r = 0; r < XDPLB_R_MAX; r++)
		mb_printf(b, "xdplb_verdict_bytes_total{action=\"%s\",reason=\"%s\"} %llu\n",
			  reason_action(reason_names[r]), reason_names[r],
			  (unsigned long long)k[r].bytes);

	metrics_family(b, "xdplb_flows_displaced_total", "counter",
		       "New flows that took the slot of a live flow in a full set of the flow "
		       "table.");
	mb_printf(b, "xdplb_flows_displaced_total %llu\n",
		  (unsigned long long)ev[XDPLB_FE_DISPLACED]);
	metrics_family(b, "xdplb_flows_unrecorded_total", "counter",
		       "New flows forwarded without being remembered in the flow table.");
	mb_printf(b, "xdplb_flows_unrecorded_total %llu\n",
		  (unsigned long long)ev[XDPLB_FE_UNRECORDED]);
	/* occupancy from the connection counts, not a walk of the table */
	for (int i = 0; i < s->c.nvips; i++)
		for (int j = 0; j < s->c.vips[i].nreals; j++) {
			act += s->conns[s->c.vips[i].reals[j].id].active;
			inact += s->conns[s->c.vips[i].reals[j].id].inactive;
		}
	metrics_family(b, "xdplb_flows", "gauge",
		       "Flows in the flow table as the backends' connection counts hold them "
		       "(active: TCP established; inactive: closing, half-open, UDP).");
	mb_printf(b, "xdplb_flows{state=\"active\"} %lld\nxdplb_flows{state=\"inactive\"} %lld\n",
		  (long long)act, (long long)inact);
	metrics_family(b, "xdplb_flows_max", "gauge",
		       "Flows the flow table holds at most, by address family.");
	mb_printf(b, "xdplb_flows_max{family=\"ipv4\"} %u\nxdplb_flows_max{family=\"ipv6\"} %u\n",
		  lb->max_flows, lb->max_flows6);
}

/* Field @off (a __u64) of a traffic record. */
static unsigned long long field(const struct xdplb_traffic *t, size_t off)
{
	__u64 v;

	memcpy(&v, (const char *)t + off, sizeof(v));
	return v;
}

/* One traffic counter of every VIP (@real false) or backend. */
static void traffic(struct metrics_buf *b, const struct metrics_snap *s, bool real,
		    const char *name, const char *help, size_t off)
{
	metrics_family(b, name, "counter", help);
	for (int i = 0; i < s->c.nvips; i++) {
		const struct conf_vip *v = &s->c.vips[i];

		if (!real) {
			mb_printf(b, "%s{%s} %llu\n", name, metrics_vip_labels(s, i),
				  field(&s->t.vip[i], off));
			continue;
		}
		for (int j = 0; j < v->nreals; j++)
			mb_printf(b, "%s{%s} %llu\n", name, metrics_backend_labels(s, i, j),
				  field(&s->t.real[v->reals[j].id], off));
	}
}

static void traffic_all(struct metrics_buf *b, const struct metrics_snap *s, bool real)
{
	static const struct {
		const char *vip, *real, *help;
		size_t off;
	} f[] = {
		{ "xdplb_vip_packets_total", "xdplb_backend_packets_total",
		  "Packets forwarded towards it.", offsetof(struct xdplb_traffic, packets) },
		{ "xdplb_vip_bytes_total", "xdplb_backend_bytes_total",
		  "Bytes forwarded towards it.", offsetof(struct xdplb_traffic, bytes) },
		{ "xdplb_vip_flows_total", "xdplb_backend_flows_total", "New flows scheduled.",
		  offsetof(struct xdplb_traffic, flows) },
		{ "xdplb_vip_flows_moved_total", "xdplb_backend_flows_moved_total",
		  "Flows scheduled again because their backend was removed or failed.",
		  offsetof(struct xdplb_traffic, resched) },
		{ "xdplb_vip_reply_packets_total", "xdplb_backend_reply_packets_total",
		  "NAT replies translated on their way back to the client.",
		  offsetof(struct xdplb_traffic, out_packets) },
		{ "xdplb_vip_reply_bytes_total", "xdplb_backend_reply_bytes_total",
		  "Bytes of NAT replies translated on their way back to the client.",
		  offsetof(struct xdplb_traffic, out_bytes) },
	};

	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
		traffic(b, s, real, real ? f[k].real : f[k].vip, f[k].help, f[k].off);
}

static void vips(struct metrics_buf *b, const struct metrics_snap *s)
{
	const char *lab;
	char dg[24];

	metrics_family(
	    b, "xdplb_vip_info", "gauge",
	    "A VIP: its scheduler, mode, and the digest of its configuration and backend "
	    "set that vip show prints (equal on balancers configured alike).");
	for (int i = 0; i < s->c.nvips; i++) {
		const struct conf_vip *v = &s->c.vips[i];

		snprintf(dg, sizeof(dg), "%016llx",
			 (unsigned long long)conf_vip_digest(v, s->c.cfg.ring_size));
		mb_printf(b, "xdplb_vip_info{%s,sched=\"%s\",mode=\"%s\",digest=\"%s\"} 1\n",
			  metrics_vip_labels(s, i),
			  v->vip.sched < XDPLB_SCHED_MAX ? sched_names[v->vip.sched] : "?",
			  v->vip.mode < XDPLB_MODE_MAX ? mode_names[v->vip.mode] : "?", dg);
	}
	traffic_all(b, s, false);
	metrics_family(b, "xdplb_vip_connections", "gauge",
		       "Connections of the VIP's backends (ipvsadm's ActiveConn, InActConn).");
	for (int i = 0; i < s->c.nvips; i++) {
		const struct conf_vip *v = &s->c.vips[i];
		__s64 a = 0, n = 0;

		for (int j = 0; j < v->nreals; j++) {
			a += s->conns[v->reals[j].id].active;
			n += s->conns[v->reals[j].id].inactive;
		}
		lab = metrics_vip_labels(s, i);
		mb_printf(b,
			  "xdplb_vip_connections{%s,state=\"active\"} %lld\n"
			  "xdplb_vip_connections{%s,state=\"inactive\"} %lld\n",
			  lab, (long long)a, lab, (long long)n);
	}
	metrics_family(b, "xdplb_vip_backends_up", "gauge",
		       "Backends of the VIP whose health state is up (any weight).");
	for (int i = 0; i < s->c.nvips; i++) {
		const struct conf_vip *v = &s->c.vips[i];
		int up = 0;

		for (int j = 0; j < v->nreals; j++)
			up += v->reals[j].r.state == XDPLB_REAL_UP;
		mb_printf(b, "xdplb_vip_backends_up{%s} %d\n", metrics_vip_labels(s, i), up);
	}
}

static void backends(struct metrics_buf *b, const struct metrics_snap *s)
{
	const char *lab;

	traffic_all(b, s, true);
	metrics_family(b, "xdplb_backend_connections", "gauge",
		       "The backend's connections (ipvsadm's ActiveConn, InActConn).");
	for (int i = 0; i < s->c.nvips; i++)
		for (int j = 0; j < s->c.vips[i].nreals; j++) {
			const struct xdplb_conns *cn = &s->conns[s->c.vips[i].reals[j].id];

			lab = metrics_backend_labels(s, i, j);
			mb_printf(b,
				  "xdplb_backend_connections{%s,state=\"active\"} %lld\n"
				  "xdplb_backend_connections{%s,state=\"inactive\"} %lld\n",
				  lab, (long long)cn->active, lab, (long long)cn->inactive);
		}
	metrics_family(b, "xdplb_backend_weight", "gauge",
		       "The backend's weight (0: drained, takes no new flows).");
	for (int i = 0; i < s->c.nvips; i++)
		for (int j = 0; j < s->c.vips[i].nreals; j++)
			mb_printf(b, "xdplb_backend_weight{%s} %u\n",
				  metrics_backend_labels(s, i, j), s->c.vips[i].reals[j].r.weight);
	metrics_family(b, "xdplb_backend_up", "gauge",
		       "The backend's health state in the maps: 1 up, 0 down (written by xdplb "
		       "daemon's checks; up without a check).");
	for (int i = 0; i < s->c.nvips; i++)
		for (int j = 0; j < s->c.vips[i].nreals; j++)
			mb_printf(b, "xdplb_backend_up{%s} %d\n", metrics_backend_labels(s, i, j),
				  s->c.vips[i].reals[j].r.state == XDPLB_REAL_UP);
	metrics_family(b, "xdplb_backend_state_seconds", "gauge",
		       "Seconds since the backend's health state last changed (or since it was "
		       "added).");
	for (int i = 0; i < s->c.nvips; i++)
		for (int j = 0; j < s->c.vips[i].nreals; j++) {
			__u64 since = s->c.vips[i].reals[j].r.since;

			mb_printf(b, "xdplb_backend_state_seconds{%s} %.3f\n",
				  metrics_backend_labels(s, i, j),
				  s->now_ns > since ? (s->now_ns - since) / 1e9 : 0.0);
		}
}

int metrics_build(struct lb *lb, metrics_extra_fn extra, void *arg, char **out, size_t *len)
{
	struct metrics_snap s = {};
	struct metrics_buf b = {};
	int err;

	*out = NULL;
	*len = 0;
	err = conf_load(&s.c, lb);
	if (err)
		return err;
	conf_sort(&s.c);
	s.conns = calloc(lb->max_reals, sizeof(*s.conns));
	err = s.conns ? labels_make(&s) : -ENOMEM;
	if (!err)
		err = conf_traffic_read(lb, &s.c, &s.t);
	if (err)
		goto out;
	for (int i = 0; i < s.c.nvips; i++)
		for (int j = 0; j < s.c.vips[i].nreals; j++) {
			__u32 id = s.c.vips[i].reals[j].id;

			lb_read_conns(lb, id, &s.conns[id]);
		}
	s.now_ns = lb_mono_ns();
	globals(&b, lb, &s);
	vips(&b, &s);
	backends(&b, &s);
	if (extra)
		extra(&b, &s, arg);
	mb_printf(&b, "%s", ""); /* a buffer even when empty */
	if (b.oom) {
		free(b.p);
		err = -ENOMEM;
		goto out;
	}
	*out = b.p;
	*len = b.len;
out:
	labels_free(&s);
	conf_traffic_free(&s.t);
	free(s.conns);
	conf_free(&s.c);
	return err;
}
