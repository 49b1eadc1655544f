/* repo.c: the audit repository, a bare docs.git written with libgit2.  Each
 * case has refs/cases/<id>; objects are fsynced before LMDB commits. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eport.h"

int
repo_init(const char *path)
{
	git_repository *r;
	int rc;

	eport_git_setup();
	if (git_repository_init(&r, path, 1) < 0)
		return -1;
	rc = repo_pack_settings(r);
	git_repository_free(r);
	return rc < 0 ? -1 : 0;
}

int
repo_open(struct eport *st)
{
	char *p = xasprintf("%s/docs.git", st->home);
	git_refdb *refdb = NULL;
	int rc;

	eport_git_setup();
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

/* An object not found may be in a file of docs.git this user cannot read
 * (a pack or an object another account wrote or was given): nothing is
 * lost, and the message says which file and whose it is. */
static int
unreadable_in(const char *dir, const char *under, char *out, size_t len, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char *path, who[80];
		struct stat sb;
		struct passwd *pw;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (lstat(path, &sb) < 0) {
			free(path);
			continue;
		}
		if (S_ISDIR(sb.st_mode) && depth) {
			char *sub = xasprintf("%s/%s", under, e->d_name);

			found = unreadable_in(path, sub, out, len, depth - 1);
			free(sub);
		} else if (S_ISREG(sb.st_mode)) {
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
				close(fd);
			} else if (errno == EACCES) {
				if ((pw = getpwuid(sb.st_uid)))
					snprintf(who, sizeof who, "'%s'", pw->pw_name);
				else
					snprintf(who, sizeof who, "uid %u", (unsigned)sb.st_uid);
				snprintf(out, len, _("; docs.git/%s/%s cannot be read by this user (%s): it "
				    "belongs to %s, mode %03o; nothing is lost: give it back to the "
				    "store's owner (chown, chmod)"), under, e->d_name, eport_login(), who,
				    (unsigned)(sb.st_mode & 0777));
				found = 1;
			}
		}
		free(path);
	}
	closedir(d);
	return found;
}

const char *
repo_unreadable(struct eport *st)
{
	static char note[512];
	char *dir;

	note[0] = '\0';
	if (!st->repo)
		return note;
	dir = xasprintf("%s/objects", git_repository_path(st->repo));
	unreadable_in(dir, "objects", note, sizeof note, 1);
	free(dir);
	return note;
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
 * writer. */
#define STALE_LOCK 10
static int
is_stale(const struct stat *sb)
{
	return time(NULL) - sb->st_mtime > STALE_LOCK;
}

/* Meeting a lock: a stale one is removed (1: try again); a fresh one is
 * another writer's, waited for a moment (1 too; the caller's tries bound
 * the wait). */
static int
stale_lock(struct eport *st, const char *name)
{
	char *path = xasprintf("%s/%s.lock", git_repository_path(st->repo), name);
	struct stat sb;
	int again = 1;

	if (stat(path, &sb) == 0 && is_stale(&sb))
		again = unlink(path) == 0;
	else
		usleep(10000);
	free(path);
	return again;
}

/* The files in DIR (under docs.git) that match and are older than
 * STALE_LOCK: fn(PREFIX + the name as fn wants it, removed, arg) for each,
 * unlinked first with remove.  Returns how many, or -1. */
static int
sweep(struct eport *st, const char *dir, size_t (*match)(const char *), const char *prefix,
    int remove, void (*fn)(const char *, int, void *), void *arg)
{
	char *path = xasprintf("%s/%s", git_repository_path(st->repo), dir);
	DIR *d = opendir(path);
	struct dirent *e;
	struct stat sb;
	int n = 0;

	free(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		size_t len = match(e->d_name);
		char *name;
		int removed = 0;

		if (!len || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode) || !is_stale(&sb))
			continue;
		if (remove)
			removed = unlinkat(dirfd(d), e->d_name, 0) == 0;
		name = xasprintf("%s%.*s", prefix, (int)len, e->d_name);
		fn(name, removed, arg);
		free(name);
		n++;
	}
	closedir(d);
	return n;
}

/* NAME.lock: the length of NAME */
static size_t
ref_lock(const char *s)
{
	size_t len = strlen(s);

	return len > 5 && !strcmp(s + len - 5, ".lock") ? len - 5 : 0;
}

/* libgit2's temporary files of a pack being written (the pack, and its
 * index's lock): the whole name */
static size_t
pack_temp(const char *s)
{
	return strncmp(s, "pack_git2_", 10) ? 0 : strlen(s);
}

/* libgit2 renames a lock onto its ref by link(2) then unlink(2), so a
 * writer killed between the two leaves a lock beside a ref that is already
 * right: only a sweep finds it.  fn gets the ref's name. */
int
repo_stale_locks(struct eport *st, int remove, void (*fn)(const char *, int, void *), void *arg)
{
	return sweep(st, "refs/cases", ref_lock, "refs/cases/", remove, fn, arg);
}

/* anything: sweep takes regular files only */
static size_t
any_file(const char *s)
{
	return strlen(s);
}

