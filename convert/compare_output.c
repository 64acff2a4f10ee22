/* The reports of rustscope compare, one writer per --ci-output mode
 * (docs/compare.md documents each): text, json, markdown, github, gitlab. */
#include "../lib/json_write.h"
#include "compare.h"

#include <math.h>
#include <string.h>

static const char *const ci_names[] = {"text", "github", "gitlab", "json", "markdown"};

const char *rs_ci_output_name(int mode)
{
	return ci_names[mode];
}

int rs_ci_output_parse(const char *name)
{
	for (int i = 0; i < RS_CI_NMODES; i++)
		if (!strcmp(ci_names[i], name))
			return i;
	return -1;
}

const char *rs_fail_on_name(int fail_on)
{
	return fail_on == RS_FAIL_ON_ANY ? "any" : rs_severity_name(fail_on);
}

int rs_fail_on_parse(const char *name)
{
	return !strcmp(name, "any") ? RS_FAIL_ON_ANY : rs_severity_parse(name);
}

bool rs_cmp_row_fails(const rs_cmp_report *r, const rs_cmp_row *row)
{
	if (row->status == RS_ST_NEW)
		return r->fail_on == RS_FAIL_ON_ANY && row->significant;
	return row->status == RS_ST_REGRESSION && (int)row->severity >= r->fail_on;
}

size_t rs_cmp_failures(const rs_cmp_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->res->nrows; i++)
		n += rs_cmp_row_fails(r, &r->res->rows[i]);
	return n;
}

/* The lists every report has, in its order: the title and the JSON key. */
static const struct {
	rs_cmp_status st;
	const char *title, *key;
} lists[] = {{RS_ST_REGRESSION, "Regressions", "regressions"},
	     {RS_ST_IMPROVEMENT, "Improvements", "improvements"},
	     {RS_ST_NEW, "New", "new"},
	     {RS_ST_VANISHED, "Vanished", "vanished"}};
enum { NLISTS = sizeof lists / sizeof *lists };

static size_t count_status(const rs_cmp_result *res, rs_cmp_status st)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nrows; i++)
		n += res->rows[i].status == st;
	return n;
}

/* --- values as people read them --- */

static void put_scaled(rs_strbuf *sb, double v, const char *const *units, const double *div, size_t n)
{
	size_t k = 0;
	while (k + 1 < n && fabs(v) >= div[k + 1])
		k++;
	rs_sb_addf(sb, "%.3g %s", v / div[k], units[k]);
}

static void put_value(rs_strbuf *sb, const char *unit, double v)
{
	static const char *const times[] = {"ns", "us", "ms", "s"}, *const sizes[] = {"B", "KiB", "MiB",
										      "GiB"};
	static const double tdiv[] = {1, 1e3, 1e6, 1e9}, sdiv[] = {1, 1024, 1048576, 1073741824};
	if (isnan(v))
		rs_sb_adds(sb, "-");
	else if (!strcmp(unit, "share"))
		rs_sb_addf(sb, "%.2f%%", v * 100);
	else if (!strcmp(unit, "nanoseconds"))
		put_scaled(sb, v, times, tdiv, 4);
	else if (!strcmp(unit, "bytes"))
		put_scaled(sb, v, sizes, sdiv, 4);
	else
		rs_sb_addf(sb, "%.4g%s%s", v, *unit ? " " : "", unit);
}

static void put_pct(rs_strbuf *sb, double v)
{
	if (isnan(v))
		rs_sb_adds(sb, "-");
	else
		rs_sb_addf(sb, "%+.1f%%", v * 100);
}

static void put_num(rs_strbuf *sb, double v)
{
	if (isnan(v))
		rs_sb_adds(sb, "-");
	else
		rs_sb_addf(sb, "%.2g", v);
}

/* "app::parse", "app::engine (module)". */
static void put_row_name(rs_strbuf *sb, const rs_cmp_row *row)
{
	rs_sb_adds(sb, row->name);
	if (row->kind != RS_ROW_FUNCTION)
		rs_sb_addf(sb, " (%s)", rs_cmp_kind_name(row->kind));
}

/* What one observation is, in a phrase: "the share of the samples as the
 * leaf, one value per window (30 a run)". */
