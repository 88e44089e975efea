// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_packet: the packet-path fuzzer.  Drives the real xdplb program (BPF_PROG_TEST_RUN of
 * the fixture's skeleton, frames arriving on lb0 as in the unit tests) over a balancer with
 * VIPs of every kind (config.c), with seeds for every path and their mutations (gen.c), and
 * judges every outcome with an independent checker (check.c).
 *
 *   fuzz_packet [--seed S] [--packets N] [--known FILE] [--list] [--corrupt]
 *   fuzz_packet --seed S --case N -v      replay one case: input, output, verdict, why
 *
 * A run is a sequence of cases (one frame each) in epochs of --epoch cases: each epoch starts
 * from empty flow and persistence tables with the drained and down backends up, makes its
 * establishment flows, then drains and downs them; case N is generated from (S, N) and the
 * state its epoch built, so replaying case N replays its epoch up to N.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <time.h>
#include <arpa/inet.h>
#include "fixture.h"
#include "util/common.h"
#include "fuzz.h"

static struct fixture fx;
static struct fz_state st;
static int ncpus;
static bool verbose, corrupt, trace, brief;
static u64 seed = 1, epoch_len = 50000;

/* ---- failure classes ---- */

struct cls {
	char name[120];
	u64 count, first;
	bool known;
};

static struct cls classes[512];
static int nclasses;
static char known[128][120];
static int nknown;
static bool known_seen[128];

/* '*' matches any run of characters; nothing else is special (class names hold brackets) */
static bool glob(const char *p, const char *s)
{
	if (!*p)
		return !*s;
	if (*p == '*')
		return glob(p + 1, s) || (*s && glob(p, s + 1));
	return *p == *s && glob(p + 1, s + 1);
}

static bool is_known(const char *name)
{
	for (int i = 0; i < nknown; i++)
		if (glob(known[i], name)) {
			known_seen[i] = true;
			return true;
		}
	return false;
}

