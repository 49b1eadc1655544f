/* fuzz-sheet: lib/sheet.c's reader on any bytes (an xlsx when they start as
 * a zip, else CSV or TSV text), with what it promises: rows of string cells,
 * each with its line or row number, no row all empty; a refusal says why. */
#include <stdlib.h>
#include <string.h>

#include "office.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[512] = "";
	json_t *rows, *row, *cell;
	size_t i, j;
	int xlsx, empty;

	if (sheet_read(data, size, &rows, &xlsx, err, sizeof err) < 0) {
		if (!*err || rows)
			abort();
		return 0;
	}
	if (!json_is_array(rows) || xlsx != (size >= 4 && !memcmp(data, "PK\3\4", 4)))
		abort();
	json_array_foreach(rows, i, row) {
		if (!json_is_integer(json_object_get(row, "at")) ||
		    !json_is_array(json_object_get(row, "cells")))
			abort();
		empty = 1;
		json_array_foreach(json_object_get(row, "cells"), j, cell) {
			if (!json_is_string(cell))
				abort();
			if (json_string_length(cell))
				empty = 0;
		}
		if (empty)
			abort();
	}
	json_decref(rows);
	return 0;
}
