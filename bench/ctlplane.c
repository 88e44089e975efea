// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Control-plane costs: how long configuration changes take and how much memory the maps hold.
 *
 *	ctlplane [--vips N] [--cli-vips N] [--only CASE] [--xdplb PATH] [CSV]   (root)
 *
 * Everything happens in a sandbox (private network and mount namespaces, private bpffs,
 * tests/unit/sandbox.h).  The balancer is attached to a veth by the real CLI (`xdplb dev
 * attach`, default sizes), so the maps are the ones a user gets; the lb.h cases then open the
 * pinned maps and take the lock as a CLI command does.
 *
 * Cases (each in its own attach, so that one does not inherit the other's state):
 *   vips        --vips VIPs (default 100) x 10 backends through lb.h, one call per change
 *               (lb_vip_add, lb_real_add): every call leaves a complete table behind
 *   vips_bulk   1000 VIPs x 10 backends in bulk mode (lb_bulk_begin() ... lb_bulk_end()):
 *               tables built once per VIP, at the end
 *   cli_batch   the same 1000 x 10 as one `xdplb batch file FILE` (what a user runs: parse,
 *               validate against the configuration, apply in bulk mode, build the tables)
 *   cli         --cli-vips VIPs x 10 backends with one `xdplb` process per change
 *   rebuild     lb_table_rebuild() of one VIP with 1000 backends, mh and wrr (median of 11)
 *   memory      memlock of every map (/proc/self/fdinfo), per entry and per object
 * Tables are checked after the runs: the right length, only the VIP's own backends, every
 * backend present.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "sandbox.h"
#include "lib/lb.h"

#define REALS_PER_VIP 10
#define BIG_VIP_REALS 1000
#define RUNS	      11
#define DEF_VIPS      100
#define BATCH_VIPS    1000
#define DEF_CLI_VIPS  20

extern char **environ;

struct opts {
	const char *only; /* run just this case */
	int vips, cli_vips;
	const char *xdplb, *csv;
};

static FILE *csv;
static int attaches;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void result(const char *id, const char *what, double value, const char *unit)
{
	printf("  %-52s %12.3f %s\n", what, value, unit);
	fprintf(csv, "%s,%.6f,%s\n", id, value, unit);
}

/* VIP v (0-based): TCP 10.100.0.0 + v + 1 port 80, Maglev, TUN. */
static struct xdplb_vip_key vip_key(int v)
{
	struct xdplb_vip_key k = {};

	k.addr[0] = htonl(0x0a640000u + v + 1);
	k.port = htons(80);
	k.proto = IPPROTO_TCP;
	k.family = XDPLB_AF_INET;
	return k;
}

/* Backend r of VIP v: 10.128.0.0 + v * 1024 + r + 1 (unique over all VIPs). */
static struct xdplb_real real_of(int v, int r, __u32 weight)
{
	struct xdplb_real x = {};

	x.addr[0] = htonl(0x0a800000u + v * 1024 + r + 1);
	x.family = XDPLB_AF_INET;
	x.weight = weight;
	return x;
}

/* A fresh veth with the balancer attached by the CLI, state pinned under @pin. */
static int attach(const struct opts *o, char *pin, size_t len)
{
	int n = attaches++;

	/* the previous case's maps go first: each attach holds about 270 MiB, tables more */
	if (n && sandbox_sh("%s --bpffs /sys/fs/bpf/xdplb%d dev detach dev cp%da >/dev/null && "
			    "rm -rf /sys/fs/bpf/xdplb%d",
			    o->xdplb, n - 1, n - 1, n - 1))
		return -1;
	snprintf(pin, len, "/sys/fs/bpf/xdplb%d", n);
	if (sandbox_sh("ip link add cp%da type veth peer name cp%db && ip link set cp%da up && "
		       "ip link set cp%db up && ip addr add 10.1.%d.1/24 dev cp%da",
		       n, n, n, n, n, n))
		return -1;
	/* its notes (forwarding off, accept_local set) do not matter here */
	return sandbox_sh("%s --bpffs %s dev attach dev cp%da >/dev/null 2>&1 || "
			  "%s --bpffs %s dev attach dev cp%da",
			  o->xdplb, pin, n, o->xdplb, pin, n);
}

static int open_locked(struct lb *lb, const char *pin)
{
	int err = lb_open(lb, pin);

	if (!err)
		err = lb_lock(lb, pin);
	if (err)
		fprintf(stderr, "Error: open %s: %s\n", pin, strerror(-err));
	return err;
}

/* The table of @vip_id holds exactly the backends @ids[0..n-1], each at least once, and has
 * length @len (0 = do not check). */
static int check_table(struct lb *lb, __u32 vip_id, const __u32 *ids, int n, __u32 len)
{
	__u32 *t = calloc(XDPLB_MAX_RING_SIZE, sizeof(*t));
	unsigned char *seen = calloc(n, 1);
	int got, err = -EINVAL;

	if (!t || !seen)
		goto out;
	got = lb_table_read(lb, vip_id, t, XDPLB_MAX_RING_SIZE);
	if (got < 0 || (len && (__u32)got != len)) {
		fprintf(stderr, "Error: VIP id %u: table length %d, expected %u\n", vip_id, got,
			len);
		goto out;
	}
	for (int s = 0; s < got; s++) {
		int i;

		for (i = 0; i < n && ids[i] != t[s]; i++)
			;
		if (i == n) {
			fprintf(stderr, "Error: VIP id %u: slot %d holds %u, not its backend\n",
				vip_id, s + 1, t[s]);
			goto out;
		}
		seen[i] = 1;
	}
	for (int i = 0; i < n; i++) {
		if (!seen[i]) {
			fprintf(stderr, "Error: VIP id %u: backend %u is in no slot\n", vip_id,
				ids[i]);
			goto out;
		}
	}
	err = 0;
out:
	free(seen);
	free(t);
	return err;
}

/* Check VIP v's backends and table (ring-long Maglev table with all of its backends). */
static int check_vip(struct lb *lb, int v, int nreals, __u32 len)
{
	struct xdplb_vip_key k = vip_key(v);
	struct lb_real_entry *rs = calloc(nreals + 1, sizeof(*rs));
	__u32 *ids = calloc(nreals + 1, sizeof(*ids));
	struct xdplb_vip vip;
	int n, err = -ENOMEM;

	if (!rs || !ids)
		goto out;
	err = lb_vip_get(lb, &k, &vip);
	if (err) {
		fprintf(stderr, "Error: VIP %d: %s\n", v, strerror(-err));
		goto out;
	}
	n = lb_real_list(lb, vip.id, rs, nreals + 1);
	if (n != nreals) {
		fprintf(stderr, "Error: VIP %d: %d backends, expected %d\n", v, n, nreals);
		err = -EINVAL;
		goto out;
	}
	for (int i = 0; i < n; i++)
		ids[i] = rs[i].id;
	err = check_table(lb, vip.id, ids, n, len);
out:
	free(ids);
	free(rs);
	return err;
}

static __u32 ring_size(struct lb *lb)
{
	struct xdplb_config cfg;

	return lb_config_get(lb, &cfg) ? 0 : cfg.ring_size;
}

/* N VIPs x 10 backends through lb.h; @bulk wraps it in lb_bulk_begin/end. */
static int case_vips(const struct opts *o, int nvips, bool bulk)
{
	const char *id = bulk ? "vips_bulk" : "vips";
	struct xdplb_vip params = { .mode = XDPLB_MODE_TUN, .sched = XDPLB_SCHED_MH };
	struct lb lb;
	char pin[64], what[96];
	double t0, t1, t2 = 0;
	int err;

	if (attach(o, pin, sizeof(pin)) || open_locked(&lb, pin))
		return -1;
	t0 = now_s();
	err = bulk ? lb_bulk_begin(&lb) : 0;
	for (int v = 0; v < nvips && !err; v++) {
		struct xdplb_vip_key k = vip_key(v);

		err = lb_vip_add(&lb, &k, &params);
		for (int r = 0; r < REALS_PER_VIP && !err; r++) {
			struct xdplb_real x = real_of(v, r, 1);

			err = lb_real_add(&lb, &k, &x);
		}
		if (err)
			fprintf(stderr, "Error: %s: VIP %d: %s\n", id, v, strerror(-err));
	}
	if (!err && bulk) {
		t2 = now_s();
		err = lb_bulk_end(&lb);
		t2 = now_s() - t2;
	}
	t1 = now_s();
	if (err)
		goto out;
	snprintf(what, sizeof(what), "add %d VIPs x %d backends%s", nvips, REALS_PER_VIP,
		 bulk ? " (bulk mode)" : "");
	result(id, what, t1 - t0, "s");
	snprintf(what, sizeof(what), "  per backend add%s", bulk ? " (bulk mode)" : "");
	result(bulk ? "vips_bulk_per_real" : "vips_per_real", what,
	       (t1 - t0) / (nvips * REALS_PER_VIP) * 1e6, "us");
	if (bulk)
		result("vips_bulk_end", "  of which lb_bulk_end (all tables)", t2, "s");

	/* the first, a middle and the last VIP: complete tables of their own backends */
	for (int v = 0; v < nvips && !err; v += (nvips - 1) / 2 ? (nvips - 1) / 2 : 1)
		err = check_vip(&lb, v, REALS_PER_VIP, ring_size(&lb));
	if (!err && lb_vip_list(&lb, NULL, 0) != nvips) {
		fprintf(stderr, "Error: %s: %d VIPs listed, expected %d\n", id,
			lb_vip_list(&lb, NULL, 0), nvips);
		err = -EINVAL;
	}
	if (!err && !bulk) { /* one RCU grace period per VIP (its table's outer slot) */
		t0 = now_s();
		for (int v = 0; v < nvips && !err; v++) {
			struct xdplb_vip_key k = vip_key(v);

			err = lb_vip_del(&lb, &k);
		}
		t1 = now_s();
		snprintf(what, sizeof(what), "delete %d VIPs x %d backends", nvips, REALS_PER_VIP);
		if (!err)
			result("vips_del", what, t1 - t0, "s");
	}
out:
	lb_close(&lb);
	return err;
}

/* One `xdplb` process; returns its exit status. */
static int run_cli(const struct opts *o, const char *pin, char **args)
{
	char *argv[16] = { (char *)o->xdplb, "--bpffs", (char *)pin };
	posix_spawn_file_actions_t fa;
	int i, status = -1;
	pid_t pid;

	for (i = 0; args[i] && i < 12; i++)
		argv[3 + i] = args[i];
	argv[3 + i] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, o->xdplb, &fa, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	return status;
}

/* --cli-vips VIPs x 10 backends, one xdplb process per change. */
static int case_cli(const struct opts *o)
{
	char pin[64], what[96], vip[32], real[32];
	double t0, t1;
	struct lb lb;
	int err = 0;

	if (!o->cli_vips)
		return 0;
	if (attach(o, pin, sizeof(pin)))
		return -1;
	t0 = now_s();
	for (int v = 0; v < o->cli_vips && !err; v++) {
		struct xdplb_vip_key k = vip_key(v);
		char *add_vip[] = { "vip", "add", "tcp", vip, "sched", "mh", "mode", "tun", NULL };
		char *add_real[] = { "real", "add", "tcp", vip, real, NULL };

		snprintf(vip, sizeof(vip), "%s:80", inet_ntoa((struct in_addr){ k.addr[0] }));
		err = run_cli(o, pin, add_vip);
		for (int r = 0; r < REALS_PER_VIP && !err; r++) {
			struct xdplb_real x = real_of(v, r, 1);

			snprintf(real, sizeof(real), "%s",
				 inet_ntoa((struct in_addr){ x.addr[0] }));
			err = run_cli(o, pin, add_real);
		}
		if (err)
			fprintf(stderr, "Error: cli: VIP %s: xdplb exit status %d\n", vip, err);
	}
	t1 = now_s();
	if (err)
		return -1;
	snprintf(what, sizeof(what), "add %d VIPs x %d backends with the CLI", o->cli_vips,
		 REALS_PER_VIP);
	result("cli", what, t1 - t0, "s");
	result("cli_per_cmd", "  per xdplb command", (t1 - t0) / (o->cli_vips * 11) * 1e3, "ms");
	if (open_locked(&lb, pin))
		return -1;
	err = check_vip(&lb, o->cli_vips - 1, REALS_PER_VIP, ring_size(&lb));
	lb_close(&lb);
	return err;
}

/* The 1,000 x 10 of vips_bulk as a batch file, applied by one `xdplb batch file`. */
static int case_cli_batch(const struct opts *o)
{
	const char *tmp = getenv("TMPDIR") ?: "/tmp";
	char pin[64], what[96], path[PATH_MAX];
	char *args[] = { "batch", "file", path, NULL };
	double t0, t1;
	struct lb lb;
	int fd, status, err = 0;
	FILE *f;

	if (attach(o, pin, sizeof(pin)))
		return -1;
	snprintf(path, sizeof(path), "%s/xdplb-ctlplane-XXXXXX", tmp);
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "Error: cli_batch: temporary file: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (int v = 0; v < BATCH_VIPS; v++) {
		struct xdplb_vip_key k = vip_key(v);

		fprintf(f, "vip add tcp %s:80 sched mh mode tun\n",
			inet_ntoa((struct in_addr){ k.addr[0] }));
		for (int r = 0; r < REALS_PER_VIP; r++) {
			struct xdplb_real x = real_of(v, r, 1);

			fprintf(f, "real add tcp %s:80 ", inet_ntoa((struct in_addr){ k.addr[0] }));
			fprintf(f, "%s weight 1\n", inet_ntoa((struct in_addr){ x.addr[0] }));
		}
	}
	if (fclose(f)) {
		fprintf(stderr, "Error: cli_batch: %s: %s\n", path, strerror(errno));
		unlink(path);
		return -1;
	}
	t0 = now_s();
	status = run_cli(o, pin, args);
	t1 = now_s();
	unlink(path);
	if (status) {
		fprintf(stderr, "Error: cli_batch: xdplb batch file: exit status %d\n", status);
		return -1;
	}
	snprintf(what, sizeof(what), "add %d VIPs x %d backends: one xdplb batch file", BATCH_VIPS,
		 REALS_PER_VIP);
	result("cli_batch", what, t1 - t0, "s");
	if (open_locked(&lb, pin))
		return -1;
	for (int v = 0; v < BATCH_VIPS && !err; v += (BATCH_VIPS - 1) / 2)
		err = check_vip(&lb, v, REALS_PER_VIP, ring_size(&lb));
	if (!err && lb_vip_list(&lb, NULL, 0) != BATCH_VIPS) {
		fprintf(stderr, "Error: cli_batch: %d VIPs listed, expected %d\n",
			lb_vip_list(&lb, NULL, 0), BATCH_VIPS);
		err = -EINVAL;
	}
	lb_close(&lb);
	return err;
}

