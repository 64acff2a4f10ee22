/* librustscope_alloc.so's parts: the interposed entry points and their
 * bootstrap (shim.c), the set of sampled blocks still live (shim_live.c),
 * sampling and stacks (shim_events.c), the per-thread queues of events
 * on their way to the pipe (shim_queue.c).
 *
 * Everything here runs inside the target's allocator calls, so none of it
 * may allocate through malloc: memory comes from mmap, state is static or
 * thread-local (initial-exec TLS, which never allocates). */
#ifndef RS_PRELOAD_SHIM_H
#define RS_PRELOAD_SHIM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_SHIM_HIDDEN __attribute__((visibility("hidden")))

/* The allocator the shim forwards to (the next one after it). */
typedef struct rs_real_alloc {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
} rs_real_alloc;

/* Each thread's sampling state (shim_events.c). */
typedef struct rs_tbuf rs_tbuf;
typedef struct rs_tstate {
	int64_t bytes_left; /* until the next sample */
	uint64_t rng;
	bool in_hook, seeded;
	int tid;
	uintptr_t stack_hi;
	rs_tbuf *buf;
} rs_tstate;

extern __thread rs_tstate rs_tls RS_SHIM_HIDDEN;
extern atomic_bool rs_active RS_SHIM_HIDDEN; /* recording, not only forwarding */

/* shim_live.c: sampled blocks, by address. The counting filter in front
 * (small enough to stay in cache) says "not sampled" for most frees. */
enum { RS_LIVE_FILTER = 4096 };
extern _Atomic uint8_t rs_live_filter[RS_LIVE_FILTER] RS_SHIM_HIDDEN;

/* The filter slot of a block: its address in 16-byte units (malloc's
 * alignment), without a multiply: free pays for this on every call. */
static inline size_t rs_live_slot(uintptr_t a)
{
	return (size_t)(a >> 4) & (RS_LIVE_FILTER - 1);
}

RS_SHIM_HIDDEN bool rs_live_add(uintptr_t addr);
RS_SHIM_HIDDEN bool rs_live_take(uintptr_t addr); /* true: it was sampled; now forgotten */
RS_SHIM_HIDDEN void rs_live_lock_all(void);
RS_SHIM_HIDDEN void rs_live_unlock_all(void);

/* shim_queue.c: each thread's chunks on their way to the pipe */
struct rs_aw_event;
RS_SHIM_HIDDEN void rs_queue_init(int pipe_fd, int pid);
RS_SHIM_HIDDEN void rs_queue_dropped(uint64_t events);
RS_SHIM_HIDDEN rs_tbuf *rs_tbuf_get(int tid); /* NULL: out of memory */
RS_SHIM_HIDDEN void rs_tbuf_append(rs_tbuf *b, const struct rs_aw_event *ev, const uint64_t *pcs);
RS_SHIM_HIDDEN void rs_tbuf_put(rs_tbuf *b); /* the thread ends */
RS_SHIM_HIDDEN void rs_tbuf_flush_all(void); /* the process ends */
RS_SHIM_HIDDEN void rs_tbuf_after_fork(rs_tbuf *mine, int pid, int tid);

/* shim_events.c */
RS_SHIM_HIDDEN void rs_events_init(void); /* from the constructor: reads the environment */
RS_SHIM_HIDDEN void rs_events_exit(void); /* from the destructor: flushes every thread */
/* The slow paths behind the inline checks below. rs_sample_alloc:
 * after rs_alloc_due, for the block p (NULL: the allocation failed) */
RS_SHIM_HIDDEN void *rs_sample_alloc(void *p, size_t n);
/* realloc gave p for old: old_sampled, old was sampled; due, rs_alloc_due(n) said yes */
RS_SHIM_HIDDEN void rs_on_realloc(void *old, bool old_sampled, void *p, size_t n, bool due);
RS_SHIM_HIDDEN void rs_on_free(void *p);
RS_SHIM_HIDDEN bool rs_forget(void *p);

/* Every call pays for these, so they are inline and touch only the
 * thread's state, one flag and the filter. */
static inline bool rs_recording(void)
{
	return atomic_load_explicit(&rs_active, memory_order_relaxed);
}

/* Counts n bytes down to the next sample: true when this allocation may
 * cross it (rs_sample_alloc decides), so that the others go straight to
 * the allocator as a tail call. (While the shim works for a sample, the
 * count is out of reach: calls it makes are never due.) */
static inline bool rs_count_down(size_t n)
{
	return (rs_tls.bytes_left -= (int64_t)n) <= 0;
}

static inline bool rs_alloc_due(size_t n)
{
	return rs_recording() && rs_count_down(n);
}

/* A block the program got, its bytes not yet counted. */
static inline void rs_on_alloc(void *p, size_t n)
{
	if (rs_alloc_due(n))
		rs_sample_alloc(p, n);
}

/* May p be a sampled block? (No: certainly not. Yes: rs_on_free looks,
 * unless the shim is at work in this thread.) */
static inline bool rs_filter_hit(const void *p)
{
	return atomic_load_explicit(&rs_live_filter[rs_live_slot((uintptr_t)p)], memory_order_relaxed);
}

static inline bool rs_maybe_sampled(const void *p)
{
	return rs_recording() && rs_filter_hit(p);
}

#endif
