// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdplb batch file FILE`: the commands that change the configuration, one per line, applied
 * all or not at all.
 *
 * Under the state lock, the configuration is read into memory (conf.h) and every line is
 * parsed with the command line's own parsers and checked against that model, which each line
 * then changes: duplicates, missing VIPs and backends, limits and mode/port rules are found
 * before anything is written, and the error names the line.  Then the lines are applied in
 * order through the state API (lb.h); if one still fails (the kernel refuses a map update),
 * conf_sync() writes the configuration read at the start back, so nothing has changed.
 *
 * A new command that changes the configuration gets a parser shared with the command line
 * (cli/cli.h), a handler below that checks it against the model and queues an op, an apply case,
 * and a save line (save.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/check.h"
#include "cli/cli.h"
#include "util/common.h"
#include "lib/conf.h"
#include "lib/lb.h"

enum bop_kind {
	OP_VIP_ADD,
	OP_VIP_SET,
	OP_VIP_DEL,
	OP_REAL_ADD,
	OP_REAL_SET,
	OP_REAL_DEL,
	OP_SETTINGS, /* global settings: tunnel source, flow timeouts */
	OP_CHECK_SET,
	OP_CHECK_DEL,
};

/* One change, complete: what the line says applied to the configuration before it. */
struct bop {
	enum bop_kind kind;
	int line;
	const char *file; /* the line's file (batch_line.file or the input's) */
	struct xdplb_vip_key key;
	struct xdplb_vip vip;	 /* OP_VIP_ADD, OP_VIP_SET: every option */
	struct xdplb_real real;	 /* OP_REAL_*: addr, family, port; weight for add and set */
	struct xdplb_config cfg; /* OP_SETTINGS */
	struct check_spec *cs;	 /* OP_CHECK_*: malloc()ed (most lines have none) */
};

struct batch {
	struct conf conf; /* the configuration as the lines so far leave it */
	struct bop *ops;
	int nops, cap;
	int line;
	const char *file;
};

/* The batch being checked: the command handlers below are called through cmd_select(). */
static struct batch *B;

bool batch_offline;

static struct bop *bop_push(enum bop_kind kind)
{
	struct bop *op;

	if (B->nops == B->cap) {
		int cap = B->cap ? 2 * B->cap : 64;
		struct bop *n = realloc(B->ops, cap * sizeof(*n));

		if (!n)
			return NULL;
		B->ops = n;
		B->cap = cap;
	}
	op = &B->ops[B->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->line = B->line;
	op->file = B->file;
	return op;
}

static int no_memory(void)
{
	p_err("batch: %s", strerror(ENOMEM));
	return -ENOMEM;
}

/* " (added on line N)" for objects that an earlier line of the batch created. */
static const char *from_line(int line, char *buf, size_t len)
{
	if (line)
		snprintf(buf, len, " (added on line %d)", line);
	else
		buf[0] = 0;
	return buf;
}

static int b_missing(int argc, char **argv)
{
	p_err("incomplete command: expected a command after the object");
	return -XDPLB_EUSAGE;
}

/* Commands that read state, attach programs or run a loop have no place in a batch. */
static int b_refuse(const char *what)
{
	p_err("\"%s\" cannot be used in a batch: only commands that change the configuration "
	      "(vip add/set/del, real add/set/del, flow timeout, config set)",
	      what);
	return -XDPLB_EUSAGE;
}

static int b_vip_add_or_set(int argc, char **argv, bool add)
{
	struct xdplb_vip p = { .mode = XDPLB_MODE_TUN,
			       .sched = XDPLB_SCHED_MH,
			       .flags = VIP_DEF_FLAGS };
	struct xdplb_vip_key key;
	struct conf_vip *v;
	char svc[80], note[40];
	struct bop *op;
	int err;

	err = parse_service(argc, argv, &key);
	if (err)
		return err;
	v = conf_vip_find(&B->conf, &key);
	if (!add && v)
		p = v->vip;
	err = parse_vip_opts(argc - 2, argv + 2, &p);
	if (err)
		return err;
	fmt_service(&key, svc, sizeof(svc));
	if (add && v) {
		p_err("vip %s: already exists%s", svc, from_line(v->line, note, sizeof(note)));
		return -EEXIST;
	}
	if (!add && !v) {
		p_err("vip %s: not found", svc);
		return -ENOENT;
	}
	if (add && (__u32)B->conf.live >= B->conf.max_vips) {
		p_err("vip %s: no room: all %u VIPs in use", svc, B->conf.max_vips);
		return -ENOSPC;
	}
	for (int j = 0; !add && j < v->nreals; j++) {
		const struct xdplb_real *r = &v->reals[j].r;
		char why[160], a[80];

		if (v->reals[j].gone)
			continue;
		if (p.mode != XDPLB_MODE_NAT && r->port && r->port != key.port) {
			p_err("vip %s: mode %s: a backend maps the VIP's port to another "
			      "(only nat can)",
			      svc, mode_names[p.mode]);
			return -XDPLB_EUSAGE;
		}
		if (conf_real_refusal(&key, &p, r, why, sizeof(why))) {
			p_err("vip %s: backend %s: %s", svc,
			      fmt_addr_port(r->addr, r->family, r->port ?: key.port, a, sizeof(a)),
			      why);
			return -XDPLB_EUSAGE;
		}
	}
	for (int j = 0; !add && j < v->nreals; j++) {
		if (!v->reals[j].gone && v->vip.mode != XDPLB_MODE_TUN && !batch_offline &&
		    conf_no_tunsrc6(&B->conf.cfg, &p, &v->reals[j].r)) {
			p_warn("vip %s: mode tun: no IPv6 tunnel source (config set tunsrc ADDR6): "
			       "packets to its IPv6 backends are dropped (drop_no_source)",
			       svc);
			break;
		}
	}
	if (add)
		if (!batch_offline)
			warn_ipv6_forwarding(&key);
	op = bop_push(add ? OP_VIP_ADD : OP_VIP_SET);
	if (!op)
		return no_memory();
	op->key = key;
	op->vip = p;
	if (!add)
		v->vip = p;
	else if (!conf_vip_add(&B->conf, &key, &p, B->line))
		return no_memory();
	return 0;
}

static int b_vip_add(int argc, char **argv)
{
	return b_vip_add_or_set(argc, argv, true);
}

static int b_vip_set(int argc, char **argv)
{
	return b_vip_add_or_set(argc, argv, false);
}

static int b_vip_del(int argc, char **argv)
{
	struct xdplb_vip_key key;
	struct conf_vip *v;
	char svc[80];
	struct bop *op;
	int err;

	err = parse_service(argc, argv, &key);
	if (err)
		return err;
	if (argc > 2)
		return bad_arg(argv[2], "unexpected argument after SERVICE");
	v = conf_vip_find(&B->conf, &key);
	if (!v) {
		p_err("vip %s: not found", fmt_service(&key, svc, sizeof(svc)));
		return -ENOENT;
	}
	op = bop_push(OP_VIP_DEL);
	if (!op)
		return no_memory();
	op->key = key;
	conf_vip_del(&B->conf, v);
	return 0;
}

static int b_vip_refuse(int argc, char **argv)
{
	return b_refuse("vip show");
}

static int b_vip(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", b_vip_add },	  { "set", b_vip_set },	    { "del", b_vip_del },
		{ "show", b_vip_refuse }, { "help", b_vip_refuse }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, b_missing);
}

enum { R_ADD, R_SET, R_DEL };

static int b_real_cmd(int argc, char **argv, int op_kind)
{
	struct xdplb_vip_key key;
	struct xdplb_real r;
	struct conf_vip *v;
	struct conf_real *cr;
	char svc[80], a[80], note[40];
	bool have_weight;
	struct bop *op;
	int err;

	err = parse_real(argc, argv, &key, &r, &have_weight);
	if (err)
		return err;
	if (op_kind == R_SET && !have_weight) {
		p_err("real set: nothing to change (expected weight N)");
		return -XDPLB_EUSAGE;
	}
	if (op_kind == R_DEL && have_weight)
		return bad_arg("weight", "real del takes no weight");
	if (op_kind != R_ADD && (r.flags & XDPLB_REAL_F_SORRY))
		return bad_arg("sorry", "only real add takes sorry");
	fmt_service(&key, svc, sizeof(svc));
	fmt_addr(r.addr, r.family, a, sizeof(a));
	v = conf_vip_find(&B->conf, &key);
	if (!v) {
		p_err("vip %s: not found", svc);
		return -ENOENT;
	}
	if (r.port && (v->vip.mode != XDPLB_MODE_NAT || !key.port))
		return bad_arg(argv[2], "%s",
			       key.port
				   ? "only nat mode can map the port: omit it or give the VIP's"
				   : "a port-0 VIP keeps each packet's port");
	if (op_kind == R_ADD) {
		char why[160];

		if (conf_real_refusal(&key, &v->vip, &r, why, sizeof(why))) {
			p_err("real %s in vip %s: %s", a, svc, why);
			return -XDPLB_EUSAGE;
		}
		if (!batch_offline && conf_no_tunsrc6(&B->conf.cfg, &v->vip, &r))
			p_warn(
			    "real %s in vip %s: no IPv6 tunnel source (config set tunsrc ADDR6): "
			    "its packets are dropped (drop_no_source) until one is set",
			    a, svc);
	}
	cr = conf_real_find(&B->conf, v, r.addr, r.family, r.port);
	if (op_kind == R_ADD && cr) {
		p_err("real %s in vip %s: already exists%s", a, svc,
		      from_line(cr->line, note, sizeof(note)));
		return -EEXIST;
	}
	if (op_kind != R_ADD && !cr) {
		p_err("real %s in vip %s: not found", a, svc);
		return -ENOENT;
	}
	if (op_kind == R_ADD && B->conf.reals_live >= B->conf.max_reals) {
		p_err("real %s in vip %s: no room: all %u backends in use", a, svc,
		      B->conf.max_reals);
		return -ENOSPC;
	}
	if (op_kind == R_ADD && (__u32)v->live >= B->conf.max_reals_per_vip) {
		p_err("real %s in vip %s: no room: a VIP has at most %u backends (ring size - 1)",
		      a, svc, B->conf.max_reals_per_vip);
		return -ENOSPC;
	}
	op = bop_push(op_kind == R_ADD	 ? OP_REAL_ADD
		      : op_kind == R_SET ? OP_REAL_SET
					 : OP_REAL_DEL);
	if (!op)
		return no_memory();
	op->key = key;
	op->real = r;
	if (op_kind == R_ADD) {
		if (!conf_real_add(&B->conf, v, &r, B->line))
			return no_memory();
	} else if (op_kind == R_SET) {
		cr->r.weight = r.weight;
	} else {
		conf_real_del(&B->conf, v, cr);
	}
	return 0;
}

static int b_real_add(int argc, char **argv)
{
	return b_real_cmd(argc, argv, R_ADD);
}

static int b_real_set(int argc, char **argv)
{
	return b_real_cmd(argc, argv, R_SET);
}

static int b_real_del(int argc, char **argv)
{
	return b_real_cmd(argc, argv, R_DEL);
}

static int b_real_refuse(int argc, char **argv)
{
	return b_refuse("real help");
}

static int b_real(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", b_real_add },	   { "set", b_real_set }, { "del", b_real_del },
		{ "help", b_real_refuse }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, b_missing);
}

