/* Statistical comparison of profiles (see compare.h and docs/compare.md).
 *
 * Rows are found by name across all sessions first (a function's crate and
 * module come from the first frame that names them), so that every run
 * charges the same rows whatever its format carries. Each run is then cut
 * into equal time windows, the metric's value of every row is taken per
 * window (or per run), and each value is one observation of its side. */
#include "compare.h"

#include "../lib/idhash.h"
#include "../lib/rustname.h"
#include "../lib/strbuf.h"
#include "../lib/xalloc.h"
#include "interval_samples.h"
#include "rollup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_ROW UINT32_MAX

static const char *const metric_names[] = {"self", "total", "mean", "p95", "p99", "alloc", "rss"};
static const char *const kind_names[] = {"function", "module", "crate", "process"};
static const char *const status_names[] = {"regression", "improvement", "new",
					   "vanished",	 "unchanged",	"untested"};
static const char *const severity_names[] = {"none", "minor", "moderate", "critical"};

const char *rs_cmp_metric_name(int metric)
{
	return metric_names[metric];
}
const char *rs_cmp_kind_name(int kind)
{
	return kind_names[kind];
}
const char *rs_cmp_status_name(int status)
{
	return status_names[status];
}
const char *rs_severity_name(int severity)
{
	return severity_names[severity];
}

static int find_name(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return -1;
}

int rs_cmp_metric_parse(const char *name)
{
	return find_name(metric_names, RS_CMP_NMETRICS, name);
}

int rs_severity_parse(const char *name)
{
	int s = find_name(severity_names, sizeof severity_names / sizeof *severity_names, name);
	return s > RS_SEV_NONE ? s : -1;
}

rs_severity rs_severity_of(double change, double threshold)
{
	if (!(change >= threshold))
		return RS_SEV_NONE;
	return change >= RS_SEV_CRITICAL_AT   ? RS_SEV_CRITICAL
	       : change >= RS_SEV_MODERATE_AT ? RS_SEV_MODERATE
					      : RS_SEV_MINOR;
}

/* --- what a session holds for a metric --- */

int32_t rs_cmp_value_column(const rs_session *s, rs_cmp_metric metric)
{
	if (!s->nsample_types)
		return -1;
	if (metric != RS_CMP_ALLOC)
		return (int32_t)rs_default_value_index(s);
	int32_t any = -1;
	for (size_t j = 0; j < s->nsample_types; j++) {
		if (!strstr(rs_s(s, s->sample_types[j].type), "alloc"))
			continue;
		if (!strcmp(rs_s(s, s->sample_types[j].unit), "bytes")) /* alloc_space over alloc_objects */
			return (int32_t)j;
		any = any < 0 ? (int32_t)j : any;
	}
	return any;
}

/* The process-wide RSS lane: rss_bytes, else a lane named like it. */
static const rs_counter *rss_lane(const rs_session *s)
{
	const rs_counter *like = NULL;
	for (size_t i = 0; i < s->ncounters; i++) {
		const rs_counter *c = &s->counters[i];
		if (!c->n || c->thread >= 0)
			continue;
		if (!strcmp(rs_s(s, c->name), "rss_bytes"))
			return c;
		if (!like && strstr(rs_s(s, c->name), "rss"))
			like = c;
	}
	return like;
}

/* Intervals stand for the run when they are all it has: no samples, or
 * only the samples a conversion derived from them. */
static bool uses_intervals(const rs_session *s)
{
	return s->nintervals && (!s->samples.n || rs_any_sample_from_intervals(s));
}

static bool samples_timed(const rs_session *s)
{
	for (size_t i = 0; s->samples.has_time && i < s->samples.n; i++)
		if (s->samples.time_ns[i] != RS_NO_TIME)
			return true;
	return false;
}

int rs_cmp_check(const rs_session *s, rs_cmp_metric metric, rs_err *err)
{
	switch (metric) {
	case RS_CMP_ALLOC:
		if (rs_cmp_value_column(s, metric) < 0)
			return rs_fail(err, RS_EINPUT,
				       "no allocation sample type (alloc_space, alloc_objects... as heap "
				       "profiles have): --metric alloc needs one");
		return 0;
	case RS_CMP_RSS:
		if (!rss_lane(s))
			return rs_fail(err, RS_EINPUT,
				       "no rss_bytes counter lane with points (recordings have one): "
				       "--metric rss needs one");
		return 0;
	default:
		if (!s->nintervals && !(s->samples.n && s->nsample_types))
			return rs_fail(err, RS_EINPUT, "no samples and no intervals to compare");
		return 0;
	}
}

