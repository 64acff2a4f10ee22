/* rustscope validate FILE...: import each file, check the session. */
#include "../lib/strbuf.h"
#include "../schema/validate.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

typedef struct validate_opts {
	const rs_cmd *cmd;
	const rs_format *from;
} validate_opts;

static int validate_option(void *ctx, int opt, const char *arg)
{
	validate_opts *o = ctx;
	if (opt == 'f' && !(o->from = rs_format_find(arg)))
		return rs_usage_error(o->cmd, "unknown format '%s'", arg);
	return 0;
}

/* Validates one file; structural problems are all listed, not just the first. */
static int validate_one(const validate_opts *o, const char *path)
{
	rs_err err = {0};
	rs_session *s;
	const rs_format *fmt;
	int rc = rs_load(path, o->from, &s, &fmt, &err);
	if (rc) {
		rs_report(&err);
		return rc;
	}
	rs_strbuf all = {0};
	rs_err verr = {0};
	rc = rs_session_validate(s, path, &all, &verr);
	if (rc)
		fputs(all.buf, stderr);
	else
		printf("%s: ok (%s: %zu samples, %zu frames, %zu stacks)\n", path, fmt->name, s->samples.n,
		       s->nframes, s->nstacks);
	rs_sb_free(&all);
	rs_session_free(s);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {{"from", required_argument, 0, 'f'}, RS_COMMON_LONGOPTS, {0}};
	validate_opts o = {.cmd = rs_cmd_find("validate")};
	int rc = rs_parse_options(o.cmd, argc, argv, "", longopts, validate_option, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind >= argc)
		return rs_usage_error(o.cmd, "no FILE given");
	int worst = 0;
	for (int i = optind; i < argc; i++) {
		rc = validate_one(&o, argv[i]);
		/* Invalid input (3) is the expected finding; I/O trouble (4) outranks it. */
		if (rc > worst)
			worst = rc;
	}
	return worst;
}
