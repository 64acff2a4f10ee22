/* pprof (profile.proto, gzip-compressed or raw) → ProfileSession.
 *
 * The input is decompressed by rs_input (bounded by --max-input-bytes),
 * counted at the top level against --max-elements, decoded by protobuf-c
 * into an arena (one free at the end, no malloc per node) except for the
 * samples, validated the way Go's pprof CheckValid does, and converted.
 * Samples are most of a big profile: they are decoded here from the raw
 * bytes, a batch at a time on a second thread while this one interns
 * their stacks, so no decoded copy of all of them sits in memory (see
 * "samples" below). Conversion:
 *   - every Location Line becomes a frame; pprof lists the innermost
 *     (inlined) function first, so all lines but the last are is_inline;
 *   - a Location without lines becomes one frame named by its address;
 *   - what a frame / mapping has no field for (Function.start_line, the
 *     original name when we demangled it, Mapping.has_* flags, is_folded)
 *     goes into their `unknown` members as "pprof_*" keys (docs/pprof.md);
 *   - comments, drop_frames, keep_frames and doc_url go into the session's
 *     extra under "pprof".
 * A file written by exporters/pprof.c carries the whole session minus its
 * samples as "rustscope:v1 ..." text in a field of its own (older files: in
 * a comment); then the session is restored from
 * it and only the samples are read from the protobuf (lossless round trip,
 * docs/pprof.md). */
#include "importers.h"

#include "../lib/json_write.h"
#include "../lib/limits.h"
#include "../lib/rustname.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "pprof_function.h"
#include "pprof_names.h"
#include "profile.pb-c.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Perftools__Profiles__Profile PProfile;
typedef Perftools__Profiles__Location PLocation;
typedef Perftools__Profiles__Function PFunction;
typedef Perftools__Profiles__Mapping PMapping;

enum { STR_UNSET = UINT32_MAX };

/* --- id → index map (ids are nonzero, so key 0 marks an empty slot) --- */

typedef struct pp_idmap {
	uint64_t *key;
	uint32_t *val;
	size_t mask;
	size_t dense; /* n when the ids are exactly 1..n in order (no probing) */
} pp_idmap;

static uint64_t id_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	return k ^ (k >> 33);
}

static void pp_idmap_init(pp_idmap *m, size_t n)
{
	size_t cap = 16;
	while (cap < n * 2)
		cap *= 2;
	m->key = rs_xcalloc(cap, sizeof *m->key);
	m->val = rs_xmalloc(cap * sizeof *m->val);
	m->mask = cap - 1;
}

/* false when id is already present */
static bool pp_idmap_put(pp_idmap *m, uint64_t id, uint32_t v)
{
	size_t j = id_hash(id) & m->mask;
	for (; m->key[j]; j = (j + 1) & m->mask)
		if (m->key[j] == id)
			return false;
	m->key[j] = id;
	m->val[j] = v;
	return true;
}

static bool pp_idmap_get(const pp_idmap *m, uint64_t id, uint32_t *v)
{
	if (m->dense) {
		*v = (uint32_t)(id - 1);
		return id - 1 < m->dense; /* id 0 wraps around */
	}
	if (!m->key || id == 0)
		return false;
	for (size_t j = id_hash(id) & m->mask; m->key[j]; j = (j + 1) & m->mask)
		if (m->key[j] == id) {
			*v = m->val[j];
			return true;
		}
	return false;
}

static void pp_idmap_free(pp_idmap *m)
{
	free(m->key);
	free(m->val);
}

/* --- protobuf wire format, for the top-level scan and for error messages --- */

typedef struct pp_wire {
	const uint8_t *b;
	size_t n, pos;
	const char *why;
	bool ran_out; /* why: the bytes ended, more of them could mend it */
} pp_wire;

static inline int wire_varint(pp_wire *w, uint64_t *v)
{
	if (w->pos < w->n && w->b[w->pos] < 0x80) { /* most varints are one byte */
		*v = w->b[w->pos++];
		return 0;
	}
	*v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (w->pos >= w->n) {
			w->why = "truncated varint";
			w->ran_out = true;
			return -1;
		}
		uint8_t byte = w->b[w->pos++];
		*v |= (uint64_t)(byte & 0x7f) << (shift < 64 ? shift : 63);
		if (!(byte & 0x80))
			return 0;
	}
	w->why = "varint longer than 10 bytes";
	return -1;
}

static int wire_skip(pp_wire *w, size_t k, const char *what)
{
	if (w->n - w->pos < k) {
		w->why = what;
		w->ran_out = true;
		return -1;
	}
	w->pos += k;
	return 0;
}

/* Reads one field's tag and skips its value; *len_at is where a
 * length-delimited value starts and *len its length. */
static int wire_field(pp_wire *w, uint32_t *field, int *wt, size_t *len_at, uint64_t *len)
{
	uint64_t tag, v;
	if (wire_varint(w, &tag))
		return -1;
	*field = (uint32_t)(tag >> 3);
	*wt = (int)(tag & 7);
	if (*field == 0 || tag >> 32) {
		w->why = "field number 0 or out of range";
		return -1;
	}
	switch (*wt) {
	case 0:
		return wire_varint(w, &v);
	case 1:
		return wire_skip(w, 8, "truncated 64-bit field");
	case 5:
		return wire_skip(w, 4, "truncated 32-bit field");
	case 2:
		if (wire_varint(w, len))
			return -1;
		*len_at = w->pos;
		return wire_skip(w, *len > w->n ? w->n + 1 : (size_t)*len, "length runs past the end of the message");
	default:
		w->why = "unsupported wire type (groups are not part of profile.proto)";
		return -1;
	}
}

static const char *pp_profile_field_name(uint32_t field)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&perftools__profiles__profile__descriptor, field);
	return f ? f->name : "unknown field";
}

/* Whether wire type wt can carry field f (repeated scalars may be packed). */
static bool wire_type_ok(const ProtobufCFieldDescriptor *f, int wt)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return wt == 2;
	default:
		return wt == 0 || (wt == 2 && f->label == PROTOBUF_C_LABEL_REPEATED);
	}
}

/* Walks a message with its descriptor to name the first broken field,
 * e.g. "byte offset 120 (Profile.sample[3].label): truncated varint". */
static int explain(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t n, size_t base,
		   rs_strbuf *where, int depth)
{
	pp_wire w = {b, n, 0, NULL};
	size_t counts[16] = {0};
	while (w.pos < n) {
		size_t at = w.pos, len_at = 0;
		uint64_t len = 0;
		uint32_t field;
		int wt;
		size_t keep = where->len;
		if (wire_field(&w, &field, &wt, &len_at, &len)) {
			rs_sb_addf(where, ": byte offset %zu: %s", base + at, w.why);
			return -1;
		}
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, field);
		if (!f)
			continue; /* unknown fields are allowed */
		size_t k = field < 16 ? counts[field]++ : 0;
		rs_sb_addf(where, ".%s", f->name);
		if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE)
			rs_sb_addf(where, "[%zu]", k);
		if (!wire_type_ok(f, wt)) {
			rs_sb_addf(where, ": byte offset %zu: wire type %d where %s expects %s", base + at, wt,
				   f->name, f->type == PROTOBUF_C_TYPE_MESSAGE ? "a message" : "a number");
			return -1;
		}
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth < 8 &&
		    explain(f->descriptor, b + len_at, (size_t)len, base + len_at, where, depth + 1))
			return -1;
		where->len = keep;
		where->buf[keep] = 0;
	}
	return 0;
}

