/* rustscope roundtrip: import each file, send it through other formats and
 * back, and say per route and aspect what was kept and what was lost.
 * --matrix DIR does it for a whole corpus as source format × target format. */
#include "../lib/json_write.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "roundtrip.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_VIA = 'v', OPT_MATRIX = 'm', OPT_JSON = 'j', OPT_EXPECTED = 'e', OPT_NATIVE = 'n', MAX_VIA = 16 };

typedef struct rt_opts {
	const rs_cmd *cmd;
	const rs_format *via[MAX_VIA];
	size_t nvia;
	const char *matrix, *expected;
	bool json, native;
} rt_opts;

/* One file's outcome. */
typedef struct rt_file {
	char *path;
	const rs_format *from; /* NULL: not imported */
	char error[1024];
	rs_route routes[MAX_VIA];
	size_t nroutes;
} rt_file;

static int rt_option(void *ctx, int opt, const char *arg)
{
	rt_opts *o = ctx;
	const rs_format *f;
	switch (opt) {
	case OPT_VIA:
		if (!(f = rs_format_find(arg)) || !f->import || !f->export)
			return rs_usage_error(o->cmd, "'%s' is not a format that can be written and read back", arg);
		if (o->nvia == MAX_VIA)
			return rs_usage_error(o->cmd, "too many --via formats");
		o->via[o->nvia++] = f;
		return 0;
	case OPT_MATRIX: o->matrix = arg; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_EXPECTED: o->expected = arg; return 0;
	case OPT_NATIVE: o->native = true; return 0;
	}
	return 0;
}

/* Default routes: every format that reads and writes, the json alias aside. */
static void default_via(rt_opts *o)
{
	for (size_t i = 0; i < rs_format_count() && o->nvia < MAX_VIA; i++) {
		const rs_format *f = rs_format_at(i);
		if (f->import && f->export && strcmp(f->name, "json") != 0)
			o->via[o->nvia++] = f;
	}
}

static void run_file(const rt_opts *o, const char *path, const char *tmpdir, rt_file *out)
{
	memset(out, 0, sizeof *out);
	out->path = rs_xstrdup(path);
	rs_err err = {0};
	rs_session *s = NULL;
	if (rs_load(path, NULL, &s, &out->from, &err)) {
		out->from = NULL;
		snprintf(out->error, sizeof out->error, "%s", err.msg);
		return;
	}
	rs_facts before = {0};
	rs_facts_of(s, &before);
	for (size_t i = 0; i < o->nvia; i++)
		rs_route_run(s, &before, o->via[i], tmpdir, o->native, &out->routes[out->nroutes++]);
	rs_facts_free(&before);
	rs_session_free(s);
}

/* --- human output --- */

static void print_cell(const rs_route *r, int a)
{
	char cell[32];
	if (!r->diff[a])
		snprintf(cell, sizeof cell, "ok");
	else
		snprintf(cell, sizeof cell, "%s%zu", r->why[a] ? "~" : "LOST ", r->diff[a]);
	printf(" %-10s", cell);
}

static void print_file(const rt_file *f)
{
	if (!f->from) {
		printf("%s: not imported: %s\n\n", f->path, f->error);
		return;
	}
	printf("%s (%s)\n  %-11s", f->path, f->from->name, "via");
	for (int a = 0; a < RS_ASPECT_COUNT; a++)
		printf(" %-10s", rs_aspect_name(a));
	printf("\n");
	for (size_t i = 0; i < f->nroutes; i++) {
		const rs_route *r = &f->routes[i];
		printf("  %-11s", r->via->name);
		if (r->status == RS_ROUTE_ERROR) {
			printf(" ERROR: %s\n", r->error);
			continue;
		}
		for (int a = 0; a < RS_ASPECT_COUNT; a++)
			print_cell(r, a);
		printf(" %s\n", r->status == RS_ROUTE_FAIL ? "FAIL" : "");
	}
	printf("\n");
}

/* The expected losses that occurred, each once, with the table's reason. */
static void print_legend(const rt_opts *o, const rt_file *files, size_t n)
{
	bool used[MAX_VIA][RS_ASPECT_COUNT] = {{false}}, any = false;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < files[k].nroutes; i++)
			for (int a = 0; a < RS_ASPECT_COUNT; a++)
				if (files[k].routes[i].why[a])
					any = used[i][a] = true;
	if (!any)
		return;
	printf("~N: N items differ, an expected loss (tests/fidelity-expected.tsv):\n");
	for (size_t i = 0; i < o->nvia; i++)
		for (int a = 0; a < RS_ASPECT_COUNT; a++)
			if (used[i][a])
				printf("  %-11s %-10s %s\n", o->via[i]->name, rs_aspect_name(a),
				       rs_expected_loss(o->via[i], a));
	printf("LOST N: N items differ where nothing may be lost.\n\n");
}

