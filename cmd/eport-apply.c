/* eport-apply: take in case records.  Reads JSON Lines or TSV files (or
 * stdin) and bundles; stores each record that can be stored as a new case,
 * its documents' bytes in the case's git tree and their SHA-256 in the
 * record; prints `id type uscc state ref` per record, after its transaction
 * committed.  A record that cannot be stored is refused on stderr with its
 * position, and nothing of it reaches the store. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "each.h"

static int dry, jflag;
static long batch_max = 1000, batch_ms = 1000, max_docs = 200;
static struct out out;
static const char *const cols[] = { "id", "type", "uscc", "state", "ref", NULL };

struct pending {
	json_t *rec;
	char *source;
};

static struct batch {
	struct pending *it;
	size_t n, cap;
	struct timespec start;
	json_t *rows;		/* what to print once committed */
	json_t *seen;		/* notes for records already taken in */
	struct moves mv;	/* refs to move: one per new case */
} B;

static unsigned long taken, progress_at;

static const char usage_text[] = N_("usage: eport-apply [-jn] [FILE|BUNDLE...]\n");

static int
apply_txn(struct eport *st, MDB_txn *txn, void *arg)
{
	(void)arg;
	json_array_clear(B.rows);
	json_array_clear(B.seen);
	for (size_t i = 0; i < B.n; i++) {
		json_t *kase;
		int existing, rc;
		git_oid oid;

		rc = case_create(st, txn, B.it[i].rec, B.it[i].source, &kase, &existing, &oid);
		if (rc)
			return rc;
		json_array_append_new(B.rows, case_row(kase));
		if (existing) {
			json_array_append_new(B.seen, json_pack("{s:s, s:s, s:s}", "source",
			    B.it[i].source, "ref", jstr(kase, "ref"), "id", jstr(kase, "id")));
		} else
			moves_add(&B.mv, jstr(kase, "id"), &oid);
		json_decref(kase);
	}
	/* store_write writes the batch's objects, the registry's with them,
	 * one pack, before the cases */
	return 0;
}

static void
flush(struct eport *st)
{
	size_t i;
	json_t *r;

	if (!B.n)
		return;
	if (!dry) {
		if (eport_commit(st, apply_txn, NULL, &B.mv))
			die("%s", st->errbuf);
		json_array_foreach(B.seen, i, r)
			warnx("%s: ref '%s' was taken in before as %s", jstr(r, "source"),
			    jstr(r, "ref"), jstr(r, "id"));
	} else {
		json_array_clear(B.rows);
		for (i = 0; i < B.n; i++) {
			json_t *k = json_deep_copy(B.it[i].rec);

			json_object_set_new(k, "id", json_string("-"));
			json_object_set_new(k, "state", json_string("received"));
			json_array_append_new(B.rows, case_row(k));
			json_decref(k);
		}
	}
	json_array_foreach(B.rows, i, r)
		out_row(&out, r);
	fflush(stdout);
	taken += B.n;
	for (i = 0; i < B.n; i++) {
		json_decref(B.it[i].rec);
		free(B.it[i].source);
	}
	B.n = 0;
}

static void
add(struct eport *st, json_t *rec, const char *source)
{
	if (B.n == B.cap) {
		B.cap = B.cap ? B.cap * 2 : 64;
		B.it = xrealloc(B.it, B.cap * sizeof *B.it);
	}
	if (!B.n)
		clock_gettime(CLOCK_MONOTONIC, &B.start);
	B.it[B.n].rec = rec;
	B.it[B.n++].source = xstrdup(source);
	if ((long)B.n >= batch_max || ms_since(&B.start) >= batch_ms)
		flush(st);
	if (isatty(2) && taken + B.n >= progress_at + 1000) {
		progress_at = taken + B.n;
		fprintf(stderr, "\r%s: ", argv0);
		fprintf(stderr, ngettext("%lu record", "%lu records", progress_at), progress_at);
	}
}

