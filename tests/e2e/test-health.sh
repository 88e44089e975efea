# End-to-end: `xdplb daemon` health checks against real nginx backends under wrk load:
# failover and recovery within the rise/fall budget, the all-down behaviours, a daemon
# killed and restarted under traffic, local errors, the check types and the config file.
# shellcheck shell=bash
ALL_TESTS="test_failover_under_load test_daemon_kill_restart test_check_types test_check_https
	test_local_errors_never_mark_down test_config_reload test_config_file_errors"

INTERVAL=0.5
RISE=2
FALL=2

wrk_ok() { # OUT : the wrk report shows requests, no socket errors and no non-2xx
	local n
	n=$(awk '/requests in/ { print $1 }' "$1")
	check "wrk made requests (got '$n')" [ "${n:-0}" -gt 100 ] || return 1
	check "no socket errors ($(grep 'Socket errors' "$1"))" \
		bash -c "! grep 'Socket errors' '$1' | grep -q '[1-9]'" || return 1
	check "no non-2xx answers ($(grep 'Non-2xx' "$1"))" bash -c "! grep -q 'Non-2xx' '$1'"
}

with_checks() { # MODE N [HOSTS] : topology (HOSTS backends), VIP (N of them), an http check
	topo "$1" "${3:-$2}" && setup_vip mh "$2" || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" http path / expect "I am" interval "$INTERVAL" \
		timeout 0.4 rise "$RISE" fall "$FALL" || return 1
	daemon_start
}

# The classic LVS failure, fixed: backends stopped one by one under load.  A stopped nginx
# is marked down within fall x interval + 1 s, after which no request fails; started again
# it is back within rise x interval + 1 s; with both stopped, alldown reject (the default, as
# an LVS director answers) makes clients fail at once (connection refused), alldown drop makes
# them time out, and a sorry server takes over.
test_failover_under_load() {
	with_checks tun 2 3 || return 1
	local w1="$E2E_TMP/wrk1.out" w2="$E2E_TMP/wrk2.out" w3="$E2E_TMP/wrk3.out" pid t0 t1
	local budget_down budget_up p0 p1 t c rc
	budget_down=$(awk -v f=$FALL -v i=$INTERVAL 'BEGIN { print (f * i + 1) * 1000 }')
	budget_up=$(awk -v r=$RISE -v i=$INTERVAL 'BEGIN { print (r * i + 1) * 1000 }')
	check "both backends up at start" state_is 10.0.2.11 up || return 1
	check "both backends up at start" state_is 10.0.2.12 up || return 1

	nsx "$NS_C" wrk -t 2 -c 8 -d 4s -H 'Connection: close' "http://$VIP/" >"$w1" 2>&1 &
	pid=$!
	sleep 1
	nginx_stop 2 || return 1 # returns once nginx is gone: the clock starts there
	t0=$(now_ms)
	wait_for 3 state_is 10.0.2.12 down
	t1=$(now_ms)
	log "marked down after $((t1 - t0)) ms (budget $budget_down)"
	check "10.0.2.12 marked down within fall x interval + 1 s ($((t1 - t0)) ms)" \
		[ $((t1 - t0)) -le "${budget_down%.*}" ] || return 1
	check "the daemon logged why ($(grep 10.0.2.12 "$DLOG" | tail -1))" \
		grep -q "10.0.2.12:80 (http): up -> down: connect: Connection refused" "$DLOG" ||
		return 1
	wait "$pid"
	nsx "$NS_C" wrk -t 2 -c 8 -d 3s -H 'Connection: close' "http://$VIP/" >"$w2" 2>&1
	log "$(cat "$w2")"
	wrk_ok "$w2" || return 1

	p0=$(tcp_mib "${NS_B[2]}" PassiveOpens)
	t0=$(now_ms)
	nginx_again 2 || return 1
	wait_for 3 state_is 10.0.2.12 up
	t1=$(now_ms)
	check "10.0.2.12 back up within rise x interval + 1 s ($((t1 - t0)) ms)" \
		[ $((t1 - t0)) -le "${budget_up%.*}" ] || return 1
	# from a new client address: a SYN that reuses the tuple of a closed flow goes back to
	# that flow's backend (flows closed while 10.0.2.12 was down point at 10.0.2.11, and wrk
	# has cycled through most local ports by now), so new tuples show the rotation
	nsx "$NS_C" ip addr add 192.168.10.3/24 dev eth0 &&
		nsx "$NS_C" ip route change default via 192.168.10.1 src 192.168.10.3 || return 1
	nsx "$NS_C" wrk -t 2 -c 8 -d 2s -H 'Connection: close' "http://$VIP/" >"$w3" 2>&1
	wrk_ok "$w3" || return 1
	p1=$(tcp_mib "${NS_B[2]}" PassiveOpens)
	check "10.0.2.12 takes connections again (PassiveOpens $p0 -> $p1)" \
		[ $((p1 - p0)) -gt 100 ] || return 1

	# both down, alldown reject (the default): the client is refused at once
	c=$(xlb "$NS_LB" save | grep "^vip add tcp $VIP:80 ")
	check "alldown reject is a new VIP's default ($c)" grep -q " alldown reject " <<<"$c" ||
		return 1
	nginx_stop 1 && nginx_stop 2 || return 1
	wait_for 3 state_is 10.0.2.11 down && wait_for 3 state_is 10.0.2.12 down || {
		check "both backends marked down" false
		return 1
	}
	t0=$(now_ms)
	nsx "$NS_C" curl -s --max-time 3 "http://$VIP/" >/dev/null
	rc=$?
	t1=$(now_ms)
	check "all down + reject: curl fails with 'connection refused' (exit $rc, want 7)" \
		[ "$rc" -eq 7 ] || return 1
	# refused by the first SYN's answer: a lost SYN is sent again only after 1 s (and without
	# the RST curl would time out, exit 28); 500 ms was too tight for starting curl in a
	# namespace on a VM with most of its CPU stolen (573 ms seen in CI)
	check "... at once ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 1000 ] || return 1
	c=$(xlb "$NS_LB" -j stats show | grep -o '"tx_reject":{"packets":[0-9]*' | grep -o '[0-9]*$')
	check "tx_reject counted ($c)" [ "${c:-0}" -ge 1 ] || return 1
	# alldown drop: the SYN is dropped, curl times out
	xlb "$NS_LB" vip set tcp "$VIP:80" alldown drop || return 1
	nsx "$NS_C" curl -s --max-time 1 "http://$VIP/" >/dev/null
	rc=$?
	check "all down + drop: curl times out (exit $rc, want 28)" [ "$rc" -eq 28 ] || return 1
	xlb "$NS_LB" vip set tcp "$VIP:80" alldown reject || return 1

	# a sorry server takes over while both are down; gives way when one is back
	xlb "${NS_B[3]}" decap attach dev eth0 >/dev/null || return 1
	xlb "$NS_LB" real add tcp "$VIP:80" 10.0.2.13 sorry || return 1
	t=$(nsx "$NS_C" curl -s --max-time 3 "http://$VIP/")
	check "all down: the sorry server answers ('$t')" [ "$t" = "I am 10.0.2.13" ] || return 1
	nginx_again 1 || return 1
	expect_state 3 10.0.2.11 up "10.0.2.11 back up" || return 1
	t=$(curl_vip 5 | sort -u)
	check "backend back: served by it, not the sorry server ('$t')" [ "$t" = "I am 10.0.2.11" ]
}

