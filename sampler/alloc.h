/* record --alloc: the events librustscope_alloc.so sends (preload/
 * alloc_wire.h), decoded and accumulated: allocation totals per stack,
 * the sampled blocks still live, the memory events and the heap counters.
 * rs_alloc_session then makes a heap profile of it.
 *
 * The stream comes from the target process and is checked as any input
 * is: a chunk that breaks the format stops the decoding (counted, and
 * reported in the session), never the recorder. */
#ifndef RS_SAMPLER_ALLOC_H
#define RS_SAMPLER_ALLOC_H

#include "recorder.h"

#include "../lib/idhash.h"
#include "../preload/alloc_wire.h"

typedef struct rs_astack {
	int pid, tid;
	uint32_t pcs, depth; /* into rs_alloc.pcs */
	double alloc_objects, alloc_bytes, inuse_objects, inuse_bytes; /* unbiased */
} rs_astack;

typedef struct rs_ablock {
	int pid;
	bool live;
	bool early_report; /* the early free is reported as a free event */
	uint32_t stack;
	uint64_t addr, size;
	double objects, bytes; /* what the block stands for, unbiased */
	int64_t born;       /* its allocation's time */
	int64_t early_free; /* a free that came before its allocation, INT64_MIN: none */
	int early_tid;
} rs_ablock;

typedef struct rs_aevent {
	int64_t t_ns; /* CLOCK_MONOTONIC */
	uint8_t kind; /* rs_mem_kind */
	int pid, tid;
	uint64_t addr;
	int64_t size;
	int32_t stack; /* rs_astack id, -1 = none */
} rs_aevent;

typedef struct rs_alloc {
	double sample_bytes; /* the mean distance between samples */
	int64_t t0, step;    /* the counters' first bucket and width (ns) */
	int64_t t_read;      /* the clock at the last read, plus 1 s: later times are bogus */
	size_t max_events;   /* memory events kept; later ones only counted */
	uint64_t *pcs;
	size_t npcs, pcs_cap;
	rs_astack *stacks;
	size_t nstacks, stacks_cap;
	rs_idhash stack_index;
	rs_ablock *blocks; /* one per address ever sampled; live or not */
	size_t nblocks, blocks_cap;
	rs_idhash block_index;
	rs_aevent *events;
	size_t nevents, events_cap;
	double *alloc_bucket, *free_bucket; /* bytes per counter bucket */
	size_t nbuckets;
	unsigned char pending[RS_AW_CHUNK];
	size_t npending;
	bool broken;
	char broken_why[160];
	uint64_t bytes, chunks, allocs, frees, reallocs, dropped, events_over;
} rs_alloc;

void rs_alloc_init(rs_alloc *a, double sample_bytes, int64_t t0, int64_t step_ns, size_t max_events);
void rs_alloc_free(rs_alloc *a);
/* Takes the next n bytes of the stream (any split into reads). */
void rs_alloc_feed(rs_alloc *a, const void *buf, size_t n);
/* The count and bytes one sampled block of size stands for. */
void rs_alloc_unbias(double sample_bytes, uint64_t size, double *objects, double *bytes);

/* The heap profile of a into s: sample types alloc_objects, alloc_space,
 * inuse_objects, inuse_space (pprof's), one sample per stack and thread,
 * memory events, and the counters heap_alloc_rate and heap_live_bytes.
 * Stacks are symbolized with r's address spaces. */
void rs_alloc_session(rs_alloc *a, rs_recorder *r, rs_session *s, int64_t clock_offset);

#endif
