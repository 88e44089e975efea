#!/usr/bin/env python3
"""UDP identity service and client for the end-to-end tests.

  udp_echo.py serve ADDR PORT IDENTITY
      answers every datagram with "I am IDENTITY" from ADDR:PORT (in TUN and DR modes
      ADDR is the VIP, which the backend holds on lo, so that replies come from the VIP).
  udp_echo.py send ADDR PORT COUNT [TIMEOUT]
      sends COUNT datagrams one after the other, each from a new socket (a new source
      port, so a new flow), waits up to TIMEOUT seconds (default 2) for each answer and
      prints one line per datagram: the answer, or FAILED.
"""
import socket
import sys


def serve(addr, port, identity):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((addr, port))
    answer = f"I am {identity}".encode()
    while True:
        _, peer = sock.recvfrom(2048)
        sock.sendto(answer, peer)


def send(addr, port, count, timeout):
    seen, spares = set(), []
    for i in range(count):
        # a new source port each time: a port the kernel hands out again would continue an
        # earlier flow (and a test counting new flows would count one too few), so a socket
        # that got one is kept open until the end, and another is taken
        while True:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("0.0.0.0", 0))
            if sock.getsockname()[1] not in seen:
                break
            spares.append(sock)
        seen.add(sock.getsockname()[1])
        with sock:
            sock.settimeout(timeout)
            # connect() makes the kernel drop datagrams from any other source: an answer
            # that does not come from ADDR:PORT (e.g. not rewritten back to the VIP) is lost
            sock.connect((addr, port))
            sock.send(f"query {i}".encode())
            try:
                print(sock.recv(2048).decode(), flush=True)
            except (socket.timeout, ConnectionRefusedError):
                print("FAILED", flush=True)
    for sock in spares:
        sock.close()


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) in (5, 6) and sys.argv[1] == "send":
        timeout = float(sys.argv[5]) if len(sys.argv) == 6 else 2.0
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), timeout)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
