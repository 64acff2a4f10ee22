/* Intervals as time-weighted stacks (see interval_samples.h). */
#include "interval_samples.h"

#include "../lib/checked.h"
#include "../lib/rustname.h"
#include "../lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct bound {
	int64_t t;
	uint32_t rank; /* the interval's place in nesting order */
	uint8_t is_end;
} bound;

/* The state of one sweep (rs_intervals_sweep). */
typedef struct sweeper {
	const rs_session *s;
	const uint32_t *order; /* intervals by thread, start, longest first */
	bound *bounds;
	size_t bounds_cap;
	uint32_t *open;        /* ranks of the open intervals, outermost first */
	uint32_t *ids;         /* the same as interval indices, for the callback */
	size_t open_cap;
	rs_stretch_fn fn;
	void *ctx;
} sweeper;

typedef struct deriver {
	rs_session *s;
	uint32_t *frame_of;    /* interval -> frame */
	uint32_t col;
	rs_label label;
	int64_t *acc;          /* ns per stack node, for the current thread */
	size_t acc_cap;
	int32_t *touched;      /* stack nodes charged, in first-charge order */
	size_t ntouched, touched_cap;
	int32_t thread;        /* of the stacks charged so far */
	uint32_t *path;
	size_t path_cap;
	size_t added;
} deriver;

static int cmp_order(const void *a, const void *b, void *session)
{
	const rs_session *s = session;
	const rs_interval *x = &s->intervals[*(const uint32_t *)a];
	const rs_interval *y = &s->intervals[*(const uint32_t *)b];
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->end_ns != y->end_ns)
		return x->end_ns > y->end_ns ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* Ends before starts at the same time; starts outermost first. */
static int cmp_bound(const void *a, const void *b)
{
	const bound *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->is_end != y->is_end)
		return x->is_end ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* The frame an interval stands for: its own, else one named after it. */
static uint32_t interval_frame(rs_session *s, const rs_interval *iv, rs_rustname *rn)
{
	if (iv->frame >= 0)
		return (uint32_t)iv->frame;
	rs_frame f;
	rs_frame_init(&f);
	f.name = iv->name && rs_slen(s, iv->name) ? iv->name : rs_intern_cstr(s, "(unnamed)");
	if (rs_rust_name(rn, rs_s(s, f.name), false)) {
		f.kind = RS_KIND_RUST;
		f.crate = rs_intern_cstr(s, rn->crate);
		f.module = rs_intern_cstr(s, rn->module);
	}
	return (uint32_t)rs_frame_add(s, &f);
}

static void frames_of_intervals(deriver *d)
{
	rs_session *s = d->s;
	rs_rustname rn = {0};
	/* one frame per name: names repeat across millions of events */
	size_t nstr = s->strings.n;
	uint32_t *by_name = rs_xcalloc(nstr + 1, sizeof *by_name);
	for (size_t i = 0; i < s->nintervals; i++) {
		const rs_interval *iv = &s->intervals[i];
		bool cacheable = iv->frame < 0 && iv->name < nstr;
		if (cacheable && by_name[iv->name]) {
			d->frame_of[i] = by_name[iv->name] - 1;
			continue;
		}
		d->frame_of[i] = interval_frame(s, iv, &rn);
		if (cacheable)
			by_name[iv->name] = d->frame_of[i] + 1;
	}
	free(by_name);
	rs_rust_name_free(&rn);
}

int32_t rs_wall_column(const rs_session *s)
{
	for (size_t i = 0; i < s->nsample_types; i++)
		if (!strcmp(rs_s(s, s->sample_types[i].type), "wall") &&
		    !strcmp(rs_s(s, s->sample_types[i].unit), "nanoseconds"))
			return (int32_t)i;
	return -1;
}

static uint32_t wall_column(rs_session *s)
{
	int32_t have = rs_wall_column(s);
	if (have >= 0)
		return (uint32_t)have;
	/* pprof readers default to the last column: the samples there keep
	 * theirs, the first */
	if (!s->default_sample_type)
		s->default_sample_type = s->samples.n && s->nsample_types ? s->sample_types[0].type
					 : rs_intern_cstr(s, "wall");
	return rs_sample_type_add(s, "wall", "nanoseconds");
}

/* The sweep over one thread's intervals order[a, b): every stretch between
 * two consecutive boundaries with intervals open goes to the callback. */
static void sweep_thread(sweeper *w, size_t a, size_t b, int32_t thread)
{
	size_t nb = 0, nopen = 0;
	RS_GROW(w->bounds, w->bounds_cap, 2 * (b - a));
	for (size_t r = a; r < b; r++) {
		const rs_interval *iv = &w->s->intervals[w->order[r]];
		if (iv->end_ns <= iv->start_ns)
			continue;
		w->bounds[nb++] = (bound){iv->start_ns, (uint32_t)r, 0};
		w->bounds[nb++] = (bound){iv->end_ns, (uint32_t)r, 1};
	}
	qsort(w->bounds, nb, sizeof *w->bounds, cmp_bound);
	if (w->open_cap < b - a) {
		w->open_cap = b - a;
		w->open = rs_xrealloc(w->open, w->open_cap * sizeof *w->open);
		w->ids = rs_xrealloc(w->ids, w->open_cap * sizeof *w->ids);
	}
	for (size_t i = 0; i < nb; i++) {
		const bound *x = &w->bounds[i];
		int64_t t0 = i ? w->bounds[i - 1].t : x->t;
		if (nopen && x->t > t0) {
			for (size_t k = 0; k < nopen; k++)
				w->ids[k] = w->order[w->open[k]];
			w->fn(w->ctx, thread, t0, x->t, w->ids, nopen);
		}
		if (!x->is_end) { /* a later start ranks after every open interval */
			w->open[nopen++] = x->rank;
			continue;
		}
		size_t k = nopen;
		while (k > 0 && w->open[k - 1] != x->rank)
			k--;
		if (k) { /* an interval that outlives its parent stays open, one level up */
			memmove(w->open + k - 1, w->open + k, (nopen - k) * sizeof *w->open);
			nopen--;
		}
	}
}