static int pp_explain_decode_failure(const uint8_t *b, size_t n, const char *path, rs_err *err)
{
	rs_strbuf where = {0};
	rs_sb_adds(&where, "Profile");
	int bad = explain(&perftools__profiles__profile__descriptor, b, n, 0, &where, 0);
	int rc = bad ? rs_fail(err, RS_EINPUT, "%s: not a valid pprof protobuf: %s", path, where.buf)
		     : rs_fail(err, RS_EINPUT, "%s: not a valid pprof protobuf (the Profile message does not decode)", path);
	rs_sb_free(&where);
	return rc;
}

/* --- the rustscope session: "rustscope:v1 columns=a,b {session JSON}" --- */

typedef struct pp_own {
	bool thread, time, labels;
	bool stacks; /* the stack table is rebuilt from the samples, in order */
	/* the frames are rebuilt from the Functions and Locations: so many,
	 * with this rs_frames_digest */
	bool frames;
	size_t nframes;
	uint64_t digest;
} pp_own;

/* " frames=N:DIGEST" after the columns; *p is past it on success. */
static int pp_own_frames(const char **p, const char *path, pp_own *own, rs_err *err)
{
	const char *q = *p, *prefix = " frames=";
	char *end = NULL;
	bool ok = strncmp(q, prefix, strlen(prefix)) == 0 && isdigit((unsigned char)q[strlen(prefix)]);
	if (ok) {
		errno = 0;
		unsigned long long n = strtoull(q + strlen(prefix), &end, 10);
		ok = errno == 0 && n <= SIZE_MAX && *end == ':' && isxdigit((unsigned char)end[1]);
		own->nframes = (size_t)n;
	}
	if (ok) {
		q = end + 1;
		own->digest = strtoull(q, &end, 16);
		ok = errno == 0 && end - q == 16;
	}
	if (!ok)
		return rs_fail(err, RS_EINPUT, "%s: session field \"rustscope:v1\": expected \"frames=<count>:<16 hex digits>\" after the columns",
			       path);
	*p = end;
	return 0;
}

static int pp_own_parse(const char *text, const char *path, rs_session *s, pp_own *own, rs_err *err)
{
	const char *p = text + strlen(PP_OWN_PREFIX);
	memset(own, 0, sizeof *own);
	if (strncmp(p, "columns=", 8))
		return rs_fail(err, RS_EINPUT, "%s: session field \"rustscope:v1\": expected \"columns=\" after the prefix", path);
	p += 8;
	const char *sp = strchr(p, ' ');
	if (!sp)
		return rs_fail(err, RS_EINPUT, "%s: session field \"rustscope:v1\": expected a session JSON after the columns", path);
	for (const char *q = p; q < sp;) {
		size_t n = strcspn(q, ", ");
		own->thread |= n == 6 && !strncmp(q, "thread", 6);
		own->time |= n == 4 && !strncmp(q, "time", 4);
		own->labels |= n == 6 && !strncmp(q, "labels", 6);
		own->stacks |= n == 6 && !strncmp(q, "stacks", 6);
		own->frames |= n == 6 && !strncmp(q, "frames", 6);
		q += n + (q[n] == ',');
	}
	if (own->frames) {
		int rc = pp_own_frames(&sp, path, own, err);
		if (rc)
			return rc;
		if (*sp != ' ')
			return rs_fail(err, RS_EINPUT, "%s: session field \"rustscope:v1\": expected a session JSON after the columns", path);
	}
	rs_input in;
	char name[512];
	snprintf(name, sizeof name, "%s (rustscope session)", path);
	int rc = rs_input_open_mem(&in, name, sp + 1, strlen(sp + 1), err);
	if (!rc)
		rc = rs_import_session(&in, s, err);
	rs_input_close(&in);
	return rc;
}

static bool key_is(const rs_session *s, const rs_label *l, const char *key, bool num)
{
	return l->is_num == num && strcmp(rs_s(s, l->key), key) == 0;
}

/* Pops the synthetic label `key` from the end of the list; *v its number. */
static int pop_label(const rs_session *s, rs_label *l, size_t *n, const char *key, bool num, int64_t *v,
		     rs_err *err)
{
	if (*n == 0 || !key_is(s, &l[*n - 1], key, num))
		return rs_fail(err, RS_EINPUT, "expected the label \"%s\" written by rustscope at the end of the labels",
			       key);
	*v = l[--*n].num;
	return 0;
}

/* Removes the labels exporters/pprof.c appends for a sample's thread and
 * time (docs/pprof.md) and returns those values. */
static int pp_strip_synthetic(const rs_session *s, const pp_own *own, rs_label *l, size_t *n,
			      int32_t *thread, int64_t *t, rs_err *err)
{
	int64_t v;
	if (own->time && pop_label(s, l, n, PP_L_TIME, true, t, err))
		return RS_EINPUT;
	if (!own->thread)
		return 0;
	if (pop_label(s, l, n, PP_L_THREAD_INDEX, true, &v, err))
		return RS_EINPUT;
	if (v < -1 || v >= (int64_t)s->nthreads)
		return rs_fail(err, RS_EINPUT, "label \"%s\" = %" PRId64 " is not a thread index", PP_L_THREAD_INDEX, v);
	*thread = (int32_t)v;
	if (v < 0)
		return 0;
	const rs_thread *th = &s->threads[v];
	if (th->pid >= 0 && pop_label(s, l, n, PP_L_PID, true, &v, err))
		return RS_EINPUT;
	if (th->tid >= 0 && pop_label(s, l, n, PP_L_TID, true, &v, err))
		return RS_EINPUT;
	if (th->name && pop_label(s, l, n, PP_L_THREAD, false, &v, err))
		return RS_EINPUT;
	return 0;
}

/* What one pprof Function contributes to each frame made from it. */
typedef struct fn_info {
	rs_str name, system_name, file, crate, module, unknown;
	uint8_t kind;
} fn_info;

/* One Sample as decoded from the wire; reused from sample to sample. */
typedef struct pp_label {
	int64_t key, str, num, num_unit;
} pp_label;

typedef struct pp_sample {
	uint64_t *loc;
	uint64_t *val; /* int64 values as their two's complement */
	pp_label *lab;
	size_t nloc, nval, nlab, loc_cap, val_cap, lab_cap;
} pp_sample;

enum { BATCH = 1024, NBATCH = 4, AHEAD = 8 };

/* Consecutive samples as the decoder thread hands them over: each one's
 * stack as a frame path (root first), its values and its raw labels. */
typedef struct pp_batch {
	size_t first, n; /* samples first .. first + n - 1, all good */
	uint32_t *frames; /* their paths, back to back */
	size_t nframes, frames_cap;
	uint64_t *val; /* n rows of one value per sample type */
	size_t val_cap;
	pp_label *lab;
	size_t nlab, lab_cap;
	size_t path_end[BATCH], lab_end[BATCH]; /* sample first + k ends at [k] */
	int rc; /* sample first + n is bad: err says why */
	bool full; /* handed over, not yet given back (guarded by mu) */
	rs_err err;
} pp_batch;

