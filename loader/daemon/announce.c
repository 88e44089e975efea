// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The announcer: which VIP addresses this node announces, kept in step with the maps.  An
 * address is announced while the node may announce (xdplb attached somewhere, not drained,
 * a table set with `config set announce`) and at least one of its VIPs has quorum
 * (lb_announce_plan()); its route goes when none has.  At start the routes already in the
 * table (a restarted daemon's) are adopted, so a restart withdraws nothing that should stay.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/routes.h"
#include "lib/lb.h"
#include "util/common.h"

struct announcer {
	struct routes *rt;
	announce_log_fn log;
	__u32 table, proto; /* where the held routes are; table 0: none */
	bool adopted;	    /* the table's routes were read since table/proto were set */
	struct route_addr *held;
	int nheld, cap;
};

int announcer_new(struct announcer **out, announce_log_fn log)
{
	struct announcer *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	err = routes_open(&a->rt);
	if (err) {
		free(a);
		return err;
	}
	a->log = log;
	*out = a;
	return 0;
}

void announcer_free(struct announcer *a)
{
	if (!a)
		return;
	routes_close(a->rt);
	free(a->held);
	free(a);
}

static bool same_addr(const struct route_addr *x, const __be32 addr[4], __u8 family)
{
	return x->family == family && !memcmp(x->addr, addr, 16);
}

static int held_find(const struct announcer *a, const __be32 addr[4], __u8 family)
{
	for (int i = 0; i < a->nheld; i++)
		if (same_addr(&a->held[i], addr, family))
			return i;
	return -1;
}

static int held_add(struct announcer *a, const struct route_addr *r)
{
	if (a->nheld == a->cap) {
		int cap = a->cap ? 2 * a->cap : 16;
		struct route_addr *h = realloc(a->held, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		a->held = h;
		a->cap = cap;
	}
	a->held[a->nheld++] = *r;
	return 0;
}

static const char *addr_str(const struct route_addr *r, char *buf, size_t len)
{
	return fmt_addr(r->addr, r->family, buf, len);
}

void announcer_withdraw_all(struct announcer *a)
{
	char s[64];

	for (int i = 0; i < a->nheld; i++) {
		int err = routes_set(a->rt, &a->held[i], a->table, a->proto, false);

		if (err)
			a->log("withdraw %s: %s", addr_str(&a->held[i], s, sizeof(s)),
			       strerror(-err));
		else
			a->log("withdraw %s: the daemon stops",
			       addr_str(&a->held[i], s, sizeof(s)));
	}
	a->nheld = 0;
}

/* Read the routes of the table as they are (a daemon before this one put them there). */
static int adopt(struct announcer *a)
{
	struct route_addr *got;
	int n = routes_list(a->rt, a->table, a->proto, NULL, 0), err = 0;

	if (n <= 0)
		return n;
	got = calloc(n, sizeof(*got));
	if (!got)
		return -ENOMEM;
	n = routes_list(a->rt, a->table, a->proto, got, n);
	for (int i = 0; i < n && !err; i++)
		err = held_add(a, &got[i]);
	free(got);
	if (!err && n > 0)
		a->log("announce: %d route%s found in table %u (proto %u), kept while wanted", n,
		       n == 1 ? "" : "s", a->table, a->proto);
	return err;
}

/* Why the node announces nothing, or NULL. */
static const char *node_why(const struct xdplb_config *cfg, bool attached)
{
	if (cfg->flags & XDPLB_CFG_F_DRAINED)
		return "node drained";
	if (!attached)
		return "xdplb is attached to no interface";
	return NULL;
}

int announcer_sync(struct announcer *a, struct lb *lb, bool attached, bool reassert)
{
	struct lb_announce *plan = NULL;
	struct lb_vip_entry *vips = NULL;
	struct xdplb_config cfg;
	__u8 *was = NULL;
	char s[64], svc[80];
	const char *why;
	int n, err = lb_config_get(lb, &cfg);

	if (err)
		return err;
	if (cfg.announce_table != a->table || cfg.announce_proto != a->proto) {
		announcer_withdraw_all(a); /* from the old table */
		a->table = cfg.announce_table;
		a->proto = cfg.announce_proto;
		a->adopted = false;
	}
	if (!a->table)
		return 0;
	if (!a->adopted) {
		err = adopt(a);
		if (err) {
			a->log("announce: read table %u: %s", a->table, strerror(-err));
			return err;
		}
		a->adopted = true;
	}
	why = node_why(&cfg, attached);
	was = calloc(lb->max_vips, 1);
	n = was ? lb_vip_list_alloc(lb, &vips) : -ENOMEM;
	if (n < 0)
		goto out;
	/* whether each VIP's address is announced now, for the hysteresis */
	for (int i = 0; i < n; i++)
		if (vips[i].vip.id < lb->max_vips)
			was[vips[i].vip.id] =
			    held_find(a, vips[i].key.addr, vips[i].key.family) >= 0;
	n = lb_announce_plan(lb, !why, was, &plan);
	if (n < 0)
		goto out;
	/* withdraw: held addresses none of whose VIPs wants them */
	for (int h = a->nheld - 1; h >= 0; h--) {
		const struct lb_announce *blame = NULL;
		bool want = false;

		for (int i = 0; i < n && !want; i++) {
			if (!same_addr(&a->held[h], plan[i].key.addr, plan[i].key.family))
				continue;
			want = plan[i].want;
			blame = blame ?: &plan[i];
		}
		if (want)
			continue;
		err = routes_set(a->rt, &a->held[h], a->table, a->proto, false);
		addr_str(&a->held[h], s, sizeof(s));
		if (err) {
			a->log("withdraw %s: %s", s, strerror(-err));
			continue;
		}
		if (why)
			a->log("withdraw %s: %s", s, why);
		else if (blame)
			a->log("withdraw %s: quorum lost (%s: %u up, quorum %u)", s,
			       fmt_service(&blame->key, svc, sizeof(svc)), blame->up,
			       blame->quorum);
		else
			a->log("withdraw %s: no VIP on it", s);
		a->held[h] = a->held[--a->nheld];
	}
	/* announce: addresses some VIP wants (each once) */
	for (int i = 0; i < n; i++) {
		struct route_addr r = { .family = plan[i].key.family };
		bool held = held_find(a, plan[i].key.addr, plan[i].key.family) >= 0;

		if (!plan[i].want || (held && !reassert))
			continue;
		memcpy(r.addr, plan[i].key.addr, sizeof(r.addr));
		err = routes_set(a->rt, &r, a->table, a->proto, true);
		addr_str(&r, s, sizeof(s));
		if (err) {
			a->log("announce %s: %s", s, strerror(-err));
			continue;
		}
		if (held)
			continue;
		err = held_add(a, &r);
		if (err)
			break;
		a->log("announce %s (%s: %u up, quorum %u)", s,
		       fmt_service(&plan[i].key, svc, sizeof(svc)), plan[i].up, plan[i].quorum);
	}
out:
	if (n < 0)
		err = n;
	free(plan);
	free(vips);
	free(was);
	return err;
}
