// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The index of backend and VIP ids (internal.h), and the backend listings and lookups that
 * use it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

struct lb_index *idx_get(struct lb *lb)
{
	struct lb_index *x = lb->idx;

	if (x)
		return x;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	lb->idx = x;
	return x;
}

void idx_free(struct lb *lb)
{
	struct lb_index *x = lb->idx;

	if (!x)
		return;
	free(x->reals);
	free(x->head);
	free(x->next);
	free(x->prev);
	free(x->count);
	free(x->vip_used);
	free(x->vip_nat);
	free(x->tables);
	free(x);
	lb->idx = NULL;
}

/* Outside bulk mode: read the maps again before the index is used next. */
void idx_forget(struct lb *lb)
{
	if (lb->idx && !lb->idx->bulk)
		lb->idx->loaded = false;
}

bool in_bulk(const struct lb *lb)
{
	return lb->idx && lb->idx->bulk;
}

/* Does a slot holding @r belong to a VIP's list? */
bool idx_listed(const struct lb *lb, const struct xdplb_real *r)
{
	return (r->flags & XDPLB_REAL_F_USED) && r->vip_id < lb->max_vips;
}

static void idx_link(struct lb_index *x, __u32 id)
{
	__u32 vip_id = x->reals[id].vip_id;

	x->prev[id] = 0;
	x->next[id] = x->head[vip_id];
	if (x->head[vip_id])
		x->prev[x->head[vip_id]] = id;
	x->head[vip_id] = id;
	x->count[vip_id]++;
}

static void idx_unlink(struct lb_index *x, __u32 id)
{
	__u32 vip_id = x->reals[id].vip_id;

	if (x->prev[id])
		x->next[x->prev[id]] = x->next[id];
	else
		x->head[vip_id] = x->next[id];
	if (x->next[id])
		x->prev[x->next[id]] = x->prev[id];
	x->next[id] = x->prev[id] = 0;
	x->count[vip_id]--;
}

/* Read the maps into the index. */
int idx_load(struct lb *lb, struct lb_index *x)
{
	struct lb_vip_entry *vips = NULL;
	struct xdplb_real *reals;
	int n;

	x->loaded = false;
	if (!x->head)
		x->head = calloc(lb->max_vips, sizeof(*x->head));
	if (!x->next)
		x->next = calloc(lb->max_reals, sizeof(*x->next));
	if (!x->prev)
		x->prev = calloc(lb->max_reals, sizeof(*x->prev));
	if (!x->count)
		x->count = calloc(lb->max_vips, sizeof(*x->count));
	if (!x->vip_used)
		x->vip_used = calloc(lb->max_vips, 1);
	if (!x->vip_nat)
		x->vip_nat = calloc(lb->max_vips, 1);
	if (!x->head || !x->next || !x->prev || !x->count || !x->vip_used || !x->vip_nat)
		return -ENOMEM;
	n = lb_vip_list_alloc(lb, &vips);
	if (n < 0)
		return n;
	reals = reals_read_map(lb);
	if (!reals) {
		free(vips);
		return -ENOMEM;
	}
	free(x->reals);
	x->reals = reals;
	memset(x->head, 0, lb->max_vips * sizeof(*x->head));
	memset(x->count, 0, lb->max_vips * sizeof(*x->count));
	memset(x->vip_used, 0, lb->max_vips);
	memset(x->vip_nat, 0, lb->max_vips);
	/* every used slot into its VIP's list (listings sort by id) */
	for (__u32 id = lb->max_reals - 1; id > 0; id--)
		if (idx_listed(lb, &reals[id]))
			idx_link(x, id);
	for (int i = 0; i < n; i++) {
		if (vips[i].vip.id < lb->max_vips) {
			x->vip_used[vips[i].vip.id] = 1;
			x->vip_nat[vips[i].vip.id] = vips[i].vip.mode == XDPLB_MODE_NAT;
		}
	}
	free(vips);
	x->real_hint = x->vip_hint = 1;
	x->loaded = true;
	return 0;
}

/* The loaded index if this struct lb may use one, else NULL (then read the maps). */
struct lb_index *idx_ready(struct lb *lb)
{
	struct lb_index *x = lb->idx;

