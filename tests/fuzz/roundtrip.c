/* libFuzzer round-trip harness for one writable format, chosen at build
 * time with -DIMPORT=rs_import_<format> -DEXPORT=rs_export_<format>
 * (tests/fuzz/run.sh builds roundtrip-<format>), after zstd's round-trip
 * targets: whatever imports must export, import again, and give the same
 * session, since every exporter carries what its format cannot. Inputs that
 * do not import are uninteresting; a failure after that is a bug. */
#include "exporters/exporters.h"
#include "importers/importers.h"
#include "lib/limits.h"
#include "schema/session_json.h"
#include "schema/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Imports and validates as rs_load_input does (UTF-8 repaired first). */
static rs_session *load(const char *name, const void *data, size_t size)
{
	rs_input in;
	rs_err err = {0};
	rs_session *s = rs_session_new();
	int rc = rs_input_open_mem(&in, name, data, size, &err);
	if (!rc)
		rc = IMPORT(&in, s, &err);
	rs_input_close(&in);
	if (!rc) {
		s->info.id = s->info.id ? s->info.id : rs_intern_cstr(s, "fuzz");
		s->info.name = s->info.name ? s->info.name : rs_intern_cstr(s, "fuzz");
		rs_session_repair_utf8(s);
		rc = rs_session_validate(s, name, NULL, &err);
	}
	if (rc && rc != RS_EINPUT)
		abort();
	if (rc) {
		rs_session_free(s);
		return NULL;
	}
	return s;
}

static char *session_json(const rs_session *s, size_t *len)
{
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_session_write_json(s, &w);
	*len = sb.len;
	return sb.buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rs_limits_cur.max_input_bytes = 8u << 20;
	rs_limits_cur.max_elements = 1u << 20;
	rs_limits_cur.max_depth = 256;
	rs_session *s = load("fuzz", data, size);
	if (!s)
		return 0;
	rs_output out;
	rs_err err = {0};
	rs_output_open_mem(&out, "fuzz-out");
	if (EXPORT(s, &out, &err) || rs_output_commit(&out, &err))
		abort(); /* a session that validates must export */
	size_t n;
	char *bytes = rs_output_take(&out, &n);
	rs_session *back = load("fuzz-out", bytes, n);
	if (!back)
		abort(); /* what we write must import */
	size_t la, lb;
	char *a = session_json(s, &la), *b = session_json(back, &lb);
	if (la != lb || memcmp(a, b, la))
		abort(); /* the trip lost or changed something */
	free(a);
	free(b);
	free(bytes);
	rs_session_free(back);
	rs_session_free(s);
	return 0;
}
