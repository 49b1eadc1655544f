#!/bin/sh
# Many offices, one central repository (DESIGN.md section 9): two stores of
# different office.branch push their refs into it without a collision, an
# auditor clones it whole, and eport-init --from it with --branch rebuilds
# one office.  git is the engine: nothing replicates by itself.
. "$(dirname "$0")/lib.sh"

XM=$TRASH/xm FZ=$TRASH/fz
CENTRAL=file://$TRASH/central.git
git_() { git --git-dir="$TRASH/central.git" "$@"; }

# listings HOME DIR: what the office at HOME reads of its store, into DIR
listings() {
	mkdir "$2" &&
	EPORT_HOME=$1 eport-ls >"$2/ls" &&
	for id in $(EPORT_HOME=$1 eport-ls | sed 1d | cut -f1); do
		EPORT_HOME=$1 eport-show $id && EPORT_HOME=$1 eport-log $id || return 1
	done >"$2/cases" &&
	EPORT_HOME=$1 eport-order ls >"$2/orders" &&
	EPORT_HOME=$1 eport-card ls >"$2/cards" &&
	mdb_dump -a "$1/db" >"$2/dump"
}

test_expect_success 'setup: two offices, Xiamen (XM) and Fuzhou (FZ), each at work' '
	cp -R "$EPORT_SHARE/examples" ex &&
	EPORT_HOME=$XM eport-init && EPORT_HOME=$FZ eport-init -b FZ &&
	EPORT_HOME=$XM eport-apply ex/cases.jsonl >/dev/null &&
	sed -n 1,2p ex/cases.jsonl >ex/fz.jsonl &&
	EPORT_HOME=$FZ eport-apply ex/fz.jsonl >xm.out &&
	cut -f1 xm.out >actual && printf "id\nFZ20261126-0001\nFZ20261126-0002\n" >expect &&
	test_cmp expect actual &&
	for h in $XM $FZ; do
		EPORT_HOME=$h eport-order import "$DATA/ship/orders.tsv" >/dev/null &&
		{ EPORT_HOME=$h EPORT_USER=bob eport-check -q $(EPORT_HOME=$h eport-ls -s received |
			sed 1d | cut -f1) >/dev/null; test $? -le 1; } || return 1
	done &&
	git init -q --bare central.git
'

test_expect_success 'both push into one central repository: no collision, nothing overwritten' '
	EPORT_HOME=$XM eport-backup $CENTRAL >out &&
	printf "dest\trefs\tmoved\tobjects\n$CENTRAL\t4\t4\t0\n" >expect && test_cmp expect out &&
	EPORT_HOME=$FZ eport-backup $CENTRAL >out &&
	printf "dest\trefs\tmoved\tobjects\n$CENTRAL\t3\t3\t0\n" >expect && test_cmp expect out &&
	git_ for-each-ref --format="%(refname)" >actual &&
	printf "%s\n" refs/cases/FZ20261126-0001 refs/cases/FZ20261126-0002 \
		refs/cases/XM20261126-0001 refs/cases/XM20261126-0002 refs/cases/XM20261126-0003 \
		refs/eport/FZ/registry refs/eport/XM/registry >expect &&
	test_cmp expect actual &&
	for h in $XM $FZ; do
		git --git-dir=$h/docs.git for-each-ref --format="%(objectname) %(refname)" | sort >mine &&
		git_ for-each-ref --format="%(objectname) %(refname)" | sort >all &&
		comm -23 mine all >missing && test_cmp /dev/null missing || return 1
	done &&
	git_ fsck --strict 2>/dev/null
'

