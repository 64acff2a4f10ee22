/* rustscope info --leaks: the leak report of a heap profile (schema/
 * leaks.h), human or --json. */
#include "../lib/json_write.h"
#include "../schema/leaks.h"
#include "info.h"

#include <inttypes.h>
#include <stdio.h>

enum { CALLERS = 5 }; /* frames shown below each site */

static const char *or_unknown(const rs_session *s, rs_str k)
{
	return rs_slen(s, k) ? rs_s(s, k) : "(unknown)";
}

static void print_group(const rs_session *s, const char *title, const rs_leak_group *g, size_t n, size_t top,
			int64_t total)
{
	printf("\nBy %s:\n  %14s %10s %6s  %s\n", title, "bytes", "objects", "%", title);
	for (size_t i = 0; i < n && i < top; i++)
		printf("  %14" PRId64 " %10" PRId64 " %5.1f%%  %s\n", g[i].bytes, g[i].objects,
		       total ? 100.0 * (double)g[i].bytes / (double)total : 0, or_unknown(s, g[i].key));
}

static void print_human(const rs_session *s, const char *path, const rs_leak_report *r, size_t top)
{
	printf("%s: %" PRId64 " bytes in %" PRId64 " objects still in use at the end, from %zu stacks\n", path,
	       r->bytes, r->objects, r->nstacks);
	if (!r->nstacks)
		return;
	printf("\nBy stack, largest first (the allocation site, then its callers):\n");
	for (size_t i = 0; i < r->nstacks && i < top; i++) {
		const rs_leak *l = &r->stacks[i];
		const rs_frame *f = &s->frames[s->stacks[l->site].frame];
		printf("  %14" PRId64 " bytes %8" PRId64 " objects %5.1f%%  %s\n", l->bytes, l->objects,
		       r->bytes ? 100.0 * (double)l->bytes / (double)r->bytes : 0, rs_s(s, f->name));
		int32_t n = s->stacks[l->site].parent;
		for (int k = 0; n >= 0 && k < CALLERS; n = s->stacks[n].parent, k++)
			printf("  %14s at %s\n", "", rs_s(s, s->frames[s->stacks[n].frame].name));
	}
	print_group(s, "crate", r->crates, r->ncrates, top, r->bytes);
	print_group(s, "module", r->modules, r->nmodules, top, r->bytes);
}

static void json_groups(rs_jw *w, const rs_session *s, const char *key, const char *name, const rs_leak_group *g,
			size_t n, size_t top)
{
	rs_jw_key(w, key);
	rs_jw_arr(w);
	for (size_t i = 0; i < n && i < top; i++) {
		rs_jw_obj(w);
		rs_jw_key(w, name);
		rs_jw_cstr(w, rs_s(s, g[i].key));
		rs_jw_key(w, "bytes");
		rs_jw_int(w, g[i].bytes);
		rs_jw_key(w, "objects");
		rs_jw_int(w, g[i].objects);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
}

static void json_stack(rs_jw *w, const rs_session *s, const rs_leak *l)
{
	const rs_frame *f = &s->frames[s->stacks[l->site].frame];
	rs_jw_obj(w);
	rs_jw_key(w, "bytes");
	rs_jw_int(w, l->bytes);
	rs_jw_key(w, "objects");
	rs_jw_int(w, l->objects);
	rs_jw_key(w, "site");
	rs_jw_cstr(w, rs_s(s, f->name));
	rs_jw_key(w, "crate");
	rs_jw_cstr(w, rs_s(s, f->crate));
	rs_jw_key(w, "module");
	rs_jw_cstr(w, rs_s(s, f->module));
	rs_jw_key(w, "stack"); /* leaf first, as pprof -traces prints */
	rs_jw_arr(w);
	for (int32_t n = l->stack; n >= 0; n = s->stacks[n].parent)
		rs_jw_cstr(w, rs_s(s, s->frames[s->stacks[n].frame].name));
	rs_jw_arr_end(w);
	rs_jw_obj_end(w);
}

static void print_json(const rs_session *s, const char *path, const rs_leak_report *r, size_t top)
{
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "file");
	rs_jw_cstr(&w, path);
	rs_jw_key(&w, "bytes");
	rs_jw_int(&w, r->bytes);
	rs_jw_key(&w, "objects");
	rs_jw_int(&w, r->objects);
	rs_jw_key(&w, "stacks");
	rs_jw_arr(&w);
	for (size_t i = 0; i < r->nstacks && i < top; i++)
		json_stack(&w, s, &r->stacks[i]);
	rs_jw_arr_end(&w);
	json_groups(&w, s, "crates", "crate", r->crates, r->ncrates, top);
	json_groups(&w, s, "modules", "module", r->modules, r->nmodules, top);
	rs_jw_obj_end(&w);
	printf("%s\n", sb.buf);
	rs_sb_free(&sb);
}

int rs_info_leaks(rs_session *s, const char *path, bool json, size_t top, rs_err *err)
{
	rs_leak_report r;
	if (!rs_leaks(s, &r))
		return rs_fail(err, RS_EINPUT, "%s: not a heap profile: no inuse_space sample type (record one with "
			       "rustscope record --alloc, or give a pprof heap profile)", path);
	json ? print_json(s, path, &r, top) : print_human(s, path, &r, top);
	rs_leaks_free(&r);
	return 0;
}
