#!/bin/sh
# Hostile input to eport-apply: garbage, NUL bytes, bad UTF-8, deep nesting,
# over-long lines, wrong types, paths and links that reach outside, bombs and
# broken archives.  Each is refused with exit status 1 and its file and
# position on stderr, prints nothing, leaves the store as it was and writes
# nothing anywhere else (canary/ holds what an attacker would reach for).
. "$(dirname "$0")/lib.sh"

HOSTILE=$DATA/hostile

# rep TEXT N: TEXT N times; randbytes N: N bytes, the same on every run
rep() {
	perl -e 'print $ARGV[0] x $ARGV[1]' "$1" "$2"
}
randbytes() {
	perl -e 'srand 1; print pack "C*", map { int rand 256 } 1..$ARGV[0]' "$1"
}

snapshot() {
	mdb_dump -a -p "$EPORT_HOME/db" >"$1.db" &&
	git --git-dir="$EPORT_HOME/docs.git" for-each-ref >"$1.refs" &&
	(cd "$EPORT_HOME/docs.git" && find objects -type f | sort) >"$1.objects" &&
	git --git-dir="$EPORT_HOME/docs.git" count-objects -v | grep -E "^(count|in-pack):" >>"$1.objects" &&
	(cd "$TRASH" && find canary in -print | sort && find canary -type f -exec sha256sum {} +) >"$1.files"
}

# hostile STATUS INPUT EXPECTED: eport-apply INPUT, run in in/, exits STATUS
# with nothing on stdout and exactly EXPECTED (a file) on stderr; the store,
# in/ and canary/ are unchanged.  With -p, EXPECTED is one line's beginning.
hostile() {
	prefix=
	if [ "$1" = -p ]; then
		prefix=1
		shift
	fi
	snapshot "$TRASH/before" &&
	(cd "$TRASH/in" && test_expect_code "$1" eport-apply "$2" >"$TRASH/out" 2>"$TRASH/err") &&
	test ! -s "$TRASH/out" &&
	if [ -n "$prefix" ]; then
		test "$(wc -l <"$TRASH/err")" = 1 &&
		head -c "$(printf '%s' "$3" | wc -c)" "$TRASH/err" >"$TRASH/err.head" &&
		printf '%s' "$3" >"$TRASH/expect.head" &&
		test_cmp "$TRASH/expect.head" "$TRASH/err.head"
	else
		test_cmp "$3" "$TRASH/err"
	fi &&
	snapshot "$TRASH/after" &&
	for f in db refs objects files; do
		test_cmp "$TRASH/before.$f" "$TRASH/after.$f" || return 1
	done
}

test_expect_success 'setup: a store with cases, a canary outside it' '
	eport-init &&
	mkdir in canary &&
	echo "canary 7f3a" >canary/secret.pdf &&
	cp -R "$EPORT_SHARE/examples/scans" in/ &&
	eport-apply "$EPORT_SHARE/examples/cases.jsonl" >/dev/null &&
	test "$(eport-ls | wc -l)" = 4
'

test_expect_success 'random bytes' '
	randbytes 4096 >in/random.bin &&
	hostile -p 1 random.bin "eport-apply: random.bin:2: header: NUL byte"
'

test_expect_success 'random bytes behind an archive'\''s magic' '
	{ printf "PK\003\004" && cat in/random.bin; } >in/random.zip &&
	{ printf "\037\213" && cat in/random.bin; } >in/random.gz &&
	hostile -p 1 random.zip "eport-apply: random.zip: " &&
	hostile -p 1 random.gz "eport-apply: random.gz: "
'

test_expect_success 'NUL bytes: a file of them, in a JSON line, in a TSV line' '
	head -c 1000 /dev/zero >in/nul.bin &&
	echo "eport-apply: nul.bin:1: header: NUL byte" >expect &&
	hostile 1 nul.bin expect &&
	printf "\n\n{\"ref\":\"N1\",\"type\":\"renew\"\000}\n" >in/nul.jsonl &&
	echo "eport-apply: nul.jsonl:3: column 27: '\''}'\'' expected near end of file" >expect &&
	hostile 1 nul.jsonl expect &&
	printf "ref\ttype\nN2\tre\000new\n" >in/nul.tsv &&
	echo "eport-apply: nul.tsv:2: NUL byte in line" >expect &&
	hostile 1 nul.tsv expect
