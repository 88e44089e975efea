#!/usr/bin/env bash
# Installs the Debian packages xdplb needs to build and test, and mounts bpffs.
# Idempotent: apt runs only when a package is missing, and `apt-get update` at most once.
# The README says why each package is here.
set -euo pipefail

PKGS=(
	clang llvm          # compile the BPF programs (-target bpf), llvm-strip
	libclang-rt-14-dev  # the control-plane fuzzers: clang's libFuzzer, ASan and UBSan runtimes
	bpftool             # skeletons, vmlinux.h, debugging
	libbpf-dev          # loading, maps, skeleton runtime; bpf_helpers.h for BPF code
	libxdp-dev          # attaching XDP programs (dispatcher, multi-prog)
	libelf-dev zlib1g-dev # libbpf's own link dependencies
	libjson-c-dev       # -j JSON output of the CLI
	libnl-route-3-dev   # xdplb daemon: the VIPs' host routes (announce) over netlink
	libssl-dev          # xdplb daemon: the https health check (TLS handshake with SNI, OpenSSL)
	libmicrohttpd-dev   # xdplb daemon: the Prometheus metrics endpoint (HTTP on the daemon's epoll)
	libpcap-dev         # xdplb trace -w: the traced packets as a pcap file (libpcap writes it)
	openssl             # tests: self-signed certificates for the https check's backends
	pkg-config make gcc
	iproute2            # ip netns / veth for the e2e tests and the demo
	ethtool             # GRO / checksum offload settings on test veths
	nginx-light curl    # real backends and clients in e2e tests and the demo
	netbase             # /etc/services: ipvsadm's service names (xdplb ipvsadm, import ipvsadm)
	wrk                 # load client in e2e tests
	tcpdump             # packet captures in e2e tests on failure; e2e: xdplb trace's pcap read back
	iputils-ping        # e2e: non-VIP traffic (ICMP) is unaffected
	python3             # e2e: UDP echo service and client (tests/e2e/udp_echo.py)
	python3-prometheus-client # e2e: the metrics parsed as Prometheus parses them
	strace              # e2e: the map reads of a metrics scrape counted (bpf() calls)
	groff-base          # e2e: the installed man page renders without warnings
	nftables conntrack  # bench: nftables DNAT next to xdplb, conntrack flushed between runs
	bird2               # e2e: BGP + BFD between balancers and a router (test-cluster.sh)
)

missing=()
for p in "${PKGS[@]}"; do
	case "$p" in \#*) continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "Error: missing packages: ${missing[*]}: run 'make deps' as root" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(id -u)" -eq 0 ] && ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf # root only: see xdplb(8), dev attach
fi
exit 0
