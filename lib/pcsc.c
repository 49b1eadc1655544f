/* pcsc.c: the card reader, through pcsc-lite.  One card, in one reader,
 * held in a PC/SC transaction from open to close so that no other program
 * talks to it in between; closing resets the card, so that nothing stays
 * authenticated or verified behind us.  Messages come from
 * pcsc_stringify_error, with the reader named.  A reader of reader_fn has
 * a function for its transport instead (the emulator's card, in-process):
 * the same exchanges above it, no pcscd. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include "base.h"
#include "card.h"

struct reader {
	SCARDCONTEXT ctx;
	SCARDHANDLE card;
	DWORD proto;
	int have_ctx, have_card, in_txn;
	reader_xfer *fn;		/* reader_fn: the transport, and its argument */
	void *arg;
	char *name;
	char err[512];
};

/* pcsc-lite's messages end with a full stop; ours do not */
static const char *
pcsc_str(LONG rc)
{
	static char s[128];
	size_t n;

	snprintf(s, sizeof s, "%s", pcsc_stringify_error(rc));
	n = strlen(s);
	if (n && s[n - 1] == '.')
		s[n - 1] = '\0';
	return s;
}

void
pcsc_seterr(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	/* a message: translated here, as die's are (err.c) */
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, _(fmt), ap);
	va_end(ap);
}

const char *
pcsc_error(const struct reader *r)
{
	return r->err;
}

const char *
pcsc_name(const struct reader *r)
{
	return r->name;
}

/* The card went away, or pcscd did: say which.  what: what was under way,
 * a message (N_). */
static void
lost(struct reader *r, const char *what, LONG rc)
{
	what = _(what);
	switch (rc) {
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_E_READER_UNAVAILABLE:
		pcsc_seterr(r, "'%s': the card was taken out: %s", r->name, pcsc_str(rc));
		break;
	case SCARD_E_NO_SERVICE:
	case SCARD_F_COMM_ERROR:
		pcsc_seterr(r, "pcscd went away during %s (%s)", what, pcsc_str(rc));
		break;
	default:
		pcsc_seterr(r, "'%s': %s: %s", r->name, what, pcsc_str(rc));
	}
}

/* Readers as a list of strings (pcsc-lite's multi-string): which to use. */
static int
choose(struct reader *r, const char *want, const char *list, char *err, size_t errlen)
{
	SCARD_READERSTATE st[16];
	const char *p, *prefix = NULL;
	size_t n = 0, i, npre = 0;
	LONG rc;

	for (p = list; *p && n < LEN(st); p += strlen(p) + 1) {
		memset(&st[n], 0, sizeof st[n]);
		st[n].szReader = p;
		st[n++].dwCurrentState = SCARD_STATE_UNAWARE;
	}
	if (want) {
		for (i = 0; i < n; i++) {
			if (!strcmp(st[i].szReader, want))
				break;
			if (!strncmp(st[i].szReader, want, strlen(want))) {
				prefix = st[i].szReader;
				npre++;
			}
		}
		if (i == n && npre != 1) {
			snprintf(err, errlen, npre ? _("reader '%s' is ambiguous") :
			    _("no reader named '%s'"), want);
			return -1;
		}
		if (i == n)
			want = prefix;
	}
	rc = SCardGetStatusChange(r->ctx, 0, st, n);
	if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT) {
		snprintf(err, errlen, _("pcscd: reader states: %s"), pcsc_str(rc));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (want && strcmp(st[i].szReader, want))
			continue;
		if (st[i].dwEventState & SCARD_STATE_PRESENT) {
			r->name = xstrdup(st[i].szReader);
			return 0;
		}
		if (want)
			break;
	}
	if (want)
		snprintf(err, errlen, _("no card in '%s'"), want);
	else if (n == 1)
		snprintf(err, errlen, _("no card in '%s'"), st[0].szReader);
	else
		snprintf(err, errlen, _("no card in any of the %zu readers"), n);
	return -1;
}

