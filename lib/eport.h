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
#include <sys/types.h>

#include <jansson.h>
#include <lmdb.h>
#include <git2.h>

#ifndef EPORT_VERSION
#error "EPORT_VERSION comes from the Makefile"
#endif

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
/* The bytes of the UTF-8 character at s that a terminal shows as text, or 0
 * (a control, DEL, a C1 control, a bidi override, no valid character). */
size_t text_shown(const char *s);
/* One character of text for a terminal: copied to out, or what a terminal
 * would act on as an escape (\t, \n, \r, \xNN); the bytes of s used, *n
 * the bytes in out.  For messages, TSV output and commit subjects. */
size_t text_esc(const char *s, char out[8], size_t *n);

/* start.c: what every command does first.  Messages a person reads are
 * English in the source and go through gettext: warnx, refuse and die
 * translate their format; a message a library leaves in a buffer is
 * translated where it is written (_), a table of them marked N_ and
 * translated where it is used.  Findings, statuses and notices are Chinese
 * in every locale: they are data, not messages. */
#include <libintl.h>
#define EPORT_DOMAIN "eport"
#define _(s) gettext(s)
#define N_(s) (s)
/* The program's name, the locale (LC_MESSAGES) and its catalogue, the
 * usage (a message: a whole synopsis, translated when printed); then
 * --help (or -h first) prints the usage and --version the version. */
void eport_start(int argc, char **argv, const char *usage);
void eport_init(const char *name, const char *usage);	/* no argument read */
void eport_usage(int status) __attribute__((noreturn));	/* 0: stdout, else stderr */
void eport_version(void) __attribute__((noreturn));	/* "eport-foo 0.1.0" */
/* Commands of subcommands (card, ship, order, review), all alike: "eport-foo
 * [OPTION...] SUB [OPTION...] [ARG...]".  spec is getopt's for every option
 * of the command, and opt takes each; -h is the usage.  A name not in subs
 * is refused with the message unknown ("'%s': not ..."), an option that SUB
 * does not take (sub.opts) with the usage.  *argc and *argv come back past
 * SUB and the options; returns SUB's index in subs. */
struct sub {
	const char *name;
	const char *opts;	/* the letters of its options */
};
size_t eport_sub(int *argc, char ***argv, const struct sub *subs, size_t n, const char *spec,
    const char *unknown, void (*opt)(int c, char *arg));
const char *eport_localedir(void);	/* share/locale beside the binary, else LOCALEDIR */

/* util.c */
/* A growable byte buffer. */
struct buf {
	char *s;
	size_t len, cap;
};
void buf_add(struct buf *, const void *, size_t);
void buf_puts(struct buf *, const char *);
void buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
void buf_esc(struct buf *, const char *);	/* escaped as messages are (text_esc) */
void buf_free(struct buf *);

#define EPORT_TZ_OFFSET (8 * 3600)	/* Asia/Shanghai: UTC+8, no DST */
time_t eport_now(void);			/* EPORT_NOW or the clock */
int parse_time(const char *, time_t *);	/* ISO 8601 date or date-time */
int parse_date(const char *, int *y, int *m, int *d);
void fmt_time(time_t, char out[32]);	/* 2026-11-26T10:15:00+08:00 */
void fmt_date(time_t, char out[11]);	/* 2026-11-26, office time */
void fmt_ymd(time_t, char out[9]);	/* 20261126, office time */
const char *eport_share(void);		/* EPORT_SHARE, else next to the binary, else SHAREDIR */
char *share_path(const char *name);	/* a file in share/eport (malloc'd) */
int read_file(const char *path, struct buf *, size_t max);	/* -1 with errno; E2BIG past max */
void sha256_hex(const void *, size_t, char out[65]);
void cleanse(void *, size_t);		/* wipe a secret */
int secret_process(char *err, size_t errlen);	/* no core dump, no ptrace: 0 or -1 */
long ms_since(const struct timespec *);	/* milliseconds since a CLOCK_MONOTONIC time */
const char *jstr(const json_t *, const char *key);	/* a string member, or "" */
int path_is_safe(const char *rel);	/* relative, no "..", no empty part */

/* ident.c: who acts (DESIGN.md section 3). */
#define USER_MAX 64			/* bytes of a staff member's name */
const char *eport_login(void);		/* the login name, whatever EPORT_USER says */
/* The staff member: the login, or EPORT_USER on a shared login; dies when
 * EPORT_USER is refused (ident_settle says why). */
const char *eport_user(void);
/* Settle who acts once, against the store at home: 0, or -1 with why (an
 * EPORT_USER that is malformed, or other than the login on a login that is
 * not shared).  eport_open does it for every writer. */
int ident_settle(const char *home, char *err, size_t len);
int user_valid(const char *name, char *why, size_t len);	/* 0, or -1 with why */
const char *eport_sysconf(void);	/* /etc/eport; EPORT_SYSCONFDIR for root (the tests) */
/* The identity settings (office.shared-login, card.group) from the files
 * the acting login cannot change: eport_sysconf()/config, and
 * home/config (home may be NULL) when another account owns it or the login
 * is root.  A snapshot; the caller frees it. */
int ident_config(const char *home, git_config **);

/* layer.c: the office's data files in layers (DESIGN.md section 11). */
#define LAYERS_MAX 3
/* The layers, in order: share/eport (eport_share), /etc/eport
 * (eport_sysconf), home when given: their number. */
size_t layer_dirs(const char *home, const char *dir[LAYERS_MAX]);
char *layer_path(const char *home, const char *name);	/* the last layer's that exists (malloc'd) */
/* A TSV file of the office's data: # comments and blank lines skipped, a CR
 * before the newline dropped.  fixed 0: the first line is the header and
 * names the columns, in any order, others ignored; TSV_HEADER: the columns
 * are cols, in order, under a header line that names them so; TSV_BARE:
 * the same, a header line optional (wherever it is).  fn gets each line's
 * values in the order of cols ("" for one the line lacks): 0, or -1 with
 * why in err, which the loader prefixes with "path:line: ". */
