#!/bin/sh
# One store, three real logins (useradd, setpriv): a store made with
# eport-init -g GROUP is shared by the group's logins (directories 2770,
# files 0660, umask 007 in every command), and keys/ is the card group's
# alone.  Who acts is the login: the one that took a case in cannot accept
# it under any EPORT_USER, another login can; EPORT_USER names someone else
# only on a login listed in a config the login cannot change.
. "$(dirname "$0")/lib.sh"

for c in useradd userdel groupadd groupdel setpriv; do
	command -v $c >/dev/null || skip_all "$c is not installed"
done

P=ept$$
S=${P}s K=${P}k A=${P}a B=${P}b C=${P}c
# useradd and friends take a lock of /etc/passwd that a parallel test may hold
retry() {
	tries=0
	until out=$("$@" 2>&1); do
		case $out in *lock*) ;; *) echo "$out" >&2; return 1 ;; esac
		tries=$((tries + 1))
		[ $tries -lt 20 ] || return 1
		sleep 0.3
	done
}
cleanup() {
	for u in $A $B $C; do retry userdel "$u" 2>/dev/null; done
	for g in $S $K; do retry groupdel "$g" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 2' HUP INT TERM

# as LOGIN CMD...: CMD as LOGIN (in the staff group, and its others), with
# no EPORT_USER unless CMD sets one
as() {
	u=$1
	shift
	setpriv --reuid="$u" --regid="$S" --init-groups \
		env -u EPORT_USER -u EPORT_SYSCONFDIR HOME="$TRASH/home" "$@"
}

chmod 711 "$TRASH"
mkdir -m 755 home pub
GIT="git --git-dir=$TRASH/store/docs.git"

test_expect_success 'setup: a staff group, a card group, three logins; the store is the group'\''s' '
	retry groupadd "$S" && retry groupadd "$K" &&
	retry useradd -M -N -g "$S" -d /nonexistent -s /usr/sbin/nologin "$A" &&
	retry useradd -M -N -g "$S" -d /nonexistent -s /usr/sbin/nologin "$B" &&
	retry useradd -M -N -g "$S" -G "$K" -d /nonexistent -s /usr/sbin/nologin "$C" &&
	mkdir "$EPORT_HOME" &&
	git config -f "$EPORT_HOME/config" card.group "$K" &&
	eport-init -g "$S" &&
	cp -R "$EPORT_SHARE/examples/." pub/ && chmod -R a+rX pub &&
	sed -n 1p pub/cases.jsonl >pub/one.jsonl &&
	sed -n 2p pub/cases.jsonl >pub/two.jsonl &&
	cp "$DATA/review/orders.tsv" pub/
'

test_expect_success 'the modes: directories 2770, files 0660, config 0640, keys/ the card group'\''s' '
	(cd "$EPORT_HOME" && find . -printf "%m %g %p\n" | sort -k3) >modes &&
	grep -v " ./keys" modes | grep -v -e " ./config$" -e " \.$" |
		grep -v -e "^2770 $S " -e "^660 $S " >wrong || :
	test_cmp /dev/null wrong &&
	grep " \.$" modes >actual &&
	echo "3770 $S ." >expect &&
	test_cmp expect actual &&
	grep " ./config$" modes >actual &&
	echo "640 $S ./config" >expect &&
	test_cmp expect actual &&
	grep " ./keys" modes >actual &&
	printf "%s\n" "2750 $K ./keys" "640 $K ./keys/ca.crt" "640 $K ./keys/ca.key" \
		"640 $K ./keys/master" >expect &&
	test_cmp expect actual &&
	test "$($GIT config core.sharedRepository)" = group
'

test_expect_success "$A takes a case in: what it writes the others can use" '
	as "$A" eport-apply pub/one.jsonl >out &&
	id=$(sed -n "2s/	.*//p" out) && test -n "$id" && echo "$id" >id1 &&
	find "$EPORT_HOME" -user "$A" >by-a &&
	test -s by-a &&
	find "$EPORT_HOME" -user "$A" \( \( -type d ! -perm 2770 \) -o \( -type f ! -perm -440 \) \
		-o ! -group "$S" \) >wrong &&
	test_cmp /dev/null wrong &&
	as "$B" eport-check "$id" >/dev/null &&
	as "$B" eport-ls >/dev/null &&
	eport-log "$id" | cut -f4,5,6 >actual &&
	printf "by\tlogin\taction\n$A\t$A\tapply\n$B\t$B\tcheck\n" >expect &&
	test_cmp expect actual
'

test_expect_success "$A cannot accept what it took in, under any EPORT_USER" '
	id=$(cat id1) &&
	snapshot a &&
	test_expect_code 1 as "$A" eport-review accept "$id" 2>err &&
	echo "eport-review: $id: four eyes: $A took this case in and cannot accept it" >expect &&
	test_cmp expect err &&
	test_expect_code 1 as "$A" env EPORT_USER="$A" eport-review accept "$id" 2>err &&
	test_cmp expect err &&
	for u in "$B" bob root "$(printf "%s\nLogin: %s" "$B" "$B")"; do
		test_expect_code 2 as "$A" env EPORT_USER="$u" eport-review accept "$id" 2>err &&
		grep -q "^eport-review: EPORT_USER" err || return 1
	done &&
	unchanged a
'

test_expect_success "$A cannot lift the rule: the store's config is not its to change or replace" '
	cp "$EPORT_HOME/config" before.config &&
	! as "$A" sh -c "echo >>\"\$EPORT_HOME/config\"" 2>err &&
	grep -q "Permission denied" err &&
	printf "[office]\n\tshared-login = $A $B\n" >pub/mine &&
	as "$A" cp pub/mine "$EPORT_HOME/config.new" &&
	! as "$A" mv -f "$EPORT_HOME/config.new" "$EPORT_HOME/config" 2>err &&
	grep -q "Operation not permitted" err &&
	! as "$A" git config -f "$EPORT_HOME/config" office.shared-login "$A" 2>/dev/null &&
	! as "$A" mv "$EPORT_HOME/keys" "$EPORT_HOME/keys.old" 2>/dev/null &&
	as "$A" rm -f "$EPORT_HOME/config.new" "$EPORT_HOME/config.lock" &&
	test_cmp before.config "$EPORT_HOME/config"
'

test_expect_success "another login, $B, accepts it" '
	id=$(cat id1) &&
	as "$B" eport-review accept -m ok "$id" >out &&
	printf "id\tstate\n$id\taccepted\n" >expect &&
	test_cmp expect out &&
	eport-log "$id" | tail -n 1 | cut -f4,5,6 >actual &&
	printf "$B\t$B\taccept\n" >expect &&
	test_cmp expect actual &&
	$GIT log -1 --format="%an <%ae>" refs/cases/$id >actual &&
	echo "$B <$B>" >expect &&
	test_cmp expect actual
'

test_expect_success "keys/: $A and $B cannot read it; $C, of the card group, can" '
	! as "$A" ls "$EPORT_HOME/keys" >/dev/null 2>&1 &&
	! as "$A" cat "$EPORT_HOME/keys/master" >/dev/null 2>&1 &&
	! as "$B" cat "$EPORT_HOME/keys/ca.key" >/dev/null 2>&1 &&
	as "$C" cat "$EPORT_HOME/keys/master" >actual &&
	test_cmp "$EPORT_HOME/keys/master" actual
'

# The attacher is one who supplied the case's materials: four eyes across
# attach is lib/decide.c's (issue 15); the names it compares are these.  A
# new scan: the same bytes again would be the one document the case has.
test_expect_success "three logins: $B takes in, $A returns, $C attaches; each step under its login" '
	as "$B" eport-order import pub/orders.tsv >/dev/null &&
	as "$B" eport-apply pub/two.jsonl >out &&
	id=$(sed -n "2s/	.*//p" out) && echo "$id" >id2 &&
	as "$A" eport-check "$id" >/dev/null;
	as "$A" eport-review return -m "补充材料" "$id" >/dev/null &&
	{ cat pub/scans/payment.png && echo; } >pub/payment-2.png && chmod 644 pub/payment-2.png &&
	as "$C" eport-attach -s "$id" payment pub/payment-2.png >/dev/null &&
	as "$A" eport-check "$id" >/dev/null;
	eport-log "$id" | cut -f4,5,6 >actual &&
	printf "by\tlogin\taction\n$B\t$B\tapply\n$A\t$A\tcheck\n$A\t$A\treturn\n$C\t$C\tattach\n$A\t$A\tcheck\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'four eyes across attach: the login that attached cannot accept' '
	id=$(cat id2) &&
	test "$(eport-show "$id" | jq -r .state)" = checked &&
	test_expect_code 1 as "$C" eport-review -n accept "$id" 2>err &&
	grep -q "four eyes" err
'

test_expect_success "a store whose config its login owns: listing itself as shared does nothing" '
	mkdir -m 777 own &&
	as "$A" env EPORT_HOME="$TRASH/own/store" eport-init &&
	as "$A" git config -f "$TRASH/own/store/config" office.shared-login "$A" &&
	test_expect_code 2 as "$A" env EPORT_HOME="$TRASH/own/store" EPORT_USER=bob \
		eport-apply pub/one.jsonl >out 2>err &&
	test_cmp /dev/null out &&
	echo "eport-apply: EPORT_USER is '\''bob'\'', but the login is '\''$A'\'', which is not a shared login: unset EPORT_USER, or list '\''$A'\'' in office.shared-login of /etc/eport/config" >expect &&
	test_cmp expect err &&
	test "$(stat -c %a "$TRASH/own/store")" = 700
'

test_expect_success "the shared store's config, root's, may list $C as a shared login" '
	git config -f "$EPORT_HOME/config" office.shared-login "counter, $C" &&
	sed -n 3p pub/cases.jsonl >pub/three.jsonl &&
	as "$C" env EPORT_USER=carol eport-apply pub/three.jsonl >out &&
	id=$(sed -n "2s/	.*//p" out) &&
	eport-log "$id" | cut -f4,5 >actual &&
	printf "by\tlogin\ncarol\t$C\n" >expect &&
	test_cmp expect actual &&
	test_expect_code 2 as "$B" env EPORT_USER=carol eport-check "$id" 2>err &&
	grep -q "not a shared login" err
'

test_expect_success 'but not once the staff could change it (group-writable)' '
	chmod g+w "$EPORT_HOME/config" &&
	id=$(cat id2) &&
	test_expect_code 2 as "$C" env EPORT_USER=carol eport-check "$id" 2>err &&
	grep -q "not a shared login" err &&
	chmod g-w "$EPORT_HOME/config" &&
	{ as "$C" env EPORT_USER=carol eport-check "$id" >/dev/null; test $? -le 1; } &&
	eport-log "$id" | tail -n 1 | cut -f4,5,6 >actual &&
	printf "carol	$C	check
" >expect &&
	test_cmp expect actual
'

test_expect_success 'every file still the group'\''s after the day; eport-fsck is clean for each login' '
	find "$EPORT_HOME" ! -path "*/keys*" \( ! -group "$S" -o \( -type f ! -perm -440 \) \) >wrong &&
	test_cmp /dev/null wrong &&
	as "$A" eport-fsck >out 2>err && test_cmp /dev/null err &&
	as "$B" eport-fsck >out 2>err && test_cmp /dev/null err
'

done_testing