/* --- rows, by kind and name --- */

typedef struct row_links {
	uint32_t module, crate; /* a function's rows, NO_ROW when unknown */
} row_links;

typedef struct rowtab {
	rs_cmp_row *row;
	row_links *link;
	size_t n, cap, link_cap;
	rs_idhash index;
	bool groups; /* functions also charge their module and crate */
	rs_rustname rn;
} rowtab;

typedef struct row_key {
	rs_cmp_kind kind;
	const char *name;
} row_key;

static uint64_t key_hash(rs_cmp_kind kind, const char *p)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind; /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static uint64_t row_hash(const void *ctx, uint32_t id)
{
	const rs_cmp_row *r = &((const rowtab *)ctx)->row[id];
	return key_hash(r->kind, r->name);
}

static bool row_eq(const void *ctx, uint32_t id, const void *key)
{
	const rs_cmp_row *r = &((const rowtab *)ctx)->row[id];
	const row_key *k = key;
	return r->kind == k->kind && !strcmp(r->name, k->name);
}

static uint32_t row_get(rowtab *t, rs_cmp_kind kind, const char *name)
{
	rs_idhash_ops ops = {row_hash, row_eq, t};
	row_key key = {kind, name};
	bool added;
	uint32_t id = rs_idhash_get(&t->index, &ops, key_hash(kind, name), &key, (uint32_t)t->n, &added);
	if (added) {
		RS_GROW(t->row, t->cap, t->n + 1);
		RS_GROW(t->link, t->link_cap, t->n + 1);
		t->row[t->n] = (rs_cmp_row){.kind = kind, .name = rs_xstrdup(name)};
		t->link[t->n] = (row_links){NO_ROW, NO_ROW};
		t->n++;
	}
	return id;
}

static void set_once(char **field, const char *v)
{
	if (!*field && v && *v)
		*field = rs_xstrdup(v);
}

/* A function's crate and module rows, from the first place that knows them. */
static void link_groups(rowtab *t, uint32_t fn, const char *crate, const char *module)
{
	if (!t->groups)
		return;
	if (crate && *crate && t->link[fn].crate == NO_ROW) {
		uint32_t c = row_get(t, RS_ROW_CRATE, crate);
		t->link[fn].crate = c;
	}
	if (module && *module && t->link[fn].module == NO_ROW) {
		rs_strbuf key = {0};
		rs_sb_addf(&key, "%s%s%s", crate && *crate ? crate : "", crate && *crate ? "::" : "", module);
		uint32_t m = row_get(t, RS_ROW_MODULE, key.buf);
		t->link[fn].module = m;
		rs_sb_free(&key);
	}
	rs_cmp_row *r = &t->row[fn];
	set_once(&r->crate, crate);
	set_once(&r->module, module);
}

static uint32_t frame_row(rowtab *t, const rs_session *s, const rs_frame *f)
{
	uint32_t fn = row_get(t, RS_ROW_FUNCTION, rs_s(s, f->name));
	link_groups(t, fn, rs_s(s, f->crate), rs_s(s, f->module));
	rs_cmp_row *r = &t->row[fn];
	if (!r->file && f->file) {
		r->file = rs_xstrdup(rs_s(s, f->file));
		r->line = f->line;
	}
	return fn;
}

/* An interval without a frame is its name; a Rust path names its crate.
 * by_name (per string of s) keeps what names gave: they repeat. */
static uint32_t interval_row(rowtab *t, const rs_session *s, const rs_interval *iv, uint32_t *by_name)
{
	if (iv->frame >= 0)
		return frame_row(t, s, &s->frames[iv->frame]);
	if (by_name[iv->name])
		return by_name[iv->name] - 1;
	const char *name = iv->name ? rs_s(s, iv->name) : "(unnamed)";
	uint32_t fn = row_get(t, RS_ROW_FUNCTION, name);
	if (rs_rust_name(&t->rn, name, false))
		link_groups(t, fn, t->rn.crate, t->rn.module);
	by_name[iv->name] = fn + 1;
	return fn;
}

