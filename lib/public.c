/* public.c: the public snapshot that eport-web serves.  The web server's user may neither read the store
 * (identity numbers, keys) nor lock LMDB, so the writing commands publish
 * what the public status query shows of each enterprise into the directory
 * web.public, readable by anyone:
 *   office.json       the office's name, address, phone and hours
 *   e/USCC.json       {"uscc", "name", "total", "cases": [{"id", "type",
 *                     "type_name", "taken", "status", "detail", "notice"}]}
 *                     the newest web.cases cases, identity and phone numbers
 *                     and people's names masked (mask.c); "notice" for a
 *                     case at 领卡, the notice's text without its footer
 *   o/ORGCODE         the USCCs (one a line) that hold the organisation code
 * case_step notes the enterprise of each case it steps (public_note); once
 * the transaction has committed, the command calls public_flush, which
 * writes those enterprises' files anew from a fresh read transaction, each
 * to a temporary file renamed into place, under an flock of .lock: the last
 * to publish read the store after every commit before it.  A crash between
 * the commit and the publishing leaves a file stale: public_check (eport-fsck)
 * compares every file with what the store says, and -r publishes it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eport.h"

#define PUBLIC_CASES 100	/* web.cases: the newest cases an enterprise's page shows */
#define PUBLIC_FILE_MAX (8u << 20)

/* --- the snapshot ---------------------------------------------------- */

void
public_note(struct eport *st, const json_t *kase)
{
	const char *uscc = jstr(json_object_get(kase, "enterprise"), "uscc");

	if (!*uscc || st->dry)
		return;
	if (!st->touched)
		st->touched = json_object();
	json_object_set_new(st->touched, uscc, json_true());
}

/* web.public, absolute or under the store; NULL when not set (malloc'd) */
static char *
public_dir(struct eport *st)
{
	const char *d = cfg_str(st, "web.public", "");

	if (!*d)
		return NULL;
	return *d == '/' ? xstrdup(d) : xasprintf("%s/%s", st->home, d);
}

/* fmt: a message naming path (one %s), translated; strerror follows */
static int
seterr(struct eport *st, const char *fmt, const char *path)
{
	int e = errno, n = snprintf(st->errbuf, sizeof st->errbuf, fmt, path);

	if (n >= 0 && (size_t)n < sizeof st->errbuf)
		snprintf(st->errbuf + n, sizeof st->errbuf - n, ": %s", strerror(e));
	return -1;
}

/* The file as it should be, or NULL when the enterprise has no case. */
static char *
page(struct eport *st, MDB_txn *txn, const char *uscc)
{
	MDB_cursor *c;
	MDB_val k = { strlen(uscc), (void *)uscc }, v;
	size_t total = 0;
	json_t *ids = json_array(), *cases = json_array(), *rows, *doc, *id, *kase, *cards;
	long cap = cfg_int(st, "web.cases", PUBLIC_CASES);
	struct office o;
	struct mask *m;
	size_t i;
	char *s = NULL;
	int rc;

	office_get(st, &o);
	if (cap < 1)
		cap = PUBLIC_CASES;
	if (mdb_cursor_open(txn, st->dbi[DB_USCC], &c) == 0) {
		if (mdb_cursor_get(c, &k, &v, MDB_SET_KEY) == 0 && mdb_cursor_count(c, &total) == 0)
			for (rc = mdb_cursor_get(c, &k, &v, MDB_LAST_DUP);
			    rc == 0 && (long)json_array_size(ids) < cap;
			    rc = mdb_cursor_get(c, &k, &v, MDB_PREV_DUP))
				json_array_insert_new(ids, 0, json_stringn(v.mv_data, v.mv_size));
		mdb_cursor_close(c);
	}
	if (!json_array_size(ids))
		goto out;
	m = mask_new(MASK_NAMES);
	json_array_foreach(ids, i, id)
		if ((kase = case_get(st, txn, json_string_value(id)))) {
			mask_collect(m, kase);
			json_array_append_new(cases, kase);
		}
	/* findings name the registered holders of the enterprise's cards too */
	cards = enterprise_cards(st, txn, uscc);
	json_array_foreach(cards, i, kase) {
		mask_add(m, jstr(kase, "holder"), MASK_NAME);
		mask_add(m, jstr(kase, "id_number"), MASK_ID);
	}
	json_decref(cards);
	rows = json_array();
	json_array_foreach(cases, i, kase) {
		char *detail, *md;
		const char *status = public_status(kase, &detail);
		json_t *row;

		md = mask_text(m, detail);
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", jstr(kase, "id"),
		    "type", jstr(kase, "type"), "type_name",
		    type_name(jstr(kase, "type")) ?: jstr(kase, "type"),
		    "taken", jstr(kase, "taken"), "status", status, "detail", md);
		if (!strcmp(status, "领卡")) {
			json_t *lines = notice_lines(&o, kase, 0), *l;
			size_t j;

			json_array_foreach(lines, j, l) {
				char *mt = mask_text(m, jstr(l, "text"));

				json_object_set_new(l, "text", json_string(mt));
				free(mt);
			}
			json_object_set_new(row, "notice", lines);
		}
		json_array_append_new(rows, row);
		free(md);
		free(detail);
	}
	kase = json_array_get(cases, json_array_size(cases) - 1);
	doc = json_pack("{s:s, s:s, s:I, s:o}", "uscc", uscc,
	    "name", jstr(json_object_get(kase, "enterprise"), "name"),
	    "total", (json_int_t)total, "cases", rows);
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	mask_free(m);
out:
	json_decref(cases);
	json_decref(ids);
	if (s) {
		char *nl = xasprintf("%s\n", s);

		free(s);
		s = nl;
	}
	return s;
}

