# End-to-end: xdplb trace, the data plane's decisions live.  Known datagrams from known client
# ports (a new flow then its next packet, a second flow, a packet for no VIP, one dropped for
# want of a backend) against the events a trace prints: their order, VIP, flow, backend (the
# one whose answer came back), verdict and reason; NAT replies and a rescheduled flow; its
# pcap read back by tcpdump; the vip,
# client and reason filters; count; one trace at a time, a dead tracer's trace taken over.
# shellcheck shell=bash
ALL_TESTS="test_trace_events test_trace_nat test_trace_filters test_trace_one_at_a_time"

# The topology: tun, two backends answering UDP :53 (udp_echo.py), VIP 10.0.0.10:53, and
# 10.0.0.10:54 without backends, alldown drop: its packets are dropped (drop_no_backend).
trace_topo() {
	topo tun 2 && setup_udp_vip mh 2 || return 1
	xlb "$NS_LB" vip add udp "$VIP:54" alldown drop
}

# xdplb ARGS... (trace ...) in the background in the balancer's namespace; its pid in TPID,
# its output in TOUT and TERR; returns once that process's trace is on.
trace_bg() { # ARGS...
	TN=$((${TN:-0} + 1))
	TOUT=$E2E_TMP/trace.$TN.out TERR=$E2E_TMP/trace.$TN.err
	# not through nsx: $! must be xdplb itself (ip netns exec execs it)
	ip netns exec "$NS_LB" "$XDPLB" --bpffs "$E2E_PIN" "$@" </dev/null >"$TOUT" 2>"$TERR" &
	TPID=$!
	E2E_PIDS+=("$TPID")
	wait_for 3 trace_owner_is "$TPID" || {
		check "trace $* started (stderr: $(cat "$TERR"))" false
		return 1
	}
}

# trace status -j: on, owned by PID.
trace_owner_is() { # PID
	xlb "$NS_LB" -j trace status | grep -q "^{\"on\":true,\"owner\":$1,"
}

# trace status -j: on, its owner running.
trace_running() {
	xlb "$NS_LB" -j trace status | grep -q '"on":true,.*"owner_running":true'
}

trace_is_off() {
	xlb "$NS_LB" -j trace status | grep -q '^{"on":false,'
}

# Waits up to 5 s for the trace process TPID to end; its exit status in TRC (255: it did
# not end).
trace_wait() {
	TRC=255
	wait_for 5 bash -c "! kill -0 $TPID 2>/dev/null" || return 1
	wait "$TPID"
	TRC=$?
}

# kill -9 of the trace process TPID, which leaves its trace on; returns once it is gone.
trace_kill9() {
	disown "$TPID" # no "Killed" notice from bash
	kill -9 "$TPID"
	wait_for 5 bash -c "! kill -0 $TPID 2>/dev/null"
}

# COUNT datagrams of one flow from the client, SPORT -> DST:PORT (from SRC): the answers.
uflow() { # DST PORT SPORT COUNT [SRC]
	nsx "$NS_C" python3 tests/e2e/udp_echo.py flow "$1" "$2" "$3" "$4" 1 ${5:+"$5"}
}

# The events of a trace -j output, one line each: ifname|protocol|src|dst|vip|flow|backend|
# verdict|reason (- for null); a line that is not a JSON event is "BAD ...".
events() { # FILE
	python3 -c '
import json, sys
keys = "ifname protocol src dst vip flow backend verdict reason".split()
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
        print("|".join("-" if e[k] is None else str(e[k]) for k in keys))
    except Exception as x:
        print("BAD", repr(line), x)' "$1"
}

# The backend of an answer "I am ADDR" as a trace names it: ADDR:53.
who() { sed -n 's/^I am \(10\.0\.2\.1[0-9]\)$/\1:53/p' <<<"$1" | head -1; }

