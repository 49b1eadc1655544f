#!/bin/sh
# eport-init: a store with its database, repository, keys and configuration.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init creates the store, 0700 whatever the umask' '
	umask 000 &&
	eport-init &&
	umask 022 &&
	test "$(stat -c %a "$EPORT_HOME")" = 700 &&
	test "$(stat -c %a "$EPORT_HOME/keys")" = 700 &&
	test "$(stat -c %a "$EPORT_HOME/keys/ca.key")" = 600 &&
	test "$(stat -c %a "$EPORT_HOME/keys/master")" = 600 &&
	test "$(stat -c %a "$EPORT_HOME/db/data.mdb")" = 600
'

test_expect_success 'mdb_stat reads the environment and its named databases' '
	mdb_stat -a "$EPORT_HOME/db" >stat &&
	for db in cases events by-state by-uscc by-ref cards holders orders shipments counters enterprises meta; do
		grep -qx "Status of $db" stat || { echo "no $db"; return 1; }
	done
'

test_expect_success 'docs.git is a bare repository that git fsck passes' '
	test "$(git --git-dir="$EPORT_HOME/docs.git" rev-parse --is-bare-repository)" = true &&
	git --git-dir="$EPORT_HOME/docs.git" fsck --strict
'

test_expect_success 'the office CA is a P-256 CA certificate for its own key' '
	openssl x509 -in "$EPORT_HOME/keys/ca.crt" -noout -text >crt &&
	grep -q "CA:TRUE" crt &&
	grep -q "NIST CURVE: P-256" crt &&
	openssl x509 -in "$EPORT_HOME/keys/ca.crt" -noout -pubkey >pub1 &&
	openssl pkey -in "$EPORT_HOME/keys/ca.key" -pubout >pub2 &&
	test_cmp pub1 pub2 &&
	test "$(wc -c <"$EPORT_HOME/keys/master")" = 65
'

test_expect_success 'the configuration names the branch' '
	git config -f "$EPORT_HOME/config" office.branch >actual &&
	echo XM >expect &&
	test_cmp expect actual
'

test_expect_success 'init refuses to touch a store that exists, and keeps its keys' '
	sha256sum "$EPORT_HOME"/keys/* >before &&
	test_expect_code 1 eport-init 2>err &&
	echo "eport-init: a store exists at '\''$EPORT_HOME'\''; not overwriting it" >expect &&
	test_cmp expect err &&
	sha256sum "$EPORT_HOME"/keys/* >after &&
	test_cmp before after
'

test_expect_success 'init -b sets another branch, and a bad one is a usage error' '
	EPORT_HOME=$PWD/other eport-init -b SM &&
	git config -f other/config office.branch >actual &&
	echo SM >expect && test_cmp expect actual &&
	test_expect_code 2 env EPORT_HOME=$PWD/third eport-init -b sm 2>err &&
	grep -q "branch '\''sm'\'': 1 to 8 capital letters" err &&
	test ! -e third
'

test_expect_success 'commands name a missing store and exit 2' '
	test_expect_code 2 env EPORT_HOME=$PWD/none eport-ls 2>err &&
	echo "eport-ls: no store at '\''$PWD/none'\'' (run eport-init, or set EPORT_HOME)" >expect &&
	test_cmp expect err
'

test_expect_success 'eport runs eport-CMD, and says so for an unknown one' '
	eport ls >actual && test ! -s actual &&
	eport --version >v && grep -q "^eport [0-9]" v &&
	eport help >h && grep -q "apply" h &&
	test_expect_code 2 eport frobnicate 2>err &&
	grep -q "'\''frobnicate'\'' is not an eport command" err
'

done_testing
