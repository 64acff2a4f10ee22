/* ProfileSession → V8 .cpuprofile (the modern form: nodes with children and
 * hitCount, samples, timeDeltas, startTime, endTime in µs) as Chrome
 * DevTools, VS Code and speedscope read it. All samples go into the one
 * profile (a .cpuprofile has no threads); "rustscope" carries the whole
 * session so that it reads back byte for byte. Mapping: docs/chrome.md. */
#include "../lib/json_read.h"
#include "../lib/xalloc.h"
#include "../schema/interval_samples.h"
#include "../schema/session_json.h"
#include "exporters.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an imported .cpuprofile kept in extra.cpuprofile. */
typedef struct cp_extra {
	rs_jw *w;
	rs_strbuf cp;
	bool has_start, has_end, legacy;
	int64_t start_ns;
	rs_strbuf nodes; /* rustscope_nodes: [[stack,{members}],...] */
} cp_extra;

/* Per-node members kept by the importer (positionTicks, deoptReason, ...),
 * by stack index, as members text for rs_v8_write_nodes. */
typedef struct nx_rd {
	char **of;
	size_t n;
	int64_t stack;
} nx_rd;

static int nx_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	(void)r, (void)ctx;
	*tag = parent == RS_JR_ROOT && is_array ? 1 : parent == 1 && is_array ? 2
		: parent == 2 && !is_array ? RS_JR_CAPTURE : RS_JR_SKIP;
	return 0;
}

static int nx_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	nx_rd *x = ctx;
	(void)r;
	if (tag == 2 && v->type == RS_JV_INT)
		x->stack = v->i;
	return 0;
}

static int nx_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	nx_rd *x = ctx;
	(void)r;
	if (parent == 2 && x->stack >= 0 && (uint64_t)x->stack < x->n && len > 2 && !x->of[x->stack]) {
		x->of[x->stack] = rs_xmalloc(len - 1);
		memcpy(x->of[x->stack], json + 1, len - 2);
		x->of[x->stack][len - 2] = 0;
	}
	return 0;
}

static const rs_jr_handler nx_handler = {.open = nx_open, .scalar = nx_scalar, .raw = nx_raw};

static char **node_extras(const rs_session *s, const rs_strbuf *nodes)
{
	char **of = rs_xcalloc(s->nstacks + 1, sizeof *of);
	if (!nodes->len)
		return of;
	nx_rd x = {.of = of, .n = s->nstacks, .stack = -1};
	rs_input in;
	rs_err err = {0};
	if (!rs_input_open_mem(&in, "rustscope_nodes", nodes->buf, nodes->len, &err))
		rs_jr_parse(&in, &nx_handler, &x, &err);
	rs_input_close(&in);
	return of;
}

static void find_cp(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	cp_extra *c = ctx;
	if (kn == 10 && memcmp(k, "cpuprofile", 10) == 0 && json[0] == '{')
		rs_sb_add(&c->cp, json, len);
}

static void scan_cp(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	cp_extra *c = ctx;
	char buf[64];
	snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), json);
	if (kn == 9 && memcmp(k, "startTime", 9) == 0) {
		c->has_start = true;
		c->start_ns = (int64_t)llround(strtod(buf, NULL) * 1000.0);
	}
	c->has_end |= kn == 7 && memcmp(k, "endTime", 7) == 0;
	c->legacy |= kn == 14 && memcmp(k, "rustscope_form", 14) == 0;
	if (kn == 15 && memcmp(k, "rustscope_nodes", 15) == 0)
		rs_sb_add(&c->nodes, json, len);
}

static void write_cp(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	cp_extra *c = ctx;
	if (kn > 10 && memcmp(k, "rustscope_", 10) == 0)
		return;
	bool times = (kn == 9 && memcmp(k, "startTime", 9) == 0) || (kn == 7 && memcmp(k, "endTime", 7) == 0);
	if (times && c->legacy) /* seconds in the legacy form; we write µs */
		return;
	rs_jw_keyn(c->w, k, kn);
	rs_jw_raw(c->w, json, len);
}