test_trace_events() {
	local pcap=$E2E_TMP/t.pcap a b n got want tcpd
	trace_topo || return 1
	# the client's own address: no ARP, no IPv6 neighbour discovery in the count
	trace_bg -j trace client 192.168.10.2 count 5 -w "$pcap" || return 1
	a=$(uflow "$VIP" 53 40001 2)
	b=$(uflow "$VIP" 53 40002 1)
	uflow 10.0.0.99 53 40003 1 >/dev/null # no VIP: passed to the kernel, unanswered
	uflow "$VIP" 54 40004 1 >/dev/null    # no backend, alldown drop
	log "answers: $a / $b"
	check "flow 40001: two answers from one backend ($a)" \
		[ "$(grep -c '^I am 10\.0\.2\.1[12]$' <<<"$a")" -eq 2 ] || return 1
	check "... the same one" [ "$(sort -u <<<"$a" | wc -l)" -eq 1 ] || return 1
	check "flow 40002: answered ($b)" grep -q '^I am 10\.0\.2\.1[12]$' <<<"$b" || return 1
	trace_wait
	check "count 5: the trace ended by itself, status 0 (got $TRC; $(cat "$TERR"))" \
		[ "$TRC" -eq 0 ] || return 1
	check "its summary: 5 events shown, 0 lost ($(cat "$TERR"))" \
		grep -qx '5 events shown, 0 lost' "$TERR" || return 1
	check "the trace is off afterwards" trace_is_off || return 1

	got=$(events "$TOUT")
	want="eth0|udp|192.168.10.2:40001|$VIP:53|udp $VIP:53|new|$(who "$a")|redirect|redirect
eth0|udp|192.168.10.2:40001|$VIP:53|udp $VIP:53|found|$(who "$a")|redirect|redirect
eth0|udp|192.168.10.2:40002|$VIP:53|udp $VIP:53|new|$(who "$b")|redirect|redirect
eth0|udp|192.168.10.2:40003|10.0.0.99:53|-|none|-|pass|pass_not_vip
eth0|udp|192.168.10.2:40004|$VIP:54|udp $VIP:54|none|-|drop|drop_no_backend"
	log "events:
$got"
	check "the 5 events, in order, with VIP, flow, the backend that answered, verdict and
reason: got
$got
expected
$want" [ "$got" = "$want" ] || return 1
	check "their times grow" python3 -c '
import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[1])]
sys.exit(t != sorted(t) or len(t) != 5)' "$TOUT" || return 1

	# the pcap: what tcpdump reads, as the balancer sent each packet on (TUN: encapsulated)
	tcpd=$(tcpdump -nr "$pcap" 2>"$E2E_TMP/tcpdump.err")
	log "tcpdump: $(cat "$E2E_TMP/tcpdump.err")
$tcpd"
	check "tcpdump reads the pcap: snapshot length 128 ($(cat "$E2E_TMP/tcpdump.err"))" \
		grep -q 'link-type EN10MB (Ethernet), snapshot length 128' \
		"$E2E_TMP/tcpdump.err" || return 1
	n=$(wc -l <<<"$tcpd")
	check "5 packets in the pcap (got $n)" [ "$n" -eq 5 ] || return 1
	a=$(who "$a") b=$(who "$b")
	check "1: encapsulated to the backend that answered: $(sed -n 1p <<<"$tcpd")" \
		grep -qE "IP 10\.0\.2\.1 > ${a%:53}: IP 192\.168\.10\.2\.40001 > 10\.0\.0\.10\.53: " \
		<<<"$(sed -n 1p <<<"$tcpd")" || return 1
	check "2: the same: $(sed -n 2p <<<"$tcpd")" \
		grep -qE "IP 10\.0\.2\.1 > ${a%:53}: IP 192\.168\.10\.2\.40001 > 10\.0\.0\.10\.53: " \
		<<<"$(sed -n 2p <<<"$tcpd")" || return 1
	check "3: the second flow's backend: $(sed -n 3p <<<"$tcpd")" \
		grep -qE "IP 10\.0\.2\.1 > ${b%:53}: IP 192\.168\.10\.2\.40002 > 10\.0\.0\.10\.53: " \
		<<<"$(sed -n 3p <<<"$tcpd")" || return 1
	check "4: passed as it came: $(sed -n 4p <<<"$tcpd")" \
		grep -qE "IP 192\.168\.10\.2\.40003 > 10\.0\.0\.99\.53: " \
		<<<"$(sed -n 4p <<<"$tcpd")" || return 1
	check "5: dropped as it came: $(sed -n 5p <<<"$tcpd")" \
		grep -qE "IP 192\.168\.10\.2\.40004 > 10\.0\.0\.10\.54: UDP" \
		<<<"$(sed -n 5p <<<"$tcpd")"
}

