/* RustScope's own JSON report (schema_version 3) → ProfileSession v1, as
 * mapped in schema/README.md §"RustScope v3 import": process_samples
 * become counters, memory_events markers, call_trees (else functions)
 * frames, stacks and samples, crate/module rollups the session's rollups;
 * every other member is kept verbatim under extra.rustscope. */
#include "../lib/checked.h"
#include "../lib/json_read.h"
#include "../lib/sniff.h"
#include "../lib/xalloc.h"
#include "../lib/rustname.h"
#include "importers.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { T_TOP = 1, T_PS, T_PS_ITEM, T_ME, T_ME_ITEM, T_RU, T_RU_ITEM, T_CT, T_CT_NODE, T_CT_KIDS,
       T_FN, T_FN_ITEM, T_FN_TIMING, T_FLAT };

/* A call-tree node, or a function of "functions" (module and self_ns). */
typedef struct tree_node {
	int32_t parent; /* index in nodes, -1 = root */
	rs_str name, file, module;
	int64_t line, calls, total_ns, kids_ns, self_ns;
} tree_node;

typedef struct rollup_row {
	rs_str name;
	double total_pct, self_pct;
	int64_t calls, function_count;
} rollup_row;

typedef struct v3 {
	rs_session *s;
	int64_t version, started_secs, duration_ns, start_ms;
	size_t lane[5]; /* counter index + 1 per process_samples column, 0 = none yet */
	int64_t ts_ms;
	double ps[5];
	bool ps_has[5];
	rs_strbuf marker_args;
	bool in_crates;
	rollup_row *crates, *modules, row;
	size_t ncrates, nmodules, crates_cap, modules_cap;
	tree_node *nodes, fn;
	size_t nnodes, nodes_cap;
	int32_t cur; /* open call-tree node */
	tree_node *fns;
	size_t nfns, fns_cap;
	int sub_root;     /* tag of the root when re-reading a captured member */
	const char *flat; /* which flat object is being re-read */
	rs_str project, target_binary, rustscope_version;
	int64_t thread_avg;
	rs_strbuf extra; /* members of extra.rustscope */
} v3;

static bool key_is(const rs_jr *r, const char *k) { return rs_jr_key_is(r, k); }
static double num(const rs_jv *v) { return rs_jv_double(v); }
static int64_t inum(const rs_jv *v)
{
	double d = num(v);
	if (v->type == RS_JV_INT)
		return v->i;
	return d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)llround(d);
}
static rs_str sval(v3 *x, const rs_jv *v) { return v->type == RS_JV_STRING ? rs_intern(x->s, v->s, v->len) : 0; }

static void keep_extra(v3 *x, const rs_jr *r, const char *json, size_t len)
{
	rs_jr_keep_member(r, &x->extra, NULL, json, len);
}

/* --- process_samples → counters --- */

static const char *const ps_keys[5] = {"cpu_pct", "heap_mb", "threads", "open_fds", "syscalls_per_sec"};
static const char *const ps_lane[5][2] = {{"cpu_percent", "percent"}, {"rss_bytes", "bytes"},
					  {"thread_count", "count"}, {"fd_count", "count"},
					  {"syscall_rate", "per_second"}};

static void ps_point(v3 *x)
{
	for (int i = 0; i < 5; i++) {
		if (!x->ps_has[i])
			continue;
		if (!x->lane[i]) {
			rs_counter_new(x->s, rs_intern_cstr(x->s, ps_lane[i][0]), rs_intern_cstr(x->s, ps_lane[i][1]));
			x->lane[i] = x->s->ncounters;
		}
		double v = i == 1 ? round(x->ps[i] * 1048576.0) : x->ps[i];
		rs_counter_point(&x->s->counters[x->lane[i] - 1], rs_mul_sat(x->ts_ms, 1000000), v);
	}
}

static int ps_field(rs_jr *r, v3 *x, const rs_jv *v)
{
	if (key_is(r, "ts"))
		x->ts_ms = inum(v);
	for (int i = 0; i < 5; i++)
		if (key_is(r, ps_keys[i])) {
			x->ps[i] = num(v);
			x->ps_has[i] = true;
		}
	return 0;
}

