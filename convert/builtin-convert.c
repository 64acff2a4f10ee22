/* rustscope convert: one profile from any readable format to any writable
 * one, through the session model. */
#include "../exporters/exporters.h"
#include "../importers/importers.h"
#include "../lib/warn.h"
#include "../schema/rollup.h"
#include "batch.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* RustScope's spellings --import-FORMAT F / --export-FORMAT OUT: option
 * values OPT_IMPORT + i / OPT_EXPORT + i name spellings[i]. */
static const char *const spellings[] = {"pprof", "json", "rustscope", "chrome", "speedscope", "collapsed"};
enum { NSPELL = sizeof spellings / sizeof *spellings };
enum { OPT_FROM = 'f', OPT_TO = 't', OPT_ROLLUPS = 2000, OPT_BATCH, OPT_KEEP_GOING, OPT_FORCE, OPT_REPORT,
       OPT_COLLAPSED_NAMES, OPT_EVENTS, OPT_IMPORT = 2100, OPT_EXPORT = 2200 };

typedef struct convert_opts {
	const rs_cmd *cmd;
	const char *in, *out;
	const rs_format *from, *to;
	bool rollups;
	rs_batch_opts batch; /* batch.in set: --batch mode */
} convert_opts;

static const struct option longopts[] = {
	{"output", required_argument, 0, 'o'},
	{"from", required_argument, 0, OPT_FROM},
	{"to", required_argument, 0, OPT_TO},
	{"rollups", no_argument, 0, OPT_ROLLUPS},
	{"batch", required_argument, 0, OPT_BATCH},
	{"jobs", required_argument, 0, 'j'},
	{"keep-going", no_argument, 0, OPT_KEEP_GOING},
	{"force", no_argument, 0, OPT_FORCE},
	{"report", required_argument, 0, OPT_REPORT},
	{"collapsed-names", required_argument, 0, OPT_COLLAPSED_NAMES},
	{"events", required_argument, 0, OPT_EVENTS},
	{"import-pprof", required_argument, 0, OPT_IMPORT + 0},
	{"import-json", required_argument, 0, OPT_IMPORT + 1},
	{"import-rustscope", required_argument, 0, OPT_IMPORT + 2},
	{"import-chrome", required_argument, 0, OPT_IMPORT + 3},
	{"import-speedscope", required_argument, 0, OPT_IMPORT + 4},
	{"import-collapsed", required_argument, 0, OPT_IMPORT + 5},
	{"export-pprof", required_argument, 0, OPT_EXPORT + 0},
	{"export-json", required_argument, 0, OPT_EXPORT + 1},
	{"export-chrome", required_argument, 0, OPT_EXPORT + 3},
	{"export-speedscope", required_argument, 0, OPT_EXPORT + 4},
	{"export-collapsed", required_argument, 0, OPT_EXPORT + 5},
	RS_COMMON_LONGOPTS,
	{0},
};

static int set_format(convert_opts *o, const rs_format **slot, const char *name)
{
	if ((*slot = rs_format_find(name)))
		return 0;
	char in[256], out[256];
	rs_format_list(in, sizeof in, true);
	rs_format_list(out, sizeof out, false);
	return rs_usage_error(o->cmd, "unknown or unsupported format '%s' (reads: %s; writes: %s)", name, in, out);
}

static int set_path(convert_opts *o, const char **slot, const char *path, const char *what)
{
	if (*slot)
		return rs_usage_error(o->cmd, "more than one %s given ('%s' and '%s')", what, *slot, path);
	*slot = path;
	return 0;
}

