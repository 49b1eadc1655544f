/* eport-check: check cases against the office's rulebook (share/eport/
 * rules.tsv and kinds.tsv) and what the store knows (cards, orders, closed
 * enterprises).  Stored cases, by id from the arguments or stdin, become
 * `checked` (no blocking finding) or `incomplete`, with the findings in the
 * case and in the history event.  -f checks records from a file without
 * storing anything.  Prints `id severity rule path message` per finding;
 * -q prints only the ids of cases with no blocking finding. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static int dry, qflag;
static struct out out;
static struct rulebook *rb;
static const char *const cols[] = { "id", "severity", "rule", "path", "message", NULL };
static const char *const qcols[] = { "id", NULL };

static const char usage_text[] = N_("usage: eport-check [-jnq] [CASE...]\n"
    "       eport-check [-jq] -f FILE|-\n");

/* What to print for one checked record: its findings, or with -q its id
 * when nothing blocks; blocking findings make the exit status 1. */
static void
report(const char *id, const json_t *findings)
{
	size_t i;
	json_t *f, *row;
	int block = rules_blocking(findings);

	if (block && eport_status < 1)
		eport_status = 1;
	if (qflag) {
		if (!block) {
			row = json_pack("{s:s}", "id", id);
			out_row(&out, row);
			json_decref(row);
		}
		return;
	}
	json_array_foreach(findings, i, f) {
		row = json_pack("{s:s, s:O, s:O, s:O, s:O}", "id", id,
		    "severity", json_object_get(f, "severity"), "rule", json_object_get(f, "rule"),
		    "path", json_object_get(f, "path"), "message", json_object_get(f, "message"));
		out_row(&out, row);
		json_decref(row);
	}
}

/* A stored document's bytes: its blob in docs.git. */
static int
blob_bytes(void *arg, const json_t *doc, struct buf *b)
{
	struct store_env *e = arg;
	git_oid oid;
	git_blob *blob;
	size_t n;

	if (git_oid_fromstr(&oid, jstr(doc, "blob")) < 0 ||
	    git_blob_lookup(&blob, e->st->repo, &oid) < 0)
		return -1;
	n = git_blob_rawsize(blob);
	buf_add(b, git_blob_rawcontent(blob), n > RULES_UPLOAD_MAX + 1 ? RULES_UPLOAD_MAX + 1 : n);
	git_blob_free(blob);
	return 0;
}

static int
check_case(struct eport *st, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	const char *state = jstr(kase, "state");
	struct store_env se = { st, txn };
	struct check_env env = { 0 };
	struct step step = { .action = "check" };
	json_t *findings, *f;
	char at[32], *why;
	size_t i, nblock = 0, nwarn = 0;
	int rc;

	(void)arg;
	if (strcmp(state, "received") && strcmp(state, "checked") && strcmp(state, "incomplete")) {
		snprintf(st->errbuf, sizeof st->errbuf,
		    _("case is %s; check takes received, checked or incomplete"), state);
		return 1;
	}
	store_check_env(&env, &se);
	env.self_id = it->id;
	env.doc_bytes = blob_bytes;
	findings = rules_check(rb, kase, &env);
	json_array_foreach(findings, i, f)
		*(strcmp(jstr(f, "severity"), "block") ? &nwarn : &nblock) += 1;
	step.to = nblock ? "incomplete" : "checked";
	why = nblock || nwarn ?
	    xasprintf("%zu blocking, %zu warning%s", nblock, nwarn, nwarn == 1 ? "" : "s") :
	    xstrdup("no finding");
	step.why = why;
	/* the rulebook it was checked with: its layers as read */
	step.extra = json_pack("{s:O, s:s}", "findings", findings, "checked_with",
	    rules_digest(rb));
	fmt_time(eport_now(), at);
	json_object_set(kase, "findings", findings);
	json_object_set_new(kase, "checked", json_string(at));
	json_object_set_new(kase, "checked_with", json_string(rules_digest(rb)));
	rc = case_step(st, txn, kase, &step);
	free(why);
	*row = findings;
	return rc;
}

/* -n: the same checks in one read transaction, with no step: what a check
 * would find, from a store that cannot be written too (a read-only copy,
 * an archive), and without waiting for the writers' lock. */
struct dry {
	struct eport *st;
	MDB_txn *txn;
};

static void
dry_one(const char *id, void *arg)
{
	struct dry *d = arg;
	struct store_env se = { d->st, d->txn };
	struct check_env env = { 0 };
	json_t *kase = case_get(d->st, d->txn, id), *findings;
	const char *state;

	if (!kase) {
		refuse("%s: no such case", id);
		return;
	}
	state = jstr(kase, "state");
	if (strcmp(state, "received") && strcmp(state, "checked") && strcmp(state, "incomplete")) {
		refuse("%s: case is %s; check takes received, checked or incomplete", id, state);
		json_decref(kase);
		return;
	}
	store_check_env(&env, &se);
	env.self_id = id;
	env.doc_bytes = blob_bytes;
	findings = rules_check(rb, kase, &env);
	report(id, findings);
	json_decref(findings);
	json_decref(kase);
}

