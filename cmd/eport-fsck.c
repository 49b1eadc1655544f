/* eport-fsck: check that LMDB and the audit repository agree: every case's
 * commit exists and its ref points at it, its case.json is the case, every
 * document's blob hashes to the recorded SHA-256, the indexes hold the case,
 * and no ref names a case LMDB does not know; and that the public page's
 * snapshot (web.public) is what the store says.  -r moves lagging refs on (a
 * crash between the LMDB commit and the ref update leaves one behind),
 * removes what writers that died left (ref locks, pack files, keeps) and
 * publishes stale pages.  The refs are read before the LMDB snapshot they
 * are judged against, so that writers at work draw no false problem.
 * The registry (mirror.c): its ref is DB_META's tip, and its tree holds
 * every record of the databases it mirrors, as LMDB has them, and nothing
 * else; -r moves a lagging ref on and records LMDB's records anew where
 * the tree differs (LMDB is the truth), or for a store made before the
 * registry was recorded.  The holders' index agrees with the cards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "each.h"

static int rflag;
static struct eport st;
static MDB_txn *txn;
static unsigned long problems, fixed;

static const char usage_text[] = N_("usage: eport-fsck [-r]\n");

static void
problem(const char *id, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: %s: ", argv0, id);
	fprintf(stderr, _(fmt), arg);
	fputc('\n', stderr);
	problems++;
}

/* the rest of a problem whose start is written already */
static void
problem_tail(const char *s)
{
	fprintf(stderr, "%s\n", s);
	problems++;
}

static int
in_index(int db, const char *key, const char *id)
{
	MDB_cursor *c;
	MDB_val k = { strlen(key), (void *)key }, v = { strlen(id), (void *)id };
	int rc;

	if (mdb_cursor_open(txn, st.dbi[db], &c))
		return 0;
	rc = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH);
	mdb_cursor_close(c);
	return rc == 0;
}

/* The refs as they were before the snapshot was taken: name -> commit.
 * A writer moves a ref only after its LMDB commit, so a ref read first is
 * never ahead of its case in the snapshot, and names a case it holds; it
 * may lag, while its writer is between the two. */
static json_t *refs;
/* Refs that lagged the snapshot, or were missing: id -> the case's commit,
 * judged again once the writers at work have moved theirs */
static json_t *behind;

