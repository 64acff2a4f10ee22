/* Every exporter writes one session to an output; the caller commits or
 * aborts the output depending on the result. */
#ifndef RS_EXPORTERS_H
#define RS_EXPORTERS_H

#include "../lib/error.h"
#include "../lib/output.h"
#include "../schema/session.h"

int rs_export_session(const rs_session *s, rs_output *out, rs_err *err); /* schema/session_write.c */
int rs_export_pprof(const rs_session *s, rs_output *out, rs_err *err);
int rs_export_chrome(const rs_session *s, rs_output *out, rs_err *err);     /* Trace Event Format */
int rs_export_cpuprofile(const rs_session *s, rs_output *out, rs_err *err); /* V8 .cpuprofile */

/* Shared by exporters/chrome.c and exporters/cpuprofile.c. */
#include "../lib/json_write.h"
#include <stdbool.h>
#include "../lib/json_members.h"
void rs_jw_us(rs_jw *w, int64_t ns); /* ns as exact µs: 1500 → 1.5 */
/* The session as JSON value, its schema marker escaped (sniffing). */
void rs_write_embedded_session(const rs_session *s, rs_jw *w);
/* V8 profile nodes for the stacks marked in used: "(root)" is id 1, stack i
 * is id i + 2; children lists with hitCount (.cpuprofile) or parent links;
 * extras[i] (may be NULL): members text spliced into node i. */
void rs_v8_write_nodes(const rs_session *s, rs_jw *w, const uint8_t *used, bool children,
		       const uint32_t *hits, const char *const *extras);
int rs_export_speedscope(const rs_session *s, rs_output *out, rs_err *err);
int rs_export_collapsed(const rs_session *s, rs_output *out, rs_err *err);
/* The same with the naming given, not taken from rs_export_opts_cur. */
int rs_export_collapsed_names(const rs_session *s, rs_output *out, bool rustscope_names, rs_err *err);

/* Options of exporters that have them, set by the CLI before exporting
 * (like rs_limits_cur); the defaults give plain output. */
typedef struct rs_export_opts {
	bool collapsed_rustscope_names; /* collapsed: rustscope[crate][module]::fn */
	/* speedscope: also write the samples derived from intervals as sampled
	 * profiles (--events as-stacks given); by default the evented profiles
	 * alone show that time */
	bool events_as_stacks;
} rs_export_opts;
extern rs_export_opts rs_export_opts_cur; /* exporters/collapsed.c */

#endif
