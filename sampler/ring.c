/* Continuous-mode store (see ring.h). An entry is
 *   varint(kind)   bit 0: a counter point; bit 1: time went back;
 *                  the rest: the sample's thread, or the point's lane
 *   varint(|time in µs - the previous entry's|)
 *   sample: varint(stack), zigzag varint(period in µs - the previous
 *           sample's); point: 8 bytes of double
 * Deltas of the oldest entry refer to the last evicted one, whose time and
 * period are kept aside (base_us, base_period). */
#include "ring.h"

#include "../lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

enum { ENTRY_MAX = 4 * 10 + 8, K_POINT = 1, K_BACK = 2, K_SHIFT = 2 };

void rs_ring_init(rs_ring *r, size_t bytes, int64_t retention_ns)
{
	memset(r, 0, sizeof *r);
	r->cap = bytes < 4096 ? 4096 : bytes;
	r->buf = rs_xmalloc(r->cap);
	r->retention_ns = retention_ns;
}

void rs_ring_free(rs_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

void rs_ring_clear(rs_ring *r)
{
	r->tail = r->head;
	r->entries = 0;
	r->base_us = r->head_us;
	r->base_period = r->head_period;
}

static uint64_t get_varint(const rs_ring *r, uint64_t *pos)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		unsigned char b = r->buf[(*pos)++ % r->cap];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	return v;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (0 - ((uint64_t)v >> 63)); }
static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static size_t encode(const rs_ring_entry *e, int64_t prev_us, int64_t prev_period, unsigned char *b)
{
	int64_t dt = e->t_ns / 1000 - prev_us;
	uint64_t id = e->is_point ? e->lane : e->thread;
	size_t n = put_varint(b, id << K_SHIFT | (dt < 0 ? K_BACK : 0) | (e->is_point ? K_POINT : 0));
	n += put_varint(b + n, dt < 0 ? (uint64_t)-dt : (uint64_t)dt);
	if (e->is_point) {
		memcpy(b + n, &e->value, 8);
		return n + 8;
	}
	n += put_varint(b + n, e->stack);
	return n + put_varint(b + n, zigzag((int64_t)e->period_us - prev_period));
}

/* The entry at *pos after one at *prev_us whose last sample's period was
 * *prev_period; both move on to this entry, as does *pos. */
static void decode(const rs_ring *r, uint64_t *pos, int64_t *prev_us, int64_t *prev_period,
		   rs_ring_entry *e)
{
	uint64_t kind = get_varint(r, pos), dt = get_varint(r, pos);
	memset(e, 0, sizeof *e);
	*prev_us += kind & K_BACK ? -(int64_t)dt : (int64_t)dt;
	e->t_ns = *prev_us * 1000;
	e->is_point = kind & K_POINT;
	if (e->is_point) {
		unsigned char b[8];
		for (int i = 0; i < 8; i++)
			b[i] = r->buf[(*pos)++ % r->cap];
		memcpy(&e->value, b, 8);
		e->lane = (uint32_t)(kind >> K_SHIFT);
		return;
	}
	e->thread = (uint32_t)(kind >> K_SHIFT);
	e->stack = (uint32_t)get_varint(r, pos);
	*prev_period += unzigzag(get_varint(r, pos));
	e->period_us = (uint32_t)*prev_period;
}

/* Drops the oldest entry; its time and period become the base. */
static void evict(rs_ring *r)
{
	rs_ring_entry e;
	decode(r, &r->tail, &r->base_us, &r->base_period, &e);
	r->entries--;
	r->evicted++;
	if (r->tail != r->head) {
		uint64_t pos = r->tail;
		int64_t t = r->base_us, p = r->base_period;
		decode(r, &pos, &t, &p, &e);
		r->tail_us = t;
	}
}

void rs_ring_add(rs_ring *r, const rs_ring_entry *e)
{
	int64_t t_us = e->t_ns / 1000;
	while (r->head != r->tail && (r->cap - rs_ring_used(r) < ENTRY_MAX ||
				      (r->retention_ns > 0 && (t_us - r->tail_us) * 1000 > r->retention_ns)))
		evict(r);
	unsigned char b[ENTRY_MAX];
	size_t n = encode(e, r->head_us, r->head_period, b);
	for (size_t i = 0; i < n; i++)
		r->buf[(r->head + i) % r->cap] = b[i];
	if (r->head == r->tail)
		r->tail_us = t_us;
	r->head += n;
	r->head_us = t_us;
	if (!e->is_point)
		r->head_period = e->period_us;
	r->entries++;
}

bool rs_ring_next(const rs_ring *r, rs_ring_iter *it, rs_ring_entry *e)
{
	if (!it->started)
		*it = (rs_ring_iter){r->tail, r->base_us, r->base_period, true};
	if (it->pos == r->head)
		return false;
	decode(r, &it->pos, &it->prev_us, &it->prev_period, e);
	return true;
}
