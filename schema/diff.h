/* Differential profiles (docs/compare.md): the stacks of the baseline and
 * the current runs merged by frame names into one session whose value
 * columns "before" and "after" hold each side's per-run average, so that
 * the exporters show the difference: collapsed writes the two columns of
 * FlameGraph's difference format, and with a "delta" column (after minus
 * before) pprof shows the current profile with the baseline subtracted. */
#ifndef RS_DIFF_H
#define RS_DIFF_H

#include "../lib/error.h"
#include "session.h"

/* One side: its runs and the value column to read from each. */
typedef struct rs_diff_side {
	const rs_session *const *runs;
	const int32_t *col;
	size_t n;
} rs_diff_side;

/* The merged session: one frame per name (file, line, crate and module of
 * the first run that has the name, current runs first), one sample per
 * stack with the two columns in the unit of the runs' columns, averages
 * rounded to integers. RS_EINPUT when the columns' units differ. */
int rs_diff_session(const rs_diff_side *base, const rs_diff_side *cur, rs_session **out, rs_err *err);
/* Adds the column "delta" = after - before and makes it the default sample
 * type (negative where the current runs spend less). */
void rs_diff_add_delta(rs_session *d);

#endif
