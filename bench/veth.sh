#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Throughput on veth, side by side in one run (bench/run.sh calls it; root):
#
#   bench/veth.sh [CSV]      (default .output/bench/veth.csv)
#
# Topology, in namespaces of its own (unique names, removed on exit):
#   g (source) g0 10.10.0.2 -- eth0 10.10.0.1  lb  eth1 10.11.1.1 -- eth0 10.11.1.2  b1
#                                                  eth2 10.11.2.1 -- eth0 10.11.2.2  b2 ...
# The source is .output/bench/trafficgen (BPF_PROG_RUN live frames out of g0); each backend
# counts and drops in XDP (gen_count, before any decapsulation).  In lb's place, one after
# the other: the trivial XDP forwarder (the limit), xdplb in tun, dr and nat modes (native
# XDP on eth0, through the real CLI with a private bpffs), and nftables DNAT with numgen over
# the same backends and kernel forwarding.  Traffic kinds: established TCP (ACKs of 4,096
# flows), TCP SYNs each from a new flow, and (TRAFFIC="est new udp") UDP of 4,096 flows.
# Every measurement starts with frames checked at the backends (addresses, checksums).
#
# Environment: ROUNDS (3) rounds of every case, interleaved; SECONDS_PER_RUN (3); CPU (the
# last one) that source, balancer and counters share; NBACKENDS (2); CASES ("fwd tun dr nat
# nft"); TRAFFIC ("est new"; "udp" too); FLOWS (4096) of est and udp; V=1 shows commands'
# output; XDPLB_SET (say "flowcache off"): a `config set` after each attach, for experiments.
#
# Exit status: 0; 1 on a failure; 77 (skipped) when the kernel refuses live-frame test runs,
# the source's only way to send (`trafficgen --probe`, a bare XDP_DROP program, answered an
# error), with one line saying so.  TRAFFICGEN_PROBE_ERRNO=1 pretends EPERM, to try that.
set -u
if [ -z "${VETH_UNSHARED:-}" ]; then
	VETH_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
# named namespaces in a private /run/netns: never listed by the host, gone with this run
mkdir -p /run/netns && mount -t tmpfs -o size=1m xdplb-veth /run/netns || exit 1
cd "$(dirname "$0")/.." || exit 1
E2E_TAG="v$$"
. tests/e2e/lib.sh

CSV=${1:-.output/bench/veth.csv}
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_RUN:-3}
CPU=${CPU:-$(($(nproc) - 1))}
NB=${NBACKENDS:-2}
CASES=${CASES:-fwd tun dr nat nft}
TRAFFIC=${TRAFFIC:-est new}
FLOWS=${FLOWS:-4096}
TG=.output/bench/trafficgen
BVIP=10.20.0.10
NFT_TABLE=xdplb_bench

cleanup() { # a trafficgen still running (killed with this script) first, then the rest
	local pid
	pid=$(cat "${E2E_TMP:-/nonexistent}/trafficgen.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	e2e_teardown
}
trap 'cleanup; exit 130' INT TERM
trap 'cleanup' EXIT

die() {
	echo "Error: $*" >&2
	exit 1
}

run() { # CMD... : quiet unless V=1, its output shown on failure
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ "${V:-0}" = 1 ] && [ -n "$out" ] && echo "   # $*: $out" >&2
	[ $rc -ne 0 ] && echo "   failed ($rc): $*: $out" >&2
	return $rc
}

[ "$(id -u)" -eq 0 ] || die "veth.sh needs root (namespaces, XDP)"
make -s --no-print-directory bench-bins || die "build failed"
# The source sends with live-frame test runs and nothing else: a kernel that refuses them
# (some answer EPERM even for a bare XDP_DROP program) skips this benchmark, in one line.
probe=$("$TG" --probe 2>&1)
case $? in
0) ;;
77)
	echo "bench/veth.sh: ${probe%%$'\n'*}; veth benchmarks need it: skipped" >&2
	exit 77
	;;
*) die "$TG --probe failed: $probe" ;;
esac
command -v nft >/dev/null && command -v conntrack >/dev/null ||
	die "nft and conntrack are needed (make deps)"
[ "$NB" -ge 2 ] && [ "$NB" -le 8 ] || die "NBACKENDS must be 2..8"

