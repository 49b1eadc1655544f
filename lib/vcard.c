/* vcard.c: the card behind eport-vcard, a PIV card application (NIST SP
 * 800-73-4) with the YubiKey's SET MANAGEMENT KEY and GET VERSION.  It keeps
 * its state in a JSON file and answers APDUs; it knows nothing of sockets, so
 * that tests and fuzzers can drive vcard_apdu directly. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <jansson.h>

#include "base.h"
#include "card.h"
#include "tlv.h"
#include "vcard.h"

#define SW_OK		0x9000
#define SW_WRONG_LEN	0x6700
#define SW_NO_CHAIN	0x6884
#define SW_SECURITY	0x6982
#define SW_BLOCKED	0x6983
#define SW_CONDITIONS	0x6985
#define SW_WRONG_DATA	0x6A80
#define SW_NO_FUNC	0x6A81
#define SW_NOT_FOUND	0x6A82
#define SW_NO_SPACE	0x6A84
#define SW_WRONG_P1P2	0x6A86
#define SW_NO_REF	0x6A88
#define SW_INS		0x6D00
#define SW_CLA		0x6E00
#define SW_INTERNAL	0x6F00

#define CHAIN_MAX	16384	/* a whole chained command: room for any PIV object */
#define STATE_MAX	(1 << 20)

static const unsigned char piv_aid[] = {
	0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00
};

/* T=1, historical bytes "ePortPIV", then TCK (T0 to the last byte, XORed) */
static const unsigned char atr[] = {
	0x3B, 0x88, 0x80, 0x01, 'e', 'P', 'o', 'r', 't', 'P', 'I', 'V', 0x1A
};

static const char *const slot_names[VCARD_SLOTS] = { "9A", "9C", "9D", "9E" };
static const unsigned char slot_refs[VCARD_SLOTS] = { 0x9A, 0x9C, 0x9D, 0x9E };

enum { CHAL_NONE, CHAL_WITNESS, CHAL_CHALLENGE };

struct vcard {
	unsigned char pin[8], puk[8];
	int pin_tries, pin_max, puk_tries, puk_max;
	int mgmt_alg;
	unsigned char mgmt[32];
	json_t *objects;		/* "5FC102" -> hex of the object's TLV */
	EVP_PKEY *key[VCARD_SLOTS];
	int key_alg[VCARD_SLOTS];	/* 0x11 P-256, 0x14 P-384 */

	/* security status and the exchanges in progress; never saved */
	int pin_ok, mgmt_ok;
	int chal_kind;
	unsigned char chal[16];
	struct buf chain;
	int chaining, chain_ins, chain_p1, chain_p2;
	struct buf pend;
	size_t pend_off;
	int dirty;
};

struct apdu {
	int cla, ins, p1, p2;
	const unsigned char *data;
	size_t lc, le;		/* le: most bytes the reader takes */
};

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static char *
hex_dup(const unsigned char *p, size_t n)
{
	char *s = xmalloc(2 * n + 1);

	hex(p, n, s);
	return s;
}

/* Hex digits to bytes: the count, or -1. */
static long
unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s), len = 0;

	if (n % 2 || n / 2 > max)
		return -1;
	if (n && !OPENSSL_hexstr2buf_ex(out, max, &len, s, '\0'))
		return -1;
	return len;
}

static size_t
mgmt_len(int alg)
{
	switch (alg) {
	case 0x03: return 24;	/* 3DES */
	case 0x08: return 16;	/* AES-128 */
	case 0x0A: return 24;	/* AES-192 */
	case 0x0C: return 32;	/* AES-256 */
	}
	return 0;
}

static const EVP_CIPHER *
mgmt_cipher(int alg)
{
	switch (alg) {
	case 0x03: return EVP_des_ede3_ecb();
	case 0x08: return EVP_aes_128_ecb();
	case 0x0A: return EVP_aes_192_ecb();
	case 0x0C: return EVP_aes_256_ecb();
	}
	return NULL;
}

static const char *
curve_of(int alg)
{
	return alg == 0x11 ? "P-256" : alg == 0x14 ? "P-384" : NULL;
}

static int
slot_index(int ref)
{
	for (int i = 0; i < VCARD_SLOTS; i++)
		if (slot_refs[i] == ref)
			return i;
	return -1;
}

/* The PIV data objects: 7E discovery, 7F61 biometric group, 5FC101-5FC123,
 * and the YubiKey's 5FFF00-5FFF15. */
