// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Balancer state in the maps: VIPs, backends, scheduler tables, counters. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lb.h"
#include "maglev.h"
#include "sched.h"
#include "xdplb.skel.h"

/* lb_bulk_flush(): tables built on this many threads at most, installed together per chunk. */
#define BUILD_THREADS 8
#define BULK_CHUNK    256

/* Pinned objects, in the order of lb_fd_slot(). */
static const char *const map_names[] = {
	"xdplb_vips",	     "xdplb_reals",	 "xdplb_tables", "xdplb_flows",	  "xdplb_stats",
	"xdplb_vip_stats",   "xdplb_real_stats", "xdplb_config", "xdplb_persist", "xdplb_conns",
	"xdplb_rr",	     "xdplb_gc",	 "xdplb_checks", "xdplb_flows6",  "xdplb_nat_src",
	"xdplb_flow_events", "xdplb_real_vip",
};

/* From here on, map_names[] may be missing from a pin directory that an older xdplb made
 * (its fd stays -1; the next `dev attach` creates them). */
#define FIRST_OPTIONAL_MAP 13

static int *lb_fd_slot(struct lb *lb, int i)
{
	int *slots[] = { &lb->vips,	   &lb->reals,	    &lb->tables, &lb->flows,   &lb->stats,
			 &lb->vip_stats,   &lb->real_stats, &lb->config, &lb->persist, &lb->conns,
			 &lb->rr,	   &lb->gc_prog,    &lb->checks, &lb->flows6,  &lb->nat_src,
			 &lb->flow_events, &lb->real_vip };
	return slots[i];
}

static __u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

static void lb_init_fds(struct lb *lb)
{
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
		*lb_fd_slot(lb, i) = -1;
	lb->lock_fd = -1;
	lb->idx = NULL;
}

static void lb_fill_sizes(struct lb *lb)
{
	/* VIP ids index xdplb_tables; xdplb_vips also holds the address entries (twice as big
	 * since `dev attach` made it so) */
	lb->max_vips = map_max_entries(lb->tables);
	lb->vip_keys = map_max_entries(lb->vips);
	lb->max_reals = map_max_entries(lb->reals);
	lb->max_flows = xdplb_flow_capacity(map_max_entries(lb->flows), XDPLB_FLOW_WAYS4);
	lb->max_flows6 = xdplb_flow_capacity(map_max_entries(lb->flows6), XDPLB_FLOW_WAYS6);
}

__u64 lb_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int lb_open(struct lb *lb, const char *dir)
{
	char path[PATH_MAX];
	int err = 0;

	lb_init_fds(lb);
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		*lb_fd_slot(lb, i) = bpf_obj_get(path);
		if (*lb_fd_slot(lb, i) < 0 && errno == ENOENT && i >= FIRST_OPTIONAL_MAP)
			continue;
		if (*lb_fd_slot(lb, i) < 0) {
			err = -errno;
			lb_close(lb);
			return err;
		}
	}
	lb_fill_sizes(lb);
	return 0;
}

int lb_from_skel(struct lb *lb, struct xdplb_bpf *skel)
{
	lb_init_fds(lb);
	lb->vips = bpf_map__fd(skel->maps.xdplb_vips);
	lb->reals = bpf_map__fd(skel->maps.xdplb_reals);
	lb->tables = bpf_map__fd(skel->maps.xdplb_tables);
	lb->flows = bpf_map__fd(skel->maps.xdplb_flows);
	lb->stats = bpf_map__fd(skel->maps.xdplb_stats);
	lb->vip_stats = bpf_map__fd(skel->maps.xdplb_vip_stats);
	lb->real_stats = bpf_map__fd(skel->maps.xdplb_real_stats);
	lb->config = bpf_map__fd(skel->maps.xdplb_config);
	lb->persist = bpf_map__fd(skel->maps.xdplb_persist);
	lb->conns = bpf_map__fd(skel->maps.xdplb_conns);
	lb->rr = bpf_map__fd(skel->maps.xdplb_rr);
	lb->gc_prog = bpf_program__fd(skel->progs.xdplb_gc);
	lb->checks = bpf_map__fd(skel->maps.xdplb_checks);
	lb->flows6 = bpf_map__fd(skel->maps.xdplb_flows6);
	lb->nat_src = bpf_map__fd(skel->maps.xdplb_nat_src);
	lb->flow_events = bpf_map__fd(skel->maps.xdplb_flow_events);
	lb->real_vip = bpf_map__fd(skel->maps.xdplb_real_vip);
	lb_fill_sizes(lb);
	/* The skeleton owns the fds: mark them so lb_close() leaves them alone. */
	lb->lock_fd = -2;
	return 0;
}

static void idx_free(struct lb *lb);
static void idx_forget(struct lb *lb);

void lb_close(struct lb *lb)
{
	idx_free(lb);
	if (lb->lock_fd == -2) /* skeleton-owned */
		return;
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		if (*lb_fd_slot(lb, i) >= 0)
			close(*lb_fd_slot(lb, i));
		*lb_fd_slot(lb, i) = -1;
	}
	if (lb->lock_fd >= 0)
		close(lb->lock_fd); /* releases the flock */
	lb->lock_fd = -1;
}

static void lb_config_bump(struct lb *lb)
{
	struct xdplb_config cfg;

	if (!lb_config_get(lb, &cfg)) {
		cfg.changes++;
		lb_config_set(lb, &cfg);
	}
}

int lb_lock(struct lb *lb, const char *dir)
{
	int fd;

	if (lb->lock_fd == -2)
		return 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	lb->lock_fd = fd;
	idx_forget(lb); /* others may have changed the maps since it was last held */
	/* a state change may follow: tell readers that cache (the daemon) to look again */
	lb_config_bump(lb);
	return 0;
}

void lb_unlock(struct lb *lb)
{
	if (lb->lock_fd < 0)
		return;
	close(lb->lock_fd); /* releases the flock */
	lb->lock_fd = -1;
	idx_forget(lb);
}

void lb_config_defaults(struct xdplb_config *cfg)
{
	cfg->ring_size = XDPLB_DEF_RING_SIZE;
	cfg->tcp_timeout = XDPLB_DEF_TCP_TIMEOUT;
	cfg->tcpfin_timeout = XDPLB_DEF_TCPFIN_TIMEOUT;
	cfg->udp_timeout = XDPLB_DEF_UDP_TIMEOUT;
}

void lb_size_flow_cache(struct bpf_object *obj)
{
	static const char *const names[] = { "xdplb_flowcache", "xdplb_flowcache6" };
	int ncpu = libbpf_num_possible_cpus();
	struct bpf_map *map;

	for (size_t i = 0; ncpu > 0 && i < sizeof(names) / sizeof(names[0]); i++) {
		map = bpf_object__find_map_by_name(obj, names[i]);
		if (map)
			bpf_map__set_max_entries(map, XDPLB_FLOW_CACHE_SETS * (__u32)ncpu);
	}
}

void lb_size_flows(struct bpf_object *obj, __u32 flows, __u32 flows6, bool percpu_lru)
{
	struct bpf_map *m;

	if ((m = bpf_object__find_map_by_name(obj, "xdplb_flows")))
		bpf_map__set_max_entries(m, xdplb_flow_sets(flows, XDPLB_FLOW_WAYS4));
	if ((m = bpf_object__find_map_by_name(obj, "xdplb_flows6")))
		bpf_map__set_max_entries(m, xdplb_flow_sets(flows6, XDPLB_FLOW_WAYS6));
	if (percpu_lru && (m = bpf_object__find_map_by_name(obj, "xdplb_persist")))
		bpf_map__set_map_flags(m, bpf_map__map_flags(m) | BPF_F_NO_COMMON_LRU);
}

/* A flow-table set: [0] = IPv4 (struct xdplb_flow_set4), [1] = IPv6 (xdplb_flow_set6). */
union lb_flow_set {
	struct xdplb_flow_set4 v4;
	struct xdplb_flow_set6 v6;
};

/* Slot @i of set @s of family @v6 as key and flow; false past the set's last slot. */
static bool lb_flow_slot(const union lb_flow_set *s, bool v6, int i, struct xdplb_flow_key *key,
			 struct xdplb_flow *f)
{
	if (v6) {
		if (i >= XDPLB_FLOW_WAYS6)
			return false;
		*key = s->v6.s[i].key;
		*f = s->v6.s[i].f;
	} else {
		const struct xdplb_flow_key4 *k4 = &s->v4.s[i].key;

		if (i >= XDPLB_FLOW_WAYS4)
			return false;
		memset(key, 0, sizeof(*key));
		key->src[0] = k4->src;
		key->dst[0] = k4->dst;
		key->sport = k4->sport;
		key->dport = k4->dport;
		key->proto = k4->proto;
		key->family = XDPLB_AF_INET;
		key->pad[0] = k4->pad[0];
		*f = s->v4.s[i].f;
	}
	return true;
}