static void rowtab_free(rowtab *t)
{
	rs_idhash_free(&t->index);
	rs_rust_name_free(&t->rn);
	free(t->link);
}

/* --- one run --- */

/* A run's time cut into n equal windows from its first to its last time. */
typedef struct windows {
	int64_t first;
	double width;
	size_t n;
} windows;

static windows windows_over(int64_t first, int64_t last, size_t n)
{
	return (windows){first, ((double)last - (double)first + 1) / (double)n, n};
}

static size_t window_of(const windows *w, int64_t t)
{
	double k = ((double)t - (double)w->first) / w->width;
	return k < 0 ? 0 : k >= (double)w->n ? w->n - 1 : (size_t)k;
}

static double window_start(const windows *w, size_t k)
{
	return (double)w->first + (double)k * w->width;
}

/* The weight of every row in every window of one run. */
typedef struct run_acc {
	const rowtab *t;
	size_t nw;     /* windows (1 for a run without times) */
	double *acc;   /* row * nw + window */
	double *tot;   /* all weight of each window */
	size_t *stamp; /* rows charged by the current item (recursion counts once) */
	size_t serial;
	bool total;	  /* every frame of the stack, not the leaf alone */
	uint32_t process; /* a row charged with everything, or NO_ROW */
	uint32_t *path;	  /* function rows of one stack, leaf first */
	size_t path_cap;
} run_acc;

static void charge_row(run_acc *r, uint32_t row, size_t w, double weight)
{
	if (row == NO_ROW || r->stamp[row] == r->serial)
		return;
	r->stamp[row] = r->serial;
	r->acc[row * r->nw + w] += weight;
}

/* One stack (function rows, leaf first) with its weight in window w. */
static void charge_path(run_acc *r, size_t w, double weight, size_t depth)
{
	r->serial++;
	r->tot[w] += weight;
	charge_row(r, r->process, w, weight);
	for (size_t k = 0; k < depth && (k == 0 || r->total); k++) {
		uint32_t fn = r->path[k];
		charge_row(r, fn, w, weight);
		charge_row(r, r->t->link[fn].module, w, weight);
		charge_row(r, r->t->link[fn].crate, w, weight);
	}
}

static size_t node_path(run_acc *r, const rs_session *s, const uint32_t *fn_of_frame, int32_t node)
{
	size_t depth = 0;
	for (int32_t k = node; k >= 0; k = s->stacks[k].parent) {
		RS_GROW(r->path, r->path_cap, depth + 1);
		r->path[depth++] = fn_of_frame[s->stacks[k].frame];
	}
	return depth;
}

/* Samples in window order (a counting sort), so that each window sums its
 * stack nodes once and walks each node's stack once. */
static void run_samples(run_acc *r, const rs_session *s, const uint32_t *fn_of_frame, int32_t col,
			const windows *win)
{
	const rs_samples *sm = &s->samples;
	size_t nv = s->nsample_types, nw = r->nw;
	size_t *start = rs_xcalloc(nw + 1, sizeof *start), *order = rs_xmalloc((sm->n + 1) * sizeof *order);
	size_t *wof = rs_xmalloc((sm->n + 1) * sizeof *wof);
	for (size_t i = 0; i < sm->n; i++) {
		bool timed = win && sm->has_time && sm->time_ns[i] != RS_NO_TIME;
		wof[i] = !win ? 0 : timed ? window_of(win, sm->time_ns[i]) : SIZE_MAX; /* untimed: left out */
		if (wof[i] != SIZE_MAX)
			start[wof[i] + 1]++;
	}
	for (size_t w = 0; w < nw; w++)
		start[w + 1] += start[w];
	size_t *fill = rs_xmalloc((nw + 1) * sizeof *fill);
	memcpy(fill, start, (nw + 1) * sizeof *fill);
	for (size_t i = 0; i < sm->n; i++)
		if (wof[i] != SIZE_MAX)
			order[fill[wof[i]]++] = i;
	double *node_w = rs_xcalloc(s->nstacks + 1, sizeof *node_w);
	int32_t *touched = rs_xmalloc((s->nstacks + 1) * sizeof *touched);
	for (size_t w = 0; w < nw; w++) {
		size_t nt = 0;
		for (size_t k = start[w]; k < start[w + 1]; k++) {
			size_t i = order[k];
			double v = (double)sm->values[i * nv + (size_t)col];
			int32_t node = sm->stack[i];
			if (node < 0) { /* no frames: part of the window's whole only */
				r->tot[w] += v;
				continue;
			}
			if (node_w[node] == 0)
				touched[nt++] = node;
			node_w[node] += v;
		}
		for (size_t k = 0; k < nt; k++) {
			charge_path(r, w, node_w[touched[k]], node_path(r, s, fn_of_frame, touched[k]));
			node_w[touched[k]] = 0;
		}
	}
	free(start);
	free(order);
	free(wof);
	free(fill);
	free(node_w);
	free(touched);
}