int rs_export_cpuprofile(const rs_session *s, rs_output *out, rs_err *err)
{
	(void)err;
	const rs_samples *sm = &s->samples;
	rs_jw w;
	rs_jw_init_out(&w, out);
	cp_extra ce = {.w = &w};
	if (s->extra)
		rs_json_each_member(rs_s(s, s->extra), rs_slen(s, s->extra), false, find_cp, &ce);
	if (ce.cp.len)
		rs_json_each_member(ce.cp.buf, ce.cp.len, false, scan_cp, &ce);
	if (ce.legacy)
		ce.has_start = ce.has_end = false;
	uint8_t *used = rs_xcalloc(s->nstacks + 1, 1);
	uint32_t *hits = rs_xcalloc(s->nstacks + 1, sizeof *hits);
	for (size_t i = 0; i < sm->n; i++) {
		if (sm->stack[i] >= 0)
			hits[sm->stack[i]]++;
		for (int32_t k = sm->stack[i]; k >= 0 && !used[k]; k = s->stacks[k].parent)
			used[k] = 1;
	}
	/* times: recorded, else spaced by the period (or 1 ms) from a non-zero start */
	int64_t step = s->period > 0 && s->period_type.unit &&
		strcmp(rs_s(s, s->period_type.unit), "nanoseconds") == 0 ? s->period : 1000000;
	int64_t start = s->info.start_time_ns != RS_NO_TIME && s->info.start_time_ns > 0
		? s->info.start_time_ns : 1000000000;
	if (ce.has_start)
		start = ce.start_ns;
	else if (sm->has_time)
		for (size_t i = 0; i < sm->n; i++)
			if (sm->time_ns[i] != RS_NO_TIME) {
				start = sm->time_ns[i];
				break;
			}
	rs_jw_obj(&w);
	char **extras = node_extras(s, &ce.nodes);
	rs_v8_write_nodes(s, &w, used, true, hits, (const char *const *)extras);
	for (size_t i = 0; i < s->nstacks; i++)
		free(extras[i]);
	free(extras);
	rs_sb_free(&ce.nodes);
	int64_t t = start;
	if (!ce.has_start) {
		rs_jw_key(&w, "startTime");
		rs_jw_us(&w, start);
	}
	/* A sample lasts until the next one (DevTools and speedscope read it
	 * so): one derived from intervals lasts its time, so that the profile
	 * weighs stacks by their self time. A last such sample is closed by a
	 * sample at the root, as readers end the last stack there, not at
	 * endTime. */
	uint8_t *derived = rs_samples_from_intervals(s);
	int32_t wall = rs_wall_column(s);
	if (wall < 0) { /* not ours after all */
		free(derived);
		derived = NULL;
	}
	bool closing = derived && sm->n && derived[sm->n - 1];
	rs_jw_newline(&w);
	rs_jw_key(&w, "samples");
	rs_jw_arr(&w);
	for (size_t i = 0; i < sm->n; i++)
		rs_jw_int(&w, sm->stack[i] >= 0 ? sm->stack[i] + 2 : 1);
	if (closing)
		rs_jw_int(&w, 1);
	rs_jw_arr_end(&w);
	rs_jw_newline(&w);
	rs_jw_key(&w, "timeDeltas");
	rs_jw_arr(&w);
	int64_t gap = 0;
	for (size_t i = 0; i < sm->n; i++) {
		int64_t ti = sm->has_time && sm->time_ns[i] != RS_NO_TIME ? sm->time_ns[i] : i ? t + gap : t;
		rs_jw_us(&w, ti - t);
		t = ti;
		gap = derived && derived[i] ? sm->values[i * s->nsample_types + wall] : step;
	}
	if (closing) {
		rs_jw_us(&w, gap);
		t += gap;
	}
	rs_jw_arr_end(&w);
	if (!ce.has_end) {
		rs_jw_key(&w, "endTime");
		rs_jw_us(&w, t);
	}
	free(derived);
	if (ce.cp.len)
		rs_json_each_member(ce.cp.buf, ce.cp.len, false, write_cp, &ce);
	rs_jw_newline(&w);
	rs_jw_key(&w, "rustscope");
	rs_write_embedded_session(s, &w);
	rs_jw_obj_end(&w);
	rs_jw_newline(&w);
	rs_jw_finish(&w);
	free(used);
	free(hits);
	rs_sb_free(&ce.cp);
	return 0;
}
