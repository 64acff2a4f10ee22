/* schema/stats.c and schema/compare.c: the incomplete beta function, the
 * Student t distribution and Welch's test against reference values
 * (computed with mpmath 1.3.0 at 40 digits, and exact closed forms),
 * Benjamini-Hochberg against a hand-worked example, quantiles; then
 * comparisons of small sessions whose answer is known by construction:
 * a doubled function, a new and a vanished one, A/A, runs without times,
 * interval durations and the RSS lane; the difference session (schema/diff.c). */
#include "schema/compare.h"
#include "schema/diff.h"
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000LL

static bool near(double got, double want, double rel)
{
	bool ok = fabs(got - want) <= rel * fabs(want) || (want == 0 && fabs(got) < 1e-300);
	if (!ok)
		printf("  got %.17g, want %.17g\n", got, want);
	return ok;
}

static void incbeta(void)
{
	CHECK("stats: I_0.3(2, 5) (a polynomial: 0.579825)", near(rs_incbeta(2, 5, 0.3), 0.579825, 1e-13));
	CHECK("stats: I_0.9(0.5, 0.5)", near(rs_incbeta(0.5, 0.5, 0.9), 0.79516723530086657191, 1e-13));
	CHECK("stats: I_0.5(10, 10) = 0.5 by symmetry", near(rs_incbeta(10, 10, 0.5), 0.5, 1e-14));
	CHECK("stats: I_0.01(50, 0.5), a far tail",
	      near(rs_incbeta(50, 0.5, 0.01), 7.9982274179048210542e-102, 1e-11));
	CHECK("stats: I_0.999(200, 3)", near(rs_incbeta(200, 3, 0.999), 0.9988334368468834214, 1e-12));
	CHECK("stats: I_0.02(0.5, 30)", near(rs_incbeta(0.5, 30, 0.02), 0.72710173476532317773, 1e-12));
	CHECK("stats: I_0.9995(10000, 0.5), a big a",
	      near(rs_incbeta(1e4, 0.5, 0.9995), 0.0015634901922566106485, 1e-10));
	CHECK("stats: I_0 = 0 and I_1 = 1", rs_incbeta(3, 4, 0) == 0 && rs_incbeta(3, 4, 1) == 1);
}

static void student_t(void)
{
	/* closed forms: df 1 is Cauchy, df 2 is 1/2 + t / (2 sqrt(2 + t^2)) */
	CHECK("stats: t CDF, df 1 (Cauchy)", near(rs_t_cdf(1.5, 1), 0.5 + atan(1.5) / M_PI, 1e-13));
	CHECK("stats: t CDF, df 2 (closed form)",
	      near(rs_t_cdf(-0.8, 2), 0.5 - 0.8 / (2 * sqrt(2 + 0.64)), 1e-13));
	CHECK("stats: t CDF at the 97.5 % point of df 10",
	      near(rs_t_cdf(2.228138852, 10), 0.97500000000058173765, 1e-13));
	CHECK("stats: t CDF, df 2.5", near(rs_t_cdf(-3, 2.5), 0.036288047774515921947, 1e-12));
	CHECK("stats: t CDF, df 7.3", near(rs_t_cdf(-0.25, 7.3), 0.40473877130228889684, 1e-12));
	CHECK("stats: t CDF, df 1e5", near(rs_t_cdf(0.7, 1e5), 0.75803553357633891929, 1e-10));
	CHECK("stats: t CDF, df 1e8 is the normal",
	      near(rs_t_cdf(1.96, 1e8), 0.5 * erfc(-1.96 / sqrt(2)), 1e-9));
	CHECK("stats: t quantile 0.975, df 10", near(rs_t_quantile(0.975, 10), 2.2281388519862742245, 1e-10));
	CHECK("stats: t quantile 0.995, df 3", near(rs_t_quantile(0.995, 3), 5.8409093097333554113, 1e-10));
	CHECK("stats: t quantile 0.025, df 4.5",
	      near(rs_t_quantile(0.025, 4.5), -2.6589123472044037244, 1e-10));
	CHECK("stats: t quantile 0.975, df 1e6",
	      near(rs_t_quantile(0.975, 1e6), 1.9599663568141066553, 1e-9));
}

