#!/bin/sh
# TSV records: the JSON record flattened (dotted keys, arrays from 1, \t \n \\
# escapes), in both directions.
. "$(dirname "$0")/lib.sh"

# the case as the sender sent it: without what the store added
sent() {
	jq -S 'del(.id, .state, .by, .login, .taken, .updated, .source, .commit) |
		.documents |= (if . then map(del(.blob, .sha256, .size, .path)) else . end)'
}

test_expect_success 'setup' '
	eport-init && cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl >/dev/null
'

test_expect_success 'JSON to TSV and back gives the same record' '
	eport-show -t XM20261126-0001 XM20261126-0002 XM20261126-0003 >ex/cases.tsv &&
	head -n 1 ex/cases.tsv | tr "\t" "\n" >cols &&
	grep -qx "holders.2.id_number" cols &&
	grep -qx "documents.7.kind" cols &&
	EPORT_HOME=$PWD/two eport-init &&
	cut -f"$(head -n 1 ex/cases.tsv | tr "\t" "\n" | grep -vnxE "id|state|by|login|taken|updated|source|commit|documents\.[0-9]+\.(blob|sha256|size|path)" | cut -d: -f1 | paste -sd,)" ex/cases.tsv >ex/in.tsv &&
	EPORT_HOME=$PWD/two eport-apply ex/in.tsv >out &&
	test $(wc -l <out) = 4 &&
	for n in 1 2 3; do
		eport-show XM20261126-000$n | sent >a$n &&
		EPORT_HOME=$PWD/two eport-show XM20261126-000$n | sent >b$n &&
		test_cmp a$n b$n || return 1
	done
'

test_expect_success 'tabs, newlines and backslashes survive the round trip' '
	jq -nc "{ref: \"E1\", type: \"unlock\", enterprise: {name: \"a\tb\nc\\\\d\"}}" >esc.jsonl &&
	id1=$(eport-apply esc.jsonl | tail -n 1 | cut -f1) &&
	eport-show -t $id1 >esc.tsv &&
	grep -qF "a\tb\nc\\\\d" esc.tsv &&
	cut -f"$(head -n 1 esc.tsv | tr "\t" "\n" | grep -nxE "ref|type|enterprise.name" | cut -d: -f1 | paste -sd,)" esc.tsv |
		sed "2s/E1/E2/" >esc2.tsv &&
	id2=$(eport-apply esc2.tsv | tail -n 1 | cut -f1) &&
	eport-show $id2 | jq .enterprise.name >actual &&
	printf "%s\n" "\"a\\tb\\nc\\\\d\"" >expect &&
	test_cmp expect actual
'

test_expect_success 'typed fields: sealed and copies come back as boolean and number' '
	printf "ref\ttype\tdocuments.1.kind\tdocuments.1.sealed\tdocuments.1.copies\nT1\tderegister\tform4\ttrue\t2\n" >typed.tsv &&
	id=$(eport-apply typed.tsv | tail -n 1 | cut -f1) &&
	eport-show $id | jq -c ".documents[0] | [.sealed, .copies]" >actual &&
	echo "[true,2]" >expect && test_cmp expect actual
'

test_expect_success 'ragged rows, bad headers and bad values are refused with their line' '
	mdb_dump -a "$EPORT_HOME/db" >before &&
	printf "ref\ttype\nR1\tunlock\textra\nR2\n" >ragged.tsv &&
	test_expect_code 1 eport-apply ragged.tsv 2>err &&
	printf "%s\n" "eport-apply: ragged.tsv:2: 3 fields where the header has 2" \
		"eport-apply: ragged.tsv:3: 1 fields where the header has 2" >expect &&
	test_cmp expect err &&
	printf "ref\ttype\tHolders..x\nR1\tunlock\ty\nR2\tunlock\tz\n" >header.tsv &&
	test_expect_code 1 eport-apply header.tsv 2>err &&
	echo "eport-apply: header.tsv:1: header: column 3: '\''Holders..x'\'' is not a field path" >expect &&
	test_cmp expect err &&
	printf "ref\ttype\tdocuments.1.kind\tdocuments.1.copies\nR3\tunlock\tform1\ttwo\n" >val.tsv &&
	test_expect_code 1 eport-apply val.tsv 2>err &&
	echo "eport-apply: val.tsv:2: documents.1.copies: '\''two'\'' is not a whole number" >expect &&
	test_cmp expect err &&
	printf "ref\ttype\tholders.2.name\nR4\tunlock\tx\n" >gap.tsv &&
	test_expect_code 1 eport-apply gap.tsv 2>err &&
	echo "eport-apply: gap.tsv:2: holders.1: missing where a later item is given" >expect &&
	test_cmp expect err &&
	printf "ref\ttype\tenterprise\tenterprise.name\nR5\tunlock\tx\ty\n" >clash.tsv &&
	test_expect_code 1 eport-apply clash.tsv 2>err &&
	echo "eport-apply: clash.tsv:2: enterprise.name: conflicts with another column" >expect &&
	test_cmp expect err &&
	printf "ref\ttype\nR6\tun\\\\qlock\n" >badesc.tsv &&
	test_expect_code 1 eport-apply badesc.tsv 2>err &&
	echo "eport-apply: badesc.tsv:2: type: bad escape in TSV value" >expect &&
	test_cmp expect err &&
	mdb_dump -a "$EPORT_HOME/db" >after &&
	test_cmp before after
'

test_expect_success 'NUL bytes and invalid UTF-8 in TSV are refused' '
	printf "ref\ttype\nN1\tun\000lock\nN2\tun\377lock\n" >bin.tsv &&
	test_expect_code 1 eport-apply bin.tsv 2>err &&
	printf "%s\n" "eport-apply: bin.tsv:2: NUL byte in line" "eport-apply: bin.tsv:3: type: invalid UTF-8" >expect &&
	test_cmp expect err
'

done_testing
