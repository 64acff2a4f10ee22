#include "validate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_REPORTED = 50 };

typedef struct vctx {
	const rs_session *s;
	const char *file;
	rs_strbuf *all;
	rs_err *err;
	size_t problems;
} vctx;

__attribute__((format(printf, 2, 3))) static void problem(vctx *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (v->problems == 0)
		rs_fail(v->err, RS_EINPUT, "%s: %s", v->file, msg);
	if (v->all && v->problems < MAX_REPORTED)
		rs_sb_addf(v->all, "%s: %s\n", v->file, msg);
	v->problems++;
}

/* An optional index (-1 = none) into a table of n entries. */
static void check_index(vctx *v, int64_t idx, size_t n, const char *table, const char *path_fmt, size_t i)
{
	if (idx >= -1 && (idx < 0 || (uint64_t)idx < n))
		return;
	char path[128];
	snprintf(path, sizeof path, path_fmt, i);
	problem(v, "%s: index %" PRId64 " is out of range ($.%s has %zu entries)", path, idx, table, n);
}

/* Whether every node's parent comes before it and its frame exists, in
 * one pass without calls or early exits (tens of millions of nodes). */
static bool stacks_ok(const rs_session *s)
{
	bool ok = true;
	for (size_t i = 0; i < s->nstacks; i++)
		ok &= (uint64_t)((int64_t)s->stacks[i].parent + 1) <= i && s->stacks[i].frame < s->nframes;
	return ok;
}

static void check_frames_stacks(vctx *v)
{
	const rs_session *s = v->s;
	for (size_t i = 0; i < s->nframes; i++)
		check_index(v, s->frames[i].mapping, s->nmappings, "mappings", "$.frames[%zu].mapping", i);
	if (stacks_ok(s))
		return;
	for (size_t i = 0; i < s->nstacks; i++) {
		const rs_stack *n = &s->stacks[i];
		if (n->parent >= (int64_t)i)
			problem(v, "$.stacks.parent[%zu]: %" PRId32 " is not below %zu: a parent must come "
				"before its children (the stack table must be acyclic)", i, n->parent, i);
		else
			check_index(v, n->parent, s->nstacks, "stacks.parent", "$.stacks.parent[%zu]", i);
		check_index(v, n->frame, s->nframes, "frames", "$.stacks.frame[%zu]", i);
	}
}

static void check_samples(vctx *v)
{
	const rs_session *s = v->s;
	const rs_samples *sm = &v->s->samples;
	if (sm->n && !s->nsample_types)
		problem(v, "$.sample_types: is empty, but there are %zu samples", sm->n);
	for (size_t i = 0; i < sm->n; i++) {
		check_index(v, sm->stack[i], s->nstacks, "stacks.parent", "$.samples.stack[%zu]", i);
		check_index(v, sm->thread[i], s->nthreads, "threads", "$.samples.thread[%zu]", i);
	}
	if (!s->default_sample_type)
		return;
	for (size_t j = 0; j < s->nsample_types; j++)
		if (s->sample_types[j].type == s->default_sample_type)
			return;
	problem(v, "$.default_sample_type: \"%s\" is not one of the sample types", rs_s(s, s->default_sample_type));
}

static void check_timed(vctx *v)
{
	const rs_session *s = v->s;
	for (size_t i = 0; i < s->nintervals; i++) {
		const rs_interval *iv = &s->intervals[i];
		if (iv->end_ns < iv->start_ns)
			problem(v, "$.intervals[%zu]: end_ns %" PRId64 " is before start_ns %" PRId64, i,
				iv->end_ns, iv->start_ns);
		check_index(v, iv->thread, s->nthreads, "threads", "$.intervals[%zu].thread", i);
		check_index(v, iv->frame, s->nframes, "frames", "$.intervals[%zu].frame", i);
	}
	for (size_t i = 0; i < s->ncounters; i++) {
		const rs_counter *c = &s->counters[i];
		check_index(v, c->thread, s->nthreads, "threads", "$.counters[%zu].thread", i);
		for (size_t j = 1; j < c->n; j++)
			if (c->t_ns[j] < c->t_ns[j - 1]) {
				problem(v, "$.counters[%zu].points[%zu]: time goes backwards (%" PRId64 " < %" PRId64 ")",
					i, j, c->t_ns[j], c->t_ns[j - 1]);
				break;
			}
	}
	for (size_t i = 0; i < s->nmemory_events; i++) {
		check_index(v, s->memory_events[i].stack, s->nstacks, "stacks.parent", "$.memory_events[%zu].stack", i);
		check_index(v, s->memory_events[i].thread, s->nthreads, "threads", "$.memory_events[%zu].thread", i);
	}
	for (size_t i = 0; i < s->nmarkers; i++)
		check_index(v, s->markers[i].thread, s->nthreads, "threads", "$.markers[%zu].thread", i);
	for (size_t i = 0; i < s->nwindows; i++)
		if (s->windows[i].end_ns < s->windows[i].start_ns)
			problem(v, "$.windows[%zu]: end_ns is before start_ns", i);
}

int rs_session_validate(const rs_session *s, const char *file, rs_strbuf *all, rs_err *err)
{
	vctx v = {.s = s, .file = file, .all = all, .err = err};
	if (!s->info.id || !s->info.name)
		problem(&v, "$.session: %s is empty", s->info.id ? "name" : "id");
	check_frames_stacks(&v);
	check_samples(&v);
	check_timed(&v);
	if (v.problems > 1 && err->code == RS_EINPUT) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, " (and %zu more problems)", v.problems - 1);
	}
	return v.problems ? RS_EINPUT : 0;
}
