/* pki.c: the office CA and the card master key (OpenSSL). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "eport.h"

const char *
ssl_err(void)
{
	static char s[256];
	unsigned long e = ERR_get_error();

	if (!e)
		return "unknown OpenSSL error";
	ERR_error_string_n(e, s, sizeof s);
	return s;
}

/* Open a new secret file: 0600, never over an existing one. */
static FILE *
create_secret(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *fp;

	if (fd < 0)
		return NULL;
	if (!(fp = fdopen(fd, "w")))
		close(fd);
	return fp;
}

/* Write it out, fsync it and close it, whatever fails: *fp is NULL after
 * (a failed fclose has freed the FILE all the same). */
static int
close_secret(FILE **fp)
{
	int rc = 0, e = 0;

	if (fflush(*fp) == EOF || fsync(fileno(*fp)) < 0)
		rc = -1, e = errno;
	if (fclose(*fp) == EOF && !rc)
		rc = -1, e = errno;
	*fp = NULL;
	errno = e;
	return rc;
}

static int
add_ext(X509 *crt, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;

	X509V3_set_ctx(&ctx, crt, crt, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	X509_add_ext(crt, ex, -1);
	X509_EXTENSION_free(ex);
	return 0;
}

int
pki_init_ca(const char *keydir, const char *cn, time_t now, char *err, size_t errlen)
{
	char *kpath = xasprintf("%s/ca.key", keydir), *cpath = xasprintf("%s/ca.crt", keydir);
	char *mpath = xasprintf("%s/master", keydir);
	EVP_PKEY *key = NULL;
	X509 *crt = NULL;
	X509_NAME *name;
	FILE *fp = NULL;
	unsigned char master[32], serial[16];
	BIGNUM *bn = NULL;
	int rc = -1;

	if (access(kpath, F_OK) == 0 || access(mpath, F_OK) == 0) {
		snprintf(err, errlen, _("'%s' has keys already; not overwriting them"), keydir);
		goto out;
	}
	if (!(key = EVP_EC_gen("P-256")) || !(crt = X509_new()))
		goto ssl;
	X509_set_version(crt, 2);
	if (RAND_bytes(serial, sizeof serial) != 1)
		goto ssl;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof serial, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(crt));
	X509_time_adj_ex(X509_getm_notBefore(crt), 0, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(crt), 20 * 365, 0, &now);
	name = X509_get_subject_name(crt);
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, (const unsigned char *)"CN", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"eport office CA", -1, -1, 0);
	X509_set_issuer_name(crt, name);
	X509_set_pubkey(crt, key);
	if (add_ext(crt, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
	    add_ext(crt, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
	    add_ext(crt, NID_subject_key_identifier, "hash") < 0)
		goto ssl;
	if (!X509_sign(crt, key, EVP_sha256()))
		goto ssl;

	if (!(fp = create_secret(kpath)) || !PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL))
		goto sys;
	if (close_secret(&fp) < 0)
		goto sys;
	if (!(fp = create_secret(cpath)) || !PEM_write_X509(fp, crt))
		goto sys;
	if (close_secret(&fp) < 0)
		goto sys;
	if (RAND_priv_bytes(master, sizeof master) != 1)
		goto ssl;
	if (!(fp = create_secret(mpath)))
		goto sys;
	for (size_t i = 0; i < sizeof master; i++)
		fprintf(fp, "%02x", master[i]);
	fputc('\n', fp);
	cleanse(master, sizeof master);
	if (close_secret(&fp) < 0)
		goto sys;
	rc = 0;
	goto out;
sys:
	snprintf(err, errlen, "%s: %s", keydir, strerror(errno ? errno : EIO));
	goto out;
ssl:
	snprintf(err, errlen, "OpenSSL: %s", ssl_err());
out:
	if (fp)
		fclose(fp);
	BN_free(bn);
	X509_free(crt);
	EVP_PKEY_free(key);
	free(kpath);
	free(cpath);
	free(mpath);
	return rc;
}

