#include "fidelity.h"

#include "../lib/checked.h"
#include "../lib/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const aspect_names[RS_ASPECT_COUNT] = {
	"totals", "stacks", "frames", "locations", "rust", "threads", "times", "labels", "timeline",
	"metadata"};

const char *rs_aspect_name(rs_aspect a) { return aspect_names[a]; }

int rs_aspect_parse(const char *name)
{
	for (int i = 0; i < RS_ASPECT_COUNT; i++)
		if (strcmp(aspect_names[i], name) == 0)
			return i;
	return -1;
}

/* FNV-1a over bytes, chained: items are hashes of their fields in order. */
static uint64_t h_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t h_u64(uint64_t h, uint64_t v) { return h_bytes(h, &v, sizeof v); }

/* Strings hash by content (interned ids differ between sessions). */
static uint64_t h_str(uint64_t h, const rs_session *s, rs_str id)
{
	return h_u64(h_bytes(h, rs_s(s, id), rs_slen(s, id)), rs_slen(s, id));
}

enum { SEED = 0xcbf29ce484222325ULL };

typedef struct bag {
	uint64_t *v;
	size_t n, cap;
} bag;

static void put(bag *b, uint64_t h)
{
	RS_GROW(b->v, b->cap, b->n + 1);
	b->v[b->n++] = h;
}

/* A stack by the names of its frames, root to leaf; memoized per node. */
static uint64_t *stack_name_hashes(const rs_session *s)
{
	uint64_t *h = rs_xmalloc((s->nstacks + 1) * sizeof *h);
	for (size_t i = 0; i < s->nstacks; i++) {
		const rs_stack *n = &s->stacks[i];
		uint64_t parent = n->parent >= 0 && (size_t)n->parent < i ? h[n->parent] : SEED;
		h[i] = h_str(parent, s, s->frames[n->frame].name);
	}
	return h;
}

static uint64_t sample_stack_hash(const rs_session *s, const uint64_t *sh, size_t i)
{
	int32_t st = s->samples.stack[i];
	return st >= 0 ? sh[st] : SEED;
}

static uint64_t thread_hash(const rs_session *s, int32_t t)
{
	if (t < 0)
		return 0;
	const rs_thread *th = &s->threads[t];
	return h_str(h_u64(h_u64(SEED, (uint64_t)th->pid), (uint64_t)th->tid), s, th->name);
}

static void sample_facts(const rs_session *s, bag *b)
{
	const rs_samples *sm = &s->samples;
	size_t nv = s->nsample_types;
	uint64_t *sh = stack_name_hashes(s);
	for (size_t j = 0; j < nv; j++) {
		int64_t total = 0;
		for (size_t i = 0; i < sm->n; i++)
			total = rs_add_sat(total, sm->values[i * nv + j]);
		uint64_t h = h_str(h_str(SEED, s, s->sample_types[j].type), s, s->sample_types[j].unit);
		put(&b[RS_ASPECT_TOTALS], h_u64(h, (uint64_t)total));
	}
	for (size_t i = 0; i < sm->n; i++) {
		uint64_t st = sample_stack_hash(s, sh, i);
		put(&b[RS_ASPECT_STACKS], h_bytes(st, sm->values + i * nv, nv * sizeof *sm->values));
		if (sm->has_thread)
			put(&b[RS_ASPECT_THREADS], h_u64(thread_hash(s, sm->thread[i]), st));
		if (sm->has_time && sm->time_ns[i] != RS_NO_TIME)
			put(&b[RS_ASPECT_TIMES], h_u64(st, (uint64_t)sm->time_ns[i]));
		size_t nl;
		const rs_label *l = rs_sample_labels(s, i, &nl);
		for (size_t k = 0; k < nl; k++) {
			uint64_t h = h_str(h_str(h_u64(st, l[k].is_num), s, l[k].key), s, l[k].str);
			put(&b[RS_ASPECT_LABELS], h_str(h_u64(h, (uint64_t)l[k].num), s, l[k].unit));
		}
	}
	free(sh);
}

/* Frames in use (by stacks or intervals): formats that write only what
 * samples reference must not count as losing unused table entries. */
