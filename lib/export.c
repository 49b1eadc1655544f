/* export.c: the audit archive of eport-export, made from the store and
 * verified against it.  Its contents: for each case <id>/COMMIT, and from
 * that commit of docs.git <id>/case.json, <id>/history.jsonl and
 * <id>/docs/..., and from the registry the certificates of its cards as
 * <id>/certs/<card>.pem (masked: case.json and history.jsonl only, masked
 * as mask_case does); at the top README, ca.crt, SHA256SUMS and its
 * signature by the office CA, SHA256SUMS.p7s (sign.c).  Written through
 * libarchive, the same cases giving the same bytes; verified by reading
 * the archive whole and comparing each case with its commit.  Errors and
 * findings come back as messages (translated): nothing here prints. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "eport.h"

#define KEEP_MAX (64u << 20)	/* SHA256SUMS, README, COMMIT read whole */

/* An entry of the archive: its bytes in data, or a blob of docs.git. */
struct ent {
	char *path;		/* a directory's ends in '/' */
	int dir, has_blob;
	git_oid blob;
	struct buf data;
	size_t size;
	char sum[65];
	time_t mtime;
};

struct export {
	struct eport *st;
	MDB_txn *txn;
	int masked;
	struct ent *ents;
	size_t nents, capents;
	json_t *cases;		/* id -> the time of its commit */
	char *volatile tmpname;	/* the hidden name while there is one */
};

/* A message as warnx makes it: fmt (English, N_) translated, and where it
 * ends in ':' the error of errno appended. */
static void
seterr(char *err, size_t len, const char *fmt, ...)
{
	int e = errno;
	size_t n = strlen(fmt);
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(err, len, _(fmt), ap);
	va_end(ap);
	if (w >= 0 && (size_t)w < len && n && fmt[n - 1] == ':')
		snprintf(err + w, len - w, " %s", strerror(e));
}

static int
blob_sum(struct eport *st, const git_oid *oid, char sum[65], size_t *size)
{
	git_blob *b;

	if (git_blob_lookup(&b, st->repo, oid) < 0)
		return -1;
	*size = git_blob_rawsize(b);
	sha256_hex(git_blob_rawcontent(b), *size, sum);
	git_blob_free(b);
	return 0;
}

static int
blob_read(struct eport *st, const git_oid *oid, struct buf *out)
{
	git_blob *b;

	if (git_blob_lookup(&b, st->repo, oid) < 0)
		return -1;
	buf_add(out, git_blob_rawcontent(b), git_blob_rawsize(b));
	git_blob_free(b);
	return 0;
}

/* The blobs of a commit's tree: path -> oid (hex), in tree order. */
static int
tree_blob(const char *root, const git_tree_entry *te, void *arg)
{
	char *path;

	if (git_tree_entry_type(te) != GIT_OBJECT_BLOB)
		return 0;
	path = xasprintf("%s%s", root, git_tree_entry_name(te));
	json_object_set_new(arg, path, json_string(git_oid_tostr_s(git_tree_entry_id(te))));
	free(path);
	return 0;
}

static json_t *
commit_blobs(git_commit *c)
{
	json_t *blobs = json_object();
	git_tree *t;

	if (git_commit_tree(&t, c) < 0) {
		json_decref(blobs);
		return NULL;
	}
	if (git_tree_walk(t, GIT_TREEWALK_PRE, tree_blob, blobs) < 0) {
		json_decref(blobs);
		blobs = NULL;
	}
	git_tree_free(t);
	return blobs;
}

static struct ent *
ent_new(struct export *x, const char *path, time_t mtime)
{
	struct ent *e;

	if (x->nents == x->capents) {
		x->capents = x->capents ? x->capents * 2 : 256;
		x->ents = xrealloc(x->ents, x->capents * sizeof *x->ents);
	}
	e = &x->ents[x->nents++];
	memset(e, 0, sizeof *e);
	e->path = xstrdup(path);
	e->mtime = mtime;
	return e;
}

static void
ent_data(struct export *x, const char *path, time_t mtime, const void *p, size_t n)
{
	struct ent *e = ent_new(x, path, mtime);

	buf_add(&e->data, p, n);
	e->size = n;
	sha256_hex(e->data.s, n, e->sum);
}

/* The certificates of the case's cards: the cards it wrote and those sent
 * in, where the registry holds a certificate. */