/* --- memory_events → markers --- */

static int me_field(rs_jr *r, v3 *x, const rs_jv *v)
{
	rs_marker *m = &x->s->markers[x->s->nmarkers - 1];
	if (key_is(r, "ts"))
		m->t_ns = rs_mul_sat(inum(v), 1000000);
	else if (key_is(r, "type"))
		m->name = sval(x, v);
	else
		rs_jr_keep_member(r, &x->marker_args, v, NULL, 0);
	return 0;
}

/* --- rollups --- */

static int ru_field(rs_jr *r, v3 *x, const rs_jv *v)
{
	if (key_is(r, "name"))
		x->row.name = sval(x, v);
	else if (key_is(r, "total_pct"))
		x->row.total_pct = num(v);
	else if (key_is(r, "self_pct"))
		x->row.self_pct = num(v);
	else if (key_is(r, "calls"))
		x->row.calls = inum(v);
	else if (key_is(r, "function_count"))
		x->row.function_count = inum(v);
	return 0;
}

/* --- call trees and functions --- */

static int node_field(rs_jr *r, v3 *x, tree_node *n, const rs_jv *v)
{
	if (key_is(r, "name"))
		n->name = sval(x, v);
	else if (key_is(r, "file"))
		n->file = sval(x, v);
	else if (key_is(r, "line"))
		n->line = inum(v) > 0 ? inum(v) : 0;
	else if (key_is(r, "call_count"))
		n->calls = inum(v);
	else if (key_is(r, "total_ns"))
		n->total_ns = inum(v);
	else if (key_is(r, "self_ns"))
		n->self_ns = inum(v);
	else if (key_is(r, "module_path"))
		n->module = sval(x, v);
	return 0;
}

/* host, session_meta, process_summary: the few members mapped onto v1. */
static int flat_field(rs_jr *r, v3 *x, const rs_jv *v)
{
	rs_session_info *in = &x->s->info;
	bool unknown = v->type == RS_JV_STRING && v->len == 7 && memcmp(v->s, "unknown", 7) == 0;
	if (!strcmp(x->flat, "host")) {
		if (key_is(r, "os"))
			in->env.os = sval(x, v);
		else if (key_is(r, "cpu_logical_cores"))
			in->env.ncpus = inum(v);
		else if (key_is(r, "rustc_version") && !unknown)
			in->build.rustc = sval(x, v);
		else if (key_is(r, "build_profile") && !unknown)
			in->build.profile = sval(x, v);
		else if (key_is(r, "arch") && v->type == RS_JV_STRING)
			rs_tag_set(x->s, "arch", rs_s(x->s, sval(x, v)));
	} else if (key_is(r, "project") && (!x->project || !strcmp(x->flat, "process_summary"))) {
		x->project = sval(x, v);
	} else if (key_is(r, "target_binary")) {
		x->target_binary = sval(x, v);
	} else if (key_is(r, "start_ts_ms")) {
		x->start_ms = inum(v);
	} else if (key_is(r, "rustscope_version")) {
		x->rustscope_version = sval(x, v);
	} else if (key_is(r, "thread_avg")) {
		x->thread_avg = inum(v);
	}
	return 0;
}

static int top_field(rs_jr *r, v3 *x, const rs_jv *v)
{
	if (key_is(r, "schema_version")) {
		x->version = inum(v);
		if (x->version != 3)
			return rs_jr_fail(r, RS_EINPUT, "expected RustScope schema_version 3, got %lld",
					  (long long)x->version);
	} else if (key_is(r, "started_at_unix_secs")) {
		x->started_secs = inum(v);
	} else if (key_is(r, "session_duration_ns")) {
		x->duration_ns = inum(v);
	}
	rs_strbuf raw = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &raw);
	rs_jv_write(&w, v);
	keep_extra(x, r, raw.buf, raw.len);
	rs_sb_free(&raw);
	return 0;
}

