// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* BPF_PROG_TEST_RUN tests of the data plane's schedulers, persistence and flow accounting. */
#include <pthread.h>
#include <sched.h>
#include "fixture.h"

static struct fixture fx;

#define FLOW_TABLE 1048576 /* 100,000 flows with no set of 6 slots overflowing */
#define MAX_B	   4	   /* backends 10.0.1.11 + i, i < MAX_B, with static neighbours */
#define CLIENT	   "192.0.2.1"
#define NS	   1000000000ull

/* A VIP under test: backend i is 10.0.1.(11 + i). */
struct tvip {
	const char *addr;
	__u16 port;
	__u8 proto;
	__u8 sched;
	__u32 id;
	int n; /* backends */
	__u32 weight[MAX_B];
	__u32 real[MAX_B];	/* backend id of 10.0.1.(11 + i) */
	__u32 table[MAX_B * 4]; /* the VIP's scheduler table as the data plane reads it */
	int len;
};

static char msg[160];
#define WHAT(...) (snprintf(msg, sizeof(msg), __VA_ARGS__), msg)

static const char *backend_addr(int i)
{
	static const char *const a[MAX_B] = { "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14" };

	return a[i];
}

/* Index of backend id @id in @v, or -1. */
static int bidx(const struct tvip *v, __u32 id)
{
	for (int i = 0; i < v->n; i++)
		if (v->real[i] == id)
			return i;
	return -1;
}

static int read_table(struct tvip *v)
{
	v->len = lb_table_read(&fx.lb, v->id, v->table, sizeof(v->table) / sizeof(v->table[0]));
	return v->len;
}

/* Add VIP @v->addr:@v->port with backends of weights @w[0..n-1]. */
static bool vip_make(struct tvip *v, const char *addr, __u16 port, __u8 proto, __u8 sched,
		     __u32 persist, const __u32 *w, int n)
{
	int id;

	memset(v, 0, sizeof(*v));
	v->addr = addr;
	v->port = port;
	v->proto = proto;
	v->sched = sched;
	v->n = n;
	id = fx_vip_add_sched(&fx, addr, port, proto, sched, XDPLB_MODE_TUN, persist);
	if (!ASSERT_TRUE(id > 0, "vip add"))
		return false;
	v->id = id;
	for (int i = 0; i < n; i++) {
		v->weight[i] = w[i];
		if (!ASSERT_EQ(fx_real_add(&fx, addr, port, proto, backend_addr(i), w[i]), 0,
			       "backend add"))
			return false;
		id = fx_real_id(&fx, v->id, backend_addr(i));
		if (!ASSERT_TRUE(id > 0, "backend id"))
			return false;
		v->real[i] = id;
	}
	read_table(v);
	return true;
}

/* One packet from @saddr:@sport to the VIP (TCP with @flags, or UDP) through the program.
 * Returns the index of the backend it was encapsulated to, -1 when it was not forwarded to
 * one of them (then @retval has the verdict). */
static int xmit_raw(const struct tvip *v, __be32 saddr, __u16 sport, __u8 flags, int *retval)
{
	struct xdp_md ctx = { .ingress_ifindex = fx.lb0 };
	struct pkt_spec s = { .saddr = saddr,
			      .daddr = ipv4_addr(v->addr),
			      .sport = sport,
			      .dport = v->port ? v->port : 443,
			      .tcp_flags = flags };
	unsigned char out[256];
	struct pkt_buf in;
	__be32 outer_dst, inner_dst;
	__u32 a;
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in.data, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);

	pkt_build(&in, &s, false, v->proto);
	topts.data_size_in = in.len;
	ctx.data_end = in.len;
	*retval = -1;
	if (bpf_prog_test_run_opts(fx.prog_fd, &topts))
		return -1;
	*retval = topts.retval;
	if (topts.retval != XDP_TX || topts.data_size_out < in.len + 20 || out[14 + 9] != 4)
		return -1;
	memcpy(&outer_dst, out + 14 + 16, 4);
	memcpy(&inner_dst, out + 34 + 16, 4);
	a = ntohl(outer_dst) - 0x0a00010b; /* 10.0.1.11 */
	if (inner_dst != s.daddr || a >= (__u32)v->n)
		return -1;
	return (int)a;
}

/* As xmit_raw(), asserting that the packet went to a backend of the VIP. */
static int xmit(const struct tvip *v, __be32 saddr, __u16 sport, __u8 flags)
{
	int rv, b = xmit_raw(v, saddr, sport, flags, &rv);

	if (b < 0)
		ASSERT_EQ(
		    rv, XDP_TX,
		    WHAT("%s:%u sport %u flags %#x: to a backend", v->addr, v->port, sport, flags));
	return b;
}

/* A connection opened: its SYN, then the handshake's ACK, to the same backend (established,
 * counted active): that backend's index, or -1. */
static int xmit_est(const struct tvip *v, __be32 saddr, __u16 sport)
{
	int b = xmit(v, saddr, sport, PKT_TCP_SYN);

	if (b >= 0 && !ASSERT_EQ(xmit(v, saddr, sport, PKT_TCP_ACK), b,
				 WHAT("sport %u: the handshake's ACK to the same backend", sport)))
		return -1;
	return b;
}

static __u64 rr_pos(const struct tvip *v)
{
	__u64 pos = ~0ull;

	bpf_map_lookup_elem(FX_FD(&fx, rr), &v->id, &pos);
	return pos;
}

static struct xdplb_traffic vip_traffic(const struct tvip *v)
{
	struct xdplb_traffic t = {};

	lb_read_vip_traffic(&fx.lb, v->id, &t);
	return t;
}

/* Expected flow counts per backend, the model the data plane's xdplb_conns must match. */
struct model {
	__s64 active[MAX_B], inactive[MAX_B];
};

/* A backend's shared counts (xdplb_lc_conns), which lc and wlc read. */
static struct xdplb_lc_conns lc_conns(__u32 real_id)
{
	struct xdplb_lc_conns lc = { .active = -1, .inactive = -1, .on = 0xff };

	if (bpf_map_lookup_elem(fx.lb.fd.lc_conns, &real_id, &lc))
		lc.active = lc.inactive = -1;
	return lc;
}

/* The counts show reports (the per-CPU counts' sums) are the model's; for an lc or wlc VIP the
 * shared counts too, for any other VIP none are kept. */
