#include "json_read_impl.h"

#include "limits.h"
#include "xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static jr_level *top(rs_jr *r) { return r->nlv ? &r->lv[r->nlv - 1] : NULL; }
/* Inside a captured or skipped value: its tokens are not handed out. */
static bool passing(const rs_jr *r) { return r->capture_depth || r->skip_depth; }

const char *rs_jr_key(const rs_jr *r, size_t *len)
{
	const jr_level *l = r->nlv ? &r->lv[r->nlv - 1] : NULL;
	if (!l || l->is_array)
		return NULL;
	if (len)
		*len = l->key_len;
	return l->key;
}

int64_t rs_jr_index(const rs_jr *r)
{
	const jr_level *l = r->nlv ? &r->lv[r->nlv - 1] : NULL;
	return l && l->is_array ? l->index : -1;
}

int rs_jr_depth(const rs_jr *r) { return (int)r->nlv; }

static bool plain_key(const char *k, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

void rs_jr_path(const rs_jr *r, rs_strbuf *sb)
{
	rs_sb_addc(sb, '$');
	for (size_t i = 0; i < r->nlv; i++) {
		const jr_level *l = &r->lv[i];
		if (l->is_array) {
			if (l->index >= 0)
				rs_sb_addf(sb, "[%" PRId64 "]", l->index);
		} else if (l->key && plain_key(l->key, l->key_len)) {
			rs_sb_addf(sb, ".%.*s", (int)l->key_len, l->key);
		} else if (l->key) {
			rs_sb_addf(sb, "[\"%.*s\"]", (int)(l->key_len > 60 ? 60 : l->key_len), l->key);
		}
	}
}

int rs_jr_fail(rs_jr *r, int code, const char *fmt, ...)
{
	if (r->rc)
		return r->rc;
	rs_strbuf path = {0};
	rs_jr_path(r, &path);
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->rc = rs_fail(r->err, code, "%s: %s: %s", r->in->path, path.buf, msg);
	rs_sb_free(&path);
	return r->rc;
}

const char *rs_jv_type_name(const rs_jv *v)
{
	static const char *const names[] = {"null", "boolean", "integer", "number", "string"};
	if (v->type == RS_JV_INT && v->big)
		return "an integer beyond the 64-bit range"; /* not "expected an integer, got integer" */
	return names[v->type];
}

void rs_jv_write(rs_jw *w, const rs_jv *v)
{
	switch (v->type) {
	case RS_JV_NULL: rs_jw_null(w); break;
	case RS_JV_BOOL: rs_jw_bool(w, v->b); break;
	case RS_JV_STRING: rs_jw_str(w, v->s, v->len); break;
	default: rs_jw_raw(w, v->s, v->len); break;
	}
}

void rs_jr_keep_member(const rs_jr *r, rs_strbuf *sb, const rs_jv *v, const char *json, size_t len)
{
	size_t n = 0;
	const char *k = rs_jr_key(r, &n);
	rs_jr_keep_member_as(sb, k, n, v, json, len);
}

void rs_jr_keep_member_as(rs_strbuf *sb, const char *k, size_t n, const rs_jv *v, const char *json,
			  size_t len)
{
	rs_jw w;
	if (k && v && (v->type == RS_JV_INT || v->type == RS_JV_DOUBLE) && plain_key(k, n)) {
		if (sb->len) /* the usual "key":number, without the writer */
			rs_sb_addc(sb, ',');
		rs_sb_addc(sb, '"');
		rs_sb_add(sb, k, n);
		rs_sb_add(sb, "\":", 2);
		rs_sb_add(sb, v->s, v->len);
		return;
	}
	rs_jw_member(&w, sb, k ? k : "", n);
	if (v)
		rs_jv_write(&w, v);
	else
		rs_jw_raw(&w, json, len);
}

/* --- yajl callbacks --- */

#define J(ctx) ((rs_jr *)(ctx))

/* A handler that fails without rs_jr_fail still stops the parse cleanly. */
int jr_handler_ok(rs_jr *r, int rc)
{
	if (rc && !r->rc)
		rs_jr_fail(r, rc, "rejected by the reader");
	return rc == 0 && !r->rc;
}

/* Called before every value: advances the array index, checks limits. */
int jr_before_value(rs_jr *r)
{
	jr_level *l = top(r);
	if (!l || passing(r))
		return 0;
	if (r->second && r->nlv == 1 && jr_second_next(r))
		return -1;
	if (l->is_array) {
		l->index++;
		if ((uint64_t)l->index >= rs_limits_cur.max_elements)
			return rs_jr_fail(r, RS_EINPUT,
					  "array has more than %" PRIu64
					  " elements (limit; raise it with --max-elements)",
					  rs_limits_cur.max_elements);
	}
	return 0;
}

static int deliver(rs_jr *r, const rs_jv *v)
{
	if (jr_before_value(r))
		return 0;
	if (passing(r) || !r->h->scalar)
		return 1;
	jr_level *l = top(r);
	return jr_handler_ok(r, r->h->scalar(r, r->ctx, l ? l->tag : RS_JR_ROOT, v));
}

static int cb_null(void *ctx)
{
	if (passing(J(ctx)))
		return 1;
	rs_jv v = {.type = RS_JV_NULL};
	return deliver(J(ctx), &v);
}

static int cb_bool(void *ctx, int b)
{
	if (passing(J(ctx)))
		return 1;
	rs_jv v = {.type = RS_JV_BOOL, .b = b != 0};
	return deliver(J(ctx), &v);
}

/* [-]digits[.digits] with at most 15 significant digits and 22 after the
 * point: the digits are an integer exact in a double, 10^k is exact, and
 * one division rounds correctly, so this is the double strtod gives
 * (Clinger's fast path) at a tenth of its cost; counter values are such. */
static bool short_decimal(const char *s, size_t n, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	uint64_t m = 0;
	int digits = 0, frac = -1;
	for (size_t i = s[0] == '-'; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (s[i] == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (d > 9 || (digits += m || d) > 15 || (frac >= 0 && ++frac > 22))
			return false;
		m = m * 10 + d;
	}
	double x = (double)m / pow10[frac < 0 ? 0 : frac];
	*out = s[0] == '-' ? -x : x;
	return true;
}

double rs_jv_double(const rs_jv *v)
{
	if (v->type == RS_JV_INT)
		return v->big ? (double)v->u : (double)v->i;
	if (v->type != RS_JV_DOUBLE)
		return 0;
	double x;
	if (short_decimal(v->s, v->len, &x))
		return x;
	char buf[64]; /* strtod wants a terminated string; snprintf took as long as strtod */
	size_t n = v->len < sizeof buf ? v->len : sizeof buf - 1;
	memcpy(buf, v->s, n);
	buf[n] = 0;
	return strtod(buf, NULL);
}

/* Eight digits at s as one little-endian word, into *out; false if any is
 * not a digit. A 19-digit timestamp (a session's time column, its counter
 * points) then takes three steps instead of nineteen dependent ones. */
static bool eight_digits(const char *s, uint64_t *out)
{
	uint64_t x;
	memcpy(&x, s, sizeof x);
	if ((x & 0xF0F0F0F0F0F0F0F0u) != 0x3030303030303030u ||
	    ((x + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) != 0x3030303030303030u)
		return false;
	x -= 0x3030303030303030u;
	x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFu;   /* pairs of digits */
	x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFu; /* fours */
	*out = (x * 10000 + (x >> 32)) & 0xFFFFFFFFu;
	return true;
}

/* Decimal integers of up to 19 digits (nanosecond timestamps have 19)
 * that fit int64_t, without strtoll (a tenth of reading a trace); false
 * for anything else. */
static bool small_int(const char *s, size_t n, int64_t *out)
{
	bool neg = s[0] == '-';
	size_t i = neg;
	if (n - i == 0 || n - i > 19)
		return false;
	uint64_t x = 0, d8; /* 19 digits never overflow 64 bits */
	const bool le = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
	for (; le && n - i >= 8 && eight_digits(s + i, &d8); i += 8)
		x = x * 100000000 + d8;
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9)
			return false;
		x = x * 10 + d;
	}
	if (x > (uint64_t)INT64_MAX + neg)
		return false;
	*out = neg ? (int64_t)(0 - x) : (int64_t)x;
	return true;
}

/* jr_number for what small_int does not take: longer integers, beyond
 * int64 too, and fractions. Out of line, so that the usual case needs no
 * stack frame. */
static __attribute__((noinline)) void other_number(const char *s, size_t n, rs_jv *v)
{
	char buf[64];
	bool integral = n < sizeof buf && !memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n);
	if (integral) {
		memcpy(buf, s, n);
		buf[n] = 0;
		errno = 0;
		v->i = strtoll(buf, NULL, 10);
		v->u = (uint64_t)v->i;
		if (errno == ERANGE && buf[0] != '-') {
			errno = 0;
			v->u = strtoull(buf, NULL, 10);
			v->big = true;
		}
		integral = errno != ERANGE;
	}
	if (!integral)
		v->type = RS_JV_DOUBLE;
}

