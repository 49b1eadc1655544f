#!/bin/sh
# eport-ship: posting days, the cases due, the day's EMS manifest (made once,
# printed the same every time, nothing on a day off), tracking numbers, and a
# case from ready to delivered or bounced.
. "$(dirname "$0")/lib.sh"

# accept CASE TIME: bob accepts the case at TIME (reader and deregister cases
# go on to ready at once)
accept() {
	EPORT_USER=bob EPORT_NOW=$2 eport-review accept "$1" >/dev/null
}

# due DAY: the ids due on DAY, one a line
due() {
	EPORT_NOW=${1}T18:00:00+08:00 eport-ship due | cut -f1
}

# ids N...: the TSV column of those cases
ids() {
	echo id && printf "$C-%s\n" "$@"
}

# crlf LINE...: the lines as the CSV writes them
crlf() {
	printf '%s\r\n' "$@"
}

C=XM20261126
SENDER='"中国电子口岸数据中心厦门分中心","0592-5653395","厦门市湖里区象兴一路11号象屿保税区海关大楼7楼"'
HEAD='"业务编号","收件人","收件人电话","收件人地址","内件","件数","付款方式","寄件人","寄件人电话","寄件人地址"'
TSVHEAD='id	recipient	phone	address	contents	pieces	payment	sender	sender_phone	sender_address'
TSVSENDER='到付	中国电子口岸数据中心厦门分中心	0592-5653395	厦门市湖里区象兴一路11号象屿保税区海关大楼7楼'

# Cases (t/data/ship/cases.jsonl), taken in on Thursday 2026-11-26:
#   0001 reader, mail, its order with 2 readers (the others: 1 each)
#   0002 reader, mail          0003 deregister, mail    0004 deregister, mail
#   0005 reader, window        0006 reader, mail, an address with "" and ,
test_expect_success 'setup: six cases checked' '
	make_store &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	cp "$DATA/ship/cases.jsonl" . &&
	eport-apply cases.jsonl >/dev/null &&
	eport-order import "$DATA/ship/orders.tsv" >/dev/null &&
	eport-ls -s received | eport-check -q >checked &&
	test $(sed 1d checked | wc -l) = 6
'

test_expect_success 'accept: in hours, after closing, at lunch' '
	accept $C-0001 2026-11-26T10:00:00 &&
	accept $C-0002 2026-11-26T17:30:00 &&
	accept $C-0003 2026-11-26T10:00:00 &&
	accept $C-0004 2026-11-26T12:30:00 &&
	accept $C-0005 2026-11-26T10:00:00 &&
	eport-ls -s ready | cut -f1 | sed 1d >actual &&
	printf "$C-%s\n" 0001 0002 0003 0004 0005 >expect &&
	test_cmp expect actual
'

test_expect_success 'posting days: reader the same day or the next; the rest two working days on' '
	EPORT_NOW=2026-12-01T09:00:00 eport-ship due >actual &&
	cat >expect <<-EOT &&
	id	type	uscc	accepted	posting	manifest
	$C-0001	reader	91350200MA2Y0K3PXF	2026-11-26T10:00:00+08:00	2026-11-26	
	$C-0002	reader	91350200M00012343R	2026-11-26T17:30:00+08:00	2026-11-27	
	$C-0003	deregister	91350206MA8RTE0J8C	2026-11-26T10:00:00+08:00	2026-11-30	
	$C-0004	deregister	91350203MA2XN1BQ18	2026-11-26T12:30:00+08:00	2026-12-01	
	EOT
	test_cmp expect actual
'

test_expect_success 'the posting days are those of eport-cal -p' '
	eport-cal -p reader 2026-11-26T17:30:00 >actual &&
	eport-cal -p deregister 2026-11-26T12:30:00 >>actual &&
	printf "2026-11-27\n2026-12-01\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'due: exactly the cases whose day has come, never a window case' '
	due 2026-11-25 >actual && test_cmp /dev/null actual &&
	due 2026-11-26 >actual && ids 0001 >expect && test_cmp expect actual &&
	due 2026-11-27 >actual && ids 0001 0002 >expect && test_cmp expect actual &&
	due 2026-11-29 >actual && test_cmp expect actual &&
	due 2026-11-30 >actual && ids 0001 0002 0003 >expect && test_cmp expect actual &&
	EPORT_NOW=2026-11-30 eport-ship due -j | sed -n 3p >actual &&
	echo "{\"id\":\"$C-0003\",\"type\":\"deregister\",\"uscc\":\"91350206MA8RTE0J8C\",\"accepted\":\"2026-11-26T10:00:00+08:00\",\"posting\":\"2026-11-30\",\"manifest\":\"\"}" >expect &&
	test_cmp expect actual
