/* eport-show: print cases as JSON, one per line (-t: TSV, flattened as in
 * eport-case(5)).  Ids from the arguments or stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static int tflag;
static struct eport st;
static MDB_txn *txn;
static json_t *rows;

static const char usage_text[] = N_("usage: eport-show [-t] [CASE...]\n");

static void
show(const char *id, void *arg)
{
	json_t *kase = case_get(&st, txn, id);
	char *s;

	(void)arg;
	if (!kase) {
		refuse("'%s': no such case", id);
		return;
	}
	if (tflag) {
		json_array_append_new(rows, flatten(kase));
	} else {
		s = json_dumps(kase, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
	}
	json_decref(kase);
}

/* TSV needs every column before the first row: the union of the keys. */
static void
print_tsv(void)
{
	json_t *cols = json_object(), *r, *v;
	const char **names, *k;
	size_t i, n = 0;
	struct out o = { stdout, 0, NULL, 0 };

	json_array_foreach(rows, i, r)
		json_object_foreach(r, k, v)
			json_object_set(cols, k, json_true());
	names = xcalloc(json_object_size(cols) + 1, sizeof *names);
	json_object_foreach(cols, k, v)
		names[n++] = k;
	o.cols = names;
	json_array_foreach(rows, i, r)
		out_row(&o, r);
	free(names);
	json_decref(cols);
}

int
main(int argc, char *argv[])
{
	int c;

	eport_start(argc, argv, usage_text);
	while ((c = getopt(argc, argv, "th")) != -1) {
		switch (c) {
		case 't':
			tflag = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	txn = eport_open_read(&st);
	rows = json_array();
	for_each_id(argc - optind, argv + optind, show, NULL);
	if (tflag && json_array_size(rows))
		print_tsv();
	json_decref(rows);
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}
