// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdplb ipvsadm ARGS...` (and xdplb run as "ipvsadm"): ipvsadm's command line and output
 * formats over xdplb, so that scripts and monitoring written for LVS keep working.
 *
 * Changes (-A -E -D -a -e -d -C --set) are translated by import.c, as a line of an
 * ipvsadm-save dump is, and go through the batch checker: the same errors, all or nothing.
 * Listings (-L, -l) print ipvsadm's formats, column for column: the default one, --stats,
 * --rate, --thresholds, --timeout, --daemon, with -n, --exact, --nosort; -S prints rules as
 * ipvsadm-save does and -R reads them back.  What xdplb does not have is refused: exit 2 and
 * one "Error:" line naming the option.
 *
 * What xdplb counts differs from IPVS in two ways, said in xdplb(8): outbound traffic does
 * not pass the balancer in tun and dr modes, so OutPkts, OutBytes, OutPPS and OutBPS count
 * NAT replies only; rates are measured over one second when asked for, where IPVS keeps a
 * moving average.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "cli/cli.h"
#include "util/common.h"
#include "lib/conf.h"
#include "lib/lb.h"

/* What the kernel's IPVS reports as its version: scripts match the header line. */
#define IPVS_VERSION "1.2.1"

enum {
	F_NUMERIC = 1,
	F_STATS = 2,
	F_RATE = 4,
	F_THRESHOLDS = 8,
	F_EXACT = 16,
	F_NOSORT = 32,
	F_RULE = 64,
};

static int refuse(const char *opt, const char *why)
{
	p_err("ipvsadm %s: not supported by xdplb%s%s", opt, why ? ": " : "", why ? why : "");
	return -XDPLB_EUSAGE;
}

static int ipvsadm_help(void)
{
	if (json_help())
		return 0;
	if (strcmp(bin_name, "ipvsadm"))
		printf("Usage: %s ipvsadm IPVSADM-ARGS...\n\n", bin_name);
	printf(
	    "ipvsadm's command line over xdplb (xdplb run as \"ipvsadm\" takes it too):\n"
	    "  -A|-E -t|-u service-address [-s scheduler] [-p [timeout]] [-M netmask]\n"
	    "  -D -t|-u service-address\n"
	    "  -C\n"
	    "  -R                          restore the rules of -S from stdin\n"
	    "  -S [-n]                     save the rules (as ipvsadm-save)\n"
	    "  -a|-e -t|-u service-address -r server-address [-g|-i|-m] [-w weight]\n"
	    "  -d -t|-u service-address -r server-address\n"
	    "  -L|-l [-t|-u service-address] [-n] [--stats|--rate|--thresholds] [--exact]\n"
	    "        [--nosort] [--timeout] [--daemon]\n"
	    "  --set tcp tcpfin udp\n"
	    "  -h, -v\n"
	    "Schedulers: rr, wrr, lc, wlc (the default), sh, mh.  Changes go through the batch\n"
	    "checker, as 'import ipvsadm'.  Not supported (exit 2): -f, -6, -b, -o, --pe, -x and\n"
	    "-y other than 0, -Z, -c, --persistent-conn, --start-daemon, --stop-daemon.\n"
	    "OutPkts, OutBytes, OutPPS and OutBPS count NAT replies only: tun and dr backends\n"
	    "answer clients directly (see xdplb(8), ipvsadm).\n");
	return 0;
}

/* "ADDR:PORT" (IPv6 "[ADDR]:PORT") of ipvsadm's listings: numbers with -n, else names. */
static void addrport(const __be32 addr[4], __u8 family, __be16 port, __u8 proto, int fmt, char *buf,
		     size_t len)
{
	char a[NI_MAXHOST], p[32];
	bool v6 = family == XDPLB_AF_INET6;

	inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	snprintf(p, sizeof(p), "%u", ntohs(port));
	if (!(fmt & F_NUMERIC)) {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in s4 = { .sin_family = AF_INET };
		struct servent *se = getservbyport(port, proto == 17 ? "udp" : "tcp");
		char host[NI_MAXHOST];

		memcpy(&s6.sin6_addr, addr, 16);
		s4.sin_addr.s_addr = addr[0];
		if (!getnameinfo(v6 ? (void *)&s6 : (void *)&s4, v6 ? sizeof(s6) : sizeof(s4), host,
				 sizeof(host), NULL, 0, NI_NAMEREQD))
			snprintf(a, sizeof(a), "%s", host);
		if (se)
			snprintf(p, sizeof(p), "%s", se->s_name);
	}
	/* a name longer than the buffer is cut, as ipvsadm cuts it */
	if (snprintf(buf, len, "%s%s%s:%s", v6 ? "[" : "", a, v6 ? "]" : "", p) >= (int)len)
		buf[len - 1] = 0;
}