/* --- the matrix: source format × route, counted per status --- */

typedef struct matrix {
	size_t cell[32][MAX_VIA][4]; /* [source format][route][status] */
	size_t files[32], unreadable;
} matrix;

static size_t format_index(const rs_format *f)
{
	for (size_t i = 0; i < rs_format_count(); i++)
		if (rs_format_at(i) == f)
			return i;
	return 0;
}

static void tally(matrix *m, const rt_file *f)
{
	if (!f->from) {
		m->unreadable++;
		return;
	}
	size_t src = format_index(f->from);
	m->files[src]++;
	for (size_t i = 0; i < f->nroutes; i++)
		m->cell[src][i][f->routes[i].status]++;
}

static void print_matrix(const rt_opts *o, const matrix *m)
{
	printf("%-16s", "source \\ via");
	for (size_t i = 0; i < o->nvia; i++)
		printf(" %-16s", o->via[i]->name);
	printf("\n");
	for (size_t src = 0; src < rs_format_count(); src++) {
		if (!m->files[src])
			continue;
		char head[64];
		snprintf(head, sizeof head, "%s (%zu)", rs_format_at(src)->name, m->files[src]);
		printf("%-16s", head);
		for (size_t i = 0; i < o->nvia; i++) {
			const size_t *c = m->cell[src][i];
			char cell[64];
			snprintf(cell, sizeof cell, "%zu ok %zu~ %zuF%s", c[RS_ROUTE_PASS], c[RS_ROUTE_EXPECTED],
				 c[RS_ROUTE_FAIL] + c[RS_ROUTE_ERROR], c[RS_ROUTE_FAIL] + c[RS_ROUTE_ERROR] ? "!" : "");
			printf(" %-16s", cell);
		}
		printf("\n");
	}
	printf("ok: lossless · ~: only expected losses · F: unexpected loss or error\n");
	if (m->unreadable)
		printf("%zu file(s) could not be imported (listed above)\n", m->unreadable);
}

/* --- JSON output --- */

static void json_route(rs_jw *w, const rs_route *r)
{
	rs_jw_obj(w);
	rs_jw_key(w, "via");
	rs_jw_cstr(w, r->via->name);
	rs_jw_key(w, "status");
	rs_jw_cstr(w, rs_route_status_name(r->status));
	if (r->status == RS_ROUTE_ERROR) {
		rs_jw_key(w, "error");
		rs_jw_cstr(w, r->error);
	}
	rs_jw_key(w, "lost");
	rs_jw_obj(w);
	for (int a = 0; a < RS_ASPECT_COUNT; a++) {
		if (!r->diff[a])
			continue;
		rs_jw_key(w, rs_aspect_name(a));
		rs_jw_obj(w);
		rs_jw_key(w, "items");
		rs_jw_uint(w, r->diff[a]);
		rs_jw_key(w, "expected");
		r->why[a] ? rs_jw_cstr(w, r->why[a]) : rs_jw_bool(w, false);
		rs_jw_obj_end(w);
	}
	rs_jw_obj_end(w);
	rs_jw_obj_end(w);
}

static void json_file(rs_jw *w, const rt_file *f)
{
	rs_jw_obj(w);
	rs_jw_key(w, "file");
	rs_jw_cstr(w, f->path);
	rs_jw_key(w, "format");
	f->from ? rs_jw_cstr(w, f->from->name) : rs_jw_null(w);
	if (!f->from) {
		rs_jw_key(w, "error");
		rs_jw_cstr(w, f->error);
	}
	rs_jw_key(w, "routes");
	rs_jw_arr(w);
	for (size_t i = 0; i < f->nroutes; i++)
		json_route(w, &f->routes[i]);
	rs_jw_arr_end(w);
	rs_jw_obj_end(w);
}

