/* Single-producer single-consumer record ring (see spsc.h).
 *
 * head and tail count bytes ever written and consumed; a record is a
 * 4-byte length, then its bytes, padded to 8. A record that would cross the
 * end of the buffer is preceded by a skip marker (length UINT32_MAX) that
 * sends the consumer back to offset 0. */
#include "spsc.h"

#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum { HDR = 8, SKIP = UINT32_MAX };

static size_t padded(size_t n) { return (HDR + n + 7) & ~(size_t)7; }

void rs_spsc_init(rs_spsc *q, size_t cap)
{
	size_t c = 4096;
	while (c < cap)
		c <<= 1;
	q->buf = rs_xmalloc(c);
	q->cap = c;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
}

void rs_spsc_free(rs_spsc *q)
{
	free(q->buf);
	q->buf = NULL;
}

static void put_len(unsigned char *at, uint32_t n) { memcpy(at, &n, sizeof n); }

bool rs_spsc_push(rs_spsc *q, const void *rec, size_t n)
{
	size_t need = padded(n);
	if (n >= SKIP || need > q->cap / 2)
		return false;
	uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
	size_t off = (size_t)(head & (q->cap - 1)), room_to_end = q->cap - off;
	size_t skip = room_to_end < need ? room_to_end : 0;
	if (q->cap - (size_t)(head - tail) < skip + need)
		return false;
	if (skip) {
		put_len(q->buf + off, SKIP);
		off = 0;
	}
	put_len(q->buf + off, (uint32_t)n);
	memcpy(q->buf + off + HDR, rec, n);
	atomic_store_explicit(&q->head, head + skip + need, memory_order_release);
	return true;
}

/* The consumer's position, past a skip marker if there is one. */
static uint64_t record_at(rs_spsc *q, uint64_t tail, uint64_t head)
{
	size_t off = (size_t)(tail & (q->cap - 1));
	uint32_t n;
	memcpy(&n, q->buf + off, sizeof n);
	if (n == SKIP && tail < head)
		tail += q->cap - off;
	return tail;
}

const void *rs_spsc_peek(rs_spsc *q, size_t *n)
{
	uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&q->head, memory_order_acquire);
	if (tail == head)
		return NULL;
	tail = record_at(q, tail, head);
	if (tail != atomic_load_explicit(&q->tail, memory_order_relaxed))
		atomic_store_explicit(&q->tail, tail, memory_order_release);
	size_t off = (size_t)(tail & (q->cap - 1));
	uint32_t len;
	memcpy(&len, q->buf + off, sizeof len);
	*n = len;
	return q->buf + off + HDR;
}

void rs_spsc_pop(rs_spsc *q)
{
	uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	size_t off = (size_t)(tail & (q->cap - 1));
	uint32_t len;
	memcpy(&len, q->buf + off, sizeof len);
	atomic_store_explicit(&q->tail, tail + padded(len), memory_order_release);
}
