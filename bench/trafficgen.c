// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Throughput on veth: a traffic source made of BPF_PROG_RUN live frames, and counters on the
 * backends (bench/veth.sh builds the namespaces and runs this once per case).
 *
 *	trafficgen --gen NS:IF --to NS:IF --dst ADDR:PORT --backend NS:IF:ADDR [--backend ...]
 *		   [--udp] [--syn] [--flows N] [--expect vip|real|ipip] [--forward NS:IF:OUT,...]
 *		   [--seconds S] [--warmup S] [--cpu N[,N...]] [--verify N] [--hold NS:IF ...]
 *	trafficgen --probe
 *
 * --gen      the source's namespace and interface: frames are injected there (gen_tx returns
 *            XDP_TX, which live-frames mode turns into a transmit on that interface) and go
 *            to its peer, --to, whose MAC is their destination.
 * --backend  a backend's namespace, interface and address: gen_count is attached there
 *            (native XDP, as a link that goes away with this process) and counts and drops.
 * --forward  the trivial forwarder on NS:IF (the balancer's place), towards backend i through
 *            the namespace's interface OUT i.
 * --flows    packet i belongs to flow i % N (default 4096); 0: every packet a new flow.  With
 *            several sources each has N flows of its own (disjoint), or its own range of new
 *            flows.
 * --verify   first N frames (default 100000) with the counters checking every frame as
 *            --expect says the balancer must deliver it: any bad frame fails the run.
 * --hold     an interface that carries no traffic (a veth pair left down): gen_tx is attached
 *            there too, for the whole run, only so that it stays in the kernel's XDP
 *            dispatcher.  Every BPF_PROG_RUN of an XDP program adds it to the dispatcher and
 *            removes it again unless something else holds it there, and each change waits
 *            for an RCU grace period: two per test run, which left the CPU idle for about a
 *            quarter of every run (about 30 ms of each 95 ms chunk) and so added the same
 *            time to every case, whatever the balancer.  One --hold per source: source i's
 *            copy of gen_tx is held on the i-th.
 * --cpu      the CPUs of the sources, one source each (default 0): a thread pinned there that
 *            runs its own copy of gen_tx (its own sequence and flows, nothing shared with the
 *            other sources).
 * --probe    nothing but: can this kernel run live-frame test runs?  A bare XDP_DROP program,
 *            one frame.  Exit 0 if it can; else one line on stderr that says what was refused
 *            and exit 77.  TRAFFICGEN_PROBE_ERRNO=N (a test hook) makes the test run's answer
 *            errno N without asking the kernel.
 *
 * Each source runs on one CPU: the test run transmits from that thread, and the veth receive
 * queue it feeds (veth picks the peer's queue by the sending CPU: CPU % queues) is polled in
 * softirq context on the same CPU, so with one source the source, the balancer and the
 * counters share one CPU, and with one source per CPU on veths of as many queues each CPU
 * carries a path of its own.  Prints one line of key=value results.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "trafficgen.h"
#include "bench/gen.skel.h"

#define CHUNK	    (1u << 18) /* frames per test run */
#define MAX_BACKEND GEN_MAX_OUT
#define MAX_SOURCE  8
#define SKIPPED	    77 /* --probe: live-frame test runs refused (the automake "skipped" status) */

struct endpoint {
	char ns[64], ifname[IFNAMSIZ];
	int ifindex;
	__u8 mac[6];
	__be32 addr;
};

struct counter {
	struct endpoint ep;
	struct gen_bpf *skel;
	struct bpf_link *link;
};

struct opts {
	struct endpoint gen, to, fwd_in, fwd_out[MAX_BACKEND], hold[MAX_SOURCE];
	struct counter be[MAX_BACKEND];
	int nbe, nfwd, nhold;
	bool forward, udp, syn;
	__be32 dst;
	__be16 dport;
	__u32 flows, verify;
	int expect, cpu[MAX_SOURCE], nsrc;
	double seconds, warmup;
};

/* A source: a thread on one CPU injecting frames with its own copy of gen_tx. */
struct source {
	struct gen_bpf *skel;
	struct bpf_link *hold_link;
	const struct opts *o;
	pthread_t thread;
	_Atomic pid_t tid;
	bool started;
	int cpu, err;
	/*
	 * While measured: ns the thread waited on its CPU's run queue (something else ran), ns
	 * that the CPU's ksoftirqd ran (the data path, when softirqs are deferred to it: the
	 * source's own work), the CPU's steal time (the hypervisor ran something else) in
	 * USER_HZ ticks, and all of the CPU's ticks.
	 */
	int softirqd; /* ksoftirqd/cpu's pid, 0 if not found */
	__u64 delay[2], softirq[2], steal[2], ticks[2];
	__u64 sent;	   /* frames sent from start to end */
	double start, end; /* its first chunk's end after measure_from, its last chunk's end */
};

static int orig_ns = -1;
/* the sources count their frames from the first chunk that ends after this time, and stop
 * after the chunk during which stop is set (or after the first chunk they count, if later) */
static double measure_from;
static atomic_int stop;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Enter named network namespace @ns (ip netns), or go back to ours with NULL. */
static int ns_enter(const char *ns)
{
	char path[128];
	int fd, err = 0;

	if (!ns)
		return setns(orig_ns, CLONE_NEWNET) ? -errno : 0;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err)
		fprintf(stderr, "Error: netns %s: %s\n", ns, strerror(-err));
	return err;
}

/* ifindex and MAC of @ep, looked up in its namespace (the caller is in it). */
static int ep_lookup(struct endpoint *ep)
{
	struct ifreq ifr = {};
	int s, err = 0;

	ep->ifindex = if_nametoindex(ep->ifname);
	if (!ep->ifindex) {
		fprintf(stderr, "Error: %s in %s: %s\n", ep->ifname, ep->ns, strerror(errno));
		return -ENODEV;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ep->ifname);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr)) {
		err = -errno;
		fprintf(stderr, "Error: MAC of %s in %s: %s\n", ep->ifname, ep->ns,
			strerror(errno));
	} else {
		memcpy(ep->mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	if (s >= 0)
		close(s);
	return err;
}

static int ep_resolve(struct endpoint *ep)
{
	int err = ns_enter(ep->ns);

	if (!err)
		err = ep_lookup(ep);
	return ns_enter(NULL) ?: err;
}

/* "NS:IF[:ADDR]" */
static int parse_ep(const char *s, struct endpoint *ep, bool want_addr)
{
	char buf[160], *ifn, *addr;

	snprintf(buf, sizeof(buf), "%s", s);
	ifn = strchr(buf, ':');
	if (!ifn)
		return -1;
	*ifn++ = 0;
	addr = strchr(ifn, ':');
	if (addr)
		*addr++ = 0;
	if ((addr != NULL) != want_addr || strlen(buf) >= sizeof(ep->ns) ||
	    strlen(ifn) >= sizeof(ep->ifname))
		return -1;
	snprintf(ep->ns, sizeof(ep->ns), "%s", buf);
	snprintf(ep->ifname, sizeof(ep->ifname), "%s", ifn);
	return addr && inet_pton(AF_INET, addr, &ep->addr) != 1 ? -1 : 0;
}

/* Ones'-complement sum of @len bytes (even) as network-order words read in host order. */
static __u32 sum16(const void *p, size_t len, __u32 s)
{
	const __u16 *w = p;

	for (size_t i = 0; i < len / 2; i++)
		s += w[i];
	return s;
}

static __u16 fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The template frame: source address and port 0, checksums right for those zeros. */
static void build_frame(struct gen_cfg *c, const struct opts *o)
{
	unsigned char *f = (unsigned char *)c->frame, *ip = f + 14, *l4 = ip + 20;
	__u16 l4len = o->udp ? 8 + GEN_UDP_PAYLOAD : 20, tot = 20 + l4len;
	__u32 s;

	memset(c, 0, sizeof(*c));
	memcpy(f, o->to.mac, 6);
	memcpy(f + 6, o->gen.mac, 6);
	f[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	*(__be16 *)(ip + 2) = htons(tot);
	*(__be16 *)(ip + 6) = htons(0x4000); /* DF */
	ip[8] = 64;
	ip[9] = o->udp ? IPPROTO_UDP : IPPROTO_TCP;
	memcpy(ip + 16, &o->dst, 4);
	*(__u16 *)(ip + 10) = ~fold(sum16(ip, 20, 0));

	*(__be16 *)(l4 + 2) = o->dport;
	if (o->udp) {
		*(__be16 *)(l4 + 4) = htons(l4len);
		memcpy(l4 + 8, "xdplb veth benchmark", GEN_UDP_PAYLOAD);
	} else {
		*(__be32 *)(l4 + 4) = htonl(1);		     /* seq */
		*(__be32 *)(l4 + 8) = htonl(o->syn ? 0 : 1); /* ack */
		l4[12] = 5 << 4;
		l4[13] = o->syn ? 0x02 : 0x10; /* SYN or ACK */
		*(__be16 *)(l4 + 14) = htons(65535);
	}
	/* pseudo-header: addresses (source 0), protocol, L4 length */
	s = sum16(ip + 12, 8, 0) + htons(ip[9]) + htons(l4len);
	*(__u16 *)(l4 + (o->udp ? 6 : 16)) = ~fold(sum16(l4, l4len, s));
	if (o->udp && !*(__u16 *)(l4 + 6))
		*(__u16 *)(l4 + 6) = 0xffff;
	c->len = o->udp ? GEN_UDP_FRAME_LEN : GEN_TCP_FRAME_LEN;
	c->flows = o->flows;
	c->src_base = GEN_SRC_BASE;
	c->proto = ip[9];
}

static struct gen_bpf *load(const char *prog)
{
	struct gen_bpf *skel = gen_bpf__open();
	struct bpf_program *p;

	if (!skel) {
		fprintf(stderr, "Error: open gen.bpf.o: %s\n", strerror(errno));
		return NULL;
	}
	bpf_object__for_each_program(p, skel->obj)
	    bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), prog));
	if (gen_bpf__load(skel)) {
		fprintf(stderr, "Error: load %s: %s\n", prog, strerror(errno));
		gen_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Attach @prog of @skel to @ep (in its namespace) as a link. */
static struct bpf_link *attach(struct gen_bpf *skel, struct bpf_program *prog, struct endpoint *ep)
{
	struct bpf_link *link = NULL;

	if (ns_enter(ep->ns))
		return NULL;
	link = bpf_program__attach_xdp(prog, ep->ifindex);
	if (!link)
		fprintf(stderr, "Error: attach %s to %s in %s: %s\n", bpf_program__name(prog),
			ep->ifname, ep->ns, strerror(errno));
	ns_enter(NULL);
	return link;
}

static void read_counts(struct counter *c, struct gen_counts *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct gen_counts v[ncpu > 0 ? ncpu : 1];
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.gen_counts), &zero, v))
		return;
	for (int i = 0; i < ncpu; i++) {
		sum->packets += v[i].packets;
		sum->bytes += v[i].bytes;
		sum->bad += v[i].bad;
		sum->foreign += v[i].foreign;
	}
}

