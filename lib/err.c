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

/* The length of the UTF-8 character at s that a terminal shows as text,
 * or 0: a byte of no valid character, a C0 or C1 control, DEL, or a bidi
 * override or isolate (text that reorders what follows it on the line). */
static size_t
shown_char(const unsigned char *s)
{
	size_t n, i;
	unsigned long c;

	if (*s >= 0x20 && *s < 0x7f)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2, c = *s & 0x1f;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3, c = *s & 0x0f;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4, c = *s & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || c <= 0x9f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
		return 0;
	return n;
}

/* A message quotes what it was given (a file's line, a field's value), so
 * what a terminal would act on is written as an escape: \t, \n, \r, \xNN. */
static void
put_escaped(const char *msg, FILE *fp)
{
	const unsigned char *s = (const unsigned char *)msg;
	size_t n;

	while (*s) {
		if ((n = shown_char(s))) {
			fwrite(s, 1, n, fp);
			s += n;
			continue;
		}
		if (*s == '\t')
			fputs("\\t", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if (*s == '\r')
			fputs("\\r", fp);
		else
			fprintf(fp, "\\x%02x", *s);
		s++;
	}
}

static void
vmsg(const char *fmt, va_list ap)
{
	int e = errno;
	size_t n = strlen(fmt);
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fprintf(stderr, "%s: ", argv0);
	put_escaped(msg ? msg : fmt, stderr);
	free(msg);
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
