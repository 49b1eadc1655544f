/* base.h: what every file of libeport and every command needs, and no
 * library: messages and errors, the start of a command, buffers, time,
 * files, and the office's data files in layers. */
#ifndef EPORT_BASE_H
#define EPORT_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#ifndef EPORT_VERSION
#error "EPORT_VERSION comes from the Makefile"
#endif

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* err.c */
extern const char *argv0;
void setprogname(const char *);
void warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void vwarnx(const char *, va_list) __attribute__((format(printf, 1, 0)));
/* out of memory, or a caller's bug: the message, then abort(3) */
void eport_abort(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintfn(size_t *, const char *, va_list) __attribute__((format(printf, 2, 0)));
int fshut(FILE *, const char *);
/* The bytes of the UTF-8 character at s that a terminal shows as text, or 0
 * (a control, DEL, a C1 control, a bidi override, no valid character). */
size_t text_shown(const char *s);
/* One character of text for a terminal: copied to out, or what a terminal
 * would act on as an escape (\t, \n, \r, \xNN); the bytes of s used, *n
 * the bytes in out.  For messages, TSV output and commit subjects. */
size_t text_esc(const char *s, char out[8], size_t *n);

/* Messages a person reads are English in the source and go through
 * gettext: warnx, refuse and die translate their format; a message a
 * library leaves in a buffer is translated where it is written (_), a
 * table of them marked N_ and translated where it is used.  Findings,
 * statuses and notices are Chinese in every locale: they are data, not
 * messages. */
#include <libintl.h>
#define EPORT_DOMAIN "eport"
#define _(s) gettext(s)
#define N_(s) (s)

/* util.c */
/* A growable byte buffer. */
struct buf {
	char *s;
	size_t len, cap;
};
void buf_add(struct buf *, const void *, size_t);
void buf_puts(struct buf *, const char *);
void buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
void buf_esc(struct buf *, const char *);	/* escaped as messages are (text_esc) */
void buf_free(struct buf *);

#define EPORT_TZ_OFFSET (8 * 3600)	/* Asia/Shanghai: UTC+8, no DST */
time_t eport_now(void);			/* EPORT_NOW or the clock */
int now_check(char *err, size_t errlen);	/* EPORT_NOW, if set, is a time: 0, or -1 */
int parse_time(const char *, time_t *);	/* ISO 8601 date or date-time */
int parse_date(const char *, int *y, int *m, int *d);
void fmt_time(time_t, char out[32]);	/* 2026-11-26T10:15:00+08:00 */
void fmt_date(time_t, char out[11]);	/* 2026-11-26, office time */
void fmt_ymd(time_t, char out[9]);	/* 20261126, office time */
const char *eport_home_env(void);	/* EPORT_HOME, else XDG_DATA_HOME or HOME's, or NULL */
const char *eport_share(void);		/* EPORT_SHARE, else next to the binary, else SHAREDIR */
char *share_path(const char *name);	/* a file in share/eport (malloc'd) */
int read_file(const char *path, struct buf *, size_t max);	/* -1 with errno; E2BIG past max */
void sha256_hex(const void *, size_t, char out[65]);
void cleanse(void *, size_t);		/* wipe a secret */
int secret_process(char *err, size_t errlen);	/* no core dump, no ptrace: 0 or -1 */
long ms_since(const struct timespec *);	/* milliseconds since a CLOCK_MONOTONIC time */
int path_is_safe(const char *rel);	/* relative, no "..", no empty part */

/* layer.c: the office's data files in layers (DESIGN.md section 11). */
#define LAYERS_MAX 3
/* The layers, in order: share/eport (eport_share), /etc/eport
 * (eport_sysconf), home when given: their number. */
size_t layer_dirs(const char *home, const char *dir[LAYERS_MAX]);
char *layer_path(const char *home, const char *name);	/* the last layer's that exists (malloc'd) */
/* A TSV file of the office's data: # comments and blank lines skipped, a CR
 * before the newline dropped.  fixed 0: the first line is the header and
 * names the columns, in any order, others ignored; TSV_HEADER: the columns
 * are cols, in order, under a header line that names them so; TSV_BARE:
 * the same, a header line optional (wherever it is).  fn gets each line's
 * values in the order of cols ("" for one the line lacks): 0, or -1 with
 * why in err, which the loader prefixes with "path:line: ". */
enum { TSV_NAMED, TSV_HEADER, TSV_BARE };
struct tsv {
	const char *const *cols;
	size_t ncols;
	int fixed;
	size_t min_fields;	/* fixed: the fields a line has at least (at most ncols) */
	const char *shape;	/* fixed: the message for a line of other fields (N_) */
	const char *header_msg;	/* fixed: the message for a header unlike cols (N_) */
	int need_first;		/* layers_load: the first layer's file must be there */
	int (*fn)(void *arg, char **vals, char *err, size_t errlen);
	void *arg;
};
/* text parsed in place: 0, or -1 with "path:line: why" in err */
int tsv_parse(const char *path, char *text, const struct tsv *, char *err, size_t errlen);
/* The file at path: as tsv_parse, -2 when it is not there; read, when
 * not NULL, gets its name (not its directory) and bytes, for a digest. */
int tsv_load(const char *path, const struct tsv *, struct buf *read, char *err, size_t errlen);
/* name in each layer that has it, in order, through tsv_load: 0; -1 with
 * the message; -2 when no layer has it. */
int layers_load(const char *home, const char *name, const struct tsv *, struct buf *read,
    char *err, size_t errlen);

#endif
