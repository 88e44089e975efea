# End-to-end: the CLI's answers to bad input: one "Error:" line naming the object and the
# value, exit 2 for usage errors and 1 for runtime failures, and no change of state.
# shellcheck shell=bash
ALL_TESTS="test_cli_errors test_cli_no_state test_cli_prefixes test_cli_show"

# Runs xdplb in the lb namespace; checks status and that stderr is exactly one matching
# "Error: ..." line.
expect_err() { # STATUS PATTERN ARGS...
	local want=$1 pat=$2 rc err
	shift 2
	err=$(xlb "$NS_LB" "$@" 2>&1 >/dev/null)
	rc=$?
	log "xdplb $*: [$rc] $err"
	check "xdplb $*: exit $want (got $rc)" [ "$rc" -eq "$want" ] || return 1
	check "xdplb $*: one Error line matching '$pat' (got '$err')" \
		grep -qxE "Error: $pat" <<<"$err" || return 1
	check "xdplb $*: exactly one line" [ "$(wc -l <<<"$err")" -eq 1 ]
}

cli_topo() {
	ns_add NS_LB lb && ns_add NS_X x || return 1
	link_add "$NS_LB" eth0 "$NS_X" eth0 || return 1
	nsx "$NS_LB" ip addr add 192.168.10.1/24 dev eth0
}

test_cli_errors() {
	cli_topo || return 1
	xlb "$NS_LB" dev attach dev eth0 2>/dev/null || return 1
	xlb "$NS_LB" vip add tcp 10.0.0.10:80 || return 1
	xlb "$NS_LB" real add tcp 10.0.0.10:80 10.0.2.11 weight 3 || return 1
	local before after
	before=$(xlb "$NS_LB" -j vip show) || return 1

	expect_err 2 'argument "sctp" is wrong: protocol must be tcp or udp' \
		vip add sctp 10.0.0.11:80 || return 1
	expect_err 2 'argument "10.0.0.300" is wrong: not an IPv4 or IPv6 address' \
		vip add tcp 10.0.0.300:80 || return 1
	expect_err 2 'argument "fe80::1::2" is wrong: not an IPv4 or IPv6 address' \
		vip add tcp '[fe80::1::2]:80' || return 1
	expect_err 2 'argument "10.0.0.11" is wrong: a port is required .*' \
		vip add tcp 10.0.0.11 || return 1
	expect_err 2 'argument "65536" is wrong: port must be 0..65535' \
		vip add tcp 10.0.0.11:65536 || return 1
	expect_err 2 'argument "fast" is wrong: unknown keyword .*' \
		vip add tcp 10.0.0.11:80 fast || return 1
	expect_err 2 'argument "xx" is wrong: sched must be one of .*' \
		vip add tcp 10.0.0.11:80 sched xx || return 1
	expect_err 2 'missing argument after "sched": expected a scheduler' \
		vip add tcp 10.0.0.11:80 sched || return 1
	expect_err 1 'vip tcp 10.0.0.10:80: already exists' vip add tcp 10.0.0.10:80 || return 1
	expect_err 1 'vip tcp 10.0.0.99:80: not found' \
		real add tcp 10.0.0.99:80 10.0.2.11 || return 1
	expect_err 1 'vip tcp 10.0.0.99:80: not found' vip del tcp 10.0.0.99:80 || return 1
	expect_err 2 'argument "70000" is wrong: weight must be 0..65535' \
		real add tcp 10.0.0.10:80 10.0.2.12 weight 70000 || return 1
	expect_err 2 'argument "-1" is wrong: weight must be 0..65535' \
		real add tcp 10.0.0.10:80 10.0.2.12 weight -1 || return 1
	expect_err 2 'argument "2001:db8::1" is wrong: backend and VIP must be of the same .*' \
		real add tcp 10.0.0.10:80 2001:db8::1 || return 1
	expect_err 1 'real 10.0.2.11 in vip tcp 10.0.0.10:80: already exists' \
		real add tcp 10.0.0.10:80 10.0.2.11 || return 1
	expect_err 1 'real 10.0.2.99 in vip tcp 10.0.0.10:80: not found' \
		real set tcp 10.0.0.10:80 10.0.2.99 weight 1 || return 1
	expect_err 1 'real 10.0.2.99 in vip tcp 10.0.0.10:80: not found' \
		real del tcp 10.0.0.10:80 10.0.2.99 || return 1
	expect_err 1 'attach nosuch0: no such interface' dev attach dev nosuch0 || return 1
	expect_err 1 'attach eth0: xdplb is already attached \(detach first\)' \
		dev attach dev eth0 || return 1
	expect_err 2 'argument "turbo" is wrong: mode must be native or generic' \
		dev attach dev eth0 mode turbo || return 1
	expect_err 2 'argument "1000" is wrong: ring must be a prime .*' \
		dev attach dev eth0 ring 1000 || return 1
	expect_err 2 'unknown command "frobnicate": try "xdplb help"' frobnicate || return 1

	after=$(xlb "$NS_LB" -j vip show) || return 1
	check "state unchanged by the rejected commands" [ "$before" = "$after" ] || return 1
	# and the JSON form of an error
	check "-j error is a JSON object" \
		[ "$(xlb "$NS_LB" -j vip add tcp 10.0.0.10:80 2>&1)" = \
		'{"error":"vip tcp 10.0.0.10:80: already exists"}' ]
}

