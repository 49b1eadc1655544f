#!/bin/sh
# eport-review accept (a batch), eport-amend, eport-ship mark, eport-ship
# collect and eport-review withdraw killed with SIGKILL at random moments:
# every case whose line was printed has the step, eport-fsck -r leaves a
# sound store, and the same input again completes the work with no step
# taken twice.
. "$(dirname "$0")/lib.sh"

N=400
ROUNDS=6
seed=${EPORT_CRASH_SEED:-$$}
echo "# $N cases, $ROUNDS rounds each, seed $seed (EPORT_CRASH_SEED to replay)"

W=$((N / 2))	# the cases to withdraw, beside the N that go all the way

test_expect_success "setup: $N + $W reader cases checked, batches of 20" '
	eport-init &&
	git config -f "$EPORT_HOME/config" store.batch-records 20 &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	reader_cases $N K 11 >all.jsonl &&
	reader_cases $W W 12 >w.jsonl &&
	cat all.jsonl w.jsonl >both.jsonl && reader_orders both.jsonl >orders.tsv &&
	eport-order import orders.tsv >/dev/null &&
	eport-apply all.jsonl | eport-check -q >checked &&
	sed 1d checked >ids &&
	test $(wc -l <ids) = $N &&
	eport-apply w.jsonl | eport-check -q | sed 1d >wids &&
	test $(wc -l <wids) = $W &&
	{ printf "id\ttracking\n"; awk "{ printf \"%s\t11800%08d\n\", \$1, NR }" ids; } >marks &&
	{ printf "id\tpath\tvalue\n"; awk "{ printf \"%s\tmail.phone\t139%08d\n\", \$1, NR }" ids; } >fixes &&
	: >printed
'

# shown FILE JQ: JQ over the cases whose ids FILE holds, one eport-show
shown() {
	test -s "$1" || return 0
	eport-show $(cat "$1") </dev/null | jq -r "$2"
}

# once ACTION FILE: each case of FILE has exactly one ACTION event
once() {
	eport-log -j <"$2" | jq -r "select(.action == \"$1\") | .id" | sort | uniq -c |
		awk "\$1 != 1" >doubled &&
	test_cmp /dev/null doubled &&
	test $(eport-log -j <"$2" | jq -r "select(.action == \"$1\") | .id" | wc -l) = $(wc -l <"$2")
}

# cut_short NAME: some round of NAME was killed after it had printed.  Under
# load a run may end before its kill, or every kill land before the first
# batch: then the rounds proved less, and the test says so (a skip), since
# failing would make it fail at random.
cut_short() {
	for r in $(seq $ROUNDS); do
		test "$(cat "$1.$r.rc")" = 137 && test -s "done.$1.$r" && return 0
	done
	return 1
}

# slices FILE NAME: FILE's lines cut into one slice per round, NAME.1 ...
# NAME.$ROUNDS, so that every round finds work left (a step is not taken
# twice); the steps run in batches of 5, so that a kill in a slice's run
# lands after its first batch more often than not
slices() {
	n=$(( ($(wc -l <"$1") + ROUNDS - 1) / ROUNDS ))
	for i in $(seq $ROUNDS); do
		sed -n "$(( (i - 1) * n + 1 )),$(( i * n ))p" "$1" >"$2.$i"
	done
}

# hslices FILE NAME: the same for rows under a header line, which each
# slice keeps
hslices() {
	sed 1d "$1" >"$2.body" &&
	slices "$2.body" "$2.rows" &&
	for i in $(seq $ROUNDS); do
		{ sed 1q "$1" && cat "$2.rows.$i"; } >"$2.$i"
	done
}

# sound: after eport-fsck -r (debris aged), the store checks clean
sound() {
	age_debris;
	eport-fsck -r 2>/dev/null &&
	eport-fsck &&
	git --git-dir="$EPORT_HOME/docs.git" fsck --strict --no-dangling 2>&1 | grep -v "^notice: HEAD" >gf;
	test_cmp /dev/null gf
}

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

test_expect_success 'a review, timed on a copy of the store' '
	git config -f "$EPORT_HOME/config" store.batch-records 5 &&
	slices ids rids &&
	span review rids.1 env EPORT_USER=bob eport-review accept -m ok &&
	echo "# a review of $(wc -l <rids.1) cases takes $(cat review.span) ms"
'

r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "review round $r: what it printed is decided" '
		killed review $r rids.$r env EPORT_USER=bob eport-review accept -m ok &&
		complete review.$r | sed 1d | cut -f1 >done.$r && cp done.$r done.review.$r &&
		awk "{ print \$1 \"\tready\" }" done.$r >expect &&
		shown done.$r "[.id, .state] | @tsv" >actual &&
		test_cmp expect actual
	'
	r=$((r + 1))
done

if cut_short review; then
	test_ok_ 'some review round was killed after it had printed'
else
	test_skip "no review round was killed after it had printed (seed $seed)"
fi

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

test_expect_success 'a run of corrections, timed on a copy of the store' '
	hslices fixes fix &&
	span amend fix.1 env EPORT_USER=carol eport-amend -m 电话有误 &&
	echo "# correcting $(sed 1d fix.1 | wc -l) cases takes $(cat amend.span) ms"
'

r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "amend round $r: what it printed has the new phone" '
		killed amend $r fix.$r env EPORT_USER=carol eport-amend -m 电话有误 &&
		complete amend.$r | sed 1d | cut -f1 >done.$r && cp done.$r done.amend.$r &&
		grep -F -f done.$r fixes | cut -f 1,3 | sort >expect &&
		shown done.$r "[.id, .mail.phone] | @tsv" | sort >actual &&
		test_cmp expect actual
	'
	r=$((r + 1))