typedef struct stretch_ctx {
	run_acc *r;
	const uint32_t *fn_of_interval;
	const windows *win; /* NULL: the run is one window */
} stretch_ctx;

/* A stretch of time with its open intervals: split over the windows it crosses. */
static void run_stretch(void *ctx, int32_t thread, int64_t t0, int64_t t1, const uint32_t *open, size_t nopen)
{
	stretch_ctx *c = ctx;
	run_acc *r = c->r;
	(void)thread;
	RS_GROW(r->path, r->path_cap, nopen);
	for (size_t k = 0; k < nopen; k++)
		r->path[k] = c->fn_of_interval[open[nopen - 1 - k]];
	if (!c->win) {
		charge_path(r, 0, (double)t1 - (double)t0, nopen);
		return;
	}
	for (size_t w = window_of(c->win, t0), last = window_of(c->win, t1 - 1); w <= last; w++) {
		double a = fmax((double)t0, window_start(c->win, w));
		double b = w + 1 < c->win->n ? fmin((double)t1, window_start(c->win, w + 1)) : (double)t1;
		if (b > a)
			charge_path(r, w, b - a, nopen);
	}
}

/* --- the comparison --- */

typedef struct cmp {
	const rs_cmp_opts *o;
	rowtab t;
	rs_cmp_result *res;
	bool windowed;				  /* observations are windows (else runs) */
	bool durations;				  /* mean/p95/p99 of interval durations */
	bool per_run_stats;			  /* mean/p95/p99 of a run's window shares */
	uint32_t process;			  /* the alloc total or the RSS lane, else NO_ROW */
	uint32_t **fn_of_frame, **fn_of_interval; /* per session */
} cmp;

static bool is_stat_metric(rs_cmp_metric m)
{
	return m == RS_CMP_MEAN || m == RS_CMP_P95 || m == RS_CMP_P99;
}

/* The statistic of a mean/p95/p99 metric over x[0..n) (n > 0; reorders x). */
static double stat_of(rs_cmp_metric m, double *x, size_t n)
{
	if (m == RS_CMP_P95 || m == RS_CMP_P99)
		return rs_quantile(x, n, m == RS_CMP_P95 ? 0.95 : 0.99);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	return sum / (double)n;
}

/* Phase one: every row of every session, before any run charges them. */
static void map_rows(cmp *c, const rs_session *s, size_t i)
{
	c->fn_of_frame[i] = rs_xmalloc((s->nframes + 1) * sizeof **c->fn_of_frame);
	for (size_t f = 0; f < s->nframes; f++)
		c->fn_of_frame[i][f] = frame_row(&c->t, s, &s->frames[f]);
	c->fn_of_interval[i] = rs_xmalloc((s->nintervals + 1) * sizeof **c->fn_of_interval);
	uint32_t *by_name = rs_xcalloc(s->strings.n + 1, sizeof *by_name);
	for (size_t k = 0; k < s->nintervals; k++)
		c->fn_of_interval[i][k] = interval_row(&c->t, s, &s->intervals[k], by_name);
	free(by_name);
}

static bool run_timed(const rs_session *s)
{
	return uses_intervals(s) || samples_timed(s);
}

/* The run's windows over the times of what it charges; false without times. */
static bool run_windows(const cmp *c, const rs_session *s, windows *w)
{
	int64_t first = INT64_MAX, last = INT64_MIN;
	if (uses_intervals(s) && c->o->metric != RS_CMP_ALLOC) {
		for (size_t i = 0; i < s->nintervals; i++) {
			first = s->intervals[i].start_ns < first ? s->intervals[i].start_ns : first;
			last = s->intervals[i].end_ns > last ? s->intervals[i].end_ns : last;
		}
	} else {
		for (size_t i = 0; s->samples.has_time && i < s->samples.n; i++) {
			int64_t t = s->samples.time_ns[i];
			if (t != RS_NO_TIME) {
				first = t < first ? t : first;
				last = t > last ? t : last;
			}
		}
	}
	*w = windows_over(first, last, c->o->windows);
	return first <= last;
}