typedef struct pp_pipe {
	pp_batch b[NBATCH]; /* batch k is b[k % NBATCH] */
	pp_sample sm; /* the decoder's */
	size_t scan; /* where the decoder searches the next sample */
	pthread_t th;
	bool threaded, quit;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} pp_pipe;

typedef struct ctx {
	rs_session *s;
	const PProfile *p; /* everything but the samples */
	const uint8_t *raw; /* the whole Profile message, for the samples */
	size_t nraw, nsample;
	pp_pipe pipe;
	const char *path;
	rs_err *err;
	rs_str *strmap; /* string_table index → session string, STR_UNSET until used */
	pp_idmap mapping_ids, function_ids, location_ids;
	fn_info *fns;
	uint32_t *loc_start, *loc_count; /* frames of location i: loc_frames[start, +count) */
	uint32_t *loc_frames;
	rs_label *labels;
	size_t labels_cap;
	rs_rustname rn;
	rs_pp_fn_frame fn_frame;
	rs_strbuf sb;
} ctx;

/* --- strings --- */

static int bad_string(ctx *c, int64_t idx, const char *field)
{
	return rs_fail(c->err, RS_EINPUT, "%s: %s: string index %" PRId64 " is out of range (string_table has %zu entries)",
		       c->path, field, idx, c->p->n_string_table);
}

/* The session string for string_table[idx]; idx is checked first. */
static int str_at(ctx *c, int64_t idx, const char *field, rs_str *out)
{
	if (idx < 0 || (uint64_t)idx >= (c->p->n_string_table ? c->p->n_string_table : 1))
		return bad_string(c, idx, field);
	if (c->p->n_string_table == 0) {
		*out = 0;
		return 0;
	}
	if (c->strmap[idx] == STR_UNSET)
		c->strmap[idx] = rs_intern_cstr(c->s, c->p->string_table[idx]);
	*out = c->strmap[idx];
	return 0;
}

static const char *cstr(ctx *c, rs_str id) { return rs_s(c->s, id); }

/* --- decoding --- */

static void *arena_alloc(void *data, size_t size) { return rs_arena_alloc(data, size); }
static void arena_free(void *data, void *p) { (void)data, (void)p; }

/* The top-level scan: counts the repeated fields against --max-elements
 * before protobuf-c allocates them, rejects a broken wire structure with
 * its byte offset, and copies every field but the samples (field 2) into
 * rest, for protobuf-c. It takes the fields as they arrive, while the rest
 * of a gzipped input is inflated on rs_input's thread; a problem is kept
 * for when the input is read, so that a read error still comes first. */
typedef struct pp_scan {
	uint64_t count[16];
	size_t pos, nsample;
	rs_strbuf rest;
	size_t own_at, own_len; /* the rustscope session field, if any (own_len > 0) */
	int rc;
	rs_err err;
} pp_scan;

/* Whole fields only, until eof: with 20 bytes left a tag and a length
 * cannot be cut short, so only a value may still be coming. */
static void scan_fields(pp_scan *sc, const uint8_t *b, size_t n, bool eof, const char *path)
{
	pp_wire w = {b, n, sc->pos, NULL};
	while (!sc->rc && (eof ? w.pos < n : n - w.pos >= 20)) {
		size_t at = w.pos, len_at;
		uint64_t len;
		uint32_t field;
		int wt;
		if (wire_field(&w, &field, &wt, &len_at, &len)) {
			if (!eof && w.ran_out) {
				w.pos = at;
				break;
			}
			sc->rc = rs_fail(&sc->err, RS_EINPUT, "%s: byte offset %zu: not a pprof protobuf (%s)",
					 path, at, w.why);
		} else if (field < 16 && ++sc->count[field] > rs_limits_cur.max_elements) {
			sc->rc = rs_fail(&sc->err, RS_EINPUT,
					 "%s: Profile.%s has more than %" PRIu64 " entries (raise the limit with --max-elements)",
					 path, pp_profile_field_name(field), rs_limits_cur.max_elements);
		} else if (field == 2 && wt == 2) {
			sc->nsample++;
		} else if (field == PP_SESSION_FIELD && wt == 2) {
			sc->own_at = len_at, sc->own_len = (size_t)len; /* the last one wins */
		} else {
			rs_sb_add(&sc->rest, (const char *)b + at, w.pos - at);
		}
	}
	sc->pos = w.pos;
}

/* scan_fields on what has arrived, as rs_input_read_all_seen reads. */
typedef struct pp_scan_in {
	pp_scan *sc;
	const char *path;
} pp_scan_in;

static void scan_seen(void *arg, const unsigned char *b, size_t n, bool done)
{
	pp_scan_in *x = arg;
	scan_fields(x->sc, b, n, done, x->path);
}

/* Decodes all but the samples into *out; *buf keeps the raw message (the
 * caller frees it), in which *own is the rustscope session field's text. */
static int decode(rs_input *in, rs_arena *arena, PProfile **out, unsigned char **buf, size_t *len,
		  size_t *nsample, rs_strbuf *own, rs_err *err)
{
	pp_scan sc = {0};
	pp_scan_in x = {&sc, in->path};
	int rc = rs_input_read_all_seen(in, buf, len, scan_seen, &x, err);
	if (!rc && *len == 0)
		rc = rs_fail(err, RS_EINPUT, "%s: empty profile (0 bytes after decompression), expected a pprof Profile message",
			     in->path);
	if (!rc && sc.rc)
		rc = rs_fail(err, sc.rc, "%s", sc.err.msg);
	if (!rc) {
		ProtobufCAllocator a = {arena_alloc, arena_free, arena};
		const uint8_t *rest = (const uint8_t *)(sc.rest.buf ? sc.rest.buf : "");
		*out = perftools__profiles__profile__unpack(&a, sc.rest.len, rest);
		*nsample = sc.nsample;
		if (sc.own_len)
			rs_sb_add(own, *buf + sc.own_at, sc.own_len);
		rc = *out ? 0 : pp_explain_decode_failure(*buf, *len, in->path, err);
	}
	rs_sb_free(&sc.rest);
	return rc;
}

/* --- samples, decoded from the wire --- */

/* Appends a varint (wt 0) or a packed run of them (wt 2) to *v. */
static int wire_repeated(pp_wire *w, int wt, uint64_t **v, size_t *n, size_t *cap)
{
	uint64_t x, len;
	if (wt == 0) {
		if (wire_varint(w, &x))
			return -1;
		RS_GROW(*v, *cap, *n + 1);
		(*v)[(*n)++] = x;
		return 0;
	}
	if (wt != 2 || wire_varint(w, &len) || len > w->n - w->pos)
		return -1;
	pp_wire sub = {w->b + w->pos, (size_t)len, 0, NULL};
	w->pos += (size_t)len;
	while (sub.pos < sub.n) {
		if (wire_varint(&sub, &x))
			return -1;
		if (*n == *cap)
			RS_GROW(*v, *cap, *n + 1);
		(*v)[(*n)++] = x;
	}
	return 0;
}

