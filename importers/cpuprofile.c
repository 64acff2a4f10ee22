/* V8 CPU profiles → ProfileSession: the .cpuprofile file (modern `nodes`
 * form and the legacy nested `head` form) and, shared with importers/chrome.c,
 * the same node/sample/timeDelta shape inside Chrome traces (`Profile`,
 * `ProfileChunk`, `CpuProfile` events). Mapping: docs/chrome.md. */
#include "../lib/checked.h"
#include "../lib/json_read.h"
#include "../lib/rustname.h"
#include "../lib/sniff.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "importers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- exact µs → ns --- */

/* Decimal text such as "123.4567" or "-5e3" in µs → ns, exactly for up to
 * three fraction digits (rounded beyond), saturating. False if not a number. */
static bool text_us_to_ns(const char *p, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		neg = p[i++] == '-';
	int64_t v = 0;
	size_t digits = 0, frac = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++)
		v = rs_add_sat(rs_mul_sat(v, 10), p[i] - '0');
	if (i < n && p[i] == '.')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++, frac++) {
			if (frac < 3)
				v = rs_add_sat(rs_mul_sat(v, 10), p[i] - '0');
			else if (frac == 3 && p[i] >= '5')
				v = rs_add_sat(v, 1);
		}
	if (!digits)
		return false;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		char buf[64];
		if (n >= sizeof buf)
			return false;
		memcpy(buf, p, n);
		buf[n] = 0;
		char *end;
		double d = strtod(buf, &end) * 1000.0;
		if (*end || !isfinite(d))
			return false;
		*out = d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)llround(d);
		return true;
	}
	if (i != n)
		return false;
	for (; frac < 3; frac++)
		v = rs_mul_sat(v, 10);
	*out = neg ? -v : v;
	return true;
}

bool rs_v8_us_to_ns(const rs_jv *v, int64_t *ns)
{
	if (v->type == RS_JV_INT && !v->big) {
		*ns = rs_mul_sat(v->i, 1000);
		return true;
	}
	if (v->type == RS_JV_INT || v->type == RS_JV_DOUBLE || v->type == RS_JV_STRING)
		return text_us_to_ns(v->s, v->len, ns);
	return false;
}

/* An integer given as a number or a decimal string ("-1" for tid). */
bool rs_v8_int(const rs_jv *v, int64_t *out)
{
	if (v->type == RS_JV_INT && !v->big) {
		*out = v->i;
		return true;
	}
	double d = rs_jv_double(v);
	if (v->type == RS_JV_DOUBLE && d == floor(d) && fabs(d) < 9e18) {
		*out = (int64_t)d;
		return true;
	}
	if (v->type != RS_JV_STRING || !v->len || v->len > 20)
		return false;
	char buf[24], *end;
	memcpy(buf, v->s, v->len);
	buf[v->len] = 0;
	long long x = strtoll(buf, &end, 0);
	if (*end)
		return false;
	*out = x;
	return true;
}

/* --- one profile being collected --- */

typedef struct v8node {
	int64_t id, parent_id; /* parent_id: INT64_MIN = none given */
	int32_t outer;         /* legacy form: the enclosing node (its parent) */
	int32_t stack;
	rs_str name, url, cf_unknown, unknown;
	int64_t line, col; /* as in V8: 0-based, -1 = unknown */
	int64_t hits;
	bool has_hits;
	uint8_t state; /* 0 new, 1 resolving, 2 done */
} v8node;

struct rs_v8prof {
	v8node *nodes;
	size_t nnodes, nodes_cap;
	int64_t *pairs; /* child id, parent id */
	size_t npairs, pairs_cap;
	int64_t *samples;
	size_t nsamples, samples_cap;
	int64_t *deltas; /* ns */
	size_t ndeltas, deltas_cap;
	int64_t start_ns, end_ns;
	bool has_start, has_end, legacy;
	int32_t cur; /* node being read */
};

