/* batch.c: the store's one write sequence (batch_commit): the transaction,
 * then the public snapshot, the refs moved, the pack's keep settled.  The
 * loop of the commands that step stored cases, in batches of such writes,
 * is cli/each.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eport.h"

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
	if (public_flush(st) < 0) {
		buf_printf(&st->warn, _("%s (eport-fsck -r publishes it)"), st->errbuf);
		buf_add(&st->warn, "\n", 1);
	}
	for (size_t i = 0; mv && i < mv->n; i++)
		if (repo_advance(st, mv->id[i], &mv->oid[i]) < 0) {
			buf_printf(&st->warn, _("%s: ref not moved (eport-fsck -r will): %s"),
			    mv->id[i], eport_git_err());
			buf_add(&st->warn, "\n", 1);
		}
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
