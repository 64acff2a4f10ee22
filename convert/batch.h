/* rustscope convert --batch: many profiles from a directory or an archive
 * into a directory or an archive, in parallel, bad files reported and
 * skipped. batch_io.c reads inputs and writes outputs (with the path safety
 * rules); batch.c schedules the work and reports. */
#ifndef RS_BATCH_H
#define RS_BATCH_H

#include "cli.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rs_batch_opts {
	const char *in, *out, *report;
	const rs_format *to;
	int jobs;
	bool force, quiet;
} rs_batch_opts;

int rs_batch_run(const rs_batch_opts *o, rs_err *err); /* 0, RS_EBATCH, or an error */

/* --- batch_io.c --- */

typedef enum rs_batch_status { RS_B_PENDING, RS_B_OK, RS_B_SKIPPED, RS_B_FAILED, RS_B_REFUSED } rs_batch_status;

typedef struct rs_batch_item {
	char *rel;               /* path inside IN */
	char *fs_path;           /* directory input: the file to read */
	unsigned char *data;     /* archive input: the entry's bytes */
	size_t len;
	char *out_rel;           /* path inside OUT */
	rs_batch_status status;
	const char *format;      /* detected input format */
	char error[1024];
	char *out_data;          /* archive output: the converted bytes */
	size_t out_len;
	uint64_t bytes_in, bytes_out;
} rs_batch_item;

typedef struct rs_batch_source rs_batch_source;
typedef struct rs_batch_sink rs_batch_sink;

/* Opens IN (a directory, or an archive of any kind libarchive reads). */
int rs_batch_source_open(rs_batch_source **src, const char *in, rs_err *err);
/* Next item in a deterministic order; *more = false at the end. Refused
 * entries (absolute paths, "..", links) come back with status REFUSED. */
int rs_batch_source_next(rs_batch_source *src, rs_batch_item *it, bool *more, rs_err *err);
/* How much of IN has been read, 0..1 (items for directories, compressed
 * bytes for archives), for progress and ETA. */
double rs_batch_source_fraction(const rs_batch_source *src);
void rs_batch_source_close(rs_batch_source *src);

/* path is an archive when its name ends in .tar, .tar.gz, .tgz, .tar.zst,
 * .tar.xz or .zip, else a directory. */
int rs_batch_sink_open(rs_batch_sink **out, const char *path, bool force, rs_err *err);
bool rs_batch_sink_is_archive(const rs_batch_sink *dst);
/* Directory sink: the final path of rel, with its directories made (none
 * through a symbolic link); fails when it exists and force is off, else
 * claims it with an empty file (exclusive create) for the caller to
 * replace, or to remove when its conversion fails. */
int rs_batch_sink_path(rs_batch_sink *dst, const char *rel, char **path, rs_err *err);
/* Archive sink: appends a member. */
int rs_batch_sink_add(rs_batch_sink *dst, const char *rel, const char *data, size_t len, rs_err *err);
/* Finishes (an archive is renamed into place); abort leaves nothing. */
int rs_batch_sink_close(rs_batch_sink *dst, bool ok, rs_err *err);

/* The output name of an input: its profile suffix replaced by to's. */
char *rs_batch_out_name(const char *rel, const rs_format *to);
void rs_batch_item_free(rs_batch_item *it);

#endif
