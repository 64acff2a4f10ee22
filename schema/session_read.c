/* Session JSON (v1) → ProfileSession, streaming over lib/json_read.
 *
 * Each JSON object kind has a tag and a key list; a key's position in the
 * list is its field number (bit in `seen`, checked against the required
 * mask when the object closes). Unknown members of known objects are kept
 * as raw JSON in the record's `unknown` field. Columns of "stacks" and
 * "samples" are collected and assembled when their object closes; the
 * cross-references are checked afterwards by rs_session_validate. */
#include "../importers/importers.h"
#include "../lib/json_read.h"
#include "../lib/sniff.h"
#include "../lib/xalloc.h"
#include "session_keys.h"
#include "validate.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef rs_jr_ints i64vec;

static void vpush(i64vec *c, int64_t x)
{
	RS_GROW(c->v, c->cap, c->n + 1);
	c->v[c->n++] = x;
}

#define B(i) (1ULL << (i))
static const uint64_t required[T_COUNT] = {
	[T_TOP] = B(0) | B(1) | B(2) | B(3) | B(7) | B(9) | B(11),
	[T_SESSION] = B(0) | B(1),
	[T_SAMPLE_TYPE] = B(0) | B(1),
	[T_PERIOD_TYPE] = B(0) | B(1),
	[T_FRAME] = B(0),
	[T_MAPPING] = B(0) | B(1),
	[T_STACKS] = B(0) | B(1),
	[T_SAMPLES] = B(0) | B(1),
	[T_S_LABEL] = B(0),
	[T_INTERVAL] = B(1) | B(2),
	[T_COUNTER] = B(0) | B(3),
	[T_MEM] = B(0) | B(1),
	[T_MARKER] = B(0) | B(1),
	[T_WINDOW] = B(0) | B(1),
};

typedef struct reader {
	rs_session *s;
	uint64_t seen[T_COUNT];
	rs_strbuf unk[T_COUNT];
	int key; /* field number of the current member, -1 = unknown */
	rs_frame frame;
	rs_mapping mapping;
	rs_thread thread;
	rs_value_type vt;
	rs_label label;
	int64_t point_t;
	int64_t point_len;
	i64vec parent, frame_col, stack, thread_col, time, *values;
	size_t nvalues, values_cap;
	i64vec label_end;
	rs_label *labels;
	size_t nlabels, labels_cap;
	bool has_thread, has_time, has_labels;
} reader;

static int key_index(const rs_jr *r, int tag)
{
	size_t n;
	const char *k = rs_jr_key(r, &n);
	return rs_session_key_index(tag, k, n);
}

static const char *key_name(int tag, int k) { return rs_session_keys[tag][k]; }

/* --- typed scalars --- */

static int type_error(rs_jr *r, const char *want, const rs_jv *v)
{
	return rs_jr_fail(r, RS_EINPUT, "expected %s, got %s", want, rs_jv_type_name(v));
}

static int want_int(rs_jr *r, const rs_jv *v, int64_t *out)
{
	if (v->type != RS_JV_INT || v->big)
		return type_error(r, "an integer", v);
	*out = v->i;
	return 0;
}

static int want_uint(rs_jr *r, const rs_jv *v, uint64_t *out)
{
	if (v->type != RS_JV_INT || (!v->big && v->i < 0))
		return type_error(r, "a non-negative integer", v);
	*out = v->u;
	return 0;
}

static int want_nonneg(rs_jr *r, const rs_jv *v, int64_t *out)
{
	if (want_int(r, v, out))
		return RS_EINPUT;
	return *out < 0 ? rs_jr_fail(r, RS_EINPUT, "expected a non-negative integer, got %" PRId64, *out)
			: 0;
}

/* An index into another table: -1 (none) .. INT32_MAX. */
static int want_index(rs_jr *r, const rs_jv *v, int32_t *out)
{
	int64_t x = 0;
	if (want_int(r, v, &x))
		return RS_EINPUT;
	if (x < -1 || x > INT32_MAX)
		return rs_jr_fail(r, RS_EINPUT, "expected an index (-1 .. %d), got %" PRId64, INT32_MAX, x);
	*out = (int32_t)x;
	return 0;
}

static int want_str(rs_jr *r, reader *rd, const rs_jv *v, rs_str *out)
{
	if (v->type != RS_JV_STRING)
		return type_error(r, "a string", v);
	*out = rs_intern(rd->s, v->s, v->len);
	return 0;
}

static int want_bool(rs_jr *r, const rs_jv *v, uint8_t *out)
{
	if (v->type != RS_JV_BOOL)
		return type_error(r, "true or false", v);
	*out = v->b;
	return 0;
}

static int want_enum(rs_jr *r, const rs_jv *v, int (*parse)(const char *, size_t), const char *names,
		     uint8_t *out)
{
	if (v->type != RS_JV_STRING)
		return type_error(r, "a string", v);
	int k = parse(v->s, v->len);
	if (k < 0)
		return rs_jr_fail(r, RS_EINPUT, "expected one of %s, got \"%.*s\"", names,
				  (int)(v->len > 40 ? 40 : v->len), v->s);
	*out = (uint8_t)k;
	return 0;
}

