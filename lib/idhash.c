/* Open-addressing index of the caller's items (see idhash.h). */
#include "idhash.h"

#include "xalloc.h"

#include <stdlib.h>

/* Doubles the table, at most half full, re-entering items 0..n-1. */
static void grow(rs_idhash *x, const rs_idhash_ops *ops, uint32_t n)
{
	size_t cap = x->cap ? x->cap * 2 : 1024;
	uint32_t *slot = rs_xcalloc(cap, sizeof *slot);
	for (uint32_t id = 0; id < n; id++) {
		size_t j = ops->hash(ops->ctx, id) & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = id + 1;
	}
	free(x->slot);
	x->slot = slot;
	x->cap = cap;
}

uint32_t rs_idhash_get(rs_idhash *x, const rs_idhash_ops *ops, uint64_t h, const void *key, uint32_t next,
		       bool *added)
{
	if (((size_t)next + 1) * 2 > x->cap)
		grow(x, ops, next);
	size_t j = h & (x->cap - 1);
	for (; x->slot[j]; j = (j + 1) & (x->cap - 1))
		if (ops->eq(ops->ctx, x->slot[j] - 1, key)) {
			*added = false;
			return x->slot[j] - 1;
		}
	x->slot[j] = next + 1;
	*added = true;
	return next;
}

void rs_idhash_free(rs_idhash *x)
{
	free(x->slot);
	x->slot = NULL;
	x->cap = 0;
}
