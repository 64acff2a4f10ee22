/* The batch scheduler: the main thread reads inputs in order and writes
 * archive outputs in order; N workers import and export. At most a window
 * of items is in flight, so memory stays bounded per worker. */
#include "batch.h"

#include "../lib/json_write.h"
#include "../lib/xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct batch {
	const rs_batch_opts *o;
	rs_batch_source *src;
	rs_batch_sink *dst;
	rs_batch_item **items;
	size_t n, cap, next_job, written;
	bool producing;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	/* output names in use, to resolve collisions */
	char **names;
	size_t nnames, names_cap;
	/* progress */
	size_t counts[5];
	uint64_t bytes;
	double t0, last_draw;
	bool tty;
} batch;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- one item, in a worker --- */

static int open_item(const rs_batch_item *it, rs_input *in, rs_err *err)
{
	return it->fs_path ? rs_input_open(in, it->fs_path, err)
			   : rs_input_open_mem(in, it->rel, it->data, it->len, err);
}

static void fail_item(rs_batch_item *it, rs_batch_status st, const char *msg)
{
	it->status = st;
	snprintf(it->error, sizeof it->error, "%s", msg);
}

static void export_item(batch *b, rs_batch_item *it, const rs_session *s)
{
	rs_err err = {0};
	int rc = rs_check_carried(s, it->rel, b->o->to, &err);
	if (rc) {
		fail_item(it, RS_B_FAILED, err.msg);
		return;
	}
	if (rs_batch_sink_is_archive(b->dst)) {
		rs_output out;
		rs_output_open_mem(&out, it->out_rel);
		if (!(rc = rs_export_to(s, &out, b->o->to, &err)))
			it->out_data = rs_output_take(&out, &it->out_len);
	} else {
		char *path = NULL;
		if (!(rc = rs_batch_sink_path(b->dst, it->out_rel, &path, &err)) &&
		    (rc = rs_save(s, path, b->o->to, &err)) && !b->o->force)
			unlink(path); /* the empty file that claimed the name */
		struct stat st;
		if (!rc && stat(path, &st) == 0)
			it->out_len = (size_t)st.st_size;
		free(path);
	}
	if (rc)
		fail_item(it, RS_B_FAILED, err.msg);
	else
		it->status = RS_B_OK;
}

static void convert_item(batch *b, rs_batch_item *it)
{
	rs_input in;
	rs_err err = {0};
	const unsigned char *p;
	size_t n;
	rs_session *s = NULL;
	const rs_format *fmt;
	if (open_item(it, &in, &err) || rs_input_peek(&in, &p, &n, &err)) {
		fail_item(it, RS_B_FAILED, err.msg);
	} else if (!(fmt = rs_format_detect(p, n))) {
		fail_item(it, RS_B_SKIPPED, "not a recognized profile format");
	} else {
		it->format = fmt->name;
		if (rs_load_input(&in, fmt, &s, NULL, &err))
			fail_item(it, RS_B_FAILED, err.msg);
		else
			export_item(b, it, s);
	}
	struct stat st;
	it->bytes_in = it->fs_path && stat(it->fs_path, &st) == 0 ? (uint64_t)st.st_size : it->len;
	rs_session_free(s);
	rs_input_close(&in);
	free(it->data); /* the input is no longer needed; keep memory bounded */
	it->data = NULL;
}

