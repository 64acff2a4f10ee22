/* Folded ("collapsed") stacks → ProfileSession (docs/collapsed.md): the
 * text flamegraph.pl, inferno and speedscope read, one line per stack,
 * frames root first separated by ';', then whitespace and a count:
 *
 *     main;parse;read_[k] 12
 *
 *   - Annotations `_[k]` `_[j]` `_[i]` become the frame kind kernel / jit and
 *     the inline flag; `rustscope[crate][module]::name` (our own naming) the
 *     crate and module; other Rust paths get theirs from lib/rustname.
 *   - Two counts per line (difference files) give two sample types,
 *     "before" and "after". Fractional counts are scaled to integers by
 *     10^d (d = most fraction digits of the column, at most 9) and the unit
 *     says so: "count*1e-3".
 *   - Blank lines and lines starting with '#' are skipped; so are lines
 *     with neither a count nor a ';' (flamegraph.pl ignores such garbage,
 *     with a warning, and so do we). A line with frames but no count is an
 *     error naming its line number.
 *   - UTF-16 (with BOM) is converted to UTF-8; CRLF line ends are fine.
 *   - A file written by exporters/collapsed.c ends with the comment line
 *     "# rustscope:v1 names=... {session JSON}"; when the file is exactly
 *     what that session exports to, the session is restored from it. */
#include "../lib/checked.h"
#include "../lib/limits.h"
#include "../lib/rustname.h"
#include "../lib/sniff.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "../exporters/exporters.h"
#include "importers.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#define CO_OWN_PREFIX "# rustscope:v1 "
enum { MAX_FRAC = 9 };

typedef struct count {
	const char *p;
	size_t n;   /* the count's text */
	size_t fd;  /* fraction digits */
} count;

typedef struct line {
	const char *p;
	size_t n;
} line;

typedef struct co {
	rs_session *s;
	const char *path;
	char *text;
	size_t len;
	bool diff;
	size_t frac[2];
	size_t skipped, first_skipped;
	int32_t *frame_of; /* rs_str of a frame's text → frame index + 1 */
	size_t frame_of_cap;
	uint32_t *path_buf;
	size_t path_cap;
	rs_rustname rn;
	const char *own; /* the rustscope comment, when there is one */
	size_t own_len;
} co;

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* A count `\d+(\.\d*)?` at the end of l, preceded by whitespace; shrinks l
 * to what is before the whitespace. */
static bool take_count(line *l, count *c)
{
	size_t e = l->n, i = e, dots = 0;
	while (i > 0 && (is_digit(l->p[i - 1]) || l->p[i - 1] == '.')) {
		dots += l->p[i - 1] == '.';
		i--;
	}
	if (i == e || dots > 1 || !is_digit(l->p[i]) || i == 0 || !is_space(l->p[i - 1]))
		return false;
	c->p = l->p + i;
	c->n = e - i;
	const char *dot = memchr(c->p, '.', c->n);
	c->fd = dot ? (size_t)(c->p + c->n - dot - 1) : 0;
	while (i > 0 && is_space(l->p[i - 1]))
		i--;
	if (i == 0)
		return false;
	l->n = i;
	return true;
}

/* The count scaled by 10^frac, saturating; digits past frac are dropped. */
static int64_t count_value(const count *c, size_t frac)
{
	int64_t v = 0;
	size_t i = 0, fd = 0;
	for (; i < c->n && c->p[i] != '.'; i++)
		v = rs_add_sat(rs_mul_sat(v, 10), c->p[i] - '0');
	for (i++; i < c->n && fd < frac; i++, fd++)
		v = rs_add_sat(rs_mul_sat(v, 10), c->p[i] - '0');
	for (; fd < frac; fd++)
		v = rs_mul_sat(v, 10);
	return v;
}

