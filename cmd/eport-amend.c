/* eport-amend: correct fields of a case's record: a phone, an address, a
 * holder's name.  Reads CASE PATH=VALUE... from the arguments, or `id path
 * value` rows (TSV or JSON Lines) from stdin; PATH is the field's flattened
 * name, as in TSV (mail.phone, holders.2.name).  What names the case (id,
 * ref, type), what the store sets (state, timestamps, findings, history),
 * the documents, and what the case's state makes final (a written card's
 * holder, a parcel's address on a manifest) are refused, and so is a value
 * the rulebook blocks on.  Each amendment is one step: the event and the
 * commit carry the old and the new values; a checked, accepted or returned
 * case goes back to received for a new check, and whoever amends it cannot
 * accept it.  Prints `id state` per amended case. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

#define VALUE_MAX 512

struct change {
	char *path, *value, *pos;
};

static const char *reason;
static struct change *args;
static size_t nargs;
static struct rulebook *rb;
static struct out out;
static const char *const cols[] = { "id", "state", NULL };

/* the fields a record has (eport-case(5)); others it has are amended too */
static const char *const known[][14] = {
	{ "enterprise", "uscc", "name", "address", NULL },
	{ "handler", "name", "id_type", "id_number", "phone", NULL },
	{ "mail", "recipient", "phone", "address", NULL },
	{ "inbound", "carrier", "tracking", NULL },
	{ "attest", "no_tripartite", NULL },
	{ "holders", "role", "name", "gender", "education", "id_type", "id_number",
	    "birth_date", "nationality", "position", "address", "phone", "fax", NULL },
	{ "cards", "number", "role", NULL },
};
static const char *const top[] = { "channel", "pickup", "change", "order", NULL };
static const char *const naming[] = { "id", "ref", "type", NULL };
static const char *const stamps[] = {
	"received", "taken", "updated", "checked", "accepted", "amended", "withdrawn",
	"closed", NULL,
};
static const char *const by_store[] = {
	"state", "by", "login", "source", "commit", "findings", "checked_with", "decision",
	"issued", "outbound", "collected", "materials_by", NULL,
};
/* what a ready case may still have corrected: its card work is done */
static const char *const contact[] = {
	"mail.recipient", "mail.phone", "mail.address", "handler.phone", "pickup", NULL,
};
static const char *const contact_holder[] = { "phone", "fax", "address", NULL };
/* a holder's fields that a written card's certificate carries */
static const char *const on_card[] = { "name", "id_type", "id_number", "role", NULL };

static const char usage_text[] = N_("usage: eport-amend [-jn] -m REASON CASE PATH=VALUE...\n"
    "       eport-amend [-jn] -m REASON <ROWS\n");

static int
in(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

static int
known_field(const char *obj, const char *key)
{
	for (size_t i = 0; i < LEN(known); i++)
		if (!strcmp(known[i][0], obj))
			return in(known[i] + 1, key);
	return 0;
}

static int fail(struct eport *, const struct change *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* refused: "POS: PATH: why" in errbuf */
static int
fail(struct eport *st, const struct change *c, const char *fmt, ...)
{
	int n = snprintf(st->errbuf, sizeof st->errbuf, "%s: %s: ", c->pos, c->path);
	va_list ap;

	if (n > 0 && (size_t)n < sizeof st->errbuf) {
		va_start(ap, fmt);
		vsnprintf(st->errbuf + n, sizeof st->errbuf - n, fmt, ap);
		va_end(ap);
	}
	return 1;
}

/* The card written for the holder with this identity number, or NULL. */
static const char *
written_for(const json_t *kase, const char *id_number)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(kase, "issued"), i, e)
		if (*id_number && !strcmp(jstr(e, "holder"), id_number))
			return jstr(e, "number");
	return NULL;
}

/* Where PATH goes: at most three parts, a top field (order), an object's
 * (mail.phone) or an item's (holders.2.name) of those eport-case(5)
 * names, or another the record has.  0 with *parent (created for a known
 * object the record lacks) and *key (malloc'd); 1 refused. */
