/* ProfileSession → folded stacks (docs/collapsed.md), as flamegraph.pl,
 * inferno and speedscope read them:
 *
 *     root;caller;leaf 123
 *
 *   - One line per distinct stack, in the order stacks first appear in the
 *     samples, with the summed value of one sample type: the two columns
 *     "before" and "after" of a difference file, else default_sample_type,
 *     else "samples", else the first. Values of a unit "count*1e-N" are
 *     written with N decimals (trailing zeros dropped).
 *   - Frames get back their annotation: kernel `_[k]`, jit `_[j]`, inline
 *     `_[i]`; with rs_export_opts_cur.collapsed_rustscope_names, frames with
 *     a crate are written `rustscope[crate][module]::name`.
 *   - ';' and line breaks inside names would split frames and lines, so they
 *     are written as ':' and ' '.
 *   - The last line is the comment "# rustscope:v1 names=... {session JSON}"
 *     holding the whole session, so importing the file again restores it
 *     byte for byte. It ends in '}', never in a digit, so flamegraph.pl and
 *     speedscope skip it instead of reading it as a stack. */
#include "exporters.h"

#include "../lib/checked.h"
#include "../lib/xalloc.h"
#include "../schema/session_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rs_export_opts rs_export_opts_cur;

typedef struct cw {
	const rs_session *s;
	rs_output *out;
	rs_strbuf sb;
	int ncol;
	int32_t col[2];
	int frac[2]; /* decimals of each column (unit "count*1e-N") */
	uint32_t *path;
	size_t path_cap;
	bool rustscope_names; /* fixed per export: batch threads share the options */
} cw;

static int32_t find_type(const rs_session *s, const char *type)
{
	for (size_t i = 0; i < s->nsample_types; i++)
		if (!strcmp(rs_s(s, s->sample_types[i].type), type))
			return (int32_t)i;
	return -1;
}

static void pick_columns(cw *w)
{
	const rs_session *s = w->s;
	w->ncol = s->nsample_types ? 1 : 0;
	if (s->nsample_types == 2 && find_type(s, "before") == 0 && find_type(s, "after") == 1) {
		w->ncol = 2;
		w->col[0] = 0;
		w->col[1] = 1;
	} else {
		int32_t c = s->default_sample_type ? find_type(s, rs_s(s, s->default_sample_type)) : -1;
		if (c < 0)
			c = find_type(s, "samples");
		w->col[0] = c < 0 ? 0 : c;
	}
	for (int k = 0; k < w->ncol; k++) {
		const char *u = rs_s(s, s->sample_types[w->col[k]].unit);
		int n = 0;
		if (!strncmp(u, "count*1e-", 9) && sscanf(u + 9, "%d", &n) == 1 && n > 0 && n <= 18)
			w->frac[k] = n;
	}
}

static void put_count(cw *w, int64_t v, int frac)
{
	if (!frac) {
		rs_sb_addf(&w->sb, "%lld", (long long)v);
		return;
	}
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p = 1;
	for (int i = 0; i < frac; i++)
		p *= 10;
	uint64_t ip = a / p, fp = a % p;
	rs_sb_addf(&w->sb, "%s%llu", v < 0 ? "-" : "", (unsigned long long)ip);
	if (!fp)
		return;
	char digits[24];
	snprintf(digits, sizeof digits, "%0*llu", frac, (unsigned long long)fp);
	size_t n = strlen(digits);
	while (n && digits[n - 1] == '0')
		n--;
	rs_sb_addc(&w->sb, '.');
	rs_sb_add(&w->sb, digits, n);
}

static void put_name(cw *w, rs_str id)
{
	const rs_session *s = w->s;
	const char *p = rs_s(s, id);
	size_t n = rs_slen(s, id), from = w->sb.len;
	rs_sb_add(&w->sb, p, n);
	for (size_t i = from; i < w->sb.len; i++) {
		char c = w->sb.buf[i];
		if (c == ';')
			w->sb.buf[i] = ':';
		else if (c == '\n' || c == '\r')
			w->sb.buf[i] = ' ';
	}
}

