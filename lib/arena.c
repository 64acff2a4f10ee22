#include "arena.h"

#include "xalloc.h"

#include <string.h>

struct rs_arena_block {
	rs_arena_block *next;
	size_t cap, used;
	_Alignas(8) unsigned char data[];
};

enum { ARENA_BLOCK = 1 << 20 };

void *rs_arena_alloc(rs_arena *a, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	rs_arena_block *b = a->head;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
		b = rs_xmalloc(sizeof *b + cap);
		b->cap = cap;
		b->used = 0;
		/* A huge single allocation gets its own block behind the current one,
		 * so the current block keeps filling up. */
		if (a->head && cap != ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	a->used_total += size;
	return p;
}

void *rs_arena_memdup(rs_arena *a, const void *p, size_t size)
{
	void *q = rs_arena_alloc(a, size ? size : 1);
	if (size)
		memcpy(q, p, size);
	return q;
}

char *rs_arena_strndup(rs_arena *a, const char *p, size_t n)
{
	char *q = rs_arena_alloc(a, n + 1);
	memcpy(q, p, n);
	q[n] = 0;
	return q;
}

void rs_arena_free(rs_arena *a)
{
	rs_arena_block *b = a->head;
	while (b) {
		rs_arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
	a->used_total = 0;
}
