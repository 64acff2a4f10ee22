/* record --alloc (record_alloc.c): the pipe, the command's environment
 * and the reader thread around sampler/alloc.c. */
#ifndef RS_CONVERT_RECORD_ALLOC_H
#define RS_CONVERT_RECORD_ALLOC_H

#include "../sampler/alloc.h"
#include "record.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct record_alloc {
	rs_alloc state; /* the reader thread's until rs_record_alloc_stop */
	int rfd, wfd;
	int rkeep; /* a read end for the command: see rs_record_alloc_open */
	int pipe_bytes; /* the pipe's capacity */
	char **envp; /* the command's environment */
	char *own[4];
	pthread_t thread;
	bool running;
	atomic_bool stop;
} record_alloc;

/* Finds the shim, makes the pipe and the command's environment. */
int rs_record_alloc_open(record_alloc *ra, const record_opts *o, rs_err *err);
/* The command has been forked: the write end (and the spare read end) are its alone. */
void rs_record_alloc_spawned(record_alloc *ra);
/* Starts reading; counter buckets start at mono0 (CLOCK_MONOTONIC). */
int rs_record_alloc_start(record_alloc *ra, const record_opts *o, int64_t mono0, rs_err *err);
/* Reads what is left in the pipe and stops the reader. */
void rs_record_alloc_stop(record_alloc *ra);
void rs_record_alloc_close(record_alloc *ra);
/* The members extra.record gets (",\"alloc\":{...}"). */
void rs_record_alloc_extra(const record_alloc *ra, const record_opts *o, char *buf, size_t n);

#endif
