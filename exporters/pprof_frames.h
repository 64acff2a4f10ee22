/* The `frames` column of the rustscope comment (docs/pprof.md): frames the
 * importer rebuilds exactly from the Functions and Locations written for
 * them need not ride in the comment (they are a fifth of a big profile). */
#ifndef RS_PPROF_FRAMES_H
#define RS_PPROF_FRAMES_H

#include "../importers/pprof_function.h"
#include "../schema/session.h"

#include <stdbool.h>

/* How the exporter writes one frame. */
typedef struct rs_pp_frame_out {
	rs_pp_function fn; /* its Function */
	bool folded;       /* its Location is folded */
	bool address_only; /* its Location has no lines */
} rs_pp_frame_out;

/* Whether the importer's derivation from out[i] gives back frames[i]'s
 * name, system_name, file, kind, crate, module and unknown, for every
 * frame (line, column, address, mapping and inline are the Location's and
 * are checked with the Locations). */
bool rs_pp_frames_derivable(const rs_session *s, const rs_pp_frame_out *out);

#endif
