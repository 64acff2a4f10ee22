/* Kernel symbols: /proc/kallsyms, through a per-boot cache (kallsyms.h). */
#include "kallsyms.h"

#include "../lib/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* cache file: magic, count, names' size, {addr, name offset} x count, names */
static const char MAGIC[8] = "RSKSYM1\n";
typedef struct cache_head {
	char magic[8];
	uint64_t n, names;
} cache_head;

static int cmp_ksym(const void *a, const void *b)
{
	const rs_ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The whole file (procfs files have no size); NULL when unreadable. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		RS_GROW(buf, cap, *len + (1 << 16) + 1);
		ssize_t got = read(fd, buf + *len, cap - *len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		*len += (size_t)got;
	}
	close(fd);
	buf[*len] = 0;
	return buf;
}

/* Text symbols of kallsyms text, names pointing into it (NUL-terminated in
 * place: sscanf and a copy per symbol took most of the time). */
static void parse(char *text, size_t len, rs_ksym **syms, size_t *n)
{
	size_t cap = 0;
	bool sorted = true;
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		*eol = 0;
		/* "ADDR TYPE NAME[\t[MODULE]]" */
		char *q;
		errno = 0;
		unsigned long long a = strtoull(p, &q, 16);
		/* zero addresses: kptr_restrict hides them */
		if (q > p && !errno && a != 0 && q + 3 < eol && q[0] == ' ' && q[2] == ' ' &&
		    (q[1] == 't' || q[1] == 'T' || q[1] == 'w' || q[1] == 'W')) {
			char *name = q + 3;
			name[strcspn(name, " \t")] = 0;
			if (*name) {
				RS_GROW(*syms, cap, *n + 1);
				sorted &= !*n || (*syms)[*n - 1].addr <= a;
				(*syms)[(*n)++] = (rs_ksym){a, name};
			}
		}
		p = eol + 1;
	}
	if (!sorted)
		qsort(*syms, *n, sizeof **syms, cmp_ksym);
}

/* The cache file for this boot and this set of loaded modules (their names
 * and addresses, not their use counts, which come and go); false without a
 * cache directory. */
static bool cache_path(char *out, size_t n)
{
	const char *dir = getenv("RUSTSCOPE_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char base[4096];
	if (dir && !*dir)
		return false;
	if (dir)
		snprintf(base, sizeof base, "%s", dir);
	else if (xdg && *xdg)
		snprintf(base, sizeof base, "%s/rustscope", xdg);
	else if (home && *home)
		snprintf(base, sizeof base, "%s/.cache/rustscope", home);
	else
		return false;
	size_t blen, mlen;
	char *boot = slurp("/proc/sys/kernel/random/boot_id", &blen);
	char *mods = slurp("/proc/modules", &mlen);
	uLong crc = crc32(0L, Z_NULL, 0);
	for (char *line = mods, *save = NULL; mods && (line = strtok_r(line, "\n", &save)); line = NULL) {
		char name[256];
		unsigned long long addr = 0;
		if (sscanf(line, "%255s %*s %*s %*s %*s %llx", name, &addr) >= 1) {
			crc = crc32(crc, (const Bytef *)name, (uInt)strlen(name));
			crc = crc32(crc, (const Bytef *)&addr, sizeof addr);
		}
	}
	bool ok = boot && blen >= 36;
	if (ok)
		snprintf(out, n, "%s/kallsyms-%.36s-%08lx", base, boot, crc);
	free(boot);
	free(mods);
	return ok;
}

/* The cache file, mapped, not read: it is megabytes, and the lookups of a
 * recording touch a few pages of it. Offsets are checked at lookup. */
static bool cache_read(const char *path, rs_kallsyms *k)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return false;
	void *m = fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(cache_head)
		? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (m == MAP_FAILED)
		return false;
	size_t len = (size_t)st.st_size;
	const char *b = m;
	cache_head h;
	memcpy(&h, b, sizeof h);
	if (memcmp(h.magic, MAGIC, sizeof MAGIC) || h.n > len / 16 || !h.n || !h.names ||
	    len != sizeof h + h.n * 16 + h.names || b[len - 1]) {
		munmap(m, len);
		return false;
	}
	k->n = h.n;
	k->map = m;
	k->map_len = len;
	return true;
}

/* Entry i of the mapped cache: address and name. */
static uint64_t map_entry(const rs_kallsyms *k, size_t i, const char **name)
{
	const char *b = k->map;
	cache_head h;
	uint64_t e[2];
	memcpy(&h, b, sizeof h);
	memcpy(e, b + sizeof h + i * 16, 16);
	*name = e[1] < h.names ? b + sizeof h + h.n * 16 + e[1] : NULL;
	return e[0];
}

const char *rs_kallsyms_name(const rs_kallsyms *k, uint64_t addr)
{
	const char *name = NULL;
	size_t lo = 0, hi = k->n;
	while (lo < hi) { /* first symbol above addr */
		size_t mid = (lo + hi) / 2;
		uint64_t a = k->map ? map_entry(k, mid, &name) : k->syms[mid].addr;
		if (a <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (!k->map)
		return k->syms[lo - 1].name;
	map_entry(k, lo - 1, &name);
	return name;
}

/* Written beside its final name and renamed: readers see all or nothing. */
static void cache_write(const char *path, const rs_ksym *syms, size_t n)
{
	char tmp[4300], dir[4200];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = 0;
	mkdir(dir, 0700); /* its parent (~/.cache) usually exists */
	snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, (int)getpid());
	FILE *f = fopen(tmp, "wbx");
	if (!f)
		return;
	cache_head h = {.n = n};
	memcpy(h.magic, MAGIC, sizeof MAGIC);
	for (size_t i = 0; i < n; i++)
		h.names += strlen(syms[i].name) + 1;
	bool ok = fwrite(&h, sizeof h, 1, f) == 1;
	for (size_t i = 0, off = 0; ok && i < n; off += strlen(syms[i].name) + 1, i++) {
		uint64_t e[2] = {syms[i].addr, off};
		ok = fwrite(e, sizeof e, 1, f) == 1;
	}
	for (size_t i = 0; ok && i < n; i++)
		ok = fwrite(syms[i].name, strlen(syms[i].name) + 1, 1, f) == 1;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path))
		unlink(tmp);
}

void rs_kallsyms_load(rs_kallsyms *k)
{
	char path[4200];
	bool cached = cache_path(path, sizeof path);
	memset(k, 0, sizeof *k);
	if (cached && cache_read(path, k))
		return;
	size_t len;
	k->text = slurp("/proc/kallsyms", &len);
	if (!k->text)
		return;
	parse(k->text, len, &k->syms, &k->n);
	if (cached && k->n)
		cache_write(path, k->syms, k->n);
}

void rs_kallsyms_free(rs_kallsyms *k)
{
	free(k->syms);
	free(k->text);
	if (k->map)
		munmap(k->map, k->map_len);
	memset(k, 0, sizeof *k);
}
