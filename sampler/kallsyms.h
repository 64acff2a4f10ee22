/* The kernel's text symbols for naming kernel frames. /proc/kallsyms is
 * 120k+ lines that the kernel formats on every read (about 60 ms), so the
 * parsed table is kept in a per-boot cache file and read from there while
 * the kernel and its loaded modules stay the same. */
#ifndef RS_SAMPLER_KALLSYMS_H
#define RS_SAMPLER_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rs_ksym {
	uint64_t addr;
	const char *name; /* in the table's text or mapped cache */
} rs_ksym;

typedef struct rs_kallsyms {
	size_t n;
	rs_ksym *syms; /* read from /proc: sorted by address */
	char *text;    /* /proc/kallsyms as read, names NUL-terminated in place */
	void *map;     /* or the cache file, mapped: searched where it lies */
	size_t map_len;
} rs_kallsyms;

/* Fills k (empty when the symbols are hidden or unreadable). The cache
 * lives in $RUSTSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/rustscope, else
 * ~/.cache/rustscope; RUSTSCOPE_CACHE_DIR= (empty) turns it off. */
void rs_kallsyms_load(rs_kallsyms *k);
void rs_kallsyms_free(rs_kallsyms *k);
/* The symbol at or below addr; NULL when none. */
const char *rs_kallsyms_name(const rs_kallsyms *k, uint64_t addr);

#endif
