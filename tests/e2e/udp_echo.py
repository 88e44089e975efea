#!/usr/bin/env python3
"""UDP identity service and client for the end-to-end tests.

  udp_echo.py serve ADDR PORT IDENTITY [echo]
      answers every datagram with "I am IDENTITY" from ADDR:PORT (in TUN and DR modes
      ADDR is the VIP, which the backend holds on lo, so that replies come from the VIP);
      with echo, "I am IDENTITY\\n" followed by the datagram received.
  udp_echo.py send ADDR PORT COUNT [TIMEOUT [SIZE [SRC]]]
      sends COUNT datagrams one after the other, each from a new socket (a new source
      port, so a new flow), waits up to TIMEOUT seconds (default 2) for each answer and
      prints one line per datagram: the answer, or FAILED.  With SIZE, every datagram has
      SIZE bytes of random payload and the answer must be an echo of it (a server started
      with echo): the line is then "I am IDENTITY", or "MISMATCH ..." when the echoed bytes
      differ.  SRC: the client's source address (default: the kernel's choice).
  udp_echo.py flow ADDR PORT SPORT COUNT [TIMEOUT [SRC]]
      sends COUNT datagrams from one socket bound to SRC:SPORT (one flow: the first packet a
      new flow, the others of it), waiting up to TIMEOUT seconds (default 2) for each answer;
      one line per datagram, the answer or FAILED.
  udp_echo.py tunnel OUTER_DST INNER_SRC INNER_DST PORT SPORT TEXT
      sends one UDP datagram INNER_SRC:SPORT -> INNER_DST:PORT carrying TEXT inside an
      IPv6 tunnel packet to OUTER_DST (next header 41 for an IPv6 inner packet, 4 for an
      IPv4 one), the way the balancer's TUN mode sends it, through a raw socket: the kernel
      writes the outer header.
  udp_echo.py recv ADDR PORT TIMEOUT [SENT_FILE]
      waits up to TIMEOUT seconds for one datagram to ADDR:PORT and prints
      "SRC_ADDR SRC_PORT TEXT" (or FAILED).  With SENT_FILE the TIMEOUT starts when that
      file appears (the test creates it once the question is out), so a slow start of the
      sender on a loaded machine does not use up the time the answer has.

ADDR may be IPv4 or IPv6.
"""
import os
import socket
import struct
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port, identity, echo):
    sock = socket.socket(family(addr), socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((addr, port))
    answer = f"I am {identity}".encode()
    while True:
        data, peer = sock.recvfrom(65535)
        sock.sendto(answer + b"\n" + data if echo else answer, peer)


def check_echo(reply, sent):
    head, _, body = reply.partition(b"\n")
    if not head.startswith(b"I am "):
        return f"MISMATCH answer {reply[:40]!r}"
    if body != sent:
        diff = next((i for i, (a, b) in enumerate(zip(body, sent)) if a != b), None)
        return (f"MISMATCH {head.decode()}: {len(body)} of {len(sent)} bytes echoed, "
                f"first difference at {diff}")
    return head.decode()


def send(addr, port, count, timeout, size, src):
    fam = family(addr)
    wildcard = src or ("::" if fam == socket.AF_INET6 else "0.0.0.0")
    seen, spares = set(), []
    for i in range(count):
        # a new source port each time: a port the kernel hands out again would continue an
        # earlier flow (and a test counting new flows would count one too few), so a socket
        # that got one is kept open until the end, and another is taken
        while True:
            sock = socket.socket(fam, socket.SOCK_DGRAM)
            sock.bind((wildcard, 0))
            if sock.getsockname()[1] not in seen:
                break
            spares.append(sock)
        seen.add(sock.getsockname()[1])
        with sock:
            sock.settimeout(timeout)
            # connect() makes the kernel drop datagrams from any other source: an answer
            # that does not come from ADDR:PORT (e.g. not rewritten back to the VIP) is lost
            sock.connect((addr, port))
            if size:
                payload = f"query {i} ".encode()
                payload += os.urandom(max(0, size - len(payload)))
            else:
                payload = f"query {i}".encode()
            sock.send(payload)
            try:
                reply = sock.recv(65535)
            except (socket.timeout, ConnectionRefusedError):
                print("FAILED", flush=True)
                continue
            print(check_echo(reply, payload) if size else reply.decode(), flush=True)
    for sock in spares:
        sock.close()


def flow(addr, port, sport, count, timeout, src):
    fam = family(addr)
    with socket.socket(fam, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((src or ("::" if fam == socket.AF_INET6 else "0.0.0.0"), sport))
        sock.settimeout(timeout)
        sock.connect((addr, port))
        for i in range(count):
            sock.send(f"query {i}".encode())
            try:
                print(sock.recv(65535).decode(), flush=True)
            except (socket.timeout, ConnectionRefusedError):
                print("FAILED", flush=True)


def csum(data):
    """RFC 1071 Internet checksum of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tunnel(outer_dst, src, dst, port, sport, text):
    body = text.encode()
    ulen = 8 + len(body)
    if family(dst) == socket.AF_INET6:
        s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
        pseudo = s + d + struct.pack("!IxxxB", ulen, socket.IPPROTO_UDP)
    else:
        s, d = socket.inet_aton(src), socket.inet_aton(dst)
        pseudo = s + d + struct.pack("!xBH", socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", sport, port, ulen, 0) + body
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    if family(dst) == socket.AF_INET6:
        # version 6, traffic class 0, flow label 0; payload length, next header, hop limit
        inner = struct.pack("!IHBB", 6 << 28, ulen, socket.IPPROTO_UDP, 64) + s + d + udp
        proto = 41
    else:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64,
                          socket.IPPROTO_UDP, 0, s, d)
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        inner = hdr + udp
        proto = 4
    with socket.socket(socket.AF_INET6, socket.SOCK_RAW, proto) as raw:
        raw.sendto(inner, (outer_dst, 0))


def recv(addr, port, timeout, sent_file):
    with socket.socket(family(addr), socket.SOCK_DGRAM) as sock:
        sock.bind((addr, port))
        # bound: the test may send now
        print("ready", file=sys.stderr, flush=True)
        deadline = None if sent_file else time.monotonic() + timeout
        give_up = time.monotonic() + 60 # SENT_FILE never came: the test is broken
        sock.settimeout(0.1)
        while True:
            try:
                data, peer = sock.recvfrom(65535)
                break
            except socket.timeout:
                pass
            now = time.monotonic()
            if deadline is None:
                if os.path.exists(sent_file):
                    deadline = now + timeout
            if now >= (deadline or give_up):
                print("FAILED", flush=True)
                return
        print(peer[0], peer[1], data.decode(errors="replace"), flush=True)


def main():
    a = sys.argv
    if len(a) in (5, 6) and a[1] == "serve" and (len(a) == 5 or a[5] == "echo"):
        serve(a[2], int(a[3]), a[4], len(a) == 6)
    elif len(a) in (5, 6, 7, 8) and a[1] == "send":
        timeout = float(a[5]) if len(a) >= 6 else 2.0
        size = int(a[6]) if len(a) >= 7 else 0
        send(a[2], int(a[3]), int(a[4]), timeout, size, a[7] if len(a) == 8 else None)
    elif len(a) in (6, 7, 8) and a[1] == "flow":
        flow(a[2], int(a[3]), int(a[4]), int(a[5]), float(a[6]) if len(a) >= 7 else 2.0,
             a[7] if len(a) == 8 else None)
    elif len(a) == 8 and a[1] == "tunnel":
        tunnel(a[2], a[3], a[4], int(a[5]), int(a[6]), a[7])
    elif len(a) in (5, 6) and a[1] == "recv":
        recv(a[2], int(a[3]), float(a[4]), a[5] if len(a) == 6 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
