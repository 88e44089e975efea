# End-to-end: `xdplb ipvsadm`, driven only by ipvsadm's command line, as an LVS tutorial
# drives a director: add the service and its real servers, list them, serve traffic, edit,
# save and restore, clear.  The expected listings are written from ipvsadm(8)'s formats (the
# header lines, "TCP  ADDR:PORT SCHED", "  -> ADDR:PORT" in 28 columns, then Forward in 7,
# Weight in 6, ActiveConn and InActConn in 10; --stats and --rate: the title in 33 columns
# and five numbers in 9 each), not from what xdplb printed.  Also: names as ipvsadm resolves
# them, what xdplb refuses (exit 2, one Error line naming the option), and xdplb run as
# "ipvsadm".
# shellcheck shell=bash
ALL_TESTS="test_ipvsadm_tutorial test_ipvsadm_save_restore test_ipvsadm_names
	test_ipvsadm_refused test_ipvsadm_argv0"

ipvs() { xlb "$NS_LB" ipvsadm "$@"; }

# The header of a listing of everything: the version line (size = the flow table's) and
# the two title lines of ipvsadm(8).
HEADER="IP Virtual Server version 1.2.1 (size=1048576)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"

# A real server line: "  -> " ADDR:PORT (28 columns) Forward (7) Weight (6) ActiveConn (10)
# InActConn (10), each column followed by one space except the last.
rs_line() { # ADDR:PORT FORWARD WEIGHT ACTIVE INACTIVE
	printf '  -> %-28s %-7s %-6s %-10s %-10s\n' "$1" "$2" "$3" "$4" "$5"
}

# The LVS-NAT tutorial: a virtual service on the outside address, two real servers behind.
test_ipvsadm_tutorial() {
	topo nat 2 && attach_all 2 || return 1
	ipvs -A -t "$VIP:80" -s rr || return 1
	ipvs -a -t "$VIP:80" -r 10.0.2.11:80 -m || return 1
	ipvs -a -t "$VIP:80" -r 10.0.2.12:80 -m -w 1 || return 1
	check "ipvsadm -L -n after the tutorial's commands" diff -u - <(ipvs -L -n) <<-EOF || return 1
		$HEADER
		TCP  $VIP:80 rr
		$(rs_line 10.0.2.11:80 Masq 1 0 0)
		$(rs_line 10.0.2.12:80 Masq 1 0 0)
	EOF
	check "-Ln, bundled as ipvsadm takes it" diff -u <(ipvs -L -n) <(ipvs -Ln) || return 1
	local out
	out=$(curl_vip 10 | sort | uniq -c)
	check "the service answers from both real servers ($out)" \
		[ "$(grep -c ' 5 I am 10.0.2.1[12]$' <<<"$out")" -eq 2 ] || return 1
	# --stats: Conns counts the connections each real server got; a NAT service's replies pass
	# the balancer: Out* count them
	out=$(ipvs -L -n --stats)
	log "$out"
	check "--stats: the header" diff -u - <(head -3 <<<"$out") <<-EOF || return 1
		IP Virtual Server version 1.2.1 (size=1048576)
		$(printf '%-33s %8s %8s %8s %8s %8s' "Prot LocalAddress:Port" Conns InPkts OutPkts InBytes OutBytes)
		  -> RemoteAddress:Port
	EOF
	# the service in 33 columns, then Conns InPkts OutPkts InBytes OutBytes in 9 each
	check "--stats: the service: 10 connections, packets and bytes in and out" \
		grep -qE "^$(printf '%-33s%9s' "TCP  $VIP:80" 10)( {1,8}[1-9][0-9]*[KMGT]?){4}$" \
		<<<"$out" || return 1
	check "--stats: 5 connections each" \
		grep -qF "$(printf '  -> %-28s%9s' 10.0.2.11:80 5)" <<<"$out" || return 1
	check "--stats: 5 connections each" \
		grep -qF "$(printf '  -> %-28s%9s' 10.0.2.12:80 5)" <<<"$out" || return 1
	out=$(ipvs -L -n --stats --exact)
	check "--exact: whole numbers" grep -q "^$(printf '%-33s%9s' "TCP  $VIP:80" 10)" <<<"$out" ||
		return 1
	out=$(ipvs -L -n --rate)
	check "--rate: the header" [ "$(sed -n 2p <<<"$out")" = \
		"$(printf '%-33s %8s %8s %8s %8s %8s' "Prot LocalAddress:Port" CPS InPPS OutPPS InBPS OutBPS)" ] ||
		return 1
	check "--rate: no traffic now" \
		grep -qx "$(printf '%-33s%9s%9s%9s%9s%9s' "TCP  $VIP:80" 0 0 0 0 0)" <<<"$out" ||
		return 1
	# one service: no version line
	check "-L -n -t SERVICE" diff -u - <(ipvs -L -n -t "$VIP:80" | grep -v '^  -> 10') <<-EOF ||
		Prot LocalAddress:Port Scheduler Flags
		  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
		TCP  $VIP:80 rr
	EOF
		return 1
	# edits
	ipvs -E -t "$VIP:80" -s wlc -p 600 && ipvs -e -t "$VIP:80" -r 10.0.2.12:80 -m -w 3 || return 1
	out=$(ipvs -L -n)
	check "-E: scheduler, persistence" grep -qx "TCP  $VIP:80 wlc persistent 600" <<<"$out" ||
		return 1
	check "-e: weight (connection counts aside)" \
		grep -qF "$(printf '  -> %-28s %-7s %-6s ' 10.0.2.12:80 Masq 3)" <<<"$out" || return 1
	ipvs -d -t "$VIP:80" -r 10.0.2.11:80 || return 1
	check "-d: one real server left" [ "$(ipvs -L -n | grep -c '^  -> 10')" -eq 1 ] || return 1
	ipvs --set 600 60 30 || return 1
	check "--set, -L --timeout" [ "$(ipvs -L --timeout)" = "Timeout (tcp tcpfin udp): 600 60 30" ] ||
		return 1
	check "--daemon: no sync daemon, nothing to say" [ -z "$(ipvs -L --daemon)" ] || return 1
	ipvs -D -t "$VIP:80" || return 1
	check "-D: nothing left" diff -u <(echo "$HEADER") <(ipvs -L -n) || return 1
	# errors as the batch checker says them
	expect_err 1 "vip tcp $VIP:80: not found" ipvsadm -a -t "$VIP:80" -r 10.0.2.11 -m ||
		return 1
	ipvs -A -t "$VIP:80" && ipvs -a -t "$VIP:80" -r 10.0.2.11 -m || return 1
	expect_err 1 "real 10.0.2.11 in vip tcp $VIP:80: already exists" \
		ipvsadm -a -t "$VIP:80" -r 10.0.2.11 -m || return 1
	expect_err 2 "real server 10.0.2.12: forwarding -g \(dr\) differs .*" \
		ipvsadm -a -t "$VIP:80" -r 10.0.2.12 -g
}