/* @key (IPv4) as the IPv4 tables' key. */
static struct xdplb_flow_key4 key4_of(const struct xdplb_flow_key *key)
{
	return (struct xdplb_flow_key4){ .src = key->src[0],
					 .dst = key->dst[0],
					 .sport = key->sport,
					 .dport = key->dport,
					 .proto = key->proto,
					 .pad = { key->pad[0] } };
}

/* Read @key's set of table @fd into @set (its index into @idx): the slot of @key's live
 * flow (or reply entry, with XDPLB_KEY_REPLY in the key), with the flow in @out; -ENOENT if
 * it has none, or -errno.  @set gets read either way (but for -errno), and @out the last
 * slot's flow. */
static int set_find(int fd, const struct xdplb_flow_key *key, __u32 *idx, union lb_flow_set *set,
		    struct xdplb_flow *out)
{
	bool v6 = key->family == XDPLB_AF_INET6;
	struct xdplb_flow_key4 k4 = key4_of(key);
	struct xdplb_flow_key k;
	bool reply = key->pad[0] & XDPLB_KEY_REPLY;

	if (fd < 0)
		return -ENOENT;
	*idx = v6 ? xdplb_key_set6(key, reply, map_max_entries(fd))
		  : xdplb_key_set4(&k4, reply, map_max_entries(fd));
	if (bpf_map_lookup_elem(fd, idx, set))
		return -errno;
	for (int i = 0; lb_flow_slot(set, v6, i, &k, out); i++)
		if ((out->state == XDPLB_FLOW_ACTIVE || out->state == XDPLB_FLOW_INACTIVE) &&
		    !memcmp(&k, key, sizeof(k)))
			return i;
	return -ENOENT;
}

/* set_find() in the flow table of @key's family (its fd into @fd). */
static int flow_find(struct lb *lb, const struct xdplb_flow_key *key, int *fd, __u32 *idx,
		     union lb_flow_set *set, struct xdplb_flow *out)
{
	*fd = key->family == XDPLB_AF_INET6 ? lb->flows6 : lb->flows;
	return set_find(*fd, key, idx, set, out);
}

int lb_flow_get(struct lb *lb, const struct xdplb_flow_key *key, struct xdplb_flow *out)
{
	union lb_flow_set set;
	struct xdplb_flow f;
	__u32 idx;
	int fd, i = flow_find(lb, key, &fd, &idx, &set, &f);

	if (i < 0)
		return i;
	if (out)
		*out = f;
	return 0;
}

int lb_flow_forget(struct lb *lb, const struct xdplb_flow_key *key)
{
	union lb_flow_set set;
	struct xdplb_flow f;
	__u32 idx;
	int fd, i = flow_find(lb, key, &fd, &idx, &set, &f);

	if (i < 0)
		return i;
	if (key->family == XDPLB_AF_INET6)
		set.v6.s[i].f.state = XDPLB_FLOW_FREE;
	else
		set.v4.s[i].f.state = XDPLB_FLOW_FREE;
	return bpf_map_update_elem(fd, &idx, &set, 0) ? -errno : 0;
}

/* @key as a reply entry's key (XDPLB_KEY_REPLY), and its flow table's fd in *@fd. */
static struct xdplb_flow_key reply_key(struct lb *lb, const struct xdplb_flow_key *key, int *fd)
{
	struct xdplb_flow_key k = *key;

	k.pad[0] = XDPLB_KEY_REPLY;
	*fd = k.family == XDPLB_AF_INET6 ? lb->flows6 : lb->flows;
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
	if (vip && (lb->real_vip < 0 || bpf_map_lookup_elem(lb->real_vip, &f.real_id, vip)))
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
	if (fd < 0 || real_id >= lb->max_reals || bpf_map_lookup_elem(lb->reals, &real_id, &r))
		return -ENOENT;
	if (!(r.flags & XDPLB_REAL_F_USED))
		return -ENOENT;
	nf.vip_id = r.vip_id;
	nf.gen = r.gen;
	nf.atime = atime ?: lb_coarse_now_ns();
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

int lb_flow_foreach(struct lb *lb,
		    int (*fn)(const struct xdplb_flow_key *key, const struct xdplb_flow *f,
			      void *ctx),
		    void *ctx)
{
	enum { CHUNK = 1024 };
	union lb_flow_set *sets = calloc(CHUNK, sizeof(*sets));
	__u32 *keys = calloc(CHUNK, sizeof(*keys));
	int err = 0;

	if (!sets || !keys) {
		err = -ENOMEM;
		goto out;
	}
	for (int fam = 0; fam < 2 && !err; fam++) {
		bool v6 = fam == 1;
		int fd = v6 ? lb->flows6 : lb->flows;
		size_t vsize = v6 ? sizeof(struct xdplb_flow_set6) : sizeof(struct xdplb_flow_set4);
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		__u32 in, out, got;
		void *from = NULL; /* the first batch starts at set 0 */
		bool last = false;

		/* batches of sets: one syscall per set would take seconds on millions */
		while (fd >= 0 && !last && !err) {
			got = CHUNK;
			if (bpf_map_lookup_batch(fd, from, &out, keys, sets, &got, &o)) {
				if (errno != ENOENT) {
					err = -errno;
					break;
				}
				last = true; /* ENOENT: these were the last ones */
			}
			for (__u32 j = 0; j < got && !err; j++) {
				const union lb_flow_set *set =
				    (const void *)((char *)sets + j * vsize);
				struct xdplb_flow_key k;
				struct xdplb_flow f;

				for (int i = 0; !err && lb_flow_slot(set, v6, i, &k, &f); i++)
					if ((f.state == XDPLB_FLOW_ACTIVE ||
					     f.state == XDPLB_FLOW_INACTIVE) &&
					    !(k.pad[0] & XDPLB_KEY_REPLY))
						err = fn(&k, &f, ctx);
			}
			in = out;
			from = &in;
		}
	}
out:
	free(sets);
	free(keys);
	return err;
}

int lb_config_get(struct lb *lb, struct xdplb_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(lb->config, &zero, cfg))
		return -errno;
	if (!cfg->ring_size)
		cfg->ring_size = XDPLB_DEF_RING_SIZE;
	return 0;
}

int lb_read_conns(struct lb *lb, __u32 real_id, struct xdplb_conns *out)
{
	return bpf_map_lookup_elem(lb->conns, &real_id, out) ? -errno : 0;
}

__u64 lb_coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int run_gc(struct lb *lb, struct xdplb_gc_args *a)
{
	struct xdplb_gc_args args = *a;
	/* BPF_PROG_TEST_RUN wants at least an Ethernet header's worth of data */
	unsigned char buf[64] = {};
	struct xdp_md ctx = { .data_end = sizeof(buf) };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = buf, .data_size_in = sizeof(buf),
		    .data_out = buf, .data_size_out = sizeof(buf), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	memcpy(buf, &args, sizeof(args));
	if (bpf_prog_test_run_opts(lb->gc_prog, &topts))
		return -errno;
	if (topts.retval != XDP_PASS)
		return -EINVAL;
	memcpy(a, buf, sizeof(*a));
	return 0;
}

int lb_gc(struct lb *lb, __u64 now, __u64 *scanned, __u64 *expired)
{
	struct xdplb_gc_args args = { .now = now ? now : lb_coarse_now_ns() };
	int err = run_gc(lb, &args);

	if (!err && scanned)
		*scanned = args.scanned;
	if (!err && expired)
		*expired = args.expired;
	return err;
}

int lb_flow_flush(struct lb *lb, __u32 vip_id, __u64 *flushed)
{
	struct xdplb_gc_args args = { .now = lb_coarse_now_ns(), .flush = 1, .flush_vip = vip_id };
	int err = run_gc(lb, &args);

	if (!err && flushed)
		*flushed = args.expired;
	return err;
}

/* After any change of xdplb_vips: the data plane's VIP cache answers only for the vip_gen it
 * took its answers under. */
static int bump_vip_gen(struct lb *lb)
{
	struct xdplb_config cfg;
	int err = lb_config_get(lb, &cfg);

	if (err)
		return err;
	cfg.vip_gen++;
	return lb_config_set(lb, &cfg);
}