/* The per-card secrets: HMAC-SHA256 under the master key (keys/master, 64
 * hex digits) of the card number.  Its first 24 bytes are the card's 3DES
 * management key, the last 8 make the PUK's 8 digits.  Nothing keeps them:
 * they are made again when needed, and the caller wipes them. */
int
pki_card_keys(const char *keydir, const char *number, struct card_keys *k, char *err,
    size_t errlen)
{
	char *path = xasprintf("%s/master", keydir), hex[80];
	unsigned char master[32], mac[32];
	size_t n = 0, maclen = 0;
	ssize_t len = 0, r;
	int fd, rc = -1;

	memset(k, 0, sizeof *k);
	/* read(2) into our own buffer, which is wiped: no stdio buffer keeps it */
	if ((fd = open(path, O_RDONLY)) < 0) {
		snprintf(err, errlen, _("cannot open '%s': %s"), path, strerror(errno));
		goto out;
	}
	while ((r = read(fd, hex + len, sizeof hex - 1 - len)) > 0)
		len += r;
	close(fd);
	if (r < 0) {
		snprintf(err, errlen, _("cannot read '%s': %s"), path, strerror(errno));
		goto out;
	}
	while (len && (hex[len - 1] == '\n' || hex[len - 1] == '\r'))
		len--;
	hex[len] = '\0';
	if (len != 64 || !OPENSSL_hexstr2buf_ex(master, sizeof master, &n, hex, '\0') ||
	    n != sizeof master) {
		snprintf(err, errlen, _("'%s': not a master key (64 hex digits)"), path);
		goto out;
	}
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, master, sizeof master,
	    (const unsigned char *)number, strlen(number), mac, sizeof mac, &maclen) ||
	    maclen != sizeof mac) {
		snprintf(err, errlen, "HMAC-SHA256: %s", ssl_err());
		goto out;
	}
	memcpy(k->mgmt, mac, CARD_MGMT_LEN);
	for (int i = 0; i < 8; i++)
		k->puk[i] = '0' + mac[CARD_MGMT_LEN + i] % 10;
	k->puk[8] = '\0';
	rc = 0;
out:
	cleanse(hex, sizeof hex);
	cleanse(master, sizeof master);
	cleanse(mac, sizeof mac);
	free(path);
	return rc;
}

/* The office CA's key, parsed from a buffer of our own that is wiped
 * after: no stdio buffer is left holding it on the heap. */
static EVP_PKEY *
read_key(const char *path, char *err, size_t errlen)
{
	char pem[8192];
	ssize_t len = 0, r = 0;
	EVP_PKEY *key = NULL;
	BIO *bio;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, _("cannot open '%s': %s"), path, strerror(errno));
		return NULL;
	}
	while (len < (ssize_t)sizeof pem && (r = read(fd, pem + len, sizeof pem - len)) > 0)
		len += r;
	close(fd);
	if (r < 0)
		snprintf(err, errlen, _("cannot read '%s': %s"), path, strerror(errno));
	else if (len == (ssize_t)sizeof pem)
		snprintf(err, errlen, _("'%s': not a key (over %zu bytes)"), path, sizeof pem);
	else if ((bio = BIO_new_mem_buf(pem, len))) {
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (!key)
			snprintf(err, errlen, "'%s': %s", path, ssl_err());
	} else
		snprintf(err, errlen, "OpenSSL: %s", ssl_err());
	cleanse(pem, sizeof pem);
	return key;
}

/* The office CA's key and certificate, each checked against the other. */
static int
load_ca(const char *keydir, EVP_PKEY **key, X509 **crt, char *err, size_t errlen)
{
	char *kpath = xasprintf("%s/ca.key", keydir), *cpath = xasprintf("%s/ca.crt", keydir);
	FILE *fp;
	int rc = -1;

	*key = NULL;
	*crt = NULL;
	if (!(*key = read_key(kpath, err, errlen)))
		goto out;
	if (!(fp = fopen(cpath, "r"))) {
		snprintf(err, errlen, _("cannot open '%s': %s"), cpath, strerror(errno));
		goto out;
	}
	*crt = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!*crt) {
		snprintf(err, errlen, "'%s': %s", cpath, ssl_err());
		goto out;
	}
	if (X509_check_private_key(*crt, *key) != 1) {
		snprintf(err, errlen, _("'%s' is not the certificate of '%s'"), cpath, kpath);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		EVP_PKEY_free(*key);
		X509_free(*crt);
		*key = NULL;
		*crt = NULL;
	}
	free(kpath);
	free(cpath);
	return rc;
}

