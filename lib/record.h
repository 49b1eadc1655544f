/* record.h: records as JSON (jansson): read from stdin, written to stdout,
 * flattened for TSV. */
#ifndef EPORT_RECORD_H
#define EPORT_RECORD_H

#include <stdio.h>

#include <jansson.h>

#include "base.h"

/* util.c */
const char *jstr(const json_t *, const char *key);	/* a string member, or "" */

/* record.c: records on stdin and stdout, JSON Lines or TSV. */
#define RECORD_MAX_LINE (1 << 20)	/* a line of input: 1 MiB */
#define RECORD_MAX_DEPTH 8		/* a TSV column path: documents.1.file is 3 */
#define RECORD_MAX_INDEX_DIGITS 4	/* holders.9999.name at most */

struct rdr;
struct rdr *rdr_open(FILE *, const char *name);
void rdr_close(struct rdr *);
/* 1 a record, 0 end of input, -1 a bad record (message in rdr_error, the
 * reader goes on with the next line), -2 input that cannot go on. */
int rdr_next(struct rdr *, json_t **);
const char *rdr_error(struct rdr *);	/* "in.jsonl:3: holders.1: expected an object" */
const char *rdr_name(struct rdr *);
long rdr_line(struct rdr *);		/* the line the last record started on */
int rdr_is_tsv(struct rdr *);
/* Ids to act on: bare lines, or the id column of TSV or JSON records. */
int rdr_next_id(struct rdr *, char **);

/* TSV flattening (DESIGN.md section 2). */
json_t *flatten(const json_t *);		/* {"a.b": "x", "h.1.id": ...} */
json_t *unflatten(const json_t *flat, struct buf *err);
void tsv_escape(struct buf *, const char *);
char *tsv_unescape(const char *, size_t, int *bad);

/* Output of records: TSV with a header, or JSON Lines with -j. */
struct out {
	FILE *fp;
	int json;
	const char *const *cols;	/* NULL-terminated; for TSV and -j */
	int header_done;
};
void out_row(struct out *, const json_t *);
char *rec_scalar(const json_t *);		/* a value as TSV text (malloc'd) */
json_t *rec_path(const json_t *, const char *dotted);	/* "holders.1.id_number" */

#endif