static int
read_refs(void)
{
	git_reference_iterator *it;
	git_reference *ref;
	int rc;

	refs = json_object();
	if ((rc = git_reference_iterator_glob_new(&it, st.repo, "refs/cases/*")) < 0)
		return rc;
	while ((rc = git_reference_next(&ref, it)) == 0) {
		const git_oid *oid = git_reference_target(ref);

		json_object_set_new(refs, git_reference_name(ref),
		    oid ? json_string(git_oid_tostr_s(oid)) : json_null());
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return rc == GIT_ITEROVER ? 0 : rc;
}

/* Where the ref is: 0 at want or beyond it (on its history), 1 behind it
 * or missing, 2 ahead of it though read before it, 3 off its history. */
static int
ref_state(const git_oid *cur, int have, const git_oid *want, int beyond_ok)
{
	if (!have)
		return 1;
	if (git_oid_equal(cur, want))
		return 0;
	if (git_graph_descendant_of(st.repo, cur, want) == 1)
		return beyond_ok ? 0 : 2;
	if (git_graph_descendant_of(st.repo, want, cur) == 1)
		return 1;
	return 3;
}

static void stale_lock(const char *name, int removed, void *arg);

/* Called with no writer at work (settle_behind): a lock beside the ref is
 * a dead writer's, and would keep the ref from moving.  1 if one went. */
static int
unlock_ref(const char *name)
{
	char *lock = xasprintf("%s%s.lock", git_repository_path(st.repo), name);
	int gone = unlink(lock) == 0;

	free(lock);
	if (gone)
		stale_lock(name, 1, NULL);
	return gone;
}

static void
lagging(const char *id, const git_oid *want, int missing)
{
	char *name = xasprintf("refs/cases/%s", id);

	if (rflag && (repo_advance(&st, id, want) == 0 ||
	    (unlock_ref(name) && repo_advance(&st, id, want) == 0))) {
		fprintf(stderr, _("%s: %s: %s moved to the case's commit\n"), argv0, id, name);
		fixed++;
	} else {
		problem(id, missing ? N_("%s is missing (eport-fsck -r makes it)") :
		    N_("%s lags the case (eport-fsck -r moves it)"), name);
	}
	free(name);
}

static void
check_ref(const char *id, const git_oid *want)
{
	char *name = xasprintf("refs/cases/%s", id);
	const char *hex = json_string_value(json_object_get(refs, name));
	git_oid cur;
	int have = hex && git_oid_fromstr(&cur, hex) == 0;

	switch (ref_state(&cur, have, want, 0)) {
	case 1:
		/* missing, or lagging behind the case: safe to move on, once
		 * it is known not to be a writer's between LMDB and its refs */
		json_object_set_new(behind, id, json_string(git_oid_tostr_s(want)));
		break;
	case 2:
		problem(id, "%s is ahead of the case", name);
		break;
	case 3:
		problem(id, "%s is not on the case's history", name);
		break;
	}
	free(name);
}

/* Refs that were behind: read again until each is at its case's commit
 * (or beyond: its writer moved it on), or no writer is at work, whose
 * keep says it is between its LMDB commit and its refs.  The keeps are
 * looked at first: a writer whose keep is gone had moved its refs before,
 * so a ref read after that still behind is behind for good. */
#define INFLIGHT_MS 30000
static void
settle_behind(void)
{
	struct timespec t0;
	const char *id;
	json_t *v;
	void *tmp;
	int busy;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (json_object_size(behind)) {
		busy = repo_busy(&st) > 0 && ms_since(&t0) < INFLIGHT_MS;
		json_object_foreach_safe(behind, tmp, id, v) {
			char *name = xasprintf("refs/cases/%s", id);
			git_oid cur, want;
			int have = git_reference_name_to_id(&cur, st.repo, name) == 0;

			free(name);
			git_oid_fromstr(&want, json_string_value(v));
			if (ref_state(&cur, have, &want, 1) == 0) {
				json_object_del(behind, id);
			} else if (!busy) {
				lagging(id, &want, !have);
				json_object_del(behind, id);
			}
		}
		if (json_object_size(behind))
			usleep(20000);
	}
}

static void
check_case(const char *id, json_t *kase)
{
	const char *hex = jstr(kase, "commit"), *uscc;
	git_oid oid;
	git_commit *commit = NULL;
	struct buf b = { 0 };
	json_t *docs, *d, *copy, *tree_case;
	size_t i;
	char sum[65];

	if (strcmp(jstr(kase, "id"), id))
		problem(id, "the record's id is '%s'", jstr(kase, "id"));
	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(&commit, st.repo, &oid) < 0) {
		fprintf(stderr, _("%s: %s: commit '%s' is not in docs.git"), argv0, id, hex);
		problem_tail(repo_unreadable(&st));
		return;
	}
	git_commit_free(commit);
	check_ref(id, &oid);
	if (repo_read_blob(&st, hex, "case.json", &b) < 0) {
		problem(id, "%s", _("case.json is missing from its commit"));
	} else {
		copy = json_deep_copy(kase);
		json_object_del(copy, "commit");
		tree_case = json_loadb(b.s, b.len, 0, NULL);
		if (!json_equal(copy, tree_case))
			problem(id, "%s", _("case.json in docs.git differs from the case in the db"));
		json_decref(copy);
		json_decref(tree_case);
	}
	docs = json_object_get(kase, "documents");
	json_array_foreach(docs, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));

		if (!path)
			continue;
		b.len = 0;
		if (repo_read_blob(&st, hex, path, &b) < 0) {
			problem(id, "document '%s' is missing from docs.git", path);
			continue;
		}
		sha256_hex(b.s, b.len, sum);
		if (strcmp(sum, jstr(d, "sha256")))
			problem(id, "document '%s' does not match its SHA-256", path);
	}
	buf_free(&b);
	if (!in_index(DB_STATE, jstr(kase, "state"), id))
		problem(id, "not in the index of state '%s'", jstr(kase, "state"));
	uscc = json_string_value(rec_path(kase, "enterprise.uscc"));
	if (uscc && *uscc && !in_index(DB_USCC, uscc, id))
		problem(id, "not in the index of USCC '%s'", uscc);
}

static void
check_ref_cases(void)
{
	const char *name;
	json_t *v;

	json_object_foreach(refs, name, v) {
		const char *id = name + strlen("refs/cases/");
		MDB_val val;

		if (db_get(&st, txn, DB_CASES, id, &val))
			problem(id, "%s names no case in the db", name);
	}
}

/* A lock left by a writer that died blocks nothing for long (the next
 * writer removes it), but it is debris all the same. */
