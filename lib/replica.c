/* replica.c: docs.git beyond the store (DESIGN.md section 9): its refs
 * written all at once as packed-refs, the objects another repository lacks
 * as one pack, a push to a git URL, a fetch from one.  libgit2 does the
 * transport (a path, file://, ssh://); nothing here replicates by itself. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eport.h"

static int
fail(char *err, size_t len, const char *fmt, const char *arg, const char *why)
{
	char what[512];

	snprintf(what, sizeof what, _(fmt), arg);
	snprintf(err, len, "%s: %s", what, why);
	return -1;
}

void
refset_add(struct refset *s, const char *name, const git_oid *oid)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n].name = xstrdup(name);
	git_oid_cpy(&s->v[s->n].oid, oid);
	s->n++;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct refent *)a)->name, ((const struct refent *)b)->name);
}

void
refset_sort(struct refset *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, by_name);
}

const struct refent *
refset_find(const struct refset *s, const char *name)
{
	struct refent key = { (char *)name, { { 0 } } };

	return s->n ? bsearch(&key, s->v, s->n, sizeof *s->v, by_name) : NULL;
}

void
refset_free(struct refset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof *s);
}

int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write path whole or not at all: a temporary file beside it, fsynced,
 * renamed over it, the directory fsynced. */
int
file_replace(const char *path, const void *p, size_t n, mode_t mode, char *err, size_t len)
{
	char *tmp = xasprintf("%s.eport-tmp", path), *dir = xstrdup(path), *slash;
	int fd = -1, rc = -1;

	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	else
		strcpy(dir, ".");
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0 ||
	    fchmod(fd, mode) < 0 || write(fd, p, n) != (ssize_t)n || fsync(fd) < 0) {
		fail(err, len, N_("cannot write '%s'"), tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		fail(err, len, N_("cannot write '%s'"), tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0 || fsync_dir(dir) < 0) {
		fail(err, len, N_("cannot put '%s' in place"), path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}

static int
rm_loose(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_F)
		unlink(path);
	else if (flag == FTW_DP && ftw->level > 0)
		rmdir(path);
	return 0;
}

int
refs_write_packed(const char *gitdir, struct refset *s, char *err, size_t len)
{
	struct buf b = { 0 };
	char *path = xasprintf("%s/packed-refs", gitdir);
	static const char *const loose[] = { "refs/cases", "refs/eport" };
	int rc;

	refset_sort(s);
	buf_puts(&b, "# pack-refs with: peeled fully-peeled sorted \n");
	for (size_t i = 0; i < s->n; i++) {
		if (i && !strcmp(s->v[i].name, s->v[i - 1].name))
			continue;
		buf_printf(&b, "%s %s\n", git_oid_tostr_s(&s->v[i].oid), s->v[i].name);
	}
	rc = file_replace(path, b.s, b.len, 0600, err, len);
	/* a loose ref would hide its packed one: there are none in a repository
	 * eport writes this way, but one a git push made is gone too */
	for (size_t i = 0; rc == 0 && i < LEN(loose); i++) {
		char *dir = xasprintf("%s/%s", gitdir, loose[i]);

		nftw(dir, rm_loose, 16, FTW_DEPTH | FTW_PHYS);
		free(dir);
	}
	free(path);
	buf_free(&b);
	return rc;
}

/* The pack of what a walk reaches, written by pack_index in a directory
 * beside objects/pack, then moved in, the pack before its index (as pack.c
 * does for a batch, and git itself: an index without its pack is garbage
 * to git gc). */
int
replica_pack(git_repository *src, const char *gitdir, const struct refset *want,
    const struct refset *have, size_t *objects, char *err, size_t len)
{
	char *incoming = xasprintf("%s/objects/eport-incoming", gitdir);
	char *packdir = xasprintf("%s/objects/pack", gitdir);
	git_packbuilder *pb = NULL;
	git_indexer *idx = NULL;
	git_revwalk *walk = NULL;
	int rc = -1, pushed = 0;

	*objects = 0;
	if (git_revwalk_new(&walk, src) < 0)
		goto git;
	for (size_t i = 0; i < want->n; i++) {
		const struct refent *h = refset_find(have, want->v[i].name);

		if (h && git_oid_equal(&h->oid, &want->v[i].oid))
			continue;
		if (git_revwalk_push(walk, &want->v[i].oid) < 0)
			goto git;
		pushed++;
		/* what the other side has of it: its commits and their trees
		 * stay out of the pack */
		if (h && git_revwalk_hide(walk, &h->oid) < 0)
			git_error_clear();
	}
	if (!pushed) {
		rc = 0;
		goto out;
	}
	if (git_packbuilder_new(&pb, src) < 0)
		goto git;
	git_packbuilder_set_threads(pb, 1);
	if (git_packbuilder_insert_walk(pb, walk) < 0)
		goto git;
	*objects = git_packbuilder_object_count(pb);
	if (mkdir(incoming, 0700) < 0 && errno != EEXIST) {
		fail(err, len, N_("cannot make '%s'"), incoming, strerror(errno));
		goto out;
	}
	if (pack_index(pb, incoming, &idx) < 0)
		goto git;
	{
		static const char *const ext[] = { ".pack", ".idx" };
		const char *name = git_indexer_name(idx);

		for (size_t i = 0; i < LEN(ext); i++) {
			char *from = xasprintf("%s/pack-%s%s", incoming, name, ext[i]);
			char *to = xasprintf("%s/pack-%s%s", packdir, name, ext[i]);
			int bad = rename(from, to) < 0;

			if (bad)
				fail(err, len, N_("cannot move '%s'"), from, strerror(errno));
			free(from);
			free(to);
			if (bad)
				goto out;
		}
	}
	if (fsync_dir(packdir) < 0) {
		fail(err, len, N_("cannot fsync '%s'"), packdir, strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
git:
	snprintf(err, len, "docs.git: %s", eport_git_err());
out:
	git_indexer_free(idx);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	free(incoming);
	free(packdir);
	return rc;
}

/* ssh: the agent's keys, as the login that runs the backup */
static int
credentials(git_credential **out, const char *url, const char *user, unsigned allowed, void *arg)
{
	(void)url;
	(void)arg;
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user ? user : eport_login());
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user ? user : eport_login());
	return GIT_PASSTHROUGH;
}

/* Is name one of the refs a store of branch holds: refs/cases/<branch>
 * and a digit (the day of its id), or refs/eport/<branch>/...; with no
 * branch, any of refs/cases/ and refs/eport/. */
int
replica_wanted(const char *name, const char *branch)
{
	size_t n = branch ? strlen(branch) : 0;

	if (!strncmp(name, "refs/cases/", 11)) {
		name += 11;
		return *name && !strchr(name, '/') && (!branch || (!strncmp(name, branch, n) &&
		    name[n] >= '0' && name[n] <= '9'));
	}
	if (!strncmp(name, "refs/eport/", 11)) {
		name += 11;
		return !branch || (!strncmp(name, branch, n) && name[n] == '/');
	}
	return 0;
}

int
replica_fetch(git_repository *repo, const char *url, const char *branch, struct refset *got,
    char *err, size_t len)
{
	git_remote *remote = NULL;
	git_remote_callbacks cbs;
	git_fetch_options fo;
	const git_remote_head **heads;
	size_t nheads;
	char *specs[2];
	git_strarray sa = { specs, 2 };
	git_odb *odb = NULL;
	int rc = -1;

	if (branch) {
		specs[0] = xasprintf("+refs/cases/%s*:refs/cases/%s*", branch, branch);
		specs[1] = xasprintf("+refs/eport/%s/*:refs/eport/%s/*", branch, branch);
	} else {
		specs[0] = xstrdup("+refs/cases/*:refs/cases/*");
		specs[1] = xstrdup("+refs/eport/*:refs/eport/*");
	}
	git_remote_init_callbacks(&cbs, GIT_REMOTE_CALLBACKS_VERSION);
	cbs.credentials = credentials;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks = cbs;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	if (git_remote_create_anonymous(&remote, repo, url) < 0 ||
	    git_remote_connect(remote, GIT_DIRECTION_FETCH, &cbs, NULL, NULL) < 0 ||
	    git_remote_ls(&heads, &nheads, remote) < 0)
		goto git;
	for (size_t i = 0; i < nheads; i++)
		if (replica_wanted(heads[i]->name, branch))
			refset_add(got, heads[i]->name, &heads[i]->oid);
	if (got->n && git_remote_download(remote, &sa, &fo) < 0)
		goto git;
	git_remote_disconnect(remote);
	/* every ref's commit is here now: the refs can be written */
	if (git_repository_odb(&odb, repo) < 0)
		goto git;
	for (size_t i = 0; i < got->n; i++)
		if (!git_odb_exists(odb, &got->v[i].oid)) {
			snprintf(err, len, _("'%s': %s: commit %s did not arrive"), url, got->v[i].name,
			    git_oid_tostr_s(&got->v[i].oid));
			goto out;
		}
	rc = 0;
	goto out;
git:
	snprintf(err, len, "'%s': %s", url, eport_git_err());
out:
	git_odb_free(odb);
	git_remote_free(remote);
	free(specs[0]);
	free(specs[1]);
	return rc;
}

/* The other side's refs as it tells them (push: a connection of its own). */
struct push_state {
	struct buf why;
};

static int
push_update(const char *ref, const char *status, void *arg)
{
	struct push_state *p = arg;

	if (status)
		buf_printf(&p->why, "%s%s: %s", p->why.len ? "; " : "", ref, status);
	return 0;
}

int
replica_push(git_repository *src, const char *url, struct refset *want, size_t *pushed,
    char *err, size_t len)
{
	const char *tmpdir = getenv("TMPDIR");
	char *dir = xasprintf("%s/eport-push.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	char *alt = NULL, *objs = NULL;
	git_repository *r = NULL;
	git_remote *remote = NULL;
	git_remote_callbacks cbs;
	git_push_options po;
	const git_remote_head **heads;
	size_t nheads;
	struct refset theirs = { 0 };
	struct push_state ps = { { 0 } };
	git_strarray sa = { NULL, 0 };
	int rc = -1;

	*pushed = 0;
	if (!mkdtemp(dir)) {
		fail(err, len, N_("cannot make '%s'"), dir, strerror(errno));
		free(dir);
		return -1;
	}
	/* a repository with the store's objects (alternates) and, as its
	 * refs, exactly those pushed */
	if (git_repository_init(&r, dir, 1) < 0)
		goto git;
	git_repository_free(r);
	r = NULL;
	objs = xasprintf("%s/objects\n", git_repository_path(src));
	alt = xasprintf("%s/objects/info/alternates", dir);
	if (file_replace(alt, objs, strlen(objs), 0600, err, len) < 0 ||
	    refs_write_packed(dir, want, err, len) < 0)
		goto out;
	if (git_repository_open_bare(&r, dir) < 0)
		goto git;
	git_remote_init_callbacks(&cbs, GIT_REMOTE_CALLBACKS_VERSION);
	cbs.credentials = credentials;
	cbs.push_update_reference = push_update;
	cbs.payload = &ps;
	if (git_remote_create_anonymous(&remote, r, url) < 0 ||
	    git_remote_connect(remote, GIT_DIRECTION_PUSH, &cbs, NULL, NULL) < 0 ||
	    git_remote_ls(&heads, &nheads, remote) < 0)
		goto git;
	for (size_t i = 0; i < nheads; i++)
		refset_add(&theirs, heads[i]->name, &heads[i]->oid);
	refset_sort(&theirs);
	/* only the refs that moved: libgit2 matches each pushed ref against
	 * every ref of the other side */
	sa.strings = xcalloc(want->n ? want->n : 1, sizeof *sa.strings);
	for (size_t i = 0; i < want->n; i++) {
		const struct refent *t = refset_find(&theirs, want->v[i].name);

		if (t && git_oid_equal(&t->oid, &want->v[i].oid))
			continue;
		sa.strings[sa.count++] = xasprintf("%s:%s", want->v[i].name, want->v[i].name);
	}
	if (sa.count) {
		git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
		po.callbacks = cbs;
		po.pb_parallelism = 1;
		if (git_remote_push(remote, &sa, &po) < 0)
			goto git;
		if (ps.why.len) {
			snprintf(err, len, _("'%s' refused %s"), url, ps.why.s);
			goto out;
		}
	}
	*pushed = sa.count;
	rc = 0;
	goto out;
git:
	snprintf(err, len, "'%s': %s", url, eport_git_err());
out:
	for (size_t i = 0; i < sa.count; i++)
		free(sa.strings[i]);
	free(sa.strings);
	buf_free(&ps.why);
	refset_free(&theirs);
	git_remote_free(remote);
	git_repository_free(r);
	rm_tree(dir);
	free(dir);
	free(alt);
	free(objs);
	return rc;
}
