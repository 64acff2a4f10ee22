/* A session window as one short line of text, for formats whose own
 * viewers show free text only (pprof comments, `go tool pprof -comments`):
 *
 *   window 12.300-12.400 s snapshot: hot Foo::bar 45%, baz 20%; fd_count +400
 *
 * Times in seconds from origin (rs_session_time_origin, as `rustscope
 * correlate` prints them); the first RS_WINDOW_NOTE_ITEMS hotspots (the last
 * two path segments of their names) and non-zero counter deltas, as many as
 * fit in RS_WINDOW_NOTE_MAX bytes, " ..." when some do not. */
#ifndef RS_WINDOW_NOTE_H
#define RS_WINDOW_NOTE_H

#include "../lib/strbuf.h"
#include "../schema/session.h"

enum { RS_WINDOW_NOTE_MAX = 120, RS_WINDOW_NOTE_ITEMS = 3 };

/* Appends the line (no newline) to out. */
void rs_window_note(const rs_session *s, const rs_window *w, int64_t origin, rs_strbuf *out);

#endif