static bool check_conns(const struct tvip *v, const struct model *m, const char *step)
{
	bool ok = true, lc = v->sched == XDPLB_SCHED_LC || v->sched == XDPLB_SCHED_WLC;

	for (int i = 0; i < v->n; i++) {
		struct xdplb_conns c = fx_conns(&fx, v->real[i]);
		struct xdplb_lc_conns s = lc_conns(v->real[i]);

		ok &=
		    ASSERT_EQ(c.active, m->active[i], WHAT("%s: %s active", step, backend_addr(i)));
		ok &= ASSERT_EQ(c.inactive, m->inactive[i],
				WHAT("%s: %s inactive", step, backend_addr(i)));
		ok &= ASSERT_EQ(s.on, lc, WHAT("%s: %s shared counts kept", step, backend_addr(i)));
		ok &= ASSERT_EQ(s.active, lc ? m->active[i] : 0,
				WHAT("%s: %s shared active", step, backend_addr(i)));
		ok &= ASSERT_EQ(s.inactive, lc ? m->inactive[i] : 0,
				WHAT("%s: %s shared inactive", step, backend_addr(i)));
	}
	return ok;
}

/* LVS's lc/wlc over the table: least (active * 256 + inactive) / weight, the first in table
 * order on ties. */
static int model_lc(const struct tvip *v, const struct model *m, bool weighted)
{
	__u64 best_oh = 0, best_w = 0, oh, w;
	int best = -1;

	for (int s = 0; s < v->len; s++) {
		int i = bidx(v, v->table[s]);

		if (i < 0)
			return -1;
		oh = m->active[i] * XDPLB_LC_ACTIVE_WEIGHT + m->inactive[i];
		w = weighted ? v->weight[i] : 1;
		if (best < 0 || oh * best_w < best_oh * w) {
			best = i;
			best_oh = oh;
			best_w = w;
		}
	}
	return best;
}

static void sleep_ms(long ms)
{
	fx_sleep_coarse(ms * 1000000ull);
}

/* GC with a time far ahead: every flow expires.  Then the table is empty and every configured
 * backend of every VIP is back at 0 active, 0 inactive: counts did not drift anywhere. */
static void purge_all(const char *step)
{
	__u64 expired = 0;
	struct xdplb_real r;

	ASSERT_EQ(lb_gc(&fx.lb, fx_coarse_now() + 100000 * NS, NULL, &expired), 0,
		  WHAT("%s: gc", step));
	for (__u32 id = 1; id < 256; id++) {
		struct xdplb_conns c;

		if (bpf_map_lookup_elem(FX_FD(&fx, reals), &id, &r) ||
		    !(r.flags & XDPLB_REAL_F_USED))
			continue;
		c = fx_conns(&fx, id);
		ASSERT_EQ(c.active, 0, WHAT("%s: backend id %u active after a full gc", step, id));
		ASSERT_EQ(c.inactive, 0,
			  WHAT("%s: backend id %u inactive after a full gc", step, id));
	}
	ASSERT_EQ(fx_flows_total(&fx), 0, WHAT("%s: flow table empty after a full gc", step));
}

static void case_rr(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	__be32 c = ipv4_addr(CLIENT);
	struct tvip v;
	__u64 k;
	int b, first;

	if (!vip_make(&v, "10.0.0.101", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 0, w, 3) ||
	    !ASSERT_EQ(v.len, 3, "rr table length"))
		return;
	for (int i = 0; i < 3; i++)
		ASSERT_TRUE(bidx(&v, v.table[i]) >= 0 && v.table[i] != v.table[(i + 1) % 3],
			    "rr table: each backend once");
	k = rr_pos(&v);
	ASSERT_EQ(k, 0, "rr position of a new VIP");
	for (int i = 0; i < 9; i++) {
		b = xmit(&v, c, 10000 + i, PKT_TCP_SYN);
		if (!ASSERT_EQ(b, bidx(&v, v.table[(k + i) % 3]),
			       WHAT("new flow %d gets table[(rr + %d) %% 3]", i, i)))
			return;
	}
	ASSERT_EQ(rr_pos(&v), k + 9, "rr position +1 per new flow");
	/* established flows neither rotate nor move */
	first = bidx(&v, v.table[k % 3]);
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(xmit(&v, c, 10000, PKT_TCP_ACK), first, "established flow stays");
	ASSERT_EQ(rr_pos(&v), k + 9, "rr position unchanged by established flows");
	ASSERT_EQ(xmit(&v, c, 10009, PKT_TCP_SYN), bidx(&v, v.table[(k + 9) % 3]),
		  "the next new flow continues the cycle");
}

static void case_wrr(void)
{
	static const __u32 w[] = { 1, 2 };
	__be32 c = ipv4_addr(CLIENT);
	int cnt[2] = {}, run = 0, max_run = 0, b;
	struct tvip v;
	__u64 k;

	if (!vip_make(&v, "10.0.0.102", 80, IPPROTO_TCP, XDPLB_SCHED_WRR, 0, w, 2) ||
	    !ASSERT_EQ(v.len, 3, "wrr table length = 1 + 2"))
		return;
	k = rr_pos(&v);
	for (int i = 0; i < 30; i++) {
		b = xmit(&v, c, 11000 + i, PKT_TCP_SYN);
		if (b < 0 || !ASSERT_EQ(b, bidx(&v, v.table[(k + i) % 3]),
					WHAT("new flow %d follows the wrr table", i)))
			return;
		cnt[b]++;
		run = b == 1 ? run + 1 : 0;
		max_run = run > max_run ? run : max_run;
	}
	ASSERT_EQ(cnt[0], 10, "weight 1 backend: 10 of 30");
	ASSERT_EQ(cnt[1], 20, "weight 2 backend: 20 of 30");
	ASSERT_TRUE(max_run <= 2, "smooth: weight 2 backend never 3 times in a row");
	ASSERT_EQ(rr_pos(&v), k + 30, "wrr position +30");
}

/* Send a new flow, check it went where the model says, count it in the model. */
static bool lc_new_flow(const struct tvip *v, struct model *m, bool weighted, __u16 sport, int *got)
{
	int want = model_lc(v, m, weighted);
	int b = xmit(v, ipv4_addr(CLIENT), sport, PKT_TCP_SYN);

	*got = b;
	if (b < 0 || !ASSERT_EQ(b, want, WHAT("new flow sport %u: least loaded backend", sport)))
		return false;
	/* half-open (inactive, as LVS's SYN_RECV) until the client's ACK establishes it */
	m->inactive[b]++;
	if (!check_conns(v, m, WHAT("sport %u half-open", sport)))
		return false;
	if (!ASSERT_EQ(xmit(v, ipv4_addr(CLIENT), sport, PKT_TCP_ACK), b,
		       WHAT("sport %u: the handshake's ACK to the same backend", sport)))
		return false;
	m->inactive[b]--;
	m->active[b]++;
	return true;
}