static void
stale_lock(const char *name, int removed, void *arg)
{
	const char *id = name + strlen("refs/cases/");

	(void)arg;
	if (removed) {
		fprintf(stderr, _("%s: %s: %s.lock removed, its writer is gone\n"), argv0, id, name);
		fixed++;
	} else {
		problem(id, "%s.lock is left by a writer that is gone (eport-fsck -r removes it)", name);
	}
}

/* A pack write cut off by a crash: a temporary file nothing names. */
static void
stale_pack(const char *name, int removed, void *arg)
{
	(void)arg;
	if (removed) {
		fprintf(stderr, _("%s: docs.git: %s removed, its writer is gone\n"), argv0, name);
		fixed++;
	} else {
		problem("docs.git", "%s is left by a pack write that was cut off (eport-fsck -r removes it)",
		    name);
	}
}

/* The .keep of a batch whose writer is gone: it keeps git gc from the
 * pack's objects, which the refs reach once they are mended. */
static void
stale_keep(const char *name, int removed, void *arg)
{
	(void)arg;
	if (removed) {
		fprintf(stderr, _("%s: docs.git: %s removed, its writer is gone\n"), argv0, name);
		fixed++;
	} else {
		problem("docs.git", "%s is left by a writer that is gone (eport-fsck -r removes it)",
		    name);
	}
}

static void
stale_config(const char *name, int removed, void *arg)
{
	(void)arg;
	if (removed) {
		fprintf(stderr, _("%s: docs.git: %s removed, its writer is gone\n"), argv0, name);
		fixed++;
	} else {
		problem("docs.git", "%s is left by a configuration write that was cut off; "
		    "git config fails while it is there (eport-fsck -r removes it)", name);
	}
}

/* eport-init's pack.* settings, without which every batch's pack is made
 * with a delta search (a third of an intake's time): a store made before
 * eport-init wrote them gets them here, never from a writer */
static void
check_pack_settings(void)
{
	int rc = repo_pack_settings_ok(st.repo);

	if (rc < 0) {
		problem("docs.git", "%s", _("its configuration cannot be read"));
	} else if (rc == 0 && rflag && repo_pack_settings(st.repo) == 0) {
		fprintf(stderr, _("%s: docs.git: the pack settings written to its configuration\n"),
		    argv0);
		fixed++;
	} else if (rc == 0) {
		problem("docs.git", "%s", rflag ? _("its pack settings cannot be written") :
		    _("its pack settings are missing, and every batch's pack is made slowly "
		    "(eport-fsck -r writes them)"));
	}
}

/* A file of the public page (web.public) that the store does not match: a
 * crash came between a commit and its publishing, or web.public was set on
 * a store that had cases already. */
static void
stale_public(const char *rel, const char *what, int mended, void *arg)
{
	char *msg;

	(void)arg;
	if (mended) {
		fprintf(stderr, _("%s: web.public: %s published again\n"), argv0, rel);
		fixed++;
		return;
	}
	msg = xasprintf("%s %s", rel, _(what));
	problem("web.public", "%s", msg);
	free(msg);
}

/* The registry */
static git_oid reg_ref;		/* its ref, read before the snapshot */
static int reg_ref_ok;
static json_t *reg_fix;		/* paths -> db: to record anew (-r) */
static int reg_move;
static git_oid reg_tip;

static void
read_registry_ref(void)
{
	char *name = mirror_ref(&st);

	reg_ref_ok = git_reference_name_to_id(&reg_ref, st.repo, name) == 0;
	free(name);
}

static void
fix_path(const char *path, int db)
{
	if (!reg_fix)
		reg_fix = json_object();
	json_object_set_new(reg_fix, path, json_integer(db));
}

static int
tree_leaf(const char *root, const git_tree_entry *e, void *arg)
{
	json_t *leaves = arg;
	char *path;

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return 0;
	path = xasprintf("%s%s", root, git_tree_entry_name(e));
	json_object_set_new(leaves, path, json_string(git_oid_tostr_s(git_tree_entry_id(e))));
	free(path);
	return 0;
}

/* what: translated already (or libgit2's) */
static void
record_problem(const char *path, const char *what)
{
	char *msg = xasprintf("%s: %s", path, what);

	problem("registry", "%s", msg);
	free(msg);
}

