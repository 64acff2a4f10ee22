/* Sampling, stacks and the way events leave the process.
 *
 * Sampling is by bytes, a Poisson process as in tcmalloc and Go: each
 * thread counts down a distance drawn from an exponential distribution
 * with the mean RUSTSCOPE_ALLOC_SAMPLE_BYTES, and the allocation that
 * crosses it is sampled (with a mean of 1, every allocation). The recorder
 * unbiases the sampled sizes (sampler/alloc.c).
 *
 * Events go to the thread's queue of chunks (shim_queue.c), from which
 * they reach the pipe without ever making the program wait. */
#include "shim.h"

#include "alloc_wire.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct tstate {
	int64_t bytes_left; /* until the next sample */
	uint64_t rng;
	bool in_hook, seeded;
	int tid;
	uintptr_t stack_hi;
	rs_tbuf *buf;
} tstate;

static __thread tstate tls;

static double sample_bytes = 512 * 1024;
static bool use_fp;
static int (*unw_backtrace_fn)(void **, int);
static uintptr_t self_lo, self_hi; /* our own code, left out of stacks */
static atomic_bool active;
static pthread_key_t exit_key;
extern void *__libc_stack_end;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- sampling --- */

static uint64_t next_random(tstate *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* The distance to the next sample: exponential with mean sample_bytes. */
static int64_t draw(tstate *t)
{
	if (sample_bytes <= 1)
		return 0;
	double u = (double)((next_random(t) >> 11) + 1) / 9007199254740993.0; /* (0, 1] */
	return (int64_t)(-log(u) * sample_bytes) + 1;
}

/* The allocation of n bytes crosses the next sample point. */
static bool take_sample(tstate *t, size_t n)
{
	if (!t->seeded) {
		t->rng = (now_ns() ^ ((uint64_t)(uintptr_t)t << 16) ^ (uint64_t)gettid()) | 1;
		t->seeded = true;
		t->bytes_left = draw(t);
	}
	t->bytes_left -= (int64_t)n;
	if (t->bytes_left > 0)
		return false;
	t->bytes_left = draw(t);
	return true;
}

/* --- stacks --- */

static uintptr_t stack_top(tstate *t)
{
	if (t->stack_hi)
		return t->stack_hi;
	pthread_attr_t a;
	void *lo;
	size_t size;
	if (getpid() == gettid()) {
		t->stack_hi = (uintptr_t)__libc_stack_end;
	} else if (!pthread_getattr_np(pthread_self(), &a)) {
		if (!pthread_attr_getstack(&a, &lo, &size))
			t->stack_hi = (uintptr_t)lo + size;
		pthread_attr_destroy(&a);
	}
	return t->stack_hi;
}

/* The frame-pointer chain, checked to stay on this thread's stack. */
static size_t fp_stack(tstate *t, uint64_t *pcs, size_t max)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0), hi = stack_top(t);
	size_t n = 0;
	while (n < max && fp && !(fp & 7) && fp + 16 <= hi) {
		const uintptr_t *f = (const uintptr_t *)fp;
		if (!f[1])
			break;
		pcs[n++] = f[1];
		if (f[0] <= fp)
			break;
		fp = f[0];
	}
	return n;
}

static size_t capture(tstate *t, uint64_t *pcs)
{
	uint64_t raw[RS_AW_MAX_FRAMES + 8];
	size_t n = 0, kept = 0;
	if (use_fp || !unw_backtrace_fn)
		n = fp_stack(t, raw, RS_AW_MAX_FRAMES + 8);
	else
		n = (size_t)unw_backtrace_fn((void **)raw, RS_AW_MAX_FRAMES + 8);
	for (size_t i = 0; i < n && kept < RS_AW_MAX_FRAMES; i++)
		if (raw[i] < self_lo || raw[i] >= self_hi)
			pcs[kept++] = raw[i];
	return kept;
}

/* --- the thread's queue --- */

static rs_tbuf *queue_of(tstate *t)
{
	if (t->buf)
		return t->buf;
	if (!t->tid)
		t->tid = gettid();
	t->buf = rs_tbuf_get(t->tid);
	if (t->buf)
		pthread_setspecific(exit_key, t->buf); /* its destructor hands the queue back */
	return t->buf;
}

static void emit(tstate *t, const rs_aw_event *ev, const uint64_t *pcs)
{
	rs_tbuf *b = queue_of(t);
	if (b)
		rs_tbuf_append(b, ev, pcs);
	else
		rs_queue_dropped(1);
}

static void thread_exit(void *b)
{
	rs_tbuf_put(b);
	tls.buf = NULL;
}

