/* order.c: the security-product sales platform's order export, one row per
 * order line, into order records (the shape struct check_env documents).
 * CSV or TSV, told apart by the header line; UTF-8 (a BOM tolerated) or, when
 * the bytes are not UTF-8, GB18030, converted with iconv(3); quoting as Excel
 * writes it, parsed by libcsv.  Columns are found by their header, Chinese or
 * English, in any order. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "eport.h"

const char *const order_statuses[] = {
	"待支付", "待认证", "待开票", "待提货", "待退款", "完成", NULL
};

enum {
	C_ORDER, C_TIME, C_STATUS, C_OFFICE, C_PICKUP, C_PRODUCT, C_QTY, C_AMOUNT,
	C_INVOICE, C_TAXPAYER, C_RECIPIENT, C_PHONE, C_ADDRESS, C_N
};
enum { LINE_COL = 1, REQUIRED = 2 };	/* a column of the line, not the order */
static const struct column {
	const char *key, *zh;
	int flags;
} columns[C_N] = {
	[C_ORDER] = { "order", "订单号", REQUIRED },
	[C_TIME] = { "time", "订单时间", 0 },
	[C_STATUS] = { "status", "订单状态", REQUIRED },
	[C_OFFICE] = { "office", "关区", REQUIRED },
	[C_PICKUP] = { "pickup", "取货方式", REQUIRED },
	[C_PRODUCT] = { "product", "商品", LINE_COL | REQUIRED },
	[C_QTY] = { "qty", "数量", LINE_COL | REQUIRED },
	[C_AMOUNT] = { "amount", "金额", LINE_COL },
	[C_INVOICE] = { "invoice_title", "发票抬头", 0 },
	[C_TAXPAYER] = { "taxpayer_id", "纳税人识别号", 0 },
	[C_RECIPIENT] = { "recipient", "签收人姓名", 0 },
	[C_PHONE] = { "phone", "签收人手机号", 0 },
	[C_ADDRESS] = { "address", "收货地址", 0 },
};

/* An order being put together from its rows. */
struct pending {
	json_t *order;
	long line[C_N];		/* where each order-level value came from */
	int bad;
};

struct parse {
	struct csv_parser csv;
	int tsv;
	long cur, row_line;	/* the physical line fed; the one the row began on */
	int in_row;
	char **f;		/* the fields of the row so far */
	size_t nf, capf;
	int header_done, fatal;
	int col[C_N];		/* field index of each column, -1 if absent */
	struct pending *p;
	size_t np, capp;
	json_t *index;		/* order number -> index in p */
	json_t *refused;
};

int
order_status_valid(const char *s)
{
	for (const char *const *t = order_statuses; *t; t++)
		if (!strcmp(s, *t))
			return 1;
	return 0;
}

static void
refusal(struct parse *ps, long line, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
refusal(struct parse *ps, long line, const char *column, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintfn(NULL, fmt, ap);
	va_end(ap);
	json_array_append_new(ps->refused, json_pack("{s:I, s:s, s:s}", "line",
	    (json_int_t)line, "column", column ? column : "", "message", msg));
	free(msg);
}

/* a value with the white space around it gone */
static char *
trimmed(const char *s)
{
	size_t n;
	char *t;

	while (*s && strchr(" \t\r\n", *s))
		s++;
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	t = xmalloc(n + 1);
	memcpy(t, s, n);
	t[n] = '\0';
	return t;
}

static const char *
field(struct parse *ps, int c)
{
	int i = ps->col[c];

	return i >= 0 && (size_t)i < ps->nf ? ps->f[i] : "";
}

static void
header(struct parse *ps)
{
	for (int c = 0; c < C_N; c++)
		ps->col[c] = -1;
	for (size_t i = 0; i < ps->nf; i++) {
		for (int c = 0; c < C_N; c++) {
			if (strcmp(ps->f[i], columns[c].zh) && strcasecmp(ps->f[i], columns[c].key))
				continue;
			if (ps->col[c] >= 0) {
				refusal(ps, ps->row_line, columns[c].key, _("two columns: '%s' and '%s'"),
				    ps->f[ps->col[c]], ps->f[i]);
				ps->fatal = 1;
			}
			ps->col[c] = i;
		}
	}
	for (int c = 0; c < C_N; c++)
		if ((columns[c].flags & REQUIRED) && ps->col[c] < 0) {
			refusal(ps, ps->row_line, columns[c].key, _("no such column (%s or %s)"),
			    columns[c].zh, columns[c].key);
			ps->fatal = 1;
		}
}

/* qty: a positive whole number */
static long
quantity(const char *s)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (*end || errno || n <= 0)
		return -1;
	return n;
}

