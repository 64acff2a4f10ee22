/* The folded-stack reader on small inputs: counts, annotations, fractions,
 * difference files and the errors (importers/collapsed.c). */
#include "../../exporters/exporters.h"
#include "../../importers/importers.h"
#include "../../lib/warn.h"
#include "unit.h"

#include <string.h>

static rs_session *import(const char *text, size_t n, int *rc)
{
	rs_session *s = rs_session_new();
	rs_input in;
	rs_err err = {0};
	*rc = rs_input_open_mem(&in, "t.folded", text, n, &err);
	if (!*rc)
		*rc = rs_import_collapsed(&in, s, &err);
	rs_input_close(&in);
	return s;
}

static const char *frame_name(const rs_session *s, int32_t node)
{
	return rs_s(s, s->frames[s->stacks[node].frame].name);
}

int main(void)
{
	int rc;
	rs_quiet = 1;
	const char t1[] = "main;run;read_[k] 12\r\nmain;run   3\n\n# comment 5\nmain;run;jit_[j];inl_[i] 1\n";
	rs_session *s = import(t1, sizeof t1 - 1, &rc);
	CHECK("collapsed: plain file imports", rc == 0);
	CHECK("collapsed: one sample per stack line", s->samples.n == 3);
	CHECK("collapsed: counts with CRLF and spaces", s->samples.values[0] == 12 && s->samples.values[1] == 3);
	CHECK("collapsed: _[k] stripped and kernel", !strcmp(frame_name(s, s->samples.stack[0]), "read") &&
		s->frames[s->stacks[s->samples.stack[0]].frame].kind == RS_KIND_KERNEL);
	CHECK("collapsed: _[i] is inline", s->frames[s->stacks[s->samples.stack[2]].frame].is_inline);
	CHECK("collapsed: unit count", !strcmp(rs_s(s, s->sample_types[0].unit), "count"));
	rs_session_free(s);

	const char t2[] = "a;b 1.5\na;c 6.\na 0.25\n";
	s = import(t2, sizeof t2 - 1, &rc);
	CHECK("collapsed: fractions scaled by 10^2", rc == 0 && s->samples.values[0] == 150 &&
		s->samples.values[1] == 600 && s->samples.values[2] == 25);
	CHECK("collapsed: fraction unit", !strcmp(rs_s(s, s->sample_types[0].unit), "count*1e-2"));
	rs_session_free(s);

	const char t3[] = "a;b 1 2\na;c 3 4\n";
	s = import(t3, sizeof t3 - 1, &rc);
	CHECK("collapsed: difference file has two columns", rc == 0 && s->nsample_types == 2 &&
		s->samples.values[2] == 3 && s->samples.values[3] == 4);
	rs_session_free(s);

	const char t4[] = "a;b 1\na;b\n";
	s = import(t4, sizeof t4 - 1, &rc);
	CHECK("collapsed: stack without a count is exit 3", rc == RS_EINPUT);
	rs_session_free(s);

	const char t5[] = "rustscope[app][net::io]::app::net::io::read 7\n";
	s = import(t5, sizeof t5 - 1, &rc);
	const rs_frame *f = rc ? NULL : &s->frames[0];
	CHECK("collapsed: rustscope naming gives crate and module", f && !strcmp(rs_s(s, f->crate), "app") &&
		!strcmp(rs_s(s, f->module), "net::io") && !strcmp(rs_s(s, f->name), "app::net::io::read"));
	rs_session_free(s);

	const char t6[] = "\xff\xfe" "a\0;\0b\0 \0" "2\0\n\0";
	s = import(t6, sizeof t6 - 1, &rc);
	CHECK("collapsed: UTF-16 LE", rc == 0 && s->samples.n == 1 && s->samples.values[0] == 2);
	rs_session_free(s);

	const char t7[] = "garbage only\n";
	s = import(t7, sizeof t7 - 1, &rc);
	CHECK("collapsed: no stack line is exit 3", rc == RS_EINPUT);
	rs_session_free(s);
	return unit_failures != 0;
}
