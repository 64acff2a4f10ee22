/* A session window as one short line of text (window_note.h). */
#include "window_note.h"

#include "../lib/checked.h"
#include "../lib/input.h"
#include "../lib/json_read.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* A name longer than this is cut: a line must keep room for the numbers. */
enum { NAME_BYTES = 40 };

typedef struct hot {
	char name[NAME_BYTES + 1];
	double share;
	int64_t samples, self_ns;
	bool has_share, has_samples, has_self;
} hot;

typedef struct delta {
	char key[NAME_BYTES + 1];
	double value;
} delta;

typedef struct note {
	hot hot[RS_WINDOW_NOTE_ITEMS];
	delta delta[RS_WINDOW_NOTE_ITEMS];
	size_t nhot, ndelta;
} note;

/* --- names --- */

/* p[0, n) into out, at most NAME_BYTES bytes (cut at a character boundary,
 * "..." after), control characters as spaces: the note stays one line. */
static void capped(char *out, const char *p, size_t n)
{
	size_t k = n;
	if (n > NAME_BYTES)
		for (k = NAME_BYTES - 3; k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80; k--)
			;
	for (size_t i = 0; i < k; i++)
		out[i] = (unsigned char)p[i] < 0x20 ? ' ' : p[i];
	if (k < n) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = 0;
}

/* Where the last two "::" segments of a path start, outside brackets:
 * "serde_json::read::SliceRead::parse_str" → "SliceRead::parse_str",
 * "<T as core::fmt::Debug>::fmt" stays whole. */
static size_t tail_start(const char *p, size_t n)
{
	size_t last = 0, before = 0; /* the starts of the last two segments */
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '-' && i + 1 < n && p[i + 1] == '>') /* "fn() -> T": no bracket */
			i++;
		else if (c == '<' || c == '(' || c == '[')
			depth++;
		else if ((c == '>' || c == ')' || c == ']') && depth > 0)
			depth--;
		else if (c == ':' && i + 1 < n && p[i + 1] == ':' && depth == 0) {
			before = last;
			last = i + 2;
			i++;
		}
	}
	return before;
}

static void short_name(char *out, const char *p, size_t n)
{
	size_t a = tail_start(p, n);
	capped(out, p + a, n - a);
}

/* --- reading hotspots and counter_deltas --- */

static int hot_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	note *n = ctx;
	(void)r;
	*tag = RS_JR_SKIP;
	if (parent == RS_JR_ROOT && is_array) {
		*tag = 1;
	} else if (parent == 1 && !is_array && n->nhot < RS_WINDOW_NOTE_ITEMS) {
		n->hot[n->nhot++] = (hot){{0}};
		*tag = 2;
	}
	return 0;
}

static bool is_num(const rs_jv *v)
{
	return v->type == RS_JV_INT || v->type == RS_JV_DOUBLE;
}

static int hot_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	note *n = ctx;
	if (tag != 2)
		return 0;
	hot *h = &n->hot[n->nhot - 1];
	if (rs_jr_key_is(r, "name") && v->type == RS_JV_STRING) {
		short_name(h->name, v->s, v->len);
	} else if (rs_jr_key_is(r, "share") && is_num(v)) {
		h->share = rs_jv_double(v);
		h->has_share = true;
	} else if (rs_jr_key_is(r, "samples") && v->type == RS_JV_INT) {
		h->samples = v->i;
		h->has_samples = true;
	} else if (rs_jr_key_is(r, "self_ns") && v->type == RS_JV_INT) {
		h->self_ns = v->i;
		h->has_self = true;
	}
	return 0;
}

static int delta_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	(void)r, (void)ctx;
	*tag = parent == RS_JR_ROOT && !is_array ? 1 : RS_JR_SKIP;
	return 0;
}

/* A lane that did not move says nothing about the window: left out. */
static int delta_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	note *n = ctx;
	double d = is_num(v) ? rs_jv_double(v) : 0;
	if (tag != 1 || d == 0 || !isfinite(d) || n->ndelta == RS_WINDOW_NOTE_ITEMS)
		return 0;
	size_t kn;
	const char *k = rs_jr_key(r, &kn);
	capped(n->delta[n->ndelta].key, k, kn);
	n->delta[n->ndelta++].value = d;
	return 0;
}

/* The window's raw JSON was read and written by the session code, so it
 * parses; if it did not, the note simply goes without it. */
static void parse(const rs_session *s, rs_str json, const rs_jr_handler *h, note *n)
{
	rs_input in;
	rs_err err = {0};
	if (json && !rs_input_open_mem(&in, "window", rs_s(s, json), rs_slen(s, json), &err)) {
		rs_jr_parse(&in, h, n, &err);
		rs_input_close(&in);
	}
}

static void note_read(const rs_session *s, const rs_window *w, note *n)
{
	static const rs_jr_handler hot_h = {.open = hot_open, .scalar = hot_scalar};
	static const rs_jr_handler delta_h = {.open = delta_open, .scalar = delta_scalar};
	*n = (note){0};
	parse(s, w->hotspots, &hot_h, n);
	parse(s, w->counter_deltas, &delta_h, n);
	size_t k = 0; /* hotspots without a name name nothing */
	for (size_t i = 0; i < n->nhot; i++)
		if (n->hot[i].name[0])
			n->hot[k++] = n->hot[i];
	n->nhot = k;
}