static int
object_tag_ok(unsigned tag)
{
	return tag == 0x7E || tag == 0x7F61 ||
	    (tag >= 0x5FC101 && tag <= 0x5FC123) ||
	    (tag >= 0x5FFF00 && tag <= 0x5FFF15);
}

/* fingerprints, facial image, printed information, iris: PIN first */
static int
object_needs_pin(unsigned tag)
{
	return tag == 0x5FC103 || tag == 0x5FC108 || tag == 0x5FC109 || tag == 0x5FC121;
}

static void
pad8(const char *s, unsigned char out[8])
{
	memset(out, 0xFF, 8);
	memcpy(out, s, strlen(s));
}

static void
factory(struct vcard *vc)
{
	/* discovery object: the PIV AID, PIN usage policy "PIV PIN only" */
	static const char discovery[] = "7E124F0BA0000003080000100001005F2F024000";
	static const unsigned char key[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
	};

	pad8("123456", vc->pin);
	pad8("12345678", vc->puk);
	vc->pin_tries = vc->pin_max = 5;
	vc->puk_tries = vc->puk_max = 5;
	vc->mgmt_alg = 0x03;
	memcpy(vc->mgmt, key, sizeof key);
	vc->objects = json_object();
	json_object_set_new(vc->objects, "7E", json_string(discovery));
}

struct vcard *
vcard_new(void)
{
	struct vcard *vc = xcalloc(1, sizeof *vc);

	factory(vc);
	return vc;
}

void
vcard_free(struct vcard *vc)
{
	if (!vc)
		return;
	for (int i = 0; i < VCARD_SLOTS; i++)
		EVP_PKEY_free(vc->key[i]);
	json_decref(vc->objects);
	cleanse(vc->chain.s, vc->chain.cap);
	buf_free(&vc->chain);
	buf_free(&vc->pend);
	cleanse(vc, sizeof *vc);
	free(vc);
}

const unsigned char *
vcard_atr(size_t *len)
{
	*len = sizeof atr;
	return atr;
}

void
vcard_reset(struct vcard *vc)
{
	vc->pin_ok = vc->mgmt_ok = 0;
	vc->chal_kind = CHAL_NONE;
	vc->chaining = 0;
	vc->chain.len = 0;
	vc->pend.len = vc->pend_off = 0;
}

/* State file */

static int
get_int(json_t *st, const char *name, int lo, int hi, int *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(st, name);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(err, errlen, _("%s: expected a number from %d to %d"), name, lo, hi);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int
get_hex(json_t *st, const char *name, unsigned char *out, size_t want, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(st, name));

	if (!s || unhex(s, out, want) != (long)want) {
		snprintf(err, errlen, _("%s: expected %zu hex digits"), name, 2 * want);
		return -1;
	}
	return 0;
}

static int
load_keys(struct vcard *vc, json_t *keys, char *err, size_t errlen)
{
	const char *name;
	json_t *v;

	if (!keys)
		return 0;
	if (!json_is_object(keys)) {
		snprintf(err, errlen, _("keys: expected an object"));
		return -1;
	}
	json_object_foreach(keys, name, v) {
		int i = 0;
		const char *pem = json_string_value(v);
		BIO *bio;
		char group[32];
		size_t glen;

		while (i < VCARD_SLOTS && strcmp(slot_names[i], name))
			i++;
		if (i == VCARD_SLOTS || !pem) {
			snprintf(err, errlen, _("keys.%s: expected a slot (9A 9C 9D 9E) and a PEM key"), name);
			return -1;
		}
		bio = BIO_new_mem_buf(pem, -1);
		vc->key[i] = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		if (!vc->key[i] || !EVP_PKEY_is_a(vc->key[i], "EC") ||
		    !EVP_PKEY_get_utf8_string_param(vc->key[i], OSSL_PKEY_PARAM_GROUP_NAME,
		    group, sizeof group, &glen)) {
			snprintf(err, errlen, _("keys.%s: not an EC private key in PEM"), name);
			return -1;
		}
		if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))
			vc->key_alg[i] = 0x11;
		else if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384"))
			vc->key_alg[i] = 0x14;
		else {
			snprintf(err, errlen, _("keys.%s: curve %s is not P-256 or P-384"), name, group);
			return -1;
		}
	}
	return 0;
}

