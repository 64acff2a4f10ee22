/* Program generator for the symbolization benchmark (tests/bench/symbolize.sh):
 *   gen-symbolize DIR [FUNCS [FILES]]   (defaults 20000, 8)
 * Writes DIR/fK.c (K < FILES, the functions split evenly between them, one
 * compilation unit each) and DIR/main.c. Every function fN is noinline, has
 * its own constants (so identical code folding cannot merge two) and one of
 * eight loop bodies (hashing, floating point, branches, division, a small
 * array, rotations, and two that call static inline helpers, which become
 * inlined frames). main runs THREADS threads (default 2), each until it has
 * used SECONDS (default 3) of CPU time, so that a loaded machine still gets
 * as many cpu-clock samples; they call all FUNCS functions round robin, each
 * from its own start, so that samples spread over every function and over
 * the instructions of each.
 * Build: cc -O2 -g -fno-omit-frame-pointer -pthread DIR/fK.c and DIR/main.c; run: prog SECONDS [THREADS]
 * Same arguments, same sources. */
#include <stdio.h>
#include <stdlib.h>

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

static void close_out(FILE *f)
{
	if (ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "gen-symbolize: write error\n");
		exit(1);
	}
}

/* The body of fN: x is the argument, n the loop count, k1..k3 constants of
 * this function. */