/* Read every document of the record, and only when all are there write
 * their blobs: a refused record leaves nothing behind. */
static int
store_docs(struct eport *st, json_t *rec, const struct origin *o, const char *pos)
{
	json_t *docs = json_object_get(rec, "documents"), *d;
	size_t i, n = json_array_size(docs);
	struct buf *bytes = xcalloc(n, sizeof *bytes);
	char why[PATH_MAX + 64];
	int rc = 0;

	json_array_foreach(docs, i, d) {
		const char *file = json_string_value(json_object_get(d, "file"));

		if (!file)
			continue;
		if (origin_read(o, file, &bytes[i], why, sizeof why) < 0) {
			refuse("%s: documents.%zu.file: %s", pos, i + 1, why);
			rc = -1;
			goto out;
		}
	}
	json_array_foreach(docs, i, d)
		if (bytes[i].s && doc_record(dry ? NULL : st, d, bytes[i].s, bytes[i].len) < 0)
			die("docs.git: %s", eport_git_err());
out:
	for (i = 0; i < n; i++)
		buf_free(&bytes[i]);
	free(bytes);
	return rc;
}

static void
take(struct eport *st, json_t *rec, const struct origin *o, const char *pos)
{
	struct buf err = { 0 };
	size_t ndocs = json_array_size(json_object_get(rec, "documents"));

	if (case_validate(rec, &err) < 0) {
		refuse("%s: %s", pos, err.s);
		buf_free(&err);
		json_decref(rec);
		return;
	}
	if ((long)ndocs > max_docs) {
		refuse("%s: documents: %zu documents; a case holds at most %ld (case.max-documents)",
		    pos, ndocs, max_docs);
		json_decref(rec);
		return;
	}
	if (store_docs(st, rec, o, pos) < 0) {
		json_decref(rec);
		return;
	}
	add(st, rec, pos);
}

/* The records of fp, each taken in or refused; how many there were. */
static long
read_records(struct eport *st, FILE *fp, const char *name, const struct origin *o)
{
	struct rdr *r = rdr_open(fp, name);
	json_t *rec;
	long n = 0;
	int rc;

	while ((rc = rdr_next(r, &rec)) != 0) {
		n++;
		if (rc < 0) {
			refuse("%s", rdr_error(r));
			if (rc == -2)
				break;
			continue;
		}
		char *pos = xasprintf("%s:%ld", name, rdr_line(r));
		take(st, rec, o, pos);
		free(pos);
	}
	rdr_close(r);
	return n;
}

static void
read_bundle(struct eport *st, const char *path)
{
	char err[512];
	struct bundle *b = bundle_open(path, err, sizeof err);
	struct origin o = { .bundle = b };
	const char *name;
	const struct buf *cases;
	json_t *rec;
	char *label;

	if (!b) {
		refuse("%s: %s", path, err);
		return;
	}
	name = bundle_cases(b);
	cases = bundle_file(b, name);
	label = xasprintf("%s:%s", path, name);
	/* case.json may be one object over many lines */
	if (!strcmp(name, "case.json") &&
	    (rec = json_loadb(cases->s, cases->len, JSON_REJECT_DUPLICATES, NULL)) &&
	    json_is_object(rec)) {
		char *pos = xasprintf("%s:1", label);

		take(st, rec, &o, pos);
		free(pos);
	} else {
		FILE *fp = fmemopen(cases->s, cases->len ? cases->len : 1, "r");

		if (!fp)
			die("fmemopen:");
		if (!cases->len)
			fgetc(fp);
		/* a bundle is an application: one with nothing in it is refused */
		if (read_records(st, fp, label, &o) == 0)
			refuse("%s: no record", label);
		fclose(fp);
	}
	free(label);
	flush(st);
	bundle_free(b);
}

/* A stream that cannot be read twice (a pipe: /dev/stdin, <(cmd), a
 * FIFO): the bytes read to tell an archive, then the rest. */
