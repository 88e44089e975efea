// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Real-server side of TUN mode: strip the outer IPv4 or IPv6 header of tunnel packets sent
 * to us. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "defs.h"
#include "parse.h"
#include "xdplb_abi.h"

/*
 * A real server in TUN mode receives IPv4-in-IPv4 (RFC 2003), or IPv6-in-IPv6 and
 * IPv4-in-IPv6 (RFC 2473), from the balancer.  Kernels without the ipip/ip6_tunnel drivers
 * cannot terminate those tunnels, so this program does what Katran's decap_kern.c does:
 * remove the outer header in XDP and hand the inner packet, whose destination is the VIP
 * configured on the server, to the stack.
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

/*
 * Where the outer header ends and what follows it, as decap_v4() and decap_v6() found it.
 */
struct outer {
	__u32 hlen;	   /* bytes of outer header to strip */
	__be16 inner_type; /* EtherType of the inner packet */
	bool tagged;	   /* one VLAN tag between the Ethernet and the IP header */
};

/**
 * decap_v4() - IPv4 outer header (RFC 2003): protocol 4 (IPv4) to one of our addresses.
 *
 * Outer fragments are passed on untouched: one fragment does not hold the whole inner
 * packet, and only the stack can reassemble.
 *
 * Returns: XDPLB_DECAP_DONE (strip @o->hlen bytes), XDPLB_DECAP_PASS or
 * -XDPLB_DECAP_DROP_MALFORMED.
 */
static __always_inline int decap_v4(void *data, void *data_end, struct packet *p, struct outer *o)
{
	struct xdplb_decap_key key = {};
	struct iphdr *outer, *inner;
	__u32 hlen;

	if (parse_ipv4(data, data_end, p) || p->key.proto != IPPROTO_IPIP || p->frag)
		return XDPLB_DECAP_PASS;
	key.family = XDPLB_AF_INET;
	key.addr[0] = p->key.dst[0];
	if (!bpf_map_lookup_elem(&xdplb_decap_ip, &key))
		return XDPLB_DECAP_PASS;

	outer = data + l3_offset(p);
	if ((void *)(outer + 1) > data_end)
		return XDPLB_DECAP_PASS;
	hlen = outer->ihl * 4;
	inner = (void *)outer + hlen;
	/* parse_ipv4() checked that tot_len >= hlen and that the packet is in the frame */
	if ((void *)(inner + 1) > data_end || p->l3_len < hlen + sizeof(*inner) ||
	    inner->version != 4)
		return -XDPLB_DECAP_DROP_MALFORMED;
	o->hlen = hlen;
	o->inner_type = bpf_htons(ETH_P_IP);
	return XDPLB_DECAP_DONE;
}

/**
 * decap_v6() - IPv6 outer header (RFC 2473): next header 41 (IPv6) or 4 (IPv4) to one of
 * our addresses.
 *
 * The balancer sends the inner packet right behind a 40-byte header.  Anything else is left
 * to the stack: a fragment header (next header 44) means an outer fragment, other extension
 * headers are not ours to interpret.  An outer header that is itself malformed is passed
 * too, as for IPv4: the stack counts and drops it.
 *
 * Returns: as decap_v4().
 */
static __always_inline int decap_v6(void *data, void *data_end, struct packet *p, struct outer *o)
{
	struct xdplb_decap_key key = { .family = XDPLB_AF_INET6 };
	struct ipv6hdr *outer = data + l3_offset(p);
	__u32 plen, need;
	__u8 *inner;

	if ((void *)(outer + 1) > data_end || outer->version != 6)
		return XDPLB_DECAP_PASS;
	plen = bpf_ntohs(outer->payload_len);
	if ((void *)(outer + 1) + plen > data_end)
		return XDPLB_DECAP_PASS;
	if (outer->nexthdr == IPPROTO_IPV6)
		need = sizeof(struct ipv6hdr);
	else if (outer->nexthdr == IPPROTO_IPIP)
		need = sizeof(struct iphdr);
	else
		return XDPLB_DECAP_PASS;
	__builtin_memcpy(key.addr, &outer->daddr, sizeof(key.addr));
	if (!bpf_map_lookup_elem(&xdplb_decap_ip, &key))
		return XDPLB_DECAP_PASS;

	/* the inner header must be in the frame and inside the outer payload */
	inner = (void *)(outer + 1);
	if (outer->nexthdr == IPPROTO_IPV6) {
		if ((void *)inner + sizeof(struct ipv6hdr) > data_end || plen < need ||
		    inner[0] >> 4 != 6)
			return -XDPLB_DECAP_DROP_MALFORMED;
		o->inner_type = bpf_htons(ETH_P_IPV6);
	} else {
		if ((void *)inner + sizeof(struct iphdr) > data_end || plen < need ||
		    inner[0] >> 4 != 4)
			return -XDPLB_DECAP_DROP_MALFORMED;
		o->inner_type = bpf_htons(ETH_P_IP);
	}
	o->hlen = sizeof(*outer);
	return XDPLB_DECAP_DONE;
}

/**
 * decap() - remove the outer header of a tunnel packet addressed to this host.
 *
 * The Ethernet header (and a VLAN tag) is saved on the stack before the head moves, so that
 * a failing bpf_xdp_adjust_head() leaves the frame as it was; it is written back in front of
 * the inner packet with the inner packet's EtherType.  The inner packet is not otherwise
 * checked or changed (RFC 2003 3.1, RFC 2473 3.2: the decapsulator leaves the inner TTL or
 * hop limit alone); the stack validates it as it would any packet.
 *
 * Returns: XDPLB_DECAP_DONE, XDPLB_DECAP_PASS (frame untouched) or
 * -XDPLB_DECAP_DROP_MALFORMED.
 */
static __always_inline int decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth, eth_save;
	struct vlan_hdr *vlan, vlan_save;
	struct packet p = {};
	struct outer o = {};
	int type, ret;

	type = parse_eth(data, data_end, &p);
	if (type == bpf_htons(ETH_P_IP))
		ret = decap_v4(data, data_end, &p, &o);
	else if (type == bpf_htons(ETH_P_IPV6))
		ret = decap_v6(data, data_end, &p, &o);
	else
		return XDPLB_DECAP_PASS;
	if (ret != XDPLB_DECAP_DONE)
		return ret;

	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDPLB_DECAP_PASS;
	__builtin_memcpy(&eth_save, eth, sizeof(eth_save));
	o.tagged = p.l3_off != ETH_HLEN;
	if (o.tagged) {
		vlan = (void *)(eth + 1);
		if ((void *)(vlan + 1) > data_end)
			return XDPLB_DECAP_PASS;
		__builtin_memcpy(&vlan_save, vlan, sizeof(vlan_save));
	}

	if (bpf_xdp_adjust_head(ctx, (int)o.hlen))
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
	if (o.tagged) {
		vlan = (void *)(eth + 1);
		if ((void *)(vlan + 1) > data_end)
			return -XDPLB_DECAP_DROP_MALFORMED;
		__builtin_memcpy(vlan, &vlan_save, sizeof(*vlan));
		vlan->h_vlan_encapsulated_proto = o.inner_type;
	} else {
		eth->h_proto = o.inner_type;
	}
	return XDPLB_DECAP_DONE;
}

SEC("xdp")
int xdplb_decap(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	int reason = decap(ctx);
	int action = XDP_PASS;

	if (reason < 0) {
		reason = -reason;
		action = XDP_DROP;
	}
	decap_count(reason, bytes);
	return action;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