/* --- structure: which member opens which container --- */

typedef struct child {
	int parent;
	const char *key; /* NULL: element of an array */
	int tag;
	char shape; /* 'o' object, 'a' array, 'r' raw object, 'R' raw array */
} child;

/* Members of objects, and (below) elements of arrays: looked up apart, as
 * the elements are read far more often (a counter's points). */
static const child members[] = {
	{T_TOP, "session", T_SESSION, 'o'}, {T_TOP, "sample_types", T_SAMPLE_TYPES, 'a'},
	{T_TOP, "period_type", T_PERIOD_TYPE, 'o'}, {T_TOP, "frames", T_FRAMES, 'a'},
	{T_TOP, "mappings", T_MAPPINGS, 'a'}, {T_TOP, "stacks", T_STACKS, 'o'},
	{T_TOP, "threads", T_THREADS, 'a'}, {T_TOP, "samples", T_SAMPLES, 'o'},
	{T_TOP, "intervals", T_INTERVALS, 'a'}, {T_TOP, "counters", T_COUNTERS, 'a'},
	{T_TOP, "memory_events", T_MEMS, 'a'}, {T_TOP, "markers", T_MARKERS, 'a'},
	{T_TOP, "windows", T_WINDOWS, 'a'}, {T_TOP, "rollups", T_NONE, 'r'},
	{T_TOP, "extra", T_NONE, 'r'},
	{T_SESSION, "tags", T_TAGS, 'o'}, {T_SESSION, "build", T_BUILD, 'o'},
	{T_SESSION, "env", T_ENV, 'o'}, {T_SESSION, "producer", T_PRODUCER, 'o'},
	{T_SESSION, "source", T_SOURCE, 'o'},
	{T_STACKS, "parent", T_STACK_PARENT, 'a'}, {T_STACKS, "frame", T_STACK_FRAME, 'a'},
	{T_SAMPLES, "stack", T_S_STACK, 'a'}, {T_SAMPLES, "values", T_S_VALUES, 'a'},
	{T_SAMPLES, "thread", T_S_THREAD, 'a'}, {T_SAMPLES, "time_ns", T_S_TIME, 'a'},
	{T_SAMPLES, "labels", T_S_LABELS, 'a'},
	{T_COUNTER, "points", T_POINTS, 'a'},
	{T_INTERVAL, "args", T_NONE, 'r'}, {T_MARKER, "args", T_NONE, 'r'},
	{T_WINDOW, "hotspots", T_NONE, 'R'}, {T_WINDOW, "counter_deltas", T_NONE, 'r'},
};

static const child elements[] = {
	{T_POINTS, NULL, T_POINT, 'a'}, {T_NONE, NULL, T_TOP, 'o'},
	{T_SAMPLE_TYPES, NULL, T_SAMPLE_TYPE, 'o'}, {T_FRAMES, NULL, T_FRAME, 'o'},
	{T_MAPPINGS, NULL, T_MAPPING, 'o'}, {T_THREADS, NULL, T_THREAD, 'o'},
	{T_S_VALUES, NULL, T_S_VALUES_COL, 'a'}, {T_S_LABELS, NULL, T_S_LABEL_LIST, 'a'},
	{T_S_LABEL_LIST, NULL, T_S_LABEL, 'o'}, {T_INTERVALS, NULL, T_INTERVAL, 'o'},
	{T_COUNTERS, NULL, T_COUNTER, 'o'}, {T_MEMS, NULL, T_MEM, 'o'},
	{T_MARKERS, NULL, T_MARKER, 'o'}, {T_WINDOWS, NULL, T_WINDOW, 'o'},
};

/* The child at the current position of parent (a member when inside an
 * object, an element when inside an array or at the root). */
static const child *find_child(const rs_jr *r, int parent)
{
	size_t n;
	const char *k = rs_jr_key(r, &n);
	const child *c = k ? members : elements;
	size_t count = k ? sizeof members / sizeof *members : sizeof elements / sizeof *elements;
	for (const child *end = c + count; c < end; c++)
		if (c->parent == parent && (!k || (strlen(c->key) == n && memcmp(c->key, k, n) == 0)))
			return c;
	return NULL;
}

static bool is_object_kind(int tag) { return rs_session_keys[tag] != NULL || tag == T_TAGS; }

static const char *shape_name(char shape)
{
	return shape == 'a' || shape == 'R' ? "an array" : "an object";
}

/* Appends "key":<value> to the unknown members kept for this object, with
 * the '~' the writer added to a name of the object's own taken off. */
