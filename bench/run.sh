#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the benchmarks (`make bench` builds them first, then calls this): prints the machine and
# the date, then each part's table; each part writes its CSV under .output/bench/.
#
#   bench/run.sh [packet] [veth] [displace] [ctl]     (default: all four, in this order)
#
#   packet  per-packet cost with BPF_PROG_TEST_RUN, IPv4 and IPv6 (.output/bench/bench,
#           results.csv)
#   displace  flows displaced before the flow tables are full, IPv4 and IPv6, tun and nat
#           (.output/bench/displace; no CSV)
#   veth    throughput on veth: xdplb vs a trivial forwarder vs nftables (bench/veth.sh,
#           veth.csv)
#   ctl     control plane: adding VIPs and backends, table rebuilds, map memory
#           (.output/bench/ctlplane, ctlplane.csv)
#
# Needs root.  Every part works in namespaces of its own (network, mount, private bpffs) and
# never touches the host's interfaces or /sys/fs/bpf.
#
# A part that cannot run on this machine is skipped, not failed: veth when the kernel refuses
# live-frame test runs (bench/veth.sh says so in one line and exits 77).  The others still run,
# the last line names what was skipped, and the exit status is 0.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.output/bench
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(packet veth displace ctl)

if [ "$(id -u)" -ne 0 ]; then
	echo "Error: bench needs root (BPF_PROG_TEST_RUN, namespaces)" >&2
	exit 1
fi
for p in "${parts[@]}"; do
	case $p in
	packet) bin=$out/bench ;;
	displace) bin=$out/displace ;;
	veth) bin=$out/trafficgen ;;
	ctl) bin=$out/ctlplane ;;
	*)
		echo "Error: unknown part '$p' (packet, displace, veth, ctl)" >&2
		exit 2
		;;
	esac
	if [ ! -x "$bin" ]; then
		echo "Error: $bin is missing: run 'make bench'" >&2
		exit 1
	fi
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
echo "machine: nproc $(nproc) (possible CPUs $(cat /sys/devices/system/cpu/possible))," \
	"kernel $(uname -r), CPU ${cpu:-unknown}"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
skipped=()
for p in "${parts[@]}"; do
	echo
	case $p in
	packet)
		echo "== per-packet cost (BPF_PROG_TEST_RUN)"
		"$out/bench" "$out/results.csv"
		echo "CSV: $out/results.csv"
		;;
	displace)
		echo "== flows displaced before the flow tables are full"
		"$out/displace"
		;;
	veth)
		echo "== throughput on veth"
		rc=0
		bash bench/veth.sh "$out/veth.csv" || rc=$?
		if [ "$rc" -eq 77 ]; then
			skipped+=(veth)
		elif [ "$rc" -ne 0 ]; then
			exit "$rc"
		fi
		;;
	ctl)
		echo "== control plane"
		"$out/ctlplane" "$out/ctlplane.csv"
		echo "CSV: $out/ctlplane.csv"
		;;
	esac
done
if [ ${#skipped[@]} -gt 0 ]; then
	echo
	echo "skipped: ${skipped[*]} (this machine cannot run them: see above)"
fi
