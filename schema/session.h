/* ProfileSession schema v1: the one model every importer produces and every
 * exporter consumes. schema/README.md is the prose reference and
 * schema/profile-session.v1.schema.json the JSON Schema; the three must list
 * the same fields (tests/schema-fields.sh checks it).
 *
 * Conventions:
 *  - Strings are interned: an rs_str is an index into the session's string
 *    table; 0 is the empty string and means "absent" for optional fields.
 *  - Times are integer nanoseconds (RS_NO_TIME when absent).
 *  - Indices into other tables are int32_t with -1 meaning "none".
 *  - Fields named `unknown` hold members of that JSON object this version
 *    does not know, as a raw JSON fragment (`"k":v,"k2":v2`), so they are
 *    written back in place (version policy, schema/README.md).
 *  - Raw JSON values (args, extra, rollups, ...) are interned canonical JSON
 *    text. */
#ifndef RS_SESSION_H
#define RS_SESSION_H

#include "../lib/arena.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_SCHEMA_NAME "rustscope.session"
#define RS_SCHEMA_VERSION 1
#define RS_NO_TIME INT64_MIN

typedef uint32_t rs_str;

typedef struct rs_strtab {
	const char **ptr;
	uint32_t *len;
	size_t n, cap;
	uint32_t *hash; /* open addressing, 0 = empty, else index + 1 */
	size_t hash_cap, nhashed;
} rs_strtab;

typedef enum rs_frame_kind {
	RS_KIND_UNKNOWN = 0,
	RS_KIND_NATIVE,
	RS_KIND_RUST,
	RS_KIND_KERNEL,
	RS_KIND_JIT,
	RS_KIND_INTERPRETED,
	RS_KIND_COUNT
} rs_frame_kind;

typedef struct rs_frame {
	rs_str name;        /* demangled, required */
	rs_str system_name; /* raw / mangled */
	rs_str file;
	rs_str crate;
	rs_str module; /* module path inside the crate, e.g. "parser::lexer" */
	rs_str unknown;
	int64_t line;   /* 0 = unknown */
	int64_t column; /* 0 = unknown */
	uint64_t address;
	int32_t mapping; /* index into mappings, -1 = none */
	uint8_t kind;    /* rs_frame_kind */
	uint8_t is_inline;
} rs_frame;

typedef struct rs_mapping {
	uint64_t start, limit, offset;
	rs_str file, build_id, unknown;
} rs_mapping;

/* One node of the stack prefix tree. A stack is identified by its leaf node;
 * parent < own index always, so the table is acyclic by construction. */
typedef struct rs_stack {
	int32_t parent; /* -1 = root */
	uint32_t frame;
} rs_stack;

/* The trie index over the stack table (rs_session.links, internal to
 * schema/session.c). */
typedef struct rs_stack_link {
	int32_t first_child, next_sibling;
	uint32_t frame;
} rs_stack_link;

typedef struct rs_thread {
	int64_t pid, tid; /* -1 = unknown */
	rs_str name, unknown;
} rs_thread;

typedef struct rs_value_type {
	rs_str type, unit, unknown;
} rs_value_type;

typedef struct rs_label {
	rs_str key;
	rs_str str;  /* string label (is_num == 0) */
	int64_t num; /* numeric label (is_num == 1) */
	rs_str unit; /* numeric labels only, optional */
	rs_str unknown;
	uint8_t is_num;
} rs_label;

/* Columnar samples. values is row-major in memory (sample i, type j at
 * values[i * nvalue_types + j]) and one array per type in JSON. */
typedef struct rs_samples {
	size_t n, cap;
	int32_t *stack;   /* leaf stack node, -1 = empty stack */
	int64_t *values;  /* n * nvalue_types */
	int32_t *thread;  /* -1 = none */
	int64_t *time_ns; /* RS_NO_TIME = none */
	uint32_t *label_end; /* labels of sample i: [label_end[i-1], label_end[i]) */
	rs_label *labels;
	size_t nlabels, labels_cap;
	bool has_thread, has_time, has_labels;
	rs_str unknown;
} rs_samples;

typedef struct rs_interval {
	int32_t thread; /* -1 = none */
	int64_t start_ns, end_ns;
	int32_t frame; /* -1 = none; else name may be empty */
	rs_str name, category;
	rs_str args; /* raw JSON object or 0 */
	rs_str unknown;
} rs_interval;

