// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Batch files: a failure while applying (after every line was checked) rolls back what was
 * applied.  The kernel refusing an update cannot be asked for, so the test takes the backend
 * slots that the check counted as free behind its back (what a writer ignoring the lock, or a
 * full map, would do): the batch's fourth backend then finds no slot, midway through.  After
 * each batch the address entries of xdplb_vips match the VIPs.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "test.h"
#include "sandbox.h"
#include "cli/cli.h"
#include "util/common.h"
#include "lib/conf.h"
#include "lib/lb.h"
#include "xdplb.skel.h"

#define PIN_ROOT   "/sys/fs/bpf" /* libbpf's default: the skeleton pins its maps there */
#define ORPHAN_VIP 4000		 /* owner of the slots taken behind the batch's back */

static struct xdplb_bpf *skel;

static int setup(void)
{
	struct xdplb_config cfg = {};
	struct lb lb;
	int err;

	/* IPv6 VIPs without IPv6 forwarding would add a warning to the errors compared */
	if (sandbox_enter() || sandbox_sh("sysctl -qw net.ipv6.conf.all.forwarding=1"))
		return -1;
	skel = xdplb_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "load: %s\n", strerror(errno));
		return -1;
	}
	if (bpf_program__pin(skel->progs.xdplb_gc, PIN_ROOT "/xdplb_gc") ||
	    bpf_program__pin(skel->progs.xdplb_explain, PIN_ROOT "/xdplb_explain"))
		return -1;
	pin_dir = PIN_ROOT;
	/* the settings (and the layout stamp) first, as dev attach writes them */
	err = lb_from_skel(&lb, skel);
	if (err)
		return err;
	lb_config_defaults(&cfg);
	cfg.ring_size = 251; /* small tables: quick rebuilds */
	cfg.tun_src4 = htonl(0x0a000101);
	err = lb_config_set(&lb, &cfg);
	lb_close(&lb);
	return err;
}

/* The configuration as save prints it. */
static char *save_text(void)
{
	char *text = NULL;
	size_t len;
	struct conf c;
	struct lb lb;
	FILE *f;

	if (lb_open(&lb, pin_dir))
		return NULL;
	if (conf_load(&c, &lb)) {
		lb_close(&lb);
		return NULL;
	}
	conf_sort(&c);
	f = open_memstream(&text, &len);
	if (f) {
		save_conf(f, &c);
		fclose(f);
	}
	conf_free(&c);
	lb_close(&lb);
	return text;
}

/* Run @text as a batch; stderr goes to @err_out (NUL-terminated). */
static int run(const char *text, int (*prepare)(struct batch_input *, const struct conf *),
	       char *err_out, size_t err_len)
{
	struct batch_input in = { .file = "test", .prepare = prepare };
	char *buf = strdup(text), *s;
	struct batch_line lines[64] = {};
	int err, saved, fd;
	FILE *tmp = tmpfile();

	for (s = buf; s && *s && in.n < 64;) {
		char *nl = strchr(s, '\n');

		lines[in.n].text = s;
		lines[in.n].line = in.n + 1;
		in.n++;
		if (!nl)
			break;
		*nl = 0;
		s = nl + 1;
	}
	in.lines = lines;
	fflush(stderr);
	saved = dup(2);
	fd = tmp ? fileno(tmp) : -1;
	if (fd >= 0)
		dup2(fd, 2);
	err = batch_run(&in, false);
	msg_hold(false); /* what the batch held while it had the lock, as main() writes it */
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	err_out[0] = 0;
	if (tmp) {
		size_t n;

		rewind(tmp);
		n = fread(err_out, 1, err_len - 1, tmp);
		err_out[n] = 0;
		fclose(tmp);
	}
	free(buf);
	return err;
}

static int orphans[8];
static int norphans;

/* Take every free backend slot, as an owner the configuration does not know. */
static int take_free_slots(struct batch_input *in, const struct conf *c)
{
	struct lb lb;
	int err = lb_open(&lb, pin_dir);

	if (err)
		return err;
	norphans = 0;
	for (__u32 id = 1; id < lb.max_reals; id++) {
		struct xdplb_real r;

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdplb_reals), &id, &r) ||
		    (r.flags & XDPLB_REAL_F_USED))
			continue;
		r.flags = XDPLB_REAL_F_USED;
		r.vip_id = ORPHAN_VIP;
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.xdplb_reals), &id, &r, BPF_ANY)) {
			err = -errno;
			break;
		}
		if (norphans < 8)
			orphans[norphans] = id;
		norphans++;
	}
	lb_close(&lb);
	return err;
}

