/* The statistics behind `rustscope compare` (schema/compare.c), written
 * out here rather than taken from a library: Welch's t-test with the
 * Student t distribution through the regularized incomplete beta function,
 * Benjamini-Hochberg adjustment, quantiles, running moments. */
#ifndef RS_STATS_H
#define RS_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* I_x(a, b), the regularized incomplete beta function (a, b > 0, x in [0, 1]). */
double rs_incbeta(double a, double b, double x);
/* P(T <= t) for Student's t with df > 0 degrees of freedom. */
double rs_t_cdf(double t, double df);
/* The t with rs_t_cdf(t, df) = p, for p in (0, 1). */
double rs_t_quantile(double p, double df);

/* Count, mean and sum of squared deviations, updated one value at a time
 * (Welford): stable for nanosecond-sized values. */
typedef struct rs_moments {
	size_t n;
	double mean, m2;
} rs_moments;

void rs_moments_add(rs_moments *m, double x);
/* k more values of 0 (functions absent from some windows or runs). */
void rs_moments_add_zeros(rs_moments *m, size_t k);
double rs_moments_var(const rs_moments *m); /* sample variance; 0 below n = 2 */

typedef struct rs_welch {
	double diff; /* mean of b - mean of a */
	double se;   /* standard error of diff */
	double t, df;
	double p; /* two-sided */
} rs_welch;

/* Welch's unequal-variance t-test of b's mean against a's. extra is a
 * variance of the difference known apart from the values (noise they
 * cannot show), added to the standard error with infinite degrees of
 * freedom; 0 for the plain test. False (nothing set) when a side has fewer
 * than two values. No variance at all: p is 1 for equal means, else 0. */
bool rs_welch_test(const rs_moments *a, const rs_moments *b, double extra, rs_welch *out);
/* Benjamini-Hochberg adjusted p-values: q[i] <= alpha rejects at false
 * discovery rate alpha. NaN entries are not tests and stay NaN. */
void rs_bh_adjust(const double *p, size_t n, double *q);
/* The q-quantile of x[0..n) (n > 0) by linear interpolation between order
 * statistics (Hyndman and Fan type 7, as numpy and R by default); sorts x. */
double rs_quantile(double *x, size_t n, double q);

#endif
