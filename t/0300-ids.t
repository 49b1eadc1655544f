#!/bin/sh
# The validators of lib/ids.c against the table t/data/ids.tsv.
. "$EPORT_SRC/t/lib.sh"

test_expect_success 'every validator case of ids.tsv gives its expected result' '
	grep -v "^#" "$DATA/ids.tsv" >expect &&
	test-ids <"$DATA/ids.tsv" >actual &&
	test_cmp expect actual
'

test_expect_success 'the table has a good case and a near miss of each validator' '
	for v in uscc orgcode resident hk-macau-permit taiwan-permit foreign-permanent \
	    passport mobile landline phone ems s10 tracking order card-make; do
		grep -q "^$v	[^	]*	ok	" expect &&
		grep -q "^$v	[^	]*	bad	" expect || return 1
	done &&
	grep -q "^uscc	[^	]*	legacy	" expect &&
	grep -q "^card	[^	]*	new	" expect &&
	grep -q "^card	[^	]*	legacy	" expect
'

test_expect_success 'a card number made is one the validator takes as new' '
	printf "card-make\t%s\n" "26 42" "99 0" >made &&
	test-ids <made | cut -f4 | sed "s/^/card	/" | test-ids >actual &&
	printf "card\t%s\tnew\t-\n" 3700260000429 3700990000004 >expect &&
	test_cmp expect actual
'

test_expect_success 'an unknown validator is a usage error' '
	printf "isbn\t123\n" >in &&
	test_expect_code 2 test-ids <in 2>err &&
	echo "test-ids: unknown validator '\''isbn'\''" >expect &&
	test_cmp expect err
'

done_testing
