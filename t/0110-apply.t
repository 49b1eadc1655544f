#!/bin/sh
# eport-apply: records in, cases out; what cannot be stored is refused with its
# position, and nothing of it reaches the store.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex
'

test_expect_success 'apply takes in the examples and prints a line per case' '
	eport-apply ex/cases.jsonl >actual &&
	cat >expect <<-\EOT &&
	id	type	uscc	state	ref
	XM20261126-0001	onboard	91350200MA2Y0K3PXF	received	1180012345678
	XM20261126-0002	operator-add	91350206MA8RTE0J8C	received	1180023456789
	XM20261126-0003	renew	91350203MA2XN1BQ18	received	1180034567890
	EOT
	test_cmp expect actual
'

test_expect_success 'each document is in the case tree, its SHA-256 in the record' '
	eport-show XM20261126-0001 >case.json &&
	jq -r ".documents[] | [.path, .sha256, .file] | @tsv" case.json >docs &&
	test $(wc -l <docs) = 7 &&
	while IFS="	" read -r path sum file; do
		git --git-dir="$EPORT_HOME/docs.git" show "refs/cases/XM20261126-0001:$path" >blob &&
		cmp blob "ex/$file" &&
		echo "$sum  ex/$file" | sha256sum -c --quiet || return 1
	done <docs &&
	grep -q "^docs/form2-2.pdf	" docs
'

test_expect_success 'the commit is authored by the staff member, with the state as a trailer' '
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format="%an|%s|%(trailers:key=Case-State,valueonly)" \
		refs/cases/XM20261126-0002 >actual &&
	printf "alice|apply XM20261126-0002: ex/cases.jsonl:2|received\n\n" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" show refs/cases/XM20261126-0002:case.json | jq -r .state >actual &&
	echo received >expect && test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" fsck --strict
'

test_expect_success 'the same ref again creates nothing and reports the existing case' '
	snapshot dup &&
	sed -n 2p ex/cases.jsonl >ex/again.jsonl &&
	EPORT_USER=bob eport-apply ex/again.jsonl >actual 2>err &&
	printf "id\ttype\tuscc\tstate\tref\nXM20261126-0002\toperator-add\t91350206MA8RTE0J8C\treceived\t1180023456789\n" >expect &&
	test_cmp expect actual &&
	echo "eport-apply: ex/again.jsonl:1: ref '\''1180023456789'\'' was taken in before as XM20261126-0002" >expect &&
	test_cmp expect err &&
	unchanged dup
'

test_expect_success 'every refused record says where and why, and the store is unchanged' '
	snapshot bad &&
	mkdir -p rec && cp -R ex/scans rec/ &&
	ln -s /etc/hostname rec/scans/link.pdf &&
	cp "$DATA/apply/refused.jsonl" rec/ &&
	(cd rec && test_expect_code 1 eport-apply refused.jsonl >../out 2>../err) &&
	test ! -s out &&
	test_cmp "$DATA/apply/refused.err" err &&
	unchanged bad
'

test_expect_success 'good records are stored beside refused ones; exit 1' '
	printf "%s\n" "{\"ref\":\"G1\",\"type\":\"unlock\"}" "{\"ref\":\"B1\"}" "{\"ref\":\"G2\",\"type\":\"reader\"}" >mixed.jsonl &&
	test_expect_code 1 eport-apply -j mixed.jsonl >actual 2>err &&
	jq -r "[.id, .ref] | @tsv" actual >ids &&
	printf "XM20261126-0004\tG1\nXM20261126-0005\tG2\n" >expect &&
	test_cmp expect ids &&
	echo "eport-apply: mixed.jsonl:2: type: missing" >expect &&
	test_cmp expect err
'

test_expect_success 'stdin works, with documents relative to the working directory' '
	(cd ex && sed -n 3p cases.jsonl | sed "s/1180034567890/1180099999999/g" | eport-apply) >actual &&
	tail -n 1 actual | cut -f1,5 >ids &&
	printf "XM20261126-0006\t1180099999999\n" >expect &&
	test_cmp expect ids
'

test_expect_success '-n stores nothing' '
	snapshot dry &&
	sed "s/\"ref\":\"/\"ref\":\"N/" ex/cases.jsonl >ex/n.jsonl &&
	eport-apply -n ex/n.jsonl >actual &&
	test $(grep -c "^-	" actual) = 3 &&
	unchanged dry
'