rs_v8prof *rs_v8_new(void)
{
	rs_v8prof *p = rs_xcalloc(1, sizeof *p);
	p->cur = -1;
	return p;
}

void rs_v8_free(rs_v8prof *p)
{
	if (!p)
		return;
	free(p->nodes);
	free(p->pairs);
	free(p->samples);
	free(p->deltas);
	free(p);
}

void rs_v8_set_start(rs_v8prof *p, int64_t ns)
{
	if (!p->has_start) {
		p->start_ns = ns;
		p->has_start = true;
	}
}

size_t rs_v8_nsamples(const rs_v8prof *p) { return p->nsamples; }

/* --- reading the JSON shape: shared by .cpuprofile and trace events --- */

enum { V_OBJ = 1, V_NODES, V_NODE, V_CF, V_KIDS, V_SAMPLES, V_DELTAS, V_HEAD };

typedef struct v8rd {
	rs_session *s;
	rs_v8prof *p;
	bool file;          /* a .cpuprofile: keep unknown top-level members */
	rs_strbuf top;      /* unknown top-level members (fragment) */
	rs_strbuf block;    /* "rustscope": the embedded session, if any */
	bool has_block;
	bool deltas_seen;   /* a chunk may repeat timeDeltas in cpuProfile and data */
} v8rd;

void rs_frag_keep_member(rs_session *s, rs_str *frag, const rs_jr *r, const rs_jv *v, const char *json,
			 size_t len)
{
	rs_strbuf sb = {0};
	if (*frag)
		rs_sb_add(&sb, rs_s(s, *frag), rs_slen(s, *frag));
	rs_jr_keep_member(r, &sb, v, json, len);
	*frag = rs_intern(s, sb.buf, sb.len);
	rs_sb_free(&sb);
}

static v8node *new_node(rs_v8prof *p, int32_t outer)
{
	RS_GROW(p->nodes, p->nodes_cap, p->nnodes + 1);
	v8node *n = &p->nodes[p->nnodes];
	*n = (v8node){.id = INT64_MIN, .parent_id = INT64_MIN, .outer = outer, .stack = -1,
		      .line = -1, .col = -1};
	p->cur = (int32_t)p->nnodes++;
	return n;
}

static int v8_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	v8rd *x = ctx;
	rs_v8prof *p = x->p;
	*tag = RS_JR_SKIP;
	if (parent == RS_JR_ROOT) {
		if (is_array)
			return rs_jr_fail(r, RS_EINPUT, "expected a V8 CPU profile object, got an array");
		*tag = V_OBJ;
	} else if (parent == V_OBJ) {
		if (rs_jr_key_is(r, "data") || rs_jr_key_is(r, "cpuProfile"))
			*tag = is_array ? RS_JR_SKIP : V_OBJ;
		else if (rs_jr_key_is(r, "nodes") && is_array)
			*tag = V_NODES;
		else if (rs_jr_key_is(r, "samples") && is_array)
			*tag = V_SAMPLES;
		else if ((rs_jr_key_is(r, "timeDeltas") || rs_jr_key_is(r, "timestamps")) && is_array) {
			*tag = x->deltas_seen ? RS_JR_SKIP : V_DELTAS;
			x->deltas_seen = true;
		}
		else if (rs_jr_key_is(r, "head") && !is_array) {
			p->legacy = true;
			new_node(p, -1);
			*tag = V_NODE;
		} else if (x->file && rs_jr_depth(r) == 1)
			*tag = RS_JR_CAPTURE;
	} else if (parent == V_NODES && !is_array) {
		new_node(p, -1);
		*tag = V_NODE;
	} else if (parent == V_NODE) {
		if (rs_jr_key_is(r, "callFrame") && !is_array)
			*tag = V_CF;
		else if (rs_jr_key_is(r, "children") && is_array)
			*tag = V_KIDS;
		else
			*tag = RS_JR_CAPTURE;
	} else if (parent == V_KIDS && !is_array) { /* legacy: nested child objects */
		new_node(p, p->cur);
		*tag = V_NODE;
	} else if (parent == V_CF) {
		*tag = RS_JR_CAPTURE;
	}
	return 0;
}

