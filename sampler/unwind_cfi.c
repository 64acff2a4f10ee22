/* The default unwinder: our own walk over the sample's rip, rsp, rbp and
 * stack copy with each module's CFI rows (cfi_table.h). Where no CFI covers
 * a pc (JIT code, a file we cannot read) it steps by frame pointer; when the
 * walk leaves the stack copy it goes on with the kernel's frame-pointer
 * chain from the return address it stands at. So a small copy suffices:
 * frame pointers are only trusted where CFI cannot speak. */
#include "cfi_table.h"
#include "unwind.h"

#include "../lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct cfi_unwinder {
	rs_unwinder base;
	rs_cfi_table **tables; /* by module index, opened on first use */
	size_t ntables;
} cfi_unwinder;

typedef struct regs {
	uint64_t pc, sp, bp;
} regs;

typedef enum step {
	STEP_OK,
	STEP_END,  /* the outermost frame: a return address of 0 */
	STEP_OUT,  /* the next word lies outside the stack copy */
	STEP_BAD,  /* the stack would not grow towards its base */
} step;

static rs_cfi_table *table_of(cfi_unwinder *u, rs_maps *m, uint32_t module)
{
	if (module >= u->ntables) {
		size_t n = m->nmods > module ? m->nmods : (size_t)module + 1;
		u->tables = rs_xrealloc(u->tables, n * sizeof *u->tables);
		memset(u->tables + u->ntables, 0, (n - u->ntables) * sizeof *u->tables);
		u->ntables = n;
	}
	if (!u->tables[module])
		u->tables[module] = rs_cfi_table_open(m->mods[module]);
	return u->tables[module];
}

/* The rules at pc; NULL when pc is in no mapping. */
static const rs_cfi_row *row_at(cfi_unwinder *u, const rs_unwind_in *in, uint64_t pc)
{
	const rs_map *map = rs_maps_find(in->maps, in->pid, pc);
	if (!map)
		return NULL;
	rs_cfi_table *t = table_of(u, in->maps, map->module);
	return rs_cfi_find(t, rs_cfi_vaddr(t, in->maps, map, pc));
}

static bool stack_word(const rs_unwind_in *in, uint64_t addr, uint64_t *w)
{
	uint64_t sp = in->regs[RS_REG_SP];
	if (addr < sp || addr - sp > in->stack_len || in->stack_len - (addr - sp) < 8)
		return false;
	memcpy(w, in->stack + (addr - sp), 8);
	return true;
}

static step step_cfi(const rs_unwind_in *in, const rs_cfi_row *row, regs *r)
{
	uint64_t cfa = (row->cfa_is_bp ? r->bp : r->sp) + (uint64_t)(int64_t)row->cfa_off;
	uint64_t ra, bp = r->bp;
	if (cfa <= r->sp)
		return STEP_BAD;
	if (!stack_word(in, cfa + (uint64_t)(int64_t)row->ra_off, &ra))
		return STEP_OUT;
	if (row->bp == RS_CFI_BP_SAVED && !stack_word(in, cfa + (uint64_t)(int64_t)row->bp_off, &bp))
		return STEP_OUT;
	*r = (regs){ra, cfa, bp};
	return ra ? STEP_OK : STEP_END;
}

static step step_fp(const rs_unwind_in *in, regs *r)
{
	uint64_t ra, bp;
	if (r->bp == 0)
		return STEP_END;
	if (r->bp < r->sp)
		return STEP_BAD;
	if (!stack_word(in, r->bp + 8, &ra) || !stack_word(in, r->bp, &bp))
		return STEP_OUT;
	*r = (regs){ra, r->bp + 16, bp};
	return ra ? STEP_OK : STEP_END;
}

/* Appends the kernel's chain past pc (already in pcs[n-1]); false when the
 * chain does not hold pc. The leaf is the chain's first entry. */
static bool stitch(const rs_unwind_in *in, bool leaf, uint64_t *pcs, size_t *n, size_t max)
{
	uint64_t pc = pcs[*n - 1];
	for (size_t j = leaf ? 0 : 1; j < in->fp_len; j++)
		if (in->fp_chain[j] == pc) {
			for (j++; j < in->fp_len && *n < max; j++)
				pcs[(*n)++] = in->fp_chain[j];
			return true;
		}
	return false;
}

static size_t cfi_unwind(rs_unwinder *base, const rs_unwind_in *in, uint64_t *pcs, size_t max,
			 rs_unwind_how *how)
{
	cfi_unwinder *u = (cfi_unwinder *)base;
	regs r = {in->regs[RS_REG_IP], in->regs[RS_REG_SP], in->regs[RS_REG_BP]};
	bool by_fp = false;
	size_t n = 0;
	*how = RS_UNWOUND_TRUNCATED;
	for (bool leaf = true; n < max; leaf = false) {
		pcs[n++] = r.pc;
		/* a return address looks up its call instruction */
		const rs_cfi_row *row = row_at(u, in, leaf ? r.pc : r.pc - 1);
		step st;
		if (row && row->kind == RS_CFI_OUTERMOST) {
			st = STEP_END;
		} else if (row && row->kind == RS_CFI_RULE) {
			st = step_cfi(in, row, &r);
		} else {
			by_fp = true;
			st = step_fp(in, &r);
		}
		if (st == STEP_OUT && stitch(in, leaf, pcs, &n, max)) {
			by_fp = true;
			st = STEP_END;
		}
		if (st == STEP_END)
			*how = by_fp ? RS_UNWOUND_FP : RS_UNWOUND_CFI;
		if (st != STEP_OK)
			break;
	}
	return n;
}

static void cfi_free(rs_unwinder *base)
{
	cfi_unwinder *u = (cfi_unwinder *)base;
	for (size_t i = 0; i < u->ntables; i++)
		rs_cfi_table_free(u->tables[i]);
	free(u->tables);
	free(u);
}

rs_unwinder *rs_unwind_cfi_new(void)
{
	cfi_unwinder *u = rs_xcalloc(1, sizeof *u);
	u->base = (rs_unwinder){"cfi", cfi_unwind, cfi_free};
	return &u->base;
}