static int
load_objects(struct vcard *vc, json_t *objs, char *err, size_t errlen)
{
	const char *name;
	json_t *v;

	if (!json_is_object(objs)) {
		snprintf(err, errlen, _("objects: expected an object"));
		return -1;
	}
	json_object_foreach(objs, name, v) {
		unsigned char tagb[3], buf[CHAIN_MAX];
		const char *s = json_string_value(v);
		long n = unhex(name, tagb, sizeof tagb), m;
		unsigned tag = 0, t;
		const unsigned char *val;
		size_t len;

		for (long i = 0; i < n; i++)
			tag = tag << 8 | tagb[i];
		if (n < 1 || !object_tag_ok(tag) || !s || (m = unhex(s, buf, sizeof buf)) < 2 ||
		    ber_get(buf, m, &t, &val, &len) != (size_t)m) {
			snprintf(err, errlen, _("objects.%s: expected a PIV object tag and a BER-TLV in hex"), name);
			return -1;
		}
	}
	json_decref(vc->objects);
	vc->objects = json_deep_copy(objs);
	return 0;
}

static int
from_json(struct vcard *vc, json_t *st, char *err, size_t errlen)
{
	if (!json_is_object(st)) {
		snprintf(err, errlen, _("expected a JSON object"));
		return -1;
	}
	if (get_hex(st, "pin", vc->pin, 8, err, errlen) ||
	    get_hex(st, "puk", vc->puk, 8, err, errlen) ||
	    get_int(st, "pin_retries", 1, 15, &vc->pin_max, err, errlen) ||
	    get_int(st, "pin_tries", 0, vc->pin_max, &vc->pin_tries, err, errlen) ||
	    get_int(st, "puk_retries", 1, 15, &vc->puk_max, err, errlen) ||
	    get_int(st, "puk_tries", 0, vc->puk_max, &vc->puk_tries, err, errlen) ||
	    get_int(st, "mgmt_alg", 0, 255, &vc->mgmt_alg, err, errlen))
		return -1;
	if (!mgmt_len(vc->mgmt_alg)) {
		snprintf(err, errlen, _("mgmt_alg: expected 3, 8, 10 or 12"));
		return -1;
	}
	if (get_hex(st, "mgmt_key", vc->mgmt, mgmt_len(vc->mgmt_alg), err, errlen) ||
	    load_objects(vc, json_object_get(st, "objects"), err, errlen) ||
	    load_keys(vc, json_object_get(st, "keys"), err, errlen))
		return -1;
	return 0;
}

int
vcard_load(struct vcard **out, const char *path, char *err, size_t errlen)
{
	struct buf b = {0};
	json_error_t je;
	json_t *st;
	struct vcard *vc;
	char msg[256];

	*out = NULL;
	if (read_file(path, &b, STATE_MAX) < 0) {
		int e = errno;

		buf_free(&b);
		if (e != ENOENT) {
			snprintf(err, errlen, _("cannot read '%s': %s"), path, strerror(e));
			return -1;
		}
		*out = vcard_new();
		return vcard_save(*out, path, err, errlen);
	}
	st = json_loadb(b.s, b.len, 0, &je);
	cleanse(b.s, b.len);
	buf_free(&b);
	if (!st) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	vc = xcalloc(1, sizeof *vc);
	if (from_json(vc, st, msg, sizeof msg)) {
		snprintf(err, errlen, "%s: %s", path, msg);
		json_decref(st);
		vcard_free(vc);
		return -1;
	}
	json_decref(st);
	*out = vc;
	return 0;
}

static char *
key_pem(EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p, *s = NULL;
	long n;

	if (bio && PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)) {
		n = BIO_get_mem_data(bio, &p);
		s = xmalloc(n + 1);
		memcpy(s, p, n);
		s[n] = '\0';
	}
	BIO_free(bio);
	return s;
}

static json_t *
to_json(struct vcard *vc)
{
	json_t *st = json_object(), *keys = json_object();
	char h[65];

	hex(vc->pin, 8, h);
	json_object_set_new(st, "pin", json_string(h));
	json_object_set_new(st, "pin_tries", json_integer(vc->pin_tries));
	json_object_set_new(st, "pin_retries", json_integer(vc->pin_max));
	hex(vc->puk, 8, h);
	json_object_set_new(st, "puk", json_string(h));
	json_object_set_new(st, "puk_tries", json_integer(vc->puk_tries));
	json_object_set_new(st, "puk_retries", json_integer(vc->puk_max));
	json_object_set_new(st, "mgmt_alg", json_integer(vc->mgmt_alg));
	hex(vc->mgmt, mgmt_len(vc->mgmt_alg), h);
	json_object_set_new(st, "mgmt_key", json_string(h));
	cleanse(h, sizeof h);
	json_object_set(st, "objects", vc->objects);
	for (int i = 0; i < VCARD_SLOTS; i++) {
		char *pem = vc->key[i] ? key_pem(vc->key[i]) : NULL;

		if (pem) {
			json_object_set_new(keys, slot_names[i], json_string(pem));
			cleanse(pem, strlen(pem));
			free(pem);
		}
	}
	json_object_set_new(st, "keys", keys);
	return st;
}

