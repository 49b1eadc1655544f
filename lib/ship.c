/* ship.c: posting cases back by EMS (DESIGN.md section 7): when a case was
 * accepted, the day it is due to be posted, and what its parcel holds. */
#include <stdlib.h>
#include <string.h>

#include "eport.h"

int
ship_accepted(struct eport *st, MDB_txn *txn, const json_t *kase, time_t *out)
{
	const char *at = jstr(kase, "accepted");
	json_t *h, *e;
	size_t i;
	int rc = -1;

	if (*at)
		return parse_time(at, out);
	/* a case accepted before the member was kept: its last accept event */
	h = case_history(st, txn, jstr(kase, "id"));
	for (i = json_array_size(h); i-- > 0;) {
		e = json_array_get(h, i);
		if (!strcmp(jstr(e, "action"), "accept")) {
			rc = parse_time(jstr(e, "at"), out);
			break;
		}
	}
	json_decref(h);
	return rc;
}

int
ship_posting(struct eport *st, MDB_txn *txn, const struct cal *c, const json_t *kase,
    long *day, int *gap)
{
	time_t t;
	int rc;

	if (gap)
		*gap = 0;
	if (ship_accepted(st, txn, kase, &t) < 0)
		return -1;
	rc = cal_posting(c, jstr(kase, "type"), t, day, gap);
	return rc == CAL_GAP ? rc : rc < 0 ? -2 : 0;
}

static long
qty(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtol(json_string_value(v), NULL, 10);
	return 0;
}

/* The cards go back: those written for the case and those sent in with it,
 * each once, but not one the registry has revoked, nor the cards of a
 * deregister case (kept, to be revoked when it closes).  Readers: the order's
 * 读卡器 lines; a reader case holds at least one. */
char *
ship_contents(struct eport *st, MDB_txn *txn, const json_t *kase)
{
	json_t *seen = json_object(), *order, *v;
	const char *lists[] = { "issued", "cards" }, *type = jstr(kase, "type");
	long cards = 0, readers = 0;
	struct buf b = { 0 };
	size_t i, l;

	for (l = 0; l < LEN(lists); l++) {
		if (l == 1 && !strcmp(type, "deregister"))
			break;
		json_array_foreach(json_object_get(kase, lists[l]), i, v) {
			const char *num = jstr(v, "number");
			json_t *card;

			if (!*num || json_object_get(seen, num))
				continue;
			json_object_set_new(seen, num, json_true());
			card = card_get(st, txn, num);
			if (!card || strcmp(jstr(card, "state"), "revoked"))
				cards++;
			json_decref(card);
		}
	}
	json_decref(seen);
	if ((order = order_get(st, txn, jstr(kase, "order")))) {
		json_array_foreach(json_object_get(order, "lines"), i, v)
			if (strstr(jstr(v, "product"), "读卡器") && qty(json_object_get(v, "qty")) > 0)
				readers += qty(json_object_get(v, "qty"));
		json_decref(order);
	}
	if (!readers && !strcmp(type, "reader"))
		readers = 1;
	if (cards)
		buf_printf(&b, "电子口岸卡 x%ld", cards);
	if (readers)
		buf_printf(&b, "%s读卡器 x%ld", cards ? ", " : "", readers);
	if (!b.len)
		buf_puts(&b, "文件 x1");
	return b.s;
}
