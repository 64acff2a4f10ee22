/* ProfileSession → speedscope's JSON file format (docs/speedscope.md).
 *
 *   - shared.frames: the session's frames in order (name, file, line, col),
 *     then one frame per distinct name of intervals without a frame.
 *   - One sampled profile per thread with samples (samples without a thread
 *     come first, named after the session), weighted by one sample type:
 *     the one a speedscope import made for the profile, else
 *     default_sample_type, else "samples", else the first.
 *   - One evented profile per thread with intervals (properly nested ones;
 *     the rest are skipped with a warning). A thread imported from an
 *     evented profile gets only that: its samples were derived from it.
 *   - The speedscope_* members a speedscope import left on a thread restore
 *     the profile's unit, start/end values and unknown members;
 *     extra.speedscope restores the top-level members.
 *   - The session's windows[] (docs/speedscope.md), which speedscope has
 *     no place for, ride under the top-level key "rustscope_windows" as
 *     session JSON has them, for other tools to read.
 *   - The complete session rides under the top-level key "rustscope"
 *     (speedscope ignores unknown keys), so importing the file again gives
 *     the same session byte for byte. */
#include "exporters.h"

#include "../lib/checked.h"
#include "../lib/json_read.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "../schema/interval_samples.h"
#include "../schema/session_json.h"

#include <stdio.h>
#include <string.h>

#ifndef RS_VERSION
#define RS_VERSION "0.0.0"
#endif

#define SS_SCHEMA "https://www.speedscope.app/file-format-schema.json"

static bool key_eq(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(k, want, n) == 0;
}

/* --- per-thread metadata left by a speedscope import --- */

typedef struct tmeta {
	bool has_type, evented;
	const char *unit; /* NULL = derive from the sample type */
	char unit_buf[16];
	rs_strbuf start, end, members;
} tmeta;

static void tmeta_member(void *ctx, const char *k, size_t kn, const char *v, size_t vn)
{
	tmeta *m = ctx;
	if (key_eq(k, kn, "speedscope_type")) {
		m->has_type = true;
		m->evented = vn == 9 && memcmp(v, "\"evented\"", 9) == 0;
	} else if (key_eq(k, kn, "speedscope_unit") && vn >= 2 && vn - 2 < sizeof m->unit_buf) {
		memcpy(m->unit_buf, v + 1, vn - 2);
		m->unit_buf[vn - 2] = 0;
		m->unit = m->unit_buf;
	} else if (key_eq(k, kn, "speedscope_start")) {
		rs_sb_add(&m->start, v, vn);
	} else if (key_eq(k, kn, "speedscope_end")) {
		rs_sb_add(&m->end, v, vn);
	} else if (key_eq(k, kn, "speedscope_members") && vn >= 2) {
		rs_sb_add(&m->members, v + 1, vn - 2);
	}
}

static void tmeta_read(const rs_session *s, int32_t t, tmeta *m)
{
	memset(m, 0, sizeof *m);
	if (t >= 0 && s->threads[t].unknown)
		rs_json_each_member(rs_s(s, s->threads[t].unknown), rs_slen(s, s->threads[t].unknown),
				    true, tmeta_member, m);
}

static void tmeta_free(tmeta *m)
{
	rs_sb_free(&m->start);
	rs_sb_free(&m->end);
	rs_sb_free(&m->members);
}

/* --- units --- */

static const struct { const char *name; double factor; } units[] = {
	{"none", 1}, {"nanoseconds", 1}, {"microseconds", 1e3}, {"milliseconds", 1e6},
	{"seconds", 1e9}, {"bytes", 1}};

static double unit_factor(const char *u)
{
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (!strcmp(units[i].name, u))
			return units[i].factor;
	return 1;
}

/* The speedscope unit of a session unit ("count" and others → "none"). */
static const char *unit_of(const char *session_unit)
{
	for (size_t i = 1; i < sizeof units / sizeof *units; i++)
		if (!strcmp(units[i].name, session_unit))
			return units[i].name;
	return "none";
}

static int32_t find_type(const rs_session *s, const char *type, const char *unit)
{
	for (size_t i = 0; i < s->nsample_types; i++)
		if (!strcmp(rs_s(s, s->sample_types[i].type), type) &&
		    (!unit || !strcmp(rs_s(s, s->sample_types[i].unit), unit)))
			return (int32_t)i;
	return -1;
}

