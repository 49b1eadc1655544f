/* piv.c: the PIV card application (NIST SP 800-73-4) over a reader: SELECT,
 * GET DATA and PUT DATA (chained, with GET RESPONSE), VERIFY, CHANGE
 * REFERENCE DATA, RESET RETRY COUNTER, GENERATE ASYMMETRIC KEY PAIR and
 * GENERAL AUTHENTICATE with the card management key (mutual: the card
 * proves it holds the key too), and the YubiKey's SET MANAGEMENT KEY, the
 * one way PIV cards in the field take a new management key.  Every APDU
 * buffer is wiped after use: PINs, PUKs and keys go through them. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base.h"
#include "card.h"
#include "tlv.h"

#define SW_OK		0x9000
#define SW_SECURITY	0x6982
#define SW_BLOCKED	0x6983
#define SW_NOT_FOUND	0x6A82
#define SW_WRONG_P1P2	0x6A86

#define APDU_MAX	(5 + 255 + 1)
#define RESP_MAX	(256 + 2)

const unsigned char piv_factory_mgmt[24] = {
	1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
};

static const unsigned char piv_aid[] = {
	0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00
};

/* FASC-N S9999F9999F999999F0F1F0000000000300001E: the placeholder of
 * issuers outside the US federal government (SP 800-73-4 part 1, 3.1.2) */
static const unsigned char fascn[25] = {
	0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
	0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB
};

static const char *
sw_text(int sw)
{
	switch (sw) {
	case 0x6700: return N_("wrong length");
	case 0x6982: return N_("security status not satisfied");
	case 0x6983: return N_("blocked");
	case 0x6985: return N_("conditions of use not satisfied");
	case 0x6A80: return N_("incorrect data");
	case 0x6A81: return N_("function not supported");
	case 0x6A82: return N_("not found");
	case 0x6A84: return N_("not enough memory");
	case 0x6A86: return N_("incorrect P1 or P2");
	case 0x6A88: return N_("reference not found");
	case 0x6D00: return N_("instruction not supported");
	case 0x6E00: return N_("class not supported");
	}
	return N_("error");
}

static int
sw_err(struct reader *r, const char *what, int sw)
{
	pcsc_seterr(r, "'%s': %s: the card answered %04X (%s)", pcsc_name(r), what, sw,
	    _(sw_text(sw)));
	return -1;
}

/* One short APDU, with its GET RESPONSEs: the data in out (when not NULL),
 * the last status word in *sw.  le < 0: no Le. */
static int
xfer(struct reader *r, int cla, int ins, int p1, int p2, const void *data, size_t lc,
    int le, struct buf *out, int *sw)
{
	unsigned char apdu[APDU_MAX], resp[RESP_MAX];
	size_t n = 0, rlen;
	int rc = -1, again = 0;

	apdu[n++] = cla;
	apdu[n++] = ins;
	apdu[n++] = p1;
	apdu[n++] = p2;
	if (lc) {
		apdu[n++] = lc;
		memcpy(apdu + n, data, lc);
		n += lc;
	}
	if (le >= 0)
		apdu[n++] = le;
	for (;;) {
		rlen = sizeof resp;
		if (pcsc_transmit(r, apdu, n, resp, &rlen) < 0)
			goto out;
		*sw = resp[rlen - 2] << 8 | resp[rlen - 1];
		if (out)
			buf_add(out, resp, rlen - 2);
		if ((*sw & 0xFF00) == 0x6C00 && le >= 0 && !again++) {	/* Le: this many */
			apdu[n - 1] = *sw & 0xFF;
			continue;
		}
		if ((*sw & 0xFF00) != 0x6100)
			break;
		/* more to come: GET RESPONSE */
		cleanse(apdu, sizeof apdu);
		apdu[0] = cla & ~0x10;
		apdu[1] = 0xC0;
		apdu[2] = apdu[3] = 0;
		apdu[4] = *sw & 0xFF;
		n = 5;
	}
	rc = 0;
out:
	cleanse(apdu, sizeof apdu);
	cleanse(resp, sizeof resp);
	return rc;
}