'

test_expect_success 'invalid UTF-8: overlong, surrogate, cut short, 0xFF; in JSON and TSV' '
	printf "{\"ref\":\"U1\",\"type\":\"renew\",\"enterprise\":{\"name\":\"\300\257\"}}\n" >in/utf8.jsonl &&
	printf "{\"ref\":\"U2\",\"type\":\"renew\",\"enterprise\":{\"name\":\"\355\240\200\"}}\n" >>in/utf8.jsonl &&
	printf "{\"ref\":\"U3\",\"type\":\"renew\",\"enterprise\":{\"name\":\"\345\216\"}}\n" >>in/utf8.jsonl &&
	printf "{\"ref\":\"U4\",\"type\":\"renew\",\"enterprise\":{\"name\":\"\377\"}}\n" >>in/utf8.jsonl &&
	printf "eport-apply: utf8.jsonl:%d: column 49: unable to decode byte 0x%s near '\''\"'\''\n" \
		1 c0 2 ed 3 e5 4 ff >expect &&
	hostile 1 utf8.jsonl expect &&
	printf "ref\ttype\tenterprise.name\nU5\trenew\t\300\257\nU6\trenew\t\355\240\200\n" >in/utf8.tsv &&
	printf "eport-apply: utf8.tsv:%d: enterprise.name: invalid UTF-8\n" 2 3 >expect &&
	hostile 1 utf8.tsv expect &&
	printf "ref\t\377\nU7\tx\n" >in/utf8h.tsv &&
	printf "eport-apply: utf8h.tsv:1: header: column 2: '\''\\\\xff'\'' is not a field path\n" >expect &&
	hostile 1 utf8h.tsv expect
'

test_expect_success 'JSON nested 200,000 deep, arrays and objects' '
	{ printf "\n{\"ref\":\"D1\",\"type\":\"renew\",\"x\":" && rep "[" 200000 && rep "]" 200000 && printf "}\n"; } >in/deep.jsonl &&
	echo "eport-apply: deep.jsonl:2: column 2079: maximum parsing depth reached near '\''['\''" >expect &&
	hostile 1 deep.jsonl expect &&
	{ printf "{\"ref\":\"D2\",\"type\":\"renew\",\"x\":" && rep "{\"\":" 200000 && printf 1 && rep "}" 200000 && printf "}\n"; } >in/deepo.jsonl &&
	test $(wc -c <in/deepo.jsonl) -lt 1048576 &&
	echo "eport-apply: deepo.jsonl:1: column 8220: maximum parsing depth reached near '\''{'\''" >expect &&
	hostile 1 deepo.jsonl expect
'
# Left out until lib/record.c bounds the depth of a TSV column: a header
# column 200,000 segments deep (a.a.a...) makes eport-apply die of a stack
# overflow (SIGSEGV, in json_deep_copy from case_create), and one 3,000 deep
# is stored as a case that no one can read back (jansson parses 2048 levels:
# eport-show says "no such case", eport-fsck "the case record is not JSON").
# Both should be refused at line 1.  Left out too: a document that is a FIFO
# in the record's directory blocks eport-apply for ever (read_file opens it).