/* objects/pack: with what 0, the packs moved in without their index (a
 * writer killed between the two renames, before its LMDB commit: no case
 * names their objects), unless a live writer's keep is beside them; 1, the
 * keeps of eport writers that are gone; 2, counts those of live ones. */
static int
pack_dir(struct eport *st, int what, int remove, void (*fn)(const char *, int, void *), void *arg)
{
	char *path = xasprintf("%s/objects/pack", git_repository_path(st->repo));
	DIR *d = opendir(path);
	struct dirent *e;
	struct stat sb;
	int n = 0;

	free(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *other, *name;
		int removed = 0, whole;

		if (len < 6 || strncmp(e->d_name, "pack-", 5))
			continue;
		if (what && len > 5 && !strcmp(e->d_name + len - 5, ".keep")) {
			int k = keep_state(dirfd(d), e->d_name);

			if (what == 2) {
				n += k == KEEP_LIVE;
				continue;
			}
			if (k != KEEP_GONE)
				continue;
		} else if (!what && !strcmp(e->d_name + len - 5, ".pack")) {
			if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(sb.st_mode) || !is_stale(&sb))
				continue;
			other = xasprintf("%.*s.idx", (int)len - 5, e->d_name);
			whole = faccessat(dirfd(d), other, F_OK, AT_EACCESS) == 0;
			free(other);
			other = xasprintf("%.*s.keep", (int)len - 5, e->d_name);
			if (!whole)
				whole = keep_state(dirfd(d), other) == KEEP_LIVE;
			free(other);
			if (whole)
				continue;
		} else {
			continue;
		}
		if (remove)
			removed = unlinkat(dirfd(d), e->d_name, 0) == 0;
		name = xasprintf("objects/pack/%s", e->d_name);
		fn(name, removed, arg);
		free(name);
		n++;
	}
	closedir(d);
	return n;
}

/* A writer killed while it wrote a batch's pack leaves the pack, or its
 * index, half made in REPO_INCOMING (under objects/pack, before eport made
 * its packs there): no object is lost, as LMDB did not commit the batch
 * and nothing names them.  fn gets the path under docs.git. */
int
repo_stale_packs(struct eport *st, int remove, void (*fn)(const char *, int, void *), void *arg)
{
	int a = sweep(st, REPO_INCOMING, any_file, REPO_INCOMING "/", remove, fn, arg);
	int b = sweep(st, "objects/pack", pack_temp, "objects/pack/", remove, fn, arg);
	int c = pack_dir(st, 0, remove, fn, arg);

	return a < 0 || b < 0 || c < 0 ? -1 : a + b + c;
}

/* The keeps of writers that are gone (pack.c): each guards a pack whose
 * refs may not have moved, so remove them only once eport-fsck -r has
 * moved every ref that lagged. */
int
repo_stale_keeps(struct eport *st, int remove, void (*fn)(const char *, int, void *), void *arg)
{
	return pack_dir(st, 1, remove, fn, arg);
}

/* How many eport keeps have their writer at work: a batch between its
 * pack and its refs. */
int
repo_busy(struct eport *st)
{
	return pack_dir(st, 2, 0, NULL, NULL);
}

/* docs.git/config.lock of a configuration write cut off (libgit2 takes
 * milliseconds to write one): git config, and eport's one-time upgrade,
 * fail while it is there. */
int
repo_stale_config(struct eport *st, int remove, void (*fn)(const char *, int, void *), void *arg)
{
	char *path = xasprintf("%s/config.lock", git_repository_path(st->repo));
	struct stat sb;
	int n = 0;

	if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && is_stale(&sb)) {
		fn("config.lock", remove && unlink(path) == 0, arg);
		n = 1;
	} else if (errno != ENOENT && errno) {
		n = -1;
	}
	free(path);
	return n;
}

/* Whether commit's parent is cur: the ref is one step behind, as it is
 * after every step, and no walk of the history is needed to know that. */
static int
follows(struct eport *st, const git_oid *commit, const git_oid *cur)
{
	git_commit *c;
	int yes;

	if (git_commit_lookup(&c, st->repo, commit) < 0)
		return 0;
	yes = git_commit_parentcount(c) == 1 && git_oid_equal(git_commit_parent_id(c, 0), cur);
	git_commit_free(c);
	return yes;
}

/* Move refs/cases/<id> to commit, unless it is there already or beyond it
 * (another writer got there first). */
int
repo_advance(struct eport *st, const char *id, const git_oid *commit)
{
	char *name = xasprintf("refs/cases/%s", id);
	int rc = repo_move(st, name, commit);

	free(name);
	return rc;
}

/* Move a ref to commit, unless it is there already or beyond it.  The
 * update states the old value, so a concurrent move is seen and the loop
 * looks again. */
int
repo_move(struct eport *st, const char *name, const git_oid *commit)
{
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
		if (git_oid_equal(&cur, commit) ||
		    (!follows(st, commit, &cur) && git_graph_descendant_of(st->repo, &cur, commit) == 1)) {
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
	if (rc < 0)
		st->refs_behind = 1;
	return rc < 0 ? -1 : 0;
}
