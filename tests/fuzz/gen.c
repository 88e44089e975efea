// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fuzzer's frame generator: a seed for every path through the balancer (a valid frame
 * built from a spec of every header field), then mutations of that spec (each field, lengths
 * included, IPv4 options, IPv6 extension-header chains, VLAN tags, the packet an ICMP error
 * quotes) and of the bytes it becomes (truncation at every header boundary, bit flips, random
 * tails).  The serializer computes every length and checksum the spec does not override, so
 * that a mutated field is the only defect unless the mutation says otherwise.
 *
 * Case @no of a run is a function of the seed, the case number and the flow tracker's state,
 * which replaying the epoch up to the case rebuilds: a case replays by its number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <netinet/in.h>
#include "fuzz.h"

#define NH_HOP	 0
#define NH_ROUTE 43
#define NH_FRAG	 44
#define NH_ESP	 50
#define NH_AH	 51
#define NH_NONE	 59
#define NH_DEST	 60

struct ext6 {
	u8 type;
	u16 len;  /* bytes: a multiple of 8 (AH: of 4), 8 for a fragment header */
	int lenb; /* raw length byte, -1 = computed */
	u8 segs;  /* routing header: segments left */
	u16 fo;	  /* fragment header: offset << 3 | M */
	u32 id;
};

/* One IP packet: IPv4 or IPv6 header, extension headers, TCP/UDP/ICMP/other, payload. */
struct ipspec {
	u8 fam;
	u8 src[16], dst[16];
	u8 tos, ttl;
	u16 id, frag; /* IPv4 flags and offset as on the wire */
	u8 opts[40], optlen;
	u32 flow;
	u8 proto; /* upper-layer protocol */
	struct ext6 ext[8];
	int next;
	/* overrides: -1 = computed */
	int ver, ihl, len, csum, proto_raw;
	u16 csum_delta;
	/* fragment of the upper layer: bytes [fstart, fstart + flen) of it, -1 = all */
	int fstart, flen;
	bool fmore;
	/* TCP / UDP */
	u16 sport, dport, win, urg;
	u32 seq, ack;
	u8 flags, resv; /* TCP flags byte; reserved bits of byte 12 */
	u8 topts[40], toptlen;
	int doff, ulen, l4csum;
	u16 l4csum_delta;
	/* ICMP */
	u8 itype, icode;
	u32 irest;
	bool quote; /* the body is the serialized quote (struct spec.q), cut at qlen */
	int qlen;
	/* payload */
	u16 plen;
	u8 payload[1600];
};

struct spec {
	u8 dmac[6], smac[6];
	int ntags;
	u16 tpid[2], tci[2];
	int ethertype; /* -1: by family */
	bool raw;      /* not IP: rawlen bytes of payload after the L2 header */
	u16 rawlen;
	struct ipspec ip, q;
	u16 pad; /* bytes after the IP packet (Ethernet padding, a random tail) */
};

struct layout {
	u16 b[24]; /* header boundaries, for truncation */
	int n;
};

static void lay_add(struct layout *l, u32 off)
{
	if (l->n < 24)
		l->b[l->n++] = off;
}

