/* eport-init: create a store: the LMDB environment, the bare git repository,
 * the office CA key and certificate, the card master key and the
 * configuration.  Refuses to touch a store that has keys already. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eport.h"

static const char usage_text[] = N_("usage: eport-init [-n] [-b BRANCH] [-g GROUP]\n");

static void
mkdir_p(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		die("cannot create '%s':", path);
	if (chmod(path, 0700) < 0)
		die("cannot chmod '%s':", path);
}

int
main(int argc, char *argv[])
{
	const char *home, *branch = NULL, *group = NULL;
	char *db, *repo, *keys, *cfgpath, *p, err[512];
	int c, dry = 0;
	git_config *cfg;
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