int rs_sniff_collapsed(const unsigned char *p, size_t n)
{
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return 40; /* UTF-16 text: only folded stacks come that way here */
	if (rs_sniff_has(p, n, "\n" CO_OWN_PREFIX) ||
	    (n > strlen(CO_OWN_PREFIX) && !memcmp(p, CO_OWN_PREFIX, strlen(CO_OWN_PREFIX))))
		return 90; /* written by exporters/collapsed.c */
	size_t good = 0, bad = 0, i = 0;
	while (i < n && good + bad < 20) {
		const unsigned char *e = memchr(p + i, '\n', n - i);
		size_t len = e ? (size_t)(e - (p + i)) : n - i;
		if (!e && good + bad > 0)
			break; /* a line cut off by the peek window proves nothing */
		line l = {(const char *)p + i, len};
		while (l.n && (l.p[l.n - 1] == '\r' || is_space(l.p[l.n - 1])))
			l.n--;
		count c;
		if (l.n && l.p[0] != '#') {
			if (memchr(l.p, 0, l.n) || !take_count(&l, &c))
				bad++;
			else
				good++;
		}
		i += len + 1;
	}
	return good && good >= 2 * bad ? (bad ? 30 : 50) : 0;
}

/* --- encoding --- */

static int from_utf16(co *x, rs_err *err)
{
	bool le = (unsigned char)x->text[0] == 0xff;
	iconv_t cd = iconv_open("UTF-8", le ? "UTF-16LE" : "UTF-16BE");
	if (cd == (iconv_t)-1)
		return rs_fail(err, RS_EIO, "%s: cannot convert UTF-16: %s", x->path, strerror(errno));
	size_t cap = (x->len - 2) / 2 * 3 + 16;
	char *out = rs_xmalloc(cap), *in = x->text + 2, *o = out;
	size_t inleft = x->len - 2, outleft = cap - 1;
	size_t r = iconv(cd, &in, &inleft, &o, &outleft);
	iconv_close(cd);
	if (r == (size_t)-1) {
		size_t off = (size_t)(in - x->text);
		free(out);
		return rs_fail(err, RS_EINPUT, "%s: byte offset %zu: invalid UTF-16%s", x->path, off,
			       le ? "LE" : "BE");
	}
	*o = 0;
	free(x->text);
	x->text = out;
	x->len = (size_t)(o - out);
	return 0;
}

/* --- lines --- */

static bool next_line(const co *x, size_t *pos, line *l)
{
	if (*pos >= x->len)
		return false;
	const char *b = x->text + *pos, *e = memchr(b, '\n', x->len - *pos);
	size_t n = e ? (size_t)(e - b) : x->len - *pos;
	*pos += n + 1;
	while (n && (b[n - 1] == '\r' || is_space(b[n - 1])))
		n--;
	*l = (line){b, n};
	return true;
}

/* The stack and counts of a data line; 0 = skip, 1 = data, or an error. */
static int parse_line(co *x, line *l, size_t lineno, count *c, bool first, rs_err *err)
{
	if (l->n == 0 || l->p[0] == '#')
		return 0;
	if (l->n > rs_limits_cur.max_string_bytes)
		return rs_fail(err, RS_EINPUT, "%s: line %zu: longer than --max-string-bytes (%llu)", x->path,
			       lineno, (unsigned long long)rs_limits_cur.max_string_bytes);
	line whole = *l;
	if (take_count(l, &c[1])) {
		line before = *l;
		bool two = take_count(l, &c[0]);
		if (first)
			x->diff = two;
		if (!x->diff || !two) {
			*l = before;
			c[0] = c[1];
			if (x->diff)
				return rs_fail(err, RS_EINPUT, "%s: line %zu: expected two counts (a difference file: the first stack line has two)",
					       x->path, lineno);
		}
		return 1;
	}
	if (memchr(whole.p, ';', whole.n))
		return rs_fail(err, RS_EINPUT, "%s: line %zu: expected a count at the end of the line (\"frame;frame;... count\")",
			       x->path, lineno);
	if (!x->skipped++)
		x->first_skipped = lineno;
	return 0;
}