static int howf(struct fz_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int howf(struct fz_case *c, const char *fmt, ...)
{
	size_t n = strlen(c->how);
	va_list ap;

	if (n + 2 >= sizeof(c->how))
		return 0;
	va_start(ap, fmt);
	vsnprintf(c->how + n, sizeof(c->how) - n, fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- serializer ---- */

static u16 csum_final(u64 sum)
{
	return (u16)~oc_fold(sum);
}

/* The pseudo-header sum (RFC 768/9293 for IPv4, RFC 8200 8.1 for IPv6). */
static u64 pseudo(const struct ipspec *s, u8 proto, u32 len)
{
	u64 sum = s->fam == 4 ? oc_add(0, s->src, 4) + oc_add(0, s->dst, 4)
			      : oc_add(0, s->src, 16) + oc_add(0, s->dst, 16);

	return sum + proto + (len >> 16) + (len & 0xffff);
}

static size_t ser_ip(const struct spec *sp, const struct ipspec *s, u8 *out, size_t room,
		     struct layout *lay, u32 base);

/* The upper layer of @s into @u (whole, before any fragment slicing); returns its length. */
static size_t ser_upper(const struct spec *sp, const struct ipspec *s, u8 *u, size_t room)
{
	size_t n = 0, body;
	u16 c;

	switch (s->proto) {
	case IPPROTO_TCP:
		memset(u, 0, 20);
		wr16(u, s->sport);
		wr16(u + 2, s->dport);
		wr32(u + 4, s->seq);
		wr32(u + 8, s->ack);
		u[12] =
		    (u8)((s->doff >= 0 ? s->doff : (20 + s->toptlen) / 4) << 4 | (s->resv & 15));
		u[13] = s->flags;
		wr16(u + 14, s->win);
		wr16(u + 18, s->urg);
		memcpy(u + 20, s->topts, s->toptlen);
		n = 20 + s->toptlen;
		memcpy(u + n, s->payload, s->plen);
		n += s->plen;
		if (s->l4csum >= 0) {
			wr16(u + 16, (u16)s->l4csum);
		} else {
			c = csum_final(pseudo(s, IPPROTO_TCP, n) + oc_add(0, u, n));
			wr16(u + 16, (u16)(c + s->l4csum_delta));
		}
		return n;
	case IPPROTO_UDP:
		memset(u, 0, 8);
		wr16(u, s->sport);
		wr16(u + 2, s->dport);
		memcpy(u + 8, s->payload, s->plen);
		n = 8 + s->plen;
		wr16(u + 4, s->ulen >= 0 ? (u16)s->ulen : (u16)n);
		if (s->l4csum >= 0) {
			wr16(u + 6, (u16)s->l4csum);
		} else {
			c = csum_final(pseudo(s, IPPROTO_UDP, n) + oc_add(0, u, n));
			/* RFC 768: a computed 0 goes as all ones */
			wr16(u + 6, (u16)((c ? c : 0xffff) + s->l4csum_delta));
		}
		return n;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		memset(u, 0, 8);
		u[0] = s->itype;
		u[1] = s->icode;
		wr32(u + 4, s->irest);
		if (s->quote) {
			struct layout ql = { .n = 0 };

			body = ser_ip(sp, &sp->q, u + 8, room - 8, &ql, 0);
			if (s->qlen >= 0 && (size_t)s->qlen < body)
				body = s->qlen;
		} else {
			body = s->plen;
			memcpy(u + 8, s->payload, body);
		}
		n = 8 + body;
		if (s->l4csum >= 0) {
			wr16(u + 2, (u16)s->l4csum);
		} else {
			/* RFC 792: the message only; RFC 4443 2.3: with the pseudo-header */
			c = csum_final((s->proto == IPPROTO_ICMPV6 ? pseudo(s, s->proto, n) : 0) +
				       oc_add(0, u, n));
			wr16(u + 2, (u16)(c + s->l4csum_delta));
		}
		return n;
	default:
		memcpy(u, s->payload, s->plen);
		return s->plen;
	}
}

static size_t ser_ext(const struct ext6 *e, u8 next, u8 *p)
{
	size_t len = e->type == NH_FRAG ? 8 : e->len;

	memset(p, 0, len);
	if (e->type == NH_ESP) {
		/* SPI, sequence number, then opaque: no next header in sight */
		wr32(p, 0x1000 + e->id);
		wr32(p + 4, 1);
		for (size_t i = 8; i < len; i++)
			p[i] = (u8)(i * 7);
		return len;
	}
	p[0] = next;
	switch (e->type) {
	case NH_FRAG:
		wr16(p + 2, e->fo);
		wr32(p + 4, e->id);
		break;
	case NH_AH:
		p[1] = (u8)(len / 4 - 2);
		wr32(p + 4, 0x2000 + e->id);
		break;
	case NH_ROUTE:
		p[1] = (u8)(len / 8 - 1);
		p[2] =
		    4; /* segment routing (RFC 8754); any type is ignored with no segments left */
		p[3] = e->segs;
		break;
	default: /* hop-by-hop, destination options: PadN (RFC 8200 4.2) */
		p[1] = (u8)(len / 8 - 1);
		p[2] = 1;
		p[3] = (u8)(len - 4);
		break;
	}
	if (e->lenb >= 0)
		p[1] = (u8)e->lenb;
	return len;
}

/* The IP packet of @s at @out; boundaries (offset @base + ...) into @lay.  Returns its length. */
static size_t ser_ip(const struct spec *sp, const struct ipspec *s, u8 *out, size_t room,
		     struct layout *lay, u32 base)
{
	static u8 ubuf[2][FZ_BUF];
	u8 *u = ubuf[s == &sp->q];
	size_t hl = s->fam == 4 ? 20 + s->optlen : 40, ulen, at, total, ext = 0;
	u8 first;

	ulen = ser_upper(sp, s, u, FZ_BUF - 64);
	if (s->fstart >= 0) { /* a fragment: a slice of the upper layer */
		size_t st = (size_t)s->fstart < ulen ? (size_t)s->fstart : ulen;
		size_t ln = s->flen >= 0 && st + s->flen <= ulen ? (size_t)s->flen : ulen - st;

		memmove(u, u + st, ln);
		ulen = ln;
	}
	if (s->fam == 6)
		for (int i = 0; i < s->next; i++)
			ext += s->ext[i].type == NH_FRAG ? 8 : s->ext[i].len;
	total = hl + ext + ulen;
	if (total > room)
		abort();
	memset(out, 0, hl);
	lay_add(lay, base);
	if (s->fam == 4) {
		out[0] =
		    (u8)((s->ver >= 0 ? s->ver : 4) << 4 | (s->ihl >= 0 ? s->ihl : (int)hl / 4));
		out[1] = s->tos;
		wr16(out + 2, s->len >= 0 ? (u16)s->len : (u16)total);
		wr16(out + 4, s->id);
		wr16(out + 6, s->frag);
		out[8] = s->ttl;
		out[9] = s->proto_raw >= 0 ? (u8)s->proto_raw : s->proto;
		memcpy(out + 12, s->src, 4);
		memcpy(out + 16, s->dst, 4);
		memcpy(out + 20, s->opts, s->optlen);
		wr16(out + 10, s->csum >= 0
				   ? (u16)s->csum
				   : (u16)(csum_final(oc_add(0, out, hl)) + s->csum_delta));
		at = hl;
	} else {
		wr32(out, (u32)(s->ver >= 0 ? s->ver : 6) << 28 | (u32)s->tos << 20 |
			      (s->flow & 0xfffff));
		wr16(out + 4, s->len >= 0 ? (u16)s->len : (u16)(total - 40));
		first = s->next ? s->ext[0].type : s->proto;
		out[6] = s->proto_raw >= 0 ? (u8)s->proto_raw : first;
		out[7] = s->ttl;
		memcpy(out + 8, s->src, 16);
		memcpy(out + 24, s->dst, 16);
		at = 40;
		for (int i = 0; i < s->next; i++) {
			lay_add(lay, base + at);
			at += ser_ext(&s->ext[i], i + 1 < s->next ? s->ext[i + 1].type : s->proto,
				      out + at);
		}
	}
	lay_add(lay, base + at);
	memcpy(out + at, u, ulen);
	if (s->fstart <= 0 && (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP)) {
		lay_add(lay, base + at + 4); /* the ports */
		lay_add(lay, base + at + (s->proto == IPPROTO_TCP ? 20 : 8));
	} else if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6) {
		lay_add(lay, base + at + 8);
		if (s->quote) {
			lay_add(lay, base + at + 8 + (sp->q.fam == 4 ? 20 : 40));
			lay_add(lay, base + at + 8 + (sp->q.fam == 4 ? 28 : 48));
		}
	}
	lay_add(lay, base + total);
	return total;
}

static void serialize(const struct spec *sp, struct fz_frame *f, struct layout *lay, struct rng *r)
{
	u8 *p = f->d;
	size_t n = 12;

	lay->n = 0;
	memcpy(p, sp->dmac, 6);
	memcpy(p + 6, sp->smac, 6);
	for (int i = 0; i < sp->ntags; i++) {
		wr16(p + n, sp->tpid[i]);
		wr16(p + n + 2, sp->tci[i]);
		n += 4;
	}
	wr16(p + n, sp->ethertype >= 0 ? (u16)sp->ethertype
		    : sp->raw	       ? 0x0806
		    : sp->ip.fam == 4  ? 0x0800
				       : 0x86dd);
	n += 2;
	lay_add(lay, 12);
	lay_add(lay, n);
	if (sp->raw) {
		for (u32 i = 0; i < sp->rawlen; i++)
			p[n + i] = (u8)rng_next(r);
		n += sp->rawlen;
	} else {
		n += ser_ip(sp, &sp->ip, p + n, FZ_BUF - n - 256, lay, n);
	}
	for (u32 i = 0; i < sp->pad; i++)
		p[n + i] = (u8)rng_next(r);
	f->len = n + sp->pad;
}

/* ---- seeds ---- */

static void ip_defaults(struct ipspec *s, int fam)
{
	memset(s, 0, offsetof(struct ipspec, payload));
	s->fam = fam;
	s->ttl = 64;
	s->win = 65535;
	s->ver = s->ihl = s->len = s->csum = s->proto_raw = -1;
	s->doff = s->ulen = s->l4csum = -1;
	s->fstart = s->flen = -1;
	s->qlen = -1;
}

static void spec_defaults(struct spec *sp, int fam)
{
	static const u8 client_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memcpy(sp->dmac, fz_if_mac[IF_LB0], 6);
	memcpy(sp->smac, client_mac, 6);
	sp->ntags = 0;
	sp->ethertype = -1;
	sp->raw = false;
	sp->pad = 0;
	ip_defaults(&sp->ip, fam);
}

static void fill_payload(struct ipspec *s, struct rng *r, u32 len)
{
	if (len > sizeof(s->payload))
		len = sizeof(s->payload);
	s->plen = len;
	for (u32 i = 0; i < len; i++)
		s->payload[i] = (u8)rng_next(r);
}

static const u8 tcp_flag_sets[] = { 0x02, 0x10, 0x18, 0x11, 0x04, 0x14, 0x12, 0x00, 0x01, 0x29 };

static void set_l4(struct ipspec *s, struct rng *r, u8 proto, u16 sport, u16 dport)
{
	s->proto = proto;
	s->sport = sport;
	s->dport = dport;
	if (proto == IPPROTO_TCP) {
		s->seq = (u32)rng_next(r);
		s->ack = (u32)rng_next(r);
		s->flags = rng_pct(r, 70) ? tcp_flag_sets[rng_below(r, sizeof(tcp_flag_sets))]
					  : (u8)rng_next(r);
		if (rng_pct(r, 20)) { /* MSS, SACK permitted, window scale */
			static const u8 o[12] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7, 0, 0 };

			memcpy(s->topts, o, sizeof(o));
			s->toptlen = 12;
		}
	}
}

/* Ordinary IPv4 options or IPv6 extension headers, as some clients send them. */
static void some_ip_extras(struct ipspec *s, struct rng *r)
{
	if (s->fam == 4) {
		s->frag = rng_pct(r, 60) ? 0x4000 : 0;
		s->id = (u16)rng_next(r);
		if (rng_pct(r, 8)) {
			static const u8 ra[4] = { 148, 4, 0, 0 }; /* router alert */
			static const u8 nops[4] = { 1, 1, 1, 0 };

			memcpy(s->opts, rng_pct(r, 50) ? ra : nops, 4);
			s->optlen = 4;
		}
	} else {
		s->flow = (u32)rng_next(r) & 0xfffff;
		if (rng_pct(r, 12)) {
			static const u8 kinds[] = { NH_HOP, NH_DEST, NH_ROUTE, NH_FRAG };
			u8 k = kinds[rng_below(r, 4)];

			s->ext[0] = (struct ext6){ .type = k, .len = 8, .lenb = -1 };
			if (k == NH_ROUTE)
				s->ext[0].len = 24;
			s->next = 1;
		}
	}
	s->tos = rng_pct(r, 80) ? 0 : (u8)rng_next(r);
	s->ttl = rng_pct(r, 70) ? 64 : 2 + rng_below(r, 254);
}

static void maybe_vlan(struct spec *sp, struct rng *r)
{
	if (rng_pct(r, 12)) {
		sp->ntags = 1;
		sp->tpid[0] = 0x8100;
		sp->tci[0] = 1 + rng_below(r, 4094);
	}
}

static int vip_of_proto_index(int fam, bool nat_only, struct rng *r)
{
	int cand[64] = { 0 }, n = 0;

	for (int i = 0; i < fz_nvips; i++)
		if (fz_vips[i].fam == fam && (!nat_only || fz_vips[i].mode == XDPLB_MODE_NAT))
			cand[n++] = i;
	return cand[rng_below(r, n)];
}

/* Establishment flow @j of VIP @v: client pool index and port. */
static void est_tuple(int v, int j, int *ci, u16 *cport)
{
	*ci = j % 16;
	*cport = (u16)(20000 + v * 64 + j);
}

static u16 vip_dport(const struct fz_vip *v, struct rng *r)
{
	return v->port ? v->port : (u16)(1 + rng_below(r, 65535));
}

/* A client's packet to VIP @vi: a recent tuple of it, an establishment flow or a new one. */
static void seed_fwd(struct spec *sp, struct fz_case *c, struct fz_state *st, int vi, struct rng *r,
		     bool est, int j)
{
	const struct fz_vip *v = &fz_vips[vi];
	struct ipspec *s = &sp->ip;
	u16 sport, dport;
	int ci;

	spec_defaults(sp, v->fam);
	memcpy(s->dst, v->a, 16);
	if (est) {
		est_tuple(vi, j, &ci, &sport);
		fz_client(v->fam, ci, s->src);
		dport = v->port ? v->port : (u16)(8000 + j);
		set_l4(s, r, v->proto, sport, dport);
		s->flags = 0x02;
		fill_payload(s, r, v->proto == IPPROTO_UDP ? 16 : 0);
		s->frag = v->fam == 4 ? 0x4000 : 0;
		howf(c, "establish flow %d of %s", j, v->name);
		return;
	}
	if (st->nrecent[vi] && rng_pct(r, 45)) {
		const struct fz_tuple *t =
		    &st->recent[vi][rng_below(r, st->nrecent[vi] < 16 ? st->nrecent[vi] : 16)];

		memcpy(s->src, t->src, 16);
		sport = t->sport;
		dport = t->dport;
		howf(c, "recent flow of %s", v->name);
	} else if (v->nest && rng_pct(r, 35)) {
		int jj = rng_below(r, v->nest);

		est_tuple(vi, jj, &ci, &sport);
		fz_client(v->fam, ci, s->src);
		dport = v->port ? v->port : (u16)(8000 + jj);
		howf(c, "established flow %d of %s", jj, v->name);
	} else {
		fz_client(v->fam, rng_below(r, 16), s->src);
		if (rng_pct(r, 10))
			for (int i = 0; i < (v->fam == 4 ? 4 : 16); i++)
				s->src[i] = (u8)rng_next(r);
		sport = (u16)(1024 + rng_below(r, 64512));
		dport = vip_dport(v, r);
		howf(c, "new flow to %s", v->name);
	}
	set_l4(s, r, v->proto, sport, dport);
	some_ip_extras(s, r);
	maybe_vlan(sp, r);
	/* the VIPs behind the 1300-byte link: sizes around what fits */
	if (v->be[0].ifx == IF_LB2)
		fill_payload(s, r, 1180 + rng_below(r, 160));
	else
		fill_payload(s, r, rng_pct(r, 30) ? 0 : rng_below(r, rng_pct(r, 90) ? 200 : 1400));
	if (st->nrecent[vi] < 1u << 30) {
		struct fz_tuple *t = &st->recent[vi][st->nrecent[vi]++ % 16];

		memcpy(t->src, s->src, 16);
		t->sport = sport;
		t->dport = dport;
	}
}

/* Fragments of a datagram to an l3hash VIP (or to another VIP, or to no VIP). */
static void seed_frag(struct spec *sp, struct fz_case *c, int vi, struct rng *r)
{
	const struct fz_vip *v = &fz_vips[vi];
	struct ipspec *s = &sp->ip;
	u32 len = 64 + rng_below(r, 600), piece, which;

	spec_defaults(sp, v->fam);
	memcpy(s->dst, v->a, 16);
	if (rng_pct(r, 15))
		s->dst[v->fam == 4 ? 3 : 15] ^= 0x80; /* no VIP there */
	fz_client(v->fam, rng_below(r, 16), s->src);
	set_l4(s, r, v->proto, (u16)(1024 + rng_below(r, 64512)), vip_dport(v, r));
	fill_payload(s, r, len);
	s->id = (u16)rng_next(r);
	piece = 8 * (1 + rng_below(r, 40));
	which = rng_below(r, 3);
	s->fstart = which == 0 ? 0 : (int)(piece * (which == 1 ? 1 : 2));
	s->flen = which == 2 ? -1 : (int)piece;
	s->fmore = which != 2;
	if (v->fam == 4) {
		s->frag = (u16)((s->fstart / 8) | (s->fmore ? 0x2000 : 0));
	} else {
		s->ext[0] = (struct ext6){ .type = NH_FRAG,
					   .lenb = -1,
					   .fo = (u16)(s->fstart << 3 | s->fmore),
					   .id = (u32)rng_next(r) };
		s->next = 1;
	}
	maybe_vlan(sp, r);
	howf(c, "fragment at %d (%s) of a datagram to %s", s->fstart, s->fmore ? "more" : "last",
	     v->name);
}

/* A NAT flow the tracker knows (or an establishment flow): the backend's reply. */
static bool pick_nat(struct fz_state *st, int vi, struct rng *r, struct fz_natflow *out)
{
	int cand[64] = { 0 }, n = 0;

	for (int i = st->nnat - 1; i >= 0 && n < 64; i--)
		if (st->nat[i].vip == vi)
			cand[n++] = i;
	if (!n)
		return false;
	*out = st->nat[cand[rng_below(r, n)]];
	return true;
}

static void seed_nat_reply(struct spec *sp, struct fz_case *c, struct fz_state *st, int vi,
			   struct rng *r)
{
	const struct fz_vip *v = &fz_vips[vi];
	struct ipspec *s = &sp->ip;
	struct fz_natflow nf;
	const struct fz_backend *be;

	spec_defaults(sp, v->fam);
	if (!pick_nat(st, vi, r, &nf)) {
		/* none yet: what the backend would answer to establishment flow 0 */
		int ci;
		u16 cport;

		est_tuple(vi, 0, &ci, &cport);
		nf.be = 0;
		fz_client(v->fam, ci, nf.fwd.src);
		nf.fwd.sport = cport;
		nf.fwd.dport = v->port ? v->port : 8000;
		howf(c, "reply of a NAT flow of %s that may not exist, ", v->name);
	} else {
		howf(c, "reply of a NAT flow of %s, ", v->name);
	}
	be = &v->be[nf.be];
	memcpy(s->src, be->a, 16);
	memcpy(s->dst, nf.fwd.src, 16);
	set_l4(s, r, v->proto,
	       be->port && !(v->flags & XDPLB_VIP_F_L3HASH) ? be->port : nf.fwd.dport,
	       nf.fwd.sport);
	if (v->proto == IPPROTO_TCP)
		s->flags =
		    rng_pct(r, 70) ? 0x18 : tcp_flag_sets[rng_below(r, sizeof(tcp_flag_sets))];
	some_ip_extras(s, r);
	if (be->ifx == IF_LB2 || rng_pct(r, 3))
		fill_payload(s, r, 1300 + rng_below(r, 300));
	else
		fill_payload(s, r, rng_below(r, 300));
	maybe_vlan(sp, r);
	howf(c, "from %s", be->addr);
}

static const u8 err4[][2] = { { 3, 4 }, { 3, 1 }, { 3, 3 }, { 3, 13 }, { 11, 0 }, { 12, 0 } };
static const u8 err6[][2] = { { 2, 0 }, { 1, 4 }, { 1, 0 }, { 3, 0 }, { 4, 0 } };

/* An ICMP error from a router about a packet VIP @vi sent a client (TUN and DR backends send
 * as the VIP), arriving for the VIP. */
static void seed_icmp_err(struct spec *sp, struct fz_case *c, struct fz_state *st, int vi,
			  struct rng *r)
{
	const struct fz_vip *v = &fz_vips[vi];
	struct ipspec *s = &sp->ip, *q = &sp->q;
	u16 cport, vport;
	int t;

	spec_defaults(sp, v->fam);
	ip_defaults(q, v->fam);
	if (st->nrecent[vi] && rng_pct(r, 50)) {
		const struct fz_tuple *tp =
		    &st->recent[vi][rng_below(r, st->nrecent[vi] < 16 ? st->nrecent[vi] : 16)];

		memcpy(q->dst, tp->src, 16);
		cport = tp->sport;
		vport = tp->dport;
	} else if (v->nest && rng_pct(r, 60)) {
		int ci, j = rng_below(r, v->nest);

		est_tuple(vi, j, &ci, &cport);
		fz_client(v->fam, ci, q->dst);
		vport = v->port ? v->port : (u16)(8000 + j);
	} else {
		fz_client(v->fam, rng_below(r, 16), q->dst);
		cport = (u16)(1024 + rng_below(r, 64512));
		vport = vip_dport(v, r);
	}
	memcpy(q->src, v->a, 16);
	set_l4(q, r, v->proto, vport, cport);
	q->flags = 0x18;
	q->frag = v->fam == 4 ? 0x4000 : 0;
	q->id = (u16)rng_next(r);
	fill_payload(q, r, rng_below(r, 600));
	memcpy(s->src, v->fam == 4 ? fz_router4 : fz_router6, v->fam == 4 ? 4 : 16);
	memcpy(s->dst, v->a, 16);
	s->proto = v->fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	t = rng_below(r, v->fam == 4 ? 6 : 5);
	s->itype = v->fam == 4 ? err4[t][0] : err6[t][0];
	s->icode = v->fam == 4 ? err4[t][1] : err6[t][1];
	if (s->itype == 2 || (s->itype == 3 && s->icode == 4))
		s->irest = 1280 + rng_below(r, 200);
	s->quote = true;
	{
		/* IPv4: header + 8 (RFC 792) up to 576 bytes in all (RFC 1812 4.3.2.3); IPv6: as
		 * much as fits 1280 (RFC 4443 2.4 (c)) */
		static const int q4[] = { 28, 28, 48, 548 }, q6[] = { 48, 48, 64, 1232 };

		s->qlen = (v->fam == 4 ? q4 : q6)[rng_below(r, 4)];
	}
	s->ttl = 250;
	maybe_vlan(sp, r);
	howf(c, "icmp %u/%u about %s:%u -> client:%u", s->itype, s->icode, v->name, vport, cport);
}

/* A backend's ICMP error about what it got of a NAT flow (client -> backend). */
static void seed_icmp_back(struct spec *sp, struct fz_case *c, struct fz_state *st, int vi,
			   struct rng *r)
{
	const struct fz_vip *v = &fz_vips[vi];
	struct ipspec *s = &sp->ip, *q = &sp->q;
	struct fz_natflow nf;
	const struct fz_backend *be;

	spec_defaults(sp, v->fam);
	ip_defaults(q, v->fam);
	if (!pick_nat(st, vi, r, &nf)) {
		int ci;
		u16 cport;

		est_tuple(vi, 0, &ci, &cport);
		nf.be = 0;
		fz_client(v->fam, ci, nf.fwd.src);
		nf.fwd.sport = cport;
		nf.fwd.dport = v->port ? v->port : 8000;
	}
	be = &v->be[nf.be];
	memcpy(q->src, nf.fwd.src, 16);
	memcpy(q->dst, be->a, 16);
	set_l4(q, r, v->proto, nf.fwd.sport,
	       be->port && !(v->flags & XDPLB_VIP_F_L3HASH) ? be->port : nf.fwd.dport);
	q->ttl = 63;
	fill_payload(q, r, rng_below(r, 200));
	if (rng_pct(r, 90))
		memcpy(s->src, be->a, 16);
	else
		memcpy(s->src, v->fam == 4 ? fz_router4 : fz_router6, v->fam == 4 ? 4 : 16);
	memcpy(s->dst, nf.fwd.src, 16);
	s->proto = v->fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	if (rng_pct(r, 70)) {
		s->itype = v->fam == 4 ? 3 : 1;
		s->icode = v->fam == 4 ? 3 : 4;
	} else {
		int t = rng_below(r, v->fam == 4 ? 6 : 5);

		s->itype = v->fam == 4 ? err4[t][0] : err6[t][0];
		s->icode = v->fam == 4 ? err4[t][1] : err6[t][1];
	}
	s->quote = true;
	s->qlen = rng_pct(r, 50) ? -1 : (v->fam == 4 ? 28 : 48);
	maybe_vlan(sp, r);
	howf(c, "icmp %u/%u from backend %s about a NAT flow of %s", s->itype, s->icode, be->addr,
	     v->name);
}

static void seed_echo(struct spec *sp, struct fz_case *c, int fam, struct rng *r)
{
	struct ipspec *s = &sp->ip;
	int vi = vip_of_proto_index(fam, false, r);

	spec_defaults(sp, fam);
	fz_client(fam, rng_below(r, 16), s->src);
	memcpy(s->dst, fz_vips[vi].a, 16);
	if (rng_pct(r, 20))
		s->dst[fam == 4 ? 3 : 15] ^= 0x40; /* no VIP there */
	s->proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	s->itype = fam == 4 ? 8 : 128;
	s->irest = (u32)rng_next(r);
	fill_payload(s, r, rng_below(r, 120));
	some_ip_extras(s, r);
	maybe_vlan(sp, r);
	howf(c, "echo request to %s's address%s", fz_vips[vi].name,
	     memcmp(s->dst, fz_vips[vi].a, 16) ? " (changed)" : "");
}

/* Traffic that is no VIP's: other addresses, ports, protocols, ARP, replies of no NAT flow. */
static void seed_other(struct spec *sp, struct fz_case *c, int fam, struct rng *r)
{
	struct ipspec *s = &sp->ip;
	int vi = vip_of_proto_index(fam, false, r), k = rng_below(r, 7);
	const struct fz_vip *v = &fz_vips[vi];
	static const u8 protos[] = { 47, 50, 132, 89, 4, 41, 103 };

	spec_defaults(sp, fam);
	fz_client(fam, rng_below(r, 16), s->src);
	memcpy(s->dst, v->a, 16);
	switch (k) {
	case 0: /* to an address without VIPs */
		s->dst[fam == 4 ? 2 : 13] ^= 0x11;
		set_l4(s, r, rng_pct(r, 50) ? IPPROTO_TCP : IPPROTO_UDP,
		       (u16)(1024 + rng_below(r, 64512)), v->port ? v->port : 80);
		howf(c, "tcp/udp to no VIP's address");
		break;
	case 1: /* a VIP address, a port without a VIP (unless port 0) */
		set_l4(s, r, v->proto, (u16)(1024 + rng_below(r, 64512)),
		       (u16)(v->port ^ (1 + rng_below(r, 1000))));
		howf(c, "%s's address, another port", v->name);
		break;
	case 2: /* a VIP address, another protocol */
		s->proto = protos[rng_below(r, sizeof(protos))];
		howf(c, "%s's address, protocol %u", v->name, s->proto);
		break;
	case 3: /* a backend's packet to a client of no NAT flow */
		memcpy(s->src, v->be[0].a, 16);
		fz_client(fam, rng_below(r, 16), s->dst);
		set_l4(s, r, v->proto, rng_pct(r, 50) ? 8080 : (u16)rng_below(r, 65536),
		       (u16)(1024 + rng_below(r, 64512)));
		howf(c, "backend %s to a client, no NAT flow", v->be[0].addr);
		break;
	case 4: /* ICMP that is neither echo request nor error */
		s->proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		s->itype = fam == 4 ? (u8)(rng_pct(r, 50) ? 0 : 13) : (u8)(129 + rng_below(r, 8));
		howf(c, "icmp type %u to %s", s->itype, v->name);
		break;
	case 5: /* ARP or another EtherType */
		sp->raw = true;
		sp->rawlen = 28 + rng_below(r, 40);
		if (rng_pct(r, 50))
			sp->ethertype = 0x88cc;
		howf(c, "not IP");
		break;
	default: /* TCP/UDP between two clients */
		fz_client(fam, rng_below(r, 16), s->dst);
		set_l4(s, r, rng_pct(r, 50) ? IPPROTO_TCP : IPPROTO_UDP,
		       (u16)(1024 + rng_below(r, 64512)), (u16)rng_below(r, 65536));
		howf(c, "between clients");
		break;
	}
	fill_payload(s, r, rng_below(r, 300));
	some_ip_extras(s, r);
	maybe_vlan(sp, r);
}

/* ---- mutations ---- */

static void rand_addr(u8 *a, int fam, struct rng *r)
{
	for (int i = 0; i < (fam == 4 ? 4 : 16); i++)
		a[i] = (u8)rng_next(r);
}

/* A notable address: multicast, broadcast, unspecified, loopback, a VIP, a backend, a client. */
static void notable_addr(u8 *a, int fam, struct rng *r)
{
	int k = rng_below(r, 8);

	memset(a, 0, 16);
	switch (k) {
	case 0:
		rand_addr(a, fam, r);
		break;
	case 1:
		if (fam == 4) {
			a[0] = 224 + rng_below(r, 16);
			a[3] = 1;
		} else {
			a[0] = 0xff;
			a[1] = 0x02;
			a[15] = 1;
		}
		break;
	case 2:
		if (fam == 4)
			memset(a, 0xff, 4);
		else
			a[15] = 1; /* ::1 */
		break;
	case 3: /* unspecified */
		break;
	case 4:
		if (fam == 4) {
			a[0] = 127;
			a[3] = 1;
		} else {
			a[0] = 0xfe;
			a[1] = 0x80;
			a[15] = 9;
		}
		break;
	case 5: {
		int vi = vip_of_proto_index(fam, false, r);

		memcpy(a, fz_vips[vi].a, 16);
		break;
	}
	case 6: {
		int vi = vip_of_proto_index(fam, false, r);

		memcpy(a, fz_vips[vi].be[0].a, 16);
		break;
	}
	default:
		fz_client(fam, rng_below(r, 20), a);
		break;
	}
}

static void add_ext(struct ipspec *s, struct rng *r, int pos, u8 type)
{
	struct ext6 e = { .type = type, .len = 8, .lenb = -1 };

	if (s->next >= 8)
		return;
	if (pos > s->next)
		pos = s->next;
	switch (type) {
	case NH_ROUTE:
		e.len = 24;
		e.segs = rng_pct(r, 60) ? 0 : (u8)(1 + rng_below(r, 2));
		break;
	case NH_FRAG: {
		static const u16 fos[] = { 0, 1, 8, 9, 0xfff8 };

		e.fo = fos[rng_below(r, 5)];
		e.id = (u32)rng_next(r);
		break;
	}
	case NH_AH:
		e.len = 24;
		break;
	case NH_ESP:
		e.len = 16;
		break;
	default:
		e.len = 8 * (1 + rng_below(r, 3));
		break;
	}
	memmove(&s->ext[pos + 1], &s->ext[pos], (s->next - pos) * sizeof(e));
	s->ext[pos] = e;
	s->next++;
}

static const u8 ext_types[] = { NH_HOP, NH_DEST, NH_ROUTE, NH_FRAG, NH_AH, NH_ESP, NH_DEST };

static void mut_opts(struct ipspec *s, struct fz_case *c, struct rng *r)
{
	int k = rng_below(r, 9);
	u8 *o = s->opts;

	memset(o, 0, 40);
	switch (k) {
	case 0: /* record route, room for two */
		o[0] = 7, o[1] = 11, o[2] = 4, s->optlen = 12;
		break;
	case 1: /* timestamp */
		o[0] = 68, o[1] = 12, o[2] = 5, o[3] = 0, s->optlen = 12;
		break;
	case 2: /* loose source route, one hop still to go */
	case 3: /* strict source route */
		o[0] = k == 2 ? 131 : 137, o[1] = 11, o[2] = rng_pct(r, 50) ? 4 : 12;
		o[3] = 10, o[4] = 0, o[5] = 1, o[6] = 99;
		o[7] = 10, o[8] = 0, o[9] = 1, o[10] = 98, s->optlen = 12;
		break;
	case 4: /* an option whose length is 0, 1 or past the header */
		o[0] = 7, o[1] = (u8)(rng_pct(r, 50) ? rng_below(r, 2) : 60), s->optlen = 4;
		break;
	case 5: /* 40 bytes of NOPs */
		memset(o, 1, 40), s->optlen = 40;
		break;
	case 6: /* garbage */
		s->optlen = 4 * (1 + rng_below(r, 10));
		for (int i = 0; i < s->optlen; i++)
			o[i] = (u8)rng_next(r);
		break;
	case 7: /* end of options, then junk */
		o[0] = 0, o[1] = 0x55, o[2] = 0xaa, s->optlen = 4;
		break;
	default:
		s->optlen = 0;
		break;
	}
	howf(c, " ip-options(%d bytes, kind %d)", s->optlen, k);
}

static void mut_topts(struct ipspec *s, struct fz_case *c, struct rng *r)
{
	int k = rng_below(r, 5);

	memset(s->topts, 0, 40);
	switch (k) {
	case 0: /* timestamps */
		s->topts[0] = 1, s->topts[1] = 1, s->topts[2] = 8, s->topts[3] = 10;
		s->toptlen = 12;
		break;
	case 1: /* an option of length 0 */
		s->topts[0] = 2, s->topts[1] = 0, s->toptlen = 4;
		break;
	case 2: /* running past the header */
		s->topts[0] = 5, s->topts[1] = 40, s->toptlen = 8;
		break;
	case 3:
		s->toptlen = 4 * (1 + rng_below(r, 10));
		for (int i = 0; i < s->toptlen; i++)
			s->topts[i] = (u8)rng_next(r);
		break;
	default:
		s->toptlen = 40;
		memset(s->topts, 1, 40);
		break;
	}
	howf(c, " tcp-options(kind %d)", k);
}

static int pick_len(struct rng *r, int real, int hdr)
{
	int v[] = { 0,	      1,	hdr - 1,
		    hdr,      real - 1, real + 1,
		    real + 8, 0xffff,	(int)rng_below(r, 2048),
		    real - 8 };
	int x = v[rng_below(r, sizeof(v) / sizeof(v[0]))];

	return x < 0 ? 0 : x > 0xffff ? 0xffff : x;
}

/* Upper-layer bytes of @s as serialized (for length picks). */
static int upper_len(const struct ipspec *s)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return 20 + s->toptlen + s->plen;
	case IPPROTO_UDP:
		return 8 + s->plen;
	default:
		return 8 + s->plen;
	}
}