static void case_lc(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	struct model m = {};
	int to[32], b, a, t0, t1, t2;
	struct tvip v;
	__u16 sport = 12000;

	if (!vip_make(&v, "10.0.0.103", 80, IPPROTO_TCP, XDPLB_SCHED_LC, 0, w, 3) ||
	    !ASSERT_EQ(v.len, 3, "lc list length"))
		return;
	t0 = bidx(&v, v.table[0]);
	t1 = bidx(&v, v.table[1]);
	t2 = bidx(&v, v.table[2]);
	/* 5 flows: every backend at 0, then first in list order: t0 t1 t2 t0 t1 */
	for (int i = 0; i < 5; i++) {
		if (!lc_new_flow(&v, &m, false, sport + i, &to[i]))
			return;
		ASSERT_EQ(to[i], i % 3 == 0 ? t0 : i % 3 == 1 ? t1 : t2, "spread in list order");
	}
	if (!check_conns(&v, &m, "5 syn"))
		return;
	ASSERT_EQ(m.active[t0], 2, "t0 has 2");
	ASSERT_EQ(m.active[t2], 1, "t2 has 1");

	/* close every flow of A = t0 (2 flows): A is at 0 * 256 + 2, the others at 256, 512 */
	a = t0;
	for (int i = 0; i < 5; i++) {
		if (to[i] != a)
			continue;
		b = xmit(&v, ipv4_addr(CLIENT), sport + i, PKT_TCP_FIN | PKT_TCP_ACK);
		ASSERT_EQ(b, a, "fin goes to the flow's backend");
		m.active[a]--;
		m.inactive[a]++;
	}
	if (!check_conns(&v, &m, "fin on A's flows"))
		return;
	/* A (2) < t2 (256) < t1 (512): A, then t2 (256 < 258), then A (258 < 512), ... */
	for (int i = 5; i < 5 + 12; i++) {
		if (!lc_new_flow(&v, &m, false, sport + i, &to[i]))
			return;
		if (!check_conns(&v, &m, WHAT("new flow %d after the fins", i - 4)))
			return;
	}
	ASSERT_EQ(to[5], a, "first flow after closing A's flows goes to A");
	ASSERT_EQ(to[6], t2, "then to t2 (256 < 256 + 2)");
	ASSERT_EQ(to[7], a, "then A again (258 < 512)");
	/* RST closes too; the counts follow */
	b = xmit(&v, ipv4_addr(CLIENT), sport + 6, PKT_TCP_RST);
	ASSERT_EQ(b, t2, "rst goes to the flow's backend");
	m.active[t2]--;
	m.inactive[t2]++;
	check_conns(&v, &m, "rst");
	ASSERT_EQ(lc_new_flow(&v, &m, false, sport + 20, &b), true, "flow after the rst");
	ASSERT_EQ(b, t2, "the rst backend is the least loaded now");
	check_conns(&v, &m, "flow after rst");
}

static void case_wlc(void)
{
	static const __u32 w[] = { 1, 3 };
	struct model m = {};
	struct tvip v;
	int b;

	if (!vip_make(&v, "10.0.0.104", 80, IPPROTO_TCP, XDPLB_SCHED_WLC, 0, w, 2) ||
	    !ASSERT_EQ(v.len, 2, "wlc list length"))
		return;
	for (int i = 0; i < 16; i++) {
		if (!lc_new_flow(&v, &m, true, 13000 + i, &b))
			return;
		if (!check_conns(&v, &m, WHAT("wlc flow %d", i)))
			return;
		if (i == 3 || i == 7 || i == 15) {
			ASSERT_EQ(m.active[0], (i + 1) / 4, "weight 1: a quarter");
			ASSERT_EQ(m.active[1], (i + 1) / 4 * 3, "weight 3: three quarters");
		}
	}
}

/* One connection: SYN and ACK, from @sport: its backend (counted active), or -1. */
static int open_conn(const struct tvip *v, __u16 sport)
{
	int b = xmit(v, ipv4_addr(CLIENT), sport, PKT_TCP_SYN);

	if (b < 0 || !ASSERT_EQ(xmit(v, ipv4_addr(CLIENT), sport, PKT_TCP_ACK), b,
				WHAT("sport %u: the ACK to the SYN's backend", sport)))
		return -1;
	return b;
}

/* Change @v's scheduler to @sched (its other settings kept). */
static bool set_sched(struct tvip *v, __u8 sched)
{
	struct xdplb_vip_key k = fx_vip_key(v->addr, v->port, v->proto);
	struct xdplb_vip p;

	if (!ASSERT_EQ(lb_vip_get(&fx.lb, &k, &p), 0, "vip get"))
		return false;
	p.sched = sched;
	if (!ASSERT_EQ(lb_vip_set(&fx.lb, &k, &p), 0, WHAT("vip set sched %u", sched)))
		return false;
	v->sched = sched;
	read_table(v);
	return true;
}

/* A VIP with connections changes to lc and back: lc starts from the connections it has (its
 * shared counts are the per-CPU counts of the moment), and schedules by them.  Backends 0 and 1
 * get at least 2 established connections each and backend 2 none (its are reset): lc's next
 * flows go to backend 2.  Counts started from 0 would send one of the first two elsewhere. */
static void case_sched_switch(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	struct model m = {};
	struct tvip v;
	int b;

	if (!vip_make(&v, "10.0.0.121", 80, IPPROTO_TCP, XDPLB_SCHED_MH, 0, w, 3))
		return;
	for (int i = 0; i < 200 && (m.active[0] < 2 || m.active[1] < 2); i++) {
		b = open_conn(&v, 14000 + i);
		if (b < 0)
			return;
		m.active[b]++;
		if (b == 2) {
			if (!ASSERT_EQ(xmit(&v, ipv4_addr(CLIENT), 14000 + i, PKT_TCP_RST), 2,
				       "the RST to the flow's backend"))
				return;
			m.active[2]--;
			m.inactive[2]++;
		}
	}
	if (!ASSERT_TRUE(m.active[0] >= 2 && m.active[1] >= 2, "mh spread the connections") ||
	    !check_conns(&v, &m, "mh, connections on backends 0 and 1"))
		return;
	if (!set_sched(&v, XDPLB_SCHED_LC) || !check_conns(&v, &m, "changed to lc"))
		return;
	for (int i = 0; i < 6; i++) {
		if (!lc_new_flow(&v, &m, false, 14300 + i, &b))
			return;
		if (i < 2)
			ASSERT_EQ(b, 2, WHAT("lc flow %d: to the backend without connections", i));
	}
	if (!check_conns(&v, &m, "lc, 6 new flows"))
		return;
	if (!set_sched(&v, XDPLB_SCHED_MH) || !check_conns(&v, &m, "back to mh"))
		return;
	b = open_conn(&v, 14400);
	if (b >= 0) {
		m.active[b]++;
		check_conns(&v, &m, "mh again: a connection");
	}
}

