/* office.h: the office's documents (DESIGN.md section 10): tables as
 * spreadsheets read and write them, the EMS manifest's columns, notices as
 * PDF, the workload's plots.  Functions return 0, or -1 with a message in
 * err, and never print or exit. */
#ifndef EPORT_OFFICE_H
#define EPORT_OFFICE_H

#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "eport.h"

/* sheet.c: tables as spreadsheets take them. */
/* Would a spreadsheet run it as a formula?  It begins with =, +, -, @, tab
 * or CR (OWASP's rule for CSV). */
int formula_risk(const char *);
/* One CSV field, quoted, a formula's first character guarded with a leading
 * apostrophe; a comma before it unless first.  -1 on a write error. */
int csv_cell(FILE *, const char *, int first);
/* A workbook of one sheet (libxlsxwriter) at path: rows is an array of
 * arrays of strings, the first the header (bold, frozen); every cell is a
 * text cell, each column as wide as its widest cell (a CJK character counts
 * two).  created: the workbook's creation time, so that the same rows give
 * the same bytes. */
int xlsx_write(const char *path, const char *sheet, const json_t *rows, time_t created,
    char *err, size_t errlen);
/* A table read back: xlsx (its first sheet: shared strings, inline
 * strings, numbers), or CSV or TSV text (a tab in the first line), UTF-8 (a
 * BOM tolerated) or GB18030.  *rows: [{"at": N, "cells": ["..", ...]}], N
 * the line of the text or the row of the sheet; rows of empty cells left
 * out.  *xlsx: 1 when it was a workbook. */
#define SHEET_MAX (64u << 20)	/* a sheet, unpacked */
#define SHEET_CELLS (1u << 21)	/* cells of a sheet, the gaps between them too */
int sheet_read(const void *, size_t, json_t **rows, int *xlsx, char *err, size_t errlen);

/* manifest.c: the EMS manifest's columns (share/eport/manifest.tsv:
 * `column header value`).  value: a field of the case (mail.phone), a
 * setting (config:ship.sender-name), ship:contents (what the parcel holds),
 * ship:date (the manifest's day), or a fixed text in double quotes ("1"). */
struct mcol {
	char *column, *header, *value;
};
struct manifest_cols {
	struct mcol *c;
	size_t n;
	const char **names;	/* the columns' names, NULL-terminated: struct out's cols */
};
int manifest_cols_load(struct manifest_cols *, const char *home, char *err, size_t errlen);
void manifest_cols_free(struct manifest_cols *);
const char *manifest_header(const struct manifest_cols *, const char *column);	/* or NULL */
/* The value of column c for a case; get(arg, what) answers config:KEY and
 * ship:WHAT (a new string, or NULL for ""). */
char *manifest_value(const struct mcol *, const json_t *kase,
    char *(*get)(void *arg, const char *what), void *arg);

/* notice-pdf.c: a notice as one A4 page of PDF (cairo, pango, libqrencode).
 * lines: the notice's lines (notice_lines, the words its text has); qr:
 * what the QR code carries (the case id), or NULL; when: the PDF's creation
 * time, so that the same notice at the same time is the same bytes. */
struct notice {
	const json_t *lines;
	const char *qr;
	time_t when;
};
int notice_pdf(const struct notice *, FILE *, char *err, size_t errlen);

/* plot.c: charts on one A4 page of PDF or SVG (cairo), labelled in Chinese
 * (pango): per x (a day), grouped bars or lines of ns series. */
enum { CHART_BARS, CHART_LINES };
struct chart {
	const char *title;
	int kind;
	size_t nx, ns;
	const char *const *x;		/* nx labels */
	const char *const *series;	/* ns names, the legend */
	const double *v;		/* series by series: v[s * nx + i] */
};
/* the charts one above the other, then the notes (lines of text); a PDF
 * made at when (its dates), so that the same report gives the same bytes */
int plot_page(FILE *, int svg, const char *title, const struct chart *, size_t n,
    const char *notes, time_t when, char *err, size_t errlen);

#endif
