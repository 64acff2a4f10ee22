/* The statistics of `rustscope compare` (see stats.h). */
#include "stats.h"

#include "../lib/xalloc.h"

#include <math.h>
#include <stdlib.h>

/* The continued fraction of I_x(a, b) by the modified Lentz method
 * (Numerical Recipes' betacf); converges fast for x < (a + 1) / (a + b + 2),
 * in about sqrt(max(a, b)) steps. */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double c = 1, d = 1 - (a + b) * x / (a + 1);
	d = 1 / (fabs(d) < tiny ? tiny : d);
	double h = d;
	for (int m = 1; m <= 100000; m++) {
		double m2 = 2.0 * m;
		/* the even step, then the odd step of the fraction */
		double aa[2] = {m * (b - m) * x / ((a - 1 + m2) * (a + m2)),
				-(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2))};
		double del = 1;
		for (int k = 0; k < 2; k++) {
			d = 1 + aa[k] * d;
			d = 1 / (fabs(d) < tiny ? tiny : d);
			c = 1 + aa[k] / c;
			c = fabs(c) < tiny ? tiny : c;
			del = d * c;
			h *= del;
		}
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double rs_incbeta(double a, double b, double x)
{
	if (!(x > 0))
		return 0;
	if (x >= 1)
		return 1;
	/* x^a (1-x)^b / B(a, b), in logs: the terms over- and underflow alone */
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b; /* the symmetry I_x(a,b) = 1 - I_1-x(b,a) */
}

/* P(|T| >= |t|): the tail pair in one incomplete beta, exact for tiny p. */
static double t_two_sided(double t, double df)
{
	if (isinf(t))
		return 0;
	if (df > 1e7) /* the normal limit; the fraction would need ~sqrt(df) steps */
		return erfc(fabs(t) / sqrt(2));
	return rs_incbeta(df / 2, 0.5, df / (df + t * t));
}

double rs_t_cdf(double t, double df)
{
	double tail = t_two_sided(t, df) / 2;
	return t > 0 ? 1 - tail : tail;
}

double rs_t_quantile(double p, double df)
{
	double lo = -1, hi = 1;
	while (rs_t_cdf(lo, df) > p && lo > -1e300)
		lo *= 2;
	while (rs_t_cdf(hi, df) < p && hi < 1e300)
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * fmax(1, fabs(hi)); i++) {
		double mid = lo / 2 + hi / 2;
		*(rs_t_cdf(mid, df) < p ? &lo : &hi) = mid;
	}
	return lo / 2 + hi / 2;
}

void rs_moments_add(rs_moments *m, double x)
{
	m->n++;
	double d = x - m->mean;
	m->mean += d / (double)m->n;
	m->m2 += d * (x - m->mean);
}

void rs_moments_add_zeros(rs_moments *m, size_t k)
{
	if (!k)
		return;
	/* merging in k zeros at once (Chan et al.'s pairwise update) */
	double n0 = (double)m->n, n = n0 + (double)k;
	m->m2 += m->mean * m->mean * n0 * (double)k / n;
	m->mean *= n0 / n;
	m->n += k;
}

double rs_moments_var(const rs_moments *m)
{
	return m->n > 1 ? m->m2 / (double)(m->n - 1) : 0;
}

bool rs_welch_test(const rs_moments *a, const rs_moments *b, double extra, rs_welch *out)
{
	if (a->n < 2 || b->n < 2)
		return false;
	double va = rs_moments_var(a) / (double)a->n, vb = rs_moments_var(b) / (double)b->n;
	rs_welch w = {.diff = b->mean - a->mean, .se = sqrt(va + vb + extra)};
	if (!(w.se > 0)) { /* both sides constant: the means differ or they do not */
		w.t = w.diff == 0 ? 0 : copysign(INFINITY, w.diff);
		w.df = (double)(a->n + b->n - 2);
		w.p = w.diff == 0 ? 1 : 0;
	} else {
		w.t = w.diff / w.se;
		/* Welch-Satterthwaite; the extra term has infinite degrees of freedom
		 * (none at all: infinite, the normal) */
		double den = va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1);
		w.df = den > 0 ? (va + vb + extra) * (va + vb + extra) / den : INFINITY;
		w.p = t_two_sided(w.t, w.df);
	}
	*out = w;
	return true;
}

typedef struct ranked {
	double p;
	size_t i;
} ranked;

static int cmp_ranked(const void *x, const void *y)
{
	const ranked *a = x, *b = y;
	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

void rs_bh_adjust(const double *p, size_t n, double *q)
{
	ranked *r = rs_xmalloc((n + 1) * sizeof *r);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		q[i] = NAN;
		if (!isnan(p[i]))
			r[m++] = (ranked){p[i], i};
	}
	qsort(r, m, sizeof *r, cmp_ranked);
	/* q of the k-th smallest: min over j >= k of p_(j) m / j, capped at 1 */
	double run = 1;
	for (size_t k = m; k-- > 0;) {
		double v = r[k].p * (double)m / (double)(k + 1);
		run = v < run ? v : run;
		q[r[k].i] = run;
	}
	free(r);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

double rs_quantile(double *x, size_t n, double q)
{
	qsort(x, n, sizeof *x, cmp_double);
	double h = (double)(n - 1) * q;
	size_t lo = (size_t)h;
	if (lo + 1 >= n)
		return x[n - 1];
	return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}