# kill -9 the daemon and start it again under load: it adopts the states in the maps (one
# backend up, one down), changes none of them, and no request fails.
test_daemon_kill_restart() {
	with_checks tun 3 || return 1
	local w="$E2E_TMP/wrk.out" pid s0 s1 n0 n1
	nginx_stop 3 || return 1
	expect_state 3 10.0.2.13 down "10.0.2.13 marked down" || return 1
	s0=$(xlb "$NS_LB" vip show tcp "$VIP:80" | awk '/->/ { print $2, $7 }')
	n0=$(grep -c -- '->' "$DLOG")
	nsx "$NS_C" wrk -t 2 -c 8 -d 5s -H 'Connection: close' "http://$VIP/" >"$w" 2>&1 &
	pid=$!
	sleep 1
	kill -9 "$DPID"
	sleep 1
	daemon_start || return 1
	wait "$pid"
	log "$(cat "$w")"
	wrk_ok "$w" || return 1
	s1=$(xlb "$NS_LB" vip show tcp "$VIP:80" | awk '/->/ { print $2, $7 }')
	n1=$(grep -c -- '->' "$DLOG")
	check "no backend changed state (before: ${s0//$'\n'/, }; after: ${s1//$'\n'/, })" \
		[ "$s0" = "$s1" ] || return 1
	check "no state change logged ($n0 -> $n1 lines)" [ "$n0" -eq "$n1" ] || return 1
	nginx_again 3 || return 1
	# rise x interval is well under a second; 8 s for a daemon just restarted on a VM whose
	# CPU is mostly stolen (3 s failed in CI)
	expect_state 8 10.0.2.13 up "10.0.2.13 back up after the restart" || return 1
}

