/* The allocator entry points librustscope_alloc.so interposes, and their
 * bootstrap.
 *
 * The next allocator's functions are found with dlsym(RTLD_NEXT), and
 * dlsym itself may call calloc or malloc before it has answered: until
 * every function is known, blocks come from a static arena, and free()
 * ignores blocks inside it. Calls made while the shim works for another
 * call of the same thread (dlopen of libunwind, libunwind, glibc's
 * pthread_getattr_np) go straight through, unsampled (shim_events.c). */
#include "shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define RS_SHIM_EXPORT __attribute__((visibility("default")))

enum { UNRESOLVED, RESOLVING, RESOLVED };

static rs_real_alloc real;
static atomic_int state = UNRESOLVED;

/* --- the bootstrap arena --- */

enum { BOOT_BYTES = 1 << 16, BOOT_ALIGN = 16 };
static _Alignas(64) unsigned char boot_arena[BOOT_BYTES];
static atomic_size_t boot_used;

static bool is_boot(const void *p)
{
	return (const unsigned char *)p >= boot_arena && (const unsigned char *)p < boot_arena + BOOT_BYTES;
}

/* Each block is preceded by its size, for realloc. */
static void *boot_alloc(size_t n, size_t align)
{
	if (align < BOOT_ALIGN)
		align = BOOT_ALIGN;
	if (n > BOOT_BYTES || align > BOOT_BYTES / 4)
		return NULL;
	size_t need = n + align + BOOT_ALIGN;
	size_t at = atomic_fetch_add(&boot_used, need);
	if (at + need > BOOT_BYTES)
		return NULL;
	uintptr_t base = (uintptr_t)boot_arena + at + sizeof(size_t);
	uintptr_t p = (base + align - 1) & ~(uintptr_t)(align - 1);
	memcpy((void *)(p - sizeof(size_t)), &n, sizeof n);
	return (void *)p; /* the arena is static: already zero, as calloc needs */
}

static size_t boot_size(const void *p)
{
	size_t n;
	memcpy(&n, (const unsigned char *)p - sizeof n, sizeof n);
	return n;
}

/* --- resolving the next allocator --- */

/* The hot entry points call these: the bootstrap versions below until the
 * next allocator is known, then its own functions, so that no call pays
 * for a check of the state. */
static void *boot_malloc(size_t n);
static void boot_free(void *p);
static void *boot_calloc(size_t k, size_t n);
static void *boot_next_realloc(void *old, size_t n);
static _Atomic(void *(*)(size_t)) next_malloc = boot_malloc;
static _Atomic(void (*)(void *)) next_free = boot_free;
static _Atomic(void *(*)(size_t, size_t)) next_calloc = boot_calloc;
static _Atomic(void *(*)(void *, size_t)) next_realloc = boot_next_realloc;

static void resolve(void)
{
	int expect = UNRESOLVED;
	if (!atomic_compare_exchange_strong(&state, &expect, RESOLVING))
		return; /* another call resolves; meanwhile the arena serves */
	rs_real_alloc r = {0};
	*(void **)&r.malloc = dlsym(RTLD_NEXT, "malloc");
	*(void **)&r.free = dlsym(RTLD_NEXT, "free");
	*(void **)&r.calloc = dlsym(RTLD_NEXT, "calloc");
	*(void **)&r.realloc = dlsym(RTLD_NEXT, "realloc");
	*(void **)&r.posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	*(void **)&r.aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
	*(void **)&r.memalign = dlsym(RTLD_NEXT, "memalign");
	*(void **)&r.valloc = dlsym(RTLD_NEXT, "valloc");
	*(void **)&r.pvalloc = dlsym(RTLD_NEXT, "pvalloc");
	if (!r.malloc || !r.free || !r.calloc || !r.realloc || !r.posix_memalign || !r.memalign) {
		static const char msg[] = "librustscope_alloc.so: cannot find the next malloc\n";
		(void)!write(2, msg, sizeof msg - 1);
		_exit(127);
	}
	real = r;
	atomic_store_explicit(&state, RESOLVED, memory_order_release);
	atomic_store_explicit(&next_malloc, r.malloc, memory_order_release);
	atomic_store_explicit(&next_free, r.free, memory_order_release);
	atomic_store_explicit(&next_calloc, r.calloc, memory_order_release);
	atomic_store_explicit(&next_realloc, r.realloc, memory_order_release);
}

static bool ready(void)
{
	if (atomic_load_explicit(&state, memory_order_acquire) == RESOLVED)
		return true;
	resolve();
	return atomic_load_explicit(&state, memory_order_acquire) == RESOLVED;
}

static void *boot_malloc(size_t n)
{
	return ready() ? real.malloc(n) : boot_alloc(n, BOOT_ALIGN);
}

static void boot_free(void *p)
{
	if (ready())
		real.free(p);
}

