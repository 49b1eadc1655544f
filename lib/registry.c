/* registry.c: the cards, enterprises and orders the office knows, beside the
 * cases.  DB_HOLDERS indexes each enterprise's active cards (uscc NUL number)
 * so that the checks and the closing of an enterprise read only its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eport.h"

json_t *
card_get(struct eport *st, MDB_txn *txn, const char *number)
{
	if (!number || !*number)
		return NULL;
	return db_get_json(st, txn, DB_CARDS, number);
}

static MDB_val
holder_key(char *k, size_t cap, const char *uscc, const char *number)
{
	size_t a = strlen(uscc), b = strlen(number);
	MDB_val v = { 0, k };

	if (a + b + 1 > cap)
		return v;
	memcpy(k, uscc, a + 1);
	memcpy(k + a + 1, number, b);
	v.mv_size = a + 1 + b;
	return v;
}

int
card_put(struct eport *st, MDB_txn *txn, const json_t *card)
{
	const char *num = jstr(card, "number");
	char k[256];
	MDB_val key;
	json_t *old;
	int rc;

	if (!*num)
		return EINVAL;
	/* a card that changed enterprise leaves the old one's index */
	if ((old = card_get(st, txn, num))) {
		const char *ou = jstr(old, "uscc");

		key = holder_key(k, sizeof k, ou, num);
		if (*ou && key.mv_size && (rc = mdb_del(txn, st->dbi[DB_HOLDERS], &key, NULL)) &&
		    rc != MDB_NOTFOUND) {
			json_decref(old);
			return rc;
		}
		json_decref(old);
	}
	if ((rc = db_put_json(st, txn, DB_CARDS, num, card)))
		return rc;
	return card_holders_put(st, txn, card);
}

/* DB_HOLDERS is made from the cards: here, and by a rebuild */
int
card_holders_put(struct eport *st, MDB_txn *txn, const json_t *card)
{
	const char *num = jstr(card, "number"), *uscc = jstr(card, "uscc");
	char k[256];
	MDB_val key, val = { 0, "" };

	if (!*uscc || strcmp(jstr(card, "state"), "active"))
		return 0;
	key = holder_key(k, sizeof k, uscc, num);
	if (!key.mv_size)
		return EINVAL;
	return mdb_put(txn, st->dbi[DB_HOLDERS], &key, &val, 0);
}

json_t *
enterprise_cards(struct eport *st, MDB_txn *txn, const char *uscc)
{
	json_t *a = json_array();
	size_t n = strlen(uscc);
	char k[256];
	MDB_cursor *c;
	MDB_val key, val;
	int rc;

	if (!n || n >= sizeof k || mdb_cursor_open(txn, st->dbi[DB_HOLDERS], &c))
		return a;
	memcpy(k, uscc, n + 1);
	key.mv_size = n + 1;
	key.mv_data = k;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		char *num;
		json_t *card;

		if (key.mv_size <= n + 1 || memcmp(key.mv_data, k, n + 1))
			break;
		num = strndup((char *)key.mv_data + n + 1, key.mv_size - n - 1);
		if ((card = card_get(st, txn, num)))
			json_array_append_new(a, card);
		free(num);
	}
	mdb_cursor_close(c);
	return a;
}

json_t *
holder_card(struct eport *st, MDB_txn *txn, const char *uscc, const char *id_number)
{
	json_t *cards = enterprise_cards(st, txn, uscc), *c, *found = NULL;
	size_t i;

	json_array_foreach(cards, i, c)
		if (!strcmp(jstr(c, "id_number"), id_number) &&
		    !strcmp(jstr(c, "role"), "operator")) {
			found = json_incref(c);
			break;
		}
	json_decref(cards);
	return found;
}

json_t *
enterprise_get(struct eport *st, MDB_txn *txn, const char *uscc)
{
	if (!uscc || !*uscc)
		return NULL;
	return db_get_json(st, txn, DB_ENTERPRISES, uscc);
}

int
enterprise_put(struct eport *st, MDB_txn *txn, const json_t *e)
{
	const char *uscc = jstr(e, "uscc");

	return *uscc ? db_put_json(st, txn, DB_ENTERPRISES, uscc, e) : EINVAL;
}

json_t *
order_get(struct eport *st, MDB_txn *txn, const char *number)
{
	if (!number || !*number)
		return NULL;
	return db_get_json(st, txn, DB_ORDERS, number);
}

