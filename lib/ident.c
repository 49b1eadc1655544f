/* ident.c: who acts (DESIGN.md section 3).  The login is the identity.
 * EPORT_USER names the staff member only on a login the office lists as
 * shared (office.shared-login: a counter PC that several staff use);
 * elsewhere an EPORT_USER other than the login is refused.  The identity
 * settings (office.shared-login, card.group) are honoured only from a file
 * the acting login cannot change: the system's config (SYSCONFDIR/eport,
 * i.e. /etc/eport/config), or the store's config when another account owns it
 * or the login is root.  A name that reaches a commit's header or trailers
 * is checked first: no control character, no '<' or '>', a length limit. */
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eport.h"

const char *
eport_login(void)
{
	static char name[64];
	struct passwd *pw;

	if (*name)
		return name;
	pw = getpwuid(getuid());
	snprintf(name, sizeof name, "%s", pw ? pw->pw_name : "unknown");
	if (!pw)
		snprintf(name, sizeof name, "uid%u", (unsigned)getuid());
	return name;
}

int
user_valid(const char *s, char *why, size_t len)
{
	size_t n = strlen(s);

	if (n > USER_MAX)
		snprintf(why, len, _("'%s' is longer than %d bytes"), s, USER_MAX);
	else if (strpbrk(s, "<>"))
		snprintf(why, len, _("'%s' holds '<' or '>'"), s);
	else if (*s == ' ' || (n && s[n - 1] == ' '))
		snprintf(why, len, _("'%s' begins or ends with a space"), s);
	else {
		for (const char *p = s; *p; ) {
			size_t k = text_shown(p);

			if (!k) {
				snprintf(why, len, _("'%s' holds a control character, a bidi "
				    "override or bytes of no UTF-8 character"), s);
				return -1;
			}
			p += k;
		}
		return 0;
	}
	return -1;
}

/* The file at path, if the acting login cannot change it: read through
 * the descriptor that was checked, so that nothing can be put in its place
 * between the check and the read. */
static int
add_trusted(git_config *c, const char *path, git_config_level_t level)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), rc = 0;
	uid_t uid = getuid();
	char proc[64];
	struct stat sb;

	if (fd < 0)
		return 0;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (uid == 0 || (sb.st_uid != uid && access(proc, W_OK) < 0)))
		rc = git_config_add_file_ondisk(c, proc, level, NULL, 0);
	close(fd);
	return rc == GIT_ENOTFOUND ? 0 : rc;
}

int
ident_config(const char *home, git_config **out)
{
	git_config *c = NULL;
	char *sys = xasprintf("%s/config", eport_sysconf());
	char *own = home ? xasprintf("%s/config", home) : NULL;
	int rc;

	eport_git_setup();
	*out = NULL;
	if ((rc = git_config_new(&c)) < 0 ||
	    (rc = add_trusted(c, sys, GIT_CONFIG_LEVEL_SYSTEM)) < 0 ||
	    (own && (rc = add_trusted(c, own, GIT_CONFIG_LEVEL_LOCAL)) < 0))
		goto out;
	rc = git_config_snapshot(out, c);
out:
	git_config_free(c);
	free(sys);
	free(own);
	return rc;
}

struct shared {
	const char *login;
	int found;
};

/* one value of office.shared-login: logins separated by commas or spaces */
static int
shared_one(const git_config_entry *e, void *arg)
{
	struct shared *s = arg;
	size_t n = strlen(s->login);

	for (const char *p = e->value; *p; ) {
		size_t k;

		p += strspn(p, ", \t");
		k = strcspn(p, ", \t");
		if (k == n && !strncmp(p, s->login, n))
			s->found = 1;
		p += k;
	}
	return 0;
}

static const char *who;

int
ident_settle(const char *home, char *err, size_t len)
{
	const char *env = getenv("EPORT_USER"), *login = eport_login();
	struct shared s = { login, 0 };
	char why[USER_MAX * 4 + 128];
	git_config *c;

	if (who)
		return 0;
	if (!env || !*env || !strcmp(env, login)) {
		who = login;
		return 0;
	}
	if (user_valid(env, why, sizeof why) < 0) {
		snprintf(err, len, _("EPORT_USER: %s"), why);
		return -1;
	}
	if (ident_config(home, &c) < 0) {
		snprintf(err, len, _("config: %s"), eport_git_err());
		return -1;
	}
	git_config_get_multivar_foreach(c, "office.shared-login", NULL, shared_one, &s);
	git_config_free(c);
	if (!s.found) {
		snprintf(err, len, _("EPORT_USER is '%s', but the login is '%s', which is not a shared "
		    "login: unset EPORT_USER, or list '%s' in office.shared-login of %s/config"),
		    env, login, login, eport_sysconf());
		return -1;
	}
	who = env;
	return 0;
}

const char *
eport_user(void)
{
	char err[512];

	if (!who && ident_settle(eport_home_env(), err, sizeof err) < 0)
		eport_abort("%s", err);	/* a writer opened otherwise than by eport_open */
	return who;
}
