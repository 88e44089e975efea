/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the flow tables: where an established flow's backend is kept. */
#ifndef XDPLB_FLOW_TABLE_H
#define XDPLB_FLOW_TABLE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "maps.h"

/*
 * Why not the kernel's LRU hash: a new flow there touches a random bucket, the entries
 * chained on it, and the entry it takes from the LRU's free list (which, in a full table, is
 * the least recently used flow, unlinked from a random bucket of its own): three to six cache
 * lines, each on a page of its own, in a table of hundreds of MiB.  That was three quarters
 * of a new flow's cost (bench/RESULTS.md).
 *
 * Here a flow's key picks one set (xdplb_key_set4/6(): by the client's side of the tuple);
 * the flow is in one of the set's slots or nowhere.  A set is 256 bytes on four adjacent
 * cache lines (eight 32-byte IPv4 slots, four 64-byte IPv6 ones): a lookup, a miss and an
 * insert all touch that set and nothing else of the table.  A NAT flow's reply entry (key: the
 * reply's tuple, marked XDPLB_KEY_REPLY) has the same client side, hence the same set: the new NAT
 * flow writes both into the set its lookup has just loaded (with tables of their own, the reply
 * table's set was a second random miss: 14-30% of a new NAT flow, bench/RESULTS.md).  The loader
 * gives the IPv4 table 3.44 slots per flow it is sized for (110 bytes a flow), the IPv6 table four
 * (256 bytes).
 *
 * Eviction: a new flow takes a free slot of its set, else a half-open flow's (XDPLB_FLOW_SYN:
 * a SYN whose client never completed the handshake), else a closed TCP flow's or a UDP
 * flow's (INACTIVE), else an established flow's (ACTIVE): within each, the flow used longest
 * ago; that flow is counted out of its backend, and as "displaced" (the LRU never told anyone
 * whom it evicted).  A new half-open flow (a SYN) never takes an established flow's slot: in a
 * set of established flows only it is forwarded unrecorded (its ACK is scheduled again, to
 * the same backend under a consistent scheduler).  So a SYN flood's flows displace each
 * other and never an established flow, however many they are; an expired established flow
 * goes before a live one (it was used longer ago).  A flow takes one slot and a NAT flow two
 * (its reply entry's), so at the load the table is sized for an IPv4 set of eight holds 2.33
 * flows on average (an IPv6 set of four, one): a set overflows before the table is full only
 * when more flows than its slots hold happen to share it (its least recently used entries
 * make room).  Measured (bench/displace.c, as the Poisson model predicts): at that load 1 new
 * IPv4 flow in 2,600 displaces another, 1 in 18 if all are NAT flows (six 40-byte slots at four
 * slots per flow, 171 bytes a flow, displaced 1 in 1,300 and 1 in 17); IPv6 1 in 225 and 1 in
 * 10.  An LRU hash at that load displaces none, and beyond it the globally least recently
 * used flow for each new flow.
 *
 * Slots are shared by all CPUs without locks: a slot's state word (struct xdplb_flow.state)
 * is its owner.  FREE, ACTIVE, INACTIVE, DEAD as before, and BUSY while one CPU fills it:
 *
 * - claiming a slot is a compare-and-swap of its state from what the CPU saw to BUSY.  A CPU
 *   that loses the race waits for the winner to finish (xdplb_flow_settle_long(): up to
 *   milliseconds, for a winner interrupted in the middle): if the slot then holds the same
 *   flow, both packets use that flow (two CPUs scheduling the same new flow at once see the
 *   same set and choose the same slot); otherwise the packet is forwarded as a new flow that
 *   the table does not remember (counted "unrecorded"; its next packet is scheduled again:
 *   with a consistent scheduler, to the same backend);
 * - a scan that meets a BUSY slot (or one that changed while its key was read) waits for it
 *   (xdplb_flow_settle(): about a microsecond) and scans the set again, twice at most: the
 *   slot may be taking this very flow, which must not go into a second slot, so a set still
 *   busy then gets no new flow (forwarded, counted "unrecorded");
 * - the key and flow are written while BUSY, then the state is set with a compare-and-swap
 *   (a full barrier: no CPU sees the state before the key and flow);
 * - a lookup matches a slot only in state ACTIVE or INACTIVE, reading the state before and
 *   after the key; deleting a flow is ACTIVE/INACTIVE -> DEAD (counting it out, as before) -> FREE.
 *
 * What it does not guarantee: two CPUs that insert the same new flow while a third changes
 * the set can choose two slots (both are counted; the one lookups do not find ages out).  A
 * CPU that holds a slot's pointer while another CPU evicts and refills that slot writes
 * to the new flow (the kernel's LRU hash reuses entries the same way).
 */

