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

/* shim_live.c: sampled blocks, by address */
RS_SHIM_HIDDEN bool rs_live_add(uintptr_t addr);
RS_SHIM_HIDDEN bool rs_live_take(uintptr_t addr); /* true: it was sampled; now forgotten */
RS_SHIM_HIDDEN void rs_live_lock_all(void);
RS_SHIM_HIDDEN void rs_live_unlock_all(void);

/* shim_queue.c: each thread's chunks on their way to the pipe */
typedef struct rs_tbuf rs_tbuf;
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
/* A block the program got (realloc: old is the block it replaced, and
 * old_sampled whether that one was sampled). */
RS_SHIM_HIDDEN void rs_on_alloc(void *p, size_t n);
RS_SHIM_HIDDEN void rs_on_realloc(void *old, bool old_sampled, void *p, size_t n);
/* Before the block goes back to the allocator: true when it was sampled
 * (its free is then reported). */
RS_SHIM_HIDDEN void rs_on_free(void *p);
/* realloc: forgets p before the allocator may hand its address out again;
 * true when p was sampled. */
RS_SHIM_HIDDEN bool rs_forget(void *p);
RS_SHIM_HIDDEN void rs_remember(void *p);

#endif
