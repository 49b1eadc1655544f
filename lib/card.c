/* card.c: the card protocol above piv.c, one sequence per step. */
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
