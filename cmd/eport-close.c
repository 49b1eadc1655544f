/* eport-close: close cases, the last step of each.  Takes ids from the
 * arguments or stdin; a case is closed from `ready` when nothing goes by
 * post (collected at the hall, or nothing to hand back: deregister),
 * `delivered`, `collected` (at the counter, after its post came back or
 * instead of post), `rejected` or `withdrawn`.  Closing a
 * `deregister` case revokes every active card of the enterprise and marks
 * the enterprise closed, in the same transaction, and is refused while
 * another case of the enterprise is open.  Prints `id state` per closed
 * case once committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static int dry;
static const char *note;
static struct out out;
static const char *const cols[] = { "id", "state", NULL };

static const char usage_text[] = N_("usage: eport-close [-jn] [-m NOTE] [CASE...]\n");

/* 0 when the case may be closed, else 1 with why in errbuf */
static int
guard(struct eport *st, const json_t *kase)
{
	const char *state = jstr(kase, "state"), *type = jstr(kase, "type");

	if (!strcmp(state, "delivered") || !strcmp(state, "collected") ||
	    !strcmp(state, "rejected") || !strcmp(state, "withdrawn"))
		return 0;
	if (!strcmp(state, "bounced")) {
		snprintf(st->errbuf, sizeof st->errbuf, _("case is bounced; close takes it once "
		    "collected at the counter (eport-ship collect)"));
		return 1;
	}
	if (!strcmp(state, "ready")) {
		if (btype_has(type, BT_NOTHING_BACK) || strcmp(jstr(kase, "pickup"), "mail"))
			return 0;
		snprintf(st->errbuf, sizeof st->errbuf,
		    _("case is ready to post; close takes it once delivered, or collected after a bounce"));
		return 1;
	}
	snprintf(st->errbuf, sizeof st->errbuf,
	    _("case is %s; close takes ready, delivered, collected, rejected or withdrawn"), state);
	return 1;
}

/* The enterprise is gone: its active cards revoked, itself marked closed
 * (the first deregistration stands).  The numbers revoked go to *revoked. */
static int
deregister(struct eport *st, MDB_txn *txn, const json_t *kase, const char *at,
    json_t *revoked)
{
	const char *id = jstr(kase, "id");
	const char *uscc = json_string_value(rec_path(kase, "enterprise.uscc"));
	const char *name = json_string_value(rec_path(kase, "enterprise.name"));
	json_t *cards, *card, *ent, *others;
	char *why;
	size_t i;
	int rc = 0;

	if (!uscc || !*uscc) {
		snprintf(st->errbuf, sizeof st->errbuf,
		    _("enterprise.uscc: missing; no enterprise to deregister"));
		return 1;
	}
	/* no case of the enterprise may be left open behind its closing */
	others = open_cases(st, txn, uscc);
	json_array_foreach(others, i, card) {
		if (!strcmp(jstr(card, "id"), id))
			continue;
		snprintf(st->errbuf, sizeof st->errbuf, _("case %s (%s, %s) of the enterprise is "
		    "open: close, reject or withdraw it first"), jstr(card, "id"),
		    jstr(card, "type"), jstr(card, "state"));
		json_decref(others);
		return 1;
	}
	json_decref(others);
	why = xasprintf("enterprise deregistered by %s", id);
	cards = enterprise_cards(st, txn, uscc);
	json_array_foreach(cards, i, card) {
		json_object_set_new(card, "state", json_string("revoked"));
		json_object_set_new(card, "revoked", json_string(at));
		json_object_set_new(card, "why", json_string(why));
		json_object_set_new(card, "revoked_by", json_string(eport_user()));
		if ((rc = card_put(st, txn, card)))
			goto out;
		json_array_append_new(revoked, json_string(jstr(card, "number")));
	}
	ent = enterprise_get(st, txn, uscc);
	if (!ent || !*jstr(ent, "closed")) {
		if (!ent)
			ent = json_object();
		json_object_set_new(ent, "uscc", json_string(uscc));
		if (name && *name)
			json_object_set_new(ent, "name", json_string(name));
		json_object_set_new(ent, "closed", json_string(at));
		json_object_set_new(ent, "case", json_string(id));
		rc = enterprise_put(st, txn, ent);
	}
	json_decref(ent);
out:
	json_decref(cards);
	free(why);
	return rc;
}

static int
close_case(struct eport *st, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	struct step step = { .action = "close", .to = "closed" };
	json_t *revoked = NULL;
	char at[32];
	int rc;

	(void)it;
	(void)arg;
	if ((rc = guard(st, kase)))
		return rc;
	fmt_time(eport_now(), at);
	if (!strcmp(jstr(kase, "type"), "deregister") &&
	    strcmp(jstr(kase, "state"), "rejected") && strcmp(jstr(kase, "state"), "withdrawn")) {
		revoked = json_array();
		if ((rc = deregister(st, txn, kase, at, revoked))) {
			json_decref(revoked);
			return rc;
		}
		step.extra = json_pack("{s:o}", "revoked", revoked);
	}
	step.why = note ? note : "closed";
	json_object_set_new(kase, "closed", json_string(at));
	if ((rc = case_step(st, txn, kase, &step)))
		return rc;
	*row = json_pack("{s:s, s:s}", "id", jstr(kase, "id"), "state", "closed");
	return 0;
}

int
main(int argc, char *argv[])
{
	struct eport st;
	struct each each = { .fn = close_case, .out = &out };
	int c;

	eport_start(argc, argv, usage_text);
	while ((c = getopt(argc, argv, "jm:nh")) != -1) {
		switch (c) {
		case 'j':
			out.json = 1;
			break;
		case 'm':
			note = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (note && !*note)
		die("-m: the note is empty");
	out.fp = stdout;
	out.cols = cols;
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	st.dry = dry;
	cases_each(&st, argc, argv, &each);
	eport_close(&st);
	return eport_exit();
}
