/* eport-ship: posting cases back by EMS, freight to pay (DESIGN.md section 7).
 *   due       the ready cases for post whose posting day has come:
 *             `id type uscc accepted posting manifest`; a posting day the
 *             calendar cannot give (a year it does not hold) refuses the
 *             whole list, and the manifest, with exit 2: cron fails loudly
 *   manifest  the EMS manifest of a working day, its columns from
 *             manifest.tsv (CSV through libcsv, UTF-8 with a BOM or GB18030,
 *             formulas guarded; TSV; or an xlsx workbook).  The first run for today takes
 *             the due cases not on a manifest yet and records them (DB_SHIP
 *             "DATE NUL id", the case's outbound.manifest, a `manifest` step);
 *             every run for that day prints the cases recorded, and only them
 *   mark      reads `id tracking` rows, or the manifest back as EMS filled it
 *             in (CSV, TSV or xlsx; columns by their headers): ready -> shipped
 *   deliver   shipped -> delivered
 *   bounce    shipped -> bounced, with the reason (-m)
 *   collect   bounced, or ready for the hall -> collected: who collected it
 *             at the counter (-m "NAME ID_NUMBER"), by which staff member,
 *             and for bounced post the return freight paid (-f)
 *   uncollected  the cases waiting at the counter, oldest first:
 *             `id type uscc state since days contact phone`
 * mark, deliver, bounce and collect print `id state tracking` per case. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "each.h"
#include "office.h"

static const char *fmt = "csv", *enc = "utf-8", *reason, *opath, *id_type = "resident", *freight;
static long min_days = -1;		/* uncollected -d */
static int dry;
static struct out out;
static struct eport st;
static struct cal *cal;
static struct manifest_cols mc;	/* the manifest's columns */
static json_t *unknown;		/* due_ids: [[id, year]] whose posting day is unknown */

static const char *const row_cols[] = { "id", "state", "tracking", NULL };
static const char *const due_cols[] = {
	"id", "type", "uscc", "accepted", "posting", "manifest", NULL,
};
static const char usage_text[] = N_("usage: eport-ship due [-j]\n"
    "       eport-ship manifest [-n] [-F csv|tsv|xlsx] [-e utf-8|gb18030] [-o FILE] [DATE]\n"
    "       eport-ship mark [-jn] [FILE]\n"
    "       eport-ship deliver [-jn] [CASE...]\n"
    "       eport-ship bounce [-jn] -m REASON [CASE...]\n"
    "       eport-ship collect [-jn] [-t ID_TYPE] [-f FREIGHT] -m 'NAME ID_NUMBER' [CASE...]\n"
    "       eport-ship uncollected [-j] [-d DAYS]\n");

static void
load_cal(void)
{
	char err[512];

	eport_cfg(&st);
	if (!(cal = cal_load(st.home, err, sizeof err)) ||
	    cal_set_hours(cal, cfg_str(&st, "office.hours", CAL_HOURS), err, sizeof err) < 0)
		die("%s", err);
	unknown = json_array();
}

/* The calendar lacks a year that day or a case's posting day needs: the
 * message eport-cal gives, and nothing is listed or made */
static void __attribute__((noreturn))
gap_fail(int year)
{
	char msg[1024];

	cal_gap_msg(cal, year, msg, sizeof msg);
	die("%s", msg);
}

static void
unknown_fail(void)
{
	char msg[1024];
	json_t *u;
	size_t i;

	if (!json_array_size(unknown))
		return;
	json_array_foreach(unknown, i, u) {
		cal_gap_msg(cal, (int)json_integer_value(json_array_get(u, 1)), msg, sizeof msg);
		warnx("%s: posting day unknown: %s", json_string_value(json_array_get(u, 0)), msg);
	}
	exit(2);
}

/* From 1 December, while next year is missing (due and manifest count) */
static void
warn_ahead(void)
{
	char msg[1024];
	int year = cal_year_ahead(cal, eport_now());

	if (year) {
		cal_ahead_msg(cal, year, msg, sizeof msg);
		warnx("%s", msg);
	}
}

static MDB_val
ship_key(char *k, size_t cap, const char *date, const char *id)
{
	MDB_val v = { 0, k };
	size_t a = strlen(date), b = id ? strlen(id) : 0;

	if (a + b + 2 > cap)
		return v;
	memcpy(k, date, a + 1);
	if (id)
		memcpy(k + a + 1, id, b);
	v.mv_size = id ? a + 1 + b : a;
	return v;
}