/* ipvsadm's numbers in statistics: exact, or shortened to K, M, G, T in 9 columns. */
static void largenum(unsigned long long i, int fmt)
{
	char tmp[32];
	int n;

	if (fmt & F_EXACT) {
		n = snprintf(tmp, sizeof(tmp), "%llu", i);
		printf("%*llu", n <= 8 ? 9 : n + 1, i);
	} else if (i < 100000000ULL) {
		printf("%9llu", i);
	} else if (i < 1000000000ULL) {
		printf("%8lluK", i / 1000);
	} else if (i < 100000000000ULL) {
		printf("%8lluM", i / 1000000);
	} else if (i < 100000000000000ULL) {
		printf("%8lluG", i / 1000000000ULL);
	} else {
		printf("%8lluT", i / 1000000000000ULL);
	}
}

static const char *const fwd_name[XDPLB_MODE_MAX] = {
	[XDPLB_MODE_TUN] = "Tunnel",
	[XDPLB_MODE_DR] = "Route",
	[XDPLB_MODE_NAT] = "Masq",
};

static const char *const fwd_switch[XDPLB_MODE_MAX] = {
	[XDPLB_MODE_TUN] = "-i",
	[XDPLB_MODE_DR] = "-g",
	[XDPLB_MODE_NAT] = "-m",
};

/* ipvsadm's order: protocol, family, address, port (libipvs ipvs_cmp_services()). */
static int cmp_vips(const void *a, const void *b)
{
	const struct conf_vip *x = a, *y = b;
	int d;

	if (x->key.proto != y->key.proto)
		return x->key.proto - y->key.proto;
	if (x->key.family != y->key.family)
		return x->key.family - y->key.family;
	d = memcmp(x->key.addr, y->key.addr, 16);
	if (d)
		return d;
	return ntohs(x->key.port) - ntohs(y->key.port);
}

static const struct conf_vip *sort_vip;

static int cmp_reals(const void *a, const void *b)
{
	const struct conf_real *x = a, *y = b;
	int d;

	if (x->r.family != y->r.family)
		return x->r.family - y->r.family;
	d = memcmp(x->r.addr, y->r.addr, 16);
	if (d)
		return d;
	return ntohs(x->r.port ?: sort_vip->key.port) - ntohs(y->r.port ?: sort_vip->key.port);
}

