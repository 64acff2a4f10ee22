/* One long array read on two threads (see rs_jr_split in json_read.h).
 *
 * The second thread guesses an element start S at first_share_pct of the
 * file ("}" "," "{" with whitespace between) and parses from there as if
 * "[" came first. Its first element [S, E) belongs to the first thread; it
 * only tells where that element ends. The guess needs no proof: the first
 * thread reads exactly up to E and accepts the split only if a container of
 * the split array's elements closed exactly at E. From a point both parsers
 * agree is "between elements" they read the same tokens, so every record
 * after E is what the first thread would have read itself. The records are
 * handed over in blocks while the second thread still works; the first
 * replays them, skips their bytes, and reads on from the end of the last
 * record: the rest of the file, or from wherever the second thread stopped
 * (an error, an element without a record, the end of the input). */
#include "json_read_impl.h"

#include "xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum {
	BLOCK_BYTES = 1 << 20,       /* records handed over at a time */
	SPARE_BLOCKS = 8,            /* kept for reuse */
	FIRST_ELEMENT_MAX = 1 << 20, /* a longer "first element" means a bad guess */
};

/* Records, each: end offset (8 bytes), length (4), the record. */
typedef struct jr_block {
	struct jr_block *next;
	size_t len, cap;
	unsigned char data[];
} jr_block;

