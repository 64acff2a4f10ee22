/* Helpers for content sniffers: each importer has one
 * (rs_sniff_<format>, declared in importers/importers.h) that looks at the
 * first bytes of the decompressed input and returns a confidence 0..100.
 * Extensions are never consulted. */
#ifndef RS_SNIFF_H
#define RS_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

/* The first non-blank byte (after a UTF-8 BOM), or -1. */
int rs_sniff_first(const unsigned char *p, size_t n);
/* p contains needle (e.g. "\"traceEvents\""). */
bool rs_sniff_has(const unsigned char *p, size_t n, const char *needle);

#endif
