#!/bin/sh
# eport-report: the work per day and staff member, the backlog each day and
# by age, the share posted on time, the median working days per stage, from
# the index of events by time (built for a store that lacks it); the plots.
. "$(dirname "$0")/lib.sh"

C=XM20261126
accept() {
	EPORT_USER=bob EPORT_NOW=$2 eport-ship due >/dev/null &&
	EPORT_USER=bob EPORT_NOW=$2 eport-review accept "$1" >/dev/null
}
report() {
	EPORT_NOW=2026-12-02T09:00:00 eport-report "$@"
}

# The week of t/0610: six cases (t/data/ship/cases.jsonl) taken in and
# checked by alice on Thursday 11-26, accepted by bob (reader and deregister
# cases are ready at once), posted by carol on Monday 11-30 (0001 due 11-26,
# 0002 due 11-27: late; 0003 due 11-30), 0001 delivered on Tuesday.
test_expect_success 'setup: a week of work' '
	make_store &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	cp "$DATA/ship/cases.jsonl" . &&
	eport-apply cases.jsonl >/dev/null &&
	eport-order import "$DATA/ship/orders.tsv" >/dev/null &&
	eport-ls -s received | eport-check -q >checked &&
	accept $C-0001 2026-11-26T10:00:00 &&
	accept $C-0002 2026-11-26T17:30:00 &&
	accept $C-0003 2026-11-26T10:00:00 &&
	accept $C-0004 2026-11-26T12:30:00 &&
	accept $C-0005 2026-11-26T10:00:00 &&
	accept $C-0006 2026-11-27T09:00:00 &&
	EPORT_NOW=2026-11-26T16:00:00 eport-ship manifest -F tsv >/dev/null &&
	EPORT_NOW=2026-11-27T08:30:00 eport-ship manifest -F tsv >/dev/null &&
	EPORT_NOW=2026-11-30T08:30:00 eport-ship manifest -F tsv >/dev/null &&
	printf "id\ttracking\n$C-0001\t1180098765432\n$C-0002\tEE123456785CN\n$C-0003\t1180098765433\n" >t.tsv &&
	EPORT_USER=carol EPORT_NOW=2026-11-30T15:00:00 eport-ship mark <t.tsv >/dev/null &&
	EPORT_NOW=2026-12-01T11:00:00 eport-ship deliver $C-0001 >/dev/null
'

test_expect_success 'work: per day and staff member' '
	report -S 2026-11-26 -U 2026-12-01 >actual &&
	cat >expect <<-\EOT &&
	day	staff	taken	checked	accepted	written	posted	collected
	2026-11-26	alice	6	6	0	0	0	0
	2026-11-26	bob	0	0	5	0	0	0
	2026-11-27	bob	0	0	1	0	0	0
	2026-11-30	carol	0	0	0	0	3	0
	EOT
	test_cmp expect actual
'

test_expect_success 'work: the period asked for, and no more; -j' '
	report -S 2026-11-27 -U 2026-11-27 -j >actual &&
	echo "{\"day\":\"2026-11-27\",\"staff\":\"bob\",\"taken\":0,\"checked\":0,\"accepted\":1,\"written\":0,\"posted\":0,\"collected\":0}" >expect &&
	test_cmp expect actual &&
	report -S 2026-11-28 -U 2026-11-29 >actual &&
	printf "day\tstaff\ttaken\tchecked\taccepted\twritten\tposted\tcollected\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'backlog: the cases in each state at each day'\''s end' '
	report -S 2026-11-25 -U 2026-12-01 -t backlog | cut -f1,3,8,9,10,14 >actual &&
	cat >expect <<-\EOT &&
	day	checked	ready	shipped	delivered	total
	2026-11-25	0	0	0	0	0
	2026-11-26	1	5	0	0	6
	2026-11-27	0	6	0	0	6
	2026-11-28	0	6	0	0	6
	2026-11-29	0	6	0	0	6
	2026-11-30	0	3	3	0	6
	2026-12-01	0	3	2	1	6
	EOT
	test_cmp expect actual
'

# ready since 11-26 10:00 (0005), 11-26 12:30 at lunch (0004: counts from
# 11-27), 11-27 09:00 (0006); shipped 11-30; delivered 12-01
test_expect_success 'age: the backlog at UNTIL by working days in its state' '
	report -S 2026-11-26 -U 2026-12-01 -t age >actual &&
	cat >expect <<-\EOT &&
	state	cases	0-1	2-3	4-5	6-10	11+	earlier
	ready	3	0	3	0	0	0	0
	shipped	2	2	0	0	0	0	0
	delivered	1	1	0	0	0	0	0
	EOT
	test_cmp expect actual &&
	report -S 2026-11-30 -U 2026-12-01 -t age >actual &&
	cat >expect <<-\EOT &&
	state	cases	0-1	2-3	4-5	6-10	11+	earlier
	ready	3	0	0	0	0	0	3
	shipped	2	2	0	0	0	0	0
	delivered	1	1	0	0	0	0	0
	EOT
	test_cmp expect actual
'

