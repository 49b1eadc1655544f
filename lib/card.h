/* card.h: cards: the office CA, the reader, the PIV application and the
 * card protocol. */
#ifndef EPORT_CARD_H
#define EPORT_CARD_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "base.h"

/* pki.c: the office CA (OpenSSL). */
int pki_init_ca(const char *keydir, const char *cn, time_t now, char *err, size_t errlen);
const char *ssl_err(void);		/* ERR_error_string of the last error */
/* A card's holder as its certificate names them (DESIGN.md section 6). */
struct cardholder {
	const char *number, *role, *holder, *uscc, *enterprise;	/* role: legal, operator */
};
/* The per-card secrets, HMAC-SHA256(keys/master, card number): never
 * stored, printed or logged; wipe them with cleanse() after use. */
#define CARD_MGMT_LEN 24		/* a 3DES management key */
struct card_keys {
	unsigned char mgmt[CARD_MGMT_LEN];
	char puk[9];			/* 8 digits */
};
int pki_card_keys(const char *keydir, const char *number, struct card_keys *, char *err, size_t errlen);
/* A certificate (DER, appended to der) for the P-256 point (04|X|Y) from
 * the office CA in keydir, valid from to until (the caller counts the
 * years); pki_reissue: a new one for the key and subject of an old
 * certificate.  0, or -1 with a message. */
int pki_issue(const char *keydir, const struct cardholder *, const unsigned char *point,
    size_t len, time_t from, time_t until, struct buf *der, char *err, size_t errlen);
int pki_reissue(const char *keydir, const void *old, size_t oldlen, time_t from, time_t until,
    struct buf *der, char *err, size_t errlen);
/* What a certificate says: {"card", "role", "holder", "uscc", "enterprise",
 * "serial" (hex), "not_before", "not_after"}, or NULL if it is not DER. */
json_t *pki_cert_info(const void *der, size_t len);
char *pki_pem(const void *der, size_t len);	/* malloc'd, or NULL */
/* An EC public key from its uncompressed point on curve ("P-256", "P-384"). */
struct evp_pkey_st *ec_public(const char *curve, const unsigned char *point, size_t len);
struct x509_st;
/* The office CA's key and certificate, checked against each other. */
int pki_load_ca(const char *keydir, struct evp_pkey_st **, struct x509_st **, char *err, size_t errlen);

/* pcsc.c: the card reader (pcsc-lite).  pcsc_open finds the reader (name,
 * or a unique prefix of one; NULL: the first reader holding a card),
 * connects to its card and holds it in a transaction until pcsc_close,
 * which resets the card.  Errors: -1, the message in err or pcsc_error. */
struct reader;
int pcsc_open(struct reader **, const char *name, char *err, size_t errlen);
/* A reader whose card is a function (the emulator's, in-process: no
 * pcscd): fn gets each command APDU and answers into out, *outlen the room
 * on entry (at least 258 bytes) and the length on return; 0, or -1 when
 * the exchange failed.  pcsc_close frees it and resets nothing: the
 * card's power is fn's owner's.  0. */
typedef int reader_xfer(void *arg, const unsigned char *in, size_t n, unsigned char *out,
    size_t *outlen);
int reader_fn(struct reader **, const char *name, reader_xfer *, void *arg);
void pcsc_close(struct reader *);
const char *pcsc_name(const struct reader *);
const char *pcsc_error(const struct reader *);
void pcsc_seterr(struct reader *, const char *, ...) __attribute__((format(printf, 2, 3)));
/* One APDU; resp gets the answer with its status word. */
int pcsc_transmit(struct reader *, const unsigned char *apdu, size_t n,
    unsigned char *resp, size_t *resplen);

/* piv.c: the PIV card application (NIST SP 800-73-4) on a reader's card.
 * Functions return 0, or -1 with the message in pcsc_error; those that
 * check a reference say 1 (refused; *tries left) or 2 (blocked). */
