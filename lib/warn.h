/* Non-fatal findings of lenient importers ("skipped 3 unmatched E events"),
 * printed to stderr once per message unless -q. */
#ifndef RS_WARN_H
#define RS_WARN_H

extern int rs_quiet;
void rs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