/* The due cases of day, in id order (the index keeps them sorted): ready,
 * for post, posting day on or before day, and with onlynew on no manifest
 * yet.  *rows (may be NULL) gets a `due` row for each.  Cases whose posting
 * day the calendar cannot give go into `unknown`, for the caller to refuse. */
static json_t *
due_ids(MDB_txn *txn, long day, int onlynew, json_t **rows)
{
	json_t *ids = json_array(), *kase;
	MDB_cursor *c;
	MDB_val k = { 5, "ready" }, v;
	int rc, g;

	if (rows)
		*rows = json_array();
	json_array_clear(unknown);
	if ((rc = mdb_cursor_open(txn, st.dbi[DB_STATE], &c)))
		die("db: %s", store_err(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		char *id = strndup(v.mv_data, v.mv_size), acc[32], post[11];
		const char *manifest;
		time_t t;
		long pday;

		if (!id)
			die("strndup:");
		kase = case_get(&st, txn, id);
		if (!kase || strcmp(jstr(kase, "pickup"), "mail"))
			goto next;
		manifest = jstr(json_object_get(kase, "outbound"), "manifest");
		if (onlynew && *manifest)
			goto next;
		switch (ship_posting(&st, txn, cal, kase, &pday, &g)) {
		case -1:
			warnx("%s: no acceptance time; left out", id);
			goto next;
		case -2:
			warnx("%s: no posting day for type '%s'; left out", id, jstr(kase, "type"));
			goto next;
		case CAL_GAP:
			json_array_append_new(unknown, json_pack("[s, i]", id, g));
			goto next;
		}
		if (pday > day)
			goto next;
		json_array_append_new(ids, json_string(id));
		if (rows) {
			ship_accepted(&st, txn, kase, &t);
			fmt_time(t, acc);
			cal_fmt_day(pday, post);
			json_array_append_new(*rows, json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}",
			    "id", id, "type", jstr(kase, "type"),
			    "uscc", json_string_value(rec_path(kase, "enterprise.uscc")),
			    "accepted", acc, "posting", post, "manifest", manifest));
		}
next:
		json_decref(kase);
		free(id);
	}
	mdb_cursor_close(c);
	return ids;
}

static void
cmd_due(void)
{
	MDB_txn *txn = eport_open_read(&st);
	json_t *ids, *rows, *r;
	size_t i;

	load_cal();
	out.cols = due_cols;
	ids = due_ids(txn, cal_day_of(eport_now()), 0, &rows);
	unknown_fail();
	json_array_foreach(rows, i, r)
		out_row(&out, r);
	json_decref(rows);
	json_decref(ids);
	mdb_txn_abort(txn);
}

/* The cases recorded on day's manifest, or NULL when none was made. */
static json_t *
recorded(MDB_txn *txn, const char *date)
{
	char kb[128];
	MDB_val k = ship_key(kb, sizeof kb, date, NULL), v;
	MDB_cursor *c;
	json_t *ids = NULL;
	size_t n = strlen(date);
	int rc;

	if ((rc = mdb_cursor_open(txn, st.dbi[DB_SHIP], &c)))
		die("db: %s", store_err(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < n || memcmp(k.mv_data, date, n))
			break;
		if (k.mv_size == n) {		/* the day's own record */
			if (!ids)
				ids = json_array();
			continue;
		}
		if (((char *)k.mv_data)[n] != '\0')
			break;
		if (!ids)
			ids = json_array();
		json_array_append_new(ids, json_stringn((char *)k.mv_data + n + 1, k.mv_size - n - 1));
	}
	mdb_cursor_close(c);
	return ids;
}

static json_t *
outbound(json_t *kase)
{
	json_t *ob = json_object_get(kase, "outbound");

	if (!json_is_object(ob)) {
		ob = json_object();
		json_object_set_new(kase, "outbound", ob);
	}
	return ob;
}

struct made {
	const char *date;
	long day;
	struct moves mv;
};

/* Make day's manifest, unless another run made it first: every due case not
 * on a manifest joins it, in one transaction with the day's record. */