# NAT: a flow's packet and its reply (flow reply, from the backend, on eth1); the backend
# deleted, the flow's next packet rescheduled to the other one (flow resched), and its reply.
test_trace_nat() {
	local a b got want i
	topo nat 2 && setup_udp_vip mh 2 || return 1
	# the neighbours known: no first packet handed to the kernel (pass_no_neigh)
	for i in 1 2; do nsx "$NS_LB" ping -c1 -W1 "10.0.2.1$i" >/dev/null; done
	nsx "$NS_LB" ping -c1 -W1 192.168.10.2 >/dev/null
	trace_bg -j trace vip udp "$VIP:53" count 4 || return 1
	a=$(uflow "$VIP" 53 40030 1)
	check "answered ($a)" grep -q '^I am 10\.0\.2\.1[12]$' <<<"$a" || return 1
	# its two events printed before the backend goes (names are read when printed)
	wait_for 3 bash -c "[ \$(wc -l <'$TOUT') -ge 2 ]"
	xlb "$NS_LB" real del udp "$VIP:53" "${a#I am }" || return 1
	b=$(uflow "$VIP" 53 40030 1)
	log "answers: $a / $b"
	check "answered by the other backend ($b)" \
		grep -q '^I am 10\.0\.2\.1[12]$' <<<"$b" && [ "$a" != "$b" ] || return 1
	trace_wait
	check "count 4: ended, status 0 (got $TRC; $(cat "$TERR"))" [ "$TRC" -eq 0 ] || return 1
	got=$(events "$TOUT")
	a=$(who "$a") b=$(who "$b")
	want="eth0|udp|192.168.10.2:40030|$VIP:53|udp $VIP:53|new|$a|redirect|redirect
eth1|udp|$a|192.168.10.2:40030|udp $VIP:53|reply|$a|redirect|redirect
eth0|udp|192.168.10.2:40030|$VIP:53|udp $VIP:53|resched|$b|redirect|redirect
eth1|udp|$b|192.168.10.2:40030|udp $VIP:53|reply|$b|redirect|redirect"
	log "events:
$got"
	check "new, reply, resched, reply: got
$got
expected
$want" [ "$got" = "$want" ]
}

# A trace of FILTER... with count N (text lines) while the client sends what `send` does; the
# lines it printed in LINES.
filtered() { # N FILTER...
	local n=$1
	shift
	trace_bg trace "$@" count "$n" || return 1
	send
	trace_wait
	LINES=$(cat "$TOUT")
	log "trace $*: [$TRC] $(cat "$TERR")
$LINES"
	check "trace $*: ended after $n events, status 0 (got $TRC; $(cat "$TERR"))" \
		[ "$TRC" -eq 0 ] || return 1
	check "trace $*: no other trace was taken over ($(cat "$TERR"))" \
		bash -c "! grep -q 'taken over' '$TERR'" || return 1
	check "trace $*: $n lines (got: $LINES)" [ "$(wc -l <<<"$LINES")" -eq "$n" ] ||
		return 1
	check "trace $*: off afterwards" trace_is_off
}