static void *worker(void *arg)
{
	batch *b = arg;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (b->next_job < b->n && b->items[b->next_job]->status != RS_B_PENDING)
			b->next_job++;
		if (b->next_job < b->n) {
			rs_batch_item *it = b->items[b->next_job++];
			pthread_mutex_unlock(&b->mu);
			rs_batch_item result = *it;
			result.status = RS_B_PENDING;
			convert_item(b, &result);
			pthread_mutex_lock(&b->mu);
			*it = result; /* published under the lock, read by the main thread */
			pthread_cond_signal(&b->done);
			continue;
		}
		if (!b->producing)
			break;
		pthread_cond_wait(&b->work, &b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* --- the main thread: producing, names, finishing in order --- */

/* Output names in use: an open-addressing set (batches can be large). */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static bool name_claim(batch *b, const char *name)
{
	if ((b->nnames + 1) * 2 > b->names_cap) {
		size_t cap = b->names_cap ? b->names_cap * 2 : 1024;
		char **t = rs_xcalloc(cap, sizeof *t);
		for (size_t i = 0; i < b->names_cap; i++)
			if (b->names[i]) {
				size_t j = name_hash(b->names[i]) & (cap - 1);
				while (t[j])
					j = (j + 1) & (cap - 1);
				t[j] = b->names[i];
			}
		free(b->names);
		b->names = t;
		b->names_cap = cap;
	}
	size_t j = name_hash(name) & (b->names_cap - 1);
	for (; b->names[j]; j = (j + 1) & (b->names_cap - 1))
		if (strcmp(b->names[j], name) == 0)
			return false;
	b->names[j] = rs_xstrdup(name);
	b->nnames++;
	return true;
}

/* a.json and a.pb.gz would both become a.<suffix>: the later one keeps its
 * whole name (a.pb.gz.<suffix>), so names stay deterministic and distinct. */
static void name_item(batch *b, rs_batch_item *it)
{
	const char *sfx = b->o->to->suffixes[0] ? b->o->to->suffixes : ".json";
	int slen = (int)strcspn(sfx, " ");
	it->out_rel = rs_batch_out_name(it->rel, b->o->to);
	for (int k = 1; !name_claim(b, it->out_rel); k++) {
		size_t n = strlen(it->rel) + (size_t)slen + 16;
		free(it->out_rel);
		it->out_rel = rs_xmalloc(n);
		if (k == 1)
			snprintf(it->out_rel, n, "%s%.*s", it->rel, slen, sfx);
		else
			snprintf(it->out_rel, n, "%s.%d%.*s", it->rel, k, slen, sfx);
	}
}

static const char *status_name(rs_batch_status st)
{
	static const char *const names[] = {"pending", "ok", "skipped", "failed", "refused"};
	return names[st];
}

static void draw_progress(batch *b, bool final)
{
	double t = now(), el = t - b->t0;
	if (!b->tty || (!final && t - b->last_draw < 0.1))
		return;
	b->last_draw = t;
	double frac = rs_batch_source_fraction(b->src);
	size_t done = b->written;
	char eta[32] = "";
	if (frac > 0.01 && frac < 1)
		snprintf(eta, sizeof eta, " ETA %.0fs", el / frac - el);
	int width = 24, fill = (int)(frac * width);
	fprintf(stderr, "\r[%.*s%*s] %zu files, %.1f MB, %.1f MB/s%s, %zu failed   ", fill,
		"########################", width - fill, "", done, (double)b->bytes / 1e6,
		el > 0 ? (double)b->bytes / 1e6 / el : 0, eta, b->counts[RS_B_FAILED] + b->counts[RS_B_REFUSED]);
	if (final)
		fputc('\n', stderr);
}

static void announce(const batch *b, const rs_batch_item *it)
{
	if (b->o->quiet || b->tty)
		return;
	if (it->status == RS_B_OK)
		fprintf(stderr, "ok      %s -> %s\n", it->rel, it->out_rel);
	else
		fprintf(stderr, "%-7s %s: %s\n", status_name(it->status), it->rel, it->error);
}

/* In input order: archive members are written, counts and progress kept. */
static void finish_item(batch *b, rs_batch_item *it)
{
	if (it->status == RS_B_OK && rs_batch_sink_is_archive(b->dst)) {
		rs_err err = {0};
		if (rs_batch_sink_add(b->dst, it->out_rel, it->out_data, it->out_len, &err))
			fail_item(it, RS_B_FAILED, err.msg);
	}
	it->bytes_out = it->out_len;
	free(it->out_data);
	it->out_data = NULL;
	b->counts[it->status]++;
	b->bytes += it->bytes_in;
	announce(b, it);
	draw_progress(b, false);
}

static bool produce(batch *b)
{
	rs_batch_item *it = rs_xcalloc(1, sizeof *it);
	bool more;
	rs_err err = {0};
	rs_batch_source_next(b->src, it, &more, &err);
	if (!more) {
		free(it);
		return false;
	}
	if (it->status == RS_B_PENDING)
		name_item(b, it);
	pthread_mutex_lock(&b->mu);
	RS_GROW(b->items, b->cap, b->n + 1);
	b->items[b->n++] = it;
	pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->mu);
	return true;
}

static void run_loop(batch *b)
{
	size_t window = (size_t)b->o->jobs * 2 + 1;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (b->written < b->n && b->items[b->written]->status != RS_B_PENDING) {
			rs_batch_item *it = b->items[b->written++];
			pthread_mutex_unlock(&b->mu);
			finish_item(b, it);
			pthread_mutex_lock(&b->mu);
		}
		if (!b->producing && b->written == b->n)
			break;
		if (b->producing && b->n - b->written < window) {
			pthread_mutex_unlock(&b->mu);
			bool more = produce(b);
			pthread_mutex_lock(&b->mu);
			if (!more) {
				b->producing = false;
				pthread_cond_broadcast(&b->work);
			}
			continue;
		}
		pthread_cond_wait(&b->done, &b->mu);
	}
	pthread_mutex_unlock(&b->mu);
}

/* --- the end: summary table, JSON report --- */