static void
add_certs(struct export *x, const char *id, const json_t *kase, time_t mtime)
{
	static const char *const lists[] = { "issued", "cards" };
	json_t *nums = json_object(), *l, *c, *card;
	const char *num;
	size_t i;

	for (size_t k = 0; k < LEN(lists); k++) {
		l = json_object_get(kase, lists[k]);
		json_array_foreach(l, i, c)
			if (*jstr(c, "number"))
				json_object_set(nums, jstr(c, "number"), json_true());
	}
	json_object_foreach(nums, num, c) {
		const char *pem;
		char *path;

		if (strchr(num, '/') || !path_is_safe(num) || !(card = card_get(x->st, x->txn, num)))
			continue;
		pem = jstr(card, "cert");
		if (*pem) {
			path = xasprintf("%s/certs/%s.pem", id, num);
			ent_data(x, path, mtime, pem, strlen(pem));
			free(path);
		}
		json_decref(card);
	}
	json_decref(nums);
}

int
export_add(struct export *x, const char *id, char *err, size_t errlen)
{
	json_t *kase, *blobs = NULL, *v;
	git_commit *c = NULL;
	struct buf cj = { 0 }, hj = { 0 };
	const char *hex, *path;
	char *cpath, *cline;
	git_oid oid;
	time_t t;
	int rc = 1;

	if (json_object_get(x->cases, id))
		return 0;
	if (strchr(id, '/') || !(kase = case_get(x->st, x->txn, id))) {
		seterr(err, errlen, N_("%s: no such case"), id);
		return 1;
	}
	hex = jstr(kase, "commit");
	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&c, x->st->repo, &oid) < 0 ||
	    !(blobs = commit_blobs(c))) {
		seterr(err, errlen, N_("%s: commit '%s' is not in docs.git: %s%s"), id, hex,
		    eport_git_err(), repo_unreadable(x->st));
		goto out;
	}
	t = git_commit_time(c);
	json_object_set_new(x->cases, id, json_integer(t));
	cpath = xasprintf("%s/COMMIT", id);
	cline = xasprintf("%s\n", hex);
	ent_data(x, cpath, t, cline, strlen(cline));
	free(cpath);
	free(cline);
	json_object_foreach(blobs, path, v) {
		int text = !strcmp(path, "case.json") || !strcmp(path, "history.jsonl");
		struct ent *e;
		char *p;

		git_oid_fromstr(&oid, json_string_value(v));
		if (x->masked) {
			if (text && blob_read(x->st, &oid, !strcmp(path, "case.json") ? &cj : &hj) < 0)
				goto gitfail;
			continue;
		}
		p = xasprintf("%s/%s", id, path);
		e = ent_new(x, p, t);
		free(p);
		e->has_blob = 1;
		e->blob = oid;
		if (blob_sum(x->st, &oid, e->sum, &e->size) < 0)
			goto gitfail;
	}
	if (x->masked) {
		char *p;

		if (!cj.s || mask_case(&cj, &hj) < 0) {
			seterr(err, errlen,
			    N_("%s: case.json or history.jsonl of commit '%s' is not JSON"), id, hex);
			goto out;
		}
		p = xasprintf("%s/case.json", id);
		ent_data(x, p, t, cj.s, cj.len);
		free(p);
		p = xasprintf("%s/history.jsonl", id);
		ent_data(x, p, t, hj.s ? hj.s : "", hj.len);
		free(p);
	} else {
		add_certs(x, id, kase, t);
	}
	rc = 0;
	goto out;
gitfail:
	seterr(err, errlen, N_("%s: docs.git: %s"), id, eport_git_err());
out:
	buf_free(&cj);
	buf_free(&hj);
	json_decref(blobs);
	git_commit_free(c);
	json_decref(kase);
	return rc;
}

/* how both READMEs end: how to check the archive */
#define README_CHECK \
    "Check every file with:  sha256sum -c SHA256SUMS\n" \
    "SHA256SUMS is signed by the office CA, whose certificate is ca.crt (compare\n" \
    "its fingerprint with the one the office publishes); check the signature with:\n" \
    "  openssl cms -verify -binary -inform DER -CAfile ca.crt -content SHA256SUMS \\\n" \
    "    -in SHA256SUMS.p7s -out /dev/null\n" \
    "At the office, eport-export -V checks the archive against the repository.\n"