# One packet of each kind, the VIP's last: dropped (no backend), not for a VIP, for the VIP
# from another client address.
send() {
	uflow "$VIP" 54 40010 1 >/dev/null
	uflow 10.0.0.99 53 40011 1 >/dev/null
	uflow "$VIP" 53 40012 1 192.168.10.3 >/dev/null
	uflow "$VIP" 53 40013 1 >/dev/null
}

TIME_RE='[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}'

test_trace_filters() {
	trace_topo || return 1
	nsx "$NS_C" ip addr add 192.168.10.3/24 dev eth0 || return 1
	# a VIP: only its packets (the last two sent)
	filtered 2 vip udp "$VIP:53" || return 1
	check "vip: the first of its packets, as a line: $(sed -n 1p <<<"$LINES")" grep -qxE \
		"$TIME_RE eth0 udp 192\.168\.10\.3:40012 > 10\.0\.0\.10:53 vip udp 10\.0\.0\.10:53 flow new real 10\.0\.2\.1[12]:53 REDIRECT redirect" \
		<<<"$(sed -n 1p <<<"$LINES")" || return 1
	check "vip: then the other client's" grep -qE \
		" udp 192\.168\.10\.2:40013 > 10\.0\.0\.10:53 vip udp 10\.0\.0\.10:53 flow new " \
		<<<"$(sed -n 2p <<<"$LINES")" || return 1
	# a reason: only the drop (ARP and IPv6 neighbour discovery pass)
	filtered 1 reason drop_no_backend || return 1
	check "reason: the dropped packet: $LINES" grep -qxE \
		"$TIME_RE eth0 udp 192\.168\.10\.2:40010 > 10\.0\.0\.10:54 vip udp 10\.0\.0\.10:54 flow - real - DROP drop_no_backend" \
		<<<"$LINES" || return 1
	# several reasons, and the word for all the drops
	filtered 2 reason pass_not_vip reason drop || return 1
	check "reasons: the drop then the pass: $LINES" grep -qzE \
		"^[^\n]* 192\.168\.10\.2:40010 > [^\n]* DROP drop_no_backend
[^\n]* 192\.168\.10\.2:40011 > 10\.0\.0\.99:53 vip - flow - real - PASS pass_not_vip
\$" <<<"$LINES" || return 1
	# a client prefix matches the source...
	filtered 1 client 192.168.10.3/32 || return 1
	check "client (source): the packet from 192.168.10.3: $LINES" \
		grep -qE " 192\.168\.10\.3:40012 > 10\.0\.0\.10:53 vip udp " <<<"$LINES" || return 1
	# ... or the destination
	filtered 1 client 10.0.0.96/30 || return 1
	check "client (destination): the packet to 10.0.0.99: $LINES" \
		grep -qE " 192\.168\.10\.2:40011 > 10\.0\.0\.99:53 vip - " <<<"$LINES" || return 1
	# all of them together: the VIP, its client, its reason
	filtered 1 vip udp "$VIP:53" client 192.168.10.2 reason redirect || return 1
	check "vip + client + reason: $LINES" \
		grep -qE " 192\.168\.10\.2:40013 > 10\.0\.0\.10:53 vip udp " <<<"$LINES" || return 1
	# not IP: the client's ARP request for its gateway, forgotten first
	trace_bg trace reason pass_not_ip count 1 || return 1
	nsx "$NS_C" ip neigh flush dev eth0
	uflow "$VIP" 53 40014 1 >/dev/null
	trace_wait
	check "not IP (ARP): $(cat "$TOUT")" grep -qxE \
		"$TIME_RE eth0 - - > - vip - flow - real - PASS pass_not_ip" "$TOUT" || return 1
	# what the command refuses
	expect_err 2 'argument "nosuch" is wrong: unknown reason .*' trace reason nosuch || return 1
	expect_err 2 'argument "10.0.0.0/33" is wrong: client must be .*' \
		trace client 10.0.0.0/33 || return 1
	expect_err 1 'vip udp 10\.0\.0\.10:55: not found' trace vip udp "$VIP:55" || return 1
	check "refusals left it off" trace_is_off
}

