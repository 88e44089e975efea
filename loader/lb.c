// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Balancer state in the maps: VIPs, backends, scheduler tables, counters. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lb.h"
#include "maglev.h"
#include "sched.h"
#include "xdplb.skel.h"

/* Pinned objects, in the order of lb_fd_slot(). */
static const char *const map_names[] = {
	"xdplb_vips",	   "xdplb_reals",      "xdplb_tables", "xdplb_flows",  "xdplb_stats",
	"xdplb_vip_stats", "xdplb_real_stats", "xdplb_config", "xdplb_nat",    "xdplb_persist",
	"xdplb_conns",	   "xdplb_rr",	       "xdplb_gc",     "xdplb_checks",
};

static int *lb_fd_slot(struct lb *lb, int i)
{
	int *slots[] = { &lb->vips,	 &lb->reals,	  &lb->tables,	&lb->flows, &lb->stats,
			 &lb->vip_stats, &lb->real_stats, &lb->config,	&lb->nat,   &lb->persist,
			 &lb->conns,	 &lb->rr,	  &lb->gc_prog, &lb->checks };
	return slots[i];
}

static __u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

static void lb_init_fds(struct lb *lb)
{
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
		*lb_fd_slot(lb, i) = -1;
	lb->lock_fd = -1;
	lb->bulk = NULL;
}

/* Bulk mode's state (lb.h): what the maps hold, indexed so that a change costs what it
 * touches, not a pass over every backend and VIP. */
enum { TABLE_KEEP, TABLE_REBUILD, TABLE_DELETE };
struct lb_bulk {
	struct xdplb_real *reals; /* the backend array, as written */
	__u8 *tables;		  /* by VIP id: TABLE_* */
	__u8 *vip_used;		  /* by VIP id */
	/* each VIP's backends, a doubly linked list through the backend ids (0 ends it) */
	__u32 *head, *next, *prev;
	__u32 free_from; /* no free backend id below */
	bool cfg_flags;	 /* update_cfg_flags() due at the flush */
};

static void bulk_free(struct lb *lb)
{
	struct lb_bulk *b = lb->bulk;

	if (!b)
		return;
	free(b->reals);
	free(b->tables);
	free(b->vip_used);
	free(b->head);
	free(b->next);
	free(b->prev);
	free(b);
	lb->bulk = NULL;
}

static bool bulk_listed(const struct lb *lb, const struct xdplb_real *r)
{
	return (r->flags & XDPLB_REAL_F_USED) && r->vip_id < lb->max_vips;
}

static void bulk_link(struct lb_bulk *b, __u32 id, __u32 vip_id)
{
	b->prev[id] = 0;
	b->next[id] = b->head[vip_id];
	if (b->head[vip_id])
		b->prev[b->head[vip_id]] = id;
	b->head[vip_id] = id;
}

static void bulk_unlink(struct lb_bulk *b, __u32 id, __u32 vip_id)
{
	if (b->prev[id])
		b->next[b->prev[id]] = b->next[id];
	else
		b->head[vip_id] = b->next[id];
	if (b->next[id])
		b->prev[b->next[id]] = b->prev[id];
}

static void lb_fill_sizes(struct lb *lb)
{
	lb->max_vips = map_max_entries(lb->vips);
	lb->max_reals = map_max_entries(lb->reals);
	lb->max_flows = map_max_entries(lb->flows);
}

int lb_open(struct lb *lb, const char *dir)
{
	char path[PATH_MAX];
	int err = 0;

	lb_init_fds(lb);
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, map_names[i]);
		*lb_fd_slot(lb, i) = bpf_obj_get(path);
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
	lb->nat = bpf_map__fd(skel->maps.xdplb_nat);
	lb->persist = bpf_map__fd(skel->maps.xdplb_persist);
	lb->conns = bpf_map__fd(skel->maps.xdplb_conns);
	lb->rr = bpf_map__fd(skel->maps.xdplb_rr);
	lb->gc_prog = bpf_program__fd(skel->progs.xdplb_gc);
	lb->checks = bpf_map__fd(skel->maps.xdplb_checks);
	lb_fill_sizes(lb);
	/* The skeleton owns the fds: mark them so lb_close() leaves them alone. */
	lb->lock_fd = -2;
	return 0;
}

