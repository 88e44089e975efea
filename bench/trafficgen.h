/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains what the veth benchmark's XDP programs (gen.bpf.c) and their driver
 * (trafficgen.c) share: the generated frames, the generator's and the counters' settings. */
#ifndef XDPLB_TRAFFICGEN_H
#define XDPLB_TRAFFICGEN_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/*
 * Generated frames: Ethernet + IPv4 (no options) + TCP without options, padded to the
 * Ethernet minimum of 60 bytes (64 on the wire with the FCS); or + UDP with a 20-byte payload
 * (62 bytes: the UDP length, 28, is a multiple of 4 for bpf_csum_diff()).
 */
#define GEN_TCP_FRAME_LEN 60
#define GEN_UDP_FRAME_LEN 62
#define GEN_UDP_PAYLOAD	  20
#define GEN_FRAME_MAX	  64 /* the template's size: 8 x 8 bytes */

/*
 * Flow f (0 .. 2^32 - 1) is source address src_base + ((f >> 23) << 8 | (f & 0xff)) and source
 * port 1024 + ((f >> 8) & 0x7fff): a bijection onto 131,072 addresses (a /15, src_base's) x
 * 32,768 ports, so 2^32 packets of "every packet a new flow" never repeat a flow, and 4,096
 * established flows are 256 addresses x 16 ports.
 */
#define GEN_SPORT_BASE 1024
#define GEN_SRC_BASE   0xc6120000u /* 198.18.0.0/15 (RFC 2544's benchmarking range) */
#define GEN_SRC_MASK   0xfffe0000u

/* The generator (gen_tx), set by trafficgen.c before the runs. */
struct gen_cfg {
	__u64 frame[GEN_FRAME_MAX / 8]; /* template: source address and port 0, checksums for
					 * those zeros */
	__u32 len;			/* GEN_TCP_FRAME_LEN or GEN_UDP_FRAME_LEN */
	__u32 flows;			/* packet i is flow i % flows; 0 = flow i (all new) */
	__u32 src_base;			/* host order, a /15 */
	__u8 proto;			/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[3];
	/* added to the flow number: each of several sources has flows of its own (as RSS gives
	 * each CPU its own) */
	__u32 flow_base;
};

/* What a counter (gen_count) checks in verify mode: the frame arrived as the balancer in
 * this mode must send it. */
enum gen_expect {
	GEN_EXPECT_VIP = 0, /* unchanged IP packet to the VIP (trivial forwarder, DR) */
	GEN_EXPECT_REAL,    /* IP packet rewritten to the backend's address (NAT, nftables) */
	GEN_EXPECT_IPIP,    /* IPv4-in-IPv4 to the backend, inner packet to the VIP (TUN) */
};

/* A counter's settings (one counter program per backend). */
struct gen_count_cfg {
	__u8 mac[6];  /* the backend's own MAC: every frame must be addressed to it */
	__u8 expect;  /* enum gen_expect */
	__u8 verify;  /* 1: check every frame (slower); 0: count only */
	__be32 addr;  /* the backend's address */
	__be32 vip;   /* the VIP and its port */
	__be16 vport; /* the backend's port is the VIP's (no port translation in the bench) */
	__u16 pad;
};

/* gen_count's per-CPU counters. */
struct gen_counts {
	__u64 packets;
	__u64 bytes;
	__u64 bad;     /* verify mode: generated frames that failed a check */
	__u64 foreign; /* verify mode: frames not from the source (not 198.18.0.0/15) */
};

/* The trivial forwarder (gen_fwd): backend i is behind out[i]. */
#define GEN_MAX_OUT 8
struct gen_fwd_port {
	__u32 ifindex;
	__u8 smac[6]; /* the egress interface's MAC */
	__u8 dmac[6]; /* the backend's MAC */
};

#endif /* XDPLB_TRAFFICGEN_H */
