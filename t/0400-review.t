#!/bin/sh
# eport-review: accept, reject and return, with four eyes, the state guards
# and reasons; every decision a commit on the case's ref, authored by the
# reviewer; a refused case leaves the store as it was and stops no other.
. "$(dirname "$0")/lib.sh"

# glog ID: the case's commits, newest first: author|subject|Case-State
glog() {
	git --git-dir="$EPORT_HOME/docs.git" log \
		--format="%an|%s|%(trailers:key=Case-State,valueonly,separator=)" "refs/cases/$1"
}

USAGE='usage: eport-review accept [-jn] [-m REASON] [CASE...]
       eport-review reject|return|withdraw [-jn] -m REASON [CASE...]'

test_expect_success 'setup' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	cp "$DATA/review/readers.jsonl" ex/ &&
	eport-order import "$DATA/review/orders.tsv" >/dev/null
'

test_expect_success 'the decision functions over the table of cases' '
	test-decide guard "$DATA/review/guard.jsonl" >actual &&
	test_cmp "$DATA/review/guard.expect" actual
'

for d in reject return withdraw; do
	test_expect_success "$d needs a reason: exit 2, nothing done" '
		snapshot reason &&
		test_expect_code 2 eport-review $d XM20261126-0001 >out 2>err &&
		printf "%s\n" "eport-review: $d needs a reason: -m REASON" "$USAGE" >expect &&
		test_cmp expect err && test ! -s out &&
		test_expect_code 2 eport-review $d -m "" XM20261126-0001 2>err &&
		test_cmp expect err &&
		unchanged reason
	'
done

test_expect_success 'a decision that is none is a usage error' '
	test_expect_code 2 eport-review approve XM20261126-0001 2>err &&
	printf "%s\n" "eport-review: '\''approve'\'': not a decision (accept, reject, return or withdraw)" "$USAGE" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-review 2>err &&
	echo "$USAGE" >expect && test_cmp expect err
'

test_expect_success 'alice takes in, bob checks and accepts, in one pipeline' '
	EPORT_USER=alice eport-apply ex/cases.jsonl |
		EPORT_USER=bob eport-check -q | EPORT_USER=bob eport-review accept -m ok >actual &&
	printf "id\tstate\nXM20261126-0001\taccepted\nXM20261126-0002\taccepted\n" >expect &&
	test_cmp expect actual &&
	eport-ls | cut -f 1,4 >actual &&
	printf "id\tstate\nXM20261126-0001\taccepted\nXM20261126-0002\taccepted\nXM20261126-0003\tincomplete\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'every step reads back from git log, authored by who took it' '
	glog XM20261126-0001 >actual &&
	cat >expect <<-\EOT &&
	bob|accept XM20261126-0001: ok|accepted
	bob|check XM20261126-0001: no finding|checked
	alice|apply XM20261126-0001: ex/cases.jsonl:1|received
	EOT
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" log -1 --format="%an %s%n%b" refs/cases/XM20261126-0001 >log &&
	sed -n 1,3p log >actual &&
	printf "%s\n" "bob accept XM20261126-0001: ok" "Case-State: accepted" "Staff: bob" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" show refs/cases/XM20261126-0001:case.json |
		jq -r "[.state, .decision.action, .decision.why, .decision.by, .decision.at, .accepted] | @tsv" >actual &&
	printf "accepted\taccept\tok\tbob\t2026-11-26T10:00:00+08:00\t2026-11-26T10:00:00+08:00\n" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" fsck --strict
'

test_expect_success 'the decision is an event of the case history' '
	eport-log XM20261126-0001 | cut -f 4,6- | tail -n 1 >actual &&
	printf "bob\taccept\tchecked\taccepted\tok\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'four eyes: whoever took a case in cannot accept it' '
	eport-apply ex/readers.jsonl >/dev/null &&
	eport-ls -s received | eport-check >/dev/null &&
	snapshot four &&
	test_expect_code 1 eport-review accept -m ok XM20261126-0004 >out 2>err &&
	echo "eport-review: XM20261126-0004: four eyes: alice took this case in and cannot accept it" >expect &&
	test_cmp expect err &&
	test ! -s out &&
	unchanged four
