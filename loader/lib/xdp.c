// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* XDP programs on interfaces through libxdp (its dispatcher lets other XDP programs share an
 * interface), and the pin directory they keep their maps in. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "lib/internal.h"
#include "util/common.h"

int lb_pin_dir_make(const char *dir, char *why, size_t len)
{
	char parent[PATH_MAX], *slash;
	struct statfs sfs;
	struct stat st;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (statfs(parent, &sfs)) {
		int err = -errno;

		snprintf(why, len, "bpffs %s: %s", parent,
			 err == -ENOENT ? "no such directory" : strerror(-err));
		return err;
	}
	if (sfs.f_type != BPF_FS_MAGIC) {
		snprintf(why, len, "bpffs %s: not mounted (mount -t bpf bpf %s)", parent, parent);
		return -ENOENT;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		snprintf(why, len, "mkdir %s: %s%s", dir, strerror(-err), perm_hint(err));
		return err;
	}
	if (stat(dir, &st)) {
		int err = -errno;

		snprintf(why, len, "%s: %s", dir, strerror(-err));
		return err;
	}
	/* a directory others may write to could hold maps that are not ours */
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, len,
			 "%s: owned by uid %u with mode %03o: a pin directory must belong to root "
			 "and not be writable by group or others (remove it, or chown root and "
			 "chmod go-w)",
			 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	return 0;
}

static bool is_it(struct xdp_program *p, const char *name, __u32 id)
{
	return p && !strcmp(xdp_program__name(p), name) && (!id || xdp_program__id(p) == id);
}

/* Our program among the ones libxdp reports on an interface (program @id if not 0; the
 * first of that name if 0), or NULL. */
static struct xdp_program *find_ours(struct xdp_multiprog *mp, const char *name, __u32 id)
{
	struct xdp_program *p;

	if (!mp)
		return NULL;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		return is_it(p, name, id) ? p : NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
		if (is_it(p, name, id))
			return p;
	p = xdp_multiprog__hw_prog(mp);
	return is_it(p, name, id) ? p : NULL;
}

int xdp_attached(int ifindex, const char *name, __u32 *id, bool *legacy)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	int err = libxdp_get_error(mp);
	struct xdp_program *p;

	if (err == -EPERM || err == -EACCES)
		return err; /* not "not attached": not allowed to look */
	if (err)
		return XDP_MODE_UNSPEC;
	p = find_ours(mp, name, 0);
	if (p) {
		mode = xdp_multiprog__attach_mode(mp);
		if (id)
			*id = xdp_program__id(p);
		if (legacy)
			*legacy = xdp_multiprog__is_legacy(mp);
	}
	xdp_multiprog__close(mp);
	return mode;
}

int lb_attached_mode(int ifindex, const char *name)
{
	return xdp_attached(ifindex, name, NULL, NULL);
}

int xdp_attach_obj(struct bpf_object *obj, const char *prog_name, int ifindex, const char *ifname,
		   bool generic, __u32 *prog_id, char *why, size_t len)
{
	enum xdp_attach_mode mode = generic ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	struct xdp_program *prog;
	int err;

	DECLARE_LIBXDP_OPTS(xdp_program_opts, popts, .obj = obj, .prog_name = prog_name);
	prog = xdp_program__create(&popts);
	err = libxdp_get_error(prog);
	if (err) {
		snprintf(why, len, "attach %s: load program: %s", ifname, strerror(-err));
		return err;
	}
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (err == -EACCES) {
		/* libxdp loads the program on attach: this is the verifier saying no */
		snprintf(why, len,
			 "attach %s: the kernel's verifier rejected %s (-d shows its log)", ifname,
			 prog_name);
	} else if (err) {
		char buf[256];

		libxdp_strerror(err, buf, sizeof(buf));
		snprintf(why, len, "attach %s mode %s: %s%s", ifname,
			 generic ? "generic" : "native", buf,
			 *perm_hint(err) ? perm_hint(err)
			 : !generic	 ? " (try mode generic)"
					 : "");
	}
	if (!err && prog_id)
		*prog_id = xdp_program__id(prog);
	/* Closing our handle does not detach: libxdp pinned the dispatcher. */
	xdp_program__close(prog);
	return err;
}

int xdp_replace_legacy(struct bpf_object *obj, const char *prog_name, int ifindex,
		       const char *ifname, bool generic, __u32 old_id, __u32 *new_id, char *why,
		       size_t len)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, prog_name);
	struct bpf_prog_info pi = {};
	__u32 pilen = sizeof(pi);
	int fd, old_fd, err;

	LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);
	if (!prog) {
		snprintf(why, len, "attach %s: no program %s in the object", ifname, prog_name);
		return -ENOENT;
	}
	fd = bpf_program__fd(prog);
	old_fd = bpf_prog_get_fd_by_id(old_id);
	if (old_fd < 0) {
		err = -errno;
		snprintf(why, len, "attach %s: the running program (id %u): %s", ifname, old_id,
			 strerror(errno));
		return err;
	}
	aopts.old_prog_fd = old_fd;
	/* one netlink request: the kernel swaps the programs only if old_id still runs */
	err = bpf_xdp_attach(
	    ifindex, fd, XDP_FLAGS_REPLACE | (generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE),
	    &aopts);
	close(old_fd);
	if (err) {
		snprintf(why, len, "attach %s: replace program %u: %s%s", ifname, old_id,
			 strerror(-err),
			 err == -EEXIST ? " (it was replaced meanwhile: try again)" : "");
		return err;
	}
	if (!bpf_obj_get_info_by_fd(fd, &pi, &pilen))
		*new_id = pi.id;
	return 0;
}

int xdp_detach_id(const char *ifname, const char *prog_name, __u32 id, char *why, size_t len)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int ifindex, err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		snprintf(why, len, "detach %s: no such interface", ifname);
		return -ENODEV;
	}
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (*perm_hint(err)) {
		snprintf(why, len, "detach %s: %s%s", ifname, strerror(-err), perm_hint(err));
		return err;
	}
	if (err)
		mp = NULL;
	p = find_ours(mp, prog_name, id);
	if (!p) {
		xdp_multiprog__close(mp);
		snprintf(why, len, "detach %s: %s is not attached", ifname, prog_name);
		return -ENOENT;
	}
	err = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	if (err)
		snprintf(why, len, "detach %s: %s", ifname, strerror(-err));
	return err;
}

int lb_detach(const char *ifname, const char *prog_name, char *why, size_t len)
{
	return xdp_detach_id(ifname, prog_name, 0, why, len);
}

bool lb_attached_anywhere(const char *prog)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	bool found = false;

	for (i = ifs; i && i->if_index && !found; i++)
		found = lb_attached_mode(i->if_index, prog) > 0;
	if (ifs)
		if_freenameindex(ifs);
	return found;
}
