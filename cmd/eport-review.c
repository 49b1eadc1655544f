/* eport-review: decide checked cases: accept, reject (不予受理) or return
 * (materials asked for, 待补正); and withdraw (撤回) a case the enterprise
 * takes back, in any state before shipped: its order is released and any
 * card written for it revoked.  Ids from the arguments or stdin, so that
 * `eport-check -q | eport-review accept` works.  Each decision is an event
 * and a commit on the case's ref, authored by the reviewer; a refused case
 * does not stop the others.  Acceptance checks the case again against the
 * store as it is then (an order refunded, another case of the enterprise
 * opened since the check).  Prints `id state` per decided case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static const char *action, *reason;
static struct rulebook *rb;
static struct out out;
static const char *const cols[] = { "id", "state", NULL };

static const char usage_text[] = N_("usage: eport-review accept [-jn] [-m REASON] [CASE...]\n"
    "       eport-review reject|return|withdraw [-jn] -m REASON [CASE...]\n");

/* withdraw: the cards written for the case are revoked (the registry says
 * why and by whom), its order is free for another case.  *revoked gets the
 * numbers. */
static int
withdraw(struct eport *st, MDB_txn *txn, json_t *kase, const char *at, json_t *revoked)
{
	const char *id = jstr(kase, "id");
	json_t *e, *card;
	char *why;
	size_t i;
	int rc = 0;

	why = xasprintf("case %s withdrawn: %s", id, reason);
	json_array_foreach(json_object_get(kase, "issued"), i, e) {
		if (!(card = card_get(st, txn, jstr(e, "number"))))
			continue;
		if (!strcmp(jstr(card, "state"), "active") && !strcmp(jstr(card, "case"), id)) {
			json_object_set_new(card, "state", json_string("revoked"));
			json_object_set_new(card, "revoked", json_string(at));
			json_object_set_new(card, "why", json_string(why));
			json_object_set_new(card, "revoked_by", json_string(eport_user()));
			rc = card_put(st, txn, card);
			json_array_append_new(revoked, json_string(jstr(card, "number")));
		}
		json_decref(card);
		if (rc)
			break;
	}
	free(why);
	if (!rc && *jstr(kase, "order"))
		rc = order_release(st, txn, jstr(kase, "order"), id);
	json_object_set_new(kase, "withdrawn", json_string(at));
	return rc;
}

static int
decide(struct eport *st, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	const char *id = jstr(kase, "id"), *type = jstr(kase, "type");
	struct step step = { .action = action, .why = reason };
	json_t *decision, *f;
	char at[32];
	int rc;

	(void)it;
	(void)arg;
	if (review_guard(kase, action, eport_user(), st->errbuf, sizeof st->errbuf))
		return 1;
	if (rb && (f = store_recheck(st, txn, rb, kase, NULL))) {
		snprintf(st->errbuf, sizeof st->errbuf, _("the check no longer passes (%s: %s): check "
		    "it again"), jstr(f, "rule"), jstr(f, "message"));
		json_decref(f);
		return 1;
	}
	fmt_time(eport_now(), at);
	decision = json_pack("{s:s, s:s, s:s, s:s}", "action", action, "why", reason ? reason : "",
	    "by", eport_user(), "at", at);
	json_object_set_new(kase, "decision", decision);
	if (!strcmp(action, "accept")) {
		step.to = "accepted";
		json_object_set_new(kase, "accepted", json_string(at));
	} else if (!strcmp(action, "withdraw")) {
		json_t *revoked = json_array();

		step.to = "withdrawn";
		if ((rc = withdraw(st, txn, kase, at, revoked))) {
			json_decref(revoked);
			return rc;
		}
		step.extra = json_pack("{s:o}", "revoked", revoked);
		if (*jstr(kase, "order"))
			json_object_set_new(step.extra, "released", json_string(jstr(kase, "order")));
	} else if (!strcmp(action, "reject")) {
		step.to = "rejected";
		/* the order may serve another case now */
		if (*jstr(kase, "order") &&
		    (rc = order_release(st, txn, jstr(kase, "order"), id)))
			return rc;
	} else {
		step.to = "returned";
	}
	if ((rc = case_step(st, txn, kase, &step)))
		return rc;
	if (!strcmp(action, "accept") && btype_has(type, BT_NOCARD)) {
		struct step ready = { .action = "ready", .to = "ready", .why = "no card work" };

		if ((rc = case_step(st, txn, kase, &ready)))
			return rc;
	}
	*row = json_pack("{s:s, s:s}", "id", id, "state", jstr(kase, "state"));
	/* a parcel already on a manifest must be taken out by hand */
	if (!strcmp(action, "withdraw") && *jstr(json_object_get(kase, "outbound"), "manifest"))
		json_object_set_new(*row, "manifest",
		    json_string(jstr(json_object_get(kase, "outbound"), "manifest")));
	return 0;
}

static void
after(const char *id, const json_t *row, void *arg)
{
	(void)arg;
	out_row(&out, row);
	if (*jstr(row, "manifest"))
		warnx("warning: %s is on the EMS manifest of %s: take its parcel out", id,
		    jstr(row, "manifest"));
}

static int dry;

static void
opt(int c, char *arg)
{
	switch (c) {
	case 'j':
		out.json = 1;
		break;
	case 'm':
		reason = arg;
		break;
	case 'n':
		dry = 1;
		break;
	}
}

int
main(int argc, char *argv[])
{
	struct eport st;
	static const struct sub subs[] = {
		{ "accept", "jmn" }, { "reject", "jmn" }, { "return", "jmn" }, { "withdraw", "jmn" },
	};
	struct each each = { .fn = decide, .out = &out, .after = after };

	eport_start(argc, argv, usage_text);
	out.fp = stdout;
	out.cols = cols;
	action = subs[eport_sub(&argc, &argv, subs, LEN(subs), "jm:nh",
	    N_("'%s': not a decision (accept, reject, return or withdraw)"), opt)].name;
	if (reason && !*reason)
		reason = NULL;
	if (!reason && strcmp(action, "accept")) {
		warnx("%s needs a reason: -m REASON", action);
		eport_usage(2);
	}
	if (!strcmp(action, "accept") && !(rb = rules_load(eport_home(), st.errbuf, sizeof st.errbuf)))
		die("%s", st.errbuf);
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	st.dry = dry;
	cases_each(&st, argc, argv, &each);
	eport_close(&st);
	rules_free(rb);
	return eport_exit();
}