# IPv6 off everywhere: no router solicitations or neighbour discovery among the counted frames
ns_new() { # VAR NAME
	ns_add "$@" || return 1
	nsx "${!1}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

topo_up() {
	local i mac
	ns_new NS_G g && ns_new NS_LB lb || return 1
	link_add "$NS_G" g0 "$NS_LB" eth0 || return 1
	# left down, never carries a frame: trafficgen --hold keeps the source's program in the
	# kernel's XDP dispatcher with it (see trafficgen.c)
	nsx "$NS_G" ip link add hold0 type veth peer name hold1 || return 1
	nsx "$NS_G" ip addr add 10.10.0.2/24 dev g0
	nsx "$NS_LB" ip addr add 10.10.0.1/24 dev eth0
	NS_B=()
	for i in $(seq 1 "$NB"); do
		ns_new "NS_B[$i]" "b$i" || return 1
		link_add "$NS_LB" "eth$i" "${NS_B[i]}" eth0 || return 1
		nsx "$NS_LB" ip addr add "10.11.$i.1/24" dev "eth$i"
		nsx "${NS_B[i]}" ip addr add "10.11.$i.2/24" dev eth0
		# backends drop everything in XDP, ARP included: static neighbours
		mac=$(nsx "${NS_B[i]}" cat /sys/class/net/eth0/address)
		nsx "$NS_LB" ip neigh replace "10.11.$i.2" lladdr "$mac" dev "eth$i" nud permanent
	done
	mac=$(nsx "$NS_G" cat /sys/class/net/g0/address)
	nsx "$NS_LB" ip neigh replace 10.10.0.2 lladdr "$mac" dev eth0 nud permanent
	nsx "$NS_LB" ip route add 198.18.0.0/15 via 10.10.0.2 # the generated clients
	nsx "$NS_LB" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
}

bal_up() { # CASE
	local i proto targets=""
	case $1 in
	fwd) ;; # trafficgen attaches the forwarder itself
	tun | dr | nat)
		run xlb "$NS_LB" dev attach dev eth0 tunsrc 10.10.0.1 || return 1
		if [ -n "${XDPLB_SET:-}" ]; then
			run xlb "$NS_LB" config set $XDPLB_SET || return 1
		fi
		for proto in tcp udp; do
			run xlb "$NS_LB" vip add "$proto" "$BVIP:80" sched mh mode "$1" || return 1
			for i in $(seq 1 "$NB"); do
				run xlb "$NS_LB" real add "$proto" "$BVIP:80" "10.11.$i.2" || return 1
			done
		done
		;;
	nft)
		for i in $(seq 1 "$NB"); do
			targets+="${targets:+, }$((i - 1)) : 10.11.$i.2"
		done
		run nsx "$NS_LB" nft -f - <<-EOF || return 1
			table ip $NFT_TABLE {
				chain pre {
					type nat hook prerouting priority dstnat; policy accept;
					ip daddr $BVIP meta l4proto { tcp, udp } th dport 80 dnat to numgen inc mod $NB map { $targets }
				}
			}
		EOF
		;;
	esac
}

bal_reset() { # CASE : forget the previous traffic kind's flows
	case $1 in
	tun | dr | nat) run xlb "$NS_LB" flow flush ;;
	nft) nsx "$NS_LB" conntrack -F >/dev/null 2>&1 ;;
	esac
	return 0
}

bal_down() { # CASE
	case $1 in
	tun | dr | nat)
		run xlb "$NS_LB" dev detach dev eth0 || return 1
		rm -rf "$E2E_PIN" # the maps: the next attach starts afresh
		;;
	nft)
		run nsx "$NS_LB" nft delete table ip "$NFT_TABLE" || return 1
		nsx "$NS_LB" conntrack -F >/dev/null 2>&1
		;;
	esac
	return 0
}

measure() { # CASE TRAFFIC : prints trafficgen's result line
	local i outs="" args
	args=(--gen "$NS_G:g0" --to "$NS_LB:eth0" --dst "$BVIP:80" --cpu "$CPU" --seconds "$SECS"
		--hold "$NS_G:hold0")
	for i in $(seq 1 "$NB"); do
		args+=(--backend "${NS_B[i]}:eth0:10.11.$i.2")
		outs+="${outs:+,}eth$i"
	done
	case $2 in
	est) args+=(--flows "$FLOWS") ;;
	new) args+=(--syn --flows 0) ;;
	udp) args+=(--udp --flows "$FLOWS") ;;
	esac
	case $1 in
	fwd) args+=(--forward "$NS_LB:eth0:$outs" --expect vip) ;;
	tun) args+=(--expect ipip) ;;
	dr) args+=(--expect vip) ;;
	nat | nft) args+=(--expect real) ;;
	esac
	# in the background so that a signal to this script interrupts the wait (see cleanup)
	"$TG" "${args[@]}" >"$E2E_TMP/trafficgen.out" &
	echo $! >"$E2E_TMP/trafficgen.pid"
	wait $! || return 1
	cat "$E2E_TMP/trafficgen.out"
}

