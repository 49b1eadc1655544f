#!/bin/sh
# eport-close of a deregister case: every active card of the enterprise, as
# eport-card wrote them on the emulated card, is revoked; another
# enterprise's cards are not.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126
A=91350200MA2Y0K3PXF
B=91350206MA8RTE0J8C

# the card registry as JSON Lines, read with mdb_dump (eport-card ls prints
# no revocation); the escaped bytes of names are left out
registry() {
	mdb_dump -p -s cards "$EPORT_HOME/db" | grep "^ {" | sed "s/\\\\[0-9a-f][0-9a-f]//g"
}

# write CASE HOLDER STATEFILE: a blank card written for a holder of a case
write() {
	vcard_start "$3" &&
	eport-card write "$1" "$2" >/dev/null
	rc=$?
	vcard_stop
	return $rc
}

test_expect_success 'setup: two enterprises onboard, their cards written' '
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	sed 1q ex/cases.jsonl >ex/onboard.jsonl &&
	sed 1q ex/cases.jsonl | sed "s/$A/$B/; s/1180012345678/1180012345999/g" >>ex/onboard.jsonl &&
	eport-apply ex/onboard.jsonl >/dev/null &&
	eport-check -q $C-0001 $C-0002 >/dev/null &&
	EPORT_USER=bob eport-review accept $C-0001 $C-0002 >/dev/null &&
	write $C-0001 350203198005120316 a-legal.card &&
	write $C-0001 350206199001010244 a-op.card &&
	write $C-0002 350203198005120316 b-legal.card &&
	eport-card ls -s active | cut -f2,4,5 | sort >actual &&
	printf "%s\t%s\t%s\n" $A legal active $A operator active $B legal active uscc role state >expect &&
	test_cmp expect actual
'

test_expect_success 'the deregistration of A, with its cards sent in, is ready at once' '
	printf "id\ttracking\n$C-0001\t1180000000001\n" | eport-ship mark >/dev/null &&
	eport-ship deliver $C-0001 >/dev/null && eport-close $C-0001 >/dev/null &&
	eport-card ls -j -u $A | jq -c "{number, role}" | jq -s -c . >cards &&
	jq -c --argjson cards "$(cat cards)" \
		".enterprise = {\"uscc\": \"$A\", \"name\": \"厦门海沧鑫达贸易有限公司\"} | .ref = \"CDA\" | .cards = \$cards" \
		"$DATA/close/dereg.json" >ex/dereg.jsonl &&
	eport-apply ex/dereg.jsonl >/dev/null &&
	eport-check $C-0003 >findings &&
	EPORT_USER=bob eport-review accept $C-0003 >actual &&
	printf "id\tstate\n$C-0003\tready\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'closing it revokes every card of A and no other' '
	EPORT_NOW=2026-11-27T09:00:00+08:00 eport-close $C-0003 >/dev/null &&
	registry | jq -r "[.uscc, .role, .state, .revoked // \"\", .why // \"\"] | @tsv" | sort >actual &&
	printf "%s\t%s\t%s\t%s\t%s\n" \
		$A legal revoked 2026-11-27T09:00:00+08:00 "enterprise deregistered by $C-0003" \
		$A operator revoked 2026-11-27T09:00:00+08:00 "enterprise deregistered by $C-0003" \
		$B legal active "" "" >expect &&
	test_cmp expect actual &&
	eport-card ls -j -u $A | jq -r .number | sort >revoked &&
	eport-log -j $C-0003 | tail -n 1 | jq -r ".revoked[]" | sort >actual &&
	test_cmp revoked actual
'

test_expect_success 'a later operator card for A draws enterprise-closed' '
	sed -n 2p ex/cases.jsonl | sed "s/91350206MA8RTE0J8C/$A/; s/1180023456789/1180023456999/g" |
		(cd ex && eport-apply) >/dev/null &&
	test_expect_code 1 eport-check $C-0004 | grep enterprise-closed | cut -f1-3 >actual &&
	printf "$C-0004\tblock\tenterprise-closed\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the closed deregistration exported with the certificates of the cards sent in' '
	eport-export -o dereg.tar $C-0003 &&
	mkdir x && tar -xmf dereg.tar -C x &&
	ls x/$C-0003/certs >actual &&
	eport-show $C-0003 | jq -r ".cards[].number + \".pem\"" | sort >expect &&
	test_cmp expect actual &&
	for f in x/$C-0003/certs/*.pem; do
		openssl verify -CAfile "$EPORT_HOME/keys/ca.crt" "$f" >/dev/null || return 1
	done &&
	(cd x && sha256sum -c --quiet SHA256SUMS)
'

done_testing
