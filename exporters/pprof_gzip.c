/* Parallel gzip for exporters/pprof.c (see pprof_gzip.h).
 *
 * The caller's thread fills chunk slots in order; workers take filled
 * slots in order and deflate them; the caller writes finished slots in
 * order and reuses them, so at most NSLOTS chunks are in memory. Streams
 * that fit in one chunk are deflated on the caller's thread (no threads
 * for small profiles). Independent chunks cost well under 1% of size. */
#include "pprof_gzip.h"

#include "../lib/xalloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

/* 1 MiB chunks: the workers start after the first MiB, and what is left
 * to deflate after the last write (at most NSLOTS chunks) is short. */
enum { CHUNK = 1 << 20, NSLOTS = 8, NWORKERS = 2 };
enum { FREE, READY, BUSY, DONE };

typedef struct slot {
	unsigned char *in, *out;
	size_t nin, nout, outcap;
	uLong crc;
	bool last;
	int state;
} slot;

struct rs_pgz {
	rs_output *out;
	int level;
	slot slots[NSLOTS];
	/* sequence numbers; slot of seq k is slots[k % NSLOTS] */
	size_t fill, take, write;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th[NWORKERS];
	int nth;
	bool quit, zfail, started;
	z_stream own; /* the caller's stream when there are no workers */
	bool own_init;
	uLong crc;
	uint64_t total;
};

/* Raw deflate of one chunk: a sync flush keeps it byte-aligned and not
 * final, so the next chunk's blocks follow it; the last one finishes. */
static bool deflate_chunk(z_stream *z, slot *sl)
{
	if (deflateReset(z) != Z_OK)
		return false;
	size_t need = deflateBound(z, (uLong)sl->nin) + 64;
	if (need > sl->outcap) {
		free(sl->out);
		sl->out = rs_xmalloc(need);
		sl->outcap = need;
	}
	z->next_in = sl->in;
	z->avail_in = (uInt)sl->nin;
	z->next_out = sl->out;
	z->avail_out = (uInt)sl->outcap;
	int rc = deflate(z, sl->last ? Z_FINISH : Z_SYNC_FLUSH);
	sl->nout = sl->outcap - z->avail_out;
	sl->crc = crc32(0, sl->in, (uInt)sl->nin);
	return sl->last ? rc == Z_STREAM_END : rc == Z_OK && z->avail_in == 0;
}

/* An 8 KiB window instead of 32 KiB: on profile.proto data level 1 then
 * deflates about 15% faster (its tables stay in cache) for about 1% more
 * bytes. Any inflater reads it; the window is not in the gzip header. */
enum { WINDOW_BITS = 13 };

static bool stream_init(z_stream *z, int level)
{
	memset(z, 0, sizeof *z);
	return deflateInit2(z, level, Z_DEFLATED, -WINDOW_BITS, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

static void *worker(void *arg)
{
	rs_pgz *g = arg;
	z_stream z;
	bool ok = stream_init(&z, g->level);
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->quit && g->take == g->fill)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->take == g->fill)
			break; /* quit and nothing left */
		slot *sl = &g->slots[g->take++ % NSLOTS];
		sl->state = BUSY;
		pthread_mutex_unlock(&g->mu);
		bool done = ok && deflate_chunk(&z, sl);
		pthread_mutex_lock(&g->mu);
		g->zfail |= !done;
		sl->state = DONE;
		pthread_cond_broadcast(&g->cv);
	}
	pthread_mutex_unlock(&g->mu);
	if (ok)
		deflateEnd(&z);
	return NULL;
}

rs_pgz *rs_pgz_open(rs_output *out, int level)
{
	rs_pgz *g = rs_xcalloc(1, sizeof *g);
	g->out = out;
	g->level = level;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	for (int i = 0; i < NSLOTS; i++)
		g->slots[i].in = rs_xmalloc(CHUNK);
	/* gzip header: deflate, no name, mtime 0, fastest, Unix */
	static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};
	rs_output_write(out, hdr, sizeof hdr);
	return g;
}

/* Writes the oldest finished slot and frees it; the lock is held. */
static void write_done(rs_pgz *g, slot *sl)
{
	pthread_mutex_unlock(&g->mu);
	rs_output_write(g->out, sl->out, sl->nout);
	g->crc = crc32_combine(g->crc, sl->crc, (z_off_t)sl->nin);
	g->total += sl->nin;
	pthread_mutex_lock(&g->mu);
	sl->state = FREE;
	sl->nin = 0;
	g->write++;
}

/* Deflates on this thread: no workers (one chunk, or none could start). */
static void deflate_here(rs_pgz *g, slot *sl)
{
	if (!g->own_init && stream_init(&g->own, g->level))
		g->own_init = true;
	g->zfail |= !g->own_init || !deflate_chunk(&g->own, sl);
	sl->state = DONE;
}

static void start_workers(rs_pgz *g)
{
	g->started = true;
	for (int i = 0; i < NWORKERS; i++)
		if (pthread_create(&g->th[g->nth], NULL, worker, g) == 0)
			g->nth++;
}

/* Hands the slot being filled to the workers and waits until the next one
 * is free, writing finished slots meanwhile. */
static void submit(rs_pgz *g, bool last)
{
	if (!last && !g->started)
		start_workers(g);
	pthread_mutex_lock(&g->mu);
	slot *sl = &g->slots[g->fill % NSLOTS];
	sl->last = last;
	sl->state = READY;
	if (g->nth == 0) {
		g->take++;
		deflate_here(g, sl);
	}
	g->fill++;
	pthread_cond_broadcast(&g->cv);
	for (;;) {
		slot *old = &g->slots[g->write % NSLOTS];
		if (g->write < g->fill && old->state == DONE)
			write_done(g, old);
		else if (last ? g->write == g->fill : g->slots[g->fill % NSLOTS].state == FREE)
			break;
		else
			pthread_cond_wait(&g->cv, &g->mu);
	}
	pthread_mutex_unlock(&g->mu);
}

void rs_pgz_write(rs_pgz *g, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n) {
		slot *sl = &g->slots[g->fill % NSLOTS];
		size_t k = CHUNK - sl->nin < n ? CHUNK - sl->nin : n;
		memcpy(sl->in + sl->nin, b, k);
		sl->nin += k;
		b += k;
		n -= k;
		if (sl->nin == CHUNK)
			submit(g, false);
	}
}

int rs_pgz_close(rs_pgz *g)
{
	submit(g, true);
	pthread_mutex_lock(&g->mu);
	g->quit = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	for (int i = 0; i < g->nth; i++)
		pthread_join(g->th[i], NULL);
	unsigned char trailer[8];
	for (int i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(g->crc >> 8 * i);
		trailer[4 + i] = (unsigned char)(g->total >> 8 * i);
	}
	rs_output_write(g->out, trailer, sizeof trailer);
	int rc = g->zfail ? -1 : 0;
	if (g->own_init)
		deflateEnd(&g->own);
	for (int i = 0; i < NSLOTS; i++) {
		free(g->slots[i].in);
		free(g->slots[i].out);
	}
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
	return rc;
}
