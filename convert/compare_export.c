/* rustscope compare --export-diff OUT (docs/compare.md): the difference of
 * the runs as a profile that viewers already show, by OUT's suffix:
 *
 *   .pb.gz, .pprof       pprof with the baseline subtracted: the default
 *                        sample type "delta" (negative where the current
 *                        runs spend less), "before" and "after" beside it
 *   .folded, .collapsed, .txt
 *                        "stack before after" lines: FlameGraph's
 *                        difference format (difffolded.pl's output,
 *                        flamegraph.pl's input)
 *   .speedscope.json     the current runs as a sampled profile (the
 *                        baseline as a second one) and, in each frame's
 *                        "rustscope_diff" member, its self and total before,
 *                        after and their delta
 *
 * Values are per-run averages of each side in the unit of the metric's
 * sample type; frames are matched by name (schema/diff.c). */
#include "../lib/json_write.h"
#include "../lib/xalloc.h"
#include "../schema/diff.h"
#include "../schema/interval_samples.h"
#include "../schema/rollup.h"
#include "cli.h"
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RS_VERSION
#define RS_VERSION "0.0.0"
#endif

static const struct {
	const char *suffix;
	rs_diff_format format;
} suffixes[] = {{".speedscope.json", RS_DIFF_SPEEDSCOPE},
		{".pb.gz", RS_DIFF_PPROF},
		{".pprof", RS_DIFF_PPROF},
		{".folded", RS_DIFF_FOLDED},
		{".collapsed", RS_DIFF_FOLDED},
		{".txt", RS_DIFF_FOLDED}};

int rs_diff_format_of(const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		size_t k = strlen(suffixes[i].suffix);
		if (n > k && !strcmp(path + n - k, suffixes[i].suffix))
			return suffixes[i].format;
	}
	return -1;
}

/* --- speedscope with the delta per frame --- */

static const char *speedscope_unit(const char *unit)
{
	static const char *const known[] = {"nanoseconds", "microseconds", "milliseconds", "seconds",
					    "bytes"};
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (!strcmp(unit, known[i]))
			return known[i];
	return "none";
}

/* Self and total of every name in column col, indexed by string id (the
 * diff session has one frame per name). */
typedef struct by_name {
	int64_t *self, *total;
} by_name;

static by_name rollup_by_name(const rs_session *d, size_t col)
{
	by_name b = {rs_xcalloc(d->strings.n + 1, sizeof *b.self),
		     rs_xcalloc(d->strings.n + 1, sizeof *b.total)};
	size_t n;
	rs_rollup_row *rows = rs_rollup(d, col, RS_BY_FUNCTION, false, &n);
	for (size_t i = 0; i < n; i++) {
		b.self[rows[i].key] = rows[i].self;
		b.total[rows[i].key] = rows[i].total;
	}
	free(rows);
	return b;
}

static void diff_member(rs_jw *w, const char *key, int64_t before, int64_t after)
{
	char k[32];
	const char *parts[] = {"before", "after", "delta"};
	int64_t v[] = {before, after, after - before};
	for (int i = 0; i < 3; i++) {
		snprintf(k, sizeof k, "%s_%s", key, parts[i]);
		rs_jw_key(w, k);
		rs_jw_int(w, v[i]);
	}
}

static void write_frames(rs_jw *w, const rs_session *d)
{
	by_name b[2] = {rollup_by_name(d, 0), rollup_by_name(d, 1)};
	rs_jw_key(w, "shared");
	rs_jw_obj(w);
	rs_jw_key(w, "frames");
	rs_jw_arr(w);
	for (size_t i = 0; i < d->nframes; i++) {
		const rs_frame *f = &d->frames[i];
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		rs_jw_str(w, rs_s(d, f->name), rs_slen(d, f->name));
		if (f->file) {
			rs_jw_key(w, "file");
			rs_jw_str(w, rs_s(d, f->file), rs_slen(d, f->file));
		}
		if (f->line > 0) {
			rs_jw_key(w, "line");
			rs_jw_int(w, f->line);
		}
		rs_jw_key(w, "rustscope_diff");
		rs_jw_obj(w);
		diff_member(w, "self", b[0].self[f->name], b[1].self[f->name]);
		diff_member(w, "total", b[0].total[f->name], b[1].total[f->name]);
		rs_jw_obj_end(w);
		rs_jw_obj_end(w);
		rs_jw_newline(w);
	}
	rs_jw_arr_end(w);
	rs_jw_obj_end(w);
	for (int k = 0; k < 2; k++) {
		free(b[k].self);
		free(b[k].total);
	}
}

