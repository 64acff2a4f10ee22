/* rustscope record: sample a command or a running process with perf_event,
 * unwind, symbolize, read /proc timelines, and write a session (or any
 * exported format, by OUT's suffix). */
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "../schema/rollup.h"
#include "record.h"
#include "record_alloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RS_VERSION
#define RS_VERSION "0.0.0"
#endif

enum { OPT_DURATION = 3000, OPT_CALLGRAPH, OPT_NAME, OPT_TAG, OPT_PID, OPT_INTERVAL,
       OPT_DEBUGINFOD, OPT_UNWINDER, OPT_STACK, OPT_LIB_DWARF, OPT_KILL_AFTER, OPT_CONTINUOUS,
       OPT_RETENTION, OPT_RETENTION_MIN, OPT_BUFFER_MB, OPT_OUTPUT_DIR, OPT_CONT_FORMAT,
       OPT_FLUSH_ON_EXIT, OPT_SNAPSHOTS, OPT_SNAPSHOT_INTERVAL, OPT_PADDING, OPT_ALLOC,
       OPT_ALLOC_BYTES, OPT_ALLOC_EVENTS };

/* User stack copied per sample. The CFI walk goes on with the kernel's
 * frame-pointer chain past its copy, so it needs less than libdw. */
enum { AUTO_STACK_BYTES = 8192, DWARF_STACK_BYTES = 8192 };


static const struct option longopts[] = {
	{"freq", required_argument, 0, 'F'},
	{"duration", required_argument, 0, OPT_DURATION},
	{"call-graph", required_argument, 0, OPT_CALLGRAPH},
	{"unwinder", required_argument, 0, OPT_UNWINDER},
	{"stack-size", required_argument, 0, OPT_STACK},
	{"name", required_argument, 0, OPT_NAME},
	{"tag", required_argument, 0, OPT_TAG},
	{"output", required_argument, 0, 'o'},
	{"pid", required_argument, 0, OPT_PID},
	{"interval", required_argument, 0, OPT_INTERVAL},
	{"debuginfod", no_argument, 0, OPT_DEBUGINFOD},
	{"lib-dwarf", no_argument, 0, OPT_LIB_DWARF},
	{"kill-after", required_argument, 0, OPT_KILL_AFTER},
	{"verbose", no_argument, 0, 'v'},
	{"continuous", no_argument, 0, OPT_CONTINUOUS},
	{"retention", required_argument, 0, OPT_RETENTION},
	{"retention-minutes", required_argument, 0, OPT_RETENTION_MIN},
	{"buffer-mb", required_argument, 0, OPT_BUFFER_MB},
	{"output-dir", required_argument, 0, OPT_OUTPUT_DIR},
	{"continuous-format", required_argument, 0, OPT_CONT_FORMAT},
	{"flush-on-exit", no_argument, 0, OPT_FLUSH_ON_EXIT},
	{"enable-snapshots", no_argument, 0, OPT_SNAPSHOTS},
	{"snapshot-interval", required_argument, 0, OPT_SNAPSHOT_INTERVAL},
	{"correlation-padding-ms", required_argument, 0, OPT_PADDING},
	{"alloc", no_argument, 0, OPT_ALLOC},
	{"alloc-sample-bytes", required_argument, 0, OPT_ALLOC_BYTES},
	{"alloc-max-events", required_argument, 0, OPT_ALLOC_EVENTS},
	RS_COMMON_LONGOPTS,
	{0},
};

static int num_opt(record_opts *o, const char *opt, const char *arg, double lo, double hi, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || !(*v >= lo && *v <= hi))
		return rs_usage_error(o->cmd, "%s needs a number from %.0f to %.0f, got '%s'", opt, lo, hi, arg);
	return 0;
}

/* "90", "90s", "500ms", "15m", "1h" → seconds, within [lo, hi]. */
static int duration_opt(record_opts *o, const char *opt, const char *arg, double lo, double hi, double *v)
{
	char *end;
	errno = 0;
	double x = strtod(arg, &end);
	double unit = !*end || !strcmp(end, "s") ? 1 : !strcmp(end, "ms") ? 1e-3 : !strcmp(end, "m") ? 60
		    : !strcmp(end, "h") ? 3600 : 0;
	*v = x * unit;
	if (errno || end == arg || !unit || !(*v >= lo && *v <= hi))
		return rs_usage_error(o->cmd, "%s needs a duration from %g s to %g s (e.g. 90s, 15m, 1h), got '%s'",
				      opt, lo, hi, arg);
	return 0;
}

