/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file tests the Maglev table builder: weighted shares, disruption on removal, errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>

#include "test.h"
#include "backends.h"
#include "sched/maglev.h"

#define M	    65537
#define MAX_N	    1000
#define SHARE_TOL   0.01 /* relative deviation allowed from m * w / sum(w) */
#define DISRUPT_TOL 0.01 /* fraction of surviving backends' slots allowed to change owner */

static __u32 table_a[M], table_b[M];
static unsigned int counts[MAX_N + 1];

static int cmp_key(const void *pa, const void *pb)
{
	const struct maglev_backend *a = pa, *b = pb;

	return a->key < b->key ? -1 : a->key > b->key;
}

/* Deterministic shuffle (xorshift64) so that failures reproduce. */
static void shuffle(struct maglev_backend *b, int n, __u64 seed)
{
	struct maglev_backend tmp;
	int i, j;

	for (i = n - 1; i > 0; i--) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = seed % (i + 1);
		tmp = b[i];
		b[i] = b[j];
		b[j] = tmp;
	}
}

/* Count slots per id into counts[]; returns the number of slots holding an id outside 1..n. */
static unsigned int count_slots(const __u32 *t, int n)
{
	return count_ids(t, M, n, counts, sizeof(counts) / sizeof(counts[0]));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_shares(int n, const __u32 *weights, int nweights)
{
	struct maglev_backend b[MAX_N];
	double expected, dev, worst = 0;
	__u64 sum = 0;
	char what[96];
	int i;

	make_backends(b, n, weights, nweights);
	for (i = 0; i < n; i++)
		sum += b[i].weight;
	ASSERT_EQ(maglev_build(b, n, table_a, M), 0, "maglev_build");
	ASSERT_EQ(count_slots(table_a, n), 0, "slots without a valid id");
	for (i = 0; i < n; i++) {
		expected = (double)M * b[i].weight / sum;
		dev = (counts[b[i].id] - expected) / expected;
		if (dev < 0)
			dev = -dev;
		if (dev > worst)
			worst = dev;
		snprintf(what, sizeof(what), "id %u weight %u: %u slots, expected %.1f +- 1%%",
			 b[i].id, b[i].weight, counts[b[i].id], expected);
		ASSERT_TRUE(dev <= SHARE_TOL, what);
	}
	printf("  %s: worst relative share deviation %.4f%%\n", case_name, worst * 100);
}

/* Remove the backend at position pos in key order (-1: the first one of the largest weight);
 * the slots of the other backends must mostly keep their owner.
 */
static void test_disruption(int n, const __u32 *weights, int nweights, int pos)
{
	struct maglev_backend b[MAX_N], rest[MAX_N];
	unsigned int kept = 0, changed = 0;
	__u32 gone, s;
	double frac;
	char what[96];
	int i;

	make_backends(b, n, weights, nweights);
	qsort(b, n, sizeof(*b), cmp_key);
	if (pos < 0)
		for (i = 0, pos = 0; i < n; i++)
			if (b[i].weight > b[pos].weight)
				pos = i;
	gone = b[pos].id;
	memcpy(rest, b, pos * sizeof(*b));
	memcpy(rest + pos, b + pos + 1, (n - pos - 1) * sizeof(*b));

	ASSERT_EQ(maglev_build(b, n, table_a, M), 0, "maglev_build with all");
	ASSERT_EQ(maglev_build(rest, n - 1, table_b, M), 0, "maglev_build without one");
	for (s = 0; s < M; s++) {
		ASSERT_TRUE(table_b[s] != gone, "removed backend still in the table");
		if (table_a[s] == gone)
			continue;
		kept++;
		changed += table_a[s] != table_b[s];
	}
	frac = (double)changed / kept;
	printf("  %s: removed id %u (weight %u, key-order position %d): %u of %u other slots "
	       "changed = %.4f%%\n",
	       case_name, gone, b[pos].weight, pos, changed, kept, frac * 100);
	snprintf(what, sizeof(what), "disruption %.4f%% <= %.0f%%", frac * 100, DISRUPT_TOL * 100);
	ASSERT_TRUE(frac <= DISRUPT_TOL, what);
}

static void test_weight_zero(void)
{
	static const __u32 w[] = { 1, 2, 3, 4 };
	struct maglev_backend b[10], rest[9];
	int i;

	make_backends(b, 10, w, 4);
	b[3].weight = 0;
	ASSERT_EQ(maglev_build(b, 10, table_a, M), 0, "maglev_build");
	ASSERT_EQ(count_slots(table_a, 10), 0, "slots without a valid id");
	ASSERT_EQ(counts[b[3].id], 0, "slots of the weight-0 backend");
	for (i = 0; i < 10; i++)
		if (i != 3)
			ASSERT_TRUE(counts[b[i].id] > 0, "backend with weight > 0 has slots");
	/* A drained backend is the same as an absent one. */
	memcpy(rest, b, 3 * sizeof(*b));
	memcpy(rest + 3, b + 4, 6 * sizeof(*b));
	ASSERT_EQ(maglev_build(rest, 9, table_b, M), 0, "maglev_build without it");
	ASSERT_TRUE(!memcmp(table_a, table_b, sizeof(table_a)), "weight 0 equals removed");
}

static void test_all_zero(void)
{
	static const __u32 w[] = { 0 };
	struct maglev_backend b[10];
	__u32 s, nonzero = 0;

	make_backends(b, 10, w, 1);
	memset(table_a, 0xff, sizeof(table_a));
	ASSERT_EQ(maglev_build(b, 10, table_a, M), 0, "maglev_build, all weights 0");
	for (s = 0; s < M; s++)
		nonzero += table_a[s] != 0;
	ASSERT_EQ(nonzero, 0, "non-zero slots");

	memset(table_a, 0xff, sizeof(table_a));
	ASSERT_EQ(maglev_build(NULL, 0, table_a, M), 0, "maglev_build, no backends");
	for (s = 0, nonzero = 0; s < M; s++)
		nonzero += table_a[s] != 0;
	ASSERT_EQ(nonzero, 0, "non-zero slots, no backends");
}

static void test_errors(void)
{
	static const __u32 w[] = { 1 };
	struct maglev_backend b[10];

	make_backends(b, 10, w, 1);
	ASSERT_EQ(maglev_build(b, 10, table_a, 65536), -EINVAL, "m = 65536");
	ASSERT_EQ(maglev_build(b, 10, table_a, 0), -EINVAL, "m = 0");
	ASSERT_EQ(maglev_build(b, 10, table_a, 1), -EINVAL, "m = 1");
	ASSERT_EQ(maglev_build(b, 0, table_a, 65535), -EINVAL, "m = 65535, no backends");
	ASSERT_EQ(maglev_build(b, 10, table_a, 7), -EINVAL, "m = 7 < 10 backends");
	ASSERT_EQ(maglev_build(b, 7, table_a, 7), -EINVAL, "m = 7 = 7 backends");
	ASSERT_EQ(maglev_build(b, 6, table_a, 7), 0, "m = 7 > 6 backends");
	b[9].weight = 0;
	ASSERT_EQ(maglev_build(b, 10, table_a, 11), 0, "m = 11 > 9 backends with weight");
	b[9].weight = 65536;
	ASSERT_EQ(maglev_build(b, 10, table_a, M), -EINVAL, "weight 65536");
	b[9].weight = 65535;
	ASSERT_EQ(maglev_build(b, 10, table_a, M), 0, "weight 65535");
	b[9].id = 0;
	ASSERT_EQ(maglev_build(b, 10, table_a, M), -EINVAL, "id 0 with weight > 0");
	b[9].weight = 0;
	ASSERT_EQ(maglev_build(b, 10, table_a, M), 0, "id 0 with weight 0");
	ASSERT_EQ(maglev_build(NULL, 10, table_a, M), -EINVAL, "NULL backends");
	ASSERT_EQ(maglev_build(b, 10, NULL, M), -EINVAL, "NULL table");
}

static void test_order(int n, const __u32 *weights, int nweights)
{
	struct maglev_backend b[MAX_N];
	__u64 seed;

	make_backends(b, n, weights, nweights);
	ASSERT_EQ(maglev_build(b, n, table_a, M), 0, "maglev_build");
	for (seed = 1; seed <= 3; seed++) {
		shuffle(b, n, seed * 0x9e3779b97f4a7c15ULL);
		ASSERT_EQ(maglev_build(b, n, table_b, M), 0, "maglev_build shuffled");
		ASSERT_TRUE(!memcmp(table_a, table_b, sizeof(table_a)), "shuffled table differs");
	}
}

static void test_is_prime(void)
{
	static const struct {
		__u32 m;
		int prime;
	} cases[] = {
		{ 0, 0 },	    { 1, 0 },		{ 2, 1 },
		{ 3, 1 },	    { 4, 0 },		{ 9, 0 },
		{ 25, 0 },	    { 251, 1 },		{ 65521, 1 },
		{ 65536, 0 },	    { 65537, 1 },	{ 1048573, 1 },
		{ 1048575, 0 },	    { 4294967291u, 1 }, { 4294967295u, 0 },
		{ 4294836225u, 0 }, /* 65535^2 */
		{ 4294705969u, 0 }, /* 65533^2 */
	};
	char what[48];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "maglev_is_prime(%u)", cases[i].m);
		ASSERT_EQ(maglev_is_prime(cases[i].m), cases[i].prime, what);
	}
}

