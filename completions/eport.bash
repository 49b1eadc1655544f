# bash completion for eport and every eport-* command.  Installed as
# completions/eport with a symlink for each eport-* name, so that
# bash-completion loads it for whichever is typed first.  Case ids come from
# eport-ls on the store of EPORT_HOME, narrowed to the states a command acts on.

_eport_cmds='init apply attach check review amend card ship close export ls show
log status order cal vcard fsck web report backup'
_eport_states='received checked incomplete accepted rejected returned ready
shipped delivered bounced collected withdrawn closed'
_eport_types='onboard info-change operator-change operator-add reissue renew
unlock reader deregister'
_eport_kinds='license form1 form2 form3 form4 poa id-legal id-operator
id-holder id-handler payment'
_eport_paths='mail.recipient= mail.phone= mail.address= handler.name=
handler.id_number= handler.phone= enterprise.name= enterprise.uscc=
enterprise.address= pickup= order= holders.1.name= holders.1.id_number=
holders.1.phone='

_eport_words() {
	local IFS=$' \t\n'
	COMPREPLY+=($(compgen -W "$1" -- "$cur"))
}

_eport_files() {
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	COMPREPLY+=($(compgen -f -- "$cur"))
}

# _eport_cases [STATE...]: the ids of the cases in those states, or all
_eport_cases() {
	local ids= s
	if (($# == 0)); then
		ids=$(eport-ls 2>/dev/null | awk 'NR > 1 { print $1 }')
	else
		for s; do
			ids+=" $(eport-ls -s "$s" 2>/dev/null | awk 'NR > 1 { print $1 }')"
		done
	fi
	_eport_words "$ids"
}

# Complete one command: words[0] is its name, words[cword] the word under the
# cursor (both from the caller, _eport).
_eport_complete() {
	local cmd=$1 cur=${words[cword]} prev=
	local opts argopts subs= sub= i n=0
	((cword > 0)) && prev=${words[cword - 1]}
	case $cmd in
	eport-init)	opts='-b -f -g -k -n -h --from --keys --branch'
			argopts='-b -f -g -k --from --keys --branch' ;;
	eport-backup)	opts='-j -k -n -V -h'; argopts='' ;;
	eport-apply)	opts='-j -n -h'; argopts='' ;;
	eport-attach)	opts='-c -H -j -n -s -h'; argopts='-c -H' ;;
	eport-check)	opts='-f -j -n -q -h'; argopts='-f' ;;
	eport-review)	opts='-j -m -n -h'; argopts='-m'; subs='accept reject return withdraw' ;;
	eport-amend)	opts='-j -m -n -h'; argopts='-m' ;;
	eport-card)	opts='-d -j -m -n -r -s -u -h'; argopts='-d -m -r -s -u'
			subs='status write unlock renew revoke ls expiring' ;;
	eport-ship)	opts='-F -d -e -f -j -m -n -o -t -h'; argopts='-F -d -e -f -m -o -t'
			subs='due manifest mark deliver bounce collect uncollected' ;;
	eport-close)	opts='-j -m -n -h'; argopts='-m' ;;
	eport-export)	opts='-m -n -o -V -h'; argopts='-o -V' ;;
	eport-ls)	opts='-d -j -s -t -u -w -S -U -h'; argopts='-d -s -t -u -S -U' ;;
	eport-show)	opts='-t -h'; argopts='' ;;
	eport-log)	opts='-j -h'; argopts='' ;;
	eport-status)	opts='-j -o -p -R -h'; argopts='-o -p -R' ;;
	eport-report)	opts='-j -o -S -t -U -h'; argopts='-o -S -t -U' ;;
	eport-order)	opts='-j -n -s -h'; argopts='-s'; subs='import ls' ;;
	eport-cal)	opts='-H -n -p -w -h'; argopts='-H -n -p' ;;
	eport-vcard)	opts='-H -i -p -v -h'; argopts='-H -p' ;;
	eport-fsck)	opts='-r -h'; argopts='' ;;
	eport-web)	opts='-h'; argopts='' ;;
	*)		return ;;
	esac

	# the argument of an option
	if [[ -n $prev && " $argopts " == *" $prev "* ]]; then
		case $cmd:$prev in
		eport-ls:-s)		_eport_words "$_eport_states" ;;
		eport-card:-s)		_eport_words 'active revoked' ;;
		eport-ls:-t|eport-cal:-p) _eport_words "$_eport_types" ;;
		eport-check:-f|eport-export:-o|eport-export:-V|eport-ship:-o|eport-status:-o|\
		eport-report:-o|eport-init:-f|eport-init:--from|eport-init:-k|eport-init:--keys)
			_eport_files ;;
		eport-init:-g)		_eport_words "$(compgen -g)" ;;
		eport-ship:-F)		_eport_words 'csv tsv xlsx' ;;
		eport-report:-t)	_eport_words 'work backlog age posting stages' ;;
		eport-ship:-e)		_eport_words 'utf-8 gb18030' ;;
		eport-ship:-t)		_eport_words 'resident hk-macau-permit taiwan-permit foreign-permanent passport' ;;
		eport-status:-p)	_eport_cases ready bounced ;;
		eport-order:-s)		_eport_words '待支付 待认证 待开票 待提货 待退款 完成' ;;
		esac
		return
	fi
	if [[ $cur == -* ]]; then
		_eport_words "$opts"
		return
	fi

	# which positional argument this is, and the subcommand if any
	for ((i = 1; i < cword; i++)); do
		if [[ " $argopts " == *" ${words[i]} "* ]]; then
			((i++))
		elif [[ ${words[i]} != -* ]]; then
			((n++))
			[[ -z $sub && -n $subs ]] && sub=${words[i]}
		fi
	done
	if [[ -n $subs && -z $sub ]]; then
		_eport_words "$subs"
		return
	fi
	[[ -n $sub ]] && ((n--))

	case $cmd:$sub in
	eport-apply:|eport-vcard:|eport-order:import|eport-ship:mark|eport-backup:) _eport_files ;;
	eport-attach:)
		case $n in
		0) _eport_cases received incomplete returned ;;
		1) _eport_words "$_eport_kinds" ;;
		*) _eport_files ;;
		esac ;;
	eport-check:)	_eport_cases received incomplete ;;
	eport-review:accept)	_eport_cases checked ;;
	eport-review:withdraw)	_eport_cases received checked incomplete returned accepted ready ;;
	eport-review:*)	_eport_cases checked incomplete ;;
	eport-amend:)
		if ((n == 0)); then
			_eport_cases received checked incomplete returned accepted ready
		else
			compopt -o nospace 2>/dev/null
			_eport_words "$_eport_paths"
		fi ;;
	eport-card:write|eport-card:unlock|eport-card:renew)
		((n == 0)) && _eport_cases accepted ;;
	eport-ship:deliver|eport-ship:bounce) _eport_cases shipped ;;
	eport-ship:collect)	_eport_cases bounced ready ;;
	eport-close:)	_eport_cases ready delivered collected rejected withdrawn ;;
	eport-export:|eport-show:|eport-log:) _eport_cases ;;
	eport-order:ls)	_eport_words "$(eport-order ls 2>/dev/null | awk 'NR > 1 { print $1 }')" ;;
	esac
}

_eport() {
	local words=("${COMP_WORDS[@]}") cword=$COMP_CWORD cmd
	COMPREPLY=()
	cmd=${words[0]##*/}
	if [[ $cmd == eport ]]; then
		local cur=${words[cword]}
		if ((cword == 1)); then
			[[ $cur == -* ]] && _eport_words --version || _eport_words "$_eport_cmds help"
			return
		fi
		if [[ ${words[1]} == help ]]; then
			((cword == 2)) && _eport_words "$_eport_cmds"
			return
		fi
		cmd=eport-${words[1]}
		words=("$cmd" "${words[@]:2}")
		((cword--))
	fi
	_eport_complete "$cmd"
}

complete -F _eport eport eport-init eport-apply eport-attach eport-check \
	eport-review eport-amend eport-card eport-ship eport-close eport-export eport-ls \
	eport-show eport-log eport-status eport-order eport-cal eport-vcard \
	eport-fsck eport-web eport-report eport-backup
