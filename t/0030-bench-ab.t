#!/bin/sh
# bench/ab (make bench-ab): two builds' intake and check, in turn, the old
# one the baseline.  Here the build against itself, on 20 cases, once each:
# it must take every case in on both sides and print a row for each measure.
. "$EPORT_SRC/t/lib.sh"

AB=$EPORT_SRC/bench/ab

test_expect_success 'a build against itself: a row for intake and one for check' '
	BENCH_N=20 BENCH_RUNS=1 "$AB" "$EPORT_BIN" "$EPORT_BIN" "$TRASH/data" >out 2>err &&
	grep -q "^bench/ab: generating 20 cases" err &&
	test "$(grep -c "^bench/ab: run 1, \(old\|new\): intake [0-9]* us, check [0-9]* us$" err)" -eq 2 &&
	grep "^| " out | cut -d"|" -f2 >rows &&
	printf " %s \n" measure "intake 20 cases" "check 20 cases" >expect &&
	test_cmp expect rows &&
	grep -q "^| intake 20 cases | [0-9.]* s | [0-9.]* s | [0-9.]* |$" out
'

test_expect_success 'the same cases again: not made anew' '
	BENCH_N=20 BENCH_RUNS=1 "$AB" "$EPORT_BIN" "$EPORT_BIN" "$TRASH/data" >out 2>err &&
	! grep -q generating err
'

test_expect_success 'a directory without the commands: refused, status 2' '
	mkdir empty &&
	test_expect_code 2 "$AB" empty "$EPORT_BIN" "$TRASH/data" >out 2>err &&
	echo "bench/ab: '"'"'$TRASH/empty/eport-init'"'"' not built" >expect &&
	test_cmp expect err
'

done_testing
