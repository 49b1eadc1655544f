/* eport-init: create a store: the LMDB environment, the bare git repository,
 * the office CA key and certificate, the card master key and the
 * configuration.  Refuses to touch a store that has keys already.
 * --from REPO: the store made again from a repository (a backup directory,
 * a bare repository, a git URL): the refs of the office fetched into
 * docs.git, LMDB rebuilt from them alone (rebuild.c), the keys taken from
 * --keys DIR or none (the store then reads and checks, and refuses card
 * work). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "eport.h"

static void
usage(void)
{
	fprintf(stderr, "usage: eport-init [-n] [-b BRANCH] [-g GROUP]\n"
	    "       eport-init --from REPO [--keys DIR] [--branch BRANCH] [-g GROUP]\n");
	exit(2);
}

static void
mkdir_p(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		die("cannot create '%s':", path);
	if (chmod(path, 0700) < 0)
		die("cannot chmod '%s':", path);
}

/* --from that fails leaves no half store behind: what it made goes (a
 * directory that was not there, or db/, docs.git/ and keys/ in one that
 * held the office's files) */
static char *unmake_home;
static int unmake_whole;

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void
unmake(void)
{
	static const char *const parts[] = { "db", "docs.git", "keys" };

	if (!unmake_home)
		return;
	if (unmake_whole) {
		nftw(unmake_home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		return;
	}
	for (size_t i = 0; i < LEN(parts); i++) {
		char *p = xasprintf("%s/%s", unmake_home, parts[i]);

		nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		free(p);
	}
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

/* --from: the store in home, made from repo */
static void
from_repo(const char *home, const char *repo, const char *keys, const char *branch)
{
	char *url, *cfgsrc = NULL, *dir, *cfgpath, *reg, err[512], *found;
	const char *want;
	struct refset got = { 0 };
	struct rebuild_stats rs;
	struct eport st = { 0 };
	git_config *cfg;
	struct stat sb;
	int rc;

	/* a backup directory (docs.git, its config beside), or a repository */
	dir = xasprintf("%s/docs.git", repo);
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		url = dir;
		cfgsrc = xstrdup(repo);
	} else {
		free(dir);
		url = xstrdup(repo);
	}
	if (cfgsrc)
		carry_files(cfgsrc, home);
	st.home = xstrdup(home);
	if (store_open(&st, 0, 0) < 0 || repo_open(&st) < 0)
		die("%s: %s", home, *st.errbuf ? st.errbuf : git_err());
	if (replica_fetch(st.repo, url, branch, &got, err, sizeof err) < 0)
		die("%s", err);
	found = office_of(repo, &got);
	if (!got.n)
		die("'%s' holds no case and no registry%s%s", repo, branch ? " of office " : "",
		    branch ? branch : "");
	want = branch ? branch : found;
	/* the configuration says which office the store is */
	cfgpath = xasprintf("%s/config", home);
	if (git_config_open_ondisk(&cfg, cfgpath) < 0)
		die("%s: %s", cfgpath, git_err());
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
		die("%s: %s", cfgpath, git_err());
	git_config_free(cfg);
	free(cfgpath);
	if (refs_write_packed(git_repository_path(st.repo), &got, err, sizeof err) < 0)
		die("%s", err);
	reg = xasprintf("refs/eport/%s/registry", want ? want : "XM");
	if (!refset_find(&got, reg))
		warnx("'%s' holds no %s: the cards, orders, shipments and counters are not "
		    "restored", repo, reg);
	if (keys) {
		char *to = xasprintf("%s/keys", home);
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
	const char *home, *branch = NULL, *group = NULL, *from = NULL, *keyfrom = NULL;
	char *db, *repo, *keys, *cfgpath, *p, err[512];
	int c, dry = 0;
	git_config *cfg;
	struct stat sb;

	setprogname(argv[0]);
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
		default:
			usage();
		}
	}
	if (optind != argc || (keyfrom && !from))
		usage();
	if (branch && (strlen(branch) < 1 || strlen(branch) > 8 || strspn(branch,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(branch)))
		die("branch '%s': 1 to 8 capital letters", branch);
	if (group) {
		gid_t gid;

		if (group_gid(group, &gid, err, sizeof err) < 0)
			die("-g: %s", err);
	}
	umask(077);
	home = eport_home();
	db = xasprintf("%s/db", home);
	repo = xasprintf("%s/docs.git", home);
	keys = xasprintf("%s/keys", home);
	cfgpath = xasprintf("%s/config", home);
	p = xasprintf("%s/ca.key", keys);
	if (stat(p, &sb) == 0 || stat(db, &sb) == 0)
		refuse("a store exists at '%s'; not overwriting it", home);
	free(p);
	if (dry || eport_status)
		goto out;
	/* the parents of the store may be missing; the store itself is 0700 */
	for (char *s = strchr(home + 1, '/'); s; s = strchr(s + 1, '/')) {
		char *parent = strndup(home, s - home);

		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			die("cannot create '%s':", parent);
		free(parent);
	}
	if (from) {
		unmake_whole = stat(home, &sb) < 0;
		unmake_home = xstrdup(home);
		atexit(unmake);
	}
	mkdir_p(home);
	mkdir_p(keys);
	mkdir_p(db);
	{
		/* an office's own config may be there before the store */
		git_config *c;
		int64_t mapsize = 0;

		if (cfg_open(&c, home) == 0) {
			git_config_get_int64(&mapsize, c, "store.map-size");
			git_config_free(c);
		}
		if (mapsize < 0 || mapsize > ((int64_t)1 << 40))
			die("store.map-size: %lld is out of range", (long long)mapsize);
		if (store_create(db, mapsize, err, sizeof err) < 0)
			die("%s: %s", db, err);
	}
	if (repo_init(repo) < 0)
		die("%s: %s", repo, git_err());
	if (from) {
		from_repo(home, from, keyfrom, branch);
		if (group && store_share(home, group, err, sizeof err) < 0)
			die("-g %s: %s", group, err);
		free(unmake_home);
		unmake_home = NULL;	/* made whole: it stays */
		goto out;
	}
	if (git_config_open_ondisk(&cfg, cfgpath) < 0 ||
	    git_config_set_string(cfg, "office.branch", branch ? branch : "XM") < 0)
		die("%s: %s", cfgpath, git_err());
	git_config_free(cfg);
	if (pki_init_ca(keys, "中国电子口岸数据中心厦门分中心", eport_now(), err, sizeof err) < 0)
		die("%s", err);
	/* -g: the store shared by a group's logins, keys/ by the card group's */
	if (group && store_share(home, group, err, sizeof err) < 0)
		die("-g %s: %s", group, err);
out:
	free(db);
	free(repo);
	free(keys);
	free(cfgpath);
	return eport_exit();
}
