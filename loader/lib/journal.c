// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Configuration changes that survive the death of their process.
 *
 * A change (a batch, an import, a command line change: they all go through batch_run())
 * writes many maps, and in bulk mode the tables of the VIPs it touches only at its end: a
 * process killed half-way would leave VIPs without tables, backends without their place in
 * a table, settings half-changed.  So before it writes anything it journals the
 * configuration as it was (VIPs, backends, settings, health checks) into xdplb_journal, and
 * sets xdplb_config.journal to the journal's size; when it is done it clears that, then
 * empties the journal.  The state lock is held all the while, and the kernel drops it when
 * its holder dies: whoever takes the lock next and finds journal != 0 knows that the holder
 * died in the middle, and puts the journalled configuration back (conf_sync(), in bulk mode)
 * before it does anything else.  So a change is all or nothing, whatever ends its process.
 *
 * Checks are journalled by VIP key and backend address, not ids: putting a deleted VIP back
 * may give it another id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lib/conf.h"
#include "lib/internal.h"

#define JOURNAL_MAGIC	0x4a424c58 /* "XLBJ" */
#define JOURNAL_VERSION 1
#define CHUNK		sizeof(struct xdplb_journal_chunk)

struct journal_head {
	__u32 magic, version;
	__u32 nvips, nreals, nchecks;
	__s32 pid;
	__u64 started; /* CLOCK_REALTIME seconds */
	struct xdplb_config cfg;
};

struct journal_real {
	__u32 vip; /* index of its VIP in the journal */
	__u32 pad;
	struct xdplb_real r;
};

struct journal_check {
	struct xdplb_vip_key vip;
	__be32 addr[4]; /* the backend's, when has_real */
	__be16 port;
	__u8 family;
	__u8 has_real;
	struct xdplb_check check;
};

struct buf {
	char *p;
	size_t len, cap;
};

static int put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2 + CHUNK;
		char *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

/* Delete chunks from index @from on (left by an earlier journal, or all with 0). */
static void chunks_drop(struct lb *lb, __u32 from)
{
	__u32 key, next, *prev = NULL;
	__u32 gone[256];
	int n;

	do {
		n = 0;
		prev = NULL;
		while (n < 256 && !bpf_map_get_next_key(lb->fd.journal, prev, &next)) {
			key = next;
			prev = &key;
			if (next >= from)
				gone[n++] = next;
		}
		for (int i = 0; i < n; i++)
			bpf_map_delete_elem(lb->fd.journal, &gone[i]);
	} while (n == 256);
}