/* A connection opened on one CPU and closed on the other: each CPU's count moves, the sum is
 * the connection's state. */
static void case_cpu_split(void)
{
	static const __u32 w[] = { 1 };
	struct xdplb_conns c[256];
	struct model m = {};
	struct tvip v;
	int ncpu = libbpf_num_possible_cpus(), b;
	cpu_set_t saved;
	__u32 id;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || ncpu < 2 || ncpu > 256) {
		printf("# one CPU online: no second CPU to close the connections on\n");
		return;
	}
	if (!vip_make(&v, "10.0.0.122", 80, IPPROTO_TCP, XDPLB_SCHED_MH, 0, w, 1))
		return;
	id = v.real[0];
	if (!ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0, "affinity") ||
	    !ASSERT_EQ(fx_pin_cpu(0), 0, "on CPU 0"))
		return;
	for (int i = 0; i < 5; i++) {
		b = open_conn(&v, 15000 + i);
		if (!ASSERT_EQ(b, 0, "to the backend"))
			goto out;
		m.active[0]++;
	}
	if (!ASSERT_EQ(fx_pin_cpu(1), 0, "on CPU 1"))
		goto out;
	for (int i = 0; i < 3; i++) {
		if (!ASSERT_EQ(xmit(&v, ipv4_addr(CLIENT), 15000 + i, PKT_TCP_FIN | PKT_TCP_ACK), 0,
			       "the FIN to the flow's backend"))
			goto out;
		m.active[0]--;
		m.inactive[0]++;
	}
	if (!ASSERT_EQ(bpf_map_lookup_elem(fx.lb.fd.conns, &id, c), 0, "per-CPU counts"))
		goto out;
	ASSERT_EQ(c[0].active, 5, "CPU 0: 5 opened");
	ASSERT_EQ(c[0].inactive, 0, "CPU 0: none closed");
	ASSERT_EQ(c[1].active, -3, "CPU 1: 3 closed, out of active");
	ASSERT_EQ(c[1].inactive, 3, "CPU 1: into inactive");
	check_conns(&v, &m, "open on CPU 0, 3 closed on CPU 1");
out:
	sched_setaffinity(0, sizeof(saved), &saved);
}

static void case_sh(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	int seen[MAX_B] = {}, b0, b;
	struct tvip v;

	if (!vip_make(&v, "10.0.0.105", 80, IPPROTO_TCP, XDPLB_SCHED_SH, 0, w, 3))
		return;
	b0 = xmit(&v, ipv4_addr(CLIENT), 14000, PKT_TCP_SYN);
	if (b0 < 0)
		return;
	for (int i = 1; i < 50; i++)
		if (!ASSERT_EQ(xmit(&v, ipv4_addr(CLIENT), 14000 + i * 7, PKT_TCP_SYN), b0,
			       WHAT("same client, source port %d: same backend", 14000 + i * 7)))
			return;
	for (int c = 1; c <= 60; c++) {
		__be32 a = htonl(0xc6336400 + c); /* 198.51.100.c */

		b = xmit(&v, a, 15000, PKT_TCP_SYN);
		if (b < 0)
			return;
		seen[b]++;
		ASSERT_EQ(xmit(&v, a, 15001 + c, PKT_TCP_SYN), b,
			  WHAT("client 198.51.100.%d: second flow, same backend", c));
	}
	for (int i = 0; i < 3; i++)
		ASSERT_TRUE(seen[i] > 0, WHAT("60 clients: %s gets some", backend_addr(i)));
}

static void case_drain_remove(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	__be32 c = ipv4_addr(CLIENT);
	struct xdplb_traffic t0, t1;
	struct model m = {};
	struct tvip v;
	int to[16], b, n13 = 0;
	long nflows;
	__u16 sport = 16000;

	if (!vip_make(&v, "10.0.0.106", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 0, w, 3))
		return;
	for (int i = 0; i < 6; i++) {
		to[i] = xmit_est(&v, c, sport + i);
		if (to[i] < 0)
			return;
		m.active[to[i]]++;
	}
	if (!check_conns(&v, &m, "6 flows") || !ASSERT_EQ(m.active[1], 2, ".12 has 2 flows"))
		return;

	/* drain .12: its flows stay, it takes no new one */
	ASSERT_EQ(fx_real_weight(&fx, v.addr, 80, IPPROTO_TCP, "10.0.1.12", 0), 0, "w .12 = 0");
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(xmit(&v, c, sport + i, PKT_TCP_ACK), to[i], "established flow stays");
	check_conns(&v, &m, "after drain");
	for (int i = 6; i < 12; i++) {
		to[i] = xmit_est(&v, c, sport + i);
		if (to[i] < 0)
			return;
		ASSERT_TRUE(to[i] != 1, "no new flow to the draining backend");
		m.active[to[i]]++;
	}
	if (!check_conns(&v, &m, "new flows while draining"))
		return;
	ASSERT_EQ(m.active[0], 5, ".11: 2 + 3");
	ASSERT_EQ(m.active[2], 5, ".13: 2 + 3");

	/* remove .13: its flows move on their next packet; keep one of them untouched */
	t0 = vip_traffic(&v);
	ASSERT_EQ(fx_real_del(&fx, v.addr, 80, IPPROTO_TCP, "10.0.1.13"), 0, "del .13");
	for (int i = 0; i < 12; i++) {
		if (to[i] != 2)
			continue;
		if (++n13 == 5)
			break; /* the fifth flow of .13 stays idle */
		b = xmit(&v, c, sport + i, PKT_TCP_ACK);
		ASSERT_EQ(b, 0, "flow of the removed backend moves to the only live one (.11)");
		ASSERT_EQ(xmit(&v, c, sport + i, PKT_TCP_ACK), 0, "and stays there");
		m.active[0]++;
	}
	t1 = vip_traffic(&v);
	ASSERT_EQ(t1.resched - t0.resched, 4, "vip resched +4");
	ASSERT_EQ(t1.flows - t0.flows, 4, "moved flows are new flows of .11");
	m.active[2] = 0;
	m.inactive[2] = 0;
	{
		struct xdplb_conns c11 = fx_conns(&fx, v.real[0]), c12 = fx_conns(&fx, v.real[1]);

		ASSERT_EQ(c11.active, m.active[0], ".11 active: 5 own + 4 moved");
		ASSERT_EQ(c12.active, m.active[1], ".12 (draining) keeps its 2");
		ASSERT_EQ(c11.inactive + c12.inactive, 0, "no inactive flows");
	}
	for (int i = 0; i < 12; i++)
		if (to[i] == 1)
			ASSERT_EQ(xmit(&v, c, sport + i, PKT_TCP_ACK), 1, "draining flows stay");

	/* .13 again: it gets its old id with gen + 1 and zero counts; the idle flow of the
	 * previous holder is not its flow (gc drops it without counting it anywhere) */
	ASSERT_EQ(fx_real_add(&fx, v.addr, 80, IPPROTO_TCP, "10.0.1.13", 1), 0, "re-add .13");
	ASSERT_EQ(fx_real_id(&fx, v.id, "10.0.1.13"), v.real[2], ".13 reuses its id");
	m.active[2] = 0;
	check_conns(&v, &m, "after re-add");
	nflows = fx_flows_of_vip(&fx, v.id, NULL, NULL);
	ASSERT_EQ(lb_gc(&fx.lb, 0, NULL, NULL), 0, "gc");
	ASSERT_EQ(fx_flows_of_vip(&fx, v.id, NULL, NULL), nflows - 1,
		  "gc drops the flow of the earlier holder of the id");
	check_conns(&v, &m, "after gc");
}

