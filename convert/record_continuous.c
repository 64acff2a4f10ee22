/* rustscope record --continuous: always-on recording into a bounded ring.
 *
 * A reader thread drains the perf ring buffers and hands each record over
 * through a lock-free SPSC ring (lib/spsc.h), so reading perf never waits
 * for unwinding or for a flush; a record that finds no room is counted as
 * lost. The main thread unwinds and interns each sample into the window
 * (sampler/ring.h: samples and /proc counter points, bounded in bytes and
 * in time), and answers signals: SIGUSR1 writes the window as a file,
 * SIGUSR2 clears it, SIGINT/SIGTERM/SIGHUP write a last file and end. */
#include "../lib/output.h"
#include "../lib/spsc.h"
#include "../lib/strbuf.h"
#include "../lib/warn.h"
#include "../lib/xalloc.h"
#include "../schema/correlate.h"
#include "record.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { SPSC_BYTES = 8 << 20 };

static volatile sig_atomic_t flush_asked, clear_asked;
static void on_usr1(int sig) { (void)sig; flush_asked = 1; }
static void on_usr2(int sig) { (void)sig; clear_asked = 1; }

typedef struct reader {
	rs_perf *p;
	rs_spsc q;
	int wake; /* eventfd: records were handed over */
	atomic_bool stop;
	atomic_ullong dropped; /* records that found the SPSC ring full */
	pthread_t th;
} reader;

/* The reader thread: perf rings → SPSC ring, never blocking on the consumer. */
static void *read_main(void *arg)
{
	reader *rd = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the main thread's */
	while (!atomic_load(&rd->stop)) {
		rs_perf_wait(rd->p, 100);
		size_t n = rs_perf_drain(rd->p);
		for (size_t i = 0; i < n; i++)
			if (!rs_spsc_push(&rd->q, rd->p->recs[i].hdr, rd->p->recs[i].hdr->size))
				atomic_fetch_add(&rd->dropped, 1);
		uint64_t one = 1;
		if (n && write(rd->wake, &one, sizeof one) < 0)
			continue; /* the counter is full: the main thread is awake anyway */
	}
	return NULL;
}

/* Records everything the reader has handed over. */
static void consume(reader *rd, rs_recorder *r)
{
	uint64_t type = rs_perf_sample_type(&rd->p->cfg), mask = rs_perf_regs_mask(&rd->p->cfg);
	size_t n;
	const void *rec;
	while ((rec = rs_spsc_peek(&rd->q, &n))) {
		rs_recorder_record(r, rec, type, mask);
		rs_spsc_pop(&rd->q);
	}
}

int rs_record_check_dir(const record_opts *o, rs_err *err)
{
	const char *dir = o->output_dir ? o->output_dir : ".";
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return rs_fail(err, RS_EIO, "--output-dir %s: not a directory", dir);
	if (access(dir, W_OK | X_OK))
		return rs_fail(err, RS_EIO, "--output-dir %s: cannot write there: %s", dir, strerror(errno));
	return 0;
}

/* The /proc counters read into scratch (its lanes' names), moved into the ring. */
static void sample_counters(rs_procstat *ps, rs_session *scratch, rs_ring *ring, int64_t mono)
{
	rs_procstat_sample(ps, scratch, mono);
	for (size_t l = 0; l < scratch->ncounters; l++) {
		rs_counter *c = &scratch->counters[l];
		for (size_t k = 0; k < c->n; k++) {
			rs_ring_entry e = {.is_point = true, .t_ns = c->t_ns[k], .lane = (uint32_t)l,
					   .value = c->value[k]};
			rs_ring_add(ring, &e);
		}
		c->n = 0;
	}
}

/* The counter points in the ring, as lanes of s named after scratch's. */
static void ring_counters(const rs_ring *ring, const rs_session *scratch, rs_session *s, int64_t offset)
{
	size_t base = s->ncounters;
	for (size_t l = 0; l < scratch->ncounters; l++)
		rs_counter_new(s, rs_intern_cstr(s, rs_s(scratch, scratch->counters[l].name)),
			       rs_intern_cstr(s, rs_s(scratch, scratch->counters[l].unit)));
	rs_ring_iter it = {0};
	rs_ring_entry e;
	while (rs_ring_next(ring, &it, &e))
		if (e.is_point && e.lane < scratch->ncounters)
			rs_counter_point(&s->counters[base + e.lane], e.t_ns + offset, e.value);
}

typedef struct snapshot {
	int64_t start, end;
	rs_strbuf hot, deltas;
} snapshot;

