/* ProfileSession → Chrome Trace Event Format (object form, traceEvents
 * first): intervals as X events, markers as instant events, counters as C
 * events, thread names as M events, samples as V8 Profile/ProfileChunk
 * events per thread (what DevTools' Performance panel and Perfetto show),
 * events kept from an imported trace (extra.chrome.events) as they were,
 * the session's windows as X events on a track of their own.
 * metadata.rustscope carries the whole session so that it reads back
 * byte for byte. Mapping: docs/chrome.md. */
#include "../lib/json_read.h"
#include "../lib/xalloc.h"
#include "../schema/interval_samples.h"
#include "../schema/session_json.h"
#include "exporters.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ns → µs as exact decimal text: 1500 → "1.5". */
/* The session JSON, embedded. Its schema marker is written with an escape
 * (same string once parsed) so that content sniffing does not take the
 * whole file for session JSON. */
void rs_write_embedded_session(const rs_session *s, rs_jw *w)
{
	rs_strbuf sb = {0};
	rs_jw e;
	rs_jw_init_buf(&e, &sb);
	rs_session_write_json(s, &e);
	static const char mark[] = "\"rustscope.session\"";
	char *p = strstr(sb.buf, mark);
	if (p) {
		rs_strbuf out = {0};
		rs_sb_add(&out, sb.buf, (size_t)(p - sb.buf));
		rs_sb_adds(&out, "\"rustscope\\u002esession\"");
		rs_sb_adds(&out, p + sizeof mark - 1);
		rs_jw_raw(w, out.buf, out.len);
		rs_sb_free(&out);
	} else {
		rs_jw_raw(w, sb.buf, sb.len);
	}
	rs_sb_free(&sb);
}

void rs_jw_us(rs_jw *w, int64_t ns)
{
	char buf[40];
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	int n = snprintf(buf, sizeof buf, "%s%" PRIu64, ns < 0 ? "-" : "", a / 1000);
	unsigned frac = (unsigned)(a % 1000);
	if (frac) {
		n += snprintf(buf + n, sizeof buf - (size_t)n, ".%03u", frac);
		while (buf[n - 1] == '0')
			buf[--n] = 0;
	}
	rs_jw_raw(w, buf, (size_t)n);
}

/* --- one event --- */

typedef struct exp {
	const rs_session *s;
	rs_jw *w;
	int64_t default_pid;
	/* samples derived from the intervals, which are written as X events
	 * already (NULL: none) */
	uint8_t *derived;
} exp;

/* pid and tid of the thread, those it has; need: some pid/tid even without
 * a thread (viewers drop X, C and P events that have none). */
static void pid_tid(exp *x, int32_t thread, bool need)
{
	rs_jw *w = x->w;
	const rs_thread *t = thread >= 0 && (size_t)thread < x->s->nthreads ? &x->s->threads[thread] : NULL;
	if (t && (t->pid >= 0 || t->tid >= 0)) {
		if (t->pid >= 0) {
			rs_jw_key(w, "pid");
			rs_jw_int(w, t->pid);
		}
		if (t->tid >= 0) {
			rs_jw_key(w, "tid");
			rs_jw_int(w, t->tid);
		}
	} else if (need) {
		rs_jw_key(w, "pid");
		rs_jw_int(w, x->default_pid);
		rs_jw_key(w, "tid");
		rs_jw_int(w, 0);
	}
}

/* Members we did not model, written back into the event, except our own
 * markers (rustscope_*) and keys the event already has. */
typedef struct splice {
	rs_jw *w;
	const char *const *skip;
	bool no_dur, no_name;
	rs_strbuf ph;
} splice;

static void splice_one(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	splice *sp = ctx;
	if (kn == 16 && memcmp(k, "rustscope_no_dur", 16) == 0) {
		sp->no_dur = true;
		return;
	}
	if (kn > 10 && memcmp(k, "rustscope_", 10) == 0)
		return;
	for (const char *const *p = sp->skip; p && *p; p++)
		if (strlen(*p) == kn && memcmp(*p, k, kn) == 0)
			return;
	rs_jw_keyn(sp->w, k, kn);
	rs_jw_raw(sp->w, json, len);
}

