/* eport-log: the history of cases, one event per line: who, when, what, from
 * which state to which, and why.  Ids from the arguments or stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "each.h"

static struct eport st;
static MDB_txn *txn;
static struct out out;
static const char *const cols[] = { "id", "seq", "at", "by", "login", "action", "from", "to", "why", NULL };

static const char usage_text[] = N_("usage: eport-log [-j] [CASE...]\n");

static void
logcase(const char *id, void *arg)
{
	json_t *kase = case_get(&st, txn, id), *h, *e;
	size_t i;

	(void)arg;
	if (!kase) {
		refuse("'%s': no such case", id);
		return;
	}
	h = case_history(&st, txn, id);
	json_array_foreach(h, i, e) {
		json_t *row = json_pack("{s:s, s:I}", "id", id, "seq", (json_int_t)i + 1);

		json_object_update_missing(row, e);
		out_row(&out, row);
		json_decref(row);
	}
	json_decref(h);
	json_decref(kase);
}

int
main(int argc, char *argv[])
{
	int c;

	eport_start(argc, argv, usage_text);
	out.fp = stdout;
	out.cols = cols;
	while ((c = getopt(argc, argv, "jh")) != -1) {
		switch (c) {
		case 'j':
			out.json = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	if (out.json)
		out.cols = NULL;	/* -j: the whole event, findings and all */
	txn = eport_open_read(&st);
	for_each_id(argc - optind, argv + optind, logcase, NULL);
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}
