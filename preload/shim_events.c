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

__thread rs_tstate rs_tls;
atomic_bool rs_active;

static double sample_bytes = 512 * 1024;
static bool use_fp;
static int (*unw_backtrace_fn)(void **, int);
static uintptr_t self_lo, self_hi; /* our own code, left out of stacks */
static pthread_key_t exit_key;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- sampling --- */

static uint64_t next_random(rs_tstate *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* The distance to the next sample: exponential with mean sample_bytes. */
static int64_t draw(rs_tstate *t)
{
	if (sample_bytes <= 1)
		return 0;
	double u = (double)((next_random(t) >> 11) + 1) / 9007199254740993.0; /* (0, 1] */
	return (int64_t)(-log(u) * sample_bytes) + 1;
}

/* The count down (already less the allocation's bytes, by the inline
 * check) crossed the sample point: true unless the shim is at work in
 * this thread. A thread's first crossing only seeds it. (hook_end draws
 * the next distance.) */
static bool crossed(rs_tstate *t)
{
	if (t->in_hook)
		return false;
	if (!t->seeded) {
		t->rng = (now_ns() ^ ((uint64_t)(uintptr_t)t << 16) ^ (uint64_t)gettid()) | 1;
		t->seeded = true;
		t->bytes_left += draw(t);
		if (t->bytes_left > 0)
			return false;
	}
	return true;
}

/* The shim's own work for a sample: its allocations are not counted, and
 * the next distance is drawn after it. */
static void hook_begin(rs_tstate *t)
{
	t->in_hook = true;
	t->bytes_left = INT64_MAX / 2;
}

static void hook_end(rs_tstate *t)
{
	t->bytes_left = draw(t);
	t->in_hook = false;
}

/* --- stacks --- */

/* The end of the mapping that holds sp, from /proc/self/maps: it takes
 * no lock and allocates nothing. (pthread_getattr_np takes the thread's
 * lock, which the program may hold while it allocates: glibc's own
 * pthread_getattr_np reallocs under it.) */
static uintptr_t mapping_end(uintptr_t sp)
{
	char buf[4096];
	size_t len = 0;
	uintptr_t hi = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (bool at_line = true, more = true; !hi && (more || len);) {
		ssize_t n = more ? read(fd, buf + len, sizeof buf - 1 - len) : 0;
		more = n > 0;
		len += n > 0 ? (size_t)n : 0;
		buf[len] = 0;
		char *nl = memchr(buf, '\n', len), *e;
		if (at_line) { /* "lo-hi perms ..." */
			uintptr_t lo = strtoull(buf, &e, 16);
			uintptr_t end = *e == '-' ? strtoull(e + 1, NULL, 16) : 0;
			if (lo <= sp && sp < end)
				hi = end;
		}
		size_t used = nl ? (size_t)(nl + 1 - buf) : len; /* a line too long: skip on */
		at_line = nl != NULL;
		memmove(buf, buf + used, len - used);
		len -= used;
		if (!nl && !more)
			break;
	}
	close(fd);
	return hi;
}

static uintptr_t stack_top(rs_tstate *t)
{
	if (!t->stack_hi)
		t->stack_hi = mapping_end((uintptr_t)__builtin_frame_address(0));
	return t->stack_hi;
}

/* The frame-pointer chain, checked to stay on this thread's stack (a
 * function without frame pointers leaves anything in rbp): between this
 * frame and the top, rising. */
static size_t fp_stack(rs_tstate *t, uint64_t *pcs, size_t max)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0), lo = fp, hi = stack_top(t);
	size_t n = 0;
	while (n < max && fp >= lo && !(fp & 7) && fp + 16 <= hi) {
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

static size_t capture(rs_tstate *t, uint64_t *pcs)
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

static rs_tbuf *queue_of(rs_tstate *t)
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

static void emit(rs_tstate *t, const rs_aw_event *ev, const uint64_t *pcs)
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
	rs_tls.buf = NULL;
}

/* --- the hooks --- */

static void emit_block(rs_tstate *t, uint8_t kind, uintptr_t old, void *p, size_t n, bool sampled)
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

void *rs_sample_alloc(void *p, size_t n)
{
	rs_tstate *t = &rs_tls;
	if (!crossed(t))
		return p;
	hook_begin(t);
	if (p)
		emit_block(t, RS_AW_ALLOC, 0, p, n, true);
	hook_end(t);
	return p;
}

void rs_on_realloc(void *old, bool old_sampled, void *p, size_t n, bool due)
{
	rs_tstate *t = &rs_tls;
	bool sampled = due && crossed(t);
	if ((!sampled && !old_sampled) || t->in_hook)
		return;
	if (!sampled) { /* only the old block's end: the count goes on */
		t->in_hook = true;
		emit_block(t, RS_AW_REALLOC, (uintptr_t)old, p, p ? n : 0, false);
		t->in_hook = false;
		return;
	}
	hook_begin(t);
	emit_block(t, RS_AW_REALLOC, old_sampled ? (uintptr_t)old : 0, p, p ? n : 0, true);
	hook_end(t);
}

bool rs_forget(void *p)
{
	return !rs_tls.in_hook && rs_live_take((uintptr_t)p);
}

void rs_on_free(void *p)
{
	rs_tstate *t = &rs_tls;
	if (t->in_hook || !rs_live_take((uintptr_t)p))
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
	rs_tls.tid = gettid();
	rs_tls.stack_hi = 0;
	rs_tbuf_after_fork(rs_tls.buf, getpid(), rs_tls.tid);
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
	rs_tls.in_hook = true; /* what the set-up allocates is not the program's */
	fcntl((int)pfd, F_SETFL, fcntl((int)pfd, F_GETFL) | O_NONBLOCK);
	rs_queue_init((int)pfd, getpid());
	double mean = bytes ? strtod(bytes, NULL) : 0;
	if (mean >= 1)
		sample_bytes = mean;
	use_fp = stack && !strcmp(stack, "fp");
	if (!use_fp)
		load_unwinder();
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&rs_events_init);
	pthread_key_create(&exit_key, thread_exit);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	atomic_store(&rs_active, true);
	rs_tls.in_hook = false;
}

void rs_events_exit(void)
{
	if (!atomic_load(&rs_active))
		return;
	atomic_store(&rs_active, false);
	rs_tbuf_flush_all();
}
