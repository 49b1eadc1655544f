/* cal.c: working days, hall hours and posting days (DESIGN.md section 7).
 *
 * The calendar is share/eport/holidays.tsv, then the office's own
 * $EPORT_HOME/holidays.tsv; each line is `date kind name`, kind `holiday` or
 * `workday`, and a later line for a date replaces an earlier one.  A working
 * day is Monday to Friday, or a weekend day listed `workday`, and not listed
 * `holiday`.  The calendar covers the years it has any line for.  It fails
 * closed (DESIGN.md section 8): a function that would have to consult a day
 * of any other year answers CAL_GAP with that year in *gap, never a guess
 * from Monday to Friday, so that no posting day lands on an unknown holiday.
 *
 * Days are numbered from 1970-01-01 (day 0) in office time (UTC+8). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "types.h"
#include "cal.h"

#define CAL_MAX_SPANS 8
#define DAY_SECS 86400L

struct entry {
	long day;
	int work;
	size_t seq;		/* order read, so that a later line wins */
};

struct cal {
	struct entry *e;
	size_t n, cap;
	int *years;		/* sorted, unique */
	size_t nyears;
	int span[CAL_MAX_SPANS][2];	/* hall hours: [open, close) in minutes */
	int nspan;
	char *office;		/* the office's file, where a missing year goes */
};

long
cal_day_of(time_t t)
{
	long s = (long)t + EPORT_TZ_OFFSET, d = s / DAY_SECS;

	return s % DAY_SECS < 0 ? d - 1 : d;
}

/* exactly YYYY-MM-DD, a real date */
int
cal_parse_day(const char *s, long *day)
{
	time_t t;

	if (strlen(s) != 10)
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	if (parse_time(s, &t) < 0)
		return -1;
	*day = cal_day_of(t);
	return 0;
}

void
cal_fmt_day(long day, char out[11])
{
	fmt_date((time_t)day * DAY_SECS - EPORT_TZ_OFFSET, out);
}

int
cal_year(long day)
{
	time_t t = (time_t)day * DAY_SECS;
	struct tm tm;

	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

static long
last_day(void)
{
	static long last;

	if (!last)
		cal_parse_day("9999-12-31", &last);
	return last;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void
add_entry(struct cal *c, long day, int work)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->e = xrealloc(c->e, c->cap * sizeof *c->e);
	}
	c->e[c->n].day = day;
	c->e[c->n].work = work;
	c->e[c->n].seq = c->n;
	c->n++;
}

/* One line: date TAB kind [TAB name].  0, or -1 with the reason in err. */
static int
cal_row(void *arg, char **f, char *err, size_t errlen)
{
	struct cal *c = arg;
	int work;
	long day;

	if (cal_parse_day(f[0], &day) < 0) {
		snprintf(err, errlen, _("'%s': not a valid date"), f[0]);
		return -1;
	}
	if (!strcmp(f[1], "holiday"))
		work = 0;
	else if (!strcmp(f[1], "workday"))
		work = 1;
	else {
		snprintf(err, errlen, _("'%s': kind is not holiday or workday"), f[1]);
		return -1;
	}
	add_entry(c, day, work);
	return 0;
}

/* Sort by day, keep the last line read for each day, and note the years. */
static void
settle(struct cal *c)
{
	size_t i, n = 0;

	qsort(c->e, c->n, sizeof *c->e, entry_cmp);
	for (i = 0; i < c->n; i++) {
		if (n && c->e[n - 1].day == c->e[i].day)
			n--;
		c->e[n++] = c->e[i];
	}
	c->n = n;
	c->years = xcalloc(n ? n : 1, sizeof *c->years);
	for (i = 0; i < n; i++) {
		int y = cal_year(c->e[i].day);

		if (!c->nyears || c->years[c->nyears - 1] != y)
			c->years[c->nyears++] = y;
	}
}

/* holidays.tsv of every layer (layers_load): blank lines, # comments and
 * the header line (date TAB kind TAB name) skipped; a later line for a day
 * wins (settle).  The office adds a year to its own layer: the last that
 * has the file, else the store's. */
struct cal *
cal_load(const char *home, char *err, size_t errlen)
{
	static const char *const cols[] = { "date", "kind", "name" };
	struct cal *c = xcalloc(1, sizeof *c);
	struct tsv t = { .cols = cols, .ncols = LEN(cols), .fixed = TSV_BARE, .min_fields = 2,
		.shape = N_("expected date, kind and name separated by tabs"),
		.header_msg = N_("the header is not 'date kind name'"), .need_first = 1,
		.fn = cal_row, .arg = c };
	const char *dir[LAYERS_MAX];
	size_t n = layer_dirs(home, dir);
	int rc;

	rc = layers_load(home, "holidays.tsv", &t, NULL, err, errlen);
	while (n-- > 1 && !c->office) {
		char *p = xasprintf("%s/holidays.tsv", dir[n]);

		if (access(p, F_OK) == 0)
			c->office = p;
		else
			free(p);
	}
	if (!c->office)
		c->office = home ? xasprintf("%s/holidays.tsv", home) :
		    xstrdup("$EPORT_HOME/holidays.tsv");
	if (rc == 0)
		rc = cal_set_hours(c, CAL_HOURS, err, errlen);
	if (rc < 0) {
		cal_free(c);
		return NULL;
	}
	settle(c);
	return c;
}

void
cal_free(struct cal *c)
{
	if (!c)
		return;
	free(c->e);
	free(c->years);
	free(c->office);
	free(c);
}

/* HH:MM, 00:00 to 24:00, in minutes */
static int
parse_hm(const char **sp, int *min)
{
	const char *s = *sp;
	int h, m;

	for (int i = 0; i < 5; i++)
		if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
			return -1;
	h = (s[0] - '0') * 10 + s[1] - '0';
	m = (s[3] - '0') * 10 + s[4] - '0';
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*min = h * 60 + m;
	*sp = s + 5;
	return 0;
}

