// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What the data plane counts (per-CPU counters summed, connection counts), and the memory
 * the maps take. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

int zero_percpu(int fd, __u32 key, size_t value_size)
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

int percpu_sum(int fd, __u32 key, __u64 *sum, int nfields)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	memset(sum, 0, nfields * sizeof(__u64));
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
	for (int c = 0; c < ncpu; c++)
		for (int f = 0; f < nfields; f++)
			sum[f] += vals[c * nfields + f];
	free(vals);
	return 0;
}

#define NFIELDS(v) ((int)(sizeof(v) / sizeof(__u64)))

int lb_read_reason(struct lb *lb, __u32 reason, struct xdplb_counter *out)
{
	return percpu_sum(lb->fd.stats, reason, (__u64 *)out, NFIELDS(*out));
}

int lb_read_vip_traffic(struct lb *lb, __u32 vip_id, struct xdplb_traffic *out)
{
	return percpu_sum(lb->fd.vip_stats, vip_id, (__u64 *)out, NFIELDS(*out));
}

int lb_read_real_traffic(struct lb *lb, __u32 real_id, struct xdplb_traffic *out)
{
	return percpu_sum(lb->fd.real_stats, real_id, (__u64 *)out, NFIELDS(*out));
}

int lb_read_flow_event(struct lb *lb, __u32 ev, __u64 *out)
{
	return percpu_sum(lb->fd.flow_events, ev, out, 1);
}

int lb_read_conns(struct lb *lb, __u32 real_id, struct xdplb_conns *out)
{
	return percpu_sum(lb->fd.conns, real_id, (__u64 *)out, NFIELDS(*out));
}

bool sched_reads_conns(__u8 sched)
{
	return sched == XDPLB_SCHED_LC || sched == XDPLB_SCHED_WLC;
}

/*
 * The shared counts of backend @real_id (xdplb_lc_conns), which lc and wlc read: @on, kept
 * from now on, starting from the per-CPU counts of the moment; else not kept.  A flow that
 * changes state between the read of the per-CPU counts and the write here is missed by the
 * shared count (a scheduler change on a busy VIP: a few flows, until they end; lc reads a
 * count below 0 as 0).
 */
int conns_lc_set(struct lb *lb, __u32 real_id, bool on)
{
	struct xdplb_lc_conns lc = { .on = on };
	struct xdplb_conns c;

	if (on) {
		int err = lb_read_conns(lb, real_id, &c);

		if (err)
			return err;
		lc.active = c.active;
		lc.inactive = c.inactive;
	}
	return bpf_map_update_elem(lb->fd.lc_conns, &real_id, &lc, BPF_ANY) ? -errno : 0;
}

/* Bytes a map takes, as the kernel counts them (fdinfo "memlock"). */
static __u64 map_memory(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The scheduler tables: inner maps of xdplb_tables. */
static __u64 tables_memory(struct lb *lb)
{
	__u32 key, next, *prev = NULL, id;
	__u64 sum = 0;

	while (!bpf_map_get_next_key(lb->fd.tables, prev, &next)) {
		int fd;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(lb->fd.tables, &key, &id))
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		sum += map_memory(fd);
		close(fd);
	}
	return sum;
}

int lb_memory(struct lb *lb, struct lb_map_memory *out, int max)
{
	const struct {
		const char *name;
		int fd;
	} maps[] = {
		{ "vips", lb->fd.vips },
		{ "reals", lb->fd.reals },
		{ "tables", lb->fd.tables },
		{ "flows", lb->fd.flows },
		{ "flows6", lb->fd.flows6 },
		{ "real_vip", lb->fd.real_vip },
		{ "persist", lb->fd.persist },
		{ "conns", lb->fd.conns },
		{ "lc_conns", lb->fd.lc_conns },
		{ "rr", lb->fd.rr },
		{ "stats", lb->fd.stats },
		{ "vip_stats", lb->fd.vip_stats },
		{ "real_stats", lb->fd.real_stats },
		{ "config", lb->fd.config },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]) && n < max; i++)
		out[n++] = (struct lb_map_memory){ maps[i].name, map_memory(maps[i].fd) };
	if (n < max)
		out[n++] = (struct lb_map_memory){ "table_inner", tables_memory(lb) };
	return n;
}

bool lb_persist_percpu(struct lb *lb)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(lb->fd.persist, &info, &len) &&
	       (info.map_flags & BPF_F_NO_COMMON_LRU);
}
