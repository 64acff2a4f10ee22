/* perf records to a session (see recorder.h). */
#include "recorder.h"

#include "../lib/rustname.h"
#include "../lib/idhash.h"
#include "../lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_PCS = 256, MAX_INLINE = 32 };

void rs_recorder_init(rs_recorder *r, rs_callgraph cg, const char *backend, bool debuginfod,
		      bool lib_dwarf)
{
	memset(r, 0, sizeof *r);
	rs_maps_init(&r->maps);
	rs_sym_init(&r->sym, debuginfod, lib_dwarf);
	r->cg = cg;
	if (cg != RS_CG_FP)
		r->unwinder = rs_unwinder_new(cg == RS_CG_AUTO ? "cfi" : backend);
}

void rs_recorder_free(rs_recorder *r)
{
	if (r->unwinder)
		r->unwinder->free(r->unwinder);
	rs_sym_free(&r->sym, &r->maps);
	rs_maps_free(&r->maps);
	free(r->locs);
	rs_idhash_free(&r->loc_index);
	rs_idhash_free(&r->stack_index);
	free(r->stacks);
	free(r->chains);
	free(r->samples);
	free(r->threads);
}

/* The recorder's entry for tid (made when new), newest first. */
static uint32_t thread_slot(rs_recorder *r, int pid, int tid)
{
	for (size_t i = r->nthreads; i-- > 0;)
		if (r->threads[i].tid == tid) {
			r->threads[i].pid = pid;
			return (uint32_t)i;
		}
	RS_GROW(r->threads, r->threads_cap, r->nthreads + 1);
	r->threads[r->nthreads] = (rs_rthread){.pid = pid, .tid = tid};
	return (uint32_t)r->nthreads++;
}

void rs_recorder_thread(rs_recorder *r, int pid, int tid, const char *comm)
{
	uint32_t i = thread_slot(r, pid, tid); /* before r->threads is read: it may move */
	rs_rthread *t = &r->threads[i];
	if (comm)
		snprintf(t->comm, sizeof t->comm, "%s", comm);
}

/* --- locations --- */

static uint64_t loc_hash(uint32_t module, uint64_t addr)
{
	uint64_t h = addr * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)module << 32 | module);
	return h ^ (h >> 29);
}

static uint64_t loc_hash_of(const void *ctx, uint32_t id)
{
	const rs_loc *l = &((const rs_recorder *)ctx)->locs[id];
	return loc_hash(l->module, l->addr);
}

static bool loc_eq(const void *ctx, uint32_t id, const void *key)
{
	const rs_loc *l = &((const rs_recorder *)ctx)->locs[id], *k = key;
	return l->module == k->module && l->addr == k->addr;
}

static uint32_t loc_id(rs_recorder *r, uint32_t module, uint64_t addr)
{
	rs_loc key = {module, addr, -1, 0};
	rs_idhash_ops ops = {loc_hash_of, loc_eq, r};
	bool added;
	uint32_t id = rs_idhash_get(&r->loc_index, &ops, loc_hash(module, addr), &key, (uint32_t)r->nlocs, &added);
	if (added) {
		RS_GROW(r->locs, r->locs_cap, r->nlocs + 1);
		r->locs[r->nlocs++] = key;
	}
	return id;
}

/* A pc of pid; return addresses (not the leaf) look up pc - 1, the call
 * instruction, so that lines and inline chains are the caller's. */
static void push_pc(rs_recorder *r, int pid, uint64_t pc, bool kernel, bool ret)
{
	uint64_t look = ret && pc ? pc - 1 : pc;
	uint32_t id;
	if (kernel) {
		id = loc_id(r, r->maps.kernel_module, look);
	} else {
		const rs_map *m = rs_maps_find(&r->maps, pid, look);
		id = m ? loc_id(r, m->module, look - m->start + m->pgoff) : loc_id(r, UINT32_MAX, look);
	}
	RS_GROW(r->chains, r->chains_cap, r->nchains + 1);
	r->chains[r->nchains++] = id;
}

/* --- stacks (continuous mode) --- */

static uint64_t chain_hash(const uint32_t *c, uint32_t depth)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ depth;
	for (uint32_t i = 0; i < depth; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h ^ (h >> 31);
}

static uint64_t stack_hash_of(const void *ctx, uint32_t id)
{
	const rs_recorder *r = ctx;
	return chain_hash(r->chains + r->stacks[id].chain, r->stacks[id].depth);
}

