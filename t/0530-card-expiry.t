#!/bin/sh
# Certificates over time (DESIGN.md section 8), through the real pcscd and
# the PIV card emulator: a certificate runs card.validity-years calendar
# years (29 February + 2 years is 28 February, as the Civil Code counts a
# period of years), the CHUID and the printed information end on the same
# day, a renewal runs from the later of now and the old end, a store that
# still sets card.validity-days keeps its days; eport-card expiring lists the
# active cards near their end with whom to tell, and eport-card status warns
# of the card in the reader.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126
L=350203198005120316	# 林志强, the legal representative
O=350206199001010244	# 陈美玲, operator

card() {
	vcard_stop && vcard_start "$1"
}

# state FIELD STATEFILE: a field of the emulator's state file
state() {
	sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2"
}

# hex TEXT: its bytes in upper-case hex, as the state file keeps them
hex() {
	printf %s "$1" | od -An -tx1 | tr -d " \n" | tr a-f A-F
}

# ends STATEFILE YYYYMMDD PRINTED: the CHUID's expiry (tag 35) and the
# printed information's (tag 04, 2030FEB28) on the card are that day
ends() {
	state 5FC102 "$1" | grep -q "3508$(hex "$2")" &&
	state 5FC109 "$1" | grep -q "0409$(hex "$3")"
}

# enddates: the certificate on the card in the reader, as OpenSSL reads it
enddates() {
	pkcs15-tool --read-certificate 01 2>/dev/null |
		openssl x509 -noout -startdate -enddate
}

# apply_accept NOW RECORD: the record taken in, checked and accepted at NOW
apply_accept() {
	printf "%s\n" "$2" >rec.jsonl &&
	EPORT_NOW=$1 eport-apply rec.jsonl | sed 1d | cut -f1 >id &&
	EPORT_NOW=$1 eport-check -q $(cat id) >/dev/null &&
	EPORT_NOW=$1 EPORT_USER=bob eport-review accept -m ok $(cat id) >/dev/null
}

test_expect_success 'setup: an onboard case, accepted' '
	make_store &&
	cp -R "$EPORT_SHARE/examples/scans" scans &&
	apply_accept 2026-11-26T10:00:00 "$(sed -n 1p "$EPORT_SHARE/examples/cases.jsonl")" &&
	test "$(cat id)" = $C-0001
'

test_expect_success 'a certificate issued on 29 February 2028 ends on 28 February 2030' '
	vcard_start legal.json &&
	EPORT_NOW=2028-02-29T10:00:00 eport-card write $C-0001 $L >out 2>err &&
	test_cmp /dev/null err &&
	LEGAL=$(sed -n 2p out | cut -f1) &&
	test "$LEGAL" = 3700280000011 &&
	eport-card status 2>err | cut -f1,6 >actual &&
	printf "card\tnot_after\n$LEGAL\t2030-02-28T10:00:00+08:00\n" >expect &&
	test_cmp expect actual &&
	printf "notBefore=Feb 29 02:00:00 2028 GMT\nnotAfter=Feb 28 02:00:00 2030 GMT\n" >expect &&
	enddates >actual &&
	test_cmp expect actual &&
	ends legal.json 20300228 2030FEB28 &&
	eport-card ls | cut -f1,7 | grep "^$LEGAL" >actual &&
	printf "$LEGAL\t2030-02-28T10:00:00+08:00\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a store that still sets card.validity-days keeps its days, and is told' '
	git config -f "$EPORT_HOME/config" card.validity-days 365 &&
	card op.json &&
	EPORT_NOW=2028-03-15T10:00:00 eport-card write $C-0001 >out 2>err &&
	echo "eport-card: warning: card.validity-days is set: certificates run 365 days, not card.validity-years calendar years; remove it from the configuration" >expect &&
	test_cmp expect err &&
	OP=$(sed -n 2p out | cut -f1) &&
	printf "notBefore=Mar 15 02:00:00 2028 GMT\nnotAfter=Mar 15 02:00:00 2029 GMT\n" >expect &&
	enddates >actual &&
	test_cmp expect actual &&
	ends op.json 20290315 2029MAR15 &&
	git config -f "$EPORT_HOME/config" --unset card.validity-days
'

