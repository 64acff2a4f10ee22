/* rustscope compare (docs/compare.md): the report writers of each
 * --ci-output mode (compare_output.c) and --export-diff
 * (compare_export.c), around the analysis in schema/compare.c. */
#ifndef RS_CONVERT_COMPARE_H
#define RS_CONVERT_COMPARE_H

#include "../lib/strbuf.h"
#include "../schema/compare.h"

typedef enum rs_ci_output {
	RS_CI_TEXT,
	RS_CI_GITHUB,
	RS_CI_GITLAB,
	RS_CI_JSON,
	RS_CI_MARKDOWN,
	RS_CI_NMODES
} rs_ci_output;

/* --fail-on any: every regression, and new functions that are significant. */
#define RS_FAIL_ON_ANY RS_SEV_NONE

/* The runs of both sides (0 baseline, 1 current) and their files. */
typedef struct rs_cmp_runs {
	rs_session **s[2];
	const char **path[2];
	size_t n[2];
} rs_cmp_runs;

typedef struct rs_cmp_report {
	const rs_cmp_result *res;
	const rs_cmp_opts *o;
	int fail_on; /* RS_FAIL_ON_ANY or the lowest failing severity */
	const rs_cmp_runs *runs;
} rs_cmp_report;

const char *rs_ci_output_name(int mode);
int rs_ci_output_parse(const char *name); /* -1 when unknown */
const char *rs_fail_on_name(int fail_on);
int rs_fail_on_parse(const char *name); /* -1 when unknown */

/* Whether the row fails the gate (a regression at or above --fail-on). */
bool rs_cmp_row_fails(const rs_cmp_report *r, const rs_cmp_row *row);
size_t rs_cmp_failures(const rs_cmp_report *r);

/* The report in one mode, appended to out. github: the text report and
 * the workflow command lines; its job summary is the markdown one. */
void rs_cmp_write(const rs_cmp_report *r, rs_ci_output mode, rs_strbuf *out);

/* --export-diff: OUT's format from its suffix. */
typedef enum rs_diff_format { RS_DIFF_PPROF, RS_DIFF_FOLDED, RS_DIFF_SPEEDSCOPE } rs_diff_format;
int rs_diff_format_of(const char *path); /* -1 when no suffix matches */
/* Writes the difference of the runs (the metric's value column) to path
 * atomically. Runs that have only intervals get samples for them first
 * (rs_intervals_to_samples). */
int rs_cmp_export_diff(const rs_cmp_runs *runs, rs_cmp_metric metric, const char *path, rs_err *err);

#endif
