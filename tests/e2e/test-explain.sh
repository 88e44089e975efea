# End-to-end: `xdplb explain` against the backend that actually answers.  NAT UDP VIPs on
# :53, one per scheduler (10.0.0.10 mh, .11 sh, .12 rr, .13 wrr, .14 lc, .15 wlc), over the
# same four backends running the UDP identity service (udp_echo.py, weights 1 2 3 1); clients
# on 33 addresses; per VIP 400 random client tuples (tests/e2e/explain_udp.py sends one
# datagram from exactly each and reads who answered):
# - mh, sh: all 400 explained (one call) before any is sent, then each datagram answered by
#   the backend explained;
# - rr, wrr, lc, wlc: 400 explains of new tuples all name one backend and slot (the next new
#   flow's: explaining moved nothing), which the next datagram gets; then 20 new tuples, each
#   explained and then sent, each answered by the backend explained;
# - every scheduler: after the traffic all 400 explained again (one call), each "existing
#   flow" with the backend that answered, and the VIP's counters and flows unchanged by it;
# - a backend taken down (its check fails, the daemon writes the state): its flows explained
#   "not followed: backend down" with their new backend, which then answers them.
# shellcheck shell=bash
ALL_TESTS="test_explain_hash test_explain_next"

N=400
exu() { /usr/bin/python3 tests/e2e/explain_udp.py "$@"; }

# The NAT topology with 4 backends answering on every address's :53 (attach_all's attach, with a
# smaller flow table), and 32 more client
# addresses (192.168.10.100-131, with static neighbours on the balancer, so that the first
# reply to each is not left to the kernel's neighbour resolution).  CLIENTS: all 33 (an
# array).
explain_topo() {
	local i mac
	topo nat 4 || return 1
	# a flow table of 65,536 flows: flow show reads it whole, twice per VIP
	xlb "$NS_LB" dev attach dev eth0 tunsrc 10.0.2.1 flows 65536 >/dev/null &&
		xlb "$NS_LB" dev attach dev eth1 >/dev/null || return 1
	for i in 1 2 3 4; do
		udp_echo_start "${NS_B[i]}" 0.0.0.0 "10.0.2.1$i" || return 1
	done
	mac=$(nsx "$NS_C" cat /sys/class/net/eth0/address) || return 1
	CLIENTS=(192.168.10.2)
	for i in $(seq 100 131); do
		nsx "$NS_C" ip addr add "192.168.10.$i/24" dev eth0 || return 1
		nsx "$NS_LB" ip neigh replace "192.168.10.$i" lladdr "$mac" dev eth0 \
			nud permanent || return 1
		CLIENTS+=("192.168.10.$i")
	done
}

# The VIP of scheduler SCHED (V: its address), with the 4 backends, weights 1 2 3 1; S names
# it in messages, BASE is the first client port of its tuples (each VIP has its own 6,000
# ports: NAT reply entries are per client tuple and backend, and the backends are shared).
sched_vip() { # SCHED
	local i=0 s w=(1 2 3 1) b
	for s in mh sh rr wrr lc wlc; do
		[ "$s" = "$1" ] && break
		i=$((i + 1))
	done
	S=$1 V=10.0.0.1$i BASE=$((20000 + i * 6000))
	xlb "$NS_LB" vip add udp "$V:53" sched "$1" mode nat || return 1
	for b in 1 2 3 4; do
		xlb "$NS_LB" real add udp "$V:53" "10.0.2.1$b" weight "${w[b - 1]}" || return 1
	done
}

# xdplb -j explain of the tuples in file IN (one a line) into OUT: one call.
explain_file() { # IN OUT
	xlb "$NS_LB" -j explain udp "$V:53" from - <"$1" >"$2"
}

send_file() { # IN OUT : one datagram from each tuple of IN, who answered into OUT
	nsx "$NS_C" /usr/bin/python3 tests/e2e/explain_udp.py send "$V" 53 <"$1" >"$2"
}

# The VIP's counters and its flows (idle times left out): what explaining must not change.
vip_state() {
	xlb "$NS_LB" -j vip show udp "$V:53" &&
		xlb "$NS_LB" -j flow show udp "$V:53" limit 0 | sed -E 's/,"idle":[0-9.e+-]+//g'
}

