/* repo.c: the audit repository, a bare docs.git written with libgit2.  Each
 * case has refs/cases/<id>; objects are fsynced before LMDB commits. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/refdb_backend.h>
#include <git2/sys/repository.h>

#include "eport.h"

const char *
git_err(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

void
git_setup(void)
{
	static int done;

	if (done++)
		return;
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/* a command reads each case's objects once, if at all: a small object
	 * cache, and few of the written packs kept mapped, so memory does not
	 * grow with the store (16 MiB of cache was a tenth of intake's peak) */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)1 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)64 << 20);
	/* the store's repository is ours: no owner check against $HOME's user */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

int
repo_init(const char *path)
{
	git_repository *r;

	git_setup();
	if (git_repository_init(&r, path, 1) < 0)
		return -1;
	git_repository_free(r);
	return 0;
}

int
repo_open(struct eport *st)
{
	char *p = xasprintf("%s/docs.git", st->home);
	git_refdb *refdb = NULL;
	int rc;

	git_setup();
	st->fini = eport_git_fini;
	rc = git_repository_open_bare(&st->repo, p);
	free(p);
	if (rc < 0)
		return -1;
	/* LMDB is the truth and a ref may lag it after a crash (eport-fsck -r
	 * moves it on), so refs need no fsync of their own: two per case were
	 * most of a batch's time.  libgit2 takes the setting when it makes the
	 * ref database, so make it now, with fsync off; objects keep theirs. */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
	rc = git_repository_refdb(&refdb, st->repo);
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	git_refdb_free(refdb);
	return rc < 0 ? -1 : 0;
}

/* The store whole: LMDB, the configuration (for a writer: the map's size,
 * office.strict-identity) and, unless EPORT_NOREPO, docs.git. */
int
eport_open(struct eport *st, int flags)
{
	char err[sizeof st->errbuf];
	size_t mapsize = 0;

	memset(st, 0, sizeof *st);
	st->home = xstrdup(eport_home());
	if (!(flags & EPORT_RDONLY)) {
		long n = cfg_int(st, "store.map-size", STORE_MAP_INITIAL);

		/* the stored size of an existing environment wins when larger */
		mapsize = n < 65536 ? 65536 : (size_t)n;
		/* four eyes cannot rest on a variable anyone can set */
		eport_strict_identity = cfg_bool(st, "office.strict-identity", 0);
	}
	if (store_open(st, flags, mapsize) < 0)
		goto fail;
	if (!(flags & EPORT_NOREPO) && repo_open(st) < 0) {
		snprintf(st->errbuf, sizeof st->errbuf, "docs.git: %s", git_err());
		goto fail;
	}
	st->fini = eport_git_fini;
	return 0;
fail:
	/* nothing held but the message, for a caller that goes on without */
	memcpy(err, st->errbuf, sizeof err);
	eport_close(st);
	memcpy(st->errbuf, err, sizeof err);
	return -1;
}

int
repo_blob(struct eport *st, const void *p, size_t n, git_oid *oid)
{
	return git_blob_create_from_buffer(oid, st->repo, p, n);
}

int
repo_read_blob(struct eport *st, const char *commit_hex, const char *path, struct buf *out)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	int rc;

	if ((rc = git_oid_fromstr(&oid, commit_hex)) < 0 ||
	    (rc = git_commit_lookup(&c, st->repo, &oid)) < 0 ||
	    (rc = git_commit_tree(&t, c)) < 0 ||
	    (rc = git_tree_entry_bypath(&e, t, path)) < 0 ||
	    (rc = git_blob_lookup(&b, st->repo, git_tree_entry_id(e))) < 0)
		goto out;
	buf_add(out, git_blob_rawcontent(b), git_blob_rawsize(b));
out:
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}

/* A ref's lock file left by a writer killed while it held it.  A ref is
 * written in microseconds, so a lock older than STALE_LOCK seconds has no
 * writer: remove it (1: try again).  A fresh one is another writer's: wait
 * a moment for it (1 too; the caller's tries bound the wait). */
#define STALE_LOCK 10
static int
stale_lock(struct eport *st, const char *name)
{
	char *path = xasprintf("%s/%s.lock", git_repository_path(st->repo), name);
	struct stat sb;
	int again = 1;

	if (stat(path, &sb) == 0 && time(NULL) - sb.st_mtime > STALE_LOCK)
		again = unlink(path) == 0;
	else
		usleep(10000);
	free(path);
	return again;
}