static rs_moments moments(const double *x, size_t n)
{
	rs_moments m = {0};
	for (size_t i = 0; i < n; i++)
		rs_moments_add(&m, x[i]);
	return m;
}

static void welch(void)
{
	static const double a[] = {10.1, 9.8, 10.4, 10.0, 9.7, 10.3, 10.2};
	static const double b[] = {10.9, 11.4, 10.7, 11.8, 10.5, 11.1, 11.6, 10.9, 11.2};
	rs_moments ma = moments(a, 7), mb = moments(b, 9);
	rs_welch w;
	CHECK("welch: tested", rs_welch_test(&ma, &mb, 0, &w));
	CHECK("welch: t", near(w.t, 6.1360773714831610477, 1e-12));
	CHECK("welch: Welch-Satterthwaite df", near(w.df, 13.358398933377707524, 1e-12));
	CHECK("welch: two-sided p", near(w.p, 0.000031672525659997236917, 1e-10));
	rs_welch back;
	rs_welch_test(&mb, &ma, 0, &back);
	CHECK("welch: symmetric", near(back.t, -w.t, 1e-14) && near(back.p, w.p, 1e-14));

	/* a tiny p keeps its digits (no 1 - (1 - p)) */
	CHECK("stats: p of t = 12, df 40", near(2 * rs_t_cdf(-12, 40), 7.8241713042559726229e-15, 1e-9));
	CHECK("stats: p of t = 40, df 60", near(2 * rs_t_cdf(-40, 60), 5.7554804866273827051e-45, 1e-8));

	rs_moments one = moments(a, 1), same = moments((const double[]){3, 3, 3}, 3);
	rs_moments other = moments((const double[]){4, 4}, 2);
	CHECK("welch: one value is too few", !rs_welch_test(&one, &mb, 0, &w));
	CHECK("welch: constant and equal: p = 1", rs_welch_test(&same, &same, 0, &w) && w.p == 1 && w.t == 0);
	CHECK("welch: constant and different: p = 0",
	      rs_welch_test(&same, &other, 0, &w) && w.p == 0 && isinf(w.t));
	/* a known variance of 0.25 on a difference of 1: z = 2, the normal's p */
	CHECK("welch: extra variance alone is a z-test", rs_welch_test(&same, &other, 0.25, &w) &&
								 near(w.t, 2, 1e-14) && isinf(w.df) &&
								 near(w.p, erfc(2 / sqrt(2)), 1e-12));
	rs_welch_test(&ma, &mb, 0.01, &w);
	CHECK("welch: extra variance widens the error",
	      near(w.se * w.se, (ma.m2 / 6 / 7 + mb.m2 / 8 / 9) + 0.01, 1e-12));

	/* Welford and the merge of zeros agree with the textbook formulas */
	rs_moments z = moments((const double[]){5, 7}, 2);
	rs_moments_add_zeros(&z, 3);
	rs_moments direct = moments((const double[]){5, 7, 0, 0, 0}, 5);
	CHECK("moments: zeros merged at once",
	      z.n == 5 && near(z.mean, direct.mean, 1e-15) && near(z.m2, direct.m2, 1e-14));
	CHECK("moments: sample variance", near(rs_moments_var(&direct), 11.3, 1e-14));
}