/* --- numbers --- */

/* Counter changes as people read them: "+400", "-12.5", "+18.4M" (three
 * digits, an SI suffix from 10^4 on, never an exponent). */
static void fmt_delta(char *buf, size_t n, double v)
{
	static const char si[] = " kMGTPE";
	size_t k = 0;
	if (fabs(v) >= 1e4)
		for (; fabs(v) >= 1e3 && k + 2 < sizeof si; k++)
			v /= 1e3;
	int len = snprintf(buf, n, v == trunc(v) ? "%+.0f" : "%+.3g", v);
	if (len >= 0 && strchr(buf, 'e'))
		len = snprintf(buf, n, "%+.0f", v);
	if (k && len >= 0 && (size_t)len + 1 < n)
		snprintf(buf + len, n - (size_t)len, "%c", si[k]);
}

static void fmt_ns(char *buf, size_t n, int64_t ns)
{
	double a = (double)ns;
	if (a >= 1e9)
		snprintf(buf, n, "%.3gs", a / 1e9);
	else if (a >= 1e6)
		snprintf(buf, n, "%.3gms", a / 1e6);
	else if (a >= 1e3)
		snprintf(buf, n, "%.3gus", a / 1e3);
	else
		snprintf(buf, n, "%" PRId64 "ns", ns);
}

/* --- the line --- */

/* What the hotspot list shows after each name: one kind for all of them
 * (correlate gives shares, older sessions samples, intervals self time). */
typedef enum hot_kind { HOT_NAMES, HOT_SHARE, HOT_SAMPLES, HOT_SELF } hot_kind;

static hot_kind hot_kind_of(const note *n)
{
	bool share = n->nhot > 0, samples = share, self = share;
	for (size_t i = 0; i < n->nhot; i++) {
		share &= n->hot[i].has_share;
		samples &= n->hot[i].has_samples;
		self &= n->hot[i].has_self;
	}
	return share ? HOT_SHARE : samples ? HOT_SAMPLES : self ? HOT_SELF : HOT_NAMES;
}

static void add_hot(rs_strbuf *out, const hot *h, hot_kind kind)
{
	char num[32];
	rs_sb_adds(out, h->name);
	if (kind == HOT_SHARE)
		rs_sb_addf(out, h->share * 100 >= 1 ? " %.0f%%" : " %.1f%%", h->share * 100);
	else if (kind == HOT_SAMPLES)
		rs_sb_addf(out, " %" PRId64, h->samples);
	else if (kind == HOT_SELF) {
		fmt_ns(num, sizeof num, h->self_ns);
		rs_sb_addf(out, " %s", num);
	}
}

/* The line with the first nh hotspots and nd deltas; "..." when that
 * leaves some out. */
static void build(const note *n, const char *head, size_t nh, size_t nd, rs_strbuf *out)
{
	hot_kind kind = hot_kind_of(n);
	rs_sb_adds(out, head);
	if (nh || nd)
		rs_sb_addc(out, ':');
	for (size_t i = 0; i < nh; i++) {
		rs_sb_adds(out, i ? ", " : " hot ");
		add_hot(out, &n->hot[i], kind);
	}
	if (nh && kind == HOT_SAMPLES)
		rs_sb_adds(out, " samples");
	for (size_t i = 0; i < nd; i++) {
		char num[32];
		fmt_delta(num, sizeof num, n->delta[i].value);
		rs_sb_addf(out, "%s%s %s", i ? ", " : nh ? "; " : " ", n->delta[i].key, num);
	}
	if (nh < n->nhot || nd < n->ndelta)
		rs_sb_adds(out, " ...");
}

/* How many hotspots and deltas the first k items are, taken in turns
 * (hotspot, delta, hotspot, ...) so that a long list of one does not
 * crowd out the other. */
static void split_items(const note *n, size_t k, size_t *nh, size_t *nd)
{
	*nh = *nd = 0;
	for (size_t j = 0; k > 0 && j < RS_WINDOW_NOTE_ITEMS; j++) {
		if (j < n->nhot && k > 0) {
			(*nh)++;
			k--;
		}
		if (j < n->ndelta && k > 0) {
			(*nd)++;
			k--;
		}
	}
}

void rs_window_note(const rs_session *s, const rs_window *w, int64_t origin, rs_strbuf *out)
{
	note n;
	note_read(s, w, &n);
	char trig[NAME_BYTES + 1], head[160];
	capped(trig, rs_s(s, w->trigger), rs_slen(s, w->trigger));
	snprintf(head, sizeof head, "window %.3f-%.3f s%s%s", (double)rs_sub_sat(w->start_ns, origin) / 1e9,
		 (double)rs_sub_sat(w->end_ns, origin) / 1e9, trig[0] ? " " : "", trig);
	size_t start = out->len;
	for (size_t k = n.nhot + n.ndelta + 1; k-- > 0;) {
		size_t nh, nd;
		split_items(&n, k, &nh, &nd);
		out->len = start; /* build appends at least the head, ending the text again */
		build(&n, head, nh, nd, out);
		if (out->len - start <= RS_WINDOW_NOTE_MAX)
			break;
	}
}
