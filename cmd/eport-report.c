/* eport-report: the office's workload over a period (DESIGN.md section 10),
 * from the index of events by time (DB_EVTIME), so that its cost follows the
 * period asked for and the events after it, never the size of the store.
 *   -t work     per day and staff member: cases taken in, checked, accepted,
 *               cards written, posted, collected (the default)
 *   -t backlog  per day: the cases in each state at the day's end
 *   -t age      the backlog at UNTIL by state and working days in the state
 *   -t posting  per day: cases posted, on or before their posting day, share
 *   -t stages   per stage left in the period: cases, median working days
 * TSV with a header, or JSON Lines with -j; with -o FILE.pdf or FILE.svg a
 * page of plots instead (bars per day, the backlog over time).  Reads only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "each.h"
#include "office.h"

#define MAX_DAYS 3660		/* ten years at most in one report */

static struct eport st;
static MDB_txn *txn;
static struct cal *cal;
static struct out out;
static const char *table = "work", *opath;
static long since, until;	/* days, office time */
static int gap;

enum { W_TAKEN, W_CHECKED, W_ACCEPTED, W_WRITTEN, W_POSTED, W_COLLECTED, W_N };
static const char *const work_cols[] = {
	"day", "staff", "taken", "checked", "accepted", "written", "posted", "collected", NULL,
};
static const char *const work_zh[W_N] = {
	"受理", "检查", "审核通过", "制卡", "邮寄", "领取",
};
/* the states as the office says them, for the plot's legend */
static const char *const state_zh[][2] = {
	{ "received", "待检查" }, { "checked", "待审核" }, { "incomplete", "材料不全" },
	{ "accepted", "待制卡" }, { "rejected", "不予受理" }, { "returned", "待补正" },
	{ "ready", "待寄出或领取" }, { "shipped", "已邮寄" }, { "delivered", "已送达" },
	{ "bounced", "已退回" }, { "collected", "已领取" }, { "withdrawn", "已撤回" },
};
static const char *const age_cols[] = {
	"state", "cases", "0-1", "2-3", "4-5", "6-10", "11+", "earlier", NULL,
};
static const char *const posting_cols[] = { "day", "posted", "on_time", "share", NULL };
static const char *const stage_cols[] = { "stage", "cases", "median", NULL };

static size_t nstates;		/* the open states: case_states less closed */
static const char **states;
static long nd;			/* days in the period */
static long *backlog;		/* nd * nstates: at each day's end */
static json_t *work;		/* "day\037staff" -> [W_N counts] */
static long *posted, *on_time;	/* per day */
static json_t *stages;		/* state -> [working days, ...] */
static long *age;		/* nstates * 6 buckets */

static const char usage_text[] = N_("usage: eport-report [-j] [-S SINCE] [-U UNTIL] [-t work|backlog|age|posting|stages]\n"
    "       eport-report [-S SINCE] [-U UNTIL] -o FILE.pdf|FILE.svg\n");

static void
note(int year)
{
	if (year && (!gap || year < gap))
		gap = year;
}

static int
state_index(const char *s)
{
	for (size_t i = 0; i < nstates; i++)
		if (!strcmp(states[i], s))
			return i;
	return -1;
}

static const char *
zh_state(const char *s)
{
	for (size_t i = 0; i < LEN(state_zh); i++)
		if (!strcmp(state_zh[i][0], s))
			return state_zh[i][1];
	return s;
}

/* The working days after day a up to day b. */
static long
wd_between(long a, long b)
{
	long n = 0;
	int g;

	for (long d = a + 1; d <= b; d++) {
		n += cal_is_workday(cal, d, &g) ? 1 : 0;
		note(g);
	}
	return n;
}

/* The day a step taken at t counts from (outside hall hours: the next
 * working day's). */
static long
effective(time_t t)
{
	long d;
	int g;

	cal_effective(cal, t, &d, &g);
	note(g);
	return d;
}

static long
day_of(const char *at)
{
	time_t t;

	return parse_time(at, &t) < 0 ? -1 : cal_day_of(t);
}

/* Which measure of the work an action is, or -1. */
static int
measure(const char *action)
{
	static const char *const acts[][2] = {
		{ "apply", "taken" }, { "check", "checked" }, { "accept", "accepted" },
		{ "card", "written" }, { "unlock", "written" }, { "renew", "written" },
		{ "ship", "posted" }, { "collect", "collected" },
	};

	for (size_t i = 0; i < LEN(acts); i++)
		if (!strcmp(action, acts[i][0]))
			for (int w = 0; w < W_N; w++)
				if (!strcmp(work_cols[w + 2], acts[i][1]))
					return w;
	return -1;
}

