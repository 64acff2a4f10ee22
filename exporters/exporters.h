/* Every exporter writes one session to an output; the caller commits or
 * aborts the output depending on the result. */
#ifndef RS_EXPORTERS_H
#define RS_EXPORTERS_H

#include "../lib/error.h"
#include "../lib/output.h"
#include "../schema/session.h"

int rs_export_session(const rs_session *s, rs_output *out, rs_err *err); /* schema/session_write.c */
int rs_export_pprof(const rs_session *s, rs_output *out, rs_err *err);

#endif
