/* The continuous-mode workload: a service that misbehaves on a schedule,
 * so that the answer is known by construction. From its start:
 *   0.0 - 1.5 s  steady_work                      (CPU)
 *   1.5 - 2.0 s  leak_fds: opens 400 descriptors  (fd_count +400)
 *   2.0 - 3.0 s  steady_work
 *   3.0 - 3.5 s  grow_memory: 160 MB touched      (rss_bytes +160 MB)
 *   then steady_work until SECS (default: forever).
 * It prints "phase NAME T" lines on stderr as each phase starts.
 * Usage: spike [SECS] */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;
static double t0;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9 - t0;
}

__attribute__((noinline)) static void steady_work(double until)
{
	uint64_t h = 1469598103934665603ULL;
	while (now() < until)
		for (int i = 0; i < 100000; i++)
			h = (h ^ (uint64_t)i) * 1099511628211ULL;
	sink = h;
}

/* Busy the whole half second, opening the n descriptors evenly over it. */
__attribute__((noinline)) static void leak_fds(double until, int n)
{
	uint64_t h = 0;
	double start = now(), span = until - start;
	for (int opened = 0; now() < until;) {
		while (opened < n && now() >= start + span * opened / n && open("/dev/null", O_RDONLY) >= 0)
			opened++;
		for (int i = 0; i < 20000; i++)
			h = (h + (uint64_t)i) * 6364136223846793005ULL;
	}
	sink = h;
}

/* 160 MB in 1 MB chunks spread over the half second, each page touched by
 * this function itself, so that its page faults are charged to it. */
__attribute__((noinline)) static void grow_memory(double until, int mb)
{
	double start = now(), span = until - start;
	for (int k = 0; k < mb; k++) {
		volatile char *p = malloc(1 << 20);
		for (size_t o = 0; p && o < 1 << 20; o += 4096)
			p[o] = (char)k; /* each page touched here, not in a library's memset */
		uint64_t h = 0;
		while (now() < start + span * (k + 1) / mb)
			for (int i = 0; i < 10000; i++)
				h = (h ^ (uint64_t)i) * 1099511628211ULL;
		sink += h + (p ? (uint64_t)p[k] : 0);
	}
	while (now() < until)
		sink++;
}

static void phase(const char *name) { fprintf(stderr, "phase %s %.3f\n", name, now()); }

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1e9;
	t0 = 0;
	t0 = now();
	phase("steady_work");
	steady_work(1.5);
	phase("leak_fds");
	leak_fds(2.0, 400);
	phase("steady_work");
	steady_work(3.0);
	phase("grow_memory");
	grow_memory(3.5, 160);
	phase("steady_work");
	steady_work(secs);
	return 0;
}
