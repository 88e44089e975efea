// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The balancer the fuzzer drives: VIPs in every mode and family, each kind of VIP the data
 * plane treats differently (l3hash, port 0, persistence, a drained and a down backend, every
 * backend down with drop and reject, a backend behind the 1300-byte link, IPv4 in IPv6), and
 * the sandbox's topology (tests/unit/fixture.h) as the checker knows it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz.h"

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define TUN XDPLB_MODE_TUN
#define DR  XDPLB_MODE_DR
#define NAT XDPLB_MODE_NAT
#define MH  XDPLB_SCHED_MH
#define RR  XDPLB_SCHED_RR
#define L3  XDPLB_VIP_F_L3HASH
#define REJ XDPLB_VIP_F_ALLDOWN_REJECT

/* Backends: 10.0.1.11..14 and fd00:1::11..14 on lb0; 10.0.2.11 and fd00:2::11 on lb2 (MTU
 * 1300).  Several VIPs share backends, as real set-ups do. */
/* Designated initializers: the tables name what they set, the rest is zero. */
#define UP(a)                                                                                      \
	{                                                                                          \
		.addr = (a)                                                                        \
	}
#define UPP(a, p)                                                                                  \
	{                                                                                          \
		.addr = (a), .port = (p)                                                           \
	} /* NAT: the backend's port */
#define DRAIN(a)                                                                                   \
	{                                                                                          \
		.addr = (a), .role = BE_DRAIN                                                      \
	}
#define DOWN(a)                                                                                    \
	{                                                                                          \
		.addr = (a), .role = BE_DOWN                                                       \
	}
#define DEAD(a)                                                                                    \
	{                                                                                          \
		.addr = (a), .role = BE_DEAD                                                       \
	}
#define VIP(n, a, p, pr, m, s, f, per, ...)                                                        \
	{                                                                                          \
		.name = (n), .addr = (a), .port = (p), .proto = (pr), .mode = (m), .sched = (s),   \
		.flags = (f), .persist = (per),                                                    \
		.be = { __VA_ARGS__ }                                                              \
	}

