#!/usr/bin/env bash
# make demo / make demo-clean: a client, a balancer and three nginx backends in network
# namespaces, one TUN-mode VIP, a dozen requests showing who answered.
#   tests/e2e/demo.sh up | down
set -u
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

E2E_TAG=xdplb-demo
# Pins go to a bpffs of the demo's own: "ip netns exec" remounts /sys, so a pin under
# /sys/fs/bpf would not be visible to commands run inside the balancer's namespace.
DEMO_TMP=/tmp/xdplb-demo
PIN=$DEMO_TMP/bpffs/xdplb
export LIBXDP_BPFFS=$DEMO_TMP/bpffs

down() {
	local ns pid
	for ns in $(ip netns list | awk '{print $1}' | grep "^$E2E_TAG-"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns"
	done
	umount "$DEMO_TMP/bpffs" 2>/dev/null
	rm -rf "$DEMO_TMP"
}

up() {
	local i
	down
	mkdir -p "$DEMO_TMP/bpffs"
	mount -t bpf bpf "$DEMO_TMP/bpffs" || exit 1
	E2E_TMP=$DEMO_TMP
	E2E_PIN=$PIN
	echo "== topology: client -- balancer (xdplb, native XDP) -- bridge -- 3 nginx backends"
	topo_tun 3 || { echo "demo: topology failed" >&2; down; exit 1; }
	echo "== xdplb dev attach dev eth0; vip add tcp $VIP:80; real add x3 (weights 1 2 3)"
	setup_tun_vip 3 1 2 3 2>"$DEMO_TMP/setup.log" || { cat "$DEMO_TMP/setup.log" >&2; echo "demo: xdplb setup failed" >&2; down; exit 1; }
	echo "== 12 requests from the client namespace (curl http://$VIP/):"
	for i in $(seq 1 12); do
		printf '   request %2d -> %s' "$i" "$(nsx "$NS_C" curl -s --max-time 3 "http://$VIP/" ||
			echo "no answer")"
		echo
	done
	echo
	echo "== xdplb vip show"
	xlb "$NS_LB" vip show
	echo
	echo "== xdplb stats show (zero rows, and blocks of only zeros, omitted)"
	# blocks are separated by blank lines, each headed by its column names
	xlb "$NS_LB" stats show | awk 'BEGIN { RS = ""; ORS = "\n\n" }
		{
			n = split($0, l, "\n"); out = l[1]; k = 0
			for (i = 2; i <= n; i++) {
				split(l[i], f, " ")
				if (f[2] != "0") { out = out "\n" l[i]; k++ }
			}
			if (k) print out
		}'
	cat <<-EOT

		Explore:
		  ip netns exec $NS_C curl http://$VIP/
		  ip netns exec $NS_LB $XDPLB --bpffs $PIN vip show
		  ip netns exec $NS_LB $XDPLB --bpffs $PIN real set tcp $VIP:80 10.0.2.13 weight 0
		  ip netns exec $NS_LB $XDPLB --bpffs $PIN stats show interval 1
		  ip netns exec ${NS_B[1]} tcpdump -ni eth0
		Tear down: make demo-clean
	EOT
}

case ${1:-} in
up) up ;;
down) down && echo "demo removed" ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