enum { TSV_NAMED, TSV_HEADER, TSV_BARE };
struct tsv {
	const char *const *cols;
	size_t ncols;
	int fixed;
	size_t min_fields;	/* fixed: the fields a line has at least (at most ncols) */
	const char *shape;	/* fixed: the message for a line of other fields (N_) */
	const char *header_msg;	/* fixed: the message for a header unlike cols (N_) */
	int need_first;		/* layers_load: the first layer's file must be there */
	int (*fn)(void *arg, char **vals, char *err, size_t errlen);
	void *arg;
};
/* text parsed in place: 0, or -1 with "path:line: why" in err */
int tsv_parse(const char *path, char *text, const struct tsv *, char *err, size_t errlen);
/* The file at path: as tsv_parse, -2 when it is not there; read, when
 * not NULL, gets its name (not its directory) and bytes, for a digest. */
int tsv_load(const char *path, const struct tsv *, struct buf *read, char *err, size_t errlen);
/* name in each layer that has it, in order, through tsv_load: 0; -1 with
 * the message; -2 when no layer has it. */
int layers_load(const char *home, const char *name, const struct tsv *, struct buf *read,
    char *err, size_t errlen);

/* shared.c: a store shared by a group (eport-init -g). */
int store_umask(const char *home);	/* 007 in a shared store (setgid), else 077 */
int group_gid(const char *name, gid_t *, char *err, size_t errlen);
/* Make the store at home the group's: directories 2770, files 0660, the
 * config 0640; keys/ the card group's (card.group: 2750, 0640), else the
 * owner's alone.  0, or -1 with a message. */
int store_share(const char *home, const char *group, char *err, size_t errlen);

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
void for_each_id(int argc, char **argv, void (*)(const char *id, void *), void *);
/* the same with the place each came from, and with records the record: fn
 * owns rec and pos */
void for_each_item(int argc, char **argv, int records,
    void (*)(const char *id, json_t *rec, char *pos, void *), void *);

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

/* config.c: git-config files through libgit2. */
struct eport;
int cfg_open(git_config **, const char *home);	/* share defaults, then $home/config */
const char *cfg_str(struct eport *, const char *key, const char *dflt);
long cfg_int(struct eport *, const char *key, long dflt);
int cfg_bool(struct eport *, const char *key, int dflt);
const char *eport_home(void);			/* EPORT_HOME or the XDG default (malloc'd once) */

/* store.c: LMDB, the source of truth. */
enum {
	DB_CASES,	/* id -> case JSON */
	DB_EVENTS,	/* id NUL seq(4, BE) -> event JSON */
	DB_STATE,	/* state -> id (dupsort) */
	DB_USCC,	/* uscc -> id (dupsort) */
	DB_REF,		/* ref -> id */
	DB_CARDS,	/* card number -> card JSON */
	DB_HOLDERS,	/* uscc NUL card number -> "" (active cards) */
	DB_ORDERS,	/* order number -> order JSON */
	DB_SHIP,	/* DATE NUL id -> "" (a manifest's cases); DATE -> {"made", "by",
			 * "cases"} (the manifest made); tracking:NUMBER -> id */
	DB_COUNTERS,	/* name -> uint64 */
	DB_ENTERPRISES,	/* uscc -> enterprise JSON (closed, ...) */
	DB_META,	/* schema and misc */
	DB_EVTIME,	/* event time NUL id NUL seq(4, BE) -> "": the events by time
			 * (eport-report); built from DB_EVENTS when a store lacks it */
	DB_N
};
extern const char *const db_names[DB_N];

struct eport {
	char *home;
	MDB_env *env;
	MDB_dbi dbi[DB_N];
	git_repository *repo;
	git_odb_backend *mempack;	/* repo_batch: objects kept in memory */
	git_config *cfg;
	int rdonly;
	int dry;		/* -n: case_step writes no git object */
	void (*fini)(struct eport *);	/* frees what libgit2 holds, if used */
	/* a writer's git objects (pack.c, set by repo_batch): store_write
	 * flushes them before LMDB commits (0, or 2 with errbuf), drops them
	 * when the transaction aborts, and settles the last transaction's
	 * packs before it begins the next */
	int (*flush)(struct eport *);
	void (*drop)(struct eport *);
	void (*settle)(struct eport *);
	int refs_behind;	/* a ref failed to move: keep the packs' keeps */
	json_t *touched;	/* USCCs whose public page a step changed (public.c) */
	json_t *dirty;		/* mirror.c: the registry's paths this transaction wrote */
	int mirror_off;		/* mirror.c: the registry is not recorded (a rebuild) */
	int mirror_moved;	/* mirror.c: a commit made, its ref to move to mirror_new */
	git_oid mirror_new;
	char errbuf[512];
};
#define EPORT_RDONLY 1
#define EPORT_NOREPO 2
#define STORE_MAP_INITIAL ((size_t)32 << 20)	/* store.map-size */
/* The store, configuration and repository (repo.c); -1: message in errbuf. */
int eport_open(struct eport *, int flags);
/* LMDB only, for commands that need nothing else; st zeroed by the caller. */
int store_open(struct eport *, int flags, size_t mapsize);
void eport_close(struct eport *);
void eport_git_fini(struct eport *);
MDB_txn *eport_open_read(struct eport *);	/* read-only, one read txn; dies on failure */

/* Run fn in one write transaction; on a full map, grow it and run fn again
 * (so fn must be safe to run twice).  fn returns 0 to commit; 1 (refused) or
 * 2 (failed) with a message in errbuf, or an LMDB error code, to abort.
 * store_write returns 0, 1 or 2. */
typedef int (*txn_fn)(struct eport *, MDB_txn *, void *);
int store_write(struct eport *, txn_fn, void *);
int store_read(struct eport *, MDB_txn **);
int store_create(const char *dbdir, size_t mapsize, char *err, size_t errlen);
void store_release(struct eport *);	/* after a batch: the store's mapped pages */
const char *store_err(int rc);		/* mdb_strerror */
/* For a write that failed with err (EIO, ENOSPC, EDQUOT): "; the disk of
 * HOME is full (N KiB free): ... what to do" in out, and 1; else "", 0. */
int store_disk_note(struct eport *, int err, char *out, size_t len);
/* The DB_EVTIME key of the event at `at` (its ISO time, office time) whose
 * DB_EVENTS key is ev; k holds at least EVTIME_KEY_MAX bytes.  The times
 * are all written +08:00, so the keys sort by time. */
#define EVTIME_KEY_MAX 160
MDB_val evtime_key(char *k, const char *at, const MDB_val *ev);

int db_get(struct eport *, MDB_txn *, int db, const char *key, MDB_val *);
/* Writes of the registry's databases go through these (or db_putk), so
 * that mirror.c records them. */
