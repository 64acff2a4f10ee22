/* record --alloc: the pipe from librustscope_alloc.so, the environment
 * that loads it into the command, and the thread that reads the pipe as
 * fast as the shim fills it (a full pipe makes the shim drop events). */
#include "record_alloc.h"

#include "../lib/warn.h"
#include "../lib/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

enum { PIPE_BYTES = 64 << 20, HIGH_FD = 800 };

/* RUSTSCOPE_ALLOC_LIB, else beside the binary (the build tree), else
 * ../lib/rustscope/ from it (make install). */
static int find_shim(char *out, size_t n, rs_err *err)
{
	const char *env = getenv("RUSTSCOPE_ALLOC_LIB");
	if (env && *env) {
		snprintf(out, n, "%s", env);
		if (!access(out, R_OK))
			return 0;
		return rs_fail(err, RS_EIO, "RUSTSCOPE_ALLOC_LIB=%s: %s", env, strerror(errno));
	}
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return rs_fail(err, RS_EIO, "cannot find librustscope_alloc.so: /proc/self/exe: %s", strerror(errno));
	exe[len] = 0;
	*strrchr(exe, '/') = 0;
	static const char *const where[] = {"", "/../lib/rustscope"};
	for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
		int len2 = snprintf(out, n, "%.*s%s/librustscope_alloc.so", (int)(n - 64), exe, where[i]);
		if (len2 > 0 && (size_t)len2 < n && !access(out, R_OK))
			return 0;
	}
	return rs_fail(err, RS_EIO, "cannot find librustscope_alloc.so in %s or %s/../lib/rustscope "
		       "(build it with make, or set RUSTSCOPE_ALLOC_LIB)", exe, exe);
}

static bool named(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(entry, name, n) && entry[n] == '=';
}

/* The command's environment: ours, the shim first in LD_PRELOAD, and where
 * the events go. */
static void make_env(record_alloc *ra, const record_opts *o, const char *shim)
{
	const char *old = getenv("LD_PRELOAD");
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	ra->envp = rs_xcalloc(n + 5, sizeof *ra->envp);
	for (size_t i = 0; i < n; i++)
		if (!named(environ[i], "LD_PRELOAD") && !named(environ[i], "RUSTSCOPE_ALLOC_PIPE") &&
		    !named(environ[i], "RUSTSCOPE_ALLOC_SAMPLE_BYTES") && !named(environ[i], "RUSTSCOPE_ALLOC_STACK"))
			ra->envp[k++] = environ[i];
	char buf[PATH_MAX + 64];
	snprintf(buf, sizeof buf, "LD_PRELOAD=%s%s%s", shim, old && *old ? ":" : "", old && *old ? old : "");
	ra->envp[k++] = ra->own[0] = rs_xstrdup(buf);
	struct stat st = {0};
	fstat(ra->wfd, &st);
	snprintf(buf, sizeof buf, "RUSTSCOPE_ALLOC_PIPE=%d:%llu", ra->wfd, (unsigned long long)st.st_ino);
	ra->envp[k++] = ra->own[1] = rs_xstrdup(buf);
	snprintf(buf, sizeof buf, "RUSTSCOPE_ALLOC_SAMPLE_BYTES=%.0f", o->alloc_sample_bytes);
	ra->envp[k++] = ra->own[2] = rs_xstrdup(buf);
	snprintf(buf, sizeof buf, "RUSTSCOPE_ALLOC_STACK=%s", o->cg == RS_CG_FP ? "fp" : "libunwind");
	ra->envp[k++] = ra->own[3] = rs_xstrdup(buf);
}

/* fd moved to a number programs rarely reach (they open from the lowest
 * free one up): a program that closes it and opens a file is unlikely to
 * get that number back before the shim sees the pipe gone. */
static int high_fd(int fd)
{
	int hi = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD) : -1;
	if (hi < 0)
		return fd;
	close(fd);
	return hi;
}