static struct pending *
pending_for(struct parse *ps, const char *num)
{
	json_t *at = json_object_get(ps->index, num);
	struct pending *p;

	if (at)
		return &ps->p[json_integer_value(at)];
	if (ps->np == ps->capp) {
		ps->capp = ps->capp ? ps->capp * 2 : 16;
		ps->p = xrealloc(ps->p, ps->capp * sizeof *ps->p);
	}
	p = &ps->p[ps->np];
	memset(p, 0, sizeof *p);
	/* a member for each column the export has, so that an update keeps
	 * what an export without the column says nothing about */
	p->order = json_pack("{s:s}", "order", num);
	for (int c = 0; c < C_N; c++) {
		if (c == C_PRODUCT)
			json_object_set_new(p->order, "lines", json_array());
		if (c != C_ORDER && !(columns[c].flags & LINE_COL) && ps->col[c] >= 0)
			json_object_set_new(p->order, columns[c].key, json_string(""));
	}
	json_object_set_new(ps->index, num, json_integer(ps->np));
	return &ps->p[ps->np++];
}

static void
row(struct parse *ps)
{
	const char *num = field(ps, C_ORDER), *v, *have;
	json_t *ol;
	struct pending *p;
	long line = ps->row_line, q = 0;
	size_t before = json_array_size(ps->refused);

	if (!*num) {
		refusal(ps, line, "order", _("empty"));
		return;
	}
	if (!order_number_valid(num)) {
		refusal(ps, line, "order", _("'%s': not a sales-platform order number (NF, "
		    "the 14-digit time, 3 digits)"), num);
		return;
	}
	p = pending_for(ps, num);
	/* the order's own columns: repeated on each of its rows, or left empty
	 * after the first; never two different values */
	for (int c = 0; c < C_N; c++) {
		if (c == C_ORDER || (columns[c].flags & LINE_COL))
			continue;
		v = field(ps, c);
		have = jstr(p->order, columns[c].key);
		if (!*v) {
			if ((columns[c].flags & REQUIRED) && !*have)
				refusal(ps, line, columns[c].key, _("empty"));
		} else if (c == C_STATUS && !order_status_valid(v)) {
			refusal(ps, line, "status", _("'%s': not an order status (待支付, 待认证, "
			    "待开票, 待提货, 待退款 or 完成)"), v);
		} else if (*have && strcmp(have, v)) {
			refusal(ps, line, columns[c].key, _("'%s', but line %ld of the same order "
			    "says '%s'"), v, p->line[c], have);
		}
	}
	if (!*field(ps, C_PRODUCT))
		refusal(ps, line, "product", _("empty"));
	v = field(ps, C_QTY);
	if (!*v)
		refusal(ps, line, "qty", _("empty"));
	else if ((q = quantity(v)) < 0)
		refusal(ps, line, "qty", _("'%s': not a positive whole number"), v);
	if (json_array_size(ps->refused) > before) {
		p->bad = 1;
		return;
	}
	for (int c = 0; c < C_N; c++) {
		if (c == C_ORDER || (columns[c].flags & LINE_COL) || !*(v = field(ps, c)) ||
		    *jstr(p->order, columns[c].key))
			continue;
		json_object_set_new(p->order, columns[c].key, json_string(v));
		p->line[c] = line;
	}
	ol = json_pack("{s:s, s:I}", "product", field(ps, C_PRODUCT), "qty", (json_int_t)q);
	if (ps->col[C_AMOUNT] >= 0)
		json_object_set_new(ol, "amount", json_string(field(ps, C_AMOUNT)));
	json_array_append_new(json_object_get(p->order, "lines"), ol);
}

static void
end_field(void *s, size_t n, void *arg)
{
	struct parse *ps = arg;

	(void)n;
	if (!ps->in_row) {
		ps->in_row = 1;
		ps->row_line = ps->cur;
	}
	if (ps->nf == ps->capf) {
		ps->capf = ps->capf ? ps->capf * 2 : 16;
		ps->f = xrealloc(ps->f, ps->capf * sizeof *ps->f);
	}
	ps->f[ps->nf++] = trimmed(s ? s : "");
}

static void
end_row(int c, void *arg)
{
	struct parse *ps = arg;
	size_t i;

	(void)c;
	for (i = 0; i < ps->nf && !*ps->f[i]; i++)
		;
	if (ps->fatal || i == ps->nf) {		/* a row of empty cells */
		;
	} else if (!ps->header_done) {
		header(ps);
		ps->header_done = 1;
	} else {
		row(ps);
	}
	for (i = 0; i < ps->nf; i++)
		free(ps->f[i]);
	ps->nf = 0;
	ps->in_row = 0;
}

static int
tsv_space(unsigned char c)
{
	return c == ' ';
}

/* a line that libcsv passes over without a row */
static int
blank(const struct parse *ps, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '\r' || s[i] == '\n' || s[i] == ' ' || (!ps->tsv && s[i] == '\t')))
			return 0;
	return 1;
}

/* Convert to UTF-8 with iconv(3): 0; -1 with the offset of the first byte
 * that is not text in that encoding; -2 when iconv cannot convert from it. */
static int
convert(const char *from, const char *s, size_t n, struct buf *out, size_t *bad)
{
	iconv_t cd = iconv_open("UTF-8", from);
	char *in = (char *)s, *o;
	size_t inleft = n, outleft;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return -2;
	out->len = 0;
	out->cap = 2 * n + 16;		/* GB18030 to UTF-8 grows by at most half */
	out->s = xrealloc(out->s, out->cap);
	while (inleft) {
		o = out->s + out->len;
		outleft = out->cap - out->len - 1;
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1) {
			out->len = o - out->s;
			break;
		}
		out->len = o - out->s;
		if (errno != E2BIG) {
			*bad = in - s;
			rc = -1;
			break;
		}
		out->cap *= 2;
		out->s = xrealloc(out->s, out->cap);
	}
	out->s[out->len] = '\0';
	iconv_close(cd);
	return rc;
}

