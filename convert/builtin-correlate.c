/* rustscope correlate SESSION: the spikes of the counter lanes (or the
 * window around --at TIME) and the functions that run more in that window
 * than outside it (schema/correlate.c; docs/correlate.md). */
#include "../lib/json_write.h"
#include "../lib/xalloc.h"
#include "../schema/correlate.h"
#include "../schema/rollup.h"
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_PADDING = 2000, MAX_AT = 64 };

/* A --at TIME: absolute ns, or relative to the session's start with a unit. */
typedef struct at_time {
	const char *arg;
	int64_t ns;
	bool relative;
} at_time;

typedef struct corr_opts {
	const rs_cmd *cmd;
	const rs_format *from;
	bool json, spikes;
	int64_t padding_ns;
	size_t top;
	at_time at[MAX_AT];
	size_t nat;
} corr_opts;

static int parse_at(corr_opts *o, const char *arg)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	if (o->nat == MAX_AT)
		return rs_usage_error(o->cmd, "at most %d --at", MAX_AT);
	at_time *a = &o->at[o->nat];
	char *end;
	errno = 0;
	long long abs_ns = strtoll(arg, &end, 10);
	if (!errno && end != arg && !*end && abs_ns >= 0) {
		*a = (at_time){arg, abs_ns, false};
		o->nat++;
		return 0;
	}
	double v = strtod(arg, &end);
	for (size_t i = 0; end != arg && v >= 0 && i < sizeof units / sizeof *units; i++)
		if (!strcmp(end, units[i].unit) && v * units[i].ns < 9e18) {
			*a = (at_time){arg, llround(v * units[i].ns), true};
			o->nat++;
			return 0;
		}
	return rs_usage_error(o->cmd,
			      "--at needs absolute nanoseconds or a time with a unit "
			      "(12.5s, 300ms, 40us, 10ns), got '%s'",
			      arg);
}

static int parse_count(const corr_opts *o, const char *opt, const char *arg, unsigned long max, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > max)
		return rs_usage_error(o->cmd, "%s needs a number up to %lu, got '%s'", opt, max, arg);
	*out = v;
	return 0;
}

static int corr_option(void *ctx, int opt, const char *arg)
{
	corr_opts *o = ctx;
	size_t v;
	int rc;
	switch (opt) {
	case 'j': o->json = true; return 0;
	case 's': o->spikes = true; return 0;
	case 'a': return parse_at(o, arg);
	case 'n':
		if ((rc = parse_count(o, "--top", arg, 1000000, &v)))
			return rc;
		o->top = v;
		return 0;
	case OPT_PADDING: /* a day at most: keeps the nanoseconds far from overflow */
		if ((rc = parse_count(o, "--padding-ms", arg, 86400000, &v)))
			return rc;
		o->padding_ns = (int64_t)v * 1000000;
		return 0;
	case 'f':
		return (o->from = rs_format_find(arg)) ? 0
						       : rs_usage_error(o->cmd, "unknown format '%s'", arg);
	}
	return 0;
}

/* One window to report: a spike, or the one around an --at time. */
typedef struct finding {
	rs_spike spike; /* for --at: lane SIZE_MAX, start = end = the time */
	int64_t w0, w1; /* the correlated window [w0, w1) */
} finding;

typedef struct report {
	const corr_opts *o;
	const char *path;
	const rs_session *s;
	rs_timeline *tl;
	int64_t origin;
	finding *f;
	size_t nf, nlanes;
} report;

static void add_finding(report *r, rs_spike sp)
{
	int64_t pad = r->o->padding_ns;
	r->f[r->nf++] = (finding){sp, sp.start_ns - pad, sp.end_ns + pad};
}

/* --at windows first, in the order given, then the spikes. */
static int collect(report *r, rs_err *err)
{
	const corr_opts *o = r->o;
	int64_t first, last;
	bool any = rs_session_time_span(r->s, &first, &last);
	size_t nspikes = 0;
	rs_spike *sp = o->spikes || !o->nat ? rs_spikes_find(r->s, &nspikes) : NULL;
	r->f = rs_xmalloc((o->nat + nspikes + 1) * sizeof *r->f);
	for (size_t i = 0; i < o->nat; i++) {
		int64_t t = o->at[i].relative ? r->origin + o->at[i].ns : o->at[i].ns;
		if (!any || t + o->padding_ns < first || t - o->padding_ns > last) {
			free(sp);
			return rs_fail(err, RS_EUSAGE,
				       "%s: --at %s is outside the session (%.3f s to %.3f s)", r->path,
				       o->at[i].arg, any ? (double)(first - r->origin) / 1e9 : 0,
				       any ? (double)(last - r->origin) / 1e9 : 0);
		}
		add_finding(r, (rs_spike){SIZE_MAX, t, t, NAN});
	}
	for (size_t i = 0; i < nspikes; i++)
		add_finding(r, sp[i]);
	free(sp);
	return 0;
}