static int on_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	v3 *x = ctx;
	switch (tag) {
	case T_TOP: return top_field(r, x, v);
	case T_PS_ITEM: return ps_field(r, x, v);
	case T_ME_ITEM: return me_field(r, x, v);
	case T_RU_ITEM: return ru_field(r, x, v);
	case T_CT_NODE: return node_field(r, x, &x->nodes[x->cur], v);
	case T_FN_ITEM: case T_FN_TIMING: return node_field(r, x, &x->fn, v);
	}
	if (tag == T_FLAT)
		return flat_field(r, x, v);
	return tag == 0 ? rs_jr_fail(r, RS_EINPUT, "expected a RustScope report object") : 0;
}

/* --- structure --- */

static int top_member(rs_jr *r, v3 *x, int *tag)
{
	static const struct { const char *key; int tag; } members[] = {
		{"process_samples", T_PS}, {"memory_events", T_ME}, {"crate_rollups", T_RU},
		{"module_rollups", T_RU}, {"call_trees", T_CT}};
	*tag = RS_JR_CAPTURE;
	for (size_t i = 0; i < sizeof members / sizeof *members; i++)
		if (key_is(r, members[i].key))
			*tag = members[i].tag;
	x->in_crates = key_is(r, "crate_rollups");
	return 0;
}

static int on_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	v3 *x = ctx;
	*tag = RS_JR_SKIP;
	switch (parent) {
	case 0:
		if (x->sub_root) {
			*tag = x->sub_root;
			return 0;
		}
		if (is_array)
			return rs_jr_fail(r, RS_EINPUT, "expected a RustScope report object, got an array");
		*tag = T_TOP;
		return 0;
	case T_TOP: return top_member(r, x, tag);
	}
	/* Elements of the arrays below are objects; anything else is skipped. */
	if (is_array && parent != T_CT_NODE && parent != T_FN_ITEM)
		return 0;
	switch (parent) {
	case T_PS: *tag = T_PS_ITEM; memset(x->ps_has, 0, sizeof x->ps_has); x->ts_ms = 0; return 0;
	case T_ME:
		*tag = T_ME_ITEM;
		rs_marker_new(x->s);
		rs_sb_reset(&x->marker_args);
		return 0;
	case T_RU: *tag = T_RU_ITEM; x->row = (rollup_row){0}; return 0;
	case T_CT: case T_CT_KIDS:
		*tag = T_CT_NODE;
		RS_GROW(x->nodes, x->nodes_cap, x->nnodes + 1);
		x->nodes[x->nnodes] = (tree_node){.parent = x->cur};
		x->cur = (int32_t)x->nnodes++;
		return 0;
	case T_CT_NODE: if (key_is(r, "children")) *tag = T_CT_KIDS; return 0;
	case T_FN: *tag = T_FN_ITEM; x->fn = (tree_node){.parent = -1}; return 0;
	case T_FN_ITEM: if (key_is(r, "timing")) *tag = T_FN_TIMING; return 0;
	}
	return 0;
}

static void push_row(v3 *x)
{
	if (x->in_crates) {
		RS_GROW(x->crates, x->crates_cap, x->ncrates + 1);
		x->crates[x->ncrates++] = x->row;
	} else {
		RS_GROW(x->modules, x->modules_cap, x->nmodules + 1);
		x->modules[x->nmodules++] = x->row;
	}
}

static int on_close(rs_jr *r, void *ctx, int tag, bool is_array)
{
	v3 *x = ctx;
	(void)r, (void)is_array;
	switch (tag) {
	case T_PS_ITEM: ps_point(x); break;
	case T_ME_ITEM: {
		rs_strbuf args = {0};
		rs_sb_addf(&args, "{%s}", x->marker_args.buf ? x->marker_args.buf : "");
		x->s->markers[x->s->nmarkers - 1].args = rs_intern(x->s, args.buf, args.len);
		rs_sb_free(&args);
		break;
	}
	case T_RU_ITEM: push_row(x); break;
	case T_CT_NODE: {
		tree_node *n = &x->nodes[x->cur];
		if (n->parent >= 0)
			x->nodes[n->parent].kids_ns = rs_add_sat(x->nodes[n->parent].kids_ns, n->total_ns);
		x->cur = n->parent;
		break;
	}
	case T_FN_ITEM:
		RS_GROW(x->fns, x->fns_cap, x->nfns + 1);
		x->fns[x->nfns++] = x->fn;
		break;
	}
	return 0;
}

