/* ProfileSession → pprof (gzip-compressed profile.proto).
 *
 * The protobuf is encoded here directly (varints into buffers, streamed
 * through zlib), so no message tree of the whole profile is built.
 *   - One Function per distinct function when the importer's derivation
 *     gives back every frame from the Functions and Locations (the frames
 *     column, pprof_frames.c); else one per frame, id = frame index + 1
 *     (go tool pprof groups by name either way).
 *   - A Location is a run of frames: a non-inline frame followed (leafward)
 *     by the inline frames after it, written innermost first as pprof
 *     wants. Runs are found while walking each sample's stack and
 *     deduplicated through a trie keyed by (run so far, frame); a run of
 *     one frame (the common case) is found by its frame index alone.
 *   - The serialized bytes are deflated on two threads (pprof_gzip.c).
 *   - Field order: sample types, samples, locations, functions, mappings,
 *     the scalars and comments, the string table (Go too writes the
 *     samples first and the scalars after the tables).
 *   - Mapping id = mapping index + 1.
 *   - What pprof has no field for rides in its extension points
 *     (docs/pprof.md): sample labels for the sample's thread and time, and
 *     the text "rustscope:v1 columns=... {session JSON without samples}" in a
 *     field of its own (PP_SESSION_FIELD, which pprof readers skip) that
 *     the importer uses to restore the session exactly.
 *   - Foreign pprof metadata kept by the importer (extra.pprof comments,
 *     drop/keep_frames, doc_url; pprof_* members of frame and mapping
 *     `unknown`) is written back into its own fields.
 *   - The session's windows, which pprof has no field for, are shown as
 *     one comment line each (window_note.c), for `go tool pprof -comments`;
 *     the importer restoring the session ignores them (it has the windows). */
#include "exporters.h"

#include "../lib/json_read.h"
#include "../lib/xalloc.h"
#include "../importers/pprof_names.h"
#include "../schema/correlate.h"
#include "../schema/session_json.h"
#include "pprof_frames.h"
#include "pprof_gzip.h"
#include "window_note.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>


/* profile.proto field numbers */
enum {
	F_SAMPLE_TYPE = 1, F_SAMPLE, F_MAPPING, F_LOCATION, F_FUNCTION, F_STRING_TABLE,
	F_DROP_FRAMES, F_KEEP_FRAMES, F_TIME_NANOS, F_DURATION_NANOS, F_PERIOD_TYPE, F_PERIOD,
	F_COMMENT, F_DEFAULT_SAMPLE_TYPE, F_DOC_URL,
	F_RUSTSCOPE = PP_SESSION_FIELD,
};
enum { WT_VARINT = 0, WT_LEN = 2 };
enum { FLUSH_AT = 1 << 20 };

/* pprof-only facts from the pprof_* members of a frame's unknown, shared by
 * the frames with that unknown (the frames of a function). */
typedef struct pprof_meta {
	int64_t start_line;
	const char *name, *system_name; /* as the file had them, NULL = the frame's */
	uint32_t name_idx, system_idx;  /* their string indices once written, 0 = not yet */
	bool folded;
} pprof_meta;

typedef struct pw {
	const rs_session *s;
	rs_output *out;
	rs_pgz *gz;
	rs_strbuf top, msg, sub, lab;
	/* string table */
	uint32_t *strmap; /* session string → pprof index, 0 = not yet */
	const char **tab;
	uint32_t *tablen;
	size_t ntab, tabcap;
	uint32_t empty_dup; /* a second "" for string labels whose value is empty */
	rs_arena arena;     /* strings that are not session strings */
	/* made on the comment thread, read after it is joined */
	pprof_meta **meta; /* frame → its facts (string indices set once written) */
	bool *bare;              /* frame → written as a Location without lines */
	pprof_meta no_meta;
	rs_arena meta_arena;
	bool stacks_col, frames_col; /* the comment's columns (docs/pprof.md) */
	uint64_t frames_digest;
	/* with the frames column: one Function per distinct one */
	uint32_t *fn_of;    /* frame → function id, 0 = not yet */
	uint32_t *fn_frame; /* function id - 1 → a frame written as it */
	size_t nfn;
	uint32_t *fn_hash; /* function ids by (name, system_name, file, start_line) */
	size_t fn_mask;
	/* runs of frames: trie over (parent run node, frame) */
	/* frame → location id of the one-frame run << 1 | is_inline: what the
	 * sample walk needs per node, in one small array (0 << 1: not yet) */
	uint32_t *fr;
	int32_t *t_parent;      /* trie node → parent trie node, -1 at the run start */
	uint32_t *t_frame, *t_loc; /* trie node → frame, location id (0 = unused) */
	size_t nt, tcap;
	uint32_t *first; /* frame → trie node + 1 of the run starting with it */
	uint64_t *hkey;  /* inline extensions: (parent + 1) << 32 | frame, + 1 */
	uint32_t *hval;
	size_t hmask, hn;
	uint32_t *path; /* frames of the sample's stack, leaf first */
	size_t pathcap;
	int32_t fresh; /* stack nodes from here on are on no sample written yet */
	uint32_t *used_runs; /* trie node of location id i + 1 */
	size_t nused, usedcap;
	/* the rustscope comment; written to by its thread only until joined */
	rs_strbuf comment;
	pthread_t comment_th;
	bool comment_threaded;
} pw;

