/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file builds weighted Maglev lookup tables (Eisenbud et al., NSDI 2016) from backend sets.
 *
 * Each backend walks its own permutation of the slots, (offset + j * skip) % m, and claims the
 * next free slot of it whenever its turn comes.  Turns follow a credit scheme taken to the
 * limit: the backend with weight w makes its k-th claim at time k / w, so every backend's share
 * stays within about one slot of w / sum(w) * m, and with equal weights this is the paper's
 * round robin.  Backends of equal weight claim together, in (key, id) order; at equal times the
 * heavier group goes first.  A min-heap of weight groups ordered by the time of their next
 * claim costs O(log g) per group turn (g distinct weights), and the walks O(m log m) probes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xdplb_consts.h"
#include "sched/maglev.h"

/* Seeds of the two permutation hashes and of the backend key. */
#define MAGLEV_SEED_OFFSET 0x5851f42d4c957f2dULL
#define MAGLEV_SEED_SKIP   0x2545f4914f6cdd1dULL
#define MAGLEV_SEED_KEY	   0x9e3779b97f4a7c15ULL

/* A backend with weight > 0 and its walk through its permutation of the slots. */
struct maglev_state {
	__u64 key;
	__u32 id;
	__u32 weight;
	__u32 pos;  /* next slot of the permutation to look at */
	__u32 skip; /* in [1, m-1]: with m prime the walk visits every slot once in m steps */
};

/* The backends st[first..end-1] of the same weight: they make their k-th claims together, at
 * time k / weight, in (key, id) order.
 */
struct maglev_group {
	__u64 next_claim; /* k >= 1 */
	__u32 weight;
	__u32 first;
	__u32 end;
};

/* Two different 64-bit finalizers (xorshift-multiply rounds): bijective, full avalanche. */
static __u64 mix_a(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static __u64 mix_b(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Big-endian load, so that the key does not depend on the host's byte order. */
static __u64 load_be64(const unsigned char *p)
{
	__u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

__u64 maglev_backend_key(const __u32 addr[4], __u16 port)
{
	unsigned char buf[18];
	__u64 h;

	memcpy(buf, addr, 16);
	memcpy(buf + 16, &port, 2);
	h = mix_a(MAGLEV_SEED_KEY ^ load_be64(buf));
	h = mix_a(h ^ load_be64(buf + 8));
	h = mix_a(h ^ ((__u64)buf[16] << 8 | buf[17]));
	return h;
}

int maglev_is_prime(__u32 m)
{
	__u64 d;

	if (m < 2)
		return 0;
	if (m % 2 == 0)
		return m == 2;
	for (d = 3; d * d <= m; d += 2)
		if (m % d == 0)
			return 0;
	return 1;
}

/* Heavier backends first, so that groups of equal weight are contiguous; then (key, id). */
static int cmp_state(const void *pa, const void *pb)
{
	const struct maglev_state *a = pa, *b = pb;

	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/* Does group i claim before group j?  Earlier time k / w first, compared exactly (k <= m < 2^32
 * and w < 2^16, so the products fit), then the heavier group (the smaller index).
 */
static int claims_before(const struct maglev_group *grp, __u32 i, __u32 j)
{
	__u64 ti = grp[i].next_claim * grp[j].weight;
	__u64 tj = grp[j].next_claim * grp[i].weight;

	if (ti != tj)
		return ti < tj;
	return i < j;
}

static void heap_sift_down(__u32 *heap, __u32 cnt, const struct maglev_group *grp, __u32 at)
{
	__u32 top = heap[at], child;

	for (;;) {
		child = 2 * at + 1;
		if (child >= cnt)
			break;
		if (child + 1 < cnt && claims_before(grp, heap[child + 1], heap[child]))
			child++;
		if (!claims_before(grp, heap[child], top))
			break;
		heap[at] = heap[child];
		at = child;
	}
	heap[at] = top;
}

/* Claim the next free slot of the permutation of s; the table must have one. */
static void claim_slot(struct maglev_state *s, __u32 *table, __u32 m)
{
	__u64 pos;

	while (table[s->pos]) {
		pos = (__u64)s->pos + s->skip;
		s->pos = pos >= m ? pos - m : pos;
	}
	table[s->pos] = s->id;
	pos = (__u64)s->pos + s->skip;
	s->pos = pos >= m ? pos - m : pos;
}

int maglev_build(const struct maglev_backend *b, size_t n, __u32 *table, __u32 m)
{
	struct maglev_state *st = NULL, *s;
	struct maglev_group *grp = NULL, *g;
	__u32 *heap = NULL;
	__u32 cnt = 0, ngrp = 0, filled = 0, i;
	size_t active = 0, k;
	int err = 0;

	if (!table || (n && !b) || !maglev_is_prime(m))
		return -EINVAL;
	for (k = 0; k < n; k++) {
		if (!b[k].weight)
			continue;
		if (b[k].weight > XDPLB_MAX_WEIGHT || !b[k].id)
			return -EINVAL;
		active++;
	}
	if (!active) {
		memset(table, 0, (size_t)m * sizeof(*table));
		return 0;
	}
	if (active >= m)
		return -EINVAL;

	st = calloc(active, sizeof(*st));
	grp = calloc(active, sizeof(*grp));
	heap = calloc(active, sizeof(*heap));
	if (!st || !grp || !heap) {
		err = -ENOMEM;
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (!b[k].weight)
			continue;
		s = &st[cnt++];
		s->key = b[k].key;
		s->id = b[k].id;
		s->weight = b[k].weight;
	}
	/* Sorting makes the table independent of the input order, ties included. */
	qsort(st, cnt, sizeof(*st), cmp_state);
	for (i = 0; i < cnt; i++) {
		s = &st[i];
		s->pos = mix_a(s->key ^ MAGLEV_SEED_OFFSET) % m;
		s->skip = mix_b(s->key ^ MAGLEV_SEED_SKIP) % (m - 1) + 1;
		if (!i || s->weight != st[i - 1].weight) {
			g = &grp[ngrp];
			g->next_claim = 1;
			g->weight = s->weight;
			g->first = i;
			heap[ngrp] = ngrp;
			ngrp++;
		}
		grp[ngrp - 1].end = i + 1;
	}
	for (i = ngrp / 2; i-- > 0;)
		heap_sift_down(heap, ngrp, grp, i);

	/* 0 marks a free slot: ids of backends with weight > 0 are never 0. */
	memset(table, 0, (size_t)m * sizeof(*table));
	while (filled < m) {
		g = &grp[heap[0]];
		for (i = g->first; i < g->end && filled < m; i++, filled++)
			claim_slot(&st[i], table, m);
		g->next_claim++;
		heap_sift_down(heap, ngrp, grp, 0);
	}
out:
	free(heap);
	free(grp);
	free(st);
	return err;
}
