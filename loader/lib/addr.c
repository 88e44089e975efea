// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Address entries (lb.h): one per {address, protocol, family} with a VIP, for fragments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

/*
 * Address entries (lb.h).  Outside bulk mode each change reads what it needs from the map;
 * where the entry alone cannot tell (a record with id 0: one VIP without l3hash, or several),
 * the VIPs of the address are counted in a listing.  In bulk mode those cases leave the entry at id
 * 0 (fragments to the address are dropped, never sent to a wrong VIP) until the flush rewrites them
 * all once.
 */
static struct xdplb_vip_key addr_key_of(const struct xdplb_vip_key *k)
{
	struct xdplb_vip_key a = *k;

	a.port = 0;
	a.family |= XDPLB_AF_ADDR;
	return a;
}

/* The address entry of @v when it is the only VIP on its address and protocol. */
static struct xdplb_vip addr_value_of(const struct xdplb_vip *v)
{
	struct xdplb_vip none = {};

	return (v->flags & XDPLB_VIP_F_L3HASH) ? *v : none;
}

static int addr_put(struct lb *lb, const struct xdplb_vip_key *akey, const struct xdplb_vip *val)
{
	struct xdplb_vip cur;

	if (!bpf_map_lookup_elem(lb->fd.vips, akey, &cur) && !memcmp(&cur, val, sizeof(cur)))
		return 0;
	if (bpf_map_update_elem(lb->fd.vips, akey, val, BPF_ANY))
		return errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

static int addr_drop(struct lb *lb, const struct xdplb_vip_key *akey)
{
	return bpf_map_delete_elem(lb->fd.vips, akey) && errno != ENOENT ? -errno : 0;
}

static int addr_group_cmp(const struct xdplb_vip_key *x, const struct xdplb_vip_key *y);

/* From @n entries of xdplb_vips (a listing): rewrite the address entry of @key's address and
 * protocol from the VIPs there, and put the config flags every VIP needs in *@flags. */
static int addr_rewrite(struct lb *lb, const struct xdplb_vip_key *key,
			const struct xdplb_vip_key *keys, const struct xdplb_vip *vals, int n,
			__u32 *flags)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_vip want = {};
	int count = 0, lone = -1;

	*flags = 0;
	for (int i = 0; i < n; i++) {
		if (lb_vip_key_is_addr(&keys[i]))
			continue;
		*flags |= vip_cfg_flags(&keys[i], &vals[i]);
		if (addr_group_cmp(&keys[i], &akey))
			continue;
		count++;
		lone = i;
	}
	if (count == 1)
		want = addr_value_of(&vals[lone]);
	return count ? addr_put(lb, &akey, &want) : addr_drop(lb, &akey);
}

/* Rewrite the address entry of @key's address and protocol (one read of the map, no
 * sorting: what a single change needs outside bulk mode); the VIPs' config flags into
 * *@flags (NULL: not wanted). */
static int addr_sync_one(struct lb *lb, const struct xdplb_vip_key *key, __u32 *flags)
{
	struct xdplb_vip_key *keys;
	struct xdplb_vip *vals;
	__u32 f;
	int n = vips_read(lb, &keys, &vals), err;

	if (n < 0)
		return n;
	err = addr_rewrite(lb, key, keys, vals, n, flags ?: &f);
	free(keys);
	free(vals);
	return err;
}

/*
 * Outside bulk mode, after VIP @key left xdplb_vips: from one listing, its address's entry
 * and the config flags (update_cfg_flags()), vip_gen bumped.  One read of the map, not two:
 * deleting a VIP costs what it did before address entries.
 */
int vips_changed(struct lb *lb, const struct xdplb_vip_key *key)
{
	struct xdplb_config cfg;
	__u32 flags;
	int err = addr_sync_one(lb, key, &flags) ?: lb_config_get(lb, &cfg);

	if (err)
		return err;
	cfg.flags = flags | (cfg.flags & ~VIP_CFG_FLAGS);
	cfg.vip_gen++;
	return lb_config_set(lb, &cfg);
}

/* The entry cannot say how many VIPs share @key's address: count them now, or rewrite every
 * entry at the flush. */
static int addr_resolve(struct lb *lb, const struct xdplb_vip_key *key)
{
	if (!in_bulk(lb))
		return addr_sync_one(lb, key, NULL);
	lb->idx->addr_sync = true;
	lb->idx->cfg_flags = true; /* its vip_gen bump comes after */
	return 0;
}

