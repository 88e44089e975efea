/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the entry points of the loader's objects (one .c file each). */
#ifndef XDPLB_DEV_H
#define XDPLB_DEV_H

int do_dev(int argc, char **argv);
int do_vip(int argc, char **argv);
int do_real(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_decap(int argc, char **argv);
int do_flow(int argc, char **argv);
int ensure_pin_dir(const char *dir);

#include <stdbool.h>
#include <xdp/libxdp.h>
/* Is a map or object @name pinned under pin_dir? */
bool pinned(const char *name);
/* [ dev IFNAME ] */
int parse_dev(int argc, char **argv, const char **ifname, bool required);
/* Load @prog_name of @obj through libxdp and attach it; prints the error itself. */
int xdp_attach_obj(struct bpf_object *obj, const char *prog_name, int ifindex, const char *ifname,
		   enum xdp_attach_mode mode);
int xdp_detach_named(const char *ifname, const char *prog_name);
/* "native" or "generic"; prints the error itself */
int parse_xdp_mode(const char *s, enum xdp_attach_mode *mode);
enum xdp_attach_mode dev_attached_mode(int ifindex, const char *name);

#endif /* XDPLB_DEV_H */
