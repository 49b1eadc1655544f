#!/bin/sh
# One person, one operator card of an enterprise, where the card is made:
# two accepted cases for the same person (checked before holder-open
# existed: a store of the old rules) written at once on two readers of the
# same pcscd, then one stopped between its check and its transaction while
# the other finishes, then one after the other.  Each time exactly one
# active operator card remains; the other write is refused, its card blank
# and usable for the next holder.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126
B=91350206MA8RTE0J8C	# the enterprise of the examples' operator-add
Z=350205198808080461	# 张丽华, its new operator
R0='Virtual PCD 00 00'
R1='Virtual PCD 00 01'
FACTORY_MGMT=010203040506070801020304050607080102030405060708

# state FIELD STATEFILE: a field of the emulator's state file
state() {
	sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2"
}

# blank STATEFILE: the card holds no certificate and takes the factory keys
blank() {
	test "$(state mgmt_key "$1")" = $FACTORY_MGMT &&
	test "$(state pin "$1")" = 313233343536FFFF &&
	test "$(state puk "$1")" = 3132333435363738 &&
	! grep -q '"5FC105"' "$1"
}

# present READER: pcscd gives its clients the card in READER (it logs the
# insertion before it has powered the card up and said so).  eport-card
# status touches that reader alone, where OpenSC's tools ask every reader
# and wait for a writer that holds another
present() {
	present_=$1
	pcsc_wait_ 'eport-card status -r "$present_" >/dev/null 2>&1' 100
}

# The second card, in the driver's second slot (pcsc.sh runs one card)
card1_pid=
card1_start() {
	eport-vcard -p $((VPCD_PORT + 1)) "$1" 2>>"$PCSC_DIR/vcard1.log" &
	card1_pid=$!
	present "$R1"
}
card1_stop() {
	[ -n "$card1_pid" ] || return 0
	before=$(grep -c "Card Removed From $R1" "$PCSC_DIR/pcscd.log")
	kill "$card1_pid" 2>/dev/null
	wait "$card1_pid" 2>/dev/null
	card1_pid=
	pcsc_wait_ '[ "$(grep -c "Card Removed From $R1" "$PCSC_DIR/pcscd.log")" -gt "$before" ]' 50
}
trap 'card1_stop; pcsc_stop' EXIT

# cases N...: operator-add cases for Z in B, refs OAn, orders NF...0n; taken
# in, checked and accepted under the old rulebook (no unique rows)
cases() {
	for n; do
		sed -n 2p ex/cases.jsonl | jq -c --arg n "$n" \
			'.ref = "OA\($n)" | .order = "NF2026112509000000\($n)"'
	done >ex/oa.jsonl &&
	(cd ex && eport-apply oa.jsonl) | sed 1d | cut -f1 >oa.ids &&
	EPORT_SHARE=$TRASH/old eport-check -q <oa.ids >oa.checked &&
	EPORT_SHARE=$TRASH/old EPORT_USER=bob eport-review accept <oa.checked >oa.accepted &&
	test $(sed 1d oa.accepted | wc -l) = $#
}

# active: the numbers of the active operator cards of Z (张丽华) in B
active() {
	eport-card ls -j -s active -u $B |
		jq -r "select(.holder == \"张丽华\" and .role == \"operator\") | .number"
}

test_expect_success 'setup: an old rulebook, the orders, and the check of today refuses the second case' '
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	mkdir old && find "$EPORT_SHARE" -maxdepth 1 -type f -exec cp {} old/ \; &&
	grep -v "	unique	" "$EPORT_SHARE/rules.tsv" >old/rules.tsv &&
	! grep -q "	unique	" old/rules.tsv &&
	{ printf "订单号\t订单状态\t关区\t取货方式\t商品\t数量\n"
	  for n in 1 2 3 4 5 6; do
		printf "NF2026112509000000%d\t完成\t厦门分中心\t关区取货\t智能IC卡-操作员\t1\n" $n
	  done; } >orders.tsv &&
	eport-order import orders.tsv >/dev/null &&
	cases 1 2 &&
	(cd ex && test_expect_code 1 eport-check -f oa.jsonl) >findings &&
	cut -f1-4 findings >actual &&
	printf "id\tseverity\trule\tpath\n" >expect &&
	printf "OA%d\twarn\tcard-unknown\tcards.1.number\nOA%d\twarn\tcase-open\tenterprise.uscc\n" 1 1 >>expect &&
	printf "OA2\tblock\tholder-open\tholders.1.id_number\n" >>expect &&
	printf "OA%d\twarn\tcard-unknown\tcards.1.number\nOA%d\twarn\tcase-open\tenterprise.uscc\n" 2 2 >>expect &&
	test_cmp expect actual
'

