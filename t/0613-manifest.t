#!/bin/sh
# The EMS manifest as office programs take it: its columns from the store's
# own manifest.tsv, the xlsx workbook (text cells, the same bytes for the same
# day), CSV with formulas guarded, both opened by LibreOffice, and the sheet
# EMS filled in read back by eport-ship mark (xlsx, CSV in GB18030).
. "$(dirname "$0")/lib.sh"

C=XM20261126
LOP="$TRASH/lo"
# lo ARGS...: LibreOffice without a window, with a profile of its own
lo() {
	soffice -env:UserInstallation=file://$LOP --headless "$@" >lo.out 2>&1
}
have_lo() { command -v soffice >/dev/null; }
# cells FILE.xlsx: the kinds of the first sheet's cells (t="s" ...), and its formulas
kinds() {
	unzip -p "$1" xl/worksheets/sheet1.xml | grep -o '<c [^>]*>' | grep -o ' t="[a-z]*"' | sort -u
}
formulas() {
	unzip -p "$1" xl/worksheets/sheet1.xml | grep -c "<f" || true
}

# Cases (t/data/ship/hostile.jsonl), taken in on Thursday 2026-11-26:
#   0001 reader: recipient @SUM(1+1), phone +8613800138000, address =HYPERLINK(...)
#   0002 reader: recipient -郑宇航, phone 008613911112222, address begins with a tab
#   0003 deregister: an 18-digit identity number, a 13-digit card and tracking number
test_expect_success 'setup: three cases with hostile text, ready to post' '
	make_store &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	cp "$DATA/ship/hostile.jsonl" . &&
	eport-apply hostile.jsonl >/dev/null &&
	eport-order import "$DATA/ship/hostile-orders.tsv" >/dev/null &&
	eport-ls -s received | eport-check -q >checked &&
	EPORT_USER=bob eport-review accept <checked >/dev/null &&
	eport-ls -s ready | sed 1d | cut -f1 >actual &&
	printf "$C-%s\n" 0001 0002 0003 >expect &&
	test_cmp expect actual
'

test_expect_success 'the default columns are today'\''s ten' '
	EPORT_NOW=2026-12-01T09:00:00 eport-ship manifest -n -F tsv | sed 1q >actual &&
	printf "id\trecipient\tphone\taddress\tcontents\tpieces\tpayment\tsender\tsender_phone\tsender_address\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a bad manifest.tsv of the store is refused with its line; nothing is written' '
	snapshot bad &&
	printf "column\theader\tvalue\nid\t业务编号\tid\nphone\t电话\t=mail.phone\n" >"$EPORT_HOME/manifest.tsv" &&
	test_expect_code 2 env EPORT_NOW=2026-12-01T09:00:00 eport-ship manifest >actual 2>err &&
	echo "eport-ship: $EPORT_HOME/manifest.tsv:3: value '\''=mail.phone'\'': not a field, config:KEY, ship:contents, ship:date or \"text\"" >expect &&
	test_cmp expect err &&
	printf "column\theader\tvalue\nphone\t电话\tmail.phone\n" >"$EPORT_HOME/manifest.tsv" &&
	test_expect_code 2 env EPORT_NOW=2026-12-01T09:00:00 eport-ship manifest -n >actual 2>err &&
	echo "eport-ship: $EPORT_HOME/manifest.tsv: no '\''id'\'' column: eport-ship mark finds the cases by it" >expect &&
	test_cmp expect err &&
	unchanged bad
'

