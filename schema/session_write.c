/* ProfileSession → session JSON (v1). Deterministic: fixed key order,
 * optional fields omitted when absent, unknown members written back last
 * in their object. */
#include "../exporters/exporters.h"
#include "../lib/json_write.h"
#include "session_json.h"
#include "session_keys.h"

#include <string.h>

static void str(rs_jw *w, const rs_session *s, rs_str id) { rs_jw_str(w, rs_s(s, id), rs_slen(s, id)); }

static void opt_str(rs_jw *w, const rs_session *s, const char *key, rs_str id)
{
	if (id) {
		rs_jw_key(w, key);
		str(w, s, id);
	}
}

static void opt_int(rs_jw *w, const char *key, int64_t v, int64_t absent)
{
	if (v != absent) {
		rs_jw_key(w, key);
		rs_jw_int(w, v);
	}
}

static void opt_raw(rs_jw *w, const rs_session *s, const char *key, rs_str id)
{
	if (id) {
		rs_jw_key(w, key);
		rs_jw_raw(w, rs_s(s, id), rs_slen(s, id));
	}
}

/* The unknown members of an object of kind tag, escaped where a name is
 * one of the object's own (session_keys.h). */
static void unknown(rs_jw *w, const rs_session *s, int tag, rs_str id)
{
	if (!id)
		return;
	rs_strbuf esc = {0};
	if (rs_session_unknown_escape(tag, rs_s(s, id), rs_slen(s, id), &esc))
		rs_jw_raw_members(w, esc.buf, esc.len);
	else
		rs_jw_raw_members(w, rs_s(s, id), rs_slen(s, id));
	rs_sb_free(&esc);
}

/* A sub-object of "session" made of optional strings (ncpus only for env),
 * omitted when all are absent. */
static void write_group(rs_jw *w, const rs_session *s, const char *key, int tag, const rs_str *vals,
			size_t n, rs_str unk, int64_t ncpus)
{
	const char *const *names = rs_session_keys[tag];
	bool any = unk || ncpus;
	for (size_t i = 0; i < n; i++)
		any |= vals[i] != 0;
	if (!any)
		return;
	rs_jw_key(w, key);
	rs_jw_obj(w);
	for (size_t i = 0; i < n; i++)
		opt_str(w, s, names[i], vals[i]);
	opt_int(w, "ncpus", ncpus, 0);
	unknown(w, s, tag, unk);
	rs_jw_obj_end(w);
}

static void write_info(rs_jw *w, const rs_session *s)
{
	const rs_session_info *in = &s->info;
	rs_jw_key(w, "session");
	rs_jw_obj(w);
	rs_jw_key(w, "id");
	str(w, s, in->id);
	rs_jw_key(w, "name");
	str(w, s, in->name);
	opt_int(w, "start_time_ns", in->start_time_ns, RS_NO_TIME);
	opt_int(w, "duration_ns", in->duration_ns, RS_NO_TIME);
	if (in->ntags) {
		rs_jw_key(w, "tags");
		rs_jw_obj(w);
		for (size_t i = 0; i < in->ntags; i++) {
			rs_jw_keyn(w, rs_s(s, in->tags[i].key), rs_slen(s, in->tags[i].key));
			str(w, s, in->tags[i].value);
		}
		rs_jw_obj_end(w);
	}
	const rs_str bv[] = {in->build.version, in->build.commit, in->build.profile, in->build.rustc,
			     in->build.target};
	const rs_str ev[] = {in->env.hostname, in->env.os, in->env.kernel, in->env.cpu_model};
	const rs_str pv[] = {in->producer.name, in->producer.version};
	const rs_str sv[] = {in->source.format, in->source.file, in->source.sha256};
	write_group(w, s, "build", T_BUILD, bv, 5, in->build.unknown, 0);
	write_group(w, s, "env", T_ENV, ev, 4, in->env.unknown, in->env.ncpus);
	write_group(w, s, "producer", T_PRODUCER, pv, 2, in->producer.unknown, 0);
	write_group(w, s, "source", T_SOURCE, sv, 3, in->source.unknown, 0);
	unknown(w, s, T_SESSION, in->unknown);
	rs_jw_obj_end(w);
}

static void value_type(rs_jw *w, const rs_session *s, rs_value_type vt)
{
	rs_jw_obj(w);
	rs_jw_key(w, "type");
	str(w, s, vt.type);
	rs_jw_key(w, "unit");
	str(w, s, vt.unit);
	unknown(w, s, T_SAMPLE_TYPE, vt.unknown);
	rs_jw_obj_end(w);
}

static void write_sample_types(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "sample_types");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nsample_types; i++)
		value_type(w, s, s->sample_types[i]);
	rs_jw_arr_end(w);
	opt_int(w, "period", s->period, 0);
	if (s->period_type.type || s->period_type.unit || s->period_type.unknown) {
		rs_jw_key(w, "period_type");
		value_type(w, s, s->period_type);
	}
	opt_str(w, s, "default_sample_type", s->default_sample_type);
}

