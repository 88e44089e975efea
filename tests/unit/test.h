/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the tiny assertion framework of the unit tests.
 *
 * A test program runs cases with RUN_CASE(name, fn); a case fails when any ASSERT_* in it
 * fails (each failure prints the case, what was expected and what was seen).  TEST_MAIN_END()
 * prints "N passed, N failed" and returns the exit status; tests/run.sh sums those lines.
 * XDPLB_CASE=TEXT in the environment runs only the cases whose names contain TEXT (for a
 * developer repeating one case; tests/run.sh never sets it).
 */
#ifndef XDPLB_TEST_H
#define XDPLB_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

static int test_passed __attribute__((unused)), test_failed __attribute__((unused));
static int case_failed;
static const char *case_name = "";

#define ASSERT_TRUE(cond, what)                                                                    \
	({                                                                                         \
		int __ok = !!(cond);                                                               \
		if (!__ok) {                                                                       \
			fprintf(stderr, "  FAIL %s: %s (%s:%d)\n", case_name, what, __FILE__,      \
				__LINE__);                                                         \
			case_failed = 1;                                                           \
		}                                                                                  \
		__ok;                                                                              \
	})

#define ASSERT_EQ(actual, expected, what)                                                          \
	({                                                                                         \
		long long __a = (long long)(actual), __e = (long long)(expected);                  \
		int __ok = __a == __e;                                                             \
		if (!__ok) {                                                                       \
			fprintf(stderr, "  FAIL %s: %s: expected %lld, got %lld (%s:%d)\n",        \
				case_name, what, __e, __a, __FILE__, __LINE__);                    \
			case_failed = 1;                                                           \
		}                                                                                  \
		__ok;                                                                              \
	})

/* Compare byte buffers; on mismatch print both as hex with the first differing offset. */
static inline int assert_bytes(const char *what, const void *actual, size_t alen,
			       const void *expected, size_t elen, const char *file, int line)
{
	const unsigned char *a = actual, *e = expected;
	size_t i, n = alen < elen ? alen : elen;

	for (i = 0; i < n && a[i] == e[i]; i++)
		;
	if (alen == elen && i == n)
		return 1;
	fprintf(stderr,
		"  FAIL %s: %s: lengths %zu/%zu (expected/actual), first difference at %zu "
		"(%s:%d)\n",
		case_name, what, elen, alen, i, file, line);
	fprintf(stderr, "    expected:");
	for (size_t j = 0; j < elen; j++)
		fprintf(stderr, "%s%02x", j % 16 ? " " : "\n      ", e[j]);
	fprintf(stderr, "\n    actual:  ");
	for (size_t j = 0; j < alen; j++)
		fprintf(stderr, "%s%02x", j % 16 ? " " : "\n      ", a[j]);
	fprintf(stderr, "\n");
	case_failed = 1;
	return 0;
}
#define ASSERT_BYTES(actual, alen, expected, elen, what)                                           \
	assert_bytes(what, actual, alen, expected, elen, __FILE__, __LINE__)

#define RUN_CASE(name, fn, ...)                                                                    \
	do {                                                                                       \
		const char *__only = getenv("XDPLB_CASE");                                         \
		if (__only && !strstr((name), __only))                                             \
			break;                                                                     \
		case_name = (name);                                                                \
		case_failed = 0;                                                                   \
		fn(__VA_ARGS__);                                                                   \
		if (case_failed) {                                                                 \
			test_failed++;                                                             \
			printf("not ok - %s\n", case_name);                                        \
		} else {                                                                           \
			test_passed++;                                                             \
			printf("ok - %s\n", case_name);                                            \
		}                                                                                  \
		fflush(stdout);                                                                    \
	} while (0)

/* Unit tests that load BPF programs need root; without it they skip, saying why. */
#define REQUIRE_ROOT()                                                                             \
	do {                                                                                       \
		if (geteuid() != 0) {                                                              \
			printf("skip: %s needs root (BPF_PROG_TEST_RUN)\n", __FILE__);             \
			printf("0 passed, 0 failed, 1 skipped\n");                                 \
			return 0;                                                                  \
		}                                                                                  \
	} while (0)

#define TEST_MAIN_END()                                                                            \
	({                                                                                         \
		printf("%d passed, %d failed\n", test_passed, test_failed);                        \
		test_failed ? 1 : 0;                                                               \
	})

#endif /* XDPLB_TEST_H */
