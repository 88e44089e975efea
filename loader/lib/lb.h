/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains the balancer's state library, its one API: attaching the data plane,
 * VIPs, backends, scheduler tables, flows, counters, health check settings and the live trace,
 * read from and written to the (pinned) maps.  The commands (loader/cli), the daemon
 * (loader/daemon), the tests and the benchmarks all go through it; only the files of loader/lib
 * touch a map.
 *
 * Functions return 0 (or a count) or a negative errno and print nothing: the callers word
 * the errors.  Each section below names the file of loader/lib that implements it.
 */
#ifndef XDPLB_LB_H
#define XDPLB_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "xdplb_abi.h"

struct xdplb_bpf;
struct bpf_object;
struct lb_index;

/* The maps of one balancer, and the programs it runs (GC, explain).  The library's own: nothing
 * outside loader/lib reads these. */
struct lb_fds {
	int config, vips, reals, tables, flows, flows6, stats, vip_stats, real_stats, persist,
	    conns, lc_conns, rr, checks, nat_src, flow_events, real_vip, journal, trace_ctl, trace;
	int gc_prog, explain_prog;
};

struct lb {
	struct lb_fds fd;
	/* max_vips: VIP ids (the id-indexed maps' size; ids are 1..max_vips-1); xdplb_vips holds
	 * up to vip_keys entries, VIPs and their address entries (XDPLB_AF_ADDR) together */
	__u32 max_vips, max_reals, max_flows, max_flows6, vip_keys;
	int lock_fd; /* flock()ed pin directory while a command changes state */
	bool owned;  /* the fds are a skeleton's (lb_from_skel()) */
	/* lb_lock() found a change whose process had died, and rolled it back (journal.c): its
	 * process and when it began (CLOCK_REALTIME s), for the caller to say so */
	bool rolled_back;
	int rb_pid;
	__u64 rb_started;
	int rb_err; /* ... or found it, and its journal unreadable (-EBADMSG): not rolled back */
	struct lb_index *idx; /* index.c: what the library knows of the maps, bulk mode */
};

/* ---- maps.c: opening, layout, lock, clocks ---- */

/* Open the maps pinned under @dir.  -ENOENT when nothing is attached there, -EPROTO when the
 * directory holds maps of another pin layout (XDPLB_LAYOUT), or -errno. */
int lb_open(struct lb *lb, const char *dir);
/* Use the maps of a loaded skeleton (tests, benchmarks). */
int lb_from_skel(struct lb *lb, struct xdplb_bpf *skel);
void lb_close(struct lb *lb);
/* The layout stamp of the maps pinned under @dir (0: made before stamps, or of a config map
 * this build cannot read): 0, -ENOENT (no pin of ours there) or -errno. */
int lb_pin_layout(const char *dir, __u32 *layout);
/* The message for a pin directory @dir of another layout (@layout): what it is, and how to
 * move the configuration to this build's layout.  Returns @buf. */
const char *lb_layout_hint(const char *dir, __u32 layout, char *buf, size_t len);
/* Serialise state changes between concurrent xdplb processes.  While it holds the lock, a
 * struct lb keeps an index of backend and VIP ids (index.c) so that a change does not read
 * every backend slot; taking or dropping the lock forgets it.  Taking it, a change whose
 * process died half-way is rolled back first (journal.c; lb->rolled_back says so); an error
 * of that leaves the lock free. */
int lb_lock(struct lb *lb, const char *dir);
/* The same without waiting: -EAGAIN while another process holds it. */
int lb_trylock(struct lb *lb, const char *dir);
void lb_unlock(struct lb *lb);
bool lb_locked(const struct lb *lb);
/* CLOCK_MONOTONIC_COARSE in ns: the data plane's clock for flow ages. */
__u64 lb_coarse_now_ns(void);
/* CLOCK_MONOTONIC in ns: the clock of xdplb_real.since. */
__u64 lb_mono_ns(void);

/* ---- attach.c, xdp.c: the data plane on interfaces ---- */