/* The value column a profile shows (see the file comment). */
static int32_t weight_column(const rs_session *s, const tmeta *m)
{
	int32_t c = -1;
	if (m->unit) {
		double f = unit_factor(m->unit);
		bool time = strcmp(m->unit, "none") && strcmp(m->unit, "bytes");
		c = time ? find_type(s, "wall", "nanoseconds")
			 : f == 1 && !strcmp(m->unit, "bytes") ? find_type(s, "space", "bytes")
								: find_type(s, "samples", "count");
	}
	if (c < 0 && s->default_sample_type)
		c = find_type(s, rs_s(s, s->default_sample_type), NULL);
	if (c < 0)
		c = find_type(s, "samples", NULL);
	return c < 0 ? 0 : c;
}

/* --- the writer --- */

typedef struct sw {
	const rs_session *s;
	rs_jw w;
	int32_t *synth; /* rs_str of an interval name → its synthetic frame + 1 */
	rs_str *synth_names;
	size_t nsynth, synth_cap;
	size_t *order, *grp_start; /* sample indices grouped by thread (-1 first) */
	size_t *iorder, *igrp_start; /* the same for intervals */
	uint32_t *path;
	size_t path_cap;
	size_t nprofiles, skipped;
} sw;

static size_t group_of(int32_t thread) { return thread < 0 ? 0 : (size_t)thread + 1; }

/* Counting sort of indices 0..n-1 by group; start has ngroups + 1 entries. */
static void bucket(size_t n, size_t ngroups, const int32_t *thread_of, size_t stride, size_t **order,
		   size_t **start)
{
	size_t *st = rs_xcalloc(ngroups + 2, sizeof *st), *ord = rs_xcalloc(n + 1, sizeof *ord);
	for (size_t i = 0; i < n; i++)
		st[group_of(thread_of ? *(const int32_t *)((const char *)thread_of + i * stride) : -1) + 1]++;
	for (size_t g = 0; g < ngroups; g++)
		st[g + 1] += st[g];
	size_t *fill = rs_xmalloc((ngroups + 1) * sizeof *fill);
	memcpy(fill, st, (ngroups + 1) * sizeof *fill);
	for (size_t i = 0; i < n; i++)
		ord[fill[group_of(thread_of ? *(const int32_t *)((const char *)thread_of + i * stride) : -1)]++] = i;
	free(fill);
	*order = ord;
	*start = st;
}

static uint32_t interval_frame(sw *x, const rs_interval *iv)
{
	if (iv->frame >= 0)
		return (uint32_t)iv->frame;
	return (uint32_t)(x->s->nframes + (size_t)x->synth[iv->name] - 1);
}

static void synth_frames(sw *x)
{
	const rs_session *s = x->s;
	x->synth = rs_xcalloc(s->strings.n + 1, sizeof *x->synth);
	for (size_t i = 0; i < s->nintervals; i++) {
		const rs_interval *iv = &s->intervals[i];
		if (iv->frame >= 0 || x->synth[iv->name])
			continue;
		RS_GROW(x->synth_names, x->synth_cap, x->nsynth + 1);
		x->synth_names[x->nsynth++] = iv->name;
		x->synth[iv->name] = (int32_t)x->nsynth;
	}
}

static void write_frames(sw *x)
{
	const rs_session *s = x->s;
	rs_jw *w = &x->w;
	rs_jw_key(w, "shared");
	rs_jw_obj(w);
	rs_jw_key(w, "frames");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nframes; i++) {
		const rs_frame *f = &s->frames[i];
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		rs_jw_str(w, rs_s(s, f->name), rs_slen(s, f->name));
		if (f->file) {
			rs_jw_key(w, "file");
			rs_jw_str(w, rs_s(s, f->file), rs_slen(s, f->file));
		}
		if (f->line) {
			rs_jw_key(w, "line");
			rs_jw_int(w, f->line);
		}
		if (f->column) {
			rs_jw_key(w, "col");
			rs_jw_int(w, f->column);
		}
		rs_jw_obj_end(w);
		rs_jw_newline(w);
	}
	for (size_t i = 0; i < x->nsynth; i++) {
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		rs_str n = x->synth_names[i];
		if (n)
			rs_jw_str(w, rs_s(s, n), rs_slen(s, n));
		else
			rs_jw_cstr(w, "(interval)");
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
	rs_jw_obj_end(w);
	rs_jw_newline(w);
}

