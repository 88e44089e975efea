/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file tests the scheduler table builders: rr/lc/wlc lists, wrr sequences, mh/sh, errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>

#include "test.h"
#include "backends.h"
#include "xdplb_consts.h"
#include "sched/sched.h"

#define M	  65537
#define SMALL_M	  251
#define MAX_N	  1000
#define SHARE_TOL 0.02 /* relative deviation allowed from a scaled wrr share */

static __u32 table_a[XDPLB_MAX_RING_SIZE], table_b[XDPLB_MAX_RING_SIZE];
static unsigned int counts[MAX_N + 1];

/* xorshift64: fixed seeds, so that failures reproduce. */
static __u64 next_rand(__u64 *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 7;
	*seed ^= *seed << 17;
	return *seed;
}

static void shuffle(struct maglev_backend *b, int n, __u64 seed)
{
	struct maglev_backend tmp;
	int i, j;

	for (i = n - 1; i > 0; i--) {
		j = next_rand(&seed) % (i + 1);
		tmp = b[i];
		b[i] = b[j];
		b[j] = tmp;
	}
}

/* count_ids() into counts[]. */
static unsigned int count_entries(const __u32 *t, __u32 len, int n)
{
	return count_ids(t, len, n, counts, sizeof(counts) / sizeof(counts[0]));
}

/* Number of non-zero entries in t[from..to-1]. */
static __u32 nonzero(const __u32 *t, __u32 from, __u32 to)
{
	__u32 s, cnt = 0;

	for (s = from; s < to; s++)
		cnt += t[s] != 0;
	return cnt;
}