typedef struct rs_counter {
	rs_str name, unit, unknown;
	int32_t thread; /* -1 = process-wide */
	size_t n, cap;
	int64_t *t_ns;
	double *value;
} rs_counter;

typedef enum rs_mem_kind { RS_MEM_ALLOC, RS_MEM_FREE, RS_MEM_REALLOC } rs_mem_kind;

typedef struct rs_memory_event {
	int64_t t_ns;
	uint8_t kind; /* rs_mem_kind */
	uint64_t address;
	int64_t size;
	int32_t stack, thread; /* -1 = none */
	rs_str unknown;
} rs_memory_event;

typedef struct rs_marker {
	int64_t t_ns;
	rs_str name;
	int32_t thread;
	rs_str args, unknown;
} rs_marker;

typedef struct rs_window {
	int64_t start_ns, end_ns;
	rs_str trigger;
	rs_str hotspots;       /* raw JSON array */
	rs_str counter_deltas; /* raw JSON object */
	rs_str unknown;
} rs_window;

typedef struct rs_kv {
	rs_str key, value;
} rs_kv;

typedef struct rs_session_info {
	rs_str id, name;
	int64_t start_time_ns; /* Unix epoch, RS_NO_TIME = unknown */
	int64_t duration_ns;   /* RS_NO_TIME = unknown */
	rs_kv *tags;
	size_t ntags, tags_cap;
	struct { rs_str version, commit, profile, rustc, target, unknown; } build;
	struct { rs_str hostname, os, kernel, cpu_model, unknown; int64_t ncpus; } env;
	struct { rs_str name, version, unknown; } producer;
	struct { rs_str format, file, sha256, unknown; } source;
	rs_str unknown;
} rs_session_info;

#define RS_VEC(T, name) T *name; size_t n##name, name##_cap

typedef struct rs_session {
	rs_arena arena;
	rs_strtab strings;

	rs_session_info info;

	RS_VEC(rs_value_type, sample_types);
	int64_t period; /* 0 = unknown */
	rs_value_type period_type;
	rs_str default_sample_type;

	RS_VEC(rs_frame, frames);
	RS_VEC(rs_mapping, mappings);
	RS_VEC(rs_stack, stacks);
	rs_str stacks_unknown; /* unknown members of the "stacks" object */
	RS_VEC(rs_thread, threads);
	rs_samples samples;
	RS_VEC(rs_interval, intervals);
	RS_VEC(rs_counter, counters);
	RS_VEC(rs_memory_event, memory_events);
	RS_VEC(rs_marker, markers);
	RS_VEC(rs_window, windows);
	rs_str rollups; /* raw JSON object, derived (schema/rollup.c) */
	rs_str extra;   /* raw JSON object: foreign metadata per source format */
	rs_str unknown; /* unknown top-level members */

	/* dedup indexes (open addressing, 0 = empty, else index + 1) */
	uint32_t *frame_hash, *stack_hash;
	size_t frame_hash_cap, stack_hash_cap, stack_hashed;
	/* The stack trie: children of a node form a list (first_child,
	 * next_sibling; -1 ends it) until the node has many, then they move to
	 * stack_hash and first_child becomes KIDS_HASHED. Fresh paths then
	 * cost no hash probe at all. links[0] is the root, node i is at i + 1;
	 * a link repeats its node's frame so that a list step or a hash probe
	 * touches one cache line (profiles with millions of nodes are bound
	 * by these misses). */
	rs_stack_link *links;
	size_t links_cap;
	/* Nodes stored unlinked (a duplicate (parent, frame) or an invalid
	 * parent, via rs_stack_append): 0 means every node is unique. */
	size_t stacks_unlinked;
	/* Frames stored unlinked (the same as an earlier frame, via
	 * rs_frame_append): 0 means every frame is unique. */
	size_t frames_unlinked;
	/* the thread prefaulting the stack table, or NULL (stack_prefault.c) */
	struct rs_prefault *prefault;
} rs_session;

rs_session *rs_session_new(void);
void rs_session_free(rs_session *s);
/* Exchanges the contents of two sessions (an importer replacing what it
 * read with a session embedded in the file). */
void rs_session_swap(rs_session *a, rs_session *b);