static const char readme_plain[] =
    "eport audit archive\n"
    "Masked: no\n"
    "\n"
    "Each directory is one case of the card office's store, as its last audited\n"
    "revision in the office's repository (docs.git) holds it:\n"
    "  COMMIT          that revision, a git commit id\n"
    "  case.json       the case record\n"
    "  history.jsonl   its history, one event a line\n"
    "  docs/           the documents taken in with it\n"
    "  certs/          the certificates of its cards (PEM), where the office holds them\n"
    "\n"
    README_CHECK;
static const char readme_masked[] =
    "eport audit archive\n"
    "Masked: yes\n"
    "\n"
    "Each directory is one case of the card office's store, as its last audited\n"
    "revision in the office's repository (docs.git) holds it:\n"
    "  COMMIT          that revision, a git commit id\n"
    "  case.json       the case record\n"
    "  history.jsonl   its history, one event a line\n"
    "\n"
    "Identity numbers keep their first 6 and last 4 characters and phone and\n"
    "fax numbers their first 3 and last 4, the rest shown as *; a value too\n"
    "short for that is masked whole.  The documents (docs/) and the card\n"
    "certificates (certs/) are left out: scans cannot be masked.\n"
    "\n"
    README_CHECK;

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->path, ((const struct ent *)b)->path);
}

/* The directories of the entries, README and SHA256SUMS, all sorted. */
int
export_finish(struct export *x, char *errbuf, size_t errlen)
{
	json_t *dirs = json_object(), *v;
	const char *d;
	struct buf sums = { 0 }, b = { 0 };
	char *path, *ca, err[512];
	time_t newest = 0;
	size_t i, n = x->nents;
	int rc = -1;

	for (i = 0; i < n; i++) {
		char *p = xstrdup(x->ents[i].path), *s;

		for (s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
			char c = s[1];

			s[1] = '\0';
			if (!json_object_get(dirs, p))
				json_object_set_new(dirs, p, json_integer(x->ents[i].mtime));
			s[1] = c;
		}
		free(p);
		if (x->ents[i].mtime > newest)
			newest = x->ents[i].mtime;
	}
	json_object_foreach(dirs, d, v)
		ent_new(x, d, json_integer_value(v))->dir = 1;
	ent_data(x, "README", newest, x->masked ? readme_masked : readme_plain,
	    strlen(x->masked ? readme_masked : readme_plain));
	/* the office CA's certificate, and its signature of SHA256SUMS: an
	 * auditor away from the office checks both offline */
	path = xasprintf("%s/keys", x->st->home);
	ca = xasprintf("%s/ca.crt", path);
	if (read_file(ca, &b, 1 << 20) < 0) {
		seterr(errbuf, errlen, N_("cannot read '%s': %s: the archive is signed with the office "
		    "CA's key, which this store lacks (a store restored without its keys: eport-init "
		    "--from ... -k DIR)"), ca, strerror(errno));
		goto out;
	}
	ent_data(x, "ca.crt", newest, b.s, b.len);
	qsort(x->ents, x->nents, sizeof *x->ents, by_path);
	for (i = 0; i < x->nents; i++)
		if (!x->ents[i].dir)
			buf_printf(&sums, "%s  %s\n", x->ents[i].sum, x->ents[i].path);
	ent_data(x, "SHA256SUMS", newest, sums.s, sums.len);
	b.len = 0;
	if (pki_sign_detached(path, sums.s, sums.len, &b, err, sizeof err) < 0) {
		seterr(errbuf, errlen, N_("SHA256SUMS: %s"), err);
		goto out;
	}
	ent_data(x, "SHA256SUMS.p7s", newest, b.s, b.len);
	qsort(x->ents, x->nents, sizeof *x->ents, by_path);
	rc = 0;
out:
	buf_free(&sums);
	buf_free(&b);
	free(path);
	free(ca);
	json_decref(dirs);
	return rc;
}

int
export_format(const char *name)
{
	static const struct { const char *ext; int f; } ext[] = {
		{ ".tar", EXPORT_TAR }, { ".tar.gz", EXPORT_GZ }, { ".tgz", EXPORT_GZ },
		{ ".tar.xz", EXPORT_XZ }, { ".txz", EXPORT_XZ }, { ".zip", EXPORT_ZIP },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < LEN(ext); i++) {
		size_t m = strlen(ext[i].ext);

		if (n > m && !strcmp(name + n - m, ext[i].ext))
			return ext[i].f;
	}
	return -1;
}

