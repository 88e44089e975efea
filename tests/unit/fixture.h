/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the balancer unit tests' fixture: a sandboxed network with routes and
 * static neighbours, the loaded xdplb program, and helpers to run one packet through it. */
#ifndef XDPLB_FIXTURE_H
#define XDPLB_FIXTURE_H

#include <net/if.h>
#include <sched.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test.h"
#include "sandbox.h"
#include "pkt.h"
#include "lib/lb.h"
#include "xdplb.skel.h"

/*
 * Topology inside the sandbox (veth pairs whose peers stay in the sandbox too):
 *   lb0 02:00:00:00:00:02 10.0.1.1/24   backends 10.0.1.11..14 with static neighbours
 *                                       10.0.1.99: no neighbour entry (unresolved)
 *   lb1 02:00:00:00:03:01 10.0.3.1/24   backend 10.0.3.21 (reached by redirect)
 *   10.9.9.0/24 is a blackhole route; 192.0.2.0/24 (clients) is via 10.0.3.254 on lb1
 *   (02:00:00:00:03:fe).
 * Packets arrive on lb0, addressed to lb0's MAC (pkt.h's default destination MAC).
 *
 * IPv6 alongside:
 *   lb0 fd00:1::1/64    backends fd00:1::11..14 with static neighbours 02:00:00:00:06:<11..14>
 *                       fd00:1::99: no neighbour entry
 *   lb1 fd00:3::1/64    2001:db8:c::/64 (clients) via fd00:3::fe (02:00:00:00:03:fe)
 *   lb2 (MTU 1300) 10.0.2.1/24 fd00:2::1/64: backends 10.0.2.11 (02:00:00:00:02:0b) and
 *       fd00:2::11 (02:00:00:00:07:11), behind a link with a smaller MTU
 *   fd00:9::/64 is a blackhole route.  xdplb_config.tun_src6 = FX_TUNSRC6.
 */
#define FX_TUNSRC  "10.0.1.1"
#define FX_TUNSRC6 "fd00:1::1"
static const __u8 fx_lb0_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x00, 0x02 };
static const __u8 fx_lb1_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x03, 0x01 };
static const __u8 fx_lb2_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x02, 0x01 };
static const __u8 fx_router_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x03, 0xfe };

struct fixture {
	struct xdplb_bpf *skel;
	struct lb lb;
	int prog_fd;
	int lb0, lb1, lb2; /* ifindexes */
};

/* A map of the fixture's skeleton, for tests that look at (or write behind the state
 * library's back) what the data plane sees: FX_FD(fx, reals) is xdplb_reals. */
#define FX_FD(fx, name) bpf_map__fd((fx)->skel->maps.xdplb_##name)

/* MAC of a backend's static neighbour entry: 02:00:00:00:<3rd octet>:<4th octet>. */
static inline void fx_backend_mac(__be32 addr, __u8 mac[ETH_ALEN])
{
	const __u8 *a = (const __u8 *)&addr;

	mac[0] = 0x02;
	mac[1] = mac[2] = mac[3] = 0;
	mac[4] = a[2];
	mac[5] = a[3];
}

/* MAC of an IPv6 backend's static neighbour entry: 02:00:00:00:06:<last byte> on lb0
 * (fd00:1::/64), 02:00:00:00:07:<last byte> on lb2 (fd00:2::/64). */
static inline void fx_backend_mac6(const struct in6_addr *addr, __u8 mac[ETH_ALEN])
{
	mac[0] = 0x02;
	mac[1] = mac[2] = mac[3] = 0;
	mac[4] = addr->s6_addr[3] == 2 ? 0x07 : 0x06;
	mac[5] = addr->s6_addr[15];
}

/*
 * The IPv4 part of the topology above in the sandbox just entered: lb0 and lb1, their
 * addresses, static neighbours and routes, forwarding on.  0, or -1 when a command failed.
 * (bench/bench.c builds on it too, with IPv6 addresses of its own.)
 */
