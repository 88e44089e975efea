// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* VIPs: reading and listing them, adding, changing and deleting them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

int lb_vip_get(struct lb *lb, const struct xdplb_vip_key *key, struct xdplb_vip *vip)
{
	return bpf_map_lookup_elem(lb->fd.vips, key, vip) ? -errno : 0;
}

static int vip_cmp(const void *a, const void *b)
{
	const struct lb_vip_entry *x = a, *y = b;

	return x->vip.id < y->vip.id ? -1 : x->vip.id > y->vip.id;
}

/* Every entry of xdplb_vips, VIPs and address entries, in a few syscalls (hash batch
 * lookups): the count, *keys and *vals malloc()ed, or -errno. */
int vips_read(struct lb *lb, struct xdplb_vip_key **keys_out, struct xdplb_vip **vals_out)
{
	__u32 cap = lb->vip_keys + 1; /* one more than fits: the last call ends with ENOENT */
	struct xdplb_vip_key *keys = calloc(cap, sizeof(*keys));
	struct xdplb_vip *vals = calloc(cap, sizeof(*vals));
	__u32 batch, count, n = 0;
	bool first = true;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = cap - n;
		if (!count)
			break;
		err = bpf_map_lookup_batch(lb->fd.vips, first ? NULL : &batch, &batch, keys + n,
					   vals + n, &count, NULL);
		first = false;
		n += count;
		if (err) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
	}
out:
	if (err) {
		free(keys);
		free(vals);
		return err;
	}
	*keys_out = keys;
	*vals_out = vals;
	return (int)n;
}

int lb_vip_list_alloc(struct lb *lb, struct lb_vip_entry **out)
{
	struct xdplb_vip_key *keys;
	struct xdplb_vip *vals;
	struct lb_vip_entry *all;
	int n = vips_read(lb, &keys, &vals), m = 0;

	if (n < 0)
		return n;
	all = calloc(n + 1, sizeof(*all));
	if (!all) {
		m = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (lb_vip_key_is_addr(&keys[i]))
			continue;
		all[m].key = keys[i];
		all[m++].vip = vals[i];
	}
	qsort(all, m, sizeof(*all), vip_cmp);
	*out = all;
out:
	free(keys);
	free(vals);
	return m;
}

int lb_vip_list(struct lb *lb, struct lb_vip_entry *out, int max)
{
	struct lb_vip_entry *all;
	int n = lb_vip_list_alloc(lb, &all);

	/* all of them sorted: the lowest ids first even when max < n */
	if (n >= 0 && out && max > 0)
		memcpy(out, all, (n < max ? n : max) * sizeof(*all));
	if (n >= 0)
		free(all);
	return n;
}

/* The lowest free VIP id. */
static int vip_alloc_id(struct lb *lb, __u32 *id)
{
	struct lb_index *x = idx_ready(lb);
	struct lb_vip_entry *all;
	unsigned char *used;
	int n, err = -ENOSPC;

	if (x) {
		for (__u32 i = x->vip_hint ? x->vip_hint : 1; i < lb->max_vips; i++) {
			if (!x->vip_used[i]) {
				x->vip_hint = i;
				*id = i;
				return 0;
			}
		}
		x->vip_hint = lb->max_vips;
		return -ENOSPC;
	}
	n = lb_vip_list_alloc(lb, &all);
	if (n < 0)
		return n;
	used = calloc(lb->max_vips, 1);
	if (!used) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (all[i].vip.id < lb->max_vips)
			used[all[i].vip.id] = 1;
	for (__u32 i = 1; i < lb->max_vips; i++) {
		if (!used[i]) {
			*id = i;
			err = 0;
			break;
		}
	}
out:
	free(all);
	free(used);
	return err;
}

int lb_vip_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params)
{
	struct xdplb_vip vip = *params, prev;
	bool shared;
	int err;

	if (lb_vip_key_is_addr(key))
		return -EINVAL;
	if (!lb_vip_get(lb, key, &vip))
		return -EEXIST;
	vip = *params;
	err = vip_alloc_id(lb, &vip.id);
	if (err)
		return err;
	/* A reused id must not inherit an old table or old counters: its table goes now, or in
	 * bulk mode is built (or emptied) at the flush, with the others */
	if (in_bulk(lb))
		lb->idx->tables[vip.id] = TABLE_REBUILD;
	else if (bpf_map_delete_elem(lb->fd.tables, &vip.id) && errno != ENOENT)
		return -errno;
	err = zero_percpu(lb->fd.vip_stats, vip.id, sizeof(struct xdplb_traffic));
	if (err)
		return err;
	if (bpf_map_update_elem(lb->fd.rr, &vip.id, &(__u64){ 0 }, BPF_ANY))
		return -errno;
	err = addr_before_add(lb, key, &prev, &shared);
	if (err)
		return err;
	if (bpf_map_update_elem(lb->fd.vips, key, &vip, BPF_NOEXIST)) {
		err = errno == E2BIG ? -ENOSPC : -errno;
		addr_undo_add(lb, key, shared ? &prev : NULL);
		return err;
	}
	err = addr_after_add(lb, key, &vip, shared);
	if (err) {
		bpf_map_delete_elem(lb->fd.vips, key);
		return err;
	}
	idx_vip_set(lb, vip.id, true, vip.mode);
	return add_cfg_flags(lb, key, &vip);
}