static void keep_unknown(rs_jr *r, reader *rd, int tag, const rs_jv *v, const char *raw, size_t len)
{
	size_t n;
	const char *k = rs_jr_key(r, &n);
	if (k && n && k[0] == '~' && rs_session_key_escaped(tag, k, n))
		rs_jr_keep_member_as(&rd->unk[tag], k + 1, n - 1, v, raw, len);
	else
		rs_jr_keep_member(r, &rd->unk[tag], v, raw, len);
}

static rs_str take_unknown(reader *rd, int tag)
{
	rs_strbuf *sb = &rd->unk[tag];
	rs_str id = sb->len ? rs_intern(rd->s, sb->buf, sb->len) : 0;
	rs_sb_reset(sb);
	return id;
}

/* --- scalar members, one function per object kind --- */

static int top_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_session *s = rd->s;
	int64_t x = 0;
	switch (k) {
	case 0:
		if (v->type != RS_JV_STRING || v->len != strlen(RS_SCHEMA_NAME) ||
		    memcmp(v->s, RS_SCHEMA_NAME, v->len) != 0)
			return rs_jr_fail(r, RS_EINPUT, "expected \"" RS_SCHEMA_NAME "\"");
		return 0;
	case 1:
		if (want_int(r, v, &x))
			return RS_EINPUT;
		if (x > RS_SCHEMA_VERSION)
			return rs_jr_fail(r, RS_EINPUT,
					  "schema_version %" PRId64 " is newer than this rustscope reads "
					  "(schema_version %d); upgrade rustscope",
					  x, RS_SCHEMA_VERSION);
		if (x < 1)
			return rs_jr_fail(r, RS_EINPUT, "expected schema_version %d, got %" PRId64,
					  RS_SCHEMA_VERSION, x);
		return 0;
	case 4: return want_nonneg(r, v, &s->period);
	case 6: return want_str(r, rd, v, &s->default_sample_type);
	}
	return -1;
}

static int session_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_session_info *in = &rd->s->info;
	switch (k) {
	case 0: return want_str(r, rd, v, &in->id);
	case 1: return want_str(r, rd, v, &in->name);
	case 2: return want_int(r, v, &in->start_time_ns);
	case 3: return want_nonneg(r, v, &in->duration_ns);
	}
	return -1;
}

static int group_field(rs_jr *r, reader *rd, int tag, int k, const rs_jv *v)
{
	rs_session_info *in = &rd->s->info;
	rs_str *build[] = {&in->build.version, &in->build.commit, &in->build.profile,
			   &in->build.rustc, &in->build.target};
	rs_str *env[] = {&in->env.hostname, &in->env.os, &in->env.kernel, &in->env.cpu_model};
	rs_str *producer[] = {&in->producer.name, &in->producer.version};
	rs_str *source[] = {&in->source.format, &in->source.file, &in->source.sha256};
	switch (tag) {
	case T_BUILD: return want_str(r, rd, v, build[k]);
	case T_ENV: return k == 4 ? want_nonneg(r, v, &in->env.ncpus) : want_str(r, rd, v, env[k]);
	case T_PRODUCER: return want_str(r, rd, v, producer[k]);
	case T_SOURCE: return want_str(r, rd, v, source[k]);
	}
	return -1;
}

static int frame_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_frame *f = &rd->frame;
	switch (k) {
	case 0: return want_str(r, rd, v, &f->name);
	case 1: return want_str(r, rd, v, &f->system_name);
	case 2: return want_str(r, rd, v, &f->file);
	case 3: return want_nonneg(r, v, &f->line);
	case 4: return want_nonneg(r, v, &f->column);
	case 5: return want_bool(r, v, &f->is_inline);
	case 6:
		return want_enum(r, v, rs_frame_kind_parse,
				 "\"native\", \"rust\", \"kernel\", \"jit\", \"interpreted\", \"unknown\"",
				 &f->kind);
	case 7: return want_uint(r, v, &f->address);
	case 8: return want_index(r, v, &f->mapping);
	case 9: return want_str(r, rd, v, &f->crate);
	case 10: return want_str(r, rd, v, &f->module);
	}
	return -1;
}

static int mapping_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_mapping *m = &rd->mapping;
	switch (k) {
	case 0: return want_uint(r, v, &m->start);
	case 1: return want_uint(r, v, &m->limit);
	case 2: return want_uint(r, v, &m->offset);
	case 3: return want_str(r, rd, v, &m->file);
	case 4: return want_str(r, rd, v, &m->build_id);
	}
	return -1;
}

static int thread_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	switch (k) {
	case 0: return want_int(r, v, &rd->thread.pid);
	case 1: return want_int(r, v, &rd->thread.tid);
	case 2: return want_str(r, rd, v, &rd->thread.name);
	}
	return -1;
}

static int label_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_label *l = &rd->label;
	switch (k) {
	case 0: return want_str(r, rd, v, &l->key);
	case 1: return want_str(r, rd, v, &l->str);
	case 2: l->is_num = 1; return want_int(r, v, &l->num);
	case 3: return want_str(r, rd, v, &l->unit);
	}
	return -1;
}