struct fz_vip fz_vips[] = {
	VIP("tun4-tcp", "10.0.0.10", 80, TCP, TUN, MH, 0, 0, UP("10.0.1.11"), UP("10.0.1.12"),
	    UP("10.0.1.13")),
	VIP("tun4-udp", "10.0.0.10", 53, UDP, TUN, MH, 0, 0, UP("10.0.1.11"), UP("10.0.1.12")),
	VIP("dr4-tcp", "10.0.0.20", 80, TCP, DR, MH, 0, 0, UP("10.0.1.11"), UP("10.0.1.12")),
	VIP("dr4-udp", "10.0.0.20", 53, UDP, DR, MH, 0, 0, UP("10.0.1.13")),
	VIP("nat4-tcp", "10.0.0.30", 80, TCP, NAT, MH, 0, 0, UPP("10.0.1.13", 8080),
	    UPP("10.0.1.14", 8080)),
	VIP("nat4-udp", "10.0.0.30", 53, UDP, NAT, MH, 0, 0, UP("10.0.1.13"),
	    UPP("10.0.1.14", 5353)),
	VIP("tun4-l3", "10.0.0.40", 4789, UDP, TUN, MH, L3, 0, UP("10.0.1.11"), UP("10.0.1.12")),
	VIP("tun4-port0", "10.0.0.50", 0, TCP, TUN, MH, 0, 0, UP("10.0.1.11"), UP("10.0.1.12")),
	VIP("tun4in6", "10.0.0.60", 80, TCP, TUN, MH, 0, 0, UP("fd00:1::11"), UP("fd00:1::12")),
	VIP("tun4-persist", "10.0.0.70", 80, TCP, TUN, MH, 0, 3600, UP("10.0.1.11"),
	    UP("10.0.1.12"), UP("10.0.1.13")),
	VIP("tun4-drain", "10.0.0.80", 80, TCP, TUN, MH, 0, 0, UP("10.0.1.11"), UP("10.0.1.12"),
	    DRAIN("10.0.1.13"), DOWN("10.0.1.14")),
	VIP("tun4-reject-tcp", "10.0.0.90", 80, TCP, TUN, MH, REJ, 0, DEAD("10.0.1.11")),
	VIP("tun4-reject-udp", "10.0.0.90", 53, UDP, TUN, MH, REJ, 0, DEAD("10.0.1.12")),
	VIP("tun4-alldown", "10.0.0.91", 80, TCP, TUN, MH, 0, 0, DEAD("10.0.1.11")),
	VIP("tun4-mtu", "10.0.0.100", 80, TCP, TUN, MH, 0, 0, UP("10.0.2.11")),
	VIP("nat4-mtu", "10.0.0.101", 80, TCP, NAT, MH, 0, 0, UPP("10.0.2.11", 8080)),
	VIP("dr4-mtu", "10.0.0.102", 80, TCP, DR, MH, 0, 0, UP("10.0.2.11")),
	VIP("tun4-rr", "10.0.0.11", 80, TCP, TUN, RR, 0, 0, UP("10.0.1.11"), UP("10.0.1.12")),
	VIP("nat4-port0", "10.0.0.32", 0, TCP, NAT, MH, 0, 0, UP("10.0.1.14")),
	VIP("nat4-l3", "10.0.0.33", 4789, UDP, NAT, MH, L3, 0, UP("10.0.1.13")),
	VIP("tun6-tcp", "2001:db8:f::10", 80, TCP, TUN, MH, 0, 0, UP("fd00:1::11"),
	    UP("fd00:1::12"), UP("fd00:1::13")),
	VIP("tun6-udp", "2001:db8:f::10", 53, UDP, TUN, MH, 0, 0, UP("fd00:1::11"),
	    UP("fd00:1::12")),
	VIP("dr6-tcp", "2001:db8:f::20", 80, TCP, DR, MH, 0, 0, UP("fd00:1::11"), UP("fd00:1::12")),
	VIP("dr6-udp", "2001:db8:f::20", 53, UDP, DR, MH, 0, 0, UP("fd00:1::13")),
	VIP("nat6-tcp", "2001:db8:f::30", 80, TCP, NAT, MH, 0, 0, UPP("fd00:1::13", 8080),
	    UPP("fd00:1::14", 8080)),
	VIP("nat6-udp", "2001:db8:f::30", 53, UDP, NAT, MH, 0, 0, UP("fd00:1::13"),
	    UPP("fd00:1::14", 5353)),
	VIP("tun6-l3", "2001:db8:f::40", 4789, UDP, TUN, MH, L3, 0, UP("fd00:1::11"),
	    UP("fd00:1::12")),
	VIP("tun6-port0", "2001:db8:f::50", 0, TCP, TUN, MH, 0, 0, UP("fd00:1::11"),
	    UP("fd00:1::12")),
	VIP("tun6-persist", "2001:db8:f::70", 80, TCP, TUN, MH, 0, 3600, UP("fd00:1::11"),
	    UP("fd00:1::12"), UP("fd00:1::13")),
	VIP("tun6-drain", "2001:db8:f::80", 80, TCP, TUN, MH, 0, 0, UP("fd00:1::11"),
	    UP("fd00:1::12"), DRAIN("fd00:1::13"), DOWN("fd00:1::14")),
	VIP("tun6-reject-tcp", "2001:db8:f::90", 80, TCP, TUN, MH, REJ, 0, DEAD("fd00:1::11")),
	VIP("tun6-reject-udp", "2001:db8:f::90", 53, UDP, TUN, MH, REJ, 0, DEAD("fd00:1::12")),
	VIP("tun6-alldown", "2001:db8:f::91", 53, UDP, TUN, MH, 0, 0, DEAD("fd00:1::11")),
	VIP("tun6-mtu", "2001:db8:f::100", 80, TCP, TUN, MH, 0, 0, UP("fd00:2::11")),
	VIP("nat6-mtu", "2001:db8:f::101", 80, TCP, NAT, MH, 0, 0, UPP("fd00:2::11", 8080)),
	VIP("dr6-mtu", "2001:db8:f::102", 80, TCP, DR, MH, 0, 0, UP("fd00:2::11")),
	VIP("tun6-rr", "2001:db8:f::11", 80, TCP, TUN, RR, 0, 0, UP("fd00:1::11"),
	    UP("fd00:1::12")),
	VIP("nat6-l3", "2001:db8:f::33", 4789, UDP, NAT, MH, L3, 0, UP("fd00:1::13")),
};
int fz_nvips = sizeof(fz_vips) / sizeof(fz_vips[0]);

const char *const fz_mode_name[XDPLB_MODE_MAX] = { "tun", "dr", "nat" };