'

test_expect_success 'manifest of Thursday: the case due, recorded on it' '
	EPORT_NOW=2026-11-26T16:00:00 eport-ship manifest -F tsv >m26.tsv &&
	cat >expect <<-EOT &&
	$TSVHEAD
	$C-0001	黄文杰	13906001234	厦门市海沧区海沧大道567号301室	读卡器 x2	1	$TSVSENDER
	EOT
	test_cmp expect m26.tsv &&
	eport-show $C-0001 | grep -o '\''"outbound":{[^}]*}'\'' >actual &&
	echo "\"outbound\":{\"carrier\":\"EMS\",\"manifest\":\"2026-11-26\"}" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format="%s%n%b" refs/cases/$C-0001 >actual &&
	grep -x "manifest $C-0001: EMS manifest of 2026-11-26" actual &&
	grep -x "Case-State: ready" actual &&
	eport-log $C-0001 | tail -1 | cut -f6,7,8 >actual &&
	printf "manifest\tready\tready\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'running it again the same day prints the same bytes and writes nothing' '
	snapshot m26 &&
	EPORT_NOW=2026-11-26T16:05:00 eport-ship manifest -F tsv >again.tsv &&
	cmp m26.tsv again.tsv &&
	EPORT_NOW=2026-11-26T16:05:00 eport-ship manifest >m26.csv &&
	EPORT_NOW=2026-11-26T23:59:00 eport-ship manifest >again.csv &&
	cmp m26.csv again.csv &&
	unchanged m26
'

test_expect_success 'the CSV: UTF-8 with a BOM, every field quoted, CRLF' '
	{ printf "\357\273\277" && crlf "$HEAD" \
		"\"$C-0001\",\"黄文杰\",\"13906001234\",\"厦门市海沧区海沧大道567号301室\",\"读卡器 x2\",\"1\",\"到付\",$SENDER"
	} >expect &&
	cmp expect m26.csv
'

test_expect_success 'Friday: the case due since, not the one already on a manifest' '
	EPORT_NOW=2026-11-27T08:30:00 eport-ship manifest -F tsv | cut -f1 >actual &&
	printf "id\n$C-0002\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2026-11-27T08:30:00 eport-ship manifest -F tsv >m27.tsv
'

test_expect_success 'a case due later that day waits for the next working day manifest' '
	accept $C-0006 2026-11-27T09:00:00 &&
	EPORT_NOW=2026-11-27T10:00:00 eport-ship due | cut -f1,5,6 >actual &&
	cat >expect <<-EOT &&
	id	posting	manifest
	$C-0001	2026-11-26	2026-11-26
	$C-0002	2026-11-27	2026-11-27
	$C-0006	2026-11-27	
	EOT
	test_cmp expect actual &&
	EPORT_NOW=2026-11-27T10:00:00 eport-ship manifest -F tsv >again.tsv &&
	cmp m27.tsv again.tsv
'

test_expect_success 'nothing on a Saturday, a Sunday or National Day, and nothing written' '
	snapshot off &&
	EPORT_NOW=2026-11-28T08:30:00 eport-ship manifest >actual &&
	test_cmp /dev/null actual &&
	EPORT_NOW=2026-11-29T08:30:00 eport-ship manifest -e gb18030 >actual &&
	test_cmp /dev/null actual &&
	eport-ship manifest 2026-10-01 >actual &&
	test_cmp /dev/null actual &&
	EPORT_NOW=2026-10-01T08:30:00 eport-ship manifest -F tsv >actual &&
	test_cmp /dev/null actual &&
	unchanged off
'

test_expect_success 'the cron line writes a file on working days only' '
	cron() {
		EPORT_NOW=$1 sh -c "eport-cal -w && eport-ship manifest -e gb18030 >cron.csv"
	} &&
	rm -f cron.csv && cron 2026-11-28T08:30:00 ; test ! -e cron.csv &&
	cron 2026-11-27T08:30:00 && test -s cron.csv
'

test_expect_success 'Monday: the cases due over the weekend, CSV quoting of "" and ,' '
	EPORT_NOW=2026-11-30T08:30:00 eport-ship manifest >m30.csv &&
	{ printf "\357\273\277" && crlf "$HEAD" \
		"\"$C-0003\",\"郑宇航\",\"0592-5601234\",\"厦门市湖里区象屿路97号\",\"文件 x1\",\"1\",\"到付\",$SENDER" \
		"\"$C-0006\",\"王秀英\",\"13799995555\",\"厦门市思明区\"\"海景\"\"大厦, 12楼\",\"读卡器 x1\",\"1\",\"到付\",$SENDER"
	} >expect &&
	cmp expect m30.csv