/* The snapshots of s that have samples: one index of the samples serves
 * every window (s is only read while it lives). */
static snapshot *snapshots_of(const rs_session *s, const record_opts *o, size_t *n)
{
	int64_t first, last, step = (int64_t)(o->snapshot_s * 1e9), pad = (int64_t)(o->padding_ms * 1e6);
	snapshot *v = NULL;
	size_t cap = 0;
	*n = 0;
	if (step <= 0 || !rs_session_time_span(s, &first, &last))
		return NULL;
	rs_timeline *tl = rs_timeline_new(s);
	for (int64_t t = first; t <= last; t += step) {
		RS_GROW(v, cap, *n + 1);
		snapshot *x = &v[*n];
		*x = (snapshot){.start = t - pad, .end = t + step + pad};
		if (rs_timeline_hotspots_json(tl, x->start, x->end, 10, &x->hot) || x->hot.len <= 2) {
			rs_sb_free(&x->hot); /* "[]": a quiet interval */
			continue;
		}
		rs_counter_deltas_json(s, x->start, x->end, &x->deltas);
		++*n;
	}
	rs_timeline_free(tl);
	return v;
}

/* One window per --snapshot-interval, with its hottest functions. */
static void add_snapshots(rs_session *s, const record_opts *o)
{
	size_t n;
	snapshot *v = o->snapshots ? snapshots_of(s, o, &n) : NULL;
	for (size_t i = 0; v && i < n; i++) {
		rs_window *w = rs_window_new(s);
		w->start_ns = v[i].start;
		w->end_ns = v[i].end;
		w->trigger = rs_intern_cstr(s, "snapshot");
		w->hotspots = rs_intern(s, v[i].hot.buf, v[i].hot.len);
		w->counter_deltas = v[i].deltas.len ? rs_intern(s, v[i].deltas.buf, v[i].deltas.len) : 0;
		rs_sb_free(&v[i].hot);
		rs_sb_free(&v[i].deltas);
	}
	free(v);
}

typedef struct cont {
	const record_opts *o;
	rs_perf *p;
	rs_recorder *r;
	rs_procstat *ps;
	target *t;
	reader *rd;
	rs_ring *ring;
	rs_session *scratch; /* /proc lanes, emptied into the ring */
	int64_t offset, started_real;
	unsigned files;
} cont;

/* DIR/NAME-20261204T194512.123Z.EXT */
static void file_name(const cont *c, const rs_session *s, const rs_format *f, char *buf, size_t n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof when, "%Y%m%dT%H%M%S", &tm);
	char ext[32];
	snprintf(ext, sizeof ext, "%s", f->suffixes ? f->suffixes : ".out");
	ext[strcspn(ext, " ")] = 0;
	snprintf(buf, n, "%s/%s-%s.%03ldZ%s", c->o->output_dir ? c->o->output_dir : ".", rs_s(s, s->info.name),
		 when, ts.tv_nsec / 1000000, ext);
}

