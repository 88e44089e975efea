// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-packet cost of the balancer's XDP program, measured with BPF_PROG_TEST_RUN.
 *
 *	bench [-f FAMILIES] [-m MODES] [-c CASES] [-l LRUS] [-r RUNS] [-n REPEAT] [-s SLICES]
 *	      [-x OBJ | -t] [CSV]
 *	(bench/run.sh runs it with the defaults; root)
 *
 * One sample = REPEAT repetitions of bench.bpf.c's wrapper on one frame, in SLICES test runs;
 * the kernel averages the time per repetition of each (topts.duration, whole ns).  The
 * wrapper restores the frame and tail-calls the program under test: xdplb_xdp_ingress, or the
 * floor (swap MACs, XDP_TX).  A case sample and a floor sample on the same frame through the
 * same wrapper are taken together, slice by slice in turn; a case reports the median of RUNS
 * samples, the floor's median, and the median of the RUNS ratios sample / floor sample.
 *
 * Every forwarding mode (tun, dr, nat) and address family (IPv4, IPv6) gets its own freshly
 * loaded balancer in its own sandbox (tests/unit/fixture.h's topology, with IPv6 added here)
 * with production-sized flow and NAT tables, once with a shared LRU and once with per-CPU LRU
 * lists (BPF_F_NO_COMMON_LRU) for the persistence table, the one LRU hash left (no case uses
 * it).  The cases that insert a flow per packet get a fresh balancer each,
 * so that every one of them sees the table fill from empty the same way.
 *
 * -t measures the live trace (xdplb trace) while on: the same program again in the same
 * slices, with xdplb_trace_ctl on (snap XDPLB_TRACE_SNAP, no filter) for its test runs only,
 * and a thread on another CPU reading the ring meanwhile, as xdplb trace would.
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "fixture.h"
#include "bench.h"
#include "bench/bench.skel.h"

#define MAX_RUNS      21
#define DEF_RUNS      5
#define DEF_REPEAT    1000000
#define DEF_SLICES    10
#define MAX_FLOWS     (1u << 22)      /* production flow table size */
#define MAX_FLOWS6    (MAX_FLOWS / 4) /* the IPv6 tables: a quarter, as the loader sizes them */
#define NAT_REAL_PORT 8080	      /* NAT backends listen here: the port is rewritten too */

#define VIP	"10.0.0.10" /* TCP port 80 and UDP port 53, Maglev over three backends */
#define NOT_VIP "10.0.0.99"
#define CLIENT	"192.0.2.1" /* behind 10.0.3.254 on lb1: NAT replies leave by redirect */
#define CPORT	40000

static const char *const backends[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/* The same over IPv6 (sandbox addresses: see bench_fixture()). */
#define VIP6	 "2001:db8:10::10"
#define NOT_VIP6 "2001:db8:10::99"
#define CLIENT6	 "2001:db8:c::1" /* 2001:db8:c::/48 is behind 2001:db8:3::fe on lb1 */
/* Source of the IPv6 new-flow frames: the wrapper writes the last 32 bits (counting from
 * BENCH_SRC_BASE), so that no packet repeats a client, nor CLIENT6. */
#define NEW_SRC6 "2001:db8:c:1::"
#define TUN_SRC6 "2001:db8:1::1"
static const char *const backends6[N_BACKENDS] = { "2001:db8:1::11", "2001:db8:1::12",
						   "2001:db8:1::13" };

enum { F_V4, F_V6, F_MAX };
static const char *const family_names[F_MAX] = { "ipv4", "ipv6" }; /* -f and CSV */
static const char *const family_labels[F_MAX] = { "IPv4", "IPv6" };
static const __u32 frame_lens[F_MAX] = { BENCH_FRAME_LEN, BENCH_FRAME6_LEN };
static const char *const vips[F_MAX] = { VIP, VIP6 };
static const char *const clients[F_MAX] = { CLIENT, CLIENT6 };

enum { M_TUN, M_DR, M_NAT, M_MAX };
static const char *const mode_names[M_MAX] = { "tun", "dr", "nat" };
static const __u8 mode_values[M_MAX] = { XDPLB_MODE_TUN, XDPLB_MODE_DR, XDPLB_MODE_NAT };

enum { C_ESTABLISHED, C_UDP, C_PASS, C_NAT_REPLY, C_NEW_FLOW, C_SYN, C_MAX };

struct bench_case {
	const char *name; /* table label */
	const char *id;	  /* CSV label and -c name */
	__u8 proto;
	__u8 tcp_flags;
	bool to_vip;	/* else to NOT_VIP */
	bool reply;	/* NAT reply: backend -> client, after a forward packet made the flow */
	bool new_src;	/* the wrapper writes a new source address into every repetition */
	bool warm;	/* one packet before each sample, so that the flow is in the table */
	bool fresh;	/* gets its own balancer: inserts REPEAT flows per sample */
	bool nat_only;	/* only meaningful in NAT mode */
	bool pass;	/* the verdict is XDP_PASS whatever the mode */
	bool new_flows; /* the VIP's new-flow counter grows by REPEAT per sample */
};

static const struct bench_case cases[C_MAX] = {
	[C_ESTABLISHED] = { .name = "established TCP flow (flow table hit)",
			    .id = "established",
			    .proto = IPPROTO_TCP,
			    .tcp_flags = PKT_TCP_ACK,
			    .to_vip = true,
			    .warm = true },
	[C_UDP] = { .name = "established UDP flow",
		    .id = "udp_established",
		    .proto = IPPROTO_UDP,
		    .to_vip = true,
		    .warm = true },
	[C_PASS] = { .name = "non-VIP TCP pass-through",
		     .id = "pass_not_vip",
		     .proto = IPPROTO_TCP,
		     .tcp_flags = PKT_TCP_ACK,
		     .pass = true },
	[C_NAT_REPLY] = { .name = "NAT reply (backend -> client)",
			  .id = "nat_reply",
			  .proto = IPPROTO_TCP,
			  .tcp_flags = PKT_TCP_ACK,
			  .reply = true,
			  .warm = true,
			  .nat_only = true },
	[C_NEW_FLOW] = { .name = "new TCP flow (ACK, new source each packet)",
			 .id = "new_flow",
			 .proto = IPPROTO_TCP,
			 .tcp_flags = PKT_TCP_ACK,
			 .to_vip = true,
			 .new_src = true,
			 .fresh = true,
			 .new_flows = true },
	[C_SYN] = { .name = "SYN (new source each packet)",
		    .id = "syn",
		    .proto = IPPROTO_TCP,
		    .tcp_flags = PKT_TCP_SYN,
		    .to_vip = true,
		    .new_src = true,
		    .fresh = true,
		    .new_flows = true },
};

/* The samples of one (LRU flavour, mode, case); ran = false when it was not selected. */
struct result {
	bool ran;
	double ns[MAX_RUNS], floor[MAX_RUNS];
	double alt[MAX_RUNS];	  /* -x: the other build of the program, in the same slices; -t: the
				   * program with the trace on */
	__u64 traced, read, lost; /* -t: packets run with the trace on, events read, lost */
};

struct lru_flavour {
	const char *name;
	bool percpu;
	struct result res[F_MAX][M_MAX][C_MAX];
	long entries[F_MAX]; /* flow-table entries after the last new-flow case (-1: not
			      * counted) */
};

struct options {
	bool family[F_MAX], mode[M_MAX], kase[C_MAX], lru[2];
	int runs, slices;
	__u32 repeat;
	const char *csv;
	const char *alt_obj; /* -x: another build of xdplb.bpf.o to compare with */
	bool trace;	     /* -t: the trace on, as the other "build" */
};

/* -t: the reader of the trace ring, a thread of its own on another CPU. */
struct trace_reader {
	struct lb *lb;
	struct lb_trace_reader *rd;
	pthread_t thread;
	bool started;
	volatile bool stop;
	__u64 events, bytes; /* read so far (written by the thread) */
	__u64 lost;	     /* events lost while on, summed over the test runs */
	int err;
};

struct harness {
	struct bench_bpf *wrap;
	int wrap_fds[F_MAX]; /* bench_wrap, bench_wrap6 */
	int wrap_fd;	     /* the one for the family being measured */
	int slots_fd, floor_fd;
	bool prog_shown;
	struct trace_reader *trace; /* -t: the balancer's trace reader */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, n * sizeof(s[0]));
	qsort(s, n, sizeof(s[0]), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Padded to @len (the family's frame length) with zeros (Ethernet padding, outside the IP
 * packet). */
static void pad_frame(struct pkt_buf *b, __u32 len)
{
	if (b->len > len)
		pkt_die("frame of %zu bytes", b->len);
	pkt_put(b, NULL, len - b->len);
}

/* @c's client frame in family @fam: CLIENT:CPORT to VIP (or NOT_VIP), or over IPv6 CLIENT6
 * (NEW_SRC6 for a new source each packet) to VIP6 (or NOT_VIP6); TCP port 80 or UDP port 53;
 * padded to the family's frame length. */
static void build_frame(const struct bench_case *c, int fam, struct pkt_buf *b)
{
	struct pkt_spec s = { .sport = CPORT,
			      .dport = c->proto == IPPROTO_UDP ? 53 : 80,
			      .seq = 1,
			      .ack = c->tcp_flags & PKT_TCP_ACK ? 1 : 0,
			      .tcp_flags = c->tcp_flags };

	if (fam == F_V6) {
		s.saddr6 = ipv6_addr(c->new_src ? NEW_SRC6 : CLIENT6);
		s.daddr6 = ipv6_addr(c->to_vip ? VIP6 : NOT_VIP6);
	} else {
		s.saddr = ipv4_addr(CLIENT);
		s.daddr = ipv4_addr(c->to_vip ? VIP : NOT_VIP);
	}
	pkt_build(b, &s, fam == F_V6, c->proto);
	pad_frame(b, frame_lens[fam]);
}

static int trace_event(const struct xdplb_trace_event *e, void *ctx)
{
	struct trace_reader *t = ctx;

	__atomic_store_n(&t->events, t->events + 1, __ATOMIC_RELAXED);
	t->bytes += e->snap;
	return 0;
}

static void *trace_thread(void *arg)
{
	struct trace_reader *t = arg;
	int n;

	while (!t->stop) {
		n = lb_trace_poll(t->rd, 50);
		if (n < 0 && n != -EINTR) {
			t->err = n;
			break;
		}
	}
	return NULL;
}

/* The reader of @lb's trace ring on the last CPU (the test runs are on CPU 0). */
static int trace_reader_start(struct trace_reader *t, struct lb *lb)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	cpu_set_t cpus;

	memset(t, 0, sizeof(*t));
	t->lb = lb;
	err = lb_trace_open(lb, trace_event, t, &t->rd);
	if (!err)
		err = -pthread_create(&t->thread, NULL, trace_thread, t);
	if (err) {
		fprintf(stderr, "Error: trace reader: %s\n", strerror(-err));
		lb_trace_close(t->rd);
		return err;
	}
	t->started = true;
	CPU_ZERO(&cpus);
	CPU_SET(ncpu > 1 ? ncpu - 1 : 0, &cpus);
	pthread_setaffinity_np(t->thread, sizeof(cpus), &cpus);
	return 0;
}

static void trace_reader_stop(struct trace_reader *t)
{
	if (!t->started)
		return;
	t->stop = true;
	pthread_join(t->thread, NULL);
	lb_trace_close(t->rd);
	t->started = false;
}

/* The trace on (snap XDPLB_TRACE_SNAP, no filter) around one test run, its lost events
 * counted. */
static int trace_set(struct trace_reader *t, bool on)
{
	struct lb_trace_filter f = { .snap = XDPLB_TRACE_SNAP };
	__u32 prev;
	__u64 lost;
	int err;

	if (on)
		return lb_trace_start(t->lb, &f, &prev);
	err = lb_trace_stop(t->lb, false);
	if (!err && !lb_trace_lost(t->lb, &lost))
		t->lost += lost;
	return err;
}

/* Put @prog_fd in the wrapper's tail-call slot. */
static int set_slot(struct harness *h, int prog_fd)
{
	__u32 slot = BENCH_SLOT;

	if (bpf_map_update_elem(h->slots_fd, &slot, &prog_fd, BPF_ANY)) {
		fprintf(stderr, "Error: tail-call slot: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* One test run of @repeat repetitions; *ns = the kernel's average per repetition. */
static int test_run(struct harness *h, int ifindex, const struct pkt_buf *frame, __u32 repeat,
		    int verdict, __u32 out_len, double *ns)
{
	unsigned char out[256];
	/* data_end = the whole frame is linear (a smaller value puts the rest in frags) */
	struct xdp_md ctx = { .data_end = frame->len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame->data, .data_size_in = frame->len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);

	if (bpf_prog_test_run_opts(h->wrap_fd, &topts)) {
		fprintf(stderr, "Error: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -errno;
	}
	if (topts.retval != (__u32)verdict || topts.data_size_out != out_len) {
		fprintf(stderr, "Error: test run: verdict %u, %u bytes out (expected %d, %u)\n",
			topts.retval, topts.data_size_out, verdict, out_len);
		return -EINVAL;
	}
	*ns = topts.duration;
	return 0;
}

/* A balancer with one VIP address, TCP :80 and UDP :53, three backends each. */
struct setup {
	struct fixture fx;
	__u32 vip_tcp, vip_udp; /* VIP ids */
	struct bpf_object *alt; /* -x: the other build, on the same maps */
	int alt_fd;
	bool alt_own_nat; /* its NAT tables are its own (an LRU hash before they were sets) */
	/* its VIP counters are its own (a build whose struct xdplb_traffic had another size):
	 * the map, and its value size; -1 when shared */
	int alt_vip_stats;
	__u32 alt_vip_stats_size;
	struct trace_reader trace; /* -t */
	bool tracing;
};

/*
 * Load the other build of the balancer (-x) on the maps of the one in @s, so that both see
 * the same VIPs, backends and counters.  Maps it has of its own (caches, globals) stay its
 * own, and so does a map whose layout differs (an older build's flow table with another key):
 * that one gets the same size and flags as ours.
 */
static int load_alt(struct setup *s, const char *path)
{
	struct bpf_program *prog;
	struct bpf_map *map, *mine;
	const struct btf *btf;
	bool old_flows;
	int err, id;

	s->alt = bpf_object__open_file(path, NULL);
	if (!s->alt) {
		fprintf(stderr, "Error: open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	/* flows of another size in the same 256-byte sets: the map types and sizes agree, the
	 * layout inside does not */
	btf = bpf_object__btf(s->alt);
	id = btf ? btf__find_by_name_kind(btf, "xdplb_flow", BTF_KIND_STRUCT) : -1;
	old_flows = id > 0 && btf__type_by_id(btf, id)->size != sizeof(struct xdplb_flow);
	bpf_object__for_each_map(map, s->alt)
	{
		bpf_map__set_pin_path(map, NULL);
		mine = bpf_object__find_map_by_name(s->fx.skel->obj, bpf_map__name(map));
		if (!mine && (!strcmp(bpf_map__name(map), "xdplb_nat") ||
			      !strcmp(bpf_map__name(map), "xdplb_nat6"))) {
			/* a build before reply entries moved into the flow tables: its NAT
			 * tables, sized as it sized them (twice the slots of its flows) */
			bool v6 = !strcmp(bpf_map__name(map), "xdplb_nat6");
			__u32 ways = v6 ? XDPLB_FLOW_WAYS6 : XDPLB_FLOW_WAYS4;

			if (bpf_map__type(map) == BPF_MAP_TYPE_ARRAY)
				bpf_map__set_max_entries(map,
							 (v6 ? MAX_FLOWS6 : MAX_FLOWS) * 2 / ways);
			else
				bpf_map__set_max_entries(map, v6 ? MAX_FLOWS6 : MAX_FLOWS);
			s->alt_own_nat = true;
			continue;
		}
		if (mine && old_flows &&
		    (!strcmp(bpf_map__name(map), "xdplb_flows") ||
		     !strcmp(bpf_map__name(map), "xdplb_flows6")) &&
		    bpf_map__type(map) == BPF_MAP_TYPE_ARRAY) {
			/* a build of 24-byte flows (layout 3): 256-byte sets of 6 IPv4 or 4
			 * IPv6 slots, four slots per flow; its own tables, as it sized them */
			bool v6 = !strcmp(bpf_map__name(map), "xdplb_flows6");

			bpf_map__set_max_entries(map,
						 v6 ? MAX_FLOWS6 : (__u32)(MAX_FLOWS * 4ull / 6));
			bpf_map__set_map_flags(map, bpf_map__map_flags(mine));
			continue;
		}
		if (!mine || !bpf_map__is_pinned(mine))
			continue;
		if (bpf_map__type(map) != bpf_map__type(mine) ||
		    bpf_map__key_size(map) != bpf_map__key_size(mine) ||
		    bpf_map__value_size(map) != bpf_map__value_size(mine)) {
			const char *name = bpf_map__name(map);
			bool v6 = !strcmp(name, "xdplb_flows6");

			if (bpf_map__type(map) == BPF_MAP_TYPE_LRU_HASH &&
			    (v6 || !strcmp(name, "xdplb_flows"))) {
				/* a build before the set-associative flow tables: an LRU hash of
				 * as many entries as our tables are sized for flows */
				bpf_map__set_max_entries(map, v6 ? MAX_FLOWS6 : MAX_FLOWS);
				continue;
			}
			bpf_map__set_max_entries(map, bpf_map__max_entries(mine));
			bpf_map__set_map_flags(map, bpf_map__map_flags(mine));
			continue;
		}
		err = bpf_map__reuse_fd(map, bpf_map__fd(mine));
		if (err) {
			fprintf(stderr, "Error: %s: map %s: %s\n", path, bpf_map__name(map),
				strerror(-err));
			return err;
		}
	}
	lb_size_flow_cache(s->alt);
	err = bpf_object__load(s->alt);
	prog = err ? NULL : bpf_object__find_program_by_name(s->alt, "xdplb_xdp_ingress");
	if (!prog) {
		fprintf(stderr, "Error: load %s: %s\n", path, strerror(err ? -err : ENOENT));
		return err ?: -ENOENT;
	}
	s->alt_fd = bpf_program__fd(prog);
	map = bpf_object__find_map_by_name(s->alt, "xdplb_vip_stats");
	if (map && bpf_map__value_size(map) != sizeof(struct xdplb_traffic)) {
		s->alt_vip_stats = bpf_map__fd(map);
		s->alt_vip_stats_size = bpf_map__value_size(map);
	}
	return 0;
}

/* Add VIP @vip_id's counters in the other build's own map, if it has one (its packets,
 * bytes, flows and resched lead its struct as they lead ours). */
static int add_alt_traffic(const struct setup *s, __u32 vip_id, struct xdplb_traffic *t)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = (s->alt_vip_stats_size + 7) / 8 * 8;
	char *v;

	if (s->alt_vip_stats < 0)
		return 0;
	if (ncpu <= 0 || s->alt_vip_stats_size < 4 * sizeof(__u64))
		return -EINVAL;
	v = calloc(ncpu, stride);
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(s->alt_vip_stats, &vip_id, v)) {
		free(v);
		return -errno;
	}
	for (int i = 0; i < ncpu; i++) {
		const __u64 *c = (const __u64 *)(v + i * stride);

		t->packets += c[0];
		t->bytes += c[1];
		t->flows += c[2];
		t->resched += c[3];
	}
	free(v);
	return 0;
}

/*
 * tests/unit/fixture.h's fx_setup_sized() (same sandbox, same IPv4 topology: fx_net4(), same
 * IPv4 table sizes), with what IPv6 needs added, and the IPv6 tables sized before the load:
 *   lb0 2001:db8:1::1/64   backends 2001:db8:1::11..13 with static neighbours
 *                          (02:00:00:06:01:<last byte>)
 *   lb1 2001:db8:3::1/64   2001:db8:c::/48 (clients) via 2001:db8:3::fe (02:00:00:00:03:fe)
 *   IPv6 forwarding on; xdplb_config.tun_src6 = TUN_SRC6.
 * The IPv6 tables are sized for MAX_FLOWS6 flows (the loader's flows / 4); per-CPU LRU lists
 * apply to the persistence table (the LRU hash left), as `dev attach ... lru percpu` does.
 */
static int bench_fixture(struct fixture *fx, bool percpu_lru)
{
	int err = 0;

	if (sandbox_enter() || fx_net4())
		return -1;
	/* IPv6: no duplicate address detection, the addresses are usable at once */
	err |= sandbox_sh("ip addr add 2001:db8:1::1/64 dev lb0 nodad && "
			  "ip addr add 2001:db8:3::1/64 dev lb1 nodad");
	err |= sandbox_sh("for i in 11 12 13; do ip neigh replace 2001:db8:1::$i lladdr "
			  "02:00:00:06:01:$i nud permanent dev lb0; done");
	err |= sandbox_sh("ip neigh replace 2001:db8:3::fe lladdr 02:00:00:00:03:fe nud "
			  "permanent dev lb1 && ip route add 2001:db8:c::/48 via 2001:db8:3::fe");
	err |= sandbox_sh("sysctl -qw net.ipv6.conf.all.forwarding=1 "
			  "net.ipv6.conf.lb0.forwarding=1 net.ipv6.conf.lb1.forwarding=1");
	if (err)
		return -1;
	/* as `dev attach ... flows MAX_FLOWS` sizes them */
	return fx_load(fx, MAX_FLOWS, MAX_FLOWS6, percpu_lru, TUN_SRC6);
}

/* A balancer with the VIP of family @fam, TCP :80 and UDP :53, three backends each, in
 * @mode. */
static int setup_balancer(struct setup *s, const struct options *o, const struct lru_flavour *lru,
			  int mode, int fam)
{
	const __u8 protos[2] = { IPPROTO_TCP, IPPROTO_UDP };
	__u32 *ids[2] = { &s->vip_tcp, &s->vip_udp };
	int err;

	memset(s, 0, sizeof(*s));
	err = bench_fixture(&s->fx, lru->percpu);
	if (err) {
		fprintf(stderr, "Error: sandbox and balancer setup failed\n");
		return -EIO;
	}
	for (int i = 0; i < 2; i++) {
		__u16 port = protos[i] == IPPROTO_UDP ? 53 : 80;
		struct xdplb_vip_key vk = fx_key(vips[fam], port, protos[i]);
		struct xdplb_vip vip = { .mode = mode_values[mode] };

		err = lb_vip_add(&s->fx.lb, &vk, &vip);
		for (size_t b = 0; b < N_BACKENDS && !err; b++) {
			struct xdplb_real r = { .weight = 1 };

			r.family = fx_addr(fam == F_V6 ? backends6[b] : backends[b], r.addr);
			if (mode == M_NAT && protos[i] == IPPROTO_TCP)
				r.port = htons(NAT_REAL_PORT);
			err = lb_real_add(&s->fx.lb, &vk, &r);
		}
		if (!err)
			err = lb_vip_get(&s->fx.lb, &vk, &vip);
		if (err) {
			fprintf(stderr, "Error: vip %s:%u: %s\n", vips[fam], port, strerror(-err));
			return err;
		}
		*ids[i] = vip.id;
	}
	s->alt_fd = -1;
	s->alt_vip_stats = -1;
	if (o->trace) {
		s->alt_fd = s->fx.prog_fd; /* the same program, the trace on */
		err = trace_reader_start(&s->trace, &s->fx.lb);
		if (!err)
			s->tracing = true;
		return err;
	}
	return o->alt_obj ? load_alt(s, o->alt_obj) : 0;
}

static void teardown_balancer(struct harness *h, struct setup *s)
{
	__u32 slot = BENCH_SLOT;

	if (s->tracing) {
		trace_reader_stop(&s->trace);
		if (s->trace.err)
			fprintf(stderr, "Warning: trace reader: %s\n", strerror(-s->trace.err));
		s->tracing = false;
	}
	h->trace = NULL;
	bpf_map_delete_elem(h->slots_fd, &slot); /* drops the program's last reference */
	/* The next sandbox's mount namespace is a copy of this one, bpffs included: without
	 * unpinning, every balancer's maps would stay until the process exits. */
	if (s->fx.skel)
		bpf_object__unpin_maps(s->fx.skel->obj, NULL);
	bpf_object__close(s->alt);
	s->alt = NULL;
	xdplb_bpf__destroy(s->fx.skel);
	s->fx.skel = NULL;
}

/*
 * The reply of the NAT flow that the forward frame of case established made: from the
 * backend Maglev picked for it (read back from the flow table) to the client.
 */
static int build_reply(struct setup *s, int fam, struct pkt_buf *b)
{
	struct pkt_spec spec = {
		.sport = NAT_REAL_PORT, .dport = CPORT, .seq = 1, .ack = 1, .tcp_flags = PKT_TCP_ACK
	};
	struct xdplb_real r;
	struct xdplb_flow f;

	if (fx_flow(&s->fx, IPPROTO_TCP, clients[fam], CPORT, vips[fam], 80, &f) ||
	    lb_real_get(&s->fx.lb, f.real_id, &r)) {
		fprintf(stderr, "Error: nat reply: the forward flow is not in the table\n");
		return -ENOENT;
	}
	if (fam == F_V6) {
		memcpy(&spec.saddr6, r.addr, sizeof(spec.saddr6));
		spec.daddr6 = ipv6_addr(CLIENT6);
	} else {
		spec.saddr = r.addr[0];
		spec.daddr = ipv4_addr(CLIENT);
	}
	pkt_build(b, &spec, fam == F_V6, IPPROTO_TCP);
	pad_frame(b, frame_lens[fam]);
	return 0;
}

/* Verdict, output length and reason counter that every repetition of @c must give. */
static void expect(const struct bench_case *c, int mode, int fam, int *verdict, int *reason,
		   __u32 *out_len)
{
	*out_len = frame_lens[fam];
	if (c->pass) {
		*verdict = XDP_PASS;
		*reason = XDPLB_R_PASS_NOT_VIP;
	} else if (c->reply) {
		*verdict = XDP_REDIRECT; /* the client is behind lb1 */
		*reason = XDPLB_R_REDIRECT;
	} else {
		*verdict = XDP_TX;
		*reason = XDPLB_R_TX;
		if (mode == M_TUN) /* outer IPv4 or IPv6 header */
			*out_len += fam == F_V6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN;
	}
}

static void print_prog_info(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	/* xlated_prog_len / 8 = instructions; `bpftool prog dump xlated` prints each 16-byte
	 * ld_imm64 (map address) on one line, so it shows fewer lines */
	printf("xdplb_xdp_ingress: %u xlated insns, %u bytes jited, %u insns processed by the "
	       "verifier\n",
	       info.xlated_prog_len / 8, info.jited_prog_len, info.verified_insns);
}

/* Entries in a flow table (either family's), by batches. */
static int count_flow(const struct xdplb_flow_key *key, const struct xdplb_flow *f, void *ctx)
{
	long *n = ctx;

	(void)f;
	n[key->family == XDPLB_AF_INET6]++;
	return 0;
}

/* Live flows in the table of family @fam. */
static long count_flows(struct lb *lb, int fam)
{
	long n[2] = { 0, 0 };
	int err = lb_flow_foreach(lb, count_flow, n);

	return err ? err : n[fam == F_V6];
}

/*
 * One sample: @o->repeat packets through the program under test and as many through the
 * floor, in o->slices alternating slices (floor first), so that both see the same mix of
 * the machine's fast and slow phases.  *ns and *floor: average ns per packet of each.  With
 * @alt_fd >= 0 (-x), as many through that program too, in the same slices: *alt; with -t
 * (h->trace), that is the program under test with the trace on.
 */
static int sample(struct harness *h, const struct options *o, int ifindex, int prog_fd, int alt_fd,
		  const struct pkt_buf *f, int verdict, __u32 out_len, double *ns, double *floor,
		  double *alt)
{
	__u32 n = o->repeat / o->slices;
	double sum = 0, fsum = 0, asum = 0, v;
	int err;

	for (int i = 0; i < o->slices; i++) {
		/* the last slice takes the remainder */
		__u32 k = i == o->slices - 1 ? o->repeat - n * (o->slices - 1) : n;

		err = set_slot(h, h->floor_fd);
		err = err ?: test_run(h, ifindex, f, k, XDP_TX, f->len, &v);
		fsum += v * k;
		err = err ?: set_slot(h, prog_fd);
		err = err ?: test_run(h, ifindex, f, k, verdict, out_len, &v);
		sum += v * k;
		if (!err && alt_fd >= 0) {
			err = h->trace ? trace_set(h->trace, true) : 0;
			err = err ?: set_slot(h, alt_fd);
			err = err ?: test_run(h, ifindex, f, k, verdict, out_len, &v);
			if (h->trace && trace_set(h->trace, false))
				err = err ?: -EIO;
			asum += v * k;
		}
		if (err)
			return err;
	}
	*ns = sum / o->repeat;
	*floor = fsum / o->repeat;
	*alt = asum / o->repeat;
	return 0;
}

/* One packet of @f (already in the wrapper's frame) through the balancer, and through the
 * other build (-x): the flow it creates may be in a table of that build's own. */
static int warm_up(struct harness *h, struct setup *s, const struct pkt_buf *f, int verdict,
		   __u32 out_len)
{
	int err = set_slot(h, s->fx.prog_fd);

	err = err ?: test_run(h, s->fx.lb0, f, 1, verdict, out_len, &(double){ 0 });
	if (!err && s->alt_fd >= 0) {
		err = set_slot(h, s->alt_fd);
		err = err ?: test_run(h, s->fx.lb0, f, 1, verdict, out_len, &(double){ 0 });
	}
	return err;
}

/* The counters of @c's samples: reason @reason and the traffic of VIP @vip_id. */
static int read_counts(struct setup *s, const struct bench_case *c, int reason, __u32 vip_id,
		       struct xdplb_counter *r, struct xdplb_traffic *t)
{
	if (lb_read_reason(&s->fx.lb, reason, r) || lb_read_vip_traffic(&s->fx.lb, vip_id, t) ||
	    add_alt_traffic(s, vip_id, t)) {
		fprintf(stderr, "Error: %s: can't read the counters\n", c->id);
		return -EIO;
	}
	return 0;
}

/* Make @f the frame that the wrapper of family @fam restores. */
static void set_frame(struct harness *h, int fam, const struct pkt_buf *f)
{
	if (fam == F_V6)
		memcpy(h->wrap->bss->bench_frame6, f->data, BENCH_FRAME6_LEN);
	else
		memcpy(h->wrap->bss->bench_frame, f->data, BENCH_FRAME_LEN);
}

/*
 * The samples of the cases @sel (indexes into cases[]) on balancer @s, family @fam: per run,
 * for each case a floor sample then a case sample.  After every sample the counters must show
 * that all repetitions took the intended path (reason, and the VIP's new-flow counter).
 */
static int run_cases(struct harness *h, const struct options *o, struct lru_flavour *lru, int mode,
		     int fam, struct setup *s, const int *sel, int nsel)
{
	struct pkt_buf frames[C_MAX], warm;
	/* both builds count into the same maps */
	__u64 want = (__u64)o->repeat * (s->alt_fd >= 0 ? 2 : 1);
	int err;

	if (!h->prog_shown) {
		print_prog_info(s->fx.prog_fd);
		h->prog_shown = true;
	}
	for (int i = 0; i < nsel; i++) {
		const struct bench_case *c = &cases[sel[i]];

		build_frame(c, fam, &frames[sel[i]]);
		if (!c->reply)
			continue;
		/* the forward packet that creates the NAT entry, then its reply.  A -x build with
		 * NAT tables of its own makes its entry first, from a flow it schedules itself
		 * and that is then forgotten, so that ours is a new flow too. */
		build_frame(&cases[C_ESTABLISHED], fam, &warm);
		set_frame(h, fam, &warm);
		h->wrap->bss->bench_new_src = 0;
		err = 0;
		if (s->alt_fd >= 0 && s->alt_own_nat) {
			double ns;

			err = set_slot(h, s->alt_fd);
			err = err ?: test_run(h, s->fx.lb0, &warm, 1, XDP_TX, warm.len, &ns);
			err = err
				  ?: fx_flow(&s->fx, IPPROTO_TCP, clients[fam], CPORT, vips[fam],
					     80, NULL);
		}
		err = err ?: warm_up(h, s, &warm, XDP_TX, warm.len);
		if (!err)
			err = build_reply(s, fam, &frames[sel[i]]);
		if (err)
			return err;
	}

	for (int run = 0; run < o->runs; run++) {
		for (int i = 0; i < nsel; i++) {
			const struct bench_case *c = &cases[sel[i]];
			const struct pkt_buf *f = &frames[sel[i]];
			struct result *res = &lru->res[fam][mode][sel[i]];
			__u32 vip_id = c->proto == IPPROTO_UDP ? s->vip_udp : s->vip_tcp;
			struct xdplb_counter r0, r1;
			struct xdplb_traffic t0, t1;
			int verdict, reason;
			__u32 out_len;

			if (isatty(STDERR_FILENO))
				fprintf(stderr, "\r%-7s %-3s %s run %2d/%d %-16s", lru->name,
					mode_names[mode], family_labels[fam], run + 1, o->runs,
					c->id);
			expect(c, mode, fam, &verdict, &reason, &out_len);
			set_frame(h, fam, f);
			h->wrap->bss->bench_new_src = c->new_src;

			__u64 ev0 =
			    h->trace ? __atomic_load_n(&h->trace->events, __ATOMIC_RELAXED) : 0;
			__u64 lost0 = h->trace ? h->trace->lost : 0;

			err = c->warm ? warm_up(h, s, f, verdict, out_len) : 0;
			err = err ?: read_counts(s, c, reason, vip_id, &r0, &t0);
			err =
			    err
				?: sample(h, o, s->fx.lb0, s->fx.prog_fd, s->alt_fd, f, verdict,
					  out_len, &res->ns[run], &res->floor[run], &res->alt[run]);
			err = err ?: read_counts(s, c, reason, vip_id, &r1, &t1);
			if (err)
				return err;
			if (h->trace) {
				usleep(20000); /* the reader's last events */
				res->traced += o->repeat;
				res->read +=
				    __atomic_load_n(&h->trace->events, __ATOMIC_RELAXED) - ev0;
				res->lost += h->trace->lost - lost0;
			}
			if (r1.packets - r0.packets != want ||
			    t1.flows - t0.flows != (c->new_flows ? want : 0)) {
				fprintf(stderr,
					"Error: %s %s %s: %llu packets counted as reason %d, %llu "
					"new flows (expected %llu, %llu)\n",
					mode_names[mode], family_labels[fam], c->id,
					(unsigned long long)(r1.packets - r0.packets), reason,
					(unsigned long long)(t1.flows - t0.flows),
					(unsigned long long)want,
					(unsigned long long)(c->new_flows ? want : 0));
				return -EINVAL;
			}
			res->ran = true;
		}
	}
	return 0;
}

/* Every selected case of one LRU flavour, mode and family. */
static int run_mode(struct harness *h, const struct options *o, struct lru_flavour *lru, int mode,
		    int fam)
{
	int sel[C_MAX], nsel = 0, err = 0;
	struct setup s;

	h->wrap_fd = h->wrap_fds[fam];
	/* the cases that leave the flow table as it was share one balancer */
	for (int c = 0; c < C_MAX; c++) {
		if (o->kase[c] && !cases[c].fresh && (!cases[c].nat_only || mode == M_NAT))
			sel[nsel++] = c;
	}
	if (nsel) {
		err = setup_balancer(&s, o, lru, mode, fam);
		h->trace = s.tracing ? &s.trace : NULL;
		if (!err)
			err = run_cases(h, o, lru, mode, fam, &s, sel, nsel);
		teardown_balancer(h, &s);
		if (err)
			return err;
	}
	for (int c = 0; c < C_MAX; c++) {
		if (!o->kase[c] || !cases[c].fresh)
			continue;
		err = setup_balancer(&s, o, lru, mode, fam);
		h->trace = s.tracing ? &s.trace : NULL;
		if (!err)
			err = run_cases(h, o, lru, mode, fam, &s, &c, 1);
		if (!err)
			lru->entries[fam] = count_flows(&s.fx.lb, fam);
		teardown_balancer(h, &s);
		if (err)
			return err;
	}
	return 0;
}

/* Median over the runs of the quotients @num[i] / @den[i]. */
static double median_ratio(const double *num, const double *den, int runs)
{
	double q[MAX_RUNS];

	for (int i = 0; i < runs; i++)
		q[i] = num[i] / den[i];
	return median(q, runs);
}

/* One table cell: mode @m of case @c in LRU flavour @lru, whose samples are @r. */
typedef void print_cell_fn(const struct options *o, const struct result *r, int c, int m,
			   const char *lru, int fam, FILE *csv);

/*
 * A table of family @fam: a column of @cell's for each selected mode (headed by @col_fmt with
 * the mode's name), a row for each selected LRU flavour and case; "-" where a case did not run
 * in a mode (@col_fmt's width).
 */
static void print_table(const struct options *o, const struct lru_flavour *lf, int nlru, int fam,
			const char *col_fmt, const char *none, print_cell_fn *cell, FILE *csv)
{
	char label[32];

	snprintf(label, sizeof(label), "case (%s)", family_labels[fam]);
	printf("\n%-42s %-7s", label, "lru");
	for (int m = 0; m < M_MAX; m++) {
		if (o->mode[m])
			printf(col_fmt, mode_names[m]);
	}
	printf("\n");
	for (int l = 0; l < nlru; l++) {
		if (!o->lru[lf[l].percpu])
			continue;
		for (int c = 0; c < C_MAX; c++) {
			if (!o->kase[c])
				continue;
			printf("%-42s %-7s", cases[c].name, lf[l].name);
			for (int m = 0; m < M_MAX; m++) {
				const struct result *r = &lf[l].res[fam][m][c];

				if (!o->mode[m])
					continue;
				if (r->ran)
					cell(o, r, c, m, lf[l].name, fam, csv);
				else
					printf("%s", none);
			}
			printf("\n");
		}
	}
}

/* -x: the other build's ratio to the floor, and its time over this build's (median of the
 * per-run quotients: both ran in the same slices). */
static void print_alt_cell(const struct options *o, const struct result *r, int c, int m,
			   const char *lru, int fam, FILE *csv)
{
	printf("  %11.2f %7.1f%%", median_ratio(r->alt, r->floor, o->runs),
	       100 * (median_ratio(r->alt, r->ns, o->runs) - 1));
}

/* This build: median ns, the floor's, their ratio; and the case's line of the CSV. */
static void print_cell(const struct options *o, const struct result *r, int c, int m,
		       const char *lru, int fam, FILE *csv)
{
	double v = median(r->ns, o->runs), fv = median(r->floor, o->runs);
	double ratio = median_ratio(r->ns, r->floor, o->runs), lo = r->ns[0], hi = r->ns[0];

	for (int i = 1; i < o->runs; i++) {
		lo = r->ns[i] < lo ? r->ns[i] : lo;
		hi = r->ns[i] > hi ? r->ns[i] : hi;
	}
	printf("  %8.0f %5.0f %5.2f", v, fv, ratio);
	fprintf(csv, "%s,%s,%s,%.0f,%.0f,%.0f,%.1f,%.3f", cases[c].id, mode_names[m], lru, v, lo,
		hi, fv, ratio);
	for (int i = 0; i < o->runs; i++)
		fprintf(csv, ",%.1f", r->ns[i]);
	for (int i = 0; i < o->runs; i++)
		fprintf(csv, ",%.1f", r->floor[i]);
	if (o->alt_obj || o->trace)
		fprintf(csv, ",%.0f,%.3f,%.3f", median(r->alt, o->runs),
			median_ratio(r->alt, r->floor, o->runs),
			median_ratio(r->alt, r->ns, o->runs));
	fprintf(csv, ",%s\n", family_names[fam]);
}

static void print_results(const struct options *o, const struct lru_flavour *lf, int nlru,
			  FILE *csv)
{
	static const __u32 table_sizes[F_MAX] = { MAX_FLOWS, MAX_FLOWS6 };

	/* the IPv4 columns as they always were; the family is the last one */
	fprintf(csv, "case,mode,lru,ns_median,ns_min,ns_max,floor_ns_median,ratio");
	for (int r = 0; r < o->runs; r++)
		fprintf(csv, ",ns_run%d", r + 1);
	for (int r = 0; r < o->runs; r++)
		fprintf(csv, ",floor_ns_run%d", r + 1);
	if (o->alt_obj || o->trace)
		fprintf(csv, ",alt_ns_median,alt_ratio,alt_vs_this");
	fprintf(csv, ",family\n");

	for (int fam = 0; fam < F_MAX; fam++) {
		if (o->family[fam])
			print_table(o, lf, nlru, fam, "  %5s ns floor ratio",
				    "         -     -     -", print_cell, csv);
	}
	printf("ns = median ns/pkt; ratio = median over the runs of ns/pkt / floor ns/pkt, the "
	       "floor (bench_swap_mac: swap MACs, XDP_TX) measured on the same frame through the "
	       "same wrapper in slices alternating with the case's\n");
	for (int fam = 0; fam < F_MAX; fam++) {
		for (int l = 0; l < nlru; l++) {
			if (o->family[fam] && o->lru[lf[l].percpu] && lf[l].entries[fam] >= 0)
				printf(
				    "%s flow table after the last new-flow case (%s): %ld flows, "
				    "sized for %u\n",
				    family_labels[fam], lf[l].name, lf[l].entries[fam],
				    table_sizes[fam]);
		}
	}
	for (int fam = 0; (o->alt_obj || o->trace) && fam < F_MAX; fam++) {
		if (!o->family[fam])
			continue;
		if (o->trace)
			printf(
			    "\n-t: the trace on (snap %u, no filter, the ring read by a thread on "
			    "another CPU), in the same slices; vs this = its time over the trace "
			    "off:",
			    XDPLB_TRACE_SNAP);
		else
			printf("\n-x %s, in the same slices:", o->alt_obj);
		print_table(o, lf, nlru, fam, "  %5s ratio  vs this", "            -        -",
			    print_alt_cell, csv);
	}
	for (int fam = 0; o->trace && fam < F_MAX; fam++) {
		for (int l = 0; o->family[fam] && l < nlru; l++) {
			for (int m = 0; o->lru[lf[l].percpu] && m < M_MAX; m++) {
				for (int c = 0; c < C_MAX; c++) {
					const struct result *r = &lf[l].res[fam][m][c];

					if (r->ran)
						printf("-t %s %s %s %s: %llu packets traced, %llu "
						       "events read, %llu lost (ring full)\n",
						       family_labels[fam], lf[l].name,
						       mode_names[m], cases[c].id,
						       (unsigned long long)r->traced,
						       (unsigned long long)r->read,
						       (unsigned long long)r->lost);
				}
			}
		}
	}
}

static int usage(const char *prog, int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
		"Usage: %s [-f FAMILIES] [-m MODES] [-c CASES] [-l LRUS] [-r RUNS] [-n REPEAT] "
		"[-s SLICES] [-x OBJ | -t] [CSV]\n"
		"  FAMILIES comma-separated: ipv4,ipv6 (default: both)\n"
		"  MODES  comma-separated: tun,dr,nat (default: all)\n"
		"  CASES  comma-separated: ",
		prog);
	for (int c = 0; c < C_MAX; c++)
		fprintf(f, "%s%s", c ? "," : "", cases[c].id);
	fprintf(f,
		" (default: all)\n"
		"  LRUS   comma-separated: shared,percpu (default: both)\n"
		"  RUNS   samples per case, 1..%d (default %d); REPEAT packets per sample "
		"(default %d)\n"
		"  SLICES test runs per sample, alternating with the floor's (default %d)\n"
		"  OBJ    another build of xdplb.bpf.o, run on the same maps in the same slices:\n"
		"         prints its ratios and its time over this build's\n"
		"  -t     also this build with the trace on (xdplb trace: snap %d, no filter, a\n"
		"         thread reading the ring on another CPU) in the same slices: prints its\n"
		"         ratios and its time over the trace off\n"
		"  CSV    output file (default .output/bench/results.csv)\n",
		MAX_RUNS, DEF_RUNS, DEF_REPEAT, DEF_SLICES, XDPLB_TRACE_SNAP);
	return status;
}

/* Parse a comma-separated list of @n names into @on.  Returns 0 or -1. */
static int parse_list(char *arg, const char *const *names, int n, bool *on)
{
	memset(on, 0, n * sizeof(*on));
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		int i;

		for (i = 0; i < n && strcmp(tok, names[i]); i++)
			;
		if (i == n) {
			fprintf(stderr, "Error: argument \"%s\" is wrong: unknown name\n", tok);
			return -1;
		}
		on[i] = true;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const char *const lru_names[2] = { "shared", "percpu" };
	const char *case_names[C_MAX];
	char *end;
	int opt;

	for (int c = 0; c < C_MAX; c++)
		case_names[c] = cases[c].id;
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < F_MAX; i++)
		o->family[i] = true;
	for (int i = 0; i < M_MAX; i++)
		o->mode[i] = true;
	for (int i = 0; i < C_MAX; i++)
		o->kase[i] = true;
	o->lru[0] = o->lru[1] = true;
	o->runs = DEF_RUNS;
	o->repeat = DEF_REPEAT;
	o->slices = DEF_SLICES;
	o->csv = ".output/bench/results.csv";
	while ((opt = getopt(argc, argv, "f:m:c:l:r:n:s:x:th")) != -1) {
		switch (opt) {
		case 'f':
			if (parse_list(optarg, family_names, F_MAX, o->family))
				return 2;
			break;
		case 'm':
			if (parse_list(optarg, mode_names, M_MAX, o->mode))
				return 2;
			break;
		case 'c':
			if (parse_list(optarg, case_names, C_MAX, o->kase))
				return 2;
			break;
		case 'l':
			if (parse_list(optarg, lru_names, 2, o->lru))
				return 2;
			break;
		case 'r':
			o->runs = strtol(optarg, &end, 10);
			if (*end || o->runs < 1 || o->runs > MAX_RUNS)
				return usage(argv[0], 2);
			break;
		case 'n':
			o->repeat = strtoul(optarg, &end, 10);
			if (*end || !o->repeat)
				return usage(argv[0], 2);
			break;
		case 's':
			o->slices = strtol(optarg, &end, 10);
			if (*end || o->slices < 1)
				return usage(argv[0], 2);
			break;
		case 'x':
			o->alt_obj = optarg;
			break;
		case 't':
			o->trace = true;
			break;
		case 'h':
			usage(argv[0], 0);
			return -1;
		default:
			return usage(argv[0], 2);
		}
	}
	if (o->trace && o->alt_obj) {
		fprintf(stderr, "Error: -x and -t: one at a time\n");
		return 2;
	}
	if ((__u32)o->slices > o->repeat)
		o->slices = o->repeat;
	if (optind < argc)
		o->csv = argv[optind++];
	if (optind < argc)
		return usage(argv[0], 2);
	return 0;
}

int main(int argc, char **argv)
{
	struct lru_flavour lrus[] = {
		{ .name = "shared", .percpu = false, .entries = { -1, -1 } },
		{ .name = "per-CPU", .percpu = true, .entries = { -1, -1 } }
	};
	struct harness h = {};
	struct options o;
	FILE *csv = NULL;
	int err = 1;

	err = parse_options(argc, argv, &o);
	if (err)
		return err < 0 ? 0 : err;
	err = 1;
	if (geteuid() != 0) {
		fprintf(stderr, "Error: %s needs root (BPF_PROG_TEST_RUN, namespaces)\n", argv[0]);
		return 1;
	}
	/* One CPU for the whole process: test runs execute where their caller runs, and the
	 * per-CPU state (stats, per-CPU LRU lists, the wrapper's source counter) stays one. */
	if (fx_pin_cpu(0)) {
		fprintf(stderr, "Error: pin to CPU 0: %s\n", strerror(errno));
		return 1;
	}
	csv = fopen(o.csv, "w");
	if (!csv) {
		fprintf(stderr, "Error: %s: %s\n", o.csv, strerror(errno));
		return 1;
	}
	h.wrap = bench_bpf__open_and_load();
	if (!h.wrap) {
		fprintf(stderr, "Error: load bench.bpf.o: %s\n", strerror(errno));
		goto out;
	}
	h.wrap_fds[F_V4] = bpf_program__fd(h.wrap->progs.bench_wrap);
	h.wrap_fds[F_V6] = bpf_program__fd(h.wrap->progs.bench_wrap6);
	h.floor_fd = bpf_program__fd(h.wrap->progs.bench_swap_mac);
	h.slots_fd = bpf_map__fd(h.wrap->maps.bench_progs);

	printf("BPF_PROG_TEST_RUN, median of %d runs x %u packets, CPU 0; IPv4: %d-byte frames, "
	       "flow table sized for %u flows; IPv6: %d-byte frames, flow table for %u\n",
	       o.runs, o.repeat, BENCH_FRAME_LEN, MAX_FLOWS, BENCH_FRAME6_LEN, MAX_FLOWS6);
	for (size_t l = 0; l < sizeof(lrus) / sizeof(lrus[0]); l++) {
		if (!o.lru[lrus[l].percpu])
			continue;
		for (int m = 0; m < M_MAX; m++) {
			for (int fam = 0; fam < F_MAX; fam++) {
				if (o.mode[m] && o.family[fam] &&
				    run_mode(&h, &o, &lrus[l], m, fam))
					goto out;
			}
		}
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r%50s\r", "");
	print_results(&o, lrus, sizeof(lrus) / sizeof(lrus[0]), csv);
	err = 0;
out:
	bench_bpf__destroy(h.wrap);
	if (csv && fclose(csv) && !err) {
		fprintf(stderr, "Error: %s: %s\n", o.csv, strerror(errno));
		err = 1;
	}
	return err;
}