/* --- protobuf encoding --- */

static inline void pb_varint(rs_strbuf *b, uint64_t v)
{
	if (b->len + 11 > b->cap) /* called ~50M times for a big profile */
		RS_GROW(b->buf, b->cap, b->len + 11);
	unsigned char *p = (unsigned char *)b->buf + b->len;
	size_t k = 0;
	while (v >= 0x80) {
		p[k++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[k++] = (unsigned char)v;
	b->len += k;
	b->buf[b->len] = 0;
}

static void pb_tag(rs_strbuf *b, int field, int wt) { pb_varint(b, (uint64_t)field << 3 | (unsigned)wt); }

/* proto3: fields equal to their default are not written */
static void pb_int(rs_strbuf *b, int field, int64_t v)
{
	if (v) {
		pb_tag(b, field, WT_VARINT);
		pb_varint(b, (uint64_t)v);
	}
}

static void pb_bytes(rs_strbuf *b, int field, const void *p, size_t n)
{
	pb_tag(b, field, WT_LEN);
	pb_varint(b, n);
	rs_sb_add(b, p, n);
}

/* An embedded message whose encoding is in m (always written, even empty). */
static void pb_msg(rs_strbuf *b, int field, const rs_strbuf *m) { pb_bytes(b, field, m->buf, m->len); }

/* --- output: top-level bytes through gzip --- */

static void top_flush(pw *w)
{
	rs_pgz_write(w->gz, w->top.buf, w->top.len);
	rs_sb_reset(&w->top);
}

static void top_msg(pw *w, int field, const rs_strbuf *m)
{
	pb_msg(&w->top, field, m);
	if (w->top.len >= FLUSH_AT)
		top_flush(w);
}

/* --- string table --- */

static uint32_t tab_push(pw *w, const char *p, size_t n)
{
	if (w->ntab == w->tabcap) {
		size_t cap = w->tabcap;
		RS_GROW(w->tab, cap, w->ntab + 1);
		RS_GROW(w->tablen, w->tabcap, w->ntab + 1);
	}
	w->tab[w->ntab] = p;
	w->tablen[w->ntab] = (uint32_t)n;
	return (uint32_t)w->ntab++;
}

static uint32_t sidx(pw *w, rs_str id)
{
	if (id == 0)
		return 0;
	if (!w->strmap[id])
		w->strmap[id] = tab_push(w, rs_s(w->s, id), rs_slen(w->s, id));
	return w->strmap[id];
}

/* A string that is not a session string (copied: it may be temporary). */
static uint32_t cidx(pw *w, const char *p, size_t n)
{
	return n ? tab_push(w, rs_arena_memdup(&w->arena, p, n), n) : 0;
}

static uint32_t cidx_s(pw *w, const char *p) { return cidx(w, p, strlen(p)); }

/* --- reading our own members back from raw JSON --- */

typedef struct members_ctx {
	pw *w;
	pprof_meta *fm;      /* frame unknown (strings go to w->meta_arena) */
	bool flags[4];       /* mapping unknown: has_functions, ... */
	int64_t *comments;   /* extra.pprof */
	size_t ncomments, ccap;
	int64_t drop, keep, doc;
} members_ctx;

static int members_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	(void)ctx;
	/* 1: the object itself; 2: extra.pprof; 3: extra.pprof.comments */
	if (parent == RS_JR_ROOT && !is_array)
		*tag = 1;
	else if (parent == 1 && !is_array && rs_jr_key_is(r, "pprof"))
		*tag = 2;
	else if (parent == 2 && is_array && rs_jr_key_is(r, "comments"))
		*tag = 3;
	return 0;
}

static int members_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	members_ctx *m = ctx;
	static const char *const flag_keys[4] = {"pprof_has_functions", "pprof_has_filenames",
		"pprof_has_line_numbers", "pprof_has_inline_frames"};
	bool str = v->type == RS_JV_STRING;
	if (tag == 1 && m->fm) {
		if (rs_jr_key_is(r, "pprof_start_line") && v->type == RS_JV_INT)
			m->fm->start_line = v->i;
		else if (rs_jr_key_is(r, "pprof_name") && str)
			m->fm->name = rs_arena_strndup(&m->w->meta_arena, v->s, v->len);
		else if (rs_jr_key_is(r, "pprof_system_name") && str)
			m->fm->system_name = rs_arena_strndup(&m->w->meta_arena, v->s, v->len);
		else if (rs_jr_key_is(r, "pprof_folded") && v->type == RS_JV_BOOL)
			m->fm->folded = v->b;
	} else if (tag == 1) {
		for (int i = 0; i < 4; i++)
			if (rs_jr_key_is(r, flag_keys[i]) && v->type == RS_JV_BOOL)
				m->flags[i] = v->b;
	} else if (tag == 2 && str) {
		int64_t idx = cidx(m->w, v->s, v->len);
		if (rs_jr_key_is(r, "drop_frames"))
			m->drop = idx;
		else if (rs_jr_key_is(r, "keep_frames"))
			m->keep = idx;
		else if (rs_jr_key_is(r, "doc_url"))
			m->doc = idx;
	} else if (tag == 3 && str) {
		RS_GROW(m->comments, m->ccap, m->ncomments + 1);
		m->comments[m->ncomments++] = cidx(m->w, v->s, v->len);
	}
	return 0;
}

