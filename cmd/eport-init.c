/* eport-init: create a store: the LMDB environment, the bare git repository,
 * the office CA key and certificate, the card master key and the
 * configuration.  The store is made whole in a directory beside its place
 * (.NAME.eport-init), every file and directory fsynced, and renamed
 * into place: killed at any moment, it leaves no store or a whole one, and
 * the next eport-init removes what a killed one left.  Refuses to touch a
 * store that has keys already.
 * --from REPO: the store made again from a repository (a backup directory,
 * a bare repository, a git URL), made whole and renamed in the same way:
 * the refs of the office fetched into docs.git, LMDB rebuilt from them
 * alone (rebuild.c), the keys taken from --keys DIR or none (the store
 * then reads and checks, and refuses card work). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "each.h"

static const char usage_text[] = N_("usage: eport-init [-n] [-b BRANCH] [-g GROUP]\n"
    "       eport-init --from REPO [--keys DIR] [--branch BRANCH] [-g GROUP]\n");

static char *tmp;		/* the store being made, removed if we fail */
static const char *where;	/* where it goes, for messages */

/* die() and a failure on the way leave nothing half made behind */
static void
cleanup(void)
{
	if (tmp)
		rm_tree(tmp);
}

/* A step of making the store failed: say what, and that nothing is left
 * of it (cleanup removes the new store). */
static void __attribute__((noreturn))
failed(const char *what, const char *why)
{
	die("cannot make the store at '%s': %s: %s; no store was made", where, what,
	    why ? why : strerror(errno));
}

static void
mkdir_new(const char *path, const char *what)
{
	if (mkdir(path, 0700) < 0)
		failed(what, NULL);
}

/* The new store's modes, in one place: directories 0700, files 0600
 * (DESIGN.md section 5); with -g, store_share makes it the group's. */
static int
mode_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DP)
		return chmod(path, 0700);
	if (flag == FTW_F && (sb->st_mode & 07777) != 0600)
		return chmod(path, 0600);
	return 0;
}

static void
store_modes(const char *dir, const char *group)
{
	char err[512];

	if (nftw(dir, mode_one, 16, FTW_PHYS) != 0)
		failed(_("setting its modes"), NULL);
	/* -g: the store shared by a group's logins, keys/ by the card group's */
	if (group && store_share(dir, group, err, sizeof err) < 0)
		failed(group, err);
}

/* Every file and directory of the new store on disk before it is renamed
 * into place: the keys above all (libgit2 and LMDB sync their own; a
 * second fsync costs little). */
static int
sync_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	int fd, rc;

	(void)sb;
	(void)ftw;
	if (flag != FTW_F && flag != FTW_DP)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* After the rename: the store is whole, but its directory entry may not
 * survive a crash */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		die("the store at '%s' is made, but '%s' cannot be synced (check the disk, "
		    "then sync):", where, dir);
	close(fd);
}

/* A file of the office's that was in the directory before the store (its
 * own config, holidays.tsv): carried into the new store. */
static void
carry(const char *from, const char *to)
{
	struct buf b = { 0 };
	int fd;

	if (read_file(from, &b, (size_t)64 << 20) < 0)
		die("cannot read '%s':", from);
	if ((fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, b.s ? b.s : "", b.len) != (ssize_t)b.len || fsync(fd) < 0 || close(fd) < 0)
		failed(strrchr(to, '/') + 1, NULL);
	buf_free(&b);
}

/* What is in the store's directory before it is made: nothing, or only
 * regular files (the office's own), copied into the new store at into
 * unless it is NULL; 1 if anything at all. */
static int
look(const char *home, const char *into)
{
	DIR *d = opendir(home);
	struct dirent *e;
	struct stat sb;
	int any = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		die("'%s':", home);
	}
	while ((e = readdir(d))) {
		char *from, *to;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		any = 1;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			die("'%s/%s':", home, e->d_name);
		if (!S_ISREG(sb.st_mode))
			die("'%s/%s' is there and is not a file: eport-init makes a store in a new or "
			    "empty directory, or one that holds only the office's own files (config): "
			    "move it away and run eport-init again", home, e->d_name);
		if (!into)
			continue;
		from = xasprintf("%s/%s", home, e->d_name);
		to = xasprintf("%s/%s", into, e->d_name);
		carry(from, to);
		free(from);
		free(to);
	}
	closedir(d);
	return any;
}

