/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file builds the per-VIP scheduler tables (mh, sh, rr, wrr, lc, wlc) from backend sets.
 *
 * Every scheduler indexes the same kind of table, so all the policy lives here: mh and sh get a
 * Maglev table, rr, lc and wlc the sorted list of backends, and wrr a weighted sequence that the
 * data plane walks with a counter.
 *
 * wrr is nginx's smooth weighted round robin, run over groups of backends of equal weight: at
 * each step every group's current grows by its weight (the sum of its members' weights), the
 * group with the largest current is picked (ties: the group whose first backend comes first in
 * (key, id) order) and its current drops by the total L, and the picked group hands the slot to
 * its members in turn, in (key, id) order.  Over L steps each group is picked exactly its
 * weight times (a group picked once more would have a current <= 0 at that step, while the
 * currents then sum to L > 0, so it would not be the largest), every current is back at 0 and
 * every turn pointer back at the first member: the sequence has period L and each backend
 * appears exactly its weight times in any L consecutive picks.
 *
 * Grouping matters once the counter wraps: plain smooth WRR over 5:1:1 gives "aabacaa", four
 * a's in a row across the wrap, because b and c tie and are picked close together; as one group
 * of weight 2 they are spread like a single backend: "abaaaca".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xdplb_consts.h"
#include "sched/sched.h"

/* A backend with weight > 0. */
struct sched_state {
	__u64 key;
	__u32 id;
	__u32 weight;
};

/* The wrr backends st[first..first+size-1] of one weight. */
struct wrr_group {
	__u64 key; /* (key, id) of the first member: the tie-break order of groups */
	__u32 id;
	__u32 first;
	__u32 size;
	__u32 turn;   /* member whose turn it is */
	__s64 weight; /* size * member weight */
	__s64 spent;  /* L * picks so far: the current at step t is t * weight - spent */
};

