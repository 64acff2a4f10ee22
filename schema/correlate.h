/* Timeline correlation (docs/correlate.md): spikes in counter lanes found by
 * a robust rule, and the functions that run more in a time window than
 * outside it. Plain functions over a session, no printing: `rustscope
 * correlate` reports them, and `record --enable-snapshots` fills the
 * session's windows[] with rs_hotspots_json and rs_counter_deltas_json. */
#ifndef RS_CORRELATE_H
#define RS_CORRELATE_H

#include "../lib/strbuf.h"
#include "session.h"

/* The spike rule. A lane's series is its values (rate lanes) or its first
 * differences (level lanes). A point is anomalous when it lies more than
 * RS_SPIKE_K MADs (median absolute deviations) from the series' median;
 * runs of adjacent anomalous points on the same side of the median are one
 * spike, kept when it moves the lane by at least RS_SPIKE_FLOOR times the
 * lane's typical level (the median of its absolute values), so that a flat
 * lane (MAD 0) with one tiny step stays quiet. Lanes with fewer than
 * RS_SPIKE_MIN_POINTS points have no spikes. */
#define RS_SPIKE_K 6.0
#define RS_SPIKE_FLOOR 0.10
#define RS_SPIKE_MIN_POINTS 8

typedef struct rs_spike {
	size_t lane;		  /* index into s->counters */
	int64_t start_ns, end_ns; /* session clock */
	double delta;		  /* level lane: change over the spike; rate lane: peak - median */
} rs_spike;

/* Rate lanes (unit percent or per_second, or a name ending in _percent,
 * _rate or _per_second) measure activity per time; all others are levels. */
bool rs_lane_is_rate(const rs_session *s, const rs_counter *c);
/* The spikes of every counter lane, by start time (then lane). Caller frees;
 * NULL when there are none. */
rs_spike *rs_spikes_find(const rs_session *s, size_t *n);
/* The key of lane i in counter_deltas objects: its name, with "#2", "#3"...
 * after a name an earlier lane already has (per-thread lanes). */
void rs_lane_key(const rs_session *s, size_t i, rs_strbuf *out);

/* The timed activity of a session, indexed by time once for many windows:
 * the samples that have a time, each weighted by the default sample type;
 * else, when no sample has one, the intervals as self time (each stretch
 * charged to the innermost open interval, weighted by its nanoseconds). A
 * sample's function is its leaf frame's out-of-line function: inlined
 * frames give way to the function they were inlined into. */
typedef struct rs_timeline rs_timeline;

rs_timeline *rs_timeline_new(const rs_session *s);
void rs_timeline_free(rs_timeline *tl);
size_t rs_timeline_items(const rs_timeline *tl); /* timed samples, or stretches */
bool rs_timeline_from_intervals(const rs_timeline *tl);

typedef struct rs_fn_share {
	const char *name, *crate; /* crate NULL when unknown; valid while tl lives */
	int64_t items;		  /* its samples (or stretches) in the window */
	int64_t weight;		  /* its weight in the window */
	double share;		  /* weight / all weight in the window */
	double baseline_share;	  /* the same outside the window */
} rs_fn_share;

typedef enum rs_rank_by {
	RS_RANK_LIFT, /* share - baseline_share, largest first */
	RS_RANK_HOT,  /* weight in the window, largest first */
} rs_rank_by;

typedef struct rs_window_total {
	int64_t items, weight;
} rs_window_total;

/* The functions with samples (or stretches) in [t0, t1), ranked, at most
 * top of them. *total (when not NULL) gets the window's totals. Caller
 * frees; NULL when none. */
rs_fn_share *rs_timeline_rank(const rs_timeline *tl, int64_t t0, int64_t t1, rs_rank_by by, size_t top,
			      size_t *n, rs_window_total *total);

/* The hotspots of [t0, t1) as the JSON array windows[].hotspots holds,
 * hottest first, at most top, appended to out: objects with "name",
 * "crate" when known, "samples" (or "self_ns" for intervals) and "share".
 * Returns 0, or RS_EUSAGE (nothing appended) when t1 < t0. */
int rs_timeline_hotspots_json(const rs_timeline *tl, int64_t t0, int64_t t1, size_t top, rs_strbuf *out);
/* The same for one window: indexes only the samples in it, one pass over
 * the session; for many windows, one rs_timeline serves them all. */
int rs_hotspots_json(const rs_session *s, int64_t t0, int64_t t1, size_t top, rs_strbuf *out);

/* A lane's value at t: the last point at or before t (the first point
 * before the lane starts). False when the lane has no points. */
bool rs_counter_value_at(const rs_counter *c, int64_t t, double *v);
/* Lane i's value at t1 minus its value at t0; false when it has no points. */
bool rs_lane_delta(const rs_session *s, size_t i, int64_t t0, int64_t t1, double *delta);
/* Each lane's value at t1 minus its value at t0, as the JSON object
 * windows[].counter_deltas holds (keys by rs_lane_key), appended to out.
 * Lanes without points are left out. Returns 0, or RS_EUSAGE (nothing
 * appended) when t1 < t0. */
int rs_counter_deltas_json(const rs_session *s, int64_t t0, int64_t t1, rs_strbuf *out);

/* The first and last time of the session's data (timed samples, counter
 * points, intervals); false when it has none. */
bool rs_session_time_span(const rs_session *s, int64_t *first, int64_t *last);
/* Where relative times count from: session.start_time_ns when it is on the
 * data's clock (not after the first data time, at most a minute before),
 * else the first data time. */
int64_t rs_session_time_origin(const rs_session *s);

#endif