/* The first frame that failed the checks at backend @c, if any. */
static void print_bad(struct counter *c)
{
	__u32 len = c->skel->bss->bad_len;

	if (!len)
		return;
	fprintf(stderr, "  first frame that failed the checks at %s (%u bytes):", c->ep.ns, len);
	for (__u32 i = 0; i < len && i < GEN_FRAME_MAX; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", c->skel->bss->bad_frame[i]);
	fprintf(stderr, "\n");
}

/* Inject @n frames (test runs of up to CHUNK); the caller is in the source's namespace. */
static int inject(int prog_fd, const struct gen_cfg *c, int ifindex, __u64 n)
{
	struct xdp_md ctx = { .data_end = c->len, .ingress_ifindex = ifindex };

	while (n) {
		__u32 k = n > CHUNK ? CHUNK : n;
		LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = c->frame, .data_size_in = c->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = k,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(prog_fd, &topts)) {
			fprintf(stderr, "Error: BPF_PROG_RUN live frames: %s\n", strerror(errno));
			return -errno;
		}
		n -= k;
	}
	return 0;
}

static int pin(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		fprintf(stderr, "Error: pin to CPU %d: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

/* A source's thread: pinned to its CPU, in the source's namespace, injects chunks until
 * stop; counts the frames of the chunks that end after measure_from. */
static void *source_run(void *arg)
{
	struct source *s = arg;
	int prog_fd = bpf_program__fd(s->skel->progs.gen_tx);
	double t;

	atomic_store(&s->tid, gettid());
	if (pin(s->cpu) || ns_enter(s->o->gen.ns)) {
		s->err = 1;
		return NULL;
	}
	while (!atomic_load(&stop) || !s->sent) {
		if (inject(prog_fd, &s->skel->bss->gen_cfg, s->o->gen.ifindex, CHUNK)) {
			s->err = 1;
			break;
		}
		t = now_s();
		if (s->started) {
			s->sent += CHUNK;
			s->end = t;
		} else if (t >= measure_from) {
			s->started = true;
			s->start = s->end = t;
		}
	}
	return NULL;
}

/* What shared the CPUs of the sources while measured, in @s[].delay, steal, ticks[@k]: each
 * source thread's run-queue wait (schedstat), its CPU's steal and total time (/proc/stat). */
static void read_sharing(struct source *s, int n, int k)
{
	unsigned long long v[8];
	char path[64], line[256];
	FILE *f;
	int cpu;

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)s[i].tid);
		f = fopen(path, "re");
		if (f && fscanf(f, "%*s %llu", &v[0]) == 1)
			s[i].delay[k] = v[0];
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "/proc/%d/schedstat", s[i].softirqd);
		f = s[i].softirqd ? fopen(path, "re") : NULL;
		if (f && fscanf(f, "%llu", &v[0]) == 1)
			s[i].softirq[k] = v[0];
		if (f)
			fclose(f);
	}
	f = fopen("/proc/stat", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 9)
			continue;
		for (int i = 0; i < n; i++) {
			if (s[i].cpu != cpu)
				continue;
			s[i].steal[k] = v[7];
			s[i].ticks[k] = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		}
	}
	if (f)
		fclose(f);
}