/* temp file, fsync, rename: a crash leaves the old state or the new one */
int
vcard_save(struct vcard *vc, const char *path, char *err, size_t errlen)
{
	json_t *st = to_json(vc);
	char *text = json_dumps(st, JSON_INDENT(1) | JSON_SORT_KEYS);
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = -1, rc = -1;
	size_t n, off = 0;

	json_decref(st);
	if (!text) {
		snprintf(err, errlen, _("cannot encode the card state"));
		goto out;
	}
	n = strlen(text);
	text[n] = '\n';		/* the NUL becomes the last newline */
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, _("cannot create '%s': %s"), tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) < 0)
		goto fail;
	while (off < n + 1) {
		ssize_t w = write(fd, text + off, n + 1 - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, _("cannot write '%s': %s"), path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	if (text) {
		cleanse(text, n + 1);
		free(text);
	}
	free(tmp);
	return rc;
}

/* APDUs */

static int
crypt_block(int alg, const unsigned char *key, const unsigned char *in, size_t n, unsigned char *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = c && EVP_EncryptInit_ex(c, mgmt_cipher(alg), NULL, key, NULL) &&
	    EVP_CIPHER_CTX_set_padding(c, 0) &&
	    EVP_EncryptUpdate(c, out, &l1, in, n) &&
	    EVP_EncryptFinal_ex(c, out + l1, &l2) && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int
do_select(struct vcard *vc, const struct apdu *a, struct buf *r)
{
	static const unsigned char apt[] = {
		0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
		0x79, 0x07, 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08,
		0x50, 0x0B, 'e', 'p', 'o', 'r', 't', '-', 'v', 'c', 'a', 'r', 'd',
		0xAC, 0x0F, 0x80, 0x01, 0x03, 0x80, 0x01, 0x08, 0x80, 0x01, 0x0A,
		0x80, 0x01, 0x0C, 0x80, 0x01, 0x11, 0x06, 0x01, 0x00,
	};

	if (a->p1 != 0x04)
		return SW_WRONG_P1P2;
	if (a->lc < 5 || a->lc > sizeof piv_aid || memcmp(a->data, piv_aid, a->lc))
		return SW_NOT_FOUND;
	vcard_reset(vc);
	ber_put(r, 0x61, apt, sizeof apt);
	return SW_OK;
}

/* The 5C tag list of GET DATA and PUT DATA: returns its length, or 0. */
static size_t
object_tag(const struct apdu *a, unsigned *tag)
{
	const unsigned char *v;
	size_t len, n = ber_get(a->data, a->lc, tag, &v, &len);

	if (!n || *tag != 0x5C || len < 1 || len > 3)
		return 0;
	for (*tag = 0; len--; )
		*tag = *tag << 8 | *v++;
	return n;
}

static int
do_get_data(struct vcard *vc, const struct apdu *a, struct buf *r)
{
	unsigned tag;
	char name[7];
	const char *s;
	unsigned char *obj;
	long n;

	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return SW_WRONG_P1P2;
	if (!a->lc || object_tag(a, &tag) != a->lc)
		return SW_WRONG_DATA;
	snprintf(name, sizeof name, "%X", tag);
	if (!object_tag_ok(tag) || !(s = json_string_value(json_object_get(vc->objects, name))))
		return SW_NOT_FOUND;
	if (object_needs_pin(tag) && !vc->pin_ok)
		return SW_SECURITY;
	obj = xmalloc(strlen(s) / 2 + 1);
	n = unhex(s, obj, strlen(s) / 2 + 1);
	if (n > 0)
		buf_add(r, obj, n);
	free(obj);
	return n > 0 ? SW_OK : SW_INTERNAL;
}

static int
do_put_data(struct vcard *vc, const struct apdu *a)
{
	unsigned tag, t;
	size_t n, len;
	const unsigned char *v;
	char name[7];

	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return SW_WRONG_P1P2;
	if (!vc->mgmt_ok)
		return SW_SECURITY;
	if (!(n = object_tag(a, &tag)) || n >= a->lc ||
	    ber_get(a->data + n, a->lc - n, &t, &v, &len) != a->lc - n || t != 0x53)
		return SW_WRONG_DATA;
	if (!object_tag_ok(tag))
		return SW_WRONG_DATA;
	snprintf(name, sizeof name, "%X", tag);
	if (len == 0) {
		json_object_del(vc->objects, name);
	} else {
		char *h = hex_dup(a->data + n, a->lc - n);

		json_object_set_new(vc->objects, name, json_string(h));
		free(h);
	}
	vc->dirty = 1;
	return SW_OK;
}

/* 6 to 8 bytes, then FF padding */
static int
pin_format_ok(const unsigned char *p)
{
	int n = 0;

	while (n < 8 && p[n] != 0xFF)
		n++;
	for (int i = n; i < 8; i++)
		if (p[i] != 0xFF)
			return 0;
	return n >= 6;
}

/* Check a PIN or PUK against its reference, counting the tries. */
static int
check_ref(struct vcard *vc, const unsigned char *ref, int *tries, int max, const unsigned char *got)
{
	if (*tries == 0)
		return SW_BLOCKED;
	if (CRYPTO_memcmp(ref, got, 8)) {
		--*tries;
		vc->dirty = 1;
		return 0x63C0 | *tries;
	}
	if (*tries != max)
		vc->dirty = 1;
	*tries = max;
	return SW_OK;
}

static int
do_verify(struct vcard *vc, const struct apdu *a)
{
	int sw;

	if (a->p1 == 0xFF && a->p2 == 0x80 && a->lc == 0) {
		vc->pin_ok = 0;
		return SW_OK;
	}
	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (a->p2 != 0x80)
		return SW_NO_REF;
	if (a->lc == 0) {
		if (vc->pin_tries == 0)
			return SW_BLOCKED;
		return vc->pin_ok ? SW_OK : 0x63C0 | vc->pin_tries;
	}
	if (a->lc != 8)
		return SW_WRONG_DATA;
	sw = check_ref(vc, vc->pin, &vc->pin_tries, vc->pin_max, a->data);
	vc->pin_ok = sw == SW_OK;
	return sw;
}

static int
do_change_ref(struct vcard *vc, const struct apdu *a)
{
	int puk = a->p2 == 0x81, sw;
	unsigned char *ref = puk ? vc->puk : vc->pin;

	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (a->p2 != 0x80 && a->p2 != 0x81)
		return SW_NO_REF;
	if (a->lc != 16 || !pin_format_ok(a->data + 8))
		return SW_WRONG_DATA;
	sw = puk ? check_ref(vc, ref, &vc->puk_tries, vc->puk_max, a->data) :
	    check_ref(vc, ref, &vc->pin_tries, vc->pin_max, a->data);
	if (sw != SW_OK) {
		if (!puk)
			vc->pin_ok = 0;
		return sw;
	}
	memcpy(ref, a->data + 8, 8);
	vc->dirty = 1;
	return SW_OK;
}

static int
do_reset_retry(struct vcard *vc, const struct apdu *a)
{
	int sw;

	if (a->p1 != 0x00)
		return SW_WRONG_P1P2;
	if (a->p2 != 0x80)
		return SW_NO_REF;
	if (a->lc != 16 || !pin_format_ok(a->data + 8))
		return SW_WRONG_DATA;
	if ((sw = check_ref(vc, vc->puk, &vc->puk_tries, vc->puk_max, a->data)) != SW_OK)
		return sw;
	memcpy(vc->pin, a->data + 8, 8);
	vc->pin_tries = vc->pin_max;
	vc->pin_ok = 0;
	vc->dirty = 1;
	return SW_OK;
}

/* 04 | X | Y */
static size_t
public_point(EVP_PKEY *k, unsigned char *out, size_t max)
{
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, out, max, &n))
		return 0;
	return n;
}