void jr_number(const char *s, size_t n, rs_jv *v)
{
	*v = (rs_jv){.type = RS_JV_INT, .s = s, .len = n};
	if (small_int(s, n, &v->i))
		v->u = (uint64_t)v->i;
	else
		other_number(s, n, v);
}

static int cb_number(void *ctx, const char *s, size_t n)
{
	rs_jr *r = J(ctx);
	if (passing(r)) /* a capture needs only the text */
		return 1;
	rs_jv v;
	jr_number(s, n, &v);
	jr_level *l = top(r);
	if (!l || !l->ints || v.type != RS_JV_INT || v.big || v.i < l->lo || v.i > l->hi)
		return deliver(r, &v);
	if (jr_before_value(r)) /* the handler's column takes it, as scalar() would */
		return 0;
	RS_GROW(l->ints->v, l->ints->cap, l->ints->n + 1);
	l->ints->v[l->ints->n++] = v.i;
	return 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
	rs_jr *r = J(ctx);
	if (n > rs_limits_cur.max_string_bytes) {
		jr_before_value(r);
		rs_jr_fail(r, RS_EINPUT, "string of %zu bytes exceeds the limit of %" PRIu64
			   " (raise it with --max-string-bytes)", n, rs_limits_cur.max_string_bytes);
		return 0;
	}
	rs_jv v = {.type = RS_JV_STRING, .s = (const char *)s, .len = n};
	return deliver(r, &v);
}