static void json_matrix(rs_jw *w, const rt_opts *o, const matrix *m)
{
	rs_jw_key(w, "matrix");
	rs_jw_obj(w);
	for (size_t src = 0; src < rs_format_count(); src++) {
		if (!m->files[src])
			continue;
		rs_jw_key(w, rs_format_at(src)->name);
		rs_jw_obj(w);
		for (size_t i = 0; i < o->nvia; i++) {
			rs_jw_key(w, o->via[i]->name);
			rs_jw_obj(w);
			for (int st = 0; st < 4; st++) {
				rs_jw_key(w, rs_route_status_name(st));
				rs_jw_uint(w, m->cell[src][i][st]);
			}
			rs_jw_obj_end(w);
		}
		rs_jw_obj_end(w);
	}
	rs_jw_obj_end(w);
}

static void print_json(const rt_opts *o, const rt_file *files, size_t n, const matrix *m)
{
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "files");
	rs_jw_arr(&w);
	for (size_t i = 0; i < n; i++)
		json_file(&w, &files[i]);
	rs_jw_arr_end(&w);
	if (o->matrix)
		json_matrix(&w, o, m);
	rs_jw_obj_end(&w);
	printf("%s\n", sb.buf);
	rs_sb_free(&sb);
}

/* --- collecting files --- */

static char **walk_paths;
static size_t walk_n, walk_cap;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (type == FTW_F) {
		RS_GROW(walk_paths, walk_cap, walk_n + 1);
		walk_paths[walk_n++] = rs_xstrdup(path);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int collect(const rt_opts *o, int argc, char **argv, rs_err *err)
{
	if (o->matrix && nftw(o->matrix, walk_one, 32, FTW_PHYS) != 0)
		return rs_fail(err, RS_EIO, "%s: cannot walk the directory", o->matrix);
	for (int i = optind; i < argc; i++)
		walk_one(argv[i], NULL, FTW_F, NULL);
	if (walk_n)
		qsort(walk_paths, walk_n, sizeof *walk_paths, cmp_str);
	return 0;
}

static int run_all(const rt_opts *o, rt_file *files, matrix *m)
{
	char tmpdir[] = "/tmp/rustscope-roundtrip-XXXXXX";
	if (!mkdtemp(tmpdir))
		return RS_EIO;
	bool progress = isatty(2) && !rs_quiet;
	int worst = 0;
	for (size_t i = 0; i < walk_n; i++) {
		if (progress)
			fprintf(stderr, "\r[%zu/%zu] %-60.60s", i + 1, walk_n, walk_paths[i]);
		run_file(o, walk_paths[i], tmpdir, &files[i]);
		tally(m, &files[i]);
		for (size_t r = 0; r < files[i].nroutes; r++)
			if (files[i].routes[r].status >= RS_ROUTE_FAIL)
				worst = RS_EFIDELITY;
		/* A file given by name that does not import is an error of its own. */
		if (!files[i].from && !o->matrix && !worst)
			worst = RS_EINPUT;
	}
	if (progress)
		fprintf(stderr, "\r%80s\r", "");
	rmdir(tmpdir);
	return worst;
}

int cmd_roundtrip(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"via", required_argument, 0, OPT_VIA}, {"matrix", required_argument, 0, OPT_MATRIX},
		{"json", no_argument, 0, OPT_JSON}, {"expected", required_argument, 0, OPT_EXPECTED},
		{"native", no_argument, 0, OPT_NATIVE},
		RS_COMMON_LONGOPTS, {0}};
	rt_opts o = {.cmd = rs_cmd_find("roundtrip")};
	int rc = rs_parse_options(o.cmd, argc, argv, "", longopts, rt_option, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (optind >= argc && !o.matrix)
		return rs_usage_error(o.cmd, "no FILE or --matrix DIR given");
	if (!o.nvia)
		default_via(&o);
	rs_err err = {0};
	if ((rc = rs_expected_load(o.expected, &err)) || (rc = collect(&o, argc, argv, &err)))
		return rs_report(&err);
	rt_file *files = rs_xcalloc(walk_n + 1, sizeof *files);
	matrix *m = rs_xcalloc(1, sizeof *m);
	rc = run_all(&o, files, m);
	if (o.json) {
		print_json(&o, files, walk_n, m);
	} else {
		for (size_t i = 0; i < walk_n; i++)
			if (!o.matrix || !files[i].from)
				print_file(&files[i]);
		if (o.matrix)
			print_matrix(&o, m);
		print_legend(&o, files, walk_n);
	}
	for (size_t i = 0; i < walk_n; i++) {
		free(files[i].path);
		free(walk_paths[i]);
	}
	free(walk_paths);
	free(files);
	free(m);
	rs_expected_free();
	return rc;
}
