/* notice-pdf.c: a notice (the collection notice 领卡通知书, the bounce notice) as
 * one A4 page of PDF, drawn with cairo and laid out by pango in Noto CJK,
 * with a QR code of the case id made by libqrencode.  It takes the notice's
 * lines (notice.c), the words the text notice prints, so the text and the
 * page never differ:
 *   title                    large and centred
 *   field                    LABEL：TEXT, the labels in a column of their own
 *   item                     an item of a list
 *   seal                     a note set to the right, room above it for the seal
 *   gap                      a gap
 *   heading, text            a paragraph
 * Text too long for the page is set smaller until it fits on one. */
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "office.h"

#define PAGE_W 595.28		/* A4 in points */
#define PAGE_H 841.89
#define MARGIN 64.0
#define QR_SIZE 84.0
/* Noto CJK first; HanaMin for the characters beyond it (CJK extension B
 * and on, 𠀀), from Debian's fonts-hanazono */
#define FONTS "Noto Sans CJK SC, Noto Serif CJK SC, HanaMinA, HanaMinB"

enum { L_TITLE, L_FIELD, L_ITEM, L_NOTE, L_GAP, L_PARA };

struct nline {
	int kind;
	char *label, *text;
};

/* The notice's lines (notice.c) as the page sets them. */
static void
from_lines(const json_t *lines, struct nline **out, size_t *n)
{
	static const struct {
		const char *kind;
		int k;
	} kinds[] = {
		{ "title", L_TITLE }, { "field", L_FIELD }, { "item", L_ITEM },
		{ "seal", L_NOTE }, { "gap", L_GAP },
	};
	size_t i, j;
	json_t *l;

	*n = json_array_size(lines);
	*out = xcalloc(*n + 1, sizeof **out);
	json_array_foreach(lines, i, l) {
		const char *kind = jstr(l, "kind");

		(*out)[i].kind = L_PARA;
		for (j = 0; j < LEN(kinds); j++)
			if (!strcmp(kind, kinds[j].kind))
				(*out)[i].kind = kinds[j].k;
		if ((*out)[i].kind == L_FIELD)
			(*out)[i].label = xasprintf("%s：", jstr(l, "label"));
		(*out)[i].text = xasprintf(strcmp(kind, "heading") ? "%s" : "%s：", jstr(l, "text"));
	}
}