static int
make_txn(struct eport *s, MDB_txn *txn, void *arg)
{
	struct made *m = arg;
	char kb[160], at[32];
	MDB_val k, v;
	json_t *ids, *id, *kase, *ob, *rec;
	size_t i;
	int rc = 0;

	k = ship_key(kb, sizeof kb, m->date, NULL);
	if ((rc = mdb_get(txn, s->dbi[DB_SHIP], &k, &v)) != MDB_NOTFOUND)
		return rc;
	rc = 0;
	ids = due_ids(txn, m->day, 1, NULL);
	if (json_array_size(unknown)) {
		json_decref(ids);
		snprintf(s->errbuf, sizeof s->errbuf, _("posting days unknown"));
		return 2;
	}
	json_array_foreach(ids, i, id) {
		struct step step = { .action = "manifest" };
		const char *cid = json_string_value(id);

		if (!(kase = case_get(s, txn, cid))) {
			rc = MDB_CORRUPTED;
			break;
		}
		ob = outbound(kase);
		json_object_set_new(ob, "carrier", json_string("EMS"));
		json_object_set_new(ob, "manifest", json_string(m->date));
		step.why = xasprintf("EMS manifest of %s", m->date);
		step.extra = json_pack("{s:s}", "manifest", m->date);
		k = ship_key(kb, sizeof kb, m->date, cid);
		v.mv_size = 0;
		v.mv_data = "";
		if (!(rc = db_putk(s, txn, DB_SHIP, &k, &v, MDB_NOOVERWRITE)) &&
		    !(rc = case_step(s, txn, kase, &step)))
			moves_add(&m->mv, cid, &step.commit);
		json_decref(step.extra);
		free((char *)step.why);
		json_decref(kase);
		if (rc)
			break;
	}
	if (!rc) {
		fmt_time(eport_now(), at);
		rec = json_pack("{s:s, s:s, s:i}", "made", at, "by", eport_user(),
		    "cases", (int)json_array_size(ids));
		rc = db_put_json(s, txn, DB_SHIP, m->date, rec);
		json_decref(rec);
	}
	json_decref(ids);
	return rc;
}

/* What a manifest column's config:KEY and ship:WHAT say for a case. */
struct man_arg {
	MDB_txn *txn;
	const json_t *kase;
	const char *date;
};

static char *
man_get(void *arg, const char *what)
{
	struct man_arg *a = arg;

	if (!strncmp(what, "config:", 7)) {
		eport_cfg(&st);
		return xstrdup(cfg_str(&st, what + 7, ""));
	}
	if (!strcmp(what, "ship:contents"))
		return ship_contents(&st, a->txn, a->kase);
	if (!strcmp(what, "ship:date"))
		return xstrdup(a->date);
	return NULL;
}

/* text to -o FILE (made aside and renamed) or stdout */
static void
put_text(const char *text, size_t len)
{
	char *tmp;
	FILE *fp;
	int fd;

	if (!opath) {
		fwrite(text, 1, len, stdout);
		return;
	}
	tmp = xasprintf("%s.XXXXXX", opath);
	if ((fd = mkstemp(tmp)) < 0 || !(fp = fdopen(fd, "w")))
		die("%s:", opath);
	fchmod(fd, 0644);
	if (fwrite(text, 1, len, fp) != len || fclose(fp) == EOF) {
		unlink(tmp);
		die("%s:", opath);
	}
	if (rename(tmp, opath) < 0) {
		unlink(tmp);
		die("%s:", opath);
	}
	free(tmp);
}

/* The manifest of the cases ids, in the format and encoding asked for. */
static void
print_manifest(MDB_txn *txn, const json_t *ids, const char *date)
{
	int csv = !strcmp(fmt, "csv"), xlsx = !strcmp(fmt, "xlsx");
	struct out o = { 0 };
	char *text = NULL, err[512];
	json_t *id, *rows = json_array(), *head = json_array();
	size_t len = 0, i, c;
	time_t created;
	FILE *fp;

	if (!(fp = open_memstream(&text, &len)))
		die("open_memstream:");
	o.fp = fp;
	o.cols = mc.names;
	for (c = 0; c < mc.n; c++)
		json_array_append_new(head, json_string(mc.c[c].header));
	json_array_append_new(rows, head);
	if (csv) {
		if (!strcmp(enc, "utf-8"))
			fputs("\xEF\xBB\xBF", fp);	/* so that Excel reads UTF-8 */
		for (c = 0; c < mc.n; c++)
			if (csv_cell(fp, mc.c[c].header, c == 0) < 0)
				die("csv: cannot write");
		fputs("\r\n", fp);
	} else if (!xlsx) {
		for (c = 0; c < mc.n; c++)
			fprintf(fp, "%s%s", c ? "\t" : "", mc.c[c].column);
		fputc('\n', fp);
		o.header_done = 1;
	}
	json_array_foreach(ids, i, id) {
		json_t *kase = case_get(&st, txn, json_string_value(id)), *row, *cells;
		struct man_arg a = { txn, kase, date };

		if (!kase)
			die("%s: on the manifest, but no such case", json_string_value(id));
		row = json_object();
		cells = json_array();
		for (c = 0; c < mc.n; c++) {
			char *v = manifest_value(&mc.c[c], kase, man_get, &a);

			json_object_set_new(row, mc.c[c].column, json_string(v));
			json_array_append_new(cells, json_string(v));
			if (csv && csv_cell(fp, v, c == 0) < 0)
				die("csv: cannot write");
			free(v);
		}
		if (csv)
			fputs("\r\n", fp);
		else if (!xlsx)
			out_row(&o, row);
		json_array_append_new(rows, cells);
		json_decref(row);
		json_decref(kase);
	}
	if (fclose(fp) == EOF)
		die("open_memstream:");
	if (xlsx) {
		/* the day's own time, so that the same day gives the same bytes */
		parse_time(date, &created);
		if (xlsx_write(opath, "EMS", rows, created, err, sizeof err) < 0)
			die("%s", err);
	} else if (!strcmp(enc, "gb18030")) {
		iconv_t cd = iconv_open("GB18030", "UTF-8");
		size_t cap = 4 * len + 16, left = cap, inleft = len;
		char *conv = xmalloc(cap), *in = text, *p = conv;

		if (cd == (iconv_t)-1)
			die("iconv: UTF-8 to GB18030:");
		if (iconv(cd, &in, &inleft, &p, &left) == (size_t)-1 ||
		    iconv(cd, NULL, NULL, &p, &left) == (size_t)-1)
			die("iconv: UTF-8 to GB18030:");
		iconv_close(cd);
		put_text(conv, p - conv);
		free(conv);
	} else {
		put_text(text, len);
	}
	free(text);
	json_decref(rows);
}