static long
line_at(const char *s, size_t off)
{
	long line = 1;

	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n';
	return line;
}

/* The text as UTF-8 in out, its BOM gone: 0; -1 with a refusal; -2. */
static int
decode(struct parse *ps, const char *s, size_t n, struct buf *out)
{
	size_t bad, bad2;
	int rc;

	if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3, n -= 3;
	if ((rc = convert("UTF-8", s, n, out, &bad)) == 0)
		return 0;
	if (rc == -2 || (rc = convert("GB18030", s, n, out, &bad2)) == -2) {
		refusal(ps, 0, NULL, _("iconv: %s"), strerror(errno));
		return -2;
	}
	if (rc < 0) {
		refusal(ps, line_at(s, bad > bad2 ? bad : bad2), NULL,
		    _("neither UTF-8 nor GB18030 text"));
		return -1;
	}
	if (out->len >= 3 && !memcmp(out->s, "\xEF\xBB\xBF", 3)) {
		memmove(out->s, out->s + 3, out->len - 3 + 1);
		out->len -= 3;
	}
	return 0;
}

int
order_parse(const void *data, size_t len, json_t **orders, json_t **refused)
{
	struct parse ps = { 0 };
	struct buf text = { 0 };
	const char *s, *end, *nl;
	size_t i;
	int rc, perr = 0;

	ps.index = json_object();
	ps.refused = json_array();
	*orders = json_array();
	*refused = ps.refused;
	if ((rc = decode(&ps, data, len, &text)) < 0)
		goto out;
	end = text.s + text.len;
	/* the header line, the first that is not blank, tells TSV from CSV */
	for (s = text.s; s < end; s = nl + 1) {
		nl = memchr(s, '\n', end - s) ?: end;
		if (!blank(&ps, s, nl - s)) {
			ps.tsv = memchr(s, '\t', nl - s) != NULL;
			break;
		}
	}
	if (csv_init(&ps.csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
		refusal(&ps, 0, NULL, _("csv_init: %s"), csv_strerror(CSV_ENOMEM));
		rc = -2;
		goto out;
	}
	if (ps.tsv) {
		csv_set_delim(&ps.csv, '\t');
		csv_set_space_func(&ps.csv, tsv_space);
	}
	/* one physical line at a time (LF, CR LF or CR), so that a row knows
	 * the line it began on */
	for (s = text.s; s < end && !ps.fatal; s = nl) {
		for (nl = s; nl < end && *nl != '\n' && !(*nl == '\r' && nl + 1 < end && nl[1] != '\n'); nl++)
			;
		if (nl < end)
			nl++;
		ps.cur++;
		if (!ps.in_row && !blank(&ps, s, nl - s)) {
			ps.in_row = 1;
			ps.row_line = ps.cur;
		}
		if (csv_parse(&ps.csv, s, nl - s, end_field, end_row, &ps) != (size_t)(nl - s)) {
			perr = 1;
			break;
		}
	}
	if (!perr && !ps.fatal && csv_fini(&ps.csv, end_field, end_row, &ps) != 0)
		perr = 2;
	if (perr && csv_error(&ps.csv) != CSV_EPARSE) {
		refusal(&ps, 0, NULL, _("libcsv: %s"), csv_strerror(csv_error(&ps.csv)));
		rc = -2;
	} else if (perr) {
		refusal(&ps, perr == 1 ? ps.cur : ps.row_line, NULL, perr == 1 ?
		    _("a quote inside an unquoted field, or text after a closing quote") :
		    _("a quoted field without its closing quote"));
		ps.fatal = 1;
	} else if (!ps.fatal && !ps.header_done) {
		refusal(&ps, 1, NULL, _("no header line"));
		ps.fatal = 1;
	}
	csv_free(&ps.csv);
	for (i = 0; i < ps.nf; i++)
		free(ps.f[i]);
	if (ps.fatal)
		rc = -1;
	if (rc)
		goto out;
	for (i = 0; i < ps.np; i++)
		if (!ps.p[i].bad)
			json_array_append(*orders, ps.p[i].order);
out:
	for (i = 0; i < ps.np; i++)
		json_decref(ps.p[i].order);
	free(ps.p);
	free(ps.f);
	json_decref(ps.index);
	buf_free(&text);
	return rc;
}

char *
order_products(const json_t *order)
{
	struct buf b = { 0 };
	const json_t *line;
	size_t i;

	buf_add(&b, "", 0);
	json_array_foreach(json_object_get(order, "lines"), i, line)
		buf_printf(&b, "%s%sx%" JSON_INTEGER_FORMAT, i ? "," : "", jstr(line, "product"),
		    json_integer_value(json_object_get(line, "qty")));
	return b.s;
}