/* Parses a JSON object, or object members when wrap is set. The text was
 * written by our own session reader, so a parse failure is not expected;
 * the members are then simply not used. */
static void read_members(members_ctx *m, const char *json, size_t n, bool wrap)
{
	static const rs_jr_handler h = {.open = members_open, .scalar = members_scalar};
	rs_strbuf sb = {0};
	if (wrap) {
		rs_sb_addc(&sb, '{');
		rs_sb_add(&sb, json, n);
		rs_sb_addc(&sb, '}');
		json = sb.buf, n = sb.len;
	}
	rs_input in;
	rs_err err = {0};
	if (!rs_input_open_mem(&in, "unknown members", json, n, &err))
		rs_jr_parse(&in, &h, m, &err);
	rs_input_close(&in);
	rs_sb_free(&sb);
}

/* --- frames --- */

static bool is_address_only(const rs_session *s, const rs_frame *f, const pprof_meta *fm)
{
	char name[32];
	if (f->kind != RS_KIND_UNKNOWN || f->system_name || f->file || f->crate || f->module ||
	    f->line || f->column || f->is_inline || fm->start_line || fm->name || fm->system_name)
		return false;
	if (f->unknown && !(fm->folded && !strcmp(rs_s(s, f->unknown), "\"pprof_folded\":true")))
		return false;
	snprintf(name, sizeof name, "0x%" PRIx64, f->address);
	return strcmp(rs_s(s, f->name), name) == 0;
}

/* Frames of one function share their interned `unknown`, so each distinct
 * one is parsed once (a big profile has 100k frames). */
static void frame_metas(pw *w)
{
	const rs_session *s = w->s;
	pprof_meta **parsed = rs_xcalloc(s->strings.n + 1, sizeof *parsed); /* by unknown */
	w->meta = rs_xmalloc((s->nframes + 1) * sizeof *w->meta);
	w->bare = rs_xmalloc((s->nframes + 1) * sizeof *w->bare);
	for (size_t i = 0; i < s->nframes; i++) {
		const rs_frame *f = &s->frames[i];
		w->meta[i] = &w->no_meta;
		if (f->unknown && parsed[f->unknown]) {
			w->meta[i] = parsed[f->unknown];
		} else if (f->unknown && strstr(rs_s(s, f->unknown), "\"pprof_")) {
			pprof_meta *fm = rs_arena_alloc(&w->meta_arena, sizeof *fm);
			*fm = (pprof_meta){0};
			members_ctx m = {.w = w, .fm = fm};
			read_members(&m, rs_s(s, f->unknown), rs_slen(s, f->unknown), true);
			w->meta[i] = parsed[f->unknown] = fm;
		}
		w->bare[i] = is_address_only(s, f, w->meta[i]);
	}
	free(parsed);
}

/* --- runs of frames (locations) --- */

static uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	return k ^ (k >> 33);
}

static uint32_t new_run_node(pw *w, int32_t parent, uint32_t frame)
{
	if (w->nt == w->tcap) {
		w->tcap = w->tcap ? w->tcap * 2 : 1024;
		w->t_parent = rs_xrealloc(w->t_parent, w->tcap * sizeof *w->t_parent);
		w->t_frame = rs_xrealloc(w->t_frame, w->tcap * sizeof *w->t_frame);
		w->t_loc = rs_xrealloc(w->t_loc, w->tcap * sizeof *w->t_loc);
	}
	w->t_parent[w->nt] = parent;
	w->t_frame[w->nt] = frame;
	w->t_loc[w->nt] = 0;
	return (uint32_t)w->nt++;
}

static void hash_grow(pw *w)
{
	size_t cap = w->hmask ? (w->hmask + 1) * 2 : 1024;
	uint64_t *key = rs_xcalloc(cap, sizeof *key);
	uint32_t *val = rs_xmalloc(cap * sizeof *val);
	for (size_t i = 0; w->hmask && i <= w->hmask; i++) {
		if (!w->hkey[i])
			continue;
		size_t j = mix64(w->hkey[i]) & (cap - 1);
		while (key[j])
			j = (j + 1) & (cap - 1);
		key[j] = w->hkey[i];
		val[j] = w->hval[i];
	}
	free(w->hkey);
	free(w->hval);
	w->hkey = key;
	w->hval = val;
	w->hmask = cap - 1;
}

/* The trie node (parent, frame), created when missing. A run's first frame
 * is looked up by frame index alone (most runs are one frame long); only
 * inline extensions go through the hash. */
static uint32_t run_node(pw *w, int32_t parent, uint32_t frame)
{
	if (parent < 0) {
		if (!w->first[frame])
			w->first[frame] = new_run_node(w, -1, frame) + 1;
		return w->first[frame] - 1;
	}
	if ((w->hn + 1) * 2 > w->hmask + 1)
		hash_grow(w);
	uint64_t key = ((uint64_t)(uint32_t)(parent + 1) << 32 | frame) + 1;
	size_t j = mix64(key) & w->hmask;
	for (; w->hkey[j]; j = (j + 1) & w->hmask)
		if (w->hkey[j] == key)
			return w->hval[j];
	w->hkey[j] = key;
	w->hval[j] = new_run_node(w, parent, frame);
	w->hn++;
	return w->hval[j];
}