static int cb_key(void *ctx, const unsigned char *k, size_t n)
{
	rs_jr *r = J(ctx);
	if (passing(r))
		return 1;
	jr_level *l = top(r);
	if (++l->members > rs_limits_cur.max_elements)
		return rs_jr_fail(r, RS_EINPUT, "object has more than %" PRIu64 " members (limit)",
				  rs_limits_cur.max_elements), 0;
	RS_GROW(l->key, l->key_cap, n + 1);
	memcpy(l->key, k, n);
	l->key[n] = 0;
	l->key_len = n;
	return 1;
}

static int depth_check(rs_jr *r)
{
	if (r->nlv + (size_t)r->capture_depth + (size_t)r->skip_depth >= rs_limits_cur.max_depth)
		return rs_jr_fail(r, RS_EINPUT, "nesting deeper than %u levels (limit%s)",
				  rs_limits_cur.max_depth, rs_limits_cur.max_depth < RS_LIMIT_DEPTH_MAX
				  ? "; raise it with --max-depth" : ", the most --max-depth allows");
	return 0;
}

static void push(rs_jr *r, int tag, bool is_array)
{
	RS_GROW(r->lv, r->lv_cap, r->nlv + 1);
	if (r->nlv == r->lv_init)
		r->lv[r->lv_init++] = (jr_level){0};
	jr_level *l = &r->lv[r->nlv++];
	char *key = l->key; /* reuse the key buffer of an earlier level */
	size_t kc = l->key_cap;
	*l = (jr_level){.tag = tag, .is_array = is_array, .index = -1, .key = key, .key_cap = kc};
}

