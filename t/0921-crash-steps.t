#!/bin/sh
# eport-review (a batch) and eport-ship mark killed with SIGKILL at random
# moments: every case whose line was printed has the step, eport-fsck -r
# leaves a sound store, and the same input again completes the work with no
# step taken twice.
. "$(dirname "$0")/lib.sh"

N=400
ROUNDS=6
seed=${EPORT_CRASH_SEED:-$$}
echo "# $N cases, $ROUNDS rounds each, seed $seed (EPORT_CRASH_SEED to replay)"

test_expect_success "setup: $N reader cases checked, batches of 20" '
	eport-init &&
	git config -f "$EPORT_HOME/config" store.batch-records 20 &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	reader_cases $N K 11 >all.jsonl &&
	reader_orders all.jsonl >orders.tsv && eport-order import orders.tsv >/dev/null &&
	eport-apply all.jsonl | eport-check -q >checked &&
	sed 1d checked >ids &&
	test $(wc -l <ids) = $N &&
	{ printf "id\ttracking\n"; awk "{ printf \"%s\t11800%08d\n\", \$1, NR }" ids; } >marks &&
	: >printed
'

# the lines of FILE that were written whole (a kill may cut the last one)
complete() {
	if [ -n "$(tail -c 1 "$1")" ]; then sed '$d' "$1"; else cat "$1"; fi
}

# span NAME INPUT CMD...: CMD run whole on a copy of the store; the
# milliseconds it took go to NAME.span, so that the kills land inside a
# run however fast this machine (or this build) is
span() {
	name=$1 input=$2
	shift 2
	rm -rf span.home && cp -R "$EPORT_HOME" span.home &&
	t0=$(date +%s%N) &&
	EPORT_HOME=$PWD/span.home "$@" <"$input" >span.out 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000)) >"$name.span" &&
	rm -rf span.home &&
	test -s span.out
}

# delay NAME ROUND: seconds into a run of NAME, somewhere in its first 80%
delay() {
	awk -v s="$seed" -v r="$2" -v ms="$(cat "$1.span")" \
	    'BEGIN { srand(s * 100 + r); printf "%.3f", (5 + rand() * ms * 0.8) / 1000 }'
}

# killed NAME ROUND INPUT CMD...: CMD reading INPUT in the background,
# SIGKILLed after a delay; its output in NAME.ROUND
killed() {
	name=$1 r=$2 input=$3
	shift 3
	"$@" <"$input" >"$name.$r" 2>"$name.$r.err" &
	pid=$!
	sleep "$(delay "$name" "$r")"
	kill -KILL $pid 2>/dev/null
	wait $pid
	rc=$?
	echo $rc >"$name.$r.rc"
	{ test $rc = 137 || test $rc = 0 || test $rc = 1; }
}

test_expect_success 'a whole review, timed on a copy of the store' '
	span review ids env EPORT_USER=bob eport-review accept -m ok &&
	echo "# a review of $N cases takes $(cat review.span) ms"
'

r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "review round $r: what it printed is decided" '
		killed review $r ids env EPORT_USER=bob eport-review accept -m ok &&
		complete review.$r | sed 1d | cut -f1 >done.$r &&
		for id in $(cat done.$r); do
			test "$(eport-show $id | jq -r .state)" = ready || return 1
		done
	'
	r=$((r + 1))
done

# a kill may land before the first batch (or after the last): the rounds
# are of use only if some stopped a command that had printed something
test_expect_success 'some review round was killed after it had printed' '
	for r in $(seq $ROUNDS); do
		test "$(cat review.$r.rc)" = 137 && test -s done.$r && return 0
	done
	return 1
'

test_expect_success 'review: eport-fsck -r, then the store is sound' '
	age_debris;
	eport-fsck -r 2>/dev/null &&
	eport-fsck &&
	git --git-dir="$EPORT_HOME/docs.git" count-objects -v | grep -x "garbage: 0"
'

test_expect_success 'review again: every case decided, each accepted once' '
	EPORT_USER=bob eport-review accept -m ok <ids >again 2>again.err;
	test $(eport-ls -s ready | sed 1d | wc -l) = $N &&
	eport-log -j <ids | jq -r "select(.action == \"accept\") | .id" | sort | uniq -c |
		awk "\$1 != 1" >doubled &&
	test_cmp /dev/null doubled
'

test_expect_success 'a whole run of marks, timed on a copy of the store' '
	span mark marks env EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark &&
	echo "# marking $N cases takes $(cat mark.span) ms"
'

r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "mark round $r: what it printed is shipped with its number" '
		killed mark $r marks env EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark &&
		complete mark.$r | sed 1d >done.$r &&
		while IFS="	" read -r id state tracking; do
			test "$(eport-show $id | jq -r "[.state, .outbound.tracking] | @tsv")" = "shipped	$tracking" ||
				return 1
		done <done.$r
	'
	r=$((r + 1))
done

test_expect_success 'mark again after eport-fsck -r: every case shipped once, the store sound' '
	age_debris;
	eport-fsck -r 2>/dev/null &&
	EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark <marks >again 2>again.err;
	test $(eport-ls -s shipped | sed 1d | wc -l) = $N &&
	eport-log -j <ids | jq -r "select(.action == \"ship\") | .id" | sort | uniq -c |
		awk "\$1 != 1" >doubled &&
	test_cmp /dev/null doubled &&
	eport-fsck &&
	git --git-dir="$EPORT_HOME/docs.git" fsck --strict --no-dangling 2>&1 | grep -v "^notice: HEAD" >gf;
	test_cmp /dev/null gf
'

done_testing