test_expect_success 'the next push carries only what moved' '
	EPORT_HOME=$FZ EPORT_USER=bob eport-review accept FZ20261126-0001 >/dev/null &&
	EPORT_HOME=$FZ eport-backup $CENTRAL >out &&
	printf "dest\trefs\tmoved\tobjects\n$CENTRAL\t3\t1\t0\n" >expect && test_cmp expect out &&
	EPORT_HOME=$XM eport-backup $CENTRAL >out &&
	printf "dest\trefs\tmoved\tobjects\n$CENTRAL\t4\t0\t0\n" >expect && test_cmp expect out &&
	test "$(git_ rev-parse refs/cases/FZ20261126-0001)" = \
		"$(git --git-dir=$FZ/docs.git rev-parse refs/cases/FZ20261126-0001)"
'

test_expect_success 'an auditor clones it whole; a plain clone fetches the cases by refspec' '
	git clone -q --mirror central.git audit.git 2>/dev/null &&
	git --git-dir=audit.git for-each-ref >actual && git_ for-each-ref >refs &&
	test_cmp refs actual &&
	git --git-dir=audit.git log --format=%s refs/cases/FZ20261126-0001 >actual &&
	printf "%s\n" "accept FZ20261126-0001" "check FZ20261126-0001: no finding" "apply FZ20261126-0001: ex/fz.jsonl:1" >expect &&
	test_cmp expect actual &&
	git init -q --bare plain.git &&
	git --git-dir=plain.git fetch -q "$TRASH/central.git" "refs/cases/*:refs/cases/*" "refs/eport/*:refs/eport/*" &&
	git --git-dir=plain.git for-each-ref >actual && test_cmp refs actual
'

test_expect_success 'the central repository alone will not say which office to rebuild' '
	test_expect_code 2 env EPORT_HOME=$TRASH/r eport-init --from central.git 2>err &&
	echo "eport-init: '\''central.git'\'' holds the cases of several offices (FZ, XM, ...): name one with --branch" >expect &&
	test_cmp expect err
'

test_expect_success 'eport-init --from it with --branch rebuilds one office, byte for byte' '
	listings $FZ fz.list && listings $XM xm.list &&
	EPORT_HOME=$TRASH/fz2 eport-init --from $CENTRAL --branch FZ &&
	listings $TRASH/fz2 fz2.list &&
	for f in ls cases orders cards dump; do test_cmp fz.list/$f fz2.list/$f || return 1; done &&
	git --git-dir=fz2/docs.git for-each-ref --format="%(refname)" >actual &&
	printf "%s\n" refs/cases/FZ20261126-0001 refs/cases/FZ20261126-0002 refs/eport/FZ/registry >expect &&
	test_cmp expect actual &&
	test "$(git config -f fz2/config office.branch)" = FZ &&
	EPORT_HOME=$TRASH/fz2 eport-fsck &&
	EPORT_HOME=$TRASH/xm2 eport-init --from central.git --branch XM &&
	listings $TRASH/xm2 xm2.list &&
	for f in ls cases orders cards dump; do test_cmp xm.list/$f xm2.list/$f || return 1; done &&
	sed -n 3p ex/cases.jsonl | jq -c ".ref = \"FZ-NEXT\"" >ex/next.jsonl &&
	EPORT_HOME=$TRASH/fz2 eport-apply ex/next.jsonl | cut -f1 >actual &&
	printf "id\nFZ20261126-0003\n" >expect && test_cmp expect actual
'

test_expect_success 'a push that would move a ref of the central repository backwards is refused' '
	git_ update-ref refs/cases/XM20261126-0001 $(git_ rev-parse refs/cases/FZ20261126-0002) &&
	EPORT_HOME=$XM EPORT_USER=bob eport-review accept XM20261126-0001 >/dev/null &&
	test_expect_code 2 env EPORT_HOME=$XM eport-backup $CENTRAL 2>err &&
	grep -q "^eport-backup: '\''$CENTRAL'\'': " err &&
	test "$(git_ rev-parse refs/cases/XM20261126-0001)" = \
		"$(git --git-dir=$FZ/docs.git rev-parse refs/cases/FZ20261126-0002)"
'

done_testing