static void
cmd_manifest(int argc, char **argv)
{
	char today[11], date[11], err[512];
	struct made m = { 0 };
	MDB_txn *txn;
	json_t *ids;
	long day;
	int rc, g;

	if (argc > 1)
		eport_usage(2);
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	if (manifest_cols_load(&mc, st.home, err, sizeof err) < 0)
		die("%s", err);
	load_cal();
	cal_fmt_day(cal_day_of(eport_now()), today);
	if (argc && cal_parse_day(argv[0], &day) < 0)
		die("'%s': not a date (YYYY-MM-DD)", argv[0]);
	if (!argc)
		day = cal_day_of(eport_now());
	cal_fmt_day(day, date);
	if ((rc = cal_is_workday(cal, day, &g)) == CAL_GAP)
		gap_fail(g);
	if (!rc)
		return;
	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	ids = recorded(txn, date);
	if (!ids && dry) {
		ids = due_ids(txn, day, 1, NULL);
		unknown_fail();
	} else if (!ids && strcmp(date, today)) {
		mdb_txn_abort(txn);
		refuse("%s: no manifest was made that day; only today's is made "
		    "(-n shows what it would hold)", date);
		return;
	}
	if (!ids) {
		mdb_txn_abort(txn);
		m.date = date;
		m.day = day;
		if (eport_commit(&st, make_txn, &m, &m.mv)) {
			unknown_fail();
			die("%s", st.errbuf);
		}
		moves_free(&m.mv);
		if ((rc = store_read(&st, &txn)))
			die("db: %s", store_err(rc));
		ids = recorded(txn, date);
	}
	print_manifest(txn, ids, date);
	json_decref(ids);
	mdb_txn_abort(txn);
}

static json_t *
ship_row(const json_t *kase)
{
	return json_pack("{s:s, s:s, s:s}", "id", jstr(kase, "id"),
	    "state", jstr(kase, "state"),
	    "tracking", jstr(json_object_get(kase, "outbound"), "tracking"));
}

static int
wrong_state(struct eport *s, const json_t *kase, const char *want)
{
	snprintf(s->errbuf, sizeof s->errbuf, _("case is %s, not %s"), jstr(kase, "state"), want);
	return 1;
}

