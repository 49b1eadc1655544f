#!/bin/sh
# eport-status: an enterprise's cases as the public status query shows them,
# by USCC or organisation code, through each state the commands reach; the
# collection notice (领卡通知书) of a case at 领卡.
. "$(dirname "$0")/lib.sh"

HEAD='id	type	taken	status	detail'
T=2026-11-26T10:00:00+08:00
A=91350200MA2Y0Q1X9G	# the reader cases' enterprise

# st USCC|ORGCODE: the status and detail columns
st() {
	eport-status "$@" | cut -f 1,4,5
}

test_expect_success 'setup: the examples and three reader cases taken in' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	cp "$DATA/review/readers.jsonl" ex/ &&
	eport-order import "$DATA/review/orders.tsv" >/dev/null &&
	eport-apply ex/cases.jsonl ex/readers.jsonl >/dev/null
'

test_expect_success 'every state maps to its public status (the library, from a table)' '
	test-decide status "$DATA/review/status.jsonl" >actual &&
	test_cmp "$DATA/review/status.expect" actual
'

test_expect_success 'received: 已受理, with every column' '
	eport-status 91350203MA2XN1BQ18 >actual &&
	printf "%s\nXM20261126-0003\trenew\t$T\t已受理\t\n" "$HEAD" >expect &&
	test_cmp expect actual
'

test_expect_success 'checked: 已受理; incomplete: 待补正 and what is missing' '
	eport-ls | test_expect_code 1 eport-check >/dev/null &&
	st 91350200MA2Y0K3PXF >actual &&
	printf "id\tstatus\tdetail\nXM20261126-0001\t已受理\t\n" >expect &&
	test_cmp expect actual &&
	st 91350203MA2XN1BQ18 >actual &&
	printf "id\tstatus\tdetail\nXM20261126-0003\t待补正\t%s\n" \
		"缺少持卡人身份证件复印件（操作员 王秀英）；缺少经办人身份证件复印件；《制卡业务受理登记表》未加盖单位公章：scans/form1.pdf" >expect &&
	test_cmp expect actual
'

test_expect_success 'returned: 待补正 and the reason; rejected: 不予受理 and the reason; accepted: 审核通过' '
	EPORT_USER=bob eport-review return -m 请补寄经办人身份证件复印件 XM20261126-0003 >/dev/null &&
	EPORT_USER=bob eport-review reject -m 企业信息与营业执照不符 XM20261126-0002 >/dev/null &&
	EPORT_USER=bob eport-review accept XM20261126-0001 >/dev/null &&
	{ st 91350203MA2XN1BQ18 && st 91350206MA8RTE0J8C && st 91350200MA2Y0K3PXF; } >actual &&
	cat >expect <<-\EOT &&
	id	status	detail
	XM20261126-0003	待补正	请补寄经办人身份证件复印件
	id	status	detail
	XM20261126-0002	不予受理	企业信息与营业执照不符
	id	status	detail
	XM20261126-0001	审核通过	
	EOT
	test_cmp expect actual
'

test_expect_success 'ready: 领卡 at the hall, 待邮寄 by post; by organisation code' '
	EPORT_NOW=2026-11-27T09:00:00+08:00 EPORT_USER=bob eport-review accept -m ok \
		XM20261126-0004 XM20261126-0005 XM20261126-0006 >/dev/null &&
	st MA2Y0Q1X9 >actual &&
	cat >expect <<-\EOT &&
	id	status	detail
	XM20261126-0004	领卡	
	XM20261126-0005	待邮寄	
	XM20261126-0006	待邮寄	
	EOT
	test_cmp expect actual &&
	st ma2y0q1x-9 >again &&
	test_cmp expect again &&
	st $A >again &&
	test_cmp expect again
'

test_expect_success 'the organisation code finds only its own enterprise' '
	st MA2Y0K3PX >actual &&
	printf "id\tstatus\tdetail\nXM20261126-0001\t审核通过\t\n" >expect &&
	test_cmp expect actual
'

