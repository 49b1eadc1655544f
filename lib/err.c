/* err.c: messages, in sbase's manner: the program name first, and a format
 * ending in ':' gets strerror(errno) appended.  The format is a message in
 * English, translated here (gettext): call sites stay as they are, and
 * xgettext finds them by the names warnx, refuse and die (cli/die.c, whose
 * exits are the commands', never the library's).  The allocators abort
 * when memory runs out, as glib's do: no caller could go on, and a library
 * does not exit. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

const char *argv0 = "eport";

void
setprogname(const char *name)
{
	const char *s = strrchr(name, '/');

	argv0 = s ? s + 1 : name;
}

/* The length of the UTF-8 character at s that a terminal shows as text,
 * or 0: a byte of no valid character, a C0 or C1 control, DEL, or a bidi
 * override or isolate (text that reorders what follows it on the line). */
size_t
text_shown(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
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

/* Text as a terminal should get it: the character at s copied to out, or
 * what a terminal would act on written as an escape (\t, \n, \r, \xNN).
 * Returns the bytes of s used; *n is what out holds.  Messages, TSV output
 * and commit subjects all go through it. */
size_t
text_esc(const char *s, char out[8], size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;

	if ((*n = text_shown(s))) {
		memcpy(out, s, *n);
		return *n;
	}
	if (*u == '\t' || *u == '\n' || *u == '\r') {
		out[0] = '\\';
		out[1] = *u == '\t' ? 't' : *u == '\n' ? 'n' : 'r';
		*n = 2;
	} else
		*n = snprintf(out, 8, "\\x%02x", *u);
	return 1;
}

/* A message quotes what it was given (a file's line, a field's value). */
static void
put_escaped(const char *msg, FILE *fp)
{
	char o[8];
	size_t n;

	while (*msg) {
		msg += text_esc(msg, o, &n);
		fwrite(o, 1, n, fp);
	}
}

void
vwarnx(const char *fmt, va_list ap)
{
	int e = errno;
	size_t n = strlen(fmt);
	int colon = n && fmt[n - 1] == ':';
	char *msg;

	/* the English format says whether strerror follows, so that a
	 * translation cannot add or drop it */
	fmt = _(fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fprintf(stderr, "%s: ", argv0);
	put_escaped(msg ? msg : fmt, stderr);
	free(msg);
	if (colon)
		fprintf(stderr, " %s", strerror(e));
	fputc('\n', stderr);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

/* Out of memory, or a caller's bug the library cannot answer (a store
 * used before it was opened): said, and the process aborted. */
void
eport_abort(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		eport_abort("malloc:");
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (!p)
		eport_abort("calloc:");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		eport_abort("realloc:");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		eport_abort("strdup:");
	return p;
}

/* the formatted string; its length in *len if len is not NULL, which may
 * count a NUL that %c put inside it (buf_printf: the rulebook's digest) */
char *
xvasprintfn(size_t *len, const char *fmt, va_list ap)
{
	char *s;
	int n;

	if ((n = vasprintf(&s, fmt, ap)) < 0)
		eport_abort("vasprintf:");
	if (len)
		*len = n;
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintfn(NULL, fmt, ap);
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