int db_putk(struct eport *, MDB_txn *, int db, MDB_val *key, MDB_val *val, unsigned flags);
int db_put(struct eport *, MDB_txn *, int db, const char *key, const void *, size_t, unsigned flags);
int db_del(struct eport *, MDB_txn *, int db, const char *key, const char *val);
json_t *db_get_json(struct eport *, MDB_txn *, int db, const char *key);
int db_put_json(struct eport *, MDB_txn *, int db, const char *key, const json_t *);
int counter_next(struct eport *, MDB_txn *, const char *name, uint64_t *);

/* repo.c: the audit repository (libgit2). */
const char *eport_git_err(void);		/* git_error_last()'s message */
void eport_git_setup(void);			/* libgit2 initialised, fsync on */
int repo_init(const char *path);
int repo_open(struct eport *);
int repo_blob(struct eport *, const void *, size_t, git_oid *);
/* After an object was not found: "; docs.git/objects/... cannot be read
 * by this user ...: what to do", or "" (a static buffer). */
const char *repo_unreadable(struct eport *);
int repo_read_blob(struct eport *, const char *commit_hex, const char *path, struct buf *);
/* pack.c: many objects, one pack: after repo_batch (eport_open calls it
 * for every writer), objects stay in memory until store_write flushes them
 * as a single fsynced pack, before LMDB commits.  The pack has a .keep
 * until its refs have moved, so that git gc --prune=now and git repack -a
 * -d, which delete what no ref reaches, leave it alone: after store_write,
 * move the refs (repo_advance), then repo_settle; before the next
 * store_write in any case, which settles what is left. */
#define REPO_INCOMING "objects/eport-incoming"	/* where a batch's pack is made */
int repo_batch(struct eport *);
int repo_flush(struct eport *);
void repo_drop(struct eport *);		/* an aborted transaction's objects */
void repo_settle(struct eport *);	/* the refs moved: the keeps go */
void repo_batch_end(struct eport *);	/* before the repository is freed */
int repo_pack_settings(git_repository *);	/* eport-init's pack.* */
int repo_pack_settings_ok(git_repository *);	/* 1 there, 0 not, -1 unreadable */
/* the packbuilder's pack and index, written by an indexer in a directory;
 * git_indexer_name(*out) names them */
int pack_index(git_packbuilder *, const char *dir, git_indexer **out);
/* Whose is objects/pack/NAME (a .keep), in the directory dirfd: */
enum { KEEP_NONE, KEEP_OTHER, KEEP_LIVE, KEEP_GONE };
int keep_state(int dirfd, const char *name);	/* none, not eport's, its writer at work, gone */
/* Advance refs/cases/<id> to commit, unless it is there already or beyond. */
int repo_advance(struct eport *, const char *id, const git_oid *commit);
int repo_move(struct eport *, const char *refname, const git_oid *commit);	/* any ref */
/* Lock files under refs/cases/ with no writer left (older than a few
 * seconds): fn(ref name, removed, arg) for each; remove unlinks them. */
int repo_stale_locks(struct eport *, int remove, void (*fn)(const char *, int, void *), void *arg);
/* The same of a pack write cut off: its temporary files (in
 * objects/eport-incoming, or objects/pack), or a pack moved in without its
 * index; fn(path under docs.git, removed, arg). */
int repo_stale_packs(struct eport *, int remove, void (*fn)(const char *, int, void *), void *arg);
/* The .keep of a batch whose writer is gone (its refs may lag: remove
 * only once they are mended); docs.git/config.lock of a write cut off;
 * how many keeps have their writer at work. */
int repo_stale_keeps(struct eport *, int remove, void (*fn)(const char *, int, void *), void *arg);
int repo_stale_config(struct eport *, int remove, void (*fn)(const char *, int, void *), void *arg);
int repo_busy(struct eport *);

/* mirror.c: the registry in docs.git, on refs/eport/<office.branch>/registry
 * (the layout is at the top of mirror.c).  mirror_dbs: the databases
 * recorded; the others are the cases' (refs/cases/) or made from them. */
#define MIRROR_NDBS 5
extern const int mirror_dbs[MIRROR_NDBS];
int mirror_db(int db);			/* 1: recorded on the registry's ref */
const char *mirror_dir(int db);		/* "cards", ... */
char *mirror_path(int db, const void *key, size_t n);	/* malloc'd */
int mirror_key(const char *path, int *db, struct buf *key);	/* 0, or -1: not a path of ours */
int mirror_blob(int db, const MDB_val *, struct buf *);	/* a value as its blob */
int mirror_value(int db, const void *, size_t, struct buf *);	/* and back; -1: malformed */
void mirror_note(struct eport *, int db, const MDB_val *key);	/* db_putk, db_del */
void mirror_reset(struct eport *);	/* store_write, at each attempt */
/* Before the transaction commits: one commit of what it changed, its tip
 * in DB_META.  0, or 2 with a message in errbuf, or an LMDB code. */
int mirror_commit(struct eport *, MDB_txn *);
int mirror_advance(struct eport *);	/* after it committed: the ref */
char *mirror_ref(struct eport *);	/* refs/eport/<office.branch>/registry */
int mirror_tip(struct eport *, MDB_txn *, git_oid *);	/* 0, MDB_NOTFOUND, an LMDB code */
int mirror_set_tip(struct eport *, MDB_txn *, const git_oid *);

/* replica.c: docs.git elsewhere.  A set of refs, sorted by name: */
struct refent {
	char *name;
	git_oid oid;
};
struct refset {
	struct refent *v;
	size_t n, cap;
};
void refset_add(struct refset *, const char *name, const git_oid *);
void refset_sort(struct refset *);
const struct refent *refset_find(const struct refset *, const char *name);	/* sorted */
void refset_free(struct refset *);
int fsync_dir(const char *);
int rm_tree(const char *);	/* rm -rf, links not followed */
/* path written whole or not at all (a temporary file renamed): 0, or -1 */
int file_replace(const char *path, const void *, size_t, mode_t, char *err, size_t len);
/* gitdir's refs, all at once: exactly s, as packed-refs (s is sorted) */
int refs_write_packed(const char *gitdir, struct refset *s, char *err, size_t len);
/* Into gitdir's objects/pack, as one pack: what want's commits reach and
 * have's (what gitdir has) do not; *objects how many. */
int replica_pack(git_repository *src, const char *gitdir, const struct refset *want,
    const struct refset *have, size_t *objects, char *err, size_t len);