static void bh(void)
{
	/* m = 5 tests (NaN is none): sorted p 0.005 0.01 0.03 0.04 0.5 times
	 * m / rank: 0.025 0.025 0.05 0.05 0.5, then the running minimum from the
	 * largest down: 0.025 0.025 0.05 0.05 0.5 */
	double p[] = {0.01, 0.04, 0.03, 0.005, NAN, 0.5}, q[6];
	rs_bh_adjust(p, 6, q);
	CHECK("bh: q-values", near(q[0], 0.025, 1e-15) && near(q[1], 0.05, 1e-15) &&
				      near(q[2], 0.05, 1e-15) && near(q[3], 0.025, 1e-15) && isnan(q[4]) &&
				      near(q[5], 0.5, 1e-15));
	/* a large p earlier in rank order lowers nothing: monotone from the top */
	double p2[] = {0.02, 0.021, 0.022, 0.9}, q2[4];
	rs_bh_adjust(p2, 4, q2);
	CHECK("bh: step-up running minimum",
	      near(q2[0], 0.0293333333333333333, 1e-14) && near(q2[1], 0.0293333333333333333, 1e-14) &&
		      near(q2[2], 0.0293333333333333333, 1e-14) && near(q2[3], 0.9, 1e-15));
	double one = 0.3, qo;
	rs_bh_adjust(&one, 1, &qo);
	CHECK("bh: one test is its own q", qo == 0.3);
}

static void quantiles(void)
{
	double x[] = {5, 1, 4, 2, 3};
	CHECK("quantile: median", rs_quantile(x, 5, 0.5) == 3);
	CHECK("quantile: p95 interpolates (type 7)", near(rs_quantile(x, 5, 0.95), 4.8, 1e-14));
	double y[] = {7};
	CHECK("quantile: one value", rs_quantile(y, 1, 0.99) == 7);
}

/* --- comparisons of small sessions --- */

static uint32_t frame(rs_session *s, const char *name, const char *crate, const char *module)
{
	rs_frame f;
	rs_frame_init(&f);
	f.name = rs_intern_cstr(s, name);
	f.crate = crate ? rs_intern_cstr(s, crate) : 0;
	f.module = module ? rs_intern_cstr(s, module) : 0;
	return (uint32_t)rs_frame_add(s, &f);
}

static rs_session *new_session(void)
{
	rs_session *s = rs_session_new();
	s->info.id = s->info.name = rs_intern_cstr(s, "unit");
	rs_sample_type_add(s, "cpu", "nanoseconds");
	return s;
}

/* 30 windows of 100 ms, 100 samples each: "hot" takes hot_pct of them
 * (+/- 1 by window, so there is variance), "other" the rest, and "gone"
 * (with gone) or "fresh" (with fresh) 3 of the others'. timed = false
 * leaves out the times. */
static rs_session *run(int hot_pct, bool gone, bool fresh, bool timed)
{
	rs_session *s = new_session();
	uint32_t root = frame(s, "main", "app", NULL);
	uint32_t hot[] = {root, frame(s, "app::engine::hot", "app", "engine")};
	uint32_t other[] = {root, frame(s, "lib::other", "lib", NULL)};
	uint32_t extra[] = {root, frame(s, gone ? "app::gone" : "app::fresh", "app", NULL)};
	int32_t st_hot = rs_stack_path(s, hot, 2), st_other = rs_stack_path(s, other, 2);
	int32_t st_extra = rs_stack_path(s, extra, 2);
	int64_t v = 10 * MS;
	for (int w = 0; w < 30; w++) {
		int nhot = hot_pct + (w % 3) - 1;
		for (int k = 0; k < 100; k++) {
			int32_t st = k < nhot ? st_hot : (gone || fresh) && k >= 97 ? st_extra : st_other;
			rs_sample_add(s, st, &v, -1, timed ? (w * 100 + k) * MS : RS_NO_TIME, NULL, 0);
		}
	}
	return s;
}

static const rs_cmp_row *row_named(const rs_cmp_result *r, const char *name)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].name, name))
			return &r->rows[i];
	return NULL;
}

static size_t flagged(const rs_cmp_result *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nrows; i++)
		n += r->rows[i].status == RS_ST_REGRESSION || r->rows[i].status == RS_ST_IMPROVEMENT;
	return n;
}

