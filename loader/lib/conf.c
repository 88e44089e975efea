// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configuration in memory: loading it from the maps, changing it, writing it back. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "lib/conf.h"
#include "util/common.h"

/* FNV-1a over the bytes of a key. */
static __u64 hash_bytes(__u64 h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#define HASH_INIT 0xcbf29ce484222325ull

static __u64 real_hash(__u32 vi, const __be32 addr[4], __u8 family, __be16 port)
{
	__u64 h = hash_bytes(HASH_INIT, &vi, sizeof(vi));

	h = hash_bytes(h, addr, 16);
	h = hash_bytes(h, &family, 1);
	return hash_bytes(h, &port, 2);
}

static bool real_key_eq(const struct xdplb_real *r, const __be32 addr[4], __u8 family, __be16 port)
{
	return r->family == family && r->port == port && !memcmp(r->addr, addr, 16);
}

/* Index slot of VIP @key: its entry, or the empty slot where it would go. */
static __u32 *vidx_slot(const struct conf *c, const struct xdplb_vip_key *key)
{
	__u32 mask = c->vidx_size - 1, i = hash_bytes(HASH_INIT, key, sizeof(*key)) & mask;

	while (c->vidx[i] && memcmp(&c->vips[c->vidx[i] - 1].key, key, sizeof(*key)))
		i = (i + 1) & mask;
	return &c->vidx[i];
}

static __u64 *ridx_slot(const struct conf *c, __u32 vi, const __be32 addr[4], __u8 family,
			__be16 port)
{
	__u32 mask = c->ridx_size - 1, i = real_hash(vi, addr, family, port) & mask;

	for (;; i = (i + 1) & mask) {
		__u64 e = c->ridx[i];
		const struct conf_real *r;

		if (!e)
			return &c->ridx[i];
		r = &c->vips[(e - 1) >> 32].reals[(e - 1) & 0xffffffff];
		if ((e - 1) >> 32 == vi && real_key_eq(&r->r, addr, family, port))
			return &c->ridx[i];
	}
}

/* (Re)build both indexes for at least @vips VIPs and @reals backend entries. */
static int index_rebuild(struct conf *c, __u32 vips, __u32 reals)
{
	__u32 vs = 64, rs = 64;

	while (vs < 2 * vips)
		vs *= 2;
	while (rs < 2 * reals)
		rs *= 2;
	free(c->vidx);
	free(c->ridx);
	c->vidx = calloc(vs, sizeof(*c->vidx));
	c->ridx = calloc(rs, sizeof(*c->ridx));
	if (!c->vidx || !c->ridx)
		return -ENOMEM;
	c->vidx_size = vs;
	c->ridx_size = rs;
	c->ridx_used = 0;
	for (int i = 0; i < c->nvips; i++) {
		struct conf_vip *v = &c->vips[i];

		*vidx_slot(c, &v->key) = i + 1;
		for (int j = 0; j < v->nreals; j++) {
			const struct xdplb_real *r = &v->reals[j].r;

			*ridx_slot(c, i, r->addr, r->family, r->port) = ((__u64)i << 32 | j) + 1;
			c->ridx_used++;
		}
	}
	return 0;
}

static void conf_zero(struct conf *c)
{
	memset(c, 0, sizeof(*c));
}

int conf_init_empty(struct conf *c, const struct xdplb_config *cfg, __u32 max_vips, __u32 max_reals)
{
	conf_zero(c);
	c->cfg = *cfg;
	/* ids 1..max-1: id 0 means "none" in the maps */
	c->max_vips = max_vips - 1;
	c->max_reals = max_reals - 1;
	c->max_reals_per_vip = lb_max_reals_per_vip(&c->cfg);
	return index_rebuild(c, 0, 0);
}

int conf_init(struct conf *c, struct lb *lb)
{
	struct xdplb_config cfg;
	int err;

	conf_zero(c);
	err = lb_config_get(lb, &cfg);
	if (err)
		return err;
	return conf_init_empty(c, &cfg, lb->max_vips, lb->max_reals);
}

void conf_free(struct conf *c)
{
	for (int i = 0; i < c->nvips; i++)
		free(c->vips[i].reals);
	free(c->vips);
	free(c->vidx);
	free(c->ridx);
	conf_zero(c);
}

int conf_copy(struct conf *dst, const struct conf *src)
{
	*dst = *src;
	dst->vips = calloc(src->cap ?: 1, sizeof(*dst->vips));
	dst->vidx = malloc(src->vidx_size * sizeof(*dst->vidx));
	dst->ridx = malloc(src->ridx_size * sizeof(*dst->ridx));
	if (!dst->vips || !dst->vidx || !dst->ridx)
		goto fail;
	memcpy(dst->vidx, src->vidx, src->vidx_size * sizeof(*dst->vidx));
	memcpy(dst->ridx, src->ridx, src->ridx_size * sizeof(*dst->ridx));
	for (int i = 0; i < src->nvips; i++) {
		struct conf_vip *v = &dst->vips[i];

		*v = src->vips[i];
		v->reals = calloc(v->cap ?: 1, sizeof(*v->reals));
		if (!v->reals)
			goto fail;
		memcpy(v->reals, src->vips[i].reals, v->nreals * sizeof(*v->reals));
	}
	return 0;
fail:
	dst->nvips = 0; /* free only what was allocated */
	for (int i = 0; i < src->nvips; i++)
		free(dst->vips ? dst->vips[i].reals : NULL);
	free(dst->vips);
	free(dst->vidx);
	free(dst->ridx);
	conf_zero(dst);
	return -ENOMEM;
}

struct conf_vip *conf_vip_find(struct conf *c, const struct xdplb_vip_key *key)
{
	__u32 e = *vidx_slot(c, key);

	return e && !c->vips[e - 1].gone ? &c->vips[e - 1] : NULL;
}

struct conf_real *conf_real_find(struct conf *c, struct conf_vip *v, const __be32 addr[4],
				 __u8 family, __be16 port)
{
	__u64 e = *ridx_slot(c, v - c->vips, addr, family, port);
	struct conf_real *r;

	if (!e)
		return NULL;
	r = &v->reals[(e - 1) & 0xffffffff];
	return r->gone ? NULL : r;
}

struct conf_vip *conf_vip_add(struct conf *c, const struct xdplb_vip_key *key,
			      const struct xdplb_vip *vip, int line)
{
	__u32 *slot = vidx_slot(c, key);
	struct conf_vip *v;

	if (*slot) { /* deleted earlier: revive the entry (its backends stay deleted) */
		v = &c->vips[*slot - 1];
	} else {
		if (c->nvips == c->cap) {
			int cap = c->cap ? 2 * c->cap : 64;
			struct conf_vip *n = realloc(c->vips, cap * sizeof(*n));

			if (!n)
				return NULL;
			c->vips = n;
			c->cap = cap;
		}
		if (2 * (__u32)(c->nvips + 1) > c->vidx_size) {
			if (index_rebuild(c, c->nvips + 1, c->ridx_used))
				return NULL;
			slot = vidx_slot(c, key);
		}
		v = &c->vips[c->nvips];
		memset(v, 0, sizeof(*v));
		v->key = *key;
		*slot = ++c->nvips;
	}
	v->vip = *vip;
	v->gone = false;
	v->mark = false;
	v->line = line;
	c->live++;
	return v;
}

int conf_vip_del(struct conf *c, struct conf_vip *v)
{
	for (int j = 0; j < v->nreals; j++)
		if (!v->reals[j].gone)
			conf_real_del(c, v, &v->reals[j]);
	v->gone = true;
	c->live--;
	return 0;
}

struct conf_real *conf_real_add(struct conf *c, struct conf_vip *v, const struct xdplb_real *r,
				int line)
{
	__u32 vi = v - c->vips;
	__u64 *slot = ridx_slot(c, vi, r->addr, r->family, r->port);
	struct conf_real *cr;

	if (*slot) {
		cr = &v->reals[(*slot - 1) & 0xffffffff];
	} else {
		if (v->nreals == v->cap) {
			int cap = v->cap ? 2 * v->cap : 8;
			struct conf_real *n = realloc(v->reals, cap * sizeof(*n));

			if (!n)
				return NULL;
			v->reals = n;
			v->cap = cap;
		}
		if (2 * (c->ridx_used + 1) > c->ridx_size) {
			if (index_rebuild(c, c->nvips, c->ridx_used + 1))
				return NULL;
			slot = ridx_slot(c, vi, r->addr, r->family, r->port);
		}
		cr = &v->reals[v->nreals];
		*slot = ((__u64)vi << 32 | v->nreals) + 1;
		v->nreals++;
		c->ridx_used++;
	}
	memset(cr, 0, sizeof(*cr));
	cr->r = *r;
	cr->line = line;
	v->live++;
	c->reals_live++;
	return cr;
}

void conf_real_del(struct conf *c, struct conf_vip *v, struct conf_real *r)
{
	r->gone = true;
	v->live--;
	c->reals_live--;
}

int conf_load(struct conf *c, struct lb *lb)
{
	struct lb_vip_entry *vips = NULL;
	struct xdplb_real *reals = NULL;
	__u32 *by_id = NULL; /* VIP id -> vips[] index + 1 */
	int n, err;

	err = conf_init(c, lb);
	if (err)
		return err;
	n = lb_vip_list_alloc(lb, &vips);
	if (n < 0) {
		conf_free(c);
		return n;
	}
	by_id = calloc(lb->max_vips, sizeof(*by_id));
	reals = lb_reals_snapshot(lb);
	if (!by_id || !reals) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!conf_vip_add(c, &vips[i].key, &vips[i].vip, 0)) {
			err = -ENOMEM;
			goto out;
		}
		if (vips[i].vip.id < lb->max_vips)
			by_id[vips[i].vip.id] = c->nvips;
	}
	for (__u32 id = 1; id < lb->max_reals; id++) {
		const struct xdplb_real *r = &reals[id];
		struct conf_real *cr;

		if (!(r->flags & XDPLB_REAL_F_USED) || r->vip_id >= lb->max_vips ||
		    !by_id[r->vip_id])
			continue;
		cr = conf_real_add(c, &c->vips[by_id[r->vip_id] - 1], r, 0);
		if (!cr) {
			err = -ENOMEM;
			goto out;
		}
		cr->id = id;
	}
