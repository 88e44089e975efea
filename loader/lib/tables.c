// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Scheduler tables: building them from a VIP's live backends, swapping them in, bulk mode. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"
#include "sched/maglev.h"
#include "sched/sched.h"

/* lb_bulk_flush(): tables built on this many threads at most, installed together per chunk. */
#define BUILD_THREADS 8
#define BULK_CHUNK    256

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
	int fd; /* the new inner array, or -1 */
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

/*
 * A new inner array of @n slots holding @vals; its fd or -errno.  Inner arrays are mmapable
 * (bpf/maps.h's template says BPF_F_MMAPABLE), so that filling one is a 512 KiB copy for the
 * default ring rather than a 65,538-element batch update (13 ms).
 */
static int table_map_new(const __u32 *vals, __u32 n)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	size_t len = (size_t)n * 8; /* array elements are value_size rounded up to 8 bytes */
	int fd, err = 0;
	void *p;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdplb_table", sizeof(__u32), sizeof(__u32), n,
			    &copts);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	for (__u32 i = 0; i < n; i++)
		*(__u32 *)((char *)p + (size_t)i * 8) = vals[i];
	munmap(p, len);
	return fd;
}

/* Compute the job's table and put it in a new inner array (none without live backends). */
static void job_build(struct table_job *job, __u32 ring)
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
	job->fd = table_map_new(job->vals, job->len);
	if (job->fd < 0) {
		job->err = job->fd;
		job->fd = -1;
	}
	free(job->vals);
	job->vals = NULL;
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
 * Put inner tables @fds[0..k-1] into the outer slots @ids: one batch update for all of them,
 * because every update of a map-in-map waits for an RCU grace period (about 10 ms here) once
 * per syscall, not per slot.  Double buffering: each packet sees a VIP's old table or its
 * complete new one.  0, or -errno with the failed slots' errors in @errs (may be NULL).
 */
static int tables_put(struct lb *lb, __u32 *ids, int *fds, int k, int *errs)
{
	__u32 count = k;
	int err;

	if (!k)
		return 0;
	err = bpf_map_update_batch(lb->fd.tables, ids, fds, &count, NULL) ? -errno : 0;
	if (err && count < (__u32)k) { /* kernels without batch updates here: one at a time */
		err = 0;
		for (__u32 j = count; j < (__u32)k && !err; j++)
			err = bpf_map_update_elem(lb->fd.tables, &ids[j], &fds[j], BPF_ANY) ? -errno
											    : 0;
		for (__u32 j = count; errs && j < (__u32)k && err; j++)
			errs[j] = err;
	}
	return err;
}

/* An inner table that names no backend (length 0: the data plane counts drop_no_backend),
 * one for all the slots of VIPs without live backends or gone: putting it in batches with
 * the others costs no grace period of its own, where a delete costs one per slot. */
static int table_empty_new(void)
{
	__u32 zero = 0;

	return table_map_new(&zero, 1);
}

/*
 * Swap the built tables into their VIPs' outer slots (tables_put()); a VIP left without
 * live backends gets the empty table.  Returns the first error; every job gets its own in
 * ->err.
 */
static int tables_install(struct lb *lb, struct table_job *jobs, int n)
{
	__u32 *ids = calloc(n + 1, sizeof(*ids));
	int *fds = calloc(n + 1, sizeof(*fds)), *ji = calloc(n + 1, sizeof(*ji));
	int *errs = calloc(n + 1, sizeof(*errs));
	int k = 0, err = 0, empty = -1;

	if (!ids || !fds || !ji || !errs) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (jobs[i].err || (jobs[i].nb && jobs[i].fd < 0))
			continue;
		if (!jobs[i].nb && empty < 0 && (empty = table_empty_new()) < 0) {
			err = empty;
			goto out;
		}
		ji[k] = i;
		ids[k] = jobs[i].vip.id;
		fds[k++] = jobs[i].nb ? jobs[i].fd : empty;
	}
	err = tables_put(lb, ids, fds, k, errs);
	for (int j = 0; j < k; j++)
		jobs[ji[j]].err = jobs[ji[j]].err ?: errs[j];
out:
	if (empty >= 0)
		close(empty); /* the slots hold it */
	free(ids);
	free(fds);
	free(ji);
	free(errs);
	for (int i = 0; i < n; i++)
		if (jobs[i].err && !err)
			err = jobs[i].err;
	return err;
}