'

test_expect_success 'GB18030: the same manifest, without the BOM' '
	EPORT_NOW=2026-11-30T09:00:00 eport-ship manifest -e gb18030 >m30.gb &&
	! cmp -s m30.gb m30.csv &&
	iconv -f GB18030 -t UTF-8 m30.gb >m30.gb.utf8 &&
	tail -c +4 m30.csv >m30.nobom &&
	cmp m30.nobom m30.gb.utf8
'

test_expect_success 'a manifest of another day is printed as it was made' '
	EPORT_NOW=2026-12-01T09:00:00 eport-ship manifest -F tsv 2026-11-26 >actual &&
	cmp m26.tsv actual
'

test_expect_success 'a day whose manifest was not made is refused; -n shows it and writes nothing' '
	snapshot nomade &&
	echo "eport-ship: 2026-11-25: no manifest was made that day; only today'\''s is made (-n shows what it would hold)" >expect &&
	test_expect_code 1 env EPORT_NOW=2026-11-30T09:00:00 eport-ship manifest 2026-11-25 >actual 2>err &&
	test_cmp /dev/null actual && test_cmp expect err &&
	EPORT_NOW=2026-11-30T09:00:00 eport-ship manifest -n -F tsv 2026-12-01 | cut -f1,5 >actual &&
	printf "id\tcontents\n$C-0004\t文件 x1\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2026-12-01T09:00:00 eport-ship manifest -n -F tsv | cut -f1 >actual &&
	printf "id\n$C-0004\n" >expect &&
	test_cmp expect actual &&
	unchanged nomade
'

test_expect_success 'bad tracking numbers are refused with their position; a row without one is skipped; the store is unchanged' '
	printf "id\ttracking\n$C-0001\t118009876543\n$C-0002\tEE123456789CN\n$C-0003\t\n" >bad.tsv &&
	snapshot bad &&
	cat >expect <<-EOT &&
	eport-ship: $C-0003: <stdin>:4: no tracking number yet; skipped
	eport-ship: $C-0001: <stdin>:2: tracking: '\''118009876543'\'' is neither a domestic EMS number (13 digits) nor a UPU S10 number with its check digit
	eport-ship: $C-0002: <stdin>:3: tracking: '\''EE123456789CN'\'' is neither a domestic EMS number (13 digits) nor a UPU S10 number with its check digit
	EOT
	test_expect_code 1 env EPORT_NOW=2026-11-30T15:00:00 eport-ship mark <bad.tsv >actual 2>err &&
	test_cmp expect err && test_cmp /dev/null actual &&
	unchanged bad
'

test_expect_success 'mark -n prints what it would do and writes nothing' '
	printf "id\ttracking\n$C-0001\t1180098765432\n" >good.tsv &&
	EPORT_NOW=2026-11-30T15:00:00 eport-ship mark -n <good.tsv >actual &&
	printf "id\tstate\ttracking\n$C-0001\tshipped\t1180098765432\n" >expect &&
	test_cmp expect actual &&
	unchanged bad
'

test_expect_success 'mark: EMS and S10 numbers ship the cases; a bad row does not stop the others' '
	cat >rows.jsonl <<-EOT &&
	{"id": "$C-0001", "tracking": "1180098765432"}
	{"id": "$C-0003", "tracking": "1180098765432"}
	{"id": "$C-0002", "tracking": "EE123456785CN"}
	{"id": "$C-0005", "tracking": "1180011112222"}
	EOT
	cat >expect <<-EOT &&
	id	state	tracking
	$C-0001	shipped	1180098765432
	$C-0002	shipped	EE123456785CN
	EOT
	cat >expect.err <<-EOT &&
	eport-ship: $C-0003: <stdin>:2: tracking: '\''1180098765432'\'' is already case $C-0001'\''s
	eport-ship: $C-0005: case is for collection at the hall, not for post
	EOT
	test_expect_code 1 env EPORT_NOW=2026-11-30T15:00:00 eport-ship mark <rows.jsonl >actual 2>err &&
	test_cmp expect actual && test_cmp expect.err err &&
	eport-show $C-0001 | grep -o '\''"outbound":{[^}]*}'\'' >actual &&
	echo "\"outbound\":{\"carrier\":\"EMS\",\"manifest\":\"2026-11-26\",\"tracking\":\"1180098765432\",\"shipped\":\"2026-11-30T15:00:00+08:00\"}" >expect &&
	test_cmp expect actual &&
	eport-ls -s ready | cut -f1 | sed 1d >actual &&
	printf "$C-%s\n" 0003 0004 0005 0006 >expect &&
	test_cmp expect actual
'

