/* eport-backup: a hot, consistent copy of the store while the office works
 * (DESIGN.md section 9), and its check.
 * DEST, a directory: LMDB is copied first (mdb_env_copyfd2, compacted)
 * into a temporary file in DEST/db; the copy names the commit of every case
 * and the registry's tip, and those are exactly the refs DEST/docs.git gets:
 * first the objects it lacks, as one pack, then all its refs at once
 * (packed-refs renamed into place), then the office's files (config,
 * holidays.tsv...), the keys with -k, and last the LMDB copy is renamed
 * into place.  Killed at any point, DEST keeps the last backup's refs, whole.
 * DEST, a git URL (ssh://, file://, host:path): the refs of the store as a
 * read transaction sees them are pushed there (libgit2), never forced.
 * Prints `dest refs moved objects` once done.
 * -V DEST: the backup restored into a scratch store (eport-init --from
 * DEST), eport-fsck run there, and for a directory its LMDB copy compared
 * with the store rebuilt from its refs. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "each.h"

static int kflag, jflag, dry;
static struct eport st;
static const char *const cols[] = { "dest", "refs", "moved", "objects", NULL };

static const char usage_text[] = N_("usage: eport-backup [-jkn] DEST\n"
    "       eport-backup -V DEST\n");

/* A git URL, not a directory: scheme://..., or scp's host:path */
static int
is_url(const char *dest)
{
	const char *colon = strchr(dest, ':'), *slash = strchr(dest, '/');

	if (strstr(dest, "://"))
		return 1;
	return colon && colon != dest && (!slash || colon < slash);
}

static void
mkdir_0700(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		die("cannot make '%s':", path);
}

/* The refs the store names: every case's commit and the registry's tip,
 * as one read transaction of env sees them. */
static void
named_refs(MDB_env *env, const char *registry, struct refset *out)
{
	MDB_txn *txn;
	MDB_dbi cases, meta;
	MDB_cursor *c;
	MDB_val k, v;
	git_oid oid;
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) ||
	    (rc = mdb_dbi_open(txn, db_names[DB_CASES], 0, &cases)) ||
	    (rc = mdb_dbi_open(txn, db_names[DB_META], 0, &meta)) ||
	    (rc = mdb_cursor_open(txn, cases, &c)))
		die("db: %s", store_err(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		json_t *kase = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		char *name = xasprintf("refs/cases/%.*s", (int)k.mv_size, (char *)k.mv_data);

		if (!kase || git_oid_fromstr(&oid, jstr(kase, "commit")) < 0)
			die("db: case '%.*s' names no commit (eport-fsck)", (int)k.mv_size,
			    (char *)k.mv_data);
		refset_add(out, name, &oid);
		free(name);
		json_decref(kase);
	}
	mdb_cursor_close(c);
	k.mv_size = strlen("registry");
	k.mv_data = "registry";
	if (mdb_get(txn, meta, &k, &v) == 0) {
		if (v.mv_size != GIT_OID_HEXSZ || git_oid_fromstrn(&oid, v.mv_data, v.mv_size) < 0)
			die("db: meta: the registry's commit is not a commit id");
		refset_add(out, registry, &oid);
	}
	mdb_txn_abort(txn);
	refset_sort(out);
}

/* DEST's own refs (refs/cases, refs/eport) */
static void
dest_refs(git_repository *r, struct refset *out)
{
	git_reference_iterator *it;
	git_reference *ref;
	int rc;

	if (git_reference_iterator_new(&it, r) < 0)
		die("docs.git: %s", eport_git_err());
	while ((rc = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref);

		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT && replica_wanted(name, NULL))
			refset_add(out, name, git_reference_target(ref));
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (rc != GIT_ITEROVER)
		die("docs.git: %s", eport_git_err());
	refset_sort(out);
}

/* A backup only moves on: DEST holds nothing the store does not, and each
 * of its refs is on the history of the store's. */
