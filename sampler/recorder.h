/* From perf records to a session: keeps the address spaces current (mmap,
 * comm, fork, exit), turns each sample's call chain (or DWARF-unwound user
 * stack) into location ids, and at the end symbolizes every unique location
 * once and builds frames, stacks, samples and threads. */
#ifndef RS_SAMPLER_RECORDER_H
#define RS_SAMPLER_RECORDER_H

#include "maps.h"
#include "perf.h"
#include "ring.h"
#include "symbolize.h"
#include "unwind.h"

#include "../lib/idhash.h"
#include "../schema/session.h"

typedef struct rs_loc {
	uint32_t module; /* UINT32_MAX: no mapping */
	uint64_t addr;   /* file offset (user), address (kernel, unmapped) */
	int32_t first_frame; /* into rs_recorder.loc_frames, after finish */
	uint32_t nframes;
} rs_loc;

typedef struct rs_rsample {
	int pid, tid;
	uint64_t time, period;
	uint32_t chain, depth; /* chain[chain .. chain+depth) leaf first */
	int32_t stack;         /* continuous mode: the interned stack, else -1 */
} rs_rsample;

typedef struct rs_rstack {
	uint32_t chain, depth;
} rs_rstack;

typedef struct rs_rthread {
	int pid, tid;
	char comm[17];
} rs_rthread;

typedef struct rs_recorder {
	rs_maps maps;
	rs_symbolizer sym;
	rs_unwinder *unwinder; /* dwarf and auto */
	rs_callgraph cg;
	rs_loc *locs;
	size_t nlocs, locs_cap;
	rs_idhash loc_index;
	uint32_t *chains;
	size_t nchains, chains_cap;
	rs_rsample *samples;
	size_t nsamples, samples_cap;
	/* continuous mode: samples go to the ring, their chains interned once
	 * as stacks (chain start, depth) */
	rs_ring *ring;
	rs_rstack *stacks;
	size_t nstacks, stacks_cap;
	rs_idhash stack_index;
	size_t warmed; /* locations 0..warmed-1 looked up once already */
	rs_rthread *threads;
	size_t nthreads, threads_cap;
	uint64_t lost, lost_samples, records, unwind_frames;
	uint64_t unwound[3]; /* samples by rs_unwind_how (dwarf and auto) */
	double symbolize_secs;
	size_t symbolized_locs;
} rs_recorder;

/* backend: "libdw" or "libunwind" for dwarf; auto walks CFI itself.
 * lib_dwarf: symbolize with the DWARF of separate debug files too. */
void rs_recorder_init(rs_recorder *r, rs_callgraph cg, const char *backend, bool debuginfod,
		      bool lib_dwarf);
void rs_recorder_free(rs_recorder *r);
void rs_recorder_thread(rs_recorder *r, int pid, int tid, const char *comm);
void rs_recorder_record(rs_recorder *r, const struct perf_event_header *h, uint64_t sample_type,
			uint64_t regs_mask);
/* Symbolizes and fills s (frames, mappings, stacks, threads, samples).
 * clock_offset turns perf times (CLOCK_MONOTONIC) into the session clock. */
void rs_recorder_finish(rs_recorder *r, rs_session *s, int64_t clock_offset, uint64_t period_ns);
/* Looks up the locations met since the last call, so that the modules'
 * symbols and DWARF are loaded before a flush needs them (continuous mode,
 * between records: a flush then only walks caches). */
void rs_recorder_warm(rs_recorder *r);
/* Continuous mode: the same from the samples in r->ring, which stays as it
 * is (the recorder goes on). */
void rs_recorder_finish_ring(rs_recorder *r, rs_session *s, int64_t clock_offset, uint64_t period_ns);

/* record --alloc: the stack of pcs of pid (return addresses, innermost
 * first, as the allocation shim takes them), interned; its id. */
uint32_t rs_recorder_intern_pcs(rs_recorder *r, int pid, const uint64_t *pcs, size_t n);
/* Symbolizes the interned stacks ids[0..n) into s: out[i] is ids[i]'s. */
void rs_recorder_session_stacks(rs_recorder *r, rs_session *s, const uint32_t *ids, size_t n, int32_t *out);
/* The session thread of pid/tid (added, with its name, when new). */
int32_t rs_recorder_session_thread(rs_recorder *r, rs_session *s, int pid, int tid);

#endif
