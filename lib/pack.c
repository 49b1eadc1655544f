/* pack.c: a writer's git objects, kept in memory and written as one pack
 * per transaction.  eport_open calls repo_batch for every writer;
 * store_write has repo_flush write what the transaction made, fsynced,
 * with a .keep, before LMDB commits; repo_settle removes the keep once the
 * refs have moved; repo_batch_end lets go of it all before docs.git is
 * freed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/refdb_backend.h>
#include <git2/sys/repository.h>

#include "eport.h"

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
	char *packdir, *incoming;
	git_odb *disk;			/* docs.git's own object database */
	char **keeps;			/* the .keep of each pack not yet settled */
	size_t nkeeps;
};

/* Under the batch backend, docs.git's objects as they are on disk, without
 * a refresh of its own.  libgit2 writes an object only after looking for it
 * (git_odb_write's freshen) and, when it is not there, rescans objects/pack
 * and looks again: a readdir and a lookup in every pack index for each
 * object a batch writes, and a batch writes a few per case.  Through this
 * backend the batch's object database has nothing to rescan; repo_flush
 * refreshes docs.git's own once a batch, after writing the pack.  Reads
 * that miss still refresh it (git_odb_read does), as a lookup must find a
 * pack another writer just made. */
struct disk_odb {
	git_odb_backend parent;
	git_odb *odb;
};

static int
d_read(void **p, size_t *len, git_object_t *type, git_odb_backend *be, const git_oid *oid)
{
	git_odb_object *o;
	int rc;

	if ((rc = git_odb_read(&o, ((struct disk_odb *)be)->odb, oid)) < 0)
		return rc;
	*len = git_odb_object_size(o);
	*type = git_odb_object_type(o);
	if (!(*p = git_odb_backend_data_alloc(be, *len + 1))) {
		git_odb_object_free(o);
		return -1;
	}
	memcpy(*p, git_odb_object_data(o), *len);
	((char *)*p)[*len] = '\0';
	git_odb_object_free(o);
	return 0;
}

static int
d_read_prefix(git_oid *out, void **p, size_t *len, git_object_t *type, git_odb_backend *be,
    const git_oid *short_id, size_t n)
{
	git_odb_object *o;
	int rc;

	if ((rc = git_odb_read_prefix(&o, ((struct disk_odb *)be)->odb, short_id, n)) < 0)
		return rc;
	git_oid_cpy(out, git_odb_object_id(o));
	git_odb_object_free(o);
	return d_read(p, len, type, be, out);
}

static int
d_read_header(size_t *len, git_object_t *type, git_odb_backend *be, const git_oid *oid)
{
	return git_odb_read_header(len, type, ((struct disk_odb *)be)->odb, oid);
}

static int
d_exists(git_odb_backend *be, const git_oid *oid)
{
	return git_odb_exists_ext(((struct disk_odb *)be)->odb, oid, GIT_ODB_LOOKUP_NO_REFRESH);
}

/* libgit2 writes an object only if no backend has it ("freshen"), so a
 * batch whose scan was in an older pack wrote none and named the old copy.
 * When that copy is reached by no ref (a case refused in its batch, a
 * batch whose LMDB commit failed), git gc --prune=now or git repack -a -d
 * may delete it while the new batch still names it.  So docs.git's own
 * objects are never taken for the batch's: a batch's pack holds every
 * object its commits add, and the .keep that guards the pack guards them
 * all.  (Objects a step does not add, its parent's, are reached from the
 * case's ref.) */
static int
d_freshen(git_odb_backend *be, const git_oid *oid)
{
	(void)be;
	(void)oid;
	return GIT_ENOTFOUND;
}

static void
d_free(git_odb_backend *be)
{
	git_odb_free(((struct disk_odb *)be)->odb);
	free(be);
}

static git_odb_backend *
disk_odb(git_odb *odb)
{
	struct disk_odb *d = xcalloc(1, sizeof *d);

	if (git_odb_init_backend(&d->parent, GIT_ODB_BACKEND_VERSION) < 0) {
		free(d);
		return NULL;
	}
	d->parent.read = d_read;
	d->parent.read_prefix = d_read_prefix;
	d->parent.read_header = d_read_header;
	d->parent.exists = d_exists;
	d->parent.freshen = d_freshen;
	d->parent.free = d_free;
	d->odb = odb;
	return &d->parent;
}

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
	for (size_t i = 0; i < b->nkeeps; i++)
		free(b->keeps[i]);
	free(b->keeps);
	free(b->packdir);
	free(b->incoming);
	free(b);
}

/* Scans are compressed images and case.json differs from case to case: a
 * delta search finds little and was a third of intake's time.  git reads
 * pack.bigFileThreshold; libgit2 1.5's packbuilder reads its threshold
 * from pack.deltaCacheSize instead (a bug of its own), so both, which
 * leave git gc's deltas as they were.  eport-init writes them once. */
