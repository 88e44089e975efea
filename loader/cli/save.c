// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdplb save`: the whole configuration as batch commands (`xdplb batch file` reads them
 * back), or as one JSON document with -j.
 *
 * One function per kind of object prints its lines, in the order a batch needs them:
 * settings, then each VIP followed by its backends (later: health checks after the VIPs they
 * belong to).  Every option is printed explicitly, defaults included where the grammar has a
 * keyword for them, so that a saved file means the same with a later version's defaults.
 * VIPs and backends come sorted by address, so that two balancers with the same
 * configuration print the same file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "cli/cli.h"
#include "cli/check.h"
#include "util/common.h"
#include "lib/conf.h"

/* Attach-time sizes: not settable by a batch, printed as a comment for whoever rebuilds the
 * balancer. */
static void save_sizes(FILE *f, struct lb *lb)
{
	bool percpu = lb_persist_percpu(lb);
	struct xdplb_config cfg;

	if (lb_config_get(lb, &cfg))
		cfg.ring_size = 0;
	fprintf(f, "# dev attach ... vips %u reals %u flows %u flows6 %u lru %s ring %u\n",
		lb->max_vips - 1, lb->max_reals - 1, lb->max_flows, lb->max_flows6,
		percpu ? "percpu" : "shared", cfg.ring_size);
}

static bool have_tunsrc6(const struct xdplb_config *cfg)
{
	return cfg->tun_src6[0] | cfg->tun_src6[1] | cfg->tun_src6[2] | cfg->tun_src6[3];
}

/* What parse_config_set() and parse_timeouts() read. */
static void save_settings(FILE *f, const struct conf *c)
{
	char a[INET6_ADDRSTRLEN];

	if (c->cfg.tun_src4)
		fprintf(f, "config set tunsrc %s\n",
			inet_ntop(AF_INET, &c->cfg.tun_src4, a, sizeof(a)));
	if (have_tunsrc6(&c->cfg))
		fprintf(f, "config set tunsrc %s\n",
			inet_ntop(AF_INET6, c->cfg.tun_src6, a, sizeof(a)));
	if (c->cfg.mtu)
		fprintf(f, "config set mtu %u", c->cfg.mtu);
	else
		fprintf(f, "config set mtu auto");
	fprintf(f, " echo %s flowcache %s", c->cfg.flags & XDPLB_CFG_F_ECHO ? "on" : "off",
		c->cfg.flags & XDPLB_CFG_F_NO_FLOWCACHE ? "off" : "on");
	if (c->cfg.announce_table)
		fprintf(f, " announce table %u proto %u\n", c->cfg.announce_table,
			c->cfg.announce_proto);
	else
		fprintf(f, " announce off\n");
	fprintf(f, "flow timeout tcp %u tcpfin %u udp %u synrecv %u\n", c->cfg.tcp_timeout,
		c->cfg.tcpfin_timeout, c->cfg.udp_timeout,
		c->cfg.synrecv_timeout ?: XDPLB_DEF_SYNRECV_TIMEOUT);
}

/* The options parse_vip_opts() reads. */
static void save_vip(FILE *f, const struct conf_vip *v)
{
	char svc[80];

	fprintf(f, "vip add %s sched %s mode %s", fmt_service(&v->key, svc, sizeof(svc)),
		sched_names[v->vip.sched], mode_names[v->vip.mode]);
	vip_opts_print(f, &v->vip, "persist", true);
	fputc('\n', f);
}

/* The backend's address as real add reads it: with the port it receives (the VIP's unless
 * nat maps it), bare for a port-0 VIP. */
static const char *real_addr(const struct conf_vip *v, const struct xdplb_real *r, char *buf,
			     size_t len)
{
	if (!v->key.port)
		return fmt_addr(r->addr, r->family, buf, len);
	return fmt_addr_port(r->addr, r->family, r->port ?: v->key.port, buf, len);
}

/* What parse_real() reads. */
static void save_real(FILE *f, const struct conf_vip *v, const struct conf_real *r)
{
	char svc[80], a[80];

	fprintf(f, "real add %s %s weight %u%s\n", fmt_service(&v->key, svc, sizeof(svc)),
		real_addr(v, &r->r, a, sizeof(a)), r->r.weight,
		r->r.flags & XDPLB_REAL_F_SORRY ? " sorry" : "");
}

/* @c sorted (conf_sort). */
void save_conf(FILE *f, const struct conf *c)
{
	save_settings(f, c);
	for (int i = 0; i < c->nvips; i++) {
		save_vip(f, &c->vips[i]);
		for (int j = 0; j < c->vips[i].nreals; j++)
			save_real(f, &c->vips[i], &c->vips[i].reals[j]);
	}
}