/*
 * What lb.c knows of the maps between calls on one struct lb, so that a change need not read
 * all max_reals backend slots (a batch lookup of about 13 ms for 65,536 of them) to find a free
 * id, a duplicate or a VIP's backends, nor list every VIP to find a free VIP id.
 *
 * It mirrors membership (which backend ids are used, by which VIP, for which address and port,
 * each slot's gen; which VIP ids are used) as lb.c last wrote or read it, in two modes:
 *
 * - Checked: while this struct lb holds the lock (lb_lock(), as every changing CLI command and
 *   the daemon's state changes do) or owns the maps (lb_from_skel()).  Weights and states come
 *   from the map; what the index hands out (a free slot, a VIP's backends) is checked against
 *   the map and a mismatch reloads it.  lb_lock() and lb_unlock() forget it: between two holds
 *   of the lock others may change anything.
 * - Bulk mode (lb_bulk_begin() to lb_bulk_end()): loaded once and trusted, records included,
 *   since the batch's caller holds the lock for all of it; tables are rebuilt at the flush.
 *
 * table_mmap (whether the outer map takes mmapable inner arrays) lives here for any struct lb.
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
	int table_mmap;		   /* inner tables take BPF_F_MMAPABLE: 1, 0, -1 unknown */

	bool bulk;
	__u8 *tables;	/* [max_vips] TABLE_*, in bulk mode */
	bool cfg_flags; /* update_cfg_flags() due at the flush */
	bool addr_sync; /* lb_addr_sync() due at the flush */
	bool nat_src;	/* lb_nat_filter_sync() due at the flush (a NAT backend went) */
};

static struct lb_index *idx_get(struct lb *lb)
{
	struct lb_index *x = lb->idx;

	if (x)
		return x;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->table_mmap = -1;
	lb->idx = x;
	return x;
}

static void idx_free(struct lb *lb)
{
	struct lb_index *x = lb->idx;

	if (!x)
		return;
	free(x->reals);
	free(x->head);
	free(x->next);
	free(x->prev);
	free(x->count);
	free(x->vip_used);
	free(x->vip_nat);
	free(x->tables);
	free(x);
	lb->idx = NULL;
}

/* Outside bulk mode: read the maps again before the index is used next. */
static void idx_forget(struct lb *lb)
{
	if (lb->idx && !lb->idx->bulk)
		lb->idx->loaded = false;
}

static bool in_bulk(const struct lb *lb)
{
	return lb->idx && lb->idx->bulk;
}

/* Does a slot holding @r belong to a VIP's list? */
static bool idx_listed(const struct lb *lb, const struct xdplb_real *r)
{
	return (r->flags & XDPLB_REAL_F_USED) && r->vip_id < lb->max_vips;
}

static void idx_link(struct lb_index *x, __u32 id)
{
	__u32 vip_id = x->reals[id].vip_id;

	x->prev[id] = 0;
	x->next[id] = x->head[vip_id];
	if (x->head[vip_id])
		x->prev[x->head[vip_id]] = id;
	x->head[vip_id] = id;
	x->count[vip_id]++;
}

static void idx_unlink(struct lb_index *x, __u32 id)
{
	__u32 vip_id = x->reals[id].vip_id;

	if (x->prev[id])
		x->next[x->prev[id]] = x->next[id];
	else
		x->head[vip_id] = x->next[id];
	if (x->next[id])
		x->prev[x->next[id]] = x->prev[id];
	x->next[id] = x->prev[id] = 0;
	x->count[vip_id]--;
}

static struct xdplb_real *reals_read_map(struct lb *lb);
static int vip_list_map(struct lb *lb, struct lb_vip_entry *out, int max);

/* Read the maps into the index. */
static int idx_load(struct lb *lb, struct lb_index *x)
{
	struct lb_vip_entry *vips = NULL;
	struct xdplb_real *reals;
	int n;

	x->loaded = false;
	if (!x->head)
		x->head = calloc(lb->max_vips, sizeof(*x->head));
	if (!x->next)
		x->next = calloc(lb->max_reals, sizeof(*x->next));
	if (!x->prev)
		x->prev = calloc(lb->max_reals, sizeof(*x->prev));
	if (!x->count)
		x->count = calloc(lb->max_vips, sizeof(*x->count));
	if (!x->vip_used)
		x->vip_used = calloc(lb->max_vips, 1);
	if (!x->vip_nat)
		x->vip_nat = calloc(lb->max_vips, 1);
	if (!x->head || !x->next || !x->prev || !x->count || !x->vip_used || !x->vip_nat)
		return -ENOMEM;
	reals = reals_read_map(lb);
	vips = calloc(lb->max_vips, sizeof(*vips));
	if (!reals || !vips) {
		free(reals);
		free(vips);
		return -ENOMEM;
	}
	n = vip_list_map(lb, vips, lb->max_vips);
	if (n < 0) {
		free(reals);
		free(vips);
		return n;
	}
	free(x->reals);
	x->reals = reals;
	memset(x->head, 0, lb->max_vips * sizeof(*x->head));
	memset(x->count, 0, lb->max_vips * sizeof(*x->count));
	memset(x->vip_used, 0, lb->max_vips);
	memset(x->vip_nat, 0, lb->max_vips);
	/* every used slot into its VIP's list (listings sort by id) */
	for (__u32 id = lb->max_reals - 1; id > 0; id--)
		if (idx_listed(lb, &reals[id]))
			idx_link(x, id);
	for (int i = 0; i < n && i < (int)lb->max_vips; i++) {
		if (vips[i].vip.id < lb->max_vips) {
			x->vip_used[vips[i].vip.id] = 1;
			x->vip_nat[vips[i].vip.id] = vips[i].vip.mode == XDPLB_MODE_NAT;
		}
	}
	free(vips);
	x->real_hint = x->vip_hint = 1;
	x->loaded = true;
	return 0;
}

/* The loaded index if this struct lb may use one, else NULL (then read the maps). */
static struct lb_index *idx_ready(struct lb *lb)
{
	struct lb_index *x = lb->idx;

	if (x && x->bulk)
		return x->loaded ? x : NULL;
	if (lb->lock_fd == -1)
		return NULL;
	x = idx_get(lb);
	if (!x || (!x->loaded && idx_load(lb, x)))
		return NULL;
	return x;
}

/* The map disagreed with the index: read it again. */
static struct lb_index *idx_reload(struct lb *lb)
{
	if (lb->idx)
		lb->idx->loaded = false;
	return idx_ready(lb);
}

/* Backend slot @id now holds @r (just written to the map). */
static void idx_set(struct lb *lb, __u32 id, const struct xdplb_real *r)
{
	struct lb_index *x = lb->idx;

	if (!x || !x->loaded || !id || id >= lb->max_reals)
		return;
	if (idx_listed(lb, &x->reals[id]))
		idx_unlink(x, id);
	x->reals[id] = *r;
	if (idx_listed(lb, r))
		idx_link(x, id);
	else if (!(r->flags & XDPLB_REAL_F_USED) && id < x->real_hint)
		x->real_hint = id;
}

static void idx_vip_set(struct lb *lb, __u32 vip_id, bool used, __u8 mode)
{
	struct lb_index *x = lb->idx;

	if (!x || !x->loaded || vip_id >= lb->max_vips)
		return;
	x->vip_used[vip_id] = used;
	x->vip_nat[vip_id] = used && mode == XDPLB_MODE_NAT;
	if (!used && vip_id < x->vip_hint)
		x->vip_hint = vip_id;
}

/* Write backend @id, and tell the index. */
static int real_write(struct lb *lb, __u32 id, const struct xdplb_real *r)
{
	if (bpf_map_update_elem(lb->reals, &id, r, BPF_ANY))
		return -errno;
	idx_set(lb, id, r);
	return 0;
}

/* What NAT replies of backend @id get back: @vkey's address and port (NULL: the id is free). */
static int real_vip_write(struct lb *lb, __u32 id, const struct xdplb_vip_key *vkey)
{
	struct xdplb_real_vip rv = {};

	if (lb->real_vip < 0)
		return 0; /* maps of an older xdplb: its NAT tables do not need it */
	if (vkey) {
		memcpy(rv.vip_addr, vkey->addr, sizeof(rv.vip_addr));
		rv.vip_port = vkey->port;
		rv.family = vkey->family;
	}
	return bpf_map_update_elem(lb->real_vip, &id, &rv, BPF_ANY) ? -errno : 0;
}

/* Work the data plane skips unless some VIP needs it: NAT reply lookups, port-0 lookups,
 * NAT reply lookups with ports 0.  Called after every change of xdplb_vips, so it also bumps
 * vip_gen. */
static int update_cfg_flags(struct lb *lb);

#define VIP_CFG_FLAGS (XDPLB_CFG_F_NAT | XDPLB_CFG_F_PORT0 | XDPLB_CFG_F_NAT_L3)

/* The config flags that VIP @key, @vip needs. */
static __u32 vip_cfg_flags(const struct xdplb_vip_key *key, const struct xdplb_vip *vip)
{
	__u32 flags = 0;

	if (vip->mode == XDPLB_MODE_NAT)
		flags |= XDPLB_CFG_F_NAT;
	if (vip->mode == XDPLB_MODE_NAT && (vip->flags & XDPLB_VIP_F_L3HASH))
		flags |= XDPLB_CFG_F_NAT_L3;
	if (!key->port)
		flags |= XDPLB_CFG_F_PORT0;
	return flags;
}