void lb_close(struct lb *lb)
{
	bulk_free(lb);
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
}

void lb_config_defaults(struct xdplb_config *cfg)
{
	cfg->ring_size = XDPLB_DEF_RING_SIZE;
	cfg->tcp_timeout = XDPLB_DEF_TCP_TIMEOUT;
	cfg->tcpfin_timeout = XDPLB_DEF_TCPFIN_TIMEOUT;
	cfg->udp_timeout = XDPLB_DEF_UDP_TIMEOUT;
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

/* Work the data plane skips unless some VIP needs it: NAT reply lookups, port-0 lookups.
 * Called after every change of xdplb_vips, so it also bumps vip_gen. */
static int update_cfg_flags(struct lb *lb);

/* A VIP's mode or port changed: the config flags follow, now or at the bulk flush. */
static int cfg_flags_changed(struct lb *lb)
{
	if (!lb->bulk)
		return update_cfg_flags(lb);
	lb->bulk->cfg_flags = true;
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
	for (int i = 0; i < n && i < (int)lb->max_vips; i++) {
		if (all[i].vip.mode == XDPLB_MODE_NAT)
			flags |= XDPLB_CFG_F_NAT;
		if (!all[i].key.port)
			flags |= XDPLB_CFG_F_PORT0;
	}
	free(all);
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	flags |= cfg.flags & ~(XDPLB_CFG_F_NAT | XDPLB_CFG_F_PORT0);
	cfg.flags = flags;
	cfg.vip_gen++;
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

/* All VIPs in a few syscalls (hash batch lookups); -errno if the kernel cannot. */
static int vip_list_batch(struct lb *lb, struct lb_vip_entry *out, int max)
{
	struct xdplb_vip_key *keys = calloc(lb->max_vips, sizeof(*keys));
	struct xdplb_vip *vals = calloc(lb->max_vips, sizeof(*vals));
	__u32 batch, count, n = 0;
	bool first = true;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = lb->max_vips - n;
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
	if (!err) {
		for (__u32 i = 0; i < n && (int)i < max; i++) {
			out[i].key = keys[i];
			out[i].vip = vals[i];
		}
		qsort(out, (int)n < max ? (int)n : max, sizeof(*out), vip_cmp);
	}
out:
	free(keys);
	free(vals);
	return err ?: (int)n;
}

int lb_vip_list(struct lb *lb, struct lb_vip_entry *out, int max)
{
	struct xdplb_vip_key key, next;
	struct xdplb_vip_key *prev = NULL;
	int n = vip_list_batch(lb, out, max);

	if (n >= 0)
		return n;
	n = 0;
	while (!bpf_map_get_next_key(lb->vips, prev, &next)) {
		if (n < max) {
			out[n].key = next;
			if (bpf_map_lookup_elem(lb->vips, &next, &out[n].vip))
				continue; /* deleted meanwhile */
		}
		n++;
		key = next;
		prev = &key;
	}
	qsort(out, n < max ? n : max, sizeof(*out), vip_cmp);
	return n;
}

/* Read the whole backend array (one batch syscall where the kernel supports it); in bulk
 * mode, the copy kept in memory.  Give it back with reals_put(). */
static struct xdplb_real *reals_read_all(struct lb *lb)
{
	__u32 count = lb->max_reals, out_batch = 0, *keys;
	struct xdplb_real *reals;
	int err;

	if (lb->bulk)
		return lb->bulk->reals;
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

static void reals_put(struct lb *lb, struct xdplb_real *reals)
{
	if (!lb->bulk || reals != lb->bulk->reals)
		free(reals);
}

/* Write backend @id (and the bulk copy and lists). */
static int real_write(struct lb *lb, __u32 id, const struct xdplb_real *r)
{
	struct lb_bulk *b = lb->bulk;

	if (bpf_map_update_elem(lb->reals, &id, r, BPF_ANY))
		return -errno;
	if (!b)
		return 0;
	if (bulk_listed(lb, &b->reals[id]))
		bulk_unlink(b, id, b->reals[id].vip_id);
	if (bulk_listed(lb, r))
		bulk_link(b, id, r->vip_id);
	else if (id < b->free_from)
		b->free_from = id;
	b->reals[id] = *r;
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct lb_real_entry *)a)->id, y = ((const struct lb_real_entry *)b)->id;

	return x < y ? -1 : x > y;
}

int lb_real_list(struct lb *lb, __u32 vip_id, struct lb_real_entry *out, int max)
{
	struct xdplb_real *reals;
	int n = 0;

	if (lb->bulk && vip_id < lb->max_vips) {
		for (__u32 id = lb->bulk->head[vip_id]; id; id = lb->bulk->next[id], n++) {
			if (n < max) {
				out[n].id = id;
				out[n].real = lb->bulk->reals[id];
			}
		}
		if (n && max)
			qsort(out, n < max ? n : max, sizeof(*out), id_cmp);
		return n;
	}
	reals = reals_read_all(lb);
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
	reals_put(lb, reals);
	return n;
}

static bool real_matches(const struct xdplb_real *r, const __be32 addr[4], __u8 family, __be16 port)
{
	return r->family == family && r->port == port && !memcmp(r->addr, addr, 16);
}

int lb_real_find(struct lb *lb, __u32 vip_id, const __be32 addr[4], __u8 family, __be16 port)
{
	struct xdplb_real *reals;
	int id = -ENOENT;

	if (lb->bulk && vip_id < lb->max_vips) {
		for (__u32 i = lb->bulk->head[vip_id]; i; i = lb->bulk->next[i])
			if (real_matches(&lb->bulk->reals[i], addr, family, port))
				return i;
		return -ENOENT;
	}
	reals = reals_read_all(lb);
	if (!reals)
		return -ENOMEM;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if ((reals[i].flags & XDPLB_REAL_F_USED) && reals[i].vip_id == vip_id &&
		    real_matches(&reals[i], addr, family, port)) {
			id = (int)i;
			break;
		}
	}
	reals_put(lb, reals);
	return id;
}