static const rs_cmp_opts defaults = {RS_CMP_SELF, 0.10, 0.05, 30, 3, 0.01};

static void doubled(void)
{
	rs_session *a = run(10, true, false, true), *b = run(20, false, true, true);
	rs_cmp_result r;
	rs_compare((const rs_session *const[]){a}, 1, (const rs_session *const[]){b}, 1, &defaults, &r);
	const rs_cmp_row *hot = row_named(&r, "app::engine::hot");
	CHECK("compare: 30 windows a side", r.obs == RS_OBS_WINDOWS && r.nobs[0] == 30 && r.nobs[1] == 30);
	CHECK("compare: the doubled function is a critical regression",
	      hot && hot->status == RS_ST_REGRESSION && hot->severity == RS_SEV_CRITICAL &&
		      near(hot->change, 1.0, 1e-9));
	CHECK("compare: its shares",
	      hot && near(hot->base.mean, 0.10, 1e-12) && near(hot->cur.mean, 0.20, 1e-12));
	CHECK("compare: the interval holds the change",
	      hot && hot->ci_low < 1 && hot->ci_high > 1 && hot->ci_low > 0.9);
	CHECK("compare: worst first", r.nrows && r.rows[0].status == RS_ST_REGRESSION);
	const rs_cmp_row *mod = row_named(&r, "app::engine"), *crate = row_named(&r, "lib");
	CHECK("compare: the module row follows its function",
	      mod && mod->kind == RS_ROW_MODULE && mod->status == RS_ST_REGRESSION);
	CHECK("compare: the crate that lost share improved",
	      crate && crate->kind == RS_ROW_CRATE && crate->status == RS_ST_IMPROVEMENT);
	const rs_cmp_row *fresh = row_named(&r, "app::fresh"), *gone = row_named(&r, "app::gone");
	CHECK("compare: new and vanished",
	      fresh && fresh->status == RS_ST_NEW && gone && gone->status == RS_ST_VANISHED);
	CHECK("compare: main is on every stack, no self", !row_named(&r, "main"));
	rs_cmp_result_free(&r);

	rs_cmp_opts total = defaults;
	total.metric = RS_CMP_TOTAL;
	rs_compare((const rs_session *const[]){a}, 1, (const rs_session *const[]){b}, 1, &total, &r);
	const rs_cmp_row *m = row_named(&r, "main");
	CHECK("compare: total puts main at 100 % on both sides", m && near(m->base.mean, 1, 1e-12) &&
									 near(m->cur.mean, 1, 1e-12) &&
									 m->status == RS_ST_UNCHANGED);
	rs_cmp_result_free(&r);

	rs_compare((const rs_session *const[]){a}, 1, (const rs_session *const[]){a}, 1, &defaults, &r);
	CHECK("compare: A/A flags nothing", flagged(&r) == 0 && r.tested > 0);
	rs_cmp_result_free(&r);
	rs_session_free(a);
	rs_session_free(b);
}

static void untimed(void)
{
	rs_session *a[3], *b[3];
	for (int i = 0; i < 3; i++) {
		a[i] = run(10 + i, false, false, false);
		b[i] = run(20 + i, false, false, false);
	}
	rs_cmp_result r;
	rs_compare((const rs_session *const *)a, 1, (const rs_session *const *)b, 1, &defaults, &r);
	const rs_cmp_row *hot = row_named(&r, "app::engine::hot");
	CHECK("compare: no times, one run a side: observations are runs",
	      r.obs == RS_OBS_RUNS && r.nobs[0] == 1);
	CHECK("compare: ... and nothing is tested", r.tested == 0 && hot && hot->status == RS_ST_UNTESTED);
	rs_cmp_result_free(&r);
	rs_compare((const rs_session *const *)a, 3, (const rs_session *const *)b, 3, &defaults, &r);
	hot = row_named(&r, "app::engine::hot");
	CHECK("compare: three runs a side are tested",
	      r.nobs[0] == 3 && hot && hot->status == RS_ST_REGRESSION);
	rs_cmp_result_free(&r);
	for (int i = 0; i < 3; i++) {
		rs_session_free(a[i]);
		rs_session_free(b[i]);
	}
}

