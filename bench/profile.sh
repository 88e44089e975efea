#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Where a benchmark's time goes, down to the source lines of the XDP program (root):
#
#   bench/profile.sh veth [CASE [TRAFFIC]]         CASE tun|dr|nat|fwd (tun), TRAFFIC est|new|udp (est)
#   bench/profile.sh packet [FAMILY [MODE [CASE]]]  ipv4|ipv6 (ipv4), tun|dr|nat (tun), a bench case
#                                                   (established)
#
# Runs the benchmark in the background (bench/veth.sh with one long round, or
# .output/bench/bench with many runs), samples the CPU it runs on with `perf record -e
# cpu-clock` (this VM has no hardware counters) for SECS (8) once the program is loaded
# and WARMUP (6) seconds have passed, then stops it and prints: the program's share of all
# samples, the busiest kernel functions, and the program's samples by source line and by file.
# Samples are mapped to lines through the JITed line table (.output/bench/jitlines), read
# while the program is loaded.  cpu-clock samples land on the instruction after a long wait,
# so a cache miss shows up on the line that first uses the loaded value.
# FLOWS (veth: 4096) is passed on; TOP (25) lines are shown.
set -u
cd "$(dirname "$0")/.." || exit 1
die() {
	echo "Error: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "profile.sh needs root (perf on all of a CPU, BPF)"
if ! command -v perf >/dev/null; then
	echo "profile.sh: installing linux-perf" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf \
		>/dev/null || die "cannot install linux-perf"
fi
JL=.output/bench/jitlines
# the bench binary embeds the data plane: rebuilt here if bpf/ changed since
make -s --no-print-directory bench-bins || die "build failed"

KIND=${1:-veth}
SECS=${SECS:-8}
WARM=${WARMUP:-6}
TOP=${TOP:-25}
TMP=$(mktemp -d) || exit 1
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PROG=xdplb_xdp_ingress
case $KIND in
veth)
	CASE=${2:-tun}
	TRAFFIC=${3:-est}
	[ "$CASE" = fwd ] && PROG=gen_fwd
	CPU=$(($(nproc) - 1))
	CASES=$CASE TRAFFIC=$TRAFFIC ROUNDS=1 SECONDS_PER_RUN=$((WARM + SECS + 20)) CPU=$CPU \
		setsid bash bench/veth.sh "$TMP/veth.csv" >"$TMP/run.out" 2>&1 &
	PID=$!
	WHAT="veth $CASE $TRAFFIC, ${FLOWS:-4096} flows"
	;;
packet)
	FAM=${2:-ipv4}
	MODE=${3:-tun}
	PCASE=${4:-established}
	CPU=0 # where bench runs its test runs
	.output/bench/bench -f "$FAM" -m "$MODE" -c "$PCASE" -l shared -r 21 -n 3000000 \
		"$TMP/bench.csv" >"$TMP/run.out" 2>&1 &
	PID=$!
	WHAT="per-packet $FAM $MODE $PCASE"
	;;
*) die "unknown kind '$KIND' (veth or packet)" ;;
esac

id=
for _ in $(seq 1 600); do # the program appears after setup (veth: up to a minute)
	kill -0 "$PID" 2>/dev/null || { cat "$TMP/run.out" >&2; die "the benchmark ended early"; }
	id=$(bpftool prog show name "$PROG" 2>/dev/null | sed -n 's/^\([0-9]*\):.*/\1/p' | tail -n 1)
	[ -n "$id" ] && break
	sleep 0.2
done
[ -n "$id" ] || die "program $PROG never appeared"
sleep "$WARM"
# the one running now (setup may load and drop others of that name first)
id=$(bpftool prog show name "$PROG" 2>/dev/null | sed -n 's/^\([0-9]*\):.*/\1/p' | tail -n 1)
[ -n "$id" ] || die "program $PROG went away"
"$JL" "$id" >"$TMP/lines" || die "cannot read the line table of program $id"
perf record -q -e cpu-clock -C "$CPU" -o "$TMP/perf.data" -- sleep "$SECS" 2>/dev/null ||
	die "perf record failed"
# the line table again: had the program been replaced meanwhile, the samples are not its
"$JL" "$id" >"$TMP/lines2" 2>/dev/null && cmp -s "$TMP/lines" "$TMP/lines2" ||
	die "program $id went away during the recording: profile again"
perf script -i "$TMP/perf.data" -F ip,sym 2>/dev/null | awk 'NF >= 2 { print $1, $2 }' >"$TMP/samples"

echo "profile: $WHAT; program $PROG (id $id); cpu-clock on CPU $CPU for ${SECS}s"
python3 - "$TMP/lines" "$TMP/samples" "$PROG" "$TOP" <<'PY'
import bisect, collections, sys

lines_file, samples_file, prog, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
table = []
for l in open(lines_file):
    addr, rest = l.rstrip('\n').split(' ', 1)
    table.append((int(addr, 16), ' '.join(rest.split())))
table.sort()
addrs = [a for a, _ in table]
total = 0
syms, by_line, by_file = collections.Counter(), collections.Counter(), collections.Counter()
for l in open(samples_file):
    ip, sym = l.split()[:2]
    total += 1
    syms[sym] += 1
    if not sym.endswith('_' + prog):
        continue
    i = bisect.bisect_right(addrs, int(ip, 16)) - 1
    where = table[i][1] if i >= 0 else '?'
    by_line[where] += 1
    by_file[where.split(':', 1)[0]] += 1
if not total:
    sys.exit('no samples')
pct = lambda n: 100.0 * n / total
prog_n = sum(by_line.values())
print('%d samples; the program: %.1f%% of them' % (total, pct(prog_n)))
print('\nbusiest functions (% of all samples):')
for s, n in syms.most_common(15):
    print('  %5.1f%%  %s' % (pct(n), s))
print('\nthe program by file (% of all samples):')
for f, n in by_file.most_common():
    print('  %5.1f%%  %s' % (pct(n), f))
print('\nthe program by source line (% of all samples):')
for w, n in by_line.most_common(top):
    print('  %5.1f%%  %s' % (pct(n), w[:140]))
PY
