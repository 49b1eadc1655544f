/* cli.h: the commands' layer, above libeport: what prints a message and
 * exits (each.h: its loops over cases and the store's opening).  libeport's functions return their errors (a status, and why in
 * a buffer); a command says them, through these, and ends.  The commands
 * and the test helpers include it; no file of lib/ does (make
 * check-layers). */
#ifndef EPORT_CLI_H
#define EPORT_CLI_H

#include "base.h"

/* die.c: messages as warnx makes them (err.c), and the exit status */
extern int eport_status;	/* the worst so far: 0, 1 (refused) or 2 */
void refuse(const char *, ...) __attribute__((format(printf, 1, 2)));	/* status 1, go on */
void die(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));	/* exit 2 */
int eport_exit(void);	/* stdout closed (fshut): the status to exit with */

/* start.c: what every command does first.  The program's name, the locale
 * (LC_MESSAGES) and its catalogue, the usage (a message: a whole synopsis,
 * translated when printed), EPORT_NOW checked; then --help (or -h first)
 * prints the usage and --version the version. */
void eport_start(int argc, char **argv, const char *usage);
void eport_init(const char *name, const char *usage);	/* no argument read */
void eport_usage(int status) __attribute__((noreturn));	/* 0: stdout, else stderr */
void eport_version(void) __attribute__((noreturn));	/* "eport-foo 0.1.0" */
/* Commands of subcommands (card, ship, order, review), all alike: "eport-foo
 * [OPTION...] SUB [OPTION...] [ARG...]".  spec is getopt's for every option
 * of the command, and opt takes each; -h is the usage.  A name not in subs
 * is refused with the message unknown ("'%s': not ..."), an option that SUB
 * does not take (sub.opts) with the usage.  *argc and *argv come back past
 * SUB and the options; returns SUB's index in subs. */
struct sub {
	const char *name;
	const char *opts;	/* the letters of its options */
};
size_t eport_sub(int *argc, char ***argv, const struct sub *subs, size_t n, const char *spec,
    const char *unknown, void (*opt)(int c, char *arg));
const char *eport_localedir(void);	/* share/locale beside the binary, else LOCALEDIR */

#endif
