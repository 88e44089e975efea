#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Throughput on veth, side by side in one run (bench/run.sh calls it; root):
#
#   bench/veth.sh [CSV]      (default .output/bench/veth.csv; SCALING=1: veth-scaling.csv)
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
# SCALING=1: scaling from one CPU to two instead.  Every veth gets a receive queue per CPU
# (veth queues a frame on the peer's queue CPU % queues, and polls that queue on the CPU that
# queued it), and each case and traffic kind is measured twice per round on that topology: one
# source on CPU, and one source on each of SCALE_CPUS (CPU and another, "1,0" on two CPUs),
# each with FLOWS flows of its own (or new flows of its own), so each CPU carries a path of
# its own as with RSS on a NIC.  Reported: both rates, the 2-CPU rate over the 1-CPU one
# (median of the rounds' quotients), and that over the forwarder's.  CASES default to "fwd
# tun".
#
# SHARED_MAX (unset): a run in which other work took more than this many percent of a source
# CPU (trafficgen's others_cpuN_pct and steal_cpuN_pct: the source waiting for its CPU while
# something other than its ksoftirqd ran, or the hypervisor's steal) is measured again, up to
# SHARED_TRIES (10) times; for a machine that other work shares.
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

SCALING=${SCALING:-0}
if [ "$SCALING" = 1 ]; then
	CSV=${1:-.output/bench/veth-scaling.csv}
else
	CSV=${1:-.output/bench/veth.csv}
fi
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_RUN:-3}
CPU=${CPU:-$(($(nproc) - 1))}
SCALE_CPUS=${SCALE_CPUS:-$CPU,$((CPU > 0 ? CPU - 1 : 1))}
NB=${NBACKENDS:-2}
if [ "$SCALING" = 1 ]; then
	CASES=${CASES:-fwd tun}
else
	CASES=${CASES:-fwd tun dr nat nft}
