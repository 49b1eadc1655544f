/* sign.c: the audit archive's signature (DESIGN.md section 9): SHA256SUMS
 * signed as detached CMS (DER), which `openssl cms -verify -binary -inform
 * DER -CAfile ca.crt -content SHA256SUMS -in SHA256SUMS.p7s` checks
 * offline.
 *
 * The office CA's certificate may only sign certificates (keyCertSign), so
 * the CA issues a signer certificate for the archives (digitalSignature,
 * nonRepudiation), whose key is derived from the CA's and which the CMS
 * carries; the chain ends at ca.crt.  An archive of the same cases is the
 * same bytes (eport-export(1)), so nothing is random: the signer's key,
 * serial and validity (the CA's) follow from the CA, no signed attribute
 * (no signing time) is added, and each ECDSA signature takes its nonce
 * from the key and the digest, as RFC 6979 does, by HMAC-SHA-512 (OpenSSL
 * 3.0 makes a random one).  A nonce that depends on the key and the
 * message alone is as secret as the key and never repeats for another
 * message. */
#include <string.h>

#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "eport.h"

#define SCALAR 32		/* P-256 */

/* d (of a key on P-256), as 32 bytes */
static int
priv_bytes(const EVP_PKEY *key, unsigned char out[SCALAR])
{
	BIGNUM *d = NULL;
	int ok;

	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d))
		return -1;
	ok = BN_bn2binpad(d, out, SCALAR) == SCALAR;
	BN_clear_free(d);
	return ok ? 0 : -1;
}

/* HMAC-SHA-512(key, tag || ctr || msg) mod (n - 1) + 1: a scalar of P-256
 * made from a secret and a message; k is set to it */
static int
derive(const unsigned char key[SCALAR], const char *tag, unsigned ctr, const unsigned char *msg,
    size_t n, const BIGNUM *order, BIGNUM *k, BN_CTX *ctx)
{
	unsigned char in[256], mac[64];
	unsigned int maclen = 0;
	size_t t = strlen(tag);
	BIGNUM *m1 = BN_new(), *x = BN_new();
	int ok = 0;

	if (t + 1 + n > sizeof in || !m1 || !x)
		goto out;
	memcpy(in, tag, t);
	in[t] = ctr;
	memcpy(in + t + 1, msg, n);
	if (!HMAC(EVP_sha512(), key, SCALAR, in, t + 1 + n, mac, &maclen) || maclen != sizeof mac)
		goto out;
	ok = BN_bin2bn(mac, sizeof mac, x) && BN_copy(m1, order) && BN_sub_word(m1, 1) &&
	    BN_nnmod(k, x, m1, ctx) && BN_add_word(k, 1);
out:
	cleanse(in, sizeof in);
	cleanse(mac, sizeof mac);
	BN_clear_free(x);
	BN_free(m1);
	return ok ? 0 : -1;
}

/* ECDSA on P-256 of a SHA-256 digest, its nonce from the key and the
 * digest: the DER ECDSA-Sig-Value into out */
static int
det_sign(const EVP_PKEY *key, const unsigned char dg[32], struct buf *out)
{
	unsigned char d[SCALAR], *der = NULL;
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *bd = BN_secure_new(), *k = BN_secure_new(), *kinv = BN_new(), *e = BN_new();
	BIGNUM *r = BN_new(), *s = BN_new(), *x = BN_new(), *t = BN_new();
	EC_POINT *R = g ? EC_POINT_new(g) : NULL;
	ECDSA_SIG *sig = NULL;
	const BIGNUM *n;
	int len, rc = -1;

	if (!g || !ctx || !bd || !k || !kinv || !e || !r || !s || !x || !t || !R ||
	    priv_bytes(key, d) < 0 || !BN_bin2bn(d, SCALAR, bd) || !BN_bin2bn(dg, 32, e))
		goto out;
	n = EC_GROUP_get0_order(g);
	BN_set_flags(k, BN_FLG_CONSTTIME);
	for (unsigned ctr = 0; ctr < 16; ctr++) {
		if (derive(d, "eport ecdsa nonce", ctr, dg, 32, n, k, ctx) < 0 ||
		    !EC_POINT_mul(g, R, k, NULL, NULL, ctx) ||
		    !EC_POINT_get_affine_coordinates(g, R, x, NULL, ctx) ||
		    !BN_nnmod(r, x, n, ctx))
			goto out;
		if (BN_is_zero(r))
			continue;
		/* s = k^-1 (e + r d) mod n */
		if (!BN_mod_inverse(kinv, k, n, ctx) || !BN_mod_mul(t, r, bd, n, ctx) ||
		    !BN_mod_add(t, t, e, n, ctx) || !BN_mod_mul(s, kinv, t, n, ctx))
			goto out;
		if (!BN_is_zero(s))
			break;
	}
	if (BN_is_zero(r) || BN_is_zero(s) || !(sig = ECDSA_SIG_new()) || !ECDSA_SIG_set0(sig, r, s))
		goto out;
	r = s = NULL;
	if ((len = i2d_ECDSA_SIG(sig, &der)) <= 0)
		goto out;
	out->len = 0;
	buf_add(out, der, len);
	rc = 0;
out:
	cleanse(d, sizeof d);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EC_POINT_free(R);
	BN_clear_free(bd);
	BN_clear_free(k);
	BN_clear_free(kinv);
	BN_free(e);
	BN_free(r);
	BN_free(s);
	BN_free(x);
	BN_clear_free(t);
	BN_CTX_free(ctx);
	EC_GROUP_free(g);
	return rc;
}