static bool stack_eq(const void *ctx, uint32_t id, const void *key)
{
	const rs_recorder *r = ctx;
	const rs_rstack *a = &r->stacks[id], *k = key;
	return a->depth == k->depth &&
	       !memcmp(r->chains + a->chain, r->chains + k->chain, a->depth * sizeof *r->chains);
}

/* The stack id of the chain just pushed at chains[chain..]; a chain met
 * before is taken back off, so chains only grow with new stacks. */
static uint32_t intern_stack(rs_recorder *r, uint32_t chain, uint32_t depth)
{
	rs_rstack key = {chain, depth};
	rs_idhash_ops ops = {stack_hash_of, stack_eq, r};
	bool added;
	uint32_t id = rs_idhash_get(&r->stack_index, &ops, chain_hash(r->chains + chain, depth), &key,
				    (uint32_t)r->nstacks, &added);
	if (added) {
		RS_GROW(r->stacks, r->stacks_cap, r->nstacks + 1);
		r->stacks[r->nstacks++] = key;
	} else {
		r->nchains = chain;
	}
	return id;
}

/* --- records --- */

typedef struct cursor {
	const unsigned char *p, *end;
	bool bad;
} cursor;

static uint64_t u64(cursor *c)
{
	uint64_t v = 0;
	if (c->end - c->p < 8) {
		c->bad = true;
		return 0;
	}
	memcpy(&v, c->p, 8);
	c->p += 8;
	return v;
}

static void unwind_user(rs_recorder *r, rs_unwind_in *in)
{
	uint64_t pcs[MAX_PCS];
	rs_unwind_how how;
	size_t n = r->unwinder->unwind(r->unwinder, in, pcs, MAX_PCS, &how);
	r->unwind_frames += n;
	r->unwound[how]++;
	for (size_t i = 0; i < n; i++)
		push_pc(r, in->pid, pcs[i], false, i > 0);
}

/* Regs and stack of a sample (dwarf, auto), after the call chain. */
static bool read_regs_stack(cursor *c, uint64_t mask, rs_unwind_in *in)
{
	uint64_t abi = u64(c);
	if (abi == PERF_SAMPLE_REGS_ABI_NONE)
		return false; /* sample taken in a kernel thread */
	for (int b = 0; b < 64; b++)
		if (mask & (1ULL << b)) {
			uint64_t v = u64(c);
			if (b < RS_NREGS)
				in->regs[b] = v;
		}
	uint64_t size = u64(c);
	if (c->bad || size > (uint64_t)(c->end - c->p))
		return false;
	const unsigned char *data = c->p;
	c->p += size;
	uint64_t dyn = size ? u64(c) : 0;
	in->stack = data;
	in->stack_len = dyn < size ? dyn : size;
	return !c->bad;
}

static void on_sample(rs_recorder *r, const struct perf_event_header *h, uint64_t type, uint64_t mask)
{
	cursor c = {(const unsigned char *)h + sizeof *h, (const unsigned char *)h + h->size, false};
	rs_rsample s = {.stack = -1};
	uint64_t ip = 0, nr = 0;
	if (type & PERF_SAMPLE_IP)
		ip = u64(&c);
	uint64_t pt = u64(&c);
	s.pid = (int)(uint32_t)pt;
	s.tid = (int)(uint32_t)(pt >> 32);
	s.time = u64(&c);
	s.period = u64(&c);
	nr = u64(&c);
	if (c.bad || nr > (uint64_t)(c.end - c.p) / 8)
		return;
	const unsigned char *ips = c.p;
	c.p += nr * 8;
	s.chain = (uint32_t)r->nchains;
	/* the user part of the kernel's chain, for the CFI walk past its copy */
	uint64_t user_chain[MAX_PCS];
	size_t nuser = 0;
	bool kernel = false, first = true;
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t pc;
		memcpy(&pc, ips + i * 8, 8);
		if (pc >= (uint64_t)PERF_CONTEXT_MAX) {
			kernel = pc == (uint64_t)PERF_CONTEXT_KERNEL;
			first = true;
			continue;
		}
		if (!kernel && r->unwinder) { /* the unwinder supplies user frames */
			if (nuser < MAX_PCS)
				user_chain[nuser++] = pc;
			continue;
		}
		push_pc(r, s.pid, pc, kernel, !first);
		first = false;
	}
	if (r->unwinder) {
		rs_unwind_in in = {.pid = s.pid, .tid = s.tid, .maps = &r->maps,
				   .fp_chain = user_chain, .fp_len = nuser};
		if (read_regs_stack(&c, mask, &in))
			unwind_user(r, &in);
	} else if (nr == 0 && ip) {
		push_pc(r, s.pid, ip, false, false);
	}
	s.depth = (uint32_t)(r->nchains - s.chain);
	if (r->ring) {
		rs_ring_entry e = {.t_ns = (int64_t)s.time, .thread = thread_slot(r, s.pid, s.tid),
				   .stack = intern_stack(r, s.chain, s.depth), .period_us = (uint32_t)(s.period / 1000)};
		rs_ring_add(r->ring, &e);
		return;
	}
	RS_GROW(r->samples, r->samples_cap, r->nsamples + 1);
	r->samples[r->nsamples++] = s;
}

