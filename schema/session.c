/* The ProfileSession tables: string interning and deduplicated frames and
 * stack nodes (hash indexes over the vectors), plus append helpers. */
#include "session.h"
#include "stack_prefault.h"

#include "../lib/utf8.h"
#include "../lib/xalloc.h"

#include <string.h>

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* Grows an open-addressing index (0 = empty, else element + 1) to keep the
 * load below 1/2, rehashing every element with hashfn. */
typedef uint64_t (*elem_hash_fn)(const rs_session *s, uint32_t i);

static void index_grow(const rs_session *s, uint32_t **tab, size_t *cap, size_t n, elem_hash_fn fn)
{
	if ((n + 1) * 2 <= *cap)
		return;
	size_t nc = *cap ? *cap * 2 : 1024;
	while ((n + 1) * 2 > nc)
		nc *= 2;
	uint32_t *t = rs_xcalloc(nc, sizeof *t);
	for (uint32_t i = 0; i < n; i++) {
		size_t j = fn(s, i) & (nc - 1);
		while (t[j])
			j = (j + 1) & (nc - 1);
		t[j] = i + 1;
	}
	free(*tab);
	*tab = t;
	*cap = nc;
}

/* --- strings --- */

static uint64_t str_hash(const char *p, size_t n) { return mix(hash_bytes(p, n, 0xcbf29ce484222325ULL)); }

/* Appends a copy of p to the table (not indexed). */
static rs_str strtab_push(rs_session *s, const char *p, size_t len)
{
	rs_strtab *t = &s->strings;
	size_t cap = t->cap;
	RS_GROW(t->ptr, cap, t->n + 1);
	RS_GROW(t->len, t->cap, t->n + 1);
	t->ptr[t->n] = rs_arena_strndup(&s->arena, p, len);
	t->len[t->n] = (uint32_t)len;
	return (rs_str)t->n++;
}

/* The index holds interned strings only (not rs_store'd ones), so it grows
 * by their count and rehashes from its own slots. */
static void strtab_index_grow(rs_strtab *t)
{
	if ((t->nhashed + 1) * 2 <= t->hash_cap)
		return;
	size_t nc = t->hash_cap ? t->hash_cap * 2 : 1024;
	uint32_t *h = rs_xcalloc(nc, sizeof *h);
	for (size_t k = 0; k < t->hash_cap; k++) {
		uint32_t i = t->hash[k];
		if (!i)
			continue;
		size_t j = str_hash(t->ptr[i - 1], t->len[i - 1]) & (nc - 1);
		while (h[j])
			j = (j + 1) & (nc - 1);
		h[j] = i;
	}
	free(t->hash);
	t->hash = h;
	t->hash_cap = nc;
}

rs_str rs_intern(rs_session *s, const char *p, size_t len)
{
	rs_strtab *t = &s->strings;
	if (len == 0)
		return 0;
	strtab_index_grow(t);
	size_t mask = t->hash_cap - 1, j = str_hash(p, len) & mask;
	for (; t->hash[j]; j = (j + 1) & mask) {
		uint32_t i = t->hash[j] - 1;
		if (t->len[i] == len && memcmp(t->ptr[i], p, len) == 0)
			return i;
	}
	rs_str id = strtab_push(s, p, len);
	t->hash[j] = id + 1;
	t->nhashed++;
	return id;
}

rs_str rs_intern_cstr(rs_session *s, const char *p) { return p ? rs_intern(s, p, strlen(p)) : 0; }

rs_str rs_store(rs_session *s, const char *p, size_t len) { return len ? strtab_push(s, p, len) : 0; }

size_t rs_session_repair_utf8(rs_session *s)
{
	rs_strtab *t = &s->strings;
	rs_strbuf fixed = {0};
	size_t repaired = 0;
	for (size_t i = 1; i < t->n; i++) {
		if (rs_utf8_valid(t->ptr[i], t->len[i]))
			continue;
		rs_sb_reset(&fixed);
		rs_utf8_repair(&fixed, t->ptr[i], t->len[i]);
		/* the index still files it under its old text: a later intern of
		 * the new text only adds a second copy */
		t->ptr[i] = rs_arena_strndup(&s->arena, fixed.buf, fixed.len);
		t->len[i] = (uint32_t)fixed.len;
		repaired++;
	}
	rs_sb_free(&fixed);
	return repaired;
}