/* refs/cases/<branch><digit>... and refs/eport/<branch>/...; any of
 * refs/cases/ and refs/eport/ when branch is NULL */
int replica_wanted(const char *name, const char *branch);
/* The refs url has that replica_wanted takes, their objects into repo (its
 * refs are left to the caller: refs_write_packed); *got the refs. */
int replica_fetch(git_repository *, const char *url, const char *branch, struct refset *got,
    char *err, size_t len);
/* Push want's refs that url lacks or has older (never forced), from a
 * temporary repository with src's objects; *pushed how many. */
int replica_push(git_repository *src, const char *url, struct refset *want, size_t *pushed,
    char *err, size_t len);

/* rebuild.c: LMDB made again from docs.git's refs alone, into the empty
 * store st (its repository holding the refs): the cases of refs/cases/,
 * the registry of the ref named registry (may be NULL: none).  0, or 1 (the
 * repository's data is wrong) or 2 with a message in errbuf. */
struct rebuild_stats {
	unsigned long cases, events, records;
};
int store_rebuild(struct eport *, const char *registry, struct rebuild_stats *);

/* case.c and step.c: the case and its lifecycle. */
/* An audited step on one case, inside a write transaction: appends the event,
 * writes the git commit (case.json, history.jsonl, the documents) and every
 * index; the caller advances the ref after the commit (case_step_done). */
struct step {
	const char *action;	/* apply, check, accept, ... */
	const char *to;		/* the new state, or NULL to keep it */
	const char *why;
	json_t *extra;		/* more event fields, or NULL (stolen) */
	const char *body;	/* the commit message's body, or NULL: lines without
				 * a trailing newline, before the trailers */
	git_oid commit;		/* out */
};
int case_step(struct eport *, MDB_txn *, json_t *kase, struct step *);
json_t *case_get(struct eport *, MDB_txn *, const char *id);
MDB_val case_ev_key(char *k, const char *id, uint32_t seq);	/* k[128]: id NUL seq (BE) */
json_t *case_history(struct eport *, MDB_txn *, const char *id);
int case_set_state(struct eport *, MDB_txn *, json_t *kase, const char *to);
/* The indexes, kept by the steps and made again by a rebuild: */
int case_index_new(struct eport *, MDB_txn *, const json_t *kase);	/* by ref, by USCC */
int case_index_state(struct eport *, MDB_txn *, const char *id, const char *from, const char *to);
/* An event (its JSON, len bytes) as the seq'th of case id, at its time at. */
int case_event_put(struct eport *, MDB_txn *, const char *id, uint32_t seq, const char *ev,
    size_t len, const char *at);
int case_new_id(struct eport *, MDB_txn *, time_t, char out[32]);
json_t *case_row(const json_t *kase);	/* id type uscc state ref taken */
int case_validate(const json_t *rec, struct buf *err);	/* what the store needs */
/* A document's sha256 and size, and unless st is NULL or dry its blob. */
int doc_record(struct eport *, json_t *doc, const void *, size_t);
int case_create(struct eport *, MDB_txn *, const json_t *rec, const char *source,
    json_t **out, int *existing, git_oid *commit);
int valid_state(const char *);
int valid_type(const char *);
int case_done(const char *state);	/* closed, rejected, withdrawn: nothing more to do */
extern const char *const case_states[];

/* types.c: the business types, one table (DESIGN.md section 1). */
enum {
	BT_WRITE = 1,		/* eport-card write: a new card for each holder */
	BT_REWRITE = 2,		/* ... the holder's card rewritten in place */
	BT_UNLOCK = 4,		/* eport-card unlock */
	BT_RENEW = 8,		/* eport-card renew */
	BT_NOCARD = 16,		/* no card work: ready on acceptance */
	BT_NOTHING_BACK = 32,	/* nothing posted back: closes from ready */
};
struct btype {
	const char *name;	/* onboard, ...: the name in records */
	const char *zh;		/* 新入网企业制卡, ... */
	int posting;		/* working days to the posting day */
	unsigned work;		/* BT_* */
};
extern const struct btype btypes[];	/* ended by a NULL name */
const struct btype *btype(const char *name);	/* NULL if not a type */
int btype_has(const char *name, unsigned work);	/* of any of work */

/* pki.c: the office CA (OpenSSL). */
int pki_init_ca(const char *keydir, const char *cn, time_t now, char *err, size_t errlen);
const char *ssl_err(void);		/* ERR_error_string of the last error */
/* A card's holder as its certificate names them (DESIGN.md section 6). */
struct cardholder {
	const char *number, *role, *holder, *uscc, *enterprise;	/* role: legal, operator */
};
/* The per-card secrets, HMAC-SHA256(keys/master, card number): never
 * stored, printed or logged; wipe them with cleanse() after use. */
#define CARD_MGMT_LEN 24		/* a 3DES management key */
struct card_keys {
	unsigned char mgmt[CARD_MGMT_LEN];
	char puk[9];			/* 8 digits */
};
int pki_card_keys(const char *keydir, const char *number, struct card_keys *, char *err, size_t errlen);
/* A certificate (DER, appended to der) for the P-256 point (04|X|Y) from
 * the office CA in keydir, valid from to until (the caller counts the
 * years); pki_reissue: a new one for the key and subject of an old
 * certificate.  0, or -1 with a message. */
int pki_issue(const char *keydir, const struct cardholder *, const unsigned char *point,
    size_t len, time_t from, time_t until, struct buf *der, char *err, size_t errlen);
int pki_reissue(const char *keydir, const void *old, size_t oldlen, time_t from, time_t until,
    struct buf *der, char *err, size_t errlen);
/* What a certificate says: {"card", "role", "holder", "uscc", "enterprise",
 * "serial" (hex), "not_before", "not_after"}, or NULL if it is not DER. */
json_t *pki_cert_info(const void *der, size_t len);
char *pki_pem(const void *der, size_t len);	/* malloc'd, or NULL */
/* An EC public key from its uncompressed point on curve ("P-256", "P-384"). */
struct evp_pkey_st *ec_public(const char *curve, const unsigned char *point, size_t len);
struct x509_st;
/* The office CA's key and certificate, checked against each other. */
int pki_load_ca(const char *keydir, struct evp_pkey_st **, struct x509_st **, char *err, size_t errlen);

