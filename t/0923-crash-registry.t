#!/bin/sh
# The registry's ref under kill -9 (DESIGN.md section 9): eport-order
# import, one transaction and one registry commit per file, killed at random
# moments, round after round.  What it printed is stored and on the
# registry's tree; eport-fsck -r leaves a store whose registry ref is
# LMDB's commit and whose tree is LMDB's records (eport-fsck checks both),
# and git fsck finds it sound; the same files again complete the import.
. "$(dirname "$0")/lib.sh"

FILES=40
PER=25
ROUNDS=10
seed=${EPORT_CRASH_SEED:-$$}
echo "# $FILES files of $PER orders, $ROUNDS rounds, seed $seed (EPORT_CRASH_SEED to replay)"

test_expect_success "setup: $FILES order exports of $PER orders each" '
	eport-init &&
	mkdir in &&
	f=1 && while [ $f -le $FILES ]; do
		{ echo "订单号,订单时间,订单状态,关区,取货方式,商品,数量,金额";
		  i=0 && while [ $i -lt $PER ]; do
			printf "NF202611%02d%02d%02d%02d%03d,2026-11-20 09:00:00,待提货,厦门分中心,关区取货,读卡器,1,150.00\n" \
				$((f % 28 + 1)) $((f % 24)) $((i / 60)) $((i % 60)) $f
			i=$((i + 1))
		  done; } >in/o$f.csv || return 1
		f=$((f + 1))
	done &&
	cat in/*.csv | grep -c "^NF" >n && echo $((FILES * PER)) >expect && test_cmp expect n &&
	: >printed
'

complete() {
	if [ -n "$(tail -c 1 "$1")" ]; then sed '$d' "$1"; else cat "$1"; fi
}

round=1
while [ $round -le $ROUNDS ]; do
	delay=$(awk -v s="$seed" -v r=$round 'BEGIN { srand(s * 100 + r); printf "%.2f", 0.05 + rand() * 1.2 }')
	test_expect_success "round $round: killed after ${delay}s; what it printed is stored and recorded" '
		{ (cd in && exec eport-order import $(ls | awk -v r=$round "NR > (r - 1) * 4")) \
			>out.$round 2>err.$round & } &&
		pid=$! &&
		sleep $delay &&
		{ kill -KILL $pid 2>/dev/null || :; } &&
		{ wait $pid; rc=$?; } &&
		{ test $rc = 137 || test $rc = 0; } &&
		complete err.$round >errs && test_cmp /dev/null errs &&
		complete out.$round | sed 1d | cut -f1 | sort >got &&
		eport-order ls | sed 1d | cut -f1 | sort >stored &&
		comm -23 got stored >lost && test_cmp /dev/null lost &&
		sort -u printed got >all && mv all printed
	'
	echo "# round $round: exit ${rc-?}, $(complete out.$round | sed 1d | wc -l) orders printed"
	round=$((round + 1))
done

age_debris

test_expect_success 'eport-fsck -r; then eport-fsck, its registry checks among them, finds nothing' '
	{ eport-fsck -r 2>/dev/null || :; } &&
	eport-fsck >out 2>err && test_cmp /dev/null out && test_cmp /dev/null err &&
	{ git --git-dir="$EPORT_HOME/docs.git" fsck --strict --no-dangling >gf 2>&1 || :; } &&
	{ grep -v "^notice: HEAD" gf >bad || :; } && test_cmp /dev/null bad
'

test_expect_success 'every order printed is on the registry tree, one blob each' '
	git --git-dir="$EPORT_HOME/docs.git" ls-tree -r --name-only refs/eport/XM/registry |
		sed -n "s|^orders/.*/||p" | sort >tree &&
	comm -23 printed tree >missing && test_cmp /dev/null missing &&
	eport-order ls | sed 1d | cut -f1 | sort >stored && test_cmp stored tree
'

test_expect_success 'the same files again complete the import; one registry commit per file' '
	git --git-dir="$EPORT_HOME/docs.git" rev-list --count refs/eport/XM/registry >before &&
	(cd in && eport-order import o*.csv) >final.out 2>final.err &&
	test_cmp /dev/null final.err &&
	eport-order ls | sed 1d | wc -l >n && echo $((FILES * PER)) >expect && test_cmp expect n &&
	git --git-dir="$EPORT_HOME/docs.git" rev-list --count refs/eport/XM/registry >after &&
	test $(cat after) -le $(($(cat before) + FILES)) &&
	eport-fsck
'

done_testing
