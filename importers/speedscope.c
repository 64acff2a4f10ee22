/* speedscope's JSON file format → ProfileSession (docs/speedscope.md).
 *
 *   - shared.frames → frames (name, file, line, col; Rust names get their
 *     crate and module), deduplicated.
 *   - Each profile → one session thread named after it. Sampled profiles
 *     give one sample per entry of `samples`, its weight converted to the
 *     sample type of the profile's unit (time units → wall/nanoseconds,
 *     bytes → space/bytes, none → samples/count). Evented profiles give one
 *     interval per O/C pair and one sample per stretch between two events
 *     (the open stack, weighted by the stretch), so flame graphs in other
 *     formats show what speedscope shows.
 *   - What has no session field (the profile's type, unit, start/end
 *     values, unknown members) rides in the thread's unknown members as
 *     "speedscope_*"; top-level $schema, version, exporter, name,
 *     activeProfileIndex and unknown members go to extra.speedscope.
 *   - A file written by exporters/speedscope.c carries the complete session
 *     under "rustscope"; when the file is exactly what that session exports
 *     to (nobody edited it), the session is restored from it, losslessly.
 *
 * The file is parsed once into flat arrays (profiles may come before
 * shared.frames), then the session is built. */
#include "../lib/checked.h"
#include "../lib/json_read.h"
#include "../lib/limits.h"
#include "../lib/rustname.h"
#include "../lib/sniff.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "../exporters/exporters.h"
#include "importers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { T_TOP = 1, T_SHARED, T_FRAMES, T_FRAME, T_PROFILES, T_PROFILE, T_SAMPLES, T_STACK,
       T_WEIGHTS, T_EVENTS, T_EVENT, T_IGNORE };
enum { U_NONE, U_NS, U_US, U_MS, U_S, U_BYTES, U_COUNT };
static const char *const unit_names[U_COUNT] = {"none", "nanoseconds", "microseconds",
						"milliseconds", "seconds", "bytes"};

typedef struct ss_frame {
	rs_str name, file, unknown;
	int64_t line, col;
} ss_frame;

typedef struct ss_event {
	bool open;
	uint32_t frame;
	double at;
} ss_event;

typedef struct ss_profile {
	bool evented, has_type;
	int unit;
	rs_str name, unit_raw;
	rs_strbuf unknown; /* members speedscope defines no meaning for */
	rs_strbuf start, end; /* startValue / endValue as written */
	size_t samp0, samp1, w0, w1, ev0, ev1;
} ss_profile;

typedef struct ss {
	rs_session *s;
	const char *path;
	ss_frame *frames;
	size_t nframes, frames_cap;
	ss_profile *profs;
	size_t nprofs, profs_cap;
	uint32_t *sf; /* frame indices of all samples, flat */
	size_t nsf, sf_cap;
	size_t *send; /* end of sample i in sf */
	size_t nsend, send_cap;
	double *w;
	size_t nw, w_cap;
	ss_event *ev;
	size_t nev, ev_cap;
	rs_strbuf extra;  /* members of extra.speedscope */
	rs_strbuf member; /* scratch: one member fragment */
	char *own;        /* the embedded session ("rustscope"), raw JSON */
	size_t own_len;
	bool has_schema, has_profiles, has_shared;
	int32_t *fmap; /* speedscope frame → session frame */
} ss;

int rs_sniff_speedscope(const unsigned char *p, size_t n)
{
	if (rs_sniff_first(p, n) != '{')
		return 0;
	if (rs_sniff_has(p, n, "speedscope.app/file-format-schema"))
		return 95;
	return rs_sniff_has(p, n, "\"shared\"") && rs_sniff_has(p, n, "\"profiles\"") ? 60 : 0;
}

static rs_str sval(ss *x, const rs_jv *v) { return rs_intern(x->s, v->s, v->len); }


static int want(rs_jr *r, const rs_jv *v, rs_jv_type t, const char *what)
{
	bool ok = v->type == t || (t == RS_JV_DOUBLE && v->type == RS_JV_INT);
	if (ok && t == RS_JV_DOUBLE && !isfinite(rs_jv_double(v)))
		ok = false;
	return ok ? 0 : rs_jr_fail(r, RS_EINPUT, "expected %s, got %s", what, rs_jv_type_name(v));
}