/* Intervals "step" of dur_ms each, 10 a window, over 30 windows of 100 ms. */
static rs_session *spans(int dur_ms)
{
	rs_session *s = rs_session_new();
	s->info.id = s->info.name = rs_intern_cstr(s, "spans");
	for (int i = 0; i < 300; i++) {
		rs_interval *iv = rs_interval_new(s);
		iv->thread = -1;
		iv->frame = -1;
		iv->name = rs_intern_cstr(s, "app::step");
		iv->start_ns = i * 10 * MS;
		iv->end_ns = iv->start_ns + (dur_ms + i % 2) * MS / 2;
	}
	return s;
}

static void durations(void)
{
	rs_session *a = spans(4), *b = spans(8);
	rs_cmp_opts o = defaults;
	o.metric = RS_CMP_P95;
	rs_cmp_result r;
	rs_compare((const rs_session *const[]){a}, 1, (const rs_session *const[]){b}, 1, &o, &r);
	const rs_cmp_row *st = row_named(&r, "app::step");
	CHECK("compare: p95 of interval durations per window",
	      r.interval_durations && !strcmp(r.unit, "nanoseconds"));
	/* each window's ten durations are five of 2 and five of 2.5 ms (4 and 4.5 ms) */
	CHECK("compare: the p95s",
	      st && near(st->base.mean, 2.5e6, 1e-12) && near(st->cur.mean, 4.5e6, 1e-12));
	CHECK("compare: a slower step is a regression", st && st->status == RS_ST_REGRESSION);
	rs_cmp_result_free(&r);
	o.metric = RS_CMP_SELF;
	rs_compare((const rs_session *const[]){a}, 1, (const rs_session *const[]){a}, 1, &o, &r);
	st = row_named(&r, "app::step");
	CHECK("compare: self of intervals alone is all of it",
	      st && near(st->base.mean, 1, 1e-12) && st->kind == RS_ROW_FUNCTION);
	rs_cmp_result_free(&r);
	rs_session_free(a);
	rs_session_free(b);
}

static rs_session *rss(double mib)
{
	rs_session *s = new_session();
	rs_counter *c = rs_counter_new(s, rs_intern_cstr(s, "rss_bytes"), rs_intern_cstr(s, "bytes"));
	for (int i = 0; i < 300; i++)
		rs_counter_point(c, i * 10 * MS, (mib + (i % 5)) * 1048576);
	return s;
}

static void memory(void)
{
	rs_session *a = rss(100), *b = rss(150), *none = run(10, false, false, true);
	rs_cmp_opts o = defaults;
	o.metric = RS_CMP_RSS;
	rs_err err = {0};
	CHECK("compare: rss needs the lane",
	      rs_cmp_check(none, RS_CMP_RSS, &err) == RS_EINPUT && strstr(err.msg, "rss_bytes"));
	CHECK("compare: alloc needs a type", rs_cmp_check(none, RS_CMP_ALLOC, &(rs_err){0}) == RS_EINPUT);
	CHECK("compare: the lane is there", rs_cmp_check(a, RS_CMP_RSS, &(rs_err){0}) == 0);
	rs_cmp_result r;
	rs_compare((const rs_session *const[]){a}, 1, (const rs_session *const[]){b}, 1, &o, &r);
	CHECK("compare: one process row for the lane",
	      r.nrows == 1 && r.rows[0].kind == RS_ROW_PROCESS && !strcmp(r.rows[0].name, "rss_bytes"));
	CHECK("compare: RSS growth of 50 MiB on 102 is moderate",
	      r.nrows == 1 && r.rows[0].status == RS_ST_REGRESSION && r.rows[0].severity == RS_SEV_MODERATE &&
		      near(r.rows[0].change, 50.0 / 102, 1e-9));
	rs_cmp_result_free(&r);
	rs_session_free(a);
	rs_session_free(b);
	rs_session_free(none);
}

