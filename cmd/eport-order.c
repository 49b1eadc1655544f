/* eport-order: the security-product sales platform's orders.
 *
 * import: reads the platform's order export (FILE..., or stdin), one row per
 * order line, CSV or TSV, UTF-8 or GB18030 (lib/order.c); stores each order
 * whose rows are all good in DB_ORDERS, one write transaction per file: its
 * lines and the columns the export has replace those of an earlier import,
 * the rest (and the case it serves) is kept;
 * prints `order status lines` per order stored, after the commit.  A bad row
 * is refused as FILE:LINE: column: what is wrong, and its order is not stored.
 *
 * ls: prints the stored orders (or those named), `order time status office
 * pickup products case handed`: beside the platform's status, the case that
 * used the order and when the office handed out what it bought (posted it,
 * or gave it over at the counter); -j the whole records, with "handed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

#define EXPORT_MAX (64u << 20)	/* an export file: 64 MiB */

static int dry, jflag;
static const char *status;
static struct out out;
static const char *const import_cols[] = { "order", "status", "lines", NULL };
static const char *const ls_cols[] = {
	"order", "time", "status", "office", "pickup", "products", "case", "handed", NULL
};

static const char usage_text[] = N_("usage: eport-order import [-jn] [FILE...]\n"
    "       eport-order ls [-j] [-s STATUS] [ORDER...]\n");

static int
put_orders(struct eport *st, MDB_txn *txn, void *arg)
{
	json_t *orders = arg, *o, *old;
	size_t i;
	int rc;

	json_array_foreach(orders, i, o) {
		/* what this export has replaces what the store had: the lines,
		 * the status, every column it has; the rest stays */
		if ((old = order_get(st, txn, jstr(o, "order"))))
			json_object_update(old, o);
		rc = order_put(st, txn, old ? old : o);
		json_decref(old);
		if (rc) {
			snprintf(st->errbuf, sizeof st->errbuf, _("db: order '%s': %s"),
			    jstr(o, "order"), store_err(rc));
			return 2;
		}
	}
	return 0;
}

static int
slurp(FILE *fp, struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b->len + n > EXPORT_MAX)
			return 1;
		buf_add(b, chunk, n);
	}
	return ferror(fp) ? -1 : 0;
}

static void
import(struct eport *st, FILE *fp, const char *name)
{
	struct buf b = { 0 };
	json_t *orders, *refused, *r, *o;
	size_t i;
	int rc;

	if ((rc = slurp(fp, &b))) {
		if (rc > 0)
			refuse("%s: larger than 64 MiB", name);
		else
			refuse("cannot read '%s':", name);
		buf_free(&b);
		return;
	}
	rc = order_parse(b.s ? b.s : "", b.len, &orders, &refused);
	buf_free(&b);
	json_array_foreach(refused, i, r) {
		long line = json_integer_value(json_object_get(r, "line"));

		if (!line)
			die("%s: %s", name, jstr(r, "message"));
		if (*jstr(r, "column"))
			refuse("%s:%ld: %s: %s", name, line, jstr(r, "column"), jstr(r, "message"));
		else
			refuse("%s:%ld: %s", name, line, jstr(r, "message"));
	}
	if (rc == 0 && !dry && json_array_size(orders) &&
	    eport_commit(st, put_orders, orders, NULL) != 0)
		die("%s", st->errbuf);
	json_array_foreach(orders, i, o) {
		json_t *row = json_pack("{s:s, s:s, s:I}", "order", jstr(o, "order"), "status",
		    jstr(o, "status"), "lines", (json_int_t)json_array_size(json_object_get(o, "lines")));

		out_row(&out, row);
		json_decref(row);
	}
	fflush(stdout);
	json_decref(orders);
	json_decref(refused);
}

