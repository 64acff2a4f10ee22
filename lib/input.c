#include "input.h"

#include "limits.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct rs_inflater rs_inflater;

/* The inflating thread (below): gzipped files of at least BG_MIN bytes. */
enum { BG_MIN = 1 << 20, BLK = 1 << 18, NBLK = 4 };
static void bg_start(rs_input *in);

rs_limits rs_limits_cur = {
	.max_input_bytes = RS_LIMIT_INPUT_DEFAULT,
	.max_elements = RS_LIMIT_ELEMENTS_DEFAULT,
	.max_depth = RS_LIMIT_DEPTH_DEFAULT,
	.max_string_bytes = RS_LIMIT_STRING_DEFAULT,
};

static int fill_raw(rs_input *in, rs_err *err)
{
	ssize_t n;
	if (in->mem) {
		n = (ssize_t)(in->mem_len - in->mem_pos < sizeof in->raw ? in->mem_len - in->mem_pos
									 : sizeof in->raw);
		memcpy(in->raw, in->mem + in->mem_pos, (size_t)n);
		in->mem_pos += (size_t)n;
	} else {
		do
			n = read(in->fd, in->raw, sizeof in->raw);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return rs_fail(err, RS_EIO, "%s: read failed: %s", in->path, strerror(errno));
	}
	in->raw_len = (size_t)n;
	in->raw_pos = 0;
	in->eof = n == 0;
	return 0;
}

static int start(rs_input *in, rs_err *err)
{
	int rc = fill_raw(in, err);
	if (rc)
		return rc;
	if (in->raw_len == 0)
		return rs_fail(err, RS_EINPUT, "%s: empty file (0 bytes), expected a profile", in->path);
	in->gzip = in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b;
	if (in->gzip && inflateInit2(&in->z, 16 + MAX_WBITS) != Z_OK)
		return rs_fail(err, RS_EIO, "%s: zlib init failed", in->path);
	return 0;
}

int rs_input_open(rs_input *in, const char *path, rs_err *err)
{
	memset(in, 0, sizeof *in);
	bool is_stdin = strcmp(path, "-") == 0;
	in->path = rs_xstrdup(is_stdin ? "<stdin>" : path);
	in->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return rs_fail(err, RS_EIO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	bool stat_ok = fstat(in->fd, &st) == 0;
	if (stat_ok && S_ISDIR(st.st_mode))
		return rs_fail(err, RS_EINPUT, "%s: is a directory, expected a profile file", path);
	int rc = start(in, err);
	/* a regular file: reading it never blocks, so the thread always stops */
	if (!rc && in->gzip && stat_ok && S_ISREG(st.st_mode) && st.st_size >= BG_MIN)
		bg_start(in);
	return rc;
}

int rs_input_open_mem(rs_input *in, const char *name, const void *p, size_t n, rs_err *err)
{
	memset(in, 0, sizeof *in);
	in->path = rs_xstrdup(name);
	in->fd = -1;
	in->mem = p ? p : (const unsigned char *)"";
	in->mem_len = n;
	return start(in, err);
}

static int inflate_some(rs_input *in, unsigned char *buf, size_t cap, size_t *got, rs_err *err)
{
	in->z.next_in = in->raw + in->raw_pos;
	in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
	in->z.next_out = buf;
	in->z.avail_out = (uInt)(cap > (1u << 30) ? (1u << 30) : cap);
	in->z_mid = true;
	int zr = inflate(&in->z, Z_NO_FLUSH);
	in->raw_pos = in->raw_len - in->z.avail_in;
	*got = (size_t)(in->z.next_out - buf);
	if (zr == Z_STREAM_END) {
		/* Concatenated gzip members read as one stream, like gzip -d. */
		in->z_mid = false;
		inflateReset(&in->z);
	} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
		return rs_fail(err, RS_EINPUT, "%s: corrupt gzip data at compressed byte %lu: %s",
			       in->path, in->z.total_in, in->z.msg ? in->z.msg : "inflate failed");
	}
	return 0;
}