/* A VIP's mode or port changed: the config flags follow, now or at the bulk flush. */
static int cfg_flags_changed(struct lb *lb)
{
	if (!in_bulk(lb))
		return update_cfg_flags(lb);
	lb->idx->cfg_flags = true;
	return 0;
}

static int update_cfg_flags(struct lb *lb)
{
	struct lb_vip_entry *all = calloc(lb->max_vips, sizeof(*all));
	struct xdplb_config cfg;
	__u32 flags = 0;
	int n, err;

	if (!all)
		return -ENOMEM;
	n = lb_vip_list(lb, all, lb->max_vips);
	for (int i = 0; i < n && i < (int)lb->max_vips; i++)
		flags |= vip_cfg_flags(&all[i].key, &all[i].vip);
	free(all);
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	flags |= cfg.flags & ~VIP_CFG_FLAGS;
	cfg.flags = flags;
	cfg.vip_gen++;
	return lb_config_set(lb, &cfg);
}

/* A VIP was added: its flags join the others.  Adding a VIP can only add flags, so this is
 * update_cfg_flags() without listing every VIP; deferred to the flush in bulk mode. */
static int add_cfg_flags(struct lb *lb, const struct xdplb_vip_key *key,
			 const struct xdplb_vip *vip)
{
	struct xdplb_config cfg;
	int err;

	if (in_bulk(lb))
		return cfg_flags_changed(lb);
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	cfg.flags |= vip_cfg_flags(key, vip);
	cfg.vip_gen++; /* a cached "no VIP here" must not outlive the add */
	return lb_config_set(lb, &cfg);
}

int lb_config_set(struct lb *lb, const struct xdplb_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(lb->config, &zero, cfg, BPF_ANY) ? -errno : 0;
}

/* Zero every CPU's copy of a per-CPU counter slot (ids are reused). */
static int zero_percpu(int fd, __u32 key, size_t value_size)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t sz = (value_size + 7) / 8 * 8;
	void *zeros;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	zeros = calloc(ncpu, sz);
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

static int read_percpu(int fd, __u32 key, __u64 *sum, int nfields)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, nfields * sizeof(__u64));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		int err = -errno;

		free(vals);
		return err;
	}
	memset(sum, 0, nfields * sizeof(__u64));
	for (int c = 0; c < ncpu; c++)
		for (int f = 0; f < nfields; f++)
			sum[f] += vals[c * nfields + f];
	free(vals);
	return 0;
}

int lb_read_counter(int map_fd, __u32 key, struct xdplb_counter *out)
{
	return read_percpu(map_fd, key, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

int lb_read_flow_event(struct lb *lb, __u32 ev, __u64 *out)
{
	*out = 0;
	return lb->flow_events < 0 ? -ENOENT : read_percpu(lb->flow_events, ev, out, 1);
}

int lb_read_traffic(int map_fd, __u32 key, struct xdplb_traffic *out)
{
	return read_percpu(map_fd, key, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

int lb_vip_get(struct lb *lb, const struct xdplb_vip_key *key, struct xdplb_vip *vip)
{
	return bpf_map_lookup_elem(lb->vips, key, vip) ? -errno : 0;
}

static int vip_cmp(const void *a, const void *b)
{
	const struct lb_vip_entry *x = a, *y = b;

	return x->vip.id < y->vip.id ? -1 : x->vip.id > y->vip.id;
}

/* Every entry of xdplb_vips, VIPs and address entries, in a few syscalls (hash batch
 * lookups): the count, *keys and *vals malloc()ed; -errno if the kernel cannot. */
static int vips_read_batch(struct lb *lb, struct xdplb_vip_key **keys_out,
			   struct xdplb_vip **vals_out)
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
		err = bpf_map_lookup_batch(lb->vips, first ? NULL : &batch, &batch, keys + n,
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

/* The same one key at a time (kernels without batch lookups on hash maps). */
static int vips_read_iter(struct lb *lb, struct xdplb_vip_key **keys_out,
			  struct xdplb_vip **vals_out)
{
	__u32 cap = lb->vip_keys + 1, n = 0;
	struct xdplb_vip_key *keys = calloc(cap, sizeof(*keys));
	struct xdplb_vip *vals = calloc(cap, sizeof(*vals));
	struct xdplb_vip_key key, next, *prev = NULL;

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	while (n < cap && !bpf_map_get_next_key(lb->vips, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(lb->vips, &next, &vals[n]))
			continue; /* deleted meanwhile */
		keys[n++] = next;
	}
	*keys_out = keys;
	*vals_out = vals;
	return (int)n;
}

static int vips_read(struct lb *lb, struct xdplb_vip_key **keys, struct xdplb_vip **vals)
{
	int n = vips_read_batch(lb, keys, vals);

	return n >= 0 ? n : vips_read_iter(lb, keys, vals);
}

/* The VIPs as the map holds them (lb_vip_list()): sorted by id, the first @max in @out, the
 * count returned; address entries left out. */
static int vip_list_map(struct lb *lb, struct lb_vip_entry *out, int max)
{
	struct xdplb_vip_key *keys;
	struct xdplb_vip *vals;
	struct lb_vip_entry *all;
	int n = vips_read(lb, &keys, &vals), m = 0;

	if (n < 0)
		return n;
	/* sort them all: the lowest ids first even when max < n */
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
	if (out && max > 0)
		memcpy(out, all, (m < max ? m : max) * sizeof(*all));
out:
	free(all);
	free(keys);
	free(vals);
	return m;
}

int lb_vip_list(struct lb *lb, struct lb_vip_entry *out, int max)
{
	return vip_list_map(lb, out, max);
}

/* Read the whole backend array (one batch syscall where the kernel supports it). */
static struct xdplb_real *reals_read_map(struct lb *lb)
{
	__u32 count = lb->max_reals, out_batch = 0, *keys;
	struct xdplb_real *reals;
	int err;

	reals = calloc(lb->max_reals, sizeof(*reals));
	keys = calloc(lb->max_reals, sizeof(__u32));
	if (!reals || !keys)
		goto fail;
	err = bpf_map_lookup_batch(lb->reals, NULL, &out_batch, keys, reals, &count, NULL);
	if (err && errno != ENOENT) {
		/* Fallback: one lookup per slot. */
		for (__u32 i = 0; i < lb->max_reals; i++)
			if (bpf_map_lookup_elem(lb->reals, &i, &reals[i]))
				goto fail;
	}
	free(keys);
	return reals;
fail:
	free(keys);
	free(reals);
	return NULL;
}

static bool real_matches(const struct xdplb_real *r, const __be32 addr[4], __u8 family, __be16 port)
{
	return r->family == family && r->port == port && !memcmp(r->addr, addr, 16);
}

static int id_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct lb_real_entry *)a)->id, y = ((const struct lb_real_entry *)b)->id;

	return x < y ? -1 : x > y;
}

/* Backends of @vip_id from the index, sorted by id: the count, -EAGAIN when the map disagrees
 * (checked mode: each record is read from the map), or -errno. */
static int idx_real_list(struct lb *lb, struct lb_index *x, __u32 vip_id, struct lb_real_entry *out,
			 int max)
{
	int n = 0;

	if (vip_id >= lb->max_vips)
		return 0;
	for (__u32 id = x->head[vip_id]; id; id = x->next[id], n++) {
		if (n >= max)
			continue;
		out[n].id = id;
		if (x->bulk) {
			out[n].real = x->reals[id];
			continue;
		}
		if (bpf_map_lookup_elem(lb->reals, &id, &out[n].real))
			return -errno;
		if (!(out[n].real.flags & XDPLB_REAL_F_USED) || out[n].real.vip_id != vip_id)
			return -EAGAIN;
	}
	if (n && max > 0)
		qsort(out, n < max ? n : max, sizeof(*out), id_cmp);
	return n;
}

/* Backend {addr, port} of @vip_id from the index (checked against the map outside bulk
 * mode): its id, -ENOENT, -EAGAIN or -errno. */
static int idx_real_find(struct lb *lb, struct lb_index *x, __u32 vip_id, const __be32 addr[4],
			 __u8 family, __be16 port)
{
	struct xdplb_real r;

	if (vip_id >= lb->max_vips)
		return -ENOENT;
	for (__u32 id = x->head[vip_id]; id; id = x->next[id]) {
		if (!real_matches(&x->reals[id], addr, family, port))
			continue;
		if (x->bulk)
			return (int)id;
		if (bpf_map_lookup_elem(lb->reals, &id, &r))
			return -errno;
		if (!(r.flags & XDPLB_REAL_F_USED) || r.vip_id != vip_id ||
		    !real_matches(&r, addr, family, port))
			return -EAGAIN;
		return (int)id;
	}
	return -ENOENT;
}

/* The lowest free backend id and its slot's gen, from the index (checked against the map
 * outside bulk mode). */
static int idx_free_id(struct lb *lb, struct lb_index *x, __u32 *id, __u16 *gen)
{
	struct xdplb_real r;

	for (__u32 i = x->real_hint ? x->real_hint : 1; i < lb->max_reals; i++) {
		if (x->reals[i].flags & XDPLB_REAL_F_USED)
			continue;
		x->real_hint = i;
		if (x->bulk) {
			r = x->reals[i];
		} else {
			if (bpf_map_lookup_elem(lb->reals, &i, &r))
				return -errno;
			if (r.flags & XDPLB_REAL_F_USED)
				return -EAGAIN;
		}
		*id = i;
		*gen = r.gen;
		return 0;
	}
	x->real_hint = lb->max_reals;
	return -ENOSPC;
}

int lb_real_list(struct lb *lb, __u32 vip_id, struct lb_real_entry *out, int max)
{
	struct lb_index *x = idx_ready(lb);
	struct xdplb_real *reals;
	int n = 0;

	if (x) {
		n = idx_real_list(lb, x, vip_id, out, max);
		if (n == -EAGAIN && (x = idx_reload(lb)))
			n = idx_real_list(lb, x, vip_id, out, max);
		if (n != -EAGAIN)
			return n;
		n = 0;
	}
	reals = reals_read_map(lb);
	if (!reals)
		return -ENOMEM;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if (!(reals[i].flags & XDPLB_REAL_F_USED) || reals[i].vip_id != vip_id)
			continue;
		if (n < max) {
			out[n].id = i;
			out[n].real = reals[i];
		}
		n++;
	}
	free(reals);
	return n;
}

/* The backends of @vip_id in a new array (*out, to free): the count or -errno. */
static int real_list_alloc(struct lb *lb, __u32 vip_id, struct lb_real_entry **out)
{
	int cap = lb_real_list(lb, vip_id, NULL, 0), n;

	for (;;) {
		if (cap < 0)
			return cap;
		*out = calloc(cap + 1, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		n = lb_real_list(lb, vip_id, *out, cap + 1);
		if (n <= cap + 1)
			break;
		free(*out);
		cap = n; /* changed in between (the index was reloaded, or no lock) */
	}
	if (n < 0) {
		free(*out);
		*out = NULL;
	}
	return n;
}

int lb_real_find(struct lb *lb, __u32 vip_id, const __be32 addr[4], __u8 family, __be16 port)
{
	struct lb_index *x = idx_ready(lb);
	struct xdplb_real *reals;
	int id = -ENOENT;

	if (x) {
		id = idx_real_find(lb, x, vip_id, addr, family, port);
		if (id == -EAGAIN && (x = idx_reload(lb)))
			id = idx_real_find(lb, x, vip_id, addr, family, port);
		if (id != -EAGAIN)
			return id;
		id = -ENOENT;
	}
	reals = reals_read_map(lb);
	if (!reals)
		return -ENOMEM;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if ((reals[i].flags & XDPLB_REAL_F_USED) && reals[i].vip_id == vip_id &&
		    real_matches(&reals[i], addr, family, port)) {
			id = (int)i;
			break;
		}
	}
	free(reals);
	return id;
}

/*
 * Building and installing tables.  A job is one VIP's new table: its live backends (gathered
 * from the maps), the table computed from them, then a new inner array holding it.  Computing
 * and filling touch no shared state, so lb_bulk_flush() runs them on every CPU it may use;
 * installing is one update of the outer map for many tables, because every update of a
 * map-in-map waits for an RCU grace period (about 10 ms here) before it returns.
 */
struct table_job {
	struct xdplb_vip vip;
	struct maglev_backend *mb; /* the live backends, or the live sorry servers */
	int nb;
	__u32 *vals; /* slot 0 = length L, then the table; L + 1 entries */
	__u32 len;
	int fd;	       /* the new inner array, or -1 */
	bool mmapable; /* ... made with BPF_F_MMAPABLE */
	int err;
};

/* The backends of @vip that take new flows into @job: the live ones (weight > 0, state up),
 * or when none is, its live sorry servers. */
static int job_gather(struct lb *lb, const struct xdplb_vip *vip, struct table_job *job)
{
	struct lb_real_entry *rs;
	int n;

	memset(job, 0, sizeof(*job));
	job->vip = *vip;
	job->fd = -1;
	n = real_list_alloc(lb, vip->id, &rs);
	if (n < 0)
		return job->err = n;
	job->mb = calloc(n + 1, sizeof(*job->mb));
	if (!job->mb) {
		free(rs);
		return job->err = -ENOMEM;
	}
	/* pass 0: the backends; pass 1, only if none of them is up: the sorry servers */
	for (int pass = 0; pass < 2 && !job->nb; pass++) {
		for (int i = 0; i < n; i++) {
			const struct xdplb_real *r = &rs[i].real;
			struct maglev_backend *b = &job->mb[job->nb];

			if (!r->weight || r->state != XDPLB_REAL_UP ||
			    !!(r->flags & XDPLB_REAL_F_SORRY) != pass)
				continue;
			b->id = rs[i].id;
			b->weight = r->weight;
			b->key = maglev_backend_key(r->addr, r->port);
			job->nb++;
		}
	}
	free(rs);
	return 0;
}

/* A new inner array of @n slots holding @vals; its fd or -errno. */
static int table_map_new(const __u32 *vals, __u32 n, bool mmapable)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_INNER_MAP);
	size_t len = (size_t)n * 8; /* array elements are value_size rounded up to 8 bytes */
	__u32 *keys = NULL, count = n;
	int fd, err = 0;
	void *p;

	if (mmapable)
		copts.map_flags |= BPF_F_MMAPABLE;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdplb_table", sizeof(__u32), sizeof(__u32), n,
			    &copts);
	if (fd < 0)
		return -errno;
	if (mmapable) {
		/* one copy instead of a batch update of n elements (13 ms for 65,538) */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			err = -errno;
			goto out;
		}
		for (__u32 i = 0; i < n; i++)
			*(__u32 *)((char *)p + (size_t)i * 8) = vals[i];
		munmap(p, len);
	} else {
		keys = calloc(n, sizeof(*keys));
		if (!keys) {
			err = -ENOMEM;
			goto out;
		}
		for (__u32 i = 0; i < n; i++)
			keys[i] = i;
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL))
			err = -errno;
	}
