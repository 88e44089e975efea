# End-to-end: save, batch files and ipvsadm import.  A saved configuration replayed onto an
# empty balancer saves back identically; a batch with an error anywhere changes nothing and
# names the line; an ipvsadm-save dump becomes the same services, and traffic follows it.
# shellcheck shell=bash
ALL_TESTS="test_save_roundtrip test_batch_atomic test_batch_limits test_batch_input
	test_batch_check test_import_ipvsadm test_import_errors test_import_traffic"

# lib.sh's expect_err() with stdin from FILE.
expect_err_in() { # FILE STATUS PATTERN ARGS...
	local file=$1 want=$2 pat=$3 rc err
	shift 3
	err=$(xlb "$NS_LB" "$@" <"$file" 2>&1 >/dev/null)
	rc=$?
	check_err_line "xdplb $* <$file" "$want" "$pat" "$rc" "$err"
}

# A balancer namespace with one interface: NS_LB (or the variable named) attached.
lb_ns() { # VAR NAME [ATTACH-OPTIONS...]
	local var=$1 name=$2 ns peer
	shift 2
	ns_add "$var" "$name" && ns_add peer "${name}x" || return 1
	ns=${!var}
	link_add "$ns" eth0 "$peer" eth0 || return 1
	nsx "$ns" ip addr add 192.168.10.1/24 dev eth0
	nsx "$ns" "$XDPLB" --bpffs "$E2E_TMP/bpffs/$name" dev attach dev eth0 "$@" 2>/dev/null
}

xlb2() { # ARGS... : xdplb on the second balancer
	nsx "$NS_LB2" "$XDPLB" --bpffs "$E2E_TMP/bpffs/lb2" "$@"
}

# A configuration with every kind of option: modes, schedulers, persistence, port 0, a
# mapped NAT port, weights 0 and 65535, TCP and UDP on one address:port, timeouts, tunsrc,
# health options (ondown, alldown, a sorry server) and checks (a VIP's, a backend's own, with
# words that need quotes); IPv6: a NAT66 VIP with hash l3, an IPv6 backend of an IPv4 tun VIP,
# both tunnel sources, mtu and echo.
make_config() {
	local x=(xlb "$NS_LB")
	"${x[@]}" vip add tcp 10.0.0.10:80 sched wrr mode nat persist 300 &&
		"${x[@]}" real add tcp 10.0.0.10:80 10.0.2.12:8080 weight 0 &&
		"${x[@]}" real add tcp 10.0.0.10:80 10.0.2.11 weight 3 &&
		"${x[@]}" vip add udp 10.0.0.10:80 sched sh mode dr &&
		"${x[@]}" real add udp 10.0.0.10:80 10.0.2.13 weight 65535 &&
		"${x[@]}" vip add tcp 10.0.0.20:0 sched lc &&
		"${x[@]}" real add tcp 10.0.0.20:0 10.0.2.14 &&
		"${x[@]}" vip add tcp 10.0.0.9:443 sched wlc mode tun &&
		"${x[@]}" real add tcp 10.0.0.9:443 10.0.2.16 weight 2 &&
		"${x[@]}" real add tcp 10.0.0.9:443 10.0.2.15 weight 1 &&
		"${x[@]}" vip add udp 10.0.0.30:53 ondown keep alldown reject &&
		"${x[@]}" real add udp 10.0.0.30:53 10.0.2.17 sorry &&
		"${x[@]}" check set tcp 10.0.0.10:80 http path /health status 204 expect "it's ok" \
			interval 0.5 timeout 0.25 rise 3 fall 1 &&
		"${x[@]}" check set tcp 10.0.0.10:80 real 10.0.2.11 exec 'test -e "/run/$XDPLB_REAL"' &&
		"${x[@]}" check set udp 10.0.0.30:53 udp payload ping expect pong &&
		"${x[@]}" flow timeout tcp 1000 tcpfin 60 udp 30 &&
		"${x[@]}" config set tunsrc 192.168.10.9 &&
		"${x[@]}" config set tunsrc 2001:db8:10::9 mtu 1400 echo off flowcache off &&
		"${x[@]}" real add tcp 10.0.0.9:443 2001:db8:2::16 weight 4 &&
		"${x[@]}" vip add udp '[2001:db8::53]:53' sched sh mode nat hash l3 &&
		"${x[@]}" real add udp '[2001:db8::53]:53' 2001:db8:2::11 &&
		"${x[@]}" real add udp '[2001:db8::53]:53' '[2001:db8:2::12]:53' weight 2 &&
		"${x[@]}" check set udp '[2001:db8::53]:53' real 2001:db8:2::12 udp
}