static inline int fx_net4(void)
{
	int err = 0;

	err |= sandbox_sh("ip link add lb0 address 02:00:00:00:00:02 type veth peer name peer0");
	err |= sandbox_sh("ip link add lb1 address 02:00:00:00:03:01 type veth peer name peer1");
	err |= sandbox_sh("ip addr add 10.0.1.1/24 dev lb0 && ip addr add 10.0.3.1/24 dev lb1");
	err |= sandbox_sh("for i in lb0 peer0 lb1 peer1; do ip link set $i up; done");
	err |= sandbox_sh("for i in 11 12 13 14; do ip neigh replace 10.0.1.$i lladdr "
			  "02:00:00:00:01:$(printf %%02x $i) nud permanent dev lb0; done");
	err |= sandbox_sh("ip neigh replace 10.0.3.21 lladdr 02:00:00:00:03:15 nud permanent "
			  "dev lb1");
	err |= sandbox_sh("ip route add blackhole 10.9.9.0/24");
	/* clients (192.0.2.0/24) are behind a router on lb1, for NAT replies */
	err |= sandbox_sh("ip neigh replace 10.0.3.254 lladdr 02:00:00:00:03:fe nud permanent "
			  "dev lb1 && ip route add 192.0.2.0/24 via 10.0.3.254");
	err |= sandbox_sh("sysctl -qw net.ipv4.conf.all.forwarding=1 "
			  "net.ipv4.conf.lb0.forwarding=1 net.ipv4.conf.lb1.forwarding=1");
	return err ? -1 : 0;
}

/*
 * Load xdplb into @fx with flow and NAT tables sized for @max_flows IPv4 and @max_flows6
 * IPv6 flows (as `dev attach` sizes them), @percpu_lru as in fx_setup_sized(), and the
 * tunnel sources FX_TUNSRC and @tun_src6; @fx's ifindexes are read (0: no such link).
 */
static inline int fx_load(struct fixture *fx, __u32 max_flows, __u32 max_flows6, bool percpu_lru,
			  const char *tun_src6)
{
	struct in6_addr src6 = ipv6_addr(tun_src6);
	struct xdplb_config cfg = {};

	fx->lb0 = if_nametoindex("lb0");
	fx->lb1 = if_nametoindex("lb1");
	fx->lb2 = if_nametoindex("lb2");

	fx->skel = xdplb_bpf__open();
	if (!fx->skel)
		return -1;
	lb_size_flows(fx->skel->obj, max_flows, max_flows6, percpu_lru);
	lb_size_flow_cache(fx->skel->obj);
	if (xdplb_bpf__load(fx->skel)) {
		fprintf(stderr, "fixture: load xdplb: %s\n", strerror(errno));
		return -1;
	}
	fx->prog_fd = bpf_program__fd(fx->skel->progs.xdplb_xdp_ingress);
	lb_from_skel(&fx->lb, fx->skel);
	lb_config_defaults(&cfg);
	cfg.tun_src4 = ipv4_addr(FX_TUNSRC);
	memcpy(cfg.tun_src6, &src6, sizeof(cfg.tun_src6));
	return lb_config_set(&fx->lb, &cfg);
}

/*
 * Enter the sandbox, build the topology above and load xdplb with flow and NAT tables sized
 * for @max_flows flows; @percpu_lru gives the persistence table per-CPU LRU lists
 * (BPF_F_NO_COMMON_LRU) instead of a shared one.  Each call enters a fresh sandbox: an earlier
 * fixture's interfaces are gone after it.
 */
static inline int fx_setup_sized(struct fixture *fx, __u32 max_flows, bool percpu_lru)
{
	int err = 0;

	if (sandbox_enter() || fx_net4())
		return -1;
	/* IPv6 (nodad: usable at once) */
	err |= sandbox_sh("ip -6 addr add fd00:1::1/64 dev lb0 nodad && "
			  "ip -6 addr add fd00:3::1/64 dev lb1 nodad");
	err |= sandbox_sh("for i in 11 12 13 14; do ip -6 neigh replace fd00:1::$i lladdr "
			  "02:00:00:00:06:$i nud permanent dev lb0; done");
	err |= sandbox_sh("ip -6 neigh replace fd00:3::fe lladdr 02:00:00:00:03:fe nud permanent "
			  "dev lb1 && ip -6 route add 2001:db8:c::/64 via fd00:3::fe");
	err |= sandbox_sh("ip -6 route add blackhole fd00:9::/64");
	/* a link with a smaller MTU, and a backend of each family behind it */
	err |= sandbox_sh("ip link add lb2 address 02:00:00:00:02:01 mtu 1300 type veth peer name "
			  "peer2 mtu 1300 && ip link set lb2 up && ip link set peer2 up");
	err |= sandbox_sh("ip addr add 10.0.2.1/24 dev lb2 && ip -6 addr add fd00:2::1/64 dev lb2 "
			  "nodad");
	err |= sandbox_sh("ip neigh replace 10.0.2.11 lladdr 02:00:00:00:02:0b nud permanent dev "
			  "lb2 && ip -6 neigh replace fd00:2::11 lladdr 02:00:00:00:07:11 nud "
			  "permanent dev lb2");
	err |=
	    sandbox_sh("sysctl -qw net.ipv4.conf.lb2.forwarding=1 net.ipv6.conf.all.forwarding=1 "
		       "net.ipv6.conf.lb0.forwarding=1 net.ipv6.conf.lb1.forwarding=1 "
		       "net.ipv6.conf.lb2.forwarding=1");
	if (err)
		return -1;
	/* the NAT return-path tables are sized like the flow tables, as `dev attach` does */
	return fx_load(fx, max_flows, max_flows, percpu_lru, FX_TUNSRC6);
}

