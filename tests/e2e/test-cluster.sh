# End-to-end: three xdplb balancers behind a router's ECMP, the VIPs announced by BIRD (BGP +
# BFD) from the kernel table where each balancer's xdplb daemon puts them (see
# tests/e2e/cluster.sh).  conn_client.py holds 200 keep-alive connections and opens new ones
# while a node fails, drains, comes back, or all withdraw; the tests count what failed and
# check that every connection kept its backend (the balancers agree through Maglev).
# shellcheck shell=bash
. tests/e2e/cluster.sh
ALL_TESTS="test_cluster_ecmp test_cluster_node_loss test_cluster_drain test_cluster_add_back
	test_cluster_all_down"

# A number of the client's summary against a bound, named for the failure message.
expect() { # DESCRIPTION PATH OP VALUE : e.g. expect "no failed request" long.requests_failed -eq 0
	local v
	v=$(cj "$2") || return 1
	check "$1 ($2 = $v)" awk -v v="$v" -v w="$4" -v op="$3" 'BEGIN {
		if (v == "None") exit 1
		if (op == "-eq") exit !(v + 0 == w + 0)
		if (op == "-ge") exit !(v + 0 >= w + 0)
		if (op == "-le") exit !(v + 0 <= w + 0)
		if (op == "-gt") exit !(v + 0 > w + 0)
		exit 1 }'
}

# Balancer I's VIPs' digests (vip show -j), and each backend's share of its VIP's table
# (vip show table -j), sorted: what balancers that agree print alike.
lb_digests() { # I
	lbx "$1" -j vip show | python3 -c 'import json, sys
print(" ".join(sorted(v["address"] + "=" + v["digest"] for v in json.load(sys.stdin))))'
}

lb_slots() { # I
	lbx "$1" -j vip show table | python3 -c 'import json, sys
print(" ".join(sorted(v["address"] + ">" + r["address"] + "=" + str(r["slots"])
	for v in json.load(sys.stdin) for r in v["reals"])))'
}

# Every long-lived connection had its first answer and kept its backend to the end.
expect_long_intact() {
	expect "every long-lived connection established" long.established -eq 200 &&
		expect "no connection changed backend" long.changed_backend -eq 0
}

# The router learns the VIPs from all three balancers and installs ECMP routes with three
# next hops; each balancer learned the VIP routes from its kernel table only, wrote none into
# the kernel, and new connections spread over all three and reach the backends.
test_cluster_ecmp() {
	cluster_up 3 3 || return 1
	# built in three orders (forwards, backwards, from a save): one digest per VIP and the
	# same share of each scheduler table for each backend on every balancer
	local d1 t1 i
	d1=$(lb_digests 1) && t1=$(lb_slots 1) || return 1
	for i in 2 3; do
		check "balancer $i: the digests of balancer 1 ($d1)" [ "$(lb_digests "$i")" = "$d1" ] ||
			return 1
		check "balancer $i: each backend's table slots as on balancer 1 ($t1)" \
			[ "$(lb_slots "$i")" = "$t1" ] || return 1
	done
	check "IPv4 ECMP route via the three balancers" [ "$(router_nexthops "$VIP" | tr '\n' ' ')" \
		= "10.0.1.11 10.0.1.12 10.0.1.13 " ] || return 1
	check "IPv6 ECMP route via the three balancers" [ "$(router_nexthops "$VIP6" | tr '\n' ' ')" \
		= "fd00:1::11 fd00:1::12 fd00:1::13 " ] || return 1
	check "the router's kernel route is BIRD's" \
		grep -q "^$VIP proto bird" <<<"$(nsx "$NS_R" ip route show "$VIP")" || return 1
	local out i
	out=$(cl_birdc router show route for "$VIP" all)
	log "$out"
	for i in 1 2 3; do
		check "birdc: the route from balancer $i, next hop 10.0.1.1$i" \
			grep -q "BGP.next_hop: 10.0.1.1$i\$" <<<"$out" || return 1
	done
	check "birdc: three BGP routes, one of them best" \
		[ "$(grep -c 'unicast \[lb4_' <<<"$out")" -eq 3 ] || return 1
	out=$(cl_birdc router show route for "$VIP6")
	check "birdc: three IPv6 BGP routes" [ "$(grep -c 'unicast \[lb6_' <<<"$out")" -eq 3 ] ||
		return 1
	for i in 1 2 3; do
		out=$(cl_birdc "lb$i" show route table vips4 all)
		check "balancer $i learned $VIP/32 from kernel table $CL_TABLE (proto $CL_PROTO)" \
			grep -q "Kernel.source: $CL_PROTO" <<<"$out" || return 1
		check "balancer $i: BIRD's main tables stay empty" \
			[ -z "$(cl_birdc "lb$i" show route table master4 | grep -v '^BIRD\|^Table\|^$')" ] ||
			return 1
		check "balancer $i: BIRD wrote no route into the kernel" \
			[ -z "$(nsx "${NS_LB[i]}" ip route show table all proto bird)" ] || return 1
	done
	# what BIRD leaves alone: routes of another protocol and prefixes that are not host
	# routes in the daemon's table (balancer side), host routes outside the VIPs (router)
	nsx "${NS_LB[1]}" ip route add 10.0.0.11/32 dev lo table "$CL_TABLE" proto static &&
		nsx "${NS_LB[1]}" ip route add 10.0.0.0/24 dev lo table "$CL_TABLE" \
			proto "$CL_PROTO" &&
		nsx "${NS_LB[1]}" ip route add 10.0.0.12/32 dev lo table "$CL_TABLE" \
			proto "$CL_PROTO" || return 1
	sleep 0.5
	out=$(cl_birdc lb1 show route table vips4)
	log "$out"
	check "balancer 1 learned $VIP and 10.0.0.12 (proto $CL_PROTO, /32) only" [ "$(grep -o \
		'^[0-9./]*' <<<"$out" | sort | tr '\n' ' ')" = "$VIP/32 10.0.0.12/32 " ] || return 1
	check "balancer 1 announced both" grep -q 'Routes: *0 imported, 2 exported' \
		<<<"$(cl_birdc lb1 show protocols all uplink4)" || return 1
	out=$(nsx "$NS_R" ip route show root 10.0.0.0/24 | grep -v '^\s')
	check "the router took the VIP only, not 10.0.0.12 (routes: $out)" \
		[ "$out" = "$VIP proto bird metric 32 " ] || return 1
	# 60 new connections, each on its own path: all three balancers carry some
	client_start --conns 0 --rate 60 --duration 1 || return 1
	client_wait 10 || return 1
	expect "60 new connections answered" new.ok -ge 60 || return 1
	expect "no new connection failed" new.failed -eq 0 || return 1
	for i in 1 2 3; do
		check "backend 10.0.2.1$i answered some" \
			[ "$(cq "d['new']['backends'].get('10.0.2.1$i', 0)")" -gt 0 ] || return 1
		local n
		n=$(lb_vip_stat "$i" flows)
		check "balancer $i scheduled some of them (flows: $n)" [ "${n:-0}" -gt 0 ] || return 1
	done
	for i in 1 2 3; do
		out=$(nsx "$NS_C" curl -s --max-time 2 "http://[$VIP6]/")
		check "IPv6: a backend answered (got '$out')" \
			grep -qx 'I am 10\.0\.2\.1[123]' <<<"$out" || return 1
	done
}

