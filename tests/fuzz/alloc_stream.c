/* libFuzzer harness for the record --alloc stream decoder (sampler/alloc.c:
 * rs_alloc_feed), whose input is the byte stream librustscope_alloc.so
 * writes (preload/alloc_wire.h); tests/fuzz/run.sh builds it as the target
 * alloc-stream, seeded from tests/fuzz/seeds-alloc-stream/.
 *
 * Each input is decoded twice: in one piece, and split at three points
 * taken from a hash of the input (so chunk headers, events and frames are
 * cut across reads). Neither may crash, and both must end in the same
 * state: the decoding does not depend on how the pipe's reads fell. A
 * broken stream must say where (broken_why "offset N: ..."), and a whole
 * one must have used every byte up to the last chunk still pending.
 * Crashes saved to tests/fuzz-regressions/alloc-stream/ are replayed by
 * tests/unit/alloc_stream.c (not by tests/t/fuzz-regressions.sh, which
 * replays importers' inputs through the command line). */
#include "sampler/alloc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                           \
	do {                                                                                                 \
		if (!(c))                                                                                    \
			abort();                                                                             \
	} while (0)

static uint64_t hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ n;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ (h >> 31);
}

static void init(rs_alloc *a, uint64_t h)
{
	/* every sample (1), or the default mean (512 KiB) that unbiases;
	 * 100 ms counter buckets from t0 = 1 s, as record does; few events
	 * kept, so that the over-limit count is reached */
	rs_alloc_init(a, h >> 63 ? 1 : 524288, 1000000000, 100000000, 32);
}

static void check(const rs_alloc *a, size_t size)
{
	if (a->broken)
		REQUIRE(!strncmp(a->broken_why, "offset ", 7));
	else
		REQUIRE(a->bytes + a->npending == size);
	REQUIRE(a->npending <= sizeof a->pending);
	REQUIRE(a->nevents <= a->max_events);
	for (size_t i = 0; i < a->nblocks; i++)
		REQUIRE(!a->blocks[i].live || a->blocks[i].stack < a->nstacks);
	for (size_t i = 0; i < a->nstacks; i++) {
		const rs_astack *s = &a->stacks[i];
		REQUIRE(s->depth <= RS_AW_MAX_FRAMES && s->pcs + s->depth <= a->npcs);
		REQUIRE(s->alloc_objects >= 1 && !isnan(s->alloc_bytes) && s->alloc_bytes >= 0);
	}
}

static void same(const rs_alloc *x, const rs_alloc *y)
{
	REQUIRE(x->broken == y->broken && !strcmp(x->broken_why, y->broken_why));
	/* what is left pending after a break depends on where the read that
	 * found it ended */
	REQUIRE(x->bytes == y->bytes && (x->broken || x->npending == y->npending) && x->chunks == y->chunks);
	REQUIRE(x->allocs == y->allocs && x->frees == y->frees && x->reallocs == y->reallocs);
	REQUIRE(x->dropped == y->dropped && x->events_over == y->events_over && x->nevents == y->nevents);
	REQUIRE(x->nstacks == y->nstacks && x->nblocks == y->nblocks && x->npcs == y->npcs);
	REQUIRE(x->nbuckets == y->nbuckets);
	for (size_t i = 0; i < x->nstacks; i++)
		REQUIRE(x->stacks[i].alloc_bytes == y->stacks[i].alloc_bytes &&
			x->stacks[i].alloc_objects == y->stacks[i].alloc_objects);
	for (size_t i = 0; i < x->nblocks; i++)
		REQUIRE(x->blocks[i].live == y->blocks[i].live && x->blocks[i].addr == y->blocks[i].addr &&
			(!x->blocks[i].live || x->blocks[i].stack == y->blocks[i].stack));
	REQUIRE(!x->npcs || !memcmp(x->pcs, y->pcs, x->npcs * sizeof *x->pcs));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = hash(data, size);
	rs_alloc whole, split;
	init(&whole, h);
	init(&split, h);
	rs_alloc_feed(&whole, data, size);

	size_t cut[5] = {0, 0, 0, 0, size};
	for (int i = 1; i <= 3; i++)
		cut[i] = (size_t)((h >> ((i - 1) * 21)) & 0x1fffff) % (size + 1);
	for (int i = 1; i < 4; i++) /* sorted */
		for (int j = i; j > 1 && cut[j] < cut[j - 1]; j--) {
			size_t t = cut[j];
			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	for (int i = 0; i < 4; i++)
		if (cut[i + 1] > cut[i])
			rs_alloc_feed(&split, data + cut[i], cut[i + 1] - cut[i]);

	check(&whole, size);
	check(&split, size);
	same(&whole, &split);
	rs_alloc_free(&whole);
	rs_alloc_free(&split);
	return 0;
}
