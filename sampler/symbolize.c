/* Symbolization with libdwfl (see symbolize.h). One Dwfl per module, with
 * the module reported at its link-time addresses: callers pass file
 * offsets, converted here through the program headers, so one cache serves
 * every process that maps the file. A lookup finds its function in a sorted
 * table of the CU's outermost functions (built the first time an address
 * falls in the CU), then walks only that function's DIEs: walking the CU
 * from the top for each address made a 20,000-function program take
 * seconds. */
#include "symbolize.h"

#include "../lib/xalloc.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An address range of a DIE: a function (or CU) that find_chain would
 * reach first when pc is in [low, high). maxhigh is the largest high of this
 * entry and every one before it in the sorted table, which bounds the scan
 * back for overlapping ranges. */
typedef struct rangent {
	Dwarf_Addr low, high, maxhigh;
	uint32_t order; /* DIE order (pre-order): the first in order wins, as in a walk */
	uint32_t depth; /* nesting depth of the DIE below its CU (find_chain's depth) */
	Dwarf_Die die;
} rangent;

typedef struct rangetab {
	rangent *e;
	size_t n, cap;
} rangetab;

/* The function index of one CU, built the first time an address falls in
 * it: the outermost functions, found through namespaces and types. */
typedef struct cuindex {
	Dwarf_Off off; /* the CU DIE's offset (key) */
	rangetab funcs;
} cuindex;

typedef struct modsym {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	bool dwarf_checked, has_dwarf;
	char build_id[129];
	cuindex **cus; /* sorted by off */
	size_t ncus, cus_cap;
	bool cutab_built; /* cutab: every CU's ranges, for CUs that .debug_aranges lacks */
	rangetab cutab;
	Dwarf_Addr cutab_bias;
} modsym;

static char *debuginfo_path = NULL; /* default: ":.debug:/usr/lib/debug" */

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

void rs_sym_init(rs_symbolizer *sz, bool debuginfod, bool separate_dwarf)
{
	memset(sz, 0, sizeof *sz);
	sz->debuginfod = debuginfod;
	sz->separate_dwarf = separate_dwarf || debuginfod;
}

void rs_sym_free(rs_symbolizer *sz, rs_maps *m)
{
	for (size_t i = 0; m && i < m->nmods; i++) {
		modsym *ms = m->mods[i]->sym;
		if (ms && ms->dwfl)
			dwfl_end(ms->dwfl);
		for (size_t k = 0; ms && k < ms->ncus; k++) {
			free(ms->cus[k]->funcs.e);
			free(ms->cus[k]);
		}
		if (ms) {
			free(ms->cus);
			free(ms->cutab.e);
		}
		free(ms);
		m->mods[i]->sym = NULL;
	}
	rs_kallsyms_free(&sz->ksyms);
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

/* Whether the file itself holds DWARF (not only a separate debug file). */
static bool file_has_dwarf(const rs_module *mod)
{
	Elf *e = mod->fd >= 0 ? elf_begin(mod->fd, ELF_C_READ_MMAP, NULL) : NULL;
	bool found = rs_elf_has_section(e, ".debug_info");
	if (e)
		elf_end(e);
	return found;
}

bool rs_sym_has_dwarf(rs_symbolizer *sz, rs_module *mod)
{
	modsym *ms = mod_state(mod);
	/* A separate debug file (libc6-dbg, -dbgsym packages) is read for its
	 * symbol table; its DWARF only when asked: libdw inflates all of its
	 * compressed sections on opening, 0.1 s for libc alone, in every
	 * recording, since every stack passes through libc. */
	if (!ms->dwarf_checked && ms->mod && !sz->separate_dwarf && !file_has_dwarf(mod))
		ms->dwarf_checked = true;
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
	bool has_file = dwarf_attr(inl, DW_AT_call_file, &a) && dwarf_formudata(&a, &file) == 0;
	if (dwarf_attr(inl, DW_AT_call_line, &a))
		dwarf_formudata(&a, &line);
	if (dwarf_attr(inl, DW_AT_call_column, &a))
		dwarf_formudata(&a, &col);
	/* file 0 is "none" before DWARF 5, the primary source file from 5 on
	 * (clang uses it) */
	Dwarf_Half version = 0;
	if (has_file && file == 0 && dwarf_cu_info(cu->cu, &version, NULL, NULL, NULL, NULL, NULL, NULL) != 0)
		version = 0;
	Dwarf_Files *files;
	size_t nfiles;
	if (has_file && (file || version >= 5) && dwarf_getsrcfiles(cu, &files, &nfiles) == 0 &&
	    file < nfiles)
		outer->file = dwarf_filesrc(files, file, NULL, NULL);
	outer->line = line > 0x7fffffff ? 0 : (int)line;
	outer->column = col > 0x7fffffff ? 0 : (int)col;
}

/* Walks the DIE tree below parent for the functions (subprograms, inlined
 * subroutines) whose ranges hold pc, outermost first, into chain. Our own
 * walk because dwarf_getscopes continues with an inline's abstract origin
 * rather than its callers, and misses functions nested in Rust's namespace
 * DIEs. Returns the chain length. A lookup starts it at the function that
 * the CU's index (cu_index) finds for pc, so it only walks that function's
 * children, never the whole CU. */
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

/* --- range tables: sorted by low, searched for the first DIE in order --- */

static void rangetab_add(rangetab *t, Dwarf_Die *die, Dwarf_Addr low, Dwarf_Addr high, uint32_t order,
			 uint32_t depth)
{
	RS_GROW(t->e, t->cap, t->n + 1);
	t->e[t->n++] = (rangent){.low = low, .high = high, .order = order, .depth = depth, .die = *die};
}

/* Adds every range of die (none when it has no code). */
static void rangetab_add_die(rangetab *t, Dwarf_Die *die, uint32_t order, uint32_t depth)
{
	Dwarf_Addr base, low, high;
	ptrdiff_t off = 0;
	while ((off = dwarf_ranges(die, off, &base, &low, &high)) > 0)
		if (low < high)
			rangetab_add(t, die, low, high, order, depth);
}

static int cmp_rangent(const void *a, const void *b)
{
	const rangent *x = a, *y = b;
	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void rangetab_sort(rangetab *t)
{
	if (t->n > 1)
		qsort(t->e, t->n, sizeof *t->e, cmp_rangent);
	Dwarf_Addr max = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->e[i].high > max)
			max = t->e[i].high;
		t->e[i].maxhigh = max;
	}
}

