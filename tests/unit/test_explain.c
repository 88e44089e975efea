// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of xdplb explain's dry run (bpf/explain.h through lb_explain()): it
 * writes nothing, byte for byte in every map, and its answer is the backend that a real packet
 * of the tuple then gets from the ingress program, under every scheduler, for new flows,
 * existing flows and flows that are not followed (backend down or gone, expired, SYN reuse
 * refused, another VIP's), with persistence and with no backend. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fixture.h"

static struct fixture fx;

#define NB     4   /* backends: 10.0.1.11..14 / fd00:1::11..14 */
#define NT     200 /* client tuples per VIP */
#define CPORT0 20000

static char msg[200];
#define WHAT(...) (snprintf(msg, sizeof(msg), __VA_ARGS__), msg)

/* ---- every map of the skeleton, byte for byte ---- */

struct map_snap {
	const char *name;
	unsigned char *buf;
	size_t len;
};

struct snap {
	struct map_snap m[64];
	int n;
};

static void snap_free(struct snap *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->m[i].buf);
	s->n = 0;
}

static void snap_put(struct map_snap *m, size_t *cap, const void *p, size_t len)
{
	if (m->len + len > *cap) {
		*cap = (m->len + len) * 2;
		m->buf = realloc(m->buf, *cap);
		if (!m->buf)
			abort();
	}
	memcpy(m->buf + m->len, p, len);
	m->len += len;
}

/* One map's keys and values: in batches where the map type has them, else key by key (a
 * value that cannot be read, e.g. of a ring buffer, is left out, the same each time). */
static void snap_map(struct bpf_map *map, struct map_snap *m)
{
	int fd = bpf_map__fd(map), ncpu = libbpf_num_possible_cpus();
	enum bpf_map_type t = bpf_map__type(map);
	bool percpu = t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
		      t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	size_t ks = bpf_map__key_size(map), vs = bpf_map__value_size(map), cap = 0;
	size_t vlen = percpu ? ((vs + 7) / 8 * 8) * ncpu : vs;
	__u32 chunk = 1024, count, in, out;
	void *keys, *vals, *from = NULL, *key, *next;
	bool last = false;

	m->name = bpf_map__name(map);
	if (!ks || t == BPF_MAP_TYPE_RINGBUF)
		return;
	keys = calloc(chunk, ks);
	vals = calloc(chunk, vlen);
	key = calloc(1, ks);
	next = calloc(1, ks);
	if (!keys || !vals || !key || !next)
		abort();
	while (!last) {
		LIBBPF_OPTS(bpf_map_batch_opts, o);

		count = chunk;
		if (bpf_map_lookup_batch(fd, from, &out, keys, vals, &count, &o)) {
			if (errno != ENOENT)
				break; /* no batches for this type: key by key */
			last = true;
		}
		for (__u32 i = 0; i < count; i++) {
			snap_put(m, &cap, (char *)keys + i * ks, ks);
			snap_put(m, &cap, (char *)vals + i * vlen, vlen);
		}
		in = out;
		from = &in;
	}
	if (!last) {
		m->len = 0;
		for (void *k = NULL; !bpf_map_get_next_key(fd, k, next); k = key) {
			memcpy(key, next, ks);
			snap_put(m, &cap, key, ks);
			if (!bpf_map_lookup_elem(fd, key, vals))
				snap_put(m, &cap, vals, vlen);
		}
	}
	free(keys);
	free(vals);
	free(key);
	free(next);
}

/* Every map but the program's clock cache (bpf/clock.h: each run may write the coarse time
 * it read, explain's too; it is no state). */
static void snap_take(struct snap *s)
{
	struct bpf_map *map;

	s->n = 0;
	bpf_object__for_each_map(map, fx.skel->obj)
	{
		if (!strcmp(bpf_map__name(map), "xdplb_clock") || s->n >= 64)
			continue;
		memset(&s->m[s->n], 0, sizeof(s->m[0]));
		snap_map(map, &s->m[s->n++]);
	}
}

/* The first map that differs between @a and @b (NULL: none). */
static const char *snap_diff(const struct snap *a, const struct snap *b)
{
	if (a->n != b->n)
		return "(the number of maps)";
	for (int i = 0; i < a->n; i++) {
		const struct map_snap *x = &a->m[i], *y = &b->m[i];

		if (x->len != y->len || memcmp(x->buf, y->buf, x->len))
			return x->name;
	}
	return NULL;
}