static void test_keys(void)
{
	__u32 v4[4] = { htonl(0x0a000201) }, v6[4] = { htonl(0x20010db8), 0, 0, htonl(1) };
	struct maglev_backend b[MAX_N];
	int i, dup = 0;

	ASSERT_TRUE(maglev_backend_key(v4, htons(80)) == maglev_backend_key(v4, htons(80)),
		    "key is a function of its input");
	ASSERT_TRUE(maglev_backend_key(v4, htons(80)) != maglev_backend_key(v4, htons(81)),
		    "port changes the key");
	ASSERT_TRUE(maglev_backend_key(v4, 0) != maglev_backend_key(v6, 0), "v4 and v6 differ");
	make_backends(b, MAX_N, (const __u32[]){ 1 }, 1);
	qsort(b, MAX_N, sizeof(*b), cmp_key);
	for (i = 1; i < MAX_N; i++)
		dup += b[i].key == b[i - 1].key;
	ASSERT_EQ(dup, 0, "duplicate keys among 1000 backends");
}

static void test_speed(const char *label, const __u32 *weights, int nweights)
{
	struct maglev_backend b[MAX_N];
	double t0, best = 1e9;
	int rep;

	make_backends(b, MAX_N, weights, nweights);
	for (rep = 0; rep < 5; rep++) {
		t0 = now_ms();
		ASSERT_EQ(maglev_build(b, MAX_N, table_a, M), 0, "maglev_build");
		t0 = now_ms() - t0;
		if (t0 < best)
			best = t0;
	}
	ASSERT_EQ(count_slots(table_a, MAX_N), 0, "slots without a valid id");
	printf("  %s: %d backends, m = %u, %s: best of 5 builds %.2f ms\n", case_name, MAX_N, M,
	       label, best);
}

