/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* This file contains the UAPI macros vmlinux.h lacks (it has types, not #defines). */
#ifndef XDPLB_DEFS_H
#define XDPLB_DEFS_H

#define ETH_ALEN     6
#define ETH_HLEN     14
#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86DD
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8
#define VLAN_HLEN    4

#define IP_MF	  0x2000
#define IP_DF	  0x4000
#define IP_OFFSET 0x1FFF

#define AF_INET	 2
#define AF_INET6 10

#define IPPROTO_ICMP   1
#define IPPROTO_IPIP   4
#define IPPROTO_ICMPV6 58
#define IPPROTO_TCP    6
#define IPPROTO_UDP    17

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

#define IPIP_TTL 64

#endif /* XDPLB_DEFS_H */