static int interval_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_interval *iv = &rd->s->intervals[rd->s->nintervals - 1];
	switch (k) {
	case 0: return want_index(r, v, &iv->thread);
	case 1: return want_int(r, v, &iv->start_ns);
	case 2: return want_int(r, v, &iv->end_ns);
	case 3: return want_index(r, v, &iv->frame);
	case 4: return want_str(r, rd, v, &iv->name);
	case 5: return want_str(r, rd, v, &iv->category);
	}
	return -1;
}

static int counter_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_counter *c = &rd->s->counters[rd->s->ncounters - 1];
	switch (k) {
	case 0: return want_str(r, rd, v, &c->name);
	case 1: return want_str(r, rd, v, &c->unit);
	case 2: return want_index(r, v, &c->thread);
	}
	return -1;
}

static int mem_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_memory_event *e = &rd->s->memory_events[rd->s->nmemory_events - 1];
	switch (k) {
	case 0: return want_int(r, v, &e->t_ns);
	case 1: return want_enum(r, v, rs_mem_kind_parse, "\"alloc\", \"free\", \"realloc\"", &e->kind);
	case 2: return want_uint(r, v, &e->address);
	case 3: return want_int(r, v, &e->size);
	case 4: return want_index(r, v, &e->stack);
	case 5: return want_index(r, v, &e->thread);
	}
	return -1;
}

static int marker_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_marker *m = &rd->s->markers[rd->s->nmarkers - 1];
	switch (k) {
	case 0: return want_int(r, v, &m->t_ns);
	case 1: return want_str(r, rd, v, &m->name);
	case 2: return want_index(r, v, &m->thread);
	}
	return -1;
}

static int window_field(rs_jr *r, reader *rd, int k, const rs_jv *v)
{
	rs_window *w = &rd->s->windows[rd->s->nwindows - 1];
	switch (k) {
	case 0: return want_int(r, v, &w->start_ns);
	case 1: return want_int(r, v, &w->end_ns);
	case 2: return want_str(r, rd, v, &w->trigger);
	}
	return -1;
}

/* Returns 0, an error, or -1 when the member is not a scalar field. */
static int object_field(rs_jr *r, reader *rd, int tag, int k, const rs_jv *v)
{
	switch (tag) {
	case T_TOP: return top_field(r, rd, k, v);
	case T_SESSION: return session_field(r, rd, k, v);
	case T_BUILD: case T_ENV: case T_PRODUCER: case T_SOURCE: return group_field(r, rd, tag, k, v);
	case T_SAMPLE_TYPE: case T_PERIOD_TYPE:
		return want_str(r, rd, v, k == 0 ? &rd->vt.type : &rd->vt.unit);
	case T_FRAME: return frame_field(r, rd, k, v);
	case T_MAPPING: return mapping_field(r, rd, k, v);
	case T_THREAD: return thread_field(r, rd, k, v);
	case T_S_LABEL: return label_field(r, rd, k, v);
	case T_INTERVAL: return interval_field(r, rd, k, v);
	case T_COUNTER: return counter_field(r, rd, k, v);
	case T_MEM: return mem_field(r, rd, k, v);
	case T_MARKER: return marker_field(r, rd, k, v);
	case T_WINDOW: return window_field(r, rd, k, v);
	}
	return -1;
}

/* --- array elements --- */

static int column_value(rs_jr *r, reader *rd, int tag, const rs_jv *v)
{
	int64_t x = 0;
	int32_t idx;
	switch (tag) {
	case T_STACK_PARENT:
		if (want_index(r, v, &idx))
			return RS_EINPUT;
		vpush(&rd->parent, idx);
		return 0;
	case T_STACK_FRAME:
		if (want_index(r, v, &idx))
			return RS_EINPUT;
		if (idx < 0)
			return rs_jr_fail(r, RS_EINPUT, "expected a frame index >= 0, got -1");
		vpush(&rd->frame_col, idx);
		return 0;
	case T_S_STACK:
	case T_S_THREAD:
		if (want_index(r, v, &idx))
			return RS_EINPUT;
		vpush(tag == T_S_STACK ? &rd->stack : &rd->thread_col, idx);
		return 0;
	case T_S_TIME:
		if (v->type == RS_JV_NULL)
			x = RS_NO_TIME;
		else if (want_int(r, v, &x))
			return RS_EINPUT;
		vpush(&rd->time, x);
		return 0;
	case T_S_VALUES_COL:
		if (want_int(r, v, &x))
			return RS_EINPUT;
		vpush(&rd->values[rd->nvalues - 1], x);
		return 0;
	case T_POINT:
		rd->point_len = rs_jr_index(r) + 1;
		if (rs_jr_index(r) == 0)
			return want_int(r, v, &rd->point_t);
		if (rs_jr_index(r) > 1 || (v->type != RS_JV_INT && v->type != RS_JV_DOUBLE))
			return rs_jr_fail(r, RS_EINPUT, "expected a point [t_ns, value]");
		rs_counter_point(&rd->s->counters[rd->s->ncounters - 1], rd->point_t, rs_jv_double(v));
		return 0;
	}
	return type_error(r, tag == T_S_VALUES ? "an array of values per sample type" : "an object", v);
}