static void scan_flags(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	splice *sp = ctx;
	if (kn == 16 && memcmp(k, "rustscope_no_dur", 16) == 0)
		sp->no_dur = true;
	if (kn == 17 && memcmp(k, "rustscope_no_name", 17) == 0)
		sp->no_name = true;
	if (kn == 2 && memcmp(k, "ph", 2) == 0 && len > 2)
		rs_sb_add(&sp->ph, json + 1, len - 2);
}

static const char *const event_keys[] = {"ph", "name", "cat", "ts", "dur", "pid", "tid", "args", NULL};

static void frame_args(exp *x, int32_t fi)
{
	const rs_session *s = x->s;
	const rs_frame *f = &s->frames[fi];
	rs_jw *w = x->w;
	rs_jw_key(w, "rustscope_frame");
	rs_jw_obj(w);
	rs_jw_key(w, "name");
	rs_jw_str(w, rs_s(s, f->name), rs_slen(s, f->name));
	rs_str strs[] = {f->system_name, f->file, f->crate, f->module};
	const char *names[] = {"system_name", "file", "crate", "module"};
	for (int i = 0; i < 4; i++)
		if (strs[i]) {
			rs_jw_key(w, names[i]);
			rs_jw_str(w, rs_s(s, strs[i]), rs_slen(s, strs[i]));
		}
	if (f->line) {
		rs_jw_key(w, "line");
		rs_jw_int(w, f->line);
	}
	rs_jw_key(w, "kind");
	rs_jw_cstr(w, rs_frame_kind_name(f->kind));
	rs_jw_obj_end(w);
}

static void write_args(exp *x, rs_str args, int32_t frame)
{
	const rs_session *s = x->s;
	bool has_frame = frame >= 0 && (size_t)frame < s->nframes;
	if (!args && !has_frame)
		return;
	rs_jw_key(x->w, "args");
	rs_jw_obj(x->w);
	if (args && rs_slen(x->s, args) > 2)
		rs_jw_raw_members(x->w, rs_s(s, args) + 1, rs_slen(s, args) - 2);
	if (has_frame)
		frame_args(x, frame);
	rs_jw_obj_end(x->w);
}

static void write_interval(exp *x, const rs_interval *iv)
{
	const rs_session *s = x->s;
	rs_jw *w = x->w;
	splice sp = {.w = w, .skip = event_keys};
	if (iv->unknown)
		rs_json_each_member(rs_s(s, iv->unknown), rs_slen(s, iv->unknown), true, scan_flags, &sp);
	rs_jw_newline(w);
	rs_jw_obj(w);
	rs_jw_key(w, "ph");
	rs_jw_cstr(w, "X");
	rs_str name = iv->name ? iv->name : iv->frame >= 0 && (size_t)iv->frame < s->nframes
		? s->frames[iv->frame].name : 0;
	if (name || !sp.no_name) {
		rs_jw_key(w, "name");
		rs_jw_str(w, name ? rs_s(s, name) : "(unnamed)", name ? rs_slen(s, name) : 9);
	}
	if (iv->category) {
		rs_jw_key(w, "cat");
		rs_jw_str(w, rs_s(s, iv->category), rs_slen(s, iv->category));
	}
	rs_jw_key(w, "ts");
	rs_jw_us(w, iv->start_ns);
	if (!sp.no_dur || iv->end_ns != iv->start_ns) {
		rs_jw_key(w, "dur");
		rs_jw_us(w, iv->end_ns - iv->start_ns);
	}
	pid_tid(x, iv->thread, true);
	write_args(x, iv->args, iv->frame);
	if (iv->unknown)
		rs_json_each_member(rs_s(s, iv->unknown), rs_slen(s, iv->unknown), true, splice_one, &sp);
	rs_jw_obj_end(w);
	rs_sb_free(&sp.ph);
}

