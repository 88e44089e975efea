/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the limits, enum values and flag bits that bpf/ and loader/ share. */
#ifndef XDPLB_CONSTS_H
#define XDPLB_CONSTS_H

/* Default map sizes; `dev attach` can change the ones marked (attach) when it creates the maps. */
#define XDPLB_DEF_MAX_VIPS    4096	 /* (attach) VIP ids are 1..max-1; 0 means none */
#define XDPLB_DEF_MAX_REALS   65536	 /* (attach) backend ids are 1..max-1 */
#define XDPLB_DEF_MAX_FLOWS   (1u << 20) /* (attach) flows the flow table is sized for */
#define XDPLB_DEF_RING_SIZE   65537	 /* (attach) Maglev table size M, a prime */
#define XDPLB_DEF_MAX_PERSIST 65536	 /* persistence entries (client, VIP) */
#define XDPLB_MIN_RING_SIZE   251
#define XDPLB_MAX_RING_SIZE   1048573 /* largest prime below 2^20 */
#define XDPLB_MAX_WEIGHT      65535
#define XDPLB_MAX_PERSIST     31536000 /* seconds (a year) */
#define XDPLB_MAX_TIMEOUT     31536000 /* seconds, flow timeouts */

/* Per-CPU flow cache (bpf/flow_cache.h): sets of 128 bytes per CPU and family, and the CPUs a
 * map is made for when the loader does not size it (lb_size_flow_cache() does). */
#define XDPLB_FLOW_CACHE_SETS	  4096
#define XDPLB_FLOW_CACHE_DEF_CPUS 4

/* A scheduler table is an array of __u32: slot 0 holds the number of used slots L,
 * slots 1..L hold backend ids.  The inner array has ring_size + 1 entries. */
#define XDPLB_TABLE_LEN_SLOT 0

/* Pin directory (overridable with --bpffs on the CLI). */
#define XDPLB_PIN_DIR "/sys/fs/bpf/xdplb"

/*
 * The pin layout: the set of maps under the pin directory with their types, keys, values and
 * meaning.  Stamped into xdplb_config.layout when `dev attach` creates the maps; a directory
 * with another stamp (or none) is refused at attach and open.  Bump it with any change that
 * an xdplb of this version could not read or write correctly in maps made by another.
 */
#define XDPLB_LAYOUT 6

/* Address families as stored in keys (AF_INET/AF_INET6 values, fixed here so that BPF code
 * does not depend on libc headers). */
#define XDPLB_AF_INET  2
#define XDPLB_AF_INET6 10

/* Forwarding modes (xdplb_vip.mode). */
enum xdplb_mode {
	XDPLB_MODE_TUN = 0,
	XDPLB_MODE_DR = 1,
	XDPLB_MODE_NAT = 2,
	XDPLB_MODE_MAX,
};

/* Schedulers (xdplb_vip.sched).  All of them index the VIP's table; only the index differs. */
enum xdplb_sched {
	XDPLB_SCHED_MH = 0, /* Maglev: table[hash(5-tuple) % L] */
	XDPLB_SCHED_SH = 1, /* source hashing: table[hash(client addr) % L] */
	XDPLB_SCHED_RR = 2,
	XDPLB_SCHED_WRR = 3,
	XDPLB_SCHED_LC = 4,
	XDPLB_SCHED_WLC = 5,
	XDPLB_SCHED_MAX,
};

/* Backend states (xdplb_real.state). */
enum xdplb_real_state {
	XDPLB_REAL_UP = 0,
	XDPLB_REAL_DOWN = 1,
};

/* Health checks (xdplb_check.type), run by `xdplb daemon`. */
enum xdplb_check_type {
	XDPLB_CHECK_NONE = 0,
	XDPLB_CHECK_TCP = 1,   /* connect() succeeds */
	XDPLB_CHECK_HTTP = 2,  /* GET path: expected status, optional body substring */
	XDPLB_CHECK_UDP = 3,   /* a datagram gets a reply (optional substring) */
	XDPLB_CHECK_EXEC = 4,  /* a command exits 0 */
	XDPLB_CHECK_HTTPS = 5, /* TLS handshake (optional SNI), then as http */
	XDPLB_CHECK_MAX,
};

#define XDPLB_CHECK_ARG_LEN	    256
#define XDPLB_CHECK_EXPECT_LEN	    64
#define XDPLB_DEF_CHECK_INTERVAL_MS 2000
#define XDPLB_DEF_CHECK_TIMEOUT_MS  1000
#define XDPLB_DEF_CHECK_RISE	    2
#define XDPLB_DEF_CHECK_FALL	    3
#define XDPLB_MAX_CHECK_RUN	    100	    /* rise and fall */
#define XDPLB_MAX_CHECK_MS	    3600000 /* interval and timeout: an hour */