test_expect_success 'a line over 1 MiB: JSON, TSV, a TSV header, a file with no newline' '
	{ printf "\n{\"ref\":\"L1\",\"type\":\"renew\",\"x\":\"" && head -c 1100000 /dev/zero | tr "\0" a && printf "\"}\n"; } >in/long.jsonl &&
	echo "eport-apply: long.jsonl:2: line longer than 1048576 bytes" >expect &&
	hostile 1 long.jsonl expect &&
	{ printf "ref\ttype\n" && head -c 1100000 /dev/zero | tr "\0" a && printf "\trenew\n"; } >in/long.tsv &&
	echo "eport-apply: long.tsv:2: line longer than 1048576 bytes" >expect &&
	hostile 1 long.tsv expect &&
	{ head -c 1100000 /dev/zero | tr "\0" a && printf "\nL3\n"; } >in/longh.tsv &&
	echo "eport-apply: longh.tsv:1: line longer than 1048576 bytes" >expect &&
	hostile 1 longh.tsv expect &&
	head -c 3000000 /dev/zero | tr "\0" "{" >in/nonl &&
	echo "eport-apply: nonl:1: line longer than 1048576 bytes" >expect &&
	hostile 1 nonl expect
'

test_expect_success 'lines that are not objects' '
	printf "{}\n[1,2]\n\"str\"\n42\nnull\ntrue\n{\"ref\":\"O1\"\n" >in/notobj.jsonl &&
	cat >expect <<-\EOT &&
	eport-apply: notobj.jsonl:1: type: missing
	eport-apply: notobj.jsonl:2: not a JSON object
	eport-apply: notobj.jsonl:3: column 5: '"'"'['"'"' or '"'"'{'"'"' expected near '"'"'"str"'"'"'
	eport-apply: notobj.jsonl:4: column 2: '"'"'['"'"' or '"'"'{'"'"' expected near '"'"'42'"'"'
	eport-apply: notobj.jsonl:5: column 4: '"'"'['"'"' or '"'"'{'"'"' expected near '"'"'null'"'"'
	eport-apply: notobj.jsonl:6: column 4: '"'"'['"'"' or '"'"'{'"'"' expected near '"'"'true'"'"'
	eport-apply: notobj.jsonl:7: column 11: '"'"'}'"'"' expected near end of file
	EOT
	hostile 1 notobj.jsonl expect &&
	printf "[1,2]\n" >in/array.jsonl &&
	echo "eport-apply: array.jsonl:1: header: column 1: '\''[1,2]'\'' is not a field path" >expect &&
	hostile 1 array.jsonl expect
'

test_expect_success 'fields of the wrong JSON type' '
	cp "$HOSTILE/types.jsonl" in/ &&
	hostile 1 types.jsonl "$HOSTILE/types.err"
'

test_expect_success 'document paths: absolute, climbing, through links' '
	mkfifo in/scans/fifo.pdf &&
	ln -s ../../canary/secret.pdf in/scans/link.pdf &&
	ln -s ../canary in/up &&
	ln -s "$TRASH/canary" in/abs &&
	cat >in/paths.jsonl <<-EOT &&
	{"ref":"P1","type":"renew","documents":[{"kind":"form1","file":"$TRASH/canary/secret.pdf"}]}
	{"ref":"P2","type":"renew","documents":[{"kind":"form1","file":"../canary/secret.pdf"}]}
	{"ref":"P3","type":"renew","documents":[{"kind":"form1","file":"scans/../../canary/secret.pdf"}]}
	{"ref":"P4","type":"renew","documents":[{"kind":"form1","file":"scans/link.pdf"}]}
	{"ref":"P5","type":"renew","documents":[{"kind":"form1","file":"up/secret.pdf"}]}
	{"ref":"P6","type":"renew","documents":[{"kind":"form1","file":"abs/secret.pdf"}]}
	{"ref":"P7","type":"renew","documents":[{"kind":"form1","file":"scans/form1.pdf"},{"kind":"id-holder","file":"up/secret.pdf"}]}
	{"ref":"P8","type":"renew","documents":[{"kind":"form1","file":"./scans/form1.pdf"}]}
	{"ref":"P9","type":"renew","documents":[{"kind":"form1","file":"scans"}]}
	{"ref":"P10","type":"renew","documents":[{"kind":"form1","file":"scans/fifo.pdf"}]}
	EOT
	cat >expect <<-EOT &&
	eport-apply: paths.jsonl:1: documents.1.file: '\''$TRASH/canary/secret.pdf'\'': absolute, or outside the record'\''s directory
	eport-apply: paths.jsonl:2: documents.1.file: '\''../canary/secret.pdf'\'': absolute, or outside the record'\''s directory
	eport-apply: paths.jsonl:3: documents.1.file: '\''scans/../../canary/secret.pdf'\'': absolute, or outside the record'\''s directory
	eport-apply: paths.jsonl:4: documents.1.file: '\''scans/link.pdf'\'': a symbolic link, not followed
	eport-apply: paths.jsonl:5: documents.1.file: '\''up/secret.pdf'\'': '\''up'\'' is a symbolic link, not followed
	eport-apply: paths.jsonl:6: documents.1.file: '\''abs/secret.pdf'\'': '\''abs'\'' is a symbolic link, not followed
	eport-apply: paths.jsonl:7: documents.2.file: '\''up/secret.pdf'\'': '\''up'\'' is a symbolic link, not followed
	eport-apply: paths.jsonl:8: documents.1.file: '\''./scans/form1.pdf'\'': absolute, or outside the record'\''s directory
	eport-apply: paths.jsonl:9: documents.1.file: '\''scans'\'': not a regular file
	eport-apply: paths.jsonl:10: documents.1.file: '\''scans/fifo.pdf'\'': not a regular file
	EOT
	hostile 1 paths.jsonl expect &&
	! git --git-dir="$EPORT_HOME/docs.git" cat-file --batch-all-objects --batch | grep -q "canary 7f3a" &&
	(cd in && sed -n 4p paths.jsonl | test_expect_code 1 eport-apply 2>../err) &&
	echo "eport-apply: <stdin>:1: documents.1.file: '\''scans/link.pdf'\'': a symbolic link, not followed" >expect &&
	test_cmp expect err
