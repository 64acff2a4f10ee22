/* The store of record --continuous: a fixed-size byte ring of compact
 * entries (samples and counter points) holding the last stretch of time.
 * Entries are varint-coded against the one before (time in µs, period
 * against the previous sample's), so a sample takes 5-6 bytes; the oldest entries are evicted first, when the
 * ring is full or when they are older than the retention. Memory never
 * grows after init. */
#ifndef RS_SAMPLER_RING_H
#define RS_SAMPLER_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rs_ring {
	unsigned char *buf;
	uint64_t cap;        /* bytes */
	uint64_t head, tail; /* bytes ever written / evicted */
	int64_t retention_ns;
	int64_t head_us, head_period; /* the newest entry's time, the newest sample's period */
	int64_t base_us, base_period; /* the same for what was evicted last */
	int64_t tail_us;              /* the oldest entry's time */
	uint64_t entries, evicted;
} rs_ring;

typedef struct rs_ring_entry {
	bool is_point; /* a counter point; else a sample */
	int64_t t_ns;
	uint32_t thread, stack; /* samples: the recorder's thread and stack ids */
	uint32_t period_us;
	uint32_t lane;  /* points: the counter lane */
	double value;
} rs_ring_entry;

void rs_ring_init(rs_ring *r, size_t bytes, int64_t retention_ns);
void rs_ring_free(rs_ring *r);
void rs_ring_clear(rs_ring *r);
void rs_ring_add(rs_ring *r, const rs_ring_entry *e);
/* Iteration, oldest first: start with (rs_ring_iter){0}; false at the end. */
typedef struct rs_ring_iter {
	uint64_t pos;
	int64_t prev_us, prev_period;
	bool started;
} rs_ring_iter;
bool rs_ring_next(const rs_ring *r, rs_ring_iter *it, rs_ring_entry *e);
static inline uint64_t rs_ring_used(const rs_ring *r) { return r->head - r->tail; }

#endif
