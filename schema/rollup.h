/* Self/total aggregation over the stack table, by function, crate or
 * module: the data behind `rustscope info` and the session's rollups. A
 * frame counts once per sample in "total" even when recursion repeats it. */
#ifndef RS_ROLLUP_H
#define RS_ROLLUP_H

#include "session.h"

typedef enum rs_rollup_by { RS_BY_FUNCTION, RS_BY_CRATE, RS_BY_MODULE } rs_rollup_by;

typedef struct rs_rollup_row {
	rs_str key; /* function name, crate or module ("" = unknown) */
	rs_str crate, module; /* of the first frame seen with this key */
	int64_t self, total;
} rs_rollup_row;

/* Rows for value column vt, sorted by total (then self, then key)
 * descending when by_self is false, by self when true. Caller frees. */
rs_rollup_row *rs_rollup(const rs_session *s, size_t vt, rs_rollup_by by, bool by_self, size_t *n);
/* The index of the default sample type (else the last one, as pprof does). */
size_t rs_default_value_index(const rs_session *s);
/* Fills s->rollups (schema "rollups") from the samples. */
void rs_rollups_compute(rs_session *s);

#endif