static void
check_registry(void)
{
	char *ref = mirror_ref(&st);
	json_t *leaves = json_object(), *v;
	git_commit *c = NULL;
	git_tree *t = NULL;
	struct buf b = { 0 };
	const char *path;
	int rc, have_tip;

	rc = mirror_tip(&st, txn, &reg_tip);
	if (rc && rc != MDB_NOTFOUND) {
		problem("registry", "%s", _("its commit in the db is not a commit id"));
		goto out;
	}
	have_tip = rc == 0;
	if (have_tip && (git_commit_lookup(&c, st.repo, &reg_tip) < 0 || git_commit_tree(&t, c) < 0)) {
		problem("registry", "commit %s is not in docs.git", git_oid_tostr_s(&reg_tip));
		goto out;
	}
	if (t && git_tree_walk(t, GIT_TREEWALK_PRE, tree_leaf, leaves) < 0) {
		problem("registry", "%s", _("its tree cannot be read"));
		goto out;
	}
	/* the ref: read before the snapshot, so that it may lag a writer at
	 * work, never lead */
	if (have_tip && !(reg_ref_ok && git_oid_equal(&reg_ref, &reg_tip))) {
		if (reg_ref_ok && git_graph_descendant_of(st.repo, &reg_ref, &reg_tip) == 1) {
			problem("registry", "%s is ahead of the store", ref);
		} else if (reg_ref_ok && git_graph_descendant_of(st.repo, &reg_tip, &reg_ref) != 1) {
			problem("registry", "%s is not on the registry's history", ref);
		} else {
			reg_move = 1;
		}
	}
	/* every record of LMDB in the tree, the same bytes */
	for (size_t i = 0; i < MIRROR_NDBS; i++) {
		int db = mirror_dbs[i];
		MDB_cursor *cur;
		MDB_val k, val;

		if (mdb_cursor_open(txn, st.dbi[db], &cur))
			continue;
		for (rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
			char *p = mirror_path(db, k.mv_data, k.mv_size);
			const char *have = json_string_value(json_object_get(leaves, p));
			git_oid want;

			if (mirror_blob(db, &val, &b) < 0) {
				record_problem(p, _("a counter that is not 8 bytes"));
			} else if (git_odb_hash(&want, b.s ? b.s : "", b.len, GIT_OBJECT_BLOB) < 0) {
				record_problem(p, eport_git_err());
			} else if (!have) {
				if (have_tip && !rflag)
					record_problem(p, _("in the db, not in the registry's tree "
					    "(eport-fsck -r records it)"));
				fix_path(p, db);
			} else if (strcmp(have, git_oid_tostr_s(&want))) {
				if (!rflag)
					record_problem(p, _("differs from the db (eport-fsck -r records "
					    "the db's)"));
				fix_path(p, db);
			}
			json_object_del(leaves, p);
			free(p);
		}
		mdb_cursor_close(cur);
	}
	json_object_foreach(leaves, path, v) {
		struct buf key = { 0 };
		int db;

		if (mirror_key(path, &db, &key) < 0) {
			record_problem(path, _("not a path of the registry"));
		} else {
			if (!rflag)
				record_problem(path, _("in the registry's tree, not in the db "
				    "(eport-fsck -r records the db's)"));
			fix_path(path, db);
		}
		buf_free(&key);
	}
	if (!have_tip && reg_fix && !rflag)
		problem("registry", "%s", _("not in docs.git: the store was made before it was "
		    "recorded (eport-fsck -r records it)"));
out:
	buf_free(&b);
	git_tree_free(t);
	git_commit_free(c);
	json_decref(leaves);
	free(ref);
}

/* DB_HOLDERS is made from the cards: each active card of an enterprise
 * there, nothing else */
static void
check_holders(void)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if (mdb_cursor_open(txn, st.dbi[DB_CARDS], &cur))
		return;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		json_t *card = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		const char *uscc = jstr(card, "uscc");

		if (card && *uscc && !strcmp(jstr(card, "state"), "active")) {
			json_t *cards = enterprise_cards(&st, txn, uscc), *x;
			size_t i;
			int found = 0;

			json_array_foreach(cards, i, x)
				found |= !strcmp(jstr(x, "number"), jstr(card, "number"));
			json_decref(cards);
			if (!found)
				problem(jstr(card, "number"), "not in the index of the cards of '%s'", uscc);
		}
		json_decref(card);
	}
	mdb_cursor_close(cur);
	if (mdb_cursor_open(txn, st.dbi[DB_HOLDERS], &cur))
		return;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *key = k.mv_data, *nul = memchr(key, '\0', k.mv_size);
		char *uscc, *num;
		json_t *card;

		if (!nul)
			continue;
		uscc = strndup(key, nul - key);
		num = strndup(nul + 1, k.mv_size - (nul + 1 - key));
		card = card_get(&st, txn, num);
		if (!card || strcmp(jstr(card, "uscc"), uscc) || strcmp(jstr(card, "state"), "active"))
			problem(num, "in the index of the cards of '%s', but not its active card", uscc);
		json_decref(card);
		free(uscc);
		free(num);
	}
	mdb_cursor_close(cur);
}