static void
count_work(const json_t *ev, long day)
{
	int w = measure(jstr(ev, "action"));
	char key[160], d[11];
	json_t *row;

	if (w < 0)
		return;
	cal_fmt_day(day, d);
	snprintf(key, sizeof key, "%s\037%s", d, jstr(ev, "by"));
	if (!(row = json_object_get(work, key))) {
		row = json_array();
		for (int i = 0; i < W_N; i++)
			json_array_append_new(row, json_integer(0));
		json_object_set_new(work, key, row);
	}
	json_array_set_new(row, w, json_integer(json_integer_value(json_array_get(row, w)) + 1));
}

/* A case posted on day: on or before its posting day? */
static void
count_posting(const char *id, long day)
{
	json_t *kase = case_get(&st, txn, id);
	long pday;
	int g;

	posted[day - since]++;
	if (kase && ship_posting(&st, txn, cal, kase, &pday, &g) == 0 && day <= pday)
		on_time[day - since]++;
	note(kase ? g : 0);
	json_decref(kase);
}

/* The stage the event ends: the working days since the case entered it. */
static void
count_stage(const char *id, uint32_t seq, const json_t *ev)
{
	const char *from = jstr(ev, "from");
	json_t *h = case_history(&st, txn, id), *e, *durs;
	time_t a, b;

	for (size_t i = seq - 1; i-- > 0;) {
		e = json_array_get(h, i);
		if (!e || strcmp(jstr(e, "to"), from) || !strcmp(jstr(e, "from"), from))
			continue;
		if (parse_time(jstr(e, "at"), &a) == 0 && parse_time(jstr(ev, "at"), &b) == 0) {
			if (!(durs = json_object_get(stages, from))) {
				durs = json_array();
				json_object_set_new(stages, from, durs);
			}
			json_array_append_new(durs, json_integer(wd_between(effective(a), effective(b))));
		}
		break;
	}
	json_decref(h);
}

/* The state counts now, from the state index. */
static void
counts_now(long *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	size_t n;

	if (mdb_cursor_open(txn, st.dbi[DB_STATE], &cur))
		die("db: cannot open a cursor");
	for (size_t i = 0; i < nstates; i++) {
		k.mv_size = strlen(states[i]);
		k.mv_data = (void *)states[i];
		c[i] = 0;
		if (mdb_cursor_get(cur, &k, &v, MDB_SET_KEY) == 0 && mdb_cursor_count(cur, &n) == 0)
			c[i] = n;
	}
	mdb_cursor_close(cur);
}

/* One pass from the latest event back to the period's first: the counts
 * now, each later event undone, give the backlog at each day's end; the
 * events of the period are counted as they pass. */
