/* rebuild.c: LMDB made again from docs.git's refs alone (eport-init
 * --from, eport-backup -V).  Each case comes from its ref's commit:
 * case.json with "commit" added last (as case_step keeps it), its events
 * the lines of history.jsonl byte for byte, and the indexes that case_step
 * keeps, made by the same functions (case.c).  The registry comes from its
 * ref's tree (mirror.c), the holders' index from the cards, and its tip is
 * DB_META's.  A case counter is raised to the highest id of its day, should
 * the registry's ref lag the cases'.  What the repository does not hold is
 * not made: DB_HOLDERS, DB_STATE, DB_USCC, DB_REF and DB_EVTIME are made
 * from the rest. */
#include <stdlib.h>
#include <string.h>

#include "eport.h"

#define CHUNK 500		/* cases, or registry records, per transaction */

struct job {
	struct refset *cases;
	size_t from, to;
	/* the registry's records */
	char **paths;
	git_oid *blobs;
	const git_oid *tip;
	unsigned long *events;
};

static int
bad(struct eport *st, const char *ref, const char *what)
{
	snprintf(st->errbuf, sizeof st->errbuf, "%s: %s", ref, _(what));
	return 1;
}

static int
git_bad(struct eport *st, const char *ref, const char *what)
{
	snprintf(st->errbuf, sizeof st->errbuf, "%s: %s: %s", ref, _(what), eport_git_err());
	return 2;
}

static int
blob_at(struct eport *st, git_tree *t, const char *path, git_blob **b)
{
	git_tree_entry *e = NULL;
	int rc;

	if ((rc = git_tree_entry_bypath(&e, t, path)) == 0)
		rc = git_blob_lookup(b, st->repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return rc;
}

static int
one_case(struct eport *st, MDB_txn *txn, const struct refent *r, unsigned long *events)
{
	const char *id = r->name + strlen("refs/cases/"), *p, *end, *nl;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_blob *cb = NULL, *hb = NULL;
	json_t *kase = NULL;
	uint32_t seq = 0;
	int rc;

	if (git_commit_lookup(&c, st->repo, &r->oid) < 0 || git_commit_tree(&t, c) < 0) {
		rc = git_bad(st, r->name, N_("its commit"));
		goto out;
	}
	if (blob_at(st, t, "case.json", &cb) < 0) {
		rc = bad(st, r->name, N_("no case.json in its commit"));
		goto out;
	}
	if (blob_at(st, t, "history.jsonl", &hb) < 0) {
		rc = bad(st, r->name, N_("no history.jsonl in its commit"));
		goto out;
	}
	kase = json_loadb(git_blob_rawcontent(cb), git_blob_rawsize(cb), 0, NULL);
	if (!json_is_object(kase)) {
		rc = bad(st, r->name, N_("case.json is not a JSON object"));
		goto out;
	}
	if (strcmp(jstr(kase, "id"), id) || !valid_state(jstr(kase, "state"))) {
		rc = bad(st, r->name, N_("case.json is not that case's, or has no state"));
		goto out;
	}
	json_object_del(kase, "commit");
	json_object_set_new(kase, "commit", json_string(git_oid_tostr_s(&r->oid)));
	if ((rc = db_put_json(st, txn, DB_CASES, id, kase)))
		goto out;
	p = git_blob_rawcontent(hb);
	end = p + git_blob_rawsize(hb);
	for (; p < end; p = nl + 1) {
		json_t *ev;

		if (!(nl = memchr(p, '\n', end - p)))
			nl = end;
		if (nl == p)
			continue;
		ev = json_loadb(p, nl - p, 0, NULL);
		if (!json_is_object(ev)) {
			json_decref(ev);
			snprintf(st->errbuf, sizeof st->errbuf, _("%s: history.jsonl:%u: not a JSON object"),
			    r->name, seq + 1);
			rc = 1;
			goto out;
		}
		rc = case_event_put(st, txn, id, ++seq, p, nl - p, jstr(ev, "at"));
		json_decref(ev);
		if (rc)
			goto out;
		(*events)++;
	}
	if ((rc = case_index_new(st, txn, kase)) == MDB_KEYEXIST) {
		snprintf(st->errbuf, sizeof st->errbuf, _("%s: its ref '%s' is another case's too"),
		    r->name, jstr(kase, "ref"));
		rc = 1;
		goto out;
	}
	if (!rc)
		rc = case_index_state(st, txn, id, "", jstr(kase, "state"));
out:
	json_decref(kase);
	git_blob_free(cb);
	git_blob_free(hb);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}

static int
cases_txn(struct eport *st, MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	unsigned long events = 0;
	int rc;

	for (size_t i = j->from; i < j->to; i++)
		if ((rc = one_case(st, txn, &j->cases->v[i], &events)))
			return rc;
	*j->events += events;
	return 0;
}

static int
registry_txn(struct eport *st, MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	struct buf key = { 0 }, val = { 0 };
	int rc = 0;

	for (size_t i = j->from; i < j->to && !rc; i++) {
		git_blob *b = NULL;
		MDB_val k, v;
		int db;

		if (mirror_key(j->paths[i], &db, &key) < 0) {
			rc = bad(st, j->paths[i], N_("not a path of the registry"));
			break;
		}
		if (git_blob_lookup(&b, st->repo, &j->blobs[i]) < 0) {
			rc = git_bad(st, j->paths[i], N_("its blob"));
			break;
		}
		if (mirror_value(db, git_blob_rawcontent(b), git_blob_rawsize(b), &val) < 0) {
			git_blob_free(b);
			rc = bad(st, j->paths[i], N_("not a counter (a number and a newline)"));
			break;
		}
		git_blob_free(b);
		k.mv_size = key.len;
		k.mv_data = key.s ? key.s : "";
		v.mv_size = val.len;
		v.mv_data = val.s ? val.s : "";
		if ((rc = mdb_put(txn, st->dbi[db], &k, &v, 0)))
			break;
		if (db == DB_CARDS) {
			json_t *card = json_loadb(v.mv_data, v.mv_size, 0, NULL);

			if (!json_is_object(card) || strcmp(jstr(card, "number"), key.s ? key.s : "")) {
				json_decref(card);
				rc = bad(st, j->paths[i], N_("not that card's record"));
				break;
			}
			rc = card_holders_put(st, txn, card);
			json_decref(card);
		}
	}
	buf_free(&key);
	buf_free(&val);
	return rc;
}

static int
tip_txn(struct eport *st, MDB_txn *txn, void *arg)
{
	struct job *j = arg;
	MDB_cursor *c;
	MDB_val k, v;
	json_t *high = json_object(), *n;
	const char *day;
	int rc;

	if (j->tip && (rc = mirror_set_tip(st, txn, j->tip)))
		goto out;
	/* the counter of a day's cases, at least its highest id: a registry
	 * that lags its cases must not give an id twice */
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CASES], &c)))
		goto out;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char id[128], *dash, *name;
		unsigned long long seq;

		if (k.mv_size >= sizeof id)
			continue;
		memcpy(id, k.mv_data, k.mv_size);
		id[k.mv_size] = '\0';
		if (!(dash = strrchr(id, '-')) || strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
		    !dash[1])
			continue;
		*dash = '\0';
		seq = strtoull(dash + 1, NULL, 10);
		name = xasprintf("case:%s", id);
		if ((unsigned long long)json_integer_value(json_object_get(high, name)) < seq)
			json_object_set_new(high, name, json_integer(seq));
		free(name);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	json_object_foreach(high, day, n) {
		uint64_t have = 0, want = json_integer_value(n);

		if (db_get(st, txn, DB_COUNTERS, day, &v) == 0 && v.mv_size == sizeof have)
			memcpy(&have, v.mv_data, sizeof have);
		if (have < want && (rc = db_put(st, txn, DB_COUNTERS, day, &want, sizeof want, 0)))
			break;
	}