# Backend ADDR of the VIP V is down and out of its scheduler table: the daemon writes the
# state, then swaps in the table rebuilt without it (until then new flows still get it).
down_and_out() { # ADDR
	xlb "$NS_LB" -j vip show udp "$V:53" | grep -o "{\"address\":\"$1\",[^}]*" |
		grep -q '"state":"down"' &&
		xlb "$NS_LB" -j vip show udp "$V:53" table |
		grep -o "{\"address\":\"$1\",[^}]*" | grep -q '"slots":0$'
}

# Sends the tuples of IN, checks that every one was answered, by at least MIN backends; the
# answers in OUT.
send_all() { # IN OUT MIN
	local failed nb
	send_file "$1" "$2" || return 1
	failed=$(grep -c FAILED "$2")
	check "$S: every datagram answered ($failed of $(wc -l <"$1") failed)" [ "$failed" -eq 0 ] ||
		return 1
	nb=$(awk '{ print $2 }' "$2" | sort -u | wc -l)
	log "$S: answers per backend: $(awk '{ print $2 }' "$2" | sort | uniq -c | tr -s '\n ' ' ')"
	check "$S: answered by $nb backends (at least $3)" [ "$nb" -ge "$3" ]
}

# After the traffic: the tuples of TUPLES explained again in one call, each its existing flow
# to the backend that answered (ANSWERS); the VIP's counters and flows the same before and
# after.
explain_after() { # TUPLES ANSWERS
	local before after r
	before=$(vip_state) || return 1
	explain_file "$1" "$E2E_TMP/after.json" ||
		{ check "$S: explain after the traffic" false; return 1; }
	after=$(vip_state) || return 1
	r=$(exu compare "$E2E_TMP/after.json" "$2" flow)
	echo "   $S: after the traffic, existing flows: $(tail -1 <<<"$r")"
	check "$S: explained flows are the answering backends: $r" \
		exu compare "$E2E_TMP/after.json" "$2" flow >/dev/null || return 1
	log "$S: vip state: $(head -c 300 <<<"$before")..."
	check "$S: $(wc -l <"$1") explains changed nothing (vip show, flow show)" \
		[ "$before" = "$after" ] || return 1
	check "$S: the state compared holds the flows" \
		[ "$(grep -o '"client":' <<<"$before" | wc -l)" -ge "$(wc -l <"$1")" ]
}

# mh, sh: each of the 400 predicted before the traffic.
explain_hash() { # SCHED
	local t=$E2E_TMP/tuples ans=$E2E_TMP/answers r
	sched_vip "$1" || return 1
	exu tuples 1 "$N" "$BASE" "${CLIENTS[@]}" >"$t" || return 1
	explain_file "$t" "$E2E_TMP/before.json" ||
		{ check "$S: explain before the traffic" false; return 1; }
	send_all "$t" "$ans" 3 || return 1
	r=$(exu compare "$E2E_TMP/before.json" "$ans" sched)
	echo "   $S: new flows predicted: $(tail -1 <<<"$r")"
	check "$S: predictions are the answering backends: $r" \
		exu compare "$E2E_TMP/before.json" "$ans" sched >/dev/null || return 1
	explain_after "$t" "$ans"
}

# rr, wrr, lc, wlc: the next new flow's backend, explained without taking it.
explain_next() { # SCHED
	local all=$E2E_TMP/all t=$E2E_TMP/tuples ans=$E2E_TMP/answers one=$E2E_TMP/one r b
	sched_vip "$1" || return 1
	# 820 distinct tuples: 400 explained only, 20 explained one at a time and sent,
	# 400 sent and then explained
	exu tuples 5 $((2 * N + 20)) "$BASE" "${CLIENTS[@]}" >"$all" || return 1
	head -n "$N" "$all" >"$t"
	explain_file "$t" "$E2E_TMP/new.json" || { check "$S: explain new tuples" false; return 1; }
	r=$(exu same "$E2E_TMP/new.json")
	echo "   $S: $N explains of new tuples: all $r"
	check "$S: $N explains of new tuples name one backend and slot: $r" \
		exu same "$E2E_TMP/new.json" >/dev/null || return 1
	head -1 "$t" >"$one.t"
	send_file "$one.t" "$one.a" || return 1
	b=$(awk '{ print $2 }' "$one.a")
	check "$S: after $N explains the next new flow goes to ${r% *} (got $b)" \
		[ "$b:53" = "${r% *}" ] || return 1
	sed -n "$((N + 1)),$((N + 20))p" "$all" >"$one.list"
	nsx "$NS_C" /usr/bin/python3 tests/e2e/explain_udp.py interleave "$V" 53 "$one.json" \
		"$one.a" ip netns exec "$NS_LB" "$XDPLB" --bpffs "$E2E_PIN" -j explain udp "$V:53" \
		<"$one.list" || { check "$S: explain, send, explain, send..." false; return 1; }
	r=$(exu compare "$one.json" "$one.a" sched)
	echo "   $S: 20 new tuples, each explained then sent: $(tail -1 <<<"$r")"
	check "$S: each of 20 new tuples, explained then sent, went where explained: $r" \
		exu compare "$one.json" "$one.a" sched >/dev/null || return 1
	tail -n "$N" "$all" >"$t"
	send_all "$t" "$ans" 3 || return 1
	explain_after "$t" "$ans"
}