static int b_settings(void)
{
	struct bop *op = bop_push(OP_SETTINGS);

	if (!op)
		return no_memory();
	op->cfg = B->conf.cfg;
	return 0;
}

static int b_flow_timeout(int argc, char **argv)
{
	__u32 tcp, fin, udp, syn;
	int err;

	if (argc < 1) {
		p_err("flow timeout: nothing to set (expected tcp, tcpfin, udp or synrecv SECS)");
		return -XDPLB_EUSAGE;
	}
	err = parse_timeouts(argc, argv, &tcp, &fin, &udp, &syn);
	if (err)
		return err;
	B->conf.cfg.tcp_timeout = tcp ?: B->conf.cfg.tcp_timeout;
	B->conf.cfg.tcpfin_timeout = fin ?: B->conf.cfg.tcpfin_timeout;
	B->conf.cfg.udp_timeout = udp ?: B->conf.cfg.udp_timeout;
	B->conf.cfg.synrecv_timeout = syn ?: B->conf.cfg.synrecv_timeout;
	return b_settings();
}

static int b_flow_refuse(int argc, char **argv)
{
	return b_refuse("flow show, flush, gc");
}

static int b_flow(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", b_flow_refuse },     { "flush", b_flow_refuse },
		{ "timeout", b_flow_timeout }, { "gc", b_flow_refuse },
		{ "help", b_flow_refuse },     { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, b_missing);
}