/* The maps of @a and @b the same?  A failure names the first map that differs. */
static bool snap_same(const struct snap *a, const struct snap *b, const char *what)
{
	const char *d = snap_diff(a, b);
	char w[160];

	snprintf(w, sizeof(w), "%s", what); /* @what may be msg itself */
	return ASSERT_TRUE(!d, WHAT("%s: every map unchanged (%s differs)", w, d ? d : "-"));
}

/* ---- tuples, the dry run and a real run ---- */

struct tv {
	const char *addr; /* the VIP's */
	__u16 port;
	__u8 proto;
	bool v6;
	__u32 id;
	__u32 real[NB];
};

static const char *backend(bool v6, int i)
{
	static const char *const a4[NB] = { "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14" };
	static const char *const a6[NB] = { "fd00:1::11", "fd00:1::12", "fd00:1::13",
					    "fd00:1::14" };

	return v6 ? a6[i] : a4[i];
}

/* A TUN VIP with @nb backends of weights 1, 2, 3, 1 (fewer: the first @nb). */
static bool tv_make(struct tv *v, const char *addr, __u16 port, __u8 proto, __u8 sched,
		    __u32 persist, int nb)
{
	static const __u32 w[NB] = { 1, 2, 3, 1 };
	struct xdplb_vip_key k;
	int id;

	memset(v, 0, sizeof(*v));
	v->addr = addr;
	v->port = port;
	v->proto = proto;
	v->v6 = strchr(addr, ':') != NULL;
	id = fx_vip_with(&fx, addr, port, proto,
			 (struct xdplb_vip){ .mode = XDPLB_MODE_TUN,
					     .sched = sched,
					     .persist = persist,
					     .flags = XDPLB_VIP_F_ALLDOWN_REJECT });
	if (!ASSERT_TRUE(id > 0, WHAT("vip %s:%u add", addr, port)))
		return false;
	v->id = id;
	k = fx_key(addr, port, proto);
	for (int i = 0; i < nb; i++) {
		struct xdplb_real r = { .weight = w[i] };

		r.family = fx_addr(backend(v->v6, i), r.addr);
		if (!ASSERT_EQ(lb_real_add(&fx.lb, &k, &r), 0, "backend add"))
			return false;
		id = lb_real_find(&fx.lb, v->id, r.addr, r.family, 0);
		if (!ASSERT_TRUE(id > 0, "backend id"))
			return false;
		v->real[i] = id;
	}
	return true;
}

/* Client tuple @i of VIP @v: 192.0.2.(1 + i % 50) or 2001:db8:c::(1 + i % 50), port
 * CPORT0 + 500 * VIP id + i (the flow table's set is the client side's: each VIP its own
 * tuples, so that the small table's sets do not fill up). */
static struct xdplb_flow_key tuple(const struct tv *v, int i)
{
	struct xdplb_flow_key t = { .proto = v->proto };
	char c[48];

	snprintf(c, sizeof(c), v->v6 ? "2001:db8:c::%x" : "192.0.2.%d", 1 + i % 50);
	t.family = fx_addr(c, t.src);
	fx_addr(v->addr, t.dst);
	t.sport = htons(CPORT0 + 500 * v->id + i);
	t.dport = htons(v->port);
	return t;
}

static struct lb_explain explain(const struct xdplb_flow_key *t, bool syn)
{
	struct lb_explain e;

	ASSERT_EQ(lb_explain(&fx.lb, t, syn, &e), 0, "lb_explain()");
	return e;
}

/* A real packet of @t (TCP: @flags) to VIP @v through the ingress program: its verdict in
 * *@retval, and the backend it was tunnelled to (its address the outer destination; the flow
 * table's backend for the tuple, when the flow was remembered), or 0. */