test_trace_one_at_a_time() {
	local first out
	trace_topo || return 1
	trace_bg trace || return 1
	first=$TPID
	# a second one is refused, naming the first
	expect_err 1 "trace: process $first is tracing already \\(one trace at a time: .*" \
		trace count 1 || return 1
	expect_err 1 "trace: process $first is tracing: stop it there .*" trace stop || return 1
	check "the first is still on" trace_owner_is "$first" || return 1
	check "status: owner running" grep -q '"owner_running":true' \
		<<<"$(xlb "$NS_LB" -j trace status)" || return 1
	uflow "$VIP" 53 40020 1 >/dev/null
	kill -INT "$first"
	trace_wait
	check "SIGINT: it ended with status 0 (got $TRC)" [ "$TRC" -eq 0 ] || return 1
	check "... said what it showed ($(cat "$TERR"))" \
		grep -qxE '[1-9][0-9]* events shown, 0 lost' "$TERR" || return 1
	check "... and turned it off" trace_is_off || return 1
	check "... after a line for the datagram" \
		grep -q " 192\.168\.10\.2:40020 > 10\.0\.0\.10:53 vip udp " "$TOUT" || return 1

	# a reader that goes away (xdplb trace | head -1): it ends, and turns the trace off
	ip netns exec "$NS_LB" "$XDPLB" --bpffs "$E2E_PIN" trace client 192.168.10.2 \
		2>/dev/null | head -1 >"$E2E_TMP/head.out" &
	wait_for 3 trace_running || {
		check "trace | head -1: started" false
		return 1
	}
	uflow "$VIP" 53 40022 1 >/dev/null
	wait_for 3 test -s "$E2E_TMP/head.out" # head has its line, and is gone
	check "trace | head -1: one line ($(cat "$E2E_TMP/head.out"))" \
		grep -q " 192\.168\.10\.2:40022 > 10\.0\.0\.10:53 " "$E2E_TMP/head.out" || return 1
	# the next line finds nobody listening (as tcpdump, a trace learns it when it writes)
	uflow "$VIP" 53 40023 1 >/dev/null
	check "trace | head -1: ended by itself, and off" wait_for 5 trace_is_off || return 1

	# SIGTERM too
	trace_bg trace || return 1
	kill -TERM "$TPID"
	trace_wait
	check "SIGTERM: status 0 (got $TRC), off" [ "$TRC" -eq 0 ] || return 1
	check "SIGTERM: off" trace_is_off || return 1

	# a tracer killed outright leaves it on; the next trace takes over, saying so
	trace_bg trace || return 1
	first=$TPID
	trace_kill9
	check "after kill -9: still on, owner not running" grep -q \
		"^{\"on\":true,\"owner\":$first,\"owner_running\":false" \
		<<<"$(xlb "$NS_LB" -j trace status)" || return 1
	out=$(xlb "$NS_LB" trace status)
	check "status says so: $out" grep -q "^Trace: on, process $first (not running" <<<"$out" ||
		return 1
	trace_bg trace vip udp "$VIP:53" count 1 || return 1
	check "the next trace takes over: $(cat "$TERR")" grep -qx \
		"Warning: trace: process $first died without turning its trace off: taken over" \
		"$TERR" || return 1
	uflow "$VIP" 53 40021 1 >/dev/null
	trace_wait
	check "and works (status $TRC): $(cat "$TOUT")" \
		grep -q " 192\.168\.10\.2:40021 > 10\.0\.0\.10:53 " "$TOUT" || return 1
	check "count 1: off" trace_is_off || return 1

	# trace stop turns off a dead tracer's trace
	trace_bg trace || return 1
	trace_kill9
	out=$(xlb "$NS_LB" trace stop)
	check "trace stop: $out" [ "$out" = "Trace of process $TPID (not running) turned off" ] ||
		return 1
	check "trace stop: off" trace_is_off
}