/* One sampled profile of column col: each stack with a positive value. */
static void write_profile(rs_jw *w, const rs_session *d, size_t col, const char *name)
{
	size_t nv = d->nsample_types;
	int64_t sum = 0;
	for (size_t i = 0; i < d->samples.n; i++)
		sum += d->samples.values[i * nv + col] > 0 ? d->samples.values[i * nv + col] : 0;
	rs_jw_obj(w);
	rs_jw_key(w, "type");
	rs_jw_cstr(w, "sampled");
	rs_jw_key(w, "name");
	rs_jw_cstr(w, name);
	rs_jw_key(w, "unit");
	rs_jw_cstr(w, speedscope_unit(rs_s(d, d->sample_types[col].unit)));
	rs_jw_key(w, "startValue");
	rs_jw_int(w, 0);
	rs_jw_key(w, "endValue");
	rs_jw_int(w, sum);
	uint32_t *path = rs_xmalloc((d->nstacks + 1) * sizeof *path);
	rs_jw_key(w, "samples");
	rs_jw_arr(w);
	for (size_t i = 0; i < d->samples.n; i++) {
		if (d->samples.values[i * nv + col] <= 0)
			continue;
		size_t depth = 0;
		for (int32_t k = d->samples.stack[i]; k >= 0; k = d->stacks[k].parent)
			path[depth++] = d->stacks[k].frame;
		rs_jw_arr(w);
		while (depth)
			rs_jw_uint(w, path[--depth]);
		rs_jw_arr_end(w);
	}
	rs_jw_arr_end(w);
	rs_jw_key(w, "weights");
	rs_jw_arr(w);
	for (size_t i = 0; i < d->samples.n; i++)
		if (d->samples.values[i * nv + col] > 0)
			rs_jw_int(w, d->samples.values[i * nv + col]);
	rs_jw_arr_end(w);
	rs_jw_obj_end(w);
	rs_jw_newline(w);
	free(path);
}

static int save_speedscope(const rs_session *d, const rs_cmp_runs *runs, const char *path, rs_err *err)
{
	rs_output out;
	int rc = rs_output_open(&out, path, err);
	if (rc)
		return rc;
	char name[2][96];
	for (int k = 0; k < 2; k++)
		snprintf(name[k], sizeof name[k], "%s (%zu run%s, average)", k ? "current" : "baseline",
			 runs->n[k], runs->n[k] == 1 ? "" : "s");
	rs_jw w;
	rs_jw_init_out(&w, &out);
	rs_jw_obj(&w);
	rs_jw_key(&w, "$schema");
	rs_jw_cstr(&w, "https://www.speedscope.app/file-format-schema.json");
	rs_jw_key(&w, "exporter");
	rs_jw_cstr(&w, "rustscope compare " RS_VERSION);
	rs_jw_key(&w, "name");
	rs_jw_cstr(&w, "current vs baseline: rustscope_diff in each frame");
	rs_jw_key(&w, "activeProfileIndex");
	rs_jw_int(&w, 0);
	rs_jw_newline(&w);
	write_frames(&w, d);
	rs_jw_key(&w, "profiles");
	rs_jw_arr(&w);
	write_profile(&w, d, 1, name[1]);
	write_profile(&w, d, 0, name[0]);
	rs_jw_arr_end(&w);
	rs_jw_obj_end(&w);
	rs_jw_newline(&w);
	rs_jw_finish(&w);
	return rs_output_commit(&out, err);
}

/* --- the export --- */

/* The column a run's difference reads; intervals become samples first. */
static int diff_column(rs_session *s, const char *path, rs_cmp_metric metric, int32_t *col, rs_err *err)
{
	if (!s->samples.n && s->nintervals)
		rs_intervals_to_samples(s);
	*col = rs_cmp_value_column(s, metric == RS_CMP_ALLOC ? RS_CMP_ALLOC : RS_CMP_SELF);
	if (*col < 0 || !s->samples.n)
		return rs_fail(err, RS_EINPUT, "%s: no samples or intervals to take a difference of", path);
	return 0;
}

int rs_cmp_export_diff(const rs_cmp_runs *runs, rs_cmp_metric metric, const char *path, rs_err *err)
{
	int32_t *cols[2];
	int rc = 0;
	for (int k = 0; k < 2; k++) {
		cols[k] = rs_xmalloc((runs->n[k] + 1) * sizeof *cols[k]);
		for (size_t i = 0; i < runs->n[k] && !rc; i++)
			rc = diff_column(runs->s[k][i], runs->path[k][i], metric, &cols[k][i], err);
	}
	rs_diff_side side[2];
	for (int k = 0; k < 2; k++)
		side[k] = (rs_diff_side){(const rs_session *const *)runs->s[k], cols[k], runs->n[k]};
	rs_session *d = NULL;
	if (!rc && (rc = rs_diff_session(&side[0], &side[1], &d, err)))
		rs_err_prefix(err, "--export-diff %s: ", path);
	if (!rc) {
		switch (rs_diff_format_of(path)) {
		case RS_DIFF_PPROF:
			rs_diff_add_delta(d);
			rc = rs_save(d, path, rs_format_find("pprof"), err);
			break;
		case RS_DIFF_FOLDED: rc = rs_save(d, path, rs_format_find("collapsed"), err); break;
		default: rc = save_speedscope(d, runs, path, err);
		}
	}
	rs_session_free(d);
	free(cols[0]);
	free(cols[1]);
	return rc;
}