/* A command of any length, chained in pieces of 255 bytes. */
static int
send_chained(struct reader *r, int ins, int p1, int p2, const unsigned char *data, size_t n,
    int le, struct buf *out, int *sw)
{
	while (n > 255) {
		if (xfer(r, 0x10, ins, p1, p2, data, 255, -1, NULL, sw) < 0)
			return -1;
		if (*sw != SW_OK)
			return 0;
		data += 255;
		n -= 255;
	}
	return xfer(r, 0x00, ins, p1, p2, data, n, le, out, sw);
}

/* The value of tag inside the TLVs at p[0..n), or NULL. */
static const unsigned char *
tlv_find(const unsigned char *p, size_t n, unsigned want, size_t *len)
{
	const unsigned char *v;
	unsigned tag;
	size_t k;

	while (n && (k = ber_get(p, n, &tag, &v, len))) {
		if (tag == want)
			return v;
		p += k;
		n -= k;
	}
	return NULL;
}

int
piv_select(struct reader *r)
{
	struct buf out = { 0 };
	int sw;

	if (xfer(r, 0, 0xA4, 0x04, 0x00, piv_aid, sizeof piv_aid, 0, &out, &sw) < 0) {
		buf_free(&out);
		return -1;
	}
	buf_free(&out);
	if (sw == SW_NOT_FOUND || sw == 0x6A81 || sw == 0x6D00) {
		pcsc_seterr(r, "'%s': the card has no PIV application", pcsc_name(r));
		return -1;
	}
	return sw == SW_OK ? 0 : sw_err(r, "SELECT", sw);
}

static void
tag_list(struct buf *b, unsigned tag)
{
	unsigned char t[3];
	size_t n = 0;

	if (tag > 0xFFFF)
		t[n++] = tag >> 16;
	if (tag > 0xFF)
		t[n++] = tag >> 8;
	t[n++] = tag;
	ber_put(b, 0x5C, t, n);
}

int
piv_get_object(struct reader *r, unsigned tag, struct buf *val)
{
	struct buf cmd = { 0 }, out = { 0 };
	const unsigned char *v;
	unsigned t;
	size_t len;
	char what[32];
	int sw, rc = -1;

	tag_list(&cmd, tag);
	snprintf(what, sizeof what, "GET DATA %X", tag);
	if (xfer(r, 0, 0xCB, 0x3F, 0xFF, cmd.s, cmd.len, 0, &out, &sw) < 0)
		goto out;
	if (sw == SW_NOT_FOUND) {
		rc = 1;
		goto out;
	}
	if (sw != SW_OK) {
		sw_err(r, what, sw);
		goto out;
	}
	if (!out.len || ber_get((unsigned char *)out.s, out.len, &t, &v, &len) != out.len || t != 0x53) {
		pcsc_seterr(r, "'%s': %s: not a PIV data object", pcsc_name(r), what);
		goto out;
	}
	buf_add(val, v, len);
	rc = 0;
out:
	buf_free(&cmd);
	buf_free(&out);
	return rc;
}

int
piv_put_object(struct reader *r, unsigned tag, const void *val, size_t len)
{
	struct buf cmd = { 0 };
	char what[32];
	int sw, rc;

	tag_list(&cmd, tag);
	ber_put(&cmd, 0x53, val, len);
	snprintf(what, sizeof what, "PUT DATA %X", tag);
	rc = send_chained(r, 0xDB, 0x3F, 0xFF, (unsigned char *)cmd.s, cmd.len, -1, NULL, &sw);
	buf_free(&cmd);
	if (rc < 0)
		return -1;
	return sw == SW_OK ? 0 : sw_err(r, what, sw);
}

int
piv_pin_tries(struct reader *r, int *tries)
{
	int sw;

	if (xfer(r, 0, 0x20, 0x00, 0x80, NULL, 0, -1, NULL, &sw) < 0)
		return -1;
	if ((sw & 0xFFF0) == 0x63C0)
		*tries = sw & 0x0F;
	else if (sw == SW_BLOCKED)
		*tries = 0;
	else if (sw == SW_OK)
		*tries = -1;		/* verified already: the count is not told */
	else
		return sw_err(r, "VERIFY", sw);
	return 0;
}

