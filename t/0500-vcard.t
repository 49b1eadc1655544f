#!/bin/sh
# eport-vcard: the PIV card emulator, through the real pcscd and OpenSC's tools,
# and its APDUs one by one (eport-vcard -i).
. "$EPORT_SRC/t/lib.sh"
. "$EPORT_SRC/t/pcsc.sh"

pcsc_start

MGMT3DES=010203040506070801020304050607080102030405060708
MGMTAES=000102030405060708090A0B0C0D0E0F
SIGNKEY_SPKI=3059301306072A8648CE3D020106082A8648CE3D030107034200

# run_apdus STATEFILE TABLE: each APDU of TABLE, in order, to the card in
# STATEFILE; every response must match its pattern.
run_apdus() {
	grep -v '^#' "$2" >cases &&
	cut -f2 cases | eport-vcard -i "$1" >responses &&
	paste cases responses | while IFS='	' read -r what apdu want got; do
		printf '%s\n' "$got" | grep -Eqx "$want" ||
			echo "$what: $apdu: got $got, want $want"
	done >mismatches &&
	test_cmp /dev/null mismatches
}

# the status words of opensc-tool -s or piv-tool -s, one a line
sws() {
	sed -n 's/^Received (SW1=0x\(..\), SW2=0x\(..\)).*/\1\2/p'
}

# the data of the last response of opensc-tool -s or piv-tool -s, in hex
resp_hex() {
	sed -n '/^Received/h; /^Received/!H; ${x;p;}' | sed 1d | cut -c1-48 | tr -d ' \n'
}

apdu() {
	opensc-tool -r 0 $(for a; do printf -- '-s %s ' "$a"; done)
}

test_expect_success 'the APDU table: status words and data' '
	run_apdus blank.json "$DATA/vcard/apdus.tsv"
'

test_expect_success 'a card made by editing its state: long objects, AES key' '
	cp "$DATA/vcard/long.json" long.json &&
	run_apdus long.json "$DATA/vcard/long.tsv"
'

test_expect_success 'the man page: the PIN status of a new card, then a wrong PIN' '
	printf "00200080\n0020008008313131313131FFFF\n" |
		eport-vcard -i example.json >actual &&
	printf "63C5\n63C4\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a state file that is not a card is refused' '
	sed "s/\"pin\": \"313233343536FFFF\"/\"pin\": \"1234\"/" "$DATA/vcard/long.json" >bad.json &&
	echo 00200080 | test_expect_code 2 eport-vcard -i bad.json >out 2>err &&
	echo "eport-vcard: bad.json: pin: expected 16 hex digits" >expect &&
	test_cmp expect err &&
	echo "{" >torn.json &&
	test_expect_code 2 eport-vcard -i torn.json </dev/null 2>err &&
	grep -q "^eport-vcard: torn.json:2: " err &&
	test_expect_code 2 eport-vcard 2>err &&
	echo "usage: eport-vcard [-iv] [-H host] [-p port] statefile" >expect &&
	test_cmp expect err
'

test_expect_success 'a new card: state file made, mode 0600, factory PIN tries' '
	vcard_start card.json &&
	stat -c %a card.json >actual &&
	echo 600 >expect &&
	test_cmp expect actual &&
	grep -q "\"pin_tries\": 5," card.json &&
	grep -q "\"mgmt_key\": \"$MGMT3DES\"" card.json
'

test_expect_success 'the card is in the reader and answers SELECT' '
	opensc-tool -r 0 -a >actual &&
	echo 3b:88:80:01:65:50:6f:72:74:50:49:56:1a >expect &&
	test_cmp expect actual &&
	opensc-tool -r 0 -n >actual &&
	echo "Personal Identity Verification Card" >expect &&
	test_cmp expect actual &&
	apdu 00A404000BA000000308000010000100 >out &&
	cat >expect <<-\EOF &&
	Sending: 00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 
	Received (SW1=0x90, SW2=0x00):
	61 32 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 a2O.......y.O...
	00 03 08 50 0B 65 70 6F 72 74 2D 76 63 61 72 64 ...P.eport-vcard
	AC 0F 80 01 03 80 01 08 80 01 0A 80 01 0C 80 01 ................
	11 06 01 00                                     ....
	EOF
	test_cmp expect out