test_save_roundtrip() {
	lb_ns NS_LB lb && lb_ns NS_LB2 lb2 || return 1
	E2E_PIN=$E2E_TMP/bpffs/lb
	make_config || return 1
	local saved="$E2E_TMP/saved" again="$E2E_TMP/again"
	xlb "$NS_LB" save >"$saved" || return 1
	log "$(cat "$saved")"
	# what the grammar says a save is: settings, then VIPs sorted by address, port, protocol,
	# each with every option and followed by its backends (sorted), ports explicit
	check "save prints the configuration as commands" diff -u - <(grep -v '^#' "$saved") <<-EOF || return 1
		config set tunsrc 192.168.10.9
		config set tunsrc 2001:db8:10::9
		config set mtu 1400 echo off flowcache off announce off
		flow timeout tcp 1000 tcpfin 60 udp 30 synrecv 60
		vip add tcp 10.0.0.9:443 sched wlc mode tun persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 10.0.0.9:443 10.0.2.15:443 weight 1
		real add tcp 10.0.0.9:443 10.0.2.16:443 weight 2
		real add tcp 10.0.0.9:443 [2001:db8:2::16]:443 weight 4
		vip add tcp 10.0.0.10:80 sched wrr mode nat persist 300 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 10.0.0.10:80 10.0.2.11:80 weight 3
		real add tcp 10.0.0.10:80 10.0.2.12:8080 weight 0
		vip add udp 10.0.0.10:80 sched sh mode dr persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add udp 10.0.0.10:80 10.0.2.13:80 weight 65535
		vip add tcp 10.0.0.20:0 sched lc mode tun persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 10.0.0.20:0 10.0.2.14 weight 1
		vip add udp 10.0.0.30:53 sched mh mode tun persist 0 ondown keep alldown reject hash l4 quorum 1 hysteresis 0
		real add udp 10.0.0.30:53 10.0.2.17:53 weight 1 sorry
		vip add udp [2001:db8::53]:53 sched sh mode nat persist 0 ondown move alldown reject hash l3 quorum 1 hysteresis 0
		real add udp [2001:db8::53]:53 [2001:db8:2::11]:53 weight 1
		real add udp [2001:db8::53]:53 [2001:db8:2::12]:53 weight 2
		check set tcp 10.0.0.10:80 http path /health status 204 expect 'it'\''s ok' interval 0.5 timeout 0.25 rise 3 fall 1
		check set tcp 10.0.0.10:80 real 10.0.2.11:80 exec 'test -e "/run/\$XDPLB_REAL"' interval 2 timeout 1 rise 2 fall 3
		check set udp 10.0.0.30:53 udp payload ping expect pong interval 2 timeout 1 rise 2 fall 3
		check set udp [2001:db8::53]:53 real [2001:db8:2::12]:53 udp interval 2 timeout 1 rise 2 fall 3
	EOF
	# flows: what the table holds in whole sets (1048576 asked for by default; four slots a
	# flow, 699051 sets of six: 1048576)
	check "save names the attach-time sizes in a comment" grep -qx \
		'# dev attach ... vips 4096 reals 65536 flows 1048576 flows6 262144 lru shared ring 65537' "$saved" ||
		return 1

	# onto the empty second balancer (its own interface address as tunsrc until the batch)
	xlb2 batch file - <"$saved" || return 1
	xlb2 save >"$again" || return 1
	check "save | batch onto an empty balancer saves back identically" \
		diff -u "$saved" "$again" || return 1
	# and the data plane has the tables: every backend with weight > 0 is up
	local show
	show=$(xlb2 vip show) || return 1
	log "$show"
	check "backend with a mapped port in vip show" \
		grep -qE '^  -> 10\.0\.2\.12:8080 +Masq +0 +0 +0 +drain' <<<"$show" || return 1
	check "dr backend in vip show" \
		grep -qE '^  -> 10\.0\.2\.13:80 +Route +65535 +0 +0 +up' <<<"$show" || return 1
	check "timeouts restored" [ "$(xlb2 flow timeout)" = \
		"Timeout (tcp tcpfin udp): 1000 60 30
Timeout (synrecv): 60" ] || return 1
	check "IPv6 VIP with hash l3 in vip show" \
		grep -qE '^UDP +\[2001:db8::53\]:53 +sh +nat hash l3 digest [0-9a-f]{8}$' <<<"$show" || return 1
	check "IPv6 backend of an IPv4 VIP in vip show" \
		grep -qE '^  -> \[2001:db8:2::16\]:443 +Tunnel +4 +0 +0 +up' <<<"$show" || return 1
	check "settings restored" grep -q \
		'"tunsrc":"192.168.10.9","tunsrc6":"2001:db8:10::9","mtu":1400,"echo":false' \
		<<<"$(xlb2 -j config show)" || return 1
	# -j save: one document, numbers as numbers
	check "-j save" grep -q '"flow_timeout":{"tcp":1000,"tcpfin":60,"udp":30,"synrecv":60}' \
		<<<"$(xlb2 -j save)"
}

# Runs FILE as a batch expecting an error; the state (save and the VIP ids and counters of
# vip show -j) must be what it was.
batch_fails() { # FILE STATUS PATTERN
	local before after ids_before ids_after
	before=$(xlb "$NS_LB" save) && ids_before=$(xlb "$NS_LB" -j vip show) || return 1
	expect_err "$2" "$3" batch file "$1" || return 1
	after=$(xlb "$NS_LB" save) && ids_after=$(xlb "$NS_LB" -j vip show) || return 1
	check "$(tail -1 "$1"): configuration unchanged" [ "$before" = "$after" ] || return 1
	check "$(tail -1 "$1"): ids and counters unchanged" [ "$ids_before" = "$ids_after" ]
}

test_batch_atomic() {
	lb_ns NS_LB lb || return 1
	E2E_PIN=$E2E_TMP/bpffs/lb
	make_config || return 1
	local f="$E2E_TMP/batch" good="$E2E_TMP/good" n
	# valid lines that change a bit of everything, including what the last line refers to
	cat >"$good" <<-EOF
		# changes
		vip add tcp 10.0.0.40:80 sched rr
		real add tcp 10.0.0.40:80 10.0.2.21
		real add tcp 10.0.0.40:80 10.0.2.22 weight 2
		real set tcp 10.0.0.10:80 10.0.2.11 weight 7
		real del tcp 10.0.0.9:443 10.0.2.15
		vip set udp 10.0.0.10:80 sched mh

		vip del udp 10.0.0.30:53
		flow timeout udp 99
		config set tunsrc 192.168.10.8
	EOF
	n=$(($(wc -l <"$good") + 1))
	while IFS='|' read -r status pat line; do
		{ cat "$good"; echo "$line"; } >"$f"
		batch_fails "$f" "$status" "$f line $n: $pat" || return 1
	done <<-'EOF'
		1|vip tcp 10\.0\.0\.10:80: already exists|vip add tcp 10.0.0.10:80
		1|vip tcp 10\.0\.0\.40:80: already exists \(added on line 2\)|vip add tcp 10.0.0.40:80 sched wrr
		1|real 10\.0\.2\.22 in vip tcp 10\.0\.0\.40:80: already exists \(added on line 4\)|real add tcp 10.0.0.40:80 10.0.2.22
		1|vip udp 10\.0\.0\.30:53: not found|real add udp 10.0.0.30:53 10.0.2.11
		1|vip tcp 10\.0\.0\.99:80: not found|vip del tcp 10.0.0.99:80
		1|real 10\.0\.2\.15 in vip tcp 10\.0\.0\.9:443: not found|real del tcp 10.0.0.9:443 10.0.2.15
		1|real 10\.0\.2\.99 in vip tcp 10\.0\.0\.10:80: not found|real set tcp 10.0.0.10:80 10.0.2.99 weight 1
		2|argument "70000" is wrong: weight must be 0\.\.65535|real add tcp 10.0.0.40:80 10.0.2.23 weight 70000
		2|argument "65536" is wrong: port must be 0\.\.65535|vip add tcp 10.0.0.41:65536
		2|argument "10\.0\.0\.300" is wrong: not an IPv4 or IPv6 address|vip add tcp 10.0.0.300:80
		2|argument "fe80::1::2" is wrong: not an IPv4 or IPv6 address|vip add tcp [fe80::1::2]:80
		2|real 10\.0\.2\.30 in vip udp \[2001:db8::53\]:53: an IPv6 VIP cannot have an IPv4 backend|real add udp [2001:db8::53]:53 10.0.2.30
		2|real 2001:db8:2::30 in vip tcp 10\.0\.0\.10:80: mode nat needs backends of the VIP's family .*|real add tcp 10.0.0.10:80 2001:db8:2::30
		2|vip tcp 10\.0\.0\.9:443: backend \[2001:db8:2::16\]:443: mode dr needs backends of the VIP's family .*|vip set tcp 10.0.0.9:443 mode dr
		2|real 2001:db8:2::31 in vip udp \[2001:db8::53\]:53: hash l3: a nat VIP's backends keep its port .*|real add udp [2001:db8::53]:53 [2001:db8:2::31]:5353
		2|vip tcp 10\.0\.0\.10:80: backend 10\.0\.2\.12:8080: hash l3: a nat VIP's backends keep its port .*|vip set tcp 10.0.0.10:80 hash l3
		2|argument "1" is wrong: mtu must be 576\.\.65535 or auto|config set mtu 1
		2|argument "0" is wrong: timeout must be 1\.\.31536000 seconds|flow timeout tcp 0
		2|argument "31536001" is wrong: persist must be 0\.\.31536000 seconds|vip set tcp 10.0.0.40:80 persist 31536001
		2|argument "10\.0\.2\.24:8080" is wrong: only nat mode can map the port: .*|real add tcp 10.0.0.40:80 10.0.2.24:8080
		2|vip tcp 10\.0\.0\.10:80: mode tun: a backend maps the VIP's port to another \(only nat can\)|vip set tcp 10.0.0.10:80 mode tun
		2|argument "fast" is wrong: unknown keyword \(expected sched, mode, persist, ondown, alldown, hash, quorum or hysteresis\)|vip add tcp 10.0.0.42:80 fast
		1|vip tcp 10\.0\.0\.99:80: not found|check set tcp 10.0.0.99:80 tcp
		1|real 10\.0\.2\.21 in vip tcp 10\.0\.0\.9:443: not found|check set tcp 10.0.0.9:443 real 10.0.2.21 tcp
		2|argument "timeout" is wrong: the timeout must not exceed the interval|check set tcp 10.0.0.40:80 tcp interval 1 timeout 2
		2|argument "sorry" is wrong: only real add takes sorry|real set tcp 10.0.0.10:80 10.0.2.11 weight 1 sorry
		2|unknown command "frobnicate": try "xdplb help"|vip frobnicate
		2|"vip show" cannot be used in a batch: .*|vip show
		2|"dev attach" cannot be used in a batch: .*|dev attach dev eth0
		2|argument "bogus" is wrong: tunsrc must be an IPv4 or IPv6 address|config set tunsrc bogus
	EOF
	# the JSON error names the line too
	{ cat "$good"; echo "vip add tcp 10.0.0.10:80"; } >"$f"
	check "-j batch error" [ "$(xlb "$NS_LB" -j batch file "$f" 2>&1)" = \
		"{\"error\":\"$f line $n: vip tcp 10.0.0.10:80: already exists\",\"line\":$n}" ] ||
		return 1
	# and the good lines alone apply, all of them
	xlb "$NS_LB" batch file "$good" || return 1
	local saved
	saved=$(xlb "$NS_LB" save)
	check "good batch applied" grep -qx 'real add tcp 10.0.0.40:80 10.0.2.22:80 weight 2' \
		<<<"$saved" || return 1
	check "good batch: deleted VIP gone" [ "$(grep -c 10.0.0.30 <<<"$saved")" -eq 0 ] ||
		return 1
	check "good batch: settings" grep -qx 'flow timeout tcp 1000 tcpfin 60 udp 99 synrecv 60' \
		<<<"$saved"
}

test_batch_limits() {
	lb_ns NS_LB lb vips 3 reals 4 ring 251 || return 1
	E2E_PIN=$E2E_TMP/bpffs/lb
	xlb "$NS_LB" vip add tcp 10.0.0.1:80 || return 1
	local f="$E2E_TMP/batch" i
	printf 'vip add tcp 10.0.0.%s:80\n' 2 3 4 >"$f"
	batch_fails "$f" 1 "$f line 3: vip tcp 10\.0\.0\.4:80: no room: all 3 VIPs in use" ||
		return 1
	# a deletion earlier in the batch makes room
	{ echo "vip del tcp 10.0.0.1:80"; printf 'vip add tcp 10.0.0.%s:80\n' 2 3 4; } >"$f"
	xlb "$NS_LB" batch file "$f" || return 1
	check "3 VIPs after del + 3 adds" [ "$(xlb "$NS_LB" save | grep -c '^vip add')" -eq 3 ] ||
		return 1
	printf 'real add tcp 10.0.0.2:80 10.0.2.%s\n' 1 2 3 4 5 >"$f"
	batch_fails "$f" 1 "$f line 5: real 10\.0\.2\.5 in vip tcp 10\.0\.0\.2:80: no room: all 4 backends in use" ||
		return 1
	# the command line says the same
	expect_err 1 'vip tcp 10\.0\.0\.5:80: no room: all 3 VIPs in use' vip add tcp 10.0.0.5:80 ||
		return 1
	check "config show states the limits" grep -qxE \
		'reals +0 of 4 \(at most 250 per VIP\)' <<<"$(xlb "$NS_LB" config show)" || return 1
	# attach-time sizes: out of range, or too late once the maps exist
	expect_err 2 'argument "0" is wrong: vips must be 1\.\.65535' \
		dev attach dev eth0 vips 0 || return 1
	expect_err 2 'argument "2000000" is wrong: reals must be 1\.\.1048576' \
		dev attach dev eth0 reals 2000000 || return 1
	lb_ns NS_LB2 lb2 ring 251 || return 1
	xlb2 vip add tcp 10.0.0.1:80 sched rr || return 1
	for i in $(seq 1 250); do
		echo "real add tcp 10.0.0.1:80 10.1.$((i / 200)).$((i % 200 + 1))"
	done >"$f"
	xlb2 batch file "$f" || return 1
	local err
	err=$(xlb2 real add tcp 10.0.0.1:80 10.9.9.9 2>&1)
	check "251st backend of a VIP with ring 251 (got '$err')" [ "$err" = \
		"Error: real 10.9.9.9 in vip tcp 10.0.0.1:80: no room: a VIP has at most 250 backends (ring size - 1)" ] ||
		return 1
	echo "real add tcp 10.0.0.1:80 10.9.9.9" >"$f"
	err=$(xlb2 batch file "$f" 2>&1)
	check "251st backend in a batch (got '$err')" [ "$err" = \
		"Error: $f line 1: real 10.9.9.9 in vip tcp 10.0.0.1:80: no room: a VIP has at most 250 backends (ring size - 1)" ]
}

test_batch_input() {
	lb_ns NS_LB lb || return 1
	E2E_PIN=$E2E_TMP/bpffs/lb
	# comments, blank lines, tabs, CRLF, prefixes, stdin
	printf '# header\n\n   \t\nvip add tcp 10.0.0.1:80 sched rr   # trailing comment\r\n' \
		>"$E2E_TMP/in"
	printf 'vi a udp 10.0.0.1:53\nre add\ttcp 10.0.0.1:80 10.0.2.1 weight 4\n#end' \
		>>"$E2E_TMP/in"
	xlb "$NS_LB" batch file - <"$E2E_TMP/in" || return 1
	check "stdin batch applied" diff -u - <(xlb "$NS_LB" save | grep '^vip\|^real') <<-EOF || return 1
		vip add udp 10.0.0.1:53 sched mh mode tun persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		vip add tcp 10.0.0.1:80 sched rr mode tun persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 10.0.0.1:80 10.0.2.1:80 weight 4
	EOF
	printf 'vip add tcp 10.0.0.2:80\nvip add tcp 10.0.0.2:80\n' >"$E2E_TMP/in"
	expect_err_in "$E2E_TMP/in" 1 'stdin line 2: vip tcp 10\.0\.0\.2:80: already exists \(added on line 1\)' \
		batch file - || return 1
	expect_err 1 "batch file $E2E_TMP/nosuch: No such file or directory" \
		batch file "$E2E_TMP/nosuch" || return 1
	expect_err 2 'batch file: missing FILE \(or - for stdin\)' batch file || return 1
	printf 'vip add tcp 10.0.0.2:80\0\n' >"$E2E_TMP/bin"
	expect_err 2 "batch file $E2E_TMP/bin: not a text file \(NUL byte\)" \
		batch file "$E2E_TMP/bin" || return 1
	# an empty batch is fine and changes nothing
	: >"$E2E_TMP/empty"
	check "empty batch" xlb "$NS_LB" batch file "$E2E_TMP/empty"
}

test_batch_check() {
	lb_ns NS_LB lb || return 1
	E2E_PIN=$E2E_TMP/bpffs/lb
	local before
	before=$(xlb "$NS_LB" save) || return 1
	printf 'vip add tcp 10.0.0.1:80\nreal add tcp 10.0.0.1:80 10.0.2.1\n' >"$E2E_TMP/f"
	check "check of a good file succeeds" xlb "$NS_LB" batch file "$E2E_TMP/f" check ||
		return 1
	check "check changes nothing" [ "$(xlb "$NS_LB" save)" = "$before" ] || return 1
	echo "real add tcp 10.0.0.1:80 10.0.2.1" >>"$E2E_TMP/f"
	expect_err 1 "$E2E_TMP/f line 3: real 10\.0\.2\.1 in vip tcp 10\.0\.0\.1:80: already exists \(added on line 2\)" \
		batch file "$E2E_TMP/f" check
}

# The LVS-NAT dump of the issue, as ipvsadm-save -n prints it.
IPVS_DUMP='-A -t 192.168.4.133:80 -s wrr
-a -t 192.168.4.133:80 -r 192.168.2.128 -w 1 -m
-a -t 192.168.4.133:80 -r 192.168.2.129 -w 2 -m'

test_import_ipvsadm() {
	lb_ns NS_LB lb || return 1
	E2E_PIN=$E2E_TMP/bpffs/lb
	nsx "$NS_LB" sysctl -qw net.ipv6.conf.all.forwarding=1 # no warning for the IPv6 VIPs
	xlb "$NS_LB" import ipvsadm - <<<"$IPVS_DUMP" || return 1
	local out
	out=$(xlb "$NS_LB" vip show)
	log "$out"
	check "vip line" grep -qE '^TCP +192\.168\.4\.133:80 +wrr +nat digest [0-9a-f]{8}$' <<<"$out" || return 1
	check "real .128 weight 1" \
		grep -qE '^  -> 192\.168\.2\.128:80 +Masq +1 +0 +0 +up [0-9]+s +0$' <<<"$out" || return 1
	check "real .129 weight 2" \
		grep -qE '^  -> 192\.168\.2\.129:80 +Masq +2 +0 +0 +up [0-9]+s +0$' <<<"$out" || return 1
	check "two reals" [ "$(grep -c -- '->' <<<"$out")" -eq 3 ] || return 1 # header too
	# the same dump from a file, with the long options, defaults and the rest of the grammar
	cat >"$E2E_TMP/ipvs" <<-'EOF'
		# hand-written, ipvsadm -R style
		ipvsadm --add-service --udp-service 10.0.0.53:53 --persistent
		-a -u 10.0.0.53:53 -r 10.0.2.1:5353 -g
		-a -u 10.0.0.53:53 -r 10.0.2.2:53 -g -w 0 -x 0 -y 0
		-A -t 10.0.0.1:443 -s mh -p 60 -M 255.255.255.255
		-a -t 10.0.0.1:443 -r 10.0.2.3 -i --tun-type ipip -w 5
		-A -t 10.0.0.2:22
		-E -t 192.168.4.133:80 -s lc
		-e -t 192.168.4.133:80 -r 192.168.2.129:80 -m -w 9
		-d -t 192.168.4.133:80 -r 192.168.2.128
		--set 600 0 60
		-A -t [2001:db8::80]:80 -s rr
		-a -t [2001:db8::80]:80 -r [2001:db8:2::1]:80 -g -w 2
		-A -u [2001:db8::53]:53 -s sh -p 60 -M 128
		-a -u [2001:db8::53]:53 -r [2001:db8:2::2]:5353 -m -w 1
		-A -t 10.0.0.3:80 -s rr
		-a -t 10.0.0.3:80 -r [2001:db8:2::3]:80 -i
	EOF
	local err
	err=$(xlb "$NS_LB" import ipvsadm "$E2E_TMP/ipvs" 2>&1 >/dev/null) || return 1
	check "an IPv6 tun backend without an IPv6 tunnel source: a warning (got '$err')" \
		[ "$err" = "Warning: $E2E_TMP/ipvs line 17: real 2001:db8:2::3 in vip tcp 10.0.0.3:80: no IPv6 tunnel source (config set tunsrc ADDR6): its packets are dropped (drop_no_source) until one is set" ] ||
		return 1
	check "imported: defaults wlc, -g, weight 1, -p 300; dr/tun keep the service port" \
		diff -u - <(xlb "$NS_LB" save | grep -v '^#\|^config') <<-EOF || return 1
		flow timeout tcp 600 tcpfin 120 udp 60 synrecv 60
		vip add tcp 10.0.0.1:443 sched mh mode tun persist 60 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 10.0.0.1:443 10.0.2.3:443 weight 5
		vip add tcp 10.0.0.2:22 sched wlc mode tun persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		vip add tcp 10.0.0.3:80 sched rr mode tun persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 10.0.0.3:80 [2001:db8:2::3]:80 weight 1
		vip add udp 10.0.0.53:53 sched wlc mode dr persist 300 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add udp 10.0.0.53:53 10.0.2.1:53 weight 1
		real add udp 10.0.0.53:53 10.0.2.2:53 weight 0
		vip add tcp 192.168.4.133:80 sched lc mode nat persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 192.168.4.133:80 192.168.2.129:80 weight 9
		vip add udp [2001:db8::53]:53 sched sh mode nat persist 60 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add udp [2001:db8::53]:53 [2001:db8:2::2]:5353 weight 1
		vip add tcp [2001:db8::80]:80 sched rr mode dr persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp [2001:db8::80]:80 [2001:db8:2::1]:80 weight 2
	EOF
	# -C clears what is there before the rest of the dump
	printf -- '-C\n%s\n' "$IPVS_DUMP" | xlb "$NS_LB" import ipvsadm || return 1
	check "-C then the dump" diff -u - <(xlb "$NS_LB" save | grep '^vip\|^real') <<-EOF
		vip add tcp 192.168.4.133:80 sched wrr mode nat persist 0 ondown move alldown reject hash l4 quorum 1 hysteresis 0
		real add tcp 192.168.4.133:80 192.168.2.128:80 weight 1
		real add tcp 192.168.4.133:80 192.168.2.129:80 weight 2
	EOF
}

test_import_errors() {
	lb_ns NS_LB lb || return 1
	E2E_PIN=$E2E_TMP/bpffs/lb
	xlb "$NS_LB" import ipvsadm <<<"$IPVS_DUMP" || return 1
	local before f="$E2E_TMP/ipvs"
	before=$(xlb "$NS_LB" save) && ids=$(xlb "$NS_LB" -j vip show) || return 1
	while IFS='|' read -r status pat line; do
		printf -- '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.2.1 -m\n%s\n' \
			"$line" >"$f"
		expect_err "$status" "$f line 3: $pat" import ipvsadm "$f" || return 1
		check "$line: nothing changed" [ "$(xlb "$NS_LB" save)" = "$before" ] || return 1
		check "$line: ids unchanged" [ "$(xlb "$NS_LB" -j vip show)" = "$ids" ] || return 1
	done <<-'EOF'
		2|fwmark services \(-f\): not supported by xdplb \(it balances protocol, address, port\)|-A -f 1 -s rr
		2|scheduler "lblc": not supported by xdplb \(rr, wrr, lc, wlc, sh, mh\)|-A -t 10.0.0.2:80 -s lblc
		2|scheduler "sed": not supported by xdplb \(rr, wrr, lc, wlc, sh, mh\)|-E -t 10.0.0.1:80 -s sed
		2|scheduler flags \(-b\): not supported by xdplb|-A -t 10.0.0.2:80 -s mh -b mh-port
		2|one-packet scheduling \(-o\): not supported by xdplb|-A -u 10.0.0.2:53 -s rr -o
		2|persistence engines \(--pe\): not supported by xdplb|-A -u 10.0.0.2:5060 -s rr -p --pe sip
		2|persistence netmasks other than 255\.255\.255\.255 \(-M\): not supported by xdplb \(it persists per client address\)|-A -t 10.0.0.2:80 -p 60 -M 255.255.255.0
		2|connection thresholds \(-x, -y\): not supported by xdplb|-a -t 10.0.0.1:80 -r 10.0.2.2 -m -x 100
		2|tunnel types other than ipip \(--tun-type\): not supported by xdplb|-a -t 10.0.0.1:80 -r 10.0.2.2 -m --tun-type gue
		2|SCTP services \(--sctp-service\): not supported by xdplb|-A --sctp-service 10.0.0.2:80
		2|real server 10\.0\.2\.2: forwarding -g \(dr\) differs from the other real servers' of tcp 10\.0\.0\.1:80 \(nat\): xdplb has one forwarding mode per VIP|-a -t 10.0.0.1:80 -r 10.0.2.2 -g
		2|real server 192\.168\.2\.130: forwarding -i \(tun\) differs .*|-a -t 192.168.4.133:80 -r 192.168.2.130 -i
		2|ipvsadm option "--frob": unknown|-A -t 10.0.0.2:80 --frob
		2|ipvsadm: missing command \(expected -A, -E, -D, -a, -e, -d, -C or --set\)|-t 10.0.0.2:80 -s rr
		2|ipvsadm: missing service \(expected -t or -u ADDR:PORT\)|-A -s rr
		2|host "www\.example\.invalid": .* \(ipvsadm-save -n and ipvsadm -S -n write numeric addresses\)|-A -t www.example.invalid:http -s rr
		2|service "nosuch": not a tcp port in /etc/services \(ipvsadm-save -n and ipvsadm -S -n write numeric ports\)|-A -t 10.0.0.2:nosuch -s rr
		2|real 2001:db8::2 in vip tcp 10\.0\.0\.1:80: mode nat needs backends of the VIP's family .*|-a -t 10.0.0.1:80 -r [2001:db8::2]:80 -m
		2|argument "70000" is wrong: weight must be 0\.\.65535|-a -t 10.0.0.1:80 -r 10.0.2.2 -m -w 70000
		1|vip tcp 192\.168\.4\.133:80: already exists|-A -t 192.168.4.133:80 -s wrr
		1|vip tcp 10\.0\.0\.3:80: not found|-a -t 10.0.0.3:80 -r 10.0.2.2 -m
		1|real 10\.0\.2\.1 in vip tcp 10\.0\.0\.1:80: already exists \(added on line 2\)|-a -t 10.0.0.1:80 -r 10.0.2.1 -m
	EOF
}

# The dump's shape (wrr 1:2, NAT) on the e2e topology, imported, then 30 requests: the
# backends that answer are counted.
test_import_traffic() {
	topo nat 2 || return 1
	attach_all 2 || return 1
	xlb "$NS_LB" import ipvsadm <<-EOF || return 1
		-A -t $VIP:80 -s wrr
		-a -t $VIP:80 -r 10.0.2.11 -w 1 -m
		-a -t $VIP:80 -r 10.0.2.12 -w 2 -m
	EOF
	local out n1 n2
	out=$(curl_vip 30)
	n1=$(grep -c '^I am 10.0.2.11$' <<<"$out")
	n2=$(grep -c '^I am 10.0.2.12$' <<<"$out")
	log "10.0.2.11: $n1, 10.0.2.12: $n2"
	check "30 answers, wrr 1:2 (got $n1 + $n2)" [ "$n1" -eq 10 ] && [ "$n2" -eq 20 ]
}