test_explain_hash() {
	explain_topo || return 1
	explain_hash sh || return 1
	explain_hash mh || return 1
	explain_down
}

test_explain_next() {
	explain_topo || return 1
	explain_next rr || return 1
	explain_next wrr || return 1
	explain_next lc || return 1
	explain_next wlc
}

# After explain_hash mh (its tuples and answers in $E2E_TMP/tuples, answers), a backend down
# (its check fails: the daemon writes the state): its flows are explained "not followed:
# backend down" and rescheduled, and their next datagrams go where explained.
explain_down() {
	local t=$E2E_TMP/tuples ans=$E2E_TMP/answers r n11 moved c text
	S=down
	n11=$(grep -c ' 10\.0\.2\.11$' "$ans")
	check "down: 10.0.2.11 had flows ($n11)" [ "$n11" -gt 0 ] || return 1
	xlb "$NS_LB" check set udp "$V:53" real 10.0.2.11 exec 'exit 3' interval 0.3 \
		timeout 0.2 rise 1 fall 1 || return 1
	daemon_start || return 1
	wait_for 8 down_and_out 10.0.2.11 ||
		{ check "down: 10.0.2.11 marked down by its check, out of the table" false; return 1; }
	explain_file "$t" "$E2E_TMP/down.json" || return 1
	# the text output of one of its tuples says so
	c=$(grep ' 10\.0\.2\.11$' "$ans" | head -1 | cut -d' ' -f1)
	text=$(xlb "$NS_LB" explain udp "$V:53" from "$c")
	log "$text"
	r="^  flow     to 10\.0\.2\.11:53 \(id [0-9]+\), udp, idle [0-9]+ s: not followed: "
	check "down: $c: its flow to 10.0.2.11 not followed, backend down" \
		grep -qE "${r}backend down$" <<<"$text" || return 1
	check "down: $c: rescheduled by mh" \
		grep -qE "^  decision scheduler mh, table slot [0-9]+ of [0-9]+ \(new flow\)$" \
		<<<"$text" || return 1
	check "down: $c: to a backend up, not 10.0.2.11" \
		grep -qE "^  backend  10\.0\.2\.1[234]:53 \(id [0-9]+\): up, weight [0-9]+$" \
		<<<"$text" || return 1
	check "down: $c: forwarded" grep -qx "  verdict  forward" <<<"$text" || return 1
	send_all "$t" "$E2E_TMP/answers2" 3 || return 1
	r=$(exu compare "$E2E_TMP/down.json" "$E2E_TMP/answers2" sched down)
	echo "   down: $(tail -1 <<<"$r")"
	check "down: flows of the down backend explained rescheduled, the others kept: $r" \
		exu compare "$E2E_TMP/down.json" "$E2E_TMP/answers2" sched down >/dev/null ||
		return 1
	moved=$(grep -o '[0-9]* down$' <<<"$r" | cut -d' ' -f1)
	check "down: as many explained moved ($moved) as 10.0.2.11 had ($n11)" \
		[ "${moved:-0}" -eq "$n11" ] || return 1
	check "down: 10.0.2.11 answers none of them now" \
		bash -c "! grep -q ' 10\.0\.2\.11$' '$E2E_TMP/answers2'"
}
