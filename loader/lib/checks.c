// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Health check settings in the maps (see lb.h); backend states are set in reals.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lib/internal.h"

void lb_check_defaults(struct xdplb_check *c)
{
	c->interval_ms = XDPLB_DEF_CHECK_INTERVAL_MS;
	c->timeout_ms = XDPLB_DEF_CHECK_TIMEOUT_MS;
	c->rise = XDPLB_DEF_CHECK_RISE;
	c->fall = XDPLB_DEF_CHECK_FALL;
}

int lb_check_get(struct lb *lb, __u32 vip_id, __u32 real_id, struct xdplb_check *c)
{
	struct xdplb_check_key k = { .vip_id = vip_id, .real_id = real_id };

	return bpf_map_lookup_elem(lb->fd.checks, &k, c) ? -errno : 0;
}

int lb_check_set(struct lb *lb, __u32 vip_id, __u32 real_id, const struct xdplb_check *c)
{
	struct xdplb_check_key k = { .vip_id = vip_id, .real_id = real_id };

	return bpf_map_update_elem(lb->fd.checks, &k, c, BPF_ANY) ? -errno : 0;
}

int lb_check_del(struct lb *lb, __u32 vip_id, __u32 real_id)
{
	struct xdplb_check_key k = { .vip_id = vip_id, .real_id = real_id };

	return bpf_map_delete_elem(lb->fd.checks, &k) ? -errno : 0;
}

void lb_check_forget(struct lb *lb, __u32 vip_id, __u32 real_id)
{
	struct xdplb_check_key k, next, *prev = NULL;
	struct xdplb_check_key *gone;
	size_t n = 0, cap = 64;

	if (real_id) {
		lb_check_del(lb, vip_id, real_id);
		return;
	}
	/* collect first: deleting while iterating a hash map may restart the walk */
	gone = malloc(cap * sizeof(*gone));
	while (gone && !bpf_map_get_next_key(lb->fd.checks, prev, &next)) {
		if (next.vip_id == vip_id) {
			if (n == cap) {
				struct xdplb_check_key *g = realloc(gone, 2 * cap * sizeof(*g));

				if (!g)
					break;
				gone = g;
				cap *= 2;
			}
			gone[n++] = next;
		}
		k = next;
		prev = &k;
	}
	for (size_t i = 0; gone && i < n; i++)
		bpf_map_delete_elem(lb->fd.checks, &gone[i]);
	free(gone);
}

int lb_check_effective(struct lb *lb, __u32 vip_id, __u32 real_id, struct xdplb_check *c)
{
	int err = lb_check_get(lb, vip_id, real_id, c);

	if (err == -ENOENT)
		err = lb_check_get(lb, vip_id, 0, c);
	return err;
}

struct lb_check_entry *lb_checks_snapshot(struct lb *lb, size_t *n)
{
	struct lb_check_entry *e = malloc(sizeof(*e)), *ne;
	struct xdplb_check_key k, cur;
	size_t cap = 1;
	bool first = true;

	*n = 0;
	if (!e)
		return NULL;
	while (!bpf_map_get_next_key(lb->fd.checks, first ? NULL : &cur, &k)) {
		cur = k;
		first = false;
		if (*n == cap) {
			cap *= 2;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				free(e);
				return NULL;
			}
			e = ne;
		}
		e[*n].key = k;
		if (!bpf_map_lookup_elem(lb->fd.checks, &k, &e[*n].check))
			(*n)++;
	}
	return e;
}

int lb_checks_restore(struct lb *lb, const struct lb_check_entry *e, size_t n)
{
	size_t cnt;
	struct lb_check_entry *now = lb_checks_snapshot(lb, &cnt);
	int err = 0;

	if (!now)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++)
		bpf_map_delete_elem(lb->fd.checks, &now[i].key);
	free(now);
	for (size_t i = 0; i < n && !err; i++)
		if (bpf_map_update_elem(lb->fd.checks, &e[i].key, &e[i].check, BPF_ANY))
			err = -errno;
	return err;
}