/* Keep this process on @cpu: test runs execute where their caller runs, so the per-CPU
 * state (caches, stats) the cases look at is one CPU's.  0 or -errno. */
static inline int fx_pin_cpu(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	return sched_setaffinity(0, sizeof(cpus), &cpus) ? -errno : 0;
}

/* A small flow table keeps the tests light; the code path is the same. */
static inline int fx_setup(struct fixture *fx)
{
	return fx_setup_sized(fx, 4096, false);
}

struct fx_run {
	int retval;
	unsigned char out[2200];
	__u32 out_len;
};

/* Run one frame arriving on @ifindex through the program. */
static inline int fx_run(struct fixture *fx, const struct pkt_buf *in, int ifindex,
			 struct fx_run *r)
{
	/* data_end = the whole frame is linear (a smaller value puts the rest in frags) */
	struct xdp_md ctx = { .data_end = in->len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in->data, .data_size_in = in->len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err = bpf_prog_test_run_opts(fx->prog_fd, &topts);

	if (err) {
		err = -errno;
		ASSERT_EQ(err, 0, "bpf_prog_test_run_opts() succeeds");
		return err;
	}
	r->retval = topts.retval;
	r->out_len = topts.data_size_out;
	return 0;
}

static inline __u64 fx_reason(struct fixture *fx, int reason)
{
	struct xdplb_counter c = {};

	lb_read_reason(&fx->lb, reason, &c);
	return c.packets;
}

static inline struct xdplb_vip_key fx_vip_key(const char *addr, __u16 port, __u8 proto)
{
	struct xdplb_vip_key k = {};

	k.addr[0] = ipv4_addr(addr);
	k.port = htons(port);
	k.proto = proto;
	k.family = 2;
	return k;
}

static inline int fx_vip_add(struct fixture *fx, const char *addr, __u16 port, __u8 proto)
{
	struct xdplb_vip_key k = fx_vip_key(addr, port, proto);
	struct xdplb_vip v = {};

	return lb_vip_add(&fx->lb, &k, &v);
}

static inline int fx_real_add(struct fixture *fx, const char *vaddr, __u16 port, __u8 proto,
			      const char *raddr, __u32 weight)
{
	struct xdplb_vip_key k = fx_vip_key(vaddr, port, proto);
	struct xdplb_real r = {};

	r.addr[0] = ipv4_addr(raddr);
	r.family = 2;
	r.weight = weight;
	return lb_real_add(&fx->lb, &k, &r);
}

static inline int fx_real_weight(struct fixture *fx, const char *vaddr, __u16 port, __u8 proto,
				 const char *raddr, __u32 weight)
{
	struct xdplb_vip_key k = fx_vip_key(vaddr, port, proto);
	__be32 a[4] = { ipv4_addr(raddr) };

	return lb_real_set_weight(&fx->lb, &k, a, 2, 0, weight);
}

static inline int fx_real_del(struct fixture *fx, const char *vaddr, __u16 port, __u8 proto,
			      const char *raddr)
{
	struct xdplb_vip_key k = fx_vip_key(vaddr, port, proto);
	__be32 a[4] = { ipv4_addr(raddr) };

	return lb_real_del(&fx->lb, &k, a, 2, 0);
}

/* Id of the backend @raddr (port 0) of VIP @vip_id, or -ENOENT. */
static inline int fx_real_id(struct fixture *fx, __u32 vip_id, const char *raddr)
{
	__be32 a[4] = { ipv4_addr(raddr) };

	return lb_real_find(&fx->lb, vip_id, a, 2, 0);
}

/* A backend's xdplb_conns entry; both counts are -1 when it cannot be read. */
static inline struct xdplb_conns fx_conns(struct fixture *fx, __u32 real_id)
{
	struct xdplb_conns c = { -1, -1 };

	if (lb_read_conns(&fx->lb, real_id, &c))
		c.active = c.inactive = -1;
	return c;
}

/* Entries of VIP @vip_id in the flow table; @active and @inactive (may be NULL) get the
 * number in each state. */
struct fx_count {
	__u32 vip_id;
	long n, active, inactive;
};

static inline int fx_count_flow(const struct xdplb_flow_key *key, const struct xdplb_flow *f,
				void *ctx)
{
	struct fx_count *c = ctx;

	if (f->vip_id != c->vip_id || key->family != XDPLB_AF_INET)
		return 0;
	c->n++;
	c->active += f->state == XDPLB_FLOW_ACTIVE;
	c->inactive += f->state == XDPLB_FLOW_INACTIVE || f->state == XDPLB_FLOW_SYN;
	return 0;
}

static inline long fx_flows_of_vip(struct fixture *fx, __u32 vip_id, long *active, long *inactive)
{
	struct fx_count c = { .vip_id = vip_id };

	lb_flow_foreach(&fx->lb, fx_count_flow, &c);
	if (active)
		*active = c.active;
	if (inactive)
		*inactive = c.inactive;
	return c.n;
}

static inline int fx_count_any(const struct xdplb_flow_key *key, const struct xdplb_flow *f,
			       void *ctx)
{
	(void)key;
	(void)f;
	++*(long *)ctx;
	return 0;
}

/* Live flows in both flow tables. */
static inline long fx_flows_total(struct fixture *fx)
{
	long n = 0;

	lb_flow_foreach(&fx->lb, fx_count_any, &n);
	return n;
}

/*
 * Both families: an address string with a ':' is IPv6.  fx_addr() fills a 16-byte key
 * address (IPv4 in [0]) and returns the XDPLB_AF_* family.
 */
static inline __u8 fx_addr(const char *s, __be32 out[4])
{
	memset(out, 0, 16);
	if (strchr(s, ':')) {
		struct in6_addr a = ipv6_addr(s);

		memcpy(out, &a, 16);
		return XDPLB_AF_INET6;
	}
	out[0] = ipv4_addr(s);
	return XDPLB_AF_INET;
}

static inline struct xdplb_vip_key fx_key(const char *addr, __u16 port, __u8 proto)
{
	struct xdplb_vip_key k = {};

	k.family = fx_addr(addr, k.addr);
	k.port = htons(port);
	k.proto = proto;
	return k;
}

/*
 * The flow-table entry of a client's 5-tuple towards @vip (either family: xdplb_flows or
 * xdplb_flows6): read into @f, or forgotten when @f is NULL (lb_flow_forget()).
 * Returns 0 or -errno (-ENOENT: no such flow).
 */
static inline int fx_flow(struct fixture *fx, __u8 proto, const char *client, __u16 cport,
			  const char *vip, __u16 vport, struct xdplb_flow *f)
{
	struct xdplb_flow_key k = { .sport = htons(cport), .dport = htons(vport), .proto = proto };

	k.family = fx_addr(client, k.src);
	fx_addr(vip, k.dst);
	return f ? lb_flow_get(&fx->lb, &k, f) : lb_flow_forget(&fx->lb, &k);
}

/* A VIP of either family with the settings in @v: its id (> 0) or -errno. */
static inline int fx_vip_with(struct fixture *fx, const char *addr, __u16 port, __u8 proto,
			      struct xdplb_vip v)
{
	struct xdplb_vip_key k = fx_key(addr, port, proto);
	int err = lb_vip_add(&fx->lb, &k, &v);