/* Shared by the persistence cases. */
static struct tvip pv;

static void case_persist(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	__be32 c1 = ipv4_addr(CLIENT), c2 = ipv4_addr("192.0.2.2"), c3 = ipv4_addr("192.0.2.3");
	__u64 k;
	int b, b2, p1_old;

	if (!vip_make(&pv, "10.0.0.107", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 2, w, 3))
		return;
	k = rr_pos(&pv);
	p1_old = xmit(&pv, c1, 17000, PKT_TCP_SYN);
	if (!ASSERT_EQ(p1_old, bidx(&pv, pv.table[k % 3]), "first flow: rr"))
		return;
	for (int i = 1; i < 20; i++)
		if (!ASSERT_EQ(xmit(&pv, c1, 17000 + i, PKT_TCP_SYN), p1_old,
			       WHAT("persistent client, flow %d: same backend", i)))
			return;
	ASSERT_EQ(rr_pos(&pv), k + 1, "persistent flows do not advance rr");
	b2 = xmit(&pv, c2, 17000, PKT_TCP_SYN);
	ASSERT_EQ(b2, bidx(&pv, pv.table[(k + 1) % 3]), "another client: next rr backend");
	ASSERT_TRUE(b2 != p1_old, "another client, another backend");
	for (int i = 1; i < 5; i++)
		ASSERT_EQ(xmit(&pv, c2, 17000 + i, PKT_TCP_SYN), b2, "client 2 persistent too");

	/* make rr's next pick differ from client 1's backend */
	if (bidx(&pv, pv.table[rr_pos(&pv) % 3]) == p1_old)
		xmit(&pv, c3, 17000, PKT_TCP_SYN);
	k = rr_pos(&pv);
	sleep_ms(3000); /* persist 2 s: the entry expires */
	b = xmit(&pv, c1, 17100, PKT_TCP_SYN);
	ASSERT_EQ(b, bidx(&pv, pv.table[k % 3]), "after expiry: scheduled by rr again");
	ASSERT_TRUE(b != p1_old, "after expiry: another backend");
	ASSERT_EQ(rr_pos(&pv), k + 1, "rr advanced");
	for (int i = 1; i < 5; i++)
		ASSERT_EQ(xmit(&pv, c1, 17100 + i, PKT_TCP_SYN), b, "new persistence holds");
	ASSERT_EQ(rr_pos(&pv), k + 1, "rr not advanced by the persistent flows");
}

/*
 * A client's persistence must not follow the packets of its older flows.  Client C is on X;
 * X drains (weight 0), so C's next new flow goes elsewhere (Y) and C persists on Y.  X keeps
 * C's established flow; a packet of it (its atime more than 1 s old, so refreshed) must not
 * point C's persistence back at X, or C's new flows leave Y.
 */
static void case_persist_drain(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	__be32 c = ipv4_addr("192.0.2.9");
	int x, y, b;
	struct tvip v;

	if (!vip_make(&v, "10.0.0.113", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 300, w, 3))
		return;
	x = xmit(&v, c, 19000, PKT_TCP_SYN);
	if (x < 0 || !ASSERT_EQ(fx_real_weight(&fx, v.addr, 80, IPPROTO_TCP, backend_addr(x), 0), 0,
				"drain X"))
		return;
	sleep_ms(1100);
	y = xmit(&v, c, 19001, PKT_TCP_SYN);
	ASSERT_TRUE(y >= 0 && y != x, "new flow of the client leaves the draining backend");
	ASSERT_EQ(xmit(&v, c, 19002, PKT_TCP_SYN), y, "and the client persists on Y");
	ASSERT_EQ(xmit(&v, c, 19000, PKT_TCP_ACK), x, "established flow stays on X (drain)");
	for (int i = 0; i < 4; i++) {
		b = xmit(&v, c, 19003 + i, PKT_TCP_SYN);
		if (!ASSERT_EQ(b, y,
			       WHAT("new flow %d after a packet of the old flow: still Y", i)))
			break;
	}
}

/* A flow of a port-0 VIP whose tuple a new, more specific VIP takes over. */
static void case_superseded_vip(void)
{
	static const __u32 w[] = { 1 };
	__be32 c = ipv4_addr(CLIENT);
	struct tvip any, v443;
	__u64 nb0;
	int b, rv;

	if (!vip_make(&any, "10.0.0.108", 0, IPPROTO_TCP, XDPLB_SCHED_MH, 0, w, 1))
		return;
	if (xmit(&any, c, 18000, PKT_TCP_SYN) != 0) /* to 10.0.0.108:443 */
		return;
	if (!vip_make(&v443, "10.0.0.108", 443, IPPROTO_TCP, XDPLB_SCHED_MH, 0, w, 1))
		return;
	nb0 = fx_reason(&fx, XDPLB_R_DROP_NO_BACKEND);
	b = xmit_raw(&v443, c, 18000, PKT_TCP_ACK, &rv);
	ASSERT_EQ(fx_reason(&fx, XDPLB_R_DROP_NO_BACKEND) - nb0, 0, "no drop_no_backend");
	ASSERT_EQ(rv, XDP_TX,
		  "flow of the port-0 VIP, now matched by the :443 VIP: forwarded, not dropped");
	if (b >= 0) {
		struct xdplb_conns a = fx_conns(&fx, any.real[0]), s = fx_conns(&fx, v443.real[0]);

		ASSERT_EQ(a.active + s.active, 1, "the flow is counted once");
	}
}