test_expect_success 'posting: the share posted on or before its posting day' '
	report -S 2026-11-26 -U 2026-12-01 -t posting >actual &&
	cat >expect <<-\EOT &&
	day	posted	on_time	share
	2026-11-30	3	1	0.333
	total	3	1	0.333
	EOT
	test_cmp expect actual
'

# checked to accepted: 0002 (after hours), 0004 (at lunch) and 0006
# (11-27) one working day, the rest none; ready to shipped: 0001 and 0003 2
# working days (11-27, 11-30), 0002 1 (ready after hours on 11-26)
test_expect_success 'stages: cases and median working days of each stage left' '
	report -S 2026-11-26 -U 2026-12-01 -t stages >actual &&
	cat >expect <<-\EOT &&
	stage	cases	median
	received	6	0
	checked	6	0.5
	accepted	6	0
	ready	3	2
	shipped	1	1
	EOT
	test_cmp expect actual
'

test_expect_success 'a store without the index: the next open builds it, the same report' '
	report -S 2026-11-25 -U 2026-12-01 -t backlog >before &&
	mdb_dump -a "$EPORT_HOME/db" >all.dump &&
	awk "/^database=by-time\$/ { skip = 1 } /^VERSION=/ { skip = 0 } !skip" all.dump >old.dump &&
	! grep -q "^database=by-time" old.dump &&
	grep -q "^database=events" old.dump &&
	rm -rf old.db && mkdir old.db && mdb_load -f old.dump old.db &&
	! mdb_stat -s by-time old.db >/dev/null 2>&1 &&
	rm -rf "$EPORT_HOME/db" && mv old.db "$EPORT_HOME/db" &&
	report -S 2026-11-25 -U 2026-12-01 -t backlog >after &&
	test_cmp before after &&
	mdb_stat -s by-time "$EPORT_HOME/db" | sed -n "s/^ *Entries: //p" >n.index &&
	mdb_stat -s events "$EPORT_HOME/db" | sed -n "s/^ *Entries: //p" >n.events &&
	test_cmp n.events n.index && test "$(cat n.index)" -gt 20
'

test_expect_success 'every step that writes an event indexes it' '
	EPORT_NOW=2026-12-02T10:00:00 eport-ship deliver $C-0002 >/dev/null &&
	mdb_stat -s by-time "$EPORT_HOME/db" | sed -n "s/^ *Entries: //p" >n.index &&
	mdb_stat -s events "$EPORT_HOME/db" | sed -n "s/^ *Entries: //p" >n.events &&
	test_cmp n.events n.index &&
	EPORT_NOW=2026-12-02T18:00:00 eport-report -S 2026-12-02 -U 2026-12-02 -t stages >actual &&
	printf "stage\tcases\tmedian\nshipped\t1\t2\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the plot as PDF: one page, its Chinese labels, drawn' '
	report -S 2026-11-25 -U 2026-12-01 -o r.pdf >out &&
	test_cmp /dev/null out &&
	pdfinfo r.pdf | grep -x "Pages: *1" &&
	pdftotext r.pdf r.txt &&
	grep -q "每日工作量" r.txt && grep -q "积压" r.txt && grep -q "受理" r.txt &&
	grep -q "按时寄出：3 件中 1 件" r.txt &&
	pdftoppm -r 30 -gray r.pdf page && test -s page-1.pgm &&
	test "$(perl -0777 -ne "s/^P5\\s+\\d+\\s+\\d+\\s+255\\s//s; print scalar(() = /[\\x00-\\x7f]/g)" page-1.pgm)" -gt 500 &&
	report -S 2026-11-25 -U 2026-12-01 -o again.pdf && cmp r.pdf again.pdf
'

test_expect_success 'the plot as SVG' '
	report -S 2026-11-25 -U 2026-12-01 -o r.svg &&
	head -c 200 r.svg | grep -q "<svg" &&
	tail -c 20 r.svg | grep -q "</svg>"
'

test_expect_success 'bad options exit 2 and write nothing' '
	test_expect_code 2 eport-report -S 2026-11-31 2>err &&
	echo "eport-report: -S '\''2026-11-31'\'': not a date (YYYY-MM-DD)" >expect && test_cmp expect err &&
	test_expect_code 2 eport-report -S 2026-12-02 -U 2026-12-01 2>err &&
	echo "eport-report: -S 2026-12-02 is after -U 2026-12-01" >expect && test_cmp expect err &&
	test_expect_code 2 eport-report -t cases 2>err &&
	echo "eport-report: -t '\''cases'\'': not work, backlog, age, posting or stages" >expect && test_cmp expect err &&
	test_expect_code 2 eport-report -o r.png 2>err &&
	echo "eport-report: -o '\''r.png'\'': a plot is a .pdf or an .svg" >expect && test_cmp expect err &&
	! test -e r.png &&
	test_expect_code 2 eport-report -S 2000-01-01 -U 2026-01-01 2>err &&
	grep -q "a report covers 3660 days at most" err &&
	test_expect_code 2 eport-report extra 2>/dev/null
'

done_testing