static int frame_index(rs_jr *r, const rs_jv *v, uint32_t *out)
{
	if (v->type != RS_JV_INT || v->big || v->i < 0 || v->i > INT32_MAX)
		return rs_jr_fail(r, RS_EINPUT, "expected a frame index (an integer >= 0), got %s",
				  rs_jv_type_name(v));
	*out = (uint32_t)v->i;
	return 0;
}

/* --- scalars --- */

static int top_scalar(rs_jr *r, ss *x, const rs_jv *v)
{
	if (rs_jr_key_is(r, "$schema"))
		x->has_schema = true;
	if (rs_jr_key_is(r, "name") && v->type == RS_JV_STRING)
		x->s->info.name = sval(x, v);
	rs_jr_keep_member(r, &x->extra, v, NULL, 0);
	return 0;
}

static int frame_scalar(rs_jr *r, ss *x, const rs_jv *v)
{
	ss_frame *f = &x->frames[x->nframes - 1];
	int rc = 0;
	if (rs_jr_key_is(r, "name") && !(rc = want(r, v, RS_JV_STRING, "a string")))
		f->name = sval(x, v);
	else if (rs_jr_key_is(r, "file") && !(rc = want(r, v, RS_JV_STRING, "a string")))
		f->file = sval(x, v);
	else if (rs_jr_key_is(r, "line") && !(rc = want(r, v, RS_JV_DOUBLE, "a number")))
		f->line = v->type == RS_JV_INT && v->i > 0 ? v->i : 0;
	else if (rs_jr_key_is(r, "col") && !(rc = want(r, v, RS_JV_DOUBLE, "a number")))
		f->col = v->type == RS_JV_INT && v->i > 0 ? v->i : 0;
	else if (!rc) {
		rs_jr_keep_member(r, &x->member, v, NULL, 0);
		f->unknown = rs_intern(x->s, x->member.buf, x->member.len);
	}
	return rc;
}

static int parse_unit(ss *x, ss_profile *p, const rs_jv *v)
{
	for (int u = 0; u < U_COUNT; u++)
		if (strlen(unit_names[u]) == v->len && memcmp(unit_names[u], v->s, v->len) == 0) {
			p->unit = u;
			return 0;
		}
	/* the app reads unknown units as "none"; so do we, aloud */
	rs_warn("%s: unknown unit \"%.*s\", read as \"none\"", x->path, (int)(v->len > 40 ? 40 : v->len), v->s);
	p->unit = U_NONE;
	return 0;
}

static int profile_scalar(rs_jr *r, ss *x, const rs_jv *v)
{
	ss_profile *p = &x->profs[x->nprofs - 1];
	int rc = 0;
	rs_jw w;
	if (rs_jr_key_is(r, "type") && !(rc = want(r, v, RS_JV_STRING, "\"sampled\" or \"evented\""))) {
		p->has_type = true;
		if (v->len == 7 && !memcmp(v->s, "evented", 7))
			p->evented = true;
		else if (!(v->len == 7 && !memcmp(v->s, "sampled", 7)))
			return rs_jr_fail(r, RS_EINPUT, "expected \"sampled\" or \"evented\", got \"%.*s\"",
					  (int)(v->len > 40 ? 40 : v->len), v->s);
	} else if (rs_jr_key_is(r, "name") && !(rc = want(r, v, RS_JV_STRING, "a string"))) {
		p->name = sval(x, v);
	} else if (rs_jr_key_is(r, "unit") && !(rc = want(r, v, RS_JV_STRING, "a unit name"))) {
		p->unit_raw = sval(x, v);
		rc = parse_unit(x, p, v);
	} else if (rs_jr_key_is(r, "startValue") && !(rc = want(r, v, RS_JV_DOUBLE, "a number"))) {
		rs_jw_init_buf(&w, &p->start);
		rs_jv_write(&w, v);
	} else if (rs_jr_key_is(r, "endValue") && !(rc = want(r, v, RS_JV_DOUBLE, "a number"))) {
		rs_jw_init_buf(&w, &p->end);
		rs_jv_write(&w, v);
	} else if (!rc) {
		rs_jr_keep_member(r, &p->unknown, v, NULL, 0);
	}
	return rc;
}

