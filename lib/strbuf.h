/* Growable byte buffer (always NUL-terminated). */
#ifndef RS_STRBUF_H
#define RS_STRBUF_H

#include <stddef.h>

typedef struct rs_strbuf {
	char *buf;
	size_t len, cap;
} rs_strbuf;

void rs_sb_add(rs_strbuf *sb, const void *p, size_t n);
void rs_sb_addc(rs_strbuf *sb, char c);
void rs_sb_adds(rs_strbuf *sb, const char *s);
void rs_sb_addf(rs_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rs_sb_reset(rs_strbuf *sb);
void rs_sb_free(rs_strbuf *sb);

#endif
