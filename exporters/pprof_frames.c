/* Checks a session's frames against the importer's derivation (see
 * pprof_frames.h). Frames of one function are written as the same
 * Function, so each distinct Function is derived once. */
#include "pprof_frames.h"

#include "../lib/arena.h"
#include "../lib/xalloc.h"

#include <string.h>

/* One derivation, copied out of the reusable buffers. */
typedef struct derived {
	const char *name, *system_name, *crate, *module, *unknown;
	uint8_t kind;
} derived;

typedef struct fn_cache {
	const rs_pp_frame_out **key; /* the first frame written as the Function */
	derived *val;
	size_t mask;
	rs_arena arena;
	rs_rustname rn;
	rs_pp_fn_frame d;
} fn_cache;

/* The Function's strings are session strings or copies shared by the frames
 * of a function, so equal pointers mean the same Function; equal texts at
 * other addresses are merely derived twice. */
static bool same_fn(const rs_pp_function *a, const rs_pp_function *b)
{
	return a->name == b->name && a->system_name == b->system_name && a->file == b->file &&
	       a->start_line == b->start_line;
}

static size_t fn_hash(const rs_pp_function *f)
{
	uint64_t h = (uintptr_t)f->name * 0x9e3779b97f4a7c15ULL ^ (uintptr_t)f->system_name;
	h = (h * 0x9e3779b97f4a7c15ULL ^ (uintptr_t)f->file) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)f->start_line;
	return (size_t)(h ^ h >> 29);
}

static const char *copy(fn_cache *c, const char *p) { return rs_arena_strndup(&c->arena, p, strlen(p)); }

static const derived *derive(fn_cache *c, const rs_pp_frame_out *o)
{
	size_t j = fn_hash(&o->fn) & c->mask;
	for (; c->key[j]; j = (j + 1) & c->mask)
		if (same_fn(&c->key[j]->fn, &o->fn))
			return &c->val[j];
	rs_pp_fn_frame_of(&c->rn, &o->fn, &c->d);
	c->key[j] = o;
	c->val[j] = (derived){copy(c, c->d.name), copy(c, c->d.system_name), copy(c, c->d.crate),
			      copy(c, c->d.module), copy(c, c->d.unknown.buf ? c->d.unknown.buf : ""), c->d.kind};
	return &c->val[j];
}

static bool str_is(const rs_session *s, rs_str id, const char *text) { return strcmp(rs_s(s, id), text) == 0; }

/* A folded Location adds "pprof_folded":true to each frame's unknown. */
static bool unknown_is(const rs_session *s, rs_str id, const char *derived_unknown, bool folded,
		       rs_strbuf *tmp)
{
	if (!folded)
		return str_is(s, id, derived_unknown);
	rs_sb_reset(tmp);
	rs_sb_adds(tmp, derived_unknown);
	rs_pp_add_folded(tmp);
	return str_is(s, id, tmp->buf);
}

static bool frame_derivable(const rs_session *s, const rs_frame *f, const derived *d, bool folded,
			    rs_strbuf *tmp)
{
	return f->kind == d->kind && str_is(s, f->name, d->name) && str_is(s, f->system_name, d->system_name) &&
	       str_is(s, f->crate, d->crate) && str_is(s, f->module, d->module) &&
	       unknown_is(s, f->unknown, d->unknown, folded, tmp);
}

bool rs_pp_frames_derivable(const rs_session *s, const rs_pp_frame_out *out)
{
	if (s->frames_unlinked) /* two equal frames would be made one */
		return false;
	size_t cap = 1024;
	while (cap < 2 * s->nframes)
		cap *= 2;
	fn_cache c = {.key = rs_xcalloc(cap, sizeof *c.key), .val = rs_xmalloc(cap * sizeof *c.val), .mask = cap - 1};
	rs_strbuf tmp = {0};
	bool ok = true;
	for (size_t i = 0; i < s->nframes && ok; i++)
		ok = out[i].address_only ||
		     frame_derivable(s, &s->frames[i], derive(&c, &out[i]), out[i].folded, &tmp);
	free(c.key);
	free(c.val);
	rs_arena_free(&c.arena);
	rs_rust_name_free(&c.rn);
	rs_sb_free(&c.d.unknown);
	rs_sb_free(&tmp);
	return ok;
}
