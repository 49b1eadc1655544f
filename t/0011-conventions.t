#!/bin/sh
# What every command of cmd/ keeps (DESIGN.md section 11): -h and --help
# print the usage on stdout and exit 0, --version prints "eport-foo VERSION"
# (the Makefile's VERSION), a bad option prints the usage on stderr and
# exits 2; none of them touches a store.
. "$EPORT_SRC/t/lib.sh"

SRC=$EPORT_SRC
commands=$(cd "$SRC/cmd" && for f in eport*.c; do echo "${f%.c}"; done)
version=$(sed -n 's/^VERSION = //p' "$SRC/Makefile")
# no store: asking for help must not need one, nor make one
export EPORT_HOME="$TRASH/nostore"

test_expect_success 'the Makefile has a VERSION, and cmd/ has the commands' '
	test -n "$version" && test "$(echo "$commands" | wc -l)" -ge 20
'

for c in $commands; do
	# the first line of the usage, as the command's own source has it
	test_expect_success "$c -h and --help: the usage on stdout, status 0" '
		for o in -h --help; do
			$c $o >out 2>err || return 1
			test_cmp /dev/null err &&
			head -n 1 out | grep -q "^usage: $c\( \|$\)" || return 1
		done &&
		$c -h >h && test_cmp h out
	'
	test_expect_success "$c --version: $c $version, status 0" '
		$c --version >out 2>err &&
		echo "$c $version" >expect &&
		test_cmp expect out && test_cmp /dev/null err
	'
	test_expect_success "$c with a bad option: the usage on stderr, status 2" '
		test_expect_code 2 $c --no-such-option >out 2>err &&
		test_cmp /dev/null out &&
		grep -q "^usage: $c\( \|$\)" err
	'
done

test_expect_success 'none of that made a store' '! test -e "$EPORT_HOME"'

# the usage is printed whole, as the man page's SYNOPSIS gives it
test_expect_success 'eport-ship -h: the usage of every subcommand' '
	eport-ship -h >out &&
	for s in due manifest mark deliver bounce collect uncollected; do
		grep -q "^ *\(usage: \)\{0,1\}eport-ship $s" out || return 1
	done
'

# after a subcommand, or after other options, as GNU getopt_long finds them
test_expect_success 'help after a subcommand or options: stdout, status 0' '
	for a in "eport-card write --help" "eport-card ls -h" "eport-ship manifest -h" \
	    "eport-ship collect --help" "eport-order import -h" "eport-review accept --help" \
	    "eport-review reject -j -h" "eport-ls -j --help" "eport-ls -j -h" \
	    "eport-check -q --version"; do
		$a >out 2>err || { echo "$a: status $?"; return 1; }
		test_cmp /dev/null err && test -s out || { echo "$a"; return 1; }
	done
'

# one scheme for the commands of subcommands (cli/start.c, eport_sub): the
# options before the subcommand, after it or among its arguments; another
# name refused with what the names are, an option the subcommand does not
# take with the usage, both status 2, and nothing made
test_expect_success 'card, ship, order and review read their subcommands alike' '
	for c in "eport-card:status write unlock renew revoke ls expiring" \
	    "eport-ship:due manifest mark deliver bounce collect uncollected" \
	    "eport-order:import ls" "eport-review:accept reject return withdraw"; do
		cmd=${c%%:*} &&
		test_expect_code 2 $cmd frobnicate >out 2>err &&
		test_cmp /dev/null out &&
		head -n 1 err | grep "^$cmd: '"'"'frobnicate'"'"': not a " >msg &&
		for s in ${c#*:}; do
			grep -qw -- "$s" msg || { echo "$cmd: $s"; return 1; }
		done &&
		sed 1d err | head -n 1 | grep -q "^usage: $cmd " &&
		test_expect_code 2 $cmd >out 2>err &&
		grep -q "^usage: $cmd " err || return 1
	done &&
	test_expect_code 2 eport-card -d 3 ls 2>err && grep -q "^usage: eport-card " err &&
	test_expect_code 2 eport-ship due -m x 2>err && grep -q "^usage: eport-ship " err &&
	test_expect_code 2 eport-order ls -n 2>err && grep -q "^usage: eport-order " err &&
	! test -e "$EPORT_HOME"
'

test_expect_success 'the options before the subcommand, after it, or after its arguments' '
	(
		EPORT_HOME=$TRASH/subs && export EPORT_HOME && make_store &&
		eport-card -j ls >a && eport-card ls -j >b && test_cmp a b &&
		eport-order -j ls >a && eport-order ls -j >b && test_cmp a b &&
		test_expect_code 1 eport-review -m why reject XM20990101-0001 2>a &&
		test_expect_code 1 eport-review reject XM20990101-0001 -m why 2>b &&
		test_cmp a b && grep -q "XM20990101-0001: no such case" a
	)
'

test_expect_success '"--" ends the options: --help after it is no option' '
	make_store &&
	test_expect_code 1 eport-show -- --help >out 2>err &&
	echo "eport-show: '"'"'--help'"'"': no such case" >expect &&
	test_cmp expect err
'

test_expect_success 'eport: help and -h list the commands; a command gets its own --help' '
	eport help >a && eport -h >b && eport --help >c &&
	test_cmp a b && test_cmp a c &&
	grep -q "^   ls  *list cases" a &&
	eport ls --help >d && head -n 1 d | grep -q "^usage: eport-ls "
'

test_expect_success 'a usage written to a full disk is an error' '
	if [ -w /dev/full ]; then
		test_expect_code 2 eport-ls --help >/dev/full 2>err &&
		grep -q "write error" err
	fi
'

test_expect_success 'eport-web answers a CGI request, whatever its arguments' '
	mkdir pub &&
	GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET QUERY_STRING=--help \
		EPORT_PUBLIC="$TRASH/pub" eport-web --help >out 2>err &&
	grep -q "^Status: " out && ! grep -q "^usage:" out
'

done_testing
