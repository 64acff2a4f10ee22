/* Symbolization with libdwfl (see symbolize.h). One Dwfl per module, with
 * the module reported at its link-time addresses: callers pass file
 * offsets, converted here through the program headers, so one cache serves
 * every process that maps the file. */
#include "symbolize.h"

#include "../lib/xalloc.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct modsym {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	bool dwarf_checked, has_dwarf;
	char build_id[129];
} modsym;

static char *debuginfo_path = NULL; /* default: ":.debug:/usr/lib/debug" */

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

void rs_sym_init(rs_symbolizer *sz, bool debuginfod)
{
	memset(sz, 0, sizeof *sz);
	sz->debuginfod = debuginfod;
}

void rs_sym_free(rs_symbolizer *sz, rs_maps *m)
{
	for (size_t i = 0; m && i < m->nmods; i++) {
		modsym *ms = m->mods[i]->sym;
		if (ms && ms->dwfl)
			dwfl_end(ms->dwfl);
		free(ms);
		m->mods[i]->sym = NULL;
	}
	for (size_t i = 0; i < sz->nksyms; i++)
		free(sz->ksyms[i].name);
	free(sz->ksyms);
}

static modsym *mod_state(rs_module *mod)
{
	if (mod->sym)
		return mod->sym;
	modsym *ms = rs_xcalloc(1, sizeof *ms);
	mod->sym = ms;
	if (mod->special || mod->kernel || !rs_module_load(mod))
		return ms;
	ms->dwfl = dwfl_begin(&callbacks);
	if (!ms->dwfl)
		return ms;
	dwfl_report_begin(ms->dwfl);
	/* base 0, add_p_vaddr: module addresses are the link-time ones */
	ms->mod = dwfl_report_elf(ms->dwfl, mod->base, mod->path, -1, 0, true);
	dwfl_report_end(ms->dwfl, NULL, NULL);
	const unsigned char *bits;
	GElf_Addr at;
	int n = ms->mod ? dwfl_module_build_id(ms->mod, &bits, &at) : 0;
	for (int i = 0; i < n && i < 64; i++)
		snprintf(ms->build_id + 2 * i, 3, "%02x", bits[i]);
	return ms;
}

const char *rs_sym_build_id(rs_symbolizer *sz, rs_module *mod)
{
	(void)sz;
	return mod_state(mod)->build_id;
}

bool rs_sym_has_dwarf(rs_symbolizer *sz, rs_module *mod)
{
	(void)sz;
	modsym *ms = mod_state(mod);
	if (!ms->dwarf_checked && ms->mod) {
		Dwarf_Addr bias;
		ms->has_dwarf = dwfl_module_getdwarf(ms->mod, &bias) != NULL;
		ms->dwarf_checked = true;
	}
	return ms->has_dwarf;
}

/* --- DWARF: the chain of inlined functions at an address --- */