static void frame_facts(const rs_session *s, bag *b)
{
	bool *used = rs_xcalloc(s->nframes + 1, sizeof *used);
	for (size_t i = 0; i < s->nstacks; i++)
		if (s->stacks[i].frame < s->nframes)
			used[s->stacks[i].frame] = true;
	for (size_t i = 0; i < s->nintervals; i++)
		if (s->intervals[i].frame >= 0 && (size_t)s->intervals[i].frame < s->nframes)
			used[s->intervals[i].frame] = true;
	for (size_t i = 0; i < s->nframes; i++) {
		const rs_frame *f = &s->frames[i];
		if (!used[i])
			continue;
		uint64_t name = h_str(SEED, s, f->name);
		put(&b[RS_ASPECT_FRAMES], name);
		put(&b[RS_ASPECT_LOCATIONS],
		    h_u64(h_u64(h_str(name, s, f->file), (uint64_t)f->line), (uint64_t)f->column));
		put(&b[RS_ASPECT_RUST], h_u64(h_str(h_str(name, s, f->crate), s, f->module), f->kind));
	}
	free(used);
	for (size_t i = 0; i < s->nthreads; i++)
		put(&b[RS_ASPECT_THREADS], thread_hash(s, (int32_t)i));
}

static uint64_t frame_name_hash(const rs_session *s, int32_t frame)
{
	return frame >= 0 ? h_str(SEED, s, s->frames[frame].name) : 0;
}

static void timeline_facts(const rs_session *s, bag *b)
{
	bag *t = &b[RS_ASPECT_TIMELINE];
	for (size_t i = 0; i < s->nintervals; i++) {
		const rs_interval *v = &s->intervals[i];
		uint64_t h = h_str(h_u64(frame_name_hash(s, v->frame), thread_hash(s, v->thread)), s, v->name);
		put(t, h_u64(h_u64(h_str(h, s, v->category), (uint64_t)v->start_ns), (uint64_t)v->end_ns));
	}
	for (size_t i = 0; i < s->ncounters; i++) {
		const rs_counter *c = &s->counters[i];
		uint64_t h = h_str(h_str(thread_hash(s, c->thread), s, c->name), s, c->unit);
		for (size_t j = 0; j < c->n; j++)
			put(t, h_bytes(h_u64(h, (uint64_t)c->t_ns[j]), &c->value[j], sizeof(double)));
	}
	for (size_t i = 0; i < s->nmarkers; i++) {
		const rs_marker *m = &s->markers[i];
		put(t, h_u64(h_str(thread_hash(s, m->thread), s, m->name), (uint64_t)m->t_ns));
	}
	for (size_t i = 0; i < s->nmemory_events; i++) {
		const rs_memory_event *e = &s->memory_events[i];
		put(t, h_u64(h_u64(h_u64(SEED, (uint64_t)e->t_ns), e->kind), (uint64_t)e->size));
	}
}

static void metadata_facts(const rs_session *s, bag *b)
{
	const rs_session_info *in = &s->info;
	const rs_str fields[] = {in->id, in->name, in->build.version, in->build.commit,
				 in->build.profile, in->build.rustc, in->build.target, in->env.hostname,
				 in->env.os, in->env.kernel, in->env.cpu_model, in->producer.name,
				 in->producer.version, s->extra};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		put(&b[RS_ASPECT_METADATA], h_str(h_u64(SEED, i), s, fields[i]));
	for (size_t i = 0; i < in->ntags; i++)
		put(&b[RS_ASPECT_METADATA], h_str(h_str(SEED, s, in->tags[i].key), s, in->tags[i].value));
	put(&b[RS_ASPECT_METADATA], h_u64(h_u64(SEED, (uint64_t)in->start_time_ns), (uint64_t)in->duration_ns));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t unique(uint64_t *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

void rs_facts_of(const rs_session *s, rs_facts *f)
{
	bag b[RS_ASPECT_COUNT] = {0};
	sample_facts(s, b);
	frame_facts(s, b);
	timeline_facts(s, b);
	metadata_facts(s, b);
	for (int a = 0; a < RS_ASPECT_COUNT; a++) {
		if (b[a].n)
			qsort(b[a].v, b[a].n, sizeof *b[a].v, cmp_u64);
		/* Frame aspects are sets: a format may split or merge equal frames. */
		if (a == RS_ASPECT_FRAMES || a == RS_ASPECT_LOCATIONS || a == RS_ASPECT_RUST)
			b[a].n = unique(b[a].v, b[a].n);
		f->items[a] = b[a].v;
		f->n[a] = b[a].n;
	}
}

size_t rs_facts_diff(const rs_facts *a, const rs_facts *b, rs_aspect asp)
{
	const uint64_t *x = a->items[asp], *y = b->items[asp];
	size_t i = 0, j = 0, nx = a->n[asp], ny = b->n[asp], d = 0;
	while (i < nx && j < ny) {
		if (x[i] == y[j]) {
			i++;
			j++;
		} else if (x[i] < y[j]) {
			i++;
			d++;
		} else {
			j++;
			d++;
		}
	}
	return d + (nx - i) + (ny - j);
}

void rs_facts_free(rs_facts *f)
{
	for (int a = 0; a < RS_ASPECT_COUNT; a++)
		free(f->items[a]);
}
