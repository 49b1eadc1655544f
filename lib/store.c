/* store.c: the LMDB environment, the source of truth.  One write transaction
 * per batch; a full map is grown and the transaction run again. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eport.h"

const char *const db_names[DB_N] = {
	"cases", "events", "by-state", "by-uscc", "by-ref", "cards", "holders",
	"orders", "shipments", "counters", "enterprises", "meta", "by-time",
};
static const unsigned db_flags[DB_N] = {
	[DB_STATE] = MDB_DUPSORT,
	[DB_USCC] = MDB_DUPSORT,
};

#define MAP_INITIAL STORE_MAP_INITIAL

const char *
store_err(int rc)
{
	return mdb_strerror(rc);
}

static int
seterr(struct eport *st, const char *what, int rc)
{
	char note[sizeof st->errbuf / 2];

	store_disk_note(st, rc, note, sizeof note);
	snprintf(st->errbuf, sizeof st->errbuf, "%s: %s%s", _(what), mdb_strerror(rc), note);
	return -1;
}

/* The store is there but not open to this user: say whose it is, as far
 * as the path can be followed. */
static void
denied(struct eport *st)
{
	char *p = xstrdup(st->home), *s, who[80];
	struct stat sb;
	struct passwd *pw;

	while (stat(p, &sb) < 0 && (s = strrchr(p, '/')) && s != p)
		*s = '\0';
	pw = getpwuid(sb.st_uid);
	if (pw)
		snprintf(who, sizeof who, "'%s'", pw->pw_name);
	else
		snprintf(who, sizeof who, "uid %u", (unsigned)sb.st_uid);
	snprintf(st->errbuf, sizeof st->errbuf, _("cannot open the store at '%s': %s: "
	    "'%s' belongs to %s; run the command as the store's owner"),
	    st->home, strerror(EACCES), p, who);
	free(p);
}

static int
env_open(struct eport *st, const char *db, unsigned flags, size_t mapsize)
{
	int rc;

	if (st->env)
		mdb_env_close(st->env);
	st->env = NULL;
	if ((rc = mdb_env_create(&st->env)) ||
	    (rc = mdb_env_set_maxdbs(st->env, DB_N + 4)) ||
	    (mapsize && (rc = mdb_env_set_mapsize(st->env, mapsize))) ||
	    (rc = mdb_env_set_maxreaders(st->env, 126)) ||
	    (rc = mdb_env_open(st->env, db, flags, 0660)))
		return rc;
	return 0;
}

MDB_val
evtime_key(char *k, const char *at, const MDB_val *ev)
{
	MDB_val v = { 0, k };
	size_t n = strlen(at);

	if (n + 1 + ev->mv_size > EVTIME_KEY_MAX)
		return v;
	memcpy(k, at, n + 1);
	memcpy(k + n + 1, ev->mv_data, ev->mv_size);
	v.mv_size = n + 1 + ev->mv_size;
	return v;
}

/* A store made before DB_EVTIME: the index made from every event, in one
 * write transaction, with the other databases opened in it.  A store this
 * process cannot write goes on without it (dbi 0, which LMDB never gives a
 * named database). */
static int
evtime_build(struct eport *st)
{
	char k[EVTIME_KEY_MAX];
	MDB_envinfo info;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val key, val, none = { 0, "" };
	int rc;

	for (;;) {
		if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn))) {
			if (rc != EACCES && rc != EROFS)
				return seterr(st, "db", rc);
			if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)))
				return seterr(st, "db", rc);
			for (int i = 0; i < DB_EVTIME; i++)
				if ((rc = mdb_dbi_open(txn, db_names[i], db_flags[i], &st->dbi[i]))) {
					mdb_txn_abort(txn);
					return seterr(st, db_names[i], rc);
				}
			st->dbi[DB_EVTIME] = 0;
			return (rc = mdb_txn_commit(txn)) ? seterr(st, "db", rc) : 0;
		}
		for (int i = 0; i < DB_N; i++)
			if ((rc = mdb_dbi_open(txn, db_names[i], db_flags[i] |
			    (i == DB_EVTIME ? MDB_CREATE : 0), &st->dbi[i]))) {
				mdb_txn_abort(txn);
				return seterr(st, db_names[i], rc);
			}
		if ((rc = mdb_cursor_open(txn, st->dbi[DB_EVENTS], &c)))
			goto fail;
		for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
			json_t *ev = json_loadb(val.mv_data, val.mv_size, 0, NULL);
			MDB_val tk = evtime_key(k, jstr(ev, "at"), &key);

			json_decref(ev);
			if (tk.mv_size && (rc = mdb_put(txn, st->dbi[DB_EVTIME], &tk, &none, 0)))
				break;
		}
		mdb_cursor_close(c);
		if (rc == MDB_NOTFOUND)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc != MDB_MAP_FULL)
			break;
		mdb_env_info(st->env, &info);
		if ((rc = mdb_env_set_mapsize(st->env, info.me_mapsize * 2)))
			return seterr(st, N_("db: growing the map"), rc);
	}
	return rc ? seterr(st, N_("db: building the index of events by time"), rc) : 0;
