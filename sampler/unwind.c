/* The unwinder interface (unwind.h): back end choice and memory access
 * shared by both back ends. */
#include "unwind.h"

#include <string.h>

rs_unwinder *rs_unwinder_new(const char *backend)
{
	if (!strcmp(backend, "libdw"))
		return rs_unwind_libdw_new();
	if (!strcmp(backend, "libunwind"))
		return rs_unwind_libunwind_new();
	if (!strcmp(backend, "cfi"))
		return rs_unwind_cfi_new();
	return NULL;
}

bool rs_unwind_read(const rs_unwind_in *in, uint64_t addr, uint64_t *word)
{
	uint64_t sp = in->regs[RS_REG_SP];
	if (addr >= sp && addr - sp + 8 <= in->stack_len) {
		memcpy(word, in->stack + (addr - sp), 8);
		return true;
	}
	return rs_maps_read(in->maps, in->pid, addr, word, 8);
}
