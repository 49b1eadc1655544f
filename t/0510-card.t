#!/bin/sh
# eport-card through the real pcscd and the PIV card emulator: status, write
# (new cards, a rewritten card, a reissue that revokes the old card), unlock,
# renew, revoke and ls; OpenSC reads what was written and OpenSSL verifies it
# against the office CA; a card pulled out mid-write, a crash between card and
# store, no pcscd; and the per-card PUK and management key nowhere in the store.
. "$(dirname "$0")/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start
C=XM20261126
R=$PCSC_READER
L=350203198005120316	# 林志强, the legal representative
O=350206199001010244	# 陈美玲, operator
Z=350205198808080461	# 张丽华, the new operator

# card STATEFILE: that card, alone in the reader
card() {
	vcard_stop && vcard_start "$1"
}

# state FIELD STATEFILE: a field of the emulator's state file
state() {
	sed -n "s/^ *\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2"
}

# accept FILE: take the records in, check them, and bob accepts them
accept() {
	(cd ex && eport-apply "$1") | sed 1d | cut -f1 >ids &&
	eport-check -q $(cat ids) >/dev/null &&
	EPORT_USER=bob eport-review accept -m "materials complete" $(cat ids) >/dev/null
}

# apdus APDU...: the status words the card answers
apdus() {
	opensc-tool -r 0 $(for a; do printf -- "-s %s " "$a"; done) |
		sed -n "s/^Received (SW1=0x\(..\), SW2=0x\(..\)).*/\1\2/p"
}