# the office's template: identifiers, a day, a setting, the tracking column
test_expect_success 'the store'\''s manifest.tsv gives the columns, in TSV' '
	cp "$DATA/ship/manifest.tsv" "$EPORT_HOME/manifest.tsv" &&
	EPORT_NOW=2026-12-01T09:00:00 eport-ship manifest -F tsv >m.tsv &&
	cat >expect <<-EOT &&
	id	recipient	phone	address	uscc	id_number	card	inbound	contents	day	payment	tracking
	$C-0001	@SUM(1+1)	+8613800138000	=HYPERLINK("http://x","厦门")	91350200MA2Y0K3PXF				读卡器 x1	2026-12-01	到付	
	$C-0002	-郑宇航	008613911112222	\\t厦门市湖里区象屿路97号	91350206MA8RTE0J8C				读卡器 x1	2026-12-01	到付	
	$C-0003	林志强	0592-5601234	厦门市思明区厦禾路888号	91350203MA2XN1BQ18	35021119951120017X	3700260000015	1180012345678	文件 x1	2026-12-01	到付	
	EOT
	test_cmp expect m.tsv
'

test_expect_success 'CSV: a value that would be a formula gets a leading apostrophe' '
	EPORT_NOW=2026-12-01T09:10:00 eport-ship manifest -o m.csv &&
	sed -n 2,3p m.csv >actual &&
	printf "%s\r\n" \
	"\"$C-0001\",\"'\''@SUM(1+1)\",\"'\''+8613800138000\",\"'\''=HYPERLINK(\"\"http://x\"\",\"\"厦门\"\")\",\"91350200MA2Y0K3PXF\",\"\",\"\",\"\",\"读卡器 x1\",\"2026-12-01\",\"到付\",\"\"" \
	"\"$C-0002\",\"'\''-郑宇航\",\"008613911112222\",\"'\''	厦门市湖里区象屿路97号\",\"91350206MA8RTE0J8C\",\"\",\"\",\"\",\"读卡器 x1\",\"2026-12-01\",\"到付\",\"\"" >expect &&
	test_cmp expect actual
'

test_expect_success 'xlsx: -o is needed, and -e makes no sense for a workbook' '
	test_expect_code 2 eport-ship manifest -F xlsx 2>err &&
	echo "eport-ship: -F xlsx writes a workbook: name it with -o FILE" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-ship manifest -F xlsx -e gb18030 -o x.xlsx 2>err &&
	echo "eport-ship: -e gb18030: a workbook is always Unicode" >expect &&
	test_cmp expect err && ! test -e x.xlsx
'

test_expect_success 'xlsx: one sheet, every cell a text cell, a bold frozen header' '
	EPORT_NOW=2026-12-01T09:20:00 eport-ship manifest -F xlsx -o m.xlsx &&
	kinds m.xlsx >actual &&
	echo " t=\"s\"" >expect &&
	test_cmp expect actual &&
	test "$(formulas m.xlsx)" = 0 &&
	unzip -p m.xlsx xl/worksheets/sheet1.xml | grep -q "state=\"frozen\"" &&
	unzip -p m.xlsx xl/styles.xml | grep -q "<b/>" &&
	unzip -p m.xlsx xl/sharedStrings.xml | grep -q "<t>35021119951120017X</t>"
'

# the address column: =HYPERLINK("http://x","厦门") is 25 characters, 29
# wide (a CJK character takes two), and two more for the margin
test_expect_success 'xlsx: columns wide enough for their Chinese text' '
	unzip -p m.xlsx xl/worksheets/sheet1.xml | grep -o "<col min=\"4\"[^>]*>" >col &&
	grep -q "width=\"31\.7" col
'

test_expect_success 'xlsx: the same bytes later that day, and the creation time is the day' '
	sleep 1 &&
	EPORT_NOW=2026-12-01T16:59:00 eport-ship manifest -F xlsx -o again.xlsx &&
	cmp m.xlsx again.xlsx &&
	unzip -p m.xlsx docProps/core.xml | grep -o "<dcterms:created[^<]*" >actual &&
	echo "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-11-30T16:00:00Z" >expect &&
	test_cmp expect actual
'

