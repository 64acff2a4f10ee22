/* DWARF unwinding of a sample's copied user registers and stack, behind one
 * interface with two back ends as Linux perf has: libdw
 * (dwfl_thread_getframes) and libunwind (remote address space over the
 * copied stack and the mapped files' .eh_frame_hdr). */
#ifndef RS_SAMPLER_UNWIND_H
#define RS_SAMPLER_UNWIND_H

#include "maps.h"
#include "perf.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rs_unwind_in {
	int pid, tid;
	uint64_t regs[RS_NREGS]; /* indexed by perf register number */
	const unsigned char *stack; /* copy of the user stack from regs[SP] */
	size_t stack_len;
	rs_maps *maps;
} rs_unwind_in;

typedef struct rs_unwinder rs_unwinder;
struct rs_unwinder {
	const char *name;
	/* Writes up to max pcs, innermost first; returns the count. */
	size_t (*unwind)(rs_unwinder *u, const rs_unwind_in *in, uint64_t *pcs, size_t max);
	void (*free)(rs_unwinder *u);
};

rs_unwinder *rs_unwind_libdw_new(void);
rs_unwinder *rs_unwind_libunwind_new(void);
/* "libdw" or "libunwind"; NULL for an unknown name. */
rs_unwinder *rs_unwinder_new(const char *backend);

/* A word of the sample's memory: the stack copy, else the mapped files. */
bool rs_unwind_read(const rs_unwind_in *in, uint64_t addr, uint64_t *word);

#endif
