/* eport-ls: list cases, `id type uscc state ref taken`, oldest first.  An
 * index answers -s and -u, so the cost follows the answer, not the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eport.h"

static const char *state, *type, *uscc, *since, *until;
static struct eport st;
static MDB_txn *txn;
static struct out out;
static const char *const cols[] = { "id", "type", "uscc", "state", "ref", "taken", NULL };

static void
usage(void)
{
	fprintf(stderr, "usage: eport-ls [-j] [-s STATE] [-t TYPE] [-u USCC] [-S SINCE] [-U UNTIL]\n");
	exit(2);
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
	    (uscc && strcmp(json_string_value(json_path(kase, "enterprise.uscc")) ?: "", uscc)) ||
	    (since && strncmp(taken, since, 10) < 0) ||
	    (until && strncmp(taken, until, 10) > 0)) {
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

	setprogname(argv[0]);
	out.fp = stdout;
	out.cols = cols;
	while ((c = getopt(argc, argv, "js:t:u:S:U:h")) != -1) {
		switch (c) {
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
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	txn = eport_open_read(&st);
	if (uscc)
		scan_index(DB_USCC, uscc);
	else if (state)
		scan_index(DB_STATE, state);
	else
		scan_all();
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}