static int b_config_set(int argc, char **argv)
{
	bool given;
	int err = parse_config_set(argc, argv, &B->conf.cfg, &given);

	if (err)
		return err;
	if (!given) {
		p_err("config set: nothing to set (expected tunsrc, mtu, echo, flowcache or "
		      "announce)");
		return -XDPLB_EUSAGE;
	}
	return b_settings();
}

static int b_config_refuse(int argc, char **argv)
{
	return b_refuse("config show");
}

static int b_config(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "set", b_config_set },
		{ "show", b_config_refuse },
		{ "help", b_config_refuse },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, b_missing);
}

/* Objects of the command line that a batch refuses, named so that prefixes stay as
 * ambiguous as on the command line. */
static int b_other(int argc, char **argv)
{
	char what[80];

	snprintf(what, sizeof(what), "%s%s%s", argv[-1], argc > 0 ? " " : "",
		 argc > 0 ? *argv : "");
	return b_refuse(what);
}

/* check set|del SERVICE [ real ADDR[:PORT] ] ...: the VIP and backend must exist by then. */
static int b_check_cmd(int argc, char **argv, bool set)
{
	struct check_spec cs = { .want_type = set };
	struct conf_vip *v;
	char svc[80], a[80];
	struct bop *op;
	int err;

	err = check_parse(argc, argv, &cs);
	if (err)
		return err;
	err = set ? check_validate(&cs) : 0; /* del has no settings (it would print) */
	if (err)
		return err;
	fmt_service(&cs.vip, svc, sizeof(svc));
	v = conf_vip_find(&B->conf, &cs.vip);
	if (!v) {
		p_err("vip %s: not found", svc);
		return -ENOENT;
	}
	if (cs.has_real && !conf_real_find(&B->conf, v, cs.addr, cs.family, cs.port)) {
		p_err("real %s in vip %s: not found", fmt_addr(cs.addr, cs.family, a, sizeof(a)),
		      svc);
		return -ENOENT;
	}
	op = bop_push(set ? OP_CHECK_SET : OP_CHECK_DEL);
	if (!op)
		return no_memory();
	op->key = cs.vip;
	op->cs = malloc(sizeof(cs));
	if (!op->cs)
		return no_memory();
	*op->cs = cs;
	return 0;
}

