/* Unit test of lib/spsc.c: a producer thread and a consumer thread pass a
 * million records of varied sizes through a small ring (so it wraps and
 * fills thousands of times); every record arrives once, in order, intact;
 * a full ring refuses a record instead of waiting. */
#include "lib/spsc.h"

#include "unit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { N = 1000000, MAXLEN = 600 };

static size_t len_of(uint32_t seq) { return 4 + (seq * 2654435761u) % (MAXLEN - 4); }

static void fill(unsigned char *b, uint32_t seq, size_t n)
{
	memcpy(b, &seq, 4);
	for (size_t i = 4; i < n; i++)
		b[i] = (unsigned char)(seq + i);
}

static uint64_t refused;

static void *produce(void *arg)
{
	rs_spsc *q = arg;
	unsigned char b[MAXLEN];
	for (uint32_t seq = 0; seq < N; seq++) {
		size_t n = len_of(seq);
		fill(b, seq, n);
		while (!rs_spsc_push(q, b, n))
			refused++; /* the test wants every record: try again */
	}
	return NULL;
}

int main(void)
{
	rs_spsc q;
	rs_spsc_init(&q, 8192);
	pthread_t th;
	pthread_create(&th, NULL, produce, &q);
	unsigned char want[MAXLEN];
	uint32_t next = 0;
	bool ok = true;
	while (next < N && ok) {
		size_t n;
		const unsigned char *r = rs_spsc_peek(&q, &n);
		if (!r)
			continue;
		fill(want, next, len_of(next));
		ok = n == len_of(next) && memcmp(r, want, n) == 0;
		rs_spsc_pop(&q);
		next++;
	}
	pthread_join(th, NULL);
	CHECK("spsc: a million records arrive in order and intact", ok && next == N);
	CHECK("spsc: the ring was full at times (the test wrapped it)", refused > 0);
	size_t n;
	CHECK("spsc: empty at the end", rs_spsc_peek(&q, &n) == NULL);

	static unsigned char huge[5000];
	CHECK("spsc: a record over half the ring is refused", !rs_spsc_push(&q, huge, sizeof huge));
	unsigned char big[1000] = {0};
	size_t pushed = 0;
	while (rs_spsc_push(&q, big, sizeof big))
		pushed++;
	CHECK("spsc: a full ring refuses, without waiting", pushed > 0 && pushed * 1008 <= 8192);
	for (size_t i = 0; i < pushed; i++) {
		const void *r = rs_spsc_peek(&q, &n);
		if (!r || n != sizeof big)
			ok = false;
		rs_spsc_pop(&q);
	}
	CHECK("spsc: what filled it comes out", ok && rs_spsc_peek(&q, &n) == NULL);
	rs_spsc_free(&q);
	return unit_failures != 0;
}
