#!/bin/sh
# Terminal escapes: what a person or an enterprise wrote (a reason, a file
# name, a ref) reaches a terminal only escaped, as messages are (\x1b, \x07,
# \t, \n): in TSV output (eport-log, eport-ls, eport-apply) and in commit
# subjects, which git log shows.  The stored data keeps the text as given.
. "$(dirname "$0")/lib.sh"

GIT="git --git-dir=$TRASH/store/docs.git"
C=XM20261126-0003
ESC=$(printf '\033')
BEL=$(printf '\007')
# an OSC that retitles the window, a screen clear, a bell
WHY=$(printf 'x\033]0;owned\007y\033[2J')
# raw BYTES...: the file holds none of the bytes (given in octal)
raw() {
	f=$1
	shift
	for b; do
		if LC_ALL=C grep -q "$(printf "\\$b")" "$f"; then
			echo "$f holds the byte \\$b"
			return 1
		fi
	done
}

test_expect_success 'setup: three cases, the third incomplete' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl >/dev/null &&
	{ eport-check $C >/dev/null || :; } &&
	test "$(eport-show $C | jq -r .state)" = incomplete
'

test_expect_success 'a -m reason with ESC, OSC and BEL: escaped in eport-log, whole in the event' '
	EPORT_USER=bob eport-review return -m "$WHY" $C >/dev/null &&
	eport-log $C >log &&
	raw log 033 007 &&
	tail -n 1 log | cut -f6,9 >actual &&
	printf "%s\n" "return	x\\x1b]0;owned\\x07y\\x1b[2J" >expect &&
	test_cmp expect actual &&
	eport-log -j $C | tail -n 1 | jq -r .why >actual &&
	printf "%s\n" "$WHY" >expect &&
	test_cmp expect actual
'

test_expect_success 'and escaped in the commit subject' '
	$GIT log -1 --format=%s refs/cases/$C >subject &&
	raw subject 033 007 &&
	printf "%s\n" "return $C: x\\x1b]0;owned\\x07y\\x1b[2J" >expect &&
	test_cmp expect subject
'

test_expect_success 'an attached file name with escapes and a newline: escaped in the log and the subject' '
	name=$(printf "scan\033[31m\nred.png") &&
	cp ex/scans/id-op2.png "$name" &&
	EPORT_USER=carol eport-attach $C id-holder "$name" >/dev/null &&
	eport-log $C >log &&
	raw log 033 &&
	tail -n 1 log | cut -f6,9 >actual &&
	printf "%s\n" "attach	id-holder scan\\x1b[31m\\nred.png" >expect &&
	test_cmp expect actual &&
	$GIT log -1 --format=%s refs/cases/$C >subject &&
	raw subject 033 &&
	printf "%s\n" "attach $C: id-holder scan\\x1b[31m\\nred.png" >expect &&
	test_cmp expect subject &&
	eport-show $C | jq -r ".documents[-1].file" >actual &&
	printf "%s\n" "$name" >expect &&
	test_cmp expect actual
'

# C1 CSI (U+009B), RLO (U+202E) and DEL, which a terminal acts on or which
# turn the rest of the line around
test_expect_success 'a ref carrying C1, RLO and DEL: escaped by eport-apply and eport-ls' '
	sed -n 3p ex/cases.jsonl | jq -c ".ref = \"R\u009b31m\u202eA\u007fB\"" >ex/bad-ref.jsonl &&
	eport-apply ex/bad-ref.jsonl >out &&
	raw out 302 342 177 &&
	sed -n 2p out | cut -f5 >actual &&
	printf "%s\n" "R\\xc2\\x9b31m\\xe2\\x80\\xaeA\\x7fB" >expect &&
	test_cmp expect actual &&
	id=$(sed -n 2p out | cut -f1) &&
	eport-ls >ls &&
	raw ls 302 342 177 &&
	grep "^$id	" ls | cut -f5 >actual &&
	test_cmp expect actual &&
	eport-show $id | jq -r .ref >actual &&
	printf "R\302\23331m\342\200\256A\177B\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'Chinese and plain text go as they are; a backslash is doubled as before' '
	{ EPORT_USER=bob eport-review return -m "请补充 a\\b" XM20261126-0002 >/dev/null 2>&1 || :; } &&
	eport-check XM20261126-0001 >/dev/null &&
	EPORT_USER=bob eport-review reject -m "请补充 a\\b" XM20261126-0001 >/dev/null &&
	eport-log XM20261126-0001 | tail -n 1 | cut -f9 >actual &&
	printf "%s\n" "请补充 a\\\\b" >expect &&
	test_cmp expect actual
'

test_expect_success 'TSV reads \xNN back: the escaped ref goes in again as it came out' '
	printf "%s\n" "ref	type" "R\\xc2\\x9b31m\\xe2\\x80\\xaeA\\x7fB	renew" >in.tsv &&
	eport-apply in.tsv >again 2>err &&
	sed -n 2p again | cut -f1 >actual &&
	sed -n 2p out | cut -f1 >expect &&
	test_cmp expect actual &&
	grep -q "was taken in before" err &&
	printf "%s\n" "ref	type" "\\x00	renew" "R\\xzz	renew" >bad.tsv &&
	test_expect_code 1 eport-apply bad.tsv >/dev/null 2>err &&
	printf "%s\n" "eport-apply: bad.tsv:2: ref: bad escape in TSV value" \
		"eport-apply: bad.tsv:3: ref: bad escape in TSV value" >expect &&
	test_cmp expect err
'

done_testing
