#!/usr/bin/env bash
# Several xdplb balancers behind a router's ECMP, VIPs announced over BGP with BFD by BIRD 2:
# the scale-out topology, for tests that source this file after tests/e2e/lib.sh.
#
#   client  eth0 192.168.10.2  fd00:10::2            (net.core.txrehash=0, see below)
#     |
#   router  eth0 192.168.10.1  fd00:10::1            BIRD: BGP + BFD from the balancers,
#           eth1 10.0.1.1      fd00:1::1  (front)    ECMP routes (merge paths), L4 hash
#           eth2 10.0.2.1      fd00:2::1  (back)     the backends' way back to the client
#     |  front switch (bridge)
#   lb i    eth0 10.0.1.1i     fd00:1::1i            xdplb (native XDP, TUN mode, Maglev),
#           eth1 10.0.2.10i    fd00:2::10i           BIRD announcing kernel table 100
#     |  back switch (bridge, the router's eth2 on it too)
#   backend j  eth0 10.0.2.1j  fd00:2::1j            nginx "I am 10.0.2.1j", xdplb decap,
#                                                    VIPs on lo, default route: the router
#
# BIRD runs the documented configurations, docs/bird.conf on each balancer and
# docs/bird-router.conf on the router, with their "define" lines set to this topology's
# values and their log in a file: a test of the cluster is a test of those files.  Each BIRD
# has its configuration, control socket, pid file and log under $CL_DIR.
#
# On each balancer `xdplb daemon` runs the health checks and puts a VIP's host route into
# its kernel table (CL_TABLE, `config set announce table`) with its route protocol number
# (CL_PROTO) while the VIP has quorum on the node; `xdplb node drain` and `node resume`
# withdraw and announce them all (cluster_withdraw, cluster_announce).  The daemon's log and
# pid file are under $CL_DIR.  The balancers are configured in different orders (backends
# added forwards, backwards; the third one from the first one's `xdplb save`): Maglev must
# make them agree anyway, which the failover tests check connection by connection.
#
# ECMP on veth: with hash policy 1 the router hashes the skb hash that crossed the veth from
# the client's socket, which TCP draws anew after each retransmission timeout (txrehash); the
# client namespace sets net.core.txrehash=0 so that a flow keeps its path, as with a real
# router hashing the 5-tuple.  BIRD installs plain (hash-threshold) multipath routes: a next
# hop that leaves moves its flows and about a quarter of the others' too.
#
# Teardown is lib.sh's e2e_teardown (the runner calls it after each test, failed or not): it
# kills every process in the namespaces by pid (the BIRDs, nginx, the client), deletes the
# namespaces (their links, bridges and XDP programs go with them), unmounts the private bpffs
# (every balancer's pins) and removes $E2E_TMP ($CL_DIR: configurations, sockets, pid files).

CL_TABLE=100
CL_PROTO=200
CL_LB_AS=65001
CL_ROUTER_AS=65000
CL_NB=0
NS_LB=()

# Runs CMD quietly; its output goes to stderr if it fails.
quiet() { # CMD...
	local out
	out=$("$@" 2>&1) && return 0
	echo "$out" >&2
	return 1
}

# xdplb on balancer I, with that balancer's own pin directory: balancers share no map.
lbx() { # I ARGS...
	local i=$1
	shift
	nsx "${NS_LB[i]}" "$XDPLB" --bpffs "$E2E_TMP/bpffs/lb$i" "$@"
}

# A copy of a documented BIRD configuration with its "define NAME = ...;" lines set to the
# given values (a NAME that the file does not define is an error: the file and the tests
# cannot drift apart unnoticed) and its log in LOG instead of syslog.
cluster_bird_conf() { # SRC DST LOG NAME=VALUE...
	local src=$1 dst=$2 logf=$3 kv name
	shift 3
	cp "$src" "$dst" || return 1
	for kv in "$@"; do
		name=${kv%%=*}
		if ! grep -q "^define $name = " "$dst"; then
			echo "cluster: $src defines no $name" >&2
			return 1
		fi
		sed -i "s|^define $name = [^;]*;|define $name = ${kv#*=};|" "$dst" || return 1
	done
	sed -i "s|^log syslog all;|log \"$logf\" all;|" "$dst" || return 1
	grep -q "^log \"$logf\" all;" "$dst" || { echo "cluster: no log line in $src" >&2; return 1; }
	bird -p -c "$dst"
}