static void runs_init(pw *w)
{
	const rs_session *s = w->s;
	w->first = rs_xcalloc(s->nframes + 1, sizeof *w->first);
	w->fr = rs_xmalloc((s->nframes + 1) * sizeof *w->fr);
	for (size_t f = 0; f < s->nframes; f++)
		w->fr[f] = s->frames[f].is_inline;
}

static uint64_t location_id(pw *w, uint32_t t)
{
	if (!w->t_loc[t]) {
		RS_GROW(w->used_runs, w->usedcap, w->nused + 1);
		w->used_runs[w->nused++] = t;
		w->t_loc[t] = (uint32_t)w->nused;
	}
	return w->t_loc[t];
}

/* --- samples --- */

static void label_str(pw *w, uint32_t key, uint32_t str)
{
	rs_sb_reset(&w->lab);
	pb_int(&w->lab, 1, key);
	pb_int(&w->lab, 2, str);
	pb_msg(&w->msg, 3, &w->lab);
}

static void label_num(pw *w, uint32_t key, int64_t num, uint32_t unit)
{
	rs_sb_reset(&w->lab);
	pb_int(&w->lab, 1, key);
	pb_int(&w->lab, 3, num);
	pb_int(&w->lab, 4, unit);
	pb_msg(&w->msg, 3, &w->lab);
}

typedef struct label_keys {
	uint32_t thread, tid, pid, index, time, ns;
} label_keys;

static void own_labels(pw *w, const rs_label *l, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		uint32_t key = sidx(w, l[j].key);
		if (l[j].is_num) {
			label_num(w, key, l[j].num, sidx(w, l[j].unit));
		} else {
			/* index 0 would read back as a numeric label */
			if (!l[j].str && !w->empty_dup)
				w->empty_dup = tab_push(w, "", 0);
			label_str(w, key, l[j].str ? sidx(w, l[j].str) : w->empty_dup);
		}
	}
}

/* The labels the importer strips again; order fixed (docs/pprof.md). */
static void synthetic_labels(pw *w, const label_keys *k, size_t i)
{
	const rs_samples *sm = &w->s->samples;
	if (sm->has_thread) {
		int32_t t = sm->thread[i];
		if (t >= 0) {
			const rs_thread *th = &w->s->threads[t];
			if (th->name)
				label_str(w, k->thread, sidx(w, th->name));
			if (th->tid >= 0)
				label_num(w, k->tid, th->tid, 0);
			if (th->pid >= 0)
				label_num(w, k->pid, th->pid, 0);
		}
		label_num(w, k->index, t, 0);
	}
	if (sm->has_time)
		label_num(w, k->time, sm->time_ns[i], k->ns);
}

/* The frames of stack x, leaf first, into w->path. Importers add a
 * sample's new nodes in one go, each the parent of the next, so a
 * sample's leaf is usually the last of a chain of nodes right after the
 * previous sample's leaf. Such a chain is read forward, as one stream of
 * memory, and checked link by link on the way; only the nodes above it
 * (and any stack that is not such a chain) are walked up from the leaf,
 * which is one dependent load after the other. */
enum { CHAIN_MAX = 1 << 16 };

static size_t stack_frames(pw *w, int32_t x)
{
	const rs_stack *st = w->s->stacks;
	size_t n = 0;
	int32_t leaf = x;
	if (x >= w->fresh && x - w->fresh < CHAIN_MAX) {
		size_t len = (size_t)(x - w->fresh) + 1;
		bool chain = true;
		RS_GROW(w->path, w->pathcap, len);
		for (size_t k = 0; k < len && chain; k++) {
			int32_t y = w->fresh + (int32_t)k;
			chain = k == 0 || st[y].parent == y - 1;
			w->path[len - 1 - k] = st[y].frame;
		}
		if (chain) {
			n = len;
			x = st[w->fresh].parent;
		}
	}
	if (leaf + 1 > w->fresh)
		w->fresh = leaf + 1;
	for (; x >= 0; x = st[x].parent) {
		RS_GROW(w->path, w->pathcap, n + 1);
		w->path[n++] = st[x].frame;
	}
	return n;
}

/* The location ids of stack x, leaf first. Going up from the leaf, an
 * inline frame with a parent belongs to its parent's run; a run starts at
 * a non-inline frame or at the root. */
static void sample_locations(pw *w, int32_t x)
{
	size_t n = stack_frames(w, x);
	const uint32_t *path = w->path;
	rs_sb_reset(&w->sub);
	for (size_t j = 0, a = 0; j < n; a = ++j) {
		while (j + 1 < n && (w->fr[path[j]] & 1))
			j++;
		uint32_t f = path[j]; /* the run's outer frame; path[a, j) inline in it */
		uint64_t id = w->fr[f] >> 1;
		if (j > a || !id) {
			uint32_t t = run_node(w, -1, f);
			for (size_t k = j; k-- > a;)
				t = run_node(w, (int32_t)t, path[k]);
			id = location_id(w, t);
			if (w->t_parent[t] < 0)
				w->fr[f] |= (uint32_t)id << 1;
		}
		pb_varint(&w->sub, id);
	}
	if (w->sub.len)
		pb_msg(&w->msg, 1, &w->sub);
}

