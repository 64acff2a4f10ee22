/* The reader's state, shared by json_read.c and json_split.c (which reads
 * one long array on two threads). Not for the readers' callers. */
#ifndef RS_JSON_READ_IMPL_H
#define RS_JSON_READ_IMPL_H

#include "json_read.h"

#include <yajl/yajl_parse.h>

enum { JR_CHUNK = 1 << 16 };

/* One open container the handler knows about. key/index describe the
 * member currently being read inside it. */
typedef struct jr_level {
	int tag;
	bool is_array;
	int64_t index;
	uint64_t members;
	uint64_t at; /* byte of its bracket, kept when columns are read ahead */
	rs_jr_ints *ints; /* an array's integers in lo .. hi go there (handler's ints()) */
	int64_t lo, hi;
	char *key;
	size_t key_len, key_cap;
} jr_level;

typedef struct jr_split_run jr_split_run;
typedef struct jr_cols_run jr_cols_run;

struct rs_jr {
	const rs_jr_handler *h;
	void *ctx;
	rs_input *in;
	rs_err *err;
	int rc;
	jr_level *lv;
	size_t nlv, lv_cap, lv_init;
	int capture_depth, skip_depth;
	rs_strbuf cap_buf;
	yajl_handle y;
	/* The input read so far that is still needed: buf[0] is at byte
	 * buf_base of the input. A capture is cut out of it, so buf keeps
	 * everything from the capture's first byte (cap_start) on. */
	unsigned char *buf;
	size_t buf_len, buf_cap;
	uint64_t buf_base, cap_start, chunk_base;
	uint64_t last_close; /* where the last container closed ended */
	bool bom;            /* the input began with a UTF-8 byte order mark */
	jr_split_run *run;    /* first thread: a second one reads ahead */
	jr_split_run *second; /* second thread: the run it records for */
	bool emitted;         /* second thread: the element has its record */
	jr_cols_run *cols;    /* first thread: a second one reads columns ahead */
};

extern const yajl_callbacks jr_callbacks;
int jr_feed(rs_jr *r, const unsigned char *p, size_t n);
/* A number's text as cb_number hands it out (*v, pointing at the text). */
void jr_number(const char *s, size_t n, rs_jv *v);
/* Moves the read from byte from (all read so far) on to byte to. */
int jr_skip_to(rs_jr *r, uint64_t from, uint64_t to);
/* RUSTSCOPE_SPLIT_MIN_BYTES, or def when unset. */
uint64_t jr_split_min(uint64_t def);
/* Whether a helper thread may read the input too: a plain regular file
 * of at least min bytes (*size). */
bool jr_plain_file(const rs_input *in, uint64_t min, uint64_t *size);
static inline bool jr_space(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
unsigned char *jr_next_chunk(rs_jr *r, size_t want);
int jr_before_value(rs_jr *r);
int jr_handler_ok(rs_jr *r, int rc);
void jr_release(rs_jr *r);

/* json_split.c: the first thread starts the second (or not), bounds each
 * read so that it stops where the second began, and there takes over what
 * the second read; end stops and joins the second on every path. */
void jr_split_start(rs_jr *r, const rs_jr_split *sp);
int jr_split_step(rs_jr *r, size_t *want);
void jr_split_end(rs_jr *r);
/* The second thread, at each element boundary of its root array: nonzero
 * ends its share there. */
int jr_second_next(rs_jr *r);

/* json_columns.c: the same three for columns read ahead (keys: the member
 * names whose arrays are wanted). */
void jr_cols_start(rs_jr *r, const char *const *keys);
int jr_cols_step(rs_jr *r, size_t *want);
void jr_cols_end(rs_jr *r);

#endif
