/* eport-export: an audit archive of cases, and its verification.
 * -o ARCHIVE [CASE...]: for each case (ids from the arguments or stdin)
 * <id>/COMMIT, and from that commit of docs.git <id>/case.json,
 * <id>/history.jsonl and <id>/docs/..., and from the registry the
 * certificates of its cards as <id>/certs/<card>.pem; at the top README and
 * SHA256SUMS, which `sha256sum -c` checks.  The format follows the name
 * (.tar, .tar.gz, .tar.xz, .zip), and the same cases give the same bytes:
 * entries sorted, owned by root, modes 0644 and 0755, dated by their case's
 * commit, no compressor timestamp.  -m masks identity and phone numbers and
 * leaves the documents and certificates out.  The archive is written
 * nameless (O_TMPFILE) and named once whole, so that even kill -9 leaves
 * nothing behind; an old archive is replaced in one rename.
 * -V ARCHIVE: checks the sums, and every case against its commit. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "eport.h"


static int mflag, dry;
static struct eport st;
static MDB_txn *txn;

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
static struct ent *ents;
static size_t nents, capents;
static json_t *cases;		/* id -> the time of its commit */
static int bad_case;
static char *volatile tmpname;
static mode_t user_umask;	/* eport_open makes it 077 for the store */

static const char usage_text[] = N_("usage: eport-export [-mn] -o ARCHIVE [CASE...]\n"
    "       eport-export -V ARCHIVE\n");

static struct ent *
ent_new(const char *path, time_t mtime)
{
	struct ent *e;

	if (nents == capents) {
		capents = capents ? capents * 2 : 256;
		ents = xrealloc(ents, capents * sizeof *ents);
	}
	e = &ents[nents++];
	memset(e, 0, sizeof *e);
	e->path = xstrdup(path);
	e->mtime = mtime;
	return e;
}

static void
ent_data(const char *path, time_t mtime, const void *p, size_t n)
{
	struct ent *e = ent_new(path, mtime);

	buf_add(&e->data, p, n);
	e->size = n;
	sha256_hex(e->data.s, n, e->sum);
}

static int
blob_sum(const git_oid *oid, char sum[65], size_t *size)
{
	git_blob *b;

	if (git_blob_lookup(&b, st.repo, oid) < 0)
		return -1;
	*size = git_blob_rawsize(b);
	sha256_hex(git_blob_rawcontent(b), *size, sum);
	git_blob_free(b);
	return 0;
}

static int
blob_read(const git_oid *oid, struct buf *out)
{
	git_blob *b;

	if (git_blob_lookup(&b, st.repo, oid) < 0)
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

/* The certificates of the case's cards: the cards it wrote and those sent
 * in, where the registry holds a certificate. */
static void
add_certs(const char *id, const json_t *kase, time_t mtime)
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

		if (strchr(num, '/') || !path_is_safe(num) || !(card = card_get(&st, txn, num)))
			continue;
		pem = jstr(card, "cert");
		if (*pem) {
			path = xasprintf("%s/certs/%s.pem", id, num);
			ent_data(path, mtime, pem, strlen(pem));
			free(path);
		}
		json_decref(card);
	}
	json_decref(nums);
}

static void
add_case(const char *id, void *arg)
{
	json_t *kase, *blobs = NULL, *v;
	git_commit *c = NULL;
	struct buf cj = { 0 }, hj = { 0 };
	const char *hex, *path;
	char *cpath, *cline;
	git_oid oid;
	time_t t;

	(void)arg;
	if (json_object_get(cases, id))
		return;
	if (strchr(id, '/') || !(kase = case_get(&st, txn, id))) {
		refuse("%s: no such case", id);
		bad_case = 1;
		return;
	}
	hex = jstr(kase, "commit");
	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&c, st.repo, &oid) < 0 ||
	    !(blobs = commit_blobs(c))) {
		refuse("%s: commit '%s' is not in docs.git: %s%s", id, hex, eport_git_err(),
		    repo_unreadable(&st));
		bad_case = 1;
		goto out;
	}
	t = git_commit_time(c);
	json_object_set_new(cases, id, json_integer(t));
	cpath = xasprintf("%s/COMMIT", id);
	cline = xasprintf("%s\n", hex);
	ent_data(cpath, t, cline, strlen(cline));
	free(cpath);
	free(cline);
	json_object_foreach(blobs, path, v) {
		int text = !strcmp(path, "case.json") || !strcmp(path, "history.jsonl");
		struct ent *e;
		char *p;

		git_oid_fromstr(&oid, json_string_value(v));
		if (mflag) {
			if (text && blob_read(&oid, !strcmp(path, "case.json") ? &cj : &hj) < 0)
				goto gitfail;
			continue;
		}
		p = xasprintf("%s/%s", id, path);
		e = ent_new(p, t);
		free(p);
		e->has_blob = 1;
		e->blob = oid;
		if (blob_sum(&oid, e->sum, &e->size) < 0)
			goto gitfail;
	}
	if (mflag) {
		char *p;

		if (!cj.s || mask_case(&cj, &hj) < 0) {
			refuse("%s: case.json or history.jsonl of commit '%s' is not JSON", id, hex);
			bad_case = 1;
			goto out;
		}
		p = xasprintf("%s/case.json", id);
		ent_data(p, t, cj.s, cj.len);
		free(p);
		p = xasprintf("%s/history.jsonl", id);
		ent_data(p, t, hj.s ? hj.s : "", hj.len);
		free(p);
	} else {
		add_certs(id, kase, t);
	}
	goto out;