static void put_frame(cw *w, const rs_frame *f)
{
	const rs_session *s = w->s;
	if (w->rustscope_names && f->crate) {
		rs_sb_adds(&w->sb, "rustscope[");
		put_name(w, f->crate);
		rs_sb_adds(&w->sb, "][");
		put_name(w, f->module);
		rs_sb_adds(&w->sb, "]::");
	}
	put_name(w, f->name);
	(void)s;
	if (f->is_inline)
		rs_sb_adds(&w->sb, "_[i]");
	else if (f->kind == RS_KIND_KERNEL)
		rs_sb_adds(&w->sb, "_[k]");
	else if (f->kind == RS_KIND_JIT)
		rs_sb_adds(&w->sb, "_[j]");
}

static void put_line(cw *w, int32_t node, const int64_t *sum)
{
	const rs_session *s = w->s;
	size_t depth = 0;
	for (int32_t n = node; n >= 0; n = s->stacks[n].parent) {
		RS_GROW(w->path, w->path_cap, depth + 1);
		w->path[depth++] = s->stacks[n].frame;
	}
	for (size_t k = depth; k-- > 0;) {
		put_frame(w, &s->frames[w->path[k]]);
		if (k)
			rs_sb_addc(&w->sb, ';');
	}
	for (int k = 0; k < w->ncol; k++) {
		rs_sb_addc(&w->sb, ' ');
		put_count(w, sum[k], w->frac[k]);
	}
	rs_sb_addc(&w->sb, '\n');
	if (w->sb.len >= 1 << 16) {
		rs_output_write(w->out, w->sb.buf, w->sb.len);
		rs_sb_reset(&w->sb);
	}
}

/* Sums per stack node, lines in order of first appearance. */
static void write_stacks(cw *w)
{
	const rs_session *s = w->s;
	if (!w->ncol)
		return;
	size_t nt = s->nsample_types;
	int64_t *sum = rs_xcalloc(s->nstacks * 2 + 2, sizeof *sum);
	int32_t *order = rs_xmalloc((s->nstacks + 1) * sizeof *order);
	bool *seen = rs_xcalloc(s->nstacks + 1, sizeof *seen);
	size_t norder = 0;
	for (size_t i = 0; i < s->samples.n; i++) {
		int32_t st = s->samples.stack[i];
		if (st < 0)
			continue; /* no frames: nothing a folded line can say */
		if (!seen[st]) {
			seen[st] = true;
			order[norder++] = st;
		}
		for (int k = 0; k < w->ncol; k++)
			sum[(size_t)st * 2 + (size_t)k] =
				rs_add_sat(sum[(size_t)st * 2 + (size_t)k], s->samples.values[i * nt + (size_t)w->col[k]]);
	}
	for (size_t i = 0; i < norder; i++)
		put_line(w, order[i], &sum[(size_t)order[i] * 2]);
	free(sum);
	free(order);
	free(seen);
}

/* "# rustscope:v1 names=plain {session}" on one line (the session writer's
 * newlines are only formatting; strings escape theirs). */
static void write_own(cw *w)
{
	rs_sb_adds(&w->sb, "# rustscope:v1 names=");
	rs_sb_adds(&w->sb, w->rustscope_names ? "rustscope " : "plain ");
	size_t from = w->sb.len;
	rs_jw jw;
	rs_jw_init_buf(&jw, &w->sb);
	rs_session_write_json(w->s, &jw);
	rs_jw_finish(&jw);
	size_t k = from;
	for (size_t i = from; i < w->sb.len; i++)
		if (w->sb.buf[i] != '\n')
			w->sb.buf[k++] = w->sb.buf[i];
	w->sb.len = k;
	rs_sb_addc(&w->sb, '\n');
}

int rs_export_collapsed(const rs_session *s, rs_output *out, rs_err *err)
{
	return rs_export_collapsed_names(s, out, rs_export_opts_cur.collapsed_rustscope_names, err);
}

int rs_export_collapsed_names(const rs_session *s, rs_output *out, bool rustscope_names, rs_err *err)
{
	(void)err;
	cw w = {.s = s, .out = out, .rustscope_names = rustscope_names};
	pick_columns(&w);
	write_stacks(&w);
	write_own(&w);
	rs_output_write(out, w.sb.buf, w.sb.len);
	rs_sb_free(&w.sb);
	free(w.path);
	return 0;
}
