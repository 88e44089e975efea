/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * This file contains what the control-plane fuzzers (tests/fuzz/cp/fuzz_*.c, libFuzzer with
 * AddressSanitizer and UBSan) share: quiet messages, the configuration in memory that batch
 * lines and imports are checked against, inputs as C strings, and the oracles' failure.
 */
#ifndef XDPLB_FUZZ_CP_H
#define XDPLB_FUZZ_CP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct conf;

/* The loader's messages (p_err() and the others write to stderr) go to /dev/null, unless
 * XDPLB_FUZZ_VERBOSE is set in the environment (to see why an input is refused).  libFuzzer
 * keeps its own stream and the sanitizers write to file descriptor 2: both still show. */
void fuzz_quiet(void);

/* The input as a file for readers that open one: written into a memfd (made on first use,
 * named @name), its /proc/self/fd path returned.  Aborts if the write fails. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/*
 * The configuration batch lines and ipvsadm dumps are checked against (no maps): small limits
 * so that "no room" is reachable (8 VIPs, 16 backends, 6 per VIP), an IPv4 tunnel source and
 * no IPv6 one, and these VIPs (the seeds name them):
 *   tcp 10.0.0.1:80       tun mh    10.1.0.1, 10.1.0.2 (weight 5), [2001:db8:1::1]
 *   udp 10.0.0.1:53       dr  rr    10.1.0.1
 *   tcp 10.0.0.2:443      nat wlc   10.1.0.3:8443, 10.1.0.4 (sorry)
 *   tcp 10.0.0.3:80       nat sh    hash l3, persist 300; 10.1.0.5
 *   tcp 10.0.0.4:0        dr  mh    (port 0) 10.1.0.6
 *   tcp [2001:db8::1]:80  tun mh    ondown keep, alldown reject; [2001:db8:1::2]
 */
void fuzz_conf(struct conf *c);
/* A fingerprint of @c's counts, to see that a check left it alone. */
unsigned long fuzz_conf_sum(const struct conf *c);

/* @size bytes of @data as a NUL-terminated string (malloc()ed; a NUL in @data ends it early,
 * as it would in a line read from a file). */
char *fuzz_str(const uint8_t *data, size_t size);

/* An oracle's verdict: print what is wrong and abort, which libFuzzer reports as a crash with
 * the input saved. */
#define FUZZ_ASSERT(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(fuzz_report, "FUZZ_ASSERT %s:%d: %s: ", __FILE__, __LINE__,        \
				#cond);                                                            \
			fprintf(fuzz_report, __VA_ARGS__);                                         \
			fputc('\n', fuzz_report);                                                  \
			fflush(fuzz_report);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
/* Where FUZZ_ASSERT writes: the real stderr, even when fuzz_quiet() silenced the loader. */
extern FILE *fuzz_report;

#endif /* XDPLB_FUZZ_CP_H */