/* Each window's (or the run's) value of every row, one observation each. */
static void observe_shares(cmp *c, run_acc *r, bool base)
{
	bool share = c->o->metric != RS_CMP_ALLOC;
	double *vals = rs_xmalloc(r->nw * sizeof *vals);
	for (size_t row = 0; row < c->t.n; row++) {
		rs_moments *m = base ? &c->t.row[row].base : &c->t.row[row].cur;
		size_t nv = 0;
		for (size_t w = 0; w < r->nw; w++)
			if (r->tot[w] > 0 || !share)
				vals[nv++] =
					share ? r->acc[row * r->nw + w] / r->tot[w] : r->acc[row * r->nw + w];
		if (c->per_run_stats && nv)
			rs_moments_add(m, stat_of(c->o->metric, vals, nv));
		else
			for (size_t k = 0; k < nv; k++)
				rs_moments_add(m, vals[k]);
	}
	free(vals);
	size_t obs = 0;
	for (size_t w = 0; w < r->nw; w++)
		obs += r->tot[w] > 0 || !share;
	c->res->nobs[!base] += c->per_run_stats ? obs > 0 : obs;
}

static void charge_run(cmp *c, const rs_session *s, size_t i, bool base)
{
	windows win;
	bool timed = c->windowed && run_windows(c, s, &win);
	run_acc r = {.t = &c->t,
		     .nw = timed ? win.n : 1,
		     .total = c->o->metric == RS_CMP_TOTAL,
		     .process = c->process};
	r.acc = rs_xcalloc(c->t.n * r.nw + 1, sizeof *r.acc);
	r.tot = rs_xcalloc(r.nw, sizeof *r.tot);
	r.stamp = rs_xcalloc(c->t.n + 1, sizeof *r.stamp);
	if (uses_intervals(s) && c->o->metric != RS_CMP_ALLOC) {
		stretch_ctx sc = {&r, c->fn_of_interval[i], timed ? &win : NULL};
		rs_intervals_sweep(s, run_stretch, &sc);
	} else {
		run_samples(&r, s, c->fn_of_frame[i], rs_cmp_value_column(s, c->o->metric),
			    timed ? &win : NULL);
	}
	observe_shares(c, &r, base);
	free(r.acc);
	free(r.tot);
	free(r.stamp);
	free(r.path);
}

typedef struct duration {
	uint32_t row;
	uint32_t window;
	double ns;
} duration;

static int cmp_duration(const void *x, const void *y)
{
	const duration *a = x, *b = y;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return a->window < b->window ? -1 : a->window > b->window;
}

/* mean/p95/p99 of interval durations: a function's intervals that start in
 * a window give that window's value; windows without any give none. */
static void observe_durations(cmp *c, const rs_session *s, size_t i, bool base)
{
	windows win;
	if (!run_windows(c, s, &win))
		return;
	duration *d = rs_xmalloc((s->nintervals + 1) * sizeof *d);
	for (size_t k = 0; k < s->nintervals; k++) {
		const rs_interval *iv = &s->intervals[k];
		d[k] = (duration){c->fn_of_interval[i][k], (uint32_t)window_of(&win, iv->start_ns),
				  (double)iv->end_ns - (double)iv->start_ns};
	}
	qsort(d, s->nintervals, sizeof *d, cmp_duration);
	double *x = rs_xmalloc((s->nintervals + 1) * sizeof *x);
	for (size_t a = 0, b; a < s->nintervals; a = b) {
		size_t n = 0;
		for (b = a; b < s->nintervals && d[b].row == d[a].row && d[b].window == d[a].window; b++)
			x[n++] = d[b].ns;
		rs_cmp_row *row = &c->t.row[d[a].row];
		rs_moments_add(base ? &row->base : &row->cur, stat_of(c->o->metric, x, n));
	}
	c->res->nobs[!base] += win.n;
	free(d);
	free(x);
}