static const char *str_at(const struct perf_event_header *h, size_t off)
{
	if (off >= h->size)
		return "";
	const char *p = (const char *)h + off;
	size_t max = h->size - off;
	return memchr(p, 0, max) ? p : "";
}

void rs_recorder_record(rs_recorder *r, const struct perf_event_header *h, uint64_t type, uint64_t mask)
{
	const unsigned char *b = (const unsigned char *)h;
	uint32_t u[4] = {0};
	uint64_t q[4] = {0};
	r->records++;
	if (h->size >= 8 + 16)
		memcpy(u, b + 8, 16);
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		on_sample(r, h, type, mask);
		break;
	case PERF_RECORD_MMAP2:
		if (h->size < 72)
			break;
		memcpy(q, b + 16, 24);
		rs_maps_mmap(&r->maps, (int)u[0], q[0], q[1], q[2], str_at(h, 72));
		break;
	case PERF_RECORD_MMAP:
		if (h->size < 40)
			break;
		memcpy(q, b + 16, 24);
		rs_maps_mmap(&r->maps, (int)u[0], q[0], q[1], q[2], str_at(h, 40));
		break;
	case PERF_RECORD_COMM:
		if ((h->misc & PERF_RECORD_MISC_COMM_EXEC) && u[0] == u[1])
			rs_maps_exec(&r->maps, (int)u[0]);
		rs_recorder_thread(r, (int)u[0], (int)u[1], str_at(h, 16));
		break;
	case PERF_RECORD_FORK: /* pid, ppid, tid, ptid */
		if (u[0] != u[1])
			rs_maps_fork(&r->maps, (int)u[0], (int)u[1]);
		rs_recorder_thread(r, (int)u[0], (int)u[2], NULL);
		break;
	case PERF_RECORD_LOST:
		if (h->size >= 24) {
			memcpy(q, b + 16, 8);
			r->lost += q[0];
		}
		break;
	case PERF_RECORD_LOST_SAMPLES:
		if (h->size >= 16) {
			memcpy(q, b + 8, 8);
			r->lost_samples += q[0];
		}
		break;
	}
}

/* --- finish: symbols, frames, stacks --- */