static int event_scalar(rs_jr *r, ss *x, const rs_jv *v)
{
	ss_event *e = &x->ev[x->nev - 1];
	int rc = 0;
	if (rs_jr_key_is(r, "type")) {
		if (v->type != RS_JV_STRING || v->len != 1 || (v->s[0] != 'O' && v->s[0] != 'C'))
			return rs_jr_fail(r, RS_EINPUT, "expected \"O\" or \"C\"");
		e->open = v->s[0] == 'O';
	} else if (rs_jr_key_is(r, "frame")) {
		rc = frame_index(r, v, &e->frame);
	} else if (rs_jr_key_is(r, "at") && !(rc = want(r, v, RS_JV_DOUBLE, "a number"))) {
		e->at = rs_jv_double(v);
	}
	return rc;
}

static int on_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	ss *x = ctx;
	int rc;
	switch (tag) {
	case T_TOP: return top_scalar(r, x, v);
	case T_FRAME: return frame_scalar(r, x, v);
	case T_PROFILE: return profile_scalar(r, x, v);
	case T_EVENT: return event_scalar(r, x, v);
	case T_STACK:
		RS_GROW(x->sf, x->sf_cap, x->nsf + 1);
		if ((rc = frame_index(r, v, &x->sf[x->nsf])))
			return rc;
		x->nsf++;
		return 0;
	case T_WEIGHTS:
		if ((rc = want(r, v, RS_JV_DOUBLE, "a weight (a number)")))
			return rc;
		double w = rs_jv_double(v);
		if (w < 0)
			return rs_jr_fail(r, RS_EINPUT, "expected a weight >= 0, got %g", w);
		RS_GROW(x->w, x->w_cap, x->nw + 1);
		x->w[x->nw++] = w;
		return 0;
	case T_SHARED: case T_IGNORE: return 0;
	case 0: return rs_jr_fail(r, RS_EINPUT, "expected a speedscope file (a JSON object)");
	}
	return rs_jr_fail(r, RS_EINPUT, "expected %s, got %s",
			  tag == T_FRAMES || tag == T_PROFILES || tag == T_EVENTS ? "an object" : "an array",
			  rs_jv_type_name(v));
}

/* --- containers --- */

static int top_open(rs_jr *r, ss *x, bool is_array, int *tag)
{
	*tag = RS_JR_CAPTURE;
	if (rs_jr_key_is(r, "shared")) {
		x->has_shared = true;
		*tag = T_SHARED;
	} else if (rs_jr_key_is(r, "profiles")) {
		x->has_profiles = true;
		*tag = T_PROFILES;
	}
	if ((*tag == T_SHARED) == is_array && *tag != RS_JR_CAPTURE)
		return rs_jr_fail(r, RS_EINPUT, "expected an %s", is_array ? "object" : "array");
	return 0;
}

static int profile_open(rs_jr *r, ss *x, bool is_array, int *tag)
{
	ss_profile *p = &x->profs[x->nprofs - 1];
	*tag = RS_JR_CAPTURE;
	if (rs_jr_key_is(r, "samples")) {
		*tag = T_SAMPLES;
		p->samp0 = x->nsend;
	} else if (rs_jr_key_is(r, "weights")) {
		*tag = T_WEIGHTS;
		p->w0 = x->nw;
	} else if (rs_jr_key_is(r, "events")) {
		*tag = T_EVENTS;
		p->ev0 = x->nev;
	}
	if (*tag != RS_JR_CAPTURE && !is_array)
		return rs_jr_fail(r, RS_EINPUT, "expected an array");
	return 0;
}

static int item_open(rs_jr *r, ss *x, int parent, bool is_array, int *tag)
{
	bool want_array = parent == T_SAMPLES;
	if (is_array != want_array)
		return rs_jr_fail(r, RS_EINPUT, "expected an %s", want_array ? "array" : "object");
	switch (parent) {
	case T_FRAMES:
		RS_GROW(x->frames, x->frames_cap, x->nframes + 1);
		x->frames[x->nframes++] = (ss_frame){0};
		rs_sb_reset(&x->member);
		*tag = T_FRAME;
		return 0;
	case T_PROFILES:
		RS_GROW(x->profs, x->profs_cap, x->nprofs + 1);
		x->profs[x->nprofs++] = (ss_profile){.unit = -1};
		*tag = T_PROFILE;
		return 0;
	case T_EVENTS:
		RS_GROW(x->ev, x->ev_cap, x->nev + 1);
		x->ev[x->nev++] = (ss_event){.frame = UINT32_MAX, .at = NAN};
		*tag = T_EVENT;
		return 0;
	}
	*tag = T_STACK;
	return 0;
}

