/* store.h: struct eport and the store: LMDB, the configuration, who acts,
 * the registry and its record in docs.git, replicas and rebuilds. */
#ifndef EPORT_STORE_H
#define EPORT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <git2.h>
#include <jansson.h>
#include <lmdb.h>

#include "base.h"

/* ident.c: who acts (DESIGN.md section 3). */
#define USER_MAX 64			/* bytes of a staff member's name */
const char *eport_login(void);		/* the login name, whatever EPORT_USER says */
/* The staff member: the login, or EPORT_USER on a shared login, as
 * ident_settle settled it (eport_open does for a writer); unsettled, it
 * settles it now, and aborts when EPORT_USER is refused. */
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

/* shared.c: a store shared by a group (eport-init -g). */
int store_umask(const char *home);	/* 007 in a shared store (setgid), else 077 */
int group_gid(const char *name, gid_t *, char *err, size_t errlen);
/* Make the store at home the group's: directories 2770, files 0660, the
 * config 0640; keys/ the card group's (card.group: 2750, 0640), else the
 * owner's alone.  0, or -1 with a message. */
int store_share(const char *home, const char *group, char *err, size_t errlen);
struct eport;
/* For a write that failed with err (EIO, ENOSPC, EDQUOT): "; the disk of
 * HOME is full (N KiB free): ... what to do" in out, and 1; else "", 0. */
int store_disk_note(struct eport *, int err, char *out, size_t len);

/* config.c: git-config files through libgit2. */
struct eport;
const char *eport_git_err(void);		/* git_error_last()'s message */
void eport_git_setup(void);			/* libgit2 initialised, fsync on */
int cfg_open(git_config **, const char *home);	/* share defaults, then $home/config */
int cfg_load(struct eport *);	/* st->cfg from st->home: 0, or -1 with why in st->errbuf */
const char *cfg_str(struct eport *, const char *key, const char *dflt);
long cfg_int(struct eport *, const char *key, long dflt);
int cfg_bool(struct eport *, const char *key, int dflt);

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
	/* what a write could not do once committed (batch_commit): lines for
	 * the command to say; the store is sound, eport-fsck -r finishes it */
	struct buf warn;
	char errbuf[512];
};
#define EPORT_RDONLY 1
#define EPORT_NOREPO 2
#define STORE_MAP_INITIAL ((size_t)32 << 20)	/* store.map-size */
int store_home(struct eport *);	/* st->home from the environment if unset: 0, or -1 with why */
/* LMDB only, for commands that need nothing else; st zeroed by the caller. */
int store_open(struct eport *, int flags, size_t mapsize);

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

/* open.c: the store whole (LMDB, the configuration, who acts, docs.git and
 * a writer's packs); -1: message in errbuf.  eport_close frees it all. */
int eport_open(struct eport *, int flags);
void eport_close(struct eport *);

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

/* rules.h's, for registry.c's checks */
struct check_env;
struct rulebook;
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

#endif