static int convert_option(void *ctx, int opt, const char *arg)
{
	convert_opts *o = ctx;
	int rc;
	if (opt >= OPT_IMPORT && opt < OPT_IMPORT + NSPELL)
		return (rc = set_path(o, &o->in, arg, "input")) ? rc
			: set_format(o, &o->from, spellings[opt - OPT_IMPORT]);
	if (opt >= OPT_EXPORT && opt < OPT_EXPORT + NSPELL)
		return (rc = set_path(o, &o->out, arg, "output")) ? rc
			: set_format(o, &o->to, spellings[opt - OPT_EXPORT]);
	switch (opt) {
	case 'o': return set_path(o, &o->out, arg, "output");
	case OPT_FROM: return set_format(o, &o->from, arg);
	case OPT_TO: return set_format(o, &o->to, arg);
	case OPT_ROLLUPS: o->rollups = true; return 0;
	case OPT_BATCH: return set_path(o, &o->batch.in, arg, "input");
	case OPT_KEEP_GOING: return 0; /* the default: bad files never stop a batch */
	case OPT_FORCE: o->batch.force = true; return 0;
	case OPT_REPORT: o->batch.report = arg; return 0;
	case OPT_COLLAPSED_NAMES: /* exporters/collapsed.c */
		if (strcmp(arg, "plain") && strcmp(arg, "rustscope"))
			return rs_usage_error(o->cmd, "--collapsed-names takes plain or rustscope, got '%s'", arg);
		rs_export_opts_cur.collapsed_rustscope_names = !strcmp(arg, "rustscope");
		return 0;
	case OPT_EVENTS: /* schema/interval_samples.h */
		if (strcmp(arg, "as-stacks") && strcmp(arg, "keep"))
			return rs_usage_error(o->cmd, "--events takes as-stacks or keep, got '%s'", arg);
		rs_import_opts_cur.events_keep = !strcmp(arg, "keep");
		rs_export_opts_cur.events_as_stacks = !strcmp(arg, "as-stacks");
		return 0;
	case 'j':
		o->batch.jobs = atoi(arg);
		return o->batch.jobs > 0 && o->batch.jobs <= 256 ? 0
			: rs_usage_error(o->cmd, "-j needs a number of jobs 1..256, got '%s'", arg);
	}
	return 0;
}

static int parse_batch(convert_opts *o, int argc)
{
	if (optind < argc)
		return rs_usage_error(o->cmd, "--batch takes its input as the option's argument");
	if (!o->out)
		return rs_usage_error(o->cmd, "--batch needs -o OUT (a directory or an archive)");
	if (!o->to)
		return rs_usage_error(o->cmd, "--batch needs --to FORMAT");
	if (!o->to->export)
		return rs_usage_error(o->cmd, "format %s can be read but not written", o->to->name);
	o->batch.out = o->out;
	o->batch.to = o->to;
	if (!o->batch.jobs)
		o->batch.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN) > 0 ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	return 0;
}

static int parse(convert_opts *o, int argc, char **argv)
{
	int rc = rs_parse_options(o->cmd, argc, argv, "o:j:", longopts, convert_option, o);
	if (rc)
		return rc;
	if (o->batch.in)
		return parse_batch(o, argc);
	for (int i = optind; i < argc; i++)
		if ((rc = set_path(o, &o->in, argv[i], "input")))
			return rc;
	if (!o->in)
		return rs_usage_error(o->cmd, "no input given");
	if (!o->out)
		return rs_usage_error(o->cmd, "no output given (-o OUT, or - for stdout)");
	if (!o->to && strcmp(o->out, "-") == 0)
		o->to = rs_format_find("session");
	if (!o->to && !(o->to = rs_format_for_path(o->out)))
		return rs_usage_error(o->cmd, "cannot tell the output format from '%s'; use --to FORMAT", o->out);
	if (!o->to->export)
		return rs_usage_error(o->cmd, "format %s can be read but not written", o->to->name);
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	convert_opts o = {.cmd = rs_cmd_find("convert")};
	int rc = parse(&o, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rs_err err = {0};
	if (o.batch.in) {
		o.batch.quiet = rs_quiet;
		rc = rs_batch_run(&o.batch, &err);
		return rc == RS_EBATCH ? rc : rc ? rs_report(&err) : 0;
	}
	rs_session *s = NULL;
	const rs_format *from = NULL;
	rc = rs_load(o.in, o.from, &s, &from, &err);
	if (!rc && o.rollups)
		rs_rollups_compute(s);
	if (!rc)
		rc = rs_check_carried(s, o.in, o.to, &err);
	if (!rc)
		rc = rs_save(s, o.out, o.to, &err);
	rs_session_free(s);
	return rc ? rs_report(&err) : 0;
}