test_cli_no_state() {
	cli_topo || return 1
	expect_err 1 "state in $E2E_PIN: not found \(attach first: xdplb dev attach dev IFNAME\)" \
		vip show || return 1
	umount "$E2E_TMP/bpffs" || return 1
	expect_err 1 "bpffs $E2E_TMP/bpffs: not mounted .*" dev attach dev eth0
	mount -t bpf bpf "$E2E_TMP/bpffs"
}

test_cli_prefixes() {
	cli_topo || return 1
	xlb "$NS_LB" dev att dev eth0 2>/dev/null || return 1
	check "unique prefixes work" xlb "$NS_LB" vi a tcp 10.0.0.10:80 || return 1
	expect_err 2 'command "v" is ambiguous: try "xdplb help"' v show || return 1
	expect_err 2 'command "d" is ambiguous: try "xdplb help"' d show || return 1
	check "help exits 0" xlb "$NS_LB" vip help >/dev/null || return 1
	check "-j help prints null" [ "$(xlb "$NS_LB" -j vip help)" = null ]
}

test_cli_show() {
	cli_topo || return 1
	xlb "$NS_LB" dev attach dev eth0 2>/dev/null || return 1
	xlb "$NS_LB" vip add udp 10.0.0.20:53 || return 1
	xlb "$NS_LB" real add udp 10.0.0.20:53 10.0.2.11 weight 2 || return 1
	xlb "$NS_LB" real add udp 10.0.0.20:53 10.0.2.12 weight 0 || return 1
	local out
	out=$(xlb "$NS_LB" vip show)
	log "$out"
	check "vip line" grep -qE '^UDP +10\.0\.0\.20:53 +mh +tun$' <<<"$out" || return 1
	check "real line (up)" grep -qE '^  -> 10\.0\.2\.11:53 +Tunnel +2 +0 +0 +up [0-9]+s +0$' <<<"$out" ||
		return 1
	check "real line (drain)" grep -qE '^  -> 10\.0\.2\.12:53 +Tunnel +0 +0 +0 +drain [0-9]+s +0$' \
		<<<"$out" || return 1
	out=$(xlb "$NS_LB" -j dev show)
	check "dev show -j" [ "$out" = '[{"dev":"eth0","ifindex":'"$(nsx "$NS_LB" cat \
		/sys/class/net/eth0/ifindex)"',"mode":"native"}]' ] || return 1
	xlb "$NS_LB" real del udp 10.0.0.20:53 10.0.2.12 || return 1
	xlb "$NS_LB" vip del udp 10.0.0.20:53 || return 1
	check "empty after del" [ "$(xlb "$NS_LB" -j vip show)" = '[]' ]
}
