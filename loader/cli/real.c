// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdplb real`: the backends (real servers) of a VIP. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "cli/cli.h"
#include "lib/conf.h"
#include "util/common.h"

#define HELP_REAL "real { add | set | del } SERVICE ADDR[:PORT] [ weight N ] [ sorry ]"

static int real_help(int argc, char **argv)
{
	if (json_help())
		return 0;
	printf("Usage: %1$s " HELP_REAL "\n"
	       "\n"
	       "  weight  0..%2$u (default 1); 0 drains: no new flows, existing flows stay\n"
	       "  ADDR    IPv4, or IPv6 ([ADDR]:PORT with a port).  An IPv6 VIP takes IPv6\n"
	       "          backends; an IPv4 VIP IPv4 ones, and IPv6 ones in tun mode only\n"
	       "          (IPv4-in-IPv6); dr and nat need the VIP's family\n"
	       "  PORT    nat mode can map the VIP's port to another (not with hash l3); tun\n"
	       "          and dr keep it\n"
	       "  sorry   a fallback server: it gets new flows only while no other backend\n"
	       "          of the VIP is up (add only)\n",
	       bin_name, XDPLB_MAX_WEIGHT);
	return 0;
}

/* SERVICE ADDR[:PORT] [ weight N ] */
int parse_real(int argc, char **argv, struct xdplb_vip_key *key, struct xdplb_real *r,
	       bool *have_weight)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->weight = 1;
	*have_weight = false;
	err = parse_service(argc, argv, key);
	if (err)
		return err;
	if (argc < 3) {
		p_err("missing backend: expected SERVICE ADDR[:PORT]");
		return -XDPLB_EUSAGE;
	}
	err = parse_addr_port(argv[2], r->addr, &r->family, &r->port, false);
	if (err)
		return err;
	if (r->port == key->port)
		r->port = 0; /* 0 = the packet's own port */
	argc -= 3;
	argv += 3;
	while (argc > 0) {
		if (!strcmp(*argv, "weight")) {
			REQ_ARG("N");
			if (parse_u32(*argv, 0, XDPLB_MAX_WEIGHT, &r->weight))
				return bad_arg(*argv, "weight must be 0..%u", XDPLB_MAX_WEIGHT);
			*have_weight = true;
		} else if (!strcmp(*argv, "sorry")) {
			r->flags |= XDPLB_REAL_F_SORRY;
		} else {
			return bad_arg(*argv, "unknown keyword (expected weight or sorry)");
		}
		NEXT_ARG();
	}
	return 0;
}

/*
 * Have the kernel resolve the backend's MAC now: the data plane forwards with
 * bpf_fib_lookup(), which only reads the neighbour table.  TUN and NAT packets could go
 * through the kernel to resolve it, a DR packet (still addressed to the VIP) cannot.  An
 * empty UDP datagram to the discard port makes the kernel ARP (IPv4) or send a neighbour
 * solicitation (IPv6) for the next hop.
 */
void neigh_kick(const struct xdplb_real *r)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	char a[INET6_ADDRSTRLEN];
	int fd;

	if (r->family == XDPLB_AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		sin->sin_addr.s_addr = r->addr[0];
		len = sizeof(*sin);
	} else if (r->family == XDPLB_AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		memcpy(&sin6->sin6_addr, r->addr, 16);
		len = sizeof(*sin6);
	} else {
		return;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&ss, len) < 0)
		p_dbg("neighbour of %s: %s", fmt_addr(r->addr, r->family, a, sizeof(a)),
		      strerror(errno));
	close(fd);
}

int do_real(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "add", change_cmd }, { "set", change_cmd }, { "del", change_cmd },
		{ "help", real_help }, { NULL, NULL },
	};

	return cmd_select(cmds, argc, argv, real_help);
}
