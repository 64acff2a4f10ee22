/* Arrays of numbers read ahead on a second thread (rs_jr_parse_columns in
 * json_read.h).
 *
 * The second thread works from the end of the file backwards: it finds the
 * last `"key":[` of the wanted keys before where it looked last, claims the
 * array at its "[" (S), reads the value from S with a yajl handle of its own
 * (numbers, or arrays of numbers, nothing else), and looks further back. It
 * stops where the first thread has got to, so the two meet wherever the
 * work splits evenly, whatever the file holds. The key is only a guess: the
 * first thread ends a read right after the "[" of each claimed array, and
 * takes the numbers only if its own parse has just opened an array there.
 * Lexing from a "[" gives the same tokens whatever came before it, so those
 * numbers are the ones the first thread would have read; if the handler
 * takes them, the first thread skips to the array's "]" and yajl sees "[]".
 *
 * The array the second thread is reading when the first gets there is
 * shared: the second stops at the end of its current chunk, the first takes
 * the elements read so far and reads on from where the next one starts
 * (yajl sees "[" then that element: the same tokens again). Whatever the
 * second thread could not read (a syntax error, a string, an object, deeper
 * arrays, an integer beyond int64), or the handler or the limits refuse,
 * the first thread reads itself, so results and errors are those of the
 * one-thread read. The second thread reads the input's descriptor with
 * pread, which leaves the offset the first thread reads and seeks from. */
#include "json_read_impl.h"

#include "limits.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	COLUMN_MIN = 16 << 10, /* a shorter array is not worth a read of its own to the first thread */
	PAD = 64,              /* bytes a `"key" : [` may span on either side of its ':' */
};

typedef enum col_state {
	COL_WORKING,
	COL_READ,   /* the whole array */
	COL_CUT,    /* its first `done` elements, the next one starting at done_at */
	COL_FAILED, /* nothing to take */
} col_state;

typedef struct jr_col {
	struct jr_col *next; /* in file order */
	uint64_t start, end; /* its "[" and one past its "]" */
	rs_jr_nums nums;
	size_t cap, rows_cap;
	bool rows; /* its elements are arrays */
	/* under mu */
	col_state state;
	bool stop;        /* the first thread is here: stop after this chunk */
	size_t done;      /* elements read whole so far ... */
	uint64_t done_at; /* ... and where the next one starts */
} jr_col;

struct jr_cols_run {
	const char *const *keys;
	int fd;
	uint64_t size, min_bytes;
	size_t cut_after; /* RUSTSCOPE_COLUMNS_CUT, for tests: stop each array after so many elements */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool cancel;
	_Atomic uint64_t first_at; /* the first thread has read, or is reading, up to here */
	jr_col *cols;              /* under mu: claimed and not passed yet, in file order */
	jr_col *spent;             /* passed by the first thread while read; freed at the end */
	bool finished;             /* under mu: the second thread looks no further */
	/* the first thread's own */
	jr_col *at; /* the claimed array its last read was to end in, right after the "[" */
	size_t offered, taken;
	uint64_t taken_bytes;
};

static void nums_free(rs_jr_nums *n)
{
	free(n->v);
	free(n->type);
	free(n->row_end);
	*n = (rs_jr_nums){0};
}

/* --- the second thread: finding arrays --- */

/* Whether the ':' at w[i] (of n bytes) is that of `"key" : [`, key one of
 * keys; *key gets the offset of its first quote, *open that of the "[". */
static bool key_colon(const char *const *keys, const unsigned char *w, size_t n, size_t i, size_t *key,
		      size_t *open)
{
	size_t j = i + 1, q = i;
	while (j < n && jr_space(w[j]))
		j++;
	while (q > 0 && jr_space(w[q - 1]))
		q--;
	if (j >= n || w[j] != '[' || q == 0 || w[--q] != '"')
		return false;
	for (const char *const *k = keys; *k; k++) {
		size_t len = strlen(*k);
		if (q > len && w[q - len - 1] == '"' && memcmp(w + q - len, *k, len) == 0) {
			*key = q - len - 1;
			*open = j;
			return true;
		}
	}
	return false;
}

/* The last `"key" : [` whose ':' is before hi, and not where the first
 * thread has read: *key_at gets its first quote, *start its "[". */