int
repo_pack_settings(git_repository *r)
{
	git_config *cfg;
	int rc;

	if ((rc = git_repository_config(&cfg, r)) < 0)
		return rc;
	if ((rc = git_config_set_int64(cfg, "pack.bigFileThreshold", 0)) == 0)
		rc = git_config_set_int64(cfg, "pack.deltaCacheSize", 1);
	git_config_free(cfg);
	return rc;
}

/* 1 when docs.git has them, 0 when not (a store made before eport-init
 * wrote them: eport-fsck says so, and -r writes them; a writer never
 * writes the configuration), -1 when it cannot be read */
int
repo_pack_settings_ok(git_repository *r)
{
	git_config *cfg;
	int64_t v;
	int ok;

	if (git_repository_config_snapshot(&cfg, r) < 0)
		return -1;
	ok = git_config_get_int64(&v, cfg, "pack.bigFileThreshold") == 0 && v == 0 &&
	    git_config_get_int64(&v, cfg, "pack.deltaCacheSize") == 0 && v == 1;
	git_config_free(cfg);
	return ok;
}

static int
flush_hook(struct eport *st)
{
	if (repo_flush(st) < 0) {
		const git_error *e = git_error_last();
		const char *msg = e && e->message ? e->message : _("unknown libgit2 error");
		char note[sizeof st->errbuf / 2];
		static const int disk[] = { ENOSPC, EDQUOT, EIO };
		int err = 0;

		/* libgit2 keeps the system's reason in its message alone */
		for (size_t i = 0; i < LEN(disk) && !err; i++)
			if (strstr(msg, strerror(disk[i])))
				err = disk[i];
		store_disk_note(st, err, note, sizeof note);
		snprintf(st->errbuf, sizeof st->errbuf, _("docs.git: writing the pack: %s%s"), msg, note);
		return 2;
	}
	return 0;
}

int
repo_batch(struct eport *st)
{
	git_odb *odb = NULL, *disk;
	git_odb_backend *d;
	struct batch_odb *b;
	int rc;

	if (st->mempack)
		return 0;
	if (git_repository_odb(&disk, st->repo) < 0)
		return -1;
	if (!(d = disk_odb(disk))) {
		git_odb_free(disk);
		return -1;
	}
	if (git_odb_new(&odb) < 0 || git_odb_add_backend(odb, d, 1) < 0) {
		d->free(d);
		git_odb_free(odb);
		return -1;
	}
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
	b->incoming = xasprintf("%s/" REPO_INCOMING, git_repository_path(st->repo));
	b->disk = disk;
	if ((rc = git_odb_add_backend(odb, &b->parent, 1000)) < 0) {
		b_free(&b->parent);
	} else {
		st->mempack = &b->parent;
		st->flush = flush_hook;
		st->drop = repo_drop;
		st->settle = repo_settle;
		/* docs.git reads and writes through the batch from now on */
		if ((rc = git_repository_set_odb(st->repo, odb)) < 0 ||
		    (rc = pack_repo(st, odb, &b->packrepo)) < 0)
			repo_batch_end(st);
	}
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
		repo_settle(st);
		git_repository_free(b->packrepo);
		b->packrepo = NULL;
	}
	st->mempack = NULL;
	st->flush = NULL;
	st->drop = NULL;
	st->settle = NULL;
}

/* libgit2's indexer puts a pack's index in place before the pack, and git
 * gc deletes an index it finds without its pack as garbage: a gc between
 * the two made a batch's pack invisible (t/0942 saw it).  So the indexer
 * writes in objects/eport-incoming, and the pack is moved into
 * objects/pack before its index, as git itself does; then the directory
 * is fsynced.
 *
 * Until the batch's refs have moved, no ref reaches the pack's objects,
 * and git gc --prune=now or git repack -a -d would delete them (t/0946):
 * so the pack gets its .keep before it enters objects/pack, as git's
 * receive-pack does, and keeps it until repo_settle.  A keep says who
 * made it, so that one whose writer is gone can be told from one whose
 * writer is at work (eport-fsck). */
/* libgit2 adds strerror(errno) to a GIT_ERROR_OS message */
static int
os_fail(const char *what, const char *path)
{
	git_error_set(GIT_ERROR_OS, "%s '%s'", _(what), path);
	return -1;
}

/* The running process as a keep names it: pid, start time (clock ticks
 * after boot, /proc/PID/stat's 22nd field) and boot, so that a pid used
 * again, or a reboot, is not taken for the writer. */