	if (x && x->bulk)
		return x->loaded ? x : NULL;
	if (!lb_locked(lb))
		return NULL;
	x = idx_get(lb);
	if (!x || (!x->loaded && idx_load(lb, x)))
		return NULL;
	return x;
}

/* The map disagreed with the index: read it again. */
struct lb_index *idx_reload(struct lb *lb)
{
	if (lb->idx)
		lb->idx->loaded = false;
	return idx_ready(lb);
}

/* Backend slot @id now holds @r (just written to the map). */
void idx_set(struct lb *lb, __u32 id, const struct xdplb_real *r)
{
	struct lb_index *x = lb->idx;

	if (!x || !x->loaded || !id || id >= lb->max_reals)
		return;
	if (idx_listed(lb, &x->reals[id]))
		idx_unlink(x, id);
	x->reals[id] = *r;
	if (idx_listed(lb, r))
		idx_link(x, id);
	else if (!(r->flags & XDPLB_REAL_F_USED) && id < x->real_hint)
		x->real_hint = id;
}

void idx_vip_set(struct lb *lb, __u32 vip_id, bool used, __u8 mode)
{
	struct lb_index *x = lb->idx;

	if (!x || !x->loaded || vip_id >= lb->max_vips)
		return;
	x->vip_used[vip_id] = used;
	x->vip_nat[vip_id] = used && mode == XDPLB_MODE_NAT;
	if (!used && vip_id < x->vip_hint)
		x->vip_hint = vip_id;
}

/* Read the whole backend array (one batch syscall where the kernel supports it). */
struct xdplb_real *reals_read_map(struct lb *lb)
{
	__u32 count = lb->max_reals, out_batch = 0, *keys;
	struct xdplb_real *reals;

	reals = calloc(lb->max_reals, sizeof(*reals));
	keys = calloc(lb->max_reals, sizeof(__u32));
	if (reals && keys &&
	    bpf_map_lookup_batch(lb->fd.reals, NULL, &out_batch, keys, reals, &count, NULL) &&
	    errno != ENOENT) { /* ENOENT: that was all of them */
		free(reals);
		reals = NULL;
	}
	free(keys);
	return reals;
}

bool real_matches(const struct xdplb_real *r, const __be32 addr[4], __u8 family, __be16 port)
{
	return r->family == family && r->port == port && !memcmp(r->addr, addr, 16);
}

static int id_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct lb_real_entry *)a)->id, y = ((const struct lb_real_entry *)b)->id;

	return x < y ? -1 : x > y;
}

/* Backends of @vip_id from the index, sorted by id: the count, -EAGAIN when the map disagrees
 * (checked mode: each record is read from the map), or -errno. */
static int idx_real_list(struct lb *lb, struct lb_index *x, __u32 vip_id, struct lb_real_entry *out,
			 int max)
{
	int n = 0;

	if (vip_id >= lb->max_vips)
		return 0;
	for (__u32 id = x->head[vip_id]; id; id = x->next[id], n++) {
		if (n >= max)
			continue;
		out[n].id = id;
		if (x->bulk) {
			out[n].real = x->reals[id];
			continue;
		}
		if (bpf_map_lookup_elem(lb->fd.reals, &id, &out[n].real))
			return -errno;
		if (!(out[n].real.flags & XDPLB_REAL_F_USED) || out[n].real.vip_id != vip_id)
			return -EAGAIN;
	}
	if (n && max > 0)
		qsort(out, n < max ? n : max, sizeof(*out), id_cmp);
	return n;
}

/* Backend {addr, port} of @vip_id from the index (checked against the map outside bulk
 * mode): its id, -ENOENT, -EAGAIN or -errno. */
int idx_real_find(struct lb *lb, struct lb_index *x, __u32 vip_id, const __be32 addr[4],
		  __u8 family, __be16 port)
{
	struct xdplb_real r;

	if (vip_id >= lb->max_vips)
		return -ENOENT;
	for (__u32 id = x->head[vip_id]; id; id = x->next[id]) {
		if (!real_matches(&x->reals[id], addr, family, port))
			continue;
		if (x->bulk)
			return (int)id;
		if (bpf_map_lookup_elem(lb->fd.reals, &id, &r))
			return -errno;
		if (!(r.flags & XDPLB_REAL_F_USED) || r.vip_id != vip_id ||
		    !real_matches(&r, addr, family, port))
			return -EAGAIN;
		return (int)id;
	}
	return -ENOENT;
}

