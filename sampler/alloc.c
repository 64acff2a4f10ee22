/* Decoding and accumulating the allocation events (see alloc.h). */
#include "alloc.h"

#include "../lib/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_BUCKETS = 10 * 1000 * 1000 }; /* 11 days of 100 ms buckets */

void rs_alloc_init(rs_alloc *a, double sample_bytes, int64_t t0, int64_t step_ns, size_t max_events)
{
	memset(a, 0, sizeof *a);
	a->sample_bytes = sample_bytes;
	a->t0 = t0;
	a->step = step_ns > 0 ? step_ns : 100000000;
	a->max_events = max_events;
}

void rs_alloc_free(rs_alloc *a)
{
	free(a->pcs);
	free(a->stacks);
	rs_idhash_free(&a->stack_index);
	free(a->blocks);
	rs_idhash_free(&a->block_index);
	free(a->events);
	free(a->alloc_bucket);
	free(a->free_bucket);
}

/* Poisson sampling by bytes with mean S picks a block of n bytes with
 * probability 1 - exp(-n/S); each sampled one stands for the inverse. */
void rs_alloc_unbias(double sample_bytes, uint64_t size, double *objects, double *bytes)
{
	double p = sample_bytes > 1 && size ? -expm1(-(double)size / sample_bytes) : 1;
	*objects = 1 / p;
	*bytes = (double)size / p;
}

/* --- stacks: by process, thread and pcs --- */

