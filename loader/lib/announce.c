// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Which VIPs a node announces (route health injection): the rule, from the maps.  The daemon
 * puts the routes in (loader/daemon/routes.c); `node show` prints the same plan. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/internal.h"

bool lb_vip_quorum(const struct xdplb_vip *v, __u32 up, bool announced)
{
	__u32 q = v->quorum ?: 1, h = v->hysteresis;

	if (announced) /* withdrawn below quorum - hysteresis, and never with none up */
		return up >= (q > h + 1 ? q - h : 1);
	return up >= q + h;
}

int lb_announce_plan(struct lb *lb, bool node_ok, const __u8 *was, struct lb_announce **out)
{
	struct lb_vip_entry *vips;
	struct xdplb_real *reals;
	__u32 *up = NULL;
	int n = lb_vip_list_alloc(lb, &vips);

	*out = NULL;
	if (n < 0)
		return n;
	reals = lb_reals_snapshot(lb);
	up = calloc(lb->max_vips, sizeof(*up));
	*out = calloc(n + 1, sizeof(**out));
	if (!reals || !up || !*out) {
		free(*out);
		*out = NULL;
		n = -ENOMEM;
		goto out;
	}
	/* backends that take new flows: up, weight > 0; sorry servers do not count */
	for (__u32 id = 1; id < lb->max_reals; id++) {
		const struct xdplb_real *r = &reals[id];

		if (idx_listed(lb, r) && r->state == XDPLB_REAL_UP && r->weight &&
		    !(r->flags & XDPLB_REAL_F_SORRY))
			up[r->vip_id]++;
	}
	for (int i = 0; i < n; i++) {
		struct lb_announce *a = &(*out)[i];
		__u32 id = vips[i].vip.id;
		bool before = was && id < lb->max_vips && was[id];

		a->key = vips[i].key;
		a->vip_id = id;
		a->up = id < lb->max_vips ? up[id] : 0;
		a->quorum = vips[i].vip.quorum ?: 1;
		a->hysteresis = vips[i].vip.hysteresis;
		a->quorum_ok = lb_vip_quorum(&vips[i].vip, a->up, before);
		a->want = node_ok && a->quorum_ok;
	}
out:
	free(up);
	free(reals);
	free(vips);
	return n;
}