static void write_marker(exp *x, const rs_marker *m)
{
	const rs_session *s = x->s;
	rs_jw *w = x->w;
	static const char *const keys[] = {"name", "ts", "pid", "tid", "args", NULL};
	splice sp = {.w = w, .skip = keys};
	if (m->unknown)
		rs_json_each_member(rs_s(s, m->unknown), rs_slen(s, m->unknown), true, scan_flags, &sp);
	rs_jw_newline(w);
	rs_jw_obj(w);
	if (!sp.ph.len) {
		rs_jw_key(w, "ph");
		rs_jw_cstr(w, "i");
	}
	if (!sp.no_name) {
		rs_jw_key(w, "name");
		rs_jw_str(w, rs_s(s, m->name), rs_slen(s, m->name));
	}
	rs_jw_key(w, "ts");
	rs_jw_us(w, m->t_ns);
	pid_tid(x, m->thread, false);
	if (m->thread < 0 && (!m->unknown || !strstr(rs_s(s, m->unknown), "\"s\":"))) {
		rs_jw_key(w, "s"); /* thread scope is the default */
		rs_jw_cstr(w, "g");
	}
	write_args(x, m->args, -1);
	if (m->unknown)
		rs_json_each_member(rs_s(s, m->unknown), rs_slen(s, m->unknown), true, splice_one, &sp);
	rs_jw_obj_end(w);
	rs_sb_free(&sp.ph);
}

/* Counter lanes from a trace remember their event name and series. */
typedef struct lane_info {
	rs_strbuf name, series;
} lane_info;

static void lane_member(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	lane_info *l = ctx;
	if (len < 2 || json[0] != '"')
		return;
	if (kn == 14 && memcmp(k, "rustscope_name", 14) == 0)
		rs_sb_add(&l->name, json, len); /* the JSON string, quotes and all */
	else if (kn == 16 && memcmp(k, "rustscope_series", 16) == 0)
		rs_sb_add(&l->series, json, len);
}

static void write_counter(exp *x, const rs_counter *c)
{
	const rs_session *s = x->s;
	rs_jw *w = x->w;
	lane_info l = {0};
	if (c->unknown)
		rs_json_each_member(rs_s(s, c->unknown), rs_slen(s, c->unknown), true, lane_member, &l);
	bool from_trace = l.series.len > 0;
	static const char *const keys[] = {"ph", "name", "ts", "pid", "tid", "args", NULL};
	for (size_t i = 0; i < c->n; i++) {
		rs_jw_newline(w);
		rs_jw_obj(w);
		rs_jw_key(w, "ph");
		rs_jw_cstr(w, "C");
		rs_jw_key(w, "name");
		if (from_trace && l.name.len)
			rs_jw_raw(w, l.name.buf, l.name.len);
		else
			rs_jw_str(w, rs_s(s, c->name), rs_slen(s, c->name));
		rs_jw_key(w, "ts");
		rs_jw_us(w, c->t_ns[i]);
		pid_tid(x, c->thread, true);
		rs_jw_key(w, "args");
		rs_jw_obj(w);
		rs_strbuf m = {0};
		rs_sb_add(&m, from_trace ? l.series.buf : "\"value\"", from_trace ? l.series.len : 7);
		rs_sb_addc(&m, ':');
		rs_jw v;
		rs_jw_init_buf(&v, &m);
		rs_jw_double(&v, c->value[i]);
		rs_jw_raw_members(w, m.buf, m.len);
		rs_sb_free(&m);
		rs_jw_obj_end(w);
		splice sp = {.w = w, .skip = keys};
		if (c->unknown)
			rs_json_each_member(rs_s(s, c->unknown), rs_slen(s, c->unknown), true, splice_one, &sp);
		rs_jw_obj_end(w);
	}
	rs_sb_free(&l.name);
	rs_sb_free(&l.series);
}

/* An M event's opening: {"ph":"M","name":"thread_name", the rest to follow. */
static void thread_name_open(rs_jw *w)
{
	rs_jw_newline(w);
	rs_jw_obj(w);
	rs_jw_key(w, "ph");
	rs_jw_cstr(w, "M");
	rs_jw_key(w, "name");
	rs_jw_cstr(w, "thread_name");
}

