/* eport: the front end.  `eport CMD ARGS...` runs eport-CMD (next to this
 * binary first, then on PATH); `eport help` lists the commands. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static const struct {
	const char *name, *what;
} cmds[] = {
	{ "init", N_("create a store") },
	{ "apply", N_("take in case records and bundles") },
	{ "attach", N_("add documents to a case") },
	{ "check", N_("check cases against the office's rules") },
	{ "review", N_("accept, reject or return checked cases; withdraw a case") },
	{ "amend", N_("correct fields of a case's record") },
	{ "card", N_("read, write, unlock, renew and revoke cards; those near expiry") },
	{ "ship", N_("posting days, the EMS manifest, tracking, collection") },
	{ "close", N_("close cases") },
	{ "export", N_("write and verify an audit archive") },
	{ "ls", N_("list cases, and what waits") },
	{ "show", N_("print cases as JSON") },
	{ "log", N_("print the history of cases") },
	{ "status", N_("the public status query of an enterprise") },
	{ "order", N_("import and list sales-platform orders") },
	{ "cal", N_("working days") },
	{ "vcard", N_("the PIV card emulator") },
	{ "fsck", N_("check that the store agrees with itself") },
	{ "web", N_("the public status page, a CGI program") },
	{ "report", N_("the office's workload over a period") },
	{ "backup", N_("back the store up while it works; verify a backup") },
};

static const char usage_text[] = N_("usage: eport COMMAND [ARGS...]\n"
    "       eport help [COMMAND]\n"
    "       eport --version\n");

/* eport help, -h, --help: the usage and the commands, on stdout */
static void
help(void)
{
	fputs(_(usage_text), stdout);
	printf("\n%s\n", _("commands:"));
	for (size_t i = 0; i < LEN(cmds); i++)
		printf("   %-8s %s\n", cmds[i].name, _(cmds[i].what));
	printf("\n%s\n", _("'eport COMMAND -h' for a command's usage; man eport-COMMAND for more."));
}

int
main(int argc, char *argv[])
{
	char exe[PATH_MAX], *slash, *name;
	ssize_t n;

	/* the options are eport's only before the command: after it they are
	 * the command's (eport ls --help) */
	eport_init(argv[0], usage_text);
	if (argc < 2)
		eport_usage(2);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))
		eport_version();
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		if (argc > 2) {
			execlp("man", "man", name = xasprintf("eport-%s", argv[2]), (char *)NULL);
			die("cannot run man:");
		}
		help();
		return eport_exit();
	}
	if (argv[1][0] == '-' || strchr(argv[1], '/'))
		eport_usage(2);
	name = xasprintf("eport-%s", argv[1]);
	argv[1] = name;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			char *path = xasprintf("%.*s/%s", (int)(slash - exe), exe, name);

			if (access(path, X_OK) == 0)
				execv(path, argv + 1);
			free(path);
		}
	}
	execvp(name, argv + 1);
	die("'%s' is not an eport command (see 'eport help')", argv[1] + 6);
}