static int on_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	ss *x = ctx;
	switch (parent) {
	case 0:
		if (is_array)
			return rs_jr_fail(r, RS_EINPUT, "expected a speedscope file (a JSON object), got an array");
		*tag = T_TOP;
		return 0;
	case T_TOP: return top_open(r, x, is_array, tag);
	case T_SHARED:
		*tag = rs_jr_key_is(r, "frames") ? T_FRAMES : RS_JR_SKIP;
		if (*tag == T_FRAMES && !is_array)
			return rs_jr_fail(r, RS_EINPUT, "expected an array of frames");
		if (*tag == RS_JR_SKIP)
			rs_warn("%s: shared members other than \"frames\" are not kept", x->path);
		return 0;
	case T_PROFILE: return profile_open(r, x, is_array, tag);
	case T_FRAMES: case T_PROFILES: case T_SAMPLES: case T_EVENTS:
		return item_open(r, x, parent, is_array, tag);
	case T_FRAME: case T_EVENT:
		*tag = RS_JR_CAPTURE;
		return 0;
	}
	return rs_jr_fail(r, RS_EINPUT, "expected a %s, got %s", parent == T_STACK ? "frame index" : "number",
			  is_array ? "an array" : "an object");
}

static int on_close(rs_jr *r, void *ctx, int tag, bool is_array)
{
	ss *x = ctx;
	(void)is_array;
	if (tag == T_STACK) {
		RS_GROW(x->send, x->send_cap, x->nsend + 1);
		x->send[x->nsend++] = x->nsf;
	} else if (tag == T_SAMPLES) {
		x->profs[x->nprofs - 1].samp1 = x->nsend;
	} else if (tag == T_WEIGHTS) {
		x->profs[x->nprofs - 1].w1 = x->nw;
	} else if (tag == T_EVENTS) {
		x->profs[x->nprofs - 1].ev1 = x->nev;
	} else if (tag == T_EVENT) {
		ss_event *e = &x->ev[x->nev - 1];
		if (e->frame == UINT32_MAX || isnan(e->at))
			return rs_jr_fail(r, RS_EINPUT, "expected an event with \"type\", \"frame\" and \"at\"");
	} else if (tag == T_PROFILE) {
		if (!x->profs[x->nprofs - 1].has_type)
			return rs_jr_fail(r, RS_EINPUT, "expected a profile with \"type\"");
	}
	return 0;
}

static int on_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	ss *x = ctx;
	if (parent == T_TOP && rs_jr_key_is(r, "rustscope")) {
		free(x->own);
		x->own = rs_xmalloc(len + 1);
		memcpy(x->own, json, len);
		x->own[len] = 0;
		x->own_len = len;
	} else if (parent == T_TOP) {
		rs_jr_keep_member(r, &x->extra, NULL, json, len);
	} else if (parent == T_PROFILE) {
		rs_jr_keep_member(r, &x->profs[x->nprofs - 1].unknown, NULL, json, len);
	} else if (parent == T_FRAME) {
		rs_jr_keep_member(r, &x->member, NULL, json, len);
		x->frames[x->nframes - 1].unknown = rs_intern(x->s, x->member.buf, x->member.len);
	}
	return 0;
}

/* --- building the session --- */

static const double unit_factor[U_COUNT] = {1, 1, 1e3, 1e6, 1e9, 1};

static int64_t to_model(double v, int unit)
{
	double d = v * unit_factor[unit];
	return d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)llround(d);
}

/* The sample type column of each unit, added when a profile uses it. */
static uint32_t unit_column(ss *x, int unit, int32_t *col)
{
	static const char *const types[U_COUNT][2] = {
		{"samples", "count"}, {"wall", "nanoseconds"}, {"wall", "nanoseconds"},
		{"wall", "nanoseconds"}, {"wall", "nanoseconds"}, {"space", "bytes"}};
	int k = unit == U_NONE ? 0 : unit == U_BYTES ? 2 : 1;
	if (col[k] < 0)
		col[k] = (int32_t)rs_sample_type_add(x->s, types[unit][0], types[unit][1]);
	return (uint32_t)col[k];
}

