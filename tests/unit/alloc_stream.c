/* Unit test of sampler/alloc.c, the decoder of record --alloc's stream
 * (preload/alloc_wire.h), on streams built by hand: the unbiasing of
 * sampled sizes; totals per stack and the blocks left live after allocs,
 * frees and reallocs; a free that arrives before its allocation (another
 * thread's chunk) and one older than a reuse of its address; the same
 * result whatever the split into reads; broken streams stop the decoding
 * and say at which offset; dropped counts add up. Then the fuzz target's
 * seeds (tests/fuzz/seeds-alloc-stream/) decode whole and byte by byte to
 * the same state, and its saved crashes (tests/fuzz-regressions/
 * alloc-stream/) replay (run from the top directory, as tests/run.sh
 * does). */
#include "sampler/alloc.h"

#include "unit.h"

#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { T0 = 1000000000, STEP = 100000000 }; /* 1 s, 100 ms buckets */

/* --- building streams --- */

typedef struct stream {
	unsigned char b[1 << 16];
	size_t n, chunk; /* bytes; where the open chunk starts */
} stream;

static void begin(stream *s, int pid, int tid, uint64_t dropped)
{
	rs_aw_chunk h = {RS_AW_MAGIC, 0, pid, tid, dropped};
	s->chunk = s->n;
	memcpy(s->b + s->n, &h, sizeof h);
	s->n += sizeof h;
}

static void end(stream *s)
{
	uint32_t len = (uint32_t)(s->n - s->chunk);
	memcpy(s->b + s->chunk + offsetof(rs_aw_chunk, len), &len, sizeof len);
}

static void ev(stream *s, uint8_t kind, int64_t t, uint64_t addr, uint64_t size, uint64_t old, bool sampled,
	       const uint64_t *pcs, uint8_t npcs)
{
	rs_aw_event e = {.kind = kind,
			 .nframes = npcs,
			 .sampled = sampled,
			 .t_ns = (uint64_t)t,
			 .addr = addr,
			 .size = size,
			 .old = old};
	memcpy(s->b + s->n, &e, sizeof e);
	s->n += sizeof e;
	if (npcs)
		memcpy(s->b + s->n, pcs, npcs * sizeof *pcs);
	s->n += npcs * sizeof *pcs;
}

static const uint64_t STACK_A[] = {0x401000, 0x401200, 0x7f0000001000};
static const uint64_t STACK_B[] = {0x402000};

static void alloc(stream *s, int64_t t, uint64_t addr, uint64_t size, const uint64_t *pcs, uint8_t npcs)
{
	ev(s, RS_AW_ALLOC, t, addr, size, 0, true, pcs, npcs);
}

static void freed(stream *s, int64_t t, uint64_t addr)
{
	ev(s, RS_AW_FREE, t, addr, 0, 0, false, NULL, 0);
}

/* --- looking at the state --- */

static rs_alloc decode(double sample_bytes, const stream *s)
{
	rs_alloc a;
	rs_alloc_init(&a, sample_bytes, T0, STEP, 1000);
	rs_alloc_feed(&a, s->b, s->n);
	return a;
}

static const rs_ablock *block(const rs_alloc *a, int pid, uint64_t addr)
{
	for (size_t i = 0; i < a->nblocks; i++)
		if (a->blocks[i].pid == pid && a->blocks[i].addr == addr)
			return &a->blocks[i];
	return NULL;
}

static bool live(const rs_alloc *a, int pid, uint64_t addr)
{
	const rs_ablock *b = block(a, pid, addr);
	return b && b->live;
}

/* The stack of pid/tid with these pcs, NULL when there is none. */
static const rs_astack *stack(const rs_alloc *a, int pid, int tid, const uint64_t *pcs, uint32_t n)
{
	for (size_t i = 0; i < a->nstacks; i++) {
		const rs_astack *s = &a->stacks[i];
		if (s->pid == pid && s->tid == tid && s->depth == n &&
		    !memcmp(a->pcs + s->pcs, pcs, n * sizeof *pcs))
			return s;
	}
	return NULL;
}