static void write_thread_names(exp *x)
{
	const rs_session *s = x->s;
	rs_jw *w = x->w;
	static const char *const keys[] = {"ph", "name", "pid", "tid", "args", NULL};
	for (size_t i = 0; i < s->nthreads; i++) {
		const rs_thread *t = &s->threads[i];
		if (!t->name)
			continue;
		thread_name_open(w);
		pid_tid(x, (int32_t)i, true);
		rs_jw_key(w, "args");
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		rs_jw_str(w, rs_s(s, t->name), rs_slen(s, t->name));
		rs_jw_obj_end(w);
		splice sp = {.w = w, .skip = keys};
		if (t->unknown)
			rs_json_each_member(rs_s(s, t->unknown), rs_slen(s, t->unknown), true, splice_one, &sp);
		rs_jw_obj_end(w);
	}
}

/* --- windows: a track of their own --- */

/* The pseudo thread of the windows track: a tid no real thread has (Linux
 * tids stay below 2^22), moved down in the rare trace whose threads use it. */
#define WINDOWS_TID INT32_MAX
#define WINDOWS_TRACK "rustscope windows"

static bool tid_taken(const exp *x, int64_t tid)
{
	for (size_t i = 0; i < x->s->nthreads; i++)
		if (x->s->threads[i].pid == x->default_pid && x->s->threads[i].tid == tid)
			return true;
	return false;
}

static int64_t windows_tid(const exp *x)
{
	int64_t tid = WINDOWS_TID;
	while (tid_taken(x, tid))
		tid--;
	return tid;
}

static void windows_track_name(exp *x, int64_t tid)
{
	rs_jw *w = x->w;
	thread_name_open(w);
	rs_jw_key(w, "pid");
	rs_jw_int(w, x->default_pid);
	rs_jw_key(w, "tid");
	rs_jw_int(w, tid);
	rs_jw_key(w, "args");
	rs_jw_obj(w);
	rs_jw_key(w, "name");
	rs_jw_cstr(w, WINDOWS_TRACK);
	rs_jw_obj_end(w);
	rs_jw_obj_end(w);
}

/* One window as a complete event: the viewers draw it as a slice named by
 * its trigger, and show hotspots and counter_deltas as its args. */
static void write_window(exp *x, const rs_window *win, int64_t tid)
{
	const rs_session *s = x->s;
	rs_jw *w = x->w;
	rs_jw_newline(w);
	rs_jw_obj(w);
	rs_jw_key(w, "ph");
	rs_jw_cstr(w, "X");
	rs_jw_key(w, "name");
	if (win->trigger)
		rs_jw_str(w, rs_s(s, win->trigger), rs_slen(s, win->trigger));
	else
		rs_jw_cstr(w, "window");
	rs_jw_key(w, "cat");
	rs_jw_cstr(w, "rustscope.window");
	rs_jw_key(w, "ts");
	rs_jw_us(w, win->start_ns);
	rs_jw_key(w, "dur");
	rs_jw_us(w, win->end_ns > win->start_ns ? win->end_ns - win->start_ns : 0);
	rs_jw_key(w, "pid");
	rs_jw_int(w, x->default_pid);
	rs_jw_key(w, "tid");
	rs_jw_int(w, tid);
	if (win->hotspots || win->counter_deltas) {
		rs_jw_key(w, "args");
		rs_jw_obj(w);
		if (win->hotspots) {
			rs_jw_key(w, "hotspots");
			rs_jw_raw(w, rs_s(s, win->hotspots), rs_slen(s, win->hotspots));
		}
		if (win->counter_deltas) {
			rs_jw_key(w, "counter_deltas");
			rs_jw_raw(w, rs_s(s, win->counter_deltas), rs_slen(s, win->counter_deltas));
		}
		rs_jw_obj_end(w);
	}
	rs_jw_obj_end(w);
}

/* The embedded session has the windows already: an importer that restores
 * it reads none of these events. */
static void write_windows(exp *x)
{
	if (!x->s->nwindows)
		return;
	int64_t tid = windows_tid(x);
	windows_track_name(x, tid);
	for (size_t i = 0; i < x->s->nwindows; i++)
		write_window(x, &x->s->windows[i], tid);
}

/* --- samples: one V8 profile per thread --- */