/* What `dev attach` asks for.  Sizes (0 = default) are fixed when the maps are created. */
struct lb_attach_opts {
	const char *dir;    /* the pin directory */
	const char *ifname; /* the interface */
	bool generic;	    /* XDP generic (skb) mode instead of native */
	bool mode_given;    /* generic was asked for (native or generic), not the default */
	__be32 tunsrc;	    /* IPv4 tunnel source; 0 = not given */
	__be32 tunsrc6[4];  /* IPv6 tunnel source; all zero = not given */
	__u32 flows, flows6, ring, vips, reals; /* 0: not given (the defaults) */
	int lru_percpu;				/* -1 = not given */
};

/* What an attach found and did, for the command to say. */
struct lb_attach_info {
	bool fresh;	      /* the maps were created now */
	bool sizes_kept;      /* sizes were given, but the maps exist with theirs */
	bool forwarding_off;  /* net.ipv4.conf.IFNAME.forwarding is 0 */
	int accept_local;     /* 1: set to 1 now; -1: could not be set; 0: was set */
	bool no_tunsrc4;      /* no IPv4 tunnel source: TUN to IPv4 backends cannot work */
	bool replaced;	      /* xdplb ran there already: this load took over from it */
	bool generic;	      /* the mode it runs in now */
	__u32 old_id, new_id; /* program ids: the one replaced (if replaced), the one attached */
	char why[512];	      /* on failure: what went wrong, for "Error: ..." */
};
/* Create or reuse the maps under o->dir, load the balancer and attach it to o->ifname.  Where
 * xdplb runs already (with these maps), the new program takes over without a gap: it is added
 * to libxdp's dispatcher next to the old one, then the old one is removed, each step an atomic
 * replacement of the dispatcher.  0 or -errno (-EEXIST: attached in a way that cannot be
 * replaced; -EPROTO: maps of another layout), with info->why. */
int lb_attach(const struct lb_attach_opts *o, struct lb_attach_info *info);
/* Detach program @prog (XDPLB_PROG, XDPLB_DECAP_PROG) from @ifname: 0 or -errno, with @why. */
#define XDPLB_PROG	 "xdplb_xdp_ingress"
#define XDPLB_DECAP_PROG "xdplb_decap"
int lb_detach(const char *ifname, const char *prog, char *why, size_t len);
/* The XDP mode program @prog runs in on interface @ifindex: 0 (not attached), one of
 * libxdp's enum xdp_attach_mode (1 native, 2 generic, 3 hw), or -EPERM (not allowed to
 * look). */
int lb_attached_mode(int ifindex, const char *prog);
/* Is program @prog attached to any interface (of this network namespace)? */
bool lb_attached_anywhere(const char *prog);
/* Make sure @dir exists on a bpffs: 0, or -errno with @why. */
int lb_pin_dir_make(const char *dir, char *why, size_t len);

/* ---- decap.c: the decapsulator of real servers in TUN mode ---- */

struct lb_decap_addr {
	__be32 a[4];
	__u8 family;
};
/* Attach the decapsulator to @ifname taking tunnel packets to @addrs (n > 0), its address set
 * and counters pinned under @dir: 0 or -errno with @why. */
int lb_decap_attach(const char *dir, const char *ifname, bool generic,
		    const struct lb_decap_addr *addrs, int n, char *why, size_t len);
/* Add (@add) or remove @a in the pinned address set: 0, -ENOENT (not attached: no set; or the
 * address is not in it) or -errno. */
int lb_decap_addr(const char *dir, const struct lb_decap_addr *a, bool add);
/* The addresses (at most @max into @out; the count is returned) and the counters (indexed by
 * enum xdplb_decap_reason, XDPLB_DECAP_MAX of them): -ENOENT when not attached. */
int lb_decap_read(const char *dir, struct lb_decap_addr *out, int max,
		  struct xdplb_counter *counters);

/* ---- config.c: global settings ---- */

int lb_config_get(struct lb *lb, struct xdplb_config *cfg);
int lb_config_set(struct lb *lb, const struct xdplb_config *cfg);
/* Settings written on a fresh attach: ring size, flow timeouts, the layout stamp. */
void lb_config_defaults(struct xdplb_config *cfg);
/* Drain the node (announce no VIP; forwarding goes on), or undo it (XDPLB_CFG_F_DRAINED). */
int lb_node_drain(struct lb *lb, bool drain);

/* ---- counters.c: what the data plane counts ---- */

/* Sums over CPUs: a verdict reason (enum xdplb_reason), a VIP's or a backend's traffic, a
 * flow-table event (enum xdplb_flow_event).  0 or -errno. */
