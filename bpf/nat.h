/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains NAT mode's translation: the rewrite of a packet towards its backend, the
 * reply entries that a new flow leaves in the flow tables and their lookup, and the return
 * path, on which a backend's reply becomes the VIP's again. */
#ifndef XDPLB_NAT_H
#define XDPLB_NAT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "defs.h"
#include "csum.h"
#include "parse.h"
#include "icmp.h"
#include "maps.h"
#include "clock.h"
#include "flow_table.h"
#include "select.h"
#include "nexthop.h"

/*
 * NAT forwards as a router does (RFC 1812 5.3.1, RFC 8200 3): a translated packet that this
 * program sends on leaves with its TTL or hop limit one lower, the IPv4 header checksum
 * updated (RFC 1624).  Not one handed to the kernel (PASS_NO_NEIGH, PASS_TOO_BIG): the
 * kernel's forwarding decrements it.  Called before the Ethernet header is rewritten (the
 * IP header is still at l3_offset()); a packet with 1 or 0 left never gets here
 * (XDPLB_R_PASS_TTL).  An ICMP error's outer header only.
 */
static __always_inline int nat_hop(struct xdp_md *ctx, const struct packet *p)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u8 *h = data + l3_offset(p);
	__u16 old;

	if ((void *)(h + sizeof(struct iphdr)) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	if (p->key.family == XDPLB_AF_INET6) {
		h[7]--; /* hop limit */
		return 0;
	}
	old = *(__u16 *)(h + 8); /* TTL and protocol */
	h[8]--;
	csum_replace2((__u16 *)(h + 10), old, *(__u16 *)(h + 8));
	return 0;
}

/**
 * nat_rewrite() - rewrite one address and port of the packet, checksums updated.
 * @dst: true to rewrite the destination (towards a backend), false for the source (reply).
 * @addr: the new address (IPv4 in addr[0]).  @port: the new port; 0 = leave it.
 *
 * IPv4 header checksum for the address; TCP/UDP checksum for the address (pseudo-header) and
 * the port.  A UDP checksum of 0 means "none" over IPv4 and stays 0; a computed 0 is sent as
 * 0xffff (RFC 768).  Over IPv6 a UDP checksum of 0 is not allowed (RFC 8200 8.1): dropped
 * before anything is written.  A non-first fragment has no TCP/UDP header: only the address
 * changes (the first fragment's checksum update covers the whole datagram).  The TTL is
 * nat_hop()'s.
 */