const u8 fz_if_mac[IF_N][6] = {
	[IF_LB0] = { 0x02, 0, 0, 0, 0x00, 0x02 },
	[IF_LB1] = { 0x02, 0, 0, 0, 0x03, 0x01 },
	[IF_LB2] = { 0x02, 0, 0, 0, 0x02, 0x01 },
};
const u16 fz_if_mtu[IF_N] = { 1500, 1500, 1300 };
const u8 fz_router_mac[6] = { 0x02, 0, 0, 0, 0x03, 0xfe };
const u8 fz_tunsrc4[4] = { 10, 0, 1, 1 };
const u8 fz_tunsrc6[16] = { 0xfd, 0, 0, 1, [15] = 1 };
const u8 fz_router4[4] = { 192, 0, 2, 254 };
const u8 fz_router6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, [15] = 0xfe };

static bool parse_addr(const char *s, u8 *fam, u8 *a)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET6, s, a) == 1) {
		*fam = 6;
		return true;
	}
	if (inet_pton(AF_INET, s, a) == 1) {
		*fam = 4;
		return true;
	}
	return false;
}

int fz_route(int fam, const u8 *a, int *ifx, u8 mac[6])
{
	static const u8 p6[3][8] = { { 0xfd, 0, 0, 1 }, { 0xfd, 0, 0, 2 }, { 0xfd, 0, 0, 3 } };
	static const u8 p6_cli[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c };
	static const int if_of[3] = { IF_LB0, IF_LB2, IF_LB1 }; /* 10.0.1/2/3, fd00:1/2/3 */
	int net;

	mac[0] = 0x02;
	mac[1] = mac[2] = mac[3] = 0;
	if (fam == 4) {
		if (a[0] == 192 && a[1] == 0 && a[2] == 2) { /* the clients, behind the router */
			*ifx = IF_LB1;
			memcpy(mac, fz_router_mac, 6);
			return 0;
		}
		if (a[0] != 10 || a[1] != 0 || a[2] < 1 || a[2] > 3 || a[3] <= 1 || a[3] == 255)
			return -1; /* no route, or one of the balancer's own addresses */
		net = a[2] - 1;
		*ifx = if_of[net];
		/* static neighbours: 10.0.1.11..14 (02:00:00:00:01:0b..), 10.0.2.11, 10.0.3.21 */
		if ((net == 0 && a[3] >= 11 && a[3] <= 14) || (net == 1 && a[3] == 11)) {
			mac[4] = a[2];
			mac[5] = a[3];
			return 0;
		}
		if (net == 2 && a[3] == 21) {
			mac[4] = 3;
			mac[5] = 0x15;
			return 0;
		}
		return 1;
	}
	if (!memcmp(a, p6_cli, 8)) {
		*ifx = IF_LB1;
		memcpy(mac, fz_router_mac, 6);
		return 0;
	}
	for (net = 0; net < 3; net++)
		if (!memcmp(a, p6[net], 8))
			break;
	if (net == 3)
		return -1;
	*ifx = if_of[net];
	/* fd00:1::11..14 -> 02:00:00:00:06:11..14 (the digits as hex), fd00:2::11 on lb2 */
	for (int i = 8; i < 15; i++)
		if (a[i])
			return 1;
	if (a[15] <= 1)
		return -1; /* the subnet's anycast or the balancer's own */
	if ((net == 0 && a[15] >= 0x11 && a[15] <= 0x14) || (net == 1 && a[15] == 0x11)) {
		mac[4] = net == 0 ? 6 : 7;
		mac[5] = a[15];
		return 0;
	}
	return 1;
}

void fz_client(int fam, int i, u8 *a)
{
	memset(a, 0, 16);
	if (fam == 4) {
		a[0] = 192;
		a[1] = 0;
		a[2] = 2;
		a[3] = 1 + i;
	} else {
		static const u8 p[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c };

		memcpy(a, p, 8);
		a[15] = 1 + i;
	}
}

void fz_config_init(void)
{
	for (int i = 0; i < fz_nvips; i++) {
		struct fz_vip *v = &fz_vips[i];

		if (!parse_addr(v->addr, &v->fam, v->a))
			abort();
		v->nbe = 0;
		for (int b = 0; b < FZ_MAX_BE && v->be[b].addr; b++, v->nbe++) {
			struct fz_backend *be = &v->be[b];

			if (!parse_addr(be->addr, &be->fam, be->a) ||
			    fz_route(be->fam, be->a, &be->ifx, be->mac))
				abort();
		}
		/* drained and down backends need flows made before the change */
		v->nest = fz_vip_alldown(v) ? 0 : 4;
		for (int b = 0; b < v->nbe; b++)
			if (v->be[b].role == BE_DRAIN || v->be[b].role == BE_DOWN)
				v->nest = 24;
	}
}
