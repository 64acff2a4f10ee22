/* Chrome Trace Event Format → ProfileSession, streamed (never a DOM of the
 * file): the object form {"traceEvents": [...], ...} and the bare array,
 * which may lack its closing "]". X and matched B/E become intervals, i/I
 * markers, C counters, M thread_name thread names, Profile/ProfileChunk/
 * CpuProfile V8 samples, stackFrames + samples / P events samples; every
 * other event is kept verbatim in extra.chrome.events. Mapping and losses:
 * docs/chrome.md. */
#include "../lib/checked.h"
#include "../lib/json_read.h"
#include "../lib/rustname.h"
#include "../lib/sniff.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "../schema/interval_samples.h"
#include "importers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_TOP = 1, T_EVENTS, T_EV, T_META, T_SF, T_SF_ITEM, T_SAMPLES, T_SAMPLE };

/* The members of the event being read; numbers keep their source text. */
typedef struct ev {
	rs_strbuf ph, name, cat, args, unk, ts_raw, dur_raw, pid_raw, tid_raw, id;
	rs_strbuf sf_raw; /* the text of "sf" (a stack frame id, also kept in unk) */
	bool has_name, has_cat, has_args, has_ts, has_dur, has_pid, has_tid, has_id, bad_ts;
	bool has_sf;
	bool odd; /* a member the format defines has a value of another type */
	uint16_t seen; /* members met so far, by ev_key */
	int64_t ts, dur, pid, tid;
} ev;
#define EV_BUFS(e) {&(e)->ph, &(e)->name, &(e)->cat, &(e)->args, &(e)->unk, &(e)->ts_raw, \
		    &(e)->dur_raw, &(e)->pid_raw, &(e)->tid_raw, &(e)->id, &(e)->sf_raw}
#define EV_FLAGS(e) {&(e)->has_name, &(e)->has_cat, &(e)->has_args, &(e)->has_ts, &(e)->has_dur, \
		     &(e)->has_pid, &(e)->has_tid, &(e)->has_id, &(e)->bad_ts, &(e)->has_sf, \
		     &(e)->odd}

/* A B or E event, paired once the whole file is read (events may be
 * unsorted; pairing is per thread in time order, file order on ties). */
typedef struct be {
	int64_t ts;
	uint64_t seq;
	int32_t thread;
	bool begin, has_name, has_cat, has_args, has_id;
	uint32_t id_len;
	rs_str name, cat, args, unknown; /* unknown: "id":ID if any, then the other members */
	rs_str nums; /* "ts":…,"dur":…,"pid":…,"tid":… as in the file: with the rest, the
		      * event is written again exactly if it stays unmatched */
} be;

/* A V8 profile inside the trace, keyed by pid and id. */
typedef struct prof {
	rs_str key;
	int32_t thread;
	rs_v8prof *p;
} prof;

/* A sample of the stackFrames form (P events and the "samples" array). */
typedef struct sfsample {
	int32_t thread;
	int64_t ts, weight;
	rs_str sf;
} sfsample;

typedef struct sframe {
	rs_str id, name, parent, unknown;
	int32_t stack;
	uint8_t state;
} sframe;

typedef struct lane {
	rs_str key;
	size_t counter;
} lane;

typedef struct tr {
	rs_session *s;
	const char *file;
	bool recorder; /* the second thread's: records events, has no session */
	rs_strbuf rec;
	rs_strbuf tmp[2]; /* scratch, reused per event: [0] unk_with_cat, [1] the callers */
	ev e;
	bool root_array, any_root;
	be *bes;
	size_t nbes, bes_cap;
	uint64_t seq;
	prof *profs;
	size_t nprofs, profs_cap;
	sfsample *sfs;
	size_t nsfs, sfs_cap;
	sframe *frames;
	size_t nframes, frames_cap;
	sfsample cur_sample;
	rs_str cur_sf_unknown;
	lane *lanes;
	size_t nlanes, lanes_cap;
	uint32_t *by_key; /* interned key → counter lane or profile index + 1 */
	size_t by_key_cap;
	rs_strbuf events;   /* kept verbatim: extra.chrome.events */
	rs_strbuf top;      /* other top-level members: extra.chrome */
	rs_strbuf meta;     /* metadata members but rustscope */
	rs_strbuf block;    /* metadata.rustscope */
	bool has_block, has_meta;
	size_t kept, bad_dur, unmatched;
	char kept_phases[64];
} tr;

/* --- small helpers --- */

static bool str_is(const rs_strbuf *b, const char *s) { return b->len == strlen(s) && memcmp(b->buf, s, b->len) == 0; }

static void ev_reset(ev *e)
{
	rs_strbuf *bufs[] = EV_BUFS(e);
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		rs_sb_reset(bufs[i]);
	bool *flags[] = EV_FLAGS(e);
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
		*flags[i] = false;
	e->seen = 0;
}

static void ev_free(ev *e)
{
	rs_strbuf *bufs[] = EV_BUFS(e);
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		rs_sb_free(bufs[i]);
}

/* The event as the second thread hands it over: flags, numbers, then each
 * buffer as a length and its bytes. */
static void ev_record(const ev *e, rs_strbuf *out)
{
	ev *m = (ev *)e; /* the macros take addresses; nothing is written */
	bool *flags[] = EV_FLAGS(m);
	rs_strbuf *bufs[] = EV_BUFS(m);
	enum { NF = sizeof flags / sizeof *flags, NB = sizeof bufs / sizeof *bufs };
	int64_t nums[] = {e->ts, e->dur, e->pid, e->tid};
	size_t size = NF + sizeof nums + NB * sizeof(uint32_t);
	for (size_t i = 0; i < NB; i++)
		size += bufs[i]->len;
	RS_GROW(out->buf, out->cap, size + 1);
	char *p = out->buf;
	for (size_t i = 0; i < NF; i++)
		*p++ = *flags[i];
	memcpy(p, nums, sizeof nums);
	p += sizeof nums;
	for (size_t i = 0; i < NB; i++) {
		uint32_t n = (uint32_t)bufs[i]->len;
		memcpy(p, &n, sizeof n);
		if (n)
			memcpy(p + sizeof n, bufs[i]->buf, n);
		p += sizeof n + n;
	}
	out->len = size;
}