static void free_slots(void)
{
	struct lb lb;

	if (lb_open(&lb, pin_dir))
		return;
	for (__u32 id = 1; id < lb.max_reals; id++) {
		struct xdplb_real r;

		if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdplb_reals), &id, &r) &&
		    r.vip_id == ORPHAN_VIP) {
			memset(&r, 0, sizeof(r));
			bpf_map_update_elem(bpf_map__fd(skel->maps.xdplb_reals), &id, &r, BPF_ANY);
		}
	}
	lb_close(&lb);
}

/* Every VIP's table holds exactly its backends with weight > 0 (each at least once). */
static void check_tables(void)
{
	struct conf c;
	struct lb lb;
	__u32 *ids = calloc(256, sizeof(*ids));

	if (!ASSERT_EQ(lb_open(&lb, pin_dir), 0, "open") || !ids)
		return;
	if (!ASSERT_EQ(conf_load(&c, &lb), 0, "load")) {
		lb_close(&lb);
		return;
	}
	for (int i = 0; i < c.nvips; i++) {
		struct conf_vip *v = &c.vips[i];
		int len = lb_table_read(&lb, v->vip.id, ids, 256), live = 0;

		for (int j = 0; j < v->nreals; j++) {
			bool seen = false;

			for (int k = 0; k < len; k++)
				seen |= ids[k] == v->reals[j].id;
			ASSERT_EQ(seen, v->reals[j].r.weight > 0, "backend in its VIP's table");
			live += v->reals[j].r.weight > 0;
		}
		for (int k = 0; k < len; k++) {
			bool mine = false;

			for (int j = 0; j < v->nreals; j++)
				mine |= ids[k] == v->reals[j].id;
			ASSERT_TRUE(mine, "table slot names a backend of the VIP");
		}
		if (!live)
			ASSERT_EQ(len, 0, "no table without backends");
	}
	conf_free(&c);
	lb_close(&lb);
	free(ids);
}

/*
 * The address entries of xdplb_vips (lib/lb.h) are what the VIPs make them: one per {address,
 * protocol, family} with a VIP, a copy of the VIP when it is alone there with hash l3, id 0
 * otherwise, and none for an address without VIPs.
 */
static void check_addr_entries(void)
{
	struct xdplb_vip_key key, next, *prev = NULL;
	static struct xdplb_vip_key keys[1024];
	static struct xdplb_vip vals[1024];
	int n = 0, entries = 0, groups = 0;
	struct lb lb;

	if (!ASSERT_EQ(lb_open(&lb, pin_dir), 0, "open"))
		return;
	while (n < 1024 && !bpf_map_get_next_key(bpf_map__fd(skel->maps.xdplb_vips), prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdplb_vips), &key, &vals[n]))
			keys[n++] = key;
	}
	for (int i = 0; i < n; i++) {
		struct xdplb_vip_key a = keys[i];
		struct xdplb_vip want = {}, got;
		int on_addr = 0, lone = -1, seen_before = 0;

		if (keys[i].family & XDPLB_AF_ADDR) {
			entries++;
			continue;
		}
		a.port = 0;
		a.family |= XDPLB_AF_ADDR;
		for (int j = 0; j < n; j++) {
			struct xdplb_vip_key b = keys[j];

			if (b.family & XDPLB_AF_ADDR)
				continue;
			b.port = 0;
			b.family |= XDPLB_AF_ADDR;
			if (memcmp(&a, &b, sizeof(a)))
				continue;
			on_addr++;
			lone = j;
			seen_before |= j < i;
		}
		if (seen_before)
			continue; /* the group was checked at its first VIP */
		groups++;
		if (on_addr == 1 && (vals[lone].flags & XDPLB_VIP_F_L3HASH))
			want = vals[lone];
		if (!ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xdplb_vips), &a, &got), 0,
			       "an address with VIPs has an address entry"))
			continue;
		ASSERT_TRUE(!memcmp(&got, &want, sizeof(got)),
			    on_addr == 1 && want.id ? "entry = the lone l3hash VIP's record"
						    : "entry has id 0");
	}
	ASSERT_EQ(entries, groups, "no address entry without VIPs");
	lb_close(&lb);
}