static int v8_close(rs_jr *r, void *ctx, int tag, bool is_array)
{
	v8rd *x = ctx;
	(void)r, (void)is_array;
	if (tag == V_NODE && x->p->cur >= 0)
		x->p->cur = x->p->nodes[x->p->cur].outer;
	return 0;
}

static int node_scalar(rs_jr *r, v8rd *x, v8node *n, const rs_jv *v, bool cf)
{
	rs_session *s = x->s;
	int64_t i;
	if (rs_jr_key_is(r, "functionName") && v->type == RS_JV_STRING)
		n->name = rs_intern(s, v->s, v->len);
	else if (rs_jr_key_is(r, "url") && v->type == RS_JV_STRING)
		n->url = rs_intern(s, v->s, v->len);
	else if (rs_jr_key_is(r, "lineNumber") && rs_v8_int(v, &i))
		n->line = i;
	else if (rs_jr_key_is(r, "columnNumber") && rs_v8_int(v, &i))
		n->col = i;
	else if (!cf && rs_jr_key_is(r, "id") && rs_v8_int(v, &i))
		n->id = i;
	else if (!cf && rs_jr_key_is(r, "parent") && rs_v8_int(v, &i))
		n->parent_id = i;
	else if (!cf && rs_jr_key_is(r, "hitCount") && rs_v8_int(v, &i))
		n->hits = i, n->has_hits = true;
	else
		rs_frag_keep_member(s, cf ? &n->cf_unknown : &n->unknown, r, v, NULL, 0);
	return 0;
}

static int v8_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	v8rd *x = ctx;
	rs_v8prof *p = x->p;
	int64_t i;
	switch (tag) {
	case V_OBJ:
		if (rs_jr_key_is(r, "startTime") || rs_jr_key_is(r, "endTime")) {
			bool start = rs_jr_key_is(r, "startTime");
			int64_t ns;
			if (!rs_v8_us_to_ns(v, &ns))
				return rs_jr_fail(r, RS_EINPUT, "expected a time in microseconds, got %s",
						  rs_jv_type_name(v));
			if (start && !p->has_start) /* the Profile event's, not a chunk's own */
				p->start_ns = ns, p->has_start = true;
			else
				p->end_ns = ns, p->has_end = true;
		}
		if (x->file && rs_jr_depth(r) == 1)
			rs_jr_keep_member(r, &x->top, v, NULL, 0);
		return 0;
	case V_NODE: return node_scalar(r, x, &p->nodes[p->cur], v, false);
	case V_CF: return node_scalar(r, x, &p->nodes[p->cur], v, true);
	case V_KIDS:
		if (!rs_v8_int(v, &i))
			return rs_jr_fail(r, RS_EINPUT, "expected a node id, got %s", rs_jv_type_name(v));
		RS_GROW(p->pairs, p->pairs_cap, p->npairs + 2);
		p->pairs[p->npairs++] = i;
		p->pairs[p->npairs++] = p->cur; /* its index: "id" may come later */
		return 0;
	case V_SAMPLES:
		if (!rs_v8_int(v, &i))
			return rs_jr_fail(r, RS_EINPUT, "expected a node id, got %s", rs_jv_type_name(v));
		RS_GROW(p->samples, p->samples_cap, p->nsamples + 1);
		p->samples[p->nsamples++] = i;
		return 0;
	case V_DELTAS: {
		int64_t ns;
		if (!rs_v8_us_to_ns(v, &ns))
			return rs_jr_fail(r, RS_EINPUT, "expected microseconds, got %s", rs_jv_type_name(v));
		RS_GROW(p->deltas, p->deltas_cap, p->ndeltas + 1);
		p->deltas[p->ndeltas++] = ns;
		return 0;
	}
	}
	return tag == RS_JR_ROOT ? rs_jr_fail(r, RS_EINPUT, "expected a V8 CPU profile object") : 0;
}