/* The pid of ksoftirqd/@cpu, 0 if not found. */
static int find_softirqd(int cpu)
{
	char want[32], path[300], comm[32];
	struct dirent *d;
	int pid = 0;
	DIR *dir;
	FILE *f;

	snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
	dir = opendir("/proc");
	while (dir && !pid && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "re");
		if (f && fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
			pid = atoi(d->d_name);
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return pid;
}

/* --probe: a bare XDP_DROP program, one live frame; 0 if the kernel runs it, else SKIPPED
 * and one line on stderr naming what was refused. */
static int probe(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned char frame[GEN_TCP_FRAME_LEN] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	const char *fake = getenv("TRAFFICGEN_PROBE_ERRNO");
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "probe_drop", "Dual BSD/GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd < 0) {
		fprintf(stderr, "this kernel refuses to load an XDP program (BPF_PROG_LOAD: %s)\n",
			strerror(errno));
		return SKIPPED;
	}
	if (fake && *fake)
		err = atoi(fake);
	else
		err = bpf_prog_test_run_opts(fd, &topts) ? errno : 0;
	close(fd);
	if (!err)
		return 0;
	fprintf(stderr,
		"this kernel refuses live-frame test runs (BPF_PROG_TEST_RUN with "
		"BPF_F_TEST_XDP_LIVE_FRAMES: %s%s)\n",
		strerror(err), err == EINVAL ? "; the flag came in Linux 5.18" : "");
	return SKIPPED;
}