static __always_inline int nat_rewrite(struct xdp_md *ctx, const struct packet *p, bool dst,
				       const __be32 *addr, __be16 port)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u32 l4_off = l4_offset(p), acc = 0;
	bool v6 = p->key.family == XDPLB_AF_INET6;
	__be16 *ports = NULL, *check = NULL, old_port;

	if (p->frag != PKT_FRAG_MORE) {
		ports = data + l4_off;
		if ((void *)(ports + 4) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		if (p->key.proto == IPPROTO_TCP) {
			check = data + l4_off + 16;
			if ((void *)(check + 1) > data_end)
				return -XDPLB_R_DROP_INTERNAL;
		} else if (ports[3]) {
			check = &ports[3];
		} else if (v6) {
			return -XDPLB_R_DROP_MALFORMED_L4;
		}
	}

	if (v6) {
		struct ipv6hdr *ip6 = data + l3_offset(p);
		__be32 *a, old[4];

		if ((void *)(ip6 + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		a = dst ? (__be32 *)&ip6->daddr : (__be32 *)&ip6->saddr;
		__builtin_memcpy(old, a, 16);
		__builtin_memcpy(a, addr, 16);
		acc = csum_acc_addr6(acc, old, addr);
	} else {
		struct iphdr *iph = data + l3_offset(p);
		__be32 old;

		if ((void *)(iph + 1) > data_end)
			return -XDPLB_R_DROP_INTERNAL;
		old = dst ? iph->daddr : iph->saddr;
		if (dst)
			iph->daddr = addr[0];
		else
			iph->saddr = addr[0];
		csum_replace4(&iph->check, old, addr[0]);
		acc = csum_sub_add(acc, old, addr[0]);
	}
	if (!ports)
		return 0;
	old_port = dst ? ports[1] : ports[0];
	if (port) {
		if (dst)
			ports[1] = port;
		else
			ports[0] = port;
		acc += (__u16)~old_port + port;
	}
	if (check) {
		*check = csum_fold((__u16) ~*check + acc);
		if (p->key.proto == IPPROTO_UDP && !*check)
			*check = 0xffff;
	}
	return 0;
}

/*
 * The reply entry of a new NAT flow: @nf in @set, reply tuple @key's set of the flow table
 * (the forward flow's: the same client side), in the key's slot if it has one already, else
 * a free slot, else the slot used longest ago (bpf/flow_table.h's claim and fill, as a new
 * flow's).  The entry itself is counted nowhere; a flow it displaces is counted out as any
 * displaced flow, and a reply entry it displaces just stops translating the replies of a
 * flow that has been quiet longest in its set.
 */
static __always_inline void nat_insert(void *set, const void *key, const struct xdplb_flow *nf,
				       bool v6, __u32 how)
{
	struct xdplb_flow evicted, *f;
	struct flow_ref r;
	void *skey;
	__u32 slot;

	flow_set_find(&r, set, key, v6, how);
	slot = r.slot;
	if (!r.set || slot >= (v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4))
		return;
	f = flow_slot(r.set, slot, &skey, v6);
	/* the key's own entry is written over (its flow moved, or changed state): claimed
	 * from the state it is in now */
	if (!flow_slot_fill(f, skey, key, r.f ? *(volatile __u32 *)&f->state : r.seen, nf, &evicted,
			    v6))
		flow_evicted(&evicted);
}

/* As functions of their own (global functions, verified once), like xdplb_flow_insert4/6(). */
__noinline int xdplb_nat_insert4(const struct xdplb_flow_key4 *key, const struct xdplb_flow *nf,
				 __u32 how)
{
	if (!key || !nf)
		return -1;
	nat_insert(flow_table_set(&xdplb_flows, key, false, true), key, nf, false, how);
	return 0;
}

__noinline int xdplb_nat_insert6(const struct xdplb_flow_key *key, const struct xdplb_flow *nf,
				 __u32 how)
{
	if (!key || !nf)
		return -1;
	nat_insert(flow_table_set(&xdplb_flows6, key, true, true), key, nf, true, how);
	return 0;
}

/*
 * NAT towards a backend: remember the reply tuple (@nat_write: a new or moved flow of VIP
 * @vip_id at @now, or one whose state this packet moved) and rewrite the destination.  What
 * nat_rewrite() refuses (an IPv6 UDP checksum 0) never gets here: parse_l4() has it
 * dropped first (drop_malformed_l4).  An ICMP error (p->icmp_err) was translated by its
 * caller already.
 */
static __always_inline int nat_to_backend(struct xdp_md *ctx, const struct packet *p,
					  const struct xdplb_real *real, __u32 real_id,
					  __u32 vip_id, bool nat_write, __u64 now)
{
	if (p->icmp_err)
		return 0;
	if (nat_write) {
		/* a TCP entry in its flow's state, written again when this packet moved it: a SYN
		 * flood's entries are half-open and displace each other, not established
		 * connections', and a closed connection's goes before those too, on its flow's
		 * shorter timeout (bpf/flow_table.h); UDP's established, as ever */
		struct xdplb_flow nf = { .real_id = real_id,
					 .vip_id = vip_id,
					 .state = p->key.proto == IPPROTO_TCP
						      ? flow_new_state(IPPROTO_TCP, p->tcp_flags)
						      : XDPLB_FLOW_ACTIVE,
					 .gen = real->gen,
					 .atime = xdplb_tick(now) };
		__u32 how = nf.state == XDPLB_FLOW_SYN ? FT_HALFOPEN : 0;

		if (p->key.family == XDPLB_AF_INET6) {
			struct xdplb_flow_key rk = { .family = XDPLB_AF_INET6,
						     .pad = { XDPLB_KEY_REPLY } };

			__builtin_memcpy(rk.src, real->addr, 16);
			__builtin_memcpy(rk.dst, p->key.src, 16);
			rk.sport = real->port ? real->port : p->key.dport;
			rk.dport = p->key.sport;
			rk.proto = p->key.proto;
			xdplb_nat_insert6(&rk, &nf, how);
		} else {
			struct xdplb_flow_key4 rk = { .pad = { XDPLB_KEY_REPLY } };

			rk.src = real->addr[0];
			rk.dst = p->fkey.src;
			rk.sport = real->port ? real->port : p->fkey.dport;
			rk.dport = p->fkey.sport;
			rk.proto = p->fkey.proto;
			xdplb_nat_insert4(&rk, &nf, how);
		}
	}
	return nat_rewrite(ctx, p, true, real->addr, real->port);
}

/*
 * A new NAT flow whose first packet did not go to its backend (answered with fragmentation
 * needed / packet too big, or dropped after select_real() made the flow: no route, ...) is
 * forgotten: @key's flow entry in table @map, if it is still the one of VIP @vip_id on
 * backend @real_id, is deleted and counted out as an expired flow is.  The packet wrote no reply
 * entry (nat_to_backend() is not reached); kept, the flow would be no new flow to its next packet,
 * which would reach the backend without writing one, and the backend's replies would leave
 * untranslated (or be taken by an l3hash VIP's entry of the same addresses).  So the flow's next
 * packet is a new flow again.  Its flow-cache slots go stale on every CPU (flow_cache_forget()).
 */
static __always_inline void nat_forget(void *map, const void *key, bool v6, __u32 vip_id,
				       __u32 real_id, __u64 now)
{
	struct flow_ref r;

	flow_table_find(&r, map, key, v6, 0);
	if (r.f && r.f->vip_id == vip_id && r.f->real_id == real_id)
		flow_expire(r.f, false);
	flow_cache_forget(key, v6, now);
}

/* As functions of their own (verified once): only the rare path that forgets pays. */
__noinline int xdplb_nat_forget4(const struct xdplb_flow_key4 *key, __u32 vip_id, __u32 real_id,
				 __u64 now)
{
	if (!key)
		return -1;
	nat_forget(&xdplb_flows, key, false, vip_id, real_id, now);
	return 0;
}

__noinline int xdplb_nat_forget6(const struct xdplb_flow_key *key, __u32 vip_id, __u32 real_id,
				 __u64 now)
{
	if (!key)
		return -1;
	nat_forget(&xdplb_flows6, key, true, vip_id, real_id, now);
	return 0;
}

/* What forward() is told about a NAT packet's state (@nat): */
#define NAT_WRITE 1 /* write its reply entry: a new or moved flow, or one whose state it moved */
#define NAT_NEW	  2 /* a new flow (select_real()): forgotten if the packet does not go out */

/* @verdict, for a NAT packet that does not go to its backend: a new flow's state is forgotten
 * (nat_forget()). */
static __always_inline int nat_unsent(const struct packet *p, __u32 vip_id, __u32 real_id,
				      __u32 nat, __u64 now, int verdict)
{
	if (!(nat & NAT_NEW))
		return verdict;
	if (p->key.family == XDPLB_AF_INET6)
		xdplb_nat_forget6(&p->key, vip_id, real_id, now);
	else
		xdplb_nat_forget4(&p->fkey, vip_id, real_id, now);
	return verdict;
}

/*
 * Slot of an IPv6 client in xdplb_nhclient6 (12 bits: XDPLB_NH_CLIENT_SLOTS).  Clients of one
 * prefix differ in the interface identifier, the last two words: those are mixed in last.
 * The unit tests compute it too (test_nexthop.c).
 */
static __always_inline __u32 client6_slot(const __be32 *c)
{
	return ((((c[0] ^ c[1]) * 0x9e3779b1u ^ c[2]) * 0x85ebca6bu ^ c[3]) * 0x9e3779b1u) >> 20;
}

/*
 * The backend id of reply tuple @key's entry in @set (the key's set of the flow table) if the
 * entry is still its backend's (the id neither freed nor given to another backend since:
 * flow_real(), which also wants the backend still of the entry's VIP), else 0.  Refreshes
 * the entry's atime at most once a second, as a flow's.
 */
static __always_inline __u32 nat_find(void *set, const void *key, bool v6, __u64 now)
{
	struct xdplb_flow *f;
	struct flow_ref r;

	flow_set_find(&r, set, key, v6, 0);
	f = r.f;
	if (!f || !flow_real(f))
		return 0;
	if ((__s32)(xdplb_tick(now) - f->atime) >= XDPLB_TICKS_REFRESH)
		f->atime = xdplb_tick(now);
	return f->real_id;
}

/* As functions of their own (verified once): inlined, the exact and the l3hash lookup of
 * both families in both programs cost the verifier 9,000 more instructions.  @key: the
 * reply's tuple as parsed; looked up as a reply entry's (XDPLB_KEY_REPLY), marked so in
 * place for the lookup and given back as it was: a copy would take 40 bytes of this frame,
 * and the ICMP program's deepest call chain (its main function, this, xdplb_flow_find6())
 * is within a few bytes of the 512-byte stack limit. */
__noinline __u32 xdplb_nat_find4(struct xdplb_flow_key4 *key, __u64 now)
{
	__u32 id;
	__u8 pad;

	if (!key)
		return 0;
	pad = key->pad[0];
	key->pad[0] = XDPLB_KEY_REPLY;
	id = nat_find(flow_table_set(&xdplb_flows, key, false, true), key, false, now);
	key->pad[0] = pad;
	return id;
}

__noinline __u32 xdplb_nat_find6(struct xdplb_flow_key *key, __u64 now)
{
	__u32 id;
	__u8 pad;

	if (!key)
		return 0;
	pad = key->pad[0];
	key->pad[0] = XDPLB_KEY_REPLY;
	id = nat_find(flow_table_set(&xdplb_flows6, key, true, true), key, true, now);
	key->pad[0] = pad;
	return id;
}

/* What replies of backend @id (0: none) get back, if it is of @family. */
static __always_inline const struct xdplb_real_vip *nat_vip(__u32 id, __u8 family)
{
	const struct xdplb_real_vip *rv;

	if (!id)
		return NULL;
	rv = bpf_map_lookup_elem(&xdplb_real_vip, &id);
	return rv && rv->family == family ? rv : NULL;
}

/* What a reply's NAT entry gives back: its VIP's address and port. */
struct nat_hit {
	const struct xdplb_real_vip *rv;
	__u32 real_id;
	__be16 port; /* 0: leave the reply's port alone */
};

/* The reply entry of a NAT flow for @p (a backend -> client tuple): exact, else (some NAT VIP
 * has l3hash) the entry of the addresses alone, whose replies keep their ports.  Returns
 * whether there is one that translates. */
static __always_inline bool nat_entry(const struct packet *p, __u32 cfg_flags, __u64 now,
				      struct nat_hit *h)
{
	bool v6 = p->key.family == XDPLB_AF_INET6;
	bool ports = v6 ? p->key.sport | p->key.dport : p->fkey.sport | p->fkey.dport;
	__u32 id;

	h->port = 0;
	/* the key is marked for the lookup and given back as it was (xdplb_nat_find4()) */
	id = v6 ? xdplb_nat_find6((struct xdplb_flow_key *)&p->key, now)
		: xdplb_nat_find4((struct xdplb_flow_key4 *)&p->fkey, now);
	h->rv = nat_vip(id, p->key.family);
	h->real_id = id;
	if (h->rv) {
		if (ports)
			h->port = h->rv->vip_port;
		return true;
	}
	if (!(cfg_flags & XDPLB_CFG_F_NAT_L3) || !ports)
		return false;
	if (v6) {
		struct xdplb_flow_key k = p->key;

		k.sport = k.dport = 0;
		id = xdplb_nat_find6(&k, now);
	} else {
		struct xdplb_flow_key4 k = p->fkey;

		k.sport = k.dport = 0;
		id = xdplb_nat_find4(&k, now);
	}
	h->rv = nat_vip(id, p->key.family);
	h->real_id = id;
	return h->rv;
}

/**
 * nat_reply() - NAT mode's return path: a backend's reply becomes the VIP's again.
 * @iq: NULL for a reply; for an ICMP error a backend sent about what it received, where the
 *	quoted packet lies (@p is then the quoted tuple reversed, i.e. the reply tuple).
 *
 * Called for packets that are for no VIP, when some VIP is in NAT mode: a packet whose
 * 5-tuple is a known reply (backend:port -> client:port, a reply entry of xdplb_flows(6), its
 * backend id still the entry's backend) gets the VIP's address and port (xdplb_real_vip; a
 * port-0 or l3hash VIP's replies keep theirs) as its source and goes towards the client.  An
 * ICMP error gets the VIP put back in its outer source and in the packet it quotes
 * (icmp_nat_rewrite()).
 *
 * A reply that is translated counts in its backend's and VIP's out_packets and out_bytes
 * (@bytes: its length as it arrived), whether XDP or (PASS_NO_NEIGH) the kernel sends it, and
 * @sel gets their ids.
 *
 * Returns: a non-negative enum xdplb_reason, -reason, or -1 - XDPLB_R_MAX when the packet
 * is no reply (the caller passes it on untouched).
 */
#define NAT_NOT_A_REPLY (-1 - XDPLB_R_MAX)

/* sender_policy() for a reply, with the source as the frame has it: @p is an ICMP error's
 * quote when a backend's error is translated, and the policy is the error's sender's. */
static __always_inline int reply_sender_policy(struct xdp_md *ctx, const struct packet *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__be32 *src = data + l3_offset(p) + (p->key.family == XDPLB_AF_INET6 ? 8 : 12);

	if ((void *)(src + 4) > data_end)
		return -XDPLB_R_DROP_INTERNAL;
	return sender_policy(data, data_end, p->key.family, src);
}

static __always_inline int nat_reply(struct xdp_md *ctx, const struct packet *p,
				     const struct xdplb_config *cfg, const struct icmp_quote *iq,
				     struct selection *sel, __u64 bytes)
{
	struct xdplb_nh tmp, *nh = &tmp; /* filled by the lookup before it is read */
	__u64 now = coarse_now();
	struct nat_hit h;
	__be32 vip[4];
	__be16 vip_port;
	int rc, err, pass = XDPLB_R_PASS_NO_NEIGH;
	__u32 mtu;

	if (!nat_entry(p, cfg->flags, now, &h))
		return NAT_NOT_A_REPLY;
	err = reply_sender_policy(ctx, p);
	if (err)
		return err;
	if (ip_ttl((void *)(long)ctx->data, (void *)(long)ctx->data_end, p) <= 1)
		return XDPLB_R_PASS_TTL; /* a router would not forward it either */
	vip_port = h.port;
	__builtin_memcpy(vip, h.rv->vip_addr, sizeof(vip));
	if (over_cfg_mtu(cfg, p->l3_len)) {
		rc = BPF_FIB_LKUP_RET_FRAG_NEEDED;
		mtu = cfg->mtu;
	} else if (p->key.family == XDPLB_AF_INET6) {
		__u32 slot = client6_slot(p->key.dst);
		/* the VIP is the source and in the key, as for IPv4 */
		struct nh6_query q = { .tot_len = p->l3_len,
				       .proto = p->key.proto,
				       .in_ifindex = ctx->ingress_ifindex,
				       .now = now };

		__builtin_memcpy(q.src, vip, 16);
		__builtin_memcpy(q.key_src, vip, 16);
		__builtin_memcpy(q.dst, p->key.dst, 16);
		rc = next_hop_v6(ctx, bpf_map_lookup_elem(&xdplb_nhclient6, &slot), &q, nh);
		mtu = nh->max_len;
	} else {
		__be32 client = p->fkey.dst;
		__u32 slot = (client * 0x9e3779b1u) >> 20; /* 12 bits: XDPLB_NH_CLIENT_SLOTS */
		/* the VIP is the source: policy routing may depend on it, so it is in the key */
		struct nh_query q = { .src = vip[0],
				      .key_src = vip[0],
				      .dst = client,
				      .tot_len = p->l3_len,
				      .proto = p->fkey.proto,
				      .in_ifindex = ctx->ingress_ifindex,
				      .now = now };

		rc = next_hop_v4(ctx, bpf_map_lookup_elem(&xdplb_nh_client, &slot), &q, &tmp, &nh);
		mtu = nh->max_len;
	}
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		/* the backend learns the path MTU towards the client from the answer */
		pass = too_big(ctx, p, mtu, 0, true);
		if (pass != XDPLB_R_PASS_TOO_BIG)
			return pass;
		rc = BPF_FIB_LKUP_RET_NO_NEIGH;
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return fib_error(rc);
	err = iq ? icmp_nat_rewrite(ctx, p, iq, false, vip, vip_port)
		 : nat_rewrite(ctx, p, false, vip, vip_port);
	if (err)
		return err;
	sel->reply = 1;
	sel->real_id = h.real_id;
	sel->vip_id = h.rv->vip_id;
	count_out(&xdplb_real_stats, h.real_id, bytes);
	count_out(&xdplb_vip_stats, h.rv->vip_id, bytes);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return pass;
	err = nat_hop(ctx, p);
	if (err)
		return err;
	err = set_l2(ctx, p, nh->smac, nh->dmac, nh->ifindex == nh->in_ifindex);
	return err ?: fib_out(nh->ifindex, nh->in_ifindex);
}

#endif /* XDPLB_NAT_H */