/* The walk up from a sample's old nodes is one cache miss after another
 * (the stack table is far bigger than the cache). So the walks of the next
 * PF_AHEAD samples go ahead of it, one level per sample written, loading
 * nothing but prefetching the node they reach: by its turn a sample's
 * upper nodes are in cache. A cursor starts where stack_frames will
 * likely start walking: above the new chain, else at the leaf. */
enum { PF_AHEAD = 8 };

/* The first of sample j's new nodes (right after sample j-1's leaf), or -1. */
static int64_t chain_start(const rs_session *s, size_t j)
{
	const int32_t *leaf = s->samples.stack;
	bool chain = j && leaf[j] > leaf[j - 1] && leaf[j - 1] + 1 < (int64_t)s->nstacks;
	return chain ? leaf[j - 1] + 1 : -1;
}

static int32_t walk_start(const rs_session *s, size_t j)
{
	int64_t c = chain_start(s, j);
	return c >= 0 ? s->stacks[c].parent : s->samples.stack[j];
}

static void walks_ahead(const rs_session *s, int32_t *cur, size_t i)
{
	size_t at = i % PF_AHEAD, far = i + 2 * PF_AHEAD;
	int64_t c = far < s->samples.n ? chain_start(s, far) : -1;
	if (c >= 0)
		__builtin_prefetch(&s->stacks[c]); /* for walk_start, PF_AHEAD samples on */
	cur[at] = i + PF_AHEAD < s->samples.n ? walk_start(s, i + PF_AHEAD) : -1;
	if (cur[at] >= 0)
		__builtin_prefetch(&s->stacks[cur[at]]);
	for (size_t k = 0; k < PF_AHEAD; k++) {
		if (cur[k] < 0 || k == at)
			continue;
		cur[k] = s->stacks[cur[k]].parent;
		if (cur[k] >= 0)
			__builtin_prefetch(&s->stacks[cur[k]]);
	}
}

static void write_samples(pw *w)
{
	const rs_session *s = w->s;
	const rs_samples *sm = &s->samples;
	size_t nv = s->nsample_types;
	label_keys k = {0};
	if (sm->has_thread || sm->has_time)
		k = (label_keys){cidx_s(w, PP_L_THREAD), cidx_s(w, PP_L_TID), cidx_s(w, PP_L_PID),
				 cidx_s(w, PP_L_THREAD_INDEX), cidx_s(w, PP_L_TIME), cidx_s(w, "nanoseconds")};
	int32_t cur[PF_AHEAD];
	for (size_t j = 0; j < PF_AHEAD; j++)
		cur[j] = j < sm->n ? walk_start(s, j) : -1;
	for (size_t i = 0; i < sm->n; i++) {
		walks_ahead(s, cur, i);
		rs_sb_reset(&w->msg);
		sample_locations(w, sm->stack[i]);
		rs_sb_reset(&w->sub);
		for (size_t j = 0; j < nv; j++)
			pb_varint(&w->sub, (uint64_t)sm->values[i * nv + j]);
		if (w->sub.len)
			pb_msg(&w->msg, 2, &w->sub);
		size_t nl;
		const rs_label *l = rs_sample_labels(s, i, &nl);
		own_labels(w, l, nl);
		synthetic_labels(w, &k, i);
		top_msg(w, F_SAMPLE, &w->msg);
	}
}

/* --- functions --- */

/* The name of frame f's Function: the one the file had, else the frame's. */
static uint32_t fn_name(pw *w, uint32_t f)
{
	pprof_meta *m = w->meta[f];
	if (m->name && !m->name_idx)
		m->name_idx = cidx_s(w, m->name);
	return m->name ? m->name_idx : sidx(w, w->s->frames[f].name);
}

static uint32_t fn_system_name(pw *w, uint32_t f)
{
	pprof_meta *m = w->meta[f];
	if (m->system_name && !m->system_idx)
		m->system_idx = cidx_s(w, m->system_name);
	return m->system_name ? m->system_idx : sidx(w, w->s->frames[f].system_name);
}

static bool same_function(pw *w, uint32_t a, uint32_t b)
{
	const rs_frame *fa = &w->s->frames[a], *fb = &w->s->frames[b];
	return fn_name(w, a) == fn_name(w, b) && fn_system_name(w, a) == fn_system_name(w, b) &&
	       fa->file == fb->file && w->meta[a]->start_line == w->meta[b]->start_line;
}

static size_t function_hash(pw *w, uint32_t f)
{
	uint64_t k = ((uint64_t)fn_name(w, f) << 32 | fn_system_name(w, f)) ^
		     ((uint64_t)w->s->frames[f].file << 17) ^ (uint64_t)w->meta[f]->start_line;
	return (size_t)mix64(k + 1);
}

/* The Function id of frame f: frame index + 1, or with the frames column
 * one Function per distinct (name, system_name, file, start_line), as the
 * importer's derivation gives every frame of it the same fields. */
static uint64_t function_id(pw *w, uint32_t f)
{
	if (!w->frames_col)
		return (uint64_t)f + 1;
	if (w->fn_of[f])
		return w->fn_of[f];
	size_t j = function_hash(w, f) & w->fn_mask;
	for (; w->fn_hash[j]; j = (j + 1) & w->fn_mask)
		if (same_function(w, w->fn_frame[w->fn_hash[j] - 1], f))
			return w->fn_of[f] = w->fn_hash[j];
	w->fn_frame[w->nfn++] = f;
	return w->fn_of[f] = w->fn_hash[j] = (uint32_t)w->nfn;
}