int lb_read_reason(struct lb *lb, __u32 reason, struct xdplb_counter *out);
int lb_read_vip_traffic(struct lb *lb, __u32 vip_id, struct xdplb_traffic *out);
int lb_read_real_traffic(struct lb *lb, __u32 real_id, struct xdplb_traffic *out);
int lb_read_flow_event(struct lb *lb, __u32 ev, __u64 *out);
/* A backend's active and inactive connections (as ipvsadm counts them). */
int lb_read_conns(struct lb *lb, __u32 real_id, struct xdplb_conns *out);

/* Memory of each map as the kernel counts it (fdinfo memlock), the inner scheduler tables
 * together as "table_inner": fills at most @max of @out, returns the count. */
struct lb_map_memory {
	const char *name; /* "vips", "reals", "flows", ... */
	__u64 bytes;
};
int lb_memory(struct lb *lb, struct lb_map_memory *out, int max);
/* Does the persistence table keep per-CPU LRU lists (attach option lru percpu)? */
bool lb_persist_percpu(struct lb *lb);

/* ---- vips.c: VIPs ---- */

/* 0 and the record, or -ENOENT. */
int lb_vip_get(struct lb *lb, const struct xdplb_vip_key *key, struct xdplb_vip *vip);
/* -EEXIST when the VIP exists, -ENOSPC when max_vips are in use. */
int lb_vip_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params);
/* Change the options of an existing VIP (id kept: mode, scheduler, persistence, flags, quorum,
 * hysteresis), rebuilding its table. */
int lb_vip_set(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params);
/* Removes the VIP, its backends and its table. */
int lb_vip_del(struct lb *lb, const struct xdplb_vip_key *key);
/* VIPs in a stable order (sorted by id): the count, the first @max in @out.  Address entries
 * (addr.c) are never listed. */
struct lb_vip_entry {
	struct xdplb_vip_key key;
	struct xdplb_vip vip;
};
int lb_vip_list(struct lb *lb, struct lb_vip_entry *out, int max);
/* All of them in a new array (*@out, to free): the count, or -errno (nothing to free). */
int lb_vip_list_alloc(struct lb *lb, struct lb_vip_entry **out);

/* ---- announce.c: which VIPs this node announces (route health injection) ---- */

/* Has VIP @v quorum with @up backends up (weight > 0, no sorry server), given whether it is
 * @announced now?  From quorum + hysteresis up it is announced; it stays announced down to
 * quorum - hysteresis, and never with none up.  quorum 0 means 1. */
bool lb_vip_quorum(const struct xdplb_vip *v, __u32 up, bool announced);
struct lb_announce {
	struct xdplb_vip_key key;
	__u32 vip_id;
	__u32 up;		  /* backends up, as lb_vip_quorum() counts them */
	__u16 quorum, hysteresis; /* quorum as in force (0 -> 1) */
	bool quorum_ok;		  /* lb_vip_quorum() */
	bool want;		  /* announce: @node_ok and quorum_ok */
};
/* The plan for every VIP (sorted by id) into a new array *@out: the count, or -errno.
 * @node_ok: the node may announce at all (attached, not drained); @was: whether each VIP id
 * is announced now (NULL: none), for the hysteresis. */
int lb_announce_plan(struct lb *lb, bool node_ok, const __u8 *was, struct lb_announce **out);

/* ---- addr.c: address entries ---- */

/*
 * For every {address, protocol, family} with a VIP, xdplb_vips holds a key {addr, port 0,
 * proto, family | XDPLB_AF_ADDR} whose value is a copy of the VIP when it is the only one there
 * and has XDPLB_VIP_F_L3HASH (non-first fragments go to it), else a record with id 0.
 * lb_vip_add/set/del keep them; lb_addr_sync() rewrites every one from the VIPs.
 */
int lb_addr_sync(struct lb *lb);
static inline bool lb_vip_key_is_addr(const struct xdplb_vip_key *k)
{
	return k->family & XDPLB_AF_ADDR;
}

/* ---- reals.c, index.c: backends ---- */

