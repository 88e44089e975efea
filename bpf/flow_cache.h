/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the per-CPU flow cache in front of the flow tables: an established
 * flow's backend for its ordinary packets, without a lookup in a table of millions. */
#ifndef XDPLB_FLOW_CACHE_H
#define XDPLB_FLOW_CACHE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "parse.h"

/*
 * Why: a lookup in a flow table of millions of entries touches a random bucket and a random
 * entry, each on a page of its own (the bucket array alone is 16 MiB per million entries).
 * With a few thousand active flows the lines stay in the CPU's caches but the pages do not
 * stay in the TLB, and in a VM a TLB miss is a two-level page walk: on veth with 4,096 flows
 * the bucket walk was a third of the balancer's CPU time.  The cache keeps the answer for
 * the flows a CPU is busy with in 512 KiB per CPU (IPv4; IPv6 the same), 128 pages.
 *
 * What a slot says: "this 5-tuple was an established flow of VIP vip_id on backend real_id
 * (of generation real_gen) when the flow table was last asked, and until `until` the flow
 * table's answer cannot have changed except in ways the packet path checks again".  A hit
 * is used only when all of this holds:
 *
 * - the packet is UDP, or TCP without SYN, FIN or RST: those flags move the flow's state
 *   (and its connection counts), so they always take the flow table;
 * - `until` has not passed: the slot lives at most 1 s after the flow's atime as the flow
 *   table holds it, and a flow expires only after (timeout + 1) s idle, timeouts >= 0, so a
 *   flow cannot expire while a slot of it is valid; after `until` the flow table is asked
 *   again (which refreshes atime, the LRU's recency and persistence once a second, as it did
 *   without the cache);
 * - the flow generation (xdplb_flowgen) is the one the slot was filled under: the GC
 *   program bumps it after each pass over the flow tables (flow flush, gc of expired flows
 *   or of flows of removed backends), and the GC makes every deletion of a flow that the
 *   packet path does not make itself;
 * - the VIP the packet matches now has the slot's vip_id, and the backend real_id is still
 *   configured for that VIP, with the same generation, and up (or the VIP keeps flows on
 *   down backends): what select_real() checks on a flow-table hit.
 *
 * One change of the flow table's answer passes all of these checks: the packet path's own
 * rescheduling of a flow whose backend still keeps its flows, a bare SYN on a closed TCP
 * tuple of a backend that takes no new flows (drained: reuse_refused()).  The slot was
 * filled while the flow was established, and the FIN that closed it took the flow table
 * without touching the slot.  So that path makes the tuple's slot stale on every CPU at
 * once (flow_cache_forget(): the only writes to other CPUs' sets, on paths as rare as port
 * reuse on a drained backend, or a new NAT flow forgotten because its first packet reached
 * no backend: nat_forget()); the established flow's packets pay nothing for it.  (The other
 * reschedulings, of a flow whose backend is gone or down, of another VIP or expired, fail the
 * checks above by themselves.)
 *
 * What it changes: a flow that the LRU evicts while its slot is valid keeps its backend
 * for up to a second more (the packet path never knew when the LRU evicted a flow); the
 * LRU sees a flow used once a second per CPU rather than on every packet, which under a
 * flood of new flows makes an active flow look as old as one that sent a packet a second
 * ago.
 *
 * Slots come in sets of 128 bytes (two cache lines that the CPU's adjacent-line prefetch
 * fetches together): four IPv4 slots or two IPv6 ones.  A packet looks at its set only, and
 * a miss replaces the slot of the set whose life ends first (empty slots first).  4,096 sets
 * per CPU and family (512 KiB each): with 4,096 flows sharing a CPU, about 1 in 50 lands in a
 * set that holds more flows than slots (a direct-mapped cache of the same size: 1 in 5,
 * which then took the flow table on every packet).  Each CPU has its own region of the
 * array (an XDP program does not migrate while it runs): no locks, no shared cache lines
 * (but for flow_cache_forget()'s rare writes, of a slot's `until` alone).
 * The array is BPF_F_MMAPABLE only because the kernel then puts its values on a page
 * boundary, which keeps every set on its own two lines.  The loader sizes it for the
 * possible CPUs (lb_size_flow_cache()); a CPU beyond its size just has no cache.
 */
struct flow_cache_val {
	__u32 until; /* (coarse ns >> 20) after which the slot is stale */
	__u32 real_id;
	__u32 vip_id;
	__u16 real_gen; /* xdplb_real.gen & 0xffff */
	__u16 fgen;	/* xdplb_flowgen & 0xffff when the flow table was asked */
};

struct flow_slot4 {
	struct xdplb_flow_key4 key;
	struct flow_cache_val v;
};

struct flow_slot6 {
	struct xdplb_flow_key key;
	struct flow_cache_val v;
	__u8 pad[8]; /* one slot per cache line */
};

struct flow_set4 {
	struct flow_slot4 s[4];
};

struct flow_set6 {
	struct flow_slot6 s[2];
};

