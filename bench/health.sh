#!/usr/bin/env bash
# CPU cost of `xdplb daemon`: N backends (default 1000) checked every second, as a share of
# one core (user + system time of the daemon over the measured seconds, from /proc/PID/stat).
#   bench/health.sh [N] [SECS] [tcp|http]
# A private network namespace holds the balancer (xdplb attached to a veth); another one, at
# the veth's other end, holds the N backend addresses and one nginx answering on all of them,
# so every probe really connects (and, for http, gets a reply).  The daemon runs on CPU 0;
# nginx and the veth's receive processing (RPS) run on CPU 1, as a backend on another machine
# and a NIC's interrupts would: the daemon's time is its own syscalls and transmit path.
# SHARED=1 keeps everything on CPU 0, charging the backends' TCP work to the daemon too (an
# upper bound).
set -eu
N=${1:-1000}
SECS=${2:-20}
TYPE=${3:-http}
cd "$(dirname "$0")/.."
XDPLB=$PWD/.output/xdplb
. tests/e2e/lib.sh # nginx_conf
[ -x "$XDPLB" ] || { echo "build first: make" >&2; exit 1; }

if [ -z "${HB_INNER:-}" ]; then
	# a private mount namespace (bpffs, /run/netns) and network namespace for everything
	exec unshare -m -n --propagation private env HB_INNER=1 bash "$0" "$@"
fi
TMP=$(mktemp -d /tmp/xdplb-hb.XXXXXX)
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null
	[ -f "$TMP/nginx.pid" ] && kill "$(cat "$TMP/nginx.pid")" 2>/dev/null
	ip netns del hbsrv 2>/dev/null
	umount /run/netns 2>/dev/null
	umount "$TMP/bpffs" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$TMP/bpffs"
mount -t bpf bpf "$TMP/bpffs"
export LIBXDP_BPFFS=$TMP/bpffs
PIN=$TMP/bpffs/xdplb
x() { "$XDPLB" --bpffs "$PIN" "$@"; }

mkdir -p /run/netns && mount -t tmpfs -o size=1m xdplb-netns /run/netns
mount -t sysfs sysfs /sys # this network namespace's devices (for rps_cpus)
ip netns add hbsrv
srv() { ip netns exec hbsrv "$@"; }
ip link set lo up
srv ip link set lo up
ip link add hb0 type veth peer name hb1
ip link set hb1 netns hbsrv
ip link set hb0 up && srv ip link set hb1 up
ip addr add 10.88.0.1/24 dev hb0
srv ip addr add 10.88.0.2/24 dev hb1
ip route add 10.77.0.0/16 via 10.88.0.2
if [ -z "${SHARED:-}" ] && [ "$(nproc)" -gt 1 ]; then
	CPU_D=0 CPU_S=1
	echo 2 >/sys/class/net/hb0/queues/rx-0/rps_cpus
	srv sh -c 'echo 2 >/sys/class/net/hb1/queues/rx-0/rps_cpus'
else
	CPU_D=0 CPU_S=0
fi
x dev attach dev hb0 tunsrc 10.88.0.1 >/dev/null
x vip add tcp 10.88.0.100:80 >/dev/null
for i in $(seq 1 "$N"); do
	a="10.77.$((i / 250)).$((i % 250 + 1))"
	echo "addr add $a/32 dev lo"
done | srv ip -batch -
for i in $(seq 1 "$N"); do
	echo "real add tcp 10.88.0.100:80 10.77.$((i / 250)).$((i % 250 + 1))"
done >"$TMP/reals"
while read -r line; do
	# shellcheck disable=SC2086
	x $line
done <"$TMP/reals"

nginx_conf "$TMP" backend # tests/e2e/lib.sh: answers "I am backend"
srv taskset -c "$CPU_S" nginx -c "$TMP/nginx.conf" -e "$TMP/error.log"

if [ "$TYPE" = http ]; then
	x check set tcp 10.88.0.100:80 http path / expect "I am" interval 1 timeout 0.5
else
	x check set tcp 10.88.0.100:80 tcp interval 1 timeout 0.5
fi
taskset -c "$CPU_D" "$XDPLB" --bpffs "$PIN" daemon 2>"$TMP/daemon.log" &
DPID=$!
sleep 3 # every backend probed at least twice; targets spread over the interval

ticks() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
s0=$(date +%s%N)
sleep "$SECS"
t1=$(ticks)
s1=$(date +%s%N)
downs=$(grep -c -- '-> down' "$TMP/daemon.log" || true)
pct=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v ns=$((s1 - s0)) \
	'BEGIN { printf "%.2f", 100 * (t / hz) / (ns / 1e9) }')
probes=$(awk -v n="$N" -v s="$SECS" 'BEGIN { printf "%d", n * s }')
where=$([ "$CPU_D" = "$CPU_S" ] && echo "backends on the same CPU" || echo "backends on another CPU")
echo "health: $N backends, $TYPE check every 1 s, ${SECS} s, $where: daemon CPU $pct% of one core" \
	"(~$probes probes; $downs backends marked down)"
echo "health,$N,$TYPE,$SECS,$CPU_D/$CPU_S,$pct,$downs" >>"${BENCH_CSV:-/dev/null}"