static void
only_forward(const char *dest, const struct refset *want, const struct refset *have)
{
	for (size_t i = 0; i < have->n; i++) {
		const struct refent *w = refset_find(want, have->v[i].name);
		const char *fmt = NULL;
		git_commit *c;

		if (!w)
			fmt = N_("'%s' holds %s, which the store does not have: not this store's "
			    "backup, or the store lost what it holds (restore from it with "
			    "eport-init --from); not writing over it");
		else if (git_oid_equal(&w->oid, &have->v[i].oid))
			continue;
		else if (git_commit_lookup(&c, st.repo, &have->v[i].oid) < 0)
			fmt = N_("'%s' holds %s at a commit the store does not have: not this "
			    "store's backup, or the store lost what it holds (restore from it with "
			    "eport-init --from); not writing over it");
		else {
			git_commit_free(c);
			if (git_graph_descendant_of(st.repo, &w->oid, &have->v[i].oid) != 1)
				fmt = N_("'%s' holds %s off the store's history: not this store's "
				    "backup, or the store lost what it holds (restore from it with "
				    "eport-init --from); not writing over it");
		}
		if (fmt)
			die(fmt, dest, have->v[i].name);	/* die translates it */
	}
}

/* What a killed backup left: temporary files nothing names */
static int
debris(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)sb;
	(void)ftw;
	if (flag == FTW_F && ((n > 10 && !strcmp(path + n - 10, ".eport-tmp")) ||
	    strstr(path, "/objects/eport-incoming/")))
		unlink(path);
	return 0;
}

static void
copy_file(const char *from, const char *to, mode_t mode)
{
	struct buf b = { 0 };
	char err[512];

	if (read_file(from, &b, (size_t)64 << 20) < 0)
		die("cannot read '%s':", from);
	if (file_replace(to, b.s ? b.s : "", b.len, mode, err, sizeof err) < 0)
		die("%s", err);
	cleanse(b.s, b.len);
	buf_free(&b);
}

/* The regular files of dir (not hidden) into todir, mode */
static void
copy_files(const char *dir, const char *todir, mode_t mode)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat sb;

	if (!d) {
		if (errno == ENOENT)
			return;
		die("cannot read '%s':", dir);
	}
	while ((e = readdir(d))) {
		char *from, *to;

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		from = xasprintf("%s/%s", dir, e->d_name);
		to = xasprintf("%s/%s", todir, e->d_name);
		copy_file(from, to, mode);
		free(from);
		free(to);
	}
	closedir(d);
}

/* A backup beside the store, never inside it */
static void
not_in_store(const char *dest)
{
	char home[PATH_MAX], d[PATH_MAX], *parent = xstrdup(dest), *s;
	size_t n;

	if (!realpath(st.home, home))
		die("'%s':", st.home);
	/* dest may not exist yet: its nearest parent that does */
	while (!realpath(parent, d)) {
		if (!(s = strrchr(parent, '/')) || s == parent) {
			strcpy(parent, s == parent ? "/" : ".");
			if (!realpath(parent, d))
				die("'%s':", dest);
			break;
		}
		*s = '\0';
	}
	free(parent);
	n = strlen(home);
	if (!strncmp(d, home, n) && (d[n] == '/' || !d[n]))
		die("'%s' is inside the store: back it up to another disk or directory", dest);
}

static void
report(const char *dest, size_t refs, size_t moved, size_t objects)
{
	struct out o = { stdout, jflag, cols, 0 };
	json_t *row = json_pack("{s:s, s:I, s:I, s:I}", "dest", dest, "refs", (json_int_t)refs,
	    "moved", (json_int_t)moved, "objects", (json_int_t)objects);

	out_row(&o, row);
	json_decref(row);
}

