// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdplb explain: a synthetic packet of a tuple through the data plane's dry run (the pinned
 * xdplb_explain program), and its answer with the records it names. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/internal.h"

#define ETH_LEN	 14
#define IPV4_LEN 20
#define IPV6_LEN 40
#define TCP_LEN	 20
#define UDP_LEN	 8
#define TCP_SYN	 0x02
#define TCP_ACK	 0x10
/* the args, then the largest frame built here: Ethernet, IPv6, TCP */
#define EXPLAIN_BUF (sizeof(struct xdplb_explain_args) + ETH_LEN + IPV6_LEN + TCP_LEN)

static void put16(unsigned char *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u32 csum_add(__u32 sum, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * The frame of tuple @t at @f: Ethernet (locally administered MACs), IPv4 (TTL 64, DF, header
 * checksum) or IPv6 (hop limit 64), then TCP (an ACK, or with @syn a bare SYN; window 65535)
 * or UDP without payload, with its checksum.  Returns its length, or 0 for a tuple no frame
 * carries (a protocol or family other than these).
 */
static size_t build_frame(unsigned char *f, const struct xdplb_flow_key *t, bool syn)
{
	bool v6 = t->family == XDPLB_AF_INET6;
	size_t l3 = v6 ? IPV6_LEN : IPV4_LEN, l4 = t->proto == IPPROTO_TCP ? TCP_LEN : UDP_LEN;
	size_t alen = v6 ? 16 : 4;
	unsigned char *ip = f + ETH_LEN, *th = ip + l3;
	__u32 sum;

	if ((t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP) ||
	    (t->family != XDPLB_AF_INET && t->family != XDPLB_AF_INET6))
		return 0;
	memset(f, 0, ETH_LEN + l3 + l4);
	f[0] = 0x02; /* destination 02:00:00:00:00:02 */
	f[5] = 0x02; /* source 02:00:00:00:00:01 */
	f[6] = 0x02;
	f[11] = 0x01;
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, l4);
		ip[6] = t->proto;
		ip[7] = 64;
		memcpy(ip + 8, t->src, 16);
		memcpy(ip + 24, t->dst, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, l3 + l4);
		put16(ip + 6, 0x4000); /* DF: no fragment */
		ip[8] = 64;
		ip[9] = t->proto;
		memcpy(ip + 12, t->src, 4);
		memcpy(ip + 16, t->dst, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_LEN)));
	}
	memcpy(th, &t->sport, 2);
	memcpy(th + 2, &t->dport, 2);
	if (t->proto == IPPROTO_TCP) {
		th[7] = 1; /* sequence 1, acknowledgment 1 */
		th[11] = 1;
		th[12] = 5 << 4; /* data offset: 20 bytes */
		th[13] = syn ? TCP_SYN : TCP_ACK;
		put16(th + 14, 65535);
	} else {
		put16(th + 4, UDP_LEN);
	}
	/* pseudo-header: addresses, protocol, length */
	sum = csum_add(0, (const unsigned char *)t->src, alen);
	sum = csum_add(sum, (const unsigned char *)t->dst, alen);
	sum += t->proto + l4;
	sum = csum_fold(csum_add(sum, th, l4));
	if (t->proto == IPPROTO_UDP && !sum)
		sum = 0xffff; /* 0 is "no checksum" (and IPv6 forbids it) */
	put16(th + (t->proto == IPPROTO_TCP ? 16 : 6), sum);
	return ETH_LEN + l3 + l4;
}

/* Slots in VIP @vip_id's scheduler table (0: none, or unreadable). */
static __u32 table_len(struct lb *lb, __u32 vip_id)
{
	__u32 inner_id, slot = XDPLB_TABLE_LEN_SLOT, len = 0;
	int fd;

	if (bpf_map_lookup_elem(lb->fd.tables, &vip_id, &inner_id))
		return 0;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &slot, &len))
		len = 0;
	close(fd);
	return len;
}

/* Backend @id's record into @r (all zero when @id is 0 or cannot be read). */
static void real_of(struct lb *lb, __u32 id, struct xdplb_real *r)
{
	memset(r, 0, sizeof(*r));
	if (id && lb_real_get(lb, id, r))
		memset(r, 0, sizeof(*r));
}

/* (now - then) in seconds; 0 when @then is newer (written by another CPU since). */
static double age_of(__u64 now, __u64 then)
{
	return now > then ? (now - then) / 1e9 : 0;
}

int lb_explain(struct lb *lb, const struct xdplb_flow_key *t, bool syn, struct lb_explain *out)
{
	unsigned char buf[EXPLAIN_BUF] = {};
	struct xdplb_explain_args args = {};
	size_t len = build_frame(buf + sizeof(args), t, syn);
	struct xdp_md ctx = { .data_end = sizeof(args) + len };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = buf, .data_out = buf, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	memset(out, 0, sizeof(*out));
	if (!len)
		return -EINVAL;
	if (lb->fd.explain_prog < 0)
		return -ENOENT;
	memcpy(buf, &args, sizeof(args));
	topts.data_size_in = topts.data_size_out = sizeof(args) + len;
	if (bpf_prog_test_run_opts(lb->fd.explain_prog, &topts))
		return -errno;
	if (topts.retval != XDP_PASS || topts.data_size_out < sizeof(args))
		return -EPROTO;
	memcpy(&out->a, buf, sizeof(out->a));
	real_of(lb, out->a.real_id, &out->real);
	if (out->a.flow_atime) {
		out->flow_idle = age_of(out->a.now, out->a.flow_atime);
		real_of(lb, out->a.flow_real, &out->flow_real);
	}
	if (out->a.persist_atime) {
		out->persist_age = age_of(out->a.now, out->a.persist_atime);
		real_of(lb, out->a.persist_real, &out->persist_real);
	}
	if (out->a.source == XDPLB_EXPLAIN_SCHED)
		out->table_len = table_len(lb, out->a.vip_id);
	return 0;
}
