/* Shared parts of the subcommands (builtin-*.c): the command table, option
 * parsing helpers and loading a profile of any format into a session. */
#ifndef RS_CLI_H
#define RS_CLI_H

#include "../lib/error.h"
#include "../lib/input.h"
#include "../lib/output.h"
#include "../schema/session.h"

#include <getopt.h>
#include <stdbool.h>

typedef struct rs_format {
	const char *name;
	const char *aliases;  /* space-separated other names for --from/--to */
	const char *suffixes; /* space-separated output suffixes, longest first */
	int (*sniff)(const unsigned char *p, size_t n); /* confidence 0..100 */
	int (*import)(rs_input *in, rs_session *s, rs_err *err);
	int (*export)(const rs_session *s, rs_output *out, rs_err *err);
	const char *what;
	unsigned carries; /* RS_CARRY_* the format's own readers show */
} rs_format;

/* Kinds of session data, for what a format carries natively (its own
 * readers show them; the rustscope metadata some formats embed aside). */
enum {
	RS_CARRY_SAMPLES = 1, RS_CARRY_INTERVALS = 2, RS_CARRY_COUNTERS = 4, RS_CARRY_MARKERS = 8,
	RS_CARRY_MEMORY = 16, RS_CARRY_ALL = 31
};
/* Before writing s as to: when s holds data but none of it is carried by
 * to, fails with RS_EFIDELITY naming what is there and the formats that
 * carry it; when whole kinds are not carried, warns once (one line). */
int rs_check_carried(const rs_session *s, const char *in_path, const rs_format *to, rs_err *err);

const rs_format *rs_format_find(const char *name);
size_t rs_format_count(void);
const rs_format *rs_format_at(size_t i); /* registry order; NULL past the end */
const rs_format *rs_format_for_path(const char *path); /* by output suffix */
void rs_format_list(char *buf, size_t n, bool importers);
/* Picks the importer by content; the error lists what was tried. */
int rs_format_sniff(rs_input *in, const rs_format **out, rs_err *err);

/* Opens path, picks the importer (from, else by content), imports and
 * validates. *fmt_out gets the format used. */
int rs_load(const char *path, const rs_format *from, rs_session **out, const rs_format **fmt_out,
	    rs_err *err);
int rs_load_input(rs_input *in, const rs_format *from, rs_session **out, const rs_format **fmt_out,
		  rs_err *err);
/* Exports s to path atomically; nothing is left behind on failure. */
int rs_save(const rs_session *s, const char *path, const rs_format *to, rs_err *err);
/* Exports into an open output, committing it on success, aborting it on failure. */
int rs_export_to(const rs_session *s, rs_output *out, const rs_format *to, rs_err *err);
/* The format these first bytes are, by content; NULL when none matches. */
const rs_format *rs_format_detect(const unsigned char *p, size_t n);

/* Options every subcommand accepts: limits and -q. Long options with these
 * values are handled by rs_common_option. */
enum { OPT_MAX_INPUT = 1000, OPT_MAX_ELEMENTS, OPT_MAX_DEPTH, OPT_MAX_STRING, OPT_HELP };
#define RS_COMMON_LONGOPTS                                                                     \
	{"max-input-bytes", required_argument, 0, OPT_MAX_INPUT},                                \
	{"max-elements", required_argument, 0, OPT_MAX_ELEMENTS},                                \
	{"max-depth", required_argument, 0, OPT_MAX_DEPTH},                                      \
	{"max-string-bytes", required_argument, 0, OPT_MAX_STRING},                              \
	{"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}
#define RS_COMMON_HELP                                                                         \
	"  -q, --quiet              no warnings or progress\n"                                 \
	"  --max-input-bytes N      limit on one input's decompressed size (default 4G)\n"     \
	"  --max-elements N         limit on elements of one array/table (default 200M)\n"     \
	"  --max-depth N            limit on JSON nesting (default 1024)\n"                    \
	"  --max-string-bytes N     limit on one string (default 64M)\n"                      \
	"  -h, --help               this help\n"

typedef struct rs_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line for `rustscope --help` */
	const char *usage;
	const char *help;
} rs_cmd;

const rs_cmd *rs_cmd_find(const char *name);
/* Handles a common option; returns 0, or an exit code (help printed = -1). */
int rs_common_option(const rs_cmd *cmd, int opt, const char *arg);
/* Prints "rustscope CMD: msg" and the usage line; returns RS_EUSAGE. */
int rs_usage_error(const rs_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rs_report(const rs_err *err); /* prints the error once; returns its code */
void rs_print_help(const rs_cmd *cmd);

/* getopt_long over argv with the common options handled; fn gets the
 * command's own. Returns 0, RS_EUSAGE, or -1 when --help was printed.
 * longopts must end with RS_COMMON_LONGOPTS and a zero entry. */
typedef int (*rs_opt_fn)(void *ctx, int opt, const char *arg);
int rs_parse_options(const rs_cmd *cmd, int argc, char **argv, const char *shortopts,
		     const struct option *longopts, rs_opt_fn fn, void *ctx);

int cmd_convert(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_correlate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_roundtrip(int argc, char **argv);
int cmd_record(int argc, char **argv);

#endif