static __u32 real_run(const struct tv *v, const struct xdplb_flow_key *t, __u8 flags, int *retval)
{
	bool v6 = t->family == XDPLB_AF_INET6;
	struct pkt_spec s = { .sport = ntohs(t->sport),
			      .dport = ntohs(t->dport),
			      .tcp_flags = flags,
			      .seq = 1,
			      .ack = 1 };
	static struct fx_run r;
	struct xdplb_flow f;
	struct pkt_buf in;
	__u32 id = 0;

	if (v6) {
		memcpy(&s.saddr6, t->src, 16);
		memcpy(&s.daddr6, t->dst, 16);
	} else {
		s.saddr = t->src[0];
		s.daddr = t->dst[0];
	}
	pkt_build(&in, &s, v6, t->proto);
	*retval = -1;
	if (fx_run(&fx, &in, fx.lb0, &r))
		return 0;
	*retval = r.retval;
	if (r.retval != XDP_TX)
		return 0;
	/* the outer header's destination: IPv4 at 16, IPv6 at 24 */
	for (int i = 0; i < NB; i++) {
		__be32 a[4];

		fx_addr(backend(v6, i), a);
		if (!memcmp(r.out + 14 + (v6 ? 24 : 16), a, v6 ? 16 : 4))
			id = v->real[i];
	}
	if (id && !lb_flow_get(&fx.lb, t, &f))
		ASSERT_EQ(f.real_id, id, "the flow's backend is the one tunnelled to");
	return id;
}

/* The dry run of @t, then a real packet of it: the same backend.  *@e gets the answer. */
static bool agree(const struct tv *v, const struct xdplb_flow_key *t, bool syn,
		  struct lb_explain *e, const char *what)
{
	__u8 flags = t->proto != IPPROTO_TCP ? 0 : syn ? PKT_TCP_SYN : PKT_TCP_ACK;
	char w[160];
	__u32 got;
	int rv;

	snprintf(w, sizeof(w), "%s", what);
	*e = explain(t, syn);
	got = real_run(v, t, flags, &rv);
	if (!ASSERT_EQ(rv, XDP_TX, WHAT("%s: forwarded", w)) ||
	    !ASSERT_EQ(e->a.reason, XDPLB_R_TX, WHAT("%s: explained forward", w)))
		return false;
	return ASSERT_EQ(e->a.real_id, got, WHAT("%s: explained backend = real run's", w));
}

/* ---- cases ---- */

/* Under scheduler @sched: NT new tuples explained (the maps unchanged), then each explained
 * and sent in turn (the same backend: rr, wrr, lc and wlc predict the next new flow), then
 * all explained again as existing flows (unchanged maps, the same backends), and a second
 * packet of each to that backend. */
static void sched_case(const char *addr, __u8 proto, __u8 sched)
{
	struct snap s0, s1;
	struct lb_explain e;
	static __u32 to[NT];
	struct tv v;
	int used[NB] = {}, nused = 0, rv;

	if (!tv_make(&v, addr, 80, proto, sched, 0, NB))
		return;
	snap_take(&s0);
	for (int i = 0; i < NT; i++) {
		struct xdplb_flow_key t = tuple(&v, i);

		e = explain(&t, proto == IPPROTO_TCP);
		if (!ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_SCHED, "new tuple: the scheduler decides"))
			break;
	}
	snap_take(&s1);
	snap_same(&s0, &s1, WHAT("%d explains of new tuples", NT));
	snap_free(&s0);
	snap_free(&s1);
	for (int i = 0; i < NT; i++) {
		struct xdplb_flow_key t = tuple(&v, i);

		if (!agree(&v, &t, proto == IPPROTO_TCP, &e, WHAT("new tuple %d", i)))
			return;
		ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_SCHED, "new flow: the scheduler");
		ASSERT_EQ(e.a.vip_id, v.id, "the VIP");
		ASSERT_EQ(e.a.flow_atime, 0, "no flow yet");
		ASSERT_TRUE(sched == XDPLB_SCHED_LC || sched == XDPLB_SCHED_WLC ? !e.a.slot
										: e.a.slot > 0,
			    "a table slot (none for lc, wlc)");
		to[i] = e.a.real_id;
	}
	for (int i = 0; i < NT; i++)
		for (int b = 0; b < NB; b++)
			if (to[i] == v.real[b] && !used[b]++)
				nused++;
	ASSERT_TRUE(nused >= 3, WHAT("new flows spread over %d backends", nused));
	snap_take(&s0);
	for (int i = 0; i < NT; i++) {
		struct xdplb_flow_key t = tuple(&v, i);

		e = explain(&t, false);
		if (!ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_FLOW, "existing flow") ||
		    !ASSERT_EQ(e.a.real_id, to[i], "its backend") ||
		    !ASSERT_EQ(e.a.flow_real, to[i], "the flow's backend"))
			break;
		ASSERT_EQ(e.a.flow_state,
			  proto == IPPROTO_TCP ? XDPLB_FLOW_SYN : XDPLB_FLOW_INACTIVE,
			  "the flow's state (TCP: half-open after its SYN)");
		ASSERT_EQ(e.a.flow_drop, XDPLB_EXPLAIN_KEPT, "followed");
		ASSERT_TRUE(e.a.flow_atime && e.a.now >= e.a.flow_atime - 1000000000ull,
			    "the flow's time");
	}
	snap_take(&s1);
	snap_same(&s0, &s1, WHAT("%d explains of existing flows", NT));
	snap_free(&s0);
	snap_free(&s1);
	for (int i = 0; i < NT; i++) {
		struct xdplb_flow_key t = tuple(&v, i);

		if (!ASSERT_EQ(real_run(&v, &t, proto == IPPROTO_TCP ? PKT_TCP_ACK : 0, &rv), to[i],
			       "the flow's next packet to its backend"))
			break;
	}
}

