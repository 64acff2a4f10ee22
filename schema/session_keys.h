/* The object kinds of session JSON (v1) and their member names, shared by
 * the reader and the writer; and the rule for unknown members that bear a
 * member's name (schema/README.md, "Unknown members"). */
#ifndef RS_SESSION_KEYS_H
#define RS_SESSION_KEYS_H

#include "../lib/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

enum rs_session_tag {
	T_NONE,
	T_TOP, T_SESSION, T_TAGS, T_BUILD, T_ENV, T_PRODUCER, T_SOURCE,
	T_SAMPLE_TYPES, T_SAMPLE_TYPE, T_PERIOD_TYPE,
	T_FRAMES, T_FRAME, T_MAPPINGS, T_MAPPING,
	T_STACKS, T_STACK_PARENT, T_STACK_FRAME, T_THREADS, T_THREAD,
	T_SAMPLES, T_S_STACK, T_S_VALUES, T_S_VALUES_COL, T_S_THREAD, T_S_TIME,
	T_S_LABELS, T_S_LABEL_LIST, T_S_LABEL,
	T_INTERVALS, T_INTERVAL, T_COUNTERS, T_COUNTER, T_POINTS, T_POINT,
	T_MEMS, T_MEM, T_MARKERS, T_MARKER, T_WINDOWS, T_WINDOW,
	T_COUNT
};

/* Member names of each object kind in field order, NULL-terminated; NULL
 * for kinds that are not objects with named members. */
extern const char *const *const rs_session_keys[T_COUNT];

/* Field number of k in objects of kind tag, or -1. */
int rs_session_key_index(int tag, const char *k, size_t n);

/* An unknown member whose name, without its leading '~'s, is one of the
 * object's own is written with one '~' more, and read with one less, so
 * that it can never be taken for the member it is named after. */
bool rs_session_key_escaped(int tag, const char *k, size_t n);
/* frag: the unknown members ("k":v,...) of an object of kind tag. Returns
 * false when none needs escaping; else writes the escaped members to out. */
bool rs_session_unknown_escape(int tag, const char *frag, size_t n, rs_strbuf *out);

#endif