/* --- text --- */

static double secs(const report *r, int64_t t)
{
	return (double)(t - r->origin) / 1e9;
}

/* Counter values as people read them: whole numbers once they are big. */
static const char *num(char *buf, size_t n, double v)
{
	snprintf(buf, n, fabs(v) >= 1e4 ? "%+.0f" : "%+.4g", v);
	return buf;
}

/* " unit", or "" for a lane without one (Chrome counters). */
static const char *unit_of(const rs_session *s, size_t lane, char *buf, size_t n)
{
	rs_str u = s->counters[lane].unit;
	snprintf(buf, n, "%s%s", u ? " " : "", rs_s(s, u));
	return buf;
}

/* What the weights are: "cpu nanoseconds", "samples count", "ns of self time". */
static void weight_name(const report *r, char *buf, size_t n)
{
	const rs_session *s = r->s;
	if (rs_timeline_from_intervals(r->tl) || !s->nsample_types) {
		snprintf(buf, n, "ns of interval self time");
		return;
	}
	const rs_value_type *vt = &s->sample_types[rs_default_value_index(s)];
	snprintf(buf, n, "%s%s%s", rs_s(s, vt->type), vt->unit ? " " : "", rs_s(s, vt->unit));
}

static void print_functions(const report *r, const finding *f)
{
	rs_window_total tot;
	size_t n;
	rs_fn_share *rows = rs_timeline_rank(r->tl, f->w0, f->w1, RS_RANK_LIFT, r->o->top, &n, &tot);
	char what[256];
	weight_name(r, what, sizeof what);
	printf("  window %.3f s to %.3f s: %" PRId64 " %s (%" PRId64 " %s)\n", secs(r, f->w0), secs(r, f->w1),
	       tot.items, rs_timeline_from_intervals(r->tl) ? "stretches" : "samples", tot.weight, what);
	if (n)
		printf("  %8s %8s %8s  function\n", "window", "outside", "lift");
	for (size_t i = 0; i < n; i++)
		printf("  %7.1f%% %7.1f%% %+8.1f  %s%s%s%s\n", rows[i].share * 100,
		       rows[i].baseline_share * 100, (rows[i].share - rows[i].baseline_share) * 100,
		       rows[i].name, rows[i].crate ? " [" : "", rows[i].crate ? rows[i].crate : "",
		       rows[i].crate ? "]" : "");
	free(rows);
}

static void print_deltas(const report *r, const finding *f)
{
	rs_strbuf key = {0};
	bool first = true;
	for (size_t i = 0; i < r->s->ncounters; i++) {
		double d;
		if (!rs_lane_delta(r->s, i, f->w0, f->w1, &d))
			continue;
		rs_sb_reset(&key);
		rs_lane_key(r->s, i, &key);
		char nb[48], ub[64];
		printf("%s    %-28s %12s%s\n", first ? "  counter deltas:\n" : "", key.buf,
		       num(nb, sizeof nb, d), unit_of(r->s, i, ub, sizeof ub));
		first = false;
	}
	rs_sb_free(&key);
}

static void print_human(const report *r)
{
	const corr_opts *o = r->o;
	size_t nspikes = 0;
	for (size_t i = 0; i < r->nf; i++)
		nspikes += r->f[i].spike.lane != SIZE_MAX;
	printf("%s: %zu timed %s, %zu counter lane%s\n", r->path, rs_timeline_items(r->tl),
	       rs_timeline_from_intervals(r->tl) ? "interval stretches" : "samples", r->nlanes,
	       r->nlanes == 1 ? "" : "s");
	if (o->spikes || !o->nat)
		printf("%zu spike%s (rule: > %g MADs from the lane's median, a move >= %g%% of its level)\n",
		       nspikes, nspikes == 1 ? "" : "s", RS_SPIKE_K, RS_SPIKE_FLOOR * 100);
	printf("windows padded by %" PRId64 " ms\n", o->padding_ns / 1000000);
	for (size_t i = 0; i < r->nf; i++) {
		const finding *f = &r->f[i];
		const rs_spike *sp = &f->spike;
		char nb[48], ub[64];
		if (sp->lane == SIZE_MAX)
			printf("\nat %.3f s\n", secs(r, sp->start_ns));
		else
			printf("\nspike: %s %s%s, %.3f s to %.3f s\n",
			       rs_s(r->s, r->s->counters[sp->lane].name), num(nb, sizeof nb, sp->delta),
			       unit_of(r->s, sp->lane, ub, sizeof ub), secs(r, sp->start_ns),
			       secs(r, sp->end_ns));
		print_functions(r, f);
		print_deltas(r, f);
	}
}

