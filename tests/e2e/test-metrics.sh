# End-to-end: the Prometheus metrics, served by `xdplb daemon ... metrics ADDR:PORT` and
# printed by `xdplb metrics`, parsed by prometheus_client's parser (tests/e2e/prom.py) and
# held against the traffic sent, `xdplb -j stats show`, `xdplb -j vip show`, the config map,
# and a backend that stops; the endpoint's errors.
# shellcheck shell=bash
ALL_TESTS="test_metrics_agree test_metrics_errors"

MURL=http://127.0.0.1:9124/metrics

scrape() { # FILE : the daemon's metrics (from inside the balancer's namespace)
	nsx "$NS_LB" curl -sf --max-time 5 "$MURL" >"$1"
}

# Debian's python3: python3-prometheus-client is installed for it (make deps)
prom() { /usr/bin/python3 tests/e2e/prom.py "$@"; }

# The config map's change counter (xdplb_config.changes: 4 bytes at offset 40).
config_changes() {
	bpftool -j map lookup pinned "$E2E_PIN/xdplb_config" key 0 0 0 0 | python3 -c '
import json, struct, sys
v = bytes(int(x, 16) for x in json.load(sys.stdin)["value"])
print(struct.unpack_from("<I", v, 40)[0])'
}

# Scrape FILE between two readings of stats show and vip show, then check that they agree.
agree() { # FILE
	local d=$E2E_TMP/agree out
	xlb "$NS_LB" -j stats show >"$d.st0" && xlb "$NS_LB" -j vip show >"$d.vp0" || return 1
	scrape "$1" || return 1
	xlb "$NS_LB" -j stats show >"$d.st1" && xlb "$NS_LB" -j vip show >"$d.vp1" || return 1
	out=$(prom agree "$1" "$d.st0" "$d.st1" "$d.vp0" "$d.vp1" "$(config_changes)")
	log "$out"
	check "metrics agree with stats show and vip show: $(tail -1 <<<"$out")
$(grep mismatch <<<"$out")" grep -q ' 0 do not$' <<<"$out"
}