# tcp, http (status, body), udp (payload, reply substring) and exec checks, each seen to
# fail for the reason it names.
test_check_types() {
	topo dr 3 && setup_vip mh 3 || return 1
	local i
	for i in 1 2 3; do
		udp_echo_start "${NS_B[i]}" "10.0.2.1$i" "10.0.2.1$i" || return 1
	done
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.11 tcp interval 0.3 timeout 0.2 \
		rise 1 fall 1 || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.12 http path / status 204 \
		interval 0.3 timeout 0.2 rise 1 fall 1 || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.13 udp port 53 payload ping \
		expect "I am 10.0.2.99" interval 0.3 timeout 0.2 rise 1 fall 1 || return 1
	daemon_start || return 1
	expect_state 8 10.0.2.12 down "http: 10.0.2.12 down (status 200, not 204)" || return 1
	check "http: logged 'http: status 200'" \
		grep -q "10.0.2.12:80 (http): up -> down: http: status 200" "$DLOG" || return 1
	expect_state 8 10.0.2.13 down "udp: 10.0.2.13 down (reply lacks the text)" || return 1
	check "udp: logged the missing text" grep -q "(udp): up -> down: udp: reply lacks" "$DLOG" ||
		return 1
	check "tcp: 10.0.2.11 stays up" state_is 10.0.2.11 up || return 1
	# fix the http and udp checks, break the tcp one with a closed port
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.12 http path /x expect "I am 10.0.2.12" \
		status 200 interval 0.3 timeout 0.2 rise 1 fall 1 || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.13 udp port 53 payload ping \
		expect "I am 10.0.2.13" interval 0.3 timeout 0.2 rise 1 fall 1 || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.11 tcp port 81 interval 0.3 \
		timeout 0.2 rise 1 fall 1 || return 1
	wait_for 8 state_is 10.0.2.12 up && wait_for 4 state_is 10.0.2.13 up || {
		check "http and udp checks fixed: both up" false
		return 1
	}
	expect_state 8 10.0.2.11 down "tcp port 81: down" || return 1
	check "tcp: logged 'connect: Connection refused'" \
		grep -q "10.0.2.11:81 (tcp): up -> down: connect: Connection refused" "$DLOG" || return 1
	# exec: the command sees the backend in XDPLB_REAL
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.11 exec \
		'curl -sf --max-time 1 "http://$XDPLB_REAL/" | grep -q "I am 10.0.2.11"' \
		interval 0.3 timeout 1 rise 1 fall 1 2>&1 | grep -q "must not exceed" ||
		{ check "timeout > interval refused" false; return 1; }
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.11 exec \
		'curl -sf --max-time 1 "http://$XDPLB_REAL/" | grep -q "I am 10.0.2.11"' \
		interval 1 timeout 1 rise 1 fall 1 || return 1
	wait_for 8 state_is 10.0.2.11 up || {
		check "exec: 10.0.2.11 up ($(tail -2 "$DLOG"))" false
		return 1
	}
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.11 exec 'exit 3' interval 0.3 \
		timeout 0.2 rise 1 fall 1 || return 1
	expect_state 8 10.0.2.11 down "exec exit 3: down" || return 1
	check "exec: logged the exit status" grep -q "up -> down: exec: exit status 3" "$DLOG" ||
		return 1
	# a slow command is a timeout
	xlb "$NS_LB" check set tcp "$VIP:80" real 10.0.2.12 exec 'sleep 5' interval 0.5 \
		timeout 0.3 rise 1 fall 1 || return 1
	expect_state 8 10.0.2.12 down "exec sleep 5: down" || return 1
	check "exec: logged the timeout ($(grep 10.0.2.12 "$DLOG" | tail -2))" \
		grep -q "10.0.2.12.*up -> down: timeout after 0.3s" "$DLOG" ||
		return 1
	# no check at all: the backend is up again
	xlb "$NS_LB" check del tcp "$VIP:80" real 10.0.2.12 || return 1
	expect_state 8 10.0.2.12 up "check removed: 10.0.2.12 up" || return 1
	check "logged 'check removed'" grep -q "10.0.2.12.*down -> up: check removed" "$DLOG"
}

# Running out of file descriptors is the balancer's problem, not the backend's: logged, and
# no state changes, even for a backend that did stop.  Once fds are back, checks judge again.
test_local_errors_never_mark_down() {
	with_checks tun 2 || return 1
	sleep 1
	# the fds it has stay open; any new one (a probe's socket) fails with EMFILE
	prlimit --pid "$DPID" --nofile=3: || return 1
	nginx_stop 2 || return 1
	wait_for 3 grep -q "local error, state unchanged: socket: Too many open files" "$DLOG" || {
		check "local error logged ($(tail -3 "$DLOG"))" false
		return 1
	}
	sleep 2
	check "no backend marked down while the daemon could not check" \
		bash -c "! grep -q 'up -> down' '$DLOG'" || return 1
	check "10.0.2.12 still up" state_is 10.0.2.12 up || return 1
	prlimit --pid "$DPID" --nofile=1024: || return 1
	expect_state 3 10.0.2.12 down "fds back: 10.0.2.12 down" || return 1
}