/* Health checks (in the maps, not in struct conf): each VIP's, then its backends' own, after
 * every VIP and backend they name. */
/* The health checks, read under the lock with the configuration. */
struct checks {
	struct lb_check_entry *e;
	size_t n;
};

static const struct xdplb_check *check_of(const struct checks *cs, __u32 vip_id, __u32 real_id)
{
	for (size_t i = 0; i < cs->n; i++)
		if (cs->e[i].key.vip_id == vip_id && cs->e[i].key.real_id == real_id)
			return &cs->e[i].check;
	return NULL;
}

static void save_checks(FILE *f, const struct checks *cs, const struct conf *c)
{
	char svc[80], a[80], cf[CHECK_FORMAT_LEN];
	const struct xdplb_check *chk;

	for (int i = 0; i < c->nvips; i++) {
		const struct conf_vip *v = &c->vips[i];

		if (v->gone)
			continue;
		fmt_service(&v->key, svc, sizeof(svc));
		if ((chk = check_of(cs, v->vip.id, 0)))
			fprintf(f, "check set %s %s\n", svc, check_format(chk, cf, sizeof(cf)));
		for (int j = 0; j < v->nreals; j++) {
			const struct conf_real *r = &v->reals[j];

			if (r->gone || !(chk = check_of(cs, v->vip.id, r->id)))
				continue;
			fprintf(f, "check set %s real %s %s\n", svc,
				real_addr(v, &r->r, a, sizeof(a)),
				check_format(chk, cf, sizeof(cf)));
		}
	}
}

static json_object *json_check(const struct xdplb_check *chk)
{
	return chk ? check_json(chk) : NULL;
}

static json_object *json_vip(const struct checks *cs, const struct conf_vip *v)
{
	json_object *o = vip_json(&v->key, &v->vip), *rs = json_object_new_array();
	char a[80];

	json_object_object_add(o, "check", json_check(check_of(cs, v->vip.id, 0)));
	for (int j = 0; j < v->nreals; j++) {
		const struct xdplb_real *r = &v->reals[j].r;
		json_object *jr = json_object_new_object();

		json_object_object_add(
		    jr, "address",
		    json_object_new_string(fmt_addr(r->addr, r->family, a, sizeof(a))));
		json_object_object_add(jr, "port",
				       json_object_new_int(ntohs(r->port ?: v->key.port)));
		json_object_object_add(jr, "weight", json_object_new_int64(r->weight));
		json_object_object_add(jr, "sorry",
				       json_object_new_boolean(r->flags & XDPLB_REAL_F_SORRY));
		json_object_object_add(jr, "check",
				       json_check(check_of(cs, v->vip.id, v->reals[j].id)));
		json_object_array_add(rs, jr);
	}
	json_object_object_add(o, "reals", rs);
	return o;
}

static int save_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf("Usage: %1$s save\n"
	       "\n"
	       "  Prints the configuration (settings, VIPs, backends, health checks) as commands "
	       "that\n"
	       "  '%1$s batch file' reads back; -j prints it as one JSON document.\n",
	       bin_name);
	return 0;
}

int do_save(int argc, char **argv)
{
	struct checks cs = {};
	struct conf c;
	struct lb lb;
	int err;

	if (argc > 0) {
		if (is_prefix(*argv, "help"))
			return save_help(argc, argv);
		return bad_arg(*argv, "save takes no argument");
	}
	/* read under the lock: a consistent picture, not one half-way through another command;
	 * printed after it (the reader at the other end of a pipe may take its time) */
	err = state_conf(&lb, &c, true);
	if (err)
		return err;
	cs.e = lb_checks_snapshot(&lb, &cs.n);
	lb_unlock(&lb);
	msg_hold(false);
	if (!cs.e) {
		p_err("save: %s", strerror(ENOMEM));
		conf_free(&c);
		lb_close(&lb);
		return -ENOMEM;
	}
	conf_sort(&c);
	if (json_output) {
		json_object *doc = json_object_new_object(), *vips = json_object_new_array();

		json_object_object_add(doc, "settings", settings_json(&c.cfg));
		for (int i = 0; i < c.nvips; i++)
			json_object_array_add(vips, json_vip(&cs, &c.vips[i]));
		json_object_object_add(doc, "vips", vips);
		json_print(doc);
	} else {
		save_sizes(stdout, &lb);
		save_conf(stdout, &c);
		save_checks(stdout, &cs, &c);
	}
	free(cs.e);
	conf_free(&c);
	lb_close(&lb);
	return err;
}