/* The stale lock files under refs/cases/: fn(name of the ref, removed, arg)
 * for each lock older than STALE_LOCK; with remove, they are unlinked first.
 * libgit2 renames a lock onto its ref by link(2) then unlink(2), so a writer
 * killed between the two leaves a lock beside a ref that is already right:
 * only a sweep finds it.  Returns how many were found, or -1. */
int
repo_stale_locks(struct eport *st, int remove, void (*fn)(const char *, int, void *), void *arg)
{
	char *dir = xasprintf("%s/refs/cases", git_repository_path(st->repo));
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat sb;
	int n = 0;

	if (!d) {
		free(dir);
		return errno == ENOENT ? 0 : -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *name;
		int removed = 0;

		if (len <= 5 || strcmp(e->d_name + len - 5, ".lock") ||
		    fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || time(NULL) - sb.st_mtime <= STALE_LOCK)
			continue;
		if (remove)
			removed = unlinkat(dirfd(d), e->d_name, 0) == 0;
		name = xasprintf("refs/cases/%.*s", (int)(len - 5), e->d_name);
		fn(name, removed, arg);
		free(name);
		n++;
	}
	closedir(d);
	free(dir);
	return n;
}

/* Move refs/cases/<id> to commit, unless it is there already or beyond it
 * (another writer got there first).  The update states the old value, so a
 * concurrent move is seen and the loop looks again. */
int
repo_advance(struct eport *st, const char *id, const git_oid *commit)
{
	char *name = xasprintf("refs/cases/%s", id);
	git_reference *ref = NULL, *nref = NULL;
	int rc = 0;

	for (int tries = 0; tries < 100; tries++) {
		git_oid cur;

		rc = git_reference_name_to_id(&cur, st->repo, name);
		if (rc == GIT_ENOTFOUND) {
			rc = git_reference_create(&nref, st->repo, name, commit, 0, "eport: new case");
			git_reference_free(nref);
			nref = NULL;
			if (rc == GIT_EEXISTS || (rc == GIT_ELOCKED && stale_lock(st, name)))
				continue;
			break;
		}
		if (rc < 0 && git_error_last() && git_error_last()->klass == GIT_ERROR_REFERENCE) {
			/* there but unreadable: torn by a crash before it reached
			 * the disk (libgit2 will not overwrite it), so make it again */
			char *path = xasprintf("%s/%s", git_repository_path(st->repo), name);

			unlink(path);
			free(path);
			rc = git_reference_create(&nref, st->repo, name, commit, 0, "eport: mended");
			git_reference_free(nref);
			nref = NULL;
			break;
		}
		if (rc < 0)
			break;
		if (git_oid_equal(&cur, commit) || git_graph_descendant_of(st->repo, &cur, commit) == 1) {
			rc = 0;
			break;
		}
		rc = git_reference_create_matching(&nref, st->repo, name, commit, 1, &cur, "eport: step");
		git_reference_free(nref);
		nref = NULL;
		if (rc != GIT_EMODIFIED && !(rc == GIT_ELOCKED && stale_lock(st, name)))
			break;
	}
	git_reference_free(ref);
	free(name);
	return rc < 0 ? -1 : 0;
}

/* Writing many cases: every object goes to memory, and repo_flush writes
 * them as one pack (one fsync) instead of a loose file (and an fsync) each.
 * Reads see the objects in memory meanwhile.  libgit2's mempack keeps them;
 * this backend around it notes which objects the batch wrote, so that the
 * pack holds those alone (git_mempack_dump packs every object the batch's
 * commits reach, so each step packed the case's scans once more). */
struct batch_odb {
	git_odb_backend parent;
	git_odb_backend *mem;
	git_oid *oids;
	size_t n, cap;
	git_repository *packrepo;	/* where the packbuilder works */
	char *packdir;
};

/* The packbuilder lists every ref of its repository to find tags, once per
 * pack (git_tag_foreach in its write order): in docs.git that is a file
 * read per case, so intake got slower with every case the store held.  It
 * packs in a repository of its own instead, with docs.git's objects and
 * configuration and this ref database, which has no ref. */
static int
norefs_next(git_reference **ref, git_reference_iterator *it)
{
	(void)ref;
	(void)it;
	return GIT_ITEROVER;
}

static int
norefs_next_name(const char **name, git_reference_iterator *it)
{
	(void)name;
	(void)it;
	return GIT_ITEROVER;
}

static void
norefs_iter_free(git_reference_iterator *it)
{
	free(it);
}

