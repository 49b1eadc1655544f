/* fuzz-record: the record reader.  The input is a file given to eport-apply
 * or to any command reading ids: JSON Lines or TSV, told apart by its first
 * line.  Every record read must flatten and, when it came from TSV, unflatten
 * back to itself, with no field but the header's columns; every record
 * prints as TSV and JSON Lines. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "eport.h"

static const char *const cols[] = {
	"id", "type", "uscc", "state", "ref", "enterprise.uscc", "holders.1.id_number", NULL
};

/* The TSV header as the reader should see it: the first line not blank,
 * without a byte-order mark or CR, as "\tcol\tcol\t" (NULL if none). */
static char *
header(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	if (size >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', end - p), *e = nl ? nl : end, *q;
		char *h;

		for (q = p; q < e && isspace(*q); q++)
			;
		if (q < e) {
			if (e > p && e[-1] == '\r')
				e--;
			h = xmalloc(e - p + 3);
			h[0] = '\t';
			memcpy(h + 1, p, e - p);
			memcpy(h + 1 + (e - p), "\t", 2);
			return h;
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

static FILE *
open_input(const uint8_t *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size ? size : 1, "r");

	if (fp && !size)
		fgetc(fp);	/* fmemopen cannot open an empty buffer: read it empty */
	return fp;
}

static void
records(const uint8_t *data, size_t size, FILE *sink)
{
	FILE *fp = open_input(data, size);
	struct out tsv = { sink, 0, cols, 0 }, jl = { sink, 1, cols, 0 }, all = { sink, 1, NULL, 0 };
	struct rdr *r;
	json_t *rec;
	char *head = header(data, size);
	int rc;

	if (!fp) {
		free(head);
		return;
	}
	r = rdr_open(fp, "in");
	while ((rc = rdr_next(r, &rec)) != 0) {
		if (rc < 0) {
			/* a refusal says where: "in:LINE: ..." */
			if (strncmp(rdr_error(r), "in:", 3))
				abort();
			if (rc == -2)
				break;
			continue;
		}
		if (!json_is_object(rec))
			abort();
		json_t *flat = flatten(rec);
		if (rdr_is_tsv(r)) {
			struct buf err = { 0 };
			json_t *back = unflatten(flat, &err), *v;
			const char *k;

			/* what TSV gave, TSV gives back */
			if (!back || !json_equal(back, rec))
				abort();
			json_decref(back);
			buf_free(&err);
			/* under the names the header gave */
			json_object_foreach(flat, k, v) {
				char *col = xasprintf("\t%s\t", k);

				if (!head || !strstr(head, col))
					abort();
				free(col);
			}
		}
		json_decref(flat);
		out_row(&tsv, rec);
		out_row(&jl, rec);
		out_row(&all, rec);
		json_decref(rec);
	}
	rdr_close(r);
	fclose(fp);
	free(head);
}

static void
ids(const uint8_t *data, size_t size)
{
	FILE *fp = open_input(data, size);
	struct rdr *r;
	char *id;
	int rc;

	if (!fp)
		return;
	r = rdr_open(fp, "in");
	while ((rc = rdr_next_id(r, &id)) != 0) {
		if (rc == -2)
			break;
		free(id);
	}
	rdr_close(r);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		abort();
	records(data, size, sink);
	ids(data, size);
	return 0;
}