/* Whether sample i belongs to the profile of thread. */
static bool of_profile(const exp *x, size_t i, int32_t thread)
{
	const rs_samples *sm = &x->s->samples;
	return (sm->has_thread ? sm->thread[i] : -1) == thread && !(x->derived && x->derived[i]);
}

/* Sample times: the recorded ones, else evenly spaced from the session start
 * (never at ts 0: DevTools ignores such events). */
static int64_t *sample_times(const rs_session *s)
{
	const rs_samples *sm = &s->samples;
	int64_t *t = rs_xmalloc((sm->n + 1) * sizeof *t);
	int64_t step = s->period > 0 && s->period_type.unit &&
		strcmp(rs_s(s, s->period_type.unit), "nanoseconds") == 0 ? s->period : 1000000;
	int64_t base = s->info.start_time_ns != RS_NO_TIME && s->info.start_time_ns > 0
		? s->info.start_time_ns : 1000000000;
	for (size_t i = 0; i < sm->n; i++) {
		if (sm->has_time && sm->time_ns[i] != RS_NO_TIME)
			base = sm->time_ns[i];
		else if (i)
			base += step;
		t[i] = base;
	}
	return t;
}

static void call_frame(exp *x, const rs_frame *f)
{
	const rs_session *s = x->s;
	rs_jw *w = x->w;
	rs_jw_key(w, "callFrame");
	rs_jw_obj(w);
	const char *name = rs_s(s, f->name);
	rs_jw_key(w, "functionName");
	if (strcmp(name, "(anonymous)") == 0)
		rs_jw_cstr(w, "");
	else
		rs_jw_str(w, name, rs_slen(s, f->name));
	bool script = f->unknown && strstr(rs_s(s, f->unknown), "\"scriptId\":");
	if (!script) {
		rs_jw_key(w, "scriptId");
		rs_jw_cstr(w, "0");
	}
	rs_jw_key(w, "url");
	rs_jw_str(w, rs_s(s, f->file), rs_slen(s, f->file));
	rs_jw_key(w, "lineNumber");
	rs_jw_int(w, f->line ? f->line - 1 : -1);
	rs_jw_key(w, "columnNumber");
	rs_jw_int(w, f->column ? f->column - 1 : -1);
	static const char *const keys[] = {"functionName", "url", "lineNumber", "columnNumber", NULL};
	splice sp = {.w = w, .skip = keys};
	if (f->unknown)
		rs_json_each_member(rs_s(s, f->unknown), rs_slen(s, f->unknown), true, splice_one, &sp);
	rs_jw_obj_end(w);
}

