/* fuzz-vcard: the card emulator's APDU handling.  The input is what vpcd
 * sends eport-vcard: messages of a 2-byte big-endian length and an APDU, or
 * one control byte (0 power off, 1 on, 2 reset, 4 the ATR), after a first
 * byte of flags: 1 authenticate with the factory management key first, 2
 * verify the factory PIN first (so that the fuzzer reaches what they guard).
 * Each input starts from a factory card; every answer ends in a status word
 * and fits the room given. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "eport.h"

static unsigned char out[65538];

static size_t
apdu(struct vcard *vc, const char *hex, const unsigned char *extra, size_t n)
{
	unsigned char in[64];
	size_t len = 0, outlen = sizeof out;

	while (hex[2 * len]) {
		sscanf(hex + 2 * len, "%2hhx", &in[len]);
		len++;
	}
	if (n)
		memcpy(in + len, extra, n);
	if (vcard_apdu(vc, in, len + n, out, &outlen) < 0)
		abort();
	return outlen;
}

/* external authentication: the card's challenge back, encrypted (3DES) */
static void
auth_mgmt(struct vcard *vc)
{
	static const unsigned char key[24] = {
		1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
	};
	unsigned char enc[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l = 0;

	if (apdu(vc, "0087039B047C02810000", NULL, 0) != 14 || out[12] != 0x90 ||
	    !c || !EVP_EncryptInit_ex(c, EVP_des_ede3_ecb(), NULL, key, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(c, 0) || !EVP_EncryptUpdate(c, enc, &l, out + 4, 8) || l != 8)
		abort();
	EVP_CIPHER_CTX_free(c);
	if (apdu(vc, "0087039B0C7C0A8208", enc, 8) != 2 || out[0] != 0x90)
		abort();
}

/* A card whose state changed is saved, loaded and saved again: the state
 * file keeps all of it.  In memory (/dev/shm) when it can, as fsync is slow. */
static char dir[64];

static void
rm_dir(void)
{
	char *a = xasprintf("%s/a", dir), *b = xasprintf("%s/b", dir);

	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
}

static void
round_trip(struct vcard *vc)
{
	char err[512], *a, *b;
	struct buf x = { 0 }, y = { 0 };
	struct vcard *back;

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/dev/shm/fuzz-vcard.XXXXXX");
		if (!mkdtemp(dir)) {
			snprintf(dir, sizeof dir, "/tmp/fuzz-vcard.XXXXXX");
			if (!mkdtemp(dir))
				abort();
		}
		atexit(rm_dir);
	}
	a = xasprintf("%s/a", dir);
	b = xasprintf("%s/b", dir);
	if (vcard_save(vc, a, err, sizeof err) < 0 || vcard_load(&back, a, err, sizeof err) < 0 ||
	    vcard_save(back, b, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz-vcard: %s\n", err);
		abort();
	}
	if (read_file(a, &x, 1 << 22) < 0 || read_file(b, &y, 1 << 22) < 0 ||
	    x.len != y.len || memcmp(x.s, y.s, x.len))
		abort();
	vcard_free(back);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	buf_free(&x);
	buf_free(&y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcard *vc = vcard_new();
	size_t off = 1;
	int dirty = 0;
	static int trace = -1;

	if (trace < 0)
		trace = getenv("FUZZ_TRACE") != NULL;

	if (size && data[0] & 1)
		auth_mgmt(vc);
	if (size && data[0] & 2 && (apdu(vc, "0020008008313233343536FFFF", NULL, 0) != 2 || out[0] != 0x90))
		abort();

	while (size >= off + 2) {
		size_t n = data[off] << 8 | data[off + 1], outlen;
		int rc;

		off += 2;
		if (n > size - off)
			n = size - off;
		if (n == 1) {
			if (data[off] == 4) {
				size_t l;
				(void)vcard_atr(&l);
			} else {
				vcard_reset(vc);
			}
			off += n;
			continue;
		}
		/* the room vpcd gives, or now and then the least the card takes */
		outlen = n && data[off] == 0x10 ? VCARD_RESP_MIN : sizeof out;
		size_t room = outlen;
		rc = vcard_apdu(vc, data + off, n, out, &outlen);
		if (trace) {	/* FUZZ_TRACE=1: each exchange on stderr, to check seeds */
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "%02X", data[off + i]);
			fputs(" -> ", stderr);
			for (size_t i = 0; i < outlen; i++)
				fprintf(stderr, "%02X", out[i]);
			fputc('\n', stderr);
		}
		if (rc < 0 || rc > 1 || outlen < 2 || outlen > room)
			abort();
		dirty |= rc;
		off += n;
	}
	if (dirty)
		round_trip(vc);
	vcard_free(vc);
	return 0;
}