_Static_assert(sizeof(struct flow_slot4) == 32, "flow_slot4");
_Static_assert(sizeof(struct flow_slot6) == 64, "flow_slot6");
_Static_assert(sizeof(struct flow_set4) == 128, "flow_set4");
_Static_assert(sizeof(struct flow_set6) == 128, "flow_set6");

#define FLOW_CACHE_SET_BITS 12 /* ilog2(XDPLB_FLOW_CACHE_SETS) */
_Static_assert(XDPLB_FLOW_CACHE_SETS == 1 << FLOW_CACHE_SET_BITS, "FLOW_CACHE_SET_BITS");

/* [cpu * XDPLB_FLOW_CACHE_SETS + set] -> set.  Not pinned: a cache of the flow tables that each
 * loaded program fills for itself. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_FLOW_CACHE_SETS *XDPLB_FLOW_CACHE_DEF_CPUS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct flow_set4);
} xdplb_flowcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_FLOW_CACHE_SETS *XDPLB_FLOW_CACHE_DEF_CPUS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct flow_set6);
} xdplb_flowcache6 SEC(".maps");

/* A slot of this CPU's cache for the packet's flow, and whether it holds that flow. */
struct flow_cache_ref {
	void *slot; /* struct flow_slot4 or flow_slot6; NULL: no cache (the lookup failed) */
	struct flow_cache_val *v;
	bool hit;
};

/* Slot or set index: the 5-tuple mixed down to @bits bits (multiplicative hashing, top bits). */
static __always_inline __u32 flow_cache_index(__u32 src, __u32 dst, __u32 ports, __u32 proto,
					      int bits)
{
	__u32 h = src * 0x9e3779b1u + ports;

	h = (h ^ dst ^ proto) * 0x85ebca6bu;
	h ^= h >> 15;
	h *= 0xc2b2ae35u;
	return h >> (32 - bits);
}

/* Is slot key @s the packet's key @w (IPv4, 4 words)? */
static __always_inline bool flow_key4_eq(const struct flow_slot4 *slot, const __u32 *w)
{
	const __u32 *s = (const __u32 *)&slot->key;

	return !((s[0] ^ w[0]) | (s[1] ^ w[1]) | (s[2] ^ w[2]) | (s[3] ^ w[3]));
}

/* This CPU's set @set of a flow cache map. */
static __always_inline void *flow_cache_set(void *map, __u32 set)
{
	__u32 key = bpf_get_smp_processor_id() * XDPLB_FLOW_CACHE_SETS + set;

	return bpf_map_lookup_elem(map, &key);
}

/* Slot @s is a better victim than @v: its life ends first (an empty slot's until is 0). */
static __always_inline bool flow_cache_older(const struct flow_cache_val *s,
					     const struct flow_cache_val *v)
{
	return (__s32)(s->until - v->until) < 0;
}

/* The set of an IPv4 key's words @w (4), and of an IPv6 key's (10). */
static __always_inline __u32 flow_cache_set4_index(const __u32 *w)
{
	return flow_cache_index(w[0], w[1], w[2], w[3], FLOW_CACHE_SET_BITS);
}

static __always_inline __u32 flow_cache_set6_index(const __u32 *w)
{
	return flow_cache_index(w[0] ^ w[1] ^ w[2] ^ w[3], w[4] ^ w[5] ^ w[6] ^ w[7], w[8], w[9],
				FLOW_CACHE_SET_BITS);
}

static __always_inline void flow_cache_get4(struct flow_cache_ref *r,
					    const struct xdplb_flow_key4 *k)
{
	const __u32 *w = (const __u32 *)k;
	struct flow_set4 *fs = flow_cache_set(&xdplb_flowcache, flow_cache_set4_index(w));
	struct flow_slot4 *victim;

	if (!fs)
		return;
	victim = &fs->s[0];
#pragma unroll
	for (int i = 0; i < 4; i++) {
		if (flow_key4_eq(&fs->s[i], w)) {
			r->slot = &fs->s[i];
			r->v = &fs->s[i].v;
			r->hit = true;
			return;
		}
		if (i && flow_cache_older(&fs->s[i].v, &victim->v))
			victim = &fs->s[i];
	}
	r->slot = victim;
	r->v = &victim->v;
}

/* Is slot key @slot the packet's key @w (IPv6, 10 words)? */
static __always_inline bool flow_key6_eq(const struct flow_slot6 *slot, const __u32 *w)
{
	const __u32 *s = (const __u32 *)&slot->key;
	__u32 diff = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(slot->key) / 4); i++)
		diff |= s[i] ^ w[i];
	return !diff;
}

static __always_inline void flow_cache_get6(struct flow_cache_ref *r,
					    const struct xdplb_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	struct flow_set6 *fs;
	struct flow_slot6 *slot;

	fs = flow_cache_set(&xdplb_flowcache6, flow_cache_set6_index(w));
	if (!fs)
		return;
	if (flow_key6_eq(&fs->s[0], w)) {
		slot = &fs->s[0];
		r->hit = true;
	} else if (flow_key6_eq(&fs->s[1], w)) {
		slot = &fs->s[1];
		r->hit = true;
	} else {
		slot = flow_cache_older(&fs->s[1].v, &fs->s[0].v) ? &fs->s[1] : &fs->s[0];
	}
	r->slot = slot;
	r->v = &slot->v;
}