int
pcsc_open(struct reader **out, const char *want, char *err, size_t errlen)
{
	struct reader *r = xcalloc(1, sizeof *r);
	LPSTR list = NULL;
	DWORD len = SCARD_AUTOALLOCATE;
	LONG rc;

	*out = NULL;
	rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &r->ctx);
	if (rc != SCARD_S_SUCCESS) {
		snprintf(err, errlen, rc == SCARD_E_NO_SERVICE ?
		    _("cannot reach pcscd: %s (is pcscd running?)") : _("pcscd: %s"), pcsc_str(rc));
		goto fail;
	}
	r->have_ctx = 1;
	rc = SCardListReaders(r->ctx, NULL, (LPSTR)&list, &len);
	if (rc == SCARD_E_NO_READERS_AVAILABLE || (rc == SCARD_S_SUCCESS && !*list)) {
		snprintf(err, errlen, _("no card reader: %s"),
		    pcsc_str(SCARD_E_NO_READERS_AVAILABLE));
		goto fail;
	}
	if (rc != SCARD_S_SUCCESS) {
		snprintf(err, errlen, _("pcscd: listing the readers: %s"), pcsc_str(rc));
		goto fail;
	}
	if (choose(r, want, list, err, errlen) < 0)
		goto fail;
	rc = SCardConnect(r->ctx, r->name, SCARD_SHARE_SHARED,
	    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &r->card, &r->proto);
	if (rc != SCARD_S_SUCCESS) {
		snprintf(err, errlen, rc == SCARD_E_NO_SMARTCARD || rc == SCARD_W_REMOVED_CARD ?
		    _("no card in '%s' (%s)") : _("'%s': cannot connect to the card: %s"),
		    r->name, pcsc_str(rc));
		goto fail;
	}
	r->have_card = 1;
	rc = SCardBeginTransaction(r->card);
	if (rc != SCARD_S_SUCCESS) {
		lost(r, N_("the start of a transaction"), rc);
		snprintf(err, errlen, "%s", r->err);
		goto fail;
	}
	r->in_txn = 1;
	SCardFreeMemory(r->ctx, list);
	*out = r;
	return 0;
fail:
	if (list)
		SCardFreeMemory(r->ctx, list);
	pcsc_close(r);
	return -1;
}

int
reader_fn(struct reader **out, const char *name, reader_xfer *fn, void *arg)
{
	struct reader *r = xcalloc(1, sizeof *r);

	r->fn = fn;
	r->arg = arg;
	r->name = xstrdup(name);
	*out = r;
	return 0;
}

int
pcsc_transmit(struct reader *r, const unsigned char *apdu, size_t n,
    unsigned char *resp, size_t *resplen)
{
	const SCARD_IO_REQUEST *pci = r->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD len = *resplen;
	LONG rc;

	if (r->fn) {
		size_t flen = *resplen;

		if (r->fn(r->arg, apdu, n, resp, &flen) < 0) {
			pcsc_seterr(r, "'%s': %s", r->name, _("an exchange with the card"));
			return -1;
		}
		len = flen;
	} else if ((rc = SCardTransmit(r->card, pci, apdu, n, NULL, resp, &len)) != SCARD_S_SUCCESS) {
		lost(r, N_("an exchange with the card"), rc);
		return -1;
	}
	if (len < 2) {
		pcsc_seterr(r, "'%s': the card answered %lu bytes, without a status word",
		    r->name, (unsigned long)len);
		return -1;
	}
	*resplen = len;
	return 0;
}

void
pcsc_close(struct reader *r)
{
	if (!r)
		return;
	if (r->in_txn)
		SCardEndTransaction(r->card, SCARD_LEAVE_CARD);
	if (r->have_card)
		SCardDisconnect(r->card, SCARD_RESET_CARD);
	if (r->have_ctx)
		SCardReleaseContext(r->ctx);
	free(r->name);
	free(r);
}