static bool find_column(jr_cols_run *run, unsigned char *w, uint64_t hi, uint64_t *key_at, uint64_t *start)
{
	while (hi > atomic_load(&run->first_at) && !atomic_load(&run->cancel)) {
		uint64_t lo = hi > JR_CHUNK ? hi - JR_CHUNK : 0, wlo = lo > PAD ? lo - PAD : 0;
		uint64_t whi = hi + PAD < run->size ? hi + PAD : run->size;
		ssize_t n = pread(run->fd, w, (size_t)(whi - wlo), (off_t)wlo);
		if (n < (ssize_t)(hi - wlo))
			return false; /* the file shrank */
		const unsigned char *from = w + (lo - wlo), *c;
		size_t k, o;
		for (size_t i = hi - wlo; (c = memrchr(from, ':', i - (lo - wlo))); i = (size_t)(c - w))
			if (key_colon(run->keys, w, (size_t)n, (size_t)(c - w), &k, &o)) {
				*key_at = wlo + k;
				*start = wlo + o;
				return true;
			}
		hi = lo;
	}
	return false;
}

/* A new array at start, unless the first thread has read that far. */
static jr_col *claim(jr_cols_run *run, uint64_t start)
{
	jr_col *c = NULL;
	pthread_mutex_lock(&run->mu);
	if (start >= atomic_load(&run->first_at)) {
		c = rs_xcalloc(1, sizeof *c);
		*c = (jr_col){.next = run->cols, .start = start, .done_at = start + 1}; /* claims go backwards */
		run->cols = c;
	}
	pthread_mutex_unlock(&run->mu);
	return c;
}

/* --- the second thread: reading one array ---
 * yajl callbacks that take numbers and null, at depth 1 (flat) or 2 (rows),
 * and refuse everything else. Each element's start is marked: the elements
 * before the last mark are whole. */

typedef struct col_reader {
	jr_cols_run *run;
	jr_col *c;
	yajl_handle y;
	uint64_t chunk_base;
	int depth;
	bool flat, rows, closed, cut;
	size_t mark;      /* elements before the last one begun ... */
	uint64_t mark_at; /* ... which starts here */
} col_reader;

/* Room for one more number in each of the arrays the column has. */
static void grow(jr_col *c)
{
	RS_GROW(c->nums.v, c->cap, c->nums.n + 1);
	if (c->nums.type)
		c->nums.type = rs_xrealloc(c->nums.type, c->cap);
}

/* An element of the array begins at byte at; false to stop there (tests). */
static bool mark(col_reader *cr, size_t elements_before, uint64_t at)
{
	cr->mark = elements_before;
	cr->mark_at = at;
	cr->cut = elements_before == cr->run->cut_after;
	return !cr->cut;
}

/* A number: i, or the bits of a double; len bytes of text just read. */
static int cr_push(col_reader *cr, rs_jv_type t, int64_t i, size_t len)
{
	rs_jr_nums *n = &cr->c->nums;
	if (cr->depth == 1 ? cr->rows : cr->depth != 2)
		return 0;
	if (cr->depth == 1 && !mark(cr, n->n, cr->chunk_base + yajl_get_bytes_consumed(cr->y) - len))
		return 0;
	cr->flat |= cr->depth == 1;
	if (n->n == cr->c->cap)
		grow(cr->c);
	n->v[n->n] = i;
	if (t != RS_JV_INT && !n->type) { /* the first number that is not an integer */
		n->type = rs_xmalloc(cr->c->cap);
		memset(n->type, RS_JV_INT, n->n);
	}
	if (n->type)
		n->type[n->n] = (uint8_t)t;
	n->n++;
	return 1;
}

static int cr_number(void *ctx, const char *s, size_t len)
{
	rs_jv v;
	jr_number(s, len, &v);
	if (v.type == RS_JV_INT)
		return !v.big && cr_push(ctx, RS_JV_INT, v.i, len);
	double d = rs_jv_double(&v);
	int64_t bits;
	memcpy(&bits, &d, sizeof bits);
	return cr_push(ctx, RS_JV_DOUBLE, bits, len);
}

static int cr_null(void *ctx) { return cr_push(ctx, RS_JV_NULL, 0, 4); }

static int cr_open(void *ctx)
{
	col_reader *cr = ctx;
	if (cr->depth > 1 || (cr->depth == 1 && cr->flat))
		return 0;
	if (cr->depth == 1 &&
	    !mark(cr, cr->c->nums.nrows, cr->chunk_base + yajl_get_bytes_consumed(cr->y) - 1))
		return 0;
	cr->rows |= cr->depth == 1;
	cr->c->rows = cr->rows;
	cr->depth++;
	return 1;
}

static int cr_close(void *ctx)
{
	col_reader *cr = ctx;
	rs_jr_nums *n = &cr->c->nums;
	if (--cr->depth) {
		RS_GROW(n->row_end, cr->c->rows_cap, n->nrows + 1);
		n->row_end[n->nrows++] = n->n;
		return 1;
	}
	cr->c->end = cr->chunk_base + yajl_get_bytes_consumed(cr->y);
	cr->closed = true;
	return 0; /* the array is read: stop there */
}

