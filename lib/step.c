/* step.c: the audited step, and intake, which is the first one.  A step
 * appends an event to the history, writes a git commit of the case
 * (case.json, history.jsonl and the documents) and updates the case and its
 * indexes, all inside the caller's LMDB write transaction; git objects are
 * written (and fsynced) before that transaction commits, and the caller
 * moves the ref after it.  Apart from case.c so that the commands that only
 * read cases do not load libgit2. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "eport.h"

/* docs/<kind>-<n>.<ext>: n counts the case's documents of that kind, kept
 * in seen (kind -> how many have a path), so that a case's paths take one
 * pass over its documents, not one each (40,000 took 209 s). */
static char *
doc_path(json_t *seen, json_t *doc)
{
	const char *kind = jstr(doc, "kind"), *file = jstr(doc, "file");
	const char *dot = strrchr(file, '.');
	char ext[8] = "bin";
	json_int_t n = json_integer_value(json_object_get(seen, kind)) + 1;

	json_object_set_new(seen, kind, json_integer(n));
	if (dot && !strchr(dot, '/') && strlen(dot + 1) >= 1 && strlen(dot + 1) < sizeof ext) {
		size_t j;

		for (j = 0; dot[1 + j]; j++) {
			if (!isalnum((unsigned char)dot[1 + j]))
				break;
			ext[j] = tolower((unsigned char)dot[1 + j]);
		}
		if (!dot[1 + j])
			ext[j] = '\0';
		else
			strcpy(ext, "bin");
	}
	return xasprintf("docs/%s-%lld.%s", kind, (long long)n, ext);
}

static int
blob_of(struct eport *st, const char *s, git_oid *oid)
{
	return repo_blob(st, s, strlen(s), oid);
}

/* The tree of the case as it is now: the parent's tree with case.json,
 * history.jsonl and any new documents put in. */
static int
write_tree(struct eport *st, json_t *kase, json_t *history, git_commit *parent, git_oid *out)
{
	git_tree *base = NULL;
	git_tree_update *up = NULL;
	size_t nup = 0, i;
	json_t *copy, *docs, *d, *e, *seen;
	char **paths = NULL;
	struct buf h = { 0 };
	char *s;
	int rc = -1;

	docs = json_object_get(kase, "documents");
	paths = xcalloc(json_array_size(docs) + 2, sizeof *paths);
	up = xcalloc(json_array_size(docs) + 2, sizeof *up);
	seen = json_object();
	json_array_foreach(docs, i, d)
		if (json_object_get(d, "path"))
			json_object_set_new(seen, jstr(d, "kind"), json_integer(
			    json_integer_value(json_object_get(seen, jstr(d, "kind"))) + 1));
	json_array_foreach(docs, i, d) {
		const char *blob = json_string_value(json_object_get(d, "blob"));

		if (!blob || json_object_get(d, "path"))
			continue;
		paths[nup] = doc_path(seen, d);
		json_object_set_new(d, "path", json_string(paths[nup]));
		if (git_oid_fromstr(&up[nup].id, blob) < 0)
			goto out;
		up[nup].action = GIT_TREE_UPDATE_UPSERT;
		up[nup].filemode = GIT_FILEMODE_BLOB;
		up[nup].path = paths[nup];
		nup++;
	}
	copy = json_deep_copy(kase);
	json_object_del(copy, "commit");
	s = json_dumps(copy, JSON_INDENT(2));
	json_decref(copy);
	buf_puts(&h, s);
	buf_puts(&h, "\n");
	free(s);
	rc = blob_of(st, h.s, &up[nup].id);
	up[nup].action = GIT_TREE_UPDATE_UPSERT;
	up[nup].filemode = GIT_FILEMODE_BLOB;
	up[nup++].path = "case.json";
	h.len = 0;
	json_array_foreach(history, i, e) {
		s = json_dumps(e, JSON_COMPACT);
		buf_puts(&h, s);
		buf_puts(&h, "\n");
		free(s);
	}
	if (rc < 0 || blob_of(st, h.s, &up[nup].id) < 0)
		goto fail;
	up[nup].action = GIT_TREE_UPDATE_UPSERT;
	up[nup].filemode = GIT_FILEMODE_BLOB;
	up[nup++].path = "history.jsonl";
	/* a new case starts from no tree at all */
	if (parent && git_commit_tree(&base, parent) < 0)
		goto fail;
	rc = git_tree_create_updated(out, st->repo, base, nup, up);
	goto out;
fail:
	rc = -1;
out:
	json_decref(seen);
	git_tree_free(base);
	buf_free(&h);
	for (i = 0; paths[i]; i++)
		free(paths[i]);
	free(paths);
	free(up);
	return rc;
}

