// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fuzzer's checker: from the input frame alone (parsed here from the RFCs' byte offsets,
 * with its own one's-complement sums), the configuration and the flows seen so far, what the
 * balancer may do with it, and whether what it did is that.  A verdict is correct only as
 *  - XDP_PASS with the frame byte-identical;
 *  - XDP_DROP counted under one reason that fits the packet;
 *  - XDP_TX/XDP_REDIRECT of a frame well formed for the mode (TUN: an outer header to the
 *    flow's backend and the input's IP packet byte for byte; DR: only the MACs; NAT: only
 *    addresses, ports, checksums and TTL, checksums correct exactly when the input's were),
 *    or a well-formed answer (RST, ICMP port unreachable, fragmentation needed / packet too
 *    big, echo reply) addressed back to the sender.
 * Every packet of a flow goes to one backend (the tracker), unless its tuple was closed and
 * reopened towards a backend that takes no new flows, or the flow table lost it.
 *
 * Where the RFCs leave a choice, the rule chosen is written next to its check, with the
 * section.  Every refusal is a violation with a class (stable text, no numbers of the case)
 * and a detail line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include "fuzz.h"

/* ---- violations ---- */

static void viol(struct fz_verdict *v, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void viol(struct fz_verdict *v, const char *cls, const char *fmt, ...)
{
	va_list ap;

	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->v[i].cls, cls))
			return; /* one of each class per packet */
	if (v->n >= FZ_MAX_VIOL)
		return;
	snprintf(v->v[v->n].cls, sizeof(v->v[0].cls), "%s", cls);
	va_start(ap, fmt);
	vsnprintf(v->v[v->n].detail, sizeof(v->v[0].detail), fmt, ap);
	va_end(ap);
	v->n++;
}

/* A class named "<ctx>: <what>". */
static void violc(struct fz_verdict *v, const char *ctx, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void violc(struct fz_verdict *v, const char *ctx, const char *what, const char *fmt, ...)
{
	char cls[120], det[240];
	va_list ap;

	snprintf(cls, sizeof(cls), "%s: %s", ctx, what);
	va_start(ap, fmt);
	vsnprintf(det, sizeof(det), fmt, ap);
	va_end(ap);
	viol(v, cls, "%s", det);
}

/* ---- parsing (RFC 791, 8200, 9293, 768, 792, 4443) ---- */

struct l2 {
	const u8 *d;
	u32 len, l3;
	int ntags;
	u16 tpid[2], tci[2];
	u16 type;
	bool trunc;
};

/* Ethernet and 802.1Q (0x8100) / 802.1ad (0x88a8) tags, at most two looked at. */
static void parse_l2(const u8 *d, u32 len, struct l2 *l)
{
	u32 off = 12;
	u16 t;

	memset(l, 0, sizeof(*l));
	l->d = d;
	l->len = len;
	if (len < ETH_HDR) {
		l->trunc = true;
		return;
	}
	t = rd16(d + 12);
	while ((t == 0x8100 || t == 0x88a8) && l->ntags < 2) {
		if (off + 6 > len) {
			l->trunc = true;
			return;
		}
		l->tpid[l->ntags] = t;
		l->tci[l->ntags] = rd16(d + off + 2);
		l->ntags++;
		off += 4;
		t = rd16(d + off);
	}
	l->type = t;
	l->l3 = off + 2;
}

/* What makes an IP packet one a router must not forward (RFC 1812 5.2.2, RFC 8200 4). */
enum {
	D_TRUNC = 1,	    /* the fixed header is not in the frame */
	D_VER = 2,	    /* version other than the EtherType's */
	D_IHL = 4,	    /* IHL < 5, or the header past the frame */
	D_LEN = 8,	    /* total length < header, or IPv6 payload length 0 without jumbo */
	D_PAST = 16,	    /* the length runs past the frame */
	D_EXT = 32,	    /* an extension header runs past the payload */
	D_L3 = 63,	    /* any of the above */
	D_HBH_LATE = 64,    /* a hop-by-hop header not first (RFC 8200 4.1) */
	D_ROUTE = 128,	    /* not the final destination: routing header with segments left, or
			     * an IPv4 source route not done (RFC 8200 4.4, RFC 791 3.1) */
	D_UNFOLLOWED = 256, /* AH, ESP, a chain longer than the balancer follows */
	D_OPTS = 512,	    /* IPv4 options that do not parse (RFC 791 3.1) */
	D_DUP = 1024,	    /* an extension header twice (destination options: thrice), where
			     * RFC 8200 4.1 has each once (twice) */
	D_LATER_EXT = 2048, /* a non-first fragment whose fragmentable part starts with an
			     * extension header: its upper-layer protocol is not in it */
};

enum { FR_NONE, FR_FIRST, FR_LATER };

struct ipv {
	int fam;
	const u8 *h;
	u32 avail, hlen, len, l4off, l4len;
	const u8 *src, *dst;
	u8 ttl, proto;
	int frag, next;
	bool df, csum_ok;
	unsigned def;
};

static bool is_ext(u8 nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 50 || nh == 135 ||
	       nh == 139 || nh == 140 || nh == 253 || nh == 254;
}

/* RFC 791 3.1: options are single bytes (0 end, 1 no-op) or type, length (>= 2), data.
 * Rule chosen: beyond their framing and a source route's pointer, what options say is not
 * the balancer's to check (TUN and DR carry them untouched, NAT keeps them); options that do
 * not parse may be passed to the kernel (which sends the parameter problem, RFC 1812 5.2.5),
 * or forwarded as they are. */
static unsigned ipv4_options(const u8 *o, u32 n)
{
	unsigned def = 0;

	for (u32 i = 0; i < n;) {
		u8 t = o[i], l;

		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 2 > n || (l = o[i + 1]) < 2 || i + l > n)
			return def | D_OPTS;
		/* loose / strict source route: a pointer not past the option (RFC 791: past
		 * it the route is done) names a hop to go; one below 4 is malformed as well */
		if ((t == 131 || t == 137) && l >= 3) {
			if (o[i + 2] <= l)
				def |= D_ROUTE;
			if (o[i + 2] < 4)
				def |= D_OPTS;
		}
		i += l;
	}
	return def;
}

static void parse_ip(const u8 *h, u32 avail, int fam, struct ipv *p)
{
	memset(p, 0, sizeof(*p));
	p->fam = fam;
	p->h = h;
	p->avail = avail;
	if (fam == 4) {
		if (avail < 20) {
			p->def = D_TRUNC;
			return;
		}
		if (h[0] >> 4 != 4)
			p->def |= D_VER;
		p->hlen = (h[0] & 15) * 4;
		p->len = rd16(h + 2);
		if (p->hlen < 20 || p->hlen > avail)
			p->def |= D_IHL;
		else if (p->len < p->hlen)
			p->def |= D_LEN;
		if (p->len > avail)
			p->def |= D_PAST;
		if (p->def)
			return;
		p->csum_ok = oc_fold(oc_add(0, h, p->hlen)) == 0xffff;
		p->def |= ipv4_options(h + 20, p->hlen - 20);
		p->ttl = h[8];
		p->proto = h[9];
		p->src = h + 12;
		p->dst = h + 16;
		p->df = h[6] & 0x40;
		if (rd16(h + 6) & 0x1fff)
			p->frag = FR_LATER;
		else if (h[6] & 0x20)
			p->frag = FR_FIRST;
		p->l4off = p->hlen;
		p->l4len = p->len - p->hlen;
		return;
	}
	if (avail < 40) {
		p->def = D_TRUNC;
		return;
	}
	if (h[0] >> 4 != 6)
		p->def |= D_VER;
	p->hlen = 40;
	p->len = 40 + rd16(h + 4);
	if (p->len == 40)
		p->def |= D_LEN; /* a jumbogram needs a hop-by-hop jumbo option (RFC 2675) */
	if (p->len > avail)
		p->def |= D_PAST;
	if (p->def)
		return;
	p->csum_ok = true;
	p->df = true;
	p->ttl = h[7];
	p->src = h + 8;
	p->dst = h + 24;
	{
		u8 nh = h[6];
		u32 off = 40, el, seen = 0, dst = 0;

		while (is_ext(nh)) {
			if (off + 8 > p->len) { /* every one has 8 bytes at least (ESP: RFC 4303) */
				p->def |= D_EXT;
				return;
			}
			if (nh == 50 || nh >= 135) {
				p->def |= D_UNFOLLOWED; /* ESP or a header we do not know inside */
				break;
			}
			if (nh == 0 && p->next)
				p->def |= D_HBH_LATE;
			if (nh == 60 ? ++dst > 2 : seen & 1u << (nh & 31))
				p->def |= D_DUP;
			seen |= 1u << (nh & 31);
			if (nh == 44) {
				u16 fo = rd16(h + off + 2);

				el = 8;
				if (fo & 0xfff8)
					p->frag = FR_LATER;
				else if (fo & 1)
					p->frag = FR_FIRST;
			} else if (nh == 51) {
				el = (h[off + 1] + 2) * 4;
				p->def |= D_UNFOLLOWED;
			} else {
				el = (h[off + 1] + 1) * 8;
				if (nh == 43 && h[off + 3])
					p->def |= D_ROUTE;
			}
			if (off + el > p->len) {
				p->def |= D_EXT;
				return;
			}
			nh = h[off];
			off += el;
			p->next++;
			if (p->frag == FR_LATER) {
				/* what follows is the fragment's data (RFC 8200 4.5) */
				if (is_ext(nh))
					p->def |= D_LATER_EXT;
				break;
			}
		}
		/* the balancer follows at most XDPLB_MAX_EXT_HDRS headers within its first KiB */
		if (p->next > XDPLB_MAX_EXT_HDRS || off > 1000)
			p->def |= D_UNFOLLOWED;
		p->proto = nh;
		p->l4off = off;
		p->l4len = p->len - off;
	}
}

static u64 pseudo_sum(const struct ipv *p, u8 proto, u32 len)
{
	u64 s = p->fam == 4 ? oc_add(oc_add(0, p->src, 4), p->dst, 4)
			    : oc_add(oc_add(0, p->src, 16), p->dst, 16);

	return s + proto + (len >> 16) + (len & 0xffff);
}

/* Is the upper-layer checksum of a whole (unfragmented) packet right? */
static bool l4_csum_ok(const struct ipv *p)
{
	const u8 *l4 = p->h + p->l4off;
	u64 s = oc_add(0, l4, p->l4len);

	if (p->proto == IPPROTO_ICMP)
		return oc_fold(s) == 0xffff;
	return oc_fold(s + pseudo_sum(p, p->proto, p->l4len)) == 0xffff;
}

/* L4 defects of TCP/UDP (RFC 9293 3.1, RFC 768, RFC 8200 8.1). */
enum {
	L4_TRUNC = 1,	 /* shorter than the fixed header */
	L4_DOFF_LT5 = 2, /* TCP data offset < 5 */
	L4_DOFF_PAST = 4,
	L4_ULEN_LT8 = 8,
	L4_ULEN_GT = 16, /* UDP length > IP payload */
	L4_ULEN_LT = 32, /* UDP length < IP payload (bytes after the datagram) */
	L4_UDP6_CSUM0 = 64,
};

static const char *l4_subject(unsigned d);

static const char *l4_defect_name(unsigned d)
{
	if (d & L4_TRUNC)
		return "truncated l4 header";
	if (d & L4_DOFF_LT5)
		return "tcp data offset < 5";
	if (d & L4_DOFF_PAST)
		return "tcp data offset past the segment";
	if (d & L4_ULEN_LT8)
		return "udp length < 8";
	if (d & L4_ULEN_GT)
		return "udp length > ip payload";
	if (d & L4_ULEN_LT)
		return "udp length < ip payload";
	return "ipv6 udp checksum 0";
}

/* The class subject of an L4 defect. */
static const char *l4_subject(unsigned d)
{
	static char b[64];

	snprintf(b, sizeof(b), "malformed l4 (%s)", l4_defect_name(d));
	return b;
}

struct quote {
	int fam;
	const u8 *h;
	u32 avail, hlen;
	u8 proto;
	const u8 *src, *dst;
	u16 sport, dport;
	bool later; /* a quoted non-first fragment: its "ports" are data */
	bool exts;  /* a quoted IPv6 extension header */
	u16 qlen;   /* the quoted header's own length field */
};

struct pkt {
	struct l2 l2;
	struct ipv ip;
	bool ip_ok;
	bool ports; /* TCP/UDP ports in the frame */
	u16 sport, dport;
	u8 tflags;
	unsigned l4def;
	bool l4csum_ok; /* whole packet, upper-layer checksum right (IPv4 UDP 0: right) */
	bool icmp;	/* an ICMP message of >= 8 bytes, not a later fragment */
	u8 itype, icode;
	bool quote_ok;
	struct quote q;
	u32 seglen; /* TCP: payload length */
};

static void parse_quote(const struct pkt *p, struct quote *q)
{
	const u8 *h = p->ip.h + p->ip.l4off + 8;
	u32 n = p->ip.l4len - 8;

	memset(q, 0, sizeof(*q));
	q->h = h;
	q->avail = n;
	q->fam = p->ip.fam;
	if (p->ip.fam == 4) {
		if (n < 20 || h[0] >> 4 != 4 || (h[0] & 15) < 5)
			return;
		q->hlen = (h[0] & 15) * 4;
		q->proto = h[9];
		q->src = h + 12;
		q->dst = h + 16;
		q->later = rd16(h + 6) & 0x1fff;
		q->qlen = rd16(h + 2);
	} else {
		if (n < 40 || h[0] >> 4 != 6)
			return;
		q->hlen = 40;
		q->proto = h[6];
		q->src = h + 8;
		q->dst = h + 24;
		q->exts = is_ext(h[6]);
		q->qlen = 40 + rd16(h + 4);
	}
	if (q->hlen + 8 > n || (q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP))
		return;
	q->sport = rd16(h + q->hlen);
	q->dport = rd16(h + q->hlen + 2);
	q->fam |= 0x100; /* usable */
}

