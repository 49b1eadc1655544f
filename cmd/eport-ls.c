/* eport-ls: list cases, `id type uscc state ref taken`, oldest first.  An
 * index answers -s and -u, so the cost follows the answer, not the store.
 * -w lists instead what waits: every case not closed, `id type uscc state
 * since days by` (since when it is in its state, how many working days that
 * is, who acted last), longest waiting first; -d DAYS keeps those waiting
 * more than DAYS working days (-w -s shipped -d 5: post not delivered). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static const char *state, *type, *uscc, *since, *until;
static int wflag;
static long min_days = -1;
static struct eport st;
static MDB_txn *txn;
static struct out out;
static struct cal *cal;
static json_t *waiting;		/* -w: the rows, sorted at the end */
static int gap;
static const char *const cols[] = { "id", "type", "uscc", "state", "ref", "taken", NULL };
static const char *const wcols[] = {
	"id", "type", "uscc", "state", "since", "days", "by", NULL,
};

static const char usage_text[] = N_("usage: eport-ls [-j] [-s STATE] [-t TYPE] [-u USCC] [-S SINCE] [-U UNTIL]\n"
    "       eport-ls -w [-j] [-d DAYS] [-s STATE] [-t TYPE] [-u USCC] [-S SINCE] [-U UNTIL]\n");

static void
wait_one(const json_t *kase)
{
	json_t *row;
	int g = 0;

	if (!state && !strcmp(jstr(kase, "state"), "closed"))
		return;
	row = wait_row(&st, txn, cal, kase, eport_now(), &g);
	if (g && (!gap || g < gap))
		gap = g;
	if (json_integer_value(json_object_get(row, "days")) > min_days)
		json_array_append(waiting, row);
	json_decref(row);
}

static int
by_since(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(jstr(x, "since"), jstr(y, "since"));

	return c ? c : strcmp(jstr(x, "id"), jstr(y, "id"));
}

static void
print_waiting(void)
{
	size_t i, n = json_array_size(waiting);
	json_t **v = xcalloc(n + 1, sizeof *v), *r;

	json_array_foreach(waiting, i, r)
		v[i] = r;
	qsort(v, n, sizeof *v, by_since);
	for (i = 0; i < n; i++)
		out_row(&out, v[i]);
	free(v);
}

static void
emit(const char *id, size_t idlen)
{
	char *k = strndup(id, idlen);
	json_t *kase = case_get(&st, txn, k), *row;
	const char *taken;

	free(k);
	if (!kase)
		return;
	taken = jstr(kase, "taken");
	if ((state && strcmp(jstr(kase, "state"), state)) ||
	    (type && strcmp(jstr(kase, "type"), type)) ||
	    (uscc && strcmp(json_string_value(rec_path(kase, "enterprise.uscc")) ?: "", uscc)) ||
	    (since && strncmp(taken, since, 10) < 0) ||
	    (until && strncmp(taken, until, 10) > 0)) {
		json_decref(kase);
		return;
	}
	if (wflag) {
		wait_one(kase);
		json_decref(kase);
		return;
	}
	row = case_row(kase);
	out_row(&out, row);
	json_decref(row);
	json_decref(kase);
}

/* every id under key in a dupsort index */
static void
scan_index(int db, const char *key)
{
	MDB_cursor *c;
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc;

	if (mdb_cursor_open(txn, st.dbi[db], &c))
		die("db: cannot open a cursor");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP))
		emit(v.mv_data, v.mv_size);
	mdb_cursor_close(c);
}

static void
scan_all(void)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (mdb_cursor_open(txn, st.dbi[DB_CASES], &c))
		die("db: cannot open a cursor");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		emit(k.mv_data, k.mv_size);
	mdb_cursor_close(c);
}

static const char *
date_arg(const char *s, const char *opt)
{
	int y, m, d;

	if (parse_date(s, &y, &m, &d) < 0 || s[10])
		die("%s '%s': not a date (YYYY-MM-DD)", opt, s);
	return s;
}

int
main(int argc, char *argv[])
{
	int c;

	eport_start(argc, argv, usage_text);
	out.fp = stdout;
	out.cols = cols;
	while ((c = getopt(argc, argv, "d:js:t:u:wS:U:h")) != -1) {
		char *end;

		switch (c) {
		case 'd':
			errno = 0;
			min_days = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || min_days < 0 || min_days > 9999)
				die("-d '%s': not a number of working days", optarg);
			break;
		case 'w':
			wflag = 1;
			break;
		case 'j':
			out.json = 1;
			break;
		case 's':
			if (!valid_state(state = optarg))
				die("-s '%s': not a state", optarg);
			break;
		case 't':
			if (!valid_type(type = optarg))
				die("-t '%s': not a business type", optarg);
			break;
		case 'u':
			uscc = optarg;
			break;
		case 'S':
			since = date_arg(optarg, "-S");
			break;
		case 'U':
			until = date_arg(optarg, "-U");
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	if (optind != argc)
		eport_usage(2);
	if (min_days >= 0 && !wflag)
		die("-d: only with -w");
	txn = eport_open_read(&st);
	if (wflag) {
		char err[512];

		eport_cfg(&st);
		if (!(cal = cal_load(st.home, err, sizeof err)) ||
		    cal_set_hours(cal, cfg_str(&st, "office.hours", CAL_HOURS), err, sizeof err) < 0)
			die("%s", err);
		out.cols = wcols;
		waiting = json_array();
	}
	if (uscc)
		scan_index(DB_USCC, uscc);
	else if (state)
		scan_index(DB_STATE, state);
	else
		scan_all();
	if (wflag) {
		if (gap) {
			char msg[1024];

			cal_gap_msg(cal, gap, msg, sizeof msg);
			die("%s", msg);
		}
		print_waiting();
		json_decref(waiting);
		cal_free(cal);
	}
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}