/* The RSS lane's mean in each window that has points. */
static void observe_rss(cmp *c, const rs_session *s, bool base)
{
	const rs_counter *lane = rss_lane(s);
	windows win = windows_over(lane->t_ns[0], lane->t_ns[lane->n - 1], c->o->windows);
	rs_moments *m = base ? &c->t.row[c->process].base : &c->t.row[c->process].cur;
	for (size_t a = 0, b; a < lane->n; a = b) {
		size_t w = window_of(&win, lane->t_ns[a]);
		double sum = 0;
		for (b = a; b < lane->n && window_of(&win, lane->t_ns[b]) == w; b++)
			sum += lane->value[b];
		rs_moments_add(m, sum / (double)(b - a));
		c->res->nobs[!base]++;
	}
}

static void observe_run(cmp *c, const rs_session *s, size_t i, bool base)
{
	c->res->runs[!base]++;
	if (c->o->metric == RS_CMP_RSS)
		observe_rss(c, s, base);
	else if (c->durations)
		observe_durations(c, s, i, base);
	else
		charge_run(c, s, i, base);
}

/* --- deciding --- */

static void decide(const rs_cmp_opts *o, rs_cmp_row *r, double q)
{
	double a = r->base.mean, b = r->cur.mean;
	r->q = q;
	r->significant = q <= o->alpha;
	r->change = a != 0 ? b / a - 1 : NAN;
	if ((r->base.n == 0 || a == 0) && b != 0)
		r->status = RS_ST_NEW;
	else if ((r->cur.n == 0 || b == 0) && a != 0)
		r->status = RS_ST_VANISHED;
	else if (isnan(r->p))
		r->status = RS_ST_UNTESTED;
	else if (r->significant && r->change >= o->threshold)
		r->status = RS_ST_REGRESSION;
	else if (r->significant && r->change <= -o->threshold)
		r->status = RS_ST_IMPROVEMENT;
	else
		r->status = RS_ST_UNCHANGED;
	r->severity = r->status == RS_ST_REGRESSION ? rs_severity_of(r->change, o->threshold) : RS_SEV_NONE;
}

/* The variance of the difference that windows cannot show: each run's
 * mean moves by run_noise of itself from run to run. Observations that are
 * runs show it themselves. */
static double run_noise_var(const cmp *c, const rs_cmp_row *r)
{
	const rs_cmp_result *res = c->res;
	if (res->obs != RS_OBS_WINDOWS)
		return 0;
	double na = c->o->run_noise * r->base.mean, nb = c->o->run_noise * r->cur.mean;
	return na * na / (double)res->runs[0] + nb * nb / (double)res->runs[1];
}

/* Welch's test of one row; p stays NaN when a side has too few values. */
static void test_row(const cmp *c, rs_cmp_row *r)
{
	const rs_cmp_opts *o = c->o;
	rs_welch w;
	r->t = r->df = r->p = r->ci_low = r->ci_high = r->effect = NAN;
	if (r->base.n < o->min_samples || r->cur.n < o->min_samples ||
	    !rs_welch_test(&r->base, &r->cur, run_noise_var(c, r), &w))
		return;
	r->t = w.t;
	r->df = w.df;
	r->p = w.p;
	double half = w.se > 0 ? rs_t_quantile(1 - o->alpha / 2, w.df) * w.se : 0;
	if (r->base.mean != 0) {
		r->ci_low = (w.diff - half) / r->base.mean;
		r->ci_high = (w.diff + half) / r->base.mean;
	}
	double sd = sqrt((rs_moments_var(&r->base) + rs_moments_var(&r->cur)) / 2);
	r->effect = sd > 0 ? w.diff / sd : NAN;
}

static double sort_key(const rs_cmp_row *r)
{
	switch (r->status) {
	case RS_ST_REGRESSION: return -r->change;
	case RS_ST_IMPROVEMENT: return r->change;
	case RS_ST_NEW: return -r->cur.mean;
	case RS_ST_VANISHED: return -r->base.mean;
	default: return isnan(r->change) ? INFINITY : -fabs(r->change);
	}
}