/* conns_lc_set() for every backend of VIP @vip_id. */
static int vip_conns_lc_set(struct lb *lb, __u32 vip_id, bool on)
{
	struct lb_real_entry *rs;
	int n = real_list_alloc(lb, vip_id, &rs), err = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && !err; i++)
		err = conns_lc_set(lb, rs[i].id, on);
	free(rs);
	return err;
}

int lb_vip_set(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params)
{
	struct lb_real_entry *rs;
	struct xdplb_vip vip;
	__u8 old_mode, old_sched;
	int n, err;

	if (lb_vip_key_is_addr(key))
		return -EINVAL;
	err = lb_vip_get(lb, key, &vip);
	if (err)
		return err;
	old_mode = vip.mode;
	old_sched = vip.sched;
	vip.mode = params->mode;
	vip.sched = params->sched;
	vip.flags = params->flags;
	vip.persist = params->persist;
	vip.quorum = params->quorum;
	vip.hysteresis = params->hysteresis;
	if (vip.mode == XDPLB_MODE_NAT && old_mode != XDPLB_MODE_NAT) {
		/* its backends' replies are recognised before its flows are translated */
		n = real_list_alloc(lb, vip.id, &rs);
		if (n < 0)
			return n;
		err = nat_filter_add(lb, rs, n);
		free(rs);
		if (err)
			return err;
	}
	/* to lc or wlc: their backends' shared counts, before the scheduler reads them */
	if (sched_reads_conns(vip.sched) && !sched_reads_conns(old_sched)) {
		err = vip_conns_lc_set(lb, vip.id, true);
		if (err)
			return err;
	}
	err = table_changed(lb, &vip);
	if (err)
		return err;
	if (bpf_map_update_elem(lb->fd.vips, key, &vip, BPF_EXIST))
		return -errno;
	idx_vip_set(lb, vip.id, true, vip.mode);
	if (!sched_reads_conns(vip.sched) && sched_reads_conns(old_sched)) {
		err = vip_conns_lc_set(lb, vip.id, false);
		if (err)
			return err;
	}
	err = addr_after_set(lb, key, &vip);
	err = err ?: cfg_flags_changed(lb);
	if (!err && old_mode == XDPLB_MODE_NAT && vip.mode != XDPLB_MODE_NAT)
		err = nat_filter_changed(lb); /* no longer NAT: its backends' bits may go */
	return err;
}

int lb_vip_del(struct lb *lb, const struct xdplb_vip_key *key)
{
	struct xdplb_real empty = {};
	struct lb_real_entry *rs;
	struct xdplb_vip vip;
	bool alone;
	int n, err;

	if (lb_vip_key_is_addr(key))
		return -EINVAL;
	err = lb_vip_get(lb, key, &vip);
	if (err)
		return err;
	alone = addr_alone(lb, key, vip.id);
	/* First stop matching packets (fragments too), then take the table and the backends
	 * away.  No CPU may answer from a cached copy of it: vip_gen is bumped before. */
	if (bpf_map_delete_elem(lb->fd.vips, key))
		return -errno;
	if (!in_bulk(lb)) {
		err = vips_changed(lb, key);
	} else {
		err = addr_after_bulk_del(lb, key, alone);
		err = err ?: bump_vip_gen(lb);
	}
	if (err)
		return err;
	if (in_bulk(lb) && vip.id < lb->max_vips)
		lb->idx->tables[vip.id] = TABLE_DELETE; /* nothing can reach it: at the flush */
	else if (bpf_map_delete_elem(lb->fd.tables, &vip.id) && errno != ENOENT)
		return -errno;
	n = real_list_alloc(lb, vip.id, &rs);
	for (int i = 0; i < n; i++) {
		empty.gen = rs[i].real.gen;
		err = real_write(lb, rs[i].id, &empty);
		err = err ?: real_vip_write(lb, rs[i].id, NULL, 0);
		if (err)
			break;
	}
	free(rs);
	if (n < 0)
		return n;
	idx_vip_set(lb, vip.id, false, 0);
	lb_check_forget(lb, vip.id, 0);
	err = err ?: in_bulk(lb) ? cfg_flags_changed(lb) : 0;
	if (!err && vip.mode == XDPLB_MODE_NAT)
		err = nat_filter_changed(lb); /* its backends are gone */
	return err;
}
