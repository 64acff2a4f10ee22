/* Unit test of sampler/ring.c: entries read back exactly, oldest first;
 * a full ring keeps the newest entries and never more bytes than its size;
 * retention evicts by age; clear empties it. */
#include "sampler/ring.h"

#include "unit.h"

#include <stdbool.h>
#include <string.h>

/* The i-th entry of the test stream: samples and, every 7th, a point;
 * times 10 ms apart with jitter, sometimes going back (CPUs' order). */
static rs_ring_entry nth(uint32_t i)
{
	rs_ring_entry e = {.t_ns = (int64_t)i * 10000000 + (int64_t)(i % 5) * 3000 - (i % 11 == 3 ? 2000000 : 0)};
	e.t_ns -= e.t_ns % 1000; /* the ring keeps µs */
	if (i % 7 == 0) {
		e.is_point = true;
		e.lane = i % 5;
		e.value = (double)i * 1.5 + 0.25;
	} else {
		e.thread = i % 3;
		e.stack = i * 7919 % 100000;
		e.period_us = 10000 + i % 17;
	}
	return e;
}

static bool same(const rs_ring_entry *a, const rs_ring_entry *b)
{
	return a->is_point == b->is_point && a->t_ns == b->t_ns &&
	       (a->is_point ? a->lane == b->lane && a->value == b->value
			    : a->thread == b->thread && a->stack == b->stack && a->period_us == b->period_us);
}

/* Checks that the ring holds entries first .. last-1 of the stream. */
static bool holds(const rs_ring *r, uint32_t first, uint32_t last)
{
	rs_ring_iter it = {0};
	rs_ring_entry e;
	uint32_t i = first;
	while (rs_ring_next(r, &it, &e)) {
		rs_ring_entry want = nth(i++);
		if (!same(&e, &want))
			return false;
	}
	return i == last;
}

int main(void)
{
	rs_ring r;
	rs_ring_init(&r, 65536, 0);
	for (uint32_t i = 0; i < 1000; i++) {
		rs_ring_entry e = nth(i);
		rs_ring_add(&r, &e);
	}
	CHECK("ring: 1000 entries read back exactly", r.evicted == 0 && holds(&r, 0, 1000));
	uint32_t n = 1000;
	for (; n < 1000000; n++) {
		rs_ring_entry e = nth(n);
		rs_ring_add(&r, &e);
	}
	CHECK("ring: a full ring never holds more than its size", rs_ring_used(&r) <= r.cap);
	CHECK("ring: a full ring is nearly full", rs_ring_used(&r) > r.cap - 64);
	CHECK("ring: a full ring keeps the newest entries, exactly",
	      r.entries + r.evicted == n && holds(&r, (uint32_t)(n - r.entries), n));
	rs_ring_clear(&r);
	rs_ring_iter it = {0};
	rs_ring_entry e;
	CHECK("ring: clear empties it", !rs_ring_next(&r, &it, &e) && rs_ring_used(&r) == 0);
	rs_ring_free(&r);

	/* 99 Hz on one thread, a few thousand distinct stacks */
	rs_ring_init(&r, 1 << 20, 0);
	for (uint32_t i = 0; i < 100000; i++) {
		rs_ring_entry x = {.t_ns = (int64_t)i * 10101010, .thread = i % 2, .stack = i * 7919 % 5000,
				   .period_us = 10101};
		rs_ring_add(&r, &x);
	}
	double per = (double)rs_ring_used(&r) / (double)r.entries;
	printf("ring: %.2f bytes per sample\n", per);
	CHECK("ring: a sample takes at most 6 bytes (2 MB hold an hour at 99 Hz)", per <= 6.0);
	rs_ring_free(&r);

	rs_ring_init(&r, 1 << 20, 1000000000); /* 1 s */
	for (uint32_t i = 0; i < 5000; i++) {
		rs_ring_entry x = nth(i);
		rs_ring_add(&r, &x);
	}
	int64_t oldest = 0, newest = 0;
	it = (rs_ring_iter){0};
	bool first = true;
	while (rs_ring_next(&r, &it, &e)) {
		if (first)
			oldest = e.t_ns;
		first = false;
		newest = e.t_ns;
	}
	CHECK("ring: retention keeps about the last second",
	      newest - oldest <= 1000000000 && newest - oldest > 950000000 && r.evicted > 4000);
	CHECK("ring: retention keeps the newest entries, exactly",
	      holds(&r, (uint32_t)(5000 - r.entries), 5000));
	rs_ring_free(&r);
	return unit_failures != 0;
}
