/* What a round trip kept: each aspect of a session (sample totals, stacks,
 * frames, threads, timestamps, labels, timeline, metadata) summarized as a
 * multiset of 64-bit item hashes, so two sessions compare aspect by aspect
 * and a difference is counted in items. */
#ifndef RS_FIDELITY_H
#define RS_FIDELITY_H

#include "session.h"

#include <stddef.h>
#include <stdint.h>

typedef enum rs_aspect {
	RS_ASPECT_TOTALS,    /* value totals per sample type */
	RS_ASPECT_STACKS,    /* stacks by frame names, with their values */
	RS_ASPECT_FRAMES,    /* frame names */
	RS_ASPECT_LOCATIONS, /* frame file:line:column */
	RS_ASPECT_RUST,      /* frame crate/module/kind */
	RS_ASPECT_THREADS,   /* threads and which samples are on them */
	RS_ASPECT_TIMES,     /* sample timestamps */
	RS_ASPECT_LABELS,    /* sample labels */
	RS_ASPECT_TIMELINE,  /* intervals, counters, markers, memory events */
	RS_ASPECT_METADATA,  /* session info, tags, build, env, extra */
	RS_ASPECT_COUNT
} rs_aspect;

typedef struct rs_facts {
	uint64_t *items[RS_ASPECT_COUNT]; /* sorted */
	size_t n[RS_ASPECT_COUNT];
} rs_facts;

const char *rs_aspect_name(rs_aspect a);
int rs_aspect_parse(const char *name); /* -1 when unknown */
void rs_facts_of(const rs_session *s, rs_facts *f);
/* Items in one but not the other (symmetric difference of the multisets). */
size_t rs_facts_diff(const rs_facts *a, const rs_facts *b, rs_aspect asp);
void rs_facts_free(rs_facts *f);

#endif