test_expect_success 'two writes at once on two readers: one card, the other refused and blank' '
	vcard_start a.json && card1_start b.json && present "$R0" &&
	{ timed wa eport-card write -r "$R0" $C-0001 & } &&
	pa=$! &&
	{ timed wb eport-card write -r "$R1" $C-0002 & } &&
	pb=$! &&
	{ wait $pa; ra=$?; } &&
	{ wait $pb; rb=$?; } &&
	vcard_stop && card1_stop &&
	overlapping wa wb &&
	test "$(printf "%s %s" $ra $rb | tr " " "\n" | sort | tr "\n" " ")" = "0 1 " &&
	active >actual &&
	test $(wc -l <actual) = 1 &&
	won=$(cat actual) &&
	if [ $ra = 0 ]; then wcase=$C-0001 lost=$C-0002 lcard=b.json wout=wa.out lerr=wb.err; else
		wcase=$C-0002 lost=$C-0001 lcard=a.json wout=wb.out lerr=wa.err; fi &&
	printf "card\tcase\tholder\n%s\t%s\t%s\n" $won $wcase $Z >expect &&
	test_cmp expect $wout &&
	echo "eport-card: $lost: holder '\''$Z'\'' has operator card $won of the enterprise already (case $wcase): one person holds one operator card in one enterprise" >expect &&
	sed -n 1p $lerr >actual &&
	test_cmp expect actual &&
	sed 1d $lerr >rest &&
	{ test ! -s rest ||
	  grep -qx "eport-card: $lost: card 37002600000[0-9][0-9] is not recorded; the card in '\''Virtual PCD 00 0[01]'\'' is blank again" rest; } &&
	test $(wc -l <rest) -le 1 &&
	blank $lcard &&
	test "$(eport-show $lost | jq -r "[.state, (.issued | length)] | @tsv")" = "accepted	0"
'

# LeakSanitizer cannot run under ptrace.  The 48th sendto of a write starts
# SET MANAGEMENT KEY, its last APDU (t/0510-card.t): the writer is stopped
# there, after its check and before its transaction.
if command -v strace >/dev/null; then
child() {
	for p in $(cat /proc/$1/task/*/children 2>/dev/null); do
		tr "\0" "\n" </proc/$p/cmdline 2>/dev/null | grep -qE "(^|/)eport-card$" && echo $p && return 0
	done
	return 1
}

test_expect_success 'a writer stopped between check and record: refused in its transaction, card blank again' '
	eport-card revoke -m "test: the next round" $(active) >/dev/null &&
	test -z "$(active)" &&
	cases 3 4 &&
	vcard_start c.json &&
	{ ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -s 0 -o strace.log -e trace=sendto \
		-e inject=sendto:signal=SIGSTOP:when=48 eport-card write $C-0003 >wc.out 2>wc.err & } &&
	spid=$! &&
	pcsc_wait_ "grep -q \"stopped by SIGSTOP\" strace.log" 100 &&
	cpid=$(child $spid) &&
	card1_start d.json &&
	eport-card write -r "$R1" $C-0004 >wd.out &&
	card1_stop &&
	kill -CONT $cpid &&
	{ wait $spid; rc=$?; } &&
	test "$rc" = 1 &&
	vcard_stop &&
	test_cmp /dev/null wc.out &&
	won=$(sed 1d wd.out | cut -f1) &&
	echo "eport-card: $C-0003: holder '\''$Z'\'' has operator card $won of the enterprise already (case $C-0004): one person holds one operator card in one enterprise" >expect &&
	sed -n 1p wc.err >actual &&
	test_cmp expect actual &&
	sed -n 2p wc.err | grep -qx "eport-card: $C-0003: card 37002600000[0-9][0-9] is not recorded; the card in '\''$R0'\'' is blank again" &&
	test $(wc -l <wc.err) = 2 &&
	blank c.json &&
	echo "$won" >expect && active >actual && test_cmp expect actual &&
	test "$(eport-show $C-0003 | jq -r "[.state, (.issued | length)] | @tsv")" = "accepted	0"
'
else
	test_skip "a writer stopped between check and record: strace is not installed"
fi

test_expect_success 'a card made blank again is written for the next holder' '
	sed -n 1p ex/cases.jsonl | jq -c ".ref = \"ON1\" | .enterprise.uscc = \"91350205MA2YQB7K1K\"" >ex/on.jsonl &&
	(cd ex && eport-apply on.jsonl) | sed 1d | cut -f1 >on.ids &&
	eport-check -q <on.ids | EPORT_USER=bob eport-review accept >/dev/null &&
	for f in a.json b.json c.json; do blank $f && break; done &&
	cp $f again.json && f=again.json &&
	vcard_start $f &&
	eport-card write $(cat on.ids) 350203198005120316 >out &&
	eport-card status | sed 1d | cut -f2,3 >actual &&
	vcard_stop &&
	printf "legal\t林志强\n" >expect && test_cmp expect actual &&
	test "$(state mgmt_key $f)" != $FACTORY_MGMT
'

test_expect_success 'one after the other: the second is refused before the card is touched' '
	cases 5 &&
	id=$(sed 1d oa.accepted | cut -f1) &&
	vcard_start e.json &&
	cp e.json e.before &&
	snapshot seq &&
	test_expect_code 1 eport-card write $id 2>err &&
	vcard_stop &&
	won=$(active) && wcase=$C-0004 &&
	echo "eport-card: $id: holder '\''$Z'\'' has operator card $won of the enterprise already (case $wcase): one person holds one operator card in one enterprise" >expect &&
	test_cmp expect err &&
	cmp e.before e.json &&
	unchanged seq &&
	test $(active | wc -l) = 1
'

test_expect_success 'every ref matches its case; git and LMDB agree' '
	refs_match
'

done_testing
