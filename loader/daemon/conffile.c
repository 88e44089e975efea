// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's config file: `check set` lines (the command line's grammar), read whole and
 * resolved against the maps before anything is applied, so that an error anywhere applies
 * none of it.  Errors name the file, the line and its text.  A directory, a NUL byte, a
 * last line cut short (no newline) and two lines for one VIP or backend are errors; so is
 * an empty file on a reload (a file meant to set no check says so with a comment line).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/check.h"
#include "cli/cli.h"
#include "daemon/daemon.h"
#include "util/common.h"

#define MAX_WORDS 64

bool conffile_has(const struct conf_entry *c, size_t n, __u32 vip_id, __u32 real_id)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].vip_id == vip_id && c[i].real_id == real_id)
			return true;
	return false;
}

/* The first line that sets a check for (@vip_id, @real_id), or 0. */
static int first_line(const struct conf_entry *c, size_t n, __u32 vip_id, __u32 real_id)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].vip_id == vip_id && c[i].real_id == real_id)
			return c[i].line;
	return 0;
}

/* Does the file end with a newline (or is it empty)?  A writer that was interrupted leaves a
 * last line without one. */
static bool ends_in_newline(const char *path)
{
	FILE *f = fopen(path, "r");
	bool ok = true;

	if (f && !fseek(f, -1, SEEK_END))
		ok = fgetc(f) == '\n';
	if (f)
		fclose(f);
	return ok;
}

/* One line into @e: 0, or -errno with the error printed (the context names the line). */
static int conffile_line(struct lb *lb, char *text, struct conf_entry *e, bool *blank)
{
	struct check_spec cs = { .want_type = true };
	char *words[MAX_WORDS];
	int nw = split_words(text, words, MAX_WORDS), err;

	*blank = nw == 0;
	if (nw == 0)
		return 0;
	if (nw < 0) {
		p_err("an unterminated quote, or more than %d words", MAX_WORDS);
		return -EINVAL;
	}
	if (nw < 2 || strcmp(words[0], "check") || strcmp(words[1], "set")) {
		p_err("expected \"check set SERVICE ...\"");
		return -EINVAL;
	}
	err = check_parse(nw - 2, words + 2, &cs) ?: check_validate(&cs);
	err = err ?: check_resolve(lb, &cs, &e->vip_id, &e->real_id);
	e->check = cs.check;
	/* the command line was right, the file is not: a runtime error (exit 1) */
	return err == -XDPLB_EUSAGE ? -EINVAL : err;
}

int conffile_load(struct lb *lb, const char *path, bool reload, struct conf_entry **out,
		  size_t *nout)
{
	struct conf_entry *ents = NULL;
	struct batch_line *lines;
	char *buf, *copy = NULL;
	bool comments = false, blank;
	int n, err;
	size_t m = 0;

	err = batch_read(path, &lines, &n, &buf); /* says what is wrong: missing, dir, NUL */
	if (err)
		return err == -XDPLB_EUSAGE ? -EINVAL : err;
	ents = calloc(n + 1, sizeof(*ents));
	if (!ents) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n && !err; i++) {
		char text[96];
		int dup;

		/* the context of every message: file, line, and the line's text */
		snprintf(text, sizeof(text), "%.80s%s", lines[i].text,
			 strlen(lines[i].text) > 80 ? "..." : "");
		free(copy);
		copy = strdup(text);
		err_ctx_set_text(path, lines[i].line, copy);
		err = conffile_line(lb, lines[i].text, &ents[m], &blank);
		if (err || blank) {
			comments |= strchr(text, '#') != NULL;
			continue;
		}
		dup = first_line(ents, m, ents[m].vip_id, ents[m].real_id);
		if (dup) {
			p_err("a second check for this VIP or backend (the first is on line %d)",
			      dup);
			err = -EINVAL;
			continue;
		}
		ents[m++].line = lines[i].line;
	}
	err_ctx_set(NULL, 0);
	if (!err && !ends_in_newline(path)) {
		p_err("config %s: the last line has no newline: cut short?", path);
		err = -EINVAL;
	}
	if (!err && reload && !m && !comments) {
		p_err("config %s: empty (a file that is to set no check says so in a comment)",
		      path);
		err = -EINVAL;
	}
out:
	free(copy);
	free(lines);
	free(buf);
	if (err) {
		free(ents);
		return err;
	}
	*out = ents;
	*nout = m;
	return 0;
}