static int
locate(struct eport *st, json_t *kase, const struct change *c, json_t **parent, char **key)
{
	char *p[3] = { 0 }, *dup = xstrdup(c->path), *save = NULL, *s;
	size_t n = 0, len = strlen(c->path);
	json_t *o;
	int rc = 1;

	if (!len || c->path[len - 1] == '.' || c->path[0] == '.' || strstr(c->path, ".."))
		goto unknown;
	for (s = strtok_r(dup, ".", &save); s; s = strtok_r(NULL, ".", &save)) {
		if (n == 3)
			goto unknown;
		p[n++] = s;
	}
	if (in(naming, p[0])) {
		rc = fail(st, c, _("names the case, never amended (withdraw it and take it in again)"));
		goto out;
	}
	if (in(stamps, p[0])) {
		rc = fail(st, c, _("a time the store keeps, never amended"));
		goto out;
	}
	if (in(by_store, p[0])) {
		rc = fail(st, c, _("set by the store, never amended"));
		goto out;
	}
	if (!strcmp(p[0], "history") || !strcmp(p[0], "events")) {
		rc = fail(st, c, _("the history is never amended"));
		goto out;
	}
	if (!strcmp(p[0], "documents")) {
		rc = fail(st, c, _("documents are added with eport-attach, never changed"));
		goto out;
	}
	if (n == 1) {
		if (!in(top, p[0]))
			goto unknown;
		*parent = kase;
		*key = xstrdup(p[0]);
		rc = 0;
		goto out;
	}
	if (!strcmp(p[0], "holders") || !strcmp(p[0], "cards")) {
		json_t *a = json_object_get(kase, p[0]);
		char *end;
		long i;

		if (n != 3 || !isdigit((unsigned char)p[1][0]) || p[1][0] == '0')
			goto unknown;
		i = strtol(p[1], &end, 10);
		if (*end || i < 1)
			goto unknown;
		if ((size_t)i > json_array_size(a)) {
			rc = fail(st, c, !strcmp(p[0], "holders") ?
			    _("no such holder: the case has %zu") : _("no such card: the case has %zu"),
			    json_array_size(a));
			goto out;
		}
		o = json_array_get(a, i - 1);
	} else {
		if (n != 2 || (!known_field(p[0], p[1]) && !json_is_object(json_object_get(kase, p[0]))))
			goto unknown;
		if (!json_is_object(o = json_object_get(kase, p[0]))) {
			if (o)
				goto unknown;
			o = json_object();
			json_object_set_new(kase, p[0], o);
		}
	}
	if (!json_is_object(o) || (!json_object_get(o, p[n - 1]) && !known_field(p[0], p[n - 1])))
		goto unknown;
	*parent = o;
	*key = xstrdup(p[n - 1]);
	rc = 0;
	goto out;
unknown:
	rc = fail(st, c, _("not a field of the record that can be amended"));
out:
	free(dup);
	return rc;
}

/* Is the field final in the case's present state?  1 with why. */
static int
final(struct eport *st, const json_t *kase, const struct change *c)
{
	const char *state = jstr(kase, "state");
	const char *manifest = jstr(json_object_get(kase, "outbound"), "manifest");
	const char *card;
	json_t *issued = json_object_get(kase, "issued");
	int n;

	if (*manifest && (!strncmp(c->path, "mail.", 5) || !strcmp(c->path, "pickup")))
		return fail(st, c, _("final: the case is on the EMS manifest of %s"), manifest);
	if (!strcmp(state, "ready") && !in(contact, c->path)) {
		const char *leaf = strrchr(c->path, '.');

		if (strncmp(c->path, "holders.", 8) || !in(contact_holder, leaf + 1))
			return fail(st, c, _("final: the case is ready, its card work done; only a phone, "
			    "an address, the recipient and the pickup are amended"));
	}
	if (json_array_size(issued) &&
	    (!strcmp(c->path, "enterprise.uscc") || !strcmp(c->path, "enterprise.name")))
		return fail(st, c, _("final: card %s is written with it"),
		    jstr(json_array_get(issued, 0), "number"));
	if (sscanf(c->path, "holders.%d.", &n) == 1 && n >= 1) {
		const json_t *h = json_array_get(json_object_get(kase, "holders"), n - 1);
		const char *leaf = strrchr(c->path, '.') + 1;

		if (in(on_card, leaf) && (card = written_for(kase, jstr(h, "id_number"))))
			return fail(st, c, _("final: card %s is written for this holder"), card);
	}
	return 0;
}

/* The value as the record keeps it: a string, or for attest.no_tripartite
 * true or false.  NULL with why in errbuf. */
