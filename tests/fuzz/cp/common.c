// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What the control-plane fuzzers share (fuzz_cp.h). */
#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_cp.h"
#include "util/common.h"
#include "lib/conf.h"
#include "lib/lb.h"

FILE *fuzz_report;

void fuzz_quiet(void)
{
	FILE *null;

	fuzz_report = stderr;
	if (getenv("XDPLB_FUZZ_VERBOSE"))
		return;
	null = fopen("/dev/null", "w");
	if (!null) {
		perror("/dev/null");
		exit(1);
	}
	/* the loader writes to the stream stderr names: another one from now on (libFuzzer
	 * took its own copy of the pointer when it started) */
	stderr = null;
}

char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(fuzz_report ? fuzz_report : stderr, "fuzz_conf: %s\n", what);
		abort();
	}
}

static struct conf_vip *vip(struct conf *c, __u8 proto, const char *addr, int port, int mode,
			    int sched, __u16 flags, __u32 persist)
{
	struct xdplb_vip_key k = { .proto = proto, .port = htons(port) };
	struct xdplb_vip v = { .mode = mode, .sched = sched, .flags = flags, .persist = persist };

	must(!parse_addr(addr, k.addr, &k.family), addr);
	v.id = c->nvips + 1; /* as if in the maps */
	return conf_vip_add(c, &k, &v, 0);
}

static void real(struct conf *c, struct conf_vip *v, const char *addr, int port, __u32 weight,
		 __u16 flags)
{
	struct xdplb_real r = { .port = htons(port), .weight = weight };
	struct conf_real *cr;

	must(v != NULL, "vip");
	must(!parse_addr(addr, r.addr, &r.family), addr);
	r.flags = flags | XDPLB_REAL_F_USED;
	r.vip_id = v->vip.id;
	cr = conf_real_add(c, v, &r, 0);
	must(cr != NULL, "real");
	cr->id = c->reals_live;
}

void fuzz_conf(struct conf *c)
{
	struct xdplb_config cfg = {};
	struct conf_vip *v;

	lb_config_defaults(&cfg);
	cfg.ring_size = 7; /* 6 backends per VIP */
	cfg.tun_src4 = htonl(0x0a000001);
	must(!conf_init_empty(c, &cfg, 9, 17), "conf_init_empty");

	v = vip(c, 6, "10.0.0.1", 80, XDPLB_MODE_TUN, XDPLB_SCHED_MH, 0, 0);
	real(c, v, "10.1.0.1", 0, 1, 0);
	real(c, v, "10.1.0.2", 0, 5, 0);
	real(c, v, "2001:db8:1::1", 0, 1, 0);
	v = vip(c, 17, "10.0.0.1", 53, XDPLB_MODE_DR, XDPLB_SCHED_RR, 0, 0);
	real(c, v, "10.1.0.1", 0, 1, 0);
	v = vip(c, 6, "10.0.0.2", 443, XDPLB_MODE_NAT, XDPLB_SCHED_WLC, 0, 0);
	real(c, v, "10.1.0.3", 8443, 1, 0);
	real(c, v, "10.1.0.4", 0, 1, XDPLB_REAL_F_SORRY);
	v = vip(c, 6, "10.0.0.3", 80, XDPLB_MODE_NAT, XDPLB_SCHED_SH, XDPLB_VIP_F_L3HASH, 300);
	real(c, v, "10.1.0.5", 0, 1, 0);
	v = vip(c, 6, "10.0.0.4", 0, XDPLB_MODE_DR, XDPLB_SCHED_MH, 0, 0);
	real(c, v, "10.1.0.6", 0, 1, 0);
	v = vip(c, 6, "2001:db8::1", 80, XDPLB_MODE_TUN, XDPLB_SCHED_MH,
		XDPLB_VIP_F_ONDOWN_KEEP | XDPLB_VIP_F_ALLDOWN_REJECT, 0);
	real(c, v, "2001:db8:1::2", 0, 1, 0);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create(name, 0);
		if (fd < 0) {
			perror("memfd_create");
			exit(1);
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	return path;
}

unsigned long fuzz_conf_sum(const struct conf *c)
{
	unsigned long s = c->nvips * 1000003ul + c->live * 10007ul + c->reals_live;

	for (int i = 0; i < c->nvips; i++) {
		const struct conf_vip *v = &c->vips[i];

		s = s * 31 + v->nreals * 101 + v->live * 7 + v->gone + v->vip.mode + v->vip.sched;
		for (int j = 0; j < v->nreals; j++)
			s = s * 31 + v->reals[j].gone + v->reals[j].r.weight;
	}
	return s;
}
