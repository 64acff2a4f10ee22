/* schema/fidelity.c: sessions compared aspect by aspect. */
#include "schema/fidelity.h"
#include "unit.h"

static rs_session *sample_session(void)
{
	rs_session *s = rs_session_new();
	rs_sample_type_add(s, "cpu", "nanoseconds");
	rs_frame f;
	rs_frame_init(&f);
	f.name = rs_intern_cstr(s, "main");
	f.file = rs_intern_cstr(s, "main.rs");
	f.line = 3;
	uint32_t a = (uint32_t)rs_frame_add(s, &f);
	f.name = rs_intern_cstr(s, "work");
	uint32_t b = (uint32_t)rs_frame_add(s, &f);
	uint32_t path[] = {a, b};
	int32_t t = rs_thread_add(s, 1, 2, rs_intern_cstr(s, "worker"));
	int64_t v = 10;
	rs_sample_add(s, rs_stack_path(s, path, 2), &v, t, 1000, NULL, 0);
	rs_sample_add(s, rs_stack_path(s, path, 1), &v, t, 2000, NULL, 0);
	s->info.name = rs_intern_cstr(s, "n");
	return s;
}

int main(void)
{
	rs_session *x = sample_session(), *y = sample_session();
	rs_facts fx = {0}, fy = {0};
	rs_facts_of(x, &fx);
	rs_facts_of(y, &fy);
	size_t total = 0;
	for (int a = 0; a < RS_ASPECT_COUNT; a++)
		total += rs_facts_diff(&fx, &fy, a);
	CHECK("fidelity: equal sessions have no differences", total == 0);
	rs_facts_free(&fy);

	y->samples.time_ns[1] = 2001;
	y->frames[1].line = 4;
	y->info.name = rs_intern_cstr(y, "other");
	rs_facts_of(y, &fy);
	CHECK("fidelity: a changed timestamp is one item each way", rs_facts_diff(&fx, &fy, RS_ASPECT_TIMES) == 2);
	CHECK("fidelity: a changed line is a location difference", rs_facts_diff(&fx, &fy, RS_ASPECT_LOCATIONS) == 2);
	CHECK("fidelity: names unchanged", rs_facts_diff(&fx, &fy, RS_ASPECT_FRAMES) == 0);
	CHECK("fidelity: stacks unchanged", rs_facts_diff(&fx, &fy, RS_ASPECT_STACKS) == 0);
	CHECK("fidelity: metadata difference", rs_facts_diff(&fx, &fy, RS_ASPECT_METADATA) == 2);
	rs_facts_free(&fy);

	y->samples.values[0] = 11;
	rs_facts_of(y, &fy);
	CHECK("fidelity: a changed value changes totals and a stack", rs_facts_diff(&fx, &fy, RS_ASPECT_TOTALS) == 2 &&
	      rs_facts_diff(&fx, &fy, RS_ASPECT_STACKS) == 2);
	rs_facts_free(&fy);
	rs_facts_free(&fx);
	rs_session_free(x);
	rs_session_free(y);
	return unit_failures != 0;
}