static void put_measure(rs_strbuf *sb, const rs_cmp_report *r)
{
	static const char *const what[] = {"the share of the samples as the leaf",
					   "the share of the samples on the stack",
					   "the mean",
					   "the 95th percentile",
					   "the 99th percentile",
					   "the bytes allocated (as the leaf)",
					   "the resident set size"};
	const rs_cmp_result *res = r->res;
	rs_cmp_metric m = r->o->metric;
	bool stat = m >= RS_CMP_MEAN && m <= RS_CMP_P99;
	if (res->interval_durations)
		rs_sb_addf(sb, "%s of the interval durations in each window (%zu a run)", what[m],
			   r->o->windows);
	else if (stat)
		rs_sb_addf(sb, "%s of each run's window shares of the samples as the leaf, one value per run",
			   what[m]);
	else if (res->obs == RS_OBS_WINDOWS)
		rs_sb_addf(sb, "%s, one value per window (%zu a run)", what[m], r->o->windows);
	else
		rs_sb_addf(sb, "%s, one value per run (no sample timestamps)", what[m]);
}

static void put_files(rs_strbuf *sb, const rs_cmp_report *r, int side)
{
	size_t n = r->runs->n[side];
	for (size_t i = 0; i < n && i < 3; i++)
		rs_sb_addf(sb, "%s%s", i ? ", " : "", r->runs->path[side][i]);
	if (n > 3)
		rs_sb_addf(sb, " and %zu more", n - 3);
}

static void put_side(rs_strbuf *sb, const rs_cmp_report *r, int side)
{
	put_files(sb, r, side);
	rs_sb_addf(sb, " (%zu run%s, %zu observation%s)", r->res->runs[side],
		   r->res->runs[side] == 1 ? "" : "s", r->res->nobs[side],
		   r->res->nobs[side] == 1 ? "" : "s");
}

/* A run-based comparison with too few runs tests nothing: say why. */
static bool too_few_runs(const rs_cmp_report *r)
{
	const rs_cmp_result *res = r->res;
	return res->obs == RS_OBS_RUNS &&
	       (res->nobs[0] < r->o->min_samples || res->nobs[1] < r->o->min_samples);
}

static void put_verdict(rs_strbuf *sb, const rs_cmp_report *r)
{
	size_t f = rs_cmp_failures(r);
	if (f)
		rs_sb_addf(sb, "FAIL: %zu regression%s at or above --fail-on %s", f, f == 1 ? "" : "s",
			   rs_fail_on_name(r->fail_on));
	else
		rs_sb_addf(sb, "PASS: no regression at or above --fail-on %s", rs_fail_on_name(r->fail_on));
}

/* "app::parse (function): self +62.0% (4.10% -> 6.64%), 95% CI +51.0% to
 * +73.0%, q = 3.1e-10": one finding in a line, for annotations. */
static void describe(rs_strbuf *sb, const rs_cmp_report *r, const rs_cmp_row *row)
{
	const char *unit = r->res->unit;
	put_row_name(sb, row);
	rs_sb_addf(sb, ": %s %s", rs_cmp_metric_name(r->o->metric), rs_cmp_status_name(row->status));
	if (!isnan(row->change)) {
		rs_sb_addc(sb, ' ');
		put_pct(sb, row->change);
	}
	rs_sb_adds(sb, " (");
	put_value(sb, unit, row->base.mean);
	rs_sb_adds(sb, " -> ");
	put_value(sb, unit, row->cur.mean);
	rs_sb_addc(sb, ')');
	if (!isnan(row->ci_low)) {
		rs_sb_addf(sb, ", %g%% CI ", 100 * (1 - r->o->alpha));
		put_pct(sb, row->ci_low);
		rs_sb_adds(sb, " to ");
		put_pct(sb, row->ci_high);
	}
	if (!isnan(row->q))
		rs_sb_addf(sb, ", q = %.2g", row->q);
}

/* --- text --- */

static const char *label_of(const rs_cmp_row *row)
{
	return row->status == RS_ST_REGRESSION ? rs_severity_name(row->severity)
					       : rs_cmp_status_name(row->status);
}

static void pad_to(rs_strbuf *sb, size_t line_start, size_t col)
{
	while (sb->len - line_start < col)
		rs_sb_addc(sb, ' ');
}

