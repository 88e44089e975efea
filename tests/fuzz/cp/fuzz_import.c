// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ipvsadm dumps: the bytes of an `ipvsadm-save -n` file, read by batch_read() (through a
 * memfd), translated into batch lines and checked against the configuration in memory of
 * fuzz_cp.h by import_ipvsadm_check_conf(), as `xdplb import ipvsadm FILE check` does.
 * Oracle: besides the sanitizers, the configuration checked against is left as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_cp.h"
#include "cli/cli.h"
#include "lib/conf.h"

static struct conf conf;
static unsigned long conf_sum;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	ipvs_lookup_names = false; /* names are unknown: no resolver, no DNS, on this path */
	fuzz_conf(&conf);
	conf_sum = fuzz_conf_sum(&conf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_line *lines;
	char *buf;
	int n;

	if (batch_read(fuzz_file("ipvsadm", data, size), &lines, &n, &buf))
		return 0;
	import_ipvsadm_check_conf("fuzz", lines, n, &conf);
	FUZZ_ASSERT(fuzz_conf_sum(&conf) == conf_sum, "import changed its conf");
	free(lines);
	free(buf);
	return 0;
}
