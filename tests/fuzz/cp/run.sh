#!/usr/bin/env bash
# Runs the control-plane fuzzers (tests/fuzz/cp/fuzz_*.c, built by make into .output/fuzz-cp/):
# one line per harness (executions, executions/s, libFuzzer's coverage cov and features ft),
# then "N passed, N failed".  A harness passes when libFuzzer stops without a finding: no
# crash, sanitizer report, leak, oracle failure (FUZZ_ASSERT), timeout or out-of-memory.
#   tests/fuzz/cp/run.sh [ --slice | --secs N ] [ HARNESS... ]     (default: all, --secs)
# --slice   make test's short deterministic run: every seed, then RUNS inputs mutated from them
#           with -seed=1, in a scratch copy of the seed corpus (nothing kept), without address
#           space randomisation (setarch -R: libFuzzer mutates with values it saw compared,
#           pointers among them)
# --secs N  N seconds each (default FUZZ_CP_SECS, else 180), the corpus that grows kept in
#           .output/fuzz-cp/corpus/HARNESS (the seeds are read too, never written)
# Each run's whole output: .output/fuzz-cp/logs/HARNESS.log; a finding's input:
# .output/fuzz-cp/artifacts/HARNESS-crash-... (replay: .output/fuzz-cp/HARNESS FILE;
# XDPLB_FUZZ_VERBOSE=1 shows the loader's messages).
set -u
cd "$(dirname "$0")/../../.."

out=.output/fuzz-cp
mode=secs
secs=${FUZZ_CP_SECS:-180}
names=()
while [ $# -gt 0 ]; do
	case $1 in
	--slice) mode=slice ;;
	--secs)
		secs=$2
		shift
		;;
	*) names+=("$1") ;;
	esac
	shift
done
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/fuzz/cp/fuzz_*.c; do
		names+=("$(basename "$f" .c)")
	done
fi

# Inputs of the slice per harness: about 5 to 10 seconds each on 2 CPUs (make fuzz runs
# each for minutes).
slice_runs() {
	case $1 in
	fuzz_import) echo 60000 ;;
	fuzz_batch) echo 90000 ;;
	fuzz_checkconf) echo 120000 ;;
	fuzz_args) echo 500000 ;;
	*) echo 900000 ;;
	esac
}

norand=()
if [ $mode = slice ] && setarch "$(uname -m)" -R true 2>/dev/null; then
	norand=(setarch "$(uname -m)" -R)
fi

mkdir -p "$out/logs" "$out/artifacts"
passed=0 failed=0
for h in "${names[@]}"; do
	bin=$out/$h seeds=tests/fuzz/cp/seeds/$h dict=tests/fuzz/cp/$h.dict log=$out/logs/$h.log
	args=(-timeout=10 -print_final_stats=1 -artifact_prefix="$out/artifacts/$h-")
	[ -f "$dict" ] && args+=(-dict="$dict")
	if [ ! -x "$bin" ]; then
		echo "not ok - $h: $bin missing (make $bin)"
		failed=$((failed + 1))
		continue
	fi
	if [ $mode = slice ]; then
		corpus=$(mktemp -d "$out/slice.XXXXXX")
		cp "$seeds"/* "$corpus"/
		# a cap for slow machines: the slice is deterministic unless it is reached
		args+=(-seed=1 -reload=0 -runs="$(slice_runs "$h")" -max_total_time=60 "$corpus")
	else
		corpus=$out/corpus/$h
		mkdir -p "$corpus"
		args+=(-max_total_time="$secs" "$corpus" "$seeds")
	fi
	start=$SECONDS
	"${norand[@]}" "$bin" "${args[@]}" >"$log" 2>&1
	rc=$?
	took=$((SECONDS - start))
	[ $mode = slice ] && rm -rf "$corpus"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, ft \2, corpus \3/p')
	summary=$(printf '%s: %s executions in %d s (%s/s), %s' "$h" "${execs:-?}" "$took" \
		"${rate:-?}" "${cov:-no coverage line}")
	if [ $rc -eq 0 ]; then
		echo "ok - $summary"
		passed=$((passed + 1))
	else
		echo "not ok - $summary: exit status $rc"
		grep -E 'ERROR: |FUZZ_ASSERT|SUMMARY: |Test unit written to|^artifact_prefix' "$log" | head -n 20 |
			sed 's/^/    /'
		echo "    (the whole output: $log)"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