static int
proc_start(long pid, unsigned long long *start)
{
	char path[64], s[1024], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, s, sizeof s - 1);
	close(fd);
	if (n <= 0)
		return -1;
	s[n] = '\0';
	/* the command name may hold spaces and parentheses: after the last ) */
	if (!(p = strrchr(s, ')')) || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u"
	    " %*u %*u %*d %*d %*d %*d %*d %*d %llu", start) != 1)
		return -1;
	return 0;
}

static void
boot_id(char out[40])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, out, 39);

	if (fd >= 0)
		close(fd);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

#define KEEP_TAG "eport "

static char *
keep_text(void)
{
	unsigned long long start = 0;
	char boot[40];

	proc_start(getpid(), &start);
	boot_id(boot);
	return xasprintf(KEEP_TAG "%ld %llu %s\n", (long)getpid(), start, boot);
}

int
keep_state(int dirfd, const char *name)
{
	char s[256], boot[40], kboot[40];
	unsigned long long start, now;
	long pid;
	int fd;
	ssize_t n;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? KEEP_NONE : KEEP_GONE;
	n = read(fd, s, sizeof s - 1);
	close(fd);
	s[n > 0 ? n : 0] = '\0';
	/* someone else's, an administrator's (git's keeps are often empty):
	 * eport's is written whole and fsynced before its pack moves in */
	if (strncmp(s, KEEP_TAG, strlen(KEEP_TAG)))
		return KEEP_OTHER;
	if (sscanf(s, KEEP_TAG "%ld %llu %39s", &pid, &start, kboot) != 3)
		return KEEP_GONE;
	boot_id(boot);
	if (strcmp(boot, kboot) || proc_start(pid, &now) < 0 || now != start)
		return KEEP_GONE;
	return KEEP_LIVE;
}

