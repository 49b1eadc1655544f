/* sheet.c: tables as spreadsheets take them and give them back.  Writing:
 * CSV fields through libcsv with formulas guarded (OWASP: a leading
 * apostrophe), and workbooks through libxlsxwriter, every cell a text cell.
 * Reading: CSV and TSV through libcsv, UTF-8 or GB18030 (iconv); xlsx is a
 * zip (libarchive) of XML parts (expat): the workbook names its first sheet,
 * whose cells are numbers, shared strings or inline strings.  expat, not
 * libxml2: a streaming parser is all a sheet needs, and cairo's fontconfig
 * already brings it. */
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <csv.h>
#include <expat.h>
#include <xlsxwriter.h>

#include "office.h"

int
formula_risk(const char *s)
{
	return *s && strchr("=+-@\t\r", *s);
}

int
csv_cell(FILE *fp, const char *s, int first)
{
	char *g = NULL;
	int rc;

	if (!first && fputc(',', fp) == EOF)
		return -1;
	if (formula_risk(s))
		s = g = xasprintf("'%s", s);
	rc = csv_fwrite(fp, s, strlen(s)) < 0 ? -1 : 0;
	free(g);
	return rc;
}

/* --- xlsx out ---------------------------------------------------------- */

/* How wide a spreadsheet shows s: a wide (CJK) character counts two. */
static size_t
text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		unsigned cp = *p, n = 0;

		if (cp >= 0xf0)
			cp &= 0x07, n = 3;
		else if (cp >= 0xe0)
			cp &= 0x0f, n = 2;
		else if (cp >= 0xc0)
			cp &= 0x1f, n = 1;
		for (p++; n && (*p & 0xc0) == 0x80; n--, p++)
			cp = cp << 6 | (*p & 0x3f);
		w += cp >= 0x1100 && !(cp >= 0xd800 && cp < 0xe000) ? 2 : 1;
	}
	return w;
}