gitfail:
	refuse("%s: docs.git: %s", id, eport_git_err());
	bad_case = 1;
out:
	buf_free(&cj);
	buf_free(&hj);
	json_decref(blobs);
	git_commit_free(c);
	json_decref(kase);
}

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
    "Check every file with:  sha256sum -c SHA256SUMS\n"
    "SHA256SUMS is signed by the office CA, whose certificate is ca.crt (compare\n"
    "its fingerprint with the one the office publishes); check the signature with:\n"
    "  openssl cms -verify -binary -inform DER -CAfile ca.crt -content SHA256SUMS \\\n"
    "    -in SHA256SUMS.p7s -out /dev/null\n"
    "At the office, eport-export -V checks the archive against the repository.\n";
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
    "Check every file with:  sha256sum -c SHA256SUMS\n"
    "SHA256SUMS is signed by the office CA, whose certificate is ca.crt (compare\n"
    "its fingerprint with the one the office publishes); check the signature with:\n"
    "  openssl cms -verify -binary -inform DER -CAfile ca.crt -content SHA256SUMS \\\n"
    "    -in SHA256SUMS.p7s -out /dev/null\n"
    "At the office, eport-export -V checks the archive against the repository.\n";

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->path, ((const struct ent *)b)->path);
}

/* The directories of the entries, README and SHA256SUMS, all sorted. */
static void
finish(void)
{
	json_t *dirs = json_object(), *v;
	const char *d;
	struct buf sums = { 0 }, b = { 0 };
	char *path, *ca, err[512];
	time_t newest = 0;
	size_t i, n = nents;

	for (i = 0; i < n; i++) {
		char *p = xstrdup(ents[i].path), *s;

		for (s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
			char c = s[1];

			s[1] = '\0';
			if (!json_object_get(dirs, p))
				json_object_set_new(dirs, p, json_integer(ents[i].mtime));
			s[1] = c;
		}
		free(p);
		if (ents[i].mtime > newest)
			newest = ents[i].mtime;
	}
	json_object_foreach(dirs, d, v)
		ent_new(d, json_integer_value(v))->dir = 1;
	ent_data("README", newest, mflag ? readme_masked : readme_plain,
	    strlen(mflag ? readme_masked : readme_plain));
	/* the office CA's certificate, and its signature of SHA256SUMS: an
	 * auditor away from the office checks both offline */
	path = xasprintf("%s/keys", st.home);
	ca = xasprintf("%s/ca.crt", path);
	if (read_file(ca, &b, 1 << 20) < 0)
		die("cannot read '%s': %s: the archive is signed with the office CA's key, which "
		    "this store lacks (a store restored without its keys: eport-init --from ... -k DIR)",
		    ca, strerror(errno));
	ent_data("ca.crt", newest, b.s, b.len);
	qsort(ents, nents, sizeof *ents, by_path);
	for (i = 0; i < nents; i++)
		if (!ents[i].dir)
			buf_printf(&sums, "%s  %s\n", ents[i].sum, ents[i].path);
	ent_data("SHA256SUMS", newest, sums.s, sums.len);
	b.len = 0;
	if (pki_sign_detached(path, sums.s, sums.len, &b, err, sizeof err) < 0)
		die("SHA256SUMS: %s", err);
	ent_data("SHA256SUMS.p7s", newest, b.s, b.len);
	qsort(ents, nents, sizeof *ents, by_path);
	buf_free(&sums);
	buf_free(&b);
	free(path);
	free(ca);
	json_decref(dirs);
}

enum { F_TAR, F_GZ, F_XZ, F_ZIP };

static int
format_of(const char *name)
{
	static const struct { const char *ext; int f; } ext[] = {
		{ ".tar", F_TAR }, { ".tar.gz", F_GZ }, { ".tgz", F_GZ },
		{ ".tar.xz", F_XZ }, { ".txz", F_XZ }, { ".zip", F_ZIP },
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < LEN(ext); i++) {
		size_t m = strlen(ext[i].ext);

		if (n > m && !strcmp(name + n - m, ext[i].ext))
			return ext[i].f;
	}
	die("'%s': name the archive .tar, .tar.gz, .tar.xz or .zip", name);
}