static size_t count_events(const rs_alloc *a, uint8_t kind, uint64_t addr)
{
	size_t n = 0;
	for (size_t i = 0; i < a->nevents; i++)
		n += a->events[i].kind == kind && a->events[i].addr == addr;
	return n;
}

static bool near(double x, double want)
{
	return fabs(x - want) <= 1e-9 * fmax(1, fabs(want));
}

/* The whole state of x and y alike (the decoding of one stream). */
static bool same(const rs_alloc *x, const rs_alloc *y)
{
	if (x->broken != y->broken || strcmp(x->broken_why, y->broken_why) || x->bytes != y->bytes ||
	    x->chunks != y->chunks || x->allocs != y->allocs || x->frees != y->frees ||
	    x->reallocs != y->reallocs || x->dropped != y->dropped || x->events_over != y->events_over ||
	    x->nevents != y->nevents || x->nstacks != y->nstacks || x->nblocks != y->nblocks ||
	    x->npcs != y->npcs || x->nbuckets != y->nbuckets)
		return false;
	if (!x->broken && x->npending != y->npending)
		return false;
	if (x->npcs && memcmp(x->pcs, y->pcs, x->npcs * sizeof *x->pcs))
		return false;
	for (size_t i = 0; i < x->nstacks; i++) {
		const rs_astack *p = &x->stacks[i], *q = &y->stacks[i];
		if (p->pid != q->pid || p->tid != q->tid || p->pcs != q->pcs || p->depth != q->depth ||
		    p->alloc_objects != q->alloc_objects || p->alloc_bytes != q->alloc_bytes)
			return false;
	}
	for (size_t i = 0; i < x->nblocks; i++) {
		const rs_ablock *p = &x->blocks[i], *q = &y->blocks[i];
		if (p->pid != q->pid || p->addr != q->addr || p->live != q->live ||
		    (p->live && (p->stack != q->stack || p->size != q->size || p->bytes != q->bytes)))
			return false;
	}
	for (size_t i = 0; i < x->nevents; i++) {
		const rs_aevent *p = &x->events[i], *q = &y->events[i];
		if (p->t_ns != q->t_ns || p->kind != q->kind || p->pid != q->pid || p->tid != q->tid ||
		    p->addr != q->addr || p->size != q->size || p->stack != q->stack)
			return false;
	}
	for (size_t i = 0; i < x->nbuckets; i++)
		if (x->alloc_bucket[i] != y->alloc_bucket[i] || x->free_bucket[i] != y->free_bucket[i])
			return false;
	return true;
}

/* Decoded in one piece and byte by byte: the same state. */
static bool split_same(double sample_bytes, const unsigned char *p, size_t n)
{
	rs_alloc whole, bytes;
	rs_alloc_init(&whole, sample_bytes, T0, STEP, 1000);
	rs_alloc_init(&bytes, sample_bytes, T0, STEP, 1000);
	rs_alloc_feed(&whole, p, n);
	for (size_t i = 0; i < n; i++)
		rs_alloc_feed(&bytes, p + i, 1);
	bool ok = same(&whole, &bytes);
	rs_alloc_free(&whole);
	rs_alloc_free(&bytes);
	return ok;
}

/* --- the tests --- */

static void unbias(void)
{
	double o, b;
	rs_alloc_unbias(1, 1000, &o, &b);
	CHECK("alloc: sample_bytes 1 unbiases nothing", o == 1 && b == 1000);
	rs_alloc_unbias(524288, (uint64_t)1 << 40, &o, &b);
	CHECK("alloc: a block far over the mean stands for itself", near(o, 1) && near(b, 1099511627776.0));
	rs_alloc_unbias(524288, 524288 * 40, &o, &b);
	CHECK("alloc: a block 40 means long stands for itself, near enough",
	      near(o, 1) && near(b, 524288 * 40.0));
	rs_alloc_unbias(4096, 4096, &o, &b);
	double want = 1 / (1 - exp(-1));
	CHECK("alloc: a block of the mean stands for 1/(1-e^-1) blocks",
	      near(o, want) && near(b, 4096 * want));
	rs_alloc_unbias(524288, 16, &o, &b);
	CHECK("alloc: a small block stands for about mean/size blocks",
	      fabs(o - 524288.0 / 16) < 1 && near(b, 16 * o));
}

