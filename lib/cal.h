/* cal.h: working days (no library). */
#ifndef EPORT_CAL_H
#define EPORT_CAL_H

#include <stddef.h>
#include <time.h>

/* cal.c: working days. */
/* Days are numbered from 1970-01-01 (day 0), office time.  The calendar
 * fails closed (DESIGN.md section 8): an answer that rests on a day of a
 * year the calendar does not hold is CAL_GAP, with that year in *gap (may
 * be NULL), never a guess. */
#define CAL_HOURS "08:30-12:00,13:30-17:00"	/* office.hours */
enum { CAL_RANGE = -1, CAL_NOTYPE = -2, CAL_GAP = -3 };
struct cal;
/* share/eport/holidays.tsv, then home/holidays.tsv if home is given and the
 * file exists; later lines win.  NULL with "path:line: why" in err. */
struct cal *cal_load(const char *home, char *err, size_t errlen);
void cal_free(struct cal *);
int cal_set_hours(struct cal *, const char *spec, char *err, size_t errlen);
int cal_covers(const struct cal *, int year);
int cal_parse_day(const char *ymd, long *day);	/* exactly YYYY-MM-DD */
void cal_fmt_day(long day, char out[11]);
long cal_day_of(time_t);
int cal_year(long day);
int cal_is_workday(const struct cal *, long day, int *gap);	/* 1, 0 or CAL_GAP */
/* The nth working day after day; n = 0: day itself if it is a working day,
 * else the next one.  0, CAL_RANGE past 9999-12-31, or CAL_GAP. */
int cal_add(const struct cal *, long day, long n, long *out, int *gap);
/* The day a step taken at t counts from: its own day in hall hours or before
 * they open on a working day, else the next working day. */
int cal_effective(const struct cal *, time_t t, long *out, int *gap);
int cal_posting_days(const char *type);		/* 3, 2, 0; -1 not a type */
/* The posting day of a case of type accepted at t: CAL_NOTYPE not a type. */
int cal_posting(const struct cal *, const char *type, time_t accepted, long *out, int *gap);
/* What a CAL_GAP means to the office: the year, and the file to add it to
 * (home/holidays.tsv). */
void cal_gap_msg(const struct cal *, int year, char *buf, size_t len);
/* From 1 December of now's year: next year if the calendar lacks it, else
 * 0; cal_ahead_msg the warning that commands counting working days give. */
int cal_year_ahead(const struct cal *, time_t now);
void cal_ahead_msg(const struct cal *, int year, char *buf, size_t len);
/* The same date and time of day (office time) years on; 29 February goes to
 * 28 February in a common year. */
time_t cal_add_years(time_t, int years);

#endif