static void functions_init(pw *w)
{
	size_t n = w->s->nframes, cap = 1024;
	while (cap < 2 * n)
		cap *= 2;
	w->fn_of = rs_xcalloc(n + 1, sizeof *w->fn_of);
	w->fn_frame = rs_xmalloc((n + 1) * sizeof *w->fn_frame);
	w->fn_hash = rs_xcalloc(cap, sizeof *w->fn_hash);
	w->fn_mask = cap - 1;
}

static void write_functions(pw *w)
{
	size_t n = w->frames_col ? w->nfn : w->s->nframes;
	for (size_t i = 0; i < n; i++) {
		uint32_t f = w->frames_col ? w->fn_frame[i] : (uint32_t)i;
		rs_sb_reset(&w->msg);
		pb_int(&w->msg, 1, (int64_t)i + 1);
		pb_int(&w->msg, 2, fn_name(w, f));
		pb_int(&w->msg, 3, fn_system_name(w, f));
		pb_int(&w->msg, 4, sidx(w, w->s->frames[f].file));
		pb_int(&w->msg, 5, w->meta[f]->start_line);
		top_msg(w, F_FUNCTION, &w->msg);
	}
}

/* --- locations, mappings --- */

static uint32_t run_outer(const pw *w, uint32_t t)
{
	while (w->t_parent[t] >= 0)
		t = (uint32_t)w->t_parent[t];
	return t;
}

static void write_location(pw *w, uint32_t t)
{
	const rs_session *s = w->s;
	uint32_t outer = run_outer(w, t);
	const rs_frame *of = &s->frames[w->t_frame[outer]];
	rs_sb_reset(&w->msg);
	pb_int(&w->msg, 1, w->t_loc[t]);
	pb_int(&w->msg, 2, of->mapping + 1);
	pb_int(&w->msg, 3, (int64_t)of->address);
	bool bare = t == outer && w->bare[w->t_frame[t]];
	for (int64_t u = t; !bare && u >= 0; u = w->t_parent[u]) {
		const rs_frame *f = &s->frames[w->t_frame[u]];
		rs_sb_reset(&w->sub);
		pb_int(&w->sub, 1, (int64_t)function_id(w, w->t_frame[u]));
		pb_int(&w->sub, 2, f->line);
		pb_int(&w->sub, 3, f->column);
		pb_msg(&w->msg, 4, &w->sub);
	}
	pb_int(&w->msg, 5, w->meta[w->t_frame[t]]->folded);
	top_msg(w, F_LOCATION, &w->msg);
}

/* The runs in the order their Locations are written: as first used, or
 * with the frames column by innermost frame (a counting sort), the order
 * in which the importer makes the frames. */
static void location_order(pw *w)
{
	if (!w->frames_col)
		return;
	size_t n = w->s->nframes;
	uint32_t *at = rs_xcalloc(n + 2, sizeof *at), *sorted = rs_xmalloc((w->nused + 1) * sizeof *sorted);
	for (size_t i = 0; i < w->nused; i++)
		at[w->t_frame[w->used_runs[i]] + 1]++;
	for (size_t f = 0; f < n; f++)
		at[f + 1] += at[f];
	for (size_t i = 0; i < w->nused; i++)
		sorted[at[w->t_frame[w->used_runs[i]]]++] = w->used_runs[i];
	free(at);
	free(w->used_runs);
	w->used_runs = sorted;
}

/* Whether the importer, reading the Locations in this order and each one's
 * lines innermost first, makes frames 0, 1, ... n-1 in order, each with
 * its own address, mapping, folding and inline flag: a Location's are
 * those of its outer frame, and all but its outer frame are inline. */
static bool locations_make_frames(const pw *w)
{
	const rs_frame *fr = w->s->frames;
	size_t next = 0;
	for (size_t i = 0; i < w->nused; i++) {
		uint32_t t = w->used_runs[i], outer = run_outer(w, t);
		const rs_frame *of = &fr[w->t_frame[outer]];
		bool folded = w->meta[w->t_frame[t]]->folded;
		for (int64_t u = t; u >= 0; u = w->t_parent[u]) {
			uint32_t f = w->t_frame[u];
			if (f > next || fr[f].address != of->address || fr[f].mapping != of->mapping ||
			    w->meta[f]->folded != folded || fr[f].is_inline != (u != outer) ||
			    (w->bare[f] && t != outer))
				return false;
			next += f == next;
		}
	}
	return next == w->s->nframes;
}

static void write_mappings(pw *w)
{
	const rs_session *s = w->s;
	for (size_t i = 0; i < s->nmappings; i++) {
		const rs_mapping *m = &s->mappings[i];
		members_ctx mc = {.w = w};
		if (m->unknown)
			read_members(&mc, rs_s(s, m->unknown), rs_slen(s, m->unknown), true);
		rs_sb_reset(&w->msg);
		pb_int(&w->msg, 1, (int64_t)i + 1);
		pb_int(&w->msg, 2, (int64_t)m->start);
		pb_int(&w->msg, 3, (int64_t)m->limit);
		pb_int(&w->msg, 4, (int64_t)m->offset);
		pb_int(&w->msg, 5, sidx(w, m->file));
		pb_int(&w->msg, 6, sidx(w, m->build_id));
		for (int k = 0; k < 4; k++)
			pb_int(&w->msg, 7 + k, mc.flags[k]);
		top_msg(w, F_MAPPING, &w->msg);
	}
}

