/* Reading one input file (or stdin for "-"), transparently gunzipped when
 * its content starts with the gzip magic, with the decompressed size bounded
 * by rs_limits_cur.max_input_bytes. Errors name the file. A big gzipped
 * regular file is inflated on a thread of its own, a few blocks ahead of
 * the reader, so that decompressing overlaps with parsing; rs_input_close
 * stops and joins it. */
#ifndef RS_INPUT_H
#define RS_INPUT_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

enum { RS_PEEK_MAX = 64 * 1024 };

typedef struct rs_input {
	char *path; /* as given; "<stdin>" for "-" */
	int fd;
	bool gzip;
	bool eof;   /* raw input exhausted */
	bool z_mid; /* inside a gzip member (its end not yet seen) */
	z_stream z;
	const unsigned char *mem; /* memory input instead of fd */
	size_t mem_len, mem_pos;
	unsigned char raw[64 * 1024];
	size_t raw_len, raw_pos;
	unsigned char *peek; /* decompressed bytes read ahead for sniffing */
	size_t peek_len, peek_pos;
	uint64_t consumed; /* decompressed bytes handed out so far */
	struct rs_inflater *bg; /* the inflating thread, NULL when there is none */
} rs_input;

/* Opens path; refuses directories and empty files with RS_EINPUT. */
int rs_input_open(rs_input *in, const char *path, rs_err *err);
/* Opens an in-memory buffer (not copied; must outlive the input). */
int rs_input_open_mem(rs_input *in, const char *name, const void *p, size_t n, rs_err *err);
/* The first up to RS_PEEK_MAX decompressed bytes, without consuming them. */
int rs_input_peek(rs_input *in, const unsigned char **p, size_t *n, rs_err *err);
/* Reads up to cap decompressed bytes; *got == 0 means end of input. */
int rs_input_read(rs_input *in, void *buf, size_t cap, size_t *got, rs_err *err);
/* Consumes n bytes without handing them out (seeks when it can). */
int rs_input_skip(rs_input *in, uint64_t n, rs_err *err);
/* Reads everything left into a malloc'd buffer (NUL-terminated). */
int rs_input_read_all(rs_input *in, unsigned char **buf, size_t *len, rs_err *err);
/* The same, calling seen with all bytes read so far after each read (done
 * false) and once at the end (done true), e.g. to check them as they come. */
typedef void (*rs_input_seen_fn)(void *ctx, const unsigned char *b, size_t n, bool done);
int rs_input_read_all_seen(rs_input *in, unsigned char **buf, size_t *len, rs_input_seen_fn seen, void *ctx,
			   rs_err *err);
void rs_input_close(rs_input *in);

#endif