/* Skips a field this decoder does not read (unknown fields are allowed). */
static int wire_skip_value(pp_wire *w, int wt)
{
	uint64_t v;
	switch (wt) {
	case 0: return wire_varint(w, &v);
	case 1: return wire_skip(w, 8, "truncated 64-bit field");
	case 5: return wire_skip(w, 4, "truncated 32-bit field");
	case 2: return wire_varint(w, &v) || wire_skip(w, v > w->n ? w->n + 1 : (size_t)v, "truncated");
	default: return -1;
	}
}

static int wire_tag(pp_wire *w, uint32_t *field, int *wt)
{
	uint64_t tag;
	if (wire_varint(w, &tag))
		return -1;
	*field = (uint32_t)(tag >> 3);
	*wt = (int)(tag & 7);
	return *field == 0 || tag >> 32 ? -1 : 0;
}

static int decode_label(const uint8_t *b, size_t n, pp_label *l)
{
	pp_wire w = {b, n, 0, NULL};
	memset(l, 0, sizeof *l);
	while (w.pos < w.n) {
		uint32_t field;
		int wt;
		uint64_t v;
		if (wire_tag(&w, &field, &wt))
			return -1;
		if (field < 1 || field > 4) {
			if (wire_skip_value(&w, wt))
				return -1;
			continue;
		}
		if (wt != 0 || wire_varint(&w, &v))
			return -1;
		int64_t *dst[5] = {NULL, &l->key, &l->str, &l->num, &l->num_unit};
		*dst[field] = (int64_t)v;
	}
	return 0;
}

static int decode_sample(pp_sample *sm, const uint8_t *b, size_t n)
{
	pp_wire w = {b, n, 0, NULL};
	sm->nloc = sm->nval = sm->nlab = 0;
	while (w.pos < w.n) {
		uint32_t field;
		int wt;
		uint64_t len;
		if (wire_tag(&w, &field, &wt))
			return -1;
		if (field == 1 && wire_repeated(&w, wt, &sm->loc, &sm->nloc, &sm->loc_cap))
			return -1;
		if (field == 2 && wire_repeated(&w, wt, &sm->val, &sm->nval, &sm->val_cap))
			return -1;
		if (field == 3) {
			if (wt != 2 || wire_varint(&w, &len) || len > w.n - w.pos)
				return -1;
			RS_GROW(sm->lab, sm->lab_cap, sm->nlab + 1);
			if (decode_label(w.b + w.pos, (size_t)len, &sm->lab[sm->nlab++]))
				return -1;
			w.pos += (size_t)len;
		}
		if (field > 3 && wire_skip_value(&w, wt))
			return -1;
	}
	return 0;
}

/* Decodes the next sample of the raw message, searched from *scan, into
 * *smp. The top level was checked by scan_fields; a broken sample is
 * explained like any other decoding failure, with its byte offset and
 * field path. */
static int next_sample(const ctx *c, size_t *scan, pp_sample *smp, rs_err *err)
{
	pp_wire w = {c->raw, c->nraw, *scan, NULL};
	size_t len_at = 0;
	uint64_t len = 0;
	uint32_t field = 0;
	int wt = 0;
	while (w.pos < w.n && !wire_field(&w, &field, &wt, &len_at, &len) && !(field == 2 && wt == 2))
		;
	*scan = w.pos;
	if (field != 2 || wt != 2 || decode_sample(smp, c->raw + len_at, (size_t)len))
		return pp_explain_decode_failure(c->raw, c->nraw, c->path, err);
	return 0;
}

/* --- validation (Go's CheckValid, plus string indices) --- */

static int index_ids(ctx *c, pp_idmap *m, size_t n, uint64_t (*id_of)(const ctx *, size_t),
		     const char *what)
{
	pp_idmap_init(m, n);
	bool dense = true;
	for (size_t i = 0; i < n; i++) {
		uint64_t id = id_of(c, i);
		dense &= id == i + 1;
		if (id == 0)
			return rs_fail(c->err, RS_EINPUT, "%s: %s %zu: id is 0 (ids must be nonzero)", c->path, what, i);
		if (!pp_idmap_put(m, id, (uint32_t)i))
			return rs_fail(c->err, RS_EINPUT, "%s: %s %zu: duplicate id %" PRIu64, c->path, what, i, id);
	}
	m->dense = dense ? n : 0;
	return 0;
}

static uint64_t mapping_id(const ctx *c, size_t i) { return c->p->mapping[i]->id; }
static uint64_t function_id(const ctx *c, size_t i) { return c->p->function[i]->id; }
static uint64_t location_id(const ctx *c, size_t i) { return c->p->location[i]->id; }

static int check_header(ctx *c)
{
	const PProfile *p = c->p;
	if (p->n_string_table && p->string_table[0][0] != 0)
		return rs_fail(c->err, RS_EINPUT, "%s: string_table[0] is \"%.40s\", expected \"\"", c->path,
			       p->string_table[0]);
	if (c->nsample && !p->n_sample_type)
		return rs_fail(c->err, RS_EINPUT, "%s: the profile has %zu samples but no sample_type", c->path,
			       c->nsample);
	int rc = index_ids(c, &c->mapping_ids, p->n_mapping, mapping_id, "mapping");
	if (!rc)
		rc = index_ids(c, &c->function_ids, p->n_function, function_id, "function");
	if (!rc)
		rc = index_ids(c, &c->location_ids, p->n_location, location_id, "location");
	return rc;
}

/* --- session header: sample types, period, times, extra --- */

static int value_type(ctx *c, const Perftools__Profiles__ValueType *vt, const char *field,
		      rs_value_type *out)
{
	char f[64];
	snprintf(f, sizeof f, "%s.type", field);
	int rc = str_at(c, vt->type, f, &out->type);
	snprintf(f, sizeof f, "%s.unit", field);
	return rc ? rc : str_at(c, vt->unit, f, &out->unit);
}

static int import_header(ctx *c)
{
	const PProfile *p = c->p;
	rs_session *s = c->s;
	for (size_t i = 0; i < p->n_sample_type; i++) {
		char f[48];
		snprintf(f, sizeof f, "sample_type[%zu]", i);
		rs_value_type vt;
		int rc = value_type(c, p->sample_type[i], f, &vt);
		if (rc)
			return rc;
		rs_sample_type_add(s, cstr(c, vt.type), cstr(c, vt.unit));
	}
	s->period = p->period;
	if (p->period_type) {
		int rc = value_type(c, p->period_type, "period_type", &s->period_type);
		if (rc)
			return rc;
	}
	if (p->time_nanos)
		s->info.start_time_ns = p->time_nanos;
	if (p->duration_nanos)
		s->info.duration_ns = p->duration_nanos;
	return str_at(c, p->default_sample_type, "default_sample_type", &s->default_sample_type);
}

/* extra = {"pprof":{"comments":[...],"drop_frames":..,"keep_frames":..,"doc_url":..}}
 * with only the members the file sets. */
