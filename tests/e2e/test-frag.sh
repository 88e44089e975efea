# End-to-end: UDP datagrams larger than the MTU through l3hash VIPs (every fragment to the
# datagram's backend), and path MTU discovery through a TUN VIP whose backends sit behind a
# smaller MTU (the balancer answers "fragmentation needed" / "packet too big").
# shellcheck shell=bash
ALL_TESTS="test_frag_udp_tun_v4 test_frag_udp_tun_v6 test_frag_udp_nat_v4 test_frag_udp_nat_v6
	test_pmtu_tun_v4 test_pmtu_tun_v6 test_pmtu_config_mtu"

# The datagrams are SIZE bytes of payload: over the client's 1500-byte MTU every one of
# them leaves the client in 3 fragments (IPv4: 1480 + 1480 + 48 bytes of UDP datagram).
SIZE=3000
COUNT=5

# Sum of a counter of the namespaces' IP MIBs.
mib_sum() { # FIELD NS...
	local f=$1 ns s=0
	shift
	for ns in "$@"; do
		s=$((s + $(ip_mib "$ns" "$f")))
	done
	echo "$s"
}

# Datagrams of SIZE bytes, each from a new source port, from NCLIENT client addresses
# (COUNT each) to an l3hash UDP VIP with two backends that echo them: every one comes back
# intact (the backend reassembled all of its fragments, and in NAT mode the client
# reassembled the translated fragments of the answer).  l3hash keys flows on addresses
# only: one flow and one backend per client address, whatever the ports.
#   tun: the balancer-backend segment has an MTU of 1600 so that a 1500-byte fragment fits
#        in the tunnel (a real server without ipip/ip6_tunnel cannot reassemble fragmented
#        tunnel packets: decap leaves outer fragments to the stack); backends answer through
#        routes of MTU 1500, the client's.
#   nat: 1500 everywhere (NAT adds no header).
NCLIENT=4
frag_udp() { # MODE 4|6
	local mode=$1 fam=$2 vip bind r1 r2 svc frag reasm i c out n1 n2 flows drops \
		c0 c1 b0 b1 src
	topo "$mode" 2 && topo_v6 || return 1
	for c in $(seq 3 $((NCLIENT + 1))); do
		nsx "$NS_C" ip addr add "192.168.10.$c/24" dev eth0 &&
			nsx "$NS_C" ip -6 addr add "fd00:10::$c/64" dev eth0 nodad || return 1
	done
	if [ "$mode" = tun ]; then
		backend_mtu 1600 || return 1
		for i in 1 2; do
			nsx "${NS_B[i]}" ip route replace default via 10.0.2.1 mtu 1500 &&
				nsx "${NS_B[i]}" ip -6 route replace default via fd00:2::1 mtu 1500 ||
				return 1
		done
	fi
	attach_all 2 || return 1
	[ "$mode" = nat ] && sw_tx_csum_off
	if [ "$fam" = 6 ]; then
		vip=$VIP6 svc="[$VIP6]:53" r1=fd00:2::11 r2=fd00:2::12 frag=Ip6FragCreates
		reasm=Ip6ReasmOKs bind=::
		[ "$mode" = tun ] && { xlb "$NS_LB" config set tunsrc fd00:2::1 || return 1; }
	else
		vip=$VIP svc="$VIP:53" r1=10.0.2.11 r2=10.0.2.12 frag=FragCreates reasm=ReasmOKs
		bind=0.0.0.0
	fi
	[ "$mode" = nat ] || bind=$vip
	for i in 1 2; do
		udp_echo_start "${NS_B[i]}" "$bind" "10.0.2.1$i" echo || return 1
	done
	vip_with_reals udp "$svc" "sched mh hash l3" "$r1" "$r2" || return 1
	c0=$(ip_mib "$NS_C" "$frag")
	b0=$(mib_sum "$reasm" "${NS_B[1]}" "${NS_B[2]}")
	for c in $(seq 2 $((NCLIENT + 1))); do
		src=192.168.10.$c
		[ "$fam" = 6 ] && src=fd00:10::$c
		out=$(nsx "$NS_C" python3 tests/e2e/udp_echo.py send "$vip" 53 "$COUNT" 3 "$SIZE" \
			"$src")
		log "from $src: $(sort <<<"$out" | uniq -c | tr '\n' ' ')"
		n1=$(grep -c '^I am 10\.0\.2\.11$' <<<"$out")
		n2=$(grep -c '^I am 10\.0\.2\.12$' <<<"$out")
		check "$mode v$fam from $src: $COUNT of $COUNT datagrams of $SIZE bytes echoed\
 intact (got $((n1 + n2)); $(grep -v '^I am' <<<"$out" | sort | uniq -c | head -3 |
			tr '\n' ' '))" [ $((n1 + n2)) -eq "$COUNT" ] || return 1
		check "$mode v$fam from $src: one client address, one backend ($n1/$n2)" \
			test "$n1" -eq 0 -o "$n2" -eq 0 || return 1
	done
	c1=$(ip_mib "$NS_C" "$frag")
	b1=$(mib_sum "$reasm" "${NS_B[1]}" "${NS_B[2]}")
	check "$mode v$fam: the client fragmented every datagram (fragments: $((c1 - c0)))" \
		[ $((c1 - c0)) -ge $((3 * COUNT * NCLIENT)) ] || return 1
	check "$mode v$fam: the backends reassembled $((COUNT * NCLIENT)) datagrams (got\
 $((b1 - b0)))" [ $((b1 - b0)) -eq $((COUNT * NCLIENT)) ] || return 1
	flows=$(xlb "$NS_LB" -j vip show udp "$svc" | grep -o '"flows":[0-9]*' | head -1 |
		cut -d: -f2)
	check "$mode v$fam: l3hash: one flow per client address (got ${flows:-none})" \
		[ "${flows:-x}" = "$NCLIENT" ] || return 1
	drops=$(xlb "$NS_LB" -j stats show |
		grep -o '"\(drop_[a-z_0-9]*\|pass_fragment\)":{"packets":[1-9][0-9]*')
	check "$mode v$fam: nothing dropped or passed as a fragment (${drops//$'\n'/ })" \
		[ -z "$drops" ]
}

