/* audit.h: the audit trail: docs.git and its packs, cases and their steps
 * in batches, documents and bundles, signatures, masking, notices and the
 * public snapshot. */
#ifndef EPORT_AUDIT_H
#define EPORT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <git2.h>
#include <jansson.h>
#include <lmdb.h>

#include "base.h"
#include "store.h"

/* repo.c: the audit repository (libgit2). */
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
/* export.c: the audit archive of eport-export (its contents: export.c).
 * Made from a read transaction of st: export_add for each case (0 added or
 * there already, 1 refused: why in err), export_finish for the README,
 * ca.crt, SHA256SUMS and its signature (0, or -1: err), then export_write
 * to name, in the format of export_format(name) (EXPORT_*, or -1 for a
 * name of none), with the file mode mode: 0; -1 no file was made, -2 the
 * archive was not written (err; what was begun is removed).  It sets TZ
 * to the office's (zip stores local times).  From a signal handler,
 * export_unlink removes the hidden name an archive has while it replaces
 * an old one.
 * export_verify reads the archive name and checks its sums, its signature
 * and every case against its commit in st: each finding is bad(path in the
 * archive, or NULL for the archive as a whole, what is wrong (translated),
 * arg).  0 checked (findings or none), -1 the archive cannot be opened
 * (why in err). */
enum { EXPORT_TAR, EXPORT_GZ, EXPORT_XZ, EXPORT_ZIP };
struct export;
struct export *export_new(struct eport *st, MDB_txn *txn, int masked);
int export_add(struct export *, const char *id, char *err, size_t errlen);
size_t export_cases(const struct export *);	/* how many were added */
int export_finish(struct export *, char *err, size_t errlen);
int export_format(const char *name);
int export_write(struct export *, const char *name, mode_t mode, char *err, size_t errlen);
void export_unlink(const struct export *);
void export_free(struct export *);
typedef void (*export_bad_fn)(const char *path, const char *what, void *arg);
int export_verify(struct eport *st, const char *name, export_bad_fn bad, void *arg, char *err,
    size_t errlen);
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

/* batch.c */
/* The store's one write sequence (DESIGN.md section 5), for every command
 * that writes: fn runs in store_write's transaction (the batch's git
 * objects packed and fsynced before LMDB commits) and adds the refs it
 * means to move to *mv (emptied before each attempt); once committed, the
 * public snapshot is published, the refs moved, the pack's keep settled
 * and the store's pages released (mv NULL: a write that moves no case's
 * ref).  Returns store_write's 0, 1 or 2; on 1 or 2 nothing after the
 * transaction is done.  What failed after the commit (a ref not moved, the
 * page not published) is added to st->warn, a line each, for the command
 * to say: eport_commit (cli/each.h) does. */
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
/* case.json and history.jsonl of a case masked in place, as eport-export -m
 * writes them (indented, compact lines): 0, or -1 if either is not JSON */
int mask_case(struct buf *kase, struct buf *hist);

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

#endif
