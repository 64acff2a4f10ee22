/* Deterministic pprof generator for the benchmark (tests/bench/pprof.sh):
 *   gen-pprof OUT.pb.gz [SAMPLES [LOCATIONS]]   (defaults 1000000, 100000)
 * Writes a gzip-compressed profile.proto with two sample types, one
 * mapping, LOCATIONS locations (one in ten with an inlined second line),
 * LOCATIONS/4 functions with Rust-like names, and SAMPLES samples whose
 * stacks (depth 4..40) are nearly all distinct, each with a thread_id
 * label. Same arguments, same bytes: the PRNG is a fixed xorshift.
 * Build: cc -O2 -o gen-pprof tests/bench/gen-pprof.c -lz */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct buf {
	unsigned char *p;
	size_t n, cap;
} buf;

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put(buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			exit(4);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void varint(buf *b, uint64_t v)
{
	unsigned char t[10];
	size_t k = 0;
	while (v >= 0x80) {
		t[k++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	t[k++] = (unsigned char)v;
	put(b, t, k);
}

static void field(buf *b, int f, uint64_t v)
{
	if (v) {
		varint(b, (uint64_t)f << 3);
		varint(b, v);
	}
}

static void message(buf *b, int f, const buf *m)
{
	varint(b, (uint64_t)f << 3 | 2);
	varint(b, m->n);
	put(b, m->p, m->n);
}

static void emit(gzFile out, buf *top)
{
	if (top->n && gzwrite(out, top->p, (unsigned)top->n) != (int)top->n)
		exit(4);
	top->n = 0;
}

/* string table: fixed strings 1..8, then one name per function */
enum { S_SAMPLES = 1, S_COUNT, S_CPU, S_NS, S_BIN, S_FILE, S_THREAD, S_BUILD, S_FIRST_FN };

static void strings(buf *top, size_t nfunc)
{
	const char *fixed[] = {"", "samples", "count", "cpu", "nanoseconds", "/usr/bin/bench-app",
			       "src/lib.rs", "thread_id", "b1d5e0c0ffee"};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		varint(top, 6 << 3 | 2);
		varint(top, strlen(fixed[i]));
		put(top, fixed[i], strlen(fixed[i]));
	}
	for (size_t i = 0; i < nfunc; i++) {
		char name[96];
		int n = snprintf(name, sizeof name, "bench_crate%zu::module%zu::Type%zu::method%zu", i % 40,
				 i % 300, i % 1000, i);
		varint(top, 6 << 3 | 2);
		varint(top, (uint64_t)n);
		put(top, name, (size_t)n);
	}
}

static void header(buf *top)
{
	buf m = {0};
	const uint64_t types[2][2] = {{S_SAMPLES, S_COUNT}, {S_CPU, S_NS}};
	for (int i = 0; i < 2; i++) {
		m.n = 0;
		field(&m, 1, types[i][0]);
		field(&m, 2, types[i][1]);
		message(top, 1, &m);
	}
	m.n = 0;
	field(&m, 1, S_CPU);
	field(&m, 2, S_NS);
	message(top, 11, &m);
	field(top, 12, 10000000);
	field(top, 9, 1700000000000000000ULL);
	field(top, 10, 30000000000ULL);
	m.n = 0;
	field(&m, 1, 1);
	field(&m, 2, 0x400000);
	field(&m, 3, 0x400000 + 0x10000000);
	field(&m, 5, S_BIN);
	field(&m, 6, S_BUILD);
	field(&m, 7, 1);
	field(&m, 8, 1);
	field(&m, 9, 1);
	message(top, 3, &m);
	free(m.p);
}

static void locations_functions(buf *top, gzFile out, size_t nloc, size_t nfunc)
{
	buf m = {0}, line = {0};
	for (size_t i = 0; i < nloc; i++) {
		m.n = 0;
		field(&m, 1, i + 1);
		field(&m, 2, 1);
		field(&m, 3, 0x401000 + i * 16);
		int lines = i % 10 == 0 ? 2 : 1;
		for (int k = 0; k < lines; k++) {
			line.n = 0;
			field(&line, 1, (i * 7 + (size_t)k) % nfunc + 1);
			field(&line, 2, 10 + (i + (size_t)k) % 500);
			message(&m, 4, &line);
		}
		message(top, 4, &m);
		if (top->n > (1 << 20))
			emit(out, top);
	}
	for (size_t i = 0; i < nfunc; i++) {
		m.n = 0;
		field(&m, 1, i + 1);
		field(&m, 2, S_FIRST_FN + i);
		field(&m, 4, S_FILE);
		field(&m, 5, 1 + i % 400);
		message(top, 5, &m);
	}
	free(m.p);
	free(line.p);
}

static void samples(buf *top, gzFile out, size_t nsamples, size_t nloc)
{
	buf m = {0}, ids = {0}, vals = {0}, lab = {0};
	for (size_t i = 0; i < nsamples; i++) {
		size_t depth = 4 + next() % 37;
		uint64_t base = next() % 64; /* few roots, so stacks share prefixes */
		ids.n = vals.n = m.n = 0;
		for (size_t d = 0; d < depth; d++) {
			uint64_t loc = d < 3 ? base * 3 + d : next() % nloc;
			varint(&ids, loc % nloc + 1);
		}
		uint64_t n = 1 + next() % 3;
		varint(&vals, n);
		varint(&vals, n * 10000000);
		message(&m, 1, &ids);
		message(&m, 2, &vals);
		lab.n = 0;
		field(&lab, 1, S_THREAD);
		field(&lab, 3, 1000 + next() % 8);
		message(&m, 3, &lab);
		message(top, 2, &m);
		if (top->n > (1 << 20))
			emit(out, top);
	}
	free(m.p);
	free(ids.p);
	free(vals.p);
	free(lab.p);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: gen-pprof OUT.pb.gz [SAMPLES [LOCATIONS]]\n");
		return 2;
	}
	size_t nsamples = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	size_t nloc = argc > 3 ? strtoull(argv[3], NULL, 10) : 100000;
	if (nloc < 200)
		nloc = 200;
	size_t nfunc = nloc / 4;
	gzFile out = gzopen(argv[1], "wb1");
	if (!out) {
		perror(argv[1]);
		return 4;
	}
	buf top = {0};
	header(&top);
	strings(&top, nfunc);
	locations_functions(&top, out, nloc, nfunc);
	samples(&top, out, nsamples, nloc);
	emit(out, &top);
	free(top.p);
	return gzclose(out) == Z_OK ? 0 : 4;
}