static int import_extra(ctx *c)
{
	const PProfile *p = c->p;
	rs_str drop, keep, doc;
	int rc = str_at(c, p->drop_frames, "drop_frames", &drop);
	if (!rc)
		rc = str_at(c, p->keep_frames, "keep_frames", &keep);
	if (!rc)
		rc = str_at(c, p->doc_url, "doc_url", &doc);
	if (rc)
		return rc;
	if (!p->n_comment && !drop && !keep && !doc)
		return 0;
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "pprof");
	rs_jw_obj(&w);
	if (p->n_comment) {
		rs_jw_key(&w, "comments");
		rs_jw_arr(&w);
		for (size_t i = 0; i < p->n_comment && !rc; i++) {
			char f[32];
			snprintf(f, sizeof f, "comment[%zu]", i);
			rs_str cm;
			rc = str_at(c, p->comment[i], f, &cm);
			if (!rc)
				rs_jw_str(&w, cstr(c, cm), rs_slen(c->s, cm));
		}
		rs_jw_arr_end(&w);
	}
	const struct { const char *k; rs_str v; } f[] = {{"drop_frames", drop}, {"keep_frames", keep}, {"doc_url", doc}};
	for (size_t i = 0; i < 3; i++)
		if (f[i].v) {
			rs_jw_key(&w, f[i].k);
			rs_jw_str(&w, cstr(c, f[i].v), rs_slen(c->s, f[i].v));
		}
	rs_jw_obj_end(&w);
	rs_jw_obj_end(&w);
	rs_jw_finish(&w);
	if (!rc)
		c->s->extra = rs_intern(c->s, sb.buf, sb.len);
	rs_sb_free(&sb);
	return rc;
}

/* --- mappings and functions --- */

static int import_mappings(ctx *c)
{
	for (size_t i = 0; i < c->p->n_mapping; i++) {
		const PMapping *pm = c->p->mapping[i];
		char f[48];
		rs_mapping m = {.start = pm->memory_start, .limit = pm->memory_limit, .offset = pm->file_offset};
		snprintf(f, sizeof f, "mapping[%zu].filename", i);
		int rc = str_at(c, pm->filename, f, &m.file);
		snprintf(f, sizeof f, "mapping[%zu].build_id", i);
		if (!rc)
			rc = str_at(c, pm->build_id, f, &m.build_id);
		if (rc)
			return rc;
		rs_sb_reset(&c->sb);
		rs_pp_unknown_bool(&c->sb, "pprof_has_functions", pm->has_functions);
		rs_pp_unknown_bool(&c->sb, "pprof_has_filenames", pm->has_filenames);
		rs_pp_unknown_bool(&c->sb, "pprof_has_line_numbers", pm->has_line_numbers);
		rs_pp_unknown_bool(&c->sb, "pprof_has_inline_frames", pm->has_inline_frames);
		m.unknown = rs_intern(c->s, c->sb.buf ? c->sb.buf : "", c->sb.len);
		rs_mapping_add(c->s, &m);
	}
	return 0;
}

/* Name, kind, crate and module of a function; what the frame cannot hold
 * (start_line, the name as written when we demangled it) into unknown. */
static int import_function(ctx *c, size_t i)
{
	const PFunction *pf = c->p->function[i];
	fn_info *fi = &c->fns[i];
	rs_str name, sys;
	char f[48];
	snprintf(f, sizeof f, "function[%zu].name", i);
	int rc = str_at(c, pf->name, f, &name);
	snprintf(f, sizeof f, "function[%zu].system_name", i);
	if (!rc)
		rc = str_at(c, pf->system_name, f, &sys);
	snprintf(f, sizeof f, "function[%zu].filename", i);
	if (!rc)
		rc = str_at(c, pf->filename, f, &fi->file);
	if (rc)
		return rc;
	rs_pp_function fn = {cstr(c, name), cstr(c, sys), cstr(c, fi->file), pf->start_line};
	rs_pp_fn_frame *d = &c->fn_frame;
	rs_pp_fn_frame_of(&c->rn, &fn, d);
	fi->name = rs_intern_cstr(c->s, d->name);
	fi->system_name = rs_intern_cstr(c->s, d->system_name);
	fi->kind = d->kind;
	fi->crate = rs_intern_cstr(c->s, d->crate);
	fi->module = rs_intern_cstr(c->s, d->module);
	fi->unknown = rs_intern(c->s, d->unknown.buf ? d->unknown.buf : "", d->unknown.len);
	return 0;
}

static int import_functions(ctx *c)
{
	int rc = 0;
	c->fns = rs_xcalloc(c->p->n_function + 1, sizeof *c->fns);
	for (size_t i = 0; i < c->p->n_function && !rc; i++)
		rc = import_function(c, i);
	return rc;
}

/* --- locations → frames --- */

static rs_str with_folded(ctx *c, rs_str unknown)
{
	rs_sb_reset(&c->sb);
	rs_sb_add(&c->sb, cstr(c, unknown), rs_slen(c->s, unknown));
	rs_pp_add_folded(&c->sb);
	return rs_intern(c->s, c->sb.buf, c->sb.len);
}

static int32_t location_mapping(ctx *c, size_t i)
{
	const PLocation *pl = c->p->location[i];
	uint32_t mi;
	if (!pl->mapping_id)
		return -1;
	if (pp_idmap_get(&c->mapping_ids, pl->mapping_id, &mi))
		return (int32_t)mi;
	/* Go's pprof accepts this and drops the reference; so do we, aloud. */
	rs_warn("%s: location %zu: mapping id %" PRIu64 " does not exist (ignored)", c->path, i,
		pl->mapping_id);
	return -1;
}

static void frame_from_address(ctx *c, const PLocation *pl, int32_t mapping, rs_frame *fr)
{
	char name[32];
	snprintf(name, sizeof name, "0x%" PRIx64, pl->address);
	rs_frame_init(fr);
	fr->name = rs_intern_cstr(c->s, name);
	fr->address = pl->address;
	fr->mapping = mapping;
	fr->kind = RS_KIND_UNKNOWN;
	if (pl->is_folded)
		fr->unknown = with_folded(c, 0);
}

static int line_frame(ctx *c, size_t i, size_t j, int32_t mapping, rs_frame *fr)
{
	const PLocation *pl = c->p->location[i];
	const Perftools__Profiles__Line *ln = pl->line[j];
	uint32_t fi;
	if (!ln->function_id || !pp_idmap_get(&c->function_ids, ln->function_id, &fi))
		return ln->function_id
			       ? rs_fail(c->err, RS_EINPUT, "%s: location %zu (id %" PRIu64 ") line %zu: function id %" PRIu64 " does not exist",
					 c->path, i, pl->id, j, ln->function_id)
			       : rs_fail(c->err, RS_EINPUT, "%s: location %zu (id %" PRIu64 ") line %zu: function_id is 0, expected the id of a function",
					 c->path, i, pl->id, j);
	if (ln->line < 0 || ln->column < 0) /* lines count from 1; 0 = unknown */
		return rs_fail(c->err, RS_EINPUT, "%s: location %zu (id %" PRIu64 ") line %zu: %s %" PRId64
			       " is negative", c->path, i, pl->id, j, ln->line < 0 ? "line number" : "column",
			       ln->line < 0 ? ln->line : ln->column);
	const fn_info *fn = &c->fns[fi];
	rs_frame_init(fr);
	fr->name = fn->name;
	fr->system_name = fn->system_name;
	fr->file = fn->file;
	fr->crate = fn->crate;
	fr->module = fn->module;
	fr->kind = fn->kind;
	fr->unknown = pl->is_folded ? with_folded(c, fn->unknown) : fn->unknown;
	fr->line = ln->line;
	fr->column = ln->column;
	fr->address = pl->address;
	fr->mapping = mapping;
	fr->is_inline = j + 1 < pl->n_line;
	return 0;
}

