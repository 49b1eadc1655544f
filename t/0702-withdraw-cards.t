#!/bin/sh
# A case withdrawn after its cards were written (on the emulated card, by
# eport-card): each card written for it is revoked with the reason, the
# registry saying by whom, and no card is written for it after; a written
# card's holder is final to eport-amend.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126
A=91350200MA2Y0K3PXF
L=350203198005120316	# the legal representative
O=350206199001010244	# the operator

write() {
	vcard_start "$3" &&
	eport-card write "$1" "$2" >/dev/null
	rc=$?
	vcard_stop
	return $rc
}

test_expect_success 'setup: an onboarding accepted, the legal card written, the operator'\''s not yet' '
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	sed 1q ex/cases.jsonl >ex/onboard.jsonl &&
	(cd ex && eport-apply onboard.jsonl) >/dev/null &&
	eport-check -q $C-0001 >/dev/null &&
	EPORT_USER=bob eport-review accept $C-0001 >/dev/null &&
	write $C-0001 $L legal.card &&
	eport-card ls -s active | cut -f 2,4,5 >actual &&
	printf "uscc\trole\tstate\n$A\tlegal\tactive\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the written holder is final to eport-amend, the others are not' '
	snapshot final &&
	test_expect_code 1 eport-amend -m x $C-0001 holders.1.name=林志刚 2>err &&
	number=$(eport-card ls -j | jq -r .number) &&
	echo "eport-amend: $C-0001: argument 2: holders.1.name: final: card $number is written for this holder" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-amend -m x $C-0001 enterprise.name=某某 2>err &&
	echo "eport-amend: $C-0001: argument 2: enterprise.name: final: card $number is written with it" >expect &&
	test_cmp expect err &&
	unchanged final
'

test_expect_success 'withdrawn: the card written for the case is revoked, by whom and why' '
	number=$(eport-card ls -j | jq -r .number) &&
	EPORT_USER=bob EPORT_NOW=2026-11-27T09:00:00+08:00 eport-review withdraw -m 企业申请撤回 $C-0001 >actual &&
	printf "id\tstate\n$C-0001\twithdrawn\n" >expect &&
	test_cmp expect actual &&
	eport-card ls -j | jq -r "[.number, .state, .revoked, .why, .revoked_by] | @tsv" >actual &&
	printf "$number\trevoked\t2026-11-27T09:00:00+08:00\tcase $C-0001 withdrawn: 企业申请撤回\tbob\n" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0001 | tail -n 1 | jq -r ".revoked[]" >actual &&
	echo $number >expect &&
	test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'no card is written for a withdrawn case' '
	snapshot nowrite &&
	vcard_start op.card &&
	{ test_expect_code 1 eport-card write $C-0001 $O >out 2>err; rc=$?; vcard_stop; test $rc = 0; } &&
	echo "eport-card: $C-0001: case is withdrawn, not accepted" >expect &&
	test_cmp expect err &&
	unchanged nowrite
'

test_expect_success 'the enterprise holds no active card any more' '
	eport-card ls -s active -u $A >actual &&
	test_cmp /dev/null actual &&
	test "$(mdb_dump -p -s holders "$EPORT_HOME/db" | grep -c "^ ")" = 0
'

done_testing