static PangoLayout *
layout(cairo_t *cr, const char *text, double size, int bold, double width)
{
	PangoLayout *lo = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(FONTS);

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(lo, fd);
	pango_font_description_free(fd);
	if (width > 0) {
		pango_layout_set_width(lo, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(lo, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_text(lo, text, -1);
	return lo;
}

static double
height(PangoLayout *lo)
{
	int w, h;

	pango_layout_get_size(lo, &w, &h);
	return (double)h / PANGO_SCALE;
}

static double
width(PangoLayout *lo)
{
	int w, h;

	pango_layout_get_size(lo, &w, &h);
	return (double)w / PANGO_SCALE;
}

/* Set the lines at base size; draw only if draw.  The height they take. */
static double
set_lines(cairo_t *cr, const struct nline *l, size_t n, double base, int draw)
{
	double x = MARGIN, w = PAGE_W - 2 * MARGIN, y = MARGIN, labw = 0, lead = base * 0.55;
	PangoLayout *lo;
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i].kind == L_FIELD) {
			lo = layout(cr, l[i].label, base, 1, 0);
			if (width(lo) > labw)
				labw = width(lo);
			g_object_unref(lo);
		}
	if (labw > w / 2)
		labw = w / 2;
	for (i = 0; i < n; i++) {
		double h = 0;

		switch (l[i].kind) {
		case L_TITLE:
			lo = layout(cr, l[i].text, base * 2, 1, w - 2 * (QR_SIZE + 8));
			pango_layout_set_alignment(lo, PANGO_ALIGN_CENTER);
			if (draw) {
				cairo_move_to(cr, x + QR_SIZE + 8, y + 12);
				pango_cairo_show_layout(cr, lo);
			}
			h = height(lo) + 12;
			if (h < QR_SIZE + base * 1.6)
				h = QR_SIZE + base * 1.6;
			g_object_unref(lo);
			break;
		case L_GAP:
			h = base * 0.7;
			break;
		case L_FIELD:
			lo = layout(cr, l[i].label, base, 1, 0);
			if (draw) {
				cairo_move_to(cr, x, y);
				pango_cairo_show_layout(cr, lo);
			}
			g_object_unref(lo);
			lo = layout(cr, l[i].text, base, 0, w - labw - base);
			if (draw) {
				cairo_move_to(cr, x + labw + base * 0.5, y);
				pango_cairo_show_layout(cr, lo);
			}
			h = height(lo) + lead;
			g_object_unref(lo);
			break;
		case L_ITEM:
			lo = layout(cr, l[i].text, base, 0, w - 2 * base);
			if (draw) {
				cairo_move_to(cr, x + 2 * base, y);
				pango_cairo_show_layout(cr, lo);
			}
			h = height(lo) + lead;
			g_object_unref(lo);
			break;
		case L_NOTE:
			y += base * 3;	/* room for the seal */
			lo = layout(cr, l[i].text, base, 0, w);
			pango_layout_set_alignment(lo, PANGO_ALIGN_RIGHT);
			if (draw) {
				cairo_move_to(cr, x, y);
				pango_cairo_show_layout(cr, lo);
			}
			h = height(lo) + lead;
			g_object_unref(lo);
			break;
		default:
			lo = layout(cr, l[i].text, base, 0, w);
			if (draw) {
				cairo_move_to(cr, x, y);
				pango_cairo_show_layout(cr, lo);
			}
			h = height(lo) + lead;
			g_object_unref(lo);
		}
		y += h;
	}
	return y - MARGIN;
}

/* The QR code of s at the top right, s written under it. */
static int
draw_qr(cairo_t *cr, const char *s, double base)
{
	QRcode *q = QRcode_encodeString(s, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	double x0 = PAGE_W - MARGIN - QR_SIZE, y0 = MARGIN, m;
	PangoLayout *lo;

	if (!q)
		return -1;
	m = QR_SIZE / (q->width + 8);	/* a quiet zone of four modules */
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int r = 0; r < q->width; r++)
		for (int c = 0; c < q->width; c++)
			if (q->data[r * q->width + c] & 1)
				cairo_rectangle(cr, x0 + (c + 4) * m, y0 + (r + 4) * m, m, m);
	cairo_fill(cr);
	QRcode_free(q);
	lo = layout(cr, s, base * 0.75, 0, QR_SIZE);
	pango_layout_set_alignment(lo, PANGO_ALIGN_CENTER);
	cairo_move_to(cr, x0, y0 + QR_SIZE);
	pango_cairo_show_layout(cr, lo);
	g_object_unref(lo);
	return 0;
}

/* What pango, cairo and fontconfig keep for the next page, given back: a
 * command draws one, and a leak checker sees the rest as lost. */
static void
release_fonts(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}

static cairo_status_t
write_fp(void *fp, const unsigned char *p, unsigned n)
{
	return fwrite(p, 1, n, fp) == n ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int
notice_pdf(const struct notice *nt, FILE *fp, char *err, size_t errlen)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	cairo_status_t cs;
	struct nline *l;
	char date[32];
	double base = 12;
	size_t n, i;
	int rc = 0;

	sf = cairo_pdf_surface_create_for_stream(write_fp, fp, PAGE_W, PAGE_H);
	/* the same notice made at the same time gives the same bytes */
	fmt_time(nt->when, date);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, date);
	from_lines(nt->lines, &l, &n);
	if (n && l[0].kind == L_TITLE)
		cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, l[0].text);
	cr = cairo_create(sf);
	while (base > 7 && set_lines(cr, l, n, base, 0) > PAGE_H - 2 * MARGIN)
		base -= 0.5;
	cairo_set_source_rgb(cr, 0, 0, 0);
	set_lines(cr, l, n, base, 1);
	if (nt->qr && *nt->qr && draw_qr(cr, nt->qr, base) < 0) {
		snprintf(err, errlen, _("libqrencode: cannot encode '%s'"), nt->qr);
		rc = -1;
	}
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	if ((cs = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS && !rc) {
		snprintf(err, errlen, _("cairo: %s"), cairo_status_to_string(cs));
		rc = -1;
	}
	cairo_surface_destroy(sf);
	release_fonts();
	for (i = 0; i < n; i++) {
		free(l[i].label);
		free(l[i].text);
	}
	free(l);
	return rc;
}