struct jr_split_run {
	const rs_jr_split *sp;
	const char *path;
	uint64_t start;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_bool cancel;
	bool joined;
	double t0, t_second; /* when the split started and the second thread ended (s) */
	/* under mu */
	uint64_t first_end; /* E; 0 until known */
	bool finished;
	jr_block *head, *tail;
	jr_block *spare; /* a few replayed blocks, for reuse: fresh memory costs page faults */
	size_t nspare;
	/* the second thread's own */
	jr_block *cur;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Blocks are mapped and unmapped, not malloc'd: freed, they leave the
 * process, so the records waiting at the split's peak do not stay in the
 * peak memory of the session built after. */
static jr_block *block_new(size_t cap)
{
	void *p = mmap(NULL, sizeof(jr_block) + cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	jr_block *b = p;
	*b = (jr_block){.cap = cap};
	return b;
}

static void block_free(jr_block *b)
{
	if (b)
		munmap(b, sizeof *b + b->cap);
}

/* --- the second thread --- */

static void publish(jr_split_run *run, bool finished)
{
	pthread_mutex_lock(&run->mu);
	if (run->cur && run->cur->len) {
		if (run->tail)
			run->tail->next = run->cur;
		else
			run->head = run->cur;
		run->tail = run->cur;
		run->cur = NULL;
	}
	run->finished |= finished;
	pthread_cond_broadcast(&run->cv);
	pthread_mutex_unlock(&run->mu);
}

int jr_second_next(rs_jr *r)
{
	jr_split_run *run = r->second;
	if (r->lv[0].index < 0)
		return 0;
	if (r->lv[0].index == 0) {
		if (r->last_close <= run->start)
			return -1; /* a scalar: not where an element starts */
		pthread_mutex_lock(&run->mu);
		run->first_end = r->last_close;
		pthread_cond_broadcast(&run->cv);
		pthread_mutex_unlock(&run->mu);
		return 0;
	}
	if (!r->emitted)
		return -1;
	r->emitted = false;
	return 0;
}

void rs_jr_emit(rs_jr *r, const void *rec, size_t len)
{
	jr_split_run *run = r->second;
	if (!run || r->nlv != 1 || r->lv[0].index < 1 || r->emitted || len > UINT32_MAX)
		return;
	uint64_t end = r->chunk_base + yajl_get_bytes_consumed(r->y);
	size_t need = 12 + len;
	if (run->cur && run->cur->len + need > run->cur->cap)
		publish(run, false);
	if (!run->cur && need <= BLOCK_BYTES) {
		pthread_mutex_lock(&run->mu);
		if ((run->cur = run->spare)) {
			run->spare = run->cur->next, run->nspare--;
			run->cur->next = NULL, run->cur->len = 0;
		}
		pthread_mutex_unlock(&run->mu);
	}
	if (!run->cur && !(run->cur = block_new(need > BLOCK_BYTES ? need : BLOCK_BYTES)))
		return; /* out of memory: no record, so the second thread's share ends here */
	unsigned char *p = run->cur->data + run->cur->len;
	uint32_t n = (uint32_t)len;
	memcpy(p, &end, 8);
	memcpy(p + 8, &n, 4);
	memcpy(p + 12, rec, len);
	run->cur->len += need;
	r->emitted = true;
}

static void second_parse(jr_split_run *run, int fd)
{
	rs_err err = {0};
	rs_input in = {.path = (char *)run->path, .fd = -1};
	rs_jr r = {.h = run->sp->h, .ctx = run->sp->ctx, .in = &in, .err = &err, .second = run};
	r.y = yajl_alloc(&jr_callbacks, NULL, &r);
	r.chunk_base = run->start;
	r.buf_base = run->start;
	bool ok = jr_feed(&r, (const unsigned char *)"[", 1) == 0 && r.nlv == 1;
	for (uint64_t pos = run->start; ok && !atomic_load(&run->cancel);) {
		unsigned char *chunk = jr_next_chunk(&r, JR_CHUNK);
		ssize_t got = pread(fd, chunk, JR_CHUNK, (off_t)pos);
		if (got <= 0)
			break;
		r.chunk_base = pos;
		r.buf_len += (size_t)got;
		pos += (uint64_t)got;
		if (jr_feed(&r, chunk, (size_t)got))
			break;
		if (r.lv[0].index <= 0 && pos - run->start > FIRST_ELEMENT_MAX)
			break;
	}
	jr_release(&r);
}

static void *second_main(void *arg)
{
	jr_split_run *run = arg;
	int fd = open(run->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		second_parse(run, fd);
		close(fd);
	}
	run->t_second = now();
	publish(run, true);
	return NULL;
}

/* --- the first thread --- */

/* The first "{" after "}" "," (whitespace between) in a window at off. */
static bool guess_start(int fd, uint64_t off, uint64_t *start)
{
	unsigned char w[JR_CHUNK];
	ssize_t n = pread(fd, w, sizeof w, (off_t)off);
	for (ssize_t i = 0; i < n; i++) {
		if (w[i] != '{')
			continue;
		ssize_t j = i - 1;
		while (j >= 0 && jr_space(w[j]))
			j--;
		if (j < 0 || w[j] != ',')
			continue;
		j--;
		while (j >= 0 && jr_space(w[j]))
			j--;
		if (j >= 0 && w[j] == '}') {
			*start = off + (uint64_t)i;
			return true;
		}
	}
	return false;
}

static void free_blocks(jr_block *b)
{
	for (jr_block *next; b; b = next) {
		next = b->next;
		block_free(b);
	}
}

/* Stops the second thread (it checks cancel between reads) and waits for it. */
static void run_join(jr_split_run *run)
{
	if (run->joined)
		return;
	atomic_store(&run->cancel, true);
	pthread_join(run->thread, NULL);
	run->joined = true;
}

static void run_free(jr_split_run *run)
{
	run_join(run);
	free_blocks(run->head);
	free_blocks(run->spare);
	block_free(run->cur);
	pthread_cond_destroy(&run->cv);
	pthread_mutex_destroy(&run->mu);
	free(run);
}

void jr_split_start(rs_jr *r, const rs_jr_split *sp)
{
	rs_input *in = r->in;
	uint64_t size, start;
	if (!jr_plain_file(in, jr_split_min(RS_JR_SPLIT_MIN), &size) ||
	    !guess_start(in->fd, size / 100 * sp->first_share_pct, &start))
		return;
	jr_split_run *run = rs_xmalloc(sizeof *run);
	*run = (jr_split_run){.sp = sp, .path = in->path, .start = start, .t0 = now()};
	pthread_mutex_init(&run->mu, NULL);
	pthread_cond_init(&run->cv, NULL);
	if (pthread_create(&run->thread, NULL, second_main, run)) {
		run->joined = true; /* nothing to join */
		run_free(run);
		return;
	}
	pthread_mutex_lock(&run->mu);
	while (!run->first_end && !run->finished)
		pthread_cond_wait(&run->cv, &run->mu);
	bool found = run->first_end != 0;
	pthread_mutex_unlock(&run->mu);
	if (found)
		r->run = run;
	else
		run_free(run);
}

/* The next block of records, waiting for it; NULL when there are no more.
 * done, the block replayed before, goes back for reuse. */
static jr_block *next_block(jr_split_run *run, jr_block *done)
{
	pthread_mutex_lock(&run->mu);
	if (done && done->cap == BLOCK_BYTES && run->nspare < SPARE_BLOCKS) {
		done->next = run->spare, run->spare = done, done = NULL;
		run->nspare++;
	}
	while (!run->head && !run->finished)
		pthread_cond_wait(&run->cv, &run->mu);
	jr_block *b = run->head;
	if (b && !(run->head = b->next))
		run->tail = NULL;
	pthread_mutex_unlock(&run->mu);
	block_free(done);
	return b;
}

/* Replays the records; *end gets where the last one ended. */
static int replay_all(rs_jr *r, jr_split_run *run, uint64_t *end)
{
	for (jr_block *b = NULL; (b = next_block(run, b));) {
		for (size_t at = 0; at < b->len;) {
			uint32_t n;
			memcpy(&n, b->data + at + 8, 4);
			if (jr_before_value(r) ||
			    !jr_handler_ok(r, run->sp->replay(r, r->ctx, b->data + at + 12, n))) {
				block_free(b);
				return r->rc ? r->rc : RS_EINPUT;
			}
			memcpy(end, b->data + at, 8);
			at += 12 + n;
		}
	}
	return 0;
}

int jr_split_step(rs_jr *r, size_t *want)
{
	jr_split_run *run = r->run;
	uint64_t pos = r->buf_base + r->buf_len;
	if (pos < run->first_end) {
		if (run->first_end - pos < *want)
			*want = (size_t)(run->first_end - pos);
		return 0;
	}
	r->run = NULL;
	const jr_level *l = r->nlv ? &r->lv[r->nlv - 1] : NULL;
	bool agree = pos == run->first_end && r->last_close == pos && l && l->is_array &&
		     l->tag == run->sp->tag && !r->capture_depth && !r->skip_depth;
	uint64_t end = pos;
	double t_here = now(), run_t0 = run->t0, run_t2;
	int rc = agree ? replay_all(r, run, &end) : 0;
	run_join(run); /* a refused split or a failed replay: stop the second thread now */
	run_t2 = run->t_second;
	run_free(run);
	if (getenv("RUSTSCOPE_SPLIT_TRACE")) /* for tests, and to tune first_share_pct */
		fprintf(stderr, "rustscope: split at byte %llu: %s, records to byte %llu (ms: first "
			"thread there %.0f, second done %.0f, replayed %.0f)\n",
			(unsigned long long)pos, agree ? "taken" : "refused", (unsigned long long)end,
			(t_here - run_t0) * 1e3, (run_t2 - run_t0) * 1e3, (now() - run_t0) * 1e3);
	return rc ? rc : end > pos ? jr_skip_to(r, pos, end) : 0;
}

void jr_split_end(rs_jr *r)
{
	if (r->run)
		run_free(r->run);
	r->run = NULL;
}