/* Writes the window as a file and says where on stderr. */
static int flush(cont *c, const char *why, rs_err *err)
{
	int64_t t0 = rs_now_ns(CLOCK_MONOTONIC);
	rs_session *s = rs_session_new();
	ring_counters(c->ring, c->scratch, s, c->offset);
	char more[512];
	snprintf(more, sizeof more,
		 ",\"continuous\":{\"buffer_bytes\":%llu,\"used_bytes\":%llu,\"retention_seconds\":%g,"
		 "\"evicted_entries\":%llu,\"handover_lost\":%llu,\"file\":%u}",
		 (unsigned long long)c->ring->cap, (unsigned long long)rs_ring_used(c->ring), c->o->retention_s,
		 (unsigned long long)c->ring->evicted, (unsigned long long)atomic_load(&c->rd->dropped),
		 c->files + 1);
	int64_t start = c->ring->entries ? c->ring->tail_us * 1000 + c->offset : rs_now_ns(CLOCK_REALTIME);
	rs_record_session(s, c->o, c->r, c->p, c->ps, c->t, start, rs_now_ns(CLOCK_REALTIME), c->offset, why,
			  more, NULL);
	add_snapshots(s, c->o);
	const rs_format *f = rs_format_find(c->o->continuous_format ? c->o->continuous_format : "session");
	char path[4096];
	file_name(c, s, f, path, sizeof path);
	rs_output out;
	int rc = rs_output_open(&out, path, err);
	if (!rc)
		rc = rs_export_to(s, &out, f, err);
	if (!rc) {
		c->files++;
		fprintf(stderr, "rustscope record: wrote %s (%zu samples, %.3f s)\n", path, s->samples.n,
			(double)(rs_now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
	}
	rs_session_free(s);
	return rc;
}

static void status_line(const cont *c)
{
	fprintf(stderr, "rustscope record: continuous, %llu entries in the window (%llu of %llu bytes), "
		"%llu evicted, %llu lost\n", (unsigned long long)c->ring->entries,
		(unsigned long long)rs_ring_used(c->ring), (unsigned long long)c->ring->cap,
		(unsigned long long)c->ring->evicted,
		(unsigned long long)(c->r->lost + c->r->lost_samples + atomic_load(&c->rd->dropped)));
}

/* Until the target ends, --duration, or a stop signal; flushes and clears
 * on request. Returns why it stopped. */
static const char *loop(cont *c, int64_t mono0, rs_err *err, int *rc)
{
	const record_opts *o = c->o;
	int64_t deadline = o->duration > 0 ? mono0 + (int64_t)(o->duration * 1e9) : INT64_MAX;
	int64_t step = (int64_t)o->interval_ms * 1000000, next_stat = mono0, next_status = mono0 + 1000000000;
	for (;;) {
		consume(c->rd, c->r);
		int64_t now = rs_now_ns(CLOCK_MONOTONIC);
		if (now >= next_stat) {
			sample_counters(c->ps, c->scratch, c->ring, now);
			next_stat = next_stat + step > now ? next_stat + step : now + step;
		}
		if (now >= next_status) {
			rs_recorder_warm(c->r); /* new code paths' symbols, before a flush needs them */
			if (o->verbose)
				status_line(c);
			next_status += 1000000000;
		}
		if (clear_asked) {
			clear_asked = 0;
			rs_ring_clear(c->ring);
			fprintf(stderr, "rustscope record: window cleared (SIGUSR2)\n");
		}
		if (flush_asked) {
			flush_asked = 0;
			if ((*rc = flush(c, "SIGUSR1", err)))
				return "error";
		}
		if (rs_record_stop)
			return "signal";
		if (now >= deadline)
			return "duration";
		if (!rs_target_alive(c->t))
			return "target exit";
		/* asleep until records come, the next /proc or status tick, or a signal */
		int64_t until = next_stat < next_status ? next_stat : next_status;
		until = until < deadline ? until : deadline;
		struct pollfd pf = {.fd = c->rd->wake, .events = POLLIN};
		uint64_t n;
		int ms = until > now ? (int)((until - now) / 1000000) + 1 : 0;
		if (poll(&pf, 1, ms) > 0 && read(c->rd->wake, &n, sizeof n) < 0)
			continue;
	}
}

int rs_record_continuous(const record_opts *o, rs_perf *p, rs_recorder *r, rs_procstat *ps, target *t,
			 int64_t mono0, int64_t offset, rs_err *err)
{
	reader rd = {.p = p, .wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
	if (rd.wake < 0)
		return rs_fail(err, RS_EIO, "eventfd: %s", strerror(errno));
	rs_spsc_init(&rd.q, SPSC_BYTES);
	atomic_init(&rd.stop, false);
	atomic_init(&rd.dropped, 0);
	cont c = {.o = o, .p = p, .r = r, .ps = ps, .t = t, .rd = &rd, .scratch = rs_session_new(),
		  .offset = offset};
	c.ring = rs_xmalloc(sizeof *c.ring);
	rs_ring_init(c.ring, (size_t)(o->buffer_mb * 1048576), (int64_t)(o->retention_s * 1e9));
	r->ring = c.ring;
	struct sigaction sa = {0};
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	int rc = 0;
	bool reading = pthread_create(&rd.th, NULL, read_main, &rd) == 0;
	if (!reading)
		rc = rs_fail(err, RS_EIO, "cannot start the perf reader thread");
	const char *why = rc ? "error" : loop(&c, mono0, err, &rc);
	if (reading) {
		atomic_store(&rd.stop, true);
		pthread_join(rd.th, NULL);
	}
	rs_perf_disable(p);
	rs_record_drain(p, r);
	consume(&rd, r);
	rs_record_stop_target(t, why);
	bool last = !rc && (strcmp(why, "target exit") || o->flush_on_exit);
	if (last)
		rc = flush(&c, why, err);
	r->ring = NULL;
	rs_ring_free(c.ring);
	free(c.ring);
	rs_spsc_free(&rd.q);
	close(rd.wake);
	rs_session_free(c.scratch);
	return rc;
}
