/* The C unwinding accuracy workload, built with -fomit-frame-pointer: no
 * frame pointers anywhere in it. Three phase functions whose inclusive
 * share of the CPU time is 1/3 each, by construction.
 *
 * Each worker thread runs the phases round robin, c_fract_phase,
 * c_hash_phase, c_poly_phase, c_fract_phase, ..., each in slices of the
 * thread's CPU clock (CLOCK_THREAD_CPUTIME_ID): in round k a phase runs until
 * its own CPU time reaches k * 10 ms, so a slice's overshoot (up to one inner
 * chunk, ~50 us) is taken from the phase's next slice and never adds up.
 * The clock is also read inside the phase functions, so that time belongs to
 * them. A worker stops only after a whole round, once SECS of wall time have
 * passed. c_fract_phase calls the leaf c_frac_leaf, where
 * about half of its time goes.
 *
 * Usage: cnofp SECS [THREADS]   (THREADS workers, default 1; the main
 * thread is worker 0). At the end it prints the rounds and each phase's CPU
 * time in ms, summed over the workers:
 * `rounds N c_fract_phase_ms X c_hash_phase_ms Y c_poly_phase_ms Z`. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLICE_NS 10000000ULL
#define NOINLINE __attribute__((noinline, noclone))

static double t_end;
static volatile uint64_t sink;

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The leaf: x minus its integer part (x is in [1, 3)). */
NOINLINE double c_frac_leaf(double x)
{
	__asm__ volatile("" : "+x"(x));
	double t = (double)(int64_t)x;
	return x - t;
}

NOINLINE double c_fract_phase(uint64_t deadline, double x)
{
	do {
		for (int i = 0; i < 10000; i++) {
			double y = x * 1.0000001 + 0.6180339887;
			__asm__ volatile("" : "+x"(y));
			x = c_frac_leaf(y) + 1.5;
		}
	} while (cpu_ns() < deadline);
	return x;
}

NOINLINE uint64_t c_hash_phase(uint64_t deadline, uint64_t h)
{
	do {
		for (uint64_t i = 0; i < 100000; i++)
			h = (h ^ (i & 0xff)) * 1099511628211ULL;
		__asm__ volatile("" : "+r"(h));
	} while (cpu_ns() < deadline);
	return h;
}

NOINLINE double c_poly_phase(uint64_t deadline, double x)
{
	do {
		for (int i = 0; i < 20000; i++) {
			double t = x;
			__asm__ volatile("" : "+x"(t));
			x = ((((0.1 * t + 0.2) * t + 0.3) * t + 0.4) * t + 0.5) * 1e-3 + 0.25;
		}
	} while (cpu_ns() < deadline);
	return x;
}

/* One worker: whole rounds of the three phases until t_end. Adds to r[4]
 * the number of rounds and the CPU time each phase took. */
NOINLINE static void *c_worker(void *arg)
{
	uint64_t *r = arg; /* rounds, then the CPU time used by each phase */
	double fa = 0.5, pa = 0.5;
	uint64_t ha = 1;
	uint64_t t = cpu_ns(), t1, t2;
	while (wall() < t_end) {
		uint64_t quota = ++r[0] * SLICE_NS;
		fa = c_fract_phase(t + (quota > r[1] ? quota - r[1] : 0), fa);
		t1 = cpu_ns();
		r[1] += t1 - t;
		ha = c_hash_phase(t1 + (quota > r[2] ? quota - r[2] : 0), ha);
		t2 = cpu_ns();
		r[2] += t2 - t1;
		pa = c_poly_phase(t2 + (quota > r[3] ? quota - r[3] : 0), pa);
		t = cpu_ns();
		r[3] += t - t2;
	}
	sink ^= ha ^ (uint64_t)(fa + pa);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cnofp SECS [THREADS]\n");
		return 2;
	}
	double secs = atof(argv[1]);
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	if (threads < 1)
		threads = 1;
	t_end = wall() + secs;
	pthread_t *t = calloc(threads, sizeof *t);
	uint64_t(*r)[4] = calloc(threads, sizeof *r);
	for (int i = 1; i < threads; i++)
		pthread_create(&t[i], NULL, c_worker, r[i]);
	c_worker(r[0]);
	for (int i = 1; i < threads; i++) {
		pthread_join(t[i], NULL);
		for (int k = 0; k < 4; k++)
			r[0][k] += r[i][k];
	}
	printf("rounds %llu c_fract_phase_ms %.3f c_hash_phase_ms %.3f c_poly_phase_ms %.3f\n",
	       (unsigned long long)r[0][0], r[0][1] / 1e6, r[0][2] / 1e6, r[0][3] / 1e6);
	free(t);
	free(r);
	return 0;
}