void rs_intervals_sweep(const rs_session *s, rs_stretch_fn fn, void *ctx)
{
	if (!s->nintervals)
		return;
	uint32_t *order = rs_xmalloc(s->nintervals * sizeof *order);
	for (size_t i = 0; i < s->nintervals; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, s->nintervals, sizeof *order, cmp_order, (void *)s);
	sweeper w = {.s = s, .order = order, .fn = fn, .ctx = ctx};
	for (size_t a = 0, b; a < s->nintervals; a = b) {
		int32_t thread = s->intervals[order[a]].thread;
		for (b = a + 1; b < s->nintervals && s->intervals[order[b]].thread == thread; b++)
			;
		sweep_thread(&w, a, b, thread);
	}
	free(order);
	free(w.bounds);
	free(w.open);
	free(w.ids);
}

/* One sample per stack charged on the thread so far. */
static void flush_thread(deriver *d)
{
	int64_t *v = rs_xcalloc(d->s->nsample_types, sizeof *v);
	for (size_t k = 0; k < d->ntouched; k++) {
		int32_t st = d->touched[k];
		v[d->col] = d->acc[st];
		rs_sample_add(d->s, st, v, d->thread, RS_NO_TIME, &d->label, 1);
		d->acc[st] = 0;
		d->added++;
	}
	d->ntouched = 0;
	free(v);
}

/* A stretch's time goes to the stack of the intervals open during it. */
static void charge(void *ctx, int32_t thread, int64_t t0, int64_t t1, const uint32_t *open, size_t nopen)
{
	deriver *d = ctx;
	if (thread != d->thread)
		flush_thread(d);
	d->thread = thread;
	RS_GROW(d->path, d->path_cap, nopen);
	for (size_t k = 0; k < nopen; k++)
		d->path[k] = d->frame_of[open[k]];
	int32_t st = rs_stack_path(d->s, d->path, nopen);
	if ((size_t)st >= d->acc_cap) {
		size_t old = d->acc_cap;
		RS_GROW(d->acc, d->acc_cap, (size_t)st + 1);
		memset(d->acc + old, 0, (d->acc_cap - old) * sizeof *d->acc);
	}
	if (!d->acc[st]) {
		RS_GROW(d->touched, d->touched_cap, d->ntouched + 1);
		d->touched[d->ntouched++] = st;
	}
	d->acc[st] = rs_add_sat(d->acc[st], t1 - t0);
}

size_t rs_intervals_to_samples(rs_session *s)
{
	if (!s->nintervals)
		return 0;
	deriver d = {.s = s};
	d.frame_of = rs_xmalloc(s->nintervals * sizeof *d.frame_of);
	frames_of_intervals(&d);
	d.col = wall_column(s);
	d.label = (rs_label){.key = rs_intern_cstr(s, RS_DERIVED_LABEL),
			     .str = rs_intern_cstr(s, RS_DERIVED_FROM_INTERVALS)};
	rs_intervals_sweep(s, charge, &d);
	flush_thread(&d);
	free(d.frame_of);
	free(d.acc);
	free(d.touched);
	free(d.path);
	return d.added;
}

bool rs_sample_from_intervals(const rs_session *s, size_t i)
{
	size_t n;
	if (!s->samples.has_labels)
		return false;
	const rs_label *l = rs_sample_labels(s, i, &n);
	for (size_t k = 0; k < n; k++)
		if (!l[k].is_num && l[k].key && l[k].str &&
		    !strcmp(rs_s(s, l[k].key), RS_DERIVED_LABEL) &&
		    !strcmp(rs_s(s, l[k].str), RS_DERIVED_FROM_INTERVALS))
			return true;
	return false;
}

bool rs_any_sample_from_intervals(const rs_session *s)
{
	if (!s->samples.has_labels || !s->nintervals)
		return false;
	for (size_t i = 0; i < s->samples.n; i++)
		if (rs_sample_from_intervals(s, i))
			return true;
	return false;
}

uint8_t *rs_samples_from_intervals(const rs_session *s)
{
	if (!s->samples.has_labels || !s->nintervals)
		return NULL;
	uint8_t *d = NULL;
	for (size_t i = 0; i < s->samples.n; i++)
		if (rs_sample_from_intervals(s, i)) {
			if (!d)
				d = rs_xcalloc(s->samples.n, 1);
			d[i] = 1;
		}
	return d;
}
