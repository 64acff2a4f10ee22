/* libdw back end of the unwinder: a Dwfl per process with its modules
 * reported at their runtime addresses, attached with thread callbacks that
 * serve the sample's registers and stack copy. */
#include "unwind.h"

#include "../lib/xalloc.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

typedef struct dw_proc {
	int pid;
	uint32_t gen;
	Dwfl *dwfl;
} dw_proc;

typedef struct dw_unwinder {
	rs_unwinder base;
	dw_proc *procs;
	size_t nprocs, cap;
	const rs_unwind_in *cur; /* the sample being unwound */
	uint64_t *pcs;
	size_t n, max;
} dw_unwinder;

static char *no_debuginfo_path = NULL;
static const Dwfl_Callbacks offline_cb = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &no_debuginfo_path,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	(void)dwfl;
	dw_unwinder *u = arg;
	if (*thread_arg)
		return 0;
	*thread_arg = u;
	return u->cur->tid;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	dw_unwinder *u = arg;
	uint64_t w;
	if (!rs_unwind_read(u->cur, addr, &w))
		return false;
	*result = w;
	return true;
}

/* DWARF register order on x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip. */
static const int dwarf_to_perf[17] = {RS_REG_AX, RS_REG_DX, RS_REG_CX, RS_REG_BX, RS_REG_SI,
				      RS_REG_DI, RS_REG_BP, RS_REG_SP, 16, 17, 18, 19, 20, 21,
				      22, 23, RS_REG_IP};

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	dw_unwinder *u = arg;
	Dwarf_Word r[17];
	for (int i = 0; i < 17; i++)
		r[i] = u->cur->regs[dwarf_to_perf[i]];
	return dwfl_thread_state_registers(thread, 0, 17, r);
}

static const Dwfl_Thread_Callbacks thread_cb = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static Dwfl *build_dwfl(dw_unwinder *u, rs_maps *m, rs_proc *p)
{
	Dwfl *d = dwfl_begin(&offline_cb);
	if (!d)
		return NULL;
	dwfl_report_begin(d);
	for (size_t i = 0; i < p->n; i++) {
		rs_module *mod = m->mods[p->maps[i].module];
		if (!rs_module_load(mod))
			continue;
		/* once per file: the first map of it gives the bias */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = p->maps[j].module == p->maps[i].module;
		if (!seen)
			dwfl_report_elf(d, mod->base, mod->path, -1, rs_map_bias(m, &p->maps[i]), true);
	}
	dwfl_report_end(d, NULL, NULL);
	if (!dwfl_attach_state(d, NULL, p->pid, &thread_cb, u)) {
		dwfl_end(d);
		return NULL;
	}
	return d;
}

static Dwfl *dwfl_for(dw_unwinder *u, rs_maps *m, int pid)
{
	rs_proc *p = rs_maps_proc(m, pid);
	dw_proc *dp = NULL;
	for (size_t i = 0; i < u->nprocs && !dp; i++)
		if (u->procs[i].pid == pid)
			dp = &u->procs[i];
	if (!dp) {
		RS_GROW(u->procs, u->cap, u->nprocs + 1);
		dp = &u->procs[u->nprocs++];
		*dp = (dw_proc){.pid = pid, .gen = p->gen - 1};
	}
	if (dp->gen != p->gen || !dp->dwfl) {
		if (dp->dwfl)
			dwfl_end(dp->dwfl);
		dp->dwfl = build_dwfl(u, m, p);
		dp->gen = p->gen;
	}
	return dp->dwfl;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	dw_unwinder *u = arg;
	Dwarf_Addr pc;
	if (!dwfl_frame_pc(state, &pc, NULL) || u->n >= u->max)
		return DWARF_CB_ABORT;
	u->pcs[u->n++] = pc;
	return DWARF_CB_OK;
}

static size_t dw_unwind(rs_unwinder *base, const rs_unwind_in *in, uint64_t *pcs, size_t max,
			rs_unwind_how *how)
{
	dw_unwinder *u = (dw_unwinder *)base;
	u->cur = in;
	u->pcs = pcs;
	u->n = 0;
	u->max = max;
	*how = RS_UNWOUND_TRUNCATED;
	Dwfl *d = dwfl_for(u, in->maps, in->pid);
	if (!d) {
		if (max)
			pcs[u->n++] = in->regs[RS_REG_IP];
		return u->n;
	}
	/* errors end the walk; the frames found so far are kept. 0 means the
	 * outermost frame was reached. */
	if (dwfl_getthread_frames(d, in->tid, frame_cb, u) == 0)
		*how = RS_UNWOUND_CFI;
	if (u->n == 0 && max)
		pcs[u->n++] = in->regs[RS_REG_IP];
	return u->n;
}

static void dw_free(rs_unwinder *base)
{
	dw_unwinder *u = (dw_unwinder *)base;
	for (size_t i = 0; i < u->nprocs; i++)
		if (u->procs[i].dwfl)
			dwfl_end(u->procs[i].dwfl);
	free(u->procs);
	free(u);
}

rs_unwinder *rs_unwind_libdw_new(void)
{
	dw_unwinder *u = rs_xcalloc(1, sizeof *u);
	u->base = (rs_unwinder){"libdw", dw_unwind, dw_free};
	return &u->base;
}