static void map_frames(ss *x)
{
	rs_rustname rn = {0};
	x->fmap = rs_xcalloc(x->nframes + 1, sizeof *x->fmap);
	for (size_t i = 0; i < x->nframes; i++) {
		ss_frame *sf = &x->frames[i];
		rs_frame f;
		rs_frame_init(&f);
		f.name = sf->name;
		f.file = sf->file;
		f.line = sf->line;
		f.column = sf->col;
		f.unknown = sf->unknown;
		const char *file = rs_s(x->s, sf->file);
		size_t fl = strlen(file);
		bool hint = fl > 3 && strcmp(file + fl - 3, ".rs") == 0;
		if (rs_rust_name(&rn, rs_s(x->s, sf->name), hint) && !rn.was_mangled) {
			f.kind = RS_KIND_RUST;
			f.crate = rs_intern_cstr(x->s, rn.crate);
			f.module = rs_intern_cstr(x->s, rn.module);
		}
		x->fmap[i] = rs_frame_add(x->s, &f);
	}
	rs_rust_name_free(&rn);
}

/* "speedscope_*" members of the profile's thread (docs/speedscope.md). */
static void thread_meta(ss *x, ss_profile *p, int32_t t)
{
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_member(&w, &sb, "speedscope_type", 15);
	rs_jw_cstr(&w, p->evented ? "evented" : "sampled");
	if (p->unit_raw) {
		rs_jw_member(&w, &sb, "speedscope_unit", 15);
		rs_jw_str(&w, rs_s(x->s, p->unit_raw), rs_slen(x->s, p->unit_raw));
	}
	if (p->start.len) {
		rs_jw_member(&w, &sb, "speedscope_start", 16);
		rs_jw_raw(&w, p->start.buf, p->start.len);
	}
	if (p->end.len) {
		rs_jw_member(&w, &sb, "speedscope_end", 14);
		rs_jw_raw(&w, p->end.buf, p->end.len);
	}
	if (p->unknown.len) {
		rs_jw_member(&w, &sb, "speedscope_members", 18);
		rs_sb_addc(&sb, '{');
		rs_sb_add(&sb, p->unknown.buf, p->unknown.len);
		rs_sb_addc(&sb, '}');
	}
	x->s->threads[t].unknown = rs_intern(x->s, sb.buf, sb.len);
	rs_sb_free(&sb);
}

/* The session stack of speedscope frame indices fr[0..n) (root first). */
static int stack_of(ss *x, const uint32_t *fr, size_t n, uint32_t **buf, size_t *cap, int32_t *out,
		    rs_err *err, const char *where)
{
	if (n > rs_limits_cur.max_depth)
		return rs_fail(err, RS_EINPUT, "%s: %s: stack of %zu frames is deeper than --max-depth (%u)",
			       x->path, where, n, rs_limits_cur.max_depth);
	RS_GROW(*buf, *cap, n + 1);
	for (size_t k = 0; k < n; k++) {
		if (fr[k] >= x->nframes)
			return rs_fail(err, RS_EINPUT, "%s: %s: frame %u is not below %zu (the number of shared.frames)",
				       x->path, where, fr[k], x->nframes);
		(*buf)[k] = (uint32_t)x->fmap[fr[k]];
	}
	*out = rs_stack_path(x->s, *buf, n);
	return 0;
}

static int build_sampled(ss *x, size_t pi, int32_t t, int32_t *col, rs_err *err)
{
	ss_profile *p = &x->profs[pi];
	size_t n = p->samp1 - p->samp0;
	if (n != p->w1 - p->w0)
		return rs_fail(err, RS_EINPUT, "%s: $.profiles[%zu]: %zu samples but %zu weights (expected one weight per sample)",
			       x->path, pi, n, p->w1 - p->w0);
	uint32_t c = unit_column(x, p->unit, col), *buf = NULL;
	size_t cap = 0;
	int64_t *vals = rs_xcalloc(x->s->nsample_types + 1, sizeof *vals);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		size_t k = p->samp0 + i, b = k ? x->send[k - 1] : 0;
		char where[64];
		snprintf(where, sizeof where, "$.profiles[%zu].samples[%zu]", pi, i);
		int32_t st;
		rc = stack_of(x, x->sf + b, x->send[k] - b, &buf, &cap, &st, err, where);
		vals[c] = to_model(x->w[p->w0 + i], p->unit);
		if (!rc)
			rs_sample_add(x->s, st, vals, t, RS_NO_TIME, NULL, 0);
	}
	free(vals);
	free(buf);
	return rc;
}

