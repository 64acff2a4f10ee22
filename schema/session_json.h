/* Session JSON (v1) reading and writing, beyond the importer/exporter entry
 * points: writing into an existing JSON writer (to embed a session). */
#ifndef RS_SESSION_JSON_H
#define RS_SESSION_JSON_H

#include "../lib/json_write.h"
#include "session.h"

void rs_session_write_json(const rs_session *s, rs_jw *w);
/* The session's windows[] alone, the array as session JSON has it (for
 * exporters that show the windows beside the embedded session). */
void rs_windows_write_json(const rs_session *s, rs_jw *w);

#endif