# Known traffic: N requests are N new flows, split over the backends as vip show says; a
# stopped backend's state goes down with its failures counted by reason; xdplb metrics says
# what the daemon says.
test_metrics_agree() {
	local m=$E2E_TMP/m g0 g1 t n v
	topo tun 2 && setup_vip mh 2 || return 1
	xlb "$NS_LB" check set tcp "$VIP:80" http path / expect "I am" interval 0.5 timeout 0.4 \
		rise 2 fall 2 || return 1
	# an IPv6 VIP without traffic: its labels, and a second VIP in every family
	xlb "$NS_LB" vip add tcp "[$VIP6]:80" sched rr 2>/dev/null &&
		xlb "$NS_LB" real add tcp "[$VIP6]:80" fd00:2::11 2>/dev/null || return 1
	daemon_start metrics 9124 || return 1
	check "the daemon says where ($(grep metrics "$DLOG"))" \
		grep -q "metrics on $MURL" "$DLOG" || return 1
	scrape "$m.0" || { check "scrape" false; return 1; }
	check "no flow yet" [ "$(prom get "$m.0" xdplb_vip_flows_total vip="$VIP:80")" = 0 ] ||
		return 1
	t=$(prom get "$m.0" xdplb_backend_weight proto=tcp vip="[$VIP6]:80" \
		backend="[fd00:2::11]:80") &&
		check "an IPv6 VIP's and backend's labels ($t)" [ "$t" = 1 ] || return 1
	t=$(prom get "$m.0" xdplb_vip_info vip="[$VIP6]:80" sched=rr mode=tun) &&
		check "its info ($t)" [ "$t" = 1 ] || return 1
	t=$(prom get "$m.0" xdplb_build_info version="$(xlb "$NS_LB" -j version |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')") &&
		check "build info: 1 ($t)" [ "$t" = 1 ] || return 1

	n=$(curl_vip 24 | grep -c "I am")
	check "24 requests answered ($n)" [ "$n" -eq 24 ] || return 1
	agree "$m.1" || return 1
	v=$(prom get "$m.1" xdplb_vip_flows_total vip="$VIP:80")
	check "24 requests: 24 new flows ($v)" [ "$v" = 24 ] || return 1
	t=$(($(prom get "$m.1" xdplb_backend_flows_total backend=10.0.2.11:80) +
		$(prom get "$m.1" xdplb_backend_flows_total backend=10.0.2.12:80)))
	check "the backends' flows add up to 24 ($t)" [ "$t" -eq 24 ] || return 1
	t=$(prom get "$m.1" xdplb_flows state=inactive)
	check "24 closed connections: 24 inactive flows ($t)" [ "$t" = 24 ] || return 1
	t=$(prom get "$m.1" xdplb_verdict_packets_total reason=redirect)
	check "forwarded packets: at least 5 a request ($t)" [ "$t" -ge 120 ] || return 1

	# a configuration change moves the generation, and the digest with the backend set
	g0=$(prom get "$m.1" xdplb_config_generation)
	xlb "$NS_LB" real set tcp "$VIP:80" 10.0.2.12 weight 3 || return 1
	agree "$m.2" || return 1
	g1=$(prom get "$m.2" xdplb_config_generation)
	check "a change moves the generation ($g0 -> $g1)" [ "$g1" -gt "$g0" ] || return 1
	check "... and the VIP's digest" bash -c "[ '$(grep xdplb_vip_info "$m.1")' != \
		'$(grep xdplb_vip_info "$m.2")' ]" || return 1

	# a stopped backend: down, failures by reason, a fresh state age
	nginx_stop 2 || return 1
	expect_state 5 10.0.2.12 down "10.0.2.12 marked down" || return 1
	agree "$m.3" || return 1
	check "the stopped backend is down" \
		[ "$(prom get "$m.3" xdplb_backend_up backend=10.0.2.12:80)" = 0 ] || return 1
	check "the other is up" [ "$(prom get "$m.3" xdplb_backend_up backend=10.0.2.11:80)" = 1 ] ||
		return 1
	check "one backend up" [ "$(prom get "$m.3" xdplb_vip_backends_up vip="$VIP:80")" = 1 ] ||
		return 1
	t=$(prom get "$m.3" xdplb_backend_check_failures_total backend=10.0.2.12:80 reason=refused)
	check "its checks failed as refused, fall (2) times at least ($t)" [ "${t:-0}" -ge 2 ] ||
		return 1
	check "no failure of the other" bash -c "! grep -q \
		'^xdplb_backend_check_failures_total{.*backend=\"10.0.2.11:80\"' '$m.3'" || return 1
	t=$(prom get "$m.3" xdplb_backend_state_seconds backend=10.0.2.12:80)
	check "its state is young ($t s)" awk -v t="$t" 'BEGIN { exit !(t < 3) }' || return 1
	t=$(prom get "$m.3" xdplb_backend_check_duration_seconds_count backend=10.0.2.11:80)
	n=$(prom get "$m.3" xdplb_backend_check_duration_seconds_bucket backend=10.0.2.11:80 \
		le=+Inf)
	check "check durations: a histogram of every check ($t, +Inf $n)" \
		[ "$t" -ge 3 ] && [ "$t" = "$n" ] || return 1
	t=$(prom get "$m.3" xdplb_flow_gc_runs_total)
	check "the GC runs every second ($t)" [ "$t" -ge 2 ] || return 1

	# xdplb metrics: the same, without the daemon's own families
	scrape "$m.4" && xlb "$NS_LB" metrics >"$m.cli" || return 1
	t=$(prom same "$m.4" "$m.cli")
	log "$t"
	check "xdplb metrics says what the daemon says: $(tail -1 <<<"$t")
$(grep mismatch <<<"$t")" grep -q ' 0 mismatches$' <<<"$t" || return 1
	# a scrape is a read: the generation stays
	scrape "$m.5" || return 1
	check "scraping changes nothing" [ "$(prom get "$m.5" xdplb_config_generation)" = \
		"$(prom get "$m.4" xdplb_config_generation)" ] || return 1

	# its cost, as xdplb(8) states it: one map read a VIP, two a backend, whatever the
	# flows; a VIP of 2 backends more: exactly 5 bpf() calls more
	local c0 c1 c2
	c0=$(bpf_calls) && curl_vip 10 >/dev/null && c1=$(bpf_calls) || return 1
	check "the flows cost nothing ($c0 bpf() calls before 10 more requests, $c1 after)" \
		[ "$c0" -eq "$c1" ] || return 1
	xlb "$NS_LB" vip add tcp 10.0.0.11:80 && xlb "$NS_LB" real add tcp 10.0.0.11:80 10.0.2.11 &&
		xlb "$NS_LB" real add tcp 10.0.0.11:80 10.0.2.12 && c2=$(bpf_calls) || return 1
	log "bpf() calls of xdplb metrics: $c0, $c1, $c2"
	check "a VIP of 2 backends: 5 reads more ($c1 -> $c2)" [ $((c2 - c1)) -eq 5 ]
}

bpf_calls() { # the bpf() calls of one `xdplb metrics`
	nsx "$NS_LB" strace -f -c -e trace=bpf -o "$E2E_TMP/strace" "$XDPLB" --bpffs "$E2E_PIN" \
		metrics >/dev/null || return 1
	awk '$NF == "bpf" { print $4 }' "$E2E_TMP/strace"
}