typedef struct open_frame {
	uint32_t frame;
	size_t interval;
} open_frame;

/* One sample for the stretch [t0, t1) with the frames on the stack. */
static int stretch(ss *x, const open_frame *st, size_t depth, int64_t dt, int32_t t, uint32_t c,
		   uint32_t **buf, size_t *cap, rs_err *err, const char *where)
{
	if (!depth || dt <= 0)
		return 0;
	uint32_t *fr = rs_xmalloc(depth * sizeof *fr);
	for (size_t k = 0; k < depth; k++)
		fr[k] = st[k].frame;
	int32_t node;
	int rc = stack_of(x, fr, depth, buf, cap, &node, err, where);
	free(fr);
	if (rc)
		return rc;
	int64_t *vals = rs_xcalloc(x->s->nsample_types, sizeof *vals);
	vals[c] = dt;
	rs_sample_add(x->s, node, vals, t, RS_NO_TIME, NULL, 0);
	free(vals);
	return 0;
}

static int event_check(ss *x, size_t pi, size_t i, const ss_event *e, double last, const open_frame *st,
		       size_t depth, rs_err *err)
{
	if (e->frame >= x->nframes)
		return rs_fail(err, RS_EINPUT, "%s: $.profiles[%zu].events[%zu].frame: %u is not below %zu (the number of shared.frames)",
			       x->path, pi, i, e->frame, x->nframes);
	if (e->at < last)
		return rs_fail(err, RS_EINPUT, "%s: $.profiles[%zu].events[%zu].at: %g is before the previous event (%g); events must be in time order",
			       x->path, pi, i, e->at, last);
	if (!e->open && (!depth || st[depth - 1].frame != e->frame))
		return rs_fail(err, RS_EINPUT, "%s: $.profiles[%zu].events[%zu]: closes frame %u, but %s is open",
			       x->path, pi, i, e->frame, depth ? "another frame" : "no frame");
	if (e->open && depth >= rs_limits_cur.max_depth)
		return rs_fail(err, RS_EINPUT, "%s: $.profiles[%zu].events[%zu]: more than --max-depth (%u) frames open",
			       x->path, pi, i, rs_limits_cur.max_depth);
	return 0;
}

static int build_evented(ss *x, size_t pi, int32_t t, int32_t *col, rs_err *err)
{
	ss_profile *p = &x->profs[pi];
	uint32_t c = unit_column(x, p->unit, col), *buf = NULL;
	open_frame *st = NULL;
	size_t depth = 0, st_cap = 0, cap = 0;
	double last = -INFINITY;
	int rc = 0;
	for (size_t i = p->ev0; i < p->ev1 && !rc; i++) {
		const ss_event *e = &x->ev[i];
		char where[64];
		snprintf(where, sizeof where, "$.profiles[%zu].events[%zu]", pi, i - p->ev0);
		if ((rc = event_check(x, pi, i - p->ev0, e, last, st, depth, err)))
			break;
		int64_t now = to_model(e->at, p->unit);
		if (i > p->ev0)
			rc = stretch(x, st, depth, rs_add_sat(now, -to_model(last, p->unit)), t, c, &buf, &cap, err,
				     where);
		last = e->at;
		if (e->open) {
			rs_interval *iv = rs_interval_new(x->s);
			iv->thread = t;
			iv->start_ns = iv->end_ns = now;
			iv->frame = x->fmap[e->frame];
			RS_GROW(st, st_cap, depth + 1);
			st[depth++] = (open_frame){e->frame, x->s->nintervals - 1};
		} else {
			x->s->intervals[st[--depth].interval].end_ns = now;
		}
	}
	if (!rc && depth)
		rc = rs_fail(err, RS_EINPUT, "%s: $.profiles[%zu].events: frame %u is opened but never closed (%zu frames still open at the end)",
			     x->path, pi, st[depth - 1].frame, depth);
	free(st);
	free(buf);
	return rc;
}

