/* Addresses to source: libdwfl/libdw for user-space modules (function names,
 * file and line, inlined frames each as their own frame, build ids,
 * .gnu_debuglink and /usr/lib/debug, debuginfod only when asked), then the
 * ELF symbol table, then nothing (the caller names it module+offset);
 * /proc/kallsyms for the kernel. */
#ifndef RS_SAMPLER_SYMBOLIZE_H
#define RS_SAMPLER_SYMBOLIZE_H

#include "kallsyms.h"
#include "maps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rs_sym_source { RS_SYM_NONE, RS_SYM_DWARF, RS_SYM_SYMTAB, RS_SYM_KALLSYMS } rs_sym_source;

typedef struct rs_symline {
	const char *sym;  /* linkage (mangled) or plain name; never NULL when n > 0 */
	const char *file; /* NULL when unknown */
	int line, column;
	bool is_inline; /* inlined into the next (outer) entry */
} rs_symline;

typedef struct rs_symbolizer {
	bool debuginfod;
	bool separate_dwarf; /* also the DWARF of separate debug files (--lib-dwarf) */
	rs_kallsyms ksyms;
	bool ksyms_tried;
	/* statistics */
	uint64_t lookups, by_dwarf, by_symtab, unresolved;
} rs_symbolizer;

void rs_sym_init(rs_symbolizer *sz, bool debuginfod, bool separate_dwarf);
void rs_sym_free(rs_symbolizer *sz, rs_maps *m);
/* Resolves one code address of mod: addr is the file offset for a user
 * module, the kernel address for the kernel. Fills out (innermost function
 * first, the non-inlined one last) and returns the count (0 = unresolved);
 * *src says where the names came from. */
size_t rs_symbolize(rs_symbolizer *sz, rs_module *mod, uint64_t addr, rs_symline *out, size_t max,
		    rs_sym_source *src);
/* The module's GNU build id in hex ("" when none); valid while sz lives. */
const char *rs_sym_build_id(rs_symbolizer *sz, rs_module *mod);
/* Whether the module has DWARF (after the first lookup). */
bool rs_sym_has_dwarf(rs_symbolizer *sz, rs_module *mod);

#endif
