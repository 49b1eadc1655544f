/* record.c: records in and out.  Input is JSON Lines (jansson) or TSV with a
 * header, told apart by the first byte; TSV is the JSON record flattened as
 * DESIGN.md section 2 says (dotted keys, arrays numbered from 1, \t \n \\
 * escapes).  Output is TSV with a header, or JSON Lines. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eport.h"

enum { FMT_UNKNOWN, FMT_JSON, FMT_TSV, FMT_LINES };

struct rdr {
	FILE *fp;
	const char *name;
	int fmt;
	long lineno, recline;
	struct buf line;
	char **cols;		/* TSV header */
	size_t ncols;
	int idcol;		/* the id column, for rdr_next_id */
	char err[512];
	int dead;
};

struct rdr *
rdr_open(FILE *fp, const char *name)
{
	struct rdr *r = xcalloc(1, sizeof *r);

	r->fp = fp;
	r->name = name;
	r->idcol = -1;
	return r;
}

static void
free_cols(struct rdr *r)
{
	for (size_t i = 0; i < r->ncols; i++)
		free(r->cols[i]);
	free(r->cols);
	r->cols = NULL;
	r->ncols = 0;
}

void
rdr_close(struct rdr *r)
{
	if (!r)
		return;
	free_cols(r);
	buf_free(&r->line);
	free(r);
}

const char *rdr_error(struct rdr *r) { return r->err; }
const char *rdr_name(struct rdr *r) { return r->name; }
long rdr_line(struct rdr *r) { return r->recline; }
int rdr_is_tsv(struct rdr *r) { return r->fmt == FMT_TSV; }

static int
rerr(struct rdr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
rerr(struct rdr *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->err, sizeof r->err, "%s:%ld: ", r->name, r->recline);
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof r->err - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* One line into r->line, without its newline.  1 a line, 0 end of input,
 * -1 a line over the limit (skipped), -2 a read error. */
static int
getline_bounded(struct rdr *r)
{
	int c, over = 0;

	r->line.len = 0;
	buf_add(&r->line, "", 0);
	c = getc(r->fp);
	if (c == EOF)
		return ferror(r->fp) ? -2 : 0;
	r->lineno++;
	r->recline = r->lineno;
	for (; c != EOF && c != '\n'; c = getc(r->fp)) {
		if (over)
			continue;
		if (r->line.len >= RECORD_MAX_LINE) {
			over = 1;
			continue;
		}
		char ch = c;
		buf_add(&r->line, &ch, 1);
	}
	if (c == EOF && ferror(r->fp))
		return -2;
	if (r->line.len && r->line.s[r->line.len - 1] == '\r')
		r->line.s[--r->line.len] = '\0';
	/* a byte-order mark on the first line is tolerated */
	if (r->lineno == 1 && r->line.len >= 3 && !memcmp(r->line.s, "\xEF\xBB\xBF", 3)) {
		memmove(r->line.s, r->line.s + 3, r->line.len - 2);
		r->line.len -= 3;
	}
	return over ? -1 : 1;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A header column is a field path: segments of [a-z0-9_], numbers from 1. */
static int
valid_col(const char *c)
{
	const char *p = c;
	int depth = 0;

	if (!*c)
		return 0;
	for (;;) {
		const char *s = p;
		int digits = isdigit((unsigned char)*p);

		/* a name (a-z, 0-9, _; not starting with a digit) or an index
		 * from 1, without leading zeros */
		while (*p && *p != '.') {
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
				return 0;
			if (digits && !isdigit((unsigned char)*p))
				return 0;
			p++;
		}
		if (p == s || (digits && (*s == '0' || p - s > RECORD_MAX_INDEX_DIGITS)))
			return 0;
		if (++depth > RECORD_MAX_DEPTH)
			return 0;
		if (!*p)
			return 1;
		p++;
	}
}

static char **
split_tabs(const char *s, size_t len, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0;
	const char *p = s, *end = s + len;

	for (;;) {
		const char *t = memchr(p, '\t', end - p);
		size_t l = t ? (size_t)(t - p) : (size_t)(end - p);

		v = xrealloc(v, (cnt + 1) * sizeof *v);
		v[cnt] = xmalloc(l + 1);
		memcpy(v[cnt], p, l);
		v[cnt][l] = '\0';
		cnt++;
		if (!t)
			break;
		p = t + 1;
	}
	*n = cnt;
	return v;
}

static int
read_header(struct rdr *r)
{
	if (memchr(r->line.s, '\0', r->line.len))
		return rerr(r, _("header: NUL byte"));
	r->cols = split_tabs(r->line.s, r->line.len, &r->ncols);
	for (size_t i = 0; i < r->ncols; i++) {
		if (!valid_col(r->cols[i]))
			return rerr(r, _("header: column %zu: '%s' is not a field path"), i + 1, r->cols[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->cols[i], r->cols[j]))
				return rerr(r, _("header: column %zu: '%s' given twice"), i + 1, r->cols[i]);
		if (!strcmp(r->cols[i], "id"))
			r->idcol = i;
	}
	return 0;
}

/* The format, from the first line that is not blank. */
static int
detect(struct rdr *r, int for_ids)
{
	int rc;

	while ((rc = getline_bounded(r)) == 1 && blank(r->line.s, r->line.len))
		;
	if (rc == 0)
		return 0;
	if (rc == -2)
		return r->dead = 1, rerr(r, _("read error: %s"), strerror(errno)), -2;
	const char *p = r->line.s;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '{') {
		r->fmt = FMT_JSON;
		/* an over-long first record is refused like any other */
		return rc == -1 ? rerr(r, _("line longer than %d bytes"), RECORD_MAX_LINE) : 1;
	}
	if (rc == -1)
		return r->dead = 1, rerr(r, _("line longer than %d bytes"), RECORD_MAX_LINE), -2;
	if (for_ids && !memchr(r->line.s, '\t', r->line.len) && strcmp(r->line.s, "id")) {
		r->fmt = FMT_LINES;
		return 1;
	}
	r->fmt = FMT_TSV;
	if (read_header(r) < 0)
		return r->dead = 1, -2;
	return 2;	/* the line was the header: read on */
}

static int
valid_utf8(const char *s)
{
	json_t *j = json_string(s);

	if (!j)
		return 0;
	json_decref(j);
	return 1;
}

static json_t *
parse_tsv(struct rdr *r)
{
	size_t n;
	char **v;
	json_t *flat, *rec = NULL;
	struct buf e = { 0 };

	if (memchr(r->line.s, '\0', r->line.len))
		return rerr(r, _("NUL byte in line")), NULL;
	v = split_tabs(r->line.s, r->line.len, &n);
	flat = json_object();
	if (n != r->ncols) {
		rerr(r, _("%zu fields where the header has %zu"), n, r->ncols);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int bad = 0;
		char *val;

		if (!*v[i])
			continue;
		val = tsv_unescape(v[i], strlen(v[i]), &bad);
		if (bad) {
			free(val);
			rerr(r, _("%s: bad escape in TSV value"), r->cols[i]);
			goto out;
		}
		if (!valid_utf8(val)) {
			free(val);
			rerr(r, _("%s: invalid UTF-8"), r->cols[i]);
			goto out;
		}
		json_object_set_new(flat, r->cols[i], json_string(val));
		free(val);
	}
	rec = unflatten(flat, &e);
	if (!rec)
		rerr(r, "%s", e.s);
out:
	buf_free(&e);
	json_decref(flat);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rec;
}

static json_t *
parse_json(struct rdr *r)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(r->line.s, r->line.len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return rerr(r, _("column %d: %s"), je.column, je.text), NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return rerr(r, _("not a JSON object")), NULL;
	}
	return j;
}