static int b_check_set(int argc, char **argv)
{
	return b_check_cmd(argc, argv, true);
}

static int b_check_del(int argc, char **argv)
{
	return b_check_cmd(argc, argv, false);
}

static int b_check_refuse(int argc, char **argv)
{
	return b_refuse(argc ? "check show" : "check help");
}

static int b_check(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "set", b_check_set },	    { "del", b_check_del }, { "show", b_check_refuse },
		{ "help", b_check_refuse }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, b_missing);
}

static const struct cmd batch_objs[] = {
	{ "vip", b_vip },	{ "real", b_real },   { "flow", b_flow },
	{ "config", b_config }, { "check", b_check }, { "daemon", b_other },
	{ "dev", b_other },	{ "stats", b_other }, { "decap", b_other },
	{ "node", b_other },	{ "save", b_other },  { "batch", b_other },
	{ "import", b_other },	{ "help", b_other },  { "version", b_other },
	{ NULL, NULL },
};

static const char *op_object(const struct bop *op, char *buf, size_t len)
{
	char svc[80], a[80];

	fmt_service(&op->key, svc, sizeof(svc));
	switch (op->kind) {
	case OP_VIP_ADD:
	case OP_VIP_SET:
	case OP_VIP_DEL:
		snprintf(buf, len, "vip %s", svc);
		break;
	case OP_REAL_ADD:
	case OP_REAL_SET:
	case OP_REAL_DEL:
		snprintf(buf, len, "real %s in vip %s",
			 fmt_addr(op->real.addr, op->real.family, a, sizeof(a)), svc);
		break;
	case OP_CHECK_SET:
	case OP_CHECK_DEL:
		snprintf(buf, len, "check of vip %s", svc);
		break;
	case OP_SETTINGS:
		snprintf(buf, len, "settings");
		break;
	}
	return buf;
}