# Starts BIRD in NS as instance NAME (files under $CL_DIR/bird-NAME/); returns once it
# answers on its control socket.
cluster_bird_start() { # NS NAME
	local ns=$1 dir=$CL_DIR/bird-$2 i
	nsx "$ns" bird -c "$dir/bird.conf" -s "$dir/ctl" -P "$dir/pid" || return 1
	for i in $(seq 1 50); do
		birdc -s "$dir/ctl" show status 2>/dev/null | grep -q 'Daemon is up' && return 0
		sleep 0.1
	done
	echo "cluster: BIRD $2 did not start: $(tail -3 "$dir/bird.log" 2>/dev/null)" >&2
	return 1
}

cl_birdc() { # NAME ARGS... : birdc of BIRD instance NAME (router, lb1, lb2...)
	local name=$1
	shift
	birdc -s "$CL_DIR/bird-$name/ctl" "$@"
}

# The next hops of the router's kernel route to ADDR (4 or 6), one per line, sorted; nothing
# when it has no route.
router_nexthops() { # ADDR
	local fam=-4
	[[ $1 == *:* ]] && fam=-6
	nsx "$NS_R" ip "$fam" route show "$1" 2>/dev/null | grep -o 'via [0-9a-f.:]*' |
		cut -d' ' -f2 | sort
}

# Polls until the router's routes to VIP and VIP6 have N next hops each (0: no route);
# TIMEOUT seconds at most (default 10).
cluster_wait_paths() { # N [TIMEOUT]
	local n=$1 tries=$((${2:-10} * 20)) i
	for i in $(seq 1 "$tries"); do
		if [ "$(router_nexthops "$VIP" | wc -l)" -eq "$n" ] &&
			[ "$(router_nexthops "$VIP6" | wc -l)" -eq "$n" ]; then
			return 0
		fi
		sleep 0.05
	done
	echo "cluster: the router has not $n paths to the VIPs:" \
		"$(nsx "$NS_R" ip route show "$VIP")" "$(nsx "$NS_R" ip -6 route show "$VIP6")" >&2
	return 1
}

# xdplb daemon on balancer I, in the background: health checks, routes.  Its pid file and
# log are under $CL_DIR; e2e_teardown stops it (every process of the namespaces, by pid).
cluster_daemon() { # I
	local i=$1
	nsx "${NS_LB[i]}" "$XDPLB" --bpffs "$E2E_TMP/bpffs/lb$i" daemon \
		pidfile "$CL_DIR/daemon-lb$i.pid" >"$CL_DIR/daemon-lb$i.log" 2>&1 &
}

# Balancer I announces its VIPs again (after a drain) / withdraws them all.
cluster_announce() { # I
	lbx "$1" node resume
}

cluster_withdraw() { # I
	lbx "$1" node drain
}

