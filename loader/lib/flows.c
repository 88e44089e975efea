// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The flow tables: sizing them, reading and forgetting flows, walking them, and the GC. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

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
		bpf_map__set_max_entries(m, xdplb_flow_sets(flows, false));
	if ((m = bpf_object__find_map_by_name(obj, "xdplb_flows6")))
		bpf_map__set_max_entries(m, xdplb_flow_sets(flows6, true));
	if (percpu_lru && (m = bpf_object__find_map_by_name(obj, "xdplb_persist")))
		bpf_map__set_map_flags(m, bpf_map__map_flags(m) | BPF_F_NO_COMMON_LRU);
}

bool lb_flow_slot(const union lb_flow_set *s, bool v6, int i, struct xdplb_flow_key *key,
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

struct xdplb_flow_key4 key4_of(const struct xdplb_flow_key *key)
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
int set_find(int fd, const struct xdplb_flow_key *key, __u32 *idx, union lb_flow_set *set,
	     struct xdplb_flow *out)
{
	bool v6 = key->family == XDPLB_AF_INET6;
	struct xdplb_flow_key4 k4 = key4_of(key);
	struct xdplb_flow_key k;
	bool reply = key->pad[0] & XDPLB_KEY_REPLY;

	*idx = v6 ? xdplb_key_set6(key, reply, map_max_entries(fd))
		  : xdplb_key_set4(&k4, reply, map_max_entries(fd));
	if (bpf_map_lookup_elem(fd, idx, set))
		return -errno;
	for (int i = 0; lb_flow_slot(set, v6, i, &k, out); i++)
		if (lb_flow_live(out->state) && !memcmp(&k, key, sizeof(k)))
			return i;
	return -ENOENT;
}

/* set_find() in the flow table of @key's family (its fd into @fd). */
static int flow_find(struct lb *lb, const struct xdplb_flow_key *key, int *fd, __u32 *idx,
		     union lb_flow_set *set, struct xdplb_flow *out)
{
	*fd = key->family == XDPLB_AF_INET6 ? lb->fd.flows6 : lb->fd.flows;
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
		int fd = v6 ? lb->fd.flows6 : lb->fd.flows;
		size_t vsize = v6 ? sizeof(struct xdplb_flow_set6) : sizeof(struct xdplb_flow_set4);
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		__u32 in, out, got;
		void *from = NULL; /* the first batch starts at set 0 */
		bool last = false;

		/* batches of sets: one syscall per set would take seconds on millions */
		while (!last && !err) {
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
					if (lb_flow_live(f.state) && !(k.pad[0] & XDPLB_KEY_REPLY))
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
	if (bpf_prog_test_run_opts(lb->fd.gc_prog, &topts))
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