static int v8_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	v8rd *x = ctx;
	if (parent == V_NODE)
		rs_frag_keep_member(x->s, &x->p->nodes[x->p->cur].unknown, r, NULL, json, len);
	else if (parent == V_CF)
		rs_frag_keep_member(x->s, &x->p->nodes[x->p->cur].cf_unknown, r, NULL, json, len);
	else if (parent == V_OBJ && rs_jr_key_is(r, "rustscope")) {
		rs_sb_reset(&x->block);
		rs_sb_add(&x->block, json, len);
		x->has_block = true;
	} else if (parent == V_OBJ) {
		rs_jr_keep_member(r, &x->top, NULL, json, len);
	}
	return 0;
}

static const rs_jr_handler v8_handler = {.open = v8_open, .close = v8_close, .scalar = v8_scalar,
					 .raw = v8_raw};

int rs_v8_read_mem(rs_session *s, rs_v8prof *p, const char *name, const char *json, size_t len,
		   rs_err *err)
{
	rs_input in;
	v8rd x = {.s = s, .p = p};
	int rc = rs_input_open_mem(&in, name, json, len, err);
	if (!rc)
		rc = rs_jr_parse(&in, &v8_handler, &x, err);
	rs_input_close(&in);
	rs_sb_free(&x.top);
	rs_sb_free(&x.block);
	return rc;
}

/* --- building frames, stacks and samples --- */

typedef struct idmap {
	int64_t *key;
	int32_t *val;
	size_t cap;
} idmap;

static size_t id_slot(const idmap *m, int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
	size_t i = (size_t)(h >> 17) & (m->cap - 1);
	while (m->val[i] >= 0 && m->key[i] != id)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void idmap_init(idmap *m, const rs_v8prof *p)
{
	m->cap = 16;
	while (m->cap < p->nnodes * 2 + 2)
		m->cap *= 2;
	m->key = rs_xmalloc(m->cap * sizeof *m->key);
	m->val = rs_xmalloc(m->cap * sizeof *m->val);
	for (size_t i = 0; i < m->cap; i++)
		m->val[i] = -1;
	for (size_t i = 0; i < p->nnodes; i++) { /* the first node with an id wins */
		size_t k = id_slot(m, p->nodes[i].id);
		if (m->val[k] < 0) {
			m->key[k] = p->nodes[i].id;
			m->val[k] = (int32_t)i;
		}
	}
}

static int32_t idmap_get(const idmap *m, int64_t id)
{
	return m->val[id_slot(m, id)];
}

static uint32_t node_frame(rs_session *s, rs_rustname *rn, const v8node *n)
{
	rs_frame f;
	rs_frame_init(&f);
	const char *name = n->name ? rs_s(s, n->name) : "";
	f.name = n->name ? n->name : rs_intern_cstr(s, "(anonymous)");
	f.file = n->url;
	f.line = n->line >= 0 ? rs_add_sat(n->line, 1) : 0;
	f.column = n->col >= 0 ? rs_add_sat(n->col, 1) : 0;
	f.unknown = n->cf_unknown;
	const char *url = n->url ? rs_s(s, n->url) : "";
	size_t ul = strlen(url);
	if (*name && rs_rust_name(rn, name, ul > 3 && strcmp(url + ul - 3, ".rs") == 0)) {
		f.kind = RS_KIND_RUST;
		if (rn->was_mangled) {
			f.system_name = f.name;
			f.name = rs_intern_cstr(s, rn->name);
		}
		f.crate = rs_intern_cstr(s, rn->crate);
		f.module = rs_intern_cstr(s, rn->module);
	}
	return (uint32_t)rs_frame_add(s, &f);
}

static bool is_root(const rs_session *s, const v8node *n, int32_t parent)
{
	return parent < 0 && n->name && strcmp(rs_s(s, n->name), "(root)") == 0;
}

/* The stack of node i, resolving its ancestors first (iteratively). */
static int node_stack(rs_session *s, rs_v8prof *p, rs_rustname *rn, int32_t *par, int32_t i,
		      int32_t **work, size_t *wcap, const char *file, rs_err *err)
{
	size_t n = 0;
	int32_t j = i;
	while (j >= 0 && p->nodes[j].state != 2) {
		if (p->nodes[j].state == 1)
			return rs_fail(err, RS_EINPUT, "%s: profile node %lld is its own ancestor (the "
				       "parent links form a cycle)", file, (long long)p->nodes[j].id);
		p->nodes[j].state = 1;
		RS_GROW(*work, *wcap, n + 1);
		(*work)[n++] = j;
		j = par[j];
	}
	while (n--) {
		int32_t k = (*work)[n];
		v8node *v = &p->nodes[k];
		int32_t up = par[k] >= 0 ? p->nodes[par[k]].stack : -1;
		v->stack = is_root(s, v, par[k]) ? -1 : rs_stack_add(s, up, node_frame(s, rn, v));
		v->state = 2;
	}
	return 0;
}

static int resolve_parents(rs_v8prof *p, const idmap *m, int32_t *par)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		v8node *n = &p->nodes[i];
		par[i] = n->outer;
		if (n->parent_id != INT64_MIN)
			par[i] = idmap_get(m, n->parent_id);
	}
	for (size_t k = 0; k + 1 < p->npairs; k += 2) {
		int32_t c = idmap_get(m, p->pairs[k]), pa = (int32_t)p->pairs[k + 1];
		if (c >= 0 && pa >= 0 && c != pa)
			par[c] = pa;
	}
	return 0;
}

