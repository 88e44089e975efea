// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Route health injection: the host route (/32, /128, "dev lo") of every VIP address that this
 * node announces, in a kernel routing table of the daemon's own and tagged with a route
 * protocol of its own (xdplb_config.announce_table/announce_proto), over netlink with
 * libnl-route-3.  BIRD learns the table and exports the routes over BGP (docs/bird.conf);
 * nothing routes by that table.  Which VIPs is the library's rule (lib/announce.c).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include "daemon/routes.h"

struct routes {
	struct nl_sock *sk;
	int lo;
};

int routes_open(struct routes **out)
{
	struct routes *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->lo = if_nametoindex("lo");
	r->sk = nl_socket_alloc();
	if (!r->sk || !r->lo) {
		err = r->sk ? -ENODEV : -ENOMEM;
		goto fail;
	}
	err = nl_connect(r->sk, NETLINK_ROUTE);
	if (err) {
		err = -EIO;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	if (r->sk)
		nl_socket_free(r->sk);
	free(r);
	return err;
}

void routes_close(struct routes *r)
{
	if (!r)
		return;
	nl_socket_free(r->sk);
	free(r);
}

/* libnl's error (a negative NLE_*) as an errno, near enough for a log line. */
static int nl_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_SUCCESS:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ESRCH;
	case NLE_PERM:
	case NLE_NOACCESS:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* A host route to @a in @table with @proto, "dev lo". */
static struct rtnl_route *host_route(struct routes *r, const struct route_addr *a, __u32 table,
				     __u32 proto)
{
	int fam = a->family == XDPLB_AF_INET6 ? AF_INET6 : AF_INET;
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_build(fam, a->addr, fam == AF_INET6 ? 16 : 4);

	if (!rt || !nh || !dst) {
		rtnl_route_put(rt);
		rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		return NULL;
	}
	nl_addr_set_prefixlen(dst, fam == AF_INET6 ? 128 : 32);
	rtnl_route_set_family(rt, fam);
	rtnl_route_set_table(rt, table);
	rtnl_route_set_protocol(rt, proto);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_scope(rt, RT_SCOPE_LINK);
	rtnl_route_set_dst(rt, dst);
	nl_addr_put(dst);
	rtnl_route_nh_set_ifindex(nh, r->lo);
	rtnl_route_add_nexthop(rt, nh);
	return rt;
}

int routes_set(struct routes *r, const struct route_addr *a, __u32 table, __u32 proto, bool add)
{
	struct rtnl_route *rt = host_route(r, a, table, proto);
	int err;

	if (!rt)
		return -ENOMEM;
	err = add ? rtnl_route_add(r->sk, rt, NLM_F_CREATE | NLM_F_REPLACE)
		  : rtnl_route_delete(r->sk, rt, 0);
	rtnl_route_put(rt);
	err = nl_errno(err);
	return !add && err == -ESRCH ? 0 : err; /* gone already: withdrawn */
}

struct list_ctx {
	__u32 table, proto;
	struct route_addr *out;
	int n, max;
};

static void list_one(struct nl_object *obj, void *arg)
{
	struct rtnl_route *rt = (struct rtnl_route *)obj;
	struct list_ctx *c = arg;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	int fam = rtnl_route_get_family(rt);
	unsigned int len = fam == AF_INET6 ? 16 : 4;

	if (rtnl_route_get_table(rt) != c->table || rtnl_route_get_protocol(rt) != c->proto ||
	    !dst || (fam != AF_INET && fam != AF_INET6) || nl_addr_get_len(dst) != len ||
	    nl_addr_get_prefixlen(dst) != len * 8)
		return;
	if (c->n < c->max) {
		struct route_addr *a = &c->out[c->n];

		memset(a, 0, sizeof(*a));
		memcpy(a->addr, nl_addr_get_binary_addr(dst), len);
		a->family = fam == AF_INET6 ? XDPLB_AF_INET6 : XDPLB_AF_INET;
	}
	c->n++;
}

int routes_list(struct routes *r, __u32 table, __u32 proto, struct route_addr *out, int max)
{
	struct list_ctx c = { .table = table, .proto = proto, .out = out, .max = max };
	struct nl_cache *cache;
	int err = rtnl_route_alloc_cache(r->sk, AF_UNSPEC, 0, &cache);

	if (err)
		return nl_errno(err);
	nl_cache_foreach(cache, list_one, &c);
	nl_cache_free(cache);
	return c.n;
}