EVP_PKEY *
ec_public(const char *curve, const unsigned char *point, size_t len)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len);
	params[2] = OSSL_PARAM_construct_end();
	if (!c || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

static int
add_name(X509_NAME *n, int nid, int type, const char *v)
{
	return X509_NAME_add_entry_by_NID(n, nid, type, (const unsigned char *)v, -1, -1, 0);
}

/* Sign a holder's certificate for pub, with the given subject, valid from
 * to until; its serial is 127 random bits. */
static int
sign_cert(const char *keydir, EVP_PKEY *pub, const X509_NAME *subject, time_t from,
    time_t until, struct buf *der, char *err, size_t errlen)
{
	static const char *const exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "critical,digitalSignature" },
		{ "extendedKeyUsage", "clientAuth" },
		{ "subjectKeyIdentifier", "hash" },
		{ "authorityKeyIdentifier", "keyid:always" },
	};
	EVP_PKEY *cakey = NULL;
	X509 *ca = NULL, *crt = NULL;
	unsigned char serial[16], *p = NULL;
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	int n, rc = -1;

	if (load_ca(keydir, &cakey, &ca, err, errlen) < 0)
		return -1;
	if (!(crt = X509_new()) || !X509_set_version(crt, 2) ||
	    RAND_bytes(serial, sizeof serial) != 1)
		goto ssl;
	serial[0] &= 0x7F;
	serial[0] |= 0x40;	/* always 16 bytes long */
	if (!(bn = BN_bin2bn(serial, sizeof serial, NULL)) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(crt)) ||
	    !ASN1_TIME_set(X509_getm_notBefore(crt), from) ||
	    !ASN1_TIME_set(X509_getm_notAfter(crt), until) ||
	    !X509_set_subject_name(crt, subject) ||
	    !X509_set_issuer_name(crt, X509_get_subject_name(ca)) ||
	    !X509_set_pubkey(crt, pub))
		goto ssl;
	X509V3_set_ctx(&ctx, ca, crt, NULL, NULL, 0);
	for (size_t i = 0; i < LEN(exts); i++) {
		X509_EXTENSION *ex = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);

		if (!ex)
			goto ssl;
		X509_add_ext(crt, ex, -1);
		X509_EXTENSION_free(ex);
	}
	if (!X509_sign(crt, cakey, EVP_sha256()) || (n = i2d_X509(crt, &p)) <= 0)
		goto ssl;
	buf_add(der, p, n);
	OPENSSL_free(p);
	rc = 0;
	goto out;
ssl:
	snprintf(err, errlen, _("issuing the certificate: %s"), ssl_err());
out:
	BN_free(bn);
	X509_free(crt);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	return rc;
}

int
pki_issue(const char *keydir, const struct cardholder *h, const unsigned char *point,
    size_t len, time_t from, time_t until, struct buf *der, char *err, size_t errlen)
{
	EVP_PKEY *pub = ec_public("P-256", point, len);
	X509_NAME *n = X509_NAME_new();
	int rc = -1;

	if (!pub) {
		snprintf(err, errlen, "%s", _("the card's public key is not a P-256 point"));
		goto out;
	}
	if (!n || !add_name(n, NID_countryName, MBSTRING_ASC, "CN") ||
	    !add_name(n, NID_organizationName, MBSTRING_UTF8, h->enterprise) ||
	    !add_name(n, NID_organizationalUnitName, MBSTRING_UTF8, h->uscc) ||
	    !add_name(n, NID_title, MBSTRING_UTF8,
	    !strcmp(h->role, "legal") ? "法人" : "操作员") ||
	    !add_name(n, NID_commonName, MBSTRING_UTF8, h->holder) ||
	    !add_name(n, NID_serialNumber, MBSTRING_ASC, h->number)) {
		snprintf(err, errlen, _("the certificate's subject: %s"), ssl_err());
		goto out;
	}
	rc = sign_cert(keydir, pub, n, from, until, der, err, errlen);
out:
	X509_NAME_free(n);
	EVP_PKEY_free(pub);
	return rc;
}

