/* The heap profile of what record --alloc accumulated (see alloc.h). */
#include "alloc.h"

#include "../lib/xalloc.h"

#include <math.h>
#include <stdlib.h>

/* The sampled blocks still live count as in use, on their stacks. */
static void count_inuse(rs_alloc *a)
{
	for (size_t i = 0; i < a->nblocks; i++) {
		const rs_ablock *b = &a->blocks[i];
		if (b->live) {
			a->stacks[b->stack].inuse_objects += b->objects;
			a->stacks[b->stack].inuse_bytes += b->bytes;
		}
	}
}

/* The session stack of each rs_astack. */
static int32_t *session_stacks(rs_alloc *a, rs_recorder *r, rs_session *s)
{
	uint32_t *ids = rs_xmalloc((a->nstacks + 1) * sizeof *ids);
	int32_t *out = rs_xmalloc((a->nstacks + 1) * sizeof *out);
	for (size_t i = 0; i < a->nstacks; i++)
		ids[i] = rs_recorder_intern_pcs(r, a->stacks[i].pid, a->pcs + a->stacks[i].pcs, a->stacks[i].depth);
	rs_recorder_session_stacks(r, s, ids, a->nstacks, out);
	free(ids);
	return out;
}

static void add_samples(rs_alloc *a, rs_recorder *r, rs_session *s, const int32_t *stack)
{
	uint32_t base = rs_sample_type_add(s, "alloc_objects", "count");
	rs_sample_type_add(s, "alloc_space", "bytes");
	rs_sample_type_add(s, "inuse_objects", "count");
	rs_sample_type_add(s, "inuse_space", "bytes");
	s->default_sample_type = rs_intern_cstr(s, "inuse_space");
	s->period = (int64_t)llround(a->sample_bytes);
	s->period_type = (rs_value_type){rs_intern_cstr(s, "space"), rs_intern_cstr(s, "bytes")};
	int64_t *v = rs_xcalloc(s->nsample_types, sizeof *v);
	for (size_t i = 0; i < a->nstacks; i++) {
		const rs_astack *st = &a->stacks[i];
		v[base] = llround(st->alloc_objects);
		v[base + 1] = llround(st->alloc_bytes);
		v[base + 2] = llround(st->inuse_objects);
		v[base + 3] = llround(st->inuse_bytes);
		rs_sample_add(s, stack[i], v, rs_recorder_session_thread(r, s, st->pid, st->tid), RS_NO_TIME, NULL, 0);
	}
	free(v);
}

static void add_events(const rs_alloc *a, rs_recorder *r, rs_session *s, const int32_t *stack, int64_t offset)
{
	for (size_t i = 0; i < a->nevents; i++) {
		const rs_aevent *e = &a->events[i];
		rs_memory_event *m = rs_memory_event_new(s);
		m->t_ns = e->t_ns + offset;
		m->kind = e->kind;
		m->address = e->addr;
		m->size = e->size;
		m->stack = e->stack >= 0 ? stack[e->stack] : -1;
		m->thread = rs_recorder_session_thread(r, s, e->pid, e->tid);
	}
}

/* heap_alloc_rate (bytes a second allocated, estimated) and
 * heap_live_bytes (estimated) at the end of each bucket. */
static void add_counters(const rs_alloc *a, rs_session *s, int64_t offset)
{
	if (!a->nbuckets)
		return;
	size_t first = s->ncounters;
	rs_counter_new(s, rs_intern_cstr(s, "heap_alloc_rate"), rs_intern_cstr(s, "bytes_per_second"));
	rs_counter_new(s, rs_intern_cstr(s, "heap_live_bytes"), rs_intern_cstr(s, "bytes"));
	rs_counter *rate = &s->counters[first], *live = &s->counters[first + 1];
	size_t last = a->nbuckets;
	while (last > 0 && !a->alloc_bucket[last - 1] && !a->free_bucket[last - 1])
		last--;
	double held = 0;
	for (size_t i = 0; i < last; i++) {
		int64_t t = a->t0 + (int64_t)(i + 1) * a->step + offset;
		held += a->alloc_bucket[i] - a->free_bucket[i];
		rs_counter_point(rate, t, a->alloc_bucket[i] * 1e9 / (double)a->step);
		rs_counter_point(live, t, held > 0 ? held : 0);
	}
}

void rs_alloc_session(rs_alloc *a, rs_recorder *r, rs_session *s, int64_t clock_offset)
{
	count_inuse(a);
	int32_t *stack = session_stacks(a, r, s);
	add_samples(a, r, s, stack);
	add_events(a, r, s, stack, clock_offset);
	add_counters(a, s, clock_offset);
	free(stack);
}
