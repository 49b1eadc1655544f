/* test-swap: exchanges two names (renameat2 RENAME_EXCHANGE, so that both
 * always exist) as fast as it can until the file STOP appears, for the race
 * tests of t/0906-documents.t; prints how many times it swapped.
 *   test-swap A B STOP */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "each.h"

int
main(int argc, char *argv[])
{
	unsigned long n = 0;

	setprogname(argv[0]);
	if (argc != 4) {
		fprintf(stderr, "usage: test-swap A B STOP\n");
		return 2;
	}
	while (access(argv[3], F_OK) < 0) {
		if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0)
			die("renameat2 '%s' '%s':", argv[1], argv[2]);
		n++;
	}
	/* as it began, whatever the count */
	if (n % 2 && renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0)
		die("renameat2 '%s' '%s':", argv[1], argv[2]);
	printf("%lu\n", n);
	return 0;
}
