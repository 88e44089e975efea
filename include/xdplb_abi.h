/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the map keys and values that bpf/ and loader/ share (the ABI). */
#ifndef XDPLB_ABI_H
#define XDPLB_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif
#include "xdplb_consts.h"

/*
 * Addresses are 16 bytes for both families (IPv4 in addr[0], addr[1..3] zero), and all
 * addresses and ports are in network byte order.  Hash keys are compared bytewise, padding
 * included, so every key must be zeroed before it is filled.
 */

/* xdplb_vips key.  port 0 = every port of {addr, proto}. */
struct xdplb_vip_key {
	__be32 addr[4];
	__be16 port;
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family; /* XDPLB_AF_INET or XDPLB_AF_INET6 */
};
_Static_assert(sizeof(struct xdplb_vip_key) == 20, "ABI: xdplb_vip_key");

/* xdplb_vips value. */
struct xdplb_vip {
	__u32 id;      /* index into xdplb_tables and xdplb_vip_stats; 1..max_vips-1 */
	__u8 mode;     /* enum xdplb_mode */
	__u8 sched;    /* enum xdplb_sched */
	__u16 flags;   /* XDPLB_VIP_F_* */
	__u32 persist; /* seconds; 0 = off */
	/* Announcing the VIP's route (xdplb daemon, control plane only): while announced, until
	 * fewer than quorum - hysteresis backends are up; while not, from quorum + hysteresis
	 * on.  quorum 0 means 1. */
	__u16 quorum;
	__u16 hysteresis;
};
_Static_assert(sizeof(struct xdplb_vip) == 16, "ABI: xdplb_vip");

/* xdplb_reals value, indexed by backend id.  A backend belongs to one VIP, as an ipvsadm
 * real server belongs to one service. */
struct xdplb_real {
	__be32 addr[4];
	__be16 port; /* 0 = same port as the packet (tun/dr ignore it) */
	__u8 family;
	__u8 state;   /* enum xdplb_real_state */
	__u32 vip_id; /* owner VIP; 0 = slot free */
	__u32 weight; /* 0 = drain: no new flows, existing flows stay */
	__u16 flags;  /* XDPLB_REAL_F_* */
	__u16 gen;    /* bumped each time the id is given to a backend: a flow of an
		       * earlier holder of the id does not follow (nor count for) it */
	__u64 since;  /* CLOCK_MONOTONIC ns of the last state change */
};
_Static_assert(sizeof(struct xdplb_real) == 40, "ABI: xdplb_real");

/* A 5-tuple of either family (IPv4 in src[0], dst[0]): what the data plane parses a packet
 * into, and the key of the IPv6 flow and NAT tables (xdplb_flows6, xdplb_nat6). */
struct xdplb_flow_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};
_Static_assert(sizeof(struct xdplb_flow_key) == 40, "ABI: xdplb_flow_key");

/*
 * xdplb_flows and xdplb_nat key: an IPv4 5-tuple, as it arrives (from the client for
 * xdplb_flows, from the backend for xdplb_nat).  16 bytes rather than the 40 of a key with
 * room for IPv6: the kernel hashes and compares the whole key on every lookup, which made up
 * about a third of an established flow's cost over the floor.  IPv6 gets tables of its own.
 */
struct xdplb_flow_key4 {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xdplb_flow_key4) == 16, "ABI: xdplb_flow_key4");

/* A flow: the value part of a flow-table slot (below).  16 bytes, so that an IPv4 slot is 32:
 * eight to a 256-byte set, none across a cache line. */
struct xdplb_flow {
	__u32 real_id;
	__u32 state;  /* enum xdplb_flow_state; every change is a compare-and-swap, so that
		       * exactly one CPU (or the GC) does each transition's counting */
	__u16 vip_id; /* the VIP the flow was scheduled for (a VIP re-added with another
		       * id must not inherit it); VIP ids are below 65536 */
	__u16 gen;    /* xdplb_real.gen of real_id when the flow was scheduled */
	__u32 atime;  /* last packet, in ticks of bpf_ktime_get_coarse_ns() (xdplb_tick()),
		       * refreshed at most once a second */
};
_Static_assert(sizeof(struct xdplb_flow) == 16, "ABI: xdplb_flow");