/* The frames of each location: loc_start/loc_count index loc_frames, one
 * frame per Line (one for a location without lines). */
static void alloc_location_tables(ctx *c)
{
	const PProfile *p = c->p;
	size_t total = 0;
	for (size_t i = 0; i < p->n_location; i++)
		total += p->location[i]->n_line ? p->location[i]->n_line : 1;
	c->loc_start = rs_xmalloc((p->n_location + 1) * sizeof *c->loc_start);
	c->loc_count = rs_xmalloc((p->n_location + 1) * sizeof *c->loc_count);
	c->loc_frames = rs_xmalloc((total + 1) * sizeof *c->loc_frames);
}

static int import_locations(ctx *c)
{
	const PProfile *p = c->p;
	alloc_location_tables(c);
	size_t k = 0;
	for (size_t i = 0; i < p->n_location; i++) {
		const PLocation *pl = p->location[i];
		int32_t mapping = location_mapping(c, i);
		c->loc_start[i] = (uint32_t)k;
		c->loc_count[i] = pl->n_line ? (uint32_t)pl->n_line : 1;
		rs_frame fr;
		if (!pl->n_line) {
			frame_from_address(c, pl, mapping, &fr);
			c->loc_frames[k++] = (uint32_t)rs_frame_add(c->s, &fr);
		}
		for (size_t j = 0; j < pl->n_line; j++) {
			int rc = line_frame(c, i, j, mapping, &fr);
			if (rc)
				return rc;
			c->loc_frames[k++] = (uint32_t)rs_frame_add(c->s, &fr);
		}
	}
	return 0;
}

/* --- samples ---
 *
 * A second thread decodes the samples, a batch at a time, into frame paths,
 * values and raw labels, while this one interns the paths into the stack
 * trie (the two halves of the time a big profile takes). The decoder reads
 * only what is fixed by then: the raw message and the location tables. A
 * batch holds its samples up to the first bad one, whose error this thread
 * reports when it gets there, so which error and which sample it names are
 * what a one-thread import says. A profile of one batch is decoded inline. */

static int check_values(const ctx *c, const pp_sample *ps, size_t i, rs_err *err)
{
	if (ps->nval != c->p->n_sample_type)
		return rs_fail(err, RS_EINPUT, "%s: sample %zu: has %zu values but the profile has %zu sample types (sample[%zu].value)",
			       c->path, i, ps->nval, c->p->n_sample_type, i);
	return 0;
}

/* Appends the stack of sample i to the batch: locations are leaf first and
 * lines innermost first, so reading both backwards gives root → leaf. */
static int sample_path(const ctx *c, const pp_sample *ps, size_t i, pp_batch *b)
{
	size_t n = b->nframes;
	for (size_t j = ps->nloc; j-- > 0;) {
		uint32_t li;
		if (!pp_idmap_get(&c->location_ids, ps->loc[j], &li))
			return rs_fail(&b->err, RS_EINPUT, "%s: sample %zu: location id %" PRIu64 " does not exist (sample[%zu].location_id[%zu])",
				       c->path, i, ps->loc[j], i, j);
		if (n + c->loc_count[li] > b->frames_cap)
			RS_GROW(b->frames, b->frames_cap, n + c->loc_count[li]);
		for (uint32_t k = c->loc_count[li]; k-- > 0;)
			b->frames[n++] = c->loc_frames[c->loc_start[li] + k];
	}
	b->nframes = n;
	return 0;
}

/* Decodes sample i (the next one) into the batch. */
static int decode_one(const ctx *c, pp_pipe *pp, pp_batch *b, size_t i)
{
	pp_sample *ps = &pp->sm;
	int rc = next_sample(c, &pp->scan, ps, &b->err);
	if (rc)
		return rc;
	rc = check_values(c, ps, i, &b->err);
	if (!rc)
		rc = sample_path(c, ps, i, b);
	if (rc)
		return rc;
	size_t k = i - b->first, nv = ps->nval;
	RS_GROW(b->val, b->val_cap, (k + 1) * nv);
	if (nv)
		memcpy(b->val + k * nv, ps->val, nv * sizeof *ps->val);
	RS_GROW(b->lab, b->lab_cap, b->nlab + ps->nlab);
	if (ps->nlab)
		memcpy(b->lab + b->nlab, ps->lab, ps->nlab * sizeof *ps->lab);
	b->nlab += ps->nlab;
	b->path_end[k] = b->nframes;
	b->lab_end[k] = b->nlab;
	return 0;
}

/* Decodes batch k, up to its end or its first bad sample. */
static void fill_batch(const ctx *c, pp_pipe *pp, pp_batch *b, size_t k)
{
	size_t end = c->nsample - k * BATCH < BATCH ? c->nsample : (k + 1) * BATCH;
	/* never empty, so that pointers into them are never NULL + 0 */
	RS_GROW(b->frames, b->frames_cap, 1);
	RS_GROW(b->val, b->val_cap, 1);
	RS_GROW(b->lab, b->lab_cap, 1);
	b->first = k * BATCH;
	b->n = b->nframes = b->nlab = 0;
	b->rc = b->err.code = 0;
	while (b->first + b->n < end && !(b->rc = decode_one(c, pp, b, b->first + b->n)))
		b->n++;
}

static void *decoder(void *arg)
{
	ctx *c = arg;
	pp_pipe *pp = &c->pipe;
	bool stop = false;
	for (size_t k = 0; k * BATCH < c->nsample && !stop; k++) {
		pp_batch *b = &pp->b[k % NBATCH];
		pthread_mutex_lock(&pp->mu);
		while (b->full && !pp->quit)
			pthread_cond_wait(&pp->cv, &pp->mu);
		stop = pp->quit;
		pthread_mutex_unlock(&pp->mu);
		if (stop)
			break;
		fill_batch(c, pp, b, k);
		stop = b->rc != 0;
		pthread_mutex_lock(&pp->mu);
		b->full = true;
		pthread_cond_broadcast(&pp->cv);
		pthread_mutex_unlock(&pp->mu);
	}
	return NULL;
}

static void pipe_start(ctx *c)
{
	pp_pipe *pp = &c->pipe;
	pp->scan = 0;
	pp->quit = false;
	for (size_t k = 0; k < NBATCH; k++)
		pp->b[k].full = false;
	pthread_mutex_init(&pp->mu, NULL);
	pthread_cond_init(&pp->cv, NULL);
	/* when the thread cannot start, batches are decoded inline */
	pp->threaded = c->nsample > BATCH && pthread_create(&pp->th, NULL, decoder, c) == 0;
}

static pp_batch *pipe_get(ctx *c, size_t k)
{
	pp_pipe *pp = &c->pipe;
	pp_batch *b = &pp->b[k % NBATCH];
	if (!pp->threaded) {
		fill_batch(c, pp, b, k);
		return b;
	}
	pthread_mutex_lock(&pp->mu);
	while (!b->full)
		pthread_cond_wait(&pp->cv, &pp->mu);
	pthread_mutex_unlock(&pp->mu);
	return b;
}