#define DRIFT_N 100000

static int drift_to[DRIFT_N];

static __be32 drift_src(int i)
{
	return htonl(0xc6120000 + i / 1000);
} /* 198.18.x.y */
static __u16 drift_port(int i)
{
	return 20000 + i % 1000;
}

static void case_drift(void)
{
	static const __u32 w[] = { 1, 2, 3 };
	__u64 scanned = 0, expired = 0, now;
	struct xdplb_traffic t0, t1;
	struct model m = {};
	long nf, na, ni;
	struct tvip v;
	int b, bad = 0;

	purge_all("before");
	if (!vip_make(&v, "10.0.0.109", 80, IPPROTO_TCP, XDPLB_SCHED_WLC, 0, w, 3))
		return;
	t0 = vip_traffic(&v);
	for (int i = 0; i < DRIFT_N; i++) {
		__u8 close = i % 5 == 4 ? PKT_TCP_RST : PKT_TCP_FIN | PKT_TCP_ACK;
		int want = model_lc(&v, &m, true);

		b = xmit(&v, drift_src(i), drift_port(i), PKT_TCP_SYN);
		if (b < 0 || !ASSERT_EQ(b, want, WHAT("connection %d: wlc choice", i)))
			return;
		if (!ASSERT_EQ(xmit(&v, drift_src(i), drift_port(i), close), b,
			       WHAT("connection %d: close to the same backend", i)))
			return;
		drift_to[i] = b;
		m.inactive[b]++;
	}
	t1 = vip_traffic(&v);
	ASSERT_EQ(t1.flows - t0.flows, DRIFT_N, "vip flows +100000");
	ASSERT_EQ(t1.packets - t0.packets, 2 * DRIFT_N, "vip packets +200000");
	if (!check_conns(&v, &m, "100000 closed connections"))
		return;
	for (int i = 0; i < 3; i++) {
		struct xdplb_traffic rt = {};

		lb_read_real_traffic(&fx.lb, v.real[i], &rt);
		ASSERT_EQ(rt.flows, m.inactive[i], WHAT("%s: real_stats flows", backend_addr(i)));
		ASSERT_EQ(rt.packets, 2 * m.inactive[i], WHAT("%s: packets", backend_addr(i)));
	}
	for (int i = 0; i < 3; i++)
		bad += llabs(m.inactive[i] - (__s64)DRIFT_N * w[i] / 6) > 1;
	ASSERT_EQ(bad, 0, "wlc 1:2:3 shares within 1 of 1/6, 2/6, 3/6");
	nf = fx_flows_of_vip(&fx, v.id, &na, &ni);
	ASSERT_EQ(nf, DRIFT_N, "flow entries");
	ASSERT_EQ(ni, DRIFT_N, "all inactive");

	/* port reuse: a SYN on a closed tuple opens it again on the same backend, half-open
	 * (still inactive) until the client's ACK */
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(xmit(&v, drift_src(i), drift_port(i), PKT_TCP_SYN), drift_to[i],
			  "reused tuple: same backend");
		ASSERT_EQ(xmit(&v, drift_src(i), drift_port(i), PKT_TCP_ACK), drift_to[i],
			  "reused tuple: its ACK too");
		m.inactive[drift_to[i]]--;
		m.active[drift_to[i]]++;
	}
	check_conns(&v, &m, "3 reused tuples");
	ASSERT_EQ(xmit(&v, drift_src(0), drift_port(0), PKT_TCP_FIN | PKT_TCP_ACK), drift_to[0],
		  "reused tuple closed again");
	m.active[drift_to[0]]--;
	m.inactive[drift_to[0]]++;
	check_conns(&v, &m, "reused tuple closed");
	ASSERT_EQ(vip_traffic(&v).flows, t1.flows, "reuse is no new flow");

	/* gc beyond tcpfin (120 s), before tcp (900 s): only the 2 active flows stay */
	now = fx_coarse_now();
	ASSERT_EQ(lb_gc(&fx.lb, now + 200 * NS, &scanned, &expired), 0, "gc +200 s");
	ASSERT_EQ(scanned, DRIFT_N, "gc scanned");
	ASSERT_EQ(expired, DRIFT_N - 2, "gc expired the closed flows");
	memset(m.inactive, 0, sizeof(m.inactive));
	check_conns(&v, &m, "gc +200 s");
	nf = fx_flows_of_vip(&fx, v.id, &na, &ni);
	ASSERT_EQ(nf, 2, "2 flows left");
	ASSERT_EQ(na, 2, "both active");
	ASSERT_EQ(lb_gc(&fx.lb, now + 1000 * NS, &scanned, &expired), 0, "gc +1000 s");
	ASSERT_EQ(expired, 2, "gc expired the active flows");
	memset(m.active, 0, sizeof(m.active));
	check_conns(&v, &m, "gc +1000 s");
	ASSERT_EQ(fx_flows_of_vip(&fx, v.id, NULL, NULL), 0, "no flow of the VIP left");
}

/* The TCP timeout down to 1 s; *@saved gets the config to put back.  false on failure. */
static bool short_tcp_timeout(struct xdplb_config *saved)
{
	struct xdplb_config cfg;

	if (!ASSERT_EQ(lb_config_get(&fx.lb, saved), 0, "config"))
		return false;
	cfg = *saved;
	cfg.tcp_timeout = 1;
	return ASSERT_EQ(lb_config_set(&fx.lb, &cfg), 0, "tcp timeout 1 s");
}

/* Two CPUs send SYN then FIN on the same tuples at the same time. */
#define CONC_N 30000

struct conc_arg {
	const struct tvip *v;
	int cpu, errors;
	pthread_barrier_t *bar;
	signed char to[CONC_N];
};

