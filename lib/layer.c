/* layer.c: the office's data files in layers (DESIGN.md section 11): the
 * defaults in share/eport, then the system's /etc/eport, then the store's
 * own $EPORT_HOME, so that a reinstall never overwrites the office's edit.
 * A file is taken whole from the last layer that has it (layer_path: the
 * manifest's columns), or read from every layer in turn, later lines
 * extending and overriding earlier ones (layers_load: the rulebook, the
 * kinds, the holidays); the configuration is git-config's layering
 * (config.c).  One reader for the TSV of all of them (tsv_load). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"		/* the Makefile's, whatever the PREFIX */
#endif

#define TSV_MAX_FILE (4 << 20)	/* a holidays file of many years */
#define TSV_MAX_FIELDS 32

/* EPORT_SYSCONFDIR is for the tests, which run as root: for any other login
 * it would let the login name a file of its choosing.  Here, not in ident.c,
 * so that reading the rulebook (eport-web's status names) does not bring
 * libgit2 in. */
const char *
eport_sysconf(void)
{
	const char *s = getenv("EPORT_SYSCONFDIR");

	return s && *s && getuid() == 0 ? s : SYSCONFDIR "/eport";
}

size_t
layer_dirs(const char *home, const char *dir[LAYERS_MAX])
{
	size_t n = 0;

	dir[n++] = eport_share();
	dir[n++] = eport_sysconf();
	if (home)
		dir[n++] = home;
	return n;
}

char *
layer_path(const char *home, const char *name)
{
	const char *dir[LAYERS_MAX];
	size_t n = layer_dirs(home, dir);
	char *p;

	while (n-- > 1) {
		p = xasprintf("%s/%s", dir[n], name);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return share_path(name);
}

/* "path:line: " in err; the rest of err for the message: where it starts */
static char *
at(char *err, size_t errlen, const char *path, long line, size_t *left)
{
	int n = snprintf(err, errlen, "%s:%ld: ", path, line);

	if (n < 0 || (size_t)n >= errlen)
		n = errlen ? errlen - 1 : 0;
	*left = errlen - n;
	return err + n;
}

/* the fields of line, split at tabs, in f; their number */
static size_t
fields(char *line, char **f)
{
	size_t n = 0;

	for (char *p = line; n < TSV_MAX_FIELDS; p++) {
		f[n++] = p;
		if (!(p = strchr(p, '\t')))
			break;
		*p = '\0';
	}
	return n;
}

/* a line that may be the header of a file of fixed columns: it starts with
 * the name of the first */
static int
is_header(char **f, size_t nf, const struct tsv *t)
{
	return nf && !strcmp(f[0], t->cols[0]);
}

int
tsv_parse(const char *path, char *text, const struct tsv *t, char *err, size_t errlen)
{
	int idx[TSV_MAX_FIELDS], have_header = 0;
	char *line, *next, *f[TSV_MAX_FIELDS], *vals[TSV_MAX_FIELDS], *e;
	long lineno = 0;
	size_t nf, n, left;

	for (line = text; line && *line; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n || *line == '#')
			continue;
		nf = fields(line, f);
		if (t->fixed) {
			if (nf < t->min_fields || nf > t->ncols) {
				e = at(err, errlen, path, lineno, &left);
				snprintf(e, left, "%s", _(t->shape));
				return -1;
			}
			/* the header: the first line, or optional and anywhere */
			if (t->fixed == TSV_HEADER ? !have_header : is_header(f, nf, t)) {
				for (size_t c = 0; c < t->ncols; c++)
					if (c >= nf || strcmp(f[c], t->cols[c])) {
						e = at(err, errlen, path, lineno, &left);
						snprintf(e, left, "%s", _(t->header_msg));
						return -1;
					}
				have_header = 1;
				continue;
			}
			for (size_t c = 0; c < t->ncols; c++)
				vals[c] = c < nf ? f[c] : "";
		} else {
			if (!have_header) {
				for (size_t c = 0; c < t->ncols; c++) {
					idx[c] = -1;
					for (size_t i = 0; i < nf; i++)
						if (!strcmp(f[i], t->cols[c]))
							idx[c] = i;
					if (idx[c] < 0) {
						e = at(err, errlen, path, lineno, &left);
						snprintf(e, left, _("no column '%s' in the header"),
						    t->cols[c]);
						return -1;
					}
				}
				have_header = 1;
				continue;
			}
			for (size_t c = 0; c < t->ncols; c++)
				vals[c] = (size_t)idx[c] < nf ? f[idx[c]] : "";
		}
		e = at(err, errlen, path, lineno, &left);
		if (t->fn(t->arg, vals, e, left) < 0)
			return -1;
		*err = '\0';
	}
	if (!have_header && t->fixed != TSV_BARE) {
		snprintf(err, errlen, _("%s: no header line"), path);
		return -1;
	}
	return 0;
}

int
tsv_load(const char *path, const struct tsv *t, struct buf *read, char *err, size_t errlen)
{
	struct buf b = { 0 };
	int rc;

	if (read_file(path, &b, TSV_MAX_FILE) < 0) {
		rc = errno == ENOENT ? -2 : -1;
		if (errno == E2BIG)
			snprintf(err, errlen, _("%s: larger than %d MiB"), path, TSV_MAX_FILE >> 20);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		buf_free(&b);
		return rc;
	}
	/* what was read, for a digest: the file's name and its bytes, not
	 * where it lies, so that one rulebook has one digest everywhere */
	if (read) {
		const char *base = strrchr(path, '/');

		buf_printf(read, "%s%c%zu%c", base ? base + 1 : path, 0, b.len, 0);
		buf_add(read, b.s ? b.s : "", b.len);
	}
	rc = tsv_parse(path, b.s ? b.s : (char []){ "" }, t, err, errlen);
	buf_free(&b);
	return rc;
}

int
layers_load(const char *home, const char *name, const struct tsv *t, struct buf *read,
    char *err, size_t errlen)
{
	const char *dir[LAYERS_MAX];
	size_t n = layer_dirs(home, dir);
	int rc, found = 0;

	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir[i], name);

		rc = tsv_load(p, t, read, err, errlen);
		free(p);
		/* the defaults must be there; the office's layers may not be */
		if (rc == -2 && (i > 0 || !t->need_first)) {
			*err = '\0';
			continue;
		}
		if (rc < 0)
			return -1;
		found = 1;
	}
	return found ? 0 : -2;
}