/* Longest run of id in the cyclic sequence t[0..len-1], as the data plane's counter sees it. */
static __u32 max_cyclic_run(const __u32 *t, __u32 len, __u32 id)
{
	__u32 s, run = 0, best = 0;

	for (s = 0; s < 2 * len; s++) {
		run = t[s % len] == id ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best > len ? len : best;
}

static __u64 gcd(__u64 a, __u64 b)
{
	while (b) {
		__u64 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The picks table[c % len] for c = 0, 1, ...: every window of len consecutive picks must hold
 * backend i exactly want[i] times (want indexed by id).
 */
static void check_windows(const __u32 *t, __u32 len, int n, const unsigned int *want)
{
	static unsigned int win[MAX_N + 1];
	char what[96];
	__u32 c;
	int i, bad = 0;

	memset(win, 0, sizeof(win));
	for (c = 0; c < len; c++)
		win[t[c]]++;
	for (c = len; c <= 2 * len; c++) { /* window [c - len, c) */
		for (i = 1; i <= n && !bad; i++) {
			if (win[i] != want[i]) {
				snprintf(what, sizeof(what),
					 "window at %u: id %d appears %u times, want %u", c - len,
					 i, win[i], want[i]);
				ASSERT_TRUE(0, what);
				bad = 1;
			}
		}
		win[t[(c - len) % len]]--;
		win[t[c % len]]++;
	}
}

/* Smoothness: over any window of k consecutive picks, backend i gets k * w_i / L picks, give
 * or take the largest deviation returned here (over all k and all start positions).
 */
static double max_window_deviation(const __u32 *t, __u32 len, int n, const unsigned int *want)
{
	double worst = 0, dev;
	__u32 start, k;
	unsigned int got;
	int i;

	for (i = 1; i <= n; i++) {
		for (start = 0; start < len; start++) {
			got = 0;
			for (k = 1; k <= len; k++) {
				got += t[(start + k - 1) % len] == (__u32)i;
				dev = got - (double)k * want[i] / len;
				if (dev < 0)
					dev = -dev;
				if (dev > worst)
					worst = dev;
			}
		}
	}
	return worst;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Three active backends with chosen keys plus a drained one; the list is in key order. */
static const struct maglev_backend list_set[] = {
	{ .id = 1, .weight = 1, .key = 30 },
	{ .id = 2, .weight = 5, .key = 10 },
	{ .id = 3, .weight = 0, .key = 5 }, /* drained: not listed */
	{ .id = 4, .weight = 2, .key = 20 },
};
static const __u32 list_want[] = { 2, 4, 1 };

/* Next permutation of p[0..n-1] in lexicographic order; 0 after the last one. */
static int next_perm(int *p, int n)
{
	int i = n - 2, j = n - 1, tmp;

	while (i >= 0 && p[i] > p[i + 1])
		i--;
	if (i < 0)
		return 0;
	while (p[j] < p[i])
		j--;
	tmp = p[i];
	p[i] = p[j];
	p[j] = tmp;
	for (i++, j = n - 1; i < j; i++, j--) {
		tmp = p[i];
		p[i] = p[j];
		p[j] = tmp;
	}
	return 1;
}

static void test_list(int sched)
{
	struct maglev_backend b[4];
	int perm[4] = { 0, 1, 2, 3 }, np = 0, i;

	/* All 24 orders of the input give the same table. */
	do {
		np++;
		for (i = 0; i < 4; i++)
			b[i] = list_set[perm[i]];
		memset(table_a, 0xff, SMALL_M * sizeof(*table_a));
		if (!ASSERT_EQ(sched_build(sched, b, 4, SMALL_M, table_a), 3, "L"))
			return;
		ASSERT_BYTES(table_a, 3 * sizeof(*table_a), list_want, sizeof(list_want),
			     "table in key order");
		ASSERT_EQ(nonzero(table_a, 3, SMALL_M), 0, "entries past L are 0");
	} while (next_perm(perm, 4));
	ASSERT_EQ(np, 24, "orders tried");

	/* Equal keys: ordered by id. */
	b[0] = (struct maglev_backend){ .id = 9, .weight = 1, .key = 7 };
	b[1] = (struct maglev_backend){ .id = 8, .weight = 1, .key = 7 };
	b[2] = (struct maglev_backend){ .id = 10, .weight = 1, .key = 6 };
	ASSERT_EQ(sched_build(sched, b, 3, SMALL_M, table_a), 3, "L, equal keys");
	ASSERT_BYTES(table_a, 3 * sizeof(*table_a), ((const __u32[]){ 10, 8, 9 }),
		     3 * sizeof(__u32), "equal keys ordered by id");
}

/* Build wrr for weights w (ids 1..n), check L, the per-window counts and the table's ids;
 * returns L.
 */
static __u32 build_wrr(const __u32 *w, int n, __u32 ring, __u32 want_len, const char *label)
{
	struct maglev_backend b[MAX_N];
	unsigned int want[MAX_N + 1] = {};
	__u64 g = 0;
	int i, len;

	make_backends(b, n, w, n);
	for (i = 0; i < n; i++)
		g = gcd(g, w[i]);
	for (i = 0; i < n; i++)
		want[i + 1] = g ? w[i] / g : 0;
	len = sched_build(XDPLB_SCHED_WRR, b, n, ring, table_a);
	ASSERT_EQ(len, want_len, label);
	if (len <= 0)
		return 0;
	ASSERT_EQ(count_entries(table_a, len, n), 0, "entries without a valid id");
	ASSERT_EQ(nonzero(table_a, len, ring), 0, "entries past L are 0");
	check_windows(table_a, len, n, want);
	return len;
}

static void test_wrr_1_2(void)
{
	static const __u32 w[] = { 1, 2 };
	__u32 len = build_wrr(w, 2, SMALL_M, 3, "L for 1:2");

	if (len == 3)
		ASSERT_EQ(max_cyclic_run(table_a, len, 2), 2,
			  "longest run of the weight-2 backend");
}

static void test_wrr_runs(const __u32 *w, int n, __u32 want_len, const __u32 *max_run)
{
	char what[96];
	__u32 len = build_wrr(w, n, M, want_len, "L"), run;
	int i;

	if (!len)
		return;
	for (i = 0; i < n; i++) {
		run = max_cyclic_run(table_a, len, i + 1);
		snprintf(what, sizeof(what), "id %d weight %u: longest cyclic run %u <= %u", i + 1,
			 w[i], run, max_run[i]);
		ASSERT_TRUE(run <= max_run[i], what);
	}
}

/* Backend i's longest cyclic run is at most one more than the least possible, ceil(w_i / (L -
 * w_i)), and no window of picks strays by more than 2 picks from its share.
 */
static void test_wrr_smooth(const __u32 *w, int n)
{
	unsigned int want[MAX_N + 1] = {};
	__u32 len, run, best, wi;
	double dev;
	char what[128];
	__u64 g = 0;
	int i;

	for (i = 0; i < n; i++)
		g = gcd(g, w[i]);
	for (i = 0, len = 0; i < n; i++)
		len += w[i] / g;
	if (build_wrr(w, n, M, len, "L") != len)
		return;
	for (i = 0; i < n; i++) {
		wi = w[i] / g;
		want[i + 1] = wi;
		if (wi == len)
			continue;
		best = (wi + (len - wi) - 1) / (len - wi);
		run = max_cyclic_run(table_a, len, i + 1);
		snprintf(what, sizeof(what), "id %d weight %u of L %u: longest run %u, least %u",
			 i + 1, wi, len, run, best);
		ASSERT_TRUE(run <= best + 1, what);
	}
	dev = max_window_deviation(table_a, len, n, want);
	printf("  %s: L = %u, largest window deviation from the share %.2f picks\n", case_name, len,
	       dev);
	snprintf(what, sizeof(what), "window deviation %.2f <= 2", dev);
	ASSERT_TRUE(dev <= 2, what);
}

static void test_wrr_gcd(void)
{
	static const __u32 w12[] = { 1, 2 }, w100[] = { 100, 200 };
	static __u32 t12[3];

	build_wrr(w12, 2, SMALL_M, 3, "L for 1:2");
	memcpy(t12, table_a, sizeof(t12));
	build_wrr(w100, 2, SMALL_M, 3, "L for 100:200");
	ASSERT_BYTES(table_a, sizeof(t12), t12, sizeof(t12), "100:200 is the table of 1:2");
	build_wrr((const __u32[]){ 65535, 65535, 65535 }, 3, SMALL_M, 3, "L for 3 x 65535");
}

/* sum(w) > ring: the weights are scaled down; shares stay within SHARE_TOL of the weights. */
static void test_wrr_scaled(const __u32 *w, int n, __u32 ring, __u32 min_len)
{
	struct maglev_backend b[MAX_N];
	double share, expected, dev, worst = 0, ms;
	__u64 sum = 0;
	char what[128];
	int i, len;

	make_backends(b, n, w, n);
	for (i = 0; i < n; i++)
		sum += w[i];
	ms = now_ms();
	len = sched_build(XDPLB_SCHED_WRR, b, n, ring, table_a);
	ms = now_ms() - ms;
	snprintf(what, sizeof(what), "L = %d in [%u, %u]", len, min_len, ring);
	ASSERT_TRUE(len >= (int)min_len && len <= (int)ring, what);
	if (len <= 0)
		return;
	ASSERT_EQ(count_entries(table_a, len, n), 0, "entries without a valid id");
	ASSERT_EQ(nonzero(table_a, len, ring), 0, "entries past L are 0");
	check_windows(table_a, len, n, counts);
	for (i = 0; i < n; i++) {
		share = (double)counts[i + 1] / len;
		expected = (double)w[i] / sum;
		dev = share > expected ? (share - expected) / expected
				       : (expected - share) / expected;
		if (dev > worst)
			worst = dev;
		snprintf(what, sizeof(what), "id %d weight %u: %u of %d slots, share %.4f vs %.4f",
			 i + 1, w[i], counts[i + 1], len, share, expected);
		ASSERT_TRUE(dev <= SHARE_TOL, what);
	}
	printf("  %s: L = %d, worst relative share deviation %.3f%%, build %.2f ms\n", case_name,
	       len, worst * 100, ms);
}

/* Weights too small to scale proportionally still get one slot each: 65535:1:1:1 in 251 slots
 * is 248:1:1:1.
 */
static void test_wrr_scaled_floor(void)
{
	static const __u32 w[] = { 65535, 1, 1, 1 };
	static const unsigned int want[] = { 0, 248, 1, 1, 1 };
	struct maglev_backend b[4];
	int i, len;

	make_backends(b, 4, w, 4);
	len = sched_build(XDPLB_SCHED_WRR, b, 4, SMALL_M, table_a);
	if (!ASSERT_EQ(len, SMALL_M, "L"))
		return;
	ASSERT_EQ(count_entries(table_a, len, 4), 0, "entries without a valid id");
	for (i = 1; i <= 4; i++)
		ASSERT_EQ(counts[i], want[i], "slots");
	check_windows(table_a, len, 4, want);
}

static int cmp_key_id(const void *pa, const void *pb)
{
	const struct maglev_backend *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The definition of wrr, run naively: smooth weighted round robin (nginx) over the groups of
 * backends of equal weight, every group's current scanned at every step, ties to the group
 * whose first backend comes first in (key, id) order, members of a group in turn in that
 * order.  Weights must sum to at most the ring (no scaling).  Returns L.
 */
static __u32 wrr_reference(const struct maglev_backend *in, int n, __u32 *out)
{
	static struct maglev_backend b[MAX_N];
	static __u32 gw[MAX_N], gsize[MAX_N], gturn[MAX_N], gmem[MAX_N][MAX_N];
	static long long cur[MAX_N];
	__u32 len = 0, ngrp = 0, k, best, pos;
	__u64 g = 0;
	int i, cnt = 0;

	for (i = 0; i < n; i++)
		if (in[i].weight)
			b[cnt++] = in[i];
	qsort(b, cnt, sizeof(*b), cmp_key_id);
	for (i = 0; i < cnt; i++)
		g = gcd(g, b[i].weight);
	if (!g)
		return 0; /* no backend with weight > 0 */
	for (i = 0; i < cnt; i++) {
		b[i].weight /= g;
		len += b[i].weight;
		for (k = 0; k < ngrp && gw[k] != b[i].weight; k++)
			;
		if (k == ngrp) {
			gw[ngrp] = b[i].weight;
			gsize[ngrp] = gturn[ngrp] = 0;
			cur[ngrp++] = 0;
		}
		gmem[k][gsize[k]++] = b[i].id;
	}
	for (pos = 0; pos < len; pos++) {
		for (k = 0; k < ngrp; k++)
			cur[k] += (long long)gw[k] * gsize[k];
		for (k = 1, best = 0; k < ngrp; k++)
			if (cur[k] > cur[best])
				best = k;
		cur[best] -= len;
		out[pos] = gmem[best][gturn[best]];
		gturn[best] = (gturn[best] + 1) % gsize[best];
	}
	return len;
}

/* Random weight sets (xorshift64, fixed seeds): the table equals the naive definition. */
static void test_wrr_reference(int n, __u32 wmax, int distinct, __u32 ring, int rounds)
{
	static struct maglev_backend b[MAX_N];
	static unsigned int want[MAX_N + 1];
	__u32 pool[8], len;
	__u64 seed = 0x853c49e6748fea9bULL * (n + wmax), g;
	char what[96];
	int r, i;

	for (r = 0; r < rounds; r++) {
		make_backends(b, n, (const __u32[]){ 1 }, 1);
		for (i = 0; i < 8; i++)
			pool[i] = next_rand(&seed) % (wmax + 1); /* 0 drains the backend */
		/* Any weight, or few distinct ones (large groups of equal weight). */
		for (i = 0; i < n; i++)
			b[i].weight =
			    distinct ? next_rand(&seed) % (wmax + 1) : pool[next_rand(&seed) % 8];
		len = wrr_reference(b, n, table_b);
		snprintf(what, sizeof(what), "round %d: L", r);
		if (!ASSERT_EQ(sched_build(XDPLB_SCHED_WRR, b, n, ring, table_a), len, what))
			return;
		if (!len)
			continue; /* every weight drew 0 */
		snprintf(what, sizeof(what), "round %d: table equals the definition", r);
		if (!ASSERT_BYTES(table_a, len * sizeof(__u32), table_b, len * sizeof(__u32), what))
			return;
		for (i = 0, g = 0; i < n; i++)
			g = gcd(g, b[i].weight);
		for (i = 0; i < n; i++)
			want[b[i].id] = b[i].weight / g;
		check_windows(table_a, len, n, want);
	}
}

static void test_wrr_order(void)
{
	static const __u32 w[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 1, 3, 3 };
	struct maglev_backend b[14];
	__u64 seed;
	int len;

	make_backends(b, 14, w, 14);
	len = sched_build(XDPLB_SCHED_WRR, b, 14, M, table_a);
	ASSERT_EQ(len, 63, "L");
	for (seed = 1; seed <= 5; seed++) {
		shuffle(b, 14, seed * 0x9e3779b97f4a7c15ULL);
		ASSERT_EQ(sched_build(XDPLB_SCHED_WRR, b, 14, M, table_b), len, "L shuffled");
		ASSERT_BYTES(table_b, len * sizeof(__u32), table_a, len * sizeof(__u32),
			     "shuffled table");
	}
}

static void test_hash(int sched)
{
	static const __u32 w[] = { 1, 2, 3, 0, 4 };
	struct maglev_backend b[10];

	make_backends(b, 10, w, 5);
	ASSERT_EQ(maglev_build(b, 10, table_b, M), 0, "maglev_build");
	memset(table_a, 0xff, M * sizeof(*table_a));
	ASSERT_EQ(sched_build(sched, b, 10, M, table_a), M, "L = ring");
	ASSERT_TRUE(!memcmp(table_a, table_b, M * sizeof(*table_a)), "same as maglev_build");
	ASSERT_EQ(sched_build(sched, b, 10, SMALL_M, table_a), SMALL_M, "L = small ring");
	ASSERT_EQ(maglev_build(b, 10, table_b, SMALL_M), 0, "maglev_build small ring");
	ASSERT_TRUE(!memcmp(table_a, table_b, SMALL_M * sizeof(*table_a)),
		    "same as maglev_build, small ring");
}

static void test_all_zero(void)
{
	static const __u32 w[] = { 0 };
	struct maglev_backend b[10];
	char what[64];
	int sched;

	make_backends(b, 10, w, 1);
	for (sched = 0; sched < XDPLB_SCHED_MAX; sched++) {
		memset(table_a, 0xff, M * sizeof(*table_a));
		snprintf(what, sizeof(what), "sched %d, all weights 0: L", sched);
		ASSERT_EQ(sched_build(sched, b, 10, M, table_a), 0, what);
		snprintf(what, sizeof(what), "sched %d, all weights 0: zero table", sched);
		ASSERT_EQ(nonzero(table_a, 0, M), 0, what);
		snprintf(what, sizeof(what), "sched %d, no backends: L", sched);
		ASSERT_EQ(sched_build(sched, NULL, 0, M, table_a), 0, what);
	}
}

static void test_errors(void)
{
	static const __u32 w[] = { 1 };
	struct maglev_backend b[10];
	char what[96];
	int sched;

	make_backends(b, 10, w, 1);
	memset(table_a, 0xaa, SMALL_M * sizeof(*table_a));
	ASSERT_EQ(sched_build(-1, b, 10, SMALL_M, table_a), -EINVAL, "sched -1");
	ASSERT_EQ(sched_build(XDPLB_SCHED_MAX, b, 10, SMALL_M, table_a), -EINVAL, "sched MAX");
	for (sched = 0; sched < XDPLB_SCHED_MAX; sched++) {
#define EXPECT(call, want, label)                                                                  \
	do {                                                                                       \
		snprintf(what, sizeof(what), "sched %d: %s", sched, label);                        \
		ASSERT_EQ(call, want, what);                                                       \
	} while (0)
		EXPECT(sched_build(sched, b, 10, 250, table_a), -EINVAL, "ring 250");
		EXPECT(sched_build(sched, b, 10, 65536, table_a), -EINVAL, "ring 65536");
		EXPECT(sched_build(sched, b, 10, 0, table_a), -EINVAL, "ring 0");
		EXPECT(sched_build(sched, b, 10, 1, table_a), -EINVAL, "ring 1");
		EXPECT(sched_build(sched, b, 10, 4294967291u, table_a), -EINVAL,
		       "ring 4294967291 (prime, above XDPLB_MAX_RING_SIZE)");
		EXPECT(sched_build(sched, b, 10, SMALL_M, NULL), -EINVAL, "NULL table");
		EXPECT(sched_build(sched, NULL, 10, SMALL_M, table_a), -EINVAL, "NULL backends");
		b[9].weight = 65536;
		EXPECT(sched_build(sched, b, 10, SMALL_M, table_a), -EINVAL, "weight 65536");
		b[9].weight = 1;
		b[9].id = 0;
		EXPECT(sched_build(sched, b, 10, SMALL_M, table_a), -EINVAL, "id 0");
		b[9].id = 10;
		/* Room: mh/sh need ring > backends (maglev_build), the others ring >= backends. */
		EXPECT(sched_build(sched, b, 10, 7, table_a), -EINVAL, "10 backends, ring 7");
		EXPECT(sched_build(sched, b, 8, 7, table_a), -EINVAL, "8 backends, ring 7");
		EXPECT(sched_build(sched, b, 7, 7, table_a), sched <= XDPLB_SCHED_SH ? -EINVAL : 7,
		       "7 backends, ring 7");
		memset(table_a, 0xaa, SMALL_M * sizeof(*table_a));
#undef EXPECT
	}
	/* Errors leave the table untouched. */
	for (sched = 0; sched < XDPLB_SCHED_MAX; sched++) {
		b[9].weight = 65536;
		ASSERT_EQ(sched_build(sched, b, 10, SMALL_M, table_a), -EINVAL, "weight 65536");
		b[9].weight = 1;
		ASSERT_EQ(sched_build(sched, b, 10, 7, table_a), -EINVAL, "ring 7");
	}
	for (__u32 s = 0; s < SMALL_M; s++)
		if (!ASSERT_EQ(table_a[s], 0xaaaaaaaau, "table untouched after errors"))
			break;
	/* Weight 0 with id 0 is fine: it takes no part. */
	b[9].weight = 0;
	b[9].id = 0;
	ASSERT_EQ(sched_build(XDPLB_SCHED_RR, b, 10, SMALL_M, table_a), 9, "id 0 with weight 0");
}

static void test_speed(const char *label, int n, const __u32 *w, __u32 ring)
{
	struct maglev_backend b[MAX_N];
	double t0, best = 1e9;
	int rep, len = 0;

	make_backends(b, n, w, n);
	for (rep = 0; rep < 3; rep++) {
		t0 = now_ms();
		len = sched_build(XDPLB_SCHED_WRR, b, n, ring, table_a);
		t0 = now_ms() - t0;
		if (t0 < best)
			best = t0;
	}
	ASSERT_TRUE(len > 0 && len <= (int)ring, "L in [1, ring]");
	if (len > 0)
		ASSERT_EQ(count_entries(table_a, len, n), 0, "entries without a valid id");
	printf("  %s: %d backends, %s, ring %u: L = %d, best of 3 builds %.2f ms\n", case_name, n,
	       label, ring, len, best);
}

int main(void)
{
	static const __u32 w511[] = { 5, 1, 1 }, w111[] = { 1, 1, 1 }, run511[] = { 3, 1, 1 },
			   run111[] = { 1, 1, 1 };
	static const struct {
		const char *name;
		int n;
		__u32 w[10];
	} smooth[] = {
		{ "1:2", 2, { 1, 2 } },
		{ "1:1:1", 3, { 1, 1, 1 } },
		{ "5:1:1", 3, { 5, 1, 1 } },
		{ "3:3:1:1", 4, { 3, 3, 1, 1 } },
		{ "10:2:1", 3, { 10, 2, 1 } },
		{ "12:2:1:3", 4, { 12, 2, 1, 3 } },
		{ "4:1:1:1:1", 5, { 4, 1, 1, 1, 1 } },
		{ "1..10", 10, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } },
		{ "100:1", 2, { 100, 1 } },
		{ "7:7:7:2:2:1", 6, { 7, 7, 7, 2, 2, 1 } },
	};
	static __u32 big[MAX_N], distinct[MAX_N];
	char name[96];
	size_t i;

	for (i = 0; i < MAX_N; i++) {
		big[i] = 65535 - i * 37;
		distinct[i] = i + 1;
	}
	RUN_CASE("rr list in key order", test_list, XDPLB_SCHED_RR);
	RUN_CASE("lc list in key order", test_list, XDPLB_SCHED_LC);
	RUN_CASE("wlc list in key order", test_list, XDPLB_SCHED_WLC);
	RUN_CASE("wrr 1:2", test_wrr_1_2);
	RUN_CASE("wrr 5:1:1 runs", test_wrr_runs, w511, 3, 7, run511);
	RUN_CASE("wrr 1:1:1 runs", test_wrr_runs, w111, 3, 3, run111);
	for (i = 0; i < sizeof(smooth) / sizeof(smooth[0]); i++) {
		snprintf(name, sizeof(name), "wrr smooth %s", smooth[i].name);
		RUN_CASE(name, test_wrr_smooth, smooth[i].w, smooth[i].n);
	}
	RUN_CASE("wrr gcd", test_wrr_gcd);
	RUN_CASE("wrr scaled 65535:65534:65533 ring 251", test_wrr_scaled,
		 ((const __u32[]){ 65535, 65534, 65533 }), 3, SMALL_M, 3);
	RUN_CASE("wrr scaled 65535:40000:20001 ring 251", test_wrr_scaled,
		 ((const __u32[]){ 65535, 40000, 20001 }), 3, SMALL_M, 200);
	RUN_CASE("wrr scaled 1000 backends ring 1048573", test_wrr_scaled, big, MAX_N,
		 XDPLB_MAX_RING_SIZE, XDPLB_MAX_RING_SIZE - MAX_N);
	RUN_CASE("wrr scaled floor", test_wrr_scaled_floor);
	RUN_CASE("wrr order independence", test_wrr_order);
	RUN_CASE("wrr = definition, 5 backends, weights 0..6, few distinct", test_wrr_reference, 5,
		 6, 0, M, 200);
	RUN_CASE("wrr = definition, 12 backends, weights 0..30", test_wrr_reference, 12, 30, 1, M,
		 200);
	RUN_CASE("wrr = definition, 100 backends, weights 0..100, few distinct", test_wrr_reference,
		 100, 100, 0, M, 20);
	RUN_CASE("wrr = definition, 300 backends, weights 0..3000", test_wrr_reference, 300, 3000,
		 1, XDPLB_MAX_RING_SIZE, 1);
	RUN_CASE("mh is maglev_build", test_hash, XDPLB_SCHED_MH);
	RUN_CASE("sh is maglev_build", test_hash, XDPLB_SCHED_SH);
	RUN_CASE("all weights 0 gives L = 0", test_all_zero);
	RUN_CASE("invalid arguments", test_errors);
	RUN_CASE("wrr build time weights 1..1000", test_speed, "weights 1..1000", MAX_N, distinct,
		 M);
	return TEST_MAIN_END();
}
