/* Unit test of sampler/kallsyms.c: the table read from /proc/kallsyms and
 * the one read back from the per-boot cache are the same, and a damaged
 * cache file is not trusted. */
#include "sampler/kallsyms.h"

#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool same(const rs_ksym *a, size_t na, const rs_ksym *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].addr != b[i].addr || strcmp(a[i].name, b[i].name))
			return false;
	return true;
}

int main(void)
{
	char dir[] = "/tmp/rs-kallsyms-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	setenv("RUSTSCOPE_CACHE_DIR", dir, 1);
	rs_ksym *a, *b, *c;
	size_t na, nb, nc;
	char *ba, *bb, *bc;
	rs_kallsyms_load(&a, &na, &ba);
	if (!na) {
		printf("SKIP: kallsyms: no kernel symbols readable here (kptr_restrict?)\n");
		return 0;
	}
	CHECK("kallsyms: sorted by address", na < 2 || a[0].addr <= a[na - 1].addr);
	rs_kallsyms_load(&b, &nb, &bb);
	CHECK("kallsyms: the cache gives the same table", same(a, na, b, nb));
	char cmd[200];
	snprintf(cmd, sizeof cmd, "ls %s/kallsyms-* >/dev/null 2>&1 && for f in %s/kallsyms-*; do truncate -c -s 100 \"$f\"; done",
		 dir, dir);
	CHECK("kallsyms: a cache file was written", system(cmd) == 0);
	rs_kallsyms_load(&c, &nc, &bc);
	CHECK("kallsyms: a damaged cache is read again from /proc", same(a, na, c, nc));
	setenv("RUSTSCOPE_CACHE_DIR", "", 1);
	free(c), free(bc);
	rs_kallsyms_load(&c, &nc, &bc);
	CHECK("kallsyms: without a cache directory, /proc alone", same(a, na, c, nc));
	free(a), free(ba), free(b), free(bb), free(c), free(bc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return unit_failures ? 1 : 0;
}