/* For a signal handler: only unlink, of a name set before. */
void
export_unlink(const struct export *x)
{
	if (x && x->tmpname)
		unlink(x->tmpname);
}

static int
write_all(struct archive *a, const char *p, size_t n)
{
	while (n) {
		la_ssize_t w = archive_write_data(a, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int
write_entries(struct export *ex, struct archive *a, char *err, size_t errlen)
{
	struct archive_entry *e = archive_entry_new();
	struct buf b = { 0 };
	int rc = 0;

	for (size_t i = 0; i < ex->nents && !rc; i++) {
		struct ent *x = &ex->ents[i];

		archive_entry_clear(e);
		archive_entry_set_pathname(e, x->path);
		archive_entry_set_filetype(e, x->dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, x->dir ? 0755 : 0644);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		archive_entry_set_uname(e, "root");
		archive_entry_set_gname(e, "root");
		archive_entry_set_mtime(e, x->mtime, 0);
		archive_entry_set_size(e, x->dir ? 0 : (la_int64_t)x->size);
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			rc = -1;
			break;
		}
		if (x->dir)
			continue;
		b.len = 0;
		if (x->has_blob && blob_read(ex->st, &x->blob, &b) < 0) {
			seterr(err, errlen, N_("%s: docs.git: %s"), x->path, eport_git_err());
			rc = -2;
			break;
		}
		if (x->has_blob ? write_all(a, b.s, b.len) : write_all(a, x->data.s, x->data.len))
			rc = -1;
	}
	buf_free(&b);
	archive_entry_free(e);
	return rc;
}

/* The O_TMPFILE archive, whole, gets its name: at once where there is
 * none yet; over an old archive by a hidden name renamed onto it (the
 * caller's signal handler removes that name, export_unlink, for the moment
 * it exists). */
static int
give_name(struct export *x, int fd, const char *dir, const char *base, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	x->tmpname = xasprintf("%s/.%s.%ld", dir, base, (long)getpid());
	unlink(x->tmpname);
	return linkat(AT_FDCWD, proc, AT_FDCWD, x->tmpname, AT_SYMLINK_FOLLOW);
}

int
export_write(struct export *x, const char *name, mode_t mode, char *err, size_t errlen)
{
	int f = export_format(name), fd, rc;
	char *d = xstrdup(name), *b = xstrdup(name), *dir;
	struct archive *a;

	dir = dirname(d);
	/* a file with no name until it is whole, so that even kill -9 leaves
	 * nothing behind; where the file system has none, a hidden name */
	if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) < 0) {
		x->tmpname = xasprintf("%s/.%s.XXXXXX", dir, basename(b));
		if ((fd = mkstemp(x->tmpname)) < 0) {
			seterr(err, errlen, N_("cannot create '%s':"), x->tmpname);
			rc = -1;
			goto out;
		}
	}
	/* zip stores local times: the office's, wherever it is written */
	setenv("TZ", "CST-8", 1);
	tzset();
	a = archive_write_new();
	if (f == EXPORT_ZIP) {
		rc = archive_write_set_format_zip(a);
	} else {
		rc = archive_write_set_format_ustar(a);
		if (!rc && f == EXPORT_GZ && !(rc = archive_write_add_filter_gzip(a)))
			rc = archive_write_set_options(a, "gzip:!timestamp");
		if (!rc && f == EXPORT_XZ && !(rc = archive_write_add_filter_xz(a)))
			rc = archive_write_set_options(a, "xz:threads=1");
	}
	if (rc || archive_write_open_fd(a, fd) != ARCHIVE_OK ||
	    (rc = write_entries(x, a, err, errlen)) || archive_write_close(a) != ARCHIVE_OK) {
		if (rc != -2)
			seterr(err, errlen, N_("'%s': %s"), name, archive_error_string(a));
		goto fail;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		seterr(err, errlen, N_("'%s':"), name);
		goto fail;
	}
	if (!x->tmpname && give_name(x, fd, dir, basename(b), name) < 0) {
		seterr(err, errlen, N_("cannot write '%s':"), name);
		goto fail;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0 || (x->tmpname && rename(x->tmpname, name) < 0)) {
		seterr(err, errlen, N_("cannot write '%s':"), name);
		goto fail;
	}
	archive_write_free(a);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);
		close(fd);
	}
	rc = 0;
	goto out;