static int
do_generate(struct vcard *vc, const struct apdu *a, struct buf *r)
{
	int i = slot_index(a->p2), alg = -1;
	unsigned tag, t;
	const unsigned char *v, *p, *val;
	size_t len, l, n;
	unsigned char point[97];
	EVP_PKEY *k;
	struct buf inner = {0};

	if (a->p1 != 0x00 || i < 0)
		return SW_WRONG_P1P2;
	if (!vc->mgmt_ok)
		return SW_SECURITY;
	if (ber_get(a->data, a->lc, &tag, &v, &len) != a->lc || tag != 0xAC)
		return SW_WRONG_DATA;
	/* 80 the algorithm; the YubiKey's AA and AB policies are let be */
	for (p = v; p < v + len; p = val + l) {
		if (!ber_get(p, v + len - p, &t, &val, &l))
			return SW_WRONG_DATA;
		if (t == 0x80 && l == 1)
			alg = val[0];
	}
	if (!curve_of(alg))
		return SW_WRONG_DATA;
	if (!(k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve_of(alg))))
		return SW_INTERNAL;
	if (!(n = public_point(k, point, sizeof point))) {
		EVP_PKEY_free(k);
		return SW_INTERNAL;
	}
	EVP_PKEY_free(vc->key[i]);
	vc->key[i] = k;
	vc->key_alg[i] = alg;
	vc->dirty = 1;
	ber_put(&inner, 0x86, point, n);
	ber_put(r, 0x7F49, inner.s, inner.len);
	buf_free(&inner);
	return SW_OK;
}