/* One field-aware mutation of the spec (of the quoted packet with @inq). */
static void mutate_spec(struct spec *sp, struct fz_case *c, struct rng *r)
{
	bool inq = sp->ip.quote && rng_pct(r, 35);
	struct ipspec *s = inq ? &sp->q : &sp->ip;
	int k = rng_below(r, 34);
	int fam = s->fam;

	howf(c, inq ? " | quote:" : " |");
	switch (k) {
	case 0:
		if (sp->ntags < 2) {
			static const u16 tp[] = { 0x8100, 0x88a8, 0x9100 };

			sp->tpid[sp->ntags] = tp[rng_below(r, 3)];
			sp->tci[sp->ntags] = (u16)rng_next(r);
			sp->ntags++;
			howf(c, " tag(%04x)", sp->tpid[sp->ntags - 1]);
		} else {
			sp->ntags = 0;
			howf(c, " untagged");
		}
		break;
	case 1: {
		int m = rng_below(r, 4);

		if (m == 0)
			memset(sp->dmac, 0xff, 6);
		else if (m == 1)
			sp->dmac[0] |= 1;
		else if (m == 2)
			sp->smac[0] |= 1;
		else
			for (int i = 0; i < 6; i++)
				sp->dmac[i] = (u8)rng_next(r);
		howf(c, " mac(%d)", m);
		break;
	}
	case 2: {
		static const int et[] = { 0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x0000, 0xffff };

		sp->ethertype = rng_pct(r, 80) ? et[rng_below(r, 7)] : (int)rng_below(r, 65536);
		howf(c, " ethertype=%04x", sp->ethertype);
		break;
	}
	case 3:
		s->ver = rng_pct(r, 50) ? (fam == 4 ? 6 : 4) : (int)rng_below(r, 16);
		howf(c, " version=%d", s->ver);
		break;
	case 4:
		if (fam == 4) {
			s->ihl = rng_below(r, 16);
			howf(c, " ihl=%d", s->ihl);
			break;
		}
		/* fall through */
	case 5: {
		int hdr = fam == 4 ? 20 + s->optlen : 0;
		int real = hdr + upper_len(s);

		s->len = pick_len(r, real, hdr ? hdr : 8);
		howf(c, " %s=%d", fam == 4 ? "total-length" : "payload-length", s->len);
		break;
	}
	case 6:
		s->tos = (u8)rng_next(r);
		s->flow = (u32)rng_next(r);
		howf(c, " tos/flow");
		break;
	case 7: {
		static const u8 ttls[] = { 0, 1, 2, 255, 0, 1 };

		s->ttl = ttls[rng_below(r, 6)];
		howf(c, " ttl=%u", s->ttl);
		break;
	}
	case 8:
		if (fam == 4) {
			static const u16 fr[] = { 0x4000, 0x2000, 0x6000, 0x0001, 0x2001,
						  0x1fff, 0x8000, 0x0000, 0x4001 };

			s->frag = rng_pct(r, 80) ? fr[rng_below(r, 9)] : (u16)rng_next(r);
			howf(c, " frag=%04x", s->frag);
		} else {
			add_ext(s, r, rng_below(r, s->next + 1), NH_FRAG);
			howf(c, " +fragment-header");
		}
		break;
	case 9: {
		static const u8 pr[] = { 0,  1,	 4,  6,	 17, 41, 43,  44,
					 47, 50, 51, 58, 59, 60, 132, 253 };

		s->proto_raw =
		    rng_pct(r, 80) ? pr[rng_below(r, sizeof(pr))] : (int)rng_below(r, 256);
		howf(c, " %s=%d", fam == 4 ? "protocol" : "next-header", s->proto_raw);
		break;
	}
	case 10:
		if (rng_pct(r, 50)) {
			s->csum_delta = (u16)(1 + rng_below(r, 0xfffe));
			howf(c, " ip-checksum+%u", s->csum_delta);
		} else {
			s->csum = rng_pct(r, 50) ? 0 : 0xffff;
			howf(c, " ip-checksum=%04x", s->csum);
		}
		break;
	case 11:
		notable_addr(s->src, fam, r);
		howf(c, " source");
		break;
	case 12:
		notable_addr(s->dst, fam, r);
		howf(c, " destination");
		break;
	case 13:
		if (fam == 4) {
			mut_opts(s, c, r);
			break;
		}
		/* fall through */
	case 14:
		if (fam == 6) {
			int n = rng_pct(r, 60) ? 1 : 2 + rng_below(r, 5);

			for (int i = 0; i < n; i++)
				add_ext(s, r, rng_below(r, s->next + 1),
					ext_types[rng_below(r, sizeof(ext_types))]);
			howf(c, " +%d ext headers", n);
		} else {
			mut_opts(s, c, r);
		}
		break;
	case 15:
		if (fam == 6 && s->next) {
			struct ext6 *e = &s->ext[rng_below(r, s->next)];

			if (e->type == NH_ROUTE && rng_pct(r, 50)) {
				e->segs = (u8)rng_below(r, 3);
				howf(c, " segments-left=%u", e->segs);
			} else {
				e->lenb = (int)rng_below(r, 256);
				howf(c, " ext-length-byte=%d", e->lenb);
			}
		} else {
			s->ttl = (u8)rng_below(r, 3);
			howf(c, " ttl=%u", s->ttl);
		}
		break;
	case 16:
	case 17: {
		static const u16 ports[] = { 0, 1, 53, 80, 8080, 4789, 65535 };
		u16 p = rng_pct(r, 60) ? ports[rng_below(r, 7)] : (u16)rng_next(r);

		if (k == 16)
			s->sport = p;
		else
			s->dport = p;
		howf(c, " %s=%u", k == 16 ? "sport" : "dport", p);
		break;
	}
	case 18:
	case 19:
		s->doff = rng_below(r, 16);
		howf(c, " tcp-data-offset=%d", s->doff);
		break;
	case 20:
		s->flags = (u8)rng_next(r);
		s->resv = (u8)rng_below(r, 16);
		howf(c, " tcp-flags=%02x", s->flags);
		break;
	case 21:
		mut_topts(s, c, r);
		break;
	case 22:
		s->seq = rng_pct(r, 50) ? 0xffffffff : (u32)rng_next(r);
		s->ack = (u32)rng_next(r);
		s->win = (u16)rng_below(r, 2) * 0xffff;
		s->urg = (u16)rng_next(r);
		howf(c, " seq/ack/window/urgent");
		break;
	case 23:
	case 24: {
		int real = 8 + s->plen;
		int v[] = {
			0, 7, 8, real - 1, real + 1, real - 8, 0xffff, (int)rng_below(r, 2048)
		};

		s->ulen = v[rng_below(r, 8)];
		if (s->ulen < 0)
			s->ulen = 0;
		howf(c, " udp-length=%d", s->ulen);
		break;
	}
	case 25:
		if (rng_pct(r, 50)) {
			s->l4csum_delta = (u16)(1 + rng_below(r, 0xfffe));
			howf(c, " l4-checksum+%u", s->l4csum_delta);
		} else {
			s->l4csum = rng_pct(r, 60) ? 0 : 0xffff;
			howf(c, " l4-checksum=%04x", s->l4csum);
		}
		break;
	case 26: {
		static const int pl[] = { 0, 1, 7, 8, 9 };

		fill_payload(s, r, rng_pct(r, 50) ? (u32)pl[rng_below(r, 5)] : rng_below(r, 1480));
		howf(c, " payload=%u", s->plen);
		break;
	}
	case 27:
		if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6) {
			if (rng_pct(r, 50))
				s->itype = (u8)rng_next(r);
			s->icode = (u8)(rng_pct(r, 50) ? rng_below(r, 6) : rng_next(r));
			s->irest = rng_pct(r, 50) ? 0 : (u32)rng_next(r);
			howf(c, " icmp=%u/%u", s->itype, s->icode);
		} else {
			s->proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
			s->itype = (u8)rng_below(r, 256);
			howf(c, " make-icmp type %u", s->itype);
		}
		break;
	case 28:
		if (sp->ip.quote) {
			static const int ql[] = { 0, 4, 8, 19, 20, 24, 27, 28, 39, 40, 47, 48, 64 };

			sp->ip.qlen = rng_pct(r, 80) ? ql[rng_below(r, 13)] : -1;
			howf(c, " quote-length=%d", sp->ip.qlen);
		} else {
			sp->pad = (u16)(1 + rng_below(r, 60));
			howf(c, " padding=%u", sp->pad);
		}
		break;
	case 29:
		sp->pad = (u16)(1 + rng_below(r, 60));
		howf(c, " padding=%u", sp->pad);
		break;
	case 30:
		if (fam == 6) { /* hop-by-hop anywhere but first */
			add_ext(s, r, 1 + rng_below(r, s->next + 1), NH_HOP);
			if (s->next == 1)
				add_ext(s, r, 0, NH_DEST);
			howf(c, " hop-by-hop-not-first");
		} else {
			s->proto = s->proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
			howf(c, " other-l4-protocol");
		}
		break;
	case 31:
		s->id = (u16)rng_next(r);
		s->flow = (u32)rng_next(r);
		howf(c, " id");
		break;
	case 32:
		if (rng_pct(r, 50))
			s->flags |= 0x02;
		else
			s->flags = (u8)((s->flags & ~0x02) | 0x01);
		howf(c, " tcp-flags=%02x", s->flags);
		break;
	default:
		s->l4csum = 0;
		howf(c, " l4-checksum=0");
		break;
	}
}

