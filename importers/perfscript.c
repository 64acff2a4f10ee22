/* `perf script` text output → ProfileSession (docs/perfscript.md).
 *
 * The text is a sequence of events. Each starts with a header line
 *     comm pid/tid [cpu] secs.usecs: period event: [rest]
 * where everything between the pid and the event is optional (old perf
 * prints `comm pid event:`), followed by its call chain, one frame a line,
 * leaf first: `addr symbol+off (dso)`. A blank line ends an event; events
 * without a call chain (tracepoints) may follow each other directly.
 * `# ...` lines are perf's --header block.
 *
 * Mapping, in short: every event name is one sample type (value = the
 * period when perf printed it, else 1), comm/pid/tid are threads, the
 * timestamp is time_ns, cpu and a tracepoint's payload are labels, every
 * dso a mapping, every frame line a frame (Java perf-map-agent `a->b` and
 * perf's `(inlined)` lines become inline frames). perf is read as leniently
 * as perf and inferno read it; lines that cannot be part of any event
 * (a stack line after the blank line that ended its event, a stack line
 * that is not `addr symbol (dso)`) are invalid input with the line number,
 * as in inferno's tests. */
#include "../lib/checked.h"
#include "../lib/json_write.h"
#include "../lib/limits.h"
#include "../lib/rustname.h"
#include "../lib/utf8.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "importers.h"

#include <ctype.h>
#include <libiberty/demangle.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct span {
	const char *p;
	size_t n;
} span;

/* --- small helpers over spans --- */