/* Flow states (xdplb_flow.state). */
enum xdplb_flow_state {
	XDPLB_FLOW_FREE = 0,	 /* a flow-table slot that holds no flow */
	XDPLB_FLOW_ACTIVE = 1,	 /* TCP, no FIN or RST seen: counted in xdplb_conns.active */
	XDPLB_FLOW_INACTIVE = 2, /* TCP after FIN/RST, or UDP: counted in .inactive */
	XDPLB_FLOW_DEAD = 3,	 /* expired or moved: counted nowhere, about to go */
	XDPLB_FLOW_BUSY = 4,	 /* a slot that a CPU is filling: nobody else reads it */
	XDPLB_FLOW_SYN = 5,	 /* TCP opened by a bare SYN whose client has not completed the
				  * handshake (no ACK yet): half-open, counted in .inactive as LVS
				  * counts SYN_RECV; the first to go when a new flow needs a slot */
};

/* Default flow timeouts in seconds, as LVS's (ipvsadm --set tcp tcpfin udp). */
#define XDPLB_DEF_TCP_TIMEOUT	 900
#define XDPLB_DEF_TCPFIN_TIMEOUT 120
#define XDPLB_DEF_UDP_TIMEOUT	 300
/* ... and of a half-open TCP flow (SYN seen, no ACK yet), as LVS's SYN_RECV state */
#define XDPLB_DEF_SYNRECV_TIMEOUT 60

/* Announcing VIPs (xdplb daemon): the route protocol of its host routes when `config set
 * announce table N` gives none (a number of its own: BIRD's kernel protocol filters on it),
 * and the most a VIP's quorum and hysteresis may be. */
#define XDPLB_DEF_ANNOUNCE_PROTO 200
#define XDPLB_MAX_QUORUM	 65535

/* Least-connection overhead, as LVS's: active * 256 + inactive. */
#define XDPLB_LC_ACTIVE_WEIGHT 256
/* Table slots a new flow walks past one naming a backend that takes no new flows (down or
 * weight 0, its table not rebuilt yet): bpf/select.h xdplb_sched_skip() */
#define XDPLB_SCHED_WALK 256

/* xdplb_real.flags */
#define XDPLB_REAL_F_USED (1u << 0) /* the slot holds a configured backend */
#define XDPLB_REAL_F_SORRY                                                                         \
	(1u << 1) /* fallback ("sorry") server: in the VIP's table only                            \
		   * while no other backend is up */

/* xdplb_vip.flags */
#define XDPLB_VIP_F_ONDOWN_KEEP                                                                    \
	(1u << 0) /* flows of a backend that is down stay on it                                    \
		   * (default: their next packet is rescheduled) */
#define XDPLB_VIP_F_ALLDOWN_REJECT                                                                 \
	(1u << 1) /* no backend up: answer TCP with RST and UDP with ICMP port unreachable         \
		   * (default: drop, counted as drop_no_backend) */

#define XDPLB_VIP_F_L3HASH                                                                         \
	(1u << 2) /* schedule and key flows on addresses only (ports count as 0), so that every    \
		   * fragment of a datagram follows its flow; UDP services that fragment */

/*
 * Address entries in xdplb_vips: key {addr, port 0, proto, family | XDPLB_AF_ADDR}, kept by
 * the control plane for every {address, protocol} that has a VIP.  The value is a copy of
 * that VIP when it is the only one on the address and protocol and it has l3hash (non-first
 * fragments, which carry no ports, go to it); otherwise its id is 0 (such fragments are
 * dropped, counted as drop_fragment).  Echo requests look for them too.  Listing VIPs skips
 * them.
 */
#define XDPLB_AF_ADDR 0x80

/* The live trace (bpf/trace.h, xdplb trace): bytes of each frame an event may carry, and the
 * ring's size (a power of 2 pages). */
#define XDPLB_TRACE_SNAP 128
#define XDPLB_TRACE_RING (1u << 20)

/* What a trace event says about the packet's flow (xdplb_trace_event.flow). */
enum xdplb_trace_flow {
	XDPLB_TRACE_NONE = 0,	 /* no VIP flow: not for a VIP, or its VIP had no backend */
	XDPLB_TRACE_FOUND = 1,	 /* an existing flow's packet, to that flow's backend */
	XDPLB_TRACE_NEW = 2,	 /* a new flow, scheduled */
	XDPLB_TRACE_RESCHED = 3, /* a flow moved off a removed or failed backend */
	XDPLB_TRACE_REPLY = 4,	 /* a NAT reply, or an ICMP error about a VIP's flow */
};