# The router: namespaces, links, the two switches, addresses, forwarding with ECMP on the
# 5-tuple (fib_multipath_hash_policy 1), and its BIRD.
cluster_router() {
	ns_add NS_C c && ns_add NS_R r && ns_add NS_SWF swf && ns_add NS_SWB swb || return 1
	link_add "$NS_C" eth0 "$NS_R" eth0 txoff || return 1
	link_add "$NS_R" eth1 "$NS_SWF" p0 || return 1
	link_add "$NS_R" eth2 "$NS_SWB" p0 || return 1
	local sw
	for sw in "$NS_SWF" "$NS_SWB"; do
		nsx "$sw" ip link add br0 type bridge || return 1
		nsx "$sw" ip link set p0 master br0 || return 1
		nsx "$sw" ip link set br0 up || return 1
	done
	nsx "$NS_C" ip addr add 192.168.10.2/24 dev eth0 || return 1
	nsx "$NS_C" ip -6 addr add fd00:10::2/64 dev eth0 nodad || return 1
	nsx "$NS_C" ip route add default via 192.168.10.1 || return 1
	nsx "$NS_C" ip -6 route add default via fd00:10::1 || return 1
	nsx "$NS_C" sysctl -qw net.core.txrehash=0 || return 1
	nsx "$NS_R" ip addr add 192.168.10.1/24 dev eth0 || return 1
	nsx "$NS_R" ip addr add 10.0.1.1/24 dev eth1 || return 1
	nsx "$NS_R" ip addr add 10.0.2.1/24 dev eth2 || return 1
	nsx "$NS_R" ip -6 addr add fd00:10::1/64 dev eth0 nodad || return 1
	nsx "$NS_R" ip -6 addr add fd00:1::1/64 dev eth1 nodad || return 1
	nsx "$NS_R" ip -6 addr add fd00:2::1/64 dev eth2 nodad || return 1
	# An edge router rejects what it has no route for among the VIPs it takes from the
	# balancers, rather than leaving clients to time out: a TCP RST, not rate-limited like
	# ICMP unreachables (docs/bird-router.conf).
	nsx "$NS_R" nft -f - <<-EOF || return 1
		table inet xdplb_edge {
			chain pre {
				type filter hook prerouting priority 0;
				ip daddr $VIP tcp dport 80 fib daddr oif missing counter \
					reject with tcp reset
				ip6 daddr $VIP6 tcp dport 80 fib daddr oif missing counter \
					reject with tcp reset
			}
		}
	EOF
	# answers come back from the VIP on eth2 while the VIP's route points at eth1
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.eth2.rp_filter=0 || return 1
	mkdir -p "$CL_DIR/bird-router" || return 1
	cluster_bird_conf docs/bird-router.conf "$CL_DIR/bird-router/bird.conf" \
		"$CL_DIR/bird-router/bird.log" ROUTER_ID=10.0.1.1 LOCAL_AS=$CL_ROUTER_AS \
		LB_AS=$CL_LB_AS LB_NET4=10.0.1.0/24 LB_NET6=fd00:1::/64 \
		"VIPS4=[ $VIP/32 ]" "VIPS6=[ $VIP6/128 ]" || return 1
	cluster_bird_start "$NS_R" router
}

# Backend J on the back switch: nginx answering "I am 10.0.2.1J" on both families, the VIPs
# on lo, xdplb's decapsulator on eth0 (the kernel has no ipip driver).  Keep-alive
# connections are not closed after nginx's default 1000 requests: conn_client.py's long-lived
# connections send ten a second.
cluster_backend() { # J
	local j=$1 ns dir
	ns_add "NS_B[$j]" "b$j" || return 1
	ns=${NS_B[j]}
	link_add "$ns" eth0 "$NS_SWB" "pb$j" txoff || return 1
	nsx "$NS_SWB" ip link set "pb$j" master br0 || return 1
	nsx "$ns" ip addr add "10.0.2.1$j/24" dev eth0 || return 1
	nsx "$ns" ip -6 addr add "fd00:2::1$j/64" dev eth0 nodad || return 1
	nsx "$ns" ip route add default via 10.0.2.1 || return 1
	nsx "$ns" ip -6 route add default via fd00:2::1 || return 1
	nsx "$ns" ip addr add "$VIP/32" dev lo || return 1
	nsx "$ns" ip -6 addr add "$VIP6/128" dev lo || return 1
	nsx "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 || return 1
	# a pin directory of its own: decap's address map is pinned by name, and a shared one
	# would make each backend take the others' tunnel packets too
	quiet nsx "$ns" "$XDPLB" --bpffs "$E2E_TMP/bpffs/b$j" decap attach dev eth0 || return 1
	dir="$E2E_TMP/nginx-$ns"
	mkdir -p "$dir" || return 1
	nginx_conf "$dir" "10.0.2.1$j" "keepalive_requests 1000000;"
	nsx "$ns" nginx -c "$dir/nginx.conf" -e "$dir/error.log" || return 1
	CL_NB=$j
}