/* The set of @key in flow table @map (xdplb_flows with a struct xdplb_flow_key4, xdplb_flows6
 * with a struct xdplb_flow_key), or NULL.  @reply: @key is a reply entry's (XDPLB_KEY_REPLY
 * set in it), a constant at each call site as @v6 is. */
static __always_inline void *flow_table_set(void *map, const void *key, bool v6, bool reply)
{
	__u32 sets = ((struct bpf_map *)map)->max_entries;
	__u32 idx = v6 ? xdplb_key_set6(key, reply, sets) : xdplb_key_set4(key, reply, sets);

	return bpf_map_lookup_elem(map, &idx);
}

/* Is the key of a slot (@skey) a NAT reply entry's? */
static __always_inline bool flow_key_reply(const void *skey, bool v6)
{
	return (v6 ? ((const struct xdplb_flow_key *)skey)->pad[0]
		   : ((const struct xdplb_flow_key4 *)skey)->pad[0]) &
	       XDPLB_KEY_REPLY;
}

static __always_inline bool flow_slot_live(__u32 state)
{
	return state == XDPLB_FLOW_ACTIVE || state == XDPLB_FLOW_INACTIVE ||
	       state == XDPLB_FLOW_SYN;
}

/* Keys are compared 8 bytes at a time, through a type that may alias them. */
typedef __u64 __attribute__((may_alias)) flow_word_t;

/* Is the key of a slot (@skey) @key?  (16 bytes IPv4, 40 IPv6) */
static __always_inline bool flow_key_is(const void *skey, const void *key, bool v6)
{
	const flow_word_t *k = skey, *w = key;
	__u64 d = (k[0] ^ w[0]) | (k[1] ^ w[1]);

	if (v6)
		d |= (k[2] ^ w[2]) | (k[3] ^ w[3]) | (k[4] ^ w[4]);
	return !d;
}

/* Slot @i of a set of either family: its flow, and its key in *@skey. */
static __always_inline struct xdplb_flow *flow_slot(const void *set, __u32 i, void **skey, bool v6)
{
	if (v6) {
		struct xdplb_flow_slot6 *s = &((struct xdplb_flow_set6 *)set)->s[i];

		*skey = &s->key;
		return &s->f;
	}
	struct xdplb_flow_slot4 *s = &((struct xdplb_flow_set4 *)set)->s[i];

	*skey = &s->key;
	return &s->f;
}

/* Wait (a bounded spin, about a microsecond) while another CPU fills slot @f; its state
 * then.  No stack: the ICMP program's deepest call chain (through the NAT reply lookup and
 * the set scan) has none left. */
__noinline __u32 xdplb_flow_settle(const struct xdplb_flow *f)
{
	__u32 st = XDPLB_FLOW_BUSY;

	if (!f)
		return XDPLB_FLOW_FREE;
	for (int i = 0; i < 1024 && st == XDPLB_FLOW_BUSY; i++)
		st = *(volatile const __u32 *)&f->state;
	return st;
}

/* Reads of a slot's state before xdplb_flow_settle_long() gives up (milliseconds). */
#define XDPLB_FLOW_SETTLE_SPINS (1 << 20)

/* The kernel's numeric iterator (kfuncs since 6.4): a loop of a million reads that the
 * verifier checks once (a plain bounded loop it walks read by read). */
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/*
 * xdplb_flow_settle() for a CPU that lost the race for a slot to another CPU inserting a
 * flow, maybe this very one: it must know which, or it could only forward its packet
 * unrecorded, scheduled on its own.  The filler writes a key and a flow between two
 * compare-and-swaps with bottom halves off, so the wait is short unless that CPU is
 * interrupted or (in a VM) its vCPU descheduled by the host in the middle.
 */
__noinline __u32 xdplb_flow_settle_long(const struct xdplb_flow *f)
{
	struct bpf_iter_num it;
	__u32 st = xdplb_flow_settle(f);

	if (!f || st != XDPLB_FLOW_BUSY)
		return st;
	bpf_iter_num_new(&it, 0, XDPLB_FLOW_SETTLE_SPINS);
	while (bpf_iter_num_next(&it)) {
		st = *(volatile const __u32 *)&f->state;
		if (st != XDPLB_FLOW_BUSY)
			break;
	}
	bpf_iter_num_destroy(&it);
	return st;
}

