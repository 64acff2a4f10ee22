/* Every importer reads one input into an empty session. They return 0 or an
 * exit code with err filled (RS_EINPUT for bad input, naming the offset,
 * JSON path or line and what was expected). Warnings about lenient parsing
 * go through rs_warn (lib/warn.h). */
#ifndef RS_IMPORTERS_H
#define RS_IMPORTERS_H

#include "../lib/error.h"
#include "../lib/input.h"
#include "../schema/session.h"

int rs_import_session(rs_input *in, rs_session *s, rs_err *err);   /* schema/session_read.c */
int rs_import_rustscope(rs_input *in, rs_session *s, rs_err *err); /* RustScope v3 JSON */
int rs_import_pprof(rs_input *in, rs_session *s, rs_err *err);
int rs_import_perfscript(rs_input *in, rs_session *s, rs_err *err); /* perf script text */

/* Content sniffers, each beside its importer: confidence 0..100 that the
 * first bytes (decompressed) of an input are this format (lib/sniff.h). */
int rs_sniff_session(const unsigned char *p, size_t n);
int rs_sniff_rustscope(const unsigned char *p, size_t n);
int rs_sniff_pprof(const unsigned char *p, size_t n);
int rs_sniff_perfscript(const unsigned char *p, size_t n);

#endif