int main(void)
{
	static const __u32 eq[] = { 1 }, w1_10[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 },
			   w1_4[] = { 1, 2, 3, 4 }, skewed[] = { 65535, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const struct {
		int n;
		const __u32 *w;
		int nw;
		const char *name;
	} sets[] = {
		{ 10, eq, 1, "N=10 equal" },
		{ 100, eq, 1, "N=100 equal" },
		{ 10, w1_10, 10, "N=10 weights 1..10" },
		{ 100, w1_4, 4, "N=100 weights 1,2,3,4" },
	};
	static __u32 distinct[MAX_N];
	char name[96];
	size_t i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		snprintf(name, sizeof(name), "shares %s", sets[i].name);
		RUN_CASE(name, test_shares, sets[i].n, sets[i].w, sets[i].nw);
	}
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		int pos[4] = { 0, sets[i].n / 2, sets[i].n - 1, -1 };

		for (int p = 0; p < 4; p++) {
			if (pos[p] < 0 && sets[i].nw == 1)
				continue; /* equal weights: no heaviest */
			if (pos[p] < 0)
				snprintf(name, sizeof(name), "disruption %s remove heaviest",
					 sets[i].name);
			else
				snprintf(name, sizeof(name), "disruption %s remove #%d",
					 sets[i].name, pos[p]);
			RUN_CASE(name, test_disruption, sets[i].n, sets[i].w, sets[i].nw, pos[p]);
		}
	}
	RUN_CASE("weight 0 takes no slots", test_weight_zero);
	RUN_CASE("all weights 0 gives a zero table", test_all_zero);
	RUN_CASE("invalid arguments", test_errors);
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		snprintf(name, sizeof(name), "order independence %s", sets[i].name);
		RUN_CASE(name, test_order, sets[i].n, sets[i].w, sets[i].nw);
	}
	RUN_CASE("maglev_is_prime", test_is_prime);
	RUN_CASE("maglev_backend_key", test_keys);
	RUN_CASE("build time equal weights", test_speed, "equal weights", eq, 1);
	RUN_CASE("build time weights 1..10", test_speed, "weights 1..10", w1_10, 10);
	RUN_CASE("build time skewed weights", test_speed, "one 65535, others 1", skewed, 10);
	for (i = 0; i < MAX_N; i++)
		distinct[i] = i + 1;
	RUN_CASE("build time distinct weights", test_speed, "weights 1..1000", distinct, MAX_N);
	return TEST_MAIN_END();
}
