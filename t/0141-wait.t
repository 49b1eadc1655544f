#!/bin/sh
# eport-ls -w: what waits, in every state but closed, since when, for how
# many working days (the holiday calendar and the hall hours counted), and
# who acted last; longest waiting first; -d DAYS keeps the longer waits, so
# that -s shipped -d N is the post not delivered after N working days.
. "$(dirname "$0")/lib.sh"

E=XM20260930	# the examples, taken in the day before National Day
R=XM20261008	# the readers, the first working day after it

test_expect_success 'setup: cases taken in, checked, accepted and posted by four people' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	cp "$DATA/review/readers.jsonl" ex/ &&
	eport-order import "$DATA/review/orders.tsv" >/dev/null &&
	EPORT_NOW=2026-09-30T10:00:00+08:00 eport-apply ex/cases.jsonl >/dev/null &&
	EPORT_NOW=2026-10-08T09:00:00+08:00 eport-apply ex/readers.jsonl >/dev/null &&
	EPORT_USER=bob EPORT_NOW=2026-10-08T11:00:00+08:00 eport-check $R-0001 $R-0002 $R-0003 >/dev/null &&
	EPORT_USER=carol EPORT_NOW=2026-10-08T14:00:00+08:00 eport-review accept $R-0001 $R-0002 $R-0003 >/dev/null &&
	printf "id\ttracking\n$R-0002\t1180098765432\n" |
		EPORT_USER=dave EPORT_NOW=2026-10-08T18:00:00+08:00 eport-ship mark >/dev/null
'

test_expect_success 'ls -w: each case, its state since when, the working days, who acted last' '
	EPORT_NOW=2026-10-09T16:00:00+08:00 eport-ls -w >actual &&
	cat >expect <<-EOT &&
	id	type	uscc	state	since	days	by
	$E-0001	onboard	91350200MA2Y0K3PXF	received	2026-09-30T10:00:00+08:00	2	alice
	$E-0002	operator-add	91350206MA8RTE0J8C	received	2026-09-30T10:00:00+08:00	2	alice
	$E-0003	renew	91350203MA2XN1BQ18	received	2026-09-30T10:00:00+08:00	2	alice
	$R-0001	reader	91350200MA2Y0Q1X9G	ready	2026-10-08T14:00:00+08:00	1	carol
	$R-0003	reader	91350200MA2Y0Q1X9G	ready	2026-10-08T14:00:00+08:00	1	carol
	$R-0002	reader	91350200MA2Y0Q1X9G	shipped	2026-10-08T18:00:00+08:00	0	dave
	EOT
	test_cmp expect actual
'

test_expect_success 'a Saturday made a working day counts; the holiday week does not' '
	EPORT_NOW=2026-10-12T09:00:00+08:00 eport-ls -w -t onboard | cut -f 1,6 >actual &&
	printf "id\tdays\n$E-0001\t4\n" >expect &&
	test_cmp expect actual
'

test_expect_success '-d DAYS keeps what waits longer; -s shipped -d N: post not delivered' '
	EPORT_NOW=2026-10-09T16:00:00+08:00 eport-ls -w -d 1 | cut -f 1 >actual &&
	printf "id\n$E-0001\n$E-0002\n$E-0003\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2026-10-09T16:00:00+08:00 eport-ls -w -s shipped -d 0 >actual &&
	test_cmp /dev/null actual &&
	EPORT_NOW=2026-10-12T16:00:00+08:00 eport-ls -w -s shipped -d 1 | cut -f 1,4,6 >actual &&
	printf "id\tstate\tdays\n$R-0002\tshipped\t2\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a closed case waits for nothing: left out, unless asked for' '
	EPORT_NOW=2026-10-09T10:00:00+08:00 eport-close $R-0001 >/dev/null &&
	EPORT_NOW=2026-10-09T16:00:00+08:00 eport-ls -w | cut -f 1 | grep -c $R-0001 >actual;
	echo 0 >expect && test_cmp expect actual &&
	EPORT_NOW=2026-10-09T16:00:00+08:00 eport-ls -w -s closed | cut -f 1,4,6,7 >actual &&
	printf "id\tstate\tdays\tby\n$R-0001\tclosed\t0\talice\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'per staff member: who acted last, from -j' '
	EPORT_NOW=2026-10-09T16:00:00+08:00 eport-ls -w -j | jq -r .by | sort | uniq -c | awk "{ print \$2, \$1 }" >actual &&
	printf "alice 3\ncarol 1\ndave 1\n" >expect &&
	test_cmp expect actual
'

test_expect_success '-d without -w, or not a number: usage errors' '
	test_expect_code 2 eport-ls -d 3 2>err &&
	echo "eport-ls: -d: only with -w" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-ls -w -d x 2>err &&
	echo "eport-ls: -d '\''x'\'': not a number of working days" >expect &&
	test_cmp expect err
'

done_testing