fail:
	archive_write_free(a);
	if (fd >= 0)
		close(fd);
	if (x->tmpname)
		unlink(x->tmpname);
	rc = -2;
out:
	free(x->tmpname);
	x->tmpname = NULL;
	free(d);
	free(b);
	return rc;
}

struct export *
export_new(struct eport *st, MDB_txn *txn, int masked)
{
	struct export *x = xcalloc(1, sizeof *x);

	x->st = st;
	x->txn = txn;
	x->masked = masked;
	x->cases = json_object();
	return x;
}

size_t
export_cases(const struct export *x)
{
	return json_object_size(x->cases);
}

void
export_free(struct export *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nents; i++) {
		free(x->ents[i].path);
		buf_free(&x->ents[i].data);
	}
	free(x->ents);
	json_decref(x->cases);
	free(x);
}

/* Verifying: what the archive holds, path -> its SHA-256; the small files
 * whole.  Each finding goes to the caller's function; vbad's second
 * argument is the message (xgettext's vbad:2), translated here. */
struct vctx {
	struct eport *st;
	export_bad_fn bad;
	void *arg;
};

#define vbad(path, ...) vbad_at(v, path, __VA_ARGS__)

static void
vbad_at(struct vctx *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
vbad_at(struct vctx *v, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, _(fmt), ap) < 0)
		s = NULL;
	va_end(ap);
	v->bad(path, s ? s : _(fmt), v->arg);
	free(s);
}

static int
keep_whole(const char *path)
{
	const char *s = strchr(path, '/');

	return !strcmp(path, "SHA256SUMS") || !strcmp(path, "README") ||
	    !strcmp(path, "ca.crt") || !strcmp(path, "SHA256SUMS.p7s") ||
	    (s && !strcmp(s, "/COMMIT"));
}

/* 0 read, 1 not (reported), -1 it cannot be opened (err) */
static int
read_archive(struct vctx *v, const char *name, json_t *files, json_t *kept, char *err,
    size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	EVP_MD_CTX *md;
	static char chunk[65536];
	int rc, ok = 1;

	eport_read_formats(a);
	if (access(name, R_OK) < 0) {
		seterr(err, errlen, N_("cannot open '%s':"), name);
		archive_read_free(a);
		return -1;
	}
	md = EVP_MD_CTX_new();
	if (archive_read_open_filename(a, name, sizeof chunk) != ARCHIVE_OK) {
		vbad(NULL, "%s", archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		unsigned char dg[32];
		char hex[65];
		struct buf b = { 0 };
		la_ssize_t n;
		int keep;

		if (!p)
			p = "";
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG) {
			vbad(p, "not a regular file");
			continue;
		}
		if (!path_is_safe(p)) {
			vbad(p, "not a path inside the archive");
			continue;
		}
		if (json_object_get(files, p)) {
			vbad(p, "twice in the archive");
			continue;
		}
		keep = keep_whole(p);
		EVP_DigestInit_ex(md, EVP_sha256(), NULL);
		while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
			EVP_DigestUpdate(md, chunk, n);
			if (keep && b.len < KEEP_MAX)
				buf_add(&b, chunk, n);
		}
		if (n < 0) {
			vbad(p, "%s", archive_error_string(a));
			buf_free(&b);
			goto out;
		}
		EVP_DigestFinal_ex(md, dg, NULL);
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", dg[i]);
		json_object_set_new(files, p, json_string(hex));
		if (keep)
			json_object_set_new(kept, p, json_stringn_nocheck(b.s ? b.s : "", b.len));
		buf_free(&b);
	}
	if (rc == ARCHIVE_EOF)
		ok = 0;
	else
		vbad(NULL, "%s", archive_error_string(a));
out:
	EVP_MD_CTX_free(md);
	archive_read_free(a);
	return ok;
}

static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

