#!/bin/sh
# eport-card and the rules that can change after a case was accepted: the
# card's holder (another person took the card meanwhile), payment (the
# order refunded), a revoked card.  Each is refused before the card is
# touched: the card and the store are as they were.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126
L=350203198005120316	# 林志强, the legal representative
O=350206199001010244	# 陈美玲, operator
LEGAL=3700260000015
OP=3700260000023

# card STATEFILE: that card, alone in the reader
card() {
	vcard_stop && vcard_start "$1"
}

test_expect_success 'setup: an enterprise with its two cards; a renewal, a change, an unlock and an addition accepted' '
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-order import "$DATA/review/orders.tsv" >/dev/null &&
	sed -n 1p ex/cases.jsonl >ex/onboard.jsonl &&
	(cd ex && eport-apply onboard.jsonl) >/dev/null &&
	eport-check -q $C-0001 | EPORT_USER=bob eport-review accept >/dev/null &&
	card legal.json && eport-card write $C-0001 $L >/dev/null &&
	card op.json && eport-card write $C-0001 $O >/dev/null &&
	sed -e s/@LEGAL@/$LEGAL/ -e s/@OP@/$OP/ "$DATA/card/cases.jsonl" >mine.jsonl &&
	{
		sed -n 2p mine.jsonl | jq -c --arg o $O ".ref = \"R-OP\" | .cards = [{number: \"$OP\", role: \"operator\"}] |
			.holders = [{role: \"operator\", name: \"陈美玲\", id_type: \"resident\", id_number: \$o}] |
			.documents |= map(if .holder then .holder = \$o else . end)"
		sed -n 3p mine.jsonl
		sed -n 1p mine.jsonl
		sed -n 2p ex/cases.jsonl | jq -c ".ref = \"ADD1\" | .enterprise.uscc = \"91350200MA2Y0K3PXF\" |
			.cards = [{number: \"$LEGAL\", role: \"legal\"}] |
			.holders[0] |= (.name = \"王丽\" | .id_number = \"350203198512152347\" | .birth_date = \"1985-12-15\") |
			.documents |= map(if .holder then .holder = \"350203198512152347\" else . end)"
	} >ex/later.jsonl &&
	(cd ex && eport-apply later.jsonl) >/dev/null &&
	eport-check -q $C-0002 $C-0003 $C-0004 $C-0005 | EPORT_USER=bob eport-review accept >actual &&
	{ printf "id\tstate\n"; printf "$C-%s\taccepted\n" 0002 0003 0004 0005; } >expect &&
	test_cmp expect actual
'

test_expect_success 'renew for a person who is no longer the card'\''s holder is refused' '
	card op.json &&
	eport-card write $C-0003 >/dev/null &&
	test "$(eport-card status | sed 1d | cut -f3)" = 张丽华 &&
	cp op.json op.before &&
	snapshot holder &&
	test_expect_code 1 eport-card renew $C-0002 >out 2>err &&
	echo "eport-card: $C-0002: card-holder: 操作员 陈美玲不是卡号$OP的登记持卡人（登记持卡人：张丽华）：证书更新、解锁和补办只能为卡的登记持卡人办理；更换操作员请办理变更操作员卡，法定代表人变更请办理企业基本信息变更" >expect &&
	test_cmp expect err && test ! -s out &&
	cmp op.before op.json &&
	unchanged holder
'

test_expect_success 'no card is written for an order refunded after acceptance' '
	printf "订单号\t订单状态\t关区\t取货方式\t商品\t数量\nNF20261120093015123\t待退款\t厦门分中心\t关区取货\t智能IC卡-操作员\t1\n" |
		eport-order import >/dev/null &&
	card add.json &&
	cp add.json add.before &&
	snapshot refund &&
	test_expect_code 1 eport-card write $C-0005 >out 2>err &&
	echo "eport-card: $C-0005: order-unpaid: 订单NF20261120093015123状态为待退款，须支付成功的订单" >expect &&
	test_cmp expect err && test ! -s out &&
	cmp add.before add.json &&
	unchanged refund &&
	eport-order import "$DATA/review/orders.tsv" >/dev/null &&
	eport-card write $C-0005 >out &&
	test "$(sed 1d out | cut -f3)" = 350203198512152347
'

test_expect_success 'unlock of a card revoked after acceptance is refused' '
	eport-card revoke -m "lost by the holder" $LEGAL >/dev/null &&
	card legal.json &&
	cp legal.json legal.before &&
	snapshot revoked &&
	test_expect_code 1 eport-card unlock $C-0004 >out 2>err &&
	echo "eport-card: $C-0004: card-revoked: 卡号$LEGAL已于2026-11-26作废，不能再办理解锁：如需新卡请办理补办" >expect &&
	test_cmp expect err && test ! -s out &&
	cmp legal.before legal.json &&
	unchanged revoked
'

done_testing