'

test_expect_success 'accept only from checked; the refusal names the state' '
	snapshot state &&
	test_expect_code 1 env EPORT_USER=bob eport-review accept -m ok XM20261126-0003 XM20261126-0001 2>err &&
	printf "%s\n" "eport-review: XM20261126-0003: case is incomplete, not checked" \
		"eport-review: XM20261126-0001: case is accepted, not checked" >expect &&
	test_cmp expect err &&
	unchanged state
'

test_expect_success 'reject and return only from checked or incomplete' '
	snapshot rr &&
	test_expect_code 1 env EPORT_USER=bob eport-review reject -m no XM20261126-0001 2>err &&
	echo "eport-review: XM20261126-0001: case is accepted, not checked or incomplete" >expect &&
	test_cmp expect err &&
	test_expect_code 1 env EPORT_USER=bob eport-review return -m no XM20261126-0002 2>err &&
	echo "eport-review: XM20261126-0002: case is accepted, not checked or incomplete" >expect &&
	test_cmp expect err &&
	unchanged rr
'

test_expect_success 'a case that does not exist is refused' '
	snapshot none &&
	test_expect_code 1 env EPORT_USER=bob eport-review accept XM20261126-0099 2>err &&
	echo "eport-review: XM20261126-0099: no such case" >expect &&
	test_cmp expect err &&
	unchanged none
'

test_expect_success '-n decides and prints, and stores nothing' '
	snapshot dry &&
	EPORT_USER=bob eport-review accept -n -m ok XM20261126-0004 >actual &&
	printf "id\tstate\nXM20261126-0004\tready\n" >expect &&
	test_cmp expect actual &&
	unchanged dry
'

test_expect_success 'ids from stdin; a refused case does not stop the others' '
	printf "XM20261126-0003\nXM20261126-0004\n" |
		test_expect_code 1 env EPORT_USER=bob eport-review accept -m 材料齐全 >actual 2>err &&
	printf "id\tstate\nXM20261126-0004\tready\n" >expect &&
	test_cmp expect actual &&
	echo "eport-review: XM20261126-0003: case is incomplete, not checked" >expect &&
	test_cmp expect err
'

test_expect_success 'accepting a reader case steps it on to ready at once' '
	glog XM20261126-0004 >actual &&
	cat >expect <<-\EOT &&
	bob|ready XM20261126-0004: no card work|ready
	bob|accept XM20261126-0004: 材料齐全|accepted
	alice|check XM20261126-0004: 0 blocking, 1 warning|checked
	alice|apply XM20261126-0004: ex/readers.jsonl:1|received
	EOT
	test_cmp expect actual &&
	eport-show XM20261126-0004 | jq -r "[.state, .accepted, .decision.action] | @tsv" >actual &&
	printf "ready\t2026-11-26T10:00:00+08:00\taccept\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'return from incomplete, options after the decision or before it' '
	EPORT_USER=bob eport-review -j return -m "请补寄经办人身份证件复印件" XM20261126-0003 >actual &&
	echo "{\"id\":\"XM20261126-0003\",\"state\":\"returned\"}" >expect &&
	test_cmp expect actual &&
	glog XM20261126-0003 | sed 1q >actual &&
	echo "bob|return XM20261126-0003: 请补寄经办人身份证件复印件|returned" >expect &&
	test_cmp expect actual &&
	eport-show XM20261126-0003 | jq -r "[.decision.action, .decision.why, .decision.by] | @tsv" >actual &&
	printf "return\t请补寄经办人身份证件复印件\tbob\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a returned case waits for materials: no decision takes it' '
	snapshot ret &&
	test_expect_code 1 env EPORT_USER=bob eport-review reject -m no XM20261126-0003 2>err &&
	echo "eport-review: XM20261126-0003: case is returned, not checked or incomplete" >expect &&
	test_cmp expect err &&
	unchanged ret