static int
install_pack(struct batch_odb *b, const char *name)
{
	static const char *const ext[] = { ".pack", ".idx" };
	char *keep = xasprintf("%s/pack-%s.keep", b->packdir, name), *text = keep_text();
	size_t moved = 0, len = strlen(text), i;
	int fd = -1, rc = 0;

	/* the same pack again (a transaction run again on a full map) */
	for (i = 0; i < b->nkeeps && strcmp(b->keeps[i], keep); i++)
		;
	if (i < b->nkeeps) {
		free(keep);
		keep = NULL;
	}
	if (keep && ((fd = open(keep, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, text, len) != (ssize_t)len || fsync(fd) < 0))
		rc = os_fail(N_("cannot write"), keep);
	if (keep && fd >= 0 && close(fd) < 0 && rc == 0)
		rc = os_fail(N_("cannot write"), keep);
	for (i = 0; i < LEN(ext) && rc == 0; i++) {
		char *from = xasprintf("%s/pack-%s%s", b->incoming, name, ext[i]);
		char *to = xasprintf("%s/pack-%s%s", b->packdir, name, ext[i]);

		if (rename(from, to) < 0)
			rc = os_fail(N_("cannot move"), from);
		else
			moved++;
		free(from);
		free(to);
	}
	if (rc == 0) {
		if ((fd = open(b->packdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		    fsync(fd) < 0)
			rc = os_fail(N_("cannot fsync"), b->packdir);
		if (fd >= 0)
			close(fd);
	}
	if (rc == 0 && keep) {
		b->keeps = xrealloc(b->keeps, (b->nkeeps + 1) * sizeof *b->keeps);
		b->keeps[b->nkeeps++] = keep;
		keep = NULL;
	} else if (rc && keep) {
		/* a pack moved in without its index serves nothing */
		if (moved == 1) {
			char *to = xasprintf("%s/pack-%s.pack", b->packdir, name);

			unlink(to);
			free(to);
		}
		if (moved < LEN(ext))
			unlink(keep);
	}
	free(keep);
	free(text);
	return rc;
}

/* The batch's refs have moved: its packs need their keeps no more, and
 * are docs.git's like any other.  Not while a ref is behind its case
 * (repo_advance failed): then the keeps stay, for eport-fsck -r, which
 * moves the ref first. */
void
repo_settle(struct eport *st)
{
	struct batch_odb *b = (struct batch_odb *)st->mempack;

	if (!b || st->refs_behind)
		return;
	for (size_t i = 0; i < b->nkeeps; i++) {
		unlink(b->keeps[i]);
		free(b->keeps[i]);
	}
	b->nkeeps = 0;
}

/* The transaction aborted: what the batch wrote serves nothing. */
void
repo_drop(struct eport *st)
{
	struct batch_odb *b = (struct batch_odb *)st->mempack;

	if (b && b->n) {
		git_mempack_reset(b->mem);
		b->n = 0;
	}
}

/* pack_index: the packbuilder's pack, and its index, written by an
 * indexer in DIR; *out names them (git_indexer_name) until it is freed.
 * The pack goes to the indexer in large pieces: the indexer maps, copies and unmaps the file once for each piece
 * it is given, and the packbuilder gives it each object's header and data
 * apart, so fed directly it spent a sixth of a check in mmap and munmap. */
#define FEED_CHUNK ((size_t)1 << 20)
struct feed {
	git_indexer *idx;
	git_indexer_progress stats;
	struct buf b;
};

static int
feed_flush(struct feed *f)
{
	int rc = 0;

	if (f->b.len)
		rc = git_indexer_append(f->idx, f->b.s, f->b.len, &f->stats);
	f->b.len = 0;
	return rc;
}

static int
feed(void *p, size_t n, void *arg)
{
	struct feed *f = arg;

	buf_add(&f->b, p, n);
	return f->b.len < FEED_CHUNK ? 0 : feed_flush(f);
}

int
pack_index(git_packbuilder *pb, const char *dir, git_indexer **out)
{
	git_indexer_options opts;
	struct feed f = { 0 };
	int rc = -1;

	*out = NULL;
	if (git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION) == 0 &&
	    git_indexer_new(&f.idx, dir, 0, NULL, &opts) == 0 &&
	    git_packbuilder_foreach(pb, feed, &f) == 0 && feed_flush(&f) == 0 &&
	    git_indexer_commit(f.idx, &f.stats) == 0)
		rc = 0;
	buf_free(&f.b);
	if (rc < 0)
		git_indexer_free(f.idx);
	else
		*out = f.idx;
	return rc;
}

/* What a transaction's commits add: each commit, and what its tree holds
 * that the batch wrote (the rest is its parent's, in docs.git already).
 * Objects no commit of the batch reaches are left out: the documents of a
 * record taken in before, or of a case refused after they were read. */
static int
add_tree(struct batch_odb *b, git_packbuilder *pb, const git_oid *oid)
{
	size_t before = git_packbuilder_object_count(pb);
	git_tree *t;
	int rc;

	if ((rc = git_packbuilder_insert(pb, oid, NULL)) < 0 ||
	    git_packbuilder_object_count(pb) == before)
		return rc;
	if ((rc = git_tree_lookup(&t, b->packrepo, oid)) < 0)
		return rc;
	for (size_t i = 0, n = git_tree_entrycount(t); i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const git_oid *id = git_tree_entry_id(e);

		if (!b->mem->exists(b->mem, id))
			continue;
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			rc = add_tree(b, pb, id);
		else
			rc = git_packbuilder_insert(pb, id, NULL);
	}
	git_tree_free(t);
	return rc;
}

static int
add_commits(struct batch_odb *b, git_packbuilder *pb)
{
	int rc = 0;

	for (size_t i = 0; i < b->n && rc == 0; i++) {
		git_object_t type;
		git_commit *c;
		size_t len;

		if ((rc = b->mem->read_header(&len, &type, b->mem, &b->oids[i])) < 0 ||
		    type != GIT_OBJECT_COMMIT)
			continue;
		if ((rc = git_packbuilder_insert(pb, &b->oids[i], NULL)) < 0 ||
		    (rc = git_commit_lookup(&c, b->packrepo, &b->oids[i])) < 0)
			break;
		if (b->mem->exists(b->mem, git_commit_tree_id(c)))
			rc = add_tree(b, pb, git_commit_tree_id(c));
		git_commit_free(c);
	}
	return rc;
}

int
repo_flush(struct eport *st)
{
	struct batch_odb *b = (struct batch_odb *)st->mempack;
	git_packbuilder *pb = NULL;
	git_indexer *idx = NULL;
	int rc = -1;

	if (!b || !b->n)
		return 0;
	if (git_packbuilder_new(&pb, b->packrepo) < 0)
		goto out;
	git_packbuilder_set_threads(pb, 1);
	if (add_commits(b, pb) < 0)
		goto out;
	if (!git_packbuilder_object_count(pb)) {
		rc = 0;
		goto out;
	}
	/* fsynced, as GIT_OPT_ENABLE_FSYNC_GITDIR says; no thin pack, so the
	 * indexer needs no object database */
	if ((mkdir(b->incoming, 0777) < 0 && errno != EEXIST && os_fail(N_("cannot make"), b->incoming)) ||
	    pack_index(pb, b->incoming, &idx) < 0 ||
	    install_pack(b, git_indexer_name(idx)) < 0)
		goto out;
	rc = 0;
out:
	/* what is in memory is now in the pack, or given up */
	if (rc == 0) {
		git_mempack_reset(b->mem);
		b->n = 0;
		/* the new pack, for lookups that do not refresh (a failure
		 * only leaves it to the next read that misses) */
		git_odb_refresh(b->disk);
	}
	git_indexer_free(idx);
	git_packbuilder_free(pb);
	return rc;
}
