/* Writing one output file atomically: data goes to a temporary file in the
 * same directory, renamed over the target only on commit. An aborted output
 * leaves neither a partial file nor the temporary behind, nor does a
 * SIGINT, SIGTERM or SIGHUP once rs_output_cleanup_on_signals was called.
 * "-" is stdout. An existing device, FIFO or socket is written to directly,
 * never replaced; a symbolic link is followed and the file it names is
 * replaced (in that file's directory), so the link stays. */
#ifndef RS_OUTPUT_H
#define RS_OUTPUT_H

#include "error.h"
#include "strbuf.h"

#include <stdbool.h>

typedef struct rs_output {
	char *path, *tmp;
	int fd;
	bool is_stdout;
	bool is_direct; /* an existing non-regular file, written in place */
	bool is_mem; /* everything stays in buf (rs_output_open_mem) */
	rs_strbuf buf;
	int failed; /* sticky error code of a write */
	rs_err werr;
} rs_output;

int rs_output_open(rs_output *o, const char *path, rs_err *err);
/* SIGINT, SIGTERM and SIGHUP remove the temporary files of open outputs,
 * then end the process as the signal would. */
void rs_output_cleanup_on_signals(void);
/* An output kept in memory (for archive members); name is for messages.
 * After a successful commit, take the bytes with rs_output_take. */
void rs_output_open_mem(rs_output *o, const char *name);
char *rs_output_take(rs_output *o, size_t *len);
/* Buffered; errors are sticky and reported by rs_output_commit. */
void rs_output_write(rs_output *o, const void *p, size_t n);
int rs_output_commit(rs_output *o, rs_err *err);
void rs_output_abort(rs_output *o);

#endif