static void ev_unrecord(ev *e, const unsigned char *p)
{
	ev_reset(e);
	bool *flags[] = EV_FLAGS(e);
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
		*flags[i] = *p++;
	int64_t nums[4];
	memcpy(nums, p, sizeof nums);
	p += sizeof nums;
	e->ts = nums[0], e->dur = nums[1], e->pid = nums[2], e->tid = nums[3];
	rs_strbuf *bufs[] = EV_BUFS(e);
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
		uint32_t n;
		memcpy(&n, p, sizeof n);
		rs_sb_add(bufs[i], p + sizeof n, n);
		p += sizeof n + n;
	}
}

static void write_jv(rs_strbuf *sb, const rs_jv *v)
{
	if (v->type == RS_JV_INT || v->type == RS_JV_DOUBLE) { /* the source text is JSON */
		rs_sb_add(sb, v->s, v->len);
		return;
	}
	rs_jw w;
	rs_jw_init_buf(&w, sb);
	rs_jv_write(&w, v);
}

static void write_str(rs_strbuf *sb, const rs_strbuf *s)
{
	size_t i = 0;
	while (i < s->len && (unsigned char)s->buf[i] >= 0x20 && s->buf[i] != '"' && s->buf[i] != '\\')
		i++;
	if (i == s->len) { /* nothing to escape, as usual */
		rs_sb_addc(sb, '"');
		rs_sb_add(sb, s->buf, s->len);
		rs_sb_addc(sb, '"');
		return;
	}
	rs_jw w;
	rs_jw_init_buf(&w, sb);
	rs_jw_str(&w, s->buf ? s->buf : "", s->len);
}

/* The event as JSON again (members in a fixed order), for extra.chrome.events. */
static void ev_json(const ev *e, rs_strbuf *out)
{
	rs_sb_addc(out, '{');
	size_t start = out->len;
#define SEP() (out->len > start ? rs_sb_addc(out, ',') : (void)0)
	if (e->ph.len) { SEP(); rs_sb_adds(out, "\"ph\":"); write_str(out, &e->ph); }
	if (e->has_name) { SEP(); rs_sb_adds(out, "\"name\":"); write_str(out, &e->name); }
	if (e->has_cat) { SEP(); rs_sb_adds(out, "\"cat\":"); write_str(out, &e->cat); }
	if (e->has_ts) { SEP(); rs_sb_adds(out, "\"ts\":"); rs_sb_add(out, e->ts_raw.buf, e->ts_raw.len); }
	if (e->has_dur) { SEP(); rs_sb_adds(out, "\"dur\":"); rs_sb_add(out, e->dur_raw.buf, e->dur_raw.len); }
	if (e->has_pid) { SEP(); rs_sb_adds(out, "\"pid\":"); rs_sb_add(out, e->pid_raw.buf, e->pid_raw.len); }
	if (e->has_tid) { SEP(); rs_sb_adds(out, "\"tid\":"); rs_sb_add(out, e->tid_raw.buf, e->tid_raw.len); }
	if (e->has_id) { SEP(); rs_sb_adds(out, "\"id\":"); rs_sb_add(out, e->id.buf, e->id.len); }
	if (e->has_args) { SEP(); rs_sb_adds(out, "\"args\":"); rs_sb_add(out, e->args.buf, e->args.len); }
	if (e->unk.len) { SEP(); rs_sb_add(out, e->unk.buf, e->unk.len); }
#undef SEP
	rs_sb_addc(out, '}');
}

static void keep_event(tr *t, const ev *e)
{
	if (t->events.len)
		rs_sb_addc(&t->events, ',');
	ev_json(e, &t->events);
	t->kept++;
	char ph[4] = {0};
	memcpy(ph, e->ph.buf ? e->ph.buf : "?", e->ph.len && e->ph.len < 3 ? e->ph.len : 1);
	size_t n = strlen(t->kept_phases);
	if (!strstr(t->kept_phases, ph) && n + strlen(ph) + 2 < sizeof t->kept_phases)
		snprintf(t->kept_phases + n, sizeof t->kept_phases - n, "%s%s", n ? "," : "", ph);
}

static rs_str intern_sb(rs_session *s, const rs_strbuf *b) { return b->len ? rs_intern(s, b->buf, b->len) : 0; }
/* Per-event JSON (args, unknown members) is nearly always unique: stored, not interned. */
static rs_str store_sb(rs_session *s, const rs_strbuf *b) { return rs_store(s, b->buf, b->len); }

static int32_t ev_thread(tr *t, const ev *e)
{
	if (!e->has_pid && !e->has_tid)
		return -1;
	return rs_thread_find_or_add(t->s, e->has_pid ? e->pid : -1, e->has_tid ? e->tid : -1);
}

static rs_strbuf *scratch(tr *t, int i)
{
	rs_sb_reset(&t->tmp[i]);
	return &t->tmp[i];
}

/* unknown members plus cat (for records without a category field). */
static rs_str unk_with_cat(tr *t, const ev *e, bool with_cat, bool with_id)
{
	rs_strbuf *sb = scratch(t, 0);
	if (with_cat && e->has_cat) {
		rs_sb_adds(sb, "\"cat\":");
		write_str(sb, &e->cat);
	}
	if (with_id && e->has_id) {
		rs_sb_adds(sb, sb->len ? ",\"id\":" : "\"id\":");
		rs_sb_add(sb, e->id.buf, e->id.len);
	}
	if (e->unk.len) {
		if (sb->len)
			rs_sb_addc(sb, ',');
		rs_sb_add(sb, e->unk.buf, e->unk.len);
	}
	return intern_sb(t->s, sb);
}

/* --- per phase --- */

/* The lane or profile remembered for an interned key (0 = none): keys are
 * unique strings, so one array indexed by string id serves both kinds. */
static uint32_t *key_slot(tr *t, rs_str k)
{
	if (k >= t->by_key_cap) {
		size_t old = t->by_key_cap;
		RS_GROW(t->by_key, t->by_key_cap, (size_t)k + 1);
		memset(t->by_key + old, 0, (t->by_key_cap - old) * sizeof *t->by_key);
	}
	return &t->by_key[k];
}

static void on_complete(tr *t, const ev *e)
{
	int64_t dur = e->has_dur ? e->dur : 0;
	if (dur < 0) {
		t->bad_dur++;
		keep_event(t, e);
		return;
	}
	rs_interval *iv = rs_interval_new(t->s);
	iv->thread = ev_thread(t, e);
	iv->start_ns = e->ts;
	iv->end_ns = rs_add_sat(e->ts, dur);
	iv->frame = -1;
	iv->name = e->has_name ? intern_sb(t->s, &e->name) : 0;
	iv->category = e->has_cat ? intern_sb(t->s, &e->cat) : 0;
	iv->args = e->has_args ? store_sb(t->s, &e->args) : 0;
	rs_strbuf *u = scratch(t, 1);
	if (!e->has_dur)
		rs_sb_adds(u, "\"rustscope_no_dur\":true");
	if (!e->has_name)
		rs_sb_adds(u, u->len ? ",\"rustscope_no_name\":true" : "\"rustscope_no_name\":true");
	if (e->has_id) {
		rs_sb_adds(u, u->len ? ",\"id\":" : "\"id\":");
		rs_sb_add(u, e->id.buf, e->id.len);
	}
	if (e->unk.len) {
		if (u->len)
			rs_sb_addc(u, ',');
		rs_sb_add(u, e->unk.buf, e->unk.len);
	}
	iv->unknown = store_sb(t->s, u);
}

