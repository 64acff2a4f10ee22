/* Bump allocator: many small, same-lifetime allocations (strings, records)
 * without a malloc per node; everything is freed at once. */
#ifndef RS_ARENA_H
#define RS_ARENA_H

#include <stddef.h>

typedef struct rs_arena_block rs_arena_block;
typedef struct rs_arena {
	rs_arena_block *head;
	size_t used_total;
} rs_arena;

void *rs_arena_alloc(rs_arena *a, size_t size); /* 8-byte aligned; aborts on OOM */
void *rs_arena_memdup(rs_arena *a, const void *p, size_t size);
/* n bytes of p and a NUL after them */
char *rs_arena_strndup(rs_arena *a, const char *p, size_t n);
void rs_arena_free(rs_arena *a);

#endif