/*
 * Flow times: bpf_ktime_get_coarse_ns() >> XDPLB_TICK_SHIFT, a tick of 16.8 ms, kept in 32
 * bits.  The count wraps after 2.28 years of uptime, so times are compared through their
 * signed difference (xdplb_ticks_since()): right while the two are less than 1.14 years apart,
 * and the GC frees every flow long before (timeouts are at most XDPLB_MAX_TIMEOUT).  Ordering
 * by raw tick (the set's eviction order) goes wrong once per wrap: for a timeout's length, a
 * full set may displace a newer flow before an older one.
 */
#define XDPLB_TICK_SHIFT 24

static inline __u32 xdplb_tick(__u64 ns)
{
	return (__u32)(ns >> XDPLB_TICK_SHIFT);
}

/* Nanoseconds at least between a stamp of tick @t and the time @now_ns: the time since the
 * end of tick t (0 when t is not before now's tick: another CPU's newer stamp, say).  At most
 * one tick less than the real time since the stamp. */
static inline __u64 xdplb_ticks_since(__u32 t, __u64 now_ns)
{
	__s32 d = (__s32)(xdplb_tick(now_ns) - t);

	if (d <= 0)
		return 0;
	return ((__u64)(d - 1) << XDPLB_TICK_SHIFT) + (now_ns & ((1ull << XDPLB_TICK_SHIFT) - 1));
}

/* Ticks after which a flow's atime is written again (just over a second): an established
 * flow's packets write it once a second at most, so its cache line stays shared. */
#define XDPLB_TICKS_REFRESH 60

/*
 * The flow tables xdplb_flows (IPv4) and xdplb_flows6 are arrays of sets of slots: a flow
 * lives in the set that xdplb_key_set4() / xdplb_key_set6() pick for its key, in any slot of
 * it.  256-byte sets (four cache lines, page-aligned by BPF_F_MMAPABLE): eight IPv4 slots of
 * 32 bytes, four IPv6 ones of 64.  bpf/flow_table.h says why and how slots are claimed and
 * freed, and how the tables are sized.
 *
 * A slot holds a flow (its key the packet's 5-tuple, client -> VIP) or a NAT flow's reply
 * entry (its key the reply's 5-tuple, backend -> client, with XDPLB_KEY_REPLY in pad[0];
 * its flow the forward flow's real_id, vip_id and gen, state ACTIVE, atime its last reply).
 * Both are placed by their client side alone, so a NAT flow and its reply entry share a set:
 * a new NAT flow touches one random set of the table, not two.  A reply entry counts for no
 * backend; an l3hash VIP's entry has ports 0 (the reply's port is left alone); what a reply
 * gets back comes from xdplb_real_vip[real_id].
 */
#define XDPLB_KEY_REPLY	 1 /* pad[0] of a key: a NAT reply entry's */
#define XDPLB_FLOW_WAYS4 8
#define XDPLB_FLOW_WAYS6 4

struct xdplb_flow_slot4 {
	struct xdplb_flow_key4 key;
	struct xdplb_flow f; /* f.state XDPLB_FLOW_FREE: no flow */
};
_Static_assert(sizeof(struct xdplb_flow_slot4) == 32, "ABI: xdplb_flow_slot4");

struct xdplb_flow_set4 {
	struct xdplb_flow_slot4 s[XDPLB_FLOW_WAYS4];
};
_Static_assert(sizeof(struct xdplb_flow_set4) == 256, "ABI: xdplb_flow_set4");

/* A cache line each: eight ways of 56-byte slots in 448-byte sets displaced 12 times fewer
 * flows at 25% less memory, but a new flow touched seven cache lines and took 15-22% longer
 * (bench -x, bench/RESULTS.md). */
struct xdplb_flow_slot6 {
	struct xdplb_flow_key key;
	struct xdplb_flow f;
	__u8 pad[8];
};
_Static_assert(sizeof(struct xdplb_flow_slot6) == 64, "ABI: xdplb_flow_slot6");

struct xdplb_flow_set6 {
	struct xdplb_flow_slot6 s[XDPLB_FLOW_WAYS6];
};
_Static_assert(sizeof(struct xdplb_flow_set6) == 256, "ABI: xdplb_flow_set6");

/*
 * How many slots a table gets per flow it is sized for: IPv4 55/16 (3.44: 110 bytes a flow),
 * IPv6 4 (256 bytes a flow).  A NAT flow takes two slots (its reply entry's), any other flow
 * one.  bpf/flow_table.h gives the displacement this costs before the table is full.
 */
#define XDPLB_FLOW_SLOTS4_NUM 55
#define XDPLB_FLOW_SLOTS4_DEN 16
#define XDPLB_FLOW_SLOTS6     4

