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
	const char *name; /* in the buffer rs_kallsyms_load gives */
} rs_ksym;

/* Fills *syms (sorted by address) and *buf (the names' storage; both
 * malloc'ed, NULL when the symbols are hidden or unreadable). The cache
 * lives in $RUSTSCOPE_CACHE_DIR, else $XDG_CACHE_HOME/rustscope, else
 * ~/.cache/rustscope; RUSTSCOPE_CACHE_DIR= (empty) turns it off. */
void rs_kallsyms_load(rs_ksym **syms, size_t *n, char **buf);

#endif