static const char *const initial = "vip add tcp 10.0.0.1:80 sched wrr\n"
				   "real add tcp 10.0.0.1:80 10.0.2.1 weight 1\n"
				   "real add tcp 10.0.0.1:80 10.0.2.2 weight 2\n"
				   "vip add udp 10.0.0.2:53 sched sh mode dr persist 60\n"
				   "real add udp 10.0.0.2:53 10.0.2.3 weight 3\n"
				   "vip add tcp 10.0.0.3:80 sched rr mode nat\n"
				   "real add tcp 10.0.0.3:80 10.0.2.5:8080 weight 4\n"
				   "real add tcp 10.0.0.3:80 10.0.2.6 weight 0\n"
				   "vip add udp [2001:db8::1]:53 sched sh mode nat hash l3\n"
				   "real add udp [2001:db8::1]:53 2001:db8:2::1 weight 1\n"
				   "vip add udp 10.0.0.2:54 hash l3\n"
				   "real add udp 10.0.0.2:54 2001:db8:2::2\n";

/* Frees three slots (vip del, two real dels), then adds four backends: the fourth fails. */
static const char *const failing = "vip del udp 10.0.0.2:53\n"
				   "vip set tcp 10.0.0.1:80 sched mh persist 30\n"
				   "real set tcp 10.0.0.1:80 10.0.2.1 weight 5\n"
				   "real del tcp 10.0.0.1:80 10.0.2.2\n"
				   "real del tcp 10.0.0.3:80 10.0.2.5:8080\n"
				   "vip set tcp 10.0.0.3:80 mode tun\n"
				   "flow timeout tcp 77 udp 78\n"
				   "config set tunsrc 10.9.9.9\n"
				   "config set tunsrc 2001:db8::99 mtu 1300 echo on flowcache off\n"
				   "vip set udp [2001:db8::1]:53 hash l4\n"
				   "vip add udp [2001:db8::1]:54 hash l3\n"
				   "vip add tcp 10.0.0.4:80\n"
				   "real add tcp 10.0.0.4:80 10.0.2.10\n"
				   "real add tcp 10.0.0.4:80 10.0.2.11\n"
				   "real add tcp 10.0.0.4:80 10.0.2.12\n"
				   "real add tcp 10.0.0.4:80 10.0.2.13\n";

static void case_rollback(void)
{
	char err[1024], *before, *after;
	struct xdplb_vip_key k = { .proto = 6, .family = XDPLB_AF_INET, .port = htons(80) };
	struct xdplb_vip v1 = {}, v1_after = {};
	struct lb lb;

	ASSERT_EQ(run(initial, NULL, err, sizeof(err)), 0, "initial batch");
	before = save_text();
	k.addr[0] = htonl(0x0a000001);
	if (!ASSERT_TRUE(before, "save") || lb_open(&lb, pin_dir))
		return;
	lb_vip_get(&lb, &k, &v1);
	lb_close(&lb);

	ASSERT_EQ(run(failing, take_free_slots, err, sizeof(err)), -ENOSPC, "batch fails");
	ASSERT_TRUE(norphans > 0, "slots taken");
	ASSERT_TRUE(!strcmp(err, "Error: test line 16: real 10.0.2.13 in vip tcp 10.0.0.4:80: No "
				 "space left on device: nothing changed (rolled back)\n"),
		    "error names the failing line and the rollback");
	if (case_failed)
		fprintf(stderr, "    stderr: %s", err);
	free_slots();
	after = save_text();
	ASSERT_TRUE(after && !strcmp(before, after), "configuration as before");
	if (case_failed && after)
		fprintf(stderr, "    before:\n%s    after:\n%s", before, after);
	/* a VIP the batch changed and the rollback changed back keeps its id */
	if (!lb_open(&lb, pin_dir)) {
		lb_vip_get(&lb, &k, &v1_after);
		lb_close(&lb);
	}
	ASSERT_EQ(v1_after.id, v1.id, "changed VIP keeps its id");
	check_tables();
	check_addr_entries();
	free(before);
	free(after);
}