/* Backends of one VIP, sorted by id.  Returns the count (at most max filled) or -errno. */
struct lb_real_entry {
	__u32 id;
	struct xdplb_real real;
};
int lb_real_list(struct lb *lb, __u32 vip_id, struct lb_real_entry *out, int max);
/* Backend slot @id: 0 and the record (a free slot has vip_id 0), or -ENOENT past the end. */
int lb_real_get(struct lb *lb, __u32 id, struct xdplb_real *out);
/* Every backend slot (max_reals records, index = id), malloc()ed; NULL on failure. */
struct xdplb_real *lb_reals_snapshot(struct lb *lb);
/* Find the backend {addr, port} of a VIP: its id, or -ENOENT. */
int lb_real_find(struct lb *lb, __u32 vip_id, const __be32 addr[4], __u8 family, __be16 port);
/* -EEXIST, -ENOSPC when all backend ids are in use, -E2BIG when the VIP has
 * lb_max_reals_per_vip() backends. */
int lb_real_add(struct lb *lb, const struct xdplb_vip_key *vkey, const struct xdplb_real *real);
/* A Maglev table needs more slots than backends (sched_build()). */
static inline __u32 lb_max_reals_per_vip(const struct xdplb_config *cfg)
{
	return cfg->ring_size - 1;
}
int lb_real_set_weight(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4],
		       __u8 family, __be16 port, __u32 weight);
int lb_real_del(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4], __u8 family,
		__be16 port);
/* Health: set a backend's state (XDPLB_REAL_UP/DOWN, @since = now) and rebuild its VIP's
 * table.  Returns 0, -ENOENT when id no longer holds that backend (@gen differs), -errno. */
int lb_real_set_state(struct lb *lb, __u32 id, __u16 gen, __u8 state);

/* ---- tables.c: scheduler tables and bulk mode ---- */

/* Rebuild a VIP's scheduler table from its backends and swap it in atomically. */
int lb_table_rebuild(struct lb *lb, const struct xdplb_vip *vip);
/* Read the VIP's current table: returns its length L (0: no table) and fills up to @max ids
 * (slots 1..L). */
int lb_table_read(struct lb *lb, __u32 vip_id, __u32 *ids, __u32 max);

/*
 * Bulk mode, for many changes in a row (batch files): the backend array is read once and kept
 * in memory, and the tables of VIPs that gain backends, change weights or options are built
 * once each by lb_bulk_flush() rather than after every change (each table swap waits for an
 * RCU grace period); the flush builds them on every CPU the process may use and swaps them in
 * up to 256 at a time.  Meanwhile new backends take no new flows yet; deleting a backend still
 * rebuilds its table at once (no table names a freed backend id), and a deleted VIP's table
 * goes at the flush (the VIP itself is gone at once).  lb_bulk_end() flushes and leaves bulk
 * mode.  Holding the lock (lb_lock()) throughout is the caller's business.  lb_bulk_begin()
 * returns -EBUSY in bulk mode already; outside it, lb_bulk_flush() and lb_bulk_end() do
 * nothing and return 0.
 */
int lb_bulk_begin(struct lb *lb);
int lb_bulk_flush(struct lb *lb);
int lb_bulk_end(struct lb *lb);

/* ---- nat.c: NAT reply entries and the NAT reply filter ---- */

/*
 * The NAT reply filter (xdplb_nat_src, include/xdplb_abi.h): the bits of the addresses of
 * every backend of a NAT-mode VIP.  lb_real_add/del and lb_vip_set/del keep it (a bit is set
 * before its backend can get a flow, cleared only after the last backend with it is gone; in
 * bulk mode clearing waits for the flush); lb_nat_filter_sync() computes it again from the
 * VIPs and backends.  Returns 0 or -errno.
 */
int lb_nat_filter_sync(struct lb *lb);
/* The NAT reply entry of reply tuple @key (backend -> client, either family, as parsed: the
 * entry's mark XDPLB_KEY_REPLY is added here) into @out, and what its backend id's replies get
 * back into @vip (either may be NULL): 0, or -ENOENT.  Whether it still translates is the data
 * plane's business (its backend id may have gone to another backend since). */
int lb_nat_get(struct lb *lb, const struct xdplb_flow_key *key, struct xdplb_flow *out,
	       struct xdplb_real_vip *vip);
/* Put the reply entry of @key for backend @real_id (its current VIP and gen, state ACTIVE,
 * atime @atime: bpf_ktime_get_coarse_ns() time, 0 = now) where the data plane would: the
 * key's slot, else a free one, else the oldest.  Rewrites the whole set: not while traffic
 * runs (tests, tools). */