/* The configuration and checks as the journal's bytes. */
static int serialize(struct lb *lb, const struct conf *c, const struct lb_check_entry *checks,
		     size_t nchecks, struct buf *b)
{
	struct journal_head h = { .magic = JOURNAL_MAGIC,
				  .version = JOURNAL_VERSION,
				  .pid = getpid(),
				  .started = time(NULL),
				  .cfg = c->cfg };
	__u32 *index_of = calloc(lb->max_vips, sizeof(*index_of)); /* VIP id -> index + 1 */
	int err = 0;

	if (!index_of)
		return -ENOMEM;
	for (int i = 0; i < c->nvips; i++) {
		const struct conf_vip *v = &c->vips[i];

		if (v->gone)
			continue;
		if (v->vip.id < lb->max_vips)
			index_of[v->vip.id] = ++h.nvips;
		for (int j = 0; j < v->nreals; j++)
			h.nreals += !v->reals[j].gone;
	}
	for (size_t i = 0; i < nchecks; i++)
		h.nchecks += checks[i].key.vip_id < lb->max_vips && index_of[checks[i].key.vip_id];
	err = put(b, &h, sizeof(h));
	for (int i = 0; i < c->nvips && !err; i++) {
		if (c->vips[i].gone)
			continue;
		err = put(b, &c->vips[i].key, sizeof(c->vips[i].key))
			  ?: put(b, &c->vips[i].vip, sizeof(c->vips[i].vip));
	}
	for (int i = 0; i < c->nvips && !err; i++) {
		const struct conf_vip *v = &c->vips[i];

		for (int j = 0; j < v->nreals && !err && !v->gone; j++) {
			struct journal_real jr = { .vip = index_of[v->vip.id] - 1,
						   .r = v->reals[j].r };

			if (!v->reals[j].gone)
				err = put(b, &jr, sizeof(jr));
		}
	}
	for (size_t i = 0; i < nchecks && !err; i++) {
		const struct xdplb_check_key *k = &checks[i].key;
		struct journal_check jc = { .check = checks[i].check };
		const struct conf_vip *v;
		struct xdplb_real r;

		if (k->vip_id >= lb->max_vips || !index_of[k->vip_id])
			continue;
		v = NULL;
		for (int j = 0; j < c->nvips && !v; j++)
			if (!c->vips[j].gone && c->vips[j].vip.id == k->vip_id)
				v = &c->vips[j];
		jc.vip = v->key;
		if (k->real_id) {
			jc.has_real = 1;
			memset(&r, 0, sizeof(r));
			for (int j = 0; j < v->nreals; j++)
				if (v->reals[j].id == k->real_id)
					r = v->reals[j].r;
			memcpy(jc.addr, r.addr, sizeof(jc.addr));
			jc.port = r.port;
			jc.family = r.family;
		}
		err = put(b, &jc, sizeof(jc));
	}
	free(index_of);
	return err;
}

int lb_journal_begin(struct lb *lb, const struct conf *c, const struct lb_check_entry *checks,
		     size_t nchecks)
{
	struct xdplb_config cfg;
	struct buf b = {};
	__u32 nchunks;
	int err = serialize(lb, c, checks, nchecks, &b);

	if (err)
		goto out;
	nchunks = (b.len + CHUNK - 1) / CHUNK;
	chunks_drop(lb, nchunks); /* an earlier, longer journal's tail */
	for (__u32 i = 0; i < nchunks && !err; i++) {
		struct xdplb_journal_chunk ch = {};
		size_t n = b.len - (size_t)i * CHUNK < CHUNK ? b.len - (size_t)i * CHUNK : CHUNK;

		memcpy(ch.data, b.p + (size_t)i * CHUNK, n);
		if (bpf_map_update_elem(lb->fd.journal, &i, &ch, BPF_ANY))
			err = errno == E2BIG ? -ENOSPC : -errno;
	}
	/* complete: from here on, a death of this process means "roll back" */
	err = err ?: lb_config_get(lb, &cfg);
	if (!err) {
		cfg.journal = b.len;
		err = lb_config_set(lb, &cfg);
	}
out:
	free(b.p);
	return err;
}

int lb_journal_end(struct lb *lb)
{
	struct xdplb_config cfg;
	int err = lb_config_get(lb, &cfg);

	if (err || !cfg.journal)
		return err;
	cfg.journal = 0;
	err = lb_config_set(lb, &cfg);
	if (!err)
		chunks_drop(lb, 0);
	return err;
}

/* The journal's @len bytes into @b. */
static int journal_read(struct lb *lb, __u32 len, struct buf *b)
{
	__u32 nchunks = (len + CHUNK - 1) / CHUNK;
	struct xdplb_journal_chunk ch;
	int err = 0;

	for (__u32 i = 0; i < nchunks && !err; i++) {
		size_t n = len - (size_t)i * CHUNK < CHUNK ? len - (size_t)i * CHUNK : CHUNK;

		if (bpf_map_lookup_elem(lb->fd.journal, &i, &ch))
			err = -errno == -ENOENT ? -EBADMSG : -errno;
		else
			err = put(b, ch.data, n);
	}
	return err;
}

/* Take @n bytes at *@off of @b into @out: false past the end. */
static bool take(const struct buf *b, size_t *off, void *out, size_t n)
{
	if (*off + n > b->len)
		return false;
	memcpy(out, b->p + *off, n);
	*off += n;
	return true;
}

