// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdplb trace`: each packet's decision as the data plane made it, live, from the trace ring
 * (lib/trace.c, bpf/trace.h): one line (or JSON object) per packet, and with -w the packets'
 * first bytes in a pcap file (libpcap).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include "cli/cli.h"
#include "util/common.h"

#define HELP_TRACE                                                                                 \
	"trace [ vip SERVICE ] [ client PREFIX ] [ reason R ]... [ count N ]\n"                    \
	"                [ -w FILE ]"

static int trace_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf(
	    "Usage: %1$s " HELP_TRACE "\n"
	    "       %1$s trace status\n"
	    "       %1$s trace stop\n"
	    "SERVICE := { tcp | udp } ADDR:PORT   (IPv6: [ADDR]:PORT; port 0 = all ports)\n"
	    "PREFIX  := ADDR[/LEN]   (the address alone: the host)\n"
	    "\n"
	    "  Live: one line per packet the data plane decided on, until Ctrl-C or count N:\n"
	    "  time, interface, protocol, source > destination, its VIP, its flow (found, new,\n"
	    "  resched: moved off a backend that went; reply: a NAT reply or an ICMP error about\n"
	    "  a flow), the backend, the verdict (TX, REDIRECT, PASS, DROP) and its reason; -j:\n"
	    "  one JSON object per line.  Off by default; one trace at a time.\n"
	    "  vip      only packets of this VIP\n"
	    "  client   only packets whose source or destination is in PREFIX\n"
	    "  reason   only packets with this reason (a name of stats show, or drop, pass:\n"
	    "           all of them); repeat for several\n"
	    "  count    stop after N packets\n"
	    "  -w       also write the packets to FILE in pcap format (tcpdump -r FILE), their\n"
	    "           first %2$u bytes as the balancer sent them on (encapsulated or\n"
	    "           rewritten when forwarded); - is stdout (then no lines)\n"
	    "  status   whether a trace is on, its owner, filters and lost events\n"
	    "  stop     turn off a trace whose process died without doing so\n",
	    bin_name, XDPLB_TRACE_SNAP);
	return 0;
}

static const char *const flow_names[] = {
	[XDPLB_TRACE_NONE] = "-",	   [XDPLB_TRACE_FOUND] = "found", [XDPLB_TRACE_NEW] = "new",
	[XDPLB_TRACE_RESCHED] = "resched", [XDPLB_TRACE_REPLY] = "reply",
};

static const char *flow_name(__u8 f)
{
	return f < sizeof(flow_names) / sizeof(flow_names[0]) ? flow_names[f] : "?";
}

/* The XDP action of a reason, as bpf/xdplb.bpf.c's verdict() makes it. */
static const char *verdict_name(__u8 r)
{
	if (r >= XDPLB_R_DROP_MALFORMED_L2)
		return "drop";
	if (r == XDPLB_R_TX)
		return "tx";
	if (r == XDPLB_R_REDIRECT || r == XDPLB_R_TX_REJECT || r == XDPLB_R_TX_ECHO ||
	    r == XDPLB_R_TX_TOO_BIG)
		return "redirect";
	return "pass";
}

static const char *reason_name(__u8 r)
{
	return r < XDPLB_R_MAX && reason_names[r] ? reason_names[r] : "?";
}

static const char *l4_name(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmp6";
	}
	snprintf(buf, len, "proto-%u", proto);
	return buf;
}

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = 1;
}

/* What the printer keeps between events. */
struct tracer {
	struct lb *lb;
	__u64 wall_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns: the events' clock to wall time */
	__u32 count, shown;
	bool lines, out_err;
	pcap_t *pcap;
	pcap_dumper_t *dump;
	__u32 changes; /* xdplb_config.changes when the names below were read */
	/* VIP ids -> services, backend ids -> backends, read when first needed */
	struct xdplb_vip_key *vips;
	__u8 *vip_known;
	struct xdplb_real *reals;
	__u8 *real_known;
	struct {
		__u32 ifindex;
		char name[IF_NAMESIZE];
	} ifs[16];
};