rs_session *rs_session_new(void)
{
	rs_session *s = rs_xcalloc(1, sizeof *s);
	/* String 0 is "" so that a zeroed record has empty strings. */
	RS_GROW(s->strings.ptr, s->strings.cap, 1);
	size_t cap = 0;
	RS_GROW(s->strings.len, cap, s->strings.cap);
	s->strings.ptr[0] = "";
	s->strings.len[0] = 0;
	s->strings.n = 1;
	s->info.start_time_ns = RS_NO_TIME;
	s->info.duration_ns = RS_NO_TIME;
	return s;
}

void rs_session_swap(rs_session *a, rs_session *b)
{
	rs_session t = *a;
	*a = *b;
	*b = t;
}

void rs_session_free(rs_session *s)
{
	if (!s)
		return;
	rs_stack_prefault_stop(s);
	free(s->strings.ptr);
	free(s->strings.len);
	free(s->strings.hash);
	free(s->info.tags);
	free(s->sample_types);
	free(s->frames);
	free(s->mappings);
	free(s->stacks);
	free(s->threads);
	rs_samples *sm = &s->samples;
	free(sm->stack);
	free(sm->values);
	free(sm->thread);
	free(sm->time_ns);
	free(sm->label_end);
	free(sm->labels);
	free(s->intervals);
	for (size_t i = 0; i < s->ncounters; i++) {
		free(s->counters[i].t_ns);
		free(s->counters[i].value);
	}
	free(s->counters);
	free(s->memory_events);
	free(s->markers);
	free(s->windows);
	free(s->frame_hash);
	free(s->stack_hash);
	free(s->links);
	rs_arena_free(&s->arena);
	free(s);
}

/* --- frames --- */

void rs_frame_init(rs_frame *f)
{
	memset(f, 0, sizeof *f);
	f->mapping = -1;
}

/* Compares field by field: the struct has padding, so no memcmp. */
static bool frame_eq(const rs_frame *a, const rs_frame *b)
{
	return a->name == b->name && a->system_name == b->system_name && a->file == b->file &&
	       a->crate == b->crate && a->module == b->module && a->unknown == b->unknown &&
	       a->line == b->line && a->column == b->column && a->address == b->address &&
	       a->mapping == b->mapping && a->kind == b->kind && a->is_inline == b->is_inline;
}

static uint64_t frame_hash(const rs_frame *f)
{
	uint64_t v[] = {f->name, f->system_name, f->file, f->crate, f->module, f->unknown,
			(uint64_t)f->line, (uint64_t)f->column, f->address, (uint64_t)(uint32_t)f->mapping,
			(uint64_t)f->kind << 8 | f->is_inline};
	return mix(hash_bytes(v, sizeof v, 0xcbf29ce484222325ULL));
}

static uint64_t frame_elem_hash(const rs_session *s, uint32_t i) { return frame_hash(&s->frames[i]); }

/* Finds f in the index; returns the slot, *found set when present. */
static size_t frame_slot(rs_session *s, const rs_frame *f, int32_t *found)
{
	index_grow(s, &s->frame_hash, &s->frame_hash_cap, s->nframes, frame_elem_hash);
	size_t mask = s->frame_hash_cap - 1, j = frame_hash(f) & mask;
	*found = -1;
	for (; s->frame_hash[j]; j = (j + 1) & mask)
		if (frame_eq(&s->frames[s->frame_hash[j] - 1], f)) {
			*found = (int32_t)s->frame_hash[j] - 1;
			break;
		}
	return j;
}

static int32_t frame_push(rs_session *s, const rs_frame *f, size_t slot, bool index_it)
{
	RS_GROW(s->frames, s->frames_cap, s->nframes + 1);
	s->frames[s->nframes] = *f;
	if (index_it)
		s->frame_hash[slot] = (uint32_t)s->nframes + 1;
	return (int32_t)s->nframes++;
}

int32_t rs_frame_add(rs_session *s, const rs_frame *f)
{
	int32_t found;
	size_t slot = frame_slot(s, f, &found);
	return found >= 0 ? found : frame_push(s, f, slot, true);
}

int32_t rs_frame_append(rs_session *s, const rs_frame *f)
{
	int32_t found;
	size_t slot = frame_slot(s, f, &found);
	s->frames_unlinked += found >= 0;
	return frame_push(s, f, slot, found < 0);
}

uint64_t rs_frames_digest(const rs_session *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < s->nframes; i++) {
		const rs_frame *f = &s->frames[i];
		const rs_str str[] = {f->name, f->system_name, f->file, f->crate, f->module, f->unknown};
		for (size_t k = 0; k < sizeof str / sizeof *str; k++) {
			uint32_t n = rs_slen(s, str[k]);
			h = hash_bytes(&n, sizeof n, h);
			h = hash_bytes(rs_s(s, str[k]), n, h);
		}
		const int64_t num[] = {f->line, f->column, (int64_t)f->address, f->mapping, f->kind, f->is_inline};
		h = hash_bytes(num, sizeof num, h);
	}
	return mix(h);
}