struct gen_auth {
	const unsigned char *v[6];	/* 80 .. 85 */
	size_t len[6];
	int has[6];
};

static int
parse_7c(const struct apdu *a, struct gen_auth *g)
{
	unsigned tag, t;
	const unsigned char *v, *p, *e;
	size_t len, n;

	memset(g, 0, sizeof *g);
	if (ber_get(a->data, a->lc, &tag, &v, &len) != a->lc || tag != 0x7C)
		return -1;
	for (p = v, e = v + len; p < e; p += n) {
		const unsigned char *val;
		size_t l;

		if (!(n = ber_get(p, e - p, &t, &val, &l)) || t < 0x80 || t > 0x85 || g->has[t - 0x80])
			return -1;
		g->has[t - 0x80] = 1;
		g->v[t - 0x80] = val;
		g->len[t - 0x80] = l;
	}
	return 0;
}

/* Management key 9B: mutual authentication (80 witness, then 80 + 81) or
 * external authentication (81 challenge, then 82). */
static int
auth_mgmt(struct vcard *vc, const struct apdu *a, const struct gen_auth *g, struct buf *r)
{
	size_t bl = vc->mgmt_alg == 0x03 ? 8 : 16;
	unsigned char blk[16], in[16];
	struct buf inner = {0};
	int kind = vc->chal_kind;

	if (a->p1 != vc->mgmt_alg)
		return SW_WRONG_P1P2;
	vc->chal_kind = CHAL_NONE;
	vc->mgmt_ok = 0;
	if (g->has[0] && !g->len[0] && !g->has[1]) {
		if (RAND_bytes(vc->chal, bl) != 1 || crypt_block(vc->mgmt_alg, vc->mgmt, vc->chal, bl, blk))
			return SW_INTERNAL;
		vc->chal_kind = CHAL_WITNESS;
		ber_put(&inner, 0x80, blk, bl);
	} else if (g->has[0] && g->len[0] == bl && g->has[1] && g->len[1] == bl &&
	    (!g->has[2] || !g->len[2])) {
		if (kind != CHAL_WITNESS)
			return SW_CONDITIONS;
		if (CRYPTO_memcmp(g->v[0], vc->chal, bl))
			return SW_SECURITY;
		memcpy(in, g->v[1], bl);
		if (crypt_block(vc->mgmt_alg, vc->mgmt, in, bl, blk))
			return SW_INTERNAL;
		vc->mgmt_ok = 1;
		ber_put(&inner, 0x82, blk, bl);
	} else if (g->has[1] && !g->len[1] && !g->has[0] && !g->has[2]) {
		if (RAND_bytes(vc->chal, bl) != 1)
			return SW_INTERNAL;
		vc->chal_kind = CHAL_CHALLENGE;
		ber_put(&inner, 0x81, vc->chal, bl);
	} else if (g->has[2] && g->len[2] == bl && !g->has[0] && !g->has[1]) {
		if (kind != CHAL_CHALLENGE)
			return SW_CONDITIONS;
		if (crypt_block(vc->mgmt_alg, vc->mgmt, vc->chal, bl, blk))
			return SW_INTERNAL;
		if (CRYPTO_memcmp(g->v[2], blk, bl))
			return SW_SECURITY;
		vc->mgmt_ok = 1;
		return SW_OK;
	} else {
		return SW_WRONG_DATA;
	}
	ber_put(r, 0x7C, inner.s, inner.len);
	buf_free(&inner);
	return SW_OK;
}