test_expect_success 'a bad card.validity-years is refused before the card is touched' '
	git config -f "$EPORT_HOME/config" card.validity-years 0 &&
	cp op.json op.before &&
	test_expect_code 2 eport-card renew $C-0001 2>err &&
	echo "eport-card: card.validity-years: 0 is not from 1 to 10" >expect &&
	test_cmp expect err &&
	test_cmp op.before op.json &&
	git config -f "$EPORT_HOME/config" --unset card.validity-years
'

# renew_rec CARD REF: the renewal of t/data/card/cases.jsonl for CARD, its
# handler on a new phone
renew_rec() {
	sed -n 2p "$DATA/card/cases.jsonl" | jq -c --arg n "$1" --arg ref "$2" \
		'.ref = $ref | .inbound.tracking = $ref | .cards[0].number = $n |
		 .handler.phone = "13906005678"'
}

test_expect_success 'expiring: active cards within card.warn-days, ended ones too, with the latest contact' '
	apply_accept 2029-12-20T10:00:00 "$(renew_rec $LEGAL 1180056789020)" &&
	RL=$(cat id) &&
	test "$RL" = XM20291220-0001 &&
	EPORT_NOW=2029-12-31T09:00:00 eport-card expiring >actual 2>err &&
	test_cmp /dev/null err &&
	cat >expect <<-EOT &&
	card	role	holder	uscc	enterprise	not_after	days	case	contact	phone
	$OP	operator	陈美玲	91350200MA2Y0K3PXF	厦门海沧鑫达贸易有限公司	2029-03-15T10:00:00+08:00	-291	$RL	黄文杰	13906005678
	$LEGAL	legal	林志强	91350200MA2Y0K3PXF	厦门海沧鑫达贸易有限公司	2030-02-28T10:00:00+08:00	59	$RL	黄文杰	13906005678
	EOT
	test_cmp expect actual &&
	EPORT_NOW=2029-12-31T09:00:00 eport-card expiring -d 58 | cut -f1 >actual &&
	printf "card\n$OP\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2029-12-30T23:59:00 eport-card expiring -d 60 -j | jq -r "[.card, .days] | @tsv" >actual &&
	printf "$OP\t-290\n$LEGAL\t60\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'expiring: card.warn-days sets the default window' '
	EPORT_NOW=2029-12-29T09:00:00 eport-card expiring | cut -f1 >actual &&
	printf "card\n$OP\n" >expect &&
	test_cmp expect actual &&
	git config -f "$EPORT_HOME/config" card.warn-days 61 &&
	EPORT_NOW=2029-12-29T09:00:00 eport-card expiring | cut -f1 >actual &&
	printf "card\n$OP\n$LEGAL\n" >expect &&
	test_cmp expect actual &&
	git config -f "$EPORT_HOME/config" --unset card.warn-days
'

test_expect_success 'status warns when the card in the reader is near its end, or past it' '
	card legal.json &&
	EPORT_NOW=2029-12-29T09:00:00 eport-card status >out 2>err &&
	test_cmp /dev/null err &&
	EPORT_NOW=2029-12-31T09:00:00 eport-card status >out 2>err &&
	echo "eport-card: warning: card $LEGAL: its certificate ends on 2030-02-28, in 59 days: renew it (a renew case)" >expect &&
	test_cmp expect err &&
	cut -f1,6 out >actual &&
	printf "card\tnot_after\n$LEGAL\t2030-02-28T10:00:00+08:00\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2030-02-27T09:00:00 eport-card status >out 2>err &&
	echo "eport-card: warning: card $LEGAL: its certificate ends on 2030-02-28, in 1 day: renew it (a renew case)" >expect &&
	test_cmp expect err &&
	card op.json &&
	EPORT_NOW=2029-12-31T09:00:00 eport-card status >out 2>err &&
	echo "eport-card: warning: card $OP: its certificate ended on 2029-03-15: renew it (a renew case)" >expect &&
	test_cmp expect err
'

test_expect_success 'a renewal 30 days before the end keeps those 30 days' '
	card legal.json &&
	EPORT_NOW=2030-01-29T10:00:00 eport-card renew $RL >out 2>err &&
	test_cmp /dev/null err &&
	printf "notBefore=Jan 29 02:00:00 2030 GMT\nnotAfter=Feb 28 02:00:00 2032 GMT\n" >expect &&
	enddates >actual &&
	test_cmp expect actual &&
	ends legal.json 20320228 2032FEB28 &&
	eport-card ls | grep "^$LEGAL" | cut -f7 >actual &&
	echo 2032-02-28T10:00:00+08:00 >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2030-01-29T10:00:00 eport-card status >out 2>err &&
	test_cmp /dev/null err &&
	EPORT_NOW=2030-01-29T10:00:00 eport-card expiring | cut -f1 >actual &&
	printf "card\n$OP\n" >expect &&
	test_cmp expect actual
