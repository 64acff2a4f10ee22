/* rustscope info FILE: a short summary, human or --json. */
#include "../lib/checked.h"
#include "../lib/json_write.h"
#include "../schema/rollup.h"
#include "cli.h"
#include "info.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct info_opts {
	const rs_cmd *cmd;
	const rs_format *from;
	const char *sample_type;
	bool json, leaks;
	size_t top;
} info_opts;

static int info_option(void *ctx, int opt, const char *arg)
{
	info_opts *o = ctx;
	char *end;
	switch (opt) {
	case 'j': o->json = true; return 0;
	case 'l': o->leaks = true; return 0;
	case 's': o->sample_type = arg; return 0;
	case 'n':
		o->top = strtoul(arg, &end, 10);
		return *end || !*arg ? rs_usage_error(o->cmd, "--top needs a number, got '%s'", arg) : 0;
	case 'f':
		return (o->from = rs_format_find(arg)) ? 0 : rs_usage_error(o->cmd, "unknown format '%s'", arg);
	}
	return 0;
}

typedef struct summary {
	const rs_session *s;
	const rs_format *fmt;
	const char *path;
	size_t vt;
	int64_t total, t_min, t_max;
	rs_rollup_row *by_self, *by_total;
	size_t nrows;
} summary;

static void summarize(summary *m)
{
	const rs_session *s = m->s;
	size_t nv = s->nsample_types;
	m->t_min = INT64_MAX;
	m->t_max = INT64_MIN;
	for (size_t i = 0; i < s->samples.n; i++) {
		m->total = rs_add_sat(m->total, nv ? s->samples.values[i * nv + m->vt] : 0);
		int64_t t = s->samples.time_ns[i];
		if (t != RS_NO_TIME) {
			m->t_min = t < m->t_min ? t : m->t_min;
			m->t_max = t > m->t_max ? t : m->t_max;
		}
	}
	m->by_self = rs_rollup(s, m->vt, RS_BY_FUNCTION, true, &m->nrows);
	m->by_total = rs_rollup(s, m->vt, RS_BY_FUNCTION, false, &m->nrows);
}

/* The session's duration, else the span of sample times, else unknown (-1). */
static int64_t duration(const summary *m)
{
	if (m->s->info.duration_ns != RS_NO_TIME)
		return m->s->info.duration_ns;
	return m->t_min <= m->t_max ? rs_add_sat(m->t_max, -m->t_min) : -1;
}

static void print_rows(const summary *m, const rs_rollup_row *rows, size_t top, const char *title)
{
	const rs_session *s = m->s;
	printf("\nTop %zu by %s (%s):\n  %12s %6s %12s %6s  function\n", top < m->nrows ? top : m->nrows,
	       title, m->s->nsample_types ? rs_s(s, s->sample_types[m->vt].type) : "-", "self", "%",
	       "total", "%");
	for (size_t i = 0; i < m->nrows && i < top; i++) {
		double d = m->total ? 100.0 / (double)m->total : 0;
		printf("  %12" PRId64 " %5.1f%% %12" PRId64 " %5.1f%%  %s\n", rows[i].self,
		       (double)rows[i].self * d, rows[i].total, (double)rows[i].total * d,
		       rs_s(s, rows[i].key));
	}
}

static void print_human(const summary *m, size_t top)
{
	const rs_session *s = m->s;
	printf("%s: %s\n", m->path, m->fmt->what);
	printf("  session:      %s (%s)\n", rs_s(s, s->info.name), rs_s(s, s->info.id));
	printf("  sample types:");
	for (size_t j = 0; j < s->nsample_types; j++)
		printf(" %s/%s%s", rs_s(s, s->sample_types[j].type), rs_s(s, s->sample_types[j].unit),
		       j == m->vt ? "*" : "");
	printf("\n  samples:      %zu (total %" PRId64 ")\n", s->samples.n, m->total);
	printf("  frames:       %zu\n  stacks:       %zu\n  threads:      %zu\n", s->nframes, s->nstacks,
	       s->nthreads);
	int64_t d = duration(m);
	if (d >= 0)
		printf("  duration:     %.3f s\n", (double)d / 1e9);
	else
		printf("  duration:     unknown\n");
	if (s->nintervals || s->ncounters || s->nmarkers || s->nmemory_events)
		printf("  timeline:     %zu intervals, %zu counters, %zu markers, %zu memory events\n",
		       s->nintervals, s->ncounters, s->nmarkers, s->nmemory_events);
	print_rows(m, m->by_self, top, "self");
	print_rows(m, m->by_total, top, "total");
}