/* A slot key: ECDSA on a digest (81), or ECDH with a peer's point (85). */
static int
auth_slot(struct vcard *vc, int i, const struct apdu *a, const struct gen_auth *g, struct buf *r)
{
	size_t field = vc->key_alg[i] == 0x11 ? 32 : 48, n = 0;
	unsigned char out[160];
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *peer = NULL;
	struct buf inner = {0};
	int sw = SW_INTERNAL;

	if (!vc->key[i])
		return SW_NOT_FOUND;
	if (a->p1 != vc->key_alg[i])
		return SW_WRONG_P1P2;
	if (!g->has[2] || g->len[2] || g->has[1] == g->has[5] || g->has[0])
		return SW_WRONG_DATA;
	if (slot_refs[i] != 0x9E && !vc->pin_ok)
		return SW_SECURITY;
	if (g->has[1]) {
		if (g->len[1] < 1 || g->len[1] > field)
			return SW_WRONG_DATA;
		n = sizeof out;
		if (!(c = EVP_PKEY_CTX_new(vc->key[i], NULL)) || EVP_PKEY_sign_init(c) <= 0 ||
		    EVP_PKEY_sign(c, out, &n, g->v[1], g->len[1]) <= 0)
			goto out;
	} else {
		if (g->len[5] != 2 * field + 1 ||
		    !(peer = ec_public(curve_of(vc->key_alg[i]), g->v[5], g->len[5]))) {
			sw = SW_WRONG_DATA;
			goto out;
		}
		n = sizeof out;
		if (!(c = EVP_PKEY_CTX_new(vc->key[i], NULL)) || EVP_PKEY_derive_init(c) <= 0 ||
		    EVP_PKEY_derive_set_peer(c, peer) <= 0 || EVP_PKEY_derive(c, out, &n) <= 0)
			goto out;
	}
	/* the signature key 9C wants the PIN before every use */
	if (slot_refs[i] == 0x9C)
		vc->pin_ok = 0;
	ber_put(&inner, 0x82, out, n);
	ber_put(r, 0x7C, inner.s, inner.len);
	sw = SW_OK;
out:
	cleanse(out, sizeof out);
	buf_free(&inner);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(peer);
	return sw;
}

static int
do_general_auth(struct vcard *vc, const struct apdu *a, struct buf *r)
{
	struct gen_auth g;
	int i = slot_index(a->p2);

	if (a->p2 != 0x9B && i < 0)
		return SW_WRONG_P1P2;
	if (parse_7c(a, &g))
		return SW_WRONG_DATA;
	if (a->p2 == 0x9B)
		return auth_mgmt(vc, a, &g, r);
	return auth_slot(vc, i, a, &g, r);
}

/* YubiKey: SET MANAGEMENT KEY, data alg 9B len key */
static int
do_set_mgmt(struct vcard *vc, const struct apdu *a)
{
	if (a->p1 != 0xFF || (a->p2 != 0xFF && a->p2 != 0xFE))
		return SW_WRONG_P1P2;
	if (!vc->mgmt_ok)
		return SW_SECURITY;
	if (a->lc < 3 || a->data[1] != 0x9B || !mgmt_len(a->data[0]) ||
	    a->data[2] != mgmt_len(a->data[0]) || a->lc != 3u + a->data[2])
		return SW_WRONG_DATA;
	vc->mgmt_alg = a->data[0];
	memcpy(vc->mgmt, a->data + 3, a->data[2]);
	vc->dirty = 1;
	return SW_OK;
}

static int
dispatch(struct vcard *vc, const struct apdu *a, struct buf *r)
{
	static const unsigned char version[] = { 5, 4, 3 };

	switch (a->ins) {
	case 0xA4: return do_select(vc, a, r);
	case 0xCB: return do_get_data(vc, a, r);
	case 0xDB: return do_put_data(vc, a);
	case 0x20: return do_verify(vc, a);
	case 0x24: return do_change_ref(vc, a);
	case 0x2C: return do_reset_retry(vc, a);
	case 0x47: return do_generate(vc, a, r);
	case 0x87: return do_general_auth(vc, a, r);
	case 0xFF: return do_set_mgmt(vc, a);
	case 0xFD:
		buf_add(r, version, sizeof version);
		return SW_OK;
	}
	return SW_INS;
}