/* The check itself can fail: a real packet's writes show in the snapshot. */
static void case_snapshot_sees_writes(void)
{
	struct xdplb_flow_key t;
	struct snap s0, s1;
	struct tv v;
	int rv;

	if (!tv_make(&v, "10.0.0.70", 80, IPPROTO_UDP, XDPLB_SCHED_RR, 0, NB))
		return;
	t = tuple(&v, 0);
	snap_take(&s0);
	ASSERT_EQ(snap_diff(&s0, &s0) == NULL, 1, "a snapshot is its own");
	real_run(&v, &t, 0, &rv);
	snap_take(&s1);
	ASSERT_TRUE(snap_diff(&s0, &s1) != NULL, "a packet of a new flow changes the maps");
	snap_free(&s0);
	snap_free(&s1);
}

static void case_mh(void)
{
	sched_case("10.0.0.71", IPPROTO_TCP, XDPLB_SCHED_MH);
}
static void case_sh(void)
{
	sched_case("10.0.0.72", IPPROTO_TCP, XDPLB_SCHED_SH);
}
static void case_rr(void)
{
	sched_case("10.0.0.73", IPPROTO_TCP, XDPLB_SCHED_RR);
}
static void case_wrr(void)
{
	sched_case("10.0.0.74", IPPROTO_UDP, XDPLB_SCHED_WRR);
}
static void case_lc(void)
{
	sched_case("10.0.0.75", IPPROTO_TCP, XDPLB_SCHED_LC);
}
static void case_wlc(void)
{
	sched_case("10.0.0.76", IPPROTO_UDP, XDPLB_SCHED_WLC);
}
static void case_mh6(void)
{
	sched_case("fd00::77", IPPROTO_UDP, XDPLB_SCHED_MH);
}
static void case_wlc6(void)
{
	sched_case("fd00::78", IPPROTO_TCP, XDPLB_SCHED_WLC);
}

/* A flow explained not followed (@why), with the maps unchanged, and the backend it is
 * explained to get the one a real packet then gets. */
static void not_followed(const struct tv *v, const struct xdplb_flow_key *t, bool syn, __u8 why,
			 __u32 was, const char *what)
{
	struct lb_explain e;
	struct snap s0, s1;
	char w[160];

	snprintf(w, sizeof(w), "%s", what); /* @what may be msg itself */
	what = w;
	snap_take(&s0);
	e = explain(t, syn);
	snap_take(&s1);
	snap_same(&s0, &s1, WHAT("%s: explain", what));
	snap_free(&s0);
	snap_free(&s1);
	ASSERT_EQ(e.a.flow_real, was, WHAT("%s: the flow found", what));
	ASSERT_EQ(e.a.flow_drop, why, WHAT("%s: why it is not followed", what));
	ASSERT_TRUE(e.a.source != XDPLB_EXPLAIN_FLOW, WHAT("%s: not followed", what));
	if (!agree(v, t, syn, &e, what))
		return;
	/* (a backend removed and added again may have its id back, with a new gen) */
	ASSERT_TRUE(e.a.real_id != was || why == XDPLB_EXPLAIN_GONE,
		    WHAT("%s: another backend", what));
	ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_SCHED, WHAT("%s: scheduled again", what));
	e = explain(t, false);
	ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_FLOW, WHAT("%s: then its new flow", what));
}

