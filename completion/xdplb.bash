# bash completion for xdplb(8)                                    -*- shell-script -*-
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Objects, commands and keywords as in 'xdplb OBJECT help'; existing services and backends
# come from 'xdplb save' (with the line's --bpffs), interfaces from /sys/class/net.

# shellcheck disable=SC2086 # word lists ($objects, $cmds) are split on purpose

# The configuration, as save prints it, of the balancer this command line talks to.
_xdplb_save()
{
	local xdplb=${COMP_WORDS[0]}
	if [[ -n $_xdplb_bpffs ]]; then
		"$xdplb" --bpffs "$_xdplb_bpffs" save 2>/dev/null
	else
		"$xdplb" save 2>/dev/null
	fi
}

# ADDR:PORT of the existing VIPs of protocol $1.
_xdplb_services()
{
	_xdplb_save | awk -v p="$1" '$1 == "vip" && $2 == "add" && $3 == p { print $4 }'
}

# Backends (as real add prints them) of VIP $1 $2.
_xdplb_reals()
{
	_xdplb_save | awk -v p="$1" -v v="$2" \
		'$1 == "real" && $2 == "add" && $3 == p && $4 == v { print $5 }'
}

_xdplb_ifaces()
{
	local i
	for i in /sys/class/net/*; do
		[[ -e $i ]] && printf '%s\n' "${i##*/}"
	done
}