int
xlsx_write(const char *path, const char *sheet, const json_t *rows, time_t created,
    char *err, size_t errlen)
{
	lxw_doc_properties props = { .created = created };
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *text, *head;
	lxw_error e = LXW_NO_ERROR;
	size_t r, c, ncols = 0, *width;
	json_t *row, *cell;
	char *tmp;
	int fd;

	json_array_foreach(rows, r, row)
		if (json_array_size(row) > ncols)
			ncols = json_array_size(row);
	if (ncols > LXW_COL_MAX || json_array_size(rows) > LXW_ROW_MAX) {
		snprintf(err, errlen, _("%s: too many rows or columns for a sheet"), path);
		return -1;
	}
	/* made aside and renamed, so that a reader never sees half a file */
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	if (!(wb = workbook_new(tmp))) {
		snprintf(err, errlen, _("%s: libxlsxwriter cannot make a workbook"), path);
		goto fail;
	}
	workbook_set_properties(wb, &props);
	text = workbook_add_format(wb);
	format_set_num_format(text, "@");
	head = workbook_add_format(wb);
	format_set_num_format(head, "@");
	format_set_bold(head);
	ws = workbook_add_worksheet(wb, sheet);
	width = xcalloc(ncols + 1, sizeof *width);
	json_array_foreach(rows, r, row) {
		json_array_foreach(row, c, cell) {
			const char *s = json_string_value(cell);
			size_t w;

			if (!s)
				s = "";
			if ((w = text_width(s)) > width[c])
				width[c] = w;
			if (!e && *s)
				e = worksheet_write_string(ws, r, c, s, r ? text : head);
		}
	}
	for (c = 0; c < ncols && !e; c++)
		e = worksheet_set_column(ws, c, c, width[c] + 2 < 8 ? 8 : width[c] + 2 > 80 ? 80 :
		    width[c] + 2, text);
	free(width);
	worksheet_freeze_panes(ws, 1, 0);
	if (e) {
		snprintf(err, errlen, "%s: %s", path, lxw_strerror(e));
		workbook_close(wb);
		goto fail;
	}
	if ((e = workbook_close(wb))) {
		snprintf(err, errlen, "%s: %s", path, lxw_strerror(e));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return -1;
}

/* --- text in ----------------------------------------------------------- */

struct tparse {
	struct csv_parser csv;
	int tsv;
	long cur, row_line;
	int in_row;
	json_t *cells, *rows;
};

static void
t_field(void *s, size_t n, void *arg)
{
	struct tparse *p = arg;

	if (!p->in_row) {
		p->in_row = 1;
		p->row_line = p->cur;
	}
	json_array_append_new(p->cells, json_stringn_nocheck(s ? s : "", s ? n : 0));
}

/* Is every cell of the row empty? */
static int
empty_row(const json_t *cells)
{
	size_t i;
	json_t *c;

	json_array_foreach(cells, i, c)
		if (json_string_length(c))
			return 0;
	return 1;
}

/* A row with a cell that is not empty joins rows; *cells starts again. */
static void
keep_row(json_t *rows, long at, json_t **cells)
{
	if (empty_row(*cells)) {
		json_array_clear(*cells);
		return;
	}
	json_array_append_new(rows, json_pack("{s:I, s:o}", "at", (json_int_t)at, "cells", *cells));
	*cells = json_array();
}

static void
t_row(int c, void *arg)
{
	struct tparse *p = arg;

	(void)c;
	keep_row(p->rows, p->row_line, &p->cells);
	p->in_row = 0;
}

static int
tsv_space(unsigned char c)
{
	return c == ' ';
}

/* Convert to UTF-8: 0; -1 with the offset of the first byte that is not
 * text in that encoding; -2 when iconv cannot convert from it. */
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
	out->cap = 2 * n + 16;
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

static int
read_text(const char *s, size_t n, json_t *rows, char *err, size_t errlen)
{
	struct tparse p = { .rows = rows };
	struct buf text = { 0 };
	const char *end, *nl;
	size_t bad = 0, bad2 = 0;
	int rc, perr = 0;

	if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3, n -= 3;
	if ((rc = convert("UTF-8", s, n, &text, &bad)) == -1 &&
	    (rc = convert("GB18030", s, n, &text, &bad2)) == -1) {
		snprintf(err, errlen, _("line %ld: neither UTF-8 nor GB18030 text"),
		    line_at(s, bad > bad2 ? bad : bad2));
		buf_free(&text);
		return -1;
	}
	if (rc == -2) {
		snprintf(err, errlen, _("iconv: %s"), strerror(errno));
		buf_free(&text);
		return -1;
	}
	end = text.s + text.len;
	nl = memchr(text.s, '\n', text.len) ?: end;
	p.tsv = memchr(text.s, '\t', nl - text.s) != NULL;
	if (csv_init(&p.csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
		snprintf(err, errlen, _("csv_init: %s"), csv_strerror(CSV_ENOMEM));
		buf_free(&text);
		return -1;
	}
	if (p.tsv) {
		csv_set_delim(&p.csv, '\t');
		csv_set_space_func(&p.csv, tsv_space);
	}
	p.cells = json_array();
	/* a physical line at a time, so that a row knows the line it began on */
	for (s = text.s; s < end; s = nl) {
		for (nl = s; nl < end && *nl != '\n' && !(*nl == '\r' && nl + 1 < end && nl[1] != '\n'); nl++)
			;
		if (nl < end)
			nl++;
		p.cur++;
		if (csv_parse(&p.csv, s, nl - s, t_field, t_row, &p) != (size_t)(nl - s)) {
			perr = 1;
			break;
		}
	}
	if (!perr && csv_fini(&p.csv, t_field, t_row, &p) != 0)
		perr = 2;
	if (perr)
		snprintf(err, errlen, _("line %ld: %s"), perr == 1 ? p.cur : p.row_line,
		    csv_error(&p.csv) != CSV_EPARSE ? csv_strerror(csv_error(&p.csv)) : perr == 1 ?
		    _("a quote inside an unquoted field, or text after a closing quote") :
		    _("a quoted field without its closing quote"));
	csv_free(&p.csv);
	json_decref(p.cells);
	buf_free(&text);
	return perr ? -1 : 0;
}

/* --- xlsx in ----------------------------------------------------------- */

struct part {
	char *name;
	struct buf b;
};

struct zip {
	struct part *p;
	size_t n;
};

static const struct buf *
zip_get(const struct zip *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (!strcmp(z->p[i].name, name))
			return &z->p[i].b;
	return NULL;
}

static void
zip_free(struct zip *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->p[i].name);
		buf_free(&z->p[i].b);
	}
	free(z->p);
}