/* One VIP with 1000 backends (weights 1..10 for wrr); lb_table_rebuild() RUNS times. */
static int case_rebuild(const struct opts *o, __u8 sched, const char *name)
{
	struct xdplb_vip params = { .mode = XDPLB_MODE_TUN, .sched = sched };
	struct xdplb_vip_key k = vip_key(0);
	__u32 ids[BIG_VIP_REALS], len;
	struct lb_real_entry *rs;
	double t[RUNS], t0, tadd;
	char pin[64], what[96], id[48];
	struct xdplb_vip vip;
	struct lb lb;
	int n, err;

	if (attach(o, pin, sizeof(pin)) || open_locked(&lb, pin))
		return -1;
	err = lb_vip_add(&lb, &k, &params);
	/* set up in bulk mode: one at a time, each add would rebuild the growing table */
	t0 = now_s();
	err = err ?: lb_bulk_begin(&lb);
	for (int r = 0; r < BIG_VIP_REALS && !err; r++) {
		struct xdplb_real x = real_of(0, r, sched == XDPLB_SCHED_WRR ? 1 + r % 10 : 1);

		err = lb_real_add(&lb, &k, &x);
	}
	err = err ?: lb_bulk_end(&lb);
	tadd = now_s() - t0;
	err = err ?: lb_vip_get(&lb, &k, &vip);
	for (int i = 0; i < RUNS && !err; i++) {
		t0 = now_s();
		err = lb_table_rebuild(&lb, &vip);
		t[i] = now_s() - t0;
	}
	if (err) {
		fprintf(stderr, "Error: rebuild %s: %s\n", name, strerror(-err));
		goto out;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	snprintf(what, sizeof(what), "rebuild %s table, %d backends (median of %d)", name,
		 BIG_VIP_REALS, RUNS);
	snprintf(id, sizeof(id), "rebuild_%s", name);
	result(id, what, t[RUNS / 2] * 1e3, "ms");
	/* the spread is mostly the RCU grace period the outer-map update waits for */
	snprintf(id, sizeof(id), "rebuild_%s_min", name);
	result(id, "  fastest", t[0] * 1e3, "ms");
	snprintf(id, sizeof(id), "rebuild_%s_max", name);
	result(id, "  slowest", t[RUNS - 1] * 1e3, "ms");
	snprintf(what, sizeof(what), "  add %d backends to one VIP in bulk mode (%s)",
		 BIG_VIP_REALS, name);
	snprintf(id, sizeof(id), "add_%d_reals_%s", BIG_VIP_REALS, name);
	result(id, what, tadd * 1e3, "ms");

	rs = calloc(BIG_VIP_REALS + 1, sizeof(*rs));
	n = rs ? lb_real_list(&lb, vip.id, rs, BIG_VIP_REALS + 1) : -ENOMEM;
	if (n != BIG_VIP_REALS) {
		fprintf(stderr, "Error: rebuild %s: %d backends listed\n", name, n);
		err = -EINVAL;
	}
	for (int i = 0; i < n && !err; i++)
		ids[i] = rs[i].id;
	free(rs);
	/* mh: the whole ring; wrr: weights 1..10 have gcd 1, 100 backends of each */
	len = sched == XDPLB_SCHED_MH ? ring_size(&lb) : BIG_VIP_REALS / 10 * 55;
	err = err ?: check_table(&lb, vip.id, ids, BIG_VIP_REALS, len);
out:
	lb_close(&lb);
	return err;
}

/* memlock of a map fd, from /proc/self/fdinfo. */
static long long memlock(int fd)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

struct map_row {
	const char *name;
	int fd;
	int per; /* 0 flow, 1 VIP, 2 backend, 3 global */
};

/* memlock of every map: per entry, and summed per flow, per VIP and per backend. */
static int case_memory(const struct opts *o)
{
	static const char *const per_names[] = { "flow", "VIP", "backend", "global" };
	struct xdplb_vip params = { .mode = XDPLB_MODE_TUN, .sched = XDPLB_SCHED_MH };
	struct xdplb_vip_key k = vip_key(0);
	struct xdplb_real x = real_of(0, 0, 1);
	double per[4] = {};
	long long vips_empty, vips_full, table_mem = -1, total = 0;
	__u32 inner_id, ring;
	struct xdplb_vip vip;
	char pin[64], id[64];
	struct lb lb;
	int fd, err, nvips = 100;

	if (attach(o, pin, sizeof(pin)) || open_locked(&lb, pin))
		return -1;
	/* the memory report reads the pinned maps themselves: a measurement, not a state change */
	struct map_row rows[] = {
		{ .name = "xdplb_flows", .fd = -1, .per = 0 },
		{ .name = "xdplb_flows6", .fd = -1, .per = 0 },
		{ .name = "xdplb_persist", .fd = -1, .per = 3 },
		{ .name = "xdplb_vips", .fd = -1, .per = 1 },
		{ .name = "xdplb_tables", .fd = -1, .per = 1 },
		{ .name = "xdplb_rr", .fd = -1, .per = 1 },
		{ .name = "xdplb_vip_stats", .fd = -1, .per = 1 },
		{ .name = "xdplb_reals", .fd = -1, .per = 2 },
		{ .name = "xdplb_conns", .fd = -1, .per = 2 },
		{ .name = "xdplb_lc_conns", .fd = -1, .per = 2 },
		{ .name = "xdplb_real_vip", .fd = -1, .per = 2 },
		{ .name = "xdplb_real_stats", .fd = -1, .per = 2 },
		{ .name = "xdplb_stats", .fd = -1, .per = 3 },
		{ .name = "xdplb_config", .fd = -1, .per = 3 },
		{ .name = "xdplb_checks", .fd = -1, .per = 3 },
	};
	const int nrows = sizeof(rows) / sizeof(rows[0]);
	int vips_fd = -1, tables_fd = -1;

	for (int i = 0; i < nrows; i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/%s", pin, rows[i].name);
		rows[i].fd = bpf_obj_get(path);
		if (rows[i].fd < 0) {
			err = -errno;
			goto out;
		}
		if (!strcmp(rows[i].name, "xdplb_vips"))
			vips_fd = rows[i].fd;
		if (!strcmp(rows[i].name, "xdplb_tables"))
			tables_fd = rows[i].fd;
	}

	/* the VIP hash is not preallocated: its memlock grows with the VIPs in it */
	vips_empty = memlock(vips_fd);
	err = 0;
	for (int v = 0; v < nvips && !err; v++) {
		struct xdplb_vip_key kv = vip_key(v);

		err = lb_vip_add(&lb, &kv, &params);
	}
	vips_full = memlock(vips_fd);
	err = err ?: lb_real_add(&lb, &k, &x);
	err = err ?: lb_vip_get(&lb, &k, &vip);
	if (err)
		goto out;
	if (!bpf_map_lookup_elem(tables_fd, &vip.id, &inner_id)) {
		fd = bpf_map_get_fd_by_id(inner_id);
		if (fd >= 0) {
			table_mem = memlock(fd);
			close(fd);
		}
	}
	ring = ring_size(&lb);

	printf("  %-18s %12s %14s %10s  %s\n", "map", "max_entries", "memlock bytes", "bytes/ent",
	       "counted per");
	for (int i = 0; i < nrows; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		long long m = memlock(rows[i].fd);
		double e;

		if (bpf_obj_get_info_by_fd(rows[i].fd, &info, &len) || m < 0) {
			err = -EIO;
			goto out;
		}
		e = (double)m / info.max_entries;
		if (!strcmp(rows[i].name, "xdplb_flows")) /* per flow sized for, not per set */
			e = (double)m / lb.max_flows;
		if (!strcmp(rows[i].name, "xdplb_flows6"))
			e = (double)m / lb.max_flows6;
		if (rows[i].fd == vips_fd) /* measured growth per VIP */
			e = (double)(vips_full - vips_empty) / nvips;
		if (rows[i].per != 3)
			per[rows[i].per] += e;
		total += m;
		printf("  %-18s %12u %14lld %10.1f  %s\n", rows[i].name, info.max_entries, m, e,
		       per_names[rows[i].per]);
		snprintf(id, sizeof(id), "mem_%s_bytes", rows[i].name);
		fprintf(csv, "%s,%lld,bytes\n", id, m);
		snprintf(id, sizeof(id), "mem_%s_per_entry", rows[i].name);
		fprintf(csv, "%s,%.1f,bytes\n", id, e);
	}
	printf("  %-18s %12u %14lld %10.1f  VIP (one per VIP with backends)\n", "xdplb_table",
	       ring + 1, table_mem, (double)table_mem / (ring + 1));
	fprintf(csv, "mem_xdplb_table_bytes,%lld,bytes\n", table_mem);
	printf("  (xdplb_vips grew by %lld bytes for %d VIPs; its memlock is what is in use)\n",
	       vips_full - vips_empty, nvips);
	result("mem_per_flow",
	       "bytes per flow the IPv4 and IPv6 flow tables are sized for, "
	       "together (a NAT flow's reply entry shares them)",
	       per[0], "B");
	result("mem_per_vip", "bytes per VIP without its table (vips, tables, rr, stats)", per[1],
	       "B");
	result("mem_per_vip_table", "bytes per VIP's scheduler table (mh, ring M)",
	       (double)table_mem, "B");
	result("mem_per_backend", "bytes per backend (reals, real_vip, conns, lc_conns, stats)",
	       per[2], "B");
	result("mem_total_attach", "memlock of all maps after attach (no tables)",
	       total / 1048576.0, "MiB");
	result("mem_tables_at_max_vips", "mh tables if all max_vips-1 VIPs have one",
	       (double)table_mem * (lb.max_vips - 1) / 1048576.0, "MiB");
out:
	if (err)
		fprintf(stderr, "Error: memory: %s\n", strerror(-err));
	for (int i = 0; i < nrows; i++)
		if (rows[i].fd >= 0)
			close(rows[i].fd);
	lb_close(&lb);
	return err;
}

static bool want(const struct opts *o, const char *name)
{
	return !o->only || !strcmp(o->only, name);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	o->vips = DEF_VIPS;
	o->cli_vips = DEF_CLI_VIPS;
	o->xdplb = getenv("XDPLB") ?: ".output/xdplb";
	o->csv = ".output/bench/ctlplane.csv";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vips") && i + 1 < argc)
			o->vips = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cli-vips") && i + 1 < argc)
			o->cli_vips = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			o->only = argv[++i];
		else if (!strcmp(argv[i], "--xdplb") && i + 1 < argc)
			o->xdplb = argv[++i];
		else if (argv[i][0] != '-' && i == argc - 1)
			o->csv = argv[i];
		else
			return -1;
	}
	return o->vips < 1 || o->vips > 4000 || o->cli_vips < 0 || o->cli_vips > 4000 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	int err = 0;

	if (parse_opts(argc, argv, &o)) {
		fprintf(stderr,
			"Usage: %s [--vips N] [--cli-vips N] [--only CASE] [--xdplb PATH] [CSV]\n",
			argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "Error: %s needs root (namespaces, BPF)\n", argv[0]);
		return 1;
	}
	if (access(o.xdplb, X_OK)) {
		fprintf(stderr, "Error: %s: %s (run 'make')\n", o.xdplb, strerror(errno));
		return 1;
	}
	csv = fopen(o.csv, "w");
	if (!csv) {
		fprintf(stderr, "Error: %s: %s\n", o.csv, strerror(errno));
		return 1;
	}
	fprintf(csv, "metric,value,unit\n");
	if (sandbox_enter())
		return 1;
	/* libxdp pins its dispatcher here: the sandbox's private bpffs */
	setenv("LIBXDP_BPFFS", "/sys/fs/bpf", 1);
	printf("control plane: lb.h calls on the maps `xdplb dev attach` pins (default sizes)\n");
	if (want(&o, "vips"))
		err = err ?: case_vips(&o, o.vips, false);
	if (want(&o, "vips_bulk"))
		err = err ?: case_vips(&o, BATCH_VIPS, true);
	if (want(&o, "cli_batch"))
		err = err ?: case_cli_batch(&o);
	if (want(&o, "rebuild")) {
		err = err ?: case_rebuild(&o, XDPLB_SCHED_MH, "mh");
		err = err ?: case_rebuild(&o, XDPLB_SCHED_WRR, "wrr");
	}
	if (want(&o, "cli"))
		err = err ?: case_cli(&o);
	if (want(&o, "memory")) {
		printf("memory (memlock of the maps as attached):\n");
		err = err ?: case_memory(&o);
	}
	if (fclose(csv) && !err) {
		fprintf(stderr, "Error: %s: %s\n", o.csv, strerror(errno));
		err = 1;
	}
	return err ? 1 : 0;
}
