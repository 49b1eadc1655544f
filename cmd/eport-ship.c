/* eport-ship: posting cases back by EMS, freight to pay (DESIGN.md section 7).
 *   due       the ready cases for post whose posting day has come:
 *             `id type uscc accepted posting manifest`
 *   manifest  the EMS manifest of a working day (CSV through libcsv, UTF-8
 *             with a BOM or GB18030; or TSV).  The first run for today takes
 *             the due cases not on a manifest yet and records them (DB_SHIP
 *             "DATE NUL id", the case's outbound.manifest, a `manifest` step);
 *             every run for that day prints the cases recorded, and only them
 *   mark      reads `id tracking` rows: ready -> shipped
 *   deliver   shipped -> delivered
 *   bounce    shipped -> bounced, with the reason (-m)
 * mark, deliver and bounce print `id state tracking` per case. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "eport.h"

static const char *fmt = "csv", *enc = "utf-8", *reason;
static int dry;
static struct out out;
static struct eport st;
static struct cal *cal;
static int gap;			/* the first year the calendar lacks */

static const char *const row_cols[] = { "id", "state", "tracking", NULL };
static const char *const due_cols[] = {
	"id", "type", "uscc", "accepted", "posting", "manifest", NULL,
};
/* The manifest's columns: names for TSV, and the headings of the CSV that
 * EMS and Excel read. */
static const char *const man_cols[] = {
	"id", "recipient", "phone", "address", "contents", "pieces", "payment",
	"sender", "sender_phone", "sender_address", NULL,
};
static const char *const man_heads[] = {
	"业务编号", "收件人", "收件人电话", "收件人地址", "内件", "件数", "付款方式",
	"寄件人", "寄件人电话", "寄件人地址", NULL,
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: eport-ship due [-j]\n"
	    "       eport-ship manifest [-n] [-F csv|tsv] [-e utf-8|gb18030] [DATE]\n"
	    "       eport-ship mark [-jn] <ROWS\n"
	    "       eport-ship deliver [-jn] [CASE...]\n"
	    "       eport-ship bounce [-jn] -m REASON [CASE...]\n");
	exit(status);
}

static void
note(int year)
{
	if (year && (!gap || year < gap))
		gap = year;
}