/* "512K", "1M", "4096" → bytes. */
static int bytes_opt(record_opts *o, const char *opt, const char *arg, double *v)
{
	char *end;
	errno = 0;
	double x = strtod(arg, &end);
	double unit = !*end ? 1 : !strcmp(end, "K") || !strcmp(end, "KiB") ? 1024
		    : !strcmp(end, "M") || !strcmp(end, "MiB") ? 1048576 : 0;
	*v = x * unit;
	if (errno || end == arg || !unit || !(*v >= 1 && *v <= 1e12))
		return rs_usage_error(o->cmd, "%s needs a byte count from 1 (e.g. 1, 4096, 512K, 1M), got '%s'", opt,
				      arg);
	return 0;
}

/* The options of --alloc. */
static int alloc_option(record_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_ALLOC: o->alloc = true; return 0;
	case OPT_ALLOC_BYTES: return bytes_opt(o, "--alloc-sample-bytes", arg, &o->alloc_sample_bytes);
	case OPT_ALLOC_EVENTS: return num_opt(o, "--alloc-max-events", arg, 0, 1e9, &o->alloc_max_events);
	}
	return 0;
}

/* The options of --continuous. */
static int continuous_option(record_opts *o, int opt, const char *arg)
{
	double v;
	int rc = 0;
	switch (opt) {
	case OPT_CONTINUOUS: o->continuous = true; return 0;
	case OPT_RETENTION: return duration_opt(o, "--retention", arg, 1, 7 * 86400, &o->retention_s);
	case OPT_RETENTION_MIN:
		if (!(rc = num_opt(o, "--retention-minutes", arg, 1, 7 * 1440, &v)))
			o->retention_s = v * 60;
		return rc;
	case OPT_BUFFER_MB: return num_opt(o, "--buffer-mb", arg, 0.01, 65536, &o->buffer_mb);
	case OPT_OUTPUT_DIR: o->output_dir = arg; return 0;
	case OPT_CONT_FORMAT: o->continuous_format = arg; return 0;
	case OPT_FLUSH_ON_EXIT: o->flush_on_exit = true; return 0;
	case OPT_SNAPSHOTS: o->snapshots = true; return 0;
	case OPT_SNAPSHOT_INTERVAL: return duration_opt(o, "--snapshot-interval", arg, 0.01, 86400, &o->snapshot_s);
	case OPT_PADDING: return num_opt(o, "--correlation-padding-ms", arg, 0, 3600000, &o->padding_ms);
	}
	return alloc_option(o, opt, arg);
}

static int record_option(void *ctx, int opt, const char *arg)
{
	record_opts *o = ctx;
	double v;
	int rc = 0;
	switch (opt) {
	case 'F':
		if (!(rc = num_opt(o, "-F", arg, 1, 100000, &v)))
			o->freq = (unsigned)v;
		return rc;
	case OPT_DURATION:
		return num_opt(o, "--duration", arg, 0.001, 1e7, &o->duration);
	case OPT_KILL_AFTER:
		return num_opt(o, "--kill-after", arg, 0, 3600, &o->kill_after);
	case OPT_INTERVAL:
		if (!(rc = num_opt(o, "--interval", arg, 1, 3600000, &v)))
			o->interval_ms = (unsigned)v;
		return rc;
	case OPT_STACK:
		if (!(rc = num_opt(o, "--stack-size", arg, 64, 65528, &v)))
			o->stack_bytes = (uint32_t)v & ~7u;
		return rc;
	case OPT_PID:
		if (!(rc = num_opt(o, "--pid", arg, 1, 4194304, &v)))
			o->pid = (int)v;
		return rc;
	case OPT_CALLGRAPH:
		if (!strcmp(arg, "auto"))
			o->cg = RS_CG_AUTO;
		else if (!strcmp(arg, "fp"))
			o->cg = RS_CG_FP;
		else if (!strcmp(arg, "dwarf"))
			o->cg = RS_CG_DWARF;
		else
			return rs_usage_error(o->cmd, "--call-graph is auto, fp or dwarf, got '%s'", arg);
		return 0;
	case OPT_UNWINDER:
		if (strcmp(arg, "libdw") && strcmp(arg, "libunwind"))
			return rs_usage_error(o->cmd, "--unwinder is libdw or libunwind, got '%s'", arg);
		o->unwinder = arg;
		return 0;
	case OPT_TAG:
		if (!strchr(arg, '=') || arg[0] == '=')
			return rs_usage_error(o->cmd, "--tag needs KEY=VALUE, got '%s'", arg);
		o->tags = rs_xrealloc(o->tags, (o->ntags + 1) * sizeof *o->tags);
		o->tags[o->ntags++] = (char *)arg;
		return 0;
	case OPT_NAME: o->name = arg; return 0;
	case 'o': o->out = arg; return 0;
	case OPT_DEBUGINFOD: o->debuginfod = true; return 0;
	case OPT_LIB_DWARF: o->lib_dwarf = true; return 0;
	case 'v': o->verbose = true; return 0;
	}
	return continuous_option(o, opt, arg);
}

