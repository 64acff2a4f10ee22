/* Buffered JSON writer with deterministic output: compact, keys in the order
 * written, integers exact, doubles in the shortest form that reads back the
 * same. Writes into a strbuf, flushing to an rs_output when one is set. */
#ifndef RS_JSON_WRITE_H
#define RS_JSON_WRITE_H

#include "output.h"
#include "strbuf.h"

#include <stdbool.h>
#include <stdint.h>

enum { RS_JW_MAXDEPTH = 1100 };

typedef struct rs_jw {
	rs_strbuf *sb;
	rs_strbuf own;
	rs_output *out;
	int depth;
	bool need_comma;
	bool newline_pending;
} rs_jw;

void rs_jw_init_buf(rs_jw *w, rs_strbuf *sb);
void rs_jw_init_out(rs_jw *w, rs_output *out);
/* Appends one more member `"key":` to sb, a fragment of object members
 * ("k":v,"k2":v2); the value is written next through w. */
void rs_jw_member(rs_jw *w, rs_strbuf *sb, const char *key, size_t n);
void rs_jw_flush(rs_jw *w); /* to out, when set */
void rs_jw_finish(rs_jw *w); /* flush and release the writer's own buffer */

void rs_jw_obj(rs_jw *w);
void rs_jw_obj_end(rs_jw *w);
void rs_jw_arr(rs_jw *w);
void rs_jw_arr_end(rs_jw *w);
void rs_jw_key(rs_jw *w, const char *k);
void rs_jw_keyn(rs_jw *w, const char *k, size_t n);
void rs_jw_str(rs_jw *w, const char *s, size_t n);
void rs_jw_cstr(rs_jw *w, const char *s);
void rs_jw_int(rs_jw *w, int64_t v);
void rs_jw_uint(rs_jw *w, uint64_t v);
void rs_jw_double(rs_jw *w, double v); /* non-finite values are written as null */
void rs_jw_bool(rs_jw *w, bool v);
void rs_jw_null(rs_jw *w);
/* A complete JSON value given as text. */
void rs_jw_raw(rs_jw *w, const char *json, size_t n);
/* Object members given as text ("k":v,"k2":v2) spliced into the open object. */
void rs_jw_raw_members(rs_jw *w, const char *json, size_t n);
/* A newline before the next member (or now, at the top level): keeps big
 * files readable line by line. */
void rs_jw_newline(rs_jw *w);

#endif