out:
	free(keys);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Compute the job's table and put it in a new inner array (none without live backends). */
static void job_build(struct table_job *job, __u32 ring, int table_mmap)
{
	int l;

	if (job->err || !job->nb)
		return;
	job->vals = calloc(ring + 1, sizeof(__u32));
	if (!job->vals) {
		job->err = -ENOMEM;
		return;
	}
	l = sched_build(job->vip.sched, job->mb, job->nb, ring, job->vals + 1);
	if (l < 0) {
		job->err = l;
		return;
	}
	job->vals[XDPLB_TABLE_LEN_SLOT] = l; /* rr/wrr/lc/wlc lists are shorter than the ring */
	job->len = l + 1;
	job->mmapable = table_mmap != 0;
	job->fd = table_map_new(job->vals, job->len, job->mmapable);
	if (job->fd < 0) {
		job->err = job->fd;
		job->fd = -1;
	}
	if (table_mmap == 1) { /* known to be taken: no second build without the flag */
		free(job->vals);
		job->vals = NULL;
	}
}

static void job_free(struct table_job *job)
{
	if (job->fd >= 0)
		close(job->fd); /* the outer map holds its own reference */
	free(job->vals);
	free(job->mb);
	job->fd = -1;
	job->vals = NULL;
	job->mb = NULL;
}

/*
 * Swap the built tables into their VIPs' outer slots: one batch update for all of them
 * (double buffering: each packet sees a VIP's old table or its complete new one), one delete
 * per VIP left without live backends (no table: the data plane counts drop_no_backend).
 *
 * Inner arrays are mmapable where the outer map allows it (bpf/maps.h's template says
 * BPF_F_MMAPABLE), so that filling one is a 512 KiB copy for the default ring rather than a
 * 65,538-element batch update.  An outer map pinned by an older xdplb refuses them (inner
 * flags must equal the template's): then they are built again without the flag, and this
 * struct lb remembers.  Returns the first error; every job gets its own in ->err.
 */