static bool quote_usable(const struct quote *q)
{
	return q->fam & 0x100;
}

static int qfam(const struct quote *q)
{
	return q->fam & 0xff;
}

static void parse_pkt(const u8 *d, u32 len, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	parse_l2(d, len, &p->l2);
	if (p->l2.trunc || p->l2.ntags > 1 || (p->l2.type != 0x0800 && p->l2.type != 0x86dd))
		return;
	parse_ip(d + p->l2.l3, len - p->l2.l3, p->l2.type == 0x0800 ? 4 : 6, &p->ip);
	p->ip_ok = !(p->ip.def & D_L3);
	if (!p->ip_ok || p->ip.frag == FR_LATER)
		return;
	{
		const u8 *l4 = p->ip.h + p->ip.l4off;
		u32 n = p->ip.l4len;
		bool whole = p->ip.frag == FR_NONE;

		switch (p->ip.proto) {
		case IPPROTO_TCP:
			if (n >= 4) {
				p->ports = true;
				p->sport = rd16(l4);
				p->dport = rd16(l4 + 2);
			}
			if (n < 20) {
				p->l4def |= L4_TRUNC;
				break;
			}
			p->tflags = l4[13];
			if (l4[12] >> 4 < 5)
				p->l4def |= L4_DOFF_LT5;
			else if ((u32)(l4[12] >> 4) * 4 > n)
				p->l4def |= L4_DOFF_PAST;
			else
				p->seglen = n - (l4[12] >> 4) * 4;
			p->l4csum_ok = whole && l4_csum_ok(&p->ip);
			break;
		case IPPROTO_UDP:
			if (n >= 4) {
				p->ports = true;
				p->sport = rd16(l4);
				p->dport = rd16(l4 + 2);
			}
			if (n < 8) {
				p->l4def |= L4_TRUNC;
				break;
			}
			/* RFC 768: the length covers header and data; in a fragment, the whole
			 * datagram's, which cannot be checked against one fragment.  Rule chosen:
			 * the datagram is the IP payload, so a length other than the payload's is
			 * malformed, shorter included (Linux trims such a datagram; the class keeps
			 * it apart from the rest, for the lead to weigh) */
			if (whole && rd16(l4 + 4) < 8)
				p->l4def |= L4_ULEN_LT8;
			else if (whole && rd16(l4 + 4) > n)
				p->l4def |= L4_ULEN_GT;
			else if (whole && rd16(l4 + 4) < n)
				p->l4def |= L4_ULEN_LT;
			/* RFC 8200 8.1: IPv6 UDP must carry a checksum */
			if (p->ip.fam == 6 && !rd16(l4 + 6))
				p->l4def |= L4_UDP6_CSUM0;
			p->l4csum_ok =
			    whole && ((p->ip.fam == 4 && !rd16(l4 + 6)) || l4_csum_ok(&p->ip));
			break;
		case IPPROTO_ICMP:
		case IPPROTO_ICMPV6:
			if ((p->ip.proto == IPPROTO_ICMP) != (p->ip.fam == 4) || n < 8)
				break;
			p->icmp = true;
			p->itype = l4[0];
			p->icode = l4[1];
			p->l4csum_ok = whole && l4_csum_ok(&p->ip);
			parse_quote(p, &p->q);
			p->quote_ok = quote_usable(&p->q);
			break;
		}
	}
}

/* ---- addresses ---- */

static int alen(int fam)
{
	return fam == 4 ? 4 : 16;
}

