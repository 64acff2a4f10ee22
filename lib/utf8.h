/* UTF-8 checking and repair: what we write must be valid UTF-8 (JSON and
 * protobuf strings), while profiles carry whatever bytes a program named
 * its functions with. */
#ifndef RS_UTF8_H
#define RS_UTF8_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

bool rs_utf8_valid(const char *p, size_t n);
/* Appends p to out with every byte that starts no valid sequence (bad
 * leads, truncated, overlong, surrogates, > U+10FFFF) replaced by U+FFFD.
 * Returns how many were replaced. */
size_t rs_utf8_repair(rs_strbuf *out, const char *p, size_t n);

#endif
