#include "xalloc.h"

#include "error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "rustscope: out of memory allocating %zu bytes\n", n);
	exit(RS_EIO);
}

void *rs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *rs_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *rs_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *rs_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(rs_xmalloc(n), s, n);
}

void rs_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 16;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			oom(SIZE_MAX);
		c *= 2;
	}
	void **p = pp;
	*p = rs_xrealloc(*p, c * elem);
	*cap = c;
}
