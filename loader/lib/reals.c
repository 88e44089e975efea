// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Backends: adding them, changing weight and health state, deleting them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

/* Write backend @id, and tell the index. */
int real_write(struct lb *lb, __u32 id, const struct xdplb_real *r)
{
	if (bpf_map_update_elem(lb->fd.reals, &id, r, BPF_ANY))
		return -errno;
	idx_set(lb, id, r);
	return 0;
}

/* What NAT replies of backend @id get back: @vkey's address and port, and the VIP they count
 * for (NULL: the id is free). */
int real_vip_write(struct lb *lb, __u32 id, const struct xdplb_vip_key *vkey, __u32 vip_id)
{
	struct xdplb_real_vip rv = { .vip_id = vkey ? vip_id : 0 };

	if (vkey) {
		memcpy(rv.vip_addr, vkey->addr, sizeof(rv.vip_addr));
		rv.vip_port = vkey->port;
		rv.family = vkey->family;
	}
	return bpf_map_update_elem(lb->fd.real_vip, &id, &rv, BPF_ANY) ? -errno : 0;
}

/* Where lb_real_add() puts @real: a free id and the gen its slot had, and how many backends
 * the VIP has (*count); -EEXIST, -ENOSPC or -errno. */
static int real_add_slot(struct lb *lb, __u32 vip_id, const struct xdplb_real *real, __u32 *id,
			 __u16 *prev_gen, __u32 *count)
{
	struct lb_index *x = idx_ready(lb);
	struct xdplb_real *reals;
	int err;

	for (int tries = 0; x && tries < 2; tries++) {
		err = idx_real_find(lb, x, vip_id, real->addr, real->family, real->port);
		if (err >= 0)
			return -EEXIST;
		if (err == -ENOENT)
			err = idx_free_id(lb, x, id, prev_gen);
		if (err != -EAGAIN) {
			*count = vip_id < lb->max_vips ? x->count[vip_id] : 0;
			return err;
		}
		x = idx_reload(lb);
	}
	reals = reals_read_map(lb);
	if (!reals)
		return -ENOMEM;
	*id = 0;
	*count = 0;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if (!(reals[i].flags & XDPLB_REAL_F_USED)) {
			if (!*id) {
				*id = i;
				*prev_gen = reals[i].gen;
			}
			continue;
		}
		if (reals[i].vip_id != vip_id)
			continue;
		if (real_matches(&reals[i], real->addr, real->family, real->port)) {
			free(reals);
			return -EEXIST;
		}
		(*count)++;
	}
	free(reals);
	return *id ? 0 : -ENOSPC;
}

int lb_real_add(struct lb *lb, const struct xdplb_vip_key *vkey, const struct xdplb_real *real)
{
	struct xdplb_real r = *real;
	struct xdplb_vip vip;
	struct xdplb_config cfg;
	__u32 id = 0, count = 0;
	__u16 prev_gen = 0;
	int err = lb_vip_get(lb, vkey, &vip);

	if (err)
		return err;
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	err = real_add_slot(lb, vip.id, real, &id, &prev_gen, &count);
	if (err)
		return err;
	if (count >= lb_max_reals_per_vip(&cfg))
		return -E2BIG; /* the scheduler tables could not hold one more */
	r.vip_id = vip.id;
	r.flags |= XDPLB_REAL_F_USED;
	r.state = XDPLB_REAL_UP;
	r.since = lb_mono_ns();
	r.gen = prev_gen + 1; /* flows of the id's previous holder do not follow this one */
	err = zero_percpu(lb->fd.real_stats, id, sizeof(struct xdplb_traffic));
	if (err)
		return err;
	err = zero_percpu(lb->fd.conns, id, sizeof(struct xdplb_conns));
	err = err ?: conns_lc_set(lb, id, sched_reads_conns(vip.sched));
	if (err)
		return err;
	if (vip.mode == XDPLB_MODE_NAT) {
		/* its replies are recognised before it can get a flow (its table comes after) */
		struct lb_real_entry e = { .id = id, .real = r };

		err = nat_filter_add(lb, &e, 1);
		if (err)
			return err;
	}
	/* before the backend: a reply entry is checked against it, then this is read */
	err = real_vip_write(lb, id, vkey, vip.id);
	if (err)
		return err;
	err = real_write(lb, id, &r);
	if (err)
		return err;
	return table_changed(lb, &vip);
}