static int on_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	reader *rd = ctx;
	if (tag == T_NONE)
		return rs_jr_fail(r, RS_EINPUT, "expected a session object, got %s", rs_jv_type_name(v));
	if (!is_object_kind(tag))
		return column_value(r, rd, tag, v);
	if (tag == T_TAGS) {
		size_t n;
		const char *k = rs_jr_key(r, &n);
		if (v->type != RS_JV_STRING)
			return type_error(r, "a string", v);
		rs_session_info *in = &rd->s->info;
		RS_GROW(in->tags, in->tags_cap, in->ntags + 1);
		in->tags[in->ntags++] = (rs_kv){rs_intern(rd->s, k, n), rs_intern(rd->s, v->s, v->len)};
		return 0;
	}
	int k = key_index(r, tag);
	if (k < 0) {
		keep_unknown(r, rd, tag, v, NULL, 0);
		return 0;
	}
	rd->seen[tag] |= B(k);
	int rc = object_field(r, rd, tag, k, v);
	if (rc == -1) {
		const child *c = find_child(r, tag);
		return type_error(r, shape_name(c ? c->shape : 'o'), v);
	}
	return rc;
}

static void begin_record(reader *rd, int tag)
{
	rs_session *s = rd->s;
	rd->seen[tag] = 0;
	rs_sb_reset(&rd->unk[tag]);
	switch (tag) {
	case T_FRAME: rs_frame_init(&rd->frame); break;
	case T_MAPPING: rd->mapping = (rs_mapping){0}; break;
	case T_THREAD: rd->thread = (rs_thread){.pid = -1, .tid = -1}; break;
	case T_SAMPLE_TYPE: case T_PERIOD_TYPE: rd->vt = (rs_value_type){0}; break;
	case T_S_LABEL: rd->label = (rs_label){0}; break;
	case T_INTERVAL: rs_interval_new(s); break;
	case T_COUNTER: rs_counter_new(s, 0, 0); break;
	case T_MEM: rs_memory_event_new(s); break;
	case T_MARKER: rs_marker_new(s); break;
	case T_WINDOW: rs_window_new(s); break;
	case T_S_VALUES_COL:
		RS_GROW(rd->values, rd->values_cap, rd->nvalues + 1);
		rd->values[rd->nvalues++] = (i64vec){0};
		break;
	case T_S_THREAD: rd->has_thread = true; break;
	case T_S_TIME: rd->has_time = true; break;
	case T_S_LABELS: rd->has_labels = true; break;
	case T_POINT: rd->point_len = 0; break;
	}
}

static int on_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	reader *rd = ctx;
	const child *c = find_child(r, parent);
	if (!c && is_object_kind(parent) && parent != T_TAGS && key_index(r, parent) < 0) {
		*tag = RS_JR_CAPTURE; /* an unknown member: kept verbatim */
		return 0;
	}
	if (!c)
		return rs_jr_fail(r, RS_EINPUT, "expected %s, got %s",
				  parent == T_TAGS ? "a string" : is_object_kind(parent) ? "a scalar value" : "a scalar",
				  is_array ? "an array" : "an object");
	bool want_array = c->shape == 'a' || c->shape == 'R';
	if (want_array != is_array)
		return rs_jr_fail(r, RS_EINPUT, "expected %s, got %s", shape_name(c->shape),
				  is_array ? "an array" : "an object");
	if (c->key)
		rd->seen[parent] |= B(key_index(r, parent));
	if (c->shape == 'r' || c->shape == 'R') {
		*tag = RS_JR_CAPTURE;
		return 0;
	}
	*tag = c->tag;
	begin_record(rd, c->tag);
	return 0;
}

static int on_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	reader *rd = ctx;
	rs_session *s = rd->s;
	int k = key_index(r, parent);
	if (k < 0) {
		keep_unknown(r, rd, parent, NULL, json, len);
		return 0;
	}
	rs_str id = rs_intern(s, json, len);
	switch (parent) {
	case T_TOP: *(k == 17 ? &s->rollups : &s->extra) = id; break;
	case T_INTERVAL: s->intervals[s->nintervals - 1].args = id; break;
	case T_MARKER: s->markers[s->nmarkers - 1].args = id; break;
	case T_WINDOW: *(k == 3 ? &s->windows[s->nwindows - 1].hotspots
				: &s->windows[s->nwindows - 1].counter_deltas) = id; break;
	}
	return 0;
}

/* --- integers appended by the reader --- */

/* The columns of integers (rs_jr_handler.ints): column_value appends each
 * integer in *lo .. *hi to it, unchanged. */