static bool ends_with(const char *s, const char *suf)
{
	size_t n = s ? strlen(s) : 0, m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

static int32_t mapping_of(rs_recorder *r, rs_session *s, rs_module *mod)
{
	if (mod->mapping >= 0 || mod->special)
		return mod->mapping;
	rs_mapping m = {0};
	m.start = mod->first_start;
	m.limit = mod->first_limit;
	m.offset = mod->first_pgoff;
	m.file = rs_intern_cstr(s, mod->path);
	if (!mod->kernel)
		m.build_id = rs_intern_cstr(s, rs_sym_build_id(&r->sym, mod));
	mod->mapping = rs_mapping_add(s, &m);
	return mod->mapping;
}

static uint32_t frame_of(rs_session *s, rs_rustname *rn, const rs_symline *sl, rs_module *mod, int32_t mapping)
{
	rs_frame f;
	rs_frame_init(&f);
	bool rust = rs_rust_name(rn, sl->sym, ends_with(sl->file, ".rs"));
	f.name = rs_intern_cstr(s, rn->name);
	if (rn->was_mangled)
		f.system_name = rs_intern_cstr(s, sl->sym);
	if (rust) {
		f.crate = rs_intern_cstr(s, rn->crate);
		f.module = rs_intern_cstr(s, rn->module);
	}
	f.kind = mod && mod->kernel ? RS_KIND_KERNEL : rust ? RS_KIND_RUST : RS_KIND_NATIVE;
	if (sl->file)
		f.file = rs_intern_cstr(s, sl->file);
	f.line = sl->line;
	f.column = sl->column;
	f.is_inline = sl->is_inline;
	f.mapping = mapping;
	return (uint32_t)rs_frame_add(s, &f);
}

static uint32_t raw_frame(rs_session *s, rs_module *mod, uint64_t addr, int32_t mapping)
{
	char name[512];
	rs_frame f;
	rs_frame_init(&f);
	if (mod)
		snprintf(name, sizeof name, "%s+0x%llx", mod->base, (unsigned long long)addr);
	else
		snprintf(name, sizeof name, "[unknown]");
	f.name = rs_intern_cstr(s, name);
	f.kind = mod && mod->kernel ? RS_KIND_KERNEL : RS_KIND_UNKNOWN;
	f.mapping = mapping;
	return (uint32_t)rs_frame_add(s, &f);
}

void rs_recorder_warm(rs_recorder *r)
{
	rs_symline sl[MAX_INLINE];
	rs_sym_source src;
	for (; r->warmed < r->nlocs; r->warmed++) {
		const rs_loc *l = &r->locs[r->warmed];
		if (l->module != UINT32_MAX)
			rs_symbolize(&r->sym, r->maps.mods[l->module], l->addr, sl, MAX_INLINE, &src);
	}
}

/* Frames for every location that used[] marks (a flush of the ring needs
 * only those its samples reach). */
static void symbolize_used(rs_recorder *r, rs_session *s, const uint8_t *used, uint32_t **frames_out)
{
	uint32_t *frames = NULL;
	size_t nframes = 0, cap = 0, nsym = 0;
	rs_symline sl[MAX_INLINE];
	rs_rustname rn = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < r->nlocs; i++) {
		if (!used[i])
			continue;
		nsym++;
		rs_loc *l = &r->locs[i];
		rs_module *mod = l->module == UINT32_MAX ? NULL : r->maps.mods[l->module];
		int32_t mapping = mod ? mapping_of(r, s, mod) : -1;
		rs_sym_source src = RS_SYM_NONE;
		size_t n = mod ? rs_symbolize(&r->sym, mod, l->addr, sl, MAX_INLINE, &src) : 0;
		RS_GROW(frames, cap, nframes + (n ? n : 1));
		l->first_frame = (int32_t)nframes;
		l->nframes = n ? (uint32_t)n : 1;
		if (!n)
			frames[nframes++] = raw_frame(s, mod, l->addr, mapping);
		for (size_t k = 0; k < n; k++)
			frames[nframes++] = frame_of(s, &rn, &sl[k], mod, mapping);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->symbolize_secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->symbolized_locs = nsym;
	rs_rust_name_free(&rn);
	*frames_out = frames;
}

static void read_comm(int pid, int tid, char *out, size_t n)
{
	char p[96];
	snprintf(p, sizeof p, "/proc/%d/task/%d/comm", pid, tid);
	FILE *f = fopen(p, "r");
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

static int32_t thread_of(rs_recorder *r, rs_session *s, int pid, int tid)
{
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid && s->threads[i].pid == pid)
			return (int32_t)i;
	char comm[17] = "";
	for (size_t i = r->nthreads; i-- > 0;)
		if (r->threads[i].tid == tid) {
			snprintf(comm, sizeof comm, "%s", r->threads[i].comm);
			break;
		}
	if (!comm[0])
		read_comm(pid, tid, comm, sizeof comm);
	return rs_thread_add(s, pid, tid, rs_intern_cstr(s, comm));
}

static int cmp_sample(const void *a, const void *b)
{
	const rs_rsample *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->chain < y->chain ? -1 : x->chain > y->chain;
}

/* The session stack of sample sm: its path of frames, root first. */
static int32_t session_stack(const rs_recorder *r, rs_session *s, const rs_rsample *sm, const uint32_t *frames,
			     uint32_t **path, size_t *cap)
{
	size_t np = 0;
	/* chain is leaf first, each location's frames innermost first: walk
	 * both backwards for root -> leaf */
	for (uint32_t k = sm->depth; k-- > 0;) {
		const rs_loc *l = &r->locs[r->chains[sm->chain + k]];
		RS_GROW(*path, *cap, np + l->nframes);
		for (uint32_t f = l->nframes; f-- > 0;)
			(*path)[np++] = frames[l->first_frame + (int32_t)f];
	}
	return rs_stack_path(s, *path, np);
}

/* Frames, stacks, samples and threads of s from sm[0..n). */
static void build(rs_recorder *r, rs_session *s, const rs_rsample *sm, size_t n, int64_t clock_offset,
		  uint64_t period_ns)
{
	uint8_t *used = rs_xcalloc(r->nlocs + 1, 1);
	for (size_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < sm[i].depth; k++)
			used[r->chains[sm[i].chain + k]] = 1;
	uint32_t *frames = NULL;
	symbolize_used(r, s, used, &frames);
	free(used);
	/* an interned stack's path is made once, however many samples have it */
	int32_t *memo = rs_xmalloc((r->nstacks + 1) * sizeof *memo);
	for (size_t i = 0; i < r->nstacks; i++)
		memo[i] = INT32_MIN;
	uint32_t *path = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t *m = sm[i].stack >= 0 ? &memo[sm[i].stack] : NULL;
		int32_t stack = m && *m != INT32_MIN ? *m : session_stack(r, s, &sm[i], frames, &path, &cap);
		if (m)
			*m = stack;
		int64_t v[2] = {1, (int64_t)(sm[i].period ? sm[i].period : period_ns)};
		int32_t th = thread_of(r, s, sm[i].pid, sm[i].tid);
		rs_sample_add(s, stack, v, th, (int64_t)sm[i].time + clock_offset, NULL, 0);
	}
	/* threads that never got a sample still belong to the timeline */
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].pid > 0)
			thread_of(r, s, r->threads[i].pid, r->threads[i].tid);
	free(memo);
	free(path);
	free(frames);
}

