// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* NAT: reply entries in the flow tables, and the NAT reply filter of backend addresses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

/* @key as a reply entry's key (XDPLB_KEY_REPLY), and its flow table's fd in *@fd. */
static struct xdplb_flow_key reply_key(struct lb *lb, const struct xdplb_flow_key *key, int *fd)
{
	struct xdplb_flow_key k = *key;

	k.pad[0] = XDPLB_KEY_REPLY;
	*fd = k.family == XDPLB_AF_INET6 ? lb->fd.flows6 : lb->fd.flows;
	return k;
}

int lb_nat_get(struct lb *lb, const struct xdplb_flow_key *key, struct xdplb_flow *out,
	       struct xdplb_real_vip *vip)
{
	union lb_flow_set set;
	struct xdplb_flow f;
	__u32 idx;
	int fd;
	struct xdplb_flow_key rk = reply_key(lb, key, &fd);
	int i = set_find(fd, &rk, &idx, &set, &f);

	if (i < 0)
		return i;
	if (out)
		*out = f;
	if (vip && bpf_map_lookup_elem(lb->fd.real_vip, &f.real_id, vip))
		memset(vip, 0, sizeof(*vip));
	return 0;
}

int lb_nat_put(struct lb *lb, const struct xdplb_flow_key *reply, __u32 real_id, __u64 atime)
{
	bool v6 = reply->family == XDPLB_AF_INET6;
	struct xdplb_flow f, nf = { .real_id = real_id, .state = XDPLB_FLOW_ACTIVE };
	struct xdplb_flow_key k;
	struct xdplb_real r;
	union lb_flow_set set;
	__u64 oldest = ~0ull;
	__u32 idx;
	int fd;
	struct xdplb_flow_key rk = reply_key(lb, reply, &fd);
	const struct xdplb_flow_key *key = &rk;
	int i = set_find(fd, key, &idx, &set, &f);

	if (i < 0 && i != -ENOENT)
		return i;
	if (real_id >= lb->max_reals || bpf_map_lookup_elem(lb->fd.reals, &real_id, &r))
		return -ENOENT;
	if (!(r.flags & XDPLB_REAL_F_USED))
		return -ENOENT;
	nf.vip_id = r.vip_id;
	nf.gen = r.gen;
	nf.atime = xdplb_tick(atime ?: lb_coarse_now_ns());
	/* as the data plane chooses: the key's slot, else a free one, else the oldest */
	for (int j = 0; i < 0 && lb_flow_slot(&set, v6, j, &k, &f); j++) {
		if (f.state == XDPLB_FLOW_FREE) {
			i = j;
			break;
		}
		if (f.atime < oldest) {
			oldest = f.atime;
			i = j;
		}
	}
	if (i < 0)
		return -ENOSPC;
	if (v6) {
		set.v6.s[i].key = *key;
		set.v6.s[i].f = nf;
	} else {
		set.v4.s[i].key = key4_of(key);
		set.v4.s[i].f = nf;
	}
	return bpf_map_update_elem(fd, &idx, &set, 0) ? -errno : 0;
}

/*
 * The NAT reply filter (lb.h).  Ordering is what keeps replies translated: a backend's bit
 * goes in before the backend can get a flow of a NAT VIP (before lb_real_add() writes it,
 * before lb_vip_set() makes its VIP NAT), and a bit goes out only after the backends with it
 * are gone (a bit left over costs a packet just the reply lookup it would have had).  A fresh
 * attach writes the (empty) filter before any VIP exists.
 */

/* Set @addr's bit in @f; true if it was clear. */
static bool nat_filter_mark(struct xdplb_nat_filter *f, const __be32 addr[4])
{
	__u32 bit = xdplb_nat_filter_bit(addr[0] ^ addr[1] ^ addr[2] ^ addr[3]);
	__u64 m = 1ull << (bit % 64);
	bool was_clear = !(f->bits[bit / 64] & m);

	f->bits[bit / 64] |= m;
	return was_clear;
}

/* The filter of every backend of every NAT-mode VIP, from the index or else the maps. */
static int nat_filter_compute(struct lb *lb, struct xdplb_nat_filter *f)
{
	struct lb_index *x = idx_ready(lb);
	struct lb_vip_entry *vips = NULL;
	struct xdplb_real *reals = NULL;
	__u8 *nat = NULL;
	int n, err = 0;

	memset(f, 0, sizeof(*f));
	if (x) {
		for (__u32 v = 1; v < lb->max_vips; v++)
			for (__u32 id = x->vip_nat[v] ? x->head[v] : 0; id; id = x->next[id])
				nat_filter_mark(f, x->reals[id].addr);
		return 0;
	}
	n = lb_vip_list_alloc(lb, &vips);
	if (n < 0)
		return n;
	nat = calloc(lb->max_vips, 1);
	if (!nat) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (vips[i].vip.id < lb->max_vips && vips[i].vip.mode == XDPLB_MODE_NAT)
			nat[vips[i].vip.id] = 1;
	reals = reals_read_map(lb);
	if (!reals) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 id = 1; id < lb->max_reals; id++)
		if (idx_listed(lb, &reals[id]) && nat[reals[id].vip_id])
			nat_filter_mark(f, reals[id].addr);
out:
	free(reals);
	free(nat);
	free(vips);
	return err;
}

/*
 * Put @f in place of the filter.
 *
 * The update copies the new value over the old one in place (an array map's element is not
 * replaced, nor cleared first), while the data plane may be reading it.  A reader can see
 * some words old and some new, even a word whose bytes are partly old and partly new, but
 * each byte it reads holds either its old or its new value and never anything else, because
 * the copy stores nothing but the new bytes.  So a bit set in both the old and the new filter
 * is set in whatever a reader sees: no backend that stays is ever missed.  A bit only in the
 * new filter is written before its backend can get a flow (above); one only in the old may
 * still be seen for a moment, which costs that packet only a lookup.
 */
static int nat_filter_write(struct lb *lb, const struct xdplb_nat_filter *f)
{
	__u32 zero = 0;

	return bpf_map_update_elem(lb->fd.nat_src, &zero, f, BPF_ANY) ? -errno : 0;
}

int lb_nat_filter_sync(struct lb *lb)
{
	struct xdplb_nat_filter *f;
	int err;

	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	err = nat_filter_compute(lb, f) ?: nat_filter_write(lb, f);
	if (!err && lb->idx)
		lb->idx->nat_src = false;
	free(f);
	return err;
}

/* Backends @rs[0..n-1] are about to take flows of a NAT VIP: their bits join the filter
 * (nothing is cleared). */
int nat_filter_add(struct lb *lb, const struct lb_real_entry *rs, int n)
{
	struct xdplb_nat_filter *f;
	bool changed = false;
	__u32 zero = 0;
	int err = 0;

	if (n <= 0)
		return 0;
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (bpf_map_lookup_elem(lb->fd.nat_src, &zero, f))
		err = -errno;
	for (int i = 0; i < n && !err; i++)
		changed |= nat_filter_mark(f, rs[i].real.addr);
	if (!err && changed)
		err = nat_filter_write(lb, f);
	free(f);
	return err;
}

/* A NAT backend went (or a VIP left NAT mode): its bit may go, now or at the bulk flush. */
int nat_filter_changed(struct lb *lb)
{
	if (!in_bulk(lb))
		return lb_nat_filter_sync(lb);
	lb->idx->nat_src = true;
	return 0;
}