/* Nodes: a "(root)" with id 1, then stack node i as id i + 2. */
void rs_v8_write_nodes(const rs_session *s, rs_jw *w, const uint8_t *used, bool children,
		       const uint32_t *hits, const char *const *extras)
{
	exp x = {.s = s, .w = w};
	rs_jw_key(w, "nodes");
	rs_jw_arr(w);
	rs_jw_obj(w);
	rs_jw_key(w, "id");
	rs_jw_int(w, 1);
	rs_jw_key(w, "callFrame");
	static const char root[] = "{\"functionName\":\"(root)\",\"scriptId\":\"0\",\"url\":\"\","
				   "\"lineNumber\":-1,\"columnNumber\":-1}";
	rs_jw_raw(w, root, sizeof root - 1);
	if (children) {
		rs_jw_key(w, "hitCount");
		rs_jw_int(w, 0);
		rs_jw_key(w, "children");
		rs_jw_arr(w);
		for (size_t i = 0; i < s->nstacks; i++)
			if (used[i] && s->stacks[i].parent < 0)
				rs_jw_int(w, (int64_t)i + 2);
		rs_jw_arr_end(w);
	}
	rs_jw_obj_end(w);
	/* child lists, when wanted: next sibling in index order */
	int32_t *first = NULL, *next = NULL;
	if (children) {
		first = rs_xmalloc((s->nstacks + 1) * sizeof *first);
		next = rs_xmalloc((s->nstacks + 1) * sizeof *next);
		for (size_t i = 0; i < s->nstacks; i++)
			first[i] = next[i] = -1;
		for (size_t i = s->nstacks; i-- > 0;)
			if (used[i] && s->stacks[i].parent >= 0) {
				next[i] = first[s->stacks[i].parent];
				first[s->stacks[i].parent] = (int32_t)i;
			}
	}
	for (size_t i = 0; i < s->nstacks; i++) {
		if (!used[i])
			continue;
		rs_jw_newline(w);
		rs_jw_obj(w);
		rs_jw_key(w, "id");
		rs_jw_int(w, (int64_t)i + 2);
		const rs_stack *st = &s->stacks[i];
		call_frame(&x, &s->frames[st->frame]);
		bool own_hits = extras && extras[i] && strstr(extras[i], "\"hitCount\":");
		if (children) {
			if (!own_hits) {
				rs_jw_key(w, "hitCount");
				rs_jw_int(w, hits ? hits[i] : 0);
			}
			rs_jw_key(w, "children");
			rs_jw_arr(w);
			for (int32_t c = first[i]; c >= 0; c = next[c])
				rs_jw_int(w, c + 2);
			rs_jw_arr_end(w);
		} else {
			rs_jw_key(w, "parent");
			rs_jw_int(w, st->parent >= 0 ? st->parent + 2 : 1);
		}
		if (extras && extras[i])
			rs_jw_raw_members(w, extras[i], strlen(extras[i]));
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
	free(first);
	free(next);
}

/* Marks the stacks of the samples of one thread and their ancestors. */
static size_t mark_used(const exp *x, int32_t thread, uint8_t *used)
{
	const rs_session *s = x->s;
	const rs_samples *sm = &s->samples;
	memset(used, 0, s->nstacks + 1);
	size_t n = 0;
	for (size_t i = 0; i < sm->n; i++) {
		if (!of_profile(x, i, thread))
			continue;
		n++;
		for (int32_t k = sm->stack[i]; k >= 0 && !used[k]; k = s->stacks[k].parent)
			used[k] = 1;
	}
	return n;
}

static void write_profile(exp *x, int32_t thread, int id, const int64_t *times, const uint8_t *used)
{
	const rs_session *s = x->s;
	const rs_samples *sm = &s->samples;
	rs_jw *w = x->w;
	int64_t start = -1;
	for (size_t i = 0; i < sm->n && start < 0; i++)
		if (of_profile(x, i, thread))
			start = times[i];
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "0x%x", id);
	for (int chunk = 0; chunk < 2; chunk++) {
		rs_jw_newline(w);
		rs_jw_obj(w);
		rs_jw_key(w, "ph");
		rs_jw_cstr(w, "P");
		rs_jw_key(w, "name");
		rs_jw_cstr(w, chunk ? "ProfileChunk" : "Profile");
		rs_jw_key(w, "cat");
		rs_jw_cstr(w, "disabled-by-default-v8.cpu_profiler");
		rs_jw_key(w, "id");
		rs_jw_cstr(w, idbuf);
		rs_jw_key(w, "ts");
		rs_jw_us(w, start);
		pid_tid(x, thread, true);
		rs_jw_key(w, "args");
		rs_jw_obj(w);
		rs_jw_key(w, "data");
		rs_jw_obj(w);
		if (!chunk) {
			rs_jw_key(w, "startTime");
			rs_jw_us(w, start);
		} else {
			rs_jw_key(w, "cpuProfile");
			rs_jw_obj(w);
			rs_v8_write_nodes(s, w, used, false, NULL, NULL);
			rs_jw_key(w, "samples");
			rs_jw_arr(w);
			for (size_t i = 0; i < sm->n; i++)
				if (of_profile(x, i, thread))
					rs_jw_int(w, sm->stack[i] >= 0 ? sm->stack[i] + 2 : 1);
			rs_jw_arr_end(w);
			rs_jw_obj_end(w);
			rs_jw_key(w, "timeDeltas");
			rs_jw_arr(w);
			int64_t prev = start;
			for (size_t i = 0; i < sm->n; i++)
				if (of_profile(x, i, thread)) {
					rs_jw_us(w, times[i] - prev);
					prev = times[i];
				}
			rs_jw_arr_end(w);
		}
		rs_jw_obj_end(w);
		rs_jw_obj_end(w);
		rs_jw_obj_end(w);
	}
}