static json_t *
value_of(struct eport *st, const struct change *c)
{
	const char *v = c->value;
	json_t *j;

	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(st, c, _("a control character in the value")), NULL;
	if (strlen(v) > VALUE_MAX)
		return fail(st, c, _("longer than %d bytes"), VALUE_MAX), NULL;
	if (!strcmp(c->path, "attest.no_tripartite")) {
		if (!strcmp(v, "true"))
			return json_true();
		if (!strcmp(v, "false"))
			return json_false();
		return fail(st, c, _("'%s' is not true or false"), v), NULL;
	}
	if (!strcmp(c->path, "pickup") && strcmp(v, "mail") && strcmp(v, "window"))
		return fail(st, c, _("'%s' is neither mail nor window"), v), NULL;
	if (!strcmp(c->path, "channel") && strcmp(v, "online") && strcmp(v, "post"))
		return fail(st, c, _("'%s' is neither online nor post"), v), NULL;
	if (!(j = json_string(v)))
		return fail(st, c, _("the value is not UTF-8")), NULL;
	return j;
}

static char *
old_text(const json_t *kase, const char *path)
{
	json_t *v = rec_path(kase, path);

	return v ? rec_scalar(v) : xstrdup("");
}

/* The object part of a path ("holders.2.", "mail."), or "" for a top one. */
static size_t
prefix_len(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? (size_t)(dot - path + 1) : 0;
}

static int
had(const json_t *findings, const json_t *f)
{
	size_t i;
	json_t *g;

	json_array_foreach(findings, i, g)
		if (!strcmp(jstr(g, "rule"), jstr(f, "rule")) && !strcmp(jstr(g, "path"), jstr(f, "path")))
			return 1;
	return 0;
}

/* What the rulebook blocks on in the amended record, that it did not block
 * on before: at an amended field, or anywhere for a ready case, which is
 * checked no more. */
static int
validate(struct eport *st, MDB_txn *txn, const json_t *before, const json_t *after,
    const struct change *cs, size_t n)
{
	struct store_env se = { st, txn };
	struct check_env env = { 0 };
	json_t *was, *now, *f;
	int ready = !strcmp(jstr(before, "state"), "ready"), rc = 0;
	size_t i, k;

	store_check_env(&env, &se);
	env.self_id = jstr(before, "id");
	was = rules_check(rb, before, &env);
	now = rules_check(rb, after, &env);
	json_array_foreach(now, i, f) {
		const char *path = jstr(f, "path");
		const struct change *by = NULL;

		if (strcmp(jstr(f, "severity"), "block"))
			continue;
		/* the change at the finding's field, else one beside it */
		for (k = 0; k < n && !by; k++)
			if (!strcmp(path, cs[k].path))
				by = &cs[k];
		for (k = 0; k < n && !by && !had(was, f); k++) {
			size_t pl = prefix_len(cs[k].path);

			if (ready || (pl && !strncmp(path, cs[k].path, pl)))
				by = &cs[k];
		}
		if (by) {
			if (!strcmp(path, by->path))
				rc = fail(st, by, "%s (%s)", jstr(f, "message"), jstr(f, "rule"));
			else
				rc = fail(st, by, _("%s (%s at %s)"), jstr(f, "message"), jstr(f, "rule"),
				    path);
			break;
		}
	}
	json_decref(was);
	json_decref(now);
	return rc;
}

/* What follows a change beyond the field: the indexes of the USCC and the
 * order, and the documents of a holder whose number was mistyped. */
static int
follow(struct eport *st, MDB_txn *txn, json_t *kase, const struct change *c,
    const char *old, const char *new)
{
	const char *id = jstr(kase, "id");
	int rc = 0, n;

	if (!strcmp(c->path, "enterprise.uscc")) {
		if (*old && (rc = db_del(st, txn, DB_USCC, old, id)) && rc != MDB_NOTFOUND)
			return rc;
		if (*new && (rc = db_put(st, txn, DB_USCC, new, id, strlen(id), 0)))
			return rc;
		return 0;
	}
	if (!strcmp(c->path, "order")) {
		if (*new && (rc = order_claim(st, txn, new, id))) {
			if (rc == 1) {
				json_t *o = order_get(st, txn, new);

				fail(st, c, _("order %s serves case %s already"), new, jstr(o, "case"));
				json_decref(o);
			}
			return rc;
		}
		if (*old && (rc = order_release(st, txn, old, id)))
			return rc;
		return 0;
	}
	if (sscanf(c->path, "holders.%d.id_number", &n) == 1 && strstr(c->path, ".id_number") &&
	    *old) {
		size_t i;
		json_t *d;

		json_array_foreach(json_object_get(kase, "documents"), i, d)
			if (!strcmp(jstr(d, "holder"), old))
				json_object_set_new(d, "holder", json_string(new));
	}
	return 0;
}