/* The flows of a backend taken down (ondown move): explained rescheduled (the maps
 * unchanged), and so they go. */
static void case_down(void)
{
	struct lb_explain e, ex[40];
	struct xdplb_flow_key t;
	struct xdplb_real r;
	struct snap s0, s1;
	struct tv v;
	int n = 0;

	if (!tv_make(&v, "10.0.0.80", 80, IPPROTO_TCP, XDPLB_SCHED_MH, 0, NB))
		return;
	for (int i = 0; i < 40; i++) {
		t = tuple(&v, i);
		if (!agree(&v, &t, true, &e, "new flow") || !agree(&v, &t, false, &e, "its ACK"))
			return;
	}
	if (!ASSERT_EQ(lb_real_get(&fx.lb, v.real[2], &r), 0, "backend .13") ||
	    !ASSERT_EQ(lb_real_set_state(&fx.lb, v.real[2], r.gen, XDPLB_REAL_DOWN), 0, ".13 down"))
		return;
	snap_take(&s0);
	for (int i = 0; i < 40; i++) {
		t = tuple(&v, i);
		ex[i] = explain(&t, false);
	}
	snap_take(&s1);
	snap_same(&s0, &s1, "40 explains of flows, some of a backend down");
	snap_free(&s0);
	snap_free(&s1);
	for (int i = 0; i < 40; i++) {
		t = tuple(&v, i);
		ASSERT_EQ(ex[i].a.flow_state, XDPLB_FLOW_ACTIVE, "established");
		if (ex[i].a.flow_real != v.real[2]) {
			ASSERT_EQ(ex[i].a.source, XDPLB_EXPLAIN_FLOW, "flows of the others stay");
			ASSERT_TRUE(agree(&v, &t, false, &e, "a flow of another backend") &&
					e.a.real_id == ex[i].a.flow_real,
				    "stays there");
			continue;
		}
		n++;
		ASSERT_EQ(ex[i].a.flow_drop, XDPLB_EXPLAIN_DOWN, "a flow of .13: its backend down");
		ASSERT_EQ(ex[i].a.source, XDPLB_EXPLAIN_SCHED, "scheduled again");
		ASSERT_TRUE(ex[i].a.real_id && ex[i].a.real_id != v.real[2], "to another backend");
		if (!agree(&v, &t, false, &e, WHAT("flow %d of .13", i)))
			break;
		ASSERT_EQ(e.a.real_id, ex[i].a.real_id, "where explained");
		e = explain(&t, false);
		ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_FLOW, "then its new flow");
	}
	ASSERT_TRUE(n > 0, WHAT(".13 had flows (%d)", n));
}

/* Index of backend id @id in @v (0 when none). */
static int idx_of(const struct tv *v, __u32 id)
{
	for (int i = 0; i < NB; i++)
		if (v->real[i] == id)
			return i;
	return 0;
}

/* A backend removed: its flows' backend is gone; also when it is added again (a new gen,
 * whatever id it gets). */
static void case_gone(void)
{
	struct xdplb_flow_key t0, t1;
	struct lb_explain e;
	struct tv v;
	__u32 was;
	int i;

	if (!tv_make(&v, "10.0.0.81", 53, IPPROTO_UDP, XDPLB_SCHED_RR, 0, NB))
		return;
	t0 = tuple(&v, 0);
	t1 = tuple(&v, 1);
	if (!agree(&v, &t0, false, &e, "flow 0"))
		return;
	was = e.a.real_id;
	if (!agree(&v, &t1, false, &e, "flow 1") ||
	    !ASSERT_EQ(fx_real_del(&fx, v.addr, 53, IPPROTO_UDP, backend(false, idx_of(&v, was))),
		       0, "remove flow 0's backend"))
		return;
	not_followed(&v, &t0, false, XDPLB_EXPLAIN_GONE, was, "backend removed");
	was = e.a.real_id; /* flow 1's */
	i = idx_of(&v, was);
	if (!ASSERT_EQ(fx_real_del(&fx, v.addr, 53, IPPROTO_UDP, backend(false, i)), 0, "del") ||
	    !ASSERT_EQ(fx_real_add(&fx, v.addr, 53, IPPROTO_UDP, backend(false, i), 1), 0,
		       "add again"))
		return;
	not_followed(&v, &t1, false, XDPLB_EXPLAIN_GONE, was, "backend removed and added again");
}