'

test_expect_success 'ragged TSV' '
	printf "ref\ttype\tholders.1.name\nR1\trenew\nR2\trenew\tx\ty\nR3\n" >in/ragged.tsv &&
	cat >expect <<-\EOT &&
	eport-apply: ragged.tsv:2: 2 fields where the header has 3
	eport-apply: ragged.tsv:3: 4 fields where the header has 3
	eport-apply: ragged.tsv:4: 1 fields where the header has 3
	EOT
	hostile 1 ragged.tsv expect
'

test_expect_success 'TSV headers that are not field paths' '
	grep -v "^#" "$HOSTILE/headers.txt" | while IFS="	" read -r head msg; do
		printf "%s\nR1\n" "$head" | tr "|" "\t" >in/head.tsv &&
		echo "eport-apply: head.tsv:1: $msg" >expect &&
		hostile 1 head.tsv expect || return 1
	done
'

test_expect_success 'TSV column paths 200,000 deep, or with an index of 10^11' '
	{ printf "ref\t"; rep "a." 200000; printf "b\nR1\tx\n"; } >in/deep.tsv &&
	hostile -p 1 deep.tsv "eport-apply: deep.tsv:1: header: column 2: '\''a.a.a.a." &&
	printf "ref\tholders.99999999999.name\nR1\tx\n" >in/index.tsv &&
	echo "eport-apply: index.tsv:1: header: column 2: '\''holders.99999999999.name'\'' is not a field path" >expect &&
	hostile 1 index.tsv expect
'

# Bundles, made here: zips entry by entry with perl (names as given), tars
# with bsdtar.
mkzip() {
	perl "$HOSTILE/mkzip.pl" "$@"
}

