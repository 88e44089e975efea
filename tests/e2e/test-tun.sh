# End-to-end: TUN mode with real clients (curl) and real servers (nginx behind xdplb decap).
# shellcheck shell=bash
ALL_TESTS="test_tun_spread test_detach_reattach test_non_vip_unaffected"

# Every request is answered, by the backends, and all of them take a share.
test_tun_spread() {
	topo_tun 3 && setup_tun_vip 3 || return 1
	local out n
	out=$(curl_vip 30)
	log "$out"
	n=$(grep -c '^I am 10\.0\.2\.1[123]$' <<<"$out")
	check "30 of 30 requests answered by a backend (got $n)" [ "$n" -eq 30 ] || return 1
	for i in 1 2 3; do
		check "backend 10.0.2.1$i answered some" grep -q "I am 10.0.2.1$i" <<<"$out" ||
			return 1
	done
	# the data plane counted them: 30 connections = 30 new flows on the VIP
	local flows
	flows=$(xlb "$NS_LB" -j vip show tcp "$VIP:80" | grep -o '"flows":[0-9]*' | head -1 |
		cut -d: -f2)
	check "vip counted 30 new flows (got $flows)" [ "$flows" -eq 30 ] || return 1
	local red
	red=$(xlb "$NS_LB" -j stats show | grep -o '"redirect":{"packets":[0-9]*' | grep -o '[0-9]*$')
	check "packets were redirected by XDP (got $red)" [ "$red" -gt 0 ]
}

# Detach stops forwarding (nothing left attached), re-attach adopts the pinned VIP.
test_detach_reattach() {
	topo_tun 2 && setup_tun_vip 2 || return 1
	check "served before detach" [ "$(curl_vip 3 | grep -c '^I am')" -eq 3 ] || return 1
	xlb "$NS_LB" dev detach dev eth0 >/dev/null || return 1
	check "dev show empty after detach" [ -z "$(xlb "$NS_LB" dev show)" ] || return 1
	check "no XDP program on lb:eth0" \
		bash -c "! ip netns exec $NS_LB ip link show eth0 | grep -q xdp" || return 1
	check "VIP unreachable after detach" [ "$(curl_vip 2 | grep -c '^I am')" -eq 0 ] ||
		return 1
	xlb "$NS_LB" dev attach dev eth0 >/dev/null || return 1
	check "dev show lists eth0" bash -c "[[ \"\$(ip netns exec $NS_LB $XDPLB --bpffs \
		$E2E_PIN dev show)\" == eth0* ]]" || return 1
	check "VIP served again with the pinned config" \
		[ "$(curl_vip 5 | grep -c '^I am 10.0.2.1')" -eq 5 ]
}

# The balancer's own address and ICMP pass through the XDP program untouched.
test_non_vip_unaffected() {
	topo_tun 1 && setup_tun_vip 1 || return 1
	nginx_start "$NS_LB" "the balancer" || return 1
	check "ping the balancer" nsx "$NS_C" ping -c 2 -W 2 -q 192.168.10.1 >/dev/null ||
		return 1
	check "TCP to the balancer's own address" \
		[ "$(nsx "$NS_C" curl -s --max-time 3 http://192.168.10.1/)" = "I am the balancer" ]
}
