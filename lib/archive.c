/* archive.c: bundles, archives (zip, tar, tar.gz, 7z, ...) read through
 * libarchive, holding case.json or cases.jsonl and the files they name.  A
 * bundle is read whole into memory, within limits, and anything that could
 * reach outside it (absolute or climbing paths, links, devices) refuses it. */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "eport.h"

struct bfile {
	char *path;
	struct buf data;
};

struct bundle {
	struct bfile *f;
	size_t n;
};

void
bundle_free(struct bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->f[i].path);
		buf_free(&b->f[i].data);
	}
	free(b->f);
	free(b);
}

const struct buf *
bundle_file(struct bundle *b, const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->f[i].path, path))
			return &b->f[i].data;
	return NULL;
}

const char *
bundle_cases(struct bundle *b)
{
	if (bundle_file(b, "case.json"))
		return "case.json";
	if (bundle_file(b, "cases.jsonl"))
		return "cases.jsonl";
	return NULL;
}

/* The archive formats a bundle or an audit archive may be in, for a reader
 * of a file.  A zip is read through its central directory (libarchive's
 * seekable reader), never from its local headers alone: the streaming
 * reader takes a zip cut anywhere after its last entry's data as whole.
 * Formats that describe files rather than hold them (mtree, raw) are not
 * bundles. */
void
eport_read_formats(struct archive *a)
{
	archive_read_support_filter_all(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_cab(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_iso9660(a);
	archive_read_support_format_lha(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_xar(a);
	archive_read_support_format_zip_seekable(a);
}

struct bundle *
bundle_open(const char *path, char *err, size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct bundle *b = xcalloc(1, sizeof *b);
	size_t total = 0;
	char chunk[65536];
	int rc;

	eport_read_formats(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s", archive_error_string(a));
		goto fail;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		mode_t type = archive_entry_filetype(e);
		struct bfile *f;
		la_ssize_t n;

		if (!name)
			name = "";
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		if (type == AE_IFDIR) {
			size_t l = strlen(name);
			char *d = strndup(name, l && name[l - 1] == '/' ? l - 1 : l);
			int ok = path_is_safe(d);

			free(d);
			if (ok)
				continue;
		}
		if (!path_is_safe(name)) {
			snprintf(err, errlen, _("entry '%s': path is absolute or leaves the bundle"), name);
			goto fail;
		}
		if (archive_entry_hardlink(e) || archive_entry_symlink(e) || type == AE_IFLNK) {
			snprintf(err, errlen, _("entry '%s': links are not allowed in a bundle"), name);
			goto fail;
		}
		if (type != AE_IFREG) {
			snprintf(err, errlen, _("entry '%s': not a regular file"), name);
			goto fail;
		}
		if (bundle_file(b, name)) {
			snprintf(err, errlen, _("entry '%s': given twice"), name);
			goto fail;
		}
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > (la_int64_t)BUNDLE_MAX_ENTRY) {
			snprintf(err, errlen, _("entry '%s': larger than %u MiB"), name, BUNDLE_MAX_ENTRY >> 20);
			goto fail;
		}
		b->f = xrealloc(b->f, (b->n + 1) * sizeof *b->f);
		f = &b->f[b->n++];
		f->path = xstrdup(name);
		memset(&f->data, 0, sizeof f->data);
		buf_add(&f->data, "", 0);
		while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
			if (f->data.len + n > BUNDLE_MAX_ENTRY) {
				snprintf(err, errlen, _("entry '%s': larger than %u MiB"), name, BUNDLE_MAX_ENTRY >> 20);
				goto fail;
			}
			if (total + n > BUNDLE_MAX_TOTAL) {
				snprintf(err, errlen, _("unpacks to more than %u MiB"), BUNDLE_MAX_TOTAL >> 20);
				goto fail;
			}
			total += n;
			buf_add(&f->data, chunk, n);
		}
		if (n < 0) {
			snprintf(err, errlen, _("entry '%s': %s"), name, archive_error_string(a));
			goto fail;
		}
	}
	if (rc != ARCHIVE_EOF) {
		snprintf(err, errlen, "%s", archive_error_string(a));
		goto fail;
	}
	if (!bundle_cases(b)) {
		snprintf(err, errlen, _("no case.json or cases.jsonl at the top of the bundle"));
		goto fail;
	}
	archive_read_free(a);
	return b;
fail:
	archive_read_free(a);
	bundle_free(b);
	return NULL;
}

/* Does the file start like an archive or a compressed stream? */
int
is_archive(const unsigned char *p, size_t n)
{
	static const struct { const char *magic; size_t off, len; } m[] = {
		{ "PK\3\4", 0, 4 }, { "PK\5\6", 0, 4 }, { "\x1f\x8b", 0, 2 },
		{ "\xfd" "7zXZ", 0, 5 }, { "7z\xbc\xaf\x27\x1c", 0, 6 }, { "BZh", 0, 3 },
		{ "\x28\xb5\x2f\xfd", 0, 4 }, { "ustar", 257, 5 }, { "Rar!", 0, 4 },
	};

	for (size_t i = 0; i < LEN(m); i++)
		if (n >= m[i].off + m[i].len && !memcmp(p + m[i].off, m[i].magic, m[i].len))
			return 1;
	return 0;
}

/* A directory's documents, with where it is against the store at home. */
void
origin_at(struct origin *o, const char *dir, const char *home)
{
	memset(o, 0, sizeof *o);
	o->dir = dir;
	doc_store(dir, home, &o->where);
}

/* A document named by a record, from the record's directory or bundle; a
 * path that is absolute or climbs with ".." is refused, and one that goes
 * through a symbolic link, a file of more than one link or one in the store
 * (doc_read), so a record cannot pull the office's own files into a case. */
int
origin_read(const struct origin *o, const char *file, struct buf *b, char *why, size_t whylen)
{
	if (!o->any_path && !path_is_safe(file)) {
		snprintf(why, whylen, _("'%s': absolute, or outside the record's directory"), file);
		return -1;
	}
	if (o->bundle) {
		const struct buf *f = bundle_file(o->bundle, file);

		if (!f) {
			snprintf(why, whylen, _("'%s': not in the bundle"), file);
			return -1;
		}
		buf_add(b, f->s, f->len);
		return 0;
	}
	return doc_read(o->dir, file, &o->where, b, BUNDLE_MAX_ENTRY, why, whylen);
}
