/* tlv.c: BER-TLV, as PIV's data objects and commands use it (SP 800-73-4
 * part 2): for the card (piv.c) and the emulator (vcard.c). */
#include "base.h"
#include "tlv.h"

/* A BER-TLV at p[0..n): returns the bytes it takes, 0 if malformed. */
size_t
ber_get(const unsigned char *p, size_t n, unsigned *tag, const unsigned char **val, size_t *len)
{
	size_t i = 0, l;

	/* a command with no data field must not leave these as the stack had them */
	*tag = 0;
	*val = p;
	*len = 0;
	if (n < 2)
		return 0;
	*tag = p[i++];
	if ((*tag & 0x1F) == 0x1F) {
		do {
			if (i >= n || i > 2)
				return 0;
			*tag = *tag << 8 | p[i];
		} while (p[i++] & 0x80);
	}
	if (i >= n)
		return 0;
	if (p[i] < 0x80) {
		l = p[i++];
	} else {
		unsigned k = p[i++] & 0x7F;

		if (k < 1 || k > 3 || n - i < k)
			return 0;
		for (l = 0; k--; )
			l = l << 8 | p[i++];
	}
	if (n - i < l)
		return 0;
	*val = p + i;
	*len = l;
	return i + l;
}

void
ber_put(struct buf *b, unsigned tag, const void *v, size_t len)
{
	unsigned char h[7];
	size_t n = 0;

	if (tag > 0xFFFF)
		h[n++] = tag >> 16;
	if (tag > 0xFF)
		h[n++] = tag >> 8;
	h[n++] = tag;
	if (len < 0x80) {
		h[n++] = len;
	} else if (len < 0x100) {
		h[n++] = 0x81;
		h[n++] = len;
	} else {
		h[n++] = 0x82;
		h[n++] = len >> 8;
		h[n++] = len;
	}
	buf_add(b, h, n);
	buf_add(b, v, len);
}