int
pki_reissue(const char *keydir, const void *old, size_t oldlen, time_t from, time_t until,
    struct buf *der, char *err, size_t errlen)
{
	const unsigned char *p = old;
	X509 *crt = d2i_X509(NULL, &p, oldlen);
	EVP_PKEY *pub;
	int rc;

	if (!crt || !(pub = X509_get0_pubkey(crt))) {
		snprintf(err, errlen, _("the card's certificate: %s"), ssl_err());
		X509_free(crt);
		return -1;
	}
	rc = sign_cert(keydir, pub, X509_get_subject_name(crt), from, until, der, err, errlen);
	X509_free(crt);
	return rc;
}

static void
set_name(json_t *o, const char *key, const X509_NAME *n, int nid)
{
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	unsigned char *s = NULL;

	if (i >= 0 && ASN1_STRING_to_UTF8(&s,
	    X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i))) >= 0 && s) {
		json_object_set_new(o, key, json_string((char *)s));
		OPENSSL_free(s);
	} else {
		json_object_set_new(o, key, json_string(""));
	}
}

static void
set_time(json_t *o, const char *key, const ASN1_TIME *t)
{
	struct tm tm;
	char s[32] = "";

	if (ASN1_TIME_to_tm(t, &tm))
		fmt_time(timegm(&tm), s);
	json_object_set_new(o, key, json_string(s));
}

json_t *
pki_cert_info(const void *der, size_t len)
{
	const unsigned char *p = der;
	X509 *crt = d2i_X509(NULL, &p, len);
	const X509_NAME *n;
	json_t *o, *title;
	BIGNUM *bn;
	char *hex;

	if (!crt || p != (const unsigned char *)der + len) {
		X509_free(crt);
		return NULL;
	}
	o = json_object();
	n = X509_get_subject_name(crt);
	set_name(o, "card", n, NID_serialNumber);
	set_name(o, "role", n, NID_title);
	title = json_object_get(o, "role");
	if (!strcmp(json_string_value(title), "法人"))
		json_object_set_new(o, "role", json_string("legal"));
	else if (!strcmp(json_string_value(title), "操作员"))
		json_object_set_new(o, "role", json_string("operator"));
	set_name(o, "holder", n, NID_commonName);
	set_name(o, "uscc", n, NID_organizationalUnitName);
	set_name(o, "enterprise", n, NID_organizationName);
	set_time(o, "not_before", X509_get0_notBefore(crt));
	set_time(o, "not_after", X509_get0_notAfter(crt));
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(crt), NULL)) && (hex = BN_bn2hex(bn))) {
		json_object_set_new(o, "serial", json_string(hex));
		OPENSSL_free(hex);
	}
	BN_free(bn);
	X509_free(crt);
	return o;
}

/* A certificate as PEM (malloc'd), for the registry and the audit archive. */
char *
pki_pem(const void *der, size_t len)
{
	const unsigned char *p = der;
	X509 *crt = d2i_X509(NULL, &p, len);
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (crt && bio && PEM_write_bio_X509(bio, crt) && (n = BIO_get_mem_data(bio, &data)) > 0)
		out = strndup(data, n);
	BIO_free(bio);
	X509_free(crt);
	return out;
}

int
pki_load_ca(const char *keydir, EVP_PKEY **key, X509 **crt, char *err, size_t errlen)
{
	return load_ca(keydir, key, crt, err, errlen);
}