int rs_v8_build(rs_session *s, rs_v8prof *p, int32_t thread, uint32_t value_type, const char *file,
		rs_strbuf *node_extra, rs_err *err)
{
	idmap m;
	idmap_init(&m, p);
	int32_t *par = rs_xmalloc((p->nnodes + 1) * sizeof *par);
	resolve_parents(p, &m, par);
	rs_rustname rn = {0};
	int32_t *work = NULL;
	size_t wcap = 0;
	int rc = 0;
	for (size_t i = 0; !rc && i < p->nnodes; i++)
		rc = node_stack(s, p, &rn, par, (int32_t)i, &work, &wcap, file, err);
	int64_t *row = rs_xcalloc(s->nsample_types + 1, sizeof *row);
	row[value_type] = 1;
	int64_t t = p->start_ns;
	bool timed = p->ndeltas == p->nsamples && p->nsamples && p->has_start;
	size_t missing = 0;
	for (size_t i = 0; !rc && i < p->nsamples; i++) {
		int32_t k = idmap_get(&m, p->samples[i]);
		missing += k < 0;
		if (timed)
			t = rs_add_sat(t, p->deltas[i]);
		rs_sample_add(s, k >= 0 ? p->nodes[k].stack : -1, row, thread, timed ? t : RS_NO_TIME,
			      NULL, 0);
	}
	if (missing)
		rs_warn("%s: %zu samples name no profile node; kept with an empty stack", file, missing);
	/* hitCount is recomputed from the samples on export; keep it only when
	 * the file disagrees (legacy files and some tools write their own). */
	uint32_t *counted = rs_xcalloc(p->nnodes + 1, sizeof *counted);
	for (size_t i = 0; i < p->nsamples; i++) {
		int32_t k = idmap_get(&m, p->samples[i]);
		if (k >= 0)
			counted[k]++;
	}
	for (size_t i = 0; !rc && node_extra && i < p->nnodes; i++) {
		const v8node *n = &p->nodes[i];
		bool hits = n->has_hits && n->hits != (int64_t)counted[i] && n->stack >= 0;
		if ((!n->unknown && !hits) || n->stack < 0)
			continue;
		rs_sb_addf(node_extra, "%s[%d,{", node_extra->len ? "," : "", (int)n->stack);
		if (hits)
			rs_sb_addf(node_extra, "\"hitCount\":%lld%s", (long long)n->hits, n->unknown ? "," : "");
		if (n->unknown)
			rs_sb_adds(node_extra, rs_s(s, n->unknown));
		rs_sb_adds(node_extra, "}]");
	}
	free(counted);
	free(row);
	free(work);
	free(par);
	free(m.key);
	free(m.val);
	rs_rust_name_free(&rn);
	return rc;
}

