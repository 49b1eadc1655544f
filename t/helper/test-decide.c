/* test-decide: the functions of lib/decide.c over tables of cases, for
 * t/0400-review.t and t/0420-status.t.  Reads FILE, one JSON case per line
 * ('#' lines and blank lines skipped).
 *   test-decide status FILE   prints "state<TAB>status<TAB>detail" per case
 *   test-decide guard FILE    each case has "$action" and "$user"; prints
 *                             "line<TAB>ok" or "line<TAB>why" */
#include <stdlib.h>
#include <string.h>

#include "each.h"

static void
usage(void)
{
	fprintf(stderr, "usage: test-decide status|guard FILE\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	int guard;

	setprogname(argv[0]);
	if (argc != 3 || (strcmp(argv[1], "status") && strcmp(argv[1], "guard")))
		usage();
	guard = !strcmp(argv[1], "guard");
	if (!(fp = fopen(argv[2], "r")))
		die("cannot open '%s':", argv[2]);
	while (getline(&line, &cap, fp) > 0) {
		json_error_t e;
		json_t *kase;

		n++;
		if (*line == '#' || *line == '\n')
			continue;
		if (!(kase = json_loads(line, 0, &e)))
			die("%s:%ld: %s", argv[2], n, e.text);
		if (guard) {
			char why[256];

			if (review_guard(kase, jstr(kase, "$action"), jstr(kase, "$user"), why, sizeof why))
				printf("%ld\t%s\n", n, why);
			else
				printf("%ld\tok\n", n);
		} else {
			char *detail;
			const char *status = public_status(kase, &detail);

			printf("%s\t%s\t%s\n", jstr(kase, "state"), status, detail);
			free(detail);
		}
		json_decref(kase);
	}
	free(line);
	fclose(fp);
	return eport_exit();
}