int
order_put(struct eport *st, MDB_txn *txn, const json_t *order)
{
	const char *num = jstr(order, "order");
	json_t *old, *o;
	int rc;

	if (!*num)
		return EINVAL;
	o = json_deep_copy(order);
	json_object_del(o, "case");
	if ((old = order_get(st, txn, num))) {
		if (json_is_string(json_object_get(old, "case")))
			json_object_set(o, "case", json_object_get(old, "case"));
		json_decref(old);
	}
	rc = db_put_json(st, txn, DB_ORDERS, num, o);
	json_decref(o);
	return rc;
}

int
order_claim(struct eport *st, MDB_txn *txn, const char *number, const char *id)
{
	json_t *o = order_get(st, txn, number);
	const char *held;
	int rc;

	if (!o)
		o = json_pack("{s:s}", "order", number);
	held = jstr(o, "case");
	if (*held) {
		rc = strcmp(held, id) ? 1 : 0;
		json_decref(o);
		return rc;
	}
	json_object_set_new(o, "case", json_string(id));
	rc = db_put_json(st, txn, DB_ORDERS, number, o);
	json_decref(o);
	return rc;
}

int
order_release(struct eport *st, MDB_txn *txn, const char *number, const char *id)
{
	json_t *o = order_get(st, txn, number);
	int rc = 0;

	if (!o)
		return 0;
	if (!strcmp(jstr(o, "case"), id)) {
		json_object_del(o, "case");
		/* a stub that only held the claim goes with it */
		if (json_object_size(o) == 1)
			rc = db_del(st, txn, DB_ORDERS, number, NULL);
		else
			rc = db_put_json(st, txn, DB_ORDERS, number, o);
	}
	json_decref(o);
	return rc;
}

json_t *
open_cases(struct eport *st, MDB_txn *txn, const char *uscc)
{
	json_t *a = json_array(), *kase;
	MDB_cursor *c;
	MDB_val key = { strlen(uscc), (void *)uscc }, val;
	int rc;

	if (!key.mv_size || mdb_cursor_open(txn, st->dbi[DB_USCC], &c))
		return a;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_KEY); rc == 0;
	    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT_DUP)) {
		char *id = strndup(val.mv_data, val.mv_size);

		if ((kase = case_get(st, txn, id)) && !case_done(jstr(kase, "state")))
			json_array_append(a, kase);
		json_decref(kase);
		free(id);
	}
	mdb_cursor_close(c);
	return a;
}

/* check_env callbacks */
static json_t *
env_card(void *arg, const char *number)
{
	struct store_env *e = arg;

	return card_get(e->st, e->txn, number);
}

static json_t *
env_enterprise_cards(void *arg, const char *uscc)
{
	struct store_env *e = arg;

	return enterprise_cards(e->st, e->txn, uscc);
}

static json_t *
env_holder_card(void *arg, const char *uscc, const char *id_number)
{
	struct store_env *e = arg;

	return holder_card(e->st, e->txn, uscc, id_number);
}

static json_t *
env_order(void *arg, const char *number)
{
	struct store_env *e = arg;
	json_t *o = order_get(e->st, e->txn, number);

	/* a stub is a claim, not an imported order */
	if (o && !json_object_get(o, "status")) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The case holding an order, in a buffer good until the next call. */
static const char *
env_order_case(void *arg, const char *number)
{
	struct store_env *e = arg;
	json_t *o = order_get(e->st, e->txn, number);
	static char held[64];

	if (!o)
		return NULL;
	snprintf(held, sizeof held, "%s", jstr(o, "case"));
	json_decref(o);
	return *held ? held : NULL;
}

static int
env_enterprise_closed(void *arg, const char *uscc)
{
	struct store_env *e = arg;
	json_t *ent = enterprise_get(e->st, e->txn, uscc);
	int closed = ent && *jstr(ent, "closed");

	json_decref(ent);
	return closed;
}

static json_t *
env_open_cases(void *arg, const char *uscc)
{
	struct store_env *e = arg;

	return open_cases(e->st, e->txn, uscc);
}

void
store_check_env(struct check_env *env, struct store_env *e)
{
	env->arg = e;
	env->open_cases = env_open_cases;
	env->ems_names = cfg_str(e->st, "check.ems-names", NULL);
	env->card = env_card;
	env->enterprise_cards = env_enterprise_cards;
	env->holder_card = env_holder_card;
	env->order = env_order;
	env->order_case = env_order_case;
	env->enterprise_closed = env_enterprise_closed;
}

json_t *
store_recheck(struct eport *st, MDB_txn *txn, const struct rulebook *rb, const json_t *kase,
    const char *const *only)
{
	struct store_env se = { st, txn };
	struct check_env env = { 0 };
	json_t *findings, *f;

	store_check_env(&env, &se);
	env.self_id = jstr(kase, "id");
	findings = rules_check(rb, kase, &env);
	f = json_incref((json_t *)rules_first_block(findings, only));
	json_decref(findings);
	return f;
}