static void
check_sums(struct vctx *v, json_t *files, const char *sums)
{
	json_t *listed = json_object();
	const char *p, *nl, *path;
	json_t *f1;
	long line = 0;

	for (p = sums; p && *p; p = *nl ? nl + 1 : nl) {
		char *l, *f;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		l = strndup(p, nl - p);
		line++;
		if (strlen(l) < 67 || !is_hex(l, 64) || l[64] != ' ' ||
		    (l[65] != ' ' && l[65] != '*')) {
			vbad("SHA256SUMS", "line %ld: not a sum line", line);
			free(l);
			continue;
		}
		f = l + 66;
		json_object_set_new(listed, f, json_true());
		if (!(f1 = json_object_get(files, f)))
			vbad(f, "in SHA256SUMS, not in the archive");
		else if (strncmp(json_string_value(f1), l, 64))
			vbad(f, "does not match SHA256SUMS");
		free(l);
	}
	json_object_foreach(files, path, f1)
		if (strcmp(path, "SHA256SUMS") && strcmp(path, "SHA256SUMS.p7s") &&
		    !json_object_get(listed, path))
			vbad(path, "not in SHA256SUMS");
	json_decref(listed);
}

/* SHA256SUMS.p7s: the signature of SHA256SUMS by the CA of ca.crt, which
 * is this office's (keys/ca.crt), where the store has its keys */
