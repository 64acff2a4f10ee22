/* The members of a JSON object, one by one (rs_json_each_member). */
#include "json_members.h"

#include "input.h"
#include "json_read.h"
#include "json_write.h"

typedef struct mem_rd {
	rs_json_member_fn fn;
	void *ctx;
} mem_rd;

static int m_open(rs_jr *r, void *ctx, int parent, bool is_array, int *tag)
{
	(void)r, (void)ctx;
	*tag = parent == RS_JR_ROOT && !is_array ? 1 : RS_JR_CAPTURE;
	return 0;
}

static int m_scalar(rs_jr *r, void *ctx, int tag, const rs_jv *v)
{
	mem_rd *m = ctx;
	if (tag != 1)
		return 0;
	rs_strbuf sb = {0};
	rs_jw w;
	rs_jw_init_buf(&w, &sb);
	rs_jv_write(&w, v);
	size_t kn;
	const char *k = rs_jr_key(r, &kn);
	m->fn(m->ctx, k, kn, sb.buf, sb.len);
	rs_sb_free(&sb);
	return 0;
}

static int m_raw(rs_jr *r, void *ctx, int parent, const char *json, size_t len)
{
	mem_rd *m = ctx;
	size_t kn;
	const char *k = rs_jr_key(r, &kn);
	if (parent == 1)
		m->fn(m->ctx, k, kn, json, len);
	return 0;
}

static const rs_jr_handler mem_handler = {.open = m_open, .scalar = m_scalar, .raw = m_raw};

int rs_json_each_member(const char *json, size_t len, bool fragment, rs_json_member_fn fn, void *ctx)
{
	rs_strbuf sb = {0};
	if (fragment) {
		rs_sb_addc(&sb, '{');
		rs_sb_add(&sb, json, len);
		rs_sb_addc(&sb, '}');
		json = sb.buf;
		len = sb.len;
	}
	mem_rd m = {fn, ctx};
	rs_input in;
	rs_err err = {0};
	int rc = rs_input_open_mem(&in, "json", json, len, &err);
	if (!rc)
		rc = rs_jr_parse(&in, &mem_handler, &m, &err);
	rs_input_close(&in);
	rs_sb_free(&sb);
	return rc;
}