static void bands(void)
{
	CHECK("severity: below the threshold", rs_severity_of(0.09, 0.10) == RS_SEV_NONE);
	CHECK("severity: minor from the threshold", rs_severity_of(0.10, 0.10) == RS_SEV_MINOR);
	CHECK("severity: moderate from 25 %", rs_severity_of(0.25, 0.10) == RS_SEV_MODERATE);
	CHECK("severity: critical from 50 %", rs_severity_of(0.5, 0.10) == RS_SEV_CRITICAL);
	CHECK("severity: a threshold above a band starts there", rs_severity_of(0.3, 0.4) == RS_SEV_NONE);
	CHECK("severity: names",
	      rs_severity_parse("moderate") == RS_SEV_MODERATE && rs_severity_parse("none") < 0);
	CHECK("metric: names", rs_cmp_metric_parse("p99") == RS_CMP_P99 && rs_cmp_metric_parse("x") < 0);
}

/* The diff merges by names, averages per run and keeps both columns. */
static void diffs(void)
{
	rs_session *a1 = run(10, false, false, false), *a2 = run(20, false, false, false);
	rs_session *b1 = run(30, false, true, false);
	const rs_session *base[] = {a1, a2}, *cur[] = {b1};
	int32_t col0[] = {0, 0}, col1[] = {0};
	rs_diff_side sa = {base, col0, 2}, sb = {cur, col1, 1};
	rs_session *d = NULL;
	rs_err err = {0};
	CHECK("diff: built", rs_diff_session(&sa, &sb, &d, &err) == 0 && d);
	if (!d)
		return;
	int64_t hot[2] = {0, 0}, fresh[2] = {0, 0};
	for (size_t i = 0; i < d->samples.n; i++) {
		const char *leaf = rs_s(d, d->frames[d->stacks[d->samples.stack[i]].frame].name);
		int64_t *into = !strcmp(leaf, "app::engine::hot") ? hot
				: !strcmp(leaf, "app::fresh")	  ? fresh
								  : NULL;
		for (int k = 0; into && k < 2; k++)
			into[k] += d->samples.values[i * 2 + (size_t)k];
	}
	/* 30 windows of 100 samples of 10 ms: 10 % (20 %) of 300 ms a window */
	CHECK("diff: the baseline's per-run average before, the current after",
	      hot[0] == 30 * 15 * 10 * MS && hot[1] == 30 * 30 * 10 * MS);
	CHECK("diff: a function of one side only", fresh[0] == 0 && fresh[1] == 30 * 3 * 10 * MS);
	CHECK("diff: one frame per name", d->nframes == 4);
	rs_diff_add_delta(d);
	CHECK("diff: delta is after - before and the default",
	      d->nsample_types == 3 && !strcmp(rs_s(d, d->default_sample_type), "delta") &&
		      d->samples.values[2] == d->samples.values[1] - d->samples.values[0]);
	rs_session_free(d);
	rs_session *other = run(10, false, false, false);
	rs_sample_type_add(other, "alloc_space", "bytes");
	int32_t col_bytes[] = {1};
	rs_diff_side so = {(const rs_session *const[]){other}, col_bytes, 1};
	CHECK("diff: nanoseconds minus bytes is refused",
	      rs_diff_session(&sa, &so, &d, &err) == RS_EINPUT && strstr(err.msg, "cannot subtract"));
	rs_session_free(other);
	rs_session_free(a1);
	rs_session_free(a2);
	rs_session_free(b1);
}

int main(void)
{
	incbeta();
	student_t();
	welch();
	bh();
	quantiles();
	doubled();
	untimed();
	durations();
	memory();
	bands();
	diffs();
	return unit_failures != 0;
}
