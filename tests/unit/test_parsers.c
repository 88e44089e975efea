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

int main(void)
{
	RUN_CASE("parse_u32: digits only, no blank or sign first", case_u32);
	RUN_CASE("http judge: the status line within the reply's length", case_http_len);
	return TEST_MAIN_END();
}
