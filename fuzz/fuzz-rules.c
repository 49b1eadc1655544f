/* fuzz-rules: the rulebook's checks (and case_validate) on a record with no
 * store behind them (every check_env callback NULL), as eport-check -f runs
 * them on any file.  The input is one JSON value; the findings must have the
 * shape lib/eport.h gives them. */
#include <stdlib.h>
#include <string.h>

#include "eport.h"

static struct rulebook *rb;

static void
shape(const json_t *found)
{
	size_t i;
	json_t *f;
	int block = 0;

	if (!json_is_array(found))
		abort();
	json_array_foreach(found, i, f) {
		const char *sev = jstr(f, "severity");

		if (strcmp(sev, "block") && strcmp(sev, "warn"))
			abort();
		block |= !strcmp(sev, "block");
		if (!*jstr(f, "rule") || !json_is_string(json_object_get(f, "path")) ||
		    !json_is_string(json_object_get(f, "message")))
			abort();
	}
	if (rules_blocking(found) != block)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct check_env none;
	json_t *rec, *found;
	struct buf err = { 0 };
	char msg[512];

	if (!rb) {
		const char *dir = getenv("EPORT_SHARE");

		if (!(rb = rules_load_dir(dir && *dir ? dir : SHAREDIR, msg, sizeof msg))) {
			fprintf(stderr, "fuzz-rules: %s\n", msg);
			abort();
		}
	}
	rec = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!rec)
		return 0;
	if (json_is_object(rec)) {
		if (case_validate(rec, &err) < 0 && (!err.s || !*err.s))
			abort();	/* a refusal says why */
		buf_free(&err);
		shape(found = rules_check(rb, rec, &none));
		json_decref(found);
		shape(found = rules_check(rb, rec, NULL));
		json_decref(found);
	}
	json_decref(rec);
	return 0;
}