static void usage(const char *bin)
{
	fprintf(stderr,
		"Usage: %s --gen NS:IF --to NS:IF --dst ADDR:PORT --backend NS:IF:ADDR ...\n"
		"          [--udp] [--syn] [--flows N] [--expect vip|real|ipip]\n"
		"          [--forward NS:IF:OUT,...] [--seconds S] [--warmup S] [--cpu N[,N...]]\n"
		"          [--verify N] [--hold NS:IF ...]\n"
		"       %s --probe\n",
		bin, bin);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "gen", required_argument, NULL, 'g' },
		{ "to", required_argument, NULL, 't' },
		{ "dst", required_argument, NULL, 'd' },
		{ "backend", required_argument, NULL, 'b' },
		{ "udp", no_argument, NULL, 'u' },
		{ "syn", no_argument, NULL, 's' },
		{ "flows", required_argument, NULL, 'f' },
		{ "expect", required_argument, NULL, 'e' },
		{ "forward", required_argument, NULL, 'F' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "verify", required_argument, NULL, 'v' },
		{ "hold", required_argument, NULL, 'H' },
		{ 0 },
	};
	char buf[256], *p, *tok;
	int opt;

	memset(o, 0, sizeof(*o));
	o->flows = 4096;
	o->seconds = 3;
	o->warmup = 0.5;
	o->verify = 100000;
	o->nsrc = 1; /* CPU 0 */
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) >= 0) {
		switch (opt) {
		case 'g':
			if (parse_ep(optarg, &o->gen, false))
				return -1;
			break;
		case 't':
			if (parse_ep(optarg, &o->to, false))
				return -1;
			break;
		case 'd':
			snprintf(buf, sizeof(buf), "%s", optarg);
			p = strchr(buf, ':');
			if (!p)
				return -1;
			*p++ = 0;
			if (inet_pton(AF_INET, buf, &o->dst) != 1)
				return -1;
			o->dport = htons(atoi(p));
			break;
		case 'b':
			if (o->nbe == MAX_BACKEND || parse_ep(optarg, &o->be[o->nbe++].ep, true))
				return -1;
			break;
		case 'u':
			o->udp = true;
			break;
		case 's':
			o->syn = true;
			break;
		case 'f':
			o->flows = strtoul(optarg, NULL, 0);
			break;
		case 'e':
			if (!strcmp(optarg, "vip"))
				o->expect = GEN_EXPECT_VIP;
			else if (!strcmp(optarg, "real"))
				o->expect = GEN_EXPECT_REAL;
			else if (!strcmp(optarg, "ipip"))
				o->expect = GEN_EXPECT_IPIP;
			else
				return -1;
			break;
		case 'F': /* NS:IF:OUT,OUT,... */
			snprintf(buf, sizeof(buf), "%s", optarg);
			p = strrchr(buf, ':');
			if (!p)
				return -1;
			*p++ = 0;
			if (parse_ep(buf, &o->fwd_in, false))
				return -1;
			o->forward = true;
			for (tok = strtok(p, ","); tok; tok = strtok(NULL, ",")) {
				if (o->nfwd == GEN_MAX_OUT || strlen(tok) >= IFNAMSIZ)
					return -1;
				snprintf(o->fwd_out[o->nfwd].ns, sizeof(o->fwd_out[0].ns), "%s",
					 o->fwd_in.ns);
				snprintf(o->fwd_out[o->nfwd++].ifname, IFNAMSIZ, "%s", tok);
			}
			break;
		case 'S':
			o->seconds = atof(optarg);
			break;
		case 'W':
			o->warmup = atof(optarg);
			break;
		case 'c': /* N[,N...] */
			snprintf(buf, sizeof(buf), "%s", optarg);
			o->nsrc = 0;
			for (tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
				if (o->nsrc == MAX_SOURCE)
					return -1;
				o->cpu[o->nsrc++] = atoi(tok);
			}
			break;
		case 'v':
			o->verify = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			if (o->nhold == MAX_SOURCE || parse_ep(optarg, &o->hold[o->nhold++], false))
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || !o->gen.ns[0] || !o->to.ns[0] || !o->dst || !o->nbe ||
	    (o->forward && o->nfwd != o->nbe) || o->seconds <= 0 || !o->nsrc ||
	    (o->nhold && o->nhold < o->nsrc) || (__u64)o->flows * o->nsrc > (1ull << 32))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_bpf *fwd = NULL;
	struct bpf_link *fwd_link = NULL;
	struct source src[MAX_SOURCE] = {};
	struct gen_counts c0[MAX_BACKEND], c1[MAX_BACKEND];
	__u64 rx = 0, bad = 0, foreign = 0;
	struct opts o;
	double t0 = 0, t1 = 0, sent_pps = 0;
	int err = 1, nstarted = 0;

	if (argc == 2 && !strcmp(argv[1], "--probe"))
		return probe();
	if (parse_opts(argc, argv, &o)) {
		usage(argv[0]);
		return 2;
	}
	/* the verify phase and the measurement's clock: on the first source's CPU */
	if (pin(o.cpu[0]))
		return 1;
	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ns < 0 || ep_resolve(&o.gen) || ep_resolve(&o.to))
		return 1;

	for (int i = 0; i < o.nbe; i++) {
		struct counter *c = &o.be[i];

		if (ep_resolve(&c->ep))
			goto out;
		c->skel = load("gen_count");
		if (!c->skel)
			goto out;
		memcpy(c->skel->bss->count_cfg.mac, c->ep.mac, 6);
		c->skel->bss->count_cfg.expect = o.expect;
		c->skel->bss->count_cfg.addr = c->ep.addr;
		c->skel->bss->count_cfg.vip = o.dst;
		c->skel->bss->count_cfg.vport = o.dport;
		c->link = attach(c->skel, c->skel->progs.gen_count, &c->ep);
		if (!c->link)
			goto out;
	}
	if (o.forward) {
		if (ep_resolve(&o.fwd_in))
			goto out;
		fwd = load("gen_fwd");
		if (!fwd)
			goto out;
		for (int i = 0; i < o.nfwd; i++) {
			if (ep_resolve(&o.fwd_out[i]))
				goto out;
			fwd->bss->fwd_ports[i].ifindex = o.fwd_out[i].ifindex;
			memcpy(fwd->bss->fwd_ports[i].smac, o.fwd_out[i].mac, 6);
			memcpy(fwd->bss->fwd_ports[i].dmac, o.be[i].ep.mac, 6);
		}
		fwd->bss->fwd_n = o.nfwd;
		fwd_link = attach(fwd, fwd->progs.gen_fwd, &o.fwd_in);
		if (!fwd_link)
			goto out;
	}
	for (int i = 0; i < o.nsrc; i++) {
		struct source *s = &src[i];
		struct gen_cfg *cfg;

		s->o = &o;
		s->cpu = o.cpu[i];
		s->softirqd = find_softirqd(s->cpu);
		s->skel = load("gen_tx");
		if (!s->skel)
			goto out;
		cfg = &s->skel->bss->gen_cfg;
		build_frame(cfg, &o);
		/* flows of its own: the next N, or an equal share of the 2^32 new ones */
		cfg->flow_base = o.flows ? i * o.flows : (__u32)((1ull << 32) / o.nsrc * i);
		if (o.nhold) {
			if (ep_resolve(&o.hold[i]))
				goto out;
			s->hold_link = attach(s->skel, s->skel->progs.gen_tx, &o.hold[i]);
			if (!s->hold_link)
				goto out;
		}
	}
	if (ns_enter(o.gen.ns)) /* the test run resolves ingress_ifindex here */
		goto out;

	if (o.verify) {
		for (int i = 0; i < o.nbe; i++) {
			o.be[i].skel->bss->count_cfg.verify = 1;
			read_counts(&o.be[i], &c0[i]);
		}
		if (inject(bpf_program__fd(src[0].skel->progs.gen_tx), &src[0].skel->bss->gen_cfg,
			   o.gen.ifindex, o.verify))
			goto out;
		for (int i = 0; i < o.nbe; i++) {
			read_counts(&o.be[i], &c1[i]);
			o.be[i].skel->bss->count_cfg.verify = 0;
			rx += c1[i].packets - c0[i].packets;
			bad += c1[i].bad - c0[i].bad;
			foreign += c1[i].foreign - c0[i].foreign;
		}
		/* a stray frame of the system's own may cross a link; many may not */
		if (bad || !rx || foreign * 1000 > o.verify) {
			fprintf(
			    stderr,
			    "Error: verify: %llu of %u frames reached the backends, %llu of them "
			    "not as expected, %llu frames not from the source\n",
			    (unsigned long long)rx, o.verify, (unsigned long long)bad,
			    (unsigned long long)foreign);
			for (int i = 0; i < o.nbe; i++)
				print_bad(&o.be[i]);
			goto out;
		}
		rx = 0;
	}

	/*
	 * The sources inject without a pause from now until stop; the backends' counters are
	 * read after the warm-up and `seconds` later, while every source is busy.  Each source
	 * counts what it sent over its own whole chunks in that time, for sent_pps.
	 */
	measure_from = now_s() + o.warmup;
	for (int i = 0; i < o.nsrc; i++) {
		errno = pthread_create(&src[i].thread, NULL, source_run, &src[i]);
		if (errno) {
			fprintf(stderr, "Error: thread for CPU %d: %s\n", src[i].cpu,
				strerror(errno));
			atomic_store(&stop, 1);
			break;
		}
		nstarted++;
	}
	if (nstarted == o.nsrc) {
		struct timespec ts;

		while ((t0 = now_s()) < measure_from) {
			ts.tv_sec = 0;
			ts.tv_nsec = (measure_from - t0) * 1e9 + 1;
			nanosleep(&ts, NULL);
		}
		for (int i = 0; i < o.nbe; i++)
			read_counts(&o.be[i], &c0[i]);
		t0 = now_s();
		read_sharing(src, o.nsrc, 0);
		ts.tv_sec = (time_t)o.seconds;
		ts.tv_nsec = (o.seconds - ts.tv_sec) * 1e9;
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		for (int i = 0; i < o.nbe; i++)
			read_counts(&o.be[i], &c1[i]);
		t1 = now_s();
		read_sharing(src, o.nsrc, 1);
		atomic_store(&stop, 1);
	}
	for (int i = 0; i < nstarted; i++)
		pthread_join(src[i].thread, NULL);
	if (nstarted < o.nsrc)
		goto out;
	for (int i = 0; i < o.nsrc; i++) {
		if (src[i].err)
			goto out;
		if (src[i].end <= src[i].start) {
			fprintf(stderr,
				"Error: the source on CPU %d sent no whole chunk while measured\n",
				src[i].cpu);
			goto out;
		}
		sent_pps += src[i].sent / (src[i].end - src[i].start);
	}
	printf("seconds=%.3f sources=%d sent_pps=%.0f", t1 - t0, o.nsrc, sent_pps);
	for (int i = 0; i < o.nsrc; i++) {
		struct source *s = &src[i];
		__u64 ticks = s->ticks[1] - s->ticks[0];
		double wait = 100.0 * (s->delay[1] - s->delay[0]) / 1e9 / (t1 - t0);
		double softirq = 100.0 * (s->softirq[1] - s->softirq[0]) / 1e9 / (t1 - t0);

		/* others: what the source waited for that was not its CPU's ksoftirqd */
		printf(" sent_cpu%d_pps=%.0f wait_cpu%d_pct=%.1f softirqd_cpu%d_pct=%.1f "
		       "others_cpu%d_pct=%.1f steal_cpu%d_pct=%.1f",
		       s->cpu, s->sent / (s->end - s->start), s->cpu, wait, s->cpu, softirq, s->cpu,
		       wait > softirq ? wait - softirq : 0.0, s->cpu,
		       ticks ? 100.0 * (s->steal[1] - s->steal[0]) / ticks : 0.0);
	}
	for (int i = 0; i < o.nbe; i++) {
		rx += c1[i].packets - c0[i].packets;
		printf(" rx%d_pps=%.0f", i + 1, (c1[i].packets - c0[i].packets) / (t1 - t0));
	}
	printf(" rx_pps=%.0f lost_pct=%.2f verified=%u foreign=%llu\n", rx / (t1 - t0),
	       sent_pps * (t1 - t0) > rx ? 100.0 * (1 - rx / (t1 - t0) / sent_pps) : 0.0, o.verify,
	       (unsigned long long)foreign);
	err = 0;
out:
	if (orig_ns >= 0)
		ns_enter(NULL);
	bpf_link__destroy(fwd_link);
	gen_bpf__destroy(fwd);
	for (int i = 0; i < o.nsrc; i++) {
		bpf_link__destroy(src[i].hold_link);
		gen_bpf__destroy(src[i].skel);
	}
	for (int i = 0; i < o.nbe; i++) {
		bpf_link__destroy(o.be[i].link);
		gen_bpf__destroy(o.be[i].skel);
	}
	return err;
}