static void write_samples(exp *x)
{
	const rs_session *s = x->s;
	if (!s->samples.n)
		return;
	int64_t *times = sample_times(s);
	uint8_t *used = rs_xmalloc(s->nstacks + 1);
	x->derived = rs_samples_from_intervals(s);
	int id = 1;
	for (int32_t th = -1; th < (int32_t)s->nthreads; th++)
		if (mark_used(x, th, used))
			write_profile(x, th, id++, times, used);
	free(x->derived);
	x->derived = NULL;
	free(used);
	free(times);
}

/* --- what an imported trace kept: extra.chrome --- */

typedef struct chrome_extra {
	rs_jw *w;
	bool events_pass;
	rs_strbuf meta;
} chrome_extra;

static void strip_brackets(rs_jw *w, const char *json, size_t len)
{
	if (len > 2)
		rs_jw_raw_members(w, json + 1, len - 2); /* elements, as members would be */
}

static void extra_chrome(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	chrome_extra *c = ctx;
	bool events = kn == 6 && memcmp(k, "events", 6) == 0 && json[0] == '[';
	bool meta = kn == 8 && memcmp(k, "metadata", 8) == 0 && json[0] == '{';
	if (c->events_pass) {
		if (events)
			strip_brackets(c->w, json, len);
		return;
	}
	if (meta) {
		if (len > 2)
			rs_sb_add(&c->meta, json + 1, len - 2);
	} else if (!events && !(kn == 11 && memcmp(k, "traceEvents", 11) == 0)) {
		rs_jw_keyn(c->w, k, kn);
		rs_jw_raw(c->w, json, len);
	}
}

typedef struct find_chrome {
	rs_strbuf chrome;
} find_chrome;

static void find_chrome_member(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	find_chrome *f = ctx;
	if (kn == 6 && memcmp(k, "chrome", 6) == 0 && json[0] == '{')
		rs_sb_add(&f->chrome, json, len);
}

int rs_export_chrome(const rs_session *s, rs_output *out, rs_err *err)
{
	(void)err;
	rs_jw w;
	rs_jw_init_out(&w, out);
	exp x = {.s = s, .w = &w, .default_pid = s->nthreads && s->threads[0].pid >= 0 ? s->threads[0].pid : 1};
	find_chrome fc = {0};
	if (s->extra)
		rs_json_each_member(rs_s(s, s->extra), rs_slen(s, s->extra), false, find_chrome_member, &fc);
	chrome_extra ce = {.w = &w};
	rs_jw_obj(&w);
	rs_jw_key(&w, "traceEvents");
	rs_jw_arr(&w);
	write_thread_names(&x);
	for (size_t i = 0; i < s->nintervals; i++)
		write_interval(&x, &s->intervals[i]);
	for (size_t i = 0; i < s->nmarkers; i++)
		write_marker(&x, &s->markers[i]);
	for (size_t i = 0; i < s->ncounters; i++)
		write_counter(&x, &s->counters[i]);
	write_windows(&x);
	write_samples(&x);
	if (fc.chrome.len) {
		ce.events_pass = true;
		rs_json_each_member(fc.chrome.buf, fc.chrome.len, false, extra_chrome, &ce);
	}
	rs_jw_arr_end(&w);
	if (fc.chrome.len) {
		ce.events_pass = false;
		rs_jw_newline(&w);
		rs_json_each_member(fc.chrome.buf, fc.chrome.len, false, extra_chrome, &ce);
	}
	rs_jw_newline(&w);
	rs_jw_key(&w, "metadata");
	rs_jw_obj(&w);
	if (ce.meta.len)
		rs_jw_raw_members(&w, ce.meta.buf, ce.meta.len);
	rs_jw_key(&w, "rustscope");
	rs_write_embedded_session(s, &w);
	rs_jw_obj_end(&w);
	rs_jw_obj_end(&w);
	rs_jw_newline(&w);
	rs_jw_finish(&w);
	rs_sb_free(&fc.chrome);
	rs_sb_free(&ce.meta);
	return 0;
}