/* mark: one `id tracking` row */
static int
mark_one(struct eport *s, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	struct step step = { .action = "ship", .to = "shipped" };
	char *tracking = rec_scalar(json_object_get(it->rec, "tracking")), at[32];
	char kb[128];
	MDB_val k, v;
	json_t *ob;
	int rc = 1;

	(void)arg;
	if (strcmp(jstr(kase, "state"), "ready")) {
		rc = wrong_state(s, kase, "ready");
		goto out;
	}
	if (strcmp(jstr(kase, "pickup"), "mail")) {
		snprintf(s->errbuf, sizeof s->errbuf,
		    _("case is for collection at the hall, not for post"));
		goto out;
	}
	if (!*tracking) {
		snprintf(s->errbuf, sizeof s->errbuf, _("%s: tracking: missing"), it->pos);
		goto out;
	}
	if (!tracking_valid(tracking)) {
		snprintf(s->errbuf, sizeof s->errbuf, _("%s: tracking: '%.40s' is neither a "
		    "domestic EMS number (13 digits) nor a UPU S10 number with its check digit"),
		    it->pos, tracking);
		goto out;
	}
	/* an EMS number goes on one parcel only */
	snprintf(kb, sizeof kb, "tracking:%s", tracking);
	if ((rc = db_get(s, txn, DB_SHIP, kb, &v)) == 0) {
		snprintf(s->errbuf, sizeof s->errbuf, _("%s: tracking: '%s' is already case %.*s's"),
		    it->pos, tracking, (int)v.mv_size, (char *)v.mv_data);
		rc = 1;
		goto out;
	} else if (rc != MDB_NOTFOUND) {
		goto out;
	}
	k.mv_size = strlen(kb);
	k.mv_data = kb;
	v.mv_size = strlen(jstr(kase, "id"));
	v.mv_data = (void *)jstr(kase, "id");
	if ((rc = db_putk(s, txn, DB_SHIP, &k, &v, 0)))
		goto out;
	fmt_time(eport_now(), at);
	ob = outbound(kase);
	json_object_set_new(ob, "carrier", json_string("EMS"));
	json_object_set_new(ob, "tracking", json_string(tracking));
	json_object_set_new(ob, "shipped", json_string(at));
	step.why = tracking;
	step.extra = json_pack("{s:s}", "tracking", tracking);
	if ((rc = case_step(s, txn, kase, &step)) == 0)
		*row = ship_row(kase);
out:
	free(tracking);
	return rc;
}

/* deliver and bounce: shipped -> arg */
static int
arrive_one(struct eport *s, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	const char *to = arg;
	struct step step = { .to = to };
	char at[32];
	json_t *ob;
	int rc;

	(void)it;
	if (strcmp(jstr(kase, "state"), "shipped"))
		return wrong_state(s, kase, "shipped");
	fmt_time(eport_now(), at);
	ob = outbound(kase);
	json_object_set_new(ob, to, json_string(at));
	if (!strcmp(to, "bounced")) {
		step.action = "bounce";
		step.why = reason;
		json_object_set_new(ob, "why", json_string(reason));
	} else {
		step.action = "deliver";
	}
	if ((rc = case_step(s, txn, kase, &step)) == 0)
		*row = ship_row(kase);
	return rc;
}

/* collect: who came to the counter */
static struct collector {
	char *name, *number;
} who;

/* "NAME ID_NUMBER": the number is the last word, the name what comes
 * before it; the number checked as a holder's is. */
static void
parse_who(const char *s)
{
	const char *end = s + strlen(s), *sp;
	struct idinfo info;

	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (sp = end; sp > s && sp[-1] != ' ' && sp[-1] != '\t'; sp--)
		;
	while (*s == ' ' || *s == '\t')
		s++;
	if (sp <= s)
		die("-m '%s': who collected it: NAME ID_NUMBER", s);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			die("-m: a control character in who collected it");
	who.number = strndup(sp, end - sp);
	for (end = sp; end > s && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	who.name = strndup(s, end - s);
	if (!id_type_valid(id_type))
		die("-t '%s': not an identity document type", id_type);
	if (id_check(id_type, who.number, &info) != ID_OK) {
		refuse("-m: %s's identity number '%s' (%s): %s", who.name, who.number, id_type,
		    _(info.why));
		exit(eport_exit());
	}
}

/* freight: yuan, up to two decimals */
static int
money(const char *s)
{
	size_t i = 0, d;

	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (!i || i > 6)
		return 0;
	if (!s[i])
		return 1;
	if (s[i] != '.')
		return 0;
	for (d = ++i; s[i] >= '0' && s[i] <= '9'; i++)
		;
	return !s[i] && i > d && i - d <= 2;
}

/* Whom the collector is to the case: its handler, one of its holders, or
 * someone else (with the enterprise's letter of authority). */
static const char *
relation(const json_t *kase)
{
	size_t i;
	json_t *h;

	if (!strcmp(jstr(json_object_get(kase, "handler"), "id_number"), who.number))
		return "handler";
	json_array_foreach(json_object_get(kase, "holders"), i, h)
		if (!strcmp(jstr(h, "id_number"), who.number))
			return "holder";
	return "other";
}

static int
collect_one(struct eport *s, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	const char *state = jstr(kase, "state"), *counter;
	struct step step = { .action = "collect", .to = "collected" };
	struct office o;
	json_t *rec;
	char at[32], *why;
	int rc;

	(void)it;
	(void)arg;
	office_get(s, &o);
	counter = o.counter;
	if (!strcmp(state, "bounced")) {
		if (!freight) {
			snprintf(s->errbuf, sizeof s->errbuf, _("case is bounced: the enterprise pays "
			    "the freight both ways first (-f FREIGHT, the yuan paid)"));
			return 1;
		}
	} else if (!strcmp(state, "ready")) {
		if (!strcmp(jstr(kase, "pickup"), "mail")) {
			snprintf(s->errbuf, sizeof s->errbuf, _("case is ready to post, not for "
			    "collection (eport-amend pickup=window first)"));
			return 1;
		}
		if (!strcmp(jstr(kase, "type"), "deregister")) {
			snprintf(s->errbuf, sizeof s->errbuf, _("case is a deregistration: nothing "
			    "to collect (eport-close it)"));
			return 1;
		}
		if (freight) {
			snprintf(s->errbuf, sizeof s->errbuf, _("case was never posted: no freight "
			    "to pay (-f)"));
			return 1;
		}
	} else {
		return wrong_state(s, kase, "bounced, or ready for collection at the hall");
	}
	fmt_time(eport_now(), at);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "at", at, "by", eport_user(),
	    "name", who.name, "id_type", id_type, "id_number", who.number,
	    "relation", relation(kase), "counter", counter);
	if (freight)
		json_object_set_new(rec, "freight", json_string(freight));
	json_object_set_new(kase, "collected", rec);
	why = freight ? xasprintf("%s at %s, freight %s paid", who.name, counter, freight) :
	    xasprintf("%s at %s", who.name, counter);
	step.why = why;
	step.extra = json_pack("{s:O}", "collected", rec);
	if ((rc = case_step(s, txn, kase, &step)) == 0)
		*row = ship_row(kase);
	free(why);
	return rc;
}