/* sign.c: a detached CMS signature (DER) of data, by the office CA in
 * keydir, the same bytes for the same data (how: sign.c).  verify: against
 * the CA certificate ca_pem, at the time at: 0 good, 1 not (why), -1 an
 * error (why). */
int pki_sign_detached(const char *keydir, const void *data, size_t n, struct buf *der, char *err,
    size_t errlen);
int pki_verify_detached(const void *ca_pem, size_t calen, const void *data, size_t n,
    const void *sig, size_t siglen, time_t at, char *why, size_t len);

/* archive.c: bundles (libarchive). */
#define BUNDLE_MAX_ENTRY (64u << 20)	/* one file of a bundle */
#define BUNDLE_MAX_TOTAL (256u << 20)	/* a whole bundle, unpacked */
struct bundle;
struct archive;
struct bundle *bundle_open(const char *path, char *err, size_t errlen);
const struct buf *bundle_file(struct bundle *, const char *path);
void bundle_free(struct bundle *);
const char *bundle_cases(struct bundle *);	/* "case.json" or "cases.jsonl" */
int is_archive(const unsigned char *, size_t);	/* by its first bytes */
void eport_read_formats(struct archive *);	/* the formats a reader takes */
/* docread.c: documents from disk, nothing followed on the way (no symbolic
 * link, no file of more than one link, nothing in the store). */
struct doc_where {
	int in_store;		/* the directory is the store or inside it */
	int have_store;
	dev_t store_dev;
	ino_t store_ino;
};
/* Where the directory at the real path dir is, against the store at home
 * (NULL: none); 1 when inside it. */
int doc_store(const char *dir, const char *home, struct doc_where *);
/* path below dir (an absolute path: below /), at most max bytes, into b:
 * 0, or -1 with why ("'scans/x.pdf': 'scans' is a symbolic link, ..."). */
int doc_read(const char *dir, const char *path, const struct doc_where *, struct buf *b,
    size_t max, char *why, size_t whylen);

/* Where a record's documents are: a directory, or a bundle. */
struct origin {
	const char *dir;	/* real path of the record's directory */
	struct bundle *bundle;
	struct doc_where where;	/* of dir: origin_at */
	int any_path;		/* paths from the staff: absolute, or with "..", too */
};
void origin_at(struct origin *, const char *dir, const char *home);	/* home: NULL, none */
int origin_read(const struct origin *, const char *file, struct buf *, char *why, size_t whylen);

/* ids.c: validators (USCC, identity numbers, phones, tracking, orders). */
enum { ID_BAD = -1, ID_OK = 0, ID_LEGACY = 1 };
/* ID_OK; ID_LEGACY when the check character fails but the embedded
 * organisation code passes and the division code is Fujian's (35....: the
 * pre-2016 pilot codes, warn, never refuse); ID_BAD.  why: an English
 * reason, NULL when OK. */
int uscc_check(const char *, const char **why);
char uscc_check_char(const char *);	/* what position 18 should be; 0 if malformed */
int orgcode_valid(const char *);			/* GB 11714, 9 characters */
void uscc_orgcode(const char *uscc, char out[10]);	/* positions 9..17; "" unless 18 long */
struct idinfo {
	char birth[11];		/* YYYY-MM-DD the number carries, else "" */
	char sex;		/* 'M', 'F', or 0 where the number carries none */
	const char *why, *why_zh;	/* the reason when bad */
};
extern const char *const id_types[];	/* resident, hk-macau-permit, ... NULL */
int id_type_valid(const char *);
/* ID_OK or ID_BAD; an empty or NULL id_type is resident.  hk-macau-permit:
 * 回乡证 (H/M + 8 or 10 digits) or the 18-digit residence permit (810000,
 * 820000); taiwan-permit: 台胞证 (8 digits) or the residence permit (830000);
 * foreign-permanent: the 2023 card (18 digits, 9...) or the 2017 one (3
 * letters + 12 digits); passport: [A-Z0-9]{5,17}. */
int id_check(const char *id_type, const char *number, struct idinfo *);
int phone_mobile(const char *);		/* 1[3-9]xxxxxxxxx, +86 or 0086 allowed */
int phone_landline(const char *);	/* [0xx(x)-]xxxxxxx(x)[-ext] */
int phone_valid(const char *);
int ems_valid(const char *);		/* domestic EMS: 13 digits */
int s10_valid(const char *);		/* UPU S10 with its check digit */
int tracking_valid(const char *);
int order_number_valid(const char *);	/* NF + YYYYMMDDhhmmss + 3 digits */
#define CARD_NUMBER_LEN 13		/* 3700 YY SSSSSS and a Luhn digit */
enum { CARD_BAD, CARD_NEW, CARD_LEGACY };
int card_number_make(int year, unsigned long seq, char out[CARD_NUMBER_LEN + 1]);
int card_number_check(const char *);	/* CARD_NEW, CARD_LEGACY (8-20 alnum) or CARD_BAD */

/* rules.c: the rulebook (rules.tsv and kinds.tsv) and the checks of one
 * case record against it (DESIGN.md, findings of eport-check). */
#define RULES_UPLOAD_MAX (4u << 20)	/* an online upload: at most 4 MiB */
struct rulebook;
/* The rulebook in layers (layers_load): kinds.tsv of share/eport, of
 * /etc/eport and of home (when not NULL), a later line for a kind
 * replacing it; then rules.tsv of each, a later line for a requirement
 * (type, channel, pickup, what, per, arg) replacing it, with n 0 taking it
 * out.  NULL with "path:line: why" in err. */
struct rulebook *rules_load(const char *home, char *err, size_t errlen);
struct rulebook *rules_load_dir(const char *dir, char *err, size_t errlen);	/* dir alone */
/* sha256 (hex) of the files read, in order (their names and bytes): the
 * case's checked_with */