/* The scheduler table of a VIP from its live backends (weight > 0, state up), or from its
 * live sorry servers when no backend is live, as a new inner map in *fd; -1 when nothing
 * takes new flows. */
static int table_build(struct lb *lb, const struct xdplb_vip *vip, int *tfd)
{
	struct lb_real_entry *rs = NULL;
	struct maglev_backend *mb = NULL;
	struct xdplb_config cfg;
	__u32 *keys = NULL, *vals = NULL, count, m;
	int n, cap, nb = 0, fd = -1, err;
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_INNER_MAP);

	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	m = cfg.ring_size;
	/* count first: arrays for the VIP's backends, not for every backend id */
	cap = lb_real_list(lb, vip->id, NULL, 0);
	if (cap < 0)
		return cap;
	rs = calloc(cap ?: 1, sizeof(*rs));
	mb = calloc(cap ?: 1, sizeof(*mb));
	if (!rs || !mb) {
		err = -ENOMEM;
		goto out;
	}
	n = lb_real_list(lb, vip->id, rs, cap);
	if (n < 0) {
		err = n;
		goto out;
	}
	if (n > cap)
		n = cap; /* changed in between (without the lock) */
	/* pass 0: the backends; pass 1, only if none of them is up: the sorry servers */
	for (int pass = 0; pass < 2 && !nb; pass++) {
		for (int i = 0; i < n; i++) {
			const struct xdplb_real *r = &rs[i].real;

			if (!r->weight || r->state != XDPLB_REAL_UP ||
			    !!(r->flags & XDPLB_REAL_F_SORRY) != pass)
				continue;
			mb[nb].id = rs[i].id;
			mb[nb].weight = r->weight;
			mb[nb].key = maglev_backend_key(r->addr, r->port);
			nb++;
		}
	}
	if (!nb)
		goto out; /* nothing takes new flows: no table */

	keys = calloc(m + 1, sizeof(__u32));
	vals = calloc(m + 1, sizeof(__u32));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	err = sched_build(vip->sched, mb, nb, m, vals + 1);
	if (err < 0)
		goto out;
	vals[XDPLB_TABLE_LEN_SLOT] = err;
	m = err; /* the table's own length: rr/wrr/lc/wlc lists are shorter than the ring */
	err = 0;
	for (__u32 i = 0; i <= m; i++)
		keys[i] = i;

	/* Double buffering: a complete new table, then one atomic swap of the outer slot. */
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdplb_table", sizeof(__u32), sizeof(__u32), m + 1,
			    &copts);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	count = m + 1;
	if (bpf_map_update_batch(fd, keys, vals, &count, NULL)) {
		err = -errno;
		goto out;
	}
	*tfd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(keys);
	free(vals);
	free(mb);
	free(rs);
	return err;
}

