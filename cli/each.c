/* each.c: the loop of every command that steps stored cases (check,
 * review, ship, close...).  Cases are gathered into batches, each one
 * write through batch_commit (lib/batch.c), and each case runs in a nested
 * transaction so that a refused one leaves nothing behind while the others
 * go on.  Only after the batch has committed are the lines printed and
 * the refusals told, in input order. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "each.h"

struct slot {
	char *id, *pos;
	json_t *rec;
	int rc;			/* 0 done, 1 refused */
	char *why;
	json_t *row;
	int moved;
	git_oid commit;
};

struct batch {
	struct eport *st;
	struct each *e;
	struct slot *s;
	size_t n, cap;
	long max, ms;
	struct timespec start;
	int dry_done;
	struct moves mv;
};

static void
slot_reset(struct slot *s)
{
	free(s->why);
	s->why = NULL;
	json_decref(s->row);
	s->row = NULL;
	s->rc = 0;
	s->moved = 0;
}

static int
one(struct eport *st, MDB_txn *txn, struct batch *b, struct slot *s)
{
	struct item it = { s->id, s->rec, s->pos };
	MDB_txn *child;
	json_t *kase, *row = NULL;
	char *before;
	int rc;

	if ((rc = mdb_txn_begin(st->env, txn, 0, &child)))
		return rc;
	if (!(kase = case_get(st, child, s->id))) {
		mdb_txn_abort(child);
		s->rc = 1;
		s->why = xstrdup(_("no such case"));
		return 0;
	}
	before = xstrdup(jstr(kase, "commit"));
	st->errbuf[0] = '\0';
	rc = b->e->fn(st, child, kase, &it, &row, b->e->arg);
	if (rc == 0) {
		if ((rc = mdb_txn_commit(child)))
			goto out;
		s->row = row;
		row = NULL;
		if (!st->dry && strcmp(before, jstr(kase, "commit")) &&
		    git_oid_fromstr(&s->commit, jstr(kase, "commit")) == 0)
			s->moved = 1;
	} else {
		mdb_txn_abort(child);
		if (rc == 1) {
			s->rc = 1;
			s->why = xstrdup(*st->errbuf ? st->errbuf : _("refused"));
			rc = 0;
		}
	}
out:
	json_decref(row);
	json_decref(kase);
	free(before);
	return rc;
}

static int
batch_txn(struct eport *st, MDB_txn *txn, void *arg)
{
	struct batch *b = arg;
	int rc;

	for (size_t i = 0; i < b->n; i++) {
		slot_reset(&b->s[i]);
		if ((rc = one(st, txn, b, &b->s[i])))
			return rc;
		if (b->s[i].moved)
			moves_add(&b->mv, b->s[i].id, &b->s[i].commit);
	}
	if (st->dry) {
		b->dry_done = 1;
		return 1;	/* abort: -n commits nothing */
	}
	/* store_write writes the batch's git objects, the registry's with
	 * them, one pack, before the cases */
	return 0;
}

static void
print_row(struct out *o, const json_t *row)
{
	size_t i;
	json_t *r;

	if (!json_is_array(row)) {
		out_row(o, row);
		return;
	}
	json_array_foreach(row, i, r)
		out_row(o, r);
}

static void
flush(struct eport *st, struct batch *b)
{
	size_t i;
	int rc;

	if (!b->n)
		return;
	b->dry_done = 0;
	rc = eport_commit(st, batch_txn, b, &b->mv);
	if (rc && !(rc == 1 && b->dry_done))
		die("%s", st->errbuf);
	for (i = 0; i < b->n; i++) {
		struct slot *s = &b->s[i];

		if (s->rc)
			refuse("%s: %s", s->id, s->why);
		else if (b->e->after)
			b->e->after(s->id, s->row, b->e->arg);
		else if (s->row && b->e->out)
			print_row(b->e->out, s->row);
		if (b->e->out)
			fflush(b->e->out->fp);
		slot_reset(s);
		free(s->id);
		free(s->pos);
		json_decref(s->rec);
	}
	b->n = 0;
}

static void
add(struct eport *st, struct batch *b, const char *id, json_t *rec, char *pos)
{
	struct slot *s;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xrealloc(b->s, b->cap * sizeof *b->s);
	}
	if (!b->n)
		clock_gettime(CLOCK_MONOTONIC, &b->start);
	s = &b->s[b->n++];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->rec = rec;
	s->pos = pos;
	if (b->n >= (size_t)b->max || ms_since(&b->start) >= b->ms)
		flush(st, b);
}

static void
add_item(const char *id, json_t *rec, char *pos, void *arg)
{
	struct batch *b = arg;

	add(b->st, b, id, rec, pos);
}

void
cases_each(struct eport *st, int argc, char **argv, struct each *e)
{
	struct batch b = { .e = e };

	batch_limits(st, &b.max, &b.ms);
	b.st = st;
	for_each_item(argc, argv, e->records, add_item, &b);
	flush(st, &b);
	free(b.s);
	moves_free(&b.mv);
}

void
cases_each_items(struct eport *st, const struct item *items, size_t n, struct each *e)
{
	struct batch b = { .e = e };

	batch_limits(st, &b.max, &b.ms);
	for (size_t i = 0; i < n; i++)
		add(st, &b, items[i].id, json_incref((json_t *)items[i].rec), xstrdup(items[i].pos));
	flush(st, &b);
	free(b.s);
	moves_free(&b.mv);
}

/* batch_commit, and then what it could not do after the commit said, a
 * warning a line: the write stands, and eport-fsck -r finishes it */
int
eport_commit(struct eport *st, txn_fn fn, void *arg, struct moves *mv)
{
	int rc = batch_commit(st, fn, arg, mv);
	char *line, *next;

	if (st->warn.len) {
		buf_add(&st->warn, "", 1);
		for (line = st->warn.s; *line; line = next) {
			next = strchr(line, '\n');
			*next++ = '\0';
			warnx("%s", line);
		}
		st->warn.len = 0;
	}
	return rc;
}

/* The configuration of a store opened for reading, before its first key is
 * asked: a file that does not parse is said, and the command ends. */
void
eport_cfg(struct eport *st)
{
	if (cfg_load(st) < 0)
		die("%s", st->errbuf);
}

const char *
eport_home(void)
{
	const char *home = eport_home_env();

	if (!home)
		die("neither EPORT_HOME nor HOME is set");
	return home;
}

/* Open the store for reading, with one read transaction: what ls, show and
 * log need.  Dies on failure, as those commands would.  The configuration
 * is not read: libgit2 reads the system's CA certificates as it starts, a
 * cost a reader that needs none should not pay (eport_cfg reads it). */
MDB_txn *
eport_open_read(struct eport *st)
{
	MDB_txn *txn;
	int rc;

	memset(st, 0, sizeof *st);
	if (store_open(st, EPORT_RDONLY, 0) < 0)
		die("%s", st->errbuf);
	if ((rc = store_read(st, &txn)))
		die("db: %s", store_err(rc));
	return txn;
}