/* Sets for a table of family @v6 sized for @flows flows. */
static inline __u32 xdplb_flow_sets(__u32 flows, bool v6)
{
	__u64 num = v6 ? XDPLB_FLOW_SLOTS6 : XDPLB_FLOW_SLOTS4_NUM;
	__u64 den = v6 ? XDPLB_FLOW_WAYS6 : (__u64)XDPLB_FLOW_SLOTS4_DEN * XDPLB_FLOW_WAYS4;
	__u64 sets = ((__u64)flows * num + den - 1) / den;

	return sets > 0xffffffffull ? 0xffffffffu : (__u32)sets;
}

/* The flows a table of @sets sets is sized for (the inverse of xdplb_flow_sets()). */
static inline __u32 xdplb_flow_capacity(__u32 sets, bool v6)
{
	__u64 flows =
	    v6 ? (__u64)sets * XDPLB_FLOW_WAYS6 / XDPLB_FLOW_SLOTS6
	       : (__u64)sets * XDPLB_FLOW_SLOTS4_DEN * XDPLB_FLOW_WAYS4 / XDPLB_FLOW_SLOTS4_NUM;

	return flows > 0xffffffffull ? 0xffffffffu : (__u32)flows;
}

/* Words of a key read through a type that may alias anything (the keys are structs). */
typedef __u32 __attribute__((may_alias)) xdplb_word_t;

static inline __u32 xdplb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* The set of a flow key of @words 32-bit words (a struct xdplb_flow_key4: 4, a struct
 * xdplb_flow_key: 10) in a table of @sets sets.  The packet path and userspace both use it.
 * Murmur3's 32-bit body and finaliser (a lighter multiplicative mix clustered the flows of
 * one client's consecutive ports), then the top bits scaled to the table (no modulo). */
