/* eport-cal: working days.  Prints the Nth working day after DATE, tells
 * whether DATE is a working day (-w), or prints the posting day of a case
 * type accepted at an instant (-p).  Reads share/eport/holidays.tsv and the
 * office's $EPORT_HOME/holidays.tsv; writes one YYYY-MM-DD line (none for
 * -w).  An answer that needs a year the calendar does not hold is an error
 * (exit 2) naming the year and the file to add it to; from 1 December a
 * warning says so while next year is missing. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static const char *hours;	/* -H, else office.hours, else CAL_HOURS */
static const char *ptype;
static long nth = 1;
static int nflag, wflag;
static struct cal *c;

static const char usage_text[] = N_("usage: eport-cal [-H HOURS] [-n N] [DATE]\n"
    "       eport-cal [-H HOURS] -w [DATE]\n"
    "       eport-cal [-H HOURS] -p TYPE [DATETIME]\n");

/* a count that needs year: fail closed */
static void __attribute__((noreturn))
gap(int year)
{
	char msg[1024];

	cal_gap_msg(c, year, msg, sizeof msg);
	die("%s", msg);
}

static time_t
instant(const char *s)
{
	time_t t;

	if (parse_time(s, &t) < 0)
		die("'%s': not a valid date", s);
	return t;
}

/* The day of DATE, today without one.  A date-time is its own date, or with
 * effective, the day it counts from under the hall-hours rule. */
static long
start_day(const char *s, int effective)
{
	long day;
	int g, rc;

	if (!s)
		return cal_day_of(eport_now());
	if (cal_parse_day(s, &day) == 0)
		return day;
	if (!effective)
		return cal_day_of(instant(s));
	if ((rc = cal_effective(c, instant(s), &day, &g)) == CAL_GAP)
		gap(g);
	if (rc < 0)
		die("'%s': out of range", s);
	return day;
}

static void
print_day(long day)
{
	char out[11];

	cal_fmt_day(day, out);
	puts(out);
}

int
main(int argc, char *argv[])
{
	char err[1024], *end;
	const char *arg;
	long day;
	int g, status = 0, rc;

	eport_start(argc, argv, usage_text);
	while ((rc = getopt(argc, argv, "H:hn:p:w")) != -1) {
		switch (rc) {
		case 'H':
			hours = optarg;
			break;
		case 'h':
			eport_usage(0);
			break;
		case 'n':
			nth = strtol(optarg, &end, 10);
			if (!*optarg || *end || nth < 0 || nth > 100000)
				die("'%s': not a number of days", optarg);
			nflag = 1;
			break;
		case 'p':
			ptype = optarg;
			break;
		case 'w':
			wflag = 1;
			break;
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (wflag + nflag + !!ptype) > 1)
		eport_usage(2);
	arg = argc ? argv[0] : NULL;
	if (ptype && cal_posting_days(ptype) < 0)
		die("'%s': not a case type", ptype);

	if (!(c = cal_load(eport_home(), err, sizeof err)))
		die("%s", err);
	if (!hours) {
		git_config *cfg;

		const char *v;

		hours = CAL_HOURS;
		if (cfg_open(&cfg, eport_home()) == 0) {
			if (git_config_get_string(&v, cfg, "office.hours") == 0)
				hours = xstrdup(v);
			git_config_free(cfg);
		}
	}
	if (cal_set_hours(c, hours, err, sizeof err) < 0)
		die("%s", err);

	if (wflag) {
		if ((rc = cal_is_workday(c, start_day(arg, 0), &g)) == CAL_GAP)
			gap(g);
		status = !rc;
	} else {
		if (ptype)
			rc = cal_posting(c, ptype, arg ? instant(arg) : eport_now(), &day, &g);
		else
			rc = cal_add(c, start_day(arg, 1), nth, &day, &g);
		if (rc == CAL_GAP)
			gap(g);
		if (rc < 0)
			die("'%s': out of range", arg ? arg : "now");
		print_day(day);
	}
	if ((g = cal_year_ahead(c, eport_now()))) {
		cal_ahead_msg(c, g, err, sizeof err);
		warnx("%s", err);
	}
	cal_free(c);
	rc = eport_exit();
	return rc ? rc : status;
}