if command -v eport-ship >/dev/null; then
	test_expect_success 'shipped: 已邮寄 and the tracking number; delivered: 已办结 · 已签收; bounced: 领卡' '
		printf "id\ttracking\nXM20261126-0005\t1180098765432\nXM20261126-0006\t1180098765446\n" |
			eport-ship mark >/dev/null &&
		st $A >actual &&
		cat >expect <<-\EOT &&
		id	status	detail
		XM20261126-0004	领卡	
		XM20261126-0005	已邮寄	1180098765432
		XM20261126-0006	已邮寄	1180098765446
		EOT
		test_cmp expect actual &&
		eport-ship deliver XM20261126-0005 >/dev/null &&
		eport-ship bounce -m 收件人拒收 XM20261126-0006 >/dev/null &&
		st $A >actual &&
		cat >expect <<-\EOT &&
		id	status	detail
		XM20261126-0004	领卡	
		XM20261126-0005	已办结 · 已签收	1180098765432
		XM20261126-0006	领卡	收件人拒收
		EOT
		test_cmp expect actual
	'
	test_expect_success 'the bounce notice of a case that came back: the counter, the freight both ways' '
		EPORT_NOW=2026-11-30T09:00:00+08:00 eport-status -p XM20261126-0006 >actual &&
		test_cmp "$DATA/review/notice-bounced.txt" actual
	'
else
	test_skip 'shipped, delivered and bounced cases: eport-ship is not built (see the table above)'
	test_skip 'the collection notice of a bounced case: eport-ship is not built'
fi

test_expect_success 'the collection notice of a case at 领卡, sealed by the company' '
	EPORT_NOW=2026-11-30T09:00:00+08:00 eport-status -p XM20261126-0004 >actual &&
	test_cmp "$DATA/review/notice-window.txt" actual &&
	grep -q 须加盖单位公章 actual &&
	EPORT_NOW=2026-11-30T09:00:00+08:00 eport-status -p XM20261126-0004 ma2y0q1x9 >again &&
	test_cmp actual again
'

test_expect_success 'closed at the hall: 已办结 · 已领取' '
	eport-close XM20261126-0004 >/dev/null &&
	st $A | sed -n 2p >actual &&
	printf "XM20261126-0004\t已办结 · 已领取\t\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'no notice for a case not at 领卡, of another enterprise, or unknown' '
	test_expect_code 1 eport-status -p XM20261126-0001 >out 2>err &&
	echo "eport-status: XM20261126-0001: case is accepted (审核通过), not at 领卡" >expect &&
	test_cmp expect err && test ! -s out &&
	test_expect_code 1 eport-status -p XM20261126-0004 2>err &&
	echo "eport-status: XM20261126-0004: case is closed (已办结 · 已领取), not at 领卡" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-status -p XM20261126-0001 $A 2>err &&
	echo "eport-status: XM20261126-0001: not a case of '\''$A'\''" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-status -p XM20261126-0099 2>err &&
	echo "eport-status: '\''XM20261126-0099'\'': no such case" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown enterprise: exit 1 with a message' '
	test_expect_code 1 eport-status 91350200MA2YXXXXXX >out 2>err &&
	echo "eport-status: '\''91350200MA2YXXXXXX'\'': no case of this enterprise" >expect &&
	test_cmp expect err && test ! -s out &&
	test_expect_code 1 eport-status 9135 2>err &&
	echo "eport-status: '\''9135'\'': neither a USCC (18 characters) nor an organisation code (9)" >expect &&
	test_cmp expect err
'

test_expect_success '-j prints JSON Lines' '
	eport-status -j 91350206MA8RTE0J8C >actual &&
	echo "{\"id\":\"XM20261126-0002\",\"type\":\"operator-add\",\"taken\":\"$T\",\"status\":\"不予受理\",\"detail\":\"企业信息与营业执照不符\"}" >expect &&
	test_cmp expect actual
'

test_expect_success 'a rejected case once closed: 已办结 · 不予受理 and the reason, never only 已办结' '
	eport-close XM20261126-0002 >/dev/null &&
	st 91350206MA8RTE0J8C >actual &&
	printf "id\tstatus\tdetail\nXM20261126-0002\t已办结 · 不予受理\t企业信息与营业执照不符\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 eport-status 2>err &&
	test_expect_code 2 eport-status $A $A 2>err &&
	printf "%s\n" "usage: eport-status [-j] USCC|ORGCODE" "       eport-status -p CASE [-o FILE.pdf] [USCC|ORGCODE]" \
		"       eport-status -R CASE [-o FILE.pdf] <LINES" >expect &&
	test_cmp expect err
'

done_testing