if have_lo; then
	test_expect_success 'LibreOffice opens the xlsx: every identifier as it was, nothing a formula' '
		lo --convert-to "csv:Text - txt - csv (StarCalc):9,34,76,1,,0,false,false" --outdir lo-tsv m.xlsx &&
		sed 1d lo-tsv/m.csv >actual &&
		cat >expect <<-EOT &&
		$C-0001	@SUM(1+1)	+8613800138000	"=HYPERLINK(""http://x"",""厦门"")"	91350200MA2Y0K3PXF				读卡器 x1	2026-12-01	到付	
		$C-0002	-郑宇航	008613911112222	"	厦门市湖里区象屿路97号"	91350206MA8RTE0J8C				读卡器 x1	2026-12-01	到付	
		$C-0003	林志强	0592-5601234	厦门市思明区厦禾路888号	91350203MA2XN1BQ18	35021119951120017X	3700260000015	1180012345678	文件 x1	2026-12-01	到付	
		EOT
		test_cmp expect actual &&
		lo --convert-to xlsx --outdir lo-xlsx m.xlsx &&
		test "$(formulas lo-xlsx/m.xlsx)" = 0 &&
		kinds lo-xlsx/m.xlsx >actual && echo " t=\"s\"" >expect && test_cmp expect actual
	'

	test_expect_success 'LibreOffice opens the CSV: no formula; unguarded, the same text would be one' '
		lo --infilter="CSV:44,34,76,1" --convert-to xlsx --outdir lo-csv m.csv &&
		test "$(formulas lo-csv/m.xlsx)" = 0 &&
		lo --convert-to "csv:Text - txt - csv (StarCalc):9,34,76,1,,0,false,false" --outdir lo-csv-tsv lo-csv/m.xlsx &&
		sed -n 2p lo-csv-tsv/m.csv | cut -f2-4 >actual &&
		printf "%s\t%s\t%s\n" "'\''@SUM(1+1)" "'\''+8613800138000" "\"'\''=HYPERLINK(\"\"http://x\"\",\"\"厦门\"\")\"" >expect &&
		test_cmp expect actual &&
		mkdir raw && sed "s/\"'\''/\"/g" m.csv >raw/m.csv &&
		lo --infilter="CSV:44,34,76,1" --convert-to xlsx --outdir raw raw/m.csv &&
		test "$(formulas raw/m.xlsx)" -gt 0
	'
else
	test_skip 'LibreOffice opens the xlsx: soffice is not installed (libreoffice-calc-nogui)'
	test_skip 'LibreOffice opens the CSV: soffice is not installed (libreoffice-calc-nogui)'
fi

# fill FILE.xlsx OUT.xlsx: EMS's numbers in the last column (L): row 2 as a
# text cell, row 3 as a number, row 4 a number too short
fill() {
	rm -rf fill && mkdir fill && (cd fill && unzip -q "../$1") &&
	perl -0pi -e '
		s{(<row r="2"[^>]*>.*?)(</row>)}{$1<c r="L2" t="inlineStr"><is><t>1180098765432</t></is></c>$2}s;
		s{(<row r="3"[^>]*>.*?)(</row>)}{$1<c r="L3"><v>1180098765433</v></c>$2}s;
		s{(<row r="4"[^>]*>.*?)(</row>)}{$1<c r="L4"><v>12345</v></c>$2}s;
	' fill/xl/worksheets/sheet1.xml &&
	rm -f "$2" && (cd fill && zip -q -X -r "../$2" .)
}

if have_lo; then
	test_expect_success 'mark -n: the filled workbook as LibreOffice saves it again' '
		fill m.xlsx filled.xlsx &&
		lo --convert-to xlsx --outdir lo-filled filled.xlsx &&
		test_expect_code 1 env EPORT_NOW=2026-12-01T15:00:00 eport-ship mark -n lo-filled/filled.xlsx >actual 2>err &&
		cat >expect <<-EOT &&
		id	state	tracking
		$C-0001	shipped	1180098765432
		$C-0002	shipped	1180098765433
		EOT
		test_cmp expect actual &&
		echo "eport-ship: $C-0003: lo-filled/filled.xlsx:4: tracking: '\''12345'\'' is neither a domestic EMS number (13 digits) nor a UPU S10 number with its check digit" >expect &&
		test_cmp expect err
	'