/* Reads decompressed (or plain) bytes from the source, refilling raw. */
static int read_source(rs_input *in, unsigned char *buf, size_t cap, size_t *got, rs_err *err)
{
	*got = 0;
	while (*got == 0) {
		if (in->raw_pos == in->raw_len) {
			int rc = in->eof ? 0 : fill_raw(in, err);
			if (rc)
				return rc;
			if (in->raw_len == 0 || in->raw_pos == in->raw_len) {
				if (in->gzip && in->z_mid)
					return rs_fail(err, RS_EINPUT,
						       "%s: truncated gzip data (unexpected end of file)",
						       in->path);
				return 0;
			}
		}
		if (in->gzip) {
			int rc = inflate_some(in, buf, cap, got, err);
			if (rc)
				return rc;
			continue;
		}
		size_t n = in->raw_len - in->raw_pos;
		n = n < cap ? n : cap;
		memcpy(buf, in->raw + in->raw_pos, n);
		in->raw_pos += n;
		*got = n;
	}
	return 0;
}

/* --- inflating on a thread of its own ---
 *
 * The thread runs read_source into a ring of blocks and the reader copies
 * out of them, so messages come from the same code as without the thread.
 * A failed read_source keeps nothing of its output (the reader without a
 * thread drops it too), and its error ends the last block: the reader gets
 * everything before it, then the error. The thread runs at most NBLK
 * blocks ahead, so a decompression bomb is still stopped by count() in the
 * reader after max_input_bytes, with that much more memory at most. */

typedef struct bg_block {
	unsigned char *p;
	size_t len;
	bool end; /* the last block: the input ends after it, or rc failed */
	int rc;
} bg_block;