static void text_row(rs_strbuf *sb, const rs_cmp_report *r, const rs_cmp_row *row)
{
	size_t at = sb->len;
	rs_sb_addf(sb, "  %s", label_of(row));
	pad_to(sb, at, 13);
	put_pct(sb, row->change);
	pad_to(sb, at, 22);
	if (!isnan(row->ci_low)) {
		rs_sb_addc(sb, '[');
		put_pct(sb, row->ci_low);
		rs_sb_adds(sb, ", ");
		put_pct(sb, row->ci_high);
		rs_sb_addc(sb, ']');
	}
	pad_to(sb, at, 42);
	put_value(sb, r->res->unit, row->base.mean);
	pad_to(sb, at, 54);
	put_value(sb, r->res->unit, row->cur.mean);
	pad_to(sb, at, 66);
	put_num(sb, row->q);
	pad_to(sb, at, 75);
	put_row_name(sb, row);
	rs_sb_addc(sb, '\n');
}

static void text_section(rs_strbuf *sb, const rs_cmp_report *r, rs_cmp_status st, const char *title)
{
	size_t n = count_status(r->res, st);
	if (!n)
		return;
	rs_sb_addf(sb, "\n%s (%zu)%s:\n", title, n, st == RS_ST_REGRESSION ? ", worst first" : "");
	rs_sb_addf(sb, "  %-11s%-9s%-20s%-12s%-12s%-9s%s\n", "", "change", "CI", "baseline", "current", "q",
		   "row");
	for (size_t i = 0; i < r->res->nrows; i++)
		if (r->res->rows[i].status == st)
			text_row(sb, r, &r->res->rows[i]);
}

static void write_text(const rs_cmp_report *r, rs_strbuf *sb)
{
	const rs_cmp_result *res = r->res;
	rs_sb_addf(sb, "rustscope compare: metric %s: ", rs_cmp_metric_name(r->o->metric));
	put_measure(sb, r);
	rs_sb_adds(sb, "\n  baseline: ");
	put_side(sb, r, 0);
	rs_sb_adds(sb, "\n  current:  ");
	put_side(sb, r, 1);
	rs_sb_addf(sb,
		   "\n  %zu of %zu rows tested (Welch's t-test); flagged: a change of at least %g%% with\n"
		   "  Benjamini-Hochberg q <= %g; CI: %g%% confidence interval of the change\n",
		   res->tested, res->nrows, r->o->threshold * 100, r->o->alpha, 100 * (1 - r->o->alpha));
	if (too_few_runs(r))
		rs_sb_addf(
			sb,
			"  note: one observation per run and fewer than %zu runs a side: nothing can be\n"
			"  tested; give several runs a side (--compare-baseline A1 A2 A3 --compare-current\n"
			"  B1 B2 B3), or sessions with sample timestamps\n",
			r->o->min_samples);
	for (size_t k = 0; k < NLISTS; k++)
		text_section(sb, r, lists[k].st, lists[k].title);
	rs_sb_addf(sb, "\n%zu unchanged, %zu untested\n", count_status(res, RS_ST_UNCHANGED),
		   count_status(res, RS_ST_UNTESTED));
	put_verdict(sb, r);
	rs_sb_addc(sb, '\n');
}

/* --- json --- */

static void json_opt_str(rs_jw *w, const char *key, const char *v)
{
	rs_jw_key(w, key);
	v ? rs_jw_cstr(w, v) : rs_jw_null(w);
}

static void json_side(rs_jw *w, const char *key, const rs_moments *m)
{
	rs_jw_key(w, key);
	rs_jw_obj(w);
	rs_jw_key(w, "n");
	rs_jw_uint(w, m->n);
	rs_jw_key(w, "mean");
	rs_jw_double(w, m->n ? m->mean : NAN);
	rs_jw_key(w, "sd");
	rs_jw_double(w, m->n > 1 ? sqrt(rs_moments_var(m)) : NAN);
	rs_jw_obj_end(w);
}

static void json_num(rs_jw *w, const char *key, double v)
{
	rs_jw_key(w, key);
	rs_jw_double(w, v); /* NaN and infinities are written as null */
}

