/* docread.c: documents read from disk.  The files a record names come from
 * whoever sent it, and the directory they sit in may be changed while it is
 * read (a symlink swapped in for a directory), so nothing on the way is
 * followed: each part of the path is opened below the one before with
 * O_NOFOLLOW, what was opened is fstat'ed, and a file with more than one
 * link (which may be any file of the disk, the store's keys too) or
 * anything inside the store is refused. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eport.h"

/* Is the directory at the real path dir the store at home, or inside it? */
int
doc_store(const char *dir, const char *home, struct doc_where *w)
{
	char real[PATH_MAX];
	struct stat sb;
	size_t n;

	memset(w, 0, sizeof *w);
	if (!home || stat(home, &sb) < 0 || !realpath(home, real))
		return 0;
	w->have_store = 1;
	w->store_dev = sb.st_dev;
	w->store_ino = sb.st_ino;
	n = strlen(real);
	w->in_store = dir && !strncmp(dir, real, n) && (dir[n] == '/' || !dir[n] || n == 1);
	return w->in_store;
}

static int
is_store(const struct doc_where *w, const struct stat *sb)
{
	return w->have_store && sb->st_dev == w->store_dev && sb->st_ino == w->store_ino;
}

/* path below the directory dir (a real path; an absolute path starts at /
 * instead), at most max bytes, into b: 0, or -1 with why. */
int
doc_read(const char *dir, const char *path, const struct doc_where *w, struct buf *b,
    size_t max, char *why, size_t whylen)
{
	const char *p = path, *e;
	char name[NAME_MAX + 1], chunk[65536];
	struct stat sb;
	int fd, nfd, rc = -1;
	ssize_t n;

	if (*p != '/' && w->in_store) {
		snprintf(why, whylen, _("'%s': the directory it is read from is inside the store"), path);
		return -1;
	}
	if ((fd = open(*p == '/' ? "/" : dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "'%s': %s: %s", path, *p == '/' ? "/" : dir, strerror(errno));
		return -1;
	}
	for (;;) {
		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		if (e - p > NAME_MAX) {
			snprintf(why, whylen, "'%s': %s", path, strerror(ENAMETOOLONG));
			goto out;
		}
		memcpy(name, p, e - p);
		name[e - p] = '\0';
		while (*e == '/')
			e++;
		if (!*e)
			break;
		/* a directory on the way: O_PATH opens a link itself, so what it
		 * is comes from what was opened, not from a second look */
		if ((nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			snprintf(why, whylen, "'%s': %s", path, strerror(errno));
			goto out;
		}
		close(fd);
		fd = nfd;
		if (fstat(fd, &sb) < 0) {
			snprintf(why, whylen, "'%s': %s", path, strerror(errno));
			goto out;
		}
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(why, whylen, S_ISLNK(sb.st_mode) ?
			    _("'%s': '%.*s' is a symbolic link, not followed") :
			    _("'%s': '%.*s' is not a directory"), path,
			    (int)(p - path + strlen(name)), path);
			goto out;
		}
		if (is_store(w, &sb)) {
			snprintf(why, whylen, _("'%s': '%.*s' is the store"), path,
			    (int)(p - path + strlen(name)), path);
			goto out;
		}
		p = e;
	}
	/* the file: looked at before it is opened (a FIFO or a device is never
	 * opened), and what was opened must be what was looked at */
	if (!*name || fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(why, whylen, "'%s': %s", path, strerror(*name ? errno : ENOENT));
		goto out;
	}
	if (S_ISLNK(sb.st_mode)) {
		snprintf(why, whylen, _("'%s': a symbolic link, not followed"), path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, _("'%s': not a regular file"), path);
		goto out;
	}
	if ((nfd = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		if (errno == ELOOP)
			snprintf(why, whylen, _("'%s': a symbolic link, not followed"), path);
		else
			snprintf(why, whylen, "'%s': %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	fd = nfd;
	{
		dev_t dev = sb.st_dev;
		ino_t ino = sb.st_ino;

		if (fstat(fd, &sb) < 0 || sb.st_dev != dev || sb.st_ino != ino || !S_ISREG(sb.st_mode)) {
			snprintf(why, whylen, _("'%s': changed while it was read"), path);
			goto out;
		}
	}
	if (sb.st_nlink > 1) {
		snprintf(why, whylen, _("'%s': a file with %ju links, which could be any file "
		    "on the disk: take in a copy"), path, (uintmax_t)sb.st_nlink);
		goto out;
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (b->len + n > max) {
			snprintf(why, whylen, _("'%s': larger than %zu MiB"), path, max >> 20);
			goto out;
		}
		buf_add(b, chunk, n);
	}
	if (n < 0) {
		snprintf(why, whylen, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (!b->s)
		buf_add(b, "", 0);
	rc = 0;
out:
	close(fd);
	return rc;
}