/* The journal as a configuration in @c, and its checks (*@checks, to free). */
static int deserialize(struct lb *lb, const struct buf *b, struct journal_head *h, struct conf *c,
		       struct journal_check **checks)
{
	struct conf_vip **vips = NULL;
	size_t off = 0;
	int err;

	if (!take(b, &off, h, sizeof(*h)) || h->magic != JOURNAL_MAGIC ||
	    h->version != JOURNAL_VERSION)
		return -EBADMSG;
	err = conf_init(c, lb);
	if (err)
		return err;
	c->cfg = h->cfg;
	vips = calloc(h->nvips + 1, sizeof(*vips));
	*checks = calloc(h->nchecks + 1, sizeof(**checks));
	if (!vips || !*checks) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < h->nvips && !err; i++) {
		struct xdplb_vip_key k;
		struct xdplb_vip v;

		if (!take(b, &off, &k, sizeof(k)) || !take(b, &off, &v, sizeof(v)))
			err = -EBADMSG;
		else if (!(vips[i] = conf_vip_add(c, &k, &v, 0)))
			err = -ENOMEM;
	}
	for (__u32 i = 0; i < h->nreals && !err; i++) {
		struct journal_real jr;

		if (!take(b, &off, &jr, sizeof(jr)) || jr.vip >= h->nvips)
			err = -EBADMSG;
		else if (!conf_real_add(c, c->vips + (vips[jr.vip] - c->vips), &jr.r, 0))
			err = -ENOMEM;
	}
	for (__u32 i = 0; i < h->nchecks && !err; i++)
		if (!take(b, &off, &(*checks)[i], sizeof(**checks)))
			err = -EBADMSG;
out:
	free(vips);
	if (err) {
		conf_free(c);
		free(*checks);
		*checks = NULL;
	}
	return err;
}

/* The journalled checks in place of the ones there (ids resolved anew). */
static int checks_put_back(struct lb *lb, const struct journal_check *jc, __u32 n)
{
	struct lb_check_entry *e = calloc(n + 1, sizeof(*e));
	size_t m = 0;
	int err;

	if (!e)
		return -ENOMEM;
	for (__u32 i = 0; i < n; i++) {
		struct xdplb_vip v;
		int id = 0;

		if (lb_vip_get(lb, &jc[i].vip, &v))
			continue;
		if (jc[i].has_real &&
		    (id = lb_real_find(lb, v.id, jc[i].addr, jc[i].family, jc[i].port)) < 0)
			continue;
		e[m].key = (struct xdplb_check_key){ .vip_id = v.id, .real_id = id };
		e[m++].check = jc[i].check;
	}
	err = lb_checks_restore(lb, e, m);
	free(e);
	return err;
}

int lb_journal_recover(struct lb *lb)
{
	struct journal_check *checks = NULL;
	struct journal_head h;
	struct xdplb_config cfg;
	struct buf b = {};
	struct conf c;
	int err = lb_config_get(lb, &cfg);

	if (err || !cfg.journal)
		return err;
	err = journal_read(lb, cfg.journal, &b) ?: deserialize(lb, &b, &h, &c, &checks);
	if (err == -EBADMSG) {
		/* nothing to roll back to: say so (rb_err), and let the state be used again */
		lb->rb_err = err;
		err = lb_journal_end(lb);
		goto out;
	}
	if (err)
		goto out;
	err = lb_bulk_begin(lb);
	if (!err) {
		err = conf_sync(lb, &c);
		int e;

		err = err ?: checks_put_back(lb, checks, h.nchecks);
		e = lb_bulk_end(lb);
		err = err ? err : e;
	}
	conf_free(&c);
	if (!err) {
		lb->rolled_back = true;
		lb->rb_pid = h.pid;
		lb->rb_started = h.started;
		err = lb_journal_end(lb);
	}
out:
	free(checks);
	free(b.p);
	return err;
}