static void
on_signal(int sig)
{
	if (tmpname)
		unlink(tmpname);
	signal(sig, SIG_DFL);
	raise(sig);
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
write_entries(struct archive *a)
{
	struct archive_entry *e = archive_entry_new();
	struct buf b = { 0 };
	int rc = 0;

	for (size_t i = 0; i < nents && !rc; i++) {
		struct ent *x = &ents[i];

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
		if (x->has_blob && blob_read(&x->blob, &b) < 0) {
			warnx("%s: docs.git: %s", x->path, eport_git_err());
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
 * signal handler removes that name, for the moment it exists). */
static int
give_name(int fd, const char *dir, const char *base, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	tmpname = xasprintf("%s/.%s.%ld", dir, base, (long)getpid());
	unlink(tmpname);
	return linkat(AT_FDCWD, proc, AT_FDCWD, tmpname, AT_SYMLINK_FOLLOW);
}

static void
write_archive(const char *name)
{
	int f = format_of(name), fd, rc;
	char *d = xstrdup(name), *b = xstrdup(name), *dir;
	struct archive *a;
	struct sigaction sa = { 0 };

	dir = dirname(d);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* a file with no name until it is whole, so that even kill -9 leaves
	 * nothing behind; where the file system has none, a hidden name */
	if ((fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) < 0) {
		tmpname = xasprintf("%s/.%s.XXXXXX", dir, basename(b));
		if ((fd = mkstemp(tmpname)) < 0)
			die("cannot create '%s':", tmpname);
	}
	/* zip stores local times: the office's, wherever it is written */
	setenv("TZ", "CST-8", 1);
	tzset();
	a = archive_write_new();
	if (f == F_ZIP) {
		rc = archive_write_set_format_zip(a);
	} else {
		rc = archive_write_set_format_ustar(a);
		if (!rc && f == F_GZ && !(rc = archive_write_add_filter_gzip(a)))
			rc = archive_write_set_options(a, "gzip:!timestamp");
		if (!rc && f == F_XZ && !(rc = archive_write_add_filter_xz(a)))
			rc = archive_write_set_options(a, "xz:threads=1");
	}
	if (rc || archive_write_open_fd(a, fd) != ARCHIVE_OK ||
	    (rc = write_entries(a)) || archive_write_close(a) != ARCHIVE_OK) {
		if (rc != -2)
			warnx("'%s': %s", name, archive_error_string(a));
		goto fail;
	}
	if (fchmod(fd, 0666 & ~user_umask) < 0 || fsync(fd) < 0) {
		warnx("'%s':", name);
		goto fail;
	}
	if (!tmpname && give_name(fd, dir, basename(b), name) < 0) {
		warnx("cannot write '%s':", name);
		goto fail;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0 || (tmpname && rename(tmpname, name) < 0)) {
		warnx("cannot write '%s':", name);
		goto fail;
	}
	archive_write_free(a);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(tmpname);
	tmpname = NULL;
	free(d);
	free(b);
	return;
fail:
	archive_write_free(a);
	if (fd >= 0)
		close(fd);
	if (tmpname)
		unlink(tmpname);
	free(tmpname);
	tmpname = NULL;
	free(d);
	free(b);
	die("'%s' not written", name);
}

static void
export(const char *name, int argc, char **argv)
{
	int rc;

	if (eport_open(&st, EPORT_RDONLY) < 0)
		die("%s", st.errbuf);
	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	cases = json_object();
	for_each_id(argc, argv, add_case, NULL);
	if (bad_case || !json_object_size(cases)) {
		if (!bad_case)
			refuse("no cases to export");
		refuse("'%s' not written", name);
	} else {
		finish();
		if (!dry)
			write_archive(name);
	}
	for (size_t i = 0; i < nents; i++) {
		free(ents[i].path);
		buf_free(&ents[i].data);
	}
	free(ents);
	json_decref(cases);
	mdb_txn_abort(txn);
	eport_close(&st);
}

/* -V: each finding "ARCHIVE: PATH: what", or "ARCHIVE: what" of the
 * archive as a whole */
static void
vbad_print(const char *path, const char *what, void *arg)
{
	const char *name = arg;

	if (path)
		refuse("%s: %s: %s", name, path, what);
	else
		refuse("%s: %s", name, what);
}

static void
verify(const char *name)
{
	char err[1024];

	if (eport_open(&st, EPORT_RDONLY) < 0)
		die("%s", st.errbuf);
	if (export_verify(&st, name, vbad_print, (void *)name, err, sizeof err) < 0)
		die("%s", err);
	eport_close(&st);
}

int
main(int argc, char *argv[])
{
	const char *out = NULL, *check = NULL;
	int c;

	eport_start(argc, argv, usage_text);
	user_umask = umask(0);
	umask(user_umask);
	while ((c = getopt(argc, argv, "mno:V:h")) != -1) {
		switch (c) {
		case 'm':
			mflag = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'V':
			check = optarg;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (!out == !check || (check && (argc || mflag || dry)))
		eport_usage(2);
	if (check) {
		verify(check);
	} else {
		format_of(out);
		export(out, argc, argv);
	}
	return eport_exit();
}
