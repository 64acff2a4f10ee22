/* A module's call frame information reduced to what an x86-64 walk needs:
 * for a link-time address, where the CFA is (rsp or rbp plus an offset),
 * where the return address and the caller's rbp were saved. Rows are read
 * with libdw's CFI API (.eh_frame, else .debug_frame) the first time an
 * address needs them and kept as address ranges, so each function's rules
 * are decoded once per recording, not once per sample. */
#ifndef RS_SAMPLER_CFI_TABLE_H
#define RS_SAMPLER_CFI_TABLE_H

#include "maps.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rs_cfi_kind {
	RS_CFI_NONE,      /* no CFI covers the address */
	RS_CFI_RULE,      /* the rules below apply */
	RS_CFI_OUTERMOST, /* the return address is undefined: the stack's root */
	RS_CFI_COMPLEX,   /* CFI we do not follow (expressions): as NONE */
} rs_cfi_kind;

typedef enum rs_cfi_bp { RS_CFI_BP_SAME, RS_CFI_BP_SAVED, RS_CFI_BP_LOST } rs_cfi_bp;

typedef struct rs_cfi_row {
	uint64_t start, end; /* [start, end) in link-time addresses */
	uint8_t kind;        /* rs_cfi_kind */
	uint8_t cfa_is_bp;   /* CFA = rbp + cfa_off, else rsp + cfa_off */
	uint8_t bp;          /* rs_cfi_bp */
	int32_t cfa_off;
	int32_t ra_off;      /* return address at CFA + ra_off */
	int32_t bp_off;      /* caller's rbp at CFA + bp_off (RS_CFI_BP_SAVED) */
} rs_cfi_row;

typedef struct rs_cfi_table rs_cfi_table;

/* The table of a module (its file, or this machine's [vdso]); NULL when it
 * cannot be read. */
rs_cfi_table *rs_cfi_table_open(rs_module *mod);
void rs_cfi_table_free(rs_cfi_table *t);
/* The row covering link-time address vaddr (kind NONE when none does). */
const rs_cfi_row *rs_cfi_find(rs_cfi_table *t, uint64_t vaddr);
/* Link-time address of runtime address pc in map (vdso: its own layout). */
uint64_t rs_cfi_vaddr(const rs_cfi_table *t, const rs_maps *m, const rs_map *map, uint64_t pc);

#endif