static void alloc_free(void)
{
	stream s = {0};
	begin(&s, 10, 11, 0);
	alloc(&s, T0 + 10, 0x1000, 100, STACK_A, 3);
	alloc(&s, T0 + 20, 0x2000, 300, STACK_A, 3);
	alloc(&s, T0 + 30, 0x3000, 50, STACK_B, 1);
	freed(&s, T0 + 40, 0x1000);
	end(&s);
	rs_alloc a = decode(1, &s);
	const rs_astack *sa = stack(&a, 10, 11, STACK_A, 3), *sb = stack(&a, 10, 11, STACK_B, 1);
	CHECK("alloc: one chunk decodes whole",
	      !a.broken && a.chunks == 1 && a.bytes == s.n && a.npending == 0);
	CHECK("alloc: counts of a chunk", a.allocs == 3 && a.frees == 1 && a.reallocs == 0 && a.dropped == 0);
	CHECK("alloc: totals per stack", a.nstacks == 2 && sa && sb && sa->alloc_objects == 2 &&
						 sa->alloc_bytes == 400 && sb->alloc_objects == 1 &&
						 sb->alloc_bytes == 50);
	CHECK("alloc: a freed block is not live, the others are",
	      !live(&a, 10, 0x1000) && live(&a, 10, 0x2000) && live(&a, 10, 0x3000));
	const rs_ablock *b = block(&a, 10, 0x2000);
	CHECK("alloc: a live block's stack and size", b && &a.stacks[b->stack] == sa && b->size == 300);
	CHECK("alloc: memory events", a.nevents == 4 && count_events(&a, RS_MEM_ALLOC, 0x1000) == 1 &&
					      count_events(&a, RS_MEM_FREE, 0x1000) == 1 &&
					      a.events[3].t_ns == T0 + 40 && a.events[3].size == 100);
	CHECK("alloc: counter buckets",
	      a.nbuckets >= 1 && a.alloc_bucket[0] == 450 && a.free_bucket[0] == 100);
	rs_alloc_free(&a);

	/* unbiased: what a sampled block stands for goes to its stack */
	a = decode(524288, &s);
	double o, by;
	rs_alloc_unbias(524288, 300, &o, &by);
	b = block(&a, 10, 0x2000);
	sb = stack(&a, 10, 11, STACK_B, 1);
	CHECK("alloc: a live block stands for its unbiased share",
	      b && b->live && b->objects == o && b->bytes == by);
	rs_alloc_unbias(524288, 50, &o, &by);
	CHECK("alloc: a stack's totals are unbiased", sb && sb->alloc_objects == o && sb->alloc_bytes == by);
	rs_alloc_free(&a);

	/* the first stack has no frames */
	stream z = {0};
	begin(&z, 10, 11, 0);
	alloc(&z, T0 + 10, 0x1000, 8, NULL, 0);
	alloc(&z, T0 + 20, 0x2000, 8, NULL, 0);
	end(&z);
	a = decode(1, &z);
	CHECK("alloc: stacks of no frames", !a.broken && a.nstacks == 1 && a.stacks[0].depth == 0 &&
						    a.stacks[0].alloc_objects == 2 && live(&a, 10, 0x1000));
	rs_alloc_free(&a);
}