int lb_nat_put(struct lb *lb, const struct xdplb_flow_key *key, __u32 real_id, __u64 atime);

/* ---- flows.c: the flow tables ---- */

/* Size the per-CPU flow caches of a balancer object (not loaded yet) for the possible CPUs. */
void lb_size_flow_cache(struct bpf_object *obj);
/* Size the flow tables (xdplb_flows, xdplb_flows6, which hold NAT flows' reply entries too)
 * for @flows and @flows6 flows; @percpu_lru gives the one LRU hash left, the persistence
 * table xdplb_persist, per-CPU LRU lists (BPF_F_NO_COMMON_LRU). */
void lb_size_flows(struct bpf_object *obj, __u32 flows, __u32 flows6, bool percpu_lru);
/* The live flow of @key (either family, as struct xdplb_flow_key): 0, or -ENOENT. */
int lb_flow_get(struct lb *lb, const struct xdplb_flow_key *key, struct xdplb_flow *out);
/* Free @key's slot without counting the flow out, as if it had never been: for tests of what
 * the data plane does without a flow.  It rewrites the whole set: not while traffic runs. */
int lb_flow_forget(struct lb *lb, const struct xdplb_flow_key *key);
/* @fn for every live flow, IPv4 then IPv6 (keys as struct xdplb_flow_key); a non-zero return
 * of @fn stops and is returned. */
int lb_flow_foreach(struct lb *lb,
		    int (*fn)(const struct xdplb_flow_key *key, const struct xdplb_flow *f,
			      void *ctx),
		    void *ctx);
/* Run the flow-table GC with @now (coarse monotonic ns; 0 = the current time). */
int lb_gc(struct lb *lb, __u64 now, __u64 *scanned, __u64 *expired);
/* Forget every flow (of @vip_id, or all with 0), counting them out; *flushed = how many. */
int lb_flow_flush(struct lb *lb, __u32 vip_id, __u64 *flushed);

/* ---- explain.c: which backend a tuple gets now, and why (xdplb explain) ---- */

/* The dry run's answer (include/xdplb_abi.h, struct xdplb_explain_args) and what it names, read
 * just after it. */
struct lb_explain {
	struct xdplb_explain_args a;
	/* the records of a.real_id, a.flow_real and a.persist_real (all zero for id 0); where a
	 * flow's backend id went to another backend (XDPLB_EXPLAIN_GONE), the other one's */
	struct xdplb_real real, flow_real, persist_real;
	double flow_idle;   /* seconds: a.now - a.flow_atime, when a flow was found */
	double persist_age; /* seconds: a.now - a.persist_atime, when the client has an entry */
	__u32 table_len;    /* slots of the VIP's scheduler table (lc, wlc: the backends scanned),
			     * when the scheduler decided (a.source XDPLB_EXPLAIN_SCHED) */
};
/*
 * What a packet of tuple @t (@t->src:sport -> @t->dst:dport, TCP or UDP, either family; as
 * parsed, ports in network order) gets now: a frame of it (TCP: an ACK, a packet of an
 * established connection, or with @syn a bare SYN, a new connection's first segment) through
 * the pinned explain program, the attached code's own selection run dry.  Nothing is written:
 * no flow, counter, persistence entry or rr position.  What it leaves out: the flow cache (a
 * packet may follow a cached flow for up to a second after its table entry went), the next hop
 * and the MTU.  0 and @out, -EINVAL for a tuple no TCP or UDP frame carries, or -errno.
 */
int lb_explain(struct lb *lb, const struct xdplb_flow_key *t, bool syn, struct lb_explain *out);

/* ---- journal.c: configuration changes that survive their process ---- */

struct conf;
struct lb_check_entry;
/* Before a change is applied (under the lock): configuration @c as it is now, and the checks,
 * into the journal, marked "being applied".  0 or -errno. */
int lb_journal_begin(struct lb *lb, const struct conf *c, const struct lb_check_entry *checks,
		     size_t nchecks);
/* The change is complete, or rolled back by its own process: no longer "being applied". */
int lb_journal_end(struct lb *lb);
/* A change whose process died is rolled back from the journal (lb_lock() calls it): 0 (and
 * lb->rolled_back when there was one) or -errno. */
int lb_journal_recover(struct lb *lb);