static void udp_timeout_1(struct xdplb_config *c, long secs)
{
	c->udp_timeout = secs;
}

/* A flow idle longer than its timeout. */
static void case_expired(void)
{
	struct xdplb_flow_key t;
	struct xdplb_config saved;
	struct lb_explain e;
	struct tv v;

	if (!tv_make(&v, "10.0.0.82", 53, IPPROTO_UDP, XDPLB_SCHED_RR, 0, NB) ||
	    !ASSERT_EQ(lb_config_get(&fx.lb, &saved), 0, "config"))
		return;
	t = tuple(&v, 0);
	if (!agree(&v, &t, false, &e, "flow"))
		return;
	ASSERT_EQ(fx_config(&fx, udp_timeout_1, 1), 0, "udp timeout 1 s");
	fx_sleep_coarse(2500000000ull); /* > timeout + 1 s */
	not_followed(&v, &t, false, XDPLB_EXPLAIN_EXPIRED, e.a.real_id, "expired");
	lb_config_set(&fx.lb, &saved);
}

/* A SYN on a closed flow's tuple whose backend is drained: not reopened there. */
static void case_syn_reuse(void)
{
	struct xdplb_flow_key t;
	struct lb_explain e;
	struct tv v;
	int rv;

	if (!tv_make(&v, "10.0.0.83", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 0, NB))
		return;
	t = tuple(&v, 0);
	if (!agree(&v, &t, true, &e, "syn") ||
	    !ASSERT_EQ(real_run(&v, &t, PKT_TCP_FIN | PKT_TCP_ACK, &rv), e.a.real_id, "fin"))
		return;
	e = explain(&t, false);
	ASSERT_EQ(e.a.flow_state, XDPLB_FLOW_INACTIVE, "closed");
	for (int i = 0; i < NB; i++)
		if (v.real[i] == e.a.real_id)
			ASSERT_EQ(
			    fx_real_weight(&fx, v.addr, 80, IPPROTO_TCP, backend(false, i), 0), 0,
			    "drain it");
	e = explain(&t, false);
	ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_FLOW, "an ACK still follows the drained flow");
	not_followed(&v, &t, true, XDPLB_EXPLAIN_REUSE, e.a.real_id, "syn reuse");
}

/* A flow of a port-0 VIP whose tuple a port VIP added since takes. */
static void case_other_vip(void)
{
	struct xdplb_flow_key t;
	struct lb_explain e;
	struct tv any, v443;

	if (!tv_make(&any, "10.0.0.84", 0, IPPROTO_TCP, XDPLB_SCHED_MH, 0, 2))
		return;
	t = tuple(&any, 0);
	t.dport = htons(443);
	if (!agree(&any, &t, true, &e, "port-0 VIP's flow") ||
	    !ASSERT_EQ(e.a.vip_id, any.id, "the port-0 VIP"))
		return;
	if (!tv_make(&v443, "10.0.0.84", 443, IPPROTO_TCP, XDPLB_SCHED_MH, 0, NB))
		return;
	e = explain(&t, false);
	ASSERT_EQ(e.a.vip_id, v443.id, "the :443 VIP takes the tuple now");
	ASSERT_EQ(e.a.flow_drop, XDPLB_EXPLAIN_OTHER, "the flow is another VIP's");
	ASSERT_TRUE(agree(&v443, &t, false, &e, "superseded flow"), "rescheduled as explained");
}

/* Persistence: a client's new flow goes to its entry's backend. */
static void case_persist(void)
{
	struct xdplb_flow_key t0, t1;
	struct lb_explain e;
	struct snap s0, s1;
	struct tv v;
	__u32 b;

	if (!tv_make(&v, "10.0.0.85", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 300, NB))
		return;
	t0 = tuple(&v, 0);
	t1 = tuple(&v, 50); /* the same client, another port */
	e = explain(&t0, true);
	ASSERT_EQ(e.a.persist_atime, 0, "no entry yet");
	if (!agree(&v, &t0, true, &e, "first flow"))
		return;
	b = e.a.real_id;
	snap_take(&s0);
	e = explain(&t1, true);
	snap_take(&s1);
	snap_same(&s0, &s1, "explain with a persistence entry");
	snap_free(&s0);
	snap_free(&s1);
	ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_PERSIST, "the entry decides");
	ASSERT_EQ(e.a.persist_real, b, "the entry's backend");
	ASSERT_TRUE(e.a.persist_atime > 0, "its time");
	ASSERT_TRUE(agree(&v, &t1, true, &e, "second flow"), "as explained");
	ASSERT_EQ(e.a.real_id, b, "to the first flow's backend (rr would move on)");
}

