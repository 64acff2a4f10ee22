/* rustscope: one binary, subcommands in the style of git and perf. */
#include "../lib/limits.h"
#include "../lib/warn.h"
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RS_VERSION
#define RS_VERSION "0.0.0"
#endif

#define EXIT_CODES                                                                             \
	"Exit codes: 0 ok, 1 regression or fidelity failure, 2 usage error,\n"                    \
	"            3 invalid input, 4 I/O or system error,\n"                                   \
	"            5 batch finished with some files failed.\n"

static const rs_cmd commands[] = {
	{"convert", cmd_convert, "convert a profile between formats, one file or a batch",
	 "rustscope convert IN -o OUT [--from FORMAT] [--to FORMAT]\n"
	 "   or: rustscope convert --import-FORMAT IN --export-FORMAT OUT\n"
	 "   or: rustscope convert --batch IN --to FORMAT -o OUT [-j N] [--force] [--report R.json]",
	 "Convert a profile between formats. The input format is detected from the content\n"
	 "(never the extension); the output format comes from --to or OUT's suffix.\n"
	 "'-' reads stdin / writes stdout. The output is written atomically.\n\n"
	 "  -o, --output OUT         output file ('-' = stdout)\n"
	 "  --from FORMAT            force the input format\n"
	 "  --to FORMAT              output format (default: from OUT's suffix, else session)\n"
	 "  --import-pprof F, --import-json F, --import-rustscope F\n"
	 "  --export-json OUT, --export-pprof OUT\n"
	 "                           RustScope's spellings of the same\n"
	 "  --rollups                compute crate/module/function rollups into the session\n"
	 "  --collapsed-names plain|rustscope\n"
	 "                           collapsed output: frames as written, or rustscope[crate][module]::fn\n"
	 "  --events as-stacks|keep  Chrome trace intervals (X, B/E) also become stacks weighted\n"
	 "                           by self time, for pprof, collapsed and .cpuprofile (default);\n"
	 "                           as-stacks also writes them as speedscope sampled profiles;\n"
	 "                           keep: intervals only\n\n"
	 "An output that could show nothing of the input (say, only instant events to pprof) is\n"
	 "not written: exit 1, naming the formats that can carry it.\n\n"
	 "Batch mode converts every profile in IN (a directory, or a .tar, .tar.gz, .tar.zst,\n"
	 ".tar.xz or .zip) into OUT (a directory, or an archive of those kinds):\n"
	 "  --batch IN               the input directory or archive (read as a stream)\n"
	 "  -j, --jobs N             parallel conversions (default: the number of cores)\n"
	 "  --force                  replace existing outputs\n"
	 "  --report FILE            write a JSON report of every file\n"
	 "  --keep-going             (the default) bad files never stop the batch\n"
	 "Files that are not profiles are skipped and listed; failures are listed with their\n"
	 "error and the exit code is 5. Absolute paths, '..' and links are refused.\n"},
	{"validate", cmd_validate, "check that profiles import and give a valid session",
	 "rustscope validate [--from FORMAT] FILE...",
	 "Check that each FILE imports and that the session is structurally valid (indices in\n"
	 "range, acyclic stacks, one value per sample type, ...). Every problem is printed with\n"
	 "its file and JSON path. Exit 0 when all are valid, 3 otherwise.\n\n"
	 "  --from FORMAT            force the input format\n"},
	{"roundtrip", cmd_roundtrip, "send profiles through other formats and back; report losses",
	 "rustscope roundtrip [--via FORMAT]... [--native] [--json] [--expected TSV] FILE...\n"
	 "   or: rustscope roundtrip --matrix DIR [--via FORMAT]... [--native] [--json]",
	 "Send profiles through other formats and back, and report per route what was kept\n"
	 "and what was lost: sample totals per type, stacks, frame names, frame locations,\n"
	 "Rust crate/module, threads, timestamps, labels, timeline, metadata. A loss is a\n"
	 "failure (exit 1) unless the expected-loss table lists it for that format.\n\n"
	 "  --via FORMAT             route through FORMAT (repeatable; default: every format\n"
	 "                           that can be written and read back)\n"
	 "  --matrix DIR             every file under DIR: a table of source format x route\n"
	 "  --json                   machine-readable output (for CI)\n"
	 "  --expected TSV           expected-loss table to use instead of the built-in one\n"
	 "  --native                 ignore the session rustscope embeds in the files it writes,\n"
	 "                           to see what each format itself carries; only then are\n"
	 "                           the table's expected losses accepted\n"},
	{"record", cmd_record, "sample a command or a process and write a session",
	 "rustscope record [-F HZ] [--duration S] [--call-graph auto|fp|dwarf] [--name NAME] [--tag k=v]...\n"
	 "                 [-o OUT] [-v] (--pid PID | -- CMD ARGS...)\n"
	 "   or: rustscope record --continuous [--retention DUR] [--buffer-mb N] [--output-dir DIR]\n"
	 "                 [--enable-snapshots] (--pid PID | -- CMD ARGS...)\n"
	 "   or: rustscope record --alloc [--alloc-sample-bytes N] [-o OUT] -- CMD ARGS...",
	 "Sample a command (or a running process) with perf_event's cpu-clock and write a session\n"
	 "with symbolized stacks (Rust crate/module, file/line, inlined frames), threads and /proc\n"
	 "timelines. Ctrl-C stops and still writes OUT. Needs perf_event_open (root, CAP_PERFMON\n"
	 "or kernel.perf_event_paranoid <= 2 for your own processes); exit 4 otherwise.\n\n"
	 "  -F, --freq HZ            samples per second (default 99)\n"
	 "  --duration S             stop after S seconds (default: when the target ends)\n"
	 "  --call-graph auto|fp|dwarf  auto (default): CFI of a stack copy, frame pointers where\n"
	 "                           no CFI covers a pc; fp: frame pointers only; dwarf: libdw or\n"
	 "                           libunwind over a bigger stack copy\n"
	 "  --unwinder libdw|libunwind  back end of --call-graph dwarf (default libdw)\n"
	 "  --stack-size BYTES       user stack copied per sample (default 8192)\n"
	 "  --kill-after S           a command record ends (Ctrl-C, --duration) gets SIGTERM, then\n"
	 "                           SIGKILL after S seconds (default 2); the file is written first\n"
	 "  --lib-dwarf              also read the DWARF of separate debug files (libc6-dbg,\n"
	 "                           -dbgsym packages): inline frames and lines in libraries,\n"
	 "                           ~0.1 s each; by default their symbol tables name functions\n"
	 "  --pid PID                attach to a running process (all its threads)\n"
	 "  --interval MS            /proc sampling period (default 100)\n"
	 "  --name NAME, --tag K=V   session name and tags\n"
	 "  --debuginfod             let libdw ask DEBUGINFOD_URLS servers for missing debug info\n"
	 "  -o, --output OUT         output; format by suffix (default record.session.json)\n"
	 "  -v, --verbose            progress and counts\n\n"
	 "Continuous mode keeps the last stretch of samples and /proc counters in a\n"
	 "fixed-size ring and writes it on request (docs/continuous.md):\n"
	 "  --continuous             run until the target ends or SIGINT/SIGTERM; SIGUSR1\n"
	 "                           writes the window, SIGUSR2 clears it\n"
	 "  --retention DUR          keep at most DUR (90s, 15m, 1h; default 60m);\n"
	 "                           --retention-minutes N is the same\n"
	 "  --buffer-mb N            the ring's size (default 2: about an hour at 99 Hz)\n"
	 "  --output-dir DIR         where files go, as NAME-<UTC time>.EXT (default .)\n"
	 "  --continuous-format FMT  format of those files (default session)\n"
	 "  --flush-on-exit          also write a file when the target ends\n"
	 "  --enable-snapshots       a window with the hottest functions per interval\n"
	 "  --snapshot-interval DUR  its length (default 5s)\n"
	 "  --correlation-padding-ms N  added to both ends of each snapshot (default 100)\n\n"
	 "Allocation profiling loads librustscope_alloc.so into the command (LD_PRELOAD) and\n"
	 "writes a heap profile instead of CPU samples (docs/alloc.md):\n"
	 "  --alloc                  sample malloc, calloc, realloc, free and the aligned\n"
	 "                           allocators: alloc_objects, alloc_space, inuse_objects,\n"
	 "                           inuse_space per stack, memory events, heap counters;\n"
	 "                           stacks by libunwind, or frame pointers with --call-graph fp\n"
	 "  --alloc-sample-bytes N   mean bytes between samples (default 524288; K, M suffixes;\n"
	 "                           1 records every allocation)\n"
	 "  --alloc-max-events N     memory events kept in the session (default 1000000)\n"},
	{"info", cmd_info, "summarize a profile: sample types, counts, top functions",
	 "rustscope info [--json] [--sample-type TYPE] [--top N] FILE\n"
	 "   or: rustscope info --leaks [--json] [--top N] FILE",
	 "A short summary of a profile: format, sample types, counts of samples, frames, stacks\n"
	 "and threads, duration, and the top functions by self and by total.\n\n"
	 "  --leaks                  the memory still in use at the end of a heap profile\n"
	 "                           (record --alloc, or pprof's inuse_space), by stack, crate\n"
	 "                           and module, largest first; each stack is shown from its\n"
	 "                           allocation site (malloc and alloc:: frames skipped)\n"
	 "  --json                   machine-readable output\n"
	 "  --sample-type TYPE       value column to rank by (default: the default sample type)\n"
	 "  --top N                  number of functions listed (default 10)\n"
	 "  --from FORMAT            force the input format\n"},
	{"correlate", cmd_correlate, "explain counter spikes by the functions running then",
	 "rustscope correlate [--spikes] [--at TIME]... [--padding-ms N] [--top N]\n"
	 "                           [--json] SESSION",
	 "Find the spikes of each counter lane (CPU %, RSS, FDs, threads, rates...) and\n"
	 "rank the functions by how much more of the samples they take in the window\n"
	 "around each spike than outside it, with each lane's change over the window.\n"
	 "SESSION is any file rustscope imports with sample timestamps, intervals or\n"
	 "counter lanes (exit 3 without). A spike is a run of points more than 6 MADs\n"
	 "from the lane's median (values of rate lanes, steps of level lanes) that moves\n"
	 "the lane by at least 10% of its level. Details: docs/correlate.md.\n\n"
	 "  --spikes                 every spike (the default without --at)\n"
	 "  --at TIME                the window around TIME: absolute ns like the\n"
	 "                           samples' time_ns, or from the session's start\n"
	 "                           with a unit (12.5s, 300ms); repeatable\n"
	 "  --padding-ms N           widen windows by N ms each side (default 100);\n"
	 "                           also spelled --correlation-padding-ms\n"
	 "  --top N                  functions listed per window (default 10)\n"
	 "  --json                   {\"spikes\": [{lane, start_ns, end_ns, delta,\n"
	 "                           window, functions, counter_deltas}...]}\n"
	 "  --from FORMAT            force the input format\n"},
	{"compare", cmd_compare, "flag significant regressions between two sets of runs",
	 "rustscope compare [OPTIONS] BASELINE CURRENT\n"
	 "   or: rustscope compare --compare-baseline A... --compare-current B... ...",
	 "Compare the baseline runs with the current runs per function, module and\n"
	 "crate, and flag regressions: a change of at least --threshold percent that\n"
	 "Welch's t-test finds significant after Benjamini-Hochberg correction over\n"
	 "all rows. Each run is cut into --windows time windows, one value each (one\n"
	 "value per run when samples have no timestamps); more files per side add\n"
	 "runs. Inputs may be of any format rustscope reads, mixed. Details:\n"
	 "docs/compare.md.\n\n"
	 "  --compare-baseline F...  the baseline runs (every file up to the next option)\n"
	 "  --compare-current F...   the current runs\n"
	 "  --metric M               self (default), total, mean, p95, p99, alloc, rss\n"
	 "  --threshold PCT          the smallest relative change flagged (default 10)\n"
	 "  --alpha A                false discovery rate (default 0.05)\n"
	 "  --fail-on LEVEL          any, minor (default), moderate or critical: exit 1\n"
	 "                           when a regression at or above it is found\n"
	 "  --ci-output MODE         text (default), github, gitlab, json, markdown\n"
	 "  --compare-output FILE    write the report to FILE, not standard output\n"
	 "  --min-samples N          observations a side for a test (default 3)\n"
	 "  --windows N              time windows a run (default 30)\n"
	 "  --run-noise PCT          run-to-run variation of a mean that the windows of\n"
	 "                           one run cannot show (default 1)\n"
	 "  --export-diff OUT        the difference as a profile, by suffix: .pb.gz\n"
	 "                           (pprof, baseline subtracted), .folded (before and\n"
	 "                           after columns), .speedscope.json (delta per frame)\n"
	 "  --from FORMAT            force the input format\n\n"
	 "Severity by the relative change: minor below 25%, moderate below 50%,\n"
	 "critical from 50%. New and vanished functions are listed apart (--fail-on\n"
	 "any fails on significant new ones). Exit 0 when nothing at or above\n"
	 "--fail-on regressed, 1 when something did.\n"},
};
enum { NCOMMANDS = sizeof commands / sizeof *commands };

