// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The live trace through the library (lib/trace.c) and the data plane (bpf/trace.h): one owner
 * at a time, a dead owner's trace taken over; the events of known frames (flow, VIP, backend,
 * reason, the frame's first bytes as the program left it); the filters; a full ring's lost
 * events, and a new reader that skips what an earlier trace left. */
#include <sys/wait.h>
#include "fixture.h"
#include "util/common.h"

static struct fixture fx;

#define VIP	"10.0.0.10" /* TCP :80, three backends, TUN */
#define VIP2	"10.0.0.20" /* TCP :80, one backend */
#define CLIENT	"192.0.2.1"
#define CLIENT2 "192.0.2.77"

struct seen {
	int n;
	struct xdplb_trace_event e[16];
};

static int collect(const struct xdplb_trace_event *e, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 16)
		s->e[s->n] = *e;
	s->n++;
	return 0;
}

static struct xdplb_trace_ctl ctl(void)
{
	struct xdplb_trace_ctl t = {};

	lb_trace_get(&fx.lb, &t, NULL);
	return t;
}

static void ctl_put(const struct xdplb_trace_ctl *t)
{
	__u32 zero = 0;

	bpf_map_update_elem(FX_FD(&fx, trace_ctl), &zero, t, BPF_ANY);
}

/* A process that has ended: its pid. */
static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (!p)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void case_owner(void)
{
	struct lb_trace_filter f = { .snap = 64 };
	struct xdplb_trace_ctl t;
	__u32 prev = 1;
	bool alive;
	pid_t gone;

	ASSERT_EQ(ctl().on, 0, "off to begin with");
	ASSERT_EQ(lb_trace_start(&fx.lb, &f, &prev), 0, "start");
	ASSERT_EQ(prev, 0, "nobody had it");
	t = ctl();
	ASSERT_EQ(t.on, 1, "on");
	ASSERT_EQ(t.owner, getpid(), "owned by this process");
	ASSERT_EQ(t.snap, 64, "snap");
	ASSERT_EQ(lb_trace_get(&fx.lb, &t, &alive), 0, "get");
	ASSERT_TRUE(alive, "its owner runs");

	/* another live process has it: refused, named */
	t.owner = getppid();
	ctl_put(&t);
	ASSERT_EQ(lb_trace_start(&fx.lb, &f, &prev), -EBUSY, "a live owner: refused");
	ASSERT_EQ(prev, getppid(), "the owner named");
	ASSERT_EQ(lb_trace_stop(&fx.lb, false), -EBUSY, "not ours to stop");
	ASSERT_EQ(lb_trace_stop(&fx.lb, true), -EBUSY, "nor with any, while it runs");
	ASSERT_EQ(ctl().on, 1, "still on");

	/* its owner died: taken over, or turned off by anyone */
	gone = dead_pid();
	t.owner = gone;
	ctl_put(&t);
	ASSERT_EQ(lb_trace_get(&fx.lb, &t, &alive), 0, "get");
	ASSERT_TRUE(!alive, "its owner is gone");
	ASSERT_EQ(lb_trace_start(&fx.lb, &f, &prev), 0, "a dead owner's: taken over");
	ASSERT_EQ(prev, gone, "the dead owner named");
	ASSERT_EQ(ctl().owner, getpid(), "ours now");
	t = ctl();
	t.owner = gone;
	ctl_put(&t);
	ASSERT_EQ(lb_trace_stop(&fx.lb, false), -EBUSY, "without any: not ours");
	ASSERT_EQ(lb_trace_stop(&fx.lb, true), 0, "with any: off");
	ASSERT_EQ(ctl().on, 0, "off");
	ASSERT_EQ(lb_trace_stop(&fx.lb, false), 0, "off already: nothing to do");

	f.snap = XDPLB_TRACE_SNAP + 1;
	ASSERT_EQ(lb_trace_start(&fx.lb, &f, &prev), -EINVAL, "snap past the event's room");
	f.snap = 0;
	f.reasons = 1u << XDPLB_R_MAX;
	ASSERT_EQ(lb_trace_start(&fx.lb, &f, &prev), -EINVAL, "a reason that does not exist");
	ASSERT_EQ(ctl().on, 0, "still off");
}