out:
	free(vips);
	free(by_id);
	free(reals);
	if (err)
		conf_free(c);
	return err;
}

static int addr_cmp(__u8 fa, const __be32 *a, __be16 pa, __u8 fb, const __be32 *b, __be16 pb)
{
	int d;

	if (fa != fb)
		return fa < fb ? -1 : 1;
	d = memcmp(a, b, 16); /* network order: bytewise is numeric */
	if (d)
		return d;
	return ntohs(pa) < ntohs(pb) ? -1 : ntohs(pa) > ntohs(pb);
}

static int vip_cmp(const void *x, const void *y)
{
	const struct xdplb_vip_key *a = &((const struct conf_vip *)x)->key;
	const struct xdplb_vip_key *b = &((const struct conf_vip *)y)->key;

	return addr_cmp(a->family, a->addr, a->port, b->family, b->addr, b->port)
		   ?: (a->proto > b->proto) - (a->proto < b->proto);
}

static int real_cmp(const void *x, const void *y)
{
	const struct xdplb_real *a = &((const struct conf_real *)x)->r;
	const struct xdplb_real *b = &((const struct conf_real *)y)->r;

	return addr_cmp(a->family, a->addr, a->port, b->family, b->addr, b->port);
}

void conf_sort(struct conf *c)
{
	int n = 0;

	/* drop deleted entries, then sort */
	for (int i = 0; i < c->nvips; i++) {
		struct conf_vip *v = &c->vips[i];
		int m = 0;

		if (v->gone) {
			free(v->reals);
			continue;
		}
		for (int j = 0; j < v->nreals; j++)
			if (!v->reals[j].gone)
				v->reals[m++] = v->reals[j];
		v->nreals = m;
		qsort(v->reals, m, sizeof(*v->reals), real_cmp);
		c->vips[n++] = *v;
	}
	c->nvips = n;
	qsort(c->vips, n, sizeof(*c->vips), vip_cmp);
	index_rebuild(c, c->nvips, c->reals_live);
}

