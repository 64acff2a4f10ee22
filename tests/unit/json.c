/* lib/json_write.c and lib/json_read.c: escaping, number forms, JSON paths
 * in errors, limits, raw capture. */
#include "lib/json_read.h"
#include "lib/limits.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *write_sample(rs_strbuf *sb)
{
	rs_jw w;
	rs_jw_init_buf(&w, sb);
	rs_jw_obj(&w);
	rs_jw_key(&w, "s");
	rs_jw_str(&w, "a\"b\\c\n\x01", 7);
	rs_jw_key(&w, "d");
	rs_jw_arr(&w);
	rs_jw_double(&w, 0.1);
	rs_jw_double(&w, 3);
	rs_jw_double(&w, 1e300);
	rs_jw_int(&w, INT64_MIN);
	rs_jw_uint(&w, UINT64_MAX);
	rs_jw_arr_end(&w);
	rs_jw_obj_end(&w);
	return sb->buf;
}

typedef struct collected {
	rs_strbuf paths;
	rs_strbuf raw;
	uint64_t big;
} collected;

static int c_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	(void)ctx, (void)is_array;
	*tag = rs_jr_key_is(r, "raw") ? RS_JR_CAPTURE : parent + 1;
	return 0;
}

static int c_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	collected *c = ctx;
	(void)tag;
	if (v->type == RS_JV_INT && v->big)
		c->big = v->u;
	if (v->type == RS_JV_STRING && v->len == 4 && !memcmp(v->s, "fail", 4))
		return rs_jr_fail(r, RS_EINPUT, "asked to fail");
	rs_jr_path(r, &c->paths);
	rs_sb_addc(&c->paths, ' ');
	return 0;
}

static int c_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	(void)r, (void)parent;
	rs_sb_add(&((collected *)ctx)->raw, json, len);
	return 0;
}

static const rs_jr_handler handler = {.open = c_open, .scalar = c_scalar, .raw = c_raw};

/* The numbers of a document as the reader hands them out; arrays a second
 * thread read whole (rs_jr_parse_columns) are noted in `taken`. */
typedef struct numbers {
	rs_jv v[64];
	size_t n;
	rs_strbuf taken;
} numbers;

static int n_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	(void)r, (void)ctx, (void)is_array;
	*tag = parent + 1;
	return 0;
}

static int n_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	numbers *c = ctx;
	(void)r, (void)tag;
	if (c->n < sizeof c->v / sizeof *c->v)
		c->v[c->n++] = *v;
	return 0;
}

/* Takes every array offered: "<n>/<rows>:" then each number, rows ended by ';'. */
static bool n_numbers(rs_jr *r, void *ctx, int tag, rs_jr_nums *n)
{
	numbers *c = ctx;
	(void)r, (void)tag;
	rs_sb_addf(&c->taken, "%zu/%zu:", n->n, n->nrows);
	for (size_t k = 0, row = 0; k < n->n; k++) {
		int t = n->type ? n->type[k] : RS_JV_INT;
		if (t == RS_JV_INT)
			rs_sb_addf(&c->taken, "%lld,", (long long)n->v[k]);
		else
			rs_sb_addf(&c->taken, t == RS_JV_NULL ? "null," : "%g,", rs_jr_nums_double(n, k));
		for (; row < n->nrows && n->row_end[row] == k + 1; row++)
			rs_sb_addc(&c->taken, ';');
	}
	rs_sb_addc(&c->taken, ' ');
	return true;
}

static const rs_jr_handler num_handler = {.open = n_open, .scalar = n_scalar, .numbers = n_numbers};

static int parse_numbers(const char *text, numbers *c, rs_err *err)
{
	rs_input in;
	memset(err, 0, sizeof *err);
	c->n = 0;
	int rc = rs_input_open_mem(&in, "n.json", text, strlen(text), err);
	if (!rc)
		rc = rs_jr_parse(&in, &num_handler, c, err);
	rs_input_close(&in);
	return rc;
}

/* Integers around the 8-digit steps and the int64 edges keep their value. */
static void check_integers(void)
{
	numbers c = {0};
	rs_err err;
	parse_numbers("[0,-0,7,12345678,123456789,-1234567890123456,1234567890123456789,"
		      "9223372036854775807,-9223372036854775808,9223372036854775808,"
		      "18446744073709551615,123456789012345678901,1.5]", &c, &err);
	CHECK("json: small integers", c.n == 13 && c.v[0].i == 0 && c.v[1].i == 0 && c.v[2].i == 7 &&
	      c.v[3].i == 12345678 && c.v[4].i == 123456789 && c.v[5].i == -1234567890123456);
	CHECK("json: 19-digit integers", c.v[6].type == RS_JV_INT && c.v[6].i == 1234567890123456789 &&
	      c.v[7].i == INT64_MAX && !c.v[7].big && c.v[8].i == INT64_MIN);
	CHECK("json: integers beyond int64", c.v[9].big && c.v[9].u == 9223372036854775808u &&
	      c.v[10].big && c.v[10].u == UINT64_MAX && c.v[11].type == RS_JV_DOUBLE);
	CHECK("json: fractions are doubles", c.v[12].type == RS_JV_DOUBLE);
}

