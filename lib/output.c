#include "output.h"

#include "xalloc.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUT_FLUSH = 1 << 20 };

/* mkstemp creates 0600; outputs get the usual 0666 & ~umask. The umask is
 * read from /proc, since umask(2) can only read it by changing it. */
static mode_t output_mode(void)
{
	unsigned mask = 022;
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	if (f)
		fclose(f);
	return (mode_t)(0666 & ~mask);
}

/* --- temporary files, removed when a signal ends the process --- */

enum { MAX_TEMPS = 256 };
static char *volatile temps[MAX_TEMPS];

static void temp_register(char *path)
{
	for (size_t i = 0; i < MAX_TEMPS; i++) {
		char *expected = NULL;
		if (__atomic_compare_exchange_n(&temps[i], &expected, path, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return;
	}
}

static void temp_forget(const char *path)
{
	for (size_t i = 0; i < MAX_TEMPS; i++)
		if (temps[i] == path)
			__atomic_store_n(&temps[i], NULL, __ATOMIC_SEQ_CST);
}

static void release_names(rs_output *o)
{
	if (o->tmp)
		temp_forget(o->tmp);
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
}

static void on_fatal_signal(int sig)
{
	for (size_t i = 0; i < MAX_TEMPS; i++) {
		char *p = temps[i];
		if (p)
			unlink(p);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void rs_output_cleanup_on_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		signal(sigs[i], on_fatal_signal);
}

/* --- where the bytes go --- */

/* The file a chain of symbolic links ends at (which may not exist yet):
 * replacing it keeps the links. NULL on a loop or an unreadable link. */
static char *follow_links(const char *path)
{
	char *cur = rs_xstrdup(path);
	for (int hops = 0; hops < 40; hops++) {
		struct stat st;
		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		char target[4096];
		ssize_t n = readlink(cur, target, sizeof target - 1);
		if (n < 0) {
			free(cur);
			return NULL;
		}
		target[n] = 0;
		const char *slash = strrchr(cur, '/');
		char *next;
		if (target[0] == '/' || !slash) {
			next = rs_xstrdup(target);
		} else {
			size_t dir = (size_t)(slash - cur) + 1;
			next = rs_xmalloc(dir + (size_t)n + 1);
			memcpy(next, cur, dir);
			memcpy(next + dir, target, (size_t)n + 1);
		}
		free(cur);
		cur = next;
	}
	free(cur);
	errno = ELOOP;
	return NULL;
}

/* "DIR/.BASE.tmp-XXXXXX" beside the target, BASE cut so that the name
 * fits NAME_MAX whatever the target's length. */
static char *temp_name(const char *target)
{
	const char *slash = strrchr(target, '/');
	size_t dir = slash ? (size_t)(slash - target) + 1 : 0;
	size_t base = strlen(target + dir);
	if (base > 200)
		base = 200;
	char *t = rs_xmalloc(dir + base + 16);
	snprintf(t, dir + base + 16, "%.*s.%.*s.tmp-XXXXXX", (int)dir, target, (int)base, target + dir);
	return t;
}

int rs_output_open(rs_output *o, const char *path, rs_err *err)
{
	memset(o, 0, sizeof *o);
	o->path = rs_xstrdup(path);
	if (strcmp(path, "-") == 0) {
		o->is_stdout = true;
		o->fd = 1;
		return 0;
	}
	/* an existing device, FIFO or socket is written to, never replaced */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->is_direct = true;
		o->fd = S_ISDIR(st.st_mode) ? (errno = EISDIR, -1) : open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0) {
			int e = errno;
			release_names(o);
			return rs_fail(err, RS_EIO, "%s: cannot open output: %s", path, strerror(e));
		}
		return 0;
	}
	char *target = follow_links(path);
	if (target) {
		free(o->path);
		o->path = target;
		o->tmp = temp_name(target);
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
	}
	if (!target || o->fd < 0) {
		int e = errno;
		release_names(o);
		return rs_fail(err, RS_EIO, "%s: cannot create output: %s", path, strerror(e));
	}
	temp_register(o->tmp);
	fchmod(o->fd, output_mode());
	return 0;
}

void rs_output_open_mem(rs_output *o, const char *name)
{
	memset(o, 0, sizeof *o);
	o->path = rs_xstrdup(name);
	o->is_mem = true;
	o->fd = -1;
}

char *rs_output_take(rs_output *o, size_t *len)
{
	char *p = o->buf.buf;
	*len = o->buf.len;
	o->buf = (rs_strbuf){0};
	free(o->path);
	o->path = NULL;
	return p;
}

static void flush(rs_output *o)
{
	if (o->is_mem)
		return;
	size_t off = 0;
	while (!o->failed && off < o->buf.len) {
		ssize_t w = write(o->fd, o->buf.buf + off, o->buf.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			o->failed = rs_fail(&o->werr, RS_EIO, "%s: write failed: %s", o->path,
					    strerror(errno));
		else
			off += (size_t)w;
	}
	rs_sb_reset(&o->buf);
}

void rs_output_write(rs_output *o, const void *p, size_t n)
{
	if (o->failed)
		return;
	if (n >= OUT_FLUSH && !o->is_mem) {
		flush(o);
		rs_strbuf big = {(char *)p, n, n};
		rs_strbuf keep = o->buf;
		o->buf = big;
		flush(o);
		o->buf = keep;
		return;
	}
	rs_sb_add(&o->buf, p, n);
	if (o->buf.len >= OUT_FLUSH && !o->is_mem)
		flush(o);
}

static void release(rs_output *o)
{
	rs_sb_free(&o->buf);
	release_names(o);
}

int rs_output_commit(rs_output *o, rs_err *err)
{
	if (o->is_mem)
		return 0; /* the bytes stay for rs_output_take */
	flush(o);
	if (!o->is_stdout && !o->failed && close(o->fd) != 0)
		o->failed = rs_fail(&o->werr, RS_EIO, "%s: close failed: %s", o->path, strerror(errno));
	else if (!o->is_stdout && o->failed)
		close(o->fd);
	if (o->tmp && !o->failed && rename(o->tmp, o->path) != 0)
		o->failed = rs_fail(&o->werr, RS_EIO, "%s: cannot rename output into place: %s", o->path,
				    strerror(errno));
	if (o->failed) {
		if (o->tmp)
			unlink(o->tmp);
		rs_fail(err, o->werr.code, "%s", o->werr.msg);
	}
	int rc = o->failed;
	release(o);
	return rc;
}

void rs_output_abort(rs_output *o)
{
	if (!o->path)
		return;
	if (!o->is_stdout && !o->is_mem)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	release(o);
}
