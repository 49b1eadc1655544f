/* eport.h: libeport, the library behind the eport-* commands.  One section per
 * file of lib/.  Library functions return an error (and leave a message in
 * eport_errbuf where they have more to say) and never print or exit; only
 * commands do. */
#ifndef EPORT_H
#define EPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <lmdb.h>
#include <git2.h>

#define EPORT_VERSION "0.1.0"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* err.c */
extern const char *argv0;
extern int eport_status;	/* the worst so far: 0, 1 (refused) or 2 */
void setprogname(const char *);
void warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void refuse(const char *, ...) __attribute__((format(printf, 1, 2)));
void die(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
int fshut(FILE *, const char *);
int eport_exit(void);

/* util.c */
/* A growable byte buffer. */
struct buf {
	char *s;
	size_t len, cap;
};
void buf_add(struct buf *, const void *, size_t);
void buf_puts(struct buf *, const char *);
void buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *);

#define EPORT_TZ_OFFSET (8 * 3600)	/* Asia/Shanghai: UTC+8, no DST */
time_t eport_now(void);			/* EPORT_NOW or the clock */
int parse_time(const char *, time_t *);	/* ISO 8601 date or date-time */
int parse_date(const char *, int *y, int *m, int *d);
void fmt_time(time_t, char out[32]);	/* 2026-11-26T10:15:00+08:00 */
void fmt_date(time_t, char out[11]);	/* 2026-11-26, office time */
void fmt_ymd(time_t, char out[9]);	/* 20261126, office time */
const char *eport_user(void);		/* EPORT_USER, else the login */
const char *eport_login(void);		/* the login name, whatever EPORT_USER says */
const char *eport_share(void);		/* EPORT_SHARE, else next to the binary, else SHAREDIR */
char *share_path(const char *name);	/* a file in share/eport (malloc'd) */
int read_file(const char *path, struct buf *, size_t max);	/* -1 with errno; E2BIG past max */
void sha256_hex(const void *, size_t, char out[65]);
void cleanse(void *, size_t);		/* wipe a secret */
int path_is_safe(const char *rel);	/* relative, no "..", no empty part */

/* record.c: records on stdin and stdout, JSON Lines or TSV. */
#define RECORD_MAX_LINE (1 << 20)	/* a line of input: 1 MiB */

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
char *json_scalar(const json_t *);		/* a value as TSV text (malloc'd) */
json_t *json_path(const json_t *, const char *dotted);	/* "holders.1.id_number" */

/* config.c: git-config files through libgit2. */
struct eport;
int cfg_open(git_config **, const char *home);	/* share defaults, then $home/config */
const char *cfg_str(struct eport *, const char *key, const char *dflt);
long cfg_int(struct eport *, const char *key, long dflt);
const char *eport_home(void);			/* EPORT_HOME or the XDG default (malloc'd once) */

/* store.c: LMDB, the source of truth. */
enum {
	DB_CASES,	/* id -> case JSON */
	DB_EVENTS,	/* id NUL seq(4, BE) -> event JSON */
	DB_STATE,	/* state -> id (dupsort) */
	DB_USCC,	/* uscc -> id (dupsort) */
	DB_REF,		/* ref -> id */
	DB_CARDS,	/* card number -> card JSON */
	DB_HOLDERS,	/* uscc NUL id_number -> card number (active operator cards) */
	DB_ORDERS,	/* order number -> order JSON */
	DB_SHIP,	/* manifest date NUL id -> "" ; shipments */
	DB_COUNTERS,	/* name -> uint64 */
	DB_ENTERPRISES,	/* uscc -> enterprise JSON (closed, ...) */
	DB_META,	/* schema and misc */
	DB_N
};
extern const char *const db_names[DB_N];

struct eport {
	char *home;
	MDB_env *env;
	MDB_dbi dbi[DB_N];
	git_repository *repo;
	git_config *cfg;
	int rdonly;
	char errbuf[512];
};
#define EPORT_RDONLY 1
#define EPORT_NOREPO 2
int eport_open(struct eport *, int flags);	/* -1: message in errbuf */
void eport_close(struct eport *);

/* Run fn in one write transaction; on a full map, grow it and run fn again.
 * fn returns 0 to commit, anything else to abort (and that is returned). */
typedef int (*txn_fn)(struct eport *, MDB_txn *, void *);
int store_write(struct eport *, txn_fn, void *);
int store_read(struct eport *, MDB_txn **);
const char *store_err(int rc);		/* mdb_strerror */

int db_get(struct eport *, MDB_txn *, int db, const char *key, MDB_val *);
int db_put(struct eport *, MDB_txn *, int db, const char *key, const void *, size_t, unsigned flags);
int db_del(struct eport *, MDB_txn *, int db, const char *key, const char *val);
json_t *db_get_json(struct eport *, MDB_txn *, int db, const char *key);
int db_put_json(struct eport *, MDB_txn *, int db, const char *key, const json_t *);
int counter_next(struct eport *, MDB_txn *, const char *name, uint64_t *);

/* repo.c: the audit repository (libgit2). */
const char *git_err(void);		/* git_error_last()'s message */
int repo_init(const char *path);
int repo_open(struct eport *);
int repo_blob(struct eport *, const void *, size_t, git_oid *);
int repo_read_blob(struct eport *, const char *commit_hex, const char *path, struct buf *);
/* Advance refs/cases/<id> to commit, unless it is there already or beyond. */
int repo_advance(struct eport *, const char *id, const git_oid *commit);

/* case.c: the case and its lifecycle. */
struct docin {		/* a document's bytes waiting to be stored */
	const char *kind;
	const void *data;
	size_t len;
	const char *ext;
};
/* An audited step on one case, inside a write transaction: appends the event,
 * writes the git commit (case.json, history.jsonl, the documents) and every
 * index; the caller advances the ref after the commit (case_step_done). */
struct step {
	const char *action;	/* apply, check, accept, ... */
	const char *to;		/* the new state, or NULL to keep it */
	const char *why;
	json_t *extra;		/* more event fields, or NULL (stolen) */
	git_oid commit;		/* out */
};
int case_step(struct eport *, MDB_txn *, json_t *kase, struct step *);
json_t *case_get(struct eport *, MDB_txn *, const char *id);
json_t *case_history(struct eport *, MDB_txn *, const char *id);
int case_set_state(struct eport *, MDB_txn *, json_t *kase, const char *to);
int case_new_id(struct eport *, MDB_txn *, time_t, char out[32]);
int valid_state(const char *);
int valid_type(const char *);
extern const char *const case_states[];
extern const char *const case_types[];

/* pki.c: the office CA (OpenSSL). */
int pki_init_ca(const char *keydir, const char *cn, time_t now, char *err, size_t errlen);
const char *ssl_err(void);		/* ERR_error_string of the last error */

/* archive.c: bundles (libarchive). */
#define BUNDLE_MAX_ENTRY (64u << 20)	/* one file of a bundle */
#define BUNDLE_MAX_TOTAL (256u << 20)	/* a whole bundle, unpacked */
struct bundle;
struct bundle *bundle_open(const char *path, char *err, size_t errlen);
const struct buf *bundle_file(struct bundle *, const char *path);
void bundle_free(struct bundle *);
const char *bundle_cases(struct bundle *);	/* "case.json" or "cases.jsonl" */

/* ids.c: validators (USCC, identity numbers, phones, tracking, orders). */
/* (section added by ids.c) */

/* cal.c: working days. */
/* (section added by cal.c) */

/* vcard.c: the PIV card emulator's card. */
/* (section added by vcard.c) */

#endif
