/* The sampled blocks still live, by address, so that free() reports only
 * theirs.
 *
 * Most frees are of unsampled blocks, and must cost next to nothing: a
 * counting filter of 4 KiB (one relaxed load, inline in free) answers
 * "not sampled" for them. The
 * addresses themselves sit in open-addressing tables, one per stripe of
 * the address hash, each behind its own spin lock and grown with mmap. A
 * thread frees a block only after the thread that sampled it returned it,
 * so the filter's count is seen by the time it matters. */
#include "shim.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

enum { STRIPES = 64, FIRST_SLOTS = 1 << 10, SATURATED = 255 };

typedef struct stripe {
	atomic_flag lock;
	uintptr_t *slots; /* 0: empty */
	size_t cap, n;
} stripe;

_Atomic uint8_t rs_live_filter[RS_LIVE_FILTER];
static stripe stripes[STRIPES];

static uint64_t hash(uintptr_t a)
{
	uint64_t h = (uint64_t)(a >> 4) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

/* The filter counts up to SATURATED, and a saturated count stays (its
 * frees then always look the address up). Slots are shared by stripes. */
static void filter_add(uintptr_t a, int d)
{
	_Atomic uint8_t *c = &rs_live_filter[rs_live_slot(a)];
	uint8_t v = atomic_load_explicit(c, memory_order_relaxed);
	while (v != SATURATED && !atomic_compare_exchange_weak_explicit(c, &v, (uint8_t)(v + d), memory_order_relaxed,
									  memory_order_relaxed))
		;
}

static void lock(stripe *s)
{
	for (int spins = 0; atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire);)
		if (++spins > 100) {
			sched_yield();
			spins = 0;
		}
}

static void unlock(stripe *s)
{
	atomic_flag_clear_explicit(&s->lock, memory_order_release);
}

static void put(uintptr_t *slots, size_t cap, uintptr_t a)
{
	size_t i = hash(a) & (cap - 1);
	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = a;
}

/* Doubles s's table (half full at most keeps probes short). */
static bool grow(stripe *s)
{
	size_t cap = s->cap ? s->cap * 2 : FIRST_SLOTS;
	uintptr_t *slots = mmap(NULL, cap * sizeof *slots, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		return false;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i])
			put(slots, cap, s->slots[i]);
	if (s->slots)
		munmap(s->slots, s->cap * sizeof *s->slots);
	s->slots = slots;
	s->cap = cap;
	return true;
}

static size_t find(const stripe *s, uintptr_t a)
{
	if (!s->cap)
		return SIZE_MAX;
	for (size_t i = hash(a) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == a)
			return i;
	return SIZE_MAX;
}

/* Removes slot i, moving later members of its probe run back (no tombstones). */
static void remove_at(stripe *s, size_t i)
{
	size_t mask = s->cap - 1;
	for (size_t j = (i + 1) & mask; s->slots[j]; j = (j + 1) & mask) {
		size_t home = hash(s->slots[j]) & mask;
		/* j's member may fill the hole at i when its home is not in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i] = 0;
	s->n--;
}

static stripe *stripe_of(uint64_t h)
{
	return &stripes[(h >> 32) % STRIPES];
}

bool rs_live_add(uintptr_t a)
{
	uint64_t h = hash(a);
	stripe *s = stripe_of(h);
	bool ok = true;
	lock(s);
	if (find(s, a) == SIZE_MAX) {
		if (2 * (s->n + 1) > s->cap)
			ok = grow(s);
		if (ok) {
			put(s->slots, s->cap, a);
			s->n++;
			filter_add(a, 1);
		}
	}
	unlock(s);
	return ok;
}

bool rs_live_take(uintptr_t a)
{
	uint64_t h = hash(a);
	if (!atomic_load_explicit(&rs_live_filter[rs_live_slot(a)], memory_order_relaxed))
		return false;
	stripe *s = stripe_of(h);
	lock(s);
	size_t i = find(s, a);
	if (i != SIZE_MAX) {
		remove_at(s, i);
		filter_add(a, -1);
	}
	unlock(s);
	return i != SIZE_MAX;
}

/* fork: the child must not inherit a lock another thread held. */
void rs_live_lock_all(void)
{
	for (int i = 0; i < STRIPES; i++)
		lock(&stripes[i]);
}

void rs_live_unlock_all(void)
{
	for (int i = 0; i < STRIPES; i++)
		unlock(&stripes[i]);
}
