// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The command line's parsers of addresses, services, numbers and options.  The first byte
 * picks one; the rest is its input, one string or words as split_words() makes them:
 *   parse_addr, parse_addr_port, parse_service, parse_u32 (bounds from 8 more bytes),
 *   parse_vip_opts, parse_real, parse_timeouts, parse_config_set, split_words.
 * Oracles: what a parser accepts is in range, parse_u32 agrees with a reading of its own, and
 * what the loader prints for a parsed value (fmt_addr(), fmt_service(), save's lines) reads
 * back as the same value.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_cp.h"
#include "cli/cli.h"
#include "util/common.h"

#define MAX_WORDS 16

enum target {
	T_ADDR,
	T_ADDR_PORT,
	T_SERVICE,
	T_U32,
	T_VIP_OPTS,
	T_REAL,
	T_TIMEOUTS,
	T_CONFIG_SET,
	T_SPLIT,
	T_MAX
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

/* @text split into words (it must hold); their count. */
static int words_of(char *text, char **w, int max)
{
	int n = split_words(text, w, max);

	FUZZ_ASSERT(n >= 0, "split_words() refused a line it made: %s", text);
	return n;
}

static void t_addr(const char *s)
{
	__be32 a[4], b[4];
	__u8 fa, fb;
	char buf[INET6_ADDRSTRLEN];

	if (parse_addr(s, a, &fa))
		return;
	FUZZ_ASSERT(fa == XDPLB_AF_INET || fa == XDPLB_AF_INET6, "family %u", fa);
	fmt_addr(a, fa, buf, sizeof(buf));
	FUZZ_ASSERT(!parse_addr(buf, b, &fb) && fa == fb && !memcmp(a, b, 16),
		    "\"%s\" printed as \"%s\" reads back otherwise", s, buf);
}

static void t_addr_port(const char *s, bool required)
{
	__be32 a[4], b[4];
	__be16 pa, pb;
	__u8 fa, fb;
	char buf[80];

	if (parse_addr_port(s, a, &fa, &pa, required))
		return;
	FUZZ_ASSERT(fa == XDPLB_AF_INET || fa == XDPLB_AF_INET6, "family %u", fa);
	fmt_addr_port(a, fa, pa, buf, sizeof(buf));
	FUZZ_ASSERT(!parse_addr_port(buf, b, &fb, &pb, true) && fa == fb && pa == pb &&
			!memcmp(a, b, 16),
		    "\"%s\" printed as \"%s\" reads back otherwise", s, buf);
}

static void t_service(int argc, char **argv)
{
	struct xdplb_vip_key k, back;
	char svc[80], *w[MAX_WORDS];

	if (parse_service(argc, argv, &k))
		return;
	FUZZ_ASSERT(k.proto == 6 || k.proto == 17, "proto %u", k.proto);
	fmt_service(&k, svc, sizeof(svc));
	FUZZ_ASSERT(words_of(svc, w, MAX_WORDS) == 2 && !parse_service(2, w, &back) &&
			!memcmp(&k, &back, sizeof(k)),
		    "service printed as \"%s\" reads back otherwise", svc);
}

/* parse_u32's rule read independently: decimal digits only, the value within bounds. */
static void t_u32(const char *s, __u32 min, __u32 max)
{
	unsigned long long v = 0;
	bool digits = *s, big = false;
	__u32 out;
	int err;

	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			digits = false;
			break;
		}
		if (v > (~0ull - 9) / 10)
			big = true;
		else
			v = v * 10 + (*p - '0');
	}
	err = parse_u32(s, min, max, &out);
	if (digits && !big && v >= min && v <= max)
		FUZZ_ASSERT(!err && out == v, "\"%s\" in %u..%u refused (%d) or read as %u", s, min,
			    max, err, out);
	else
		FUZZ_ASSERT(err, "\"%s\" in %u..%u accepted as %u", s, min, max, out);
}

static void t_vip_opts(int argc, char **argv)
{
	struct xdplb_vip v = { .mode = XDPLB_MODE_TUN, .sched = XDPLB_SCHED_MH }, back = v;
	char *text = NULL, *w[MAX_WORDS];
	size_t len;
	FILE *f;
	int n;

	if (parse_vip_opts(argc, argv, &v))
		return;
	FUZZ_ASSERT(v.mode < XDPLB_MODE_MAX && v.sched < XDPLB_SCHED_MAX, "mode %u sched %u",
		    v.mode, v.sched);
	FUZZ_ASSERT(v.persist <= XDPLB_MAX_PERSIST, "persist %u", v.persist);
	FUZZ_ASSERT(!(v.flags &
		      ~(XDPLB_VIP_F_ONDOWN_KEEP | XDPLB_VIP_F_ALLDOWN_REJECT | XDPLB_VIP_F_L3HASH)),
		    "flags %#x", v.flags);
	/* as save prints a VIP */
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	fprintf(f, "sched %s mode %s", sched_names[v.sched], mode_names[v.mode]);
	vip_opts_print(f, &v, "persist", true);
	fclose(f);
	n = words_of(text, w, MAX_WORDS);
	FUZZ_ASSERT(!parse_vip_opts(n, w, &back) && !memcmp(&v, &back, sizeof(v)),
		    "options printed as \"%s\" read back otherwise", text);
	free(text);
}