/* What decided the backend `xdplb explain` reports (xdplb_explain_args.source). */
enum xdplb_explain_source {
	XDPLB_EXPLAIN_NONE = 0,	   /* no backend: no VIP, or none takes new flows */
	XDPLB_EXPLAIN_FLOW = 1,	   /* the tuple's flow in the flow table */
	XDPLB_EXPLAIN_PERSIST = 2, /* the client's persistence entry */
	XDPLB_EXPLAIN_SCHED = 3,   /* the VIP's scheduler, for a new flow */
};

/* Why a flow that the flow table holds for the tuple is not followed (flow_drop). */
enum xdplb_explain_drop {
	XDPLB_EXPLAIN_KEPT = 0,	   /* it is followed (or there is none) */
	XDPLB_EXPLAIN_GONE = 1,	   /* its backend was removed (or the id reused) */
	XDPLB_EXPLAIN_DOWN = 2,	   /* its backend failed its health check (ondown reschedule) */
	XDPLB_EXPLAIN_OTHER = 3,   /* it belongs to another VIP */
	XDPLB_EXPLAIN_EXPIRED = 4, /* idle longer than its state's timeout */
	XDPLB_EXPLAIN_REUSE = 5,   /* a SYN reusing a closed tuple of a backend that takes no new
				    * flows */
};

/* Extension headers an IPv6 packet may carry before TCP/UDP (more: pass_ipv6_ext). */
#define XDPLB_MAX_EXT_HDRS 4

/* xdplb_config.flags */
#define XDPLB_CFG_F_NAT (1u << 0) /* some VIP is in NAT mode: look replies up in xdplb_nat */
#define XDPLB_CFG_F_PORT0                                                                          \
	(1u << 1)		   /* some VIP has port 0: a miss on the port is looked up         \
				    * again with port 0 (else pass-through pays one lookup) */
#define XDPLB_CFG_F_ECHO (1u << 2) /* answer ICMP/ICMPv6 echo requests to VIP addresses */
#define XDPLB_CFG_F_NAT_L3                                                                         \
	(1u << 3) /* some NAT VIP has l3hash: a reply that misses xdplb_nat is looked up again     \
		   * with ports 0 */
/* (1u << 4) is free */
#define XDPLB_CFG_F_NO_FLOWCACHE                                                                   \
	(1u << 5) /* config set flowcache off: every packet of a flow asks the flow table (the     \
		   * per-CPU flow cache, bpf/flow_cache.h, is neither read nor filled) */
#define XDPLB_CFG_F_DRAINED                                                                        \
	(1u << 6) /* node drain: xdplb daemon announces no VIP (control plane only; the data       \
		   * plane forwards as before) */

/*
 * Why a packet got its verdict.  Every packet the XDP program sees bumps exactly one of these
 * (xdplb_stats map); the CLI prints them by name, so keep xdplb_reason_names in
 * loader/util/common.c in the same order.  Helpers return 0 or -XDPLB_R_*; DROP reasons are the
 * ones the entry point turns into XDP_DROP.
 */
