#!/bin/sh
# eport-amend: fields of a case's record corrected by their flattened paths;
# the event and the commit carry the old and the new values; a checked or
# accepted case goes back to received and whoever amended it cannot accept
# it; what names the case, what the store sets, the documents and what the
# state makes final are refused, and so is a value the rulebook blocks on,
# each with its position, the store unchanged.
. "$(dirname "$0")/lib.sh"

C=XM20261126
USAGE='usage: eport-amend [-jn] -m REASON CASE PATH=VALUE...
       eport-amend [-jn] -m REASON <ROWS'

glog() {
	git --git-dir="$EPORT_HOME/docs.git" log \
		--format="%an|%s|%(trailers:key=Case-State,valueonly,separator=)" "refs/cases/$1"
}

# Cases: 0001 onboard (checked), 0002 operator-add (accepted, an order),
# 0003 renew (incomplete); 0004-0006 readers (ready)
test_expect_success 'setup: the examples and the reader cases, checked, two accepted' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	cp "$DATA/review/readers.jsonl" ex/ &&
	eport-order import "$DATA/orders/export.csv" "$DATA/review/orders.tsv" >/dev/null &&
	eport-apply ex/cases.jsonl ex/readers.jsonl >/dev/null &&
	eport-ls | test_expect_code 1 eport-check >/dev/null &&
	EPORT_USER=bob eport-review accept $C-0002 $C-0004 $C-0005 $C-0006 >/dev/null
'

test_expect_success 'a mistyped phone corrected: one step, the old and the new value in the event' '
	EPORT_USER=carol EPORT_NOW=2026-11-26T11:00:00+08:00 \
		eport-amend -m "电话有误" $C-0001 mail.phone=13906005678 >actual &&
	printf "id\tstate\n$C-0001\treceived\n" >expect &&
	test_cmp expect actual &&
	eport-show $C-0001 | jq -r "[.mail.phone, .state, .amended] | @tsv" >actual &&
	printf "13906005678\treceived\t2026-11-26T11:00:00+08:00\n" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0001 | tail -n 1 | jq -c "[.by, .action, .from, .to, .why, .changes]" >actual &&
	echo "[\"carol\",\"amend\",\"checked\",\"received\",\"电话有误\",[{\"path\":\"mail.phone\",\"old\":\"13906001234\",\"new\":\"13906005678\"}]]" >expect &&
	test_cmp expect actual
'

test_expect_success 'the commit says the same, its tree holds the corrected record' '
	glog $C-0001 | sed 1q >actual &&
	echo "carol|amend $C-0001: 电话有误|received" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format=%b refs/cases/$C-0001 | sed 1q >actual &&
	echo "mail.phone: '\''13906001234'\'' -> '\''13906005678'\''" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" show refs/cases/$C-0001:case.json | jq -r .mail.phone >actual &&
	echo 13906005678 >expect &&
	test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'four eyes: whoever amended a case cannot accept it after the new check' '
	EPORT_USER=bob EPORT_NOW=2026-11-26T11:30:00+08:00 eport-check -q $C-0001 >/dev/null &&
	snapshot four &&
	test_expect_code 1 env EPORT_USER=carol eport-review accept $C-0001 2>err &&
	echo "eport-review: $C-0001: four eyes: carol supplied or changed materials of this case and cannot accept it" >expect &&
	test_cmp expect err &&
	unchanged four &&
	EPORT_USER=bob EPORT_NOW=2026-11-26T11:30:00+08:00 eport-review accept $C-0001 >actual &&
	printf "id\tstate\n$C-0001\taccepted\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'an accepted case amended goes back to received: no accept before a new check' '
	EPORT_USER=dave EPORT_NOW=2026-11-26T12:00:00+08:00 \
		eport-amend -m 更正 $C-0001 holders.2.name=陈美丽 handler.phone=13906007777 >/dev/null &&
	eport-log -j $C-0001 | tail -n 1 | jq -c "[.from, .to, [.changes[].path]]" >actual &&
	echo "[\"accepted\",\"received\",[\"holders.2.name\",\"handler.phone\"]]" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 env EPORT_USER=bob eport-review accept $C-0001 2>err &&
	echo "eport-review: $C-0001: case is received, not checked" >expect &&
	test_cmp expect err &&
	eport-status 91350200MA2Y0K3PXF | cut -f 4 | sed 1d >actual &&
	echo 已受理 >expect &&
	test_cmp expect actual
'

test_expect_success 'the same correction again takes no step' '
	eport-log $C-0001 | wc -l >before &&
	EPORT_USER=dave eport-amend -m 更正 $C-0001 holders.2.name=陈美丽 >actual &&
	printf "id\tstate\n$C-0001\treceived\n" >expect &&
	test_cmp expect actual &&
	eport-log $C-0001 | wc -l >after &&
	test_cmp before after
'