/* The next line that is not blank: 1, or 0 at the end, -1 over-long, -2 dead. */
static int
next_line(struct rdr *r)
{
	int rc;

	for (;;) {
		rc = getline_bounded(r);
		if (rc == 0)
			return 0;
		if (rc == -2)
			return r->dead = 1, rerr(r, _("read error: %s"), strerror(errno)), -2;
		if (rc == -1)
			return rerr(r, _("line longer than %d bytes"), RECORD_MAX_LINE);
		if (!blank(r->line.s, r->line.len))
			return 1;
	}
}

int
rdr_next(struct rdr *r, json_t **out)
{
	int rc;

	*out = NULL;
	if (r->dead)
		return 0;
	if (r->fmt == FMT_UNKNOWN) {
		rc = detect(r, 0);
		if (rc <= 0)
			return rc;	/* end, a refused first record, or dead */
		if (rc == 1)
			goto have_line;
	}
	if ((rc = next_line(r)) <= 0)
		return rc;
have_line:
	*out = r->fmt == FMT_JSON ? parse_json(r) : parse_tsv(r);
	return *out ? 1 : -1;
}

static char *
trimmed(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static int
id_from_json(struct rdr *r, json_t *j, char **id)
{
	json_t *v;

	if (!j)
		return -1;
	v = json_object_get(j, "id");
	if (!json_is_string(v)) {
		json_decref(j);
		return rerr(r, _("id: missing or not a string"));
	}
	*id = xstrdup(json_string_value(v));
	json_decref(j);
	return 1;
}

int
rdr_next_id(struct rdr *r, char **id)
{
	int rc;

	*id = NULL;
	if (r->dead)
		return 0;
	if (r->fmt == FMT_UNKNOWN) {
		rc = detect(r, 1);
		if (rc <= 0)
			return rc;	/* end, a refused first record, or dead */
		if (r->fmt == FMT_TSV && r->idcol < 0)
			return r->dead = 1, rerr(r, _("header has no 'id' column")), -2;
		if (rc == 1)
			goto have_line;
	}
	if ((rc = next_line(r)) <= 0)
		return rc;
have_line:
	if (r->fmt == FMT_JSON)
		return id_from_json(r, parse_json(r), id);
	if (memchr(r->line.s, '\0', r->line.len))
		return rerr(r, _("NUL byte in line"));
	if (r->fmt == FMT_TSV) {
		size_t n;
		char **v = split_tabs(r->line.s, r->line.len, &n);

		if (n != r->ncols)
			rc = rerr(r, _("%zu fields where the header has %zu"), n, r->ncols);
		else
			*id = trimmed(v[r->idcol]), rc = 1;
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	*id = trimmed(r->line.s);
	return 1;
}

/* TSV values */
void
tsv_escape(struct buf *b, const char *s)
{
	char o[8];
	size_t run, n;

	while (*s) {
		/* printable ASCII but the backslash goes as it is */
		for (run = 0; s[run] >= 0x20 && s[run] < 0x7f && s[run] != '\\'; run++)
			;
		buf_add(b, s, run);
		s += run;
		if (!*s)
			break;
		if (*s == '\\') {
			buf_add(b, "\\\\", 2);
			s++;
			continue;
		}
		s += text_esc(s, o, &n);
		buf_add(b, o, n);
	}
}

char *
tsv_unescape(const char *s, size_t n, int *bad)
{
	char *o = xmalloc(n + 1), *q = o;

	*bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			*q++ = s[i];
			continue;
		}
		switch (i + 1 < n ? s[++i] : 0) {
		case 't': *q++ = '\t'; break;
		case 'n': *q++ = '\n'; break;
		case 'r': *q++ = '\r'; break;
		case '\\': *q++ = '\\'; break;
		case 'x':
			if (i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
			    isxdigit((unsigned char)s[i + 2]) && (s[i + 1] != '0' || s[i + 2] != '0')) {
				char hex[3] = { s[i + 1], s[i + 2], 0 };

				*q++ = (char)strtol(hex, NULL, 16);
				i += 2;
				break;
			}
			/* fall through */
		default: *bad = 1;
		}
	}
	*q = '\0';
	return o;
}