/* What a tracer knows of a VIP or backend id. */
enum { NAME_UNKNOWN, NAME_KNOWN, NAME_NONE, NAME_STALE };

/* After a configuration change ids may name other VIPs and backends: each is read again when
 * next used.  A name read before stays where its id is free now (deleted since: the events
 * still in the ring are most likely its). */
static void stale_names(struct tracer *t)
{
	for (__u32 i = 0; i < t->lb->max_vips; i++)
		t->vip_known[i] = t->vip_known[i] == NAME_KNOWN ? NAME_STALE : NAME_UNKNOWN;
	for (__u32 i = 0; i < t->lb->max_reals; i++)
		t->real_known[i] = t->real_known[i] == NAME_KNOWN ? NAME_STALE : NAME_UNKNOWN;
	memset(t->ifs, 0, sizeof(t->ifs));
}

static void check_changes(struct tracer *t)
{
	struct xdplb_config cfg;

	if (!lb_config_get(t->lb, &cfg) && cfg.changes != t->changes) {
		t->changes = cfg.changes;
		stale_names(t);
	}
}

/* VIP @id's service, or NULL. */
static const struct xdplb_vip_key *vip_of(struct tracer *t, __u32 id)
{
	struct lb_vip_entry *v;
	int n;

	if (!id || id >= t->lb->max_vips)
		return NULL;
	if (t->vip_known[id] == NAME_UNKNOWN || t->vip_known[id] == NAME_STALE) {
		n = lb_vip_list_alloc(t->lb, &v);
		for (int i = 0; i < n; i++) {
			if (v[i].vip.id < t->lb->max_vips) {
				t->vips[v[i].vip.id] = v[i].key;
				t->vip_known[v[i].vip.id] = NAME_KNOWN;
			}
		}
		if (n >= 0)
			free(v);
		/* every other stale one is gone: keeps its name */
		for (__u32 i = 0; n >= 0 && i < t->lb->max_vips; i++)
			if (t->vip_known[i] == NAME_STALE)
				t->vip_known[i] = NAME_KNOWN;
		if (t->vip_known[id] == NAME_UNKNOWN)
			t->vip_known[id] = NAME_NONE; /* not asked again until a change */
	}
	return t->vip_known[id] == NAME_KNOWN ? &t->vips[id] : NULL;
}

/* Backend @id, or NULL. */
static const struct xdplb_real *real_of(struct tracer *t, __u32 id)
{
	struct xdplb_real r;

	if (!id || id >= t->lb->max_reals)
		return NULL;
	if (t->real_known[id] == NAME_UNKNOWN || t->real_known[id] == NAME_STALE) {
		if (!lb_real_get(t->lb, id, &r) && r.vip_id) {
			t->reals[id] = r;
			t->real_known[id] = NAME_KNOWN;
		} else {
			t->real_known[id] =
			    t->real_known[id] == NAME_STALE ? NAME_KNOWN : NAME_NONE;
		}
	}
	return t->real_known[id] == NAME_KNOWN ? &t->reals[id] : NULL;
}

static const char *if_name(struct tracer *t, __u32 ifindex, char *buf)
{
	size_t n = sizeof(t->ifs) / sizeof(t->ifs[0]), i;

	for (i = 0; i < n && t->ifs[i].ifindex; i++)
		if (t->ifs[i].ifindex == ifindex)
			return t->ifs[i].name;
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	if (i < n) {
		t->ifs[i].ifindex = ifindex;
		snprintf(t->ifs[i].name, sizeof(t->ifs[i].name), "%s", buf);
	}
	return buf;
}

/* The packet's source or destination: ADDR:PORT for TCP and UDP, ADDR else, "-" not IP. */
static const char *endpoint(const struct xdplb_flow_key *k, bool dst, char *buf, size_t len)
{
	const __be32 *a = dst ? k->dst : k->src;

	if (k->family != XDPLB_AF_INET && k->family != XDPLB_AF_INET6) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (k->proto == 6 || k->proto == 17)
		return fmt_addr_port(a, k->family, dst ? k->dport : k->sport, buf, len);
	return fmt_addr(a, k->family, buf, len);
}