const char *conf_real_refusal(const struct xdplb_vip_key *key, const struct xdplb_vip *vip,
			      const struct xdplb_real *r, char *buf, size_t len)
{
	const char *mode = vip->mode < XDPLB_MODE_MAX ? mode_names[vip->mode] : "?";

	if (key->family == XDPLB_AF_INET6 && r->family != XDPLB_AF_INET6)
		snprintf(buf, len, "an IPv6 VIP cannot have an IPv4 backend");
	else if (key->family == XDPLB_AF_INET && r->family == XDPLB_AF_INET6 &&
		 vip->mode != XDPLB_MODE_TUN)
		snprintf(buf, len,
			 "mode %s needs backends of the VIP's family (only tun sends an IPv4 VIP's "
			 "packets to an IPv6 backend, IPv4-in-IPv6)",
			 mode);
	else if (vip->mode == XDPLB_MODE_NAT && (vip->flags & XDPLB_VIP_F_L3HASH) && r->port &&
		 r->port != key->port)
		snprintf(buf, len,
			 "hash l3: a nat VIP's backends keep its port (fragments carry no port "
			 "to map)");
	else
		return NULL;
	return buf;
}

bool conf_no_tunsrc6(const struct xdplb_config *cfg, const struct xdplb_vip *vip,
		     const struct xdplb_real *r)
{
	return vip->mode == XDPLB_MODE_TUN && r->family == XDPLB_AF_INET6 &&
	       !(cfg->tun_src6[0] | cfg->tun_src6[1] | cfg->tun_src6[2] | cfg->tun_src6[3]);
}

