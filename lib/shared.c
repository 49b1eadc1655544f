/* shared.c: a store shared by the logins of a group (eport-init -g), as
 * git's core.sharedRepository=group: every directory setgid and 2770, every
 * file 0660, and every command working in it with umask 007, so that what
 * one staff member writes the others can read and write.  Some things stay
 * apart: the store's config (0640: the office's settings, the identity
 * settings among them, changed by its owner only); the store's own
 * directory, sticky too (3770), so that no one but its owner can put
 * another config, keys/, db/ or docs.git/ in place of the owner's; and
 * keys/, whose files belong to the card group (card.group) and are
 * readable by it alone (2750, 0640), or by the owner alone when there is
 * no card group. */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "eport.h"

int
store_umask(const char *home)
{
	struct stat sb;

	return stat(home, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & S_ISGID) ? 007 : 077;
}

/* A write that failed for the disk (LMDB says EIO for a short write): how
 * much room the store's disk has, for the message. */
int
store_disk_note(struct eport *st, int err, char *out, size_t len)
{
	struct statvfs vfs;
	unsigned long long kib;

	*out = '\0';
	if (err != EIO && err != ENOSPC && err != EDQUOT)
		return 0;
	if (statvfs(st->home, &vfs) < 0)
		return 0;
	kib = (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024;
	if (kib < 1024)
		snprintf(out, len, _("; the disk of '%s' is full (%llu KiB free): nothing of this "
		    "batch was stored; free some space, and run the command again"), st->home, kib);
	else
		snprintf(out, len, _("; the disk of '%s' is failing (%llu KiB free): nothing of "
		    "this batch was stored; check the disk (dmesg), and run the command again"),
		    st->home, kib);
	return 1;
}

int
group_gid(const char *name, gid_t *gid, char *err, size_t errlen)
{
	struct group *g;

	errno = 0;
	if (!(g = getgrnam(name))) {
		snprintf(err, errlen, _("group '%s': %s"), name, errno ? strerror(errno) : _("no such group"));
		return -1;
	}
	*gid = g->gr_gid;
	return 0;
}

/* nftw has no argument for its callback */
static struct {
	const char *home, *keys, *config;
	gid_t gid, cardgid;
	int card;
	char *err;
	size_t errlen;
} S;

static int
mode(const char *path, gid_t gid, mode_t m)
{
	if (lchown(path, (uid_t)-1, gid) < 0 || chmod(path, m) < 0) {
		snprintf(S.err, S.errlen, "'%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	size_t kn = strlen(S.keys);

	(void)ftw;
	if (type == FTW_SL || type == FTW_SLN)
		return 0;
	if (type != FTW_F && type != FTW_D) {
		snprintf(S.err, S.errlen, _("'%s': cannot be read"), path);
		return -1;
	}
	if (!strncmp(path, S.keys, kn) && (!path[kn] || path[kn] == '/')) {
		/* the group first, then the mode: the keys are never the staff's */
		if (!S.card)
			return mode(path, sb->st_gid, type == FTW_D ? 0700 : 0600);
		return mode(path, S.cardgid, type == FTW_D ? 02750 : 0640);
	}
	if (!strcmp(path, S.config))
		return mode(path, S.gid, 0640);
	if (!strcmp(path, S.home))
		return mode(path, S.gid, 03770);
	return mode(path, S.gid, type == FTW_D ? 02770 : 0660);
}

int
store_share(const char *home, const char *group, char *err, size_t errlen)
{
	git_config *c = NULL, *repo = NULL;
	const char *card = NULL;
	char *keys = xasprintf("%s/keys", home), *config = xasprintf("%s/config", home);
	char *gitcfg = xasprintf("%s/docs.git/config", home);
	int rc = -1;

	memset(&S, 0, sizeof S);
	S.home = home;
	S.keys = keys;
	S.config = config;
	S.err = err;
	S.errlen = errlen;
	if (group_gid(group, &S.gid, err, errlen) < 0)
		goto out;
	if (ident_config(home, &c) < 0) {
		snprintf(err, errlen, _("config: %s"), eport_git_err());
		goto out;
	}
	if (git_config_get_string(&card, c, "card.group") == 0 && *card) {
		if (group_gid(card, &S.cardgid, err, errlen) < 0)
			goto out;
		S.card = 1;
	}
	/* git's own commands (gc, repack) keep it shared too */
	if (git_config_open_ondisk(&repo, gitcfg) < 0 ||
	    git_config_set_string(repo, "core.sharedRepository", "group") < 0) {
		snprintf(err, errlen, "%s: %s", gitcfg, eport_git_err());
		goto out;
	}
	/* the keys before the rest: a failure leaves them private */
	if (nftw(keys, one, 16, FTW_PHYS) != 0 || nftw(home, one, 16, FTW_PHYS) != 0) {
		if (!*err)
			snprintf(err, errlen, "'%s': %s", home, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	git_config_free(repo);
	git_config_free(c);
	free(keys);
	free(config);
	free(gitcfg);
	return rc;
}
