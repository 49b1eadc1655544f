#!/bin/sh
# eport-check: stored cases become checked or incomplete with their findings
# in the case, the history and git; -f checks records and stores nothing.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-order import "$DATA/orders/export.csv" >/dev/null &&
	eport-apply ex/cases.jsonl >ids
'

test_expect_success 'check prints each finding and exits 1 on a blocking one' '
	test_expect_code 1 eport-check <ids >actual &&
	test_cmp "$DATA/check/examples.expect" actual
'

test_expect_success 'the cases are checked or incomplete' '
	eport-ls >ls &&
	cut -f1,4 ls >actual &&
	printf "id\tstate\nXM20261126-0001\tchecked\nXM20261126-0002\tchecked\nXM20261126-0003\tincomplete\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the findings are in the case, its history and its git commit' '
	eport-show XM20261126-0003 >case.json &&
	jq -r ".findings[] | [.severity, .rule, .path] | @tsv" case.json >actual &&
	awk -F"\t" "\$1 == \"XM20261126-0003\" {print \$2\"\t\"\$3\"\t\"\$4}" "$DATA/check/examples.expect" >expect &&
	test_cmp expect actual &&
	test "$(jq -r .checked case.json)" = 2026-11-26T10:00:00+08:00 &&
	eport-log -j XM20261126-0003 | tail -n 1 >ev &&
	test "$(jq -r "[.action, .from, .to, .why, (.findings | length)] | @tsv" ev)" = "check	received	incomplete	3 blocking, 1 warning	4" &&
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format="%an|%s|%(trailers:key=Case-State,valueonly)" \
		refs/cases/XM20261126-0003 >actual &&
	printf "alice|check XM20261126-0003: 3 blocking, 1 warning|incomplete\n\n" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" show refs/cases/XM20261126-0003:case.json | jq -c .findings >git.findings &&
	jq -c .findings case.json >db.findings &&
	test_cmp db.findings git.findings
'

test_expect_success '-q prints only the ids with no blocking finding, for a pipeline' '
	test_expect_code 1 eport-check -q XM20261126-0001 XM20261126-0002 XM20261126-0003 >actual &&
	printf "id\nXM20261126-0001\nXM20261126-0002\n" >expect &&
	test_cmp expect actual &&
	eport-check -q XM20261126-0001 >actual &&
	printf "id\nXM20261126-0001\n" >expect &&
	test_cmp expect actual
'

test_expect_success '-j gives the findings as JSON Lines' '
	eport-check -j XM20261126-0002 >actual &&
	jq -r "[.id, .severity, .rule, .path] | @tsv" actual >got &&
	printf "XM20261126-0002\twarn\tcard-unknown\tcards.1.number\n" >expect &&
	test_cmp expect got
'

test_expect_success '-n checks and prints but stores nothing' '
	snapshot dry &&
	test_expect_code 1 eport-check -n XM20261126-0003 >actual &&
	test $(grep -c "	block	" actual) = 3 &&
	unchanged dry
'

test_expect_success 'an unknown case is refused, the others are checked' '
	test_expect_code 1 eport-check XM20261126-0001 XM20990101-0001 >actual 2>err &&
	echo "eport-check: XM20990101-0001: no such case" >expect &&
	test_cmp expect err &&
	eport-log XM20261126-0001 | tail -n 1 | cut -f6,8 >actual &&
	printf "check\tchecked\n" >expect && test_cmp expect actual
'

test_expect_success '-f checks records without storing anything' '
	snapshot file &&
	test_expect_code 1 eport-check -f ex/cases.jsonl >actual &&
	sed -e "s/^XM20261126-0001/1180012345678/" -e "s/^XM20261126-0002/1180023456789/" \
		-e "s/^XM20261126-0003/1180034567890/" "$DATA/check/examples.expect" >expect &&
	test_cmp expect actual &&
	unchanged file &&
	(cd ex && test_expect_code 1 eport-check -f - <cases.jsonl >../actual) &&
	test_cmp expect actual
'

test_expect_success '-f without a store checks what needs no store' '
	EPORT_HOME=$TRASH/none eport-check -f ex/cases.jsonl >actual;
	test $? = 1 &&
	! grep -q "order-unknown\|card-unknown" actual &&
	grep -q "^1180034567890	block	doc-missing	documents.id-handler	" actual &&
	test ! -e "$TRASH/none"
'