# a message quotes what it refuses: what a terminal would act on (ESC, a C1
# CSI, a right-to-left override) comes out escaped, and Chinese as it is
test_expect_success 'control characters and bidi overrides in a refusal come out escaped' '
	printf "{\"ref\":\"C1\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"\\\\u001b[2J\\\\u009b31m\\\\u202egpj.pdf\\\\u6587\\\\u0007\"}]}\n" >in/esc.jsonl &&
	printf "%s\n" "eport-apply: esc.jsonl:1: documents.1.file: '\''\\x1b[2J\\xc2\\x9b31m\\xe2\\x80\\xaegpj.pdf文\\x07'\'': absolute, or outside the record'\''s directory" >expect &&
	hostile 1 esc.jsonl expect &&
	printf "id\n\033]0;title\007\n" | test_expect_code 1 eport-show 2>err &&
	printf "%s\n" "eport-show: '\''\\x1b]0;title\\x07'\'': no such case" >expect &&
	test_cmp expect err
'

test_expect_success 'setup: a good case.json' '
	printf "{\"ref\":\"B1\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"scans/form1.pdf\",\"sealed\":true}]}\n" >case.json &&
	mkzip ok.zip case.json=@case.json scans/form1.pdf=@in/scans/form1.pdf &&
	mkdir tb && cp case.json tb/ && cp -R in/scans tb/ && rm -f tb/scans/link.pdf
'

test_expect_success 'bundle entries climbing out with .., or absolute' '
	mkzip in/dotdot.zip case.json=@case.json ../canary/evil.pdf=x &&
	echo "eport-apply: dotdot.zip: entry '\''../canary/evil.pdf'\'': path is absolute or leaves the bundle" >expect &&
	hostile 1 dotdot.zip expect &&
	mkzip in/deep-dotdot.zip case.json=@case.json scans/../../canary/evil.pdf=x &&
	echo "eport-apply: deep-dotdot.zip: entry '\''scans/../../canary/evil.pdf'\'': path is absolute or leaves the bundle" >expect &&
	hostile 1 deep-dotdot.zip expect &&
	mkzip in/abs.zip case.json=@case.json "$TRASH/canary/evil.pdf=x" &&
	echo "eport-apply: abs.zip: entry '\''$TRASH/canary/evil.pdf'\'': path is absolute or leaves the bundle" >expect &&
	hostile 1 abs.zip expect &&
	(cd tb && bsdtar -cf ../in/dotdot.tar case.json ../case.json) &&
	echo "eport-apply: dotdot.tar: entry '\''../case.json'\'': path is absolute or leaves the bundle" >expect &&
	hostile 1 dotdot.tar expect &&
	(cd tb && bsdtar -czPf ../in/abs.tgz case.json "$TRASH/canary/secret.pdf") &&
	echo "eport-apply: abs.tgz: entry '\''$TRASH/canary/secret.pdf'\'': path is absolute or leaves the bundle" >expect &&
	hostile 1 abs.tgz expect
'

test_expect_success 'bundle entries that are links, devices or FIFOs' '
	mkzip in/link.zip case.json=@case.json scans/form1.pdf=link:../../canary/secret.pdf &&
	echo "eport-apply: link.zip: entry '\''scans/form1.pdf'\'': links are not allowed in a bundle" >expect &&
	hostile 1 link.zip expect &&
	ln -s "$TRASH/canary/secret.pdf" tb/evil.pdf &&
	(cd tb && bsdtar -cf ../in/link.tar case.json evil.pdf) &&
	rm tb/evil.pdf &&
	echo "eport-apply: link.tar: entry '\''evil.pdf'\'': links are not allowed in a bundle" >expect &&
	hostile 1 link.tar expect &&
	ln tb/scans/form1.pdf tb/hard.pdf &&
	(cd tb && bsdtar -cf ../in/hard.tar case.json scans/form1.pdf hard.pdf) &&
	rm tb/hard.pdf &&
	echo "eport-apply: hard.tar: entry '\''hard.pdf'\'': links are not allowed in a bundle" >expect &&
	hostile 1 hard.tar expect &&
	bsdtar -cf in/dev.tar -C tb case.json -C / dev/null &&
	echo "eport-apply: dev.tar: entry '\''dev/null'\'': not a regular file" >expect &&
	hostile 1 dev.tar expect &&
	mkfifo tb/fifo &&
	(cd tb && bsdtar -cf ../in/fifo.tar case.json fifo) &&
	rm tb/fifo &&
	echo "eport-apply: fifo.tar: entry '\''fifo'\'': not a regular file" >expect &&
	hostile 1 fifo.tar expect
'

test_expect_success 'a zip bomb: one entry over 64 MiB' '
	mkzip in/bomb.zip case.json=@case.json scans/form1.pdf=zeros:70000000 &&
	test $(wc -c <in/bomb.zip) -lt 1000000 &&
	echo "eport-apply: bomb.zip: entry '\''scans/form1.pdf'\'': larger than 64 MiB" >expect &&
	hostile 1 bomb.zip expect
'

test_expect_success 'a bundle unpacking past 256 MiB, each entry under 64 MiB' '
	mkzip in/big.zip case.json=@case.json z1=zeros:60000000 z2=zeros:60000000 \
		z3=zeros:60000000 z4=zeros:60000000 z5=zeros:60000000 &&
	test $(wc -c <in/big.zip) -lt 2000000 &&
	echo "eport-apply: big.zip: unpacks to more than 256 MiB" >expect &&
	hostile 1 big.zip expect
'

test_expect_success 'truncated archives, and a zip cut where its central directory begins' '
	mkzip full.zip case.json=@case.json scans/form1.pdf=@in/scans/form1.pdf &&
	head -c 200 full.zip >in/trunc.zip &&
	hostile -p 1 trunc.zip "eport-apply: trunc.zip: " &&
	perl -e '\''local $/; my $d = <STDIN>; my $i = rindex($d, "PK\5\6");
		print substr($d, 0, unpack("V", substr($d, $i + 16, 4)))'\'' <full.zip >in/nocd.zip &&
	test $(wc -c <in/nocd.zip) -gt 300 && test $(wc -c <in/nocd.zip) -lt $(wc -c <full.zip) &&
	echo "eport-apply: nocd.zip: Unrecognized archive format" >expect &&
	hostile 1 nocd.zip expect &&
	randbytes 100000 >tb/pad.pdf &&
	(cd tb && bsdtar -cf ../full.tar case.json pad.pdf) &&
	head -c 30000 full.tar >in/trunc.tar &&
	hostile -p 1 trunc.tar "eport-apply: trunc.tar: " &&
	gzip -c full.tar | head -c 5000 >in/trunc.tar.gz &&
	hostile -p 1 trunc.tar.gz "eport-apply: trunc.tar.gz: "
'

test_expect_success 'no case.json at the top of the bundle, two of them, or an empty one' '
	: >empty.json &&
	mkzip in/empty.zip case.json=@empty.json &&
	echo "eport-apply: empty.zip:case.json: no record" >expect &&
	hostile 1 empty.zip expect &&
	mkzip in/nocase.zip scans/form1.pdf=@in/scans/form1.pdf sub/case.json=@case.json &&
	echo "eport-apply: nocase.zip: no case.json or cases.jsonl at the top of the bundle" >expect &&
	hostile 1 nocase.zip expect &&
	mkzip in/twice.zip case.json=@case.json case.json=@case.json &&
	echo "eport-apply: twice.zip: entry '\''case.json'\'': given twice" >expect &&
	hostile 1 twice.zip expect
'

test_expect_success 'a bundle'\''s record naming a file outside it' '
	printf "{\"ref\":\"B2\",\"type\":\"renew\",\"documents\":[{\"kind\":\"form1\",\"file\":\"../canary/secret.pdf\"}]}\n" >out.json &&
	mkzip in/outside.zip case.json=@out.json &&
	echo "eport-apply: outside.zip:case.json:1: documents.1.file: '\''../canary/secret.pdf'\'': absolute, or outside the record'\''s directory" >expect &&
	hostile 1 outside.zip expect
'

test_expect_success 'the good bundle is taken in; the store is sound' '
	(cd in && eport-apply ../ok.zip) >actual &&
	test "$(tail -n 1 actual | cut -f5)" = B1 &&
	eport-fsck &&
	git --git-dir="$EPORT_HOME/docs.git" fsck --strict --no-dangling &&
	test "$(find canary -type f | wc -l)" = 1 &&
	echo "canary 7f3a" >expect && test_cmp expect canary/secret.pdf
'

done_testing