/* A PIN or PUK as the card keeps it: its digits, then 0xFF up to 8 bytes. */
static int
pad8(const char *s, unsigned char *out)
{
	size_t n = strlen(s);

	if (n < 1 || n > 8)
		return -1;
	memset(out, 0xFF, 8);
	memcpy(out, s, n);
	return 0;
}

/* 0 done, 1 the old value was wrong (*tries left), 2 blocked, -1 */
static int
ref_result(struct reader *r, const char *what, int sw, int *tries)
{
	if (sw == SW_OK)
		return 0;
	if ((sw & 0xFFF0) == 0x63C0) {
		*tries = sw & 0x0F;
		return *tries ? 1 : 2;
	}
	if (sw == SW_BLOCKED) {
		*tries = 0;
		return 2;
	}
	return sw_err(r, what, sw);
}

static int
two_refs(struct reader *r, int ins, int ref, const char *a, const char *b, int *tries,
    const char *what)
{
	unsigned char data[16];
	int sw, rc;

	if (pad8(a, data) < 0 || pad8(b, data + 8) < 0) {
		pcsc_seterr(r, "%s: a PIN or PUK of 1 to 8 characters is needed", what);
		return -1;
	}
	rc = xfer(r, 0, ins, 0x00, ref, data, sizeof data, -1, NULL, &sw);
	cleanse(data, sizeof data);
	return rc < 0 ? -1 : ref_result(r, what, sw, tries);
}

int
piv_change_ref(struct reader *r, int ref, const char *old, const char *new, int *tries)
{
	return two_refs(r, 0x24, ref, old, new, tries,
	    ref == PIV_PUK ? "CHANGE REFERENCE DATA (PUK)" : "CHANGE REFERENCE DATA (PIN)");
}

int
piv_reset_retry(struct reader *r, const char *puk, const char *pin, int *tries)
{
	return two_refs(r, 0x2C, PIV_PIN, puk, pin, tries, "RESET RETRY COUNTER");
}

static const EVP_CIPHER *
mgmt_cipher(int alg, size_t *keylen, size_t *block)
{
	*block = 16;
	switch (alg) {
	case PIV_ALG_3DES: *keylen = 24; *block = 8; return EVP_des_ede3_ecb();
	case 0x08: *keylen = 16; return EVP_aes_128_ecb();
	case 0x0A: *keylen = 24; return EVP_aes_192_ecb();
	case 0x0C: *keylen = 32; return EVP_aes_256_ecb();
	}
	return NULL;
}

static int
crypt_block(int alg, const unsigned char *key, int enc, const unsigned char *in,
    unsigned char *out)
{
	size_t keylen, bl;
	const EVP_CIPHER *c = mgmt_cipher(alg, &keylen, &bl);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = c && ctx && EVP_CipherInit_ex(ctx, c, NULL, key, NULL, enc) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &l1, in, bl) &&
	    EVP_CipherFinal_ex(ctx, out + l1, &l2) && (size_t)(l1 + l2) == bl;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