/* A commit's body, line by line as buf_esc writes a subject: its line
 * breaks stay, what a terminal would act on does not. */
static void
body_esc(struct buf *msg, const char *body)
{
	const char *nl;

	for (;;) {
		char *line = strndup(body, (nl = strchr(body, '\n')) ? (size_t)(nl - body) : strlen(body));

		buf_esc(msg, line);
		free(line);
		if (!nl)
			break;
		buf_puts(msg, "\n");
		body = nl + 1;
	}
}

static int
write_commit(struct eport *st, json_t *kase, json_t *ev, const char *body,
    const git_oid *tree_id, git_commit *parent, git_oid *out)
{
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	const git_commit *parents[1] = { parent };
	struct buf msg = { 0 };
	time_t t;
	int rc;

	parse_time(jstr(ev, "at"), &t);
	/* the subject is what git log shows on a terminal: the reason (text
	 * from a person or an enterprise) escaped; the event keeps it whole */
	buf_printf(&msg, "%s %s", jstr(ev, "action"), jstr(kase, "id"));
	if (*jstr(ev, "why")) {
		buf_puts(&msg, ": ");
		buf_esc(&msg, jstr(ev, "why"));
	}
	if (body && *body) {
		buf_puts(&msg, "\n\n");
		body_esc(&msg, body);
	}
	buf_printf(&msg, "\n\nCase-State: %s\nStaff: %s\nLogin: %s\n",
	    jstr(kase, "state"), jstr(ev, "by"), jstr(ev, "login"));
	if ((rc = git_signature_new(&sig, jstr(ev, "by"), jstr(ev, "login"), t, 8 * 60)) < 0 ||
	    (rc = git_tree_lookup(&tree, st->repo, tree_id)) < 0)
		goto out;
	rc = git_commit_create(out, st->repo, NULL, sig, sig, "UTF-8", msg.s, tree,
	    parent ? 1 : 0, parents);
out:
	git_tree_free(tree);
	git_signature_free(sig);
	buf_free(&msg);
	return rc;
}

/* what: what failed, a message (N_) */
static int
fail(struct eport *st, const char *what)
{
	const git_error *e = git_error_last();
	int missing = e && e->klass == GIT_ERROR_ODB;

	snprintf(st->errbuf, sizeof st->errbuf, _("docs.git: %s: %s%s"), _(what), eport_git_err(),
	    missing ? repo_unreadable(st) : "");
	return 2;
}

int
case_step(struct eport *st, MDB_txn *txn, json_t *kase, struct step *step)
{
	const char *id = jstr(kase, "id");
	const char *from = jstr(kase, "state");
	char at[32], *s;
	json_t *ev, *history;
	git_commit *parent = NULL;
	git_oid tree, poid;
	uint32_t seq;
	int rc;

	fmt_time(eport_now(), at);
	history = case_history(st, txn, id);
	seq = json_array_size(history) + 1;
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "at", at, "by", eport_user(),
	    "login", eport_login(), "action", step->action, "from", from,
	    "to", step->to ? step->to : from);
	if (step->why && *step->why)
		json_object_set_new(ev, "why", json_string(step->why));
	if (step->extra) {
		json_object_update(ev, step->extra);
		json_decref(step->extra);
		step->extra = NULL;
	}
	json_array_append(history, ev);
	if (step->to && (rc = case_set_state(st, txn, kase, step->to)))
		goto out;
	json_object_set_new(kase, "updated", json_string(at));

	rc = 2;
	if (st->dry)
		goto index;
	if (json_is_string(json_object_get(kase, "commit"))) {
		if (git_oid_fromstr(&poid, jstr(kase, "commit")) < 0 ||
		    git_commit_lookup(&parent, st->repo, &poid) < 0) {
			rc = fail(st, N_("the case's last commit"));
			goto out;
		}
	}
	if (write_tree(st, kase, history, parent, &tree) < 0) {
		rc = fail(st, N_("writing the tree"));
		goto out;
	}
	if (write_commit(st, kase, ev, step->body, &tree, parent, &step->commit) < 0) {
		rc = fail(st, N_("writing the commit"));
		goto out;
	}
	/* "commit" last, as a rebuild from the repository appends it to
	 * case.json, which is written without it: so both give the same bytes */
	json_object_del(kase, "commit");
	json_object_set_new(kase, "commit", json_string(git_oid_tostr_s(&step->commit)));
