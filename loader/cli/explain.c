// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb explain`: which backend a client's tuple gets now, and why, from the data plane's own
 * dry run (lib/explain.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "cli/cli.h"
#include "util/common.h"

static int explain_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %1$s explain SERVICE [ port N ] [ syn ] from ADDR[:PORT]\n"
	    "                     [ from ADDR[:PORT] ]...\n"
	    "       %1$s explain SERVICE [ port N ] [ syn ] from -\n"
	    "SERVICE := { tcp | udp } ADDR:PORT   (IPv6: [ADDR]:PORT; port 0 = all ports)\n"
	    "\n"
	    "  Which backend a packet from ADDR:PORT to SERVICE gets now, and why: the tuple's\n"
	    "  flow (its state and idle time, or why it is not followed), the client's\n"
	    "  persistence entry, or the scheduler (its table slot); the backend's state; the\n"
	    "  verdict.  A dry run of the attached program on a packet of the tuple: nothing is\n"
	    "  written (no flow, counter, persistence entry or rr position).  rr, wrr, lc and\n"
	    "  wlc: a new flow's backend is what the next new flow gets; new flows in between\n"
	    "  change it.\n"
	    "  from  the client's address and source port (hash l3 VIPs: the port may be left\n"
	    "        out); repeated, or \"-\": one ADDR[:PORT] a line from stdin (blank lines\n"
	    "        and # comments skipped)\n"
	    "  port  the destination port, for a port-0 VIP (required there)\n"
	    "  syn   TCP: a new connection's SYN (default: an ACK, a packet of an established\n"
	    "        connection)\n",
	    bin_name);
	return 0;
}

struct client {
	__be32 addr[4];
	__be16 port;
	__u8 family;
	bool has_port;
	int line; /* of stdin (0: the command line) */
};

struct clients {
	struct client *c;
	int n, cap;
};