/* Without interference the same batch applies completely. */
static void case_applies(void)
{
	char err[1024], *after;

	ASSERT_EQ(run(failing, NULL, err, sizeof(err)), 0, "batch applies");
	after = save_text();
	ASSERT_TRUE(after && strstr(after, "real add tcp 10.0.0.4:80 10.0.2.12:80 weight 1\n"),
		    "last line applied");
	ASSERT_TRUE(after &&
			strstr(after,
			       "vip add tcp 10.0.0.1:80 sched mh mode tun persist 30 ondown move "
			       "alldown reject hash l4 quorum 1 hysteresis 0\n"),
		    "vip set applied");
	ASSERT_TRUE(after && !strstr(after, "10.0.0.2:53"), "vip del applied");
	ASSERT_TRUE(after && strstr(after, "flow timeout tcp 77 tcpfin 120 udp 78 synrecv 60\n"),
		    "timeouts applied");
	ASSERT_TRUE(after &&
			strstr(after, "config set tunsrc 10.9.9.9\n"
				      "config set tunsrc 2001:db8::99\n"
				      "config set mtu 1300 echo on flowcache off announce off\n"),
		    "settings applied");
	ASSERT_TRUE(after && strstr(after, "vip add udp 10.0.0.2:54 sched mh mode tun persist 0 "
					   "ondown move alldown reject hash l3 quorum 1 "
					   "hysteresis 0\n"),
		    "l3hash VIP alone on its address after the other's deletion");
	ASSERT_TRUE(after &&
			strstr(after, "vip add udp [2001:db8::1]:53 sched sh mode nat persist 0 "
				      "ondown move alldown reject hash l4 quorum 1 hysteresis 0\n"
				      "real add udp [2001:db8::1]:53 [2001:db8:2::1]:53 weight "
				      "1\n"
				      "vip add udp [2001:db8::1]:54 sched mh mode tun persist 0 "
				      "ondown move alldown reject hash l3 quorum 1 hysteresis 0\n"),
		    "IPv6 VIPs");
	check_tables();
	check_addr_entries();
	free(after);
}

/* No table for an id that no VIP holds. */
static void check_no_stray_tables(void)
{
	struct lb_vip_entry *vips;
	unsigned char *live;
	struct lb lb;
	int n;

	if (!ASSERT_EQ(lb_open(&lb, pin_dir), 0, "open"))
		return;
	vips = calloc(lb.max_vips, sizeof(*vips));
	live = calloc(lb.max_vips, 1);
	n = vips && live ? lb_vip_list(&lb, vips, lb.max_vips) : 0;
	for (int i = 0; i < n; i++)
		live[vips[i].vip.id] = 1;
	/* a free VIP id has no table, or the empty one (length 0: names no backend) */
	for (__u32 id = 1; live && id < lb.max_vips; id++) {
		__u32 one;

		if (!live[id])
			ASSERT_EQ(lb_table_read(&lb, id, &one, 1), 0, "no table for a free VIP id");
	}
	free(vips);
	free(live);
	lb_close(&lb);
}

static __u32 vip_id_of(const char *proto, const char *addr_port)
{
	char *argv[2] = { (char *)proto, (char *)addr_port };
	struct xdplb_vip_key k;
	struct xdplb_vip v = {};
	struct lb lb;

	if (parse_service(2, argv, &k) || lb_open(&lb, pin_dir))
		return 0;
	lb_vip_get(&lb, &k, &v);
	lb_close(&lb);
	return v.id;
}

/* Bulk mode's bookkeeping: freed ids are taken again lowest first, as one command at a time
 * would, deleted VIPs leave no table, tables follow every change. */
static void case_bulk(void)
{
	char err[1024], *after;
	__u32 id_a = vip_id_of("tcp", "10.0.0.4:80");

	ASSERT_TRUE(id_a > 0, "VIP 10.0.0.4:80 exists");
	ASSERT_EQ(run("vip add tcp 10.0.0.7:80\nreal add tcp 10.0.0.7:80 10.0.2.30\n", NULL, err,
		      sizeof(err)),
		  0, "setup");
	ASSERT_EQ(run("vip del tcp 10.0.0.4:80\n"
		      "vip add udp 10.0.0.5:53 sched wrr\n"
		      "real add udp 10.0.0.5:53 10.0.2.20 weight 1\n"
		      "real add udp 10.0.0.5:53 10.0.2.21 weight 3\n"
		      "real del tcp 10.0.0.1:80 10.0.2.1\n"
		      "real add tcp 10.0.0.1:80 10.0.2.1 weight 9\n"
		      "vip set tcp 10.0.0.3:80 sched lc\n"
		      "vip add tcp 10.0.0.6:80\n"
		      "vip del tcp 10.0.0.6:80\n"
		      "vip del tcp 10.0.0.7:80\n", /* its id stays free: its table must go */
		      NULL, err, sizeof(err)),
		  0, "batch applies");
	ASSERT_EQ(vip_id_of("udp", "10.0.0.5:53"), id_a, "new VIP takes the freed id");
	after = save_text();
	ASSERT_TRUE(after && strstr(after, "real add tcp 10.0.0.1:80 10.0.2.1:80 weight 9\n"),
		    "re-added backend");
	ASSERT_TRUE(after &&
			strstr(after, "vip add tcp 10.0.0.3:80 sched lc mode tun persist 0 "
				      "ondown move alldown reject hash l4 quorum 1 hysteresis 0\n"),
		    "vip set");
	ASSERT_TRUE(after && !strstr(after, "10.0.0.6"), "added and deleted");
	check_tables();
	check_no_stray_tables();
	check_addr_entries();
	free(after);
}