static void on_begin_end(tr *t, const ev *e, bool begin)
{
	RS_GROW(t->bes, t->bes_cap, t->nbes + 1);
	be *b = &t->bes[t->nbes++];
	*b = (be){.ts = e->ts, .seq = t->seq++, .thread = ev_thread(t, e), .begin = begin,
		  .name = e->has_name ? intern_sb(t->s, &e->name) : 0,
		  .cat = e->has_cat ? intern_sb(t->s, &e->cat) : 0,
		  .args = e->has_args ? store_sb(t->s, &e->args) : 0,
		  .unknown = unk_with_cat(t, e, false, true), .has_name = e->has_name,
		  .has_cat = e->has_cat, .has_args = e->has_args, .has_id = e->has_id,
		  .id_len = (uint32_t)e->id.len};
	rs_strbuf *nums = scratch(t, 1);
	const rs_strbuf *raw[] = {&e->ts_raw, &e->dur_raw, &e->pid_raw, &e->tid_raw};
	const bool has[] = {e->has_ts, e->has_dur, e->has_pid, e->has_tid};
	static const char *const keys[] = {"\"ts\":", "\"dur\":", "\"pid\":", "\"tid\":"};
	for (size_t i = 0; i < 4; i++) {
		if (!has[i])
			continue;
		if (nums->len)
			rs_sb_addc(nums, ',');
		rs_sb_adds(nums, keys[i]);
		rs_sb_add(nums, raw[i]->buf, raw[i]->len);
	}
	b->nums = store_sb(t->s, nums);
}

static void on_instant(tr *t, const ev *e)
{
	rs_marker *m = rs_marker_new(t->s);
	m->t_ns = e->ts;
	m->name = e->has_name ? intern_sb(t->s, &e->name) : rs_intern_cstr(t->s, "(unnamed)");
	m->thread = ev_thread(t, e);
	m->args = e->has_args ? store_sb(t->s, &e->args) : 0;
	rs_strbuf u = {0};
	if (!str_is(&e->ph, "i")) {
		rs_sb_adds(&u, "\"ph\":");
		write_str(&u, &e->ph);
	}
	if (!e->has_name)
		rs_sb_adds(&u, u.len ? ",\"rustscope_no_name\":true" : "\"rustscope_no_name\":true");
	rs_str rest = unk_with_cat(t, e, true, true);
	if (rest) {
		if (u.len)
			rs_sb_addc(&u, ',');
		rs_sb_add(&u, rs_s(t->s, rest), rs_slen(t->s, rest));
	}
	m->unknown = store_sb(t->s, &u);
	rs_sb_free(&u);
}

/* --- counters: one lane per (name, series, thread, other members) --- */

typedef struct cseries {
	tr *t;
	const ev *e;
	size_t points;
	bool bad;
} cseries;

static rs_counter *lane_for(tr *t, const ev *e, const char *series, size_t slen)
{
	rs_session *s = t->s;
	int32_t thread = ev_thread(t, e);
	rs_str unk = unk_with_cat(t, e, true, true);
	rs_strbuf *key = scratch(t, 1);
	rs_sb_add(key, e->name.buf ? e->name.buf : "", e->name.len);
	rs_sb_addc(key, 0);
	rs_sb_add(key, series, slen);
	rs_sb_addc(key, 0);
	rs_sb_add(key, &thread, sizeof thread);
	rs_sb_add(key, &unk, sizeof unk);
	rs_str k = rs_intern(s, key->buf, key->len);
	uint32_t *slot = key_slot(t, k);
	if (*slot)
		return &s->counters[t->lanes[*slot - 1].counter];
	rs_strbuf nm = {0};
	rs_sb_add(&nm, e->name.buf ? e->name.buf : "", e->name.len);
	bool plain = slen == 5 && memcmp(series, "value", 5) == 0;
	if (!plain || !nm.len) {
		rs_sb_addc(&nm, nm.len ? '.' : 0);
		if (!nm.buf[nm.len - 1])
			nm.len--;
		rs_sb_add(&nm, series, slen);
	}
	rs_counter *c = rs_counter_new(s, rs_intern(s, nm.buf, nm.len), 0);
	c->thread = thread;
	rs_strbuf u = {0};
	rs_jw w;
	rs_jw_member(&w, &u, "rustscope_name", 14);
	rs_jw_str(&w, e->name.buf ? e->name.buf : "", e->name.len);
	rs_jw_member(&w, &u, "rustscope_series", 16);
	rs_jw_str(&w, series, slen);
	if (unk) {
		rs_sb_addc(&u, ',');
		rs_sb_add(&u, rs_s(s, unk), rs_slen(s, unk));
	}
	c->unknown = intern_sb(s, &u);
	rs_sb_free(&u);
	rs_sb_free(&nm);
	RS_GROW(t->lanes, t->lanes_cap, t->nlanes + 1);
	t->lanes[t->nlanes++] = (lane){k, s->ncounters - 1};
	*key_slot(t, k) = (uint32_t)t->nlanes;
	return c;
}

static int cs_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	cseries *c = ctx;
	(void)r;
	*tag = parent == RS_JR_ROOT && !is_array ? 1 : RS_JR_SKIP;
	if (parent != RS_JR_ROOT)
		c->bad = true;
	return 0;
}

static int cs_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	cseries *c = ctx;
	if (tag != 1 || (v->type != RS_JV_INT && v->type != RS_JV_DOUBLE)) {
		c->bad = true;
		return 0;
	}
	size_t kn;
	const char *k = rs_jr_key(r, &kn);
	rs_counter_point(lane_for(c->t, c->e, k, kn), c->e->ts, rs_jv_double(v));
	c->points++;
	return 0;
}

static const rs_jr_handler cs_handler = {.open = cs_open, .scalar = cs_scalar};