/* rs_jv_double equals strtod bit for bit: short decimals take a fast path. */
static void check_doubles(void)
{
	static const char *const edge[] = {"0.0", "-0.0", "0.1", "0.3", "46.813", "-1.5", "999999999999999.9",
					   "123456789012345.6", "9007199254740993.0", "0.0000000000000000000001",
					   "1.0000000000000000000001", "1e300", "4.9406564584124654e-324"};
	bool same = true;
	char b[64];
	uint64_t x = 88172645463325252u; /* xorshift */
	for (size_t it = 0; it < 200000 + sizeof edge / sizeof *edge; it++) {
		const char *t = b;
		if (it < sizeof edge / sizeof *edge) {
			t = edge[it];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			snprintf(b, sizeof b, "%s%llu.%0*llu", x & 1 ? "-" : "", (unsigned long long)(x >> 8) % 100000000,
				 (int)(x >> 40) % 16 + 1, (unsigned long long)(x >> 20) % 10000000);
		}
		rs_jv v = {.type = RS_JV_DOUBLE, .s = t, .len = strlen(t)};
		double a = rs_jv_double(&v), e = strtod(t, NULL);
		same &= memcmp(&a, &e, sizeof a) == 0;
	}
	CHECK("json: decimals read as strtod reads them", same);
}

/* rs_jr_parse_columns on a file: the arrays of the given keys are read by
 * the second thread and offered whole; anything else is handed out as usual. */
static void check_columns(void)
{
	char path[] = "/tmp/rs-unit-columns-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "{\"a\": [1, -2,3], \"x\":\"\\\"b\\\":[9]\", \"b\":[[1,2.5],[],[null]],"
			   "\"c\":[4,\"s\"],\"d\":[[5]],\"a\" : [ ]}";
	bool wrote = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	setenv("RUSTSCOPE_SPLIT_MIN_BYTES", "1", 1);
	numbers c = {0};
	rs_err err = {0};
	rs_input in;
	static const char *const keys[] = {"a", "b", "c", NULL};
	int rc = wrote ? rs_input_open(&in, path, &err) : RS_EIO;
	if (!rc) {
		rc = rs_jr_parse_columns(&in, &num_handler, &c, keys, &err);
		rs_input_close(&in);
	}
	unsetenv("RUSTSCOPE_SPLIT_MIN_BYTES");
	unlink(path);
	CHECK("json: columns read ahead", rc == 0);
	CHECK("json: columns offered whole, in file order",
	      c.taken.buf && strcmp(c.taken.buf, "3/0:1,-2,3, 3/3:1,2.5,;;null,; 0/0: ") == 0);
	CHECK("json: other values handed out one by one", c.n == 4 && c.v[0].type == RS_JV_STRING &&
	      c.v[1].i == 4 && c.v[2].type == RS_JV_STRING && c.v[3].i == 5);
	rs_sb_free(&c.taken);
}

static int parse(const char *text, collected *c, rs_err *err)
{
	rs_input in;
	memset(err, 0, sizeof *err);
	int rc = rs_input_open_mem(&in, "t.json", text, strlen(text), err);
	if (!rc)
		rc = rs_jr_parse(&in, &handler, c, err);
	rs_input_close(&in);
	return rc;
}

int main(void)
{
	rs_strbuf sb = {0};
	const char *out = write_sample(&sb);
	CHECK("json: escapes quotes, backslashes, newlines and control bytes",
	      strstr(out, "\"a\\\"b\\\\c\\n\\u0001\"") != NULL);
	CHECK("json: shortest round-tripping doubles", strstr(out, "[0.1,3.0,1e+300,") != NULL);
	CHECK("json: 64-bit extremes", strstr(out, "-9223372036854775808,18446744073709551615]") != NULL);

	collected c = {0};
	rs_err err;
	CHECK("json: parses what it wrote", parse(out, &c, &err) == 0);
	CHECK("json: unsigned above INT64_MAX kept exact", c.big == UINT64_MAX);
	rs_sb_reset(&c.paths);
	parse("{\"a\":[1,{\"b c\":2}],\"raw\":{\"x\":[1,2.50,\"y\"]},\"z\":true}", &c, &err);
	CHECK("json: paths of values", strcmp(c.paths.buf, "$.a[0] $.a[1][\"b c\"] $.z ") == 0);
	CHECK("json: captured subtree is exact JSON", strcmp(c.raw.buf, "{\"x\":[1,2.50,\"y\"]}") == 0);

	CHECK("json: handler failure", parse("{\"a\":[0,\"fail\"]}", &c, &err) == RS_EINPUT);
	CHECK("json: handler failure names file and path", strstr(err.msg, "t.json: $.a[1]: asked to fail") != NULL);
	CHECK("json: truncated", parse("{\"a\":[1,2", &c, &err) == RS_EINPUT);
	CHECK("json: truncated message has offset", strstr(err.msg, "at byte") != NULL);
	CHECK("json: NaN rejected", parse("{\"a\":NaN}", &c, &err) == RS_EINPUT);
	CHECK("json: Infinity rejected", parse("[Infinity]", &c, &err) == RS_EINPUT);
	CHECK("json: invalid UTF-8 rejected", parse("[\"\xff\xfe\"]", &c, &err) == RS_EINPUT);
	CHECK("json: trailing garbage rejected", parse("{} {}", &c, &err) == RS_EINPUT);
	CHECK("json: BOM accepted", parse("\xEF\xBB\xBF{\"a\":1}", &c, &err) == 0);

	rs_limits saved = rs_limits_cur;
	rs_limits_cur.max_depth = 8;
	CHECK("json: depth limit", parse("[[[[[[[[[[1]]]]]]]]]]", &c, &err) == RS_EINPUT);
	CHECK("json: depth message names the option", strstr(err.msg, "--max-depth") != NULL);
	rs_limits_cur = saved;
	rs_limits_cur.max_elements = 3;
	CHECK("json: element limit", parse("{\"a\":[1,2,3,4]}", &c, &err) == RS_EINPUT);
	CHECK("json: element message has the path", strstr(err.msg, "$.a[3]") != NULL);
	rs_limits_cur = saved;

	check_integers();
	check_doubles();
	check_columns();

	rs_sb_free(&sb);
	rs_sb_free(&c.paths);
	rs_sb_free(&c.raw);
	return unit_failures != 0;
}
