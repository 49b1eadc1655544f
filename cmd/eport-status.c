/* eport-status: an enterprise's cases as the public status query shows
 * them (已受理, 待补正, 不予受理, 审核通过, 领卡, 待邮寄, 已邮寄, 已办结), found
 * by its USCC or by the organisation code inside it.  Prints `id type taken
 * status detail` per case; -p CASE prints instead the collection notice
 * (领卡通知书) of a case at 领卡, or the bounce notice (退件通知书) of one
 * whose post came back (lib/notice.c), as plain UTF-8 text, or with -o FILE
 * as an A4 page of PDF drawn from the same lines (lib/notice-pdf.c).  Reads
 * only. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "each.h"
#include "office.h"

static struct eport st;
static MDB_txn *txn;
static struct out out;
static const char *opath;	/* -o: the notice as PDF */
static const char *const cols[] = { "id", "type", "taken", "status", "detail", NULL };

static const char usage_text[] = N_("usage: eport-status [-j] USCC|ORGCODE\n"
    "       eport-status -p CASE [-o FILE.pdf] [USCC|ORGCODE]\n"
    "       eport-status -R CASE [-o FILE.pdf] <LINES\n");

/* Upper case, and an organisation code's hyphen (MA2Y0K3P-X) dropped. */
static void
normalise(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++) {
		if (*in == '-' && n == 8)
			continue;
		out[n++] = toupper((unsigned char)*in);
	}
	out[n] = '\0';
}

/* Does the case's enterprise answer to who (a USCC or an organisation code)? */
static int
matches(const char *uscc, const char *who)
{
	char org[10];

	if (strlen(who) == 18)
		return !strcmp(uscc, who);
	uscc_orgcode(uscc, org);
	return *org && !strcmp(org, who);
}

static void
add_dups(MDB_cursor *c, MDB_val *k, json_t *ids)
{
	MDB_val v;
	int rc;

	for (rc = mdb_cursor_get(c, k, &v, MDB_FIRST_DUP); rc == 0;
	    rc = mdb_cursor_get(c, k, &v, MDB_NEXT_DUP))
		json_array_append_new(ids, json_stringn(v.mv_data, v.mv_size));
}

/* The ids of the enterprise's cases: by its USCC in DB_USCC, or by an
 * organisation code, which every USCC key of DB_USCC is scanned for. */
static json_t *
find_cases(const char *who)
{
	json_t *ids = json_array();
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (mdb_cursor_open(txn, st.dbi[DB_USCC], &c))
		die("db: cannot open a cursor");
	if (strlen(who) == 18) {
		k.mv_size = strlen(who);
		k.mv_data = (void *)who;
		if (mdb_cursor_get(c, &k, &v, MDB_SET_KEY) == 0)
			add_dups(c, &k, ids);
	} else {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_NODUP)) {
			char *uscc = strndup(k.mv_data, k.mv_size);

			if (matches(uscc, who))
				add_dups(c, &k, ids);
			free(uscc);
		}
	}
	mdb_cursor_close(c);
	return ids;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
	    json_string_value(*(json_t *const *)b));
}

static void
list(const char *who)
{
	json_t *ids = find_cases(who), *id;
	json_t **v;
	size_t i, n = json_array_size(ids);

	if (!n) {
		refuse("'%s': no case of this enterprise", who);
		json_decref(ids);
		return;
	}
	v = xcalloc(n, sizeof *v);
	json_array_foreach(ids, i, id)
		v[i] = id;
	qsort(v, n, sizeof *v, by_id);
	for (i = 0; i < n; i++) {
		json_t *kase = case_get(&st, txn, json_string_value(v[i])), *row;
		const char *status;
		char *detail;

		if (!kase)
			continue;
		status = public_status(kase, &detail);
		row = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", jstr(kase, "id"),
		    "type", jstr(kase, "type"), "taken", jstr(kase, "taken"),
		    "status", status, "detail", detail);
		out_row(&out, row);
		json_decref(row);
		free(detail);
		json_decref(kase);
	}
	free(v);
	json_decref(ids);
}

