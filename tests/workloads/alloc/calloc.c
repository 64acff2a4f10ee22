/* Allocation patterns whose answers are known by construction, for
 * rustscope record --alloc (tests/t/record-alloc.sh). Each pattern
 * allocates from its own noinline function, so a heap profile can be
 * checked function by function:
 *   leak N SIZE       leak_blocks() leaks N blocks of SIZE bytes;
 *                     churn_blocks() allocates and frees N blocks of SIZE
 *   realloc STEPS     grow_chain(): one buffer reallocated from 16 bytes,
 *                     doubling STEPS times, then freed
 *   aligned           one leaked block from each allocator entry point,
 *                     of a size of its own (see below)
 *   threads T N       T threads each allocate and free N blocks of 256
 *                     bytes (thread_churn) and leak one of 4096
 *                     (thread_leak)
 *   fork              the child leaks 1000 bytes in child_leak and exits
 *   sleep S           sleeps S seconds (for signals and --duration)
 *   bench N           allocation-heavy work for overhead measurement
 *                     (tests/bench/alloc.sh), the twin of rsalloc's bench:
 *                     N iterations (default 500000, about 1 s) of
 *                     formatted words in a hash table, a sorted array
 *                     and a buffer grown by realloc
 * Prints nothing: stdout's own buffer would be one more allocation. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink; /* keeps blocks reachable for the compiler only */

NOINLINE static void leak_blocks(long n, size_t size)
{
	for (long i = 0; i < n; i++) {
		char *p = malloc(size);
		p[0] = 1;
		sink = p;
	}
}

NOINLINE static void churn_blocks(long n, size_t size)
{
	for (long i = 0; i < n; i++) {
		char *p = malloc(size);
		p[0] = 1;
		sink = p;
		free(p);
	}
}

NOINLINE static void grow_chain(int steps)
{
	size_t size = 16;
	char *p = realloc(NULL, size);
	for (int i = 0; i < steps; i++) {
		size *= 2;
		p = realloc(p, size);
		p[size - 1] = 1;
	}
	sink = p;
	free(p);
}

/* sizes: posix_memalign 1111, aligned_alloc 2048, memalign 3333,
 * valloc 4444, pvalloc 5555 (rounded up to 8192), calloc 6 x 1111,
 * reallocarray 7 x 1111 */
NOINLINE static void use_posix_memalign(void) { void *p; if (!posix_memalign(&p, 64, 1111)) sink = p; }
NOINLINE static void use_aligned_alloc(void) { sink = aligned_alloc(256, 2048); }
NOINLINE static void use_memalign(void) { sink = memalign(128, 3333); }
NOINLINE static void use_valloc(void) { sink = valloc(4444); }
NOINLINE static void use_pvalloc(void) { sink = pvalloc(5555); }
NOINLINE static void use_calloc(void) { sink = calloc(6, 1111); }
NOINLINE static void use_reallocarray(void) { sink = reallocarray(NULL, 7, 1111); }

static void aligned(void)
{
	use_posix_memalign();
	use_aligned_alloc();
	use_memalign();
	use_valloc();
	use_pvalloc();
	use_calloc();
	use_reallocarray();
}

static long per_thread;

NOINLINE static void thread_churn(void)
{
	for (long i = 0; i < per_thread; i++) {
		char *p = malloc(256);
		p[0] = 1;
		sink = p;
		free(p);
	}
}

NOINLINE static void thread_leak(void) { sink = malloc(4096); }

static void *worker(void *arg)
{
	(void)arg;
	thread_churn();
	thread_leak();
	return NULL;
}

static void threads(int t, long n)
{
	pthread_t id[64];
	per_thread = n;
	for (int i = 0; i < t && i < 64; i++)
		pthread_create(&id[i], NULL, worker, NULL);
	for (int i = 0; i < t && i < 64; i++)
		pthread_join(id[i], NULL);
}

NOINLINE static void child_leak(void) { sink = malloc(1000); }

static void forked(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		child_leak();
		exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* bench: per iteration, 8 formatted words (malloc'd), counted in a chained
 * hash table (a node and a copy of the key per new word), 32 numbers
 * sorted in a malloc'd array, the words joined into a buffer grown by
 * realloc; all freed, the table emptied once it holds 20000 words. */
struct entry {
	struct entry *next;
	char *key;
	long count;
};
#define NBUCKETS 4096
static struct entry *table[NBUCKETS];
static long table_len;

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void table_clear(void)
{
	for (int b = 0; b < NBUCKETS; b++)
		while (table[b]) {
			struct entry *e = table[b];
			table[b] = e->next;
			free(e->key);
			free(e);
		}
	table_len = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

NOINLINE static uint64_t bench_step(uint64_t i)
{
	char *words[8];
	uint64_t h = 0;
	for (uint64_t k = 0; k < 8; k++) {
		char tmp[48];
		int n = snprintf(tmp, sizeof tmp, "w%llu-%llu", (unsigned long long)((i * 31 + k * 7) % 4096), (unsigned long long)k);
		words[k] = malloc((size_t)n + 1);
		memcpy(words[k], tmp, (size_t)n + 1);
	}
	for (int k = 0; k < 8; k++) {
		uint64_t wh = fnv(words[k]);
		struct entry **b = &table[wh % NBUCKETS], *e = *b;
		while (e && strcmp(e->key, words[k]))
			e = e->next;
		if (!e) {
			e = malloc(sizeof *e);
			e->key = strdup(words[k]);
			e->count = 0;
			e->next = *b;
			*b = e;
			table_len++;
		}
		e->count++;
		h = (h ^ wh) * 1099511628211ULL;
	}
	uint64_t *nums = malloc(32 * sizeof *nums);
	for (uint64_t k = 0; k < 32; k++)
		nums[k] = (h >> (k % 60)) ^ (k * i);
	qsort(nums, 32, sizeof *nums, cmp_u64);
	size_t cap = 8, len = 0;
	char *joined = malloc(cap);
	for (int k = 0; k < 8; k++) {
		size_t n = strlen(words[k]);
		while (len + n + 2 > cap)
			joined = realloc(joined, cap *= 2);
		memcpy(joined + len, words[k], n);
		len += n;
		joined[len++] = ',';
		joined[len] = 0;
		free(words[k]);
	}
	h ^= nums[16] ^ len;
	sink = joined;
	free(joined);
	free(nums);
	if (table_len > 20000)
		table_clear();
	return h;
}

NOINLINE static void bench(long n)
{
	static volatile uint64_t acc;
	for (long i = 0; i < n; i++)
		acc ^= bench_step((uint64_t)i);
	table_clear();
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
	if (!strcmp(what, "leak")) {
		leak_blocks(a, (size_t)b);
		churn_blocks(a, (size_t)b);
	} else if (!strcmp(what, "realloc")) {
		grow_chain((int)a);
	} else if (!strcmp(what, "aligned")) {
		aligned();
	} else if (!strcmp(what, "threads")) {
		threads((int)a, b);
	} else if (!strcmp(what, "fork")) {
		forked();
	} else if (!strcmp(what, "bench")) {
		bench(a > 0 ? a : 500000);
	} else if (!strcmp(what, "sleep")) {
		leak_blocks(10, 100000);
		sleep((unsigned)a);
	} else {
		return 2;
	}
	return 0;
}