const rs_cmd *rs_cmd_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void rs_print_help(const rs_cmd *cmd)
{
	char in[256], out[256];
	rs_format_list(in, sizeof in, true);
	rs_format_list(out, sizeof out, false);
	printf("usage: %s\n\n%s%s\nFormats: read %s;\n         write %s.\n%s", cmd->usage, cmd->help,
	       RS_COMMON_HELP, in, out, EXIT_CODES);
}

int rs_usage_error(const rs_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "rustscope %s: ", cmd->name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n(see rustscope %s --help)\n", cmd->usage, cmd->name);
	return RS_EUSAGE;
}

int rs_report(const rs_err *err)
{
	if (err->code)
		fprintf(stderr, "rustscope: %s\n", err->msg);
	return err->code;
}

static int parse_size(const rs_cmd *cmd, const char *opt, const char *arg, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	uint64_t mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1ULL << 10;
	else if (*end == 'm' || *end == 'M')
		mul = 1ULL << 20;
	else if (*end == 'g' || *end == 'G')
		mul = 1ULL << 30;
	if (mul > 1)
		end++;
	if (errno || end == arg || *end || v == 0 || arg[0] == '-')
		return rs_usage_error(cmd, "%s needs a positive number (with optional k/M/G), got '%s'", opt, arg);
	*out = v * mul;
	return 0;
}

