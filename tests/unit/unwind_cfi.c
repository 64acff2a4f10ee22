/* Unit test of sampler/cfi_table.c and sampler/unwind_cfi.c on this very
 * process: its registers and a copy of its stack are unwound as a sample's
 * would be, and compared with the return addresses the compiler knows. The
 * plain build has no frame pointers (-O2), so only CFI can get this right. */
#include "sampler/cfi_table.h"
#include "sampler/unwind.h"

#include "unit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { COPY = 8192, MAXPCS = 64 };

typedef struct shot {
	rs_unwind_in in;
	unsigned char stack[COPY];
	uint64_t ret_to_caller; /* the capturing function's return address */
} shot;

static rs_maps maps;

/* The end of the stack mapping that holds addr (reading past it faults). */
static uint64_t stack_end(uint64_t addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long s, e, end = addr;
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "%llx-%llx", &s, &e) == 2 && s <= addr && addr < e)
			end = e;
	if (f)
		fclose(f);
	return end;
}

/* Copies the stack above sp byte by byte: other frames' bytes, which a
 * sanitizer would otherwise report. */
__attribute__((no_sanitize("address"), noinline)) static void copy_stack(shot *s, uint64_t sp)
{
	uint64_t end = stack_end(sp), n = end - sp < COPY ? end - sp : COPY;
	const volatile unsigned char *src = (const volatile unsigned char *)(uintptr_t)sp;
	for (uint64_t i = 0; i < n; i++)
		s->stack[i] = src[i];
	s->in.stack = s->stack;
	s->in.stack_len = n;
}

/* rip, rsp and rbp at one instruction, as perf's REGS_USER gives them. */
__attribute__((noinline)) static void capture(shot *s)
{
	uint64_t sp, bp, ip;
	__asm__ volatile("lea 0(%%rip), %2\n\tmov %%rsp, %0\n\tmov %%rbp, %1"
			 : "=r"(sp), "=r"(bp), "=r"(ip));
	s->in.regs[RS_REG_IP] = ip;
	s->in.regs[RS_REG_SP] = sp;
	s->in.regs[RS_REG_BP] = bp;
	s->ret_to_caller = (uint64_t)(uintptr_t)__builtin_return_address(0);
	copy_stack(s, sp);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void outer(shot *s)
{
	capture(s);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

static size_t unwind(rs_unwinder *u, const shot *s, uint64_t *pcs, rs_unwind_how *how)
{
	return u->unwind(u, &s->in, pcs, MAXPCS, how);
}

static void test_rows(void)
{
	uint64_t entry = (uint64_t)(uintptr_t)&outer;
	const rs_map *map = rs_maps_find(&maps, getpid(), entry);
	CHECK("cfi: the test binary's code is mapped", map != NULL);
	if (!map)
		return;
	rs_cfi_table *t = rs_cfi_table_open(maps.mods[map->module]);
	const rs_cfi_row *row = rs_cfi_find(t, rs_cfi_vaddr(t, &maps, map, entry));
	CHECK("cfi: a function's first instruction has a rule", row->kind == RS_CFI_RULE);
	CHECK("cfi: at entry the CFA is rsp + 8", !row->cfa_is_bp && row->cfa_off == 8);
	CHECK("cfi: at entry the return address is at CFA - 8", row->ra_off == -8);
	CHECK("cfi: the row covers the address", row->start <= rs_cfi_vaddr(t, &maps, map, entry) &&
						 rs_cfi_vaddr(t, &maps, map, entry) < row->end);
	const rs_cfi_row *again = rs_cfi_find(t, rs_cfi_vaddr(t, &maps, map, entry));
	CHECK("cfi: the second lookup finds the same row", again->start == row->start && again->end == row->end);
	rs_cfi_table_free(t);
}

static void test_walk(rs_unwinder *u, shot *s)
{
	uint64_t pcs[MAXPCS], again[MAXPCS];
	rs_unwind_how how;
	size_t n = unwind(u, s, pcs, &how);
	CHECK("cfi walk: starts at the sampled pc", n > 0 && pcs[0] == s->in.regs[RS_REG_IP]);
	CHECK("cfi walk: the capturing function's caller comes next", n > 1 && pcs[1] == s->ret_to_caller);
	CHECK("cfi walk: reaches the outermost frame by CFI alone", how == RS_UNWOUND_CFI);
	CHECK("cfi walk: main's caller and _start are below main", n >= 5);

	/* a copy too small for the whole stack: the kernel's chain (here the
	 * true one) carries the walk on from where the copy ends */
	s->in.fp_chain = pcs;
	s->in.fp_len = n;
	size_t full_len = s->in.stack_len;
	s->in.stack_len = 64;
	size_t m = unwind(u, s, again, &how);
	CHECK("cfi walk: past a 64-byte copy, the frame-pointer chain completes the stack",
	      m == n && !memcmp(again, pcs, n * sizeof *pcs) && how == RS_UNWOUND_FP);

	uint64_t wrong[2] = {1, 2};
	s->in.fp_chain = wrong;
	s->in.fp_len = 2;
	m = unwind(u, s, again, &how);
	CHECK("cfi walk: a chain that does not hold the return address is not trusted",
	      how == RS_UNWOUND_TRUNCATED && m < n);
	s->in.stack_len = full_len;
	s->in.fp_chain = NULL;
	s->in.fp_len = 0;
}

int main(void)
{
	rs_maps_init(&maps);
	if (!rs_maps_load_proc(&maps, getpid())) {
		printf("FAIL: cfi: /proc/self/maps is not readable\n");
		return 1;
	}
	shot *s = calloc(1, sizeof *s);
	s->in.pid = s->in.tid = getpid();
	s->in.maps = &maps;
	outer(s);
	rs_unwinder *u = rs_unwinder_new("cfi");
	test_rows();
	test_walk(u, s);
	u->free(u);
	free(s);
	rs_maps_free(&maps);
	return unit_failures ? 1 : 0;
}
