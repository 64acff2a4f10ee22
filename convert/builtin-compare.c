/* rustscope compare: the baseline runs against the current runs, the
 * regressions flagged by schema/compare.c, reported in one --ci-output mode
 * (compare_output.c), the difference exported as a profile on request
 * (compare_export.c). docs/compare.md. */
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "cli.h"
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_THRESHOLD = 2000,
	OPT_METRIC,
	OPT_ALPHA,
	OPT_FAIL_ON,
	OPT_CI_OUTPUT,
	OPT_OUTPUT,
	OPT_MIN_SAMPLES,
	OPT_WINDOWS,
	OPT_EXPORT_DIFF,
	OPT_RUN_NOISE
};

typedef struct cmp_cli {
	const rs_cmd *cmd;
	const rs_format *from;
	rs_cmp_opts o;
	int fail_on;
	rs_ci_output mode;
	const char *output, *export_diff;
	const char **path[2]; /* the files of each side, in the order given */
	size_t npath[2], path_cap[2];
} cmp_cli;

static int parse_real(const cmp_cli *c, const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= lo && v <= hi))
		return rs_usage_error(c->cmd, "%s needs a number from %g to %g, got '%s'", opt, lo, hi, arg);
	*out = v;
	return 0;
}

static int parse_count(const cmp_cli *c, const char *opt, const char *arg, size_t lo, size_t hi, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < lo || v > hi)
		return rs_usage_error(c->cmd, "%s needs a whole number from %zu to %zu, got '%s'", opt, lo,
				      hi, arg);
	*out = (size_t)v;
	return 0;
}

/* A name from a fixed list, or a usage error listing them. */
static int parse_name(const cmp_cli *c, const char *opt, const char *arg, int (*parse)(const char *),
		      const char *list, int *out)
{
	int v = parse(arg);
	if (v < 0)
		return rs_usage_error(c->cmd, "%s is one of %s, got '%s'", opt, list, arg);
	*out = v;
	return 0;
}

static int cmp_option(void *ctx, int opt, const char *arg)
{
	cmp_cli *c = ctx;
	int v = 0, rc;
	switch (opt) {
	case OPT_THRESHOLD:
		if ((rc = parse_real(c, "--threshold", arg, 0, 1e6, &c->o.threshold)))
			return rc;
		c->o.threshold /= 100;
		return 0;
	case OPT_RUN_NOISE:
		if ((rc = parse_real(c, "--run-noise", arg, 0, 1e6, &c->o.run_noise)))
			return rc;
		c->o.run_noise /= 100;
		return 0;
	case OPT_ALPHA: return parse_real(c, "--alpha", arg, 1e-12, 1, &c->o.alpha);
	case OPT_MIN_SAMPLES: return parse_count(c, "--min-samples", arg, 2, 1000000, &c->o.min_samples);
	case OPT_WINDOWS: return parse_count(c, "--windows", arg, 1, 100000, &c->o.windows);
	case OPT_METRIC:
		rc = parse_name(c, "--metric", arg, rs_cmp_metric_parse,
				"self, total, mean, p95, p99, alloc, rss", &v);
		c->o.metric = rc ? c->o.metric : (rs_cmp_metric)v;
		return rc;
	case OPT_FAIL_ON:
		return parse_name(c, "--fail-on", arg, rs_fail_on_parse, "any, minor, moderate, critical",
				  &c->fail_on);
	case OPT_CI_OUTPUT:
		rc = parse_name(c, "--ci-output", arg, rs_ci_output_parse,
				"text, github, gitlab, json, markdown", &v);
		c->mode = rc ? c->mode : (rs_ci_output)v;
		return rc;
	case OPT_OUTPUT: c->output = arg; return 0;
	case OPT_EXPORT_DIFF:
		if (rs_diff_format_of(arg) < 0)
			return rs_usage_error(
				c->cmd,
				"--export-diff writes .pb.gz or .pprof, .folded, .collapsed or .txt, or "
				".speedscope.json; got '%s'",
				arg);
		c->export_diff = arg;
		return 0;
	case 'f':
		return (c->from = rs_format_find(arg)) ? 0
						       : rs_usage_error(c->cmd, "unknown format '%s'", arg);
	}
	return 0;
}