# Balancer I: front and back links, forwarding, xdplb on eth0 (tunnel sources on eth1) with
# the TCP VIPs on port 80 (IPv4 and IPv6) and every backend, a TCP health check, announcing
# into CL_TABLE, its BIRD.  The daemon is not started yet (cluster_daemon I).  Small tables:
# three balancers in one machine.
cluster_lb() { # I
	local i=$1 ns j
	ns_add "NS_LB[$i]" "lb$i" || return 1
	ns=${NS_LB[i]}
	link_add "$ns" eth0 "$NS_SWF" "p$i" || return 1
	link_add "$ns" eth1 "$NS_SWB" "pl$i" || return 1
	nsx "$NS_SWF" ip link set "p$i" master br0 || return 1
	nsx "$NS_SWB" ip link set "pl$i" master br0 || return 1
	# the bridge re-segments merged bursts towards the XDP interface and leaves their
	# checksums to the receiver (lib.sh, topo): its port computes them
	nsx "$NS_SWF" ethtool -K "p$i" tx off >/dev/null 2>&1
	# A NIC drops frames for other MAC addresses before XDP sees them; a veth does not, and
	# xdplb does not look at the destination MAC.  Once a balancer's port is down the
	# bridge floods the frames still sent to it to every port, and the live balancers would
	# forward them (the failure would never show): no unknown-unicast flooding to balancers.
	nsx "$NS_SWF" bridge link set dev "p$i" flood off || return 1
	nsx "$ns" ip addr add "10.0.1.1$i/24" dev eth0 || return 1
	nsx "$ns" ip addr add "10.0.2.10$i/24" dev eth1 || return 1
	nsx "$ns" ip -6 addr add "fd00:1::1$i/64" dev eth0 nodad || return 1
	nsx "$ns" ip -6 addr add "fd00:2::10$i/64" dev eth1 nodad || return 1
	nsx "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	quiet lbx "$i" dev attach dev eth0 tunsrc "10.0.2.10$i" tunsrc "fd00:2::10$i" vips 4 \
		reals 16 flows 65536 ring 4093 || return 1
	if [ "$i" -ge 3 ]; then
		# the first balancer's configuration, less its own tunnel sources
		lbx 1 save | grep -v '^config set tunsrc' | quiet lbx "$i" batch file - || return 1
	else
		lbx "$i" config set announce table "$CL_TABLE" proto "$CL_PROTO" || return 1
		lbx "$i" vip add tcp "$VIP:80" sched mh mode tun || return 1
		lbx "$i" vip add tcp "[$VIP6]:80" sched mh mode tun || return 1
		# forwards on the first, backwards on the second
		for j in $(if [ "$i" -eq 1 ]; then seq 1 "$CL_NB"; else seq "$CL_NB" -1 1; fi); do
			lbx "$i" real add tcp "$VIP:80" "10.0.2.1$j" || return 1
			lbx "$i" real add tcp "[$VIP6]:80" "[fd00:2::1$j]:80" || return 1
		done
		lbx "$i" check set tcp "$VIP:80" tcp interval 0.5 timeout 0.3 rise 1 fall 1 &&
			lbx "$i" check set tcp "[$VIP6]:80" tcp interval 0.5 timeout 0.3 rise 1 fall 1 ||
			return 1
	fi
	mkdir -p "$CL_DIR/bird-lb$i" || return 1
	cluster_bird_conf docs/bird.conf "$CL_DIR/bird-lb$i/bird.conf" "$CL_DIR/bird-lb$i/bird.log" \
		NODE_ID="10.0.1.1$i" LOCAL_AS=$CL_LB_AS PEER_AS=$CL_ROUTER_AS PEER4=10.0.1.1 \
		PEER6=fd00:1::1 XDPLB_TABLE=$CL_TABLE XDPLB_PROTO=$CL_PROTO || return 1
	cluster_bird_start "$ns" "lb$i"
}

# The whole topology: NLB balancers (default 3) and NB backends (default 3); every balancer
# announces the VIPs, and this returns once the router has an ECMP route with NLB next hops
# to each.
cluster_up() { # [NLB] [NB]
	local nlb=${1:-3} nb=${2:-3} i
	CL_DIR=$E2E_TMP/cluster
	mkdir -p "$CL_DIR" || return 1
	cluster_router || return 1
	for i in $(seq 1 "$nb"); do
		cluster_backend "$i" || return 1
	done
	for i in $(seq 1 "$nlb"); do
		cluster_lb "$i" || return 1
	done
	for i in $(seq 1 "$nlb"); do
		cluster_daemon "$i" || return 1
	done
	cluster_wait_paths "$nlb" 15
}

# Cuts balancer I off the router without a link-down the router could see: its port on the
# front switch goes down, and only BFD tells the router.
cluster_cut() { # I
	nsx "$NS_SWF" ip link set "p$1" down
}