# One balancer is cut off the router abruptly (its switch port goes down; the router learns
# it from BFD alone) while 200 keep-alive connections send ten requests a second and 100 new
# connections a second come in.  The connections it carried go on through the two others,
# which send them to the backends they had (Maglev): at least 99% of the connections survive
# and none changes backend; new connections succeed again within 1 s.
test_cluster_node_loss() {
	cluster_up 3 3 || return 1
	client_start --duration 5 --rate 100 --new-timeout 0.8 || return 1
	sleep 1.5
	local t0 t1 n late
	lb_flows_save 2 before || return 1
	client_mark
	t0=$EPOCHREALTIME
	cluster_cut 2 || return 1
	cluster_wait_paths 2 3 || return 1
	t1=$EPOCHREALTIME
	client_wait 20 || return 1
	read -r n _ late <<<"$(long_flows before "$(cq 'd["marks_s"][0] + 1')")"
	echo "   node loss: router down to 2 paths after $(awk -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.3f", b - a }') s; survival $(cj long.survival_pct)%," \
		"connections that had gone through the lost node $n (answered after it: $late)," \
		"failed requests $(cj long.requests_failed), longest request $(cj long.max_latency_s) s;" \
		"new connections failed $(cj new.failed) of $(cj new.attempted)," \
		"convergence $(cj convergence_s) s"
	check "the lost balancer carried long-lived connections" [ "$n" -gt 0 ] || return 1
	check "all $n connections of the lost balancer were answered after it was lost" \
		[ "$late" -eq "$n" ] || return 1
	expect_long_intact || return 1
	expect ">= 99% of the connections survived" long.survival_pct -ge 99 || return 1
	expect "new connections succeed again within 1 s" convergence_s -le 1
}

# Draining a balancer: its VIP routes leave its kernel table, BIRD withdraws them, the router
# moves its flows to the others; not one request fails.
test_cluster_drain() {
	cluster_up 3 3 || return 1
	client_start --duration 3 --rate 50 || return 1
	sleep 1
	local n late pkts
	lb_flows_save 2 before || return 1
	client_mark
	cluster_withdraw 2 || return 1
	cluster_wait_paths 2 3 || return 1
	pkts=$(lb_vip_stat 2 packets)
	check "the router's next hops are the two others" [ "$(router_nexthops "$VIP" |
		tr '\n' ' ')" = "10.0.1.11 10.0.1.13 " ] || return 1
	check "balancer 2's BIRD has nothing left to announce" [ -z "$(cl_birdc lb2 show route \
		table vips4 | grep -v '^BIRD\|^Table\|^$')" ] || return 1
	client_wait 20 || return 1
	read -r n _ late <<<"$(long_flows before "$(cq 'd["marks_s"][0] + 1')")"
	echo "   drain: failed requests $(cj long.requests_failed), new connections failed" \
		"$(cj new.failed) of $(cj new.attempted); $n connections moved off the drained node"
	check "the drained balancer carried long-lived connections" [ "$n" -gt 0 ] || return 1
	check "its $n connections went on ($late answered after it left)" [ "$late" -eq "$n" ] ||
		return 1
	check "through the others: it forwarded no packet since the router dropped it" \
		[ "$(lb_vip_stat 2 packets)" -eq "$pkts" ] || return 1
	expect_long_intact || return 1
	expect "no failed request" long.requests_failed -eq 0 || return 1
	expect "no failed new connection" new.failed -eq 0
}

