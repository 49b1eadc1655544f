/* case.c: the case: its states and types, what a record must be to be
 * stored, and reading a case and its history.  The steps that change a case
 * are in step.c. */
#include <ctype.h>
#include <string.h>

#include "eport.h"

const char *const case_states[] = {
	"received", "checked", "incomplete", "accepted", "rejected", "returned",
	"ready", "shipped", "delivered", "bounced", "collected", "withdrawn", "closed", NULL,
};
static int
in(const char *const *l, const char *s)
{
	for (; s && *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

int valid_state(const char *s) { return in(case_states, s); }
int valid_type(const char *s) { return btype(s) != NULL; }

int
case_done(const char *state)
{
	return in((const char *const[]){ "closed", "rejected", "withdrawn", NULL }, state);
}

/* Event keys: the case id, a NUL, the sequence number big-endian, so that a
 * case's events sort together and in order. */
MDB_val
case_ev_key(char *k, const char *id, uint32_t seq)
{
	size_t n = strlen(id);
	MDB_val v;

	memcpy(k, id, n + 1);
	k[n + 1] = seq >> 24;
	k[n + 2] = seq >> 16;
	k[n + 3] = seq >> 8;
	k[n + 4] = seq;
	v.mv_size = n + 5;
	v.mv_data = k;
	return v;
}

json_t *
case_history(struct eport *st, MDB_txn *txn, const char *id)
{
	char k[128];
	MDB_cursor *c;
	MDB_val key, val;
	json_t *a = json_array();
	size_t n = strlen(id);
	int rc;

	if (n > 100 || mdb_cursor_open(txn, st->dbi[DB_EVENTS], &c))
		return a;
	key = case_ev_key(k, id, 0);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size != n + 5 || memcmp(key.mv_data, id, n + 1))
			break;
		json_t *e = json_loadb(val.mv_data, val.mv_size, 0, NULL);
		if (e)
			json_array_append_new(a, e);
	}
	mdb_cursor_close(c);
	return a;
}

json_t *
case_get(struct eport *st, MDB_txn *txn, const char *id)
{
	if (!*id || strlen(id) > 100)
		return NULL;
	return db_get_json(st, txn, DB_CASES, id);
}

/* The indexes a case's steps keep, here alone, so that a store rebuilt
 * from its repository (rebuild.c) has the very same: the case by state, by
 * ref and by USCC, and its events (by time too). */
int
case_index_state(struct eport *st, MDB_txn *txn, const char *id, const char *from, const char *to)
{
	int rc;

	if (*from && (rc = db_del(st, txn, DB_STATE, from, id)))
		return rc;
	return db_put(st, txn, DB_STATE, to, id, strlen(id), 0);
}

int
case_index_new(struct eport *st, MDB_txn *txn, const json_t *kase)
{
	const char *id = jstr(kase, "id"), *uscc;
	int rc;

	if ((rc = db_put(st, txn, DB_REF, jstr(kase, "ref"), id, strlen(id), MDB_NOOVERWRITE)))
		return rc;
	uscc = json_string_value(rec_path(kase, "enterprise.uscc"));
	if (uscc && *uscc && (rc = db_put(st, txn, DB_USCC, uscc, id, strlen(id), 0)))
		return rc;
	return 0;
}

int
case_event_put(struct eport *st, MDB_txn *txn, const char *id, uint32_t seq, const char *ev,
    size_t len, const char *at)
{
	char k[128], tk[EVTIME_KEY_MAX];
	MDB_val key = case_ev_key(k, id, seq), val = { len, (void *)ev }, t, none = { 0, "" };
	int rc;

	if ((rc = mdb_put(txn, st->dbi[DB_EVENTS], &key, &val, 0)) || !st->dbi[DB_EVTIME])
		return rc;
	t = evtime_key(tk, at, &key);
	return mdb_put(txn, st->dbi[DB_EVTIME], &t, &none, 0);
}

int
case_set_state(struct eport *st, MDB_txn *txn, json_t *kase, const char *to)
{
	const char *id = jstr(kase, "id"), *from = jstr(kase, "state");
	int rc;

	if (!strcmp(from, to))
		return 0;
	if ((rc = case_index_state(st, txn, id, from, to)))
		return rc;
	json_object_set_new(kase, "state", json_string(to));
	return 0;
}

/* What a record must be to be stored.  The rules of the office come later
 * (eport-check); this is only what the store itself needs: the right JSON
 * types, a known type, a ref, and nothing the store sets itself. */
static const char *const store_keys[] = {
	"id", "state", "by", "login", "taken", "updated", "source", "commit",
	"findings", "checked_with", "materials_by", "collected", "withdrawn", NULL,
};
static const char *const string_objects[] = {
	"enterprise", "handler", "mail", "inbound", NULL,
};
static const char *const string_arrays[] = { "holders", "cards", NULL };

