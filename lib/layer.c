/* layer.c: the office's data files in layers (DESIGN.md section 11): the
 * defaults in share/eport, then the system's /etc/eport, then the store's
 * own $EPORT_HOME, so that a reinstall never overwrites the office's edit.
 * A file is taken whole from the last layer that has it. */
#include <stdlib.h>
#include <unistd.h>

#include "office.h"

char *
layer_path(const char *home, const char *name)
{
	char *own;

	if (home) {
		own = xasprintf("%s/%s", home, name);
		if (access(own, F_OK) == 0)
			return own;
		free(own);
	}
	own = xasprintf("%s/%s", eport_sysconf(), name);
	if (access(own, F_OK) == 0)
		return own;
	free(own);
	return share_path(name);
}
