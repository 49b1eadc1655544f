#!/bin/sh
# eport-cal: working days, the hall-hours rule and posting days.
. "$EPORT_SRC/t/lib.sh"

# cal_case ARGS STDOUT STATUS STDERR: one line of t/data/cal.tsv ("-": none;
# @OFFICE@ in STDERR: the office's file, $EPORT_HOME/holidays.tsv)
cal_case() {
	set -f
	[ "$1" = - ] && set -- "" "$2" "$3" "$4"
	# shellcheck disable=SC2086
	eport-cal $1 >actual 2>actual.err
	status=$?
	set +f
	: >expect
	: >expect.err
	[ "$2" = - ] || printf '%s\n' "$2" >expect
	[ "$4" = - ] || printf '%s\n' "$4" | sed "s|@OFFICE@|$EPORT_HOME/holidays.tsv|" >expect.err
	test_cmp expect actual && test_cmp expect.err actual.err || return 1
	[ "$status" = "$3" ] || { echo "exit status $status, not $3"; return 1; }
}

while IFS='	' read -r what args out code err; do
	case $what in '' | '#'*) continue ;; esac
	test_expect_success "$what: eport-cal $args" \
		'cal_case "$args" "$out" "$code" "$err"'
done <"$DATA/cal.tsv"

# DESIGN.md section 8: from 1 December, while next year is missing
ahead="eport-cal: warning: 2027 is not in the calendar yet: add its holidays and make-up working days, from the State Council's notice, to @OFFICE@; until then a count of working days that reaches 2027 fails"

test_expect_success 'from 1 December every count warns while next year is missing' '
	EPORT_NOW=2026-11-30T23:59:59 cal_case 2026-12-01 2026-12-02 0 - &&
	EPORT_NOW=2026-12-01T00:00:00 cal_case 2026-12-01 2026-12-02 0 "$ahead" &&
	EPORT_NOW=2026-12-02T09:00:00 cal_case "-p renew 2026-12-02T09:00" 2026-12-04 0 "$ahead" &&
	EPORT_NOW=2026-12-31T16:00:00 cal_case "-w 2026-12-31" - 0 "$ahead" &&
	EPORT_NOW=2025-12-15T09:00:00 cal_case 2025-12-15 2025-12-16 0 -
'

test_expect_success 'the error, not the warning too, when a count reaches the missing year' '
	EPORT_NOW=2026-12-02T09:00:00 cal_case "-n 3 2026-12-29" - 2 \
		"eport-cal: 2027 is not in the calendar: add its holidays and make-up working days, from the State Council'\''s notice, to @OFFICE@"
'

test_expect_success 'the cron line stops with the message on a day the calendar does not hold' '
	rm -f cron.out &&
	test_expect_code 2 env EPORT_NOW=2027-01-01T08:30:00 sh -c "eport-cal -w && echo manifest >cron.out" 2>err &&
	test ! -e cron.out &&
	grep -q "^eport-cal: 2027 is not in the calendar: " err
'

test_expect_success 'the office file adds days, and later lines win' '
	mkdir -p "$EPORT_HOME" &&
	cp "$DATA/cal-office.tsv" "$EPORT_HOME/holidays.tsv" &&
	cal_case 2026-11-26 2026-11-30 0 - &&
	cal_case "-w 2026-10-07" - 0 - &&
	cal_case "-w 2026-12-01" - 0 - &&
	cal_case "-p renew 2026-11-26T10:00" 2026-12-01 0 -
'

test_expect_success 'a year the office file adds is covered: no warning' '
	cal_case 2026-12-31 2027-01-04 0 -
'

# The office's file, as eport-cal(1) tells the office to write it.  These
# 2027 lines are made up for the test: the State Council's notice for 2027
# is not in facts/holidays-cn.tsv, and share/eport/holidays.tsv holds none.
test_expect_success 'adding the year to the office file makes the counts work, and the warning go' '
	printf "date\tkind\tname\n2027-01-01\tholiday\ttest: not the notice\n2027-01-02\tworkday\ttest: not the notice\n" \
		>"$EPORT_HOME/holidays.tsv" &&
	cal_case "-n 3 2026-12-29" 2027-01-02 0 - &&
	cal_case "-w 2027-01-01" - 1 - &&
	cal_case "-w 2027-01-02" - 0 - &&
	cal_case "-w 2027-01-04" - 0 - &&
	EPORT_NOW=2026-12-02T09:00:00 cal_case 2026-12-31 2027-01-02 0 - &&
	EPORT_NOW=2027-12-01T09:00:00 cal_case "-n 0 2027-12-01" 2027-12-01 0 \
		"eport-cal: warning: 2028 is not in the calendar yet: add its holidays and make-up working days, from the State Council'\''s notice, to @OFFICE@; until then a count of working days that reaches 2028 fails"
'

test_expect_success 'an office file with CRLF line ends' '
	cp "$DATA/cal-crlf.tsv" "$EPORT_HOME/holidays.tsv" &&
	cal_case 2026-11-26 2026-11-30 0 -
