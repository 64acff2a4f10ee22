/* Differential profiles (see diff.h). */
#include "diff.h"

#include "../lib/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct differ {
	rs_session *d;
	uint32_t *frame_by_name; /* diff frame + 1, by the diff's string id of the name */
	size_t names_cap;
	double *sum[2]; /* before, after: per diff stack node */
	size_t sum_cap;
} differ;

static rs_str copy_str(differ *x, const rs_session *s, rs_str id)
{
	return id ? rs_intern(x->d, rs_s(s, id), rs_slen(s, id)) : 0;
}

/* Frames are one per name: builds change lines and addresses, not names. */
static uint32_t diff_frame(differ *x, const rs_session *s, const rs_frame *f)
{
	rs_str name = copy_str(x, s, f->name);
	if (name >= x->names_cap) {
		size_t old = x->names_cap;
		RS_GROW(x->frame_by_name, x->names_cap, (size_t)name + 1);
		memset(x->frame_by_name + old, 0, (x->names_cap - old) * sizeof *x->frame_by_name);
	}
	if (!x->frame_by_name[name]) {
		rs_frame nf;
		rs_frame_init(&nf);
		nf.name = name;
		nf.file = copy_str(x, s, f->file);
		nf.crate = copy_str(x, s, f->crate);
		nf.module = copy_str(x, s, f->module);
		nf.line = f->line;
		nf.column = f->column;
		nf.kind = f->kind;
		nf.is_inline = f->is_inline;
		x->frame_by_name[name] = (uint32_t)rs_frame_add(x->d, &nf) + 1;
	}
	return x->frame_by_name[name] - 1;
}

/* Adds one run's values, times scale, to side k's sums. */
static void add_run(differ *x, const rs_session *s, int32_t col, double scale, int k)
{
	uint32_t *frame_of = rs_xmalloc((s->nframes + 1) * sizeof *frame_of);
	for (size_t f = 0; f < s->nframes; f++)
		frame_of[f] = diff_frame(x, s, &s->frames[f]);
	int32_t *node_of = rs_xmalloc((s->nstacks + 1) * sizeof *node_of);
	for (size_t i = 0; i < s->nstacks; i++) { /* parents come first */
		int32_t p = s->stacks[i].parent;
		node_of[i] = rs_stack_add(x->d, p >= 0 ? node_of[p] : -1, frame_of[s->stacks[i].frame]);
	}
	if (x->d->nstacks > x->sum_cap) {
		size_t old = x->sum_cap;
		RS_GROW(x->sum[0], x->sum_cap, x->d->nstacks);
		x->sum[1] = rs_xrealloc(x->sum[1], x->sum_cap * sizeof *x->sum[1]);
		for (int j = 0; j < 2; j++)
			memset(x->sum[j] + old, 0, (x->sum_cap - old) * sizeof *x->sum[j]);
	}
	size_t nv = s->nsample_types;
	for (size_t i = 0; i < s->samples.n; i++)
		if (s->samples.stack[i] >= 0) /* a sample without frames has no place in a flame graph */
			x->sum[k][node_of[s->samples.stack[i]]] +=
				scale * (double)s->samples.values[i * nv + (size_t)col];
	free(frame_of);
	free(node_of);
}

static const char *unit_of(const rs_session *s, int32_t col)
{
	return rs_s(s, s->sample_types[col].unit);
}

/* The unit every run's column shares; NULL (with err set) when they differ. */
static const char *common_unit(const rs_diff_side *const sides[2], rs_err *err)
{
	const char *unit = NULL;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < sides[k]->n; i++) {
			const char *u = unit_of(sides[k]->runs[i], sides[k]->col[i]);
			if (unit && strcmp(u, unit)) {
				rs_fail(err, RS_EINPUT, "cannot subtract values in %s from values in %s",
					unit, u);
				return NULL;
			}
			unit = unit ? unit : u;
		}
	return unit ? unit : "";
}

int rs_diff_session(const rs_diff_side *base, const rs_diff_side *cur, rs_session **out, rs_err *err)
{
	const rs_diff_side *sides[2] = {base, cur};
	const char *unit = common_unit(sides, err);
	if (!unit)
		return err->code;
	differ x = {.d = rs_session_new()};
	rs_session *d = x.d;
	d->info.id = rs_intern_cstr(d, "rustscope-compare-diff");
	d->info.name = rs_intern_cstr(d, "current minus baseline (per-run averages)");
	rs_sample_type_add(d, "before", unit);
	rs_sample_type_add(d, "after", unit);
	d->default_sample_type = d->sample_types[1].type;
	for (int k = 1; k >= 0; k--) /* the current runs name the frames first */
		for (size_t i = 0; i < sides[k]->n; i++)
			add_run(&x, sides[k]->runs[i], sides[k]->col[i], 1.0 / (double)sides[k]->n, k);
	for (size_t node = 0; node < d->nstacks; node++) {
		int64_t v[2] = {llround(x.sum[0][node]), llround(x.sum[1][node])};
		if (v[0] || v[1])
			rs_sample_add(d, (int32_t)node, v, -1, RS_NO_TIME, NULL, 0);
	}
	free(x.frame_by_name);
	free(x.sum[0]);
	free(x.sum[1]);
	*out = d;
	return 0;
}

void rs_diff_add_delta(rs_session *d)
{
	uint32_t col = rs_sample_type_add(d, "delta", rs_s(d, d->sample_types[0].unit));
	size_t nv = d->nsample_types;
	int64_t *v = d->samples.values; /* before, after, delta of each sample */
	for (size_t i = 0; i < d->samples.n; i++)
		v[i * nv + col] = v[i * nv + 1] - v[i * nv];
	d->default_sample_type = d->sample_types[col].type;
}
