#!/bin/sh
# eport-close: the last step of a case, from the states that allow it; a
# deregister case closes its enterprise, which later cases then find (its
# cards, written by eport-card on the emulated card: t/0701-close-cards.t).
. "$(dirname "$0")/lib.sh"

state() {
	eport-show "$1" | jq -r .state
}

D=$DATA/close
C=XM20261126

# 0001 checked, 0002 accepted, 0003 returned (the examples); 0004 reader at
# the window, 0005 and 0006 reader by post, 0007 deregister, 0008 unlock
# (incomplete), 0009 deregister (incomplete: no attestation), 0010 received
test_expect_success 'setup: a case in each state' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	cp "$D/cases.jsonl" ex/close.jsonl &&
	eport-order import "$D/orders.tsv" "$DATA/review/orders.tsv" >/dev/null &&
	eport-apply ex/cases.jsonl ex/close.jsonl >/dev/null &&
	test_expect_code 1 eport-check $C-0001 $C-0002 $C-0003 $C-0004 $C-0005 $C-0006 \
		$C-0007 $C-0008 $C-0009 >/dev/null &&
	EPORT_USER=bob eport-review accept $C-0002 $C-0004 $C-0005 $C-0006 $C-0007 >/dev/null &&
	EPORT_USER=bob eport-review return -m "请补寄材料" $C-0003 >/dev/null &&
	printf "id\ttracking\n$C-0006\t1180000000006\n" | eport-ship mark >/dev/null &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		printf "%s\t%s\n" $i "$(state $C-$(printf %04d $i))"
	done >actual &&
	printf "%s\t%s\n" 1 checked 2 accepted 3 returned 4 ready 5 ready 6 shipped \
		7 ready 8 incomplete 9 incomplete 10 received >expect &&
	test_cmp expect actual
'

test_expect_success 'every other state is refused with its name; the store is unchanged' '
	snapshot guard &&
	test_expect_code 1 eport-close XM20260101-0001 $C-0001 $C-0002 $C-0003 $C-0005 \
		$C-0006 $C-0008 $C-0010 >out 2>err &&
	test_cmp "$D/guards.err" err &&
	test ! -s out &&
	unchanged guard
'

test_expect_success '-n closes and prints, but stores nothing' '
	snapshot dry &&
	eport-close -n $C-0004 >actual &&
	printf "id\tstate\n$C-0004\tclosed\n" >expect &&
	test_cmp expect actual &&
	unchanged dry
'

test_expect_success 'a case collected at the hall is closed, with its note' '
	eport-close -m "窗口已领取" $C-0004 >actual &&
	printf "id\tstate\n$C-0004\tclosed\n" >expect &&
	test_cmp expect actual &&
	eport-show $C-0004 | jq -r "[.state, .closed] | @tsv" >actual &&
	printf "closed\t2026-11-26T10:00:00+08:00\n" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0004 | tail -n 1 | jq -r "[.action, .from, .to, .why, .by] | @tsv" >actual &&
	printf "close\tready\tclosed\t窗口已领取\talice\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the closing step is a commit, the closed case in its tree' '
	git --git-dir="$EPORT_HOME/docs.git" log -1 \
		--format="%an|%s|%(trailers:key=Case-State,valueonly)" refs/cases/$C-0004 >actual &&
	printf "alice|close $C-0004: 窗口已领取|closed\n\n" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" show refs/cases/$C-0004:case.json |
		jq -r "[.state, .closed] | @tsv" >actual &&
	printf "closed\t2026-11-26T10:00:00+08:00\n" >expect &&
	test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'a closed case is not closed again' '
	snapshot again &&
	test_expect_code 1 eport-close $C-0004 2>err &&
	echo "eport-close: $C-0004: case is closed; close takes ready, delivered, collected, rejected or withdrawn" >expect &&
	test_cmp expect err &&
	unchanged again
'