int lb_table_rebuild(struct lb *lb, const struct xdplb_vip *vip)
{
	int fd = -1, err = table_build(lb, vip, &fd);

	if (err)
		return err;
	if (lb->bulk)
		lb->bulk->tables[vip->id] = TABLE_KEEP;
	if (fd < 0) {
		/* Nothing takes new flows: no table; the data plane counts drop_no_backend. */
		if (bpf_map_delete_elem(lb->tables, &vip->id) && errno != ENOENT)
			return -errno;
		return 0;
	}
	/* Double buffering: a complete new table, then one atomic swap of the outer slot. */
	if (bpf_map_update_elem(lb->tables, &vip->id, &fd, BPF_ANY))
		err = -errno;
	close(fd); /* the outer map holds its own reference */
	return err;
}

/* The VIP's table must follow a change: now, or at the bulk flush. */
static int table_changed(struct lb *lb, const struct xdplb_vip *vip)
{
	if (!lb->bulk)
		return lb_table_rebuild(lb, vip);
	lb->bulk->tables[vip->id] = TABLE_REBUILD;
	return 0;
}

int lb_bulk_begin(struct lb *lb)
{
	struct lb_bulk *b = calloc(1, sizeof(*b));
	struct lb_vip_entry *vips = calloc(lb->max_vips, sizeof(*vips));
	int n;

	if (!b || !vips)
		goto fail;
	lb->bulk = b; /* bulk_free() on failure */
	b->tables = calloc(lb->max_vips, 1);
	b->vip_used = calloc(lb->max_vips, 1);
	b->head = calloc(lb->max_vips, sizeof(*b->head));
	b->next = calloc(lb->max_reals, sizeof(*b->next));
	b->prev = calloc(lb->max_reals, sizeof(*b->prev));
	if (!b->tables || !b->vip_used || !b->head || !b->next || !b->prev)
		goto fail;
	lb->bulk = NULL; /* read the maps, not the copy being made */
	b->reals = reals_read_all(lb);
	n = lb_vip_list(lb, vips, lb->max_vips);
	lb->bulk = b;
	if (!b->reals || n < 0)
		goto fail;
	for (int i = 0; i < n && i < (int)lb->max_vips; i++)
		if (vips[i].vip.id < lb->max_vips)
			b->vip_used[vips[i].vip.id] = 1;
	for (__u32 id = lb->max_reals - 1; id > 0; id--)
		if (bulk_listed(lb, &b->reals[id]))
			bulk_link(b, id, b->reals[id].vip_id);
	b->free_from = 1;
	free(vips);
	return 0;
fail:
	if (!lb->bulk)
		free(b);
	bulk_free(lb);
	free(vips);
	return -ENOMEM;
}

/* Swap in the tables of @n VIPs (fds[i] for ids[i]) with one wait for readers. */
static int tables_install(struct lb *lb, __u32 *ids, int *fds, __u32 n)
{
	__u32 count = n;
	int err = 0;

	if (n && bpf_map_update_batch(lb->tables, ids, fds, &count, NULL))
		err = -errno;
	for (__u32 i = 0; i < n; i++)
		close(fds[i]);
	return err;
}

#define BULK_CHUNK 256 /* inner-map fds open at once */

