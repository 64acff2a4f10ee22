/* Timeline correlation (see correlate.h and docs/correlate.md). */
#include "correlate.h"

#include "../lib/checked.h"
#include "../lib/error.h"
#include "../lib/json_write.h"
#include "../lib/rustname.h"
#include "../lib/xalloc.h"
#include "interval_samples.h"
#include "rollup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_FN UINT32_MAX

/* --- the spike rule --- */

/* x[k] as if x were sorted; reorders x (Hoare's selection, O(n) expected).
 * Runs of equal values split evenly, so flat lanes stay linear. */
static double select_kth(double *x, ptrdiff_t n, ptrdiff_t k)
{
	ptrdiff_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double a = x[lo], b = x[lo + (hi - lo) / 2], c = x[hi];
		double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j) {
				double t = x[i];
				x[i++] = x[j];
				x[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return x[k];
	}
	return x[k];
}

static double median(double *x, size_t n)
{
	ptrdiff_t h = (ptrdiff_t)n / 2;
	double hi = select_kth(x, (ptrdiff_t)n, h);
	if (n % 2)
		return hi;
	double lo = x[0]; /* the largest of the lower half */
	for (ptrdiff_t i = 1; i < h; i++)
		lo = x[i] > lo ? x[i] : lo;
	return lo / 2 + hi / 2;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

bool rs_lane_is_rate(const rs_session *s, const rs_counter *c)
{
	const char *u = rs_s(s, c->unit), *nm = rs_s(s, c->name);
	size_t n = rs_slen(s, c->name);
	return !strcmp(u, "percent") || !strcmp(u, "per_second") || ends_with(nm, n, "_percent") ||
	       ends_with(nm, n, "_pct") || ends_with(nm, n, "_rate") || ends_with(nm, n, "_per_second") ||
	       ends_with(nm, n, "_per_sec");
}

typedef struct spike_vec {
	rs_spike *v;
	size_t n, cap;
} spike_vec;

/* The rule's numbers for one lane's series x (values or differences). */
typedef struct lane_stats {
	double med, thr, floor;
} lane_stats;

static lane_stats stats_of(const rs_counter *c, const double *x, size_t m)
{
	double *work = rs_xmalloc((c->n > m ? c->n : m) * sizeof *work);
	memcpy(work, x, m * sizeof *work);
	lane_stats st = {.med = median(work, m)};
	for (size_t i = 0; i < m; i++)
		work[i] = fabs(x[i] - st.med);
	st.thr = RS_SPIKE_K * median(work, m);
	for (size_t i = 0; i < c->n; i++)
		work[i] = fabs(c->value[i]);
	st.floor = RS_SPIKE_FLOOR * median(work, c->n);
	free(work);
	return st;
}

static bool anomalous(const lane_stats *st, double x, int sign)
{
	double dev = x - st->med;
	return fabs(dev) > st->thr && (sign == 0 || (dev > 0) == (sign > 0));
}

static void lane_spikes(const rs_session *s, size_t lane, spike_vec *out)
{
	const rs_counter *c = &s->counters[lane];
	if (c->n < RS_SPIKE_MIN_POINTS)
		return;
	bool rate = rs_lane_is_rate(s, c);
	size_t off = rate ? 0 : 1, m = c->n - off; /* x[i] belongs to point i + off */
	double *x = rs_xmalloc(m * sizeof *x);
	for (size_t i = 0; i < m; i++)
		x[i] = rate ? c->value[i] : c->value[i + 1] - c->value[i];
	lane_stats st = stats_of(c, x, m);
	for (size_t i = 0, j; i < m; i = j + 1) {
		j = i;
		if (!anomalous(&st, x[i], 0))
			continue;
		int sign = x[i] > st.med ? 1 : -1;
		double peak = x[i];
		while (j + 1 < m && anomalous(&st, x[j + 1], sign)) {
			j++;
			peak = sign > 0 ? fmax(peak, x[j]) : fmin(peak, x[j]);
		}
		size_t a = i + off, b = j + off;
		/* a level lane's change spans from the point before the run */
		double delta = rate ? peak - st.med : c->value[b] - c->value[a - 1];
		if (delta == 0 || fabs(delta) < st.floor)
			continue;
		RS_GROW(out->v, out->cap, out->n + 1);
		out->v[out->n++] = (rs_spike){lane, c->t_ns[a ? a - 1 : 0], c->t_ns[b], delta};
	}
	free(x);
}

static int cmp_spike(const void *a, const void *b)
{
	const rs_spike *x = a, *y = b;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->lane < y->lane ? -1 : x->lane > y->lane;
}

rs_spike *rs_spikes_find(const rs_session *s, size_t *n)
{
	spike_vec v = {0};
	for (size_t i = 0; i < s->ncounters; i++)
		lane_spikes(s, i, &v);
	if (v.n)
		qsort(v.v, v.n, sizeof *v.v, cmp_spike);
	*n = v.n;
	return v.v;
}

void rs_lane_key(const rs_session *s, size_t i, rs_strbuf *out)
{
	rs_str name = s->counters[i].name;
	size_t same = 1;
	for (size_t k = 0; k < i; k++)
		same += rs_slen(s, s->counters[k].name) == rs_slen(s, name) &&
			!memcmp(rs_s(s, s->counters[k].name), rs_s(s, name), rs_slen(s, name));
	rs_sb_add(out, rs_s(s, name), rs_slen(s, name));
	if (same > 1)
		rs_sb_addf(out, "#%zu", same);
}

/* --- functions, by name --- */

typedef struct fn_row {
	const char *name, *crate; /* crate NULL when unknown */
} fn_row;

typedef struct fn_table {
	fn_row *row;
	size_t n, cap;
	uint32_t *slot; /* open addressing by name: 0 empty, else id + 1 */
	size_t nslots;
	char **owned; /* crates parsed from interval names */
	size_t nowned, owned_cap;
} fn_table;

static uint64_t hash_name(const char *p)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void fn_rehash(fn_table *ft)
{
	free(ft->slot);
	ft->nslots = ft->nslots ? ft->nslots * 2 : 256;
	ft->slot = rs_xcalloc(ft->nslots, sizeof *ft->slot);
	for (size_t id = 0; id < ft->n; id++) {
		size_t h = hash_name(ft->row[id].name) & (ft->nslots - 1);
		while (ft->slot[h])
			h = (h + 1) & (ft->nslots - 1);
		ft->slot[h] = (uint32_t)id + 1;
	}
}

/* The function named name (strings the table does not own must outlive
 * it); crate fills in when the function has none yet. */
static uint32_t fn_id(fn_table *ft, const char *name, const char *crate)
{
	if (2 * (ft->n + 1) > ft->nslots)
		fn_rehash(ft);
	size_t h = hash_name(name) & (ft->nslots - 1);
	for (; ft->slot[h]; h = (h + 1) & (ft->nslots - 1)) {
		uint32_t id = ft->slot[h] - 1;
		if (!strcmp(ft->row[id].name, name)) {
			if (!ft->row[id].crate)
				ft->row[id].crate = crate;
			return id;
		}
	}
	RS_GROW(ft->row, ft->cap, ft->n + 1);
	ft->row[ft->n] = (fn_row){name, crate};
	ft->slot[h] = (uint32_t)++ft->n;
	return (uint32_t)(ft->n - 1);
}

static void fn_table_free(fn_table *ft)
{
	for (size_t i = 0; i < ft->nowned; i++)
		free(ft->owned[i]);
	free(ft->owned);
	free(ft->row);
	free(ft->slot);
}

/* --- the timeline --- */

typedef struct tl_item {
	int64_t t0, t1; /* t1 == t0 for a sample, a point in time */
	int64_t w;
	uint32_t fn; /* NO_FN: a sample without frames */
} tl_item;

struct rs_timeline {
	const rs_session *s;
	tl_item *items;
	size_t n, cap;
	int64_t maxlen; /* the longest stretch: how early an item can start and still reach a window */
	bool sorted, from_intervals;
	fn_table fns;
	uint32_t *fn_of_frame; /* NO_FN until asked */
	uint32_t *fn_of_node;  /* the same per stack node */
	int64_t *fn_total;     /* weight per function over the whole timeline */
	int64_t total;
	bool ranged; /* only what reaches into [lo, hi) is kept */
	int64_t lo, hi;
};

/* Whether an item [t0, t1] (a point when t0 == t1) reaches the range kept. */
static bool kept(const rs_timeline *tl, int64_t t0, int64_t t1)
{
	return !tl->ranged || (t0 == t1 ? t0 >= tl->lo && t0 < tl->hi : t1 > tl->lo && t0 < tl->hi);
}

static void push(rs_timeline *tl, int64_t t0, int64_t t1, int64_t w, uint32_t fn)
{
	RS_GROW(tl->items, tl->cap, tl->n + 1);
	if (tl->n && t0 < tl->items[tl->n - 1].t0)
		tl->sorted = false;
	tl->items[tl->n++] = (tl_item){t0, t1, w, fn};
	int64_t len = rs_sub_sat(t1, t0);
	tl->maxlen = len > tl->maxlen ? len : tl->maxlen;
}

static uint32_t frame_fn(rs_timeline *tl, uint32_t frame)
{
	if (tl->fn_of_frame[frame] == NO_FN) {
		const rs_frame *f = &tl->s->frames[frame];
		tl->fn_of_frame[frame] =
			fn_id(&tl->fns, rs_s(tl->s, f->name), f->crate ? rs_s(tl->s, f->crate) : NULL);
	}
	return tl->fn_of_frame[frame];
}

/* Whether a stack node's frame is charged to its caller: an inlined frame
 * to the function it sits in, a kernel frame to the user code that entered
 * the kernel (page faults of a memset belong to the code that touched the
 * memory), when there is such a caller. */
static bool charged_to_caller(const rs_session *s, int32_t k)
{
	const rs_frame *f = &s->frames[s->stacks[k].frame];
	if (s->stacks[k].parent < 0)
		return false;
	if (f->is_inline)
		return true;
	if (f->kind != RS_KIND_KERNEL)
		return false;
	for (int32_t p = s->stacks[k].parent; p >= 0; p = s->stacks[p].parent)
		if (s->frames[s->stacks[p].frame].kind != RS_KIND_KERNEL)
			return true;
	return false;
}

/* A stack node's function: its frame's, or that of the frame it is charged
 * to (charged_to_caller). Resolved on first use: a window needs few. */
static uint32_t node_fn(rs_timeline *tl, int32_t node)
{
	const rs_session *s = tl->s;
	if (tl->fn_of_node[node] == NO_FN) {
		int32_t k = node;
		while (charged_to_caller(s, k))
			k = s->stacks[k].parent;
		tl->fn_of_node[node] = frame_fn(tl, s->stacks[k].frame);
	}
	return tl->fn_of_node[node];
}

/* Returns whether any sample has a time (in the range kept or not). */
static bool add_samples(rs_timeline *tl)
{
	const rs_session *s = tl->s;
	const rs_samples *sm = &s->samples;
	if (!sm->has_time || !s->nsample_types)
		return false;
	size_t nv = s->nsample_types, vt = rs_default_value_index(s);
	bool timed = false;
	if (!tl->ranged) /* most samples have a time: one allocation, not a doubling series */
		RS_GROW(tl->items, tl->cap, sm->n);
	for (size_t i = 0; i < sm->n; i++) {
		int64_t t = sm->time_ns[i];
		timed |= t != RS_NO_TIME;
		if (t != RS_NO_TIME && kept(tl, t, t))
			push(tl, t, t, sm->values[i * nv + vt],
			     sm->stack[i] >= 0 ? node_fn(tl, sm->stack[i]) : NO_FN);
	}
	return timed;
}

typedef struct stretch_ctx {
	rs_timeline *tl;
	const uint32_t *fn_of; /* interval -> function */
} stretch_ctx;

static void add_stretch(void *ctx, int32_t thread, int64_t t0, int64_t t1, const uint32_t *open, size_t nopen)
{
	stretch_ctx *c = ctx;
	(void)thread;
	if (kept(c->tl, t0, t1))
		push(c->tl, t0, t1, rs_sub_sat(t1, t0), c->fn_of[open[nopen - 1]]);
}

/* An interval without a frame is named; its crate comes from the name, as
 * rs_intervals_to_samples derives it. */
static uint32_t named_fn(rs_timeline *tl, const rs_interval *iv, rs_rustname *rn)
{
	const char *name = iv->name ? rs_s(tl->s, iv->name) : "(unnamed)";
	const char *crate = NULL;
	if (rs_rust_name(rn, name, false) && *rn->crate) {
		fn_table *ft = &tl->fns;
		RS_GROW(ft->owned, ft->owned_cap, ft->nowned + 1);
		crate = ft->owned[ft->nowned++] = rs_xstrdup(rn->crate);
	}
	return fn_id(&tl->fns, name, crate);
}

static void add_intervals(rs_timeline *tl)
{
	const rs_session *s = tl->s;
	uint32_t *fn_of = rs_xmalloc(s->nintervals * sizeof *fn_of);
	uint32_t *by_name = rs_xcalloc(s->strings.n + 1, sizeof *by_name); /* names repeat */
	rs_rustname rn = {0};
	for (size_t i = 0; i < s->nintervals; i++) {
		const rs_interval *iv = &s->intervals[i];
		if (iv->frame >= 0)
			fn_of[i] = frame_fn(tl, (uint32_t)iv->frame);
		else if (by_name[iv->name])
			fn_of[i] = by_name[iv->name] - 1;
		else
			by_name[iv->name] = (fn_of[i] = named_fn(tl, iv, &rn)) + 1;
	}
	rs_rust_name_free(&rn);
	free(by_name);
	tl->from_intervals = true;
	rs_intervals_sweep(s, add_stretch, &(stretch_ctx){tl, fn_of});
	free(fn_of);
}

static int cmp_item(const void *a, const void *b)
{
	const tl_item *x = a, *y = b;
	return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

static uint32_t *unresolved(size_t n)
{
	uint32_t *a = rs_xmalloc((n + 1) * sizeof *a);
	memset(a, 0xff, (n + 1) * sizeof *a); /* NO_FN */
	return a;
}

/* The timeline of the whole session, or (ranged) of what reaches [lo, hi). */
static rs_timeline *timeline_build(const rs_session *s, bool ranged, int64_t lo, int64_t hi)
{
	rs_timeline *tl = rs_xcalloc(1, sizeof *tl);
	*tl = (rs_timeline){.s = s, .sorted = true, .ranged = ranged, .lo = lo, .hi = hi};
	tl->fn_of_frame = unresolved(s->nframes);
	tl->fn_of_node = unresolved(s->nstacks);
	if (!add_samples(tl) && s->nintervals)
		add_intervals(tl);
	if (!tl->sorted) /* recordings come in time order; other sources may not */
		qsort(tl->items, tl->n, sizeof *tl->items, cmp_item);
	tl->fn_total = rs_xcalloc(tl->fns.n + 1, sizeof *tl->fn_total);
	for (size_t i = 0; i < tl->n; i++) {
		const tl_item *it = &tl->items[i];
		tl->total = rs_add_sat(tl->total, it->w);
		if (it->fn != NO_FN)
			tl->fn_total[it->fn] = rs_add_sat(tl->fn_total[it->fn], it->w);
	}
	return tl;
}

rs_timeline *rs_timeline_new(const rs_session *s)
{
	return timeline_build(s, false, 0, 0);
}

void rs_timeline_free(rs_timeline *tl)
{
	if (!tl)
		return;
	fn_table_free(&tl->fns);
	free(tl->items);
	free(tl->fn_of_frame);
	free(tl->fn_of_node);
	free(tl->fn_total);
	free(tl);
}

size_t rs_timeline_items(const rs_timeline *tl)
{
	return tl->n;
}
bool rs_timeline_from_intervals(const rs_timeline *tl)
{
	return tl->from_intervals;
}

/* The first item that starts at or after t. */
static size_t first_at(const rs_timeline *tl, int64_t t)
{
	size_t lo = 0, hi = tl->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tl->items[mid].t0 < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* An item's weight inside [t0, t1): a sample's all or nothing, a
 * stretch's overlap. False when it does not reach in. */
static bool weight_in(const tl_item *it, int64_t t0, int64_t t1, int64_t *w)
{
	if (it->t1 == it->t0) {
		*w = it->w;
		return it->t0 >= t0 && it->t0 < t1;
	}
	int64_t a = it->t0 > t0 ? it->t0 : t0, b = it->t1 < t1 ? it->t1 : t1;
	*w = rs_sub_sat(b, a);
	return b > a;
}

static double ratio(int64_t part, int64_t whole)
{
	return whole > 0 ? (double)part / (double)whole : 0;
}

static int cmp_lift(const void *a, const void *b)
{
	const rs_fn_share *x = a, *y = b;
	double dx = x->share - x->baseline_share, dy = y->share - y->baseline_share;
	if (dx != dy)
		return dx < dy ? 1 : -1;
	if (x->share != y->share)
		return x->share < y->share ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int cmp_hot(const void *a, const void *b)
{
	const rs_fn_share *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight < y->weight ? 1 : -1;
	if (x->items != y->items)
		return x->items < y->items ? 1 : -1;
	return strcmp(x->name, y->name);
}

rs_fn_share *rs_timeline_rank(const rs_timeline *tl, int64_t t0, int64_t t1, rs_rank_by by, size_t top,
			      size_t *n, rs_window_total *total)
{
	size_t nfns = tl->fns.n;
	int64_t *in_w = rs_xcalloc(nfns + 1, sizeof *in_w), *in_n = rs_xcalloc(nfns + 1, sizeof *in_n);
	uint32_t *touched = rs_xmalloc((nfns + 1) * sizeof *touched);
	size_t nt = 0;
	rs_window_total win = {0};
	for (size_t i = first_at(tl, rs_sub_sat(t0, tl->maxlen)); i < tl->n && tl->items[i].t0 < t1; i++) {
		const tl_item *it = &tl->items[i];
		int64_t w;
		if (!weight_in(it, t0, t1, &w))
			continue;
		win.items++;
		win.weight = rs_add_sat(win.weight, w);
		if (it->fn == NO_FN)
			continue;
		if (!in_n[it->fn]++)
			touched[nt++] = it->fn;
		in_w[it->fn] = rs_add_sat(in_w[it->fn], w);
	}
	rs_fn_share *rows = nt ? rs_xmalloc(nt * sizeof *rows) : NULL;
	int64_t out_total = rs_sub_sat(tl->total, win.weight);
	for (size_t k = 0; k < nt; k++) {
		uint32_t f = touched[k];
		rows[k] = (rs_fn_share){tl->fns.row[f].name,
					tl->fns.row[f].crate,
					in_n[f],
					in_w[f],
					ratio(in_w[f], win.weight),
					ratio(rs_sub_sat(tl->fn_total[f], in_w[f]), out_total)};
	}
	if (nt)
		qsort(rows, nt, sizeof *rows, by == RS_RANK_HOT ? cmp_hot : cmp_lift);
	free(in_w);
	free(in_n);
	free(touched);
	*n = nt < top ? nt : top;
	if (total)
		*total = win;
	return rows;
}

int rs_timeline_hotspots_json(const rs_timeline *tl, int64_t t0, int64_t t1, size_t top, rs_strbuf *out)
{
	if (t1 < t0)
		return RS_EUSAGE;
	size_t n;
	rs_fn_share *rows = rs_timeline_rank(tl, t0, t1, RS_RANK_HOT, top, &n, NULL);
	rs_jw w;
	rs_jw_init_buf(&w, out);
	rs_jw_arr(&w);
	for (size_t i = 0; i < n; i++) {
		rs_jw_obj(&w);
		rs_jw_key(&w, "name");
		rs_jw_cstr(&w, rows[i].name);
		if (rows[i].crate) {
			rs_jw_key(&w, "crate");
			rs_jw_cstr(&w, rows[i].crate);
		}
		/* intervals give time, not samples: a member of its own */
		rs_jw_key(&w, tl->from_intervals ? "self_ns" : "samples");
		rs_jw_int(&w, tl->from_intervals ? rows[i].weight : rows[i].items);
		rs_jw_key(&w, "share");
		rs_jw_double(&w, rows[i].share);
		rs_jw_obj_end(&w);
	}
	rs_jw_arr_end(&w);
	free(rows);
	return 0;
}

int rs_hotspots_json(const rs_session *s, int64_t t0, int64_t t1, size_t top, rs_strbuf *out)
{
	if (t1 < t0)
		return RS_EUSAGE;
	/* one window: index only what reaches into it */
	rs_timeline *tl = timeline_build(s, true, t0, t1);
	int rc = rs_timeline_hotspots_json(tl, t0, t1, top, out);
	rs_timeline_free(tl);
	return rc;
}

/* --- counters --- */

bool rs_counter_value_at(const rs_counter *c, int64_t t, double *v)
{
	if (!c->n)
		return false;
	size_t lo = 0, hi = c->n; /* the first point after t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->t_ns[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	*v = c->value[lo ? lo - 1 : 0];
	return true;
}

bool rs_lane_delta(const rs_session *s, size_t i, int64_t t0, int64_t t1, double *delta)
{
	double a, b;
	if (!rs_counter_value_at(&s->counters[i], t0, &a) || !rs_counter_value_at(&s->counters[i], t1, &b))
		return false;
	*delta = b - a;
	return true;
}

int rs_counter_deltas_json(const rs_session *s, int64_t t0, int64_t t1, rs_strbuf *out)
{
	if (t1 < t0)
		return RS_EUSAGE;
	rs_strbuf key = {0};
	rs_jw w;
	rs_jw_init_buf(&w, out);
	rs_jw_obj(&w);
	for (size_t i = 0; i < s->ncounters; i++) {
		double d;
		if (!rs_lane_delta(s, i, t0, t1, &d))
			continue;
		rs_sb_reset(&key);
		rs_lane_key(s, i, &key);
		rs_jw_keyn(&w, key.buf, key.len);
		rs_jw_double(&w, d);
	}
	rs_jw_obj_end(&w);
	rs_sb_free(&key);
	return 0;
}

/* --- the session's clock --- */

static void widen(int64_t *first, int64_t *last, int64_t a, int64_t b)
{
	*first = a < *first ? a : *first;
	*last = b > *last ? b : *last;
}

bool rs_session_time_span(const rs_session *s, int64_t *first, int64_t *last)
{
	*first = INT64_MAX;
	*last = INT64_MIN;
	for (size_t i = 0; s->samples.has_time && i < s->samples.n; i++)
		if (s->samples.time_ns[i] != RS_NO_TIME)
			widen(first, last, s->samples.time_ns[i], s->samples.time_ns[i]);
	for (size_t i = 0; i < s->ncounters; i++)
		if (s->counters[i].n)
			widen(first, last, s->counters[i].t_ns[0], s->counters[i].t_ns[s->counters[i].n - 1]);
	for (size_t i = 0; i < s->nintervals; i++)
		widen(first, last, s->intervals[i].start_ns, s->intervals[i].end_ns);
	return *first <= *last;
}

int64_t rs_session_time_origin(const rs_session *s)
{
	int64_t first, last, start = s->info.start_time_ns;
	if (!rs_session_time_span(s, &first, &last))
		return start != RS_NO_TIME ? start : 0;
	if (start != RS_NO_TIME && start <= first && rs_sub_sat(first, start) <= 60 * (int64_t)1000000000)
		return start;
	return first;
}
