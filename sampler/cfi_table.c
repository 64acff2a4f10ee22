/* Compact CFI rows per module (see cfi_table.h). */
#include "cfi_table.h"

#include "../lib/xalloc.h"

#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

/* DWARF register numbers on x86-64 */
enum { DW_RBP = 6, DW_RSP = 7 };

struct rs_cfi_table {
	Elf *elf;
	void *image;       /* the vdso's bytes, copied out of our own process */
	bool is_vdso;
	uint64_t vdso_delta; /* vdso: link-time address - offset in the image */
	Dwarf_CFI *eh;     /* .eh_frame */
	Dwarf *dw;         /* for .debug_frame, opened on the first miss of .eh_frame */
	Dwarf_CFI *debug;
	bool debug_tried;
	rs_cfi_row *rows;  /* sorted by start, non-overlapping */
	size_t n, cap;
};

/* The kernel maps the same vdso into every process: ours describes the
 * target's. Its size is where its section headers end. */
static Elf *open_vdso(rs_cfi_table *t)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	const Elf64_Phdr *ph = (const void *)((const char *)eh + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			t->vdso_delta = ph[i].p_vaddr - ph[i].p_offset;
			break;
		}
	t->image = rs_xmalloc(size);
	memcpy(t->image, eh, size);
	t->is_vdso = true;
	return elf_memory(t->image, size);
}

rs_cfi_table *rs_cfi_table_open(rs_module *mod)
{
	rs_cfi_table *t = rs_xcalloc(1, sizeof *t);
	elf_version(EV_CURRENT);
	if (!strcmp(mod->path, "[vdso]"))
		t->elf = open_vdso(t);
	else if (!mod->special && !mod->kernel && rs_module_load(mod))
		t->elf = elf_begin(mod->fd, ELF_C_READ_MMAP, NULL);
	if (t->elf)
		t->eh = dwarf_getcfi_elf(t->elf);
	return t;
}

void rs_cfi_table_free(rs_cfi_table *t)
{
	if (!t)
		return;
	if (t->dw)
		dwarf_end(t->dw);
	if (t->eh) /* from dwarf_getcfi_elf; .debug_frame's goes with dwarf_end */
		dwarf_cfi_end(t->eh);
	if (t->elf)
		elf_end(t->elf);
	free(t->image);
	free(t->rows);
	free(t);
}

uint64_t rs_cfi_vaddr(const rs_cfi_table *t, const rs_maps *m, const rs_map *map, uint64_t pc)
{
	if (t->is_vdso)
		return pc - map->start + map->pgoff + t->vdso_delta;
	return pc - rs_map_bias(m, map);
}

static Dwarf_CFI *debug_frame(rs_cfi_table *t)
{
	if (!t->debug_tried) {
		t->debug_tried = true;
		if (t->elf && !t->is_vdso && rs_elf_has_section(t->elf, ".debug_frame")) {
			t->dw = dwarf_begin_elf(t->elf, DWARF_C_READ, NULL);
			t->debug = t->dw ? dwarf_getcfi(t->dw) : NULL;
		}
	}
	return t->debug;
}

/* "stored at CFA + off": libdw spells the offset rule as call_frame_cfa,
 * optionally followed by plus_uconst (a negative offset wraps). */
static bool at_cfa_offset(const Dwarf_Op *ops, size_t nops, int32_t *off)
{
	if (nops < 1 || nops > 2 || ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (nops == 2 && ops[1].atom != DW_OP_plus_uconst)
		return false;
	*off = nops == 2 ? (int32_t)(int64_t)ops[1].number : 0;
	return true;
}

static void cfa_rule(Dwarf_Frame *fr, rs_cfi_row *row)
{
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_frame_cfa(fr, &ops, &nops) || nops != 1 || ops[0].atom != DW_OP_bregx ||
	    (ops[0].number != DW_RSP && ops[0].number != DW_RBP)) {
		row->kind = RS_CFI_COMPLEX;
		return;
	}
	row->cfa_is_bp = ops[0].number == DW_RBP;
	row->cfa_off = (int32_t)(int64_t)ops[0].number2;
}

static void register_rules(Dwarf_Frame *fr, int ra_reg, rs_cfi_row *row)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	if (dwarf_frame_register(fr, ra_reg, mem, &ops, &nops)) {
		row->kind = RS_CFI_COMPLEX;
		return;
	}
	if (nops == 0 && ops == mem) {
		row->kind = RS_CFI_OUTERMOST;
		return;
	}
	if (!at_cfa_offset(ops, nops, &row->ra_off)) {
		row->kind = RS_CFI_COMPLEX;
		return;
	}
	row->bp = RS_CFI_BP_LOST;
	if (dwarf_frame_register(fr, DW_RBP, mem, &ops, &nops) == 0) {
		if (nops == 0 && ops == NULL)
			row->bp = RS_CFI_BP_SAME;
		else if (at_cfa_offset(ops, nops, &row->bp_off))
			row->bp = RS_CFI_BP_SAVED;
	}
}

/* Decodes the row at vaddr; false when no CFI covers it. */
static bool decode(Dwarf_CFI *cfi, uint64_t vaddr, rs_cfi_row *row)
{
	Dwarf_Frame *fr;
	if (!cfi || dwarf_cfi_addrframe(cfi, vaddr, &fr))
		return false;
	Dwarf_Addr start, end;
	bool signal;
	int ra_reg = dwarf_frame_info(fr, &start, &end, &signal);
	*row = (rs_cfi_row){.start = start, .end = end > start ? end : vaddr + 1, .kind = RS_CFI_RULE};
	if (ra_reg < 0 || signal)
		row->kind = RS_CFI_COMPLEX;
	if (row->kind == RS_CFI_RULE)
		cfa_rule(fr, row);
	if (row->kind == RS_CFI_RULE)
		register_rules(fr, ra_reg, row);
	free(fr);
	return true;
}

/* Index of the first row ending past vaddr. */
static size_t lower_bound(const rs_cfi_table *t, uint64_t vaddr)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->rows[mid].end <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const rs_cfi_row *rs_cfi_find(rs_cfi_table *t, uint64_t vaddr)
{
	size_t i = lower_bound(t, vaddr);
	if (i < t->n && t->rows[i].start <= vaddr)
		return &t->rows[i];
	rs_cfi_row row;
	if (!decode(t->eh, vaddr, &row) && !decode(debug_frame(t), vaddr, &row))
		row = (rs_cfi_row){.start = vaddr, .end = vaddr + 1, .kind = RS_CFI_NONE};
	/* a row never overlaps its neighbours: clip it to the gap it fills */
	if (i < t->n && row.end > t->rows[i].start)
		row.end = t->rows[i].start;
	if (i > 0 && row.start < t->rows[i - 1].end)
		row.start = t->rows[i - 1].end;
	if (row.start > vaddr || row.end <= vaddr)
		row.start = vaddr, row.end = vaddr + 1;
	RS_GROW(t->rows, t->cap, t->n + 1);
	memmove(t->rows + i + 1, t->rows + i, (t->n - i) * sizeof *t->rows);
	t->rows[i] = row;
	t->n++;
	return &t->rows[i];
}