/* A TCP frame from @client:@sport to @dst:80 with @flags. */
static void frame(struct pkt_buf *b, const char *client, __u16 sport, const char *dst, __u8 flags)
{
	pkt_v4_tcp(b, &(struct pkt_spec){ .saddr = ipv4_addr(client),
					  .daddr = ipv4_addr(dst),
					  .sport = sport,
					  .dport = 80,
					  .seq = 1,
					  .ack = flags & PKT_TCP_ACK ? 1 : 0,
					  .tcp_flags = flags });
}

/* Run @b, keep its output in @r. */
static void run(const struct pkt_buf *b, struct fx_run *r)
{
	fx_run(&fx, b, fx.lb0, r);
}

/* Start a trace with @f and a reader collecting into @s. */
static struct lb_trace_reader *trace_on(struct lb_trace_filter *f, struct seen *s)
{
	struct lb_trace_reader *rd = NULL;
	__u32 prev;

	memset(s, 0, sizeof(*s));
	ASSERT_EQ(lb_trace_open(&fx.lb, collect, s, &rd), 0, "open the reader");
	ASSERT_EQ(lb_trace_start(&fx.lb, f, &prev), 0, "start");
	return rd;
}

static void trace_off(struct lb_trace_reader *rd)
{
	ASSERT_TRUE(lb_trace_poll(rd, 0) >= 0, "poll");
	ASSERT_EQ(lb_trace_stop(&fx.lb, false), 0, "stop");
	lb_trace_close(rd);
}

static void case_events(void)
{
	struct lb_trace_filter f = { .snap = XDPLB_TRACE_SNAP };
	struct pkt_buf syn, ack, other;
	struct fx_run r1, r2, r3;
	struct lb_trace_reader *rd;
	struct xdplb_flow fl = {};
	__u32 vid = fx_vip_id(&fx, VIP, 80, IPPROTO_TCP);
	struct seen s;

	frame(&syn, CLIENT, 41000, VIP, PKT_TCP_SYN);
	frame(&ack, CLIENT, 41000, VIP, PKT_TCP_ACK);
	frame(&other, CLIENT, 41000, "10.0.0.99", PKT_TCP_ACK);
	rd = trace_on(&f, &s);
	run(&syn, &r1);
	run(&ack, &r2);
	run(&other, &r3);
	trace_off(rd);
	if (!ASSERT_EQ(s.n, 3, "three events"))
		return;
	ASSERT_EQ(fx_flow(&fx, IPPROTO_TCP, CLIENT, 41000, VIP, 80, &fl), 0, "the flow");
	ASSERT_EQ(s.e[0].flow, XDPLB_TRACE_NEW, "1: a new flow");
	ASSERT_EQ(s.e[1].flow, XDPLB_TRACE_FOUND, "2: found");
	ASSERT_EQ(s.e[2].flow, XDPLB_TRACE_NONE, "3: none");
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(s.e[i].vip_id, vid, "the VIP");
		ASSERT_EQ(s.e[i].real_id, fl.real_id, "the flow's backend");
		ASSERT_EQ(s.e[i].reason, XDPLB_R_TX, "tx");
		ASSERT_EQ(s.e[i].ifindex, fx.lb0, "where it came in");
		ASSERT_EQ(s.e[i].key.family, XDPLB_AF_INET, "IPv4");
		ASSERT_EQ(s.e[i].key.src[0], ipv4_addr(CLIENT), "source");
		ASSERT_EQ(s.e[i].key.dst[0], ipv4_addr(VIP), "destination");
		ASSERT_EQ(ntohs(s.e[i].key.sport), 41000, "source port");
		ASSERT_EQ(ntohs(s.e[i].key.dport), 80, "destination port");
		ASSERT_EQ(s.e[i].key.proto, IPPROTO_TCP, "tcp");
		ASSERT_EQ(s.e[i].len, syn.len, "its length as it came");
	}
	ASSERT_EQ(s.e[0].snap, r1.out_len, "the whole frame as it left (encapsulated)");
	ASSERT_BYTES(s.e[0].data, s.e[0].snap, r1.out, r1.out_len, "its bytes as it left");
	ASSERT_BYTES(s.e[1].data, s.e[1].snap, r2.out, r2.out_len, "2: its bytes as it left");
	ASSERT_EQ(s.e[2].vip_id, 0, "3: no VIP");
	ASSERT_EQ(s.e[2].real_id, 0, "3: no backend");
	ASSERT_EQ(s.e[2].reason, XDPLB_R_PASS_NOT_VIP, "3: pass_not_vip");
	ASSERT_BYTES(s.e[2].data, s.e[2].snap, other.data, other.len, "3: as it came");
	ASSERT_TRUE(s.e[0].time <= s.e[1].time && s.e[1].time <= s.e[2].time, "in time order");
	ASSERT_TRUE(s.e[0].time >= lb_mono_ns() - 10000000000ull, "CLOCK_MONOTONIC time");

	/* snap 0: no bytes */
	f.snap = 0;
	rd = trace_on(&f, &s);
	run(&ack, &r2);
	trace_off(rd);
	ASSERT_EQ(s.n, 1, "snap 0: an event");
	ASSERT_EQ(s.e[0].snap, 0, "snap 0: no bytes");
}