static int
norefs_iterator(git_reference_iterator **out, git_refdb_backend *be, const char *glob)
{
	git_reference_iterator *it = xcalloc(1, sizeof *it);

	(void)be;
	(void)glob;
	it->next = norefs_next;
	it->next_name = norefs_next_name;
	it->free = norefs_iter_free;
	*out = it;
	return 0;
}

static int
norefs_exists(int *exists, git_refdb_backend *be, const char *name)
{
	(void)be;
	(void)name;
	*exists = 0;
	return 0;
}

static int
norefs_lookup(git_reference **out, git_refdb_backend *be, const char *name)
{
	(void)out;
	(void)be;
	(void)name;
	return GIT_ENOTFOUND;
}

/* libgit2 takes a ref database only whole: what would write refs fails */
static int
norefs_none(void)
{
	git_error_set_str(GIT_ERROR_REFERENCE, "the packing repository has no refs");
	return -1;
}

static int
norefs_write(git_refdb_backend *be, const git_reference *ref, int force,
    const git_signature *who, const char *msg, const git_oid *old, const char *old_target)
{
	(void)be, (void)ref, (void)force, (void)who, (void)msg, (void)old, (void)old_target;
	return norefs_none();
}

static int
norefs_rename(git_reference **out, git_refdb_backend *be, const char *from, const char *to,
    int force, const git_signature *who, const char *msg)
{
	(void)out, (void)be, (void)from, (void)to, (void)force, (void)who, (void)msg;
	return norefs_none();
}

static int
norefs_del(git_refdb_backend *be, const char *name, const git_oid *old, const char *old_target)
{
	(void)be, (void)name, (void)old, (void)old_target;
	return norefs_none();
}

static int
norefs_has_log(git_refdb_backend *be, const char *name)
{
	(void)be, (void)name;
	return 0;
}

static int
norefs_ensure_log(git_refdb_backend *be, const char *name)
{
	(void)be, (void)name;
	return norefs_none();
}

static int
norefs_reflog_read(git_reflog **out, git_refdb_backend *be, const char *name)
{
	(void)out, (void)be, (void)name;
	return norefs_none();
}

static int
norefs_reflog_write(git_refdb_backend *be, git_reflog *log)
{
	(void)be, (void)log;
	return norefs_none();
}

static int
norefs_reflog_rename(git_refdb_backend *be, const char *from, const char *to)
{
	(void)be, (void)from, (void)to;
	return norefs_none();
}

static int
norefs_reflog_delete(git_refdb_backend *be, const char *name)
{
	(void)be, (void)name;
	return norefs_none();
}

static void
norefs_free(git_refdb_backend *be)
{
	free(be);
}

static int
pack_repo(struct eport *st, git_odb *odb, git_repository **out)
{
	git_repository *r = NULL;
	git_config *cfg = NULL;
	git_refdb *refdb = NULL;
	git_refdb_backend *be = xcalloc(1, sizeof *be);
	int rc;

	if ((rc = git_refdb_init_backend(be, GIT_REFDB_BACKEND_VERSION)) < 0) {
		free(be);
		return rc;
	}
	be->exists = norefs_exists;
	be->lookup = norefs_lookup;
	be->iterator = norefs_iterator;
	be->write = norefs_write;
	be->rename = norefs_rename;
	be->del = norefs_del;
	be->has_log = norefs_has_log;
	be->ensure_log = norefs_ensure_log;
	be->reflog_read = norefs_reflog_read;
	be->reflog_write = norefs_reflog_write;
	be->reflog_rename = norefs_reflog_rename;
	be->reflog_delete = norefs_reflog_delete;
	be->free = norefs_free;
	if ((rc = git_repository_new(&r)) < 0 ||
	    (rc = git_refdb_new(&refdb, r)) < 0) {
		norefs_free(be);
		goto out;
	}
	if ((rc = git_refdb_set_backend(refdb, be)) < 0) {
		norefs_free(be);
		goto out;
	}
	if ((rc = git_repository_set_refdb(r, refdb)) < 0 ||
	    (rc = git_repository_set_odb(r, odb)) < 0 ||
	    (rc = git_repository_config(&cfg, st->repo)) < 0 ||
	    (rc = git_repository_set_config(r, cfg)) < 0)
		goto out;
	*out = r;
	r = NULL;
out:
	git_config_free(cfg);
	git_refdb_free(refdb);
	git_repository_free(r);
	return rc;
}

static int
b_read(void **p, size_t *len, git_object_t *type, git_odb_backend *be, const git_oid *oid)
{
	git_odb_backend *mem = ((struct batch_odb *)be)->mem;

	return mem->read(p, len, type, mem, oid);
}