/* The signer's key: its scalar derived from the CA's */
static EVP_PKEY *
signer_key(const EVP_PKEY *ca)
{
	unsigned char d[SCALAR], pub[65];
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *k = BN_secure_new();
	EC_POINT *P = g ? EC_POINT_new(g) : NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *key = NULL;

	if (!g || !ctx || !k || !P || !bld || priv_bytes(ca, d) < 0 ||
	    derive(d, "eport archive signer", 0, (const unsigned char *)"", 0,
	    EC_GROUP_get0_order(g), k, ctx) < 0 ||
	    !EC_POINT_mul(g, P, k, NULL, NULL, ctx) ||
	    EC_POINT_point2oct(g, P, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof pub, ctx) != sizeof pub ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, k) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(pc) <= 0 || EVP_PKEY_fromdata(pc, &key, EVP_PKEY_KEYPAIR, params) <= 0)
		key = NULL;
	cleanse(d, sizeof d);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(P);
	BN_clear_free(k);
	BN_CTX_free(ctx);
	EC_GROUP_free(g);
	return key;
}

/* Replace a signature X509_sign made (random) with det_sign's */
static X509 *
resign(X509 *crt, const EVP_PKEY *cakey)
{
	unsigned char *tbs = NULL, dg[32], *der = NULL;
	const unsigned char *p;
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	struct buf s = { 0 };
	X509 *out = NULL;
	int n;

	if ((n = i2d_re_X509_tbs(crt, &tbs)) <= 0)
		return NULL;
	SHA256(tbs, n, dg);
	OPENSSL_free(tbs);
	if (det_sign(cakey, dg, &s) < 0)
		goto out;
	X509_get0_signature(&sig, &alg, crt);
	if (!ASN1_BIT_STRING_set((ASN1_BIT_STRING *)sig, (unsigned char *)s.s, s.len))
		goto out;
	((ASN1_BIT_STRING *)sig)->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	((ASN1_BIT_STRING *)sig)->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	/* read back, with no cache of the old signature's */
	if ((n = i2d_X509(crt, &der)) <= 0)
		goto out;
	p = der;
	out = d2i_X509(NULL, &p, n);
out:
	OPENSSL_free(der);
	buf_free(&s);
	return out;
}

static X509 *
signer_cert(X509 *ca, EVP_PKEY *cakey, EVP_PKEY *key)
{
	static const char *const exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "critical,digitalSignature,nonRepudiation" },
		{ "subjectKeyIdentifier", "hash" },
		{ "authorityKeyIdentifier", "keyid:always" },
	};
	const X509_NAME *can = X509_get_subject_name(ca);
	X509_NAME *n = X509_NAME_new();
	unsigned char *der = NULL, dg[32];
	X509 *crt = X509_new(), *out = NULL;
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	int len, i;

	if (!n || !crt || (len = i2d_X509(ca, &der)) <= 0)
		goto out;
	/* serial: of the CA's certificate, 16 bytes */
	SHA256(der, len, dg);
	dg[0] = (dg[0] & 0x7f) | 0x40;
	if (!(bn = BN_bin2bn(dg, 16, NULL)) || !X509_set_version(crt, 2) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(crt)) ||
	    !X509_set1_notBefore(crt, X509_get0_notBefore(ca)) ||
	    !X509_set1_notAfter(crt, X509_get0_notAfter(ca)))
		goto out;
	for (i = 0; i < X509_NAME_entry_count(can); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(can, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));

		if (nid != NID_commonName && !X509_NAME_add_entry(n, e, -1, 0))
			goto out;
	}
	if (!X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"eport audit archives", -1, -1, 0) ||
	    !X509_set_subject_name(crt, n) || !X509_set_issuer_name(crt, can) ||
	    !X509_set_pubkey(crt, key))
		goto out;
	X509V3_set_ctx(&ctx, ca, crt, NULL, NULL, 0);
	for (size_t j = 0; j < LEN(exts); j++) {
		X509_EXTENSION *ex = X509V3_EXT_conf(NULL, &ctx, exts[j][0], exts[j][1]);

		if (!ex)
			goto out;
		X509_add_ext(crt, ex, -1);
		X509_EXTENSION_free(ex);
	}
	if (X509_sign(crt, cakey, EVP_sha256()) > 0)
		out = resign(crt, cakey);