int rs_common_option(const rs_cmd *cmd, int opt, const char *arg)
{
	uint64_t v;
	int rc;
	switch (opt) {
	case 'q': rs_quiet = 1; return 0;
	case 'h': rs_print_help(cmd); return -1;
	case OPT_MAX_INPUT: return parse_size(cmd, "--max-input-bytes", arg, &rs_limits_cur.max_input_bytes);
	case OPT_MAX_ELEMENTS: return parse_size(cmd, "--max-elements", arg, &rs_limits_cur.max_elements);
	case OPT_MAX_STRING: return parse_size(cmd, "--max-string-bytes", arg, &rs_limits_cur.max_string_bytes);
	case OPT_MAX_DEPTH:
		if ((rc = parse_size(cmd, "--max-depth", arg, &v)))
			return rc;
		if (v > RS_LIMIT_DEPTH_MAX) /* deeper would overflow the parser's stack */
			return rs_usage_error(cmd, "--max-depth is at most %u, got '%s'", RS_LIMIT_DEPTH_MAX, arg);
		rs_limits_cur.max_depth = (uint32_t)v;
		return 0;
	}
	return rs_usage_error(cmd, "unknown option '%s'", arg ? arg : "?");
}

static void main_help(void)
{
	printf("usage: rustscope [--version] [--help] COMMAND [ARGS]\n\n"
	       "The interop layer of profiling: convert between pprof, Chrome traces,\n"
	       "speedscope, collapsed stacks and RustScope sessions, keeping metadata\n"
	       "through round trips.\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\nrustscope help COMMAND, or rustscope COMMAND --help, for details.\n%s", EXIT_CODES);
}

