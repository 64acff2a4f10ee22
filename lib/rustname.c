/* Rust symbol names: see rustname.h. The path grammar handled here is the
 * one rustc's demanglers print:
 *   crate::module::Type<T>::method::{{closure}}      (legacy)
 *   crate::module::func::{closure#0}                 (v0)
 *   <crate::module::Type as core::fmt::Debug>::fmt    (trait impl)
 *   <crate::module::Type>::method                     (inherent impl, v0)
 *   crate::module::<impl crate::module::Type>::new    (impl block, legacy)
 *   core::ptr::drop_in_place::<alloc::vec::Vec<u8>>   (turbofish, v0)
 * with an optional `::h<16 hex>` hash at the end. */
#include "rustname.h"

#include <ctype.h>
#include <libiberty/demangle.h>
#include <stdlib.h>
#include <string.h>

typedef struct span {
	const char *p;
	size_t n;
} span;

enum { MAX_SEGS = 64 };

static bool starts(span s, const char *pre)
{
	size_t n = strlen(pre);
	return s.n >= n && memcmp(s.p, pre, n) == 0;
}

/* The length of s without a trailing `::h` + 16 hex digits (legacy hash). */
static size_t strip_hash(const char *s, size_t n)
{
	if (n < 19 || memcmp(s + n - 19, "::h", 3) != 0)
		return n;
	for (size_t i = n - 16; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return n;
	return n - 19;
}

/* Nesting depth change of character i of s; `->` is not a closing '>'. */
static int depth_step(const char *s, size_t i)
{
	switch (s[i]) {
	case '<': case '(': case '[': case '{':
		return 1;
	case '>':
		return i > 0 && s[i - 1] == '-' ? 0 : -1;
	case ')': case ']': case '}':
		return -1;
	default:
		return 0;
	}
}

/* Splits s at top-level "::"; returns the number of segments (capped). */
static size_t split_path(span s, span *seg, size_t max)
{
	size_t n = 0, start = 0;
	int depth = 0;
	for (size_t i = 0; i < s.n; i++) {
		depth += depth_step(s.p, i);
		if (depth == 0 && i + 1 < s.n && s.p[i] == ':' && s.p[i + 1] == ':') {
			if (n < max)
				seg[n++] = (span){s.p + start, i - start};
			start = i + 2;
			i++;
		}
	}
	if (n < max)
		seg[n++] = (span){s.p + start, s.n - start};
	return n;
}

/* Finds `word` (e.g. " as ", " for ") at nesting depth 0 of s; -1 if none. */
static long find_top(span s, const char *word)
{
	size_t wn = strlen(word);
	int depth = 0;
	for (size_t i = 0; i + wn <= s.n; i++) {
		if (depth == 0 && memcmp(s.p + i, word, wn) == 0)
			return (long)i;
		depth += depth_step(s.p, i);
	}
	return -1;
}

/* A segment without its generic arguments or crate disambiguator:
 * `Vec<T>` → `Vec`, `mycrate[1a2b]` → `mycrate`. */
static span bare(span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == '<' || s.p[i] == '[')
			return (span){s.p, i};
	return s;
}

static bool is_ident(span s)
{
	if (s.n == 0 || !(isalpha((unsigned char)s.p[0]) || s.p[0] == '_'))
		return false;
	for (size_t i = 1; i < s.n; i++)
		if (!(isalnum((unsigned char)s.p[i]) || s.p[i] == '_'))
			return false;
	return true;
}

/* Modules are snake_case by convention: an identifier not starting with an
 * uppercase letter. Types and traits start with one. */
static bool is_module_like(span s)
{
	span b = bare(s);
	return b.n == s.n && is_ident(b) && !isupper((unsigned char)b.p[0]);
}

/* The self type of a qualified segment `<T as Trait>`, `<T>`,
 * `<impl Trait for T>` or `<impl T>`; a primitive self type ([T], &str,
 * (A, B)) yields the trait's path instead, since it names no crate. */
static span impl_self_type(span seg)
{
	span in = {seg.p + 1, seg.n >= 2 ? seg.n - 2 : 0};
	span trait = {NULL, 0};
	if (starts(in, "impl ")) {
		in.p += 5, in.n -= 5;
		long f = find_top(in, " for ");
		if (f >= 0) {
			trait = (span){in.p, (size_t)f};
			in = (span){in.p + f + 5, in.n - (size_t)f - 5};
		}
	} else {
		long a = find_top(in, " as ");
		if (a >= 0) {
			trait = (span){in.p + a + 4, in.n - (size_t)a - 4};
			in.n = (size_t)a;
		}
	}
	static const char *const prefixes[] = {"&mut ", "&", "*const ", "*mut ", "dyn "};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (starts(in, prefixes[i]))
			in.p += strlen(prefixes[i]), in.n -= strlen(prefixes[i]);
	if (in.n && (in.p[0] == '[' || in.p[0] == '(') && trait.n)
		return trait;
	return in;
}

