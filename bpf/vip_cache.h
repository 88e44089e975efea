/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the per-CPU VIP caches in front of lookup_vip(), one per family: the
 * answer for one {destination, port, protocol}, valid until the control plane changes any
 * VIP. */
#ifndef XDPLB_VIP_CACHE_H
#define XDPLB_VIP_CACHE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "parse.h"
#include "select.h"
#include "nexthop.h" /* addr6_eq() */

/*
 * One slot: what lookup_vip() answered for a destination, VIP or none.  The destination is
 * packed into one word with a "used" bit, so that an empty slot matches nothing.
 */
struct vip_cache_slot {
	__u64 key; /* vip_cache_key() of the destination */
	__u32 gen; /* xdplb_config.vip_gen when the answer was taken */
	__u32 found;
	struct xdplb_vip vip; /* a copy of the record (found = 1) */
};

#define VIP_CACHE_SLOTS 1024 /* a power of 2 */

/* slot index -> slot, per CPU: a direct-mapped cache; a collision just replaces the slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIP_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct vip_cache_slot);
} xdplb_vipcache SEC(".maps");

static __always_inline __u64 vip_cache_key(const struct xdplb_flow_key4 *k)
{
	return (__u64)k->dst | (__u64)k->dport << 32 | (__u64)k->proto << 48 | 1ull << 56;
}

/**
 * lookup_vip_cached() - lookup_vip() for an IPv4 packet, through a per-CPU cache.
 *
 * The VIP hash lookup (hash of a 20-byte key, bucket walk, compare) is about a fifth of an
 * established flow's cost, and its answer changes only when the control plane adds, changes
 * or removes a VIP: every such change bumps xdplb_config.vip_gen after writing xdplb_vips.
 * So each CPU remembers the answer per {destination address, port, protocol}, "no VIP"
 * included, together with the vip_gen it was taken under, and uses it while vip_gen has
 * not moved.  A packet that read vip_gen before a change and looks the VIP up after it
 * stores the new answer under the old generation, which the next packet rejects: the
 * cache never answers for longer than the hash map would.
 *
 * Returns: the VIP (a copy in this CPU's slot, valid while this packet is processed), or
 * NULL.
 */
static __always_inline struct xdplb_vip *lookup_vip_cached(const struct packet *p,
							   const struct xdplb_config *cfg)
{
	__u64 key = vip_cache_key(&p->fkey);
	__u32 idx = ((__u32)(key ^ key >> 29) * 0x9e3779b1u) >> 22; /* 10 bits */
	struct vip_cache_slot *s = bpf_map_lookup_elem(&xdplb_vipcache, &idx);
	__u32 gen = cfg->vip_gen;
	struct xdplb_vip *vip;

	if (s && s->key == key && s->gen == gen)
		return s->found ? &s->vip : NULL;
	vip = lookup_vip(&p->key, cfg->flags);
	if (!s)
		return vip;
	s->key = key;
	s->gen = gen;
	s->found = vip != NULL;
	if (!vip)
		return NULL;
	s->vip = *vip;
	return &s->vip;
}

/*
 * The IPv6 slot: the same, with the 16-byte destination beside a word that packs port,
 * protocol and a "used" bit (so that an empty slot, all zero, matches nothing).
 */
struct vip_cache6_slot {
	__be32 dst[4];
	__u32 pp;  /* vip_cache6_pp() of port and protocol */
	__u32 gen; /* xdplb_config.vip_gen when the answer was taken */
	__u32 found;
	__u32 pad;
	struct xdplb_vip vip; /* a copy of the record (found = 1) */
};

/* slot index -> IPv6 slot, per CPU, direct-mapped like xdplb_vipcache. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIP_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct vip_cache6_slot);
} xdplb_vipcache6 SEC(".maps");

static __always_inline __u32 vip_cache6_pp(const struct xdplb_flow_key *k)
{
	return (__u32)k->dport | (__u32)k->proto << 16 | 1u << 24;
}

/**
 * lookup_vip6_cached() - lookup_vip_cached() for an IPv6 packet: the same rules (answers,
 * "no VIP" included, kept per CPU under the vip_gen they were taken with), in
 * xdplb_vipcache6.  Saves the hash of a 40-byte key (twice, for a port-0 fallback).
 *
 * Returns: the VIP (a copy in this CPU's slot, valid while this packet is processed), or
 * NULL.
 */
static __always_inline struct xdplb_vip *lookup_vip6_cached(const struct packet *p,
							    const struct xdplb_config *cfg)
{
	const __be32 *d = p->key.dst;
	__u32 pp = vip_cache6_pp(&p->key);
	/* VIPs of one prefix differ in the last words: mixed in last (test_vip_cache.c computes
	 * the same index) */
	__u32 h = ((d[0] ^ d[1]) * 0x9e3779b1u ^ d[2]) * 0x85ebca6bu ^ d[3] ^ pp;
	__u32 idx = (h * 0x9e3779b1u) >> 22; /* 10 bits */
	struct vip_cache6_slot *s = bpf_map_lookup_elem(&xdplb_vipcache6, &idx);
	__u32 gen = cfg->vip_gen;
	struct xdplb_vip *vip;

	if (s && s->pp == pp && s->gen == gen && addr6_eq(s->dst, d))
		return s->found ? &s->vip : NULL;
	vip = lookup_vip(&p->key, cfg->flags);
	if (!s)
		return vip;
	__builtin_memcpy(s->dst, d, 16);
	s->pp = pp;
	s->gen = gen;
	s->found = vip != NULL;
	if (!vip)
		return NULL;
	s->vip = *vip;
	return &s->vip;
}

#endif /* XDPLB_VIP_CACHE_H */