static void print_summary(const batch *b)
{
	if (b->o->quiet)
		return;
	size_t bad = b->counts[RS_B_FAILED] + b->counts[RS_B_REFUSED];
	fprintf(stderr, "\nbatch: %zu files in %.1f s: %zu converted, %zu skipped (not profiles), %zu failed, %zu refused\n",
		b->n, now() - b->t0, b->counts[RS_B_OK], b->counts[RS_B_SKIPPED], b->counts[RS_B_FAILED],
		b->counts[RS_B_REFUSED]);
	const rs_batch_status show[] = {RS_B_FAILED, RS_B_REFUSED, RS_B_SKIPPED};
	for (size_t k = 0; k < 3; k++) {
		if (!b->counts[show[k]])
			continue;
		fprintf(stderr, "%s:\n", status_name(show[k]));
		for (size_t i = 0; i < b->n; i++)
			if (b->items[i]->status == show[k])
				fprintf(stderr, "  %s: %s\n", b->items[i]->rel, b->items[i]->error);
	}
	if (bad)
		fprintf(stderr, "exit 5: some files failed\n");
}

static void report_item(rs_jw *w, const rs_batch_item *it)
{
	rs_jw_obj(w);
	rs_jw_key(w, "path");
	rs_jw_cstr(w, it->rel);
	rs_jw_key(w, "status");
	rs_jw_cstr(w, status_name(it->status));
	if (it->format) {
		rs_jw_key(w, "format");
		rs_jw_cstr(w, it->format);
	}
	if (it->status == RS_B_OK) {
		rs_jw_key(w, "output");
		rs_jw_cstr(w, it->out_rel);
	} else {
		rs_jw_key(w, "error");
		rs_jw_cstr(w, it->error);
	}
	rs_jw_key(w, "bytes_in");
	rs_jw_uint(w, it->bytes_in);
	rs_jw_key(w, "bytes_out");
	rs_jw_uint(w, it->bytes_out);
	rs_jw_obj_end(w);
}

static int write_report(const batch *b, rs_err *err)
{
	rs_output out;
	int rc = rs_output_open(&out, b->o->report, err);
	if (rc)
		return rc;
	rs_jw w;
	rs_jw_init_out(&w, &out);
	rs_jw_obj(&w);
	const char *keys[] = {"input", "output", "to"};
	const char *vals[] = {b->o->in, b->o->out, b->o->to->name};
	for (size_t i = 0; i < 3; i++) {
		rs_jw_key(&w, keys[i]);
		rs_jw_cstr(&w, vals[i]);
	}
	rs_jw_key(&w, "summary");
	rs_jw_obj(&w);
	for (int st = RS_B_OK; st <= RS_B_REFUSED; st++) {
		rs_jw_key(&w, status_name(st));
		rs_jw_uint(&w, b->counts[st]);
	}
	rs_jw_obj_end(&w);
	rs_jw_key(&w, "files");
	rs_jw_arr(&w);
	for (size_t i = 0; i < b->n; i++)
		report_item(&w, b->items[i]);
	rs_jw_arr_end(&w);
	rs_jw_obj_end(&w);
	rs_jw_newline(&w);
	rs_jw_finish(&w);
	return rs_output_commit(&out, err);
}

static void batch_free(batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		rs_batch_item_free(b->items[i]);
		free(b->items[i]);
	}
	free(b->items);
	for (size_t i = 0; i < b->names_cap; i++)
		free(b->names[i]);
	free(b->names);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->work);
	pthread_cond_destroy(&b->done);
}

int rs_batch_run(const rs_batch_opts *o, rs_err *err)
{
	batch b = {.o = o, .producing = true, .t0 = now(), .tty = isatty(2) && !o->quiet};
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.work, NULL);
	pthread_cond_init(&b.done, NULL);
	int rc = rs_batch_source_open(&b.src, o->in, err);
	if (!rc && (rc = rs_batch_sink_open(&b.dst, o->out, o->force, err)))
		rs_batch_source_close(b.src);
	if (rc) {
		batch_free(&b);
		return rc;
	}
	pthread_t *threads = rs_xcalloc((size_t)o->jobs, sizeof *threads);
	for (int i = 0; i < o->jobs; i++)
		pthread_create(&threads[i], NULL, worker, &b);
	run_loop(&b);
	for (int i = 0; i < o->jobs; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	draw_progress(&b, true);
	rs_batch_source_close(b.src);
	rc = rs_batch_sink_close(b.dst, true, err);
	print_summary(&b);
	if (!rc && o->report)
		rc = write_report(&b, err);
	if (!rc && b.counts[RS_B_FAILED] + b.counts[RS_B_REFUSED])
		rc = RS_EBATCH;
	batch_free(&b);
	return rc;
}