static int cmp_key_id(const void *pa, const void *pb)
{
	const struct sched_state *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

static int cmp_weight_key_id(const void *pa, const void *pb)
{
	const struct sched_state *a = pa, *b = pb;

	if (a->weight != b->weight)
		return a->weight < b->weight ? -1 : 1;
	return cmp_key_id(pa, pb);
}

static __u64 gcd64(__u64 a, __u64 b)
{
	__u64 t;

	while (b) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Divide the weights by their gcd; returns their sum. */
static __u64 wrr_reduce(struct sched_state *st, __u32 cnt)
{
	__u64 g = 0, sum = 0;
	__u32 i;

	for (i = 0; i < cnt; i++)
		g = gcd64(g, st[i].weight);
	if (!g)
		return 0; /* no backend: callers never ask */
	for (i = 0; i < cnt; i++) {
		st[i].weight /= g;
		sum += st[i].weight;
	}
	return sum;
}

/* Weight w scaled to a period of t slots instead of sum: w * t / sum rounded to nearest, at
 * least 1.  w <= 65535 and t < 2^32, so the product fits.
 */
static __u64 wrr_scaled(__u64 w, __u64 t, __u64 sum)
{
	__u64 s = (2 * w * t + sum) / (2 * sum);

	return s ? s : 1;
}

static __u64 wrr_scaled_sum(const struct sched_state *st, __u32 cnt, __u64 t, __u64 sum)
{
	__u64 total = 0;
	__u32 i;

	for (i = 0; i < cnt; i++)
		total += wrr_scaled(st[i].weight, t, sum);
	return total;
}

/* Reduce the weights and return L = their sum, scaled to at most ring.
 *
 * Approximation when sum(w) > ring: every weight becomes round(w * t / sum(w)), at least 1,
 * with the largest t in [1, ring] for which the new sum fits in ring (the scaled sum grows
 * with t, and t = 1 makes every weight 1, which fits since cnt <= ring).  A backend's slot
 * count s is then within one half of its exact proportional value, so its share is off by
 * about 1/(2s) of itself (1% at 50 slots) plus cnt/(2t) from the rounding of the others, except
 * that a backend whose share is below 1/(2t) gets one slot, more than its share.  The weights
 * change, not the scheduler: the sequence is exact for the scaled weights.
 */
static __u64 wrr_weights(struct sched_state *st, __u32 cnt, __u32 ring)
{
	__u64 sum = wrr_reduce(st, cnt), lo = 1, hi = ring, mid;
	__u32 i;

	if (sum <= ring)
		return sum;
	/* Largest t with wrr_scaled_sum(t) <= ring; invariant: lo fits, every t > hi does not. */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (wrr_scaled_sum(st, cnt, mid, sum) <= ring)
			lo = mid;
		else
			hi = mid - 1;
	}
	for (i = 0; i < cnt; i++)
		st[i].weight = wrr_scaled(st[i].weight, lo, sum);
	/* Scaling can leave a common factor (2:4 for 1:2); the shorter period is the same. */
	return wrr_reduce(st, cnt);
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct wrr_group *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/* A node of the kinetic tournament over the groups: the winner of its subtree at the current
 * step, and the first step at which a winner in the subtree can change.
 */
struct wrr_node {
	__u32 win; /* WRR_NONE for an empty subtree */
	__s64 melt;
};

#define WRR_NONE  ((__u32)-1)
#define WRR_NEVER ((__s64)(~0ULL >> 1))

/* Does group a beat group b at step t: larger current, at equal currents the first one? */
static int wrr_beats(const struct wrr_group *grp, __u32 a, __u32 b, __s64 t)
{
	__s64 va = t * grp[a].weight - grp[a].spent, vb = t * grp[b].weight - grp[b].spent;

	return va > vb || (va == vb && a < b);
}

/* Recompute node n from its children at step t, when neither child's melt is due. */
static void wrr_pull(struct wrr_node *tree, __u32 n, const struct wrr_group *grp, __s64 t)
{
	const struct wrr_node *l = &tree[2 * n], *r = &tree[2 * n + 1];
	__u32 win, lose;
	__s64 d, e, when;

	tree[n].melt = l->melt < r->melt ? l->melt : r->melt;
	if (l->win == WRR_NONE || r->win == WRR_NONE) {
		tree[n].win = l->win == WRR_NONE ? r->win : l->win;
		return;
	}
	win = wrr_beats(grp, l->win, r->win, t) ? l->win : r->win;
	lose = win == l->win ? r->win : l->win;
	tree[n].win = win;
	/* The loser's current gains d per step; it wins once d * t > e (>= if it comes first).
	 * Losing at t means d * t <= e, so e > 0 and the step found is > t.
	 */
	d = grp[lose].weight - grp[win].weight;
	if (d <= 0)
		return;
	e = grp[lose].spent - grp[win].spent;
	when = lose < win ? (e + d - 1) / d : e / d + 1;
	if (when < tree[n].melt)
		tree[n].melt = when;
}

/* Bring the subtree of n up to step t. */
static void wrr_advance(struct wrr_node *tree, __u32 n, __u32 leaves, const struct wrr_group *grp,
			__s64 t)
{
	if (n >= leaves || tree[n].melt > t)
		return;
	wrr_advance(tree, 2 * n, leaves, grp, t);
	wrr_advance(tree, 2 * n + 1, leaves, grp, t);
	wrr_pull(tree, n, grp, t);
}

/* Write the wrr sequence of st[0..cnt-1] (weights final, summing to len) into table.
 *
 * The group with the largest current t * weight - spent is the top of a kinetic tournament
 * (Basch, Guibas and Hershberger, "Data structures for mobile data", 1997): the currents are
 * lines in t, each node keeps the winner of its subtree and the step at which a loser's line
 * overtakes it, so a step recomputes the picked group's path and the nodes whose winner has
 * changed (about 15 nodes for 800 groups) instead of scanning every group.  Currents stay
 * within (-L, G * L) for G groups, and t * weight and spent stay <= L * L < 2^40: no overflow.
 */
static int wrr_fill(struct sched_state *st, __u32 cnt, __u32 len, __u32 *table)
{
	struct wrr_group *grp = NULL, *g;
	struct wrr_node *tree = NULL;
	__u32 ngrp = 0, leaves = 1, i, j, k, n, pos;
	__s64 t;
	int err = 0;

	grp = calloc(cnt, sizeof(*grp));
	if (!grp) {
		err = -ENOMEM;
		goto out;
	}
	/* Equal weights side by side, each run in (key, id) order. */
	qsort(st, cnt, sizeof(*st), cmp_weight_key_id);
	for (i = 0; i < cnt; i = j) {
		for (j = i; j < cnt && st[j].weight == st[i].weight; j++)
			;
		g = &grp[ngrp++];
		g->key = st[i].key;
		g->id = st[i].id;
		g->first = i;
		g->size = j - i;
		g->weight = (__s64)st[i].weight * g->size;
	}
	qsort(grp, ngrp, sizeof(*grp), cmp_group);

	while (leaves < ngrp)
		leaves *= 2;
	tree = calloc(2 * (size_t)leaves, sizeof(*tree));
	if (!tree) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < leaves; i++) {
		tree[leaves + i].win = i < ngrp ? i : WRR_NONE;
		tree[leaves + i].melt = WRR_NEVER;
	}
	for (n = leaves; n-- > 1;)
		wrr_pull(tree, n, grp, 1);

	for (pos = 0; pos < len; pos++) {
		t = (__s64)pos + 1;
		wrr_advance(tree, 1, leaves, grp, t);
		k = tree[1].win;
		g = &grp[k];
		table[pos] = st[g->first + g->turn].id;
		if (++g->turn == g->size)
			g->turn = 0;
		g->spent += len;
		for (n = (leaves + k) / 2; n; n /= 2)
			wrr_pull(tree, n, grp, t);
	}
out:
	free(tree);
	free(grp);
	return err;
}

/* Check the backends and count those with weight > 0. */
static int count_active(const struct maglev_backend *b, size_t n, __u32 *active)
{
	size_t k, cnt = 0;

	for (k = 0; k < n; k++) {
		if (!b[k].weight)
			continue;
		if (b[k].weight > XDPLB_MAX_WEIGHT || !b[k].id)
			return -EINVAL;
		cnt++;
	}
	if (cnt > XDPLB_MAX_RING_SIZE)
		return -EINVAL; /* more than any table holds */
	*active = cnt;
	return 0;
}

int sched_build(int sched, const struct maglev_backend *b, size_t n, __u32 ring, __u32 *table)
{
	struct sched_state *st = NULL;
	__u32 active, cnt = 0, len = 0, i;
	size_t k;
	int err;

	if (sched < 0 || sched >= XDPLB_SCHED_MAX || !table || (n && !b) ||
	    ring > XDPLB_MAX_RING_SIZE || !maglev_is_prime(ring))
		return -EINVAL;
	err = count_active(b, n, &active);
	if (err)
		return err;
	if (!active) {
		memset(table, 0, (size_t)ring * sizeof(*table));
		return 0;
	}
	if (sched == XDPLB_SCHED_MH || sched == XDPLB_SCHED_SH) {
		err = maglev_build(b, n, table, ring);
		return err ? err : (int)ring;
	}
	if (active > ring)
		return -EINVAL;

	st = calloc(active, sizeof(*st));
	if (!st)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		if (!b[k].weight)
			continue;
		st[cnt].key = b[k].key;
		st[cnt].id = b[k].id;
		st[cnt].weight = b[k].weight;
		cnt++;
	}
	/* Sorting makes the table independent of the input order, ties included. */
	qsort(st, cnt, sizeof(*st), cmp_key_id);

	switch (sched) {
	case XDPLB_SCHED_WRR:
		len = (__u32)wrr_weights(st, cnt, ring);
		err = wrr_fill(st, cnt, len, table);
		break;
	case XDPLB_SCHED_RR:
	case XDPLB_SCHED_LC:
	case XDPLB_SCHED_WLC:
		for (i = 0; i < cnt; i++)
			table[i] = st[i].id;
		len = cnt;
		break;
	}
	if (!err)
		memset(table + len, 0, (size_t)(ring - len) * sizeof(*table));
	free(st);
	return err ? err : (int)len;
}