/* The entry holding pc that comes first in DIE order; NULL when none. */
static rangent *rangetab_find(const rangetab *t, Dwarf_Addr pc)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) { /* first entry with low > pc */
		size_t mid = lo + (hi - lo) / 2;
		if (t->e[mid].low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	rangent *best = NULL;
	for (size_t i = lo; i-- > 0 && t->e[i].maxhigh > pc;)
		if (t->e[i].high > pc && (!best || t->e[i].order < best->order))
			best = &t->e[i];
	return best;
}

/* The DIEs a walk from the CU (find_chain) stops at: subprograms, inlined
 * subroutines and lexical blocks, found through namespaces and types, not
 * below. order counts every DIE visited, in the walk's order. */
static void index_dies(Dwarf_Die *parent, rangetab *t, uint32_t *order, int depth)
{
	Dwarf_Die child;
	if (depth > MAX_NEST || dwarf_child(parent, &child) != 0)
		return;
	do {
		uint32_t o = (*order)++;
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block: rangetab_add_die(t, &child, o, (uint32_t)depth); break;
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type:
		case DW_TAG_enumeration_type: index_dies(&child, t, order, depth + 1); break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static cuindex *cu_index(modsym *ms, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	size_t lo = 0, hi = ms->ncus;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ms->cus[mid]->off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ms->ncus && ms->cus[lo]->off == off)
		return ms->cus[lo];
	cuindex *ci = rs_xcalloc(1, sizeof *ci);
	ci->off = off;
	uint32_t order = 0;
	index_dies(cu, &ci->funcs, &order, 0);
	rangetab_sort(&ci->funcs);
	RS_GROW(ms->cus, ms->cus_cap, ms->ncus + 1);
	memmove(ms->cus + lo + 1, ms->cus + lo, (ms->ncus - lo) * sizeof *ms->cus);
	ms->cus[lo] = ci;
	ms->ncus++;
	return ci;
}

/* The CU holding vaddr when .debug_aranges lacks it (rustc rlibs, clang's
 * default): the first CU, in the module's order, whose ranges hold it. The
 * table of every CU's ranges is built on the first such lookup. */
static Dwarf_Die *cu_by_ranges(modsym *ms, Dwarf_Addr vaddr, Dwarf_Addr *bias)
{
	if (!ms->cutab_built) {
		ms->cutab_built = true;
		Dwarf_Die *c = NULL;
		uint32_t order = 0;
		while ((c = dwfl_module_nextcu(ms->mod, c, &ms->cutab_bias)))
			rangetab_add_die(&ms->cutab, c, order++, 0);
		rangetab_sort(&ms->cutab);
	}
	rangent *e = rangetab_find(&ms->cutab, vaddr - ms->cutab_bias);
	if (!e)
		return NULL;
	*bias = ms->cutab_bias;
	return &e->die; /* the table does not change any more */
}

static size_t by_dwarf(modsym *ms, uint64_t vaddr, rs_symline *out, size_t max)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(ms->mod, vaddr, &bias);
	/* .debug_aranges may miss CUs: then the CUs' own ranges */
	if (!cu)
		cu = cu_by_ranges(ms, vaddr, &bias);
	if (!cu)
		return 0;
	Dwarf_Addr pc = vaddr - bias;
	Dwarf_Die chain[MAX_NEST];
	int nc = 0;
	const rangent *top = rangetab_find(&cu_index(ms, cu)->funcs, pc);
	if (top) {
		Dwarf_Die d = top->die;
		if (is_function(&d))
			chain[nc++] = d;
		nc = find_chain(&d, pc, chain, nc, (int)top->depth + 1);
	}
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
	} else {
		/* dwfl finds the line table through .debug_aranges too: a CU that
		 * lacks them (clang's default, rustc rlibs) is asked directly */
		Dwarf_Line *dl = dwarf_getsrc_die(cu, pc);
		int line = 0, col = 0;
		if (dl && dwarf_lineno(dl, &line) == 0) {
			out[0].file = dwarf_linesrc(dl, NULL, NULL);
			out[0].line = line;
			out[0].column = dwarf_linecol(dl, &col) == 0 ? col : 0;
		}
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

static size_t by_kallsyms(rs_symbolizer *sz, uint64_t addr, rs_symline *out)
{
	if (!sz->ksyms_tried) {
		sz->ksyms_tried = true;
		rs_kallsyms_load(&sz->ksyms);
	}
	const char *name = rs_kallsyms_name(&sz->ksyms, addr);
	if (!name)
		return 0;
	out[0] = (rs_symline){.sym = name};
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