static void early_free(void)
{
	/* thread 2 frees at 200 what thread 1 allocated at 100; thread 2's
	 * chunk arrives first */
	stream s = {0};
	begin(&s, 10, 2, 0);
	freed(&s, T0 + 200, 0x1000);
	end(&s);
	begin(&s, 10, 1, 0);
	alloc(&s, T0 + 100, 0x1000, 64, STACK_A, 3);
	end(&s);
	rs_alloc a = decode(1, &s);
	CHECK("alloc: a free before its allocation ends the block", !a.broken && !live(&a, 10, 0x1000));
	CHECK("alloc: the early free is counted and reported once",
	      a.allocs == 1 && a.frees == 1 && count_events(&a, RS_MEM_FREE, 0x1000) == 1);
	const rs_astack *sa = stack(&a, 10, 1, STACK_A, 3);
	CHECK("alloc: the early-freed block still counts as allocated", sa && sa->alloc_bytes == 64);
	CHECK("alloc: the early free is in the free counter", a.free_bucket && a.free_bucket[0] == 64);
	rs_alloc_free(&a);

	/* thread 2's free at 300 is of an earlier block at 0x2000 (its
	 * allocation never came: dropped); thread 1 reuses 0x2000 at 400 */
	stream r = {0};
	begin(&r, 10, 2, 0);
	freed(&r, T0 + 300, 0x2000);
	end(&r);
	begin(&r, 10, 1, 0);
	alloc(&r, T0 + 400, 0x2000, 64, STACK_B, 1);
	end(&r);
	a = decode(1, &r);
	CHECK("alloc: an older free does not end a later block at its address",
	      !a.broken && live(&a, 10, 0x2000) && a.frees == 0 &&
		      count_events(&a, RS_MEM_FREE, 0x2000) == 0);
	rs_alloc_free(&a);

	/* a free in order, then a reuse: the second block lives */
	stream q = {0};
	begin(&q, 10, 1, 0);
	alloc(&q, T0 + 100, 0x3000, 64, STACK_A, 3);
	freed(&q, T0 + 200, 0x3000);
	alloc(&q, T0 + 300, 0x3000, 32, STACK_B, 1);
	end(&q);
	a = decode(1, &q);
	const rs_ablock *b = block(&a, 10, 0x3000);
	CHECK("alloc: an address freed and reused is live with the new block",
	      b && b->live && b->size == 32 && a.frees == 1 && a.nblocks == 1);
	rs_alloc_free(&a);

	/* the same address in two processes: two blocks */
	stream p = {0};
	begin(&p, 10, 10, 0);
	alloc(&p, T0 + 100, 0x4000, 64, STACK_A, 3);
	end(&p);
	begin(&p, 20, 20, 0);
	alloc(&p, T0 + 110, 0x4000, 64, STACK_A, 3);
	freed(&p, T0 + 120, 0x4000);
	end(&p);
	a = decode(1, &p);
	CHECK("alloc: blocks are per process",
	      live(&a, 10, 0x4000) && !live(&a, 20, 0x4000) && a.nstacks == 2);
	rs_alloc_free(&a);
}

