/* eport: the front end.  `eport CMD ARGS...` runs eport-CMD (next to this
 * binary first, then on PATH); `eport help` lists the commands. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eport.h"

static const struct {
	const char *name, *what;
} cmds[] = {
	{ "init", "create a store" },
	{ "apply", "take in case records and bundles" },
	{ "attach", "add documents to a case" },
	{ "check", "check cases against the office's rules" },
	{ "review", "accept, reject or return checked cases; withdraw a case" },
	{ "amend", "correct fields of a case's record" },
	{ "card", "read, write, unlock, renew and revoke cards; those near expiry" },
	{ "ship", "posting days, the EMS manifest, tracking, collection" },
	{ "close", "close cases" },
	{ "export", "write and verify an audit archive" },
	{ "ls", "list cases, and what waits" },
	{ "show", "print cases as JSON" },
	{ "log", "print the history of cases" },
	{ "status", "the public status query of an enterprise" },
	{ "order", "import and list sales-platform orders" },
	{ "cal", "working days" },
	{ "vcard", "the PIV card emulator" },
	{ "fsck", "check that the store agrees with itself" },
	{ "web", "the public status page, a CGI program" },
	{ "report", "the office's workload over a period" },
	{ "backup", "back the store up while it works; verify a backup" },
};

static void
usage(void)
{
	fprintf(stderr, "usage: eport COMMAND [ARGS...]\n       eport help\n       eport --version\n");
	exit(2);
}

static void
help(void)
{
	printf("usage: eport COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < LEN(cmds); i++)
		printf("   %-8s %s\n", cmds[i].name, cmds[i].what);
	printf("\n'eport COMMAND -h' for a command's usage; man eport-COMMAND for more.\n");
}

int
main(int argc, char *argv[])
{
	char exe[PATH_MAX], *slash, *name;
	ssize_t n;

	setprogname(argv[0]);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("eport %s\n", EPORT_VERSION);
		return eport_exit();
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		if (argc > 2) {
			execlp("man", "man", name = xasprintf("eport-%s", argv[2]), (char *)NULL);
			die("cannot run man:");
		}
		help();
		return eport_exit();
	}
	if (argv[1][0] == '-' || strchr(argv[1], '/'))
		usage();
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