struct addr_item {
	struct xdplb_vip_key key;
	struct xdplb_vip vip;
};

/* By {address, protocol, family}: 0 for keys of one address entry's group. */
static int addr_group_cmp(const struct xdplb_vip_key *x, const struct xdplb_vip_key *y)
{
	int d = memcmp(x->addr, y->addr, sizeof(x->addr));

	if (d)
		return d;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if ((x->family & ~XDPLB_AF_ADDR) != (y->family & ~XDPLB_AF_ADDR))
		return (x->family & ~XDPLB_AF_ADDR) < (y->family & ~XDPLB_AF_ADDR) ? -1 : 1;
	return 0;
}

/* By group; in each group the address entry first. */
static int addr_item_cmp(const void *a, const void *b)
{
	const struct xdplb_vip_key *x = &((const struct addr_item *)a)->key;
	const struct xdplb_vip_key *y = &((const struct addr_item *)b)->key;

	return addr_group_cmp(x, y) ?: lb_vip_key_is_addr(y) - lb_vip_key_is_addr(x);
}

int lb_addr_sync(struct lb *lb)
{
	struct xdplb_vip_key *keys;
	struct xdplb_vip *vals;
	struct addr_item *it;
	int n = vips_read(lb, &keys, &vals), err = 0, e;

	if (n < 0)
		return n;
	it = calloc(n + 1, sizeof(*it));
	if (!it) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		it[i].key = keys[i];
		it[i].vip = vals[i];
	}
	qsort(it, n, sizeof(*it), addr_item_cmp);
	for (int i = 0, j; i < n; i = j) {
		bool have = lb_vip_key_is_addr(&it[i].key);
		struct xdplb_vip_key akey = addr_key_of(&it[i].key);
		int first = have ? i + 1 : i;
		struct xdplb_vip want = {};

		for (j = first; j < n && !addr_group_cmp(&it[i].key, &it[j].key); j++)
			;
		if (j == first) { /* no VIP left on the address */
			e = addr_drop(lb, &akey);
			err = err ?: e;
			continue;
		}
		if (j - first == 1)
			want = addr_value_of(&it[first].vip);
		if (have && !memcmp(&it[i].vip, &want, sizeof(want)))
			continue;
		e = addr_put(lb, &akey, &want);
		err = err ?: e;
	}
out:
	free(it);
	free(keys);
	free(vals);
	return err;
}

/* VIP @key is now @vip: a copy of it in its address entry follows. */
int addr_after_set(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *vip)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_vip cur, want = addr_value_of(vip);

	if (bpf_map_lookup_elem(lb->fd.vips, &akey, &cur))
		return addr_resolve(lb, key); /* none: maps of an xdplb without them */
	if (cur.id == vip->id)
		return addr_put(lb, &akey, &want); /* alone: the copy changes */
	if (vip->flags & XDPLB_VIP_F_L3HASH)
		return addr_resolve(lb, key); /* alone (without l3hash so far) or not? */
	return 0;			      /* id 0 stays right */
}

int addr_before_add(struct lb *lb, const struct xdplb_vip_key *key, struct xdplb_vip *prev,
		    bool *shared)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_vip none = {};

	/* Another VIP on the address: from now on its fragments cannot all go to one VIP (id 0
	 * before the new VIP can take packets, so none goes to the other one by mistake). */
	*shared = !bpf_map_lookup_elem(lb->fd.vips, &akey, prev);
	return *shared ? addr_put(lb, &akey, &none) : 0;
}

void addr_undo_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *prev)
{
	struct xdplb_vip_key akey = addr_key_of(key);

	if (prev)
		addr_put(lb, &akey, prev);
}

int addr_after_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *vip,
		   bool shared)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_vip entry = addr_value_of(vip);

	return shared ? 0 : addr_put(lb, &akey, &entry); /* alone on the address */
}

bool addr_alone(struct lb *lb, const struct xdplb_vip_key *key, __u32 vip_id)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_vip entry;

	return !bpf_map_lookup_elem(lb->fd.vips, &akey, &entry) && entry.id == vip_id;
}

int addr_after_bulk_del(struct lb *lb, const struct xdplb_vip_key *key, bool alone)
{
	struct xdplb_vip_key akey = addr_key_of(key);

	return alone ? addr_drop(lb, &akey) : addr_resolve(lb, key);
}