static void
backup_dir(const char *dest)
{
	char *db = xasprintf("%s/db", dest), *git = xasprintf("%s/docs.git", dest);
	char *copy = xasprintf("%s/data.mdb.eport-tmp", db), *final = xasprintf("%s/data.mdb", db);
	char *lock = xasprintf("%s/.eport-backup.lock", dest), *keys, *reg, err[512];
	struct refset want = { 0 }, have = { 0 };
	git_repository *r = NULL;
	MDB_env *env;
	size_t objects = 0, moved = 0;
	int fd, lfd = -1, rc;

	if (dry) {
		/* -n: nothing is written to dest, the copy is made aside */
		const char *tmpdir = getenv("TMPDIR");

		free(copy);
		copy = xasprintf("%s/eport-backup.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
		if ((fd = mkstemp(copy)) < 0)
			die("cannot make '%s':", copy);
	} else {
		mkdir_0700(dest);
		if ((lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
			die("cannot open '%s':", lock);
		if (flock(lfd, LOCK_EX | LOCK_NB) < 0)
			die("'%s': another eport-backup is writing to it", dest);
		mkdir_0700(db);
		nftw(dest, debris, 16, FTW_PHYS);
		if ((fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
			die("cannot make '%s':", copy);
	}
	/* LMDB first: what it names is what the backup's refs are */
	if ((rc = mdb_env_copyfd2(st.env, fd, MDB_CP_COMPACT)))
		die("db: copying it to '%s': %s", copy, store_err(rc));
	if (fsync(fd) < 0 || close(fd) < 0)
		die("cannot write '%s':", copy);
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, DB_N + 4)) ||
	    (rc = mdb_env_open(env, copy, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0600)))
		die("db: the copy '%s': %s", copy, store_err(rc));
	reg = mirror_ref(&st);
	named_refs(env, reg, &want);
	free(reg);
	mdb_env_close(env);

	if (dry)
		unlink(copy);
	if (access(git, F_OK) < 0) {
		if (!dry && git_repository_init(&r, git, 1) < 0)
			die("'%s': %s", git, eport_git_err());
	} else if (git_repository_open_bare(&r, git) < 0) {
		die("'%s': %s", git, eport_git_err());
	}
	if (r)
		dest_refs(r, &have);
	only_forward(dest, &want, &have);
	for (size_t i = 0; i < want.n; i++) {
		const struct refent *h = refset_find(&have, want.v[i].name);

		moved += !h || !git_oid_equal(&h->oid, &want.v[i].oid);
	}
	if (dry)
		goto done;
	if (replica_pack(st.repo, git, &want, &have, &objects, err, sizeof err) < 0 ||
	    (moved && refs_write_packed(git, &want, err, sizeof err) < 0))
		die("%s", err);
	copy_files(st.home, dest, 0600);
	if (kflag) {
		char *to = xasprintf("%s/keys", dest);

		keys = xasprintf("%s/keys", st.home);
		mkdir_0700(to);
		if (chmod(to, 0700) < 0)
			die("cannot chmod '%s':", to);
		copy_files(keys, to, 0600);
		free(keys);
		free(to);
	}
	if (rename(copy, final) < 0)
		die("cannot put '%s' in place:", final);
	if (fsync_dir(db) < 0 || fsync_dir(dest) < 0)
		die("cannot fsync '%s':", dest);
done:
	report(dest, want.n, moved, objects);
	refset_free(&want);
	refset_free(&have);
	git_repository_free(r);
	if (lfd >= 0)
		close(lfd);
	free(lock);
	free(db);
	free(git);
	free(copy);
	free(final);
}

static void
backup_url(const char *dest)
{
	struct refset want = { 0 };
	char err[512], *reg = mirror_ref(&st);
	size_t moved = 0;

	named_refs(st.env, reg, &want);
	free(reg);
	if (!dry && replica_push(st.repo, dest, &want, &moved, err, sizeof err) < 0)
		die("%s", err);
	report(dest, want.n, moved, 0);
	refset_free(&want);
}

/* -V */

/* eport-CMD beside this program, else on PATH, with EPORT_HOME home:
 * its exit status */
static int
run(const char *home, char *const argv[])
{
	char exe[PATH_MAX], *slash;
	ssize_t n;
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) < 0)
		die("fork:");
	if (pid == 0) {
		setenv("EPORT_HOME", home, 1);
		if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
			exe[n] = '\0';
			if ((slash = strrchr(exe, '/'))) {
				char *path = xasprintf("%.*s/%s", (int)(slash - exe), exe, argv[0]);

				if (access(path, X_OK) == 0)
					execv(path, argv);
				free(path);
			}
		}
		execvp(argv[0], argv);
		warnx("cannot run '%s':", argv[0]);
		_exit(2);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid:");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

/* The databases of two environments, record by record: the cases as JSON,
 * the rest byte for byte.  How many differ (each told on stderr). */
static unsigned long
compare(const char *what, MDB_env *a, MDB_env *b)
{
	static const int dbs[] = {
		DB_CASES, DB_EVENTS, DB_STATE, DB_USCC, DB_REF, DB_CARDS, DB_HOLDERS, DB_ORDERS,
		DB_SHIP, DB_COUNTERS, DB_ENTERPRISES, DB_EVTIME,
	};
	MDB_txn *ta, *tb;
	unsigned long bad = 0;
	int rc;

	if ((rc = mdb_txn_begin(a, NULL, MDB_RDONLY, &ta)) ||
	    (rc = mdb_txn_begin(b, NULL, MDB_RDONLY, &tb)))
		die("db: %s", store_err(rc));
	for (size_t i = 0; i < LEN(dbs); i++) {
		int db = dbs[i], dup = db == DB_STATE || db == DB_USCC;
		MDB_dbi da, dbb;
		MDB_cursor *ca, *cb;
		MDB_val ka, va, kb, vb;
		int ra, rb;

		if ((rc = mdb_dbi_open(ta, db_names[db], dup ? MDB_DUPSORT : 0, &da)) ||
		    (rc = mdb_dbi_open(tb, db_names[db], dup ? MDB_DUPSORT : 0, &dbb)) ||
		    (rc = mdb_cursor_open(ta, da, &ca)) || (rc = mdb_cursor_open(tb, dbb, &cb)))
			die("db: %s: %s", db_names[db], store_err(rc));
		ra = mdb_cursor_get(ca, &ka, &va, MDB_FIRST);
		rb = mdb_cursor_get(cb, &kb, &vb, MDB_FIRST);
		while (ra == 0 || rb == 0) {
			int c = ra ? 1 : rb ? -1 : mdb_cmp(ta, da, &ka, &kb);

			if (!c && dup)
				c = mdb_dcmp(ta, da, &va, &vb);
			if (!c && db == DB_CASES) {
				json_t *x = json_loadb(va.mv_data, va.mv_size, 0, NULL);
				json_t *y = json_loadb(vb.mv_data, vb.mv_size, 0, NULL);

				if (!x || !y || !json_equal(x, y)) {
					warnx("%s: %s: '%.*s' differs from the one rebuilt from the refs", what,
					    db_names[db], (int)ka.mv_size, (char *)ka.mv_data);
					bad++;
				}
				json_decref(x);
				json_decref(y);
			} else if (!c && (va.mv_size != vb.mv_size || memcmp(va.mv_data, vb.mv_data, va.mv_size))) {
				warnx("%s: %s: a record differs from the one rebuilt from the refs", what,
				    db_names[db]);
				bad++;
			} else if (c < 0) {
				warnx("%s: %s: a record is not in the store rebuilt from the refs",
				    what, db_names[db]);
				bad++;
			} else if (c > 0) {
				warnx("%s: %s: a record of the store rebuilt from the refs is not in "
				    "the copy", what, db_names[db]);
				bad++;
			}
			if (c <= 0)
				ra = mdb_cursor_get(ca, &ka, &va, MDB_NEXT);
			if (c >= 0)
				rb = mdb_cursor_get(cb, &kb, &vb, MDB_NEXT);
			if (bad > 20)
				break;
		}
		mdb_cursor_close(ca);
		mdb_cursor_close(cb);
	}
	mdb_txn_abort(ta);
	mdb_txn_abort(tb);
	return bad;
}

static MDB_env *
env_at(const char *dir)
{
	MDB_env *env;
	int rc;

	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, DB_N + 4)) ||
	    (rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK, 0600)))
		die("db: '%s': %s", dir, store_err(rc));
	return env;
}

