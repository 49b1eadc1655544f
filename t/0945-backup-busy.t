#!/bin/sh
# eport-backup while the office works (DESIGN.md section 9): backups in a
# loop beside four writers (intake, review, shipping marks, an order
# import), each backup consistent (its LMDB copy names exactly its refs);
# the last one verifies and restores every case and record; a backup
# killed at random moments leaves the previous one verifying, and the next
# backup completes it.
. "$(dirname "$0")/lib.sh"

N=400
ROUNDS=8
seed=${EPORT_CRASH_SEED:-$$}
echo "# $N cases, $ROUNDS kills, seed $seed (EPORT_CRASH_SEED to replay)"

# consistent DEST: the commits DEST's LMDB copy names are DEST's refs
consistent() {
	rm -rf chk && mkdir -p chk/db && cp "$1/db/data.mdb" chk/db/ &&
	EPORT_HOME=$TRASH/chk eport-ls | sed 1d | cut -f1 |
		EPORT_HOME=$TRASH/chk eport-show | jq -r "\"\(.commit) refs/cases/\(.id)\"" | sort >copy.refs &&
	git --git-dir="$1/docs.git" for-each-ref --format="%(objectname) %(refname)" refs/cases |
		sort >dest.refs &&
	test_cmp copy.refs dest.refs
}

test_expect_success "setup: $N reader cases by post, half of them taken in and checked" '
	reader_store $N C 10 &&
	eport-apply old.jsonl >old.ids &&
	eport-check -q <old.ids >checked &&
	sed -n "2,$((N / 4 + 1))p" checked >A &&
	sed -n "$((N / 4 + 2)),\$p" checked >B &&
	EPORT_USER=bob eport-review accept <A >/dev/null &&
	{ printf "id\ttracking\n"; awk "{ printf \"%s\t11800%08d\n\", \$1, NR }" A; } >marks.tsv &&
	{ echo "订单号,订单状态,关区,取货方式,商品,数量";
	  jq -r "[.order, \"待提货\", \"厦门分中心\", \"关区取货\", \"读卡器\", 1] | @csv" all.jsonl; } >orders.csv &&
	eport-backup bk >/dev/null && eport-backup -V bk
'

test_expect_success 'backups in a loop beside four writers: all succeed, each consistent' '
	{ timed apply eport-apply new.jsonl & } &&
	p1=$! &&
	{ timed review env EPORT_USER=bob eport-review accept -m ok <B & } &&
	p2=$! &&
	{ timed mark env EPORT_USER=carol EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark <marks.tsv & } &&
	p3=$! &&
	{ timed order eport-order import orders.csv & } &&
	p4=$! &&
	n=0 && : >backup.err &&
	while kill -0 $p1 2>/dev/null || kill -0 $p2 2>/dev/null || kill -0 $p3 2>/dev/null ||
	    kill -0 $p4 2>/dev/null; do
		eport-backup bk >/dev/null 2>>backup.err && consistent bk || return 1
		n=$((n + 1))
	done &&
	wait $p1 && wait $p2 && wait $p3 && wait $p4 &&
	cat apply.err review.err mark.err order.err backup.err >errs &&
	test_cmp /dev/null errs &&
	echo "# $n backups while the writers ran" &&
	test $n -ge 2
'

test_expect_success 'the last backup, taken after them, verifies and restores everything' '
	eport-backup bk >/dev/null && consistent bk &&
	eport-backup -V bk >out 2>err && test_cmp /dev/null out && test_cmp /dev/null err &&
	EPORT_HOME=$TRASH/restored eport-init --from bk &&
	eport-ls >expect && EPORT_HOME=$TRASH/restored eport-ls >actual && test_cmp expect actual &&
	test $(($(wc -l <actual) - 1)) = $N &&
	eport-order ls >expect && EPORT_HOME=$TRASH/restored eport-order ls >actual &&
	test_cmp expect actual &&
	mdb_dump -a "$EPORT_HOME/db" >expect && mdb_dump -a restored/db >actual &&
	test_cmp expect actual
'

# Each round: a step on a few cases (new refs and objects for the backup to
# carry), then a backup killed after a random delay.  The previous backup
# (or, killed after its refs moved, the new one) verifies.
round=1
while [ $round -le $ROUNDS ]; do
	delay=$(awk -v s="$seed" -v r=$round 'BEGIN { srand(s * 100 + r); printf "%.3f", rand() * 0.3 }')
	test_expect_success "round $round: a backup killed after ${delay}s leaves one that verifies" '
		sed -n "$((round * 4 + 2)),$((round * 4 + 5))p" B | cut -f1 >steps &&
		{ printf "id\ttracking\n"; awk -v r=$round "{ printf \"%s\t1190%02d%07d\n\", \$1, r, NR }" steps; } |
			EPORT_USER=dave EPORT_NOW=2026-11-28T10:00:00+08:00 eport-ship mark >/dev/null &&
		{ eport-backup bk >out.$round 2>err.$round & } &&
		pid=$! &&
		sleep $delay &&
		{ kill -KILL $pid 2>/dev/null || :; } &&
		{ wait $pid; rc=$?; } &&
		{ test $rc = 137 || test $rc = 0; } &&
		eport-backup -V bk 2>verify.err.$round &&
		! grep -v "its LMDB copy is older than its refs" verify.err.$round
	'
	echo "# round $round: exit ${rc-?}"
	round=$((round + 1))
done

test_expect_success 'the next backup completes what the killed ones left; it is whole' '
	eport-backup bk >/dev/null && consistent bk &&
	find bk -name "*.eport-tmp" -o -path "*/eport-incoming/*" -type f >left &&
	test_cmp /dev/null left &&
	eport-backup -V bk 2>err && test_cmp /dev/null err &&
	{ git --git-dir=bk/docs.git fsck --strict --no-dangling 2>&1 | grep -v "^notice: HEAD" >gf || :; } &&
	test_cmp /dev/null gf &&
	eport-fsck
'

done_testing