static void
load_cal(void)
{
	char err[512];

	if (!(cal = cal_load(st.home, err, sizeof err)) ||
	    cal_set_hours(cal, cfg_str(&st, "office.hours", CAL_HOURS), err, sizeof err) < 0)
		die("%s", err);
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
 * yet.  *rows (may be NULL) gets a `due` row for each. */
static json_t *
due_ids(MDB_txn *txn, long day, int onlynew, json_t **rows)
{
	json_t *ids = json_array(), *kase;
	MDB_cursor *c;
	MDB_val k = { 5, "ready" }, v;
	int rc, g;

	if (rows)
		*rows = json_array();
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
		}
		note(g);
		if (pday > day)
			goto next;
		json_array_append_new(ids, json_string(id));
		if (rows) {
			ship_accepted(&st, txn, kase, &t);
			fmt_time(t, acc);
			cal_fmt_day(pday, post);
			json_array_append_new(*rows, json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}",
			    "id", id, "type", jstr(kase, "type"),
			    "uscc", json_string_value(json_path(kase, "enterprise.uscc")),
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
	size_t n;
	char (*ids)[48];
	git_oid *commits;
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

	m->n = 0;
	k = ship_key(kb, sizeof kb, m->date, NULL);
	if ((rc = mdb_get(txn, s->dbi[DB_SHIP], &k, &v)) != MDB_NOTFOUND)
		return rc;
	rc = 0;
	ids = due_ids(txn, m->day, 1, NULL);
	m->ids = xrealloc(m->ids, (json_array_size(ids) + 1) * sizeof *m->ids);
	m->commits = xrealloc(m->commits, (json_array_size(ids) + 1) * sizeof *m->commits);
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
		if (!(rc = mdb_put(txn, s->dbi[DB_SHIP], &k, &v, MDB_NOOVERWRITE)) &&
		    !(rc = case_step(s, txn, kase, &step))) {
			snprintf(m->ids[m->n], sizeof m->ids[m->n], "%s", cid);
			m->commits[m->n++] = step.commit;
		}
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

static void
csv_field(FILE *fp, const char *s, int first)
{
	if (!first)
		fputc(',', fp);
	if (csv_fwrite(fp, s, strlen(s)) < 0)
		die("csv: cannot write");
}

/* The manifest of the cases ids, in the encoding asked for. */
static void
print_manifest(MDB_txn *txn, const json_t *ids)
{
	const char *sender[3] = {
		cfg_str(&st, "ship.sender-name", ""),
		cfg_str(&st, "ship.sender-phone", ""),
		cfg_str(&st, "ship.sender-address", ""),
	};
	const char *payment = cfg_str(&st, "ship.payment", "到付");
	int csv = !strcmp(fmt, "csv");
	struct out o = { 0 };
	char *text = NULL;
	size_t len = 0, i;
	json_t *id;
	FILE *fp;

	if (!(fp = open_memstream(&text, &len)))
		die("open_memstream:");
	o.fp = fp;
	o.cols = man_cols;
	if (csv) {
		if (!strcmp(enc, "utf-8"))
			fputs("\xEF\xBB\xBF", fp);	/* so that Excel reads UTF-8 */
		for (i = 0; man_heads[i]; i++)
			csv_field(fp, man_heads[i], i == 0);
		fputs("\r\n", fp);
	} else {
		for (i = 0; man_cols[i]; i++)
			fprintf(fp, "%s%s", i ? "\t" : "", man_cols[i]);
		fputc('\n', fp);
		o.header_done = 1;
	}
	json_array_foreach(ids, i, id) {
		json_t *kase = case_get(&st, txn, json_string_value(id)), *mail, *row;
		char *contents;

		if (!kase)
			die("%s: on the manifest, but no such case", json_string_value(id));
		mail = json_object_get(kase, "mail");
		contents = ship_contents(&st, txn, kase);
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "id", jstr(kase, "id"), "recipient", jstr(mail, "recipient"),
		    "phone", jstr(mail, "phone"), "address", jstr(mail, "address"),
		    "contents", contents, "pieces", "1", "payment", payment,
		    "sender", sender[0], "sender_phone", sender[1], "sender_address", sender[2]);
		if (csv) {
			for (size_t c = 0; man_cols[c]; c++)
				csv_field(fp, jstr(row, man_cols[c]), c == 0);
			fputs("\r\n", fp);
		} else {
			out_row(&o, row);
		}
		json_decref(row);
		free(contents);
		json_decref(kase);
	}
	if (fclose(fp) == EOF)
		die("open_memstream:");
	if (!strcmp(enc, "gb18030")) {
		iconv_t cd = iconv_open("GB18030", "UTF-8");
		size_t cap = 4 * len + 16, left = cap, inleft = len;
		char *conv = xmalloc(cap), *in = text, *p = conv;

		if (cd == (iconv_t)-1)
			die("iconv: UTF-8 to GB18030:");
		if (iconv(cd, &in, &inleft, &p, &left) == (size_t)-1 ||
		    iconv(cd, NULL, NULL, &p, &left) == (size_t)-1)
			die("iconv: UTF-8 to GB18030:");
		iconv_close(cd);
		free(text);
		text = conv;
		len = p - conv;
	}
	fwrite(text, 1, len, stdout);
	free(text);
}

static void
cmd_manifest(int argc, char **argv)
{
	char today[11], date[11];
	struct made m = { 0 };
	MDB_txn *txn;
	json_t *ids;
	long day;
	int rc, g;

	if (argc > 1)
		usage(2);
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	load_cal();
	cal_fmt_day(cal_day_of(eport_now()), today);
	if (argc && cal_parse_day(argv[0], &day) < 0)
		die("'%s': not a date (YYYY-MM-DD)", argv[0]);
	if (!argc)
		day = cal_day_of(eport_now());
	cal_fmt_day(day, date);
	if (!cal_is_workday(cal, day, &g)) {
		note(g);
		return;
	}
	note(g);
	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	ids = recorded(txn, date);
	if (!ids && dry) {
		ids = due_ids(txn, day, 1, NULL);
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
		if (store_write(&st, make_txn, &m))
			die("%s", st.errbuf);
		for (size_t i = 0; i < m.n; i++)
			if (repo_advance(&st, m.ids[i], &m.commits[i]) < 0)
				warnx("%s: ref not moved (eport-fsck -r will): %s", m.ids[i], git_err());
		repo_settle(&st);
		free(m.ids);
		free(m.commits);
		if ((rc = store_read(&st, &txn)))
			die("db: %s", store_err(rc));
		ids = recorded(txn, date);
	}
	print_manifest(txn, ids);
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
	snprintf(s->errbuf, sizeof s->errbuf, "case is %s, not %s", jstr(kase, "state"), want);
	return 1;
}

/* mark: one `id tracking` row */
static int
mark_one(struct eport *s, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	struct step step = { .action = "ship", .to = "shipped" };
	char *tracking = json_scalar(json_object_get(it->rec, "tracking")), at[32];
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
		    "case is for collection at the hall, not for post");
		goto out;
	}
	if (!*tracking) {
		snprintf(s->errbuf, sizeof s->errbuf, "%s: tracking: missing", it->pos);
		goto out;
	}
	if (!tracking_valid(tracking)) {
		snprintf(s->errbuf, sizeof s->errbuf, "%s: tracking: '%.40s' is neither a "
		    "domestic EMS number (13 digits) nor a UPU S10 number with its check digit",
		    it->pos, tracking);
		goto out;
	}
	/* an EMS number goes on one parcel only */
	snprintf(kb, sizeof kb, "tracking:%s", tracking);
	if ((rc = db_get(s, txn, DB_SHIP, kb, &v)) == 0) {
		snprintf(s->errbuf, sizeof s->errbuf, "%s: tracking: '%s' is already case %.*s's",
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
	if ((rc = mdb_put(txn, s->dbi[DB_SHIP], &k, &v, 0)))
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

int
main(int argc, char *argv[])
{
	const char *sub, *allowed;
	int c;

	setprogname(argv[0]);
	if (argc < 2)
		usage(2);
	if (!strcmp(argv[1], "-h"))
		usage(0);
	sub = argv[1];
	if (!strcmp(sub, "due"))
		allowed = "jh";
	else if (!strcmp(sub, "manifest"))
		allowed = "eFnh";
	else if (!strcmp(sub, "mark") || !strcmp(sub, "deliver"))
		allowed = "jnh";
	else if (!strcmp(sub, "bounce"))
		allowed = "jmnh";
	else
		usage(2);
	argc--;
	argv++;
	while ((c = getopt(argc, argv, "e:F:jm:nh")) != -1) {
		if (c == '?' || !strchr(allowed, c))
			usage(2);
		switch (c) {
		case 'e':
			if (strcmp(optarg, "utf-8") && strcmp(optarg, "gb18030"))
				die("-e '%s': not utf-8 or gb18030", optarg);
			enc = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "csv") && strcmp(optarg, "tsv"))
				die("-F '%s': not csv or tsv", optarg);
			fmt = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'j':
			out.json = 1;
			break;
		case 'm':
			reason = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	out.fp = stdout;
	if (!strcmp(sub, "due")) {
		if (argc)
			usage(2);
		cmd_due();
	} else if (!strcmp(sub, "manifest")) {
		cmd_manifest(argc, argv);
	} else if (!strcmp(sub, "mark")) {
		if (argc)
			usage(2);
		step_cases(0, NULL, mark_one, NULL, 1);
	} else if (!strcmp(sub, "deliver")) {
		step_cases(argc, argv, arrive_one, "delivered", 0);
	} else {
		if (!reason || !*reason)
			die("bounce needs the reason: -m REASON (undeliverable, refused...)");
		step_cases(argc, argv, arrive_one, "bounced", 0);
	}
	if (gap)
		warnx("warning: %d is not in the calendar; counting Monday to Friday only", gap);
	cal_free(cal);
	eport_close(&st);
	return eport_exit();
}
