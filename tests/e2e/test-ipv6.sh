# End-to-end: IPv6 clients, VIPs and backends (topo + topo_v6 in lib.sh): TUN backends that
# decapsulate IPv6 tunnels with xdplb decap, NAT66, DR; an IPv4 VIP with IPv6 backends; the
# balancer answering pings to VIPs.
# shellcheck shell=bash
ALL_TESTS="test_decap_v6_outer test_ipv6_tun test_ipv6_nat test_ipv6_dr
	test_ipv4_vip_ipv6_backends test_echo"

# A dual-stack topology with MODE and N backends, everything attached; IPv6 TUN packets
# leave from lb's backend-side address.
topo6() { # MODE N
	topo "$1" "$2" && topo_v6 && attach_all "$2" || return 1
	if [ "$1" = tun ]; then
		xlb "$NS_LB" config set tunsrc fd00:2::1 || return 1
	fi
	[ "$1" = nat ] && sw_tx_csum_off
	return 0
}

# Counts of "I am 10.0.2.1i" in OUT for i = 1..N, space-separated.
answers() { # N OUT
	local i out=$2
	for i in $(seq 1 "$1"); do
		printf '%s ' "$(grep -c "^I am 10\.0\.2\.1$i\$" <<<"$out")"
	done
}

# COUNT requests to URL are all answered; every one of the N backends answered some, and
# the balancer's per-backend flow counters (REAL_ADDR PREFIX + i) match who answered.
spread_check() { # WHAT COUNT URL PROTO SERVICE REAL_PREFIX N
	local what=$1 count=$2 url=$3 svc=$5 pfx=$6 n=$7 out a i flows total=0
	out=$(curl_vip "$count" "$url")
	log "$out"
	read -ra a <<<"$(answers "$n" "$out")"
	for i in $(seq 1 "$n"); do
		total=$((total + a[i - 1]))
	done
	check "$what: $count of $count answered by a backend (got $total; ${a[*]})" \
		[ "$total" -eq "$count" ] || return 1
	for i in $(seq 1 "$n"); do
		check "$what: backend $i answered some (${a[*]})" [ "${a[i - 1]}" -gt 0 ] || return 1
		flows=$(real_stat "$4" "$svc" "$pfx$i" flows)
		check "$what: backend $pfx$i: flows counted = requests it answered (${flows:-none}\
 vs ${a[i - 1]})" [ "${flows:-x}" = "${a[i - 1]}" ] || return 1
	done
}

# The decap program on real interfaces, without the balancer: lb sends, through a raw socket,
# IPv6-in-IPv6 and IPv4-in-IPv6 packets carrying a UDP datagram client -> VIP:53 to backend
# 1; decap strips the outer header, the UDP service bound to the VIP answers the client
# directly, and the client receives the answer from the VIP.  A tunnel packet to an address
# the backend did not list is left to the stack (which has no tunnel driver: nothing comes).
test_decap_v6_outer() {
	topo tun 1 && topo_v6 || return 1
	xlb "${NS_B[1]}" decap attach dev eth0 >/dev/null || return 1
	check "decap show lists the backend's IPv6 address" \
		grep -qx "address fd00:2::11" <<<"$(xlb "${NS_B[1]}" decap show)" || return 1
	udp_echo_start "${NS_B[1]}" "$VIP6" "b1-v6" && udp_echo_start "${NS_B[1]}" "$VIP" "b1-v4" ||
		return 1
	local got done0 done1
	done0=$(xlb "${NS_B[1]}" -j decap show | grep -o '"done":{"packets":[0-9]*' |
		grep -o '[0-9]*$')
	tunnel_exchange() { # OUTER_DST CLIENT VIP SPORT : prints what the client received
		local f="$E2E_TMP/recv.$4" i
		# the receiver's 3 s start when the question is out ($f.sent): on a loaded machine
		# the sender's start alone took seconds (CI lost answers that arrived after a
		# receiver's fixed timeout had run out)
		nsx "$NS_C" python3 tests/e2e/udp_echo.py recv "$2" "$4" 3 "$f.sent" >"$f" \
			2>"$f.err" &
		for i in $(seq 1 100); do
			grep -q ready "$f.err" 2>/dev/null && break
			sleep 0.1
		done
		grep -q ready "$f.err" 2>/dev/null || echo "receiver not ready after 10 s"
		nsx "$NS_LB" python3 tests/e2e/udp_echo.py tunnel "$1" "$2" "$3" 53 "$4" hello
		touch "$f.sent"
		wait $!
		cat "$f"
	}
	got=$(tunnel_exchange fd00:2::11 fd00:10::2 "$VIP6" 40001)
	check "ip6ip6: the client got the answer from [$VIP6]:53 (got '$got')" \
		[ "$got" = "$VIP6 53 I am b1-v6" ] || return 1
	got=$(tunnel_exchange fd00:2::11 192.168.10.2 "$VIP" 40002)
	check "ipv4 in ipv6: the client got the answer from $VIP:53 (got '$got')" \
		[ "$got" = "$VIP 53 I am b1-v4" ] || return 1
	done1=$(xlb "${NS_B[1]}" -j decap show | grep -o '"done":{"packets":[0-9]*' |
		grep -o '[0-9]*$')
	check "decap counted 2 packets done (got $((done1 - done0)))" [ $((done1 - done0)) -eq 2 ] ||
		return 1
	# not in the set any more: untouched, so nothing reaches the service
	xlb "${NS_B[1]}" decap del fd00:2::11 || return 1
	got=$(tunnel_exchange fd00:2::11 fd00:10::2 "$VIP6" 40003)
	check "after decap del: no answer (got '$got')" [ "$got" = FAILED ] || return 1
	xlb "${NS_B[1]}" decap add fd00:2::11 || return 1
	got=$(tunnel_exchange fd00:2::11 fd00:10::2 "$VIP6" 40004)
	check "after decap add: answered again (got '$got')" [ "$got" = "$VIP6 53 I am b1-v6" ]
}

