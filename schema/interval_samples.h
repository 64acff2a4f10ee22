/* Intervals as time-weighted stacks, for the formats that only have stacks
 * and weights (pprof, collapsed, .cpuprofile, speedscope's sampled
 * profiles). Per thread, intervals nest by time as Chrome, Perfetto and
 * speedscope draw them: every stretch between two consecutive interval
 * boundaries is charged to the intervals open during it, outermost (earliest
 * start, then longest) first. One sample per (thread, stack) carries the
 * stack's self time in nanoseconds in a `wall`/`nanoseconds` column (other
 * columns 0, no time) and the label rustscope_from=intervals, so that the
 * formats that carry intervals themselves (Chrome, speedscope's evented
 * profiles) do not write the same time twice. The derived samples of one
 * thread add up to the time its intervals cover. */
#ifndef RS_SCHEMA_INTERVAL_SAMPLES_H
#define RS_SCHEMA_INTERVAL_SAMPLES_H

#include "session.h"

#define RS_DERIVED_LABEL "rustscope_from"
#define RS_DERIVED_FROM_INTERVALS "intervals"

/* Adds the samples (and the wall column when missing; it becomes the
 * default sample type when the session had no samples). Returns how many
 * samples were added. */
size_t rs_intervals_to_samples(rs_session *s);
/* The sweep behind it, for other readers of intervals as self time
 * (schema/correlate.c): per thread, every stretch [t0, t1) between two
 * consecutive interval boundaries during which intervals are open, with the
 * indices of the open intervals outermost first (the innermost, whose self
 * time the stretch is, last). */
typedef void (*rs_stretch_fn)(void *ctx, int32_t thread, int64_t t0, int64_t t1,
			      const uint32_t *open, size_t nopen);
void rs_intervals_sweep(const rs_session *s, rs_stretch_fn fn, void *ctx);
/* The wall/nanoseconds column the derived samples use; -1 when none. */
int32_t rs_wall_column(const rs_session *s);
/* Whether sample i was derived from intervals by rs_intervals_to_samples. */
bool rs_sample_from_intervals(const rs_session *s, size_t i);
/* Whether any sample was. */
bool rs_any_sample_from_intervals(const rs_session *s);
/* The same for every sample, as a malloc'ed array of 0/1; NULL when no
 * sample was derived. */
uint8_t *rs_samples_from_intervals(const rs_session *s);

#endif
