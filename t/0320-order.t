#!/bin/sh
# eport-order: the sales platform's order export, CSV or TSV, UTF-8 or
# GB18030, one row per order line, merged into orders; a bad row keeps its
# order out and says where, and importing again updates, never duplicates.
. "$(dirname "$0")/lib.sh"

D=$DATA/orders

test_expect_success 'setup: a store with the example cases, one of them naming an order' '
	eport-init >/dev/null &&
	cp -R "$EPORT_SHARE/examples" ex &&
	eport-apply ex/cases.jsonl >/dev/null
'

test_expect_success 'ls lists the order a case claimed, before any import, with empty columns' '
	eport-order ls >actual &&
	printf "order\ttime\tstatus\toffice\tpickup\tproducts\tcase\thanded\n" >expect &&
	printf "NF20261120093015123\t\t\t\t\t\tXM20261126-0002\t\n" >>expect &&
	test_cmp expect actual
'

test_expect_success 'eport-check: the claimed order is not imported yet' '
	test_expect_code 1 eport-check -n XM20261126-0002 >check.out &&
	grep "	order-" check.out | cut -f 3 >actual &&
	echo order-unknown >expect &&
	test_cmp expect actual
'

test_expect_success 'import -n prints what it would store and stores nothing' '
	snapshot dry &&
	eport-order import -n "$D/export.csv" >actual &&
	cat >expect <<-\EOT &&
	order	status	lines
	NF20261120093015123	完成	1
	NF20261121101502007	待提货	2
	NF20261122143000456	待支付	1
	EOT
	test_cmp expect actual &&
	unchanged dry
'

cat >ls.expect <<\EOT
order	time	status	office	pickup	products	case	handed
NF20261120093015123	2026-11-20 09:30:15	完成	厦门分中心	关区取货	智能IC卡-操作员x1	XM20261126-0002	
NF20261121101502007	2026-11-21 10:15:02	待提货	厦门分中心	关区取货	智能IC卡-操作员x2,读卡器x1		
NF20261122143000456	2026-11-22 14:30:00	待支付	厦门分中心	厂家邮寄	智能IC卡-法人卡x1		
EOT

test_expect_success 'a UTF-8 CSV with a BOM and CR LF: one line per order stored' '
	eport-order import "$D/export.csv" >actual &&
	test_cmp expect actual &&
	eport-order ls >actual &&
	test_cmp ls.expect actual
'

test_expect_success 'the claim of the case is kept; a quoted address keeps its comma and newline' '
	eport-order ls -j NF20261120093015123 >actual &&
	cat >expect <<-\EOT &&
	{"order":"NF20261120093015123","time":"2026-11-20 09:30:15","status":"完成","office":"厦门分中心","pickup":"关区取货","lines":[{"product":"智能IC卡-操作员","qty":1,"amount":"200.00"}],"invoice_title":"厦门象屿通达物流有限公司","taxpayer_id":"91350206MA8RTE0J8C","recipient":"郑宇航","phone":"13606054444","address":"厦门市湖里区象屿路97号,\n象屿大厦3楼","case":"XM20261126-0002"}
	EOT
	test_cmp expect actual
'

test_expect_success 'a multi-line order is one order with its lines in export order' '
	eport-order ls -j NF20261121101502007 | jq -c .lines >actual &&
	echo "[{\"product\":\"智能IC卡-操作员\",\"qty\":2,\"amount\":\"400.00\"},{\"product\":\"读卡器\",\"qty\":1,\"amount\":\"150.00\"}]" >expect &&
	test_cmp expect actual &&
	eport-order ls -j NF20261122143000456 | jq -r .invoice_title >actual &&
	echo "厦门\"明达\"电子有限公司" >expect &&
	test_cmp expect actual
'

test_expect_success 'eport-check finds the imported order good for the case' '
	{ eport-check -n XM20261126-0002 >check.out; test $? -le 1; } &&
	! grep "	order-" check.out
'

eport-order ls -j >all.expect

test_expect_success 'the same export again: the same orders, no duplicate, no change' '
	snapshot again &&
	eport-order import "$D/export.csv" >/dev/null &&
	unchanged again
'

