/* mirror.c: what LMDB holds beside the cases (the card registry, the
 * enterprises, the orders, the shipments, the counters), committed to
 * docs.git on the ref refs/eport/<office.branch>/registry, so that a store
 * can be rebuilt from its repository alone (DESIGN.md section 9).
 *
 * The tree holds one blob per LMDB record: <dir>/<p1>/<p2>/<key>, dir the
 * database (cards, enterprises, orders, shipments, counters), key the
 * record's key with every byte but [A-Za-z0-9_-] written %XX, p1 the key
 * without its last four characters and p2 the two before its last two
 * ("_" where the key is too short), so that leaves are all at one depth
 * and nearby keys (a day's orders, the cards of a year) share their trees.
 * The blob is the record's value byte for byte; a counter's is its number
 * in decimal and a newline.
 *
 * Writes: db_put and db_del note the key of a mirrored database in the
 * transaction's dirty set (mirror_note); before the transaction commits,
 * mirror_commit reads each noted key back from the transaction (present:
 * its blob; absent: its path removed, which is right even after a nested
 * transaction was aborted), makes one commit on the tip that DB_META
 * records (not on the ref, which moves after the commit and may lag), and
 * records the new tip in DB_META in the same transaction.  Its objects
 * are written before LMDB commits, with the transaction's others; the ref
 * moves after (mirror_advance), never backwards. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eport.h"

/* each as db_names[] names its database */
static const char *const dirs[DB_N] = {
	[DB_CARDS] = "cards",
	[DB_ENTERPRISES] = "enterprises",
	[DB_ORDERS] = "orders",
	[DB_SHIP] = "shipments",
	[DB_COUNTERS] = "counters",
};
const int mirror_dbs[MIRROR_NDBS] = { DB_CARDS, DB_ENTERPRISES, DB_ORDERS, DB_SHIP, DB_COUNTERS };

int
mirror_db(int db)
{
	return db >= 0 && db < DB_N && dirs[db];
}

const char *
mirror_dir(int db)
{
	return mirror_db(db) ? dirs[db] : NULL;
}

static int
plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-';
}

