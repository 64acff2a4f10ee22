/* A pprof Function → the frame fields it sets (see pprof_function.h). */
#include "pprof_function.h"

#include "../lib/json_write.h"
#include "../schema/session.h"

#include <inttypes.h>
#include <string.h>

static void member_key(rs_strbuf *sb, const char *key)
{
	if (sb->len)
		rs_sb_addc(sb, ',');
	rs_sb_addf(sb, "\"%s\":", key);
}

void rs_pp_unknown_bool(rs_strbuf *sb, const char *key, bool v)
{
	if (v) {
		member_key(sb, key);
		rs_sb_adds(sb, "true");
	}
}

void rs_pp_unknown_int(rs_strbuf *sb, const char *key, int64_t v)
{
	if (v) {
		member_key(sb, key);
		rs_sb_addf(sb, "%" PRId64, v);
	}
}

void rs_pp_unknown_str(rs_strbuf *sb, const char *key, const char *v, size_t n)
{
	member_key(sb, key);
	rs_jw w;
	rs_jw_init_buf(&w, sb);
	rs_jw_str(&w, v, n);
}

void rs_pp_add_folded(rs_strbuf *unknown) { rs_pp_unknown_bool(unknown, "pprof_folded", true); }

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A mangled name is demangled from itself, else from the system name; the
 * name as written is kept in `unknown` when the frame shows another one. */
void rs_pp_fn_frame_of(rs_rustname *rn, const rs_pp_function *f, rs_pp_fn_frame *out)
{
	const char *name = f->name, *sys = f->system_name;
	bool rust = rs_rust_name(rn, name[0] ? name : sys, ends_with(f->file, ".rs"));
	out->name = rn->was_mangled ? rn->name : name[0] ? name : sys;
	out->system_name = sys[0] ? sys : rn->was_mangled ? name : "";
	out->kind = rust ? RS_KIND_RUST : RS_KIND_NATIVE;
	out->crate = rn->crate;
	out->module = rn->module;
	rs_sb_reset(&out->unknown);
	rs_pp_unknown_int(&out->unknown, "pprof_start_line", f->start_line);
	if (strcmp(out->name, name))
		rs_pp_unknown_str(&out->unknown, "pprof_name", name, strlen(name));
	if (strcmp(out->system_name, sys))
		rs_pp_unknown_str(&out->unknown, "pprof_system_name", sys, strlen(sys));
}
