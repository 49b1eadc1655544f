/* test-ids: runs the validators of lib/ids.c over the table t/data/ids.tsv.
 * Reads lines "validator<TAB>input[<TAB>...]" on stdin and prints
 * "validator<TAB>input<TAB>result<TAB>out", result ok, legacy, bad, or for
 * card new, legacy, bad; out the birth date and sex, the organisation code,
 * the number made, or the reason when bad ("-" for none). */
#include <stdlib.h>
#include <string.h>

#include "each.h"

static int (*const simple[])(const char *) = {
	orgcode_valid, phone_mobile, phone_landline, phone_valid, ems_valid, s10_valid,
	tracking_valid, order_number_valid,
};
static const char *const simple_names[] = {
	"orgcode", "mobile", "landline", "phone", "ems", "s10", "tracking", "order",
};

static void
run(const char *v, const char *in)
{
	const char *res = "bad", *why;
	char out[64] = "-";

	if (strcmp(v, "uscc") == 0) {
		int rc = uscc_check(in, &why);

		res = rc == ID_OK ? "ok" : rc == ID_LEGACY ? "legacy" : "bad";
		if (rc == ID_BAD && uscc_check_char(in) && strcmp(why, "bad check character") == 0)
			snprintf(out, sizeof out, "%s, expected %c", why, uscc_check_char(in));
		else if (rc == ID_BAD)
			snprintf(out, sizeof out, "%s", why);
		else
			uscc_orgcode(in, out);
	} else if (id_type_valid(v)) {
		struct idinfo id;

		if (id_check(v, in, &id) == ID_OK) {
			res = "ok";
			if (id.sex)
				snprintf(out, sizeof out, "%s %c", id.birth, id.sex);
		} else
			snprintf(out, sizeof out, "%s", id.why);
	} else if (strcmp(v, "card") == 0) {
		int rc = card_number_check(in);

		res = rc == CARD_NEW ? "new" : rc == CARD_LEGACY ? "legacy" : "bad";
	} else if (strcmp(v, "card-make") == 0) {
		char *end;
		long y = strtol(in, &end, 10);
		unsigned long seq = strtoul(end, NULL, 10);

		if (card_number_make(y, seq, out) == 0)
			res = "ok";
		else
			strcpy(out, "-");
	} else {
		size_t i;

		for (i = 0; i < LEN(simple_names) && strcmp(v, simple_names[i]) != 0; i++)
			;
		if (i == LEN(simple_names))
			die("unknown validator '%s'", v);
		res = simple[i](in) ? "ok" : "bad";
	}
	printf("%s\t%s\t%s\t%s\n", v, in, res, out);
}

int
main(int argc, char *argv[])
{
	char *line = NULL, *tab, *in;
	size_t cap = 0;
	ssize_t n;

	setprogname(argv[0]);
	if (argc > 1)
		die("usage: test-ids <table");
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (!*line || *line == '#')
			continue;
		if (!(tab = strchr(line, '\t')))
			die("'%s': no input column", line);
		*tab = '\0';
		in = tab + 1;
		if ((tab = strchr(in, '\t')))
			*tab = '\0';
		run(line, in);
	}
	free(line);
	return fshut(stdout, "<stdout>");
}