static int cr_refuse(void *ctx) { return (void)ctx, 0; }
static int cr_refuse_bool(void *ctx, int b) { return (void)ctx, (void)b, 0; }
static int cr_refuse_str(void *ctx, const unsigned char *s, size_t n) { return (void)ctx, (void)s, (void)n, 0; }

/* yajl skips the tokens of a NULL callback: every kind needs one. */
static const yajl_callbacks cr_callbacks = {
	.yajl_null = cr_null,
	.yajl_boolean = cr_refuse_bool,
	.yajl_number = cr_number,
	.yajl_string = cr_refuse_str,
	.yajl_start_map = cr_refuse,
	.yajl_map_key = cr_refuse_str,
	.yajl_end_map = cr_refuse,
	.yajl_start_array = cr_open,
	.yajl_end_array = cr_close,
};

/* After each chunk: how far the array is read, for the first thread, and
 * whether it has come and wants it now. */
static bool progress(jr_cols_run *run, col_reader *cr)
{
	pthread_mutex_lock(&run->mu);
	cr->c->done = cr->mark;
	cr->c->done_at = cr->mark_at;
	bool stop = cr->c->stop;
	pthread_mutex_unlock(&run->mu);
	return !stop;
}

static col_state read_column(jr_cols_run *run, unsigned char *buf, jr_col *c)
{
	col_reader cr = {.run = run, .c = c, .mark_at = c->start + 1};
	cr.y = yajl_alloc(&cr_callbacks, NULL, &cr);
	bool more = true, stopped = false;
	for (uint64_t pos = c->start; more && !atomic_load(&run->cancel);) {
		ssize_t got = pread(run->fd, buf, JR_CHUNK, (off_t)pos);
		if (got <= 0)
			break;
		cr.chunk_base = pos;
		pos += (uint64_t)got;
		more = yajl_parse(cr.y, buf, (size_t)got) == yajl_status_ok;
		stopped = !progress(run, &cr);
		more = more && !stopped;
	}
	yajl_free(cr.y);
	if (cr.closed)
		return c->end - c->start >= run->min_bytes ? COL_READ : COL_FAILED;
	return cr.cut || stopped ? COL_CUT : COL_FAILED;
}

/* Hands the array over: whole, in part, or not at all. */
static void settle(jr_cols_run *run, jr_col *c, col_state state)
{
	if (state == COL_FAILED)
		nums_free(&c->nums);
	pthread_mutex_lock(&run->mu);
	c->state = state;
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
}

static void *cols_main(void *arg)
{
	jr_cols_run *run = arg;
	unsigned char *buf = rs_xmalloc(JR_CHUNK + 2 * PAD);
	uint64_t hi = run->size, key_at, start;
	for (jr_col *c; find_column(run, buf, hi, &key_at, &start); hi = key_at) {
		/* An array of numbers ends before the next key: one shorter than
		 * min_bytes is left alone unread, so that a file of many small
		 * arrays costs no claims (nor their memory). */
		if (hi - start < run->min_bytes)
			continue;
		if (!(c = claim(run, start)))
			break;
		settle(run, c, read_column(run, buf, c));
	}
	free(buf);
	pthread_mutex_lock(&run->mu);
	run->finished = true;
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
	return NULL;
}

/* --- the first thread --- */

/* A file this small is read ahead only when tests ask for it; the first
 * thread then lets the second read every array first, so that each is
 * taken whatever the timing. */
static void wait_finished(jr_cols_run *run)
{
	pthread_mutex_lock(&run->mu);
	while (!run->finished)
		pthread_cond_wait(&run->cv, &run->mu);
	pthread_mutex_unlock(&run->mu);
}

void jr_cols_start(rs_jr *r, const char *const *keys)
{
	uint64_t min = jr_split_min(RS_JR_COLUMNS_MIN), size;
	if (!r->h->numbers || !jr_plain_file(r->in, min, &size))
		return;
	const char *cut = getenv("RUSTSCOPE_COLUMNS_CUT");
	jr_cols_run *run = rs_xcalloc(1, sizeof *run);
	*run = (jr_cols_run){.keys = keys, .fd = r->in->fd, .size = size,
			     .min_bytes = min < COLUMN_MIN ? min : COLUMN_MIN,
			     .cut_after = cut && *cut ? strtoull(cut, NULL, 10) : SIZE_MAX};
	pthread_mutex_init(&run->mu, NULL);
	pthread_cond_init(&run->cv, NULL);
	if (pthread_create(&run->thread, NULL, cols_main, run) == 0) {
		r->cols = run;
		if (size < RS_JR_COLUMNS_MIN)
			wait_finished(run);
		return;
	}
	pthread_cond_destroy(&run->cv);
	pthread_mutex_destroy(&run->mu);
	free(run);
}