static void add_path(cmp_cli *c, int side, const char *path)
{
	RS_GROW(c->path[side], c->path_cap[side], c->npath[side] + 1);
	c->path[side][c->npath[side]++] = path;
}

/* The side an argument opens: 0 for --compare-baseline, 1 for
 * --compare-current, -1 otherwise; *inline_arg gets the value of the
 * --option=FILE spelling. */
static int side_of(const char *a, const char **inline_arg)
{
	static const char *const opts[] = {"--compare-baseline", "--compare-current"};
	for (int k = 0; k < 2; k++) {
		size_t n = strlen(opts[k]);
		if (!strncmp(a, opts[k], n) && (a[n] == 0 || a[n] == '=')) {
			*inline_arg = a[n] == '=' ? a + n + 1 : NULL;
			return k;
		}
	}
	return -1;
}

/* --compare-baseline and --compare-current take every file after them up
 * to the next option, which getopt cannot say: they are taken out of argv
 * here, and getopt reads the rest (rest[0..*nrest)). */
static int split_sides(cmp_cli *c, int argc, char **argv, char **rest, int *nrest)
{
	int side = -1, n = 0;
	bool opened[2] = {false, false};
	rest[n++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value;
		int k = side_of(a, &value);
		if (k >= 0) {
			side = k;
			opened[k] = true;
			if (value)
				add_path(c, k, value);
		} else if (side >= 0 && (a[0] != '-' || !strcmp(a, "-"))) {
			add_path(c, side, a);
		} else {
			side = -1;
			rest[n++] = argv[i];
		}
	}
	rest[n] = NULL;
	*nrest = n;
	for (int k = 0; k < 2; k++)
		if (opened[k] && !c->npath[k])
			return rs_usage_error(c->cmd, "%s needs at least one file",
					      k ? "--compare-current" : "--compare-baseline");
	return 0;
}

/* Files given without the side options: the short form BASELINE CURRENT. */
static int positional_files(cmp_cli *c, int argc, char **argv)
{
	int extra = argc - optind;
	if (!c->npath[0] && !c->npath[1] && extra == 2) {
		add_path(c, 0, argv[optind]);
		add_path(c, 1, argv[optind + 1]);
		return 0;
	}
	if (extra > 0 && (c->npath[0] || c->npath[1]))
		return rs_usage_error(c->cmd, "'%s': files go after --compare-baseline or --compare-current",
				      argv[optind]);
	if (extra > 0 && extra != 2)
		return rs_usage_error(c->cmd, "the short form takes two files, BASELINE CURRENT; got %d",
				      extra);
	if (!c->npath[0] || !c->npath[1])
		return rs_usage_error(c->cmd, "no %s files given", c->npath[0] ? "current" : "baseline");
	return 0;
}

static int load_side(const cmp_cli *c, int side, rs_cmp_runs *runs, rs_err *err)
{
	runs->path[side] = c->path[side];
	runs->s[side] = rs_xcalloc(c->npath[side] + 1, sizeof *runs->s[side]);
	for (size_t i = 0; i < c->npath[side]; i++) {
		int rc = rs_load(c->path[side][i], c->from, &runs->s[side][runs->n[side]], NULL, err);
		if (rc)
			return rc;
		runs->n[side]++;
		if ((rc = rs_cmp_check(runs->s[side][i], c->o.metric, err))) {
			rs_err_prefix(err, "%s: --metric %s: ", c->path[side][i],
				      rs_cmp_metric_name(c->o.metric));
			return rc;
		}
	}
	return 0;
}

static void free_runs(rs_cmp_runs *runs)
{
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < runs->n[k]; i++)
			rs_session_free(runs->s[k][i]);
		free(runs->s[k]);
	}
}