static const char *die_name(Dwarf_Die *d)
{
	Dwarf_Attribute a;
	const char *s = NULL;
	if (dwarf_attr_integrate(d, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(d, DW_AT_MIPS_linkage_name, &a))
		s = dwarf_formstring(&a);
	if (!s && dwarf_attr_integrate(d, DW_AT_name, &a))
		s = dwarf_formstring(&a);
	return s;
}

static bool is_function(Dwarf_Die *d)
{
	int t = dwarf_tag(d);
	return t == DW_TAG_subprogram || t == DW_TAG_inlined_subroutine;
}

/* The call site (DW_AT_call_file/line) of an inlined subroutine: the line
 * of its caller, which is the next entry out. */
static void call_site(Dwarf_Die *cu, Dwarf_Die *inl, rs_symline *outer)
{
	Dwarf_Attribute a;
	Dwarf_Word file = 0, line = 0, col = 0;
	if (dwarf_attr(inl, DW_AT_call_file, &a))
		dwarf_formudata(&a, &file);
	if (dwarf_attr(inl, DW_AT_call_line, &a))
		dwarf_formudata(&a, &line);
	if (dwarf_attr(inl, DW_AT_call_column, &a))
		dwarf_formudata(&a, &col);
	Dwarf_Files *files;
	size_t nfiles;
	if (file && dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && file < nfiles)
		outer->file = dwarf_filesrc(files, file, NULL, NULL);
	outer->line = line > 0x7fffffff ? 0 : (int)line;
	outer->column = col > 0x7fffffff ? 0 : (int)col;
}

/* Walks the CU's DIE tree for the functions (subprograms, inlined
 * subroutines) whose ranges hold pc, outermost first, into chain. Our own
 * walk because dwarf_getscopes continues with an inline's abstract origin
 * rather than its callers, and misses functions nested in Rust's namespace
 * DIEs. Returns the chain length. */
enum { MAX_NEST = 64 };
static int find_chain(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *chain, int n, int depth)
{
	Dwarf_Die child;
	if (depth > MAX_NEST || dwarf_child(parent, &child) != 0)
		return n;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
			if (dwarf_haspc(&child, pc) <= 0)
				break;
			if (is_function(&child) && n < MAX_NEST)
				chain[n++] = child;
			return find_chain(&child, pc, chain, n, depth + 1);
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type:
		case DW_TAG_enumeration_type: {
			int m = find_chain(&child, pc, chain, n, depth + 1);
			if (m > n)
				return m;
			break;
		}
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return n;
}

static size_t by_dwarf(modsym *ms, uint64_t vaddr, rs_symline *out, size_t max)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(ms->mod, vaddr, &bias);
	/* .debug_aranges may miss CUs: then ask each CU */
	if (!cu) {
		Dwarf_Die *c = NULL;
		while ((c = dwfl_module_nextcu(ms->mod, c, &bias)) && dwarf_haspc(c, vaddr - bias) <= 0)
			;
		cu = c;
	}
	if (!cu)
		return 0;
	Dwarf_Die chain[MAX_NEST];
	int nc = find_chain(cu, vaddr - bias, chain, 0, 0);
	/* skip an enclosing non-inline function whose inner one is also out of
	 * line (nested fn items): the innermost subprogram starts the chain */
	int first = 0;
	for (int i = 0; i < nc; i++)
		if (dwarf_tag(&chain[i]) == DW_TAG_subprogram)
			first = i;
	size_t n = 0;
	memset(out, 0, max * sizeof *out);
	for (int i = nc - 1; i >= first && n < max; i--) {
		const char *name = die_name(&chain[i]);
		bool inl = dwarf_tag(&chain[i]) == DW_TAG_inlined_subroutine;
		out[n].sym = name ? name : "??";
		out[n].is_inline = inl;
		if (inl && n + 1 < max) /* the caller's line is this inline's call site */
			call_site(cu, &chain[i], &out[n + 1]);
		n++;
	}
	if (n == 0)
		return 0;
	/* the innermost entry's line is the address's own line */
	Dwfl_Line *ln = dwfl_module_getsrc(ms->mod, vaddr);
	if (ln) {
		int line = 0, col = 0;
		const char *f = dwfl_lineinfo(ln, NULL, &line, &col, NULL, NULL);
		out[0].file = f;
		out[0].line = line;
		out[0].column = col;
	}
	return n;
}

static size_t by_symtab(modsym *ms, uint64_t vaddr, rs_symline *out)
{
	GElf_Off off;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(ms->mod, vaddr, &off, &sym, NULL, NULL, NULL);
	if (!name || !*name)
		return 0;
	out[0] = (rs_symline){.sym = name};
	return 1;
}

/* --- kernel --- */

static int cmp_ksym(const void *a, const void *b)
{
	const rs_ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load_kallsyms(rs_symbolizer *sz)
{
	sz->ksyms_tried = true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	char line[512];
	size_t cap = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long long a;
		char type, name[256];
		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3 || a == 0)
			continue; /* zero addresses: kptr_restrict hides them */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		RS_GROW(sz->ksyms, cap, sz->nksyms + 1);
		sz->ksyms[sz->nksyms++] = (rs_ksym){a, rs_xstrdup(name)};
	}
	fclose(f);
	if (sz->nksyms)
		qsort(sz->ksyms, sz->nksyms, sizeof *sz->ksyms, cmp_ksym);
}

static size_t by_kallsyms(rs_symbolizer *sz, uint64_t addr, rs_symline *out)
{
	if (!sz->ksyms_tried)
		load_kallsyms(sz);
	size_t lo = 0, hi = sz->nksyms;
	while (lo < hi) { /* first symbol above addr */
		size_t mid = (lo + hi) / 2;
		if (sz->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	out[0] = (rs_symline){.sym = sz->ksyms[lo - 1].name};
	return 1;
}

size_t rs_symbolize(rs_symbolizer *sz, rs_module *mod, uint64_t addr, rs_symline *out, size_t max,
		    rs_sym_source *src)
{
	size_t n = 0;
	sz->lookups++;
	*src = RS_SYM_NONE;
	if (max == 0)
		return 0;
	if (mod->kernel) {
		n = by_kallsyms(sz, addr, out);
		*src = n ? RS_SYM_KALLSYMS : RS_SYM_NONE;
	} else {
		modsym *ms = mod_state(mod);
		if (ms->mod) {
			uint64_t vaddr = rs_module_vaddr(mod, addr);
			if (rs_sym_has_dwarf(sz, mod) && (n = by_dwarf(ms, vaddr, out, max)))
				*src = RS_SYM_DWARF;
			else if ((n = by_symtab(ms, vaddr, out)))
				*src = RS_SYM_SYMTAB;
		}
	}
	if (*src == RS_SYM_DWARF)
		sz->by_dwarf++;
	else if (n)
		sz->by_symtab++;
	else
		sz->unresolved++;
	return n;
}