/* --- strings --- */
rs_str rs_intern(rs_session *s, const char *p, size_t len);
rs_str rs_intern_cstr(rs_session *s, const char *p);
/* Stores a string without deduplication (no hashing): for values that are
 * nearly always unique, such as each event's raw JSON args. Interning the
 * same text later gives another id; only the content matters. */
rs_str rs_store(rs_session *s, const char *p, size_t len);
/* Replaces the bytes of invalid UTF-8 in every string by U+FFFD (what we
 * write must be valid); returns how many strings were repaired. */
size_t rs_session_repair_utf8(rs_session *s);
static inline const char *rs_s(const rs_session *s, rs_str id) { return s->strings.ptr[id]; }
static inline uint32_t rs_slen(const rs_session *s, rs_str id) { return s->strings.len[id]; }

/* --- tables; *_add deduplicate, *_append keep the caller's index --- */
void rs_frame_init(rs_frame *f); /* zero, mapping = -1 */
int32_t rs_frame_add(rs_session *s, const rs_frame *f);
int32_t rs_frame_append(rs_session *s, const rs_frame *f);
/* A digest of the frame table's content in order (strings by their text,
 * not their id): equal frame tables of two sessions give the same. */
uint64_t rs_frames_digest(const rs_session *s);
int32_t rs_stack_add(rs_session *s, int32_t parent, uint32_t frame);
int32_t rs_stack_append(rs_session *s, int32_t parent, uint32_t frame);
/* The existing node (parent, frame), or -1. */
int32_t rs_stack_find(const rs_session *s, int32_t parent, uint32_t frame);
/* A hint for callers that know their lookups ahead (big imports are bound
 * by cache misses here): starts loading what rs_stack_find(s, parent,
 * frame) will read. Call it with second = false some lookups ahead, then
 * with second = true closer (it then reads the slot the first call
 * fetched). Changes nothing. */
void rs_stack_prefetch(const rs_session *s, int32_t parent, uint32_t frame, bool second);
/* Interns the path frames[0] (root) .. frames[n-1] (leaf); -1 when n == 0. */
int32_t rs_stack_path(rs_session *s, const uint32_t *frames, size_t n);
/* While an importer adds millions of stack nodes, a thread takes the page
 * faults of the table's fresh memory ahead of it (schema/stack_prefault.c);
 * stop before the session is used otherwise. Without a thread, nothing
 * changes. */
void rs_stack_prefault_start(rs_session *s);
void rs_stack_prefault_stop(rs_session *s);
uint32_t rs_stack_depth(const rs_session *s, int32_t stack);

int32_t rs_mapping_add(rs_session *s, const rs_mapping *m);
int32_t rs_thread_add(rs_session *s, int64_t pid, int64_t tid, rs_str name);
/* The index of the thread with this pid/tid, added when missing. */
int32_t rs_thread_find_or_add(rs_session *s, int64_t pid, int64_t tid);
/* A new value column; samples already added get 0 in it. */
uint32_t rs_sample_type_add(rs_session *s, const char *type, const char *unit);

/* values has nsample_types entries. thread -1 / time RS_NO_TIME for none. */
void rs_sample_add(rs_session *s, int32_t stack, const int64_t *values, int32_t thread,
		   int64_t time_ns, const rs_label *labels, size_t nlabels);
static inline const rs_label *rs_sample_labels(const rs_session *s, size_t i, size_t *n)
{
	uint32_t b = i ? s->samples.label_end[i - 1] : 0;
	*n = s->samples.label_end[i] - b;
	return s->samples.labels ? s->samples.labels + b : NULL; /* NULL + 0 is undefined */
}

rs_interval *rs_interval_new(rs_session *s);
rs_counter *rs_counter_new(rs_session *s, rs_str name, rs_str unit);
void rs_counter_point(rs_counter *c, int64_t t_ns, double v);
rs_memory_event *rs_memory_event_new(rs_session *s);
rs_marker *rs_marker_new(rs_session *s);
rs_window *rs_window_new(rs_session *s);
void rs_tag_set(rs_session *s, const char *key, const char *value);

const char *rs_frame_kind_name(int kind);
int rs_frame_kind_parse(const char *name, size_t len); /* -1 when unknown */
const char *rs_mem_kind_name(int kind);
int rs_mem_kind_parse(const char *name, size_t len);

#endif