static void pipe_put(ctx *c, pp_batch *b)
{
	pthread_mutex_lock(&c->pipe.mu);
	b->full = false;
	pthread_cond_broadcast(&c->pipe.cv);
	pthread_mutex_unlock(&c->pipe.mu);
}

/* Stops the decoder wherever it is (after an error here) and joins it. */
static void pipe_stop(ctx *c)
{
	pp_pipe *pp = &c->pipe;
	pthread_mutex_lock(&pp->mu);
	pp->quit = true;
	pthread_cond_broadcast(&pp->cv);
	pthread_mutex_unlock(&pp->mu);
	if (pp->threaded)
		pthread_join(pp->th, NULL);
	pp->threaded = false;
	pthread_mutex_destroy(&pp->mu);
	pthread_cond_destroy(&pp->cv);
}

/* A label's strings; the field names are only formatted for an error
 * message (this runs for every label of every sample). */
static int label_strings(ctx *c, size_t i, size_t j, const pp_label *pl, rs_label *l)
{
	const struct { int64_t idx; rs_str *out; const char *name; } f[3] = {
		{pl->key, &l->key, "key"}, {pl->str, &l->str, "str"}, {pl->num_unit, &l->unit, "num_unit"}};
	for (int k = 0; k < 3; k++) {
		if (f[k].idx >= 0 && (uint64_t)f[k].idx < c->p->n_string_table &&
		    c->strmap[f[k].idx] != STR_UNSET) {
			*f[k].out = c->strmap[f[k].idx];
			continue;
		}
		char field[80];
		snprintf(field, sizeof field, "sample[%zu].label[%zu].%s", i, j, f[k].name);
		int rc = str_at(c, f[k].idx, field, f[k].out);
		if (rc)
			return rc;
	}
	return 0;
}

static int sample_labels(ctx *c, size_t i, const pp_label *lab, size_t nlab)
{
	if (nlab > c->labels_cap)
		RS_GROW(c->labels, c->labels_cap, nlab);
	for (size_t j = 0; j < nlab; j++) {
		const pp_label *pl = &lab[j];
		rs_label *l = &c->labels[j];
		memset(l, 0, sizeof *l);
		int rc = label_strings(c, i, j, pl, l);
		if (rc)
			return rc;
		/* Go's rule: a string index of 0 means "not a string label". */
		l->is_num = pl->str == 0;
		l->num = l->is_num ? pl->num : 0;
		if (!l->is_num)
			l->unit = 0;
	}
	return 0;
}

/* Prefetches the root lookup of sample k of the batch (see rs_stack_prefetch). */
static void prefetch_root(ctx *c, const pp_batch *b, size_t k, bool second)
{
	if (k >= b->n)
		return;
	size_t at = k ? b->path_end[k - 1] : 0;
	if (b->path_end[k] > at)
		rs_stack_prefetch(c->s, -1, b->frames[at], second);
}

/* Adds sample k of the batch to the session. own: the file is our own, so
 * the synthetic labels are stripped and errors name the sample. */
static int add_sample(ctx *c, const pp_batch *b, size_t k, const pp_own *own)
{
	size_t i = b->first + k, p0 = k ? b->path_end[k - 1] : 0, l0 = k ? b->lab_end[k - 1] : 0;
	size_t nl = b->lab_end[k] - l0;
	int32_t thread = -1;
	int64_t t = RS_NO_TIME;
	prefetch_root(c, b, k + AHEAD, false);
	prefetch_root(c, b, k + AHEAD / 2, true);
	int rc = sample_labels(c, i, b->lab + l0, nl);
	if (!rc && own)
		rc = pp_strip_synthetic(c->s, own, c->labels, &nl, &thread, &t, c->err);
	if (rc) {
		if (own)
			rs_err_prefix(c->err, "%s: sample %zu: ", c->path, i);
		return rc;
	}
	int32_t stack = rs_stack_path(c->s, b->frames + p0, b->path_end[k] - p0);
	const int64_t *v = (const int64_t *)b->val + k * c->p->n_sample_type;
	rs_sample_add(c->s, stack, v, thread, t, c->labels, nl);
	return 0;
}

static int add_batch(ctx *c, const pp_batch *b, const pp_own *own)
{
	for (size_t k = 0; k < b->n; k++) {
		int rc = add_sample(c, b, k, own);
		if (rc)
			return rc;
	}
	if (!b->rc)
		return 0;
	/* the message names the sample already: by its field path when it
	 * does not decode (Profile.sample[i]...), else as "sample i:" */
	rs_fail(c->err, b->rc, "%s", b->err.msg);
	return b->rc;
}

/* A profile this big adds enough stack nodes for prefaulting to pay. */
enum { PREFAULT_MIN = 16 * BATCH }; /* samples */

static int add_samples(ctx *c, const pp_own *own)
{
	int rc = 0;
	if (c->nsample >= PREFAULT_MIN)
		rs_stack_prefault_start(c->s);
	pipe_start(c);
	for (size_t k = 0; k * BATCH < c->nsample && !rc; k++) {
		pp_batch *b = pipe_get(c, k);
		rc = add_batch(c, b, own);
		pipe_put(c, b);
	}
	pipe_stop(c);
	rs_stack_prefault_stop(c->s);
	return rc;
}

static int import_foreign(ctx *c)
{
	int rc = import_header(c);
	if (!rc)
		rc = import_extra(c);
	if (!rc)
		rc = import_mappings(c);
	if (!rc)
		rc = import_functions(c);
	if (!rc)
		rc = import_locations(c);
	if (!rc)
		rc = add_samples(c, NULL);
	return rc;
}

/* --- files written by exporters/pprof.c --- */

/* The frame of a location without lines: exporters/pprof.c writes one for
 * an address-only frame (see frame_from_address), which the session
 * restored from that text must already hold. */
static int own_address_frame(ctx *c, size_t i, uint32_t *frame)
{
	rs_frame fr;
	size_t before = c->s->nframes;
	frame_from_address(c, c->p->location[i], location_mapping(c, i), &fr);
	*frame = (uint32_t)rs_frame_add(c->s, &fr);
	if (c->s->nframes != before)
		return rs_fail(c->err, RS_EINPUT, "%s: location %zu: no frame of the rustscope session has address 0x%" PRIx64 " (was the file edited?)",
			       c->path, i, c->p->location[i]->address);
	return 0;
}

/* Frames of each location: function ids are frame indices + 1. */
static int own_locations(ctx *c)
{
	const PProfile *p = c->p;
	alloc_location_tables(c);
	size_t k = 0;
	for (size_t i = 0; i < p->n_location; i++) {
		const PLocation *pl = p->location[i];
		c->loc_start[i] = (uint32_t)k;
		c->loc_count[i] = pl->n_line ? (uint32_t)pl->n_line : 1;
		if (!pl->n_line) {
			int rc = own_address_frame(c, i, &c->loc_frames[k++]);
			if (rc)
				return rc;
		}
		for (size_t j = 0; j < pl->n_line; j++) {
			uint64_t fid = pl->line[j]->function_id;
			if (fid == 0 || fid > c->s->nframes)
				return rs_fail(c->err, RS_EINPUT, "%s: location %zu line %zu: function id %" PRIu64 " does not name a frame of the rustscope session",
					       c->path, i, j, fid);
			c->loc_frames[k++] = (uint32_t)(fid - 1);
		}
	}
	return 0;
}