/* --- header and the rustscope comment --- */

static void value_type(pw *w, int field, const rs_value_type *vt)
{
	rs_sb_reset(&w->msg);
	pb_int(&w->msg, 1, sidx(w, vt->type));
	pb_int(&w->msg, 2, sidx(w, vt->unit));
	top_msg(w, field, &w->msg);
}

/* Whether the importer, rebuilding the stack table by interning each
 * sample's path in sample order, gets exactly s->stacks. Then the table
 * need not ride in the comment (it is most of a big session). It does
 * when no two nodes are the same (parent, frame) (the session counts the
 * nodes it could not link), no memory event names a stack, and the nodes
 * 0 .. next-1 seen so far grow sample by sample the way interning grows
 * them: a sample whose leaf is new adds the chain next .. leaf, each node
 * the child of the one before, hung below a node seen before. So one
 * sequential pass over the table decides it. */
static bool stacks_follow_samples(const rs_session *s)
{
	if (s->stacks_unlinked)
		return false;
	for (size_t i = 0; i < s->nmemory_events; i++)
		if (s->memory_events[i].stack >= 0)
			return false;
	int64_t next = 0;
	for (size_t i = 0; i < s->samples.n; i++) {
		int64_t leaf = s->samples.stack[i];
		if (leaf < next)
			continue;
		if (s->stacks[next].parent >= next)
			return false;
		for (int64_t x = next + 1; x <= leaf; x++)
			if (s->stacks[x].parent != x - 1)
				return false;
		next = leaf + 1;
	}
	return (size_t)next == s->nstacks;
}

/* Whether every frame can be left to the importer's derivation from its
 * Function (the Locations are checked once written: locations_make_frames). */
static bool frames_derivable(pw *w)
{
	const rs_session *s = w->s;
	rs_pp_frame_out *out = rs_xmalloc((s->nframes + 1) * sizeof *out);
	for (size_t i = 0; i < s->nframes; i++) {
		const rs_frame *f = &s->frames[i];
		const pprof_meta *m = w->meta[i];
		out[i] = (rs_pp_frame_out){{m->name ? m->name : rs_s(s, f->name),
					    m->system_name ? m->system_name : rs_s(s, f->system_name),
					    rs_s(s, f->file), m->start_line},
					   m->folded, w->bare[i]};
	}
	bool ok = rs_pp_frames_derivable(s, out);
	free(out);
	return ok;
}

/* "rustscope:v1 columns=thread,time,labels,stacks,frames frames=N:DIGEST "
 * + the session without its samples (and without its stack table when
 * "stacks" says the samples rebuild it, without its frames when "frames"
 * says the Functions and Locations do), as one line of session JSON. */
static void comment_text(pw *w)
{
	const rs_session *s = w->s;
	rs_strbuf *sb = &w->comment;
	const rs_samples *sm = &s->samples;
	rs_session skel = *s;
	skel.samples.n = 0;
	skel.samples.nlabels = 0;
	if (w->stacks_col)
		skel.nstacks = 0;
	if (w->frames_col)
		skel.nframes = 0;
	rs_sb_reset(sb);
	rs_sb_adds(sb, PP_OWN_PREFIX "columns=");
	const char *sep = "";
	const struct { bool on; const char *name; } cols[] = {
		{sm->has_thread, "thread"}, {sm->has_time, "time"}, {sm->has_labels, "labels"},
		{w->stacks_col, "stacks"}, {w->frames_col, "frames"}};
	for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
		if (cols[i].on) {
			rs_sb_addf(sb, "%s%s", sep, cols[i].name);
			sep = ",";
		}
	if (w->frames_col)
		rs_sb_addf(sb, " frames=%zu:%016" PRIx64, s->nframes, w->frames_digest);
	rs_sb_addc(sb, ' ');
	rs_jw jw;
	rs_jw_init_buf(&jw, sb);
	rs_session_write_json(&skel, &jw);
	rs_jw_finish(&jw);
	/* newlines are only formatting between members; strings escape theirs */
	size_t k = 0;
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] != '\n')
			sb->buf[k++] = sb->buf[i];
	sb->len = k;
}

/* The frames' pprof facts, which columns the comment has, and its text. */
static void comment_make(pw *w)
{
	frame_metas(w);
	w->stacks_col = stacks_follow_samples(w->s);
	w->frames_col = w->s->nframes && frames_derivable(w);
	if (w->frames_col)
		w->frames_digest = rs_frames_digest(w->s);
	comment_text(w);
}

/* For a big profile the comment is made on a thread of its own while the
 * samples are written: it reads only the session, and otherwise it is
 * serial work at the end with the deflating threads idle. */
enum { COMMENT_THREAD_MIN = 4096 }; /* samples */

static void *comment_main(void *arg)
{
	comment_make(arg);
	return NULL;
}

static void comment_start(pw *w)
{
	w->comment_threaded = w->s->samples.n >= COMMENT_THREAD_MIN &&
			      pthread_create(&w->comment_th, NULL, comment_main, w) == 0;
}

