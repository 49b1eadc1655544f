#!/bin/sh
# Identity: the history records both the staff name and the login; with
# office.strict-identity the login is the identity, so four eyes cannot be
# dodged by setting EPORT_USER.
. "$(dirname "$0")/lib.sh"

me=$(id -un)

test_expect_success 'setup: a complete case, taken in by alice' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	sed -n 1p ex/cases.jsonl >ex/one.jsonl &&
	eport-apply ex/one.jsonl >ids &&
	eport-check XM20261126-0001
'

test_expect_success 'each event names the staff member and the login it ran under' '
	eport-log XM20261126-0001 | cut -f4,5,6 >actual &&
	printf "by\tlogin\taction\nalice\t%s\tapply\nalice\t%s\tcheck\n" "$me" "$me" >expect &&
	test_cmp expect actual
'

test_expect_success 'without strict identity, another name passes four eyes' '
	EPORT_USER=bob eport-review -n accept XM20261126-0001 >actual &&
	printf "id\tstate\nXM20261126-0001\taccepted\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'with office.strict-identity, EPORT_USER is ignored in the history' '
	git config -f "$EPORT_HOME/config" office.strict-identity true &&
	EPORT_USER=carol eport-check XM20261126-0001 &&
	eport-log XM20261126-0001 | tail -n 1 | cut -f4,5 >actual &&
	printf "%s\t%s\n" "$me" "$me" >expect &&
	test_cmp expect actual
'

test_expect_success 'with office.strict-identity, the same login cannot accept what it took in' '
	sed -n 1p ex/cases.jsonl | jq -c ".ref = \"1180077777777\" | .enterprise.uscc = \"91350205MA2YQB7K1K\"" >ex/two.jsonl &&
	EPORT_USER=alice eport-apply ex/two.jsonl >two &&
	id=$(sed -n "2s/	.*//p" two) &&
	EPORT_USER=dave eport-check "$id" &&
	test_expect_code 1 env EPORT_USER=bob eport-review accept "$id" 2>err &&
	echo "eport-review: $id: four eyes: $me took this case in and cannot accept it" >expect &&
	test_cmp expect err &&
	test "$(eport-show "$id" | jq -r .state)" = checked
'

test_expect_success 'the git commits carry the login as author and in the trailers' '
	git --git-dir="$EPORT_HOME/docs.git" log -1 \
		--format="%an <%ae>%n%(trailers:key=Staff)%(trailers:key=Login)" \
		refs/cases/XM20261126-0001 | sed "/^$/d" >actual &&
	printf "%s <%s>\nStaff: %s\nLogin: %s\n" "$me" "$me" "$me" "$me" >expect &&
	test_cmp expect actual
'

done_testing
