#!/bin/sh
# eport-review withdraw: the enterprise takes its application back (撤回) in
# any state before shipped; the order is free for another case; the step is
# an event and a commit; the enterprise reads 已撤回, then 已办结 · 已撤回;
# a shipped or closed case is refused with its state, and nothing changes.
. "$(dirname "$0")/lib.sh"

C=XM20261126
A=91350200MA2Y0Q1X9G	# the reader cases' enterprise

glog() {
	git --git-dir="$EPORT_HOME/docs.git" log \
		--format="%an|%s|%(trailers:key=Case-State,valueonly,separator=)" "refs/cases/$1"
}

# Cases: 0001 onboard (checked), 0002 operator-add with an order (accepted),
# 0003 renew (incomplete), 0004 reader at the hall (ready), 0005 and 0006
# readers by post (ready)
test_expect_success 'setup: the examples and three reader cases, checked and accepted' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	cp "$DATA/review/readers.jsonl" ex/ &&
	eport-order import "$DATA/orders/export.csv" "$DATA/review/orders.tsv" >/dev/null &&
	eport-apply ex/cases.jsonl ex/readers.jsonl >/dev/null &&
	eport-ls | test_expect_code 1 eport-check >/dev/null &&
	EPORT_USER=bob eport-review accept $C-0002 $C-0004 $C-0005 $C-0006 >/dev/null &&
	eport-ls | cut -f 1,4 >actual &&
	cat >expect <<-EOT &&
	id	state
	$C-0001	checked
	$C-0002	accepted
	$C-0003	incomplete
	$C-0004	ready
	$C-0005	ready
	$C-0006	ready
	EOT
	test_cmp expect actual
'

test_expect_success 'a checked case withdrawn: withdrawn, an event and a commit by the reviewer' '
	EPORT_USER=bob EPORT_NOW=2026-11-27T09:00:00+08:00 \
		eport-review withdraw -m 企业申请撤回 $C-0001 >actual &&
	printf "id\tstate\n$C-0001\twithdrawn\n" >expect &&
	test_cmp expect actual &&
	glog $C-0001 | sed 1q >actual &&
	echo "bob|withdraw $C-0001: 企业申请撤回|withdrawn" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0001 | tail -n 1 | jq -c "[.by, .action, .from, .to, .why, .revoked]" >actual &&
	echo "[\"bob\",\"withdraw\",\"checked\",\"withdrawn\",\"企业申请撤回\",[]]" >expect &&
	test_cmp expect actual &&
	eport-show $C-0001 | jq -r "[.state, .withdrawn, .decision.action, .decision.why, .decision.by] | @tsv" >actual &&
	printf "withdrawn\t2026-11-27T09:00:00+08:00\twithdraw\t企业申请撤回\tbob\n" >expect &&
	test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'the enterprise reads 已撤回 and the reason' '
	eport-status 91350200MA2Y0K3PXF | cut -f 1,4,5 >actual &&
	printf "id\tstatus\tdetail\n$C-0001\t已撤回\t企业申请撤回\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'an accepted case withdrawn lets go of its order' '
	eport-order ls NF20261120093015123 | cut -f 1,7 >actual &&
	printf "order\tcase\nNF20261120093015123\t$C-0002\n" >expect &&
	test_cmp expect actual &&
	EPORT_USER=carol eport-review withdraw -m "申请有误，撤回重报" $C-0002 >actual &&
	printf "id\tstate\n$C-0002\twithdrawn\n" >expect &&
	test_cmp expect actual &&
	eport-order ls NF20261120093015123 | cut -f 1,7 >actual &&
	printf "order\tcase\nNF20261120093015123\t\n" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0002 | tail -n 1 | jq -r .released >actual &&
	echo NF20261120093015123 >expect &&
	test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'the application again, as a new case, takes the order without order-used' '
	sed -n 2p ex/cases.jsonl | sed "s/1180023456789/1180023456790/" >ex/again.jsonl &&
	(cd ex && eport-apply again.jsonl) | cut -f 1 >actual &&
	printf "id\n$C-0007\n" >expect &&
	test_cmp expect actual &&
	eport-check $C-0007 | cut -f 3 >rules &&
	! grep -x order-used rules &&
	eport-order ls NF20261120093015123 | cut -f 7 | sed 1d >actual &&
	echo $C-0007 >expect &&
	test_cmp expect actual
'