/* --continuous writes into --output-dir, in --continuous-format. */
static int parse_continuous(record_opts *o, bool out_given)
{
	if (!o->continuous) {
		if (o->output_dir || o->continuous_format || o->flush_on_exit || o->snapshots)
			return rs_usage_error(o->cmd, "--output-dir, --continuous-format, --flush-on-exit and "
					      "--enable-snapshots go with --continuous");
		return 0;
	}
	if (out_given)
		return rs_usage_error(o->cmd, "--continuous writes files into --output-dir, not -o");
	const rs_format *f = rs_format_find(o->continuous_format ? o->continuous_format : "session");
	if (!f || !f->export)
		return rs_usage_error(o->cmd, "--continuous-format: '%s' is not a format rustscope writes",
				      o->continuous_format);
	return 0;
}

static int parse(record_opts *o, int argc, char **argv)
{
	/* '+': stop at the command, so its own options are left alone */
	int rc = rs_parse_options(o->cmd, argc, argv, "+F:o:v", longopts, record_option, o);
	if (rc)
		return rc;
	if (optind < argc)
		o->argv = argv + optind;
	bool out_given = o->out != NULL;
	if (!o->out)
		o->out = "record.session.json";
	if ((rc = parse_continuous(o, out_given)))
		return rc;
	if (!o->argv == !o->pid)
		return rs_usage_error(o->cmd, o->pid ? "give either --pid or a command, not both"
						     : "nothing to record: give -- CMD ARGS... or --pid PID");
	if (o->alloc && (!o->argv || o->continuous))
		return rs_usage_error(o->cmd, "--alloc needs a command (-- CMD ARGS...): the allocation shim is "
				      "loaded when it starts; --pid and --continuous do not take it");
	if (strcmp(o->out, "-") && !rs_format_for_path(o->out))
		return rs_usage_error(o->cmd, "cannot tell the output format from '%s' (use a suffix "
				      "such as .session.json or .pb.gz)", o->out);
	const rs_format *f = strcmp(o->out, "-") ? rs_format_for_path(o->out) : rs_format_find("session");
	if (!f || !f->export)
		return rs_usage_error(o->cmd, "format of '%s' can be read but not written", o->out);
	return 0;
}

/* --- the target --- */

volatile sig_atomic_t rs_record_stop;
static void on_signal(int sig) { rs_record_stop = sig; }

static void catch_signals(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll must return so the loop sees the flag */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}


/* The command, stopped before exec; envp: its environment (NULL: ours),
 * keep: descriptors it inherits (-1: none). */
