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
	"xdplb_vips",	   "xdplb_reals",      "xdplb_tables", "xdplb_flows", "xdplb_stats",
	"xdplb_vip_stats", "xdplb_real_stats", "xdplb_config", "xdplb_nat",   "xdplb_persist",
	"xdplb_conns",	   "xdplb_rr",	       "xdplb_gc",
};

static int *lb_fd_slot(struct lb *lb, int i)
{
	int *slots[] = { &lb->vips,	 &lb->reals,	  &lb->tables, &lb->flows, &lb->stats,
			 &lb->vip_stats, &lb->real_stats, &lb->config, &lb->nat,   &lb->persist,
			 &lb->conns,	 &lb->rr,	  &lb->gc_prog };
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
	lb_fill_sizes(lb);
	/* The skeleton owns the fds: mark them so lb_close() leaves them alone. */
	lb->lock_fd = -2;
	return 0;
}

void lb_close(struct lb *lb)
{
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
	return 0;
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

int lb_vip_list(struct lb *lb, struct lb_vip_entry *out, int max)
{
	struct xdplb_vip_key key, next;
	struct xdplb_vip_key *prev = NULL;
	int n = 0;

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

/* Read the whole backend array (one batch syscall where the kernel supports it). */
static struct xdplb_real *reals_read_all(struct lb *lb)
{
	struct xdplb_real *reals = calloc(lb->max_reals, sizeof(*reals));
	__u32 *keys = calloc(lb->max_reals, sizeof(__u32));
	__u32 count = lb->max_reals, out_batch = 0;
	int err;

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

int lb_real_list(struct lb *lb, __u32 vip_id, struct lb_real_entry *out, int max)
{
	struct xdplb_real *reals = reals_read_all(lb);
	int n = 0;

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

static bool real_matches(const struct xdplb_real *r, const __be32 addr[4], __u8 family, __be16 port)
{
	return r->family == family && r->port == port && !memcmp(r->addr, addr, 16);
}

int lb_real_find(struct lb *lb, __u32 vip_id, const __be32 addr[4], __u8 family, __be16 port)
{
	struct xdplb_real *reals = reals_read_all(lb);
	int id = -ENOENT;

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

/* Build the scheduler table of a VIP from its live backends (weight > 0, state up). */
int lb_table_rebuild(struct lb *lb, const struct xdplb_vip *vip)
{
	struct lb_real_entry *rs = NULL;
	struct maglev_backend *mb = NULL;
	struct xdplb_config cfg;
	__u32 *keys = NULL, *vals = NULL, count, m;
	int n, nb = 0, fd = -1, err;
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_INNER_MAP);

	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	m = cfg.ring_size;
	rs = calloc(lb->max_reals, sizeof(*rs));
	mb = calloc(lb->max_reals, sizeof(*mb));
	if (!rs || !mb) {
		err = -ENOMEM;
		goto out;
	}
	n = lb_real_list(lb, vip->id, rs, lb->max_reals);
	if (n < 0) {
		err = n;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!rs[i].real.weight || rs[i].real.state != XDPLB_REAL_UP)
			continue;
		mb[nb].id = rs[i].id;
		mb[nb].weight = rs[i].real.weight;
		mb[nb].key = maglev_backend_key(rs[i].real.addr, rs[i].real.port);
		nb++;
	}
	if (!nb) {
		/* Nothing takes new flows: no table; the data plane counts drop_no_backend. */
		if (bpf_map_delete_elem(lb->tables, &vip->id) && errno != ENOENT)
			err = -errno;
		goto out;
	}

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
	if (bpf_map_update_elem(lb->tables, &vip->id, &fd, BPF_ANY))
		err = -errno;
out:
	if (fd >= 0)
		close(fd); /* the outer map holds its own reference */
	free(keys);
	free(vals);
	free(mb);
	free(rs);
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
	err = zero_percpu(lb->vip_stats, vip.id, sizeof(struct xdplb_traffic));
	if (err)
		return err;
	if (bpf_map_update_elem(lb->rr, &vip.id, &(__u64){ 0 }, BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(lb->vips, key, &vip, BPF_NOEXIST))
		return errno == E2BIG ? -ENOSPC : -errno;
	return update_cfg_flags(lb);
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
	err = lb_table_rebuild(lb, &vip);
	if (err)
		return err;
	if (bpf_map_update_elem(lb->vips, key, &vip, BPF_EXIST))
		return -errno;
	return update_cfg_flags(lb);
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
	err = bump_vip_gen(lb);
	if (err)
		return err;
	if (bpf_map_delete_elem(lb->tables, &vip.id) && errno != ENOENT)
		return -errno;
	rs = calloc(lb->max_reals, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	n = lb_real_list(lb, vip.id, rs, lb->max_reals);
	for (int i = 0; i < n; i++) {
		empty.gen = rs[i].real.gen;
		if (bpf_map_update_elem(lb->reals, &rs[i].id, &empty, BPF_ANY)) {
			err = -errno;
			break;
		}
	}
	free(rs);
	if (n < 0)
		return n;
	return err ?: update_cfg_flags(lb);
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
	__u32 id = 0;
	__u16 prev_gen = 0;
	int err = lb_vip_get(lb, vkey, &vip);

	if (err)
		return err;
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
		if (reals[i].vip_id == vip.id &&
		    real_matches(&reals[i], real->addr, real->family, real->port)) {
			free(reals);
			return -EEXIST;
		}
	}
	free(reals);
	if (!id)
		return -ENOSPC;
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
	if (bpf_map_update_elem(lb->reals, &id, &r, BPF_ANY))
		return -errno;
	return lb_table_rebuild(lb, &vip);
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
	if (bpf_map_update_elem(lb->reals, &id, &r, BPF_ANY))
		return -errno;
	return lb_table_rebuild(lb, &vip);
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
	if (bpf_map_update_elem(lb->reals, &id, &r, BPF_ANY))
		return -errno;
	err = lb_table_rebuild(lb, &vip);
	if (err)
		return err;
	empty.gen = r.gen; /* the next holder of the id takes gen + 1 */
	return bpf_map_update_elem(lb->reals, &id, &empty, BPF_ANY) ? -errno : 0;
}
