/* What a format's own readers will show of a session, said before writing
 * it: never an empty profile in silence, and one warning line for whole
 * kinds of data they will not show (see cli.h). */
#include "../lib/strbuf.h"
#include "../lib/warn.h"
#include "../schema/interval_samples.h"
#include "cli.h"

#include <stdio.h>

static const struct {
	unsigned kind;
	const char *one, *many;
} kinds[] = {
	{RS_CARRY_SAMPLES, "sample", "samples"},
	{RS_CARRY_INTERVALS, "interval", "intervals"},
	{RS_CARRY_COUNTERS, "counter lane", "counter lanes"},
	{RS_CARRY_MARKERS, "marker (instant event)", "markers (instant events)"},
	{RS_CARRY_MEMORY, "memory event", "memory events"},
};
enum { NKINDS = sizeof kinds / sizeof *kinds };

static size_t count_of(const rs_session *s, unsigned kind)
{
	switch (kind) {
	case RS_CARRY_SAMPLES: return s->samples.n;
	case RS_CARRY_INTERVALS: return s->nintervals;
	case RS_CARRY_COUNTERS: return s->ncounters;
	case RS_CARRY_MARKERS: return s->nmarkers;
	case RS_CARRY_MEMORY: return s->nmemory_events;
	}
	return 0;
}

/* "3 counter lanes and 12 markers" for the kinds in mask. */
static void describe(rs_strbuf *sb, const rs_session *s, unsigned mask)
{
	size_t n = 0, total = 0;
	for (size_t k = 0; k < NKINDS; k++)
		total += (mask & kinds[k].kind) != 0;
	for (size_t k = 0; k < NKINDS; k++) {
		if (!(mask & kinds[k].kind))
			continue;
		size_t c = count_of(s, kinds[k].kind);
		rs_sb_addf(sb, "%s%zu %s", n == 0 ? "" : n + 1 == total ? " and " : ", ", c,
			   c == 1 ? kinds[k].one : kinds[k].many);
		n++;
	}
}

int rs_check_carried(const rs_session *s, const char *in_path, const rs_format *to, rs_err *err)
{
	unsigned present = 0;
	for (size_t k = 0; k < NKINDS; k++)
		if (count_of(s, kinds[k].kind))
			present |= kinds[k].kind;
	unsigned carries = to->carries;
	if ((carries & RS_CARRY_SAMPLES) && rs_any_sample_from_intervals(s))
		carries |= RS_CARRY_INTERVALS; /* the intervals are there as stacks */
	unsigned lost = present & ~carries;
	if (!lost)
		return 0;
	rs_strbuf what = {0};
	describe(&what, s, lost);
	int rc = 0;
	if (!(present & carries)) {
		rs_strbuf who = {0};
		for (size_t i = 0; rs_format_at(i); i++) {
			const rs_format *f = rs_format_at(i);
			if (f->export && (f->carries & present) && f->carries != RS_CARRY_ALL)
				rs_sb_addf(&who, "%s, ", f->name);
		}
		rc = rs_fail(err, RS_EFIDELITY, "%s: nothing in it can be written as %s: it holds %s, "
			     "which %s cannot carry (%sor session JSON can); no file written", in_path,
			     to->name, what.buf, to->name, who.buf ? who.buf : "");
		rs_sb_free(&who);
	} else {
		rs_warn("%s: %s readers will not show its %s (kept only in the rustscope metadata of "
			"the file)", in_path, to->name, what.buf);
	}
	rs_sb_free(&what);
	return rc;
}