test_expect_success 'a shipped case is no longer due, and cannot be marked again' '
	EPORT_NOW=2026-11-30T16:00:00 eport-ship due | cut -f1 >actual &&
	ids 0003 0006 >expect &&
	test_cmp expect actual &&
	printf "id\ttracking\n$C-0001\t1180011112222\n" |
		test_expect_code 1 eport-ship mark 2>err &&
	echo "eport-ship: $C-0001: case is shipped, not ready" >expect &&
	test_cmp expect err
'

if [ -e "$EPORT_SRC/cmd/eport-status.c" ]; then
	test_expect_success 'the status query shows 已邮寄 and the number' '
		eport-status 91350200MA2Y0K3PXF | grep "^$C-0001" | cut -f4,5 >actual &&
		printf "已邮寄\t1180098765432\n" >expect &&
		test_cmp expect actual
	'
else
	test_skip 'eport-status is not written yet'
fi

test_expect_success 'deliver: shipped -> delivered; only a shipped case' '
	test_expect_code 1 env EPORT_NOW=2026-12-01T11:00:00 eport-ship deliver $C-0001 $C-0003 >actual 2>err &&
	printf "id\tstate\ttracking\n$C-0001\tdelivered\t1180098765432\n" >expect &&
	test_cmp expect actual &&
	echo "eport-ship: $C-0003: case is ready, not shipped" >expect &&
	test_cmp expect err &&
	eport-show $C-0001 | grep -o '\''"delivered":"[^"]*"'\'' >actual &&
	echo "\"delivered\":\"2026-12-01T11:00:00+08:00\"" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" log --format=%s refs/cases/$C-0001 | sed 3q >actual &&
	cat >expect <<-EOT &&
	deliver $C-0001
	ship $C-0001: 1180098765432
	manifest $C-0001: EMS manifest of 2026-11-26
	EOT
	test_cmp expect actual
'

test_expect_success 'bounce needs a reason, and changes nothing without one' '
	snapshot bounce &&
	test_expect_code 2 eport-ship bounce $C-0002 >actual 2>err &&
	echo "eport-ship: bounce needs the reason: -m REASON (undeliverable, refused...)" >expect &&
	test_cmp expect err &&
	unchanged bounce
'

test_expect_success 'bounce -m: shipped -> bounced, with the reason' '
	EPORT_NOW=2026-12-01T11:00:00 eport-ship bounce -m "refused by the recipient" $C-0002 >actual &&
	printf "id\tstate\ttracking\n$C-0002\tbounced\tEE123456785CN\n" >expect &&
	test_cmp expect actual &&
	eport-show $C-0002 | grep -o '\''"outbound":{[^}]*}'\'' >actual &&
	echo "\"outbound\":{\"carrier\":\"EMS\",\"manifest\":\"2026-11-27\",\"tracking\":\"EE123456785CN\",\"shipped\":\"2026-11-30T15:00:00+08:00\",\"bounced\":\"2026-12-01T11:00:00+08:00\",\"why\":\"refused by the recipient\"}" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format=%s refs/cases/$C-0002 >actual &&
	echo "bounce $C-0002: refused by the recipient" >expect &&
	test_cmp expect actual
'

# bench-gen (t/helper) steps a case to ready without the accepted member
if command -v bench-gen >/dev/null; then
	test_expect_success 'a case without the accepted member: its accept event counts' '
		cp "$DATA/ship/history.jsonl" . &&
		EPORT_NOW=2026-12-01T09:00:00 eport-apply history.jsonl | cut -f1 | sed 1d >id &&
		EPORT_NOW=2026-12-01T17:45:00 EPORT_USER=bob bench-gen ready <id >/dev/null &&
		eport-show $(cat id) >shown &&
		! grep -q "\"accepted\"" shown &&
		EPORT_NOW=2026-12-02T09:00:00 eport-ship due | grep "^$(cat id)" | cut -f4,5 >actual &&
		printf "2026-12-01T17:45:00+08:00\t2026-12-02\n" >expect &&
		test_cmp expect actual
	'
else
	test_skip 'bench-gen (t/helper) is not built'
fi

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 eport-ship 2>/dev/null &&
	test_expect_code 2 eport-ship post 2>/dev/null &&
	test_expect_code 2 eport-ship due -e gb18030 2>/dev/null &&
	test_expect_code 2 eport-ship mark $C-0001 2>/dev/null &&
	test_expect_code 2 eport-ship manifest -F xls 2>err &&
	echo "eport-ship: -F '\''xls'\'': not csv, tsv or xlsx" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-ship manifest 2026-11-31 2>err &&
	echo "eport-ship: '\''2026-11-31'\'': not a date (YYYY-MM-DD)" >expect &&
	test_cmp expect err
'

done_testing