struct chain {
	unsigned char head[264];
	size_t n, off;
	FILE *rest;
};

static ssize_t
chain_read(void *arg, char *p, size_t size)
{
	struct chain *c = arg;
	size_t k;

	if (c->off < c->n) {
		k = c->n - c->off < size ? c->n - c->off : size;
		memcpy(p, c->head + c->off, k);
		c->off += k;
		return k;
	}
	k = fread(p, 1, size, c->rest);
	return k || !ferror(c->rest) ? (ssize_t)k : -1;
}

static int
chain_close(void *arg)
{
	struct chain *c = arg;
	int rc = fclose(c->rest);

	free(c);
	return rc;
}

static void
read_stream(struct eport *st, FILE *fp, const char *path, const unsigned char *head, size_t n)
{
	cookie_io_functions_t io = { .read = chain_read, .close = chain_close };
	struct chain *c = xcalloc(1, sizeof *c);
	char cwd[PATH_MAX];
	struct origin o;
	FILE *in;

	memcpy(c->head, head, n);
	c->n = n;
	c->rest = fp;
	if (!(in = fopencookie(c, "r", io)))
		die("fopencookie:");
	/* its documents are where standard input's are */
	if (!getcwd(cwd, sizeof cwd))
		die("getcwd:");
	origin_at(&o, cwd, st->home);
	read_records(st, in, path, &o);
	fclose(in);
}

static void
read_path(struct eport *st, const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char head[264];
	size_t n;
	char dir[PATH_MAX], *slash;
	struct origin o;
	struct stat sb;

	if (!fp) {
		refuse("cannot open '%s':", path);
		return;
	}
	n = fread(head, 1, sizeof head, fp);
	if (fstat(fileno(fp), &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if (is_archive(head, n)) {
			fclose(fp);
			refuse("'%s': a bundle is read from a file, not a pipe or a device: "
			    "save it to a file first", path);
			return;
		}
		read_stream(st, fp, path, head, n);
		return;
	}
	if (is_archive(head, n)) {
		fclose(fp);
		read_bundle(st, path);
		return;
	}
	rewind(fp);
	if (!realpath(path, dir))
		die("%s:", path);
	if ((slash = strrchr(dir, '/')))
		*(slash == dir ? slash + 1 : slash) = '\0';
	origin_at(&o, dir, st->home);
	read_records(st, fp, path, &o);
	fclose(fp);
}

/* stdin's documents are relative to the working directory */
static void
read_stdin(struct eport *st)
{
	char cwd[PATH_MAX];
	struct origin o;

	if (!getcwd(cwd, sizeof cwd))
		die("getcwd:");
	origin_at(&o, cwd, st->home);
	read_records(st, stdin, "<stdin>", &o);
}

int
main(int argc, char *argv[])
{
	struct eport st;
	int c;

	eport_start(argc, argv, usage_text);
	while ((c = getopt(argc, argv, "jnh")) != -1) {
		switch (c) {
		case 'j':
			jflag = 1;
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
	argc -= optind;
	argv += optind;
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	batch_limits(&st, &batch_max, &batch_ms);
	max_docs = cfg_int(&st, "case.max-documents", 200);
	out.fp = stdout;
	out.json = jflag;
	out.cols = cols;
	B.rows = json_array();
	B.seen = json_array();
	if (argc == 0)
		read_stdin(&st);
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-"))
			read_stdin(&st);
		else
			read_path(&st, argv[i]);
	}
	flush(&st);
	if (progress_at) {
		fprintf(stderr, "\r%s: ", argv0);
		fprintf(stderr, ngettext("%lu record", "%lu records", taken), taken);
		fputc('\n', stderr);
	}
	json_decref(B.rows);
	json_decref(B.seen);
	free(B.it);
	moves_free(&B.mv);
	eport_close(&st);
	return eport_exit();
}