static i64vec *int_column(void *ctx, int tag, int64_t *lo, int64_t *hi)
{
	reader *rd = ctx;
	*lo = -1, *hi = INT32_MAX; /* indexes (want_index) */
	switch (tag) {
	case T_STACK_PARENT: return &rd->parent;
	case T_STACK_FRAME: *lo = 0; return &rd->frame_col;
	case T_S_STACK: return &rd->stack;
	case T_S_THREAD: return &rd->thread_col;
	}
	*lo = INT64_MIN, *hi = INT64_MAX; /* any integer (want_int) */
	switch (tag) {
	case T_S_TIME: return &rd->time;
	case T_S_VALUES_COL: return &rd->values[rd->nvalues - 1];
	}
	return NULL;
}

/* --- arrays read by the second thread (rs_jr_parse_columns) ---
 * Taken only when every number is one that column_value (and the opening
 * and closing of each row) would accept one by one, to the same effect;
 * anything else is declined and read token by token, so that its error is
 * reported with its path. */

static const char *const column_keys[] = {"parent", "frame", "stack", "values", "thread", "time_ns",
					  "points", NULL};

/* Whether all the numbers are integers within lo .. hi. */
static bool ints_within(const rs_jr_nums *n, int64_t lo, int64_t hi)
{
	for (size_t k = 0; k < n->n; k++)
		if ((n->type && n->type[k] != RS_JV_INT) || n->v[k] < lo || n->v[k] > hi)
			return false;
	return true;
}

/* Appends count numbers from number from on; a column still empty takes
 * the whole array itself, without a copy. */
static void vappend(i64vec *c, rs_jr_nums *n, size_t from, size_t count)
{
	if (!c->v && from == 0 && count == n->n) {
		*c = (i64vec){.v = n->v, .n = count, .cap = count};
		n->v = NULL;
		return;
	}
	RS_GROW(c->v, c->cap, c->n + count);
	memcpy(c->v + c->n, n->v + from, count * sizeof *c->v);
	c->n += count;
}

static bool take_ints(i64vec *c, rs_jr_nums *n, int64_t lo, int64_t hi)
{
	if (n->nrows || !ints_within(n, lo, hi))
		return false;
	vappend(c, n, 0, n->n);
	return true;
}

/* time_ns: integers, null for none. */
static bool take_times(i64vec *c, rs_jr_nums *n)
{
	if (n->nrows)
		return false;
	for (size_t k = 0; n->type && k < n->n; k++)
		if (n->type[k] == RS_JV_DOUBLE)
			return false;
	for (size_t k = 0; n->type && k < n->n; k++)
		if (n->type[k] == RS_JV_NULL)
			n->v[k] = RS_NO_TIME;
	vappend(c, n, 0, n->n);
	return true;
}

static void begin_record(reader *rd, int tag);

/* samples.values: one array of integers per sample type. */
static bool take_value_rows(reader *rd, rs_jr_nums *n)
{
	if ((n->n && !n->nrows) || !ints_within(n, INT64_MIN, INT64_MAX))
		return false;
	for (size_t k = 0, from = 0; k < n->nrows; from = n->row_end[k++]) {
		begin_record(rd, T_S_VALUES_COL);
		vappend(&rd->values[rd->nvalues - 1], n, from, n->row_end[k] - from);
	}
	return true;
}

/* counters[].points: [t_ns, value] pairs. */
static bool take_points(reader *rd, rs_jr_nums *n)
{
	if (n->n && !n->nrows)
		return false;
	for (size_t k = 0, from = 0; k < n->nrows; from = n->row_end[k++])
		if (n->row_end[k] - from != 2 || (n->type && (n->type[from] != RS_JV_INT ||
							      n->type[from + 1] == RS_JV_NULL)))
			return false;
	rs_counter *c = &rd->s->counters[rd->s->ncounters - 1];
	for (size_t k = 0; k < n->nrows; k++)
		rs_counter_point(c, n->v[2 * k], rs_jr_nums_double(n, 2 * k + 1));
	return true;
}

static bool on_numbers(rs_jr *r, void *ctx, int tag, rs_jr_nums *n)
{
	reader *rd = ctx;
	int64_t lo, hi;
	i64vec *c = int_column(ctx, tag, &lo, &hi);
	(void)r;
	if (tag == T_S_TIME)
		return take_times(c, n);
	if (c)
		return take_ints(c, n, lo, hi);
	if (tag == T_S_VALUES)
		return take_value_rows(rd, n);
	return tag == T_POINTS && take_points(rd, n);
}

/* --- closing objects: required members, records into the session --- */

static int end_label(rs_jr *r, reader *rd)
{
	rs_label *l = &rd->label;
	bool has_str = rd->seen[T_S_LABEL] & B(1), has_num = rd->seen[T_S_LABEL] & B(2);
	if (has_str == has_num)
		return rs_jr_fail(r, RS_EINPUT, "a label needs exactly one of \"str\" and \"num\"");
	if (l->unit && !has_num)
		return rs_jr_fail(r, RS_EINPUT, "\"unit\" is only allowed on numeric labels");
	l->unknown = take_unknown(rd, T_S_LABEL);
	RS_GROW(rd->labels, rd->labels_cap, rd->nlabels + 1);
	rd->labels[rd->nlabels++] = *l;
	return 0;
}

