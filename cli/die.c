/* die.c: a command's exits.  die says why and exits 2 (nothing more can be
 * done); refuse says why one item is refused, and the command goes on to
 * the next, to exit 1 at the end (eport_exit). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int eport_status;

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	exit(2);
}

void
refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	if (eport_status < 1)
		eport_status = 1;
}

int
eport_exit(void)
{
	int s = fshut(stdout, "<stdout>");

	return s > eport_status ? s : eport_status;
}
