/* Streaming JSON reader over yajl: the document is never held as a tree.
 * The reader tracks the JSON path of the current value (for error messages
 * such as `$.frames[3].line`), enforces rs_limits (depth, array lengths,
 * string sizes), and can hand any subtree to the caller as canonical raw
 * JSON text (for args, extra and unknown members that are kept verbatim).
 *
 * Handlers see containers through integer tags they choose: open() is
 * called with the tag of the parent container and returns the tag of the
 * new one (or RS_JR_CAPTURE / RS_JR_SKIP). Scalars arrive in scalar() with
 * the tag of their container. Inside callbacks, rs_jr_key() / rs_jr_index()
 * tell where in the parent the value sits. */
#ifndef RS_JSON_READ_H
#define RS_JSON_READ_H

#include "error.h"
#include "input.h"
#include "json_write.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef enum rs_jv_type { RS_JV_NULL, RS_JV_BOOL, RS_JV_INT, RS_JV_DOUBLE, RS_JV_STRING } rs_jv_type;

/* Numbers keep their source text; integers are also parsed, doubles only
 * on demand (rs_jv_double): most are timestamps read exactly from text. */
typedef struct rs_jv {
	rs_jv_type type;
	bool b;
	int64_t i;     /* RS_JV_INT */
	uint64_t u;    /* RS_JV_INT when non-negative (valid even if big) */
	bool big;      /* RS_JV_INT above INT64_MAX: only u is exact */
	const char *s; /* RS_JV_STRING: the string; numbers: their source text */
	size_t len;
} rs_jv;

enum { RS_JR_ROOT = 0, RS_JR_SKIP = -1, RS_JR_CAPTURE = -2 };

typedef struct rs_jr rs_jr;

/* The numbers of one array read whole by rs_jr_parse_columns' second
 * thread: an array of numbers (nrows 0), or of nrows arrays of numbers
 * (row k holds numbers row_end[k-1] .. row_end[k]-1, row_end[-1] being 0).
 * Number k has type type[k] (RS_JV_INT, RS_JV_DOUBLE or RS_JV_NULL), all
 * RS_JV_INT when type is NULL; v[k] is the integer, or the bits of the
 * double (rs_jr_nums_double). Integers beyond int64 are never in them. */
typedef struct rs_jr_nums {
	size_t n, nrows;
	int64_t *v;
	uint8_t *type;
	size_t *row_end;
} rs_jr_nums;

/* Number k, an integer or a double, as a double (as rs_jv_double). */
static inline double rs_jr_nums_double(const rs_jr_nums *n, size_t k)
{
	double d;
	if (!n->type || n->type[k] == RS_JV_INT)
		return (double)n->v[k];
	memcpy(&d, &n->v[k], sizeof d);
	return d;
}

/* A column of integers, grown with RS_GROW. */
typedef struct rs_jr_ints {
	int64_t *v;
	size_t n, cap;
} rs_jr_ints;

typedef struct rs_jr_handler {
	int (*open)(rs_jr *r, void *ctx, int parent_tag, bool is_array, int *new_tag);
	int (*close)(rs_jr *r, void *ctx, int tag, bool is_array);
	int (*scalar)(rs_jr *r, void *ctx, int tag, const rs_jv *v);
	/* A captured subtree, complete, at the position it was opened. */
	int (*raw)(rs_jr *r, void *ctx, int parent_tag, const char *json, size_t len);
	/* Optional, for rs_jr_parse_columns: the elements the second thread
	 * read of the array tag, just opened: all of them, or the first ones
	 * when the first thread caught up with it (the rest then come one by
	 * one). True when taken: they are not handed out again. The handler
	 * must take them only when each would have been accepted one by one,
	 * to the same effect, so that errors keep their message and path. It
	 * may keep n->v (setting it to NULL; it is then the handler's to free). */
	bool (*numbers)(rs_jr *r, void *ctx, int tag, rs_jr_nums *n);
	/* Optional: for an array of tag just opened, the column scalar() would
	 * append each of its integers in *lo .. *hi to, unchanged, or NULL. The
	 * reader appends those itself (the calls per value were a third of
	 * reading a long column); other values still go to scalar(). */
	rs_jr_ints *(*ints)(void *ctx, int tag, int64_t *lo, int64_t *hi);
} rs_jr_handler;

/* Parses the whole input. On error, err says file, byte offset or JSON
 * path, and what was expected; the code is RS_EINPUT for bad input. */
int rs_jr_parse(rs_input *in, const rs_jr_handler *h, void *ctx, rs_err *err);
/* The same, but input that ends inside the document is accepted (formats
 * such as Chrome's trace array may lack their closing brackets): *open_depth
 * gets the number of containers still open at the end (0 = complete). */
