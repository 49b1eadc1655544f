/* start.c: what every command does first (DESIGN.md section 11).  Its name
 * for messages; the language of its messages: gettext's, LC_MESSAGES (or
 * LC_ALL, LANG, LANGUAGE) choosing, English the fallback, the catalogue
 * found as eport_share() finds share/eport (beside the binary, else where
 * make install put it); and the conventions every command keeps: -h and
 * --help print the usage on stdout and exit 0, --version prints
 * "eport-foo VERSION", a bad option prints the usage on stderr and exits 2.
 *
 * Only LC_MESSAGES follows the environment.  LC_CTYPE and LC_NUMERIC stay
 * "C": records are UTF-8 whatever the terminal, numbers are written with a
 * full stop, and libarchive's names of entries do not change with the
 * login's locale.  So the catalogues (eport's, and libc's for strerror) are
 * bound to UTF-8 rather than to the LC_CTYPE codeset, which "C" would make
 * ASCII. */
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"	/* the Makefile's $(PREFIX)/share/locale */
#endif

static const char *usage_text = "";

const char *
eport_localedir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], *slash;
	struct stat sb;
	ssize_t n;

	if (*dir)
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';
			snprintf(dir, sizeof dir, "%.*s/../share/locale", PATH_MAX - 20, exe);
			if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
				return dir;
		}
	}
	snprintf(dir, sizeof dir, "%s", LOCALEDIR);
	return dir;
}

void
eport_init(const char *name, const char *usage)
{
	char err[256];

	setprogname(name);
	usage_text = usage;
	setlocale(LC_MESSAGES, "");
	bindtextdomain(EPORT_DOMAIN, eport_localedir());
	bind_textdomain_codeset(EPORT_DOMAIN, "UTF-8");
	bind_textdomain_codeset("libc", "UTF-8");
	textdomain(EPORT_DOMAIN);
	/* a bad EPORT_NOW is refused before anything is done */
	if (now_check(err, sizeof err) < 0)
		die("%s", err);
}

/* --help and --version anywhere before "--", as GNU's getopt_long finds
 * them; -h first (a command with subcommands has no getopt before them),
 * or later to each command's getopt. */
void
eport_start(int argc, char **argv, const char *usage)
{
	eport_init(argv[0], usage);
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || (i == 1 && !strcmp(argv[i], "-h")))
			eport_usage(0);
		if (!strcmp(argv[i], "--version"))
			eport_version();
	}
}

void
eport_usage(int status)
{
	fputs(_(usage_text), status ? stderr : stdout);
	exit(status ? status : eport_exit());
}

void
eport_version(void)
{
	printf("%s %s\n", argv0, EPORT_VERSION);
	exit(eport_exit());
}

static size_t
sub_find(const char *name, const struct sub *subs, size_t n, const char *unknown)
{
	size_t i;

	for (i = 0; i < n && strcmp(subs[i].name, name); i++)
		;
	if (i == n) {
		warnx(unknown, name);
		eport_usage(2);
	}
	return i;
}

size_t
eport_sub(int *argcp, char ***argvp, const struct sub *subs, size_t n, const char *spec,
    const char *unknown, void (*opt)(int c, char *arg))
{
	char **argv = *argvp, first[64], seen[128] = { 0 };
	int argc = *argcp, c;
	size_t i = n;

	/* "+": the options before SUB stop at it.  optind 0 makes glibc's
	 * getopt start anew, and take the "+" or its absence with it */
	snprintf(first, sizeof first, "+%s", spec);
	optind = 0;
	for (int pass = 0; pass < 2; pass++) {
		while ((c = getopt(argc, argv, pass ? spec : first)) != -1) {
			if (c == 'h')
				eport_usage(0);
			if (c == '?' || c == ':' || c < 0 || c > 127)
				eport_usage(2);
			seen[c] = 1;
			opt(c, optarg);
		}
		if (pass == 0) {
			if (optind >= argc)
				eport_usage(2);
			i = sub_find(argv[optind], subs, n, unknown);
			/* SUB is the argv[0] of the options after it, and
			 * among them they come in any order, as elsewhere */
			argc -= optind;
			argv += optind;
			optind = 0;
		}
	}
	for (c = 0; c < 128; c++)
		if (seen[c] && !strchr(subs[i].opts, c))
			eport_usage(2);
	*argcp = argc - optind;
	*argvp = argv + optind;
	return i;
}