/* --- stacks --- */

enum { KIDS_LIST_MAX = 2, KIDS_HASHED = -2 };

static uint64_t stack_hash(int32_t parent, uint32_t frame)
{
	return mix(((uint64_t)(uint32_t)parent << 32) ^ frame ^ 0x9e3779b97f4a7c15ULL);
}

static uint64_t stack_elem_hash(const rs_session *s, uint32_t i)
{
	return stack_hash(s->stacks[i].parent, s->stacks[i].frame);
}

/* The hash holds only the children of hashed nodes; stack_hashed counts them. */
static void hash_grow(rs_session *s)
{
	if ((s->stack_hashed + 1) * 2 <= s->stack_hash_cap)
		return;
	size_t nc = s->stack_hash_cap ? s->stack_hash_cap * 2 : 1024;
	uint32_t *t = rs_xcalloc(nc, sizeof *t);
	for (size_t k = 0; k < s->stack_hash_cap; k++) {
		uint32_t i = s->stack_hash[k];
		/* the nodes are scattered over a table that may be huge */
		if (k + 16 < s->stack_hash_cap && s->stack_hash[k + 16])
			__builtin_prefetch(&s->stacks[s->stack_hash[k + 16] - 1]);
		if (!i)
			continue;
		size_t j = stack_elem_hash(s, i - 1) & (nc - 1);
		while (t[j])
			j = (j + 1) & (nc - 1);
		t[j] = i;
	}
	free(s->stack_hash);
	s->stack_hash = t;
	s->stack_hash_cap = nc;
}

static void hash_insert(rs_session *s, int32_t node)
{
	hash_grow(s);
	size_t mask = s->stack_hash_cap - 1, j = stack_elem_hash(s, (uint32_t)node) & mask;
	while (s->stack_hash[j])
		j = (j + 1) & mask;
	s->stack_hash[j] = (uint32_t)node + 1;
	s->stack_hashed++;
}

static int32_t hash_find(const rs_session *s, int32_t parent, uint32_t frame)
{
	if (!s->stack_hash_cap)
		return -1;
	size_t mask = s->stack_hash_cap - 1, j = stack_hash(parent, frame) & mask;
	for (; s->stack_hash[j]; j = (j + 1) & mask) {
		uint32_t i = s->stack_hash[j];
		/* the frame first: its line is the one the next level needs */
		if (s->links[i].frame == frame && s->stacks[i - 1].parent == parent)
			return (int32_t)i - 1;
	}
	return -1;
}

/* Link slot of a node: 0 is the root, node i is at i + 1. */
static size_t link_of(int32_t parent) { return parent < 0 ? 0 : (size_t)parent + 1; }

int32_t rs_stack_find(const rs_session *s, int32_t parent, uint32_t frame)
{
	if (!s->links)
		return -1;
	int32_t k = s->links[link_of(parent)].first_child;
	if (k == KIDS_HASHED)
		return hash_find(s, parent, frame);
	for (; k >= 0; k = s->links[k + 1].next_sibling)
		if (s->links[k + 1].frame == frame)
			return k;
	return -1;
}

void rs_stack_prefetch(const rs_session *s, int32_t parent, uint32_t frame, bool second)
{
	if (!s->links || parent < -1 || parent >= (int64_t)s->nstacks)
		return;
	int32_t k = s->links[link_of(parent)].first_child;
	if (k != KIDS_HASHED) {
		if (k >= 0)
			__builtin_prefetch(&s->links[k + 1]);
		return;
	}
	size_t j = stack_hash(parent, frame) & (s->stack_hash_cap - 1);
	if (!second) {
		__builtin_prefetch(&s->stack_hash[j]);
		return;
	}
	uint32_t i = s->stack_hash[j];
	if (i) {
		__builtin_prefetch(&s->links[i]);
		__builtin_prefetch(&s->stacks[i - 1]);
	}
}

static void links_reserve(rs_session *s, size_t n)
{
	if (n <= s->links_cap)
		return;
	size_t c = s->links_cap ? s->links_cap * 2 : 1024;
	while (c < n)
		c *= 2;
	s->links = rs_xrealloc(s->links, c * sizeof *s->links);
	if (!s->links_cap) /* the root's slot */
		s->links[0] = (rs_stack_link){-1, -1, 0};
	s->links_cap = c;
}

/* Makes node findable from its parent: list head, or the hash once the
 * parent has more than KIDS_LIST_MAX children. */