/* GitHub shows the Markdown appended to $GITHUB_STEP_SUMMARY as the job's
 * summary; a file that cannot be written costs the summary, not the gate. */
static void github_summary(const rs_cmp_report *r)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	if (!path || !*path)
		return;
	rs_strbuf md = {0};
	rs_cmp_write(r, RS_CI_MARKDOWN, &md);
	FILE *f = fopen(path, "a");
	bool ok = f && fwrite(md.buf, 1, md.len, f) == md.len;
	if (f)
		ok &= fclose(f) == 0;
	if (!ok)
		rs_warn("GITHUB_STEP_SUMMARY %s: cannot append the summary: %s", path, strerror(errno));
	rs_sb_free(&md);
}

static int write_report(const cmp_cli *c, const rs_cmp_report *r, rs_err *err)
{
	rs_strbuf sb = {0};
	rs_cmp_write(r, c->mode, &sb);
	rs_output out;
	int rc = rs_output_open(&out, c->output ? c->output : "-", err);
	if (!rc) {
		rs_output_write(&out, sb.buf, sb.len);
		rc = rs_output_commit(&out, err);
	}
	rs_sb_free(&sb);
	if (!rc && c->mode == RS_CI_GITHUB)
		github_summary(r);
	return rc;
}

static int run_compare(cmp_cli *c, rs_err *err)
{
	rs_cmp_runs runs = {0};
	int rc = load_side(c, 0, &runs, err);
	if (!rc)
		rc = load_side(c, 1, &runs, err);
	if (rc) {
		free_runs(&runs);
		return rc;
	}
	rs_cmp_result res;
	rs_compare((const rs_session *const *)runs.s[0], runs.n[0], (const rs_session *const *)runs.s[1],
		   runs.n[1], &c->o, &res);
	rs_cmp_report rep = {&res, &c->o, c->fail_on, &runs};
	size_t failures = rs_cmp_failures(&rep);
	rc = write_report(c, &rep, err);
	if (!rc && c->export_diff)
		rc = rs_cmp_export_diff(&runs, c->o.metric, c->export_diff, err);
	rs_cmp_result_free(&res);
	free_runs(&runs);
	return rc ? rc : failures ? RS_EFIDELITY : 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {{"threshold", required_argument, 0, OPT_THRESHOLD},
						 {"metric", required_argument, 0, OPT_METRIC},
						 {"alpha", required_argument, 0, OPT_ALPHA},
						 {"fail-on", required_argument, 0, OPT_FAIL_ON},
						 {"ci-output", required_argument, 0, OPT_CI_OUTPUT},
						 {"compare-output", required_argument, 0, OPT_OUTPUT},
						 {"min-samples", required_argument, 0, OPT_MIN_SAMPLES},
						 {"windows", required_argument, 0, OPT_WINDOWS},
						 {"run-noise", required_argument, 0, OPT_RUN_NOISE},
						 {"export-diff", required_argument, 0, OPT_EXPORT_DIFF},
						 {"from", required_argument, 0, 'f'},
						 RS_COMMON_LONGOPTS,
						 {0}};
	cmp_cli c = {.cmd = rs_cmd_find("compare"),
		     .o = {RS_CMP_SELF, 0.10, 0.05, 30, 3, 0.01},
		     .fail_on = RS_SEV_MINOR,
		     .mode = RS_CI_TEXT};
	char **rest = rs_xmalloc(((size_t)argc + 1) * sizeof *rest);
	int nrest, rc = split_sides(&c, argc, argv, rest, &nrest);
	if (!rc)
		rc = rs_parse_options(c.cmd, nrest, rest, "", longopts, cmp_option, &c);
	if (!rc)
		rc = positional_files(&c, nrest, rest);
	if (!rc) {
		rs_err err = {0};
		rc = run_compare(&c, &err);
		if (err.code)
			rs_report(&err);
	}
	free(rest);
	free(c.path[0]);
	free(c.path[1]);
	return rc < 0 ? 0 : rc;
}
