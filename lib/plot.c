/* plot.c: charts on one A4 page, drawn with cairo (PDF or SVG) and labelled
 * by pango in Noto CJK: grouped bars per day, or lines over the days, each
 * with its legend, then lines of notes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "office.h"

#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 48.0
#define FONT "Noto Sans CJK SC, HanaMinA, HanaMinB"

static const double palette[][3] = {
	{ 0.16, 0.38, 0.67 }, { 0.89, 0.45, 0.13 }, { 0.24, 0.60, 0.31 },
	{ 0.80, 0.20, 0.22 }, { 0.55, 0.40, 0.70 }, { 0.55, 0.34, 0.29 },
	{ 0.85, 0.47, 0.69 }, { 0.45, 0.45, 0.45 }, { 0.70, 0.70, 0.20 },
	{ 0.09, 0.70, 0.75 }, { 0.40, 0.20, 0.10 }, { 0.10, 0.20, 0.40 },
};

static void
text(cairo_t *cr, double x, double y, const char *s, double size, int bold, int align,
    double *w, double *h)
{
	PangoLayout *lo = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(FONT);
	int pw, ph;

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(lo, fd);
	pango_font_description_free(fd);
	pango_layout_set_text(lo, s, -1);
	pango_layout_get_size(lo, &pw, &ph);
	if (w)
		*w = (double)pw / PANGO_SCALE;
	if (h)
		*h = (double)ph / PANGO_SCALE;
	if (align >= 0) {	/* 0 left, 1 centre, 2 right of x */
		cairo_move_to(cr, x - align * (pw / 2.0) / PANGO_SCALE, y);
		pango_cairo_show_layout(cr, lo);
	}
	g_object_unref(lo);
}

/* a round step for about five ticks up to max */
static double
tick_step(double max)
{
	double raw = max / 5, p = pow(10, floor(log10(raw))), m = raw / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void
chart(cairo_t *cr, const struct chart *c, double x0, double y0, double w, double h)
{
	double max = 0, step, top, px, py, pw, ph, tw, th, slot, lx;
	size_t i, s, every;
	char num[32];

	cairo_set_source_rgb(cr, 0, 0, 0);
	text(cr, x0, y0, c->title, 13, 1, 0, NULL, &th);
	for (i = 0; i < c->ns * c->nx; i++)
		if (c->v[i] > max)
			max = c->v[i];
	if (max < 1)
		max = 1;
	step = tick_step(max);
	if (step < 1)
		step = 1;
	top = ceil(max / step) * step;
	px = x0 + 36;
	py = y0 + th + 26;
	pw = w - 36;
	ph = h - (py - y0) - 30;
	/* the legend, above the plot */
	lx = px;
	for (s = 0; s < c->ns; s++) {
		const double *col = palette[s % LEN(palette)];

		cairo_set_source_rgb(cr, col[0], col[1], col[2]);
		cairo_rectangle(cr, lx, py - 16, 9, 9);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		text(cr, lx + 12, py - 19, c->series[s], 8.5, 0, 0, &tw, NULL);
		lx += 12 + tw + 10;
	}
	/* the axes and the grid */
	cairo_set_line_width(cr, 0.5);
	for (double t = 0; t <= top + step / 2; t += step) {
		double y = py + ph - t / top * ph;

		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_move_to(cr, px, y);
		cairo_line_to(cr, px + pw, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		snprintf(num, sizeof num, "%g", t);
		text(cr, px - 4, y - 5, num, 8, 0, 2, NULL, NULL);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 0.8);
	cairo_move_to(cr, px, py);
	cairo_line_to(cr, px, py + ph);
	cairo_line_to(cr, px + pw, py + ph);
	cairo_stroke(cr);
	if (!c->nx)
		return;
	slot = pw / c->nx;
	every = (size_t)ceil(36 / slot);
	if (every < 1)
		every = 1;
	for (i = 0; i < c->nx; i += every)
		text(cr, px + slot * (i + 0.5), py + ph + 4, c->x[i], 7.5, 0, 1, NULL, NULL);
	for (s = 0; s < c->ns; s++) {
		const double *col = palette[s % LEN(palette)];

		cairo_set_source_rgb(cr, col[0], col[1], col[2]);
		if (c->kind == CHART_BARS) {
			double bw = slot * 0.8 / c->ns;

			for (i = 0; i < c->nx; i++) {
				double v = c->v[s * c->nx + i] / top * ph;

				if (v > 0)
					cairo_rectangle(cr, px + slot * (i + 0.1) + s * bw, py + ph - v, bw, v);
			}
			cairo_fill(cr);
		} else {
			cairo_set_line_width(cr, 1.6);
			for (i = 0; i < c->nx; i++) {
				double x = px + slot * (i + 0.5), y = py + ph - c->v[s * c->nx + i] / top * ph;

				if (i == 0)
					cairo_move_to(cr, x, y);
				else
					cairo_line_to(cr, x, y);
			}
			cairo_stroke(cr);
			for (i = 0; i < c->nx && c->nx <= 62; i++) {
				cairo_arc(cr, px + slot * (i + 0.5), py + ph - c->v[s * c->nx + i] / top * ph,
				    1.8, 0, 2 * M_PI);
				cairo_fill(cr);
			}
		}
	}
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
plot_page(FILE *fp, int svg, const char *title, const struct chart *c, size_t n,
    const char *notes, time_t when, char *err, size_t errlen)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	cairo_status_t cs;
	double y = MARGIN, th, ch, w = PAGE_W - 2 * MARGIN, nh = 0;
	char date[32];
	int rc = 0;

	if (svg) {
		sf = cairo_svg_surface_create_for_stream(write_fp, fp, PAGE_W, PAGE_H);
	} else {
		sf = cairo_pdf_surface_create_for_stream(write_fp, fp, PAGE_W, PAGE_H);
		fmt_time(when, date);
		cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, date);
		cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, title);
	}
	cr = cairo_create(sf);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	text(cr, PAGE_W / 2, y, title, 17, 1, 1, NULL, &th);
	y += th + 14;
	if (notes && *notes)
		text(cr, 0, 0, notes, 9, 0, -1, NULL, &nh);
	ch = n ? (PAGE_H - MARGIN - y - nh - 12) / n : 0;
	for (size_t i = 0; i < n; i++, y += ch)
		chart(cr, &c[i], MARGIN, y, w, ch - 10);
	if (notes && *notes) {
		cairo_set_source_rgb(cr, 0, 0, 0);
		text(cr, MARGIN, y + 4, notes, 9, 0, 0, NULL, NULL);
	}
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	if ((cs = cairo_surface_status(sf)) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, _("cairo: %s"), cairo_status_to_string(cs));
		rc = -1;
	}
	cairo_surface_destroy(sf);
	release_fonts();
	return rc;
}
