/* Every importer reads one input into an empty session. They return 0 or an
 * exit code with err filled (RS_EINPUT for bad input, naming the offset,
 * JSON path or line and what was expected). Warnings about lenient parsing
 * go through rs_warn (lib/warn.h). */
#ifndef RS_IMPORTERS_H
#define RS_IMPORTERS_H

#include "../lib/error.h"
#include "../lib/input.h"
#include "../schema/session.h"

#include <stdbool.h>

int rs_import_session(rs_input *in, rs_session *s, rs_err *err);   /* schema/session_read.c */
int rs_import_rustscope(rs_input *in, rs_session *s, rs_err *err); /* RustScope v3 JSON */
int rs_import_pprof(rs_input *in, rs_session *s, rs_err *err);
int rs_import_chrome(rs_input *in, rs_session *s, rs_err *err);     /* Trace Event Format */
int rs_import_cpuprofile(rs_input *in, rs_session *s, rs_err *err); /* V8 .cpuprofile */
int rs_import_perfscript(rs_input *in, rs_session *s, rs_err *err); /* perf script text */
int rs_import_speedscope(rs_input *in, rs_session *s, rs_err *err); /* speedscope JSON */
int rs_import_collapsed(rs_input *in, rs_session *s, rs_err *err);  /* folded stacks */

/* Options of the importers, set by the CLI before importing (like
 * rs_limits_cur). ignore_embedded: read foreign files for what the format
 * itself carries, ignoring the session rustscope embeds in files it writes
 * (`rustscope roundtrip --native`). */
typedef struct rs_import_opts {
	bool ignore_embedded;
	/* --events keep: Chrome intervals stay intervals only, with no
	 * time-weighted stacks derived from them (schema/interval_samples.h) */
	bool events_keep;
} rs_import_opts;
extern rs_import_opts rs_import_opts_cur; /* importers/embedded.c */

/* Reads a session embedded in a foreign file (importers/embedded.c); fails
 * when rs_import_opts_cur.ignore_embedded is set, so callers fall back to the
 * format's own content. */
int rs_embedded_read(const char *name, const char *json, size_t len, rs_session **out, rs_err *err);

/* Content sniffers, each beside its importer: confidence 0..100 that the
 * first bytes (decompressed) of an input are this format (lib/sniff.h). */
int rs_sniff_session(const unsigned char *p, size_t n);
int rs_sniff_rustscope(const unsigned char *p, size_t n);
int rs_sniff_pprof(const unsigned char *p, size_t n);
int rs_sniff_chrome(const unsigned char *p, size_t n);
int rs_sniff_cpuprofile(const unsigned char *p, size_t n);

/* V8 CPU profiles, shared by importers/cpuprofile.c and importers/chrome.c
 * (Profile/ProfileChunk/CpuProfile events): nodes, samples and timeDeltas
 * are collected (over several chunks), then built into the session. */
#include "../lib/json_read.h"
typedef struct rs_v8prof rs_v8prof;
rs_v8prof *rs_v8_new(void);
void rs_v8_free(rs_v8prof *p);
void rs_v8_set_start(rs_v8prof *p, int64_t ns);
size_t rs_v8_nsamples(const rs_v8prof *p);
/* Adds one chunk (JSON of a cpuProfile, or of trace event args). */
int rs_v8_read_mem(rs_session *s, rs_v8prof *p, const char *name, const char *json, size_t len,
		   rs_err *err);
/* Frames, stacks and samples (value 1 in column value_type) of p; extra
 * per-node members go to node_extra as [stack,{members}] when given. */
int rs_v8_build(rs_session *s, rs_v8prof *p, int32_t thread, uint32_t value_type, const char *file,
		rs_strbuf *node_extra, rs_err *err);
/* µs (number or numeric string) → ns, exact to the nanosecond. */
bool rs_v8_us_to_ns(const rs_jv *v, int64_t *ns);
bool rs_v8_int(const rs_jv *v, int64_t *out); /* number or decimal string */
/* rs_jr_keep_member into the interned members fragment *frag (v a scalar,
 * else json/len a captured value). */
void rs_frag_keep_member(rs_session *s, rs_str *frag, const rs_jr *r, const rs_jv *v, const char *json,
			 size_t len);
int rs_sniff_perfscript(const unsigned char *p, size_t n);
int rs_sniff_speedscope(const unsigned char *p, size_t n);
int rs_sniff_collapsed(const unsigned char *p, size_t n);

#endif
