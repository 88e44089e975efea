/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains VIP lookup, the flow table and backend selection for new flows. */
#ifndef XDPLB_SELECT_H
#define XDPLB_SELECT_H

#include "maps.h"
#include "clock.h"
#include "flow_cache.h"
#include "flow_table.h"
#include "stats.h"

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

/*
 * Outer flow label of a tunnelled flow (RFC 6438): routers between the balancer and the
 * backends hash it for ECMP, so it must be the same for every packet of a flow and spread
 * over flows; nothing else reads it.  The multiplicative mix of the flow cache's index, 20
 * bits of it: a fifth of flow_hash()'s instructions, and it runs for every IPv6 tunnel
 * packet.
 */
static __always_inline __u32 flow_label(const struct xdplb_flow_key *k)
{
	return flow_cache_index(k->src[0] ^ k->src[1] ^ k->src[2] ^ k->src[3],
				k->dst[0] ^ k->dst[1] ^ k->dst[2] ^ k->dst[3],
				(__u32)k->sport << 16 | k->dport, k->proto, 20);
}

/**
 * lookup_vip() - the VIP for {dst, dport, proto}, falling back to the all-ports VIP (port 0).
 */
static __always_inline struct xdplb_vip *lookup_vip(const struct xdplb_flow_key *fk,
						    __u32 cfg_flags)
{
	struct xdplb_vip_key vk = {};
	struct xdplb_vip *vip;

	__builtin_memcpy(vk.addr, fk->dst, sizeof(vk.addr));
	vk.port = fk->dport;
	vk.proto = fk->proto;
	vk.family = fk->family;
	vip = bpf_map_lookup_elem(&xdplb_vips, &vk);
	if (vip || !(cfg_flags & XDPLB_CFG_F_PORT0))
		return vip;
	vk.port = 0;
	return bpf_map_lookup_elem(&xdplb_vips, &vk);
}