static int cb_open(void *ctx, bool is_array)
{
	rs_jr *r = J(ctx);
	if (jr_before_value(r) || depth_check(r))
		return 0;
	if (passing(r)) {
		r->capture_depth ? r->capture_depth++ : r->skip_depth++;
		return 1;
	}
	jr_level *l = top(r);
	int tag = RS_JR_SKIP;
	if (r->h->open && !jr_handler_ok(r, r->h->open(r, r->ctx, l ? l->tag : RS_JR_ROOT, is_array, &tag)))
		return 0;
	if (tag == RS_JR_CAPTURE) {
		/* the bracket was the last byte yajl consumed */
		r->cap_start = r->chunk_base + yajl_get_bytes_consumed(r->y) - 1;
		r->capture_depth = 1;
	} else if (tag == RS_JR_SKIP) {
		r->skip_depth = 1;
	} else {
		push(r, tag, is_array);
		l = top(r);
		if (r->cols) /* where a column read ahead may start */
			l->at = r->chunk_base + yajl_get_bytes_consumed(r->y) - 1;
		if (is_array && r->h->ints)
			l->ints = r->h->ints(r->ctx, tag, &l->lo, &l->hi);
	}
	return 1;
}

/* True when the source text of a value is already as rs_jw writes it: no
 * whitespace between tokens and no escapes in strings (numbers and
 * literals are written verbatim). Usual for machine-written files. */
static bool canonical(const unsigned char *p, size_t n)
{
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (in_str) {
			if (c == '"')
				in_str = false;
			else if (c == '\\' || c < 0x20)
				return false;
		} else if (c == '"') {
			in_str = true;
		} else if (c <= ' ') { /* whitespace: yajl also takes \v and \f, JSON does not */
			return false;
		}
	}
	return true;
}

/* yajl callbacks that write the tokens again, canonically, for captured
 * text that is not canonical already. */
#define W(ctx) ((rs_jw *)(ctx))
static int cw_null(void *ctx) { return rs_jw_null(W(ctx)), 1; }
static int cw_bool(void *ctx, int b) { return rs_jw_bool(W(ctx), b != 0), 1; }
static int cw_number(void *ctx, const char *s, size_t n) { return rs_jw_raw(W(ctx), s, n), 1; }
static int cw_string(void *ctx, const unsigned char *s, size_t n) { return rs_jw_str(W(ctx), (const char *)s, n), 1; }
static int cw_key(void *ctx, const unsigned char *s, size_t n) { return rs_jw_keyn(W(ctx), (const char *)s, n), 1; }
static int cw_open_map(void *ctx) { return rs_jw_obj(W(ctx)), 1; }
static int cw_close_map(void *ctx) { return rs_jw_obj_end(W(ctx)), 1; }
static int cw_open_array(void *ctx) { return rs_jw_arr(W(ctx)), 1; }
static int cw_close_array(void *ctx) { return rs_jw_arr_end(W(ctx)), 1; }
#undef W

static const yajl_callbacks rewrite_callbacks = {
	.yajl_null = cw_null,
	.yajl_boolean = cw_bool,
	.yajl_number = cw_number,
	.yajl_string = cw_string,
	.yajl_start_map = cw_open_map,
	.yajl_map_key = cw_key,
	.yajl_end_map = cw_close_map,
	.yajl_start_array = cw_open_array,
	.yajl_end_array = cw_close_array,
};

/* Hands the captured value, ending at the byte yajl just consumed, to the
 * handler: its source text, or that text rewritten canonically. It was
 * parsed once already, so the rewrite cannot fail. */