static int load_known(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f) {
		fprintf(stderr, "fuzz_packet: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) && nknown < 128) {
		char *h = strchr(line, '#'), *e;

		if (h)
			*h = 0;
		e = line + strlen(line);
		while (e > line && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		h = line;
		while (*h == ' ' || *h == '\t')
			h++;
		if (*h)
			snprintf(known[nknown++], sizeof(known[0]), "%s", h);
	}
	fclose(f);
	return 0;
}

/* Count a violation; true when its class is known. */
static bool note_class(const char *name, u64 no)
{
	for (int i = 0; i < nclasses; i++)
		if (!strcmp(classes[i].name, name)) {
			classes[i].count++;
			return classes[i].known;
		}
	if (nclasses == (int)(sizeof(classes) / sizeof(classes[0])))
		return false;
	snprintf(classes[nclasses].name, sizeof(classes[0].name), "%s", name);
	classes[nclasses].count = 1;
	classes[nclasses].first = no;
	classes[nclasses].known = is_known(name);
	return classes[nclasses++].known;
}

/* ---- the balancer ---- */

static int read_events(u64 *out)
{
	for (int i = 0; i < XDPLB_FE_MAX; i++)
		if (lb_read_flow_event(&fx.lb, i, &out[i]))
			return -1;
	return 0;
}

static struct xdplb_flow_key reply_key(const struct fz_tuple *rk)
{
	struct xdplb_flow_key k = { .sport = htons(rk->sport),
				    .dport = htons(rk->dport),
				    .proto = rk->proto,
				    .family =
					(rk->fam & 0x7f) == 4 ? XDPLB_AF_INET : XDPLB_AF_INET6 };

	memcpy(k.src, rk->src, 16);
	memcpy(k.dst, rk->dst, 16);
	return k;
}

/* Does the data plane hold a NAT reply entry for @rk (backend -> client)? */
static int nat_probe(const struct fz_tuple *rk)
{
	struct xdplb_flow_key k = reply_key(rk);

	return !lb_nat_get(&fx.lb, &k, NULL, NULL);
}

/* The backend id of that entry, 0 when there is none. */
static __u32 nat_real(const struct fz_tuple *rk)
{
	struct xdplb_flow_key k = reply_key(rk);
	struct xdplb_flow f;

	return lb_nat_get(&fx.lb, &k, &f, NULL) ? 0 : f.real_id;
}

static struct xdplb_vip_key vip_key(const struct fz_vip *v)
{
	struct xdplb_vip_key k = {};

	memcpy(k.addr, v->a, 16);
	k.port = htons(v->port);
	k.proto = v->proto;
	k.family = v->fam == 4 ? XDPLB_AF_INET : XDPLB_AF_INET6;
	return k;
}

static void cfg_fuzz(struct xdplb_config *c, long arg)
{
	(void)arg;
	c->ring_size = 1021; /* small tables: each epoch rebuilds a few */
	c->flags |= XDPLB_CFG_F_ECHO;
	/* no flow expires during a run (the tracker would see it move) */
	c->tcp_timeout = c->tcpfin_timeout = c->udp_timeout = XDPLB_MAX_TIMEOUT;
}

static int setup(void)
{
	int err = 0;

	if (fx_setup_sized(&fx, 65536, false))
		return -1;
	if (fx_config(&fx, cfg_fuzz, 0))
		return -1;
	for (int i = 0; i < fz_nvips; i++) {
		struct fz_vip *v = &fz_vips[i];
		struct xdplb_vip_key k = vip_key(v);
		struct xdplb_vip p = {
			.mode = v->mode, .sched = v->sched, .flags = v->flags, .persist = v->persist
		};

		err = lb_vip_add(&fx.lb, &k, &p) ?: lb_vip_get(&fx.lb, &k, &p);
		if (err) {
			fprintf(stderr, "setup: vip %s: %s\n", v->name, strerror(-err));
			return -1;
		}
		v->id = p.id;
		for (int b = 0; b < v->nbe; b++) {
			struct fz_backend *be = &v->be[b];
			struct xdplb_real r = { .weight = 1, .port = htons(be->port) };
			int id;

			r.family = be->fam == 4 ? XDPLB_AF_INET : XDPLB_AF_INET6;
			memcpy(r.addr, be->a, 16);
			err = lb_real_add(&fx.lb, &k, &r);
			id = err ? err : lb_real_find(&fx.lb, v->id, r.addr, r.family, r.port);
			if (id < 0 || lb_real_get(&fx.lb, id, &r)) {
				fprintf(stderr, "setup: %s backend %s: %s\n", v->name, be->addr,
					strerror(id < 0 ? -id : errno));
				return -1;
			}
			be->id = id;
			be->gen = r.gen;
			if (be->role == BE_DEAD &&
			    lb_real_set_state(&fx.lb, be->id, be->gen, XDPLB_REAL_DOWN))
				return -1;
		}
	}
	ncpus = libbpf_num_possible_cpus();
	st.read_events = read_events;
	st.nat_probe = nat_probe;
	st.nat_real = nat_real;
	return 0;
}

/* Drained backends get their weight back, down ones come up (before), or the other way. */
static int set_roles(bool changed)
{
	for (int i = 0; i < fz_nvips; i++) {
		struct fz_vip *v = &fz_vips[i];
		struct xdplb_vip_key k = vip_key(v);

		for (int b = 0; b < v->nbe; b++) {
			struct fz_backend *be = &v->be[b];
			int err = 0;

			if (be->role == BE_DRAIN)
				err = lb_real_set_weight(&fx.lb, &k, (__be32 *)be->a,
							 be->fam == 4 ? XDPLB_AF_INET
								      : XDPLB_AF_INET6,
							 htons(be->port), changed ? 0 : 1);
			else if (be->role == BE_DOWN)
				err = lb_real_set_state(&fx.lb, be->id, be->gen,
							changed ? XDPLB_REAL_DOWN : XDPLB_REAL_UP);
			if (err) {
				fprintf(stderr, "fuzz_packet: %s backend %s: %s\n", v->name,
					be->addr, strerror(-err));
				return -1;
			}
		}
	}
	return 0;
}

/* A fresh epoch: no flows, no persistence, rr from the start, every backend as configured. */
static int epoch_start(u32 epoch)
{
	struct xdplb_persist_key key, next;
	__u64 zero = 0;

	if (lb_flow_flush(&fx.lb, 0, NULL) || set_roles(false))
		return -1;
	while (!bpf_map_get_next_key(FX_FD(&fx, persist), NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(FX_FD(&fx, persist), &key))
			return -1;
	}
	for (int i = 0; i < fz_nvips; i++)
		if (fz_vips[i].sched == XDPLB_SCHED_RR &&
		    bpf_map_update_elem(FX_FD(&fx, rr), &fz_vips[i].id, &zero, BPF_ANY))
			return -1;
	fz_state_reset(&st, epoch);
	return 0;
}

/* ---- running a frame ---- */

struct counters {
	u64 pk[XDPLB_R_MAX], by[XDPLB_R_MAX];
};

static int read_counters(struct counters *c)
{
	static struct xdplb_counter *vals;
	static __u32 keys[XDPLB_R_MAX];
	__u32 n = XDPLB_R_MAX, out;
	LIBBPF_OPTS(bpf_map_batch_opts, o);

	if (!vals)
		vals = calloc((size_t)XDPLB_R_MAX * ncpus, sizeof(*vals));
	if (!vals || bpf_map_lookup_batch(FX_FD(&fx, stats), NULL, &out, keys, vals, &n, &o) ||
	    n != XDPLB_R_MAX) {
		/* the last batch ends with ENOENT and the full count */
		if (errno != ENOENT || n != XDPLB_R_MAX)
			return -1;
	}
	for (int r = 0; r < XDPLB_R_MAX; r++) {
		c->pk[keys[r]] = c->by[keys[r]] = 0;
		for (int cpu = 0; cpu < ncpus; cpu++) {
			c->pk[keys[r]] += vals[r * ncpus + cpu].packets;
			c->by[keys[r]] += vals[r * ncpus + cpu].bytes;
		}
	}
	return 0;
}

static u8 outbuf[FZ_BUF];
static struct counters cnt_prev, cnt_now;

static int run_frame(const struct fz_frame *f, struct fz_result *res)
{
	struct xdp_md ctx = { .data_end = f->len, .ingress_ifindex = fx.lb0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = f->d, .data_size_in = f->len,
		    .data_out = outbuf, .data_size_out = sizeof(outbuf), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(fx.prog_fd, &t)) {
		fprintf(stderr, "fuzz_packet: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	if (read_counters(&cnt_now)) {
		fprintf(stderr, "fuzz_packet: reading xdplb_stats: %s\n", strerror(errno));
		return -1;
	}
	res->retval = t.retval;
	res->out = outbuf;
	res->out_len = t.data_size_out;
	res->rose = 0;
	res->reason = -1;
	for (int r = 0; r < XDPLB_R_MAX; r++) {
		u64 d = cnt_now.pk[r] - cnt_prev.pk[r];

		if (!d && cnt_now.by[r] == cnt_prev.by[r])
			continue;
		res->rose++;
		if (d == 1 && cnt_now.by[r] - cnt_prev.by[r] == f->len)
			res->reason = r;
	}
	cnt_prev = cnt_now;
	/* --corrupt: a byte of every frame the balancer sends, to show the checker fails */
	if (corrupt && (t.retval == XDP_TX || t.retval == XDP_REDIRECT) && res->out_len)
		outbuf[res->out_len / 2] ^= 0x01;
	return 0;
}

/* ---- reporting ---- */

static void hex(const char *title, const u8 *d, u32 n)
{
	printf("%s (%u bytes):", title, n);
	for (u32 i = 0; i < n; i++)
		printf("%s%02x", i % 16 ? " " : i ? "\n  " : "\n  ", d[i]);
	printf("\n");
}

static const char *const act_names[8] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					  "XDP_REDIRECT" };

static void show_case(const struct fz_case *c, const struct fz_result *r,
		      const struct fz_verdict *v)
{
	printf("case %llu (seed %llu, epoch %llu), path %s\n", (unsigned long long)c->no,
	       (unsigned long long)seed, (unsigned long long)(c->no / epoch_len),
	       fz_path_names[c->path]);
	printf("made: %s\n", c->how);
	hex("input", c->f.d, c->f.len);
	printf("verdict: %s, counted as %s\n",
	       r->retval >= 0 && r->retval <= 4 ? act_names[r->retval] : "?",
	       r->reason >= 0 ? reason_names[r->reason] : "(not exactly one reason)");
	if (r->retval != XDP_DROP)
		hex("output", r->out, r->out_len);
	printf("checker expected: %s\n", v->expect);
	if (!v->n)
		printf("checker: accepted\n");
	for (int i = 0; i < v->n; i++)
		printf("checker refused: %s%s\n  %s\n", v->v[i].cls,
		       is_known(v->v[i].cls) ? " (known)" : "", v->v[i].detail);
}

/* What replaying the epoch saw of each case, for the history of the replayed case's flow. */
struct hist {
	char note[80];
	u64 no;
	struct fz_tuple key;
	int retval, reason, nviol;
};

static void flow_str(const struct fz_tuple *k, char *out, size_t n)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = (k->fam & 0x7f) == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, k->src, s, sizeof(s));
	inet_ntop(af, k->dst, d, sizeof(d));
	snprintf(out, n, "flow %s %s:%u -> %s:%u", k->proto == 6 ? "tcp" : "udp", s, k->sport, d,
		 k->dport);
}