static int apply_op(struct lb *lb, const struct bop *op)
{
	const struct xdplb_real *r = &op->real;
	struct xdplb_config cfg;
	int err;

	switch (op->kind) {
	case OP_VIP_ADD:
		return lb_vip_add(lb, &op->key, &op->vip);
	case OP_VIP_SET:
		return lb_vip_set(lb, &op->key, &op->vip);
	case OP_VIP_DEL:
		return lb_vip_del(lb, &op->key);
	case OP_REAL_ADD:
		err = lb_real_add(lb, &op->key, r);
		if (!err)
			neigh_kick(r);
		return err;
	case OP_REAL_SET:
		return lb_real_set_weight(lb, &op->key, r->addr, r->family, r->port, r->weight);
	case OP_REAL_DEL:
		return lb_real_del(lb, &op->key, r->addr, r->family, r->port);
	case OP_SETTINGS:
		err = lb_config_get(lb, &cfg);
		if (err)
			return err;
		conf_settings_copy(&cfg, &op->cfg);
		return lb_config_set(lb, &cfg);
	case OP_CHECK_SET:
	case OP_CHECK_DEL: {
		__u32 vip_id, real_id;

		err = check_ids(lb, op->cs, &vip_id, &real_id);
		if (err)
			return err;
		if (op->kind == OP_CHECK_SET)
			return lb_check_set(lb, vip_id, real_id, &op->cs->check);
		err = lb_check_del(lb, vip_id, real_id);
		return err == -ENOENT ? 0 : err; /* none there: nothing to delete */
	}
	}
	return -EINVAL;
}

static void batch_free(struct batch *b)
{
	for (int i = 0; i < b->nops; i++)
		free(b->ops[i].cs);
	free(b->ops);
	conf_free(&b->conf);
	memset(b, 0, sizeof(*b));
}

/* The checking half of batch_run(): @in's lines (prepared) against a copy of @orig, which
 * each line changes, into @b's ops.  0, -XDPLB_EUSAGE or -errno; prints the error. */
static int batch_check(struct batch *b, struct batch_input *in, const struct conf *orig)
{
	char *argv[64];
	int err = conf_copy(&b->conf, orig);

	if (err) {
		p_err("read configuration: %s", strerror(-err));
		return err;
	}
	if (in->prepare) {
		err = in->prepare(in, orig);
		if (err)
			return err;
	}
	B = b;
	for (int i = 0; i < in->n && !err; i++) {
		int argc;

		b->line = in->lines[i].line;
		b->file = in->lines[i].file ?: in->file;
		err_ctx_set(b->file, b->line);
		if (in->lines[i].argv) /* a command line's own words */
			argc = in->lines[i].argc;
		else
			argc = split_words(in->lines[i].text, argv, sizeof(argv) / sizeof(argv[0]));
		if (argc < 0) {
			p_err("more than %zu words, or an unterminated quote",
			      sizeof(argv) / sizeof(argv[0]));
			err = -XDPLB_EUSAGE;
		} else if (argc > 0) {
			err = cmd_select(batch_objs, argc, in->lines[i].argv ?: argv, b_missing);
		}
	}
	B = NULL;
	err_ctx_set(NULL, 0);
	return err;
}

int batch_check_conf(struct batch_input *in, const struct conf *c)
{
	struct batch b = {};
	int err = batch_check(&b, in, c);

	batch_free(&b);
	return err;
}