static int client_add(struct clients *cs, const char *s, int line)
{
	struct client *c;
	int err;

	if (cs->n == cs->cap) {
		int cap = cs->cap ? cs->cap * 2 : 64;
		struct client *nc = realloc(cs->c, cap * sizeof(*nc));

		if (!nc) {
			p_err("explain: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
		cs->c = nc;
		cs->cap = cap;
	}
	c = &cs->c[cs->n];
	memset(c, 0, sizeof(*c));
	err = parse_addr_port(s, c->addr, &c->family, &c->port, false);
	if (err)
		return err;
	c->has_port = strchr(s, ']') ? strstr(s, "]:") != NULL
				     : strchr(s, ':') && strchr(s, ':') == strrchr(s, ':');
	c->line = line;
	cs->n++;
	return 0;
}

/* One ADDR[:PORT] a line from stdin. */
static int clients_read(struct clients *cs)
{
	char *text = NULL, *s, *end;
	size_t cap = 0;
	int line = 0, err = 0;

	while (!err && getline(&text, &cap, stdin) >= 0) {
		line++;
		for (s = text; *s == ' ' || *s == '\t'; s++)
			;
		end = s + strlen(s);
		while (end > s &&
		       (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			*--end = 0;
		if (!*s || *s == '#')
			continue;
		err_ctx_set("stdin", line);
		err = client_add(cs, s, line);
		err_ctx_set(NULL, 0);
	}
	free(text);
	return err;
}

static const char *const source_names[] = {
	[XDPLB_EXPLAIN_NONE] = "none",
	[XDPLB_EXPLAIN_FLOW] = "flow",
	[XDPLB_EXPLAIN_PERSIST] = "persist",
	[XDPLB_EXPLAIN_SCHED] = "sched",
};

/* Why a flow is not followed: the JSON word and the text. */
static const struct {
	const char *word, *text;
} drop_names[] = {
	[XDPLB_EXPLAIN_KEPT] = { NULL, NULL },
	[XDPLB_EXPLAIN_GONE] = { "gone", "backend gone (removed, or its id given to another)" },
	[XDPLB_EXPLAIN_DOWN] = { "down", "backend down" },
	[XDPLB_EXPLAIN_OTHER] = { "other_vip", "it is another VIP's" },
	[XDPLB_EXPLAIN_EXPIRED] = { "expired", "expired (idle longer than its timeout)" },
	[XDPLB_EXPLAIN_REUSE] = { "syn_reuse",
				  "SYN reuse of a closed flow refused (its backend takes no new "
				  "flows)" },
};

static const char *source_name(__u8 s)
{
	return s < sizeof(source_names) / sizeof(source_names[0]) ? source_names[s] : "?";
}

static const char *drop_word(__u8 d)
{
	return d < sizeof(drop_names) / sizeof(drop_names[0]) && drop_names[d].word
		   ? drop_names[d].word
		   : "?";
}

static const char *drop_text(__u8 d)
{
	return d < sizeof(drop_names) / sizeof(drop_names[0]) && drop_names[d].text
		   ? drop_names[d].text
		   : "?";
}

/* A flow's state as explain names it: syn, established, closed (TCP), udp. */
static const char *flow_state_name(__u8 proto, __u8 st)
{
	if (proto == IPPROTO_UDP)
		return "udp";
	switch (st) {
	case XDPLB_FLOW_SYN:
		return "syn";
	case XDPLB_FLOW_ACTIVE:
		return "established";
	case XDPLB_FLOW_INACTIVE:
		return "closed";
	default:
		return "?";
	}
}

/* A backend's state as vip show names it: up, down, drain (weight 0). */
static const char *real_state(const struct xdplb_real *r)
{
	if (r->state == XDPLB_REAL_DOWN)
		return "down";
	return r->weight ? "up" : "drain";
}

/* Does the record hold backend @id of VIP @vip_id (not a free id, nor another VIP's)? */
static bool real_known(const struct xdplb_real *r, __u32 vip_id)
{
	return (r->flags & XDPLB_REAL_F_USED) && r->vip_id == vip_id;
}

/* "ADDR:PORT" of backend @r, its port the packet's (@dport) where it has none. */
static const char *real_str(const struct xdplb_real *r, __be16 dport, char *buf, size_t len)
{
	return fmt_addr_port(r->addr, r->family, r->port ?: dport, buf, len);
}

/* The verdict of reason @reason: forward, reject, drop or pass; *@why the reason's name. */
static const char *verdict(__s32 reason, const char **why)
{
	__u32 r = reason < 0 ? -reason : reason;

	*why = r < XDPLB_R_MAX && reason_names[r] ? reason_names[r] : "?";
	if (reason < 0)
		return "drop";
	if (reason == XDPLB_R_TX)
		return "forward";
	if (reason == XDPLB_R_TX_REJECT)
		return "reject";
	return "pass";
}

/* The VIPs, read once when an answer names a VIP other than the one asked about. */
struct vips {
	struct lb_vip_entry *e;
	int n;
	bool read;
};

static const struct lb_vip_entry *vip_by_id(struct lb *lb, struct vips *v, __u32 id)
{
	if (!v->read) {
		v->read = true;
		v->n = lb_vip_list_alloc(lb, &v->e);
		if (v->n < 0)
			v->n = 0;
	}
	for (int i = 0; i < v->n; i++)
		if (v->e[i].vip.id == id)
			return &v->e[i];
	return NULL;
}

struct ask {
	struct xdplb_vip_key key; /* the VIP asked about */
	struct xdplb_vip vip;
	__be16 dport; /* the packet's destination port */
	bool syn;
};

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

/* Seconds to the millisecond (the coarse clock ticks in milliseconds). */
static json_object *jsecs(double s)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", s);
	return json_object_new_double_s(s, buf);
}

static void print_json(const struct ask *q, const struct xdplb_flow_key *t,
		       const struct lb_explain *e, const struct lb_vip_entry *other,
		       json_object *arr)
{
	const struct xdplb_explain_args *a = &e->a;
	const char *why, *v = verdict(a->reason, &why);
	json_object *o = json_object_new_object(), *x;
	char buf[80];

	json_object_object_add(o, "protocol", jstr(proto_name(t->proto)));
	json_object_object_add(o, "client",
			       jstr(fmt_addr_port(t->src, t->family, t->sport, buf, sizeof(buf))));
	json_object_object_add(o, "vip",
			       jstr(fmt_addr_port(t->dst, t->family, t->dport, buf, sizeof(buf))));
	if (t->proto == IPPROTO_TCP)
		json_object_object_add(o, "syn", json_object_new_boolean(q->syn));
	json_object_object_add(o, "vip_id", json_object_new_int64(a->vip_id));
	if (other)
		json_object_object_add(o, "vip_service",
				       jstr(fmt_service(&other->key, buf, sizeof(buf))));
	json_object_object_add(o, "verdict", jstr(v));
	json_object_object_add(o, "reason", jstr(why));
	json_object_object_add(o, "source", jstr(source_name(a->source)));
	if (a->real_id) {
		json_object_object_add(o, "backend",
				       jstr(real_str(&e->real, t->dport, buf, sizeof(buf))));
		json_object_object_add(o, "backend_id", json_object_new_int64(a->real_id));
		json_object_object_add(o, "backend_state", jstr(real_state(&e->real)));
		json_object_object_add(o, "backend_weight", json_object_new_int64(e->real.weight));
		json_object_object_add(
		    o, "backend_sorry",
		    json_object_new_boolean(!!(e->real.flags & XDPLB_REAL_F_SORRY)));
	} else {
		json_object_object_add(o, "backend", NULL);
		json_object_object_add(o, "backend_id", NULL);
	}
	x = NULL;
	if (a->flow_atime) {
		bool gone = a->flow_drop == XDPLB_EXPLAIN_GONE;

		x = json_object_new_object();
		json_object_object_add(
		    x, "backend",
		    gone ? NULL : jstr(real_str(&e->flow_real, t->dport, buf, sizeof(buf))));
		json_object_object_add(x, "backend_id", json_object_new_int64(a->flow_real));
		json_object_object_add(x, "state", jstr(flow_state_name(t->proto, a->flow_state)));
		json_object_object_add(x, "idle", jsecs(e->flow_idle));
		json_object_object_add(x, "followed",
				       json_object_new_boolean(a->source == XDPLB_EXPLAIN_FLOW));
		json_object_object_add(x, "not_followed",
				       a->flow_drop ? jstr(drop_word(a->flow_drop)) : NULL);
	}
	json_object_object_add(o, "flow", x);
	x = NULL;
	if (a->persist_atime) {
		x = json_object_new_object();
		json_object_object_add(
		    x, "backend",
		    real_known(&e->persist_real, a->vip_id)
			? jstr(real_str(&e->persist_real, t->dport, buf, sizeof(buf)))
			: NULL);
		json_object_object_add(x, "backend_id", json_object_new_int64(a->persist_real));
		json_object_object_add(x, "age", jsecs(e->persist_age));
		json_object_object_add(x, "used",
				       json_object_new_boolean(a->source == XDPLB_EXPLAIN_PERSIST));
	}
	json_object_object_add(o, "persist", x);
	x = NULL;
	if (a->source == XDPLB_EXPLAIN_SCHED) {
		__u8 s = other ? other->vip.sched : q->vip.sched;

		x = json_object_new_object();
		json_object_object_add(x, "name", jstr(s < XDPLB_SCHED_MAX ? sched_names[s] : "?"));
		json_object_object_add(x, "slot", a->slot ? json_object_new_int64(a->slot) : NULL);
		json_object_object_add(x, "table_length", json_object_new_int64(e->table_len));
		json_object_object_add(x, "skipped", json_object_new_int64(a->skipped));
		json_object_object_add(
		    x, "next_new_flow",
		    json_object_new_boolean(s != XDPLB_SCHED_MH && s != XDPLB_SCHED_SH));
	}
	json_object_object_add(o, "sched", x);
	json_object_array_add(arr, o);
}

static void print_text(const struct ask *q, const struct xdplb_flow_key *t,
		       const struct lb_explain *e, const struct lb_vip_entry *other)
{
	const struct xdplb_explain_args *a = &e->a;
	const char *why, *v = verdict(a->reason, &why);
	char c[80], d[80], b[80];
	__u8 sched = other ? other->vip.sched : q->vip.sched;

	printf("%s %s -> %s%s\n", proto_name(t->proto),
	       fmt_addr_port(t->src, t->family, t->sport, c, sizeof(c)),
	       fmt_addr_port(t->dst, t->family, t->dport, d, sizeof(d)),
	       t->proto == IPPROTO_TCP && q->syn ? " (syn)" : "");
	if (other)
		printf("  vip      %s (id %u) takes this packet\n",
		       fmt_service(&other->key, b, sizeof(b)), a->vip_id);
	if (a->flow_atime) {
		if (a->flow_drop == XDPLB_EXPLAIN_GONE)
			snprintf(b, sizeof(b), "backend id %u", a->flow_real);
		else
			real_str(&e->flow_real, t->dport, b, sizeof(b));
		printf("  flow     to %s", b);
		if (a->flow_drop != XDPLB_EXPLAIN_GONE)
			printf(" (id %u)", a->flow_real);
		printf(", %s, idle %.0f s", flow_state_name(t->proto, a->flow_state), e->flow_idle);
		if (a->source == XDPLB_EXPLAIN_FLOW)
			printf(": followed\n");
		else
			printf(": not followed: %s\n",
			       a->flow_drop ? drop_text(a->flow_drop) : "no backend");
	}
	if (a->persist_atime) {
		if (real_known(&e->persist_real, a->vip_id))
			printf("  persist  to %s (id %u)",
			       real_str(&e->persist_real, t->dport, b, sizeof(b)), a->persist_real);
		else
			printf("  persist  to backend id %u (gone)", a->persist_real);
		printf(", age %.0f s of %u", e->persist_age,
		       other ? other->vip.persist : q->vip.persist);
		if (a->source == XDPLB_EXPLAIN_PERSIST)
			printf(": used\n");
		else if (a->source == XDPLB_EXPLAIN_FLOW)
			printf(": not needed (the flow decides)\n");
		else
			printf(": not used (expired, or its backend takes no new flows)\n");
	}
	switch (a->source) {
	case XDPLB_EXPLAIN_FLOW:
		printf("  decision existing flow\n");
		break;
	case XDPLB_EXPLAIN_PERSIST:
		printf("  decision persistence entry (new flow)\n");
		break;
	case XDPLB_EXPLAIN_SCHED:
		printf("  decision scheduler %s",
		       sched < XDPLB_SCHED_MAX ? sched_names[sched] : "?");
		if (sched == XDPLB_SCHED_LC || sched == XDPLB_SCHED_WLC)
			printf(", %s over %u backend%s: the next new flow's (flows opening and "
			       "closing change it)\n",
			       sched == XDPLB_SCHED_LC ? "least connections"
						       : "least connections per weight",
			       e->table_len, e->table_len == 1 ? "" : "s");
		else if (sched == XDPLB_SCHED_RR || sched == XDPLB_SCHED_WRR)
			printf(", table slot %u of %u: the next new flow's (each new flow moves it "
			       "on)\n",
			       a->slot, e->table_len);
		else
			printf(", table slot %u of %u (new flow)\n", a->slot, e->table_len);
		if (a->skipped)
			printf("  skipped  %u slot%s before it: %s backend takes no new flows "
			       "(its table is not rebuilt yet)\n",
			       a->skipped, a->skipped == 1 ? "" : "s",
			       a->skipped == 1 ? "its" : "their");
		break;
	default:
		printf("  decision none\n");
	}
	if (a->real_id)
		printf("  backend  %s (id %u): %s, weight %u%s\n",
		       real_str(&e->real, t->dport, b, sizeof(b)), a->real_id, real_state(&e->real),
		       e->real.weight, e->real.flags & XDPLB_REAL_F_SORRY ? ", sorry server" : "");
	else if (a->vip_id)
		printf("  backend  none takes new flows\n");
	if (a->reason == XDPLB_R_TX)
		printf("  verdict  forward\n");
	else if (a->reason == XDPLB_R_TX_REJECT)
		printf("  verdict  reject (%s)\n",
		       t->proto == IPPROTO_TCP ? "TCP RST" : "ICMP port unreachable");
	else if (a->reason == XDPLB_R_PASS_NOT_VIP)
		printf("  verdict  pass: no VIP takes it (%s)\n", why);
	else
		printf("  verdict  %s (%s)\n", v, why);
}

int do_explain(int argc, char **argv)
{
	struct clients cs = {};
	struct vips vips = {};
	struct ask q = {};
	struct lb lb;
	char svc[80];
	int err;
	bool have_port = false, stdin_read = false;
	__u32 port = 0;
	json_object *arr = NULL;

	if (argc < 1 || is_prefix(*argv, "help"))
		return explain_help(argc, argv);
	err = parse_service(argc, argv, &q.key);
	if (err)
		return err;
	argc -= 2;
	argv += 2;
	while (!err && argc > 0) {
		if (!strcmp(*argv, "from")) {
			if (argc < 2) {
				p_err("missing argument after \"from\": expected ADDR[:PORT] or -");
				err = -XDPLB_EUSAGE;
				break;
			}
			NEXT_ARG();
			if (!strcmp(*argv, "-")) {
				if (stdin_read)
					err = bad_arg(*argv, "stdin is read once");
				else
					err = clients_read(&cs);
				stdin_read = true;
			} else {
				err = client_add(&cs, *argv, 0);
			}
		} else if (!strcmp(*argv, "port")) {
			if (argc < 2) {
				p_err("missing argument after \"port\": expected N");
				err = -XDPLB_EUSAGE;
				break;
			}
			NEXT_ARG();
			if (parse_u32(*argv, 1, 65535, &port))
				err = bad_arg(*argv, "port must be 1..65535");
			have_port = true;
		} else if (!strcmp(*argv, "syn")) {
			q.syn = true;
		} else {
			err = bad_arg(*argv, "unknown keyword (expected from, port or syn)");
		}
		NEXT_ARG();
	}
	if (!err && !cs.n) {
		p_err("missing client: expected from ADDR[:PORT] (or from -)");
		err = -XDPLB_EUSAGE;
	}
	if (!err && q.syn && q.key.proto != IPPROTO_TCP)
		err = bad_arg("syn", "syn is for tcp services");
	if (err)
		goto out_free;
	err = state_open(&lb, false);
	if (err)
		goto out_free;
	fmt_service(&q.key, svc, sizeof(svc));
	if (lb_vip_get(&lb, &q.key, &q.vip)) {
		p_err("vip %s: not found", svc);
		err = -ENOENT;
		goto out;
	}
	if (!q.key.port && !have_port) {
		p_err("vip %s takes every port: give the destination port (port N)", svc);
		err = -XDPLB_EUSAGE;
		goto out;
	}
	if (q.key.port && have_port && port != ntohs(q.key.port)) {
		char p[16];

		snprintf(p, sizeof(p), "%u", port);
		err = bad_arg(p, "vip %s has its port: port N is for a port-0 VIP", svc);
		goto out;
	}
	q.dport = q.key.port ?: htons((__u16)port);
	for (int i = 0; i < cs.n; i++) {
		const struct client *c = &cs.c[i];
		char a[80];

		fmt_addr(c->addr, c->family, a, sizeof(a));
		if (c->line)
			err_ctx_set("stdin", c->line);
		if (c->family != q.key.family)
			err = bad_arg(a, "an IPv%s client of an IPv%s VIP",
				      c->family == XDPLB_AF_INET6 ? "6" : "4",
				      q.key.family == XDPLB_AF_INET6 ? "6" : "4");
		else if (!c->has_port && !(q.vip.flags & XDPLB_VIP_F_L3HASH))
			err = bad_arg(a, "the client's port is needed (ADDR:PORT; only a hash l3 "
					 "VIP ignores ports)");
		err_ctx_set(NULL, 0);
		if (err)
			goto out;
	}
	arr = json_output ? json_object_new_array() : NULL;
	for (int i = 0; i < cs.n && !err; i++) {
		const struct client *c = &cs.c[i];
		const struct lb_vip_entry *other = NULL;
		struct xdplb_flow_key t = {};
		struct lb_explain e;

		memcpy(t.src, c->addr, sizeof(t.src));
		memcpy(t.dst, q.key.addr, sizeof(t.dst));
		t.sport = c->port;
		t.dport = q.dport;
		t.proto = q.key.proto;
		t.family = q.key.family;
		err = lb_explain(&lb, &t, q.syn, &e);
		if (err) {
			p_err("explain %s: %s", svc, strerror(-err));
			break;
		}
		if (e.a.vip_id && e.a.vip_id != q.vip.id)
			other = vip_by_id(&lb, &vips, e.a.vip_id);
		if (json_output)
			print_json(&q, &t, &e, other, arr);
		else
			print_text(&q, &t, &e, other);
	}
	if (!err && arr) {
		json_print(arr);
		arr = NULL;
	}
out:
	lb_close(&lb);
out_free:
	if (arr)
		json_object_put(arr);
	free(vips.e);
	free(cs.c);
	return err;
}