static void link_child(rs_session *s, int32_t node)
{
	rs_stack_link *p = &s->links[link_of(s->stacks[node].parent)];
	if (p->first_child == KIDS_HASHED) {
		hash_insert(s, node);
		return;
	}
	s->links[node + 1].next_sibling = p->first_child;
	p->first_child = node;
	/* the list was just searched, so counting it again is cheap */
	int n = 0;
	for (int32_t k = node; k >= 0 && n <= KIDS_LIST_MAX; k = s->links[k + 1].next_sibling)
		n++;
	if (n <= KIDS_LIST_MAX)
		return;
	for (int32_t k = p->first_child; k >= 0; k = s->links[k + 1].next_sibling)
		hash_insert(s, k);
	p->first_child = KIDS_HASHED;
}

static int32_t stack_push(rs_session *s, int32_t parent, uint32_t frame, bool link)
{
	if (s->nstacks + 2 > s->links_cap || s->nstacks + 1 > s->stacks_cap) { /* rarely */
		rs_stack_grow_lock(s);
		RS_GROW(s->stacks, s->stacks_cap, s->nstacks + 1);
		links_reserve(s, s->nstacks + 2);
		rs_stack_grow_unlock(s);
	}
	int32_t node = (int32_t)s->nstacks;
	/* read by the prefaulting thread, if any */
	__atomic_store_n(&s->nstacks, s->nstacks + 1, __ATOMIC_RELAXED);
	s->stacks[node] = (rs_stack){parent, frame};
	s->links[node + 1] = (rs_stack_link){-1, -1, frame};
	if (link)
		link_child(s, node);
	else
		s->stacks_unlinked++;
	return node;
}

int32_t rs_stack_add(rs_session *s, int32_t parent, uint32_t frame)
{
	int32_t found = rs_stack_find(s, parent, frame);
	return found >= 0 ? found : stack_push(s, parent, frame, true);
}

int32_t rs_stack_append(rs_session *s, int32_t parent, uint32_t frame)
{
	/* Invalid parents (caught later by validation) are stored, not linked. */
	bool valid = parent >= -1 && parent < (int64_t)s->nstacks;
	return stack_push(s, parent, frame, valid && rs_stack_find(s, parent, frame) < 0);
}

int32_t rs_stack_path(rs_session *s, const uint32_t *frames, size_t n)
{
	int32_t node = -1;
	size_t i = 0;
	for (int32_t found; i < n && (found = rs_stack_find(s, node, frames[i])) >= 0; i++)
		node = found;
	/* A node created just now has no children yet, so the rest of the path
	 * is new too and needs no lookup (most nodes of big profiles). */
	for (; i < n; i++)
		node = stack_push(s, node, frames[i], true);
	return node;
}

uint32_t rs_stack_depth(const rs_session *s, int32_t stack)
{
	uint32_t d = 0;
	for (; stack >= 0; stack = s->stacks[stack].parent)
		d++;
	return d;
}

/* --- other tables --- */

int32_t rs_mapping_add(rs_session *s, const rs_mapping *m)
{
	RS_GROW(s->mappings, s->mappings_cap, s->nmappings + 1);
	s->mappings[s->nmappings] = *m;
	return (int32_t)s->nmappings++;
}

int32_t rs_thread_add(rs_session *s, int64_t pid, int64_t tid, rs_str name)
{
	RS_GROW(s->threads, s->threads_cap, s->nthreads + 1);
	s->threads[s->nthreads] = (rs_thread){.pid = pid, .tid = tid, .name = name};
	return (int32_t)s->nthreads++;
}

int32_t rs_thread_find_or_add(rs_session *s, int64_t pid, int64_t tid)
{
	for (size_t i = s->nthreads; i-- > 0;)
		if (s->threads[i].pid == pid && s->threads[i].tid == tid)
			return (int32_t)i;
	return rs_thread_add(s, pid, tid, 0);
}

/* Samples already stored get 0 in the new column. */
static void values_widen(rs_samples *sm, size_t nv)
{
	if (!sm->cap)
		return;
	int64_t *v = rs_xcalloc(sm->cap * (nv + 1), sizeof *v);
	for (size_t i = 0; i < sm->n && nv; i++)
		memcpy(v + i * (nv + 1), sm->values + i * nv, nv * sizeof *v);
	free(sm->values);
	sm->values = v;
}

uint32_t rs_sample_type_add(rs_session *s, const char *type, const char *unit)
{
	values_widen(&s->samples, s->nsample_types);
	RS_GROW(s->sample_types, s->sample_types_cap, s->nsample_types + 1);
	s->sample_types[s->nsample_types] =
		(rs_value_type){rs_intern_cstr(s, type), rs_intern_cstr(s, unit)};
	return (uint32_t)s->nsample_types++;
}

