#!/bin/sh
# eport-export: audit archives that standard tools check (sha256sum -c,
# unzip -t), the same bytes for the same cases, masked for outsiders, and
# verified against the store with -V.
. "$(dirname "$0")/lib.sh"

C=XM20261126
GIT="git --git-dir=$EPORT_HOME/docs.git"

commit() {
	eport-show "$1" | jq -r .commit
}

short() {
	commit "$1" | cut -c1-12
}

# 0001-0003 the examples (open); 0004 a reader case collected at the
# window and 0005 an unlock case rejected, both closed; 0006 the onboard
# example without the operator's identity card (a finding names the holder's
# identity number), rejected and closed
test_expect_success 'setup: closed cases' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-order import "$DATA/close/orders.tsv" >/dev/null &&
	{ sed -n 1p "$DATA/close/cases.jsonl" && sed -n 5p "$DATA/close/cases.jsonl" &&
	  sed -n 1p ex/cases.jsonl | jq -c ".ref = \"MASK1\" | del(.documents[5])"; } >ex/close.jsonl &&
	eport-apply ex/cases.jsonl ex/close.jsonl >/dev/null &&
	test_expect_code 1 eport-check $C-0004 $C-0005 $C-0006 >findings &&
	grep -q "documents.id-operator\[350206199001010244\]" findings &&
	EPORT_USER=bob eport-review accept $C-0004 >/dev/null &&
	EPORT_USER=bob eport-review reject -m "材料不符" $C-0005 $C-0006 >/dev/null &&
	EPORT_NOW=2026-11-27T15:30:00+08:00 eport-close $C-0004 $C-0005 $C-0006 >/dev/null &&
	eport-ls -s closed | cut -f1 >actual &&
	printf "id\n$C-0004\n$C-0005\n$C-0006\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a year of closed cases in one pipeline: tar.gz, sorted, root-owned, dated' '
	eport-ls -s closed -S 2026-01-01 | eport-export -o audit-2026.tar.gz &&
	TZ=UTC tar --numeric-owner -tvzf audit-2026.tar.gz |
		awk "{ print \$1, \$2, \$4, \$5, \$6 }" >actual &&
	test_cmp "$DATA/close/export.list" actual
'

test_expect_success 'tar.gz: extracted, sha256sum -c verifies every file' '
	mkdir x && tar -xzf audit-2026.tar.gz -C x &&
	(cd x && sha256sum -c --strict SHA256SUMS >../sums.out) &&
	test $(grep -c ": OK$" sums.out) = $(find x -type f ! -name SHA256SUMS | wc -l) &&
	test $(wc -l <sums.out) = 17
'

test_expect_success 'the files are the case commit, byte for byte' '
	for id in $C-0004 $C-0005 $C-0006; do
		commit $id >expect && test_cmp expect x/$id/COMMIT &&
		$GIT show $(commit $id):case.json >expect && test_cmp expect x/$id/case.json &&
		$GIT show $(commit $id):history.jsonl >expect && test_cmp expect x/$id/history.jsonl &&
		test "$(jq -r .state x/$id/case.json)" = closed || return 1
	done &&
	$GIT show $(commit $C-0006):docs/license-1.pdf >expect &&
	test_cmp expect x/$C-0006/docs/license-1.pdf &&
	test_cmp ex/scans/license.pdf x/$C-0006/docs/license-1.pdf &&
	! test -e x/$C-0004/certs
'

test_expect_success 'zip: unzip -t passes, sha256sum -c verifies, bsdtar reads it too' '
	eport-export -o audit.zip $C-0004 $C-0005 $C-0006 &&
	unzip -tq audit.zip >out &&
	echo "No errors detected in compressed data of audit.zip." >expect &&
	test_cmp expect out &&
	mkdir z && (cd z && unzip -q ../audit.zip && sha256sum -c --strict --quiet SHA256SUMS) &&
	mkdir b && bsdtar -xf audit.zip -C b && diff -r x b &&
	diff -r x z
'

test_expect_success 'the same cases give the same bytes, in any order, anywhere' '
	eport-export -o again.tar.gz $C-0006 $C-0004 $C-0005 $C-0004 &&
	cmp audit-2026.tar.gz again.tar.gz &&
	TZ=America/New_York eport-export -o again.zip $C-0005 $C-0004 $C-0006 &&
	cmp audit.zip again.zip &&
	for f in tar tar.xz; do
		eport-export -o one.$f $C-0004 $C-0005 $C-0006 &&
		TZ=Asia/Tokyo eport-export -o two.$f $C-0006 $C-0005 $C-0004 &&
		cmp one.$f two.$f || return 1
	done &&
	xz -t one.tar.xz && tar -tf one.tar >list && test $(wc -l <list) = 23
'