'

# the operator's own renewal: the handler as in the legal one
op_renew_rec() {
	sed -n 1p "$EPORT_SHARE/examples/cases.jsonl" | jq -c ".holders[1]" >op.holder &&
	renew_rec "$OP" 1180056789021 | jq -c --slurpfile h op.holder \
		'.holders = $h | .cards[0].role = "operator" |
		 (.documents[] | select(.kind == "id-holder") | .holder) = $h[0].id_number'
}

test_expect_success 'a certificate renewed after its end runs from now, across 29 February 2032' '
	apply_accept 2030-03-08T10:00:00 "$(op_renew_rec)" &&
	RO=$(cat id) &&
	card op.json &&
	EPORT_NOW=2030-03-10T10:00:00 eport-card renew $RO >out 2>err &&
	test_cmp /dev/null err &&
	printf "notBefore=Mar 10 02:00:00 2030 GMT\nnotAfter=Mar 10 02:00:00 2032 GMT\n" >expect &&
	enddates >actual &&
	test_cmp expect actual &&
	ends op.json 20320310 2032MAR10
'

# The EXAMPLES of eport-card(1) that list what is near its end, run as the
# page prints them (with EPORT_NOW, the date the page says)
examples() {
	sed -e 's/\\e/\\/g' -e 's/\\&//g' "$EPORT_SRC/man/man1/eport-card.1" | awk '
		/^\.Bd -literal/ { blk = 1; first = 1; next }
		/^\.Ed/ { if (want) printf "%s", buf; blk = 0; buf = ""; want = 0; next }
		!blk { next }
		first { first = 0; if ($0 !~ /^\$ /) { blk = 0; next } }
		/expiring/ { want = 1 }
		{ buf = buf $0 "\n" }'
}

# the page's own transcript runs on its store in t/0515; here its commands
# run on this store, whose cards end across 29 February 2032
test_expect_success 'the man page'\''s cron job on 31 December 2031: the cards near their end, the notices' '
	examples >ex.txt &&
	grep "^\$ " ex.txt | sed "s/^\$ //" >ex.sh &&
	test $(wc -l <ex.sh) = 2 &&
	EPORT_NOW=2031-12-31T09:00:00 sh ex.sh >actual 2>&1 &&
	cat >expect <<-\EOF &&
	card	holder	not_after	days	phone
	3700280000011	林志强	2032-02-28T10:00:00+08:00	59	13906005678
	3700280000029	陈美玲	2032-03-10T10:00:00+08:00	70	13906005678
	13906005678	厦门海沧鑫达贸易有限公司：林志强的电子口岸卡3700280000011证书将于2032-02-28到期，请及时办理证书更新
	EOF
	test_cmp expect actual
'

test_expect_success 'a revoked card is not listed; nothing near its end prints nothing' '
	eport-card revoke -m "lost by the holder" $OP >/dev/null &&
	EPORT_NOW=2031-12-31T09:00:00 eport-card expiring -d 90 | cut -f1 >actual &&
	printf "card\n$LEGAL\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2031-12-31T09:00:00 eport-card expiring -d 30 >actual &&
	test_cmp /dev/null actual
'

test_expect_success 'expiring: usage and bad windows exit 2' '
	test_expect_code 2 eport-card expiring -d x 2>err &&
	echo "eport-card: -d '\''x'\'': not a number of days from 0 to 3650" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-card expiring -d -1 2>/dev/null &&
	test_expect_code 2 eport-card expiring extra 2>err &&
	grep -q "^usage: eport-card status" err &&
	git config -f "$EPORT_HOME/config" card.warn-days 9999 &&
	test_expect_code 2 eport-card expiring 2>err &&
	echo "eport-card: card.warn-days: 9999 is not from 0 to 3650" >expect &&
	test_cmp expect err &&
	git config -f "$EPORT_HOME/config" --unset card.warn-days
'

done_testing
