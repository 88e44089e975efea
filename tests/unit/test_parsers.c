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

int main(void)
{
	RUN_CASE("parse_u32: digits only, no blank or sign first", case_u32);
	return TEST_MAIN_END();
}
