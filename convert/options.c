#include "cli.h"

#include <stdio.h>
#include <string.h>

int rs_parse_options(const rs_cmd *cmd, int argc, char **argv, const char *shortopts,
		     const struct option *longopts, rs_opt_fn fn, void *ctx)
{
	char spec[64];
	/* ':' first: missing arguments come back as ':' instead of a printed message. */
	snprintf(spec, sizeof spec, ":%sqh", shortopts);
	opterr = 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, spec, longopts, NULL)) != -1) {
		const char *bad = argv[optind - 1];
		int rc;
		if (opt == '?')
			return rs_usage_error(cmd, "unknown option '%s'", optopt ? (char[]){'-', (char)optopt, 0} : bad);
		if (opt == ':')
			return rs_usage_error(cmd, "option '%s' needs an argument", bad);
		if (opt == 'q' || opt == 'h' || (opt >= OPT_MAX_INPUT && opt <= OPT_HELP))
			rc = rs_common_option(cmd, opt, optarg);
		else
			rc = fn(ctx, opt, optarg);
		if (rc)
			return rc;
	}
	return 0;
}
