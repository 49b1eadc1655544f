/* pki.c: the office CA and the card master key (OpenSSL). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	return fd < 0 ? NULL : fdopen(fd, "w");
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
		snprintf(err, errlen, "'%s' has keys already; not overwriting them", keydir);
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
	if (fclose(fp) == EOF)
		goto sys;
	if (!(fp = create_secret(cpath)) || !PEM_write_X509(fp, crt))
		goto sys;
	if (fclose(fp) == EOF)
		goto sys;
	if (RAND_priv_bytes(master, sizeof master) != 1)
		goto ssl;
	if (!(fp = create_secret(mpath)))
		goto sys;
	for (size_t i = 0; i < sizeof master; i++)
		fprintf(fp, "%02x", master[i]);
	fputc('\n', fp);
	cleanse(master, sizeof master);
	if (fclose(fp) == EOF)
		goto sys;
	fp = NULL;
	rc = 0;
	goto out;
sys:
	snprintf(err, errlen, "%s: %s", keydir, strerror(errno));
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