/* Flattening.  Keys typed other than string in TSV: */
static const char *const bool_keys[] = { "sealed", "no_tripartite", NULL };
static const char *const int_keys[] = { "copies", "size", "qty", "pin_tries", NULL };

static int
in_list(const char *const *l, const char *k)
{
	for (; *l; l++)
		if (!strcmp(*l, k))
			return 1;
	return 0;
}

static void
flatten_into(json_t *flat, const json_t *v, struct buf *key)
{
	size_t klen = key->len, i;
	const char *k;
	json_t *x;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			if (klen)
				buf_add(key, ".", 1);
			buf_puts(key, k);
			flatten_into(flat, x, key);
			key->len = klen;
			key->s[klen] = '\0';
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			buf_printf(key, "%s%zu", klen ? "." : "", i + 1);
			flatten_into(flat, x, key);
			key->len = klen;
			key->s[klen] = '\0';
		}
	} else if (!json_is_null(v) && klen) {
		char *s = rec_scalar(v);

		json_object_set_new(flat, key->s, json_string(s));
		free(s);
	}
}

json_t *
flatten(const json_t *rec)
{
	json_t *flat = json_object();
	struct buf key = { 0 };

	buf_add(&key, "", 0);
	flatten_into(flat, rec, &key);
	buf_free(&key);
	return flat;
}

static json_t *
typed_leaf(const char *name, const char *val, struct buf *err, const char *path)
{
	if (in_list(bool_keys, name)) {
		if (!strcmp(val, "true") || !strcmp(val, "1"))
			return json_true();
		if (!strcmp(val, "false") || !strcmp(val, "0"))
			return json_false();
		buf_printf(err, _("%s: '%s' is not true or false"), path, val);
		return NULL;
	}
	if (in_list(int_keys, name)) {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(val, &end, 10);
		if (errno || *end || end == val) {
			buf_printf(err, _("%s: '%s' is not a whole number"), path, val);
			return NULL;
		}
		return json_integer(n);
	}
	return json_string(val);
}

