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

/* The same name for every symbol's address, and for an address inside it. */
static bool same(const rs_ksym *a, size_t na, const rs_kallsyms *k)
{
	if (na != k->n)
		return false;
	for (size_t i = 0; i < na; i++) {
		const char *n = rs_kallsyms_name(k, a[i].addr);
		const char *m = rs_kallsyms_name(k, a[i].addr + 1);
		bool last_at = i + 1 == na || a[i + 1].addr != a[i].addr;
		if (!n || !m || (last_at && strcmp(n, a[i].name)))
			return false;
	}
	return true;
}

int main(void)
{
	char dir[] = "/tmp/rs-kallsyms-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	setenv("RUSTSCOPE_CACHE_DIR", dir, 1);
	rs_kallsyms ka, kb, kc;
	rs_kallsyms_load(&ka);
	const rs_ksym *a = ka.syms;
	size_t na = ka.n;
	if (!na) {
		printf("SKIP: kallsyms: no kernel symbols readable here (kptr_restrict?)\n");
		return 0;
	}
	CHECK("kallsyms: sorted by address", na < 2 || a[0].addr <= a[na - 1].addr);
	rs_kallsyms_load(&kb);
	CHECK("kallsyms: the cache is mapped", kb.map != NULL);
	CHECK("kallsyms: the cache gives the same table", same(a, na, &kb));
	char cmd[200];
	snprintf(cmd, sizeof cmd, "ls %s/kallsyms-* >/dev/null 2>&1 && for f in %s/kallsyms-*; do truncate -c -s 100 \"$f\"; done",
		 dir, dir);
	CHECK("kallsyms: a cache file was written", system(cmd) == 0);
	rs_kallsyms_load(&kc);
	CHECK("kallsyms: a damaged cache is read again from /proc", same(a, na, &kc) && !kc.map);
	setenv("RUSTSCOPE_CACHE_DIR", "", 1);
	rs_kallsyms_free(&kc);
	rs_kallsyms_load(&kc);
	CHECK("kallsyms: without a cache directory, /proc alone", same(a, na, &kc));
	rs_kallsyms_free(&ka);
	rs_kallsyms_free(&kb);
	rs_kallsyms_free(&kc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return unit_failures ? 1 : 0;
}
