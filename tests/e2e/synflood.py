#!/usr/bin/env python3
"""A SYN flood from random sources, sent raw on an interface (the e2e fault suite).

  synflood.py IFNAME DST_MAC VIP PORT COUNT [--seed N] [--src-net A.B.0.0/15]

COUNT TCP SYNs to VIP:PORT, each from a random address of the source network (default
198.18.0.0/15, RFC 2544's benchmarking range) and a random port, Ethernet to DST_MAC (the
balancer's interface), with correct IPv4 and TCP checksums.  Frames are built first, then
sent as fast as the socket takes them; prints "sent N in S s".  Python standard library
only; needs CAP_NET_RAW.
"""
import argparse
import ipaddress
import random
import socket
import struct
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn_frame(src_mac, dst_mac, src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ifname")
    ap.add_argument("dst_mac")
    ap.add_argument("vip")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--src-net", default="198.18.0.0/15")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    net = ipaddress.ip_network(a.src_net)
    base, size = int(net.network_address), net.num_addresses
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.ifname, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    dst = socket.inet_aton(a.vip)
    frames = [
        syn_frame(src_mac, dst_mac, struct.pack("!I", base + rnd.randrange(size)), dst,
                  rnd.randrange(1024, 65536), a.port, rnd.getrandbits(32))
        for _ in range(a.count)
    ]
    t0 = time.monotonic()
    sent = 0
    for f in frames:
        while True:
            try:
                s.send(f)
                break
            except BlockingIOError:
                time.sleep(0.0005)
            except OSError as e:  # ENOBUFS: the queue is full, wait and send again
                if e.errno != 105:
                    raise
                time.sleep(0.0005)
        sent += 1
    print("sent %d in %.2f s" % (sent, time.monotonic() - t0))


if __name__ == "__main__":
    main()
