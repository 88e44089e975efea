# End-to-end: the CLI's answers to bad input: one "Error:" line naming the object and the
# value, exit 2 for usage errors and 1 for runtime failures, and no change of state.
# shellcheck shell=bash
ALL_TESTS="test_cli_errors test_cli_no_state test_cli_no_root test_cli_prefixes test_cli_show
	test_cli_ipv6 test_cli_settings test_cli_ipv6_dr test_cli_stats test_cli_rate test_cli_concurrent
	test_cli_help test_cli_completion test_cli_install test_cli_other_layout test_cli_pin_safety"

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
	local before after saved
	before=$(xlb "$NS_LB" -j vip show) && saved=$(xlb "$NS_LB" save) || return 1

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
	expect_err 1 'real 10.0.2.11 in vip tcp 10.0.0.10:80: already exists' \
		real add tcp 10.0.0.10:80 10.0.2.11 || return 1
	expect_err 1 'real 10.0.2.99 in vip tcp 10.0.0.10:80: not found' \
		real set tcp 10.0.0.10:80 10.0.2.99 weight 1 || return 1
	expect_err 1 'real 10.0.2.99 in vip tcp 10.0.0.10:80: not found' \
		real del tcp 10.0.0.10:80 10.0.2.99 || return 1
	expect_err 1 'attach nosuch0: no such interface' dev attach dev nosuch0 || return 1
	expect_err 1 "attach eth0: xdplb runs there in native mode; a new mode needs 'dev detach' first .*" \
		dev attach dev eth0 mode generic || return 1
	expect_err 1 "attach eth0: the xdplb running there does not use the maps under $E2E_PIN-2 .*" \
		--bpffs "$E2E_PIN-2" dev attach dev eth0 || return 1
	check "... and makes none there ($(ls "$E2E_PIN-2" 2>&1))" \
		bash -c "[ -z \"\$(ls '$E2E_PIN-2')\" ]" || return 1
	expect_err 2 'argument "turbo" is wrong: mode must be native or generic' \
		dev attach dev eth0 mode turbo || return 1
	expect_err 2 'argument "1000" is wrong: ring must be a prime .*' \
		dev attach dev eth0 ring 1000 || return 1
	expect_err 2 'unknown command "frobnicate": try "xdplb help"' frobnicate || return 1
	expect_err 2 'argument "l5" is wrong: hash must be l4 or l3' \
		vip add tcp '[2001:db8::1]:80' hash l5 || return 1
	expect_err 2 'argument "31536001" is wrong: persist must be 0\.\.31536000 seconds' \
		vip set tcp 10.0.0.10:80 persist 31536001 || return 1
	expect_err 2 'argument "0" is wrong: timeout must be 1\.\.31536000 seconds' \
		flow timeout tcp 0 || return 1
	expect_err 2 'argument "99999999999" is wrong: timeout must be 1\.\.31536000 seconds' \
		flow timeout udp 60 tcpfin 99999999999 || return 1
	expect_err 2 'argument "0" is wrong: vips must be 1\.\.65535' \
		dev attach dev eth0 vips 0 || return 1
	expect_err 2 'argument "65536" is wrong: vips must be 1\.\.65535' \
		dev attach dev eth0 vips 65536 || return 1
	expect_err 2 'argument "1000" is wrong: flows6 must be 1024\.\.67108864' \
		dev attach dev eth0 flows6 1000 || return 1
	expect_err 2 'argument "0" is wrong: interval must be 1\.\.3600 seconds' \
		stats show interval 0 || return 1
	expect_err 2 'argument "lots" is wrong: limit must be 0\.\.1073741824' \
		flow show limit lots || return 1
	expect_err 2 'argument "flows" is wrong: unknown keyword \(expected SERVICE, stats, rate or table\)' \
		vip show flows || return 1
	expect_err 2 'argument "bogus" is wrong: tunsrc must be an IPv4 or IPv6 address' \
		config set tunsrc bogus || return 1
	expect_err 2 \
		'config set: nothing to set \(expected tunsrc, mtu, echo, flowcache or announce\)' \
		config set || return 1
	expect_err 2 'argument "575" is wrong: mtu must be 576\.\.65535 or auto' \
		config set mtu 575 || return 1
	expect_err 2 'argument "yes" is wrong: echo must be on or off' config set echo yes ||
		return 1
	expect_err 2 'argument "yes" is wrong: flowcache must be on or off' \
		config set flowcache yes || return 1
	expect_err 2 'argument "x" is wrong: save takes no argument' save x || return 1
	expect_err 2 'argument "nope" is wrong: unknown keyword \(expected check\)' \
		batch file /dev/null nope || return 1
	expect_err 1 "batch file $E2E_TMP: Is a directory" batch file "$E2E_TMP" || return 1
	# 100 KB of argument (one argument may have 128 KiB) is named, not echoed back
	local big
	big=$(head -c 100000 /dev/zero | tr '\0' 1)
	expect_err 2 'argument "1{60}\.\.\." \(100003 bytes\) is wrong: .*' \
		vip add tcp "$big:80" 2>/dev/null || return 1

	after=$(xlb "$NS_LB" -j vip show) || return 1
	check "state unchanged by the rejected commands" [ "$before" = "$after" ] || return 1
	check "configuration unchanged by the rejected commands" \
		[ "$(xlb "$NS_LB" save)" = "$saved" ] || return 1
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
	expect_err 1 "bpffs $E2E_TMP/bpffs: not mounted .*" dev attach dev eth0 || return 1
	expect_err 1 "state in $E2E_PIN: $E2E_TMP/bpffs is not a bpffs \(mount -t bpf .*\)" \
		vip add tcp 10.0.0.1:80 || return 1
	expect_err 1 "state in $E2E_PIN: $E2E_TMP/bpffs is not a bpffs .*" save || return 1
	mount -t bpf bpf "$E2E_TMP/bpffs" || return 1
	# --bpffs into a directory that does not exist: said so, for every kind of command
	local pin=$E2E_PIN cmd
	E2E_PIN=$E2E_TMP/bpffs/nodir/xdplb
	for cmd in "vip show" "save" "vip add tcp 10.0.0.1:80" "batch file /dev/null" \
		"ipvsadm -L -n" "import keepalived /dev/null"; do
		# shellcheck disable=SC2086 # the command's words
		expect_err 1 "state in $E2E_PIN: $E2E_TMP/bpffs/nodir does not exist" $cmd ||
			return 1
	done
	# the daemon's messages have a time stamp
	check "daemon: the same" grep -qE \
		"^[0-9-]{10}T[0-9:.]{12} Error: state in $E2E_PIN: $E2E_TMP/bpffs/nodir does not exist$" \
		<<<"$(xlb "$NS_LB" daemon 2>&1)" || return 1
	expect_err 1 "bpffs $E2E_TMP/bpffs/nodir: no such directory" dev attach dev eth0 ||
		return 1
	E2E_PIN=$pin
	# nothing was created meanwhile
	check "no pins after the failures" [ ! -e "$E2E_PIN" ]
}

