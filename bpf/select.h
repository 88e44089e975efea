/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains VIP lookup, the flow table and backend selection for new flows. */
#ifndef XDPLB_SELECT_H
#define XDPLB_SELECT_H

#include "maps.h"

/*
 * Flow hash.  Every balancer must compute the same value for the same 5-tuple (that is what
 * lets several nodes behind ECMP agree without shared state), so the seed is a constant.
 * Murmur3's 32-bit mixing steps: cheap, and good enough spread for a table index.
 */
#define XDPLB_HASH_SEED 0x5bd1e995u

static __always_inline __u32 rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static __always_inline __u32 hash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static __always_inline __u32 hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static __always_inline __u32 flow_hash(const struct xdplb_flow_key *k)
{
	__u32 h = XDPLB_HASH_SEED;

	h = hash_mix(h, k->src[0]);
	h = hash_mix(h, k->dst[0]);
	if (k->family == XDPLB_AF_INET6) {
		h = hash_mix(h, k->src[1]);
		h = hash_mix(h, k->src[2]);
		h = hash_mix(h, k->src[3]);
		h = hash_mix(h, k->dst[1]);
		h = hash_mix(h, k->dst[2]);
		h = hash_mix(h, k->dst[3]);
	}
	h = hash_mix(h, ((__u32)k->sport << 16) | k->dport);
	h = hash_mix(h, k->proto);
	return hash_final(h);
}

/**
 * lookup_vip() - the VIP for {dst, dport, proto}, falling back to the all-ports VIP (port 0).
 */
static __always_inline struct xdplb_vip *lookup_vip(const struct xdplb_flow_key *fk)
{
	struct xdplb_vip_key vk = {};
	struct xdplb_vip *vip;

	__builtin_memcpy(vk.addr, fk->dst, sizeof(vk.addr));
	vk.port = fk->dport;
	vk.proto = fk->proto;
	vk.family = fk->family;
	vip = bpf_map_lookup_elem(&xdplb_vips, &vk);
	if (vip)
		return vip;
	vk.port = 0;
	return bpf_map_lookup_elem(&xdplb_vips, &vk);
}

/**
 * table_pick() - backend id for a new flow from the VIP's table.
 *
 * Returns: a backend id, or 0 when the table is missing or empty.
 */
static __always_inline __u32 table_pick(__u32 vip_id, __u32 hash)
{
	__u32 slot = XDPLB_TABLE_LEN_SLOT;
	__u32 *len, *id;
	void *table;

	table = bpf_map_lookup_elem(&xdplb_tables, &vip_id);
	if (!table)
		return 0;
	len = bpf_map_lookup_elem(table, &slot);
	if (!len || !*len)
		return 0;
	slot = 1 + hash % *len;
	id = bpf_map_lookup_elem(table, &slot);
	return id ? *id : 0;
}

/* A backend that may carry this VIP's traffic: configured and still owned by the VIP (ids are
 * reused after `real del`). */
static __always_inline struct xdplb_real *lookup_real(__u32 real_id, __u32 vip_id)
{
	struct xdplb_real *real = bpf_map_lookup_elem(&xdplb_reals, &real_id);

	if (!real || !(real->flags & XDPLB_REAL_F_USED) || real->vip_id != vip_id)
		return NULL;
	return real;
}

/**
 * select_real() - the backend of this packet's flow: the flow table's, else a new one.
 * @real_id: set to the backend's id.
 * @new_flow: set to 1 when the flow was scheduled now.
 *
 * A flow whose backend was removed is scheduled again on its next packet.  Weight-0
 * (draining) backends keep their flows: they are in the flow table, not in the VIP's table.
 *
 * Returns: the backend, or NULL when the VIP has none for a new flow.
 */
static __always_inline struct xdplb_real *select_real(const struct xdplb_vip *vip,
						      const struct packet *p, __u32 *real_id,
						      int *new_flow)
{
	struct xdplb_flow *flow, nf = {};
	struct xdplb_real *real;

	flow = bpf_map_lookup_elem(&xdplb_flows, &p->key);
	if (flow && flow->vip_id == vip->id) {
		real = lookup_real(flow->real_id, vip->id);
		if (real) {
			*real_id = flow->real_id;
			return real;
		}
	}
	nf.real_id = table_pick(vip->id, flow_hash(&p->key));
	real = lookup_real(nf.real_id, vip->id);
	if (!real)
		return NULL;
	nf.vip_id = vip->id;
	nf.atime = bpf_ktime_get_ns();
	/* A full LRU evicts the least recently used entry; a failure here only means the next
	 * packet schedules again, and Maglev sends it to the same backend. */
	bpf_map_update_elem(&xdplb_flows, &p->key, &nf, BPF_ANY);
	*real_id = nf.real_id;
	*new_flow = 1;
	return real;
}

#endif /* XDPLB_SELECT_H */
