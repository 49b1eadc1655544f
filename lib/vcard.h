/* vcard.h: the PIV card emulator's card (no library). */
#ifndef EPORT_VCARD_H
#define EPORT_VCARD_H

#include <stddef.h>

/* vcard.c: the PIV card emulator's card. */
#define VCARD_SLOTS 4			/* 9A 9C 9D 9E */
#define VCARD_RESP_MIN 258		/* the least room vcard_apdu answers into */
struct vcard;
struct vcard *vcard_new(void);		/* factory state: PIN 123456, PUK 12345678 */
/* The card in a state file, made in factory state when the file is absent:
 * 0, or -1 with a message. */
int vcard_load(struct vcard **, const char *path, char *err, size_t errlen);
int vcard_save(struct vcard *, const char *path, char *err, size_t errlen);
void vcard_free(struct vcard *);
const unsigned char *vcard_atr(size_t *len);
void vcard_reset(struct vcard *);	/* power on, off, reset: security status cleared */
/* One command APDU in, its response (data and status word) out; *outlen is
 * the room on entry (at least VCARD_RESP_MIN).  1 when the state changed and
 * must be saved, 0 when not, -1 when out has no room. */
int vcard_apdu(struct vcard *, const unsigned char *in, size_t inlen,
    unsigned char *out, size_t *outlen);

#endif