'

test_expect_success 'reject frees the order for another case' '
	sed -n 3p ex/readers.jsonl | sed "s/1180055555503/1180055555504/" >ex/again.jsonl &&
	eport-apply ex/again.jsonl | eport-check | cut -f 3 >actual &&
	printf "rule\norder-used\ncase-open\n" >expect &&
	test_cmp expect actual &&
	EPORT_USER=bob eport-review reject -m 重复申请 XM20261126-0006 >actual &&
	printf "id\tstate\nXM20261126-0006\trejected\n" >expect &&
	test_cmp expect actual &&
	eport-check XM20261126-0007 | cut -f 3 >actual &&
	printf "rule\ncase-open\n" >expect &&
	test_cmp expect actual &&
	glog XM20261126-0006 | sed 1q >actual &&
	echo "bob|reject XM20261126-0006: 重复申请|rejected" >expect &&
	test_cmp expect actual
'

test_expect_success 'accept checks the case again: an order refunded since the check is refused' '
	sed -n 2p ex/cases.jsonl |
		jq -c ".ref = \"1180023450001\" | .order = \"NF20261126101500001\" | .enterprise.uscc = \"91350205MA2YQB7K1K\"" >ex/paid.jsonl &&
	printf "订单号\t订单状态\t关区\t取货方式\t商品\t数量\nNF20261126101500001\t完成\t厦门分中心\t关区取货\t智能IC卡-操作员\t1\n" >paid.tsv &&
	eport-order import paid.tsv >/dev/null &&
	(cd ex && eport-apply paid.jsonl) | sed 1d | cut -f1 >paid.id &&
	id=$(cat paid.id) &&
	eport-check -q $id | sed 1d >q && test "$(cat q)" = $id &&
	sed "s/完成/待退款/" paid.tsv | eport-order import >/dev/null &&
	snapshot refund &&
	test_expect_code 1 env EPORT_USER=bob eport-review accept $id >out 2>err &&
	echo "eport-review: $id: the check no longer passes (order-unpaid: 订单NF20261126101500001状态为待退款，须支付成功的订单): check it again" >expect &&
	test_cmp expect err && test ! -s out &&
	unchanged refund &&
	eport-order import paid.tsv >/dev/null &&
	EPORT_USER=bob eport-review accept $id >out &&
	printf "id\tstate\n$id\taccepted\n" >expect && test_cmp expect out
'

test_expect_success 'a case checked under an older rulebook is checked again under the new one' '
	mkdir old && find "$EPORT_SHARE" -maxdepth 1 -type f -exec cp {} old/ \; &&
	grep -v "	unique	" "$EPORT_SHARE/rules.tsv" >old/rules.tsv &&
	sed -n 1p ex/cases.jsonl | jq -c ".ref = \"1180012340002\"" >ex/dup.jsonl &&
	(cd ex && eport-apply dup.jsonl) | sed 1d | cut -f1 >dup.id &&
	id=$(cat dup.id) &&
	EPORT_SHARE=$TRASH/old eport-check -q $id | sed 1d >q && test "$(cat q)" = $id &&
	snapshot old &&
	test_expect_code 1 env EPORT_USER=bob eport-review accept $id 2>err &&
	echo "eport-review: $id: the check no longer passes (holder-open: 操作员 陈美玲已在本企业先收到的在办业务XM20261126-0001（新入网企业制卡，审核通过）中申请电子口岸操作员卡，同一证件号码在同一企业只能办理一张操作员卡：请待该业务办结、不予受理或撤回后再审核本业务): check it again" >expect &&
	test_cmp expect err &&
	unchanged old &&
	test_expect_code 1 eport-check $id | cut -f3 >actual &&
	printf "rule\nholder-open\ncase-open\n" >expect && test_cmp expect actual &&
	test "$(eport-show $id | jq -r .state)" = incomplete
'

done_testing