# COMPREPLY from the words given, matching the current word.
_xdplb_reply()
{
	local IFS=$'\n'
	mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

# Keywords of $@ not used yet among the arguments.
_xdplb_unused()
{
	local k a used out=()
	for k in "$@"; do
		used=''
		for a in "${args[@]}"; do
			[[ $a == "$k" ]] && used=1
		done
		[[ -z $used ]] && out+=("$k")
	done
	printf '%s\n' "${out[@]}"
}

# The full name of a unique prefix $1 among $2..., else $1.
_xdplb_expand()
{
	local pfx=$1 w found=''
	shift
	for w in "$@"; do
		if [[ $w == "$pfx" ]]; then
			printf '%s' "$w"
			return
		fi
		if [[ $w == "$pfx"* ]]; then
			[[ -n $found ]] && { printf '%s' "$pfx"; return; }
			found=$w
		fi
	done
	printf '%s' "${found:-$pfx}"
}

_xdplb()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local objects="dev vip real check daemon stats metrics flow explain config save batch import
		ipvsadm decap node trace version help"
	local options="-j --json -p --pretty -d --debug --bpffs --help"
	local i=1 obj='' cmd='' args=() _xdplb_bpffs=

	COMPREPLY=()
	# global options, then OBJECT and COMMAND; the words after them in args
	while ((i < COMP_CWORD)); do
		local w=${COMP_WORDS[i]}
		if [[ -z $obj && $w == --bpffs ]]; then
			_xdplb_bpffs=${COMP_WORDS[i + 1]}
			((i += 2))
			continue
		fi
		if [[ -z $obj && $w == -* ]]; then
			((i++))
			continue
		fi
		if [[ -z $obj ]]; then
			obj=$(_xdplb_expand "$w" $objects)
		elif [[ -z $cmd ]]; then
			cmd=$w
		else
			args+=("$w")
		fi
		((i++))
	done

	if [[ $prev == --bpffs && -z $obj ]]; then
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
	fi
	if [[ -z $obj ]]; then
		if [[ $cur == -* ]]; then
			_xdplb_reply $options
		else
			_xdplb_reply $objects
		fi
		return
	fi

	# ipvsadm's own command line: its options, schedulers, existing services
	if [[ $obj == ipvsadm ]]; then
		case $prev in
		-s | --scheduler) _xdplb_reply rr wrr lc wlc sh mh ;;
		-t | --tcp-service) _xdplb_reply "$(_xdplb_services tcp)" ;;
		-u | --udp-service) _xdplb_reply "$(_xdplb_services udp)" ;;
		-r | --real-server | -w | --weight | -p | --persistent | -M | --netmask) ;;
		*)
			_xdplb_reply -A -E -D -C -R -S -a -e -d -L -l --set -t -u -s -p -M -r -g -i -m \
				-w -n --stats --rate --thresholds --exact --nosort --sort --timeout \
				--daemon -h --help -v --version
			;;
		esac
		return
	fi

	# explain SERVICE [ port N ] [ syn ] from ADDR[:PORT]...: no command word, the protocol
	# stands where it would be
	if [[ $obj == explain ]]; then
		if [[ -z $cmd ]]; then
			_xdplb_reply tcp udp help
		elif ((${#args[@]} == 0)); then
			[[ $cmd == tcp || $cmd == udp ]] && _xdplb_reply "$(_xdplb_services "$cmd")"
		elif [[ $prev != from && $prev != port ]]; then
			if [[ $cmd == tcp ]]; then
				_xdplb_reply from "$(_xdplb_unused port syn)"
			else
				_xdplb_reply from "$(_xdplb_unused port)"
			fi
		fi
		return
	fi

	# trace: its keywords right after the object (status, stop, help only as the first word)
	if [[ $obj == trace ]]; then
		local tw=()
		[[ -n $cmd ]] && tw=("$cmd" "${args[@]}")
		args=("${tw[@]}")
		local pprev=${COMP_WORDS[COMP_CWORD - 2]}
		case $prev in
		vip) _xdplb_reply tcp udp ;;
		tcp | udp) [[ $pprev == vip ]] && _xdplb_reply "$(_xdplb_services "$prev")" ;;
		# the names of stats show (loader/util/common.c), and drop and pass for all theirs
		reason)
			_xdplb_reply tx redirect tx_reject tx_echo tx_too_big pass_not_ip pass_not_vip \
				pass_ipv6_ext pass_fragment pass_too_big pass_no_neigh pass_ttl \
				pass_l2_multicast pass_source_route drop_malformed_l2 drop_malformed_l3 \
				drop_malformed_l4 drop_no_backend \
				drop_no_route drop_fwd_disabled drop_no_source drop_no_neigh drop_too_big \
				drop_fragment drop_icmp drop_martian drop_bad_csum drop_internal drop pass
			;;
		-w) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
		client | count) ;;
		*)
			[[ ${#tw[@]} -eq 0 ]] && _xdplb_reply status stop help vip client reason count -w &&
				return
			[[ ${tw[0]} == status || ${tw[0]} == stop || ${tw[0]} == help ]] && return
			_xdplb_reply "$(_xdplb_unused vip client count -w)" reason
			;;
		esac
		return
	fi

	local cmds
	case $obj in
	dev | decap) cmds="attach detach show help" ;;
	vip) cmds="add set del show help" ;;
	real) cmds="add set del help" ;;
	check) cmds="set del show help" ;;
	daemon) cmds="config pidfile metrics help" ;;
	stats) cmds="show help" ;;
	metrics) cmds="help" ;;
	flow) cmds="show flush timeout gc help" ;;
	config) cmds="show set help" ;;
	batch) cmds="file help" ;;
	import) cmds="ipvsadm keepalived help" ;;
	node) cmds="drain resume show help" ;;
	*) return ;;
	esac
	[[ $obj == decap ]] && cmds="attach detach add del show help"
	if [[ -z $cmd ]]; then
		_xdplb_reply $cmds
		return
	fi
	cmd=$(_xdplb_expand "$cmd" $cmds)

	local n=${#args[@]}
	# SERVICE := { tcp | udp } ADDR:PORT at the start of args (where the command takes one)
	local svc_at0=
	case $obj.$cmd in
	vip.add | vip.set | vip.del | vip.show | real.* | stats.show | flow.show | flow.flush | \
		check.set | check.del | check.show)
		svc_at0=1
		;;
	esac
	if [[ -n $svc_at0 ]]; then
		if ((n == 0)); then
			case $obj.$cmd in
			vip.show) _xdplb_reply tcp udp stats rate table ;;
			stats.show) _xdplb_reply tcp udp interval ;;
			flow.show) _xdplb_reply tcp udp limit ;;
			*) _xdplb_reply tcp udp ;;
			esac
			return
		fi
		if ((n == 1)) && [[ ${args[0]} == tcp || ${args[0]} == udp ]]; then
			# a new VIP has no address to offer; the others name existing ones
			[[ $obj.$cmd != vip.add ]] && _xdplb_reply "$(_xdplb_services "${args[0]}")"
			return
		fi
	fi

	case $obj.$cmd in
	dev.attach | decap.attach)
		case $prev in
		dev) _xdplb_reply "$(_xdplb_ifaces)" ;;
		mode) _xdplb_reply native generic ;;
		lru) _xdplb_reply shared percpu ;;
		tunsrc | vips | reals | flows | flows6 | ring | addr) ;;
		*)
			# tunsrc may come twice (an IPv4 and an IPv6 address)
			if [[ $obj == dev ]]; then
				_xdplb_reply "$(_xdplb_unused dev mode vips reals flows flows6 lru ring)" tunsrc
			else
				_xdplb_reply "$(_xdplb_unused dev mode)" addr
			fi
			;;
		esac
		;;
	dev.detach | dev.show | decap.detach)
		if [[ $prev == dev ]]; then
			_xdplb_reply "$(_xdplb_ifaces)"
		elif ((n == 0)); then
			_xdplb_reply dev
		fi
		;;
	vip.add | vip.set)
		case $prev in
		sched) _xdplb_reply mh sh rr wrr lc wlc ;;
		mode) _xdplb_reply tun dr nat ;;
		ondown) _xdplb_reply move keep ;;
		alldown) _xdplb_reply drop reject ;;
		hash) _xdplb_reply l4 l3 ;;
		persist | quorum | hysteresis) ;;
		*)
			((n >= 2)) && _xdplb_reply "$(_xdplb_unused sched mode persist ondown alldown \
				hash quorum hysteresis)"
			;;
		esac
		;;
	vip.show)
		((n == 2)) && _xdplb_reply stats rate table
		;;
	check.set | check.del)
		# SERVICE [ real ADDR[:PORT] ] TYPE [ options ]
		local type='' a
		for a in "${args[@]:2}"; do
			case $a in tcp | http | https | udp | exec) type=$a ;; esac
		done
		case $prev in
		real) _xdplb_reply "$(_xdplb_reals "${args[0]}" "${args[1]}")" ;;
		exec | path | status | expect | sni | user | payload | port | interval | timeout | \
			rise | fall) ;;
		*)
			if [[ $cmd == del ]]; then
				((n == 2)) && _xdplb_reply real
			elif [[ -z $type ]]; then
				_xdplb_reply tcp http https udp exec "$( ((n == 2)) && echo real)"
			else
				local kw="port interval timeout rise fall"
				case $type in
				http) kw+=" path status expect" ;;
				https) kw+=" path status expect sni" ;;
				udp) kw+=" payload expect" ;;
				exec) kw+=" user" ;;
				esac
				_xdplb_reply "$(_xdplb_unused $kw)"
			fi
			;;
		esac
		;;
	daemon.config | daemon.pidfile | daemon.metrics)
		case $prev in
		config | pidfile) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
		metrics) _xdplb_reply on off ;;
		*) _xdplb_reply "$(_xdplb_unused config pidfile metrics)" ;;
		esac
		;;
	import.keepalived)
		if ((n == 0)); then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur"
				compgen -W "-" -- "$cur")
		else
			_xdplb_reply "$(_xdplb_unused print check)"
		fi
		;;
	real.add | real.set | real.del)
		if ((n == 2)); then
			# backends of the VIP: for set and del
			[[ $cmd != add ]] && _xdplb_reply "$(_xdplb_reals "${args[0]}" "${args[1]}")"
		elif ((n >= 3)) && [[ $cmd != del && $prev != weight ]]; then
			_xdplb_reply "$(_xdplb_unused weight)"
		fi
		;;
	stats.show)
		[[ $prev != interval ]] && _xdplb_reply "$(_xdplb_unused interval)"
		;;
	flow.show)
		[[ $prev != limit ]] && _xdplb_reply "$(_xdplb_unused limit)"
		;;
	flow.timeout)
		case $prev in
		tcp | tcpfin | udp) ;;
		*) _xdplb_reply "$(_xdplb_unused tcp tcpfin udp)" ;;
		esac
		;;
	config.set)
		case $prev in
		tunsrc) ;;
		mtu) _xdplb_reply auto ;;
		echo | flowcache) _xdplb_reply on off ;;
		announce) _xdplb_reply off table ;;
		table) ;;
		*) _xdplb_reply tunsrc "$(_xdplb_unused mtu echo flowcache announce)" ;;
		esac
		;;
	batch.file | import.ipvsadm)
		if ((n == 0)); then
			mapfile -t COMPREPLY < <(compgen -f -- "$cur"
				compgen -W "-" -- "$cur"
				[[ $obj == import ]] && compgen -W check -- "$cur")
		else
			_xdplb_reply "$(_xdplb_unused check)"
		fi
		;;
	esac
}

complete -F _xdplb xdplb