/* ISO 7816-4 cases 1 to 4, short and extended: 0 or -1. */
static int
parse_apdu(const unsigned char *in, size_t n, struct apdu *a)
{
	memset(a, 0, sizeof *a);
	if (n < 4)
		return -1;
	a->cla = in[0];
	a->ins = in[1];
	a->p1 = in[2];
	a->p2 = in[3];
	a->le = 256;
	if (n == 4)
		return 0;
	if (n == 5) {
		a->le = in[4] ? in[4] : 256;
		return 0;
	}
	if (in[4]) {
		a->lc = in[4];
		a->data = in + 5;
		if (n == 5 + a->lc)
			return 0;
		if (n == 6 + a->lc) {
			a->le = in[n - 1] ? in[n - 1] : 256;
			return 0;
		}
		return -1;
	}
	if (n < 7)
		return -1;
	if (n == 7) {
		a->le = (in[5] << 8 | in[6]) ? (size_t)(in[5] << 8 | in[6]) : 65536;
		return 0;
	}
	a->lc = in[5] << 8 | in[6];
	a->data = in + 7;
	a->le = 65536;
	if (a->lc && n == 7 + a->lc)
		return 0;
	if (a->lc && n == 9 + a->lc) {
		a->le = (in[n - 2] << 8 | in[n - 1]) ? (size_t)(in[n - 2] << 8 | in[n - 1]) : 65536;
		return 0;
	}
	return -1;
}

/* The next piece of a long answer, with 61xx while more is left. */
static void
answer(struct vcard *vc, size_t le, unsigned char *out, size_t *outlen)
{
	size_t left = vc->pend.len - vc->pend_off, n = left;
	int sw = SW_OK;

	if (n > le)
		n = le;
	if (n > *outlen - 2)
		n = *outlen - 2;
	memcpy(out, vc->pend.s + vc->pend_off, n);
	vc->pend_off += n;
	left -= n;
	if (left) {
		sw = 0x6100 | (left > 255 ? 0 : left);
	} else {
		cleanse(vc->pend.s, vc->pend.len);
		vc->pend.len = vc->pend_off = 0;
	}
	out[n] = sw >> 8;
	out[n + 1] = sw;
	*outlen = n + 2;
}

static void
status(int sw, unsigned char *out, size_t *outlen)
{
	out[0] = sw >> 8;
	out[1] = sw;
	*outlen = 2;
}

int
vcard_apdu(struct vcard *vc, const unsigned char *in, size_t inlen, unsigned char *out, size_t *outlen)
{
	struct apdu a;
	int sw, dirty;

	if (*outlen < VCARD_RESP_MIN)
		return -1;
	if (parse_apdu(in, inlen, &a)) {
		vc->chaining = 0;
		status(SW_WRONG_LEN, out, outlen);
		return 0;
	}
	if (a.ins == 0xC0 && (a.cla & ~0x10) == 0) {
		if (vc->pend.len == vc->pend_off)
			status(SW_CONDITIONS, out, outlen);
		else
			answer(vc, a.le, out, outlen);
		return 0;
	}
	vc->pend.len = vc->pend_off = 0;
	if ((a.cla & ~0x10) != 0) {
		vc->chaining = 0;
		status(SW_CLA, out, outlen);
		return 0;
	}
	if (vc->chaining && (a.ins != vc->chain_ins || a.p1 != vc->chain_p1 || a.p2 != vc->chain_p2))
		vc->chaining = 0;
	if (!vc->chaining)
		vc->chain.len = 0;
	if (a.cla & 0x10) {
		if (a.ins != 0xDB && a.ins != 0x87 && a.ins != 0x47) {
			status(SW_NO_CHAIN, out, outlen);
			return 0;
		}
		if (vc->chain.len + a.lc > CHAIN_MAX) {
			vc->chaining = 0;
			status(SW_NO_SPACE, out, outlen);
			return 0;
		}
		buf_add(&vc->chain, a.data, a.lc);
		vc->chaining = 1;
		vc->chain_ins = a.ins;
		vc->chain_p1 = a.p1;
		vc->chain_p2 = a.p2;
		status(SW_OK, out, outlen);
		return 0;
	}
	if (vc->chaining) {
		if (vc->chain.len + a.lc > CHAIN_MAX) {
			vc->chaining = 0;
			status(SW_NO_SPACE, out, outlen);
			return 0;
		}
		buf_add(&vc->chain, a.data, a.lc);
		a.data = (unsigned char *)vc->chain.s;
		a.lc = vc->chain.len;
		vc->chaining = 0;
	}
	sw = dispatch(vc, &a, &vc->pend);
	cleanse(vc->chain.s, vc->chain.len);
	vc->chain.len = 0;
	dirty = vc->dirty;
	vc->dirty = 0;
	if (sw != SW_OK || !vc->pend.len) {
		vc->pend.len = 0;
		status(sw, out, outlen);
	} else {
		answer(vc, a.le, out, outlen);
	}
	return dirty;
}