static void body(FILE *f, unsigned i)
{
	unsigned k1 = 2654435761u * (i + 1) | 1, k2 = (i * 7919u) % 251 + 3, k3 = i % 29 + 1;
	switch (i % 8) {
	case 0:
		fprintf(f, "\tfor (uint64_t j = 0; j < n; j++)\n\t\tx = (x ^ j) * %uULL + %u;\n", k1, i);
		break;
	case 1:
		fprintf(f,
			"\tdouble d = (double)x;\n\tfor (uint64_t j = 0; j < n; j++)\n"
			"\t\td = d * 1.0000%03u + (double)(j & %u);\n\tx = (uint64_t)d;\n",
			k2, k3 + 7);
		break;
	case 2:
		fprintf(f,
			"\tfor (uint64_t j = 0; j < n; j++) {\n\t\tif (x & 1)\n\t\t\tx = 3 * x + %u;\n"
			"\t\telse\n\t\t\tx = (x >> 1) ^ %uULL;\n\t}\n",
			k2, k1);
		break;
	case 3:
		fprintf(f,
			"\tfor (uint64_t j = 1; j <= n; j++)\n\t\tx += (x + %u) %% (j + %u) + j / %u;\n",
			i, k2, k3);
		break;
	case 4:
		fprintf(f,
			"\tuint32_t a[8] = {%u, %u, %u, %u, %u, %u, %u, %u};\n"
			"\tfor (uint64_t j = 0; j < n; j++)\n\t\ta[j & 7] = a[(j + %u) & 7] * %u + (uint32_t)x;\n"
			"\tfor (int j = 0; j < 8; j++)\n\t\tx = x * 31 + a[j];\n",
			i, k1, k2, k3, i ^ k1, i + k2, k1 >> 3, i * 3, k3, k1);
		break;
	case 5:
		fprintf(f,
			"\tfor (uint64_t j = 0; j < n; j++)\n"
			"\t\tx = ((x << %u) | (x >> %u)) + (j ^ %uULL);\n",
			k3, 64 - k3, k1);
		break;
	case 6:
		fprintf(f, "\tfor (uint64_t j = 0; j < n; j++)\n\t\tx = mix(x, j + %u);\n", i);
		break;
	default:
		fprintf(f, "\tfor (uint64_t j = 0; j < n; j++)\n\t\tx = step(x, %uULL) + j;\n", k1);
		break;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen-symbolize DIR [FUNCS [FILES]]\n");
		return 2;
	}
	const char *dir = argv[1];
	unsigned funcs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 20000;
	unsigned files = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 8;
	if (funcs == 0 || files == 0 || files > funcs) {
		fprintf(stderr, "gen-symbolize: bad FUNCS or FILES\n");
		return 2;
	}
	for (unsigned k = 0; k < files; k++) {
		char name[64];
		snprintf(name, sizeof name, "f%u.c", k);
		FILE *f = open_out(dir, name);
		fprintf(f, "#include <stdint.h>\n\n"
			   "static inline uint64_t mix(uint64_t x, uint64_t y)\n{\n"
			   "\tx ^= y + 0x9e3779b97f4a7c15ULL + (x << 6) + (x >> 2);\n\treturn x * 0xff51afd7ed558ccdULL;\n}\n\n"
			   "static inline uint64_t rot(uint64_t x, unsigned r)\n{\n\treturn (x << r) | (x >> (64 - r));\n}\n\n"
			   "static inline uint64_t step(uint64_t x, uint64_t k)\n{\n\treturn rot(x * k, 23) ^ (x >> 17);\n}\n");
		for (unsigned i = (unsigned)((unsigned long long)funcs * k / files);
		     i < (unsigned)((unsigned long long)funcs * (k + 1) / files); i++) {
			fprintf(f, "\n__attribute__((noinline)) uint64_t f%u(uint64_t x, uint64_t n)\n{\n", i);
			body(f, i);
			fprintf(f, "\treturn x;\n}\n");
		}
		close_out(f);
	}
	FILE *f = open_out(dir, "main.c");
	fprintf(f, "#include <pthread.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
		   "#include <time.h>\n\n#define FUNCS %u\n\n",
		funcs);
	for (unsigned i = 0; i < funcs; i++)
		fprintf(f, "uint64_t f%u(uint64_t, uint64_t);\n", i);
	fprintf(f, "\nstatic uint64_t (*const fns[FUNCS])(uint64_t, uint64_t) = {\n");
	for (unsigned i = 0; i < funcs; i++)
		fprintf(f, "\tf%u,\n", i);
	fprintf(f, "};\n\n"
		   "static double seconds;\nstatic unsigned threads;\nstatic volatile uint64_t iters = 40;\n\n"
		   "static double cpu_now(void)\n{\n\tstruct timespec t;\n\tclock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);\n"
		   "\treturn (double)t.tv_sec + (double)t.tv_nsec / 1e9;\n}\n\n"
		   "static void *run(void *arg)\n{\n"
		   "\tunsigned start = (unsigned)(uintptr_t)arg * (FUNCS / threads);\n"
		   "\tuint64_t x = start, n = iters;\n\tdouble end = cpu_now() + seconds;\n"
		   "\tdo {\n\t\tfor (unsigned i = 0; i < FUNCS; i++)\n"
		   "\t\t\tx = fns[(start + i) %% FUNCS](x, n + (i & 7));\n\t} while (cpu_now() < end);\n"
		   "\treturn (void *)(uintptr_t)(x & 1);\n}\n\n"
		   "int main(int argc, char **argv)\n{\n"
		   "\tseconds = argc > 1 ? atof(argv[1]) : 3;\n\tthreads = argc > 2 ? (unsigned)atoi(argv[2]) : 2;\n"
		   "\tif (threads < 1 || threads > 64)\n\t\tthreads = 2;\n"
		   "\tpthread_t t[64];\n\tuint64_t s = 0;\n"
		   "\tfor (unsigned k = 1; k < threads; k++)\n"
		   "\t\tpthread_create(&t[k], NULL, run, (void *)(uintptr_t)k);\n"
		   "\ts += (uint64_t)(uintptr_t)run(NULL);\n"
		   "\tfor (unsigned k = 1; k < threads; k++) {\n\t\tvoid *r;\n\t\tpthread_join(t[k], &r);\n"
		   "\t\ts += (uint64_t)(uintptr_t)r;\n\t}\n"
		   "\tprintf(\"%%d\\n\", (int)(s & 1));\n\treturn 0;\n}\n");
	close_out(f);
	return 0;
}
