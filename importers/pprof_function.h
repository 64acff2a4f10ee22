/* What a pprof Function contributes to the frames made from it: one
 * derivation, which the importer applies and which the exporter checks a
 * session's frames against before it leaves them out of the rustscope
 * comment (the `frames` column, docs/pprof.md). */
#ifndef RS_PPROF_FUNCTION_H
#define RS_PPROF_FUNCTION_H

#include "../lib/rustname.h"
#include "../lib/strbuf.h"

#include <stdint.h>

typedef struct rs_pp_function {
	const char *name, *system_name, *file; /* "" when unset */
	int64_t start_line;
} rs_pp_function;

typedef struct rs_pp_fn_frame {
	/* point into the function's strings or into rn's buffer */
	const char *name, *system_name, *crate, *module;
	uint8_t kind;
	/* raw JSON members for the frame's `unknown`: what the frame has no
	 * field for (start_line, the name as written when it was demangled) */
	rs_strbuf unknown;
} rs_pp_fn_frame;

/* The frame fields of f; valid until the next call with the same rn or out. */
void rs_pp_fn_frame_of(rs_rustname *rn, const rs_pp_function *f, rs_pp_fn_frame *out);
/* Appends the member "pprof_folded":true (a Location's is_folded). */
void rs_pp_add_folded(rs_strbuf *unknown);

/* raw JSON members for `unknown` fields, only when set */
void rs_pp_unknown_bool(rs_strbuf *sb, const char *key, bool v);
void rs_pp_unknown_int(rs_strbuf *sb, const char *key, int64_t v);
void rs_pp_unknown_str(rs_strbuf *sb, const char *key, const char *v, size_t n);

#endif