/* Checks first that args is an object of numbers only; else the event is kept verbatim. */
static int cs_check_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	cseries *c = ctx;
	(void)r;
	if (tag != 1 || (v->type != RS_JV_INT && v->type != RS_JV_DOUBLE))
		c->bad = true;
	else
		c->points++;
	return 0;
}

static const rs_jr_handler cs_check = {.open = cs_open, .scalar = cs_check_scalar};

static int parse_mem(const char *name, const char *json, size_t len, const rs_jr_handler *h, void *ctx)
{
	rs_input in;
	rs_err err = {0};
	int rc = rs_input_open_mem(&in, name, json, len, &err);
	if (!rc)
		rc = rs_jr_parse(&in, h, ctx, &err);
	rs_input_close(&in);
	return rc;
}

/* Fast path for the usual args of a C event, canonical {"key":number,...}
 * without escapes: true when all of it was read (points added on the
 * second pass only, so a bad member leaves nothing behind). */
static bool counter_fast(tr *t, const ev *e, bool add)
{
	const char *p = e->args.buf, *end = p + e->args.len;
	if (e->args.len < 2 || *p++ != '{' || end[-1] != '}')
		return false;
	size_t points = 0;
	while (p < end - 1) {
		if (*p++ != '"')
			return false;
		const char *k = p;
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p >= end || *p != '"')
			return false;
		size_t kn = (size_t)(p - k);
		if (++p >= end || *p++ != ':')
			return false;
		char *num_end;
		double v = strtod(p, &num_end);
		if (num_end == p || !strchr(",}", *num_end) || *p == 'n' || *p == 'N' || *p == 'i' || *p == 'I')
			return false;
		if (add)
			rs_counter_point(lane_for(t, e, k, kn), e->ts, v);
		points++;
		p = num_end + (*num_end == ',');
	}
	return points > 0;
}

static void on_counter(tr *t, const ev *e)
{
	if (e->has_args && counter_fast(t, e, false)) {
		counter_fast(t, e, true);
		return;
	}
	cseries c = {.t = t, .e = e};
	if (!e->has_args || parse_mem("args", e->args.buf, e->args.len, &cs_check, &c) || c.bad ||
	    !c.points) {
		keep_event(t, e);
		return;
	}
	c.points = 0;
	parse_mem("args", e->args.buf, e->args.len, &cs_handler, &c);
}

/* --- M: thread names --- */

typedef struct mname {
	rs_strbuf name;
	int members;
	bool ok;
} mname;

static int mn_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	mname *m = ctx;
	m->members++;
	if (tag == 1 && rs_jr_key_is(r, "name") && v->type == RS_JV_STRING) {
		rs_sb_add(&m->name, v->s, v->len);
		m->ok = true;
	}
	return 0;
}

static int mn_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	mname *m = ctx;
	(void)r;
	*tag = parent == RS_JR_ROOT && !is_array ? 1 : RS_JR_SKIP;
	if (parent != RS_JR_ROOT)
		m->members++;
	return 0;
}

static const rs_jr_handler mn_handler = {.open = mn_open, .scalar = mn_scalar};

static void on_metadata(tr *t, const ev *e)
{
	mname m = {0};
	bool thread_name = str_is(&e->name, "thread_name") && e->has_tid && e->has_args && !e->has_id;
	if (thread_name)
		parse_mem("args", e->args.buf, e->args.len, &mn_handler, &m);
	int32_t th = thread_name && m.ok && m.members == 1 ? ev_thread(t, e) : -1;
	if (th < 0 || t->s->threads[th].name) {
		keep_event(t, e);
	} else {
		rs_thread *tp = &t->s->threads[th];
		tp->name = rs_intern(t->s, m.name.buf, m.name.len);
		tp->unknown = unk_with_cat(t, e, true, false);
		if (e->has_ts) {
			rs_strbuf u = {0};
			rs_sb_adds(&u, "\"ts\":");
			rs_sb_add(&u, e->ts_raw.buf, e->ts_raw.len);
			if (tp->unknown) {
				rs_sb_addc(&u, ',');
				rs_sb_add(&u, rs_s(t->s, tp->unknown), rs_slen(t->s, tp->unknown));
			}
			tp->unknown = intern_sb(t->s, &u);
			rs_sb_free(&u);
		}
	}
	rs_sb_free(&m.name);
}

/* --- V8 profiles inside the trace --- */

static prof *prof_for(tr *t, const ev *e, bool create)
{
	rs_strbuf key = {0};
	rs_sb_adds(&key, "profile\x01"); /* never a lane key */
	rs_sb_add(&key, e->pid_raw.buf ? e->pid_raw.buf : "", e->pid_raw.len);
	rs_sb_addc(&key, '/');
	rs_sb_add(&key, e->id.buf ? e->id.buf : "", e->id.len);
	rs_str k = rs_intern(t->s, key.buf, key.len);
	rs_sb_free(&key);
	uint32_t *slot = key_slot(t, k);
	if (*slot)
		return &t->profs[*slot - 1];
	if (!create)
		return NULL;
	RS_GROW(t->profs, t->profs_cap, t->nprofs + 1);
	prof *p = &t->profs[t->nprofs++];
	*slot = (uint32_t)t->nprofs;
	*p = (prof){.key = k, .thread = ev_thread(t, e), .p = rs_v8_new()};
	return p;
}

static int on_profile(rs_jr *r, tr *t, const ev *e, bool whole)
{
	prof *p = whole ? NULL : prof_for(t, e, true);
	if (whole) { /* CpuProfile: one complete profile per event */
		RS_GROW(t->profs, t->profs_cap, t->nprofs + 1);
		p = &t->profs[t->nprofs++];
		*p = (prof){.thread = ev_thread(t, e), .p = rs_v8_new()};
	}
	if (e->has_args) {
		rs_err err = {0};
		if (rs_v8_read_mem(t->s, p->p, "args", e->args.buf, e->args.len, &err))
			return rs_jr_fail(r, RS_EINPUT, "%s", err.msg);
	}
	if (str_is(&e->name, "Profile") && e->has_ts)
		rs_v8_set_start(p->p, e->ts);
	return 0;
}

/* --- stackFrames samples --- */

static void on_sf_sample(tr *t, const ev *e, rs_str sf, int64_t weight)
{
	RS_GROW(t->sfs, t->sfs_cap, t->nsfs + 1);
	t->sfs[t->nsfs++] = (sfsample){.thread = ev_thread(t, e), .ts = e->ts, .weight = weight, .sf = sf};
}

/* --- one event, complete --- */

