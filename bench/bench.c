// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-packet cost of the balancer's XDP program, measured with BPF_PROG_TEST_RUN.
 *
 *	bench [CSV]       (bench/run.sh runs it; root)
 *
 * One sample = one test run of REPEAT repetitions of bench.bpf.c's wrapper on one frame; the
 * kernel averages the time per repetition (topts.duration, whole ns).  The wrapper restores the
 * frame and tail-calls the program under test: xdplb_xdp_ingress, or the floor (swap MACs,
 * XDP_TX).  Each case sample is taken right after a floor sample on the same frame through
 * the same wrapper; a case reports the median of RUNS samples and median / floor median.
 * The flow table has the production size, once with a shared LRU and once with per-CPU LRU
 * lists (BPF_F_NO_COMMON_LRU), each in its own sandbox (tests/unit/fixture.h).
 */
#include <sched.h>
#include <bpf/bpf.h>
#include "fixture.h"
#include "bench.h"
#include "bench/bench.skel.h"

#define RUNS	  5
#define REPEAT	  1000000
#define MAX_FLOWS (1u << 22) /* production flow table size */

#define VIP	"10.0.0.10" /* TCP port 80, TUN mode, Maglev over three backends */
#define NOT_VIP "10.0.0.99"
#define CLIENT	"192.0.2.1"

static const char *const backends[] = { "10.0.1.11", "10.0.1.12", "10.0.1.13" };

enum { C_ESTABLISHED, C_NEW_FLOW, C_PASS, C_MAX };

struct bench_case {
	const char *name; /* table label */
	const char *id;	  /* CSV label */
	const char *daddr;
	__u8 tcp_flags;
	bool new_src; /* the wrapper writes a new source address into every repetition */
	bool warm;    /* one packet before each sample, so that the flow is in the table */
	int verdict;  /* what every repetition must return */
	int reason;   /* xdplb_stats counter that grows by REPEAT per sample */
	__u32 flows;  /* growth of the VIP's new-flow counter per sample */
	__u32 out_len;
};

static const struct bench_case cases[C_MAX] = {
	[C_ESTABLISHED] = { .name = "established TCP flow (LRU hit)",
			    .id = "established",
			    .daddr = VIP,
			    .tcp_flags = PKT_TCP_ACK,
			    .warm = true,
			    .verdict = XDP_TX,
			    .reason = XDPLB_R_TX,
			    .flows = 0,
			    .out_len = BENCH_FRAME_LEN + 20 },
	[C_NEW_FLOW] = { .name = "new flow (SYN, new source each packet)",
			 .id = "new_flow",
			 .daddr = VIP,
			 .tcp_flags = PKT_TCP_SYN,
			 .new_src = true,
			 .verdict = XDP_TX,
			 .reason = XDPLB_R_TX,
			 .flows = REPEAT,
			 .out_len = BENCH_FRAME_LEN + 20 },
	[C_PASS] = { .name = "non-VIP TCP pass-through",
		     .id = "pass_not_vip",
		     .daddr = NOT_VIP,
		     .tcp_flags = PKT_TCP_ACK,
		     .verdict = XDP_PASS,
		     .reason = XDPLB_R_PASS_NOT_VIP,
		     .flows = 0,
		     .out_len = BENCH_FRAME_LEN },
};

/* One LRU flavour: its samples (ns per packet) and what the flow table held at the end. */
struct phase {
	const char *lru;
	bool percpu;
	double ns[C_MAX][RUNS], floor[C_MAX][RUNS];
	long entries;
};

struct harness {
	struct bench_bpf *wrap;
	int wrap_fd, slots_fd, floor_fd;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v)
{
	double s[RUNS];

	memcpy(s, v, sizeof(s));
	qsort(s, RUNS, sizeof(s[0]), cmp_double);
	return s[RUNS / 2];
}