case_name() {
	case $1 in
	fwd) echo "trivial XDP forwarder (limit)" ;;
	tun | dr | nat) echo "xdplb $1" ;;
	nft) echo "nftables DNAT numgen" ;;
	esac
}

traffic_name() {
	case $1 in
	est) echo "TCP, $FLOWS flows" ;;
	new) echo "TCP SYN, new flow each" ;;
	udp) echo "UDP, $FLOWS flows" ;;
	esac
}

field() { # LINE KEY
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

stats() { # VALUES... : median min max
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

declare -A RX LOST
bpffs_setup || die "cannot mount a private bpffs"
topo_up || die "cannot build the topology"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "veth: $NB backends, CPU $CPU for source, balancer and counters, $ROUNDS rounds x" \
	"${SECS}s per case, 60-byte TCP / 62-byte UDP frames"
for r in $(seq 1 "$ROUNDS"); do
	for c in $CASES; do
		bal_up "$c" || die "$c: setup failed"
		for t in $TRAFFIC; do
			bal_reset "$c"
			[ -t 2 ] && printf '\rround %d/%d: %-4s %-4s' "$r" "$ROUNDS" "$c" "$t" >&2
			measure "$c" "$t" >"$E2E_TMP/line" || die "$c $t: trafficgen failed"
			line=$(cat "$E2E_TMP/line")
			[ "${V:-0}" = 1 ] && echo "   # $c $t: $line" >&2
			RX[$c/$t]+="$(field "$line" rx_pps) "
			LOST[$c/$t]+="$(field "$line" lost_pct) "
		done
		bal_down "$c" || die "$c: teardown failed"
	done
done
[ -t 2 ] && printf '\r%40s\r' '' >&2

mkdir -p "$(dirname "$CSV")"
echo "case,traffic,rx_mpps_median,rx_mpps_min,rx_mpps_max,lost_pct_median,vs_limit,vs_nft,rx_pps_runs" >"$CSV"
printf '\n%-30s %-24s %7s %13s %6s %8s %7s\n' case traffic Mpps '(min-max)' lost% 'vs limit' 'vs nft'
for t in $TRAFFIC; do
	read -r lim _ _ <<<"$(stats ${RX[fwd/$t]:-0})"
	read -r nft _ _ <<<"$(stats ${RX[nft/$t]:-0})"
	for c in $CASES; do
		read -r med min max <<<"$(stats ${RX[$c/$t]})"
		read -r lost _ _ <<<"$(stats ${LOST[$c/$t]})"
		vl=$(awk -v a="$med" -v b="$lim" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		vn=$(awk -v a="$med" -v b="$nft" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
		case $c in fwd | nft) vn=- ;; esac
		[ "$c" = fwd ] && vl=-
		printf '%-30s %-24s %7.2f %13s %6.1f %8s %7s\n' "$(case_name "$c")" \
			"$(traffic_name "$t")" "$(awk -v v="$med" 'BEGIN { print v / 1e6 }')" \
			"$(awk -v a="$min" -v b="$max" 'BEGIN { printf "%.2f-%.2f", a / 1e6, b / 1e6 }')" \
			"$lost" "$vl" "$vn"
		echo "$c,$t,$(awk -v a="$med" -v b="$min" -v c="$max" \
			'BEGIN { printf "%.3f,%.3f,%.3f", a / 1e6, b / 1e6, c / 1e6 }'),$lost,$vl,$vn,$(
			echo ${RX[$c/$t]} | tr ' ' ';')" >>"$CSV"
	done
done
echo "vs limit = Mpps / the trivial forwarder's (same traffic, medians); vs nft = Mpps /" \
	"nftables DNAT's; lost = frames sent but not counted at the backends"
echo "nf_conntrack_max $(cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || echo ?)," \
	"xdplb as dev attach makes it (flow table for 1,048,576 flows in sets of 6 slots, NAT reply tables in sets too)"
echo "CSV: $CSV"