# https: nginx with a self-signed certificate on 443, a second site for one server name;
# the check's handshake sends the SNI (and Host) it names, or none.
test_check_https() {
	topo dr 1 && setup_vip mh 1 || return 1
	local d="$E2E_TMP/tls" out
	mkdir -p "$d" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 1 -subj /CN=e2e -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null ||
		return 1
	nginx_restart "${NS_B[1]}" 10.0.2.11 "listen 443 ssl default_server;
		ssl_certificate $d/cert.pem; ssl_certificate_key $d/key.pem; }
		server { listen 443 ssl; server_name sni.test; ssl_certificate $d/cert.pem;
		ssl_certificate_key $d/key.pem; location / { return 200 \"the sni.test site\\n\"; }" ||
		return 1
	xlb "$NS_LB" check set tcp "$VIP:80" https port 443 expect "I am 10.0.2.11" \
		interval 0.3 timeout 0.25 rise 1 fall 1 || return 1
	daemon_start || return 1
	sleep 1
	check "https without SNI: the default site, up" state_is 10.0.2.11 up || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" https path /x sni sni.test expect "sni.test site" \
		port 443 interval 0.3 timeout 0.25 rise 1 fall 1 || return 1
	check "save: the https check with its sni" grep -qx \
		"check set tcp $VIP:80 https path /x expect 'sni.test site' sni sni.test port 443 interval 0.3 timeout 0.25 rise 1 fall 1" \
		<(xlb "$NS_LB" save) || return 1
	out=$(xlb "$NS_LB" -j check show)
	check "-j: type https, sni ($out)" \
		grep -q '{"type":"https","path":"/x","sni":"sni.test","expect":"sni.test site",' \
		<<<"$out" || return 1
	sleep 1
	check "https with sni sni.test: the named site, up" state_is 10.0.2.11 up || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" https sni other.test expect "sni.test site" \
		port 443 interval 0.3 timeout 0.25 rise 1 fall 1 || return 1
	expect_state 5 10.0.2.11 down "another name: the default site, down" || return 1
	check "logged what the body lacked" \
		grep -q '(https): up -> down: http: body lacks "sni.test site"' "$DLOG" || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" https path /x sni sni.test expect "sni.test site" \
		port 443 interval 0.3 timeout 0.25 rise 1 fall 1 || return 1
	expect_state 5 10.0.2.11 up "sni.test again: up" || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" https interval 0.3 timeout 0.25 rise 1 fall 1 || return 1
	expect_state 5 10.0.2.11 down "https to the plain HTTP port: down" || return 1
	check "logged the failed handshake" grep -q "(https): up -> down: https: handshake: " "$DLOG"
}

# daemon config FILE: checks from the file; a broken file is refused with its line number
# (at start: exit 1; on SIGHUP: the previous checks stay); SIGHUP applies a new file and
# deletes checks the file dropped, touching no healthy backend.
test_config_reload() {
	topo tun 2 && setup_vip mh 2 || return 1
	local conf="$E2E_TMP/checks.conf" out rc
	printf '%s\n' '# checks' "check set tcp $VIP:80 real 10.0.2.11 tcp interval 0.3 timeout 0.2" \
		"check set tcp $VIP:80 real 10.0.2.12 bogus" >"$conf"
	out=$(nsx "$NS_LB" "$XDPLB" --bpffs "$E2E_PIN" daemon config "$conf" 2>&1)
	rc=$?
	check "a broken config: exit 1 (got $rc)" [ "$rc" -eq 1 ] || return 1
	check "... naming the file, the line and its text, with a time stamp ('$out')" grep -qE \
		"^[0-9-]{10}T[0-9:.]{12} Error: $E2E_TMP/checks.conf line 3 \(check set tcp $VIP:80 real 10.0.2.12 bogus\): " \
		<<<"$out" || return 1
	out=$(xlb "$NS_LB" check show)
	check "... and nothing applied ('$out')" bash -c "! grep -q 'tcp interval' <<<'$out'" ||
		return 1

	printf '%s\n' "check set tcp $VIP:80 real 10.0.2.11 tcp interval 0.3 timeout 0.2 rise 1 fall 1" \
		"check set tcp $VIP:80 real '10.0.2.12' http path / expect 'I am' interval 0.3 timeout 0.2 rise 1 fall 1  # quoted" \
		>"$conf"
	daemon_start config "$conf" || return 1
	check "2 checks from the file" grep -q "checks.conf: 2 checks" "$DLOG" || return 1
	nginx_stop 2 || return 1
	expect_state 3 10.0.2.12 down "10.0.2.12 down" || return 1
	# a broken reload keeps the checks
	echo "check set tcp $VIP:80 real 10.0.2.99 tcp" >>"$conf"
	kill -HUP "$DPID"
	wait_for 10 grep -q "kept the previous checks" "$DLOG" || {
		check "broken reload refused ($(tail -3 "$DLOG"))" false
		return 1
	}
	check "still 10.0.2.12 down" state_is 10.0.2.12 down || return 1
	# drop 10.0.2.12's check: it is up again (unchecked); 10.0.2.11 untouched
	printf '%s\n' "check set tcp $VIP:80 real 10.0.2.11 tcp interval 0.3 timeout 0.2 rise 1 fall 1" >"$conf"
	kill -HUP "$DPID"
	expect_state 3 10.0.2.12 up "check dropped by the reload: 10.0.2.12 up" || return 1
	check "10.0.2.11 never changed state" bash -c "! grep -q '10.0.2.11.*->' '$DLOG'" || return 1
	out=$(xlb "$NS_LB" check show)
	check "the dropped check is gone from the map ('$out')" \
		bash -c "! grep 10.0.2.12 <<<'$out' | grep -q http"
}

# What the config file refuses (a directory, a NUL byte, two checks for one backend) and what
# a reload refuses before it could remove every check: a file cut short (no newline at the
# end) or empty.  A file of comments only is an explicit "no checks".
test_config_file_errors() {
	topo tun 2 && setup_vip mh 2 || return 1
	local conf="$E2E_TMP/checks.conf" out line
	line="check set tcp $VIP:80 real 10.0.2.11 tcp interval 0.3 timeout 0.2 rise 1 fall 1"
	daemon_fails() { # PATTERN : the daemon refuses the file at start, exit 1, says PATTERN
		local out rc
		out=$(nsx "$NS_LB" "$XDPLB" --bpffs "$E2E_PIN" daemon config "$1" 2>&1)
		rc=$?
		check "refused at start: exit 1 (got $rc: $out)" [ "$rc" -eq 1 ] || return 1
		check "... saying '$2' (got '$out')" grep -qE "$2" <<<"$out"
	}
	mkdir "$E2E_TMP/dir" || return 1
	daemon_fails "$E2E_TMP/dir" "config|$E2E_TMP/dir: Is a directory" || return 1
	printf '%s\n%s\n' "$line" "check set tcp $VIP:80 real 10.0.2.11 tcp" >"$conf"
	daemon_fails "$conf" "line 2 \(check set tcp $VIP:80 real 10.0.2.11 tcp\): a second check for this VIP or backend \(the first is on line 1\)" ||
		return 1
	printf '%s\n# \0 here\n' "$line" >"$conf"
	daemon_fails "$conf" "not a text file \(NUL byte\)" || return 1

	printf '%s\n' "$line" >"$conf"
	daemon_start config "$conf" || return 1
	check "1 check from the file" grep -q "checks.conf: 1 checks" "$DLOG" || return 1
	# cut short: the checks stay
	printf '%s\ncheck set tcp %s:80 real 10.0.2.12 tcp interval 1' "$line" "$VIP" >"$conf"
	kill -HUP "$DPID"
	wait_for 10 grep -q "no newline: cut short" "$DLOG" || {
		check "a cut-short file refused ($(tail -3 "$DLOG"))" false
		return 1
	}
	# empty: the checks stay
	: >"$conf"
	kill -HUP "$DPID"
	wait_for 10 grep -q "checks.conf: empty" "$DLOG" || {
		check "an empty file refused ($(tail -3 "$DLOG"))" false
		return 1
	}
	out=$(xlb "$NS_LB" check show)
	check "the check is still set ('$out')" grep -q "10.0.2.11.*tcp" <<<"$out" || return 1
	# explicitly none: a comment
	echo "# no checks here" >"$conf"
	kill -HUP "$DPID"
	wait_for 10 grep -q "checks.conf: 0 checks" "$DLOG" || {
		check "a comment-only file applied ($(tail -3 "$DLOG"))" false
		return 1
	}
	out=$(xlb "$NS_LB" check show)
	check "no check left ('$out')" bash -c "! grep -q '10.0.2.11.*tcp' <<<'$out'"
}