static char *
office_json(struct eport *st)
{
	struct office o;
	json_t *j;
	char *s, *nl;

	office_get(st, &o);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", o.name, "address", o.address,
	    "phone", o.phone, "hours", o.hours, "counter", o.counter);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	nl = xasprintf("%s\n", s);
	free(s);
	return nl;
}

/* 1 when path holds exactly want (NULL: when it does not exist) */
static int
same(const char *path, const char *want)
{
	struct buf b = { 0 };
	int rc;

	if (read_file(path, &b, PUBLIC_FILE_MAX) < 0)
		rc = !want && errno == ENOENT;
	else
		rc = want && b.len == strlen(want) && !memcmp(b.s, want, b.len);
	buf_free(&b);
	return rc;
}

/* path made to hold data (NULL: removed), through a temporary file in its
 * directory renamed over it; readable by all (what the page shows anyway) */
static int
put(struct eport *st, const char *path, const char *data)
{
	char *tmp, *slash;
	size_t n;
	int fd;

	if (!data) {
		if (unlink(path) < 0 && errno != ENOENT)
			return seterr(st, _("public page: cannot remove '%s'"), path);
		return 0;
	}
	slash = strrchr(path, '/');
	tmp = xasprintf("%.*s/.tmp-XXXXXX", (int)(slash - path), path);
	if ((fd = mkstemp(tmp)) < 0) {
		seterr(st, _("public page: cannot create a file in '%s'"), path);
		free(tmp);
		return -1;
	}
	n = strlen(data);
	if (write(fd, data, n) != (ssize_t)n || fchmod(fd, 0644) < 0 || close(fd) < 0) {
		seterr(st, _("public page: cannot write '%s'"), tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		seterr(st, _("public page: cannot rename into '%s'"), path);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* The directory, its e/ and o/, and its lock held: the fd, or -1. */
static int
lock_dir(struct eport *st, const char *dir)
{
	const char *sub[] = { "", "/e", "/o" };
	char *p;
	int fd;

	for (size_t i = 0; i < LEN(sub); i++) {
		p = xasprintf("%s%s", dir, sub[i]);
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			seterr(st, _("public page: cannot make '%s'"), p);
			free(p);
			return -1;
		}
		chmod(p, 0755);
		free(p);
	}
	p = xasprintf("%s/.lock", dir);
	if ((fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 || flock(fd, LOCK_EX) < 0) {
		seterr(st, _("public page: cannot lock '%s'"), p);
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	free(p);
	return fd;
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* o/ORGCODE with uscc added (add) or taken out, its lines sorted as
 * public_check makes them */
static int
index_put(struct eport *st, const char *dir, const char *uscc, int add)
{
	char org[10], *path, **line = NULL, *p, *nl;
	struct buf b = { 0 }, nb = { 0 };
	size_t n = 0, i;
	int found = 0, rc = 0;

	uscc_orgcode(uscc, org);
	if (!*org)
		return 0;
	path = xasprintf("%s/o/%s", dir, org);
	if (read_file(path, &b, PUBLIC_FILE_MAX) < 0 && errno != ENOENT) {
		rc = seterr(st, _("public page: cannot read '%s'"), path);
		goto out;
	}
	buf_add(&b, "", 1);
	line = xcalloc(b.len / 2 + 2, sizeof *line);
	for (p = b.s; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			nl = p + strlen(p);
		if (nl > p) {
			line[n] = p;
			if (!strncmp(p, uscc, nl - p) && (size_t)(nl - p) == strlen(uscc))
				found = 1;
			else
				n++;
		}
		if (!*nl)
			break;
		*nl = '\0';
	}
	if (found == add)
		goto out;
	if (add)
		line[n++] = (char *)uscc;
	qsort(line, n, sizeof *line, by_str);
	for (i = 0; i < n; i++)
		buf_printf(&nb, "%s\n", line[i]);
	rc = put(st, path, nb.len ? nb.s : NULL);
out:
	free(line);
	buf_free(&b);
	buf_free(&nb);
	free(path);
	return rc;
}

static int
publish(struct eport *st, MDB_txn *txn, const char *dir, const char *uscc)
{
	char *want = page(st, txn, uscc), *path;
	int rc = 0;

	/* a USCC names a file: only the characters a USCC has */
	for (const char *p = uscc; *p; p++)
		if (!(*p >= '0' && *p <= '9') && !(*p >= 'A' && *p <= 'Z')) {
			free(want);
			return 0;
		}
	path = xasprintf("%s/e/%s.json", dir, uscc);
	if (!same(path, want))
		rc = put(st, path, want);
	if (rc == 0)
		rc = index_put(st, dir, uscc, want != NULL);
	free(path);
	free(want);
	return rc;
}

static int
publish_office(struct eport *st, const char *dir)
{
	char *want = office_json(st), *path = xasprintf("%s/office.json", dir);
	int rc = same(path, want) ? 0 : put(st, path, want);

	free(want);
	free(path);
	return rc;
}

int
public_flush(struct eport *st)
{
	json_t *touched = st->touched;
	MDB_txn *txn;
	const char *uscc;
	json_t *v;
	char *dir;
	int fd, rc = 0;

	st->touched = NULL;
	if (!json_object_size(touched) || st->dry || !(dir = public_dir(st))) {
		json_decref(touched);
		return 0;
	}
	if ((fd = lock_dir(st, dir)) < 0) {
		rc = -1;
		goto out;
	}
	if ((rc = store_read(st, &txn))) {
		snprintf(st->errbuf, sizeof st->errbuf, _("public page: db: %s"), store_err(rc));
		rc = -1;
		goto unlock;
	}
	json_object_foreach(touched, uscc, v)
		if ((rc = publish(st, txn, dir, uscc)))
			break;
	mdb_txn_abort(txn);
	if (!rc)
		rc = publish_office(st, dir);
unlock:
	close(fd);
out:
	free(dir);
	json_decref(touched);
	return rc;
}

/* --- checking it against the store ----------------------------------- */

struct check {
	struct eport *st;
	const char *dir;
	int repair;
	void (*fn)(const char *, const char *, int, void *);
	void *arg;
	long problems;
};

/* one file: path (under dir) holds want, or is mended */
static int
expect(struct check *c, const char *rel, const char *want, const char *what)
{
	char *path = xasprintf("%s/%s", c->dir, rel);
	int fixed = 0, rc = 0;

	if (!same(path, want)) {
		c->problems++;
		if (access(path, F_OK) < 0)
			what = N_("is missing (eport-fsck -r publishes it)");
		if (c->repair && (rc = put(c->st, path, want)) == 0)
			fixed = 1;
		c->fn(rel, what, fixed, c->arg);
	}
	free(path);
	return rc;
}

static int
is_tmp_stale(const char *path, const char *name)
{
	struct stat sb;

	return !strncmp(name, ".tmp-", 5) && stat(path, &sb) == 0 &&
	    sb.st_mtime < time(NULL) - 60;
}

/* Files of sub/ that want (name -> content) does not hold, and temporary
 * files of a publishing cut off. */
static int
extra(struct check *c, const char *sub, json_t *want)
{
	char *d = xasprintf("%s/%s", c->dir, sub), *path, *rel;
	DIR *dp = opendir(d);
	struct dirent *e;
	int rc = 0;

	if (!dp) {
		free(d);
		return errno == ENOENT ? 0 : seterr(c->st, _("public page: cannot read '%s'"), sub);
	}
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path = xasprintf("%s/%s", d, e->d_name);
		rel = xasprintf("%s/%s", sub, e->d_name);
		if (*e->d_name == '.') {
			if (is_tmp_stale(path, e->d_name)) {
				c->problems++;
				c->fn(rel, N_("is left by a publishing that was cut off"), c->repair &&
				    unlink(path) == 0, c->arg);
			}
		} else if (!json_object_get(want, e->d_name)) {
			c->problems++;
			c->fn(rel, N_("names no enterprise of the store"), c->repair && unlink(path) == 0,
			    c->arg);
		}
		free(path);
		free(rel);
	}
	closedir(dp);
	free(d);
	return rc;
}

long
public_check(struct eport *st, int repair, void (*fn)(const char *rel, const char *what,
    int fixed, void *), void *arg)
{
	struct check c = { st, NULL, repair, fn, arg, 0 };
	json_t *efiles = json_object(), *orgs = json_object(), *v;
	MDB_cursor *cur = NULL;
	MDB_txn *txn = NULL;
	MDB_val k, val;
	const char *name;
	char *dir, *want, *rel, org[10];
	int fd = -1, rc;

	if (!(dir = public_dir(st))) {
		json_decref(efiles);
		json_decref(orgs);
		return 0;
	}
	c.dir = dir;
	if ((fd = lock_dir(st, dir)) < 0)
		goto fail;
	if ((rc = store_read(st, &txn)) || (rc = mdb_cursor_open(txn, st->dbi[DB_USCC], &cur))) {
		snprintf(st->errbuf, sizeof st->errbuf, _("public page: db: %s"), store_err(rc));
		goto fail;
	}
	for (rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT_NODUP)) {
		char *uscc = strndup(k.mv_data, k.mv_size);
		const char *p;

		for (p = uscc; (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z'); p++)
			;
		if (*p || !(want = page(st, txn, uscc))) {
			free(uscc);
			continue;
		}
		rel = xasprintf("e/%s.json", uscc);
		json_object_set_new(efiles, rel + 2, json_true());
		rc = expect(&c, rel, want, N_("differs from the store (eport-fsck -r publishes it)"));
		free(rel);
		free(want);
		uscc_orgcode(uscc, org);
		if (*org) {
			if (!(v = json_object_get(orgs, org)))
				json_object_set_new(orgs, org, v = json_string(""));
			want = xasprintf("%s%s\n", json_string_value(v), uscc);
			json_string_set(v, want);
			free(want);
		}
		free(uscc);
		if (rc)
			goto fail;
	}
	json_object_foreach(orgs, name, v) {
		rel = xasprintf("o/%s", name);
		rc = expect(&c, rel, json_string_value(v), N_("differs from the store (eport-fsck -r publishes it)"));
		free(rel);
		if (rc)
			goto fail;
	}
	want = office_json(st);
	rc = expect(&c, "office.json", want, N_("differs from the configuration (eport-fsck -r publishes it)"));
	free(want);
	if (rc || extra(&c, "e", efiles) || extra(&c, "o", orgs))
		goto fail;
	goto out;
fail:
	c.problems = -1;
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	if (fd >= 0)
		close(fd);
	free(dir);
	json_decref(efiles);
	json_decref(orgs);
	return c.problems;
}