static void end_record(reader *rd, int tag)
{
	rs_session *s = rd->s;
	rs_session_info *in = &s->info;
	rs_str unk = take_unknown(rd, tag);
	switch (tag) {
	case T_TOP: s->unknown = unk; break;
	case T_SESSION: in->unknown = unk; break;
	case T_BUILD: in->build.unknown = unk; break;
	case T_ENV: in->env.unknown = unk; break;
	case T_PRODUCER: in->producer.unknown = unk; break;
	case T_SOURCE: in->source.unknown = unk; break;
	case T_SAMPLES: s->samples.unknown = unk; break;
	case T_SAMPLE_TYPE:
		rd->vt.unknown = unk;
		RS_GROW(s->sample_types, s->sample_types_cap, s->nsample_types + 1);
		s->sample_types[s->nsample_types++] = rd->vt;
		break;
	case T_PERIOD_TYPE: rd->vt.unknown = unk; s->period_type = rd->vt; break;
	case T_STACKS: s->stacks_unknown = unk; break;
	case T_FRAME: rd->frame.unknown = unk; rs_frame_append(s, &rd->frame); break;
	case T_MAPPING: rd->mapping.unknown = unk; rs_mapping_add(s, &rd->mapping); break;
	case T_THREAD: {
		int32_t t = rs_thread_add(s, rd->thread.pid, rd->thread.tid, rd->thread.name);
		s->threads[t].unknown = unk;
		break;
	}
	case T_INTERVAL: s->intervals[s->nintervals - 1].unknown = unk; break;
	case T_COUNTER: s->counters[s->ncounters - 1].unknown = unk; break;
	case T_MEM: s->memory_events[s->nmemory_events - 1].unknown = unk; break;
	case T_MARKER: s->markers[s->nmarkers - 1].unknown = unk; break;
	case T_WINDOW: s->windows[s->nwindows - 1].unknown = unk; break;
	}
}

static int on_close(rs_jr *r, void *ctx, int tag, bool is_array)
{
	reader *rd = ctx;
	uint64_t missing = required[tag] & ~rd->seen[tag];
	if (missing)
		return rs_jr_fail(r, RS_EINPUT, "missing required member \"%s\"",
				  key_name(tag, __builtin_ctzll(missing)));
	if (tag == T_S_LABEL)
		return end_label(r, rd);
	if (tag == T_S_LABEL_LIST)
		vpush(&rd->label_end, (int64_t)rd->nlabels);
	if (tag == T_POINT && rd->point_len != 2)
		return rs_jr_fail(r, RS_EINPUT, "expected a point [t_ns, value]");
	if (!is_array)
		end_record(rd, tag);
	return 0;
}

/* --- assembling the columns once the whole document is read --- */

static int column_length(const char *file, const char *col, size_t got, size_t want, rs_err *err)
{
	if (got == want)
		return 0;
	return rs_fail(err, RS_EINPUT, "%s: $.%s: has %zu entries, expected %zu (one per %s)", file, col,
		       got, want, strncmp(col, "stacks", 6) == 0 ? "stack node" : "sample");
}

/* The samples' arrays are made of the columns in place where they can be:
 * fresh memory costs a page fault per 4 KiB, and copying the columns into
 * new arrays was about a tenth of the load. */

/* A column of 32-bit values (checked by the reader), narrowed in place. */
static void *narrow32(i64vec *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t x = (uint32_t)c->v[i];
		memcpy((char *)c->v + i * sizeof x, &x, sizeof x); /* over values read already */
	}
	void *p = rs_xrealloc(c->v, n * sizeof(uint32_t));
	*c = (i64vec){0};
	return p;
}

static int32_t *filled32(size_t n, int32_t x)
{
	int32_t *p = rs_xmalloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i] = x;
	return p;
}

static int64_t *times(reader *rd, size_t n)
{
	int64_t *p = rd->time.v;
	if (!rd->has_time) {
		p = rs_xmalloc(n * sizeof *p);
		for (size_t i = 0; i < n; i++)
			p[i] = RS_NO_TIME;
	}
	rd->time = (i64vec){0};
	return p;
}

/* The value columns, sample by sample, in the first column's memory. Going
 * backwards, sample i's slots (from i * nv on) lie where column 0 has been
 * read already, and column 0's value i is read last. */
static int64_t *interleave(reader *rd, size_t n)
{
	size_t nv = rd->nvalues;
	if (!nv) /* the layout keeps a slot per sample */
		return rs_xmalloc(n * sizeof(int64_t));
	int64_t *v = rs_xrealloc(rd->values[0].v, n * nv * sizeof *v);
	rd->values[0] = (i64vec){0};
	for (size_t i = n; i-- > 0;)
		for (size_t j = nv; j-- > 0;)
			v[i * nv + j] = j ? rd->values[j].v[i] : v[i];
	return v;
}