static void json_row(rs_jw *w, const rs_cmp_report *r, const rs_cmp_row *row)
{
	rs_jw_obj(w);
	rs_jw_key(w, "kind");
	rs_jw_cstr(w, rs_cmp_kind_name(row->kind));
	rs_jw_key(w, "name");
	rs_jw_cstr(w, row->name);
	json_opt_str(w, "crate", row->crate);
	json_opt_str(w, "module", row->module);
	json_opt_str(w, "file", row->file);
	rs_jw_key(w, "line");
	row->line > 0 ? rs_jw_int(w, row->line) : rs_jw_null(w);
	json_side(w, "baseline", &row->base);
	json_side(w, "current", &row->cur);
	json_num(w, "change", row->change);
	rs_jw_key(w, "ci");
	rs_jw_arr(w);
	rs_jw_double(w, row->ci_low);
	rs_jw_double(w, row->ci_high);
	rs_jw_arr_end(w);
	json_num(w, "effect_size", row->effect);
	json_num(w, "t", row->t);
	json_num(w, "df", row->df);
	json_num(w, "p", row->p);
	json_num(w, "q", row->q);
	rs_jw_key(w, "severity");
	row->severity ? rs_jw_cstr(w, rs_severity_name(row->severity)) : rs_jw_null(w);
	rs_jw_key(w, "fails");
	rs_jw_bool(w, rs_cmp_row_fails(r, row));
	rs_jw_obj_end(w);
}

static void json_files(rs_jw *w, const rs_cmp_report *r, int side, const char *key)
{
	rs_jw_key(w, key);
	rs_jw_obj(w);
	rs_jw_key(w, "files");
	rs_jw_arr(w);
	for (size_t i = 0; i < r->runs->n[side]; i++)
		rs_jw_cstr(w, r->runs->path[side][i]);
	rs_jw_arr_end(w);
	rs_jw_key(w, "runs");
	rs_jw_uint(w, r->res->runs[side]);
	rs_jw_key(w, "observations");
	rs_jw_uint(w, r->res->nobs[side]);
	rs_jw_obj_end(w);
}

static void write_json(const rs_cmp_report *r, rs_strbuf *sb)
{
	const rs_cmp_result *res = r->res;
	rs_jw w;
	rs_jw_init_buf(&w, sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "version");
	rs_jw_int(&w, 1);
	rs_jw_key(&w, "metric");
	rs_jw_cstr(&w, rs_cmp_metric_name(r->o->metric));
	rs_jw_key(&w, "unit");
	rs_jw_cstr(&w, res->unit);
	rs_jw_key(&w, "observations");
	rs_jw_cstr(&w, res->obs == RS_OBS_WINDOWS ? "windows" : "runs");
	rs_jw_key(&w, "interval_durations");
	rs_jw_bool(&w, res->interval_durations);
	rs_jw_key(&w, "windows_per_run");
	rs_jw_uint(&w, r->o->windows);
	json_num(&w, "threshold", r->o->threshold);
	json_num(&w, "alpha", r->o->alpha);
	rs_jw_key(&w, "min_samples");
	rs_jw_uint(&w, r->o->min_samples);
	rs_jw_key(&w, "fail_on");
	rs_jw_cstr(&w, rs_fail_on_name(r->fail_on));
	json_files(&w, r, 0, "baseline");
	json_files(&w, r, 1, "current");
	rs_jw_key(&w, "rows");
	rs_jw_uint(&w, res->nrows);
	rs_jw_key(&w, "tested");
	rs_jw_uint(&w, res->tested);
	rs_jw_key(&w, "failures");
	rs_jw_uint(&w, rs_cmp_failures(r));
	rs_jw_key(&w, "verdict");
	rs_jw_cstr(&w, rs_cmp_failures(r) ? "fail" : "pass");
	for (size_t k = 0; k < NLISTS; k++) {
		rs_jw_key(&w, lists[k].key);
		rs_jw_arr(&w);
		for (size_t i = 0; i < res->nrows; i++)
			if (res->rows[i].status == lists[k].st)
				json_row(&w, r, &res->rows[i]);
		rs_jw_arr_end(&w);
	}
	rs_jw_key(&w, "unchanged");
	rs_jw_uint(&w, count_status(res, RS_ST_UNCHANGED));
	rs_jw_key(&w, "untested");
	rs_jw_uint(&w, count_status(res, RS_ST_UNTESTED));
	rs_jw_obj_end(&w);
	rs_sb_addc(sb, '\n');
}

/* --- markdown --- */

/* Inside a code span in a table cell: a pipe would end the cell. */
static void md_code(rs_strbuf *sb, const rs_cmp_row *row)
{
	rs_sb_addc(sb, '`');
	for (const char *p = row->name; *p; p++)
		if (*p == '|')
			rs_sb_adds(sb, "\\|");
		else
			rs_sb_addc(sb, *p == '`' || *p == '\n' ? '\'' : *p);
	rs_sb_addc(sb, '`');
	if (row->kind != RS_ROW_FUNCTION)
		rs_sb_addf(sb, " (%s)", rs_cmp_kind_name(row->kind));
}

