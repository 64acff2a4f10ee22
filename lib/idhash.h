/* An index of items 0..n-1 that live in the caller's own array, by a hash
 * the caller computes: open addressing over item ids, no keys stored. */
#ifndef RS_IDHASH_H
#define RS_IDHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rs_idhash {
	uint32_t *slot; /* 0 = empty, else id + 1 */
	size_t cap;     /* a power of two */
} rs_idhash;

typedef struct rs_idhash_ops {
	uint64_t (*hash)(const void *ctx, uint32_t id); /* of an item already added */
	bool (*eq)(const void *ctx, uint32_t id, const void *key); /* item id is key */
	const void *ctx;
} rs_idhash_ops;

/* The id of the item equal to key (hash h); when there is none, the id
 * `next` is entered for it (the caller then adds item `next`) and *added is
 * set. n: the number of items so far. */
uint32_t rs_idhash_get(rs_idhash *x, const rs_idhash_ops *ops, uint64_t h, const void *key, uint32_t next,
		       bool *added);
void rs_idhash_free(rs_idhash *x);

#endif