piv_auth_mgmt(struct reader *r, int alg, const unsigned char *key, size_t keylen)
{
	static const unsigned char ask[] = { 0x7C, 0x02, 0x80, 0x00 };
	unsigned char witness[16], chal[16], want[16];
	const unsigned char *v, *w;
	struct buf out = { 0 }, cmd = { 0 }, inner = { 0 };
	size_t need, bl, len, wl;
	unsigned tag;
	int sw, rc = -1;

	if (!mgmt_cipher(alg, &need, &bl) || keylen != need) {
		pcsc_seterr(r, "management key: algorithm %02X with %zu bytes is not supported",
		    alg, keylen);
		return -1;
	}
	/* 1: the card's witness, encrypted with the key */
	if (xfer(r, 0, 0x87, alg, PIV_MGMT, ask, sizeof ask, 0, &out, &sw) < 0)
		goto out;
	if (sw == SW_WRONG_P1P2 || sw == SW_SECURITY) {
		rc = 1;
		goto out;
	}
	if (sw != SW_OK) {
		sw_err(r, "GENERAL AUTHENTICATE (witness)", sw);
		goto out;
	}
	if (ber_get((unsigned char *)out.s, out.len, &tag, &v, &len) != out.len || tag != 0x7C ||
	    !(w = tlv_find(v, len, 0x80, &wl)) || wl != bl) {
		pcsc_seterr(r, "'%s': GENERAL AUTHENTICATE: the card's witness is malformed",
		    pcsc_name(r));
		goto out;
	}
	/* 2: the witness decrypted, and our challenge for the card */
	if (crypt_block(alg, key, 0, w, witness) < 0 || RAND_bytes(chal, bl) != 1 ||
	    crypt_block(alg, key, 1, chal, want) < 0) {
		pcsc_seterr(r, "management key: OpenSSL: %s", ssl_err());
		goto out;
	}
	ber_put(&inner, 0x80, witness, bl);
	ber_put(&inner, 0x81, chal, bl);
	ber_put(&inner, 0x82, NULL, 0);
	ber_put(&cmd, 0x7C, inner.s, inner.len);
	out.len = 0;
	if (xfer(r, 0, 0x87, alg, PIV_MGMT, cmd.s, cmd.len, 0, &out, &sw) < 0)
		goto out;
	if (sw == SW_SECURITY) {
		rc = 1;
		goto out;
	}
	if (sw != SW_OK) {
		sw_err(r, "GENERAL AUTHENTICATE (challenge)", sw);
		goto out;
	}
	if (ber_get((unsigned char *)out.s, out.len, &tag, &v, &len) != out.len || tag != 0x7C ||
	    !(w = tlv_find(v, len, 0x82, &wl)) || wl != bl || CRYPTO_memcmp(w, want, bl)) {
		pcsc_seterr(r, "'%s': the card did not prove that it holds the management key",
		    pcsc_name(r));
		goto out;
	}
	rc = 0;
out:
	cleanse(witness, sizeof witness);
	cleanse(want, sizeof want);
	if (inner.s)
		cleanse(inner.s, inner.len);
	if (cmd.s)
		cleanse(cmd.s, cmd.len);
	buf_free(&inner);
	buf_free(&cmd);
	buf_free(&out);
	return rc;
}

int
piv_set_mgmt(struct reader *r, int alg, const unsigned char *key, size_t keylen)
{
	unsigned char data[3 + 32];
	size_t need, bl;
	int sw, rc;

	if (!mgmt_cipher(alg, &need, &bl) || keylen != need) {
		pcsc_seterr(r, "management key: algorithm %02X with %zu bytes is not supported",
		    alg, keylen);
		return -1;
	}
	data[0] = alg;
	data[1] = PIV_MGMT;
	data[2] = keylen;
	memcpy(data + 3, key, keylen);
	rc = xfer(r, 0, 0xFF, 0xFF, 0xFF, data, 3 + keylen, -1, NULL, &sw);
	cleanse(data, sizeof data);
	if (rc < 0)
		return -1;
	return sw == SW_OK ? 0 : sw_err(r, "SET MANAGEMENT KEY", sw);
}

int
piv_generate(struct reader *r, int slot, struct buf *point)
{
	static const unsigned char p256[] = { 0xAC, 0x03, 0x80, 0x01, PIV_ALG_P256 };
	struct buf out = { 0 };
	const unsigned char *v, *pt;
	unsigned tag;
	size_t len, plen;
	int sw, rc = -1;

	if (send_chained(r, 0x47, 0x00, slot, p256, sizeof p256, 0, &out, &sw) < 0)
		goto out;
	if (sw != SW_OK) {
		sw_err(r, "GENERATE ASYMMETRIC KEY PAIR", sw);
		goto out;
	}
	if (ber_get((unsigned char *)out.s, out.len, &tag, &v, &len) != out.len || tag != 0x7F49 ||
	    !(pt = tlv_find(v, len, 0x86, &plen)) || plen != 65 || pt[0] != 0x04) {
		pcsc_seterr(r, "'%s': GENERATE ASYMMETRIC KEY PAIR: not a P-256 public key",
		    pcsc_name(r));
		goto out;
	}
	buf_add(point, pt, plen);
	rc = 0;
out:
	buf_free(&out);
	return rc;
}