/* v (model units) in a unit `factor` times bigger; whole numbers stay
 * integers, as speedscope and most producers write them. */
static void write_value(rs_jw *w, int64_t v, double factor)
{
	int64_t f = (int64_t)factor;
	if (f == 1 || v % f == 0)
		rs_jw_int(w, v / f);
	else
		rs_jw_double(w, (double)v / factor);
}

static void profile_head(sw *x, const char *type, const char *name, const char *unit)
{
	rs_jw *w = &x->w;
	rs_jw_obj(w);
	rs_jw_key(w, "type");
	rs_jw_cstr(w, type);
	rs_jw_key(w, "name");
	rs_jw_cstr(w, name);
	rs_jw_key(w, "unit");
	rs_jw_cstr(w, unit);
	x->nprofiles++;
}

static void start_end(rs_jw *w, const tmeta *m, int64_t lo, int64_t hi, double f)
{
	rs_jw_key(w, "startValue");
	if (m->start.len)
		rs_jw_raw(w, m->start.buf, m->start.len);
	else
		write_value(w, lo, f);
	rs_jw_key(w, "endValue");
	if (m->end.len)
		rs_jw_raw(w, m->end.buf, m->end.len);
	else
		write_value(w, hi, f);
}

static void write_sampled(sw *x, const tmeta *m, const char *name, size_t g)
{
	const rs_session *s = x->s;
	rs_jw *w = &x->w;
	int32_t c = weight_column(s, m);
	const char *unit = m->unit ? m->unit
				   : s->nsample_types ? unit_of(rs_s(s, s->sample_types[c].unit)) : "none";
	double f = unit_factor(unit);
	size_t nt = s->nsample_types;
	int64_t total = 0;
	for (size_t k = x->grp_start[g]; k < x->grp_start[g + 1] && nt; k++)
		total = rs_add_sat(total, s->samples.values[x->order[k] * nt + (size_t)c]);
	profile_head(x, "sampled", name, unit);
	start_end(w, m, 0, total, f);
	rs_jw_key(w, "samples");
	rs_jw_arr(w);
	for (size_t k = x->grp_start[g]; k < x->grp_start[g + 1]; k++) {
		size_t depth = 0;
		for (int32_t n = s->samples.stack[x->order[k]]; n >= 0; n = s->stacks[n].parent) {
			RS_GROW(x->path, x->path_cap, depth + 1);
			x->path[depth++] = s->stacks[n].frame;
		}
		rs_jw_arr(w);
		while (depth-- > 0)
			rs_jw_int(w, x->path[depth]);
		rs_jw_arr_end(w);
		if ((k & 63) == 63)
			rs_jw_newline(w);
	}
	rs_jw_arr_end(w);
	rs_jw_key(w, "weights");
	rs_jw_arr(w);
	for (size_t k = x->grp_start[g]; k < x->grp_start[g + 1]; k++)
		write_value(w, nt ? s->samples.values[x->order[k] * nt + (size_t)c] : 0, f);
	rs_jw_arr_end(w);
	if (m->members.len)
		rs_jw_raw_members(w, m->members.buf, m->members.len);
	rs_jw_obj_end(w);
	rs_jw_newline(w);
}

static const rs_session *sort_session;
static int by_time(const void *a, const void *b)
{
	const rs_interval *x = &sort_session->intervals[*(const size_t *)a];
	const rs_interval *y = &sort_session->intervals[*(const size_t *)b];
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->end_ns != y->end_ns)
		return x->end_ns > y->end_ns ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void event(rs_jw *w, const char *type, uint32_t frame, int64_t at, int64_t base, double f)
{
	at = rs_add_sat(at, -base);
	rs_jw_obj(w);
	rs_jw_key(w, "type");
	rs_jw_cstr(w, type);
	rs_jw_key(w, "frame");
	rs_jw_int(w, frame);
	rs_jw_key(w, "at");
	write_value(w, at, f);
	rs_jw_obj_end(w);
}