else
	test_skip 'mark -n: the workbook as LibreOffice saves it: soffice is not installed'
fi

test_expect_success 'mark: the xlsx EMS filled in; a bad number is refused with its row' '
	fill m.xlsx filled.xlsx &&
	snapshot before-mark &&
	test_expect_code 1 env EPORT_NOW=2026-12-01T15:00:00 eport-ship mark filled.xlsx >actual 2>err &&
	cat >expect <<-EOT &&
	id	state	tracking
	$C-0001	shipped	1180098765432
	$C-0002	shipped	1180098765433
	EOT
	test_cmp expect actual &&
	echo "eport-ship: $C-0003: filled.xlsx:4: tracking: '\''12345'\'' is neither a domestic EMS number (13 digits) nor a UPU S10 number with its check digit" >expect &&
	test_cmp expect err
'

test_expect_success 'mark: the workbook once more changes nothing and says why' '
	snapshot marked &&
	test_expect_code 1 env EPORT_NOW=2026-12-01T15:05:00 eport-ship mark <filled.xlsx >actual 2>err &&
	grep -c "case is shipped, not ready" err >n && echo 2 >expect && test_cmp expect n &&
	unchanged marked
'

test_expect_success 'mark: CSV in GB18030 from stdin, the manifest'\''s own headers; a row without a number is skipped' '
	{
		printf "\"业务编号\",\"收件人\",\"邮件号\"\r\n" &&
		printf "\"$C-0003\",\"林志强\",\"1180098765434\"\r\n" &&
		printf "\"$C-0009\",\"无名\",\"\"\r\n"
	} | iconv -f UTF-8 -t GB18030 >back.csv &&
	EPORT_NOW=2026-12-01T15:10:00 eport-ship mark <back.csv >actual 2>err &&
	printf "id\tstate\ttracking\n$C-0003\tshipped\t1180098765434\n" >expect &&
	test_cmp expect actual &&
	echo "eport-ship: $C-0009: <stdin>:3: no tracking number yet; skipped" >expect &&
	test_cmp expect err &&
	eport-ls -s shipped | sed 1d | cut -f1 >actual &&
	printf "$C-%s\n" 0001 0002 0003 >expect &&
	test_cmp expect actual
'

test_expect_success 'mark: a sheet without the columns, and what is no workbook, change nothing' '
	snapshot nocol &&
	printf "单号,姓名\r\n1180098765435,某\r\n" >nocol.csv &&
	test_expect_code 1 eport-ship mark nocol.csv 2>err &&
	echo "eport-ship: nocol.csv:1: no case column (业务编号, or id)" >expect &&
	test_cmp expect err &&
	printf "业务编号,姓名\r\n$C-0001,某\r\n" >notrack.csv &&
	test_expect_code 1 eport-ship mark notrack.csv 2>err &&
	echo "eport-ship: notrack.csv:1: no tracking column (邮件号, 运单号, or tracking)" >expect &&
	test_cmp expect err &&
	printf "\357\273\277{\"id\": \"$C-0009\", \"tracking\": \"1180098765439\"}\n" >bom.jsonl &&
	test_expect_code 1 eport-ship mark -n <bom.jsonl 2>err &&
	echo "eport-ship: $C-0009: no such case" >expect &&
	test_cmp expect err &&
	printf "PK\003\004 not a zip" >bad.xlsx &&
	test_expect_code 1 eport-ship mark bad.xlsx 2>err &&
	grep -q "^eport-ship: bad.xlsx: not a workbook: " err &&
	unchanged nocol
'

done_testing
