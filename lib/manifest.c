/* manifest.c: the columns of the EMS manifest, manifest.tsv of share/eport,
 * or of /etc/eport or the store, which replaces it (layer_path), so that the
 * office matches EMS's batch template without a rebuild.  Each line: the
 * column's name (TSV, -j), its header (CSV, xlsx, and what eport-ship mark
 * finds it by) and its value. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "office.h"

static int
value_ok(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		return 1;
	if (!strncmp(v, "config:", 7))
		return v[7] != '\0';
	if (!strncmp(v, "ship:", 5))
		return !strcmp(v + 5, "contents") || !strcmp(v + 5, "date");
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			return 0;
	return n && *v != '.' && v[n - 1] != '.' && !strstr(v, "..");
}

static int
name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* one column of the manifest */
static int
col_row(void *arg, char **f, char *err, size_t errlen)
{
	struct manifest_cols *m = arg;

	if (!name_ok(f[0])) {
		snprintf(err, errlen, _("column '%s': not a name (a-z, 0-9, _)"), f[0]);
		return -1;
	}
	if (manifest_header(m, f[0]) || !*f[1]) {
		snprintf(err, errlen, *f[1] ? _("column '%s' twice") : _("column '%s': no header"),
		    f[0]);
		return -1;
	}
	if (!value_ok(f[2])) {
		snprintf(err, errlen, _("value '%s': not a field, config:KEY, ship:contents, "
		    "ship:date or \"text\""), f[2]);
		return -1;
	}
	m->c = xrealloc(m->c, (m->n + 1) * sizeof *m->c);
	m->c[m->n].column = xstrdup(f[0]);
	m->c[m->n].header = xstrdup(f[1]);
	m->c[m->n].value = xstrdup(f[2]);
	m->n++;
	return 0;
}

/* The file of the last layer that has one, whole: an office following
 * EMS's template lists every column, in its order. */
int
manifest_cols_load(struct manifest_cols *m, const char *home, char *err, size_t errlen)
{
	static const char *const cols[] = { "column", "header", "value" };
	struct tsv t = { .cols = cols, .ncols = LEN(cols), .fixed = TSV_HEADER, .min_fields = 3,
		.shape = N_("not three fields: column, header, value"),
		.header_msg = N_("the header is not 'column header value'"),
		.fn = col_row, .arg = m };
	char *path = layer_path(home, "manifest.tsv");
	int rc = -1;

	memset(m, 0, sizeof *m);
	if (tsv_load(path, &t, NULL, err, errlen) < 0)
		goto out;
	if (!manifest_header(m, "id")) {
		snprintf(err, errlen, _("%s: no 'id' column: eport-ship mark finds the cases by it"), path);
		goto out;
	}
	m->names = xcalloc(m->n + 1, sizeof *m->names);
	for (size_t i = 0; i < m->n; i++)
		m->names[i] = m->c[i].column;
	rc = 0;
out:
	if (rc < 0)
		manifest_cols_free(m);
	free(path);
	return rc;
}

void
manifest_cols_free(struct manifest_cols *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->c[i].column);
		free(m->c[i].header);
		free(m->c[i].value);
	}
	free(m->c);
	free(m->names);
	memset(m, 0, sizeof *m);
}

const char *
manifest_header(const struct manifest_cols *m, const char *column)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->c[i].column, column))
			return m->c[i].header;
	return NULL;
}

char *
manifest_value(const struct mcol *c, const json_t *kase,
    char *(*get)(void *arg, const char *what), void *arg)
{
	const char *v = c->value;
	size_t n = strlen(v);
	char *s;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		return xasprintf("%.*s", (int)(n - 2), v + 1);
	if (!strncmp(v, "config:", 7) || !strncmp(v, "ship:", 5))
		return (s = get(arg, v)) ? s : xstrdup("");
	return rec_scalar(rec_path(kase, v));
}
