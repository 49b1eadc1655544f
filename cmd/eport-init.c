/* eport-init: create a store: the LMDB environment, the bare git repository,
 * the office CA key and certificate, the card master key and the
 * configuration.  The store is made whole in a directory beside its place
 * (.NAME.eport-init), every file and directory fsynced, and renamed
 * into place: killed at any moment, it leaves no store or a whole one, and
 * the next eport-init removes what a killed one left.  Refuses to touch a
 * store that has keys already. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eport.h"

static const char usage_text[] = N_("usage: eport-init [-n] [-b BRANCH] [-g GROUP]\n");

static char *tmp;		/* the store being made, removed if we fail */
static const char *where;	/* where it goes, for messages */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int
rm_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

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
		failed("docs.git", git_err());
	if (git_config_open_ondisk(&cfg, cfgpath) < 0 ||
	    git_config_set_string(cfg, "office.branch", branch ? branch : "XM") < 0)
		failed("config", git_err());
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

int
main(int argc, char *argv[])
{
	const char *branch = NULL, *group = NULL;
	char *home, *parent, *name, *p, err[512];
	int c, dry = 0, pfd, had;
	struct stat sb;

	eport_start(argc, argv, usage_text);
	/* the keys are made here */
	if (secret_process(err, sizeof err) < 0)
		die("%s", err);
	while ((c = getopt(argc, argv, "b:g:nh")) != -1) {
		switch (c) {
		case 'b':
			branch = optarg;
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
	if (optind != argc)
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