static void
check_dry(int argc, char **argv)
{
	struct eport st;
	struct dry d = { &st, NULL };
	int rc;

	if (eport_open(&st, EPORT_RDONLY) < 0)
		die("%s", st.errbuf);
	if ((rc = store_read(&st, &d.txn)))
		die("db: %s", store_err(rc));
	for_each_id(argc, argv, dry_one, &d);
	mdb_txn_abort(d.txn);
	eport_close(&st);
}

static void
after_check(const char *id, const json_t *findings, void *arg)
{
	(void)arg;
	report(id, findings);
}

/* -f's documents: their bytes, read from the files the record names */
static json_t *fdocs;
static struct buf *fbytes;

static int
file_bytes(void *arg, const json_t *doc, struct buf *b)
{
	size_t i;
	json_t *d;

	(void)arg;
	json_array_foreach(fdocs, i, d)
		if (d == doc && fbytes[i].s) {
			buf_add(b, fbytes[i].s, fbytes[i].len);
			return 0;
		}
	return -1;
}

/* -f: records from a file, checked against the store if there is one, and
 * nothing written. */
static void
check_file(const char *path)
{
	struct eport st;
	struct store_env se = { &st, NULL };
	struct check_env env = { 0 };
	char dir[PATH_MAX], *slash;
	struct origin o;
	FILE *fp = stdin;
	struct rdr *r;
	json_t *rec;
	int rc, have_store;

	if (strcmp(path, "-") && !(fp = fopen(path, "rb")))
		die("cannot open '%s':", path);
	if (fp == stdin ? !getcwd(dir, sizeof dir) : !realpath(path, dir))
		die("%s:", path);
	if (fp != stdin && (slash = strrchr(dir, '/')))
		*(slash == dir ? slash + 1 : slash) = '\0';
	have_store = eport_open(&st, EPORT_RDONLY | EPORT_NOREPO) == 0;
	origin_at(&o, dir, have_store ? st.home : NULL);
	if (have_store) {
		if ((rc = store_read(&st, &se.txn)))
			die("db: %s", store_err(rc));
		store_check_env(&env, &se);
	}
	env.doc_bytes = file_bytes;
	r = rdr_open(fp, fp == stdin ? "<stdin>" : path);
	while ((rc = rdr_next(r, &rec)) != 0) {
		json_t *findings, *d;
		struct buf err = { 0 };
		char *pos, why[PATH_MAX + 64];
		const char *id;
		size_t i, nbytes = 0;
		char *self = NULL;
		MDB_val v;

		if (rc < 0) {
			refuse("%s", rdr_error(r));
			if (rc == -2)
				break;
			continue;
		}
		pos = xasprintf("%s:%ld", rdr_name(r), rdr_line(r));
		if (case_validate(rec, &err) < 0) {
			refuse("%s: %s", pos, err.s);
			goto next;
		}
		/* the files the record names, read as eport-apply would */
		fdocs = json_object_get(rec, "documents");
		nbytes = json_array_size(fdocs);
		fbytes = xcalloc(nbytes + 1, sizeof *fbytes);
		json_array_foreach(fdocs, i, d) {
			if (!json_is_string(json_object_get(d, "file")))
				continue;
			if (origin_read(&o, jstr(d, "file"), &fbytes[i], why, sizeof why) < 0) {
				refuse("%s: documents.%zu.file: %s", pos, i + 1, why);
				goto next;
			}
			doc_record(NULL, d, fbytes[i].s, fbytes[i].len);
		}
		/* a record already taken in is that case, and holds its own order */
		env.self_id = NULL;
		if (have_store && db_get(&st, se.txn, DB_REF, jstr(rec, "ref"), &v) == 0)
			env.self_id = self = strndup(v.mv_data, v.mv_size);
		findings = rules_check(rb, rec, &env);
		id = *jstr(rec, "id") ? jstr(rec, "id") : *jstr(rec, "ref") ? jstr(rec, "ref") : pos;
		report(id, findings);
		json_decref(findings);
next:
		free(self);
		for (i = 0; fbytes && i < nbytes; i++)
			buf_free(&fbytes[i]);
		free(fbytes);
		fbytes = NULL;
		buf_free(&err);
		free(pos);
		json_decref(rec);
	}
	rdr_close(r);
	if (fp != stdin)
		fclose(fp);
	if (have_store) {
		mdb_txn_abort(se.txn);
		eport_close(&st);
	}
}

int
main(int argc, char *argv[])
{
	struct eport st;
	struct each each = { .fn = check_case, .after = after_check };
	const char *file = NULL;
	char err[512];
	int c;

	eport_start(argc, argv, usage_text);
	while ((c = getopt(argc, argv, "f:jnqh")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'j':
			out.json = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'q':
			qflag = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (file && argc)
		eport_usage(2);
	out.fp = stdout;
	out.cols = qflag ? qcols : cols;
	if (!(rb = rules_load(eport_home(), err, sizeof err)))
		die("%s", err);
	if (file) {
		check_file(file);
	} else if (dry) {
		check_dry(argc, argv);
	} else {
		if (eport_open(&st, 0) < 0)
			die("%s", st.errbuf);
		cases_each(&st, argc, argv, &each);
		eport_close(&st);
	}
	rules_free(rb);
	return eport_exit();
}