json_t *
unflatten(const json_t *flat, struct buf *err)
{
	json_t *root = json_object(), *v;
	const char *key;

	json_object_foreach((json_t *)flat, key, v) {
		char *path = xstrdup(key), *save = NULL, *seg, *next;
		json_t *cur = root;
		int ok = 1;

		seg = strtok_r(path, ".", &save);
		while (seg && ok) {
			int isnum = isdigit((unsigned char)*seg);
			long idx = isnum ? strtol(seg, NULL, 10) : 0;
			json_t *child;

			next = strtok_r(NULL, ".", &save);
			if (isnum ? !json_is_array(cur) : !json_is_object(cur)) {
				ok = 0;
				break;
			}
			if (!next) {
				json_t *leaf = typed_leaf(seg, json_string_value(v), err, key);

				if (!leaf) {
					free(path);
					json_decref(root);
					return NULL;
				}
				if (isnum) {
					while ((long)json_array_size(cur) < idx)
						json_array_append_new(cur, json_null());
					json_array_set_new(cur, idx - 1, leaf);
				} else {
					if (json_object_get(cur, seg))
						ok = 0;
					json_object_set_new(cur, seg, leaf);
				}
				break;
			}
			int want_array = isdigit((unsigned char)*next);
			if (isnum) {
				while ((long)json_array_size(cur) < idx)
					json_array_append_new(cur, json_null());
				child = json_array_get(cur, idx - 1);
				if (json_is_null(child)) {
					child = want_array ? json_array() : json_object();
					json_array_set_new(cur, idx - 1, child);
				}
			} else {
				child = json_object_get(cur, seg);
				if (!child) {
					child = want_array ? json_array() : json_object();
					json_object_set_new(cur, seg, child);
				}
			}
			cur = child;
			seg = next;
		}
		free(path);
		if (!ok) {
			buf_printf(err, _("%s: conflicts with another column"), key);
			json_decref(root);
			return NULL;
		}
	}
	/* a gap in an array: holders.2 given but not holders.1 */
	json_t *stack[64];
	const char *names[64];
	int sp = 0;
	stack[sp] = root;
	names[sp++] = "";
	while (sp) {
		json_t *x = stack[--sp], *y;
		const char *nm = names[sp], *k2;
		size_t i;

		if (json_is_object(x)) {
			json_object_foreach(x, k2, y)
				if ((json_is_object(y) || json_is_array(y)) && sp < 64) {
					names[sp] = k2;
					stack[sp++] = y;
				}
		} else if (json_is_array(x)) {
			json_array_foreach(x, i, y) {
				if (json_is_null(y)) {
					buf_printf(err, _("%s.%zu: missing where a later item is given"), nm, i + 1);
					json_decref(root);
					return NULL;
				}
				if ((json_is_object(y) || json_is_array(y)) && sp < 64) {
					names[sp] = nm;
					stack[sp++] = y;
				}
			}
		}
	}
	return root;
}

/* Output */
char *
rec_scalar(const json_t *v)
{
	if (!v || json_is_null(v))
		return xstrdup("");
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.17g", json_real_value(v));
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : xstrdup("");
}

json_t *
rec_path(const json_t *v, const char *dotted)
{
	char *p = xstrdup(dotted), *save = NULL, *seg;
	const json_t *cur = v;

	/* a flat key wins: records built for output use dotted names */
	if (json_is_object(v) && json_object_get(v, dotted)) {
		free(p);
		return json_object_get(v, dotted);
	}
	for (seg = strtok_r(p, ".", &save); seg && cur; seg = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur) && isdigit((unsigned char)*seg))
			cur = json_array_get(cur, strtol(seg, NULL, 10) - 1);
		else if (json_is_object(cur))
			cur = json_object_get(cur, seg);
		else
			cur = NULL;
	}
	free(p);
	return (json_t *)cur;
}

void
out_row(struct out *o, const json_t *rec)
{
	struct buf b = { 0 };

	if (o->json) {
		json_t *obj;

		if (o->cols) {
			obj = json_object();
			for (const char *const *c = o->cols; *c; c++) {
				json_t *v = rec_path(rec, *c);
				json_object_set(obj, *c, v ? v : json_null());
			}
		} else {
			obj = json_incref((json_t *)rec);
		}
		char *s = json_dumps(obj, JSON_COMPACT);
		fprintf(o->fp, "%s\n", s);
		free(s);
		json_decref(obj);
		return;
	}
	if (!o->header_done) {
		for (const char *const *c = o->cols; *c; c++)
			fprintf(o->fp, "%s%s", c == o->cols ? "" : "\t", *c);
		fputc('\n', o->fp);
		o->header_done = 1;
	}
	for (const char *const *c = o->cols; *c; c++) {
		char *s = rec_scalar(rec_path(rec, *c));

		if (c != o->cols)
			buf_add(&b, "\t", 1);
		tsv_escape(&b, s);
		free(s);
	}
	buf_add(&b, "\n", 1);
	fwrite(b.s, 1, b.len, o->fp);
	buf_free(&b);
}