static void
gather(void)
{
	long *c = xcalloc(nstates, sizeof *c), boundary = until;
	json_t *last = json_object();	/* id -> its last state change up to until */
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	counts_now(c);
	if (mdb_cursor_open(txn, st.dbi[DB_EVTIME], &cur))
		die("db: cannot open a cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		const char *key = k.mv_data, *nul = memchr(key, '\0', k.mv_size);
		char at[32], id[128];
		size_t idlen;
		uint32_t seq;
		MDB_val ek, ev;
		json_t *e;
		long day;
		int f, t;

		if (!nul || nul - key >= (long)sizeof at || k.mv_size - (nul + 1 - key) < 6)
			continue;
		memcpy(at, key, nul - key);
		at[nul - key] = '\0';
		if ((day = day_of(at)) < since)
			break;
		while (boundary >= day && boundary >= since) {
			if (boundary <= until)
				memcpy(&backlog[(boundary - since) * nstates], c, nstates * sizeof *c);
			boundary--;
		}
		ek.mv_data = (void *)(nul + 1);
		ek.mv_size = k.mv_size - (nul + 1 - key);
		idlen = ek.mv_size - 5;
		if (idlen >= sizeof id || mdb_get(txn, st.dbi[DB_EVENTS], &ek, &ev))
			continue;
		memcpy(id, ek.mv_data, idlen);
		id[idlen] = '\0';
		seq = (uint32_t)((unsigned char *)ek.mv_data)[idlen + 1] << 24 |
		    (uint32_t)((unsigned char *)ek.mv_data)[idlen + 2] << 16 |
		    (uint32_t)((unsigned char *)ek.mv_data)[idlen + 3] << 8 |
		    ((unsigned char *)ek.mv_data)[idlen + 4];
		if (!(e = json_loadb(ev.mv_data, ev.mv_size, 0, NULL)))
			continue;
		f = state_index(jstr(e, "from"));
		t = state_index(jstr(e, "to"));
		if (strcmp(jstr(e, "from"), jstr(e, "to"))) {
			if (day <= until) {
				if (!json_object_get(last, id))
					json_object_set_new(last, id, json_pack("{s:s, s:s}",
					    "state", jstr(e, "to"), "at", at));
				if (*jstr(e, "from"))
					count_stage(id, seq, e);
			}
			if (t >= 0)
				c[t]--;
			if (f >= 0)
				c[f]++;
		}
		if (day <= until) {
			count_work(e, day);
			if (!strcmp(jstr(e, "action"), "ship"))
				count_posting(id, day);
		}
		json_decref(e);
	}
	mdb_cursor_close(cur);
	for (; boundary >= since; boundary--)
		if (boundary <= until)
			memcpy(&backlog[(boundary - since) * nstates], c, nstates * sizeof *c);
	/* the ages at until's end: the cases that entered their state in the
	 * period, by working days; the rest of each state's backlog came earlier */
	{
		const char *id;
		json_t *l;

		json_object_foreach(last, id, l) {
			int s = state_index(jstr(l, "state"));
			time_t t;
			long n, b;

			if (s < 0 || parse_time(jstr(l, "at"), &t) < 0)
				continue;
			n = wd_between(effective(t), until);
			b = n <= 1 ? 0 : n <= 3 ? 1 : n <= 5 ? 2 : n <= 10 ? 3 : 4;
			age[s * 6 + b]++;
		}
	}
	for (size_t s = 0; s < nstates; s++) {
		long known = 0;

		for (int b = 0; b < 5; b++)
			known += age[s * 6 + b];
		age[s * 6 + 5] = backlog[(until - since) * nstates + s] - known;
		if (age[s * 6 + 5] < 0)
			age[s * 6 + 5] = 0;
	}
	json_decref(last);
	free(c);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
by_int(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static double
median(json_t *durs)
{
	size_t n = json_array_size(durs), i;
	long *v = xcalloc(n + 1, sizeof *v);
	json_t *d;
	double m;

	json_array_foreach(durs, i, d)
		v[i] = json_integer_value(d);
	qsort(v, n, sizeof *v, by_int);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	free(v);
	return m;
}

static void
print_work(void)
{
	size_t n = json_object_size(work), i = 0;
	const char **keys = xcalloc(n + 1, sizeof *keys), *key;
	json_t *row;

	out.cols = work_cols;
	json_object_foreach(work, key, row)
		keys[i++] = key;
	qsort(keys, n, sizeof *keys, by_key);
	for (i = 0; i < n; i++) {
		const char *sep = strchr(keys[i], '\037');
		json_t *r = json_pack("{s:s%, s:s}", "day", keys[i], (size_t)(sep - keys[i]),
		    "staff", sep + 1);

		row = json_object_get(work, keys[i]);
		for (int w = 0; w < W_N; w++)
			json_object_set(r, work_cols[w + 2], json_array_get(row, w));
		out_row(&out, r);
		json_decref(r);
	}
	for (i = 0; !n && !out.json && work_cols[i]; i++)
		printf("%s%s", i ? "\t" : "", work_cols[i]);
	if (!n && !out.json)
		putchar('\n');
	free(keys);
}

static void
print_backlog(void)
{
	const char **cols = xcalloc(nstates + 3, sizeof *cols);
	char d[11];

	cols[0] = "day";
	for (size_t s = 0; s < nstates; s++)
		cols[s + 1] = states[s];
	cols[nstates + 1] = "total";
	out.cols = cols;
	for (long i = 0; i < nd; i++) {
		json_t *r = json_object();
		long total = 0;

		cal_fmt_day(since + i, d);
		json_object_set_new(r, "day", json_string(d));
		for (size_t s = 0; s < nstates; s++) {
			json_object_set_new(r, states[s], json_integer(backlog[i * nstates + s]));
			total += backlog[i * nstates + s];
		}
		json_object_set_new(r, "total", json_integer(total));
		out_row(&out, r);
		json_decref(r);
	}
	free(cols);
}

static void
print_age(void)
{
	out.cols = age_cols;
	for (size_t s = 0; s < nstates; s++) {
		long cases = backlog[(until - since) * nstates + s];
		json_t *r;

		if (!cases)
			continue;
		r = json_pack("{s:s, s:I}", "state", states[s], "cases", (json_int_t)cases);
		for (int b = 0; b < 6; b++)
			json_object_set_new(r, age_cols[b + 2], json_integer(age[s * 6 + b]));
		out_row(&out, r);
		json_decref(r);
	}
}

static char *
share(long a, long b)
{
	return xasprintf("%.3f", b ? (double)a / b : 0.0);
}

static void
print_posting(void)
{
	long all = 0, ok = 0;
	char d[11], *sh;
	json_t *r;

	out.cols = posting_cols;
	for (long i = 0; i < nd; i++) {
		if (!posted[i])
			continue;
		cal_fmt_day(since + i, d);
		sh = share(on_time[i], posted[i]);
		r = json_pack("{s:s, s:I, s:I, s:s}", "day", d, "posted", (json_int_t)posted[i],
		    "on_time", (json_int_t)on_time[i], "share", sh);
		out_row(&out, r);
		json_decref(r);
		free(sh);
		all += posted[i];
		ok += on_time[i];
	}
	sh = share(ok, all);
	r = json_pack("{s:s, s:I, s:I, s:s}", "day", "total", "posted", (json_int_t)all,
	    "on_time", (json_int_t)ok, "share", sh);
	out_row(&out, r);
	json_decref(r);
	free(sh);
}

static void
print_stages(void)
{
	out.cols = stage_cols;
	for (size_t s = 0; s < nstates; s++) {
		json_t *durs = json_object_get(stages, states[s]), *r;
		char m[32];

		if (!json_array_size(durs))
			continue;
		snprintf(m, sizeof m, "%g", median(durs));
		r = json_pack("{s:s, s:I, s:s}", "stage", states[s],
		    "cases", (json_int_t)json_array_size(durs), "median", m);
		out_row(&out, r);
		json_decref(r);
	}
}

/* The page: the work per day in bars, the backlog in lines, the posting
 * share and the stages in words. */
static void
plot(void)
{
	char (*days)[11] = xcalloc(nd, sizeof *days), *tmp, err[512], d0[11], d1[11];
	const char **x = xcalloc(nd, sizeof *x), **bl = xcalloc(nstates, sizeof *bl);
	double *wv = xcalloc(W_N * nd, sizeof *wv), *bv = xcalloc(nstates * nd, sizeof *bv);
	size_t nb = 0, i;
	long all = 0, ok = 0;
	struct buf notes = { 0 };
	struct chart c[2];
	const char *key, *ext = strrchr(opath, '.');
	json_t *row;
	FILE *fp;
	int fd, svg = ext && !strcmp(ext, ".svg");

	for (long i = 0; i < nd; i++) {
		cal_fmt_day(since + i, days[i]);
		x[i] = days[i] + 5;	/* MM-DD */
	}
	json_object_foreach(work, key, row) {
		char k10[11];
		long di;

		snprintf(k10, sizeof k10, "%.10s", key);
		if (cal_parse_day(k10, &di) < 0 || di < since || di > until)
			continue;
		for (int w = 0; w < W_N; w++)
			wv[w * nd + (di - since)] += json_integer_value(json_array_get(row, w));
	}
	/* the states that hold cases some day of the period */
	for (size_t s = 0; s < nstates; s++) {
		long any = 0;

		for (long i = 0; i < nd; i++)
			any += backlog[i * nstates + s];
		if (!any)
			continue;
		bl[nb] = zh_state(states[s]);
		for (long i = 0; i < nd; i++)
			bv[nb * nd + i] = backlog[i * nstates + s];
		nb++;
	}
	c[0] = (struct chart){ "每日工作量（件）", CHART_BARS, nd, W_N, x, work_zh, wv };
	c[1] = (struct chart){ "积压（各状态案件数，每日下班时）", CHART_LINES, nd, nb, x, bl, bv };
	for (long i = 0; i < nd; i++) {
		all += posted[i];
		ok += on_time[i];
	}
	if (all)
		buf_printf(&notes, "按时寄出：%ld 件中 %ld 件（%.1f%%）在寄递日当日或之前寄出。\n", all, ok,
		    100.0 * ok / all);
	else
		buf_puts(&notes, "按时寄出：本期无邮寄。\n");
	buf_puts(&notes, "各环节用时中位数（工作日）：");
	for (i = 0; i < nstates; i++) {
		json_t *durs = json_object_get(stages, states[i]);

		if (json_array_size(durs))
			buf_printf(&notes, "%s %g（%zu 件）  ", zh_state(states[i]), median(durs),
			    json_array_size(durs));
	}
	cal_fmt_day(since, d0);
	cal_fmt_day(until, d1);
	{
		char *title = xasprintf("%s 工作量报告 %s 至 %s", cfg_str(&st, "office.name", ""), d0, d1);

		tmp = xasprintf("%s.XXXXXX", opath);
		if ((fd = mkstemp(tmp)) < 0 || !(fp = fdopen(fd, "w")))
			die("%s:", opath);
		fchmod(fd, 0644);
		if (plot_page(fp, svg, title, c, 2, notes.s, eport_now(), err, sizeof err) < 0) {
			fclose(fp);
			unlink(tmp);
			die("%s: %s", opath, err);
		}
		if (fclose(fp) == EOF || rename(tmp, opath) < 0) {
			unlink(tmp);
			die("%s:", opath);
		}
		free(title);
	}
	free(tmp);
	buf_free(&notes);
	free(days);
	free(x);
	free(bl);
	free(wv);
	free(bv);
}

static long
parse_day(const char *opt, const char *s)
{
	long d;

	if (cal_parse_day(s, &d) < 0)
		die("-%s '%s': not a date (YYYY-MM-DD)", opt, s);
	return d;
}

int
main(int argc, char *argv[])
{
	const char *S = NULL, *U = NULL;
	char err[512];
	int c;

	eport_start(argc, argv, usage_text);
	while ((c = getopt(argc, argv, "jo:S:t:U:h")) != -1) {
		switch (c) {
		case 'j':
			out.json = 1;
			break;
		case 'o':
			opath = optarg;
			break;
		case 'S':
			S = optarg;
			break;
		case 't':
			table = optarg;
			break;
		case 'U':
			U = optarg;
			break;
		case 'h':
			eport_usage(0);
			break;
		default:
			eport_usage(2);
		}
	}
	if (argc > optind)
		eport_usage(2);
	if (strcmp(table, "work") && strcmp(table, "backlog") && strcmp(table, "age") &&
	    strcmp(table, "posting") && strcmp(table, "stages"))
		die("-t '%s': not work, backlog, age, posting or stages", table);
	if (opath && (!strrchr(opath, '.') || (strcmp(strrchr(opath, '.'), ".pdf") &&
	    strcmp(strrchr(opath, '.'), ".svg"))))
		die("-o '%s': a plot is a .pdf or an .svg", opath);
	until = U ? parse_day("U", U) : cal_day_of(eport_now());
	since = S ? parse_day("S", S) : until - 6;
	if (since > until)
		die("-S %s is after -U %s", S ? S : "", U ? U : "today");
	if ((nd = until - since + 1) > MAX_DAYS)
		die("%ld days: a report covers %d days at most", nd, MAX_DAYS);
	out.fp = stdout;
	txn = eport_open_read(&st);
	if (!st.dbi[DB_EVTIME])
		die("the store has no index of events by time, and this login cannot write it "
		    "(any command of a login that can builds it)");
	eport_cfg(&st);
	if (!(cal = cal_load(st.home, err, sizeof err)) ||
	    cal_set_hours(cal, cfg_str(&st, "office.hours", CAL_HOURS), err, sizeof err) < 0)
		die("%s", err);
	for (nstates = 0; case_states[nstates]; nstates++)
		;
	states = xcalloc(nstates, sizeof *states);
	for (size_t i = 0, j = 0; case_states[i]; i++)
		if (strcmp(case_states[i], "closed"))
			states[j++] = case_states[i];
	nstates--;
	backlog = xcalloc(nd * nstates, sizeof *backlog);
	posted = xcalloc(nd, sizeof *posted);
	on_time = xcalloc(nd, sizeof *on_time);
	age = xcalloc(nstates * 6, sizeof *age);
	work = json_object();
	stages = json_object();
	gather();
	if (opath)
		plot();
	else if (!strcmp(table, "work"))
		print_work();
	else if (!strcmp(table, "backlog"))
		print_backlog();
	else if (!strcmp(table, "age"))
		print_age();
	else if (!strcmp(table, "posting"))
		print_posting();
	else
		print_stages();
	if (gap)
		warnx("warning: %d is not in the calendar; counting Monday to Friday only", gap);
	json_decref(work);
	json_decref(stages);
	free(backlog);
	free(posted);
	free(on_time);
	free(age);
	free(states);
	cal_free(cal);
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}