/* Pass 1: difference file or not, fraction digits of each column. */
static int scan(co *x, rs_err *err)
{
	size_t pos = 0, lineno = 0, ndata = 0;
	line l;
	count c[2];
	while (next_line(x, &pos, &l)) {
		lineno++;
		if (l.n > strlen(CO_OWN_PREFIX) && !memcmp(l.p, CO_OWN_PREFIX, strlen(CO_OWN_PREFIX))) {
			x->own = l.p;
			x->own_len = l.n;
		}
		int rc = parse_line(x, &l, lineno, c, ndata == 0, err);
		if (rc < 0 || rc > 1)
			return rc;
		if (rc == 0)
			continue;
		ndata++;
		for (int k = 0; k < 2; k++)
			if (c[k].fd > x->frac[k])
				x->frac[k] = c[k].fd > MAX_FRAC ? MAX_FRAC : c[k].fd;
	}
	if (!ndata && !x->own)
		return rs_fail(err, RS_EINPUT, "%s: expected at least one line \"frame;frame;... count\" (found none in %zu lines)",
			       x->path, lineno);
	if (x->skipped)
		rs_warn("%s: ignored %zu lines that are not \"stack count\" (the first is line %zu)", x->path,
			x->skipped, x->first_skipped);
	return 0;
}

/* --- frames --- */

static bool ends_with(const char *p, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && memcmp(p + n - k, suf, k) == 0;
}

/* `rustscope[crate][module]::name` → its parts; false when not that form. */
static bool own_name(co *x, const char *p, size_t n, rs_frame *f)
{
	if (n < 14 || memcmp(p, "rustscope[", 10))
		return false;
	const char *c = p + 10, *ce = memchr(c, ']', n - 10);
	if (!ce || ce + 1 >= p + n || ce[1] != '[')
		return false;
	const char *m = ce + 2, *me = memchr(m, ']', (size_t)(p + n - m));
	if (!me || p + n - me < 3 || me[1] != ':' || me[2] != ':')
		return false;
	f->crate = rs_intern(x->s, c, (size_t)(ce - c));
	f->module = rs_intern(x->s, m, (size_t)(me - m));
	f->name = rs_intern(x->s, me + 3, (size_t)(p + n - me - 3));
	f->kind = RS_KIND_RUST;
	return true;
}

static uint32_t new_frame(co *x, const char *p, size_t n)
{
	rs_frame f;
	rs_frame_init(&f);
	static const struct { const char *suf; uint8_t kind; bool inl; } ann[] = {
		{"_[k]", RS_KIND_KERNEL, false}, {"_[j]", RS_KIND_JIT, false}, {"_[i]", RS_KIND_UNKNOWN, true}};
	bool annotated = false;
	for (size_t i = 0; i < 3 && !annotated; i++)
		if (ends_with(p, n, ann[i].suf) && n > 4) {
			n -= 4;
			f.kind = ann[i].kind;
			f.is_inline = ann[i].inl;
			annotated = true;
		}
	if (!own_name(x, p, n, &f)) {
		f.name = rs_intern(x->s, p, n);
		if (!annotated && rs_rust_name(&x->rn, rs_s(x->s, f.name), false) && !x->rn.was_mangled) {
			f.kind = RS_KIND_RUST;
			f.crate = rs_intern_cstr(x->s, x->rn.crate);
			f.module = rs_intern_cstr(x->s, x->rn.module);
		}
	}
	return (uint32_t)rs_frame_add(x->s, &f);
}

static uint32_t frame_for(co *x, const char *p, size_t n)
{
	rs_str key = rs_intern(x->s, p, n);
	if (key >= x->frame_of_cap) {
		size_t old = x->frame_of_cap;
		RS_GROW(x->frame_of, x->frame_of_cap, (size_t)key + 1);
		memset(x->frame_of + old, 0, (x->frame_of_cap - old) * sizeof *x->frame_of);
	}
	if (!x->frame_of[key])
		x->frame_of[key] = (int32_t)new_frame(x, p, n) + 1;
	return (uint32_t)x->frame_of[key] - 1;
}