int lb_bulk_flush(struct lb *lb)
{
	struct lb_vip_entry *vips = NULL;
	__u32 ids[BULK_CHUNK], nfd = 0;
	unsigned char *live = NULL;
	int fds[BULK_CHUNK], n, err = 0;

	if (!lb->bulk)
		return 0;
	vips = calloc(lb->max_vips, sizeof(*vips));
	live = calloc(lb->max_vips, 1);
	if (!vips || !live) {
		err = -ENOMEM;
		goto out;
	}
	n = lb_vip_list(lb, vips, lb->max_vips);
	for (int i = 0; i < n && i < (int)lb->max_vips && !err; i++) {
		__u32 id = vips[i].vip.id;
		int fd = -1;

		if (id >= lb->max_vips)
			continue;
		live[id] = 1;
		if (lb->bulk->tables[id] != TABLE_REBUILD)
			continue;
		lb->bulk->tables[id] = TABLE_KEEP;
		err = table_build(lb, &vips[i].vip, &fd);
		if (err)
			break;
		if (fd < 0) {
			if (bpf_map_delete_elem(lb->tables, &id) && errno != ENOENT)
				err = -errno;
			continue;
		}
		ids[nfd] = id;
		fds[nfd++] = fd;
		if (nfd == BULK_CHUNK) {
			err = tables_install(lb, ids, fds, nfd);
			nfd = 0;
		}
	}
	if (nfd) {
		int e = tables_install(lb, ids, fds, nfd);

		err = err ?: e;
	}
	/* tables of deleted VIPs whose ids no new VIP took (arrays of maps have no batch
	 * delete: one wait for readers each) */
	for (__u32 id = 1; id < lb->max_vips && !err; id++) {
		if (lb->bulk->tables[id] == TABLE_KEEP)
			continue;
		lb->bulk->tables[id] = TABLE_KEEP;
		if (!live[id] && bpf_map_delete_elem(lb->tables, &id) && errno != ENOENT)
			err = -errno;
	}
	if (!err && lb->bulk->cfg_flags) {
		lb->bulk->cfg_flags = false;
		err = update_cfg_flags(lb);
	}
out:
	free(vips);
	free(live);
	return err;
}

