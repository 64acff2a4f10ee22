/* /proc timelines (see procstat.h). */
#include "procstat.h"

#include "../lib/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

void rs_procstat_init(rs_procstat *ps, int pid)
{
	memset(ps, 0, sizeof *ps);
	ps->pid = pid;
	for (int i = 0; i < RS_PS_NLANES; i++)
		ps->lane[i] = -1;
}

static long tracepoint_id(const char *ev)
{
	static const char *const roots[] = {"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"};
	for (size_t i = 0; i < 2; i++) {
		char p[256];
		snprintf(p, sizeof p, "%s/%s/id", roots[i], ev);
		FILE *f = fopen(p, "r");
		long id = -1;
		if (!f)
			continue;
		if (fscanf(f, "%ld", &id) != 1)
			id = -1;
		fclose(f);
		if (id >= 0)
			return id;
	}
	return -1;
}

void rs_procstat_count_syscalls(rs_procstat *ps, int task, bool enable_on_exec)
{
	long id = tracepoint_id("raw_syscalls/sys_enter");
	if (id < 0) {
		snprintf(ps->syscall_note, sizeof ps->syscall_note,
			 "no syscall rate: tracefs (raw_syscalls/sys_enter) is not readable here; "
			 "mount tracefs on /sys/kernel/tracing");
		return;
	}
	struct perf_event_attr a = {0};
	a.size = sizeof a;
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (uint64_t)id;
	a.disabled = 1;
	a.inherit = 1;
	a.enable_on_exec = enable_on_exec;
	int fd = (int)syscall(SYS_perf_event_open, &a, task, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(ps->syscall_note, sizeof ps->syscall_note,
			 "no syscall rate: raw_syscalls tracepoint not permitted (%s); needs root or "
			 "CAP_PERFMON with kernel.perf_event_paranoid <= 1 and a readable tracefs",
			 strerror(errno));
		return;
	}
	RS_GROW(ps->sys_fds, ps->sys_cap, ps->nsys + 1);
	ps->sys_fds[ps->nsys++] = fd;
}

void rs_procstat_enable(rs_procstat *ps)
{
	for (size_t i = 0; i < ps->nsys; i++)
		ioctl(ps->sys_fds[i], PERF_EVENT_IOC_ENABLE, 0);
}

void rs_procstat_free(rs_procstat *ps)
{
	for (size_t i = 0; i < ps->nsys; i++)
		close(ps->sys_fds[i]);
	free(ps->sys_fds);
}

/* A small /proc file into buf (NUL-terminated); false when unreadable.
 * open/read/close: this runs ten times a second, on every thread. */
static bool read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return false;
	buf[got] = 0;
	return true;
}

/* utime + stime (clock ticks) and num_threads from /proc/PID/stat. */
static bool read_stat(int pid, uint64_t *ticks, long *threads)
{
	char p[64], buf[2048];
	snprintf(p, sizeof p, "/proc/%d/stat", pid);
	if (!read_small(p, buf, sizeof buf))
		return false;
	char *rp = strrchr(buf, ')'); /* comm may hold spaces and parens */
	unsigned long long ut, st;
	if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %ld",
			  &ut, &st, threads) != 3)
		return false;
	*ticks = ut + st;
	return true;
}

static bool read_rss(int pid, double *bytes)
{
	char p[64], buf[256];
	snprintf(p, sizeof p, "/proc/%d/statm", pid);
	unsigned long long size, res;
	if (!read_small(p, buf, sizeof buf) || sscanf(buf, "%llu %llu", &size, &res) != 2)
		return false;
	*bytes = (double)res * (double)sysconf(_SC_PAGESIZE);
	return true;
}

/* The number after "key" in a status text, 0 when absent. */
static uint64_t status_field(const char *text, const char *key)
{
	const char *at = strstr(text, key);
	return at ? strtoull(at + strlen(key), NULL, 10) : 0;
}

static long count_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	long n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Context switches summed over the live threads (the process's own
 * status counts only its main thread). */
static void read_ctx(int pid, uint64_t *vol, uint64_t *invol)
{
	char p[300], status[4096];
	snprintf(p, sizeof p, "/proc/%d/task", pid);
	*vol = *invol = 0;
	DIR *d = opendir(p);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "/proc/%d/task/%.32s/status", pid, e->d_name);
		if (!read_small(p, status, sizeof status))
			continue;
		*vol += status_field(status, "\nvoluntary_ctxt_switches:");
		*invol += status_field(status, "\nnonvoluntary_ctxt_switches:");
	}
	closedir(d);
}

static uint64_t read_syscalls(rs_procstat *ps)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < ps->nsys; i++) {
		uint64_t v;
		if (read(ps->sys_fds[i], &v, sizeof v) == (ssize_t)sizeof v)
			sum += v;
	}
	return sum;
}

static void point(rs_session *s, rs_procstat *ps, int lane, int64_t t, double v)
{
	static const char *const names[RS_PS_NLANES][2] = {
		{"cpu_percent", "percent"}, {"rss_bytes", "bytes"}, {"thread_count", "count"},
		{"fd_count", "count"}, {"ctx_switches", "per_second"},
		{"ctx_switches_voluntary", "per_second"}, {"ctx_switches_involuntary", "per_second"},
		{"syscall_rate", "per_second"}};
	if (ps->lane[lane] < 0) {
		rs_counter_new(s, rs_intern_cstr(s, names[lane][0]), rs_intern_cstr(s, names[lane][1]));
		ps->lane[lane] = (int32_t)(s->ncounters - 1);
	}
	rs_counter_point(&s->counters[ps->lane[lane]], t, v);
}

static double rate(uint64_t now, uint64_t prev, double secs)
{
	return now > prev && secs > 0 ? (double)(now - prev) / secs : 0;
}

bool rs_procstat_sample(rs_procstat *ps, rs_session *s, int64_t t)
{
	uint64_t ticks, vol, invol;
	long threads;
	double rss;
	char p[64];
	if (!read_stat(ps->pid, &ticks, &threads))
		return false;
	snprintf(p, sizeof p, "/proc/%d/fd", ps->pid);
	long fds = count_dir(p);
	read_ctx(ps->pid, &vol, &invol);
	uint64_t sys = read_syscalls(ps);
	if (read_rss(ps->pid, &rss))
		point(s, ps, RS_PS_RSS, t, rss);
	point(s, ps, RS_PS_THREADS, t, (double)threads);
	if (fds >= 0)
		point(s, ps, RS_PS_FDS, t, (double)fds);
	if (ps->have_prev && t > ps->prev_t) {
		double secs = (double)(t - ps->prev_t) / 1e9;
		double hz = (double)sysconf(_SC_CLK_TCK);
		point(s, ps, RS_PS_CPU, t, rate(ticks, ps->prev_ticks, secs) / hz * 100.0);
		point(s, ps, RS_PS_CTX, t, rate(vol + invol, ps->prev_vol + ps->prev_invol, secs));
		point(s, ps, RS_PS_CTX_VOL, t, rate(vol, ps->prev_vol, secs));
		point(s, ps, RS_PS_CTX_INVOL, t, rate(invol, ps->prev_invol, secs));
		if (ps->nsys)
			point(s, ps, RS_PS_SYSCALLS, t, rate(sys, ps->prev_sys, secs));
	}
	ps->have_prev = true;
	ps->prev_t = t;
	ps->prev_ticks = ticks;
	ps->prev_vol = vol;
	ps->prev_invol = invol;
	ps->prev_sys = sys;
	return true;
}
