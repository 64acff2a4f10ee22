/* schema/session.c and schema/validate.c: interning, deduplication,
 * stack paths, labels, validation of references. */
#include "schema/rollup.h"
#include "schema/validate.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static rs_frame named(rs_session *s, const char *name)
{
	rs_frame f;
	rs_frame_init(&f);
	f.name = rs_intern_cstr(s, name);
	return f;
}

int main(void)
{
	rs_session *s = rs_session_new();
	rs_str a = rs_intern_cstr(s, "alpha");
	CHECK("session: interning dedups", rs_intern(s, "alphabet", 5) == a);
	CHECK("session: empty string is 0", rs_intern(s, "", 0) == 0);
	/* many strings force rehashing */
	char buf[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "s%d", i);
		rs_intern_cstr(s, buf);
	}
	CHECK("session: interning survives growth", rs_intern_cstr(s, "s4999") == rs_intern_cstr(s, "s4999") &&
	      strcmp(rs_s(s, rs_intern_cstr(s, "s123")), "s123") == 0);

	rs_frame fm = named(s, "main"), fw = named(s, "work");
	uint32_t m = (uint32_t)rs_frame_add(s, &fm), w = (uint32_t)rs_frame_add(s, &fw);
	CHECK("session: frames dedup", rs_frame_add(s, &fm) == (int32_t)m && s->nframes == 2);
	fw.line = 7;
	CHECK("session: frames differ by line", rs_frame_add(s, &fw) == 2);
	CHECK("session: frame_append keeps duplicates", rs_frame_append(s, &fm) == 3);

	uint32_t path[] = {m, w, w};
	int32_t leaf = rs_stack_path(s, path, 3);
	CHECK("session: stack path depth", rs_stack_depth(s, leaf) == 3);
	CHECK("session: stack prefixes shared", rs_stack_path(s, path, 2) == s->stacks[leaf].parent);
	CHECK("session: empty path is -1", rs_stack_path(s, path, 0) == -1);

	rs_sample_type_add(s, "samples", "count");
	rs_sample_type_add(s, "cpu", "nanoseconds");
	int64_t v1[] = {1, 10}, v2[] = {2, 30};
	rs_label l = {.key = rs_intern_cstr(s, "bytes"), .num = 64, .is_num = 1};
	rs_sample_add(s, leaf, v1, -1, RS_NO_TIME, NULL, 0);
	rs_sample_add(s, s->stacks[leaf].parent, v2, -1, 5, &l, 1);
	size_t nl;
	const rs_label *got = rs_sample_labels(s, 1, &nl);
	CHECK("session: labels per sample", nl == 1 && got->num == 64 && rs_sample_labels(s, 0, &nl) && nl == 0);
	CHECK("session: presence flags", s->samples.has_time && s->samples.has_labels && !s->samples.has_thread);

	s->info.id = rs_intern_cstr(s, "id");
	s->info.name = rs_intern_cstr(s, "name");
	rs_err err = {0};
	CHECK("validate: consistent session passes", rs_session_validate(s, "x", NULL, &err) == 0);

	size_t n;
	rs_rollup_row *rows = rs_rollup(s, 1, RS_BY_FUNCTION, false, &n);
	/* work appears twice on the first stack: total counts it once per sample */
	CHECK("rollup: recursion counted once in total", n == 2 && rows[0].key == fw.name &&
	      rows[0].self == 40 && rows[0].total == 40 && rows[1].key == fm.name &&
	      rows[1].self == 0 && rows[1].total == 40);
	free(rows);

	s->stacks[0].parent = 2; /* a cycle */
	rs_strbuf all = {0};
	CHECK("validate: cycle rejected", rs_session_validate(s, "x", &all, &err) == RS_EINPUT);
	CHECK("validate: message has the path", strstr(err.msg, "x: $.stacks.parent[0]") != NULL);
	s->stacks[0].parent = -1;
	s->samples.stack[1] = 99;
	s->frames[0].mapping = 3;
	memset(&err, 0, sizeof err);
	rs_sb_reset(&all);
	CHECK("validate: bad references rejected", rs_session_validate(s, "x", &all, &err) == RS_EINPUT);
	CHECK("validate: every problem listed", strstr(all.buf, "$.samples.stack[1]") && strstr(all.buf, "$.frames[0].mapping"));
	CHECK("validate: count of further problems", strstr(err.msg, "and 1 more") != NULL);
	rs_sb_free(&all);
	rs_session_free(s);
	return unit_failures != 0;
}