struct rs_inflater {
	rs_input *in;
	bg_block blk[NBLK]; /* block k is blk[k % NBLK] */
	size_t filled, taken; /* blocks handed over, and given back (mu) */
	size_t ready; /* the reader's copy of filled */
	size_t pos; /* the reader's position in block `taken` */
	bool quit;
	rs_err err; /* why the last block failed */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void bg_fill(rs_inflater *g, bg_block *b)
{
	size_t got = 0;
	b->len = 0;
	do {
		b->rc = read_source(g->in, b->p + b->len, BLK - b->len, &got, &g->err);
		b->len += b->rc ? 0 : got;
	} while (!b->rc && got && b->len < BLK);
	b->end = b->rc || !got;
}

static void *bg_main(void *arg)
{
	rs_inflater *g = arg;
	bool stop = false;
	for (size_t k = 0; !stop; k++) {
		bg_block *b = &g->blk[k % NBLK];
		pthread_mutex_lock(&g->mu);
		while (!g->quit && g->filled - g->taken == NBLK)
			pthread_cond_wait(&g->cv, &g->mu);
		stop = g->quit;
		pthread_mutex_unlock(&g->mu);
		if (stop)
			break;
		bg_fill(g, b);
		stop = b->end;
		pthread_mutex_lock(&g->mu);
		g->filled++;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
	return NULL;
}

static void bg_free(rs_inflater *g)
{
	for (int k = 0; k < NBLK; k++)
		free(g->blk[k].p);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
}

/* Without a thread (it could not start) the input is read as usual. */
static void bg_start(rs_input *in)
{
	rs_inflater *g = rs_xcalloc(1, sizeof *g);
	g->in = in;
	for (int k = 0; k < NBLK; k++)
		g->blk[k].p = rs_xmalloc(BLK);
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	if (pthread_create(&g->th, NULL, bg_main, g) == 0)
		in->bg = g;
	else
		bg_free(g);
}

static void bg_stop(rs_input *in)
{
	rs_inflater *g = in->bg;
	pthread_mutex_lock(&g->mu);
	g->quit = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->th, NULL);
	bg_free(g);
	in->bg = NULL;
}

/* Waits for block `taken`; the lock only when it was not seen filled yet. */
static bg_block *bg_current(rs_inflater *g)
{
	if (g->taken == g->ready) {
		pthread_mutex_lock(&g->mu);
		while (g->filled == g->taken)
			pthread_cond_wait(&g->cv, &g->mu);
		g->ready = g->filled;
		pthread_mutex_unlock(&g->mu);
	}
	return &g->blk[g->taken % NBLK];
}

/* read_source for an input with an inflating thread. */
static int bg_read(rs_input *in, unsigned char *buf, size_t cap, size_t *got, rs_err *err)
{
	rs_inflater *g = in->bg;
	*got = 0;
	for (;;) {
		bg_block *b = bg_current(g);
		if (g->pos < b->len) {
			size_t n = b->len - g->pos < cap ? b->len - g->pos : cap;
			memcpy(buf, b->p + g->pos, n);
			g->pos += n;
			*got = n;
			return 0;
		}
		if (b->end)
			return b->rc ? rs_fail(err, b->rc, "%s", g->err.msg) : 0;
		pthread_mutex_lock(&g->mu);
		g->taken++;
		g->pos = 0;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
	}
}

static int next_bytes(rs_input *in, unsigned char *buf, size_t cap, size_t *got, rs_err *err)
{
	return in->bg ? bg_read(in, buf, cap, got, err) : read_source(in, buf, cap, got, err);
}

static int count(rs_input *in, size_t n, rs_err *err)
{
	in->consumed += n;
	if (in->consumed > rs_limits_cur.max_input_bytes)
		return rs_fail(err, RS_EINPUT,
			       "%s: input is larger than the limit of %llu bytes%s (raise it with "
			       "--max-input-bytes)",
			       in->path, (unsigned long long)rs_limits_cur.max_input_bytes,
			       in->gzip ? " after decompression" : "");
	return 0;
}

int rs_input_peek(rs_input *in, const unsigned char **p, size_t *n, rs_err *err)
{
	if (!in->peek) {
		in->peek = rs_xmalloc(RS_PEEK_MAX);
		while (in->peek_len < RS_PEEK_MAX) {
			size_t got;
			int rc = next_bytes(in, in->peek + in->peek_len, RS_PEEK_MAX - in->peek_len, &got, err);
			if (rc)
				return rc;
			if (got == 0)
				break;
			in->peek_len += got;
		}
	}
	*p = in->peek;
	*n = in->peek_len;
	return 0;
}

int rs_input_read(rs_input *in, void *buf, size_t cap, size_t *got, rs_err *err)
{
	if (in->peek_pos < in->peek_len) {
		size_t n = in->peek_len - in->peek_pos;
		n = n < cap ? n : cap;
		memcpy(buf, in->peek + in->peek_pos, n);
		in->peek_pos += n;
		*got = n;
		return count(in, n, err);
	}
	int rc = next_bytes(in, buf, cap, got, err);
	return rc ? rc : count(in, *got, err);
}

int rs_input_read_all_seen(rs_input *in, unsigned char **buf, size_t *len, rs_input_seen_fn seen, void *ctx,
			   rs_err *err)
{
	size_t cap = 1 << 16, n = 0;
	unsigned char *b = rs_xmalloc(cap);
	for (;;) {
		if (cap - n < 4096)
			RS_GROW(b, cap, cap + 1);
		size_t got;
		int rc = rs_input_read(in, b + n, cap - n - 1, &got, err);
		if (rc) {
			free(b);
			return rc;
		}
		if (got == 0)
			break;
		n += got;
		if (seen)
			seen(ctx, b, n, false);
	}
	b[n] = 0;
	if (seen)
		seen(ctx, b, n, true);
	*buf = b;
	*len = n;
	return 0;
}

int rs_input_read_all(rs_input *in, unsigned char **buf, size_t *len, rs_err *err)
{
	return rs_input_read_all_seen(in, buf, len, NULL, NULL, err);
}

void rs_input_close(rs_input *in)
{
	if (in->bg)
		bg_stop(in);
	if (in->gzip)
		inflateEnd(&in->z);
	if (in->fd > 0)
		close(in->fd);
	free(in->peek);
	free(in->path);
	memset(in, 0, sizeof *in);
	in->fd = -1;
}

int rs_input_skip(rs_input *in, uint64_t n, rs_err *err)
{
	uint64_t left = n;
	if (!in->gzip && !in->mem && in->fd >= 0) { /* plain file: drop what is buffered, seek */
		size_t k = in->peek_len - in->peek_pos < left ? in->peek_len - in->peek_pos : (size_t)left;
		in->peek_pos += k, left -= k;
		k = in->raw_len - in->raw_pos < left ? in->raw_len - in->raw_pos : (size_t)left;
		in->raw_pos += k, left -= k;
		if (left && lseek(in->fd, (off_t)left, SEEK_CUR) >= 0)
			left = 0;
		int rc = count(in, (size_t)(n - left), err);
		if (rc)
			return rc;
	}
	unsigned char buf[1 << 14];
	while (left) { /* compressed, in memory or not seekable: read past */
		size_t got;
		int rc = rs_input_read(in, buf, left < sizeof buf ? (size_t)left : sizeof buf, &got, err);
		if (rc)
			return rc;
		if (!got)
			break;
		left -= got;
	}
	return 0;
}