/*
 * The slot scan.  Returns the slot of the key's live flow, else FT_NEW(the slot a new flow would
 * take: a free one, else the live flow first in the eviction order above, flow_evict_rank();
 * a slot being deleted is skipped) | the
 * state the scan saw in that slot << 8; -1 if none; FT_WAIT(i) when slot i was being filled, or
 * changed while its key was read: the caller waits for it and scans again.
 */
#define FT_NEW(i) (0x10 | (i)) /* a slot for a new flow, not the key's */

/* A live slot's place in the eviction order, lowest first: its atime (a 32-bit tick), behind
 * every half-open flow if closed or UDP, behind those too if established.  Never 0, a free
 * slot's rank, even for a stamp of tick 0 (at boot, or when the tick count wraps). */
static __always_inline __u64 flow_evict_rank(__u32 st, __u32 atime)
{
	return (__u64)atime + (1ull << 60) + ((__u64)(st == XDPLB_FLOW_INACTIVE) << 61) +
	       ((__u64)(st == XDPLB_FLOW_ACTIVE) << 62);
}
#define FT_WAIT(i) (0x20 | (i)) /* slot i is being filled: wait, then scan again */

/* @how of the scans: FT_HALFOPEN when the new flow would be half-open (a SYN, or a NAT
 * entry of one), which never takes an established flow's slot (with no other slot to take it
 * goes unrecorded); else 0. */
#define FT_HALFOPEN 1

static __always_inline int flow_scan(const void *set, const void *key, bool v6, __u32 how)
{
	int ways = v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;
	__u64 best = ~0ull;
	int victim = -1;
	__u32 vstate;

	if (!set || !key)
		return -1;
#pragma unroll
	for (int i = 0; i < ways; i++) {
		void *skey;
		const struct xdplb_flow *f = flow_slot(set, i, &skey, v6);
		__u32 st = *(volatile const __u32 *)&f->state;
		__u64 rank;
		bool is;

		/* state, key, state again: a slot being filled (maybe with this very flow, by
		 * another CPU), or whose key was read while it changed, is waited for */
		if (st == XDPLB_FLOW_BUSY)
			return FT_WAIT(i);
		is = flow_key_is(skey, key, v6);
		if (*(volatile const __u32 *)&f->state != st)
			return FT_WAIT(i);

		if (is && flow_slot_live(st))
			return i;
		if (st == XDPLB_FLOW_FREE)
			rank = 0; /* a free slot beats any flow; the first one wins */
		else if (flow_slot_live(st) && !(st == XDPLB_FLOW_ACTIVE && (how & FT_HALFOPEN)))
			rank = flow_evict_rank(st, f->atime);
		else
			continue;
		if (rank < best) {
			best = rank;
			victim = i;
		}
	}
	if (victim < 0)
		return -1;
	/* the victim's state, from its rank (one register less through the loop) */
	vstate = !best	      ? XDPLB_FLOW_FREE
		 : best >> 62 ? XDPLB_FLOW_ACTIVE
		 : best >> 61 ? XDPLB_FLOW_INACTIVE
			      : XDPLB_FLOW_SYN;
	return FT_NEW(victim) | vstate << 8;
}

/* What flow_table_find() found: the flow, or where a new one would go. */
struct flow_ref {
	struct xdplb_flow *f; /* the key's live flow, or NULL */
	void *set;	      /* the key's set (NULL: none) */
	__s32 slot;	      /* f's slot; without f, the slot a new flow would take, or -1 */
	__u32 seen;	      /* that slot's state as the scan saw it */
};

/* After FT_WAIT(i) (@n), wait for slot i and scan again; else @n. */
static __always_inline int flow_rescan(void *set, const void *key, bool v6, __u32 how, int n)
{
	int ways = v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;
	__u32 i = n & 0xf;
	void *skey;

	if (n < 0 || !(n & FT_WAIT(0)) || i >= (__u32)ways)
		return n;
	xdplb_flow_settle(flow_slot(set, i, &skey, v6));
	return flow_scan(set, key, v6, how);
}

/*
 * The scan with its waits, as functions of their own that the verifier checks once (global
 * functions): inlined, each slot a new flow might take multiplied the verifier's states for
 * all the forwarding code after it past its limit.  Returns what flow_scan() does,
 * FT_WAIT() only when the set changed under three scans (the packet then finds no flow,
 * and a new flow no slot: forwarded, not remembered).  The three scans are inlined
 * (unrolled): the first as a call of its own cost a new IPv4 flow 4-6% (bench -x), the
 * rescans as calls or as a loop more stack than the ICMP program's deepest chain has left;
 * the waits inlined into the packet path instead cost the established IPv6 path 16% (its
 * registers spilled).
 */