index:
	if ((rc = db_put_json(st, txn, DB_CASES, id, kase)))
		goto out;
	public_note(st, kase);
	s = json_dumps(ev, JSON_COMPACT);
	rc = case_event_put(st, txn, id, seq, s, strlen(s), at);
	free(s);
out:
	git_commit_free(parent);
	json_decref(ev);
	json_decref(history);
	return rc;
}

int
case_new_id(struct eport *st, MDB_txn *txn, time_t t, char out[32])
{
	char ymd[9], *name;
	const char *branch = cfg_str(st, "office.branch", "XM");
	uint64_t seq;
	int rc;

	fmt_ymd(t, ymd);
	name = xasprintf("case:%s%s", branch, ymd);
	rc = counter_next(st, txn, name, &seq);
	free(name);
	if (!rc)
		snprintf(out, 32, "%.8s%s-%04llu", branch, ymd, (unsigned long long)seq);
	return rc;
}

/* Take a record in as a new case, or find the case its ref already has
 * (*existing set).  *out is the case, a new reference. */
int
case_create(struct eport *st, MDB_txn *txn, const json_t *rec, const char *source,
    json_t **out, int *existing, git_oid *commit)
{
	const char *ref = jstr(rec, "ref"), *k;
	char id[32], at[32];
	struct step step = { .action = "apply", .to = "received" };
	json_t *kase, *v;
	MDB_val val;
	int rc;

	*out = NULL;
	*existing = 0;
	rc = db_get(st, txn, DB_REF, ref, &val);
	if (rc == 0) {
		char *old = strndup(val.mv_data, val.mv_size);

		*out = case_get(st, txn, old);
		free(old);
		*existing = 1;
		return *out ? 0 : MDB_CORRUPTED;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	if ((rc = case_new_id(st, txn, eport_now(), id)))
		return rc;
	fmt_time(eport_now(), at);
	kase = json_pack("{s:s, s:s}", "id", id, "state", "");
	json_object_foreach((json_t *)rec, k, v)
		json_object_set_new(kase, k, json_deep_copy(v));
	json_object_set_new(kase, "by", json_string(eport_user()));
	json_object_set_new(kase, "login", json_string(eport_login()));
	json_object_set_new(kase, "taken", json_string(at));
	json_object_set_new(kase, "source", json_string(source));
	if ((rc = case_index_new(st, txn, kase)))
		goto fail;
	/* the first case to name an order holds it; eport-check tells the others */
	if (*jstr(kase, "order") &&
	    (rc = order_claim(st, txn, jstr(kase, "order"), id)) && rc != 1)
		goto fail;
	step.why = source;
	if ((rc = case_step(st, txn, kase, &step)))
		goto fail;
	*commit = step.commit;
	*out = kase;
	return 0;
fail:
	json_decref(kase);
	return rc;
}

/* What the store records of a document's bytes: sha256 and size, and with
 * st (not dry) the blob written to docs.git.  -1 on a libgit2 error. */
int
doc_record(struct eport *st, json_t *doc, const void *p, size_t n)
{
	char hex[65];
	git_oid oid;

	sha256_hex(p, n, hex);
	json_object_set_new(doc, "sha256", json_string(hex));
	json_object_set_new(doc, "size", json_integer(n));
	if (!st || st->dry)
		return 0;
	if (repo_blob(st, p, n, &oid) < 0)
		return -1;
	json_object_set_new(doc, "blob", json_string(git_oid_tostr_s(&oid)));
	return 0;
}
