// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The JITed program's line table, for bench/profile.sh:
 *
 *	jitlines PROG_ID
 *
 * prints one line per BTF line-info record of a loaded BPF program:
 *
 *	ADDRESS FILE:LINE: SOURCE
 *
 * ADDRESS (hex) is where the record's first machine instruction lies in the kernel (the
 * program's jited_line_info), so that a sampled instruction pointer belongs to the last
 * record at or below it.  perf 6.1 as Debian builds it cannot annotate BPF programs (it
 * lacks libopcodes); this table is all that attributing samples to source lines needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nl, njl, lrs, jrs, btf_id;
	struct btf *btf;
	char *end;
	void *li;
	__u64 *jl;
	long id;
	int fd;

	if (argc != 2 || (id = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "Usage: %s PROG_ID\n", argv[0]);
		return 2;
	}
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "Error: program %ld: %s\n", id, strerror(errno));
		return 1;
	}
	nl = info.nr_line_info;
	njl = info.nr_jited_line_info;
	lrs = info.line_info_rec_size;
	jrs = info.jited_line_info_rec_size;
	btf_id = info.btf_id;
	if (!nl || !njl || jrs != sizeof(__u64) || lrs < sizeof(struct bpf_line_info)) {
		fprintf(stderr,
			"Error: program %ld has no JITed line info (no BTF, or not JITed)\n", id);
		return 1;
	}
	li = calloc(nl, lrs);
	jl = calloc(njl, jrs);
	if (!li || !jl) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	info.nr_line_info = nl;
	info.line_info_rec_size = lrs;
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = njl;
	info.jited_line_info_rec_size = jrs;
	info.jited_line_info = (__u64)(unsigned long)jl;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "Error: program %ld: %s\n", id, strerror(errno));
		return 1;
	}
	btf = btf__load_from_kernel_by_id(btf_id);
	if (!btf) {
		fprintf(stderr, "Error: BTF %u of program %ld: %s\n", btf_id, id, strerror(errno));
		return 1;
	}
	/* one jited address per line-info record, in the same order */
	for (__u32 i = 0; i < nl && i < njl; i++) {
		const struct bpf_line_info *l = (const void *)((char *)li + (size_t)i * lrs);
		const char *file = btf__name_by_offset(btf, l->file_name_off);
		const char *src = btf__name_by_offset(btf, l->line_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		printf("%llx %s:%u: %s\n", (unsigned long long)jl[i],
		       base   ? base + 1
		       : file ? file
			      : "?",
		       BPF_LINE_INFO_LINE_NUM(l->line_col), src ? src : "");
	}
	btf__free(btf);
	return 0;
}
