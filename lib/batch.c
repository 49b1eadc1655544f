/* batch.c: the store's one write sequence (batch_commit), and the loop of
 * every command that steps stored cases (check, review, ship, close...).  Cases are gathered into batches, each one LMDB write
 * transaction, and each case runs in a nested transaction so that a refused
 * one leaves nothing behind while the others go on.  Only after the batch
 * has committed are the refs moved, the lines printed and the refusals
 * told, in input order. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eport.h"

/* --- the write sequence --------------------------------------------- */

void
moves_add(struct moves *mv, const char *id, const git_oid *oid)
{
	if (mv->n == mv->cap) {
		mv->cap = mv->cap ? mv->cap * 2 : 64;
		mv->id = xrealloc(mv->id, mv->cap * sizeof *mv->id);
		mv->oid = xrealloc(mv->oid, mv->cap * sizeof *mv->oid);
	}
	mv->id[mv->n] = xstrdup(id);
	mv->oid[mv->n++] = *oid;
}

static void
moves_clear(struct moves *mv)
{
	for (size_t i = 0; i < mv->n; i++)
		free(mv->id[i]);
	mv->n = 0;
}

void
moves_free(struct moves *mv)
{
	moves_clear(mv);
	free(mv->id);
	free(mv->oid);
	*mv = (struct moves){ 0 };
}

struct commit_job {
	txn_fn fn;
	void *arg;
	struct moves *mv;
};

/* store_write runs this again after growing a full map: the moves of the
 * attempt before are not the batch's */
static int
commit_txn(struct eport *st, MDB_txn *txn, void *arg)
{
	struct commit_job *j = arg;

	if (j->mv)
		moves_clear(j->mv);
	return j->fn(st, txn, j->arg);
}

int
batch_commit(struct eport *st, txn_fn fn, void *arg, struct moves *mv)
{
	struct commit_job j = { fn, arg, mv };
	int rc;

	if ((rc = store_write(st, commit_txn, &j))) {
		/* nothing was committed: nothing to move or publish */
		if (mv)
			moves_clear(mv);
		json_decref(st->touched);
		st->touched = NULL;
		store_release(st);
		return rc;
	}
	if (public_flush(st) < 0)
		warnx("%s (eport-fsck -r publishes it)", st->errbuf);
	for (size_t i = 0; mv && i < mv->n; i++)
		if (repo_advance(st, mv->id[i], &mv->oid[i]) < 0)
			warnx("%s: ref not moved (eport-fsck -r will): %s", mv->id[i],
			    eport_git_err());
	repo_settle(st);
	if (mv)
		moves_clear(mv);
	store_release(st);
	return 0;
}

void
batch_limits(struct eport *st, long *max, long *ms)
{
	*max = cfg_int(st, "store.batch-records", 1000);
	*ms = cfg_int(st, "store.batch-ms", 1000);
	if (*max < 1 || *max > 1000)
		*max = 1000;
}

/* --- the loop over cases -------------------------------------------- */

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
	rc = batch_commit(st, batch_txn, b, &b->mv);
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