test_expect_success 'an order serves the first case that names it: order-used for the next' '
	jq -c ".ref = \"1180099999999\"" <ex/cases.jsonl | sed -n 2p >ex/second.jsonl &&
	eport-apply ex/second.jsonl >second &&
	id=$(sed -n "2s/	.*//p" second) &&
	test_expect_code 1 eport-check "$id" >actual &&
	grep "	order-used	" actual >used &&
	printf "%s\tblock\torder-used\torder\t订单NF20261120093015123已用于业务XM20261126-0002，一个订单只能办理一次\n" "$id" >expect &&
	test_cmp expect used &&
	eport-check XM20261126-0002 >actual &&
	! grep -q order-used actual
'

test_expect_success 'online uploads are judged by their stored bytes: doc-format and doc-size' '
	printf "not an image\n" >ex/scans/license.txt &&
	{ printf "%%PDF-1.4\n"; head -c 4194305 /dev/zero; } >ex/scans/big.pdf &&
	jq -c "select(.type == \"onboard\") | .ref = \"W20261126001\" | .channel = \"online\" |
		.enterprise.uscc = \"91350200M00012343R\" |
		.documents = [{kind: \"license\", file: \"scans/license.txt\", sealed: true},
			{kind: \"poa\", file: \"scans/big.pdf\", sealed: true},
			{kind: \"id-legal\", file: \"scans/id-legal.png\", sealed: true},
			{kind: \"id-operator\", file: \"scans/id-op1.png\", holder: \"350206199001010244\", sealed: true},
			{kind: \"id-handler\", file: \"scans/id-handler.png\", sealed: true}]" ex/cases.jsonl >ex/online.jsonl &&
	eport-apply ex/online.jsonl >online &&
	id=$(sed -n "2s/	.*//p" online) &&
	test_expect_code 1 eport-check "$id" >actual &&
	cut -f2-4 actual >got &&
	printf "severity\trule\tpath\nblock\tdoc-format\tdocuments.1\nblock\tdoc-size\tdocuments.2\n" >expect &&
	test_cmp expect got
'

test_expect_success 'a near miss: the same uploads as PDF and PNG under 4 MiB pass' '
	jq -c ".ref = \"W20261126002\" | .enterprise.uscc = \"91350205MA2YQB7K1K\" |
		.documents[0].file = \"scans/license.pdf\" |
		.documents[1].file = \"scans/form1.pdf\"" ex/online.jsonl >ex/online2.jsonl &&
	eport-apply ex/online2.jsonl >online2 &&
	id=$(sed -n "2s/	.*//p" online2) &&
	eport-check "$id" >actual &&
	test ! -s actual &&
	test "$(eport-show "$id" | jq -r .state)" = checked
'

test_expect_success 'against the store: a deregister waits for the open renewal of its enterprise' '
	jq -c ".ref = \"DEREG1\" | .type = \"deregister\" | .attest = {no_tripartite: true}" \
		<ex/cases.jsonl | sed -n 3p >ex/dereg.jsonl &&
	eport-apply ex/dereg.jsonl >dereg &&
	id=$(sed -n "2s/	.*//p" dereg) &&
	test_expect_code 1 eport-check "$id" >actual &&
	grep "	case-open	" actual >got &&
	printf "%s\tblock\tcase-open\tcases[XM20261126-0003]\t本企业另有在办的证书更新业务XM20261126-0003（待补正）：注销须待本企业其他在办业务办结、不予受理或撤回后办理\n" "$id" >expect &&
	test_cmp expect got
'

test_expect_success 'check.ems-names: the office says which names are EMS' '
	jq -c ".ref = \"CARRIER1\" | .enterprise.uscc = \"91350211MA8UCR3D38\" | .inbound.carrier = \"邮政速递\"" <ex/cases.jsonl | sed -n 1p >ex/carrier.jsonl &&
	test_expect_code 1 eport-check -f ex/carrier.jsonl >actual &&
	grep -c "	inbound-carrier	" actual >n && echo 1 >expect && test_cmp expect n &&
	git config -f "$EPORT_HOME/config" check.ems-names "EMS, 邮政速递" &&
	eport-check -f ex/carrier.jsonl >actual &&
	! grep -q "	inbound-carrier	" actual &&
	jq -c ".inbound.carrier = \"中国邮政EMS\"" ex/carrier.jsonl >ex/carrier2.jsonl &&
	test_expect_code 1 eport-check -f ex/carrier2.jsonl >actual &&
	grep "	inbound-carrier	" actual | cut -f5 >got &&
	echo "本件由“中国邮政EMS”寄达：根据《邮政法》规定仅接收邮政EMS寄递的资料（本中心接收：EMS、邮政速递）" >expect &&
	test_cmp expect got &&
	git config -f "$EPORT_HOME/config" --unset check.ems-names
'

done_testing