test_expect_success 'an existing archive is replaced whole, nothing left beside it; the umask holds' '
	mkdir dest && echo old >dest/a.tar.gz &&
	eport-export -o dest/a.tar.gz $C-0004 $C-0005 $C-0006 &&
	cmp audit-2026.tar.gz dest/a.tar.gz &&
	ls -A dest >actual && echo a.tar.gz >expect && test_cmp expect actual &&
	test "$(stat -c %a dest/a.tar.gz)" = 644 &&
	(umask 077 && eport-export -o dest/private.zip $C-0004) &&
	test "$(stat -c %a dest/private.zip)" = 600
'

# strace kills it once the archive is written, as it fsyncs it: not even
# kill -9 leaves a hidden file beside it, nor harms an old archive
test_expect_success 'killed while it writes, kill -9 leaves nothing beside the archive' '
	mkdir killed &&
	test_expect_code 137 strace -f -o trace -e trace=fsync -e inject=fsync:signal=KILL:when=1 \
		eport-export -o killed/a.tar.gz $C-0004 2>/dev/null;
	grep -q "killed by SIGKILL" trace &&
	ls -A killed >actual && test_cmp /dev/null actual &&
	echo old >killed/b.zip &&
	test_expect_code 137 strace -f -o trace -e trace=fsync -e inject=fsync:signal=KILL:when=1 \
		eport-export -o killed/b.zip $C-0004 2>/dev/null;
	grep -q "killed by SIGKILL" trace &&
	ls -A killed >actual && echo b.zip >expect && test_cmp expect actual &&
	echo old | cmp - killed/b.zip &&
	eport-export -o killed/b.zip $C-0004 &&
	ls -A killed >actual && test_cmp expect actual &&
	unzip -tq killed/b.zip >/dev/null
'

test_expect_success '-V: a good archive of each format verifies, quietly' '
	for f in audit-2026.tar.gz audit.zip one.tar one.tar.xz; do
		eport-export -V $f >out 2>err && test ! -s out && test ! -s err || return 1
	done
'

test_expect_success '-V: one byte changed in a document and repacked is caught' '
	cp -R x t1 &&
	printf "X" | dd of=t1/$C-0006/docs/license-1.pdf bs=1 seek=20 conv=notrunc 2>/dev/null &&
	(cd t1 && bsdtar -czf ../t1.tar.gz *) &&
	test_expect_code 1 eport-export -V t1.tar.gz 2>err &&
	printf "eport-export: t1.tar.gz: %s\n" \
		"$C-0006/docs/license-1.pdf: does not match SHA256SUMS" \
		"$C-0006/docs/license-1.pdf: differs from commit $(short $C-0006)" >expect &&
	test_cmp expect err
'

test_expect_success '-V: new sums for a changed case.json do not hide it' '
	cp -R x t2 &&
	sed -i "s/材料不符/材料齐全/" t2/$C-0005/case.json &&
	(cd t2 && find . -type f ! -name SHA256SUMS | sed "s|^\./||" | LC_ALL=C sort |
		xargs sha256sum >SHA256SUMS && sha256sum -c --quiet SHA256SUMS &&
		zip -qr ../t2.zip .) &&
	test_expect_code 1 eport-export -V t2.zip 2>err &&
	echo "eport-export: t2.zip: $C-0005/case.json: differs from commit $(short $C-0005)" >expect &&
	test_cmp expect err
'

test_expect_success '-V: a file missing, one added, a commit of another case' '
	cp -R x t3 &&
	rm t3/$C-0006/docs/form1-1.pdf &&
	echo extra >t3/$C-0004/docs/extra.pdf &&
	commit $C-0004 >t3/$C-0005/COMMIT &&
	(cd t3 && tar -cf ../t3.tar *) &&
	test_expect_code 1 eport-export -V t3.tar 2>err &&
	printf "eport-export: t3.tar: %s\n" \
		"$C-0005/COMMIT: does not match SHA256SUMS" \
		"$C-0006/docs/form1-1.pdf: in SHA256SUMS, not in the archive" \
		"$C-0004/docs/extra.pdf: not in SHA256SUMS" \
		"$C-0004/docs/extra.pdf: not in commit $(short $C-0004)" \
		"$C-0005/COMMIT: commit $(short $C-0004) is not on refs/cases/$C-0005" \
		"$C-0005/case.json: differs from commit $(short $C-0004)" \
		"$C-0005/docs/payment-1.png: missing (in commit $(short $C-0004))" \
		"$C-0005/history.jsonl: differs from commit $(short $C-0004)" \
		"$C-0005/COMMIT: commit $(short $C-0004) is case '\''$C-0004'\''" \
		"$C-0006/docs/form1-1.pdf: missing (in commit $(short $C-0006))" >expect &&
	test_cmp expect err
'