fi
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
# queues per veth: one per CPU up to the highest CPU used, so that the sources' CPUs pick
# queues of their own (CPU % queues)
NQ=1
if [ "$SCALING" = 1 ]; then
	[[ $SCALE_CPUS =~ ^[0-9]+(,[0-9]+)+$ ]] || die "SCALE_CPUS must list two CPUs or more: N,N..."
	for c in ${SCALE_CPUS//,/ } $CPU; do
		[ "$c" -lt "$(nproc)" ] || die "CPU $c: only $(nproc) CPUs"
		[ "$c" -ge "$NQ" ] && NQ=$((c + 1))
	done
	[ "$(tr ',' '\n' <<<"$SCALE_CPUS" | sort -u | wc -l)" -eq "$(tr ',' '\n' <<<"$SCALE_CPUS" | wc -l)" ] ||
		die "SCALE_CPUS lists a CPU twice"
fi
NSRC_MAX=$(tr ',' '\n' <<<"$SCALE_CPUS" | wc -l)

# link_add (tests/e2e/lib.sh) with NQ receive and transmit queues on both ends
qlink_add() { # NS1 IF1 NS2 IF2
	local t1="${E2E_TAG}l${E2E_LINKS}a" t2="${E2E_TAG}l${E2E_LINKS}b"
	[ "$NQ" -eq 1 ] && { link_add "$@"; return; }
	E2E_LINKS=$((E2E_LINKS + 1))
	ip link add "$t1" numtxqueues "$NQ" numrxqueues "$NQ" type veth peer name "$t2" \
		numtxqueues "$NQ" numrxqueues "$NQ" || return 1
	ip link set "$t1" netns "$1" name "$2" || return 1
	ip link set "$t2" netns "$3" name "$4" || return 1
	nsx "$1" ip link set "$2" up
	nsx "$3" ip link set "$4" up
	nsx "$1" ethtool -K "$2" gro on >/dev/null 2>&1
	nsx "$3" ethtool -K "$4" gro on >/dev/null 2>&1
	return 0
}

# IPv6 off everywhere: no router solicitations or neighbour discovery among the counted frames
ns_new() { # VAR NAME
	ns_add "$@" || return 1
	nsx "${!1}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

topo_up() {
	local i mac
	ns_new NS_G g && ns_new NS_LB lb || return 1
	qlink_add "$NS_G" g0 "$NS_LB" eth0 || return 1
	# left down, never carry a frame: trafficgen --hold keeps each source's program in the
	# kernel's XDP dispatcher with one of them (see trafficgen.c)
	for i in $(seq 0 2 $((NSRC_MAX - 1))); do
		nsx "$NS_G" ip link add "hold$i" type veth peer name "hold$((i + 1))" || return 1
	done
	nsx "$NS_G" ip addr add 10.10.0.2/24 dev g0
	nsx "$NS_LB" ip addr add 10.10.0.1/24 dev eth0
	NS_B=()
	for i in $(seq 1 "$NB"); do
		ns_new "NS_B[$i]" "b$i" || return 1
		qlink_add "$NS_LB" "eth$i" "${NS_B[i]}" eth0 || return 1
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

measure() { # CASE TRAFFIC [CPUS] : prints trafficgen's result line; a source on each of CPUS
	local i outs="" args cpus=${3:-$CPU}
	args=(--gen "$NS_G:g0" --to "$NS_LB:eth0" --dst "$BVIP:80" --cpu "$cpus" --seconds "$SECS")
	for i in $(seq 0 $(($(tr ',' '\n' <<<"$cpus" | wc -l) - 1))); do
		args+=(--hold "$NS_G:hold$i")
	done
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

# measure(), again while other work took more than SHARED_MAX % of a source CPU (see shared();
# SHARED_MAX unset: never), up to SHARED_TRIES (10) more times, a second apart; counts the runs
# measured again in REPEATED and those kept though still shared in SHARED_KEPT
REPEATED=0
SHARED_KEPT=0
measure_clean() { # CASE TRAFFIC [CPUS]
	local try out sh tries=${SHARED_TRIES:-10}
	for try in $(seq 0 "$tries"); do
		out=$(measure "$@") || return 1
		sh=$(shared "$out")
		[ -z "${SHARED_MAX:-}" ] && break
		awk -v s="${sh:-0}" -v m="$SHARED_MAX" 'BEGIN { exit !(s <= m) }' && break
		if [ "$try" -eq "$tries" ]; then
			SHARED_KEPT=$((SHARED_KEPT + 1))
			break
		fi
		REPEATED=$((REPEATED + 1))
		[ "${V:-0}" = 1 ] && echo "   # again, $sh% of a source CPU went to other work: $out" >&2
		sleep 1
		bal_reset "$1"
	done
	echo "$out"
}

shared_note() {
	[ -n "${SHARED_MAX:-}" ] || return 0
	echo "SHARED_MAX=$SHARED_MAX: $REPEATED runs measured again because other work took more" \
		"than $SHARED_MAX% of a source CPU; $SHARED_KEPT kept after ${SHARED_TRIES:-10} tries"
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

shared() { # LINE : the largest others_cpuN_pct or steal_cpuN_pct in a result line
	tr ' ' '\n' <<<"$1" | sed -n 's/^\(others\|steal\)_cpu[0-9]*_pct=//p' | sort -g | tail -n 1
}

stats() { # VALUES... : median min max
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

mpps() { # PPS... : in Mpps, two decimals, joined by "-"
	awk 'BEGIN { for (i = 1; i < ARGC; i++) printf "%s%.2f", (i > 1 ? "-" : ""), ARGV[i] / 1e6 }' "$@"
}

quot() { # A B [FORMAT] : A / B, or "-" when B is 0
	awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b > 0) printf f, a / b; else print "-" }'
}

run_one_cpu() { # the default: every case on one CPU, side by side
	local r c t line lim nft med min max lost vl vn
	declare -A RX LOST
	echo "veth: $NB backends, CPU $CPU for source, balancer and counters, $ROUNDS rounds x" \
		"${SECS}s per case, 60-byte TCP / 62-byte UDP frames"
	for r in $(seq 1 "$ROUNDS"); do
		for c in $CASES; do
			bal_up "$c" || die "$c: setup failed"
			for t in $TRAFFIC; do
				bal_reset "$c"
				[ -t 2 ] && printf '\rround %d/%d: %-4s %-4s' "$r" "$ROUNDS" "$c" "$t" >&2
				measure_clean "$c" "$t" >"$E2E_TMP/line" || die "$c $t: trafficgen failed"
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
			vl=$(quot "$med" "$lim")
			vn=$(quot "$med" "$nft" %.1f)
			case $c in fwd | nft) vn=- ;; esac
			[ "$c" = fwd ] && vl=-
			printf '%-30s %-24s %7.2f %13s %6.1f %8s %7s\n' "$(case_name "$c")" \
				"$(traffic_name "$t")" "$(mpps "$med")" "$(mpps "$min" "$max")" \
				"$lost" "$vl" "$vn"
			echo "$c,$t,$(awk -v a="$med" -v b="$min" -v c="$max" \
				'BEGIN { printf "%.3f,%.3f,%.3f", a / 1e6, b / 1e6, c / 1e6 }'),$lost,$vl,$vn,$(
				echo ${RX[$c/$t]} | tr ' ' ';')" >>"$CSV"
		done
	done
	echo "vs limit = Mpps / the trivial forwarder's (same traffic, medians); vs nft = Mpps /" \
		"nftables DNAT's; lost = frames sent but not counted at the backends"
	echo "nf_conntrack_max $(cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null || echo ?)," \
		"xdplb as dev attach makes it (IPv4 flow table for 1,048,576 flows in sets of 8 slots, IPv6 for" \
		"262,144 in sets of 4; NAT reply entries in their flow's set)"
	shared_note
}

run_scaling() { # SCALING=1: one source on CPU, then one on each of SCALE_CPUS, every round
	local r c t n line order cpus lim1 lim2 fsc m1 m2 sc lo1 lo2 i q l1 l2 min1 max1 min2 max2 scmin scmax
	local -a a1 a2
	local n2 sh1 sh2
	declare -A RX LOST SC SHARED
	n2=$(tr ',' '\n' <<<"$SCALE_CPUS" | wc -l)
	echo "veth scaling: $NB backends, veths of $NQ queues; 1 CPU: a source on CPU $CPU;" \
		"$n2 CPUs: a source on each of CPUs $SCALE_CPUS, each with ${FLOWS} flows of its own" \
		"(est, udp) or new flows of its own; $ROUNDS rounds x ${SECS}s per case and CPU count," \
		"60-byte TCP / 62-byte UDP frames; load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
	for r in $(seq 1 "$ROUNDS"); do
		# which goes first alternates from round to round
		if [ $((r % 2)) -eq 1 ]; then order="1 $n2"; else order="$n2 1"; fi
		for c in $CASES; do
			bal_up "$c" || die "$c: setup failed"
			for t in $TRAFFIC; do
				for n in $order; do
					[ "$n" = 1 ] && cpus=$CPU || cpus=$SCALE_CPUS
					bal_reset "$c"
					[ -t 2 ] && printf '\rround %d/%d: %-4s %-4s %s CPU(s)' \
						"$r" "$ROUNDS" "$c" "$t" "$n" >&2
					measure_clean "$c" "$t" "$cpus" >"$E2E_TMP/line" ||
						die "$c $t on CPUs $cpus: trafficgen failed"
					line=$(cat "$E2E_TMP/line")
					[ "${V:-0}" = 1 ] && echo "   # $c $t CPUs $cpus: $line" >&2
					RX[$c/$t/$n]+="$(field "$line" rx_pps) "
					LOST[$c/$t/$n]+="$(field "$line" lost_pct) "
					SHARED[$c/$t/$n]+="$(shared "$line") "
				done
			done
			bal_down "$c" || die "$c: teardown failed"
		done
	done
	[ -t 2 ] && printf '\r%50s\r' '' >&2

	mkdir -p "$(dirname "$CSV")"
	echo "case,traffic,cpu1_mpps_median,cpu1_mpps_min,cpu1_mpps_max,cpu${n2}_mpps_median," \
		"cpu${n2}_mpps_min,cpu${n2}_mpps_max,scaling_median,scaling_min,scaling_max," \
		"scaling_vs_fwd,vs_limit_1cpu,vs_limit_${n2}cpu,lost_pct_1cpu,lost_pct_${n2}cpu," \
		"shared_pct_max_1cpu,shared_pct_max_${n2}cpu,rx_pps_runs_1cpu,rx_pps_runs_${n2}cpu," \
		"scaling_runs" | tr -d ' ' >"$CSV"
	printf '\n%-22s %-22s %13s %13s %16s %7s %6s %6s %9s %9s\n' case traffic "1 CPU Mpps" \
		"$n2 CPUs Mpps" "scaling" "vs fwd" "lim 1" "lim $n2" "lost% 1/$n2" "shared% 1/$n2"
	for t in $TRAFFIC; do
		# each round's quotient, n2 CPUs over 1 (the two runs were next to each other)
		for c in $CASES; do
			read -ra a1 <<<"${RX[$c/$t/1]}"
			read -ra a2 <<<"${RX[$c/$t/$n2]}"
			SC[$c/$t]=""
			for i in "${!a1[@]}"; do
				SC[$c/$t]+="$(quot "${a2[i]}" "${a1[i]}" %.4f) "
			done
		done
		read -r lim1 _ _ <<<"$(stats ${RX[fwd/$t/1]:-0})"
		read -r lim2 _ _ <<<"$(stats ${RX[fwd/$t/$n2]:-0})"
		read -r fsc _ _ <<<"$(stats ${SC[fwd/$t]:-0})"
		for c in $CASES; do
			read -r m1 min1 max1 <<<"$(stats ${RX[$c/$t/1]})"
			read -r m2 min2 max2 <<<"$(stats ${RX[$c/$t/$n2]})"
			read -r sc scmin scmax <<<"$(stats ${SC[$c/$t]})"
			read -r lo1 _ _ <<<"$(stats ${LOST[$c/$t/1]})"
			read -r lo2 _ _ <<<"$(stats ${LOST[$c/$t/$n2]})"
			read -r _ _ sh1 <<<"$(stats ${SHARED[$c/$t/1]})"
			read -r _ _ sh2 <<<"$(stats ${SHARED[$c/$t/$n2]})"
			if [ "$c" = fwd ]; then
				q=- l1=- l2=-
			else
				q=$(quot "$sc" "$fsc")
				l1=$(quot "$m1" "$lim1")
				l2=$(quot "$m2" "$lim2")
			fi
			printf '%-22s %-22s %5.2f %-7s %5.2f %-7s %4.2f %-11s %7s %6s %6s %9s %9s\n' \
				"$(case_name "$c" | sed 's/trivial XDP forwarder (limit)/forwarder (limit)/')" \
				"$(traffic_name "$t")" "$(mpps "$m1")" "($(mpps "$min1" "$max1"))" \
				"$(mpps "$m2")" "($(mpps "$min2" "$max2"))" "$sc" \
				"($(awk -v a="$scmin" -v b="$scmax" 'BEGIN { printf "%.2f-%.2f", a, b }'))" \
				"$q" "$l1" "$l2" "$(printf '%.1f/%.1f' "$lo1" "$lo2")" \
				"$(printf '%.0f/%.0f' "$sh1" "$sh2")"
			echo "$c,$t,$(mpps "$m1" "$min1" "$max1" | tr - ,),$(mpps "$m2" "$min2" "$max2" | tr - ,)," \
				"$(printf '%.3f,%.3f,%.3f' "$sc" "$scmin" "$scmax"),$q,$l1,$l2,$lo1,$lo2,$sh1,$sh2," \
				"$(echo ${RX[$c/$t/1]} | tr ' ' ';'),$(echo ${RX[$c/$t/$n2]} | tr ' ' ';')," \
				"$(echo ${SC[$c/$t]} | tr ' ' ';')" | tr -d ' ' >>"$CSV"
		done
	done
	echo "scaling = $n2-CPU Mpps / 1-CPU Mpps, median of the rounds' quotients (min-max); vs fwd" \
		"= scaling / the trivial forwarder's (same traffic); lim 1, lim $n2 = Mpps / the" \
		"forwarder's on as many CPUs (medians); lost = frames sent but not counted at the backends;" \
		"shared = the most of a source CPU's time that went to other work in any run (the" \
		"source thread waiting for its CPU while it ran something other than its ksoftirqd, or" \
		"steal): above a few %, the figures are not the data path's alone"
	echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
	shared_note
}

bpffs_setup || die "cannot mount a private bpffs"
topo_up || die "cannot build the topology"
if [ "$SCALING" = 1 ]; then
	run_scaling
else
	run_one_cpu
fi
echo "CSV: $CSV"
