#!/bin/sh
# The rulebook (share/eport/rules.tsv, kinds.tsv) and the checks of lib/rules.c,
# driven by test-rules over the cases of t/data/rules/.
. "$EPORT_SRC/t/lib.sh"

# a copy of the data, with the uploads too big to keep in the tree
cp -R "$DATA/rules" rules &&
cp rules/scans/id-legal.png rules/scans/png-named.txt &&
printf '%%PDF-1.4\n' >rules/scans/4m.pdf && truncate -s 4194304 rules/scans/4m.pdf &&
printf '%%PDF-1.4\n' >rules/scans/4m+1.pdf && truncate -s 4194305 rules/scans/4m+1.pdf ||
	exit 2

test_expect_success 'a valid case of every type gives no finding, with a store or without' '
	test-rules -r rules/registry.json rules/valid.jsonl >actual &&
	test-rules rules/valid.jsonl >>actual &&
	test_cmp /dev/null actual &&
	grep -v "^#" rules/valid.jsonl | sed "s/^{\"ref\":\"\([^\"]*\)\".*/\1/" >refs &&
	printf "%s\n" onboard-online onboard-post info-change operator-change operator-add \
	    reissue renew unlock reader deregister >expect &&
	test_cmp expect refs
'

test_expect_success 'each case of cases.jsonl finds exactly what it expects' '
	test-rules -E -b rules/valid.jsonl rules/cases.jsonl >expect &&
	test-rules -b rules/valid.jsonl -r rules/registry.json rules/cases.jsonl >actual &&
	test_cmp expect actual
'

test_expect_success 'every rule of the contract fires in cases.jsonl, with its severity' '
	cut -f2,3 expect | sort -u >fired &&
	cat >expect.rules <<-\EOF &&
	block	card-foreign
	block	card-holder
	block	card-missing
	block	card-revoked
	block	case-open
	block	doc-copies
	block	doc-format
	block	doc-missing
	block	doc-size
	block	doc-unsealed
	block	enterprise-closed
	block	field-missing
	block	form2-count
	block	holder-duplicate
	block	holder-open
	block	id-birth-mismatch
	block	id-gender-mismatch
	block	id-invalid
	block	inbound-carrier
	block	mail-incomplete
	block	order-mismatch
	block	order-missing
	block	order-unknown
	block	order-unpaid
	block	order-used
	block	phone-invalid
	block	tripartite
	block	uscc-invalid
	warn	card-revoked
	warn	card-unknown
	warn	case-open
	warn	doc-unscanned
	warn	field-formula
	warn	phone-invalid
	warn	uscc-legacy
	EOF
	test_cmp expect.rules fired
'

test_expect_success 'cases.jsonl has near misses: lines that expect nothing' '
	test $(grep -cF "\"\$expect\":[]" rules/cases.jsonl) -ge 25
'

test_expect_success 'the messages say what to send or correct, in Chinese' '
	test-rules -m -b rules/valid.jsonl -r rules/registry.json rules/cases.jsonl |
		cut -f1,3,5 >actual &&
	test_cmp "$DATA/rules/messages.expect" actual
'

test_expect_success 'without a store only the rules that need none fire' '
	test-rules -b rules/valid.jsonl rules/cases.jsonl | cut -f3 | sort -u >actual &&
	printf "%s\n" card-missing doc-copies doc-format doc-missing doc-size doc-unscanned \
	    doc-unsealed field-formula field-missing form2-count holder-duplicate \
	    id-birth-mismatch id-gender-mismatch id-invalid inbound-carrier mail-incomplete \
	    order-missing phone-invalid tripartite uscc-invalid uscc-legacy >expect &&
	test_cmp expect actual
'

test_expect_success 'the office follows a new edition by editing rules.tsv' '
	mkdir -p edition &&
	cp "$EPORT_SHARE/kinds.tsv" edition/ &&
	grep -v "^reader	\*	mail	poa" "$EPORT_SHARE/rules.tsv" >edition/rules.tsv &&
	printf "renew	*	*	license	case	1\n" >>edition/rules.tsv &&
	printf "%s\n" "{\"\$base\":\"reader\",\"documents\":[{\"kind\":\"payment\",\"file\":\"scans/id-legal.png\",\"sealed\":true}]}" \
	    "{\"\$base\":\"renew\"}" >rules/edition.jsonl &&
	test-rules -s edition -b rules/valid.jsonl rules/edition.jsonl >actual &&
	printf "2\tblock\tdoc-missing\tdocuments.license\n" >expect &&
	test_cmp expect actual
'

while IFS='|' read -r what line msg; do
	test_expect_success "a broken rulebook is refused: $what" '
		mkdir -p bad && cp "$EPORT_SHARE/kinds.tsv" "$EPORT_SHARE/rules.tsv" bad/ &&
		printf "%b\n" "$line" >>bad/rules.tsv &&
		n=$(wc -l <bad/rules.tsv) &&
		test_expect_code 2 test-rules -s bad rules/valid.jsonl 2>err &&
		echo "test-rules: bad/rules.tsv:$n: $msg" >expect &&
		test_cmp expect err
	'
done <<\EOF
an unknown kind|renew\t*\t*\tphoto\tcase\t1|unknown kind 'photo'
per enterprise for paper|renew\t*\t*\tform1\tenterprise\t1|per 'enterprise' is not case, holder, legal or operator
no quantity|renew\t*\t*\tform1\tcase\tzero|n 'zero' is not a number from 0 (0 takes the rule out)
an order with no product|renew\t*\t*\torder\tcase\t1|order needs an arg
open with no types|renew\t*\t*\topen\tcase\t1|open needs an arg
nocard for no role|onboard\t*\t*\tnocard\tcase\t1\tboss|nocard: the arg 'boss' is a role, legal or operator
a channel it does not know|renew\temail\t*\tform1\tcase\t1|type, channel (* online post) or pickup (* mail window) wrong
EOF

test_expect_success 'a kinds.tsv without its paper column is refused' '
	mkdir -p nopaper && cp "$EPORT_SHARE/rules.tsv" nopaper/ &&
	sed "s/	paper	/	seal	/" "$EPORT_SHARE/kinds.tsv" >nopaper/kinds.tsv &&
	test_expect_code 2 test-rules -s nopaper rules/valid.jsonl 2>err &&
	n=$(grep -n "^kind	" nopaper/kinds.tsv | cut -d: -f1) &&
	echo "test-rules: nopaper/kinds.tsv:$n: no column '\''paper'\'' in the header" >expect &&
	test_cmp expect err
'

done_testing