/* Chunks of other threads arrive late, around a block's address reuse. */
static void reuse_out_of_order(void)
{
	/* A allocates X (32) at 100; B reallocs it in place (64) at 200; B's
	 * chunk arrives first */
	stream s = {0};
	begin(&s, 10, 2, 0);
	ev(&s, RS_AW_REALLOC, T0 + 200, 0x1000, 64, 0x1000, true, STACK_B, 1);
	end(&s);
	begin(&s, 10, 1, 0);
	alloc(&s, T0 + 100, 0x1000, 32, STACK_A, 3);
	end(&s);
	rs_alloc a = decode(1, &s);
	const rs_ablock *b = block(&a, 10, 0x1000);
	CHECK("alloc: an in-place realloc that arrives first keeps the new block live",
	      !a.broken && b && b->live && b->size == 64 && b->born == T0 + 200);
	CHECK("alloc: ... and the late old block ends at the realloc, in the free counter",
	      a.free_bucket && a.free_bucket[0] == 32 && count_events(&a, RS_MEM_FREE, 0x1000) == 0);
	rs_alloc_free(&a);

	/* A allocates X at 100, B frees it at 200, C allocates X at 300; C's
	 * chunk arrives first, then A's, then B's */
	stream r = {0};
	begin(&r, 10, 3, 0);
	alloc(&r, T0 + 300, 0x2000, 48, STACK_B, 1);
	end(&r);
	begin(&r, 10, 1, 0);
	alloc(&r, T0 + 100, 0x2000, 16, STACK_A, 3);
	end(&r);
	begin(&r, 10, 2, 0);
	freed(&r, T0 + 200, 0x2000);
	end(&r);
	a = decode(1, &r);
	b = block(&a, 10, 0x2000);
	CHECK("alloc: a late older allocation does not end the later block at its address",
	      !a.broken && b && b->live && b->size == 48 && b->born == T0 + 300);
	const rs_astack *sa = stack(&a, 10, 1, STACK_A, 3);
	CHECK("alloc: ... it counts as allocated, and not in use", sa && sa->alloc_bytes == 16);
	CHECK("alloc: ... and its late free ends nothing else", a.frees == 0 && b->live);
	rs_alloc_free(&a);

	/* the same, with B's free before A's allocation: A's block ends at 200 */
	stream q = {0};
	begin(&q, 10, 3, 0);
	alloc(&q, T0 + 300, 0x3000, 48, STACK_B, 1);
	end(&q);
	begin(&q, 10, 2, 0);
	freed(&q, T0 + 200, 0x3000);
	end(&q);
	begin(&q, 10, 1, 0);
	alloc(&q, T0 + 100, 0x3000, 16, STACK_A, 3);
	end(&q);
	a = decode(1, &q);
	b = block(&a, 10, 0x3000);
	CHECK("alloc: a free waiting for an older allocation ends that one, at its time",
	      b && b->live && b->size == 48 && a.frees == 1 && count_events(&a, RS_MEM_FREE, 0x3000) == 1);
	rs_alloc_free(&a);
}

static void realloc_events(void)
{
	stream s = {0};
	begin(&s, 10, 1, 0);
	alloc(&s, T0 + 1, 0x1000, 16, STACK_A, 3);
	/* old sampled, new not: the old block ends (a free) */
	ev(&s, RS_AW_REALLOC, T0 + 2, 0x5000, 64, 0x1000, false, NULL, 0);
	alloc(&s, T0 + 3, 0x2000, 16, STACK_A, 3);
	/* old sampled, new sampled: the old ends inside the realloc, the new lives */
	ev(&s, RS_AW_REALLOC, T0 + 4, 0x6000, 300, 0x2000, true, STACK_B, 1);
	/* old unsampled (0), new sampled */
	ev(&s, RS_AW_REALLOC, T0 + 5, 0x7000, 100, 0, true, STACK_B, 1);
	/* in place */
	ev(&s, RS_AW_REALLOC, T0 + 6, 0x7000, 200, 0x7000, true, STACK_B, 1);
	end(&s);
	rs_alloc a = decode(1, &s);
	CHECK("alloc: reallocs decode", !a.broken && a.allocs == 2 && a.reallocs == 4);
	CHECK("alloc: realloc to an unsampled block ends the old one, with a free event",
	      !live(&a, 10, 0x1000) && !block(&a, 10, 0x5000) && count_events(&a, RS_MEM_FREE, 0x1000) == 1);
	const rs_ablock *b = block(&a, 10, 0x6000);
	const rs_astack *sb = stack(&a, 10, 1, STACK_B, 1);
	CHECK("alloc: sampled realloc of a sampled block: the old ends, the new lives",
	      !live(&a, 10, 0x2000) && b && b->live && b->size == 300 && &a.stacks[b->stack] == sb);
	CHECK("alloc: a realloc'd block is no free event",
	      count_events(&a, RS_MEM_FREE, 0x2000) == 0 && count_events(&a, RS_MEM_REALLOC, 0x6000) == 1);
	b = block(&a, 10, 0x7000);
	CHECK("alloc: realloc from an unsampled block, then in place", b && b->live && b->size == 200);
	CHECK("alloc: realloc'd sizes count as allocated",
	      sb && sb->alloc_objects == 3 && sb->alloc_bytes == 600);
	rs_alloc_free(&a);
}

