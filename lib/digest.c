/* digest.c: SHA-256 and the wiping of secrets (OpenSSL), apart from util.c
 * so that a command that needs neither does not load libcrypto. */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

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

/* A command that holds keys: no core dump (whatever ulimit -c says), and
 * no other process of the login may ptrace it or read its memory through
 * /proc.  Called before any key is read. */
int
secret_process(char *err, size_t errlen)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || setrlimit(RLIMIT_CORE, &none) < 0) {
		snprintf(err, errlen, _("cannot keep the keys out of core dumps: %s"), strerror(errno));
		return -1;
	}
	return 0;
}