static void print_title(int fmt)
{
	if (fmt & F_STATS)
		printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
		       "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
		       "OutBytes");
	else if (fmt & F_RATE)
		printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
		       "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS");
	else if (fmt & F_THRESHOLDS)
		printf("%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n",
		       "Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn",
		       "InActConn");
	else if (!(fmt & F_RULE))
		printf("Prot LocalAddress:Port Scheduler Flags\n"
		       "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

/* Counters of the listing: new flows, packets, bytes (and their rates over a second). */
struct counts {
	struct conf_traffic t0, t1;
	bool rate;
};

static void print_service(struct lb *lb, struct conf_vip *v, int fmt, struct counts *cn, int vi)
{
	char name[96], svc[128], a[96];
	bool v6 = v->key.family == XDPLB_AF_INET6;
	const struct xdplb_traffic *s0 = &cn->t0.vip[vi], *s1 = cn->rate ? &cn->t1.vip[vi] : s0;

	addrport(v->key.addr, v->key.family, v->key.port, v->key.proto, fmt, name, sizeof(name));
	if (fmt & F_RULE) {
		snprintf(svc, sizeof(svc), "%s %s", v->key.proto == 6 ? "-t" : "-u", name);
		printf("-A %s -s %s", svc, sched_names[v->vip.sched]);
		if (v->vip.persist)
			printf(" -p %u", v->vip.persist);
	} else {
		snprintf(svc, sizeof(svc), "%s  %s", v->key.proto == 6 ? "TCP" : "UDP", name);
		if (!v6)
			svc[33] = 0;
		if (fmt & F_STATS) {
			printf("%-33s", svc);
			largenum(s0->flows, fmt);
			largenum(s0->packets, fmt);
			largenum(s0->out_packets, fmt);
			largenum(s0->bytes, fmt);
			largenum(s0->out_bytes, fmt);
		} else if (fmt & F_RATE) {
			printf("%-33s", svc);
			largenum(s1->flows - s0->flows, fmt);
			largenum(s1->packets - s0->packets, fmt);
			largenum(s1->out_packets - s0->out_packets, fmt);
			largenum(s1->bytes - s0->bytes, fmt);
			largenum(s1->out_bytes - s0->out_bytes, fmt);
		} else if (fmt & F_THRESHOLDS) {
			printf("%s", svc);
		} else {
			printf("%s %s", svc, sched_names[v->vip.sched]);
			if (v->vip.persist)
				printf(" persistent %u", v->vip.persist);
		}
	}
	printf("\n");
	if (!(fmt & F_NOSORT)) {
		sort_vip = v;
		qsort(v->reals, v->nreals, sizeof(*v->reals), cmp_reals);
	}
	for (int i = 0; i < v->nreals; i++) {
		const struct conf_real *r = &v->reals[i];
		const struct xdplb_traffic *r0 = &cn->t0.real[r->id],
					   *r1 = cn->rate ? &cn->t1.real[r->id] : r0;
		struct xdplb_conns c = {};

		if (r->gone)
			continue;
		lb_read_conns(lb, r->id, &c);
		addrport(r->r.addr, r->r.family, r->r.port ?: v->key.port, v->key.proto, fmt, a,
			 sizeof(a));
		if (!(fmt & F_RULE) && !v6)
			a[28] = 0;
		if (fmt & F_RULE) {
			printf("-a %s -r %s %s -w %u\n", svc, a, fwd_switch[v->vip.mode],
			       r->r.weight);
		} else if (fmt & F_STATS) {
			printf("  -> %-28s", a);
			largenum(r0->flows, fmt);
			largenum(r0->packets, fmt);
			largenum(r0->out_packets, fmt);
			largenum(r0->bytes, fmt);
			largenum(r0->out_bytes, fmt);
			printf("\n");
		} else if (fmt & F_RATE) {
			printf("  -> %-28s %8llu %8llu %8u", a,
			       (unsigned long long)(r1->flows - r0->flows),
			       (unsigned long long)(r1->packets - r0->packets),
			       (unsigned)(r1->out_packets - r0->out_packets));
			largenum(r1->bytes - r0->bytes, fmt);
			largenum(r1->out_bytes - r0->out_bytes, fmt);
			printf("\n");
		} else if (fmt & F_THRESHOLDS) {
			printf("  -> %-28s %-10u %-10u %-10lld %-10lld\n", a, 0, 0,
			       (long long)c.active, (long long)c.inactive);
		} else {
			printf("  -> %-28s %-7s %-6u %-10lld %-10lld\n", a, fwd_name[v->vip.mode],
			       r->r.weight, (long long)c.active, (long long)c.inactive);
		}
	}
}

/* -L [-t|-u SERVICE] and -S: the listing in the format asked for. */
static int list(const struct xdplb_vip_key *one, int fmt)
{
	struct counts cn = {};
	struct conf c;
	struct lb lb;
	int err, nv = 0;

	err = state_conf(&lb, &c, false);
	if (err)
		return err;
	/* the live VIPs, sorted as ipvsadm sorts them (ids and counters go with them) */
	for (int i = 0; i < c.nvips; i++) {
		if (c.vips[i].gone)
			continue;
		if (one && memcmp(&c.vips[i].key, one, sizeof(*one)))
			continue;
		if (nv != i) {
			struct conf_vip tmp = c.vips[nv];

			c.vips[nv] = c.vips[i];
			c.vips[i] = tmp;
		}
		nv++;
	}
	if (one && !nv) {
		char svc[80];

		p_err("vip %s: not found", fmt_service(one, svc, sizeof(svc)));
		err = -ENOENT;
		goto out;
	}
	if (!(fmt & F_NOSORT))
		qsort(c.vips, nv, sizeof(*c.vips), cmp_vips);
	{
		int all = c.nvips;

		c.nvips = nv; /* the counters of these only */
		err = conf_traffic_read(&lb, &c, &cn.t0);
		if (!err && (fmt & F_RATE)) {
			sleep(1);
			err = conf_traffic_read(&lb, &c, &cn.t1);
			cn.rate = true;
		}
		c.nvips = all;
	}
	if (err) {
		p_err("ipvsadm: counters: %s", strerror(-err));
		goto out;
	}
	if (!one && !(fmt & F_RULE))
		printf("IP Virtual Server version %s (size=%u)\n", IPVS_VERSION, lb.max_flows);
	print_title(fmt);
	for (int i = 0; i < nv; i++)
		print_service(&lb, &c.vips[i], fmt, &cn, i);
out:
	conf_traffic_free(&cn.t0);
	conf_traffic_free(&cn.t1);
	conf_free(&c);
	lb_close(&lb);
	return err;
}

static int list_timeout(void)
{
	struct xdplb_config cfg;
	struct lb lb;
	int err = state_open(&lb, false);

	if (err)
		return err;
	err = lb_config_get(&lb, &cfg);
	if (!err)
		printf("Timeout (tcp tcpfin udp): %u %u %u\n", cfg.tcp_timeout, cfg.tcpfin_timeout,
		       cfg.udp_timeout);
	else
		p_err("ipvsadm --timeout: %s", strerror(-err));
	lb_close(&lb);
	return err;
}

/* Options without a value, and those that take one. */
static bool takes_value(char c)
{
	return strchr("tufsrwxyMp", c) != NULL;
}

/* ipvsadm bundles short options (-Ln, -lnc): one word each, a value after its option. */
static int expand(int argc, char **argv, char ***out)
{
	char **v = calloc(argc * 16 + 1, sizeof(*v));
	int n = 0;

	if (!v)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '-' || !a[1] || !a[2] || strlen(a) > 15) {
			v[n++] = argv[i];
			continue;
		}
		for (const char *c = a + 1; *c; c++) {
			char *w = malloc(3);

			if (!w)
				return -ENOMEM;
			w[0] = '-';
			w[1] = *c;
			w[2] = 0;
			v[n++] = w;
			if (takes_value(*c) && c[1]) { /* -w5: the rest is the value */
				v[n++] = strdup(c + 1);
				break;
			}
		}
	}
	*out = v;
	return n;
}

