/* fuzz-bundle: bundles, the archives eport-apply takes in.  bundle_open reads
 * a path, so the input goes to a memory file opened by its /proc name.  A
 * bundle that opens holds its cases file, and no entry that could reach
 * outside it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "eport.h"

static int fd = -1;
static char path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle *b;
	const char *name;
	char err[512];

	if (fd < 0) {
		if ((fd = memfd_create("bundle", 0)) < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	(void)is_archive(data, size);
	err[0] = '\0';
	b = bundle_open(path, err, sizeof err);
	if (!b) {
		if (!err[0])
			abort();	/* a refusal always says why */
		return 0;
	}
	name = bundle_cases(b);
	if (!name || !bundle_file(b, name))
		abort();
	(void)bundle_file(b, "./case.json");
	(void)bundle_file(b, "scans/form1.pdf");
	bundle_free(b);
	return 0;
}