# Not root: every command says so, and nothing changes.  (Here, as uid nobody: the kernel
# lets root without capabilities read and write maps it can open, so file permissions are
# what stops a user.)
test_cli_no_root() {
	cli_topo || return 1
	xlb "$NS_LB" dev attach dev eth0 2>/dev/null || return 1
	xlb "$NS_LB" vip add tcp 10.0.0.10:80 || return 1
	link_add "$NS_LB" eth1 "$NS_X" eth1 || return 1
	local before nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	before=$(xlb "$NS_LB" save) || return 1
	# the test's directories are root's: let nobody reach the pins, as on /sys/fs/bpf
	chmod 755 "$E2E_TMP" "$E2E_TMP/bpffs"
	expect_err 1 "state in $E2E_PIN: Permission denied \(run as root\)" \
		"${nobody[@]}" vip add tcp 10.0.0.11:80 || return 1
	expect_err 1 "state in $E2E_PIN: Permission denied \(run as root\)" \
		"${nobody[@]}" vip show || return 1
	expect_err 1 "state in $E2E_PIN: Permission denied \(run as root\)" \
		"${nobody[@]}" batch file /dev/null || return 1
	expect_err 1 "state in $E2E_PIN: Permission denied \(run as root\)" \
		"${nobody[@]}" dev attach dev eth1 || return 1
	expect_err 1 "detach eth0: Operation not permitted \(run as root\)" \
		"${nobody[@]}" dev detach dev eth0 || return 1
	expect_err 1 "show eth0: Operation not permitted \(run as root\)" \
		"${nobody[@]}" dev show || return 1
	check "state unchanged" [ "$(xlb "$NS_LB" save)" = "$before" ] || return 1
	check "still attached to eth0 only" [ "$(xlb "$NS_LB" dev show | cut -d' ' -f1)" = eth0 ]
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
	check "vip line" grep -qE '^UDP +10\.0\.0\.20:53 +mh +tun digest [0-9a-f]{8}$' <<<"$out" || return 1
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

# IPv6 VIPs and backends: shown, refused where the mode cannot carry them (naming the VIP and
# the backend, nothing changed), warned about without an IPv6 tunnel source; hash l3.
test_cli_ipv6() {
	cli_topo || return 1
	nsx "$NS_LB" ip -6 addr add 2001:db8:10::1/64 dev eth0 nodad || return 1
	xlb "$NS_LB" dev attach dev eth0 vips 16 flows 8192 flows6 1024 2>/dev/null || return 1
	local out js err before
	out=$(xlb "$NS_LB" config show) || return 1
	log "$out"
	check "attach: tunsrc = the first IPv4" grep -qxE 'tunsrc +192\.168\.10\.1' <<<"$out" ||
		return 1
	check "attach: tunsrc6 = the first global IPv6" grep -qxE 'tunsrc6 +2001:db8:10::1' \
		<<<"$out" || return 1
	# 8192 flows: 3520 sets of 8 slots, 3.44 per flow, hold 8192
	check "flows 8192 (whole sets: 8192), flows6 1024" \
		grep -qE '^flows +8192 entries, IPv6 1024; persistence table lru shared$' \
		<<<"$out" || return 1
	check "vips 16: 16 VIPs" grep -qxE 'vips +0 of 16' <<<"$out" || return 1
	check "the map holds their address entries too" [ "$(bpftool -j map show pinned \
		"$E2E_PIN/xdplb_vips" | grep -o '"max_entries":[0-9]*')" = '"max_entries":34' ] ||
		return 1

	err=$(xlb "$NS_LB" vip add tcp '[2001:db8::1]:80' 2>&1) || return 1
	check "IPv6 VIP without IPv6 forwarding: a warning (got '$err')" [ "$err" = \
		"Warning: vip tcp [2001:db8::1]:80: IPv6 forwarding is off: its packets are dropped (drop_fwd_disabled) until 'sysctl -w net.ipv6.conf.all.forwarding=1'" ] ||
		return 1
	nsx "$NS_LB" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	xlb "$NS_LB" real add tcp '[2001:db8::1]:80' 2001:db8:2::11 || return 1
	xlb "$NS_LB" real add tcp '[2001:db8::1]:80' '[2001:db8:2::12]:80' weight 2 || return 1
	xlb "$NS_LB" vip add udp '[2001:db8::1]:0' mode dr || return 1
	xlb "$NS_LB" vip add tcp 10.0.0.12:80 || return 1
	err=$(xlb "$NS_LB" real add tcp 10.0.0.12:80 2001:db8:2::11 2>&1) || return 1
	check "IPv4 VIP, IPv6 backend, tun: accepted without a word (got '$err')" [ -z "$err" ] ||
		return 1
	out=$(xlb "$NS_LB" vip show)
	log "$out"
	check "IPv6 vip line" grep -qE '^TCP +\[2001:db8::1\]:80 +mh +tun digest [0-9a-f]{8}$' <<<"$out" || return 1
	check "IPv6 real line" grep -qE '^  -> \[2001:db8:2::12\]:80 +Tunnel +2 +0 +0 +up ' \
		<<<"$out" || return 1
	check "IPv6 backend of an IPv4 VIP" grep -qE '^  -> \[2001:db8:2::11\]:80 +Tunnel +1 ' \
		<<<"$out" || return 1
	check "three VIPs, no address entries" [ "$(grep -c '^[TU][CD]P ' <<<"$out")" -eq 3 ] ||
		return 1
	js=$(xlb "$NS_LB" -j vip show udp '[2001:db8::1]:0')
	check "-j: address, port, hash" grep -q \
		'^\[{"protocol":"udp","address":"2001:db8::1","port":0,.*"hash":"l4",' <<<"$js" ||
		return 1
	check "config show counts VIPs only" grep -qxE 'vips +3 of 16' \
		<<<"$(xlb "$NS_LB" config show)" || return 1

	xlb "$NS_LB" vip add tcp 10.0.0.13:80 mode dr && xlb "$NS_LB" vip add tcp 10.0.0.14:80 mode nat &&
		xlb "$NS_LB" vip add tcp '[2001:db8::2]:80' mode nat || return 1
	before=$(xlb "$NS_LB" save) || return 1
	expect_err 2 'real 10\.0\.2\.11 in vip tcp \[2001:db8::1\]:80: an IPv6 VIP cannot have an IPv4 backend' \
		real add tcp '[2001:db8::1]:80' 10.0.2.11 || return 1
	expect_err 2 'real 10\.0\.2\.11 in vip udp \[2001:db8::1\]:0: an IPv6 VIP cannot have an IPv4 backend' \
		real add udp '[2001:db8::1]:0' 10.0.2.11 || return 1
	expect_err 2 'real 10\.0\.2\.11 in vip tcp \[2001:db8::2\]:80: an IPv6 VIP cannot have an IPv4 backend' \
		real add tcp '[2001:db8::2]:80' 10.0.2.11 || return 1
	expect_err 2 "real 2001:db8:2::11 in vip tcp 10\\.0\\.0\\.13:80: mode dr needs backends of the VIP's family \\(only tun sends an IPv4 VIP's packets to an IPv6 backend, IPv4-in-IPv6\\)" \
		real add tcp 10.0.0.13:80 2001:db8:2::11 || return 1
	expect_err 2 "real 2001:db8:2::11 in vip tcp 10\\.0\\.0\\.14:80: mode nat needs backends of the VIP's family .*" \
		real add tcp 10.0.0.14:80 '[2001:db8:2::11]:8080' || return 1
	expect_err 2 "vip tcp 10\\.0\\.0\\.12:80: backend \\[2001:db8:2::11\\]:80: mode dr needs backends of the VIP's family .*" \
		vip set tcp 10.0.0.12:80 mode dr || return 1
	expect_err 2 "vip tcp 10\\.0\\.0\\.12:80: backend \\[2001:db8:2::11\\]:80: mode nat needs .*" \
		vip set tcp 10.0.0.12:80 mode nat sched rr || return 1
	check "refused commands changed nothing" [ "$(xlb "$NS_LB" save)" = "$before" ] || return 1

	# hash l3: a NAT VIP's backends keep the VIP's port
	xlb "$NS_LB" vip add udp 10.0.0.20:53 mode nat hash l3 || return 1
	xlb "$NS_LB" vip add udp 10.0.0.21:53 mode nat && xlb "$NS_LB" real add udp 10.0.0.21:53 \
		10.0.2.11:5353 || return 1
	before=$(xlb "$NS_LB" save) || return 1
	expect_err 2 "real 10\\.0\\.2\\.11 in vip udp 10\\.0\\.0\\.20:53: hash l3: a nat VIP's backends keep its port \\(fragments carry no port to map\\)" \
		real add udp 10.0.0.20:53 10.0.2.11:5353 || return 1
	expect_err 2 "vip udp 10\\.0\\.0\\.21:53: backend 10\\.0\\.2\\.11:5353: hash l3: a nat VIP's backends keep its port .*" \
		vip set udp 10.0.0.21:53 hash l3 || return 1
	check "refused hash l3 changed nothing" [ "$(xlb "$NS_LB" save)" = "$before" ] || return 1
	xlb "$NS_LB" real add udp 10.0.0.20:53 10.0.2.11:53 || return 1
	xlb "$NS_LB" vip set udp 10.0.0.21:53 mode nat sched sh || return 1
	out=$(xlb "$NS_LB" vip show udp 10.0.0.20:53)
	check "vip show: hash l3" grep -qE '^UDP +10\.0\.0\.20:53 +mh +nat hash l3 digest [0-9a-f]{8}$' <<<"$out" ||
		return 1
	check "-j vip show: hash l3" grep -q '"hash":"l3"' \
		<<<"$(xlb "$NS_LB" -j vip show udp 10.0.0.20:53)" || return 1
	xlb "$NS_LB" vip set udp 10.0.0.20:53 hash l4 || return 1
	check "vip set hash l4" grep -qE '^UDP +10\.0\.0\.20:53 +mh +nat digest [0-9a-f]{8}$' \
		<<<"$(xlb "$NS_LB" vip show udp 10.0.0.20:53)" || return 1

	# no IPv6 tunnel source: an IPv6 backend in tun mode is taken, with a warning
	xlb "$NS_LB" config set tunsrc :: || return 1
	check "tunsrc :: unsets it" grep -qxE 'tunsrc6 +-' <<<"$(xlb "$NS_LB" config show)" ||
		return 1
	err=$(xlb "$NS_LB" real add tcp 10.0.0.12:80 2001:db8:2::13 2>&1)
	check "accepted (status $?)" [ $? -eq 0 ] || return 1
	check "warned: '$err'" [ "$err" = "Warning: real 2001:db8:2::13 in vip tcp 10.0.0.12:80: no IPv6 tunnel source (config set tunsrc ADDR6): its packets are dropped (drop_no_source) until one is set" ] ||
		return 1
	err=$(xlb "$NS_LB" real add tcp 10.0.0.12:80 10.0.2.13 2>&1)
	check "no warning for an IPv4 backend (got '$err')" [ -z "$err" ] || return 1
	# check set takes an IPv6 backend of an IPv4 VIP
	check "check set on an IPv6 backend of an IPv4 VIP" xlb "$NS_LB" check set tcp 10.0.0.12:80 \
		real 2001:db8:2::13 tcp || return 1
	xlb "$NS_LB" vip del tcp 10.0.0.12:80 && xlb "$NS_LB" vip del tcp '[2001:db8::1]:80' || return 1
	check "VIPs deleted" [ "$(xlb "$NS_LB" save | grep -c '^vip add')" -eq 6 ]
}

# config set tunsrc (either family), mtu, echo: shown, saved; echo is on after the first attach
# and survives a detach and attach.
test_cli_settings() {
	cli_topo || return 1
	xlb "$NS_LB" dev attach dev eth0 tunsrc 2001:db8:10::5 tunsrc 192.168.10.5 2>/dev/null ||
		return 1
	local out js
	out=$(xlb "$NS_LB" config show)
	log "$out"
	check "attach tunsrc twice: both" [ "$(grep -E '^(tunsrc|tunsrc6|mtu|echo|flowcache) ' \
		<<<"$out" | tr -s ' ')" = \
		$'tunsrc 192.168.10.5\ntunsrc6 2001:db8:10::5\nmtu auto\necho on\nflowcache on' ] ||
		return 1
	xlb "$NS_LB" config set tunsrc 2001:db8:10::9 mtu 1400 echo off flowcache off || return 1
	js=$(xlb "$NS_LB" -j config show)
	log "$js"
	check "-j config show" grep -q \
		'^{"tunsrc":"192.168.10.5","tunsrc6":"2001:db8:10::9","mtu":1400,"echo":false,"flowcache":false,' \
		<<<"$js" || return 1
	check "save prints the settings" diff -u - <(xlb "$NS_LB" save | grep '^config') <<-EOF || return 1
		config set tunsrc 192.168.10.5
		config set tunsrc 2001:db8:10::9
		config set mtu 1400 echo off flowcache off announce off
	EOF
	# announcing: a table of the daemon's own, never one the kernel routes by
	expect_err 2 'argument "254" is wrong: table must be 1\.\.4294967295 but not 253, 254 or 255 .*' \
		config set announce table 254 || return 1
	expect_err 2 'argument "2" is wrong: proto must be 3\.\.255' \
		config set announce table 100 proto 2 || return 1
	xlb "$NS_LB" config set announce table 100 || return 1
	check "announce table 100, proto 200 by default" grep -qxE 'announce +table 100 proto 200' \
		<<<"$(xlb "$NS_LB" config show)" || return 1
	xlb "$NS_LB" config set announce table 7 proto 201 || return 1
	check "save prints announce" grep -qx \
		'config set mtu 1400 echo off flowcache off announce table 7 proto 201' \
		<<<"$(xlb "$NS_LB" save)" || return 1
	check "-j config show: announce" grep -q '"announce":{"table":7,"proto":201}' \
		<<<"$(xlb "$NS_LB" -j config show)" || return 1
	xlb "$NS_LB" config set announce off || return 1
	check "-j config show: announce off" grep -q '"announce":null' \
		<<<"$(xlb "$NS_LB" -j config show)" || return 1
	check "-j save settings" grep -q \
		'"tunsrc":"192.168.10.5","tunsrc6":"2001:db8:10::9","mtu":1400,"echo":false,"flowcache":false' \
		<<<"$(xlb "$NS_LB" -j save)" || return 1
	xlb "$NS_LB" dev detach dev eth0 2>/dev/null && xlb "$NS_LB" dev attach dev eth0 2>/dev/null ||
		return 1
	out=$(xlb "$NS_LB" config show)
	check "re-attach keeps echo and flowcache off, mtu and the tunnel sources" [ "$(grep -E \
		'^(tunsrc|tunsrc6|mtu|echo|flowcache) ' <<<"$out" | tr -s ' ')" = \
		$'tunsrc 192.168.10.5\ntunsrc6 2001:db8:10::9\nmtu 1400\necho off\nflowcache off' ] ||
		return 1
	xlb "$NS_LB" config set mtu auto echo on flowcache on || return 1
	check "mtu auto, echo on, flowcache on" grep -q '"mtu":0,"echo":true,"flowcache":true' \
		<<<"$(xlb "$NS_LB" -j config show)"
}

# An IPv6 DR VIP on the e2e topology (IPv6 added to it): real add has the kernel resolve each
# IPv6 backend's neighbour at once (DR cannot hand an unresolved packet to the kernel), the
# backends answer, and flow show lists the IPv6 flows with their backends.
test_cli_ipv6_dr() {
	topo dr 2 || return 1
	local i out js n1 n2 vip6=2001:db8:a::10
	nsx "$NS_C" ip -6 addr add 2001:db8:c::2/64 dev eth0 nodad &&
		nsx "$NS_C" ip -6 route add default via 2001:db8:c::1 &&
		nsx "$NS_LB" ip -6 addr add 2001:db8:c::1/64 dev eth0 nodad &&
		nsx "$NS_LB" ip -6 addr add 2001:db8:2::1/64 dev eth1 nodad &&
		nsx "$NS_LB" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	for i in 1 2; do
		nsx "${NS_B[i]}" ip -6 addr add "2001:db8:2::1$i/64" dev eth0 nodad &&
			nsx "${NS_B[i]}" ip -6 addr add "$vip6/128" dev lo &&
			nsx "${NS_B[i]}" ip -6 route add default via 2001:db8:2::1 || return 1
	done
	attach_all 2 || return 1
	xlb "$NS_LB" vip add tcp "[$vip6]:80" mode dr sched rr || return 1
	for i in 1 2; do
		xlb "$NS_LB" real add tcp "[$vip6]:80" "2001:db8:2::1$i" || return 1
	done
	# the solicitation real add sent gets its answer within moments
	for i in $(seq 1 20); do
		out=$(nsx "$NS_LB" ip -6 neigh show dev eth1)
		[ "$(grep -cE '^2001:db8:2::1[12] lladdr ' <<<"$out")" -eq 2 ] && break
		sleep 0.1
	done
	log "$out"
	check "real add resolved both IPv6 backends' neighbours" \
		[ "$(grep -cE '^2001:db8:2::1[12] lladdr ' <<<"$out")" -eq 2 ] || return 1
	out=$(for i in $(seq 1 10); do
		nsx "$NS_C" curl -s --max-time 3 "http://[$vip6]/" || echo FAILED
	done)
	n1=$(grep -c '^I am 10.0.2.11$' <<<"$out")
	n2=$(grep -c '^I am 10.0.2.12$' <<<"$out")
	check "10 answers over IPv6 DR, rr 5:5 (got $n1 + $n2)" [ "$n1" -eq 5 ] && [ "$n2" -eq 5 ] ||
		return 1
	js=$(xlb "$NS_LB" -j flow show tcp "[$vip6]:80" limit 0)
	log "$js"
	for i in 1 2; do
		check "flow show: 5 IPv6 flows to backend $i" [ "$(grep -oE \
			"\"client\":\"\\[2001:db8:c::2\\]:[0-9]+\",\"vip\":\"\\[$vip6\\]:80\",\"backend\":\"\\[2001:db8:2::1$i\\]:80\"" \
			<<<"$js" | wc -l)" -eq 5 ] || return 1
	done
	out=$(xlb "$NS_LB" vip show tcp "[$vip6]:80")
	log "$out"
	check "vip show: 5 flows each" [ "$(grep -cE '^  -> \[2001:db8:2::1[12]\]:80 +Route +1 .* 5$' \
		<<<"$out")" -eq 2 ] || return 1
	out=$(xlb "$NS_LB" flow flush tcp "[$vip6]:80")
	check "flow flush counts the IPv6 flows ($out)" [ "$out" = "10 flows flushed" ] || return 1
	check "none left" [ "$(xlb "$NS_LB" -j flow show)" = '[]' ]
}

# Counters after real traffic: the VIP's are its backends' sums, and each backend's new flows
# are the connections its own TCP stack accepted.
test_cli_stats() {
	topo tun 2 && setup_tun_vip 2 || return 1
	local out i total=0 flows js
	curl_vip 20 >/dev/null
	js=$(xlb "$NS_LB" -j vip show tcp "$VIP:80" stats) || return 1
	log "$js"
	for i in 1 2; do
		flows=$(real_stat tcp "$VIP:80" "10.0.2.1$i" flows)
		check "backend $i: flows = connections it accepted" \
			[ "$flows" -eq "$(tcp_mib "${NS_B[i]}" PassiveOpens)" ] || return 1
		total=$((total + flows))
	done
	check "20 flows on the backends (got $total)" [ "$total" -eq 20 ] || return 1
	local vp vb rp rb
	vp=$(grep -o '^\[{[^[]*"packets":[0-9]*' <<<"$js" | grep -o '[0-9]*$')
	vb=$(grep -o '^\[{[^[]*"bytes":[0-9]*' <<<"$js" | grep -o '[0-9]*$')
	rp=$(($(grep -o '"reals".*' <<<"$js" | grep -o '"packets":[0-9]*' | cut -d: -f2 | paste -sd+)))
	rb=$(($(grep -o '"reals".*' <<<"$js" | grep -o '"bytes":[0-9]*' | cut -d: -f2 | paste -sd+)))
	check "VIP packets = sum of the backends' ($vp, $rp)" [ "$vp" -eq "$rp" ] || return 1
	check "VIP bytes = sum of the backends' ($vb, $rb)" [ "$vb" -eq "$rb" ] || return 1
	out=$(xlb "$NS_LB" vip show stats)
	log "$out"
	check "vip show stats header" grep -qxE \
		'Prot LocalAddress:Port +Conns +InPkts +OutPkts +InBytes +OutBytes' <<<"$out" || return 1
	check "vip show stats row" grep -qxE "TCP +$VIP:80 +20 +$vp +0 +$vb +0" <<<"$out" || return 1
	check "ipvsadm's spelling: vip show --stats" [ "$(xlb "$NS_LB" vip show --stats)" = "$out" ] ||
		return 1
	# flow show: entries name their VIP and one of its backends, with ports
	out=$(xlb "$NS_LB" flow show tcp "$VIP:80" limit 5)
	log "$out"
	check "flow show limit 5: 5 entries" [ "$(grep -c "^TCP " <<<"$out")" -eq 5 ] || return 1
	js=$(xlb "$NS_LB" -j flow show tcp "$VIP:80")
	for i in 1 2; do
		check "flows to backend $i in flow show" [ "$(grep -o \
			"\"vip\":\"$VIP:80\",\"backend\":\"10.0.2.1$i:80\"" <<<"$js" | wc -l)" -eq \
			"$(real_stat tcp "$VIP:80" "10.0.2.1$i" flows)" ] || return 1
	done
	expect_err 1 "vip tcp $VIP:81: not found" flow show tcp "$VIP:81" || return 1
	# stats show SERVICE: the VIP and its backends
	out=$(xlb "$NS_LB" stats show tcp "$VIP:80")
	log "$out"
	check "stats show SERVICE: the VIP" grep -qE "^tcp $VIP:80 +$vp +$vb +20 +0\$" <<<"$out" ||
		return 1
	check "stats show SERVICE: its backends" [ "$(grep -c '^  -> 10\.0\.2\.1[12]:80 ' \
		<<<"$out")" -eq 2 ] || return 1
	# the flow-table block: 20 flows in a table for 1048576 displace none (the data path's
	# counting is tests/unit/test_flow_table.c's)
	out=$(xlb "$NS_LB" stats show)
	check "stats show: the flow table's counters ($(grep -A2 '^flow table' <<<"$out" |
		tr -s '\n ' ' '))" [ "$(grep -A2 '^flow table' <<<"$out" | tr -s ' ')" = \
		$'flow table flows\ndisplaced 0\nunrecorded 0' ] || return 1
	check "stats show -j: flow_table" grep -q '"flow_table":{"displaced":0,"unrecorded":0}' \
		<<<"$(xlb "$NS_LB" -j stats show)"
}