/* The notice's text, set on an A4 page of PDF in path (lib/notice-pdf.c). */
static void
notice_file(const char *id, const json_t *lines, const char *path)
{
	struct notice nt = { .lines = lines, .qr = id, .when = eport_now() };
	char *tmp = xasprintf("%s.XXXXXX", path), err[512];
	FILE *fp;
	int fd;

	if ((fd = mkstemp(tmp)) < 0 || !(fp = fdopen(fd, "w")))
		die("%s:", path);
	fchmod(fd, 0644);
	if (notice_pdf(&nt, fp, err, sizeof err) < 0) {
		fclose(fp);
		unlink(tmp);
		die("%s: %s", path, err);
	}
	if (fclose(fp) == EOF || rename(tmp, path) < 0) {
		unlink(tmp);
		die("%s:", path);
	}
	free(tmp);
}

static void
notice(const char *id, const char *who)
{
	json_t *kase = case_get(&st, txn, id), *lines;
	const char *status, *uscc;
	char *detail, *text;
	struct office office;

	if (!kase) {
		refuse("'%s': no such case", id);
		return;
	}
	uscc = jstr(json_object_get(kase, "enterprise"), "uscc");
	if (who && !matches(uscc, who)) {
		refuse("%s: not a case of '%s'", id, who);
		goto out;
	}
	status = public_status(kase, &detail);
	free(detail);
	if (strcmp(status, "领卡")) {
		refuse("%s: case is %s (%s), not at 领卡", id, jstr(kase, "state"), status);
		goto out;
	}
	office_get(&st, &office);
	lines = notice_lines(&office, kase, eport_now());
	if (opath) {
		notice_file(id, lines, opath);
	} else {
		text = notice_text(lines);
		fputs(text, stdout);
		free(text);
	}
	json_decref(lines);
out:
	json_decref(kase);
}

/* -R: a notice's lines (JSON, as the public snapshot keeps them) on stdin,
 * drawn as the PDF of case id's notice; the store is not opened, so that
 * eport-web, which cannot read it, hands its notices here. */
static void
render(const char *id)
{
	struct buf in = { 0 };
	char chunk[65536], err[512];
	json_error_t je;
	json_t *lines;
	size_t n;

	for (const char *p = id; *p; p++)
		if (!(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') && *p != '-')
			die("-R '%s': not a case id", id);
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		if (in.len + n > (1u << 20))
			die("<stdin>: the notice's lines: more than 1 MiB");
		buf_add(&in, chunk, n);
	}
	if (ferror(stdin))
		die("<stdin>:");
	if (!(lines = json_loadb(in.s ? in.s : "", in.len, 0, &je)))
		die("<stdin>:%d: the notice's lines: %s", je.line, je.text);
	if (!json_is_array(lines))
		die("<stdin>: the notice's lines: not a JSON array");
	buf_free(&in);
	if (opath) {
		notice_file(id, lines, opath);
	} else {
		struct notice nt = { .lines = lines, .qr = id, .when = eport_now() };

		if (notice_pdf(&nt, stdout, err, sizeof err) < 0)
			die("%s", err);
	}
	json_decref(lines);
}

int
main(int argc, char *argv[])
{
	const char *pcase = NULL, *rcase = NULL;
	char who[32];
	int c;

	eport_start(argc, argv, usage_text);
	out.fp = stdout;
	out.cols = cols;
	while ((c = getopt(argc, argv, "jo:p:R:h")) != -1) {
		switch (c) {
		case 'R':
			rcase = optarg;
			break;
		case 'j':
			out.json = 1;
			break;
		case 'o':
			opath = optarg;
			break;
		case 'p':
			pcase = optarg;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (rcase) {
		if (argc || pcase || out.json)
			eport_usage(2);
		render(rcase);
		return eport_exit();
	}
	if (argc > 1 || (argc == 0 && !pcase) || (opath && !pcase))
		eport_usage(2);
	if (argc == 1) {
		normalise(argv[0], who, sizeof who);
		if (strlen(who) != 18 && strlen(who) != 9) {
			refuse("'%s': neither a USCC (18 characters) nor an organisation code (9)",
			    argv[0]);
			return eport_exit();
		}
	}
	txn = eport_open_read(&st);
	if (pcase)
		notice(pcase, argc ? who : NULL);
	else
		list(who);
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}