'

test_expect_success 'piv-tool with a wrong management key is refused' '
	printf 010203040506070801020304050607080102030405060700 >wrong.key &&
	! PIV_EXT_AUTH_KEY=$PWD/wrong.key piv-tool -A M:9B:03 -s 0047009A05AC03800111 >out 2>err &&
	grep -q "admin_mode failed" err &&
	! grep -q "\"9A\"" card.json
'

# piv-tool -G cannot write an EC public key with OpenSC 0.23 and OpenSSL 3
# (it names the curve "prime256"), so GENERATE goes through piv-tool -s.
test_expect_success 'piv-tool authenticates and a P-256 key is made in 9A' '
	printf $MGMT3DES >mgmt.key &&
	PIV_EXT_AUTH_KEY=$PWD/mgmt.key piv-tool -A M:9B:03 -s 0047009A05AC03800111 >out &&
	sws <out >actual &&
	echo 9000 >expect &&
	test_cmp expect actual &&
	resp_hex <out >point &&
	grep -Eqx "7F4943864104[0-9A-F]{128}" point &&
	{ printf $SIGNKEY_SPKI; cut -c11- point; } | basenc --base16 -d >pub.der &&
	openssl pkey -pubin -inform DER -in pub.der -out pub.pem &&
	grep -q "\"9A\": \"-----BEGIN PRIVATE KEY-----" card.json
'

# piv-tool -C exits with the size of the last piece it wrote, so its status
# says nothing; the card's state does.
test_expect_success 'a certificate for that key is loaded into 9A' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -subj "/CN=Test CA" -days 30 2>/dev/null &&
	openssl x509 -new -force_pubkey pub.pem -CA ca.pem -CAkey ca.key \
		-subj "/C=CN/O=Test/CN=Holder/serialNumber=370026000017" \
		-set_serial 7 -days 30 -out cert.pem &&
	# piv-tool exits 1 after the load all the same: the card is the witness
	{ PIV_EXT_AUTH_KEY=$PWD/mgmt.key piv-tool -A M:9B:03 -C 9A -i cert.pem >out 2>&1 || :; } &&
	grep -q "\"5FC105\": \"53" card.json
'

test_expect_success 'pkcs15-tool lists the certificate and reads it back' '
	pkcs15-tool --list-certificates >out &&
	sed -n "/^X.509/,/^$/p" out | tr -d "\t" >actual &&
	cat >expect <<-\EOF &&
	X.509 Certificate [Certificate for PIV Authentication]
	Object Flags   : [0x00]
	Authority      : no
	Path           : 
	ID             : 01
	Encoded serial : 02 01 07

	EOF
	test_cmp expect actual &&
	pkcs15-tool --read-certificate 01 >got.pem &&
	openssl x509 -in cert.pem >want.pem &&
	test_cmp want.pem got.pem
'

test_expect_success 'the factory PIN verifies, a wrong one does not' '
	test_expect_code 255 pkcs15-tool --verify-pin --pin 000000 >out 2>&1 &&
	grep -q "^Operation failed: PIN code or key incorrect" out &&
	pkcs15-tool --verify-pin --pin 123456 >out 2>&1 &&
	apdu 0020008008313233343536FFFF 00200080 | sws >actual &&
	printf "9000\n9000\n" >expect &&
	test_cmp expect actual
'

