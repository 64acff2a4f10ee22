/* Unwinding of a sample's copied user registers and stack, behind one
 * interface with three back ends: libdw (dwfl_thread_getframes) and
 * libunwind (remote address space over the copied stack and the mapped
 * files' .eh_frame_hdr), as Linux perf has, and our own CFI walker (compact
 * per-module rule tables, frame-pointer fallback, the kernel's frame-pointer
 * chain past the end of a small stack copy), the default. */
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
	/* The kernel's frame-pointer chain of user pcs, leaf first (cfi only):
	 * continues a walk that leaves the stack copy. */
	const uint64_t *fp_chain;
	size_t fp_len;
} rs_unwind_in;

/* How a sample's user stack was unwound: by CFI alone down to the
 * outermost frame, with frame pointers for some part (no CFI for a pc, or
 * the kernel's chain past the copy), or cut short (truncated). */
typedef enum rs_unwind_how { RS_UNWOUND_CFI, RS_UNWOUND_FP, RS_UNWOUND_TRUNCATED } rs_unwind_how;

typedef struct rs_unwinder rs_unwinder;
struct rs_unwinder {
	const char *name;
	/* Writes up to max pcs, innermost first; returns the count. */
	size_t (*unwind)(rs_unwinder *u, const rs_unwind_in *in, uint64_t *pcs, size_t max,
			 rs_unwind_how *how);
	void (*free)(rs_unwinder *u);
};

rs_unwinder *rs_unwind_libdw_new(void);
rs_unwinder *rs_unwind_libunwind_new(void);
rs_unwinder *rs_unwind_cfi_new(void);
/* "libdw", "libunwind" or "cfi"; NULL for an unknown name. */
rs_unwinder *rs_unwinder_new(const char *backend);

/* A word of the sample's memory: the stack copy, else the mapped files. */
bool rs_unwind_read(const rs_unwind_in *in, uint64_t addr, uint64_t *word);

#endif