const char *rules_digest(const struct rulebook *);
void rules_free(struct rulebook *);
const char *kind_name(const struct rulebook *, const char *kind);	/* Chinese; NULL if unknown */
const char *file_format(const void *, size_t);	/* "jpeg", "png", "gif", "bmp", "pdf" or NULL */
/* What the store knows, for the checks that need it; every callback may be
 * NULL (no store: those checks are skipped).  JSON the callbacks return is a
 * new reference, released by the checks.  Shapes:
 *   card:  {"number", "role": "legal"|"operator", "uscc", "holder" (name),
 *           "id_number", "state": "active"|"revoked", "case" (the case that
 *           wrote it, optional)}
 *   order: {"order", "time", "status": 待支付|待认证|待开票|待提货|待退款|完成,
 *           "office": "厦门分中心", "pickup": "关区取货"|"厂家邮寄",
 *           "lines": [{"product": "智能IC卡-操作员", "qty": 2, "amount": "..."}],
 *           "recipient", "phone", "address", ...}
 * open_cases: the enterprise's cases that are not over (case_done), as stored
 * (id, type, state, holders, issued, ...), the case being checked among them.
 * doc_bytes fills out (a zeroed buf) with a document's bytes and returns 0, or
 * -1 when it has none; it may stop after RULES_UPLOAD_MAX + 1 bytes.
 * ems_names: check.ems-names, China Post's names for EMS, a comma list (NULL:
 * EMS, 中国邮政EMS, 邮政EMS, 中国邮政速递物流, China Post EMS). */
struct check_env {
	void *arg;
	const char *self_id;	/* the stored case being checked, or NULL */
	int (*doc_bytes)(void *arg, const json_t *doc, struct buf *out);
	json_t *(*card)(void *arg, const char *number);		/* or NULL */
	json_t *(*enterprise_cards)(void *arg, const char *uscc);	/* active cards: array */
	json_t *(*holder_card)(void *arg, const char *uscc, const char *id_number); /* active operator card */
	json_t *(*order)(void *arg, const char *number);		/* or NULL */
	const char *(*order_case)(void *arg, const char *number);	/* the case holding it, or NULL */
	int (*enterprise_closed)(void *arg, const char *uscc);
	json_t *(*open_cases)(void *arg, const char *uscc);		/* array */
	const char *ems_names;
};
/* The findings: [{"severity": "block"|"warn", "rule", "path", "message"}].
 * path: a field (holders.2.id_number, mail.phone), a document (documents.3),
 * a required document missing: documents.KIND, or documents.KIND[ID_NUMBER]
 * for one holder's (documents.KIND[holders.N] when the holder has no number);
 * a card missing: cards[legal], cards[operator], or cards[NUMBER] for a card
 * the store knows; holders[legal] when the case lacks such a holder. */
json_t *rules_check(const struct rulebook *, const json_t *rec, const struct check_env *);
int rules_blocking(const json_t *findings);	/* 1 if a finding blocks */
/* The first blocking finding whose rule is one of only (NULL: any), or NULL;
 * a borrowed reference. */
const json_t *rules_first_block(const json_t *findings, const char *const *only);

/* registry.c: what the office knows beyond cases (LMDB).
 *   DB_CARDS: number -> {"number", "role": "legal"|"operator", "uscc",
 *     "enterprise" (name), "holder" (name), "id_number", "state":
 *     "active"|"revoked", "case" (the case that wrote it), "serial" (hex),
 *     "not_after" (ISO time), "cert" (PEM), "written", "revoked" (time), "why",
 *     "revoked_case" (the case whose reissue replaced it)}
 *   DB_HOLDERS: uscc NUL card number -> "" for each active card of an enterprise
 *   DB_ENTERPRISES: uscc -> {"uscc", "name", "closed" (time), "case"}
 *   DB_ORDERS: order number -> the order as imported (the shape check_env
 *     documents) plus "case", the case it serves; a stub {"order", "case"}
 *     until the order is imported.
 * Getters return a new reference or NULL; putters return 0 or an LMDB code. */
json_t *card_get(struct eport *, MDB_txn *, const char *number);
int card_put(struct eport *, MDB_txn *, const json_t *card);	/* keeps DB_HOLDERS */
int card_holders_put(struct eport *, MDB_txn *, const json_t *card);	/* its DB_HOLDERS entry */
json_t *enterprise_cards(struct eport *, MDB_txn *, const char *uscc);	/* active: array */
json_t *holder_card(struct eport *, MDB_txn *, const char *uscc, const char *id_number);
json_t *enterprise_get(struct eport *, MDB_txn *, const char *uscc);
int enterprise_put(struct eport *, MDB_txn *, const json_t *);
json_t *order_get(struct eport *, MDB_txn *, const char *number);
int order_put(struct eport *, MDB_txn *, const json_t *order);	/* keeps "case" */
/* An order serves one case: 0 claimed (or already id's), 1 held by another
 * case, else an LMDB code.  Release does nothing unless id holds it. */
int order_claim(struct eport *, MDB_txn *, const char *number, const char *id);
int order_release(struct eport *, MDB_txn *, const char *number, const char *id);
json_t *open_cases(struct eport *, MDB_txn *, const char *uscc);	/* not case_done: array */
/* check_env callbacks over the store, in txn; ems_names from the
 * configuration. */
struct store_env {
	struct eport *st;
	MDB_txn *txn;
};
void store_check_env(struct check_env *, struct store_env *);
/* The case checked again against the store in txn, as eport-check would
 * (without the bytes of its documents): the first blocking finding of the
 * rules in only (NULL: any), a new reference, or NULL. */
json_t *store_recheck(struct eport *, MDB_txn *, const struct rulebook *, const json_t *kase,
    const char *const *only);

/* batch.c: steps on stored cases, many to one write transaction (at most
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
/* The store's one write sequence (DESIGN.md section 5), for every command
 * that writes: fn runs in store_write's transaction (the batch's git
 * objects packed and fsynced before LMDB commits) and adds the refs it
 * means to move to *mv (emptied before each attempt); once committed, the
 * public snapshot is published, the refs moved, the pack's keep settled
 * and the store's pages released (mv NULL: a write that moves no case's
 * ref).  Returns store_write's 0, 1 or 2; on 1 or 2 nothing after the
 * transaction is done. */
struct moves {
	size_t n, cap;
	char **id;
	git_oid *oid;
};
void moves_add(struct moves *, const char *id, const git_oid *);
void moves_free(struct moves *);
int batch_commit(struct eport *, txn_fn fn, void *arg, struct moves *mv);
/* store.batch-records and store.batch-ms, clamped as they are documented */
void batch_limits(struct eport *, long *max, long *ms);
/* Ids from argv, else stdin (bare ids, or the id column of TSV or JSON).
 * With st->dry (-n) nothing is committed and no git object is written. */
void cases_each(struct eport *, int argc, char **argv, struct each *);
/* The same for items the caller read itself (their rec and pos copied). */
void cases_each_items(struct eport *, const struct item *, size_t n, struct each *);