# pin_apdu PIN: VERIFY of PIN, padded with FF as the card takes it
pin_apdu() {
	printf "0020008008%s" "$(printf %s "$1" | od -An -tx1 | tr -d " \n")"
	i=${#1}
	while [ $i -lt 8 ]; do printf FF; i=$((i + 1)); done
}

test_expect_success 'a blank card: status says so, with its PIN tries' '
	make_store &&
	cp -R "$EPORT_SHARE/examples" ex &&
	vcard_start legal.json &&
	eport-card status >out 2>err &&
	printf "card\trole\tholder\tuscc\tenterprise\tnot_after\tpin_tries\n\t\t\t\t\t\t5\n" >expect &&
	test_cmp expect out &&
	echo "eport-card: '\''$R'\'': card empty (no certificate in 9A)" >expect &&
	test_cmp expect err
'

test_expect_success 'the reader by name or by a unique prefix; an unknown one is refused' '
	eport-card status -j -r "$R" 2>/dev/null >out &&
	echo "{\"card\":null,\"role\":null,\"holder\":null,\"uscc\":null,\"enterprise\":null,\"not_after\":null,\"pin_tries\":5}" >expect &&
	test_cmp expect out &&
	eport-card status -r "Virtual PCD 00 00" >/dev/null 2>&1 &&
	test_expect_code 2 eport-card status -r "Virtual PCD" 2>err &&
	echo "eport-card: reader '\''Virtual PCD'\'' is ambiguous" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-card status -r nosuch 2>err &&
	echo "eport-card: no reader named '\''nosuch'\''" >expect &&
	test_cmp expect err
'

test_expect_success 'no pcscd, no card: clear errors, exit 2' '
	PCSCLITE_CSOCK_NAME=$TRASH/nowhere test_expect_code 2 eport-card status 2>err &&
	echo "eport-card: cannot reach pcscd: Service not available (is pcscd running?)" >expect &&
	test_cmp expect err &&
	vcard_stop &&
	test_expect_code 2 eport-card status 2>err &&
	echo "eport-card: no card in any of the 2 readers" >expect &&
	test_cmp expect err &&
	test_expect_code 2 eport-card status -r "$R" 2>err &&
	echo "eport-card: no card in '\''$R'\''" >expect &&
	test_cmp expect err
'

test_expect_success 'usage' '
	test_expect_code 2 eport-card 2>err &&
	head -n 1 err >actual &&
	echo "usage: eport-card status [-j] [-r READER]" >expect &&
	test_cmp expect actual &&
	test_expect_code 2 eport-card frob 2>/dev/null &&
	test_expect_code 2 eport-card write 2>/dev/null &&
	test_expect_code 2 eport-card status -x 2>/dev/null
'

test_expect_success 'write refuses a case that is not accepted, leaving the store as it was' '
	(cd ex && sed 1q cases.jsonl | eport-apply >/dev/null) &&
	vcard_start legal.json &&
	snapshot refused &&
	cp legal.json legal.before &&
	test_expect_code 1 eport-card write $C-0001 $L 2>err &&
	echo "eport-card: $C-0001: case is received, not accepted" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-card write $C-0099 2>err &&
	echo "eport-card: '\''$C-0099'\'': no such case" >expect &&
	test_cmp expect err &&
	unchanged refused &&
	test_cmp legal.before legal.json
'

test_expect_success 'an accepted onboard case: two holders, so HOLDER is needed' '
	eport-check -q $C-0001 >/dev/null &&
	EPORT_USER=bob eport-review accept -m ok $C-0001 >/dev/null &&
	snapshot twoleft &&
	test_expect_code 1 eport-card write $C-0001 2>err &&
	echo "eport-card: $C-0001: 2 holders still need a card; name one (HOLDER: the identity number)" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-card write $C-0001 110101199003070011 2>err &&
	echo "eport-card: $C-0001: no holder '\''110101199003070011'\'' in the case" >expect &&
	test_cmp expect err &&
	unchanged twoleft
'

test_expect_success 'write -n: the number it would give; nothing written anywhere' '
	eport-card write -n $C-0001 $L >out &&
	printf "card\tcase\tholder\n3700260000015\t$C-0001\t$L\n" >expect &&
	test_cmp expect out &&
	unchanged twoleft &&
	test_cmp legal.before legal.json
'

test_expect_success 'write: the legal card, numbered 3700 26 000001 and its Luhn digit' '
	eport-card write $C-0001 $L >out 2>err &&
	printf "card\tcase\tholder\n3700260000015\t$C-0001\t$L\n" >expect &&
	test_cmp expect out &&
	test_cmp /dev/null err &&
	eport-card status >out &&
	printf "card\trole\tholder\tuscc\tenterprise\tnot_after\tpin_tries\n" >expect &&
	printf "3700260000015\tlegal\t林志强\t91350200MA2Y0K3PXF\t厦门海沧鑫达贸易有限公司\t2028-11-26T10:00:00+08:00\t5\n" >>expect &&
	test_cmp expect out &&
	eport-ls -s accepted | cut -f1 >actual &&
	printf "id\n$C-0001\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'on the card: the PIN is card.initial-pin, the keys are no longer the factory ones' '
	test "$(state pin legal.json)" = 3838383838383838 &&
	test "$(state mgmt_key legal.json)" != 010203040506070801020304050607080102030405060708 &&
	test "$(state puk legal.json)" != 3132333435363738 &&
	grep -q "\"5FC102\": \"533B3019D4E739DA" legal.json &&
	grep -q "\"5FC109\": \"53" legal.json
'

test_expect_success 'pkcs15-tool lists the certificate; it verifies against the office CA' '
	pkcs15-tool --list-certificates >out 2>&1 &&
	sed -n "/^X.509/,/^\$/p" out | sed "/Encoded serial/d" | tr -d "\t" >actual &&
	printf "X.509 Certificate [Certificate for PIV Authentication]\nObject Flags   : [0x00]\nAuthority      : no\nPath           : \nID             : 01\n\n" >expect &&
	test_cmp expect actual &&
	pkcs15-tool --read-certificate 01 >legal.pem 2>/dev/null &&
	openssl verify -attime $(date -d "$EPORT_NOW" +%s) -CAfile "$EPORT_HOME/keys/ca.crt" \
		legal.pem >actual &&
	echo "legal.pem: OK" >expect &&
	test_cmp expect actual &&
	openssl x509 -in legal.pem -noout -subject -nameopt utf8,sep_comma_plus_space >actual &&
	echo "subject=C=CN, O=厦门海沧鑫达贸易有限公司, OU=91350200MA2Y0K3PXF, title=法人, CN=林志强, serialNumber=3700260000015" >expect &&
	test_cmp expect actual &&
	openssl x509 -in legal.pem -noout -startdate -enddate >actual &&
	printf "notBefore=Nov 26 02:00:00 2026 GMT\nnotAfter=Nov 26 02:00:00 2028 GMT\n" >expect &&
	test_cmp expect actual
'

# pkcs15-tool takes a PIN only from argv or a terminal; 88888888 is the
# initial PIN of share/eport/config, which every holder is told: no secret.
test_expect_success 'the initial PIN verifies, through OpenSC' '
	pkcs15-tool --verify-pin --pin 88888888 >out 2>&1 &&
	test_expect_code 255 pkcs15-tool --verify-pin --pin 123456 >out 2>&1 &&
	grep -q "^Operation failed: PIN code or key incorrect" out
'

test_expect_success 'a card that is no longer blank is refused, the store unchanged' '
	snapshot notblank &&
	test_expect_code 1 eport-card write $C-0001 $O 2>err &&
	echo "eport-card: $C-0001: the card in '\''$R'\'' is card 3700260000015, not a blank card" >expect &&
	test_cmp expect err &&
	unchanged notblank
'

test_expect_success 'the operator card: then every holder has one and the case is ready' '
	card op.json &&
	eport-card write -j $C-0001 >out &&
	echo "{\"card\":\"3700260000023\",\"case\":\"$C-0001\",\"holder\":\"$O\"}" >expect &&
	test_cmp expect out &&
	eport-ls -s ready | cut -f1 >actual &&
	printf "id\n$C-0001\n" >expect &&
	test_cmp expect actual &&
	eport-log $C-0001 | cut -f6,8,9 | tail -n 3 >actual &&
	printf "card\taccepted\tcard 3700260000015 for 林志强\ncard\taccepted\tcard 3700260000023 for 陈美玲\nready\tready\tevery card written\n" >expect &&
	test_cmp expect actual &&
	eport-show $C-0001 | jq -c .issued >actual &&
	echo "[{\"number\":\"3700260000015\",\"holder\":\"$L\",\"role\":\"legal\"},{\"number\":\"3700260000023\",\"holder\":\"$O\",\"role\":\"operator\"}]" >expect &&
	test_cmp expect actual &&
	git --git-dir="$EPORT_HOME/docs.git" log --format=%s refs/cases/$C-0001 | head -n 2 >actual &&
	printf "ready $C-0001: every card written\ncard $C-0001: card 3700260000023 for 陈美玲\n" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 eport-card write $C-0001 2>err &&
	echo "eport-card: $C-0001: case is ready, not accepted" >expect &&
	test_cmp expect err
'

test_expect_success 'ls: the registry' '
	eport-card ls >actual &&
	cut -f1-5,7 actual >cut &&
	printf "number\tuscc\tholder\trole\tstate\tnot_after\n" >expect &&
	printf "3700260000015\t91350200MA2Y0K3PXF\t林志强\tlegal\tactive\t2028-11-26T10:00:00+08:00\n" >>expect &&
	printf "3700260000023\t91350200MA2Y0K3PXF\t陈美玲\toperator\tactive\t2028-11-26T10:00:00+08:00\n" >>expect &&
	test_cmp expect cut &&
	openssl x509 -in legal.pem -noout -serial | sed "s/^serial=//" >expect &&
	sed -n 2p actual | cut -f6 >serial &&
	test_cmp expect serial
'

test_expect_success 'the other cases: unlock, renew, operator-change, reissue, all accepted' '
	sed -e s/@LEGAL@/3700260000015/ -e s/@OP@/3700260000023/ "$DATA/card/cases.jsonl" >ex/mine.jsonl &&
	eport-order import "$DATA/card/orders.tsv" >/dev/null &&
	accept mine.jsonl &&
	eport-ls -s accepted | cut -f1,2 >actual &&
	printf "id\ttype\n$C-0002\tunlock\n$C-0003\trenew\n$C-0004\toperator-change\n$C-0005\treissue\n" >expect &&
	test_cmp expect actual
'

# pkcs15-tool took one try with 123456 above: four more lock it
test_expect_success 'five wrong PINs lock the card' '
	card legal.json &&
	wrong=$(pin_apdu 000000) &&
	apdus 00200080 $wrong $wrong $wrong $wrong $(pin_apdu 88888888) >actual &&
	printf "63C4\n63C3\n63C2\n63C1\n63C0\n6983\n" >expect &&
	test_cmp expect actual &&
	eport-card status | cut -f1,7 >actual &&
	printf "card\tpin_tries\n3700260000015\t0\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'unlock refuses the wrong card, and a case of another type' '
	card op.json &&
	snapshot wrong &&
	test_expect_code 1 eport-card unlock $C-0002 2>err &&
	echo "eport-card: $C-0002: the card in '\''$R'\'' is card 3700260000023, not the case'\''s card 3700260000015" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-card unlock $C-0003 2>err &&
	echo "eport-card: $C-0003: a case of type renew has no card to unlock" >expect &&
	test_cmp expect err &&
	unchanged wrong
'

test_expect_success 'unlock: the PUK made from the master key resets the PIN to the initial PIN' '
	card legal.json &&
	eport-card unlock $C-0002 >out &&
	printf "card\tcase\tholder\n3700260000015\t$C-0002\t$L\n" >expect &&
	test_cmp expect out &&
	eport-card status | cut -f7 >actual &&
	printf "pin_tries\n5\n" >expect &&
	test_cmp expect actual &&
	apdus $(pin_apdu 88888888) >actual &&
	echo 9000 >expect &&
	test_cmp expect actual &&
	eport-log $C-0002 | cut -f6,8,9 | tail -n 2 >actual &&
	printf "unlock\taccepted\tcard 3700260000015: the PIN is the initial PIN again\nready\tready\tcard work done\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'renew refuses the wrong card' '
	card op.json &&
	snapshot wrong &&
	test_expect_code 1 eport-card renew $C-0003 2>err &&
	echo "eport-card: $C-0003: the card in '\''$R'\'' is card 3700260000023, not the case'\''s card 3700260000015" >expect &&
	test_cmp expect err &&
	unchanged wrong
'

test_expect_success 'renew a year early: a new certificate for the same key, two years from the old end' '
	card legal.json &&
	EPORT_NOW=2027-11-26T10:00:00+08:00 eport-card renew $C-0003 >out &&
	printf "card\tcase\tholder\n3700260000015\t$C-0003\t$L\n" >expect &&
	test_cmp expect out &&
	pkcs15-tool --read-certificate 01 >renewed.pem 2>/dev/null &&
	openssl verify -attime $(date -d 2027-11-26T10:00:00+08:00 +%s) \
		-CAfile "$EPORT_HOME/keys/ca.crt" renewed.pem >/dev/null &&
	openssl x509 -in renewed.pem -noout -enddate >actual &&
	echo "notAfter=Nov 26 02:00:00 2030 GMT" >expect &&
	test_cmp expect actual &&
	openssl x509 -in legal.pem -noout -pubkey >old.pub &&
	openssl x509 -in renewed.pem -noout -pubkey >new.pub &&
	test_cmp old.pub new.pub &&
	openssl x509 -in legal.pem -noout -serial >old.serial &&
	openssl x509 -in renewed.pem -noout -serial >new.serial &&
	! cmp -s old.serial new.serial &&
	eport-card ls | grep "^3700260000015" | cut -f6,7 >actual &&
	printf "%s\t2030-11-26T10:00:00+08:00\n" "$(sed s/serial=// new.serial)" >expect &&
	test_cmp expect actual &&
	eport-ls -s ready | cut -f1 | sed 1d >actual &&
	printf "$C-0001\n$C-0002\n$C-0003\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'operator-change: a card of the case that no new holder takes is refused' '
	snapshot wrong &&
	test_expect_code 1 eport-card write $C-0004 2>err &&
	echo "eport-card: $C-0004: no holder still needs a legal card" >expect &&
	test_cmp expect err &&
	unchanged wrong
'

test_expect_success 'operator-change: the operator card is rewritten for its new holder, number kept' '
	card op.json &&
	eport-card write $C-0004 >out &&
	printf "card\tcase\tholder\n3700260000023\t$C-0004\t$Z\n" >expect &&
	test_cmp expect out &&
	eport-card status | cut -f1-3,7 >actual &&
	printf "card\trole\tholder\tpin_tries\n3700260000023\toperator\t张丽华\t5\n" >expect &&
	test_cmp expect actual &&
	eport-card ls -u 91350200MA2Y0K3PXF | cut -f1,3,5 >actual &&
	printf "number\tholder\tstate\n3700260000015\t林志强\tactive\n3700260000023\t张丽华\tactive\n" >expect &&
	test_cmp expect actual
'

# child PID: the eport-card that PID (strace) runs (by its command line:
# under make check-valgrind the process is valgrind's)
child() {
	for p in $(cat /proc/$1/task/*/children 2>/dev/null); do
		tr "\0" "\n" </proc/$p/cmdline 2>/dev/null | grep -qE "(^|/)eport-card$" && echo $p && return 0
	done
	return 1
}

# LeakSanitizer cannot run under ptrace: the two runs under strace go without.
# The pcsc-lite client sends three messages an APDU (after 11 to find the
# reader and connect): the 48th starts the 13th APDU, SET MANAGEMENT KEY,
# the last step of a new card.  strace stops eport-card there (and says so;
# -s 0: without the data, which holds the PUK), the card is taken out, and
# eport-card goes on.
if command -v strace >/dev/null; then
	NEW=3700260000049
test_expect_success 'a card pulled out in the middle of a write: a clear error, exit 2' '
	card new.json &&
	{ ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -s 0 -o strace.log -e trace=sendto \
		-e inject=sendto:signal=SIGSTOP:when=48 eport-card write $C-0005 >out 2>err & } &&
	spid=$! &&
	pcsc_wait_ "grep -q \"stopped by SIGSTOP\" strace.log" 100 &&
	cpid=$(child $spid) &&
	vcard_stop &&
	kill -CONT $cpid &&
	{ wait $spid; rc=$?; } &&
	test "$rc" = 2 &&
	test_cmp /dev/null out &&
	printf "%s\n" "eport-card: '\''$R'\'': the card was taken out: Card was removed" \
		"eport-card: $C-0005: the card is half-written: put it back and run '\''eport-card write $C-0005'\'' again" >expect &&
	test_cmp expect err &&
	test "$(state pin new.json)" = 3838383838383838 &&
	test "$(state mgmt_key new.json)" = 010203040506070801020304050607080102030405060708 &&
	mdb_dump -p -s cards "$EPORT_HOME/db" >cards.after &&
	! grep -q 3700260000031 cards.after
'

# The number 3700260000031 went with the pulled card: the next is a new one.
# A crash after the card is done and before the store has it: git cannot
# fsync, the transaction is given up; run again, the card keeps its number.
# the store fails at the write's own transaction: LMDB syncs its data with
# fdatasync, once a commit (its meta page goes by O_DSYNC); the first is
# the card number's (git's objects are fsync'd, the registry's among them)
test_expect_success 'still on the factory key, written again from the start; then the store fails' '
	vcard_start new.json &&
	test_expect_code 2 env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -o /dev/null -f -e trace=fdatasync \
		-e inject=fdatasync:error=EIO:when=2+ eport-card write $C-0005 >out 2>err &&
	test_cmp /dev/null out &&
	tail -n 1 err >actual &&
	echo "eport-card: $C-0005: card 3700260000049 is written but not recorded: run '\''eport-card write $C-0005'\'' again with the card in the reader" >expect &&
	test_cmp expect actual &&
	head -n 1 err | grep -q "^eport-card: db: " &&
	eport-card status | cut -f1 >actual &&
	printf "card\n3700260000049\n" >expect &&
	test_cmp expect actual &&
	test "$(state puk_tries new.json)" = 5 &&
	eport-card ls | cut -f1 >actual &&
	printf "number\n3700260000015\n3700260000023\n" >expect &&
	test_cmp expect actual
'
else
	NEW=3700260000031
	test_skip "a card pulled out in the middle of a write: strace is not installed"
	test_skip "still on the factory key, written again from the start; then the store fails: strace is not installed"
fi

test_expect_success 'reissue: a card this office wrote but never recorded keeps its number; the old one is revoked' '
	card new.json &&
	eport-card write $C-0005 >out &&
	printf "card\tcase\tholder\n$NEW\t$C-0005\t$Z\n" >expect &&
	test_cmp expect out &&
	eport-card ls | cut -f1,3,5 >actual &&
	printf "number\tholder\tstate\n3700260000015\t林志强\tactive\n3700260000023\t张丽华\trevoked\n$NEW\t张丽华\tactive\n" >expect &&
	test_cmp expect actual &&
	eport-card ls -j -s revoked | jq -r .number >actual &&
	echo 3700260000023 >expect &&
	test_cmp expect actual &&
	eport-card ls -s revoked | cut -f8- >actual &&
	printf "revoked\twhy\trevoked_by\n2026-11-26T10:00:00+08:00\treissued as $NEW ($C-0005)\t$EPORT_USER\n" >expect &&
	test_cmp expect actual &&
	eport-card ls -j -s active | jq -r "[.revoked, .why, .revoked_by] | @tsv" | sort -u >actual &&
	printf "\t\t\n" >expect &&
	test_cmp expect actual &&
	mdb_dump -p -s cards "$EPORT_HOME/db" | grep -c "reissued as $NEW ($C-0005)" >actual &&
	echo 1 >expect &&
	test_cmp expect actual &&
	eport-ls -s ready | cut -f1 | sed 1d | tail -n 1 >actual &&
	echo $C-0005 >expect &&
	test_cmp expect actual
'

test_expect_success 'no pcscd: write says so, exit 2, store unchanged' '
	sed -n 1p ex/mine.jsonl | sed "s/1180045678901/1180045678999/" >ex/again.jsonl &&
	accept again.jsonl &&
	snapshot nopcscd &&
	PCSCLITE_CSOCK_NAME=$TRASH/nowhere test_expect_code 2 eport-card unlock $C-0006 2>err &&
	echo "eport-card: cannot reach pcscd: Service not available (is pcscd running?)" >expect &&
	test_cmp expect err &&
	unchanged nopcscd
'

test_expect_success 'revoke: needs a reason and a known card that is not revoked yet' '
	snapshot revoke &&
	test_expect_code 2 eport-card revoke 3700260000015 2>err &&
	head -n 1 err >actual &&
	echo "eport-card: revoke needs a reason: -m REASON" >expect &&
	test_cmp expect actual &&
	test_expect_code 1 eport-card revoke -m lost 3700269999990 2>err &&
	echo "eport-card: card '\''3700269999990'\'': no such card" >expect &&
	test_cmp expect err &&
	test_expect_code 1 eport-card revoke -m lost 3700260000023 2>err &&
	echo "eport-card: card 3700260000023 is revoked already (2026-11-26T10:00:00+08:00)" >expect &&
	test_cmp expect err &&
	eport-card revoke -n -m lost 3700260000015 | cut -f1,5 >actual &&
	printf "number\tstate\n3700260000015\trevoked\n" >expect &&
	test_cmp expect actual &&
	unchanged revoke
'

test_expect_success 'revoke: the registry says so, and the enterprise index drops the card' '
	mdb_dump -p -s holders "$EPORT_HOME/db" | grep -c 3700260000015 >actual &&
	echo 1 >expect &&
	test_cmp expect actual &&
	EPORT_USER=carol eport-card revoke 3700260000015 -m "lost by the holder" | cut -f1,5,9,10 >actual &&
	printf "number\tstate\twhy\trevoked_by\n3700260000015\trevoked\tlost by the holder\tcarol\n" >expect &&
	test_cmp expect actual &&
	eport-card ls -j -s revoked | jq -r "select(.number == \"3700260000015\") | .why, .revoked_by" >actual &&
	printf "lost by the holder\ncarol\n" >expect &&
	test_cmp expect actual &&
	! mdb_dump -p -s holders "$EPORT_HOME/db" | grep -q 3700260000015 &&
	eport-card ls -s active | cut -f1 >actual &&
	printf "number\n$NEW\n" >expect &&
	test_cmp expect actual &&
	eport-card ls -u 91350200MA2Y0ZZZZZ >actual &&
	test_cmp /dev/null actual &&
	test_expect_code 2 eport-card ls -s lost 2>err &&
	echo "eport-card: -s: '\''lost'\'' is neither active nor revoked" >expect &&
	test_cmp expect err
'

# eport-check against the real registry: holder-duplicate and card-foreign
# (t/0310-rules.t covers every rule against a stand-in registry)
test_expect_success 'check: an active operator card of the enterprise makes its holder a duplicate' '
	op=$(eport-card ls -s active | sed -n 2p | cut -f1) &&
	test "$(eport-card ls -j -s active | jq -r .holder)" = 张丽华 &&
	sed -n 2p ex/cases.jsonl | jq -c --arg op "$op" "
		(.ref = \"D1\" | .enterprise.uscc = \"91350200MA2Y0K3PXF\"),
		(.ref = \"D2\"),
		(.ref = \"D3\" | .cards[0].number = \$op | .cards[0].role = \"operator\"),
		(.ref = \"D4\" | .enterprise.uscc = \"91350200MA2Y0K3PXF\" | .cards[0].number = \$op | .cards[0].role = \"operator\")" >ex/dup.jsonl &&
	test_expect_code 1 eport-check -f ex/dup.jsonl >out &&
	grep -E "	(holder-duplicate|card-foreign)	" out | cut -f1-4 >actual &&
	printf "D1\tblock\tholder-duplicate\tholders.1.id_number\nD3\tblock\tcard-foreign\tcards.1.number\nD4\tblock\tholder-duplicate\tholders.1.id_number\n" >expect &&
	test_cmp expect actual
'

hmac() {
	card_hmac "$EPORT_HOME/keys/master" "$1"
}

test_expect_success 'the PUKs and management keys are on the cards and nowhere in the store' '
	mdb_dump -a -p "$EPORT_HOME/db" >store.dump &&
	git --git-dir="$EPORT_HOME/docs.git" cat-file --batch-all-objects --batch >>store.dump &&
	cat "$EPORT_HOME"/config "$EPORT_HOME"/keys/ca.* >>store.dump &&
	test -s store.dump &&
	bad= &&
	for n in 3700260000015 3700260000023 $NEW; do
		h=$(hmac $n)
		mgmt=$(echo "$h" | cut -c1-48)
		p=$(card_puk "$h")
		if grep -qi -e "$h" -e "$mgmt" store.dump; then bad="$bad $n:key-in-store"; fi
		if grep -q "$p" store.dump; then bad="$bad $n:puk-in-store"; fi
		# nor in anything the commands printed
		if grep -rlI -i -e "$mgmt" -e "$p" --exclude="*.json" --exclude=store.dump .; then
			bad="$bad $n:printed"
		fi
	done &&
	test -z "$bad" &&
	test "$(state mgmt_key legal.json)" = "$(hmac 3700260000015 | cut -c1-48 | tr a-f A-F)" &&
	test "$(state puk legal.json)" = "$(card_puk "$(hmac 3700260000015)" | od -An -tx1 | tr -d " \n" | tr a-f A-F)" &&
	test "$(state mgmt_key new.json)" = "$(hmac $NEW | cut -c1-48 | tr a-f A-F)"
'

done_testing
