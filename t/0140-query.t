#!/bin/sh
# eport-ls, eport-show, eport-log: reading the store back.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: cases taken in on two days by two people' '
	eport-init && cp -R "$EPORT_SHARE/examples" ex &&
	sed -n 1,2p ex/cases.jsonl >ex/a.jsonl && sed -n 3p ex/cases.jsonl >ex/b.jsonl &&
	EPORT_NOW=2026-11-25T09:00 eport-apply ex/a.jsonl >/dev/null &&
	EPORT_USER=bob eport-apply ex/b.jsonl >/dev/null
'

test_expect_success 'ls lists every case, oldest first' '
	eport-ls | cut -f1,2,4 >actual &&
	printf "id\ttype\tstate\nXM20261125-0001\tonboard\treceived\nXM20261125-0002\toperator-add\treceived\nXM20261126-0001\trenew\treceived\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'ls filters by state, type, USCC and day' '
	eport-ls -t renew | cut -f1 | tail -n +2 >actual && echo XM20261126-0001 >expect && test_cmp expect actual &&
	eport-ls -u 91350206MA8RTE0J8C | cut -f1 | tail -n +2 >actual && echo XM20261125-0002 >expect && test_cmp expect actual &&
	eport-ls -s received -S 2026-11-26 | cut -f1 | tail -n +2 >actual && echo XM20261126-0001 >expect && test_cmp expect actual &&
	eport-ls -U 2026-11-25 | cut -f1 | tail -n +2 >actual &&
	printf "XM20261125-0001\nXM20261125-0002\n" >expect && test_cmp expect actual &&
	eport-ls -s closed >actual && test ! -s actual
'

test_expect_success 'ls -j gives JSON Lines with the same fields' '
	eport-ls -j -t onboard >actual &&
	jq -r "[.id, .type, .uscc, .state, .ref] | @tsv" actual >got &&
	printf "XM20261125-0001\tonboard\t91350200MA2Y0K3PXF\treceived\t1180012345678\n" >expect &&
	test_cmp expect got
'

test_expect_success 'ls refuses a state or type it does not know' '
	test_expect_code 2 eport-ls -s lost 2>err &&
	echo "eport-ls: -s '\''lost'\'': not a state" >expect && test_cmp expect err &&
	test_expect_code 2 eport-ls -S 2026-13-01 2>err &&
	echo "eport-ls: -S '\''2026-13-01'\'': not a date (YYYY-MM-DD)" >expect && test_cmp expect err
'

test_expect_success 'show prints the stored case: who took it in, when, from where' '
	eport-show XM20261126-0001 | jq -r "[.id, .state, .by, .taken, .source] | @tsv" >actual &&
	printf "XM20261126-0001\treceived\tbob\t2026-11-26T10:00:00+08:00\tex/b.jsonl:1\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'ids chain from one command to the next on stdin' '
	eport-ls -s received | eport-show | jq -r .id >actual &&
	eport-ls | tail -n +2 | cut -f1 >expect &&
	test_cmp expect actual &&
	eport-ls -j | eport-log | cut -f1,6,8 >actual &&
	printf "id\taction\tto\nXM20261125-0001\tapply\treceived\nXM20261125-0002\tapply\treceived\nXM20261126-0001\tapply\treceived\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'log records the staff name and the login it ran under' '
	eport-log -j XM20261126-0001 | jq -r "[.by, .login, .action, .why] | @tsv" >actual &&
	printf "bob\t%s\tapply\tex/b.jsonl:1\n" "$(id -un)" >expect &&
	test_cmp expect actual
'

test_expect_success 'an unknown case is refused, the others still shown; exit 1' '
	test_expect_code 1 eport-show XM20261126-0001 XM20990101-0001 >out 2>err &&
	test $(wc -l <out) = 1 &&
	echo "eport-show: '\''XM20990101-0001'\'': no such case" >expect && test_cmp expect err &&
	test_expect_code 1 eport-log XM20990101-0001 2>err &&
	echo "eport-log: '\''XM20990101-0001'\'': no such case" >expect && test_cmp expect err
'

test_expect_success 'git log of a case is its audit trail' '
	git --git-dir="$EPORT_HOME/docs.git" log --format="%an %s" refs/cases/XM20261126-0001 >actual &&
	echo "bob apply XM20261126-0001: ex/b.jsonl:1" >expect &&
	test_cmp expect actual
'

done_testing