static void md_section(rs_strbuf *sb, const rs_cmp_report *r, rs_cmp_status st, const char *title)
{
	if (!count_status(r->res, st))
		return;
	rs_sb_addf(sb,
		   "\n#### %s\n\n| | change | CI | baseline | current | q | |\n"
		   "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n",
		   title);
	for (size_t i = 0; i < r->res->nrows; i++) {
		const rs_cmp_row *row = &r->res->rows[i];
		if (row->status != st)
			continue;
		const char *bold = rs_cmp_row_fails(r, row) ? "**" : ""; /* what fails the gate */
		rs_sb_addf(sb, "| %s%s%s | ", bold, label_of(row), bold);
		put_pct(sb, row->change);
		rs_sb_adds(sb, " | ");
		if (!isnan(row->ci_low)) {
			put_pct(sb, row->ci_low);
			rs_sb_adds(sb, " to ");
			put_pct(sb, row->ci_high);
		}
		rs_sb_adds(sb, " | ");
		put_value(sb, r->res->unit, row->base.mean);
		rs_sb_adds(sb, " | ");
		put_value(sb, r->res->unit, row->cur.mean);
		rs_sb_adds(sb, " | ");
		put_num(sb, row->q);
		rs_sb_adds(sb, " | ");
		md_code(sb, row);
		rs_sb_adds(sb, " |\n");
	}
}

static void write_markdown(const rs_cmp_report *r, rs_strbuf *sb)
{
	const rs_cmp_result *res = r->res;
	rs_sb_adds(sb, "### rustscope compare: ");
	put_verdict(sb, r);
	rs_sb_addf(sb, "\n\nMetric `%s`: ", rs_cmp_metric_name(r->o->metric));
	put_measure(sb, r);
	rs_sb_addf(sb,
		   ". Baseline: %zu run%s, current: %zu run%s. %zu of %zu rows tested with Welch's t-test; "
		   "flagged: a change of at least %g%% with Benjamini-Hochberg q <= %g. CI: %g%% confidence "
		   "interval of the change.\n",
		   res->runs[0], res->runs[0] == 1 ? "" : "s", res->runs[1], res->runs[1] == 1 ? "" : "s",
		   res->tested, res->nrows, r->o->threshold * 100, r->o->alpha, 100 * (1 - r->o->alpha));
	if (too_few_runs(r))
		rs_sb_adds(sb,
			   "\n> One observation per run and too few runs a side: nothing could be tested. "
			   "Give several runs a side, or sessions with sample timestamps.\n");
	for (size_t k = 0; k < NLISTS; k++)
		md_section(sb, r, lists[k].st, lists[k].title);
	rs_sb_addf(sb, "\n%zu unchanged, %zu untested.\n", count_status(res, RS_ST_UNCHANGED),
		   count_status(res, RS_ST_UNTESTED));
}

/* --- github workflow commands --- */

/* The escapes of workflow command data (and, with props, of property values). */
static void gh_escape(rs_strbuf *sb, const char *s, bool props)
{
	for (; *s; s++) {
		if (*s == '%')
			rs_sb_adds(sb, "%25");
		else if (*s == '\r')
			rs_sb_adds(sb, "%0D");
		else if (*s == '\n')
			rs_sb_adds(sb, "%0A");
		else if (props && *s == ':')
			rs_sb_adds(sb, "%3A");
		else if (props && *s == ',')
			rs_sb_adds(sb, "%2C");
		else
			rs_sb_addc(sb, *s);
	}
}

static void gh_command(rs_strbuf *sb, const rs_cmp_report *r, const rs_cmp_row *row, const char *cmd)
{
	rs_strbuf t = {0};
	rs_sb_addf(sb, "::%s ", cmd);
	if (row->file) {
		rs_sb_adds(sb, "file=");
		gh_escape(sb, row->file, true);
		if (row->line > 0)
			rs_sb_addf(sb, ",line=%lld", (long long)row->line);
		rs_sb_addc(sb, ',');
	}
	rs_sb_addf(&t, "rustscope compare: %s%s", label_of(row),
		   row->status == RS_ST_REGRESSION ? " regression" : "");
	rs_sb_adds(sb, "title=");
	gh_escape(sb, t.buf, true);
	rs_sb_adds(sb, "::");
	rs_sb_reset(&t);
	describe(&t, r, row);
	gh_escape(sb, t.buf, false);
	rs_sb_addc(sb, '\n');
	rs_sb_free(&t);
}