int rs_jr_parse_partial(rs_input *in, const rs_jr_handler *h, void *ctx, rs_err *err,
			int *open_depth);

/* Reading one long array on two threads (a trace's events). When the
 * input is a plain file of at least RS_JR_SPLIT_MIN bytes (or as set by the
 * environment variable RUSTSCOPE_SPLIT_MIN_BYTES), a second thread parses
 * the array's tail with its own handler h/ctx, which sees the array as its
 * root and must not touch state the first thread uses. For every element it
 * calls rs_jr_emit() once, from the element's close() or raw(), with a
 * record of the element; an element without one ends the second thread's
 * share there. The first thread reads on to where the second began, checks
 * that both agree on where an element ends, then hands each record in order
 * to replay() as if that element had just been read (same JSON path, same
 * limits), and reads on after the last one. Results and errors are those of
 * the one-thread parse. RUSTSCOPE_SPLIT_TRACE=1 tells on stderr where the
 * split was made and whether it was taken (for tests). */
enum { RS_JR_SPLIT_MIN = 16 << 20 };
typedef struct rs_jr_split {
	int tag; /* the array, as open() tags it */
	const rs_jr_handler *h;
	void *ctx;
	int (*replay)(rs_jr *r, void *ctx, const void *rec, size_t len);
	unsigned first_share_pct; /* where the second thread starts, in % of the file */
} rs_jr_split;

/* rs_jr_parse_partial, with the array split as above when it pays. */
int rs_jr_parse_split(rs_input *in, const rs_jr_handler *h, void *ctx, const rs_jr_split *sp,
		      rs_err *err, int *open_depth);
/* The second thread's record of the element that has just been read. */
void rs_jr_emit(rs_jr *r, const void *rec, size_t len);

/* Big arrays of numbers read on a second thread (lib/json_columns.c). When
 * the input is a plain file of at least RS_JR_COLUMNS_MIN bytes (or
 * RUSTSCOPE_SPLIT_MIN_BYTES), a second thread looks for the arrays that are
 * the values of the given member names ("key":[, NULL-terminated list),
 * from the end of the file backwards, and reads each if it holds only
 * numbers (or only arrays of numbers), until it meets the first thread.
 * When the first thread's own read opens an array at the same byte, the
 * numbers go to the handler's numbers(); if it takes them, the first thread
 * skips their text. Results and errors are those of rs_jr_parse. For tests:
 * RUSTSCOPE_SPLIT_TRACE=1 tells on stderr how many arrays were taken, and
 * RUSTSCOPE_COLUMNS_CUT=K has the second thread stop each array after K
 * elements, as if the first had caught up there. */
enum { RS_JR_COLUMNS_MIN = 1 << 20 };
int rs_jr_parse_columns(rs_input *in, const rs_jr_handler *h, void *ctx, const char *const *keys,
			rs_err *err);

/* Inside callbacks: the member name of the current value (NULL inside an
 * array), its array index (-1 inside an object), and the nesting depth. */
const char *rs_jr_key(const rs_jr *r, size_t *len);
/* Inline so that strlen of the literal k folds away: readers test keys in
 * chains, once per value. */
static inline bool rs_jr_key_is(const rs_jr *r, const char *k)
{
	size_t n;
	const char *key = rs_jr_key(r, &n);
	return key && strlen(k) == n && memcmp(key, k, n) == 0;
}
int64_t rs_jr_index(const rs_jr *r);
int rs_jr_depth(const rs_jr *r);
/* Fails the parse with a message prefixed by the current JSON path. */
int rs_jr_fail(rs_jr *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The JSON path of the current value, e.g. "$.samples.values[0][12]". */
void rs_jr_path(const rs_jr *r, rs_strbuf *sb);
/* Appends the current member, "key":value, to sb (a fragment of members,
 * as kept for unknown members); v a scalar, else json/len a captured value. */
void rs_jr_keep_member(const rs_jr *r, rs_strbuf *sb, const rs_jv *v, const char *json, size_t len);
/* The same under the key k (n bytes). */
void rs_jr_keep_member_as(rs_strbuf *sb, const char *k, size_t n, const rs_jv *v, const char *json,
			  size_t len);
/* Writes a scalar as JSON (numbers verbatim from the source text). */
void rs_jv_write(rs_jw *w, const rs_jv *v);
/* The value of a number (0 for other types). */
double rs_jv_double(const rs_jv *v);
/* "integer", "string", ... for messages. */
const char *rs_jv_type_name(const rs_jv *v);

#endif
