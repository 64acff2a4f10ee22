/* Format detection by content. Each sniffer looks at the first bytes of the
 * (decompressed) input and returns a confidence 0..100; convert/formats.c
 * picks the highest. Extensions are never consulted. */
#include "importers.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end)
{
	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static bool json_object_start(const unsigned char *p, size_t n)
{
	const unsigned char *q = skip_space(p, p + n);
	return q < p + n && *q == '{';
}

static bool has(const unsigned char *p, size_t n, const char *needle)
{
	return memmem(p, n, needle, strlen(needle)) != NULL;
}

int rs_sniff_session(const unsigned char *p, size_t n)
{
	if (!json_object_start(p, n))
		return 0;
	return has(p, n, "\"rustscope.session\"") && has(p, n, "\"schema\"") ? 100 : 0;
}

int rs_sniff_rustscope(const unsigned char *p, size_t n)
{
	if (!json_object_start(p, n) || has(p, n, "\"rustscope.session\""))
		return 0;
	static const char *const keys[] = {"\"process_summary\"", "\"process_samples\"",
					   "\"crate_rollups\"", "\"module_rollups\""};
	int hits = 0;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		hits += has(p, n, keys[i]);
	return hits ? 60 + 10 * hits : 0;
}

static bool varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* A walk over the top-level fields of a profile.proto Profile message:
 * every field number known, wire types right, lengths inside the input. */
int rs_sniff_pprof(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	int fields = 0;
	while (p < end) {
		uint64_t tag, v;
		if (!varint(&p, end, &tag))
			return fields >= 2 && n >= RS_PEEK_MAX ? 70 : 0;
		uint64_t field = tag >> 3, wt = tag & 7;
		if (field < 1 || field > 16 || (wt != 0 && wt != 2))
			return 0;
		bool len_ok = field <= 6 || field == 11 || field == 13;
		if (wt == 2 && !len_ok)
			return 0;
		if (!varint(&p, end, &v))
			return fields >= 2 && n >= RS_PEEK_MAX ? 70 : 0;
		if (wt == 2) {
			if (v > (uint64_t)(end - p))
				return n >= RS_PEEK_MAX && fields >= 1 ? 70 : 0;
			p += v;
		}
		fields++;
	}
	return fields ? 90 : 0;
}