uint32_t rs_recorder_intern_pcs(rs_recorder *r, int pid, const uint64_t *pcs, size_t n)
{
	uint32_t chain = (uint32_t)r->nchains;
	for (size_t i = 0; i < n; i++)
		push_pc(r, pid, pcs[i], false, true);
	return intern_stack(r, chain, (uint32_t)n);
}

void rs_recorder_session_stacks(rs_recorder *r, rs_session *s, const uint32_t *ids, size_t n, int32_t *out)
{
	uint8_t *used = rs_xcalloc(r->nlocs + 1, 1);
	for (size_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < r->stacks[ids[i]].depth; k++)
			used[r->chains[r->stacks[ids[i]].chain + k]] = 1;
	uint32_t *frames = NULL, *path = NULL;
	size_t cap = 0;
	symbolize_used(r, s, used, &frames);
	free(used);
	for (size_t i = 0; i < n; i++) {
		rs_rsample sm = {.chain = r->stacks[ids[i]].chain, .depth = r->stacks[ids[i]].depth};
		out[i] = session_stack(r, s, &sm, frames, &path, &cap);
	}
	free(path);
	free(frames);
}

int32_t rs_recorder_session_thread(rs_recorder *r, rs_session *s, int pid, int tid)
{
	return thread_of(r, s, pid, tid);
}

/* Batches are time-ordered; across batch edges a late CPU may lag, so the
 * samples are nearly sorted: insertion sort, moving each only as far as it
 * lags, unless that adds up to more than a merge sort would copy. */
static void sort_samples(rs_rsample *sm, size_t n)
{
	size_t budget = 32 * n, moved = 0;
	for (size_t i = 1; i < n; i++) {
		if (cmp_sample(&sm[i - 1], &sm[i]) <= 0)
			continue;
		rs_rsample x = sm[i];
		size_t j = i;
		while (j > 0 && cmp_sample(&sm[j - 1], &x) > 0 && moved++ < budget) {
			sm[j] = sm[j - 1];
			j--;
		}
		sm[j] = x;
		if (moved >= budget) {
			qsort(sm, n, sizeof *sm, cmp_sample);
			return;
		}
	}
}

void rs_recorder_finish(rs_recorder *r, rs_session *s, int64_t clock_offset, uint64_t period_ns)
{
	sort_samples(r->samples, r->nsamples);
	build(r, s, r->samples, r->nsamples, clock_offset, period_ns);
}

void rs_recorder_finish_ring(rs_recorder *r, rs_session *s, int64_t clock_offset, uint64_t period_ns)
{
	rs_rsample *sm = rs_xmalloc((r->ring->entries + 1) * sizeof *sm);
	size_t n = 0;
	rs_ring_iter it = {0};
	rs_ring_entry e;
	while (rs_ring_next(r->ring, &it, &e)) {
		if (e.is_point)
			continue;
		const rs_rthread *t = &r->threads[e.thread];
		const rs_rstack *st = &r->stacks[e.stack];
		sm[n++] = (rs_rsample){t->pid, t->tid, (uint64_t)e.t_ns, (uint64_t)e.period_us * 1000, st->chain,
				       st->depth, (int32_t)e.stack};
	}
	sort_samples(sm, n);
	build(r, s, sm, n, clock_offset, period_ns);
	free(sm);
}
