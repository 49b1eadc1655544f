/* open.c: the store whole, opened and closed: the one file that knows
 * every part of it (LMDB, the configuration, who acts, docs.git and its
 * packs), so that the parts need not know each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eport.h"

/* The store whole: LMDB, the configuration (for a writer: the map's size,
 * and who acts, settled) and, unless EPORT_NOREPO, docs.git. */
int
eport_open(struct eport *st, int flags)
{
	char err[sizeof st->errbuf];
	size_t mapsize = 0;

	memset(st, 0, sizeof *st);
	if (store_home(st) < 0 || cfg_load(st) < 0)
		goto fail;
	if (!(flags & EPORT_RDONLY)) {
		long n = cfg_int(st, "store.map-size", STORE_MAP_INITIAL);

		/* the stored size of an existing environment wins when larger */
		mapsize = n < 65536 ? 65536 : (size_t)n;
		/* four eyes cannot rest on a variable anyone can set: refused
		 * before anything is written */
		if (ident_settle(st->home, st->errbuf, sizeof st->errbuf) < 0)
			goto fail;
	}
	if (store_open(st, flags, mapsize) < 0)
		goto fail;
	if (!(flags & EPORT_NOREPO) && repo_open(st) < 0) {
		snprintf(st->errbuf, sizeof st->errbuf, _("docs.git: %s"), eport_git_err());
		goto fail;
	}
	/* a writer's objects go to docs.git as a pack per transaction, kept
	 * until its refs have moved (pack.c) */
	if (!(flags & (EPORT_NOREPO | EPORT_RDONLY)) && repo_batch(st) < 0) {
		snprintf(st->errbuf, sizeof st->errbuf, "docs.git: %s", eport_git_err());
		goto fail;
	}
	return 0;
fail:
	/* nothing held but the message, for a caller that goes on without */
	memcpy(err, st->errbuf, sizeof err);
	eport_close(st);
	memcpy(st->errbuf, err, sizeof err);
	return -1;
}

/* What libgit2 holds, if a command used it: the batch's packing
 * repository before docs.git, then the configuration. */
static void
fini(struct eport *st)
{
	repo_batch_end(st);
	if (st->repo)
		git_repository_free(st->repo);
	if (st->cfg)
		git_config_free(st->cfg);
	st->repo = NULL;
	st->cfg = NULL;
}

void
eport_close(struct eport *st)
{
	fini(st);
	if (st->env)
		mdb_env_close(st->env);
	json_decref(st->touched);
	json_decref(st->dirty);
	buf_free(&st->warn);
	free(st->home);
	memset(st, 0, sizeof *st);
}
