// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Batch files: the bytes of a file, read by batch_read() (through a memfd, so the reader's own
 * checks run too), then every line checked by batch_check_conf() against the configuration in
 * memory of fuzz_cp.h, as `xdplb batch file FILE check` does, without maps or root.
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
	fuzz_conf(&conf);
	conf_sum = fuzz_conf_sum(&conf);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch_input in = { .file = "fuzz" };
	struct batch_line *lines;
	char *buf;

	if (batch_read(fuzz_file("batch", data, size), &lines, &in.n, &buf))
		return 0;
	in.lines = lines;
	batch_check_conf(&in, &conf);
	FUZZ_ASSERT(fuzz_conf_sum(&conf) == conf_sum, "batch_check_conf() changed its conf");
	free(lines);
	free(buf);
	return 0;
}