static void case_filters(void)
{
	struct lb_trace_filter f = { .vip_id = fx_vip_id(&fx, VIP2, 80, IPPROTO_TCP) };
	struct pkt_buf a, b, c;
	struct lb_trace_reader *rd;
	struct fx_run r;
	struct seen s;

	frame(&a, CLIENT, 42000, VIP, PKT_TCP_SYN);
	frame(&b, CLIENT2, 42001, VIP2, PKT_TCP_SYN);
	frame(&c, CLIENT2, 42002, "10.0.0.99", PKT_TCP_ACK);

	rd = trace_on(&f, &s); /* vip */
	run(&a, &r);
	run(&b, &r);
	run(&c, &r);
	trace_off(rd);
	ASSERT_EQ(s.n, 1, "vip: one event");
	ASSERT_EQ(s.e[0].vip_id, f.vip_id, "vip: that VIP's");

	memset(&f, 0, sizeof(f)); /* client: source or destination in 192.0.2.64/26 */
	ASSERT_EQ(parse_prefix("192.0.2.64/26", f.client, f.mask, &f.family), 0, "prefix");
	rd = trace_on(&f, &s);
	run(&a, &r);
	run(&b, &r);
	run(&c, &r);
	trace_off(rd);
	ASSERT_EQ(s.n, 2, "client (source): two events");
	ASSERT_EQ(s.e[0].key.src[0], ipv4_addr(CLIENT2), "client: 192.0.2.77's");
	memset(&f, 0, sizeof(f)); /* ... the destination */
	ASSERT_EQ(parse_prefix("10.0.0.96/30", f.client, f.mask, &f.family), 0, "prefix");
	rd = trace_on(&f, &s);
	run(&a, &r);
	run(&c, &r);
	trace_off(rd);
	ASSERT_EQ(s.n, 1, "client (destination): one event");
	ASSERT_EQ(s.e[0].key.dst[0], ipv4_addr("10.0.0.99"), "client: to 10.0.0.99");
	memset(&f, 0, sizeof(f)); /* ... of the other family: none */
	ASSERT_EQ(parse_prefix("::/0", f.client, f.mask, &f.family), 0, "prefix");
	rd = trace_on(&f, &s);
	run(&a, &r);
	trace_off(rd);
	ASSERT_EQ(s.n, 0, "an IPv6 prefix: no IPv4 event");

	memset(&f, 0, sizeof(f)); /* reasons */
	f.reasons = 1u << XDPLB_R_PASS_NOT_VIP;
	rd = trace_on(&f, &s);
	run(&a, &r);
	run(&c, &r);
	trace_off(rd);
	ASSERT_EQ(s.n, 1, "reason: one event");
	ASSERT_EQ(s.e[0].reason, XDPLB_R_PASS_NOT_VIP, "reason: pass_not_vip");
}