out:
	OPENSSL_free(der);
	BN_free(bn);
	X509_NAME_free(n);
	X509_free(crt);
	return out;
}

int
pki_sign_detached(const char *keydir, const void *data, size_t n, struct buf *der, char *err,
    size_t errlen)
{
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca = NULL, *crt = NULL;
	BIO *in = NULL;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	ASN1_OCTET_STRING *sig;
	unsigned char dg[32], *p = NULL;
	struct buf s = { 0 };
	int len, rc = -1;

	if (pki_load_ca(keydir, &cakey, &ca, err, errlen) < 0)
		return -1;
	if (!(key = signer_key(cakey)) || !(crt = signer_cert(ca, cakey, key)) ||
	    !(in = BIO_new_mem_buf(data, n)) ||
	    !(cms = CMS_sign(crt, key, NULL, in, CMS_DETACHED | CMS_BINARY | CMS_NOATTR |
	    CMS_NOSMIMECAP)))
		goto ssl;
	/* the signature over the content's digest (no signed attributes),
	 * made again without a random nonce */
	SHA256(data, n, dg);
	if (!(sis = CMS_get0_SignerInfos(cms)) || sk_CMS_SignerInfo_num(sis) != 1 ||
	    !(sig = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(sis, 0))) ||
	    det_sign(key, dg, &s) < 0 ||
	    !ASN1_OCTET_STRING_set(sig, (unsigned char *)s.s, s.len) ||
	    (len = i2d_CMS_ContentInfo(cms, &p)) <= 0)
		goto ssl;
	buf_add(der, p, len);
	rc = 0;
	goto out;
ssl:
	snprintf(err, errlen, _("signing: %s"), ssl_err());
out:
	OPENSSL_free(p);
	buf_free(&s);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	X509_free(crt);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return rc;
}

int
pki_verify_detached(const void *ca_pem, size_t calen, const void *data, size_t n, const void *sig,
    size_t siglen, time_t at, char *why, size_t len)
{
	BIO *cb = BIO_new_mem_buf(ca_pem, calen), *in = BIO_new_mem_buf(data, n);
	const unsigned char *p = sig;
	CMS_ContentInfo *cms = NULL;
	X509_STORE *store = X509_STORE_new();
	X509_VERIFY_PARAM *vp;
	X509 *ca = NULL;
	int rc = -1;

	if (!cb || !in || !store)
		goto ssl;
	if (!(ca = PEM_read_bio_X509(cb, NULL, NULL, NULL))) {
		snprintf(why, len, "%s", _("not a PEM certificate"));
		rc = 1;
		goto out;
	}
	if (!(cms = d2i_CMS_ContentInfo(NULL, &p, siglen)) || p != (const unsigned char *)sig + siglen) {
		snprintf(why, len, "%s", _("not a DER CMS signature"));
		rc = 1;
		goto out;
	}
	if (!X509_STORE_add_cert(store, ca) || !(vp = X509_STORE_get0_param(store)))
		goto ssl;
	X509_VERIFY_PARAM_set_time(vp, at);
	ERR_clear_error();
	if (CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY) == 1) {
		rc = 0;
		goto out;
	}
	snprintf(why, len, "%s", ssl_err());
	rc = 1;
	goto out;
ssl:
	snprintf(why, len, "OpenSSL: %s", ssl_err());
out:
	ERR_clear_error();
	X509_free(ca);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	BIO_free(cb);
	BIO_free(in);
	return rc;
}
