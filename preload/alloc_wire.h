/* The byte stream from librustscope_alloc.so (preload/) to rustscope
 * record --alloc (sampler/alloc.c), through the pipe named by the
 * RUSTSCOPE_ALLOC_PIPE variable ("FD:INODE": the write end's descriptor
 * and the pipe's inode, which the shim checks before it writes anything).
 *
 * The stream is a sequence of chunks of at most RS_AW_CHUNK bytes. Each
 * chunk is written by one write(2) on a non-blocking pipe, and a pipe
 * write of at most PIPE_BUF bytes is atomic: chunks from many threads and
 * processes never interleave, and a chunk the pipe has no room for is
 * refused whole (then counted as dropped, never half written). */
#ifndef RS_PRELOAD_ALLOC_WIRE_H
#define RS_PRELOAD_ALLOC_WIRE_H

#include <stdint.h>

#define RS_AW_MAGIC 0x31574152u /* "RAW1" little-endian */

enum {
	RS_AW_CHUNK = 4096, /* PIPE_BUF on Linux */
	RS_AW_MAX_FRAMES = 64,
};

typedef struct rs_aw_chunk {
	uint32_t magic;
	uint32_t len; /* bytes, this header included */
	int32_t pid, tid;
	uint64_t dropped; /* events this process dropped since its last chunk */
} rs_aw_chunk;

enum rs_aw_kind {
	RS_AW_ALLOC = 1,   /* a sampled block: addr, size, stack */
	RS_AW_FREE = 2,    /* a sampled block freed: addr */
	RS_AW_REALLOC = 3, /* old (a sampled block, or 0) became addr; sampled: addr is sampled, with stack */
};

/* One event; nframes return addresses follow it, innermost first. */
typedef struct rs_aw_event {
	uint8_t kind;
	uint8_t nframes;
	uint8_t sampled;
	uint8_t pad[5];
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	uint64_t addr;
	uint64_t size;
	uint64_t old;
} rs_aw_event;

#endif