static int deliver_capture(rs_jr *r)
{
	uint64_t end = r->chunk_base + yajl_get_bytes_consumed(r->y);
	const unsigned char *p = r->buf + (r->cap_start - r->buf_base);
	size_t n = (size_t)(end - r->cap_start);
	if (!canonical(p, n)) {
		rs_jw w;
		rs_sb_reset(&r->cap_buf);
		rs_jw_init_buf(&w, &r->cap_buf);
		yajl_handle y = yajl_alloc(&rewrite_callbacks, NULL, &w);
		yajl_parse(y, p, n);
		yajl_complete_parse(y);
		yajl_free(y);
		p = (const unsigned char *)r->cap_buf.buf, n = r->cap_buf.len;
	}
	jr_level *l = top(r);
	return jr_handler_ok(r, r->h->raw(r, r->ctx, l ? l->tag : RS_JR_ROOT, (const char *)p, n));
}

static int cb_close(void *ctx, bool is_array)
{
	rs_jr *r = J(ctx);
	r->last_close = r->chunk_base + yajl_get_bytes_consumed(r->y);
	if (r->capture_depth) {
		if (--r->capture_depth || !r->h->raw)
			return 1;
		return deliver_capture(r);
	}
	if (r->skip_depth) {
		r->skip_depth--;
		return 1;
	}
	int tag = top(r)->tag;
	if (r->second && r->nlv == 1) /* its root array: the second thread's share ends */
		return jr_second_next(r), 0;
	r->nlv--;
	return !r->h->close || jr_handler_ok(r, r->h->close(r, r->ctx, tag, is_array));
}

static int cb_start_map(void *ctx) { return cb_open(ctx, false); }
static int cb_end_map(void *ctx) { return cb_close(ctx, false); }
static int cb_start_array(void *ctx) { return cb_open(ctx, true); }
static int cb_end_array(void *ctx) { return cb_close(ctx, true); }

const yajl_callbacks jr_callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

static int syntax_error(rs_jr *r, yajl_handle y, const unsigned char *chunk, size_t len)
{
	unsigned char *e = yajl_get_error(y, 0, chunk, len);
	size_t at = yajl_get_bytes_consumed(y);
	char msg[256];
	snprintf(msg, sizeof msg, "%s", (const char *)e);
	yajl_free_error(y, e);
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	size_t n = strlen(msg);
	while (n && msg[n - 1] == ' ')
		msg[--n] = 0;
	rs_strbuf path = {0};
	rs_jr_path(r, &path);
	r->rc = rs_fail(r->err, RS_EINPUT, "%s: invalid JSON at byte %" PRIu64 " (%s): %s", r->in->path,
			r->chunk_base + at, path.buf, msg);
	rs_sb_free(&path);
	return r->rc;
}

int jr_feed(rs_jr *r, const unsigned char *p, size_t n)
{
	yajl_handle y = r->y;
	yajl_status st = n ? yajl_parse(y, p, n) : yajl_complete_parse(y);
	if (st == yajl_status_ok)
		return 0;
	if (r->rc)
		return r->rc;
	return syntax_error(r, y, p, n);
}

/* Makes room for the next chunk, keeping only the bytes of an open capture. */
unsigned char *jr_next_chunk(rs_jr *r, size_t want)
{
	size_t keep_from = r->buf_len;
	if (r->capture_depth)
		keep_from = (size_t)(r->cap_start - r->buf_base);
	if (keep_from < r->buf_len)
		memmove(r->buf, r->buf + keep_from, r->buf_len - keep_from);
	r->buf_len -= keep_from;
	r->buf_base += keep_from;
	RS_GROW(r->buf, r->buf_cap, r->buf_len + want);
	return r->buf + r->buf_len;
}

int jr_skip_to(rs_jr *r, uint64_t from, uint64_t to)
{
	r->buf_len = 0;
	r->buf_base = to;
	return rs_input_skip(r->in, to - from, r->err);
}

uint64_t jr_split_min(uint64_t def)
{
	const char *env = getenv("RUSTSCOPE_SPLIT_MIN_BYTES");
	return env && *env ? strtoull(env, NULL, 10) : def;
}