static uint64_t stack_hash(int pid, int tid, const uint64_t *pcs, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)(uint32_t)pid << 32 | (uint32_t)tid);
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ pcs[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static uint64_t stack_hash_of(const void *ctx, uint32_t id)
{
	const rs_alloc *a = ctx;
	const rs_astack *s = &a->stacks[id];
	return stack_hash(s->pid, s->tid, a->pcs + s->pcs, s->depth);
}

static bool stack_eq(const void *ctx, uint32_t id, const void *key)
{
	const rs_alloc *a = ctx;
	const rs_astack *s = &a->stacks[id], *k = key;
	return s->pid == k->pid && s->tid == k->tid && s->depth == k->depth &&
	       !memcmp(a->pcs + s->pcs, a->pcs + k->pcs, s->depth * sizeof *a->pcs);
}

/* The stack of pcs (copied to a->pcs first; taken back when known).
 * a->pcs is allocated even for a first stack of no frames (+ 1): no
 * arithmetic on a null pointer. */
static uint32_t stack_id(rs_alloc *a, int pid, int tid, const unsigned char *pcs, uint32_t n)
{
	RS_GROW(a->pcs, a->pcs_cap, a->npcs + n + 1);
	memcpy(a->pcs + a->npcs, pcs, n * sizeof *a->pcs);
	rs_astack key = {pid, tid, (uint32_t)a->npcs, n, 0, 0, 0, 0};
	rs_idhash_ops ops = {stack_hash_of, stack_eq, a};
	bool added;
	uint32_t id = rs_idhash_get(&a->stack_index, &ops, stack_hash(pid, tid, a->pcs + a->npcs, n), &key,
				    (uint32_t)a->nstacks, &added);
	if (added) {
		RS_GROW(a->stacks, a->stacks_cap, a->nstacks + 1);
		a->stacks[a->nstacks++] = key;
		a->npcs += n;
	}
	return id;
}

/* --- blocks: by process and address --- */

static uint64_t block_hash(int pid, uint64_t addr)
{
	uint64_t h = (addr ^ (uint64_t)(uint32_t)pid << 48) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

static uint64_t block_hash_of(const void *ctx, uint32_t id)
{
	const rs_ablock *b = &((const rs_alloc *)ctx)->blocks[id];
	return block_hash(b->pid, b->addr);
}

static bool block_eq(const void *ctx, uint32_t id, const void *key)
{
	const rs_ablock *b = &((const rs_alloc *)ctx)->blocks[id], *k = key;
	return b->pid == k->pid && b->addr == k->addr;
}

static rs_ablock *block_of(rs_alloc *a, int pid, uint64_t addr)
{
	rs_ablock key = {.pid = pid, .addr = addr};
	rs_idhash_ops ops = {block_hash_of, block_eq, a};
	bool added;
	uint32_t id = rs_idhash_get(&a->block_index, &ops, block_hash(pid, addr), &key, (uint32_t)a->nblocks, &added);
	if (added) {
		RS_GROW(a->blocks, a->blocks_cap, a->nblocks + 1);
		key.early_free = INT64_MIN;
		a->blocks[a->nblocks++] = key;
	}
	return &a->blocks[id];
}

/* --- counters and events --- */

static void bucket_add(rs_alloc *a, double **bucket, int64_t t, double bytes)
{
	if (t < a->t0 || t > a->t_read || (t - a->t0) / a->step >= MAX_BUCKETS)
		return;
	size_t i = (size_t)((t - a->t0) / a->step);
	if (i >= a->nbuckets) {
		size_t n = i + 1 > 2 * a->nbuckets ? i + 1 : 2 * a->nbuckets;
		a->alloc_bucket = rs_xrealloc(a->alloc_bucket, n * sizeof *a->alloc_bucket);
		a->free_bucket = rs_xrealloc(a->free_bucket, n * sizeof *a->free_bucket);
		for (size_t k = a->nbuckets; k < n; k++)
			a->alloc_bucket[k] = a->free_bucket[k] = 0;
		a->nbuckets = n;
	}
	(*bucket)[i] += bytes;
}

static void event(rs_alloc *a, int64_t t, uint8_t kind, int pid, int tid, uint64_t addr, int64_t size, int32_t stack)
{
	if (a->nevents >= a->max_events) {
		a->events_over++;
		return;
	}
	RS_GROW(a->events, a->events_cap, a->nevents + 1);
	a->events[a->nevents++] = (rs_aevent){t, kind, pid, tid, addr, size, stack};
}

static void finish_block(rs_alloc *a, rs_ablock *b, int64_t t, int tid, bool report)
{
	b->live = false;
	bucket_add(a, &a->free_bucket, t, b->bytes);
	if (report)
		event(a, t, RS_MEM_FREE, b->pid, tid, b->addr, (int64_t)b->size, (int32_t)b->stack);
}

/* The sampled block at addr is freed (realloc'd away) at t. Chunks of
 * different threads arrive out of order: a free may come before the
 * allocation it ends, or after a later block took the address; then it
 * waits for that allocation. */
static bool end_block(rs_alloc *a, int pid, uint64_t addr, int64_t t, int tid, bool report)
{
	rs_ablock *b = block_of(a, pid, addr);
	if (b->live && b->born < t) {
		finish_block(a, b, t, tid, report);
		return true;
	}
	b->early_free = t;
	b->early_tid = tid;
	b->early_report = report;
	return false;
}

/* An allocation of size at t arriving after the block born later at its
 * address: it ended before that one began, at its own free when that came
 * already, else (unknown) when the later one began. */
static void late_block(rs_alloc *a, rs_ablock *b, int64_t t, uint64_t size, double bytes, uint32_t st)
{
	int64_t end = b->born;
	if (b->early_free != INT64_MIN && b->early_free > t && b->early_free <= b->born) {
		end = b->early_free;
		a->frees += b->early_report;
		if (b->early_report)
			event(a, end, RS_MEM_FREE, b->pid, b->early_tid, b->addr, (int64_t)size, (int32_t)st);
		b->early_free = INT64_MIN;
	}
	bucket_add(a, &a->free_bucket, end, bytes);
}

static void new_block(rs_alloc *a, const rs_aw_event *e, int pid, int tid, const unsigned char *pcs)
{
	int64_t t = (int64_t)e->t_ns;
	uint32_t st = stack_id(a, pid, tid, pcs, e->nframes);
	double objects, bytes;
	rs_alloc_unbias(a->sample_bytes, e->size, &objects, &bytes);
	a->stacks[st].alloc_objects += objects;
	a->stacks[st].alloc_bytes += bytes;
	bucket_add(a, &a->alloc_bucket, t, bytes);
	event(a, t, e->kind == RS_AW_ALLOC ? RS_MEM_ALLOC : RS_MEM_REALLOC, pid, tid, e->addr, (int64_t)e->size,
	      (int32_t)st);
	rs_ablock *b = block_of(a, pid, e->addr);
	if (b->live && b->born > t)
		return late_block(a, b, t, e->size, bytes, st);
	if (b->live) /* a free that never came */
		finish_block(a, b, t, tid, true);
	*b = (rs_ablock){.pid = pid, .live = true, .stack = st, .addr = e->addr, .size = e->size, .objects = objects,
			 .bytes = bytes, .born = t, .early_free = b->early_free, .early_tid = b->early_tid,
			 .early_report = b->early_report};
	if (b->early_free != INT64_MIN && b->early_free > t) {
		a->frees += b->early_report;
		finish_block(a, b, b->early_free, b->early_tid, b->early_report);
		b->early_free = INT64_MIN;
	}
}

static void apply(rs_alloc *a, const rs_aw_event *e, int pid, int tid, const unsigned char *pcs)
{
	int64_t t = (int64_t)e->t_ns;
	if (e->kind == RS_AW_ALLOC) {
		a->allocs++;
		new_block(a, e, pid, tid, pcs);
	} else if (e->kind == RS_AW_FREE) {
		a->frees += end_block(a, pid, e->addr, t, tid, true);
	} else {
		a->reallocs++;
		/* the old block ends inside the realloc: a free event only when
		 * no sampled block replaces it */
		if (e->old)
			end_block(a, pid, e->old, t, tid, !e->sampled);
		if (e->sampled)
			new_block(a, e, pid, tid, pcs);
	}
}

/* --- the stream --- */

static void broken(rs_alloc *a, uint64_t at, const char *what)
{
	a->broken = true;
	snprintf(a->broken_why, sizeof a->broken_why, "offset %llu: %s", (unsigned long long)at, what);
}

/* One whole chunk of len bytes at p. */
static void chunk(rs_alloc *a, const unsigned char *p, size_t len, uint64_t at)
{
	rs_aw_chunk h;
	memcpy(&h, p, sizeof h);
	a->chunks++;
	a->dropped += h.dropped;
	for (size_t off = sizeof h; off < len;) {
		rs_aw_event e;
		if (len - off < sizeof e)
			return broken(a, at + off, "an event cut short");
		memcpy(&e, p + off, sizeof e);
		size_t need = sizeof e + (size_t)e.nframes * sizeof(uint64_t);
		if (e.kind < RS_AW_ALLOC || e.kind > RS_AW_REALLOC || e.nframes > RS_AW_MAX_FRAMES || need > len - off)
			return broken(a, at + off, "an event of unknown kind or length");
		apply(a, &e, h.pid, h.tid, p + off + sizeof e);
		off += need;
	}
}

/* The length of the chunk starting at p (n bytes there), 0 when not yet
 * known, SIZE_MAX when it is no chunk. */
static size_t chunk_len(const unsigned char *p, size_t n)
{
	rs_aw_chunk h;
	if (n < sizeof h)
		return 0;
	memcpy(&h, p, sizeof h);
	if (h.magic != RS_AW_MAGIC || h.len < sizeof h || h.len > RS_AW_CHUNK)
		return SIZE_MAX;
	return h.len;
}

void rs_alloc_feed(rs_alloc *a, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	/* no event is from the future: a stray time must not size the buckets */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	a->t_read = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + 1000000000;
	while (n && !a->broken) {
		size_t take = sizeof a->pending - a->npending < n ? sizeof a->pending - a->npending : n;
		memcpy(a->pending + a->npending, p, take);
		a->npending += take;
		p += take;
		n -= take;
		for (size_t len; !a->broken && (len = chunk_len(a->pending, a->npending));) {
			if (len == SIZE_MAX)
				return broken(a, a->bytes, "not a chunk (bad magic or length)");
			if (len > a->npending)
				break;
			chunk(a, a->pending, len, a->bytes);
			a->bytes += len;
			a->npending -= len;
			memmove(a->pending, a->pending + len, a->npending);
		}
	}
}