/* Whether the first thread's parse has just opened an array at byte at. */
static bool opened_at(const rs_jr *r, uint64_t at)
{
	const jr_level *l = r->nlv ? &r->lv[r->nlv - 1] : NULL;
	return l && l->is_array && l->at == at && l->index == -1 && !r->capture_depth && !r->skip_depth;
}

/* The limits the elements would have met one by one (jr_before_value,
 * depth_check). */
static bool within_limits(const rs_jr *r, const rs_jr_nums *n)
{
	uint64_t max = rs_limits_cur.max_elements;
	if ((n->nrows ? n->nrows : n->n) > max || (n->nrows && r->nlv >= rs_limits_cur.max_depth))
		return false;
	for (size_t k = 0, from = 0; k < n->nrows; from = n->row_end[k++])
		if (n->row_end[k] - from > max)
			return false;
	return true;
}

/* Waits for c, stopping the second thread there if it is still reading it;
 * returns its state, *n the elements to take and *to where to read on. */
static col_state wait_column(jr_cols_run *run, jr_col *c, rs_jr_nums *n, uint64_t *to)
{
	pthread_mutex_lock(&run->mu);
	c->stop = true;
	while (c->state == COL_WORKING)
		pthread_cond_wait(&run->cv, &run->mu);
	col_state state = c->state;
	*n = c->nums;
	*to = state == COL_READ ? c->end - 1 : c->done_at;
	if (state == COL_CUT) { /* the first elements only */
		n->nrows = c->rows ? c->done : 0;
		n->n = c->rows ? (c->done ? c->nums.row_end[c->done - 1] : 0) : c->done;
	}
	pthread_mutex_unlock(&run->mu);
	return state;
}

/* The first thread's read has just ended right after c's "[" (at pos):
 * offers the numbers read of c if its parse opened an array there, and
 * skips what they stood for when they are taken. */
static int take(rs_jr *r, jr_cols_run *run, jr_col *c, uint64_t pos)
{
	rs_jr_nums n;
	uint64_t to;
	col_state state = wait_column(run, c, &n, &to);
	size_t count = n.nrows ? n.nrows : n.n;
	if (state == COL_FAILED || (state == COL_CUT && !count) || !opened_at(r, c->start) ||
	    !within_limits(r, &n))
		return 0;
	jr_level *l = &r->lv[r->nlv - 1];
	run->offered++;
	bool taken = r->h->numbers(r, r->ctx, l->tag, &n);
	c->nums.v = n.v; /* NULL if the handler kept it */
	nums_free(&c->nums); /* now: the session being built needs the memory */
	if (!taken)
		return 0;
	l->index = (int64_t)count - 1;
	run->taken++;
	run->taken_bytes += to - pos;
	return jr_skip_to(r, pos, to);
}

/* Arrays the first thread has read past (or that could not be read) leave
 * the list, freed unless the second thread is still reading one; the next
 * one bounds the read. */
static void bound_read(jr_cols_run *run, uint64_t pos, size_t *want)
{
	pthread_mutex_lock(&run->mu);
	jr_col *c;
	while ((c = run->cols) && (c->start < pos || c->state == COL_FAILED)) {
		run->cols = c->next;
		if (c->state == COL_WORKING) {
			c->next = run->spent;
			run->spent = c;
		} else {
			nums_free(&c->nums);
			free(c);
		}
	}
	if (c && c->start + 1 - pos <= *want) {
		*want = (size_t)(c->start + 1 - pos);
		run->at = c;
	}
	atomic_store(&run->first_at, pos + *want);
	pthread_mutex_unlock(&run->mu);
}

int jr_cols_step(rs_jr *r, size_t *want)
{
	jr_cols_run *run = r->cols;
	uint64_t pos = r->buf_base + r->buf_len;
	jr_col *c = run->at;
	run->at = NULL;
	int rc = c && c->start + 1 == pos ? take(r, run, c, pos) : 0;
	if (!rc)
		bound_read(run, r->buf_base + r->buf_len, want);
	return rc;
}

static void free_cols(jr_col *c)
{
	for (jr_col *next; c; c = next) {
		next = c->next;
		nums_free(&c->nums);
		free(c);
	}
}

void jr_cols_end(rs_jr *r)
{
	jr_cols_run *run = r->cols;
	if (!run)
		return;
	r->cols = NULL;
	atomic_store(&run->first_at, UINT64_MAX); /* claims nothing more */
	atomic_store(&run->cancel, true);
	pthread_join(run->thread, NULL);
	if (getenv("RUSTSCOPE_SPLIT_TRACE")) /* for tests */
		fprintf(stderr, "rustscope: columns read ahead: %zu taken of %zu offered (%llu bytes)\n",
			run->taken, run->offered, (unsigned long long)run->taken_bytes);
	free_cols(run->cols);
	free_cols(run->spent);
	pthread_cond_destroy(&run->cv);
	pthread_mutex_destroy(&run->mu);
	free(run);
}