int batch_run(struct batch_input *in, bool check_only)
{
	const char *file = in->file;
	struct batch b = {};
	struct conf orig = {};
	struct lb_check_entry *checks = NULL;
	size_t nchecks = 0;
	struct lb lb;
	int err, i;

	err = state_open(&lb, true);
	if (err)
		return err;
	err = conf_load(&orig, &lb);
	if (err) {
		p_err("read configuration: %s", strerror(-err));
		goto out;
	}
	err = batch_check(&b, in, &orig);
	if (err || check_only)
		goto out;

	/* the configuration as it is, journalled: if this process dies before the end, the
	 * next one to take the lock puts it back (lib/journal.c) */
	checks = lb_checks_snapshot(&lb, &nchecks); /* checks are not in struct conf */
	if (!checks) {
		err = no_memory();
		goto out;
	}
	err = lb_journal_begin(&lb, &orig, checks, nchecks);
	if (err) {
		p_err("batch: journal: %s: nothing changed", strerror(-err));
		goto out;
	}
	/* tables built once per VIP at the end, not after every line (lb.h) */
	err = lb_bulk_begin(&lb);
	if (err) {
		p_err("batch: %s", strerror(-err));
		lb_journal_end(&lb);
		goto out;
	}
	for (i = 0; i < b.nops; i++) {
		err = apply_op(&lb, &b.ops[i]);
		if (err)
			break;
	}
	if (!err) {
		err = lb_bulk_flush(&lb);
		i = -1; /* no line to blame */
		err_ctx_set(NULL, 0);
	}
	if (err) {
		char what[200];
		int rerr, e;

		if (i >= 0) {
			err_ctx_set(b.ops[i].file ?: file, b.ops[i].line);
			op_object(&b.ops[i], what, sizeof(what));
		} else {
			snprintf(what, sizeof(what), "batch: scheduler tables");
		}
		/* back to the journalled configuration, as another process would */
		rerr = lb_bulk_end(&lb);
		e = lb_journal_recover(&lb);
		rerr = e ? e : rerr;
		if (!rerr)
			p_err("%s: %s: nothing changed (rolled back)", what, strerror(-err));
		else
			p_err("%s: %s; rolling back failed too (%s): the configuration is partly "
			      "changed, compare '%s save' with what you expect",
			      what, strerror(-err), strerror(-rerr), bin_name);
	} else {
		err = lb_bulk_end(&lb) ?: lb_journal_end(&lb);
		if (err)
			p_err("batch: %s", strerror(-err));
	}
out:
	err_ctx_set(NULL, 0);
	batch_free(&b);
	free(checks);
	conf_free(&orig);
	lb_close(&lb);
	return err;
}

int batch_cli(int argc, char **argv)
{
	struct batch_line line = { .argc = argc, .argv = argv };
	struct batch_input in = { .lines = &line, .n = 1 };

	return batch_run(&in, false);
}

static int batch_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf("Usage: %1$s batch file { FILE | - } [ check ]\n"
	       "\n"
	       "  Commands that change the configuration, one per line, as on the command line\n"
	       "  without \"%1$s\": vip add/set/del, real add/set/del, flow timeout, config set\n"
	       "  ('%1$s save' prints them).  # starts a comment; blank lines are skipped.\n"
	       "  Every line is checked against the configuration first; then all are applied,\n"
	       "  or none: a failure while applying rolls back what was applied.\n"
	       "  check  only check the file, change nothing\n",
	       bin_name);
	return 0;
}

int batch_file_cmd(int argc, char **argv, const char *what, struct batch_input *in)
{
	const char *path = in->file;
	struct batch_line *lines;
	bool check_only = false;
	char *buf = NULL;
	int err;

	if (argc > 0 && strcmp(*argv, "check")) {
		path = *argv;
		NEXT_ARG();
	}
	if (!path) {
		p_err("%s: missing FILE (or - for stdin)", what);
		return -XDPLB_EUSAGE;
	}
	while (argc > 0) {
		if (!strcmp(*argv, "check"))
			check_only = true;
		else
			return bad_arg(*argv, "unknown keyword (expected check)");
		NEXT_ARG();
	}
	err = batch_read(path, &lines, &in->n, &buf);
	if (err)
		return err;
	in->lines = lines;
	in->file = strcmp(path, "-") ? path : "stdin";
	err = batch_run(in, check_only);
	free(lines);
	free(buf);
	return err;
}

static int batch_file(int argc, char **argv)
{
	struct batch_input in = {};

	return batch_file_cmd(argc, argv, "batch file", &in);
}

int do_batch(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "file", batch_file },
		{ "help", batch_help },
		{ NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, batch_help);
}