# Rates from paced traffic: 100 UDP datagrams a second, each a new flow: each from a source
# port of its own (a port the kernel hands out again would continue an earlier flow).
test_cli_rate() {
	topo tun 1 && setup_udp_vip mh 1 || return 1
	nsx "$NS_C" python3 -c '
import collections, socket, time
end = time.monotonic() + 10
port = 20000
open_socks = collections.deque()
while time.monotonic() < end:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    port += 1
    s.sendto(b"x" * 100, ("'"$VIP"'", 53))
    # each socket stays open for a second, so that its answer finds it (an answer to a
    # closed port makes an ICMP port unreachable, which the balancer routes to the backend
    # and counts for the VIP); the send rate does not depend on the answers
    open_socks.append((time.monotonic(), s))
    while open_socks and open_socks[0][0] < time.monotonic() - 1:
        open_socks.popleft()[1].close()
    time.sleep(0.01)
' 2>/dev/null &
	E2E_PIDS+=($!)
	disown $!
	sleep 1
	local js pps bps cps size out
	js=$(xlb "$NS_LB" -j vip show udp "$VIP:53" rate) || return 1
	log "$js"
	pps=$(grep -o '"pps":[0-9]*' <<<"$js" | head -1 | cut -d: -f2)
	bps=$(grep -o '"bps":[0-9]*' <<<"$js" | head -1 | cut -d: -f2)
	cps=$(grep -o '"cps":[0-9]*' <<<"$js" | head -1 | cut -d: -f2)
	# one size for all these datagrams: the counters' bytes per packet
	size=$(($(grep -o '"bytes":[0-9]*' <<<"$js" | head -1 | cut -d: -f2) /
		$(grep -o '"packets":[0-9]*' <<<"$js" | head -1 | cut -d: -f2)))
	check "pps about 100 (got $pps)" [ "$pps" -ge 50 ] && [ "$pps" -le 110 ] || return 1
	# (a packet in flight while the counters are read can be in one sum and not yet in
	# the other: +-1 packet)
	check "cps = pps: each datagram a new flow (got $cps, $pps)" \
		[ "$cps" -ge $((pps - 1)) ] && [ "$cps" -le $((pps + 1)) ] || return 1
	check "bps = pps * $size bytes (got $bps, $pps)" [ "$bps" -ge $(((pps - 1) * size)) ] &&
		[ "$bps" -le $(((pps + 1) * size)) ] || return 1
	out=$(xlb "$NS_LB" vip show rate)
	check "vip show rate header" grep -qxE 'Prot LocalAddress:Port +CPS +InPPS +OutPPS +InBPS +OutBPS' \
		<<<"$out" || return 1
	# stats show interval: blocks until SIGINT, rates from the second one on, exit 0
	local rc
	out=$(nsx "$NS_LB" timeout -s INT --preserve-status 2.6 "$XDPLB" --bpffs "$E2E_PIN" \
		stats show udp "$VIP:53" interval 1)
	rc=$?
	log "$out"
	check "stats show interval: exit 0 on SIGINT (got $rc)" [ "$rc" -eq 0 ] || return 1
	check "stats show interval: 3 blocks" [ "$(grep -c '^vip ' <<<"$out")" -eq 3 ] || return 1
	pps=$(grep "^udp $VIP:53 " <<<"$out" | sed -n 2p | awk '{print $7}')
	check "stats show interval: pps about 100 (got $pps)" [ "$pps" -ge 50 ] &&
		[ "$pps" -le 110 ] || return 1
	check "stats show interval: first block without rates" \
		[ "$(grep "^udp $VIP:53 " <<<"$out" | head -1 | awk '{print $7}')" = - ] || return 1
	# -j: one document per refresh, rates from the second on
	out=$(nsx "$NS_LB" timeout -s INT --preserve-status 1.6 "$XDPLB" --bpffs "$E2E_PIN" -j \
		stats show udp "$VIP:53" interval 1)
	log "$out"
	check "-j stats show interval: two documents" [ "$(grep -c '^{"vips":\[' <<<"$out")" -eq 2 ] ||
		return 1
	pps=$(sed -n 2p <<<"$out" | grep -o '"pps":[0-9]*' | head -1 | cut -d: -f2)
	check "-j stats show interval: pps about 100 (got $pps)" [ "${pps:-0}" -ge 50 ] &&
		[ "$pps" -le 110 ]
}