/* One mutation of the bytes. */
static void mutate_bytes(struct fz_frame *f, const struct layout *lay, struct fz_case *c,
			 struct rng *r)
{
	int k = rng_below(r, 5);

	if (!f->len)
		return;
	switch (k) {
	case 0: { /* truncation at a header boundary (+-2) */
		int b = lay->n ? lay->b[rng_below(r, lay->n)] : (int)f->len;

		b += (int)rng_below(r, 5) - 2;
		if (b < ETH_HDR) /* BPF_PROG_TEST_RUN takes no shorter frame, nor does a NIC */
			b = ETH_HDR;
		if ((u32)b < f->len)
			f->len = b;
		howf(c, " | cut at %d", b);
		break;
	}
	case 1: {
		u32 b = f->len > ETH_HDR ? ETH_HDR + rng_below(r, f->len - ETH_HDR) : f->len;

		f->len = b;
		howf(c, " | cut at %u", b);
		break;
	}
	case 2: {
		int n = 1 + rng_below(r, 8);

		howf(c, " | bit flips:");
		for (int i = 0; i < n; i++) {
			u32 lim = f->len < 96 || rng_pct(r, 20) ? f->len : 96;
			u32 at = rng_below(r, lim), bit = rng_below(r, 8);

			f->d[at] ^= (u8)(1u << bit);
			howf(c, " %u.%u", at, bit);
		}
		break;
	}
	case 3: {
		u32 n = 1 + rng_below(r, 200);

		for (u32 i = 0; i < n && f->len < 2100; i++)
			f->d[f->len++] = (u8)rng_next(r);
		howf(c, " | random tail of %u", n);
		break;
	}
	default: {
		static const u8 vals[] = { 0, 0xff, 0x80, 0x7f, 1 };
		u32 at = rng_below(r, f->len < 96 ? f->len : 96);
		u8 v = rng_pct(r, 60) ? vals[rng_below(r, 5)] : (u8)rng_next(r);

		f->d[at] = v;
		howf(c, " | byte %u=%02x", at, v);
		break;
	}
	}
}