static void
cmd_import(int argc, char **argv)
{
	struct eport st;
	FILE *fp;

	/* docs.git too: the orders are recorded on the registry's ref */
	if (eport_open(&st, 0) < 0)
		die("%s", st.errbuf);
	out.cols = import_cols;
	if (argc == 0)
		import(&st, stdin, "<stdin>");
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-")) {
			import(&st, stdin, "<stdin>");
		} else if (!(fp = fopen(argv[i], "rb"))) {
			refuse("cannot open '%s':", argv[i]);
		} else {
			import(&st, fp, argv[i]);
			fclose(fp);
		}
	}
	eport_close(&st);
}

/* When the office handed out what the order's case had to give: the time
 * it was collected at the counter, posted, or closed at the hall; "" while
 * it has not. */
static char *
handed(struct eport *st, MDB_txn *txn, const json_t *o)
{
	json_t *kase = *jstr(o, "case") ? case_get(st, txn, jstr(o, "case")) : NULL;
	const char *at = "";
	char *s;

	if (kase) {
		at = jstr(json_object_get(kase, "collected"), "at");
		if (!*at)
			at = jstr(json_object_get(kase, "outbound"), "shipped");
		if (!*at && !strcmp(jstr(kase, "state"), "closed") &&
		    strcmp(jstr(kase, "pickup"), "mail"))
			at = jstr(kase, "closed");
	}
	s = xstrdup(at);
	json_decref(kase);
	return s;
}

static void
list(struct eport *st, MDB_txn *txn, const json_t *o)
{
	json_t *row;
	char *products, *given;

	if (status && strcmp(jstr(o, "status"), status))
		return;
	given = handed(st, txn, o);
	if (jflag) {
		row = json_deep_copy(o);
		if (*given)
			json_object_set_new(row, "handed", json_string(given));
		out_row(&out, row);
		json_decref(row);
		free(given);
		return;
	}
	products = order_products(o);
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "order", jstr(o, "order"),
	    "time", jstr(o, "time"), "status", jstr(o, "status"), "office", jstr(o, "office"),
	    "pickup", jstr(o, "pickup"), "products", products, "case", jstr(o, "case"),
	    "handed", given);
	out_row(&out, row);
	json_decref(row);
	free(products);
	free(given);
}

static void
cmd_ls(int argc, char **argv)
{
	struct eport st;
	MDB_txn *txn = eport_open_read(&st);
	MDB_cursor *c;
	MDB_val k, v;
	json_t *o;
	int rc;

	out.cols = jflag ? NULL : ls_cols;
	for (int i = 0; i < argc; i++) {
		if (!(o = order_get(&st, txn, argv[i]))) {
			refuse("'%s': no such order", argv[i]);
			continue;
		}
		list(&st, txn, o);
		json_decref(o);
	}
	if (argc == 0) {
		if ((rc = mdb_cursor_open(txn, st.dbi[DB_ORDERS], &c)))
			die("db: %s", store_err(rc));
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if (!(o = json_loadb(v.mv_data, v.mv_size, 0, NULL))) {
				refuse("order '%.*s': not JSON in the store", (int)k.mv_size,
				    (char *)k.mv_data);
				continue;
			}
			list(&st, txn, o);
			json_decref(o);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	eport_close(&st);
}

static void
opt(int c, char *arg)
{
	switch (c) {
	case 'j':
		jflag = 1;
		break;
	case 'n':
		dry = 1;
		break;
	case 's':
		if (!order_status_valid(status = arg))
			die("-s '%s': not an order status (待支付, 待认证, 待开票, 待提货, "
			    "待退款 or 完成)", arg);
		break;
	}
}

int
main(int argc, char *argv[])
{
	static const struct sub subs[] = { { "import", "jn" }, { "ls", "js" } };
	size_t i;

	eport_start(argc, argv, usage_text);
	out.fp = stdout;
	i = eport_sub(&argc, &argv, subs, LEN(subs), "jns:h",
	    N_("'%s': not a subcommand (import or ls)"), opt);
	out.json = jflag;
	if (i == 0) {
		cmd_import(argc, argv);
	} else {
		cmd_ls(argc, argv);
	}
	return eport_exit();
}