/* The lowest free backend id and its slot's gen, from the index (checked against the map
 * outside bulk mode). */
int idx_free_id(struct lb *lb, struct lb_index *x, __u32 *id, __u16 *gen)
{
	struct xdplb_real r;

	for (__u32 i = x->real_hint ? x->real_hint : 1; i < lb->max_reals; i++) {
		if (x->reals[i].flags & XDPLB_REAL_F_USED)
			continue;
		x->real_hint = i;
		if (x->bulk) {
			r = x->reals[i];
		} else {
			if (bpf_map_lookup_elem(lb->fd.reals, &i, &r))
				return -errno;
			if (r.flags & XDPLB_REAL_F_USED)
				return -EAGAIN;
		}
		*id = i;
		*gen = r.gen;
		return 0;
	}
	x->real_hint = lb->max_reals;
	return -ENOSPC;
}

int lb_real_list(struct lb *lb, __u32 vip_id, struct lb_real_entry *out, int max)
{
	struct lb_index *x = idx_ready(lb);
	struct xdplb_real *reals;
	int n = 0;

	if (x) {
		n = idx_real_list(lb, x, vip_id, out, max);
		if (n == -EAGAIN && (x = idx_reload(lb)))
			n = idx_real_list(lb, x, vip_id, out, max);
		if (n != -EAGAIN)
			return n;
		n = 0;
	}
	reals = reals_read_map(lb);
	if (!reals)
		return -ENOMEM;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if (!(reals[i].flags & XDPLB_REAL_F_USED) || reals[i].vip_id != vip_id)
			continue;
		if (n < max) {
			out[n].id = i;
			out[n].real = reals[i];
		}
		n++;
	}
	free(reals);
	return n;
}

/* The backends of @vip_id in a new array (*out, to free): the count or -errno. */
int real_list_alloc(struct lb *lb, __u32 vip_id, struct lb_real_entry **out)
{
	int cap = lb_real_list(lb, vip_id, NULL, 0), n;

	for (;;) {
		if (cap < 0)
			return cap;
		*out = calloc(cap + 1, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		n = lb_real_list(lb, vip_id, *out, cap + 1);
		if (n <= cap + 1)
			break;
		free(*out);
		cap = n; /* changed in between (the index was reloaded, or no lock) */
	}
	if (n < 0) {
		free(*out);
		*out = NULL;
	}
	return n;
}

int lb_real_find(struct lb *lb, __u32 vip_id, const __be32 addr[4], __u8 family, __be16 port)
{
	struct lb_index *x = idx_ready(lb);
	struct xdplb_real *reals;
	int id = -ENOENT;

	if (x) {
		id = idx_real_find(lb, x, vip_id, addr, family, port);
		if (id == -EAGAIN && (x = idx_reload(lb)))
			id = idx_real_find(lb, x, vip_id, addr, family, port);
		if (id != -EAGAIN)
			return id;
		id = -ENOENT;
	}
	reals = reals_read_map(lb);
	if (!reals)
		return -ENOMEM;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if ((reals[i].flags & XDPLB_REAL_F_USED) && reals[i].vip_id == vip_id &&
		    real_matches(&reals[i], addr, family, port)) {
			id = (int)i;
			break;
		}
	}
	free(reals);
	return id;
}

int idx_refresh_states(struct lb *lb)
{
	struct lb_index *x = lb->idx;
	struct xdplb_real *now;

	if (!x || !x->loaded)
		return 0;
	now = reals_read_map(lb);
	if (!now)
		return -ENOMEM;
	for (__u32 id = 1; id < lb->max_reals; id++) {
		struct xdplb_real *r = &x->reals[id];

		if (idx_listed(lb, r) && (now[id].flags & XDPLB_REAL_F_USED) &&
		    now[id].vip_id == r->vip_id && now[id].gen == r->gen) {
			r->state = now[id].state;
			r->since = now[id].since;
		}
	}
	free(now);
	return 0;
}