static void show_history(const struct hist *h, u32 n, const struct fz_verdict *v)
{
	char fl[160];
	bool any = false;

	if (!v->has_key)
		return;
	flow_str(&v->key, fl, sizeof(fl));
	printf("%s, earlier in the epoch:\n", fl);
	for (u32 i = 0; i < n; i++) {
		if (memcmp(&h[i].key, &v->key, sizeof(v->key)))
			continue;
		printf("  case %llu: %s (%s) %s%s\n", (unsigned long long)h[i].no,
		       act_names[h[i].retval >= 0 && h[i].retval <= 4 ? h[i].retval : 0],
		       h[i].reason >= 0 ? reason_names[h[i].reason] : "?", h[i].note,
		       h[i].nviol ? ", refused" : "");
		any = true;
	}
	if (!any)
		printf("  nothing\n");
}

struct path_stat {
	u64 packets, bad, known;
};

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: fuzz_packet [--seed S] [--packets N] [--from N] [--epoch N] [--known FILE]\n"
	    "                   [--list]\n"
	    "                   [--corrupt] [--trace] [--brief] [--case N [-v]]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "packets", required_argument, NULL, 'n' },
		{ "case", required_argument, NULL, 'c' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "from", required_argument, NULL, 'f' },
		{ "known", required_argument, NULL, 'k' },
		{ "list", no_argument, NULL, 'l' },
		{ "corrupt", no_argument, NULL, 'x' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trace", no_argument, NULL, 't' },
		{ "brief", no_argument, NULL, 'b' },
		{},
	};
	static struct path_stat ps[FZ_MAX_PATHS];
	static struct fz_case c;
	struct hist *hist = NULL;
	u32 nhist = 0;
	u64 packets = 200000, one = ~0ull, start = 0, from, to, act[5] = {},
	    reasons[XDPLB_R_MAX] = {};
	u64 unexpected = 0, known_only = 0, clean = 0;
	struct timespec t0, t1;
	bool list = false;
	int opt, pass = 0, fail = 0, skip = 0;
	double secs;

	while ((opt = getopt_long(argc, argv, "s:n:c:e:f:k:lxvtb", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			packets = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			one = strtoull(optarg, NULL, 0);
			break;
		case 'f':
			start = strtoull(optarg, NULL, 0);
			break;
		case 'e':
			epoch_len = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			if (load_known(optarg))
				return 2;
			break;
		case 'l':
			list = true;
			break;
		case 'x':
			corrupt = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 't':
			trace = true;
			break;
		case 'b':
			brief = true;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || !epoch_len || epoch_len <= fz_nest() + 100)
		return usage();
	if (geteuid() != 0) {
		printf("skip: fuzz_packet needs root (BPF_PROG_TEST_RUN)\n0 passed, 0 failed, 1 "
		       "skipped\n");
		return 0;
	}
	fz_config_init();
	fz_paths_init();
	if (setup()) {
		printf("setup failed\n0 passed, 1 failed\n");
		return 1;
	}
	fx_pin_cpu(sched_getcpu());
	if (read_counters(&cnt_prev))
		return 1;
	start -= start % epoch_len; /* a run starts at an epoch */
	from = one == ~0ull ? start : one - one % epoch_len;
	to = one == ~0ull ? start + packets : one + 1;
	if (one == ~0ull && !list)
		printf("fuzz_packet: seed %llu, %llu packets in epochs of %llu (replay a case: "
		       "fuzz_packet --seed %llu --case N -v)\n",
		       (unsigned long long)seed, (unsigned long long)packets,
		       (unsigned long long)epoch_len, (unsigned long long)seed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (u64 no = from; no < to; no++) {
		u32 idx = no % epoch_len;
		struct fz_result r;
		struct fz_verdict v;
		bool bad = false, unk = false;

		if (!idx && epoch_start(no / epoch_len)) {
			fprintf(stderr, "fuzz_packet: epoch start failed\n");
			return 1;
		}
		if (idx == fz_nest()) {
			if (set_roles(true))
				return 1;
			fz_state_phase(&st);
		}
		fz_generate(&c, seed, no, idx, &st);
		if (run_frame(&c.f, &r))
			return 1;
		fz_check(&c.f, &r, &st, &v);
		if (trace) { /* one line a case: what it was and what became of it */
			char fl[160] = "";

			if (v.has_key)
				flow_str(&v.key, fl, sizeof(fl));
			printf("%llu %s | %s | %s %s | %s %s%s%s\n", (unsigned long long)no,
			       fz_path_names[c.path], c.how, act_names[r.retval & 7],
			       r.reason >= 0 ? reason_names[r.reason] : "?", fl, v.note,
			       v.n ? " | " : "", v.n ? v.v[0].cls : "");
		}
		if (one != ~0ull && no != one) {
			/* replaying the epoch up to the case */
			if (!hist)
				hist = calloc(epoch_len, sizeof(*hist));
			if (hist && v.has_key)
				hist[nhist++] = (struct hist){ .no = no,
							       .key = v.key,
							       .retval = r.retval,
							       .reason = r.reason,
							       .nviol = v.n };
			if (hist && v.has_key)
				memcpy(hist[nhist - 1].note, v.note, sizeof(v.note));
			continue;
		}
		if (one != ~0ull) {
			show_case(&c, &r, &v);
			if (hist)
				show_history(hist, nhist, &v);
			return v.n ? 1 : 0;
		}
		act[r.retval >= 0 && r.retval <= 4 ? r.retval : 0]++;
		if (r.reason >= 0)
			reasons[r.reason]++;
		ps[c.path].packets++;
		for (int i = 0; i < v.n; i++) {
			bad = true;
			if (!note_class(v.v[i].cls, no))
				unk = true;
		}
		if (!bad)
			clean++;
		else if (unk)
			unexpected++, ps[c.path].bad++;
		else
			known_only++, ps[c.path].known++;
		if (verbose && unk)
			show_case(&c, &r, &v);
		if (!list && (no + 1) % 1000000 == 0)
			fprintf(stderr, "fuzz_packet: %llu packets\n", (unsigned long long)no + 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (list) {
		for (int i = 0; i < nclasses; i++)
			printf("%s\t%llu\t%llu\n", classes[i].name,
			       (unsigned long long)classes[i].count,
			       (unsigned long long)classes[i].first);
		return 0;
	}
	printf("\n%llu packets in %.1f s: %.0f packets/s\n", (unsigned long long)packets, secs,
	       packets / secs);
	printf("verdicts: drop %llu, pass %llu, tx %llu, redirect %llu, aborted %llu\n",
	       (unsigned long long)act[XDP_DROP], (unsigned long long)act[XDP_PASS],
	       (unsigned long long)act[XDP_TX], (unsigned long long)act[XDP_REDIRECT],
	       (unsigned long long)act[XDP_ABORTED]);
	printf("reasons (packets):\n");
	for (int i = 0; i < XDPLB_R_MAX; i++)
		if (reasons[i])
			printf("  %-20s %10llu\n", reason_names[i], (unsigned long long)reasons[i]);
	printf("  not reached:");
	for (int i = 0; i < XDPLB_R_MAX; i++)
		if (!reasons[i])
			printf(" %s", reason_names[i]);
	printf("\npackets: %llu accepted, %llu with known failures only, %llu with unexpected "
	       "failures\n",
	       (unsigned long long)clean, (unsigned long long)known_only,
	       (unsigned long long)unexpected);
	printf("flow checks not made because the flow table displaced or did not record a flow "
	       "meanwhile: %llu\n",
	       (unsigned long long)st.excused);
	{
		/* the reason counters add up to the packets run (none ran before the first) */
		struct counters end;
		u64 sum = 0;

		if (read_counters(&end))
			return 1;
		for (int i = 0; i < XDPLB_R_MAX; i++)
			sum += end.pk[i];
		printf("reason counters: %llu packets, %s the %llu run\n", (unsigned long long)sum,
		       sum == packets ? "as many as" : "NOT as many as",
		       (unsigned long long)packets);
		if (sum != packets)
			fail++;
	}
	printf("\npaths%s (packets, with known failures only, with unexpected failures):\n",
	       brief ? " failed" : "");
	for (int i = 0; i < fz_npaths; i++) {
		const char *res = !ps[i].packets ? "not reached"
				  : ps[i].bad	 ? "FAILED"
				  : ps[i].known	 ? "known failures"
						 : "ok";

		if (!brief || !ps[i].packets || ps[i].bad)
			printf("  %-28s %9llu %9llu %9llu  %s\n", fz_path_names[i],
			       (unsigned long long)ps[i].packets, (unsigned long long)ps[i].known,
			       (unsigned long long)ps[i].bad, res);
		if (!ps[i].packets || ps[i].bad)
			fail++;
		else if (ps[i].known)
			skip++;
		else
			pass++;
	}
	if (brief && !fail)
		printf("  none\n");
	printf("\nfailure classes (packets, replay case, known):\n");
	for (int i = 0; i < nclasses; i++)
		printf("  %9llu  --case %-10llu %s  %s\n", (unsigned long long)classes[i].count,
		       (unsigned long long)classes[i].first,
		       classes[i].known ? "known     " : "UNEXPECTED", classes[i].name);
	for (int i = 0; i < nknown; i++)
		if (!known_seen[i])
			printf("  known class not seen in this run (fixed, or rare?): %s\n",
			       known[i]);
	printf("\n%d passed, %d failed, %d skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}