test_expect_success 'GB18030 made by iconv from the same content gives the same orders' '
	tail -c +4 "$D/export.csv" | iconv -f UTF-8 -t GB18030 >gb.csv &&
	! iconv -f UTF-8 -t UTF-8 gb.csv >/dev/null 2>&1 &&
	snapshot gb &&
	eport-order import gb.csv >/dev/null &&
	unchanged gb &&
	eport-order ls >actual &&
	test_cmp ls.expect actual
'

test_expect_success 'GB18030 with its own BOM, from stdin' '
	iconv -f UTF-8 -t GB18030 "$D/export.csv" | eport-order import >/dev/null &&
	unchanged gb
'

test_expect_success 'English headers in another order, an extra column, LF' '
	eport-order import "$D/english.csv" >/dev/null &&
	unchanged gb &&
	eport-order ls -j >actual &&
	test_cmp all.expect actual
'

test_expect_success 'TSV, a multi-line order whose later rows leave the order columns empty' '
	eport-order import "$D/export.tsv" >/dev/null &&
	unchanged gb &&
	eport-order ls -j >actual &&
	test_cmp all.expect actual
'

test_expect_success 'import again updates: lines replaced, status changed, the rest kept' '
	eport-order import -j "$D/update.csv" >actual &&
	cat >expect <<-\EOT &&
	{"order":"NF20261122143000456","status":"完成","lines":1}
	{"order":"NF20261121101502007","status":"完成","lines":1}
	EOT
	test_cmp expect actual &&
	eport-order ls >actual &&
	cat >expect <<-\EOT &&
	order	time	status	office	pickup	products	case	handed
	NF20261120093015123	2026-11-20 09:30:15	完成	厦门分中心	关区取货	智能IC卡-操作员x1	XM20261126-0002	
	NF20261121101502007	2026-11-21 10:15:02	完成	厦门分中心	关区取货	智能IC卡-操作员x2		
	NF20261122143000456	2026-11-22 14:30:00	完成	厦门分中心	厂家邮寄	智能IC卡-法人卡x1		
	EOT
	test_cmp expect actual &&
	test $(mdb_dump -s orders "$EPORT_HOME/db" | grep -c "^ ") = 6
'

test_expect_success 'ls -s lists the orders of one status; ls ORDER the ones named' '
	eport-order import "$D/export.csv" >/dev/null &&
	eport-order ls -s 待提货 >actual &&
	sed -n "1p;3p" ls.expect >expect &&
	test_cmp expect actual &&
	eport-order ls NF20261122143000456 NF20261120093015123 >actual &&
	{ sed -n 1p ls.expect && sed -n 4p ls.expect && sed -n 2p ls.expect; } >expect &&
	test_cmp expect actual
'

test_expect_success 'each bad row is refused where it is; its order is not stored, the others are' '
	cp "$D/bad.csv" . &&
	test_expect_code 1 eport-order import bad.csv >actual 2>err &&
	test_cmp "$D/bad.err" err &&
	cat >expect <<-\EOT &&
	order	status	lines
	NF20261123090000001	完成	1
	NF20261123110000008	待支付	1
	EOT
	test_cmp expect actual &&
	eport-order ls >actual &&
	cat ls.expect >expect &&
	printf "NF20261123090000001\t2026-11-23 09:00:00\t完成\t厦门分中心\t关区取货\t智能IC卡-操作员x1\t\t\n" >>expect &&
	printf "NF20261123110000008\t2026-11-23 11:00:00\t待支付\t厦门分中心\t厂家邮寄\t读卡器x1\t\t\n" >>expect &&
	test_cmp expect actual
'

test_expect_success 'a bad row of a stored order leaves the stored order as it was' '
	snapshot badrow &&
	printf "%s\n" 订单号,订单状态,关区,取货方式,商品,数量 \
		NF20261122143000456,完成,厦门分中心,关区取货,读卡器,1 \
		NF20261122143000456,完成,厦门分中心,关区取货,读卡器,-1 >neg.csv &&
	test_expect_code 1 eport-order import neg.csv >actual 2>err &&
	echo "eport-order: neg.csv:3: qty: '\''-1'\'': not a positive whole number" >expect &&
	test_cmp expect err &&
	test ! -s actual &&
	unchanged badrow