test_metrics_errors() {
	local pid pids rc err out i
	topo tun 1 && setup_vip mh 1 || return 1
	expect_err 2 'argument "bogus" is wrong: expected ADDR:PORT, \[ADDR6\]:PORT, PORT or on' \
		daemon metrics bogus || return 1
	expect_err 2 'argument "127.0.0.1:0" is wrong: the port must be 1..65535' \
		daemon metrics 127.0.0.1:0 || return 1
	expect_err 2 'argument "10.0.0.300:80" is wrong: not an IPv4 or IPv6 address with a port' \
		daemon metrics 10.0.0.300:80 || return 1
	expect_err 2 'missing argument after "metrics": expected ADDR:PORT, PORT, on or off' \
		daemon metrics || return 1
	out=$(xlb "$NS_LB" -j metrics 2>&1)
	rc=$?
	check "-j metrics: status 2, a JSON error ($rc, $out)" [ "$rc" -eq 2 ] &&
		[ "$out" = '{"error":"argument \"-j\" is wrong: metrics prints the Prometheus text format only"}' ] ||
		return 1
	expect_err 2 'argument "now" is wrong: metrics takes no argument' metrics now || return 1
	# the port taken: one error line (with the daemon's time stamp), exit 1, nothing left
	# not through nsx: $! must be the listener itself (ip netns exec execs it)
	ip netns exec "$NS_LB" python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9124)); s.listen(); time.sleep(30)' &
	pid=$!
	E2E_PIDS+=("$pid")
	disown "$pid"
	wait_for 3 bash -c "ip netns exec $NS_LB ss -Hlnt 'sport = :9124' | grep -q ." || return 1
	err=$(nsx "$NS_LB" timeout 5 "$XDPLB" --bpffs "$E2E_PIN" daemon metrics on 2>&1 >/dev/null)
	rc=$?
	check "port in use: exit 1 (got $rc)" [ "$rc" -eq 1 ] || return 1
	check "port in use: one error line ($err)" grep -qxE \
		'[-0-9T:.]+ Error: daemon: metrics 127.0.0.1:9124: Address already in use' <<<"$err" || return 1
	check "... only" [ "$(wc -l <<<"$err")" -eq 1 ] || return 1
	kill "$pid"
	wait_for 3 bash -c "! kill -0 $pid 2>/dev/null" || return 1
	err=$(nsx "$NS_LB" timeout 5 "$XDPLB" --bpffs "$E2E_PIN" daemon metrics 10.9.9.9:9124 \
		2>&1 >/dev/null)
	rc=$?
	check "an address not of this host: exit 1 (got $rc) ($err)" [ "$rc" -eq 1 ] &&
		grep -qxE '[-0-9T:.]+ Error: daemon: metrics 10.9.9.9:9124: Cannot assign requested address' \
			<<<"$err" || return 1
	# the endpoint: /metrics only, GET and HEAD only; metrics off serves nothing
	daemon_start metrics 9124 || return 1
	out=$(nsx "$NS_LB" curl -s -o /dev/null -w '%{http_code} %{content_type}' "$MURL")
	check "GET /metrics: 200, the exposition's type ($out)" \
		[ "$out" = "200 text/plain; version=0.0.4; charset=utf-8" ] || return 1
	out=$(nsx "$NS_LB" curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9124/)
	check "GET /: 404 ($out)" [ "$out" = 404 ] || return 1
	out=$(nsx "$NS_LB" curl -s -o /dev/null -w '%{http_code}' -X POST "$MURL")
	check "POST: 405 ($out)" [ "$out" = 405 ] || return 1
	out=$(nsx "$NS_LB" curl -sI -o /dev/null -w '%{http_code}' "$MURL")
	check "HEAD: 200 ($out)" [ "$out" = 200 ] || return 1
	# many scrapes at once, and a client that never sends its request: the daemon goes on
	ip netns exec "$NS_LB" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9124; sleep 20' &
	E2E_PIDS+=($!)
	disown $!
	pids=()
	rc=0
	for i in $(seq 1 20); do
		nsx "$NS_LB" curl -sf --max-time 5 "$MURL" -o "$E2E_TMP/par.$i" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=$?
	done
	check "20 scrapes at once: all answered (status $rc)" [ "$rc" -eq 0 ] || return 1
	for i in $(seq 1 20); do
		prom get "$E2E_TMP/par.$i" xdplb_build_info >/dev/null || {
			check "scrape $i of 20 at once parses" false
			return 1
		}
	done
	kill "$DPID"
	wait_for 3 bash -c "! kill -0 $DPID 2>/dev/null" || return 1
	daemon_start metrics off || return 1
	check "metrics off: nothing listens" \
		[ -z "$(nsx "$NS_LB" ss -Hlnt 'sport = :9124')" ]
}