static inline __u32 xdplb_flow_set_of(const void *key, int words, __u32 sets)
{
	const xdplb_word_t *w = key;
	__u32 h = 0x2545f491u, k;

	for (int i = 0; i < words; i++) {
		k = w[i] * 0xcc9e2d51u;
		k = xdplb_rotl32(k, 15) * 0x1b873593u;
		h = xdplb_rotl32(h ^ k, 13) * 5 + 0xe6546b64u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (__u32)(((__u64)h * sets) >> 32);
}

/*
 * The set of a key whose client side is @client (@words 32-bit words), @port and @proto, in a
 * table of @sets sets: a flow's source, a reply entry's destination.
 */
static inline __u32 xdplb_client_set_of(const __be32 *client, int words, __be16 port, __u8 proto,
					__u32 sets)
{
	__u32 w[5] = {};

	for (int i = 0; i < words && i < 4; i++)
		w[i] = client[i];
	w[words < 4 ? words : 4] = (__u32)port | (__u32)proto << 16;
	return xdplb_flow_set_of(w, (words < 4 ? words : 4) + 1, sets);
}

/* The set of IPv4 key @k: a flow's, or with @reply a reply entry's (XDPLB_KEY_REPLY in its
 * pad[0]; the data plane passes a constant, the control plane that bit). */
static inline __u32 xdplb_key_set4(const struct xdplb_flow_key4 *k, bool reply, __u32 sets)
{
	if (reply)
		return xdplb_client_set_of(&k->dst, 1, k->dport, k->proto, sets);
	return xdplb_client_set_of(&k->src, 1, k->sport, k->proto, sets);
}

/* The set of IPv6 key @k, as xdplb_key_set4(). */
static inline __u32 xdplb_key_set6(const struct xdplb_flow_key *k, bool reply, __u32 sets)
{
	if (reply)
		return xdplb_client_set_of(k->dst, 4, k->dport, k->proto, sets);
	return xdplb_client_set_of(k->src, 4, k->sport, k->proto, sets);
}

/* xdplb_real_vip[backend id]: the address and port of the VIP the backend belongs to, that a
 * NAT reply gets back as its source (port 0: a port-0 VIP, whose backends keep the port).
 * family 0: the id is free.  Written by the control plane with the backend. */
struct xdplb_real_vip {
	__be32 vip_addr[4];
	__be16 vip_port;
	__u8 family;
	__u8 pad;
	__u32 vip_id; /* the VIP's id: its replies are counted there (out_packets) */
};
_Static_assert(sizeof(struct xdplb_real_vip) == 24, "ABI: xdplb_real_vip");

/*
 * xdplb_nat_src[0]: a bit per hash of a source address, set for the address of every backend
 * of a NAT-mode VIP (any state, any weight: its replies may still be on their way), so that a
 * packet for no VIP needs the NAT reply lookup only when its source's bit is set (a false
 * positive costs just that lookup).  The control plane keeps it (loader/lib/nat.c); the data
 * plane only reads it.
 */
#define XDPLB_NAT_FILTER_BITS 32768 /* a power of 2: 4 KiB */
struct xdplb_nat_filter {
	__u64 bits[XDPLB_NAT_FILTER_BITS / 64];
};
_Static_assert(sizeof(struct xdplb_nat_filter) == XDPLB_NAT_FILTER_BITS / 8,
	       "ABI: xdplb_nat_filter");

/* The bit of an address: @fold is the XOR of its four 32-bit words as they lie in memory
 * (network order; for IPv4 the address itself, since addr[1..3] are 0).  The shift feeds the
 * high bytes (an IPv4 address's last octet) into the low bits before the multiplication
 * spreads them, so that neighbouring backends get unrelated bits. */
static inline __attribute__((__always_inline__)) __u32 xdplb_nat_filter_bit(__u32 fold)
{
	fold ^= fold >> 15;
	fold *= 0x9e3779b1u;
	return fold >> (32 - 15); /* 15 bits: XDPLB_NAT_FILTER_BITS */
}
_Static_assert(XDPLB_NAT_FILTER_BITS == 1u << 15, "ABI: xdplb_nat_filter_bit() takes 15 bits");

/* xdplb_persist key: a client of a persistent VIP. */
struct xdplb_persist_key {
	__be32 src[4];
	__u32 vip_id;
};
_Static_assert(sizeof(struct xdplb_persist_key) == 20, "ABI: xdplb_persist_key");

struct xdplb_persist {
	__u32 real_id;
	__u32 pad;
	__u64 atime; /* last new flow or packet of the client, coarse ns */
};
_Static_assert(sizeof(struct xdplb_persist) == 16, "ABI: xdplb_persist");

/* xdplb_conns value (per CPU: the count is the sum of the CPUs' values, any one of which
 * may be negative), indexed by backend id: ipvsadm's ActiveConn (TCP flows not closed yet)
 * and InActConn (closing TCP flows, UDP flows). */
struct xdplb_conns {
	__s64 active;
	__s64 inactive;
};

/* xdplb_lc_conns value (shared, counts updated atomically), indexed by backend id: the same
 * counts for the schedulers that read them (lc, wlc), kept while @on.  The control plane sets
 * @on, with the counts of the moment, for the backends of lc and wlc VIPs, and clears it
 * otherwise; other backends' new flows then write nothing that another CPU writes. */
struct xdplb_lc_conns {
	__s64 active;
	__s64 inactive;
	__u32 on;
	__u32 pad[3];
};
_Static_assert(sizeof(struct xdplb_lc_conns) == 32, "ABI: xdplb_lc_conns");

/* Input and output of the flow-table GC program (run with BPF_PROG_TEST_RUN). */
struct xdplb_gc_args {
	__u64 now;     /* coarse monotonic ns to judge expiry against */
	__u64 scanned; /* out */
	__u64 expired; /* out */
	__u32 flush;   /* 1: expire every flow (of flush_vip, if not 0), idle or not */
	__u32 flush_vip;
};

/* xdplb_trace_ctl[0]: the live trace (bpf/trace.h, loader/cli/trace.c).  While off the data
 * plane reads `on` and nothing else. */
struct xdplb_trace_ctl {
	__u32 on;      /* 1: matching packets are reported on xdplb_trace */
	__u32 owner;   /* pid of the xdplb trace that turned it on */
	__u32 vip_id;  /* only this VIP's packets (0: any packet) */
	__u32 reasons; /* a bit per enum xdplb_reason (0: any) */
	__u8 family;   /* client filter: 0 = none; else a packet whose source or
			* destination is in client/mask */
	__u8 pad[3];
	__u32 snap;	  /* bytes of each frame copied, at most XDPLB_TRACE_SNAP */
	__be32 client[4]; /* masked prefix */
	__be32 mask[4];
	__u64 lost; /* events dropped: the ring was full (nobody reading fast enough) */
};
_Static_assert(sizeof(struct xdplb_trace_ctl) == 64, "ABI: xdplb_trace_ctl");

/* One packet's decision on the xdplb_trace ring. */
struct xdplb_trace_event {
	__u64 time;    /* bpf_ktime_get_ns() */
	__u32 ifindex; /* where it arrived */
	__u32 len;     /* its length as it arrived */
	__u32 vip_id;  /* the VIP it was for (0: none) */
	__u32 real_id; /* the backend it went to (0: none) */
	__u8 reason;   /* enum xdplb_reason of its verdict */
	__u8 flow;     /* enum xdplb_trace_flow */
	__u16 snap;    /* bytes of the frame in data: the frame as the program left it */
	__u32 pad;
	struct xdplb_flow_key key; /* its 5-tuple as parsed (ports as in the packet) */
	__u8 data[XDPLB_TRACE_SNAP];
};
_Static_assert(sizeof(struct xdplb_trace_event) == 72 + XDPLB_TRACE_SNAP, "ABI: trace event");

/* Input and output of the explain program (xdplb explain, run with BPF_PROG_TEST_RUN): these
 * fields, then an Ethernet frame of the tuple.  The program runs the packet path's own
 * selection (bpf/select.h, select_real() with @ex) and writes nothing but this. */
struct xdplb_explain_args {
	__u64 now;	     /* out: coarse ns the flow's times are judged against */
	__u64 flow_atime;    /* out: the tuple's flow's last packet (coarse ns); 0: no flow */
	__u64 persist_atime; /* out: the client's persistence entry's last use; 0: none */
	__u32 vip_id;	     /* out: the VIP (0: none) */
	__u32 real_id;	     /* out: the backend a packet of the tuple gets now (0: none) */
	__u32 flow_real;     /* out: the backend of the flow found (0: no flow) */
	__u32 persist_real;  /* out: the backend of the client's persistence entry */
	__u32 slot;	     /* out: scheduler table slot a new flow reads (1..L); 0: none
			      * (lc and wlc scan the backends) */
	__s32 reason;	     /* out: XDPLB_R_TX (would be forwarded), a PASS reason, or
			      * -DROP reason */
	__u8 source;	     /* out: enum xdplb_explain_source */
	__u8 flow_state;     /* out: the flow's enum xdplb_flow_state */
	__u8 flow_drop;	     /* out: enum xdplb_explain_drop */
	__u8 skipped;	     /* out: table slots passed over because their backend takes no
			      * new flows (its table is not rebuilt yet); 0: none */
	__u8 pad[4];
};
_Static_assert(sizeof(struct xdplb_explain_args) == 56, "ABI: xdplb_explain_args");

/* xdplb_config[0]: settings that change at run time. */
struct xdplb_config {
	__be32 tun_src4;      /* outer source address of IPv4 tunnels */
	__u32 flags;	      /* XDPLB_CFG_F_* */
	__be32 tun_src6[4];   /* outer source address of IPv6 tunnels (to IPv6 backends) */
	__u32 ring_size;      /* Maglev table size for new VIPs (a prime) */
	__u32 tcp_timeout;    /* seconds: idle TCP flow (ipvsadm --set tcp) */
	__u32 tcpfin_timeout; /* seconds: TCP flow after FIN or RST (--set tcpfin) */
	__u32 udp_timeout;    /* seconds: idle UDP flow (--set udp) */
	__u32 changes;	      /* bumped by every xdplb command that takes the state lock, so
			       * that the daemon re-reads backends and checks only after one */
	__u32 vip_gen;	      /* bumped after every change of xdplb_vips: the data plane's
			       * per-CPU VIP cache (bpf/vip_cache.h) is valid while it stays */
	__u32 mtu;	      /* largest IP packet sent towards a backend (outer header
			       * included); 0 = the egress route's MTU, which always applies */
	__u32 layout;	      /* XDPLB_LAYOUT of the build that made the pin directory */
	/* where xdplb daemon puts the host routes of the VIPs it announces (control plane
	 * only): a kernel routing table (0 = announcing off) and the routes' protocol */
	__u32 announce_table;
	__u32 announce_proto;
	/* a configuration change is being applied: the journal (xdplb_journal) holds this many
	 * bytes of the configuration before it; 0 = none (control plane only) */
	__u32 journal;
	__u32 synrecv_timeout; /* seconds: half-open TCP flow (SYN, no ACK yet); 0 = tcpfin's */
};
_Static_assert(sizeof(struct xdplb_config) == 72, "ABI: xdplb_config");

/* xdplb_journal value: a piece of the journal (loader/lib/journal.c), key = its index. */
struct xdplb_journal_chunk {
	__u8 data[4096];
};

/* xdplb_nexthop value (per CPU, indexed by backend id): a next hop as bpf_fib_lookup() found
 * it, and what the question was (bpf/nexthop.h, next_hop_v4()).  Only the data plane writes
 * it; userspace reads it for tests and diagnostics. */
struct xdplb_nh {
	__u64 expires;	  /* bpf_ktime_get_coarse_ns() after which it is looked up again; 0 =
			   * empty */
	__be32 dst;	  /* the backend */
	__be32 src;	  /* TUN: the tunnel source the lookup was made with; else 0 */
	__u32 in_ifindex; /* ingress interface the lookup was made for */
	__u32 ifindex;	  /* egress interface */
	__u8 smac[6];
	__u8 dmac[6];
	__u16 max_len; /* largest IP total length the route's MTU was checked for; after
			* a lookup that said FRAG_NEEDED (expires 0): the route's MTU */
	__u8 proto;    /* l4_protocol of the lookup (policy routing may use it) */
	__u8 pad;
};
_Static_assert(sizeof(struct xdplb_nh) == 40, "ABI: xdplb_nh");

/* xdplb_nexthop6 value (per CPU, indexed by backend id): the same for an IPv6 backend
 * (bpf/nexthop.h, next_hop_v6()). */
struct xdplb_nh6 {
	__u64 expires;
	__be32 dst[4];
	__be32 src[4]; /* TUN: the tunnel source; else 0 */
	__u32 in_ifindex;
	__u32 ifindex;
	__u8 smac[6];
	__u8 dmac[6];
	__u16 max_len;
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct xdplb_nh6) == 64, "ABI: xdplb_nh6");

