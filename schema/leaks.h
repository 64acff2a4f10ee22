/* The leak report of a heap profile: the memory still in use at the end
 * (pprof's inuse_space and inuse_objects), by stack, by crate and by
 * module, largest first. Stacks are charged to their allocation site:
 * the first frame from the leaf that is not allocator plumbing (malloc,
 * __rust_alloc, alloc::raw_vec, runtime.mallocgc...), so that a leak is
 * told by the code that asked for the memory. */
#ifndef RS_SCHEMA_LEAKS_H
#define RS_SCHEMA_LEAKS_H

#include "session.h"

typedef struct rs_leak {
	int32_t stack; /* the samples' stack (leaf node) */
	int32_t site;  /* the stack node of the allocation site */
	int64_t bytes, objects;
} rs_leak;

typedef struct rs_leak_group {
	rs_str key; /* crate or module ("" = unknown) */
	int64_t bytes, objects;
} rs_leak_group;

typedef struct rs_leak_report {
	rs_leak *stacks;
	size_t nstacks;
	rs_leak_group *crates, *modules;
	size_t ncrates, nmodules;
	int64_t bytes, objects;
} rs_leak_report;

/* False when s has no inuse_space column (not a heap profile). */
bool rs_leaks(rs_session *s, rs_leak_report *r);
void rs_leaks_free(rs_leak_report *r);
/* The frame is allocator plumbing, not an allocation site. */
bool rs_is_alloc_frame(const char *name);

#endif
