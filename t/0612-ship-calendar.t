#!/bin/sh
# eport-ship and a calendar that ends: a posting day that falls in a year
# holidays.tsv does not hold is unknown, and due and manifest refuse (exit 2,
# the year and the file named, nothing written) so that the morning cron
# fails loudly instead of posting on a holiday; from 1 December they warn
# while next year is missing; the year added to $EPORT_HOME/holidays.tsv,
# they work again.  DESIGN.md section 8.
. "$(dirname "$0")/lib.sh"

C=XM20261126
# gap YEAR: what eport-cal and eport-ship say of a year the calendar lacks
gap() {
	echo "$1 is not in the calendar: add its holidays and make-up working days, from the State Council's notice, to $EPORT_HOME/holidays.tsv"
}
ahead="eport-ship: warning: 2027 is not in the calendar yet: add its holidays and make-up working days, from the State Council's notice, to $EPORT_HOME/holidays.tsv; until then a count of working days that reaches 2027 fails"

# accept CASE TIME: bob accepts it at TIME (reader and deregister cases go
# on to ready at once)
accept() {
	EPORT_USER=bob EPORT_NOW=$2 eport-review accept "$1" >/dev/null
}

# Two cases of t/data/ship/cases.jsonl, taken in on 2026-11-26: 0001 a
# reader case (posted the day it is accepted), 0002 a deregister case
# (posted two working days after)
test_expect_success 'setup: a reader and a deregister case, checked' '
	make_store &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	sed -n "1p;4p" "$DATA/ship/cases.jsonl" >cases.jsonl &&
	eport-apply cases.jsonl >/dev/null &&
	eport-order import "$DATA/ship/orders.tsv" >/dev/null &&
	eport-ls -s received | eport-check -q >checked &&
	printf "id\n$C-0001\n$C-0002\n" >expect &&
	test_cmp expect checked
'

test_expect_success 'from 1 December, due warns while 2027 is missing; not in November' '
	accept $C-0001 2026-12-28T10:00:00 &&
	EPORT_NOW=2026-12-28T16:00:00 eport-ship due >out 2>err &&
	cut -f1,5 out >actual &&
	printf "id\tposting\n$C-0001\t2026-12-28\n" >expect &&
	test_cmp expect actual &&
	echo "$ahead" >expect &&
	test_cmp expect err &&
	EPORT_NOW=2026-12-28T16:00:00 eport-ship manifest -n -F tsv >out 2>err &&
	test_cmp expect err &&
	EPORT_NOW=2026-11-30T16:00:00 eport-ship due >out 2>err &&
	test_cmp /dev/null err
'

test_expect_success 'due refuses while a posting day falls in 2027, naming the case, the year and the file' '
	accept $C-0002 2026-12-30T10:00:00 &&
	test_expect_code 2 env EPORT_NOW=2026-12-30T16:00:00 eport-ship due >out 2>err &&
	test_cmp /dev/null out &&
	echo "eport-ship: $C-0002: posting day unknown: $(gap 2027)" >expect &&
	test_cmp expect err &&
	test_expect_code 2 env EPORT_NOW=2026-12-30T16:00:00 eport-ship due -j >out 2>err &&
	test_cmp /dev/null out &&
	test_cmp expect err
'

test_expect_success 'the posting day is the one eport-cal cannot give either' '
	test_expect_code 2 eport-cal -p deregister 2026-12-30T10:00:00 2>err &&
	echo "eport-cal: $(gap 2027)" >expect &&
	test_cmp expect err
'

test_expect_success 'manifest refuses the same way, with -n too, and writes nothing' '
	snapshot before &&
	echo "eport-ship: $C-0002: posting day unknown: $(gap 2027)" >expect &&
	for f in csv tsv; do
		test_expect_code 2 env EPORT_NOW=2026-12-30T16:00:00 eport-ship manifest -F $f >out 2>err &&
		test_cmp /dev/null out && test_cmp expect err || return 1
	done &&
	test_expect_code 2 env EPORT_NOW=2026-12-30T16:00:00 eport-ship manifest -n >out 2>err &&
	test_cmp /dev/null out && test_cmp expect err &&
	unchanged before
'

test_expect_success 'the morning cron fails loudly, and posts nothing' '
	test_expect_code 2 env EPORT_NOW=2026-12-31T08:30:00 \
		sh -c "eport-cal -w && eport-ship manifest -e gb18030 >cron.csv" 2>err &&
	test_cmp /dev/null cron.csv &&
	{ echo "$ahead" | sed s/^eport-ship:/eport-cal:/ &&
	  echo "eport-ship: $C-0002: posting day unknown: $(gap 2027)"; } >expect &&
	test_cmp expect err &&
	unchanged before
'

test_expect_success 'a manifest day the calendar does not hold is refused with the year' '
	echo "eport-ship: $(gap 2027)" >expect &&
	test_expect_code 2 env EPORT_NOW=2027-01-04T08:30:00 eport-ship manifest >out 2>err &&
	test_cmp /dev/null out && test_cmp expect err &&
	test_expect_code 2 env EPORT_NOW=2026-12-30T08:30:00 eport-ship manifest -n 2027-01-04 >out 2>err &&
	test_cmp /dev/null out && test_cmp expect err &&
	unchanged before
'

# As eport-cal(1) says: the office adds the notice's days.  These 2027 lines
# are made up for the test; the shipped calendar holds no 2027.
test_expect_success 'with 2027 in the office file: due and manifest work, without a warning' '
	printf "2027-01-01\tholiday\ttest: not the notice\n" >"$EPORT_HOME/holidays.tsv" &&
	EPORT_NOW=2026-12-30T16:00:00 eport-ship due >out 2>err &&
	test_cmp /dev/null err &&
	cut -f1,5 out >actual &&
	printf "id\tposting\n$C-0001\t2026-12-28\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2026-12-30T16:00:00 eport-ship manifest -F tsv >out 2>err &&
	test_cmp /dev/null err &&
	cut -f1 out >actual &&
	printf "id\n$C-0001\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2027-01-04T08:30:00 eport-ship due | cut -f1,5 >actual &&
	printf "id\tposting\n$C-0001\t2026-12-28\n$C-0002\t2027-01-04\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2027-01-04T08:30:00 eport-ship manifest -F tsv | cut -f1 >actual &&
	printf "id\n$C-0002\n" >expect &&
	test_cmp expect actual
'

done_testing