char *
mirror_path(int db, const void *key, size_t n)
{
	const unsigned char *k = key;
	struct buf e = { 0 }, p = { 0 };
	size_t len;

	for (size_t i = 0; i < n; i++)
		if (plain(k[i]))
			buf_add(&e, &k[i], 1);
		else
			buf_printf(&e, "%%%02X", k[i]);
	buf_add(&e, "", 1);
	len = e.len - 1;
	buf_printf(&p, "%s/", dirs[db]);
	if (len > 4)
		buf_printf(&p, "%.*s/", (int)(len - 4), e.s);
	else
		buf_puts(&p, "_/");
	if (len > 2)
		buf_printf(&p, "%.*s/", 2, e.s + (len > 4 ? len - 4 : 0));
	else
		buf_puts(&p, "_/");
	buf_puts(&p, e.s);
	buf_free(&e);
	return p.s;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mirror_key(const char *path, int *db, struct buf *key)
{
	const char *leaf = strrchr(path, '/'), *slash = strchr(path, '/');
	char *want;
	int found = -1;

	if (!leaf || !slash)
		return -1;
	for (int i = 0; i < DB_N; i++)
		if (dirs[i] && strlen(dirs[i]) == (size_t)(slash - path) &&
		    !strncmp(path, dirs[i], slash - path))
			found = i;
	if (found < 0)
		return -1;
	key->len = 0;
	for (const char *s = leaf + 1; *s; s++) {
		if (*s == '%') {
			int a = hexval(s[1]), b = a < 0 ? -1 : hexval(s[2]);
			unsigned char c;

			if (b < 0)
				return -1;
			c = a << 4 | b;
			buf_add(key, &c, 1);
			s += 2;
		} else if (plain(*s)) {
			buf_add(key, s, 1);
		} else {
			return -1;
		}
	}
	/* one name for one key: the path must be the one mirror_path makes */
	want = mirror_path(found, key->s ? key->s : "", key->len);
	if (!strcmp(want, path))
		*db = found;
	else
		found = -1;
	free(want);
	return found < 0 ? -1 : 0;
}

/* A value as its blob: the bytes, or a counter in decimal. */
int
mirror_blob(int db, const MDB_val *v, struct buf *out)
{
	out->len = 0;
	if (db == DB_COUNTERS) {
		uint64_t n;

		if (v->mv_size != sizeof n)
			return -1;
		memcpy(&n, v->mv_data, sizeof n);
		buf_printf(out, "%llu\n", (unsigned long long)n);
		return 0;
	}
	buf_add(out, v->mv_data, v->mv_size);
	buf_add(out, "", 1);
	out->len--;
	return 0;
}

/* A blob back as the value LMDB keeps (a counter: 8 bytes). */
int
mirror_value(int db, const void *p, size_t n, struct buf *out)
{
	out->len = 0;
	if (db == DB_COUNTERS) {
		char s[32], *end;
		unsigned long long x;
		uint64_t v;

		if (n < 2 || n >= sizeof s || ((const char *)p)[n - 1] != '\n')
			return -1;
		memcpy(s, p, n - 1);
		s[n - 1] = '\0';
		if (strspn(s, "0123456789") != n - 1)
			return -1;
		errno = 0;
		x = strtoull(s, &end, 10);
		if (errno)
			return -1;
		v = x;
		buf_add(out, &v, sizeof v);
		return 0;
	}
	buf_add(out, p, n);
	return 0;
}

void
mirror_note(struct eport *st, int db, const MDB_val *key)
{
	char *path;

	if (!mirror_db(db) || st->mirror_off)
		return;
	if (!st->dirty)
		st->dirty = json_object();
	path = mirror_path(db, key->mv_data, key->mv_size);
	json_object_set_new(st->dirty, path, json_integer(db));
	free(path);
}

void
mirror_reset(struct eport *st)
{
	if (st->dirty)
		json_object_clear(st->dirty);
	st->mirror_moved = 0;
}

char *
mirror_ref(struct eport *st)
{
	return xasprintf("refs/eport/%s/registry", cfg_str(st, "office.branch", "XM"));
}

#define META_TIP "registry"

int
mirror_tip(struct eport *st, MDB_txn *txn, git_oid *tip)
{
	MDB_val k = { strlen(META_TIP), META_TIP }, v;
	int rc;

	if ((rc = mdb_get(txn, st->dbi[DB_META], &k, &v)))
		return rc;
	if (v.mv_size != GIT_OID_HEXSZ || git_oid_fromstrn(tip, v.mv_data, v.mv_size) < 0)
		return MDB_CORRUPTED;
	return 0;
}

int
mirror_set_tip(struct eport *st, MDB_txn *txn, const git_oid *tip)
{
	MDB_val k = { strlen(META_TIP), META_TIP }, v = { GIT_OID_HEXSZ, NULL };
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof hex, tip);
	v.mv_data = hex;
	return mdb_put(txn, st->dbi[DB_META], &k, &v, 0);
}

static int
git_fail(struct eport *st, const char *what)
{
	snprintf(st->errbuf, sizeof st->errbuf, _("docs.git: the registry: %s: %s"), _(what),
	    eport_git_err());
	return 2;
}

/* "cards 2, counters 1": what a commit changed, by database */
static void
summary(struct buf *msg, const int *count)
{
	int first = 1;

	for (int i = 0; i < DB_N; i++)
		if (count[i]) {
			buf_printf(msg, "%s%s %d", first ? "" : ", ", dirs[i], count[i]);
			first = 0;
		}
}

