/* util.c: buffers, the office clock, paths, hashing. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base.h"
#include "record.h"

#ifndef SHAREDIR
#define SHAREDIR "/usr/local/share/eport"
#endif

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = xrealloc(b->s, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t n;

	va_start(ap, fmt);
	s = xvasprintfn(&n, fmt, ap);
	va_end(ap);
	buf_add(b, s, n);
	free(s);
}

/* s with what a terminal would act on escaped, as messages are (text_esc) */
void
buf_esc(struct buf *b, const char *s)
{
	char o[8];
	size_t n;

	while (*s) {
		s += text_esc(s, o, &n);
		buf_add(b, o, n);
	}
}

void
buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

static int
days_from_civil(int y, int m, int d, long *out)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01 */
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = era * 146097 + doe - 719468;
	return 0;
}

static int
mdays(int y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return n[m - 1];
}

/* YYYY-MM-DD, a real date */
int
parse_date(const char *s, int *y, int *m, int *d)
{
	char tail;

	if (strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) < 3)
		return -1;
	if (s[4] != '-' || s[7] != '-' || *y < 1900 || *m < 1 || *m > 12 ||
	    *d < 1 || *d > mdays(*y, *m))
		return -1;
	return 0;
}

/* ISO 8601: 2026-11-26, 2026-11-26T10:15, 2026-11-26T10:15:00, with an
 * optional Z or +hh:mm; without one the time is the office's (UTC+8). */
int
parse_time(const char *s, time_t *t)
{
	int y, mo, d, h = 0, mi = 0, se = 0, off = EPORT_TZ_OFFSET, n = 0;
	long days;
	const char *p;

	if (parse_date(s, &y, &mo, &d) < 0)
		return -1;
	p = s + 10;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &n) < 2 || n != 5)
			return -1;
		p += 1 + n;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &se, &n) < 1 || n != 2)
				return -1;
			p += 3;
			if (*p == '.')
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (*p == 'Z') {
			off = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;

			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) < 2 || n != 5)
				return -1;
			off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
			p += 6;
		}
	}
	if (*p)
		return -1;
	days_from_civil(y, mo, d, &days);
	*t = (time_t)days * 86400 + h * 3600 + mi * 60 + se - off;
	return 0;
}

/* A command checks EPORT_NOW as it starts (cli/start.c), so that a bad one
 * is refused before anything is done; later it is only read. */
int
now_check(char *err, size_t errlen)
{
	const char *s = getenv("EPORT_NOW");
	time_t t;

	if (s && *s && parse_time(s, &t) < 0) {
		snprintf(err, errlen, _("EPORT_NOW: '%s' is not an ISO 8601 date or time"), s);
		return -1;
	}
	return 0;
}

time_t
eport_now(void)
{
	const char *s = getenv("EPORT_NOW");
	char err[256];
	time_t t;

	if (s && *s) {
		if (parse_time(s, &t) < 0) {
			now_check(err, sizeof err);
			eport_abort("%s", err);	/* a program that never checked it */
		}
		return t;
	}
	return time(NULL);
}

static void
office_tm(time_t t, struct tm *tm)
{
	t += EPORT_TZ_OFFSET;
	gmtime_r(&t, tm);
}

void
fmt_time(time_t t, char out[32])
{
	struct tm tm;

	office_tm(t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

void
fmt_date(time_t t, char out[11])
{
	struct tm tm;

	office_tm(t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void
fmt_ymd(time_t t, char out[9])
{
	struct tm tm;

	office_tm(t, &tm);
	strftime(out, 9, "%Y%m%d", &tm);
}

/* The store's directory, or NULL when the environment names none; the
 * commands' eport_home (cli/each.c) refuses to go on without one. */
const char *
eport_home_env(void)
{
	static char *home;
	const char *s;

	if (home)
		return home;
	if ((s = getenv("EPORT_HOME")) && *s)
		home = xstrdup(s);
	else if ((s = getenv("XDG_DATA_HOME")) && *s)
		home = xasprintf("%s/eport", s);
	else if ((s = getenv("HOME")) && *s)
		home = xasprintf("%s/.local/share/eport", s);
	return home;
}

const char *
eport_share(void)
{
	static char dir[PATH_MAX];
	const char *s = getenv("EPORT_SHARE");
	char exe[PATH_MAX];
	ssize_t n;
	struct stat st;

	if (s && *s)
		return s;
	if (*dir)
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';
			snprintf(dir, sizeof dir, "%.*s/../share/eport", PATH_MAX - 20, exe);
			if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				return dir;
		}
	}
	snprintf(dir, sizeof dir, "%s", SHAREDIR);
	return dir;
}

char *
share_path(const char *name)
{
	return xasprintf("%s/%s", eport_share(), name);
}

int
read_file(const char *path, struct buf *b, size_t max)
{
	/* O_NONBLOCK: a FIFO must not hang the command; only files are read */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat sb;
	FILE *fp;
	char chunk[65536];
	size_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || !(fp = fdopen(fd, "rb"))) {
		if (errno == 0 || !S_ISREG(sb.st_mode))
			errno = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		close(fd);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b->len + n > max) {
			fclose(fp);
			errno = E2BIG;
			return -1;
		}
		buf_add(b, chunk, n);
	}
	if (ferror(fp)) {
		int e = errno;

		fclose(fp);
		errno = e;
		return -1;
	}
	fclose(fp);
	if (!b->s)
		buf_add(b, "", 0);
	return 0;
}

/* A path inside its directory: relative, no "." or ".." part, no empty part,
 * no backslash or control character. */
int
path_is_safe(const char *rel)
{
	const char *p = rel, *e;

	if (!*rel || *rel == '/')
		return 0;
	for (;;) {
		e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == '\\')
				return 0;
		if (!e)
			return 1;
		p = e + 1;
	}
}

const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf PATH, links not followed: 0, or -1 with errno */
int
rm_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
