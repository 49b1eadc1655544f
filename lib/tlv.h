/* tlv.h: BER-TLV, for the card (piv.c) and its emulator (vcard.c). */
#ifndef EPORT_TLV_H
#define EPORT_TLV_H

#include <stddef.h>

#include "base.h"

/* tlv.c: BER-TLV.  ber_get: the TLV at p[0..n), the bytes it takes (0:
 * malformed; tag 0, len 0 then); ber_put appends one (tags of 1-3 bytes). */
size_t ber_get(const unsigned char *p, size_t n, unsigned *tag, const unsigned char **val, size_t *len);
void ber_put(struct buf *, unsigned tag, const void *, size_t);

#endif
