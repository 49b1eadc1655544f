#!/bin/sh
# eport-ship with cards: an onboard case whose cards eport-card wrote on the
# emulated card posts on the 3rd working day after acceptance, and its
# manifest counts the cards written.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126

# write HOLDER STATEFILE: a blank card written for the holder of case 0001
write() {
	vcard_start "$2" &&
	eport-card write $C-0001 "$1" >/dev/null
	rc=$?
	vcard_stop
	return $rc
}

test_expect_success 'setup: the onboard example, checked and accepted on Friday after closing' '
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	(cd ex && sed 1q cases.jsonl | eport-apply >/dev/null) &&
	eport-check -q $C-0001 >/dev/null &&
	EPORT_USER=bob EPORT_NOW=2026-11-27T17:30:00 eport-review accept $C-0001 >/dev/null
'

test_expect_success 'eport-card writes both cards: the case is ready' '
	write 350203198005120316 legal.card &&
	write 350206199001010244 op.card &&
	eport-ls -s ready | cut -f1 >actual &&
	printf "id\n$C-0001\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'onboard: due on the 3rd working day after the day it counts from' '
	EPORT_NOW=2026-12-02T18:00:00 eport-ship due >actual &&
	test_cmp /dev/null actual &&
	EPORT_NOW=2026-12-03T08:00:00 eport-ship due | cut -f1,5 >actual &&
	printf "id\tposting\n$C-0001\t2026-12-03\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the manifest counts the cards written' '
	EPORT_NOW=2026-12-03T08:30:00 eport-ship manifest -F tsv | cut -f1,5,6 >actual &&
	printf "id\tcontents\tpieces\n$C-0001\t电子口岸卡 x2\t1\n" >expect &&
	test_cmp expect actual
'

done_testing