bool conf_real_same(const struct xdplb_real *a, const struct xdplb_real *b)
{
	return real_key_eq(a, b->addr, b->family, b->port) && a->weight == b->weight &&
	       (a->flags & ~XDPLB_REAL_F_USED) == (b->flags & ~XDPLB_REAL_F_USED);
}

bool conf_vip_same(const struct xdplb_vip *a, const struct xdplb_vip *b)
{
	/* every field but the id is configuration (options added later too) */
	struct xdplb_vip x = *a, y = *b;

	x.id = y.id = 0;
	return !memcmp(&x, &y, sizeof(x));
}

void conf_settings_copy(struct xdplb_config *dst, const struct xdplb_config *src)
{
	dst->tun_src4 = src->tun_src4;
	memcpy(dst->tun_src6, src->tun_src6, sizeof(dst->tun_src6));
	dst->tcp_timeout = src->tcp_timeout;
	dst->tcpfin_timeout = src->tcpfin_timeout;
	dst->udp_timeout = src->udp_timeout;
	dst->synrecv_timeout = src->synrecv_timeout;
	dst->mtu = src->mtu;
	dst->announce_table = src->announce_table;
	dst->announce_proto = src->announce_proto;
	dst->flags = (dst->flags & ~CONF_SETTING_FLAGS) | (src->flags & CONF_SETTING_FLAGS);
}

static int first_err(int err, int e)
{
	return err ?: e;
}

/* Backends of @t that @cur lacks or has otherwise are (re)added; extra ones deleted. */
static int sync_reals(struct lb *lb, struct conf *cur, struct conf_vip *cv, const struct conf *tc,
		      const struct conf_vip *tv)
{
	struct conf *t = (struct conf *)tc; /* lookups only */
	int err = 0;

	for (int j = 0; cv && j < cv->nreals; j++) {
		struct conf_real *r = &cv->reals[j], *want;

		if (r->gone)
			continue;
		want = conf_real_find(t, (struct conf_vip *)tv, r->r.addr, r->r.family, r->r.port);
		if (want && conf_real_same(&want->r, &r->r))
			continue;
		if (want && real_key_eq(&want->r, r->r.addr, r->r.family, r->r.port) &&
		    (want->r.flags & ~XDPLB_REAL_F_USED) == (r->r.flags & ~XDPLB_REAL_F_USED)) {
			err =
			    first_err(err, lb_real_set_weight(lb, &tv->key, r->r.addr, r->r.family,
							      r->r.port, want->r.weight));
			continue;
		}
		err = first_err(err, lb_real_del(lb, &tv->key, r->r.addr, r->r.family, r->r.port));
		conf_real_del(cur, cv, r);
	}
	for (int j = 0; j < tv->nreals; j++) {
		const struct conf_real *want = &tv->reals[j];

		if (want->gone ||
		    (cv && conf_real_find(cur, cv, want->r.addr, want->r.family, want->r.port)))
			continue;
		err = first_err(err, lb_real_add(lb, &tv->key, &want->r));
	}
	return err;
}