static int tables_install(struct lb *lb, struct table_job *jobs, int n)
{
	struct lb_index *x = idx_get(lb);
	__u32 *ids = calloc(n + 1, sizeof(*ids)), count = 0;
	int *fds = calloc(n + 1, sizeof(*fds)), *ji = calloc(n + 1, sizeof(*ji));
	int k = 0, err = 0;

	if (!ids || !fds || !ji) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (jobs[i].err || jobs[i].nb)
			continue;
		if (bpf_map_delete_elem(lb->tables, &jobs[i].vip.id) && errno != ENOENT)
			jobs[i].err = -errno;
	}
	for (int i = 0; i < n; i++) {
		if (jobs[i].err || jobs[i].fd < 0)
			continue;
		ji[k] = i;
		ids[k] = jobs[i].vip.id;
		fds[k++] = jobs[i].fd;
	}
	if (!k)
		goto out;
	count = k;
	err = bpf_map_update_batch(lb->tables, ids, fds, &count, NULL) ? -errno : 0;
	if (err == -EINVAL && !count && jobs[ji[0]].mmapable && jobs[ji[0]].vals) {
		/* not the template's flags: plain arrays (vals is kept while that is unknown) */
		for (int j = 0; j < k; j++) {
			struct table_job *job = &jobs[ji[j]];

			close(job->fd);
			job->fd = table_map_new(job->vals, job->len, false);
			job->mmapable = false;
			if (job->fd < 0) {
				err = job->err = job->fd;
				job->fd = -1;
				goto out;
			}
			fds[j] = job->fd;
		}
		count = k;
		err = bpf_map_update_batch(lb->tables, ids, fds, &count, NULL) ? -errno : 0;
		if ((!err || count) && x)
			x->table_mmap = 0;
	} else if ((!err || count) && x && jobs[ji[0]].mmapable) {
		x->table_mmap = 1;
	}
	if (err && count < (__u32)k) { /* kernels without batch updates here: one at a time */
		err = 0;
		for (__u32 j = count; j < (__u32)k && !err; j++)
			err =
			    bpf_map_update_elem(lb->tables, &ids[j], &fds[j], BPF_ANY) ? -errno : 0;
		for (__u32 j = count; j < (__u32)k && err; j++)
			jobs[ji[j]].err = jobs[ji[j]].err ?: err;
	}
out:
	free(ids);
	free(fds);
	free(ji);
	for (int i = 0; i < n; i++)
		if (jobs[i].err && !err)
			err = jobs[i].err;
	return err;
}

/* Build the scheduler table of a VIP from its live backends and swap it in. */
int lb_table_rebuild(struct lb *lb, const struct xdplb_vip *vip)
{
	struct lb_index *x = idx_get(lb);
	struct xdplb_config cfg;
	struct table_job job;
	int err = lb_config_get(lb, &cfg);

	if (err)
		return err;
	if (!job_gather(lb, vip, &job))
		job_build(&job, cfg.ring_size, x ? x->table_mmap : -1);
	err = job.err ?: tables_install(lb, &job, 1);
	job_free(&job);
	if (!err && in_bulk(lb) && vip->id < lb->max_vips)
		lb->idx->tables[vip->id] = TABLE_KEEP;
	return err;
}

/* The VIP's table must follow a change: now, or at the bulk flush. */
static int table_changed(struct lb *lb, const struct xdplb_vip *vip)
{
	if (!in_bulk(lb) || vip->id >= lb->max_vips)
		return lb_table_rebuild(lb, vip);
	lb->idx->tables[vip->id] = TABLE_REBUILD;
	return 0;
}

int lb_bulk_begin(struct lb *lb)
{
	struct lb_index *x = idx_get(lb);
	int err;

	if (!x)
		return -ENOMEM;
	if (x->bulk)
		return -EBUSY;
	if (!x->tables)
		x->tables = calloc(lb->max_vips, 1);
	if (!x->tables)
		return -ENOMEM;
	memset(x->tables, TABLE_KEEP, lb->max_vips);
	x->cfg_flags = false;
	x->addr_sync = false;
	x->nat_src = false;
	/* fresh from the maps, whatever was known before */
	err = idx_load(lb, x);
	if (err)
		return err;
	x->bulk = true;
	return 0;
}

/* The table builds of lb_bulk_flush(): each worker takes the next job until none is left. */
struct build_work {
	struct table_job *jobs;
	int n, next;
	__u32 ring;
	int table_mmap;
};

static void *build_worker(void *arg)
{
	struct build_work *w = arg;
	int i;

	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->n)
		job_build(&w->jobs[i], w->ring, w->table_mmap);
	return NULL;
}

/* Build @n jobs on as many threads as this process may run on (at most BUILD_THREADS). */
static void build_all(struct table_job *jobs, int n, __u32 ring, int table_mmap)
{
	struct build_work w = { .jobs = jobs, .n = n, .ring = ring, .table_mmap = table_mmap };
	pthread_t th[BUILD_THREADS];
	int nth = 1, started = 0;
	cpu_set_t cpus;

	if (!sched_getaffinity(0, sizeof(cpus), &cpus))
		nth = CPU_COUNT(&cpus);
	nth = nth < n ? nth : n;
	nth = nth < BUILD_THREADS ? nth : BUILD_THREADS;
	for (int t = 1; t < nth; t++)
		if (!pthread_create(&th[started], NULL, build_worker, &w))
			started++;
	build_worker(&w); /* this thread too; a failed pthread_create() only means fewer */
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
}

/* Build and install the tables of @n gathered jobs; a VIP whose table went in is done. */
static int bulk_chunk(struct lb *lb, struct table_job *jobs, int n, __u32 ring)
{
	struct lb_index *x = lb->idx;
	int first = 0, err = 0, e;

	if (x->table_mmap == -1) {
		/* one alone first: it tells whether the outer map takes mmapable arrays */
		job_build(&jobs[0], ring, -1);
		err = tables_install(lb, jobs, 1);
		first = 1;
	}
	build_all(jobs + first, n - first, ring, x->table_mmap);
	e = tables_install(lb, jobs + first, n - first);
	for (int i = 0; i < n; i++) {
		if (!jobs[i].err)
			x->tables[jobs[i].vip.id] = TABLE_KEEP;
		job_free(&jobs[i]);
	}
	return err ?: e;
}

int lb_bulk_flush(struct lb *lb)
{
	struct lb_index *x = lb->idx;
	struct lb_vip_entry *vips = NULL;
	struct table_job *jobs = NULL;
	struct xdplb_config cfg;
	unsigned char *live = NULL;
	int n, nj = 0, err, e;

	if (!in_bulk(lb))
		return 0;
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	vips = calloc(lb->max_vips, sizeof(*vips));
	live = calloc(lb->max_vips, 1);
	jobs = calloc(BULK_CHUNK, sizeof(*jobs));
	if (!vips || !live || !jobs) {
		err = -ENOMEM;
		goto out;
	}
	n = lb_vip_list(lb, vips, lb->max_vips);
	if (n < 0) {
		err = n;
		goto out;
	}
	for (int i = 0; i < n && i < (int)lb->max_vips; i++) {
		__u32 id = vips[i].vip.id;

		if (id >= lb->max_vips)
			continue;
		live[id] = 1;
		if (x->tables[id] != TABLE_REBUILD)
			continue;
		e = job_gather(lb, &vips[i].vip, &jobs[nj++]);
		if (e) {
			err = err ?: e;
			job_free(&jobs[--nj]);
			continue;
		}
		if (nj == BULK_CHUNK) {
			e = bulk_chunk(lb, jobs, nj, cfg.ring_size);
			err = err ?: e;
			nj = 0;
		}
	}
	if (nj) {
		e = bulk_chunk(lb, jobs, nj, cfg.ring_size);
		err = err ?: e;
	}
	/* tables of deleted VIPs whose ids no new VIP took (arrays of maps have no batch
	 * delete: one wait for readers each) */
	for (__u32 id = 1; id < lb->max_vips; id++) {
		if (x->tables[id] == TABLE_KEEP || live[id])
			continue;
		if (bpf_map_delete_elem(lb->tables, &id) && errno != ENOENT) {
			err = err ?: -errno;
			continue;
		}
		x->tables[id] = TABLE_KEEP;
	}
	if (!err && x->addr_sync) {
		x->addr_sync = false;
		err = lb_addr_sync(lb);
	}
	if (!err && x->cfg_flags) {
		x->cfg_flags = false;
		err = update_cfg_flags(lb); /* bumps vip_gen: after the address entries */
	}
	if (!err && x->nat_src)
		err = lb_nat_filter_sync(lb); /* bits of NAT backends that went */
out:
	free(jobs);
	free(vips);
	free(live);
	return err;
}

int lb_bulk_end(struct lb *lb)
{
	int err = lb_bulk_flush(lb);

	if (in_bulk(lb)) {
		lb->idx->bulk = false;
		/* a checked index from here on, for a struct lb that holds the lock */
		lb->idx->loaded = lb->idx->loaded && lb->lock_fd != -1;
	}
	return err;
}

int lb_table_read(struct lb *lb, __u32 vip_id, __u32 *ids, __u32 max)
{
	__u32 inner_id, len = 0, slot;
	int fd, err = 0;

	if (bpf_map_lookup_elem(lb->tables, &vip_id, &inner_id))
		return errno == ENOENT ? 0 : -errno;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	slot = XDPLB_TABLE_LEN_SLOT;
	if (bpf_map_lookup_elem(fd, &slot, &len)) {
		err = -errno;
		goto out;
	}
	for (slot = 1; slot <= len && slot <= max; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, &ids[slot - 1])) {
			err = -errno;
			goto out;
		}
	}
