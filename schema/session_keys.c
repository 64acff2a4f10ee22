/* Member names of session JSON objects, and escaping unknown members that
 * bear them. */
#include "session_keys.h"

#include "../lib/json_members.h"
#include "../lib/json_write.h"

#include <stdio.h>
#include <string.h>

const char *const *const rs_session_keys[T_COUNT] = {
	[T_TOP] = (const char *const[]){"schema", "schema_version", "session", "sample_types", "period",
		"period_type", "default_sample_type", "frames", "mappings", "stacks", "threads", "samples",
		"intervals", "counters", "memory_events", "markers", "windows", "rollups", "extra", NULL},
	[T_SESSION] = (const char *const[]){"id", "name", "start_time_ns", "duration_ns", "tags",
		"build", "env", "producer", "source", NULL},
	[T_BUILD] = (const char *const[]){"version", "commit", "profile", "rustc", "target", NULL},
	[T_ENV] = (const char *const[]){"hostname", "os", "kernel", "cpu_model", "ncpus", NULL},
	[T_PRODUCER] = (const char *const[]){"name", "version", NULL},
	[T_SOURCE] = (const char *const[]){"format", "file", "sha256", NULL},
	[T_SAMPLE_TYPE] = (const char *const[]){"type", "unit", NULL},
	[T_PERIOD_TYPE] = (const char *const[]){"type", "unit", NULL},
	[T_FRAME] = (const char *const[]){"name", "system_name", "file", "line", "column", "inline",
		"kind", "address", "mapping", "crate", "module", NULL},
	[T_MAPPING] = (const char *const[]){"start", "limit", "offset", "file", "build_id", NULL},
	[T_STACKS] = (const char *const[]){"parent", "frame", NULL},
	[T_THREAD] = (const char *const[]){"pid", "tid", "name", NULL},
	[T_SAMPLES] = (const char *const[]){"stack", "values", "thread", "time_ns", "labels", NULL},
	[T_S_LABEL] = (const char *const[]){"key", "str", "num", "unit", NULL},
	[T_INTERVAL] = (const char *const[]){"thread", "start_ns", "end_ns", "frame", "name",
		"category", "args", NULL},
	[T_COUNTER] = (const char *const[]){"name", "unit", "thread", "points", NULL},
	[T_MEM] = (const char *const[]){"t_ns", "kind", "address", "size", "stack", "thread", NULL},
	[T_MARKER] = (const char *const[]){"t_ns", "name", "thread", "args", NULL},
	[T_WINDOW] = (const char *const[]){"start_ns", "end_ns", "trigger", "hotspots",
		"counter_deltas", NULL},
};

int rs_session_key_index(int tag, const char *k, size_t n)
{
	const char *const *keys = rs_session_keys[tag];
	if (!keys || !k)
		return -1;
	for (int i = 0; keys[i]; i++)
		if (strlen(keys[i]) == n && memcmp(keys[i], k, n) == 0)
			return i;
	return -1;
}

bool rs_session_key_escaped(int tag, const char *k, size_t n)
{
	size_t t = 0;
	while (t < n && k[t] == '~')
		t++;
	return rs_session_key_index(tag, k + t, n - t) >= 0;
}

/* Whether some member of frag may bear one of the object's names: a
 * quick look for "name": anywhere (values included), before parsing. */
static bool may_collide(int tag, const char *frag, size_t n)
{
	char pat[40];
	for (const char *const *k = rs_session_keys[tag]; k && *k; k++) {
		int len = snprintf(pat, sizeof pat, "%s\":", *k);
		if (memmem(frag, n, pat, (size_t)len))
			return true;
	}
	return false;
}

typedef struct escaper {
	int tag;
	bool any;
	rs_strbuf *out;
	size_t start;
} escaper;

static void escape_one(void *ctx, const char *k, size_t kn, const char *json, size_t len)
{
	escaper *e = ctx;
	bool esc = rs_session_key_escaped(e->tag, k, kn);
	e->any |= esc;
	rs_jw w;
	if (esc) {
		rs_strbuf name = {0};
		rs_sb_addc(&name, '~');
		rs_sb_add(&name, k, kn);
		rs_jw_member(&w, e->out, name.buf, name.len);
		rs_sb_free(&name);
	} else {
		rs_jw_member(&w, e->out, k, kn);
	}
	rs_jw_raw(&w, json, len);
}

bool rs_session_unknown_escape(int tag, const char *frag, size_t n, rs_strbuf *out)
{
	if (!may_collide(tag, frag, n))
		return false;
	escaper e = {.tag = tag, .out = out, .start = out->len};
	if (rs_json_each_member(frag, n, true, escape_one, &e) || !e.any) {
		out->len = e.start;
		return false;
	}
	return true;
}
