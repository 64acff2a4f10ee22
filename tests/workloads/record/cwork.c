/* The C record workload: two known hot functions on two threads.
 * Usage: cwork SECS */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double secs;
static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static uint64_t c_hot_hash(uint64_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (uint64_t i = 0; i < n; i++)
		h = (h ^ (i & 0xff)) * 1099511628211ULL;
	return h;
}

__attribute__((noinline)) static uint64_t c_hot_sum(uint64_t n)
{
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += i * i ^ (s >> 7);
	return s;
}

static void *worker(void *arg)
{
	(void)arg;
	double end = now() + secs;
	while (now() < end)
		sink ^= c_hot_sum(200000);
	return NULL;
}

int main(int argc, char **argv)
{
	secs = argc > 1 ? atof(argv[1]) : 1.0;
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	double end = now() + secs;
	while (now() < end)
		sink ^= c_hot_hash(200000);
	pthread_join(t, NULL);
	printf("%d\n", (int)(sink & 1));
	return 0;
}