static int trace_event(const struct xdplb_trace_event *e, void *ctx)
{
	char ifb[IF_NAMESIZE], src[64], dst[64], svc[80] = "-", be[64] = "-", l4[16], when[32];
	struct tracer *t = ctx;
	__u64 wall = e->time + t->wall_off;
	const struct xdplb_vip_key *vk = vip_of(t, e->vip_id);
	const struct xdplb_real *r = real_of(t, e->real_id);
	const char *ifn = if_name(t, e->ifindex, ifb);
	time_t secs = wall / 1000000000ull;
	__u32 usec = wall % 1000000000ull / 1000;
	struct tm tm;

	if (vk)
		fmt_service(vk, svc, sizeof(svc));
	if (r) /* its port where nat maps it, else the packet's (the source's for a reply) */
		fmt_addr_port(r->addr, r->family ?: e->key.family,
			      r->port
				  ?: (e->flow == XDPLB_TRACE_REPLY ? e->key.sport : e->key.dport),
			      be, sizeof(be));
	endpoint(&e->key, false, src, sizeof(src));
	endpoint(&e->key, true, dst, sizeof(dst));
	if (t->dump) {
		struct pcap_pkthdr h = { .caplen = e->snap, .len = e->len };

		h.ts.tv_sec = secs;
		h.ts.tv_usec = usec;
		if (h.len < h.caplen) /* the frame grew on its way out (encapsulated) */
			h.len = h.caplen;
		pcap_dump((u_char *)t->dump, &h, e->data);
	}
	if (json_output && t->lines) {
		json_object *o = json_object_new_object();
		char ts[32];

		snprintf(ts, sizeof(ts), "%lld.%06u", (long long)secs, usec);
		json_object_object_add(o, "time", json_object_new_double_s(secs + usec / 1e6, ts));
		json_object_object_add(o, "ifindex", json_object_new_int64(e->ifindex));
		json_object_object_add(o, "ifname", json_object_new_string(ifn));
		json_object_object_add(
		    o, "protocol",
		    e->key.family ? json_object_new_string(l4_name(e->key.proto, l4, sizeof(l4)))
				  : NULL);
		json_object_object_add(o, "src",
				       e->key.family ? json_object_new_string(src) : NULL);
		json_object_object_add(o, "dst",
				       e->key.family ? json_object_new_string(dst) : NULL);
		json_object_object_add(o, "vip", vk ? json_object_new_string(svc) : NULL);
		json_object_object_add(o, "vip_id", json_object_new_int64(e->vip_id));
		json_object_object_add(
		    o, "flow", json_object_new_string(e->flow ? flow_name(e->flow) : "none"));
		json_object_object_add(o, "backend", r ? json_object_new_string(be) : NULL);
		json_object_object_add(o, "backend_id", json_object_new_int64(e->real_id));
		json_object_object_add(o, "verdict",
				       json_object_new_string(verdict_name(e->reason)));
		json_object_object_add(o, "reason", json_object_new_string(reason_name(e->reason)));
		json_object_object_add(o, "len", json_object_new_int64(e->len));
		json_object_object_add(o, "snap", json_object_new_int64(e->snap));
		json_print(o);
	} else if (t->lines) {
		const char *v = verdict_name(e->reason);

		localtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		printf("%s.%06u %s %s %s > %s vip %s flow %s real %s ", when, usec, ifn,
		       e->key.family ? l4_name(e->key.proto, l4, sizeof(l4)) : "-", src, dst, svc,
		       flow_name(e->flow), be);
		for (; *v; v++)
			putchar(*v - 'a' + 'A');
		printf(" %s\n", reason_name(e->reason));
	}
	if (t->lines && ferror(stdout)) {
		t->out_err = true; /* a closed pipe (xdplb trace | head): nobody is listening */
		return 1;
	}
	t->shown++;
	return t->count && t->shown >= t->count;
}

