/* items.c: the cases a command acts on, from its arguments or stdin: the
 * one loop over them, so that every command reads ids alike. */
#include <stdlib.h>
#include <unistd.h>

#include "each.h"

/* The cases a command acts on: its arguments, or with none, stdin (bare
 * lines, or the id column of TSV or JSON records; with records, the record
 * too), so that commands chain.  fn gets the id, the record or NULL, and
 * where it came from ("argument 2", "<stdin>:3"), and owns the last two.  A
 * line that gives no id is refused with its place, and the rest read on. */
void
for_each_item(int argc, char **argv, int records,
    void (*fn)(const char *id, json_t *rec, char *pos, void *), void *arg)
{
	struct rdr *r;
	json_t *rec;
	char *id;
	int rc;

	if (argc > 0) {
		for (int i = 0; i < argc; i++)
			fn(argv[i], NULL, xasprintf(_("argument %d"), i + 1), arg);
		return;
	}
	if (isatty(0))
		die("no case ids given, and stdin is a terminal");
	r = rdr_open(stdin, "<stdin>");
	for (;;) {
		rec = NULL;
		id = NULL;
		if ((rc = records ? rdr_next(r, &rec) : rdr_next_id(r, &id)) == 0)
			break;
		if (rc < 0) {
			refuse("%s", rdr_error(r));
			if (rc == -2)
				break;
			continue;
		}
		if (rec) {
			const char *rid = json_string_value(json_object_get(rec, "id"));

			if (!rid || !*rid) {
				refuse("<stdin>:%ld: id: missing", rdr_line(r));
				json_decref(rec);
				continue;
			}
			fn(rid, rec, xasprintf("<stdin>:%ld", rdr_line(r)), arg);
		} else {
			if (*id)
				fn(id, NULL, xasprintf("<stdin>:%ld", rdr_line(r)), arg);
			free(id);
		}
	}
	rdr_close(r);
}

struct id_fn {
	void (*fn)(const char *, void *);
	void *arg;
};

static void
one_id(const char *id, json_t *rec, char *pos, void *arg)
{
	struct id_fn *f = arg;

	f->fn(id, f->arg);
	json_decref(rec);
	free(pos);
}

void
for_each_id(int argc, char **argv, void (*fn)(const char *, void *), void *arg)
{
	struct id_fn f = { fn, arg };

	for_each_item(argc, argv, 0, one_id, &f);
}
