/* err.c: messages and exits, in sbase's manner: the program name first, and a
 * format ending in ':' gets strerror(errno) appended. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eport.h"

const char *argv0 = "eport";
int eport_status;

void
setprogname(const char *name)
{
	const char *s = strrchr(name, '/');

	argv0 = s ? s + 1 : name;
}

static void
vmsg(const char *fmt, va_list ap)
{
	int e = errno;
	size_t n = strlen(fmt);

	fprintf(stderr, "%s: ", argv0);
	vfprintf(stderr, fmt, ap);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(e));
	fputc('\n', stderr);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(2);
}

void
refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (eport_status < 1)
		eport_status = 1;
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("malloc:");
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		die("calloc:");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("realloc:");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("strdup:");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("vasprintf:");
	va_end(ap);
	return s;
}

/* Close stdout and say so if anything written to it was lost (a full disk,
 * a closed pipe): sbase's fshut. Returns the exit status to use. */
int
fshut(FILE *fp, const char *name)
{
	int bad = 0;

	if (fflush(fp) == EOF || ferror(fp))
		bad = 1;
	if (fclose(fp) == EOF)
		bad = 1;
	if (bad) {
		warnx("write error on '%s':", name);
		return 2;
	}
	return 0;
}

int
eport_exit(void)
{
	int s = fshut(stdout, "<stdout>");

	return s > eport_status ? s : eport_status;
}