/* Once the samples are written: the comment and the order of the
 * Locations, which keeps the frames column only if the Locations make the
 * frames as they are (else the frames go back into the comment). */
static void comment_join(pw *w)
{
	if (w->comment_threaded)
		pthread_join(w->comment_th, NULL);
	else
		comment_make(w);
	w->comment_threaded = false;
	location_order(w);
	if (w->frames_col && !locations_make_frames(w)) {
		w->frames_col = false;
		comment_text(w);
	}
	functions_init(w);
}

static void write_types(pw *w)
{
	const rs_session *s = w->s;
	for (size_t i = 0; i < s->nsample_types; i++)
		value_type(w, F_SAMPLE_TYPE, &s->sample_types[i]);
	if (s->period_type.type || s->period_type.unit)
		value_type(w, F_PERIOD_TYPE, &s->period_type);
}

/* Comments are what `go tool pprof` prints first: the windows beyond the
 * first WINDOW_COMMENTS are counted, not listed (the full list is in the
 * session field). */
enum { WINDOW_COMMENTS = 20 };

static void window_comments(pw *w)
{
	const rs_session *s = w->s;
	if (!s->nwindows)
		return;
	int64_t origin = rs_session_time_origin(s);
	size_t n = s->nwindows < WINDOW_COMMENTS ? s->nwindows : WINDOW_COMMENTS;
	rs_strbuf line = {0};
	for (size_t i = 0; i < n; i++) {
		rs_sb_reset(&line);
		rs_window_note(s, &s->windows[i], origin, &line);
		pb_int(&w->top, F_COMMENT, cidx(w, line.buf, line.len));
	}
	if (s->nwindows > n) {
		rs_sb_reset(&line);
		rs_sb_addf(&line, "(+%zu more windows)", s->nwindows - n);
		pb_int(&w->top, F_COMMENT, cidx(w, line.buf, line.len));
	}
	rs_sb_free(&line);
}

/* The scalar fields and comments come after the tables (as Go writes
 * them), so that the rustscope session text (a pass over the stack table and
 * the session as JSON) is made on its thread while the samples are
 * written, not before the first byte goes to the deflating threads. */
static void write_scalars(pw *w)
{
	const rs_session *s = w->s;
	rs_strbuf *t = &w->top;
	pb_int(t, F_PERIOD, s->period);
	if (s->info.start_time_ns != RS_NO_TIME)
		pb_int(t, F_TIME_NANOS, s->info.start_time_ns);
	if (s->info.duration_ns != RS_NO_TIME)
		pb_int(t, F_DURATION_NANOS, s->info.duration_ns);
	pb_int(t, F_DEFAULT_SAMPLE_TYPE, sidx(w, s->default_sample_type));
	members_ctx m = {.w = w};
	if (s->extra)
		read_members(&m, rs_s(s, s->extra), rs_slen(s, s->extra), false);
	pb_int(t, F_DROP_FRAMES, m.drop);
	pb_int(t, F_KEEP_FRAMES, m.keep);
	pb_int(t, F_DOC_URL, m.doc);
	for (size_t i = 0; i < m.ncomments; i++)
		pb_int(t, F_COMMENT, m.comments[i]);
	free(m.comments);
	window_comments(w);
}

static void write_string_table(pw *w)
{
	for (size_t i = 0; i < w->ntab; i++) {
		pb_bytes(&w->top, F_STRING_TABLE, w->tab[i], w->tablen[i]);
		if (w->top.len >= FLUSH_AT)
			top_flush(w);
	}
}

static void pw_free(pw *w)
{
	rs_sb_free(&w->top);
	rs_sb_free(&w->msg);
	rs_sb_free(&w->sub);
	rs_sb_free(&w->lab);
	rs_sb_free(&w->comment);
	free(w->strmap);
	free(w->tab);
	free(w->tablen);
	rs_arena_free(&w->arena);
	free(w->meta);
	free(w->bare);
	rs_arena_free(&w->meta_arena);
	free(w->fn_of);
	free(w->fn_frame);
	free(w->fn_hash);
	free(w->fr);
	free(w->path);
	free(w->t_parent);
	free(w->t_frame);
	free(w->t_loc);
	free(w->first);
	free(w->hkey);
	free(w->hval);
	free(w->used_runs);
}

int rs_export_pprof(const rs_session *s, rs_output *out, rs_err *err)
{
	pw w = {.s = s, .out = out};
	/* level 1 like Go's runtime/pprof */
	w.gz = rs_pgz_open(out, 1);
	w.strmap = rs_xcalloc(s->strings.n + 1, sizeof *w.strmap);
	tab_push(&w, "", 0);
	comment_start(&w);
	runs_init(&w);
	write_types(&w);
	write_samples(&w);
	comment_join(&w);
	for (size_t i = 0; i < w.nused; i++)
		write_location(&w, w.used_runs[i]);
	write_functions(&w);
	write_mappings(&w);
	write_scalars(&w);
	write_string_table(&w);
	pb_bytes(&w.top, F_RUSTSCOPE, w.comment.buf, w.comment.len);
	top_flush(&w);
	int zrc = rs_pgz_close(w.gz);
	pw_free(&w);
	return zrc ? rs_fail(err, RS_EIO, "%s: zlib failed to compress", out->path) : 0;
}
