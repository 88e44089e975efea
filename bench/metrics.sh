#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Cost of a metrics scrape: V VIPs (default 1000) of 4 backends each, made by one batch file;
# `xdplb daemon metrics` scraped SCRAPES times (default 100) with curl, one after the other,
# and `xdplb metrics` run 10 times; prints the time per scrape (less curl's own cost, measured
# on a 404 of the same daemon), the size of the exposition, and the map reads of one scrape
# (bpf() calls, if strace is there).
#   bench/metrics.sh [V] [SCRAPES] [checks]
# "checks": a tcp check on every VIP (interval 5 s; every backend answers), so the daemon's
# check families (a histogram per backend) are in the exposition too.
set -eu
V=${1:-1000}
SCRAPES=${2:-100}
CHECKS=${3:-}
cd "$(dirname "$0")/.."
XDPLB=$PWD/.output/xdplb
[ -x "$XDPLB" ] || { echo "build first: make" >&2; exit 1; }

if [ -z "${MB_INNER:-}" ]; then
	# a private mount namespace (bpffs) and network namespace for everything
	exec unshare -m -n --propagation private env MB_INNER=1 bash "$0" "$@"
fi
TMP=$(mktemp -d /tmp/xdplb-mb.XXXXXX)
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null
	[ -n "${LPID:-}" ] && kill "$LPID" 2>/dev/null
	umount "$TMP/bpffs" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
mkdir -p "$TMP/bpffs"
mount -t bpf bpf "$TMP/bpffs"
export LIBXDP_BPFFS=$TMP/bpffs
PIN=$TMP/bpffs/xdplb
x() { "$XDPLB" --bpffs "$PIN" "$@"; }
URL=http://127.0.0.1:9124

ip link set lo up
ip link add mb0 type veth peer name mb1
ip addr add 10.0.2.1/24 dev mb0
ip link set mb0 up
ip link set mb1 up
x dev attach dev mb0 mode generic tunsrc 10.0.2.1 >/dev/null 2>&1
for ((i = 0; i < V; i++)); do
	a=10.1.$((i / 250)).$((i % 250 + 1))
	echo "vip add tcp $a:80"
	for b in 11 12 13 14; do echo "real add tcp $a:80 10.0.2.$b"; done
done >"$TMP/lb.conf"
x batch file "$TMP/lb.conf"
conf=()
if [ -n "$CHECKS" ]; then # the daemon's config file sets them
	# healthy backends: their addresses here, one listener answering on all of them (a
	# fleet of failing ones would measure the daemon's state changes, one RCU wait each)
	for b in 11 12 13 14; do ip addr add "10.0.2.$b/32" dev lo; done
	python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80)); s.listen(1024)
while True: s.accept()[0].close()' &
	LPID=$!
	for ((i = 0; i < V; i++)); do
		echo "check set tcp 10.1.$((i / 250)).$((i % 250 + 1)):80 tcp interval 5 timeout 1"
	done >"$TMP/checks.conf"
	conf=(config "$TMP/checks.conf")
fi
"$XDPLB" --bpffs "$PIN" daemon metrics 9124 "${conf[@]}" </dev/null 2>"$TMP/daemon.log" &
DPID=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "$URL/x" && break
	sleep 0.1
done
[ -n "$CHECKS" ] && sleep 6 # every backend checked once at least

ms() { echo $(($(date +%s%N) / 1000000)); }
curl -s "$URL/metrics" -o "$TMP/m.txt"
t0=$(ms)
for ((i = 0; i < SCRAPES; i++)); do curl -sf -o /dev/null "$URL/metrics"; done
t1=$(ms)
for ((i = 0; i < SCRAPES; i++)); do curl -s -o /dev/null "$URL/x"; done
t2=$(ms)
for ((i = 0; i < 10; i++)); do x metrics >/dev/null; done
t3=$(ms)
echo "VIPs $V, backends $((4 * V)), checks ${CHECKS:-none}, nproc $(nproc)"
echo "exposition: $(wc -l <"$TMP/m.txt") lines, $(wc -c <"$TMP/m.txt") bytes"
echo "$SCRAPES daemon scrapes: $((t1 - t0)) ms, $SCRAPES 404s: $((t2 - t1)) ms;" \
	"a scrape: $(((t1 - t0 - (t2 - t1)) / SCRAPES)) ms"
echo "xdplb metrics: $(((t3 - t2) / 10)) ms a run (process start and map opening included)"
if command -v strace >/dev/null; then
	n=$(strace -f -c -e trace=bpf "$XDPLB" --bpffs "$PIN" metrics 2>&1 >/dev/null |
		awk '$NF == "bpf" { print $4 }')
	echo "bpf() calls of xdplb metrics: $n (opening the maps included)"
fi