/* What an eport-init killed on the way left beside the store: its
 * directory .NAME.eport-init.  Under the lock on the parent no other
 * eport-init is at work, so it is a dead one's. */
static void
sweep(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && rm_tree(path) != 0)
		warnx("cannot remove '%s', left by an eport-init that was cut off:", path);
}

/* A store, or its keys, whole or not: never made over */
static int
store_there(const char *home)
{
	static const char *const parts[] = { "db", "keys/ca.key", "keys/master" };
	struct stat sb;
	int yes = 0;

	for (size_t i = 0; i < LEN(parts) && !yes; i++) {
		char *p = xasprintf("%s/%s", home, parts[i]);

		yes = lstat(p, &sb) == 0;
		free(p);
	}
	return yes;
}

static void
build(const char *dir, const char *home, const char *branch, const char *group)
{
	char *db = xasprintf("%s/db", dir), *repo = xasprintf("%s/docs.git", dir);
	char *keys = xasprintf("%s/keys", dir), *cfgpath = xasprintf("%s/config", dir);
	char err[512];
	git_config *cfg;
	int64_t mapsize = 0;

	/* an office's own config may be there before the store */
	if (cfg_open(&cfg, home) == 0) {
		git_config_get_int64(&mapsize, cfg, "store.map-size");
		git_config_free(cfg);
	}
	if (mapsize < 0 || mapsize > ((int64_t)1 << 40))
		die("store.map-size: %lld is out of range", (long long)mapsize);
	mkdir_new(keys, "keys");
	mkdir_new(db, "db");
	if (store_create(db, mapsize, err, sizeof err) < 0)
		failed("db", err);
	if (repo_init(repo) < 0)
		failed("docs.git", eport_git_err());
	if (git_config_open_ondisk(&cfg, cfgpath) < 0 ||
	    git_config_set_string(cfg, "office.branch", branch ? branch : "XM") < 0)
		failed("config", eport_git_err());
	git_config_free(cfg);
	if (pki_init_ca(keys, "中国电子口岸数据中心厦门分中心", eport_now(), err, sizeof err) < 0) {
		/* "DIR: why" of the directory being made: keys: why */
		size_t n = strlen(keys);

		failed("keys", strncmp(err, keys, n) || strncmp(err + n, ": ", 2) ? err : err + n + 2);
	}
	store_modes(dir, group);
	if (nftw(dir, sync_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		failed("fsync", NULL);
	free(db);
	free(repo);
	free(keys);
	free(cfgpath);
}

/* The office's regular files of a backup directory (config,
 * holidays.tsv, ...) into the new store */
static void
carry_files(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *e;
	struct stat sb;
	char err[512];

	if (!d)
		die("cannot read '%s':", from);
	while ((e = readdir(d))) {
		char *src, *dst;
		struct buf b = { 0 };

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		src = xasprintf("%s/%s", from, e->d_name);
		dst = xasprintf("%s/%s", to, e->d_name);
		if (read_file(src, &b, (size_t)64 << 20) < 0)
			die("cannot read '%s':", src);
		if (file_replace(dst, b.s ? b.s : "", b.len, 0600, err, sizeof err) < 0)
			die("%s", err);
		cleanse(b.s, b.len);
		buf_free(&b);
		free(src);
		free(dst);
	}
	closedir(d);
}

/* The branch of the one registry among refs, or NULL (none); dies when
 * there are several, or cases of several offices, and no branch chosen */
static char *
office_of(const char *repo, const struct refset *got)
{
	char *branch = NULL, *cases = NULL;

	for (size_t i = 0; i < got->n; i++) {
		const char *n = got->v[i].name, *s;

		if (!strncmp(n, "refs/eport/", 11) && (s = strchr(n + 11, '/')) &&
		    !strcmp(s, "/registry")) {
			char *b = strndup(n + 11, s - n - 11);

			if (branch && strcmp(branch, b))
				die("'%s' holds the registries of several offices (%s, %s, ...): "
				    "name one with --branch", repo, branch, b);
			free(branch);
			branch = b;
		} else if (!strncmp(n, "refs/cases/", 11)) {
			size_t k = strspn(n + 11, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
			char *b = strndup(n + 11, k);

			if (cases && strcmp(cases, b))
				die("'%s' holds the cases of several offices (%s, %s, ...): "
				    "name one with --branch", repo, cases, b);
			free(cases);
			cases = b;
		}
	}
	if (branch && cases && strcmp(branch, cases))
		die("'%s' holds the cases of office %s and the registry of %s: name one with "
		    "--branch", repo, cases, branch);
	if (!branch)
		branch = cases;
	else
		free(cases);
	return branch;
}

/* --from: the store, made in dir (its place is home) from repo */
static void
from_repo(const char *dir, const char *repo, const char *keys, const char *branch,
    const char *group)
{
	char *url, *cfgsrc = NULL, *bdir, *cfgpath, *reg, err[512], *found, *p;
	const char *want;
	struct refset got = { 0 };
	struct rebuild_stats rs;
	struct eport st = { 0 };
	git_config *cfg;
	struct stat sb;
	int64_t mapsize = 0;
	int rc;

	/* a backup directory (docs.git, its config beside), or a repository */
	bdir = xasprintf("%s/docs.git", repo);
	if (stat(bdir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		url = bdir;
		cfgsrc = xstrdup(repo);
	} else {
		free(bdir);
		url = xstrdup(repo);
	}
	if (cfgsrc)
		carry_files(cfgsrc, dir);
	/* the office's config, its own or the backup's */
	if (cfg_open(&cfg, dir) == 0) {
		git_config_get_int64(&mapsize, cfg, "store.map-size");
		git_config_free(cfg);
	}
	if (mapsize < 0 || mapsize > ((int64_t)1 << 40))
		die("store.map-size: %lld is out of range", (long long)mapsize);
	p = xasprintf("%s/keys", dir);
	mkdir_new(p, "keys");
	free(p);
	p = xasprintf("%s/db", dir);
	mkdir_new(p, "db");
	if (store_create(p, mapsize, err, sizeof err) < 0)
		failed("db", err);
	free(p);
	p = xasprintf("%s/docs.git", dir);
	if (repo_init(p) < 0)
		failed("docs.git", eport_git_err());
	free(p);
	st.home = xstrdup(dir);
	if (store_open(&st, 0, 0) < 0 || repo_open(&st) < 0)
		die("%s: %s", where, *st.errbuf ? st.errbuf : eport_git_err());
	if (replica_fetch(st.repo, url, branch, &got, err, sizeof err) < 0)
		die("%s", err);
	found = office_of(repo, &got);
	if (!got.n && branch)
		die("'%s' holds no case and no registry of office %s", repo, branch);
	if (!got.n)
		die("'%s' holds no case and no registry", repo);
	want = branch ? branch : found;
	/* the configuration says which office the store is */
	cfgpath = xasprintf("%s/config", dir);
	if (git_config_open_ondisk(&cfg, cfgpath) < 0)
		die("%s: %s", cfgpath, eport_git_err());
	{
		git_config *snap;
		const char *have = NULL;

		if (git_config_snapshot(&snap, cfg) == 0 &&
		    git_config_get_string(&have, snap, "office.branch") == 0 && want &&
		    strcmp(have, want))
			die("'%s' is the backup of office %s (its config), not %s", repo, have, want);
		git_config_free(snap);
	}
	if (want && git_config_set_string(cfg, "office.branch", want) < 0)
		die("%s: %s", cfgpath, eport_git_err());
	git_config_free(cfg);
	free(cfgpath);
	if (refs_write_packed(git_repository_path(st.repo), &got, err, sizeof err) < 0)
		die("%s", err);
	reg = xasprintf("refs/eport/%s/registry", want ? want : "XM");
	if (!refset_find(&got, reg))
		warnx("'%s' holds no %s: the cards, orders, shipments and counters are not "
		    "restored", repo, reg);
	if (keys) {
		char *to = xasprintf("%s/keys", dir);
		EVP_PKEY *k;
		X509 *c;

		carry_files(keys, to);
		if (pki_load_ca(to, &k, &c, err, sizeof err) < 0)
			die("--keys %s: %s", keys, err);
		EVP_PKEY_free(k);
		X509_free(c);
		free(to);
	}
	if ((rc = store_rebuild(&st, reg, &rs)))
		(rc == 1 ? refuse : warnx)("'%s': %s", repo, st.errbuf);
	if (rc)
		exit(rc);
	eport_close(&st);
	store_modes(dir, group);
	if (nftw(dir, sync_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		failed("fsync", NULL);
	refset_free(&got);
	free(reg);
	free(found);
	free(url);
	free(cfgsrc);
}

int
main(int argc, char *argv[])
{
	static const struct option longs[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "keys", required_argument, NULL, 'k' },
		{ "branch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *branch = NULL, *group = NULL, *from = NULL, *keyfrom = NULL;
	char *home, *parent, *name, *p, err[512];
	int c, dry = 0, pfd, had;
	struct stat sb;

	eport_start(argc, argv, usage_text);
	/* the keys are made here */
	if (secret_process(err, sizeof err) < 0)
		die("%s", err);
	while ((c = getopt_long(argc, argv, "b:f:g:k:nh", longs, NULL)) != -1) {
		switch (c) {
		case 'b':
			branch = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'k':
			keyfrom = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	if (optind != argc || (keyfrom && !from))
		eport_usage(2);
	if (branch && (strlen(branch) < 1 || strlen(branch) > 8 || strspn(branch,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(branch)))
		die("branch '%s': 1 to 8 capital letters", branch);
	if (group) {
		gid_t gid;

		if (group_gid(group, &gid, err, sizeof err) < 0)
			die("-g: %s", err);
	}
	umask(077);
	home = xstrdup(eport_home());
	while (strlen(home) > 1 && home[strlen(home) - 1] == '/')
		home[strlen(home) - 1] = '\0';
	/* a store whose place is a symbolic link is made where it points */
	if (lstat(home, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		char real[PATH_MAX];

		if (!realpath(home, real))
			die("'%s':", home);
		free(home);
		home = xstrdup(real);
	}
	if (!(p = strrchr(home, '/')) || !p[1])
		die("'%s': name the store's directory in EPORT_HOME", home);
	parent = p == home ? xstrdup("/") : strndup(home, p - home);
	name = p + 1;
	tmp = xasprintf("%s/.%s.eport-init", parent, name);
	where = home;

	/* the parents of the store may be missing; the store itself is 0700 */
	if (!dry) {
		for (char *s = strchr(home + 1, '/'); s; s = strchr(s + 1, '/')) {
			char *dir = strndup(home, s - home);

			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				failed(dir, NULL);
			free(dir);
		}
	}
	/* one eport-init at a time beside the store */
	if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (!dry || errno != ENOENT)
			die("'%s':", parent);
	} else if (flock(pfd, LOCK_EX) < 0) {
		die("'%s': cannot lock:", parent);
	}
	/* what a killed eport-init left, even beside a store it made whole */
	if (!dry)
		sweep(tmp);
	if (store_there(home)) {
		refuse("a store exists at '%s'; not overwriting it", home);
		goto out;
	}
	if (lstat(home, &sb) == 0 && !S_ISDIR(sb.st_mode))
		die("'%s' is there and is not a directory", home);
	had = look(home, NULL);
	if (dry)
		goto out;

	atexit(cleanup);
	mkdir_new(tmp, parent);
	look(home, tmp);
	if (from)
		from_repo(tmp, from, keyfrom, branch, group);
	else
		build(tmp, home, branch, group);
	/* into place: over a missing or empty directory, or in exchange for
	 * one holding only the office's files, whose copies the store has */
	if (had ? renameat2(AT_FDCWD, tmp, AT_FDCWD, home, RENAME_EXCHANGE) < 0 :
	    rename(tmp, home) < 0) {
		if (errno == EBUSY || errno == EXDEV)
			failed(_("a mount point? set EPORT_HOME to a new directory inside it"), NULL);
		failed(_("putting it in place"), NULL);
	}
	/* in place: only the directory's entry may be lost in a crash now */
	p = tmp;
	tmp = NULL;
	sync_dir(parent);
	/* what is beside it now is the office's old directory, whose files
	 * the store has, or nothing */
	rm_tree(p);
	free(p);
out:
	if (pfd >= 0)
		close(pfd);
	free(tmp);
	tmp = NULL;
	free(parent);
	free(home);
	return eport_exit();
}