static int
b_read_header(size_t *len, git_object_t *type, git_odb_backend *be, const git_oid *oid)
{
	git_odb_backend *mem = ((struct batch_odb *)be)->mem;

	return mem->read_header(len, type, mem, oid);
}

static int
b_exists(git_odb_backend *be, const git_oid *oid)
{
	git_odb_backend *mem = ((struct batch_odb *)be)->mem;

	return mem->exists(mem, oid);
}

static int
b_write(git_odb_backend *be, const git_oid *oid, const void *p, size_t len, git_object_t type)
{
	struct batch_odb *b = (struct batch_odb *)be;
	int rc;

	if (b->mem->exists(b->mem, oid))
		return 0;
	if ((rc = b->mem->write(b->mem, oid, p, len, type)) < 0)
		return rc;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->oids = xrealloc(b->oids, b->cap * sizeof *b->oids);
	}
	git_oid_cpy(&b->oids[b->n++], oid);
	return 0;
}

static void
b_free(git_odb_backend *be)
{
	struct batch_odb *b = (struct batch_odb *)be;

	b->mem->free(b->mem);
	free(b->oids);
	free(b->packdir);
	free(b);
}

int
repo_batch(struct eport *st)
{
	git_config *cfg;
	git_odb *odb;
	struct batch_odb *b;
	int rc;

	if (st->mempack)
		return 0;
	/* scans are compressed images and case.json differs from case to
	 * case: a delta search finds little and was a third of intake's time.
	 * git reads pack.bigFileThreshold; libgit2 1.5's packbuilder reads its
	 * threshold from pack.deltaCacheSize instead (a bug of its own), so
	 * both, which leave git gc's deltas as they were. */
	if (git_repository_config(&cfg, st->repo) == 0) {
		int64_t v;

		if (git_config_get_int64(&v, cfg, "pack.bigFileThreshold") < 0)
			git_config_set_int64(cfg, "pack.bigFileThreshold", 0);
		if (git_config_get_int64(&v, cfg, "pack.deltaCacheSize") < 0)
			git_config_set_int64(cfg, "pack.deltaCacheSize", 1);
		git_config_free(cfg);
	}
	if (git_repository_odb(&odb, st->repo) < 0)
		return -1;
	b = xcalloc(1, sizeof *b);
	if ((rc = git_odb_init_backend(&b->parent, GIT_ODB_BACKEND_VERSION)) < 0 ||
	    (rc = git_mempack_new(&b->mem)) < 0) {
		free(b);
		git_odb_free(odb);
		return -1;
	}
	b->parent.read = b_read;
	b->parent.read_header = b_read_header;
	b->parent.exists = b_exists;
	b->parent.write = b_write;
	b->parent.free = b_free;
	b->packdir = xasprintf("%s/objects/pack", git_repository_path(st->repo));
	if ((rc = git_odb_add_backend(odb, &b->parent, 1000)) < 0)
		b_free(&b->parent);
	else
		st->mempack = &b->parent;
	git_odb_free(odb);
	return rc < 0 ? -1 : 0;
}

/* Before docs.git is freed: the packing repository holds its object
 * database, which holds the batch backend, which holds that repository. */
void
repo_batch_end(struct eport *st)
{
	struct batch_odb *b = (struct batch_odb *)st->mempack;

	if (b) {
		git_repository_free(b->packrepo);
		b->packrepo = NULL;
	}
	st->mempack = NULL;
}

int
repo_flush(struct eport *st)
{
	struct batch_odb *b = (struct batch_odb *)st->mempack;
	git_packbuilder *pb = NULL;
	int rc = -1;

	if (!b || !b->n)
		return 0;
	if (!b->packrepo) {
		git_odb *odb;

		if (git_repository_odb(&odb, st->repo) < 0)
			goto out;
		rc = pack_repo(st, odb, &b->packrepo);
		git_odb_free(odb);
		if (rc < 0) {
			rc = -1;
			goto out;
		}
	}
	if (git_packbuilder_new(&pb, b->packrepo) < 0)
		goto out;
	git_packbuilder_set_threads(pb, 1);
	for (size_t i = 0; i < b->n; i++)
		if (git_packbuilder_insert(pb, &b->oids[i], NULL) < 0)
			goto out;
	if (git_packbuilder_write(pb, b->packdir, 0, NULL, NULL) < 0)
		goto out;
	rc = 0;
out:
	/* what is in memory is now in the pack, or given up */
	if (rc == 0) {
		git_mempack_reset(b->mem);
		b->n = 0;
	}
	git_packbuilder_free(pb);
	return rc;
}