enum xdplb_reason {
	XDPLB_R_TX = 0,		   /* forwarded back out of the ingress interface (XDP_TX) */
	XDPLB_R_REDIRECT,	   /* forwarded out of another interface (XDP_REDIRECT) */
	XDPLB_R_TX_REJECT,	   /* VIP with no backend up and alldown reject: answered with a
				    * TCP RST or an ICMP port unreachable (redirected back out of
				    * the ingress interface) */
	XDPLB_R_TX_ECHO,	   /* ICMP/ICMPv6 echo request to a VIP address answered (config
				    * echo on), redirected back out of the ingress interface */
	XDPLB_R_TX_TOO_BIG,	   /* packet too big for the way to its backend (tunnel overhead
				    * or egress MTU): answered with ICMP fragmentation needed /
				    * ICMPv6 packet too big carrying the MTU that fits */
	XDPLB_R_PASS_NOT_IP,	   /* not IPv4/IPv6 (ARP, LLDP, ...) */
	XDPLB_R_PASS_NOT_VIP,	   /* IP, but no VIP matches {dst, dport, proto} */
	XDPLB_R_PASS_IPV6_EXT,	   /* IPv6 header chain the parser does not follow (more than
				    * XDPLB_MAX_EXT_HDRS extension headers, AH/ESP, a hop-by-hop
				    * header not first, RFC 8200 4.1): handed to the kernel
				    * untouched */
	XDPLB_R_PASS_FRAGMENT,	   /* fragment to an address that has no VIP */
	XDPLB_R_PASS_TOO_BIG,	   /* TUN: encapsulated IPv4 packet without DF larger than the
				    * egress MTU: handed to the kernel, which fragments it */
	XDPLB_R_PASS_NO_NEIGH,	   /* next hop MAC unknown: encapsulated (TUN) or translated (NAT)
				    * packet handed to the kernel, which resolves the neighbour
				    * and forwards it */
	XDPLB_R_PASS_TTL,	   /* NAT: TTL or hop limit 1 or 0, so not forwarded (a router
				    * would not): handed to the kernel, which answers as a router
				    * does (ICMP time exceeded) or drops it */
	XDPLB_R_PASS_L2_MULTICAST, /* a VIP's packet (an echo request or ICMP error to a VIP,
				    * a NAT reply) that came to a broadcast or multicast MAC:
				    * neither forwarded nor answered (RFC 1812 5.3.4, RFC 1122
				    * 3.3.6), handed to the kernel untouched */
	XDPLB_R_PASS_SOURCE_ROUTE, /* not the final destination: an IPv4 loose or strict source
				    * route with hops to go (RFC 791 3.1), an IPv6 routing header
				    * with segments left (RFC 8200 4.4): neither forwarded nor
				    * answered, handed to the kernel untouched, whose source-route
				    * policy decides */
	XDPLB_R_DROP_MALFORMED_L2, /* truncated Ethernet or VLAN header, or a broadcast or
				    * multicast source MAC (IEEE 802: no group source) */
	XDPLB_R_DROP_MALFORMED_L3, /* truncated IP header, bad version, IHL < 5, bad length */
	XDPLB_R_DROP_MALFORMED_L4, /* VIP packet with a truncated or malformed TCP or UDP header */
	XDPLB_R_DROP_NO_BACKEND,   /* VIP has no backend that takes new flows */
	XDPLB_R_DROP_NO_ROUTE,	   /* no route towards the backend (unreachable, blackhole, ...) */
	XDPLB_R_DROP_FWD_DISABLED, /* forwarding is off on the ingress interface (sysctl
				    * net.ipv4.conf.IFNAME.forwarding), so bpf_fib_lookup refuses */
	XDPLB_R_DROP_NO_SOURCE,	   /* no tunnel source address configured */
	XDPLB_R_DROP_NO_NEIGH,	   /* DR mode: backend MAC unknown (the kernel cannot resolve it
				    * for a packet still addressed to the VIP); the control plane
				    * keeps backends' neighbours resolved */
	XDPLB_R_DROP_TOO_BIG,	   /* too big for the egress MTU and no ICMP answer possible
				    * (an ICMP error itself, IPv4 options, an MTU below 1280 for
				    * IPv6) */
	XDPLB_R_DROP_FRAGMENT,	   /* fragment to a VIP address whose fragments cannot be placed:
				    * the VIP is not l3hash, or several VIPs share the address and
				    * protocol */
	XDPLB_R_DROP_ICMP,	   /* ICMP error about a VIP's flow that has no backend to go to
				    * (no flow and the VIP is not hash-scheduled; NAT: no reply
				    * entry) */
	XDPLB_R_DROP_MARTIAN,	   /* a VIP's packet (an echo request or ICMP error to a VIP, a
				    * NAT reply) from a source no single host has: 0/8, 127/8,
				    * 224/4, 240/4 (255.255.255.255 too), ::, ::1, ff00::/8 (RFC
				    * 1812 5.3.7, RFC 4291): neither forwarded nor answered */
	XDPLB_R_DROP_BAD_CSUM,	   /* a packet the balancer would answer itself (RST, port
				    * unreachable, echo reply, too big) whose IPv4 header checksum
				    * or (not for too big) TCP/UDP/ICMP checksum is wrong: a host
				    * discards it silently (RFC 1122 3.2.1.2, 4.1.3.4; RFC 9293
				    * 3.1) */
	XDPLB_R_DROP_INTERNAL, /* a helper failed (adjust_head, map update): should not happen */
	XDPLB_R_MAX,
};

/*
 * What the flow tables did that is not a packet's verdict (xdplb_flow_events: per CPU, one
 * __u64 each; names in flow_event_names, loader/util/common.c).  A set-associative table
 * (bpf/flow_table.h) can run out of room in one set before the table is full: these say how
 * often that happened.
 */
enum xdplb_flow_event {
	XDPLB_FE_DISPLACED = 0, /* a new flow took the slot of a live flow (the least recently
				 * used of its full set): that flow was counted out, and its next
				 * packet is scheduled again as a new flow */
	XDPLB_FE_UNRECORDED,	/* a new flow forwarded without being remembered: another CPU
				 * took the slot it had chosen, or kept a slot of the set busy
				 * through three scans; its next packet is scheduled again */
	XDPLB_FE_MAX,
};

#endif /* XDPLB_CONSTS_H */