/* Failures as errors, other regressions and new functions as warnings,
 * improvements as notices. */
static void write_github(const rs_cmp_report *r, rs_strbuf *sb)
{
	write_text(r, sb);
	for (size_t i = 0; i < r->res->nrows; i++) {
		const rs_cmp_row *row = &r->res->rows[i];
		if (rs_cmp_row_fails(r, row))
			gh_command(sb, r, row, "error");
		else if (row->status == RS_ST_REGRESSION || (row->status == RS_ST_NEW && row->significant))
			gh_command(sb, r, row, "warning");
		else if (row->status == RS_ST_IMPROVEMENT)
			gh_command(sb, r, row, "notice");
	}
}

/* --- gitlab code quality --- */

static const char *gitlab_severity(const rs_cmp_row *row)
{
	static const char *const by_band[] = {"info", "minor", "major", "critical"};
	return by_band[row->severity];
}

/* Stable across runs for the same finding: GitLab matches reports by it. */
static void fingerprint(rs_strbuf *sb, const rs_cmp_report *r, const rs_cmp_row *row)
{
	uint64_t h[2] = {1469598103934665603ULL, 1099511628211ULL}; /* two FNV-1a lanes */
	const char *parts[] = {rs_cmp_metric_name(r->o->metric), rs_cmp_kind_name(row->kind), row->name};
	for (size_t k = 0; k < 3; k++)
		for (const char *p = parts[k];; p++) {
			h[0] = (h[0] ^ (unsigned char)*p) * 1099511628211ULL;
			h[1] = (h[1] ^ (unsigned char)*p) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
			if (!*p)
				break;
		}
	rs_sb_addf(sb, "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
}

static void gitlab_issue(rs_jw *w, const rs_cmp_report *r, const rs_cmp_row *row, rs_strbuf *scratch)
{
	rs_jw_obj(w);
	rs_sb_reset(scratch);
	describe(scratch, r, row);
	rs_jw_key(w, "description");
	rs_jw_str(w, scratch->buf, scratch->len);
	rs_jw_key(w, "check_name");
	rs_jw_cstr(w, row->status == RS_ST_NEW ? "rustscope-compare-new" : "rustscope-compare-regression");
	rs_sb_reset(scratch);
	fingerprint(scratch, r, row);
	rs_jw_key(w, "fingerprint");
	rs_jw_str(w, scratch->buf, scratch->len);
	rs_jw_key(w, "severity");
	rs_jw_cstr(w, gitlab_severity(row));
	rs_jw_key(w, "location");
	rs_jw_obj(w);
	rs_jw_key(w, "path");
	/* the code when the profile knows it, else the profile that shows it */
	rs_jw_cstr(w, row->file ? row->file : r->runs->path[1][0]);
	rs_jw_key(w, "lines");
	rs_jw_obj(w);
	rs_jw_key(w, "begin");
	rs_jw_int(w, row->file && row->line > 0 ? row->line : 1);
	rs_jw_obj_end(w);
	rs_jw_obj_end(w);
	rs_jw_obj_end(w);
}

/* Regressions, and significant new functions as "info". */
static void write_gitlab(const rs_cmp_report *r, rs_strbuf *sb)
{
	rs_strbuf scratch = {0};
	rs_jw w;
	rs_jw_init_buf(&w, sb);
	rs_jw_arr(&w);
	for (size_t i = 0; i < r->res->nrows; i++) {
		const rs_cmp_row *row = &r->res->rows[i];
		if (row->status == RS_ST_REGRESSION || (row->status == RS_ST_NEW && row->significant))
			gitlab_issue(&w, r, row, &scratch);
	}
	rs_jw_arr_end(&w);
	rs_sb_addc(sb, '\n');
	rs_sb_free(&scratch);
}

void rs_cmp_write(const rs_cmp_report *r, rs_ci_output mode, rs_strbuf *out)
{
	static void (*const writers[])(const rs_cmp_report *, rs_strbuf *) = {
		write_text, write_github, write_gitlab, write_json, write_markdown};
	writers[mode](r, out);
}