int rs_record_alloc_open(record_alloc *ra, const record_opts *o, rs_err *err)
{
	char shim[PATH_MAX];
	memset(ra, 0, sizeof *ra);
	ra->rfd = ra->wfd = ra->rkeep = -1;
	int rc = find_shim(shim, sizeof shim, err);
	if (rc)
		return rc;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return rs_fail(err, RS_EIO, "pipe: %s", strerror(errno));
	ra->rfd = fds[0];
	ra->wfd = high_fd(fds[1]);
	/* the command keeps a read end too: if record dies first, its writes
	 * find the pipe full (dropped) instead of raising SIGPIPE in it */
	ra->rkeep = high_fd(fcntl(ra->rfd, F_DUPFD_CLOEXEC, 0));
	fcntl(ra->rfd, F_SETFL, O_NONBLOCK);
	/* room for bursts while the reader waits for a CPU: pages are taken
	 * only as data waits; root may pass fs.pipe-max-size (1 MiB) */
	for (int bytes = PIPE_BYTES; bytes >= (1 << 20) && fcntl(ra->rfd, F_SETPIPE_SZ, bytes) < 0; bytes /= 4)
		;
	ra->pipe_bytes = fcntl(ra->rfd, F_GETPIPE_SZ);
	make_env(ra, o, shim);
	return 0;
}

/* Once the command has its copy: without ours, the pipe ends when the
 * command and its children are done with it. */
void rs_record_alloc_spawned(record_alloc *ra)
{
	if (ra->wfd >= 0)
		close(ra->wfd);
	if (ra->rkeep >= 0)
		close(ra->rkeep);
	ra->wfd = ra->rkeep = -1;
}

static void *reader(void *arg)
{
	record_alloc *ra = arg;
	static unsigned char buf[1 << 16];
	for (;;) {
		ssize_t n = read(ra->rfd, buf, sizeof buf);
		if (n > 0) {
			rs_alloc_feed(&ra->state, buf, (size_t)n);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			break; /* every writer is gone */
		if (errno == EAGAIN && atomic_load(&ra->stop))
			break; /* drained after the stop */
		struct pollfd p = {ra->rfd, POLLIN, 0};
		poll(&p, 1, 50);
	}
	return NULL;
}

int rs_record_alloc_start(record_alloc *ra, const record_opts *o, int64_t mono0, rs_err *err)
{
	rs_alloc_init(&ra->state, o->alloc_sample_bytes, mono0, (int64_t)o->interval_ms * 1000000,
		      (size_t)o->alloc_max_events);
	atomic_store(&ra->stop, false);
	if (pthread_create(&ra->thread, NULL, reader, ra))
		return rs_fail(err, RS_EIO, "cannot start the allocation reader thread");
	ra->running = true;
	return 0;
}

void rs_record_alloc_stop(record_alloc *ra)
{
	if (!ra->running)
		return;
	atomic_store(&ra->stop, true);
	pthread_join(ra->thread, NULL);
	ra->running = false;
	const rs_alloc *a = &ra->state;
	if (a->dropped)
		rs_warn("rustscope record: %llu allocation events dropped (the program's queues were full: the "
			"recorder fell behind); the totals undercount", (unsigned long long)a->dropped);
	if (a->broken)
		rs_warn("rustscope record: the allocation stream broke at %s; later events are not counted",
			a->broken_why);
}

void rs_record_alloc_close(record_alloc *ra)
{
	rs_record_alloc_stop(ra);
	if (ra->rfd >= 0)
		close(ra->rfd);
	rs_record_alloc_spawned(ra);
	for (size_t i = 0; i < sizeof ra->own / sizeof *ra->own; i++)
		free(ra->own[i]);
	free(ra->envp);
	rs_alloc_free(&ra->state);
}

void rs_record_alloc_extra(const record_alloc *ra, const record_opts *o, char *buf, size_t n)
{
	const rs_alloc *a = &ra->state;
	snprintf(buf, n,
		 ",\"alloc\":{\"sample_bytes\":%.0f,\"stacks\":\"%s\",\"stream_bytes\":%llu,\"chunks\":%llu,"
		 "\"sampled_allocations\":%llu,\"sampled_frees\":%llu,\"reallocs\":%llu,\"dropped_events\":%llu,"
		 "\"memory_events_over_limit\":%llu,\"pipe_bytes\":%d,\"stream_error\":\"%s\"}",
		 o->alloc_sample_bytes, o->cg == RS_CG_FP ? "fp" : "libunwind", (unsigned long long)a->bytes,
		 (unsigned long long)a->chunks, (unsigned long long)a->allocs, (unsigned long long)a->frees,
		 (unsigned long long)a->reallocs, (unsigned long long)a->dropped,
		 (unsigned long long)a->events_over, ra->pipe_bytes, a->broken ? a->broken_why : "");
}