/* The LMDB copy of a backup directory against the store rebuilt from its
 * refs.  A copy that names other commits than the refs is older than them:
 * the backup was cut off between its refs and its copy, and a restore
 * rebuilds from the refs, which are whole; it is said, and not compared. */
static void
compare_copy(const char *dest, const char *home)
{
	char *dbdir = xasprintf("%s/db", dest), *newdb = xasprintf("%s/db", home);
	char *git = xasprintf("%s/docs.git", dest), *cfgpath = xasprintf("%s/config", dest), *reg;
	const char *branch = "XM";
	struct refset named = { 0 }, have = { 0 };
	git_repository *r;
	git_config *cfg = NULL, *snap = NULL;
	MDB_env *a, *b;
	unsigned long bad;
	int differ = 0;

	if (git_config_open_ondisk(&cfg, cfgpath) == 0 && git_config_snapshot(&snap, cfg) == 0)
		git_config_get_string(&branch, snap, "office.branch");
	reg = xasprintf("refs/eport/%s/registry", branch);
	a = env_at(dbdir);
	named_refs(a, reg, &named);
	if (git_repository_open_bare(&r, git) < 0)
		die("'%s': %s", git, eport_git_err());
	dest_refs(r, &have);
	git_repository_free(r);
	differ = named.n != have.n;
	for (size_t i = 0; i < named.n && !differ; i++)
		differ = strcmp(named.v[i].name, have.v[i].name) ||
		    !git_oid_equal(&named.v[i].oid, &have.v[i].oid);
	if (differ) {
		warnx("'%s': its LMDB copy is older than its refs (a backup was cut off): a "
		    "restore rebuilds LMDB from the refs", dest);
	} else {
		b = env_at(newdb);
		if ((bad = compare(dest, a, b)))
			refuse(ngettext("'%s': its LMDB copy and its refs disagree (%lu record)",
			    "'%s': its LMDB copy and its refs disagree (%lu records)", bad), dest, bad);
		mdb_env_close(b);
	}
	mdb_env_close(a);
	refset_free(&named);
	refset_free(&have);
	git_config_free(snap);
	git_config_free(cfg);
	free(reg);
	free(git);
	free(cfgpath);
	free(dbdir);
	free(newdb);
}