# IPv6 client -> IPv6 VIP -> 3 nginx backends over IPv6-in-IPv6; an IPv4 backend for an
# IPv6 VIP in TUN mode is refused.
test_ipv6_tun() {
	topo6 tun 3 || return 1
	vip_with_reals tcp "[$VIP6]:80" "sched mh" fd00:2::11 fd00:2::12 fd00:2::13 || return 1
	spread_check "tun v6" 30 "http://[$VIP6]/" tcp "[$VIP6]:80" fd00:2::1 3 || return 1
	local d
	d=$(xlb "${NS_B[1]}" -j decap show | grep -o '"done":{"packets":[0-9]*' | grep -o '[0-9]*$')
	check "backends decapsulated the packets (done: ${d:-none})" [ "${d:-0}" -gt 30 ] ||
		return 1
	check "an IPv4 backend for an IPv6 TUN VIP is refused" \
		bash -c "! ip netns exec $NS_LB $XDPLB --bpffs $E2E_PIN real add tcp \
			'[$VIP6]:80' 10.0.2.11 2>/dev/null" || return 1
	check "v6 IPv4 backend: not listed" \
		bash -c "! ip netns exec $NS_LB $XDPLB --bpffs $E2E_PIN -j vip show tcp \
			'[$VIP6]:80' | grep -q '\"10.0.2.11\"'"
}

# NAT66 with a port mapping: VIP port 8080 -> backends' port 80; replies rewritten back
# (the client's socket only accepts answers from [VIP6]:8080).
test_ipv6_nat() {
	topo6 nat 2 || return 1
	vip_with_reals tcp "[$VIP6]:8080" "sched rr" "[fd00:2::11]:80" "[fd00:2::12]:80" ||
		return 1
	spread_check "nat66" 20 "http://[$VIP6]:8080/" tcp "[$VIP6]:8080" fd00:2::1 2 || return 1
	# the backend sees the client's own address (NAT66 rewrites the destination only): a
	# connection held open for a moment
	nsx "$NS_C" python3 -c "import socket, time
s = socket.create_connection(('$VIP6', 8080), timeout=3)
time.sleep(3)" &
	local pid=$! peers i j
	for i in $(seq 1 20); do
		peers=$(for j in 1 2; do nsx "${NS_B[j]}" ss -Htn state established \
			'( sport = :80 )'; done | awk '{print $4}')
		[ -n "$peers" ] && break
		sleep 0.1
	done
	wait $pid
	check "a backend's peer is the client (got '$peers')" grep -q '^\[fd00:10::2\]:' <<<"$peers"
}

test_ipv6_dr() {
	topo6 dr 2 || return 1
	vip_with_reals tcp "[$VIP6]:80" "sched rr" fd00:2::11 fd00:2::12 || return 1
	spread_check "dr v6" 20 "http://[$VIP6]/" tcp "[$VIP6]:80" fd00:2::1 2
}

# An IPv4 VIP whose backends are reached over IPv6 (IPv4-in-IPv6).
test_ipv4_vip_ipv6_backends() {
	topo6 tun 2 || return 1
	vip_with_reals tcp "$VIP:80" "sched rr" fd00:2::11 fd00:2::12 || return 1
	spread_check "ipv4 vip, ipv6 backends" 20 "http://$VIP/" tcp "$VIP:80" fd00:2::1 2
}

# config echo on: ping and ping -6 of VIP addresses are answered by the balancer itself
# (lb's kernel has no route to the VIPs: only xdplb can answer), counted tx_echo; echo off:
# nothing answers.
test_echo() {
	topo6 tun 1 || return 1
	vip_with_reals tcp "$VIP:80" "" 10.0.2.11 && vip_with_reals udp "[$VIP6]:53" "" \
		fd00:2::11 || return 1
	local e0 e1 out
	xlb "$NS_LB" config set echo on || return 1
	e0=$(reason_packets tx_echo)
	out=$(nsx "$NS_C" ping -c 3 -i 0.2 -W 2 "$VIP" 2>&1)
	log "$out"
	check "ping $VIP: 3 of 3 answered" grep -q '3 received' <<<"$out" || return 1
	out=$(nsx "$NS_C" ping -6 -c 3 -i 0.2 -W 2 -s 1000 "$VIP6" 2>&1)
	log "$out"
	check "ping -6 $VIP6 (1000 bytes): 3 of 3 answered" grep -q '3 received' <<<"$out" ||
		return 1
	# hop limit 64: from the balancer itself, not routed by it (63)
	check "answers came from the VIP, hop limit 64" \
		grep -q "bytes from $VIP6: icmp_seq=3 ttl=64 " <<<"$out" || return 1
	e1=$(reason_packets tx_echo)
	check "tx_echo counted 6 answers (got $((e1 - e0)))" [ $((e1 - e0)) -eq 6 ] || return 1
	xlb "$NS_LB" config set echo off || return 1
	out=$(nsx "$NS_C" ping -c 2 -i 0.2 -W 1 "$VIP" 2>&1)
	check "echo off: ping $VIP unanswered" grep -q ' 0 received' <<<"$out" || return 1
	out=$(nsx "$NS_C" ping -6 -c 2 -i 0.2 -W 1 "$VIP6" 2>&1)
	check "echo off: ping -6 $VIP6 unanswered" grep -q ' 0 received' <<<"$out" || return 1
	check "echo off: tx_echo unchanged" [ "$(reason_packets tx_echo)" -eq "$e1" ]
}
