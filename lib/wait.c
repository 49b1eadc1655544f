/* wait.c: how long a case has waited in its state, in working days, and who
 * acted on it last: what eport-ls -w and eport-ship uncollected list.  The
 * case's history says when it entered its state; the calendar counts the
 * working days from the day that step counts from (cal_effective) to today. */
#include <stdlib.h>
#include <string.h>

#include "eport.h"

/* A year the calendar lacks, kept if it is the first one seen. */
static void
note(int *gap, int year)
{
	if (gap && year && (!*gap || year < *gap))
		*gap = year;
}

int
case_entered(struct eport *st, MDB_txn *txn, const json_t *kase, time_t *since,
    char **by)
{
	const char *state = jstr(kase, "state"), *at = NULL;
	json_t *h = case_history(st, txn, jstr(kase, "id")), *e;
	size_t i;
	int rc;

	*by = NULL;
	json_array_foreach(h, i, e) {
		if (!strcmp(jstr(e, "to"), state) && strcmp(jstr(e, "from"), state))
			at = jstr(e, "at");
		*by = (char *)jstr(e, "by");
	}
	*by = xstrdup(*by ? *by : jstr(kase, "by"));
	if (!at)
		at = *jstr(kase, "updated") ? jstr(kase, "updated") : jstr(kase, "taken");
	rc = parse_time(at, since);
	json_decref(h);
	return rc < 0 ? -1 : 0;
}

long
workdays_since(const struct cal *cal, time_t since, time_t now, int *gap)
{
	long from, today = cal_day_of(now), n = 0;
	int g = 0, w;

	if (cal_effective(cal, since, &from, &g) < 0)
		return note(gap, g), -1;
	for (long d = from + 1; d <= today; d++) {
		if ((w = cal_is_workday(cal, d, &g)) < 0)
			return note(gap, g), -1;
		n += w;
	}
	return n;
}

json_t *
wait_row(struct eport *st, MDB_txn *txn, const struct cal *cal, const json_t *kase,
    time_t now, int *gap)
{
	char at[32], *by;
	time_t since;
	json_t *row;

	if (case_entered(st, txn, kase, &since, &by) < 0)
		since = now;
	fmt_time(since, at);
	row = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I, s:s}", "id", jstr(kase, "id"),
	    "type", jstr(kase, "type"),
	    "uscc", json_string_value(rec_path(kase, "enterprise.uscc")),
	    "state", jstr(kase, "state"), "since", at,
	    "days", (json_int_t)workdays_since(cal, since, now, gap), "by", by);
	free(by);
	return row;
}