/* --- the hooks --- */

static void emit_block(tstate *t, uint8_t kind, uintptr_t old, void *p, size_t n, bool sampled)
{
	uint64_t pcs[RS_AW_MAX_FRAMES];
	rs_aw_event ev = {.kind = kind, .sampled = sampled, .addr = (uintptr_t)p, .size = n, .old = old};
	if (sampled) {
		if (!rs_live_add((uintptr_t)p)) {
			rs_queue_dropped(1); /* out of memory for the table */
			return;
		}
		ev.nframes = (uint8_t)capture(t, pcs);
	}
	ev.t_ns = now_ns();
	emit(t, &ev, pcs);
}

void rs_on_alloc(void *p, size_t n)
{
	tstate *t = &tls;
	if (t->in_hook || !atomic_load_explicit(&active, memory_order_relaxed) || !take_sample(t, n))
		return;
	t->in_hook = true;
	emit_block(t, RS_AW_ALLOC, 0, p, n, true);
	t->in_hook = false;
}

void rs_on_realloc(void *old, bool old_sampled, void *p, size_t n)
{
	tstate *t = &tls;
	if (t->in_hook || !atomic_load_explicit(&active, memory_order_relaxed))
		return;
	bool sampled = p && take_sample(t, n);
	if (!sampled && !old_sampled)
		return;
	t->in_hook = true;
	emit_block(t, RS_AW_REALLOC, old_sampled ? (uintptr_t)old : 0, p, p ? n : 0, sampled);
	t->in_hook = false;
}

bool rs_forget(void *p)
{
	return !tls.in_hook && rs_live_take((uintptr_t)p);
}

void rs_remember(void *p)
{
	rs_live_add((uintptr_t)p);
}

void rs_on_free(void *p)
{
	tstate *t = &tls;
	if (t->in_hook || !atomic_load_explicit(&active, memory_order_relaxed) || !rs_live_take((uintptr_t)p))
		return;
	t->in_hook = true;
	rs_aw_event ev = {.kind = RS_AW_FREE, .t_ns = now_ns(), .addr = (uintptr_t)p};
	emit(t, &ev, NULL);
	t->in_hook = false;
}

/* --- start, fork, exit --- */

static int find_self(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	uintptr_t here = (uintptr_t)ctx;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && here >= lo && here < lo + ph->p_memsz) {
			self_lo = lo;
			self_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

static void fork_prepare(void) { rs_live_lock_all(); }
static void fork_parent(void) { rs_live_unlock_all(); }

/* The child starts with no events: the parent's are the parent's to send. */
static void fork_child(void)
{
	rs_live_unlock_all();
	tls.tid = gettid();
	tls.stack_hi = 0;
	rs_tbuf_after_fork(tls.buf, getpid(), tls.tid);
}

static void load_unwinder(void)
{
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (h)
		*(void **)&unw_backtrace_fn = dlsym(h, "unw_backtrace");
	use_fp = !unw_backtrace_fn;
}

void rs_events_init(void)
{
	const char *fd = getenv("RUSTSCOPE_ALLOC_PIPE"), *bytes = getenv("RUSTSCOPE_ALLOC_SAMPLE_BYTES");
	const char *stack = getenv("RUSTSCOPE_ALLOC_STACK");
	struct stat st;
	/* "FD:INODE": the descriptor must still be the recorder's pipe, not
	 * whatever a program that closed it has opened since under that number */
	char *end;
	long pfd = fd ? strtol(fd, &end, 10) : -1;
	if (pfd < 0 || *end != ':' || fstat((int)pfd, &st) || !S_ISFIFO(st.st_mode) ||
	    strtoull(end + 1, NULL, 10) != (unsigned long long)st.st_ino)
		return; /* not recording: the shim only forwards */
	tls.in_hook = true; /* what the set-up allocates is not the program's */
	fcntl((int)pfd, F_SETFL, fcntl((int)pfd, F_GETFL) | O_NONBLOCK);
	rs_queue_init((int)pfd, getpid());
	if (bytes && strtod(bytes, NULL) >= 1)
		sample_bytes = strtod(bytes, NULL);
	use_fp = stack && !strcmp(stack, "fp");
	if (!use_fp)
		load_unwinder();
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&rs_events_init);
	pthread_key_create(&exit_key, thread_exit);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	atomic_store(&active, true);
	tls.in_hook = false;
}

void rs_events_exit(void)
{
	if (!atomic_load(&active))
		return;
	atomic_store(&active, false);
	rs_tbuf_flush_all();
}