static int
amend(struct eport *st, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	const char *state = jstr(kase, "state");
	struct change one = { 0 }, *cs = args;
	struct step step = { .action = "amend", .why = reason };
	struct buf body = { 0 };
	json_t *before, *changes = json_array(), *parent = NULL, *v;
	char *key = NULL;
	size_t n = nargs, i;
	char at[32];
	int rc = 0;

	(void)arg;
	if (it->rec) {
		one.path = rec_scalar(json_object_get(it->rec, "path"));
		one.value = rec_scalar(json_object_get(it->rec, "value"));
		one.pos = (char *)it->pos;
		cs = &one;
		n = 1;
		if (!*one.path) {
			snprintf(st->errbuf, sizeof st->errbuf, _("%s: path: missing"), it->pos);
			rc = 1;
			goto out;
		}
	}
	/* the states before shipped, the same that a withdrawal takes */
	if (!withdrawable(state)) {
		snprintf(st->errbuf, sizeof st->errbuf,
		    _("case is %s, not received, checked, incomplete, returned, accepted or ready"), state);
		rc = 1;
		goto out;
	}
	before = json_deep_copy(kase);
	for (i = 0; i < n; i++) {
		char *old;

		free(key);
		key = NULL;
		if ((rc = locate(st, kase, &cs[i], &parent, &key)) ||
		    (rc = final(st, before, &cs[i])) || !(v = value_of(st, &cs[i]))) {
			rc = 1;
			break;
		}
		old = old_text(before, cs[i].path);
		if (!strcmp(old, cs[i].value)) {
			json_decref(v);
			free(old);
			continue;
		}
		json_object_set_new(parent, key, v);
		json_array_append_new(changes, json_pack("{s:s, s:s, s:s}", "path", cs[i].path,
		    "old", old, "new", cs[i].value));
		buf_printf(&body, "%s%s: '%s' -> '%s'", body.len ? "\n" : "", cs[i].path, old,
		    cs[i].value);
		rc = follow(st, txn, kase, &cs[i], old, cs[i].value);
		free(old);
		if (rc)
			break;
	}
	if (!rc && json_array_size(changes))
		rc = validate(st, txn, before, kase, cs, n);
	json_decref(before);
	if (rc)
		goto out;
	/* nothing new: no step, as when the same correction comes again */
	if (json_array_size(changes)) {
		fmt_time(eport_now(), at);
		json_object_set_new(kase, "amended", json_string(at));
		materials_by_add(kase, eport_user());
		if (!strcmp(state, "checked") || !strcmp(state, "accepted") ||
		    !strcmp(state, "returned"))
			step.to = "received";
		step.extra = json_pack("{s:O}", "changes", changes);
		step.body = body.s;
		if ((rc = case_step(st, txn, kase, &step)))
			goto out;
	}
	*row = json_pack("{s:s, s:s}", "id", jstr(kase, "id"), "state", jstr(kase, "state"));
out:
	free(key);
	if (it->rec) {
		free(one.path);
		free(one.value);
	}
	json_decref(changes);
	buf_free(&body);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct eport st;
	struct each each = { .fn = amend, .out = &out, .records = 1 };
	char err[512];
	int c, dry = 0;

	eport_start(argc, argv, usage_text);
	out.fp = stdout;
	out.cols = cols;
	while ((c = getopt(argc, argv, "jm:nh")) != -1) {
		switch (c) {
		case 'j':
			out.json = 1;
			break;
		case 'm':
			reason = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			eport_usage(0);
			break;
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (!reason || !*reason) {
		warnx("an amendment needs a reason: -m REASON");
		eport_usage(2);
	}
	if (argc == 1)
		eport_usage(2);
	if (argc > 1) {
		nargs = argc - 1;
		args = xcalloc(nargs, sizeof *args);
		for (size_t i = 0; i < nargs; i++) {
			char *eq = strchr(argv[i + 1], '=');

			if (!eq || eq == argv[i + 1]) {
				warnx("argument %zu: '%s': not PATH=VALUE", i + 2, argv[i + 1]);
				eport_usage(2);
			}
			args[i].path = strndup(argv[i + 1], eq - argv[i + 1]);
			args[i].value = eq + 1;
			args[i].pos = xasprintf(_("argument %zu"), i + 2);
		}
		each.records = 0;
	}
	if (!(rb = rules_load(eport_home(), err, sizeof err)))
		die("%s", err);
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	st.dry = dry;
	cases_each(&st, argc ? 1 : 0, argv, &each);
	eport_close(&st);
	rules_free(rb);
	for (size_t i = 0; i < nargs; i++) {
		free(args[i].path);
		free(args[i].pos);
	}
	free(args);
	return eport_exit();
}
