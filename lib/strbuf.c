#include "strbuf.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rs_sb_grow(rs_strbuf *sb, size_t extra)
{
	RS_GROW(sb->buf, sb->cap, sb->len + extra + 1);
}

void rs_sb_adds(rs_strbuf *sb, const char *s) { rs_sb_add(sb, s, strlen(s)); }

void rs_sb_addf(rs_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	rs_sb_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void rs_sb_free(rs_strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