# refused PATH=VALUE MESSAGE: refused for case 0001, exit 1, nothing changed
refused() {
	snapshot refused &&
	test_expect_code 1 eport-amend -m x $C-0001 "$1" >out 2>err &&
	echo "eport-amend: $C-0001: argument 2: ${1%%=*}: $2" >expect &&
	test_cmp expect err &&
	test ! -s out &&
	unchanged refused
}

while IFS='|' read -r arg msg; do
	test_expect_success "refused: $arg" 'refused "$arg" "$msg"'
done <<'EOF'
id=XM20261126-0009|names the case, never amended (withdraw it and take it in again)
ref=1180012345679|names the case, never amended (withdraw it and take it in again)
type=renew|names the case, never amended (withdraw it and take it in again)
state=closed|set by the store, never amended
by=mallory|set by the store, never amended
taken=2026-01-01|a time the store keeps, never amended
received=2026-01-01|a time the store keeps, never amended
history.1.why=x|the history is never amended
documents.1.file=../../etc/passwd|documents are added with eport-attach, never changed
documents=|documents are added with eport-attach, never changed
holders.3.name=林三|no such holder: the case has 2
holders.0.name=林三|not a field of the record that can be amended
mail.phnoe=13906005678|not a field of the record that can be amended
mail.phone.x=1|not a field of the record that can be amended
pickup=post|'post' is neither mail nor window
attest.no_tripartite=yes|'yes' is not true or false
mail.phone=12345|收件人联系电话12345不是有效的手机号码或固定电话号码 (phone-invalid)
holders.1.id_number=350203198005120317|法定代表人 林志强的证件号码350203198005120317无效：校验位错误 (id-invalid)
holders.1.birth_date=1980-05-13|法定代表人 林志强的出生日期1980-05-13与证件号码中的1980-05-12不符 (id-birth-mismatch)
holders.2.role=boss|持卡人 陈美丽的角色应为legal（法人卡）或operator（操作员卡） (field-missing)
enterprise.uscc=91350200MA2Y0K3P|统一社会信用代码91350200MA2Y0K3P无效，请核对 (uscc-invalid)
EOF

test_expect_success 'refused: a value with a line break, which would forge a line of the commit' '
	snapshot nl &&
	test_expect_code 1 eport-amend -m x $C-0001 "mail.address=厦门
Case-State: closed" 2>err &&
	echo "eport-amend: $C-0001: argument 2: mail.address: a control character in the value" >expect &&
	test_cmp expect err &&
	unchanged nl
'

test_expect_success 'one bad change refuses the whole amendment' '
	snapshot whole &&
	test_expect_code 1 eport-amend -m x $C-0001 mail.recipient=黄文 mail.phone=1 2>err &&
	echo "eport-amend: $C-0001: argument 3: mail.phone: 收件人联系电话1不是有效的手机号码或固定电话号码 (phone-invalid)" >expect &&
	test_cmp expect err &&
	unchanged whole
'

test_expect_success 'usage errors: no reason, no change, not PATH=VALUE; exit 2, nothing done' '
	snapshot usage &&
	test_expect_code 2 eport-amend $C-0001 mail.phone=13906005678 2>err &&
	printf "%s\n" "eport-amend: an amendment needs a reason: -m REASON" "$USAGE" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-amend -m x $C-0001 2>err &&
	echo "$USAGE" >expect && test_cmp expect err &&
	test_expect_code 2 eport-amend -m x $C-0001 mail.phone 2>err &&
	printf "%s\n" "eport-amend: argument 2: '\''mail.phone'\'': not PATH=VALUE" "$USAGE" >expect &&
	test_cmp expect err &&
	unchanged usage &&
	eport-amend -h >out &&
	echo "$USAGE" >expect && test_cmp expect out
'

test_expect_success 'a mistyped identity number: corrected, and the holder'\''s documents follow it' '
	eport-show $C-0001 | jq -r "[.documents[] | select(.holder == \"350206199001010244\") | .kind] | join(\" \")" >expect &&
	test "$(cat expect)" = "form2 id-operator" &&
	eport-amend -m 证件号码有误 $C-0001 holders.2.id_number=350206199001010260 >/dev/null &&
	eport-show $C-0001 | jq -r "[.documents[] | select(.holder == \"350206199001010260\") | .kind] | join(\" \")" >actual &&
	test_cmp expect actual &&
	EPORT_USER=bob eport-check $C-0001 >findings &&
	test_cmp /dev/null findings
'

test_expect_success 'the USCC corrected: the enterprise finds its case under the new one only' '
	eport-amend -m 代码有误 $C-0003 enterprise.uscc=91350200MA2Y0Q1X9G >/dev/null &&
	eport-status 91350200MA2Y0Q1X9G | cut -f 1 | grep -x $C-0003 &&
	test_expect_code 1 eport-status 91350203MA2XN1BQ18 2>err &&
	echo "eport-status: '\''91350203MA2XN1BQ18'\'': no case of this enterprise" >expect &&
	test_cmp expect err &&
	eport-fsck