static const rs_jr_handler v3_handler = {.open = on_open, .close = on_close, .scalar = on_scalar};

/* Re-reads a captured member (host, functions, ...) with the same handler. */
static int reread(rs_jr *r, v3 *x, int root, const char *json, size_t len)
{
	rs_input in;
	rs_err err = {0};
	size_t n;
	const char *k = rs_jr_key(r, &n);
	char name[128];
	snprintf(name, sizeof name, "$.%.*s", (int)(n > 60 ? 60 : n), k);
	int rc = rs_input_open_mem(&in, name, json, len, &err);
	x->sub_root = root;
	if (!rc)
		rc = rs_jr_parse(&in, &v3_handler, x, &err);
	x->sub_root = 0;
	rs_input_close(&in);
	return rc ? rs_jr_fail(r, rc, "%s", err.msg) : 0;
}

static int on_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	v3 *x = ctx;
	if (parent != T_TOP)
		return 0;
	keep_extra(x, r, json, len);
	static const char *const flats[] = {"host", "session_meta", "process_summary"};
	for (size_t i = 0; i < 3; i++)
		if (key_is(r, flats[i]) && json[0] == '{') {
			x->flat = flats[i];
			return reread(r, x, T_FLAT, json, len);
		}
	if (key_is(r, "functions") && json[0] == '[')
		return reread(r, x, T_FN, json, len);
	return 0;
}

/* --- assembling the session --- */

static uint32_t frame_for(v3 *x, rs_rustname *rn, const tree_node *n)
{
	rs_session *s = x->s;
	rs_frame f;
	rs_frame_init(&f);
	f.name = n->name ? n->name : rs_intern_cstr(s, "<unknown>");
	f.file = n->file;
	f.line = n->line;
	f.kind = RS_KIND_RUST;
	if (n->module) { /* functions: crate = first segment of module_path */
		const char *m = rs_s(s, n->module);
		size_t c = strcspn(m, ":");
		f.crate = rs_intern(s, m, c);
		f.module = m[c] ? rs_intern_cstr(s, m + c + 2) : 0;
	} else {
		rs_rust_name(rn, rs_s(s, f.name), true);
		f.crate = rs_intern_cstr(s, rn->crate);
		f.module = rs_intern_cstr(s, rn->module);
	}
	return (uint32_t)rs_frame_add(s, &f);
}

static void build_samples(v3 *x)
{
	rs_session *s = x->s;
	rs_sample_type_add(s, "calls", "count");
	rs_sample_type_add(s, "wall", "nanoseconds");
	s->default_sample_type = rs_intern_cstr(s, "wall");
	rs_rustname rn = {0};
	int32_t *stack_of = rs_xmalloc((x->nnodes + 1) * sizeof *stack_of);
	/* Children follow their parents in nodes, so parents' stacks exist first. */
	for (size_t i = 0; i < x->nnodes; i++) {
		const tree_node *n = &x->nodes[i];
		int32_t parent = n->parent >= 0 ? stack_of[n->parent] : -1;
		stack_of[i] = rs_stack_add(s, parent, frame_for(x, &rn, n));
		int64_t v[2] = {n->calls, rs_add_sat(n->total_ns, -(n->kids_ns > INT64_MIN ? n->kids_ns : INT64_MAX))};
		rs_sample_add(s, stack_of[i], v, -1, RS_NO_TIME, NULL, 0);
	}
	for (size_t i = 0; !x->nnodes && i < x->nfns; i++) {
		int32_t st = rs_stack_add(s, -1, frame_for(x, &rn, &x->fns[i]));
		int64_t v[2] = {x->fns[i].calls, x->fns[i].self_ns};
		rs_sample_add(s, st, v, -1, RS_NO_TIME, NULL, 0);
	}
	free(stack_of);
	rs_rust_name_free(&rn);
}