static void json_rows(rs_jw *w, const summary *m, const char *key, const rs_rollup_row *rows, size_t top)
{
	rs_jw_key(w, key);
	rs_jw_arr(w);
	for (size_t i = 0; i < m->nrows && i < top; i++) {
		rs_jw_obj(w);
		rs_jw_key(w, "function");
		rs_jw_cstr(w, rs_s(m->s, rows[i].key));
		rs_jw_key(w, "self");
		rs_jw_int(w, rows[i].self);
		rs_jw_key(w, "total");
		rs_jw_int(w, rows[i].total);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void print_json(const summary *m, size_t top)
{
	const rs_session *s = m->s;
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "file");
	rs_jw_cstr(&w, m->path);
	rs_jw_key(&w, "format");
	rs_jw_cstr(&w, m->fmt->name);
	rs_jw_key(&w, "sample_types");
	rs_jw_arr(&w);
	for (size_t j = 0; j < s->nsample_types; j++) {
		rs_jw_obj(&w);
		rs_jw_key(&w, "type");
		rs_jw_cstr(&w, rs_s(s, s->sample_types[j].type));
		rs_jw_key(&w, "unit");
		rs_jw_cstr(&w, rs_s(s, s->sample_types[j].unit));
		rs_jw_obj_end(&w);
	}
	rs_jw_arr_end(&w);
	const struct { const char *k; size_t v; } counts[] = {
		{"samples", s->samples.n}, {"frames", s->nframes}, {"stacks", s->nstacks},
		{"threads", s->nthreads}, {"intervals", s->nintervals}, {"counters", s->ncounters},
		{"markers", s->nmarkers}, {"memory_events", s->nmemory_events}};
	for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
		rs_jw_key(&w, counts[i].k);
		rs_jw_uint(&w, counts[i].v);
	}
	rs_jw_key(&w, "total");
	rs_jw_int(&w, m->total);
	rs_jw_key(&w, "duration_ns");
	duration(m) >= 0 ? rs_jw_int(&w, duration(m)) : rs_jw_null(&w);
	json_rows(&w, m, "top_self", m->by_self, top);
	json_rows(&w, m, "top_total", m->by_total, top);
	rs_jw_obj_end(&w);
	printf("%s\n", sb.buf);
	rs_sb_free(&sb);
}

static int pick_value(const info_opts *o, const rs_session *s, size_t *vt)
{
	*vt = rs_default_value_index(s);
	if (!o->sample_type)
		return 0;
	for (size_t j = 0; j < s->nsample_types; j++)
		if (strcmp(rs_s(s, s->sample_types[j].type), o->sample_type) == 0) {
			*vt = j;
			return 0;
		}
	return rs_usage_error(o->cmd, "no sample type '%s' in this profile", o->sample_type);
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'}, {"sample-type", required_argument, 0, 's'},
		{"top", required_argument, 0, 'n'}, {"from", required_argument, 0, 'f'},
		{"leaks", no_argument, 0, 'l'},
		RS_COMMON_LONGOPTS, {0}};
	info_opts o = {.cmd = rs_cmd_find("info"), .top = 10};
	int rc = rs_parse_options(o.cmd, argc, argv, "", longopts, info_option, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind + 1 != argc)
		return rs_usage_error(o.cmd, optind >= argc ? "no FILE given" : "one FILE at a time");
	rs_err err = {0};
	summary m = {.path = argv[optind]};
	rs_session *s;
	if ((rc = rs_load(m.path, o.from, &s, &m.fmt, &err)))
		return rs_report(&err);
	m.s = s;
	if (o.leaks) {
		rc = rs_info_leaks(s, m.path, o.json, o.top, &err);
		rs_session_free(s);
		return rc ? rs_report(&err) : 0;
	}
	if (!(rc = pick_value(&o, s, &m.vt))) {
		summarize(&m);
		o.json ? print_json(&m, o.top) : print_human(&m, o.top);
	}
	free(m.by_self);
	free(m.by_total);
	rs_session_free(s);
	return rc;
}