/* ---- paths and cases ---- */

const char *fz_path_names[FZ_MAX_PATHS];
int fz_npaths;

enum kind { K_EST, K_FWD, K_FRAG, K_REPLY, K_ICMP, K_BACK, K_ECHO, K_OTHER, K_MAX };
static const char *const kind_names[K_MAX] = { "establish",  "forward",	  "fragment", "nat-reply",
					       "icmp-error", "icmp-back", "echo",     "other" };
static int path_id[K_MAX][64];

static int path_add(const char *name)
{
	fz_path_names[fz_npaths] = name;
	return fz_npaths++;
}

void fz_paths_init(void)
{
	static char names[FZ_MAX_PATHS][48];

	fz_npaths = 0;
	for (int k = 0; k < K_MAX; k++) {
		for (int v = 0; v < fz_nvips; v++) {
			const struct fz_vip *vp = &fz_vips[v];
			bool nat = vp->mode == XDPLB_MODE_NAT, down = fz_vip_alldown(vp);

			path_id[k][v] = -1;
			if ((k == K_EST && !vp->nest) || ((k == K_REPLY || k == K_BACK) && !nat) ||
			    (k == K_ICMP && down) || k == K_ECHO || k == K_OTHER)
				continue;
			if (k == K_FRAG && !(vp->flags & XDPLB_VIP_F_L3HASH) &&
			    strcmp(vp->name, "tun4-tcp") && strcmp(vp->name, "tun6-udp"))
				continue;
			snprintf(names[fz_npaths], sizeof(names[0]), "%s %s", kind_names[k],
				 vp->name);
			path_id[k][v] = path_add(names[fz_npaths]);
		}
	}
	path_id[K_ECHO][0] = path_add("echo ipv4");
	path_id[K_ECHO][1] = path_add("echo ipv6");
	path_id[K_OTHER][0] = path_add("other ipv4");
	path_id[K_OTHER][1] = path_add("other ipv6");
}