static int on_event(rs_jr *r, tr *t)
{
	ev *e = &t->e;
	if (e->bad_ts)
		return rs_jr_fail(r, RS_EINPUT, "\"ts\" is not a number of microseconds");
	if (e->odd) {
		keep_event(t, e);
		return 0;
	}
	const char *ph = e->ph.buf ? e->ph.buf : "";
	bool needs_ts = e->ph.len == 1 && strchr("XBEiIC", ph[0]);
	if (needs_ts && !e->has_ts) {
		keep_event(t, e);
		return 0;
	}
	if (str_is(&e->name, "ProfileChunk") || (str_is(&e->name, "Profile") && e->has_id))
		return on_profile(r, t, e, false);
	if (str_is(&e->name, "CpuProfile") && e->has_args)
		return on_profile(r, t, e, true);
	if (e->ph.len != 1) {
		keep_event(t, e);
		return 0;
	}
	switch (ph[0]) {
	case 'X': on_complete(t, e); break;
	case 'B': on_begin_end(t, e, true); break;
	case 'E': on_begin_end(t, e, false); break;
	case 'i': case 'I': on_instant(t, e); break;
	case 'C': on_counter(t, e); break;
	case 'M': on_metadata(t, e); break;
	default: keep_event(t, e); break;
	}
	return 0;
}

/* --- the JSON structure --- */

static int top_open(rs_jr *r, tr *t, bool is_array, int *tag)
{
	if (rs_jr_key_is(r, "traceEvents") && is_array)
		*tag = T_EVENTS;
	else if (rs_jr_key_is(r, "metadata") && !is_array) {
		*tag = T_META;
		t->has_meta = true;
	} else if (rs_jr_key_is(r, "stackFrames") && !is_array)
		*tag = T_SF;
	else if (rs_jr_key_is(r, "samples") && is_array)
		*tag = T_SAMPLES;
	else
		*tag = RS_JR_CAPTURE;
	return 0;
}

static int on_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	tr *t = ctx;
	*tag = RS_JR_CAPTURE;
	switch (parent) {
	case RS_JR_ROOT:
		t->any_root = true;
		t->root_array = is_array;
		*tag = is_array ? T_EVENTS : T_TOP;
		return 0;
	case T_TOP: return top_open(r, t, is_array, tag);
	case T_EVENTS:
		if (is_array)
			return rs_jr_fail(r, RS_EINPUT, "expected a trace event object, got an array");
		ev_reset(&t->e);
		*tag = T_EV;
		return 0;
	case T_SF:
		if (is_array)
			return rs_jr_fail(r, RS_EINPUT, "expected a stack frame object, got an array");
		RS_GROW(t->frames, t->frames_cap, t->nframes + 1);
		size_t kn;
		const char *k = rs_jr_key(r, &kn);
		t->frames[t->nframes++] = (sframe){.id = rs_intern(t->s, k, kn), .stack = -1};
		*tag = T_SF_ITEM;
		return 0;
	case T_SAMPLES:
		if (is_array)
			return rs_jr_fail(r, RS_EINPUT, "expected a sample object, got an array");
		t->cur_sample = (sfsample){.thread = -1, .weight = 1};
		ev_reset(&t->e);
		*tag = T_SAMPLE;
		return 0;
	}
	return 0;
}

static rs_str sf_id(tr *t, const rs_jv *v)
{
	if (v->type == RS_JV_STRING)
		return rs_intern(t->s, v->s, v->len);
	if (v->type == RS_JV_INT || v->type == RS_JV_DOUBLE)
		return rs_intern(t->s, v->s, v->len);
	return 0;
}

/* The members an event reader looks for, by name. */
enum { K_OTHER, K_PH, K_NAME, K_CAT, K_TS, K_DUR, K_PID, K_TID, K_ID, K_SF, K_ARGS };

static int ev_key(const rs_jr *r)
{
	size_t n;
	const char *k = rs_jr_key(r, &n);
#define IS(lit) (n == sizeof lit - 1 && memcmp(k, lit, n) == 0)
	if (!k)
		return K_OTHER;
	switch (k[0]) {
	case 'p': return IS("ph") ? K_PH : IS("pid") ? K_PID : K_OTHER;
	case 'n': return IS("name") ? K_NAME : K_OTHER;
	case 'c': return IS("cat") ? K_CAT : K_OTHER;
	case 't': return IS("ts") ? K_TS : IS("tid") ? K_TID : K_OTHER;
	case 'd': return IS("dur") ? K_DUR : K_OTHER;
	case 'i': return IS("id") ? K_ID : K_OTHER;
	case 's': return IS("sf") ? K_SF : K_OTHER;
	case 'a': return IS("args") ? K_ARGS : K_OTHER;
	}
	return K_OTHER;
#undef IS
}

/* A member a trace event has twice (JSON.parse would keep the last, our
 * reader both) is refused: where its value went would be a guess. */
static int seen_once(rs_jr *r, ev *e, unsigned bit)
{
	if (!(e->seen & bit)) {
		e->seen |= bit;
		return 0;
	}
	size_t n;
	const char *k = rs_jr_key(r, &n);
	return rs_jr_fail(r, RS_EINPUT, "the member \"%.*s\" is repeated; an event has each member once",
			  (int)n, k ? k : "");
}

static int ev_scalar(rs_jr *r, tr *t, const rs_jv *v)
{
	ev *e = &t->e;
	int64_t x;
	bool str = v->type == RS_JV_STRING;
	int key = ev_key(r), rc;
	if (key != K_OTHER && (rc = seen_once(r, e, 1u << key)))
		return rc;
	switch (key) {
	case K_PH:
		if (!str)
			break;
		rs_sb_add(&e->ph, v->s, v->len);
		return 0;
	case K_NAME:
		if (!str)
			break;
		rs_sb_add(&e->name, v->s, v->len);
		e->has_name = true;
		return 0;
	case K_CAT:
		if (!str)
			break;
		rs_sb_add(&e->cat, v->s, v->len);
		e->has_cat = true;
		return 0;
	case K_TS:
		if (v->type == RS_JV_NULL)
			break;
		e->has_ts = true;
		e->bad_ts = !rs_v8_us_to_ns(v, &e->ts);
		write_jv(&e->ts_raw, v);
		return 0;
	case K_DUR:
		if (!rs_v8_us_to_ns(v, &e->dur))
			break;
		e->has_dur = true;
		write_jv(&e->dur_raw, v);
		return 0;
	case K_PID:
		if (!rs_v8_int(v, &x))
			break;
		e->pid = x, e->has_pid = true;
		write_jv(&e->pid_raw, v);
		return 0;
	case K_TID:
		if (!rs_v8_int(v, &x))
			break;
		e->tid = x, e->has_tid = true;
		write_jv(&e->tid_raw, v);
		return 0;
	case K_ID:
		if (!str && v->type != RS_JV_INT)
			break;
		write_jv(&e->id, v);
		e->has_id = true;
		return 0;
	case K_SF:
		e->has_sf = true;
		rs_sb_reset(&e->sf_raw);
		if (v->type == RS_JV_STRING || v->type == RS_JV_INT || v->type == RS_JV_DOUBLE)
			rs_sb_add(&e->sf_raw, v->s, v->len); /* what sf_id interns */
		rs_jr_keep_member(r, &e->unk, v, NULL, 0);
		return 0;
	}
	/* Kept among the unknown members, a defined member of another type
	 * would be written twice on export: the event stays as it is. */
	e->odd |= key != K_OTHER;
	rs_jr_keep_member(r, &e->unk, v, NULL, 0);
	return 0;
}