# conn_client.py in the client namespace, in the background, towards VIP:80; returns once
# its long-lived connections have all had an answer (the ready file).  Its JSON summary goes
# to $CL_DIR/client.json, its pid to CL_CLIENT.
client_start() { # ARGS... (conn_client.py options)
	local ready=$CL_DIR/client.ready i
	rm -f "$ready" "$CL_DIR/client.json"
	# not through nsx: a function in the background is a subshell, and $! would be its pid
	ip netns exec "$NS_C" python3 tests/e2e/conn_client.py "$VIP" 80 --ready-file "$ready" "$@" \
		</dev/null >"$CL_DIR/client.json" 2>"$CL_DIR/client.err" &
	CL_CLIENT=$!
	E2E_PIDS+=("$CL_CLIENT")
	disown "$CL_CLIENT"
	for i in $(seq 1 300); do
		[ -s "$ready" ] && return 0
		kill -0 "$CL_CLIENT" 2>/dev/null || break
		sleep 0.05
	done
	echo "cluster: conn_client did not get ready: $(cat "$CL_DIR/client.err")" >&2
	return 1
}

# Marks the moment of a fault in the client's record (its SIGUSR1).
client_mark() {
	kill -USR1 "$CL_CLIENT"
}

# Waits for the client to end by itself (SECS at most, then TERM), its summary complete.
client_wait() { # SECS
	local i
	for i in $(seq 1 $(($1 * 20))); do
		kill -0 "$CL_CLIENT" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$CL_CLIENT" 2>/dev/null; then
		kill "$CL_CLIENT"
		sleep 1
	fi
	if ! python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$CL_DIR/client.json" \
		2>/dev/null; then
		echo "cluster: no summary from conn_client: $(tail -5 "$CL_DIR/client.err")" >&2
		return 1
	fi
	log "client: $(head -c 2000 "$CL_DIR/client.json")"
}

# A Python expression over the client's summary, bound to d: cq 'd["new"]["failed"]'.
cq() { # EXPR
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$CL_DIR/client.json" "$1"
}

# A value of the client's summary by its dotted path: cj long.survived, cj marks_s.0.
cj() { # PATH
	local e=d k ks
	IFS=. read -ra ks <<<"$1"
	for k in "${ks[@]}"; do
		if [[ $k =~ ^[0-9]+$ ]]; then e+="[$k]"; else e+="['$k']"; fi
	done
	cq "$e"
}

# A counter of VIP:80 on balancer I ("xdplb -j vip show"): packets, flows...
lb_vip_stat() { # I FIELD
	lbx "$1" -j vip show tcp "$VIP:80" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}

# Saves balancer I's flows of VIP:80 (flow show) as $CL_DIR/flows-NAME.json.
lb_flows_save() { # I NAME
	lbx "$1" -j flow show tcp "$VIP:80" limit 0 >"$CL_DIR/flows-$2.json"
}

# The long-lived connections of the client's summary found in saved flows (lb_flows_save):
# prints "FLOWS MISMATCHED LATE": how many there are, how many of them the balancer sends to
# a backend that did not answer that connection, and how many of the connections were still
# answered after SECS (the client's clock, e.g. its mark + 1).
long_flows() { # NAME SECS
	python3 -c 'import json, sys
flows = json.load(open(sys.argv[1]))
conns = {c["port"]: c for c in json.load(open(sys.argv[2]))["long"]["conns_detail"]}
n = bad = late = 0
for f in flows:
    c = conns.get(int(f["client"].rsplit(":", 1)[1]))
    if not c:
        continue
    n += 1
    if f["backend"].rsplit(":", 1)[0] not in [r[0] for r in c["answers"]]:
        bad += 1
    if (c["last_answer_s"] or 0) > float(sys.argv[3]):
        late += 1
print(n, bad, late)' "$CL_DIR/flows-$1.json" "$CL_DIR/client.json" "$2"
}

# A counter of the namespace's SNMP MIBs (/proc/net/snmp, /proc/net/netstat) by its group
# and name, e.g. Icmp OutDestUnreachs, IpExt InNoRoutes.
mib() { # NS GROUP FIELD
	nsx "$1" awk -v g="$2:" -v f="$3" '$1 == g {
		if (!c) { for (i = 2; i <= NF; i++) if ($i == f) c = i; next }
		print $c; exit }' /proc/net/snmp /proc/net/netstat
}