/* Into the empty samples of a new session (importers fill a new one); the
 * lengths are checked. */
static void take_samples(reader *rd, rs_samples *sm)
{
	size_t n = rd->stack.n;
	if (!n)
		return;
	sm->stack = narrow32(&rd->stack, n);
	sm->thread = rd->has_thread ? narrow32(&rd->thread_col, n) : filled32(n, -1);
	sm->time_ns = times(rd, n);
	sm->values = interleave(rd, n);
	if (rd->has_labels) {
		sm->label_end = narrow32(&rd->label_end, n);
		sm->labels = rd->labels, sm->labels_cap = rd->labels_cap;
		sm->nlabels = sm->label_end[n - 1];
		rd->labels = NULL;
	} else {
		sm->label_end = rs_xcalloc(n, sizeof *sm->label_end);
	}
	sm->n = sm->cap = n;
}

static int assemble(reader *rd, const char *file, rs_err *err)
{
	rs_session *s = rd->s;
	int rc = column_length(file, "stacks.frame", rd->frame_col.n, rd->parent.n, err);
	for (size_t i = 0; !rc && i < rd->parent.n; i++)
		rs_stack_append(s, (int32_t)rd->parent.v[i], (uint32_t)rd->frame_col.v[i]);
	size_t n = rd->stack.n;
	if (!rc && rd->nvalues != s->nsample_types)
		rc = rs_fail(err, RS_EINPUT, "%s: $.samples.values: has %zu columns, expected %zu (one per "
			     "entry of $.sample_types)", file, rd->nvalues, s->nsample_types);
	char col[64];
	for (size_t j = 0; !rc && j < rd->nvalues; j++) {
		snprintf(col, sizeof col, "samples.values[%zu]", j);
		rc = column_length(file, col, rd->values[j].n, n, err);
	}
	if (!rc && rd->has_thread)
		rc = column_length(file, "samples.thread", rd->thread_col.n, n, err);
	if (!rc && rd->has_time)
		rc = column_length(file, "samples.time_ns", rd->time.n, n, err);
	if (!rc && rd->has_labels)
		rc = column_length(file, "samples.labels", rd->label_end.n, n, err);
	if (!rc)
		take_samples(rd, &s->samples);
	s->samples.has_thread = rd->has_thread;
	s->samples.has_time = rd->has_time;
	s->samples.has_labels = rd->has_labels;
	return rc;
}

static void reader_free(reader *rd)
{
	for (int t = 0; t < T_COUNT; t++)
		rs_sb_free(&rd->unk[t]);
	i64vec *cols[] = {&rd->parent, &rd->frame_col, &rd->stack, &rd->thread_col, &rd->time,
			  &rd->label_end};
	for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
		free(cols[i]->v);
	for (size_t j = 0; j < rd->nvalues; j++)
		free(rd->values[j].v);
	free(rd->values);
	free(rd->labels);
}

static const rs_jr_handler session_handler = {
	.open = on_open,
	.close = on_close,
	.scalar = on_scalar,
	.raw = on_raw,
	.numbers = on_numbers,
	.ints = int_column,
};

int rs_import_session(rs_input *in, rs_session *s, rs_err *err)
{
	reader rd = {.s = s};
	int rc = rs_jr_parse_columns(in, &session_handler, &rd, column_keys, err);
	if (!rc)
		rc = assemble(&rd, in->path, err);
	reader_free(&rd);
	if (!rc)
		rc = rs_session_validate(s, in->path, NULL, err);
	return rc;
}

/* Whether `"schema":"rustscope.session"` is a member of the top-level
 * object, not of one embedded deeper (speedscope files we write carry a
 * whole session in a member). */
static bool top_level_marker(const unsigned char *p, size_t n)
{
	static const char key[] = "\"schema\"", val[] = "\"rustscope.session\"";
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '{' || p[i] == '[') {
			depth++;
		} else if (p[i] == '}' || p[i] == ']') {
			depth--;
		} else if (p[i] == '"') {
			if (depth == 1 && n - i > sizeof key && !memcmp(p + i, key, sizeof key - 1)) {
				size_t j = i + sizeof key - 1;
				while (j < n && (p[j] == ' ' || p[j] == ':' || p[j] == '\n' || p[j] == '\t' || p[j] == '\r'))
					j++;
				return n - j >= sizeof val - 1 && !memcmp(p + j, val, sizeof val - 1);
			}
			for (i++; i < n && p[i] != '"'; i++)
				i += p[i] == '\\';
		}
	}
	return false;
}

int rs_sniff_session(const unsigned char *p, size_t n)
{
	if (rs_sniff_first(p, n) != '{')
		return 0;
	return top_level_marker(p, n) ? 100 : 0;
}