# Two processes, 100 commands each, on one VIP's backends at the same time: the lock keeps
# every change; the table holds exactly the backends that remain.
test_cli_concurrent() {
	cli_topo || return 1
	xlb "$NS_LB" dev attach dev eth0 ring 251 2>/dev/null || return 1
	xlb "$NS_LB" vip add tcp 10.0.0.10:80 || return 1
	local w
	worker() { # NET : 50 adds, then 25 dels and 25 weight changes
		local i
		for i in $(seq 1 50); do
			xlb "$NS_LB" real add tcp 10.0.0.10:80 "10.$1.0.$i" || echo "FAILED add $i"
		done
		for i in $(seq 1 50); do
			if [ $((i % 2)) -eq 0 ]; then
				xlb "$NS_LB" real del tcp 10.0.0.10:80 "10.$1.0.$i" || echo "FAILED del $i"
			else
				xlb "$NS_LB" real set tcp 10.0.0.10:80 "10.$1.0.$i" weight 2 ||
					echo "FAILED set $i"
			fi
		done
	}
	worker 1 >"$E2E_TMP/w1" 2>&1 &
	worker 2 >"$E2E_TMP/w2" 2>&1 &
	wait
	for w in 1 2; do
		check "worker $w: every command succeeded ($(head -3 "$E2E_TMP/w$w"))" \
			[ ! -s "$E2E_TMP/w$w" ] || return 1
	done
	local want got js
	want=$(for w in 1 2; do for i in $(seq 1 2 50); do
		echo "real add tcp 10.0.0.10:80 10.$w.0.$i:80 weight 2"
	done; done | sort)
	got=$(xlb "$NS_LB" save | grep '^real' | sort)
	check "the 50 backends that remain, weight 2" [ "$want" = "$got" ] || return 1
	js=$(xlb "$NS_LB" -j vip show table) || return 1
	check "table of 251 slots" grep -q '"table_length":251,' <<<"$js" || return 1
	check "no slot names a deleted backend" grep -q '"foreign_slots":0' <<<"$js" || return 1
	check "every backend has slots" [ "$(grep -o '"slots":[1-9][0-9]*' <<<"$js" | wc -l)" -eq \
		50 ] || return 1
	check "slots add up to the table" [ $(($(grep -o '"slots":[0-9]*' <<<"$js" | cut -d: -f2 |
		paste -sd+))) -eq 251 ]
}

