// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The health checker's judgement of replies: hc_http_eval() (an HTTP reply so far, a status
 * and a body text expected) and hc_udp_eval() (one datagram, a text expected).  Input: a
 * flags byte (bit 0: udp; bit 2: any status), two bytes of status (100..599 as check_parse()
 * allows), the length of the expected text (at most what the check holds) and the text, then
 * the reply, at the end of a buffer that a page no one may read follows (a read past the reply
 * faults at once, even in libc's own code that AddressSanitizer does not see).  Oracles: HTTP: a
 * complete reply gets a verdict, a verdict on part of a reply stays when the rest arrives, a
 * failure says why, a body found holds the text; UDP: success exactly when the datagram holds the
 * text.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_cp.h"
#include "health/health.h"

#define REGION (64 << 10) /* the longest reply (the daemon reads 4095 bytes at most) */

static char *region; /* REGION bytes, then a page without access */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	long page = sysconf(_SC_PAGESIZE);

	fuzz_quiet();
	region =
	    mmap(NULL, REGION + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || mprotect(region + REGION, page, PROT_NONE)) {
		perror("mmap");
		exit(1);
	}
	return 0;
}

static bool holds(const char *buf, size_t len, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (!memcmp(buf + i, text, n))
			return true;
	return false;
}

static void t_http(const char *buf, size_t len, __u16 status, const char *expect)
{
	char why[160], why2[160];
	enum hc_result part, all;

	why[0] = why2[0] = 0;
	part = hc_http_eval(buf, len, false, status, expect, why, sizeof(why));
	all = hc_http_eval(buf, len, true, status, expect, why2, sizeof(why2));
	FUZZ_ASSERT(part == HC_OK || part == HC_FAIL || part == HC_LOCAL, "result %d", part);
	FUZZ_ASSERT(all == HC_OK || all == HC_FAIL, "complete reply: result %d", all);
	FUZZ_ASSERT(part == HC_LOCAL || part == all, "verdict %d, then %d on the same reply", part,
		    all);
	FUZZ_ASSERT(all != HC_FAIL || (why2[0] && memchr(why2, 0, sizeof(why2))),
		    "failure without a reason");
	if (all == HC_OK && expect[0]) {
		const char *body = memmem(buf, len, "\r\n\r\n", 4);

		FUZZ_ASSERT(body && holds(body + 4, len - (body + 4 - buf), expect),
			    "body lacks \"%s\" but passed", expect);
	}
}

static void t_udp(const char *buf, size_t len, const char *expect)
{
	char why[160] = "";
	enum hc_result r = hc_udp_eval(buf, len, expect, why, sizeof(why));

	FUZZ_ASSERT(r == (!expect[0] || holds(buf, len, expect) ? HC_OK : HC_FAIL),
		    "udp: result %d with \"%s\"", r, expect);
	FUZZ_ASSERT(r == HC_OK || why[0], "failure without a reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char expect[XDPLB_CHECK_EXPECT_LEN];
	bool udp;
	size_t elen;
	__u16 status;
	char *reply;

	if (size < 4)
		return 0;
	udp = data[0] & 1;
	status = data[0] & 4 ? 0 : 100 + (data[1] | data[2] << 8) % 500;
	elen = data[3] % XDPLB_CHECK_EXPECT_LEN;
	if (size < 4 + elen)
		return 0;
	memcpy(expect, data + 4, elen);
	expect[elen] = 0;
	data += 4 + elen;
	size -= 4 + elen;
	if (size > REGION)
		size = REGION;
	/* the reply's last byte is the last one readable */
	reply = region + REGION - size;
	memcpy(reply, data, size);
	if (udp)
		t_udp(reply, size, expect);
	else
		t_http(reply, size, status, expect);
	return 0;
}
