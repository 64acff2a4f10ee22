/* rs_sniff_perfscript and rs_import_perfscript on small in-memory inputs:
 * what is recognized as perf script, and how header lines are split. */
#include "importers/importers.h"
#include "lib/warn.h"
#include "unit.h"

#include <string.h>

static int sniff(const char *s) { return rs_sniff_perfscript((const unsigned char *)s, strlen(s)); }

/* Imports s; the session (or NULL when the import failed). */
static rs_session *import(const char *s)
{
	rs_input in;
	rs_err err = {0};
	rs_session *ses = rs_session_new();
	int rc = rs_input_open_mem(&in, "mem", s, strlen(s), &err);
	if (!rc)
		rc = rs_import_perfscript(&in, ses, &err);
	rs_input_close(&in);
	if (rc) {
		rs_session_free(ses);
		return NULL;
	}
	return ses;
}

static bool thread_is(const rs_session *s, size_t i, int64_t pid, int64_t tid, const char *name)
{
	return i < s->nthreads && s->threads[i].pid == pid && s->threads[i].tid == tid &&
	       strcmp(rs_s(s, s->threads[i].name), name) == 0;
}

static void test_sniff(void)
{
	CHECK("sniff header + frame", sniff("a 1/2 [000] 1.5: 10 cycles: \n\t 400 f (/x)\n") == 95);
	CHECK("sniff after --header", sniff("# ========\n# perf version : 6\n#\nx 1 cycles:\nff f (k)\n") == 95);
	CHECK("sniff header only", sniff("x 1 1.0: cpu-clock: ") == 80);
	CHECK("sniff comment block only", sniff("# ========\n# perf version : 6\n") == 50);
	CHECK("sniff collapsed is not perf", sniff("main;foo;bar 12\nmain;baz 3\n") == 0);
	CHECK("sniff JSON is not perf", sniff("{\"traceEvents\":[]}") == 0);
	CHECK("sniff legacy heap is not perf", sniff("heap profile: 1: 2 [3: 4] @ heap/1\n1: 2 [3: 4] @ 0x1\n") == 0);
	CHECK("sniff empty", sniff("") == 0);
}

static void test_headers(void)
{
	rs_session *s = import("my prog 2 7/8 [003] 12.000000345: 5 cycles:u: \n"
			       "    9/9 [000] 0.5: 1 ev: payload here\n"
			       "77 1 cycles:u:\n");
	CHECK("headers import", s != NULL);
	if (!s)
		return;
	CHECK("comm with spaces and digits", thread_is(s, 0, 7, 8, "my prog 2"));
	CHECK("empty comm", thread_is(s, 1, 9, 9, ""));
	CHECK("numeric comm, single tid", thread_is(s, 2, -1, 1, "77"));
	CHECK("three samples", s->samples.n == 3);
	CHECK("9-digit time exact", s->samples.time_ns[0] == 12000000345);
	CHECK("no time", s->samples.time_ns[2] == RS_NO_TIME);
	CHECK("two event types", s->nsample_types == 2);
	CHECK("period value", s->samples.values[0] == 5 && s->samples.values[1] == 0);
	CHECK("no period counts 1", s->samples.values[4] == 1 && s->samples.values[5] == 0);
	size_t n;
	const rs_label *l = rs_sample_labels(s, 1, &n);
	CHECK("cpu and args labels", n == 2 && l[0].is_num && l[0].num == 0 &&
					     strcmp(rs_s(s, l[1].str), "payload here") == 0);
	rs_session_free(s);
}

static void test_frames(void)
{
	rs_session *s = import("j 1 1.0: 1 cpu-clock:\n"
			       "\t7f00 La;::b->Lc;::d+0x4 (/tmp/perf-12.map)\n"
			       "\tffffffff81000000 [unknown] ([kernel.kallsyms])\n"
			       "\t400 std::vector<int>::operator->() const (/bin/x)\n\n");
	CHECK("frames import", s != NULL);
	if (!s)
		return;
	/* leaf first in the text: d (inline), b, kernel unknown, operator-> */
	CHECK("four frames", s->nframes == 4);
	CHECK("jit inline leaf", strcmp(rs_s(s, s->frames[0].name), "Lc;::d") == 0 && s->frames[0].is_inline &&
					 s->frames[0].kind == RS_KIND_JIT);
	CHECK("jit outer not inline", strcmp(rs_s(s, s->frames[1].name), "La;::b") == 0 && !s->frames[1].is_inline);
	CHECK("kernel unknown named by dso", strcmp(rs_s(s, s->frames[2].name), "[kernel.kallsyms]") == 0 &&
						     s->frames[2].kind == RS_KIND_KERNEL);
	CHECK("C++ operator-> not split", strcmp(rs_s(s, s->frames[3].name), "std::vector<int>::operator->() const") == 0);
	CHECK("root is the last line", s->stacks[0].frame == 3);
	CHECK("one mapping per dso", s->nmappings == 3);
	rs_session_free(s);
}

int main(void)
{
	rs_quiet = 1;
	test_sniff();
	test_headers();
	test_frames();
	return unit_failures != 0;
}