/* Bit mask of reason word @w (a name, or drop / pass for all of that verdict), 0 if none. */
static __u32 reason_bits(const char *w)
{
	size_t n = strlen(w);
	__u32 bits = 0;

	for (int r = 0; r < XDPLB_R_MAX; r++) {
		if (!reason_names[r])
			continue;
		if (!strcmp(reason_names[r], w) ||
		    ((!strcmp(w, "drop") || !strcmp(w, "pass")) &&
		     !strncmp(reason_names[r], w, n) && reason_names[r][n] == '_'))
			bits |= 1u << r;
	}
	return bits;
}

struct trace_args {
	struct lb_trace_filter f;
	__u32 count;
	const char *pcap;
	char vip[80], client[64];
};

static int parse_trace(int argc, char **argv, struct lb *lb, struct trace_args *a)
{
	struct xdplb_vip_key key;
	struct xdplb_vip vip;
	__u32 bits;

	memset(a, 0, sizeof(*a));
	while (argc > 0) {
		if (!strcmp(*argv, "vip")) {
			if (argc < 3) {
				p_err("missing argument after \"vip\": expected SERVICE");
				return -XDPLB_EUSAGE;
			}
			NEXT_ARG();
			if (parse_service(argc, argv, &key))
				return -XDPLB_EUSAGE;
			fmt_service(&key, a->vip, sizeof(a->vip));
			if (lb_vip_get(lb, &key, &vip)) {
				p_err("vip %s: not found", a->vip);
				return -ENOENT;
			}
			a->f.vip_id = vip.id;
			NEXT_ARG();
		} else if (!strcmp(*argv, "client")) {
			REQ_ARG("PREFIX");
			if (parse_prefix(*argv, a->f.client, a->f.mask, &a->f.family))
				return bad_arg(*argv,
					       "client must be ADDR or ADDR/LEN (IPv4 /0..32, "
					       "IPv6 /0..128)");
			snprintf(a->client, sizeof(a->client), "%s", *argv);
		} else if (!strcmp(*argv, "reason")) {
			REQ_ARG("R");
			bits = reason_bits(*argv);
			if (!bits)
				return bad_arg(*argv,
					       "unknown reason (the names of '%s stats show', "
					       "drop or pass)",
					       bin_name);
			a->f.reasons |= bits;
		} else if (!strcmp(*argv, "count")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 1, 0xffffffffu, &a->count))
				return bad_arg(*argv, "count must be 1..%u", 0xffffffffu);
		} else if (!strcmp(*argv, "-w")) {
			REQ_ARG("FILE");
			a->pcap = *argv;
		} else {
			return bad_arg(*argv,
				       "unknown keyword (expected vip, client, reason, count "
				       "or -w)");
		}
		NEXT_ARG();
	}
	a->f.snap = a->pcap ? XDPLB_TRACE_SNAP : 0; /* no bytes copied that nobody writes */
	return 0;
}

