# End-to-end: route health injection on one balancer, without BGP: `xdplb daemon` keeps a
# host route per VIP address that has quorum in the announce table (config set announce),
# withdraws it on quorum loss (health checks), drain and a clean stop, keeps it across a
# restart (and a crash), follows the table when it changes.  What BIRD does with the table is
# test-cluster.sh's.
# shellcheck shell=bash
ALL_TESTS="test_announce_quorum test_announce_node"

AN_TABLE=100

# The route of the VIP in table N (default AN_TABLE), as ip prints it; empty without.
an_route() { # [TABLE]
	nsx "$NS_LB" ip route show table "${1:-$AN_TABLE}" "$VIP/32" 2>/dev/null
}

# Waits up to 5 s for the VIP's route to be there (yes) or gone (no).
an_wait() { # yes|no [TABLE]
	local i
	for i in $(seq 50); do
		if [ "$1" = yes ]; then [ -n "$(an_route "${2:-}")" ] && return 0
		else [ -z "$(an_route "${2:-}")" ] && return 0; fi
		sleep 0.1
	done
	echo "   FAIL: route of $VIP in table ${2:-$AN_TABLE}: expected $1, got '$(an_route \
		"${2:-}")'" >&2
	return 1
}

an_daemon() {
	nsx "$NS_LB" "$XDPLB" --bpffs "$E2E_PIN" daemon pidfile "$E2E_TMP/daemon.pid" \
		>>"$E2E_TMP/daemon.log" 2>&1 &
	local i
	for i in $(seq 50); do
		[ -s "$E2E_TMP/daemon.pid" ] && return 0
		sleep 0.1
	done
	return 1
}

# Backend J refuses its port 80 (down for the health check), or takes it again.
an_block() { # J
	nsx "${NS_B[$1]}" nft add table inet down &&
		nsx "${NS_B[$1]}" nft add chain inet down in '{ type filter hook input priority 0; }' &&
		nsx "${NS_B[$1]}" nft add rule inet down in tcp dport 80 reject with tcp reset
}

an_unblock() { # J
	nsx "${NS_B[$1]}" nft delete table inet down
}

# node show -j's view of the VIP: "up announce route".
an_show() {
	xlb "$NS_LB" -j node show | python3 -c 'import json, sys
v = json.load(sys.stdin)["vips"][0]
print(v["up"], str(v["announce"]).lower(), str(v["route"]).lower())'
}

an_setup() { # QUORUM HYSTERESIS
	topo tun 2 && attach_all 2 || return 1
	xlb "$NS_LB" config set announce table "$AN_TABLE" &&
		xlb "$NS_LB" vip add tcp "$VIP:80" quorum "$1" hysteresis "$2" &&
		xlb "$NS_LB" real add tcp "$VIP:80" 10.0.2.11 &&
		xlb "$NS_LB" real add tcp "$VIP:80" 10.0.2.12 &&
		xlb "$NS_LB" check set tcp "$VIP:80" tcp interval 0.3 timeout 0.2 rise 1 fall 1
}

# Quorum 2: announced with both backends up, withdrawn when one goes down, back when it
# returns; with hysteresis 1, kept down to one up, and announced again only from three up.
test_announce_quorum() {
	an_setup 2 0 || return 1
	an_daemon && an_wait yes || return 1
	check "the route: dev lo, proto 200" grep -q "^$VIP dev lo proto 200 scope link" \
		<<<"$(an_route)" || return 1
	check "node show: 2 up, announced, in the table" [ "$(an_show)" = "2 true true" ] ||
		return 1
	an_block 2 && an_wait no || return 1
	check "the daemon says why" grep -q \
		"withdraw $VIP: quorum lost (tcp $VIP:80: 1 up, quorum 2)" "$E2E_TMP/daemon.log" ||
		return 1
	check "node show: 1 up, not announced" [ "$(an_show)" = "1 false false" ] || return 1
	an_unblock 2 && an_wait yes || return 1
	check "served meanwhile" [ "$(curl_vip 2 | sort -u | wc -l)" -ge 1 ] || return 1

	# hysteresis 1: announced (2 up) it stays down to 1 up; withdrawn at 0; not again with 2
	xlb "$NS_LB" vip set tcp "$VIP:80" quorum 2 hysteresis 1 || return 1
	an_block 2 && sleep 1.5 && an_wait yes || return 1
	check "hysteresis: kept with 1 up" [ "$(an_show)" = "1 true true" ] || return 1
	an_block 1 && an_wait no || return 1
	an_unblock 1 && an_unblock 2 || return 1
	sleep 1.5
	check "hysteresis: not announced again below quorum + 1 (3 up)" \
		[ "$(an_show)" = "2 false false" ] || return 1
	xlb "$NS_LB" vip set tcp "$VIP:80" quorum 1 hysteresis 1 && an_wait yes
}

# Drain and resume; a clean stop withdraws, a restart announces; after kill -9 the route
# stays and the next daemon takes it over without withdrawing it; the table and announcing
# off follow config set.
test_announce_node() {
	an_setup 1 0 || return 1
	an_daemon && an_wait yes || return 1
	xlb "$NS_LB" node drain && an_wait no || return 1
	check "node show: drained" grep -q '"drained":true' <<<"$(xlb "$NS_LB" -j node show)" ||
		return 1
	check "drained: still forwarding" [ "$(curl_vip 3 | grep -c 'I am')" -eq 3 ] || return 1
	local saved
	saved=$(xlb "$NS_LB" save) || return 1
	check "save does not print the node state" [ -z "$(grep -i drain <<<"$saved")" ] ||
		return 1
	xlb "$NS_LB" node resume && an_wait yes || return 1

	local pid
	pid=$(cat "$E2E_TMP/daemon.pid") || return 1
	kill -TERM "$pid" && an_wait no || return 1
	check "a clean stop: the route withdrawn, logged" grep -q \
		"withdraw $VIP: the daemon stops" "$E2E_TMP/daemon.log" || return 1
	for _ in $(seq 30); do [ -e "$E2E_TMP/daemon.pid" ] || break; sleep 0.1; done
	check "pid file removed" [ ! -e "$E2E_TMP/daemon.pid" ] || return 1

	an_daemon && an_wait yes || return 1
	pid=$(cat "$E2E_TMP/daemon.pid") || return 1
	kill -9 "$pid" || return 1
	sleep 1.5
	check "after kill -9 the route stays" [ -n "$(an_route)" ] || return 1
	: >"$E2E_TMP/daemon.log"
	rm -f "$E2E_TMP/daemon.pid"
	an_daemon && sleep 2 || return 1
	check "the next daemon takes it over" grep -q \
		"announce: 1 route found in table $AN_TABLE (proto 200), kept while wanted" \
		"$E2E_TMP/daemon.log" || return 1
	check "and neither withdraws nor adds it" \
		bash -c "! grep -q 'withdraw\|announce $VIP' $E2E_TMP/daemon.log" || return 1
	check "the route is there" [ -n "$(an_route)" ] || return 1

	xlb "$NS_LB" config set announce table 101 || return 1
	an_wait yes 101 && an_wait no || return 1
	xlb "$NS_LB" config set announce off && an_wait no 101
}
