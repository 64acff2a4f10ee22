/* Loading any profile into a session and saving a session in any format. */
#include "../lib/warn.h"
#include "../schema/validate.h"
#include "cli.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Imported sessions need an id and a name; foreign formats rarely carry
 * them, so they come from the file: name = base name without suffixes,
 * id = format + CRC-32 of the name + size (stable for the same file), and
 * source says where it came from. A session that brought its own id (session
 * JSON, or one rustscope embedded in a foreign format) keeps its identity. */
static void fill_identity(rs_session *s, const rs_input *in, const rs_format *fmt)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", in->path);
	const char *base = basename(path);
	if (!s->info.name) {
		size_t n = strcspn(base, ".");
		s->info.name = rs_intern(s, base, n ? n : strlen(base));
	}
	if (s->info.id)
		return;
	char id[96];
	uLong crc = crc32(0L, (const Bytef *)base, (uInt)strlen(base));
	snprintf(id, sizeof id, "%s-%08lx-%llu", fmt->name, crc, (unsigned long long)in->consumed);
	s->info.id = rs_intern_cstr(s, id);
	if (!s->info.source.format)
		s->info.source.format = rs_intern_cstr(s, fmt->name);
	if (!s->info.source.file)
		s->info.source.file = rs_intern_cstr(s, base);
}

int rs_load_input(rs_input *in, const rs_format *from, rs_session **out, const rs_format **fmt_out,
		  rs_err *err)
{
	rs_session *s = NULL;
	int rc = from ? 0 : rs_format_sniff(in, &from, err);
	if (!rc && !from->import)
		rc = rs_fail(err, RS_EUSAGE, "format %s cannot be imported", from->name);
	if (!rc) {
		s = rs_session_new();
		rc = from->import(in, s, err);
	}
	if (!rc) {
		fill_identity(s, in, from);
		size_t bad = rs_session_repair_utf8(s);
		if (bad)
			rs_warn("%s: invalid UTF-8 in %zu string%s; the bad bytes are replaced by U+FFFD",
				in->path, bad, bad == 1 ? "" : "s");
		rc = rs_session_validate(s, in->path, NULL, err);
	}
	if (rc) {
		rs_session_free(s);
		return rc;
	}
	*out = s;
	if (fmt_out)
		*fmt_out = from;
	return 0;
}

int rs_load(const char *path, const rs_format *from, rs_session **out, const rs_format **fmt_out,
	    rs_err *err)
{
	rs_input in;
	int rc = rs_input_open(&in, path, err);
	if (!rc)
		rc = rs_load_input(&in, from, out, fmt_out, err);
	rs_input_close(&in);
	return rc;
}

int rs_export_to(const rs_session *s, rs_output *out, const rs_format *to, rs_err *err)
{
	if (!to->export)
		return rs_fail(err, RS_EUSAGE, "format %s cannot be written (import only)", to->name);
	int rc = to->export(s, out, err);
	if (rc) {
		rs_output_abort(out);
		return rc;
	}
	return rs_output_commit(out, err);
}

int rs_save(const rs_session *s, const char *path, const rs_format *to, rs_err *err)
{
	if (!to->export)
		return rs_fail(err, RS_EUSAGE, "format %s cannot be written (import only)", to->name);
	rs_output out;
	int rc = rs_output_open(&out, path, err);
	return rc ? rc : rs_export_to(s, &out, to, err);
}