u32 fz_nest(void)
{
	u32 n = 0;

	for (int v = 0; v < fz_nvips; v++)
		n += fz_vips[v].nest;
	return n;
}

/* A VIP with a path of kind @k, chosen uniformly. */
static int pick_vip(int k, struct rng *r)
{
	int cand[64] = { 0 }, n = 0;

	for (int v = 0; v < fz_nvips; v++)
		if (path_id[k][v] >= 0)
			cand[n++] = v;
	return cand[rng_below(r, n)];
}

void fz_generate(struct fz_case *c, u64 seed, u64 no, u32 idx, struct fz_state *st)
{
	static struct spec sp;
	struct layout lay;
	struct rng r;
	u64 x = seed * 0x9e3779b97f4a7c15ull ^ no;
	int vi, k, n;

	rng_seed(&r, splitmix64(&x));
	c->no = no;
	c->how[0] = 0;
	if (idx < fz_nest()) {
		/* the epoch's establishment flows, in order */
		u32 j = idx;

		for (vi = 0; j >= (u32)fz_vips[vi].nest; vi++)
			j -= fz_vips[vi].nest;
		seed_fwd(&sp, c, st, vi, &r, true, (int)j);
		c->path = path_id[K_EST][vi];
		serialize(&sp, &c->f, &lay, &r);
		return;
	}
	k = rng_below(&r, 100);
	k = k < 38   ? K_FWD
	    : k < 43 ? K_FRAG
	    : k < 55 ? K_REPLY
	    : k < 68 ? K_ICMP
	    : k < 75 ? K_BACK
	    : k < 82 ? K_ECHO
		     : K_OTHER;
	switch (k) {
	case K_FWD:
		vi = pick_vip(k, &r);
		seed_fwd(&sp, c, st, vi, &r, false, 0);
		break;
	case K_FRAG:
		vi = pick_vip(k, &r);
		seed_frag(&sp, c, vi, &r);
		break;
	case K_REPLY:
		vi = pick_vip(k, &r);
		seed_nat_reply(&sp, c, st, vi, &r);
		break;
	case K_ICMP:
		vi = pick_vip(k, &r);
		seed_icmp_err(&sp, c, st, vi, &r);
		break;
	case K_BACK:
		vi = pick_vip(k, &r);
		seed_icmp_back(&sp, c, st, vi, &r);
		break;
	case K_ECHO:
		vi = rng_below(&r, 2);
		seed_echo(&sp, c, vi ? 6 : 4, &r);
		break;
	default:
		vi = rng_below(&r, 2);
		seed_other(&sp, c, vi ? 6 : 4, &r);
		break;
	}
	c->path = path_id[k][vi];
	/* 15% go as seeded; the rest get 1-4 field mutations, some a byte mutation too */
	n = rng_pct(&r, 15) ? 0 : 1 + (rng_pct(&r, 40) ? 1 + rng_below(&r, 3) : 0);
	for (int i = 0; i < n; i++)
		mutate_spec(&sp, c, &r);
	serialize(&sp, &c->f, &lay, &r);
	if (n && rng_pct(&r, 30))
		mutate_bytes(&c->f, &lay, c, &r);
}
