// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Reading commands from files: a file (or stdin) into lines, a line into words.  Batch files,
 * imports and the daemon's config file all read this way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "util/common.h"

/* fopen() of a directory succeeds, and reading it says EISDIR, which fread() turns into a
 * bare error ("Input/output error" before): ask first. */
bool input_is_dir(FILE *f)
{
	struct stat st;

	return !fstat(fileno(f), &st) && S_ISDIR(st.st_mode);
}

/*
 * Split @line into words, in place: blanks separate, '...' and "..." quote (a backslash
 * escapes the next character inside double quotes and outside quotes), # starts a comment.
 * Returns the count, or -1 for an unterminated quote or too many words.
 */
int split_words(char *line, char **words, int max)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max)
			return -1;
		words[n++] = w;
		while (*r && *r != ' ' && *r != '\t' && *r != '\n' && *r != '\r') {
			char q = *r;

			if (q == '\'' || q == '"') {
				for (r++; *r && *r != q; r++) {
					if (q == '"' && *r == '\\' && r[1])
						r++;
					*w++ = *r;
				}
				if (!*r)
					return -1;
				r++;
			} else {
				if (q == '\\' && r[1])
					r++;
				*w++ = *r++;
			}
		}
		if (*r)
			r++;
		*w++ = 0; /* the writer never overtakes the reader */
	}
}

int batch_read(const char *path, struct batch_line **lines, int *n, char **buf)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t len = 0, cap = 0;
	int count = 0, err = 0;
	char *data = NULL, *s;
	char chunk[65536];
	size_t got;

	*lines = NULL;
	*n = 0;
	*buf = NULL;
	if (!f) {
		err = -errno;
		p_err("batch file %s: %s", path, strerror(errno));
		return err;
	}
	if (input_is_dir(f)) {
		p_err("batch file %s: %s", path, strerror(EISDIR));
		if (f != stdin)
			fclose(f);
		return -EISDIR;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + got + 1 > cap) {
			char *nd;

			cap = (len + got + 1) * 2;
			nd = realloc(data, cap);
			if (!nd) {
				err = -ENOMEM;
				goto out;
			}
			data = nd;
		}
		memcpy(data + len, chunk, got);
		len += got;
	}
	if (ferror(f)) {
		err = -EIO;
		p_err("batch file %s: %s", path, strerror(EIO));
		goto out;
	}
	if (!data) {
		data = strdup("");
		if (!data) {
			err = -ENOMEM;
			goto out;
		}
	}
	data[len] = 0;
	if (memchr(data, 0, len)) {
		p_err("batch file %s: not a text file (NUL byte)", path);
		err = -XDPLB_EUSAGE;
		goto out;
	}
	for (s = data; *s; s++)
		count += *s == '\n';
	*lines = calloc(count + 1, sizeof(**lines));
	if (!*lines) {
		err = -ENOMEM;
		goto out;
	}
	for (s = data; *s;) {
		char *nl = strchr(s, '\n');

		(*lines)[*n].text = s;
		(*lines)[*n].line = *n + 1;
		(*n)++;
		if (!nl)
			break;
		*nl = 0;
		s = nl + 1;
	}
	*buf = data;
	data = NULL;
out:
	if (err == -ENOMEM)
		p_err("batch file %s: %s", path, strerror(ENOMEM));
	free(data);
	if (f != stdin)
		fclose(f);
	return err;
}