/* ---- checks.c: health check settings (xdplb daemon runs them) ---- */

/* @real_id 0 = the VIP's default.  0, -ENOENT or -errno. */
int lb_check_get(struct lb *lb, __u32 vip_id, __u32 real_id, struct xdplb_check *c);
int lb_check_set(struct lb *lb, __u32 vip_id, __u32 real_id, const struct xdplb_check *c);
int lb_check_del(struct lb *lb, __u32 vip_id, __u32 real_id);
/* Forget the checks of a VIP (all, and its backends'), or of one backend (@real_id != 0). */
void lb_check_forget(struct lb *lb, __u32 vip_id, __u32 real_id);
/* The check that applies to backend @real_id of @vip_id: its own, else the VIP's. */
int lb_check_effective(struct lb *lb, __u32 vip_id, __u32 real_id, struct xdplb_check *c);
/* Defaults: interval, timeout, rise, fall. */
void lb_check_defaults(struct xdplb_check *c);
/* Every check (to put back with lb_checks_restore(), a batch's rollback, or to read them all
 * at once); malloc()ed, *n of them, NULL on failure. */
struct lb_check_entry {
	struct xdplb_check_key key;
	struct xdplb_check check;
};
struct lb_check_entry *lb_checks_snapshot(struct lb *lb, size_t *n);
int lb_checks_restore(struct lb *lb, const struct lb_check_entry *e, size_t n);

/* ---- trace.c: the live trace (xdplb trace) ---- */

/*
 * The data plane reports each packet's decision on the xdplb_trace ring while
 * xdplb_trace_ctl says on (bpf/trace.h), for one owner process at a time.  Off, all the packet
 * path pays is one array read.
 */
struct lb_trace_filter {
	__u32 vip_id;	  /* only this VIP's packets (0: any) */
	__u32 reasons;	  /* a bit per enum xdplb_reason (0: any) */
	__u8 family;	  /* 0: no client filter; else XDPLB_AF_INET or XDPLB_AF_INET6 */
	__be32 client[4]; /* with mask: a packet whose source or destination is in it */
	__be32 mask[4];
	__u32 snap; /* bytes of each frame reported, at most XDPLB_TRACE_SNAP */
};
/* The trace's state; *@owner_alive (may be NULL): it is on and its owner still runs. */
int lb_trace_get(struct lb *lb, struct xdplb_trace_ctl *out, bool *owner_alive);
/* Turn the trace on with filter @f, owned by this process (its lost count zeroed).  Under the
 * state lock (-ENOLCK without), so that of two starts one wins.  -EBUSY while another live
 * process owns it (its pid in *@prev_owner); a trace whose owner died is taken over
 * (*@prev_owner = that pid, 0 when it was off); -EINVAL for a bad filter. */
int lb_trace_start(struct lb *lb, const struct lb_trace_filter *f, __u32 *prev_owner);
/* Turn it off: 0 if it is off now; -EBUSY when another process owns it, unless @any and that
 * process is dead.  The filters and the lost count stay. */
int lb_trace_stop(struct lb *lb, bool any);
/* Events the data plane could not put on the ring (full: nobody reading fast enough) since
 * the trace was started. */
int lb_trace_lost(struct lb *lb, __u64 *lost);
/* The ring's reader: @fn for each event, in the order the ring holds them (per CPU in
 * order); a non-zero return of @fn stops lb_trace_poll() after that event.  Open it before
 * lb_trace_start(): what an earlier trace left unread is skipped, and so is any event older
 * than the reader. */
struct lb_trace_reader;
typedef int lb_trace_fn(const struct xdplb_trace_event *e, void *ctx);
int lb_trace_open(struct lb *lb, lb_trace_fn *fn, void *ctx, struct lb_trace_reader **out);
/* Wait up to @timeout_ms (-1: forever) for events and hand them to @fn (after a timeout,
 * those that came without waking the reader too): their count, -ECANCELED when @fn asked to
 * stop, -EINTR (a signal), or -errno. */
int lb_trace_poll(struct lb_trace_reader *r, int timeout_ms);
/* An epoll fd that is readable when events wait (for a loop of one's own). */
int lb_trace_fd(const struct lb_trace_reader *r);
void lb_trace_close(struct lb_trace_reader *r);

#endif /* XDPLB_LB_H */
