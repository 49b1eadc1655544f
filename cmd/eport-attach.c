/* eport-attach: add documents to a case that is received, incomplete or
 * returned (the materials the office asked for); a returned case goes back
 * to received, to be checked again.  Every file is read before anything is
 * written; the documents' bytes go into the case's git tree, their SHA-256
 * into the case, all in one commit.  A file the case has already, by its
 * SHA-256 (for the kind, holder, seal and copies), is one document:
 * attaching it again, as after a crash before the line was printed, adds
 * nothing.  A case holds at most case.max-documents.  Prints `id state`. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static int sflag;
static long copies = 1, max_docs = 200;
static const char *holder, *kind;
static char **files;
static int nfiles;
static struct buf *bytes;
static struct out out;
static const char *const cols[] = { "id", "state", NULL };

static const char usage_text[] = N_("usage: eport-attach [-jns] [-c COPIES] [-H HOLDER] CASE KIND FILE...\n");

static const char *
base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int
is_holder(const json_t *kase, const char *id_number)
{
	size_t i;
	json_t *h;

	json_array_foreach(json_object_get(kase, "holders"), i, h)
		if (!strcmp(jstr(h, "id_number"), id_number))
			return 1;
	return 0;
}

/* The document with these bytes that says what this one would (kind,
 * holder, sealed, copies), if the case has one */
static const json_t *
attached(const json_t *docs, const char *sum)
{
	size_t i;
	json_t *d, *c;

	json_array_foreach(docs, i, d) {
		c = json_object_get(d, "copies");
		if (!strcmp(jstr(d, "sha256"), sum) && !strcmp(jstr(d, "kind"), kind) &&
		    !strcmp(jstr(d, "holder"), holder ? holder : "") &&
		    json_is_true(json_object_get(d, "sealed")) == sflag &&
		    (c ? json_integer_value(c) : 1) == copies)
			return d;
	}
	return NULL;
}

static int
attach(struct eport *st, MDB_txn *txn, json_t *kase, const struct item *it,
    json_t **row, void *arg)
{
	const char *state = jstr(kase, "state");
	struct step step = { .action = "attach" };
	struct buf why = { 0 };
	json_t *docs;
	char at[32];
	int rc, added = 0;

	(void)it;
	(void)arg;
	if (strcmp(state, "received") && strcmp(state, "incomplete") && strcmp(state, "returned")) {
		snprintf(st->errbuf, sizeof st->errbuf,
		    _("case is %s, not received, incomplete or returned"), state);
		return 1;
	}
	if (holder && !is_holder(kase, holder)) {
		snprintf(st->errbuf, sizeof st->errbuf, _("'%s' is not a holder of the case"), holder);
		return 1;
	}
	if (!json_is_array(docs = json_object_get(kase, "documents"))) {
		docs = json_array();
		json_object_set_new(kase, "documents", docs);
	}
	buf_printf(&why, "%s", kind);
	for (int i = 0; i < nfiles; i++) {
		const json_t *same;
		json_t *d;
		char sum[65];

		/* attached already (a retry after a crash before the line was
		 * printed, or the same file twice): one document */
		sha256_hex(bytes[i].s, bytes[i].len, sum);
		if ((same = attached(docs, sum))) {
			if (json_object_get(same, "path"))
				warnx("%s: '%s' is attached already as %s", jstr(kase, "id"),
				    files[i], jstr(same, "path"));
			else
				warnx("%s: '%s' is attached already (named twice)", jstr(kase, "id"),
				    files[i]);
			continue;
		}
		if ((long)json_array_size(docs) >= max_docs) {
			snprintf(st->errbuf, sizeof st->errbuf,
			    _("'%s': the case holds %zu documents, at most %ld (case.max-documents)"),
			    files[i], json_array_size(docs), max_docs);
			buf_free(&why);
			return 1;
		}
		d = json_pack("{s:s, s:s, s:b, s:i}", "kind", kind, "file", base(files[i]),
		    "sealed", sflag, "copies", (int)copies);
		if (holder)
			json_object_set_new(d, "holder", json_string(holder));
		if (doc_record(st, d, bytes[i].s, bytes[i].len) < 0) {
			snprintf(st->errbuf, sizeof st->errbuf, "docs.git: %s", eport_git_err());
			json_decref(d);
			buf_free(&why);
			return 2;
		}
		json_array_append_new(docs, d);
		buf_printf(&why, "%s%s", added++ ? ", " : " ", base(files[i]));
	}
	/* nothing new: no step, and the case as it is */
	if (!added) {
		buf_free(&why);
		*row = json_pack("{s:s, s:s}", "id", jstr(kase, "id"), "state", state);
		return 0;
	}
	fmt_time(eport_now(), at);
	json_object_set_new(kase, "amended", json_string(at));
	materials_by_add(kase, eport_user());	/* four eyes: not the acceptor */
	if (!strcmp(state, "returned"))
		step.to = "received";
	step.why = why.s;
	rc = case_step(st, txn, kase, &step);
	buf_free(&why);
	if (!rc)
		*row = json_pack("{s:s, s:s}", "id", jstr(kase, "id"), "state", jstr(kase, "state"));
	return rc;
}

int
main(int argc, char *argv[])
{
	struct eport st;
	struct each each = { .fn = attach, .out = &out };
	struct rulebook *rb;
	char err[512], *end, cwd[PATH_MAX], why[PATH_MAX + 128];
	struct origin o;
	int c, dry = 0;

	eport_start(argc, argv, usage_text);
	out.fp = stdout;
	out.cols = cols;
	while ((c = getopt(argc, argv, "c:H:jnsh")) != -1) {
		switch (c) {
		case 'c':
			errno = 0;
			copies = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || copies < 1 || copies > 99)
				die("-c '%s': not a whole number from 1 to 99", optarg);
			break;
		case 'H':
			holder = optarg;
			break;
		case 'j':
			out.json = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 's':
			sflag = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		eport_usage(2);
	kind = argv[1];
	files = argv + 2;
	nfiles = argc - 2;

	if (!(rb = rules_load(eport_home(), err, sizeof err)))
		die("%s", err);
	/* cards travel in the record's cards, not as files */
	if (!kind_name(rb, kind) || !strcmp(kind, "card") || !strncmp(kind, "card-", 5)) {
		rules_free(rb);
		refuse("'%s': not a document kind", kind);
		return eport_exit();
	}
	rules_free(rb);

	/* the files as eport-apply reads a record's: no link followed, nothing
	 * of the store's; but absolute, or climbing from here, as the staff say */
	if (!getcwd(cwd, sizeof cwd))
		die("getcwd:");
	origin_at(&o, cwd, eport_home());
	o.any_path = 1;
	bytes = xcalloc(nfiles, sizeof *bytes);
	for (int i = 0; i < nfiles; i++)
		if (origin_read(&o, files[i], &bytes[i], why, sizeof why) < 0)
			refuse("%s", why);
	if (eport_status == 0) {
		if (eport_open(&st, 0) < 0)
			die("%s", st.errbuf);
		st.dry = dry;
		max_docs = cfg_int(&st, "case.max-documents", 200);
		cases_each(&st, 1, argv, &each);
		eport_close(&st);
	}
	for (int i = 0; i < nfiles; i++)
		buf_free(&bytes[i]);
	free(bytes);
	return eport_exit();
}