static int sf_scalar(rs_jr *r, tr *t, const rs_jv *v)
{
	sframe *f = &t->frames[t->nframes - 1];
	if (rs_jr_key_is(r, "name") && v->type == RS_JV_STRING)
		f->name = rs_intern(t->s, v->s, v->len);
	else if (rs_jr_key_is(r, "parent"))
		f->parent = sf_id(t, v);
	else
		rs_frag_keep_member(t->s, &f->unknown, r, v, NULL, 0);
	return 0;
}

static int on_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	tr *t = ctx;
	switch (tag) {
	case RS_JR_ROOT: return rs_jr_fail(r, RS_EINPUT, "expected a trace: an object or an array of events");
	case T_EVENTS: return rs_jr_fail(r, RS_EINPUT, "expected a trace event object, got %s", rs_jv_type_name(v));
	case T_EV: return ev_scalar(r, t, v);
	case T_SF_ITEM: return sf_scalar(r, t, v);
	case T_SAMPLE:
		if (rs_jr_key_is(r, "sf"))
			t->cur_sample.sf = sf_id(t, v);
		else if (rs_jr_key_is(r, "weight") && v->type == RS_JV_INT)
			t->cur_sample.weight = v->i;
		else
			ev_scalar(r, t, v);
		return 0;
	case T_META: rs_jr_keep_member(r, &t->meta, v, NULL, 0); return 0;
	case T_TOP: rs_jr_keep_member(r, &t->top, v, NULL, 0); return 0;
	}
	return 0;
}

static int on_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	tr *t = ctx;
	switch (parent) {
	case T_EV: case T_SAMPLE: {
		int key = ev_key(r), rc;
		if (key != K_OTHER && (rc = seen_once(r, &t->e, 1u << key)))
			return rc;
		if (key == K_ARGS && json[0] == '{') {
			rs_sb_add(&t->e.args, json, len);
			t->e.has_args = true;
		} else {
			t->e.odd |= key != K_OTHER;
			rs_jr_keep_member(r, &t->e.unk, NULL, json, len);
		}
		return 0;
	}
	case T_META:
		if (rs_jr_key_is(r, "rustscope")) {
			rs_sb_reset(&t->block);
			rs_sb_add(&t->block, json, len);
			t->has_block = true;
		} else {
			rs_jr_keep_member(r, &t->meta, NULL, json, len);
		}
		return 0;
	case T_TOP: rs_jr_keep_member(r, &t->top, NULL, json, len); return 0;
	case T_SF_ITEM:
		rs_frag_keep_member(t->s, &t->frames[t->nframes - 1].unknown, r, NULL, json, len);
		return 0;
	}
	return 0;
}

/* An event read, or replayed from the second thread's record. */
static int ev_done(rs_jr *r, tr *t)
{
	ev *e = &t->e;
	/* interned here, not when read, so that a replayed record does the same */
	rs_str sf = e->has_sf ? intern_sb(t->s, &e->sf_raw) : 0;
	/* P events of the stackFrames form name their stack in "sf". */
	if (str_is(&e->ph, "P") && sf && e->has_ts && !e->bad_ts) {
		on_sf_sample(t, e, sf, 1);
		return 0;
	}
	return on_event(r, t);
}

static int replay_event(rs_jr *r, void *ctx, const void *rec, size_t len)
{
	tr *t = ctx;
	(void)len;
	ev_unrecord(&t->e, rec);
	return ev_done(r, t);
}

static int on_close(rs_jr *r, void *ctx, int tag, bool is_array)
{
	tr *t = ctx;
	(void)is_array;
	if (tag == T_EV && t->recorder) {
		ev_record(&t->e, &t->rec);
		rs_jr_emit(r, t->rec.buf, t->rec.len);
		return 0;
	}
	if (tag == T_EV)
		return ev_done(r, t);
	if (tag == T_SAMPLE) {
		if (!t->e.has_ts || t->e.bad_ts)
			return rs_jr_fail(r, RS_EINPUT, "a sample needs \"ts\" in microseconds");
		if (t->e.odd)
			return rs_jr_fail(r, RS_EINPUT, "a sample has a member of another type than the format gives it");
		sfsample x = t->cur_sample;
		on_sf_sample(t, &t->e, x.sf, x.weight);
	}
	return 0;
}

static const rs_jr_handler trace_handler = {.open = on_open, .close = on_close, .scalar = on_scalar,
					    .raw = on_raw};

/* --- assembling --- */

