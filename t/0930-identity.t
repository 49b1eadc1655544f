#!/bin/sh
# Identity: the login is who acts.  EPORT_USER names the staff member only on
# a login listed in office.shared-login, read from a file the login cannot
# change (the system's config; the store's when another account owns it or
# the login is root); elsewhere an EPORT_USER other than the login is refused
# before anything is written.  A name that would reach a commit's header or
# trailers is checked: no control character, no < or >, at most 64 bytes.
# (These tests run as root; t/0931 runs the same store under three logins.)
. "$(dirname "$0")/lib.sh"

me=$(id -un)
NONE=$TRASH/no-etc
mkdir "$NONE"
GIT="git --git-dir=$TRASH/store/docs.git"

test_expect_success 'setup: a complete case, taken in by alice on the shared login root' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	sed -n 1p ex/cases.jsonl >ex/one.jsonl &&
	eport-apply ex/one.jsonl >ids &&
	eport-check XM20261126-0001
'

test_expect_success 'each event names the staff member and the login it ran under' '
	eport-log XM20261126-0001 | cut -f4,5,6 >actual &&
	printf "by\tlogin\taction\nalice\t%s\tapply\nalice\t%s\tcheck\n" "$me" "$me" >expect &&
	test_cmp expect actual
'

test_expect_success 'the commits: the staff member as author, the login as address and trailer' '
	$GIT log -1 --format="%an <%ae>%n%(trailers:key=Staff)%(trailers:key=Login)" \
		refs/cases/XM20261126-0001 | sed "/^$/d" >actual &&
	printf "alice <%s>\nStaff: alice\nLogin: %s\n" "$me" "$me" >expect &&
	test_cmp expect actual
'

test_expect_success 'on a login that is not shared, another EPORT_USER is refused and nothing changes' '
	snapshot ns &&
	test_expect_code 2 env EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob \
		eport-review accept XM20261126-0001 >out 2>err &&
	test_cmp /dev/null out &&
	echo "eport-review: EPORT_USER is '\''bob'\'', but the login is '\''$me'\'', which is not a shared login: unset EPORT_USER, or list '\''$me'\'' in office.shared-login of $NONE/config" >expect &&
	test_cmp expect err &&
	test_expect_code 2 env EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob eport-apply ex/one.jsonl 2>err &&
	test_expect_code 2 env EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob eport-check XM20261126-0001 2>err &&
	unchanged ns
'

test_expect_success 'office.strict-identity false does not open it again; the login itself may be named' '
	git config -f "$EPORT_HOME/config" office.strict-identity false &&
	test_expect_code 2 env EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob \
		eport-review -n accept XM20261126-0001 2>err &&
	grep -q "not a shared login" err &&
	git config -f "$EPORT_HOME/config" --unset office.strict-identity &&
	EPORT_SYSCONFDIR="$NONE" EPORT_USER=$me eport-check -q XM20261126-0001 >out &&
	printf "id\nXM20261126-0001\n" >expect &&
	test_cmp expect out &&
	eport-log XM20261126-0001 | tail -n 1 | cut -f4,5 >actual &&
	printf "%s\t%s\n" "$me" "$me" >expect &&
	test_cmp expect actual
'

test_expect_success 'reading commands do not act, and take any EPORT_USER' '
	EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob eport-ls >out &&
	test "$(sed 1d out | wc -l)" = 1 &&
	EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob eport-log XM20261126-0001 >/dev/null
'

test_expect_success 'root acting: the store'\''s own config may list the shared logins' '
	git config -f "$EPORT_HOME/config" office.shared-login "carol, $me" &&
	EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob eport-review -n accept XM20261126-0001 >actual &&
	printf "id\tstate\nXM20261126-0001\taccepted\n" >expect &&
	test_cmp expect actual &&
	git config -f "$EPORT_HOME/config" office.shared-login "carol dave" &&
	test_expect_code 2 env EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob \
		eport-review -n accept XM20261126-0001 2>err &&
	grep -q "not a shared login" err &&
	git config -f "$EPORT_HOME/config" --unset office.shared-login