static int spawn(target *t, char **argv, char **envp, const int keep[2], rs_err *err)
{
	int go[2], ex[2];
	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC))
		return rs_fail(err, RS_EIO, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		return rs_fail(err, RS_EIO, "fork: %s", strerror(errno));
	if (pid == 0) {
		char c;
		close(go[1]);
		close(ex[0]);
		signal(SIGINT, SIG_DFL);
		/* wait until the events exist, so exec turns them on */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		for (int i = 0; i < 2; i++)
			if (keep[i] >= 0)
				fcntl(keep[i], F_SETFD, 0);
		execvpe(argv[0], argv, envp ? envp : environ);
		int e = errno;
		if (write(ex[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	t->pid = pid;
	t->spawned = true;
	t->go_fd = go[1];
	t->err_fd = ex[0];
	return 0;
}

static int release(target *t, const char *cmd, rs_err *err)
{
	int e = 0;
	if (write(t->go_fd, "g", 1) != 1)
		return rs_fail(err, RS_EIO, "cannot start %s: %s", cmd, strerror(errno));
	close(t->go_fd);
	ssize_t n = read(t->err_fd, &e, sizeof e);
	close(t->err_fd);
	if (n == (ssize_t)sizeof e) {
		waitpid(t->pid, NULL, 0);
		t->exited = true;
		return rs_fail(err, RS_EIO, "cannot run '%s': %s", cmd, strerror(e));
	}
	return 0;
}

static void abandon(target *t)
{
	if (t->spawned && !t->exited) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->exited = true;
	}
}

/* --pid: events on every task, rescanning until no new task appears
 * (threads created meanwhile inherit from the ones already covered). */
static int attach(rs_perf *p, const rs_perf_cfg *cfg, rs_procstat *ps, rs_recorder *r, int pid, rs_err *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	int rc = rs_perf_open(p, cfg, pid, false, err);
	if (rc)
		return rc;
	int *seen = NULL;
	size_t nseen = 0, cap = 0;
	for (bool more = true; more;) {
		more = false;
		DIR *d = opendir(path);
		if (!d)
			return rs_fail(err, RS_EIO, "process %d vanished while attaching", pid);
		for (struct dirent *e; (e = readdir(d));) {
			int tid = atoi(e->d_name);
			bool known = tid <= 0 || tid == pid;
			for (size_t i = 0; i < nseen && !known; i++)
				known = seen[i] == tid;
			if (known)
				continue;
			RS_GROW(seen, cap, nseen + 1);
			seen[nseen++] = tid;
			more = true;
			if ((rc = rs_perf_add_task(p, tid, err)) > 0)
				continue;
			if (rc) {
				closedir(d);
				free(seen);
				return rc;
			}
		}
		closedir(d);
	}
	/* names and address space as they are now; later changes come as records */
	for (size_t i = 0; i <= nseen; i++) {
		int tid = i < nseen ? seen[i] : pid;
		char comm[32] = "", p2[96];
		snprintf(p2, sizeof p2, "/proc/%d/task/%d/comm", pid, tid);
		FILE *f = fopen(p2, "r");
		if (f) {
			if (fgets(comm, sizeof comm, f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		rs_recorder_thread(r, pid, tid, comm);
		rs_procstat_count_syscalls(ps, tid, false);
	}
	free(seen);
	rs_maps_load_proc(&r->maps, pid);
	return 0;
}

/* --- session metadata --- */

int64_t rs_now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void first_line_value(const char *path, const char *key, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t kl = strlen(key);
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, key, kl))
			continue;
		char *v = line + kl;
		while (*v == ' ' || *v == '\t' || *v == ':' || *v == '=' || *v == '"')
			v++;
		v[strcspn(v, "\"\n")] = 0;
		snprintf(out, n, "%s", v);
		break;
	}
	fclose(f);
}

static void fill_info(rs_session *s, const record_opts *o, const target *t, int64_t start, int64_t end)
{
	rs_session_info *in = &s->info;
	char buf[512], id[64];
	snprintf(id, sizeof id, "rec-%llx-%d", (unsigned long long)start, (int)t->pid);
	in->id = rs_intern_cstr(s, id);
	const char *name = o->name;
	char comm[64] = "";
	if (!name && o->argv) {
		const char *sl = strrchr(o->argv[0], '/');
		name = sl ? sl + 1 : o->argv[0];
	}
	if (!name) {
		snprintf(buf, sizeof buf, "/proc/%d/comm", t->pid);
		first_line_value(buf, "", comm, sizeof comm);
		name = comm[0] ? comm : "process";
	}
	in->name = rs_intern_cstr(s, name);
	in->start_time_ns = start;
	in->duration_ns = end - start;
	for (size_t i = 0; i < o->ntags; i++) {
		char *eq = strchr(o->tags[i], '=');
		snprintf(buf, sizeof buf, "%.*s", (int)(eq - o->tags[i]), o->tags[i]);
		rs_tag_set(s, buf, eq + 1);
	}
	struct utsname u;
	if (gethostname(buf, sizeof buf) == 0)
		in->env.hostname = rs_intern_cstr(s, buf);
	if (uname(&u) == 0) {
		in->env.kernel = rs_intern_cstr(s, u.release);
		in->env.os = rs_intern_cstr(s, u.sysname);
	}
	buf[0] = 0;
	first_line_value("/etc/os-release", "PRETTY_NAME", buf, sizeof buf);
	if (buf[0])
		in->env.os = rs_intern_cstr(s, buf);
	buf[0] = 0;
	first_line_value("/proc/cpuinfo", "model name", buf, sizeof buf);
	if (buf[0])
		in->env.cpu_model = rs_intern_cstr(s, buf);
	in->env.ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	in->producer.name = rs_intern_cstr(s, "rustscope");
	in->producer.version = rs_intern_cstr(s, RS_VERSION);
}

/* Share of samples whose leaf frame has a name (not module+offset). */
static double symbolized_pct(const rs_session *s)
{
	size_t ok = 0;
	for (size_t i = 0; i < s->samples.n; i++) {
		int32_t st = s->samples.stack[i];
		ok += st >= 0 && s->frames[s->stacks[st].frame].kind != RS_KIND_UNKNOWN;
	}
	return s->samples.n ? 100.0 * (double)ok / (double)s->samples.n : 0;
}

static const char *cg_name(rs_callgraph cg)
{
	return cg == RS_CG_AUTO ? "auto" : cg == RS_CG_DWARF ? "dwarf" : "fp";
}

static const char *unwinder_name(const record_opts *o)
{
	return o->cg == RS_CG_AUTO ? "cfi" : o->cg == RS_CG_DWARF ? o->unwinder : "";
}

/* "SEGV" for SIGSEGV; the number when the name is unknown. */
static const char *sig_name(int sig)
{
	static char num[16];
	const char *n = sigabbrev_np(sig);
	if (n)
		return n;
	snprintf(num, sizeof num, "%d", sig);
	return num;
}

/* How the command we started ended: "exit 0", "signal SEGV", "" (attached
 * or still running). */
static void target_end(const target *t, char *buf, size_t n)
{
	if (!t->spawned || !t->exited)
		snprintf(buf, n, "%s", "");
	else if (WIFSIGNALED(t->status))
		snprintf(buf, n, "signal %s", sig_name(WTERMSIG(t->status)));
	else
		snprintf(buf, n, "exit %d", WEXITSTATUS(t->status));
}

static const rs_format *output_format(const record_opts *o)
{
	return strcmp(o->out, "-") ? rs_format_for_path(o->out) : rs_format_find("session");
}

/* A command we sent SIGTERM (we stopped first) has --kill-after seconds
 * from then to end, the writing of the file included; then SIGKILL. */
static void end_target(target *t, const record_opts *o)
{
	if (!t->spawned || t->exited || !t->term_ns)
		return;
	int64_t deadline = t->term_ns + (int64_t)(o->kill_after * 1e9);
	while (waitpid(t->pid, &t->status, WNOHANG) == 0) {
		if (rs_now_ns(CLOCK_MONOTONIC) >= deadline) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, &t->status, 0);
			rs_warn("rustscope record: %s did not end %g s after SIGTERM; killed it (--kill-after)",
				o->argv[0], o->kill_after);
			break;
		}
		usleep(10000);
	}
	t->exited = true;
}

static void fill_extra(rs_session *s, const record_opts *o, const rs_recorder *r, const rs_perf *p,
		       const rs_procstat *ps, const target *t, const char *why_stopped, const char *more)
{
	char ended[64];
	target_end(t, ended, sizeof ended);
	char buf[4096];
	snprintf(buf, sizeof buf,
		 "{\"record\":{\"event\":\"%s\",\"frequency_hz\":%u,\"call_graph\":\"%s\","
		 "\"unwinder\":\"%s\",\"stack_bytes\":%u,\"unwound_cfi\":%llu,\"unwound_fp\":%llu,"
		 "\"truncated\":%llu,\"kernel_frames\":%s,\"lost_records\":%llu,\"lost_samples\":%llu,"
		 "\"ring_bytes\":%llu,\"unique_addresses\":%zu,\"symbolize_seconds\":%.6f,"
		 "\"symbolized_percent\":%.2f,\"stopped_by\":\"%s\",\"target_end\":\"%s\","
		 "\"syscall_rate\":\"%s\"%s}}",
		 o->alloc ? "alloc" : "cpu-clock", o->alloc ? 0 : o->freq, cg_name(o->cg), unwinder_name(o), o->cg == RS_CG_FP ? 0 : p->cfg.stack_bytes,
		 (unsigned long long)r->unwound[RS_UNWOUND_CFI],
		 (unsigned long long)r->unwound[RS_UNWOUND_FP],
		 (unsigned long long)r->unwound[RS_UNWOUND_TRUNCATED],
		 p->cfg.kernel ? "true" : "false", (unsigned long long)r->lost,
		 (unsigned long long)r->lost_samples, (unsigned long long)p->bytes_read, r->nlocs,
		 r->symbolize_secs, symbolized_pct(s), why_stopped, ended,
		 ps->syscall_note[0] ? ps->syscall_note : "raw_syscalls:sys_enter", more);
	s->extra = rs_intern_cstr(s, buf);
}

void rs_record_session(rs_session *s, const record_opts *o, rs_recorder *r, const rs_perf *p,
		       const rs_procstat *ps, const target *t, int64_t start, int64_t end, int64_t offset,
		       const char *why, const char *extra_more, rs_alloc *alloc)
{
	if (alloc) {
		rs_alloc_session(alloc, r, s, offset);
	} else {
		rs_sample_type_add(s, "samples", "count");
		rs_sample_type_add(s, "cpu", "nanoseconds");
		s->default_sample_type = rs_intern_cstr(s, "cpu");
		s->period = 1000000000 / o->freq;
		s->period_type = (rs_value_type){rs_intern_cstr(s, "cpu"), rs_intern_cstr(s, "nanoseconds")};
		if (r->ring)
			rs_recorder_finish_ring(r, s, offset, (uint64_t)s->period);
		else
			rs_recorder_finish(r, s, offset, (uint64_t)s->period);
	}
	if (rs_session_repair_utf8(s)) /* symbol and thread names are bytes */
		rs_warn("rustscope record: names with invalid UTF-8; the bad bytes are replaced by U+FFFD");
	fill_info(s, o, t, start, end);
	fill_extra(s, o, r, p, ps, t, why, extra_more);
	rs_rollups_compute(s);
}

/* --- the loop --- */

void rs_record_drain(rs_perf *p, rs_recorder *r)
{
	uint64_t type = rs_perf_sample_type(&p->cfg), mask = rs_perf_regs_mask(&p->cfg);
	size_t n = rs_perf_drain(p);
	for (size_t i = 0; i < n; i++)
		rs_recorder_record(r, p->recs[i].hdr, type, mask);
}

bool rs_target_alive(target *t)
{
	if (t->exited)
		return false;
	if (t->spawned) {
		if (waitpid(t->pid, &t->status, WNOHANG) == t->pid)
			t->exited = true;
	} else if (kill(t->pid, 0) && errno == ESRCH) {
		t->exited = true;
	}
	return !t->exited;
}

static const char *run_loop(const record_opts *o, rs_perf *p, rs_recorder *r, rs_procstat *ps,
			    rs_session *s, target *t, int64_t mono0, int64_t offset)
{
	int64_t deadline = o->duration > 0 ? mono0 + (int64_t)(o->duration * 1e9) : INT64_MAX;
	int64_t next_stat = mono0, next_report = mono0 + 1000000000;
	int64_t step = (int64_t)o->interval_ms * 1000000;
	const char *why = "target exit";
	for (;;) {
		int64_t now = rs_now_ns(CLOCK_MONOTONIC);
		if (now >= next_stat) {
			rs_procstat_sample(ps, s, now + offset);
			next_stat += step;
			if (next_stat <= now)
				next_stat = now + step;
		}
		if (o->verbose && now >= next_report) {
			fprintf(stderr, "rustscope record: %.1fs, %zu samples, %llu lost\n",
				(double)(now - mono0) / 1e9, r->nsamples,
				(unsigned long long)(r->lost + r->lost_samples));
			next_report += 1000000000;
		}
		if (rs_record_stop) {
			why = "signal";
			break;
		}
		if (now >= deadline) {
			why = "duration";
			break;
		}
		if (!rs_target_alive(t))
			break;
		int64_t wait = next_stat - now;
		if (deadline - now < wait)
			wait = deadline - now;
		rs_perf_wait(p, wait > 0 ? (int)(wait / 1000000) + 1 : 0);
		rs_record_drain(p, r);
	}
	return why;
}

/* The command started (stopped before exec) or the process attached,
 * with its events open. */
static int start_target(const record_opts *o, const rs_perf_cfg *cfg, rs_perf *p, rs_procstat *ps,
			rs_recorder *r, target *t, record_alloc *ra, rs_err *err)
{
	int rc;
	if (o->argv) {
		int keep[2] = {ra ? ra->wfd : -1, ra ? ra->rkeep : -1};
		rc = spawn(t, o->argv, ra ? ra->envp : NULL, keep, err);
		if (ra)
			rs_record_alloc_spawned(ra);
		if (!rc)
			rc = rs_perf_open(p, cfg, t->pid, true, err);
		rs_procstat_init(ps, t->pid);
		if (!rc)
			rs_procstat_count_syscalls(ps, t->pid, true);
		if (rc)
			abandon(t);
		return rc;
	}
	t->pid = o->pid;
	rs_procstat_init(ps, t->pid);
	if (kill(t->pid, 0) && errno == ESRCH)
		return rs_fail(err, RS_EIO, "no process %d", o->pid);
	return attach(p, cfg, ps, r, o->pid, err);
}

/* The counts -v prints, and the warnings about how the target ended. */
static void report(const record_opts *o, const rs_recorder *r, const rs_procstat *ps, const target *t,
		   const rs_session *s, const char *why)
{
	if (o->verbose || r->lost || r->lost_samples)
		fprintf(stderr, "rustscope record: %zu samples, %llu lost records, %llu lost samples, "
			"%zu unique addresses symbolized in %.3f s (%.1f us each), %.1f%% of samples "
			"symbolized%s%s\n",
			s->samples.n, (unsigned long long)r->lost, (unsigned long long)r->lost_samples,
			r->symbolized_locs, r->symbolize_secs,
			r->symbolized_locs ? r->symbolize_secs * 1e6 / (double)r->symbolized_locs : 0.0,
			symbolized_pct(s), ps->syscall_note[0] ? "; " : "", ps->syscall_note);
	if (o->verbose && o->cg != RS_CG_FP)
		fprintf(stderr, "rustscope record: user stacks unwound by CFI %llu, by frame pointer %llu, "
			"truncated %llu\n", (unsigned long long)r->unwound[RS_UNWOUND_CFI],
			(unsigned long long)r->unwound[RS_UNWOUND_FP],
			(unsigned long long)r->unwound[RS_UNWOUND_TRUNCATED]);
	if (s->samples.n == 0)
		rs_warn(o->alloc ? "rustscope record: no allocation was sampled (did the command allocate less than "
				   "--alloc-sample-bytes, or is it statically linked?)"
				 : "rustscope record: no samples (the target ran too briefly?)");
	if (t->spawned && WIFEXITED(t->status) && WEXITSTATUS(t->status) && !strcmp(why, "target exit"))
		rs_warn("rustscope record: %s exited with status %d", o->argv[0], WEXITSTATUS(t->status));
	if (t->spawned && WIFSIGNALED(t->status) && !strcmp(why, "target exit"))
		rs_warn("rustscope record: %s was killed by signal %d (SIG%s)", o->argv[0], WTERMSIG(t->status),
			sig_name(WTERMSIG(t->status)));
}

void rs_record_stop_target(target *t, const char *why)
{
	if (t->spawned && !t->exited && strcmp(why, "target exit")) {
		kill(t->pid, SIGTERM); /* we stopped first: end the command we started */
		t->term_ns = rs_now_ns(CLOCK_MONOTONIC);
	}
}

/* One recording: until the target ends, --duration or a signal; then the
 * whole session into output. */
static int record_once(const record_opts *o, rs_perf *p, rs_recorder *r, rs_procstat *ps, target *t,
		       record_alloc *ra, rs_output *output, int64_t mono0, int64_t start, int64_t offset,
		       rs_err *err)
{
	rs_session *s = rs_session_new();
	const char *why = run_loop(o, p, r, ps, s, t, mono0, offset);
	int64_t end = rs_now_ns(CLOCK_REALTIME);
	rs_perf_disable(p);
	rs_record_drain(p, r);
	rs_record_stop_target(t, why);
	char more[1024] = "";
	if (ra) {
		rs_record_alloc_stop(ra);
		rs_record_alloc_extra(ra, o, more, sizeof more);
	}
	rs_record_session(s, o, r, p, ps, t, start, end, offset, why, more, ra ? &ra->state : NULL);
	report(o, r, ps, t, s, why);
	int rc = rs_export_to(s, output, output_format(o), err);
	if (!rc && o->verbose)
		fprintf(stderr, "rustscope record: wrote %s\n", o->out);
	rs_session_free(s);
	return rc;
}

static int record(record_opts *o, rs_err *err)
{
	rs_perf_cfg cfg = {.freq = o->freq, .cg = o->cg, .stack_bytes = o->stack_bytes, .kernel = true,
			   .track_only = o->alloc};
	if (!cfg.stack_bytes)
		cfg.stack_bytes = o->cg == RS_CG_AUTO ? AUTO_STACK_BYTES : DWARF_STACK_BYTES;
	rs_perf p = {0};
	rs_recorder r;
	rs_procstat ps;
	target t = {0};
	rs_output output;
	bool output_open = false;
	record_alloc alloc = {0}, *ra = o->alloc ? &alloc : NULL;
	rs_recorder_init(&r, o->cg, o->unwinder, o->debuginfod, o->lib_dwarf);
	rs_procstat_init(&ps, 0);
	int rc = ra ? rs_record_alloc_open(ra, o, err) : 0;
	/* an output that cannot be created is found now, not after --duration */
	if (!rc)
		rc = o->continuous ? rs_record_check_dir(o, err) : rs_output_open(&output, o->out, err);
	output_open = !rc && !o->continuous;
	catch_signals();
	if (!rc)
		rc = start_target(o, &cfg, &p, &ps, &r, &t, ra, err);
	if (rc)
		goto out;
	int64_t mono0 = rs_now_ns(CLOCK_MONOTONIC), start = rs_now_ns(CLOCK_REALTIME);
	int64_t offset = start - mono0;
	if (ra && (rc = rs_record_alloc_start(ra, o, mono0, err))) {
		abandon(&t);
		goto out;
	}
	if (o->argv) {
		if ((rc = release(&t, o->argv[0], err)))
			goto out;
	} else {
		rs_perf_enable(&p);
		rs_procstat_enable(&ps);
	}
	if (o->verbose && ra)
		fprintf(stderr, "rustscope record: pid %d, allocations sampled every %.0f bytes on average, "
			"stacks by %s\n", (int)t.pid, o->alloc_sample_bytes, o->cg == RS_CG_FP ? "frame pointers" : "libunwind");
	else if (o->verbose)
		fprintf(stderr, "rustscope record: pid %d, cpu-clock at %u Hz, %s call graph%s%s\n",
			(int)t.pid, o->freq, cg_name(o->cg), o->cg != RS_CG_FP ? " via " : "",
			unwinder_name(o));
	if (o->continuous) {
		rc = rs_record_continuous(o, &p, &r, &ps, &t, mono0, offset, err);
	} else {
		rc = record_once(o, &p, &r, &ps, &t, ra, &output, mono0, start, offset, err);
		output_open = false;
	}
	end_target(&t, o);
out:
	if (output_open)
		rs_output_abort(&output);
	if (ra)
		rs_record_alloc_close(ra);
	rs_perf_close(&p);
	rs_procstat_free(&ps);
	rs_recorder_free(&r);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	record_opts o = {.cmd = rs_cmd_find("record"), .freq = 99, .interval_ms = 100, .kill_after = 2,
			 .unwinder = "libdw", .retention_s = 3600, .buffer_mb = 2, .snapshot_s = 5,
			 .padding_ms = 100, .alloc_sample_bytes = 524288, .alloc_max_events = 1000000};
	int rc = parse(&o, argc, argv);
	if (rc) {
		free(o.tags);
		return rc < 0 ? 0 : rc;
	}
	/* libdw consults debuginfod servers whenever DEBUGINFOD_URLS is set;
	 * network lookups happen only when asked for */
	if (!o.debuginfod)
		unsetenv("DEBUGINFOD_URLS");
	else if (!getenv("DEBUGINFOD_URLS") || !*getenv("DEBUGINFOD_URLS"))
		rs_warn("rustscope record: --debuginfod given but DEBUGINFOD_URLS is not set; "
			"no server will be asked");
	rs_err err = {0};
	rc = record(&o, &err);
	free(o.tags);
	return rc ? rs_report(&err) : 0;
}
