/* The leak report (see leaks.h). */
#include "leaks.h"

#include "../lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rs_is_alloc_frame(const char *name)
{
	static const char *const exact[] = {
		"malloc", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc", "memalign",
		"valloc", "pvalloc", "free", "strdup", "strndup", "__libc_malloc", "__libc_calloc",
		"__libc_realloc", "operator new", "operator new[]", "operator new(unsigned long)",
		"operator new[](unsigned long)"};
	static const char *const prefix[] = {
		"alloc::", "<alloc::", "std::alloc::", "<std::alloc::", "core::alloc::", "<core::alloc::",
		"__rust_alloc", "__rust_realloc", "__rdl_", "__rg_", "_Znwm", "_Znam", "runtime.mallocgc",
		"runtime.newobject", "runtime.makeslice", "runtime.growslice", "runtime.makemap"};
	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		if (!strcmp(name, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++)
		if (!strncmp(name, prefix[i], strlen(prefix[i])))
			return true;
	return false;
}

static int64_t column(const rs_session *s, const char *type)
{
	for (size_t j = 0; j < s->nsample_types; j++)
		if (!strcmp(rs_s(s, s->sample_types[j].type), type))
			return (int64_t)j;
	return -1;
}

/* The allocation site of stack: past the plumbing at the leaf, unless
 * the whole stack is plumbing. */
static int32_t site_of(const rs_session *s, int32_t stack)
{
	for (int32_t n = stack; n >= 0; n = s->stacks[n].parent)
		if (!rs_is_alloc_frame(rs_s(s, s->frames[s->stacks[n].frame].name)))
			return n;
	return stack;
}

static int by_bytes(const void *a, const void *b)
{
	const rs_leak *x = a, *y = b;
	return x->bytes != y->bytes ? (x->bytes < y->bytes ? 1 : -1) : (x->stack > y->stack) - (x->stack < y->stack);
}

static int group_by_bytes(const void *a, const void *b)
{
	const rs_leak_group *x = a, *y = b;
	return x->bytes != y->bytes ? (x->bytes < y->bytes ? 1 : -1) : (x->key > y->key) - (x->key < y->key);
}

/* Adds a leak's bytes to the group of key. */
static void group_add(rs_leak_group **g, size_t *n, rs_str key, const rs_leak *l)
{
	size_t i = 0;
	while (i < *n && (*g)[i].key != key)
		i++;
	if (i == *n) {
		*g = rs_xrealloc(*g, (*n + 1) * sizeof **g);
		(*g)[(*n)++] = (rs_leak_group){key, 0, 0};
	}
	(*g)[i].bytes += l->bytes;
	(*g)[i].objects += l->objects;
}

/* Samples merged by stack: each stack's in-use bytes and objects. */
static void merge_stacks(const rs_session *s, int64_t space, int64_t objects, rs_leak_report *r)
{
	int32_t *slot = rs_xmalloc((s->nstacks + 1) * sizeof *slot);
	for (size_t i = 0; i < s->nstacks; i++)
		slot[i] = -1;
	size_t nv = s->nsample_types;
	for (size_t i = 0; i < s->samples.n; i++) {
		int32_t st = s->samples.stack[i];
		int64_t b = s->samples.values[i * nv + (size_t)space];
		if (st < 0 || b <= 0)
			continue;
		if (slot[st] < 0) {
			r->stacks = rs_xrealloc(r->stacks, (r->nstacks + 1) * sizeof *r->stacks);
			r->stacks[r->nstacks] = (rs_leak){st, site_of(s, st), 0, 0};
			slot[st] = (int32_t)r->nstacks++;
		}
		rs_leak *l = &r->stacks[slot[st]];
		l->bytes += b;
		l->objects += objects >= 0 ? s->samples.values[i * nv + (size_t)objects] : 0;
	}
	free(slot);
}

/* "crate::module", as a module's name only tells within its crate. */
static rs_str module_key(rs_session *s, const rs_frame *f)
{
	if (!rs_slen(s, f->module) || !rs_slen(s, f->crate))
		return f->module;
	char buf[512];
	snprintf(buf, sizeof buf, "%s::%s", rs_s(s, f->crate), rs_s(s, f->module));
	return rs_intern_cstr(s, buf);
}

bool rs_leaks(rs_session *s, rs_leak_report *r)
{
	memset(r, 0, sizeof *r);
	int64_t space = column(s, "inuse_space"), objects = column(s, "inuse_objects");
	if (space < 0)
		return false;
	merge_stacks(s, space, objects, r);
	qsort(r->stacks, r->nstacks, sizeof *r->stacks, by_bytes);
	for (size_t i = 0; i < r->nstacks; i++) {
		const rs_leak *l = &r->stacks[i];
		const rs_frame *f = &s->frames[s->stacks[l->site].frame];
		group_add(&r->crates, &r->ncrates, f->crate, l);
		group_add(&r->modules, &r->nmodules, module_key(s, f), l);
		r->bytes += l->bytes;
		r->objects += l->objects;
	}
	qsort(r->crates, r->ncrates, sizeof *r->crates, group_by_bytes);
	qsort(r->modules, r->nmodules, sizeof *r->modules, group_by_bytes);
	return true;
}

void rs_leaks_free(rs_leak_report *r)
{
	free(r->stacks);
	free(r->crates);
	free(r->modules);
}
