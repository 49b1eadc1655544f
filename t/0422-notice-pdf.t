#!/bin/sh
# eport-status -p CASE -o FILE.pdf: the collection notice and the bounce
# notice as one A4 page of PDF (cairo, pango, Noto CJK): the notice's text
# (pdftotext), every CJK character of the case (䶮 and 𠀀, beyond the basic
# block), the page drawn (pdftoppm), the QR code of the case id (zbarimg), the
# same bytes for the same case and time.
. "$(dirname "$0")/lib.sh"

W=XM20261126-0001	# a reader case for the counter
P=XM20261126-0002	# a reader case by post, which comes back

# squeezed FILE: the text without any white space, on one line
squeezed() {
	tr -d " \t\r\n\f" <"$1"
}
# has_text TEXT.txt PDF: every line of the text notice is in the PDF's text
has_text() {
	pdftotext -layout "$2" pdf.txt && squeezed pdf.txt >pdf.sq &&
	while IFS= read -r line; do
		l=$(printf %s "$line" | tr -d " \t\r")
		test -z "$l" && continue
		grep -qF -- "$l" pdf.sq || { echo "not in the PDF: $line"; return 1; }
	done <"$1"
}
# ink PDF: the share of the first page's pixels that are dark, in percent
ink() {
	pdftoppm -r 40 -gray "$1" page && perl -e '
		local $/; my $p = <STDIN>;
		$p =~ s/^P5\s+(\d+)\s+(\d+)\s+255\s//s or die "not a PGM";
		my ($w, $h) = ($1, $2); my $dark = () = $p =~ /[\x00-\x7f]/g;
		printf "%d\n", 100 * $dark / ($w * $h);' <page-1.pgm
}
have() { command -v "$1" >/dev/null; }

test_expect_success 'setup: two reader cases of 厦门刘䶮𠀀贸易有限公司, one at the counter, one back from EMS' '
	make_store &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	cat >cases.jsonl <<-\EOT &&
	{"ref":"N1","type":"reader","channel":"online","enterprise":{"uscc":"91350200MA2Y0K3PXF","name":"厦门刘䶮𠀀贸易有限公司"},"handler":{"name":"刘䶮","id_type":"resident","id_number":"35021119951120017X","phone":"13906001234"},"order":"NF20261125110000001","pickup":"window","documents":[{"kind":"payment","file":"scans/payment.png","sealed":true}]}
	{"ref":"N2","type":"reader","channel":"online","enterprise":{"uscc":"91350200MA2Y0K3PXF","name":"厦门刘䶮𠀀贸易有限公司"},"order":"NF20261125110000002","pickup":"mail","mail":{"recipient":"黄𠀀杰","phone":"13906001234","address":"厦门市海沧区海沧大道567号301室"},"documents":[{"kind":"payment","file":"scans/payment.png","sealed":true},{"kind":"poa","file":"scans/form1.pdf","sealed":true}]}
	EOT
	eport-apply cases.jsonl >/dev/null &&
	eport-order import "$DATA/ship/hostile-orders.tsv" >/dev/null &&
	eport-ls -s received | eport-check -q >checked &&
	EPORT_USER=bob eport-review accept <checked >/dev/null &&
	EPORT_NOW=2026-11-26T16:00:00 eport-ship manifest -F tsv >/dev/null &&
	printf "id\ttracking\n$P\t1180098765432\n" >t.tsv &&
	EPORT_NOW=2026-11-27T10:00:00 eport-ship mark <t.tsv >/dev/null &&
	EPORT_NOW=2026-11-30T10:00:00 eport-ship bounce -m "收件人拒收" $P >/dev/null &&
	eport-status 91350200MA2Y0K3PXF | cut -f1,4 >actual &&
	printf "id\tstatus\n$W\t领卡\n$P\t领卡\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the notice as PDF: one A4 page, titled, made at EPORT_NOW' '
	eport-status -p $W -o w.pdf >out &&
	test_cmp /dev/null out &&
	pdfinfo w.pdf >info &&
	grep -x "Pages: *1" info &&
	grep -x "Page size: *595.28 x 841.89 pts (A4)" info &&
	grep -x "Title: *领卡通知书" info &&
	grep -x "CreationDate: *Thu Nov 26 02:00:00 2026 UTC" info
'

test_expect_success 'the PDF holds the text notice, 䶮 and 𠀀 among it' '
	eport-status -p $W >w.txt &&
	grep -q "厦门刘䶮𠀀贸易有限公司" w.txt &&
	has_text w.txt w.pdf &&
	grep -q "厦门刘䶮𠀀贸易有限公司" pdf.txt &&
	grep -q "刘䶮" pdf.txt
'

