#!/usr/bin/env bash
# Runs one end-to-end test file: tests/e2e/runner.sh tests/e2e/test-NAME.sh [TEST...]
#
# The file defines ALL_TESTS="test_a test_b" and those functions.  Each test gets a fresh
# private bpffs and its own namespaces, torn down after it (and on exit, Ctrl-C or failure).
# The whole run is inside a private mount namespace, so no pin outlives it even on a crash.
# A test returns 0 (pass), 249 (skip) or anything else (fail).  V=1 shows commands' output.
set -u
if [ -z "${E2E_UNSHARED:-}" ]; then
	E2E_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
# Named network namespaces live in a private /run/netns: the host never lists them, and
# they vanish with this mount namespace even if teardown cannot run.
mkdir -p /run/netns && mount -t tmpfs -o size=1m xdplb-netns /run/netns || exit 1
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

file=$1
shift
. "$file"
tests=${*:-$ALL_TESTS}
passed=0 failed=0 skipped=0

trap 'e2e_teardown; exit 130' INT TERM
trap 'e2e_teardown' EXIT

check() { # DESCRIPTION CONDITION-CMD... : fail the test with a message when false
	local what=$1
	shift
	if ! "$@"; then
		echo "   FAIL: $what" >&2
		return 1
	fi
}

for t in $tests; do
	E2E_TAG="x$$$((RANDOM % 100))"
	if ! bpffs_setup; then
		echo "not ok - $t (cannot mount a private bpffs)"
		failed=$((failed + 1))
		continue
	fi
	t0=$SECONDS
	"$t"
	rc=$?
	e2e_teardown
	d="($((SECONDS - t0)) s)"
	case $rc in
	0) echo "ok - $t $d"; passed=$((passed + 1)) ;;
	249) echo "skip - $t $d"; skipped=$((skipped + 1)) ;;
	*) echo "not ok - $t (status $rc) $d"; failed=$((failed + 1)) ;;
	esac
done
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
