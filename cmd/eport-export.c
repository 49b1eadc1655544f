/* eport-export: an audit archive of cases, and its verification.
 * -o ARCHIVE [CASE...]: for each case (ids from the arguments or stdin)
 * <id>/COMMIT, and from that commit of docs.git <id>/case.json,
 * <id>/history.jsonl and <id>/docs/..., and from the registry the
 * certificates of its cards as <id>/certs/<card>.pem; at the top README and
 * SHA256SUMS, which `sha256sum -c` checks.  The format follows the name
 * (.tar, .tar.gz, .tar.xz, .zip), and the same cases give the same bytes:
 * entries sorted, owned by root, modes 0644 and 0755, dated by their case's
 * commit, no compressor timestamp.  -m masks identity and phone numbers and
 * leaves the documents and certificates out.  The archive is written
 * nameless (O_TMPFILE) and named once whole, so that even kill -9 leaves
 * nothing behind; an old archive is replaced in one rename.
 * -V ARCHIVE: checks the sums, and every case against its commit.
 * What goes in, the writing and the checking: lib/export.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "each.h"

static int mflag, dry, bad_case;
static struct eport st;
static MDB_txn *txn;
static struct export *volatile ex;	/* the archive being written */
static mode_t user_umask;	/* eport_open makes it 077 for the store */

static const char usage_text[] = N_("usage: eport-export [-mn] -o ARCHIVE [CASE...]\n"
    "       eport-export -V ARCHIVE\n");

static int
format_of(const char *name)
{
	int f = export_format(name);

	if (f < 0)
		die("'%s': name the archive .tar, .tar.gz, .tar.xz or .zip", name);
	return f;
}

static void
on_signal(int sig)
{
	export_unlink(ex);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
add_case(const char *id, void *arg)
{
	char err[1024];

	if (export_add(arg, id, err, sizeof err)) {
		refuse("%s", err);
		bad_case = 1;
	}
}

static void
write_archive(struct export *x, const char *name)
{
	struct sigaction sa = { 0 };
	char err[1024];
	int rc;

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ex = x;
	rc = export_write(x, name, 0666 & ~user_umask, err, sizeof err);
	ex = NULL;
	if (rc == -1)
		die("%s", err);
	if (rc < 0) {
		warnx("%s", err);
		die("'%s' not written", name);
	}
}

static void
export(const char *name, int argc, char **argv)
{
	struct export *x;
	char err[1024];
	int rc;

	if (eport_open(&st, EPORT_RDONLY) < 0)
		die("%s", st.errbuf);
	if ((rc = store_read(&st, &txn)))
		die("db: %s", store_err(rc));
	x = export_new(&st, txn, mflag);
	for_each_id(argc, argv, add_case, x);
	if (bad_case || !export_cases(x)) {
		if (!bad_case)
			refuse("no cases to export");
		refuse("'%s' not written", name);
	} else {
		if (export_finish(x, err, sizeof err) < 0)
			die("%s", err);
		if (!dry)
			write_archive(x, name);
	}
	export_free(x);
	mdb_txn_abort(txn);
	eport_close(&st);
}

/* -V: each finding "ARCHIVE: PATH: what", or "ARCHIVE: what" of the
 * archive as a whole */
static void
vbad_print(const char *path, const char *what, void *arg)
{
	const char *name = arg;

	if (path)
		refuse("%s: %s: %s", name, path, what);
	else
		refuse("%s: %s", name, what);
}

static void
verify(const char *name)
{
	char err[1024];

	if (eport_open(&st, EPORT_RDONLY) < 0)
		die("%s", st.errbuf);
	if (export_verify(&st, name, vbad_print, (void *)name, err, sizeof err) < 0)
		die("%s", err);
	eport_close(&st);
}

int
main(int argc, char *argv[])
{
	const char *out = NULL, *check = NULL;
	int c;

	eport_start(argc, argv, usage_text);
	user_umask = umask(0);
	umask(user_umask);
	while ((c = getopt(argc, argv, "mno:V:h")) != -1) {
		switch (c) {
		case 'm':
			mflag = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'V':
			check = optarg;
			break;
		case 'h':
			eport_usage(0);
		default:
			eport_usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (!out == !check || (check && (argc || mflag || dry)))
		eport_usage(2);
	if (check) {
		verify(check);
	} else {
		format_of(out);
		export(out, argc, argv);
	}
	return eport_exit();
}