	if (err)
		return err;
	err = lb_vip_get(&fx->lb, &k, &v);
	return err ? err : (int)v.id;
}

/* A VIP with scheduler @sched (enum xdplb_sched), forwarding @mode (enum xdplb_mode) and
 * persistence @persist (seconds, 0 = off).  Returns its id (> 0) or -errno. */
static inline int fx_vip_add_sched(struct fixture *fx, const char *addr, __u16 port, __u8 proto,
				   __u8 sched, __u8 mode, __u32 persist)
{
	return fx_vip_with(fx, addr, port, proto,
			   (struct xdplb_vip){ .mode = mode, .sched = sched, .persist = persist });
}

/* A VIP of either family with @mode, @sched and XDPLB_VIP_F_* @flags: its id (> 0) or -errno. */
static inline int fx_vip_new(struct fixture *fx, const char *addr, __u16 port, __u8 proto,
			     __u8 mode, __u8 sched, __u16 flags)
{
	return fx_vip_with(fx, addr, port, proto,
			   (struct xdplb_vip){ .mode = mode, .sched = sched, .flags = flags });
}

/* A backend @raddr (either family), port @rport (0 = none), weight 1: its id or -errno. */
static inline int fx_real_new(struct fixture *fx, const char *vaddr, __u16 port, __u8 proto,
			      const char *raddr, __u16 rport)
{
	struct xdplb_vip_key k = fx_key(vaddr, port, proto);
	struct xdplb_real r = { .weight = 1, .port = htons(rport) };
	struct xdplb_vip v;
	int err;

	r.family = fx_addr(raddr, r.addr);
	err = lb_real_add(&fx->lb, &k, &r);
	if (err)
		return err;
	err = lb_vip_get(&fx->lb, &k, &v);
	return err ? err : lb_real_find(&fx->lb, v.id, r.addr, r.family, r.port);
}

/* An mh VIP @addr:80/@proto in @mode with XDPLB_VIP_F_* @flags and backend @be (port @bport;
 * NULL: none): 0, or -1 when either could not be added. */
static inline int fx_vip_be(struct fixture *fx, const char *addr, __u8 proto, __u8 mode,
			    const char *be, __u16 bport, __u16 flags)
{
	if (fx_vip_new(fx, addr, 80, proto, mode, XDPLB_SCHED_MH, flags) < 0)
		return -1;
	return be && fx_real_new(fx, addr, 80, proto, be, bport) < 0 ? -1 : 0;
}

/* The traffic counters of VIP @vip_id (all zero when they cannot be read). */
static inline struct xdplb_traffic fx_vip_traffic(struct fixture *fx, __u32 vip_id)
{
	struct xdplb_traffic t = {};

	lb_read_vip_traffic(&fx->lb, vip_id, &t);
	return t;
}

/* Id of the VIP @addr:@port/@proto (either family), 0 when there is none. */
static inline __u32 fx_vip_id(struct fixture *fx, const char *addr, __u16 port, __u8 proto)
{
	struct xdplb_vip_key k = fx_key(addr, port, proto);
	struct xdplb_vip v = {};

	lb_vip_get(&fx->lb, &k, &v);
	return v.id;
}

/* Id of the backend @raddr port @rport (either family) of that VIP, or -ENOENT. */
static inline int fx_backend_id(struct fixture *fx, const char *vaddr, __u16 port, __u8 proto,
				const char *raddr, __u16 rport)
{
	__be32 a[4];
	__u8 fam = fx_addr(raddr, a);

	return lb_real_find(&fx->lb, fx_vip_id(fx, vaddr, port, proto), a, fam, htons(rport));
}

/* Change xdplb_config with @fn(cfg, arg); 0 or -errno. */
static inline int fx_config(struct fixture *fx, void (*fn)(struct xdplb_config *, long), long arg)
{
	struct xdplb_config cfg;
	int err = lb_config_get(&fx->lb, &cfg);

	if (err)
		return err;
	fn(&cfg, arg);
	return lb_config_set(&fx->lb, &cfg);
}

/* A backend's address as a string ("" when @real_id holds none). */
static inline const char *fx_real_str(struct fixture *fx, __u32 real_id, char *buf, size_t len)
{
	struct xdplb_real r;

	buf[0] = 0;
	if (!bpf_map_lookup_elem(FX_FD(fx, reals), &real_id, &r))
		inet_ntop(r.family == XDPLB_AF_INET6 ? AF_INET6 : AF_INET, r.addr, buf, len);
	return buf;
}

/* Source MAC of frames sent towards backend @be: lb2's for 10.0.2.0/24 and fd00:2::/64,
 * lb1's for 10.0.3.0/24 and fd00:3::/64, else lb0's. */
static inline const __u8 *fx_egress_mac(const char *be)
{
	if (!strncmp(be, "10.0.2.", 7) || !strncmp(be, "fd00:2:", 7))
		return fx_lb2_mac;
	if (!strncmp(be, "10.0.3.", 7) || !strncmp(be, "fd00:3:", 7))
		return fx_lb1_mac;
	return fx_lb0_mac;
}

/* MAC of the static neighbour entry of backend @be, either family. */
static inline void fx_mac_of(const char *be, __u8 mac[ETH_ALEN])
{
	__be32 a[4];

	if (fx_addr(be, a) == XDPLB_AF_INET6)
		fx_backend_mac6((const struct in6_addr *)a, mac);
	else
		fx_backend_mac(a[0], mac);
}

/* The frame @b as the balancer sends it on to backend @be (DR, NAT; either family): untagged,
 * from the egress interface's MAC to the backend's neighbour MAC. */
static inline void fx_to_backend(struct pkt_buf *b, const char *be)
{
	__u8 mac[ETH_ALEN];

	fx_mac_of(be, mac);
	pkt_set_eth(b, mac, fx_egress_mac(be));
}

/* The same for a frame that came in on lb0 as @in did: a VLAN tag of @in kept when @be is
 * behind lb0 too (XDP_TX, out of the ingress interface), none towards another interface. */
static inline void fx_to_backend_from(struct pkt_buf *b, const char *be, const struct pkt_buf *in)
{
	fx_to_backend(b, be);
	if (fx_egress_mac(be) == fx_lb0_mac)
		pkt_tag_as(b, in);
}

/*
 * fx_expect_tun() - the frame the balancer must send for the frame @in (arriving on lb0) to
 * the TUN backend @be: Ethernet (backend's neighbour MAC, egress MAC; @in's VLAN tag kept
 * when @be is behind lb0, where the frame leaves by XDP_TX, none out of another interface),
 * then for an IPv4 backend the outer IPv4 header of bpf/encap.h (TOS = inner TOS, TTL 64, ID
 * = inner ID, DF copied from an inner header, protocol 4) and for an IPv6 backend the outer
 * IPv6 header of the #7 spec (pkt_encap6(), flow label @label), then the inner IP packet
 * byte for byte.
 */
static inline void fx_expect_tun(struct pkt_buf *exp, const struct pkt_buf *in, const char *be,
				 __u32 label)
{
	const unsigned char *ih = in->data + pkt_l3_off(in);
	__u8 mac[ETH_ALEN];
	__be32 a[4];

	if (fx_addr(be, a) == XDPLB_AF_INET6) {
		struct in6_addr src = ipv6_addr(FX_TUNSRC6), dst;

		memcpy(&dst, a, 16);
		fx_backend_mac6(&dst, mac);
		pkt_encap6(exp, mac, fx_egress_mac(be), in, &src, &dst, label);
		if (fx_egress_mac(be) == fx_lb0_mac)
			pkt_tag_as(exp, in);
		return;
	}
	if ((ih[0] >> 4) != 4)
		pkt_die("an IPv6 packet to an IPv4 TUN backend (refused by the control plane)");
	fx_backend_mac(a[0], mac);
	pkt_ipip_wrap(exp, in, ipv4_addr(FX_TUNSRC), a[0],
		      &(struct pkt_ip_opt){ .tos = ih[1],
					    .ttl = 64,
					    .id = pkt_r16(ih + 4),
					    .frag_off = pkt_r16(ih + 6) & PKT_IP_DF });
	pkt_set_eth(exp, mac, fx_egress_mac(be));
	if (fx_egress_mac(be) == fx_lb0_mac)
		pkt_tag_as(exp, in);
}

/* Offset of the network header of an output frame (after one VLAN tag, if any). */
static inline size_t fx_out_l3(const struct fx_run *r)
{
	__u16 type = r->out_len >= ETH_HLEN ? pkt_r16(r->out + 12) : 0;

	return type == ETH_P_8021Q || type == ETH_P_8021AD ? ETH_HLEN + 4 : ETH_HLEN;
}

/* Index in @bes of the backend an encapsulated output frame is addressed to (the outer
 * destination, IPv4 or IPv6), or -1. */
static inline int fx_tun_backend(const struct fx_run *r, const char *const *bes, int n)
{
	size_t l3 = fx_out_l3(r);
	__u16 type;
	__be32 a[4];

	if (r->out_len < l3 + PKT_IPV6_HLEN)
		return -1;
	type = pkt_r16(r->out + l3 - 2);
	for (int i = 0; i < n; i++) {
		if (fx_addr(bes[i], a) == XDPLB_AF_INET6) {
			if (type == ETH_P_IPV6 && !memcmp(r->out + l3 + 24, a, 16))
				return i;
		} else if (type == ETH_P_IP && !memcmp(r->out + l3 + 16, a, 4)) {
			return i;
		}
	}
	return -1;
}

/* Run @in on lb0: the index in @bes of the TUN backend it was sent to, or -1 when it was not
 * (XDP_TX) to one of them. */
static inline int fx_tun_index(struct fixture *fx, const struct pkt_buf *in, const char *const *bes,
			       int n)
{
	struct fx_run r;

	if (fx_run(fx, in, fx->lb0, &r) || r.retval != XDP_TX)
		return -1;
	return fx_tun_backend(&r, bes, n);
}

/* Flow label of an output frame's IPv6 header (tagged or not). */
static inline __u32 fx_out_label(const struct fx_run *r)
{
	const unsigned char *h = r->out + fx_out_l3(r);

	return (h[1] & 0x0f) << 16 | h[2] << 8 | h[3];
}

/*
 * Run @in (arriving on lb0) through a TUN VIP whose backends are @bes; expect @verdict
 * (XDP_TX, or XDP_REDIRECT for lb2's backends) and exactly fx_expect_tun()'s frame.  Returns
 * the backend's index, -1 on failure; *@label gets the outer flow label (IPv6 backends).
 */
static inline int fx_expect_tun_to(struct fixture *fx, const struct pkt_buf *in, int verdict,
				   const char *const *bes, int n, __u32 *label, const char *what)
{
	struct pkt_buf exp;
	struct fx_run r;
	int i;

	if (fx_run(fx, in, fx->lb0, &r) || !ASSERT_EQ(r.retval, verdict, what))
		return -1;
	i = fx_tun_backend(&r, bes, n);
	if (!ASSERT_TRUE(i >= 0, "outer destination is a backend of the VIP"))
		return -1;
	if (label)
		*label = fx_out_label(&r);
	fx_expect_tun(&exp, in, bes[i], fx_out_label(&r));
	ASSERT_BYTES(r.out, r.out_len, exp.data, exp.len, what);
	return case_failed ? -1 : i;
}

/* Run @in on lb0; expect @verdict, the frame untouched and counter @reason +1. */
static inline void fx_expect_untouched(struct fixture *fx, const struct pkt_buf *in, int verdict,
				       int reason, const char *what)
{
	__u64 c0 = fx_reason(fx, reason);
	struct fx_run r;

	if (fx_run(fx, in, fx->lb0, &r))
		return;
	ASSERT_EQ(r.retval, verdict, what);
	ASSERT_BYTES(r.out, r.out_len, in->data, in->len, what);
	ASSERT_EQ(fx_reason(fx, reason) - c0, 1, what);
}

/* Run @in on lb0; expect @verdict and exactly the frame @exp. */
static inline bool fx_expect_frame(struct fixture *fx, const struct pkt_buf *in, int verdict,
				   const struct pkt_buf *exp, const char *what)
{
	struct fx_run r;

	if (fx_run(fx, in, fx->lb0, &r) || !ASSERT_EQ(r.retval, verdict, what))
		return false;
	return ASSERT_BYTES(r.out, r.out_len, exp->data, exp->len, what);
}

/* CLOCK_MONOTONIC_COARSE in ns: the clock of bpf_ktime_get_coarse_ns(), hence of flow atimes
 * and of lb_gc()'s @now. */
static inline __u64 fx_coarse_now(void)
{
	return lb_coarse_now_ns();
}

/*
 * Sleep until the data plane's clock has moved @ns on.  A plain nanosleep() is not enough:
 * the coarse clock advances only when a CPU's tick updates timekeeping, and on a VM whose
 * other vCPU is descheduled by the host it was seen lagging by more than 30 ms (a next-hop
 * entry still fresh after TTL + 30 ms of sleep).
 */
static inline void fx_sleep_coarse(__u64 ns)
{
	__u64 end = fx_coarse_now() + ns, now;

	while ((now = fx_coarse_now()) < end) {
		__u64 left = end - now;
		struct timespec ts = { .tv_sec = left / 1000000000ull,
				       .tv_nsec = left % 1000000000ull };

		nanosleep(&ts, NULL);
	}
}

#endif /* XDPLB_FIXTURE_H */