/* Every case above, and more chunks, in one stream. */
static void build_mixed(stream *s)
{
	for (int round = 0; round < 30; round++) {
		int64_t t = T0 + (int64_t)round * 37000000;
		uint64_t base = 0x100000 + (uint64_t)round * 0x1000;
		begin(s, 10, 2 + round % 3, (uint64_t)round % 4);
		freed(s, t + 500, base);
		alloc(s, t + 10, base + 0x100, 24 + (uint64_t)round, STACK_A, 3);
		ev(s, RS_AW_REALLOC, t + 20, base + 0x200, 48, base + 0x100, round % 2, STACK_B, 1);
		end(s);
		begin(s, 10, 1, 0);
		alloc(s, t + 100, base, 1000 + (uint64_t)round, STACK_B, 1);
		alloc(s, t + 200, base + 0x300, 7, NULL, 0);
		freed(s, t + 300, base + 0x300);
		end(s);
	}
}

static void splits(void)
{
	stream s = {0};
	build_mixed(&s);
	rs_alloc a = decode(524288, &s);
	CHECK("alloc: a mixed stream decodes whole", !a.broken && a.chunks == 60 && a.bytes == s.n);
	CHECK("alloc: early frees in a mixed stream", a.frees == 60 && a.allocs == 90 && a.reallocs == 30);
	bool none = true;
	for (int round = 0; round < 30; round++)
		none = none && !live(&a, 10, 0x100000 + (uint64_t)round * 0x1000);
	CHECK("alloc: every early free found its block", none);
	rs_alloc_free(&a);
	CHECK("alloc: byte by byte, the same as in one piece", split_same(524288, s.b, s.n));
	CHECK("alloc: byte by byte, the same (no unbiasing)", split_same(1, s.b, s.n));

	rs_alloc x, y;
	rs_alloc_init(&x, 1, T0, STEP, 1000);
	rs_alloc_init(&y, 1, T0, STEP, 1000);
	rs_alloc_feed(&x, s.b, s.n);
	for (size_t i = 0, k = 1; i < s.n; i += k, k = k * 7 % 5003 + 1) /* reads of odd sizes */
		rs_alloc_feed(&y, s.b + i, k < s.n - i ? k : s.n - i);
	CHECK("alloc: reads of varied sizes, the same", same(&x, &y));
	rs_alloc_free(&x);
	rs_alloc_free(&y);
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* s with the first chunk good, a second built by f. */
static rs_alloc broken_after_good(void (*f)(stream *))
{
	stream s = {0};
	begin(&s, 10, 1, 0);
	alloc(&s, T0 + 1, 0x1000, 16, STACK_A, 3); /* 24 + 40 + 24 = 88 bytes */
	end(&s);
	f(&s);
	rs_alloc a = decode(1, &s);
	rs_alloc_feed(&a, s.b, s.n); /* more after the break: ignored */
	return a;
}

static void bad_magic(stream *s)
{
	begin(s, 10, 1, 0);
	alloc(s, T0 + 2, 0x2000, 16, STACK_A, 3);
	end(s);
	s->b[s->chunk] ^= 0x20;
}

static void long_len(stream *s)
{
	begin(s, 10, 1, 0);
	end(s);
	uint32_t len = RS_AW_CHUNK + 1;
	memcpy(s->b + s->chunk + 4, &len, 4);
	s->n += 4096; /* there are that many bytes */
}

static void short_len(stream *s)
{
	begin(s, 10, 1, 0);
	end(s);
	uint32_t len = sizeof(rs_aw_chunk) - 1;
	memcpy(s->b + s->chunk + 4, &len, 4);
}

static void many_frames(stream *s)
{
	uint64_t pcs[RS_AW_MAX_FRAMES + 1];
	for (int i = 0; i <= RS_AW_MAX_FRAMES; i++)
		pcs[i] = 0x400000 + (uint64_t)i;
	begin(s, 10, 1, 0);
	alloc(s, T0 + 2, 0x2000, 16, pcs, RS_AW_MAX_FRAMES); /* the most: fine */
	alloc(s, T0 + 3, 0x3000, 16, pcs, RS_AW_MAX_FRAMES + 1);
	end(s);
}

static void kind_0(stream *s)
{
	begin(s, 10, 1, 0);
	ev(s, 0, T0 + 2, 0x2000, 16, 0, true, NULL, 0);
	end(s);
}

static void kind_4(stream *s)
{
	begin(s, 10, 1, 0);
	ev(s, 4, T0 + 2, 0x2000, 16, 0, true, NULL, 0);
	end(s);
}

static void cut_event(stream *s)
{
	begin(s, 10, 1, 0);
	freed(s, T0 + 2, 0x1000);
	s->n -= 8; /* the chunk ends 8 bytes into the event's old */
	end(s);
}

static void cut_frames(stream *s)
{
	begin(s, 10, 1, 0);
	alloc(s, T0 + 2, 0x2000, 16, STACK_A, 3);
	s->n -= 8; /* 2 of the event's 3 frames */
	end(s);
}

static void broken_streams(void)
{
	rs_alloc a = broken_after_good(bad_magic);
	CHECK("alloc: a bad magic breaks the stream at its offset",
	      a.broken && starts(a.broken_why, "offset 88: not a chunk") && a.chunks == 1 && a.allocs == 1 &&
		      live(&a, 10, 0x1000) && !block(&a, 10, 0x2000));
	rs_alloc_free(&a);
	a = broken_after_good(long_len);
	CHECK("alloc: a chunk longer than 4096 breaks it",
	      a.broken && starts(a.broken_why, "offset 88: not a chunk"));
	rs_alloc_free(&a);
	a = broken_after_good(short_len);
	CHECK("alloc: a chunk shorter than its header breaks it",
	      a.broken && starts(a.broken_why, "offset 88: not a chunk"));
	rs_alloc_free(&a);
	a = broken_after_good(many_frames);
	/* the second chunk: 88 + 24 header + 40 + 64 * 8 = 664, the event over */
	CHECK("alloc: an event of more than 64 frames breaks it",
	      a.broken && starts(a.broken_why, "offset 664: an event of unknown kind or length") &&
		      a.allocs == 2 && live(&a, 10, 0x2000) && !block(&a, 10, 0x3000));
	rs_alloc_free(&a);
	a = broken_after_good(kind_0);
	CHECK("alloc: an event of kind 0 breaks it",
	      a.broken && starts(a.broken_why, "offset 112: an event of unknown"));
	rs_alloc_free(&a);
	a = broken_after_good(kind_4);
	CHECK("alloc: an event of kind 4 breaks it",
	      a.broken && starts(a.broken_why, "offset 112: an event of unknown"));
	rs_alloc_free(&a);
	a = broken_after_good(cut_event);
	CHECK("alloc: an event cut short by its chunk breaks it",
	      a.broken && starts(a.broken_why, "offset 112: an event cut short") && live(&a, 10, 0x1000));
	rs_alloc_free(&a);
	a = broken_after_good(cut_frames);
	CHECK("alloc: frames cut short by their chunk break it",
	      a.broken && starts(a.broken_why, "offset 112: an event of unknown kind or length") &&
		      a.allocs == 1);
	rs_alloc_free(&a);

	stream s = {0};
	begin(&s, 10, 1, 0);
	end(&s);
	bad_magic(&s);
	bool same_split = split_same(1, s.b, s.n);
	CHECK("alloc: a broken stream breaks at the same offset byte by byte", same_split);

	/* a chunk not yet whole is no break */
	stream w = {0};
	begin(&w, 10, 1, 0);
	alloc(&w, T0 + 1, 0x1000, 16, STACK_A, 3);
	end(&w);
	rs_alloc b;
	rs_alloc_init(&b, 1, T0, STEP, 1000);
	rs_alloc_feed(&b, w.b, w.n - 1);
	CHECK("alloc: a chunk still arriving waits", !b.broken && b.chunks == 0 && b.npending == w.n - 1);
	rs_alloc_feed(&b, w.b + w.n - 1, 1);
	CHECK("alloc: and decodes when whole",
	      !b.broken && b.chunks == 1 && b.npending == 0 && live(&b, 10, 0x1000));
	rs_alloc_free(&b);
}

static void dropped(void)
{
	stream s = {0};
	begin(&s, 10, 1, 3);
	alloc(&s, T0 + 1, 0x1000, 16, STACK_A, 3);
	end(&s);
	begin(&s, 10, 2, 0);
	end(&s); /* no events: only a count */
	begin(&s, 20, 20, 7);
	end(&s);
	begin(&s, 10, 1, 1u << 20);
	freed(&s, T0 + 2, 0x1000);
	end(&s);
	rs_alloc a = decode(1, &s);
	CHECK("alloc: dropped counts add up over chunks",
	      !a.broken && a.chunks == 4 && a.dropped == 3 + 7 + (1u << 20));
	rs_alloc_free(&a);
}

static void events_limit(void)
{
	stream s = {0};
	begin(&s, 10, 1, 0);
	for (int i = 0; i < 20; i++)
		alloc(&s, T0 + i, 0x1000 + 16 * (uint64_t)i, 16, STACK_B, 1);
	end(&s);
	rs_alloc a;
	rs_alloc_init(&a, 1, T0, STEP, 5);
	rs_alloc_feed(&a, s.b, s.n);
	CHECK("alloc: events over the limit are counted, not kept",
	      a.nevents == 5 && a.events_over == 15 && a.allocs == 20 && a.stacks[0].alloc_objects == 20);
	rs_alloc_free(&a);

	/* before t0: no counter bucket, still counted */
	stream e = {0};
	begin(&e, 10, 1, 0);
	alloc(&e, T0 - 1000, 0x1000, 16, STACK_B, 1);
	alloc(&e, T0 + 3 * STEP + 5, 0x2000, 32, STACK_B, 1);
	end(&e);
	a = decode(1, &e);
	CHECK("alloc: counter buckets by time from t0", a.nbuckets >= 4 && a.alloc_bucket[0] == 0 &&
								a.alloc_bucket[3] == 32 &&
								a.stacks[0].alloc_bytes == 48);
	rs_alloc_free(&a);
}

/* Every file of dir: decodes (whole and byte by byte alike); seeds must
 * not break. -1: no such directory. */
static int replay(const char *dir, bool must_decode, int *bad)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	static unsigned char buf[1 << 20];
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		n++;
		rs_alloc a;
		rs_alloc_init(&a, 524288, T0, STEP, 1000);
		rs_alloc_feed(&a, buf, len);
		bool ok = split_same(524288, buf, len) &&
			  (!must_decode || (!a.broken && a.npending == 0 && a.chunks));
		if (!ok) {
			printf("%s: %s\n", path,
			       a.broken ? a.broken_why : "differs byte by byte, or pending");
			(*bad)++;
		}
		rs_alloc_free(&a);
	}
	closedir(d);
	return n;
}

int main(void)
{
	unbias();
	alloc_free();
	early_free();
	reuse_out_of_order();
	realloc_events();
	splits();
	broken_streams();
	dropped();
	events_limit();

	int bad = 0, n = replay("tests/fuzz/seeds-alloc-stream", true, &bad);
	if (n < 0)
		printf("SKIP: alloc: fuzz seeds: tests/fuzz/seeds-alloc-stream not found (run from the top "
		       "directory)\n");
	else
		CHECK("alloc: the fuzz seeds decode whole, alike byte by byte", n > 0 && bad == 0);
	bad = 0;
	n = replay("tests/fuzz-regressions/alloc-stream", false, &bad);
	if (n > 0)
		CHECK("alloc: the fuzz regressions replay, alike byte by byte", bad == 0);
	return unit_failures != 0;
}
