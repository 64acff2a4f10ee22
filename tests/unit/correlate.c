/* schema/correlate.c: the spike rule, the hotspots and counter deltas that
 * windows[] hold (the API record --enable-snapshots calls), lane keys, the
 * time origin, intervals as self time. */
#include "schema/correlate.h"
#include "lib/error.h"
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000LL

static uint32_t frame(rs_session *s, const char *name, const char *crate, bool is_inline)
{
	rs_frame f;
	rs_frame_init(&f);
	f.name = rs_intern_cstr(s, name);
	f.crate = crate ? rs_intern_cstr(s, crate) : 0;
	f.is_inline = is_inline;
	return (uint32_t)rs_frame_add(s, &f);
}

static rs_counter *lane(rs_session *s, const char *name, const char *unit)
{
	return rs_counter_new(s, rs_intern_cstr(s, name), rs_intern_cstr(s, unit));
}

/* 100 samples, one per 10 ms from t = 0: "hot" (crate app) in [500, 600)
 * ms, every other one ending in an inlined frame; "idle" otherwise.
 * fd_count is 10, growing by 100 over (500, 600] ms. reversed adds the
 * samples last first. */
static rs_session *session(bool reversed)
{
	rs_session *s = rs_session_new();
	s->info.id = s->info.name = rs_intern_cstr(s, "unit");
	rs_sample_type_add(s, "samples", "count");
	uint32_t root = frame(s, "main", NULL, false);
	uint32_t hot[] = {root, frame(s, "hot", "app", false), frame(s, "memcpy_inlined", "core", true)};
	uint32_t idle[] = {root, frame(s, "idle", NULL, false)};
	int32_t st_hot = rs_stack_path(s, hot, 2), st_inl = rs_stack_path(s, hot, 3);
	int32_t st_idle = rs_stack_path(s, idle, 2);
	int64_t one = 1;
	for (int k = 0; k < 100; k++) {
		int i = reversed ? 99 - k : k;
		int32_t st = i >= 50 && i < 60 ? (i % 2 ? st_inl : st_hot) : st_idle;
		rs_sample_add(s, st, &one, -1, i * 10 * MS, NULL, 0);
	}
	rs_counter *fd = lane(s, "fd_count", "count");
	for (int i = 0; i < 100; i++)
		rs_counter_point(fd, i * 10 * MS, 10 + (i <= 50 ? 0 : i >= 60 ? 100 : (i - 50) * 10));
	return s;
}

static bool json_is(rs_strbuf *sb, const char *want)
{
	bool ok = sb->buf && !strcmp(sb->buf, want);
	if (!ok)
		printf("  got  %s\n  want %s\n", sb->buf ? sb->buf : "(nothing)", want);
	rs_sb_reset(sb);
	return ok;
}

static void spikes(void)
{
	rs_session *s = session(false);
	size_t n;
	rs_spike *sp = rs_spikes_find(s, &n);
	CHECK("correlate: one spike in a step lane", n == 1);
	/* the steps at 510..600 ms; the change counts from the point before them */
	CHECK("correlate: the step's times, from the point before it",
	      n == 1 && sp[0].lane == 0 && sp[0].start_ns == 500 * MS && sp[0].end_ns == 600 * MS);
	CHECK("correlate: a level lane's delta is its change", n == 1 && sp[0].delta == 100);
	free(sp);

	/* a flat rate lane with one blip, and a flat level lane with a tiny step */
	lane(s, "cpu_percent", "percent");
	lane(s, "threads", "count");
	rs_counter *cpu = &s->counters[1], *thr = &s->counters[2]; /* lane() may move the table */
	for (int i = 0; i < 100; i++) {
		rs_counter_point(cpu, i * 10 * MS, i == 30 ? 95 : 50);
		rs_counter_point(thr, i * 10 * MS, i < 70 ? 100 : 101);
	}
	sp = rs_spikes_find(s, &n);
	CHECK("correlate: a rate lane's blip is a spike, a tiny step is not", n == 2);
	CHECK("correlate: spikes in time order", n == 2 && sp[0].lane == 1 && sp[1].lane == 0);
	CHECK("correlate: a rate lane's delta is peak - median",
	      n == 2 && sp[0].delta == 45 && sp[0].start_ns == 290 * MS && sp[0].end_ns == 300 * MS);
	CHECK("correlate: rate and level lanes", rs_lane_is_rate(s, cpu) && !rs_lane_is_rate(s, thr));
	free(sp);

	rs_counter *few = lane(s, "few", "count");
	for (int i = 0; i < RS_SPIKE_MIN_POINTS - 1; i++)
		rs_counter_point(few, i * MS, i == 3 ? 1e9 : 0);
	sp = rs_spikes_find(s, &n);
	CHECK("correlate: a lane with too few points has no spikes", n == 2);
	free(sp);
	rs_session_free(s);
}