static int
by_since(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(jstr(x, "since"), jstr(y, "since"));

	return c ? c : strcmp(jstr(x, "id"), jstr(y, "id"));
}

static const char *const uncollected_cols[] = {
	"id", "type", "uscc", "state", "since", "days", "contact", "phone", NULL,
};

/* The cases waiting at the counter: bounced, or ready for the hall with
 * something to collect; more than min_days working days with -d. */
static void
cmd_uncollected(void)
{
	static const char *const states[] = { "bounced", "ready" };
	MDB_txn *txn = eport_open_read(&st);
	json_t *rows = json_array(), *r, **v;
	time_t now = eport_now();
	size_t i, n;
	int g = 0;

	load_cal();
	for (i = 0; i < LEN(states); i++) {
		MDB_cursor *c;
		MDB_val k = { strlen(states[i]), (void *)states[i] }, val;
		int rc;

		if ((rc = mdb_cursor_open(txn, st.dbi[DB_STATE], &c)))
			die("db: %s", store_err(rc));
		for (rc = mdb_cursor_get(c, &k, &val, MDB_SET_KEY); rc == 0;
		    rc = mdb_cursor_get(c, &k, &val, MDB_NEXT_DUP)) {
			char *id = strndup(val.mv_data, val.mv_size);
			json_t *kase = case_get(&st, txn, id), *who_;
			int bounced = !i;

			free(id);
			if (!kase)
				continue;
			if (bounced || (strcmp(jstr(kase, "pickup"), "mail") &&
			    strcmp(jstr(kase, "type"), "deregister"))) {
				r = wait_row(&st, txn, cal, kase, now, &g);
				if (g)
					gap_fail(g);
				who_ = json_object_get(kase, bounced ? "mail" : "handler");
				json_object_set_new(r, "contact",
				    json_string(jstr(who_, bounced ? "recipient" : "name")));
				json_object_set_new(r, "phone", json_string(jstr(who_, "phone")));
				if (json_integer_value(json_object_get(r, "days")) > min_days)
					json_array_append(rows, r);
				json_decref(r);
			}
			json_decref(kase);
		}
		mdb_cursor_close(c);
	}
	n = json_array_size(rows);
	v = xcalloc(n + 1, sizeof *v);
	json_array_foreach(rows, i, r)
		v[i] = r;
	qsort(v, n, sizeof *v, by_since);
	out.cols = uncollected_cols;
	for (i = 0; i < n; i++)
		out_row(&out, v[i]);
	free(v);
	json_decref(rows);
	mdb_txn_abort(txn);
}

/* The headers a tracking column goes by in EMS's sheets, besides the
 * manifest's own tracking column. */