static int cmp_rows(const void *x, const void *y)
{
	const rs_cmp_row *a = x, *b = y;
	if (a->status != b->status)
		return a->status < b->status ? -1 : 1;
	double ka = sort_key(a), kb = sort_key(b);
	if (ka != kb)
		return ka < kb ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Drops the rows with nothing on either side, tests the rest, adjusts the
 * p-values of all tests together, decides and sorts. */
static void conclude(cmp *c)
{
	rs_cmp_result *res = c->res;
	size_t n = 0;
	for (size_t i = 0; i < c->t.n; i++) {
		rs_cmp_row *r = &c->t.row[i];
		if (r->base.mean == 0 && r->cur.mean == 0) {
			free(r->name), free(r->crate), free(r->module), free(r->file);
			continue;
		}
		test_row(c, r);
		c->t.row[n++] = *r;
	}
	double *p = rs_xmalloc((n + 1) * sizeof *p), *q = rs_xmalloc((n + 1) * sizeof *q);
	for (size_t i = 0; i < n; i++)
		p[i] = c->t.row[i].p;
	rs_bh_adjust(p, n, q);
	for (size_t i = 0; i < n; i++) {
		decide(c->o, &c->t.row[i], q[i]);
		res->tested += !isnan(p[i]);
	}
	free(p);
	free(q);
	if (n)
		qsort(c->t.row, n, sizeof *c->t.row, cmp_rows);
	res->rows = c->t.row;
	res->nrows = n;
}

static const char *unit_of(const cmp *c, const rs_session *s)
{
	if (c->durations)
		return "nanoseconds";
	if (c->o->metric == RS_CMP_RSS)
		return rss_lane(s)->unit ? rs_s(s, rss_lane(s)->unit) : "";
	if (c->o->metric == RS_CMP_ALLOC)
		return rs_s(s, s->sample_types[rs_cmp_value_column(s, RS_CMP_ALLOC)].unit);
	return "share";
}

/* How the runs are read: windows when every run has times for them. */
static void plan(cmp *c, const rs_session *const *all, size_t n)
{
	rs_cmp_metric m = c->o->metric;
	bool timed = true, intervals = true;
	for (size_t i = 0; i < n; i++) {
		timed &= m == RS_CMP_ALLOC ? samples_timed(all[i]) : run_timed(all[i]);
		intervals &= all[i]->nintervals > 0;
	}
	c->durations = is_stat_metric(m) && intervals;
	c->per_run_stats = is_stat_metric(m) && !intervals;
	/* with per-run statistics, the windows inside each run give one value per run */
	c->windowed = m == RS_CMP_RSS || c->durations || timed;
	c->t.groups = m != RS_CMP_RSS && !c->durations;
	c->process = NO_ROW;
	if (m == RS_CMP_ALLOC)
		c->process = row_get(&c->t, RS_ROW_PROCESS, "(all allocations)");
	else if (m == RS_CMP_RSS)
		c->process = row_get(&c->t, RS_ROW_PROCESS, rs_s(all[0], rss_lane(all[0])->name));
	c->res->obs = c->windowed && !c->per_run_stats ? RS_OBS_WINDOWS : RS_OBS_RUNS;
	c->res->interval_durations = c->durations;
	c->res->unit = unit_of(c, all[0]);
}

void rs_compare(const rs_session *const *base, size_t nbase, const rs_session *const *cur, size_t ncur,
		const rs_cmp_opts *o, rs_cmp_result *out)
{
	size_t n = nbase + ncur;
	const rs_session **all = rs_xmalloc((n + 1) * sizeof *all);
	memcpy(all, base, nbase * sizeof *all);
	memcpy(all + nbase, cur, ncur * sizeof *all);
	*out = (rs_cmp_result){0};
	cmp c = {.o = o, .res = out};
	c.fn_of_frame = rs_xcalloc(n + 1, sizeof *c.fn_of_frame);
	c.fn_of_interval = rs_xcalloc(n + 1, sizeof *c.fn_of_interval);
	plan(&c, all, n);
	for (size_t i = 0; i < n && o->metric != RS_CMP_RSS; i++)
		map_rows(&c, all[i], i);
	for (size_t i = 0; i < n; i++)
		observe_run(&c, all[i], i, i < nbase);
	conclude(&c);
	for (size_t i = 0; i < n; i++) {
		free(c.fn_of_frame[i]);
		free(c.fn_of_interval[i]);
	}
	free(c.fn_of_frame);
	free(c.fn_of_interval);
	free(all);
	rowtab_free(&c.t);
}

void rs_cmp_result_free(rs_cmp_result *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		free(r->rows[i].name);
		free(r->rows[i].crate);
		free(r->rows[i].module);
		free(r->rows[i].file);
	}
	free(r->rows);
	*r = (rs_cmp_result){0};
}