static void hotspots(void)
{
	rs_strbuf sb = {0};
	for (int rev = 0; rev < 2; rev++) {
		rs_session *s = session(rev);
		int rc = rs_hotspots_json(s, 500 * MS, 600 * MS, 10, &sb);
		CHECK(rev ? "correlate: hotspots of samples out of time order"
			  : "correlate: hotspots of a window",
		      rc == 0 &&
			      json_is(&sb,
				      "[{\"name\":\"hot\",\"crate\":\"app\",\"samples\":10,\"share\":1.0}]"));
		rc = rs_hotspots_json(s, 450 * MS, 600 * MS, 10, &sb);
		CHECK("correlate: hotspots hottest first, crate only when known",
		      rc == 0 && json_is(&sb,
					 "[{\"name\":\"hot\",\"crate\":\"app\",\"samples\":10,\"share\":0."
					 "6666666666666666},"
					 "{\"name\":\"idle\",\"samples\":5,\"share\":0.3333333333333333}]"));
		rc = rs_hotspots_json(s, 450 * MS, 600 * MS, 1, &sb);
		CHECK("correlate: hotspots, top 1",
		      rc == 0 && strstr(sb.buf, "\"hot\"") && !strstr(sb.buf, "\"idle\""));
		rs_sb_reset(&sb);
		CHECK("correlate: an empty window has no hotspots",
		      rs_hotspots_json(s, 2000 * MS, 3000 * MS, 10, &sb) == 0 && json_is(&sb, "[]"));
		CHECK("correlate: a window that ends before it starts is refused",
		      rs_hotspots_json(s, 600 * MS, 500 * MS, 10, &sb) == RS_EUSAGE && sb.len == 0 &&
			      rs_counter_deltas_json(s, 600 * MS, 500 * MS, &sb) == RS_EUSAGE && sb.len == 0);
		rs_timeline *whole = rs_timeline_new(s);
		CHECK("correlate: one timeline for many windows gives the same hotspots",
		      rs_timeline_hotspots_json(whole, 450 * MS, 600 * MS, 10, &sb) == 0 &&
			      json_is(&sb,
				      "[{\"name\":\"hot\",\"crate\":\"app\",\"samples\":10,\"share\":0."
				      "6666666666666666},"
				      "{\"name\":\"idle\",\"samples\":5,\"share\":0.3333333333333333}]"));
		rs_timeline_free(whole);

		rs_timeline *tl = rs_timeline_new(s);
		size_t k;
		rs_window_total tot;
		rs_fn_share *r = rs_timeline_rank(tl, 450 * MS, 600 * MS, RS_RANK_LIFT, 10, &k, &tot);
		CHECK("correlate: ranked by lift, baseline from outside the window",
		      k == 2 && !strcmp(r[0].name, "hot") && r[0].baseline_share == 0 &&
			      r[1].baseline_share == 1 && tot.items == 15 && tot.weight == 15);
		free(r);
		rs_timeline_free(tl);
		rs_session_free(s);
	}
	rs_sb_free(&sb);
}

static void counters(void)
{
	rs_session *s = session(false);
	rs_strbuf sb = {0};
	CHECK("correlate: counter deltas of a window",
	      rs_counter_deltas_json(s, 450 * MS, 650 * MS, &sb) == 0 &&
		      json_is(&sb, "{\"fd_count\":100.0}"));
	lane(s, "fd_count", "count");
	lane(s, "empty", "count");
	rs_counter *again = &s->counters[1];
	rs_counter_point(again, 100 * MS, 7);
	CHECK("correlate: a lane named like an earlier one gets #2; empty lanes are left out",
	      rs_counter_deltas_json(s, 0, 650 * MS, &sb) == 0 &&
		      json_is(&sb, "{\"fd_count\":100.0,\"fd_count#2\":0.0}"));
	double v;
	CHECK("correlate: value before the first point is the first",
	      rs_counter_value_at(again, 0, &v) && v == 7 && !rs_counter_value_at(&s->counters[2], 0, &v));
	CHECK("correlate: value at a point is that point's",
	      rs_counter_value_at(&s->counters[0], 550 * MS, &v) && v == 60);

	int64_t first, last;
	CHECK("correlate: time span of samples and counters",
	      rs_session_time_span(s, &first, &last) && first == 0 && last == 990 * MS);
	s->info.start_time_ns = -5 * MS;
	CHECK("correlate: origin at the session's start when it is on the data's clock",
	      rs_session_time_origin(s) == -5 * MS);
	s->info.start_time_ns = 1714052400000000000LL;
	CHECK("correlate: origin at the first time when the start is another clock",
	      rs_session_time_origin(s) == 0);
	rs_sb_free(&sb);
	rs_session_free(s);
}

static void intervals(void)
{
	rs_session *s = rs_session_new();
	s->info.id = s->info.name = rs_intern_cstr(s, "iv");
	const struct {
		int64_t a, b;
		const char *name;
	} spans[] = {{0, 100, "outer"}, {20, 50, "inner"}, {60, 70, "inner"}};
	for (size_t i = 0; i < 3; i++) {
		rs_interval *iv = rs_interval_new(s);
		iv->start_ns = spans[i].a * MS;
		iv->end_ns = spans[i].b * MS;
		iv->name = rs_intern_cstr(s, spans[i].name);
	}
	rs_timeline *tl = rs_timeline_new(s);
	CHECK("correlate: intervals become self-time stretches",
	      rs_timeline_from_intervals(tl) && rs_timeline_items(tl) == 5);
	rs_timeline_free(tl);
	rs_strbuf sb = {0};
	CHECK("correlate: hotspots of intervals are self time, clipped to the window",
	      rs_hotspots_json(s, 40 * MS, 80 * MS, 10, &sb) == 0 &&
		      json_is(&sb, "[{\"name\":\"inner\",\"self_ns\":20000000,\"share\":0.5},"
				   "{\"name\":\"outer\",\"self_ns\":20000000,\"share\":0.5}]"));
	rs_sb_free(&sb);
	rs_session_free(s);
}

int main(void)
{
	spikes();
	hotspots();
	counters();
	intervals();
	return unit_failures != 0;
}