static int be_cmp(const void *a, const void *b)
{
	const be *x = a, *y = b;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* An unmatched B or E event, as ev_json wrote it. */
static void keep_be(tr *t, const be *b)
{
	rs_session *s = t->s;
	rs_strbuf *out = &t->events;
	if (out->len)
		rs_sb_addc(out, ',');
	rs_sb_adds(out, b->begin ? "{\"ph\":\"B\"" : "{\"ph\":\"E\"");
	rs_strbuf str = {0};
	const rs_str strs[] = {b->name, b->cat};
	const bool has[] = {b->has_name, b->has_cat};
	static const char *const keys[] = {",\"name\":", ",\"cat\":"};
	for (size_t i = 0; i < 2; i++) {
		if (!has[i])
			continue;
		rs_sb_adds(out, keys[i]);
		rs_sb_reset(&str);
		rs_sb_add(&str, rs_s(s, strs[i]), rs_slen(s, strs[i]));
		write_str(out, &str);
	}
	rs_sb_free(&str);
	if (b->nums) {
		rs_sb_addc(out, ',');
		rs_sb_add(out, rs_s(s, b->nums), rs_slen(s, b->nums));
	}
	const char *unk = rs_s(s, b->unknown);
	size_t unk_len = rs_slen(s, b->unknown);
	if (b->has_id) { /* unknown starts with "id":ID */
		size_t n = 5 + b->id_len;
		rs_sb_addc(out, ',');
		rs_sb_add(out, unk, n);
		n += n < unk_len; /* the comma after it */
		unk += n, unk_len -= n;
	}
	if (b->has_args) {
		rs_sb_adds(out, ",\"args\":");
		rs_sb_add(out, rs_s(s, b->args), rs_slen(s, b->args));
	}
	if (unk_len) {
		rs_sb_addc(out, ',');
		rs_sb_add(out, unk, unk_len);
	}
	rs_sb_addc(out, '}');
}

/* E args are merged into the slice's args, as Chrome does. */
static rs_str merge_args(rs_session *s, rs_str a, rs_str b)
{
	if (!b || rs_slen(s, b) <= 2)
		return a;
	if (!a || rs_slen(s, a) <= 2)
		return b;
	rs_strbuf sb = {0};
	rs_sb_add(&sb, rs_s(s, a), rs_slen(s, a) - 1);
	rs_sb_addc(&sb, ',');
	rs_sb_add(&sb, rs_s(s, b) + 1, rs_slen(s, b) - 1);
	rs_str r = rs_intern(s, sb.buf, sb.len);
	rs_sb_free(&sb);
	return r;
}

/* Insertion sort, cheap when few events are out of place; false (the
 * events still all there) when that turns out to be too many moves. */
static bool nearly_sorted(be *a, size_t n)
{
	size_t moves = 0, max_moves = 4 * n;
	for (size_t i = 1; i < n; i++) {
		if (be_cmp(&a[i - 1], &a[i]) <= 0)
			continue;
		be x = a[i];
		size_t j = i;
		for (; j > 0 && be_cmp(&a[j - 1], &x) > 0 && moves < max_moves; j--, moves++)
			a[j] = a[j - 1];
		a[j] = x;
		if (moves >= max_moves)
			return false;
	}
	return true;
}

/* Orders the B/E events as be_cmp does. Traces are nearly always in time
 * order per thread, so a stable counting sort by thread does most of the
 * work and only a thread whose events are out of order is sorted again. */
static void sort_bes(tr *t)
{
	size_t nthreads = t->s->nthreads + 1, *at = rs_xcalloc(nthreads + 1, sizeof *at);
	for (size_t i = 0; i < t->nbes; i++)
		at[t->bes[i].thread + 2]++; /* thread -1 (none) first */
	for (size_t k = 1; k <= nthreads; k++)
		at[k] += at[k - 1];
	be *sorted = rs_xmalloc(t->nbes * sizeof *sorted);
	for (size_t i = 0; i < t->nbes; i++)
		sorted[at[t->bes[i].thread + 1]++] = t->bes[i];
	free(t->bes);
	t->bes = sorted;
	t->bes_cap = t->nbes;
	for (size_t lo = 0, hi; lo < t->nbes; lo = hi) {
		for (hi = lo + 1; hi < t->nbes && t->bes[hi].thread == t->bes[lo].thread; hi++)
			;
		if (!nearly_sorted(t->bes + lo, hi - lo))
			qsort(t->bes + lo, hi - lo, sizeof *t->bes, be_cmp);
	}
	free(at);
}

static void pair_begin_end(tr *t)
{
	if (!t->nbes)
		return;
	sort_bes(t);
	size_t *open = rs_xmalloc(t->nbes * sizeof *open), nopen = 0, mismatched = 0;
	for (size_t i = 0; i <= t->nbes; i++) {
		if (i == t->nbes || (i && t->bes[i].thread != t->bes[i - 1].thread)) {
			for (size_t j = 0; j < nopen; j++)
				keep_be(t, &t->bes[open[j]]);
			t->unmatched += nopen;
			nopen = 0;
			if (i == t->nbes)
				break;
		}
		be *b = &t->bes[i];
		if (b->begin) {
			open[nopen++] = i;
			continue;
		}
		if (!nopen) {
			keep_be(t, b);
			t->unmatched++;
			continue;
		}
		be *o = &t->bes[open[--nopen]];
		if (b->name && o->name && b->name != o->name)
			mismatched++;
		rs_interval *iv = rs_interval_new(t->s);
		iv->thread = o->thread;
		iv->start_ns = o->ts;
		iv->end_ns = b->ts;
		iv->frame = -1;
		iv->name = o->name;
		iv->category = o->cat;
		iv->args = merge_args(t->s, o->args, b->args);
		iv->unknown = o->unknown;
	}
	if (mismatched)
		rs_warn("%s: %zu E events closed a B event of another name (paired by nesting, as "
			"Chrome does)", t->file, mismatched);
	free(open);
}

/* The stack of stackFrames entry i; 1 when the parent links loop. */
static int sf_stack(tr *t, const int32_t *idx_of, int32_t i, rs_rustname *rn, int32_t **work,
		    size_t *wcap)
{
	size_t n = 0;
	int32_t j = i;
	while (j >= 0 && t->frames[j].state != 2) {
		if (t->frames[j].state == 1)
			return 1;
		t->frames[j].state = 1;
		RS_GROW(*work, *wcap, n + 1);
		(*work)[n++] = j;
		j = t->frames[j].parent ? idx_of[t->frames[j].parent] : -1;
	}
	while (n--) {
		sframe *f = &t->frames[(*work)[n]];
		int32_t p = f->parent ? idx_of[f->parent] : -1;
		int32_t up = p >= 0 ? t->frames[p].stack : -1;
		rs_frame fr;
		rs_frame_init(&fr);
		fr.name = f->name ? f->name : rs_intern_cstr(t->s, "(unnamed)");
		fr.unknown = f->unknown;
		if (rs_rust_name(rn, rs_s(t->s, fr.name), false)) {
			fr.kind = RS_KIND_RUST;
			fr.crate = rs_intern_cstr(t->s, rn->crate);
			fr.module = rs_intern_cstr(t->s, rn->module);
		}
		f->stack = rs_stack_add(t->s, up, (uint32_t)rs_frame_add(t->s, &fr));
		f->state = 2;
	}
	return 0;
}

static int build_sf_samples(tr *t, uint32_t vt)
{
	if (!t->nsfs)
		return 0;
	size_t nstr = t->s->strings.n;
	int32_t *idx_of = rs_xmalloc(nstr * sizeof *idx_of);
	for (size_t i = 0; i < nstr; i++)
		idx_of[i] = -1;
	for (size_t i = 0; i < t->nframes; i++)
		if (idx_of[t->frames[i].id] < 0)
			idx_of[t->frames[i].id] = (int32_t)i;
	rs_rustname rn = {0};
	int32_t *work = NULL;
	size_t wcap = 0;
	int rc = 0;
	for (size_t i = 0; !rc && i < t->nframes; i++)
		rc = sf_stack(t, idx_of, (int32_t)i, &rn, &work, &wcap);
	free(work);
	int64_t *row = rs_xcalloc(t->s->nsample_types + 1, sizeof *row);
	size_t missing = 0;
	for (size_t i = 0; !rc && i < t->nsfs; i++) {
		sfsample *x = &t->sfs[i];
		int32_t f = x->sf && x->sf < nstr ? idx_of[x->sf] : -1;
		if (x->sf && f < 0)
			missing++;
		row[vt] = x->weight;
		rs_sample_add(t->s, f >= 0 ? t->frames[f].stack : -1, row, x->thread, x->ts, NULL, 0);
	}
	if (missing)
		rs_warn("%s: %zu samples name a stack frame that \"stackFrames\" lacks", t->file, missing);
	free(row);
	free(idx_of);
	rs_rust_name_free(&rn);
	return rc;
}

static int build_profiles(tr *t, uint32_t vt, rs_err *err)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < t->nprofs; i++)
		rc = rs_v8_build(t->s, t->profs[i].p, t->profs[i].thread, vt, t->file, NULL, err);
	return rc;
}