int
mirror_commit(struct eport *st, MDB_txn *txn)
{
	git_tree_update *up = NULL;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_oid ptip, tid, cid;
	struct buf b = { 0 }, msg = { 0 };
	int count[DB_N] = { 0 }, have_parent, rc;
	const char *path;
	json_t *v;
	size_t n = 0;

	st->mirror_moved = 0;
	if (!st->dirty || !json_object_size(st->dirty) || st->dry || st->mirror_off)
		return 0;
	if (!st->repo) {
		snprintf(st->errbuf, sizeof st->errbuf,
		    "%s", _("the registry changed, but docs.git is not open to record it"));
		return 2;
	}
	rc = mirror_tip(st, txn, &ptip);
	if (rc && rc != MDB_NOTFOUND) {
		snprintf(st->errbuf, sizeof st->errbuf, _("db: meta: the registry's commit: %s"),
		    mdb_strerror(rc));
		return 2;
	}
	have_parent = rc == 0;
	if (have_parent && (git_commit_lookup(&parent, st->repo, &ptip) < 0 ||
	    git_commit_tree(&base, parent) < 0)) {
		rc = git_fail(st, N_("its last commit"));
		goto out;
	}
	up = xcalloc(json_object_size(st->dirty), sizeof *up);
	json_object_foreach(st->dirty, path, v) {
		int db = json_integer_value(v);
		struct buf key = { 0 };
		MDB_val k, val;

		if (mirror_key(path, &db, &key) < 0) {
			buf_free(&key);
			continue;
		}
		k.mv_size = key.len;
		k.mv_data = key.s ? key.s : "";
		rc = mdb_get(txn, st->dbi[db], &k, &val);
		if (rc == 0) {
			if (mirror_blob(db, &val, &b) < 0 ||
			    git_blob_create_from_buffer(&up[n].id, st->repo, b.s ? b.s : "", b.len) < 0) {
				buf_free(&key);
				rc = b.len || db != DB_COUNTERS ? git_fail(st, N_("a record's blob")) :
				    (snprintf(st->errbuf, sizeof st->errbuf,
				    _("db: counter '%.*s' is not 8 bytes"), (int)key.len, key.s), 2);
				goto out;
			}
			up[n].action = GIT_TREE_UPDATE_UPSERT;
		} else if (rc == MDB_NOTFOUND) {
			git_tree_entry *e = NULL;

			/* removing what the tree lacks is an error to libgit2 */
			if (!base || git_tree_entry_bypath(&e, base, path) < 0) {
				buf_free(&key);
				continue;
			}
			git_tree_entry_free(e);
			up[n].action = GIT_TREE_UPDATE_REMOVE;
		} else {
			buf_free(&key);
			snprintf(st->errbuf, sizeof st->errbuf, "db: %s: %s", dirs[db], mdb_strerror(rc));
			rc = 2;
			goto out;
		}
		buf_free(&key);
		up[n].filemode = GIT_FILEMODE_BLOB;
		up[n].path = path;
		count[db]++;
		n++;
	}
	rc = 0;
	if (!n)
		goto out;
	if (git_tree_create_updated(&tid, st->repo, base, n, up) < 0) {
		rc = git_fail(st, N_("its tree"));
		goto out;
	}
	if (base && git_oid_equal(&tid, git_tree_id(base)))
		goto out;	/* written back as it was */
	buf_printf(&msg, "registry: ");
	summary(&msg, count);
	buf_printf(&msg, "\n\nCommand: %s\nStaff: %s\nLogin: %s\n", argv0, eport_user(),
	    eport_login());
	if (git_signature_new(&sig, eport_user(), eport_login(), eport_now(), 8 * 60) < 0 ||
	    git_tree_lookup(&tree, st->repo, &tid) < 0 ||
	    git_commit_create(&cid, st->repo, NULL, sig, sig, "UTF-8", msg.s, tree,
	    parent ? 1 : 0, (const git_commit **)&parent) < 0) {
		rc = git_fail(st, N_("its commit"));
		goto out;
	}
	if ((rc = mirror_set_tip(st, txn, &cid)))
		goto out;
	st->mirror_new = cid;
	st->mirror_moved = 1;
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	buf_free(&b);
	buf_free(&msg);
	free(up);
	return rc;
}

int
mirror_advance(struct eport *st)
{
	char *ref;
	int rc;

	if (!st->mirror_moved || !st->repo)
		return 0;
	ref = mirror_ref(st);
	rc = repo_move(st, ref, &st->mirror_new);
	free(ref);
	st->mirror_moved = 0;
	return rc;
}
