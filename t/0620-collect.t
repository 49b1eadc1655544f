#!/bin/sh
# eport-ship collect and uncollected: cards (here, readers) collected at the
# counter, from a bounced parcel (the freight both ways paid) or a case for
# the hall; who collected, against which identity number, which staff
# member; what waits at the counter and for how many working days; the
# notices name the counter and who pays the freight; eport-order ls says
# that the office handed the order's goods out.
. "$(dirname "$0")/lib.sh"

C=XM20261126
A=91350200MA2Y0Q1X9G
H=35021119951120017X	# 黄小燕, the handler of the case at the hall
T=2026-11-26T10:00:00+08:00

glog() {
	git --git-dir="$EPORT_HOME/docs.git" log \
		--format="%an|%s|%(trailers:key=Case-State,valueonly,separator=)" "refs/cases/$1"
}

# 0001 reader at the hall (ready); 0002 reader by post (shipped Friday);
# 0003 reader by post (shipped Friday, bounced Monday)
test_expect_success 'setup: three reader cases, accepted Thursday; two posted, one came back' '
	eport-init &&
	cp -R "$EPORT_SHARE/examples" ex &&
	cp "$DATA/review/readers.jsonl" ex/ &&
	reader_orders ex/readers.jsonl >orders.tsv && eport-order import orders.tsv >/dev/null &&
	eport-apply ex/readers.jsonl >/dev/null &&
	eport-ls | eport-check -q | EPORT_USER=bob eport-review accept >/dev/null &&
	printf "id\ttracking\n$C-0002\t1180098765432\n$C-0003\t1180098765446\n" |
		EPORT_NOW=2026-11-27T15:00:00+08:00 eport-ship mark >/dev/null &&
	EPORT_NOW=2026-11-30T11:00:00+08:00 eport-ship bounce -m 收件人拒收 $C-0003 >/dev/null &&
	eport-ls | cut -f 1,4 >actual &&
	printf "id\tstate\n$C-0001\tready\n$C-0002\tshipped\n$C-0003\tbounced\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'uncollected: what waits at the counter, longest first, with its contact' '
	EPORT_NOW=2026-12-01T16:00:00+08:00 eport-ship uncollected >actual &&
	cat >expect <<-EOT &&
	id	type	uscc	state	since	days	contact	phone
	$C-0001	reader	$A	ready	$T	3	黄小燕	13906001234
	$C-0003	reader	$A	bounced	2026-11-30T11:00:00+08:00	1	黄小燕	13906001234
	EOT
	test_cmp expect actual &&
	EPORT_NOW=2026-12-01T16:00:00+08:00 eport-ship uncollected -d 2 | cut -f 1 >actual &&
	printf "id\n$C-0001\n" >expect &&
	test_cmp expect actual &&
	EPORT_NOW=2026-12-01T16:00:00+08:00 eport-ship uncollected -j -d 2 | jq -r "[.id, .days] | @tsv" >actual &&
	printf "$C-0001\t3\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the collection notice names the counter; the bounce notice the freight both ways' '
	EPORT_NOW=2026-11-30T09:00:00+08:00 eport-status -p $C-0001 >window &&
	grep -x "本通知书须加盖单位公章，由经办人持本人身份证件到服务大厅一号柜台领取。" window &&
	grep -x "领卡柜台：一号柜台" window &&
	eport-status -p $C-0003 >bounced &&
	sed -n 1p bounced >actual && echo 退件通知书 >expect && test_cmp expect actual &&
	grep -x "邮件（EMS 1180098765446）已退回：收件人拒收。" bounced &&
	grep -x "往返快递费用（寄出和退回）由企业承担，领取时在一号柜台支付。" bounced
'

test_expect_success 'office.counter names another counter' '
	git config -f "$EPORT_HOME/config" office.counter 二号柜台 &&
	eport-status -p $C-0003 >bounced &&
	grep -x "往返快递费用（寄出和退回）由企业承担，领取时在二号柜台支付。" bounced &&
	grep -x "领卡柜台：二号柜台" bounced &&
	git config -f "$EPORT_HOME/config" --unset office.counter
'

# refused CODE MESSAGE ARGS...: collect refused with CODE, nothing changed
refused() {
	code=$1 msg=$2
	shift 2
	snapshot refused &&
	test_expect_code "$code" eport-ship collect "$@" >out 2>err &&
	echo "eport-ship: $msg" >expect &&
	test_cmp expect err &&
	test ! -s out &&
	unchanged refused
}

test_expect_success 'collect refuses what is not waiting at the counter, naming its state' '
	refused 1 "$C-0002: case is shipped, not bounced, or ready for collection at the hall" \
		-m "黄小燕 $H" $C-0002
'

test_expect_success 'bounced post: the freight both ways is paid first' '
	refused 1 "$C-0003: case is bounced: the enterprise pays the freight both ways first (-f FREIGHT, the yuan paid)" \
		-m "黄小燕 $H" $C-0003
'

test_expect_success 'a case for the hall was never posted: no freight' '
	refused 1 "$C-0001: case was never posted: no freight to pay (-f)" -f 20 -m "黄小燕 $H" $C-0001