/* The parts under xl/ (and no more than SHEET_MAX bytes of them in all). */
static int
unzip(const void *data, size_t len, struct zip *z, char *err, size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t total = 0;
	int rc = -1, r;

	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
		goto bad;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		char chunk[65536];
		struct part *p;
		la_ssize_t n;

		if (!name || strncmp(name, "xl/", 3) || archive_entry_filetype(e) != AE_IFREG)
			continue;
		z->p = xrealloc(z->p, (z->n + 1) * sizeof *z->p);
		p = &z->p[z->n++];
		p->name = xstrdup(name);
		memset(&p->b, 0, sizeof p->b);
		buf_add(&p->b, "", 0);
		while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
			if ((total += n) > SHEET_MAX) {
				snprintf(err, errlen, _("the workbook unpacks to more than %u MiB"),
				    SHEET_MAX >> 20);
				goto out;
			}
			buf_add(&p->b, chunk, n);
		}
		if (n < 0)
			goto bad;
	}
	if (r != ARCHIVE_EOF)
		goto bad;
	rc = 0;
	goto out;
bad:
	snprintf(err, errlen, _("not a workbook: %s"), archive_error_string(a) ?
	    archive_error_string(a) : _("unreadable zip"));
out:
	archive_read_free(a);
	return rc;
}

/* an element's or attribute's name without its namespace prefix */
static const char *
local(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static const char *
attr(const char **atts, const char *name, int prefixed)
{
	for (; atts[0]; atts += 2)
		if (!strcmp(local(atts[0]), name) && (!prefixed || strchr(atts[0], ':')))
			return atts[1];
	return NULL;
}

struct xp {
	XML_Parser x;
	int depth_t, in_si, in_rph, in_v, in_is, in_t;
	struct buf text;
	/* workbook and rels */
	char *sheet_rid, *target;
	const char *want_rid;
	/* shared strings */
	json_t *sst;
	/* the sheet */
	json_t *rows, *cells;
	long row_at, nrows;
	long col;
	size_t ncells;		/* cells in all, gaps filled: at most SHEET_CELLS */
	char ctype[16];
	int bad;
	char *err;
	size_t errlen;
};

static void
no_dtd(void *arg, const XML_Char *name, const XML_Char *sys, const XML_Char *pub, int internal)
{
	struct xp *p = arg;

	(void)name, (void)sys, (void)pub, (void)internal;
	snprintf(p->err, p->errlen, _("a document type in the workbook"));
	p->bad = 1;
	XML_StopParser(p->x, XML_FALSE);
}

static void
wb_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xp *p = arg;
	const char *v;

	if (!strcmp(local(name), "sheet") && !p->sheet_rid && (v = attr(atts, "id", 1)))
		p->sheet_rid = xstrdup(v);
	if (!strcmp(local(name), "Relationship") && !p->target && p->want_rid &&
	    (v = attr(atts, "Id", 0)) && !strcmp(v, p->want_rid) && (v = attr(atts, "Target", 0)))
		p->target = xstrdup(v);
}

static void
text_data(void *arg, const XML_Char *s, int len)
{
	struct xp *p = arg;

	if ((p->in_t && !p->in_rph) || p->in_v)
		buf_add(&p->text, s, len);
}