# A drained balancer comes back: the router spreads flows over three again, some established
# connections move to it, and it sends them to the backends they had; not one request fails.
test_cluster_add_back() {
	cluster_up 3 3 || return 1
	cluster_withdraw 2 && cluster_wait_paths 2 3 || return 1
	client_start --duration 3 --rate 50 || return 1
	sleep 1
	client_mark
	cluster_announce 2 || return 1
	cluster_wait_paths 3 3 || return 1
	client_wait 20 || return 1
	local n bad late
	lb_flows_save 2 after || return 1
	read -r n bad late <<<"$(long_flows after 0)"
	echo "   add back: failed requests $(cj long.requests_failed), new connections failed" \
		"$(cj new.failed) of $(cj new.attempted); $n established connections moved to the" \
		"node, $bad of them to another backend"
	check "established connections moved to the balancer that came back" [ "$n" -gt 0 ] ||
		return 1
	check "it sends each to the backend that answered it before ($bad others)" \
		[ "$bad" -eq 0 ] || return 1
	expect_long_intact || return 1
	expect "no failed request" long.requests_failed -eq 0 || return 1
	expect "no failed new connection" new.failed -eq 0
}

# Packets the router rejected with a RST (no route to the VIP): its nft counters' sum.
router_rejects() {
	nsx "$NS_R" nft list chain inet xdplb_edge pre |
		awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) }
			END { print n + 0 }'
}

# Every backend goes down (they refuse port 80): on every balancer the daemon's health check
# takes them down, the VIPs lose quorum, the daemons withdraw their routes, BIRD the
# announcements, and the router loses the route.  From then on the router rejects the
# clients' connections with a RST (docs/bird-router.conf): clients fail fast, none hangs.
test_cluster_all_down() {
	cluster_up 3 3 || return 1
	client_start --conns 20 --duration 3 --rate 20 --timeout 1 --new-timeout 1 || return 1
	sleep 0.5
	local j i t0 t1 r0
	r0=$(router_rejects)
	t0=$EPOCHREALTIME
	for j in 1 2 3; do
		nsx "${NS_B[j]}" nft add table inet down &&
			nsx "${NS_B[j]}" nft add chain inet down in \
				'{ type filter hook input priority 0; }' &&
			nsx "${NS_B[j]}" nft add rule inet down in tcp dport 80 reject with tcp reset ||
			return 1
	done
	cluster_wait_paths 0 5 || return 1
	t1=$EPOCHREALTIME
	client_mark
	check "the router has no route to the VIP any more" \
		bash -c "! ip netns exec $NS_R ip route get $VIP >/dev/null 2>&1" || return 1
	for i in 1 2 3; do
		check "balancer $i's daemon withdrew $VIP: quorum lost" grep -q \
			"withdraw $VIP: quorum lost (tcp $VIP:80: 0 up, quorum 1)" \
			"$CL_DIR/daemon-lb$i.log" || return 1
		check "balancer $i: no route left in table $CL_TABLE" \
			[ -z "$(nsx "${NS_LB[i]}" ip route show table "$CL_TABLE" proto "$CL_PROTO")" ] ||
			return 1
	done
	client_wait 20 || return 1
	local after fast slow all
	after='[f for f in d["new"]["failures"] if f["after_mark"] > 0]'
	all=$(cq "len($after)")
	fast=$(cq "len([f for f in $after if f['kind'] == 'refused' and f['latency_s'] < 0.2])")
	slow=$(cq "len([f for f in $after if f['kind'] == 'timeout'])")
	echo "   all down: router without a route $(awk -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.2f", b - a }') s after the backends went; new connections since:" \
		"$all, refused fast $fast, timed out $slow; router RSTs $(($(router_rejects) - r0))"
	check "no new connection since succeeded" \
		[ "$(cq 'd["new"]["last_ok_s"] < d["marks_s"][0]')" = True ] || return 1
	check "new connections were tried since ($all)" [ "$all" -gt 0 ] || return 1
	check "every one failed fast, refused within 0.2 s ($fast of $all; $slow timed out)" \
		[ "$fast" -eq "$all" ] || return 1
	check "the router answered them ($(($(router_rejects) - r0)) RSTs)" \
		[ "$(($(router_rejects) - r0))" -ge "$all" ]
}