static bool is_opt(const char *a, const char *s, const char *l)
{
	return (s && !strcmp(a, s)) || (l && !strcmp(a, l));
}

int do_ipvsadm(int argc, char **argv)
{
	static const char *const changes[] = { "-A", "--add-service",	 "-E",	 "--edit-service",
					       "-D", "--delete-service", "-a",	 "--add-server",
					       "-e", "--edit-server",	 "-d",	 "--delete-server",
					       "-C", "--clear",		 "--set" };
	static const struct {
		const char *s, *l, *why;
	} refused[] = {
		{ "-Z", "--zero", "xdplb's counters are not zeroed (compare two readings)" },
		{ "-c", "--connection", "'xdplb flow show' lists the flows" },
		{ NULL, "--persistent-conn", "xdplb does not count persistent connections" },
		{ NULL, "--start-daemon",
		  "no connection synchronisation: flows are recomputed "
		  "(see xdplb(8), CLUSTER)" },
		{ NULL, "--stop-daemon", "no connection synchronisation" },
		{ "-f", "--fwmark-service",
		  "fwmark services (xdplb balances protocol, address, "
		  "port)" },
		{ "-6", "--ipv6", "fwmark services" },
		{ NULL, "--sctp-service", "SCTP services" },
		{ "-b", "--sched-flags", "scheduler flags" },
		{ "-o", "--ops", "one-packet scheduling" },
		{ NULL, "--pe", "persistence engines" },
		{ NULL, "--mcast-interface", "connection synchronisation" },
		{ NULL, "--syncid", "connection synchronisation" },
	};
	char **v = NULL;
	int n, fmt = 0, err = 0, list_cmd = 0, change = 0;
	bool timeout = false, daemon = false, save = false, restore = false;
	const char *svc_proto = NULL, *svc = NULL;

	if (argc == 1 && !strcmp(argv[0], "help"))
		return ipvsadm_help();
	n = expand(argc, argv, &v);
	if (n < 0) {
		p_err("ipvsadm: %s", strerror(ENOMEM));
		return n;
	}
	if (n == 0) {
		/* ipvsadm without arguments lists, as -L */
		list_cmd = 1;
	}
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(changes) / sizeof(changes[0]); k++)
			change |= !strcmp(v[i], changes[k]);
	for (int i = 0; i < n && !err; i++) {
		const char *a = v[i];
		size_t k;

		for (k = 0; k < sizeof(changes) / sizeof(changes[0]); k++)
			if (!strcmp(a, changes[k]))
				break;
		if (k < sizeof(changes) / sizeof(changes[0]))
			continue;
		/* a change's options are import.c's to judge (its messages name them) */
		for (k = 0; k < sizeof(refused) / sizeof(refused[0]) && !(change && k >= 5); k++)
			if (is_opt(a, refused[k].s, refused[k].l))
				break;
		if (k < sizeof(refused) / sizeof(refused[0]) && !(change && k >= 5)) {
			err = refuse(a, refused[k].why);
			break;
		}
		if (is_opt(a, "-L", "--list") || is_opt(a, "-l", NULL)) {
			list_cmd = 1;
		} else if (is_opt(a, "-n", "--numeric")) {
			fmt |= F_NUMERIC;
		} else if (is_opt(a, NULL, "--stats")) {
			fmt |= F_STATS;
		} else if (is_opt(a, NULL, "--rate")) {
			fmt |= F_RATE;
		} else if (is_opt(a, NULL, "--thresholds")) {
			fmt |= F_THRESHOLDS;
		} else if (is_opt(a, NULL, "--exact") || is_opt(a, "-X", NULL)) {
			fmt |= F_EXACT;
		} else if (is_opt(a, NULL, "--nosort")) {
			fmt |= F_NOSORT;
		} else if (is_opt(a, NULL, "--sort")) {
			/* does nothing, as in ipvsadm */
		} else if (is_opt(a, NULL, "--timeout")) {
			timeout = true;
		} else if (is_opt(a, NULL, "--daemon")) {
			daemon = true;
		} else if (is_opt(a, "-S", "--save")) {
			save = true;
		} else if (is_opt(a, "-R", "--restore")) {
			restore = true;
		} else if (is_opt(a, "-h", "--help")) {
			free(v);
			return ipvsadm_help();
		} else if (is_opt(a, "-v", "--version")) {
			printf("ipvsadm (xdplb %s, IPVS %s formats)\n", XDPLB_VERSION,
			       IPVS_VERSION);
			free(v);
			return 0;
		} else if (is_opt(a, "-t", "--tcp-service") || is_opt(a, "-u", "--udp-service")) {
			if (i + 1 >= n) {
				p_err("ipvsadm %s: missing service-address", a);
				err = -XDPLB_EUSAGE;
				break;
			}
			svc_proto = a[1] == 't' || a[2] == 't' ? "tcp" : "udp";
			svc = v[++i];
		} else if (change && takes_value(a[1]) && a[0] == '-' && a[1] && !a[2]) {
			i++; /* the value of a change's option: import.c reads it */
		} else if (change || a[0] != '-') {
			/* long options and values of changes: import.c reads and judges them */
		} else {
			p_err("ipvsadm option \"%s\": unknown", a);
			err = -XDPLB_EUSAGE;
		}
	}
	if (err)
		goto out;
	if (change + list_cmd + save + restore + (timeout || daemon ? 0 : 0) > 1) {
		p_err("ipvsadm: one command at a time (-A, -E, -D, -a, -e, -d, -C, --set, -L, -S "
		      "or -R)");
		err = -XDPLB_EUSAGE;
		goto out;
	}
	if (change) {
		err = import_ipvsadm_argv(n, v);
	} else if (restore) {
		char *in[] = { "-" };

		err = import_ipvsadm(1, in);
	} else if (timeout || daemon) {
		if (timeout)
			err = list_timeout();
		/* --daemon: no sync daemon runs, so nothing to print (as ipvsadm then) */
	} else if (save || list_cmd) {
		struct xdplb_vip_key key;
		char *sv[2] = { (char *)svc_proto, (char *)svc };

		if (svc && !save) {
			char num[80];

			/* names as ipvsadm takes them: through import's resolution */
			err = ipvsadm_service(svc_proto, svc, num, sizeof(num));
			sv[1] = num;
			if (!err)
				err = parse_service(2, sv, &key);
		}
		if (!err && (fmt & (F_STATS | F_RATE | F_THRESHOLDS)) &&
		    __builtin_popcount(fmt & (F_STATS | F_RATE | F_THRESHOLDS)) > 1) {
			p_err("ipvsadm: --stats, --rate and --thresholds cannot go together");
			err = -XDPLB_EUSAGE;
		}
		if (!err)
			err = list(svc && !save ? &key : NULL, fmt | (save ? F_RULE : 0));
	} else {
		p_err("ipvsadm: no command (expected -A, -E, -D, -a, -e, -d, -C, --set, -L, -S or "
		      "-R)");
		err = -XDPLB_EUSAGE;
	}
out:
	for (int i = 0; i < n; i++) {
		bool ours = true;

		for (int k = 0; k < argc; k++)
			if (v[i] == argv[k])
				ours = false;
		if (ours)
			free(v[i]);
	}
	free(v);
	return err;
}
