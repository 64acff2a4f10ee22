#include "json_write.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FLUSH_AT = 1 << 20 };

void rs_jw_init_buf(rs_jw *w, rs_strbuf *sb)
{
	memset(w, 0, sizeof *w);
	w->sb = sb;
}

void rs_jw_init_out(rs_jw *w, rs_output *out)
{
	memset(w, 0, sizeof *w);
	w->sb = &w->own;
	w->out = out;
}

void rs_jw_member(rs_jw *w, rs_strbuf *sb, const char *key, size_t n)
{
	rs_jw_init_buf(w, sb);
	w->need_comma = sb->len > 0;
	rs_jw_keyn(w, key, n);
}

void rs_jw_flush(rs_jw *w)
{
	if (w->out && w->sb->len) {
		rs_output_write(w->out, w->sb->buf, w->sb->len);
		rs_sb_reset(w->sb);
	}
}

void rs_jw_finish(rs_jw *w)
{
	rs_jw_flush(w);
	rs_sb_free(&w->own);
}

static void put(rs_jw *w, const char *p, size_t n)
{
	rs_strbuf *sb = w->sb;
	if (sb->len + n < sb->cap) { /* the common case, without a call */
		memcpy(sb->buf + sb->len, p, n);
		sb->len += n;
		sb->buf[sb->len] = 0;
	} else {
		rs_sb_add(sb, p, n);
	}
	if (w->out && sb->len >= FLUSH_AT)
		rs_jw_flush(w);
}

/* Before a value or key: the separating comma, unless a key was just written. */
static void sep(rs_jw *w)
{
	if (w->need_comma)
		put(w, ",", 1);
	if (w->newline_pending)
		put(w, "\n", 1);
	w->need_comma = w->newline_pending = false;
}

static void open_c(rs_jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	w->depth++;
}

static void close_c(rs_jw *w, char c)
{
	put(w, &c, 1);
	w->depth--;
	w->need_comma = true;
}

void rs_jw_obj(rs_jw *w) { open_c(w, '{'); }
void rs_jw_obj_end(rs_jw *w) { close_c(w, '}'); }
void rs_jw_arr(rs_jw *w) { open_c(w, '['); }
void rs_jw_arr_end(rs_jw *w) { close_c(w, ']'); }

static void put_escaped(rs_jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	put(w, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		char e[6] = {'\\', 0};
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			put(w, e, 6);
			continue;
		}
		put(w, e, 2);
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void rs_jw_keyn(rs_jw *w, const char *k, size_t n)
{
	sep(w);
	put_escaped(w, k, n);
	put(w, ":", 1);
}

void rs_jw_key(rs_jw *w, const char *k) { rs_jw_keyn(w, k, strlen(k)); }

static void scalar(rs_jw *w, const char *p, size_t n)
{
	sep(w);
	put(w, p, n);
	w->need_comma = true;
}

void rs_jw_str(rs_jw *w, const char *s, size_t n)
{
	sep(w);
	put_escaped(w, s, n);
	w->need_comma = true;
}

void rs_jw_cstr(rs_jw *w, const char *s) { rs_jw_str(w, s, strlen(s)); }

/* Decimal digits of v, written backwards ending at end, two at a time;
 * returns the start. (snprintf was a fifth of the time of writing a big
 * session; numbers are most of one.) */
static char *utoa_back(char *end, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	while (v >= 100) {
		unsigned k = (unsigned)(v % 100) * 2;
		v /= 100;
		*--end = pairs[k + 1];
		*--end = pairs[k];
	}
	if (v >= 10) {
		*--end = pairs[v * 2 + 1];
		*--end = pairs[v * 2];
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/* A number with its separator in one put. */
static void number(rs_jw *w, uint64_t magnitude, bool negative)
{
	char b[28], *end = b + sizeof b;
	char *p = utoa_back(end, magnitude);
	if (negative)
		*--p = '-';
	if (w->newline_pending)
		*--p = '\n';
	if (w->need_comma)
		*--p = ',';
	w->newline_pending = false;
	put(w, p, (size_t)(end - p));
	w->need_comma = true;
}

void rs_jw_int(rs_jw *w, int64_t v)
{
	/* the magnitude as unsigned: -INT64_MIN does not fit in int64_t */
	number(w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void rs_jw_uint(rs_jw *w, uint64_t v) { number(w, v, false); }

void rs_jw_double(rs_jw *w, double v)
{
	if (!isfinite(v)) {
		scalar(w, "null", 4);
		return;
	}
	char b[32];
	/* Shortest of %.15g..%.17g that reads back identically. */
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(b, sizeof b, "%.*g", prec, v);
		if (strtod(b, NULL) == v)
			break;
	}
	/* Keep it a JSON number that reads back as a double, not an integer. */
	if (!strpbrk(b, ".eEn"))
		n += snprintf(b + n, sizeof b - (size_t)n, ".0");
	scalar(w, b, (size_t)n);
}

void rs_jw_bool(rs_jw *w, bool v) { scalar(w, v ? "true" : "false", v ? 4 : 5); }
void rs_jw_null(rs_jw *w) { scalar(w, "null", 4); }
void rs_jw_raw(rs_jw *w, const char *json, size_t n) { scalar(w, json, n); }

void rs_jw_raw_members(rs_jw *w, const char *json, size_t n)
{
	if (n)
		scalar(w, json, n);
}

void rs_jw_newline(rs_jw *w)
{
	if (w->depth == 0)
		put(w, "\n", 1);
	else
		w->newline_pending = true;
}
