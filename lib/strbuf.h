/* Growable byte buffer (always NUL-terminated). */
#ifndef RS_STRBUF_H
#define RS_STRBUF_H

#include <stddef.h>
#include <string.h>

typedef struct rs_strbuf {
	char *buf;
	size_t len, cap;
} rs_strbuf;

void rs_sb_grow(rs_strbuf *sb, size_t extra);

/* Inline: readers append a few bytes per token. */
static inline void rs_sb_add(rs_strbuf *sb, const void *p, size_t n)
{
	if (sb->len + n + 1 > sb->cap)
		rs_sb_grow(sb, n);
	if (n)
		memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
}

static inline void rs_sb_addc(rs_strbuf *sb, char c)
{
	if (sb->len + 2 > sb->cap)
		rs_sb_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = 0;
}

void rs_sb_adds(rs_strbuf *sb, const char *s);
void rs_sb_addf(rs_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void rs_sb_reset(rs_strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = 0;
}
void rs_sb_free(rs_strbuf *sb);

#endif