fail:
	mdb_txn_abort(txn);
	return seterr(st, "db", rc);
}

/* st->home, when not set, from the environment: 0, or -1 with why */
int
store_home(struct eport *st)
{
	const char *home;

	if (st->home)
		return 0;
	if (!(home = eport_home_env())) {
		snprintf(st->errbuf, sizeof st->errbuf, _("neither EPORT_HOME nor HOME is set"));
		return -1;
	}
	st->home = xstrdup(home);
	return 0;
}

/* The LMDB environment of the store; a writer maps mapsize bytes (0: what
 * is there), a reader what is there, read-only (MDB_RDONLY).  No libgit2
 * here: eport_open (open.c) adds the configuration and the repository. */
int
store_open(struct eport *st, int flags, size_t mapsize)
{
	char *db;
	struct stat sb;
	MDB_txn *txn;
	int rc;

	if (store_home(st) < 0)
		return -1;
	/* what this command writes, the others of a shared store can use */
	umask(store_umask(st->home));
	st->rdonly = flags & EPORT_RDONLY;
	db = xasprintf("%s/db", st->home);
	if (stat(db, &sb) < 0) {
		if (errno == EACCES)
			denied(st);
		else
			snprintf(st->errbuf, sizeof st->errbuf,
			    _("no store at '%s' (run eport-init, or set EPORT_HOME)"), st->home);
		free(db);
		return -1;
	}
	if ((rc = env_open(st, db, st->rdonly ? MDB_RDONLY : 0, mapsize)) &&
	    st->rdonly && (rc == EACCES || rc == EROFS))
		/* a read-only copy (chmod a-w, a read-only mount): its lock file
		 * cannot be written, and no writer can be at work in it */
		rc = env_open(st, db, MDB_RDONLY | MDB_NOLOCK, mapsize);
	free(db);
	if (rc == EACCES || rc == EROFS) {
		snprintf(st->errbuf, sizeof st->errbuf, _("db: %s: the store at '%s' cannot be "
		    "written (a read-only copy or mount, or another user's): the commands that "
		    "only read, and eport-check -n, work on it"), mdb_strerror(rc), st->home);
		return -1;
	}
	if (rc)
		return seterr(st, "db", rc);
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)))
		return seterr(st, "db", rc);
	for (int i = 0; i < DB_N; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], db_flags[i], &st->dbi[i]))) {
			mdb_txn_abort(txn);
			if (rc != MDB_NOTFOUND || i != DB_EVTIME)
				return seterr(st, db_names[i], rc);
			/* a reader opened it read-only: read-write, if this
			 * login may, to build the index once for all */
			if (st->rdonly) {
				char *path = xasprintf("%s/db", st->home);

				if ((rc = env_open(st, path, 0, 0)) &&
				    (rc = env_open(st, path, MDB_RDONLY, 0)) &&
				    (rc == EACCES || rc == EROFS))
					rc = env_open(st, path, MDB_RDONLY | MDB_NOLOCK, 0);
				free(path);
				if (rc)
					return seterr(st, "db", rc);
			}
			return evtime_build(st);
		}
	mdb_txn_commit(txn);
	return 0;
}

/* Create the named databases of a new environment. */
int
store_create(const char *dir, size_t mapsize, char *err, size_t errlen)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	if ((rc = mdb_env_create(&env)))
		goto fail;
	mdb_env_set_maxdbs(env, DB_N + 4);
	mdb_env_set_mapsize(env, mapsize ? mapsize : MAP_INITIAL);
	/* no lock file: nothing else opens a store being made, and LMDB
	 * writes its lock file through a map, which a full disk turns into
	 * SIGBUS; the first command makes it */
	if ((rc = mdb_env_open(env, dir, MDB_NOLOCK, 0660)) ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn))) {
		mdb_env_close(env);
		goto fail;
	}
	for (int i = 0; i < DB_N; i++)
		if ((rc = mdb_dbi_open(txn, db_names[i], db_flags[i] | MDB_CREATE, &dbi))) {
			mdb_txn_abort(txn);
			mdb_env_close(env);
			goto fail;
		}
	rc = mdb_txn_commit(txn);
	mdb_env_close(env);
	if (!rc)
		return 0;
fail:
	snprintf(err, errlen, "%s", mdb_strerror(rc));
	return -1;
}

static int
begin(struct eport *st, unsigned flags, MDB_txn **txn)
{
	int rc;

	while ((rc = mdb_txn_begin(st->env, NULL, flags, txn)) == MDB_MAP_RESIZED)
		mdb_env_set_mapsize(st->env, 0);	/* another process grew it */
	return rc;
}

