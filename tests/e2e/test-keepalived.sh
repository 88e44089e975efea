# End-to-end: `xdplb import keepalived`.  The corpus in tests/keepalived (the classic LVS-NAT
# director, DR, TUN, every checker, includes) printed and compared with the commands written
# beside each file, warnings and notes included; the deliberate errors, each with its file,
# line and status; an import applied (and checked, and refused whole); and an imported
# keepalived.conf serving traffic with `xdplb daemon` taking a stopped backend out and back.
# shellcheck shell=bash
ALL_TESTS="test_keepalived_corpus test_keepalived_errors test_keepalived_apply
	test_keepalived_traffic"

KA_DIR=tests/keepalived

# A balancer namespace with xdplb attached (no backends needed), its namespace in NS_LB.
ka_lb() {
	ns_add NS_LB lb && ns_add NS_X x || return 1
	link_add "$NS_LB" eth0 "$NS_X" eth0 || return 1
	nsx "$NS_LB" ip addr add 192.168.10.1/24 dev eth0 &&
		nsx "$NS_LB" sysctl -qw net.ipv4.ip_forward=1 || return 1
	xlb "$NS_LB" dev attach dev eth0 >/dev/null 2>&1
}

# Each FILE.conf printed: stdout is FILE.out, stderr FILE.err (both written by hand from what
# the configuration means).
test_keepalived_corpus() {
	local f b out err n=0
	for f in "$KA_DIR"/*.conf; do
		b=$(basename "$f" .conf)
		out=$(cd "$KA_DIR" && "$XDPLB" import keepalived "$b.conf" print 2>"$E2E_TMP/err")
		check "$b.conf: print succeeds" [ $? -eq 0 ] || return 1
		check "$b.conf: the commands" diff -u "$KA_DIR/$b.out" - <<<"$out" || return 1
		err=$(cat "$E2E_TMP/err")
		if [ -f "$KA_DIR/$b.err" ]; then
			check "$b.conf: warnings and notes" diff -u "$KA_DIR/$b.err" - <<<"$err" ||
				return 1
		else
			check "$b.conf: nothing on stderr ('$err')" [ -z "$err" ] || return 1
		fi
		n=$((n + 1))
	done
	check "the corpus has its files ($n)" [ "$n" -ge 4 ] || return 1
	# stdin, and -j
	out=$(cd "$KA_DIR" && "$XDPLB" import keepalived - print <dr.conf 2>/dev/null)
	check "stdin: the same commands" diff -u "$KA_DIR/dr.out" - <<<"$out" || return 1
	out=$(cd "$KA_DIR" && "$XDPLB" -j import keepalived dr.conf print 2>/dev/null)
	check "-j: a JSON array of the commands ($out)" \
		grep -q '^\["vip add tcp 10.0.0.10:80 sched wrr .*","real add ' <<<"$out"
}

# The deliberate errors: exit status, one Error line naming the file and line.
test_keepalived_errors() {
	local status file pat out rc
	while IFS='|' read -r status file pat; do
		out=$(cd "$KA_DIR/errors" && "$XDPLB" import keepalived "$file" print 2>&1 >/dev/null)
		rc=$?
		check_err_line "$file" "$status" "$pat" "$rc" "$out" || return 1
	done <<-'EOF'
		2|digest.conf|digest.conf line 7: digest: not supported: xdplb's http check compares the status and a text in the body, not an MD5 digest .*
		2|misc_dynamic.conf|misc_dynamic.conf line 5: misc_dynamic: not supported: xdplb's health checks set a backend up or down, never its weight .*
		2|unknown.conf|unknown.conf line 3: lb_knd: unknown in virtual_server
		2|fwmark.conf|fwmark.conf line 1: virtual_server fwmark: not supported: .*
		2|two_checkers.conf|two_checkers.conf line 5: HTTP_GET: a second checker on this real server: xdplb runs one check per backend .*
		2|sched.conf|sched.conf line 2: lb_algo lblc: not supported by xdplb .*
		2|brace.conf|brace.conf line 3: real_server: block not closed \(a '\}' is missing\)
		2|connect_ip.conf|connect_ip.conf line 4: connect_ip 10.0.2.99: not supported: xdplb probes the backend's own address
		2|mixed_kind.conf|mixed_kind.conf line 6: real_server: forwarding nat differs from the virtual server's dr: xdplb has one forwarding mode per VIP
		1|duplicate.conf|duplicate.conf line 5: vip tcp 10.0.0.10:80: already exists \(added on line 1\)
		2|included.conf|included.d/bad.inc line 3: uthreshold: not supported: xdplb has no connection thresholds
		2|substitution.conf|substitution.conf line 1: \$VIP=10.0.0.10: conditional configuration \(@\) and parameter definitions \(\$\) are not supported: expand them first
		1|nonexistent.conf|keepalived config nonexistent.conf: No such file or directory
		2|stray_brace.conf|stray_brace.conf line 3: '\}' without a block to close
		2|quote.conf|quote.conf line 4: unterminated quote
	EOF
	# vrrp blocks only: notes, nothing to apply, success
	printf 'vrrp_script chk { script "true" }\nvrrp_sync_group G { group { VI_1 } }\n' \
		>"$E2E_TMP/vrrp.conf"
	out=$("$XDPLB" import keepalived "$E2E_TMP/vrrp.conf" print 2>&1)
	check "vrrp_* blocks: a note each, nothing else ('$out')" \
		[ "$(grep -c '^Note: .*vrrp\.conf line [12]: vrrp_s.*: skipped: xdplb nodes announce their VIPs over BGP' <<<"$out")" -eq 2 ]
}

# Applied: what save prints is what print printed (dr.conf: one VIP, its backends sorted);
# check changes nothing; an import that fails (a VIP already there) changes nothing either.
test_keepalived_apply() {
	ka_lb || return 1
	local before
	xlb "$NS_LB" import keepalived "$KA_DIR/dr.conf" check 2>/dev/null || return 1
	check "check: nothing applied" [ -z "$(xlb "$NS_LB" save | grep '^vip')" ] || return 1
	xlb "$NS_LB" import keepalived "$KA_DIR/dr.conf" 2>/dev/null || return 1
	check "applied: save prints the commands print printed" \
		diff -u "$KA_DIR/dr.out" <(xlb "$NS_LB" save | grep '^vip\|^real\|^check') ||
		return 1
	xlb "$NS_LB" import keepalived "$KA_DIR/dr.conf" 2>"$E2E_TMP/err"
	check "a second import of the same file is refused" \
		grep -qx "Error: $KA_DIR/dr.conf line 4: vip tcp 10.0.0.10:80: already exists" \
		"$E2E_TMP/err" || return 1
	xlb "$NS_LB" vip del tcp 10.0.0.10:80 || return 1
	xlb "$NS_LB" import keepalived "$KA_DIR/includes.conf" 2>/dev/null || return 1
	check "the included files' services" \
		[ "$(xlb "$NS_LB" save | grep -c '^vip add .* 10\.0\.0\.30:')" -eq 2 ] || return 1
	# one file with a good service and a duplicate one: all or nothing
	before=$(xlb "$NS_LB" save)
	expect_err 1 "$KA_DIR/errors/duplicate.conf line 5: vip tcp 10.0.0.10:80: already exists \(added on line 1\)" \
		import keepalived "$KA_DIR/errors/duplicate.conf" || return 1
	check "nothing of a refused import applied" \
		diff -u <(echo "$before") <(xlb "$NS_LB" save)
}

# A keepalived.conf for the e2e topology: TUN to two nginx backends, rr, HTTP_GET checks that
# expect nginx's answer; the daemon takes a stopped backend out and puts it back.
test_keepalived_traffic() {
	topo tun 2 && attach_all 2 || return 1
	local conf="$E2E_TMP/keepalived.conf" out
	cat >"$conf" <<-EOF
		! an LVS-TUN director, as keepalived would run it
		global_defs {
		    router_id e2e
		}
		vrrp_instance VI_1 {
		    state MASTER
		    interface eth0
		    virtual_router_id 51
		    virtual_ipaddress {
		        $VIP
		    }
		}
		virtual_server $VIP 80 {
		    delay_loop 0.3
		    lb_algo rr
		    lb_kind TUN
		    protocol TCP
		    real_server 10.0.2.11 80 {
		        weight 1
		        HTTP_GET {
		            url {
		                path /
		                status_code 200
		            }
		            connect_timeout 0.2
		            retry 1
		        }
		    }
		    real_server 10.0.2.12 80 {
		        weight 1
		        HTTP_GET {
		            url {
		                path /
		                status_code 200
		            }
		            connect_timeout 0.2
		            retry 1
		        }
		    }
		}
	EOF
	xlb "$NS_LB" import keepalived "$conf" 2>"$E2E_TMP/import.err" || {
		cat "$E2E_TMP/import.err" >&2
		return 1
	}
	check "the check as keepalived's: every 0.3 s, down after 2 failures, up after 1" \
		grep -q "^check set tcp $VIP:80 http path / status 200 interval 0.3 timeout 0.2 rise 1 fall 2$" \
		<(xlb "$NS_LB" save) || return 1
	daemon_start || return 1
	out=$(curl_vip 10 | sort | uniq -c)
	log "$out"
	check "both backends serve ($out)" \
		[ "$(grep -c 'I am 10.0.2.1[12]' <<<"$out")" -eq 2 ] || return 1
	nginx_stop 2 || return 1
	expect_state 3 10.0.2.12 down "10.0.2.12 down after its nginx stopped" || return 1
	out=$(curl_vip 10 | sort | uniq -c)
	check "only 10.0.2.11 serves, no request fails ($out)" \
		[ "$(tr -s ' ' <<<"$out")" = " 10 I am 10.0.2.11" ] || return 1
	nginx_again 2 || return 1
	expect_state 3 10.0.2.12 up "10.0.2.12 up again" || return 1
	out=$(curl_vip 10 | sort | uniq -c)
	check "both serve again ($out)" [ "$(grep -c 'I am 10.0.2.1[12]' <<<"$out")" -eq 2 ]
}