/* The VIP, id and record of backend {addr, port} of VIP @vkey. */
static int real_locate(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4],
		       __u8 family, __be16 port, struct xdplb_vip *vip, __u32 *id,
		       struct xdplb_real *r)
{
	int err = lb_vip_get(lb, vkey, vip), found;

	if (err)
		return err;
	found = lb_real_find(lb, vip->id, addr, family, port);
	if (found < 0)
		return found;
	*id = found;
	return bpf_map_lookup_elem(lb->fd.reals, id, r) ? -errno : 0;
}

int lb_real_set_weight(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4],
		       __u8 family, __be16 port, __u32 weight)
{
	struct xdplb_real r;
	struct xdplb_vip vip;
	__u32 id;
	int err = real_locate(lb, vkey, addr, family, port, &vip, &id, &r);

	if (err)
		return err;
	r.weight = weight;
	err = real_write(lb, id, &r);
	if (err)
		return err;
	return table_changed(lb, &vip);
}

int lb_real_set_state(struct lb *lb, __u32 id, __u16 gen, __u8 state)
{
	struct xdplb_real r;
	struct xdplb_vip vip = {};
	struct lb_vip_entry *vips;
	int n, err = -ENOENT;

	if (id >= lb->max_reals || bpf_map_lookup_elem(lb->fd.reals, &id, &r))
		return id >= lb->max_reals ? -ENOENT : -errno;
	if (!(r.flags & XDPLB_REAL_F_USED) || r.gen != gen)
		return -ENOENT;
	if (r.state == state)
		return 0;
	/* the VIP record (its scheduler) for the rebuild */
	n = lb_vip_list_alloc(lb, &vips);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (vips[i].vip.id == r.vip_id) {
			vip = vips[i].vip;
			err = 0;
			break;
		}
	}
	free(vips);
	if (err)
		return err;
	r.state = state;
	r.since = lb_mono_ns();
	err = real_write(lb, id, &r);
	return err ?: table_changed(lb, &vip);
}

int lb_real_del(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4], __u8 family,
		__be16 port)
{
	struct xdplb_real r, empty = {};
	struct xdplb_vip vip;
	__u32 id;
	int err = real_locate(lb, vkey, addr, family, port, &vip, &id, &r);

	if (err)
		return err;
	/* Out of the table first (no new flows), then gone (its flows move on their next
	 * packet, see select_real()). */
	r.weight = 0;
	err = real_write(lb, id, &r);
	if (err)
		return err;
	err = lb_table_rebuild(lb, &vip); /* now, also in bulk mode: the id is freed next */
	if (err)
		return err;
	empty.gen = r.gen; /* the next holder of the id takes gen + 1 */
	err = real_write(lb, id, &empty);
	err = err ?: real_vip_write(lb, id, NULL, 0);
	if (err)
		return err;
	lb_check_forget(lb, vip.id, id);
	/* gone: its bit may go (unless another NAT backend has the same) */
	return vip.mode == XDPLB_MODE_NAT ? nat_filter_changed(lb) : 0;
}

struct xdplb_real *lb_reals_snapshot(struct lb *lb)
{
	struct xdplb_real *copy;

	if (!in_bulk(lb))
		return reals_read_map(lb);
	/* in bulk mode, the copy kept in memory is what the maps hold */
	copy = malloc(lb->max_reals * sizeof(*copy)); /* the caller frees it */
	if (copy)
		memcpy(copy, lb->idx->reals, lb->max_reals * sizeof(*copy));
	return copy;
}

int lb_real_get(struct lb *lb, __u32 id, struct xdplb_real *out)
{
	if (id >= lb->max_reals)
		return -ENOENT;
	return bpf_map_lookup_elem(lb->fd.reals, &id, out) ? -errno : 0;
}