'

test_expect_success 'who collected it is checked as a holder is: name and a valid identity number' '
	refused 1 "-m: 黄小燕'\''s identity number '\''350211199511200170'\'' (resident): bad check digit" \
		-m "黄小燕 350211199511200170" $C-0001 &&
	refused 2 "-m '\''黄小燕'\'': who collected it: NAME ID_NUMBER" -m 黄小燕 $C-0001 &&
	refused 2 "-t '\''visa'\'': not an identity document type" -t visa -m "黄小燕 $H" $C-0001 &&
	refused 2 "-f '\''22.505'\'': not an amount in yuan (22 or 22.50)" -f 22.505 -m "黄小燕 $H" $C-0003 &&
	refused 2 "collect needs who collected it: -m '\''NAME ID_NUMBER'\''" $C-0001
'

test_expect_success 'collect -n prints and stores nothing' '
	snapshot dry &&
	eport-ship collect -n -m "黄小燕 $H" $C-0001 >actual &&
	printf "id\tstate\ttracking\n$C-0001\tcollected\t\n" >expect &&
	test_cmp expect actual &&
	unchanged dry
'

test_expect_success 'the handler collects the case at the hall: who, when, which staff member, where' '
	EPORT_USER=carol EPORT_NOW=2026-12-01T10:00:00+08:00 \
		eport-ship collect -m "黄小燕 $H" $C-0001 >actual &&
	printf "id\tstate\ttracking\n$C-0001\tcollected\t\n" >expect &&
	test_cmp expect actual &&
	eport-show $C-0001 | jq -c .collected >actual &&
	echo "{\"at\":\"2026-12-01T10:00:00+08:00\",\"by\":\"carol\",\"name\":\"黄小燕\",\"id_type\":\"resident\",\"id_number\":\"$H\",\"relation\":\"handler\",\"counter\":\"一号柜台\"}" >expect &&
	test_cmp expect actual &&
	glog $C-0001 | sed 1q >actual &&
	echo "carol|collect $C-0001: 黄小燕 at 一号柜台|collected" >expect &&
	test_cmp expect actual &&
	eport-fsck
'

test_expect_success 'someone else collects the bounced parcel with a passport, freight paid' '
	EPORT_USER=carol EPORT_NOW=2026-12-01T11:00:00+08:00 \
		eport-ship collect -t passport -f 44.00 -m "John Smith E12345678" $C-0003 >actual &&
	printf "id\tstate\ttracking\n$C-0003\tcollected\t1180098765446\n" >expect &&
	test_cmp expect actual &&
	eport-log -j $C-0003 | tail -n 1 | jq -r "[.by, .action, .from, .to, .why, .collected.name, .collected.id_type, .collected.id_number, .collected.relation, .collected.freight] | @tsv" >actual &&
	printf "carol\tcollect\tbounced\tcollected\tJohn Smith at 一号柜台, freight 44.00 paid\tJohn Smith\tpassport\tE12345678\tother\t44.00\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'nothing waits at the counter now; the enterprise reads 已办结 · 已领取' '
	EPORT_NOW=2026-12-01T16:00:00+08:00 eport-ship uncollected >actual &&
	test_cmp /dev/null actual &&
	eport-status $A | cut -f 1,4,5 >actual &&
	cat >expect <<-EOT &&
	id	status	detail
	$C-0001	已办结 · 已领取	
	$C-0002	已邮寄	1180098765432
	$C-0003	已办结 · 已领取	
	EOT
	test_cmp expect actual
'

test_expect_success 'eport-order ls: which case used each order, and when the office handed it out' '
	eport-order ls | cut -f 1,7,8 >actual &&
	cat >expect <<-EOT &&
	order	case	handed
	NF20261122110000001	$C-0001	2026-12-01T10:00:00+08:00
	NF20261122110000002	$C-0002	2026-11-27T15:00:00+08:00
	NF20261122110000003	$C-0003	2026-12-01T11:00:00+08:00
	EOT
	test_cmp expect actual &&
	eport-order ls -j NF20261122110000001 | jq -r .handed >actual &&
	echo 2026-12-01T10:00:00+08:00 >expect &&
	test_cmp expect actual
'

test_expect_success 'a collected case closes; the auditor reads the collection in the export' '
	eport-close $C-0001 $C-0003 >/dev/null &&
	eport-status $A | cut -f 4 | sed -n "2p;4p" >actual &&
	printf "已办结 · 已领取\n已办结 · 已领取\n" >expect &&
	test_cmp expect actual &&
	eport-export -o audit.tar $C-0003 &&
	mkdir x && tar -xmf audit.tar -C x &&
	jq -r "select(.action == \"collect\") | [.by, .collected.name, .collected.freight] | @tsv" x/$C-0003/history.jsonl >actual &&
	printf "carol\tJohn Smith\t44.00\n" >expect &&
	test_cmp expect actual &&
	jq -r ".collected.freight" x/$C-0003/case.json >actual && echo 44.00 >expect && test_cmp expect actual &&
	eport-fsck
'

done_testing