static void case_lost(void)
{
	struct lb_trace_filter f = { .snap = XDPLB_TRACE_SNAP };
	struct lb_trace_reader *rd = NULL, *rd2 = NULL;
	struct pkt_buf b;
	__u64 lost = 0;
	struct seen s;
	__u32 prev;
	struct xdp_md ctx;
	LIBBPF_OPTS(bpf_test_run_opts, topts);

	frame(&b, CLIENT, 43000, VIP, PKT_TCP_ACK);
	ctx = (struct xdp_md){ .data_end = b.len, .ingress_ifindex = fx.lb0 };
	topts.data_in = b.data;
	topts.data_size_in = b.len;
	topts.ctx_in = &ctx;
	topts.ctx_size_in = sizeof(ctx);
	topts.repeat = 2 * XDPLB_TRACE_RING / sizeof(struct xdplb_trace_event);

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(lb_trace_open(&fx.lb, collect, &s, &rd), 0, "open");
	ASSERT_EQ(lb_trace_start(&fx.lb, &f, &prev), 0, "start");
	ASSERT_EQ(bpf_prog_test_run_opts(fx.prog_fd, &topts), 0, "twice the ring's events");
	ASSERT_EQ(lb_trace_lost(&fx.lb, &lost), 0, "lost");
	ASSERT_TRUE(lost > 0 && lost < (__u64)topts.repeat, "some lost, not all");
	ASSERT_EQ(lb_trace_stop(&fx.lb, false), 0, "stop");

	/* left unread: a new reader skips them */
	ASSERT_EQ(lb_trace_open(&fx.lb, collect, &s, &rd2), 0, "a second reader");
	ASSERT_EQ(lb_trace_poll(rd2, 0), 0, "finds nothing of the last trace");
	ASSERT_EQ(s.n, 0, "nothing handed over");
	lb_trace_close(rd2);
	lb_trace_close(rd);
	ASSERT_EQ(lb_trace_start(&fx.lb, &f, &prev), 0, "start again");
	ASSERT_EQ(lb_trace_lost(&fx.lb, &lost), 0, "lost");
	ASSERT_EQ(lost, 0, "a start zeroes lost");
	ASSERT_EQ(lb_trace_stop(&fx.lb, false), 0, "stop");
}

int main(void)
{
	REQUIRE_ROOT();
	if (fx_setup(&fx) || fx_vip_add(&fx, VIP, 80, IPPROTO_TCP) ||
	    fx_real_add(&fx, VIP, 80, IPPROTO_TCP, "10.0.1.11", 1) ||
	    fx_real_add(&fx, VIP, 80, IPPROTO_TCP, "10.0.1.12", 1) ||
	    fx_real_add(&fx, VIP, 80, IPPROTO_TCP, "10.0.1.13", 1) ||
	    fx_vip_add(&fx, VIP2, 80, IPPROTO_TCP) ||
	    fx_real_add(&fx, VIP2, 80, IPPROTO_TCP, "10.0.1.14", 1)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	RUN_CASE("one owner at a time; a dead owner's trace taken over", case_owner);
	RUN_CASE("events: flow, VIP, backend, reason, the frame as it left", case_events);
	RUN_CASE("filters: vip, client (source or destination), reasons", case_filters);
	RUN_CASE("a full ring loses events, counted; a new reader skips the last trace's",
		 case_lost);
	return TEST_MAIN_END();
}