void rs_sample_add(rs_session *s, int32_t stack, const int64_t *values, int32_t thread,
		   int64_t time_ns, const rs_label *labels, size_t nlabels)
{
	rs_samples *sm = &s->samples;
	size_t nv = s->nsample_types, i = sm->n;
	if (i + 1 > sm->cap) {
		size_t c = sm->cap;
		RS_GROW(sm->stack, c, i + 1);
		sm->values = rs_xrealloc(sm->values, c * (nv ? nv : 1) * sizeof *sm->values);
		sm->thread = rs_xrealloc(sm->thread, c * sizeof *sm->thread);
		sm->time_ns = rs_xrealloc(sm->time_ns, c * sizeof *sm->time_ns);
		sm->label_end = rs_xrealloc(sm->label_end, c * sizeof *sm->label_end);
		sm->cap = c;
	}
	sm->stack[i] = stack;
	if (nv)
		memcpy(sm->values + i * nv, values, nv * sizeof *values);
	sm->thread[i] = thread;
	sm->time_ns[i] = time_ns;
	sm->has_thread |= thread >= 0;
	sm->has_time |= time_ns != RS_NO_TIME;
	if (nlabels) {
		if (sm->nlabels + nlabels > sm->labels_cap)
			RS_GROW(sm->labels, sm->labels_cap, sm->nlabels + nlabels);
		memcpy(sm->labels + sm->nlabels, labels, nlabels * sizeof *labels);
		sm->nlabels += nlabels;
		sm->has_labels = true;
	}
	sm->label_end[i] = (uint32_t)sm->nlabels;
	sm->n++;
}

#define NEW_RECORD(s, vec, T)                                                                 \
	(RS_GROW((s)->vec, (s)->vec##_cap, (s)->n##vec + 1),                                  \
	 memset(&(s)->vec[(s)->n##vec], 0, sizeof(T)), &(s)->vec[(s)->n##vec++])

rs_interval *rs_interval_new(rs_session *s)
{
	rs_interval *r = NEW_RECORD(s, intervals, rs_interval);
	r->thread = r->frame = -1;
	return r;
}

rs_counter *rs_counter_new(rs_session *s, rs_str name, rs_str unit)
{
	rs_counter *c = NEW_RECORD(s, counters, rs_counter);
	c->name = name;
	c->unit = unit;
	c->thread = -1;
	return c;
}

void rs_counter_point(rs_counter *c, int64_t t_ns, double v)
{
	size_t cap = c->cap;
	RS_GROW(c->t_ns, cap, c->n + 1);
	RS_GROW(c->value, c->cap, c->n + 1);
	c->t_ns[c->n] = t_ns;
	c->value[c->n++] = v;
}

rs_memory_event *rs_memory_event_new(rs_session *s)
{
	rs_memory_event *e = NEW_RECORD(s, memory_events, rs_memory_event);
	e->stack = e->thread = -1;
	return e;
}

rs_marker *rs_marker_new(rs_session *s)
{
	rs_marker *m = NEW_RECORD(s, markers, rs_marker);
	m->thread = -1;
	return m;
}

rs_window *rs_window_new(rs_session *s) { return NEW_RECORD(s, windows, rs_window); }

void rs_tag_set(rs_session *s, const char *key, const char *value)
{
	rs_session_info *in = &s->info;
	rs_str k = rs_intern_cstr(s, key), v = rs_intern_cstr(s, value);
	for (size_t i = 0; i < in->ntags; i++)
		if (in->tags[i].key == k) {
			in->tags[i].value = v;
			return;
		}
	RS_GROW(in->tags, in->tags_cap, in->ntags + 1);
	in->tags[in->ntags++] = (rs_kv){k, v};
}

/* --- enums --- */

static const char *const kind_names[RS_KIND_COUNT] = {"unknown", "native", "rust",
						      "kernel", "jit", "interpreted"};
static const char *const mem_names[] = {"alloc", "free", "realloc"};

static int name_index(const char *const *names, int n, const char *p, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], p, len) == 0)
			return i;
	return -1;
}

const char *rs_frame_kind_name(int k) { return k >= 0 && k < RS_KIND_COUNT ? kind_names[k] : "unknown"; }
int rs_frame_kind_parse(const char *p, size_t len) { return name_index(kind_names, RS_KIND_COUNT, p, len); }
const char *rs_mem_kind_name(int k) { return k >= 0 && k < 3 ? mem_names[k] : "alloc"; }
int rs_mem_kind_parse(const char *p, size_t len) { return name_index(mem_names, 3, p, len); }