/* The low 16 bits of the flow generation (see above); 0 if the map is missing. */
static __always_inline __u16 flow_gen(void)
{
	__u32 zero = 0, *g = bpf_map_lookup_elem(&xdplb_flowgen, &zero);

	return g ? (__u16)*g : 0;
}

/* May this packet be answered from the cache?  (Flags that move a TCP flow may not.) */
static __always_inline bool flow_cache_usable(const struct packet *p)
{
	return p->key.proto == IPPROTO_UDP ||
	       !(p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST));
}

/* Coarse ns in the slots' unit (about a millisecond, wrapping after about 52 days). */
static __always_inline __u32 flow_cache_time(__u64 ns)
{
	return (__u32)(ns >> 20);
}

/* Is the slot's answer still the flow table's? (The backend is checked by the caller.) */
static __always_inline bool flow_cache_valid(const struct flow_cache_ref *r, __u16 fgen,
					     __u32 vip_id, __u64 now)
{
	return r->hit && r->v->fgen == fgen && r->v->vip_id == vip_id &&
	       (__s32)(r->v->until - flow_cache_time(now)) > 0;
}

/*
 * Remember the flow table's answer for this packet's flow.  @atime: the flow's atime in the
 * table after this packet (the slot is valid for 1 s after it, never after now + 1 s).
 */
static __always_inline void flow_cache_fill(struct flow_cache_ref *r, const struct packet *p,
					    bool v6, __u32 real_id, __u32 vip_id, __u32 real_gen,
					    __u16 fgen, __u64 atime, __u64 now)
{
	struct flow_cache_val *v = r->v;

	if (!r->slot)
		return;
	if (v6)
		((struct flow_slot6 *)r->slot)->key = p->key;
	else
		((struct flow_slot4 *)r->slot)->key = p->fkey;
	v->until = flow_cache_time((atime < now ? atime : now) + 1000000000ull);
	v->real_id = real_id;
	v->vip_id = vip_id;
	v->real_gen = (__u16)real_gen;
	v->fgen = fgen;
}

/* What flow_cache_forget() looks for in each CPU's region. */
struct flow_cache_forget {
	const __u32 *w; /* the flow's key: 4 words (IPv4, xdplb_flow_key4) or 10 (IPv6) */
	__u32 set;
	__u32 until; /* what the slots' `until` becomes: already past */
	__u32 v6;
};

/* More CPUs than any kernel has (NR_CPUS <= 8192): the walk ends at the array's end. */
#define FLOW_CACHE_MAX_CPUS 8192

static long flow_cache_forget_cpu(__u64 cpu, void *arg)
{
	struct flow_cache_forget *a = arg;
	__u32 key = (__u32)cpu * XDPLB_FLOW_CACHE_SETS + a->set;

	if (a->v6) {
		struct flow_set6 *fs = bpf_map_lookup_elem(&xdplb_flowcache6, &key);

		if (!fs)
			return 1; /* past the last CPU the array was sized for */
#pragma unroll
		for (int i = 0; i < 2; i++)
			if (flow_key6_eq(&fs->s[i], a->w))
				fs->s[i].v.until = a->until;
	} else {
		struct flow_set4 *fs = bpf_map_lookup_elem(&xdplb_flowcache, &key);

		if (!fs)
			return 1;
#pragma unroll
		for (int i = 0; i < 4; i++)
			if (flow_key4_eq(&fs->s[i], a->w))
				fs->s[i].v.until = a->until;
	}
	return 0;
}

/**
 * flow_cache_forget() - make the slots of a flow stale on every CPU.
 * @key: the flow's key: a struct xdplb_flow_key (IPv6, p->key) or xdplb_flow_key4 (p->fkey).
 * @v6: which of the two, and so which cache.
 * @now: coarse_now() of the packet.
 *
 * For the rare paths that change the flow table's answer in a way the cache's checks would
 * not see (see above), and for a new NAT flow forgotten (nat_forget()).  Only `until` is
 * written, with the time just past (not 0, an empty slot's, which a clock past 2^31 units
 * reads as the future): a slot that another CPU reads or refills meanwhile is either still
 * this flow's, then stale, or another flow's, which at worst asks the flow table once more.
 */
static __always_inline int flow_cache_forget(const void *key, __u32 v6, __u64 now)
{
	struct flow_cache_forget a = {};

	a.w = key;
	a.set = v6 ? flow_cache_set6_index(a.w) : flow_cache_set4_index(a.w);
	a.v6 = v6;
	a.until = flow_cache_time(now) - 1;
	return bpf_loop(FLOW_CACHE_MAX_CPUS, flow_cache_forget_cpu, &a, 0);
}

#endif /* XDPLB_FLOW_CACHE_H */