static void *conc_thread(void *p)
{
	struct conc_arg *a = p;
	__u8 fin = PKT_TCP_FIN | PKT_TCP_ACK;
	cpu_set_t set;
	int rv, b;

	CPU_ZERO(&set);
	CPU_SET(a->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_barrier_wait(a->bar);
	for (int i = 0; i < CONC_N; i++) {
		b = xmit_raw(a->v, drift_src(i), drift_port(i), PKT_TCP_SYN, &rv);
		a->errors += b < 0 || xmit_raw(a->v, drift_src(i), drift_port(i), fin, &rv) != b;
		a->to[i] = b;
	}
	return NULL;
}

static void case_concurrent(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	static struct conc_arg args[2];
	pthread_barrier_t bar;
	pthread_t th[2];
	struct model m = {};
	struct tvip v;
	long nf, na, ni;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int differ = 0;

	if (ncpu < 2)
		printf("# one CPU online: both threads of the concurrent case share it\n");
	if (!vip_make(&v, "10.0.0.110", 80, IPPROTO_TCP, XDPLB_SCHED_LC, 0, w, 3))
		return;
	pthread_barrier_init(&bar, NULL, 2);
	for (int t = 0; t < 2; t++) {
		args[t].v = &v;
		args[t].cpu = ncpu < 2 ? 0 : t;
		args[t].errors = 0;
		args[t].bar = &bar;
		pthread_create(&th[t], NULL, conc_thread, &args[t]);
	}
	for (int t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&bar);
	ASSERT_EQ(args[0].errors + args[1].errors, 0,
		  "every packet forwarded, the fin to the syn's backend");
	for (int i = 0; i < CONC_N; i++) {
		differ += args[0].to[i] != args[1].to[i];
		if (args[0].to[i] >= 0)
			m.inactive[(int)args[0].to[i]]++;
	}
	ASSERT_EQ(differ, 0, "both CPUs saw the same backend for each tuple");
	check_conns(&v, &m, "concurrent syn/fin");
	nf = fx_flows_of_vip(&fx, v.id, &na, &ni);
	ASSERT_EQ(nf, CONC_N, "one entry per tuple");
	ASSERT_EQ(ni, CONC_N, "all inactive (each tuple's last packet was a fin)");
}

static void case_udp_gc(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	__u64 scanned = 0, expired = 0, now;
	struct xdplb_config cfg;
	struct model m = {};
	struct tvip v;
	int b;

	purge_all("before");
	if (!vip_make(&v, "10.0.0.111", 53, IPPROTO_UDP, XDPLB_SCHED_MH, 0, w, 3) ||
	    !ASSERT_EQ(lb_config_get(&fx.lb, &cfg), 0, "config"))
		return;
	for (int i = 0; i < 30; i++) {
		b = xmit(&v, ipv4_addr(CLIENT), 30000 + i, 0);
		if (b < 0)
			return;
		m.inactive[b]++;
		ASSERT_EQ(xmit(&v, ipv4_addr(CLIENT), 30000 + i, 0), b, "second datagram");
	}
	if (!check_conns(&v, &m, "30 udp flows"))
		return;
	now = fx_coarse_now();
	ASSERT_EQ(lb_gc(&fx.lb, now + (cfg.udp_timeout - 5) * NS, &scanned, &expired), 0, "gc");
	ASSERT_EQ(scanned, 30, "gc before expiry: scanned");
	ASSERT_EQ(expired, 0, "gc before expiry: nothing expires");
	check_conns(&v, &m, "gc before expiry");
	/* + 2 s: timeouts may get a 1 s slack for the atime written at most once a second */
	ASSERT_EQ(lb_gc(&fx.lb, now + (cfg.udp_timeout + 2) * NS, &scanned, &expired), 0, "gc");
	ASSERT_EQ(expired, 30, "gc after udp timeout: all expire");
	memset(&m, 0, sizeof(m));
	check_conns(&v, &m, "gc after expiry");
	ASSERT_EQ(fx_flows_of_vip(&fx, v.id, NULL, NULL), 0, "no flow left");
}

/* Half-open flows (a SYN, no ACK yet) go after the synrecv timeout (60 s, LVS's SYN_RECV), not
 * after tcpfin's 120 s: unanswered SYNs leave InActConn, and so lc and wlc, within a minute.
 * Established and closed flows keep their own timeouts. */
static void case_synrecv_gc(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	__u64 scanned = 0, expired = 0, now;
	struct xdplb_config cfg;
	struct model m = {};
	struct tvip v;
	int b;

	purge_all("before");
	if (!vip_make(&v, "10.0.0.120", 80, IPPROTO_TCP, XDPLB_SCHED_MH, 0, w, 3) ||
	    !ASSERT_EQ(lb_config_get(&fx.lb, &cfg), 0, "config") ||
	    !ASSERT_EQ(cfg.synrecv_timeout, XDPLB_DEF_SYNRECV_TIMEOUT, "synrecv timeout default"))
		return;
	for (int i = 0; i < 30; i++) { /* 20 half-open, 5 established, 5 closed */
		b = xmit(&v, ipv4_addr(CLIENT), 31000 + i, PKT_TCP_SYN);
		if (b < 0)
			return;
		if (i < 20) {
			m.inactive[b]++;
			continue;
		}
		ASSERT_EQ(xmit(&v, ipv4_addr(CLIENT), 31000 + i, PKT_TCP_ACK), b, "its ACK");
		if (i >= 25)
			ASSERT_EQ(xmit(&v, ipv4_addr(CLIENT), 31000 + i, PKT_TCP_FIN | PKT_TCP_ACK),
				  b, "its FIN");
		if (i >= 25)
			m.inactive[b]++;
		else
			m.active[b]++;
	}
	if (!check_conns(&v, &m, "20 half-open, 5 established, 5 closed"))
		return;
	now = fx_coarse_now();
	ASSERT_EQ(lb_gc(&fx.lb, now + (cfg.synrecv_timeout - 5) * NS, &scanned, &expired), 0, "gc");
	ASSERT_EQ(expired, 0, "gc before the synrecv timeout: nothing expires");
	/* + 2 s: the 1 s slack of an atime written at most once a second */
	ASSERT_EQ(lb_gc(&fx.lb, now + (cfg.synrecv_timeout + 2) * NS, &scanned, &expired), 0, "gc");
	ASSERT_EQ(expired, 20, "gc after the synrecv timeout: the 20 half-open flows expire");
	ASSERT_EQ(lb_gc(&fx.lb, now + (cfg.tcpfin_timeout + 2) * NS, &scanned, &expired), 0, "gc");
	ASSERT_EQ(expired, 5, "gc after the tcpfin timeout: the 5 closed flows expire");
	memset(m.inactive, 0, sizeof(m.inactive));
	check_conns(&v, &m, "the established flows stay");
	ASSERT_EQ(fx_flows_of_vip(&fx, v.id, NULL, NULL), 5, "5 flows left");
}

static void case_flush(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	struct model m = {};
	struct tvip a, b;
	__u64 flushed = 0;
	int k;

	purge_all("before");
	if (!vip_make(&a, "10.0.0.115", 80, IPPROTO_TCP, XDPLB_SCHED_MH, 0, w, 3) ||
	    !vip_make(&b, "10.0.0.116", 80, IPPROTO_TCP, XDPLB_SCHED_MH, 0, w, 3))
		return;
	for (int i = 0; i < 20; i++) {
		if (xmit_est(&a, ipv4_addr(CLIENT), 31000 + i) < 0)
			return;
		k = xmit_est(&b, ipv4_addr(CLIENT), 31000 + i);
		if (k < 0)
			return;
		m.active[k]++;
	}
	/* flush one VIP: its flows are counted out and gone, the other's untouched */
	ASSERT_EQ(lb_flow_flush(&fx.lb, a.id, &flushed), 0, "flush vip a");
	ASSERT_EQ(flushed, 20, "20 flows flushed");
	ASSERT_EQ(fx_flows_of_vip(&fx, a.id, NULL, NULL), 0, "vip a: no flow left");
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(fx_conns(&fx, a.real[i]).active, 0, "vip a: active back to 0");
		ASSERT_EQ(fx_conns(&fx, a.real[i]).inactive, 0, "vip a: inactive 0");
	}
	ASSERT_EQ(fx_flows_of_vip(&fx, b.id, NULL, NULL), 20, "vip b: its 20 flows stay");
	check_conns(&b, &m, "vip b untouched");
	/* flush all */
	ASSERT_EQ(lb_flow_flush(&fx.lb, 0, &flushed), 0, "flush all");
	ASSERT_EQ(flushed, 20, "the other 20 flushed");
	memset(&m, 0, sizeof(m));
	check_conns(&b, &m, "vip b after flush all");
}