static __u64 clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int tracer_init(struct tracer *t, struct lb *lb, const struct trace_args *a)
{
	struct xdplb_config cfg;

	memset(t, 0, sizeof(*t));
	t->lb = lb;
	t->count = a->count;
	t->lines = !a->pcap || strcmp(a->pcap, "-");
	t->wall_off = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	if (!lb_config_get(lb, &cfg))
		t->changes = cfg.changes;
	t->vips = calloc(lb->max_vips, sizeof(*t->vips));
	t->vip_known = calloc(lb->max_vips, 1);
	t->reals = calloc(lb->max_reals, sizeof(*t->reals));
	t->real_known = calloc(lb->max_reals, 1);
	if (!t->vips || !t->vip_known || !t->reals || !t->real_known) {
		p_err("trace: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (!a->pcap)
		return 0;
	t->pcap = pcap_open_dead(DLT_EN10MB, XDPLB_TRACE_SNAP);
	if (!t->pcap) {
		p_err("trace: pcap: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	t->dump = pcap_dump_open(t->pcap, a->pcap);
	if (!t->dump) {
		p_err("trace: -w %s: %s", a->pcap, pcap_geterr(t->pcap));
		return -EIO;
	}
	return 0;
}

static void tracer_free(struct tracer *t)
{
	if (t->dump)
		pcap_dump_close(t->dump);
	if (t->pcap)
		pcap_close(t->pcap);
	free(t->vips);
	free(t->vip_known);
	free(t->reals);
	free(t->real_known);
}

/* Until count, a signal, an error, or the trace taken from us: 0 or -errno. */
static int trace_loop(struct tracer *t, struct lb_trace_reader *rd)
{
	struct xdplb_trace_ctl ctl;
	int n;

	while (!exiting) {
		n = lb_trace_poll(rd, 250);
		if (t->lines && (fflush(stdout) || ferror(stdout)))
			return 0; /* a closed pipe (xdplb trace | head): nobody is listening */
		if (t->dump && pcap_dump_flush(t->dump)) {
			if (errno == EPIPE) /* -w - | a reader that went away */
				return 0;
			p_err("trace: write the pcap file: %s", strerror(errno));
			return -EIO;
		}
		if (n == -ECANCELED || n == -EINTR)
			return 0; /* count reached or nobody listening; a signal */
		if (n < 0) {
			p_err("trace: read the ring: %s", strerror(-n));
			return n;
		}
		check_changes(t);
		if (n == 0 && !lb_trace_get(t->lb, &ctl, NULL) &&
		    (!ctl.on || ctl.owner != (__u32)getpid())) {
			p_err("trace: turned off by another process");
			return -ECANCELED;
		}
	}
	return 0;
}

static int trace_run(int argc, char **argv)
{
	struct lb_trace_reader *rd = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct trace_args a;
	struct tracer t = {};
	__u32 prev = 0;
	__u64 lost = 0;
	struct lb lb;
	int err, e2;

	err = state_open(&lb, true); /* the lock: of two starts, one wins */
	if (err)
		return err;
	err = parse_trace(argc, argv, &lb, &a);
	err = err ?: tracer_init(&t, &lb, &a);
	/* before it is on: from then on every way out turns it off (SIGKILL aside: trace
	 * stop) */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is an error to end on, not death */
	if (!err) {
		err = lb_trace_open(&lb, trace_event, &t, &rd);
		if (err)
			p_err("trace: open the trace ring: %s", strerror(-err));
	}
	if (!err) {
		err = lb_trace_start(&lb, &a.f, &prev);
		if (err == -EBUSY)
			p_err("trace: process %u is tracing already (one trace at a time: stop it "
			      "first, or wait for it to end)",
			      prev);
		else if (err)
			p_err("trace: start: %s", strerror(-err));
		else if (prev)
			p_warn("trace: process %u died without turning its trace off: taken over",
			       prev);
	}
	lb_unlock(&lb);
	msg_hold(false); /* the lock is free: messages go out as they come */
	if (err)
		goto out;

	if (!json_output && t.lines)
		fprintf(stderr, "tracing%s%s%s%s, Ctrl-C to stop\n", a.vip[0] ? " vip " : "", a.vip,
			a.client[0] ? " client " : "", a.client);
	err = trace_loop(&t, rd);
	e2 = lb_trace_stop(&lb, false);
	if (e2 && e2 != -EBUSY) /* -EBUSY: another has it now, and said so */
		p_err("trace: stop: %s", strerror(-e2));
	err = err ?: e2 == -EBUSY ? 0 : e2;
	lb_trace_lost(&lb, &lost);
	fprintf(stderr, "%u events shown, %llu lost\n", t.shown, (unsigned long long)lost);
out:
	lb_trace_close(rd);
	tracer_free(&t);
	lb_close(&lb);
	return err;
}

static int trace_status(int argc, char **argv)
{
	char client[64] = "", vip[80] = "";
	const struct xdplb_vip_key *vk;
	struct xdplb_trace_ctl ctl;
	struct tracer t;
	struct lb lb;
	bool alive;
	int err;

	if (argc > 0)
		return bad_arg(*argv, "trace status takes no argument");
	err = state_open(&lb, false);
	if (err)
		return err;
	err = lb_trace_get(&lb, &ctl, &alive);
	if (err) {
		p_err("trace: %s", strerror(-err));
		lb_close(&lb);
		return err;
	}
	memset(&t, 0, sizeof(t));
	t.lb = &lb;
	t.vips = calloc(lb.max_vips, sizeof(*t.vips));
	t.vip_known = calloc(lb.max_vips, 1);
	vk = t.vips && t.vip_known ? vip_of(&t, ctl.vip_id) : NULL;
	if (vk)
		fmt_service(vk, vip, sizeof(vip));
	else if (ctl.vip_id)
		snprintf(vip, sizeof(vip), "id %u", ctl.vip_id);
	if (ctl.family) {
		__u32 len = 0;

		for (int i = 0; i < 4; i++)
			len += __builtin_popcount(ctl.mask[i]);
		fmt_addr(ctl.client, ctl.family, client, sizeof(client) - 5);
		snprintf(client + strlen(client), 5, "/%u", len);
	}
	if (json_output) {
		json_object *o = json_object_new_object(), *rs = json_object_new_array();

		json_object_object_add(o, "on", json_object_new_boolean(ctl.on));
		json_object_object_add(o, "owner", json_object_new_int64(ctl.owner));
		json_object_object_add(o, "owner_running", json_object_new_boolean(alive));
		json_object_object_add(o, "vip", vip[0] ? json_object_new_string(vip) : NULL);
		json_object_object_add(o, "client",
				       client[0] ? json_object_new_string(client) : NULL);
		for (int r = 0; r < XDPLB_R_MAX; r++)
			if ((ctl.reasons >> r) & 1)
				json_object_array_add(rs, json_object_new_string(reason_name(r)));
		json_object_object_add(o, "reasons", rs);
		json_object_object_add(o, "snap", json_object_new_int64(ctl.snap));
		json_object_object_add(o, "lost", json_object_new_uint64(ctl.lost));
		json_print(o);
	} else {
		if (!ctl.on)
			printf("Trace: off\n");
		else
			printf("Trace: on, process %u%s\n", ctl.owner,
			       alive ? "" : " (not running: xdplb trace stop turns it off)");
		if (ctl.owner) {
			printf("Filter: vip %s client %s reasons", vip[0] ? vip : "any",
			       client[0] ? client : "any");
			for (int r = 0; r < XDPLB_R_MAX; r++)
				if ((ctl.reasons >> r) & 1)
					printf(" %s", reason_name(r));
			printf("%s\nSnap: %u bytes; lost: %llu events\n", ctl.reasons ? "" : " any",
			       ctl.snap, (unsigned long long)ctl.lost);
		}
	}
	free(t.vips);
	free(t.vip_known);
	lb_close(&lb);
	return 0;
}

static int trace_stop(int argc, char **argv)
{
	struct xdplb_trace_ctl ctl;
	struct lb lb;
	int err;

	if (argc > 0)
		return bad_arg(*argv, "trace stop takes no argument");
	err = state_open(&lb, true);
	if (err)
		return err;
	err = lb_trace_get(&lb, &ctl, NULL);
	err = err ?: lb_trace_stop(&lb, true);
	lb_close(&lb);
	if (err == -EBUSY)
		p_err("trace: process %u is tracing: stop it there (Ctrl-C, or kill %u)", ctl.owner,
		      ctl.owner);
	else if (err)
		p_err("trace: stop: %s", strerror(-err));
	else if (ctl.on && !json_output)
		printf("Trace of process %u (not running) turned off\n", ctl.owner);
	return err;
}

int do_trace(int argc, char **argv)
{
	if (argc > 0 && (is_prefix(*argv, "help") || !strcmp(*argv, "-h")))
		return trace_help(argc, argv);
	if (argc > 0 && !strcmp(*argv, "status"))
		return trace_status(argc - 1, argv + 1);
	if (argc > 0 && !strcmp(*argv, "stop"))
		return trace_stop(argc - 1, argv + 1);
	return trace_run(argc, argv);
}