bool jr_plain_file(const rs_input *in, uint64_t min, uint64_t *size)
{
	struct stat st;
	if (in->gzip || in->mem || in->fd <= 0 || fstat(in->fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < min)
		return false;
	*size = (uint64_t)st.st_size;
	return true;
}

void jr_release(rs_jr *r)
{
	if (r->y)
		yajl_free(r->y);
	free(r->buf);
	for (size_t i = 0; i < r->lv_init; i++)
		free(r->lv[i].key);
	free(r->lv);
	rs_sb_free(&r->cap_buf);
}

/* Either helper thread is optional: sp splits one array, keys reads columns. */
typedef struct jr_helpers {
	const rs_jr_split *sp;
	const char *const *keys;
} jr_helpers;

/* Reads and parses the next chunk, of at most want bytes; *end at the end
 * of the input. */
static int feed_next(rs_jr *r, size_t want, bool *end)
{
	unsigned char *chunk = jr_next_chunk(r, want);
	size_t got, skip = 0;
	int rc = rs_input_read(r->in, chunk, want, &got, r->err);
	if (rc || (*end = got == 0))
		return rc;
	if (r->buf_base + r->buf_len == 0 && got >= 3 && memcmp(chunk, "\xEF\xBB\xBF", 3) == 0)
		skip = 3, r->bom = true; /* UTF-8 byte order mark */
	r->chunk_base = r->buf_base + r->buf_len + skip;
	r->buf_len += got;
	return jr_feed(r, chunk + skip, got - skip);
}

/* An error at the end of the input ("premature EOF") is placed by yajl in
 * the last chunk it was given, at its first byte + 1. Where columns were
 * read ahead, reads were cut short at them; the offset is still given from
 * where reads of JR_CHUNK bytes (a plain file's) begin the last chunk, so
 * that the message is that of the one-thread read. */
static void unbounded_last_chunk(rs_jr *r)
{
	uint64_t total = r->buf_base + r->buf_len;
	r->chunk_base = total ? (total - 1) / JR_CHUNK * JR_CHUNK : 0;
	if (r->chunk_base == 0 && r->bom)
		r->chunk_base = 3;
}

static int parse(rs_input *in, const rs_jr_handler *h, void *ctx, jr_helpers hp, rs_err *err,
		 int *open_depth)
{
	rs_jr r = {.h = h, .ctx = ctx, .in = in, .err = err};
	r.y = yajl_alloc(&jr_callbacks, NULL, &r);
	if (open_depth)
		yajl_config(r.y, yajl_allow_partial_values, 1);
	if (hp.sp)
		jr_split_start(&r, hp.sp);
	if (hp.keys)
		jr_cols_start(&r, hp.keys);
	bool cut = r.cols != NULL, end = false;
	int rc = 0;
	while (!rc && !end) {
		size_t want = JR_CHUNK;
		if (r.run && (rc = jr_split_step(&r, &want)))
			break;
		if (r.cols && (rc = jr_cols_step(&r, &want)))
			break;
		rc = feed_next(&r, want, &end);
	}
	jr_split_end(&r);
	jr_cols_end(&r);
	if (cut)
		unbounded_last_chunk(&r);
	if (!rc)
		rc = jr_feed(&r, NULL, 0);
	if (open_depth)
		*open_depth = (int)r.nlv + r.capture_depth + r.skip_depth;
	jr_release(&r);
	return rc;
}

int rs_jr_parse(rs_input *in, const rs_jr_handler *h, void *ctx, rs_err *err)
{
	return parse(in, h, ctx, (jr_helpers){0}, err, NULL);
}

int rs_jr_parse_columns(rs_input *in, const rs_jr_handler *h, void *ctx, const char *const *keys,
			rs_err *err)
{
	return parse(in, h, ctx, (jr_helpers){.keys = keys}, err, NULL);
}

int rs_jr_parse_partial(rs_input *in, const rs_jr_handler *h, void *ctx, rs_err *err,
			int *open_depth)
{
	*open_depth = 0;
	return parse(in, h, ctx, (jr_helpers){0}, err, open_depth);
}

int rs_jr_parse_split(rs_input *in, const rs_jr_handler *h, void *ctx, const rs_jr_split *sp,
		      rs_err *err, int *open_depth)
{
	*open_depth = 0;
	return parse(in, h, ctx, (jr_helpers){.sp = sp}, err, open_depth);
}
