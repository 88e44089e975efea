/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains what the files of the state library (loader/lib) share among themselves
 * and nobody else uses: the index of backend and VIP ids, bulk mode's pending work, and the
 * helpers one concern offers another.  The API is lb.h.
 */
#ifndef XDPLB_LIB_INTERNAL_H
#define XDPLB_LIB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/lb.h"

/* ---- maps.c ---- */

/* max_entries of map @fd (0 if unknown). */
__u32 map_max_entries(int fd);

/* ---- xdp.c ---- */

/* Load @prog_name of @obj through libxdp and attach it (next to any program there, in libxdp's
 * dispatcher): 0 and the new program's id in *@prog_id (if not NULL), or -errno with @why. */
int xdp_attach_obj(struct bpf_object *obj, const char *prog_name, int ifindex, const char *ifname,
		   bool generic, __u32 *prog_id, char *why, size_t len);
/* lb_attached_mode(), and the id of the program found, and whether it runs without libxdp's
 * dispatcher (legacy). */
int xdp_attached(int ifindex, const char *name, __u32 *id, bool *legacy);
/* Where @prog_name runs without libxdp's dispatcher: put @prog_name of @obj (loaded) in the
 * place of program @old_id, atomically (XDP_FLAGS_REPLACE: the kernel refuses if @old_id no
 * longer runs there).  0 and the new program's id, or -errno with @why. */
int xdp_replace_legacy(struct bpf_object *obj, const char *prog_name, int ifindex,
		       const char *ifname, bool generic, __u32 old_id, __u32 *new_id, char *why,
		       size_t len);
/* lb_detach() of program @id only (0: the first of that name). */
int xdp_detach_id(const char *ifname, const char *prog_name, __u32 id, char *why, size_t len);

/* ---- index.c ---- */

/*
 * What the library knows of the maps between calls on one struct lb, so that a change need
 * not read all max_reals backend slots (a batch lookup of about 13 ms for 65,536 of them) to
 * find a free id, a duplicate or a VIP's backends, nor list every VIP to find a free VIP id.
 *
 * It mirrors membership (which backend ids are used, by which VIP, for which address and port,
 * each slot's gen; which VIP ids are used) as the library last wrote or read it, in two modes:
 *
 * - Checked: while this struct lb holds the lock (lb_lock(), as every changing CLI command and
 *   the daemon's state changes do) or owns the maps (lb_from_skel()).  Weights and states come
 *   from the map; what the index hands out (a free slot, a VIP's backends) is checked against
 *   the map and a mismatch reloads it.  lb_lock() and lb_unlock() forget it: between two holds
 *   of the lock others may change anything.
 * - Bulk mode (lb_bulk_begin() to lb_bulk_end()): loaded once and trusted, records included,
 *   since the batch's caller holds the lock for all of it; tables are rebuilt at the flush.
 */
enum { TABLE_KEEP, TABLE_REBUILD, TABLE_DELETE };
struct lb_index {
	bool loaded;
	struct xdplb_real *reals; /* [max_reals] */
	/* each VIP's backends, a doubly linked list through the backend ids (0 ends it) */
	__u32 *head;		   /* [max_vips] */
	__u32 *next, *prev;	   /* [max_reals] */
	__u32 *count;		   /* [max_vips] backends of each VIP */
	__u8 *vip_used;		   /* [max_vips] */
	__u8 *vip_nat;		   /* [max_vips] the VIP is in NAT mode */
	__u32 real_hint, vip_hint; /* no free id below these */

	bool bulk;
	__u8 *tables;	/* [max_vips] TABLE_*, in bulk mode */
	bool cfg_flags; /* update_cfg_flags() due at the flush */
	bool addr_sync; /* lb_addr_sync() due at the flush */
	bool nat_src;	/* lb_nat_filter_sync() due at the flush (a NAT backend went) */
};

struct lb_index *idx_get(struct lb *lb);
/* Read the maps into the index. */
int idx_load(struct lb *lb, struct lb_index *x);
void idx_free(struct lb *lb);
/* Outside bulk mode: read the maps again before the index is used next. */
void idx_forget(struct lb *lb);
bool in_bulk(const struct lb *lb);
/* Does a slot holding @r belong to a VIP's list? */
bool idx_listed(const struct lb *lb, const struct xdplb_real *r);
/* The loaded index if this struct lb may use one, else NULL (then read the maps). */
struct lb_index *idx_ready(struct lb *lb);
/* The map disagreed with the index: read it again. */
struct lb_index *idx_reload(struct lb *lb);
/* Health states and their times into a bulk index from the map: the daemon writes them
 * without the state lock, and a batch's tables are built with them as they are now. */
int idx_refresh_states(struct lb *lb);
/* Backend slot @id now holds @r (just written to the map). */
void idx_set(struct lb *lb, __u32 id, const struct xdplb_real *r);
void idx_vip_set(struct lb *lb, __u32 vip_id, bool used, __u8 mode);
/* Backend {addr, port} of @vip_id from the index (checked against the map outside bulk
 * mode): its id, -ENOENT, -EAGAIN or -errno. */
int idx_real_find(struct lb *lb, struct lb_index *x, __u32 vip_id, const __be32 addr[4],
		  __u8 family, __be16 port);
/* The lowest free backend id and its slot's gen, from the index (checked against the map
 * outside bulk mode): 0, -ENOSPC, -EAGAIN or -errno. */
int idx_free_id(struct lb *lb, struct lb_index *x, __u32 *id, __u16 *gen);
/* Read the whole backend array from the map (one batch syscall where the kernel can). */
struct xdplb_real *reals_read_map(struct lb *lb);
bool real_matches(const struct xdplb_real *r, const __be32 addr[4], __u8 family, __be16 port);
/* The backends of @vip_id in a new array (*out, to free): the count or -errno. */
int real_list_alloc(struct lb *lb, __u32 vip_id, struct lb_real_entry **out);

