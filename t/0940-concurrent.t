#!/bin/sh
# Four writers at once on one store: intake, review, shipping marks and an
# order import (the registry).  All succeed, nothing is lost or doubled, and
# every ref matches its case: LMDB's writer lock orders the transactions,
# and a ref moves only from the value it was read at.
. "$(dirname "$0")/lib.sh"

N=400

test_expect_success "setup: $N reader cases by post, half of them taken in" '
	reader_store $N C 10 &&
	eport-apply old.jsonl >old.ids &&
	eport-check -q <old.ids >checked &&
	test $(($(wc -l <checked) - 1)) = $((N / 2)) &&
	sed -n "2,$((N / 4 + 1))p" checked >A &&
	sed -n "$((N / 4 + 2)),\$p" checked >B &&
	EPORT_USER=bob eport-review accept <A >/dev/null &&
	test $(eport-ls -s ready | wc -l) = $((N / 4 + 1)) &&
	{ printf "id\ttracking\n"; awk "{ printf \"%s\t11800%08d\n\", \$1, NR }" A; } >marks.tsv &&
	{ echo "订单号,订单状态,关区,取货方式,商品,数量";
	  jq -r "[.order, \"待提货\", \"厦门分中心\", \"关区取货\", \"读卡器\", 1] | @csv" all.jsonl; } >orders.csv
'

test_expect_success 'four writers at once all succeed, their runs overlapping' '
	{ timed apply eport-apply new.jsonl & } &&
	p1=$! &&
	{ timed review env EPORT_USER=bob eport-review accept -m ok <B & } &&
	p2=$! &&
	{ timed mark env EPORT_USER=carol EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark <marks.tsv & } &&
	p3=$! &&
	{ timed order eport-order import orders.csv & } &&
	p4=$! &&
	wait $p1 && wait $p2 && wait $p3 && wait $p4 &&
	cat apply.err review.err mark.err order.err >errs &&
	test_cmp /dev/null errs &&
	overlapping apply review mark order
'

test_expect_success 'nothing lost: every record, decision, mark and order is there once' '
	test $(($(wc -l <apply.out) - 1)) = $((N / 2)) &&
	eport-ls | sed 1d | cut -f5 | sort >refs &&
	jq -r .ref all.jsonl | sort >expect &&
	test_cmp expect refs &&
	eport-ls -s received | sed 1d | wc -l >n && echo $((N / 2)) >expect && test_cmp expect n &&
	eport-ls -s ready | sed 1d | cut -f1 >ready && cut -f1 B >expect && test_cmp expect ready &&
	eport-ls -s shipped | sed 1d | cut -f1 >shipped && cut -f1 A >expect && test_cmp expect shipped &&
	eport-order ls -j | jq -r "select(.status == \"待提货\") | .order" | sort >orders &&
	jq -r .order all.jsonl | sort >expect && test_cmp expect orders
'

test_expect_success 'nothing doubled: one accept per case, one claim per order' '
	eport-log -j <B | jq -r "select(.action == \"accept\") | .id" | sort | uniq -c |
		awk "\$1 != 1" >doubled &&
	test_cmp /dev/null doubled &&
	eport-order ls -j | jq -r ".case // empty" | sort | uniq -d >dup &&
	test_cmp /dev/null dup &&
	test $(eport-order ls -j | jq -r ".case // empty" | wc -l) = $N
'

test_expect_success 'every ref matches its case; git and LMDB agree' '
	refs_match &&
	{ git --git-dir="$EPORT_HOME/docs.git" fsck --strict --no-dangling 2>&1 | grep -v "^notice: HEAD" >gf || :; } &&
	test_cmp /dev/null gf
'

done_testing
