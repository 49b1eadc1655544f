/* mask.c: identity numbers, phone numbers and (for the public page) people's
 * names masked, for eport-export -m and the public status page.  An
 * identity number keeps its first 6 and last 4 characters, a phone or fax
 * number its first 3 and last 4; a value too short for that is masked
 * whole.  A name keeps its first character (the family name), the rest
 * shown as *.  The values are found by their keys in the records collected,
 * and masked wherever else they appear (finding paths, messages, reasons). */
#include <stdlib.h>
#include <string.h>

#include "eport.h"

struct mask {
	int flags;
	json_t *set;		/* value -> its kind */
	json_t **vals;		/* the values, longest first, once sorted */
	size_t nvals;
	int sorted;
};

struct mask *
mask_new(int flags)
{
	struct mask *m = xcalloc(1, sizeof *m);

	m->flags = flags;
	m->set = json_object();
	return m;
}

static void
unsort(struct mask *m)
{
	for (size_t i = 0; i < m->nvals; i++)
		json_decref(m->vals[i]);
	free(m->vals);
	m->vals = NULL;
	m->nvals = 0;
	m->sorted = 0;
}

void
mask_free(struct mask *m)
{
	if (!m)
		return;
	unsort(m);
	json_decref(m->set);
	free(m);
}

/* What a value is by its key (and its parent's: holders.N.name, handler.name). */
static int
kind_of(const struct mask *m, const char *key, const char *parent, const char *val)
{
	int digits = 0;

	if (!key || !*val)
		return 0;
	if (!strcmp(key, "id_number"))
		return MASK_ID;
	if (!strcmp(key, "phone") || !strcmp(key, "fax"))
		return MASK_PHONE;
	if (!strcmp(key, "holder")) {	/* a document's holder: an identity number */
		for (; *val; val++)
			digits += *val >= '0' && *val <= '9';
		return digits >= 6 ? MASK_ID : 0;
	}
	if (!(m->flags & MASK_NAMES))
		return 0;
	if (!strcmp(key, "recipient") ||
	    (!strcmp(key, "name") && parent && (!strcmp(parent, "holders") || !strcmp(parent, "handler"))))
		return MASK_NAME;
	return 0;
}

static size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

char *
mask_value(const char *s, int kind)
{
	size_t n = strlen(s), head = kind == MASK_ID ? 6 : 3, tail = 4, i;
	char *m;
	int ascii = 1;

	if (kind == MASK_NAME) {
		struct buf b = { 0 };
		const char *p = s;

		/* the first character whole, then * for each but spaces */
		do
			buf_add(&b, p, 1);
		while (*++p && ((unsigned char)*p & 0xC0) == 0x80);
		for (; *p; p++) {
			if (*p == ' ')
				buf_add(&b, " ", 1);
			else if (((unsigned char)*p & 0xC0) != 0x80)
				buf_add(&b, "*", 1);
		}
		if (!b.s)
			return xstrdup("");
		return b.s;
	}
	m = xstrdup(s);
	for (i = 0; i < n; i++)
		ascii &= (unsigned char)s[i] < 0x80;
	if (!ascii || n < head + tail + 2)
		head = tail = 0;
	for (i = head; i + tail < n; i++)
		m[i] = '*';
	return m;
}

void
mask_add(struct mask *m, const char *val, int kind)
{
	if (!val || !*val || !kind || json_object_get(m->set, val))
		return;
	json_object_set_new(m->set, val, json_integer(kind));
	unsort(m);
}

static void
collect(struct mask *m, const json_t *j, const char *key, const char *parent)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, v)
			collect(m, v, k, key);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			collect(m, v, key, parent);
	} else if (json_is_string(j)) {
		mask_add(m, json_string_value(j), kind_of(m, key, parent, json_string_value(j)));
	}
}

void
mask_collect(struct mask *m, const json_t *j)
{
	collect(m, j, NULL, NULL);
}

static int
longest_first(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	size_t m = strlen(x), n = strlen(y);

	return m != n ? (m < n) - (m > n) : strcmp(x, y);
}

static void
sort(struct mask *m)
{
	const char *k;
	json_t *v;

	if (m->sorted)
		return;
	m->vals = xcalloc(json_object_size(m->set) + 1, sizeof *m->vals);
	json_object_foreach(m->set, k, v)
		m->vals[m->nvals++] = json_string(k);
	qsort(m->vals, m->nvals, sizeof *m->vals, longest_first);
	m->sorted = 1;
}

/* Short values are masked inside other text only where they cannot be a
 * common part of it: numbers of 7 bytes and more, names of 2 characters
 * and more. */
static int
long_enough(const char *v, int kind)
{
	return kind == MASK_NAME ? utf8_len(v) >= 2 : strlen(v) >= 7;
}

char *
mask_text(struct mask *m, const char *s)
{
	char *cur = xstrdup(s);

	sort(m);
	for (size_t i = 0; i < m->nvals; i++) {
		const char *v = json_string_value(m->vals[i]), *p, *q;
		int kind = json_integer_value(json_object_get(m->set, v));
		size_t vlen = strlen(v);
		struct buf b = { 0 };
		char *mv;

		if (!long_enough(v, kind) || !strstr(cur, v))
			continue;
		mv = mask_value(v, kind);
		for (p = cur; (q = strstr(p, v)); p = q + vlen) {
			buf_add(&b, p, q - p);
			buf_puts(&b, mv);
		}
		buf_puts(&b, p);
		free(mv);
		free(cur);
		cur = b.s;
	}
	return cur;
}

static void
mask_in(struct mask *m, json_t *j, const char *key, const char *parent)
{
	const char *k;
	json_t *v;
	size_t i;
	char *s;
	int kind;

	if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			mask_in(m, v, k, key);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			mask_in(m, v, key, parent);
	} else if (json_is_string(j)) {
		kind = kind_of(m, key, parent, json_string_value(j));
		s = kind ? mask_value(json_string_value(j), kind) : mask_text(m, json_string_value(j));
		json_string_set(j, s);
		free(s);
	}
}

void
mask_json(struct mask *m, json_t *j)
{
	mask_in(m, j, NULL, NULL);
}

/* A case as eport-export -m writes it: its case.json and history.jsonl
 * (the values found in both, masked in both) in place, written again as
 * case.c writes them; -1 if either is not JSON. */
int
mask_case(struct buf *kase, struct buf *hist)
{
	json_t *all = json_array(), *j;
	struct mask *m = NULL;
	const char *p, *nl;
	size_t i;
	char *s;
	int rc = -1;

	if (!(j = json_loadb(kase->s ? kase->s : "", kase->len, 0, NULL)))
		goto out;
	json_array_append_new(all, j);
	for (p = hist->s ? hist->s : ""; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			nl = p + strlen(p);
		if (nl > p) {
			if (!(j = json_loadb(p, nl - p, 0, NULL)))
				goto out;
			json_array_append_new(all, j);
		}
		if (!*nl)
			break;
	}
	m = mask_new(0);
	json_array_foreach(all, i, j)
		mask_collect(m, j);
	json_array_foreach(all, i, j)
		mask_json(m, j);
	kase->len = hist->len = 0;
	json_array_foreach(all, i, j) {
		s = json_dumps(j, i ? JSON_COMPACT : JSON_INDENT(2));
		buf_puts(i ? hist : kase, s);
		buf_puts(i ? hist : kase, "\n");
		free(s);
	}
	if (!hist->s)
		buf_puts(hist, "");
	rc = 0;
out:
	mask_free(m);
	json_decref(all);
	return rc;
}