static int
all_strings(const json_t *o, const char *path, struct buf *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return buf_printf(err, _("%s: expected an object"), path), -1;
	json_object_foreach((json_t *)o, k, v)
		if (!json_is_string(v))
			return buf_printf(err, _("%s.%s: expected a string"), path, k), -1;
	return 0;
}

static int
valid_kind(const char *k)
{
	if (!*k || strlen(k) > 32)
		return 0;
	for (; *k; k++)
		if (!(islower((unsigned char)*k) || isdigit((unsigned char)*k) || *k == '-'))
			return 0;
	return 1;
}

static int
check_document(const json_t *d, const char *path, struct buf *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(d))
		return buf_printf(err, _("%s: expected an object"), path), -1;
	json_object_foreach((json_t *)d, k, v) {
		if (!strcmp(k, "sealed")) {
			if (!json_is_boolean(v))
				return buf_printf(err, _("%s.sealed: expected true or false"), path), -1;
		} else if (!strcmp(k, "copies")) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 99)
				return buf_printf(err, _("%s.copies: expected a whole number from 1 to 99"), path), -1;
		} else if (!strcmp(k, "blob") || !strcmp(k, "sha256") || !strcmp(k, "size") ||
		    !strcmp(k, "path")) {
			return buf_printf(err, _("%s.%s: set by the store, not by the sender"), path, k), -1;
		} else if (!json_is_string(v)) {
			return buf_printf(err, _("%s.%s: expected a string"), path, k), -1;
		}
	}
	if (!valid_kind(jstr(d, "kind")))
		return buf_printf(err, _("%s.kind: missing, or not a document kind"), path), -1;
	return 0;
}

int
case_validate(const json_t *rec, struct buf *err)
{
	const char *k, *s;
	json_t *v, *x;
	size_t i;

	json_object_foreach((json_t *)rec, k, v) {
		char path[64];

		if (in(store_keys, k))
			return buf_printf(err, _("%s: set by the store, not by the sender"), k), -1;
		if (in(string_objects, k)) {
			if (all_strings(v, k, err) < 0)
				return -1;
		} else if (in(string_arrays, k) || !strcmp(k, "documents")) {
			if (!json_is_array(v))
				return buf_printf(err, _("%s: expected an array"), k), -1;
			json_array_foreach(v, i, x) {
				snprintf(path, sizeof path, "%s.%zu", k, i + 1);
				if (!strcmp(k, "documents") ? check_document(x, path, err) < 0
				    : all_strings(x, path, err) < 0)
					return -1;
			}
		} else if (!strcmp(k, "attest")) {
			if (!json_is_object(v))
				return buf_printf(err, _("attest: expected an object")), -1;
			if ((x = json_object_get(v, "no_tripartite")) && !json_is_boolean(x))
				return buf_printf(err, _("attest.no_tripartite: expected true or false")), -1;
		} else if (!strcmp(k, "ref") || !strcmp(k, "type") || !strcmp(k, "channel") ||
		    !strcmp(k, "received") || !strcmp(k, "order") || !strcmp(k, "change") ||
		    !strcmp(k, "pickup")) {
			if (!json_is_string(v))
				return buf_printf(err, _("%s: expected a string"), k), -1;
		}
	}
	s = json_string_value(json_object_get(rec, "type"));
	if (!s || !*s)
		return buf_printf(err, _("type: missing")), -1;
	if (!valid_type(s))
		return buf_printf(err, _("type: '%s' is not a business type"), s), -1;
	s = json_string_value(json_object_get(rec, "ref"));
	if (!s || !*s)
		return buf_printf(err, _("ref: missing")), -1;
	if (strlen(s) > 64)
		return buf_printf(err, _("ref: longer than 64 characters")), -1;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return buf_printf(err, _("ref: control character")), -1;
	s = json_string_value(json_object_get(rec, "channel"));
	if (s && strcmp(s, "online") && strcmp(s, "post"))
		return buf_printf(err, _("channel: '%s' is neither online nor post"), s), -1;
	s = json_string_value(json_object_get(rec, "pickup"));
	if (s && strcmp(s, "mail") && strcmp(s, "window"))
		return buf_printf(err, _("pickup: '%s' is neither mail nor window"), s), -1;
	return 0;
}

/* A case as a line of output: id type uscc state ref taken. */
json_t *
case_row(const json_t *kase)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}", "id", jstr(kase, "id"),
	    "type", jstr(kase, "type"),
	    "uscc", json_string_value(rec_path(kase, "enterprise.uscc")),
	    "state", jstr(kase, "state"), "ref", jstr(kase, "ref"),
	    "taken", jstr(kase, "taken"));
}