#define PIV_PIN 0x80
#define PIV_PUK 0x81
#define PIV_MGMT 0x9B
#define PIV_SLOT_AUTH 0x9A		/* PIV Authentication */
#define PIV_ALG_3DES 0x03
#define PIV_ALG_P256 0x11
#define PIV_OBJ_CHUID 0x5FC102
#define PIV_OBJ_CERT_AUTH 0x5FC105
#define PIV_OBJ_PRINTED 0x5FC109
#define PIV_FACTORY_PIN "123456"
#define PIV_FACTORY_PUK "12345678"
extern const unsigned char piv_factory_mgmt[24];	/* 0102030405060708 x 3 */
int piv_select(struct reader *);			/* send it first */
int piv_get_object(struct reader *, unsigned tag, struct buf *val);	/* 1: none */
int piv_put_object(struct reader *, unsigned tag, const void *val, size_t len);
int piv_pin_tries(struct reader *, int *tries);	/* empty VERIFY; -1: verified */
int piv_change_ref(struct reader *, int ref, const char *old, const char *new, int *tries);
int piv_reset_retry(struct reader *, const char *puk, const char *pin, int *tries);
int piv_auth_mgmt(struct reader *, int alg, const unsigned char *key, size_t len); /* 1: refused */
int piv_set_mgmt(struct reader *, int alg, const unsigned char *key, size_t len);
int piv_generate(struct reader *, int slot, struct buf *point);	/* P-256: 04|X|Y */
int piv_read_cert(struct reader *, struct buf *der);	/* slot 9A; 1: none */
int piv_write_cert(struct reader *, const void *der, size_t len);
void piv_chuid(struct buf *, const char *number, time_t expiry);	/* the object's value */
void piv_printed(struct buf *, const struct cardholder *, time_t expiry);

/* card.c: the card protocol over piv.c, on a reader with the PIV
 * application selected.  Each returns 0, -1 when an exchange failed (the
 * message in pcsc_error), or, where the card checks a key or a PUK, 1
 * (refused) or 2 (blocked).  None prints or exits.  card_put_identity
 * writes the certificate in 9A, the CHUID and the printed information. */
int card_put_identity(struct reader *, const struct buf *cert, const struct cardholder *,
    time_t until);
enum { WRITE_NEW, WRITE_RESUME, WRITE_REWRITE };
struct card_write {
	int mode;
	/* WRITE_NEW: a card that takes the factory management key, its PUK the
	 * factory's or old's (an interrupted write's, or NULL); WRITE_RESUME: a
	 * card an unrecorded write personalised with keys; WRITE_REWRITE: one of
	 * this office's cards, written again keeping its keys.  The caller has
	 * authenticated with the management key the card takes. */
	const struct card_keys *keys, *old;
	const char *pin;			/* the initial PIN */
	const struct cardholder *holder;
	time_t until;				/* the certificate's end */
	/* the certificate for the point (04|X|Y) generated in 9A, appended to
	 * der: 0, or -1 with the message in err */
	int (*issue)(void *arg, const unsigned char *point, size_t len, struct buf *der,
	    char *err, size_t errlen);
	void *arg;
};
/* A new key in 9A, its certificate (into cert) with the CHUID and the
 * printed information; then the PUK (WRITE_NEW), the PIN (changed from the
 * factory's, else reset with the PUK) and, last, the management key
 * (WRITE_NEW): a card that still takes the factory key can be written again
 * from the start.  -1 also when issue failed (its message in pcsc_error);
 * 1 or 2: the PUK refused or blocked, the message naming the card. */
int card_personalise(struct reader *, const struct card_write *, struct buf *cert);
/* A new card made blank again: no certificate, CHUID or printed
 * information, the factory PIN, PUK and management key.  1: the card does
 * not take keys->mgmt; 1 or 2, the PUK refused or blocked. */
int card_unwrite(struct reader *, const struct card_keys *);
/* Authenticate with the card's management key: 1, the card refused it. */
int card_auth(struct reader *, const struct card_keys *);
/* renew: card_auth, then card_put_identity of the new certificate. */
int card_renew(struct reader *, const struct card_keys *, const struct buf *cert,
    const struct cardholder *, time_t until);
/* unlock: the PIN reset to pin with the card's PUK (*tries: the PUK's). */
int card_unlock(struct reader *, const struct card_keys *, const char *pin, int *tries);

#endif
