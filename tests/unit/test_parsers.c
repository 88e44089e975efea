// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Parsers of untrusted input, what the control-plane fuzzers (tests/fuzz/cp) found wrong: each
 * case failed before its fix.  No BPF, no root: the configuration is one in memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include "test.h"
#include "cli/check.h"
#include "cli/cli.h"
#include "health/health.h"
#include "lib/conf.h"
#include "util/common.h"

/* parse_u32: decimal digits only; strtoull() would skip blanks first. */
static void case_u32(void)
{
	__u32 v = 0;

	ASSERT_EQ(parse_u32(" 5", 0, 100, &v), -EINVAL, "a leading blank");
	ASSERT_EQ(parse_u32("\n3", 0, 100, &v), -EINVAL, "a leading newline");
	ASSERT_EQ(parse_u32("+5", 0, 100, &v), -EINVAL, "a sign");
	ASSERT_EQ(parse_u32("", 0, 100, &v), -EINVAL, "nothing");
	ASSERT_EQ(parse_u32("5 ", 0, 100, &v), -ERANGE, "a trailing blank");
	ASSERT_EQ(parse_u32("0042", 0, 100, &v), 0, "leading zeros");
	ASSERT_EQ(v, 42, "their value");
}

/* hc_http_eval reads @len bytes, not up to a NUL: the status line is the first line. */
static void case_http_len(void)
{
	static const char reply[] = "HTTP/1.1\n200 OK\r\n\r\n";
	char why[160] = "";

	ASSERT_EQ(hc_http_eval(reply, 9, true, 0, "", why, sizeof(why)), HC_FAIL,
		  "a status line without a code, the code after @len");
	ASSERT_EQ(hc_http_eval(reply, sizeof(reply) - 1, true, 0, "", why, sizeof(why)), HC_FAIL,
		  "the code on the next line");
	ASSERT_EQ(
	    hc_http_eval("HTTP/1.0 204 No Content\r\n\r\n", 27, true, 0, "", why, sizeof(why)),
	    HC_OK, "a good reply");
}

/* What check_format() prints reads back as the same check (save, check show). */
static void round_trip(const char *line, const char *what)
{
	struct check_spec cs = { .want_type = true }, back = { .want_type = true };
	char text[CHECK_FORMAT_LEN + 40], cf[CHECK_FORMAT_LEN], *w[64], *copy = strdup(line);
	int n = split_words(copy, w, 64);

	if (!ASSERT_TRUE(n > 0 && !check_parse(n, w, &cs), what))
		goto out;
	check_format(&cs.check, cf, sizeof(cf));
	ASSERT_TRUE(strlen(cf) < sizeof(cf) - 1, "room for the longest check");
	snprintf(text, sizeof(text), "tcp 10.0.0.1:80 %s", cf);
	n = split_words(text, w, 64);
	if (ASSERT_TRUE(n > 0 && !check_parse(n, w, &back), what))
		ASSERT_TRUE(!memcmp(&cs, &back, sizeof(cs)), what);
out:
	free(copy);
}

/* check_format() into @len bytes of a larger buffer: it writes within them, NUL-terminated. */
static void small_buffer(const struct xdplb_check *c, size_t len)
{
	char buf[CHECK_FORMAT_LEN + 16];
	size_t i;

	memset(buf, 0x5a, sizeof(buf));
	check_format(c, buf, len);
	for (i = len; i < sizeof(buf) && buf[i] == 0x5a; i++)
		;
	ASSERT_EQ(i, sizeof(buf), "bytes written past the buffer's end");
	ASSERT_TRUE(memchr(buf, 0, len) != NULL, "a NUL within the buffer");
}

static void case_check_format(void)
{
	char line[1024], payload[XDPLB_CHECK_ARG_LEN], expect[XDPLB_CHECK_EXPECT_LEN], *w[64];
	struct check_spec cs = { .want_type = true };
	int n;

	round_trip("tcp 10.0.0.1:80 udp payload 'a\rb'", "a carriage return in a payload");
	memset(payload, '\'', sizeof(payload) - 1);
	payload[sizeof(payload) - 1] = 0;
	memset(expect, '\'', sizeof(expect) - 1);
	expect[sizeof(expect) - 1] = 0;
	snprintf(line, sizeof(line), "tcp 10.0.0.1:80 udp payload \"%s\" expect \"%s\"", payload,
		 expect);
	round_trip(line, "a payload and an expected text of quotes, at their longest");
	n = split_words(line, w, 64);
	if (ASSERT_TRUE(n > 0 && !check_parse(n, w, &cs), "the longest check"))
		for (size_t len = 1; len <= CHECK_FORMAT_LEN; len++)
			small_buffer(&cs.check, len);
}

/* A text keyword given twice: its second value, and nothing of the first (the daemon compares
 * checks byte for byte). */
static void case_check_twice(void)
{
	round_trip("tcp 10.0.0.1:80 http path /a-longer-path path /b",
		   "a path given twice leaves nothing of the first");
}

/* import ipvsadm: --set 0 0 0 changes nothing (ipvsadm's 0 leaves a timeout alone). */
static void case_import_set(void)
{
	struct xdplb_config cfg = { .ring_size = 251 };
	char l1[] = "--set 0 0 0", l2[] = "--set 00 0 300";
	struct batch_line lines[] = { { .text = l1, .line = 1 }, { .text = l2, .line = 2 } };
	struct conf c;

	if (!ASSERT_EQ(conf_init_empty(&c, &cfg, 16, 16), 0, "an empty configuration"))
		return;
	ASSERT_EQ(import_ipvsadm_check_conf("test", lines, 2, &c), 0, "--set with zeros");
	conf_free(&c);
}

/* check del of a port-0 VIP's check: no error printed (check_validate() is for check set). */
static void case_check_del_port0(void)
{
	struct xdplb_config cfg = { .ring_size = 251 };
	struct xdplb_vip_key key = { .proto = 6, .family = XDPLB_AF_INET };
	struct xdplb_vip vip = { .mode = XDPLB_MODE_DR };
	char text[] = "check del tcp 10.0.0.4:0", said[256] = "";
	struct batch_line line = { .text = text, .line = 1 };
	struct batch_input in = { .file = "test", .lines = &line, .n = 1 };
	FILE *f = tmpfile();
	int saved = dup(2);
	struct conf c;

	key.addr[0] = htonl(0x0a000004);
	if (!ASSERT_TRUE(f && saved >= 0, "a file for stderr") ||
	    !ASSERT_EQ(conf_init_empty(&c, &cfg, 16, 16), 0, "an empty configuration"))
		return;
	ASSERT_TRUE(conf_vip_add(&c, &key, &vip, 0) != NULL, "the port-0 VIP");
	fflush(stderr);
	dup2(fileno(f), 2);
	ASSERT_EQ(batch_check_conf(&in, &c), 0, "check del");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	if (!fgets(said, sizeof(said), f))
		said[0] = 0;
	fclose(f);
	ASSERT_TRUE(!said[0], said);
	conf_free(&c);
}

int main(void)
{
	RUN_CASE("parse_u32: digits only, no blank or sign first", case_u32);
	RUN_CASE("http judge: the status line within the reply's length", case_http_len);
	RUN_CASE("check_format: \\r quoted, room for the longest, writes within short buffers",
		 case_check_format);
	RUN_CASE("check_parse: a keyword given twice leaves nothing of its first value",
		 case_check_twice);
	RUN_CASE("import ipvsadm: --set 0 0 0 and 00", case_import_set);
	RUN_CASE("check del of a port-0 VIP: no error printed", case_check_del_port0);
	return TEST_MAIN_END();
}