/* Source-address hash for sh and persistence: one client, one value, whatever its ports. */
static __always_inline __u32 src_hash(const struct xdplb_flow_key *k)
{
	__u32 h = XDPLB_HASH_SEED;

	h = hash_mix(h, k->src[0]);
	if (k->family == XDPLB_AF_INET6) {
		h = hash_mix(h, k->src[1]);
		h = hash_mix(h, k->src[2]);
		h = hash_mix(h, k->src[3]);
	}
	return hash_final(h);
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

/* ... and one that takes new flows. */
static __always_inline bool real_takes_new(const struct xdplb_real *r)
{
	return r->weight && r->state == XDPLB_REAL_UP;
}

/* ... and one that keeps its flows: up, or down on a VIP with ondown keep (a backend that
 * failed its health check loses its flows otherwise: their next packets, and ICMP errors
 * about them, go elsewhere). */
static __always_inline bool real_keeps_flows(const struct xdplb_vip *vip,
					     const struct xdplb_real *r)
{
	return r->state == XDPLB_REAL_UP || (vip->flags & XDPLB_VIP_F_ONDOWN_KEEP);
}

static __always_inline __u32 *table_slot(__u32 vip_id, __u32 slot)
{
	void *table = bpf_map_lookup_elem(&xdplb_tables, &vip_id);

	return table ? bpf_map_lookup_elem(table, &slot) : NULL;
}

/* Least connections (lc, wlc): a scan of the VIP's backend list with bpf_loop(). */
struct lc_scan {
	__u32 vip_id;
	__u32 weighted;
	__u32 best_id;
	__u32 best_w;
	__u64 best_oh;
};

static long lc_step(__u64 i, void *arg)
{
	struct lc_scan *s = arg;
	struct xdplb_lc_conns *c;
	struct xdplb_real *r;
	__u32 *id, w;
	__u64 oh;

	id = table_slot(s->vip_id, i + 1);
	if (!id)
		return 1;
	r = bpf_map_lookup_elem(&xdplb_reals, id);
	c = bpf_map_lookup_elem(&xdplb_lc_conns, id);
	if (!r || !c || !real_takes_new(r))
		return 0;
	oh = (__u64)(c->active > 0 ? c->active : 0) * XDPLB_LC_ACTIVE_WEIGHT +
	     (c->inactive > 0 ? c->inactive : 0);
	w = s->weighted ? r->weight : 1;
	/* oh/w < best_oh/best_w without dividing (LVS compares the same way); first wins ties */
	if (!s->best_id || oh * s->best_w < s->best_oh * w) {
		s->best_id = *id;
		s->best_oh = oh;
		s->best_w = w;
	}
	return 0;
}

/**
 * xdplb_schedule() - backend id for a new flow from the VIP's table.
 *
 * The table was built by userspace for the VIP's scheduler; only the index differs:
 * mh hashes the 5-tuple, sh the client address, rr/wrr take the VIP's next position, and
 * lc/wlc scan the list for the least loaded backend.
 *
 * A function of its own (a global function, verified once): inlined, the verifier checked the
 * lc scan's callback again for every state in which the forwarding code reached it.
 *
 * Returns: a backend id, or 0 when the table is missing or empty.
 */
__noinline __u32 xdplb_schedule(const struct xdplb_vip *vip, const struct xdplb_flow_key *key)
{
	__u32 *len, *id, idx, vip_id;
	__u64 *pos;

	if (!vip || !key)
		return 0;
	vip_id = vip->id;
	len = table_slot(vip_id, XDPLB_TABLE_LEN_SLOT);
	if (!len || !*len)
		return 0;
	switch (vip->sched) {
	case XDPLB_SCHED_SH:
		idx = src_hash(key) % *len;
		break;
	case XDPLB_SCHED_RR:
	case XDPLB_SCHED_WRR:
		pos = bpf_map_lookup_elem(&xdplb_rr, &vip_id);
		if (!pos)
			return 0;
		idx = __sync_fetch_and_add(pos, 1) % *len;
		break;
	case XDPLB_SCHED_LC:
	case XDPLB_SCHED_WLC: {
		struct lc_scan s = { .vip_id = vip_id, .weighted = vip->sched == XDPLB_SCHED_WLC };

		bpf_loop(*len, lc_step, &s, 0);
		return s.best_id;
	}
	default:
		idx = flow_hash(key) % *len;
	}
	id = table_slot(vip_id, idx + 1);
	return id ? *id : 0;
}

/* Where xdplb_sched_skip() found its backend, for xdplb explain. */
struct sched_skipped {
	__u32 slot;    /* the slot used (1..L); 0: none */
	__u32 skipped; /* slots passed over, the one read included */
};

/* xdplb_sched_skip()'s walk of a table from a slot on. */
struct sched_walk {
	__u32 vip_id;
	__u32 len;
	__u32 start; /* 0-based index of the first slot read */
	__u32 id;    /* out: the first backend met that takes new flows (0: none) */
	__u32 slot;  /* out: its slot (1..len) */
	__u32 steps; /* out: slots read before it */
};

static long sched_walk_step(__u64 i, void *arg)
{
	struct sched_walk *w = arg;
	__u32 idx = (w->start + (__u32)i) % w->len, *id;
	struct xdplb_real *r;

	id = table_slot(w->vip_id, idx + 1);
	if (!id)
		return 1;
	r = lookup_real(*id, w->vip_id);
	if (r && real_takes_new(r)) {
		w->id = *id;
		w->slot = idx + 1;
		w->steps = i;
		return 1;
	}
	return 0;
}

/**
 * xdplb_sched_skip() - a new flow's backend when the table's slot names one that takes no
 * new flows.
 *
 * A health check's verdict or a weight of 0 is written to the backend before its VIP's table
 * is rebuilt without it (an RCU grace period later, or at the end of a bulk change): in
 * between, the table still names it.  The slots after the one read (for mh and sh the
 * flow's, for rr and wrr the position's, which is not moved again) are walked to the first
 * backend that takes new flows, XDPLB_SCHED_WALK of them at most.  lc and wlc never get here:
 * their scan skips such backends.  A global function: only this rare path pays for it.
 *
 * @out: where the backend was found.
 * Returns: a backend id, or 0 when none of the slots walked takes new flows.
 */
__noinline __u32 xdplb_sched_skip(const struct xdplb_vip *vip, const struct xdplb_flow_key *key,
				  struct sched_skipped *out)
{
	struct sched_walk w = {};
	__u32 *len;
	__u64 *pos;

	if (!vip || !key || !out)
		return 0;
	out->slot = out->skipped = 0;
	w.vip_id = vip->id;
	len = table_slot(w.vip_id, XDPLB_TABLE_LEN_SLOT);
	if (!len || !*len)
		return 0;
	w.len = *len;
	switch (vip->sched) {
	case XDPLB_SCHED_MH:
		w.start = flow_hash(key) % w.len + 1;
		break;
	case XDPLB_SCHED_SH:
		w.start = src_hash(key) % w.len + 1;
		break;
	case XDPLB_SCHED_RR:
	case XDPLB_SCHED_WRR:
		pos = bpf_map_lookup_elem(&xdplb_rr, &w.vip_id);
		if (!pos)
			return 0;
		w.start = *pos % w.len; /* the slot after the one just taken */
		break;
	default:
		return 0;
	}
	bpf_loop(w.len < XDPLB_SCHED_WALK ? w.len : XDPLB_SCHED_WALK, sched_walk_step, &w, 0);
	out->slot = w.slot;
	out->skipped = w.id ? w.steps + 1 : 0;
	return w.id;
}

/* A Maglev VIP's table slot for this packet's flow (what xdplb_schedule() would read), or NULL. */
static __always_inline __u32 *maglev_slot(const struct xdplb_vip *vip, const struct packet *p)
{
	__u32 *len;

	if (vip->sched != XDPLB_SCHED_MH)
		return NULL;
	len = table_slot(vip->id, XDPLB_TABLE_LEN_SLOT);
	if (!len || !*len)
		return NULL;
	return table_slot(vip->id, flow_hash(&p->key) % *len + 1);
}

/*
 * Counting of flow states: +1/-1 on the backend's active or inactive count, in this CPU's
 * value (atomic all the same: the GC program, run from user space, may be interrupted by the
 * packet path on its CPU), and in the shared count too for a backend of an lc or wlc VIP.
 * Shared counts written by every new flow held new flows on two CPUs 16-20% below this
 * (bench/RESULTS.md, 2026-12-07, latest).
 */
static __always_inline void conns_add(__u32 real_id, __u32 state, __s64 d)
{
	bool active = state == XDPLB_FLOW_ACTIVE;
	struct xdplb_lc_conns *lc;
	struct xdplb_conns *c;

	if (!active && state != XDPLB_FLOW_INACTIVE && state != XDPLB_FLOW_SYN)
		return;
	c = bpf_map_lookup_elem(&xdplb_conns, &real_id);
	lc = bpf_map_lookup_elem(&xdplb_lc_conns, &real_id);
	if (c)
		__sync_fetch_and_add(active ? &c->active : &c->inactive, d);
	if (lc && lc->on)
		__sync_fetch_and_add(active ? &lc->active : &lc->inactive, d);
}

/* Move a flow from state @from to @to, counting it, if no other CPU did first. */
static __always_inline bool flow_transition(struct xdplb_flow *f, __u32 from, __u32 to)
{
	if (__sync_val_compare_and_swap(&f->state, from, to) != from)
		return false;
	conns_add(f->real_id, from, -1);
	conns_add(f->real_id, to, 1);
	return true;
}

/* Has the flow been idle longer than its state's timeout?  (@now may be older than an atime
 * that another CPU has just written: that is not idleness.) */
static __always_inline bool flow_expired(const struct xdplb_flow *f, const struct xdplb_config *cfg,
					 __u8 proto, __u64 now)
{
	__u32 secs;

	if (proto == IPPROTO_UDP)
		secs = cfg->udp_timeout;
	else if (f->state == XDPLB_FLOW_ACTIVE)
		secs = cfg->tcp_timeout;
	else if (f->state == XDPLB_FLOW_SYN && cfg->synrecv_timeout)
		secs = cfg->synrecv_timeout;
	else
		secs = cfg->tcpfin_timeout;
	/* + 1 s: atime is refreshed at most once a second, so a flow that is never idle can
	 * look up to 1 s idle; timeouts have a 1-second granularity.  xdplb_ticks_since() is
	 * never more than the time really gone by. */
	return xdplb_ticks_since(f->atime, now) > ((__u64)secs + 1) * 1000000000ull;
}

/* Expire a flow: count it out (once, whoever gets there first) and free its slot.  The
 * flow of a backend that is gone is not counted out: its counters went with it. */
static __always_inline void flow_expire(struct xdplb_flow *f, bool backend_gone)
{
	__u32 state = f->state;

	if (state == XDPLB_FLOW_DEAD)
		return;
	if (backend_gone) {
		if (__sync_val_compare_and_swap(&f->state, state, XDPLB_FLOW_DEAD) != state)
			return;
	} else if (!flow_transition(f, state, XDPLB_FLOW_DEAD)) {
		return;
	}
	flow_table_free(f);
}

/* The client's persistent backend, if it has one that still takes new flows. */
static __always_inline __u32 persist_pick(const struct xdplb_vip *vip, const struct packet *p,
					  __u64 now)
{
	struct xdplb_persist_key pk = {};
	struct xdplb_persist *pe;
	struct xdplb_real *r;

	__builtin_memcpy(pk.src, p->key.src, sizeof(pk.src));
	pk.vip_id = vip->id;
	pe = bpf_map_lookup_elem(&xdplb_persist, &pk);
	if (!pe || (now > pe->atime && now - pe->atime > (__u64)vip->persist * 1000000000ull))
		return 0;
	r = lookup_real(pe->real_id, vip->id);
	return r && real_takes_new(r) ? pe->real_id : 0;
}

static __always_inline void persist_note(const struct xdplb_vip *vip, const struct packet *p,
					 __u32 real_id, __u64 now)
{
	struct xdplb_persist_key pk = {};
	struct xdplb_persist pe = { .real_id = real_id, .atime = now };

	__builtin_memcpy(pk.src, p->key.src, sizeof(pk.src));
	pk.vip_id = vip->id;
	bpf_map_update_elem(&xdplb_persist, &pk, &pe, BPF_ANY);
}

/* What select_real() found out, for the counters and the forwarding modes. */
struct selection {
	__u32 real_id;
	__u32 vip_id; /* the VIP's (0: none), for the trace */
	__u8 new_flow;
	__u8 resched; /* the flow's backend was gone: moved to another */
	__u8 restate; /* this packet moved the flow's state: established or closed it */
	__u8 reply;   /* a NAT reply, or an ICMP error about a VIP's flow (for the trace) */
	__u64 now;    /* coarse_now() of the packet (clock.h), for whoever needs a clock */
};

/* The flow's backend if it is still the one the flow was scheduled to, else NULL. */
static __always_inline struct xdplb_real *flow_real(const struct xdplb_flow *f)
{
	struct xdplb_real *r = lookup_real(f->real_id, f->vip_id);

	return r && r->gen == f->gen ? r : NULL; /* else the id went to another backend */
}

/* A flow that a new one displaced from a full set: counted out like an expired one. */
static __always_inline void flow_evicted(const struct xdplb_flow *f)
{
	if (!flow_slot_live(f->state))
		return;
	count_flow_event(XDPLB_FE_DISPLACED);
	if (flow_real(f))
		conns_add(f->real_id, f->state, -1);
}

/* Is this TCP segment (flags @fl) a bare SYN, a connection's first? */
static __always_inline bool tcp_bare_syn(__u8 fl)
{
	return (fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/* The state a new flow starts in: a TCP connection's first SYN half-open, a FIN or RST
 * closed, any other TCP segment (a flow another balancer had, say) established; UDP
 * INACTIVE, as LVS counts it. */
static __always_inline __u32 flow_new_state(__u8 proto, __u8 fl)
{
	if (proto != IPPROTO_TCP || (fl & (TCP_FLAG_FIN | TCP_FLAG_RST)))
		return XDPLB_FLOW_INACTIVE;
	return tcp_bare_syn(fl) ? XDPLB_FLOW_SYN : XDPLB_FLOW_ACTIVE;
}

/* TCP flags move a flow: FIN/RST close it, a bare SYN reopens its tuple (half-open again),
 * the client's first ACK completes its handshake.  The state is read before any
 * compare-and-swap: an established flow's packets write nothing.  Returns whether this
 * packet moved the flow's state (a NAT flow's reply entry follows it). */
static __always_inline bool flow_tcp_flags_of(struct xdplb_flow *f, __u8 proto, __u8 fl)
{
	__u32 st;

	if (proto != IPPROTO_TCP)
		return false;
	st = *(volatile __u32 *)&f->state;
	if (fl & (TCP_FLAG_FIN | TCP_FLAG_RST)) {
		if (st == XDPLB_FLOW_ACTIVE || st == XDPLB_FLOW_SYN)
			return flow_transition(f, st, XDPLB_FLOW_INACTIVE);
	} else if (tcp_bare_syn(fl)) {
		if (st == XDPLB_FLOW_INACTIVE)
			return flow_transition(f, st, XDPLB_FLOW_SYN);
	} else if (st == XDPLB_FLOW_SYN && (fl & TCP_FLAG_ACK)) {
		return flow_transition(f, st, XDPLB_FLOW_ACTIVE);
	}
	return false;
}

static __always_inline bool flow_tcp_flags(struct xdplb_flow *f, const struct packet *p)
{
	return flow_tcp_flags_of(f, p->key.proto, p->tcp_flags);
}

/* What inserting a new flow did (xdplb_flow_insert4/6()); > 0: another CPU has just inserted
 * this tuple's flow, which the packet follows: its backend's id. */
#define FT_INSERTED 0
#define FT_NO_SLOT  (-1) /* forwarded, not remembered (see flow_table.h) */
#define FT_LOST	    (-2) /* another CPU's flow of this tuple, for another VIP or a gone backend */

/* @where: slot | the state the scan saw << 8 | TCP flags << 16 | protocol << 24 */
static __always_inline int flow_insert(void *set, __u32 where, const void *key,
				       const struct xdplb_flow *nf, bool v6)
{
	__u32 slot = where & 0xff;
	struct xdplb_flow evicted, *f;
	void *skey;
	int r;

	if (!set)
		return FT_NO_SLOT;
	if (slot >= (v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4)) {
		/* the scan chose none: a slot stayed busy under it (flow_table.h) */
		count_flow_event(XDPLB_FE_UNRECORDED);
		return FT_NO_SLOT;
	}
	f = flow_slot(set, slot, &skey, v6);
	r = flow_slot_fill(f, skey, key, (where >> 8) & 0xff, nf, &evicted, v6);
	if (r < 0) {
		count_flow_event(XDPLB_FE_UNRECORDED);
		return FT_NO_SLOT;
	}
	if (r > 0) {
		/* another CPU has just created this flow: follow it (with this packet's flags) */
		if (f->vip_id != nf->vip_id || !flow_real(f))
			return FT_LOST;
		flow_tcp_flags_of(f, where >> 24, where >> 16);
		return f->real_id;
	}
	flow_evicted(&evicted);
	conns_add(nf->real_id, nf->state, 1);
	return FT_INSERTED;
}

/* The insert as functions of their own (global functions, verified once): inlined, its
 * outcomes multiplied the verifier's states for all the forwarding code after it. */
__noinline int xdplb_flow_insert4(struct xdplb_flow_set4 *set, __u32 where,
				  const struct xdplb_flow_key4 *key, const struct xdplb_flow *nf)
{
	if (!key || !nf)
		return FT_NO_SLOT;
	return flow_insert(set, where, key, nf, false);
}

__noinline int xdplb_flow_insert6(struct xdplb_flow_set6 *set, __u32 where,
				  const struct xdplb_flow_key *key, const struct xdplb_flow *nf)
{
	if (!key || !nf)
		return FT_NO_SLOT;
	return flow_insert(set, where, key, nf, true);
}

/* A bare SYN on a closed (inactive) TCP flow's tuple is a new connection (port reuse): it
 * may reopen the tuple on its backend only if that backend still takes new flows; a
 * drained (weight 0) or down backend gets no new connection through an old tuple. */
static __always_inline bool reuse_refused(const struct xdplb_flow *f, const struct packet *p,
					  const struct xdplb_real *r)
{
	return p->key.proto == IPPROTO_TCP && f->state == XDPLB_FLOW_INACTIVE &&
	       tcp_bare_syn(p->tcp_flags) && !real_takes_new(r);
}

/*
 * A refused reuse reschedules a flow whose backend still keeps its flows, which the flow
 * cache's checks would go on following: the tuple's slots go, on every CPU (flow_cache.h).
 * select_real() calls this on each flow it finds and does not follow (a global function,
 * verified once: inlined there, the branch doubled the verifier's states for all the code
 * after it); for a flow that moved for another reason it may forget slots that the checks
 * refuse anyway.
 */
__noinline int xdplb_flow_refused(const struct xdplb_flow *f, const struct packet *p,
				  const struct xdplb_real *r, __u32 v6, __u64 now)
{
	if (!f || !p || !r || !reuse_refused(f, p, r))
		return 0;
	return flow_cache_forget(v6 ? (const void *)&p->key : (const void *)&p->fkey, v6, now);
}

/* Keep the client's persistence alive while it sends, but only towards the backend it
 * points at: a packet of an older flow on another (e.g. draining) backend must not move
 * the client back there. */
static __always_inline void persist_touch(const struct xdplb_vip *vip, const struct packet *p,
					  __u32 real_id, __u64 now)
{
	struct xdplb_persist_key pk = {};
	struct xdplb_persist *pe;

	__builtin_memcpy(pk.src, p->key.src, sizeof(pk.src));
	pk.vip_id = vip->id;
	pe = bpf_map_lookup_elem(&xdplb_persist, &pk);
	if (pe && pe->real_id == real_id)
		pe->atime = now;
}

/* xdplb explain: the backend the scheduler gives a new flow of @k now, and the table slot it
 * reads (0 for lc and wlc, which scan the backends), without taking it: rr and wrr read their
 * position without moving it (the next new flow on any CPU moves it). */
static __always_inline __u32 explain_sched(const struct xdplb_vip *vip,
					   const struct xdplb_flow_key *k, __u32 *slot)
{
	__u32 vip_id = vip->id, idx, *len, *id;
	__u64 *pos;

	*slot = 0;
	len = table_slot(vip_id, XDPLB_TABLE_LEN_SLOT);
	if (!len || !*len)
		return 0;
	switch (vip->sched) {
	case XDPLB_SCHED_MH:
		idx = flow_hash(k) % *len;
		break;
	case XDPLB_SCHED_SH:
		idx = src_hash(k) % *len;
		break;
	case XDPLB_SCHED_RR:
	case XDPLB_SCHED_WRR:
		pos = bpf_map_lookup_elem(&xdplb_rr, &vip_id);
		if (!pos)
			return 0;
		idx = *pos % *len;
		break;
	default:
		return xdplb_schedule(vip, k); /* lc, wlc: a read-only scan */
	}
	*slot = idx + 1;
	id = table_slot(vip_id, idx + 1);
	return id ? *id : 0;
}

/* Why select_real() does not follow flow @f (enum xdplb_explain_drop), for xdplb explain. */
static __always_inline __u8 explain_drop(const struct xdplb_flow *f, const struct xdplb_vip *vip,
					 const struct xdplb_real *real, bool down, bool expired,
					 bool refused)
{
	if (!real)
		return XDPLB_EXPLAIN_GONE;
	if (down)
		return XDPLB_EXPLAIN_DOWN;
	if (f->vip_id != vip->id)
		return XDPLB_EXPLAIN_OTHER;
	if (expired)
		return XDPLB_EXPLAIN_EXPIRED;
	return refused ? XDPLB_EXPLAIN_REUSE : XDPLB_EXPLAIN_KEPT;
}

/**
 * select_real() - the backend of this packet's flow: the flow table's, else a new one.
 *
 * Established flows keep their backend while it exists (weight 0 = draining keeps them).
 * A flow whose backend was removed or is down (unless the VIP has ondown keep), that outlived
 * its timeout, or whose tuple now belongs to another VIP (a port VIP added next to a port-0 one, a
 * VIP re-added) is counted out and scheduled again.  A TCP flow starts half-open (SYN) on a bare
 * SYN and is established (active) from its client's first ACK; FIN or RST closes it (inactive,
 * shorter timeout); a SYN on a closed flow's tuple (port reuse) opens it again, half-open.
 *
 * @flows, @fkey: the flow table of the packet's family and the packet's key for it
 * (xdplb_flows and &p->fkey, or xdplb_flows6 and &p->key); constants at each call site, so
 * that each family gets its own copy of this code and its own inlined map lookups.
 * @ex: NULL on the packet path (a constant: the compiler drops every `if (ex)`); xdplb explain's
 * dry run passes its answer here, and then nothing is written anywhere else: no flow, flow
 * cache, state, time, persistence entry or rr position changes.
 *
 * Returns: the backend, or NULL when the VIP has none for a new flow.
 */
static __always_inline struct xdplb_real *
select_real(const struct xdplb_vip *vip, const struct packet *p, const struct xdplb_config *cfg,
	    struct selection *sel, void *flows, void *fkey, bool v6, struct xdplb_explain_args *ex)
{
	struct flow_cache_ref fc = {};
	struct xdplb_flow *flow, nf = {};
	struct flow_ref fr;
	struct xdplb_real *real;
	__u32 *mh;
	__u64 now = coarse_now();
	__u16 fgen = 0; /* read only with a slot: a fill needs one */
	bool moved = false, down;
	__u32 where;
	int n;

	sel->now = now;
	/* a SYN, FIN or RST neither reads nor fills a slot: a SYN flood costs no cache line */
	if (!ex && flow_cache_usable(p) && !(cfg->flags & XDPLB_CFG_F_NO_FLOWCACHE)) {
		fgen = flow_gen();
		if (v6)
			flow_cache_get6(&fc, &p->key);
		else
			flow_cache_get4(&fc, &p->fkey);
		if (flow_cache_valid(&fc, fgen, vip->id, now)) {
			real = lookup_real(fc.v->real_id, vip->id);
			if (real && (__u16)real->gen == fc.v->real_gen &&
			    real_keeps_flows(vip, real)) {
				sel->real_id = fc.v->real_id;
				return real;
			}
		}
	}

	/* The flow table's set and, for a new flow, the Maglev table's slot: two random lines
	 * of tables of hundreds of MiB and KiB.  Loading the slot first, its value unused for
	 * now, lets the CPU wait for both misses at once rather than one after the other: new
	 * flows 2-9% and SYNs 11-12% faster than loading it after the miss (bench/RESULTS.md);
	 * a flow-table hit pays the slot's lookups for nothing. */
	mh = ex ? NULL : maglev_slot(vip, p);
	if (mh)
		asm volatile("" ::"r"(*(volatile __u32 *)mh));
	flow_table_find(&fr, flows, fkey, v6,
			p->key.proto == IPPROTO_TCP && tcp_bare_syn(p->tcp_flags) ? FT_HALFOPEN
										  : 0);
	flow = fr.f;
	if (flow) {
		real = flow_real(flow);
		/* a backend that failed its health check loses its flows (their clients get a
		 * RST from the new backend and reconnect) unless the VIP keeps them there */
		down = real && !real_keeps_flows(vip, real);
		if (ex) {
			ex->flow_real = flow->real_id;
			ex->flow_atime = now - xdplb_ticks_since(flow->atime, now) ?: 1;
			ex->flow_state = flow->state;
			ex->flow_drop = explain_drop(flow, vip, real, down,
						     flow_expired(flow, cfg, p->key.proto, now),
						     real && reuse_refused(flow, p, real));
		}
		if (real && !down && flow->vip_id == vip->id &&
		    !flow_expired(flow, cfg, p->key.proto, now) && !reuse_refused(flow, p, real)) {
			sel->real_id = flow->real_id;
			if (ex) {
				ex->source = XDPLB_EXPLAIN_FLOW;
				return real;
			}
			sel->restate = flow_tcp_flags(flow, p);
			/* one write per second at most: the entry's cache line stays shared */
			if ((__s32)(xdplb_tick(now) - flow->atime) >= XDPLB_TICKS_REFRESH) {
				flow->atime = xdplb_tick(now);
				if (vip->persist)
					persist_touch(vip, p, sel->real_id, now);
			}
			/* established flows only (and UDP's): the packets of a half-open one must
			 * reach the table, where the client's ACK establishes it */
			if (flow->state == XDPLB_FLOW_ACTIVE || p->key.proto != IPPROTO_TCP)
				flow_cache_fill(&fc, p, v6, sel->real_id, vip->id, real->gen, fgen,
						now - xdplb_ticks_since(flow->atime, now), now);
			return real;
		}
		moved = !real || down || flow->vip_id != vip->id;
		if (!ex) {
			/* before flow_expire() kills the flow, whose state it reads */
			xdplb_flow_refused(flow, p, real, v6, now);
			flow_expire(flow, !real);
		}
		/* its slot, freed just now (unless another CPU was first) */
		fr.seen = XDPLB_FLOW_FREE;
	}

	nf.real_id = vip->persist ? persist_pick(vip, p, now) : 0;
	if (ex) {
		ex->source = nf.real_id ? XDPLB_EXPLAIN_PERSIST : XDPLB_EXPLAIN_SCHED;
		if (!nf.real_id)
			nf.real_id = explain_sched(vip, &p->key, &ex->slot);
	} else if (!nf.real_id) {
		nf.real_id = mh ? *mh : xdplb_schedule(vip, &p->key);
	}
	real = lookup_real(nf.real_id, vip->id);
	/* a backend that went down or to weight 0 is in its table until the rebuild (never a
	 * persistence entry's: persist_pick() checks) */
	if (real && !real_takes_new(real)) {
		struct sched_skipped sk;

		nf.real_id = xdplb_sched_skip(vip, &p->key, &sk);
		real = lookup_real(nf.real_id, vip->id);
		if (ex) {
			ex->slot = sk.slot;
			ex->skipped = sk.skipped > 255 ? 255 : sk.skipped;
		}
	}
	if (!real || ex) {
		sel->real_id = real ? nf.real_id : 0;
		sel->new_flow = !!real;
		sel->resched = real && moved;
		return real;
	}
	nf.vip_id = vip->id;
	nf.gen = real->gen;
	nf.atime = xdplb_tick(now);
	nf.state = flow_new_state(p->key.proto, p->tcp_flags);
	/* fr.slot < 0 (no set): 0xff, no slot */
	where =
	    (fr.slot & 0xff) | fr.seen << 8 | (__u32)p->tcp_flags << 16 | (__u32)p->key.proto << 24;
	n = v6 ? xdplb_flow_insert6(fr.set, where, fkey, &nf)
	       : xdplb_flow_insert4(fr.set, where, fkey, &nf);
	if (n > 0) {
		sel->real_id = n;
		return lookup_real(n, vip->id);
	}
	if (n == FT_LOST)
		return NULL;
	sel->real_id = nf.real_id;
	sel->new_flow = 1;
	sel->resched = moved;
	if (n == FT_NO_SLOT)
		return real;
	if (vip->persist)
		persist_note(vip, p, nf.real_id, now);
	flow_cache_fill(&fc, p, v6, nf.real_id, vip->id, nf.gen, fgen, now, now);
	return real;
}

#endif /* XDPLB_SELECT_H */
