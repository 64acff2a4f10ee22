#include "output.h"

#include "xalloc.h"

#include <errno.h>
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

int rs_output_open(rs_output *o, const char *path, rs_err *err)
{
	memset(o, 0, sizeof *o);
	o->path = rs_xstrdup(path);
	if (strcmp(path, "-") == 0) {
		o->is_stdout = true;
		o->fd = 1;
		return 0;
	}
	size_t n = strlen(path);
	o->tmp = rs_xmalloc(n + 32);
	/* Same directory as the target, so the final rename is atomic. */
	snprintf(o->tmp, n + 32, "%s.tmp-XXXXXX", path);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd >= 0)
		fchmod(o->fd, output_mode());
	if (o->fd < 0) {
		int e = errno;
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return rs_fail(err, RS_EIO, "%s: cannot create output: %s", path, strerror(e));
	}
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
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
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
	if (!o->is_stdout && !o->failed && rename(o->tmp, o->path) != 0)
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
	if (!o->is_stdout && !o->is_mem) {
		close(o->fd);
		unlink(o->tmp);
	}
	release(o);
}
