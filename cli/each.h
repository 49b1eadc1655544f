/* each.h: the commands' loops over the cases they act on, and the opening
 * of the store as a command does it: dying when it cannot (cli.h). */
#ifndef EPORT_EACH_H
#define EPORT_EACH_H

#include "cli.h"
#include "eport.h"

/* items.c: the cases a command acts on. */
/* Ids from argv, else stdin: bare lines, or the id column of TSV or JSON
 * records; stdin a terminal is refused. */
void for_each_id(int argc, char **argv, void (*)(const char *id, void *), void *);
/* the same with the place each came from, and with records the record: fn
 * owns rec and pos */
void for_each_item(int argc, char **argv, int records,
    void (*)(const char *id, json_t *rec, char *pos, void *), void *);

/* each.c: steps on stored cases, many to one write transaction (at most
 * store.batch-records records or store.batch-ms milliseconds each), each case
 * in a nested transaction so that a refused one leaves no trace.  Lines are
 * printed and refs moved only after the commit; refusals go to stderr as
 * "PROG: ID: message" and make the exit status 1. */
struct item {
	const char *id;
	const json_t *rec;	/* the input record, or NULL for a bare id */
	const char *pos;	/* "<stdin>:3", "argument 2" */
};
/* Called with the case as stored (in the case's nested transaction); makes
 * its steps with case_step.  0 done, 1 refused (why in st->errbuf), 2 or an
 * LMDB code to give up the whole batch.  *row, when set, is printed (through
 * each.out) once the batch has committed. */
typedef int (*each_fn)(struct eport *, MDB_txn *, json_t *kase, const struct item *,
    json_t **row, void *arg);
struct each {
	each_fn fn;
	void *arg;
	struct out *out;	/* where rows go (an array row: each of its items) */
	int records;		/* read whole records from stdin (id and more columns) */
	/* instead of printing rows: called with each case's row once committed */
	void (*after)(const char *id, const json_t *row, void *arg);
};
/* Ids from argv, else stdin (bare ids, or the id column of TSV or JSON).
 * With st->dry (-n) nothing is committed and no git object is written. */
void cases_each(struct eport *, int argc, char **argv, struct each *);
/* The same for items the caller read itself (their rec and pos copied). */
void cases_each_items(struct eport *, const struct item *, size_t n, struct each *);
/* batch_commit (lib/batch.c), its warnings said (st->warn) */
int eport_commit(struct eport *, txn_fn fn, void *arg, struct moves *mv);
const char *eport_home(void);	/* eport_home_env, or die: no store is named */
MDB_txn *eport_open_read(struct eport *);	/* read-only, one read txn; dies on failure */
void eport_cfg(struct eport *);	/* its configuration read (cfg_load), or die */

#endif