int
piv_read_cert(struct reader *r, struct buf *der)
{
	struct buf obj = { 0 };
	const unsigned char *c, *info;
	size_t clen, ilen;
	int rc = piv_get_object(r, PIV_OBJ_CERT_AUTH, &obj);

	if (rc)
		goto out;
	rc = -1;
	c = tlv_find((unsigned char *)obj.s, obj.len, 0x70, &clen);
	info = tlv_find((unsigned char *)obj.s, obj.len, 0x71, &ilen);
	if (!c || !clen) {
		/* an empty object is no certificate */
		rc = 1;
		goto out;
	}
	if (info && ilen == 1 && (info[0] & 1)) {
		pcsc_seterr(r, "'%s': the certificate in 9A is compressed", pcsc_name(r));
		goto out;
	}
	buf_add(der, c, clen);
	rc = 0;
out:
	buf_free(&obj);
	return rc;
}

int
piv_write_cert(struct reader *r, const void *der, size_t len)
{
	static const unsigned char plain = 0;
	struct buf obj = { 0 };
	int rc;

	ber_put(&obj, 0x70, der, len);
	ber_put(&obj, 0x71, &plain, 1);
	ber_put(&obj, 0xFE, NULL, 0);
	rc = piv_put_object(r, PIV_OBJ_CERT_AUTH, obj.s, obj.len);
	buf_free(&obj);
	return rc;
}

/* The GUID is a name-based UUID (RFC 9562 version 8) of the card number, so
 * that a card keeps its GUID when it is rewritten. */
void
piv_chuid(struct buf *b, const char *number, time_t expiry)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char ymd[9];
	struct buf in = { 0 };

	buf_puts(&in, "eport card ");
	buf_puts(&in, number);
	EVP_Digest(in.s, in.len, md, &mdlen, EVP_sha256(), NULL);
	buf_free(&in);
	md[6] = (md[6] & 0x0F) | 0x80;
	md[8] = (md[8] & 0x3F) | 0x80;
	fmt_ymd(expiry, ymd);
	ber_put(b, 0x30, fascn, sizeof fascn);
	ber_put(b, 0x34, md, 16);
	ber_put(b, 0x35, ymd, 8);
	ber_put(b, 0x3E, NULL, 0);
	ber_put(b, 0xFE, NULL, 0);
}

/* At most max bytes of UTF-8 s, cut at a character's start. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static void
put_text(struct buf *b, unsigned tag, const char *s, size_t max)
{
	ber_put(b, tag, s, utf8_cut(s, max));
}

/* Printed information (SP 800-73-4 part 1, table 14): what the card's face
 * shows.  Line 1 of the organisation is the USCC, line 2 its name. */
void
piv_printed(struct buf *b, const struct cardholder *h, time_t expiry)
{
	static const char *const mon[] = { "JAN", "FEB", "MAR", "APR", "MAY", "JUN",
	    "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
	char ymd[9], exp[10];

	fmt_ymd(expiry, ymd);
	snprintf(exp, sizeof exp, "%.4s%s%.2s", ymd,
	    mon[((ymd[4] - '0') * 10 + ymd[5] - '0' + 11) % 12], ymd + 6);
	put_text(b, 0x01, h->holder, 125);
	put_text(b, 0x02, !strcmp(h->role, "legal") ? "法人" : "操作员", 20);
	put_text(b, 0x04, exp, 9);
	put_text(b, 0x05, h->number, 20);
	put_text(b, 0x06, "China E-Port", 15);
	put_text(b, 0x07, h->uscc, 20);
	put_text(b, 0x08, h->enterprise, 20);
	ber_put(b, 0xFE, NULL, 0);
}
