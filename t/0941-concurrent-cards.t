#!/bin/sh
# The card registry as one of four writers at once: cards written through
# the real pcscd are revoked while an intake, a review batch and shipping
# marks run on the same store.  All succeed; every card is revoked once, the
# enterprise index drops each, and no case, decision or mark is lost.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
N=200
C=XM20261126

# card CASE HOLDER: a blank card into the reader, written for HOLDER
card() {
	vcard_start "card-$2.json" &&
	EPORT_USER=carol eport-card write "$1" "$2" >/dev/null &&
	vcard_stop
}

test_expect_success "setup: three cards written; $N reader cases by post, half taken in" '
	reader_store $N C 12 &&
	cp -R "$EPORT_SHARE/examples" ex &&
	sed -n 1,2p ex/cases.jsonl >ex/two.jsonl &&
	eport-order import "$DATA/review/orders.tsv" >/dev/null &&
	(cd ex && eport-apply two.jsonl) | sed 1d | cut -f1 >ex.ids &&
	eport-check -q <ex.ids >/dev/null &&
	EPORT_USER=bob eport-review accept -m ok <ex.ids >/dev/null &&
	card $C-0001 350203198005120316 &&
	card $C-0001 350206199001010244 &&
	card $C-0002 350205198808080461 &&
	eport-card ls -s active | sed 1d | cut -f1 >cards &&
	test $(wc -l <cards) = 3 &&
	eport-apply old.jsonl >old.ids &&
	eport-check -q <old.ids >checked &&
	sed -n "2,$((N / 4 + 1))p" checked >A &&
	sed -n "$((N / 4 + 2)),\$p" checked >B &&
	EPORT_USER=bob eport-review accept <A >/dev/null &&
	{ printf "id\ttracking\n"; awk "{ printf \"%s\t11800%08d\n\", \$1, NR }" A; } >marks.tsv
'

# the registry's writer: once the intake has stored its first batch (or
# ended), each card revoked in turn
revoke_all() {
	until [ -s apply.out ] || [ "$(wc -l <apply.t)" = 2 ]; do sleep 0.01; done
	for c in $(cat cards); do
		EPORT_USER=carol eport-card revoke -m "returned with the deregistration" "$c" ||
			return 1
	done
}

test_expect_success 'intake, review, marks and card revocations at once all succeed, overlapping' '
	timed apply eport-apply new.jsonl &
	p1=$!
	timed review env EPORT_USER=bob eport-review accept -m ok <B &
	p2=$!
	timed mark env EPORT_USER=dave EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark <marks.tsv &
	p3=$!
	timed revoke revoke_all &
	p4=$!
	wait $p1 && wait $p2 && wait $p3 && wait $p4 &&
	cat apply.err review.err mark.err revoke.err >errs &&
	test_cmp /dev/null errs &&
	overlapping apply review mark revoke
'

test_expect_success 'every card revoked once, with its reason; the enterprise index has none' '
	cut -f5 revoke.out | grep -cx revoked >n && echo 3 >expect && test_cmp expect n &&
	eport-card ls -s active | sed 1d >active &&
	test_cmp /dev/null active &&
	eport-card ls -j -s revoked | jq -r .number | sort >revoked &&
	sort cards >expect && test_cmp expect revoked &&
	mdb_dump -p -s cards "$EPORT_HOME/db" |
		grep -c "\"why\":\"returned with the deregistration\",\"revoked_by\":\"carol\"" >n &&
	echo 3 >expect && test_cmp expect n &&
	for c in $(cat cards); do
		! mdb_dump -p -s holders "$EPORT_HOME/db" | grep -q "$c" || return 1
	done
'

test_expect_success 'nothing lost: every record, decision and mark is there once' '
	test $(($(wc -l <apply.out) - 1)) = $((N / 2)) &&
	eport-ls | sed 1d | cut -f5 | grep "^C" | sort >refs &&
	jq -r .ref all.jsonl | sort >expect && test_cmp expect refs &&
	eport-ls -s ready | sed 1d | cut -f1 | grep -v -f ex.ids >ready &&
	cut -f1 B >expect && test_cmp expect ready &&
	eport-ls -s shipped | sed 1d | cut -f1 >shipped && cut -f1 A >expect && test_cmp expect shipped &&
	eport-log -j <B | jq -r "select(.action == \"accept\") | .id" | sort | uniq -c |
		awk "\$1 != 1" >doubled &&
	test_cmp /dev/null doubled
'

test_expect_success 'every ref matches its case; git and LMDB agree' '
	refs_match
'

done_testing