/* A change whose process dies half-way (here: its struct lb let go in bulk mode, after some
 * changes and before the flush, as a SIGKILL would leave it) is rolled back by the next
 * process that takes the lock: the configuration and the tables are as before it. */
static void case_died(void)
{
	struct xdplb_vip_key k1 = { .proto = 6, .family = XDPLB_AF_INET, .port = htons(80) };
	struct xdplb_vip_key k9 = k1;
	struct xdplb_vip v = { .mode = XDPLB_MODE_TUN, .sched = XDPLB_SCHED_MH };
	struct xdplb_real r = { .weight = 1, .family = XDPLB_AF_INET };
	struct lb_check_entry *checks;
	struct xdplb_config cfg;
	char *before, *after;
	struct conf orig;
	struct lb lb, next;
	size_t nchecks;

	before = save_text();
	if (!ASSERT_TRUE(before, "save") || !ASSERT_EQ(lb_open(&lb, pin_dir), 0, "open") ||
	    !ASSERT_EQ(lb_lock(&lb, pin_dir), 0, "lock") ||
	    !ASSERT_EQ(conf_load(&orig, &lb), 0, "the configuration"))
		return;
	checks = lb_checks_snapshot(&lb, &nchecks);
	ASSERT_EQ(lb_journal_begin(&lb, &orig, checks, nchecks), 0, "journalled");
	ASSERT_EQ(lb_bulk_begin(&lb), 0, "bulk mode");
	k1.addr[0] = htonl(0x0a000001);
	k9.addr[0] = htonl(0x0a000009);
	ASSERT_EQ(lb_vip_add(&lb, &k9, &v), 0, "a new VIP (its table due at the flush)");
	r.addr[0] = htonl(0x0a000263);
	ASSERT_EQ(lb_real_add(&lb, &k9, &r), 0, "a backend for it");
	ASSERT_EQ(lb_vip_del(&lb, &k1), 0, "an old VIP deleted");
	ASSERT_EQ(lb_config_get(&lb, &cfg), 0, "config");
	cfg.udp_timeout = 7;
	ASSERT_EQ(lb_config_set(&lb, &cfg), 0, "a setting changed");
	conf_free(&orig);
	free(checks);
	lb_close(&lb); /* dies: no flush, no journal end; the kernel lets go of the lock */

	if (!ASSERT_EQ(lb_open(&next, pin_dir), 0, "the next process opens") ||
	    !ASSERT_EQ(lb_lock(&next, pin_dir), 0, "... and takes the lock"))
		return;
	ASSERT_TRUE(next.rolled_back, "it rolled the change back");
	ASSERT_EQ(next.rb_pid, getpid(), "naming the process that died");
	ASSERT_EQ(lb_config_get(&next, &cfg), 0, "config");
	ASSERT_EQ(cfg.journal, 0, "the journal is closed");
	lb_close(&next);
	after = save_text();
	ASSERT_TRUE(after && !strcmp(before, after), "the configuration as before the change");
	if (case_failed && after)
		fprintf(stderr, "    before:\n%s    after:\n%s", before, after);
	check_tables();
	check_no_stray_tables();
	check_addr_entries();
	free(before);
	free(after);
}

int main(void)
{
	REQUIRE_ROOT();
	if (setup()) {
		printf("not ok - setup\n0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("batch: a failure while applying rolls everything back", case_rollback);
	RUN_CASE("batch: the same lines apply when nothing interferes", case_applies);
	RUN_CASE("batch: ids reused lowest first, no stray tables, tables follow", case_bulk);
	RUN_CASE("batch: a change whose process died is rolled back by the next", case_died);
	xdplb_bpf__destroy(skel);
	return TEST_MAIN_END();
}
