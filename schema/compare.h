/* Statistical comparison of profiles (docs/compare.md): the baseline runs
 * against the current runs, per function, module and crate, deciding with
 * Welch's t-test over many observations per side (the values of time
 * windows, or of whole runs), Benjamini-Hochberg across all rows, and a
 * minimum relative change (the tests are in stats.h). Plain functions over
 * sessions, no printing: `rustscope compare` reports the result. */
#ifndef RS_COMPARE_H
#define RS_COMPARE_H

#include "../lib/error.h"
#include "session.h"
#include "stats.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum rs_cmp_metric {
	RS_CMP_SELF,  /* share of the samples whose leaf is the row */
	RS_CMP_TOTAL, /* share of the samples with the row on the stack */
	RS_CMP_MEAN,  /* interval durations, else per-run statistics of self */
	RS_CMP_P95,
	RS_CMP_P99,
	RS_CMP_ALLOC, /* allocation sample type (self), absolute */
	RS_CMP_RSS,   /* the rss_bytes counter lane, per window */
	RS_CMP_NMETRICS
} rs_cmp_metric;

const char *rs_cmp_metric_name(int metric);
int rs_cmp_metric_parse(const char *name); /* -1 when unknown */

/* What one observation is. */
typedef enum rs_cmp_obs {
	RS_OBS_WINDOWS, /* one value per time window of each run */
	RS_OBS_RUNS,	/* one value per run */
} rs_cmp_obs;

typedef struct rs_cmp_opts {
	rs_cmp_metric metric;
	double threshold;   /* minimum relative change, 0.10 = 10 % */
	double alpha;	    /* false discovery rate */
	size_t windows;	    /* per run */
	size_t min_samples; /* observations per side for a row to be tested */
	/* Run-to-run variation that the windows of one run cannot show, as a
	 * fraction of each side's mean (0.01 = 1 %): added to the standard
	 * error as that much noise on every run's mean (windowed comparisons). */
	double run_noise;
} rs_cmp_opts;

/* Severity bands of the relative change (regressions only). */
#define RS_SEV_MODERATE_AT 0.25
#define RS_SEV_CRITICAL_AT 0.50

typedef enum rs_cmp_kind { RS_ROW_FUNCTION, RS_ROW_MODULE, RS_ROW_CRATE, RS_ROW_PROCESS } rs_cmp_kind;
typedef enum rs_cmp_status {
	RS_ST_REGRESSION,
	RS_ST_IMPROVEMENT,
	RS_ST_NEW,	/* nothing on the baseline side */
	RS_ST_VANISHED, /* nothing on the current side */
	RS_ST_UNCHANGED,
	RS_ST_UNTESTED, /* too few observations on a side */
} rs_cmp_status;
typedef enum rs_severity { RS_SEV_NONE, RS_SEV_MINOR, RS_SEV_MODERATE, RS_SEV_CRITICAL } rs_severity;

const char *rs_cmp_kind_name(int kind);
const char *rs_cmp_status_name(int status);
const char *rs_severity_name(int severity);
int rs_severity_parse(const char *name); /* "minor".."critical"; -1 when unknown */
/* The band of a relative change at or above threshold; NONE below. */
rs_severity rs_severity_of(double change, double threshold);

typedef struct rs_cmp_row {
	rs_cmp_kind kind;
	char *name;		     /* function, crate::module, crate, or the lane */
	char *crate, *module, *file; /* of the function; NULL when unknown */
	int64_t line;		     /* 0 = unknown */
	rs_moments base, cur;
	double change;		/* cur mean / base mean - 1; NaN without a baseline */
	double ci_low, ci_high; /* the same for the 1 - alpha interval of the difference */
	double effect;		/* Cohen's d: difference over the root mean variance */
	double t, df, p, q;	/* NaN when not tested */
	rs_cmp_status status;
	rs_severity severity; /* regressions only */
	bool significant;     /* q <= alpha */
} rs_cmp_row;

typedef struct rs_cmp_result {
	rs_cmp_row *rows; /* regressions worst first, improvements, new, vanished, the rest */
	size_t nrows;
	rs_cmp_obs obs;
	bool interval_durations; /* mean/p95/p99 of interval durations per window */
	const char *unit;	 /* "share", "nanoseconds", or the sample type's or lane's unit
				  * (valid while the sessions live) */
	size_t runs[2];		 /* baseline, current */
	size_t nobs[2];		 /* observations per side (windows or runs) */
	size_t tested;
} rs_cmp_result;

/* Whether s holds what the metric reads; RS_EINPUT saying what is missing
 * otherwise (the caller prefixes the file name). */
int rs_cmp_check(const rs_session *s, rs_cmp_metric metric, rs_err *err);
/* Compares the runs; every session must pass rs_cmp_check. Rows with
 * nothing on either side are left out. */
void rs_compare(const rs_session *const *base, size_t nbase, const rs_session *const *cur, size_t ncur,
		const rs_cmp_opts *o, rs_cmp_result *out);
void rs_cmp_result_free(rs_cmp_result *r);

/* The value column the metric reads from s's samples (the default sample
 * type, or the allocation type for alloc); -1 when there is none. */
int32_t rs_cmp_value_column(const rs_session *s, rs_cmp_metric metric);

#endif