typedef struct derived {
	span crate;
	span mod_first, mod_last; /* module path = mod_first.p .. end of mod_last */
	bool has_module;
} derived;

static void derive_path(span path, derived *d, int depth);

/* Crate and module from the segments of a path (after any leading `<...>`). */
static void derive_segments(span *seg, size_t n, derived *d, int depth)
{
	if (n == 0)
		return;
	if (seg[0].n && seg[0].p[0] == '<') {
		if (depth < 4)
			derive_path(impl_self_type(seg[0]), d, depth + 1);
		return;
	}
	span crate = bare(seg[0]);
	if (!is_ident(crate))
		return;
	d->crate = crate;
	/* Collect module-like segments after the crate; stop at a type, an impl
	 * block or a closure. When the run reaches the end of the path or a
	 * closure, its last segment is the function itself, not a module. */
	size_t i = 1;
	while (i < n && is_module_like(seg[i]))
		i++;
	size_t last = i;
	bool stopped_at_item = i < n && seg[i].n && seg[i].p[0] != '{' &&
			       !(seg[i].p[0] == '<' && !starts(seg[i], "<impl "));
	if (!stopped_at_item && last > 1)
		last--;
	if (last > 1) {
		d->mod_first = seg[1];
		d->mod_last = seg[last - 1];
		d->has_module = true;
	}
}

static void derive_path(span path, derived *d, int depth)
{
	span seg[MAX_SEGS];
	size_t n = split_path(path, seg, MAX_SEGS);
	/* A turbofish `f::<T>` is part of segment f, not a segment of its own. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && seg[i].n && seg[i].p[0] == '<' && !starts(seg[i], "<impl "))
			continue;
		seg[k++] = seg[i];
	}
	derive_segments(seg, k, d, depth);
}

/* C++ demangled names carry their parameter list, `f(int)`; Rust paths
 * only have parentheses inside generic arguments (`FnOnce<(A,)>`). */
static bool has_top_paren(const char *s, size_t n)
{
	int angle = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<')
			angle++;
		else if (s[i] == '>' && !(i > 0 && s[i - 1] == '-'))
			angle--;
		else if (s[i] == '(' && angle <= 0)
			return true;
	}
	return false;
}

/* Evidence that an already demangled name is Rust rather than C++. */
static bool looks_rust(const char *s, size_t n, size_t n_nohash)
{
	if (n_nohash != n)
		return true;
	if (strstr(s, "{{closure}}") || strstr(s, "{closure#") || strstr(s, "{shim:"))
		return true;
	if (has_top_paren(s, n))
		return false;
	span sp = {s, n};
	if (starts(sp, "<impl ") && strstr(s, ">::"))
		return true;
	if (n && s[0] == '<' && strstr(s, ">::") && strstr(s, " as "))
		return true;
	static const char *const std_crates[] = {"std::", "core::", "alloc::"};
	for (size_t i = 0; i < 3; i++)
		if (starts(sp, std_crates[i]))
			return !strstr(s, "::__");
	return false;
}

static void put(rs_strbuf *sb, const char *p, size_t n)
{
	rs_sb_add(sb, p, n);
	rs_sb_addc(sb, 0);
}

bool rs_rust_name(rs_rustname *r, const char *sym, bool hint_rust)
{
	char *dem = NULL;
	if (!strncmp(sym, "_ZN", 3) || !strncmp(sym, "__ZN", 4) || !strncmp(sym, "_R", 2) ||
	    !strncmp(sym, "__R", 3))
		dem = rust_demangle(sym, DMGL_PARAMS | DMGL_ANSI);
	const char *name = dem ? dem : sym;
	size_t n = strlen(name), nh = strip_hash(name, n);
	r->was_mangled = dem != NULL;
	r->is_rust = dem || looks_rust(name, n, nh) || (hint_rust && strstr(name, "::"));

	derived d = {0};
	if (r->is_rust)
		derive_path((span){name, nh}, &d, 0);
	rs_sb_reset(&r->buf);
	put(&r->buf, name, n);
	size_t crate_at = r->buf.len;
	put(&r->buf, d.crate.p, d.crate.n);
	size_t mod_at = r->buf.len;
	if (d.has_module)
		put(&r->buf, d.mod_first.p, (size_t)(d.mod_last.p + d.mod_last.n - d.mod_first.p));
	else
		put(&r->buf, "", 0);
	r->name = r->buf.buf;
	r->crate = r->buf.buf + crate_at;
	r->module = r->buf.buf + mod_at;
	free(dem);
	return r->is_rust;
}

void rs_rust_name_free(rs_rustname *r)
{
	rs_sb_free(&r->buf);
	memset(r, 0, sizeof *r);
}