'

test_expect_success 'the order corrected: the new one claimed, the old one free; one held elsewhere refused' '
	eport-amend -m 订单号有误 $C-0002 order=NF20261121101502007 >/dev/null &&
	eport-order ls NF20261120093015123 NF20261121101502007 | cut -f 1,7 >actual &&
	printf "order\tcase\nNF20261120093015123\t\nNF20261121101502007\t$C-0002\n" >expect &&
	test_cmp expect actual &&
	snapshot held &&
	test_expect_code 1 eport-amend -m x $C-0002 order=NF20261122110000001 2>err &&
	echo "eport-amend: $C-0002: argument 2: order: order NF20261122110000001 serves case $C-0004 already" >expect &&
	test_cmp expect err &&
	unchanged held
'

test_expect_success 'rows from stdin: id path value, TSV or JSON, each with its position' '
	printf "id\tpath\tvalue\n$C-0003\tholders.1.phone\t13799990000\n$C-0003\tmail.fax\t1\n$C-0099\tmail.phone\t1\n" |
		test_expect_code 1 eport-amend -m 更正 >actual 2>err &&
	printf "id\tstate\n$C-0003\tincomplete\n" >expect &&
	test_cmp expect actual &&
	printf "%s\n" "eport-amend: $C-0003: <stdin>:3: mail.fax: not a field of the record that can be amended" \
		"eport-amend: $C-0099: no such case" >expect &&
	test_cmp expect err &&
	echo "{\"id\":\"$C-0003\",\"path\":\"handler.phone\",\"value\":\"0592-5601234\"}" | eport-amend -j -m 更正 >actual &&
	echo "{\"id\":\"$C-0003\",\"state\":\"incomplete\"}" >expect &&
	test_cmp expect actual &&
	eport-show $C-0003 | jq -r "[.holders[0].phone, .handler.phone] | @tsv" >actual &&
	printf "13799990000\t0592-5601234\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a ready case: its contact details, not what its card work rests on' '
	eport-amend -m 电话有误 $C-0005 mail.phone=13906009999 >actual &&
	printf "id\tstate\n$C-0005\tready\n" >expect &&
	test_cmp expect actual &&
	snapshot ready &&
	test_expect_code 1 eport-amend -m x $C-0005 enterprise.name=某某 2>err &&
	echo "eport-amend: $C-0005: argument 2: enterprise.name: final: the case is ready, its card work done; only a phone, an address, the recipient and the pickup are amended" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-amend -m x $C-0005 mail.address= 2>err &&
	echo "eport-amend: $C-0005: argument 2: mail.address: 邮寄领卡须填写收件地址 (mail-incomplete)" >expect &&
	test_cmp expect err &&
	unchanged ready
'

test_expect_success 'on the EMS manifest the address is final; once shipped nothing is amended' '
	EPORT_NOW=2026-11-27T08:30:00+08:00 eport-ship manifest -F tsv | cut -f 1,3 >actual &&
	printf "id\tphone\n$C-0005\t13906009999\n$C-0006\t13906001234\n" >expect &&
	test_cmp expect actual &&
	snapshot manifest &&
	test_expect_code 1 eport-amend -m x $C-0006 mail.phone=13906008888 2>err &&
	echo "eport-amend: $C-0006: argument 2: mail.phone: final: the case is on the EMS manifest of 2026-11-27" >expect &&
	test_cmp expect err &&
	printf "id\ttracking\n$C-0006\t1180098765446\n" | eport-ship mark >/dev/null &&
	test_expect_code 1 eport-amend -m x $C-0006 handler.phone=13906008888 2>err &&
	echo "eport-amend: $C-0006: case is shipped, not received, checked, incomplete, returned, accepted or ready" >expect &&
	test_cmp expect err
'

test_expect_success '-n amends and prints, and stores nothing' '
	snapshot dry &&
	eport-amend -n -m x $C-0002 mail.recipient=郑宇 >actual &&
	printf "id\tstate\n$C-0002\treceived\n" >expect &&
	test_cmp expect actual &&
	unchanged dry
'

test_expect_success 'the auditor reads every correction in the export' '
	eport-export -o audit.tar $C-0001 &&
	mkdir x && tar -xmf audit.tar -C x &&
	jq -r "select(.action == \"amend\") | .changes[] | [.path, .old, .new] | @tsv" x/$C-0001/history.jsonl >actual &&
	cat >expect <<-\EOT &&
	mail.phone	13906001234	13906005678
	holders.2.name	陈美玲	陈美丽
	handler.phone	13906001234	13906007777
	holders.2.id_number	350206199001010244	350206199001010260
	EOT
	test_cmp expect actual &&
	eport-fsck
'

done_testing
