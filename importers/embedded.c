/* Sessions rustscope embeds in the foreign files it writes (pprof comment,
 * Chrome metadata, speedscope and .cpuprofile members, collapsed trailing
 * comment): reading one back, shared by the importers. */
#include "importers.h"

rs_import_opts rs_import_opts_cur;

int rs_embedded_read(const char *name, const char *json, size_t len, rs_session **out, rs_err *err)
{
	*out = NULL;
	if (rs_import_opts_cur.ignore_embedded)
		return rs_fail(err, RS_EINPUT, "%s: embedded sessions are ignored (--native)", name);
	rs_session *s = rs_session_new();
	rs_input in;
	int rc = rs_input_open_mem(&in, name, json, len, err);
	if (!rc)
		rc = rs_import_session(&in, s, err);
	rs_input_close(&in);
	if (rc) {
		rs_session_free(s);
		return rc;
	}
	*out = s;
	return 0;
}
