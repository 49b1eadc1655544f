/* config.c: the configuration, git-config syntax read through libgit2: the
 * defaults in share/eport/config, then the system's (/etc/eport/config),
 * then the store's own $EPORT_HOME/config.  The identity settings are read
 * apart, from trusted files only (ident.c).  Here too libgit2's setup and
 * its last message, which every part of the store uses. */
#include <stdlib.h>
#include <string.h>

#include "eport.h"

const char *
eport_git_err(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : _("unknown libgit2 error");
}

void
eport_git_setup(void)
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
	/* nor does it read anyone's ~/.gitconfig, or /etc/gitconfig: every
	 * writer failed when HOME could not be read ("failed to stat
	 * '/root/.gitconfig'"), and a user's settings are not the store's */
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_PROGRAMDATA, "");
}

int
cfg_open(git_config **out, const char *home)
{
	git_config *c = NULL;
	char *dflt = share_path("config"), *own = xasprintf("%s/config", home);
	char *sys = xasprintf("%s/config", eport_sysconf());
	int rc;

	eport_git_setup();
	if ((rc = git_config_new(&c)) < 0)
		goto out;
	rc = git_config_add_file_ondisk(c, dflt, GIT_CONFIG_LEVEL_SYSTEM, NULL, 0);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		goto out;
	rc = git_config_add_file_ondisk(c, sys, GIT_CONFIG_LEVEL_GLOBAL, NULL, 0);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		goto out;
	rc = git_config_add_file_ondisk(c, own, GIT_CONFIG_LEVEL_LOCAL, NULL, 0);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		goto out;
	rc = git_config_snapshot(out, c);
out:
	git_config_free(c);
	free(dflt);
	free(sys);
	free(own);
	return rc;
}

/* The store's configuration, read once: 0, or -1 with why in st->errbuf.
 * eport_open reads it first; a store opened otherwise has it read at the
 * first key asked, and a caller that wants a broken file told calls this. */
int
cfg_load(struct eport *st)
{
	if (st->cfg)
		return 0;
	if (cfg_open(&st->cfg, st->home) < 0) {
		snprintf(st->errbuf, sizeof st->errbuf, "config: %s", eport_git_err());
		return -1;
	}
	return 0;
}

static git_config *
cfg(struct eport *st)
{
	if (cfg_load(st) < 0)
		eport_abort("%s", st->errbuf);
	return st->cfg;
}

const char *
cfg_str(struct eport *st, const char *key, const char *dflt)
{
	const char *v;

	if (git_config_get_string(&v, cfg(st), key) < 0)
		return dflt;
	return v;
}

long
cfg_int(struct eport *st, const char *key, long dflt)
{
	int64_t v;

	if (git_config_get_int64(&v, cfg(st), key) < 0)
		return dflt;
	return v;
}

int
cfg_bool(struct eport *st, const char *key, int dflt)
{
	int v;

	if (git_config_get_bool(&v, cfg(st), key) < 0)
		return dflt;
	return v;
}

/* What the notices and the public page say of the office. */
void
office_get(struct eport *st, struct office *o)
{
	o->name = cfg_str(st, "office.name", "");
	o->address = cfg_str(st, "office.address", "");
	o->phone = cfg_str(st, "office.phone", "");
	o->hours = cfg_str(st, "office.hours", CAL_HOURS);
	o->counter = cfg_str(st, "office.counter", "");
	if (!*o->counter)
		o->counter = "一号柜台";
}