int conf_sync(struct lb *lb, const struct conf *target)
{
	struct conf *t = (struct conf *)target; /* lookups only */
	struct xdplb_config cfg;
	struct conf cur;
	int err = conf_load(&cur, lb);

	if (err)
		return err;
	for (int i = 0; i < cur.nvips; i++) {
		struct conf_vip *v = &cur.vips[i];

		if (!v->gone && !conf_vip_find(t, &v->key))
			err = first_err(err, lb_vip_del(lb, &v->key));
	}
	for (int i = 0; i < t->nvips; i++) {
		const struct conf_vip *tv = &t->vips[i];
		struct conf_vip *cv;

		if (tv->gone)
			continue;
		cv = conf_vip_find(&cur, &tv->key);
		if (!cv) {
			int e = lb_vip_add(lb, &tv->key, &tv->vip);

			err = first_err(err, e);
			if (!e)
				err = first_err(err, sync_reals(lb, &cur, NULL, t, tv));
			continue;
		}
		/* Backends first: a mode without port mapping must not meet a mapped port. */
		if (!conf_vip_same(&cv->vip, &tv->vip)) {
			struct xdplb_vip p = tv->vip;

			if (p.mode == XDPLB_MODE_NAT) {
				err = first_err(err, lb_vip_set(lb, &tv->key, &p));
				err = first_err(err, sync_reals(lb, &cur, cv, t, tv));
			} else {
				err = first_err(err, sync_reals(lb, &cur, cv, t, tv));
				err = first_err(err, lb_vip_set(lb, &tv->key, &p));
			}
		} else {
			err = first_err(err, sync_reals(lb, &cur, cv, t, tv));
		}
	}
	if (!lb_config_get(lb, &cfg)) {
		struct xdplb_config want = cfg;

		conf_settings_copy(&want, &t->cfg);
		if (memcmp(&want, &cfg, sizeof(cfg)))
			err = first_err(err, lb_config_set(lb, &want));
	}
	conf_free(&cur);
	return err;
}

int conf_traffic_read(struct lb *lb, const struct conf *c, struct conf_traffic *t)
{
	if (!t->vip)
		t->vip = calloc(c->nvips ?: 1, sizeof(*t->vip));
	if (!t->real)
		t->real = calloc(lb->max_reals, sizeof(*t->real));
	if (!t->vip || !t->real)
		return -ENOMEM;
	for (int i = 0; i < c->nvips; i++) {
		lb_read_vip_traffic(lb, c->vips[i].vip.id, &t->vip[i]);
		for (int j = 0; j < c->vips[i].nreals; j++) {
			__u32 id = c->vips[i].reals[j].id;

			lb_read_real_traffic(lb, id, &t->real[id]);
		}
	}
	return 0;
}

void conf_traffic_free(struct conf_traffic *t)
{
	free(t->vip);
	free(t->real);
	t->vip = t->real = NULL;
}

/* Backends in the digest's order: family, address, port. */
static int digest_real_cmp(const void *x, const void *y)
{
	const struct xdplb_real *a = x, *b = y;

	return addr_cmp(a->family, a->addr, a->port, b->family, b->addr, b->port);
}

__u64 conf_vip_digest(const struct conf_vip *v, __u32 ring)
{
	struct xdplb_real *rs = calloc(v->nreals + 1, sizeof(*rs));
	__u64 h = HASH_INIT;
	int n = 0;

	h = hash_bytes(h, &v->key, sizeof(v->key));
	h = hash_bytes(h, &v->vip.mode, sizeof(v->vip.mode));
	h = hash_bytes(h, &v->vip.sched, sizeof(v->vip.sched));
	h = hash_bytes(h, &v->vip.flags, sizeof(v->vip.flags));
	h = hash_bytes(h, &v->vip.persist, sizeof(v->vip.persist));
	h = hash_bytes(h, &v->vip.quorum, sizeof(v->vip.quorum));
	h = hash_bytes(h, &v->vip.hysteresis, sizeof(v->vip.hysteresis));
	h = hash_bytes(h, &ring, sizeof(ring));
	for (int j = 0; rs && j < v->nreals; j++)
		if (!v->reals[j].gone)
			rs[n++] = v->reals[j].r;
	if (rs)
		qsort(rs, n, sizeof(*rs), digest_real_cmp);
	for (int j = 0; j < n; j++) {
		__u16 sorry = rs[j].flags & XDPLB_REAL_F_SORRY;

		h = hash_bytes(h, rs[j].addr, sizeof(rs[j].addr));
		h = hash_bytes(h, &rs[j].port, sizeof(rs[j].port));
		h = hash_bytes(h, &rs[j].family, sizeof(rs[j].family));
		h = hash_bytes(h, &rs[j].weight, sizeof(rs[j].weight));
		h = hash_bytes(h, &sorry, sizeof(sorry));
	}
	free(rs);
	return rs || !v->nreals ? h : 0;
}