static const char *const tracking_heads[] = {
	"tracking", "邮件号", "邮件号码", "运单号", "运单号码", "快递单号", "邮件条码", NULL,
};

static int
is_head(const char *cell, const char *want)
{
	return want && !strcasecmp(cell, want);
}

static const char *
jstr_at(const json_t *cells, long i)
{
	const char *s = i < 0 ? NULL : json_string_value(json_array_get(cells, i));

	return s ? s : "";
}

static int
read_all(FILE *fp, struct buf *b)
{
	char chunk[65536];
	size_t n;

	buf_add(b, "", 0);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b->len + n > SHEET_MAX) {
			errno = E2BIG;
			return -1;
		}
		buf_add(b, chunk, n);
	}
	return ferror(fp) ? -1 : 0;
}

static char *
trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return xasprintf("%.*s", (int)n, s);
}

struct marks {
	struct item *it;
	size_t n;
};

/* One row to mark: skipped with a note when it has no number yet. */
static void
mark_row(struct marks *m, const char *name, long at, const char *id, const char *tracking)
{
	char *pos = xasprintf("%s:%ld", name, at), *i = trimmed(id), *t = trimmed(tracking);

	if (!*i && !*t) {
		free(pos);
	} else if (!*i) {
		refuse("%s: id: missing (tracking '%s')", pos, t);
		free(pos);
	} else if (!*t) {
		warnx("%s: %s: no tracking number yet; skipped", i, pos);
		free(pos);
	} else {
		m->it = xrealloc(m->it, (m->n + 1) * sizeof *m->it);
		m->it[m->n].id = xstrdup(i);
		m->it[m->n].rec = json_pack("{s:s, s:s}", "id", i, "tracking", t);
		m->it[m->n].pos = pos;
		m->n++;
	}
	free(i);
	free(t);
}

/* JSON Lines records, through the record reader */
static void
mark_json(struct marks *m, const struct buf *in, const char *name)
{
	FILE *fp = fmemopen(in->s, in->len, "r");
	struct rdr *r;
	json_t *rec;
	int rc;

	if (!fp)
		die("fmemopen:");
	r = rdr_open(fp, name);
	while ((rc = rdr_next(r, &rec)) != 0) {
		if (rc < 0) {
			refuse("%s", rdr_error(r));
			if (rc == -2)
				break;
			continue;
		}
		char *id = rec_scalar(json_object_get(rec, "id"));
		char *t = rec_scalar(json_object_get(rec, "tracking"));

		mark_row(m, name, rdr_line(r), id, t);
		free(id);
		free(t);
		json_decref(rec);
	}
	rdr_close(r);
	fclose(fp);
}

/* A table: eport's `id tracking` TSV, or the manifest as EMS sends it back,
 * CSV or xlsx, its columns found by the manifest's own headers. */
static void
mark_sheet(struct marks *m, const struct buf *in, const char *name)
{
	char err[512];
	json_t *rows, *row, *cells;
	const char *idh, *th;
	long idc = -1, tc = -1;
	size_t i, c;
	int xlsx;

	if (manifest_cols_load(&mc, st.home, err, sizeof err) < 0)
		die("%s", err);
	idh = manifest_header(&mc, "id");
	th = manifest_header(&mc, "tracking");
	if (sheet_read(in->s, in->len, &rows, &xlsx, err, sizeof err) < 0) {
		refuse("%s: %s", name, err);
		return;
	}
	json_array_foreach(rows, i, row) {
		cells = json_object_get(row, "cells");
		long at = json_integer_value(json_object_get(row, "at"));

		if (i == 0) {
			for (c = 0; c < json_array_size(cells); c++) {
				const char *h = json_string_value(json_array_get(cells, c));
				int is_t = is_head(h, th);

				for (size_t k = 0; !is_t && tracking_heads[k]; k++)
					is_t = is_head(h, tracking_heads[k]);
				if (idc < 0 && (is_head(h, idh) || is_head(h, "id")))
					idc = c;
				else if (tc < 0 && is_t)
					tc = c;
			}
			if (idc < 0 || tc < 0) {
				if (idc < 0)
					refuse("%s:%ld: no case column (%s, or id)", name, at, idh);
				else
					refuse("%s:%ld: no tracking column (%s, 运单号, or tracking)",
					    name, at, th ? th : "邮件号");
				break;
			}
			continue;
		}
		mark_row(m, name, at, jstr_at(cells, idc), jstr_at(cells, tc));
	}
	json_decref(rows);
}