static void write_frame(rs_jw *w, const rs_session *s, const rs_frame *f)
{
	rs_jw_obj(w);
	rs_jw_key(w, "name");
	str(w, s, f->name);
	opt_str(w, s, "system_name", f->system_name);
	opt_str(w, s, "file", f->file);
	opt_int(w, "line", f->line, 0);
	opt_int(w, "column", f->column, 0);
	if (f->is_inline) {
		rs_jw_key(w, "inline");
		rs_jw_bool(w, true);
	}
	if (f->kind != RS_KIND_UNKNOWN) {
		rs_jw_key(w, "kind");
		rs_jw_cstr(w, rs_frame_kind_name(f->kind));
	}
	if (f->address) {
		rs_jw_key(w, "address");
		rs_jw_uint(w, f->address);
	}
	opt_int(w, "mapping", f->mapping, -1);
	opt_str(w, s, "crate", f->crate);
	opt_str(w, s, "module", f->module);
	unknown(w, s, T_FRAME, f->unknown);
	rs_jw_obj_end(w);
}

static void write_frames(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "frames");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nframes; i++)
		write_frame(w, s, &s->frames[i]);
	rs_jw_arr_end(w);
	if (!s->nmappings)
		return;
	rs_jw_key(w, "mappings");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nmappings; i++) {
		const rs_mapping *m = &s->mappings[i];
		rs_jw_obj(w);
		rs_jw_key(w, "start");
		rs_jw_uint(w, m->start);
		rs_jw_key(w, "limit");
		rs_jw_uint(w, m->limit);
		rs_jw_key(w, "offset");
		rs_jw_uint(w, m->offset);
		opt_str(w, s, "file", m->file);
		opt_str(w, s, "build_id", m->build_id);
		unknown(w, s, T_MAPPING, m->unknown);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void int32_column(rs_jw *w, const char *key, const int32_t *v, size_t n)
{
	rs_jw_key(w, key);
	rs_jw_arr(w);
	for (size_t i = 0; i < n; i++)
		rs_jw_int(w, v[i]);
	rs_jw_arr_end(w);
}

static void write_stacks(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "stacks");
	rs_jw_obj(w);
	rs_jw_key(w, "parent");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nstacks; i++)
		rs_jw_int(w, s->stacks[i].parent);
	rs_jw_arr_end(w);
	rs_jw_key(w, "frame");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nstacks; i++)
		rs_jw_uint(w, s->stacks[i].frame);
	rs_jw_arr_end(w);
	unknown(w, s, T_STACKS, s->stacks_unknown);
	rs_jw_obj_end(w);
	if (!s->nthreads)
		return;
	rs_jw_key(w, "threads");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nthreads; i++) {
		const rs_thread *t = &s->threads[i];
		rs_jw_obj(w);
		opt_int(w, "pid", t->pid, -1);
		opt_int(w, "tid", t->tid, -1);
		opt_str(w, s, "name", t->name);
		unknown(w, s, T_THREAD, t->unknown);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void write_labels(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "labels");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->samples.n; i++) {
		size_t n;
		const rs_label *l = rs_sample_labels(s, i, &n);
		rs_jw_arr(w);
		for (size_t j = 0; j < n; j++) {
			rs_jw_obj(w);
			rs_jw_key(w, "key");
			str(w, s, l[j].key);
			if (l[j].is_num) {
				rs_jw_key(w, "num");
				rs_jw_int(w, l[j].num);
				opt_str(w, s, "unit", l[j].unit);
			} else {
				rs_jw_key(w, "str");
				str(w, s, l[j].str);
			}
			unknown(w, s, T_S_LABEL, l[j].unknown);
			rs_jw_obj_end(w);
		}
		rs_jw_arr_end(w);
	}
	rs_jw_arr_end(w);
}

static void write_samples(rs_jw *w, const rs_session *s)
{
	const rs_samples *sm = &s->samples;
	size_t nv = s->nsample_types;
	rs_jw_key(w, "samples");
	rs_jw_obj(w);
	int32_column(w, "stack", sm->stack, sm->n);
	rs_jw_key(w, "values");
	rs_jw_arr(w);
	for (size_t j = 0; j < nv; j++) {
		rs_jw_arr(w);
		for (size_t i = 0; i < sm->n; i++)
			rs_jw_int(w, sm->values[i * nv + j]);
		rs_jw_arr_end(w);
	}
	rs_jw_arr_end(w);
	if (sm->has_thread)
		int32_column(w, "thread", sm->thread, sm->n);
	if (sm->has_time) {
		rs_jw_key(w, "time_ns");
		rs_jw_arr(w);
		for (size_t i = 0; i < sm->n; i++)
			sm->time_ns[i] == RS_NO_TIME ? rs_jw_null(w) : rs_jw_int(w, sm->time_ns[i]);
		rs_jw_arr_end(w);
	}
	if (sm->has_labels)
		write_labels(w, s);
	unknown(w, s, T_SAMPLES, sm->unknown);
	rs_jw_obj_end(w);
}