static __always_inline int flow_find_slot(void *set, const void *key, bool v6, __u32 how)
{
	return flow_rescan(set, key, v6, how,
			   flow_rescan(set, key, v6, how, flow_scan(set, key, v6, how)));
}

__noinline int xdplb_flow_find4(struct xdplb_flow_set4 *set, const struct xdplb_flow_key4 *key,
				__u32 how)
{
	return flow_find_slot(set, key, false, how);
}

__noinline int xdplb_flow_find6(struct xdplb_flow_set6 *set, const struct xdplb_flow_key *key,
				__u32 how)
{
	return flow_find_slot(set, key, true, how);
}

/* Look @key up in @set, a set of a table of @key's family (and choose a slot for a new
 * flow, as @how allows: FT_HALFOPEN or 0).  @v6 is a constant at each call site: one copy of
 * this code per family. */
static __always_inline void flow_set_find(struct flow_ref *r, void *set, const void *key, bool v6,
					  __u32 how)
{
	int ways = v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;
	void *skey;
	__u32 i;
	int n;

	r->f = NULL;
	r->set = set;
	r->slot = -1;
	r->seen = 0;
	if (!set)
		return;
	n = v6 ? xdplb_flow_find6(set, key, how) : xdplb_flow_find4(set, key, how);
	if (n < 0 || (n & FT_WAIT(0)))
		return;
	r->seen = (__u32)n >> 8;
	i = n & 0xf;
	if (i >= (__u32)ways) /* cannot happen; tells the verifier */
		return;
	r->slot = i;
	if (n & FT_NEW(0))
		return;
	r->f = flow_slot(set, i, &skey, v6);
}

/* Look @key up in its set of flow table @map (and choose a slot for a new flow, as @how
 * allows). */
static __always_inline void flow_table_find(struct flow_ref *r, void *map, const void *key, bool v6,
					    __u32 how)
{
	flow_set_find(r, flow_table_set(map, key, v6, false), key, v6, how);
}

/*
 * Claim slot @slot of a set (which the scan saw in state @seen) and fill it with @key and
 * @nf (nf->state: ACTIVE, INACTIVE or SYN).  @evicted gets the flow the slot held, state FREE if
 * none or a reply entry (which counts for nothing).  Returns 0; 1 when another CPU has just put
 * @key's flow in that slot (two CPUs that see the same set choose the same slot, so the same new
 * flow on two CPUs at once ends up in one slot, scheduled once); -1: no slot.  @f and @skey: the
 * slot's flow and key.
 */
static __always_inline int flow_slot_fill(struct xdplb_flow *f, void *skey, const void *key,
					  __u32 seen, const struct xdplb_flow *nf,
					  struct xdplb_flow *evicted, bool v6)
{
	__u32 st = seen, was;

	evicted->state = XDPLB_FLOW_FREE;
	/* only from the state the scan saw: the slot may hold this very flow by now */
	was = __sync_val_compare_and_swap(&f->state, st, XDPLB_FLOW_BUSY);
	if (was != st) {
		/* another CPU got there first: with this flow? */
		st = xdplb_flow_settle_long(f);
		if (!flow_slot_live(st))
			return -1;
		return flow_key_is(skey, key, v6) ? 1 : -1;
	}
	if (st != XDPLB_FLOW_FREE && !flow_key_reply(skey, v6)) {
		*evicted = *f;
		evicted->state = st;
	}
	if (v6)
		*(struct xdplb_flow_key *)skey = *(const struct xdplb_flow_key *)key;
	else
		*(struct xdplb_flow_key4 *)skey = *(const struct xdplb_flow_key4 *)key;
	f->real_id = nf->real_id;
	f->vip_id = nf->vip_id;
	f->gen = nf->gen;
	f->atime = nf->atime;
	__sync_val_compare_and_swap(&f->state, XDPLB_FLOW_BUSY, nf->state);
	return 0;
}

/* Free a flow that its deleter moved to DEAD (and counted out). */
static __always_inline void flow_table_free(struct xdplb_flow *f)
{
	__sync_val_compare_and_swap(&f->state, XDPLB_FLOW_DEAD, XDPLB_FLOW_FREE);
}

/* The live flow of @key, or NULL (lookups that never insert: ICMP errors). */
static __always_inline struct xdplb_flow *flow_table_lookup(void *map, const void *key, bool v6)
{
	struct flow_ref r;

	flow_table_find(&r, map, key, v6, 0);
	return r.f;
}

#endif /* XDPLB_FLOW_TABLE_H */