out:
	close(fd);
	return err ? err : (int)len;
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
	all = calloc(lb->max_vips, sizeof(*all));
	used = calloc(lb->max_vips, 1);
	if (!all || !used) {
		err = -ENOMEM;
		goto out;
	}
	n = lb_vip_list(lb, all, lb->max_vips);
	for (int i = 0; i < n && i < (int)lb->max_vips; i++)
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

/*
 * The NAT reply filter (lb.h).  Ordering is what keeps replies translated: a backend's bit
 * goes in before the backend can get a flow of a NAT VIP (before lb_real_add() writes it,
 * before lb_vip_set() makes its VIP NAT), and a bit goes out only after the backends with it
 * are gone (a bit left over costs a packet just the xdplb_nat lookup it had before).
 * XDPLB_CFG_F_NAT_FILTER goes on only after a complete filter is in the map; until then, and
 * on maps of an xdplb without it, the data plane looks every packet for no VIP up.
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
	vips = calloc(lb->max_vips, sizeof(*vips));
	nat = calloc(lb->max_vips, 1);
	if (!vips || !nat) {
		err = -ENOMEM;
		goto out;
	}
	n = vip_list_map(lb, vips, lb->max_vips);
	if (n < 0) {
		err = n;
		goto out;
	}
	for (int i = 0; i < n && i < (int)lb->max_vips; i++)
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
 * Put @f in place of the filter, then (the first time) say that the data plane may trust it.
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
	struct xdplb_config cfg;
	__u32 zero = 0;
	int err;

	if (bpf_map_update_elem(lb->nat_src, &zero, f, BPF_ANY))
		return -errno;
	err = lb_config_get(lb, &cfg);
	if (err || (cfg.flags & XDPLB_CFG_F_NAT_FILTER))
		return err;
	cfg.flags |= XDPLB_CFG_F_NAT_FILTER;
	return lb_config_set(lb, &cfg);
}

int lb_nat_filter_sync(struct lb *lb)
{
	struct xdplb_nat_filter *f;
	int err;

	if (lb->nat_src < 0)
		return 0;
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
 * (nothing is cleared; a filter not in use yet is computed whole, with them). */
static int nat_filter_add(struct lb *lb, const struct lb_real_entry *rs, int n)
{
	struct xdplb_nat_filter *f;
	struct xdplb_config cfg;
	bool changed = false;
	__u32 zero = 0;
	int err;

	if (lb->nat_src < 0 || n <= 0)
		return 0;
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (!(cfg.flags & XDPLB_CFG_F_NAT_FILTER)) {
		err = nat_filter_compute(lb, f);
		changed = true;
	} else if (bpf_map_lookup_elem(lb->nat_src, &zero, f)) {
		err = -errno;
	}
	for (int i = 0; i < n && !err; i++)
		changed |= nat_filter_mark(f, rs[i].real.addr);
	if (!err && changed)
		err = nat_filter_write(lb, f);
	free(f);
	return err;
}

/* A NAT backend went (or a VIP left NAT mode): its bit may go, now or at the bulk flush. */
static int nat_filter_changed(struct lb *lb)
{
	if (!in_bulk(lb))
		return lb_nat_filter_sync(lb);
	lb->idx->nat_src = true;
	return 0;
}

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

	if (!bpf_map_lookup_elem(lb->vips, akey, &cur) && !memcmp(&cur, val, sizeof(cur)))
		return 0;
	if (bpf_map_update_elem(lb->vips, akey, val, BPF_ANY))
		return errno == E2BIG ? -ENOSPC : -errno;
	return 0;
}

static int addr_drop(struct lb *lb, const struct xdplb_vip_key *akey)
{
	return bpf_map_delete_elem(lb->vips, akey) && errno != ENOENT ? -errno : 0;
}

static int addr_group_cmp(const struct xdplb_vip_key *x, const struct xdplb_vip_key *y);

/* Rewrite the address entry of @key's address and protocol from the VIPs there (one read of
 * the map, no sorting: what a single change needs outside bulk mode). */
static int addr_sync_one(struct lb *lb, const struct xdplb_vip_key *key)
{
	struct xdplb_vip_key akey = addr_key_of(key), *keys;
	struct xdplb_vip *vals, want = {};
	int n = vips_read(lb, &keys, &vals), count = 0, lone = -1, err;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (lb_vip_key_is_addr(&keys[i]) || addr_group_cmp(&keys[i], &akey))
			continue;
		count++;
		lone = i;
	}
	if (count == 1)
		want = addr_value_of(&vals[lone]);
	err = count ? addr_put(lb, &akey, &want) : addr_drop(lb, &akey);
	free(keys);
	free(vals);
	return err;
}

/*
 * Outside bulk mode, after VIP @key left xdplb_vips: from one listing, its address's entry
 * and the config flags (update_cfg_flags()), vip_gen bumped.  One read of the map, not two:
 * deleting a VIP costs what it did before address entries.
 */
static int vips_changed(struct lb *lb, const struct xdplb_vip_key *key)
{
	struct xdplb_vip_key akey = addr_key_of(key), *keys;
	struct xdplb_vip *vals, want = {};
	int n = vips_read(lb, &keys, &vals), count = 0, lone = -1, err;
	struct xdplb_config cfg;
	__u32 flags = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (lb_vip_key_is_addr(&keys[i]))
			continue;
		flags |= vip_cfg_flags(&keys[i], &vals[i]);
		if (addr_group_cmp(&keys[i], &akey))
			continue;
		count++;
		lone = i;
	}
	if (count == 1)
		want = addr_value_of(&vals[lone]);
	err = count ? addr_put(lb, &akey, &want) : addr_drop(lb, &akey);
	free(keys);
	free(vals);
	err = err ?: lb_config_get(lb, &cfg);
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
		return addr_sync_one(lb, key);
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

int lb_vip_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_vip vip = *params, entry, none = {};
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
	/* A reused id must not inherit an old table or old counters. */
	if (bpf_map_delete_elem(lb->tables, &vip.id) && errno != ENOENT)
		return -errno;
	if (in_bulk(lb))
		lb->idx->tables[vip.id] = TABLE_KEEP;
	err = zero_percpu(lb->vip_stats, vip.id, sizeof(struct xdplb_traffic));
	if (err)
		return err;
	if (bpf_map_update_elem(lb->rr, &vip.id, &(__u64){ 0 }, BPF_ANY))
		return -errno;
	/* Another VIP on the address: from now on its fragments cannot all go to one VIP (id 0
	 * before the new VIP can take packets, so none goes to the other one by mistake). */
	shared = !bpf_map_lookup_elem(lb->vips, &akey, &entry);
	if (shared) {
		err = addr_put(lb, &akey, &none);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(lb->vips, key, &vip, BPF_NOEXIST)) {
		err = errno == E2BIG ? -ENOSPC : -errno;
		if (shared)
			addr_put(lb, &akey, &entry);
		return err;
	}
	if (!shared) { /* alone on the address */
		entry = addr_value_of(&vip);
		err = addr_put(lb, &akey, &entry);
		if (err) {
			bpf_map_delete_elem(lb->vips, key);
			return err;
		}
	}
	idx_vip_set(lb, vip.id, true, vip.mode);
	return add_cfg_flags(lb, key, &vip);
}

/* VIP @key is now @vip: a copy of it in its address entry follows. */
static int addr_after_set(struct lb *lb, const struct xdplb_vip_key *key,
			  const struct xdplb_vip *vip)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_vip cur, want = addr_value_of(vip);

	if (bpf_map_lookup_elem(lb->vips, &akey, &cur))
		return addr_resolve(lb, key); /* none: maps of an xdplb without them */
	if (cur.id == vip->id)
		return addr_put(lb, &akey, &want); /* alone: the copy changes */
	if (vip->flags & XDPLB_VIP_F_L3HASH)
		return addr_resolve(lb, key); /* alone (without l3hash so far) or not? */
	return 0;			      /* id 0 stays right */
}

int lb_vip_set(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params)
{
	struct lb_real_entry *rs;
	struct xdplb_vip vip;
	__u8 old_mode;
	int n, err;

	if (lb_vip_key_is_addr(key))
		return -EINVAL;
	err = lb_vip_get(lb, key, &vip);
	if (err)
		return err;
	old_mode = vip.mode;
	vip.mode = params->mode;
	vip.sched = params->sched;
	vip.flags = params->flags;
	vip.persist = params->persist;
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
	err = table_changed(lb, &vip);
	if (err)
		return err;
	if (bpf_map_update_elem(lb->vips, key, &vip, BPF_EXIST))
		return -errno;
	idx_vip_set(lb, vip.id, true, vip.mode);
	err = addr_after_set(lb, key, &vip);
	err = err ?: cfg_flags_changed(lb);
	if (!err && old_mode == XDPLB_MODE_NAT && vip.mode != XDPLB_MODE_NAT)
		err = nat_filter_changed(lb); /* no longer NAT: its backends' bits may go */
	return err;
}