/* O/C events of the nested intervals idx[0..n), sorted by time. */
static void write_events(sw *x, const size_t *idx, size_t n, int64_t base, double f)
{
	const rs_session *s = x->s;
	rs_jw *w = &x->w;
	size_t *st = rs_xmalloc((n + 1) * sizeof *st), depth = 0;
	for (size_t k = 0; k < n; k++) {
		const rs_interval *iv = &s->intervals[idx[k]];
		while (depth && s->intervals[st[depth - 1]].end_ns <= iv->start_ns &&
		       !(s->intervals[st[depth - 1]].end_ns == iv->start_ns && iv->end_ns == iv->start_ns &&
			 s->intervals[st[depth - 1]].start_ns == iv->start_ns)) {
			const rs_interval *top = &s->intervals[st[--depth]];
			event(w, "C", interval_frame(x, top), top->end_ns, base, f);
		}
		if (depth && s->intervals[st[depth - 1]].end_ns < iv->end_ns) {
			x->skipped++;
			continue;
		}
		event(w, "O", interval_frame(x, iv), iv->start_ns, base, f);
		st[depth++] = idx[k];
		if ((k & 63) == 63)
			rs_jw_newline(w);
	}
	while (depth) {
		const rs_interval *top = &s->intervals[st[--depth]];
		event(w, "C", interval_frame(x, top), top->end_ns, base, f);
	}
	free(st);
}

static void write_evented(sw *x, const tmeta *m, const char *name, size_t g)
{
	const rs_session *s = x->s;
	rs_jw *w = &x->w;
	size_t n = x->igrp_start[g + 1] - x->igrp_start[g];
	size_t *idx = rs_xmalloc((n + 1) * sizeof *idx);
	memcpy(idx, x->iorder + x->igrp_start[g], n * sizeof *idx);
	sort_session = s;
	qsort(idx, n, sizeof *idx, by_time);
	int64_t lo = n ? s->intervals[idx[0]].start_ns : 0, hi = lo;
	for (size_t k = 0; k < n; k++)
		hi = s->intervals[idx[k]].end_ns > hi ? s->intervals[idx[k]].end_ns : hi;
	const char *unit = m->unit ? m->unit : "nanoseconds";
	double f = unit_factor(unit);
	/* Times relative to the session start (else the first interval): epoch
	 * nanoseconds do not fit a double exactly, and the app computes with
	 * doubles. Profiles a speedscope import made keep their own values. */
	int64_t base = 0;
	if (!m->unit)
		base = s->info.start_time_ns != RS_NO_TIME && s->info.start_time_ns <= lo ? s->info.start_time_ns : lo;
	profile_head(x, "evented", name, unit);
	start_end(w, m, rs_add_sat(lo, -base), rs_add_sat(hi, -base), f);
	rs_jw_key(w, "events");
	rs_jw_arr(w);
	write_events(x, idx, n, base, f);
	rs_jw_arr_end(w);
	if (m->members.len)
		rs_jw_raw_members(w, m->members.buf, m->members.len);
	rs_jw_obj_end(w);
	rs_jw_newline(w);
	free(idx);
}

static void group_name(const rs_session *s, int32_t t, char *buf, size_t n)
{
	if (t < 0)
		snprintf(buf, n, "%s", s->info.name ? rs_s(s, s->info.name) : "profile");
	else if (s->threads[t].name)
		snprintf(buf, n, "%s", rs_s(s, s->threads[t].name));
	else if (s->threads[t].tid >= 0)
		snprintf(buf, n, "thread %lld", (long long)s->threads[t].tid);
	else
		snprintf(buf, n, "thread %d", t);
}

/* Samples derived from intervals are the evented profiles' time again:
 * they are left out unless asked for. */
static void drop_derived(sw *x)
{
	uint8_t *d = rs_export_opts_cur.events_as_stacks ? NULL : rs_samples_from_intervals(x->s);
	if (!d)
		return;
	size_t kept = 0;
	for (size_t g = 0; g <= x->s->nthreads; g++) {
		size_t a = x->grp_start[g], b = x->grp_start[g + 1];
		x->grp_start[g] = kept;
		for (size_t i = a; i < b; i++)
			if (!d[x->order[i]])
				x->order[kept++] = x->order[i];
	}
	x->grp_start[x->s->nthreads + 1] = kept;
	free(d);
}

