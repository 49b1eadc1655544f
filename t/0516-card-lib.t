#!/bin/sh
# lib/card.c, the card protocol of eport-card, in-process on the emulator's
# card (lib/vcard.c) through reader_fn: no pcscd.  test-card runs each
# sequence on a new factory card with fixed keys and prints what the card
# then says (t/helper/test-card.c): personalise (new, an interrupted write
# written again, resume), unwrite, unlock, renew, and a key the card refuses
# (1, not -1: the exchange did not fail).
. "$EPORT_SRC/t/lib.sh"

N=3700260000015		# card_number_make(2026, 1): test-card's card

# office [WHICH] PIN: what test-card shows of a card this office wrote: its
# certificate (WHICH: new serial or same serial, after a second write), to
# the end it was written for, with the CHUID and printed information of it;
# PIN verifies; it takes the office's management key and PUK, not the
# factory's
office() {
	printf '%s\n' "cert $N operator${1:+ $1}" "cert ends at until" "chuid ok" "pin tries 5" \
		"verify $2 9000" "printed ok" "factory mgmt 1" "office mgmt 0" "office puk 0" \
		"factory puk 1"
}

test_expect_success 'an office CA to issue the certificates' '
	mkdir keys &&
	test-card ca keys &&
	test -s keys/ca.crt &&
	test -s keys/master
'

test_expect_success 'a new card personalised: certificate, CHUID, printed information, PIN, the office'\''s keys' '
	test-card new keys >out &&
	{ echo "personalise 0" && office "" 88888888; } >expect &&
	test_cmp expect out
'

test_expect_success 'no pcscd is asked' '
	PCSCLITE_CSOCK_NAME=$TRASH/nowhere test-card new keys >out &&
	test_cmp expect out
'

test_expect_success 'a write cut off before the management key: blank still, its PUK needed to write it again' '
	test-card interrupted keys >out &&
	cat >expect <<-EOF &&
	factory mgmt 0
	personalise -1 '\''vcard'\'': an exchange with the card
	factory mgmt 0
	personalise 1 card $N: the PUK is neither the factory'\''s nor this office'\''s (refused)
	factory mgmt 0
	personalise 0
	EOF
	office "" 88888888 >>expect &&
	test_cmp expect out
'

test_expect_success 'a card written but not recorded, written again with its own keys' '
	test-card resume keys >out &&
	printf "%s\n" "personalise 0" "office mgmt 0" "personalise 0" >expect &&
	office "new serial" 88888888 >>expect &&
	test_cmp expect out
'

test_expect_success 'unwrite: a wrong key refused; then the factory card again' '
	test-card unwrite keys >out &&
	cat >expect <<-EOF &&
	personalise 0
	unwrite wrong 1
	unwrite 0
	cert none
	pin tries 5
	verify 123456 9000
	factory mgmt 0
	office mgmt 1
	office puk 1
	factory puk 0
	EOF
	test_cmp expect out
'

test_expect_success 'unlock: a blocked PIN reset with the PUK; a wrong PUK refused with a try less' '
	test-card unlock keys >out &&
	{
		echo "personalise 0" &&
		for t in 4 3 2 1 0; do echo "verify 00000000 63C$t"; done &&
		printf "%s\n" "pin tries 0" "unlock wrong 1 tries 4" "unlock 0" &&
		office "" 88888888
	} >expect &&
	test_cmp expect out
'

test_expect_success 'renew: a new certificate to the new end, with its CHUID and printed information' '
	test-card renew keys >out &&
	{ printf "%s\n" "personalise 0" "renew 0" && office "new serial" 88888888; } >expect &&
	test_cmp expect out
'

test_expect_success 'a management key the card does not take: 1, and the card unchanged' '
	test-card wrongkey keys >out &&
	{
		printf "%s\n" "auth blank 1" "personalise 0" "auth wrong 1" "renew wrong 1" &&
		office "" 88888888
	} >expect &&
	test_cmp expect out
'

done_testing
