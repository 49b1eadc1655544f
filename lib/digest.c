/* digest.c: SHA-256 and the wiping of secrets (OpenSSL), apart from util.c
 * so that a command that needs neither does not load libcrypto. */
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "eport.h"

void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";

	EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void
cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}