test_expect_success '-V: an archive cut short, a zip without its central directory, or none' '
	head -c 3000 audit-2026.tar.gz >cut.tar.gz &&
	test_expect_code 1 eport-export -V cut.tar.gz 2>err &&
	echo "eport-export: cut.tar.gz: truncated gzip input" >expect &&
	test_cmp expect err &&
	perl -e '\''local $/; my $d = <STDIN>; my $i = rindex($d, "PK\5\6");
		print substr($d, 0, unpack("V", substr($d, $i + 16, 4)))'\'' <audit.zip >nocd.zip &&
	test_expect_code 1 eport-export -V nocd.zip 2>err &&
	echo "eport-export: nocd.zip: Unrecognized archive format" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-export -V nothere.zip 2>err &&
	echo "eport-export: cannot open '\''nothere.zip'\'': No such file or directory" >expect &&
	test_cmp expect err
'

test_expect_success '-m: identity and phone numbers masked wherever they appear' '
	eport-export -m -o outside.tar.gz $C-0004 $C-0005 $C-0006 &&
	mkdir m && tar -xzf outside.tar.gz -C m &&
	(cd m && sha256sum -c --strict --quiet SHA256SUMS) &&
	eport-show $C-0006 | jq -r ".. | objects | (.id_number?, .phone?) | strings" | sort -u >secrets &&
	test $(wc -l <secrets) = 6 &&
	while read -r s; do
		! grep -rqF -- "$s" m || { echo "$s is in the masked archive"; return 1; }
	done <secrets &&
	jq -r ".holders[] | [.id_number, .phone] | @tsv" m/$C-0006/case.json >actual &&
	printf "%s\t%s\n" "350203********0316" "138****1111" "350206********0244" "139****2222" >expect &&
	test_cmp expect actual &&
	jq -r "[.handler.id_number, .handler.phone, .mail.phone] | @tsv" m/$C-0006/case.json >actual &&
	printf "350211********017X\t139****1234\t139****1234\n" >expect &&
	test_cmp expect actual &&
	grep -c "documents.id-operator\[350206\*\*\*\*\*\*\*\*0244\]" m/$C-0006/history.jsonl >actual &&
	echo 1 >expect && test_cmp expect actual
'

test_expect_success '-m: no documents, no certificates, and the README says so' '
	(cd m && find . -type f | sort) >actual &&
	printf "./%s\n" README SHA256SUMS $C-0004/COMMIT $C-0004/case.json $C-0004/history.jsonl \
		$C-0005/COMMIT $C-0005/case.json $C-0005/history.jsonl \
		$C-0006/COMMIT $C-0006/case.json $C-0006/history.jsonl >expect &&
	test_cmp expect actual &&
	sed -n 2p m/README >actual && echo "Masked: yes" >expect && test_cmp expect actual &&
	grep -q "The documents (docs/) and the card" m/README &&
	sed -n 2p x/README >actual && echo "Masked: no" >expect && test_cmp expect actual
'

test_expect_success '-m: the masked archive verifies; the same bytes again; a change is caught' '
	eport-export -V outside.tar.gz &&
	eport-export -m -o outside2.tar.gz $C-0006 $C-0005 $C-0004 &&
	cmp outside.tar.gz outside2.tar.gz &&
	cp -R m t4 && sed -i "s/139\*\*\*\*1234/13900000000/" t4/$C-0006/case.json &&
	cp -R x/$C-0004/docs t4/$C-0004/ &&
	(cd t4 && bsdtar -czf ../t4.tar.gz *) &&
	test_expect_code 1 eport-export -V t4.tar.gz 2>err &&
	printf "eport-export: t4.tar.gz: %s\n" \
		"$C-0006/case.json: does not match SHA256SUMS" \
		"$C-0004/docs/payment-1.png: not in SHA256SUMS" \
		"$C-0004/docs/payment-1.png: in a masked archive" \
		"$C-0006/case.json: differs from commit $(short $C-0006), masked" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown case: refused, and no archive written' '
	mkdir none &&
	test_expect_code 1 eport-export -o none/a.zip $C-0004 XM20990101-0001 2>err &&
	printf "eport-export: %s\n" "XM20990101-0001: no such case" "'\''none/a.zip'\'' not written" >expect &&
	test_cmp expect err &&
	ls -A none >actual && test_cmp /dev/null actual
'

test_expect_success '-n writes nothing; no cases is refused' '
	eport-export -n -o none/a.tar $C-0004 &&
	printf "" | test_expect_code 1 eport-export -o none/b.tar 2>err &&
	printf "eport-export: %s\n" "no cases to export" "'\''none/b.tar'\'' not written" >expect &&
	test_cmp expect err &&
	ls -A none >actual && test_cmp /dev/null actual
'

test_expect_success 'usage: an archive of no known format, -o with -V, no -o' '
	test_expect_code 2 eport-export -o a.rar $C-0004 2>err &&
	echo "eport-export: '\''a.rar'\'': name the archive .tar, .tar.gz, .tar.xz or .zip" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-export -o a.zip -V a.zip 2>err &&
	grep -q "^usage: eport-export" err &&
	test_expect_code 2 eport-export $C-0004 2>err &&
	grep -q "^usage: eport-export" err &&
	test_expect_code 2 eport-export -V a.zip $C-0004 2>err &&
	grep -q "^usage: eport-export" err
'

done_testing
