#!/bin/sh
# The transcripts of the pages whose examples need a card (t/lib.sh's
# transcript_tests): eport-card(1), eport-vcard(1) and eport-ship(1), in
# order on one store, through the real pcscd and the PIV card emulator
# (t/pcsc.sh).  The cases of share/eport/examples are taken in, checked and
# accepted on the day of EPORT_NOW; the cards are written there, the cases
# that are then ready are shipped.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
SRC=$EPORT_SRC
NOW=$EPORT_NOW

# The pages' eport-vcard connects to the driver of the system's pcscd, on
# its port; here the driver is on VPCD_PORT: a stand-in first on PATH, for
# eport-vcard(1) only, gives it -p, and leaves its process id in vcard.pid.
mkdir shim &&
cat >shim/eport-vcard <<EOF || exit 2
#!/bin/sh
case \$1 in
-i) ;;
*) set -- -p "$VPCD_PORT" "\$@"; echo \$\$ >"$TRASH/vcard.pid" ;;
esac
exec "$EPORT_BIN/eport-vcard" "\$@"
EOF
chmod +x shim/eport-vcard || exit 2

# page_vcard_stop: take out the card the page put in
page_vcard_stop() {
	[ -s "$TRASH/vcard.pid" ] || return 0
	before=$(pcsc_removed_)
	kill "$(cat "$TRASH/vcard.pid")" 2>/dev/null
	rm -f "$TRASH/vcard.pid"
	pcsc_wait_ '[ "$(pcsc_removed_)" -gt "$before" ]' 50
}

# transcript_before PAGE N: the card, the day and the PATH that transcript
# N of PAGE needs (a card that eport-vcard(1) puts in is waited for before
# the next transcript uses it).  The cards are written on 26 November, for
# two years; eport-ship(1) posts on 1 December (two and three working days
# after the acceptance) and finds the parcel that came back 11 working days
# later.  A page with a transcript more or fewer fails the count below.
transcript_before() {
	EPORT_NOW=$NOW
	case $1:$2 in
	*eport-card.1:1) vcard_stop && vcard_start legal.json ;;
	*eport-card.1:2) vcard_stop && vcard_start op.json ;;
	*eport-card.1:5) vcard_stop && vcard_start add.json ;;
	*eport-card.1:[89]) EPORT_NOW=2028-10-01T09:00:00+08:00 ;;
	*eport-vcard.1:1) vcard_stop && PATH=$TRASH/shim:$PATH && in=$(pcsc_inserted_) ;;
	*eport-vcard.1:[25]) pcsc_wait_ '[ "$(pcsc_inserted_)" -gt "$in" ]' 100 ;;
	*eport-vcard.1:3) page_vcard_stop ;;
	*eport-vcard.1:4) in=$(pcsc_inserted_) ;;
	*eport-ship.1:*) PATH=${PATH#"$TRASH/shim:"} && page_vcard_stop &&
		EPORT_NOW=2026-12-01T08:30:00+08:00 ;;
	esac
	case $1:$2 in
	*eport-ship.1:[45]) EPORT_NOW=2026-12-16T10:00:00+08:00 ;;
	esac
	export EPORT_NOW
}

# The office has 2027's 元旦 in its calendar (eport-ship warns from 1
# December until it has the new year); the order of XM20261126-0002 is paid
# (the one of eport-order(1)); 0003 lacks a document and stays incomplete.
test_expect_success 'the examples taken in and checked; bob accepts the two complete ones' '
	make_store &&
	printf "date\tkind\tname\n2027-01-01\tholiday\t元旦\n" >"$EPORT_HOME/holidays.tsv" &&
	mkdir ex && cp -R "$EPORT_SHARE/examples/." ex/ &&
	printf "%s\n" 订单号,订单时间,订单状态,关区,取货方式,商品,数量,金额 \
		"NF20261120093015123,2026-11-20 09:30:15,完成,厦门分中心,关区取货,智能IC卡-操作员,1,200.00" \
		>orders.csv &&
	eport-order import orders.csv >/dev/null &&
	(cd ex && eport-apply cases.jsonl) | sed 1d | cut -f1 >ids &&
	test_expect_code 1 eport-check -q $(cat ids) >checked &&
	EPORT_USER=bob eport-review accept -m "materials complete" <checked >/dev/null &&
	eport-ls | cut -f1,2,4 >actual &&
	printf "id\ttype\tstate\n" >expect &&
	printf "XM20261126-%s\t%s\t%s\n" 0001 onboard accepted 0002 operator-add accepted \
		0003 renew incomplete >>expect &&
	test_cmp expect actual
'

for page in man1/eport-card.1 man1/eport-vcard.1 man1/eport-ship.1; do
	d=tr-$(basename "$page")
	mkdir "$d" && transcripts "$SRC/man/$page" "$d"
	case $page in
	*eport-card.1) want=9 ;;
	*) want=5 ;;
	esac
	test_expect_success "$page has the $want transcripts that transcript_before knows" '
		ls "$d"/*.sh | wc -l >count &&
		echo $want >expect &&
		test_cmp expect count
	'
	transcript_tests "$page" "$d"
done
page_vcard_stop

done_testing
