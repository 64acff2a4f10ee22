#include "rollup.h"

#include "../lib/checked.h"
#include "../lib/json_write.h"
#include "../lib/xalloc.h"

#include <stdlib.h>
#include <string.h>

size_t rs_default_value_index(const rs_session *s)
{
	for (size_t j = 0; j < s->nsample_types; j++)
		if (s->default_sample_type && s->sample_types[j].type == s->default_sample_type)
			return j;
	return s->nsample_types ? s->nsample_types - 1 : 0;
}

static rs_str key_of(const rs_frame *f, rs_rollup_by by)
{
	return by == RS_BY_CRATE ? f->crate : by == RS_BY_MODULE ? f->module : f->name;
}

static int cmp_total(const void *a, const void *b)
{
	const rs_rollup_row *x = a, *y = b;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_self(const void *a, const void *b)
{
	const rs_rollup_row *x = a, *y = b;
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	return cmp_total(a, b);
}

rs_rollup_row *rs_rollup(const rs_session *s, size_t vt, rs_rollup_by by, bool by_self, size_t *n)
{
	size_t nv = s->nsample_types;
	/* Weight per leaf stack node first: the walk below is per node, not per sample. */
	int64_t *leaf = rs_xcalloc(s->nstacks + 1, sizeof *leaf);
	for (size_t i = 0; i < s->samples.n && vt < nv; i++)
		if (s->samples.stack[i] >= 0)
			leaf[s->samples.stack[i]] = rs_add_sat(leaf[s->samples.stack[i]], s->samples.values[i * nv + vt]);
	/* Row per key, found through an array indexed by the interned string. */
	uint32_t *row_of = rs_xcalloc(s->strings.n, sizeof *row_of);
	size_t *stamp = rs_xcalloc(s->strings.n, sizeof *stamp);
	rs_rollup_row *rows = NULL;
	size_t nrows = 0, cap = 0;
	for (size_t node = 0; node < s->nstacks; node++) {
		if (!leaf[node])
			continue;
		bool is_leaf = true;
		for (int32_t k = (int32_t)node; k >= 0; k = s->stacks[k].parent) {
			const rs_frame *f = &s->frames[s->stacks[k].frame];
			rs_str key = key_of(f, by);
			if (!row_of[key]) {
				RS_GROW(rows, cap, nrows + 1);
				rows[nrows] = (rs_rollup_row){key, f->crate, f->module, 0, 0};
				row_of[key] = (uint32_t)++nrows;
			}
			rs_rollup_row *r = &rows[row_of[key] - 1];
			if (is_leaf)
				r->self = rs_add_sat(r->self, leaf[node]);
			is_leaf = false;
			if (stamp[key] != node + 1) {
				stamp[key] = node + 1;
				r->total = rs_add_sat(r->total, leaf[node]);
			}
		}
	}
	free(leaf);
	free(row_of);
	free(stamp);
	if (nrows)
		qsort(rows, nrows, sizeof *rows, by_self ? cmp_self : cmp_total);
	*n = nrows;
	return rows;
}

static void rows_json(rs_jw *w, const rs_session *s, const char *key, rs_rollup_by by)
{
	size_t n;
	rs_rollup_row *rows = rs_rollup(s, rs_default_value_index(s), by, false, &n);
	rs_jw_key(w, key);
	rs_jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		rs_jw_obj(w);
		rs_jw_key(w, "name");
		rs_jw_str(w, rs_s(s, rows[i].key), rs_slen(s, rows[i].key));
		if (by == RS_BY_FUNCTION) {
			rs_jw_key(w, "crate");
			rs_jw_str(w, rs_s(s, rows[i].crate), rs_slen(s, rows[i].crate));
			rs_jw_key(w, "module");
			rs_jw_str(w, rs_s(s, rows[i].module), rs_slen(s, rows[i].module));
		}
		rs_jw_key(w, "self");
		rs_jw_int(w, rows[i].self);
		rs_jw_key(w, "total");
		rs_jw_int(w, rows[i].total);
		rs_jw_obj_end(w);
	}
	rs_jw_arr_end(w);
	free(rows);
}

void rs_rollups_compute(rs_session *s)
{
	if (!s->nsample_types)
		return;
	size_t vt = rs_default_value_index(s);
	int64_t total = 0;
	for (size_t i = 0; i < s->samples.n; i++)
		total = rs_add_sat(total, s->samples.values[i * s->nsample_types + vt]);
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "sample_type");
	rs_str type = s->sample_types[vt].type;
	rs_jw_str(&w, rs_s(s, type), rs_slen(s, type));
	rs_jw_key(&w, "process");
	rs_jw_obj(&w);
	rs_jw_key(&w, "samples");
	rs_jw_uint(&w, s->samples.n);
	rs_jw_key(&w, "total");
	rs_jw_int(&w, total);
	rs_jw_key(&w, "threads");
	rs_jw_uint(&w, s->nthreads);
	if (s->info.duration_ns != RS_NO_TIME) {
		rs_jw_key(&w, "duration_ns");
		rs_jw_int(&w, s->info.duration_ns);
	}
	rs_jw_obj_end(&w);
	rows_json(&w, s, "crates", RS_BY_CRATE);
	rows_json(&w, s, "modules", RS_BY_MODULE);
	rows_json(&w, s, "functions", RS_BY_FUNCTION);
	rs_jw_obj_end(&w);
	s->rollups = rs_intern(s, sb.buf, sb.len);
	rs_sb_free(&sb);
}