static void
sst_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xp *p = arg;
	const char *l = local(name);

	(void)atts;
	if (!strcmp(l, "si")) {
		p->in_si = 1;
		p->text.len = 0;
		buf_add(&p->text, "", 0);
	} else if (!strcmp(l, "rPh")) {
		p->in_rph = 1;
	} else if (!strcmp(l, "t") && p->in_si) {
		p->in_t = 1;
	}
}

static void
sst_end(void *arg, const XML_Char *name)
{
	struct xp *p = arg;
	const char *l = local(name);

	if (!strcmp(l, "si")) {
		json_array_append_new(p->sst, json_stringn(p->text.s, p->text.len));
		p->in_si = 0;
	} else if (!strcmp(l, "rPh")) {
		p->in_rph = 0;
	} else if (!strcmp(l, "t")) {
		p->in_t = 0;
	}
}

/* "BC12" -> column 54 (from 0); -1 if it is no cell reference */
static long
ref_col(const char *r)
{
	long c = 0;
	int n = 0;

	for (; *r >= 'A' && *r <= 'Z'; r++, n++)
		if ((c = c * 26 + (*r - 'A' + 1)) > LXW_COL_MAX)
			return -1;
	return n && *r >= '0' && *r <= '9' ? c - 1 : -1;
}

static void
sh_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xp *p = arg;
	const char *l = local(name), *v;

	if (!strcmp(l, "row")) {
		v = attr(atts, "r", 0);
		p->row_at = v ? strtol(v, NULL, 10) : p->row_at + 1;
		p->col = -1;
		json_array_clear(p->cells);
	} else if (!strcmp(l, "c")) {
		long c = (v = attr(atts, "r", 0)) ? ref_col(v) : p->col + 1;

		if (c < 0 || c <= p->col) {
			snprintf(p->err, p->errlen, _("row %ld: a cell out of place ('%.20s')"),
			    p->row_at, v ? v : "");
			p->bad = 1;
			XML_StopParser(p->x, XML_FALSE);
			return;
		}
		if ((p->ncells += c - p->col) > SHEET_CELLS) {
			snprintf(p->err, p->errlen, _("row %ld: more than %u cells in the sheet"),
			    p->row_at, SHEET_CELLS);
			p->bad = 1;
			XML_StopParser(p->x, XML_FALSE);
			return;
		}
		while (p->col + 1 < c) {
			json_array_append_new(p->cells, json_string(""));
			p->col++;
		}
		p->col = c;
		snprintf(p->ctype, sizeof p->ctype, "%s", (v = attr(atts, "t", 0)) ? v : "n");
		p->text.len = 0;
		buf_add(&p->text, "", 0);
	} else if (!strcmp(l, "v")) {
		p->in_v = 1;
	} else if (!strcmp(l, "is")) {
		p->in_is = 1;
	} else if (!strcmp(l, "t") && p->in_is) {
		p->in_t = 1;
	} else if (!strcmp(l, "rPh")) {
		p->in_rph = 1;
	}
}

/* A number as the sheet shows it in General format, as far as an
 * identifier goes: whole numbers with every digit. */
static char *
number_text(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (*s && !*end && !errno && d == floor(d) && fabs(d) < 1e17 && strpbrk(s, ".eE"))
		return xasprintf("%.0f", d);
	return xstrdup(s);
}

static void
sh_end(void *arg, const XML_Char *name)
{
	struct xp *p = arg;
	const char *l = local(name);

	if (!strcmp(l, "c")) {
		char *val = NULL;

		if (!strcmp(p->ctype, "s")) {
			const char *s = json_string_value(json_array_get(p->sst,
			    strtol(p->text.s, NULL, 10)));
			val = xstrdup(s ? s : "");
		} else if (!strcmp(p->ctype, "n")) {
			val = number_text(p->text.s);
		} else if (!strcmp(p->ctype, "b")) {
			val = xstrdup(!strcmp(p->text.s, "1") ? "TRUE" : "FALSE");
		} else {	/* inlineStr, str (a formula's text), e, d */
			val = xstrdup(p->text.s);
		}
		json_array_append_new(p->cells, json_string(val));
		free(val);
	} else if (!strcmp(l, "row")) {
		keep_row(p->rows, p->row_at, &p->cells);
	} else if (!strcmp(l, "v")) {
		p->in_v = 0;
	} else if (!strcmp(l, "is")) {
		p->in_is = 0;
	} else if (!strcmp(l, "t")) {
		p->in_t = 0;
	} else if (!strcmp(l, "rPh")) {
		p->in_rph = 0;
	}
}

