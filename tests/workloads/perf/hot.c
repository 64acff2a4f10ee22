/* A tiny workload for tests/t/perfscript-perf.sh: two threads spend almost
 * all their time in ps_hot_loop (the function the test expects on top),
 * the main thread a little in ps_cold_loop. Built with frame pointers so
 * that `perf record -g` gets whole call chains. */
#include <pthread.h>
#include <stdio.h>

static volatile double sink;

__attribute__((noinline)) static void ps_hot_loop(long n)
{
	double x = 0;
	for (long i = 0; i < n; i++)
		x += (double)i * 0.5;
	sink += x;
}

__attribute__((noinline)) static void ps_cold_loop(long n)
{
	double x = 0;
	for (long i = 0; i < n; i++)
		x -= (double)i;
	sink += x;
}

static void *worker(void *arg)
{
	(void)arg;
	ps_hot_loop(150000000);
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	ps_cold_loop(5000000);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("%g\n", sink);
	return 0;
}