# -S prints rules that -R reads back; -C clears.
test_ipvsadm_save_restore() {
	topo nat 2 && attach_all 2 || return 1
	ipvs -A -t "$VIP:80" -s wrr -p 300 && ipvs -A -u "$VIP:53" -s sh || return 1
	ipvs -a -t "$VIP:80" -r 10.0.2.12:8080 -m -w 2 && ipvs -a -t "$VIP:80" -r 10.0.2.11 -m &&
		ipvs -a -u "$VIP:53" -r 10.0.2.11 -m || return 1
	local saved
	saved=$(ipvs -S -n)
	check "-S -n: ipvsadm-save's rules, sorted" diff -u - <(echo "$saved") <<-EOF || return 1
		-A -t $VIP:80 -s wrr -p 300
		-a -t $VIP:80 -r 10.0.2.11:80 -m -w 1
		-a -t $VIP:80 -r 10.0.2.12:8080 -m -w 2
		-A -u $VIP:53 -s sh
		-a -u $VIP:53 -r 10.0.2.11:53 -m -w 1
	EOF
	local before
	before=$(ipvs -L -n)
	ipvs -C || return 1
	check "-C: empty" diff -u <(echo "$HEADER") <(ipvs -L -n) || return 1
	ipvs -R <<<"$saved" || return 1
	check "-R: restored" diff -u <(echo "$before") <(ipvs -L -n) || return 1
	check "--nosort: as stored" [ "$(ipvs -L -n --nosort | grep -c '^  ->')" -eq 4 ]
}