/* Output lost on the way to stdout (a full disk, /dev/full) is an I/O
 * error even when all else went well; stdio only says so at the flush. */
static int close_stdout(int rc)
{
	errno = 0;
	bool lost = fflush(stdout) != 0 || ferror(stdout);
	lost |= fclose(stdout) != 0;
	if (!lost || rc)
		return rc;
	fprintf(stderr, "rustscope: cannot write standard output: %s\n", errno ? strerror(errno) : "write error");
	return RS_EIO;
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		main_help();
		return RS_EUSAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("rustscope %s (ProfileSession schema v%d)\n", RS_VERSION, 1);
		return 0;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || (!strcmp(name, "help") && argc == 2)) {
		main_help();
		return 0;
	}
	if (!strcmp(name, "help")) {
		const rs_cmd *c = rs_cmd_find(argv[2]);
		if (!c) {
			fprintf(stderr, "rustscope: no such command '%s' (see rustscope --help)\n", argv[2]);
			return RS_EUSAGE;
		}
		rs_print_help(c);
		return 0;
	}
	const rs_cmd *c = rs_cmd_find(name);
	if (!c) {
		fprintf(stderr, "rustscope: '%s' is not a rustscope command (see rustscope --help)\n", name);
		fprintf(stderr, "usage: rustscope [--version] [--help] COMMAND [ARGS]\n");
		return RS_EUSAGE;
	}
	rs_output_cleanup_on_signals(); /* record installs its own: it stops and writes */
	return c->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	return close_stdout(run(argc, argv));
}