test_expect_success 'a line over 1 MiB is refused with its position' '
	snapshot long &&
	{ printf "{\"ref\":\"L1\",\"type\":\"renew\",\"x\":\"" && head -c 1100000 /dev/zero | tr "\0" a && printf "\"}\n{\"ref\":\"L2\",\"type\":\"renew\"}\n"; } >long.jsonl &&
	test_expect_code 1 eport-apply long.jsonl >actual 2>err &&
	echo "eport-apply: long.jsonl:1: line longer than 1048576 bytes" >expect &&
	test_cmp expect err &&
	cut -f5 actual >refs && printf "ref\nL2\n" >expect && test_cmp expect refs
'

test_expect_success 'a full map is grown and the batch run again' '
	mkdir small && printf "[store]\n\tmap-size = 131072\n" >small/config &&
	EPORT_HOME=$PWD/small eport-init &&
	i=0 && while [ $i -lt 300 ]; do
		printf "{\"ref\":\"M%d\",\"type\":\"renew\",\"enterprise\":{\"name\":\"%0200d\"}}\n" $i $i
		i=$((i + 1))
	done >many.jsonl &&
	EPORT_HOME=$PWD/small eport-apply many.jsonl >actual &&
	test $(wc -l <actual) = 301 &&
	mdb_stat -e small/db | sed -n "s/.*Map size: //p" >size &&
	test $(cat size) -gt 131072 &&
	EPORT_HOME=$PWD/small eport-fsck
'

# documents: NAME N FILE: a record of N documents, each FILE
docs_record() {
	perl -e 'my ($r, $n, $f) = @ARGV;
		print qq({"ref":"$r","type":"renew","documents":[),
		    join(",", map { qq({"kind":"poa","file":"$f"}) } 1 .. $n), "]}\n";' "$@"
}

# one record of 40,000 documents took 209 s, holding the store's lock
test_expect_success 'a record of more documents than case.max-documents is refused' '
	snapshot many &&
	cp ex/scans/form1.pdf ex/a &&
	docs_record D1 40000 a >ex/d1.jsonl &&
	docs_record D2 201 a >ex/d2.jsonl &&
	test_expect_code 1 timeout 60 eport-apply ex/d1.jsonl ex/d2.jsonl >actual 2>err &&
	printf "%s\n" "eport-apply: ex/d1.jsonl:1: documents: 40000 documents; a case holds at most 200 (case.max-documents)" \
		"eport-apply: ex/d2.jsonl:1: documents: 201 documents; a case holds at most 200 (case.max-documents)" >expect &&
	test_cmp expect err &&
	unchanged many
'

test_expect_success 'up to it they are taken in, each kind numbered on' '
	git config -f "$EPORT_HOME/config" case.max-documents 3000 &&
	docs_record D3 3000 a >ex/d3.jsonl &&
	eport-apply ex/d3.jsonl >actual &&
	id=$(sed -n 2p actual | cut -f1) &&
	eport-show $id | jq -r ".documents[0, 1, 2999].path" >paths &&
	printf "docs/poa-1.bin\ndocs/poa-2.bin\ndocs/poa-3000.bin\n" >expect &&
	test_cmp expect paths &&
	git --git-dir="$EPORT_HOME/docs.git" ls-tree --name-only refs/cases/$id docs/ | wc -l >n &&
	echo 3000 >expect && test_cmp expect n &&
	git config -f "$EPORT_HOME/config" --unset case.max-documents &&
	eport-fsck
'

# A map that fills in the middle of a batch: LMDB's transaction is run
# again on a map twice the size, and the documents' blobs, written as the
# records were read, must still be there (16a dropped them with the
# aborted transaction: "invalid object specified" from the tree of the
# first case run again, and an intake of 10000 cases failed at its ninth
# batch)
test_expect_success 'a map that fills in a batch grows, and the batch is taken in whole' '
	(
		mkdir map && cd map &&
		EPORT_HOME=$TRASH/map/store && export EPORT_HOME &&
		eport-init >/dev/null &&
		git config -f "$EPORT_HOME/config" store.map-size 65536 &&
		cp -R "$EPORT_SHARE/examples/scans" scans &&
		reader_cases 300 MAP 9 >map.jsonl &&
		eport-apply map.jsonl >out &&
		test $(sed 1d out | wc -l) = 300 &&
		test $(stat -c %s "$EPORT_HOME/db/data.mdb") -gt 65536 &&
		sed 1d out | cut -f1 | eport-show | jq -r .commit >commits &&
		git --git-dir="$EPORT_HOME/docs.git" cat-file --batch-check <commits |
			grep -c " commit " >n &&
		echo 300 >expect && test_cmp expect n &&
		eport-fsck
	)
'

done_testing