static int64_t pct_of(double pct, int64_t whole)
{
	double d = pct / 100.0 * (double)whole;
	return isfinite(d) && d < 9.2e18 && d > -9.2e18 ? (int64_t)llround(d) : 0;
}

static void rows_json(rs_jw *w, v3 *x, const char *key, const rollup_row *rows, size_t n)
{
	rs_jw_key(w, key);
	rs_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		rs_jw_cstr(w, rs_s(x->s, rows[i].name));
		rs_jw_key(w, "self");
		rs_jw_int(w, pct_of(rows[i].self_pct, x->duration_ns));
		rs_jw_key(w, "total");
		rs_jw_int(w, pct_of(rows[i].total_pct, x->duration_ns));
		rs_jw_key(w, "calls");
		rs_jw_int(w, rows[i].calls);
		rs_jw_key(w, "function_count");
		rs_jw_int(w, rows[i].function_count);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void build_rollups(v3 *x)
{
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "sample_type");
	rs_jw_cstr(&w, "wall");
	rs_jw_key(&w, "process");
	rs_jw_obj(&w);
	rs_jw_key(&w, "samples");
	rs_jw_uint(&w, x->lane[0] ? x->s->counters[x->lane[0] - 1].n : 0);
	rs_jw_key(&w, "duration_ns");
	rs_jw_int(&w, x->duration_ns);
	rs_jw_key(&w, "threads");
	rs_jw_int(&w, x->thread_avg);
	rs_jw_obj_end(&w);
	rows_json(&w, x, "crates", x->crates, x->ncrates);
	rows_json(&w, x, "modules", x->modules, x->nmodules);
	rs_jw_obj_end(&w);
	x->s->rollups = rs_intern(x->s, sb.buf, sb.len);
	rs_sb_free(&sb);
}

static void finish(v3 *x)
{
	rs_session *s = x->s;
	rs_session_info *in = &s->info;
	if (x->start_ms)
		in->start_time_ns = rs_mul_sat(x->start_ms, 1000000);
	else if (x->started_secs)
		in->start_time_ns = rs_mul_sat(x->started_secs, 1000000000);
	if (x->duration_ns)
		in->duration_ns = x->duration_ns;
	in->name = x->project ? x->project : 0;
	if (x->target_binary)
		rs_tag_set(s, "target_binary", rs_s(s, x->target_binary));
	if (x->rustscope_version) {
		in->producer.name = rs_intern_cstr(s, "rustscope");
		in->producer.version = x->rustscope_version;
	}
	in->source.format = rs_intern_cstr(s, "rustscope-v3");
	build_samples(x);
	if (x->ncrates || x->nmodules)
		build_rollups(x);
	if (x->extra.len) {
		rs_strbuf sb = {0};
		rs_sb_addf(&sb, "{\"rustscope\":{%s}}", x->extra.buf);
		s->extra = rs_intern(s, sb.buf, sb.len);
		rs_sb_free(&sb);
	}
}

static const rs_jr_handler top_handler = {
	.open = on_open, .close = on_close, .scalar = on_scalar, .raw = on_raw};

int rs_import_rustscope(rs_input *in, rs_session *s, rs_err *err)
{
	v3 x = {.s = s, .cur = -1};
	int rc = rs_jr_parse(in, &top_handler, &x, err);
	if (!rc && x.version != 3)
		rc = rs_fail(err, RS_EINPUT, "%s: $.schema_version: missing; expected a RustScope report "
			     "with schema_version 3", in->path);
	if (!rc)
		finish(&x);
	free(x.crates);
	free(x.modules);
	free(x.nodes);
	free(x.fns);
	rs_sb_free(&x.marker_args);
	rs_sb_free(&x.extra);
	return rc;
}

int rs_sniff_rustscope(const unsigned char *p, size_t n)
{
	if (rs_sniff_first(p, n) != '{' || rs_sniff_has(p, n, "\"rustscope.session\""))
		return 0;
	static const char *const keys[] = {"\"process_summary\"", "\"process_samples\"",
					   "\"crate_rollups\"", "\"module_rollups\""};
	int hits = 0;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		hits += rs_sniff_has(p, n, keys[i]);
	return hits ? 60 + 10 * hits : 0;
}