static int add_sample(co *x, const line *l, const count *c, size_t lineno, rs_err *err)
{
	size_t depth = 0;
	for (size_t i = 0; i <= l->n;) {
		const char *e = memchr(l->p + i, ';', l->n - i);
		size_t n = e ? (size_t)(e - (l->p + i)) : l->n - i;
		if (depth >= rs_limits_cur.max_depth)
			return rs_fail(err, RS_EINPUT, "%s: line %zu: more than --max-depth (%u) frames", x->path,
				       lineno, rs_limits_cur.max_depth);
		RS_GROW(x->path_buf, x->path_cap, depth + 1);
		x->path_buf[depth++] = frame_for(x, l->p + i, n);
		i += n + 1;
	}
	int64_t v[2] = {count_value(&c[0], x->frac[0]), count_value(&c[1], x->frac[1])};
	rs_sample_add(x->s, rs_stack_path(x->s, x->path_buf, depth), v, -1, RS_NO_TIME, NULL, 0);
	return 0;
}

static void sample_types(co *x)
{
	const char *names[2] = {x->diff ? "before" : "samples", "after"};
	for (int k = 0; k < (x->diff ? 2 : 1); k++) {
		char unit[32] = "count";
		if (x->frac[k])
			snprintf(unit, sizeof unit, "count*1e-%zu", x->frac[k]);
		rs_sample_type_add(x->s, names[k], unit);
	}
}

/* Pass 2: the samples. */
static int build(co *x, rs_err *err)
{
	sample_types(x);
	size_t pos = 0, lineno = 0;
	line l;
	count c[2];
	bool first = true;
	while (next_line(x, &pos, &l)) {
		lineno++;
		int rc = parse_line(x, &l, lineno, c, first, err);
		if (rc == 1) {
			first = false;
			rc = add_sample(x, &l, c, lineno, err);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* --- the embedded session --- */

static int use_own(co *x, rs_err *err)
{
	const char *p = x->own + strlen(CO_OWN_PREFIX), *end = x->own + x->own_len;
	bool own_names = (size_t)(end - p) > 16 && !memcmp(p, "names=rustscope ", 16);
	const char *json = memchr(p, '{', (size_t)(end - p));
	if (!json)
		return 0;
	rs_session *own = NULL;
	char name[512];
	snprintf(name, sizeof name, "%s (rustscope comment)", x->path);
	if (rs_import_opts_cur.ignore_embedded)
		return 0;
	int rc = rs_embedded_read(name, json, (size_t)(end - json), &own, err);
	if (!rc) {
		rs_output out;
		rs_output_open_mem(&out, name);
		rc = rs_export_collapsed_names(own, &out, own_names, err);
		size_t n = 0;
		char *bytes = rc ? NULL : (rs_output_commit(&out, err), rs_output_take(&out, &n));
		if (rc)
			rs_output_abort(&out);
		if (!rc && n == x->len && memcmp(bytes, x->text, n) == 0)
			rs_session_swap(x->s, own);
		else if (!rc)
			rs_warn("%s: the rustscope comment does not match the stacks (edited?); importing the stacks alone",
				x->path);
		free(bytes);
	}
	rs_session_free(own);
	return rc;
}

int rs_import_collapsed(rs_input *in, rs_session *s, rs_err *err)
{
	co x = {.s = s, .path = in->path};
	unsigned char *buf;
	int rc = rs_input_read_all(in, &buf, &x.len, err);
	if (rc)
		return rc;
	x.text = (char *)buf;
	if (x.len >= 2 && ((buf[0] == 0xff && buf[1] == 0xfe) || (buf[0] == 0xfe && buf[1] == 0xff)))
		rc = from_utf16(&x, err);
	if (!rc && x.len >= 3 && !memcmp(x.text, "\xef\xbb\xbf", 3)) {
		memmove(x.text, x.text + 3, x.len - 3);
		x.len -= 3;
	}
	if (!rc && memchr(x.text, 0, x.len))
		rc = rs_fail(err, RS_EINPUT, "%s: byte offset %zu: NUL byte in a text file", x.path,
			     (size_t)((char *)memchr(x.text, 0, x.len) - x.text));
	if (!rc)
		rc = scan(&x, err);
	if (!rc)
		rc = build(&x, err);
	if (!rc && x.own)
		rc = use_own(&x, err);
	free(x.text);
	free(x.frame_of);
	free(x.path_buf);
	rs_rust_name_free(&x.rn);
	return rc;
}