/* --- the .cpuprofile file --- */

static int import_block(rs_session *s, const char *file, const rs_strbuf *block, rs_err *err)
{
	rs_session *t;
	rs_err e = {0};
	char name[300];
	snprintf(name, sizeof name, "%s: $.rustscope", file);
	int rc = rs_embedded_read(name, block->buf, block->len, &t, &e);
	if (rc) {
		if (!rs_import_opts_cur.ignore_embedded)
			rs_warn("%s: ignoring the embedded rustscope session (%s); reading the profile itself",
				file, e.msg);
		return rc;
	}
	rs_session_swap(s, t);
	rs_session_free(t);
	(void)err;
	return 0;
}

int rs_import_cpuprofile(rs_input *in, rs_session *s, rs_err *err)
{
	rs_v8prof *p = rs_v8_new();
	v8rd x = {.s = s, .p = p, .file = true};
	int rc = rs_jr_parse(in, &v8_handler, &x, err);
	if (!rc && x.has_block && import_block(s, in->path, &x.block, err) == 0)
		goto done;
	if (!rc && !p->nnodes)
		rc = rs_fail(err, RS_EINPUT, "%s: $.nodes: a V8 CPU profile needs \"nodes\" (or a legacy "
			     "\"head\")", in->path);
	if (!rc) {
		uint32_t vt = rs_sample_type_add(s, "samples", "count");
		rs_strbuf nodes = {0};
		rc = rs_v8_build(s, p, -1, vt, in->path, &nodes, err);
		rs_strbuf extra = {0};
		rs_sb_adds(&extra, "{\"cpuprofile\":{");
		if (x.top.len)
			rs_sb_add(&extra, x.top.buf, x.top.len);
		if (p->has_start && p->has_end) {
			int64_t d = p->end_ns >= p->start_ns ? rs_add_sat(p->end_ns, -p->start_ns) : 0;
			s->info.duration_ns = p->legacy ? rs_mul_sat(d, 1000000) : d; /* legacy: seconds */
		}
		if (p->legacy)
			rs_sb_addf(&extra, "%s\"rustscope_form\":\"head\"", extra.len > 16 ? "," : "");
		if (nodes.len)
			rs_sb_addf(&extra, "%s\"rustscope_nodes\":[%s]", extra.len > 16 ? "," : "", nodes.buf);
		rs_sb_adds(&extra, "}}");
		if (extra.len > 17)
			s->extra = rs_intern(s, extra.buf, extra.len);
		rs_sb_free(&extra);
		rs_sb_free(&nodes);
	}
done:
	rs_sb_free(&x.top);
	rs_sb_free(&x.block);
	rs_v8_free(p);
	return rc;
}

int rs_sniff_cpuprofile(const unsigned char *p, size_t n)
{
	if (rs_sniff_first(p, n) != '{' || rs_sniff_has(p, n, "\"traceEvents\""))
		return 0;
	if (rs_sniff_has(p, n, "\"nodes\"") && rs_sniff_has(p, n, "\"callFrame\""))
		return 90;
	if (rs_sniff_has(p, n, "\"head\"") && rs_sniff_has(p, n, "\"functionName\""))
		return 80;
	return 0;
}