static int
parse_part(struct xp *p, const char *name, const struct buf *b, XML_StartElementHandler start,
    XML_EndElementHandler end)
{
	int rc = 0;

	p->x = XML_ParserCreate("UTF-8");
	XML_SetUserData(p->x, p);
	XML_SetElementHandler(p->x, start, end);
	XML_SetCharacterDataHandler(p->x, text_data);
	XML_SetStartDoctypeDeclHandler(p->x, no_dtd);
	if (XML_Parse(p->x, b->s, b->len, XML_TRUE) == XML_STATUS_ERROR || p->bad) {
		if (!p->bad)
			snprintf(p->err, p->errlen, "%s:%lu: %s", name,
			    (unsigned long)XML_GetCurrentLineNumber(p->x),
			    XML_ErrorString(XML_GetErrorCode(p->x)));
		rc = -1;
	}
	XML_ParserFree(p->x);
	p->x = NULL;
	return rc;
}

static void
wb_end(void *arg, const XML_Char *name)
{
	(void)arg, (void)name;
}

static int
read_xlsx(const void *data, size_t len, json_t *rows, char *err, size_t errlen)
{
	struct zip z = { 0 };
	struct xp p = { .rows = rows, .err = err, .errlen = errlen };
	const struct buf *b;
	char *sheet = NULL;
	int rc = -1;

	if (unzip(data, len, &z, err, errlen) < 0)
		goto out;
	/* the first sheet: the workbook's first, through its relationships */
	if ((b = zip_get(&z, "xl/workbook.xml")) &&
	    parse_part(&p, "xl/workbook.xml", b, wb_start, wb_end) < 0)
		goto out;
	if (p.sheet_rid && (b = zip_get(&z, "xl/_rels/workbook.xml.rels"))) {
		p.want_rid = p.sheet_rid;
		if (parse_part(&p, "xl/_rels/workbook.xml.rels", b, wb_start, wb_end) < 0)
			goto out;
	}
	if (p.target)
		sheet = *p.target == '/' ? xstrdup(p.target + 1) : xasprintf("xl/%s", p.target);
	else
		sheet = xstrdup("xl/worksheets/sheet1.xml");
	if (!(b = zip_get(&z, sheet))) {
		snprintf(err, errlen, _("not a workbook: no '%s'"), sheet);
		goto out;
	}
	p.sst = json_array();
	if (zip_get(&z, "xl/sharedStrings.xml") &&
	    parse_part(&p, "xl/sharedStrings.xml", zip_get(&z, "xl/sharedStrings.xml"),
	    sst_start, sst_end) < 0)
		goto out;
	p.cells = json_array();
	p.in_t = p.in_rph = 0;
	rc = parse_part(&p, sheet, b, sh_start, sh_end);
out:
	json_decref(p.sst);
	json_decref(p.cells);
	buf_free(&p.text);
	free(p.sheet_rid);
	free(p.target);
	free(sheet);
	zip_free(&z);
	return rc;
}

int
sheet_read(const void *data, size_t len, json_t **rows, int *xlsx, char *err, size_t errlen)
{
	int rc;

	*rows = json_array();
	*xlsx = len >= 4 && !memcmp(data, "PK\3\4", 4);
	rc = *xlsx ? read_xlsx(data, len, *rows, err, errlen) :
	    read_text(data, len, *rows, err, errlen);
	if (rc < 0) {
		json_decref(*rows);
		*rows = NULL;
	}
	return rc;
}