static int own_samples(ctx *c, const pp_own *own)
{
	int rc = add_samples(c, own);
	if (rc)
		return rc;
	c->s->samples.has_thread = own->thread;
	c->s->samples.has_time = own->time;
	c->s->samples.has_labels = own->labels;
	return 0;
}

/* The frames column: the frames are what the importer derives from the
 * Functions and Locations of any pprof. *same: they come out as many and
 * the same as the exporter's (its digest), so the file was not edited. */
static int own_frames(ctx *c, const pp_own *own, bool *same)
{
	int rc = import_functions(c);
	if (!rc)
		rc = import_locations(c);
	*same = !rc && c->s->nframes == own->nframes && rs_frames_digest(c->s) == own->digest;
	return rc;
}

/* Whether the session rustscope wrote fits the protobuf: as many mappings and
 * sample types, and a frame per Function unless the frames are rebuilt. */
static bool own_fits(const ctx *c, const rs_session *tmp, const pp_own *own)
{
	return (own->frames ? tmp->nframes == 0 : tmp->nframes == c->p->n_function) &&
	       tmp->nmappings == c->p->n_mapping && tmp->nsample_types == c->p->n_sample_type;
}

static void strmap_reset(ctx *c)
{
	memset(c->strmap, 0xff, (c->p->n_string_table + 1) * sizeof *c->strmap);
}

/* The functions and the frames of each location, as made for a session. */
static void tables_free(ctx *c)
{
	free(c->fns);
	free(c->loc_start);
	free(c->loc_count);
	free(c->loc_frames);
	c->fns = NULL;
	c->loc_start = c->loc_count = c->loc_frames = NULL;
}

/* Forgets what the restored session's tables made (before a plain import). */
static void tables_reset(ctx *c)
{
	strmap_reset(c);
	tables_free(c);
}

static void not_own(const ctx *c)
{
	rs_warn("%s: the session rustscope wrote in it does not match the profile (edited?); importing it as a plain pprof",
		c->path);
}

/* Restores the session from the text rustscope wrote; *used = false (and no
 * error) when it does not match the protobuf, e.g. the file was
 * edited by another tool, so the caller falls back to a plain import. */
static int import_own(ctx *c, const char *text, bool *used)
{
	pp_own own;
	rs_session *tmp = rs_session_new();
	int rc = pp_own_parse(text, c->path, tmp, &own, c->err);
	*used = false;
	if (!rc && !own_fits(c, tmp, &own)) {
		not_own(c);
	} else if (!rc) {
		rs_session_swap(c->s, tmp);
		/* string indices now refer to this session */
		strmap_reset(c);
		bool same = true;
		rc = own.frames ? own_frames(c, &own, &same) : own_locations(c);
		if (!rc && !same) {
			rs_session_swap(c->s, tmp); /* back to the untouched one */
			tables_reset(c);
			not_own(c);
		} else {
			*used = true;
			if (!rc)
				rc = own_samples(c, &own);
		}
	}
	rs_session_free(tmp);
	return rc;
}

/* The session rustscope wrote: its field, else (older files) its comment;
 * the last one wins. */
static const char *find_own(ctx *c, const rs_strbuf *field)
{
	if (field->len && !memchr(field->buf, 0, field->len) &&
	    strncmp(field->buf, PP_OWN_PREFIX, strlen(PP_OWN_PREFIX)) == 0)
		return field->buf;
	const char *found = NULL;
	for (size_t i = 0; i < c->p->n_comment; i++) {
		int64_t k = c->p->comment[i];
		if (k > 0 && (uint64_t)k < c->p->n_string_table &&
		    strncmp(c->p->string_table[k], PP_OWN_PREFIX, strlen(PP_OWN_PREFIX)) == 0)
			found = c->p->string_table[k];
	}
	return found;
}

static void ctx_free(ctx *c)
{
	free(c->strmap);
	pp_idmap_free(&c->mapping_ids);
	pp_idmap_free(&c->function_ids);
	pp_idmap_free(&c->location_ids);
	tables_free(c);
	free(c->labels);
	free(c->pipe.sm.loc);
	free(c->pipe.sm.val);
	free(c->pipe.sm.lab);
	for (size_t k = 0; k < NBATCH; k++) {
		free(c->pipe.b[k].frames);
		free(c->pipe.b[k].val);
		free(c->pipe.b[k].lab);
	}
	rs_rust_name_free(&c->rn);
	rs_sb_free(&c->fn_frame.unknown);
	rs_sb_free(&c->sb);
}

int rs_import_pprof(rs_input *in, rs_session *s, rs_err *err)
{
	rs_arena arena = {0};
	PProfile *p = NULL;
	unsigned char *raw = NULL;
	size_t nraw = 0, nsample = 0;
	rs_strbuf own_field = {0};
	int rc = decode(in, &arena, &p, &raw, &nraw, &nsample, &own_field, err);
	if (rc) {
		free(raw);
		rs_sb_free(&own_field);
		rs_arena_free(&arena);
		return rc;
	}
	ctx c = {.s = s, .p = p, .raw = raw, .nraw = nraw, .nsample = nsample, .path = in->path, .err = err};
	c.strmap = rs_xmalloc((p->n_string_table + 1) * sizeof *c.strmap);
	strmap_reset(&c);
	rc = check_header(&c);
	/* --native reads only what pprof itself carries (importers/embedded.c). */
	const char *own = rc || rs_import_opts_cur.ignore_embedded ? NULL : find_own(&c, &own_field);
	bool used = false;
	if (own)
		rc = import_own(&c, own, &used);
	if (!rc && !used)
		rc = import_foreign(&c);
	ctx_free(&c);
	free(raw);
	rs_sb_free(&own_field);
	rs_arena_free(&arena);
	return rc;
}

/* --- sniffing --- */

static bool sniff_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* A walk over the top-level fields of a profile.proto Profile message:
 * every field number known, wire types right, lengths inside the input. */
int rs_sniff_pprof(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	int fields = 0;
	while (p < end) {
		uint64_t tag, v;
		if (!sniff_varint(&p, end, &tag))
			return fields >= 2 && n >= RS_PEEK_MAX ? 70 : 0;
		uint64_t field = tag >> 3, wt = tag & 7;
		if (field < 1 || (field > 16 && field != PP_SESSION_FIELD) || (wt != 0 && wt != 2))
			return 0;
		bool len_ok = field <= 6 || field == 11 || field == 13 || field == PP_SESSION_FIELD;
		if (wt == 2 && !len_ok)
			return 0;
		if (!sniff_varint(&p, end, &v))
			return fields >= 2 && n >= RS_PEEK_MAX ? 70 : 0;
		if (wt == 2) {
			if (v > (uint64_t)(end - p))
				return n >= RS_PEEK_MAX && fields >= 1 ? 70 : 0;
			p += v;
		}
		fields++;
	}
	return fields ? 90 : 0;
}
