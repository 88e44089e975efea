#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs the per-packet benchmark (`make bench` builds it first, then calls this): prints the
# machine and the date, then the table; the CSV goes to .output/bench/results.csv.
#   bench/run.sh [-m MODES] [-c CASES] [-l LRUS] [-r RUNS] [-n REPEAT] [-s SLICES]
# Options go to the binary (`.output/bench/bench -h` lists them); without any it runs every
# mode, case and LRU flavour.
# Needs root.  The binary works in its own network and mount namespaces (tests/unit/sandbox.h)
# and never touches the host's interfaces or bpffs.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=.output/bench/bench
csv=.output/bench/results.csv

if [ "$(id -u)" -ne 0 ]; then
	echo "Error: bench needs root (BPF_PROG_TEST_RUN, namespaces)" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "Error: $bin is missing: run 'make bench'" >&2
	exit 1
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
echo "machine: nproc $(nproc) (possible CPUs $(cat /sys/devices/system/cpu/possible))," \
	"kernel $(uname -r), CPU ${cpu:-unknown}"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
"$bin" "$@" "$csv"
echo "CSV: $csv"
