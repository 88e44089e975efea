/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains every map of the balancer's XDP program.  Sizes here are defaults: the
 * loader sets max_entries before it creates the maps. */
#ifndef XDPLB_MAPS_H
#define XDPLB_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdplb_abi.h"

/* {addr, port, proto, family} -> VIP record. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPLB_DEF_MAX_VIPS);
	__type(key, struct xdplb_vip_key);
	__type(value, struct xdplb_vip);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_vips SEC(".maps");

/* backend id -> backend. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xdplb_real);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_reals SEC(".maps");

/*
 * VIP id -> that VIP's scheduler table (slot 0 = length L, slots 1..L = backend ids).
 *
 * Double buffering by map-in-map: userspace builds a complete new inner array and replaces the
 * outer slot in one update, so a packet sees either the old table or the new one, never a
 * mix.  BPF_F_INNER_MAP lets inner arrays differ in size, so each VIP pays only for its own
 * table (a fixed [max_vips][2][M] array would cost 2 GiB at 4096 VIPs and M = 65537).
 * BPF_F_MMAPABLE: the control plane fills a new table with one copy instead of a batch update
 * of every slot (loader/lib/tables.c).
 */
struct xdplb_table_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XDPLB_DEF_MAX_VIPS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct xdplb_table_inner); /* must be the last member */
} xdplb_tables SEC(".maps");

/* The IPv4 flow table: set -> struct xdplb_flow_set4 (bpf/flow_table.h), whose slots hold
 * flows and NAT flows' reply entries (include/xdplb_abi.h).  The loader sizes it with
 * xdplb_flow_sets(). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_FLOWS * 55 / 128);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdplb_flow_set4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_flows SEC(".maps");

/* backend id -> the VIP address and port its NAT replies get back (struct xdplb_real_vip). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xdplb_real_vip);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_real_vip SEC(".maps");

/* The IPv6 flow table: like xdplb_flows, with struct xdplb_flow_key keys.  The loader sizes
 * it for a quarter of the IPv4 flows. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_FLOWS / 4);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xdplb_flow_set6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_flows6 SEC(".maps");

/* {client address, VIP id} -> backend, for persistent VIPs (ipvsadm -p). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDPLB_DEF_MAX_PERSIST);
	__type(key, struct xdplb_persist_key);
	__type(value, struct xdplb_persist);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_persist SEC(".maps");

/* backend id -> active/inactive flow counts, per CPU (each CPU's changes; a count is the sum
 * over the CPUs): what show, stats and metrics report.  Per CPU so that new flows on two CPUs
 * write no cache line in common. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xdplb_conns);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_conns SEC(".maps");

/* backend id -> the same counts, shared (atomic updates), kept only for the backends of lc
 * and wlc VIPs (their entry's `on`, written by the control plane): what those schedulers
 * read. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xdplb_lc_conns);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_lc_conns SEC(".maps");

/* VIP id -> round-robin position (shared; atomic increments) for rr/wrr. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_VIPS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_rr SEC(".maps");

/* enum xdplb_reason -> packets/bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_R_MAX);
	__type(key, __u32);
	__type(value, struct xdplb_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_stats SEC(".maps");

/* enum xdplb_flow_event -> count (per CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_FE_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_flow_events SEC(".maps");

/* VIP id -> traffic. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xdplb_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_vip_stats SEC(".maps");

/* backend id -> traffic. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xdplb_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_real_stats SEC(".maps");

/*
 * backend id -> next hop towards it, per CPU (no locking, no torn entries: an XDP program
 * does not migrate while it runs).  Not pinned: it is a cache of kernel state that each
 * loaded program rebuilds within a TTL; sized like xdplb_reals, and an id beyond it is just
 * looked up every time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xdplb_nh);
} xdplb_nexthop SEC(".maps");

/* backend id -> next hop towards an IPv6 backend, per CPU, like xdplb_nexthop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_DEF_MAX_REALS);
	__type(key, __u32);
	__type(value, struct xdplb_nh6);
} xdplb_nexthop6 SEC(".maps");

/*
 * hash of a client address -> next hop towards that client, per CPU, for NAT replies: a
 * direct-mapped cache (a collision just replaces the slot; the entry says which client it is
 * for).  Not pinned, like xdplb_nexthop.
 */
#define XDPLB_NH_CLIENT_SLOTS 4096 /* a power of 2 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_NH_CLIENT_SLOTS);
	__type(key, __u32);
	__type(value, struct xdplb_nh);
} xdplb_nh_client SEC(".maps");

/* The same for IPv6 clients (NAT66 replies), slot by client6_slot() (bpf/nat.h).  The
 * name keeps to the kernel's 15 characters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPLB_NH_CLIENT_SLOTS);
	__type(key, __u32);
	__type(value, struct xdplb_nh6);
} xdplb_nhclient6 SEC(".maps");

/*
 * [0] -> flow generation: the GC program (bpf/gc.h) adds 1 after every pass (flow flush, gc
 * of expired flows and of flows of removed backends), so that the per-CPU flow caches
 * (bpf/flow_cache.h) drop what they remember of them. Apart from the config on purpose: userspace
 * rewrites the whole config value, which could put back an older generation.  Pinned: every loaded
 * program and the GC must share it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_flowgen SEC(".maps");

/* [0] -> global settings. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdplb_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_config SEC(".maps");

/* Health check settings (per VIP, per backend), for `xdplb daemon`; the data plane never
 * reads them, they live here so that every xdplb process and a restarted daemon see them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XDPLB_DEF_MAX_VIPS + XDPLB_DEF_MAX_REALS);
	__type(key, struct xdplb_check_key);
	__type(value, struct xdplb_check);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_checks SEC(".maps");

/* The journal of a configuration change being applied (loader/lib/journal.c): the
 * configuration as it was before, in chunks, so that a change whose process dies half-way is
 * rolled back by the next xdplb that takes the state lock.  Empty but during a change; the
 * data plane never reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct xdplb_journal_chunk);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_journal SEC(".maps");

/* [0] -> the NAT reply filter (struct xdplb_nat_filter): which source addresses may be NAT
 * backends.  Written only by the control plane (loader/lib/nat.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdplb_nat_filter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_nat_src SEC(".maps");

/* [0] -> the live trace's switch and filters (struct xdplb_trace_ctl), written by xdplb
 * trace; its events go to xdplb_trace (bpf/trace.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdplb_trace_ctl);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_trace_ctl SEC(".maps");

/* The live trace's events (struct xdplb_trace_event), read by xdplb trace. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XDPLB_TRACE_RING);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_trace SEC(".maps");

#endif /* XDPLB_MAPS_H */
