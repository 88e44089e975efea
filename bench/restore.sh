#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The longest holders of the state lock: a restore of V VIPs (default 4096) of B backends
# (default 16) by one `xdplb batch file`, a save of it, and the delete of every VIP by one
# batch file; on a fresh attach with ring RING (default 65537, the default).  Prints the wall
# time of each (the lock is held for about all of it).  xdplb(8), LIMITS AND MEMORY, quotes it.
#   bench/restore.sh [V] [B] [RING]       (root; not part of `make bench`)
set -eu
V=${1:-4096}
B=${2:-16}
RING=${3:-65537}
cd "$(dirname "$0")/.."
XDPLB=$PWD/.output/xdplb
[ -x "$XDPLB" ] || { echo "build first: make" >&2; exit 1; }

if [ -z "${RS_INNER:-}" ]; then
	# a private mount namespace (bpffs) and network namespace for everything
	exec unshare -m -n --propagation private env RS_INNER=1 bash "$0" "$@"
fi
TMP=$(mktemp -d /tmp/xdplb-rs.XXXXXX)
cleanup() {
	umount "$TMP/bpffs" 2>/dev/null
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
mkdir -p "$TMP/bpffs"
mount -t bpf -o mode=0700 bpf "$TMP/bpffs"
export LIBXDP_BPFFS=$TMP/bpffs
x() { "$XDPLB" --bpffs "$TMP/bpffs/xdplb" "$@"; }
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

ip link set lo up
ip link add rs0 type veth peer name rs1
ip addr add 10.0.2.1/24 dev rs0
ip link set rs0 up
ip link set rs1 up
x dev attach dev rs0 mode generic tunsrc 10.0.2.1 ring "$RING" >/dev/null 2>&1
for ((i = 0; i < V; i++)); do
	a=10.$((100 + i / 256)).$((i % 256)).1
	echo "vip add tcp $a:80 sched mh mode tun"
	for ((b = 1; b <= B; b++)); do echo "real add tcp $a:80 10.200.$((i % 256)).$b"; done
done >"$TMP/add.conf"
sed -n 's/^vip add \(tcp [^ ]*\).*/vip del \1/p' "$TMP/add.conf" >"$TMP/del.conf"

t=$(date +%s%N)
x batch file "$TMP/add.conf"
echo "restore: $V VIPs x $B backends ($(wc -l <"$TMP/add.conf") lines), ring $RING: $(ms "$t") ms"
t=$(date +%s%N)
x save >"$TMP/saved.conf"
echo "save: $(wc -l <"$TMP/saved.conf") lines: $(ms "$t") ms"
t=$(date +%s%N)
x batch file "$TMP/del.conf"
echo "delete: $V VIPs: $(ms "$t") ms"
[ "$(x save | grep -c '^vip add')" = 0 ] || { echo "Error: VIPs left after the delete" >&2; exit 1; }
x dev detach dev rs0 >/dev/null 2>&1
