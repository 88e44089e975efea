// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's config file (`xdplb daemon config FILE`): lines as getline() gives them (the
 * newline kept, a NUL byte ending what split_words() sees), each split into words and read as
 * the daemon does: "check set" then check_parse() and check_validate(); the first wrong line
 * ends the file.  Oracles: a check read has values in range, what `xdplb save` and `check
 * show` print for it (check_format()) reads back as the same check, and check_format() into
 * buffers too small cuts its text short within them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_cp.h"
#include "cli/check.h"
#include "cli/cli.h"
#include "util/common.h"

#define MAX_WORDS 64 /* the daemon's */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void check_sane(const struct check_spec *cs)
{
	const struct xdplb_check *c = &cs->check;

	FUZZ_ASSERT(c->type > XDPLB_CHECK_NONE && c->type < XDPLB_CHECK_MAX, "type %u", c->type);
	FUZZ_ASSERT(c->rise >= 1 && c->rise <= XDPLB_MAX_CHECK_RUN, "rise %u", c->rise);
	FUZZ_ASSERT(c->fall >= 1 && c->fall <= XDPLB_MAX_CHECK_RUN, "fall %u", c->fall);
	FUZZ_ASSERT(c->interval_ms >= 10 && c->interval_ms <= XDPLB_MAX_CHECK_MS, "interval %u",
		    c->interval_ms);
	FUZZ_ASSERT(c->timeout_ms >= 10 && c->timeout_ms <= c->interval_ms, "timeout %u",
		    c->timeout_ms);
	FUZZ_ASSERT(!c->status || (c->status >= 100 && c->status <= 599), "status %u", c->status);
	FUZZ_ASSERT(memchr(c->arg, 0, sizeof(c->arg)), "arg not terminated");
	FUZZ_ASSERT(memchr(c->expect, 0, sizeof(c->expect)), "expect not terminated");
	FUZZ_ASSERT(cs->vip.family == XDPLB_AF_INET || cs->vip.family == XDPLB_AF_INET6,
		    "vip family %u", cs->vip.family);
}

/* The line save prints for @cs, read back. */
static void round_trip(const struct check_spec *cs)
{
	struct check_spec back = { .want_type = true };
	char svc[80], a[80], cf[CHECK_FORMAT_LEN], *text, *words[MAX_WORDS];
	int nw;

	fmt_service(&cs->vip, svc, sizeof(svc));
	if (cs->has_real && cs->port)
		fmt_addr_port(cs->addr, cs->family, cs->port, a, sizeof(a));
	else if (cs->has_real)
		fmt_addr(cs->addr, cs->family, a, sizeof(a));
	check_format(&cs->check, cf, sizeof(cf));
	FUZZ_ASSERT(strlen(cf) < sizeof(cf) - 1, "check_format() filled its buffer: %s", cf);
	if (asprintf(&text, "check set %s%s%s %s\n", svc, cs->has_real ? " real " : "",
		     cs->has_real ? a : "", cf) < 0)
		abort();
	nw = split_words(text, words, MAX_WORDS);
	FUZZ_ASSERT(nw > 2, "check_format() output splits into %d words: %s", nw, cf);
	FUZZ_ASSERT(!check_parse(nw - 2, words + 2, &back),
		    "check_format() output does not parse: %s", cf);
	FUZZ_ASSERT(!check_validate(&back), "check_format() output not valid: %s", cf);
	FUZZ_ASSERT(!memcmp(&back, cs, sizeof(back)),
		    "check_format() output reads back otherwise: %s", cf);
	free(text);
}

/* check_format() into buffers of exactly @len bytes, some too small (ASan sees an overflow). */
static void small_buffers(const struct check_spec *cs)
{
	static const size_t lens[] = { 1, 2, 3, 6, 40, 200, 512 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *buf = malloc(lens[i]);

		if (!buf)
			abort();
		check_format(&cs->check, buf, lens[i]);
		FUZZ_ASSERT(memchr(buf, 0, lens[i]), "check_format() left no NUL in %zu bytes",
			    lens[i]);
		free(buf);
	}
}

/* One line: 0 to go on, -1 where the daemon stops reading. */
static int one_line(char *line)
{
	struct check_spec cs = { .want_type = true };
	char *words[MAX_WORDS];
	int nw = split_words(line, words, MAX_WORDS);

	if (nw == 0)
		return 0;
	if (nw < 0 || nw < 2 || strcmp(words[0], "check") || strcmp(words[1], "set"))
		return -1;
	if (check_parse(nw - 2, words + 2, &cs) || check_validate(&cs))
		return -1;
	check_sane(&cs);
	round_trip(&cs);
	small_buffers(&cs);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;

	while (at < size) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) + 1 : size - at;
		char *line = fuzz_str(data + at, len);
		int stop = one_line(line);

		free(line);
		if (stop)
			break;
		at += len;
	}
	return 0;
}
