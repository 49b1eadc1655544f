/* test-card: the card protocol of lib/card.c in-process, on the emulator's
 * card (lib/vcard.c) through reader_fn: no pcscd.  "test-card ca KEYDIR"
 * makes an office CA there; "test-card SCENARIO KEYDIR" runs one on a new
 * factory card and prints what the card then says, a line a fact, for
 * t/0516-card-lib.t to compare:
 *   new         a blank card personalised
 *   interrupted a write cut off before the management key, written again
 *   resume      a personalised card written again with its own keys
 *   unwrite     a personalised card made blank again
 *   unlock      a blocked PIN reset with the PUK
 *   renew       a new certificate on a personalised card
 *   wrongkey    a management key or PUK the card does not take
 * The card's keys are fixed bytes here, not made from a master key. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "each.h"

#define PIN "88888888"

static const char *keydir;
static struct vcard *vc;
static struct reader *rd;
static int cut_ins = -1;	/* the instruction whose exchange fails, or -1 */
static struct card_keys keys, oldkeys, wrong;
static char number[32];
static struct cardholder holder;
static time_t now, until;

static int
xfer(void *arg, const unsigned char *in, size_t n, unsigned char *out, size_t *outlen)
{
	if (n > 1 && in[1] == cut_ins)
		return -1;
	return vcard_apdu(arg, in, n, out, outlen) < 0 ? -1 : 0;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "test-card: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* The card powered off and on again, the PIV application selected */
static void
reset(void)
{
	vcard_reset(vc);
	if (piv_select(rd) < 0)
		fail("%s", pcsc_error(rd));
}

static int
issue(void *arg, const unsigned char *point, size_t len, struct buf *der, char *err,
    size_t errlen)
{
	(void)arg;
	return pki_issue(keydir, &holder, point, len, now, until, der, err, errlen);
}

/* card_personalise in mode with the card's keys (old: an earlier write's),
 * said as "personalise RC[ MESSAGE]"; the certificate in cert */
static int
personalise(int mode, const struct card_keys *old, struct buf *cert)
{
	struct card_write w = { mode, &keys, old, PIN, &holder, until, issue, NULL };
	int rc;

	cert->len = 0;
	rc = card_personalise(rd, &w, cert);
	printf("personalise %d%s%s\n", rc, rc ? " " : "", rc ? pcsc_error(rd) : "");
	return rc;
}

static void
auth(const char *name, const unsigned char *key)
{
	printf("%s mgmt %d\n", name, piv_auth_mgmt(rd, PIV_ALG_3DES, key, CARD_MGMT_LEN));
}

/* VERIFY of pin: 0 taken, else its status word */
static void
verify(const char *pin)
{
	unsigned char apdu[13] = { 0x00, 0x20, 0x00, 0x80, 0x08 }, resp[VCARD_RESP_MIN];
	size_t n = sizeof resp;
	int sw;

	memset(apdu + 5, 0xFF, 8);
	memcpy(apdu + 5, pin, strlen(pin));
	if (pcsc_transmit(rd, apdu, sizeof apdu, resp, &n) < 0)
		fail("%s", pcsc_error(rd));
	sw = resp[n - 2] << 8 | resp[n - 1];
	printf("verify %s %04X\n", pin, sw);
}

/* What the card says: its certificate's card, serial and end, whether the
 * CHUID and the printed information are those of the card until its end,
 * the PIN tries and whether pin verifies (the printed information is read
 * after it), which management key and PUK it takes */
static void
show(const char *serial, const char *pin)
{
	struct buf der = { 0 }, obj = { 0 }, want = { 0 };
	json_t *info = NULL;
	int rc, tries;

	reset();
	if ((rc = piv_read_cert(rd, &der)) < 0)
		fail("%s", pcsc_error(rd));
	if (rc == 0 && !(info = pki_cert_info(der.s, der.len)))
		fail("the certificate in 9A is not DER");
	if (info) {
		time_t end;

		printf("cert %s %s%s\n", jstr(info, "card"), jstr(info, "role"), !serial ? "" :
		    !strcmp(serial, jstr(info, "serial")) ? " same serial" : " new serial");
		printf("cert ends %s\n", parse_time(jstr(info, "not_after"), &end) == 0 &&
		    end == until ? "at until" : jstr(info, "not_after"));
		piv_chuid(&want, number, until);
		printf("chuid %s\n", piv_get_object(rd, PIV_OBJ_CHUID, &obj) == 0 &&
		    obj.len == want.len && !memcmp(obj.s, want.s, want.len) ? "ok" : "wrong");
	} else {
		printf("cert none\n");
	}
	if (piv_pin_tries(rd, &tries) < 0)
		fail("%s", pcsc_error(rd));
	printf("pin tries %d\n", tries);
	verify(pin);
	if (info) {
		obj.len = want.len = 0;
		piv_printed(&want, &holder, until);
		printf("printed %s\n", piv_get_object(rd, PIV_OBJ_PRINTED, &obj) == 0 &&
		    obj.len == want.len && !memcmp(obj.s, want.s, want.len) ? "ok" : "wrong");
	}
	reset();
	auth("factory", piv_factory_mgmt);
	reset();
	auth("office", keys.mgmt);
	reset();
	/* a PUK changed to itself: 0 if it is that one (and no try lost) */
	printf("office puk %d\n", piv_change_ref(rd, PIV_PUK, keys.puk, keys.puk, &tries));
	printf("factory puk %d\n", piv_change_ref(rd, PIV_PUK, PIV_FACTORY_PUK, PIV_FACTORY_PUK,
	    &tries));
	json_decref(info);
	buf_free(&der);
	buf_free(&obj);
	buf_free(&want);
}

/* a new card personalised, and its certificate's serial (static) */
static const char *
written(void)
{
	static char serial[128];
	struct buf cert = { 0 };
	json_t *info;

	reset();
	if (piv_auth_mgmt(rd, PIV_ALG_3DES, piv_factory_mgmt, CARD_MGMT_LEN) != 0)
		fail("a new card refuses the factory management key");
	if (personalise(WRITE_NEW, NULL, &cert))
		exit(1);
	info = pki_cert_info(cert.s, cert.len);
	snprintf(serial, sizeof serial, "%s", jstr(info, "serial"));
	json_decref(info);
	buf_free(&cert);
	return serial;
}

int
main(int argc, char *argv[])
{
	const char *sc;
	struct buf cert = { 0 }, der = { 0 };
	char err[512];
	int tries;

	if (argc != 3) {
		fprintf(stderr, "usage: test-card ca|SCENARIO KEYDIR\n");
		return 2;
	}
	sc = argv[1];
	keydir = argv[2];
	now = eport_now();	/* EPORT_NOW, as t/lib.sh sets it */
	if (!strcmp(sc, "ca")) {
		if (pki_init_ca(keydir, "test office", now, err, sizeof err) < 0)
			fail("%s", err);
		return 0;
	}
	until = now + 2 * 365 * 86400L;
	memset(keys.mgmt, 0x11, CARD_MGMT_LEN);
	strcpy(keys.puk, "24681357");
	memset(oldkeys.mgmt, 0x22, CARD_MGMT_LEN);
	strcpy(oldkeys.puk, "97531864");
	memset(wrong.mgmt, 0x33, CARD_MGMT_LEN);
	strcpy(wrong.puk, "11223344");
	if (card_number_make(2026, 1, number) < 0)
		fail("card_number_make");
	holder = (struct cardholder){ number, "operator", "陈美玲", "91350200MA2XXXXX0X",
	    "厦门测试贸易有限公司" };
	vc = vcard_new();
	reader_fn(&rd, "vcard", xfer, vc);

	if (!strcmp(sc, "new")) {
		written();
		show(NULL, PIN);
	} else if (!strcmp(sc, "interrupted")) {
		/* an earlier write with other keys, cut off at SET MANAGEMENT KEY:
		 * the PUK and PIN set, the factory management key kept */
		struct card_keys k = keys;

		reset();
		auth("factory", piv_factory_mgmt);
		keys = oldkeys;
		cut_ins = 0xFF;
		personalise(WRITE_NEW, NULL, &cert);
		cut_ins = -1;
		keys = k;
		reset();
		auth("factory", piv_factory_mgmt);
		/* without the earlier write's PUK: refused, not failed */
		personalise(WRITE_NEW, NULL, &cert);
		reset();
		auth("factory", piv_factory_mgmt);
		personalise(WRITE_NEW, &oldkeys, &cert);
		show(NULL, PIN);
	} else if (!strcmp(sc, "resume")) {
		const char *serial = written();

		reset();
		auth("office", keys.mgmt);
		personalise(WRITE_RESUME, NULL, &cert);
		show(serial, PIN);
	} else if (!strcmp(sc, "unwrite")) {
		written();
		reset();
		printf("unwrite wrong %d\n", card_unwrite(rd, &wrong));
		reset();
		printf("unwrite %d\n", card_unwrite(rd, &keys));
		show(NULL, PIV_FACTORY_PIN);
	} else if (!strcmp(sc, "unlock")) {
		written();
		reset();
		for (int i = 0; i < 5; i++)
			verify("00000000");
		reset();
		if (piv_pin_tries(rd, &tries) < 0)
			fail("%s", pcsc_error(rd));
		printf("pin tries %d\n", tries);
		printf("unlock wrong %d", card_unlock(rd, &wrong, PIN, &tries));
		printf(" tries %d\n", tries);
		printf("unlock %d\n", card_unlock(rd, &keys, PIN, &tries));
		show(NULL, PIN);
	} else if (!strcmp(sc, "renew")) {
		const char *serial = written();

		reset();
		if (piv_read_cert(rd, &der) != 0)
			fail("no certificate after personalise");
		until += 365 * 86400L;
		if (pki_reissue(keydir, der.s, der.len, now, until, &cert, err, sizeof err) < 0)
			fail("%s", err);
		printf("renew %d\n", card_renew(rd, &keys, &cert, &holder, until));
		show(serial, PIN);
	} else if (!strcmp(sc, "wrongkey")) {
		reset();
		printf("auth blank %d\n", card_auth(rd, &keys));
		written();
		reset();
		printf("auth wrong %d\n", card_auth(rd, &wrong));
		reset();
		printf("renew wrong %d\n", card_renew(rd, &wrong, &cert, &holder, until));
		show(NULL, PIN);
	} else {
		fail("'%s': no such scenario", sc);
	}
	pcsc_close(rd);
	vcard_free(vc);
	buf_free(&cert);
	buf_free(&der);
	return ferror(stdout) || fclose(stdout) ? 1 : 0;
}
