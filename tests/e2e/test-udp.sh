# End-to-end: UDP VIPs in every forwarding mode, with a real UDP service on the backends
# (tests/e2e/udp_echo.py) and a client that sends each datagram from a new source port.
# shellcheck shell=bash
ALL_TESTS="test_udp_tun test_udp_dr test_udp_nat"

# 30 datagrams, each a new flow, weights 1:2 -> 30 answers, identities 10 and 20 (+-1);
# the answers come from VIP:53 (the client's socket is connected to it).
udp_wrr_30() { # MODE
	topo "$1" 2 && setup_udp_vip wrr 2 1 2 || return 1
	local out n1 n2 flows i1 i2 drops
	out=$(udp_vip 30)
	log "$out"
	n1=$(grep -c '^I am 10\.0\.2\.11$' <<<"$out")
	n2=$(grep -c '^I am 10\.0\.2\.12$' <<<"$out")
	check "$1: 30 of 30 datagrams answered (got $((n1 + n2)))" [ $((n1 + n2)) -eq 30 ] ||
		return 1
	check "$1 wrr 1:2 over 30 datagrams: 10/20 +-1 (got $n1/$n2)" \
		test "$n1" -ge 9 -a "$n1" -le 11 -a "$n2" -ge 19 -a "$n2" -le 21 || return 1
	# 30 source ports = 30 new flows, UDP ones are inactive
	flows=$(xlb "$NS_LB" -j vip show udp "$VIP:53" | grep -o '"flows":[0-9]*' | head -1 |
		cut -d: -f2)
	check "$1: vip counted 30 new flows (got $flows)" [ "$flows" -eq 30 ] || return 1
	i1=$(real_stat udp "$VIP:53" 10.0.2.11 inactive_conns)
	i2=$(real_stat udp "$VIP:53" 10.0.2.12 inactive_conns)
	check "$1: backends' InActConn are their answers (got $i1/$i2)" \
		test "$i1" -eq "$n1" -a "$i2" -eq "$n2" || return 1
	# the answers pass the balancer only in NAT mode: OutPkts counts them there, each a frame
	# of 14 + 20 + 8 + 14 ("I am 10.0.2.1N") bytes as it arrived
	local js want_p=0 want_b=0 op ob o1 o2
	[ "$1" = nat ] && want_p=30 && want_b=$((30 * 56))
	js=$(xlb "$NS_LB" -j vip show udp "$VIP:53" stats)
	log "$js"
	op=$(grep -o '"out_packets":[0-9]*' <<<"$js" | head -1 | cut -d: -f2)
	ob=$(grep -o '"out_bytes":[0-9]*' <<<"$js" | head -1 | cut -d: -f2)
	check "$1: VIP OutPkts $want_p, OutBytes $want_b (got $op, $ob)" \
		test "$op" -eq "$want_p" -a "$ob" -eq "$want_b" || return 1
	o1=$(grep -o '"out_packets":[0-9]*' <<<"$js" | sed -n 2p | cut -d: -f2)
	o2=$(grep -o '"out_packets":[0-9]*' <<<"$js" | sed -n 3p | cut -d: -f2)
	[ "$1" = nat ] || n1=0 n2=0
	check "$1: backends' OutPkts are their answers through the balancer (got $o1/$o2)" \
		test "$o1" -eq "$n1" -a "$o2" -eq "$n2" || return 1
	drops=$(xlb "$NS_LB" -j stats show | grep -o '"drop_[a-z_]*":{"packets":[1-9][0-9]*')
	check "$1: the balancer dropped nothing (${drops//$'\n'/ })" [ -z "$drops" ]
}

test_udp_tun() { udp_wrr_30 tun; }
test_udp_dr() { udp_wrr_30 dr; }
test_udp_nat() { udp_wrr_30 nat; }