# The PIN stays verified while the card keeps power, as on a real card; SELECT
# forgets it.
test_expect_success 'a signature needs the PIN' '
	apdu 00A404000BA000000308000010000100 \
		0087119A267C2482008120000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F00 |
		sws >actual &&
	printf "9000\n6982\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'five wrong PINs block it' '
	apdu 0020008008303030303030FFFF 0020008008303030303030FFFF \
		0020008008303030303030FFFF 0020008008303030303030FFFF \
		0020008008303030303030FFFF 0020008008313233343536FFFF 00200080 |
		sws >actual &&
	printf "63C4\n63C3\n63C2\n63C1\n63C0\n6983\n6983\n" >expect &&
	test_cmp expect actual &&
	grep -q "\"pin_tries\": 0," card.json &&
	test_expect_code 255 pkcs15-tool --verify-pin --pin 123456 >out 2>&1 &&
	grep -q "^Operation failed: Authentication method blocked" out
'

test_expect_success 'the PUK unblocks it and sets a new PIN' '
	pkcs15-tool --unblock-pin --puk 12345678 --new-pin 654321 >out 2>&1 &&
	grep -q "\"pin_tries\": 5," card.json &&
	apdu 0020008008313233343536FFFF 0020008008363534333231FFFF | sws >actual &&
	printf "63C4\n9000\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the card keeps its state across a restart' '
	vcard_stop &&
	test "$vcard_status" = 0 &&
	vcard_start card.json &&
	pkcs15-tool --read-certificate 01 >got.pem &&
	test_cmp want.pem got.pem &&
	apdu 00200080 0020008008363534333231FFFF 00200080 | sws >actual &&
	printf "63C5\n9000\n9000\n" >expect &&
	! ls card.json.* 2>/dev/null &&
	test_cmp expect actual
'

test_expect_success 'a signature made on the card verifies with the certificate' '
	echo "China E-Port, Xiamen" >data &&
	pkcs11-tool --login --pin 654321 --sign --mechanism ECDSA-SHA256 --id 01 \
		--signature-format openssl -i data -o sig >out 2>&1 &&
	openssl x509 -in cert.pem -pubkey -noout >certkey.pem &&
	openssl dgst -sha256 -verify certkey.pem -signature sig data >actual &&
	echo "Verified OK" >expect &&
	test_cmp expect actual
'

test_expect_success 'an AES-128 management key, set with the YubiKey command' '
	PIV_EXT_AUTH_KEY=$PWD/mgmt.key piv-tool -A M:9B:03 \
		-s 00FFFFFF13089B10$MGMTAES >out &&
	sws <out >actual &&
	echo 9000 >expect &&
	test_cmp expect actual &&
	grep -q "\"mgmt_alg\": 8," card.json &&
	! PIV_EXT_AUTH_KEY=$PWD/mgmt.key piv-tool -A M:9B:03 -s 0047009D05AC03800111 >out 2>&1 &&
	printf $MGMTAES >aes.key &&
	PIV_EXT_AUTH_KEY=$PWD/aes.key piv-tool -A M:9B:08 -s 0047009D05AC03800111 >out &&
	sws <out >actual &&
	echo 9000 >expect &&
	test_cmp expect actual &&
	grep -q "\"9D\": \"-----BEGIN PRIVATE KEY-----" card.json
'

test_expect_success 'a card locked by editing its state file' '
	vcard_stop &&
	sed "s/\"pin_tries\": 5,/\"pin_tries\": 0,/" card.json >locked.json &&
	vcard_start locked.json &&
	apdu 00200080 0020008008363534333231FFFF | sws >actual &&
	printf "6983\n6983\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'SIGTERM stops the emulator with status 0' '
	vcard_stop &&
	test "$vcard_status" = 0
'

test_expect_success 'when pcscd goes away the emulator says so and waits' '
	vcard_start card.json &&
	kill $pcscd_pid && { wait $pcscd_pid || :; } &&
	pcscd_pid= &&
	msg="eport-vcard: vpcd at 127.0.0.1:$VPCD_PORT closed the connection; reconnecting" &&
	pcsc_wait_ "grep -qx \"\$msg\" \"\$PCSC_DIR/vcard.log\"" 50 &&
	kill -0 $vcard_pid
'

done_testing