static void
verify(const char *dest)
{
	const char *tmpdir = getenv("TMPDIR");
	char *scratch = xasprintf("%s/eport-verify.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	char *home, *cfgpath, *copy = NULL;
	char *init[] = { "eport-init", "--from", (char *)dest, NULL };
	char *fsck[] = { "eport-fsck", NULL };
	git_config *cfg;
	struct stat sb;
	int rc;

	eport_git_setup();
	if (!is_url(dest)) {
		copy = xasprintf("%s/db/data.mdb", dest);
		if (stat(copy, &sb) < 0)
			die("'%s': no backup there (no db/data.mdb):", dest);
	}
	if (!mkdtemp(scratch))
		die("cannot make '%s':", scratch);
	home = xasprintf("%s/store", scratch);
	if ((rc = run(home, init)) != 0) {
		refuse("'%s': eport-init --from failed: it does not restore", dest);
		goto out;
	}
	/* the scratch store checks itself, not the office's public page */
	cfgpath = xasprintf("%s/config", home);
	if (git_config_open_ondisk(&cfg, cfgpath) == 0) {
		git_config_delete_entry(cfg, "web.public");
		git_config_free(cfg);
	}
	free(cfgpath);
	if ((rc = run(home, fsck)) != 0)
		refuse("'%s': eport-fsck finds problems in the store restored from it", dest);
	if (copy)
		compare_copy(dest, home);
out:
	rm_tree(scratch);
	free(home);
	free(scratch);
	free(copy);
}

int
main(int argc, char *argv[])
{
	char err[256], *dest;
	int c, vflag = 0;

	eport_start(argc, argv, usage_text);
	/* with -k the keys pass through here */
	if (secret_process(err, sizeof err) < 0)
		die("%s", err);
	while ((c = getopt(argc, argv, "jknVh")) != -1) {
		switch (c) {
		case 'j':
			jflag = 1;
			break;
		case 'k':
			kflag = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'V':
			vflag = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || (vflag && (kflag || dry || jflag)) || !*argv[0])
		eport_usage(2);
	dest = argv[0];
	if (vflag) {
		verify(dest);
		return eport_exit();
	}
	if (kflag && is_url(dest))
		die("-k: the keys never go into a git repository; back them up to a directory");
	umask(077);
	if (eport_open(&st, EPORT_RDONLY) < 0)
		die("%s", st.errbuf);
	if (!is_url(dest))
		not_in_store(dest);
	if (is_url(dest))
		backup_url(dest);
	else
		backup_dir(dest);
	eport_close(&st);
	return eport_exit();
}