/* cal.c: working days. */
/* Days are numbered from 1970-01-01 (day 0), office time.  The calendar
 * fails closed (DESIGN.md section 8): an answer that rests on a day of a
 * year the calendar does not hold is CAL_GAP, with that year in *gap (may
 * be NULL), never a guess. */
#define CAL_HOURS "08:30-12:00,13:30-17:00"	/* office.hours */
enum { CAL_RANGE = -1, CAL_NOTYPE = -2, CAL_GAP = -3 };
struct cal;
/* share/eport/holidays.tsv, then home/holidays.tsv if home is given and the
 * file exists; later lines win.  NULL with "path:line: why" in err. */
struct cal *cal_load(const char *home, char *err, size_t errlen);
void cal_free(struct cal *);
int cal_set_hours(struct cal *, const char *spec, char *err, size_t errlen);
int cal_covers(const struct cal *, int year);
int cal_parse_day(const char *ymd, long *day);	/* exactly YYYY-MM-DD */
void cal_fmt_day(long day, char out[11]);
long cal_day_of(time_t);
int cal_year(long day);
int cal_is_workday(const struct cal *, long day, int *gap);	/* 1, 0 or CAL_GAP */
/* The nth working day after day; n = 0: day itself if it is a working day,
 * else the next one.  0, CAL_RANGE past 9999-12-31, or CAL_GAP. */
int cal_add(const struct cal *, long day, long n, long *out, int *gap);
/* The day a step taken at t counts from: its own day in hall hours or before
 * they open on a working day, else the next working day. */
int cal_effective(const struct cal *, time_t t, long *out, int *gap);
int cal_posting_days(const char *type);		/* 3, 2, 0; -1 not a type */
/* The posting day of a case of type accepted at t: CAL_NOTYPE not a type. */
int cal_posting(const struct cal *, const char *type, time_t accepted, long *out, int *gap);
/* What a CAL_GAP means to the office: the year, and the file to add it to
 * (home/holidays.tsv). */
void cal_gap_msg(const struct cal *, int year, char *buf, size_t len);
/* From 1 December of now's year: next year if the calendar lacks it, else
 * 0; cal_ahead_msg the warning that commands counting working days give. */
int cal_year_ahead(const struct cal *, time_t now);
void cal_ahead_msg(const struct cal *, int year, char *buf, size_t len);
/* The same date and time of day (office time) years on; 29 February goes to
 * 28 February in a common year. */
time_t cal_add_years(time_t, int years);

/* wait.c: how long cases wait (eport-ls -w, eport-ship uncollected). */
/* When the case entered its present state (its last step into it) and who
 * took its last step (*by, malloc'd): 0, or -1 when no time reads back. */
int case_entered(struct eport *, MDB_txn *, const json_t *kase, time_t *since, char **by);
/* The working days after the day a step at since counts from, up to the
 * day of now: 0 on that day itself; -1 when the calendar lacks a year on
 * the way (the first such year in *gap): the calendar fails closed. */
long workdays_since(const struct cal *, time_t since, time_t now, int *gap);
/* {"id", "type", "uscc", "state", "since", "days", "by"} */
json_t *wait_row(struct eport *, MDB_txn *, const struct cal *, const json_t *kase,
    time_t now, int *gap);

/* tlv.c: BER-TLV.  ber_get: the TLV at p[0..n), the bytes it takes (0:
 * malformed; tag 0, len 0 then); ber_put appends one (tags of 1-3 bytes). */
size_t ber_get(const unsigned char *p, size_t n, unsigned *tag, const unsigned char **val, size_t *len);
void ber_put(struct buf *, unsigned tag, const void *, size_t);

/* vcard.c: the PIV card emulator's card. */
#define VCARD_SLOTS 4			/* 9A 9C 9D 9E */
#define VCARD_RESP_MIN 258		/* the least room vcard_apdu answers into */
struct vcard;
struct vcard *vcard_new(void);		/* factory state: PIN 123456, PUK 12345678 */
/* The card in a state file, made in factory state when the file is absent:
 * 0, or -1 with a message. */
int vcard_load(struct vcard **, const char *path, char *err, size_t errlen);
int vcard_save(struct vcard *, const char *path, char *err, size_t errlen);
void vcard_free(struct vcard *);
const unsigned char *vcard_atr(size_t *len);
void vcard_reset(struct vcard *);	/* power on, off, reset: security status cleared */
/* One command APDU in, its response (data and status word) out; *outlen is
 * the room on entry (at least VCARD_RESP_MIN).  1 when the state changed and
 * must be saved, 0 when not, -1 when out has no room. */
int vcard_apdu(struct vcard *, const unsigned char *in, size_t inlen,
    unsigned char *out, size_t *outlen);

/* order.c: the sales platform's order export (eport-order import). */
extern const char *const order_statuses[];	/* 待支付 待认证 待开票 待提货 待退款 完成 */
int order_status_valid(const char *);
/* One export, CSV or TSV (a tab in the header line), UTF-8 (a BOM
 * tolerated) or GB18030, one row per order line, into *orders: one record
 * per order number (the shape struct check_env documents, "qty" an integer;
 * a member for each column the export has, "" when empty), its rows merged
 * into "lines", in the order first seen.  An order with a bad row is left
 * out.  *refused: [{"line", "column" ("" for the file), "message"}], one per
 * problem.  Both are new references.  0 parsed (some rows may be refused);
 * -1 the whole file is refused; -2 a system error (the last refusal, line 0,
 * says which). */
int order_parse(const void *, size_t, json_t **orders, json_t **refused);
char *order_products(const json_t *order);	/* "智能IC卡-操作员x2,读卡器x1" (malloc'd) */

/* decide.c: review decisions and the public status query. */
const char *type_name(const char *type);	/* 新入网企业制卡, ...; NULL if unknown */
/* May user take action (accept, reject, return, withdraw) on the case?  0
 * yes; 1 no, with why ("case is received, not checked", "four eyes: ...").
 * Four eyes: neither the case's "by" (intake) nor anyone in its
 * "materials_by" (attach, amend) accepts it. */
int review_guard(const json_t *kase, const char *action, const char *user,
    char *why, size_t len);
void materials_by_add(json_t *kase, const char *user);	/* user supplied or changed materials */
int withdrawable(const char *state);	/* before shipped: received ... ready */
/* The case as the public status query shows it: 已受理, 待补正, 不予受理,
 * 已撤回, 审核通过, 领卡, 待邮寄, 已邮寄, and once it is delivered, collected
 * or closed how it ended: 已办结 · 不予受理, 已办结 · 已撤回, 已办结 · 已领取,
 * 已办结 · 已签收, ...; *detail (malloc'd, maybe "") what is missing, the
 * reason, or the tracking number. */