int
store_read(struct eport *st, MDB_txn **txn)
{
	return begin(st, MDB_RDONLY, txn);
}

int
store_write(struct eport *st, txn_fn fn, void *arg)
{
	MDB_txn *txn;
	MDB_envinfo info;
	int rc;

	for (;;) {
		/* the last transaction's refs have moved (callers move them
		 * before they write again): its packs need no keep now */
		if (st->settle)
			st->settle(st);
		mirror_reset(st);
		if ((rc = begin(st, 0, &txn)))
			return seterr(st, "db", rc), 2;
		rc = fn(st, txn, arg);
		/* what the registry's databases changed, one commit, its
		 * objects written with the transaction's others */
		if (rc == 0)
			rc = mirror_commit(st, txn);
		/* the transaction's git objects, one pack, on disk before LMDB
		 * names them */
		if (rc == 0 && st->flush)
			rc = st->flush(st);
		if (rc == 0) {
			rc = mdb_txn_commit(txn);
		} else {
			mdb_txn_abort(txn);
			/* a map grown runs the transaction again, on the same
			 * objects: the documents' blobs, written as their
			 * records were read, are in memory alone until a pack
			 * holds them */
			if (st->drop && rc != MDB_MAP_FULL)
				st->drop(st);
		}
		if (rc != MDB_MAP_FULL)
			break;
		mdb_env_info(st->env, &info);
		if ((rc = mdb_env_set_mapsize(st->env, info.me_mapsize * 2)))
			return seterr(st, N_("db: growing the map"), rc), 2;
	}
	if (rc == 0)
		mirror_advance(st);	/* a lag is mended by the next write or eport-fsck -r */
	else
		st->mirror_moved = 0;
	if (rc == 0 || rc == 1 || rc == 2)	/* ok, refused, failed: errbuf says */
		return rc;
	seterr(st, "db", rc);
	return 2;
}

/* After a batch of a bulk command: the store's files that are mapped read
 * only (LMDB's map, docs.git's pack indexes and pack windows) keep every
 * page the batch looked at, and a long intake touches them all, so its
 * resident set grew with the store.  Those pages are clean and stay in the
 * page cache; the process lets go of them, and faults back in the few the
 * next batch needs. */
void
store_release(struct eport *st)
{
	FILE *fp = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 128], perm[8], path[PATH_MAX];
	size_t hlen = strlen(st->home);
	unsigned long lo, hi;

	if (!fp)
		return;
	while (fgets(line, sizeof line, fp)) {
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &lo, &hi, perm, path) != 4)
			continue;
		if (perm[1] != '-' || strncmp(path, st->home, hlen) || path[hlen] != '/')
			continue;
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	fclose(fp);
}

static MDB_val
kv(const char *s)
{
	MDB_val v = { strlen(s), (void *)s };
	return v;
}

int
db_get(struct eport *st, MDB_txn *txn, int db, const char *key, MDB_val *val)
{
	MDB_val k = kv(key);

	return mdb_get(txn, st->dbi[db], &k, val);
}

int
db_putk(struct eport *st, MDB_txn *txn, int db, MDB_val *k, MDB_val *v, unsigned flags)
{
	mirror_note(st, db, k);
	return mdb_put(txn, st->dbi[db], k, v, flags);
}

int
db_put(struct eport *st, MDB_txn *txn, int db, const char *key, const void *p, size_t n, unsigned flags)
{
	MDB_val k = kv(key), v = { n, (void *)p };

	return db_putk(st, txn, db, &k, &v, flags);
}

int
db_del(struct eport *st, MDB_txn *txn, int db, const char *key, const char *val)
{
	MDB_val k = kv(key), v;
	int rc;

	if (val)
		v = kv(val);
	mirror_note(st, db, &k);
	rc = mdb_del(txn, st->dbi[db], &k, val ? &v : NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

json_t *
db_get_json(struct eport *st, MDB_txn *txn, int db, const char *key)
{
	MDB_val v;

	if (db_get(st, txn, db, key, &v))
		return NULL;
	return json_loadb(v.mv_data, v.mv_size, 0, NULL);
}

int
db_put_json(struct eport *st, MDB_txn *txn, int db, const char *key, const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	int rc;

	if (!s)
		return ENOMEM;
	rc = db_put(st, txn, db, key, s, strlen(s), 0);
	free(s);
	return rc;
}

int
counter_next(struct eport *st, MDB_txn *txn, const char *name, uint64_t *out)
{
	MDB_val v;
	uint64_t n = 0;
	int rc;

	rc = db_get(st, txn, DB_COUNTERS, name, &v);
	if (rc == 0 && v.mv_size == sizeof n)
		memcpy(&n, v.mv_data, sizeof n);
	else if (rc != MDB_NOTFOUND && rc)
		return rc;
	n++;
	*out = n;
	return db_put(st, txn, DB_COUNTERS, name, &n, sizeof n, 0);
}