'

# bad_line LINE MESSAGE: LINE as line 2 of the office file
bad_line() {
	printf "# office\n$1\n" >"$EPORT_HOME/holidays.tsv" &&
	cal_case 2026-11-26 - 2 "eport-cal: $EPORT_HOME/holidays.tsv:2: $2"
}

test_expect_success 'a bad line in the office file is an error with file:line' '
	bad_line "2026-02-30\tholiday\tx" "'\''2026-02-30'\'': not a valid date" &&
	bad_line "2026-2-3\tholiday\tx" "'\''2026-2-3'\'': not a valid date" &&
	bad_line "2026-11-27\tclosed\tx" "'\''closed'\'': kind is not holiday or workday" &&
	bad_line "2026-11-27 holiday x" "expected date, kind and name separated by tabs" &&
	bad_line "2026-11-27\tholiday\tx\ty" "expected date, kind and name separated by tabs"
'

test_expect_success 'without EPORT_HOME: $XDG_DATA_HOME/eport/holidays.tsv' '
	mkdir -p xdg/eport &&
	cp "$DATA/cal-crlf.tsv" xdg/eport/holidays.tsv &&
	echo 2026-11-30 >expect &&
	(unset EPORT_HOME; XDG_DATA_HOME=$TRASH/xdg eport-cal 2026-11-26) >actual &&
	test_cmp expect actual
'

test_expect_success 'without either: ~/.local/share/eport/holidays.tsv' '
	mkdir -p h/.local/share/eport &&
	cp "$DATA/cal-crlf.tsv" h/.local/share/eport/holidays.tsv &&
	(unset EPORT_HOME; HOME=$TRASH/h eport-cal 2026-11-26) >actual &&
	test_cmp expect actual
'

test_expect_success 'no calendar at all is an error' '
	rm -f "$EPORT_HOME/holidays.tsv" &&
	echo "eport-cal: $TRASH/none/holidays.tsv: No such file or directory" >expect &&
	test_expect_code 2 env EPORT_SHARE=$TRASH/none eport-cal 2026-11-26 2>actual &&
	test_cmp expect actual
'

test_expect_success 'usage: -h on stdout, mistakes on stderr with status 2' '
	eport-cal -h >actual &&
	grep -q "^usage: eport-cal \[-H HOURS\] \[-n N\] \[DATE\]" actual &&
	test_expect_code 2 eport-cal 2026-11-26 2026-11-27 2>actual &&
	grep -q "^usage: eport-cal" actual &&
	test_expect_code 2 eport-cal -w -p onboard 2>actual &&
	grep -q "^usage: eport-cal" actual &&
	test_expect_code 2 eport-cal -x 2>/dev/null
'

test_expect_success 'an answer past 9999 is out of range' '
	echo "eport-cal: '\''9999-12-31'\'': out of range" >expect &&
	test_expect_code 2 eport-cal 9999-12-31 2>actual &&
	test_cmp expect actual
'

# The EXAMPLES of eport-cal(1), as printed there.
test_expect_success 'the man page examples' '
	cat >expect <<-\EOT &&
	2026-10-08
	working day
	2026-12-03
	EOT
	{
		eport-cal -n 3 2026-09-28 &&
		{ eport-cal -w 2026-10-10 && echo working day; } &&
		eport-cal -p info-change 2026-11-27T17:30
	} >actual &&
	test_cmp expect actual &&
	echo "eport-cal: 2027 is not in the calendar: add its holidays and make-up working days, from the State Council'\''s notice, to /srv/eport/holidays.tsv" >expect &&
	test_expect_code 2 env EPORT_HOME="$TRASH/srv" eport-cal -n 3 2026-12-29 >out 2>&1 &&
	sed "s|$TRASH/srv|/srv/eport|" out >actual &&
	test_cmp expect actual
'

# "Adding a year" in eport-cal(1): how the office checks what it added,
# shown on the 2026 notice's New Year
test_expect_success 'the man page: checking the lines of a notice' '
	printf "1\n0\n2026-01-05\n" >expect &&
	{
		eport-cal -w 2026-01-02; echo $?
		eport-cal -w 2026-01-04; echo $?
		eport-cal -n 3 2025-12-30
	} >actual &&
	test_cmp expect actual
'

test_expect_success 'office.hours in the store config sets the hall hours' '
	mkdir -p hours-store &&
	printf "[office]\n\thours = 09:00-11:00\n" >hours-store/config &&
	EPORT_HOME=$PWD/hours-store eport-cal -n 0 2026-11-26T11:30 >actual &&
	echo 2026-11-27 >expect &&
	test_cmp expect actual &&
	EPORT_HOME=$PWD/hours-store eport-cal -H 08:30-12:00 -n 0 2026-11-26T11:30 >actual &&
	echo 2026-11-26 >expect &&
	test_cmp expect actual
'

done_testing
