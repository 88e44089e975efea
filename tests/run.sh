#!/usr/bin/env bash
# Runs the test suites and sums their "N passed, N failed" lines into one.
#   tests/run.sh [unit|fuzz|e2e|fuzz-full]...   (default: unit, fuzz, e2e)
# Each unit test binary prints "ok - ..." / "not ok - ..." and its own count line; e2e test
# scripts do the same.  A binary that crashes or prints no count line counts as one failure.
# The fuzz suite is a short deterministic slice of the packet-path fuzzer (tests/fuzz/): its
# count line counts paths through the balancer, a path whose only failures are classes listed
# in tests/fuzz/known-failures being "skipped"; then a short deterministic slice of each
# control-plane fuzzer (tests/fuzz/cp/run.sh --slice), one case per harness.  Each suite's
# output ends with its wall time, "(N s)", so that the 20-minute budget of `make test` can be
# watched.
# fuzz-full is `make fuzz`: the packet-path fuzzer for FUZZ_PACKETS packets (default 10
# million), then each control-plane fuzzer for FUZZ_CP_SECS seconds (default 180).
set -u
cd "$(dirname "$0")/.."

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit fuzz e2e)

passed=0 failed=0 skipped=0

run_one() { # name, command...
	local name=$1 out rc line p f s t0=$SECONDS
	shift
	echo "== $name"
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/   /'
	echo "   ($((SECONDS - t0)) s)"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "   (no result line, exit status $rc: counted as a failure)"
		failed=$((failed + 1))
		return
	fi
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   (exit status $rc with no failed case: counted as a failure)"
		failed=$((failed + 1))
	fi
}

for suite in "${suites[@]}"; do
	case $suite in
	unit)
		for t in .output/tests/test_*; do
			[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
		done
		;;
	fuzz)
		# 200,000 packets, seed 1: every path, a few seconds
		run_one "fuzz/fuzz_packet" .output/tests/fuzz_packet --seed 1 --packets 200000 \
			--known tests/fuzz/known-failures --brief
		# every seed, then a fixed number of mutated inputs with seed 1: about half a minute
		run_one "fuzz/cp" bash tests/fuzz/cp/run.sh --slice
		;;
	fuzz-full)
		run_one "fuzz/fuzz_packet" .output/tests/fuzz_packet \
			--packets "${FUZZ_PACKETS:-10000000}" --known tests/fuzz/known-failures
		run_one "fuzz/cp" bash tests/fuzz/cp/run.sh --secs "${FUZZ_CP_SECS:-180}"
		;;
	e2e)
		for t in tests/e2e/test-*.sh; do
			[ -f "$t" ] && run_one "e2e/$(basename "$t")" bash tests/e2e/runner.sh "$t"
		done
		;;
	*)
		echo "unknown suite '$suite' (unit, fuzz, e2e, fuzz-full)" >&2
		exit 2
		;;
	esac
done

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