# The commands of a usage text on stdin: "xdplb ..." and "NAME := ..." lines with their
# continuation lines joined, spaces squeezed, troff's \- as -; one per line.
usage_cmds() {
	sed -e 's/\\-/-/g' -e 's/^Usage: //' | awk '
		/^ *(xdplb |[A-Z]+ +:= )/ { if (cur != "") print cur; cur = $0; next }
		/^ +[[{a-z]/ && cur != "" { cur = cur " " $0; next }
		{ if (cur != "") print cur; cur = "" }
		END { if (cur != "") print cur }' | tr -s ' ' | sed 's/^ //'
}

# Every object answers help (stdout, status 0; -j: null), and the man page's SYNOPSIS is
# exactly the commands of all the help texts.
test_cli_help() {
	local objects o out err rc from_help from_man
	objects=$("$XDPLB" help | usage_cmds | sed -n 's/^OBJECT := { \(.*\) }$/\1/p' |
		tr -d '|')
	check "objects listed by xdplb help" [ "$(wc -w <<<"$objects")" -ge 11 ] || return 1
	for o in $objects; do
		[ "$o" = help ] && continue
		out=$("$XDPLB" "$o" help 2>"$E2E_TMP/err")
		rc=$?
		check "$o help: status 0 (got $rc)" [ "$rc" -eq 0 ] || return 1
		check "$o help: Usage on stdout" grep -q "^Usage: xdplb $o" <<<"$out" || return 1
		check "$o help: nothing on stderr" [ ! -s "$E2E_TMP/err" ] || return 1
		check "$o help -j: null" [ "$("$XDPLB" -j "$o" help)" = null ] || return 1
		from_help+=$(usage_cmds <<<"$out")$'\n'
	done
	from_help+=$("$XDPLB" help | usage_cmds)
	from_man=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH/p' loader/xdplb.8 | sed -n '/^\.nf/,/^\.fi/p' |
		grep -v '^\.' | usage_cmds)
	check "man SYNOPSIS = the help texts' commands" \
		diff -u <(sort -u <<<"$from_help" | grep .) <(sort -u <<<"$from_man" | grep .) ||
		return 1
	# usage after a mistake goes to stderr with status 2
	err=$("$XDPLB" 2>&1 >/dev/null)
	rc=$?
	check "no object: status 2 (got $rc)" [ "$rc" -eq 2 ] || return 1
	check "no object: usage on stderr" grep -q '^Usage: xdplb' <<<"$err" || return 1
	out=$("$XDPLB" vip 2>"$E2E_TMP/err")
	rc=$?
	check "no command: status 2, usage on stderr only (got $rc)" [ "$rc" -eq 2 ] &&
		[ -z "$out" ] && grep -q '^Usage: xdplb vip' "$E2E_TMP/err" || return 1
	check "no command -j: a JSON error" [ "$("$XDPLB" -j vip 2>&1)" = \
		'{"error":"missing command: try \"xdplb help\""}' ]
}

# Completion, as bash calls it: objects, commands, keywords, values, and the services and
# backends of the balancer the line names (--bpffs).
test_cli_completion() {
	cli_topo || return 1
	xlb "$NS_LB" dev attach dev eth0 2>/dev/null || return 1
	xlb "$NS_LB" vip add tcp 10.0.0.10:80 && xlb "$NS_LB" vip add udp 10.0.0.20:53 &&
		xlb "$NS_LB" real add tcp 10.0.0.10:80 10.0.2.11 || return 1
	local line want got
	complete_line() { # LINE : COMPREPLY for the cursor at its end, space-separated
		local COMP_WORDS COMP_CWORD COMPREPLY
		read -ra COMP_WORDS <<<"$1"
		[[ $1 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_xdplb
		echo "${COMPREPLY[*]}"
	}
	# shellcheck source=/dev/null
	. completion/xdplb.bash || return 1
	while IFS='|' read -r line want; do
		line=${line//PIN/$E2E_PIN}
		got=$(PATH=$(dirname "$XDPLB"):$PATH nsx "$NS_LB" bash -c \
			". completion/xdplb.bash; $(declare -f complete_line); complete_line '$line'")
		check "completion of '$line': '$want' (got '$got')" [ "$got" = "$want" ] || return 1
	done <<-'EOF'
		xdplb |dev vip real check daemon stats metrics flow explain config save batch import ipvsadm decap node trace version help
		xdplb --j|--json
		xdplb v|vip version
		xdplb vi |add set del show help
		xdplb vip add tcp 10.0.0.11:80 |sched mode persist ondown alldown hash quorum hysteresis
		xdplb vip add tcp 10.0.0.11:80 sched |mh sh rr wrr lc wlc
		xdplb vip add tcp 10.0.0.11:80 sched rr m|mode
		xdplb vip set tcp 10.0.0.10:80 mode |tun dr nat
		xdplb --bpffs PIN vip del tcp |10.0.0.10:80
		xdplb --bpffs PIN vip show udp |10.0.0.20:53
		xdplb --bpffs PIN vip show tcp 10.0.0.10:80 |stats rate table
		xdplb --bpffs PIN real del tcp 10.0.0.10:80 |10.0.2.11:80
		xdplb real add tcp 10.0.0.10:80 10.0.2.12 |weight
		xdplb dev attach dev eth0 |mode vips reals flows flows6 lru ring tunsrc
		xdplb dev attach dev eth0 tunsrc 10.0.0.1 |mode vips reals flows flows6 lru ring tunsrc
		xdplb vip set tcp 10.0.0.10:80 hash |l4 l3
		xdplb vip add tcp 10.0.0.11:80 hash l3 |sched mode persist ondown alldown quorum hysteresis
		xdplb config set |tunsrc mtu echo flowcache announce
		xdplb config set mtu 1400 |tunsrc echo flowcache announce
		xdplb config set announce |off table
		xdplb config set echo |on off
		xdplb config set flowcache |on off
		xdplb dev attach dev eth0 lru |shared percpu
		xdplb dev detach dev e|eth0
		xdplb flow timeout tcp 10 |tcpfin udp
		xdplb stats show |tcp udp interval
		xdplb import ipvsadm - |check
		xdplb import |ipvsadm keepalived help
		xdplb import keepalived k.conf |print check
		xdplb import keepalived k.conf print |check
		xdplb check |set del show help
		xdplb --bpffs PIN check set tcp |10.0.0.10:80
		xdplb check set tcp 10.0.0.10:80 |tcp http https udp exec real
		xdplb --bpffs PIN check set tcp 10.0.0.10:80 real |10.0.2.11:80
		xdplb check set tcp 10.0.0.10:80 https |port interval timeout rise fall path status expect sni
		xdplb check set tcp 10.0.0.10:80 exec 'true' |port interval timeout rise fall user
		xdplb daemon |config pidfile metrics help
		xdplb daemon metrics |on off
		xdplb daemon metrics on |config pidfile metrics
		xdplb me|metrics
		xdplb ipvsadm -A -s |rr wrr lc wlc sh mh
		xdplb --bpffs PIN ipvsadm -a -t |10.0.0.10:80
		xdplb --bpffs PIN ipvsadm -a -u |10.0.0.20:53
		xdplb node |drain resume show help
		xdplb ex|explain
		xdplb explain |tcp udp help
		xdplb --bpffs PIN explain udp |10.0.0.20:53
		xdplb explain tcp 10.0.0.10:80 |from port syn
		xdplb explain tcp 10.0.0.10:80 syn |from port
		xdplb explain udp 10.0.0.20:53 |from port
		xdplb explain udp 10.0.0.20:53 from |
		xdplb t|trace
		xdplb trace |status stop help vip client reason count -w
		xdplb --bpffs PIN trace vip udp |10.0.0.20:53
		xdplb trace count 3 |vip client -w reason
		xdplb trace vip tcp 10.0.0.10:80 reason drop |client count -w reason
		xdplb trace reason drop_no_|drop_no_backend drop_no_route drop_no_source drop_no_neigh
		xdplb trace status |
	EOF
}

# make install: binary, man page, completion (and systemd units, when there are) under
# DESTDIR/PREFIX, working; uninstall takes them away.
test_cli_install() {
	local d="$E2E_TMP/destdir" f
	make -s install DESTDIR="$d" PREFIX=/usr >"$E2E_TMP/install.log" 2>&1 || {
		cat "$E2E_TMP/install.log" >&2
		return 1
	}
	for f in usr/sbin/xdplb usr/share/man/man8/xdplb.8 \
		usr/share/bash-completion/completions/xdplb; do
		check "installed $f" [ -s "$d/$f" ] || return 1
	done
	for f in loader/*.service systemd/*.service; do
		[ -e "$f" ] || continue
		check "installed unit $f" [ -s "$d/usr/lib/systemd/system/${f##*/}" ] || return 1
	done
	check "the unit starts the installed binary" \
		grep -q '^ExecStart=/usr/sbin/xdplb daemon' "$d/usr/lib/systemd/system/xdplb.service" ||
		return 1
	check "installed binary runs" "$d/usr/sbin/xdplb" version >/dev/null || return 1
	check "binary mode 0755" [ "$(stat -c %a "$d/usr/sbin/xdplb")" = 755 ] || return 1
	check "man page renders without warnings" \
		[ -z "$(groff -man -Tutf8 -ww -z "$d/usr/share/man/man8/xdplb.8" 2>&1)" ] || return 1
	check "completion loads" bash -c ". '$d/usr/share/bash-completion/completions/xdplb' &&
		complete -p xdplb >/dev/null" || return 1
	check "no ipvsadm link without IPVSADM=1" [ ! -e "$d/usr/sbin/ipvsadm" ] || return 1
	make -s install DESTDIR="$d" PREFIX=/usr IPVSADM=1 >/dev/null 2>&1 || return 1
	check "IPVSADM=1: ipvsadm links to xdplb" [ "$(readlink "$d/usr/sbin/ipvsadm")" = xdplb ] ||
		return 1
	check "the link takes ipvsadm's options" \
		bash -c "'$d/usr/sbin/ipvsadm' -h | grep -q -- '-L|-l'" || return 1
	make -s uninstall DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1 || return 1
	check "uninstall leaves no file" [ -z "$(find "$d" -type f -o -type l)" ]
}

# The layout stamp (xdplb_config.layout, include/xdplb_consts.h XDPLB_LAYOUT): the pin directory
# of another layout, stamped or not, is refused at attach and open with one message that says
# how to move; and that way works: save with the xdplb that made it, detach, remove, attach,
# batch.
layout_hint() { # LAYOUT-WORDS
	printf '%s' "$E2E_PIN holds maps of $1, this xdplb uses layout [0-9]+: to move the \
configuration, run 'xdplb save > FILE' with the xdplb that made them, detach it from every \
interface, remove $E2E_PIN, attach with this xdplb, then 'xdplb batch file FILE'"
}

# Rewrite the layout stamp (the last 4 bytes of xdplb_config's 56-byte value).
set_layout() { # N
	local v
	v=$(bpftool -j map lookup pinned "$E2E_PIN/xdplb_config" key 0 0 0 0 |
		python3 -c 'import json,sys,struct
v=[int(x,16) for x in json.load(sys.stdin)["value"]]
v[52:56]=list(struct.pack("<I",int(sys.argv[1])))
print(" ".join(str(x) for x in v))' "$1") || return 1
	# shellcheck disable=SC2086
	bpftool map update pinned "$E2E_PIN/xdplb_config" key 0 0 0 0 value $v
}

test_cli_other_layout() {
	topo tun 1 || return 1
	# pins of a build before the stamp: a flow table that was an LRU hash, no config map
	mkdir -p "$E2E_PIN" || return 1
	bpftool map create "$E2E_PIN/xdplb_flows" type lru_hash key 16 value 24 entries 1024 \
		name xdplb_flows || return 1
	expect_err 1 "$(layout_hint "an older layout")" dev attach dev eth0 || return 1
	check "nothing attached to eth0" \
		bash -c "! ip -n $NS_LB -d link show eth0 | grep -q 'prog/xdp'" || return 1
	check "no pin added ($(ls "$E2E_PIN" | tr '\n' ' '))" [ "$(ls "$E2E_PIN")" = xdplb_flows ] ||
		return 1
	expect_err 1 "$(layout_hint "an older layout")" vip show || return 1
	rm -rf "$E2E_PIN" || return 1

	# a stamped directory of another layout: made here, then stamped 99
	setup_tun_vip 1 || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" tcp interval 5 || return 1
	local saved="$E2E_TMP/lb.conf" before
	xlb "$NS_LB" save >"$saved" && before=$(curl_vip 3) || return 1
	check "served before ($before)" [ "$(sort -u <<<"$before")" = "I am 10.0.2.11" ] ||
		return 1
	set_layout 99 || return 1
	for cmd in "vip show" "save" "stats show" "vip add tcp 10.0.0.99:80" "flow show" \
		"check show" "config show"; do
		# shellcheck disable=SC2086
		expect_err 1 "$(layout_hint "layout 99")" $cmd || return 1
	done
	expect_err 1 "$(layout_hint "layout 99")" dev attach dev eth1 || return 1
	check "refused attach left eth1 alone" \
		bash -c "! ip -n $NS_LB -d link show eth1 | grep -q 'prog/xdp'" || return 1
	# the way the message says
	xlb "$NS_LB" dev detach dev eth0 >/dev/null 2>&1 || return 1
	rm -rf "$E2E_PIN" || return 1
	xlb "$NS_LB" dev attach dev eth0 tunsrc 10.0.2.1 >/dev/null 2>&1 || return 1
	xlb "$NS_LB" batch file "$saved" || return 1
	check "the same configuration after the move" \
		[ "$(xlb "$NS_LB" save)" = "$(cat "$saved")" ] || return 1
	check "served after the move" [ "$(curl_vip 3 | sort -u)" = "I am 10.0.2.11" ]
}

# A pin directory someone else could have written to is refused before anything is pinned in
# it (its maps might not be ours), and an attach that fails (here: native XDP on a veth whose
# MTU is too large for it) leaves no pin behind.
test_cli_pin_safety() {
	local d ls
	cli_topo || return 1
	for d in "0777 0" "0770 0" "0700 65534"; do
		# shellcheck disable=SC2086
		set -- $d
		mkdir -p "$E2E_PIN" && chmod "$1" "$E2E_PIN" && chown "$2" "$E2E_PIN" || return 1
		expect_err 1 "$E2E_PIN: owned by uid $2 with mode ${1#0}: a pin directory must \
belong to root and not be writable by group or others .*" dev attach dev eth0 || return 1
		check "mode $1 uid $2: nothing pinned ($(ls "$E2E_PIN"))" [ -z "$(ls -A "$E2E_PIN")" ] ||
			return 1
		check "mode $1 uid $2: nothing attached" \
			bash -c "! ip -n $NS_LB -d link show eth0 | grep -q 'prog/xdp'" || return 1
		rmdir "$E2E_PIN" || return 1
	done
	nsx "$NS_LB" ip link set eth0 mtu 9000 && nsx "$NS_X" ip link set eth0 mtu 9000 || return 1
	expect_err 1 "attach eth0 mode native: .*" dev attach dev eth0 || return 1
	ls=$(ls -A "$E2E_PIN" 2>/dev/null)
	check "a failed attach left no pin ($ls)" [ -z "$ls" ] || return 1
	check "... and nothing attached" \
		bash -c "! ip -n $NS_LB -d link show eth0 | grep -q 'prog/xdp'" || return 1
	# the same interface in generic mode works, in that directory
	xlb "$NS_LB" dev attach dev eth0 mode generic >/dev/null 2>&1 || return 1
	check "attached in generic mode" [ -e "$E2E_PIN/xdplb_config" ]
}