/* ---- vips.c ---- */

/* Every entry of xdplb_vips, VIPs and address entries: the count, *keys and *vals
 * malloc()ed, or -errno. */
int vips_read(struct lb *lb, struct xdplb_vip_key **keys, struct xdplb_vip **vals);

/* ---- reals.c ---- */

/* Write backend @id, and tell the index. */
int real_write(struct lb *lb, __u32 id, const struct xdplb_real *r);
/* What NAT replies of backend @id get back: @vkey's address and port (NULL: the id is free). */
int real_vip_write(struct lb *lb, __u32 id, const struct xdplb_vip_key *vkey, __u32 vip_id);

/* ---- config.c ---- */

/* The config flags some VIP needs (the data plane skips that work otherwise). */
#define VIP_CFG_FLAGS (XDPLB_CFG_F_NAT | XDPLB_CFG_F_PORT0 | XDPLB_CFG_F_NAT_L3)
__u32 vip_cfg_flags(const struct xdplb_vip_key *key, const struct xdplb_vip *vip);
/* After any change of xdplb_vips: the data plane's VIP cache answers only for the vip_gen it
 * took its answers under. */
int bump_vip_gen(struct lb *lb);
/* The VIP config flags computed again from every VIP; vip_gen bumped. */
int update_cfg_flags(struct lb *lb);
/* A VIP's mode or port changed: the config flags follow, now or at the bulk flush. */
int cfg_flags_changed(struct lb *lb);
/* A VIP was added: its flags join the others (deferred to the flush in bulk mode). */
int add_cfg_flags(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *vip);

/* ---- counters.c ---- */

/* Zero every CPU's copy of a per-CPU counter slot (ids are reused). */
int zero_percpu(int fd, __u32 key, size_t value_size);
/* Slot @key of per-CPU map @fd, whose value is @nfields __u64s, summed over CPUs into @sum. */
int percpu_sum(int fd, __u32 key, __u64 *sum, int nfields);
/* Does scheduler @sched read the backends' connection counts (lc, wlc)? */
bool sched_reads_conns(__u8 sched);
/* Keep backend @real_id's shared connection counts (for lc, wlc) from now on, or stop. */
int conns_lc_set(struct lb *lb, __u32 real_id, bool on);

/* ---- tables.c ---- */

/* The VIP's table must follow a change: now, or at the bulk flush. */
int table_changed(struct lb *lb, const struct xdplb_vip *vip);

/* ---- nat.c ---- */

/* Backends @rs[0..n-1] are about to take flows of a NAT VIP: their bits join the filter. */
int nat_filter_add(struct lb *lb, const struct lb_real_entry *rs, int n);
/* A NAT backend went: its bit may go, now or at the bulk flush. */
int nat_filter_changed(struct lb *lb);

/* ---- flows.c ---- */

/* A flow-table set: [0] = IPv4 (struct xdplb_flow_set4), [1] = IPv6 (xdplb_flow_set6). */
union lb_flow_set {
	struct xdplb_flow_set4 v4;
	struct xdplb_flow_set6 v6;
};
/* Slot @i of set @s of family @v6 as key and flow; false past the set's last slot. */
/* Does a slot in state @st hold a flow (or reply entry)?  bpf/flow_table.h's flow_slot_live(). */
static inline bool lb_flow_live(__u32 st)
{
	return st == XDPLB_FLOW_ACTIVE || st == XDPLB_FLOW_INACTIVE || st == XDPLB_FLOW_SYN;
}
bool lb_flow_slot(const union lb_flow_set *s, bool v6, int i, struct xdplb_flow_key *key,
		  struct xdplb_flow *f);
/* @key (IPv4) as the IPv4 tables' key. */
struct xdplb_flow_key4 key4_of(const struct xdplb_flow_key *key);
/* Read @key's set of table @fd into @set (its index into @idx): the slot of @key's live flow
 * (or reply entry, with XDPLB_KEY_REPLY in the key), with the flow in @out; -ENOENT if it has
 * none, or -errno. */
int set_find(int fd, const struct xdplb_flow_key *key, __u32 *idx, union lb_flow_set *set,
	     struct xdplb_flow *out);

/* ---- addr.c ---- */

/* Outside bulk mode, after VIP @key left xdplb_vips: its address's entry and the config
 * flags from one listing, vip_gen bumped. */
int vips_changed(struct lb *lb, const struct xdplb_vip_key *key);
/* Before VIP @key goes into xdplb_vips: *@shared when other VIPs hold its address, *@prev
 * their entry as it was (the entry now says "more than one VIP": id 0). */
int addr_before_add(struct lb *lb, const struct xdplb_vip_key *key, struct xdplb_vip *prev,
		    bool *shared);
/* The VIP did not go in: the entry as it was (@prev; NULL: nothing was written). */
void addr_undo_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *prev);
/* VIP @key went in as @vip: alone on its address, its entry is a copy of it. */
int addr_after_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *vip,
		   bool shared);
/* VIP @key is now @vip: a copy of it in its address entry follows. */
int addr_after_set(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *vip);
/* VIP @key (id @vip_id) is being deleted in bulk mode: its address entry follows. */
int addr_after_bulk_del(struct lb *lb, const struct xdplb_vip_key *key, bool alone);
/* Was VIP @vip_id alone on @key's address (its entry names it)? */
bool addr_alone(struct lb *lb, const struct xdplb_vip_key *key, __u32 vip_id);

#endif /* XDPLB_LIB_INTERNAL_H */