done

if cut_short amend; then
	test_ok_ 'some amend round was killed after it had printed'
else
	test_skip "no amend round was killed after it had printed (seed $seed)"
fi

test_expect_success 'amend again after eport-fsck -r: every case corrected once, the store sound' '
	sound &&
	EPORT_USER=carol eport-amend -m 电话有误 <fixes >again 2>again.err;
	test_cmp /dev/null again.err &&
	sed 1d fixes | cut -f 1,3 | sort >expect &&
	shown ids "[.id, .mail.phone] | @tsv" | sort >actual &&
	test_cmp expect actual &&
	once amend ids &&
	test $(eport-ls -s ready | sed 1d | wc -l) = $N &&
	eport-fsck
'

test_expect_success 'a run of marks, timed on a copy of the store' '
	hslices marks mk &&
	span mark mk.1 env EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark &&
	echo "# marking $(sed 1d mk.1 | wc -l) cases takes $(cat mark.span) ms"
'

r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "mark round $r: what it printed is shipped with its number" '
		killed mark $r mk.$r env EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark &&
		complete mark.$r | sed 1d >printed.$r &&
		cut -f 1 printed.$r >done.$r && cp done.$r done.mark.$r &&
		awk -F "\t" "{ print \$1 \"\tshipped\t\" \$3 }" printed.$r >expect &&
		shown done.$r "[.id, .state, .outbound.tracking] | @tsv" >actual &&
		test_cmp expect actual
	'
	r=$((r + 1))
done

if cut_short mark; then
	test_ok_ 'some mark round was killed after it had printed'
else
	test_skip "no mark round was killed after it had printed (seed $seed)"
fi

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

test_expect_success 'every parcel came back; a run of collections, timed on a copy' '
	EPORT_NOW=2026-11-30T11:00:00+08:00 eport-ship bounce -m 收件人拒收 <ids >/dev/null &&
	test $(eport-ls -s bounced | sed 1d | wc -l) = $N &&
	slices ids cids &&
	span collect cids.1 env EPORT_USER=carol eport-ship collect -f 44 -m "黄文杰 35021119951120017X" &&
	echo "# collecting $(wc -l <cids.1) cases takes $(cat collect.span) ms"
'

r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "collect round $r: what it printed is collected, the freight paid" '
		killed collect $r cids.$r env EPORT_USER=carol eport-ship collect -f 44 -m "黄文杰 35021119951120017X" &&
		complete collect.$r | sed 1d | cut -f1 >done.$r && cp done.$r done.collect.$r &&
		awk "{ print \$1 \"\tcollected\t44\" }" done.$r >expect &&
		shown done.$r "[.id, .state, .collected.freight] | @tsv" >actual &&
		test_cmp expect actual
	'
	r=$((r + 1))
done

if cut_short collect; then
	test_ok_ 'some collect round was killed after it had printed'
else
	test_skip "no collect round was killed after it had printed (seed $seed)"
fi

test_expect_success 'collect again after eport-fsck -r: every case collected once, the store sound' '
	sound &&
	EPORT_USER=carol eport-ship collect -f 44 -m "黄文杰 35021119951120017X" <ids >again 2>again.err;
	test $(eport-ls -s collected | sed 1d | wc -l) = $N &&
	once collect ids &&
	eport-fsck
'

test_expect_success "the other $W cases accepted; a withdrawal, timed on a copy" '
	EPORT_USER=bob eport-review accept -m ok <wids >/dev/null &&
	test $(eport-ls -s ready | sed 1d | wc -l) = $W &&
	slices wids wslice &&
	span withdraw wslice.1 env EPORT_USER=bob eport-review withdraw -m 企业撤回 &&
	echo "# withdrawing $(wc -l <wslice.1) cases takes $(cat withdraw.span) ms"
'

r=1
while [ $r -le $ROUNDS ]; do
	test_expect_success "withdraw round $r: what it printed is withdrawn, its order free" '
		killed withdraw $r wslice.$r env EPORT_USER=bob eport-review withdraw -m 企业撤回 &&
		complete withdraw.$r | sed 1d | cut -f1 >done.$r && cp done.$r done.withdraw.$r &&
		awk "{ print \$1 \"\twithdrawn\" }" done.$r >expect &&
		shown done.$r "[.id, .state] | @tsv" >actual &&
		test_cmp expect actual &&
		shown done.$r .order >orders &&
		{ test ! -s orders || eport-order ls $(cat orders) 2>/dev/null | sed 1d | cut -f7 | sed "/^\$/d" >held; } &&
		{ test ! -s orders || test_cmp /dev/null held; }
	'
	r=$((r + 1))
done

if cut_short withdraw; then
	test_ok_ 'some withdraw round was killed after it had printed'
else
	test_skip "no withdraw round was killed after it had printed (seed $seed)"
fi

test_expect_success 'withdraw again after eport-fsck -r: every case withdrawn once, no order held' '
	sound &&
	EPORT_USER=bob eport-review withdraw -m 企业撤回 <wids >again 2>again.err;
	test $(eport-ls -s withdrawn | sed 1d | wc -l) = $W &&
	once withdraw wids &&
	eport-order ls | cut -f 7 | grep -c "^XM" >held;
	echo $N >expect && test_cmp expect held &&
	eport-fsck
'

done_testing
