/* Each thread's queue of chunks on their way to the pipe.
 *
 * A thread fills one chunk at a time; a full chunk (or one older than
 * FLUSH_NS) is sealed and queued, and queued chunks are written oldest
 * first for as long as the pipe takes them. When the recorder falls
 * behind (its reader waits for a CPU the program's threads hold), chunks
 * wait in the queue instead of being dropped; only a full queue drops, and
 * counts, the chunk being sealed. No write ever waits, except at exit.
 *
 * The owner and the exit flush share a busy flag per queue; threads never
 * touch each other's. Queues are mmap'd and reused after their thread
 * ends, once empty; their pages are touched only as far as a backlog
 * reaches. */
#include "shim.h"

#include "alloc_wire.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { QUEUE = 1024, FLUSH_NS = 50 * 1000 * 1000, EXIT_WAIT_MS = 1000 };

struct rs_tbuf {
	struct rs_tbuf *next; /* every queue ever made, for the exit flush */
	atomic_int busy;
	atomic_int owned; /* a live thread has it */
	int tid;
	uint32_t head, tail; /* sealed chunks waiting: [head, tail) */
	uint32_t len, nevents; /* of the chunk being filled, slot tail */
	uint32_t lens[QUEUE], counts[QUEUE];
	uint64_t first_ns; /* of the filling chunk's first event */
	unsigned char slot[QUEUE][RS_AW_CHUNK];
};

static atomic_int pipe_fd = -1;
static int cur_pid;
static _Atomic(rs_tbuf *) queues;
static atomic_uint_fast64_t dropped;

void rs_queue_init(int fd, int pid)
{
	atomic_store(&pipe_fd, fd);
	cur_pid = pid;
}

/* Never write again, nor sample: the descriptor is no longer the pipe. */
static void pipe_gone(void)
{
	atomic_store(&pipe_fd, -1);
	atomic_store(&rs_active, false);
}

void rs_queue_dropped(uint64_t events)
{
	atomic_fetch_add(&dropped, events);
}

static void acquire(rs_tbuf *b)
{
	for (int e = 0; !atomic_compare_exchange_weak(&b->busy, &e, 1); e = 0)
		sched_yield();
}

static void release(rs_tbuf *b)
{
	atomic_store(&b->busy, 0);
}

static unsigned char *filling(rs_tbuf *b)
{
	return b->slot[b->tail % QUEUE];
}

/* Milliseconds left of the exit flush's one wait (EXIT_WAIT_MS for all
 * queues together: with the recorder gone, each would wait in vain). */
static int exit_wait_left(int64_t deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t left = deadline - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	return left > 0 ? (int)left : 0;
}

/* Writes waiting chunks while the pipe takes them; with an exit deadline
 * (ms, CLOCK_MONOTONIC; 0: none), waits for room until then rather than
 * leave any. */
static void send(rs_tbuf *b, int64_t deadline)
{
	while (b->head != b->tail) {
		uint32_t i = b->head % QUEUE;
		int fd = atomic_load_explicit(&pipe_fd, memory_order_relaxed);
		ssize_t w = fd >= 0 ? write(fd, b->slot[i], b->lens[i]) : -1;
		if (w == (ssize_t)b->lens[i]) {
			b->head++;
			continue;
		}
		if (w < 0 && fd >= 0 && errno != EAGAIN && errno != EINTR)
			pipe_gone(); /* closed by the program, say: its number may be reused */
		struct pollfd p = {fd, POLLOUT, 0};
		if (w >= 0 || fd < 0 || !deadline || poll(&p, 1, exit_wait_left(deadline)) <= 0)
			break;
	}
}