/* -r: LMDB's records written to the registry anew, one commit */
static int
record_anew(struct eport *s, MDB_txn *t, void *arg)
{
	const char *path;
	json_t *v;

	(void)t;
	(void)arg;
	json_object_foreach(reg_fix, path, v) {
		struct buf key = { 0 };
		int db;
		MDB_val k;

		if (mirror_key(path, &db, &key) == 0) {
			k.mv_size = key.len;
			k.mv_data = key.s ? key.s : "";
			mirror_note(s, db, &k);
		}
		buf_free(&key);
	}
	return 0;
}

static void
mend_registry(void)
{
	char *ref = mirror_ref(&st);
	struct timespec t0;
	git_oid cur;

	/* a writer at work, between its LMDB commit and the ref, moves it
	 * on: read it again until it is at the tip or beyond, or no writer is
	 * at work (as settle_behind does for the cases) */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (reg_move) {
		int busy = repo_busy(&st) > 0 && ms_since(&t0) < INFLIGHT_MS;
		int have = git_reference_name_to_id(&cur, st.repo, ref) == 0;

		if (ref_state(&cur, have, &reg_tip, 1) == 0) {
			reg_move = 0;
		} else if (busy) {
			usleep(20000);
			continue;
		}
		break;
	}
	if (reg_move) {
		if (rflag && repo_move(&st, ref, &reg_tip) == 0) {
			fprintf(stderr, _("%s: registry: %s moved to the store's commit\n"), argv0, ref);
			fixed++;
		} else {
			problem("registry", reg_ref_ok ? N_("%s lags the store (eport-fsck -r moves it)") :
			    N_("%s is missing (eport-fsck -r makes it)"), ref);
		}
	}
	if (reg_fix && rflag) {
		size_t n = json_object_size(reg_fix);

		if (store_write(&st, record_anew, NULL) != 0) {
			problem("registry", "%s", st.errbuf);
		} else {
			fprintf(stderr, ngettext("%s: registry: %zu record recorded anew in %s\n",
			    "%s: registry: %zu records recorded anew in %s\n", n), argv0, n, ref);
			fixed++;
		}
	}
	json_decref(reg_fix);
	reg_fix = NULL;
	free(ref);
}

int
main(int argc, char *argv[])
{
	MDB_cursor *c;
	MDB_val k, v;
	int ch, rc;

	eport_start(argc, argv, usage_text);
	while ((ch = getopt(argc, argv, "rh")) != -1) {
		switch (ch) {
		case 'r':
			rflag = 1;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	if (optind != argc)
		eport_usage(2);
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	/* the refs first, then the snapshot they are judged against */
	if (read_refs() < 0)
		die("docs.git: refs/cases: %s", eport_git_err());
	read_registry_ref();
	behind = json_object();
	if ((rc = store_read(&st, &txn)) || (rc = mdb_cursor_open(txn, st.dbi[DB_CASES], &c)))
		die("db: %s", store_err(rc));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char *id = strndup(k.mv_data, k.mv_size);
		json_t *kase = json_loadb(v.mv_data, v.mv_size, 0, NULL);

		if (!kase)
			problem(id, "%s", _("the case record is not JSON"));
		else
			check_case(id, kase);
		json_decref(kase);
		free(id);
	}
	mdb_cursor_close(c);
	check_ref_cases();
	check_registry();
	check_holders();
	mdb_txn_abort(txn);
	settle_behind();
	mend_registry();
	if (repo_stale_locks(&st, rflag, stale_lock, NULL) < 0)
		problem("refs/cases", "%s", _("cannot be read"));
	if (repo_stale_packs(&st, rflag, stale_pack, NULL) < 0)
		problem("objects/pack", "%s", _("cannot be read"));
	if (repo_stale_config(&st, rflag, stale_config, NULL) < 0)
		problem("docs.git", "%s", _("config.lock cannot be read"));
	check_pack_settings();
	/* the refs they may guard are mended by now, or problems say why not */
	if (repo_stale_keeps(&st, rflag && !problems, stale_keep, NULL) < 0)
		problem("objects/pack", "%s", _("cannot be read"));
	json_decref(refs);
	json_decref(behind);
	if (public_check(&st, rflag, stale_public, NULL) < 0)
		problem("web.public", "%s", st.errbuf);
	eport_close(&st);
	if (problems) {
		warnx(ngettext("%lu problem", "%lu problems", problems), problems);
		eport_status = 1;
	}
	return eport_exit();
}