static bool is_blank_c(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

static span trim(span s)
{
	while (s.n && is_blank_c(s.p[0]))
		s.p++, s.n--;
	while (s.n && is_blank_c(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool all_digits(span s)
{
	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!isdigit((unsigned char)s.p[i]))
			return false;
	return true;
}

static bool span_eq(span s, const char *lit) { return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0; }

static bool span_starts(span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

static bool span_ends(span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}

/* Decimal digits to int64, saturating (perf never prints more than fit). */
static int64_t dec(span s)
{
	int64_t v = 0;
	for (size_t i = 0; i < s.n; i++)
		v = rs_add_sat(rs_mul_sat(v, 10), s.p[i] - '0');
	return v;
}

/* `[-]digits`, as perf prints pids (-1 for "none"). */
static bool parse_id(span s, int64_t *v)
{
	bool neg = s.n && s.p[0] == '-';
	span d = {s.p + neg, s.n - neg};
	if (!all_digits(d))
		return false;
	*v = neg ? -dec(d) : dec(d);
	return true;
}

/* --- the event header line --- */

enum { MAX_TOKENS = 4096 };

typedef struct header {
	span comm, event, rest;
	int64_t pid, tid, cpu, time_ns, period;
	bool has_pid, has_cpu, has_time, has_period;
	bool side_band; /* PERF_RECORD_* (--show-*-events): not a sample */
} header;

/* `pid` or `pid/tid`: a single number is the tid (perf's default field). */
static bool parse_pidtid(span t, header *h)
{
	const char *slash = memchr(t.p, '/', t.n);
	if (!slash) {
		h->has_pid = false;
		h->pid = -1;
		return parse_id(t, &h->tid);
	}
	span a = {t.p, (size_t)(slash - t.p)}, b = {slash + 1, t.n - a.n - 1};
	h->has_pid = true;
	return parse_id(a, &h->pid) && parse_id(b, &h->tid);
}

static bool parse_cpu(span t, header *h)
{
	if (t.n < 3 || t.p[0] != '[' || t.p[t.n - 1] != ']')
		return false;
	span d = {t.p + 1, t.n - 2};
	if (!all_digits(d))
		return false;
	h->cpu = dec(d);
	return h->has_cpu = true;
}

/* `secs.frac:` (perf prints 6 digits, 9 with --ns) to nanoseconds. */
static bool parse_time(span t, header *h)
{
	if (t.n < 2 || t.p[t.n - 1] != ':')
		return false;
	const char *dot = memchr(t.p, '.', t.n - 1);
	span secs = {t.p, dot ? (size_t)(dot - t.p) : t.n - 1};
	span frac = {dot ? dot + 1 : t.p, dot ? t.n - 2 - secs.n : 0};
	if (!all_digits(secs) || (dot && !all_digits(frac)))
		return false;
	int64_t ns = 0, scale = 100000000;
	for (size_t i = 0; i < frac.n && i < 9; i++, scale /= 10)
		ns += (frac.p[i] - '0') * scale;
	h->time_ns = rs_add_sat(rs_mul_sat(dec(secs), 1000000000), ns);
	return h->has_time = true;
}

/* After the pid token at tok[i]: optional [cpu], time:, period, then the
 * event name ending in ':'. */
static bool parse_after_pid(const span *tok, size_t ntok, size_t i, header *h)
{
	size_t j = i + 1;
	h->has_cpu = h->has_time = h->has_period = false;
	if (j < ntok && parse_cpu(tok[j], h))
		j++;
	if (j < ntok && parse_time(tok[j], h))
		j++;
	if (j < ntok && all_digits(tok[j])) {
		h->period = dec(tok[j]);
		h->has_period = true;
		j++;
	}
	if (j >= ntok)
		return false;
	span ev = tok[j];
	h->side_band = span_starts(ev, "PERF_RECORD_");
	/* event names start with a letter: cycles, cpu/event=0x3c/, sched:sched_switch */
	if (!h->side_band && (ev.n < 2 || ev.p[ev.n - 1] != ':' || !(isalpha((unsigned char)ev.p[0]) || ev.p[0] == '_')))
		return false;
	h->event = (span){ev.p, ev.n - (ev.p[ev.n - 1] == ':')};
	const char *end = tok[ntok - 1].p + tok[ntok - 1].n;
	h->rest = trim((span){ev.p + ev.n, (size_t)(end - ev.p - ev.n)});
	return true;
}

static size_t tokenize(span line, span *tok, size_t max)
{
	size_t n = 0, i = 0;
	while (i < line.n && n < max) {
		while (i < line.n && is_blank_c(line.p[i]))
			i++;
		size_t b = i;
		while (i < line.n && !is_blank_c(line.p[i]))
			i++;
		if (i > b)
			tok[n++] = (span){line.p + b, i - b};
	}
	return n;
}

/* Finds the pid token. comm may contain spaces and digits (or be empty),
 * so every numeric token is a candidate; the one followed by the most of
 * perf's fields wins (`pid/tid`, `[cpu]`, `time:`), ties going to the
 * leftmost one after a non-empty comm, then to an empty comm. */
static bool parse_header(span line, span *tok, header *h)
{
	size_t ntok = tokenize(line, tok, MAX_TOKENS);
	int best_score = -1;
	size_t best = 0;
	header c;
	for (size_t k = 0; k < ntok; k++) {
		size_t i = (k + 1) % ntok; /* 1, 2, ..., ntok-1, then 0 */
		if (!parse_pidtid(tok[i], &c) || !parse_after_pid(tok, ntok, i, &c))
			continue;
		int score = c.has_pid + c.has_cpu + c.has_time;
		if (score > best_score) {
			best_score = score;
			best = i;
			*h = c;
		}
	}
	if (best_score < 0)
		return false;
	span first = tok[0];
	h->comm = best ? (span){first.p, (size_t)(tok[best - 1].p + tok[best - 1].n - first.p)} : (span){0};
	return true;
}

/* --- stack lines --- */

typedef struct frame_line {
	uint64_t addr;
	span sym, dso;
	bool has_dso;
} frame_line;

static bool parse_addr(span t, uint64_t *v)
{
	if (span_eq(t, "address")) { /* PerfView's hand-written tests */
		*v = 0;
		return true;
	}
	if (span_starts(t, "0x"))
		t.p += 2, t.n -= 2;
	if (!t.n || t.n > 16)
		return false;
	*v = 0;
	for (size_t i = 0; i < t.n; i++) {
		int c = tolower((unsigned char)t.p[i]);
		if (!isxdigit(c))
			return false;
		*v = *v << 4 | (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	return true;
}

/* `addr symbol (dso)`: the dso is the last balanced (...) group; symbols
 * have parentheses of their own (C++ signatures). */
static bool parse_frame_text(span s, frame_line *f)
{
	s = trim(s);
	size_t a = 0;
	while (a < s.n && !is_blank_c(s.p[a]))
		a++;
	if (!parse_addr((span){s.p, a}, &f->addr))
		return false;
	span rest = trim((span){s.p + a, s.n - a});
	if (!rest.n)
		return false;
	f->has_dso = false;
	f->sym = rest;
	if (rest.p[rest.n - 1] == ')') {
		int depth = 0;
		for (size_t i = rest.n; i-- > 0;) {
			depth += rest.p[i] == ')' ? 1 : rest.p[i] == '(' ? -1 : 0;
			if (depth == 0) {
				f->dso = (span){rest.p + i + 1, rest.n - i - 2};
				f->sym = trim((span){rest.p, i});
				f->has_dso = true;
				break;
			}
		}
	}
	return true;
}

/* --- the sniffer --- */

static span next_line(const unsigned char *p, size_t n, size_t *pos, bool *complete)
{
	size_t b = *pos, e = b;
	while (e < n && p[e] != '\n')
		e++;
	*complete = e < n;
	*pos = e + (e < n);
	return (span){(const char *)p + b, e - b};
}

int rs_sniff_perfscript(const unsigned char *p, size_t n)
{
	span tok[MAX_TOKENS];
	size_t pos = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	bool perf_comments = false, complete, whole = n < RS_PEEK_MAX;
	int score = 0;
	header h;
	frame_line f;
	while (pos < n) {
		span l = next_line(p, n, &pos, &complete);
		span t = trim(l);
		if (!complete && !whole)
			break;
		if (!t.n)
			continue;
		if (t.p[0] == '#') {
			perf_comments |= span_starts(t, "# perf version") || span_starts(t, "# ========");
			continue;
		}
		if (score) /* the line after the first header decides */
			return parse_header(t, tok, &h) || parse_frame_text(t, &f) ? 95 : 40;
		if (!parse_header(t, tok, &h))
			return perf_comments ? 50 : 0;
		score = 80;
	}
	return score ? score : perf_comments ? 50 : 0;
}

/* --- the importer --- */

/* Open addressing from a 3-part key to an index (threads, mappings,
 * events, frame-line cache). */
typedef struct kmap {
	int64_t *k; /* 3 per slot */
	uint32_t *v; /* index + 1, 0 = empty */
	size_t cap, n;
} kmap;

static size_t kslot(const kmap *m, const int64_t key[3])
{
	uint64_t h = 1469598103934665603ULL;
	for (int i = 0; i < 3; i++)
		h = (h ^ (uint64_t)key[i]) * 1099511628211ULL;
	h ^= h >> 29;
	size_t j = h & (m->cap - 1);
	while (m->v[j] && memcmp(m->k + 3 * j, key, 3 * sizeof *key) != 0)
		j = (j + 1) & (m->cap - 1);
	return j;
}

static bool kmap_get(const kmap *m, const int64_t key[3], uint32_t *v)
{
	if (!m->cap)
		return false;
	size_t j = kslot(m, key);
	*v = m->v[j] - 1;
	return m->v[j] != 0;
}

static void kmap_put(kmap *m, const int64_t key[3], uint32_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		kmap old = *m;
		m->cap = old.cap ? old.cap * 2 : 64;
		m->k = rs_xmalloc(m->cap * 3 * sizeof *m->k);
		m->v = rs_xcalloc(m->cap, sizeof *m->v);
		for (size_t j = 0; j < old.cap; j++)
			if (old.v[j]) {
				size_t s = kslot(m, old.k + 3 * j);
				memcpy(m->k + 3 * s, old.k + 3 * j, 3 * sizeof *m->k);
				m->v[s] = old.v[j];
			}
		free(old.k);
		free(old.v);
	}
	size_t j = kslot(m, key);
	if (!m->v[j])
		m->n++;
	memcpy(m->k + 3 * j, key, 3 * sizeof *key);
	m->v[j] = v + 1;
}

static void kmap_free(kmap *m)
{
	free(m->k);
	free(m->v);
}

/* One event of the file, kept until the sample types are known. */
typedef struct pending {
	int32_t stack, thread;
	uint32_t event, label_at, nlabels;
	int64_t time_ns, value;
} pending;

typedef struct event_type {
	rs_str name;
	int64_t first_period;
	bool any_period, no_period, same_period;
} event_type;

typedef struct ps {
	rs_session *s;
	const char *path;
	rs_err *err;
	uint64_t lineno;
	rs_strbuf line, fixed;
	span *tok;
	rs_rustname rn;
	kmap threads, mappings, events, lines;
	/* the current event */
	bool in_event;
	uint64_t event_line, blank_line;
	header h;
	uint32_t *frames; /* leaf first */
	size_t nframes, frames_cap;
	uint32_t *cache; /* frame ids of cached frame lines */
	size_t ncache, cache_cap;
	/* everything read so far */
	pending *ev;
	size_t nev, ev_cap;
	rs_label *labels;
	size_t nlabels, labels_cap;
	event_type *types;
	size_t ntypes, types_cap;
	rs_strbuf header_lines; /* JSON array members */
	size_t nheader;
	uint64_t side_band, srclines, bad_utf8;
} ps;

static int fail_line(ps *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_line(ps *x, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return rs_fail(x->err, RS_EINPUT, "%s: line %" PRIu64 ": %s", x->path, x->lineno, msg);
}

/* A short, printable quote of a line for messages. */
static const char *quote(span s, char *buf, size_t cap)
{
	s = trim(s);
	int n = s.n > 60 ? 60 : (int)s.n;
	snprintf(buf, cap, "\"%.*s%s\"", n, s.p, s.n > 60 ? "..." : "");
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	return buf;
}

static rs_str intern(ps *x, span s) { return rs_intern(x->s, s.p, s.n); }

/* --- header comments (perf script --header) --- */

static void header_kv(ps *x, span key, span val)
{
	rs_session_info *in = &x->s->info;
	rs_str v = intern(x, val);
	if (span_eq(key, "hostname"))
		in->env.hostname = v;
	else if (span_eq(key, "os release"))
		in->env.kernel = v, in->env.os = rs_intern_cstr(x->s, "linux");
	else if (span_eq(key, "cpudesc"))
		in->env.cpu_model = v;
	else if (span_eq(key, "nrcpus online") && all_digits(val))
		in->env.ncpus = dec(val);
	else if (span_eq(key, "perf version"))
		in->producer.version = v;
	else if (span_eq(key, "arch") || span_eq(key, "cmdline") || span_eq(key, "captured on")) {
		char k[16];
		snprintf(k, sizeof k, "%.*s", (int)key.n, key.p);
		for (char *c = k; *c; c++)
			*c = *c == ' ' ? '_' : *c;
		char *vs = rs_xstrdup(rs_s(x->s, v));
		rs_tag_set(x->s, k, vs);
		free(vs);
	}
}

/* Every comment line is kept verbatim in extra.perfscript.header; the
 * `# key : value` lines perf writes also fill session.env and tags. */
static void comment_line(ps *x, span l)
{
	rs_jw w;
	rs_jw_init_buf(&w, &x->header_lines);
	w.need_comma = x->nheader++ > 0;
	rs_jw_str(&w, l.p, l.n);
	span body = trim((span){l.p + 1, l.n - 1});
	const char *colon = memchr(body.p, ':', body.n);
	if (colon && colon > body.p && colon[-1] == ' ')
		header_kv(x, trim((span){body.p, (size_t)(colon - body.p)}),
			  trim((span){colon + 1, (size_t)(body.p + body.n - colon - 1)}));
}

/* --- frames --- */

static bool is_kernel_dso(span d)
{
	if (span_starts(d, "[kernel") || span_starts(d, "[guest.kernel") || span_ends(d, "vmlinux") ||
	    span_ends(d, ".ko") || span_ends(d, ".ko.xz") || span_ends(d, ".ko.zst"))
		return true;
	/* perf shows kernel modules as "[name]" */
	return d.n > 2 && d.p[0] == '[' && d.p[d.n - 1] == ']' && !span_eq(d, "[unknown]") &&
	       !span_eq(d, "[vdso]") && !span_eq(d, "[vsyscall]") && !span_eq(d, "[heap]") &&
	       !span_eq(d, "[stack]") && !span_starts(d, "[anon") && !span_starts(d, "[JIT");
}

static bool is_jit_dso(span d)
{
	const char *slash = memrchr(d.p, '/', d.n);
	span base = slash ? (span){slash + 1, (size_t)(d.p + d.n - slash - 1)} : d;
	if (span_starts(base, "perf-") && span_ends(base, ".map"))
		return all_digits((span){base.p + 5, base.n - 9});
	return span_starts(base, "jitted-") || span_starts(d, "[JIT");
}

/* perf prints legacy Rust symbols half-demangled: the path with `::`
 * but the `$LT$`/`..` escapes and the hash left in. Rebuilding the mangled
 * form lets libiberty finish the job. */
static bool remangle_rust(span sym, rs_strbuf *sb)
{
	if (sym.n < 20 || sym.n > 4096 || memcmp(sym.p + sym.n - 19, "::h", 3) != 0)
		return false;
	for (size_t i = 0; i < sym.n; i++)
		if (is_blank_c(sym.p[i]) || sym.p[i] == '<' || sym.p[i] == '(' || (unsigned char)sym.p[i] < 0x21)
			return false;
	rs_sb_reset(sb);
	rs_sb_adds(sb, "_ZN");
	for (size_t b = 0; b <= sym.n;) {
		const char *e = memmem(sym.p + b, sym.n - b, "::", 2);
		size_t len = e ? (size_t)(e - sym.p) - b : sym.n - b;
		if (!len)
			return false;
		rs_sb_addf(sb, "%zu%.*s", len, (int)len, sym.p + b);
		b += len + 2;
	}
	rs_sb_addc(sb, 'E');
	return true;
}

static int32_t mapping_for(ps *x, span dso)
{
	if (!dso.n || span_eq(dso, "[unknown]") || span_eq(dso, "inlined") || span_eq(dso, "module"))
		return -1;
	rs_str file = intern(x, dso);
	int64_t key[3] = {file, 0, 0};
	uint32_t m;
	if (kmap_get(&x->mappings, key, &m))
		return (int32_t)m;
	rs_mapping mp = {.file = file};
	m = (uint32_t)rs_mapping_add(x->s, &mp);
	kmap_put(&x->mappings, key, m);
	return (int32_t)m;
}

/* Name, system name, kind, crate and module of one symbol. */
static void name_frame(ps *x, rs_frame *fr, span sym, span dso, bool has_dso)
{
	rs_strbuf mangled = {0};
	char *cxx, *raw = rs_xmalloc(sym.n + 1);
	memcpy(raw, sym.p, sym.n);
	raw[sym.n] = 0;
	bool rust = rs_rust_name(&x->rn, raw, false);
	if (remangle_rust(sym, &mangled)) {
		rs_rustname r2 = {0};
		if (rs_rust_name(&r2, mangled.buf, false) && r2.was_mangled) {
			rs_rust_name_free(&x->rn);
			x->rn = r2;
			rust = true;
		} else {
			rs_rust_name_free(&r2);
		}
	}
	if (rust) {
		fr->name = rs_intern_cstr(x->s, x->rn.name);
		fr->crate = rs_intern_cstr(x->s, x->rn.crate);
		fr->module = rs_intern_cstr(x->s, x->rn.module);
		if (strcmp(x->rn.name, raw) != 0)
			fr->system_name = intern(x, sym);
		fr->kind = RS_KIND_RUST;
	} else if (span_starts(sym, "_Z") && (cxx = cplus_demangle(raw, DMGL_PARAMS | DMGL_ANSI))) {
		/* perf leaves C++ mangled when it was built without a demangler */
		fr->name = rs_intern_cstr(x->s, cxx);
		fr->system_name = intern(x, sym);
		free(cxx);
	} else {
		fr->name = intern(x, sym);
	}
	if (has_dso && is_kernel_dso(dso))
		fr->kind = RS_KIND_KERNEL;
	else if (has_dso && is_jit_dso(dso))
		fr->kind = RS_KIND_JIT;
	else if (!rust)
		fr->kind = has_dso && !span_eq(dso, "[unknown]") ? RS_KIND_NATIVE : RS_KIND_UNKNOWN;
	rs_sb_free(&mangled);
	free(raw);
}

/* `[unknown]` symbols are named after their dso, as perf report and
 * FlameGraph do ("[libc.so.6]"), so that they do not all merge. */
static void unknown_name(ps *x, rs_frame *fr, span dso)
{
	const char *slash = memrchr(dso.p, '/', dso.n);
	span base = slash ? (span){slash + 1, (size_t)(dso.p + dso.n - slash - 1)} : dso;
	rs_strbuf sb = {0};
	if (base.n && !span_eq(base, "[unknown]"))
		rs_sb_addf(&sb, base.p[0] == '[' ? "%.*s" : "[%.*s]", (int)base.n, base.p);
	else
		rs_sb_adds(&sb, "[unknown]");
	fr->name = rs_intern(x->s, sb.buf, sb.len);
	fr->system_name = rs_intern_cstr(x->s, "[unknown]");
	rs_sb_free(&sb);
}

static span strip_offset(span sym)
{
	for (size_t i = sym.n; i-- > 1;) {
		if (sym.p[i] == '+' && i + 2 < sym.n && sym.p[i + 1] == '0' && sym.p[i + 2] == 'x') {
			for (size_t j = i + 3; j < sym.n; j++)
				if (!isxdigit((unsigned char)sym.p[j]))
					return sym;
			return i + 3 < sym.n ? (span){sym.p, i} : sym;
		}
		if (!isxdigit((unsigned char)sym.p[i]) && sym.p[i] != 'x')
			return sym;
	}
	return sym;
}

/* The frames of one stack line, leaf first, appended to fr_out. */
static size_t build_frames(ps *x, const frame_line *f, uint32_t *fr_out, size_t max)
{
	span sym = strip_offset(f->sym), dso = f->has_dso ? f->dso : (span){"", 0};
	bool inl = f->has_dso && span_eq(dso, "inlined");
	rs_frame base;
	rs_frame_init(&base);
	base.address = f->addr;
	base.mapping = mapping_for(x, dso);
	if (!sym.n || span_eq(sym, "[unknown]")) {
		unknown_name(x, &base, dso);
		base.kind = f->has_dso && is_kernel_dso(dso) ? RS_KIND_KERNEL : RS_KIND_UNKNOWN;
		fr_out[0] = (uint32_t)rs_frame_add(x->s, &base);
		return 1;
	}
	/* perf-map-agent's unfoldall: "outer->inlined->innermost" */
	size_t n = 0;
	const char *parts[64];
	size_t lens[64];
	if (f->has_dso && is_jit_dso(dso)) {
		for (size_t b = 0; b <= sym.n;) {
			/* the last part takes the rest when there are too many */
			const char *e = n + 1 < max ? memmem(sym.p + b, sym.n - b, "->", 2) : NULL;
			size_t len = e ? (size_t)(e - sym.p) - b : sym.n - b;
			parts[n] = sym.p + b;
			lens[n++] = len;
			b += len + 2;
		}
	} else {
		parts[0] = sym.p;
		lens[n++] = sym.n;
	}
	for (size_t i = n; i-- > 0;) {
		rs_frame fr = base;
		name_frame(x, &fr, (span){parts[i], lens[i]}, dso, f->has_dso);
		fr.is_inline = inl || i > 0;
		fr_out[n - 1 - i] = (uint32_t)rs_frame_add(x->s, &fr);
	}
	return n;
}

/* Frame lines repeat a lot: cache their frames by the interned text. */
static int add_frame_line(ps *x, span text, const frame_line *f)
{
	int64_t key[3] = {intern(x, trim(text)), 1, 0};
	uint32_t at;
	uint32_t tmp[64];
	size_t n;
	const uint32_t *ids;
	if (kmap_get(&x->lines, key, &at)) {
		n = x->cache[at];
		ids = x->cache + at + 1;
	} else {
		n = build_frames(x, f, tmp, 64);
		RS_GROW(x->cache, x->cache_cap, x->ncache + n + 1);
		at = (uint32_t)x->ncache;
		x->cache[x->ncache++] = (uint32_t)n;
		memcpy(x->cache + x->ncache, tmp, n * sizeof *tmp);
		x->ncache += n;
		kmap_put(&x->lines, key, at);
		ids = tmp;
	}
	if (x->nframes + n > rs_limits_cur.max_depth)
		return fail_line(x, "the call chain of the event at line %" PRIu64
				 " is deeper than %u frames (--max-depth)", x->event_line,
				 (unsigned)rs_limits_cur.max_depth);
	RS_GROW(x->frames, x->frames_cap, x->nframes + n);
	memcpy(x->frames + x->nframes, ids, n * sizeof *ids);
	x->nframes += n;
	return 0;
}

/* --- events --- */

static uint32_t event_type_of(ps *x, span name)
{
	int64_t key[3] = {intern(x, name), 2, 0};
	uint32_t e;
	if (kmap_get(&x->events, key, &e))
		return e;
	RS_GROW(x->types, x->types_cap, x->ntypes + 1);
	x->types[x->ntypes] = (event_type){.name = (rs_str)key[0], .same_period = true};
	kmap_put(&x->events, key, (uint32_t)x->ntypes);
	return (uint32_t)x->ntypes++;
}

static int32_t thread_of(ps *x, const header *h)
{
	int64_t key[3] = {h->has_pid ? h->pid : INT64_MIN, h->tid, intern(x, h->comm)};
	uint32_t t;
	if (kmap_get(&x->threads, key, &t))
		return (int32_t)t;
	t = (uint32_t)rs_thread_add(x->s, h->has_pid ? h->pid : -1, h->tid, (rs_str)key[2]);
	kmap_put(&x->threads, key, t);
	return (int32_t)t;
}

static void add_label(ps *x, rs_label l)
{
	RS_GROW(x->labels, x->labels_cap, x->nlabels + 1);
	x->labels[x->nlabels++] = l;
}

/* The current event is complete: its stack goes into the stack table and
 * the rest waits in x->ev until the sample types are known. */
static int finish_event(ps *x)
{
	if (!x->in_event)
		return 0;
	x->in_event = false;
	if (x->nev >= rs_limits_cur.max_elements)
		return rs_fail(x->err, RS_EINPUT, "%s: line %" PRIu64 ": more than %" PRIu64
			       " events (--max-elements)", x->path, x->event_line, rs_limits_cur.max_elements);
	const header *h = &x->h;
	for (size_t i = 0, j = x->nframes; i < j / 2; i++) { /* leaf first → root first */
		uint32_t t = x->frames[i];
		x->frames[i] = x->frames[j - 1 - i];
		x->frames[j - 1 - i] = t;
	}
	pending p = {.stack = rs_stack_path(x->s, x->frames, x->nframes),
		     .thread = thread_of(x, h),
		     .event = event_type_of(x, h->event),
		     .label_at = (uint32_t)x->nlabels,
		     .time_ns = h->has_time ? h->time_ns : RS_NO_TIME,
		     .value = h->has_period ? h->period : 1};
	event_type *et = &x->types[p.event];
	if (h->has_period) {
		if (!et->any_period)
			et->first_period = h->period;
		et->same_period &= et->first_period == h->period;
		et->any_period = true;
	} else {
		et->no_period = true;
	}
	if (h->has_cpu)
		add_label(x, (rs_label){.key = rs_intern_cstr(x->s, "cpu"), .num = h->cpu, .is_num = 1});
	if (h->rest.n)
		add_label(x, (rs_label){.key = rs_intern_cstr(x->s, "args"), .str = intern(x, h->rest)});
	p.nlabels = (uint32_t)(x->nlabels - p.label_at);
	RS_GROW(x->ev, x->ev_cap, x->nev + 1);
	x->ev[x->nev++] = p;
	x->nframes = 0;
	return 0;
}

/* `-F ...,trace,ip,sym` puts the sample's address after a tracepoint's
 * payload: `... payload addr symbol (dso)`; *at gets that part. */
static bool trailing_frame(span rest, span *at, frame_line *f)
{
	span tok[3];
	size_t n = 0, e = rest.n;
	if (!e || rest.p[e - 1] != ')')
		return false;
	int depth = 0;
	while (e-- > 0) { /* skip the (dso) group */
		depth += rest.p[e] == ')' ? 1 : rest.p[e] == '(' ? -1 : 0;
		if (!depth)
			break;
	}
	if (depth) /* unbalanced: no (dso) group */
		return false;
	for (size_t i = e; n < 2 && i > 0;) { /* the symbol and address tokens before it */
		while (i > 0 && is_blank_c(rest.p[i - 1]))
			i--;
		size_t end = i;
		while (i > 0 && !is_blank_c(rest.p[i - 1]))
			i--;
		if (end > i)
			tok[n++] = (span){rest.p + i, end - i};
	}
	if (n < 2)
		return false;
	*at = (span){tok[1].p, (size_t)(rest.p + rest.n - tok[1].p)};
	return tok[1].p > rest.p && parse_frame_text(*at, f) && f->has_dso;
}

/* A header line: the previous event ends, this one begins. A frame on the
 * header line itself (perf -F ip,sym without -g) is its only frame. */
static int start_event(ps *x, const header *h)
{
	int rc = finish_event(x);
	if (rc)
		return rc;
	if (h->side_band) { /* --show-mmap-events etc.: not samples */
		x->side_band++;
		return 0;
	}
	x->h = *h;
	/* the spans point into x->line, which the next line overwrites */
	x->h.comm = (span){0};
	x->h.rest = (span){0};
	x->in_event = true;
	x->event_line = x->lineno;
	frame_line f;
	span args = h->rest, at;
	if (args.n && parse_frame_text(args, &f) && f.has_dso) {
		rc = add_frame_line(x, args, &f);
		args.n = 0;
	} else if (args.n && trailing_frame(args, &at, &f)) {
		rc = add_frame_line(x, at, &f);
		args = trim((span){args.p, (size_t)(at.p - args.p)});
	}
	if (args.n)
		x->h.rest = (span){rs_s(x->s, intern(x, args)), args.n};
	x->h.comm = (span){rs_s(x->s, intern(x, h->comm)), h->comm.n};
	x->h.event = (span){rs_s(x->s, intern(x, h->event)), h->event.n};
	return rc;
}

/* `file.c:123` under a frame (perf script -F +srcline). */
static bool is_srcline(span t)
{
	const char *colon = memrchr(t.p, ':', t.n);
	return colon && colon > t.p && !memchr(t.p, ' ', t.n) &&
	       all_digits((span){colon + 1, (size_t)(t.p + t.n - colon - 1)});
}

static int content_line(ps *x, span l)
{
	char q[96];
	span t = trim(l);
	header h;
	frame_line f;
	if (parse_header(t, x->tok, &h))
		return start_event(x, &h);
	bool frame = parse_frame_text(t, &f);
	if (x->in_event && frame)
		return add_frame_line(x, t, &f);
	if (x->in_event && is_srcline(t)) {
		x->srclines++;
		return 0;
	}
	if (x->in_event)
		return fail_line(x, "weird stack line %s: expected \"ADDRESS SYMBOL (DSO)\" or an event "
				 "header \"COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT:\"", quote(t, q, sizeof q));
	if (frame && x->blank_line && x->nev)
		return fail_line(x, "stack line %s outside of an event: the blank line %" PRIu64
				 " ended the event of line %" PRIu64 "", quote(t, q, sizeof q), x->blank_line,
				 x->event_line);
	if (frame && x->blank_line)
		return fail_line(x, "stack line %s outside of an event (after the blank line %" PRIu64 ")",
				 quote(t, q, sizeof q), x->blank_line);
	return fail_line(x, "expected an event header \"COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT:\", "
			 "got %s", quote(t, q, sizeof q));
}

/* perf prints comm and symbols as the bytes it got; invalid UTF-8 would
 * make invalid JSON, so such bytes become U+FFFD (with one warning). */
static span valid_utf8(ps *x, span l)
{
	if (rs_utf8_valid(l.p, l.n))
		return l;
	rs_sb_reset(&x->fixed);
	if (rs_utf8_repair(&x->fixed, l.p, l.n) && !x->bad_utf8++)
		rs_warn("%s: line %" PRIu64 ": invalid UTF-8 replaced by U+FFFD", x->path, x->lineno);
	return (span){x->fixed.buf, x->fixed.len};
}

static int one_line(ps *x, span l)
{
	x->lineno++;
	if (x->lineno == 1 && l.n >= 3 && memcmp(l.p, "\xEF\xBB\xBF", 3) == 0)
		l.p += 3, l.n -= 3;
	if (l.n && l.p[l.n - 1] == '\r')
		l.n--;
	l = valid_utf8(x, l);
	span t = trim(l);
	if (!t.n) {
		x->blank_line = x->lineno;
		return finish_event(x);
	}
	if (t.p[0] == '#') {
		comment_line(x, t);
		return 0;
	}
	return content_line(x, l);
}

/* Splits the input into lines, each bounded by --max-string-bytes. */
static int read_chunks(ps *x, rs_input *in, unsigned char *buf, size_t cap)
{
	size_t got;
	int rc;
	while (!(rc = rs_input_read(in, buf, cap, &got, x->err)) && got) {
		for (size_t i = 0; i < got;) {
			unsigned char *nl = memchr(buf + i, '\n', got - i);
			size_t k = nl ? (size_t)(nl - buf) - i : got - i;
			if (x->line.len + k > rs_limits_cur.max_string_bytes)
				return rs_fail(x->err, RS_EINPUT, "%s: line %" PRIu64 " is longer than %" PRIu64
					       " bytes (--max-string-bytes)", x->path, x->lineno + 1,
					       rs_limits_cur.max_string_bytes);
			rs_sb_add(&x->line, buf + i, k);
			i += k + (nl != NULL);
			if (nl) {
				rc = one_line(x, (span){x->line.buf, x->line.len});
				rs_sb_reset(&x->line);
				if (rc)
					return rc;
			}
		}
	}
	if (!rc && x->line.len)
		rc = one_line(x, (span){x->line.buf, x->line.len});
	return rc ? rc : finish_event(x);
}

static int read_lines(ps *x, rs_input *in)
{
	/* On the heap, not static: batch conversion imports in parallel threads. */
	enum { CHUNK = 64 * 1024 };
	unsigned char *buf = rs_xmalloc(CHUNK);
	int rc = read_chunks(x, in, buf, CHUNK);
	free(buf);
	return rc;
}

static const char *unit_of(const rs_session *s, const event_type *et)
{
	const char *n = rs_s(s, et->name);
	size_t base = strcspn(n, ":/");
	bool clock = (base == 9 && strncmp(n, "cpu-clock", 9) == 0) ||
		     (base == 10 && strncmp(n, "task-clock", 10) == 0);
	return et->any_period && clock ? "nanoseconds" : "count";
}

/* Now that every event name is known: one value column each. */
static int emit_samples(ps *x)
{
	rs_session *s = x->s;
	size_t nt = x->ntypes;
	if (nt && x->nev > rs_limits_cur.max_elements / nt)
		return rs_fail(x->err, RS_EINPUT, "%s: %zu events of %zu kinds make more than %" PRIu64
			       " sample values (--max-elements)", x->path, x->nev, nt,
			       rs_limits_cur.max_elements);
	for (size_t e = 0; e < nt; e++) {
		event_type *et = &x->types[e];
		rs_sample_type_add(s, rs_s(s, et->name), unit_of(s, et));
		if (et->any_period && et->no_period)
			rs_warn("%s: event %s has a period on some samples only; the others count 1",
				x->path, rs_s(s, et->name));
	}
	if (nt) {
		s->default_sample_type = x->types[0].name;
		if (x->types[0].any_period && !x->types[0].no_period && x->types[0].same_period) {
			s->period = x->types[0].first_period;
			s->period_type = s->sample_types[0];
		}
	}
	int64_t *vals = rs_xcalloc(nt ? nt : 1, sizeof *vals);
	int64_t tmin = INT64_MAX, tmax = INT64_MIN;
	for (size_t i = 0; i < x->nev; i++) {
		const pending *p = &x->ev[i];
		vals[p->event] = p->value;
		rs_sample_add(s, p->stack, vals, p->thread, p->time_ns,
			      p->nlabels ? x->labels + p->label_at : NULL, p->nlabels);
		vals[p->event] = 0;
		if (p->time_ns != RS_NO_TIME) {
			tmin = p->time_ns < tmin ? p->time_ns : tmin;
			tmax = p->time_ns > tmax ? p->time_ns : tmax;
		}
	}
	free(vals);
	if (tmin <= tmax)
		s->info.duration_ns = rs_add_sat(tmax, -tmin);
	return 0;
}

static void set_extra(ps *x)
{
	if (!x->nheader)
		return;
	rs_strbuf sb = {0};
	rs_sb_adds(&sb, "{\"perfscript\":{\"header\":[");
	rs_sb_add(&sb, x->header_lines.buf, x->header_lines.len);
	rs_sb_adds(&sb, "]}}");
	x->s->extra = rs_intern(x->s, sb.buf, sb.len);
	rs_sb_free(&sb);
}

static void report_skips(ps *x)
{
	if (x->side_band)
		rs_warn("%s: skipped %" PRIu64 " PERF_RECORD_* side-band records (not samples)", x->path,
			x->side_band);
	if (x->srclines)
		rs_warn("%s: skipped %" PRIu64 " source-line lines (-F srcline is not imported)", x->path,
			x->srclines);
}

static void ps_free(ps *x)
{
	rs_sb_free(&x->line);
	rs_sb_free(&x->fixed);
	rs_sb_free(&x->header_lines);
	rs_rust_name_free(&x->rn);
	kmap_free(&x->threads);
	kmap_free(&x->mappings);
	kmap_free(&x->events);
	kmap_free(&x->lines);
	free(x->tok);
	free(x->frames);
	free(x->cache);
	free(x->ev);
	free(x->labels);
	free(x->types);
}

int rs_import_perfscript(rs_input *in, rs_session *s, rs_err *err)
{
	ps x = {.s = s, .path = in->path, .err = err};
	x.tok = rs_xmalloc(MAX_TOKENS * sizeof *x.tok);
	s->info.producer.name = rs_intern_cstr(s, "perf");
	int rc = read_lines(&x, in);
	if (!rc && !x.nev && !x.nheader)
		rc = rs_fail(err, RS_EINPUT, "%s: no perf script events (expected lines like \"COMM "
			     "PID[/TID] [CPU] TIME: [PERIOD] EVENT:\")", in->path);
	if (!rc)
		rc = emit_samples(&x);
	if (!rc) {
		set_extra(&x);
		report_skips(&x);
	}
	ps_free(&x);
	return rc;
}
