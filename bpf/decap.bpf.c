// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Real-server side of TUN mode: strip the outer IPv4 header of IPIP packets sent to us. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "parse.h"
#include "xdplb_abi.h"

/*
 * A real server in TUN mode receives IPv4-in-IPv4 (RFC 2003) from the balancer.  Kernels
 * without the ipip driver cannot terminate that tunnel, so this program does what Katran's
 * decap_kern.c does: remove the outer header in XDP and hand the inner packet, whose
 * destination is the VIP configured on the server, to the stack.
 */

/* The server's own addresses: only tunnel packets sent to one of them are decapsulated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xdplb_decap_key);
	__type(value, __u32);
	__uint(max_entries, 64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_decap_ip SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32); /* enum xdplb_decap_reason */
	__type(value, struct xdplb_counter);
	__uint(max_entries, XDPLB_DECAP_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xdplb_decap_st SEC(".maps");

/* Per-CPU values: plain increments are safe, no other CPU writes this copy. */
static __always_inline void decap_count(__u32 reason, __u64 bytes)
{
	struct xdplb_counter *c = bpf_map_lookup_elem(&xdplb_decap_st, &reason);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/**
 * decap_v4() - remove the outer IPv4 header of an IPIP packet addressed to this host.
 *
 * Outer fragments are passed on untouched: one fragment does not hold the whole inner
 * packet, and only the stack can reassemble.  The Ethernet header (and a VLAN tag) is saved
 * on the stack before the head moves, so that a failing bpf_xdp_adjust_head() leaves the
 * frame as it was.  The inner packet is not otherwise checked or changed (RFC 2003 3.1: the
 * decapsulator leaves the inner TTL alone); the stack validates it as it would any packet.
 *
 * Returns: XDPLB_DECAP_DONE, XDPLB_DECAP_PASS (frame untouched) or
 * -XDPLB_DECAP_DROP_MALFORMED.
 */
static __always_inline int decap_v4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xdplb_decap_key key = {};
	struct packet p = {};
	struct iphdr *outer, *inner;
	struct ethhdr *eth, eth_save;
	struct vlan_hdr *vlan, vlan_save;
	__u32 hlen;
	bool tagged;

	if (parse_eth(data, data_end, &p) != bpf_htons(ETH_P_IP))
		return XDPLB_DECAP_PASS;
	if (parse_ipv4(data, data_end, &p) || p.key.proto != IPPROTO_IPIP || p.frag)
		return XDPLB_DECAP_PASS;
	key.family = XDPLB_AF_INET;
	key.addr[0] = p.key.dst[0];
	if (!bpf_map_lookup_elem(&xdplb_decap_ip, &key))
		return XDPLB_DECAP_PASS;

	outer = data + p.l3_off;
	if ((void *)(outer + 1) > data_end)
		return XDPLB_DECAP_PASS;
	hlen = outer->ihl * 4;
	inner = (void *)outer + hlen;
	/* parse_ipv4() checked that tot_len >= hlen and that the packet is in the frame */
	if ((void *)(inner + 1) > data_end || p.l3_len < hlen + sizeof(*inner) ||
	    inner->version != 4)
		return -XDPLB_DECAP_DROP_MALFORMED;

	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDPLB_DECAP_PASS;
	__builtin_memcpy(&eth_save, eth, sizeof(eth_save));
	tagged = p.l3_off != ETH_HLEN;
	if (tagged) {
		vlan = (void *)(eth + 1);
		if ((void *)(vlan + 1) > data_end)
			return XDPLB_DECAP_PASS;
		__builtin_memcpy(&vlan_save, vlan, sizeof(vlan_save));
	}

	if (bpf_xdp_adjust_head(ctx, (int)hlen))
		return XDPLB_DECAP_PASS;

	/*
	 * The head moved: re-derive every pointer.  From here on the frame has lost its outer
	 * header, so a failed check (impossible after the inner header check above) must drop.
	 */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return -XDPLB_DECAP_DROP_MALFORMED;
	__builtin_memcpy(eth, &eth_save, sizeof(*eth));
	if (tagged) {
		vlan = (void *)(eth + 1);
		if ((void *)(vlan + 1) > data_end)
			return -XDPLB_DECAP_DROP_MALFORMED;
		__builtin_memcpy(vlan, &vlan_save, sizeof(*vlan));
		/* already IPv4 (the outer header's type); stated so the frame never lies */
		vlan->h_vlan_encapsulated_proto = bpf_htons(ETH_P_IP);
	} else {
		eth->h_proto = bpf_htons(ETH_P_IP);
	}
	return XDPLB_DECAP_DONE;
}

SEC("xdp")
int xdplb_decap(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	int reason = decap_v4(ctx);
	int action = XDP_PASS;

	if (reason < 0) {
		reason = -reason;
		action = XDP_DROP;
	}
	decap_count(reason, bytes);
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