static void finish_extra(ss *x)
{
	if (!x->extra.len)
		return;
	rs_strbuf sb = {0};
	rs_sb_adds(&sb, "{\"speedscope\":{");
	rs_sb_add(&sb, x->extra.buf, x->extra.len);
	rs_sb_adds(&sb, "}}");
	x->s->extra = rs_intern(x->s, sb.buf, sb.len);
	rs_sb_free(&sb);
}

static int build(ss *x, rs_err *err)
{
	if (!x->has_profiles || !x->has_shared)
		return rs_fail(err, RS_EINPUT, "%s: $: expected a speedscope file with \"shared\" and \"profiles\"", x->path);
	map_frames(x);
	int32_t col[3] = {-1, -1, -1};
	for (size_t i = 0; i < x->nprofs; i++) /* columns first: samples need all of them */
		unit_column(x, x->profs[i].unit < 0 ? U_NONE : x->profs[i].unit, col);
	int rc = 0;
	for (size_t i = 0; i < x->nprofs && !rc; i++) {
		ss_profile *p = &x->profs[i];
		if (p->unit < 0)
			p->unit = U_NONE;
		int32_t t = rs_thread_add(x->s, -1, -1, p->name);
		thread_meta(x, p, t);
		rc = p->evented ? build_evented(x, i, t, col, err) : build_sampled(x, i, t, col, err);
	}
	if (x->s->samples.n)
		x->s->samples.has_thread = true;
	finish_extra(x);
	return rc;
}

/* --- the embedded session --- */

/* Swaps the contents of two sessions (the caller's pointer stays valid). */
/* Restores the embedded session when exporting it gives exactly this file;
 * otherwise the file was edited after we wrote it and the plain import
 * stands (with a warning). */
static int use_own(ss *x, const unsigned char *file, size_t len, rs_err *err)
{
	rs_session *own;
	char name[512];
	snprintf(name, sizeof name, "%s (member \"rustscope\")", x->path);
	if (rs_import_opts_cur.ignore_embedded)
		return 0;
	int rc = rs_embedded_read(name, x->own, x->own_len, &own, err);
	if (rc)
		return rc;
	rs_output out;
	rs_output_open_mem(&out, name);
	rc = rs_export_speedscope(own, &out, err);
	size_t n = 0;
	char *bytes = rc ? NULL : (rs_output_commit(&out, err), rs_output_take(&out, &n));
	if (rc)
		rs_output_abort(&out);
	if (!rc && n == len && memcmp(bytes, file, len) == 0)
		rs_session_swap(x->s, own);
	else if (!rc)
		rs_warn("%s: the embedded rustscope session does not match the profile (edited?); importing it as plain speedscope",
			x->path);
	free(bytes);
	rs_session_free(own);
	return rc;
}

static void ss_free(ss *x)
{
	for (size_t i = 0; i < x->nprofs; i++) {
		rs_sb_free(&x->profs[i].unknown);
		rs_sb_free(&x->profs[i].start);
		rs_sb_free(&x->profs[i].end);
	}
	free(x->frames);
	free(x->profs);
	free(x->sf);
	free(x->send);
	free(x->w);
	free(x->ev);
	free(x->fmap);
	free(x->own);
	rs_sb_free(&x->extra);
	rs_sb_free(&x->member);
}

int rs_import_speedscope(rs_input *in, rs_session *s, rs_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = rs_input_read_all(in, &buf, &len, err);
	if (rc)
		return rc;
	ss x = {.s = s, .path = in->path};
	rs_input mem;
	static const rs_jr_handler h = {on_open, on_close, on_scalar, on_raw};
	rc = rs_input_open_mem(&mem, in->path, buf, len, err);
	if (!rc)
		rc = rs_jr_parse(&mem, &h, &x, err);
	rs_input_close(&mem);
	if (!rc)
		rc = build(&x, err);
	if (!rc && x.own)
		rc = use_own(&x, buf, len, err);
	ss_free(&x);
	free(buf);
	return rc;
}