'

test_expect_success 'a file without an order column is refused whole; the store is unchanged' '
	snapshot nocol &&
	cp "$D/nocol.csv" . &&
	test_expect_code 1 eport-order import nocol.csv >actual 2>err &&
	echo "eport-order: nocol.csv:1: order: no such column (订单号 or order)" >expect &&
	test_cmp expect err &&
	test ! -s actual &&
	unchanged nocol
'

test_expect_success 'two columns for one field: refused whole' '
	printf "%s\n" 订单号,order,订单状态,关区,取货方式,商品,数量 \
		NF20261123090000001,NF20261123090000001,完成,厦门分中心,关区取货,读卡器,1 >two.csv &&
	test_expect_code 1 eport-order import two.csv >actual 2>err &&
	echo "eport-order: two.csv:1: order: two columns: '\''订单号'\'' and '\''order'\''" >expect &&
	test_cmp expect err &&
	test ! -s actual &&
	unchanged nocol
'

test_expect_success 'a quoted field without its closing quote: refused whole' '
	cp "$D/unterminated.csv" . &&
	test_expect_code 1 eport-order import unterminated.csv >actual 2>err &&
	echo "eport-order: unterminated.csv:3: a quoted field without its closing quote" >expect &&
	test_cmp expect err &&
	test ! -s actual &&
	unchanged nocol
'

test_expect_success 'a quote inside an unquoted field: refused whole' '
	printf "%s\n" 订单号,订单状态,关区,取货方式,商品,数量 \
		NF20261123090000001,完成,厦门分中心,关区取货,读卡器,1 \
		NF20261123110000008,完成,厦门分中心,关区取货,5寸\"读卡器,1 >quote.csv &&
	test_expect_code 1 eport-order import quote.csv >actual 2>err &&
	echo "eport-order: quote.csv:3: a quote inside an unquoted field, or text after a closing quote" >expect &&
	test_cmp expect err &&
	unchanged nocol
'

test_expect_success 'bytes that are neither UTF-8 nor GB18030: refused whole' '
	printf "订单号,订单状态,关区,取货方式,商品,数量\nNF20261123090000001,\377\377,厦门分中心,关区取货,读卡器,1\n" >bin.csv &&
	test_expect_code 1 eport-order import bin.csv >actual 2>err &&
	echo "eport-order: bin.csv:2: neither UTF-8 nor GB18030 text" >expect &&
	test_cmp expect err &&
	unchanged nocol
'

test_expect_success 'an empty export, and one with a header only: refused, and nothing stored' '
	: >empty.csv &&
	test_expect_code 1 eport-order import empty.csv 2>err &&
	echo "eport-order: empty.csv:1: no header line" >expect &&
	test_cmp expect err &&
	echo 订单号,订单状态,关区,取货方式,商品,数量 | eport-order import >actual &&
	test ! -s actual &&
	unchanged nocol
'

test_expect_success 'a file that cannot be opened is refused; the files after it are read' '
	test_expect_code 1 eport-order import -n missing.csv "$D/update.csv" >actual 2>err &&
	echo "eport-order: cannot open '\''missing.csv'\'': No such file or directory" >expect &&
	test_cmp expect err &&
	test $(wc -l <actual) = 3 &&
	unchanged nocol
'

test_expect_success 'ls of an order the store does not know: exit 1' '
	test_expect_code 1 eport-order ls NF20261231235959999 >actual 2>err &&
	echo "eport-order: '\''NF20261231235959999'\'': no such order" >expect &&
	test_cmp expect err && test ! -s actual
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 eport-order 2>err &&
	test_expect_code 2 eport-order list 2>err &&
	test_expect_code 2 eport-order ls -n 2>err &&
	test_expect_code 2 eport-order import -s 完成 2>err &&
	test_expect_code 2 eport-order ls -s 已发货 2>err &&
	echo "eport-order: -s '\''已发货'\'': not an order status (待支付, 待认证, 待开票, 待提货, 待退款 or 完成)" >expect &&
	test_cmp expect err &&
	unchanged nocol
'

done_testing