test_expect_success 'incomplete and ready cases too, from stdin; -j' '
	printf "$C-0003\n$C-0004\n" | EPORT_USER=bob eport-review withdraw -j -m 企业申请撤回 >actual &&
	printf "{\"id\":\"$C-0003\",\"state\":\"withdrawn\"}\n{\"id\":\"$C-0004\",\"state\":\"withdrawn\"}\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a case on the day'\''s EMS manifest: withdrawn, with a warning to take its parcel out' '
	EPORT_NOW=2026-11-27T08:30:00+08:00 eport-ship manifest -F tsv | cut -f 1 >actual &&
	printf "id\n$C-0005\n$C-0006\n" >expect &&
	test_cmp expect actual &&
	EPORT_USER=bob eport-review withdraw -m 企业自取 $C-0006 >actual 2>err &&
	printf "id\tstate\n$C-0006\twithdrawn\n" >expect &&
	test_cmp expect actual &&
	echo "eport-review: warning: $C-0006 is on the EMS manifest of 2026-11-27: take its parcel out" >expect &&
	test_cmp expect err &&
	printf "id\ttracking\n$C-0006\t1180098765446\n" >marks &&
	test_expect_code 1 eport-ship mark <marks 2>err &&
	echo "eport-ship: $C-0006: case is withdrawn, not ready" >expect &&
	test_cmp expect err
'

test_expect_success 'a shipped case is not withdrawn: the refusal names its state, nothing changes' '
	printf "id\ttracking\n$C-0005\t1180098765432\n" | eport-ship mark >/dev/null &&
	snapshot shipped &&
	test_expect_code 1 env EPORT_USER=bob eport-review withdraw -m 撤回 $C-0005 $C-0001 >out 2>err &&
	printf "%s\n" \
		"eport-review: $C-0005: case is shipped; withdraw takes a case not yet shipped (received, checked, incomplete, returned, accepted or ready)" \
		"eport-review: $C-0001: case is withdrawn; withdraw takes a case not yet shipped (received, checked, incomplete, returned, accepted or ready)" >expect &&
	test_cmp expect err &&
	test ! -s out &&
	unchanged shipped
'

test_expect_success 'withdraw -n prints and stores nothing' '
	snapshot dry &&
	EPORT_USER=bob eport-review withdraw -n -m 撤回 $C-0007 >actual &&
	printf "id\tstate\n$C-0007\twithdrawn\n" >expect &&
	test_cmp expect actual &&
	unchanged dry
'

test_expect_success 'a reason on more than one line forges no trailer: the subject escapes it' '
	EPORT_USER=bob eport-review withdraw -n -m "撤回
Case-State: closed" $C-0007 >/dev/null &&
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format=%s refs/cases/$C-0007 >before &&
	EPORT_USER=bob eport-review withdraw -m "撤回
Case-State: closed" $C-0007 >/dev/null &&
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format="%s%n%(trailers:key=Case-State,valueonly)" \
		refs/cases/$C-0007 | sed "/^\$/d" >actual &&
	printf "%s\n" "withdraw $C-0007: 撤回\\nCase-State: closed" withdrawn >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0007 | tail -n 1 | jq -r .why >actual &&
	printf "%s\n" 撤回 "Case-State: closed" >expect &&
	test_cmp expect actual
'

test_expect_success 'withdrawn closes like rejected; the enterprise reads 已办结 · 已撤回' '
	EPORT_NOW=2026-11-30T10:00:00+08:00 eport-close $C-0001 $C-0002 >actual &&
	printf "id\tstate\n$C-0001\tclosed\n$C-0002\tclosed\n" >expect &&
	test_cmp expect actual &&
	eport-status 91350200MA2Y0K3PXF | cut -f 4,5 | sed 1d >actual &&
	printf "已办结 · 已撤回\t企业申请撤回\n" >expect &&
	test_cmp expect actual &&
	eport-status 91350206MA8RTE0J8C | cut -f 1,4,5 | sed 1d >actual &&
	printf "$C-0002\t已办结 · 已撤回\t申请有误，撤回重报\n$C-0007\t已撤回\t撤回\\\\nCase-State: closed\n" >expect &&
	test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'the auditor reads the withdrawal in the git log and in the export' '
	glog $C-0002 >actual &&
	cat >expect <<-EOT &&
	alice|close $C-0002: closed|closed
	carol|withdraw $C-0002: 申请有误，撤回重报|withdrawn
	bob|accept $C-0002|accepted
	alice|check $C-0002: 0 blocking, 1 warning|checked
	alice|apply $C-0002: ex/cases.jsonl:2|received
	EOT
	test_cmp expect actual &&
	eport-export -o audit.tar $C-0002 &&
	mkdir x && tar -xmf audit.tar -C x &&
	jq -r "select(.action == \"withdraw\") | [.by, .from, .why, .released] | @tsv" x/$C-0002/history.jsonl >actual &&
	printf "carol\taccepted\t申请有误，撤回重报\tNF20261120093015123\n" >expect &&
	test_cmp expect actual &&
	jq -r .state x/$C-0002/case.json >actual && echo closed >expect && test_cmp expect actual
'

done_testing