static void *boot_calloc(size_t k, size_t n)
{
	return ready() ? real.calloc(k, n) : boot_alloc(k * n, BOOT_ALIGN); /* k * n checked by calloc */
}

static void *boot_next_realloc(void *old, size_t n)
{
	if (ready())
		return real.realloc(old, n);
	return old ? NULL : boot_alloc(n, BOOT_ALIGN);
}

__attribute__((constructor)) static void shim_start(void)
{
	ready();
	rs_events_init();
}

__attribute__((destructor)) static void shim_end(void)
{
	rs_events_exit();
}

/* --- the entry points --- */

RS_SHIM_EXPORT void *malloc(size_t n)
{
	void *(*next)(size_t) = atomic_load_explicit(&next_malloc, memory_order_relaxed);
	if (__builtin_expect(!rs_alloc_due(n), 1))
		return next(n);
	return rs_sample_alloc(next(n), n);
}

RS_SHIM_EXPORT void free(void *p)
{
	if (!p || __builtin_expect(is_boot(p), 0))
		return;
	if (rs_maybe_sampled(p))
		rs_on_free(p);
	atomic_load_explicit(&next_free, memory_order_relaxed)(p);
}

RS_SHIM_EXPORT void *calloc(size_t k, size_t n)
{
	size_t total;
	if (__builtin_mul_overflow(k, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	void *(*next)(size_t, size_t) = atomic_load_explicit(&next_calloc, memory_order_relaxed);
	if (__builtin_expect(!rs_alloc_due(total), 1))
		return next(k, n);
	return rs_sample_alloc(next(k, n), total);
}

/* A block of the arena moves to the real allocator when it grows. */
__attribute__((noinline)) static void *boot_realloc(void *old, size_t n)
{
	void *p = ready() ? real.malloc(n) : boot_alloc(n, BOOT_ALIGN);
	if (p) {
		size_t had = boot_size(old);
		memcpy(p, old, had < n ? had : n);
	}
	return p;
}

/* realloc when old may be sampled or a sample is due: the slow path. */
__attribute__((noinline)) static void *realloc_watched(void *(*next)(void *, size_t), void *old, size_t n,
						       bool maybe, bool due)
{
	bool was = maybe && rs_forget(old); /* before its address can be handed out again */
	void *p = next(old, n);
	if (!p && n) { /* failed: old is still the program's */
		if (was)
			rs_live_add((uintptr_t)old);
		return NULL;
	}
	if (was || (due && p))
		rs_on_realloc(old, was, p, n, due && p);
	return p;
}

RS_SHIM_EXPORT void *realloc(void *old, size_t n)
{
	if (__builtin_expect(old && is_boot(old), 0))
		return boot_realloc(old, n);
	void *(*next)(void *, size_t) = atomic_load_explicit(&next_realloc, memory_order_relaxed);
	if (!rs_recording())
		return next(old, n);
	bool maybe = old && rs_filter_hit(old), due = rs_count_down(n);
	if (__builtin_expect(!maybe && !due, 1))
		return next(old, n);
	return realloc_watched(next, old, n, maybe, due);
}

RS_SHIM_EXPORT void *reallocarray(void *old, size_t k, size_t n)
{
	size_t total;
	if (__builtin_mul_overflow(k, n, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, total);
}

RS_SHIM_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (!ready()) {
		*out = boot_alloc(n, align);
		return *out ? 0 : ENOMEM;
	}
	int rc = real.posix_memalign(out, align, n);
	if (!rc && *out)
		rs_on_alloc(*out, n);
	return rc;
}

static void *aligned(void *(*fn)(size_t, size_t), size_t align, size_t n)
{
	if (!ready())
		return boot_alloc(n, align);
	void *p = fn ? fn(align, n) : real.memalign(align, n);
	if (p)
		rs_on_alloc(p, n);
	return p;
}

RS_SHIM_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	return aligned(real.aligned_alloc, align, n);
}

RS_SHIM_EXPORT void *memalign(size_t align, size_t n)
{
	return aligned(real.memalign, align, n);
}

static void *page_aligned(void *(*fn)(size_t), size_t n, size_t accounted)
{
	void *p = fn ? fn(n) : real.memalign((size_t)sysconf(_SC_PAGESIZE), n);
	if (p)
		rs_on_alloc(p, accounted);
	return p;
}

RS_SHIM_EXPORT void *valloc(size_t n)
{
	if (!ready())
		return boot_alloc(n, 4096);
	return page_aligned(real.valloc, n, n);
}

/* pvalloc rounds the size up to whole pages, and that is what the program gets. */
RS_SHIM_EXPORT void *pvalloc(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rounded = n ? (n + page - 1) & ~(page - 1) : page;
	if (!ready())
		return boot_alloc(rounded, page);
	return page_aligned(real.pvalloc, n, rounded);
}