int lb_bulk_end(struct lb *lb)
{
	int err = lb_bulk_flush(lb);

	bulk_free(lb);
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

static int vip_alloc_id(struct lb *lb, __u32 *id)
{
	struct lb_vip_entry *all = calloc(lb->max_vips, sizeof(*all));
	unsigned char *used = calloc(lb->max_vips, 1);
	int n, err = -ENOSPC;

	if (!all || !used) {
		err = -ENOMEM;
		goto out;
	}
	if (lb->bulk) {
		memcpy(used, lb->bulk->vip_used, lb->max_vips);
		n = 0;
	} else {
		n = lb_vip_list(lb, all, lb->max_vips);
	}
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

int lb_vip_add(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params)
{
	struct xdplb_vip vip = *params;
	int err;

	if (!lb_vip_get(lb, key, &vip))
		return -EEXIST;
	vip = *params;
	err = vip_alloc_id(lb, &vip.id);
	if (err)
		return err;
	/* A reused id must not inherit an old table or old counters. */
	if (bpf_map_delete_elem(lb->tables, &vip.id) && errno != ENOENT)
		return -errno;
	if (lb->bulk)
		lb->bulk->tables[vip.id] = TABLE_KEEP;
	err = zero_percpu(lb->vip_stats, vip.id, sizeof(struct xdplb_traffic));
	if (err)
		return err;
	if (bpf_map_update_elem(lb->rr, &vip.id, &(__u64){ 0 }, BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(lb->vips, key, &vip, BPF_NOEXIST))
		return errno == E2BIG ? -ENOSPC : -errno;
	if (lb->bulk)
		lb->bulk->vip_used[vip.id] = 1;
	return cfg_flags_changed(lb);
}

int lb_vip_set(struct lb *lb, const struct xdplb_vip_key *key, const struct xdplb_vip *params)
{
	struct xdplb_vip vip;
	int err = lb_vip_get(lb, key, &vip);

	if (err)
		return err;
	vip.mode = params->mode;
	vip.sched = params->sched;
	vip.flags = params->flags;
	vip.persist = params->persist;
	err = table_changed(lb, &vip);
	if (err)
		return err;
	if (bpf_map_update_elem(lb->vips, key, &vip, BPF_EXIST))
		return -errno;
	return cfg_flags_changed(lb);
}

int lb_vip_del(struct lb *lb, const struct xdplb_vip_key *key)
{
	struct xdplb_real empty = {};
	struct lb_real_entry *rs;
	struct xdplb_vip vip;
	int n, err = lb_vip_get(lb, key, &vip);

	if (err)
		return err;
	/* First stop matching packets, then take the table and the backends away. */
	if (bpf_map_delete_elem(lb->vips, key))
		return -errno;
	err = bump_vip_gen(lb); /* no CPU may answer from a cached copy of it */
	if (err)
		return err;
	if (lb->bulk && vip.id < lb->max_vips) {
		lb->bulk->tables[vip.id] = TABLE_DELETE; /* nothing can reach it: at the flush */
		lb->bulk->vip_used[vip.id] = 0;
	} else if (bpf_map_delete_elem(lb->tables, &vip.id) && errno != ENOENT)
		return -errno;
	rs = calloc(lb->max_reals, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	n = lb_real_list(lb, vip.id, rs, lb->max_reals);
	for (int i = 0; i < n; i++) {
		empty.gen = rs[i].real.gen;
		err = real_write(lb, rs[i].id, &empty);
		if (err)
			break;
	}
	free(rs);
	if (n < 0)
		return n;
	lb_check_forget(lb, vip.id, 0);
	return err ?: cfg_flags_changed(lb);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int lb_real_add(struct lb *lb, const struct xdplb_vip_key *vkey, const struct xdplb_real *real)
{
	struct xdplb_real *reals, r = *real;
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
	if (lb->bulk) {
		/* the VIP's list, and the first free id from the cursor */
		struct lb_bulk *b = lb->bulk;

		for (__u32 i = vip.id < lb->max_vips ? b->head[vip.id] : 0; i; i = b->next[i]) {
			if (real_matches(&b->reals[i], real->addr, real->family, real->port))
				return -EEXIST;
			count++;
		}
		while (b->free_from < lb->max_reals &&
		       (!b->free_from || (b->reals[b->free_from].flags & XDPLB_REAL_F_USED)))
			b->free_from++;
		if (b->free_from < lb->max_reals) {
			id = b->free_from;
			prev_gen = b->reals[id].gen;
		}
		goto found;
	}
	reals = reals_read_all(lb);
	if (!reals)
		return -ENOMEM;
	for (__u32 i = 1; i < lb->max_reals; i++) {
		if (!(reals[i].flags & XDPLB_REAL_F_USED)) {
			if (!id) {
				id = i;
				prev_gen = reals[i].gen;
			}
			continue;
		}
		if (reals[i].vip_id != vip.id)
			continue;
		if (real_matches(&reals[i], real->addr, real->family, real->port)) {
			reals_put(lb, reals);
			return -EEXIST;
		}
		count++;
	}
	reals_put(lb, reals);
found:
	if (!id)
		return -ENOSPC;
	if (count >= lb_max_reals_per_vip(&cfg))
		return -E2BIG; /* the scheduler tables could not hold one more */
	r.vip_id = vip.id;
	r.flags |= XDPLB_REAL_F_USED;
	r.state = XDPLB_REAL_UP;
	r.since = now_ns();
	r.gen = prev_gen + 1; /* flows of the id's previous holder do not follow this one */
	err = zero_percpu(lb->real_stats, id, sizeof(struct xdplb_traffic));
	if (err)
		return err;
	if (bpf_map_update_elem(lb->conns, &id, &(struct xdplb_conns){ 0 }, BPF_ANY))
		return -errno;
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
	if (err)
		return err;
	lb_check_forget(lb, vip.id, id);
	return 0;
}

struct xdplb_real *lb_reals_snapshot(struct lb *lb)
{
	struct xdplb_real *r = reals_read_all(lb), *copy;

	if (!r || !lb->bulk)
		return r;
	copy = malloc(lb->max_reals * sizeof(*copy)); /* the caller frees it */
	if (copy)
		memcpy(copy, r, lb->max_reals * sizeof(*copy));
	return copy;
}