test_frag_udp_tun_v4() { frag_udp tun 4; }
test_frag_udp_tun_v6() { frag_udp tun 6; }
test_frag_udp_nat_v4() { frag_udp nat 4; }
test_frag_udp_nat_v6() { frag_udp nat 6; }

# A TCP upload (HTTP PUT of 400 KiB, written to disk by the backend's nginx) to a TUN VIP,
# with path MTU discovery on (DF, the default): full-size segments of the client do not fit
# the tunnel to the backend; the balancer answers "fragmentation needed" / "packet too
# big" with the MTU left inside the tunnel, the client lowers its path MTU to the VIP and
# the upload completes intact.
#   MTU: the balancer-backend segment's (BACKEND_MTU, 1500 = unchanged) or, with CFG_MTU,
#        config set mtu.  Expected path MTU at the client: that minus the tunnel header.
#   blackhole: first the same upload with the client's firewall dropping those ICMP
#        errors: it stalls (nothing else tells the client), which shows what the answers
#        are for.
pmtu_upload() { # 4|6 BACKEND_MTU CFG_MTU EXPECT_PMTU [blackhole]
	local fam=$1 mtu=$2 cfg=$3 want=$4 vip url got code tb0 tb1 route icmp
	topo tun 1 && topo_v6 || return 1
	if [ "$mtu" != 1500 ]; then
		backend_mtu "$mtu" || return 1
	fi
	attach_all 1 || return 1
	nginx_restart "${NS_B[1]}" 10.0.2.11 "location /up/ { root $E2E_TMP/up; \
		dav_methods PUT; create_full_put_path on; client_max_body_size 16m; }" || return 1
	mkdir -p "$E2E_TMP/up" || return 1
	if [ "$fam" = 6 ]; then
		xlb "$NS_LB" config set tunsrc fd00:2::1 || return 1
		vip=$VIP6 url="http://[$VIP6]/up/data.bin"
		vip_with_reals tcp "[$VIP6]:80" "" fd00:2::11 || return 1
	else
		vip=$VIP url="http://$VIP/up/data.bin"
		vip_with_reals tcp "$VIP:80" "" 10.0.2.11 || return 1
	fi
	if [ "$cfg" != 0 ]; then
		xlb "$NS_LB" config set mtu "$cfg" || return 1
	fi
	head -c 400K /dev/urandom >"$E2E_TMP/data.bin" || return 1
	if [ "${5:-}" = blackhole ]; then
		icmp="icmp type destination-unreachable icmp code frag-needed"
		[ "$fam" = 6 ] && icmp="icmpv6 type packet-too-big"
		nsx "$NS_C" nft -f - <<-NFT || return 1
			table inet e2e_pmtu {
				chain in {
					type filter hook input priority 0;
					$icmp counter drop
				}
			}
		NFT
		code=$(nsx "$NS_C" curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
			-T "$E2E_TMP/data.bin" "$url")
		log "$(nsx "$NS_C" nft list table inet e2e_pmtu)"
		check "v$fam: ICMP too big dropped at the client: the upload stalls (got $code)" \
			[ "$code" != 201 ] || return 1
		check "v$fam: ... and the client saw the balancer's answers" \
			nsx "$NS_C" bash -c "nft list table inet e2e_pmtu | grep -q 'packets [1-9]'" ||
			return 1
		# from here on the client hears the balancer: the stalled connection's own
		# retransmissions (it lingers after curl gave up) may teach it the path MTU
		# before the second upload starts, so count from before the table goes
		tb0=$(reason_packets tx_too_big)
		nsx "$NS_C" nft delete table inet e2e_pmtu || return 1
		rm -rf "$E2E_TMP/up/up"
	else
		tb0=$(reason_packets tx_too_big)
	fi
	code=$(nsx "$NS_C" curl -s -o /dev/null -w '%{http_code}' --max-time 20 \
		-T "$E2E_TMP/data.bin" "$url")
	tb1=$(reason_packets tx_too_big)
	check "v$fam: upload answered 201 Created (got $code)" [ "$code" = 201 ] || return 1
	got=$(sha256sum <"$E2E_TMP/up/up/data.bin" 2>/dev/null | cut -d' ' -f1)
	check "v$fam: the backend stored the upload intact" \
		[ "$got" = "$(sha256sum <"$E2E_TMP/data.bin" | cut -d' ' -f1)" ] || return 1
	check "v$fam: the balancer answered too big (tx_too_big +$((tb1 - tb0)))" \
		[ $((tb1 - tb0)) -gt 0 ] || return 1
	route=$(nsx "$NS_C" ip -"$fam" route get "$vip")
	log "$route"
	check "v$fam: the client's path MTU to the VIP is $want ($(tr '\n' ' ' <<<"$route"))" \
		grep -qw "mtu $want" <<<"$route"
}

# backends behind MTU 1400: 1400 - 20 (IPv4 header) and 1400 - 40 (IPv6 header)
test_pmtu_tun_v4() { pmtu_upload 4 1400 0 1380 blackhole; }
test_pmtu_tun_v6() { pmtu_upload 6 1400 0 1360 blackhole; }
# 1500 everywhere, the balancer told 1400
test_pmtu_config_mtu() { pmtu_upload 4 1500 1400 1380; }