/* The tables of VIP ids @ids[0..k-1] (deleted VIPs) emptied, all in one update. */
static int tables_clear(struct lb *lb, __u32 *ids, int k)
{
	int *fds = calloc(k + 1, sizeof(*fds)), empty = k ? table_empty_new() : -1, err;

	if (!fds || (k && empty < 0)) {
		free(fds);
		if (empty >= 0)
			close(empty);
		return fds ? empty : -ENOMEM;
	}
	for (int i = 0; i < k; i++)
		fds[i] = empty;
	err = tables_put(lb, ids, fds, k, NULL);
	if (empty >= 0)
		close(empty);
	free(fds);
	return err;
}

/* Build the scheduler table of a VIP from its live backends and swap it in. */
int lb_table_rebuild(struct lb *lb, const struct xdplb_vip *vip)
{
	struct xdplb_config cfg;
	struct table_job job;
	int err = lb_config_get(lb, &cfg);

	if (err)
		return err;
	if (!job_gather(lb, vip, &job))
		job_build(&job, cfg.ring_size);
	err = job.err ?: tables_install(lb, &job, 1);
	job_free(&job);
	if (!err && in_bulk(lb) && vip->id < lb->max_vips)
		lb->idx->tables[vip->id] = TABLE_KEEP;
	return err;
}

/* The VIP's table must follow a change: now, or at the bulk flush. */
int table_changed(struct lb *lb, const struct xdplb_vip *vip)
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
};

static void *build_worker(void *arg)
{
	struct build_work *w = arg;
	int i;

	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->n)
		job_build(&w->jobs[i], w->ring);
	return NULL;
}

/* Build @n jobs on as many threads as this process may run on (at most BUILD_THREADS). */
static void build_all(struct table_job *jobs, int n, __u32 ring)
{
	struct build_work w = { .jobs = jobs, .n = n, .ring = ring };
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
	int err;

	build_all(jobs, n, ring);
	err = tables_install(lb, jobs, n);
	for (int i = 0; i < n; i++) {
		if (!jobs[i].err)
			x->tables[jobs[i].vip.id] = TABLE_KEEP;
		job_free(&jobs[i]);
	}
	return err;
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
	err = lb_config_get(lb, &cfg) ?: idx_refresh_states(lb);
	if (err)
		return err;
	n = lb_vip_list_alloc(lb, &vips);
	if (n < 0)
		return n;
	live = calloc(lb->max_vips, 1);
	jobs = calloc(BULK_CHUNK, sizeof(*jobs));
	if (!live || !jobs) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
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
	/* tables of deleted VIPs whose ids no new VIP took: emptied together (a delete per
	 * slot would wait for readers once each: 50 s for 4096 VIPs) */
	{
		__u32 *gone = calloc(lb->max_vips, sizeof(*gone));
		int ng = 0;

		for (__u32 id = 1; gone && id < lb->max_vips; id++)
			if (x->tables[id] != TABLE_KEEP && !live[id])
				gone[ng++] = id;
		e = gone ? tables_clear(lb, gone, ng) : -ENOMEM;
		err = err ?: e;
		for (int i = 0; !e && i < ng; i++)
			x->tables[gone[i]] = TABLE_KEEP;
		free(gone);
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
		lb->idx->loaded = lb->idx->loaded && lb_locked(lb);
	}
	return err;
}

int lb_table_read(struct lb *lb, __u32 vip_id, __u32 *ids, __u32 max)
{
	__u32 inner_id, len = 0, slot = XDPLB_TABLE_LEN_SLOT, count, out_batch = 0;
	__u32 *keys = NULL, *vals = NULL;
	int fd, err = 0;

	if (bpf_map_lookup_elem(lb->fd.tables, &vip_id, &inner_id))
		return errno == ENOENT ? 0 : -errno;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &slot, &len)) {
		err = -errno;
		goto out;
	}
	/* slots 0..len in one batch lookup (slot 0 holds the length) */
	count = len + 1;
	keys = calloc(count, sizeof(*keys));
	vals = calloc(count, sizeof(*vals));
	if (!keys || !vals)
		err = -ENOMEM;
	else if (bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &count, NULL) &&
		 errno != ENOENT)
		err = -errno;
	else if (count < len + 1)
		err = -EIO;
	if (!err)
		memcpy(ids, vals + 1, (len < max ? len : max) * sizeof(*ids));
out:
	free(keys);
	free(vals);
	close(fd);
	return err ?: (int)len;
}