const char *public_status(const json_t *kase, char **detail);

/* mask.c: identity and phone numbers (and with MASK_NAMES people's names:
 * holders.N.name, handler.name, recipient) found by their keys in the
 * records collected, and masked there and wherever else they appear.  An
 * identity number keeps its first 6 and last 4 characters, a phone its
 * first 3 and last 4 (too short: masked whole); a name its first
 * character. */
enum { MASK_ID = 1, MASK_PHONE = 2, MASK_NAME = 3 };
#define MASK_NAMES 1
struct mask;
struct mask *mask_new(int flags);
void mask_free(struct mask *);
void mask_collect(struct mask *, const json_t *);
void mask_add(struct mask *, const char *value, int kind);
void mask_json(struct mask *, json_t *);		/* in place */
char *mask_text(struct mask *, const char *);		/* malloc'd */
char *mask_value(const char *, int kind);		/* malloc'd */

/* notice.c: the collection notice (领卡通知书) of a case at 领卡, the bounce
 * notice (退件通知书) of a bounced one: their words as lines for a renderer,
 * [{"kind", "label", "text"}], kind one of title, field (label：text),
 * heading (text：), item, text, gap (an empty line), seal; with now (not 0)
 * the date printed last (notice_dated adds it later).  notice_text: the
 * lines as plain UTF-8 text (malloc'd). */
struct office {
	const char *name, *address, *phone, *hours, *counter;
};
void office_get(struct eport *, struct office *);	/* office.* (config.c) */
json_t *notice_lines(const struct office *, const json_t *kase, time_t now);
void notice_dated(json_t *lines, const char *today);
char *notice_text(const json_t *lines);

/* public.c: the public snapshot eport-web serves (the files are described
 * there). */
/* case_step notes each case's enterprise; after the commit public_flush
 * writes their files in web.public anew (nothing when it is not set): 0, or
 * -1 with a message in errbuf. */
void public_note(struct eport *, const json_t *kase);
int public_flush(struct eport *);
/* Every file against the store: fn(path under web.public, what is wrong
 * (a message, N_: translated where it is printed), mended, arg) for each
 * that is not as the store says; repair mends them.
 * The number of such files, or -1 (message in errbuf). */
long public_check(struct eport *, int repair,
    void (*fn)(const char *rel, const char *what, int fixed, void *), void *arg);

/* ship.c: posting back by EMS (DESIGN.md section 7). */
/* When the case was accepted: its `accepted` member, else the last accept
 * event of its history.  0, or -1 when it has neither. */
int ship_accepted(struct eport *, MDB_txn *, const json_t *kase, time_t *);
/* The day it is due to be posted (cal_posting): 0; -1 no acceptance time;
 * -2 not a type or past 9999-12-31; CAL_GAP (the year in *gap) unknown
 * until the calendar holds that year. */
int ship_posting(struct eport *, MDB_txn *, const struct cal *, const json_t *kase,
    long *day, int *gap);
/* What its parcel holds: "电子口岸卡 x2, 读卡器 x1" (malloc'd). */
char *ship_contents(struct eport *, MDB_txn *, const json_t *kase);

/* pcsc.c: the card reader (pcsc-lite).  pcsc_open finds the reader (name,
 * or a unique prefix of one; NULL: the first reader holding a card),
 * connects to its card and holds it in a transaction until pcsc_close,
 * which resets the card.  Errors: -1, the message in err or pcsc_error. */
struct reader;
int pcsc_open(struct reader **, const char *name, char *err, size_t errlen);
void pcsc_close(struct reader *);
const char *pcsc_name(const struct reader *);
const char *pcsc_error(const struct reader *);
void pcsc_seterr(struct reader *, const char *, ...) __attribute__((format(printf, 2, 3)));
/* One APDU; resp gets the answer with its status word. */
int pcsc_transmit(struct reader *, const unsigned char *apdu, size_t n,
    unsigned char *resp, size_t *resplen);

/* piv.c: the PIV card application (NIST SP 800-73-4) on a reader's card.
 * Functions return 0, or -1 with the message in pcsc_error; those that
 * check a reference say 1 (refused; *tries left) or 2 (blocked). */
#define PIV_PIN 0x80
#define PIV_PUK 0x81
#define PIV_MGMT 0x9B
#define PIV_SLOT_AUTH 0x9A		/* PIV Authentication */
#define PIV_ALG_3DES 0x03
#define PIV_ALG_P256 0x11
#define PIV_OBJ_CHUID 0x5FC102
#define PIV_OBJ_CERT_AUTH 0x5FC105
#define PIV_OBJ_PRINTED 0x5FC109
#define PIV_FACTORY_PIN "123456"
#define PIV_FACTORY_PUK "12345678"
extern const unsigned char piv_factory_mgmt[24];	/* 0102030405060708 x 3 */
int piv_select(struct reader *);			/* send it first */
int piv_get_object(struct reader *, unsigned tag, struct buf *val);	/* 1: none */
int piv_put_object(struct reader *, unsigned tag, const void *val, size_t len);
int piv_pin_tries(struct reader *, int *tries);	/* empty VERIFY; -1: verified */
int piv_change_ref(struct reader *, int ref, const char *old, const char *new, int *tries);
int piv_reset_retry(struct reader *, const char *puk, const char *pin, int *tries);
int piv_auth_mgmt(struct reader *, int alg, const unsigned char *key, size_t len); /* 1: refused */
int piv_set_mgmt(struct reader *, int alg, const unsigned char *key, size_t len);
int piv_generate(struct reader *, int slot, struct buf *point);	/* P-256: 04|X|Y */
int piv_read_cert(struct reader *, struct buf *der);	/* slot 9A; 1: none */
int piv_write_cert(struct reader *, const void *der, size_t len);
void piv_chuid(struct buf *, const char *number, time_t expiry);	/* the object's value */
void piv_printed(struct buf *, const struct cardholder *, time_t expiry);

/* card.c: the card protocol over piv.c.  card_put_identity writes the
 * certificate in 9A, the CHUID and the printed information: 0, or -1 with
 * the message in pcsc_error. */
int card_put_identity(struct reader *, const struct buf *cert, const struct cardholder *,
    time_t until);

#endif
