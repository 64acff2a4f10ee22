#include "roundtrip.h"

#include "../importers/importers.h"
#include "../lib/input.h"
#include "../lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char embedded_table[] =
#include "fidelity-expected.inc"
	;

typedef struct expected_row {
	char *format;
	int aspect;
	char *why;
} expected_row;

static expected_row *rows;
static size_t nrows, rows_cap;

void rs_expected_free(void)
{
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].format);
		free(rows[i].why);
	}
	free(rows);
	rows = NULL;
	nrows = rows_cap = 0;
}

/* One line "format<TAB>aspect<TAB>why"; '#' lines and blank lines skipped. */
static int parse_line(const char *name, size_t lineno, char *line, rs_err *err)
{
	if (!line[0] || line[0] == '#')
		return 0;
	char *fmt = strtok(line, "\t"), *asp = strtok(NULL, "\t"), *why = strtok(NULL, "\n");
	int a = asp ? rs_aspect_parse(asp) : -1;
	if (!fmt || a < 0 || !why)
		return rs_fail(err, RS_EINPUT, "%s:%zu: expected \"format<TAB>aspect<TAB>why\" with a known aspect",
			       name, lineno);
	if (!rs_format_find(fmt))
		return rs_fail(err, RS_EINPUT, "%s:%zu: unknown format '%s'", name, lineno, fmt);
	RS_GROW(rows, rows_cap, nrows + 1);
	rows[nrows++] = (expected_row){rs_xstrdup(fmt), a, rs_xstrdup(why)};
	return 0;
}

static int parse_table(const char *name, char *text, rs_err *err)
{
	size_t lineno = 0;
	int rc = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save))
		rc = parse_line(name, ++lineno, line, err);
	return rc;
}

int rs_expected_load(const char *path, rs_err *err)
{
	rs_expected_free();
	if (!path) {
		char *copy = rs_xstrdup(embedded_table);
		int rc = parse_table("fidelity-expected.tsv", copy, err);
		free(copy);
		return rc;
	}
	rs_input in;
	unsigned char *buf = NULL;
	size_t len;
	int rc = rs_input_open(&in, path, err);
	if (!rc)
		rc = rs_input_read_all(&in, &buf, &len, err);
	rs_input_close(&in);
	if (!rc)
		rc = parse_table(path, (char *)buf, err);
	free(buf);
	return rc;
}

const char *rs_expected_loss(const rs_format *fmt, rs_aspect a)
{
	for (size_t i = 0; i < nrows; i++)
		if ((int)a == rows[i].aspect && rs_format_find(rows[i].format) == fmt)
			return rows[i].why;
	return NULL;
}

const char *rs_route_status_name(rs_route_status st)
{
	static const char *const names[] = {"pass", "expected-loss", "fail", "error"};
	return names[st];
}

static void judge(rs_route *r, const rs_facts *before, const rs_facts *after, bool native)
{
	r->status = RS_ROUTE_PASS;
	for (int a = 0; a < RS_ASPECT_COUNT; a++) {
		r->diff[a] = rs_facts_diff(before, after, a);
		if (!r->diff[a])
			continue;
		r->why[a] = native ? rs_expected_loss(r->via, a) : NULL;
		if (!r->why[a])
			r->status = RS_ROUTE_FAIL;
		else if (r->status == RS_ROUTE_PASS)
			r->status = RS_ROUTE_EXPECTED;
	}
}

void rs_route_run(const rs_session *s, const rs_facts *before, const rs_format *via, const char *tmpdir,
		  bool native, rs_route *r)
{
	memset(r, 0, sizeof *r);
	r->via = via;
	char path[4096];
	snprintf(path, sizeof path, "%s/trip.%s", tmpdir, via->name);
	rs_err err = {0};
	rs_session *back = NULL;
	int rc = rs_save(s, path, via, &err);
	rs_import_opts keep = rs_import_opts_cur;
	rs_import_opts_cur.ignore_embedded = native;
	if (!rc)
		rc = rs_load(path, via, &back, NULL, &err);
	rs_import_opts_cur = keep;
	unlink(path);
	if (rc) {
		r->status = RS_ROUTE_ERROR;
		snprintf(r->error, sizeof r->error, "%s", err.msg);
		return;
	}
	rs_facts after = {0};
	rs_facts_of(back, &after);
	judge(r, before, &after, native);
	rs_facts_free(&after);
	rs_session_free(back);
}