/* No backend takes new flows: drop (alldown drop) or reject, as a real packet gets. */
static void case_none(void)
{
	struct xdplb_flow_key t;
	struct lb_explain e;
	struct tv v;
	int rv;

	if (!tv_make(&v, "10.0.0.86", 80, IPPROTO_TCP, XDPLB_SCHED_MH, 0, 0))
		return;
	t = tuple(&v, 0);
	e = explain(&t, true);
	ASSERT_EQ(e.a.source, XDPLB_EXPLAIN_NONE, "no backend");
	ASSERT_EQ(e.a.real_id, 0, "none");
	ASSERT_EQ(e.a.reason, XDPLB_R_TX_REJECT, "alldown reject");
	real_run(&v, &t, PKT_TCP_SYN, &rv);
	ASSERT_EQ(rv, XDP_REDIRECT, "a real SYN is answered (RST, redirected)");
	{
		struct xdplb_vip_key k = fx_key(v.addr, 80, IPPROTO_TCP);
		struct xdplb_vip vv;

		lb_vip_get(&fx.lb, &k, &vv);
		vv.flags &= ~XDPLB_VIP_F_ALLDOWN_REJECT;
		ASSERT_EQ(lb_vip_set(&fx.lb, &k, &vv), 0, "alldown drop");
	}
	e = explain(&t, true);
	ASSERT_EQ(e.a.reason, -XDPLB_R_DROP_NO_BACKEND, "explained drop_no_backend");
	real_run(&v, &t, PKT_TCP_SYN, &rv);
	ASSERT_EQ(rv, XDP_DROP, "a real SYN is dropped");
	/* no VIP there */
	t.dport = htons(81);
	e = explain(&t, true);
	ASSERT_EQ(e.a.reason, XDPLB_R_PASS_NOT_VIP, "no VIP: passed");
	ASSERT_EQ(e.a.vip_id, 0, "no VIP");
}

/* Backend .13 (the heaviest: 3 of 7) set down, or to weight 0, in xdplb_reals alone, as the
 * daemon's health verdict is before its VIP's table is rebuilt: new flows whose slot names it
 * walk on to the next backend that takes new flows, explain says how many slots it passed
 * over, and the real packet goes where explained.  Under mh and sh the others' tuples keep
 * their backend.  With all four taken out, no backend: the VIP's alldown reject. */
static void stale_case(const char *addr, __u8 proto, __u8 sched, bool drain)
{
	static __u32 before[NT];
	struct xdplb_flow_key t;
	struct lb_explain e;
	struct xdplb_real r;
	struct tv v;
	int skipped = 0, rv;
	bool consistent = sched == XDPLB_SCHED_MH || sched == XDPLB_SCHED_SH;

	if (!tv_make(&v, addr, 80, proto, sched, 0, NB))
		return;
	for (int i = 0; i < NT; i++) {
		t = tuple(&v, i);
		e = explain(&t, true);
		before[i] = e.a.real_id;
		ASSERT_EQ(e.a.skipped, 0, "all up: no slot skipped");
	}
	if (!ASSERT_EQ(bpf_map_lookup_elem(FX_FD(&fx, reals), &v.real[2], &r), 0, "read .13"))
		return;
	if (drain)
		r.weight = 0;
	else
		r.state = XDPLB_REAL_DOWN;
	if (!ASSERT_EQ(bpf_map_update_elem(FX_FD(&fx, reals), &v.real[2], &r, BPF_EXIST), 0,
		       "write .13 alone (no table rebuild)"))
		return;
	for (int i = 0; i < NT; i++) {
		t = tuple(&v, i);
		if (!agree(&v, &t, true, &e, WHAT("new flow %d", i)))
			return;
		if (!ASSERT_TRUE(e.a.real_id != v.real[2], WHAT("flow %d: not to .13", i)))
			return;
		skipped += e.a.skipped > 0;
		if (consistent && before[i] != v.real[2])
			ASSERT_TRUE(e.a.real_id == before[i] && !e.a.skipped,
				    WHAT("flow %d: another backend's tuple keeps it", i));
		if (consistent && before[i] == v.real[2])
			ASSERT_TRUE(e.a.skipped > 0, WHAT("flow %d: .13's slot skipped", i));
	}
	ASSERT_TRUE(skipped > 0, WHAT("some flows skipped a slot (%d)", skipped));
	for (int j = 0; j < NB; j++) {
		bpf_map_lookup_elem(FX_FD(&fx, reals), &v.real[j], &r);
		r.state = XDPLB_REAL_DOWN;
		bpf_map_update_elem(FX_FD(&fx, reals), &v.real[j], &r, BPF_EXIST);
	}
	t = tuple(&v, NT - 1);
	t.sport = htons(ntohs(t.sport) + 1); /* a tuple with no flow */
	e = explain(&t, true);
	ASSERT_EQ(e.a.real_id, 0, "all out: no backend");
	ASSERT_EQ(e.a.reason, XDPLB_R_TX_REJECT, "all out: alldown reject");
	ASSERT_EQ(real_run(&v, &t, proto == IPPROTO_TCP ? PKT_TCP_SYN : 0, &rv), 0,
		  "all out: a real packet goes to no backend");
}