out:
	json_decref(high);
	return rc;
}

struct walk {
	char **paths;
	git_oid *blobs;
	size_t n, cap;
};

static int
walk_one(const char *root, const git_tree_entry *e, void *arg)
{
	struct walk *w = arg;

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->paths = xrealloc(w->paths, w->cap * sizeof *w->paths);
		w->blobs = xrealloc(w->blobs, w->cap * sizeof *w->blobs);
	}
	w->paths[w->n] = xasprintf("%s%s", root, git_tree_entry_name(e));
	git_oid_cpy(&w->blobs[w->n], git_tree_entry_id(e));
	w->n++;
	return 0;
}

int
store_rebuild(struct eport *st, const char *registry, struct rebuild_stats *stats)
{
	struct refset cases = { 0 };
	struct walk w = { 0 };
	struct job j = { 0 };
	git_reference_iterator *it = NULL;
	git_reference *ref;
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_oid tip;
	int rc = 0, have_tip = 0;

	memset(stats, 0, sizeof *stats);
	st->mirror_off = 1;
	if (git_reference_iterator_glob_new(&it, st->repo, "refs/cases/*") < 0)
		return git_bad(st, "docs.git", N_("its refs"));
	while ((rc = git_reference_next(&ref, it)) == 0) {
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT)
			refset_add(&cases, git_reference_name(ref), git_reference_target(ref));
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (rc != GIT_ITEROVER) {
		rc = git_bad(st, "docs.git", N_("its refs"));
		goto out;
	}
	rc = 0;
	refset_sort(&cases);
	j.cases = &cases;
	j.events = &stats->events;
	for (j.from = 0; j.from < cases.n && !rc; j.from = j.to) {
		j.to = j.from + CHUNK < cases.n ? j.from + CHUNK : cases.n;
		rc = store_write(st, cases_txn, &j);
	}
	if (rc)
		goto out;
	stats->cases = cases.n;
	if (registry && git_reference_name_to_id(&tip, st->repo, registry) == 0) {
		have_tip = 1;
		if (git_commit_lookup(&c, st->repo, &tip) < 0 || git_commit_tree(&t, c) < 0 ||
		    git_tree_walk(t, GIT_TREEWALK_PRE, walk_one, &w) < 0) {
			rc = git_bad(st, registry, N_("its tree"));
			goto out;
		}
		j.paths = w.paths;
		j.blobs = w.blobs;
		for (j.from = 0; j.from < w.n && !rc; j.from = j.to) {
			j.to = j.from + CHUNK * 10 < w.n ? j.from + CHUNK * 10 : w.n;
			rc = store_write(st, registry_txn, &j);
		}
		if (rc)
			goto out;
		stats->records = w.n;
	}
	/* a counter raised is the registry's change, recorded as any other */
	j.tip = have_tip ? &tip : NULL;
	st->mirror_off = 0;
	rc = store_write(st, tip_txn, &j);
out:
	for (size_t i = 0; i < w.n; i++)
		free(w.paths[i]);
	free(w.paths);
	free(w.blobs);
	git_tree_free(t);
	git_commit_free(c);
	refset_free(&cases);
	st->mirror_off = 0;
	return rc;
}
