/* Deterministic Chrome trace for tests/bench/chrome.sh: the object form with
 * thread names, nested X events with small args, B/E pairs, counters and
 * instant events on 8 threads, like a busy browser or a tracing crate.
 * Usage: gen-chrome OUT.json MEGABYTES */
#include <stdio.h>
#include <stdlib.h>

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static unsigned next(void) /* xorshift: same file on every machine */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static const char *const names[] = {"MessageLoop::RunTask", "ThreadControllerImpl::DoWork",
	"serde_json::de::from_slice", "app::parse::Document::parse", "Layout", "Paint",
	"v8.compile", "tokio::runtime::task::poll", "hashbrown::map::HashMap::insert",
	"std::io::Write::write_all"};

int main(int argc, char **argv)
{
	if (argc != 3)
		return fprintf(stderr, "usage: gen-chrome OUT MEGABYTES\n"), 2;
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return perror(argv[1]), 1;
	long long want = atoll(argv[2]) * 1000000LL, ts = 1714052400000000LL;
	long long n = 0;
	fprintf(f, "{\"traceEvents\":[\n");
	for (int t = 0; t < 8; t++)
		fprintf(f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":4242,\"tid\":%d,\"args\":{\"name\":\"worker-%d\"}},\n",
			100 + t, t);
	while (ftell(f) < want) {
		int tid = 100 + (int)(next() % 8);
		const char *nm = names[next() % 10];
		unsigned k = next() % 16;
		ts += 1 + next() % 50;
		if (k < 10)
			fprintf(f, "{\"ph\":\"X\",\"cat\":\"toplevel\",\"name\":\"%s\",\"pid\":4242,\"tid\":%d,"
				"\"ts\":%lld,\"dur\":%u,\"tts\":%lld,\"tdur\":%u,\"args\":{\"src_file\":\"../../base/task.cc\",\"line\":%u}},\n",
				nm, tid, ts, next() % 400, ts / 3, next() % 300, next() % 2000);
		else if (k < 13) {
			fprintf(f, "{\"ph\":\"B\",\"cat\":\"app\",\"name\":\"%s\",\"pid\":4242,\"tid\":%d,\"ts\":%lld.%03u,\"args\":{}},\n",
				nm, tid, ts, next() % 1000);
			fprintf(f, "{\"ph\":\"E\",\"cat\":\"app\",\"name\":\"%s\",\"pid\":4242,\"tid\":%d,\"ts\":%lld.%03u},\n",
				nm, tid, ts + 1 + next() % 30, next() % 1000);
		} else if (k < 15)
			fprintf(f, "{\"ph\":\"C\",\"name\":\"heap\",\"pid\":4242,\"tid\":%d,\"ts\":%lld,\"args\":{\"used\":%u,\"committed\":%u}},\n",
				tid, ts, next() % 100000000, next() % 200000000);
		else
			fprintf(f, "{\"ph\":\"i\",\"name\":\"mark-%u\",\"s\":\"t\",\"pid\":4242,\"tid\":%d,\"ts\":%lld,\"args\":{\"n\":%lld}},\n",
				next() % 100, tid, ts, n);
		n++;
	}
	fprintf(f, "{\"ph\":\"i\",\"name\":\"end\",\"pid\":4242,\"tid\":100,\"ts\":%lld}\n],\n"
		"\"displayTimeUnit\":\"ns\",\"metadata\":{\"generator\":\"gen-chrome\"}}\n", ts + 1);
	return fclose(f) != 0;
}