# Names: ipvsadm resolves host names (IPv4) and service names (/etc/services), and -L and
# -S without -n print them; a name that does not resolve is an error with a hint about -n.
test_ipvsadm_names() {
	topo nat 1 && attach_all 1 || return 1
	ipvs -A -t localhost:http -s rr || return 1
	ipvs -a -t localhost:http -r 127.0.0.1:www -m || return 1
	check "-L -n: numbers" grep -qx "TCP  127.0.0.1:80 rr" <(ipvs -L -n) || return 1
	check "-L: names" grep -qx "TCP  localhost:http rr" <(ipvs -L) || return 1
	check "-L: the real server's name" grep -q "^  -> localhost:http  " <(ipvs -L) || return 1
	check "-S: names" diff -u - <(ipvs -S) <<-EOF || return 1
		-A -t localhost:http -s rr
		-a -t localhost:http -r localhost:http -m -w 1
	EOF
	expect_err 2 'host "no-such-host.invalid": .* \(ipvsadm-save -n and ipvsadm -S -n write numeric addresses\)' \
		ipvsadm -A -t no-such-host.invalid:80 || return 1
	expect_err 2 'service "nosuchservice": not a tcp port in /etc/services \(ipvsadm-save -n and ipvsadm -S -n write numeric ports\)' \
		ipvsadm -A -t 10.0.0.1:nosuchservice || return 1
	printf -- '-A -t localhost:https -s wlc\n' | xlb "$NS_LB" import ipvsadm || return 1
	check "import ipvsadm: names in a dump" grep -qx "TCP  127.0.0.1:443 wlc" <(ipvs -L -n)
}

# What xdplb does not have: exit 2, one Error line naming the option; nothing changed.
test_ipvsadm_refused() {
	topo nat 1 && attach_all 1 || return 1
	ipvs -A -t "$VIP:80" || return 1
	local before
	before=$(xlb "$NS_LB" save)
	expect_err 2 'fwmark services \(-f\): not supported by xdplb .*' ipvsadm -A -f 1 -s rr || return 1
	expect_err 2 'ipvsadm --start-daemon: not supported by xdplb: .*' \
		ipvsadm --start-daemon master || return 1
	expect_err 2 'ipvsadm --stop-daemon: not supported by xdplb: .*' ipvsadm --stop-daemon master ||
		return 1
	expect_err 2 'ipvsadm -Z: not supported by xdplb: .*' ipvsadm -Z || return 1
	expect_err 2 'ipvsadm -c: not supported by xdplb: .*' ipvsadm -L -n -c || return 1
	expect_err 2 'connection thresholds \(-x, -y\): not supported by xdplb' \
		ipvsadm -a -t "$VIP:80" -r 10.0.2.11 -x 100 || return 1
	expect_err 2 'scheduler "lblc": not supported by xdplb \(rr, wrr, lc, wlc, sh, mh\)' \
		ipvsadm -E -t "$VIP:80" -s lblc || return 1
	expect_err 2 'one-packet scheduling \(-o\): not supported by xdplb' \
		ipvsadm -A -u "$VIP:53" -o || return 1
	expect_err 2 'ipvsadm option "--bogus": unknown' ipvsadm -L --bogus || return 1
	check "nothing changed" diff -u <(echo "$before") <(xlb "$NS_LB" save)
}

# xdplb run as "ipvsadm" (make install IPVSADM=1 links it): ipvsadm's command line, the pin
# directory from XDPLB_BPFFS.
test_ipvsadm_argv0() {
	topo nat 1 && attach_all 1 || return 1
	mkdir -p "$E2E_TMP/bin" && ln -s "$XDPLB" "$E2E_TMP/bin/ipvsadm" || return 1
	local as_ipvsadm=(env XDPLB_BPFFS="$E2E_PIN" "$E2E_TMP/bin/ipvsadm")
	nsx "$NS_LB" "${as_ipvsadm[@]}" -A -t "$VIP:80" -s lc || return 1
	nsx "$NS_LB" "${as_ipvsadm[@]}" -a -t "$VIP:80" -r 10.0.2.11:80 -m -w 4 || return 1
	check "ipvsadm -Ln" diff -u - <(nsx "$NS_LB" "${as_ipvsadm[@]}" -Ln) <<-EOF || return 1
		$HEADER
		TCP  $VIP:80 lc
		$(rs_line 10.0.2.11:80 Masq 4 0 0)
	EOF
	local err rc
	err=$(nsx "$NS_LB" "${as_ipvsadm[@]}" -A -f 7 2>&1 >/dev/null)
	rc=$?
	check_err_line "ipvsadm -A -f 7" 2 'fwmark services \(-f\): not supported by xdplb .*' \
		"$rc" "$err"
}