/* --- JSON --- */

static void json_functions(rs_jw *w, const report *r, const finding *f)
{
	size_t n;
	rs_fn_share *rows = rs_timeline_rank(r->tl, f->w0, f->w1, RS_RANK_LIFT, r->o->top, &n, NULL);
	rs_jw_key(w, "functions");
	rs_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		rs_jw_cstr(w, rows[i].name);
		rs_jw_key(w, "crate");
		rows[i].crate ? rs_jw_cstr(w, rows[i].crate) : rs_jw_null(w);
		rs_jw_key(w, "share");
		rs_jw_double(w, rows[i].share);
		rs_jw_key(w, "baseline_share");
		rs_jw_double(w, rows[i].baseline_share);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
	free(rows);
}

static void json_finding(rs_jw *w, const report *r, const finding *f, rs_strbuf *scratch)
{
	const rs_spike *sp = &f->spike;
	rs_jw_obj(w);
	rs_jw_key(w, "lane");
	if (sp->lane == SIZE_MAX) {
		rs_jw_null(w);
	} else {
		rs_sb_reset(scratch);
		rs_lane_key(r->s, sp->lane, scratch);
		rs_jw_str(w, scratch->buf, scratch->len);
	}
	rs_jw_key(w, "start_ns");
	rs_jw_int(w, sp->start_ns);
	rs_jw_key(w, "end_ns");
	rs_jw_int(w, sp->end_ns);
	rs_jw_key(w, "delta");
	rs_jw_double(w, sp->delta); /* NaN (--at) is written as null */
	rs_jw_key(w, "window");
	rs_jw_obj(w);
	rs_jw_key(w, "start_ns");
	rs_jw_int(w, f->w0);
	rs_jw_key(w, "end_ns");
	rs_jw_int(w, f->w1);
	rs_jw_obj_end(w);
	json_functions(w, r, f);
	rs_jw_key(w, "counter_deltas");
	rs_sb_reset(scratch);
	rs_counter_deltas_json(r->s, f->w0, f->w1, scratch);
	rs_jw_raw(w, scratch->buf, scratch->len);
	rs_jw_obj_end(w);
}

static void print_json(const report *r)
{
	rs_strbuf sb = {0}, scratch = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "spikes");
	rs_jw_arr(&w);
	for (size_t i = 0; i < r->nf; i++)
		json_finding(&w, r, &r->f[i], &scratch);
	rs_jw_arr_end(&w);
	rs_jw_obj_end(&w);
	printf("%s\n", sb.buf);
	rs_sb_free(&sb);
	rs_sb_free(&scratch);
}

static size_t lanes_with_points(const rs_session *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->ncounters; i++)
		n += s->counters[i].n > 0;
	return n;
}

static int correlate(report *r, rs_err *err)
{
	r->nlanes = lanes_with_points(r->s);
	r->tl = rs_timeline_new(r->s);
	if (!rs_timeline_items(r->tl) && !r->nlanes)
		return rs_fail(err, RS_EINPUT,
			       "%s: nothing to correlate: no sample has a timestamp, and there are no "
			       "intervals and no counter points",
			       r->path);
	r->origin = rs_session_time_origin(r->s);
	int rc = collect(r, err);
	if (!rc)
		r->o->json ? print_json(r) : print_human(r);
	return rc;
}

int cmd_correlate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'},
		{"spikes", no_argument, 0, 's'},
		{"at", required_argument, 0, 'a'},
		{"top", required_argument, 0, 'n'},
		{"padding-ms", required_argument, 0, OPT_PADDING},
		{"correlation-padding-ms", required_argument, 0, OPT_PADDING},
		{"from", required_argument, 0, 'f'},
		RS_COMMON_LONGOPTS,
		{0}};
	corr_opts o = {.cmd = rs_cmd_find("correlate"), .top = 10, .padding_ns = 100000000};
	int rc = rs_parse_options(o.cmd, argc, argv, "", longopts, corr_option, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind + 1 != argc)
		return rs_usage_error(o.cmd, optind >= argc ? "no SESSION given" : "one SESSION at a time");
	rs_err err = {0};
	report r = {.o = &o, .path = argv[optind]};
	rs_session *s;
	if ((rc = rs_load(r.path, o.from, &s, NULL, &err)))
		return rs_report(&err);
	r.s = s;
	rc = correlate(&r, &err);
	free(r.f);
	rs_timeline_free(r.tl);
	rs_session_free(s);
	return rc ? rs_report(&err) : 0;
}
