/* eport-status: an enterprise's cases as the public status query shows
 * them (已受理, 待补正, 不予受理, 审核通过, 领卡, 待邮寄, 已邮寄, 已办结), found
 * by its USCC or by the organisation code inside it.  Prints `id type taken
 * status detail` per case; -p CASE prints instead the collection notice
 * (领卡通知书) of a case at 领卡, as plain UTF-8 text, or with -o FILE as
 * an A4 page of PDF drawn from that text (lib/notice.c).  Reads only. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "eport.h"
#include "office.h"

static struct eport st;
static MDB_txn *txn;
static struct out out;
static const char *const cols[] = { "id", "type", "taken", "status", "detail", NULL };

static void
usage(void)
{
	fprintf(stderr, "usage: eport-status [-j] USCC|ORGCODE\n"
	    "       eport-status -p CASE [-o FILE.pdf] [USCC|ORGCODE]\n");
	exit(2);
}

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

static const char *
holder_name(const json_t *kase, const char *id_number)
{
	size_t i;
	json_t *h;

	json_array_foreach(json_object_get(kase, "holders"), i, h)
		if (*id_number && !strcmp(jstr(h, "id_number"), id_number))
			return jstr(h, "name");
	return "";
}

static const char *
card_kind(const char *role)
{
	if (!strcmp(role, "legal"))
		return "电子口岸法人卡";
	if (!strcmp(role, "operator"))
		return "电子口岸操作员卡";
	return "电子口岸卡";
}

/* What the enterprise collects: the cards written, else the cards it sent
 * in (unlocked or renewed), or a reader case's reader. */
static void
print_items(const json_t *kase)
{
	const json_t *cards = json_object_get(kase, "issued");
	size_t i, n = 0;
	json_t *c;

	if (!json_array_size(cards))
		cards = json_object_get(kase, "cards");
	printf("领取物品：\n");
	json_array_foreach(cards, i, c) {
		const char *name = holder_name(kase, jstr(c, "holder"));

		printf("  %zu. %s %s%s%s\n", ++n, card_kind(jstr(c, "role")), jstr(c, "number"),
		    *name ? " " : "", name);
	}
	if (!strcmp(jstr(kase, "type"), "reader"))
		printf("  %zu. 自购读卡器（订单 %s）\n", ++n, jstr(kase, "order"));
	if (!n)
		printf("  无\n");
}

static void
notice(const char *id, const char *who)
{
	json_t *kase = case_get(&st, txn, id);
	const json_t *ent;
	const char *status, *uscc;
	char *detail, today[11];

	if (!kase) {
		refuse("'%s': no such case", id);
		return;
	}
	ent = json_object_get(kase, "enterprise");
	uscc = jstr(ent, "uscc");
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
	fmt_date(eport_now(), today);
	printf("领卡通知书\n\n");
	printf("企业名称：%s\n", jstr(ent, "name"));
	printf("统一社会信用代码：%s\n", uscc);
	printf("业务编号：%s\n", id);
	printf("业务类型：%s\n", type_name(jstr(kase, "type")) ?: jstr(kase, "type"));
	printf("受理日期：%.10s\n", jstr(kase, "taken"));
	if (*jstr(kase, "accepted"))
		printf("审核通过：%.10s\n", jstr(kase, "accepted"));
	if (*jstr(json_object_get(kase, "handler"), "name"))
		printf("经办人：%s\n", jstr(json_object_get(kase, "handler"), "name"));
	printf("\n");
	print_items(kase);
	printf("\n");
	if (!strcmp(jstr(kase, "state"), "bounced")) {
		const json_t *ob = json_object_get(kase, "outbound");
		const char *why = jstr(ob, "why"), *tracking = jstr(ob, "tracking");

		printf("邮件");
		if (*tracking)
			printf("（EMS %s）", tracking);
		printf("已退回%s%s。往返快递费用由企业承担。\n\n", *why ? "：" : "", why);
	}
	printf("本通知书须加盖单位公章，由经办人持本人身份证件到服务大厅领取。\n\n");
	printf("领卡地点：%s\n", cfg_str(&st, "office.name", ""));
	printf("地址：%s\n", cfg_str(&st, "office.address", ""));
	printf("电话：%s\n", cfg_str(&st, "office.phone", ""));
	printf("办公时间：工作日 %s\n", cfg_str(&st, "office.hours", CAL_HOURS));
	printf("\n（单位公章）\n");
	printf("打印日期：%s\n", today);
out:
	json_decref(kase);
}

/* The notice of id as a PDF in path: its text, as notice() prints it, set
 * on the page.  glibc lets a program point stdout elsewhere (the manual's
 * "Standard Streams"), so the text is made by the very code that prints it. */
static void
notice_file(const char *id, const char *who, const char *path)
{
	struct notice nt = { .qr = id, .when = eport_now() };
	FILE *keep = stdout, *mem, *fp;
	char *text = NULL, *tmp, err[512];
	size_t len = 0;
	int before = eport_status, fd;

	fflush(stdout);
	if (!(mem = open_memstream(&text, &len)))
		die("open_memstream:");
	stdout = mem;
	notice(id, who);
	stdout = keep;
	if (fclose(mem) == EOF)
		die("open_memstream:");
	if (eport_status != before) {
		free(text);
		return;
	}
	nt.text = text;
	tmp = xasprintf("%s.XXXXXX", path);
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
	free(text);
}

int
main(int argc, char *argv[])
{
	const char *pcase = NULL, *opath = NULL;
	char who[32];
	int c;

	setprogname(argv[0]);
	out.fp = stdout;
	out.cols = cols;
	while ((c = getopt(argc, argv, "jo:p:h")) != -1) {
		switch (c) {
		case 'j':
			out.json = 1;
			break;
		case 'o':
			opath = optarg;
			break;
		case 'p':
			pcase = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 0 && !pcase) || (opath && !pcase))
		usage();
	if (argc == 1) {
		normalise(argv[0], who, sizeof who);
		if (strlen(who) != 18 && strlen(who) != 9) {
			refuse("'%s': neither a USCC (18 characters) nor an organisation code (9)",
			    argv[0]);
			return eport_exit();
		}
	}
	txn = eport_open_read(&st);
	if (pcase && opath)
		notice_file(pcase, argc ? who : NULL, opath);
	else if (pcase)
		notice(pcase, argc ? who : NULL);
	else
		list(who);
	mdb_txn_abort(txn);
	eport_close(&st);
	return eport_exit();
}