/* Closes the filling chunk: queued, or dropped when the queue is full. */
static void seal(rs_tbuf *b)
{
	if (!b->nevents)
		return;
	uint32_t i = b->tail % QUEUE;
	rs_aw_chunk h = {RS_AW_MAGIC, b->len, cur_pid, b->tid, 0};
	if (b->tail - b->head == QUEUE - 1) { /* the last slot stays free for filling */
		atomic_fetch_add(&dropped, b->nevents);
	} else {
		h.dropped = atomic_exchange(&dropped, 0);
		memcpy(b->slot[i], &h, sizeof h);
		b->lens[i] = b->len;
		b->counts[i] = b->nevents;
		b->tail++;
	}
	b->len = sizeof h;
	b->nevents = 0;
}

static void reset(rs_tbuf *b, int tid)
{
	b->tid = tid;
	b->head = b->tail = 0;
	b->len = sizeof(rs_aw_chunk);
	b->nevents = 0;
	atomic_store(&b->busy, 0);
}

/* A queue no thread owns, once what its last thread left is sent. */
static bool take_free(rs_tbuf *b)
{
	int e = 0;
	if (!atomic_compare_exchange_strong(&b->owned, &e, 1))
		return false;
	acquire(b);
	send(b, 0);
	bool empty = b->head == b->tail;
	release(b);
	if (!empty)
		atomic_store(&b->owned, 0);
	return empty;
}

rs_tbuf *rs_tbuf_get(int tid)
{
	rs_tbuf *b;
	for (b = atomic_load(&queues); b; b = b->next)
		if (take_free(b))
			break;
	if (!b) {
		b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED)
			return NULL;
		atomic_store(&b->owned, 1);
		b->next = atomic_load(&queues);
		while (!atomic_compare_exchange_weak(&queues, &b->next, b))
			;
	}
	acquire(b); /* an exit flush may still hold it */
	reset(b, tid);
	return b;
}

void rs_tbuf_append(rs_tbuf *b, const rs_aw_event *ev, const uint64_t *pcs)
{
	size_t need = sizeof *ev + ev->nframes * sizeof *pcs;
	acquire(b);
	if (b->len + need > RS_AW_CHUNK)
		seal(b);
	if (!b->nevents)
		b->first_ns = ev->t_ns;
	unsigned char *c = filling(b);
	memcpy(c + b->len, ev, sizeof *ev);
	memcpy(c + b->len + sizeof *ev, pcs, ev->nframes * sizeof *pcs);
	b->len += (uint32_t)need;
	b->nevents++;
	if (ev->t_ns - b->first_ns > FLUSH_NS)
		seal(b);
	if (b->head != b->tail)
		send(b, 0);
	release(b);
}

/* The thread ends: what it has goes now, and the queue is free again. */
void rs_tbuf_put(rs_tbuf *b)
{
	acquire(b);
	seal(b);
	send(b, 0);
	release(b);
	atomic_store(&b->owned, 0);
}

void rs_tbuf_flush_all(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t deadline = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + EXIT_WAIT_MS;
	for (rs_tbuf *b = atomic_load(&queues); b; b = b->next) {
		acquire(b);
		seal(b);
		send(b, deadline);
		for (uint32_t k = b->head; k != b->tail; k++) {
			rs_aw_chunk h;
			memcpy(&h, b->slot[k % QUEUE], sizeof h);
			atomic_fetch_add(&dropped, b->counts[k % QUEUE] + h.dropped);
		}
		b->head = b->tail;
		release(b);
	}
	/* the drops no chunk carried yet, in one of their own */
	rs_aw_chunk last = {RS_AW_MAGIC, sizeof last, cur_pid, 0, atomic_exchange(&dropped, 0)};
	int fd = atomic_load(&pipe_fd);
	if (last.dropped && fd >= 0 && write(fd, &last, sizeof last) != (ssize_t)sizeof last)
		atomic_fetch_add(&dropped, last.dropped);
}

/* In a fork child: the parent's events are the parent's to send; the
 * other threads' queues are free. */
void rs_tbuf_after_fork(rs_tbuf *mine, int pid, int tid)
{
	cur_pid = pid;
	atomic_store(&dropped, 0);
	for (rs_tbuf *b = atomic_load(&queues); b; b = b->next) {
		reset(b, tid);
		if (b != mine)
			atomic_store(&b->owned, 0);
	}
}