static void write_intervals(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "intervals");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nintervals; i++) {
		const rs_interval *v = &s->intervals[i];
		rs_jw_obj(w);
		opt_int(w, "thread", v->thread, -1);
		rs_jw_key(w, "start_ns");
		rs_jw_int(w, v->start_ns);
		rs_jw_key(w, "end_ns");
		rs_jw_int(w, v->end_ns);
		opt_int(w, "frame", v->frame, -1);
		opt_str(w, s, "name", v->name);
		opt_str(w, s, "category", v->category);
		opt_raw(w, s, "args", v->args);
		unknown(w, s, T_INTERVAL, v->unknown);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void write_counters(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "counters");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->ncounters; i++) {
		const rs_counter *c = &s->counters[i];
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		str(w, s, c->name);
		opt_str(w, s, "unit", c->unit);
		opt_int(w, "thread", c->thread, -1);
		rs_jw_key(w, "points");
		rs_jw_arr(w);
		for (size_t j = 0; j < c->n; j++) {
			rs_jw_arr(w);
			rs_jw_int(w, c->t_ns[j]);
			rs_jw_double(w, c->value[j]);
			rs_jw_arr_end(w);
		}
		rs_jw_arr_end(w);
		unknown(w, s, T_COUNTER, c->unknown);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void write_memory_events(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "memory_events");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nmemory_events; i++) {
		const rs_memory_event *e = &s->memory_events[i];
		rs_jw_obj(w);
		rs_jw_key(w, "t_ns");
		rs_jw_int(w, e->t_ns);
		rs_jw_key(w, "kind");
		rs_jw_cstr(w, rs_mem_kind_name(e->kind));
		if (e->address) {
			rs_jw_key(w, "address");
			rs_jw_uint(w, e->address);
		}
		rs_jw_key(w, "size");
		rs_jw_int(w, e->size);
		opt_int(w, "stack", e->stack, -1);
		opt_int(w, "thread", e->thread, -1);
		unknown(w, s, T_MEM, e->unknown);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void write_markers(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "markers");
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nmarkers; i++) {
		const rs_marker *m = &s->markers[i];
		rs_jw_obj(w);
		rs_jw_key(w, "t_ns");
		rs_jw_int(w, m->t_ns);
		rs_jw_key(w, "name");
		str(w, s, m->name);
		opt_int(w, "thread", m->thread, -1);
		opt_raw(w, s, "args", m->args);
		unknown(w, s, T_MARKER, m->unknown);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

void rs_windows_write_json(const rs_session *s, rs_jw *w)
{
	rs_jw_arr(w);
	for (size_t i = 0; i < s->nwindows; i++) {
		const rs_window *win = &s->windows[i];
		rs_jw_obj(w);
		rs_jw_key(w, "start_ns");
		rs_jw_int(w, win->start_ns);
		rs_jw_key(w, "end_ns");
		rs_jw_int(w, win->end_ns);
		opt_str(w, s, "trigger", win->trigger);
		opt_raw(w, s, "hotspots", win->hotspots);
		opt_raw(w, s, "counter_deltas", win->counter_deltas);
		unknown(w, s, T_WINDOW, win->unknown);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void write_windows(rs_jw *w, const rs_session *s)
{
	rs_jw_key(w, "windows");
	rs_windows_write_json(s, w);
}

void rs_session_write_json(const rs_session *s, rs_jw *w)
{
	rs_jw_obj(w);
	rs_jw_key(w, "schema");
	rs_jw_cstr(w, RS_SCHEMA_NAME);
	rs_jw_key(w, "schema_version");
	rs_jw_int(w, RS_SCHEMA_VERSION);
	rs_jw_newline(w);
	write_info(w, s);
	rs_jw_newline(w);
	write_sample_types(w, s);
	rs_jw_newline(w);
	write_frames(w, s);
	rs_jw_newline(w);
	write_stacks(w, s);
	rs_jw_newline(w);
	write_samples(w, s);
	const struct { size_t n; void (*fn)(rs_jw *, const rs_session *); } opt[] = {
		{s->nintervals, write_intervals}, {s->ncounters, write_counters},
		{s->nmemory_events, write_memory_events}, {s->nmarkers, write_markers},
		{s->nwindows, write_windows},
	};
	for (size_t i = 0; i < sizeof opt / sizeof *opt; i++)
		if (opt[i].n) {
			rs_jw_newline(w);
			opt[i].fn(w, s);
		}
	rs_jw_newline(w);
	opt_raw(w, s, "rollups", s->rollups);
	opt_raw(w, s, "extra", s->extra);
	unknown(w, s, T_TOP, s->unknown);
	rs_jw_obj_end(w);
	rs_jw_newline(w);
}

int rs_export_session(const rs_session *s, rs_output *out, rs_err *err)
{
	(void)err;
	rs_jw w;
	rs_jw_init_out(&w, out);
	rs_session_write_json(s, &w);
	rs_jw_finish(&w);
	return 0;
}