'

# name<TAB>why, one a line: what EPORT_USER may not be, on any login
cat >bad-users <<'EOT'
bob\nLogin: root	holds a control character, a bidi override or bytes of no UTF-8 character
bob\rx	holds a control character, a bidi override or bytes of no UTF-8 character
x\033]0;t\007	holds a control character, a bidi override or bytes of no UTF-8 character
bob\342\200\256x	holds a control character, a bidi override or bytes of no UTF-8 character
bob\377	holds a control character, a bidi override or bytes of no UTF-8 character
bob <bob@x>	holds '<' or '>'
 bob	begins or ends with a space
bob 	begins or ends with a space
EOT
long=$(printf "%065d" 0)
printf "%s\tis longer than 64 bytes\n" "$long" >>bad-users

test_expect_success 'a malformed EPORT_USER is refused by every writer, and nothing is written' '
	snapshot bad &&
	while IFS="	" read -r name why; do
		u=$(printf "$name") &&
		for cmd in "eport-apply ex/one.jsonl" "eport-check XM20261126-0001" \
			"eport-review accept XM20261126-0001"; do
			test_expect_code 2 env EPORT_USER="$u" $cmd >out 2>err &&
			test_cmp /dev/null out &&
			grep -qF "EPORT_USER: " err &&
			grep -qF "$why" err || { echo "$cmd with EPORT_USER=$name"; cat err; return 1; }
		done
	done <bad-users &&
	test $(wc -l <bad-users) = 9 &&
	unchanged bad
'

test_expect_success 'the message shows a newline in it escaped, never raw' '
	test_expect_code 2 env EPORT_USER="$(printf "bob\nLogin: root")" eport-apply ex/one.jsonl 2>err &&
	printf "%s\n" "eport-apply: EPORT_USER: '\''bob\\nLogin: root'\'' holds a control character, a bidi override or bytes of no UTF-8 character" >expect &&
	test_cmp expect err
'

test_expect_success 'a Chinese name of 63 bytes is a name; the commit header stays whole' '
	name=张三丰张三丰张三丰张三丰张三丰张三丰张三丰 &&
	test $(printf %s "$name" | wc -c) = 63 &&
	EPORT_USER=$name eport-check XM20261126-0001 >/dev/null &&
	$GIT log -1 --format="%an|%ae" refs/cases/XM20261126-0001 >actual &&
	echo "$name|$me" >expect &&
	test_cmp expect actual &&
	$GIT fsck --strict 2>&1 | grep -v "^notice: HEAD" >fsck.out;
	test_cmp /dev/null fsck.out
'

test_expect_success 'four eyes: who took a case in cannot accept it, and no EPORT_USER helps' '
	sed -n 1p ex/cases.jsonl | jq -c ".ref = \"1180077777777\" | .enterprise.uscc = \"91350205MA2YQB7K1K\"" >ex/two.jsonl &&
	EPORT_SYSCONFDIR="$NONE" EPORT_USER= eport-apply ex/two.jsonl >two &&
	id=$(sed -n "2s/	.*//p" two) &&
	EPORT_USER=dave eport-check "$id" &&
	snapshot fe &&
	test_expect_code 1 env EPORT_SYSCONFDIR="$NONE" EPORT_USER= eport-review accept "$id" 2>err &&
	echo "eport-review: $id: four eyes: $me took this case in and cannot accept it" >expect &&
	test_cmp expect err &&
	test_expect_code 2 env EPORT_SYSCONFDIR="$NONE" EPORT_USER=bob eport-review accept "$id" 2>err &&
	grep -q "not a shared login" err &&
	unchanged fe &&
	test "$(eport-show "$id" | jq -r .state)" = checked
'

done_testing
