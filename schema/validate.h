/* Structural validation of a session: indices in range, the stack table
 * acyclic (parent < index), intervals and windows not ending before they
 * start, counter points in time order. Errors name the JSON path. */
#ifndef RS_VALIDATE_H
#define RS_VALIDATE_H

#include "../lib/error.h"
#include "../lib/strbuf.h"
#include "session.h"

/* Returns RS_EINPUT on the first problem (in err, prefixed with file). When
 * all is given, every problem (up to a cap) is also appended, one per line. */
int rs_session_validate(const rs_session *s, const char *file, rs_strbuf *all, rs_err *err);

#endif