test_expect_success 'every character is drawn in a font that has it, all embedded' '
	pdffonts w.pdf | sed 1,2d >fonts &&
	test -s fonts &&
	! awk "\$(NF-4) != \"yes\"" fonts | grep . &&
	pdftoppm -r 40 -png w.pdf glyphs 2>err &&
	! grep -i "missing\|no glyph" err
'

test_expect_success 'the page is drawn: ink, but far from all of it' '
	n=$(ink w.pdf) &&
	test "$n" -ge 1 && test "$n" -le 30
'

if have zbarimg; then
	test_expect_success 'the QR code reads as the case id' '
		pdftoppm -r 150 -png w.pdf qr &&
		zbarimg -q --raw qr-1.png >actual 2>/dev/null &&
		echo $W >expect &&
		test_cmp expect actual
	'
else
	test_skip 'the QR code reads as the case id: zbarimg is not installed (zbar-tools)'
fi

test_expect_success 'the same case at the same time: the same bytes; later, only the dates differ' '
	eport-status -p $W -o again.pdf &&
	cmp w.pdf again.pdf &&
	EPORT_NOW=2026-11-27T09:00:00 eport-status -p $W -o later.pdf &&
	! cmp -s w.pdf later.pdf &&
	pdftotext later.pdf - | grep -q "2026-11-27"
'

test_expect_success 'the bounce notice: the case that came back, why, and the recipient'\''s 𠀀' '
	eport-status -p $P >p.txt &&
	grep -q "收件人拒收" p.txt &&
	eport-status -p $P -o p.pdf &&
	has_text p.txt p.pdf &&
	grep -q "1180098765432" pdf.txt &&
	n=$(ink p.pdf) && test "$n" -ge 1
'

test_expect_success 'a notice too long for the page at its size is set smaller, on one page' '
	name=$(perl -e "print q(厦门很长很长的名称) x 150, q(有限公司)") &&
	sed -n 1p cases.jsonl | sed "s/\"ref\":\"N1\"/\"ref\":\"N3\"/; s/厦门刘䶮𠀀贸易有限公司/$name/; s/NF20261125110000001/NF20261125110000003/" >long.jsonl &&
	printf "订单号\t订单状态\t关区\t取货方式\t商品\t数量\nNF20261125110000003\t完成\t厦门分中心\t关区取货\t读卡器\t1\n" >o3.tsv &&
	eport-order import o3.tsv >/dev/null &&
	eport-apply long.jsonl | sed 1d | cut -f1 >id3 &&
	eport-check -q $(cat id3) | EPORT_USER=bob eport-review accept >/dev/null &&
	eport-status -p $(cat id3) >l.txt &&
	eport-status -p $(cat id3) -o l.pdf &&
	pdfinfo l.pdf | grep -x "Pages: *1" &&
	has_text l.txt l.pdf
'

test_expect_success 'no PDF for a case not at 领卡, and nothing left behind' '
	snapshot none &&
	eport-ls -s ready >/dev/null &&
	test_expect_code 1 eport-status -p XM20261126-0009 -o none.pdf 2>err &&
	echo "eport-status: '\''XM20261126-0009'\'': no such case" >expect &&
	test_cmp expect err &&
	! test -e none.pdf && test -z "$(ls | grep "^none\.pdf\.")" &&
	unchanged none
'

test_expect_success '-o without -p is a usage error' '
	test_expect_code 2 eport-status -o x.pdf 91350200MA2Y0K3PXF 2>/dev/null &&
	! test -e x.pdf
'

test_expect_success 'a PDF that cannot be written: exit 2, the file named' '
	test_expect_code 2 eport-status -p $W -o nodir/w.pdf 2>err &&
	echo "eport-status: nodir/w.pdf: No such file or directory" >expect &&
	test_cmp expect err
'

test_expect_success '-R draws the lines it is given, without the store; bad lines exit 2' '
	printf "%s" "[{\"kind\":\"title\",\"text\":\"领卡通知书\"},{\"kind\":\"field\",\"label\":\"企业名称\",\"text\":\"厦门刘䶮𠀀贸易有限公司\"}]" >lines.json &&
	EPORT_HOME=/nonexistent eport-status -R $W <lines.json >r.pdf &&
	pdftotext r.pdf - | tr -d " \n" >r.txt &&
	grep -q "领卡通知书" r.txt && grep -q "企业名称：厦门刘䶮𠀀贸易有限公司" r.txt &&
	test_expect_code 2 eport-status -R $W </dev/null 2>err &&
	grep -q "^eport-status: <stdin>:.*the notice.s lines" err &&
	echo "{}" | test_expect_code 2 eport-status -R $W 2>err &&
	echo "eport-status: <stdin>: the notice'"'"'s lines: not a JSON array" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-status -R "../x" <lines.json 2>err &&
	echo "eport-status: -R '"'"'../x'"'"': not a case id" >expect &&
	test_cmp expect err
'

done_testing