test_expect_success 'delivered cases are closed, ids from stdin; bounced ones once collected' '
	printf "id\ttracking\n$C-0005\t1180000000005\n" | eport-ship mark >/dev/null &&
	eport-ship deliver $C-0005 >/dev/null &&
	eport-ship bounce -m "查无此人" $C-0006 >/dev/null &&
	eport-ls -s delivered | eport-close >actual &&
	printf "id\tstate\n$C-0005\tclosed\n" >expect &&
	test_cmp expect actual &&
	snapshot bounced &&
	test_expect_code 1 eport-close $C-0006 2>err &&
	echo "eport-close: $C-0006: case is bounced; close takes it once collected at the counter (eport-ship collect)" >expect &&
	test_cmp expect err &&
	unchanged bounced &&
	eport-ship collect -f 30 -m "王秀英 35020319750303052X" $C-0006 >/dev/null &&
	echo $C-0006 | eport-close -j >actual &&
	echo "{\"id\":\"$C-0006\",\"state\":\"closed\"}" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0006 | tail -n 1 | jq -r "[.from, .why] | @tsv" >actual &&
	printf "collected\tclosed\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'rejected cases are closed; a rejected deregistration closes nothing' '
	EPORT_USER=bob eport-review reject -m "材料不符" $C-0008 $C-0009 >/dev/null &&
	eport-close $C-0008 $C-0009 >actual &&
	printf "id\tstate\n$C-0008\tclosed\n$C-0009\tclosed\n" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0009 | tail -n 1 | jq -c "[.from, .revoked]" >actual &&
	echo "[\"rejected\",null]" >expect &&
	test_cmp expect actual &&
	! mdb_dump -p -s enterprises "$EPORT_HOME/db" | grep -q 91350203MA2XN1BQ18
'

test_expect_success 'a deregister is not closed while another case of its enterprise is open' '
	sed -n 3p ex/cases.jsonl | sed "s/91350203MA2XN1BQ18/91350205MA2YQB7K1K/; s/1180034567890/OPEN1/g" >ex/open.jsonl &&
	(cd ex && eport-apply open.jsonl) >/dev/null &&
	snapshot open &&
	test_expect_code 1 eport-close $C-0007 >out 2>err &&
	echo "eport-close: $C-0007: case $C-0011 (renew, received) of the enterprise is open: close, reject or withdraw it first" >expect &&
	test_cmp expect err && test ! -s out &&
	unchanged open &&
	test_expect_code 1 eport-check $C-0011 >/dev/null &&
	EPORT_USER=bob eport-review reject -m "企业已申请注销" $C-0011 >/dev/null
'

test_expect_success 'a deregister case ready (even for post) closes its enterprise' '
	eport-close -m "注销完成" $C-0007 >actual &&
	printf "id\tstate\n$C-0007\tclosed\n" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0007 | tail -n 1 | jq -c "[.action, .from, .to, .revoked]" >actual &&
	echo "[\"close\",\"ready\",\"closed\",[]]" >expect &&
	test_cmp expect actual &&
	mdb_dump -p -s enterprises "$EPORT_HOME/db" | grep "^ {" |
		sed "s/\"name\":\"[^\"]*\",//" >actual &&
	echo " {\"uscc\":\"91350205MA2YQB7K1K\",\"closed\":\"2026-11-26T10:00:00+08:00\",\"case\":\"$C-0007\"}" >expect &&
	test_cmp expect actual
'

test_expect_success 'later cases of a closed enterprise draw enterprise-closed, but onboard' '
	{
		sed -n 1p ex/cases.jsonl | sed "s/91350200MA2Y0K3PXF/91350205MA2YQB7K1K/; s/1180012345678/AFTER1/g"
		sed -n 2p ex/cases.jsonl | sed "s/91350206MA8RTE0J8C/91350205MA2YQB7K1K/; s/1180023456789/AFTER2/g"
		sed -n 3p ex/cases.jsonl | sed "s/1180034567890/AFTER3/g"
	} >ex/after.jsonl &&
	eport-apply ex/after.jsonl >actual &&
	cut -f1-3 actual >ids &&
	printf "id\ttype\tuscc\n$C-0012\tonboard\t91350205MA2YQB7K1K\n$C-0013\toperator-add\t91350205MA2YQB7K1K\n$C-0014\trenew\t91350203MA2XN1BQ18\n" >expect &&
	test_cmp expect ids &&
	test_expect_code 1 eport-check $C-0012 $C-0013 $C-0014 >findings &&
	grep enterprise-closed findings >actual &&
	printf "$C-0013\tblock\tenterprise-closed\tenterprise.uscc\t企业91350205MA2YQB7K1K已注销电子口岸，不能办理此业务\n" >expect &&
	test_cmp expect actual &&
	test "$(state $C-0012)" = checked
'

test_expect_success 'usage: an empty note, an unknown option' '
	test_expect_code 2 eport-close -m "" $C-0001 2>err &&
	echo "eport-close: -m: the note is empty" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-close -x 2>err &&
	grep -q "^usage: eport-close" err
'

done_testing