static void write_profiles(sw *x)
{
	const rs_session *s = x->s;
	rs_jw *w = &x->w;
	rs_jw_key(w, "profiles");
	rs_jw_arr(w);
	for (size_t g = 0; g <= s->nthreads; g++) {
		int32_t t = (int32_t)g - 1;
		tmeta m;
		tmeta_read(s, t, &m);
		char name[1024], iname[1100];
		group_name(s, t, name, sizeof name);
		size_t ns = x->grp_start[g + 1] - x->grp_start[g];
		size_t ni = x->igrp_start[g + 1] - x->igrp_start[g];
		bool sampled = !m.evented && (ns || (m.has_type && !m.evented));
		if (sampled)
			write_sampled(x, &m, name, g);
		snprintf(iname, sizeof iname, sampled ? "%s (intervals)" : "%s", name);
		if (m.evented || ni)
			write_evented(x, &m, iname, g);
		tmeta_free(&m);
	}
	rs_jw_arr_end(w);
}

/* Top-level members from extra.speedscope, except $schema (always ours). */
typedef struct top_ctx {
	rs_jw *w;
	bool has_exporter, has_name;
	bool own_windows; /* rustscope_windows is written from the session's windows */
} top_ctx;

static void top_member(void *ctx, const char *k, size_t kn, const char *v, size_t vn)
{
	top_ctx *t = ctx;
	if (key_eq(k, kn, "$schema") || key_eq(k, kn, "rustscope") || key_eq(k, kn, "shared") ||
	    key_eq(k, kn, "profiles") || (t->own_windows && key_eq(k, kn, "rustscope_windows")))
		return;
	t->has_exporter |= key_eq(k, kn, "exporter");
	t->has_name |= key_eq(k, kn, "name");
	rs_jw_keyn(t->w, k, kn);
	rs_jw_raw(t->w, v, vn);
}

static void extra_member(void *ctx, const char *k, size_t kn, const char *v, size_t vn)
{
	if (key_eq(k, kn, "speedscope") && vn >= 2 && v[0] == '{')
		rs_json_each_member(v, vn, false, top_member, ctx);
}

static void write_top(sw *x)
{
	const rs_session *s = x->s;
	rs_jw *w = &x->w;
	rs_jw_key(w, "$schema");
	rs_jw_cstr(w, SS_SCHEMA);
	top_ctx t = {.w = w, .own_windows = s->nwindows > 0};
	if (s->extra)
		rs_json_each_member(rs_s(s, s->extra), rs_slen(s, s->extra), false, extra_member, &t);
	if (!t.has_exporter) {
		rs_jw_key(w, "exporter");
		rs_jw_cstr(w, "rustscope " RS_VERSION);
	}
	if (!t.has_name && s->info.name) {
		rs_jw_key(w, "name");
		rs_jw_str(w, rs_s(s, s->info.name), rs_slen(s, s->info.name));
	}
	rs_jw_newline(w);
}

/* The windows where other tools look for them without reading the whole
 * embedded session (a file imported natively keeps the member in
 * extra.speedscope, written back by write_top instead). */
static void write_windows(sw *x)
{
	if (!x->s->nwindows)
		return;
	rs_jw_newline(&x->w);
	rs_jw_key(&x->w, "rustscope_windows");
	rs_windows_write_json(x->s, &x->w);
}

int rs_export_speedscope(const rs_session *s, rs_output *out, rs_err *err)
{
	(void)err;
	sw x = {.s = s};
	rs_jw_init_out(&x.w, out);
	synth_frames(&x);
	bucket(s->samples.n, s->nthreads + 1, s->samples.has_thread ? s->samples.thread : NULL,
	       sizeof(int32_t), &x.order, &x.grp_start);
	drop_derived(&x);
	bucket(s->nintervals, s->nthreads + 1, s->nintervals ? &s->intervals[0].thread : NULL,
	       sizeof(rs_interval), &x.iorder, &x.igrp_start);
	rs_jw_obj(&x.w);
	write_top(&x);
	write_frames(&x);
	write_profiles(&x);
	write_windows(&x);
	rs_jw_newline(&x.w);
	rs_jw_key(&x.w, "rustscope");
	rs_session_write_json(s, &x.w);
	rs_jw_obj_end(&x.w);
	rs_jw_newline(&x.w);
	rs_jw_finish(&x.w);
	if (x.skipped)
		rs_warn("%s: %zu intervals that overlap without nesting are not in the evented profiles (speedscope needs nesting)",
			out->path, x.skipped);
	free(x.synth);
	free(x.synth_names);
	free(x.order);
	free(x.grp_start);
	free(x.iorder);
	free(x.igrp_start);
	free(x.path);
	return 0;
}