static void t_real(int argc, char **argv)
{
	struct xdplb_vip_key k, kb;
	struct xdplb_real r, rb;
	char svc[80], a[80], *text, *w[MAX_WORDS];
	bool weight;
	int n;

	if (parse_real(argc, argv, &k, &r, &weight))
		return;
	FUZZ_ASSERT(r.weight <= XDPLB_MAX_WEIGHT, "weight %u", r.weight);
	FUZZ_ASSERT(!(r.flags & ~XDPLB_REAL_F_SORRY), "flags %#x", r.flags);
	FUZZ_ASSERT(!r.port || r.port != k.port, "port %u kept", ntohs(r.port));
	if (!k.port && r.port)
		return; /* a port-0 VIP's backend has none: batch refuses it */
	/* as save prints a backend (save.c real_addr(), save_real()) */
	fmt_service(&k, svc, sizeof(svc));
	if (k.port)
		fmt_addr_port(r.addr, r.family, r.port ?: k.port, a, sizeof(a));
	else
		fmt_addr(r.addr, r.family, a, sizeof(a));
	if (asprintf(&text, "%s %s weight %u%s", svc, a, r.weight,
		     r.flags & XDPLB_REAL_F_SORRY ? " sorry" : "") < 0)
		abort();
	n = words_of(text, w, MAX_WORDS);
	FUZZ_ASSERT(!parse_real(n, w, &kb, &rb, &weight) && !memcmp(&k, &kb, sizeof(k)) &&
			!memcmp(&r, &rb, sizeof(r)),
		    "backend printed as \"%s\" reads back otherwise", text);
	free(text);
}

static void t_timeouts(int argc, char **argv)
{
	__u32 t[4];

	if (parse_timeouts(argc, argv, &t[0], &t[1], &t[2], &t[3]))
		return;
	for (int i = 0; i < 4; i++)
		FUZZ_ASSERT(t[i] <= XDPLB_MAX_TIMEOUT, "timeout %u", t[i]);
}

static void t_config_set(int argc, char **argv)
{
	struct xdplb_config cfg = {};
	bool given;

	if (parse_config_set(argc, argv, &cfg, &given))
		return;
	FUZZ_ASSERT(given == (argc > 0), "given %d with %d words", given, argc);
	FUZZ_ASSERT(!cfg.mtu || (cfg.mtu >= 576 && cfg.mtu <= 65535), "mtu %u", cfg.mtu);
	FUZZ_ASSERT(!(cfg.flags & ~(XDPLB_CFG_F_ECHO | XDPLB_CFG_F_NO_FLOWCACHE)), "flags %#x",
		    cfg.flags);
}

/* split_words: at most @max words, each within the line, none empty unless quoted. */
static void t_split(char *s, int max)
{
	size_t len = strlen(s);
	char *w[MAX_WORDS];
	int n = split_words(s, w, max);

	FUZZ_ASSERT(n >= -1 && n <= max, "%d words of at most %d", n, max);
	for (int i = 0; i < n; i++)
		FUZZ_ASSERT(w[i] >= s && w[i] + strlen(w[i]) <= s + len, "word %d outside", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u32 lo, hi;
	char *s, *w[MAX_WORDS];
	int n;

	if (size < 1)
		return 0;
	if (data[0] % T_MAX == T_U32) {
		if (size < 9)
			return 0;
		memcpy(&lo, data + 1, 4);
		memcpy(&hi, data + 5, 4);
		s = fuzz_str(data + 9, size - 9);
		t_u32(s, lo, hi);
		free(s);
		return 0;
	}
	s = fuzz_str(data + 1, size - 1);
	switch (data[0] % T_MAX) {
	case T_ADDR:
		t_addr(s);
		break;
	case T_ADDR_PORT:
		t_addr_port(s, data[0] & 0x80);
		break;
	case T_SPLIT:
		t_split(s, (data[0] >> 4) % (MAX_WORDS + 1));
		break;
	default:
		n = split_words(s, w, MAX_WORDS);
		if (n < 0)
			break;
		switch (data[0] % T_MAX) {
		case T_SERVICE:
			t_service(n, w);
			break;
		case T_VIP_OPTS:
			t_vip_opts(n, w);
			break;
		case T_REAL:
			t_real(n, w);
			break;
		case T_TIMEOUTS:
			t_timeouts(n, w);
			break;
		case T_CONFIG_SET:
			t_config_set(n, w);
			break;
		}
	}
	free(s);
	return 0;
}
