/* card.c: the card protocol above piv.c, one sequence per step: what
 * eport-card does to a card, without its store; messages in the reader. */
#include "base.h"
#include "card.h"

/* The certificate in 9A, then the CHUID and the printed information that
 * carry its end: what a new card, a rewritten one and a renewed one all
 * write.  0, or -1 with the message in pcsc_error. */
int
card_put_identity(struct reader *rd, const struct buf *cert, const struct cardholder *h,
    time_t until)
{
	struct buf obj = { 0 };
	int rc = -1;

	if (piv_write_cert(rd, cert->s, cert->len) < 0)
		return -1;
	piv_chuid(&obj, h->number, until);
	if (piv_put_object(rd, PIV_OBJ_CHUID, obj.s, obj.len) < 0)
		goto out;
	obj.len = 0;
	piv_printed(&obj, h, until);
	if (piv_put_object(rd, PIV_OBJ_PRINTED, obj.s, obj.len) < 0)
		goto out;
	rc = 0;
out:
	buf_free(&obj);
	return rc;
}

int
card_personalise(struct reader *rd, const struct card_write *w, struct buf *cert)
{
	const char *number = w->holder->number;
	struct buf point = { 0 };
	char err[512];
	int tries, rc;

	if (piv_generate(rd, PIV_SLOT_AUTH, &point) < 0) {
		buf_free(&point);
		return -1;
	}
	rc = w->issue(w->arg, (unsigned char *)point.s, point.len, cert, err, sizeof err);
	buf_free(&point);
	if (rc < 0) {
		pcsc_seterr(rd, "%s", err);
		return -1;
	}
	if (card_put_identity(rd, cert, w->holder, w->until) < 0)
		return -1;
	if (w->mode == WRITE_NEW) {
		/* from the factory's PUK, or the one an interrupted write set */
		rc = piv_change_ref(rd, PIV_PUK, PIV_FACTORY_PUK, w->keys->puk, &tries);
		if (rc == 1 && w->old)
			rc = piv_change_ref(rd, PIV_PUK, w->old->puk, w->keys->puk, &tries);
		if (rc < 0)
			return -1;
		if (rc) {
			pcsc_seterr(rd, rc == 2 ? N_("card %s: the PUK is neither the factory's nor "
			    "this office's (blocked)") : N_("card %s: the PUK is neither the factory's "
			    "nor this office's (refused)"), number);
			return rc;
		}
		if ((rc = piv_change_ref(rd, PIV_PIN, PIV_FACTORY_PIN, w->pin, &tries)) < 0)
			return -1;
	} else {
		rc = 1;
	}
	/* not the factory PIN (a rewritten card, an interrupted write): reset it */
	if (rc && (rc = piv_reset_retry(rd, w->keys->puk, w->pin, &tries)) < 0)
		return -1;
	if (rc) {
		pcsc_seterr(rd, rc == 2 ? N_("card %s: the PUK was blocked; the PIN is not set") :
		    N_("card %s: the PUK was refused; the PIN is not set"), number);
		return rc;
	}
	if (w->mode == WRITE_NEW && piv_set_mgmt(rd, PIV_ALG_3DES, w->keys->mgmt, CARD_MGMT_LEN) < 0)
		return -1;
	return 0;
}

int
card_unwrite(struct reader *rd, const struct card_keys *k)
{
	int tries, rc;

	if ((rc = card_auth(rd, k)) ||
	    piv_put_object(rd, PIV_OBJ_CERT_AUTH, "", 0) < 0 ||
	    piv_put_object(rd, PIV_OBJ_CHUID, "", 0) < 0 ||
	    piv_put_object(rd, PIV_OBJ_PRINTED, "", 0) < 0 ||
	    (rc = piv_reset_retry(rd, k->puk, PIV_FACTORY_PIN, &tries)) ||
	    (rc = piv_change_ref(rd, PIV_PUK, k->puk, PIV_FACTORY_PUK, &tries)) ||
	    piv_set_mgmt(rd, PIV_ALG_3DES, piv_factory_mgmt, sizeof piv_factory_mgmt) < 0)
		return rc ? rc : -1;
	return 0;
}

int
card_auth(struct reader *rd, const struct card_keys *k)
{
	return piv_auth_mgmt(rd, PIV_ALG_3DES, k->mgmt, CARD_MGMT_LEN);
}

int
card_renew(struct reader *rd, const struct card_keys *k, const struct buf *cert,
    const struct cardholder *h, time_t until)
{
	int rc = card_auth(rd, k);

	return rc ? rc : card_put_identity(rd, cert, h, until);
}

int
card_unlock(struct reader *rd, const struct card_keys *k, const char *pin, int *tries)
{
	return piv_reset_retry(rd, k->puk, pin, tries);
}