static void case_stale_mh(void)
{
	stale_case("10.0.0.90", IPPROTO_TCP, XDPLB_SCHED_MH, false);
}

static void case_stale_sh(void)
{
	stale_case("10.0.0.91", IPPROTO_TCP, XDPLB_SCHED_SH, true);
}

static void case_stale_rr(void)
{
	stale_case("10.0.0.92", IPPROTO_TCP, XDPLB_SCHED_RR, false);
}

static void case_stale_wrr(void)
{
	stale_case("10.0.0.93", IPPROTO_UDP, XDPLB_SCHED_WRR, true);
}

/* Tuples no frame carries are refused. */
static void case_bad_tuple(void)
{
	struct xdplb_flow_key t = { .proto = IPPROTO_ICMP, .family = XDPLB_AF_INET };
	struct lb_explain e;

	ASSERT_EQ(lb_explain(&fx.lb, &t, false, &e), -EINVAL, "ICMP: -EINVAL");
	t.proto = IPPROTO_UDP;
	t.family = 0;
	ASSERT_EQ(lb_explain(&fx.lb, &t, false, &e), -EINVAL, "no family: -EINVAL");
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("the snapshot sees a real packet's writes", case_snapshot_sees_writes);
	RUN_CASE("mh: explain writes nothing, agrees with new and existing flows", case_mh);
	RUN_CASE("sh: explain writes nothing, agrees with new and existing flows", case_sh);
	RUN_CASE("rr: explain writes nothing, predicts the next new flow", case_rr);
	RUN_CASE("wrr (udp): explain writes nothing, predicts the next new flow", case_wrr);
	RUN_CASE("lc: explain writes nothing, predicts the next new flow", case_lc);
	RUN_CASE("wlc (udp): explain writes nothing, predicts the next new flow", case_wlc);
	RUN_CASE("mh IPv6 (udp): explain agrees", case_mh6);
	RUN_CASE("wlc IPv6: explain agrees", case_wlc6);
	RUN_CASE("backend down: its flows explained rescheduled, as they go", case_down);
	RUN_CASE("backend removed, and removed and added again: flows explained gone", case_gone);
	RUN_CASE("flow idle past its timeout: explained expired", case_expired);
	RUN_CASE("SYN reusing a closed tuple of a drained backend: refused", case_syn_reuse);
	RUN_CASE("flow of a port-0 VIP taken by a port VIP: another VIP's", case_other_vip);
	RUN_CASE("persistence entry decides a new flow", case_persist);
	RUN_CASE("no backend: reject, drop; no VIP: pass", case_none);
	RUN_CASE("mh, backend down before its table's rebuild: its slots skipped", case_stale_mh);
	RUN_CASE("sh, backend drained before its table's rebuild: skipped", case_stale_sh);
	RUN_CASE("rr, backend down before its table's rebuild: skipped", case_stale_rr);
	RUN_CASE("wrr (udp), backend drained before its table's rebuild: skipped", case_stale_wrr);
	RUN_CASE("tuples no frame carries: -EINVAL", case_bad_tuple);
	return TEST_MAIN_END();
}
