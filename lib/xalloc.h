/* Allocation that cannot fail from the caller's point of view: running out
 * of memory is reported once and the process exits with RS_EIO. Input-driven
 * sizes are bounded by the limits in lib/limits.h before they get here. */
#ifndef RS_XALLOC_H
#define RS_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

void *rs_xmalloc(size_t n);
void *rs_xcalloc(size_t n, size_t size);
void *rs_xrealloc(void *p, size_t n);
char *rs_xstrdup(const char *s);

/* Grows *p (element size elem) so that at least need elements fit. */
void rs_grow(void *pp, size_t *cap, size_t need, size_t elem);
/* The check is inline: most calls find room already. need is evaluated
 * twice. */
#define RS_GROW(p, cap, need) ((need) > (cap) ? rs_grow(&(p), &(cap), (need), sizeof *(p)) : (void)0)

#endif