static void case_timeout_path(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	struct xdplb_config saved;
	struct xdplb_traffic t0, t1;
	__u64 scanned = 0, expired = 0, k;
	__be32 c = ipv4_addr(CLIENT);
	struct model m = {};
	struct tvip v;
	int f, h, f2;

	purge_all("before");
	if (!vip_make(&v, "10.0.0.112", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 0, w, 3) ||
	    !short_tcp_timeout(&saved))
		return;
	k = rr_pos(&v);
	f = xmit_est(&v, c, 31000); /* table[k] */
	h = xmit_est(&v, c, 31001); /* table[k + 1] */
	if (f < 0 || h < 0)
		goto out;
	m.active[f]++;
	m.active[h]++;
	check_conns(&v, &m, "2 flows");
	sleep_ms(2500); /* idle > tcp timeout + 1 s */
	t0 = vip_traffic(&v);
	f2 = xmit(&v, c, 31000, PKT_TCP_ACK);
	t1 = vip_traffic(&v);
	ASSERT_EQ(t1.flows - t0.flows, 1, "idle flow's next packet is a new flow");
	ASSERT_EQ(t1.resched - t0.resched, 0, "a timeout is no resched");
	ASSERT_EQ(f2, bidx(&v, v.table[(k + 2) % 3]), "scheduled again: next rr backend");
	ASSERT_TRUE(f2 != f, "and so another backend");
	m.active[f]--;
	m.active[f2]++;
	check_conns(&v, &m, "idle flow counted out and in again");
	/* the gc expires the other idle flow, not the refreshed one */
	ASSERT_EQ(lb_gc(&fx.lb, 0, &scanned, &expired), 0, "gc now");
	ASSERT_EQ(scanned, 2, "gc scanned 2");
	ASSERT_EQ(expired, 1, "gc expired the idle flow");
	m.active[h]--;
	check_conns(&v, &m, "gc of the idle flow");
	ASSERT_EQ(fx_flows_of_vip(&fx, v.id, NULL, NULL), 1, "1 flow left");
out:
	lb_config_set(&fx.lb, &saved);
}

/* Under tcp timeout 1 s, a flow with a packet every 0.7 s is never idle for 1 s: it must keep
 * its backend (rr would give a rescheduled flow another one). */
static void case_timeout_busy(void)
{
	static const __u32 w[] = { 1, 1, 1 };
	struct xdplb_config saved;
	struct xdplb_traffic t0, t1;
	__be32 c = ipv4_addr(CLIENT);
	struct tvip v;
	int f;

	if (!vip_make(&v, "10.0.0.114", 80, IPPROTO_TCP, XDPLB_SCHED_RR, 0, w, 3) ||
	    !short_tcp_timeout(&saved))
		return;
	f = xmit(&v, c, 32000, PKT_TCP_SYN);
	t0 = vip_traffic(&v);
	for (int i = 0; i < 3 && f >= 0; i++) {
		sleep_ms(700);
		if (!ASSERT_EQ(
			xmit(&v, c, 32000, PKT_TCP_ACK), f,
			WHAT("packet %d, 0.7 s after the previous one: same backend", i + 1)))
			break;
	}
	t1 = vip_traffic(&v);
	ASSERT_EQ(t1.flows - t0.flows, 0, "no new flow");
	lb_config_set(&fx.lb, &saved);
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup_sized(&fx, FLOW_TABLE, false)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("rr: new flows in table order, from the rr position", case_rr);
	RUN_CASE("wrr 1:2: 10 and 20 of 30, no run of 3", case_wrr);
	RUN_CASE("lc: least active*256+inactive, counts exact after syn/fin/rst", case_lc);
	RUN_CASE("wlc 1:3: active counts 1:3", case_wlc);
	RUN_CASE("mh to lc with connections: lc starts from their counts; and back",
		 case_sched_switch);
	RUN_CASE("opened on CPU 0, closed on CPU 1: per-CPU counts, sums exact", case_cpu_split);
	RUN_CASE("sh: one client one backend, clients spread", case_sh);
	RUN_CASE("drain keeps flows, removal moves them (resched), re-add starts at 0",
		 case_drain_remove);
	RUN_CASE("persistence 2 s under rr, and its expiry", case_persist);
	RUN_CASE("persistence survives a packet of a flow on a draining backend",
		 case_persist_drain);
	RUN_CASE("flow of a port-0 VIP superseded by a port VIP", case_superseded_vip);
	RUN_CASE("100000 connections (fin/rst, reuse): counts exact, gc back to 0", case_drift);
	RUN_CASE("2 CPUs, same tuples: each flow counted once", case_concurrent);
	RUN_CASE("udp flows inactive; gc before/after udp timeout", case_udp_gc);
	RUN_CASE("half-open flows expire after synrecv, before tcpfin", case_synrecv_gc);
	RUN_CASE("flow flush of one vip, then of all: counted out", case_flush);
	RUN_CASE("tcp timeout in the packet path: idle flow scheduled again", case_timeout_path);
	RUN_CASE("tcp timeout 1 s: a flow with a packet every 0.7 s keeps its backend",
		 case_timeout_busy);
	RUN_CASE("full gc: every backend of every VIP back to 0", purge_all, "end");
	return TEST_MAIN_END();
}
