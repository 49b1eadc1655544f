/* test-types: the table of business types (lib/types.c), one type a line:
 * name, Chinese name, posting days, card work (BT_* bits), tab separated,
 * for t/0014-types.t to compare with the shell completions. */
#include <stdio.h>

#include "each.h"

int
main(int argc, char *argv[])
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: test-types\n");
		return 2;
	}
	for (const struct btype *t = btypes; t->name; t++)
		printf("%s\t%s\t%d\t%u\n", t->name, t->zh, t->posting, t->work);
	return ferror(stdout) || fclose(stdout) ? 1 : 0;
}
