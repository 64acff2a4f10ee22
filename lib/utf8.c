/* UTF-8 checking and repair (see utf8.h). */
#include "utf8.h"

/* Length of the valid sequence at p (of n bytes), 0 when none starts there. */
static size_t seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 && c >= 0xC2 ? 2 : (c & 0xF0) == 0xE0 ? 3
		   : (c & 0xF8) == 0xF0 && c <= 0xF4 ? 4 : 0;
	if (!k || k > n)
		return 0;
	for (size_t j = 1; j < k; j++)
		if ((p[j] & 0xC0) != 0x80)
			return 0;
	if (k == 3 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0)))
		return 0; /* overlong, surrogate */
	if (k == 4 && ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
		return 0; /* overlong, above U+10FFFF */
	return k;
}

bool rs_utf8_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	for (size_t i = 0; i < n;) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = seq_len(u + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

size_t rs_utf8_repair(rs_strbuf *out, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t bad = 0;
	for (size_t i = 0; i < n;) {
		size_t k = seq_len(u + i, n - i);
		if (k) {
			rs_sb_add(out, p + i, k);
			i += k;
		} else {
			rs_sb_adds(out, "\xEF\xBF\xBD");
			bad++;
			i++;
		}
	}
	return bad;
}