/* xdplb_stats value (per CPU, indexed by enum xdplb_reason). */
struct xdplb_counter {
	__u64 packets;
	__u64 bytes;
};

/* xdplb_vip_stats and xdplb_real_stats value (per CPU, indexed by VIP or backend id). */
struct xdplb_traffic {
	__u64 packets;
	__u64 bytes;
	__u64 flows;   /* new flows scheduled */
	__u64 resched; /* flows moved off a removed or failed backend */
	/* the other direction, where the balancer sees it (NAT replies and the ICMP errors
	 * about them), as ipvsadm's OutPkts and OutBytes */
	__u64 out_packets;
	__u64 out_bytes;
};

/* xdplb_checks key: the health check of one backend (real_id) or the default of a VIP
 * (real_id 0).  Read by `xdplb daemon`, never by the data plane. */
struct xdplb_check_key {
	__u32 vip_id;
	__u32 real_id;
};

/* xdplb_checks value. */
struct xdplb_check {
	__u8 type; /* enum xdplb_check_type */
	__u8 rise; /* consecutive successes that bring a down backend up */
	__u8 fall; /* consecutive failures that take an up backend down */
	__u8 pad;
	__be16 port;  /* 0 = the backend's port (the VIP's when the backend has none) */
	__u16 status; /* http: the status expected; 0 = any 2xx or 3xx */
	__u32 interval_ms;
	__u32 timeout_ms;
	/* http: path; udp: payload; exec: command, then a NUL and the user it runs as ("" =
	 * root); https: path, then a NUL and the SNI name ("" = none); the rest zeroes */
	char arg[XDPLB_CHECK_ARG_LEN];
	char expect[XDPLB_CHECK_EXPECT_LEN]; /* http, udp: the reply must contain it */
};
_Static_assert(sizeof(struct xdplb_check) == 16 + XDPLB_CHECK_ARG_LEN + XDPLB_CHECK_EXPECT_LEN,
	       "ABI: xdplb_check");

/* xdplb_decap_ip key for the real-server decapsulation program. */
struct xdplb_decap_key {
	__be32 addr[4];
	__u8 family;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xdplb_decap_key) == 20, "ABI: xdplb_decap_key");

/* Decap program counters (xdplb_decap_st, per CPU). */
enum xdplb_decap_reason {
	XDPLB_DECAP_DONE = 0,	    /* outer header stripped, inner packet passed to the stack */
	XDPLB_DECAP_PASS,	    /* not IPIP to one of our addresses: untouched */
	XDPLB_DECAP_DROP_MALFORMED, /* IPIP to us, but the inner packet is truncated */
	XDPLB_DECAP_MAX,
};

#endif /* XDPLB_ABI_H */
