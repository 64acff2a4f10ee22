/* libFuzzer harness for one importer, chosen at build time with
 * -DIMPORT=rs_import_<format> (tests/fuzz/run.sh builds one per importer).
 * Any input must either import into a session that validates and exports
 * to session JSON, or fail with RS_EINPUT; anything else is a bug. */
#include "exporters/exporters.h"
#include "importers/importers.h"
#include "lib/limits.h"
#include "schema/session_json.h"
#include "schema/validate.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small limits keep each run fast and make the limit paths reachable. */
	rs_limits_cur.max_input_bytes = 8u << 20;
	rs_limits_cur.max_elements = 1u << 20;
	rs_limits_cur.max_depth = 256;
	rs_input in;
	rs_err err = {0};
	rs_session *s = rs_session_new();
	int rc = rs_input_open_mem(&in, "fuzz", data, size, &err);
	if (!rc)
		rc = IMPORT(&in, s, &err);
	if (!rc) {
		s->info.id = s->info.id ? s->info.id : rs_intern_cstr(s, "fuzz");
		s->info.name = s->info.name ? s->info.name : rs_intern_cstr(s, "fuzz");
		rc = rs_session_validate(s, "fuzz", NULL, &err);
	}
	if (!rc) {
		rs_strbuf sb = {0};
		rs_jw w;
		rs_jw_init_buf(&w, &sb);
		rs_session_write_json(s, &w);
		rs_sb_free(&sb);
	}
	if (rc && rc != RS_EINPUT)
		abort();
	rs_input_close(&in);
	rs_session_free(s);
	return 0;
}