static double min_of(const double *v)
{
	double m = v[0];

	for (int i = 1; i < RUNS; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double max_of(const double *v)
{
	double m = v[0];

	for (int i = 1; i < RUNS; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* @c's frame from CLIENT:40000 to its destination port 80, zero-padded to BENCH_FRAME_LEN. */
static void build_frame(const struct bench_case *c, struct pkt_buf *b)
{
	pkt_v4_tcp(b, &(struct pkt_spec){ .saddr = ipv4_addr(CLIENT),
					  .daddr = ipv4_addr(c->daddr),
					  .sport = 40000,
					  .dport = 80,
					  .seq = 1,
					  .ack = c->tcp_flags & PKT_TCP_ACK ? 1 : 0,
					  .tcp_flags = c->tcp_flags });
	if (b->len > BENCH_FRAME_LEN)
		pkt_die("frame of %zu bytes", b->len);
	pkt_put(b, NULL, BENCH_FRAME_LEN - b->len);
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

/* One sample of case @c on the balancer, checking that every repetition took the intended
 * path: the counters tell LRU hits from new flows. */
static int sample_case(struct harness *h, struct fixture *fx, __u32 vip_id,
		       const struct bench_case *c, const struct pkt_buf *frame, double *ns)
{
	struct xdplb_counter r0, r1;
	struct xdplb_traffic t0, t1;
	double unused;
	int err;

	err = set_slot(h, fx->prog_fd);
	if (err)
		return err;
	if (c->warm) {
		err = test_run(h, fx->lb0, frame, 1, c->verdict, c->out_len, &unused);
		if (err)
			return err;
	}
	if (lb_read_counter(fx->lb.stats, c->reason, &r0) ||
	    lb_read_traffic(fx->lb.vip_stats, vip_id, &t0)) {
		fprintf(stderr, "Error: %s: can't read the counters\n", c->id);
		return -EIO;
	}
	err = test_run(h, fx->lb0, frame, REPEAT, c->verdict, c->out_len, ns);
	if (err)
		return err;
	if (lb_read_counter(fx->lb.stats, c->reason, &r1) ||
	    lb_read_traffic(fx->lb.vip_stats, vip_id, &t1)) {
		fprintf(stderr, "Error: %s: can't read the counters\n", c->id);
		return -EIO;
	}
	if (r1.packets - r0.packets != REPEAT || t1.flows - t0.flows != c->flows) {
		fprintf(stderr,
			"Error: %s: %llu packets counted as reason %d, %llu new flows (expected "
			"%u, %u)\n",
			c->id, (unsigned long long)(r1.packets - r0.packets), c->reason,
			(unsigned long long)(t1.flows - t0.flows), REPEAT, c->flows);
		return -EINVAL;
	}
	return 0;
}

/* Entries in the flow table, by batches. */
static long count_flows(int fd)
{
	static struct xdplb_flow_key keys[65536];
	static struct xdplb_flow vals[65536];
	__u32 batch, count;
	void *in = NULL;
	long n = 0;
	int err;

	do {
		count = 65536;
		err = bpf_map_lookup_batch(fd, in, &batch, keys, vals, &count, NULL);
		if (err && errno != ENOENT)
			return -errno;
		n += count;
		in = &batch;
	} while (!err);
	return n;
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

/* All cases in a fresh sandbox with a fresh balancer whose flow table uses @p's LRU flavour. */
static int run_phase(struct harness *h, struct phase *p, bool show_prog)
{
	struct xdplb_vip_key vk = fx_vip_key(VIP, 80, IPPROTO_TCP);
	struct pkt_buf frames[C_MAX];
	struct fixture fx = {};
	struct xdplb_vip vip;
	__u32 slot = BENCH_SLOT;
	int err;

	err = fx_setup_sized(&fx, MAX_FLOWS, p->percpu);
	if (err)
		goto out;
	err = fx_vip_add(&fx, VIP, 80, IPPROTO_TCP);
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]) && !err; i++)
		err = fx_real_add(&fx, VIP, 80, IPPROTO_TCP, backends[i], 1);
	if (!err)
		err = lb_vip_get(&fx.lb, &vk, &vip);
	if (err) {
		fprintf(stderr, "Error: vip %s: %s\n", VIP, strerror(-err));
		goto out;
	}
	if (show_prog)
		print_prog_info(fx.prog_fd);
	for (int c = 0; c < C_MAX; c++)
		build_frame(&cases[c], &frames[c]);

	for (int run = 0; run < RUNS; run++) {
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\r%s LRU: run %d/%d", p->lru, run + 1, RUNS);
		for (int c = 0; c < C_MAX; c++) {
			memcpy(h->wrap->bss->bench_frame, frames[c].data, BENCH_FRAME_LEN);
			h->wrap->bss->bench_new_src = cases[c].new_src;
			err = set_slot(h, h->floor_fd);
			if (!err)
				err = test_run(h, fx.lb0, &frames[c], REPEAT, XDP_TX,
					       BENCH_FRAME_LEN, &p->floor[c][run]);
			if (!err)
				err = sample_case(h, &fx, vip.id, &cases[c], &frames[c],
						  &p->ns[c][run]);
			if (err)
				goto out;
		}
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\n");
	p->entries = count_flows(fx.lb.flows);
out:
	bpf_map_delete_elem(h->slots_fd, &slot);
	xdplb_bpf__destroy(fx.skel);
	return err ? 1 : 0;
}

static void print_results(const struct phase *ph, int nph, FILE *csv)
{
	printf("\n%-40s %-7s %8s %11s %9s %6s\n", "case", "lru", "ns/pkt", "(min-max)", "floor ns",
	       "ratio");
	fprintf(csv, "case,lru,ns_median,ns_min,ns_max,floor_ns_median,ratio");
	for (int r = 0; r < RUNS; r++)
		fprintf(csv, ",ns_run%d", r + 1);
	for (int r = 0; r < RUNS; r++)
		fprintf(csv, ",floor_ns_run%d", r + 1);
	fprintf(csv, "\n");

	for (int i = 0; i < nph; i++) {
		for (int c = 0; c < C_MAX; c++) {
			const double *v = ph[i].ns[c], *f = ph[i].floor[c];
			double m = median(v), fm = median(f);
			char range[32];

			snprintf(range, sizeof(range), "%.0f-%.0f", min_of(v), max_of(v));
			printf("%-40s %-7s %8.0f %11s %9.0f %6.2f\n", cases[c].name, ph[i].lru, m,
			       range, fm, m / fm);
			fprintf(csv, "%s,%s,%.0f,%.0f,%.0f,%.0f,%.3f", cases[c].id, ph[i].lru, m,
				min_of(v), max_of(v), fm, m / fm);
			for (int r = 0; r < RUNS; r++)
				fprintf(csv, ",%.0f", v[r]);
			for (int r = 0; r < RUNS; r++)
				fprintf(csv, ",%.0f", f[r]);
			fprintf(csv, "\n");
		}
	}
	printf("floor: bench_swap_mac (swap MACs, XDP_TX) on the same frame through the same "
	       "wrapper; ratio = ns/pkt / floor ns\n");
	for (int i = 0; i < nph; i++)
		printf("flow table after the runs (%s LRU): %ld of %u entries\n", ph[i].lru,
		       ph[i].entries, MAX_FLOWS);
}

int main(int argc, char **argv)
{
	const char *csv_path = argc > 1 ? argv[1] : ".output/bench/results.csv";
	struct phase phases[] = { { .lru = "shared", .percpu = false },
				  { .lru = "per-CPU", .percpu = true } };
	struct harness h = {};
	FILE *csv = NULL;
	cpu_set_t cpus;
	int err = 1;

	if (argc > 2) {
		fprintf(stderr, "Usage: %s [CSV]\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "Error: %s needs root (BPF_PROG_TEST_RUN, namespaces)\n", argv[0]);
		return 1;
	}
	/* One CPU for the whole process: test runs execute where their caller runs, and the
	 * per-CPU state (stats, per-CPU LRU lists, the wrapper's source counter) stays one. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		fprintf(stderr, "Error: pin to CPU 0: %s\n", strerror(errno));
		return 1;
	}
	csv = fopen(csv_path, "w");
	if (!csv) {
		fprintf(stderr, "Error: %s: %s\n", csv_path, strerror(errno));
		return 1;
	}
	h.wrap = bench_bpf__open_and_load();
	if (!h.wrap) {
		fprintf(stderr, "Error: load bench.bpf.o: %s\n", strerror(errno));
		goto out;
	}
	h.wrap_fd = bpf_program__fd(h.wrap->progs.bench_wrap);
	h.floor_fd = bpf_program__fd(h.wrap->progs.bench_swap_mac);
	h.slots_fd = bpf_map__fd(h.wrap->maps.bench_progs);

	printf("BPF_PROG_TEST_RUN, %d-byte TCP frames, median of %d runs x %d packets, CPU 0, "
	       "flow table %u entries\n",
	       BENCH_FRAME_LEN, RUNS, REPEAT, MAX_FLOWS);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		if (run_phase(&h, &phases[i], i == 0))
			goto out;
	}
	print_results(phases, sizeof(phases) / sizeof(phases[0]), csv);
	err = 0;
out:
	bench_bpf__destroy(h.wrap);
	if (csv && fclose(csv) && !err) {
		fprintf(stderr, "Error: %s: %s\n", csv_path, strerror(errno));
		err = 1;
	}
	return err;
}