/* A source that names one host (RFC 1122 3.2.1.3, RFC 1812 5.3.7, RFC 4291 2.5, 2.7). */
static bool unicast_src(int fam, const u8 *a)
{
	static const u8 zero[16], one[16] = { [15] = 1 };

	if (fam == 4)
		return a[0] != 0 && a[0] != 127 && a[0] < 224 &&
		       !(a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
	return a[0] != 0xff && memcmp(a, zero, 16) && memcmp(a, one, 16);
}

/* The VIP for {dst, port, proto}: exact, else the port-0 one. */
static int find_vip(int fam, const u8 *dst, u16 port, u8 proto)
{
	int any = -1;

	for (int i = 0; i < fz_nvips; i++) {
		const struct fz_vip *v = &fz_vips[i];

		if (v->fam != fam || v->proto != proto || memcmp(v->a, dst, alen(fam)))
			continue;
		if (v->port == port)
			return i;
		if (!v->port)
			any = i;
	}
	return any;
}

/* VIPs on {dst, proto}: how many, and the last. */
static int vips_on(int fam, const u8 *dst, u8 proto, int *last)
{
	int n = 0;

	for (int i = 0; i < fz_nvips; i++) {
		const struct fz_vip *v = &fz_vips[i];

		if (v->fam == fam && (!proto || v->proto == proto) &&
		    !memcmp(v->a, dst, alen(fam))) {
			n++;
			*last = i;
		}
	}
	return n;
}

/* ---- the tracker ---- */

static u32 tuple_hash(const struct fz_tuple *k)
{
	u64 h = 0xcbf29ce484222325ull;
	const u8 *p = (const u8 *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (u32)(h ^ h >> 32);
}

struct fz_binding *fz_bind_find(struct fz_binding *tab, const struct fz_tuple *k, u32 stamp)
{
	u32 i = tuple_hash(k) & (FZ_TRACK_SIZE - 1);

	for (u32 n = 0; n < FZ_TRACK_SIZE; n++, i = (i + 1) & (FZ_TRACK_SIZE - 1)) {
		if (tab[i].stamp != stamp)
			return NULL;
		if (!memcmp(&tab[i].k, k, sizeof(*k)))
			return &tab[i];
	}
	return NULL;
}

struct fz_binding *fz_bind_add(struct fz_binding *tab, const struct fz_tuple *k, u32 stamp)
{
	u32 i = tuple_hash(k) & (FZ_TRACK_SIZE - 1);

	for (u32 n = 0; n < FZ_TRACK_SIZE / 2; n++, i = (i + 1) & (FZ_TRACK_SIZE - 1)) {
		if (tab[i].stamp != stamp) {
			memset(&tab[i], 0, sizeof(tab[i]));
			tab[i].k = *k;
			tab[i].stamp = stamp;
			tab[i].be = -1;
			return &tab[i];
		}
		if (!memcmp(&tab[i].k, k, sizeof(*k)))
			return &tab[i];
	}
	return NULL; /* full: the epoch is too long for the table */
}

static u64 events_now(struct fz_state *st, bool fresh);

void fz_state_reset(struct fz_state *st, u32 epoch)
{
	if (!st->tab) {
		st->tab = calloc(FZ_TRACK_SIZE, sizeof(*st->tab));
		st->ptab = calloc(FZ_TRACK_SIZE, sizeof(*st->ptab));
		if (!st->tab || !st->ptab)
			abort();
	}
	st->epoch = epoch;
	st->stamp = epoch + 1;
	st->phase = 0;
	st->nnat = 0;
	memset(st->nrecent, 0, sizeof(st->nrecent));
	st->checked = 0;
	events_now(st, true);
}

/* Drained backends keep their flows, down ones lose them: forget those, and where ICMP errors
 * of the VIPs whose tables change went. */
void fz_state_phase(struct fz_state *st)
{
	st->phase = 1;
	for (u32 i = 0; i < FZ_TRACK_SIZE; i++) {
		struct fz_binding *b = &st->tab[i];
		const struct fz_vip *v;

		if (b->stamp != st->stamp || b->k.fam & 0x80 || b->be < 0)
			continue;
		v = &fz_vips[b->vip];
		if (v->be[b->be].role == BE_DOWN || (b->soft && v->nbe > 2)) {
			b->down = v->be[b->be].role == BE_DOWN && !b->soft;
			b->be = -1; /* a tombstone: the key stays, so that probing still works */
		}
	}
}

/* The flow table's events (displaced and unrecorded flows) so far: read afresh, or the value
 * of the last read (at most FZ_EVENT_EVERY packets old, so never newer than a binding that
 * took it). */
#define FZ_EVENT_EVERY 64
static u64 events_now(struct fz_state *st, bool fresh)
{
	u64 ev[XDPLB_FE_MAX], sum = 0;

	if (!fresh)
		return st->fe_mark;
	if (!st->read_events || st->read_events(ev))
		return ~0ull; /* unknown: as if something happened */
	for (int i = 0; i < XDPLB_FE_MAX; i++)
		sum += ev[i];
	st->fe_mark = sum;
	return sum;
}

/* Did the flow table displace or fail to record a flow since binding @b was last confirmed?
 * Then its flow may have been scheduled again; not a violation, but counted. */
static bool table_events(struct fz_state *st, const struct fz_binding *b)
{
	bool ev = events_now(st, true) != b->fe_mark;

	st->excused += ev;
	return ev;
}

static void make_tuple(struct fz_tuple *k, int fam, u8 proto, const u8 *src, const u8 *dst,
		       u16 sport, u16 dport)
{
	memset(k, 0, sizeof(*k));
	k->fam = fam;
	k->proto = proto;
	memcpy(k->src, src, alen(fam));
	memcpy(k->dst, dst, alen(fam));
	k->sport = sport;
	k->dport = dport;
}

/* The reply tuple of NAT flow (VIP @vi, backend @b) of the client's tuple @fwd. */
static void reply_tuple(struct fz_tuple *rk, int vi, int b, const struct fz_tuple *fwd)
{
	const struct fz_vip *v = &fz_vips[vi];
	const struct fz_backend *be = &v->be[b];
	bool l3 = v->flags & XDPLB_VIP_F_L3HASH;

	make_tuple(rk, v->fam, v->proto, be->a, fwd->src,
		   l3	      ? 0
		   : be->port ? be->port
			      : fwd->dport,
		   l3 ? 0 : fwd->sport);
	rk->fam |= 0x80;
}

/* The NAT flow (VIP *@vi, its backend *@b) whose backend id is @id, if its reply tuple is @rk. */
static bool nat_of_real(u32 id, const struct fz_tuple *rk, int *vi, int *b)
{
	for (int i = 0; i < fz_nvips; i++)
		for (int j = 0; j < fz_vips[i].nbe; j++)
			if (fz_vips[i].mode == XDPLB_MODE_NAT && fz_vips[i].be[j].id == id &&
			    !memcmp(fz_vips[i].be[j].a, rk->src, alen(fz_vips[i].be[j].fam))) {
				*vi = i;
				*b = j;
				return true;
			}
	return false;
}

/*
 * Two NAT VIPs with the same backend address and port, and a client that uses one source port
 * for both, give two flows one reply tuple: the backend sees one connection.  The data plane
 * keeps one entry per reply tuple, written over by every forward that writes it (bpf/nat.h
 * nat_insert(); bpf/forward.h: a new or moved flow, or a packet that moved its flow's TCP
 * state), so the last writer translates the replies.  @fresh: this forward, of VIP @vi's
 * backend @b, is sure to have written (the tracker knew no live flow of it: new or moved);
 * else whether it wrote depends on its flow's TCP state in the data plane, which the tracker
 * does not model: the earlier owner (@e) keeps the entry or this flow takes it over.  Which
 * one it is is read back, and must be one of those; the replies are checked against it
 * exactly.  Returns whether this flow owns @e now.
 */
static bool nat_take_over(struct fz_state *st, struct fz_binding *e, int vi, int b,
			  const struct fz_tuple *rk, bool check, bool fresh, struct fz_verdict *v)
{
	u32 id;
	int ov, ob;

	if (!st->nat_real)
		return false;
	id = st->nat_real(rk);
	if (id == fz_vips[vi].be[b].id) {
		e->vip = vi;
		e->be = b;
		e->fe_mark = events_now(st, false);
		return true;
	}
	if (!fresh && (!id || id == fz_vips[e->vip].be[e->be].id))
		return false; /* no write: the earlier flow keeps it (or it was displaced) */
	if (check)
		violc(v, "[nat] forward", "no reply entry for the flow",
		      "%s's flow forwarded to %s, its reply tuple translates for %s",
		      fz_vips[vi].name, fz_vips[vi].be[b].addr,
		      !id			      ? "none"
		      : nat_of_real(id, rk, &ov, &ob) ? fz_vips[ov].name
						      : "another backend");
	if (id && nat_of_real(id, rk, &ov, &ob)) {
		e->vip = ov;
		e->be = ob;
	}
	return false;
}

/* A NAT flow seen forwarded (or left behind by a drop): its replies are to be translated.
 * @check: the first time, the data plane's reply entry must be there (read back, not
 * guessed); later it may have been displaced with its set (see expect_reply()).  @fresh:
 * see nat_take_over(). */
static void nat_register(struct fz_state *st, int vi, int b, const struct fz_tuple *fwd, bool check,
			 bool fresh, struct fz_verdict *v)
{
	struct fz_tuple rk;
	struct fz_binding *e;

	reply_tuple(&rk, vi, b, fwd);
	e = fz_bind_find(st->tab, &rk, st->stamp);
	if (e && e->be >= 0) {
		if ((e->vip == vi && e->be == b) ||
		    !nat_take_over(st, e, vi, b, &rk, check, fresh, v))
			return;
	} else {
		if (check && st->nat_probe && !st->nat_probe(&rk))
			violc(v, "[nat] forward", "no reply entry for the flow",
			      "%s's flow forwarded to %s, its replies will not be translated",
			      fz_vips[vi].name, fz_vips[vi].be[b].addr);
		e = fz_bind_add(st->tab, &rk, st->stamp);
		if (!e)
			return;
		e->vip = vi;
		e->be = b;
		e->fe_mark = events_now(st, false);
	}
	if (st->nnat < FZ_NAT_MAX) {
		struct fz_natflow *n = &st->nat[st->nnat++];

		n->vip = vi;
		n->be = b;
		n->fwd = *fwd;
		n->reply = rk;
	}
}

/* The NAT flow whose reply @src:sport -> @dst:dport is: exact, else the l3hash one. */
static struct fz_binding *nat_lookup(struct fz_state *st, int fam, u8 proto, const u8 *src,
				     const u8 *dst, u16 sport, u16 dport)
{
	struct fz_tuple rk;
	struct fz_binding *e;

	make_tuple(&rk, fam, proto, src, dst, sport, dport);
	rk.fam |= 0x80;
	e = fz_bind_find(st->tab, &rk, st->stamp);
	if (e && e->be >= 0)
		return e;
	rk.sport = rk.dport = 0;
	e = fz_bind_find(st->tab, &rk, st->stamp);
	return e && e->be >= 0 ? e : NULL;
}

/* ---- expectations ---- */

enum {
	OK_PASS = 1,	   /* XDP_PASS, untouched */
	OK_FWD = 2,	   /* to a backend (or back to the client for a NAT reply) */
	OK_RST = 4,	   /* alldown reject, TCP */
	OK_UNREACH = 8,	   /* alldown reject, UDP */
	OK_TOOBIG = 16,	   /* fragmentation needed / packet too big */
	OK_ECHO = 32,	   /* echo reply */
	OK_PASS_MOD = 64,  /* handed to the kernel rewritten (too big without DF, no neighbour) */
	OK_ANY_DROP = 128, /* any drop reason but internal */
};

enum { E_NONE, E_VIP, E_ICMP, E_REPLY, E_BACK, E_ECHO };

struct expect {
	int kind;
	unsigned ok;
	u32 drops;  /* 1 << XDPLB_R_* allowed with XDP_DROP (with those plausible for the packet) */
	bool loose; /* no single right answer: anything but an abort, answers and forwards
		     * still checked for form */
	char cat[80];	     /* what the input is, in full: for details */
	char subj[80];	     /* what is wrong with it, or cat: the failure class's subject */
	int vip;	     /* E_VIP, E_ICMP; E_REPLY, E_BACK: the NAT flow's VIP */
	int be;		     /* E_REPLY, E_BACK: the flow's backend */
	struct fz_tuple key; /* E_VIP, E_ICMP: the flow's key (l3hash: ports 0) */
	u32 mtu;	     /* with OK_TOOBIG: the MTU the answer carries */
	const char *mode;    /* "tun", "dr", "nat", "nat reply" */
};

#define R(x) (1u << XDPLB_R_##x)

/* IPv6 link-local (fe80::/10) and IPv4 link-local (169.254/16) sources: scoped to a link, so
 * whether they may be forwarded depends on where to (RFC 4291 2.5.6, RFC 3927 7); the
 * kernel's route lookup with such a source fails, and the balancer's cache of next hops
 * makes the verdict depend on the time since the last lookup.  Rule chosen: anything goes,
 * as long as a forward is well formed. */
static bool scoped_src(int fam, const u8 *a)
{
	return fam == 4 ? a[0] == 169 && a[1] == 254 : a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* May the balancer answer this packet itself (RST, ICMP error, echo reply)?  A host
 * silently discards a datagram whose IPv4 header checksum is wrong (RFC 1122 3.2.1.2).  @l4:
 * an end-host answer (RST, port unreachable, echo reply), which also needs the TCP/UDP/ICMP
 * checksum right (RFC 9293 3.1, RFC 1122 4.1.3.4; a corrupted echo request's data would be
 * echoed).  Rule chosen: fragmentation needed / packet too big is a router's answer (RFC
 * 1812 4.3.2), which checks only the IP header.  The lead's policy: what fails is dropped,
 * drop_bad_csum.  Who sent it is settled before any answer is considered (a group source MAC:
 * expect_pkt(); a group destination MAC, a source no single host has: sender_refused()).
 */
static const char *answer_refused(const struct pkt *p, bool l4)
{
	if (!p->ip.csum_ok)
		return "bad ip header checksum";
	if (l4 && !p->l4csum_ok)
		return "bad l4 checksum";
	return NULL;
}

static void cat_set(struct expect *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat_set(struct expect *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->cat, sizeof(e->cat), fmt, ap);
	va_end(ap);
	snprintf(e->subj, sizeof(e->subj), "%s", e->cat);
}

/* The failure class's subject: the defect, whatever the mode or direction. */
static void subj_set(struct expect *e, const char *s)
{
	snprintf(e->subj, sizeof(e->subj), "%s", s);
}

/* The lead's policy for a VIP's packet (a forward, an answer, an ICMP error about a VIP's
 * flow, a NAT reply) by who sent it: one that came as a link-layer broadcast or multicast
 * (RFC 1812 5.3.4, RFC 1122 3.3.6) goes to the kernel untouched (pass_l2_multicast: the
 * checker sees a pass of the frame as it came); one from a source that names no single host
 * (RFC 1122 3.2.1.3, RFC 1812 5.3.7, RFC 4291) is dropped, drop_martian.  @ctx: the category
 * so far.  Returns true when one of them applies (@e filled). */
static bool sender_refused(const struct pkt *p, const char *ctx, struct expect *e)
{
	char c[sizeof(e->cat)];

	snprintf(c, sizeof(c), "%s", ctx); /* @ctx may be e->cat */
	ctx = c;
	if (p->l2.d[0] & 1) {
		cat_set(e, "%s, link-layer broadcast", ctx);
		subj_set(e, "link-layer broadcast");
		e->ok = OK_PASS;
		e->drops = 0;
		return true;
	}
	if (!unicast_src(p->ip.fam, p->ip.src)) {
		cat_set(e, "%s, source no unicast address", ctx);
		subj_set(e, "source no unicast address");
		/* an IPv6 chain the balancer does not follow is the kernel's before anything */
		e->ok = p->ip.def & (D_UNFOLLOWED | D_DUP | D_OPTS) ? OK_PASS : 0;
		e->drops = R(DROP_MARTIAN);
		return true;
	}
	return false;
}

/* The backend's path: its interface's MTU, less the tunnel header. */
static void path_mtu(const struct fz_vip *v, u32 *mtu, u32 *overhead)
{
	const struct fz_backend *be = &v->be[0];

	*mtu = fz_if_mtu[be->ifx];
	*overhead = v->mode != XDPLB_MODE_TUN ? 0 : be->fam == 4 ? 20 : 40;
}

/* Too big for the way out (@mtu, tunnel overhead @ovh): what may become of it. */
static void expect_too_big(const struct pkt *p, u32 mtu, u32 ovh, bool can_pass, struct expect *e)
{
	const char *why;

	e->ok &= ~OK_FWD;
	e->mtu = mtu - ovh;
	if (p->ip.fam == 4 && !p->ip.df) {
		/* the kernel fragments it (after encapsulation or translation); DR cannot */
		if (can_pass)
			e->ok |= OK_PASS_MOD;
		else
			e->drops |= R(DROP_TOO_BIG);
		return;
	}
	if ((p->ip.fam == 6 && e->mtu < 1280) || (p->ip.fam == 4 && p->ip.hlen > 20)) {
		/* IPv6 cannot be asked below 1280 (RFC 8200 5); with IPv4 options the balancer
		 * does not answer (its documented choice) */
		e->drops |= R(DROP_TOO_BIG);
		return;
	}
	why = answer_refused(p, false);
	if (why) {
		char c[sizeof(e->cat)], subj[sizeof(e->subj)];

		memcpy(c, e->cat, sizeof(c));
		memcpy(subj, e->subj, sizeof(subj));
		cat_set(e, "%s, too big, %s", c, why);
		/* a NAT reply keeps its subject: one passed untranslated (no reply entry) is
		 * the NAT state's class, whatever the checksum */
		subj_set(e, e->kind == E_REPLY || e->kind == E_BACK ? subj : why);
		e->drops |= R(DROP_BAD_CSUM);
		return;
	}
	e->ok |= OK_TOOBIG;
}

/* A TCP/UDP packet to VIP @vi. */
static void expect_vip(const struct pkt *p, int vi, struct expect *e)
{
	const struct fz_vip *v = &fz_vips[vi];
	const char *mode = fz_mode_name[v->mode];
	bool l3 = v->flags & XDPLB_VIP_F_L3HASH, nat = v->mode == XDPLB_MODE_NAT;
	const char *why;
	u32 mtu, ovh;

	e->kind = E_VIP;
	e->vip = vi;
	e->mode = mode;
	make_tuple(&e->key, p->ip.fam, p->ip.proto, p->ip.src, p->ip.dst, l3 ? 0 : p->sport,
		   l3 ? 0 : p->dport);
	if (scoped_src(p->ip.fam, p->ip.src))
		e->loose = true;
	if (p->ip.frag == FR_FIRST && !l3) {
		cat_set(e, "vip [%s], first fragment, no l3hash", mode);
		subj_set(e, "first fragment to a vip without l3hash");
		e->ok = OK_PASS;
		e->drops = R(DROP_FRAGMENT);
		return;
	}
	if (p->ip.frag != FR_LATER && p->l4def) {
		/* the lead's policy: a malformed TCP/UDP header to a VIP is dropped, counted */
		cat_set(e, "vip [%s], %s", mode, l4_defect_name(p->l4def));
		subj_set(e, l4_subject(p->l4def));
		e->ok = OK_PASS;
		e->drops = R(DROP_MALFORMED_L4);
		return;
	}
	cat_set(e, "vip [%s]", mode);
	if (sender_refused(p, e->cat, e))
		return;
	if (nat && p->ip.ttl <= 1) {
		/* the lead's policy: NAT forwards as a router, RFC 1812 5.3.1 / RFC 8200 3 */
		cat_set(e, "vip [nat], ttl <= 1");
		subj_set(e, "nat, ttl <= 1");
		e->ok = OK_PASS | OK_ANY_DROP;
		return;
	}
	/* Rule chosen: a wrong IPv4 header checksum (or TCP/UDP checksum) does not stop a
	 * forward.  RFC 1812 5.2.2 has a router check it, but TUN and DR carry the packet
	 * untouched to the host that checks it (RFC 1122 3.2.1.2), and NAT updates checksums
	 * incrementally (RFC 1624), so they stay wrong exactly when they were: what is checked is
	 * that they do.  Answers are another matter: answer_refused(). */
	cat_set(e, "vip [%s]", mode);
	if (p->ip.def & (D_UNFOLLOWED | D_DUP | D_OPTS))
		e->ok |= OK_PASS; /* a header the balancer does not follow goes to the kernel */
	if (fz_vip_alldown(v)) {
		if (!(v->flags & XDPLB_VIP_F_ALLDOWN_REJECT) || p->ip.frag) {
			e->drops |= R(DROP_NO_BACKEND);
			return;
		}
		if (v->proto == IPPROTO_TCP && (p->tflags & 0x04)) {
			e->drops |=
			    R(DROP_NO_BACKEND); /* RFC 9293 3.10.7.1: a RST is not answered */
			return;
		}
		why = answer_refused(p, true);
		/* the balancer's documented choice: no answer with IP options or IPv6 extension
		 * headers (their quote or RST would have to carry or drop them); which of that
		 * and the checksums it looks at first is its business */
		if ((p->ip.fam == 4 && p->ip.hlen > 20) || (p->ip.fam == 6 && p->ip.next)) {
			e->drops |= R(DROP_NO_BACKEND) | (why ? R(DROP_BAD_CSUM) : 0);
			if (why)
				subj_set(e, why);
			else
				e->ok |= v->proto == IPPROTO_TCP ? OK_RST : OK_UNREACH;
			return;
		}
		if (why) {
			cat_set(e, "vip [%s], alldown reject, %s", mode, why);
			subj_set(e, why);
			e->drops |= R(DROP_BAD_CSUM);
			return;
		}
		e->ok |= v->proto == IPPROTO_TCP ? OK_RST : OK_UNREACH;
		return;
	}
	e->ok |= OK_FWD;
	path_mtu(v, &mtu, &ovh);
	/* rule chosen: an IPv4 packet without DF too big for an IPv6 tunnel may be dropped (the
	 * kernel does not fragment what it forwards over IPv6; RFC 2473 7.1 would have the
	 * entry point fragment it, a choice the balancer documents it does not make) */
	if (p->ip.len + ovh > mtu)
		expect_too_big(p, mtu, ovh,
			       v->mode != XDPLB_MODE_DR && !(v->mode == XDPLB_MODE_TUN &&
							     v->be[0].fam == 6 && p->ip.fam == 4),
			       e);
}

/* A backend's packet of a NAT flow @nf, to be translated back to the client from the VIP. */
static void expect_reply(const struct pkt *p, struct fz_state *st, const struct fz_binding *nf,
			 const char *what, struct expect *e)
{
	const struct ipv *ip = &p->ip;
	u8 mac[6];
	int ifx;

	if (st->nat_probe && !st->nat_probe(&nf->k) && table_events(st, nf)) {
		/* the entry was there when its flow was forwarded (nat_register()), is not now,
		 * and the flow table displaced flows meanwhile: its set filled up (another entry
		 * of the same client, an l3hash one, may answer instead) */
		cat_set(e, "nat reply whose entry may have been displaced");
		e->ok = OK_PASS | OK_FWD | OK_PASS_MOD | OK_ANY_DROP;
		e->loose = true;
		return;
	}

	e->kind = what ? E_BACK : E_REPLY;
	e->vip = nf->vip;
	e->be = nf->be;
	e->mode = "nat reply";
	if (!what)
		what = ip->proto == IPPROTO_TCP ? "nat reply tcp" : "nat reply udp";
	if (p->l4def) {
		cat_set(e, "%s, %s", what, l4_defect_name(p->l4def));
		subj_set(e, l4_subject(p->l4def));
		e->ok = OK_PASS;
		e->drops = R(DROP_MALFORMED_L4);
		return;
	}
	if (sender_refused(p, what, e)) {
		/* a reply keeps its subject: one passed untranslated (its entry missing) is the
		 * NAT state's class, whoever sent it */
		subj_set(e, "nat reply");
		return;
	}
	if (ip->ttl <= 1) {
		cat_set(e, "%s, ttl <= 1", what);
		subj_set(e, "nat, ttl <= 1");
		e->ok = OK_PASS | OK_ANY_DROP;
		return;
	}
	cat_set(e, "%s", what);
	subj_set(e, "nat reply");
	e->ok = OK_FWD | (ip->def & (D_UNFOLLOWED | D_DUP | D_OPTS) ? OK_PASS : 0);
	if (scoped_src(ip->fam, ip->src))
		e->loose = true;
	switch (fz_route(ip->fam, ip->dst, &ifx, mac)) {
	case -1: /* a client the sandbox has no route for */
		e->ok |= OK_PASS_MOD;
		e->drops |= R(DROP_NO_ROUTE);
		return;
	case 1: /* no neighbour: translated, to the kernel, which resolves it */
		e->ok = (e->ok & ~OK_FWD) | OK_PASS_MOD;
		break;
	}
	if (ip->len > fz_if_mtu[ifx]) {
		if (e->kind == E_BACK) {
			/* an error is never answered with an error (RFC 1122 3.2.2) */
			e->ok &= ~OK_FWD;
			e->drops |= R(DROP_TOO_BIG);
		} else {
			expect_too_big(p, fz_if_mtu[ifx], 0, true, e);
		}
	}
}

/* An ICMP error: about a VIP's flow (E_ICMP), about a NAT flow's datagram a backend got
 * (E_BACK), or neither. */
static void expect_icmp_err(const struct pkt *p, struct fz_state *st, struct expect *e)
{
	const struct quote *q = &p->q;
	int fam = p->ip.fam, vi;
	struct fz_binding *nf;

	if (!p->quote_ok || qfam(q) != fam || q->exts) {
		/* no flow to be found in it (RFC 4443 2.4: the quote is what a host matches) */
		cat_set(e, "icmp error, quote without a flow");
		e->ok = OK_PASS;
		return;
	}
	vi = -1;
	if (!memcmp(q->src, p->ip.dst, alen(fam)) && q->later) {
		/* its "ports" are data: it names no flow.  Rule chosen: it is placed as the
		 * fragment itself is, by an l3hash VIP alone on its address and protocol (whose
		 * flows are the addresses'); to any other VIP address it is dropped */
		int last = -1, n = vips_on(fam, q->src, q->proto, &last);

		if (n == 1 && fz_vips[last].flags & XDPLB_VIP_F_L3HASH) {
			vi = last;
		} else if (n) {
			e->kind = E_ICMP;
			e->vip = last;
			e->mode = fz_mode_name[fz_vips[last].mode];
			make_tuple(&e->key, fam, q->proto, q->dst, q->src, q->dport, q->sport);
			cat_set(e, "icmp error [%s], quote of a non-first fragment", e->mode);
			subj_set(e, "icmp error quoting a non-first fragment");
			e->ok = 0;
			e->drops = R(DROP_ICMP);
			return;
		}
	} else if (!memcmp(q->src, p->ip.dst, alen(fam))) {
		vi = find_vip(fam, q->src, q->sport, q->proto);
	}
	if (vi >= 0) {
		const struct fz_vip *v = &fz_vips[vi];
		bool l3 = v->flags & XDPLB_VIP_F_L3HASH;
		u32 mtu, ovh;

		e->kind = E_ICMP;
		e->vip = vi;
		e->mode = fz_mode_name[v->mode];
		make_tuple(&e->key, fam, q->proto, q->dst, q->src, l3 ? 0 : q->dport,
			   l3 ? 0 : q->sport);
		cat_set(e, "icmp error [%s]", e->mode);
		if (sender_refused(p, e->cat, e))
			return;
		if (v->mode == XDPLB_MODE_NAT && p->ip.ttl <= 1) {
			cat_set(e, "icmp error [nat], ttl <= 1");
			subj_set(e, "nat, ttl <= 1");
			e->ok = OK_PASS | OK_ANY_DROP;
			return;
		}
		cat_set(e, "icmp error [%s]", e->mode);
		e->ok = OK_FWD;
		/* no flow and a scheduler that cannot say where it would go: nowhere to send it */
		e->drops = R(DROP_ICMP);
		/* the flow's client (the quote's destination) is the source of the next hop's
		 * route lookup: see scoped_src() */
		if (scoped_src(fam, q->dst) || !unicast_src(fam, q->dst))
			e->loose = true;
		path_mtu(v, &mtu, &ovh);
		if (p->ip.len + ovh > mtu) {
			/* an error is never answered with an error (RFC 1122 3.2.2) */
			e->ok = 0;
			e->drops |= R(DROP_TOO_BIG);
		}
		return;
	}
	/* a backend's error about a client's datagram of a NAT flow: the reply tuple is the
	 * quote reversed */
	nf = nat_lookup(st, fam, q->proto, q->dst, q->src, q->dport, q->sport);
	if (!nf) {
		cat_set(e, "icmp error, not about a vip flow");
		e->ok = OK_PASS;
		return;
	}
	if (memcmp(q->src, p->ip.dst, alen(fam))) {
		/* an error goes to the quoted datagram's source (RFC 792; RFC 4443 3.1-3.4), so
		 * one to another address is no error about this NAT flow, none to translate
		 * (RFC 5508 4.2 translates errors consistent with a mapping); the documented
		 * policy (xdplb(8), PACKET POLICIES): the kernel's, untouched */
		e->kind = E_BACK;
		e->vip = nf->vip;
		e->be = nf->be;
		cat_set(e, "icmp error from a nat backend, not to the quoted source");
		e->ok = OK_PASS;
		return;
	}
	expect_reply(p, st, nf, "icmp error from a nat backend", e);
}

static void expect_pkt(const struct pkt *p, struct fz_state *st, struct expect *e)
{
	const struct ipv *ip = &p->ip;
	int vi, last;

	memset(e, 0, sizeof(*e));
	e->kind = E_NONE;
	e->vip = e->be = -1;
	if (p->l2.trunc) {
		cat_set(e, "l2: truncated header");
		e->ok = OK_PASS;
		e->drops = R(DROP_MALFORMED_L2);
		return;
	}
	if (p->l2.d[6] & 1) {
		/* IEEE 802: a source address is never a group's; the lead's policy: such a
		 * frame is dropped, whatever it carries */
		cat_set(e, "l2: multicast source");
		subj_set(e, "multicast link-layer source");
		e->drops = R(DROP_MALFORMED_L2);
		return;
	}
	if (p->l2.ntags > 1) {
		/* rule chosen: double tags are the kernel's (the balancer reads one) */
		cat_set(e, "l2: two vlan tags");
		e->ok = OK_PASS;
		return;
	}
	if (p->l2.type != 0x0800 && p->l2.type != 0x86dd) {
		cat_set(e, "l2: not ip");
		e->ok = OK_PASS;
		return;
	}
	if (ip->def & D_L3) {
		/* RFC 1812 5.2.2: a router discards these; or the kernel does */
		cat_set(e, "ip%d: malformed (%s)", ip->fam,
			ip->def & D_TRUNC  ? "truncated header"
			: ip->def & D_VER  ? "version"
			: ip->def & D_IHL  ? "header length"
			: ip->def & D_LEN  ? "length shorter than the header"
			: ip->def & D_PAST ? "length past the frame"
					   : "extension header past the payload");
		e->ok = OK_PASS;
		e->drops = R(DROP_MALFORMED_L3);
		return;
	}
	if (ip->def & (D_DUP | D_LATER_EXT)) {
		/* a chain RFC 8200 4.1 does not allow, or a fragment whose upper layer is not in
		 * it: no one right answer */
		cat_set(e, "ip6: %s",
			ip->def & D_DUP ? "extension header repeated"
					: "non-first fragment of an unknown protocol");
		e->ok = OK_PASS | OK_FWD | OK_ANY_DROP;
		e->loose = true;
		return;
	}
	if (ip->def & (D_HBH_LATE | D_ROUTE)) {
		/* the lead's policy, whatever the protocol, VIP or not: a hop-by-hop header not
		 * first (RFC 8200 4.1: discarded with a parameter problem, the kernel's to send)
		 * and a source route with hops to go (RFC 791 3.1, RFC 8200 4.4: the VIP is a hop
		 * on the way, the kernel's source-route settings decide) go to the kernel
		 * untouched, neither forwarded nor answered nor dropped */
		cat_set(e, "ip%d: %s", ip->fam,
			ip->def & D_HBH_LATE ? "hop-by-hop header not first"
			: ip->fam == 4	     ? "source route not done"
					     : "routing header segments left");
		subj_set(e, ip->def & D_HBH_LATE ? "ipv6 hop-by-hop header not first"
						 : "not the final destination (source route)");
		e->ok = OK_PASS;
		return;
	}
	if (ip->proto == IPPROTO_ICMP || ip->proto == IPPROTO_ICMPV6) {
		if ((ip->proto == IPPROTO_ICMP) != (ip->fam == 4)) {
			cat_set(e, "ip%d: icmp of the other family", ip->fam);
			e->ok = OK_PASS;
			return;
		}
		if (ip->frag) {
			cat_set(e, "icmp: fragment");
			e->ok = OK_PASS;
			return;
		}
		if (!p->icmp) {
			cat_set(e, "icmp: truncated header");
			e->ok = OK_PASS;
			e->drops = R(DROP_MALFORMED_L3) | R(DROP_MALFORMED_L4);
			return;
		}
		if (p->itype == (ip->fam == 4 ? 8 : 128) && !p->icode &&
		    vips_on(ip->fam, ip->dst, 0, &last)) {
			const char *why = answer_refused(p, true);

			e->kind = E_ECHO;
			e->ok = OK_PASS;
			if (ip->def & D_OPTS) {
				/* malformed IPv4 options */
				cat_set(e, "echo request, bad ip options");
				subj_set(e, "bad ip options");
				return;
			}
			/* the balancer's documented choice: IPv4 with options goes to the kernel,
			 * as does an IPv6 chain it does not follow */
			if ((ip->fam == 4 && ip->hlen > 20) || (ip->def & D_UNFOLLOWED)) {
				cat_set(e, "echo request to a vip, ip options");
				if (!why && !(p->l2.d[0] & 1) && unicast_src(ip->fam, ip->src))
					e->ok |= OK_ECHO;
				return;
			}
			if (sender_refused(p, "echo request", e))
				return;
			if (why) {
				cat_set(e, "echo request, %s", why);
				subj_set(e, why);
				e->ok = 0;
				e->drops = R(DROP_BAD_CSUM);
				return;
			}
			cat_set(e, "echo request to a vip");
			e->ok = OK_ECHO;
			return;
		}
		if ((ip->fam == 4 && (p->itype == 3 || p->itype == 11 || p->itype == 12)) ||
		    (ip->fam == 6 && p->itype >= 1 && p->itype <= 4)) {
			if (ip->def & D_UNFOLLOWED) {
				cat_set(e, "icmp error, odd ip header");
				e->ok = OK_PASS | OK_FWD | OK_ANY_DROP;
				e->loose = true;
				return;
			}
			expect_icmp_err(p, st, e);
			return;
		}
		cat_set(e, "icmp: other type");
		e->ok = OK_PASS;
		return;
	}
	if (ip->proto != IPPROTO_TCP && ip->proto != IPPROTO_UDP) {
		cat_set(e, "ip%d: protocol neither tcp nor udp", ip->fam);
		e->ok = OK_PASS;
		return;
	}
	if (ip->frag == FR_LATER) {
		/* no ports: only an l3hash VIP alone on its address and protocol can place it */
		int n = vips_on(ip->fam, ip->dst, ip->proto, &last);

		if (!n) {
			/* an l3hash NAT VIP's reply entry has no ports: it takes these too */
			struct fz_binding *nf =
			    nat_lookup(st, ip->fam, ip->proto, ip->src, ip->dst, 0, 0);

			if (nf) {
				expect_reply(p, st, nf, NULL, e);
				return;
			}
			cat_set(e, "non-vip fragment");
			e->ok = OK_PASS;
			return;
		}
		if (n > 1 || !(fz_vips[last].flags & XDPLB_VIP_F_L3HASH)) {
			cat_set(e, "vip fragment, no l3hash");
			e->ok = OK_PASS;
			e->drops = R(DROP_FRAGMENT);
			return;
		}
		expect_vip(p, last, e);
		return;
	}
	vi = p->ports ? find_vip(ip->fam, ip->dst, p->dport, ip->proto) : -1;
	if (vi < 0 && !p->ports && vips_on(ip->fam, ip->dst, ip->proto, &last)) {
		cat_set(e, "vip address, no ports");
		e->ok = OK_PASS;
		e->drops = R(DROP_MALFORMED_L4);
		return;
	}
	if (vi >= 0) {
		expect_vip(p, vi, e);
		return;
	}
	if (p->ports) {
		struct fz_binding *nf =
		    nat_lookup(st, ip->fam, ip->proto, ip->src, ip->dst, p->sport, p->dport);

		if (nf) {
			expect_reply(p, st, nf, NULL, e);
			return;
		}
	}
	/* no VIP's, no NAT flow's: the kernel's, whatever its TCP/UDP header holds (a router
	 * does not look at it, RFC 1812 5.2.1) */
	cat_set(e, "non-vip%s", p->l4def & L4_TRUNC ? ", truncated l4 header" : "");
	e->ok = OK_PASS;
}

/* Drop reasons that fit the packet, whichever drop its category allows. */
static u32 plausible_drops(const struct pkt *p, const struct expect *e)
{
	const struct ipv *ip = &p->ip;
	u32 d = 0;

	if (p->l2.trunc)
		d |= R(DROP_MALFORMED_L2);
	if (ip->def & (D_L3 | D_OPTS | D_DUP))
		d |= R(DROP_MALFORMED_L3);
	if (p->l4def ||
	    (p->ip_ok && (ip->proto == IPPROTO_ICMP || ip->proto == IPPROTO_ICMPV6) && !p->icmp))
		d |= R(DROP_MALFORMED_L4);
	if (ip->frag)
		d |= R(DROP_FRAGMENT);
	if (e->vip >= 0 && fz_vip_alldown(&fz_vips[e->vip]))
		d |= R(DROP_NO_BACKEND);
	if (e->mtu || ip->len + 40 > fz_if_mtu[IF_LB2])
		d |= R(DROP_TOO_BIG);
	if (e->kind == E_ICMP || e->kind == E_BACK)
		d |= R(DROP_ICMP);
	/* where another rule names the class, the lead's sender and checksum rules may come
	 * first (sender_refused(), answer_refused()) */
	if (p->ip_ok && !(p->l2.d[0] & 1) && !unicast_src(ip->fam, ip->src))
		d |= R(DROP_MARTIAN);
	if (p->ip_ok && (!ip->csum_ok || (ip->frag == FR_NONE && !p->l4csum_ok)))
		d |= R(DROP_BAD_CSUM);
	/* the kernel's route lookup with such a source fails (see scoped_src()) */
	if (e->loose ||
	    (ip->src && (!unicast_src(ip->fam, ip->src) || scoped_src(ip->fam, ip->src))))
		d |= R(DROP_NO_ROUTE);
	if (e->kind == E_REPLY || e->kind == E_BACK) {
		int ifx;
		u8 mac[6];

		if (fz_route(ip->fam, ip->dst, &ifx, mac) < 0)
			d |= R(DROP_NO_ROUTE); /* a client the sandbox has no route for */
	}
	return d;
}

/* ---- validation of frames ---- */

/* The L2 header of a frame the balancer sends itself.  Rule chosen (VLAN): a frame that
 * leaves by the interface it came in on (XDP_TX, and every answer to the sender) keeps the
 * tag it came with: the backend or client is on that VLAN, and untagged it would land on
 * the native one.  One redirected to another interface leaves untagged (the ingress tag
 * means nothing there).  One handed to the kernel keeps it (pass_l2()). */
static bool check_l2(const struct pkt *in, const struct l2 *out, bool same_if, const u8 *dmac,
		     const u8 *smac, u16 type, const char *ctx, struct fz_verdict *v)
{
	char c[80];

	if (out->trunc || out->ntags > 1) {
		violc(v, ctx, "broken l2 header", "output l2 truncated or double-tagged");
		return false;
	}
	if (dmac && memcmp(out->d, dmac, 6))
		violc(v, ctx, "wrong destination mac",
		      "destination %02x:%02x:%02x:%02x:%02x:%02x, expected %02x:..:%02x:%02x",
		      out->d[0], out->d[1], out->d[2], out->d[3], out->d[4], out->d[5], dmac[0],
		      dmac[4], dmac[5]);
	if (smac && memcmp(out->d + 6, smac, 6))
		violc(v, ctx, "wrong source mac", "source mac is not the egress interface's");
	if (out->type != type)
		violc(v, ctx, "wrong ethertype", "ethertype %04x, expected %04x", out->type, type);
	/* answers (to the sender) and forwards are done by different code: two classes */
	snprintf(c, sizeof(c), "vlan [%s]", ctx);
	if (same_if && in->l2.ntags == 1 &&
	    (out->ntags != 1 || out->tpid[0] != in->l2.tpid[0] || out->tci[0] != in->l2.tci[0]))
		viol(v,
		     dmac == in->l2.d + 6
			 ? "vlan: tag not kept on an answer to the sender"
			 : "vlan: tag not kept on a forward out of the ingress interface",
		     "%s: input tag %04x/%04x, output %s", ctx, in->l2.tpid[0], in->l2.tci[0],
		     out->ntags ? "another tag" : "untagged");
	if (same_if && !in->l2.ntags && out->ntags)
		violc(v, c, "tag added", "an untagged input got a tag");
	if (!same_if && out->ntags)
		violc(v, c, "tag kept on another interface", "redirected frame still tagged");
	return true;
}

/* The L2 header of a rewritten frame handed to the kernel (no neighbour yet, too big
 * without DF): the MACs as they came and, rule chosen (VLAN), the tag as it came, TPID and
 * TCI: the kernel takes it as arriving on that VLAN, as it does every frame passed
 * untouched. */
static void pass_l2(const struct pkt *in, const struct l2 *out, u16 type, const char *ctx,
		    struct fz_verdict *v)
{
	char c[80];

	if (memcmp(out->d, in->l2.d, 12) || out->type != type)
		violc(v, ctx, "l2 header", "MACs or type not as they arrived");
	snprintf(c, sizeof(c), "vlan [%s]", ctx);
	if (out->ntags != in->l2.ntags ||
	    (in->l2.ntags && (out->tpid[0] != in->l2.tpid[0] || out->tci[0] != in->l2.tci[0])))
		violc(v, c, "tag not as it came", "input %d tag(s) %04x/%04x, output %d %04x/%04x",
		      in->l2.ntags, in->l2.tpid[0], in->l2.tci[0], out->ntags, out->tpid[0],
		      out->tci[0]);
}

/* Compare @n bytes, except the ranges in @skip (pairs of offsets, end exclusive). */
static int diff_except(const u8 *a, const u8 *b, u32 n, const u32 *skip, int nskip)
{
	for (u32 i = 0; i < n; i++) {
		bool s = false;

		for (int k = 0; k < nskip; k += 2)
			s |= i >= skip[k] && i < skip[k + 1];
		if (!s && a[i] != b[i])
			return (int)i;
	}
	return -1;
}

/* Equal as one's-complement values (0x0000 and 0xffff are both zero) */
static bool oc_eq(u16 a, u16 b)
{
	return a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0);
}

/* RFC 1624 eqn. 3: the checksum @hc after 16-bit words @old[] became @new[]. */
static u16 csum_update(u16 hc, const u8 *old, const u8 *nw, u32 n)
{
	u64 s = (u16)~hc;

	for (u32 i = 0; i + 1 < n; i += 2)
		s += (u16)~rd16(old + i) + rd16(nw + i);
	return (u16)~oc_fold(s);
}

/* An IP packet after NAT: only @which address (src or dst), its port (@port, 0: kept), the
 * TTL (decremented by one: the lead's policy, RFC 1812 5.3.1) and checksums (correct
 * exactly when the input's were; through an ICMP quote, as RFC 1624 updates them) may
 * differ.  @pass: handed to the kernel, which decrements the TTL itself. */
static void check_nat_ip(const struct pkt *in, const struct ipv *o, bool dst, const u8 *addr,
			 u16 port, bool pass, bool shallow, const char *ctx, struct fz_verdict *v)
{
	const struct ipv *i = &in->ip;
	u32 al = alen(i->fam), aoff = i->fam == 4 ? (dst ? 16 : 12) : (dst ? 24 : 8);
	u32 skip[12], ns = 0, poff = dst ? 2 : 0;
	int d;

	if (o->def & D_L3 || o->fam != i->fam) {
		violc(v, ctx, "output ip header broken", "output ip header does not parse");
		return;
	}
	if (o->len != i->len) {
		violc(v, ctx, "ip length changed", "ip length %u, input %u", o->len, i->len);
		return;
	}
	if (memcmp(o->h + aoff, addr, al))
		violc(v, ctx, "wrong address", "%s address is not the expected one",
		      dst ? "destination" : "source");
	/* TTL */
	if (pass) {
		if (o->ttl != i->ttl)
			violc(v, ctx, "ttl changed on a packet for the kernel", "ttl %u, input %u",
			      o->ttl, i->ttl);
	} else if (o->ttl == i->ttl) {
		viol(v, "nat: ttl not decremented", "%s: ttl %u unchanged (RFC 1812 5.3.1)", ctx,
		     o->ttl);
	} else if (o->ttl != (u8)(i->ttl - 1)) {
		violc(v, ctx, "ttl wrong", "ttl %u, input %u", o->ttl, i->ttl);
	}
	skip[ns++] = aoff, skip[ns++] = aoff + al;
	skip[ns++] = i->fam == 4 ? 8 : 7, skip[ns++] = i->fam == 4 ? 9 : 8; /* ttl */
	if (i->fam == 4) {
		skip[ns++] = 10, skip[ns++] = 12;
		if (o->csum_ok != i->csum_ok)
			violc(v, ctx, "ip header checksum", "header checksum %s, input's %s",
			      o->csum_ok ? "right" : "wrong", i->csum_ok ? "right" : "wrong");
	}
	if (shallow)
		return; /* an input read two ways: its upper layer is the data plane's reading */
	if (in->ports && i->frag != FR_LATER) {
		u32 l4 = i->l4off;
		u16 op = rd16(o->h + l4 + poff), ip = rd16(i->h + l4 + poff);

		if (op != (port ? port : ip))
			violc(v, ctx, "wrong port", "%s port %u, expected %u",
			      dst ? "destination" : "source", op, port ? port : ip);
		skip[ns++] = l4 + poff, skip[ns++] = l4 + poff + 2;
		if (i->proto == IPPROTO_TCP && i->l4len >= 18) {
			skip[ns++] = l4 + 16, skip[ns++] = l4 + 18;
		} else if (i->proto == IPPROTO_UDP && i->l4len >= 8) {
			skip[ns++] = l4 + 6, skip[ns++] = l4 + 8;
		}
	}
	d = diff_except(o->h, i->h, i->len, skip, ns);
	if (d >= 0)
		violc(v, ctx, "bytes changed that nat must not change",
		      "ip packet byte %d: %02x, input %02x", d, o->h[d], i->h[d]);
	/* the TCP/UDP checksum */
	if (!in->ports || i->frag == FR_LATER || in->l4def & L4_TRUNC)
		return;
	{
		u32 at = i->l4off + (i->proto == IPPROTO_TCP ? 16 : 6);
		u16 ic = rd16(i->h + at), oc = rd16(o->h + at);

		if (i->proto == IPPROTO_UDP && !ic && i->fam == 4) {
			if (oc)
				violc(v, ctx, "udp checksum 0 not kept",
				      "udp checksum %04x, input 0 (none, RFC 768)", oc);
			return;
		}
		if (i->proto == IPPROTO_UDP && !oc) {
			violc(v, ctx, "udp checksum 0 sent", "a computed 0 goes as ffff (RFC 768)");
			return;
		}
		if (i->frag == FR_NONE) {
			bool ok = l4_csum_ok(o);

			if (ok != in->l4csum_ok)
				violc(v, ctx, "l4 checksum", "checksum %s, input's %s",
				      ok ? "right" : "wrong", in->l4csum_ok ? "right" : "wrong");
		} else {
			/* a first fragment: the checksum covers the whole datagram (RFC 1624) */
			u8 ow[20], nw[20];
			u16 exp;

			memcpy(ow, i->h + aoff, al);
			memcpy(nw, o->h + aoff, al);
			memcpy(ow + al, i->h + i->l4off + poff, 2);
			memcpy(nw + al, o->h + i->l4off + poff, 2);
			exp = csum_update(ic, ow, nw, al + 2);
			if (!oc_eq(exp, oc) && !(i->proto == IPPROTO_UDP && !exp && oc == 0xffff))
				violc(v, ctx, "l4 checksum not updated",
				      "fragment checksum %04x, RFC 1624 gives %04x", oc, exp);
		}
	}
}

/* TUN: an outer header from the tunnel source to backend @be and the input's IP packet
 * byte for byte (RFC 2003 3.1, RFC 2473 3/5).  Rules chosen: the inner TTL is not
 * decremented (RFC 2003 3.1 decrements it when tunnelling is part of forwarding; a balancer
 * delivers the VIP's packet to the host that holds the VIP, as LVS does); the outer IPv6
 * traffic class and the outer IPv4 ID are the encapsulator's choice (RFC 2473 6.5, RFC
 * 6864); bytes after the outer packet (the input's Ethernet padding) are ignored, as a
 * receiver ignores padding (RFC 894). */
static void check_tun(const struct pkt *in, const struct l2 *ol, const struct fz_backend *be,
		      const char *ctx, struct fz_verdict *v, u32 *label)
{
	const u8 *o = ol->d + ol->l3;
	u32 n = ol->len - ol->l3, ilen = in->ip.len;

	if (be->fam == 4) {
		if (n < 20 || o[0] != 0x45) {
			violc(v, ctx, "outer header broken", "outer version/ihl %02x",
			      n ? o[0] : 0);
			return;
		}
		if (rd16(o + 2) != ilen + 20)
			violc(v, ctx, "outer total length", "outer length %u, inner %u",
			      rd16(o + 2), ilen);
		/* RFC 2003 3.1: TOS copied from the inner header; DF set when the inner has it
		 * (a packet that must not be fragmented must not be fragmented in the tunnel
		 * either), no fragment of the outer packet */
		if (o[1] != in->ip.h[1])
			violc(v, ctx, "outer tos not copied", "outer tos %02x, inner %02x", o[1],
			      in->ip.h[1]);
		if ((rd16(o + 6) & 0x3fff) || (in->ip.df && !(o[6] & 0x40)))
			violc(v, ctx, "outer fragment bits", "outer flags/offset %04x, inner DF %d",
			      rd16(o + 6), in->ip.df);
		if (!o[8])
			violc(v, ctx, "outer ttl 0", "outer ttl 0");
		if (o[9] != 4)
			violc(v, ctx, "outer protocol", "outer protocol %u", o[9]);
		if (oc_fold(oc_add(0, o, 20)) != 0xffff)
			violc(v, ctx, "outer header checksum", "outer header checksum wrong");
		if (memcmp(o + 12, fz_tunsrc4, 4) || memcmp(o + 16, be->a, 4))
			violc(v, ctx, "outer addresses", "outer source/destination wrong");
		o += 20, n -= 20;
	} else {
		if (n < 40 || o[0] >> 4 != 6) {
			violc(v, ctx, "outer header broken", "outer ipv6 header missing");
			return;
		}
		if (rd16(o + 4) != ilen)
			violc(v, ctx, "outer payload length", "outer payload length %u, inner %u",
			      rd16(o + 4), ilen);
		if (o[6] != (in->ip.fam == 4 ? 4 : 41))
			violc(v, ctx, "outer next header", "outer next header %u", o[6]);
		if (!o[7])
			violc(v, ctx, "outer hop limit 0", "outer hop limit 0");
		if (memcmp(o + 8, fz_tunsrc6, 16) || memcmp(o + 24, be->a, 16))
			violc(v, ctx, "outer addresses", "outer source/destination wrong");
		*label = rd32(o) & 0xfffff;
		o += 40, n -= 40;
	}
	if (n < ilen || memcmp(o, in->ip.h, ilen)) {
		int d = -1;

		for (u32 k = 0; k < ilen && k < n && d < 0; k++)
			if (o[k] != in->ip.h[k])
				d = (int)k;
		violc(v, ctx, "inner packet not byte-identical",
		      "inner %u bytes of %u; first difference at %d", n < ilen ? n : ilen, ilen, d);
	}
}

/* The backend of VIP @vi an output goes to: by outer destination (TUN), MAC (DR), new
 * destination address (NAT).  -1: none of its backends. */
static int out_backend(int vi, const struct l2 *ol, const u8 *oip, int ofam)
{
	const struct fz_vip *v = &fz_vips[vi];

	for (int b = 0; b < v->nbe; b++) {
		const struct fz_backend *be = &v->be[b];

		switch (v->mode) {
		case XDPLB_MODE_TUN:
			if (ofam == be->fam &&
			    !memcmp(oip + (be->fam == 4 ? 16 : 24), be->a, alen(be->fam)))
				return b;
			break;
		case XDPLB_MODE_DR:
			if (!memcmp(ol->d, be->mac, 6))
				return b;
			break;
		default:
			if (ofam == be->fam &&
			    !memcmp(oip + (be->fam == 4 ? 16 : 24), be->a, alen(be->fam)))
				return b;
			break;
		}
	}
	return -1;
}

/* One backend per flow; new flows only to backends that take them; persistence. */
static void track_flow(const struct pkt *in, const struct expect *e, int b, bool icmp,
		       struct fz_state *st, const char *ctx, struct fz_verdict *v, u32 label,
		       bool has_label)
{
	const struct fz_vip *vp = &fz_vips[e->vip];
	struct fz_binding *bd = fz_bind_find(st->tab, &e->key, st->stamp);
	bool bare_syn = in->ip.proto == IPPROTO_TCP && !icmp && (in->tflags & 0x12) == 0x02;
	bool closes = in->ip.proto == IPPROTO_TCP && !icmp && (in->tflags & 0x05);

	if (bd && bd->be >= 0 && !bd->soft) {
		if (bd->be != b) {
			/* a closed TCP tuple opened again by a bare SYN is a new connection
			 * (RFC 9293 3.10.7.4); it may not reopen on a backend that takes no new
			 * flows (drained or down), so it is scheduled anew */
			if (bd->closed && bare_syn && !fz_be_new(vp, bd->be, st->phase)) {
				bd->closed = 0;
			} else if (table_events(st, bd)) {
				/* the flow table displaced or did not record a flow meanwhile */
			} else {
				violc(v, ctx, "flow moved to another backend",
				      "flow of %s went to %s, earlier to %s", vp->name,
				      vp->be[b].addr, vp->be[bd->be].addr);
				return; /* the flow is still where it was: keep it there */
			}
			bd->be = b;
			bd->has_label = 0;
		}
	} else {
		/* rule chosen: a flow whose backend went down is being moved (its next packet
		 * goes to another backend, which does not have the connection); an error about
		 * it goes nowhere (drop_icmp) until that packet has moved it */
		if (icmp && bd && bd->down && !table_events(st, bd)) {
			violc(v, ctx, "to a down backend's flow: forwarded",
			      "icmp error about a flow of down %s went to %s", vp->name,
			      vp->be[b].addr);
			return;
		}
		if (!fz_be_new(vp, b, st->phase))
			violc(v, ctx,
			      vp->be[b].role == BE_DRAIN ? "new flow to a drained backend"
			      : icmp ? "to a down backend (its flow moves off it)"
				     : "new flow to a down backend",
			      "%s to %s", icmp ? "icmp error of no live flow" : "new flow",
			      vp->be[b].addr);
		if (icmp && !fz_be_new(vp, b, st->phase))
			return; /* the error went after its flow's old backend: no flow made */
		if (vp->persist && !icmp) {
			struct fz_tuple pk;
			struct fz_binding *pb;

			make_tuple(&pk, in->ip.fam, 0, in->ip.src, in->ip.dst, 0, 0);
			pb = fz_bind_find(st->ptab, &pk, st->stamp);
			/* (an unrecorded flow notes no persistence: table_events()) */
			if (pb && pb->be >= 0 && pb->be != b && fz_be_new(vp, pb->be, st->phase) &&
			    !table_events(st, pb))
				violc(v, ctx, "persistence not kept",
				      "client's new flow to %s, its persistent backend is %s",
				      vp->be[b].addr, vp->be[pb->be].addr);
			pb = fz_bind_add(st->ptab, &pk, st->stamp);
			if (pb) {
				pb->be = b;
				pb->fe_mark = events_now(st, false);
			}
		}
		/* mh: an error about a flow not yet made goes where the flow will (the data
		 * plane schedules it the same way, without recording it) */
		if (bd && bd->be >= 0 && bd->soft && bd->be != b && !vp->persist &&
		    vp->sched == XDPLB_SCHED_MH && !table_events(st, bd))
			violc(v, ctx, "icmp error and its flow scheduled apart",
			      "flow to %s, an error about it went to %s", vp->be[b].addr,
			      vp->be[bd->be].addr);
		if (!bd)
			bd = fz_bind_add(st->tab, &e->key, st->stamp);
		if (!bd)
			return;
		bd->vip = e->vip;
		bd->be = b;
		bd->soft = icmp;
		bd->down = 0;
		bd->has_label = 0;
		bd->closed = 0;
	}
	bd->fe_mark = events_now(st, false);
	if (closes)
		bd->closed = 1;
	if (has_label) {
		/* RFC 6438 2: one flow label for all packets of a flow */
		if (bd->has_label && bd->label != label)
			violc(v, ctx, "flow label changed within a flow",
			      "label %05x, earlier %05x", label, bd->label);
		if (!icmp && !bd->has_label) {
			bd->has_label = 1;
			bd->label = label;
		}
	}
}

static void check_nat_icmp(const struct pkt *in, const struct ipv *o, bool dst, const u8 *addr,
			   u16 port, bool pass, bool shallow, const char *ctx,
			   struct fz_verdict *v);

/* A forward of a VIP packet (or an ICMP error about a VIP flow) to a backend. */
static void check_forward(const struct pkt *in, const struct fz_result *r, const struct expect *e,
			  bool pass, struct fz_state *st, struct fz_verdict *v)
{
	const struct fz_vip *vp = &fz_vips[e->vip];
	bool icmp = e->kind == E_ICMP;
	struct l2 ol;
	struct ipv oip;
	char ctx[48];
	int b, ofam;
	u32 label = 0;
	bool fresh;

	snprintf(ctx, sizeof(ctx), "[%s] %s%s", e->mode, icmp ? "icmp error" : "forward",
		 pass ? " to the kernel" : "");
	parse_l2(r->out, r->out_len, &ol);
	if (ol.trunc || ol.ntags > 1 || (ol.type != 0x0800 && ol.type != 0x86dd)) {
		violc(v, ctx, "output not ip", "output frame has no ip header");
		return;
	}
	ofam = ol.type == 0x0800 ? 4 : 6;
	b = out_backend(e->vip, &ol, r->out + ol.l3, ofam);
	if (b < 0) {
		violc(v, ctx, "not to a backend of the vip", "output names no backend of %s",
		      vp->name);
		return;
	}
	{
		const struct fz_backend *be = &vp->be[b];
		u16 type = vp->mode == XDPLB_MODE_TUN ? (be->fam == 4 ? 0x0800 : 0x86dd)
						      : (in->ip.fam == 4 ? 0x0800 : 0x86dd);

		if (pass) {
			pass_l2(in, &ol, type, ctx, v);
		} else {
			check_l2(in, &ol, be->ifx == IF_LB0, be->mac, fz_if_mac[be->ifx], type, ctx,
				 v);
			if ((r->reason == XDPLB_R_TX) != (be->ifx == IF_LB0))
				violc(v, ctx, "tx/redirect for the wrong interface",
				      "reason %d for a backend on interface %d", r->reason,
				      be->ifx);
		}
		switch (vp->mode) {
		case XDPLB_MODE_TUN:
			check_tun(in, &ol, be, ctx, v, &label);
			break;
		case XDPLB_MODE_DR: {
			/* only the MACs: the packet keeps its TTL, as the VIP's own host gets it
			 * (an L2 hop, not a router's forward); padding after it is ignored */
			const u8 *o = ol.d + ol.l3;
			u32 n = ol.len - ol.l3;

			if (n < in->ip.len || memcmp(o, in->ip.h, in->ip.len))
				violc(v, ctx, "ip packet changed", "dr changes only the MACs");
			break;
		}
		default:
			parse_ip(ol.d + ol.l3, ol.len - ol.l3, ofam, &oip);
			if (icmp) {
				check_nat_icmp(in, &oip, true, be->a,
					       vp->flags & XDPLB_VIP_F_L3HASH ? 0 : be->port, pass,
					       e->loose, ctx, v);
			} else {
				check_nat_ip(in, &oip, true, be->a,
					     vp->flags & XDPLB_VIP_F_L3HASH ? 0 : be->port, pass,
					     e->loose, ctx, v);
			}
			break;
		}
	}
	snprintf(v->note + strlen(v->note), sizeof(v->note) - strlen(v->note), "to %s",
		 vp->be[b].addr);
	{
		/* a flow the tracker had no live binding of, or one that moved: new in the data
		 * plane too, whose forward writes its NAT reply entry (nat_register()) */
		const struct fz_binding *bd = fz_bind_find(st->tab, &e->key, st->stamp);

		fresh = !bd || bd->be < 0 || bd->soft || bd->be != b;
	}
	track_flow(in, e, b, icmp, st, ctx, v, label,
		   vp->mode == XDPLB_MODE_TUN && vp->be[b].fam == 6);
	if (vp->mode == XDPLB_MODE_NAT && !icmp) {
		struct fz_tuple fwd;

		make_tuple(&fwd, in->ip.fam, in->ip.proto, in->ip.src, in->ip.dst,
			   in->ports && in->ip.frag != FR_LATER ? in->sport : 0,
			   in->ports && in->ip.frag != FR_LATER ? in->dport : 0);
		nat_register(st, e->vip, b, &fwd, !e->loose, fresh, v);
	}
}

/*
 * An ICMP error translated by NAT: the outer address (@dst: destination, towards the
 * backend; else source, back from it), the quoted packet's opposite address and its port,
 * and the checksums: outer IPv4 header, quoted IPv4 header, the quoted TCP/UDP checksum
 * (RFC 1624, through a quote that holds it; 0 stays 0 for UDP over IPv4), the ICMP checksum
 * (correct exactly when the input's was, RFC 792 / RFC 4443 2.3).  TTL decremented when the
 * balancer sends it on; untouched when it goes to the kernel (@pass), whose forwarding
 * decrements it.
 */
static void check_nat_icmp(const struct pkt *in, const struct ipv *o, bool dst, const u8 *addr,
			   u16 port, bool pass, bool shallow, const char *ctx, struct fz_verdict *v)
{
	const struct ipv *i = &in->ip;
	const struct quote *q = &in->q;
	int fam = i->fam;
	u32 al = alen(fam), oa = fam == 4 ? (dst ? 16 : 12) : (dst ? 24 : 8);
	u32 qbase = i->l4off + 8, qa = qbase + (fam == 4 ? (dst ? 12 : 16) : (dst ? 8 : 24));
	u32 qp = qbase + q->hlen + (dst ? 0 : 2), skip[16], ns = 0, qc = 0;
	int d;

	if (o->def & D_L3 || o->fam != fam || o->len != i->len) {
		violc(v, ctx, "output ip header broken", "output does not parse or changed length");
		return;
	}
	if (memcmp(o->h + oa, addr, al) &&
	    !(!dst && !memcmp(i->h + oa, o->h + oa, al) && memcmp(i->h + oa, o->h + qa, al)))
		violc(v, ctx, "wrong outer address", "outer %s address not the expected one",
		      dst ? "destination" : "source");
	if (shallow) {
		if (o->ttl == i->ttl && !pass)
			viol(v, "nat: ttl not decremented", "%s: ttl %u unchanged (RFC 1812 5.3.1)",
			     ctx, o->ttl);
		return;
	}
	if (memcmp(o->h + qa, addr, al))
		violc(v, ctx, "wrong quoted address", "quoted address not the expected one");
	if (port && rd16(o->h + qp) != port)
		violc(v, ctx, "wrong quoted port", "quoted port %u, expected %u", rd16(o->h + qp),
		      port);
	if (pass) {
		if (o->ttl != i->ttl)
			violc(v, ctx, "ttl changed on a packet for the kernel", "ttl %u, input %u",
			      o->ttl, i->ttl);
	} else if (o->ttl == i->ttl) {
		viol(v, "nat: ttl not decremented", "%s: ttl %u unchanged (RFC 1812 5.3.1)", ctx,
		     o->ttl);
	} else if (o->ttl != (u8)(i->ttl - 1)) {
		violc(v, ctx, "ttl wrong", "ttl %u, input %u", o->ttl, i->ttl);
	}
	if (fam == 4 && o->csum_ok != i->csum_ok)
		violc(v, ctx, "ip header checksum", "outer header checksum %s, input's %s",
		      o->csum_ok ? "right" : "wrong", i->csum_ok ? "right" : "wrong");
	skip[ns++] = oa, skip[ns++] = oa + al;
	skip[ns++] = fam == 4 ? 8 : 7, skip[ns++] = fam == 4 ? 9 : 8;
	if (fam == 4)
		skip[ns++] = 10, skip[ns++] = 12;
	skip[ns++] = i->l4off + 2, skip[ns++] = i->l4off + 4; /* icmp checksum */
	skip[ns++] = qa, skip[ns++] = qa + al;
	skip[ns++] = qp, skip[ns++] = qp + 2;
	if (fam == 4) {
		skip[ns++] = qbase + 10, skip[ns++] = qbase + 12;
		if (oc_fold(oc_add(0, o->h + qbase, q->hlen)) !=
			oc_fold(oc_add(0, i->h + qbase, q->hlen)) &&
		    (oc_fold(oc_add(0, o->h + qbase, q->hlen)) == 0xffff) !=
			(oc_fold(oc_add(0, i->h + qbase, q->hlen)) == 0xffff))
			violc(v, ctx, "quoted ip header checksum",
			      "quoted header checksum right/wrong changed");
	}
	/* the quoted TCP/UDP checksum, where the quote holds it */
	if (q->proto == IPPROTO_TCP && q->hlen + 18 <= q->avail)
		qc = qbase + q->hlen + 16;
	else if (q->proto == IPPROTO_UDP)
		qc = qbase + q->hlen + 6;
	if (qc) {
		u16 ic = rd16(i->h + qc), oc = rd16(o->h + qc);
		u8 ow[20], nw[20];
		u16 exp;

		skip[ns++] = qc, skip[ns++] = qc + 2;
		memcpy(ow, i->h + qa, al);
		memcpy(nw, o->h + qa, al);
		memcpy(ow + al, i->h + qp, 2);
		memcpy(nw + al, o->h + qp, 2);
		exp = csum_update(ic, ow, nw, al + 2);
		if (q->proto == IPPROTO_UDP && !ic) {
			if (oc)
				violc(v, ctx, "quoted udp checksum 0 not kept", "now %04x", oc);
		} else if (!oc_eq(exp, oc) && !(q->proto == IPPROTO_UDP && !exp && oc == 0xffff)) {
			violc(v, ctx, "quoted l4 checksum not updated",
			      "quoted checksum %04x, RFC 1624 gives %04x", oc, exp);
		}
	}
	d = diff_except(o->h, i->h, i->len, skip, ns);
	if (d >= 0)
		violc(v, ctx, "bytes changed that nat must not change",
		      "ip packet byte %d: %02x, input %02x", d, o->h[d], i->h[d]);
	{
		bool ok = l4_csum_ok(o);

		if (ok != in->l4csum_ok)
			violc(v, ctx, "icmp checksum", "icmp checksum %s, input's %s",
			      ok ? "right" : "wrong", in->l4csum_ok ? "right" : "wrong");
	}
}

/* A NAT reply (or a backend's ICMP error) sent back towards the client from the VIP. */
static void check_reply(const struct pkt *in, const struct fz_result *r, const struct expect *e,
			bool pass, struct fz_verdict *v)
{
	const struct fz_vip *vp = &fz_vips[e->vip];
	struct l2 ol;
	struct ipv oip;
	const char *ctx = e->kind == E_BACK ? "[nat] icmp error back" : "[nat] reply";
	char c2[48];
	u16 port = vp->flags & XDPLB_VIP_F_L3HASH ? 0 : vp->port;
	int ifx;
	u8 mac[6];

	snprintf(c2, sizeof(c2), "%s%s", ctx, pass ? " to the kernel" : "");
	parse_l2(r->out, r->out_len, &ol);
	if (ol.trunc || ol.ntags > 1 || ol.type != (in->ip.fam == 4 ? 0x0800 : 0x86dd)) {
		violc(v, c2, "output not ip", "output frame has no ip header of the family");
		return;
	}
	if (pass) {
		pass_l2(in, &ol, ol.type, c2, v);
	} else if (fz_route(in->ip.fam, in->ip.dst, &ifx, mac) == 0) {
		check_l2(in, &ol, ifx == IF_LB0, mac, fz_if_mac[ifx], ol.type, c2, v);
		if ((r->reason == XDPLB_R_TX) != (ifx == IF_LB0))
			violc(v, c2, "tx/redirect for the wrong interface", "reason %d", r->reason);
	}
	parse_ip(ol.d + ol.l3, ol.len - ol.l3, in->ip.fam, &oip);
	if (e->kind == E_BACK)
		check_nat_icmp(in, &oip, false, vp->a, port, pass, e->loose, c2, v);
	else
		check_nat_ip(in, &oip, false, vp->a, port, pass, e->loose, c2, v);
}

/* The MACs of an answer: back where the frame came from, tag kept (see check_l2()). */
static bool answer_l2(const struct pkt *in, const struct fz_result *r, struct l2 *ol,
		      const char *ctx, struct fz_verdict *v)
{
	parse_l2(r->out, r->out_len, ol);
	if (ol->trunc || (ol->type != 0x0800 && ol->type != 0x86dd)) {
		violc(v, ctx, "output not ip", "answer frame has no ip header");
		return false;
	}
	return check_l2(in, ol, true, in->l2.d + 6, in->l2.d, in->ip.fam == 4 ? 0x0800 : 0x86dd,
			ctx, v);
}

/* The IP header of an answer: from the packet's destination to its source. */
static bool answer_ip(const struct pkt *in, const struct l2 *ol, struct ipv *o, u8 proto,
		      const char *ctx, struct fz_verdict *v)
{
	int fam = in->ip.fam;

	parse_ip(ol->d + ol->l3, ol->len - ol->l3, fam, o);
	if (o->def & (D_L3 | D_OPTS) || o->frag) {
		violc(v, ctx, "ip header broken", "answer's ip header does not parse");
		return false;
	}
	if (memcmp(o->src, in->ip.dst, alen(fam)) || memcmp(o->dst, in->ip.src, alen(fam)))
		violc(v, ctx, "not addressed back to the sender", "answer's addresses");
	if (!o->ttl)
		violc(v, ctx, "ttl 0", "answer with ttl/hop limit 0");
	if (fam == 4 && !o->csum_ok)
		violc(v, ctx, "ip header checksum", "answer's header checksum wrong");
	if (o->proto != proto) {
		violc(v, ctx, "protocol", "answer's protocol %u", o->proto);
		return false;
	}
	return true;
}

/* ICMP errors the balancer sends (RFC 792, RFC 1191, RFC 4443 3.1/3.2): type, code, the
 * second word, a quote of the packet's start.  Rule chosen for the quote: at least the IP
 * header and 8 bytes (what a host needs to find the socket, RFC 792; RFC 4443 asks for as
 * much as fits, the balancer keeps its answers smaller than what they answer), at most the
 * whole packet, and the message within 576 bytes (IPv4, RFC 1812 4.3.2.3) or 1280 (IPv6,
 * RFC 4443 2.4 (c)). */
static void check_icmp_answer(const struct pkt *in, const struct fz_result *r, u8 type, u8 code,
			      u32 rest, const char *ctx, struct fz_verdict *v)
{
	struct l2 ol;
	struct ipv o;
	const u8 *m;
	u32 qlen, min = in->ip.fam == 4 ? in->ip.hlen + 8 : 48;

	if (!answer_l2(in, r, &ol, ctx, v) ||
	    !answer_ip(in, &ol, &o, in->ip.fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, ctx, v))
		return;
	if (o.l4len < 8) {
		violc(v, ctx, "icmp header broken", "answer's icmp message of %u bytes", o.l4len);
		return;
	}
	m = o.h + o.l4off;
	/* rest ~0: an MTU the checker does not know (a packet read two ways) */
	if (m[0] != type || m[1] != code || (rest != ~0u && rd32(m + 4) != rest))
		violc(v, ctx, "icmp type, code or second word", "%u/%u %08x, expected %u/%u %08x",
		      m[0], m[1], rd32(m + 4), type, code, rest);
	if (!l4_csum_ok(&o))
		violc(v, ctx, "icmp checksum", "answer's icmp checksum wrong");
	qlen = o.l4len - 8;
	if (qlen < min || qlen > in->ip.len || memcmp(m + 8, in->ip.h, qlen))
		violc(v, ctx, "quote", "quote of %u bytes, not the packet's first %u or more", qlen,
		      min);
	if (o.len > (in->ip.fam == 4 ? 576u : 1280u))
		violc(v, ctx, "answer too long", "answer of %u bytes", o.len);
}

/* RST for a segment to a VIP whose backends are all down (RFC 9293 3.10.7.1): with ACK,
 * <SEQ=SEG.ACK><CTL=RST>; without, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and FIN
 * counting one each.  Window, options and data of the RST are not checked (RFC 9293 3.5.3
 * lets a RST carry data). */
static void check_rst(const struct pkt *in, const struct fz_result *r, struct fz_verdict *v)
{
	const char *ctx = "rst";
	const u8 *t = in->ip.h + in->ip.l4off, *ot;
	struct l2 ol;
	struct ipv o;
	u32 seq, ack, seglen = in->seglen + !!(in->tflags & 2) + !!(in->tflags & 1);
	u8 fl;

	if (!answer_l2(in, r, &ol, ctx, v) || !answer_ip(in, &ol, &o, IPPROTO_TCP, ctx, v))
		return;
	if (o.l4len < 20 || o.h[o.l4off + 12] >> 4 < 5 ||
	    (u32)(o.h[o.l4off + 12] >> 4) * 4 > o.l4len) {
		violc(v, ctx, "tcp header broken", "rst's tcp header");
		return;
	}
	ot = o.h + o.l4off;
	if (rd16(ot) != rd16(t + 2) || rd16(ot + 2) != rd16(t))
		violc(v, ctx, "ports", "rst ports not swapped");
	fl = ot[13];
	if (in->tflags & 0x10) {
		seq = rd32(t + 8);
		if (rd32(ot + 4) != seq || (fl & 0x3f) != 0x04)
			violc(v, ctx, "seq or flags (ack in)",
			      "seq %08x flags %02x, expected %08x 04", rd32(ot + 4), fl, seq);
	} else {
		ack = rd32(t + 4) + seglen;
		if (rd32(ot + 4) != 0 || rd32(ot + 8) != ack || (fl & 0x3f) != 0x14)
			violc(v, ctx, "seq, ack or flags (no ack in)",
			      "seq %08x ack %08x flags %02x, expected 0 %08x 14", rd32(ot + 4),
			      rd32(ot + 8), fl, ack);
	}
	if (!l4_csum_ok(&o))
		violc(v, ctx, "tcp checksum", "rst's checksum wrong");
}

/* Echo reply (RFC 792, RFC 4443 4.2): the request's identifier, sequence number and data,
 * from the address it was sent to. */
static void check_echo(const struct pkt *in, const struct fz_result *r, struct fz_verdict *v)
{
	const char *ctx = "echo reply";
	int fam = in->ip.fam;
	struct l2 ol;
	struct ipv o;
	const u8 *m, *im = in->ip.h + in->ip.l4off;

	if (!answer_l2(in, r, &ol, ctx, v) ||
	    !answer_ip(in, &ol, &o, fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, ctx, v))
		return;
	m = o.h + o.l4off;
	if (o.l4len != in->ip.l4len || m[0] != (fam == 4 ? 0 : 129) || m[1] ||
	    memcmp(m + 4, im + 4, o.l4len - 4))
		violc(v, ctx, "message",
		      "type %u code %u, %u bytes; identifier, sequence or data "
		      "differ",
		      m[0], m[1], o.l4len);
	if (!l4_csum_ok(&o) && in->l4csum_ok)
		violc(v, ctx, "icmp checksum", "echo reply's checksum wrong");
}

static const char *const act_names[] = { "aborted", "drop", "pass", "tx", "redirect" };

/* ---- the verdict ---- */

/* A forward of a packet with no single right answer: to a backend of which VIP on its
 * address?  Then it is checked (and its flow tracked) as that VIP's. */
static bool loose_vip(const struct pkt *p, const struct fz_result *r, struct expect *e)
{
	bool icmp = p->icmp, l3;
	u8 proto = icmp ? p->q.proto : p->ip.proto;
	u16 port = icmp ? p->q.sport : p->dport;
	int best = -1, rank = -1, fam = p->ip.fam;
	const struct fz_vip *v;
	struct l2 ol;

	if (icmp && (!p->quote_ok || qfam(&p->q) != fam))
		return false; /* an ICMP error whose quote names no flow */
	parse_l2(r->out, r->out_len, &ol);
	if (ol.trunc || ol.ntags > 1 || (ol.type != 0x0800 && ol.type != 0x86dd))
		return false;
	for (int i = 0; i < fz_nvips; i++) {
		int k;

		v = &fz_vips[i];
		if (v->fam != fam || memcmp(v->a, p->ip.dst, alen(fam)) ||
		    out_backend(i, &ol, r->out + ol.l3, ol.type == 0x0800 ? 4 : 6) < 0)
			continue;
		/* the VIP of the packet's protocol and port, of its protocol, any */
		k = v->proto != proto ? 0 : v->port == port ? 3 : !v->port ? 2 : 1;
		if (k > rank)
			best = i, rank = k;
	}
	if (best < 0)
		return false;
	v = &fz_vips[best];
	l3 = v->flags & XDPLB_VIP_F_L3HASH;
	e->vip = best;
	e->mode = fz_mode_name[v->mode];
	if (icmp) {
		e->kind = E_ICMP;
		make_tuple(&e->key, fam, p->q.proto, p->q.dst, p->q.src, l3 ? 0 : p->q.dport,
			   l3 ? 0 : p->q.sport);
	} else {
		e->kind = E_VIP;
		make_tuple(&e->key, fam, v->proto, p->ip.src, p->ip.dst,
			   p->ports && !l3 ? p->sport : 0, p->ports && !l3 ? p->dport : 0);
	}
	return true;
}

int fz_check(const struct fz_frame *in, const struct fz_result *r, struct fz_state *st,
	     struct fz_verdict *v)
{
	extern const char *const reason_names[XDPLB_R_MAX];
	static struct pkt p;
	struct expect e;
	char out[64];
	unsigned got;
	u32 drops;
	bool same = r->out_len == in->len && !memcmp(r->out, in->d, in->len);
	int rs = r->reason;

	v->n = 0;
	v->has_key = false;
	v->note[0] = 0;
	if (!(st->checked++ % FZ_EVENT_EVERY))
		events_now(st, true);
	parse_pkt(in->d, in->len, &p);
	expect_pkt(&p, st, &e);
	if (p.ip_ok && p.ip.proto == IPPROTO_TCP && p.ip.l4len >= 14 && p.ip.frag != FR_LATER) {
		static const char fl[] = "FSRPAUEC";
		char *o = v->note;

		o += sprintf(o, "tcp ");
		for (int i = 0; i < 8; i++)
			if (p.tflags & 1 << i)
				*o++ = fl[i];
		*o++ = ' ';
		*o = 0;
	}
	drops = e.drops | (e.drops || e.ok & OK_ANY_DROP || e.loose ? plausible_drops(&p, &e) : 0);
	snprintf(v->expect, sizeof(v->expect), "%s; allowed:%s%s%s%s%s%s%s%s%s", e.cat,
		 e.ok & OK_PASS ? " pass" : "", e.ok & OK_FWD ? " forward" : "",
		 e.ok & OK_RST ? " rst" : "", e.ok & OK_UNREACH ? " unreachable" : "",
		 e.ok & OK_TOOBIG ? " too-big" : "", e.ok & OK_ECHO ? " echo" : "",
		 e.ok & OK_PASS_MOD ? " to-the-kernel-rewritten" : "",
		 e.ok & OK_ANY_DROP ? " any-drop"
		 : drops	    ? " some-drops"
				    : "",
		 e.loose ? " (loose)" : "");

	/* counters: exactly one reason, by one packet and its bytes */
	if (r->rose != 1 || rs < 0) {
		viol(v, "counters: not exactly one reason counted",
		     "%d reasons changed for one packet", r->rose);
		return v->n;
	}
	if (r->retval < XDP_DROP || r->retval > XDP_REDIRECT) {
		viol(v, "verdict: aborted or unknown", "XDP action %d", r->retval);
		return v->n;
	}
	{
		int want = rs == XDPLB_R_TX		    ? XDP_TX
			   : rs <= XDPLB_R_TX_TOO_BIG	    ? XDP_REDIRECT
			   : rs < XDPLB_R_DROP_MALFORMED_L2 ? XDP_PASS
							    : XDP_DROP;

		if (want != r->retval)
			violc(v, "verdict", "action does not fit the reason", "%s counted as %s",
			      act_names[r->retval], reason_names[rs]);
	}
	if (rs == XDPLB_R_DROP_INTERNAL) {
		violc(v, e.subj, "dropped (drop_internal)", "%s: a helper failed", e.cat);
		return v->n;
	}
	/* what happened, as the checker names it */
	switch (r->retval) {
	case XDP_DROP:
		got = 0;
		snprintf(out, sizeof(out), "dropped (%s)", reason_names[rs]);
		break;
	case XDP_PASS:
		got = same							  ? OK_PASS
		      : rs == XDPLB_R_PASS_TOO_BIG || rs == XDPLB_R_PASS_NO_NEIGH ? OK_PASS_MOD
										  : 0;
		snprintf(out, sizeof(out), "%s",
			 !same ? (got ? "forwarded" : "passed changed")
			 : e.kind == E_REPLY || e.kind == E_BACK ? "passed untranslated"
								 : "passed");
		break;
	default:
		got = rs == XDPLB_R_TX || rs == XDPLB_R_REDIRECT ? OK_FWD
		      : rs == XDPLB_R_TX_ECHO			 ? OK_ECHO
		      : rs == XDPLB_R_TX_TOO_BIG		 ? OK_TOOBIG
		      : rs == XDPLB_R_TX_REJECT ? (p.ip.proto == IPPROTO_TCP ? OK_RST : OK_UNREACH)
						: 0;
		snprintf(out, sizeof(out), "%s",
			 got == OK_FWD	     ? "forwarded"
			 : got == OK_ECHO    ? "answered (echo reply)"
			 : got == OK_TOOBIG  ? "answered (too big)"
			 : got == OK_RST     ? "answered (rst)"
			 : got == OK_UNREACH ? "answered (port unreachable)"
					     : "sent");
		break;
	}
	{
		/* the class: the subject and what happened (answers of any kind as one) */
		const char *oc = !strncmp(out, "answered", 8) ? "answered" : out;

		if (r->retval == XDP_DROP) {
			if (!(drops & (1u << rs)) && !(e.ok & OK_ANY_DROP) && !e.loose)
				violc(v, e.subj, oc, "%s: %s; expected %s", e.cat, out, v->expect);
		} else if (!(got & e.ok) && !(e.loose && got)) {
			violc(v, e.subj, oc, "%s: %s; expected %s", e.cat, out, v->expect);
		}
	}
	/* a packet to a NAT VIP's address dropped, or answered with fragmentation needed /
	 * packet too big: it reached no backend, so it must have left no reply entry (the data
	 * plane's state is read here, not guessed: a later reply would be translated for a flow
	 * that never was).  Rule chosen (xdplb(8), PACKET POLICIES): a new NAT flow whose first
	 * packet does not go out is forgotten, and its next packet, a new flow, writes the entry
	 * (nat_register() checks that it is there) */
	if ((r->retval == XDP_DROP || got == OK_TOOBIG) && p.ip_ok && st->nat_probe) {
		struct fz_tuple fwd, rk;

		for (int i = 0; i < fz_nvips; i++) {
			const struct fz_vip *vp = &fz_vips[i];

			if (vp->mode != XDPLB_MODE_NAT || vp->fam != p.ip.fam ||
			    (vp->proto != p.ip.proto && !e.loose) ||
			    memcmp(vp->a, p.ip.dst, alen(vp->fam)) ||
			    (e.kind == E_VIP && i != e.vip))
				continue;
			make_tuple(&fwd, p.ip.fam, vp->proto, p.ip.src, p.ip.dst,
				   p.ports && p.ip.frag != FR_LATER ? p.sport : 0,
				   p.ports && p.ip.frag != FR_LATER ? p.dport : 0);
			for (int b = 0; b < vp->nbe; b++) {
				const struct fz_binding *nb;

				reply_tuple(&rk, i, b, &fwd);
				nb = nat_lookup(st, p.ip.fam, vp->proto, rk.src, rk.dst, rk.sport,
						rk.dport);
				/* no flow of its own translates the tuple, and the data plane's
				 * entry is there (for another VIP's flow of the same reply tuple
				 * before: it is this backend's now) */
				if ((nb && (nb->vip == i || !st->nat_real ||
					    st->nat_real(&rk) != vp->be[b].id)) ||
				    !st->nat_probe(&rk))
					continue;
				violc(v,
				      r->retval == XDP_DROP ? "[nat] dropped packet"
							    : "[nat] answered packet",
				      "left a nat reply entry",
				      "%s: %s as %s, its reply would now be translated", e.cat,
				      r->retval == XDP_DROP ? "dropped" : "answered",
				      reason_names[rs]);
				nat_register(st, i, b, &fwd, false, true, v);
			}
		}
	}
	/* a FIN or RST that reached the flow's selection closes the tuple */
	if (e.kind == E_VIP && p.ip.proto == IPPROTO_TCP && (p.tflags & 5) &&
	    (got & (OK_TOOBIG | OK_PASS_MOD) || rs == XDPLB_R_DROP_TOO_BIG)) {
		struct fz_binding *bd = fz_bind_find(st->tab, &e.key, st->stamp);

		if (bd)
			bd->closed = 1;
	}
	/* and a bare SYN that reached it on a closed tuple whose backend takes no new flows
	 * scheduled the tuple anew (xdplb(8): no new connection through an old tuple of a
	 * drained backend), to a backend this packet does not show */
	if (e.kind == E_VIP && p.ip.proto == IPPROTO_TCP && (p.tflags & 0x12) == 0x02 &&
	    (got & (OK_TOOBIG | OK_PASS_MOD) || rs == XDPLB_R_DROP_TOO_BIG)) {
		struct fz_binding *bd = fz_bind_find(st->tab, &e.key, st->stamp);

		if (bd && bd->be >= 0 && !bd->soft && bd->closed &&
		    !fz_be_new(&fz_vips[e.vip], bd->be, st->phase)) {
			bd->be = -1; /* a tombstone, as fz_state_phase() leaves */
			bd->closed = 0;
			bd->down = 0;
		}
	}
	/* and any packet that reached it on a flow whose backend went down (on a VIP that
	 * does not keep such flows) moved the flow off that backend, to one this packet does
	 * not show (xdplb(8): a backend that failed its check loses its flows) */
	if (e.kind == E_VIP && (got & (OK_TOOBIG | OK_PASS_MOD) || rs == XDPLB_R_DROP_TOO_BIG)) {
		struct fz_binding *bd = fz_bind_find(st->tab, &e.key, st->stamp);

		if (bd && bd->down) /* (fz_state_phase() left it a tombstone) */
			bd->down = 0;
	}
	if (e.kind == E_VIP || e.kind == E_ICMP) {
		v->key = e.key;
		v->has_key = true;
	} else if (e.kind == E_REPLY || e.kind == E_BACK) {
		for (int i = 0; i < st->nnat; i++)
			if (st->nat[i].vip == e.vip && st->nat[i].be == e.be) {
				struct fz_tuple rk;

				reply_tuple(&rk, e.vip, e.be, &st->nat[i].fwd);
				if (!memcmp(rk.src, p.ip.src, 16) &&
				    !memcmp(rk.dst, p.ip.dst, 16) &&
				    (!rk.sport ||
				     rk.sport == (e.kind == E_BACK ? p.q.dport : p.sport))) {
					v->key = st->nat[i].fwd;
					v->has_key = true;
				}
			}
	}
	if (!got)
		return v->n;
	/* the frame */
	if (e.loose && e.kind == E_NONE && (got == OK_FWD || got == OK_PASS_MOD) &&
	    !loose_vip(&p, r, &e))
		return v->n; /* loose, and no VIP's forward: nothing to check it against */
	/* a forward that should not have been: its frame checked (and its flow tracked) only
	 * when it went to a VIP's backend */
	if (!(got & e.ok) && !e.loose &&
	    !((got == OK_FWD || got == OK_PASS_MOD) && (e.kind == E_VIP || e.kind == E_ICMP)))
		return v->n;
	switch (got) {
	case OK_FWD:
	case OK_PASS_MOD:
		if (e.kind == E_VIP || e.kind == E_ICMP)
			check_forward(&p, r, &e, got == OK_PASS_MOD, st, v);
		else if (e.kind == E_REPLY || e.kind == E_BACK)
			check_reply(&p, r, &e, got == OK_PASS_MOD, v);
		break;
	case OK_RST:
		if (p.ip.proto == IPPROTO_TCP && p.ports && !(p.l4def & L4_TRUNC))
			check_rst(&p, r, v);
		break;
	case OK_UNREACH:
		check_icmp_answer(&p, r, p.ip.fam == 4 ? 3 : 1, p.ip.fam == 4 ? 3 : 4, 0,
				  "port unreachable", v);
		break;
	case OK_TOOBIG:
		check_icmp_answer(&p, r, p.ip.fam == 4 ? 3 : 2, p.ip.fam == 4 ? 4 : 0,
				  e.mtu ? e.mtu : ~0u, "too-big answer", v);
		break;
	case OK_ECHO:
		if (p.icmp)
			check_echo(&p, r, v);
		break;
	}
	return v->n;
}