/* "08:30-12:00,13:30-17:00": spans in order, each opening before it closes
 * and after the one before closed. */
int
cal_set_hours(struct cal *c, const char *spec, char *err, size_t errlen)
{
	int span[CAL_MAX_SPANS][2], n = 0;
	const char *p = spec;

	for (;;) {
		if (n == CAL_MAX_SPANS || parse_hm(&p, &span[n][0]) < 0 || *p++ != '-' ||
		    parse_hm(&p, &span[n][1]) < 0 || span[n][0] >= span[n][1] ||
		    (n && span[n][0] < span[n - 1][1]))
			goto bad;
		n++;
		if (!*p)
			break;
		if (*p++ != ',')
			goto bad;
	}
	memcpy(c->span, span, sizeof span);
	c->nspan = n;
	return 0;
bad:
	snprintf(err, errlen, _("'%s': not hall hours (HH:MM-HH:MM,...)"), spec);
	return -1;
}

int
cal_covers(const struct cal *c, int year)
{
	return bsearch(&year, c->years, c->nyears, sizeof *c->years, int_cmp) != NULL;
}

/* 1 if day is a working day, 0 if not, CAL_GAP (its year in *gap) when
 * the calendar does not hold its year */
static int
workday(const struct cal *c, long day, int *gap)
{
	size_t lo = 0, hi = c->n;
	long wd = ((day % 7) + 11) % 7;	/* 0 Sunday; day 0 was a Thursday */
	int y;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->e[mid].day == day)
			return c->e[mid].work;
		if (c->e[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!cal_covers(c, (y = cal_year(day)))) {
		if (gap)
			*gap = y;
		return CAL_GAP;
	}
	return wd != 0 && wd != 6;
}

static int
add(const struct cal *c, long day, long n, long *out, int *gap)
{
	int w;

	if (n == 0) {
		if ((w = workday(c, day, gap)) < 0)
			return w;
		if (w) {
			*out = day;
			return 0;
		}
		n = 1;
	}
	while (n > 0) {
		if (day >= last_day())
			return CAL_RANGE;
		if ((w = workday(c, ++day, gap)) < 0)
			return w;
		n -= w;
	}
	*out = day;
	return 0;
}

static int
effective(const struct cal *c, time_t t, long *out, int *gap)
{
	long day = cal_day_of(t);
	long sec = (long)t + EPORT_TZ_OFFSET - day * DAY_SECS;
	int w = workday(c, day, gap);

	if (w < 0)
		return w;
	if (w) {
		if (sec < c->span[0][0] * 60L) {
			*out = day;
			return 0;
		}
		for (int i = 0; i < c->nspan; i++)
			if (sec >= c->span[i][0] * 60L && sec < c->span[i][1] * 60L) {
				*out = day;
				return 0;
			}
	}
	return add(c, day, 1, out, gap);
}

int
cal_is_workday(const struct cal *c, long day, int *gap)
{
	if (gap)
		*gap = 0;
	return workday(c, day, gap);
}

int
cal_add(const struct cal *c, long day, long n, long *out, int *gap)
{
	if (gap)
		*gap = 0;
	return add(c, day, n, out, gap);
}

int
cal_effective(const struct cal *c, time_t t, long *out, int *gap)
{
	if (gap)
		*gap = 0;
	return effective(c, t, out, gap);
}

/* Posting days: see types.c. */
int
cal_posting_days(const char *type)
{
	const struct btype *t = btype(type);

	return t ? t->posting : -1;
}

int
cal_posting(const struct cal *c, const char *type, time_t accepted, long *out, int *gap)
{
	int n = cal_posting_days(type);
	long day;
	int rc;

	if (gap)
		*gap = 0;
	if (n < 0)
		return CAL_NOTYPE;
	if ((rc = effective(c, accepted, &day, gap)) < 0)
		return rc;
	return add(c, day, n, out, gap);
}

void
cal_gap_msg(const struct cal *c, int year, char *buf, size_t len)
{
	snprintf(buf, len, _("%d is not in the calendar: add its holidays and make-up working "
	    "days, from the State Council's notice, to %s"), year, c->office);
}

/* From 1 December, the office is told while next year is missing, so that
 * it adds the notice before a count reaches the new year and fails. */
int
cal_year_ahead(const struct cal *c, time_t now)
{
	char ymd[9];
	int y;

	fmt_ymd(now, ymd);
	y = atoi(ymd) / 10000;
	if (ymd[4] != '1' || ymd[5] != '2' || cal_covers(c, y + 1))
		return 0;
	return y + 1;
}

void
cal_ahead_msg(const struct cal *c, int year, char *buf, size_t len)
{
	snprintf(buf, len, _("warning: %d is not in the calendar yet: add its holidays and "
	    "make-up working days, from the State Council's notice, to %s; until then a "
	    "count of working days that reaches %d fails"), year, c->office, year);
}

/* The same date and time of day in office time, years on: 29 February
 * becomes 28 February in a year without one, as the Civil Code counts a
 * period of years (民法典第二百零二条: the corresponding day of the last
 * month, else its last day). */
time_t
cal_add_years(time_t t, int years)
{
	struct tm tm;
	time_t s = t + EPORT_TZ_OFFSET;
	int y;

	gmtime_r(&s, &tm);
	y = tm.tm_year + 1900 + years;
	if (tm.tm_mon == 1 && tm.tm_mday == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0)))
		tm.tm_mday = 28;
	tm.tm_year = y - 1900;
	return timegm(&tm) - EPORT_TZ_OFFSET;
}