static void set_extra(tr *t)
{
	rs_strbuf x = {0};
	rs_sb_adds(&x, "{\"chrome\":{");
	size_t start = x.len;
	if (t->top.len)
		rs_sb_add(&x, t->top.buf, t->top.len);
	if (t->has_meta)
		rs_sb_addf(&x, "%s\"metadata\":{%s}", x.len > start ? "," : "", t->meta.buf ? t->meta.buf : "");
	if (t->events.len)
		rs_sb_addf(&x, "%s\"events\":[%s]", x.len > start ? "," : "", t->events.buf);
	rs_sb_adds(&x, "}}");
	if (x.len > start + 2)
		t->s->extra = rs_intern(t->s, x.buf, x.len);
	rs_sb_free(&x);
}

static int assemble(tr *t, rs_err *err)
{
	pair_begin_end(t);
	size_t nsamples = t->nsfs;
	for (size_t i = 0; i < t->nprofs; i++)
		nsamples += rs_v8_nsamples(t->profs[i].p);
	int rc = 0;
	if (nsamples || t->nprofs || t->nframes) {
		uint32_t vt = rs_sample_type_add(t->s, "samples", "count");
		rc = build_profiles(t, vt, err);
		if (!rc)
			rc = build_sf_samples(t, vt);
		if (rc && !err->code)
			rc = rs_fail(err, RS_EINPUT, "%s: $.stackFrames: the parent links form a cycle", t->file);
	}
	set_extra(t);
	if (!rc && !rs_import_opts_cur.events_keep)
		rs_intervals_to_samples(t->s);
	if (t->unmatched)
		rs_warn("%s: %zu B/E events without a partner kept as they are in extra.chrome.events",
			t->file, t->unmatched);
	if (t->bad_dur)
		rs_warn("%s: %zu X events with a negative duration kept as they are in extra.chrome.events",
			t->file, t->bad_dur);
	if (t->kept > t->bad_dur) /* kept counts the negative durations too, not unmatched B/E */
		rs_warn("%s: %zu events of phases %s not modelled; kept as they are in extra.chrome.events",
			t->file, t->kept - t->bad_dur, t->kept_phases);
	return rc;
}

static void tr_free(tr *t)
{
	ev_free(&t->e);
	free(t->bes);
	for (size_t i = 0; i < t->nprofs; i++)
		rs_v8_free(t->profs[i].p);
	free(t->profs);
	free(t->sfs);
	free(t->frames);
	free(t->lanes);
	free(t->by_key);
	rs_strbuf *bufs[] = {&t->events, &t->top, &t->meta, &t->block, &t->rec, &t->tmp[0], &t->tmp[1]};
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		rs_sb_free(bufs[i]);
}

/* A file we wrote carries the whole session in metadata.rustscope. */
static bool use_block(tr *t, rs_session *s)
{
	rs_session *b;
	rs_err e = {0};
	char name[300];
	snprintf(name, sizeof name, "%s: $.metadata.rustscope", t->file);
	int rc = rs_embedded_read(name, t->block.buf, t->block.len, &b, &e);
	if (rc && !rs_import_opts_cur.ignore_embedded)
		rs_warn("%s: ignoring the embedded rustscope session (%s); reading the events", t->file, e.msg);
	if (!rc) {
		rs_session_swap(s, b);
		rs_session_free(b);
	}
	return rc == 0;
}

int rs_import_chrome(rs_input *in, rs_session *s, rs_err *err)
{
	tr t = {.s = s, .file = in->path}, second = {.file = in->path, .recorder = true};
	rs_jr_split split = {.tag = T_EVENTS, .h = &trace_handler, .ctx = &second,
			     .replay = replay_event, .first_share_pct = 37};
	int open = 0;
	int rc = rs_jr_parse_split(in, &trace_handler, &t, &split, err, &open);
	tr_free(&second);
	if (!rc && !t.any_root)
		rc = rs_fail(err, RS_EINPUT, "%s: byte 0: expected a trace (an object or an array of "
			     "events), found no JSON value", in->path);
	if (!rc && open && !t.root_array)
		rc = rs_fail(err, RS_EINPUT, "%s: byte %llu: the trace object ends early (%d containers "
			     "left open); only the array form may omit its closing \"]\"", in->path,
			     (unsigned long long)in->consumed, open);
	if (!rc && open > 1)
		rs_warn("%s: the trace ends inside an event; that last event is dropped", in->path);
	if (!rc && t.has_block && use_block(&t, s)) {
		tr_free(&t);
		return 0;
	}
	if (!rc)
		rc = assemble(&t, err);
	tr_free(&t);
	return rc;
}

int rs_sniff_chrome(const unsigned char *p, size_t n)
{
	int c = rs_sniff_first(p, n);
	if (c == '{')
		return rs_sniff_has(p, n, "\"traceEvents\"") ? 95 : 0;
	if (c != '[')
		return 0;
	bool ph = rs_sniff_has(p, n, "\"ph\"");
	bool when = rs_sniff_has(p, n, "\"ts\"") || rs_sniff_has(p, n, "\"pid\"");
	return ph && when ? 90 : 0;
}