static void
check_signature(struct vctx *v, json_t *kept, const char *sums)
{
	json_t *ca = json_object_get(kept, "ca.crt"), *sig = json_object_get(kept, "SHA256SUMS.p7s");
	char why[512], *own;
	struct buf b = { 0 };

	if (!ca) {
		vbad("ca.crt", "missing");
		return;
	}
	if (!sig) {
		vbad("SHA256SUMS.p7s", "missing");
		return;
	}
	if (pki_verify_detached(json_string_value(ca), json_string_length(ca), sums, strlen(sums),
	    json_string_value(sig), json_string_length(sig), eport_now(), why, sizeof why) != 0)
		vbad("SHA256SUMS.p7s", "does not verify against SHA256SUMS and ca.crt (%s)", why);
	own = xasprintf("%s/keys/ca.crt", v->st->home);
	if (read_file(own, &b, 1 << 20) == 0 && (b.len != json_string_length(ca) ||
	    memcmp(b.s, json_string_value(ca), b.len)))
		vbad("ca.crt", "not this office's CA certificate ('%s')", own);
	free(own);
	buf_free(&b);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One case directory (mine: its files, path in it -> SHA-256) against its
 * commit: case.json, history.jsonl and the documents the same bytes (masked
 * as -m would, in a masked archive). */
static void
check_case(struct vctx *v, const char *id, json_t *mine, json_t *kept, int masked)
{
	char *cpath = xasprintf("%s/COMMIT", id), *path, hex[13];
	const char *commit = json_string_value(json_object_get(kept, cpath)), *p;
	git_commit *c = NULL;
	git_oid oid, ref;
	json_t *blobs = NULL, *j, *tc;
	struct buf cj = { 0 }, hj = { 0 };

	if (!commit) {
		vbad(cpath, "missing");
		goto out;
	}
	if (strlen(commit) != 41 || commit[40] != '\n' || !is_hex(commit, 40)) {
		vbad(cpath, "not a commit id");
		goto out;
	}
	if (git_oid_fromstrn(&oid, commit, 40) < 0 || git_commit_lookup(&c, v->st->repo, &oid) < 0 ||
	    !(blobs = commit_blobs(c))) {
		vbad(cpath, "commit %.40s is not in docs.git", commit);
		goto out;
	}
	git_oid_tostr(hex, sizeof hex, &oid);
	path = xasprintf("refs/cases/%s", id);
	if (git_reference_name_to_id(&ref, v->st->repo, path) < 0)
		vbad(cpath, "docs.git has no %s", path);
	else if (!git_oid_equal(&ref, &oid) && git_graph_descendant_of(v->st->repo, &ref, &oid) != 1)
		vbad(cpath, "commit %s is not on %s", hex, path);
	free(path);
	json_object_foreach(blobs, p, j) {
		int text = !strcmp(p, "case.json") || !strcmp(p, "history.jsonl");
		const char *have;
		char sum[65];
		size_t size;

		git_oid_fromstr(&oid, json_string_value(j));
		if (masked) {
			if (text && blob_read(v->st, &oid, !strcmp(p, "case.json") ? &cj : &hj) < 0)
				vbad(id, "docs.git: %s", eport_git_err());
			continue;
		}
		path = xasprintf("%s/%s", id, p);
		if (blob_sum(v->st, &oid, sum, &size) < 0)
			vbad(path, "docs.git: %s", eport_git_err());
		else if (!(have = json_string_value(json_object_get(mine, p))))
			vbad(path, "missing (in commit %s)", hex);
		else if (strcmp(have, sum))
			vbad(path, "differs from commit %s", hex);
		free(path);
	}
	if (masked) {
		const char *names[] = { "case.json", "history.jsonl" };
		struct buf *bufs[] = { &cj, &hj };

		if (!cj.s || mask_case(&cj, &hj) < 0) {
			vbad(id, "case.json or history.jsonl of commit %s is not JSON", hex);
		} else {
			for (int i = 0; i < 2; i++) {
				const char *have;
				char sum[65];

				path = xasprintf("%s/%s", id, names[i]);
				sha256_hex(bufs[i]->s ? bufs[i]->s : "", bufs[i]->len, sum);
				if (!(have = json_string_value(json_object_get(mine, names[i]))))
					vbad(path, "missing (in commit %s)", hex);
				else if (strcmp(have, sum))
					vbad(path, "differs from commit %s, masked", hex);
				free(path);
			}
		}
	}
	/* the commit is the case's own */
	cj.len = 0;
	if (repo_read_blob(v->st, git_oid_tostr_s(git_commit_id(c)), "case.json", &cj) == 0 &&
	    (tc = json_loadb(cj.s, cj.len, 0, NULL))) {
		if (strcmp(jstr(tc, "id"), id))
			vbad(cpath, "commit %s is case '%s'", hex, jstr(tc, "id"));
		json_decref(tc);
	}
	json_object_foreach(mine, p, j) {
		size_t n = strlen(p);

		if (!strcmp(p, "COMMIT") || (!masked && json_object_get(blobs, p)))
			continue;
		if (masked && (!strcmp(p, "case.json") || !strcmp(p, "history.jsonl")))
			continue;
		if (!masked && !strncmp(p, "certs/", 6) && n > 10 && !strchr(p + 6, '/') &&
		    !strcmp(p + n - 4, ".pem"))
			continue;
		path = xasprintf("%s/%s", id, p);
		vbad(path, masked ? N_("in a masked archive") : N_("not in commit %s"), hex);
		free(path);
	}
out:
	buf_free(&cj);
	buf_free(&hj);
	json_decref(blobs);
	git_commit_free(c);
	free(cpath);
}

int
export_verify(struct eport *st, const char *name, export_bad_fn bad, void *arg, char *err,
    size_t errlen)
{
	json_t *files = json_object(), *kept = json_object(), *ids = json_object(), *j;
	struct vctx vc = { st, bad, arg }, *v = &vc;
	const char *readme, *sums, *p;
	char **list;
	size_t n = 0;
	int masked = 0, rc;

	if ((rc = read_archive(v, name, files, kept, err, errlen)))
		goto out;
	if (!(sums = json_string_value(json_object_get(kept, "SHA256SUMS"))))
		vbad("SHA256SUMS", "missing");
	else
		check_sums(v, files, sums);
	if (sums)
		check_signature(v, kept, sums);
	if (!(readme = json_string_value(json_object_get(kept, "README"))))
		vbad("README", "missing");
	else
		masked = strstr(readme, "\nMasked: yes\n") != NULL;
	/* the files of each case directory: id -> {path in it -> sum} */
	json_object_foreach(files, p, j) {
		const char *s = strchr(p, '/');
		json_t *mine;
		char *id;

		if (!s) {
			if (strcmp(p, "SHA256SUMS") && strcmp(p, "README") && strcmp(p, "ca.crt") &&
			    strcmp(p, "SHA256SUMS.p7s"))
				vbad(p, "not written by eport-export");
			continue;
		}
		id = strndup(p, s - p);
		if (!(mine = json_object_get(ids, id)))
			json_object_set_new(ids, id, mine = json_object());
		json_object_set(mine, s + 1, j);
		free(id);
	}
	list = xcalloc(json_object_size(ids) + 1, sizeof *list);
	json_object_foreach(ids, p, j)
		list[n++] = (char *)p;
	qsort(list, n, sizeof *list, cmp_str);
	for (size_t i = 0; i < n; i++)
		check_case(v, list[i], json_object_get(ids, list[i]), kept, masked);
	free(list);
	rc = 0;
out:
	json_decref(ids);
	json_decref(files);
	json_decref(kept);
	return rc < 0 ? -1 : 0;
}