int lb_vip_del(struct lb *lb, const struct xdplb_vip_key *key)
{
	struct xdplb_vip_key akey = addr_key_of(key);
	struct xdplb_real empty = {};
	struct lb_real_entry *rs;
	struct xdplb_vip vip, entry;
	bool alone;
	int n, err;

	if (lb_vip_key_is_addr(key))
		return -EINVAL;
	err = lb_vip_get(lb, key, &vip);
	if (err)
		return err;
	alone = !bpf_map_lookup_elem(lb->vips, &akey, &entry) && entry.id == vip.id;
	/* First stop matching packets (fragments too), then take the table and the backends
	 * away.  No CPU may answer from a cached copy of it: vip_gen is bumped before. */
	if (bpf_map_delete_elem(lb->vips, key))
		return -errno;
	if (!in_bulk(lb)) {
		err = vips_changed(lb, key);
	} else {
		err = alone ? addr_drop(lb, &akey) : addr_resolve(lb, key);
		err = err ?: bump_vip_gen(lb);
	}
	if (err)
		return err;
	if (in_bulk(lb) && vip.id < lb->max_vips)
		lb->idx->tables[vip.id] = TABLE_DELETE; /* nothing can reach it: at the flush */
	else if (bpf_map_delete_elem(lb->tables, &vip.id) && errno != ENOENT)
		return -errno;
	n = real_list_alloc(lb, vip.id, &rs);
	for (int i = 0; i < n; i++) {
		empty.gen = rs[i].real.gen;
		err = real_write(lb, rs[i].id, &empty);
		err = err ?: real_vip_write(lb, rs[i].id, NULL);
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

/* Where lb_real_add() puts @real: a free id and the gen its slot had, and how many backends
 * the VIP has (*count); -EEXIST, -ENOSPC or -errno. */
static int real_add_slot(struct lb *lb, __u32 vip_id, const struct xdplb_real *real, __u32 *id,
			 __u16 *prev_gen, __u32 *count)
{
	struct lb_index *x = idx_ready(lb);
	struct xdplb_real *reals;
	int err;

	for (int tries = 0; x && tries < 2; tries++) {
		err = idx_real_find(lb, x, vip_id, real->addr, real->family, real->port);
		if (err >= 0)
			return -EEXIST;
		if (err == -ENOENT)
			err = idx_free_id(lb, x, id, prev_gen);
		if (err != -EAGAIN) {
			*count = vip_id < lb->max_vips ? x->count[vip_id] : 0;
			return err;
		}
		x = idx_reload(lb);
	}
	reals = reals_read_map(lb);
	if (!reals)
		return -ENOMEM;
	*id = 0;
	*count = 0;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if (!(reals[i].flags & XDPLB_REAL_F_USED)) {
			if (!*id) {
				*id = i;
				*prev_gen = reals[i].gen;
			}
			continue;
		}
		if (reals[i].vip_id != vip_id)
			continue;
		if (real_matches(&reals[i], real->addr, real->family, real->port)) {
			free(reals);
			return -EEXIST;
		}
		(*count)++;
	}
	free(reals);
	return *id ? 0 : -ENOSPC;
}

int lb_real_add(struct lb *lb, const struct xdplb_vip_key *vkey, const struct xdplb_real *real)
{
	struct xdplb_real r = *real;
	struct xdplb_vip vip;
	struct xdplb_config cfg;
	__u32 id = 0, count = 0;
	__u16 prev_gen = 0;
	int err = lb_vip_get(lb, vkey, &vip);

	if (err)
		return err;
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	err = real_add_slot(lb, vip.id, real, &id, &prev_gen, &count);
	if (err)
		return err;
	if (count >= lb_max_reals_per_vip(&cfg))
		return -E2BIG; /* the scheduler tables could not hold one more */
	r.vip_id = vip.id;
	r.flags |= XDPLB_REAL_F_USED;
	r.state = XDPLB_REAL_UP;
	r.since = lb_mono_ns();
	r.gen = prev_gen + 1; /* flows of the id's previous holder do not follow this one */
	err = zero_percpu(lb->real_stats, id, sizeof(struct xdplb_traffic));
	if (err)
		return err;
	if (bpf_map_update_elem(lb->conns, &id, &(struct xdplb_conns){ 0 }, BPF_ANY))
		return -errno;
	if (vip.mode == XDPLB_MODE_NAT) {
		/* its replies are recognised before it can get a flow (its table comes after) */
		struct lb_real_entry e = { .id = id, .real = r };

		err = nat_filter_add(lb, &e, 1);
		if (err)
			return err;
	}
	/* before the backend: a reply entry is checked against it, then this is read */
	err = real_vip_write(lb, id, vkey);
	if (err)
		return err;
	err = real_write(lb, id, &r);
	if (err)
		return err;
	return table_changed(lb, &vip);
}

/* The VIP, id and record of backend {addr, port} of VIP @vkey. */
static int real_locate(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4],
		       __u8 family, __be16 port, struct xdplb_vip *vip, __u32 *id,
		       struct xdplb_real *r)
{
	int err = lb_vip_get(lb, vkey, vip), found;

	if (err)
		return err;
	found = lb_real_find(lb, vip->id, addr, family, port);
	if (found < 0)
		return found;
	*id = found;
	return bpf_map_lookup_elem(lb->reals, id, r) ? -errno : 0;
}

int lb_real_set_weight(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4],
		       __u8 family, __be16 port, __u32 weight)
{
	struct xdplb_real r;
	struct xdplb_vip vip;
	__u32 id;
	int err = real_locate(lb, vkey, addr, family, port, &vip, &id, &r);

	if (err)
		return err;
	r.weight = weight;
	err = real_write(lb, id, &r);
	if (err)
		return err;
	return table_changed(lb, &vip);
}

int lb_real_set_state(struct lb *lb, __u32 id, __u16 gen, __u8 state)
{
	struct xdplb_real r;
	struct xdplb_vip vip = {};
	struct lb_vip_entry *vips;
	int n, err = -ENOENT;

	if (id >= lb->max_reals || bpf_map_lookup_elem(lb->reals, &id, &r))
		return id >= lb->max_reals ? -ENOENT : -errno;
	if (!(r.flags & XDPLB_REAL_F_USED) || r.gen != gen)
		return -ENOENT;
	if (r.state == state)
		return 0;
	/* the VIP record (its scheduler) for the rebuild */
	vips = calloc(lb->max_vips, sizeof(*vips));
	if (!vips)
		return -ENOMEM;
	n = lb_vip_list(lb, vips, lb->max_vips);
	for (int i = 0; i < n && i < (int)lb->max_vips; i++) {
		if (vips[i].vip.id == r.vip_id) {
			vip = vips[i].vip;
			err = 0;
			break;
		}
	}
	free(vips);
	if (err)
		return err;
	r.state = state;
	r.since = lb_mono_ns();
	err = real_write(lb, id, &r);
	return err ?: table_changed(lb, &vip);
}

int lb_real_del(struct lb *lb, const struct xdplb_vip_key *vkey, const __be32 addr[4], __u8 family,
		__be16 port)
{
	struct xdplb_real r, empty = {};
	struct xdplb_vip vip;
	__u32 id;
	int err = real_locate(lb, vkey, addr, family, port, &vip, &id, &r);

	if (err)
		return err;
	/* Out of the table first (no new flows), then gone (its flows move on their next
	 * packet, see select_real()). */
	r.weight = 0;
	err = real_write(lb, id, &r);
	if (err)
		return err;
	err = lb_table_rebuild(lb, &vip); /* now, also in bulk mode: the id is freed next */
	if (err)
		return err;
	empty.gen = r.gen; /* the next holder of the id takes gen + 1 */
	err = real_write(lb, id, &empty);
	err = err ?: real_vip_write(lb, id, NULL);
	if (err)
		return err;
	lb_check_forget(lb, vip.id, id);
	/* gone: its bit may go (unless another NAT backend has the same) */
	return vip.mode == XDPLB_MODE_NAT ? nat_filter_changed(lb) : 0;
}

struct xdplb_real *lb_reals_snapshot(struct lb *lb)
{
	struct xdplb_real *copy;

	if (!in_bulk(lb))
		return reals_read_map(lb);
	/* in bulk mode, the copy kept in memory is what the maps hold */
	copy = malloc(lb->max_reals * sizeof(*copy)); /* the caller frees it */
	if (copy)
		memcpy(copy, lb->idx->reals, lb->max_reals * sizeof(*copy));
	return copy;
}
