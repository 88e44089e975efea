#!/usr/bin/env bash
# Shared helpers of the end-to-end tests and the demo: namespaces, veth links, a private
# bpffs, real servers.  Sourced by tests/e2e/runner.sh and tests/e2e/demo.sh.
#
# Why the veth settings below (a user running xdplb on veth needs the same):
# - A frame sent with XDP_TX or redirected into a veth is dropped unless the receiving peer
#   has an XDP program or GRO enabled: link_add turns GRO on for both ends.
# - A local socket sending through a veth with TX checksum offload leaves a partial
#   checksum for the receiver to finish; once XDP has forwarded the frame that hint is lost
#   and the backend sees a bad checksum (TcpInCsumErrors, connections hang).  Client-side
#   veths get "tx off" (link_add ... txoff).

XDPLB=${XDPLB:-$PWD/.output/xdplb}
: "${E2E_TAG:=x$$}"  # short: namespace names prefix interface names nowhere, but stay short
E2E_NS=()
E2E_PIDS=()

log() { [ "${V:-0}" = 1 ] && echo "   # $*" >&2; return 0; }

nsx() { # NS CMD... : run in a namespace
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

ns_add() { # VAR NAME : creates namespace "$E2E_TAG-NAME" (loopback up), its name in VAR
	local ns="$E2E_TAG-$2"
	ip netns add "$ns" || return 1
	E2E_NS+=("$ns")
	nsx "$ns" ip link set lo up
	printf -v "$1" '%s' "$ns"
}

E2E_LINKS=0

link_add() { # NS1 IF1 NS2 IF2 [txoff1] : veth pair, both up, GRO on
	local ns1=$1 if1=$2 ns2=$3 if2=$4 opt=${5:-}
	local t1="${E2E_TAG}l${E2E_LINKS}a" t2="${E2E_TAG}l${E2E_LINKS}b"
	E2E_LINKS=$((E2E_LINKS + 1))
	# created in this namespace under unique names, then moved and renamed
	ip link add "$t1" type veth peer name "$t2" || return 1
	ip link set "$t1" netns "$ns1" name "$if1" || return 1
	ip link set "$t2" netns "$ns2" name "$if2" || return 1
	nsx "$ns1" ip link set "$if1" up
	nsx "$ns2" ip link set "$if2" up
	nsx "$ns1" ethtool -K "$if1" gro on >/dev/null 2>&1
	nsx "$ns2" ethtool -K "$if2" gro on >/dev/null 2>&1
	if [ "$opt" = txoff ]; then
		nsx "$ns1" ethtool -K "$if1" tx off >/dev/null 2>&1
	fi
	return 0
}

bpffs_setup() { # private bpffs for pins (xdplb and libxdp's dispatcher)
	E2E_TMP=$(mktemp -d /tmp/xdplb-e2e.XXXXXX)
	mkdir -p "$E2E_TMP/bpffs"
	mount -t bpf bpf "$E2E_TMP/bpffs" || return 1
	export LIBXDP_BPFFS="$E2E_TMP/bpffs"
	E2E_PIN="$E2E_TMP/bpffs/xdplb"
}

xlb() { # NS ARGS... : xdplb in a namespace with the private pin dir
	local ns=$1
	shift
	nsx "$ns" "$XDPLB" --bpffs "$E2E_PIN" "$@"
}

# A command LABEL exited RC with stderr ERR: checks that RC is STATUS and that ERR is exactly
# one line "Error: PATTERN" (an extended regular expression).
check_err_line() { # LABEL STATUS PATTERN RC ERR
	local label=$1 want=$2 pat=$3 rc=$4 err=$5
	log "$label: [$rc] $err"
	check "$label: exit $want (got $rc)" [ "$rc" -eq "$want" ] || return 1
	check "$label: one Error line matching '$pat' (got '$err')" \
		grep -qxE "Error: $pat" <<<"$err" || return 1
	check "$label: exactly one line" [ "$(wc -l <<<"$err")" -eq 1 ]
}

# Runs xdplb in NS_LB (ARGS, or setpriv OPTIONS... -- xdplb ARGS...) and checks it with
# check_err_line(): exit STATUS, stderr exactly one "Error: PATTERN" line.
expect_err() { # STATUS PATTERN ARGS...
	local want=$1 pat=$2 rc err
	shift 2
	if [ "$1" = setpriv ]; then
		err=$(nsx "$NS_LB" "${@:1:4}" "$XDPLB" --bpffs "$E2E_PIN" "${@:5}" 2>&1 >/dev/null)
	else
		err=$(xlb "$NS_LB" "$@" 2>&1 >/dev/null)
	fi
	rc=$?
	check_err_line "xdplb $*" "$want" "$pat" "$rc" "$err"
}

# nginx.conf for a backend answering "I am IDENTITY" on :80, plus EXTRA lines in server{}.
nginx_conf() { # DIR IDENTITY [EXTRA]
	local dir=$1 id=$2 extra=${3:-}
	cat >"$dir/nginx.conf" <<-CONF
		daemon on;
		user root root;
		pid $dir/nginx.pid;
		error_log $dir/error.log;
		worker_processes 1;
		events { worker_connections 1024; }
		http {
			access_log off;
			client_body_temp_path $dir;
			proxy_temp_path $dir;
			fastcgi_temp_path $dir;
			uwsgi_temp_path $dir;
			scgi_temp_path $dir;
			server {
				listen 80 default_server;
				listen [::]:80 default_server;
				location / { return 200 "I am $id\n"; }
				$extra
			}
		}
	CONF
}

nginx_start() { # NS IDENTITY : nginx on :80 answering "I am IDENTITY"
	local ns=$1 id=$2 dir="$E2E_TMP/nginx-$1"
	mkdir -p "$dir"
	nginx_conf "$dir" "$id"
	nsx "$ns" nginx -c "$dir/nginx.conf" -e "$dir/error.log" || return 1
}

e2e_teardown() {
	local ns pid
	for ns in "${E2E_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
	done
	for pid in "${E2E_PIDS[@]}"; do
		kill -9 "$pid" 2>/dev/null
	done
	for ns in "${E2E_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	E2E_NS=()
	E2E_PIDS=()
	if [ -n "${E2E_TMP:-}" ]; then
		umount "$E2E_TMP/bpffs" 2>/dev/null
		rm -rf "$E2E_TMP"
		E2E_TMP=
	fi
}

# The topology used by the tests and the demo:
#   client (eth0 192.168.10.2, tx checksum offload off)
#     -- lb eth0 192.168.10.1 [xdplb, native XDP]   lb eth1 10.0.2.1
#     -- sw (bridge) -- backend i (eth0 10.0.2.1i, nginx, tx checksum offload off)
# tun, dr: backends hold the VIP on lo (arp_ignore/arp_announce) and answer the client
#          directly, through lb's kernel routing as their gateway; tun backends run xdplb
#          decap on eth0.
# nat:     backends route through lb, where xdplb is attached to eth1 too for the replies.
# Sets NS_C NS_LB NS_SW NS_B[1..n].
VIP=10.0.0.10
topo_tun() { # NBACKENDS
	topo tun "$@"
}

topo() { # MODE NBACKENDS
	local mode=$1 n=${2:-3} i
	TOPO_MODE=$mode
	ns_add NS_C c && ns_add NS_LB lb && ns_add NS_SW sw || return 1
	link_add "$NS_C" eth0 "$NS_LB" eth0 txoff || return 1
	link_add "$NS_LB" eth1 "$NS_SW" p0 || return 1
	nsx "$NS_SW" ip link add br0 type bridge
	nsx "$NS_SW" ip link set p0 master br0
	# The bridge merges backends' bursts (GRO) and, towards lb's XDP-enabled eth1, splits
	# them again in software leaving the checksum to the receiver; once XDP has rewritten
	# a NAT reply that hint is lost and the client sees bad checksums.  Real NICs don't do
	# this; here p0 finishes checksums itself.
	nsx "$NS_SW" ethtool -K p0 tx off >/dev/null 2>&1
	nsx "$NS_SW" ip link set br0 up
	nsx "$NS_C" ip addr add 192.168.10.2/24 dev eth0
	nsx "$NS_C" ip route add default via 192.168.10.1
	nsx "$NS_LB" ip addr add 192.168.10.1/24 dev eth0
	nsx "$NS_LB" ip addr add 10.0.2.1/24 dev eth1
	nsx "$NS_LB" sysctl -qw net.ipv4.ip_forward=1
	NS_B=()
	for i in $(seq 1 "$n"); do
		ns_add "NS_B[$i]" "b$i" || return 1
		link_add "${NS_B[i]}" eth0 "$NS_SW" "p$i" txoff || return 1
		nsx "$NS_SW" ip link set "p$i" master br0
		nsx "${NS_B[i]}" ip addr add "10.0.2.1$i/24" dev eth0
		nsx "${NS_B[i]}" ip route add default via 10.0.2.1
		if [ "$mode" != nat ]; then
			nsx "${NS_B[i]}" ip addr add "$VIP/32" dev lo
			nsx "${NS_B[i]}" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
				net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0 \
				net.ipv4.conf.eth0.rp_filter=0
		fi
		nginx_start "${NS_B[i]}" "10.0.2.1$i" || return 1
	done
	return 0
}

# xdplb on lb:eth0 (and on eth1 for nat, for the replies), decap on tun backends.
attach_all() { # NBACKENDS
	local i
	xlb "$NS_LB" dev attach dev eth0 tunsrc 10.0.2.1 >/dev/null || return 1
	if [ "$TOPO_MODE" = nat ]; then
		xlb "$NS_LB" dev attach dev eth1 >/dev/null || return 1
	fi
	if [ "$TOPO_MODE" = tun ]; then
		for i in $(seq 1 "$1"); do
			xlb "${NS_B[i]}" decap attach dev eth0 >/dev/null || return 1
		done
	fi
	return 0
}

# A VIP in the topology's mode with backends 10.0.2.11.. and the given weights (default 1).
add_vip() { # PROTO PORT SCHED NBACKENDS [weight...]
	local proto=$1 port=$2 sched=$3 n=$4 i
	shift 4
	xlb "$NS_LB" vip add "$proto" "$VIP:$port" sched "$sched" mode "$TOPO_MODE" || return 1
	for i in $(seq 1 "$n"); do
		xlb "$NS_LB" real add "$proto" "$VIP:$port" "10.0.2.1$i" weight "${1:-1}" ||
			return 1
		[ $# -gt 0 ] && shift
	done
	return 0
}

# Everything attached, one TCP VIP on :80.
setup_vip() { # SCHED NBACKENDS [weight...]
	attach_all "$2" && add_vip tcp 80 "$@"
}

setup_tun_vip() { # NBACKENDS [weight...]
	setup_vip mh "$@"
}

# curl the VIP COUNT times from the client; prints one identity per line.
curl_vip() { # COUNT [URL]
	local i url=${2:-http://$VIP/}
	for i in $(seq 1 "$1"); do
		nsx "$NS_C" curl -s --max-time 3 "$url" || echo "FAILED"
	done
}

# A UDP VIP on :53 the way setup_vip does TCP's, and the UDP identity service
# (tests/e2e/udp_echo.py) on every backend: bound to the VIP in tun and dr modes, so that
# answers leave from the VIP, to every address in nat mode (xdplb rewrites the answers).
setup_udp_vip() { # SCHED NBACKENDS [weight...]
	local addr=$VIP i
	[ "$TOPO_MODE" = nat ] && addr=0.0.0.0
	attach_all "$2" || return 1
	for i in $(seq 1 "$2"); do
		udp_echo_start "${NS_B[i]}" "$addr" "10.0.2.1$i" || return 1
	done
	add_vip udp 53 "$@"
}

udp_echo_start() { # NS ADDR IDENTITY [echo] : UDP on ADDR:53 answering "I am IDENTITY"
	local ns=$1 addr=$2 id=$3 echo=${4:-} i n
	n=$(nsx "$ns" ss -Hlun "sport = :53" | wc -l)
	# shellcheck disable=SC2086 # no echo: no word
	nsx "$ns" python3 tests/e2e/udp_echo.py serve "$addr" 53 "$id" $echo \
		</dev/null >>"$E2E_TMP/udp-$ns.log" 2>&1 &
	E2E_PIDS+=($!)
	disown $! # no "Killed" notice from bash when teardown kills it
	for i in $(seq 1 50); do
		[ "$(nsx "$ns" ss -Hlun "sport = :53" | wc -l)" -gt "$n" ] && return 0
		sleep 0.1
	done
	echo "udp_echo on $ns did not start: $(cat "$E2E_TMP/udp-$ns.log")" >&2
	return 1
}

# Sends COUNT datagrams to the UDP VIP from the client, each from a new source port;
# prints one identity (or FAILED) per line.
udp_vip() { # COUNT
	nsx "$NS_C" python3 tests/e2e/udp_echo.py send "$VIP" 53 "$1"
}

# A file of SIZE MiB of random bytes under $E2E_TMP/www/files/ (served by
# nginx_serve_files), its path in BIG_FILE and its SHA-256 in BIG_SUM.
big_file() { # SIZE_MIB
	mkdir -p "$E2E_TMP/www/files" || return 1
	BIG_FILE=$E2E_TMP/www/files/big.bin
	head -c "$1M" /dev/urandom >"$BIG_FILE" || return 1
	BIG_SUM=$(sha256sum <"$BIG_FILE" | cut -d' ' -f1)
}

# Restarts the nginx of nginx_start with a configuration that also serves $E2E_TMP/www
# under /files/ (workers run as root: $E2E_TMP is private to root); returns once it answers.
# (A reload would leave old workers answering "I am ..." for a while.)
nginx_serve_files() { # NS IDENTITY
	local dir="$E2E_TMP/nginx-$1"
	mkdir -p "$E2E_TMP/www/files"
	nginx_conf "$dir" "$2" "location /files/ { root $E2E_TMP/www; }"
	echo ready >"$E2E_TMP/www/files/.ready"
	nginx_relaunch "$1" "$dir" http://127.0.0.1/files/.ready ready
}

# A counter of the namespace's TCP MIB (/proc/net/snmp "Tcp:" lines), e.g. PassiveOpens:
# connections the namespace accepted, whatever the balancer counted.
tcp_mib() { # NS FIELD
	nsx "$1" awk -v f="$2" '/^Tcp:/ {
		if (!c) { for (i = 1; i <= NF; i++) if ($i == f) c = i; next }
		print $c }' /proc/net/snmp
}

# A counter of one backend in "xdplb -j vip show PROTO VIP:PORT": flows, active_conns...
real_stat() { # PROTO VIP:PORT ADDR FIELD
	xlb "$NS_LB" -j vip show "$1" "$2" | grep -o "{\"address\":\"$3\",[^}]*" |
		grep -o "\"$4\":[0-9]*" | cut -d: -f2
}

# NAT mode's return path with bulk traffic: the bridge merges a backend's segments (GRO on
# its ports, as link_add sets); p0 has no TSO while its peer lb:eth1 has an XDP program, so
# the stack segments them again (GSO) and leaves their checksums partial (p0's tx offload);
# xdplb on lb:eth1 forwards those frames to the client, which finds the checksums wrong
# (TcpInCsumErrors, the transfer stalls).  A real NIC receives complete checksums; tx off
# on p0 makes the segmentation compute them.
sw_tx_csum_off() {
	nsx "$NS_SW" ethtool -K p0 tx off >/dev/null
}

# IPv6 on top of topo (dual stack), the same shape as IPv4:
#   client eth0 fd00:10::2 -- lb eth0 fd00:10::1, lb eth1 fd00:2::1 -- backend i fd00:2::1i
# default routes through lb as for IPv4, VIP6 on the lo of tun and dr backends (IPv6 has no
# arp_ignore: a backend only answers neighbour solicitations for its eth0 addresses, not for
# one on lo).  No duplicate address detection, so addresses work at once.  Call before
# attach_all: decap attach takes the interface's addresses then.
VIP6=fd00::10
topo_v6() {
	local i
	nsx "$NS_C" ip -6 addr add fd00:10::2/64 dev eth0 nodad || return 1
	nsx "$NS_C" ip -6 route add default via fd00:10::1 || return 1
	nsx "$NS_LB" ip -6 addr add fd00:10::1/64 dev eth0 nodad || return 1
	nsx "$NS_LB" ip -6 addr add fd00:2::1/64 dev eth1 nodad || return 1
	nsx "$NS_LB" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	for i in $(seq 1 $((${#NS_B[@]}))); do
		nsx "${NS_B[i]}" ip -6 addr add "fd00:2::1$i/64" dev eth0 nodad || return 1
		nsx "${NS_B[i]}" ip -6 route add default via fd00:2::1 || return 1
		if [ "$TOPO_MODE" != nat ]; then
			nsx "${NS_B[i]}" ip -6 addr add "$VIP6/128" dev lo || return 1
		fi
	done
	return 0
}

# MTU of the balancer-backend segment: lb eth1, the bridge, its ports, the backends' eth0.
backend_mtu() { # MTU
	local i
	nsx "$NS_LB" ip link set eth1 mtu "$1" || return 1
	for i in $(seq 0 $((${#NS_B[@]}))); do
		nsx "$NS_SW" ip link set "p$i" mtu "$1" || return 1
	done
	nsx "$NS_SW" ip link set br0 mtu "$1" || return 1
	for i in $(seq 1 $((${#NS_B[@]}))); do
		nsx "${NS_B[i]}" ip link set eth0 mtu "$1" || return 1
	done
	return 0
}

# A VIP in the topology's mode and its backends (ADDR or ADDR:PORT, [ADDR6]:PORT), all of
# weight 1; OPTION... go to vip add (e.g. sched mh hash l3).
vip_with_reals() { # PROTO SERVICE "OPTION..." REAL...
	local proto=$1 svc=$2 opts=$3 r
	shift 3
	# shellcheck disable=SC2086 # the options are words
	xlb "$NS_LB" vip add "$proto" "$svc" mode "$TOPO_MODE" $opts || return 1
	for r in "$@"; do
		xlb "$NS_LB" real add "$proto" "$svc" "$r" || return 1
	done
	return 0
}

# The packets counted for one verdict reason (stats show), e.g. tx_echo, tx_too_big.
reason_packets() { # REASON
	local n
	n=$(xlb "$NS_LB" -j stats show | grep -o "\"$1\":{\"packets\":[0-9]*" | head -1 |
		grep -o '[0-9]*$')
	echo "${n:-0}"
}

# A counter of the namespace's IPv4 MIB ("Ip:" lines of /proc/net/snmp, e.g. ReasmOKs,
# FragCreates) or, for a field named Ip6..., of /proc/net/snmp6 (e.g. Ip6ReasmOKs).
ip_mib() { # NS FIELD
	case $2 in
	Ip6*) nsx "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6 ;;
	*) nsx "$1" awk -v f="$2" '/^Ip:/ {
		if (!c) { for (i = 1; i <= NF; i++) if ($i == f) c = i; next }
		print $c }' /proc/net/snmp ;;
	esac
}

# Restarts the nginx of nginx_start with EXTRA lines in its server{} (see nginx_conf);
# returns once it answers "I am IDENTITY" again.
nginx_restart() { # NS IDENTITY EXTRA
	local dir="$E2E_TMP/nginx-$1"
	nginx_conf "$dir" "$2" "$3"
	nginx_relaunch "$1" "$dir" http://127.0.0.1/ "I am $2"
}

# Stops the nginx of NS and starts it again on DIR's nginx.conf; returns once URL answers
# WANT (a reload would leave old workers answering for a while).
nginx_relaunch() { # NS DIR URL WANT
	local ns=$1 dir=$2 i pid
	pid=$(cat "$dir/nginx.pid") || return 1
	kill "$pid"
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	nsx "$ns" nginx -c "$dir/nginx.conf" -e "$dir/error.log" || return 1
	for i in $(seq 1 50); do
		[ "$(nsx "$ns" curl -s --max-time 1 "$3")" = "$4" ] && return 0
		sleep 0.1
	done
	echo "nginx on $ns did not restart: $(tail -3 "$dir/error.log")" >&2
	return 1
}

# The health-check daemon and backends that come and go (test-health.sh, test-keepalived.sh).
daemon_start() { # [ARGS...] : xdplb daemon in the balancer's namespace, log in $DLOG
	local n
	DLOG=$E2E_TMP/daemon.log
	n=$(grep -c "serving" "$DLOG" 2>/dev/null)
	# not through nsx: $! must be the daemon itself (ip netns exec execs it)
	ip netns exec "$NS_LB" "$XDPLB" --bpffs "$E2E_PIN" daemon "$@" </dev/null >>"$DLOG" 2>&1 &
	DPID=$!
	E2E_PIDS+=("$DPID")
	disown "$DPID"
	wait_for 3 log_has_more "${n:-0}" serving || {
		echo "daemon did not start: $(cat "$DLOG")" >&2
		return 1
	}
}

log_has_more() { # N PATTERN : the daemon log has more than N lines with PATTERN
	local n
	n=$(grep -c "$2" "$DLOG" 2>/dev/null) # no log yet: none
	[ "${n:-0}" -gt "$1" ]
}

wait_for() { # SECS CMD... : poll CMD every 0.05 s until it succeeds or SECS pass
	local deadline
	deadline=$(($(now_ms) + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }')))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# State of backend ADDR of the TCP (or PROTO) VIP :PORT as "vip show" says: up, down, drain.
real_state() { # ADDR [PROTO PORT]
	xlb "$NS_LB" -j vip show "${2:-tcp}" "$VIP:${3:-80}" |
		grep -o "{\"address\":\"$1\",[^}]*" | grep -o '"state":"[a-z]*"' | cut -d'"' -f4
}

state_is() { # ADDR STATE [PROTO PORT]
	[ "$(real_state "$1" "${3:-tcp}" "${4:-80}")" = "$2" ]
}

# Waits up to SECS for backend ADDR (tcp :80) to be STATE; fails the check WHAT if it is not.
expect_state() { # SECS ADDR STATE WHAT
	wait_for "$1" state_is "$2" "$3" || check "$4" false
}

nginx_stop() { # I : stop backend I's nginx
	local dir="$E2E_TMP/nginx-${NS_B[$1]}" pid
	pid=$(cat "$dir/nginx.pid") || return 1
	kill "$pid"
	wait_for 3 bash -c "! kill -0 $pid 2>/dev/null"
}

nginx_again() { # I
	nsx "${NS_B[$1]}" nginx -c "$E2E_TMP/nginx-${NS_B[$1]}/nginx.conf" \
		-e "$E2E_TMP/nginx-${NS_B[$1]}/error.log"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