static void
cmd_mark(int argc, char **argv)
{
	struct each e = { .fn = mark_one, .out = &out };
	struct marks m = { 0 };
	struct buf in = { 0 };
	const char *name = argc ? argv[0] : "<stdin>";
	size_t i;

	if (argc > 1)
		eport_usage(2);
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	st.dry = dry;
	if (argc ? read_file(argv[0], &in, SHEET_MAX) < 0 : read_all(stdin, &in) < 0)
		die("%s:", name);
	i = in.len >= 3 && !memcmp(in.s, "\xEF\xBB\xBF", 3) ? 3 : 0;
	for (; i < in.len && strchr(" \t\r\n", in.s[i]); i++)
		;
	if (i < in.len && in.s[i] == '{')
		mark_json(&m, &in, name);
	else
		mark_sheet(&m, &in, name);
	buf_free(&in);
	out.cols = row_cols;
	cases_each_items(&st, m.it, m.n, &e);
	for (i = 0; i < m.n; i++) {
		free((char *)m.it[i].id);
		json_decref((json_t *)m.it[i].rec);
		free((char *)m.it[i].pos);
	}
	free(m.it);
}

static void
step_cases(int argc, char **argv, each_fn fn, void *arg, int records)
{
	struct each e = { .fn = fn, .arg = arg, .out = &out, .records = records };

	out.cols = row_cols;
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	st.dry = dry;
	cases_each(&st, argc, argv, &e);
}

static void
opt(int c, char *arg)
{
	char *end;

	switch (c) {
	case 'd':
		errno = 0;
		min_days = strtol(arg, &end, 10);
		if (errno || *end || end == arg || min_days < 0 || min_days > 9999)
			die("-d '%s': not a number of working days", arg);
		break;
	case 'f':
		if (!money(arg))
			die("-f '%s': not an amount in yuan (22 or 22.50)", arg);
		freight = arg;
		break;
	case 't':
		id_type = arg;
		break;
	case 'e':
		if (strcmp(arg, "utf-8") && strcmp(arg, "gb18030"))
			die("-e '%s': not utf-8 or gb18030", arg);
		enc = arg;
		break;
	case 'F':
		if (strcmp(arg, "csv") && strcmp(arg, "tsv") && strcmp(arg, "xlsx"))
			die("-F '%s': not csv, tsv or xlsx", arg);
		fmt = arg;
		break;
	case 'j':
		out.json = 1;
		break;
	case 'm':
		reason = arg;
		break;
	case 'n':
		dry = 1;
		break;
	case 'o':
		opath = arg;
		break;
	}
}

int
main(int argc, char *argv[])
{
	static const struct sub subs[] = {
		{ "due", "j" }, { "manifest", "eFno" }, { "mark", "jn" }, { "deliver", "jn" },
		{ "bounce", "jmn" }, { "collect", "fjmnt" }, { "uncollected", "dj" },
	};
	const char *sub;

	eport_start(argc, argv, usage_text);
	sub = subs[eport_sub(&argc, &argv, subs, LEN(subs), "d:e:f:F:jm:no:t:h",
	    N_("'%s': not a subcommand (due, manifest, mark, deliver, bounce, collect or "
	    "uncollected)"), opt)].name;
	out.fp = stdout;
	if (!strcmp(fmt, "xlsx") && !opath)
		die("-F xlsx writes a workbook: name it with -o FILE");
	if (!strcmp(fmt, "xlsx") && strcmp(enc, "utf-8"))
		die("-e %s: a workbook is always Unicode", enc);
	if (!strcmp(sub, "due")) {
		if (argc)
			eport_usage(2);
		cmd_due();
	} else if (!strcmp(sub, "manifest")) {
		cmd_manifest(argc, argv);
	} else if (!strcmp(sub, "mark")) {
		cmd_mark(argc, argv);
	} else if (!strcmp(sub, "deliver")) {
		step_cases(argc, argv, arrive_one, "delivered", 0);
	} else if (!strcmp(sub, "bounce")) {
		if (!reason || !*reason)
			die("bounce needs the reason: -m REASON (undeliverable, refused...)");
		step_cases(argc, argv, arrive_one, "bounced", 0);
	} else if (!strcmp(sub, "collect")) {
		if (!reason || !*reason)
			die("collect needs who collected it: -m 'NAME ID_NUMBER'");
		parse_who(reason);
		step_cases(argc, argv, collect_one, NULL, 0);
		free(who.name);
		free(who.number);
	} else {
		if (argc)
			eport_usage(2);
		cmd_uncollected();
	}
	if (cal)
		warn_ahead();
	json_decref(unknown);
	cal_free(cal);
	manifest_cols_free(&mc);
	eport_close(&st);
	return eport_exit();
}
